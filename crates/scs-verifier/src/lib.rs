//! Verification of ★ attainment credentials (SPEC §8).
//!
//! [`Verifier`] holds what a verifier trusts — the trust list, already checked against the pinned
//! operator key — and a [`StatusSource`] that answers revocation and suspension questions, either
//! from signed status list files ([`OfflineStatusLists`]) or from a registry. It turns a credential
//! into a [`Report`]: every check with a plain reason, and a verdict that is `valid` only when
//! every check asked for passed.
//!
//! Input that cannot be read as a VC 2.0 credential at all is an [`InputError`], not a report:
//! the CLI exits 2 for it and 1 for a report that says no.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod bundle;
mod compact;
pub mod ed25519_batch;
pub mod presentation;
pub mod receipt;
mod status;

use std::collections::HashMap;
use std::sync::OnceLock;

use ed25519_dalek::Signature;
use scs_core::credential::canonical::{self, PreparedCredential};
use scs_core::credential::{AttainmentCredential, Level, ProfileError};
use scs_core::ids::CorporateNumber;
use scs_core::json::{parse_strict, JsonError};
use scs_core::keys::{DidKey, KeyError};
use scs_core::proof::{self, PreparedProof, ProofError, ProofInfo, ProofPurpose};
use scs_core::report::{Check, CheckName, Message, Report};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{Signer, TrustList};
use scs_core::vcdm::{check_data_model, DataModelError};
use serde_json::Value;
use thiserror::Error;

pub use status::{
    OfflineStatusLists, StatusAnswer, StatusListLoadError, StatusSource, MAX_STATUS_LIST_BYTES,
};

/// Largest credential document accepted, in bytes. A ★ credential is about 2 KiB.
pub const MAX_CREDENTIAL_BYTES: usize = 256 * 1024;

/// Input that is not a credential at all.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputError {
    /// Larger than [`MAX_CREDENTIAL_BYTES`].
    #[error("credential is larger than {MAX_CREDENTIAL_BYTES} bytes")]
    TooLarge,
    /// Not JSON (including nesting deeper than serde_json's limit of 128, and a member name
    /// repeated in one object).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not a VC Data Model 2.0 credential.
    #[error("not a VC 2.0 credential: {0}")]
    DataModel(#[from] DataModelError),
    /// JSON, but not a VC 2.0 presentation this verifier reads.
    #[error("not a VC 2.0 presentation: {0}")]
    Presentation(DataModelError),
    /// Not a well-formed compact (QR) credential.
    #[error("QR code: {0}")]
    Compact(#[from] scs_core::compact::CompactError),
}

/// What the verifier is asked, beyond "is it genuine".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// The instant at which validity is judged.
    pub at: Timestamp,
    /// The verifier's own clock. An issuer's designation that has ended by then stops its
    /// `proof.created` from dating its credentials even when validity is asked about an
    /// earlier `at`: otherwise asking about the past would let a withdrawn issuer backdate.
    pub now: Timestamp,
    /// The ★ the ordering company requires; a higher ★ satisfies a lower ask.
    pub min_level: Option<Level>,
    /// The company the credential must be about.
    pub corporate_number: Option<CorporateNumber>,
}

impl Question {
    /// Only the checks that are always made, at `at`, which is also the verifier's clock.
    pub fn at(at: Timestamp) -> Self {
        Self {
            at,
            now: at,
            min_level: None,
            corporate_number: None,
        }
    }
}

/// A verifier with its trust anchors.
///
/// It remembers the decoded public keys of the trust list's issuers, each decoded the first time
/// a credential names it: decoding a `did:key` (base58 and point decompression) costs about a
/// tenth of a verification, and a verifier sees the same few designated issuers again and again.
/// Keys of signers outside the trust list are decoded afresh every time.
#[derive(Clone)]
pub struct Verifier<'a> {
    status: &'a dyn StatusSource,
    signers: Signers<'a>,
    /// Why there is no trust list when one was wanted but could not be trusted (no operator
    /// key to check it against): the issuer check is then undecided, not failed.
    no_anchor: Option<Message>,
    /// Whether the trust list edition must be in force (its own `validFrom`/`validUntil`) at
    /// the question's time. Off for the registry's own checks, which are replayed from the log
    /// without a clock; the registry checks editions when it accepts them.
    edition_window: bool,
}

