//! The registry's state as a deterministic function of its log.
//!
//! [`verify_entry`] checks an entry's signatures (expensive, state-free: run in parallel by the
//! HTTP handlers, and again when the log is replayed). [`transition`] checks it against the
//! current state and trust list and returns the index writes it causes (cheap: run by the single
//! writer). Live writes and start-up replay both go through these two functions, so the indexes
//! after a replay are exactly those the live path built.

use std::borrow::Cow;
use std::collections::BTreeMap;

use scs_core::credential::{AttainmentCredential, StatusEntry, StatusPurpose};
use scs_core::ids::CredentialId;
use scs_core::keys::DidKey;
use scs_core::lifecycle::{
    change_status, open_request, Authority, ChangeRefused, CredentialState, OpenedRequest, Reason,
    RequestBody, StatusChange, FRESHNESS_SECONDS,
};
use scs_core::proof::{self, ProofInfo, ProofPurpose};
use scs_core::status_list::{Bitstring, MIN_BITS};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{DesignationState, NotAuthorised, TrustList, TRUST_LIST_TYPE};
use scs_verifier::{Question, StatusAnswer, StatusSource, Verifier};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::directory::{LoggedRegistration, RegistrationFacts};
use crate::error::{Failure, Refusal, WriteError};
use crate::store::{IndexStore, StoreError, Write};

/// A list is "full" for new allocations at three quarters, so random probing stays quick.
pub(crate) const LIST_FILL_LIMIT: u32 = (MIN_BITS as u32) / 4 * 3;
/// Most status changes kept per credential.
pub(crate) const MAX_HISTORY: usize = 256;

/// The layout of the index keys and values this code writes. Indexes of another layout are
/// cleared and rebuilt from the log at start-up (2: credential records without the credential;
/// 3: records name who imposed a suspension; 4: the issuer changes of each trust-list edition).
pub const INDEX_FORMAT: &[u8] = b"4";

/// Index keys: the layout of the index store, part of its contract ([`INDEX_FORMAT`] names
/// it). One letter of prefix per kind, then fixed-width binary parts.
pub mod keys {
    use super::*;

    /// The layout of the indexes ([`INDEX_FORMAT`]).
    pub const FORMAT: &[u8] = b"m/format";
    /// Number of log entries the indexes reflect.
    pub const APPLIED: &[u8] = b"m/applied";
    /// Log index of the trust list in force.
    pub const TRUST_LIST: &[u8] = b"m/trust-list";

    /// Prefix of the issuer changes of trust-list editions.
    pub const EDITION_PREFIX: &[u8] = b"e/";

    /// The issuer changes of the trust-list edition at log index `index` (only for an edition
    /// that withdraws an issuer or declares its key compromised).
    pub fn edition(index: u64) -> Vec<u8> {
        [EDITION_PREFIX, &index.to_be_bytes()].concat()
    }
    /// A credential record.
    pub fn credential(id: &CredentialId) -> Vec<u8> {
        [b"c/".as_slice(), id.as_bytes()].concat()
    }
    /// Prefix of an organisation's credentials.
    pub fn organization_prefix(corporate_number: &str) -> Vec<u8> {
        [b"o/".as_slice(), corporate_number.as_bytes(), b"/"].concat()
    }
    /// One credential of an organisation.
    pub fn organization(corporate_number: &str, id: &CredentialId) -> Vec<u8> {
        [
            organization_prefix(corporate_number).as_slice(),
            id.as_bytes(),
        ]
        .concat()
    }
    /// An allocated status entry.
    pub fn allocation(purpose: StatusPurpose, list: u32, index: u32) -> Vec<u8> {
        [
            b"a/".as_slice(),
            purpose_tag(purpose),
            &list.to_be_bytes(),
            &index.to_be_bytes(),
        ]
        .concat()
    }
    /// A status list's bits.
    pub fn bits(purpose: StatusPurpose, list: u32) -> Vec<u8> {
        [b"s/".as_slice(), purpose_tag(purpose), &list.to_be_bytes()].concat()
    }
    /// The list currently taking allocations, and how many it holds.
    pub fn open_list(purpose: StatusPurpose) -> Vec<u8> {
        [b"l/".as_slice(), purpose_tag(purpose)].concat()
    }
    /// A used nonce.
    pub fn nonce(signer: &DidKey, nonce: &str) -> Vec<u8> {
        let digest = Sha256::new()
            .chain_update(signer.to_string())
            .chain_update([0])
            .chain_update(nonce)
            .finalize();
        [b"x/".as_slice(), digest.as_slice()].concat()
    }

    fn purpose_tag(purpose: StatusPurpose) -> &'static [u8] {
        match purpose {
            StatusPurpose::Revocation => b"r",
            StatusPurpose::Suspension => b"s",
        }
    }
}

/// What happened to a credential (its name in records and answers: `registered`, `revoked`,
/// `suspended`, `reinstated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Registered in the ledger.
    Registered,
    /// Revoked (final; `superseded` when renewed).
    Revoked,
    /// Suspended.
    Suspended,
    /// A suspension lifted.
    Reinstated,
}

impl EventKind {
    /// What a status change adds to a credential's history.
    fn of_change(change: StatusChange) -> Self {
        match change {
            StatusChange::Revoke(_) => EventKind::Revoked,
            StatusChange::Suspend => EventKind::Suspended,
            StatusChange::Reinstate => EventKind::Reinstated,
        }
    }
}

/// One event in a credential's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// What happened.
    pub event: EventKind,
    /// Reason code, for status changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// When, as signed by the requester.
    pub at: Timestamp,
    /// Who signed the request.
    pub by: String,
    /// Where it is in the ledger.
    pub log_index: u64,
}

/// What the index store keeps about a registered credential.
///
/// The credential itself is not copied here: it is in the log, inside the registration request
/// at `log_index`, and is read from there ([`crate::ledger::Ledger::credential`]). The record
/// holds only what lookups and status changes need, so that the store stays small (sled's
/// start-up replay, cache and page table grow with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRecord {
    /// Log index of its registration (the request that carries the credential).
    pub log_index: u64,
    /// Where the credential's JSON text lies in that entry.
    pub credential_span: ByteSpan,
    /// The issuer's DID.
    pub issuer: String,
    /// The credential's `validFrom`.
    pub valid_from: Timestamp,
    /// The credential's `validUntil`.
    pub valid_until: Timestamp,
    /// Its status entries.
    pub status: Vec<StatusSlot>,
    /// Active, suspended, revoked or superseded (time-based states are derived when read).
    pub lifecycle: CredentialState,
    /// Reason of the last status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Who imposed the suspension in force, if suspended: only they may lift it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_by: Option<Authority>,
    /// Every event, oldest first.
    pub history: Vec<HistoryEvent>,
}

