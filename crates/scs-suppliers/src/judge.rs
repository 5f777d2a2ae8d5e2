//! Each row judged by its company's best registered credential, asking a [`RegistrySource`].

use std::collections::HashMap;

use scs_core::credential::Level;
use scs_core::ids::CorporateNumber;
use scs_core::lifecycle::{CredentialState, Reason};
use scs_core::report::{Message, Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_verifier::Question;
use serde_json::Value;

use crate::category::Category;
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
    /// [`RegistrySource::verify`] for each of `asks` (a credential id and its question), in
    /// order. This default asks them one by one; a source that can check many at once (an
    /// offline bundle's credentials, on every core) answers them together.
    fn verify_all(&self, asks: &[(&str, Question)]) -> Vec<Result<Report, Message>> {
        asks.iter()
            .map(|(id, question)| self.verify(id, question))
            .collect()
    }
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
    /// The user's other cells, as given.
    pub kept: Vec<String>,
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
    /// What the answer means for the ordering company.
    pub category: Category,
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
    fn new(row: &Row, category: Category, detail: Message) -> Self {
        Self {
            line: row.line,
            given: row.given.clone(),
            given_level: row.given_level.clone(),
            kept: row.kept.clone(),
            corporate_number: None,
            required: None,
            legal_name: None,
            legal_name_en: None,
            verdict: match category {
                Category::Unknown => Verdict::Unknown,
                _ => Verdict::Invalid,
            },
            category,
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
    let mut step = Step::start(row, source, at);
    loop {
        match step {
            Step::Decided(result) => return result,
            Step::Asking(asking) => {
                let Some((id, question)) = asking.next() else {
                    return asking.decide();
                };
                let report = source.verify(id, &question);
                step = asking.take(report);
            }
        }
    }
}

/// Where the judging of a row stands.
enum Step {
    /// Its result.
    Decided(RowResult),
    /// Its company's credentials are being tried.
    Asking(Asking),
}

/// A row whose company's credentials ([`candidates`]) are tried in order until one is valid.
/// One is always left to try: the row is decided when the last has answered.
struct Asking {
    result: RowResult,
    question: Question,
    candidates: Vec<CredentialSummary>,
    tried: usize,
    /// The answer that decides the row if none is valid: the first candidate's, or the first
    /// undecided one's when the first was decided. (Boxed: a report is large, and most rows
    /// never need one here.)
    first: Option<Box<(CredentialSummary, Result<Report, Message>)>>,
}

impl Step {
    /// The row read and its company looked up: decided already (input error, nothing
    /// registered, registry not reachable) or asking about its credentials.
    fn start(row: &Row, source: &dyn RegistrySource, at: Timestamp) -> Self {
        let (number, required) = match &row.input {
            Ok(input) => *input,
            Err(why) => {
                return Self::Decided(RowResult::new(row, Category::InputError, why.clone()))
            }
        };
        let mut result = RowResult::new(row, Category::NotRegistered, not_registered());
        result.corporate_number = Some(number.to_string());
        result.required = required.map(Level::get);
        let organization = match source.organization(&number) {
            Ok(Some(organization)) => organization,
            Ok(None) => return Self::Decided(result),
            Err(why) => {
                result.verdict = Verdict::Unknown;
                result.category = Category::Unknown;
                result.detail = why;
                return Self::Decided(result);
            }
        };
        result.legal_name.clone_from(&organization.legal_name);
        let candidates = candidates(&organization);
        if candidates.is_empty() {
            return Self::Decided(result);
        }
        Self::Asking(Asking {
            result,
            question: Question {
                at,
                now: at,
                min_level: required,
                corporate_number: Some(number),
            },
            candidates,
            tried: 0,
            first: None,
        })
    }
}

impl Asking {
    /// The credential to verify next, and the question.
    fn next(&self) -> Option<(&str, Question)> {
        let candidate = self.candidates.get(self.tried)?;
        Some((candidate.id.as_str(), self.question))
    }

    /// The answer about the credential [`Asking::next`] named: the row is decided by a valid
    /// one, or when none is left to try.
    fn take(mut self, report: Result<Report, Message>) -> Step {
        let Some(candidate) = self.candidates.get(self.tried).cloned() else {
            return Step::Decided(self.decide());
        };
        self.tried += 1;
        if let Ok(report) = &report {
            if report.verdict == Verdict::Valid {
                return Step::Decided(self.valid(&candidate, report));
            }
        }
        let unknown_first = matches!(self.first.as_deref(), Some((_, Ok(r))) if r.verdict != Verdict::Unknown)
            && matches!(&report, Ok(r) if r.verdict == Verdict::Unknown);
        if self.first.is_none() || unknown_first {
            self.first = Some(Box::new((candidate, report)));
        }
        if self.tried < self.candidates.len() {
            Step::Asking(self)
        } else {
            Step::Decided(self.decide())
        }
    }

    fn valid(self, candidate: &CredentialSummary, report: &Report) -> RowResult {
        let at = self.question.at;
        let mut result = self.result;
        fill(&mut result, candidate, report);
        result.verdict = Verdict::Valid;
        result.category = Category::of_valid(result.valid_until, at);
        let level = result.level.unwrap_or(candidate.level);
        // The day in Japan, as the 有効期限 column beside it says.
        let until = result
            .valid_until
            .as_ref()
            .map(crate::output::office_date)
            .unwrap_or_default();
        result.detail = Message::new(
            format!("★{level} 有効（{until} まで）"),
            format!("★{level} valid until {until}"),
        );
        result
    }

    /// The row when none of its company's credentials is valid.
    fn decide(self) -> RowResult {
        let mut result = self.result;
        match self.first.map(|first| *first) {
            Some((candidate, Ok(report))) => {
                fill(&mut result, &candidate, &report);
                result.verdict = report.verdict;
                result.category = Category::of_failed(
                    &report,
                    candidate.state,
                    result.valid_until,
                    self.question.at,
                );
                result.detail = failing_detail(&report);
            }
            Some((candidate, Err(why))) => {
                result.credential_id = Some(candidate.id);
                result.level = Some(candidate.level);
                result.state = candidate.state;
                result.reason = candidate.reason;
                result.verdict = Verdict::Unknown;
                result.category = Category::Unknown;
                result.detail = why;
            }
            None => {}
        }
        result
    }
}

fn not_registered() -> Message {
    Message::new(
        "この法人番号の★取得証明は登録されていません",
        "no ★ credential is registered for this corporate number",
    )
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

/// Judges every row, in order, as [`judge`] does one. A 法人番号 listed again with the same ★
/// asked is judged once. The rows' credentials are verified together, in rounds
/// ([`RegistrySource::verify_all`]): every row's first candidate, then the next candidate of
/// the rows still undecided, and so on — the same credentials, with the same questions, as
/// [`judge`] row by row verifies.
pub fn judge_all(parsed: &Parsed, source: &dyn RegistrySource, at: Timestamp) -> Vec<RowResult> {
    let mut first_of: HashMap<(CorporateNumber, Option<Level>), usize> = HashMap::new();
    let mut steps: Vec<Option<Step>> = Vec::new();
    let judged_by: Vec<usize> = parsed
        .rows
        .iter()
        .map(|row| {
            let mut start = || {
                steps.push(Some(Step::start(row, source, at)));
                steps.len() - 1
            };
            match &row.input {
                Ok(key) => *first_of.entry(*key).or_insert_with(start),
                Err(_) => start(),
            }
        })
        .collect();
    while ask_round(&mut steps, source) {}
    parsed
        .rows
        .iter()
        .zip(judged_by)
        .filter_map(|(row, judged)| match steps.get(judged)? {
            Some(Step::Decided(result)) => Some(RowResult {
                line: row.line,
                given: row.given.clone(),
                given_level: row.given_level.clone(),
                kept: row.kept.clone(),
                ..result.clone()
            }),
            _ => None,
        })
        .collect()
}

/// One round of [`judge_all`]: the next credential of every row still asking, verified
/// together. False when no row was asking.
fn ask_round(steps: &mut [Option<Step>], source: &dyn RegistrySource) -> bool {
    let (asking, reports): (Vec<usize>, _) = {
        let asks: Vec<(usize, (&str, Question))> = steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| match step {
                Some(Step::Asking(asking)) => Some((i, asking.next()?)),
                _ => None,
            })
            .collect();
        if asks.is_empty() {
            return false;
        }
        let questions: Vec<(&str, Question)> = asks.iter().map(|(_, ask)| *ask).collect();
        (
            asks.iter().map(|(i, _)| *i).collect(),
            source.verify_all(&questions),
        )
    };
    // One answer per question, whatever the source returns: a source that answered fewer
    // leaves those rows with an error, never asking again forever (found in review).
    let unanswered = || {
        Err(Message::new(
            "登録機関から回答がありません",
            "the registry gave no answer",
        ))
    };
    let reports = reports
        .into_iter()
        .chain(std::iter::repeat_with(unanswered));
    for (i, report) in asking.into_iter().zip(reports) {
        if let Some(slot) = steps.get_mut(i) {
            if let Some(Step::Asking(asking)) = slot.take() {
                *slot = Some(asking.take(report));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::EXPIRING_DAYS;
    use crate::list::read_list;
    use crate::list::tests::number;
    use crate::output::{summary, to_csv, to_json};
    use crate::Lang;
    use scs_core::credential::{AssessmentMethod, CredentialFacts, Scope};
    use scs_core::report::{Check, CheckName};
    use scs_core::timestamp::CalendarDate;
    use serde_json::json;

    fn at() -> Timestamp {
        Timestamp::parse("2027-01-01T00:00:00Z").unwrap()
    }

    /// A registry whose companies are told apart by the last digit of their 法人番号, each with
    /// one credential (id = that digit) that fails in its own way.
    struct Fake;

    impl RegistrySource for Fake {
        fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
            let last = number.as_str().as_bytes()[12];
            let credential = |id: &str, level: u8, state: &str| json!({"id": id, "level": level, "state": state, "reason": "fraud", "logIndex": 1});
            let credentials = match last {
                b'0' => vec![
                    credential("meets", 3, "active"),
                    credential("old", 4, "revoked"),
                ],
                b'1' => return Ok(None),
                b'2' => vec![credential("suspended", 4, "suspended")],
                b'3' => vec![credential("revoked", 4, "revoked")],
                b'4' => vec![credential("expired", 4, "active")],
                b'5' => vec![credential("forged", 4, "active")],
                b'6' => vec![credential("soon", 4, "active")],
                b'7' => vec![credential("undecided", 4, "active")],
                b'8' => vec![],
                _ => return Err(Message::new("届きません", "unreachable")),
            };
            Ok(Some(Organization::from_view(
                &json!({"legalName": "甲", "credentials": credentials}),
            )))
        }

        fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
            let level = if id == "meets" { 3 } else { 4 };
            let until = match id {
                "expired" => Timestamp::parse("2026-12-01T00:00:00Z").unwrap(),
                "soon" => question.at.plus_days(EXPIRING_DAYS).unwrap(),
                _ => question.at.plus_days(EXPIRING_DAYS + 1).unwrap(),
            };
            let ok = Message::new("良", "ok");
            let bad = Message::new("悪", "bad");
            let check = |name: CheckName, failing: bool| {
                if failing {
                    Check::fail(name, bad.clone())
                } else {
                    Check::pass(name, ok.clone())
                }
            };
            let mut checks = vec![
                check(CheckName::Signature, id == "forged"),
                check(CheckName::Validity, id == "expired"),
                check(
                    CheckName::Status,
                    ["suspended", "revoked", "old"].contains(&id),
                ),
                check(
                    CheckName::Level,
                    question.min_level.is_some_and(|l| l.get() > level),
                ),
            ];
            if id == "undecided" {
                checks.push(Check::undecided(CheckName::Issuer, bad.clone()));
            }
            let facts = CredentialFacts {
                id: id.into(),
                issuer: "did:key:z".into(),
                issuer_name: "評価機関".into(),
                level: Level::new(u64::from(level)).unwrap(),
                corporate_number: question.corporate_number.map(|n| n.to_string()),
                lei: None,
                legal_name: "甲株式会社".into(),
                legal_name_en: None,
                scope: Scope::WholeOrganization,
                assessment_method: AssessmentMethod::ThirdPartyEvaluation,
                criteria_version: "1".into(),
                assessed_on: CalendarDate::parse("2026-01-01").unwrap(),
                valid_from: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
                valid_until: until,
                status: vec![],
            };
            Ok(Report::new(checks, Some(facts)))
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

    fn company(last: char) -> String {
        (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with(last))
            .unwrap()
    }

    #[test]
    fn every_row_gets_one_category_in_the_documented_precedence() {
        let rows = [
            (company('0'), "", Category::Meets),
            (company('0'), "4", Category::LevelTooLow),
            (company('1'), "", Category::NotRegistered),
            (company('2'), "", Category::Suspended),
            (company('3'), "", Category::Revoked),
            (company('4'), "", Category::Expired),
            (company('5'), "", Category::Invalid),
            (company('6'), "", Category::ExpiringSoon),
            (company('7'), "", Category::Unknown),
            (company('8'), "", Category::NotRegistered),
            (company('9'), "", Category::Unknown),
            ("123".to_owned(), "", Category::InputError),
            (company('3'), "6", Category::InputError),
        ];
        let csv: String = rows
            .iter()
            .map(|(n, level, _)| format!("{n},{level},取引先{n}\n"))
            .collect();
        let parsed = read_list(csv.as_bytes(), None).unwrap();
        let results = judge_all(&parsed, &Fake, at());
        let got: Vec<_> = results.iter().map(|r| r.category).collect();
        let want: Vec<_> = rows.iter().map(|(_, _, c)| *c).collect();
        assert_eq!(got, want);
        assert_eq!(results[0].credential_id.as_deref(), Some("meets"));
        assert_eq!(results[0].verdict, Verdict::Valid);
        assert_eq!(
            results[7].verdict,
            Verdict::Valid,
            "expiring soon is still valid"
        );
        assert_eq!(results[1].verdict, Verdict::Invalid);
        assert_eq!(results[10].verdict, Verdict::Unknown);
        assert!(results[2].detail.en.contains("no ★ credential"));
        assert!(results.iter().all(|r| r.kept.len() == 1));
        let counted = summary(&results);
        assert_eq!((counted.valid, counted.invalid, counted.unknown), (2, 9, 2));
        let count = |c: Category| counted.categories.iter().find(|(k, _)| *k == c).unwrap().1;
        assert_eq!(count(Category::NotRegistered), 2);
        assert_eq!(count(Category::InputError), 2);
        assert_eq!(counted.problems(), 12);
        let csv = to_csv(&results, &parsed, Lang::En);
        assert!(csv.starts_with("line,corporateNumber,column 3,requiredLevel,category"));
        assert_eq!(csv.lines().count(), rows.len() + 1);
        let json = to_json(&results, &parsed, at());
        assert_eq!(json["summary"]["valid"], 2);
        assert_eq!(json["summary"]["categories"]["expiringSoon"], 1);
        assert_eq!(json["rows"][6]["category"], "invalid");
        assert_eq!(
            json["rows"][2]["kept"][0],
            format!("取引先{}", company('1'))
        );
    }

    /// A credential id, the ★ asked and the 法人番号 asked.
    type Asked = (String, Option<u8>, Option<String>);

    /// [`Fake`], but a company whose 法人番号 ends in 0 has three active credentials: a
    /// forgery at ★5, one whose issuer is undecided at ★4 and a good one at ★3. It records what
    /// it is asked, and how many times `verify_all` is.
    #[derive(Default)]
    struct Recording {
        verified: std::cell::RefCell<Vec<Asked>>,
        rounds: std::cell::Cell<usize>,
    }

    impl RegistrySource for Recording {
        fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
            if !number.as_str().ends_with('0') {
                return Fake.organization(number);
            }
            let credential = |id: &str, level: u8| json!({"id": id, "level": level, "state": "active", "logIndex": 1});
            Ok(Some(Organization::from_view(
                &json!({"legalName": "乙", "credentials": [
                    credential("meets", 3), credential("forged", 5), credential("undecided", 4),
                ]}),
            )))
        }

        fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
            self.verified.borrow_mut().push((
                id.to_owned(),
                question.min_level.map(Level::get),
                question.corporate_number.map(|n| n.to_string()),
            ));
            Fake.verify(id, question)
        }

        fn verify_all(&self, asks: &[(&str, Question)]) -> Vec<Result<Report, Message>> {
            self.rounds.set(self.rounds.get() + 1);
            asks.iter().map(|(id, q)| self.verify(id, q)).collect()
        }
    }

    /// `judge_all` verifies the rows' credentials together, a round per candidate: the same
    /// rows as `judge` one row at a time, from the same questions.
    #[test]
    fn judging_all_rows_together_gives_what_judging_each_row_alone_gives() {
        let lines: Vec<String> = [
            (company('0'), ""),
            (company('0'), "4"),
            (company('2'), ""),
            (company('3'), "4"),
            (company('0'), ""),
            (company('4'), ""),
            (company('5'), "3"),
            ("123".to_owned(), ""),
            (company('6'), "5"),
            (company('7'), ""),
            (company('1'), ""),
            (company('9'), ""),
        ]
        .iter()
        .map(|(n, level)| format!("{n},{level},取引先{n}{level}\n"))
        .collect();
        let parsed = read_list(lines.concat().as_bytes(), None).unwrap();
        let together = Recording::default();
        let all = judge_all(&parsed, &together, at());
        let alone = Recording::default();
        let each: Vec<RowResult> = parsed
            .rows
            .iter()
            .map(|row| judge(row, &alone, at()))
            .collect();
        assert_eq!(all, each);
        // The company with three active credentials: valid by its third without a ★ asked,
        // undecided (the undecided one outweighs the forgery) with ★4 asked.
        assert_eq!(all[0].category, Category::Meets);
        assert_eq!(all[0].credential_id.as_deref(), Some("meets"));
        assert_eq!(all[1].category, Category::Unknown);
        assert_eq!(all[1].credential_id.as_deref(), Some("undecided"));
        assert_eq!(all[4].kept, [format!("取引先{}", company('0'))]);
        // The same questions (the repeated row asked once), in three rounds: every row's first
        // candidate, then the second and the third of the company with three.
        let mut asked = together.verified.take();
        let mut asked_alone = alone.verified.take();
        // Rows 1 and 2 ask three questions each, rows 3 and 4 one: row 5 (the repeat) asked
        // the 9th to the 11th.
        asked_alone.drain(8..11);
        asked.sort();
        asked_alone.sort();
        assert_eq!(asked, asked_alone);
        assert_eq!(together.rounds.get(), 3);
        assert_eq!(alone.rounds.get(), 0);
    }

    /// A source whose `verify_all` answers nothing (found in review).
    struct Mute;

    impl RegistrySource for Mute {
        fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
            Fake.organization(number)
        }
        fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
            Fake.verify(id, question)
        }
        fn verify_all(&self, _: &[(&str, Question)]) -> Vec<Result<Report, Message>> {
            Vec::new()
        }
    }

    /// Every row is answered, and the rounds end, even when the source answers fewer questions
    /// than it was asked.
    #[test]
    fn rows_a_source_does_not_answer_are_errors_not_lost() {
        let n = company('0');
        let parsed = read_list(
            format!(
                "{n},,甲
"
            )
            .as_bytes(),
            None,
        )
        .unwrap();
        let results = judge_all(&parsed, &Mute, at());
        assert_eq!(results.len(), 1);
        assert_ne!(results[0].category, Category::Meets, "{:?}", results[0]);
        assert!(
            results[0].detail.en.contains("no answer"),
            "{:?}",
            results[0]
        );
    }

    #[test]
    fn a_company_listed_twice_is_asked_once_but_keeps_each_rows_own_cells() {
        let n = company('0');
        let parsed = read_list(format!("{n},,甲\n{n},,乙\n").as_bytes(), None).unwrap();
        let results = judge_all(&parsed, &Fake, at());
        assert_eq!(results[1].line, 2);
        assert_eq!(results[1].kept, ["乙"]);
        assert_eq!(results[1].category, Category::Meets);
    }

    #[test]
    fn the_workbook_and_the_csv_say_the_number_as_text_and_the_date_as_in_japan() {
        use calamine::{Data, Reader, Xlsx};
        let n = company('6');
        let parsed =
            read_list(format!("取引先コード,法人番号\nA-1,{n}\n").as_bytes(), None).unwrap();
        // Valid until 2027-03-31T15:00:00Z: 2027/04/01 in Japan.
        let at = Timestamp::parse("2027-03-31T15:00:00Z")
            .unwrap()
            .plus_days(-EXPIRING_DAYS)
            .unwrap();
        let results = judge_all(&parsed, &Fake, at);
        assert_eq!(results[0].detail.ja, "★4 有効（2027/04/01 まで）");
        let csv = to_csv(&results, &parsed, Lang::Ja);
        let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(&row[..5], ["2", n.as_str(), "A-1", "", "期限間近"]);
        assert!(row.contains(&"2027/04/01"), "{csv}");
        let bytes = crate::to_xlsx(&results, &parsed, Lang::Ja, at).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["結果", "概要"]);
        let sheet = book.worksheet_range("結果").unwrap();
        assert_eq!(
            sheet.get_value((0, 1)),
            Some(&Data::String("法人番号".into()))
        );
        assert_eq!(sheet.get_value((1, 1)), Some(&Data::String(n.clone())));
        assert_eq!(sheet.get_value((1, 0)), Some(&Data::Float(2.0)));
        let header = sheet.headers().unwrap();
        let until = header.iter().position(|h| h == "有効期限").unwrap() as u32;
        let until = sheet.get_value((1, until)).cloned();
        assert_eq!(until, Some(Data::String("2027/04/01".into())));
    }
}
