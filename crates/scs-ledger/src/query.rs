//! The read side that the JSON API and the pages share: an organisation's credentials, and a
//! credential verified against the registry's trust list and live status. Plain structs; the
//! API serialises them (field names are the API's: SPEC §7), the pages render them.
//!
//! [`OrganizationView`]'s fields are declared in alphabetical order, the order in which the API
//! wrote this answer before it was typed.

use scs_core::credential::{IssuerRef, StatusEntry};
use scs_core::evidence::{Checked, QuestionAsked};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::keys::DidKey;
use scs_core::lifecycle::{CredentialState, Reason, FRESHNESS_SECONDS};
use scs_core::report::{Message, Report};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_verifier::{InputError, Question, SignatureChecked, StatusAnswer, StatusSource, Verifier};
use serde::Serialize;
use serde_json::Value;

use crate::error::Failure;
use crate::ledger::Ledger;
use crate::state::{keys, parse_list_url, read_bits, Allocation, EventKind, HistoryEvent, Void};

/// Asks [`Ledger::verify_registered_each`] takes at a time: the credentials of a part (a few KiB
/// each, at most a log entry's 64 KiB) are what it holds in memory at once.
const VERIFY_PART: usize = 4096;

/// One organisation's registered credentials and its highest ★ valid now
/// (`GET /v1/organizations/{corporateNumber}`, the page `/organizations/{corporateNumber}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizationView {
    /// The 法人番号.
    pub corporate_number: String,
    /// Its credentials, in the order of their ids in the index.
    pub credentials: Vec<OrganizationCredential>,
    /// The highest ★ of a credential that is active and not void now.
    pub highest_level: Option<u8>,
    /// The company name, from its first credential.
    pub legal_name: Option<String>,
    /// The English name, from the first credential that has one.
    pub legal_name_en: Option<String>,
}

/// One credential of an [`OrganizationView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizationCredential {
    /// Its life so far.
    pub history: Vec<HistoryEvent>,
    /// Its id.
    pub id: CredentialId,
    /// Who issued it.
    pub issuer: IssuerRef,
    /// Its ★.
    pub level: u8,
    /// Where its registration is in the log.
    pub log_index: u64,
    /// The reason of its last status change.
    pub reason: Option<Reason>,
    /// Its state now.
    pub state: CredentialState,
    /// The state's Japanese name.
    pub state_ja: &'static str,
    /// Valid from.
    pub valid_from: Timestamp,
    /// Valid until.
    pub valid_until: Timestamp,
    /// Why it no longer counts although its status is clear.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void: Option<Void>,
}

/// One company found by a search (`GET /v1/organizations?name=`, the page
/// `/organizations?name=`): who it is and what it holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NameMatch {
    /// 法人番号.
    pub corporate_number: String,
    /// As registered.
    pub legal_name: String,
    /// The highest ★ of a credential that is active and not void now.
    pub highest_level: Option<u8>,
    /// The credential that says what the company holds: the highest ★ valid now (the latest
    /// registered of those), else the latest registered. `None` only when none of its
    /// credentials reads.
    pub credential: Option<FoundCredential>,
}

/// A credential in brief, as a search result shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FoundCredential {
    /// Its id.
    pub id: CredentialId,
    /// Its ★.
    pub level: u8,
    /// Its state now.
    pub state: CredentialState,
    /// The state's Japanese name.
    pub state_ja: &'static str,
    /// The reason of its last status change.
    pub reason: Option<Reason>,
    /// Why it no longer counts although its status is clear.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void: Option<Void>,
    /// Who issued it.
    pub issuer: IssuerRef,
    /// Valid until.
    pub valid_until: Timestamp,
}

impl OrganizationView {
    /// The company in brief, as a search result.
    fn brief(self) -> NameMatch {
        let counts =
            |c: &OrganizationCredential| c.state == CredentialState::Active && c.void.is_none();
        let shown = self
            .credentials
            .into_iter()
            .max_by_key(|c| (counts(c), if counts(c) { c.level } else { 0 }, c.log_index));
        NameMatch {
            corporate_number: self.corporate_number,
            legal_name: self.legal_name.unwrap_or_default(),
            highest_level: self.highest_level,
            credential: shown.map(|c| FoundCredential {
                id: c.id,
                level: c.level,
                state: c.state,
                state_ja: c.state_ja,
                reason: c.reason,
                void: c.void,
                issuer: c.issuer,
                valid_until: c.valid_until,
            }),
        }
    }
}

