//! Offline bundles (`scs bundle`, `scs verify --bundle`): a registry's trust list, checkpoint
//! and every status list, each kept as the registry served it (signed bytes), with the
//! registry's signed status index ([`scs_core::status_index`]) that names each by its SHA-256
//! and dates them all.
//!
//! [`Bundle::open`] trusts nothing in the file but what the pinned operator key vouches for:
//! the trust list must be signed by it; the index and every status list by the status key that
//! trust list names; the checkpoint by its log key; and every part must be the one the index
//! names. The time the data is as of is the index's signed `validFrom` — the registry's clock,
//! which the file's holder cannot move; `madeAt` (the local clock of whoever made the file) is
//! shown, never trusted.

use std::collections::HashSet;

use scs_core::json::parse_strict;
use scs_core::keys::DidKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::status_index::{sha256_hex, StatusIndex, STATUS_INDEX_TYPE};
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{Checkpoint, NoteVerifier};
use scs_core::trust_list::TrustList;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::status::{OfflineStatusLists, MAX_STATUS_LIST_BYTES};

/// The `type` of a bundle file.
pub const BUNDLE_TYPE: &str = "SCSOfflineBundle";

/// Largest bundle file read, in bytes: 64 status lists at their largest, with room to spare.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// Most status lists a bundle may carry (a list holds 131,072 credentials).
pub const MAX_BUNDLE_LISTS: usize = 64;

/// The bundle file: every part as the registry served it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundleFile {
    /// Always [`BUNDLE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The registry it was fetched from (as given to `scs bundle`).
    pub registry: String,
    /// The local clock of whoever made it: shown beside the signed time, never trusted.
    pub made_at: Timestamp,
    /// `GET /v1/status`, as served.
    pub status_index: String,
    /// `GET /v1/trust-list`, as served.
    pub trust_list: String,
    /// `GET /v1/log/checkpoint`, as served.
    pub checkpoint: String,
    /// `GET` of every status list the index names, as served, in the index's order.
    pub status_lists: Vec<String>,
}

/// Why a bundle is refused. Nothing in a refused bundle is used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleError {
    /// Not a bundle file at all.
    #[error("オフライン用データとして読めません / not an offline bundle: {0}")]
    Unreadable(String),
    /// The trust list is not signed by the pinned operator key (another operator's bundle, or
    /// altered).
    #[error("指定機関一覧が信頼する運営者鍵で署名されていません / the trust list is not signed by the pinned operator key: {0}")]
    TrustList(String),
    /// The status index is not signed by the trust list's status key, or is not an index.
    #[error("失効リスト索引が登録機関の鍵で署名されていません / the status index is not signed by the registry's status key: {0}")]
    Index(String),
    /// A part is not the one the signed index names (altered, or from another moment).
    #[error("{0} が署名された索引と一致しません（改ざんまたは別時点のデータ） / {0} does not match the signed index (altered, or from another time)")]
    Mismatch(String),
    /// The checkpoint is not signed by the trust list's log key.
    #[error("チェックポイントが台帳鍵で署名されていません / the checkpoint is not signed by the registry's log key: {0}")]
    Checkpoint(String),
    /// A status list is not signed by the status key, or unreadable.
    #[error("失効リストを使えません / a status list cannot be used: {0}")]
    StatusList(String),
}

/// A bundle whose every part was checked.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The trust list, signed by the pinned operator key.
    pub trust_list: TrustList,
    /// The status lists, each signed by the trust list's status key.
    pub status: OfflineStatusLists,
    /// The signed index: `valid_from` is the time the data is as of.
    pub index: StatusIndex,
    /// The checkpoint, signed by the trust list's log key.
    pub checkpoint: Checkpoint,
    /// When and where the file says it was made (unsigned).
    pub made_at: Timestamp,
}