/// The signer's authority for a write whose `proof.created` is `created`, under `trust`, the
/// edition in force (the newest logged before the write); see [`Authority`] and "Write rules"
/// in docs/ARCHITECTURE.md. A key that is neither the operator nor an issuer active then — not
/// listed, not yet or no longer designated, suspended, withdrawn, or declared compromised —
/// writes nothing.
///
/// The registry's clock read within [`FRESHNESS_SECONDS`] of `created` when the write arrived
/// (the handlers refuse other writes), so the designation is judged over that whole span: a
/// withdrawal, suspension or end of designation anywhere in it refuses the write, whatever time
/// in the span the signer chose. The judgement uses only the log (the edition and the signed
/// request), so replaying the log reaches it again.
fn authority_of(
    signer: &DidKey,
    created: Timestamp,
    trust: &TrustList,
    identity: &RegistryIdentity,
) -> Result<Authority, Refusal> {
    if signer == &identity.operator {
        return Ok(Authority::Operator);
    }
    let span = |seconds| Timestamp::from_unix(created.unix() + seconds);
    let (Some(from), Some(until)) = (span(-FRESHNESS_SECONDS), span(FRESHNESS_SECONDS)) else {
        return Err(Refusal::Stale(format!(
            "proof.created {created} is out of range"
        )));
    };
    trust
        .active_throughout(signer, from, until)
        .map(|_| Authority::Issuer)
        .map_err(|why| Refusal::NotAuthorised(barred(&why)))
}

/// Why a key may not write now, in Japanese and English.
fn barred(why: &NotAuthorised) -> String {
    let (ja, en) = match why {
        NotAuthorised::Compromised(t) => (
            format!("この鍵は{t}以降漏えいしたとされているため、登録機関への書き込みはすべて拒否します"),
            format!("this key is declared compromised since {t}; the registry accepts no write signed with it"),
        ),
        NotAuthorised::Withdrawn(t) => (
            format!("発行者の指定は取り消されています（{t}）。登録・失効リストの予約・状態の変更はできません"),
            format!("the issuer's designation was withdrawn ({t}); it can no longer register, reserve status entries or change statuses"),
        ),
        NotAuthorised::Suspended(t) => (
            format!("発行者の指定は一時停止中です（{t}から）。登録機関への書き込みはできません"),
            format!("the issuer's designation is suspended (since {t}); it cannot write to the registry"),
        ),
        NotAuthorised::AfterDesignation(t) => (
            format!("発行者の指定期間は終了しています（{t}）"),
            format!("the issuer's designation ended ({t})"),
        ),
        NotAuthorised::BeforeDesignation(t) => (
            format!("発行者の指定はまだ始まっていません（{t}から）"),
            format!("the issuer's designation has not begun (it begins {t})"),
        ),
        NotAuthorised::KeyReplaced(t) => (
            format!("この鍵は{t}に発行者の新しい鍵へ切り替えられました。現在の鍵で署名してください"),
            format!("this key was replaced by the issuer's new key on {t}; sign with the current key"),
        ),
        NotAuthorised::KeyNotYetInUse(t) => (
            format!("この鍵の使用はまだ始まっていません（{t}から）"),
            format!("this key is not in use yet (it begins {t})"),
        ),
        NotAuthorised::NotListed | NotAuthorised::LevelNotGranted(_) | NotAuthorised::NoCreated => (
            "署名した鍵は制度運営主体でも指定機関一覧の発行者でもありません".to_owned(),
            "the signing key is neither the operator nor an issuer in the trust list in force".to_owned(),
        ),
    };
    format!("{ja} / {en}")
}

/// Why a registered credential whose status is clear no longer counts: its issuer's own word on
/// when it signed ended (key declared compromised, designation suspended, withdrawn or ended)
/// and the ledger does not show it registered before then. What the verifier decides from the
/// same facts (`Verifier`'s issuer check with [`StatusSource::registered_by`]), for views that
/// show a record rather than a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Void {
    /// When the issuer's own word ended.
    pub since: Timestamp,
    /// Why, in English.
    pub detail: String,
    /// Why, in Japanese.
    pub detail_ja: String,
}

impl Void {
    /// The void of a credential registered by `signer` (a did:key) in a request created at
    /// `registered_at`, under `trust` at `now`; `None` if it still counts.
    pub fn of(
        trust: &TrustList,
        signer: &str,
        registered_at: Timestamp,
        now: Timestamp,
    ) -> Option<Self> {
        let (since, why) = trust.signer(signer)?.own_word_ends(now)?;
        if registered_at.unix() + FRESHNESS_SECONDS < since.unix() {
            return None;
        }
        let what = why.what_ended();
        Some(Self {
            since,
            detail: format!(
                "not shown to be registered before {} ({since}): it no longer counts",
                what.en
            ),
            detail_ja: format!(
                "{}（{since}）より前の登録と確認できないため、有効と扱いません",
                what.ja
            ),
        })
    }

    /// The void of a credential from its history (whose first event is its registration).
    pub fn of_history(trust: &TrustList, history: &[HistoryEvent], now: Timestamp) -> Option<Self> {
        let registered = history.first()?;
        Self::of(trust, &registered.by, registered.at, now)
    }
}

/// A byte range of a log entry: `start`, then `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteSpan {
    /// First byte.
    pub start: u32,
    /// Length.
    pub len: u32,
}

impl ByteSpan {
    /// Where the `credential` member's value lies in a registration request, as serialised in
    /// the log. Found once, when the entry is applied, so that reads can take the credential's
    /// bytes without parsing the entry.
    pub fn of_registered_credential(entry: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct RegisterRequest<'a> {
            #[serde(borrow)]
            credential: &'a serde_json::value::RawValue,
        }
        let request: RegisterRequest<'_> = serde_json::from_slice(entry).ok()?;
        Self::within(entry, request.credential.get())
    }

    /// Where `text`, a slice borrowed from `entry`, lies in it.
    fn within(entry: &[u8], text: &str) -> Option<Self> {
        let start = (text.as_ptr() as usize).checked_sub(entry.as_ptr() as usize)?;
        (start + text.len() <= entry.len()).then_some(())?;
        Some(Self {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(text.len()).ok()?,
        })
    }
}

/// The subject's names in a registration, when it has a 法人番号.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RegisteredNames<'a> {
    /// 法人番号, as written in the credential.
    pub corporate_number: Cow<'a, str>,
    /// Legal name.
    pub legal_name: Cow<'a, str>,
    /// English legal name.
    pub legal_name_en: Option<Cow<'a, str>>,
    /// フリガナ.
    pub legal_name_kana: Option<Cow<'a, str>>,
}