impl std::fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "trust_list_sequence",
                &self.signers.trust_list.map(|t| t.sequence),
            )
            .finish_non_exhaustive()
    }
}

/// Parses credential bytes, bounding size and depth and refusing duplicate member names.
pub fn parse_credential(bytes: &[u8]) -> Result<Value, InputError> {
    let value = parse_strict(bytes, MAX_CREDENTIAL_BYTES).map_err(|e| match e {
        JsonError::TooLarge { .. } => InputError::TooLarge,
        other => InputError::NotJson(other.to_string()),
    })?;
    check_data_model(&value)?;
    Ok(value)
}

/// A credential whose signature has been checked: who signed it and, if it could be read, the
/// credential; or why the signature could not be checked or did not verify.
type Signed = Result<(ProofInfo, Result<AttainmentCredential, ProfileError>), ProofError>;

/// A credential read from its bytes and its signature checked by [`Verifier::check_batch`]:
/// the questions are asked of it by [`Verifier::answer`].
#[derive(Debug, Clone)]
pub struct SignatureChecked(Signed);

impl SignatureChecked {
    /// The ★ credential, when its signature verified and it reads as one.
    pub fn credential(&self) -> Option<&AttainmentCredential> {
        match &self.0 {
            Ok((_, Ok(credential))) => Some(credential),
            _ => None,
        }
    }

    /// The key whose signature verified, if one did.
    pub fn signer(&self) -> Option<&DidKey> {
        self.0.as_ref().ok().map(|(info, _)| &info.signer)
    }
}

/// [`Verifier::check_batch`] on the calling thread alone: see [`Verifier::checker`].
#[derive(Clone, Copy)]
pub struct Checker<'a> {
    signers: &'a Signers<'a>,
}

impl std::fmt::Debug for Checker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").finish_non_exhaustive()
    }
}

impl Checker<'_> {
    /// Reads credentials from their bytes and checks their signatures, as
    /// [`Verifier::check_batch`] does, on this thread: in parts of `CHECK_BATCH_SIZE`, one
    /// Ed25519 batch each. One answer per input, in order.
    pub fn check(&self, inputs: &[&[u8]]) -> Vec<Result<SignatureChecked, InputError>> {
        let mut answers = Vec::with_capacity(inputs.len());
        for part in inputs.chunks(CHECK_BATCH_SIZE) {
            answers.extend(self.signers.check_part(part));
        }
        answers
    }
}

/// `check_batch` checks a thread's chunk in parts of this many: one Ed25519 batch each, and
/// the parsed documents of one part at a time in memory. Batch verification gains little per
/// signature past a few thousand.
const CHECK_BATCH_SIZE: usize = 4096;

/// `verify_batch` gives each thread at least this many signatures to check (so a batch of fewer
/// than twice this stays on the calling thread): starting a thread costs about as much as
/// checking two or three signatures.
const MIN_BATCH_PER_THREAD: usize = 16;

impl<'a> Verifier<'a> {
    /// A verifier trusting `trust_list` (if any) and asking `status` about status entries.
    /// Cheap: issuer keys are decoded only when first needed.
    pub fn new(trust_list: Option<&'a TrustList>, status: &'a dyn StatusSource) -> Self {
        Self {
            status,
            signers: Signers {
                trust_list,
                keys: OnceLock::new(),
            },
            no_anchor: None,
            edition_window: false,
        }
    }

    /// The same verifier, for which the trust list edition must be in force at the question's
    /// time: outside its window it cannot establish designation (issuer check undecided).
    pub fn requiring_edition_in_force(self) -> Self {
        Self {
            edition_window: true,
            ..self
        }
    }

    /// A verifier without a trust list because none could be trusted: the issuer check is
    /// undecided for `why` (verdict `unknown`), where a verifier simply given no trust list
    /// fails it.
    pub fn without_trust_anchor(status: &'a dyn StatusSource, why: Message) -> Self {
        Self {
            no_anchor: Some(why),
            ..Self::new(None, status)
        }
    }

