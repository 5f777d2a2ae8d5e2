//! The verdict box in words: the one line that says why (the deciding check first), the checks
//! in the order a reader needs them, and error text without English fragments on Japanese pages.

use maud::{html, Markup};
use scs_core::credential::CredentialFacts;
use scs_core::lifecycle::{CredentialState, Reason};
use scs_core::report::{Check, CheckName, Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_ledger::{CredentialRecord, EventKind};

use super::{date, Lang};

/// Which failed check decides the verdict, most fundamental first: a forged or untrusted
/// signature makes every other fact moot; then whose certificate it is; then its status.
const PRIORITY: [CheckName; 7] = [
    CheckName::Signature,
    CheckName::Issuer,
    CheckName::Subject,
    CheckName::Status,
    CheckName::Validity,
    CheckName::Level,
    CheckName::Ledger,
];

/// `✓ 有効`, `✗ 無効`, `? 判定不能`.
pub(crate) fn verdict_text(verdict: Verdict, lang: Lang) -> String {
    let mark = match verdict {
        Verdict::Valid => "✓",
        Verdict::Invalid => "✗",
        Verdict::Unknown => "?",
    };
    format!("{mark} {}", lang.pick(verdict.ja(), verdict.en()))
}

/// The check that decides a verdict that is not valid: the first failure in [`PRIORITY`],
/// else the first undecided check.
pub(crate) fn deciding(report: &Report) -> Option<&Check> {
    let first = |undecided: bool| {
        PRIORITY.iter().find_map(|name| {
            report
                .checks
                .iter()
                .find(|c| c.name == *name && !c.ok && c.undecided == undecided)
        })
    };
    first(false).or_else(|| first(true))
}

/// The checks as the reader needs them: the deciding one, the other failures, the undecided
/// ones, then those that passed.
pub(crate) fn ordered_checks(report: &Report) -> Vec<&Check> {
    let decider = deciding(report).map(|c| c.name);
    let mut checks: Vec<&Check> = report.checks.iter().collect();
    checks.sort_by_key(|c| match (Some(c.name) == decider, c.ok, c.undecided) {
        (true, _, _) => 0,
        (false, false, false) => 1,
        (false, false, true) => 2,
        (false, true, _) => 3,
    });
    checks
}

/// The verdict in one line, the deciding reason first: `✗ 無効 — 取消（2026年11月28日・不正）`,
/// `✗ 別の会社の証明書です`. `record` is the registry's record of the credential, if registered.
pub(crate) fn headline(
    report: &Report,
    record: Option<&CredentialRecord>,
    now: Timestamp,
    lang: Lang,
) -> String {
    let word = verdict_text(report.verdict, lang);
    let Some(check) = deciding(report).filter(|_| report.verdict != Verdict::Valid) else {
        return word;
    };
    let why = match (check.name, check.undecided) {
        (CheckName::Subject, false) => {
            return lang
                .pick("✗ 別の会社の証明書です", "✗ Issued to another company")
                .to_owned()
        }
        (CheckName::Status, false) => record.and_then(|r| status_change(r, now, lang)),
        (CheckName::Validity, false) => report
            .credential
            .as_ref()
            .and_then(|f| out_of_validity(f.valid_from, f.valid_until, now, lang)),
        _ => None,
    };
    let why = why.unwrap_or_else(|| {
        let (plain, _) = fold(lang, lang.pick(&check.detail_ja, &check.detail));
        format!("{}: {plain}", lang.pick(check.name.ja(), check.name.en()))
    });
    format!("{word} — {why}")
}

/// A reason code as a page says it.
pub(crate) fn reason_text(reason: Reason, lang: Lang) -> String {
    match lang {
        Lang::Ja => reason.ja().to_owned(),
        Lang::En => reason.code().replace('-', " "),
    }
}

/// `取消（2026年11月28日・不正）` / `revoked (28 Nov 2026, fraud)`: the status change in force
/// now, dated by the event that made it.
pub(crate) fn status_change(
    record: &CredentialRecord,
    now: Timestamp,
    lang: Lang,
) -> Option<String> {
    let state = record.state_at(now);
    let kind = match state {
        CredentialState::Revoked | CredentialState::Superseded => EventKind::Revoked,
        CredentialState::Suspended => EventKind::Suspended,
        _ => return None,
    };
    let event = record.history.iter().rev().find(|e| e.event == kind)?;
    let when = date(&event.at, lang);
    let reason = event.reason.map(|r| reason_text(r, lang));
    Some(match (lang, reason) {
        (Lang::Ja, Some(reason)) => format!("{}（{when}・{reason}）", state.ja()),
        (Lang::Ja, None) => format!("{}（{when}）", state.ja()),
        (Lang::En, Some(reason)) => format!("{} ({when}, {reason})", state.en().to_lowercase()),
        (Lang::En, None) => format!("{} ({when})", state.en().to_lowercase()),
    })
}

/// `期限切れ（2026年11月28日まで）` / `expired (valid until 28 Nov 2026)`, or not yet valid.
fn out_of_validity(
    from: Timestamp,
    until: Timestamp,
    now: Timestamp,
    lang: Lang,
) -> Option<String> {
    if now >= until {
        let when = date(&until, lang);
        Some(match lang {
            Lang::Ja => format!("期限切れ（{when}まで）"),
            Lang::En => format!("expired (valid until {when})"),
        })
    } else if now < from {
        let when = date(&from, lang);
        Some(match lang {
            Lang::Ja => format!("有効期間前（{when}から）"),
            Lang::En => format!("not yet valid (from {when})"),
        })
    } else {
        None
    }
}

/// Error text for a page: on Japanese pages, an English fragment a library put in the text
/// (the last `（…）` or what follows `: `, when it holds Latin letters) is taken out as
/// technical detail, for a `<details>`; English pages keep the text whole.
pub(crate) fn fold(lang: Lang, text: &str) -> (String, Option<String>) {
    if lang == Lang::En {
        return (text.to_owned(), None);
    }
    let latin = |s: &str| s.chars().any(|c| c.is_ascii_alphabetic());
    if let Some(inner) = text.strip_suffix('）') {
        if let Some(open) = inner.rfind('（') {
            let detail = &inner[open + '（'.len_utf8()..];
            if latin(detail) {
                return (inner[..open].trim_end().to_owned(), Some(detail.to_owned()));
            }
        }
    }
    if let Some((plain, detail)) = text.split_once(": ") {
        if latin(detail) && !latin(plain) {
            return (plain.trim_end().to_owned(), Some(detail.to_owned()));
        }
    }
    (text.to_owned(), None)
}

/// The `<details>` holding technical detail taken out of a message.
pub(crate) fn technical(lang: Lang, detail: Option<&str>) -> Markup {
    html! {
        @if let Some(detail) = detail {
            details.technical {
                summary { (lang.pick("技術的な詳細", "Technical detail")) }
                p { code lang="en" { (detail) } }
            }
        }
    }
}

/// A check's detail for a page: the plain text, with any technical detail folded. The
/// validity check's text, which the verifier writes with ISO UTC instants, is said in Japan's
/// dates from the credential's facts; the verifier's text is kept as the technical detail.
pub(crate) fn check_detail(check: &Check, facts: Option<&CredentialFacts>, lang: Lang) -> Markup {
    let given = lang.pick(&check.detail_ja, &check.detail);
    let (plain, detail) = match facts.filter(|_| check.name == CheckName::Validity) {
        Some(f) => (validity_words(check, f, lang), Some(given.to_owned())),
        None => fold(lang, given),
    };
    html! { span.detail { (plain) } (technical(lang, detail.as_deref())) }
}

/// `2026年4月1日 〜 2029年4月1日（有効期間内）` / `1 Apr 2026 to 1 Apr 2029 (within)`.
fn validity_words(check: &Check, f: &CredentialFacts, lang: Lang) -> String {
    let span = format!(
        "{} 〜 {}",
        date(&f.valid_from, lang),
        date(&f.valid_until, lang)
    );
    let verdict = if check.ok {
        lang.pick("有効期間内", "within").to_owned()
    } else {
        // Inside its dates yet failed: longer than the scheme allows.
        out_of_validity(f.valid_from, f.valid_until, super::now(), lang).unwrap_or_else(|| {
            lang.pick(
                "制度の上限より長い有効期間",
                "longer than the scheme allows",
            )
            .to_owned()
        })
    };
    match lang {
        Lang::Ja => format!("{span}（{verdict}）"),
        Lang::En => format!("{span} ({verdict})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_fragments_fold_out_of_japanese_text_only() {
        let (plain, detail) = fold(
            Lang::Ja,
            "JSON として読めません（expected value at line 1）",
        );
        assert_eq!(plain, "JSON として読めません");
        assert_eq!(detail.as_deref(), Some("expected value at line 1"));
        let (plain, detail) = fold(Lang::Ja, "署名を検証できません: bad multibase");
        assert_eq!(
            (plain.as_str(), detail.as_deref()),
            ("署名を検証できません", Some("bad multibase"))
        );
        // Japanese in parentheses stays.
        let kept = "取消されています（理由: 不正）";
        assert_eq!(fold(Lang::Ja, kept), (kept.to_owned(), None));
        let english = "not valid JSON (expected value)";
        assert_eq!(fold(Lang::En, english), (english.to_owned(), None));
    }
}