/// A log entry read without building its document: the start-up load reads every entry this
/// way, and the writer each registration it commits, so that the name index and the
/// credential directory are filled by one definition whichever path an entry takes. Every
/// entry in the log was accepted, so the fields read here were checked when it was.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LoggedEntry<'a> {
    /// A registration request.
    Registration {
        /// The credential's id.
        id: CredentialId,
        /// What the directory keeps of it.
        facts: LoggedRegistration<'a>,
        /// The subject's names, when it has a 法人番号.
        names: Option<RegisteredNames<'a>>,
    },
    /// A revocation, suspension or reinstatement of `target`.
    StatusChange {
        /// The credential.
        target: CredentialId,
    },
    /// Anything else: trust lists, status allocations.
    Other,
}

impl<'a> LoggedEntry<'a> {
    /// Reads the entry at `log_index`; `None` if it is not JSON of a known shape (which no
    /// accepted entry is).
    pub(crate) fn read(log_index: u64, entry: &'a [u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Sketch<'a> {
            #[serde(borrow, default)]
            action: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            target: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            credential: Option<&'a serde_json::value::RawValue>,
            #[serde(borrow, default)]
            proof: Option<&'a serde_json::value::RawValue>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Proof<'a> {
            #[serde(borrow)]
            created: Cow<'a, str>,
            #[serde(borrow)]
            verification_method: Cow<'a, str>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Credential<'a> {
            #[serde(borrow)]
            id: Cow<'a, str>,
            #[serde(borrow)]
            valid_from: Cow<'a, str>,
            #[serde(borrow)]
            valid_until: Cow<'a, str>,
            #[serde(borrow)]
            credential_subject: Subject<'a>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Subject<'a> {
            #[serde(borrow, default)]
            corporate_number: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            legal_name: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            legal_name_en: Option<Cow<'a, str>>,
            #[serde(borrow, default)]
            legal_name_kana: Option<Cow<'a, str>>,
        }
        let sketch: Sketch<'a> = serde_json::from_slice(entry).ok()?;
        match sketch.action.as_deref() {
            Some("register") => {
                let raw = sketch.credential?;
                let proof: Proof<'a> = serde_json::from_str(sketch.proof?.get()).ok()?;
                let credential: Credential<'a> = serde_json::from_str(raw.get()).ok()?;
                let subject = credential.credential_subject;
                let names = match (subject.corporate_number, subject.legal_name) {
                    (Some(corporate_number), Some(legal_name)) => Some(RegisteredNames {
                        corporate_number,
                        legal_name,
                        legal_name_en: subject.legal_name_en,
                        legal_name_kana: subject.legal_name_kana,
                    }),
                    _ => None,
                };
                Some(Self::Registration {
                    id: CredentialId::parse(&credential.id).ok()?,
                    facts: LoggedRegistration {
                        log_index,
                        credential_span: ByteSpan::within(entry, raw.get())?,
                        valid_from: Timestamp::parse(&credential.valid_from).ok()?,
                        valid_until: Timestamp::parse(&credential.valid_until).ok()?,
                        registered_at: Timestamp::parse(&proof.created).ok()?,
                        verification_method: proof.verification_method,
                    },
                    names,
                })
            }
            Some("revoke" | "suspend" | "reinstate") => Some(Self::StatusChange {
                target: CredentialId::parse(&sketch.target?).ok()?,
            }),
            _ => Some(Self::Other),
        }
    }
}

/// A credential's place in one status list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSlot {
    /// Which list kind.
    pub purpose: StatusPurpose,
    /// List number.
    pub list: u32,
    /// Bit index.
    pub index: u32,
}

impl CredentialRecord {
    /// The state a person should see at `now`.
    pub fn state_at(&self, now: Timestamp) -> CredentialState {
        state_at(self.lifecycle, self.valid_from, self.valid_until, now)
    }
}

/// The state a person should see at `now`: time-based states derived from an active one.
fn state_at(
    lifecycle: CredentialState,
    valid_from: Timestamp,
    valid_until: Timestamp,
    now: Timestamp,
) -> CredentialState {
    match lifecycle {
        CredentialState::Active if now < valid_from => CredentialState::NotYetValid,
        CredentialState::Active if now > valid_until => CredentialState::Expired,
        other => other,
    }
}

/// What `GET /v1/credentials/{id}` answers besides the credential's text, and where that text
/// is: from the credential directory for a credential whose status never changed, from the
/// index store's record otherwise. Both give the same view (tested on the demo ledger).
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialView {
    /// Log index of the registration.
    pub log_index: u64,
    /// Where the credential's JSON text lies in `entries.bin`.
    pub credential_at: FileSpan,
    valid_from: Timestamp,
    valid_until: Timestamp,
    lifecycle: CredentialState,
    /// Reason of the last status change.
    pub reason: Option<Reason>,
    /// Every event, oldest first.
    pub history: Vec<HistoryEvent>,
}

impl CredentialView {
    /// A credential whose status never changed, from its registration's facts and signer.
    pub fn unchanged(facts: &RegistrationFacts, signer: &str) -> Self {
        Self {
            log_index: facts.log_index,
            credential_at: facts.credential_at(),
            valid_from: facts.valid_from(),
            valid_until: facts.valid_until(),
            lifecycle: CredentialState::Active,
            reason: None,
            history: vec![HistoryEvent {
                event: EventKind::Registered,
                reason: None,
                at: facts.registered_at(),
                by: signer.to_owned(),
                log_index: facts.log_index,
            }],
        }
    }

    /// The state a person should see at `now`.
    pub fn state_at(&self, now: Timestamp) -> CredentialState {
        state_at(self.lifecycle, self.valid_from, self.valid_until, now)
    }
}

impl CredentialView {
    /// A credential's view from its record in the store; `entry_offset` is where its
    /// registration entry starts in `entries.bin`.
    pub fn of_record(record: CredentialRecord, entry_offset: u64) -> Self {
        Self {
            log_index: record.log_index,
            credential_at: FileSpan {
                offset: entry_offset + u64::from(record.credential_span.start),
                len: record.credential_span.len,
            },
            valid_from: record.valid_from,
            valid_until: record.valid_until,
            lifecycle: record.lifecycle,
            reason: record.reason,
            history: record.history,
        }
    }
}

/// A byte range of `entries.bin`: `len` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    /// First byte.
    pub offset: u64,
    /// Length.
    pub len: u32,
}

/// A registered credential: the signed document, read from the log, and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The signed credential, as registered.
    pub credential: Value,
    /// What the registry keeps about it.
    pub record: CredentialRecord,
}

impl Registered {
    /// The typed credential (it was checked when registered).
    pub fn typed(&self) -> Option<AttainmentCredential> {
        let mut unsecured = self.credential.clone();
        unsecured.as_object_mut()?.remove("proof");
        AttainmentCredential::from_json(&unsecured).ok()
    }
}

/// An allocated status entry: who may use it, and whether a credential does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Allocation {
    /// The issuer it was reserved for.
    pub issuer: String,
    /// The credential using it, once registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by: Option<String>,
}

