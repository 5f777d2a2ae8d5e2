//! The result of a row in one word an ordering company acts on: 要件充足, ★不足, 未登録, 取消,
//! 一時停止, 期限切れ, 期限間近, 無効, 判定不能 or 入力エラー.
//!
//! One category per row, decided in this order (the first that applies):
//! 1. 入力エラー — the row cannot be read (法人番号, ★ or an answer);
//! 2. 未登録 — nothing is registered for the 法人番号;
//! 3. 判定不能 — the registry could not be asked, or the check was undecided;
//! 4. the best credential (see [`crate::judge`]) is valid: 期限間近 when it expires within
//!    [`EXPIRING_DAYS`] days of the check, else 要件充足;
//! 5. it is not: 無効 when a check other than validity, status and ★ fails (signature,
//!    issuer, …); else 取消 when it is revoked, 一時停止 when suspended, 期限切れ when its
//!    validity ended before the check, ★不足 when only its ★ is below the one required, else 無効.

use scs_core::lifecycle::CredentialState;
use scs_core::report::{CheckName, Message, Report, Verdict};
use scs_core::timestamp::Timestamp;

/// A credential expiring within this many days of the check is 期限間近.
pub const EXPIRING_DAYS: i64 = 90;

/// What a row's result means for the ordering company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 要件充足: holds a valid credential of at least the ★ required.
    Meets,
    /// 期限間近: meets, but the credential expires within [`EXPIRING_DAYS`] days.
    ExpiringSoon,
    /// ★不足: holds a valid credential, below the ★ required.
    LevelTooLow,
    /// 未登録: nothing registered.
    NotRegistered,
    /// 取消: the credential is revoked.
    Revoked,
    /// 一時停止: the credential is suspended.
    Suspended,
    /// 期限切れ: the credential has expired.
    Expired,
    /// 無効: the credential fails another check (signature, issuer, …).
    Invalid,
    /// 判定不能: the registry could not be asked, or the answer is undecided.
    Unknown,
    /// 入力エラー: the row cannot be read.
    InputError,
}

impl Category {
    /// Every category, in the order the summary counts them.
    pub const ALL: [Category; 10] = [
        Self::Meets,
        Self::ExpiringSoon,
        Self::LevelTooLow,
        Self::NotRegistered,
        Self::Revoked,
        Self::Suspended,
        Self::Expired,
        Self::Invalid,
        Self::Unknown,
        Self::InputError,
    ];

    /// Its name in both languages.
    pub fn message(self) -> Message {
        let (ja, en) = match self {
            Self::Meets => ("要件充足", "meets"),
            Self::ExpiringSoon => ("期限間近", "expiring soon"),
            Self::LevelTooLow => ("★不足", "★ too low"),
            Self::NotRegistered => ("未登録", "not registered"),
            Self::Revoked => ("取消", "revoked"),
            Self::Suspended => ("一時停止", "suspended"),
            Self::Expired => ("期限切れ", "expired"),
            Self::Invalid => ("無効", "invalid"),
            Self::Unknown => ("判定不能", "unknown"),
            Self::InputError => ("入力エラー", "input error"),
        };
        Message::new(ja, en)
    }

    /// Its code in the JSON report (`meets`, `expiringSoon`, `levelTooLow`, `notRegistered`,
    /// `revoked`, `suspended`, `expired`, `invalid`, `unknown`, `inputError`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Meets => "meets",
            Self::ExpiringSoon => "expiringSoon",
            Self::LevelTooLow => "levelTooLow",
            Self::NotRegistered => "notRegistered",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::Unknown => "unknown",
            Self::InputError => "inputError",
        }
    }

    /// Whether the row needs the ordering company's attention: everything but 要件充足.
    pub fn is_problem(self) -> bool {
        self != Self::Meets
    }

    /// The category of a valid credential's row, by how soon it expires.
    pub(crate) fn of_valid(valid_until: Option<Timestamp>, at: Timestamp) -> Self {
        let soon = at.plus_days(EXPIRING_DAYS);
        match (valid_until, soon) {
            (Some(until), Some(soon)) if until <= soon => Self::ExpiringSoon,
            _ => Self::Meets,
        }
    }

    /// The category of a report that is not valid, with the state the registry records.
    pub(crate) fn of_failed(
        report: &Report,
        state: Option<CredentialState>,
        valid_until: Option<Timestamp>,
        at: Timestamp,
    ) -> Self {
        if report.verdict == Verdict::Unknown {
            return Self::Unknown;
        }
        let failed = |name: CheckName| report.checks.iter().any(|c| c.name == name && !c.ok);
        let others_fail = report.checks.iter().any(|c| {
            !c.ok
                && !matches!(
                    c.name,
                    CheckName::Status | CheckName::Validity | CheckName::Level
                )
        });
        if others_fail {
            Self::Invalid
        } else if state == Some(CredentialState::Revoked) {
            Self::Revoked
        } else if state == Some(CredentialState::Suspended) {
            Self::Suspended
        } else if failed(CheckName::Validity) && valid_until.is_some_and(|until| until < at) {
            Self::Expired
        } else if failed(CheckName::Level)
            && !failed(CheckName::Status)
            && !failed(CheckName::Validity)
        {
            Self::LevelTooLow
        } else {
            Self::Invalid
        }
    }
}