    /// The trust list this verifier trusts, if any.
    pub(crate) fn trust_list(&self) -> Option<&'a TrustList> {
        self.signers.trust_list
    }

    /// Verifies credential bytes.
    pub fn verify_bytes(&self, bytes: &[u8], question: &Question) -> Result<Report, InputError> {
        Ok(self.verify(parse_credential(bytes)?, question))
    }

    /// Verifies one parsed credential (already through [`parse_credential`] or
    /// [`check_data_model`]).
    pub fn verify(&self, credential: Value, question: &Question) -> Report {
        let signed = proof::prepare_with(credential, ProofPurpose::AssertionMethod, |method| {
            self.signers.key(method)
        })
        .and_then(|prepared| {
            prepared.verify()?;
            Ok(read(prepared))
        });
        self.report(&signed, question)
    }

    /// Verifies many credentials, checking their signatures with Ed25519 batch verification.
    /// Reports come back in input order and are the same as [`Verifier::verify`] would give,
    /// with one documented exception: batch verification does not refuse a small-order `R`
    /// the way `verify_strict` does. Only the key holder can make such a signature, so it
    /// never lets a forgery through.
    ///
    /// The Ed25519 checks of a large batch are split into one chunk per available core, each
    /// batch-verified on its own thread; everything else (preparing the proofs, reading the
    /// credentials, status look-ups, the reports) is done on the calling thread.
    pub fn verify_batch(&self, credentials: Vec<Value>, question: &Question) -> Vec<Report> {
        self.check_signatures(credentials, available_threads())
            .into_iter()
            .map(|signed| self.report(&signed, question))
            .collect()
    }

    /// The signature part of [`Verifier::verify_batch`], in input order: proofs are prepared
    /// (and credentials read) on the calling thread, and the Ed25519 checks are spread over up to
    /// `threads` threads.
    fn check_signatures(&self, credentials: Vec<Value>, threads: usize) -> Vec<Signed> {
        let pending = self.signers.prepare_all(credentials);
        let ready: Vec<&Pending> = pending.iter().filter_map(|p| p.as_ref().ok()).collect();
        let mut checked = verify_signatures(&ready, threads).into_iter();
        pending
            .into_iter()
            .map(|p| signed(p, &mut checked))
            .collect()
    }

    /// Reads credentials from their bytes and checks their signatures, every step — parsing,
    /// preparing the proofs, Ed25519 batch verification, reading the ★ credentials (straight
    /// from the bytes when they are canonical, [`canonical::prepare`]) — spread
    /// over the available cores, one chunk of `inputs` per core (at least
    /// `MIN_BATCH_PER_THREAD` each), each chunk taken in parts of `CHECK_BATCH_SIZE` (one
    /// Ed25519 batch each, and only that part's parsed documents in memory at once). For a
    /// list of many thousand credentials, where the work around the signatures (parsing,
    /// canonicalization, hashing) is as large as the signatures' own. One answer per input, in
    /// order; [`Verifier::answer`] then asks the question of each, giving the report
    /// [`Verifier::verify_bytes`] gives — with the exception [`Verifier::verify_batch`] states.
    pub fn check_batch(&self, inputs: &[&[u8]]) -> Vec<Result<SignatureChecked, InputError>> {
        let checker = self.checker();
        in_chunks(inputs, available_threads(), |chunk| checker.check(chunk))
    }

    /// [`Verifier::check_batch`]'s work without its threads, for a caller that spreads blocks of
    /// credentials over threads of its own (a `Checker` can be shared between threads; a
    /// `Verifier` need not be, since its status source need not).
    pub fn checker(&self) -> Checker<'_> {
        Checker {
            signers: &self.signers,
        }
    }

    /// The report for a credential checked by [`Verifier::check_batch`], for `question`.
    pub fn answer(&self, checked: &SignatureChecked, question: &Question) -> Report {
        self.report(&checked.0, question)
    }

    /// [`Verifier::answer`] for each of [`Verifier::check_batch`]'s answers (an input error stays
    /// one), in order: spread over the cores as `check_batch` is when the status source may be
    /// asked from several threads ([`StatusSource::shared`]; offline status lists may), else on
    /// the calling thread.
    pub fn answer_all(
        &self,
        checked: &[Result<SignatureChecked, InputError>],
        question: &Question,
    ) -> Vec<Result<Report, InputError>> {
        self.answer_in_chunks(checked, question, available_threads())
    }

    /// [`Verifier::answer_all`] over up to `threads` threads.
    fn answer_in_chunks(
        &self,
        checked: &[Result<SignatureChecked, InputError>],
        question: &Question,
        threads: usize,
    ) -> Vec<Result<Report, InputError>> {
        self.on_cores(checked, threads, |verifier, chunk| {
            chunk
                .iter()
                .map(|c| Ok(verifier.answer(c.as_ref().map_err(Clone::clone)?, question)))
                .collect()
        })
    }

    /// [`Verifier::answer`] for each credential with its own question, in order: spread over
    /// the cores as [`Verifier::answer_all`] is. For a supplier list, where each row asks about
    /// its own company and ★.
    pub fn answer_each(&self, asks: &[(&SignatureChecked, Question)]) -> Vec<Report> {
        self.answer_each_in_chunks(asks, available_threads())
    }

    /// [`Verifier::answer_each`] over up to `threads` threads.
    fn answer_each_in_chunks(
        &self,
        asks: &[(&SignatureChecked, Question)],
        threads: usize,
    ) -> Vec<Report> {
        self.on_cores(asks, threads, |verifier, chunk| {
            chunk
                .iter()
                .map(|(checked, question)| verifier.answer(checked, question))
                .collect()
        })
    }

    /// `work` on `items` in up to `threads` chunks, each on its own thread with a copy of this
    /// verifier, when the status source may be asked from several threads
    /// ([`StatusSource::shared`]); else all of it on the calling thread.
    fn on_cores<T: Sync, R: Send>(
        &self,
        items: &[T],
        threads: usize,
        work: impl Fn(&Verifier<'_>, &[T]) -> Vec<R> + Sync,
    ) -> Vec<R> {
        let Some(status) = self.status.shared() else {
            return work(self, items);
        };
        let (signers, no_anchor, edition_window) =
            (&self.signers, &self.no_anchor, self.edition_window);
        in_chunks(items, threads, |chunk| {
            let verifier = Verifier {
                status,
                signers: signers.clone(),
                no_anchor: no_anchor.clone(),
                edition_window,
            };
            work(&verifier, chunk)
        })
    }

    fn report(&self, signed: &Signed, question: &Question) -> Report {
        match signed {
            Err(error) => Report::new(
                vec![Check::fail(CheckName::Signature, signature_failure(error))],
                None,
            ),
            Ok((info, Ok(credential))) => self.verify_signed_claims(credential, info, question),
            Ok((info, Err(error))) => Report::new(
                vec![
                    signature_pass(info),
                    Check::fail(
                        CheckName::Issuer,
                        Message::new(
                            format!("★取得証明書として読めません（{error}）"),
                            error.to_string(),
                        ),
                    ),
                ],
                None,
            ),
        }
    }

    /// The checks after the signature, for a credential whose signature the caller has already
    /// verified — from its JSON proof here, or from the COSE signature of its QR form — so both
    /// forms reach the same verdict with the same facts.
    pub fn verify_signed_claims(
        &self,
        credential: &AttainmentCredential,
        info: &ProofInfo,
        question: &Question,
    ) -> Report {
        let mut checks = Vec::with_capacity(6);
        checks.push(signature_pass(info));
        checks.push(self.issuer_check(credential, info, question));
        checks.push(self.validity_check(credential, question.at));
        checks.push(self.status_check(credential, question.at));
        if let Some(wanted) = question.corporate_number {
            checks.push(subject_check(credential, wanted));
        }
        if let Some(min) = question.min_level {
            checks.push(level_check(credential, min));
        }
        Report::new(checks, Some(credential.facts()))
    }

    /// Designation is judged at signing time; when asked, by an edition of the trust list in
    /// force at `at` only: an expired edition may still list an issuer withdrawn since.
    fn issuer_check(
        &self,
        credential: &AttainmentCredential,
        info: &ProofInfo,
        question: &Question,
    ) -> Check {
        let at = question.at;
        let fail = |m| Check::fail(CheckName::Issuer, m);
        if let Some(why) = &self.no_anchor {
            return Check::undecided(CheckName::Issuer, why.clone());
        }
        let Some(trust_list) = self.signers.trust_list else {
            return fail(Message::new(
                "指定機関一覧（trust list）がないため、発行者が指定機関か確認できません",
                "no trust list given, so the issuer cannot be confirmed as designated",
            ));
        };
        if self.edition_window {
            if let Err(why) = trust_list.in_force.check(at) {
                return Check::undecided(CheckName::Issuer, why.message());
            }
        }
        if !info.signer.is_did(&credential.issuer.id) {
            return fail(Message::new(
                "credential の issuer と署名者が一致しません",
                "the credential's issuer is not the key that signed it",
            ));
        }
        let level = credential.credential_subject.achievement.level;
        let signer = match trust_list.authorise(&info.signer, level, info.created) {
            Ok(signer) => signer,
            Err(why) => return fail(why.message()),
        };
        let method = credential.credential_subject.achievement.assessment_method;
        match trust_list.policy.rule(level) {
            None => fail(Message::new(
                format!("制度の方針では★{level}はまだ発行できません"),
                format!("the scheme's policy does not yet allow ★{level} credentials"),
            )),
            Some(rule) if rule.assessment_method != method => fail(Message::new(
                format!(
                    "★{level}には{}が必要です（証明書は{}）",
                    rule.assessment_method.ja(),
                    method.ja()
                ),
                format!(
                    "★{level} requires {}, the credential says {method}",
                    rule.assessment_method
                ),
            )),
            Some(_) => {
                let issuer = signer.issuer;
                let designated = Message::new(
                    format!("{}（★{level}の指定機関、署名時点で指定中）", issuer.name),
                    format!(
                        "{} (designated for ★{level}, active when it signed)",
                        issuer.name_for(true)
                    ),
                );
                self.signing_time_check(credential, signer, designated, at.max(question.now))
            }
        }
    }

    /// Once a key is declared compromised, or its issuer's designation suspended, withdrawn
    /// or ended, its `proof.created` shows nothing: it (or whoever holds the key) can backdate.
    /// Then only the ledger shows that the credential is older — its registration, logged
    /// before that time. Without that evidence the check is undecided; with evidence of a later
    /// registration it fails.
    fn signing_time_check(
        &self,
        credential: &AttainmentCredential,
        signer: Signer<'_>,
        designated: Message,
        ended_by: Timestamp,
    ) -> Check {
        let Some((cutoff, why)) = signer.own_word_ends(ended_by) else {
            return Check::pass(CheckName::Issuer, designated);
        };
        let Message { ja, en } = why.what_ended();
        match self.status.registered_by(credential) {
            Some(logged) if logged < cutoff => Check::pass(
                CheckName::Issuer,
                Message::new(
                    format!("{}。台帳への登録（{logged}まで）が{ja}（{cutoff}）より前です", designated.ja),
                    format!("{}; registered in the ledger (by {logged}) before {en} ({cutoff})", designated.en),
                ),
            ),
            Some(logged) => Check::fail(
                CheckName::Issuer,
                Message::new(
                    format!("台帳への登録（{logged}まで）が{ja}（{cutoff}）より前と確認できないため、署名日時を信頼できません"),
                    format!("its registration in the ledger (by {logged}) is not before {en} ({cutoff}), so its signing time cannot be trusted"),
                ),
            ),
            None => Check::undecided(
                CheckName::Issuer,
                Message::new(
                    format!("{ja}（{cutoff}）より前に署名されたことは、台帳への登録でしか確認できません。登録受領証（--receipt）を指定するか、登録機関（--registry）で確認してください"),
                    format!("that it was signed before {en} ({cutoff}) can only be shown by its registration in the ledger: give its registration receipt (--receipt) or check with the registry (--registry)"),
                ),
            ),
        }
    }

    fn validity_check(&self, credential: &AttainmentCredential, at: Timestamp) -> Check {
        let (from, until) = (credential.valid_from, credential.valid_until);
        let level = credential.credential_subject.achievement.level;
        if let Some(rule) = self.signers.trust_list.and_then(|t| t.policy.rule(level)) {
            let days = from.days_until(&until);
            if days > i64::from(rule.max_validity_days) {
                return Check::fail(
                    CheckName::Validity,
                    Message::new(
                        format!(
                            "有効期間が{days}日あり、★{level}の上限{}日を超えています",
                            rule.max_validity_days
                        ),
                        format!(
                            "valid for {days} days, longer than the {} days allowed for ★{level}",
                            rule.max_validity_days
                        ),
                    ),
                );
            }
        }
        if at < from {
            Check::fail(
                CheckName::Validity,
                Message::new(
                    format!("有効期間前です（{from}から有効）"),
                    format!("not yet valid (valid from {from})"),
                ),
            )
        } else if at > until {
            Check::fail(
                CheckName::Validity,
                Message::new(
                    format!("期限切れです（{until}まで有効でした）"),
                    format!("expired (was valid until {until})"),
                ),
            )
        } else {
            Check::pass(
                CheckName::Validity,
                Message::new(
                    format!("{from} 〜 {until}（{at}時点で有効）"),
                    format!("{from} to {until} (valid at {at})"),
                ),
            )
        }
    }

    fn status_check(&self, credential: &AttainmentCredential, at: Timestamp) -> Check {
        if credential.credential_status.is_empty() {
            return Check::pass(
                CheckName::Status,
                Message::new(
                    "失効リストの登録はありません（オフライン発行）",
                    "no status entries (issued offline, not registered)",
                ),
            );
        }
        let mut undecided = None;
        for entry in &credential.credential_status {
            match self.status.lookup(entry, self.signers.trust_list, at) {
                StatusAnswer::Clear => {}
                StatusAnswer::Set { reason } => {
                    let (ja, en) = match entry.purpose {
                        scs_core::credential::StatusPurpose::Revocation => ("取消", "revoked"),
                        scs_core::credential::StatusPurpose::Suspension => {
                            ("一時停止", "suspended")
                        }
                    };
                    let why = reason
                        .map(|r| {
                            (
                                format!("（理由: {}）", r.ja),
                                format!(" (reason: {})", r.en),
                            )
                        })
                        .unwrap_or_default();
                    return Check::fail(
                        CheckName::Status,
                        Message::new(
                            format!("{ja}されています{}", why.0),
                            format!("{en}{}", why.1),
                        ),
                    );
                }
                StatusAnswer::Invalid(why) => return Check::fail(CheckName::Status, why),
                StatusAnswer::Unavailable(why) => undecided = Some(why),
            }
        }
        match undecided {
            Some(why) => Check::undecided(CheckName::Status, why),
            None => Check::pass(
                CheckName::Status,
                Message::new("取消・一時停止はありません", "not revoked, not suspended"),
            ),
        }
    }
}