/// The list currently taking allocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OpenList {
    /// List number.
    pub list: u32,
    /// Entries allocated in it.
    pub allocated: u32,
}

/// A log entry whose signatures are good.
#[derive(Debug, Clone)]
pub enum VerifiedEntry {
    /// A trust list edition, signed by the operator.
    TrustList(Box<TrustList>),
    /// A request from an issuer or the operator.
    Request {
        /// The request.
        request: Box<OpenedRequest>,
        /// For a registration: the credential and who signed it.
        credential: Option<Box<SignedCredential>>,
    },
}

/// A registration's credential whose proof verified: what it says, and its proof's signer and
/// time.
#[derive(Debug, Clone)]
pub struct SignedCredential {
    /// The credential, read into the ★ attainment profile.
    pub credential: AttainmentCredential,
    /// Its proof: who signed it, and when they say they did.
    pub proof: ProofInfo,
}

/// Checks an entry's signatures and shape.
pub fn verify_entry(document: Value, operator: &DidKey) -> Result<VerifiedEntry, Refusal> {
    let is_trust_list = document["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == TRUST_LIST_TYPE));
    if is_trust_list {
        let list = TrustList::from_signed(document, operator)
            .map_err(|e| Refusal::BadSignature(e.to_string()))?;
        return Ok(VerifiedEntry::TrustList(Box::new(list)));
    }
    let request = open_request(document).map_err(|e| Refusal::BadSignature(e.to_string()))?;
    let credential = match &request.body {
        RequestBody::Register { credential } => {
            scs_core::vcdm::check_data_model(credential)
                .map_err(|e| Refusal::InvalidCredential(e.to_string()))?;
            let (unsecured, info) =
                proof::verify(credential.clone(), ProofPurpose::AssertionMethod).map_err(|e| {
                    Refusal::InvalidCredential(format!("credential signature: {e}"))
                })?;
            let typed = AttainmentCredential::from_json(&unsecured).map_err(|e| match e {
                scs_core::credential::ProfileError::Shape(s) if s.contains("法人番号") => {
                    Refusal::InvalidCorporateNumber(s)
                }
                other => Refusal::InvalidCredential(other.to_string()),
            })?;
            Some(Box::new(SignedCredential {
                credential: typed,
                proof: info,
            }))
        }
        _ => None,
    };
    Ok(VerifiedEntry::Request {
        request: Box::new(request),
        credential,
    })
}

/// Reads state, seeing the writes staged earlier in the same batch.
pub(crate) struct Overlay<'a> {
    store: &'a dyn IndexStore,
    staged: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Values read ahead from the store ([`Overlay::prefetch`]), under the staged writes.
    fetched: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl std::fmt::Debug for Overlay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Overlay({} staged)", self.staged.len())
    }
}

impl<'a> Overlay<'a> {
    /// Nothing staged.
    pub(crate) fn new(store: &'a dyn IndexStore) -> Self {
        Self {
            store,
            staged: BTreeMap::new(),
            fetched: BTreeMap::new(),
        }
    }

    /// The value at `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.staged.get(key).or_else(|| self.fetched.get(key)) {
            Some(value) => Ok(value.clone()),
            None => self.store.get(key),
        }
    }

    /// Reads the values at `keys` from the store together ([`IndexStore::get_many`]: one round
    /// trip on PostgreSQL) for later [`Overlay::get`]s. Only for the writer, before it stages
    /// anything: nothing else writes the store until it applies the batch, so what was read
    /// ahead stays what the store holds.
    pub(crate) fn prefetch(&mut self, mut keys: Vec<Vec<u8>>) -> Result<(), StoreError> {
        keys.sort();
        keys.dedup();
        let values = self.store.get_many(&keys)?;
        self.fetched.extend(keys.into_iter().zip(values));
        Ok(())
    }

    /// Stages writes.
    pub(crate) fn stage(&mut self, writes: &[Write]) {
        for (key, value) in writes {
            self.staged.insert(key.clone(), value.clone());
        }
    }

    /// The record at `key`, decoded.
    fn get_json<T: for<'de> Deserialize<'de>>(&self, key: &[u8]) -> Result<Option<T>, Failure> {
        match self.get(key)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| Failure::unreadable_record(key, source)),
            None => Ok(None),
        }
    }
}

/// What an accepted entry did, for the reply and the caches.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A new trust list is in force.
    TrustList(Box<TrustList>),
    /// Status entries were reserved.
    Allocated(Vec<StatusEntry>),
    /// A credential was registered.
    Registered(CredentialId),
    /// A status changed; the listed status list changed.
    StatusChanged {
        /// The credential.
        id: CredentialId,
        /// Its new lifecycle state.
        state: CredentialState,
        /// The list whose bit changed.
        list: (StatusPurpose, u32),
    },
}

/// An accepted entry: the writes it causes and what it did.
#[derive(Debug)]
pub(crate) struct Transition {
    /// Index writes (not yet including the applied marker).
    pub writes: Vec<Write>,
    /// What it did.
    pub effect: Effect,
}

/// The registry's own identity, fixed at start-up.
#[derive(Debug, Clone)]
pub struct RegistryIdentity {
    /// The operator key that signs trust lists.
    pub operator: DidKey,
    /// Base URL, from the trust list in force at start-up.
    pub base_url: String,
}

fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// Checks `entry` against the state and the trust list in force, and computes its writes: by
/// kind, a trust-list edition ([`edition`]), or a request — after the checks every request
/// passes (nonce, signer's authority) — a status allocation ([`allocation`]), a registration
/// ([`registration`]) or a status change ([`status_change`]).
pub(crate) fn transition(
    view: &Overlay<'_>,
    index: u64,
    entry: &VerifiedEntry,
    entry_bytes: &[u8],
    trust: Option<&TrustList>,
    identity: &RegistryIdentity,
) -> Result<Transition, WriteError> {
    let (request, credential) = match entry {
        VerifiedEntry::TrustList(list) => return Ok(edition(index, list, trust)?),
        VerifiedEntry::Request {
            request,
            credential,
        } => (request, credential),
    };
    let trust = trust.ok_or(Failure::NoTrustList)?;
    let signer = &request.info.signer;
    let nonce_key = keys::nonce(signer, &request.nonce);
    if view.get(&nonce_key)?.is_some() {
        return Err(Refusal::Replayed.into());
    }
    let authority = authority_of(signer, request.created, trust, identity)?;
    let judging = Judging {
        view,
        index,
        request,
        signer,
        authority,
        trust,
    };
    let (mut writes, effect) = match &request.body {
        RequestBody::AllocateStatus => allocation(&judging, entry_bytes, identity)?,
        RequestBody::Register { .. } => {
            let Some(signed) = credential else {
                return Err(Refusal::InvalidCredential("no credential".into()).into());
            };
            registration(&judging, signed, entry_bytes, identity)?
        }
        RequestBody::Revoke { target, reason } => {
            status_change(&judging, target, StatusChange::Revoke(*reason), *reason)?
        }
        RequestBody::Suspend { target, reason } => {
            status_change(&judging, target, StatusChange::Suspend, *reason)?
        }
        RequestBody::Reinstate { target, reason } => {
            status_change(&judging, target, StatusChange::Reinstate, *reason)?
        }
    };
    writes.insert(0, (nonce_key, Some(index.to_be_bytes().to_vec())));
    Ok(Transition { writes, effect })
}