impl Bundle {
    /// Reads and checks a bundle against the pinned `operator` key.
    pub fn open(bytes: &[u8], operator: &DidKey) -> Result<Self, BundleError> {
        let document = parse_strict(bytes, MAX_BUNDLE_BYTES)
            .map_err(|e| BundleError::Unreadable(e.to_string()))?;
        let file: BundleFile =
            serde_json::from_value(document).map_err(|e| BundleError::Unreadable(e.to_string()))?;
        if file.kind != BUNDLE_TYPE {
            return Err(BundleError::Unreadable(format!(
                "type is not {BUNDLE_TYPE}"
            )));
        }
        if file.status_lists.len() > MAX_BUNDLE_LISTS {
            return Err(BundleError::Unreadable(format!(
                "more than {MAX_BUNDLE_LISTS} status lists"
            )));
        }
        let trust_list = TrustList::from_signed_bytes(file.trust_list.as_bytes(), operator)
            .map_err(|e| BundleError::TrustList(e.to_string()))?;
        let index = open_index(&file.status_index, &trust_list)?;
        if sha256_hex(file.trust_list.as_bytes()) != index.trust_list_sha256 {
            return Err(BundleError::Mismatch(
                "指定機関一覧 / the trust list".into(),
            ));
        }
        if sha256_hex(file.checkpoint.as_bytes()) != index.checkpoint_sha256 {
            return Err(BundleError::Mismatch(
                "チェックポイント / the checkpoint".into(),
            ));
        }
        let checkpoint = open_checkpoint(&file.checkpoint, &trust_list)?;
        let status = open_status_lists(&file.status_lists, &index, &trust_list)?;
        Ok(Self {
            trust_list,
            status,
            index,
            checkpoint,
            made_at: file.made_at,
        })
    }

    /// The time the bundle's data is as of: the registry's clock when it signed the index.
    pub fn as_of(&self) -> Timestamp {
        self.index.valid_from
    }
}

/// The status index, signed by the trust list's status key, for the trust list's registry.
fn open_index(text: &str, trust_list: &TrustList) -> Result<StatusIndex, BundleError> {
    let refuse = |why: String| BundleError::Index(why);
    let document =
        parse_strict(text.as_bytes(), MAX_STATUS_LIST_BYTES).map_err(|e| refuse(e.to_string()))?;
    let (unsecured, info) = proof::verify(document, ProofPurpose::AssertionMethod)
        .map_err(|e| refuse(e.to_string()))?;
    let status_key = trust_list.status_key().map_err(|e| refuse(e.to_string()))?;
    if info.signer != status_key {
        return Err(refuse(format!("signed by {}", info.signer)));
    }
    let index: StatusIndex =
        serde_json::from_value(unsecured).map_err(|e| refuse(e.to_string()))?;
    if index.kind != STATUS_INDEX_TYPE {
        return Err(refuse(format!("type is not {STATUS_INDEX_TYPE}")));
    }
    if index.registry.trim_end_matches('/') != trust_list.registry.base_url.trim_end_matches('/') {
        return Err(refuse(format!(
            "for the registry {}, not {}",
            index.registry, trust_list.registry.base_url
        )));
    }
    Ok(index)
}

/// The checkpoint, signed by the trust list's log key under its own origin.
fn open_checkpoint(text: &str, trust_list: &TrustList) -> Result<Checkpoint, BundleError> {
    let refuse = |why: String| BundleError::Checkpoint(why);
    let log_key = trust_list.log_key().map_err(|e| refuse(e.to_string()))?;
    let origin = text.lines().next().unwrap_or_default();
    let verifier =
        NoteVerifier::new(origin, *log_key.public_key()).map_err(|e| refuse(e.to_string()))?;
    Checkpoint::open(text.as_bytes(), &verifier, origin).map_err(|e| refuse(e.to_string()))
}

/// Every list the index names, each the bytes it names and signed by the status key.
fn open_status_lists(
    lists: &[String],
    index: &StatusIndex,
    trust_list: &TrustList,
) -> Result<OfflineStatusLists, BundleError> {
    if lists.len() != index.status_lists.len() {
        return Err(BundleError::Mismatch(
            "失効リストの数 / the number of status lists".into(),
        ));
    }
    let mut status = OfflineStatusLists::none();
    let mut seen = HashSet::new();
    for (text, named) in lists.iter().zip(&index.status_lists) {
        if sha256_hex(text.as_bytes()) != named.sha256 || !seen.insert(named.url.as_str()) {
            return Err(BundleError::Mismatch(format!(
                "失効リスト / status list {}",
                named.url
            )));
        }
        let list = status
            .add_signed(text.as_bytes(), Some(trust_list))
            .map_err(|e| BundleError::StatusList(e.to_string()))?;
        if list.url != named.url {
            return Err(BundleError::Mismatch(format!(
                "失効リスト / status list {}",
                named.url
            )));
        }
    }
    Ok(status)
}