/// The trust list and its issuers' keys, each decoded on first use. `OnceLock` rather than a
/// `RefCell`, so that this part of a [`Verifier`] stays `Sync`.
#[derive(Clone)]
struct Signers<'a> {
    trust_list: Option<&'a TrustList>,
    /// One slot per issuer key (each issuer's `key_uses`, issuer after issuer); `None` in a
    /// slot means that key is not a usable did:key.
    keys: OnceLock<Box<[OnceLock<Option<DidKey>>]>>,
}

impl Signers<'_> {
    /// [`Verifier::check_batch`] on one part of a thread's chunk, on this thread: read,
    /// prepared, batch-verified.
    fn check_part(&self, part: &[&[u8]]) -> Vec<Result<SignatureChecked, InputError>> {
        let mut unlisted = HashMap::new();
        let pending: Vec<_> = part
            .iter()
            .map(|bytes| self.prepare_bytes(bytes, &mut unlisted))
            .collect();
        let ready: Vec<&Pending> = pending
            .iter()
            .filter_map(|p| p.as_ref().ok()?.as_ref().ok())
            .collect();
        let mut checked = verify_chunk(&ready).into_iter();
        pending
            .into_iter()
            .map(|p| p.map(|p| SignatureChecked(signed(p, &mut checked))))
            .collect()
    }

    /// One credential from its bytes, ready for its signature check: read straight from the
    /// bytes when they are canonical, else the general way (strict parse, data model, proof,
    /// profile), which gives the same answer and every error.
    fn prepare_bytes(
        &self,
        bytes: &[u8],
        unlisted: &mut HashMap<String, DidKey>,
    ) -> Result<Result<Pending, ProofError>, InputError> {
        if let Some(prepared) = canonical::prepare(bytes, MAX_CREDENTIAL_BYTES, |method| {
            self.key_caching(method, unlisted)
        }) {
            return Ok(Ok(prepared.into()));
        }
        let document = parse_credential(bytes)?;
        Ok(
            proof::prepare_with(document, ProofPurpose::AssertionMethod, |method| {
                self.key_caching(method, unlisted)
            })
            .map(Pending::read),
        )
    }

    /// Prepares the proofs of `credentials` and reads them, in order. Keys outside the trust
    /// list are not cached across calls, but within one call each is decoded once.
    fn prepare_all(&self, credentials: Vec<Value>) -> Vec<Result<Pending, ProofError>> {
        let mut unlisted = HashMap::new();
        credentials
            .into_iter()
            .map(|c| {
                proof::prepare_with(c, ProofPurpose::AssertionMethod, |method| {
                    self.key_caching(method, &mut unlisted)
                })
                .map(Pending::read)
            })
            .collect()
    }

    /// [`Signers::key`], remembering the keys outside the trust list in `unlisted`.
    fn key_caching(
        &self,
        method: &str,
        unlisted: &mut HashMap<String, DidKey>,
    ) -> Result<DidKey, KeyError> {
        if let Some(key) = self.listed(method).or_else(|| unlisted.get(method)) {
            return Ok(key.clone());
        }
        let key = DidKey::from_verification_method(method)?;
        unlisted.insert(method.to_owned(), key.clone());
        Ok(key)
    }

    /// The key named by a verification method `did:key:X#X`: the same answer as
    /// [`DidKey::from_verification_method`], from the cache when `did:key:X` is a trust list
    /// issuer.
    fn key(&self, method: &str) -> Result<DidKey, KeyError> {
        if let Some(key) = self.listed(method) {
            return Ok(key.clone());
        }
        DidKey::from_verification_method(method)
    }

    fn listed(&self, method: &str) -> Option<&DidKey> {
        let trust_list = self.trust_list?;
        let (did, fragment) = method.split_once('#')?;
        let listed_keys = || trust_list.issuers.iter().flat_map(|i| i.key_uses());
        let index = listed_keys().position(|k| k.id == did)?;
        let keys = self
            .keys
            .get_or_init(|| listed_keys().map(|_| OnceLock::new()).collect());
        let key = keys
            .get(index)?
            .get_or_init(|| DidKey::parse(did).ok())
            .as_ref()?;
        // `from_verification_method` refuses a fragment naming another key; leave that case
        // (and its error) to it.
        (key.multikey() == fragment).then_some(key)
    }
}