/// The index keys [`transition`] reads for `entry` that are known before it runs — its nonce,
/// the credential it registers or changes, the status entries a registration uses, the open
/// status lists an allocation reserves from — for the writer to read a batch's together
/// ([`Overlay::prefetch`]). A key this misses is read when `transition` needs it.
pub(crate) fn keys_read(entry: &VerifiedEntry, identity: &RegistryIdentity) -> Vec<Vec<u8>> {
    let VerifiedEntry::Request {
        request,
        credential,
    } = entry
    else {
        return Vec::new();
    };
    let mut read = vec![keys::nonce(&request.info.signer, &request.nonce)];
    match &request.body {
        RequestBody::AllocateStatus => {
            read.extend([StatusPurpose::Revocation, StatusPurpose::Suspension].map(keys::open_list))
        }
        RequestBody::Register { .. } => {
            if let Some(signed) = credential {
                let typed = &signed.credential;
                read.push(keys::credential(&typed.id));
                // A registration uses exactly two (it refuses any other count).
                read.extend(typed.credential_status.iter().take(2).filter_map(|entry| {
                    let (purpose, list) = parse_list_url(&entry.list_url, &identity.base_url)?;
                    Some(keys::allocation(purpose, list, entry.index))
                }));
            }
        }
        RequestBody::Revoke { target, .. }
        | RequestBody::Suspend { target, .. }
        | RequestBody::Reinstate { target, .. } => read.push(keys::credential(target)),
    }
    read
}

/// The index keys [`transition`] reads for `entry` that follow from the values of
/// [`keys_read`]'s, in `view` (read ahead, nothing staged): the first place an allocation
/// probes in each list it reserves from. For the writer's second read of a batch's keys
/// together; an allocation an earlier one in the batch moves to another list, or that finds
/// its first place taken, reads the rest when it needs them.
pub(crate) fn keys_probed(
    view: &Overlay<'_>,
    entry: &VerifiedEntry,
    entry_bytes: &[u8],
) -> Vec<Vec<u8>> {
    let VerifiedEntry::Request { request, .. } = entry else {
        return Vec::new();
    };
    if !matches!(request.body, RequestBody::AllocateStatus) {
        return Vec::new();
    }
    [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .filter_map(|purpose| {
            // An unreadable open list is the transition's to refuse, with its reason.
            let open = list_to_fill(view, purpose).ok()?;
            Some(keys::allocation(
                purpose,
                open.list,
                first_probe(purpose, entry_bytes),
            ))
        })
        .collect()
}

/// A request being judged: what every kind of request needs besides its own body.
struct Judging<'v, 'a> {
    /// The indexes, with the batch's earlier writes.
    view: &'v Overlay<'a>,
    /// Where the request will be in the log.
    index: u64,
    /// The request.
    request: &'v OpenedRequest,
    /// Who signed it.
    signer: &'v DidKey,
    /// What the signer may do.
    authority: Authority,
    /// The trust list edition in force.
    trust: &'v TrustList,
}

impl Judging<'_, '_> {
    /// The history event this request adds to a credential.
    fn event(&self, event: EventKind, reason: Option<Reason>) -> HistoryEvent {
        HistoryEvent {
            event,
            reason,
            at: self.request.created,
            by: self.signer.to_string(),
            log_index: self.index,
        }
    }
}

/// A trust-list edition at log index `index`: it must be newer than the one in force, keep the
/// registry's keys, and drop no issuer.
fn edition(
    index: u64,
    list: &TrustList,
    current: Option<&TrustList>,
) -> Result<Transition, Refusal> {
    if let Some(current) = current {
        if list.sequence <= current.sequence {
            return Err(Refusal::Conflict(format!(
                "trust list sequence {} is not newer than {}",
                list.sequence, current.sequence
            )));
        }
        if list.registry.status_key != current.registry.status_key
            || list.registry.log_key != current.registry.log_key
        {
            return Err(Refusal::Conflict(
                "a new edition may not change the registry's keys while it runs".into(),
            ));
        }
        // An issuer leaves the list only as withdrawn: dropped, its credentials would lose the
        // record of when its word ended, and every view would still count them.
        if let Some(dropped) = current
            .issuers
            .iter()
            .find(|old| !list.issuers.iter().any(|new| new.id == old.id))
        {
            return Err(Refusal::Conflict(format!(
                "指定機関を一覧から削除することはできません。指定取消（withdrawn）として残してください / a new edition may not drop issuer {}: keep it, marked withdrawn",
                dropped.id
            )));
        }
        keeps_every_key_and_compromise(current, list)?;
    }
    let mut writes = vec![(
        keys::TRUST_LIST.to_vec(),
        Some(index.to_be_bytes().to_vec()),
    )];
    let changes = current
        .map(|c| IssuerChange::between(c, list))
        .unwrap_or_default();
    if !changes.is_empty() {
        writes.push((keys::edition(index), Some(json_bytes(&changes))));
    }
    Ok(Transition {
        writes,
        effect: Effect::TrustList(Box::new(list.clone())),
    })
}

/// A new edition keeps every key of the edition in force under the same issuer (dropped, what
/// the key signed would lose its issuer and the record of its window), with its window as it
/// was (an end only added), and never lifts a key's compromise or moves it later, which would
/// revive what the key signed in between.
fn keeps_every_key_and_compromise(current: &TrustList, next: &TrustList) -> Result<(), Refusal> {
    for old in &current.issuers {
        for key in old.key_uses() {
            let Some(now) = next.signer(key.id).filter(|now| now.issuer.id == old.id) else {
                return Err(Refusal::Conflict(format!(
                    "発行者の鍵を一覧から削除することはできません / a new edition may not drop key {} of issuer {}",
                    key.id, old.id
                )));
            };
            let lifted = |then: Option<Timestamp>, now: Option<Timestamp>| {
                then.is_some_and(|then| now.is_none_or(|now| now > then))
            };
            // A window is set once: `validFrom` never moves, `validUntil` is only ever added
            // (the rotation that replaces the key), so no edition revives or voids what the key
            // signed inside its window as it stood.
            if key.from.is_some_and(|from| now.key.from != Some(from))
                || key.until.is_some_and(|until| now.key.until != Some(until))
            {
                return Err(Refusal::Conflict(format!(
                    "鍵の使用期間は変更できません / a new edition may not change the window of key {}",
                    key.id
                )));
            }
            if lifted(key.compromised_since, now.key.compromised_since)
                || lifted(
                    old.status.compromised_since,
                    now.issuer.status.compromised_since,
                )
            {
                return Err(Refusal::Conflict(format!(
                    "鍵の漏えいの宣言を取り消したり遅らせたりすることはできません / a new edition may not lift or postpone the compromise of key {}",
                    key.id
                )));
            }
        }
    }
    Ok(())
}

/// What an edition changed in an issuer's designation, compared with the edition before it:
/// what the change feed reports as `issuer-withdrawn` or `issuer-compromised`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerChange {
    /// The issuer's did:key.
    pub issuer: String,
    /// Its name in the edition.
    pub name: String,
    /// Withdrawn, or its key declared compromised.
    pub change: DesignationChange,
    /// From when, as the edition says (`status.since` or `status.compromisedSince`).
    pub since: Timestamp,
    /// The keys (did:key) whose credentials it concerns: every key of the issuer, or the one
    /// key declared compromised. Empty in records written before issuers had several keys,
    /// which concern the key `issuer` alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// The designation changes the change feed reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignationChange {
    /// The designation was withdrawn.
    Withdrawn,
    /// The issuer's key was declared compromised.
    Compromised,
}