impl Ledger {
    /// Companies whose legal name, English name or reading contains `query` (folded: see
    /// `names::fold_name`), at most `limit`, each with what it holds at `now`. The work is
    /// bounded by `limit` companies of at most
    /// [`crate::ledger::MAX_CREDENTIALS_PER_ORGANIZATION`] credentials each.
    pub fn search_names(
        &self,
        query: &str,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<NameMatch>, Failure> {
        let hits = self.name_hits(query, limit);
        let mut found = Vec::with_capacity(hits.len());
        for hit in hits {
            let Ok(number) = CorporateNumber::parse(&hit.corporate_number) else {
                continue;
            };
            let mut brief = self.organization_view(&number, now)?.brief();
            brief.legal_name = hit.legal_name;
            found.push(brief);
        }
        Ok(found)
    }

    /// The company with this 法人番号, as a search result; `None` when nothing is registered
    /// for it.
    pub fn search_number(
        &self,
        number: &CorporateNumber,
        now: Timestamp,
    ) -> Result<Option<NameMatch>, Failure> {
        let view = self.organization_view(number, now)?;
        Ok((!view.credentials.is_empty()).then(|| view.brief()))
    }
}

/// A credential handed in for verification is not a VC 2.0 credential at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a VC 2.0 credential: {0}")]
pub struct NotACredential(String);

impl Ledger {
    /// The organisation's credentials at `now` (none when nothing is registered for it).
    pub fn organization_view(
        &self,
        number: &CorporateNumber,
        now: Timestamp,
    ) -> Result<OrganizationView, Failure> {
        let mut view = OrganizationView {
            corporate_number: number.as_str().to_owned(),
            credentials: Vec::new(),
            highest_level: None,
            legal_name: None,
            legal_name_en: None,
        };
        for id in self.organization(number)? {
            let Some(registered) = self.credential(&id)? else {
                continue;
            };
            // Checked when it was registered: a credential that no longer reads is left out
            // rather than shown half, and the operator told.
            let Some(typed) = registered.typed() else {
                tracing::error!("registered credential {id} no longer reads as a ★ credential");
                continue;
            };
            let record = registered.record;
            let state = record.state_at(now);
            let level = typed.credential_subject.achievement.level.get();
            let void = self.void(&record.history, now);
            if state == CredentialState::Active && void.is_none() {
                view.highest_level = view.highest_level.max(Some(level));
            }
            let subject = typed.credential_subject;
            view.legal_name.get_or_insert(subject.legal_name);
            if view.legal_name_en.is_none() {
                view.legal_name_en = subject.legal_name_en;
            }
            view.credentials.push(OrganizationCredential {
                history: record.history,
                id: typed.id,
                issuer: typed.issuer,
                level,
                log_index: record.log_index,
                reason: record.reason,
                state,
                state_ja: state.ja(),
                valid_from: typed.valid_from,
                valid_until: typed.valid_until,
                void,
            });
        }
        Ok(view)
    }

    /// Verifies a credential document against the registry's trust list and live status.
    pub fn verify_credential(
        &self,
        credential: Value,
        question: &Question,
    ) -> Result<Report, NotACredential> {
        scs_core::vcdm::check_data_model(&credential).map_err(|e| NotACredential(e.to_string()))?;
        let (trust, _) = self.trust_list();
        Ok(Verifier::new(Some(&trust), &RegistryStatus(self)).verify(credential, question))
    }

