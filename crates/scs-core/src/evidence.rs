//! Verification evidence (検証結果の証跡): the registry's signed statement that it checked a
//! credential or a supplier list at a time of its own clock, against a checkpoint of its log,
//! under an edition of the trust list, with these results — for an ordering company to show an
//! auditor.
//!
//! The format is a VC 2.0 document with an `eddsa-jcs-2022` proof (the scheme's native format,
//! [`crate::proof`]) by the registry's **status key**, the key that already signs its status
//! lists (docs/DECISIONS.md, "Verification evidence"):
//!
//! ```text
//! { "@context": [VC 2.0], "type": ["VerifiableCredential", "VerificationEvidence"],
//!   "issuer": did:key of the status key, "validFrom": checkedAt, "name": …,
//!   "credentialSubject": { "checkedAt", "checkpoint": {treeSize, rootHash, signedNote},
//!                          "trustList": {logIndex, entry: the operator-signed edition as
//!                                        logged, inclusionProof: in the checkpoint's tree},
//!                          "checked": {"type": "CredentialVerification" | "SupplierListCheck", …} },
//!   "proof": { … } }
//! ```
//!
//! It is self-contained: [`check`] needs only the operator key (the one pin), from which it
//! trusts the embedded trust list, and from that the status key (the evidence's signer) and the
//! log key (the checkpoint's signer). No key is ever taken from the evidence itself. The
//! enclosed edition is proven to be in the log at the checkpoint, so the evidence names an
//! edition the registry published. Not to be
//! confused with a registration *receipt* (`scs_verifier::receipt`), which proves a credential is
//! in the log.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::context::VC_V2;
use crate::json::parse_strict;
use crate::keys::{DidKey, SecretKey};
use crate::proof::{self, ProofError, ProofPurpose};
use crate::report::{Message, Report};
use crate::timestamp::Timestamp;
use crate::tlog::{leaf_hash, verify_inclusion, Checkpoint, Hash, NoteVerifier};
use crate::trust_list::TrustList;

/// The `type` that marks a verification evidence document.
pub const EVIDENCE_TYPE: &str = "VerificationEvidence";

/// The largest evidence file read: a 10,000-row supplier list's results with the trust list.
pub const MAX_EVIDENCE_BYTES: usize = 32 * 1024 * 1024;

/// What the registry signs (the `credentialSubject`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evidence {
    /// When the check ran, by the registry's clock (never a time the requester chose).
    pub checked_at: Timestamp,
    /// The log's signed checkpoint when the check ran.
    pub checkpoint: CheckpointRef,
    /// The trust list edition in force when the check ran.
    pub trust_list: TrustListRef,
    /// What was checked, and the results.
    pub checked: Checked,
}

/// A checkpoint, as signed by the log key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckpointRef {
    /// Its tree size.
    pub tree_size: u64,
    /// Its root hash, base64 (as in the checkpoint).
    pub root_hash: String,
    /// The whole signed note, as `GET /v1/log/checkpoint` serves it.
    pub signed_note: String,
}

/// A trust list edition, as the operator signed it and the log holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustListRef {
    /// Where the edition is in the log.
    pub log_index: u64,
    /// The log entry: the operator-signed trust list credential, byte for byte as logged.
    pub entry: String,
    /// Its inclusion proof (base64 hashes) in the tree of the evidence's checkpoint.
    pub inclusion_proof: Vec<String>,
}

/// What was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Checked {
    /// One credential (`POST /v1/verify`, the verify page).
    #[serde(rename = "CredentialVerification")]
    Credential {
        /// The credential document, when one was given (or looked up by its page's URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<Value>,
        /// The QR text, when that was given.
        #[serde(default, rename = "qrText", skip_serializing_if = "Option::is_none")]
        qr_text: Option<String>,
        /// The question asked.
        question: QuestionAsked,
        /// The verification report (SPEC §8).
        report: Box<Report>,
    },
    /// A supplier list (the `/bulk` page).
    #[serde(rename = "SupplierListCheck")]
    SupplierList {
        /// SHA-256 (hex) of the list as submitted, so that the file can be matched.
        #[serde(rename = "listSha256")]
        list_sha256: String,
        /// The results exactly as `scs_suppliers::to_json` writes them.
        results: Value,
    },
}

