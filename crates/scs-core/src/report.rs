//! The verification report: what `scs verify --json`, `POST /v1/verify` and the web pages show.
//!
//! `derive(Serialize)` here is a compatibility promise (SPEC §8): `verdict`, `checks` with
//! `name`/`ok`/`detail`, and `credential`. Each check's detail is given in English (`detail`) and
//! Japanese (`detailJa`); a check that could not be decided carries `"undecided": true`.

use serde::{Deserialize, Serialize};

use crate::credential::CredentialFacts;

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check asked for passed.
    Valid,
    /// At least one check failed.
    Invalid,
    /// None failed, but at least one could not be decided (e.g. status with no list at hand).
    Unknown,
}

impl Verdict {
    /// 有効 · 無効 · 判定不能
    pub fn ja(self) -> &'static str {
        match self {
            Self::Valid => "有効",
            Self::Invalid => "無効",
            Self::Unknown => "判定不能",
        }
    }

    /// Valid · Invalid · Unknown
    pub fn en(self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::Invalid => "Invalid",
            Self::Unknown => "Unknown",
        }
    }
}

/// The checks, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CheckName {
    /// The eddsa-jcs-2022 proof.
    Signature,
    /// The signer is designated in the trust list for this level at signing time.
    Issuer,
    /// Inside validFrom..validUntil and the policy's longest validity.
    Validity,
    /// Not revoked, not suspended.
    Status,
    /// The company asked about.
    Subject,
    /// At least the ★ asked for.
    Level,
    /// A registration receipt given with the credential shows it in the registry's ledger.
    Ledger,
    /// A presentation's own proof: signed by its holder, for the challenge and domain asked.
    Presentation,
    /// Holder binding: the presentation's signer is the key each credential names as its
    /// subject's (`credentialSubject.id`).
    Holder,
}

impl CheckName {
    /// 署名 · 発行者 · 有効期間 · 失効状況 · 対象企業 · ★段階 · 台帳 · 提示の署名 · 提示者
    pub fn ja(self) -> &'static str {
        match self {
            Self::Signature => "署名",
            Self::Issuer => "発行者",
            Self::Validity => "有効期間",
            Self::Status => "失効状況",
            Self::Subject => "対象企業",
            Self::Level => "★段階",
            Self::Ledger => "台帳",
            Self::Presentation => "提示の署名",
            Self::Holder => "提示者",
        }
    }

    /// Signature · Issuer · Validity · Status · Subject · Level · Ledger · Presentation · Holder
    pub fn en(self) -> &'static str {
        match self {
            Self::Signature => "Signature",
            Self::Issuer => "Issuer",
            Self::Validity => "Validity",
            Self::Status => "Status",
            Self::Subject => "Subject",
            Self::Level => "Level",
            Self::Ledger => "Ledger",
            Self::Presentation => "Presentation",
            Self::Holder => "Holder",
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// 日本語
    pub ja: String,
    /// English
    pub en: String,
}

impl Message {
    /// Both texts.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ja: ja.into(),
            en: en.into(),
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Which check.
    pub name: CheckName,
    /// Passed.
    pub ok: bool,
    /// The reason, in English.
    pub detail: String,
    /// The reason, in Japanese.
    pub detail_ja: String,
    /// Asked for but could not be decided; `ok` is then false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undecided: bool,
}

impl Check {
    /// A passed check.
    pub fn pass(name: CheckName, why: Message) -> Self {
        Self::new(name, true, false, why)
    }

    /// A failed check.
    pub fn fail(name: CheckName, why: Message) -> Self {
        Self::new(name, false, false, why)
    }

    /// A check that was asked for but could not be decided.
    pub fn undecided(name: CheckName, why: Message) -> Self {
        Self::new(name, false, true, why)
    }

    fn new(name: CheckName, ok: bool, undecided: bool, why: Message) -> Self {
        Self {
            name,
            ok,
            detail: why.en,
            detail_ja: why.ja,
            undecided,
        }
    }
}

/// Which operator key a trust list was checked against: the anchor of every issuer check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TrustAnchor {
    /// A key the user gave or configured (`--operator-key`, `SCS_OPERATOR_KEY`).
    Configured,
    /// The demo operator's key, whose secret is public: asked for with `--demo`.
    Demo,
    /// None given, so no trust list could be trusted.
    None,
}

impl TrustAnchor {
    /// The mark shown beside a verdict reached with this anchor, if any.
    pub fn mark(self) -> Option<&'static str> {
        match self {
            Self::Demo => Some("デモ用の鍵 / DEMO operator key"),
            Self::Configured | Self::None => None,
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The answer.
    pub verdict: Verdict,
    /// Every check that was asked for, in [`CheckName`] order.
    pub checks: Vec<Check>,
    /// The facts read from the credential, when it could be read at all.
    pub credential: Option<CredentialFacts>,
    /// The operator key the trust list was checked against, when a trust list was asked for.
    #[serde(
        default,
        rename = "trustAnchor",
        skip_serializing_if = "Option::is_none"
    )]
    pub trust_anchor: Option<TrustAnchor>,
}

