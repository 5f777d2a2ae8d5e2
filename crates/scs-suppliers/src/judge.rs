//! Each row judged by its company's best registered credential, asking a [`RegistrySource`].

use std::collections::HashMap;

use scs_core::credential::Level;
use scs_core::ids::CorporateNumber;
use scs_core::lifecycle::{CredentialState, Reason};
use scs_core::report::{Message, Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_verifier::Question;
use serde_json::Value;

use crate::list::{Parsed, Row};

/// Most credentials of one company verified for one row.
const MAX_CANDIDATES: usize = 4;

/// What the supplier check asks of a registry: the registry's own ledger answers for the `/bulk`
/// page, a registry over HTTP for `scs verify-batch`.
pub trait RegistrySource {
    /// The company's credentials, as `GET /v1/organizations/{corporateNumber}` answers
    /// ([`Organization::from_view`]); `None` when nothing is registered for it; `Err` when the
    /// registry could not be asked.
    fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message>;
    /// Verifies the registered credential `id`, as `scs verify` would.
    fn verify(&self, id: &str, question: &Question) -> Result<Report, Message>;
}

/// A company's registered credentials: what the check reads of the organisation view
/// (`GET /v1/organizations/{corporateNumber}`, SPEC §7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organization {
    /// The company name, from its credentials.
    pub legal_name: Option<String>,
    /// Its credentials, in the view's order.
    pub credentials: Vec<CredentialSummary>,
}

/// One credential of the organisation view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    /// The credential's id.
    pub id: String,
    /// Its ★.
    pub level: u8,
    /// Its state, when the view gave one this check knows.
    pub state: Option<CredentialState>,
    /// The reason of its last status change.
    pub reason: Option<Reason>,
    /// Where its registration is in the log (0 when the view gave none).
    pub log_index: u64,
}

impl Organization {
    /// Reads the organisation view; a credential without an id or a ★ is left out.
    pub fn from_view(view: &Value) -> Self {
        let credentials = view["credentials"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(CredentialSummary::from_view)
            .collect();
        Self {
            legal_name: view["legalName"].as_str().map(str::to_owned),
            credentials,
        }
    }
}

impl CredentialSummary {
    fn from_view(shown: &Value) -> Option<Self> {
        Some(Self {
            id: shown["id"].as_str()?.to_owned(),
            level: shown["level"].as_u64().and_then(|l| u8::try_from(l).ok())?,
            state: serde_json::from_value(shown["state"].clone()).ok(),
            reason: serde_json::from_value(shown["reason"].clone()).ok(),
            log_index: shown["logIndex"].as_u64().unwrap_or(0),
        })
    }
}

/// One row, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct RowResult {
    /// Line number in the file.
    pub line: usize,
    /// The 法人番号 as given.
    pub given: String,
    /// The ★ required, as given.
    pub given_level: String,
    /// The 法人番号, when it was valid.
    pub corporate_number: Option<String>,
    /// The ★ required.
    pub required: Option<u8>,
    /// The company name, from its credential.
    pub legal_name: Option<String>,
    /// The English company name, when there is one.
    pub legal_name_en: Option<String>,
    /// The answer.
    pub verdict: Verdict,
    /// The ★ of the credential the answer is about.
    pub level: Option<u8>,
    /// That credential's state at the time of the check.
    pub state: Option<CredentialState>,
    /// The reason of its last status change.
    pub reason: Option<Reason>,
    /// Why, in both languages.
    pub detail: Message,
    /// That credential's id.
    pub credential_id: Option<String>,
    /// Valid until.
    pub valid_until: Option<Timestamp>,
}

impl RowResult {
    fn new(row: &Row, verdict: Verdict, detail: Message) -> Self {
        Self {
            line: row.line,
            given: row.given.clone(),
            given_level: row.given_level.clone(),
            corporate_number: None,
            required: None,
            legal_name: None,
            legal_name_en: None,
            verdict,
            level: None,
            state: None,
            reason: None,
            detail,
            credential_id: None,
            valid_until: None,
        }
    }
}