    /// [`Ledger::verify_credential`] of registered credentials, each with its own question, in
    /// order: their signatures checked together on every core ([`Verifier::check_batch`],
    /// Ed25519 in batches), as a supplier list's rows ask (`/bulk`). For each ask: `None` for an
    /// id that is not registered, a [`Failure`] when its credential could not be read (that row
    /// only). Taken in parts of 4,096 asks, each credential read and checked once in a
    /// part however many rows ask for it, so that only a part's credentials are in memory.
    pub fn verify_registered_each(
        &self,
        asks: &[(CredentialId, Question)],
    ) -> Vec<Result<Option<Result<Report, InputError>>, Failure>> {
        let (trust, _) = self.trust_list();
        let status = RegistryStatus(self);
        let verifier = Verifier::new(Some(&trust), &status);
        let mut answers = Vec::with_capacity(asks.len());
        for part in asks.chunks(VERIFY_PART) {
            let mut distinct: Vec<CredentialId> = part.iter().map(|(id, _)| *id).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let read: Vec<Result<Option<Vec<u8>>, Failure>> = distinct
                .iter()
                .map(|id| Ok(self.credential_bytes(id)?.map(|(bytes, _)| bytes)))
                .collect();
            let found: Vec<&[u8]> = read
                .iter()
                .filter_map(|r| r.as_ref().ok()?.as_deref())
                .collect();
            // One answer for each credential found, in order (`check_batch`'s promise).
            let mut checked = verifier.check_batch(&found).into_iter();
            let checked: Vec<Result<Option<Result<SignatureChecked, InputError>>, Failure>> = read
                .into_iter()
                .zip(&distinct)
                .map(|(read, id)| {
                    let checked = read?.and_then(|_| checked.next());
                    if let Some(Err(error)) = &checked {
                        // Checked when it was registered: one that no longer reads is the
                        // operator's to know of, as in the organisation view.
                        tracing::error!("registered credential {id} no longer reads: {error}");
                    }
                    Ok(checked)
                })
                .collect();
            answers.extend(part.iter().map(|(id, question)| {
                let at = distinct.binary_search(id).ok();
                match at.and_then(|at| checked.get(at)) {
                    Some(Ok(Some(Ok(c)))) => Ok(Some(Ok(verifier.answer(c, question)))),
                    Some(Ok(Some(Err(error)))) => Ok(Some(Err(error.clone()))),
                    Some(Err(failure)) => Err(failure.clone()),
                    Some(Ok(None)) | None => Ok(None),
                }
            }));
        }
        answers
    }

    /// Verifies QR text (`SCS1:…`) against the registry's trust list and live status.
    pub fn verify_qr_text(&self, text: &str, question: &Question) -> Result<Report, InputError> {
        let (trust, _) = self.trust_list();
        Verifier::new(Some(&trust), &RegistryStatus(self)).verify_compact(text, question)
    }
}

/// What a credential verification was given, as its evidence records it.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifiedInput {
    /// A credential document (given, or the registered one a page's URL named).
    Credential(Value),
    /// QR text, `SCS1:…`.
    QrText(String),
}

impl Ledger {
    /// Verification evidence of one credential's verification: the input, the question and the
    /// report, signed with the status key as of the question's `now` (the registry's clock).
    pub fn sign_verification(
        &self,
        input: VerifiedInput,
        question: &Question,
        report: Report,
    ) -> Result<Value, Failure> {
        let (credential, qr_text) = match input {
            VerifiedInput::Credential(credential) => (Some(credential), None),
            VerifiedInput::QrText(text) => (None, Some(text)),
        };
        let checked = Checked::Credential {
            credential,
            qr_text,
            question: QuestionAsked {
                at: question.at,
                min_level: question.min_level.map(|level| level.get()),
                corporate_number: question
                    .corporate_number
                    .as_ref()
                    .map(|n| n.as_str().to_owned()),
            },
            report: Box::new(report),
        };
        self.sign_evidence(checked, question.now)
    }
}

/// Status answers read straight from the registry's own indexes, with reasons.
#[derive(Debug)]
struct RegistryStatus<'a>(&'a Ledger);