impl IssuerChange {
    /// The issuers that `next` withdraws or declares compromised, and the keys it declares
    /// compromised, that `previous` did not.
    fn between(previous: &TrustList, next: &TrustList) -> Vec<Self> {
        let mut changes = Vec::new();
        for issuer in &next.issuers {
            let Some(before) = previous.issuers.iter().find(|old| old.id == issuer.id) else {
                continue;
            };
            let change = |change, since, keys| Self {
                issuer: issuer.id.clone(),
                name: issuer.name.clone(),
                change,
                since,
                keys,
            };
            let every_key = || issuer.key_uses().map(|k| k.id.to_owned()).collect();
            let (now, then) = (&issuer.status, &before.status);
            if let (DesignationState::Withdrawn, Some(since)) = (now.state, now.since) {
                if then.state != DesignationState::Withdrawn {
                    changes.push(change(DesignationChange::Withdrawn, since, every_key()));
                }
            }
            if let (Some(since), None) = (now.compromised_since, then.compromised_since) {
                changes.push(change(DesignationChange::Compromised, since, every_key()));
            }
            for key in issuer.key_uses() {
                let was = before.key_uses().find(|old| old.id == key.id);
                if let (Some(since), None) = (
                    key.compromised_since,
                    was.and_then(|old| old.compromised_since),
                ) {
                    changes.push(change(
                        DesignationChange::Compromised,
                        since,
                        vec![key.id.to_owned()],
                    ));
                }
            }
        }
        changes
    }

    /// Whether it concerns the credentials signed by `key` (a did:key).
    pub fn concerns(&self, key: &str) -> bool {
        if self.keys.is_empty() {
            self.issuer == key
        } else {
            self.keys.iter().any(|k| k == key)
        }
    }
}

/// A status allocation: one revocation and one suspension entry, for an issuer.
fn allocation(
    judging: &Judging<'_, '_>,
    entry_bytes: &[u8],
    identity: &RegistryIdentity,
) -> Result<(Vec<Write>, Effect), WriteError> {
    if judging.authority != Authority::Issuer {
        return Err(Refusal::NotAuthorised(
            "失効リストの番号を予約できるのは指定機関だけです / only designated issuers reserve status entries".into(),
        ).into());
    }
    let mut writes = Vec::new();
    let mut entries = Vec::new();
    for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        let (entry, mut more) =
            allocate(judging.view, purpose, entry_bytes, judging.signer, identity)?;
        writes.append(&mut more);
        entries.push(entry);
    }
    Ok((writes, Effect::Allocated(entries)))
}

/// A registration: an issuer's own credential, signed no later than the registration, valid by
/// the verifier's checks, with a new id and the status entries reserved for it.
fn registration(
    judging: &Judging<'_, '_>,
    SignedCredential {
        credential: typed,
        proof: info,
    }: &SignedCredential,
    entry_bytes: &[u8],
    identity: &RegistryIdentity,
) -> Result<(Vec<Write>, Effect), WriteError> {
    let (view, signer, trust) = (judging.view, judging.signer, judging.trust);
    if judging.authority != Authority::Issuer {
        return Err(Refusal::NotAuthorised(
            "証明書を登録できるのは指定機関だけです / only designated issuers register credentials"
                .into(),
        )
        .into());
    }
    // Only the key that signed it: a credential's record and every view judge the key of
    // its registration (`Void::of_history`), so the two must be one. An issuer registers what
    // a key signed before replacing it.
    if &info.signer != signer {
        return Err(Refusal::NotAuthorised(
            "登録できるのは指定機関が自ら署名した証明書だけです / an issuer may register only credentials it signed".into(),
        ).into());
    }
    check_signed_before_registration(info, judging.request.created)?;
    check_issuance(typed, info, trust, judging.request.created)?;
    let key = keys::credential(&typed.id);
    if view.get(&key)?.is_some() {
        return Err(Refusal::Conflict(format!("{} is already registered", typed.id)).into());
    }
    let mut purposes: Vec<StatusPurpose> =
        typed.credential_status.iter().map(|e| e.purpose).collect();
    purposes.sort();
    if purposes != [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        return Err(Refusal::InvalidCredential(
            "a registered credential carries one revocation and one suspension entry, reserved with POST /v1/status-allocations".into(),
        ).into());
    }
    let mut writes = Vec::new();
    let mut status = Vec::with_capacity(2);
    for entry in &typed.credential_status {
        let (slot, used) = use_allocation(view, entry, typed, signer, trust, identity)?;
        writes.push(used);
        status.push(slot);
    }
    let credential_span = ByteSpan::of_registered_credential(entry_bytes)
        .ok_or_else(|| Refusal::InvalidCredential("no credential in the request".into()))?;
    let record = CredentialRecord {
        log_index: judging.index,
        credential_span,
        issuer: typed.issuer.id.clone(),
        valid_from: typed.valid_from,
        valid_until: typed.valid_until,
        status,
        lifecycle: CredentialState::Active,
        reason: None,
        suspended_by: None,
        history: vec![judging.event(EventKind::Registered, None)],
    };
    writes.push((key, Some(json_bytes(&record))));
    if let Some(number) = &typed.credential_subject.corporate_number {
        writes.push((
            keys::organization(number.as_str(), &typed.id),
            Some(Vec::new()),
        ));
    }
    Ok((writes, Effect::Registered(typed.id)))
}