/// A credential ready for its Ed25519 check: what its proof says, the signed bytes and the
/// signature, and the ★ credential read from it (kept only if the signature verifies).
struct Pending {
    info: ProofInfo,
    message: [u8; 64],
    signature: Signature,
    credential: Result<AttainmentCredential, ProfileError>,
}

impl Pending {
    /// A proof prepared the general way, its document read as a ★ credential.
    fn read(prepared: PreparedProof) -> Self {
        Self {
            credential: AttainmentCredential::from_value(prepared.unsecured),
            info: prepared.info,
            message: prepared.message,
            signature: prepared.signature,
        }
    }

    /// Checks the Ed25519 signature on its own, as [`PreparedProof::verify`] does.
    fn verify(&self) -> Result<(), ProofError> {
        self.info
            .signer
            .public_key()
            .verify(&self.message, &self.signature)
            .map_err(|_| ProofError::BadSignature)
    }
}

impl From<PreparedCredential> for Pending {
    fn from(prepared: PreparedCredential) -> Self {
        Self {
            credential: Ok(prepared.credential),
            info: prepared.info,
            message: prepared.message,
            signature: prepared.signature,
        }
    }
}

/// The answer for `pending`, given `checked`: one signature answer for each pending credential
/// that is `Ok`, in order.
fn signed(
    pending: Result<Pending, ProofError>,
    checked: &mut impl Iterator<Item = Result<(), ProofError>>,
) -> Signed {
    let pending = pending?;
    // One answer per ready credential, in order: never missing.
    checked.next().unwrap_or(Err(ProofError::BadSignature))?;
    Ok((pending.info, pending.credential))
}