impl RegistryStatus<'_> {
    /// The reason recorded for the credential that uses this status entry.
    fn reason_at(
        &self,
        entry: &StatusEntry,
        list: (scs_core::credential::StatusPurpose, u32),
    ) -> Option<Reason> {
        let unreadable = |error: &dyn std::error::Error| {
            // The bit stands (the verdict does not depend on this); only its reason is lost.
            tracing::error!("no reason for a set status bit: {error}");
        };
        let ledger = self.0;
        let allocation = ledger
            .store()
            .get(&keys::allocation(list.0, list.1, entry.index))
            .map_err(|error| unreadable(&error))
            .ok()
            .flatten()?;
        let used_by = serde_json::from_slice::<Allocation>(&allocation)
            .ok()?
            .used_by?;
        let id = CredentialId::parse(&used_by).ok()?;
        ledger
            .credential_record(&id)
            .map_err(|failure| unreadable(&failure))
            .ok()
            .flatten()?
            .reason
    }
}

impl StatusSource for RegistryStatus<'_> {
    fn lookup(&self, entry: &StatusEntry, _: Option<&TrustList>, _: Timestamp) -> StatusAnswer {
        let ledger = self.0;
        let Some((purpose, list)) = parse_list_url(&entry.list_url, &ledger.identity().base_url)
        else {
            return StatusAnswer::Unavailable(Message::new(
                format!("この登録機関の失効リストではありません: {}", entry.list_url),
                format!("not a status list of this registry: {}", entry.list_url),
            ));
        };
        let Ok(bits) = read_bits(ledger.store(), purpose, list) else {
            return StatusAnswer::Unavailable(Message::new(
                "失効リストを読めません",
                "status list unreadable",
            ));
        };
        match bits.get(entry.index as usize) {
            None => StatusAnswer::Invalid(Message::new(
                "失効リストの番号が範囲外です",
                "status index outside the list",
            )),
            Some(false) => StatusAnswer::Clear,
            Some(true) => StatusAnswer::Set {
                reason: self.reason_at(entry, (purpose, list)).map(|r| r.message()),
            },
        }
    }

    /// From the registration of this very credential (the same claims, in JSON or QR form; a
    /// key's new credential reusing an old id gets nothing).
    fn registered_by(
        &self,
        credential: &scs_core::credential::AttainmentCredential,
    ) -> Option<Timestamp> {
        // A failing store gives no date: the issuer check is then undecided, never failed.
        let registered = self
            .0
            .credential(&credential.id)
            .map_err(|failure| {
                tracing::error!("registration of {} unreadable: {failure}", credential.id);
            })
            .ok()
            .flatten()?;
        if !registered.typed()?.claims_match(credential) {
            return None;
        }
        let at = registered.record.history.first()?.at;
        Timestamp::from_unix(at.unix() + FRESHNESS_SECONDS)
    }
}

/// A log entry in brief: what the ledger page lists.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEntrySummary {
    /// Its log index.
    pub index: u64,
    /// When its signer says it was signed (`proof.created`: the signer's word, shown as such).
    pub signed_at: Option<Timestamp>,
    /// Who signed it.
    pub signer: Option<DidKey>,
    /// What it is.
    pub write: LoggedWrite,
}

/// What a logged entry wrote.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoggedWrite {
    /// An edition of the trust list.
    TrustListEdition {
        /// Its sequence number.
        sequence: u64,
    },
    /// Status entries reserved by an issuer.
    StatusAllocation,
    /// A credential registered.
    Registration {
        /// The credential.
        id: CredentialId,
        /// Its ★.
        level: u8,
        /// The company: the credential's subject.
        company: EntryCompany,
    },
    /// A revocation, suspension or reinstatement.
    StatusChange {
        /// Which.
        event: EventKind,
        /// The credential.
        target: CredentialId,
        /// The reason given.
        reason: Option<Reason>,
    },
    /// An entry of a shape this code does not describe (none that the writer accepts).
    Other,
}

/// The company a logged entry concerns: the subject of the credential it registers or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCompany {
    /// Its legal name.
    pub legal_name: String,
    /// Its name in English, when the credential gives one.
    pub legal_name_en: Option<String>,
    /// Its 法人番号, when the credential names one that reads.
    pub corporate_number: Option<CorporateNumber>,
}