/// The question a credential was verified with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestionAsked {
    /// The time validity and status were judged at.
    pub at: Timestamp,
    /// The ★ asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<u8>,
    /// The 法人番号 asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<String>,
}

/// Evidence whose signatures all check.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// What it says.
    pub evidence: Evidence,
    /// Its [`fingerprint`].
    pub fingerprint: String,
    /// The status key that signed it.
    pub signer: DidKey,
    /// The trust list it was checked with.
    pub trust_list: TrustList,
    /// The checkpoint, its signature checked.
    pub checkpoint: Checkpoint,
}

/// Why evidence is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// Not a verification evidence document at all (exit 2).
    #[error("not verification evidence: {0}")]
    Unreadable(String),
    /// A verification evidence document that does not hold (exit 1).
    #[error("{}", .0.en)]
    Invalid(Message),
}

fn invalid(ja: impl Into<String>, en: impl Into<String>) -> EvidenceError {
    EvidenceError::Invalid(Message::new(ja, en))
}

/// The unsigned document for `evidence`, issued by the status key.
pub fn unsigned(evidence: &Evidence, status_key: &DidKey) -> Value {
    json!({
        "@context": [VC_V2],
        "type": ["VerifiableCredential", EVIDENCE_TYPE],
        "issuer": status_key.to_string(),
        "validFrom": evidence.checked_at,
        "name": "検証結果の証跡 / Verification evidence",
        "credentialSubject": evidence,
    })
}

/// Signs `evidence` with the registry's status key, dated when the check ran.
pub fn sign(evidence: &Evidence, status_key: &SecretKey) -> Result<Value, ProofError> {
    proof::sign(
        unsigned(evidence, &status_key.public().did_key()),
        status_key,
        evidence.checked_at,
        ProofPurpose::AssertionMethod,
        Map::new(),
    )
}