/// Marks the status entry `entry` of a credential being registered as used by it: it must be
/// this registry's, reserved by the same issuer, and unused.
fn use_allocation(
    view: &Overlay<'_>,
    entry: &StatusEntry,
    typed: &AttainmentCredential,
    signer: &DidKey,
    trust: &TrustList,
    identity: &RegistryIdentity,
) -> Result<(StatusSlot, Write), WriteError> {
    let (purpose, list) = parse_list_url(&entry.list_url, &identity.base_url)
        .filter(|(p, _)| *p == entry.purpose)
        .ok_or_else(|| {
            Refusal::InvalidCredential(format!(
                "status list URL {} is not this registry's",
                entry.list_url
            ))
        })?;
    let key = keys::allocation(purpose, list, entry.index);
    let allocation: Allocation = view.get_json(&key)?.ok_or_else(|| {
        Refusal::InvalidCredential(format!(
            "status entry {}#{} was never reserved",
            entry.list_url, entry.index
        ))
    })?;
    if !trust.same_issuer(&allocation.issuer, &signer.to_string()) {
        return Err(Refusal::InvalidCredential(format!(
            "status entry {}#{} was reserved by another issuer",
            entry.list_url, entry.index
        ))
        .into());
    }
    if allocation.used_by.is_some() {
        return Err(Refusal::InvalidCredential(format!(
            "status entry {}#{} is already used",
            entry.list_url, entry.index
        ))
        .into());
    }
    let used = Allocation {
        issuer: allocation.issuer,
        used_by: Some(typed.id.to_string()),
    };
    let slot = StatusSlot {
        purpose,
        list,
        index: entry.index,
    };
    Ok((slot, (key, Some(json_bytes(&used)))))
}

/// A revocation, suspension or reinstatement of `target`, by its issuer or the operator, as the
/// lifecycle rules ([`change_status`]) allow it.
fn status_change(
    judging: &Judging<'_, '_>,
    target: &CredentialId,
    change: StatusChange,
    reason: Reason,
) -> Result<(Vec<Write>, Effect), WriteError> {
    let view = judging.view;
    let key = keys::credential(target);
    let mut record: CredentialRecord = view
        .get_json(&key)?
        .ok_or_else(|| Refusal::NotFound(format!("{target} is not registered")))?;
    if judging.authority != Authority::Operator
        && !judging
            .trust
            .same_issuer(&record.issuer, &judging.signer.to_string())
    {
        return Err(Refusal::NotAuthorised(
            "状態を変更できるのは証明書の発行者か制度運営主体だけです / only the credential's issuer or the operator may change its status".into(),
        ).into());
    }
    let moved = change_status(
        record.lifecycle,
        record.suspended_by,
        change,
        judging.authority,
    )
    .map_err(|refused| match refused {
        ChangeRefused::OperatorsSuspension => Refusal::NotAuthorised(LIFTING_REFUSED.into()),
        other => Refusal::Conflict(other.to_string()),
    })?;
    if record.history.len() >= MAX_HISTORY {
        return Err(Refusal::Conflict("too many status changes for one credential".into()).into());
    }
    let slot = record
        .status
        .iter()
        .find(|slot| slot.purpose == moved.purpose)
        .copied()
        .ok_or(Failure::StatusLists(
            "a registered credential has no entry for the change",
        ))?;
    let bits_key = keys::bits(moved.purpose, slot.list);
    let mut bits = view
        .get(&bits_key)?
        .and_then(Bitstring::from_bytes)
        .unwrap_or_else(|| Bitstring::new(0));
    if !bits.set(slot.index as usize, moved.set) {
        return Err(Failure::StatusLists("a credential's status index is outside its list").into());
    }
    let event = EventKind::of_change(change);
    record.lifecycle = moved.state;
    record.suspended_by = moved.suspended_by;
    record.reason = Some(reason);
    record.history.push(judging.event(event, Some(reason)));
    let writes = vec![
        (bits_key, Some(bits.as_bytes().to_vec())),
        (key, Some(json_bytes(&record))),
    ];
    Ok((
        writes,
        Effect::StatusChanged {
            id: *target,
            state: moved.state,
            list: (moved.purpose, slot.list),
        },
    ))
}

/// Why an issuer may not lift a suspension, in Japanese and English.
const LIFTING_REFUSED: &str = "この一時停止は制度運営主体が行ったため、解除できるのは制度運営主体だけです / the operator imposed this suspension; only the operator can lift it";

/// A credential is signed before it is registered: its `proof.created` is no later than the
/// registry's clock could read when the registration arrived. So the registration's time bounds
/// when the credential was signed, whatever its proof says (see "Write rules" in
/// docs/ARCHITECTURE.md).
fn check_signed_before_registration(
    info: &ProofInfo,
    registered: Timestamp,
) -> Result<(), Refusal> {
    let latest = registered.unix() + FRESHNESS_SECONDS;
    match info.created {
        Some(created) if created.unix() <= latest => Ok(()),
        Some(created) => Err(Refusal::InvalidCredential(format!(
            "証明書の署名日時 {created} が登録より後です / the credential's proof.created {created} is after its registration ({registered})"
        ))),
        None => Err(Refusal::InvalidCredential(
            "証明書の署名に日時（proof.created）がありません / the credential's proof has no created time".into(),
        )),
    }
}

/// Designation at signing time and policy, by the verifier's own checks, for a credential
/// being registered by a request created at `registered`.
fn check_issuance(
    credential: &AttainmentCredential,
    info: &ProofInfo,
    trust: &TrustList,
    registered: Timestamp,
) -> Result<(), Refusal> {
    /// Not yet registered (no status set), and being registered now.
    struct Registering(Option<Timestamp>);
    impl StatusSource for Registering {
        fn lookup(&self, _: &StatusEntry, _: Option<&TrustList>, _: Timestamp) -> StatusAnswer {
            StatusAnswer::Clear
        }
        fn registered_by(&self, _: &AttainmentCredential) -> Option<Timestamp> {
            self.0
        }
    }
    let now = Registering(Timestamp::from_unix(registered.unix() + FRESHNESS_SECONDS));
    // Judged at validFrom: a registry may record credentials that have since expired.
    let report = Verifier::new(Some(trust), &now).verify_signed_claims(
        credential,
        info,
        &Question::at(credential.valid_from),
    );
    match report.checks.iter().find(|c| !c.ok) {
        Some(failed) => Err(Refusal::InvalidCredential(format!(
            "{}: {} / {}: {}",
            failed.name.ja(),
            failed.detail_ja,
            failed.name.en(),
            failed.detail
        ))),
        None => Ok(()),
    }
}

