//! Why a write is not taken: a [`Refusal`] when the request is at fault (its text says why and
//! is shown to the client), a [`Failure`] when the registry is (it keeps its cause, for the
//! operator's log; a client is told only that the registry is unavailable).

use std::sync::Arc;

use crate::log_files::LogFileError;
use crate::store::StoreError;

/// The request is at fault: the ledger will not log it, and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The entry's proof does not verify or is malformed.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The signer may not make this write (see "Write rules" in docs/ARCHITECTURE.md).
    #[error("not authorised: {0}")]
    NotAuthorised(String),
    /// The request's `proof.created` is out of range, or too far from the registry's clock.
    #[error("stale request: {0}")]
    Stale(String),
    /// This signer has used this nonce before.
    #[error("nonce already used")]
    Replayed,
    /// The credential fails a check (signature, profile, designation, policy, status entries).
    #[error("invalid credential: {0}")]
    InvalidCredential(String),
    /// The credential's 法人番号 has a wrong check digit or format.
    #[error("invalid corporate number: {0}")]
    InvalidCorporateNumber(String),
    /// A status change names a credential that is not registered.
    #[error("not found: {0}")]
    NotFound(String),
    /// The write contradicts the ledger's state (already revoked, id reused, older edition).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The entry is larger than the log takes ([`crate::MAX_ENTRY_BYTES`]).
    #[error("the entry is larger than the log takes")]
    TooLarge,
}

/// The registry is at fault: the write was not acknowledged, and the cause is kept.
///
/// Cloned into the reply of every entry of a failed batch, hence the shared causes.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The index store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An index record is not what this code wrote there.
    #[error("index record {key} is unreadable: {source}")]
    Record {
        /// Its key, printable.
        key: String,
        /// Why it does not decode.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// A log entry an index record points to does not hold what the registry logged there.
    #[error("log entry {index} is unreadable: {source}")]
    Entry {
        /// Its log index.
        index: u64,
        /// Why it does not decode.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// The log files did not take the batch.
    #[error("log append failed: {0}")]
    Append(#[source] Arc<LogFileError>),
    /// A log entry an index record points to could not be read.
    #[error("log read failed: {0}")]
    Read(#[source] Arc<LogFileError>),
    /// The checkpoint covering the batch could not be signed or stored.
    #[error("cannot write the checkpoint: {0}")]
    Checkpoint(#[source] Arc<std::io::Error>),
    /// The tree gave no inclusion proof for an entry it holds.
    #[error("no inclusion proof for entry {index} in the tree of size {tree_size}")]
    NoProof {
        /// The entry.
        index: u64,
        /// The checkpoint's tree size.
        tree_size: u64,
    },
    /// The ledger holds no trust list to judge a request by (only entry 0 can be one).
    #[error("no trust list in force")]
    NoTrustList,
    /// The status lists contradict a credential's record, or have no free entry left.
    #[error("status lists: {0}")]
    StatusLists(&'static str),
    /// The indexes no longer show the batch applied once its checkpoint was durable: the
    /// store lost a commit (a database that restarted in between).
    #[error("the index store lost the batch ending at log size {0}; writes stop until a restart replays the log")]
    IndexLost(u64),
    /// The writer is not running: stopped after a failing disk, or shutting down.
    #[error("the ledger writer is not running")]
    WriterStopped,
}

impl Failure {
    /// The record at `key` does not decode.
    pub(crate) fn unreadable_record(key: &[u8], source: serde_json::Error) -> Self {
        Failure::Record {
            key: String::from_utf8_lossy(key).into_owned(),
            source: Arc::new(source),
        }
    }

    /// The entry at `index` does not decode.
    pub(crate) fn unreadable_entry(index: u64, source: serde_json::Error) -> Self {
        Failure::Entry {
            index,
            source: Arc::new(source),
        }
    }

    /// A log entry's bytes no longer hash to its leaf: the disk is corrupt (not a passing
    /// failure; the operator restores from a backup).
    pub fn is_corrupt_entry(&self) -> bool {
        matches!(self, Failure::Read(error) if matches!(**error, LogFileError::Integrity { .. }))
    }
}

/// Why a write was not acknowledged.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The request is at fault.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The registry is.
    #[error(transparent)]
    Failed(#[from] Failure),
}

impl From<StoreError> for WriteError {
    fn from(error: StoreError) -> Self {
        WriteError::Failed(Failure::Store(error))
    }
}