impl Ledger {
    /// The entry at `index`, in brief.
    pub fn logged_entry_summary(&self, index: u64) -> Result<LoggedEntrySummary, Failure> {
        let bytes = self
            .entry(index)
            .map_err(|error| Failure::Read(std::sync::Arc::new(error)))?;
        Ok(LoggedEntrySummary::read(index, &bytes))
    }

    /// The company of a registered credential, as its registration entry names it (`None` for
    /// a credential not registered here).
    pub fn credential_company(&self, id: &CredentialId) -> Result<Option<EntryCompany>, Failure> {
        let Some(record) = self.credential_record(id)? else {
            return Ok(None);
        };
        Ok(match self.logged_entry_summary(record.log_index)?.write {
            LoggedWrite::Registration { company, .. } => Some(company),
            _ => None,
        })
    }
}

impl LoggedEntrySummary {
    /// Reads the members the summary needs from the entry's bytes (as served by
    /// `/v1/log/entries/{index}`); what does not read is [`LoggedWrite::Other`].
    pub fn read(index: u64, entry: &[u8]) -> Self {
        let Ok(mut sketch) = serde_json::from_slice::<EntrySketch>(entry) else {
            return Self {
                index,
                signed_at: None,
                signer: None,
                write: LoggedWrite::Other,
            };
        };
        let proof = sketch.proof.take().unwrap_or_default();
        let signer = proof
            .verification_method
            .as_deref()
            .and_then(|method| method.split('#').next())
            .and_then(|did| DidKey::parse(did).ok());
        Self {
            index,
            signed_at: proof
                .created
                .as_deref()
                .and_then(|t| Timestamp::parse(t).ok()),
            signer,
            write: sketch.write(),
        }
    }
}

/// The members of a logged entry that say what it is.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntrySketch {
    #[serde(default, rename = "type")]
    types: TypeMember,
    action: Option<String>,
    target: Option<String>,
    reason: Option<String>,
    proof: Option<ProofSketch>,
    credential_subject: Option<EditionSketch>,
    credential: Option<RegisteredSketch>,
}

/// `type`: one name or a list.
#[derive(serde::Deserialize, Default)]
#[serde(untagged)]
enum TypeMember {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
    /// Anything else: not a type this summary knows, and no reason to lose the row.
    Other(serde::de::IgnoredAny),
}