/// SHA-256 (hex) of a supplier list's bytes, as [`Checked::SupplierList`] names the list.
pub fn list_sha256(list: &[u8]) -> String {
    hex(&Sha256::digest(list))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (hex) of the document's JCS form: the same for the file however it is re-indented,
/// printed on the A4 page and by `scs verify-receipt` so that paper and file can be matched.
pub fn fingerprint(document: &Value) -> String {
    hex(&Sha256::digest(crate::jcs::canonicalize(document)))
}

/// [`check`] of a file's bytes (strict JSON, at most [`MAX_EVIDENCE_BYTES`]).
pub fn check_bytes(
    bytes: &[u8],
    operator: &DidKey,
    trust_list: Option<&TrustList>,
) -> Result<Verified, EvidenceError> {
    let document = parse_strict(bytes, MAX_EVIDENCE_BYTES)
        .map_err(|e| EvidenceError::Unreadable(e.to_string()))?;
    check(document, operator, trust_list)
}

/// Checks evidence against the pinned operator key: the trust list (the one given, else the
/// embedded edition, which must be signed by `operator`), the evidence's signature by that
/// list's status key, and the checkpoint's signature by its log key.
pub fn check(
    document: Value,
    operator: &DidKey,
    trust_list: Option<&TrustList>,
) -> Result<Verified, EvidenceError> {
    let is_evidence = document["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == EVIDENCE_TYPE));
    if !is_evidence {
        return Err(EvidenceError::Unreadable(format!(
            "its type does not include {EVIDENCE_TYPE}"
        )));
    }
    let trust = match trust_list {
        Some(given) => given.clone(),
        None => embedded_trust_list(&document, operator)?,
    };
    let status_key = trust.status_key().map_err(|e| {
        invalid(
            format!("指定機関一覧の状態鍵が読めません（{e}）"),
            format!("the trust list's status key is unreadable ({e})"),
        )
    })?;
    let fingerprint = fingerprint(&document);
    let prepared = proof::prepare(document, ProofPurpose::AssertionMethod).map_err(|e| {
        invalid(
            format!("署名を確認できません（{e}）"),
            format!("the signature cannot be checked ({e})"),
        )
    })?;
    if prepared.info.signer != status_key {
        return Err(invalid(
            format!(
                "指定機関一覧が登録機関の状態鍵とする鍵の署名ではありません（署名: {}）",
                prepared.info.signer
            ),
            format!(
                "not signed by the registry status key the trust list names (signed by {})",
                prepared.info.signer
            ),
        ));
    }
    prepared.verify().map_err(|_| {
        invalid(
            "署名が内容と一致しません（内容が変更されています）",
            "the signature does not match the content (it was altered)",
        )
    })?;
    let unsecured = prepared.unsecured;
    if unsecured["issuer"] != status_key.to_string().as_str() {
        return Err(invalid(
            "issuer が署名した鍵ではありません",
            "the issuer is not the key that signed",
        ));
    }
    let evidence = Evidence::deserialize(&unsecured["credentialSubject"])
        .map_err(|e| EvidenceError::Unreadable(e.to_string()))?;
    let checkpoint = check_checkpoint(&evidence.checkpoint, &trust)?;
    check_edition_logged(&evidence.trust_list, &checkpoint)?;
    Ok(Verified {
        evidence,
        fingerprint,
        signer: status_key,
        trust_list: trust,
        checkpoint,
    })
}

/// The trust list inside the evidence, which must be signed by the operator.
fn embedded_trust_list(document: &Value, operator: &DidKey) -> Result<TrustList, EvidenceError> {
    let entry = document["credentialSubject"]["trustList"]["entry"]
        .as_str()
        .unwrap_or_default();
    TrustList::from_signed_bytes(entry.as_bytes(), operator).map_err(|e| {
        invalid(
            format!("同封の指定機関一覧が運営主体の鍵で確認できません（{e}）"),
            format!("the enclosed trust list does not check against the operator key ({e})"),
        )
    })
}

/// The checkpoint, signed by the trust list's log key, with the size and root the evidence
/// states.
fn check_checkpoint(
    stated: &CheckpointRef,
    trust: &TrustList,
) -> Result<Checkpoint, EvidenceError> {
    let log_key = trust.log_key().map_err(|e| {
        invalid(
            format!("指定機関一覧の台帳鍵が読めません（{e}）"),
            format!("the trust list's log key is unreadable ({e})"),
        )
    })?;
    // The note's key name is its origin (first line); the key itself is the pinned one.
    let origin = stated.signed_note.lines().next().unwrap_or_default();
    let body = NoteVerifier::new(origin, *log_key.public_key())
        .and_then(|v| v.verify(stated.signed_note.as_bytes()).map(str::to_owned))
        .map_err(|e| {
            invalid(
                format!("チェックポイントの署名が台帳鍵と一致しません（{e}）"),
                format!("the checkpoint is not signed by the registry's log key ({e})"),
            )
        })?;
    let checkpoint = Checkpoint::parse(&body).map_err(|e| {
        invalid(
            format!("チェックポイントが読めません（{e}）"),
            format!("unreadable checkpoint ({e})"),
        )
    })?;
    let root = Hash::from_base64(&stated.root_hash).ok();
    if checkpoint.size() != stated.tree_size || root.as_ref() != Some(checkpoint.root()) {
        return Err(invalid(
            "記載の木のサイズ・ルートがチェックポイントと異なります",
            "the stated tree size or root is not the checkpoint's",
        ));
    }
    Ok(checkpoint)
}

/// The enclosed edition's entry is in the checkpoint's tree at its log index.
fn check_edition_logged(
    edition: &TrustListRef,
    checkpoint: &Checkpoint,
) -> Result<(), EvidenceError> {
    let not_logged = || {
        invalid(
            "同封の指定機関一覧がチェックポイントの台帳に含まれていません",
            "the enclosed trust list edition is not in the log at the checkpoint",
        )
    };
    let proof = edition
        .inclusion_proof
        .iter()
        .map(|h| Hash::from_base64(h).ok())
        .collect::<Option<Vec<Hash>>>()
        .ok_or_else(not_logged)?;
    verify_inclusion(
        &leaf_hash(edition.entry.as_bytes()),
        edition.log_index,
        checkpoint.size(),
        &proof,
        checkpoint.root(),
    )
    .map_err(|_| not_logged())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Check, CheckName};
    use crate::tlog::{sign_note, tree_hash};
    use crate::trust_list::RegistryInfo;

    struct Keys {
        operator: SecretKey,
        status: SecretKey,
        log: SecretKey,
    }

    fn keys(seed: u8) -> Keys {
        Keys {
            operator: SecretKey::from_seed(&[seed; 32]),
            status: SecretKey::from_seed(&[seed + 1; 32]),
            log: SecretKey::from_seed(&[seed + 2; 32]),
        }
    }

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn signed_trust_list(k: &Keys) -> Value {
        let list = TrustList::first_edition(RegistryInfo {
            base_url: "https://registry.example".into(),
            status_key: k.status.public().did_key().to_string(),
            log_key: k.log.public().did_key().to_string(),
        })
        .unwrap();
        let operator = k.operator.public().did_key();
        proof::sign(
            list.to_credential(&operator, t("2029-01-01T00:00:00Z")),
            &k.operator,
            t("2029-01-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Map::new(),
        )
        .unwrap()
    }

    /// Evidence of a two-entry log: the trust list edition, then another entry.
    fn evidence(k: &Keys) -> Evidence {
        let entry = signed_trust_list(k).to_string();
        let other = leaf_hash(b"another entry");
        let root = tree_hash(&[leaf_hash(entry.as_bytes()), other]);
        let body = Checkpoint::new("registry.example/v1/log", 2, root)
            .unwrap()
            .body();
        Evidence {
            checked_at: t("2029-03-31T00:00:00Z"),
            checkpoint: CheckpointRef {
                tree_size: 2,
                root_hash: root.to_base64(),
                signed_note: sign_note(&body, "registry.example/v1/log", &k.log).unwrap(),
            },
            trust_list: TrustListRef {
                log_index: 0,
                entry,
                inclusion_proof: vec![other.to_base64()],
            },
            checked: Checked::SupplierList {
                list_sha256: "00".repeat(32),
                results: json!({"summary": {"valid": 1}, "rows": [{"line": 2, "verdict": "valid"}]}),
            },
        }
    }

    #[test]
    fn signed_evidence_checks_against_the_operator_key_alone() {
        let k = keys(1);
        let signed = sign(&evidence(&k), &k.status).unwrap();
        let verified = check(signed.clone(), &k.operator.public().did_key(), None).unwrap();
        assert_eq!(verified.evidence, evidence(&k));
        assert_eq!(verified.signer, k.status.public().did_key());
        assert_eq!(verified.checkpoint.size(), 2);
        assert_eq!(verified.fingerprint, fingerprint(&signed));
        assert_eq!(verified.fingerprint.len(), 64);
        // Re-indenting the file changes neither the check nor the fingerprint.
        let pretty = serde_json::to_vec_pretty(&signed).unwrap();
        let again = check_bytes(&pretty, &k.operator.public().did_key(), None).unwrap();
        assert_eq!(again.fingerprint, verified.fingerprint);
    }

    #[test]
    fn a_credential_verification_round_trips() {
        let k = keys(1);
        let mut e = evidence(&k);
        e.checked = Checked::Credential {
            credential: Some(json!({"id": "urn:uuid:x"})),
            qr_text: None,
            question: QuestionAsked {
                at: t("2029-03-31T00:00:00Z"),
                min_level: Some(4),
                corporate_number: None,
            },
            report: Box::new(Report::new(
                vec![Check::pass(CheckName::Signature, Message::new("ok", "ok"))],
                None,
            )),
        };
        let signed = sign(&e, &k.status).unwrap();
        assert_eq!(
            signed["credentialSubject"]["checked"]["type"],
            "CredentialVerification"
        );
        let verified = check(signed, &k.operator.public().did_key(), None).unwrap();
        assert_eq!(verified.evidence, e);
    }

    #[test]
    fn an_altered_result_is_invalid() {
        let k = keys(1);
        let mut signed = sign(&evidence(&k), &k.status).unwrap();
        signed["credentialSubject"]["checked"]["results"]["rows"][0]["verdict"] = "invalid".into();
        let error = check(signed, &k.operator.public().did_key(), None).unwrap_err();
        assert!(
            matches!(&error, EvidenceError::Invalid(m) if m.en.contains("altered")),
            "{error}"
        );
    }

    #[test]
    fn another_key_or_another_operator_is_invalid() {
        let k = keys(1);
        let other = keys(10);
        // Signed by a key that is not the status key the trust list names.
        let signed = sign(&evidence(&k), &other.status).unwrap();
        let error = check(signed, &k.operator.public().did_key(), None).unwrap_err();
        assert!(matches!(&error, EvidenceError::Invalid(m) if m.en.contains("status key")));
        // A whole registry of another operator: its trust list does not check against ours.
        let foreign = sign(&evidence(&other), &other.status).unwrap();
        let error = check(foreign.clone(), &k.operator.public().did_key(), None).unwrap_err();
        assert!(matches!(&error, EvidenceError::Invalid(m) if m.en.contains("operator key")));
        // Given our trust list explicitly, the foreign evidence's signer is not our status key.
        let ours =
            TrustList::from_signed(signed_trust_list(&k), &k.operator.public().did_key()).unwrap();
        let error = check(foreign, &k.operator.public().did_key(), Some(&ours)).unwrap_err();
        assert!(matches!(&error, EvidenceError::Invalid(m) if m.en.contains("status key")));
    }

    /// Why `e`, signed by the status key of `k`, is invalid (English).
    fn why_invalid(e: &Evidence, k: &Keys) -> String {
        match check(
            sign(e, &k.status).unwrap(),
            &k.operator.public().did_key(),
            None,
        ) {
            Err(EvidenceError::Invalid(why)) => why.en,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_checkpoint_not_signed_by_the_log_key_or_not_matching_is_invalid() {
        let k = keys(1);
        let other = keys(10);
        let mut e = evidence(&k);
        let body = Checkpoint::new("registry.example/v1/log", 5, Hash([7; 32]))
            .unwrap()
            .body();
        e.checkpoint.signed_note = sign_note(&body, "registry.example/v1/log", &other.log).unwrap();
        assert!(why_invalid(&e, &k).contains("log key"));
        let mut e = evidence(&k);
        e.checkpoint.tree_size = 6;
        assert!(why_invalid(&e, &k).contains("tree size"));
        // An edition the log does not hold where the evidence says.
        let mut e = evidence(&k);
        e.trust_list.log_index = 1;
        assert!(why_invalid(&e, &k).contains("not in the log"));
    }

    #[test]
    fn what_is_not_evidence_is_unreadable() {
        let k = keys(1);
        let operator = k.operator.public().did_key();
        assert!(matches!(
            check_bytes(b"not json", &operator, None),
            Err(EvidenceError::Unreadable(_))
        ));
        assert!(matches!(
            check(signed_trust_list(&k), &operator, None),
            Err(EvidenceError::Unreadable(_))
        ));
    }
}
