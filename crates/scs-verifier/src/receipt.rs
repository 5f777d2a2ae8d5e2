//! Registration receipts: offline proof that a credential is in the registry's ledger.
//!
//! A receipt is the registry's answer to `POST /v1/credentials`: the exact log entry (the signed
//! registration request, which carries the credential), its index, an inclusion proof, and the
//! checkpoint signed by the log key that the proof leads to.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use scs_core::credential::{AttainmentCredential, StatusEntry};
use scs_core::ids::CredentialId;
use scs_core::json::parse_strict;
use scs_core::lifecycle::FRESHNESS_SECONDS;
use scs_core::report::{Check, CheckName, Message};
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{leaf_hash, verify_inclusion, Checkpoint, Hash, NoteVerifier};
use scs_core::trust_list::TrustList;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{StatusAnswer, StatusSource};

/// Largest logged entry a receipt may carry: a registration request around one credential.
const MAX_ENTRY_BYTES: usize = 2 * crate::MAX_CREDENTIAL_BYTES;

/// The receipt as the registry returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// The log entry, byte for byte.
    pub entry: String,
    /// Its index.
    pub log_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// Inclusion proof hashes, base64.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note).
    pub checkpoint: String,
}

/// Where the credential sits in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Included {
    /// Log index.
    pub index: u64,
    /// Checkpoint tree size.
    pub tree_size: u64,
    /// The latest time the registry's clock can have read when it logged the registration:
    /// the request's `proof.created` plus the freshness the registry allows. The credential
    /// existed by then.
    pub registered_by: Timestamp,
}

/// A status source that also knows, from a checked receipt, when one credential was registered
/// (for [`StatusSource::registered_by`]); every status question goes to `status`.
pub struct WithReceipt<'a> {
    /// Where status answers come from.
    pub status: &'a dyn StatusSource,
    /// The credential the receipt registers.
    pub id: CredentialId,
    /// What the receipt showed.
    pub included: Included,
}

impl std::fmt::Debug for WithReceipt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithReceipt")
            .field("id", &self.id)
            .field("included", &self.included)
            .finish_non_exhaustive()
    }
}

impl StatusSource for WithReceipt<'_> {
    fn lookup(
        &self,
        entry: &StatusEntry,
        trust_list: Option<&TrustList>,
        at: Timestamp,
    ) -> StatusAnswer {
        self.status.lookup(entry, trust_list, at)
    }

    fn registered_by(&self, credential: &AttainmentCredential) -> Option<Timestamp> {
        (credential.id == self.id).then_some(self.included.registered_by)
    }
}

/// Why a receipt does not show a credential in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotShown {
    /// The receipt says nothing about this credential: it registers another one (or is no
    /// registration), or the trust list gives no log key to check it with.
    Undecided(Message),
    /// The receipt is about this credential and does not hold: its entry registers a different
    /// credential under this id, or its proof or checkpoint signature is wrong. Forged or damaged
    /// evidence.
    Refuted(Message),
}

fn fail(ja: &str, en: &str) -> NotShown {
    NotShown::Refuted(Message::new(ja, en))
}

/// Checks that `credential` is the one registered by the receipt's entry, that the entry is in
/// the tree of the checkpoint, and that the trust list's log key signed the checkpoint.
fn check(credential: &Value, receipt: &Receipt, trust: &TrustList) -> Result<Included, NotShown> {
    check_registering(receipt, trust, credential["id"].as_str(), |registered| {
        registered == credential
    })
}

/// The report's `ledger` check for a receipt given with `credential` (checked against `trust`,
/// the trust list in use, if any), and where it showed the credential.
pub fn ledger_check(
    credential: &Value,
    receipt: &Receipt,
    trust: Option<&TrustList>,
) -> (Check, Option<Included>) {
    let Some(trust) = trust else {
        let why = Message::new(
            "指定機関一覧がないため、受領証の台帳鍵を確認できません",
            "no trusted trust list, so the receipt's log key cannot be checked",
        );
        return (Check::undecided(CheckName::Ledger, why), None);
    };
    match check(credential, receipt, trust) {
        Ok(included) => {
            let why = Message::new(
                format!(
                    "登録済み（#{}、木のサイズ {}）",
                    included.index, included.tree_size
                ),
                format!(
                    "included at index {} of a tree of {}",
                    included.index, included.tree_size
                ),
            );
            (Check::pass(CheckName::Ledger, why), Some(included))
        }
        Err(NotShown::Undecided(why)) => (Check::undecided(CheckName::Ledger, why), None),
        Err(NotShown::Refuted(why)) => (Check::fail(CheckName::Ledger, why), None),
    }
}

