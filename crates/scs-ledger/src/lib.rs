//! The SCS ★ registry's ledger (台帳), without HTTP: the append-only transparency log (the
//! source of truth) behind its storage contract ([`LogStore`]: files on disk, or PostgreSQL), its
//! Merkle tree, the index store and its contract ([`IndexStore`]: sled, or PostgreSQL), the state as a
//! function of the log (verify an entry, transition), the in-memory credential directory and
//! company-name index, and the single writer that extends them all. `scs-registry` serves it
//! over HTTP and is the only place its errors become problem+json; `scs log check` reads a
//! log offline through [`check_log`].
//!
//! The modules are private: what other crates may use is the list below.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod changed_views;
#[cfg(test)]
mod crash_disk;
mod directory;
mod error;
mod events;
mod ledger;
mod log_check;
mod log_files;
mod log_store;
mod metrics;
mod names;
mod postgres;
mod query;
mod state;
mod store;
mod tree;

pub use directory::{Directory, Standing};
pub use error::{Failure, Refusal, WriteError};
pub use events::{
    ChangeEvent, ChangeKind, Company, CredentialBrief, EventPage, IssuerBrief, DEFAULT_EVENTS_PAGE,
    MAX_EVENTS_PAGE,
};
pub use ledger::{
    Committed, Ledger, LedgerError, RegistryKeys, SignedList, MAX_CREDENTIALS_PER_ORGANIZATION,
    RESTORING_LOG_DIR, STATUS_TTL_SECONDS,
};
pub use log_check::{check as check_log, CheckpointCheck, LogCheck, LogKey, Problem as LogProblem};
pub use log_files::{LogFileError, MAX_ENTRY_BYTES};
pub use log_store::{
    commit_in_order, Batch, CheckpointFlush, CommitError, FileLog, LogStore, StoredBatch,
    MAX_LEAF_READ,
};
pub use metrics::WriterMetrics;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub use postgres::test_support;
pub use postgres::{
    Lease, PgIndex, PgLog, Postgres, CONNECTIONS as POSTGRES_CONNECTIONS,
    CONNECT_TIMEOUT as POSTGRES_CONNECT_TIMEOUT, STATEMENT_TIMEOUT as POSTGRES_STATEMENT_TIMEOUT,
};
pub use query::{
    EntryCompany, FoundCredential, LoggedEntrySummary, LoggedWrite, NameMatch, NotACredential,
    OrganizationCredential, OrganizationView, VerifiedInput,
};
pub use state::{
    keys, parse_list_url, verify_entry, CredentialRecord, CredentialView, DesignationChange,
    Effect, EventKind, HistoryEvent, IssuerChange, Registered, RegistryIdentity, SignedCredential,
    VerifiedEntry, Void, INDEX_FORMAT,
};
pub use store::{Entries, IndexStore, MemoryStore, SledStore, StoreError, Write};
pub use tree::Tree;

/// Reads one log entry as the start-up load and the writer do (whether it is a registration, a
/// status change or other), for the fuzz targets only: built with `--cfg fuzzing`
/// (`scripts/fuzz.sh`), never in the registry.
#[cfg(fuzzing)]
pub fn read_logged_entry(log_index: u64, entry: &[u8]) -> bool {
    state::LoggedEntry::read(log_index, entry).is_some()
}