/// `<base>/v1/status/<purpose>/<n>` → (purpose, n).
pub fn parse_list_url(url: &str, base_url: &str) -> Option<(StatusPurpose, u32)> {
    let rest = url.strip_prefix(base_url)?.strip_prefix("/v1/status/")?;
    let (purpose, n) = rest.split_once('/')?;
    let n: u32 = n.parse().ok().filter(|v: &u32| v.to_string() == n)?;
    Some((StatusPurpose::parse(purpose)?, n))
}

/// The URL of a status list.
pub(crate) fn list_url(base_url: &str, purpose: StatusPurpose, list: u32) -> String {
    format!("{base_url}/v1/status/{}/{list}", purpose.as_str())
}

/// Reserves one entry at a pseudo-random free index derived from the request bytes, so that a
/// replay of the log reserves the same index.
fn allocate(
    view: &Overlay<'_>,
    purpose: StatusPurpose,
    entry_bytes: &[u8],
    issuer: &DidKey,
    identity: &RegistryIdentity,
) -> Result<(StatusEntry, Vec<Write>), Failure> {
    let open_key = keys::open_list(purpose);
    let mut open = list_to_fill(view, purpose)?;
    let start = first_probe(purpose, entry_bytes);
    // Under the fill limit at least a quarter of the list is free, so this ends quickly.
    let mut index = start;
    loop {
        let key = keys::allocation(purpose, open.list, index);
        if view.get(&key)?.is_none() {
            open.allocated += 1;
            let allocation = Allocation {
                issuer: issuer.to_string(),
                used_by: None,
            };
            let writes = vec![
                (key, Some(json_bytes(&allocation))),
                (open_key, Some(json_bytes(&open))),
            ];
            let entry = StatusEntry {
                purpose,
                list_url: list_url(&identity.base_url, purpose, open.list),
                index,
            };
            return Ok((entry, writes));
        }
        index = (index + 1) % MIN_BITS as u32;
        if index == start {
            return Err(Failure::StatusLists(
                "no free status entry in the open list",
            ));
        }
    }
}

/// The list an allocation reserves from: the open one, or the next when it is full.
fn list_to_fill(view: &Overlay<'_>, purpose: StatusPurpose) -> Result<OpenList, Failure> {
    let open: OpenList = view
        .get_json(&keys::open_list(purpose))?
        .unwrap_or(OpenList {
            list: 0,
            allocated: 0,
        });
    Ok(if open.allocated >= LIST_FILL_LIMIT {
        OpenList {
            list: open.list + 1,
            allocated: 0,
        }
    } else {
        open
    })
}

/// Where an allocation starts probing for a free entry: a place drawn from the request itself,
/// so that replaying the log reserves the same entries.
fn first_probe(purpose: StatusPurpose, entry_bytes: &[u8]) -> u32 {
    let seed = Sha256::new()
        .chain_update(entry_bytes)
        .chain_update(purpose.as_str())
        .finalize();
    u32::from_be_bytes([seed[0], seed[1], seed[2], seed[3]]) % MIN_BITS as u32
}

/// A status list's bits as stored (all clear if never changed).
pub(crate) fn read_bits(
    store: &dyn IndexStore,
    purpose: StatusPurpose,
    list: u32,
) -> Result<Bitstring, StoreError> {
    Ok(store
        .get(&keys::bits(purpose, list))?
        .and_then(Bitstring::from_bytes)
        .unwrap_or_else(|| Bitstring::new(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_core::keys::SecretKey;
    use scs_core::lifecycle::sign_request;
    use serde_json::json;

    /// Each kind of request, signed as a client signs it and serialised as the writer logs it,
    /// reads back as what it is.
    #[test]
    fn logged_entries_read_as_what_they_are() {
        let key = SecretKey::from_seed(&[5; 32]);
        let created = Timestamp::parse("2027-01-01T09:00:00Z").unwrap();
        let id = CredentialId::from_bytes([9; 16]);
        let credential = json!({
            "id": id.to_string(),
            "validFrom": "2027-01-01T00:00:00Z",
            "validUntil": "2029-12-31T23:59:59Z",
            "credentialSubject": {
                "corporateNumber": "７００００１２０５０００２",
                "legalName": "株式会社\"引用\"テスト",
                "legalNameEn": "Test Co., Ltd.",
                "legalNameKana": "テスト"
            }
        });
        let logged = |body: &RequestBody| {
            let signed = sign_request(body, &key, created, "0123456789abcdef").unwrap();
            (serde_json::to_vec(&signed).unwrap(), signed)
        };

        let (bytes, signed) = logged(&RequestBody::Register {
            credential: credential.clone(),
        });
        let Some(LoggedEntry::Registration {
            id: read_id,
            facts,
            names,
        }) = LoggedEntry::read(7, &bytes)
        else {
            panic!("not read as a registration");
        };
        assert_eq!(read_id, id);
        assert_eq!(facts.log_index, 7);
        let span = facts.credential_span;
        let text = &bytes[span.start as usize..][..span.len as usize];
        assert_eq!(serde_json::from_slice::<Value>(text).unwrap(), credential);
        assert_eq!(
            Some(span),
            ByteSpan::of_registered_credential(&bytes),
            "the span the store's record keeps"
        );
        assert_eq!(facts.valid_from.to_string(), "2027-01-01T00:00:00Z");
        assert_eq!(facts.valid_until.to_string(), "2029-12-31T23:59:59Z");
        assert_eq!(facts.registered_at, created);
        assert_eq!(
            facts.verification_method,
            signed["proof"]["verificationMethod"].as_str().unwrap()
        );
        let names = names.unwrap();
        assert_eq!(names.corporate_number, "７００００１２０５０００２");
        assert_eq!(names.legal_name, "株式会社\"引用\"テスト");
        assert_eq!(names.legal_name_en.as_deref(), Some("Test Co., Ltd."));
        assert_eq!(names.legal_name_kana.as_deref(), Some("テスト"));

        for body in [
            RequestBody::Revoke {
                target: id,
                reason: Reason::Fraud,
            },
            RequestBody::Suspend {
                target: id,
                reason: Reason::Fraud,
            },
            RequestBody::Reinstate {
                target: id,
                reason: Reason::Fraud,
            },
        ] {
            let (bytes, _) = logged(&body);
            assert_eq!(
                LoggedEntry::read(8, &bytes),
                Some(LoggedEntry::StatusChange { target: id }),
                "{body:?}"
            );
        }
        let (bytes, _) = logged(&RequestBody::AllocateStatus);
        assert_eq!(LoggedEntry::read(9, &bytes), Some(LoggedEntry::Other));
        assert_eq!(
            LoggedEntry::read(10, b"{\"issuers\": []}"),
            Some(LoggedEntry::Other)
        );
        assert_eq!(LoggedEntry::read(11, b"not json"), None);
        let (bytes, _) = logged(&RequestBody::Register {
            credential: json!({"id": "not an id"}),
        });
        assert_eq!(LoggedEntry::read(12, &bytes), None);
    }
}