/// Checks the signatures of `proofs`, one answer per proof and in order, with Ed25519 batch
/// verification over up to `threads` chunks, each on its own thread (the calling thread takes the
/// first). The threads only do arithmetic on the prepared proofs: everything that allocates much
/// (parsing, canonicalization, reading, reports) stays on the calling thread, so the threads do
/// not contend for the allocator.
fn verify_signatures(proofs: &[&Pending], threads: usize) -> Vec<Result<(), ProofError>> {
    in_chunks(proofs, threads, verify_chunk)
}

/// `work` on `items` cut into up to `threads` chunks of at least `MIN_BATCH_PER_THREAD`, each
/// on its own thread (the calling thread takes the first); the answers in order.
fn in_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len() / MIN_BATCH_PER_THREAD).max(1);
    if threads == 1 {
        return work(items);
    }
    let mut chunks = items.chunks(items.len().div_ceil(threads));
    let first = chunks.next().unwrap_or_default();
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || work(chunk)))
            .collect();
        let mut answers = Vec::with_capacity(items.len());
        answers.extend(work(first));
        for thread in others {
            answers.extend(
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        answers
    })
}

/// One batch verification of `proofs` ([`ed25519_batch::verify`]: the terms of one issuer's key
/// added up). Batch verification says only "all good" or "something is bad"; in the second case
/// each proof is checked on its own so that every report names the right culprit.
fn verify_chunk(proofs: &[&Pending]) -> Vec<Result<(), ProofError>> {
    let messages: Vec<&[u8]> = proofs.iter().map(|p| p.message.as_slice()).collect();
    let signatures: Vec<_> = proofs.iter().map(|p| p.signature).collect();
    let keys: Vec<_> = proofs
        .iter()
        .map(|p| p.info.signer.public_key().as_dalek().to_bytes())
        .collect();
    if proofs.is_empty() || ed25519_batch::verify(&messages, &signatures, &keys).is_ok() {
        vec![Ok(()); proofs.len()]
    } else {
        proofs.iter().map(|p| p.verify()).collect()
    }
}