impl Report {
    /// Builds a report; the verdict follows from the checks.
    pub fn new(mut checks: Vec<Check>, credential: Option<CredentialFacts>) -> Self {
        checks.sort_by_key(|c| c.name);
        let verdict = if checks.iter().any(|c| !c.ok && !c.undecided) {
            Verdict::Invalid
        } else if checks.iter().any(|c| c.undecided) || checks.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::Valid
        };
        Self {
            verdict,
            checks,
            credential,
            trust_anchor: None,
        }
    }

    /// The same report, saying which operator key its trust list was checked against.
    pub fn with_trust_anchor(self, anchor: TrustAnchor) -> Self {
        Self {
            trust_anchor: Some(anchor),
            ..self
        }
    }

    /// The same report with one more check, the verdict derived again from all of them.
    pub fn with_check(self, check: Check) -> Self {
        let mut checks = self.checks;
        checks.push(check);
        Self {
            trust_anchor: self.trust_anchor,
            ..Self::new(checks, self.credential)
        }
    }

    /// The check of that name, if it was made.
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// The report on a verifiable presentation: its own checks (its proof, holder binding) and
/// one [`Report`] per credential it presents, in the order presented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresentationReport {
    /// `valid` only when every check of the presentation passed and every credential is valid.
    pub verdict: Verdict,
    /// The presentation's own checks ([`CheckName::Presentation`], [`CheckName::Holder`]);
    /// none for an unsigned presentation of which nothing was asked.
    pub checks: Vec<Check>,
    /// Each presented credential's report.
    pub credentials: Vec<Report>,
}

impl PresentationReport {
    /// Builds the report; the verdict follows from the checks and the credentials' verdicts.
    pub fn new(checks: Vec<Check>, credentials: Vec<Report>) -> Self {
        let own = Report::new(checks, None);
        let verdicts: Vec<Verdict> = (!own.checks.is_empty())
            .then_some(own.verdict)
            .into_iter()
            .chain(credentials.iter().map(|r| r.verdict))
            .collect();
        let verdict = if verdicts.contains(&Verdict::Invalid) {
            Verdict::Invalid
        } else if verdicts.is_empty() || verdicts.contains(&Verdict::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Valid
        };
        Self {
            verdict,
            checks: own.checks,
            credentials,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Message {
        Message::new("理由", "reason")
    }

    #[test]
    fn verdict_follows_the_checks() {
        let pass = Check::pass(CheckName::Signature, m());
        let fail = Check::fail(CheckName::Issuer, m());
        let open = Check::undecided(CheckName::Status, m());
        assert_eq!(
            Report::new(vec![pass.clone()], None).verdict,
            Verdict::Valid
        );
        assert_eq!(
            Report::new(vec![pass.clone(), open.clone()], None).verdict,
            Verdict::Unknown
        );
        assert_eq!(
            Report::new(vec![open, fail, pass.clone()], None).verdict,
            Verdict::Invalid
        );
        assert_eq!(Report::new(vec![], None).verdict, Verdict::Unknown);
        let added = Report::new(vec![pass.clone()], None)
            .with_trust_anchor(TrustAnchor::Demo)
            .with_check(Check::undecided(CheckName::Ledger, m()));
        assert_eq!(added.verdict, Verdict::Unknown);
        assert_eq!(added.trust_anchor, Some(TrustAnchor::Demo));
        let added = Report::new(vec![pass], None).with_check(Check::fail(CheckName::Ledger, m()));
        assert_eq!(added.verdict, Verdict::Invalid);
    }

    #[test]
    fn a_presentation_is_valid_only_when_it_and_every_credential_are() {
        let pass = |name| Check::pass(name, m());
        let valid = || Report::new(vec![pass(CheckName::Signature)], None);
        let invalid = Report::new(vec![Check::fail(CheckName::Signature, m())], None);
        let unknown = Report::new(vec![Check::undecided(CheckName::Status, m())], None);
        let proof = || vec![pass(CheckName::Presentation)];
        assert_eq!(
            PresentationReport::new(proof(), vec![valid(), valid()]).verdict,
            Verdict::Valid
        );
        assert_eq!(
            PresentationReport::new(vec![], vec![valid()]).verdict,
            Verdict::Valid
        );
        assert_eq!(
            PresentationReport::new(proof(), vec![valid(), invalid]).verdict,
            Verdict::Invalid
        );
        assert_eq!(
            PresentationReport::new(proof(), vec![unknown]).verdict,
            Verdict::Unknown
        );
        let bad_holder = vec![
            pass(CheckName::Presentation),
            Check::fail(CheckName::Holder, m()),
        ];
        assert_eq!(
            PresentationReport::new(bad_holder, vec![valid()]).verdict,
            Verdict::Invalid
        );
        assert_eq!(
            PresentationReport::new(vec![], vec![]).verdict,
            Verdict::Unknown
        );
    }

    #[test]
    fn json_shape_matches_the_spec() {
        let report = Report::new(
            vec![
                Check::undecided(CheckName::Status, m()),
                Check::pass(CheckName::Signature, m()),
            ],
            None,
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["verdict"], "unknown");
        assert_eq!(json["checks"][0]["name"], "signature");
        assert_eq!(json["checks"][0]["ok"], true);
        assert_eq!(json["checks"][0]["detail"], "reason");
        assert!(json["checks"][0].get("undecided").is_none());
        assert_eq!(json["checks"][1]["undecided"], true);
        assert!(json.get("trustAnchor").is_none());
        let json = serde_json::to_value(report.with_trust_anchor(TrustAnchor::Demo)).unwrap();
        assert_eq!(json["trustAnchor"], "demo");
    }
}