/// The receipt check of [`ledger_check`] (the entry registers this credential, the entry is in the
/// checkpoint's tree, the trust list's log key signed the checkpoint) for a credential already
/// read, in JSON or QR form (its proof is not compared, its claims are:
/// [`AttainmentCredential::claims_match`]): how a registry client dates a credential from the
/// log entries it fetched.
pub fn check_typed(
    credential: &AttainmentCredential,
    receipt: &Receipt,
    trust: &TrustList,
) -> Result<Included, NotShown> {
    let id = credential.id.to_string();
    check_registering(receipt, trust, Some(&id), |registered| {
        let mut unsecured = registered.clone();
        unsecured.as_object_mut().map(|o| o.remove("proof"));
        AttainmentCredential::from_json(&unsecured).is_ok_and(|c| c.claims_match(credential))
    })
}

/// [`check`] of the credential whose id is `id`, with `registers` telling whether the entry's
/// credential is the one asked about. What the receipt is about is read first: a receipt for
/// another credential is undecided whatever else is wrong with it.
fn check_registering(
    receipt: &Receipt,
    trust: &TrustList,
    id: Option<&str>,
    registers: impl Fn(&Value) -> bool,
) -> Result<Included, NotShown> {
    let entry = parse_strict(receipt.entry.as_bytes(), MAX_ENTRY_BYTES).map_err(|_| {
        fail(
            "受領証の台帳エントリが読めません",
            "the receipt's log entry is not JSON",
        )
    })?;
    let registered_id = entry["credential"]["id"].as_str().unwrap_or_default();
    if entry["action"] != "register" || id != Some(registered_id) {
        return Err(NotShown::Undecided(Message::new(
            format!("この受領証は別の証明書（{registered_id}）のものです"),
            format!("this receipt is for another credential ({registered_id})"),
        )));
    }
    if !registers(&entry["credential"]) {
        return Err(fail(
            "台帳にはこのIDで別の内容の証明書が登録されています",
            "the ledger registers a different credential under this id",
        ));
    }
    let log_key = trust.log_key().map_err(|_| {
        NotShown::Undecided(Message::new(
            "指定機関一覧の台帳鍵が読めません",
            "the trust list's log key is unreadable",
        ))
    })?;
    let origin = receipt.checkpoint.lines().next().unwrap_or_default();
    let body = NoteVerifier::new(origin, *log_key.public_key())
        .and_then(|v| v.verify(receipt.checkpoint.as_bytes()).map(str::to_owned))
        .map_err(|e| {
            NotShown::Refuted(Message::new(
                format!("チェックポイントの署名が台帳鍵と一致しません（{e}）"),
                format!("the checkpoint is not signed by the registry's log key ({e})"),
            ))
        })?;
    let checkpoint = Checkpoint::parse(&body).map_err(|e| {
        NotShown::Refuted(Message::new(
            format!("チェックポイントが読めません（{e}）"),
            format!("unreadable checkpoint ({e})"),
        ))
    })?;
    if checkpoint.size() != receipt.tree_size {
        return Err(fail(
            "受領証の木のサイズがチェックポイントと異なります",
            "the receipt's tree size is not the checkpoint's",
        ));
    }
    let registered_by = entry["proof"]["created"]
        .as_str()
        .and_then(|t| Timestamp::parse(t).ok())
        .and_then(|t| Timestamp::from_unix(t.unix() + FRESHNESS_SECONDS))
        .ok_or_else(|| {
            fail(
                "受領証の台帳エントリに登録日時がありません",
                "the receipt's log entry has no readable proof.created",
            )
        })?;
    let proof = receipt
        .inclusion_proof
        .iter()
        .map(|h| STANDARD.decode(h).ok().and_then(|b| Hash::from_slice(&b)))
        .collect::<Option<Vec<Hash>>>()
        .ok_or_else(|| fail("包含証明が読めません", "unreadable inclusion proof"))?;
    verify_inclusion(
        &leaf_hash(receipt.entry.as_bytes()),
        receipt.log_index,
        receipt.tree_size,
        &proof,
        checkpoint.root(),
    )
    .map_err(|e| {
        NotShown::Refuted(Message::new(
            format!("台帳への包含を証明できません（{e}）"),
            format!("inclusion in the ledger does not verify ({e})"),
        ))
    })?;
    Ok(Included {
        index: receipt.log_index,
        tree_size: receipt.tree_size,
        registered_by,
    })
}