/// Reads the ★ credential out of a document whose signature has been checked.
fn read(prepared: PreparedProof) -> (ProofInfo, Result<AttainmentCredential, ProfileError>) {
    let credential = AttainmentCredential::from_value(prepared.unsecured);
    (prepared.info, credential)
}

/// Threads `verify_batch` may use: the available cores, asked once per process (the answer
/// takes a few system calls on Linux, where it reads cgroup limits).
fn available_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn signature_pass(info: &ProofInfo) -> Check {
    Check::pass(
        CheckName::Signature,
        Message::new(
            format!("署名は正しく、改ざんはありません（署名者 {}）", info.signer),
            format!(
                "signature verified; the document is unaltered (signed by {})",
                info.signer
            ),
        ),
    )
}

fn signature_failure(error: &ProofError) -> Message {
    match error {
        ProofError::BadSignature => Message::new(
            "署名が一致しません：内容が改ざんされたか、別の鍵で署名されています",
            "signature does not match: the content was altered or signed by another key",
        ),
        other => Message::new(
            format!("署名を検証できません: {other}"),
            format!("cannot verify the signature: {other}"),
        ),
    }
}

fn subject_check(credential: &AttainmentCredential, wanted: CorporateNumber) -> Check {
    match credential.credential_subject.corporate_number {
        Some(found) if found == wanted => Check::pass(
            CheckName::Subject,
            Message::new(
                format!("法人番号 {wanted} の企業の証明書です"),
                format!("issued to corporate number {wanted}"),
            ),
        ),
        Some(found) => Check::fail(
            CheckName::Subject,
            Message::new(
                format!("別の企業の証明書です（法人番号 {found}、確認したいのは {wanted}）"),
                format!("issued to another company (corporate number {found}, not {wanted})"),
            ),
        ),
        None => Check::fail(
            CheckName::Subject,
            Message::new(
                format!("法人番号がない証明書です（確認したいのは {wanted}）"),
                format!("the credential names no corporate number (asked for {wanted})"),
            ),
        ),
    }
}

fn level_check(credential: &AttainmentCredential, min: Level) -> Check {
    let level = credential.credential_subject.achievement.level;
    if level >= min {
        Check::pass(
            CheckName::Level,
            Message::new(
                format!("★{level}（求める★{min}以上）"),
                format!("★{level} (at least ★{min} asked)"),
            ),
        )
    } else {
        Check::fail(
            CheckName::Level,
            Message::new(
                format!("★{level}で、求める★{min}に足りません"),
                format!("★{level} is below the ★{min} asked for"),
            ),
        )
    }
}

#[cfg(test)]
mod tests;