/// The company's credentials in the order they are tried: active first, then the highest ★,
/// then the most recently registered; all the active ones (at most [`MAX_CANDIDATES`]), or the
/// first one when none is active.
fn candidates(organization: &Organization) -> Vec<CredentialSummary> {
    let mut list = organization.credentials.clone();
    list.sort_by_key(|c| {
        (
            c.state != Some(CredentialState::Active),
            std::cmp::Reverse(c.level),
            std::cmp::Reverse(c.log_index),
        )
    });
    let active = list
        .iter()
        .filter(|c| c.state == Some(CredentialState::Active))
        .count();
    list.truncate(active.clamp(1, MAX_CANDIDATES));
    list
}

/// The failing checks of a report, joined.
pub fn failing_detail(report: &Report) -> Message {
    let failing: Vec<_> = report.checks.iter().filter(|c| !c.ok).collect();
    Message::new(
        failing
            .iter()
            .map(|c| format!("{}: {}", c.name.ja(), c.detail_ja))
            .collect::<Vec<_>>()
            .join("／"),
        failing
            .iter()
            .map(|c| format!("{}: {}", c.name.en(), c.detail))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Judges one row.
pub fn judge(row: &Row, source: &dyn RegistrySource, at: Timestamp) -> RowResult {
    let (number, required) = match &row.input {
        Ok(input) => *input,
        Err(why) => return RowResult::new(row, Verdict::Invalid, why.clone()),
    };
    let mut result = RowResult::new(row, Verdict::Invalid, Message::new("", ""));
    result.corporate_number = Some(number.to_string());
    result.required = required.map(Level::get);
    let organization = match source.organization(&number) {
        Ok(Some(organization)) => organization,
        Ok(None) => {
            result.detail = Message::new(
                "この法人番号の★取得証明は登録されていません",
                "no ★ credential is registered for this corporate number",
            );
            return result;
        }
        Err(why) => {
            result.verdict = Verdict::Unknown;
            result.detail = why;
            return result;
        }
    };
    result.legal_name.clone_from(&organization.legal_name);
    let question = Question {
        at,
        now: at,
        min_level: required,
        corporate_number: Some(number),
    };
    let mut first: Option<(CredentialSummary, Result<Report, Message>)> = None;
    for candidate in candidates(&organization) {
        let report = source.verify(&candidate.id, &question);
        if let Ok(report) = &report {
            if report.verdict == Verdict::Valid {
                fill(&mut result, &candidate, report);
                result.verdict = Verdict::Valid;
                let level = result.level.unwrap_or(candidate.level);
                let until = result
                    .valid_until
                    .map(|t| t.date().to_string())
                    .unwrap_or_default();
                result.detail = Message::new(
                    format!("★{level} 有効（{until} まで）"),
                    format!("★{level} valid until {until}"),
                );
                return result;
            }
        }
        let unknown_first = matches!(&first, Some((_, Ok(r))) if r.verdict != Verdict::Unknown)
            && matches!(&report, Ok(r) if r.verdict == Verdict::Unknown);
        if first.is_none() || unknown_first {
            first = Some((candidate, report));
        }
    }
    match first {
        Some((candidate, Ok(report))) => {
            fill(&mut result, &candidate, &report);
            result.verdict = report.verdict;
            result.detail = failing_detail(&report);
        }
        Some((candidate, Err(why))) => {
            result.credential_id = Some(candidate.id);
            result.level = Some(candidate.level);
            result.state = candidate.state;
            result.reason = candidate.reason;
            result.verdict = Verdict::Unknown;
            result.detail = why;
        }
        None => {
            result.detail = Message::new(
                "この法人番号の★取得証明は登録されていません",
                "no ★ credential is registered for this corporate number",
            );
        }
    }
    result
}

fn fill(result: &mut RowResult, candidate: &CredentialSummary, report: &Report) {
    result.credential_id = Some(candidate.id.clone());
    result.level = Some(candidate.level);
    result.state = candidate.state;
    result.reason = candidate.reason;
    if let Some(facts) = &report.credential {
        result.level = Some(facts.level.get());
        result.legal_name = Some(facts.legal_name.clone());
        result.legal_name_en = facts.legal_name_en.clone();
        result.valid_until = Some(facts.valid_until);
    }
}

/// Judges every row, in order. A 法人番号 listed again with the same ★ asked is judged once.
pub fn judge_all(parsed: &Parsed, source: &dyn RegistrySource, at: Timestamp) -> Vec<RowResult> {
    let mut seen: HashMap<(CorporateNumber, Option<Level>), RowResult> = HashMap::new();
    parsed
        .rows
        .iter()
        .map(|row| {
            let Ok(key) = &row.input else {
                return judge(row, source, at);
            };
            if let Some(earlier) = seen.get(key) {
                return RowResult {
                    line: row.line,
                    given: row.given.clone(),
                    given_level: row.given_level.clone(),
                    ..earlier.clone()
                };
            }
            let result = judge(row, source, at);
            seen.insert(*key, result.clone());
            result
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::parse_csv;
    use crate::output::{summary, to_csv, to_json};
    use crate::Lang;
    use scs_core::report::{Check, CheckName};
    use serde_json::json;

    fn number(body: u64) -> String {
        CorporateNumber::from_body(body).unwrap().to_string()
    }

    struct Fake;

    impl RegistrySource for Fake {
        fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
            match number.as_str().as_bytes()[12] {
                b'0' => Ok(Some(Organization::from_view(
                    &json!({"legalName": "甲", "credentials": [
                        {"id": "a", "level": 3, "state": "active", "logIndex": 1},
                        {"id": "b", "level": 4, "state": "revoked", "reason": "fraud", "logIndex": 2},
                    ]}),
                ))),
                b'9' => Err(Message::new("届きません", "unreachable")),
                _ => Ok(None),
            }
        }

        fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
            let level_ok = question.min_level.is_none_or(|l| l.get() <= 3);
            Ok(Report::new(
                vec![
                    Check::pass(CheckName::Signature, Message::new("良", "ok")),
                    if id == "a" && level_ok {
                        Check::pass(CheckName::Level, Message::new("良", "ok"))
                    } else {
                        Check::fail(CheckName::Level, Message::new("足りない", "too low"))
                    },
                ],
                None,
            ))
        }
    }

    #[test]
    fn the_organization_view_is_read_leaving_out_what_cannot_be_tried() {
        let view = json!({"legalName": "甲", "legalNameEn": "Kou", "credentials": [
            {"id": "a", "level": 4, "state": "suspended", "reason": "nonconformity", "logIndex": 7},
            {"id": "b", "level": 3, "state": "dormant"},
            {"level": 5, "state": "active"},
            {"id": "c", "level": 300, "state": "active"},
        ]});
        let organization = Organization::from_view(&view);
        assert_eq!(organization.legal_name.as_deref(), Some("甲"));
        assert_eq!(
            organization.credentials,
            [
                CredentialSummary {
                    id: "a".into(),
                    level: 4,
                    state: Some(CredentialState::Suspended),
                    reason: Some(Reason::Nonconformity),
                    log_index: 7,
                },
                CredentialSummary {
                    id: "b".into(),
                    level: 3,
                    state: None,
                    reason: None,
                    log_index: 0,
                },
            ]
        );
        assert_eq!(
            Organization::from_view(&json!({"error": "x"})),
            Organization::default()
        );
    }

    #[test]
    fn rows_are_judged_by_their_best_credential() {
        let with_cred = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('0'))
            .unwrap();
        let missing = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('1'))
            .unwrap();
        let down = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('9'))
            .unwrap();
        let csv = format!("{with_cred}\n{with_cred},4\n{missing}\n{down}\n123\n");
        let parsed = parse_csv(csv.as_bytes()).unwrap();
        let at = Timestamp::parse("2027-01-01T00:00:00Z").unwrap();
        let results = judge_all(&parsed, &Fake, at);
        let verdicts: Vec<_> = results.iter().map(|r| r.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Valid,
                Verdict::Invalid,
                Verdict::Invalid,
                Verdict::Unknown,
                Verdict::Invalid
            ]
        );
        assert_eq!(results[0].credential_id.as_deref(), Some("a"));
        assert!(results[1].detail.en.contains("too low"));
        assert!(results[2].detail.en.contains("no ★ credential"));
        assert_eq!(summary(&results), (1, 3, 1));
        let csv = to_csv(&results, Lang::En);
        assert!(csv.starts_with("line,corporateNumber"));
        assert_eq!(csv.lines().count(), 6);
        let json = to_json(&results, &parsed, at);
        assert_eq!(json["summary"]["valid"], 1);
        assert_eq!(json["rows"][3]["verdict"], "unknown");
    }
}