impl TypeMember {
    fn has(&self, name: &str) -> bool {
        match self {
            TypeMember::None | TypeMember::Other(_) => false,
            TypeMember::One(one) => one == name,
            TypeMember::Many(many) => many.iter().any(|t| t == name),
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ProofSketch {
    /// Read as text and parsed on its own: an odd time loses the time, not the row.
    created: Option<String>,
    verification_method: Option<String>,
}

#[derive(serde::Deserialize)]
struct EditionSketch {
    sequence: Option<u64>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisteredSketch {
    id: String,
    credential_subject: SubjectSketch,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubjectSketch {
    legal_name: String,
    legal_name_en: Option<String>,
    corporate_number: Option<String>,
    achievement: AchievementSketch,
}

#[derive(serde::Deserialize)]
struct AchievementSketch {
    level: u8,
}

impl SubjectSketch {
    fn company(self) -> EntryCompany {
        EntryCompany {
            legal_name: self.legal_name,
            legal_name_en: self.legal_name_en,
            corporate_number: self
                .corporate_number
                .and_then(|n| CorporateNumber::parse(&n).ok()),
        }
    }
}

impl EntrySketch {
    fn write(self) -> LoggedWrite {
        if self.types.has(scs_core::trust_list::TRUST_LIST_TYPE) {
            return match self.credential_subject.and_then(|s| s.sequence) {
                Some(sequence) => LoggedWrite::TrustListEdition { sequence },
                None => LoggedWrite::Other,
            };
        }
        let reason = self.reason.as_deref().and_then(Reason::parse);
        let target = self
            .target
            .as_deref()
            .and_then(|t| CredentialId::parse(t).ok());
        let change = |event| match target {
            Some(target) => LoggedWrite::StatusChange {
                event,
                target,
                reason,
            },
            None => LoggedWrite::Other,
        };
        match (self.action.as_deref(), self.credential) {
            (Some("allocate-status"), _) => LoggedWrite::StatusAllocation,
            (Some("register"), Some(credential)) => match CredentialId::parse(&credential.id) {
                Ok(id) => LoggedWrite::Registration {
                    id,
                    level: credential.credential_subject.achievement.level,
                    company: credential.credential_subject.company(),
                },
                Err(_) => LoggedWrite::Other,
            },
            (Some("revoke"), _) => change(EventKind::Revoked),
            (Some("suspend"), _) => change(EventKind::Suspended),
            (Some("reinstate"), _) => change(EventKind::Reinstated),
            _ => LoggedWrite::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    fn read(entry: &serde_json::Value) -> LoggedEntrySummary {
        LoggedEntrySummary::read(7, entry.to_string().as_bytes())
    }

    fn proof() -> serde_json::Value {
        json!({"created": "2027-04-01T09:00:00Z", "verificationMethod": format!("{ISSUER}#{}", &ISSUER[8..])})
    }

    #[test]
    fn each_kind_of_logged_write_is_named_with_its_signer_and_time() {
        let id = "urn:uuid:0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f9a01";
        let cases = [
            (
                json!({"type": ["VerifiableCredential", scs_core::trust_list::TRUST_LIST_TYPE],
                       "credentialSubject": {"sequence": 3}, "proof": proof()}),
                LoggedWrite::TrustListEdition { sequence: 3 },
            ),
            (
                json!({"action": "allocate-status", "proof": proof()}),
                LoggedWrite::StatusAllocation,
            ),
            (
                json!({"action": "register", "proof": proof(), "credential": {"id": id,
                       "credentialSubject": {"legalName": "株式会社デモ", "legalNameEn": "Demo Co., Ltd.",
                                             "corporateNumber": "7000012050002",
                                             "achievement": {"level": 4}}}}),
                LoggedWrite::Registration {
                    id: CredentialId::parse(id).unwrap(),
                    level: 4,
                    company: EntryCompany {
                        legal_name: "株式会社デモ".into(),
                        legal_name_en: Some("Demo Co., Ltd.".into()),
                        corporate_number: Some(CorporateNumber::parse("7000012050002").unwrap()),
                    },
                },
            ),
            (
                json!({"action": "register", "proof": proof(), "credential": {"id": id,
                       "credentialSubject": {"legalName": "LEI Only Ltd", "achievement": {"level": 3}}}}),
                LoggedWrite::Registration {
                    id: CredentialId::parse(id).unwrap(),
                    level: 3,
                    company: EntryCompany {
                        legal_name: "LEI Only Ltd".into(),
                        legal_name_en: None,
                        corporate_number: None,
                    },
                },
            ),
            (
                json!({"action": "revoke", "target": id, "reason": "fraud", "proof": proof()}),
                LoggedWrite::StatusChange {
                    event: EventKind::Revoked,
                    target: CredentialId::parse(id).unwrap(),
                    reason: Some(Reason::Fraud),
                },
            ),
            (
                json!({"action": "reinstate", "target": id, "proof": proof()}),
                LoggedWrite::StatusChange {
                    event: EventKind::Reinstated,
                    target: CredentialId::parse(id).unwrap(),
                    reason: None,
                },
            ),
            (
                json!({"action": "suspend", "target": "not an id", "proof": proof()}),
                LoggedWrite::Other,
            ),
        ];
        for (entry, write) in cases {
            let summary = read(&entry);
            assert_eq!(summary.write, write, "{entry}");
            assert_eq!(summary.index, 7);
            assert_eq!(summary.signer, Some(DidKey::parse(ISSUER).unwrap()));
            assert_eq!(
                summary.signed_at,
                Some(Timestamp::parse("2027-04-01T09:00:00Z").unwrap())
            );
        }
        let unreadable = LoggedEntrySummary::read(8, b"not json");
        assert_eq!(unreadable.write, LoggedWrite::Other);
        assert_eq!(unreadable.signer, None);
    }
}
