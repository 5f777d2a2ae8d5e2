//! The ledger: the log, the indexes built from it, and the single writer that extends both.
//!
//! # Write order (one batch; see also `log_files`)
//!
//! 1. Handlers verify signatures in parallel ([`state::verify_entry`]) and queue the entry.
//! 2. *Sequence*: the writer thread takes up to [`MAX_BATCH`] queued entries and runs
//!    [`state::transition`] on each in order, against the indexes plus the writes staged earlier
//!    in the batch. Refused entries are answered at once and never reach the log.
//! 3. *Persist*: the store writes the entries and the index writes of the whole batch with the
//!    applied-size marker durably ([`LogStore::commit`]): on files the entries appended
//!    (fsynced, a group commit), the index writes applied atomically, the marker read back; on
//!    PostgreSQL both in one statement. The in-memory tree takes their leaves.
//! 4. *Publish*: the trust list, name index and credential directory take each entry; the
//!    status lists touched are re-signed; then — the entries durable — a checkpoint is signed
//!    and stored (compare-and-swap on the previous tree size; see [`CheckpointFlush::Later`]
//!    for why PostgreSQL need not wait for its flush after the one statement that stores a
//!    batch), and served.
//! 5. *Reply*: only then are the requests answered, each with its logged bytes, the checkpoint
//!    and a proof of inclusion in it.
//!
//! # Recovery (start-up)
//!
//! The log store recovers as it opens (files: torn tails cut, never an entry the last checkpoint
//! covers). The
//! indexes then replay, through the same `verify_entry` + `transition`, every entry past their
//! applied-size marker. A checkpoint is never signed for a tree that does not extend the last
//! one written: if the log is shorter than the last checkpoint, or its root at that size
//! differs, the registry refuses to start (pointing at `scs log check`). A checkpoint file a
//! crash left unreadable is replaced by one signed from the log.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use scs_core::credential::StatusPurpose;
use scs_core::evidence::{self, Checked, CheckpointRef, Evidence, TrustListRef};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::keys::DidKey;
use scs_core::keys::SecretKey;
use scs_core::status_index::{sha256_hex, IndexedList, StatusIndex};
use scs_core::status_list::StatusList;
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{self, Checkpoint, Hash};
use scs_core::trust_list::{Signer, TrustList, TrustListError};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::changed_views::ChangedViews;
use crate::directory::{Directory, Standing};
use crate::error::{Failure, Refusal, WriteError};
use crate::log_files::{LogFileError, MAX_ENTRY_BYTES};
use crate::log_store::{
    claimed_size, Batch, CheckpointFlush, CommitError, FileLog, LogStore, MAX_LEAF_READ,
};
use crate::metrics::WriterMetrics;
use crate::names::{NameHit, NameIndex};
use crate::state::{
    self, keys, read_bits, CredentialView, Effect, LoggedEntry, Overlay, Registered,
    RegistryIdentity, VerifiedEntry,
};
use crate::store::IndexStore;
use crate::tree::Tree;
use scs_issuer::durable::{Disk, RealDisk};
use scs_issuer::now;

/// Most entries committed with one fsync.
pub(crate) const MAX_BATCH: usize = 512;
// A crash can tear the last append, so recovery re-hashes at least that many records.
const _: () = assert!(MAX_BATCH as u64 <= crate::log_files::RECHECK);
/// Entries read at once while loading the name index and the directory from the log.
const LOAD_READ: u64 = 256;
/// Status list `ttl` and `Cache-Control: max-age`, in seconds.
pub const STATUS_TTL_SECONDS: u64 = 300;
/// Most credentials [`Ledger::organization`] reads for one company: every renewal adds one, and
/// a view of more would be one no page or answer should hold.
pub const MAX_CREDENTIALS_PER_ORGANIZATION: usize = 1000;

/// Where `scs restore` builds a data folder's log before renaming it to `log`: while it is
/// there, the restore did not finish, and the registry refuses the folder rather than start a
/// new log in it.
pub const RESTORING_LOG_DIR: &str = ".log.restoring";

/// What a log shorter than its stored checkpoint says about `scs restore` into PostgreSQL,
/// which stores the backup's checkpoint before its entries.
const INTERRUPTED_RESTORE: &str = "a `scs restore` into this database did not finish (it \
     stores the backup's checkpoint before the entries): drop the database, create it again \
     and run `scs restore` again \
     (復元が完了していません。データベースを作り直して scs restore をやり直してください).";

/// Why the ledger could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The log files.
    #[error("{error}{advice}", error = .0, advice = what_to_do(.0))]
    Log(LogFileError),
    /// The index store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// An entry in the log no longer passes its checks, or a checkpoint is not extended.
    #[error("ledger is inconsistent: {0}")]
    Inconsistent(String),
    /// The log was begun by another operator: its genesis trust list is signed by `found`.
    #[error(
        "the data folder holds the ledger of another operator: its first trust list is signed \
         by {found}, not by {expected}; a data folder belongs to one registry, give --data a \
         folder of its own (with --demo, a new one) \
         (このデータフォルダーは別の運用者の台帳です。--data に別のフォルダーを指定してください)"
    )]
    OtherOperator {
        /// The operator key given.
        expected: String,
        /// The key that signed the log's first entry.
        found: String,
    },
    /// The writer's metrics could not be made (a metric name or bucket list in the code).
    #[error("cannot make the writer's metrics: {0}")]
    Metrics(String),
}

/// Not a `source`: the message already holds it, and the CLI prints causes after it.
impl From<LogFileError> for LedgerError {
    fn from(error: LogFileError) -> Self {
        LedgerError::Log(error)
    }
}

/// What the operator does about a log that failed to open: corruption needs a person.
fn what_to_do(error: &LogFileError) -> &'static str {
    match error {
        LogFileError::Corrupt(_) | LogFileError::Integrity { .. } => {
            ". Run `scs log check --data DIR` and follow \"Operating the log\" in docs/ARCHITECTURE.md \
             (restore from a backup)"
        }
        _ => "",
    }
}

/// The registry's signing keys.
#[derive(Debug)]
pub struct RegistryKeys {
    /// Signs status list credentials.
    pub status: SecretKey,
    /// Signs checkpoints.
    pub log: SecretKey,
}

/// A signed status list, ready to serve.
#[derive(Debug)]
pub struct SignedList {
    /// The credential JSON.
    pub body: Vec<u8>,
    /// Its strong ETag, quoted.
    pub etag: String,
    /// When it is re-signed on its next request (a day after signing), so that its
    /// `validUntil` never lapses. A clock reading rather than a timestamp: the check runs on
    /// every request.
    resign_after: std::time::SystemTime,
}

impl SignedList {
    /// When it is re-signed on its next request.
    pub fn resign_after(&self) -> std::time::SystemTime {
        self.resign_after
    }
}

/// Process-unique ledger numbers, for per-thread copies of a ledger's status lists.
static NEXT_LEDGER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A committed write, as answered to its requester.
#[derive(Debug, Clone)]
pub struct Committed {
    /// Its log index.
    pub index: u64,
    /// What it did.
    pub effect: Effect,
    /// The bytes logged: what a receipt's entry is.
    pub entry: Vec<u8>,
    /// Proof of inclusion in the tree of `checkpoint`.
    pub inclusion_proof: Vec<Hash>,
    /// The signed checkpoint covering it.
    pub checkpoint: Arc<String>,
    /// That checkpoint's tree size.
    pub tree_size: u64,
}

/// A verified entry waiting for the writer, and where its answer goes.
struct Job {
    entry: VerifiedEntry,
    /// The bytes to log.
    bytes: Vec<u8>,
    reply: oneshot::Sender<Result<Committed, WriteError>>,
}

/// A job the batch accepted: what it does, and its log index.
struct Sequenced {
    job: Job,
    transition: state::Transition,
    index: u64,
}

/// The checkpoint a batch is acknowledged with.
struct Checkpointed {
    tree_size: u64,
    note: Arc<String>,
}

/// The ledger, shared by every handler.
pub struct Ledger {
    store: Arc<dyn IndexStore>,
    identity: RegistryIdentity,
    keys: RegistryKeys,
    origin: String,
    /// The log and its checkpoint: the source of truth.
    log: Arc<dyn LogStore>,
    tree: RwLock<Tree>,
    trust: RwLock<(Arc<TrustList>, u64)>,
    /// No registered credential is void ([`state::Void`]) before this time, in Unix seconds,
    /// under the trust list in force: a look-up reads this one number, not the trust list.
    void_from: std::sync::atomic::AtomicI64,
    checkpoint: RwLock<(u64, Arc<String>)>,
    lists: RwLock<HashMap<(StatusPurpose, u32), Arc<SignedList>>>,
    /// Held while a status list is signed (see `resign_list`).
    signing: Mutex<()>,
    /// This ledger's number and how many times a status list was (re-)signed: see
    /// [`Ledger::lists_version`].
    id: u64,
    lists_signed: std::sync::atomic::AtomicU64,
    names: RwLock<NameIndex>,
    directory: RwLock<Directory>,
    /// Views of credentials whose status changed, as current as the directory.
    changed_views: ChangedViews,
    queue: Mutex<Option<mpsc::Sender<Job>>>,
    /// Set when a batch failed: the writer commits nothing more — the jobs still queued are
    /// answered with the failure — until it is started again (after a take-over).
    writer_failed: std::sync::atomic::AtomicBool,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    pub(crate) metrics: WriterMetrics,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why the checkpoint file gives no checkpoint.
enum Unusable {
    /// Not a whole signed note: a write a power cut tore (or an older version's unsynced one).
    Torn(String),
    /// A whole note, but not a checkpoint this log's key signed: no crash does that.
    Foreign(String),
}

/// The leaf hashes of the entries of `log` in `range`, in order, read in parts.
fn leaf_hashes_in(
    log: &dyn LogStore,
    range: std::ops::Range<u64>,
) -> Result<Vec<Hash>, LogFileError> {
    let mut hashes = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = range.end.min(start + MAX_LEAF_READ);
        hashes.extend(log.leaf_hashes(start..end)?);
        start = end;
    }
    Ok(hashes)
}

impl Ledger {
    /// Opens the ledger in `dir`: recovers the log, replays lagging indexes, checks the last
    /// checkpoint, and writes `genesis` as entry 0 of a new log.
    pub fn open(
        dir: &Path,
        store: Arc<dyn IndexStore>,
        operator: scs_core::keys::DidKey,
        keys: RegistryKeys,
        genesis: &Value,
    ) -> Result<Arc<Self>, LedgerError> {
        Self::open_on(Arc::new(RealDisk), dir, store, operator, keys, genesis)
    }

    /// [`Self::open`], reading and writing the checkpoint through `disk` (a test stands in a
    /// file system that forgets what was not synced).
    pub fn open_on(
        disk: Arc<dyn Disk>,
        dir: &Path,
        store: Arc<dyn IndexStore>,
        operator: scs_core::keys::DidKey,
        keys: RegistryKeys,
        genesis: &Value,
    ) -> Result<Arc<Self>, LedgerError> {
        // Before the log is opened, which would make a new one: the folder is not a new
        // registry but one whose restore did not finish.
        let unfinished = dir.join(RESTORING_LOG_DIR);
        if unfinished.exists() {
            return Err(LedgerError::Inconsistent(format!(
                "{} holds a log `scs restore` did not finish writing: run `scs restore` into \
                 this data folder again, which starts over \
                 (復元が完了していません。scs restore をやり直してください)",
                unfinished.display()
            )));
        }
        let log = FileLog::open(disk, &dir.join("log"))?;
        Self::open_log(Arc::new(log), store, operator, keys, genesis)
    }

    /// Opens the ledger over `log` (already recovered, see [`LogStore`]) and `store`: replays
    /// lagging indexes, checks the last checkpoint, and writes `genesis` as entry 0 of a new
    /// log.
    pub fn open_log(
        log: Arc<dyn LogStore>,
        store: Arc<dyn IndexStore>,
        operator: scs_core::keys::DidKey,
        keys: RegistryKeys,
        genesis: &Value,
    ) -> Result<Arc<Self>, LedgerError> {
        let checkpoint_text = log.read_checkpoint()?;
        let ledger = Self::assemble(
            log,
            store,
            operator,
            keys,
            Some(genesis),
            checkpoint_text.as_deref(),
        )?;
        let stored_size = ledger.check_checkpoint(checkpoint_text.as_deref())?;
        ledger.replay()?;
        ledger.sign_checkpoint_after_replay(stored_size)?;
        ledger.check_replayed()?;
        Ok(Arc::new(ledger))
    }

    /// Opens a standby over a log another process writes (issue 14 item 2): reads only — no
    /// replay of the indexes, no checkpoint signed — and serves what the writer committed,
    /// brought up to date by [`Ledger::follow`]; [`Ledger::take_over`] makes it the writer once
    /// it holds the lease. The log must hold a ledger with a checkpoint already.
    pub fn open_standby(
        log: Arc<dyn LogStore>,
        store: Arc<dyn IndexStore>,
        operator: scs_core::keys::DidKey,
        keys: RegistryKeys,
    ) -> Result<Arc<Self>, LedgerError> {
        let checkpoint_text = log.read_checkpoint()?;
        let ledger = Self::assemble(log, store, operator, keys, None, checkpoint_text.as_deref())?;
        ledger.follow()?;
        if ledger.checkpoint().1.is_empty() {
            return Err(LedgerError::Inconsistent(
                "the store holds no checkpoint this log key signed over this log yet: start \
                 the writer first (書き込み側を先に起動してください)"
                    .into(),
            ));
        }
        Ok(Arc::new(ledger))
    }

    /// The ledger over `log` as it is, `genesis` appended to an empty one (the writer's), and
    /// the checkpoint stored (`checkpoint_text`) as the base of the next compare-and-swap.
    fn assemble(
        log: Arc<dyn LogStore>,
        store: Arc<dyn IndexStore>,
        operator: scs_core::keys::DidKey,
        keys: RegistryKeys,
        genesis: Option<&Value>,
        checkpoint_text: Option<&[u8]>,
    ) -> Result<Self, LedgerError> {
        // The size the stored checkpoint has: the next one written replaces it only if it
        // still has (`LogStore::write_checkpoint`).
        let stored_size = checkpoint_text.map_or(0, claimed_size);
        if log.size() == 0 && stored_size > 0 {
            // Unverified (the origin is in entry 0), so it can only make the ledger refuse.
            // No registry stores a checkpoint before its genesis: `scs restore` does, before
            // the backup's entries.
            return Err(LedgerError::Inconsistent(format!(
                "a checkpoint of {stored_size} entries is stored but the log holds none: \
                 {INTERRUPTED_RESTORE}"
            )));
        }
        let mut tree = Tree::from_leaves(
            leaf_hashes_in(log.as_ref(), 0..log.size())?,
            Arc::clone(&log),
        );
        if let (0, Some(genesis)) = (log.size(), genesis) {
            state::verify_entry(genesis.clone(), &operator)
                .map_err(|e| LedgerError::Inconsistent(format!("genesis trust list: {e}")))?;
            let bytes = serde_json::to_vec(genesis).unwrap_or_default();
            for hash in log.append(&[bytes])? {
                tree.append(hash);
            }
        }
        let first_list = Self::trust_list_at(log.as_ref(), &operator, 0)?;
        let identity = RegistryIdentity {
            operator,
            base_url: first_list
                .registry
                .base_url
                .trim_end_matches('/')
                .to_owned(),
        };
        let origin = identity
            .base_url
            .split("://")
            .nth(1)
            .unwrap_or(&identity.base_url)
            .to_owned()
            + "/v1/log";
        Ok(Self {
            store,
            identity,
            keys,
            origin,
            log,
            tree: RwLock::new(tree),
            void_from: std::sync::atomic::AtomicI64::new(void_from(&first_list)),
            trust: RwLock::new((Arc::new(first_list), 0)),
            checkpoint: RwLock::new((stored_size, Arc::new(String::new()))),
            lists: RwLock::new(HashMap::new()),
            signing: Mutex::new(()),
            id: NEXT_LEDGER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            lists_signed: std::sync::atomic::AtomicU64::new(0),
            names: RwLock::new(NameIndex::default()),
            directory: RwLock::new(Directory::default()),
            changed_views: ChangedViews::default(),
            queue: Mutex::new(None),
            writer_failed: std::sync::atomic::AtomicBool::new(false),
            writer: Mutex::new(None),
            metrics: WriterMetrics::new().map_err(|e| LedgerError::Metrics(e.to_string()))?,
        })
    }

    /// A standby's step: takes in what the writer (another process on the same store)
    /// committed since — the tree, the name index and the credential directory (a status change
    /// marks its credential, so a look-up never answers from old facts), the trust list in
    /// force, the checkpoint once its tree is this one's — and drops the signed status lists,
    /// re-signed from the shared bits when next asked for. Gives the log size.
    pub fn follow(&self) -> Result<u64, LedgerError> {
        let known = read_lock(&self.tree).size();
        let size = self.log.refresh()?;
        if size > known {
            let hashes = leaf_hashes_in(self.log.as_ref(), known..size)?;
            let mut tree = write_lock(&self.tree);
            for hash in hashes {
                tree.append(hash);
            }
            drop(tree);
            self.index_range(known, size);
            // Under the signers' lock (found in review): a handler that read the bits before
            // these entries' status changes puts its list in place before the clear, or reads
            // the bits after it — never its older list in place after the clear, served until
            // the next change or for a day.
            let _signing = self
                .signing
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            write_lock(&self.lists).clear();
            self.lists_signed
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        self.trust_list_from_store()?;
        self.follow_checkpoint()?;
        Ok(size)
    }

    /// The stored checkpoint, if this log key signed it over this tree and it is not older
    /// than the one held.
    fn follow_checkpoint(&self) -> Result<(), LedgerError> {
        let Some(text) = self.log.read_checkpoint()? else {
            return Ok(());
        };
        let Ok(checkpoint) = self.open_checkpoint(&text) else {
            tracing::warn!("the stored checkpoint does not verify: keeping the one held");
            return Ok(());
        };
        let extends = read_lock(&self.tree).root(checkpoint.size()) == Some(*checkpoint.root());
        if extends && checkpoint.size() >= self.checkpoint().0 {
            if let Ok(note) = String::from_utf8(text) {
                *write_lock(&self.checkpoint) = (checkpoint.size(), Arc::new(note));
            }
        }
        Ok(())
    }

    /// Makes a standby the writer, once it holds the lease: takes in the rest of the log,
    /// replays what the indexes lack (a writer of an older version, which stored a batch's
    /// entries and index writes in separate steps, may have died between them; or a replay's
    /// writes were lost), and signs a checkpoint over the whole log, compare-and-swap on the
    /// stored one; then [`Ledger::start_writer`].
    pub fn take_over(&self) -> Result<(), LedgerError> {
        self.follow()?;
        let stored = self.log.read_checkpoint()?;
        let stored_size = self.check_checkpoint(stored.as_deref())?;
        self.replay()?;
        self.sign_checkpoint_after_replay(stored_size)?;
        self.check_replayed()
    }

    /// After the replay and the checkpoint signed over it, the indexes must show the whole log
    /// applied. A replay's index writes need not be durable (the store contract: PostgreSQL's
    /// do not wait for their flush), and a database that restarted before flushing them lost
    /// them while the checkpoint, signed after, committed on the restarted server; a writer
    /// judging requests against those indexes would take what the log refuses (a nonce used
    /// twice). Found in review.
    fn check_replayed(&self) -> Result<(), LedgerError> {
        let applied = self
            .store
            .get(keys::APPLIED)?
            .and_then(|b| b.try_into().ok().map(u64::from_be_bytes));
        if applied == Some(self.log.size()) {
            return Ok(());
        }
        Err(LedgerError::Inconsistent(format!(
            "the indexes show {} of the log's {} entries applied after the replay: the index \
             store lost writes; start again to replay them \
             (索引が台帳に追いついていません。再起動してください)",
            applied.unwrap_or(0),
            self.log.size()
        )))
    }

    /// The trust list in force, as the indexes name it.
    fn trust_list_from_store(&self) -> Result<(), LedgerError> {
        if let Some(index) = self
            .store
            .get(keys::TRUST_LIST)?
            .and_then(|b| b.try_into().ok().map(u64::from_be_bytes))
        {
            if index != self.trust_list().1 {
                let list = Self::trust_list_at(self.log.as_ref(), &self.identity.operator, index)?;
                self.set_trust_list(Arc::new(list), index);
            }
        }
        Ok(())
    }

    fn trust_list_at(
        log: &dyn LogStore,
        operator: &scs_core::keys::DidKey,
        index: u64,
    ) -> Result<TrustList, LedgerError> {
        let (_, bytes) = log.entry(index)?;
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| LedgerError::Inconsistent(format!("entry {index}: {e}")))?;
        match TrustList::from_signed(doc, operator) {
            Ok(list) => Ok(list),
            // The genesis entry is where a data folder meets a registry with another key (a
            // production folder given to `--demo`, or the reverse): say so rather than
            // "inconsistent".
            Err(TrustListError::NotOperator { expected, found }) if index == 0 => {
                Err(LedgerError::OtherOperator { expected, found })
            }
            Err(error) => Err(LedgerError::Inconsistent(format!(
                "entry {index} is not a trust list of this operator: {error}"
            ))),
        }
    }

    /// Brings the indexes up to the log through the live code path.
    fn replay(&self) -> Result<(), LedgerError> {
        if self.store.get(keys::FORMAT)?.as_deref() != Some(state::INDEX_FORMAT) {
            // Empty, or written by a version that laid the indexes out differently: rebuild
            // them from the log, which is the truth.
            if self.store.get(keys::APPLIED)?.is_some() {
                tracing::warn!("the indexes have another layout: rebuilding them from the log");
            }
            self.store.clear()?;
            self.store.apply(vec![(
                keys::FORMAT.to_vec(),
                Some(state::INDEX_FORMAT.to_vec()),
            )])?;
        }
        let applied = self
            .store
            .get(keys::APPLIED)?
            .and_then(|b| b.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        let log = self.log.as_ref();
        if applied > log.size() {
            return Err(LedgerError::Inconsistent(format!(
                "indexes reflect {applied} entries but the log has {}",
                log.size()
            )));
        }
        self.trust_list_from_store()?;
        let mut trust: Option<Arc<TrustList>> =
            (applied > 0).then(|| read_lock(&self.trust).0.clone());
        for index in applied..log.size() {
            let (_, bytes) = log.entry(index)?;
            let doc: Value = serde_json::from_slice(&bytes)
                .map_err(|e| LedgerError::Inconsistent(format!("entry {index}: {e}")))?;
            let entry = state::verify_entry(doc, &self.identity.operator)
                .map_err(|e| LedgerError::Inconsistent(format!("entry {index}: {e}")))?;
            let overlay = Overlay::new(self.store.as_ref());
            let transition = state::transition(
                &overlay,
                index,
                &entry,
                &bytes,
                trust.as_deref(),
                &self.identity,
            )
            .map_err(|e| LedgerError::Inconsistent(format!("entry {index}: {e}")))?;
            if let Effect::TrustList(list) = &transition.effect {
                trust = Some(Arc::new((**list).clone()));
                self.set_trust_list(Arc::new((**list).clone()), index);
            }
            let mut writes = transition.writes;
            writes.push((
                keys::APPLIED.to_vec(),
                Some((index + 1).to_be_bytes().to_vec()),
            ));
            self.store.apply(writes)?;
        }
        Ok(())
    }

    /// Refuses to go on if the tree does not extend the last checkpoint written (`last`, the
    /// stored bytes) — before the replay, so that a log refused is left as it was; gives the
    /// stored checkpoint's size, the base of the compare-and-swap that
    /// [`Self::sign_checkpoint_after_replay`] does.
    ///
    /// The log is the source of truth: a checkpoint file a power cut left empty, torn or
    /// missing is replaced by one signed from the log (a warning says so). A readable
    /// checkpoint the log does not extend — larger than the log, or another root at its size —
    /// is a state no power cut leaves: acknowledged entries were lost or changed (or, larger, a
    /// restore into PostgreSQL did not finish), and the registry refuses to start.
    fn check_checkpoint(&self, last: Option<&[u8]>) -> Result<u64, LedgerError> {
        // The compare-and-swap is on the stored checkpoint's size, which may be below the one
        // a standby holds: PostgreSQL does not wait for a batch's checkpoint's flush, and a
        // crash of the database can take back one the standby already served (its tree is
        // still the log's) — or, should the row be reset by hand, none stored (found in review).
        let stored_size = last.map_or(0, claimed_size);
        match last.map(|text| self.open_checkpoint(text)) {
            None => tracing::info!("no checkpoint yet: signing one for the log"),
            Some(Err(Unusable::Torn(reason))) => tracing::warn!(
                "the last checkpoint is unreadable ({reason}), as a power cut can leave it: \
                 signing a new one from the log, which is the source of truth"
            ),
            Some(Err(Unusable::Foreign(reason))) => {
                return Err(LedgerError::Inconsistent(format!(
                    "the last checkpoint is whole but not signed by this registry's log key \
                     ({reason}), which no power cut does. If the log key was changed on purpose, \
                     move log/checkpoint aside and start again; otherwise run `scs log check \
                     --data DIR` and follow \"Operating the log\" in docs/ARCHITECTURE.md / \
                     チェックポイントの署名がログ鍵と一致しません"
                )));
            }
            Some(Ok(last)) => {
                let tree = read_lock(&self.tree);
                if tree.root(last.size()) != Some(*last.root()) {
                    if last.size() > tree.size() {
                        return Err(LedgerError::Inconsistent(format!(
                            "the last checkpoint covers {} entries but the log holds only {}: \
                             acknowledged entries were lost — or {INTERRUPTED_RESTORE} \
                             Otherwise run `scs log check --data DIR` and follow \"Operating \
                             the log\" in docs/ARCHITECTURE.md (restore from a backup)",
                            last.size(),
                            tree.size()
                        )));
                    }
                    return Err(LedgerError::Inconsistent(format!(
                        "the log's root at size {} differs from the last checkpoint's: \
                         acknowledged entries were lost or changed. Run `scs log check \
                         --data DIR` and follow \"Operating the log\" in docs/ARCHITECTURE.md (restore \
                         from a backup) / 署名済みチェックポイントと台帳が一致しません",
                        last.size()
                    )));
                }
            }
        }
        Ok(stored_size)
    }

    /// Signs a checkpoint over the tree once the replay brought the indexes up to it,
    /// compare-and-swap on the stored one's size (`stored_size`).
    fn sign_checkpoint_after_replay(&self, stored_size: u64) -> Result<(), LedgerError> {
        // Waited for: this flush is the one that makes the replay's index writes durable
        // (`PgIndex::apply` does not wait), before `check_replayed` reads them back and the
        // writer judges requests against them (found in review).
        self.sign_checkpoint(stored_size, CheckpointFlush::Wait)
            .map_err(|e| LedgerError::Inconsistent(format!("cannot write the checkpoint: {e}")))
    }

    /// A checkpoint note signed by this log's key, or why it is not one.
    fn open_checkpoint(&self, text: &[u8]) -> Result<Checkpoint, Unusable> {
        let verifier = tlog::NoteVerifier::new(&self.origin, self.keys.log.public())
            .map_err(|e| Unusable::Foreign(e.to_string()))?;
        let body = verifier.verify(text).map_err(|error| match error {
            // A write cut short: a last line without its newline, zeros, half a character.
            tlog::NoteError::Malformed(_) | tlog::NoteError::TooLarge(_) => {
                Unusable::Torn(error.to_string())
            }
            other => Unusable::Foreign(other.to_string()),
        })?;
        Checkpoint::parse(body).map_err(|e| Unusable::Foreign(e.to_string()))
    }

    /// Signs a checkpoint over the tree and replaces the stored one, if its size is
    /// `previous`, by it, durable on return as `flush` says.
    fn sign_checkpoint(&self, previous: u64, flush: CheckpointFlush) -> Result<(), std::io::Error> {
        let tree = read_lock(&self.tree);
        let size = tree.size();
        let root = tree.root(size);
        drop(tree);
        // Never sign a root that was not computed.
        let root = root.ok_or_else(|| std::io::Error::other("the tree root is unreadable"))?;
        let note = Checkpoint::new(&self.origin, size, root)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                tlog::sign_note(&c.body(), &self.origin, &self.keys.log).map_err(|e| e.to_string())
            })
            .map_err(std::io::Error::other)?;
        // Stored before the batch is acknowledged, over entries already durable: a receipt's
        // checkpoint is one the registry holds or signs again byte for byte (Ed25519 is
        // deterministic). Compare-and-swap: a store another writer moved refuses, and nothing
        // is acknowledged.
        self.log
            .write_checkpoint(previous, size, note.as_bytes(), flush)
            .map_err(std::io::Error::other)?;
        *write_lock(&self.checkpoint) = (size, Arc::new(note));
        Ok(())
    }

    /// Starts the writer thread. Call once.
    pub fn start_writer(self: &Arc<Self>) {
        let (sender, mut receiver) = mpsc::channel::<Job>(4 * MAX_BATCH);
        self.writer_failed
            .store(false, std::sync::atomic::Ordering::Release);
        if let Ok(mut queue) = self.queue.lock() {
            *queue = Some(sender);
        }
        let ledger = Arc::clone(self);
        let writer = std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || {
                while let Some(first) = receiver.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    ledger.metrics.taken(batch.len());
                    ledger.commit(batch);
                }
            });
        match writer {
            Ok(handle) => {
                self.metrics.set_writer(true);
                if let Ok(mut writer) = self.writer.lock() {
                    *writer = Some(handle);
                }
            }
            Err(e) => tracing::error!("cannot start the ledger writer: {e}"),
        }
    }

    /// Stops taking writes and waits until the writer has committed its queue and ended (and
    /// dropped its handle on the ledger). Not for the writer thread itself.
    pub fn finish_writes(&self) {
        self.stop_writer();
        let handle = self.writer.lock().ok().and_then(|mut writer| writer.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    /// Whether the writer stopped after a batch failed (the store, another writer), rather
    /// than by [`Ledger::stop_writer`]: until it is started again it commits nothing.
    pub fn writer_failed(&self) -> bool {
        self.writer_failed
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Stops taking writes; the writer finishes its queue and ends.
    pub fn stop_writer(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
        self.metrics.set_writer(false);
    }

    /// Queues a verified entry and waits until it is durable (or refused). An entry larger
    /// than the log takes is refused here, before the writer: the log would refuse it too, but
    /// in an append that fails every entry of the batch.
    pub async fn submit(
        &self,
        entry: VerifiedEntry,
        document: &Value,
    ) -> Result<Committed, WriteError> {
        let bytes = serde_json::to_vec(document)
            .map_err(|e| Failure::Append(Arc::new(LogFileError::Io(std::io::Error::other(e)))))?;
        if bytes.len() > MAX_ENTRY_BYTES {
            self.metrics.refused(&entry, &Refusal::TooLarge);
            return Err(Refusal::TooLarge.into());
        }
        let (reply, answer) = oneshot::channel();
        let sender = self
            .queue
            .lock()
            .ok()
            .and_then(|q| q.clone())
            .ok_or(Failure::WriterStopped)?;
        self.metrics.queued();
        sender
            .send(Job {
                entry,
                bytes,
                reply,
            })
            .await
            .map_err(|_| Failure::WriterStopped)?;
        answer.await.map_err(|_| Failure::WriterStopped)?
    }

    /// Commits one batch in named steps — [`sequence`](Self::sequence),
    /// [`persist`](Self::persist), [`publish`](Self::publish), [`reply`](Self::reply) —
    /// failing closed: an entry is acknowledged only durable, with a stored checkpoint that
    /// includes it and a proof of its inclusion; when a step fails, every entry of the batch
    /// is answered with the failure and the writer stops (a failing disk).
    fn commit(&self, batch: Vec<Job>) {
        if self.writer_failed() {
            // What a failed batch left behind (entries stored, the tree not extended, no
            // checkpoint over them) is the next writer's to take in from the log, by
            // `Ledger::take_over`; a batch judged and stored on top of it here would be signed
            // over a tree the log does not hold (found in review).
            self.metrics.batch_failed(batch.len());
            for job in batch {
                let _ = job.reply.send(Err(Failure::WriterStopped.into()));
            }
            return;
        }
        let started = std::time::Instant::now();
        let accepted = self.sequence(batch);
        if accepted.is_empty() {
            return;
        }
        let published = self
            .metrics
            .time_fsyncs(|| self.persist(&accepted))
            .and_then(|flush| self.publish(&accepted, flush));
        match published {
            Ok(checkpoint) => {
                let entries = accepted.iter().map(|s| &s.job.entry);
                self.metrics.committed(entries, started);
                self.reply(accepted, &checkpoint)
            }
            Err(failure) => {
                self.metrics.batch_failed(accepted.len());
                // Only the store failing stops the writer; nothing a client sends can (entry
                // sizes are checked in `submit`, and an oversized entry is refused before
                // anything is written).
                let refused_batch = matches!(&failure, Failure::Append(error)
                    if matches!(**error, LogFileError::Corrupt(_)));
                if refused_batch {
                    tracing::error!("{failure}: the log refused the batch");
                } else {
                    tracing::error!("{failure}; refusing writes");
                    self.writer_failed
                        .store(true, std::sync::atomic::Ordering::Release);
                    self.stop_writer();
                }
                for sequenced in accepted {
                    let _ = sequenced.job.reply.send(Err(failure.clone().into()));
                }
            }
        }
    }

    /// Sequence: runs [`state::transition`] on each job in order, against the indexes plus the
    /// writes staged earlier in the batch, giving each accepted entry the next log index. The
    /// keys the batch will read are read first, together (one round trip on PostgreSQL; a
    /// second for a batch with allocations, whose first probes follow from the first read).
    /// Refused entries are answered at once and never reach the log.
    fn sequence(&self, batch: Vec<Job>) -> Vec<Sequenced> {
        let mut trust = Some(read_lock(&self.trust).0.clone());
        let mut overlay = Overlay::new(self.store.as_ref());
        let wanted = batch
            .iter()
            .flat_map(|job| state::keys_read(&job.entry, &self.identity))
            .collect();
        if let Err(error) = overlay.prefetch(wanted) {
            // Each transition then reads what it needs, and fails as the store fails.
            tracing::warn!("cannot read the batch's index keys together: {error}");
        }
        // What the first read tells (the list each allocation reserves from) names the keys
        // read next: a second round trip for the whole batch, not two for each allocation.
        let probed: Vec<Vec<u8>> = batch
            .iter()
            .flat_map(|job| state::keys_probed(&overlay, &job.entry, &job.bytes))
            .collect();
        if !probed.is_empty() {
            if let Err(error) = overlay.prefetch(probed) {
                tracing::warn!("cannot read the batch's allocation probes together: {error}");
            }
        }
        let mut next = self.log.size();
        let mut accepted = Vec::new();
        for job in batch {
            match state::transition(
                &overlay,
                next,
                &job.entry,
                &job.bytes,
                trust.as_deref(),
                &self.identity,
            ) {
                Ok(transition) => {
                    overlay.stage(&transition.writes);
                    if let Effect::TrustList(list) = &transition.effect {
                        trust = Some(Arc::new((**list).clone()));
                    }
                    accepted.push(Sequenced {
                        job,
                        transition,
                        index: next,
                    });
                    next += 1;
                }
                Err(error) => {
                    self.metrics.not_taken(&job.entry, &error);
                    let _ = job.reply.send(Err(error));
                }
            }
        }
        accepted
    }

    /// Persist: has the log store write the entries and the whole batch's index writes with the
    /// applied-size marker durably ([`LogStore::commit`]: one statement on PostgreSQL; on files
    /// one step after the other, see [`crate::log_store::commit_in_order`]), and extends the
    /// tree by their leaves, now part of the log. After a crash the indexes hold all of the
    /// batch or none, and a restart replays what they lack from the log and signs over entries
    /// no checkpoint covers. Only the store failing (or another writer) fails it; nothing a
    /// client sends can (entry sizes are checked in `submit`). Gives how the checkpoint over
    /// the batch is to be written (see [`crate::StoredBatch`]).
    fn persist(&self, accepted: &[Sequenced]) -> Result<CheckpointFlush, Failure> {
        let entries: Vec<Vec<u8>> = accepted.iter().map(|s| s.job.bytes.clone()).collect();
        let mut index_writes = Vec::new();
        for sequenced in accepted {
            index_writes.extend(sequenced.transition.writes.iter().cloned());
        }
        let applied = accepted.last().map_or(0, |s| s.index + 1);
        index_writes.push((keys::APPLIED.to_vec(), Some(applied.to_be_bytes().to_vec())));
        let batch = Batch {
            first: accepted.first().map_or(0, |s| s.index),
            entries,
            index_writes,
        };
        // The tree takes the batch's leaves after the ones it has: it must be the log's up to
        // where the batch starts.
        let tree_size = read_lock(&self.tree).size();
        if tree_size != batch.first {
            return Err(Failure::Checkpoint(Arc::new(std::io::Error::other(
                format!(
                    "the tree in memory has {tree_size} leaves but the batch starts at entry {}",
                    batch.first
                ),
            ))));
        }
        let stored = self
            .log
            .commit(batch, self.store.as_ref())
            .map_err(|error| match error {
                CommitError::Entries(error) => Failure::Append(Arc::new(error)),
                CommitError::Index(error) => Failure::Store(error),
                CommitError::IndexLost => Failure::IndexLost(applied),
            })?;
        let mut tree = write_lock(&self.tree);
        for hash in stored.leaves {
            tree.append(hash);
        }
        Ok(stored.checkpoint_flush)
    }

    /// Publish: the trust list in force, the name index and the credential directory take
    /// each entry (before the answer: a look-up after a revocation's acknowledgement finds
    /// it); the status lists the batch touched are re-signed; then — the entries durable — a
    /// checkpoint is signed over the tree and stored (compare-and-swap on the size this writer
    /// last wrote; flushed as `flush`, from [`Ledger::persist`], says), and served.
    fn publish(
        &self,
        accepted: &[Sequenced],
        flush: CheckpointFlush,
    ) -> Result<Checkpointed, Failure> {
        for sequenced in accepted {
            if let Effect::TrustList(list) = &sequenced.transition.effect {
                self.set_trust_list(Arc::new((**list).clone()), sequenced.index);
            }
            self.index_logged(sequenced.index, &sequenced.job.bytes);
        }
        let mut touched: Vec<_> = accepted
            .iter()
            .filter_map(|s| match &s.transition.effect {
                Effect::StatusChanged { list, .. } => Some(*list),
                _ => None,
            })
            .collect();
        touched.sort();
        touched.dedup();
        for (purpose, list) in touched {
            self.resign_list(purpose, list)?;
        }
        // The entries are durable, but without a checkpoint that includes them, acknowledging
        // them with an older one would hand out receipts that do not verify. A restart signs a
        // checkpoint over the log, and a client that sends its write again is answered as the
        // same registration.
        // Waited for unless the batch's index writes are durable with its entries (then a
        // crash can lose only the note, signed again the same: `CheckpointFlush::Later`).
        self.sign_checkpoint(self.checkpoint().0, flush)
            .map_err(|error| Failure::Checkpoint(Arc::new(error)))?;
        let (tree_size, note) = self.checkpoint();
        Ok(Checkpointed { tree_size, note })
    }

    /// Reply: answers each entry with its logged bytes, the checkpoint and a proof of its
    /// inclusion in that checkpoint's tree (an entry without a proof is not acknowledged).
    fn reply(&self, accepted: Vec<Sequenced>, checkpoint: &Checkpointed) {
        let tree = read_lock(&self.tree);
        let tree_size = checkpoint.tree_size;
        for Sequenced {
            job,
            transition,
            index,
        } in accepted
        {
            let answer = match tree.inclusion_proof(index, tree_size) {
                Some(inclusion_proof) => Ok(Committed {
                    index,
                    effect: transition.effect,
                    entry: job.bytes,
                    inclusion_proof,
                    checkpoint: checkpoint.note.clone(),
                    tree_size,
                }),
                None => {
                    let failure = Failure::NoProof { index, tree_size };
                    tracing::error!("{failure}");
                    Err(failure.into())
                }
            };
            let _ = job.reply.send(answer);
        }
    }

    /// Loads the name index and the credential directory from the log (run in the background
    /// at start-up; the writer indexes every entry it commits meanwhile, and an entry indexed
    /// twice is kept once). From the log rather than the index store: a scan of every record
    /// would fill sled's cache (hundreds of MiB at a million credentials) for nothing.
    pub fn load_from_log(&self) {
        let size = self.log.size();
        // Every registration uses entries reserved by an allocation request before it, so at
        // most half the log registers credentials.
        let registrations = usize::try_from(size / 2).unwrap_or(usize::MAX);
        write_lock(&self.directory).reserve(registrations);
        write_lock(&self.names).reserve(registrations);
        self.index_range(0, size);
        write_lock(&self.names).shrink_to_fit();
        write_lock(&self.directory).finish_loading();
    }

    /// Indexes the entries `start..end` in the name index and the credential directory.
    fn index_range(&self, mut start: u64, end_of_range: u64) {
        while start < end_of_range {
            let end = end_of_range.min(start + LOAD_READ);
            match self.log.entries(start..end) {
                Ok(entries) => {
                    for (index, entry) in (start..).zip(entries) {
                        self.index_logged(index, &entry);
                    }
                }
                // One by one, to name the entry and keep the others.
                Err(_) => {
                    for index in start..end {
                        match self.entry(index) {
                            Ok(entry) => self.index_logged(index, &entry),
                            Err(error) => {
                                tracing::error!(index, "cannot read a log entry: {error}");
                                write_lock(&self.directory).abandon();
                            }
                        }
                    }
                }
            }
            start = end;
        }
    }

    /// Adds what a committed entry means to the name index and the credential directory.
    fn index_logged(&self, index: u64, entry: &[u8]) {
        match LoggedEntry::read(index, entry) {
            Some(LoggedEntry::Registration { id, facts, names }) => {
                // As the number is parsed (full-width digits and spaces are accepted in a
                // credential), not as written.
                if let Some(names) = names {
                    if let Ok(number) = CorporateNumber::parse(&names.corporate_number) {
                        write_lock(&self.names).insert(
                            number.as_str(),
                            &names.legal_name,
                            names.legal_name_en.as_deref(),
                            names.legal_name_kana.as_deref(),
                        );
                    }
                }
                let Ok(entry_offset) = self.log.entry_offset(index) else {
                    // Only for an index past the log, which no caller passes.
                    write_lock(&self.directory).mark_in_store(&id);
                    return;
                };
                write_lock(&self.directory).insert(&id, &facts, entry_offset, |method| {
                    DidKey::from_verification_method(method)
                        .ok()
                        .map(|key| key.to_string())
                });
            }
            Some(LoggedEntry::StatusChange { target }) => {
                write_lock(&self.directory).mark_changed(&target, index)
            }
            Some(LoggedEntry::Other) => {}
            None => {
                // It might have changed any credential's status.
                tracing::error!(
                    index,
                    "unreadable log entry: look-ups go to the index store"
                );
                write_lock(&self.directory).abandon();
            }
        }
    }

    fn resign_list(&self, purpose: StatusPurpose, list: u32) -> Result<(), Failure> {
        // One signer at a time, from reading the bits to replacing the list: the writer signs
        // after each status change, handlers when a list is first asked for or a day old, and
        // a handler that read the bits before a change must not put its list in place after
        // the writer's (the change would be acknowledged and not served).
        let _signing = self
            .signing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bits = read_bits(self.store.as_ref(), purpose, list)?;
        let signed_at = now();
        let content = StatusList {
            url: state::list_url(&self.identity.base_url, purpose, list),
            purpose,
            bits,
            valid_from: signed_at,
            valid_until: signed_at.plus_days(7),
            ttl_ms: Some(STATUS_TTL_SECONDS * 1000),
        };
        let document = content.to_json(&self.keys.status.public().did_key());
        let Ok(signed) = scs_core::proof::sign(
            document,
            &self.keys.status,
            signed_at,
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        ) else {
            return Err(Failure::StatusLists("a status list could not be signed"));
        };
        let body = serde_json::to_vec(&signed).unwrap_or_default();
        let digest = sha2::Sha256::digest(&body);
        let etag = format!(
            "\"{}\"",
            digest
                .iter()
                .take(12)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let resign_after = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(signed_at.unix().max(0).unsigned_abs() + 86_400);
        write_lock(&self.lists).insert(
            (purpose, list),
            Arc::new(SignedList {
                body,
                etag,
                resign_after,
            }),
        );
        // After the list is in place: whoever sees the new version finds the new list.
        self.lists_signed
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        self.metrics.list_signed(purpose, list, signed_at);
        Ok(())
    }

    /// The signed status list, re-signed when a day old so that its `validUntil` never lapses:
    /// `Ok(None)` for a list that was never opened, an error when the store cannot say.
    pub fn status_list(
        &self,
        purpose: StatusPurpose,
        list: u32,
    ) -> Result<Option<Arc<SignedList>>, Failure> {
        // A list signed before exists (lists are never removed): answer from the cache without
        // reading the store.
        let fresh = |l: &SignedList| std::time::SystemTime::now() < l.resign_after;
        if let Some(cached) = read_lock(&self.lists)
            .get(&(purpose, list))
            .filter(|l| fresh(l))
        {
            return Ok(Some(cached.clone()));
        }
        if list > self.open_list(purpose)? {
            return Ok(None);
        }
        self.resign_list(purpose, list)?;
        Ok(read_lock(&self.lists).get(&(purpose, list)).cloned())
    }

    /// The number of the list taking allocations for `purpose`: lists `0..=` it are served.
    fn open_list(&self, purpose: StatusPurpose) -> Result<u32, Failure> {
        let key = keys::open_list(purpose);
        Ok(match self.store.get(&key)? {
            Some(bytes) => {
                serde_json::from_slice::<state::OpenList>(&bytes)
                    .map_err(|source| Failure::unreadable_record(&key, source))?
                    .list
            }
            None => 0,
        })
    }

    /// The signed status index ([`scs_core::status_index`], `GET /v1/status`): the trust list
    /// in force, the checkpoint and every status list, each by the SHA-256 of the bytes served,
    /// signed with the status key at the registry's clock. Signed afresh on each call, so that
    /// its time is the time of asking: an offline bundle is as old as its index.
    pub fn status_index(&self) -> Result<Vec<u8>, Failure> {
        let trust_list = self.trust_list_document()?;
        let (_, checkpoint) = self.checkpoint();
        let mut lists = Vec::new();
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            for list in 0..=self.open_list(purpose)? {
                if let Some(signed) = self.status_list(purpose, list)? {
                    lists.push(IndexedList {
                        url: state::list_url(&self.identity.base_url, purpose, list),
                        sha256: sha256_hex(&signed.body),
                    });
                }
            }
        }
        let signed_at = now();
        let index = StatusIndex::new(
            self.identity.base_url.clone(),
            signed_at,
            &trust_list,
            checkpoint.as_bytes(),
            lists,
        );
        let unsigned = serde_json::to_value(&index)
            .map_err(|_| Failure::StatusLists("the status index does not serialise"))?;
        let signed = scs_core::proof::sign(
            unsigned,
            &self.keys.status,
            signed_at,
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .map_err(|_| Failure::StatusLists("the status index cannot be signed"))?;
        serde_json::to_vec(&signed)
            .map_err(|_| Failure::StatusLists("the status index does not serialise"))
    }

    /// This ledger's number (unique in the process) and a count that changes whenever any of
    /// its status lists is signed again: a copy of a list taken at one version is the list
    /// served for as long as the version stays the same.
    pub fn lists_version(&self) -> (u64, u64) {
        (
            self.id,
            self.lists_signed.load(std::sync::atomic::Ordering::Acquire),
        )
    }

    /// The current checkpoint: tree size and signed note.
    pub fn checkpoint(&self) -> (u64, Arc<String>) {
        let guard = read_lock(&self.checkpoint);
        (guard.0, guard.1.clone())
    }

    /// The trust list in force and its log index.
    pub fn trust_list(&self) -> (Arc<TrustList>, u64) {
        read_lock(&self.trust).clone()
    }

    fn set_trust_list(&self, list: Arc<TrustList>, index: u64) {
        self.void_from
            .store(void_from(&list), std::sync::atomic::Ordering::Release);
        *write_lock(&self.trust) = (list, index);
    }

    /// Why a credential with this history no longer counts at `now`, if it does not
    /// ([`state::Void`]).
    pub fn void(&self, history: &[state::HistoryEvent], now: Timestamp) -> Option<state::Void> {
        if now.unix() < self.void_from.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        state::Void::of_history(&self.trust_list().0, history, now)
    }

    /// The signed trust list document in force, as logged.
    pub fn trust_list_document(&self) -> Result<Vec<u8>, Failure> {
        self.entry(self.trust_list().1)
            .map_err(|error| Failure::Read(Arc::new(error)))
    }

    /// Verification evidence (`scs_core::evidence`) of a check that ran at `checked_at`, the
    /// registry's clock: the check with the checkpoint and trust list edition in force now,
    /// signed with the status key.
    pub fn sign_evidence(&self, checked: Checked, checked_at: Timestamp) -> Result<Value, Failure> {
        let (tree_size, note) = self.checkpoint();
        let trust_list = self.trust_list_in_force(tree_size)?;
        let checkpoint = self.open_checkpoint(note.as_bytes()).map_err(|unusable| {
            let why = match unusable {
                Unusable::Torn(why) | Unusable::Foreign(why) => why,
            };
            Failure::Checkpoint(Arc::new(std::io::Error::other(why)))
        })?;
        let evidence = Evidence {
            checked_at,
            checkpoint: CheckpointRef {
                tree_size,
                root_hash: checkpoint.root().to_base64(),
                signed_note: note.to_string(),
            },
            trust_list,
            checked,
        };
        evidence::sign(&evidence, &self.keys.status)
            .map_err(|e| Failure::Checkpoint(Arc::new(std::io::Error::other(e.to_string()))))
    }

    /// The trust list edition in force as logged, with its inclusion proof in the tree of
    /// `tree_size`, a checkpoint's. An edition comes into force when its batch is indexed, a
    /// moment before that batch's checkpoint is signed: in between it has no proof, and the
    /// evidence is refused (503) rather than signed against an edition it cannot prove.
    fn trust_list_in_force(&self, tree_size: u64) -> Result<TrustListRef, Failure> {
        let index = self.trust_list().1;
        let bytes = self
            .entry(index)
            .map_err(|error| Failure::Read(Arc::new(error)))?;
        let entry = String::from_utf8(bytes).map_err(|error| Failure::Entry {
            index,
            source: Arc::new(serde::de::Error::custom(error)),
        })?;
        let proof = read_lock(&self.tree)
            .inclusion_proof(index, tree_size)
            .ok_or(Failure::NoProof { index, tree_size })?;
        Ok(TrustListRef {
            log_index: index,
            entry,
            inclusion_proof: proof.iter().map(Hash::to_base64).collect(),
        })
    }

    /// The registry's identity.
    pub fn identity(&self) -> &RegistryIdentity {
        &self.identity
    }

    /// The log origin (checkpoint and note key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log public key.
    pub fn log_key(&self) -> scs_core::keys::PublicKey {
        self.keys.log.public()
    }

    /// A credential's record, without reading the credential from the log: `Ok(None)` when it
    /// is not registered, an error when the store cannot say.
    pub fn credential_record(
        &self,
        id: &CredentialId,
    ) -> Result<Option<state::CredentialRecord>, Failure> {
        let key = keys::credential(id);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(None);
        };
        let record: state::CredentialRecord = serde_json::from_slice(&bytes)
            .map_err(|source| Failure::unreadable_record(&key, source))?;
        // A registration the store holds but this process's log does not reach yet (a standby
        // before it follows; the writer between its commit and taking the batch in) is not
        // registered here yet: its checkpoint does not cover it, and its entry cannot be read
        // (it was a 503, found in review).
        Ok((record.log_index < self.log.size()).then_some(record))
    }

    /// What `GET /v1/credentials/{id}` answers: from the credential directory (memory) when
    /// the credential's status never changed; else from the views of changed credentials
    /// (memory) when the one kept reflects the newest change the directory has read; else from
    /// its record in the index store.
    pub fn credential_view(&self, id: &CredentialId) -> Result<Option<CredentialView>, Failure> {
        let newest_change = {
            let directory = read_lock(&self.directory);
            if let Standing::Unchanged(facts) = directory.standing(id) {
                if let Some(signer) = directory.signer(&facts) {
                    return Ok(Some(CredentialView::unchanged(&facts, signer)));
                }
            }
            directory.newest_change(id)
        };
        let Some(newest_change) = newest_change else {
            return self.credential_view_in_store(id);
        };
        if let Some(view) = self.changed_views.get(id, newest_change) {
            return Ok(Some(view));
        }
        let view = self.credential_view_in_store(id)?;
        if let Some(view) = &view {
            self.changed_views.keep(id, newest_change, view);
        }
        Ok(view)
    }

    /// The view of a credential built from its record in the index store (what the directory
    /// stands in for).
    pub fn credential_view_in_store(
        &self,
        id: &CredentialId,
    ) -> Result<Option<CredentialView>, Failure> {
        let Some(record) = self.credential_record(id)? else {
            return Ok(None);
        };
        let entry_offset = self
            .log
            .entry_offset(record.log_index)
            .map_err(|error| Failure::Read(Arc::new(error)))?;
        Ok(Some(CredentialView::of_record(record, entry_offset)))
    }

    /// Fills `buffer` with the JSON text of the credential `view` describes, from its
    /// registration entry read whole and checked against its leaf hash (never a changed byte:
    /// [`LogFileError::Integrity`]).
    pub fn read_credential(
        &self,
        view: &CredentialView,
        buffer: &mut [u8],
    ) -> Result<(), LogFileError> {
        let at = view.credential_at;
        let (entry_offset, entry) = self.log.entry(view.log_index)?;
        let text = at
            .offset
            .checked_sub(entry_offset)
            .and_then(|start| usize::try_from(start).ok())
            .and_then(|start| entry.get(start..start.checked_add(at.len as usize)?))
            .filter(|text| text.len() == buffer.len())
            .ok_or(LogFileError::Span(view.log_index))?;
        buffer.copy_from_slice(text);
        Ok(())
    }

    /// A registered credential: its record, and the signed credential from the log. An entry
    /// that fails its integrity check, or a credential span that does not hold the credential,
    /// is an error, never a credential that is not registered.
    pub fn credential(&self, id: &CredentialId) -> Result<Option<Registered>, Failure> {
        let Some((bytes, record)) = self.credential_bytes(id)? else {
            return Ok(None);
        };
        let credential = serde_json::from_slice(&bytes)
            .map_err(|source| Failure::unreadable_entry(record.log_index, source))?;
        Ok(Some(Registered { credential, record }))
    }

    /// [`Ledger::credential`] as the bytes registered, not read: for a verifier that reads
    /// them itself ([`scs_verifier::Verifier::check_batch`]).
    pub fn credential_bytes(
        &self,
        id: &CredentialId,
    ) -> Result<Option<(Vec<u8>, state::CredentialRecord)>, Failure> {
        let Some(record) = self.credential_record(id)? else {
            return Ok(None);
        };
        let entry = self
            .entry(record.log_index)
            .map_err(|error| Failure::Read(Arc::new(error)))?;
        let span = record.credential_span;
        let start = span.start as usize;
        let credential = start
            .checked_add(span.len as usize)
            .and_then(|end| entry.get(start..end))
            .ok_or_else(|| Failure::Read(Arc::new(LogFileError::Span(record.log_index))))?;
        Ok(Some((credential.to_vec(), record)))
    }

    /// Credential ids of an organisation (at most [`MAX_CREDENTIALS_PER_ORGANIZATION`]).
    pub fn organization(&self, number: &CorporateNumber) -> Result<Vec<CredentialId>, Failure> {
        Ok(self
            .store
            .scan_prefix(
                &keys::organization_prefix(number.as_str()),
                MAX_CREDENTIALS_PER_ORGANIZATION,
            )?
            .into_iter()
            .filter_map(|(k, _)| {
                let tail = k.get(k.len().checked_sub(16)?..)?;
                Some(CredentialId::from_bytes(tail.try_into().ok()?))
            })
            .collect())
    }

    /// Companies whose names contain `query` (folded), at most `limit`: the index's answer,
    /// which [`Ledger::search_names`] completes.
    pub(crate) fn name_hits(&self, query: &str, limit: usize) -> Vec<NameHit> {
        read_lock(&self.names).search(query, limit)
    }

    /// Tree size, root at a size, proofs and tiles.
    pub fn tree(&self) -> std::sync::RwLockReadGuard<'_, Tree> {
        read_lock(&self.tree)
    }

    /// The credential directory (what `GET /v1/credentials/{id}` reads before the store).
    pub fn directory(&self) -> std::sync::RwLockReadGuard<'_, Directory> {
        read_lock(&self.directory)
    }

    /// A log entry.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogFileError> {
        self.log.entry(index).map(|(_, entry)| entry)
    }

    /// The index store (for read paths).
    pub fn store(&self) -> &dyn IndexStore {
        self.store.as_ref()
    }
}

use sha2::Digest;

/// The earliest time a credential can be void under `list`: a key's own word can end no
/// earlier than its earliest cutoff, and a credential registered then is void only once the
/// registry's clock has passed its registration, at most `FRESHNESS_SECONDS` before the cutoff.
fn void_from(list: &TrustList) -> i64 {
    // 9999-12-31T23:59:59Z: every cutoff, however far ahead.
    let ever = Timestamp::from_unix(253_402_300_799);
    list.issuers
        .iter()
        .flat_map(|issuer| issuer.key_uses().map(move |key| Signer { issuer, key }))
        .filter_map(|signer| signer.own_word_ends(ever?))
        .map(|(cutoff, _)| cutoff.unix() - scs_core::lifecycle::FRESHNESS_SECONDS)
        .min()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crash_disk::{CrashDisk, Cut};
    use crate::store::{Entries, MemoryStore, StoreError, Write};
    use scs_issuer::keyfile;
    use std::path::PathBuf;

    fn demo(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../keys/demo")
            .join(name)
    }

    /// Where the file log keeps the last checkpoint written.
    fn checkpoint_path(dir: &Path) -> PathBuf {
        dir.join("log").join("checkpoint")
    }

    fn demo_registry_keys() -> RegistryKeys {
        RegistryKeys {
            status: keyfile::load_secret(&demo("registry-status.key"))
                .unwrap()
                .key,
            log: log_key(),
        }
    }

    fn log_key() -> SecretKey {
        keyfile::load_secret(&demo("registry-log.key")).unwrap().key
    }

    /// The demo ledger in `dir`, its checkpoint on `disk`.
    fn open(
        disk: Arc<dyn Disk>,
        dir: &Path,
        store: Arc<MemoryStore>,
    ) -> Result<Arc<Ledger>, LedgerError> {
        open_over(Arc::new(FileLog::open(disk, &dir.join("log"))?), store)
    }

    /// The demo ledger in the PostgreSQL database at `url`.
    fn open_postgres(url: &str) -> Result<Arc<Ledger>, LedgerError> {
        let database = crate::Postgres::connect(url)?;
        open_over(Arc::new(database.log()?), Arc::new(database.index()))
    }

    /// The demo ledger over `log` and `store`.
    fn open_over(
        log: Arc<dyn LogStore>,
        store: Arc<dyn IndexStore>,
    ) -> Result<Arc<Ledger>, LedgerError> {
        let genesis: Value =
            serde_json::from_slice(&std::fs::read(demo("trust-list.json")).unwrap()).unwrap();
        Ledger::open_log(
            log,
            store,
            keyfile::load_public(&demo("operator.pub")).unwrap(),
            demo_registry_keys(),
            &genesis,
        )
    }

    /// The real disk, except that syncing a file fails once `failing` is set — after, if the
    /// test gave them, telling `entered` and waiting on `release`: a checkpoint write that
    /// stalls while more writes queue up, then fails.
    #[derive(Debug, Default)]
    struct FailingSync {
        failing: std::sync::atomic::AtomicBool,
        entered: Mutex<Option<std::sync::mpsc::Sender<()>>>,
        release: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    }

    impl Disk for FailingSync {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            RealDisk.read(path)
        }
        fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            RealDisk.write(path, bytes)
        }
        fn sync_file(&self, path: &Path) -> std::io::Result<()> {
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                if let Some(entered) = self.entered.lock().unwrap().take() {
                    entered.send(()).unwrap();
                }
                if let Some(release) = self.release.lock().unwrap().take() {
                    release.recv().unwrap();
                }
                return Err(std::io::Error::other("the disk is failing"));
            }
            RealDisk.sync_file(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
            RealDisk.rename(from, to)
        }
        fn remove(&self, path: &Path) -> std::io::Result<()> {
            RealDisk.remove(path)
        }
        fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
            RealDisk.sync_dir(dir)
        }
    }

    /// Found in review: when the checkpoint cannot be written, a write was acknowledged with
    /// the older checkpoint and an empty proof — a receipt that does not verify. It is refused
    /// (503) instead, and the writer stops, as for any failing disk.
    #[test]
    fn a_write_is_never_acknowledged_without_a_durable_checkpoint_that_includes_it() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Arc::new(FailingSync::default());
        let ledger = open(disk.clone(), dir.path(), Arc::new(MemoryStore::default())).unwrap();
        ledger.start_writer();
        disk.failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let answer = publish_next_edition(&ledger);
        assert!(
            matches!(answer, Err(WriteError::Failed(Failure::Checkpoint(_)))),
            "{:?}",
            answer.map(|c| (c.index, c.tree_size, c.inclusion_proof.len()))
        );
        ledger.finish_writes();
    }

    /// Found in review: a write already queued behind a batch that failed was still committed,
    /// on whatever the failure left (a batch whose index writes failed leaves entries the tree
    /// lacks: that write would be signed over a tree the log does not hold). Once a batch
    /// fails, the writer commits nothing more, and a restart takes the log in whole.
    #[test]
    fn after_a_failed_batch_the_writer_commits_nothing_queued_behind_it() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Arc::new(FailingSync::default());
        let store = Arc::new(MemoryStore::default());
        let ledger = open(disk.clone(), dir.path(), store.clone()).unwrap();
        let size = ledger.checkpoint().0;
        ledger.start_writer();
        let (entered, in_checkpoint) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel();
        *disk.entered.lock().unwrap() = Some(entered);
        *disk.release.lock().unwrap() = Some(released);
        disk.failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        std::thread::scope(|scope| {
            let first = scope.spawn(|| publish_next_edition(&ledger));
            in_checkpoint.recv().unwrap();
            // Queued while the first batch's checkpoint stalls (its entry is stored), and judged
            // against the indexes that batch applied: the edition after it.
            let second = scope.spawn(|| publish_edition_after_next(&ledger, 2));
            while ledger.metrics.queue_depth() == 0 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            release.send(()).unwrap();
            let first = first.join().unwrap();
            assert!(
                matches!(first, Err(WriteError::Failed(Failure::Checkpoint(_)))),
                "{:?}",
                first.map(|c| c.index)
            );
            let second = second.join().unwrap();
            assert!(
                matches!(second, Err(WriteError::Failed(Failure::WriterStopped))),
                "{:?}",
                second.map(|c| c.index)
            );
        });
        ledger.finish_writes();
        drop(ledger);
        let restarted = open(Arc::new(RealDisk), dir.path(), store).unwrap();
        assert_eq!(
            restarted.checkpoint().0,
            size + 1,
            "the stored entry, signed over"
        );
    }

    /// Submits the operator's next trust list edition (a write any ledger takes) and waits for
    /// the answer, on a current-thread runtime as a test handler would.
    fn publish_next_edition(ledger: &Ledger) -> Result<Committed, WriteError> {
        publish_edition_after_next(ledger, 1)
    }

    /// Submits the edition `ahead` sequence numbers after the one in force, as
    /// [`publish_next_edition`] does.
    fn publish_edition_after_next(ledger: &Ledger, ahead: u64) -> Result<Committed, WriteError> {
        let operator = keyfile::load_secret(&demo("operator.key")).unwrap().key;
        let (list, _) = ledger.trust_list();
        let mut next = (*list).clone();
        next.sequence += ahead;
        let now = scs_issuer::now();
        let document = scs_core::proof::sign(
            next.to_credential(&operator.public().did_key(), now),
            &operator,
            now,
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let entry = state::verify_entry(document.clone(), &operator.public().did_key()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(ledger.submit(entry, &document))
    }

    /// A [`MemoryStore`] that counts the reads of one key and of many.
    #[derive(Debug, Default)]
    struct CountingStore {
        inner: MemoryStore,
        gets: std::sync::atomic::AtomicUsize,
        many: std::sync::atomic::AtomicUsize,
    }

    impl IndexStore for CountingStore {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.get(key)
        }
        fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
            self.many.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            keys.iter().map(|key| self.inner.get(key)).collect()
        }
        fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
            self.inner.scan_prefix(prefix, limit)
        }
        fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
            self.inner.apply(writes)
        }
        fn clear(&self) -> Result<(), StoreError> {
            self.inner.clear()
        }
    }

    /// A store whose read of one key, once armed, returns only when released: a handler
    /// caught between reading a status list's bits and putting the list in place.
    struct GatedStore {
        inner: crate::PgIndex,
        gated: Mutex<Option<Vec<u8>>>,
        read: std::sync::mpsc::SyncSender<()>,
        release: Mutex<std::sync::mpsc::Receiver<()>>,
    }

    impl IndexStore for GatedStore {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            let value = self.inner.get(key)?;
            let gated = self.gated.lock().unwrap().take_if(|gated| gated == key);
            if gated.is_some() {
                self.read.send(()).unwrap();
                self.release.lock().unwrap().recv().unwrap();
            }
            Ok(value)
        }
        fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
            self.inner.get_many(keys)
        }
        fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
            self.inner.scan_prefix(prefix, limit)
        }
        fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
            self.inner.apply(writes)
        }
        fn clear(&self) -> Result<(), StoreError> {
            self.inner.clear()
        }
    }

    /// Found in review: a standby's handler that read a status list's bits before the writer
    /// set one, and put its list in place after the standby followed (which drops the signed
    /// lists), had the old list served — without the revocation — until the next change or
    /// for a day. After the follow the standby serves the bit.
    #[test]
    fn postgres_a_standby_never_keeps_a_list_signed_from_bits_read_before_it_followed() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let writer = open_postgres(&url).unwrap();
        writer.start_writer();
        let key = keyfile::load_secret(&demo("issuer-star4.key")).unwrap().key;
        let body = scs_core::lifecycle::RequestBody::AllocateStatus;
        let document =
            scs_core::lifecycle::sign_request(&body, &key, scs_issuer::now(), "0123456789abcdef")
                .unwrap();
        let entry = state::verify_entry(document.clone(), &key.public().did_key()).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(writer.submit(entry, &document))
            .unwrap();

        let database = crate::Postgres::connect(&url).unwrap();
        let (read, was_read) = std::sync::mpsc::sync_channel(1);
        let (release, released) = std::sync::mpsc::sync_channel(1);
        let bits_key = keys::bits(StatusPurpose::Revocation, 0);
        let store = Arc::new(GatedStore {
            inner: database.index(),
            gated: Mutex::new(None),
            read,
            release: Mutex::new(released),
        });
        let standby = Ledger::open_standby(
            Arc::new(database.log().unwrap()),
            store.clone(),
            keyfile::load_public(&demo("operator.pub")).unwrap(),
            demo_registry_keys(),
        )
        .unwrap();
        *store.gated.lock().unwrap() = Some(bits_key.clone());
        let reader = {
            let standby = Arc::clone(&standby);
            std::thread::spawn(move || standby.status_list(StatusPurpose::Revocation, 0))
        };
        was_read.recv().unwrap();

        // The writer sets a bit, with an entry of its own (what a revocation commits).
        let mut bits = state::read_bits(&database.index(), StatusPurpose::Revocation, 0).unwrap();
        bits.set(5, true);
        publish_next_edition(&writer).unwrap();
        database
            .index()
            .apply(vec![(bits_key, Some(bits.as_bytes().to_vec()))])
            .unwrap();
        let follower = {
            let standby = Arc::clone(&standby);
            std::thread::spawn(move || standby.follow().map(|_| ()).map_err(|e| e.to_string()))
        };
        // Long enough for a follow that does not wait for the handler to end.
        std::thread::sleep(std::time::Duration::from_millis(300));
        release.send(()).unwrap();
        reader.join().unwrap().unwrap();
        follower.join().unwrap().unwrap();

        let served = standby
            .status_list(StatusPurpose::Revocation, 0)
            .unwrap()
            .unwrap();
        let list = scs_core::status_list::StatusList::from_json(
            &serde_json::from_slice(&served.body).unwrap(),
        )
        .unwrap();
        assert_eq!(
            list.bits.get(5),
            Some(true),
            "the bit set before the follow"
        );
        writer.finish_writes();
    }

    /// A [`MemoryStore`] that, once told to, takes one batch of writes and forgets it: what a
    /// database that restarts before flushing a commit that did not wait does.
    #[derive(Debug, Default)]
    struct ForgetfulStore {
        inner: MemoryStore,
        forget_next: std::sync::atomic::AtomicBool,
        /// Forgets every batch while set.
        forget_all: std::sync::atomic::AtomicBool,
    }

    impl IndexStore for ForgetfulStore {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            self.inner.get(key)
        }
        fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
            self.inner.scan_prefix(prefix, limit)
        }
        fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
            if self
                .forget_next
                .swap(false, std::sync::atomic::Ordering::SeqCst)
                || self.forget_all.load(std::sync::atomic::Ordering::SeqCst)
            {
                return Ok(());
            }
            self.inner.apply(writes)
        }
        fn clear(&self) -> Result<(), StoreError> {
            self.inner.clear()
        }
    }

    /// Found in review: an index commit the store lost after saying it took it (PostgreSQL's
    /// does not wait for its flush) is not acknowledged, the writer stops rather than judge
    /// later writes against indexes without it, and a restart replays it from the log.
    #[test]
    fn a_batch_the_index_store_lost_is_not_acknowledged_and_is_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(ForgetfulStore::default());
        let open = || {
            let log = FileLog::open(Arc::new(RealDisk), &dir.path().join("log")).unwrap();
            open_over(Arc::new(log), store.clone()).unwrap()
        };
        let ledger = open();
        ledger.start_writer();
        store
            .forget_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let answer = publish_next_edition(&ledger);
        assert!(
            matches!(answer, Err(WriteError::Failed(Failure::IndexLost(2)))),
            "{:?}",
            answer.map(|c| c.index)
        );
        assert!(
            matches!(
                publish_next_edition(&ledger),
                Err(WriteError::Failed(Failure::WriterStopped))
            ),
            "the writer stopped"
        );
        ledger.finish_writes();
        drop(ledger);
        let restarted = open();
        assert_eq!(restarted.trust_list().1, 1, "replayed from the log");
        assert_eq!(
            store.get(keys::APPLIED).unwrap(),
            Some(2u64.to_be_bytes().to_vec())
        );
    }

    /// Found in review: a replay whose index writes the store lost (a database that restarted
    /// before flushing them) does not start a writer on indexes that lag the log; the next
    /// start replays them.
    #[test]
    fn a_replay_the_index_store_lost_refuses_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let log = || Arc::new(FileLog::open(Arc::new(RealDisk), &dir.path().join("log")).unwrap());
        let ledger = open_over(log(), Arc::new(MemoryStore::default())).unwrap();
        ledger.start_writer();
        publish_next_edition(&ledger).unwrap();
        ledger.finish_writes();
        drop(ledger);
        let store = Arc::new(ForgetfulStore::default());
        store
            .forget_all
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let error = open_over(log(), store.clone())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(error.contains("0 of the log's 2 entries"), "{error}");
        store
            .forget_all
            .store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(open_over(log(), store).unwrap().trust_list().1, 1);
    }

    /// The store reads — of one key, of many together — the writer makes for `body`, signed
    /// by the demo key `signer`, and its answer.
    fn reads_for(
        body: scs_core::lifecycle::RequestBody,
        signer: &str,
    ) -> ((usize, usize), Result<Committed, WriteError>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(CountingStore::default());
        let log = FileLog::open(Arc::new(RealDisk), &dir.path().join("log")).unwrap();
        let ledger = open_over(Arc::new(log), store.clone()).unwrap();
        ledger.start_writer();
        let key = keyfile::load_secret(&demo(signer)).unwrap().key;
        let document =
            scs_core::lifecycle::sign_request(&body, &key, scs_issuer::now(), "0123456789abcdef")
                .unwrap();
        let entry = state::verify_entry(document.clone(), &key.public().did_key()).unwrap();
        let reads = || {
            (
                store.gets.load(std::sync::atomic::Ordering::SeqCst),
                store.many.load(std::sync::atomic::Ordering::SeqCst),
            )
        };
        let before = reads();
        let answer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(ledger.submit(entry, &document));
        let after = reads();
        ledger.finish_writes();
        ((after.0 - before.0, after.1 - before.1), answer)
    }

    /// The writer reads what a request needs (here its nonce and the credential it names)
    /// together, before judging it: one read of many keys, no read of one (each a database
    /// round trip on PostgreSQL).
    #[test]
    fn the_writer_reads_a_batchs_keys_together() {
        let body = scs_core::lifecycle::RequestBody::Revoke {
            target: CredentialId::from_bytes([7; 16]),
            reason: scs_core::lifecycle::Reason::Fraud,
        };
        let (reads, answer) = reads_for(body, "operator.key");
        assert!(
            matches!(answer, Err(WriteError::Refused(Refusal::NotFound(_)))),
            "{:?}",
            answer.map(|c| c.index)
        );
        assert_eq!(reads, (0, 1));
    }

    /// An allocation's first probes depend on the open lists' numbers, so the writer reads
    /// them in a second read of many keys, not one read each (two more round trips an
    /// allocation on PostgreSQL, found by timing the writer).
    #[test]
    fn the_writer_reads_a_batchs_allocation_probes_together() {
        let (reads, answer) = reads_for(
            scs_core::lifecycle::RequestBody::AllocateStatus,
            "issuer-star4.key",
        );
        let committed = answer.map_err(|e| e.to_string()).unwrap();
        assert!(
            matches!(&committed.effect, Effect::Allocated(entries) if entries.len() == 2),
            "{:?}",
            committed.effect
        );
        // The one read of one key is the file log's read-back of the applied marker after
        // the batch (`commit_in_order`); before the second read it was three.
        assert_eq!(reads, (1, 2));
    }

    /// On PostgreSQL a write is acknowledged once committed, and a restart (another process
    /// pointed at the database) finds the log, the checkpoint and the indexes as they were.
    #[test]
    fn postgres_keeps_what_was_acknowledged_across_a_restart() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let ledger = open_postgres(&url).unwrap();
        ledger.start_writer();
        let committed = publish_next_edition(&ledger).unwrap();
        assert_eq!((committed.index, committed.tree_size), (1, 2));
        let (size, note) = ledger.checkpoint();
        ledger.finish_writes();
        drop(ledger);
        let restarted = open_postgres(&url).unwrap();
        assert_eq!(restarted.checkpoint(), (size, note), "nothing new to sign");
        assert_eq!(restarted.trust_list().1, 1, "the edition is in force");
        assert_eq!(restarted.entry(1).unwrap(), committed.entry);
        let root = restarted.tree().root(size).unwrap();
        tlog::verify_inclusion(
            &tlog::leaf_hash(&committed.entry),
            1,
            size,
            &committed.inclusion_proof,
            &root,
        )
        .unwrap();
    }

    /// A standby ledger on `database` (which holds no lease).
    fn open_postgres_standby(database: &crate::Postgres) -> Arc<Ledger> {
        Ledger::open_standby(
            Arc::new(database.log().unwrap()),
            Arc::new(database.index()),
            keyfile::load_public(&demo("operator.pub")).unwrap(),
            demo_registry_keys(),
        )
        .unwrap()
    }

    /// On PostgreSQL a batch's checkpoint, after the one statement, does not wait for its
    /// flush, so a crash of the database can lose it: it then holds an older checkpoint under
    /// a longer log. A restart, and a standby that had already served the lost one, take over
    /// and sign at the log's size exactly the note that was handed out.
    #[test]
    fn postgres_a_checkpoint_lost_with_its_commit_is_signed_again_the_same() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let writer = open_postgres(&url).unwrap();
        let standby_database = crate::Postgres::connect(&url).unwrap();
        let standby = open_postgres_standby(&standby_database);
        let (older_size, older) = writer.checkpoint();
        writer.start_writer();
        publish_next_edition(&writer).unwrap();
        let (size, note) = writer.checkpoint();
        assert_eq!(standby.follow().unwrap(), size);
        assert_eq!(standby.checkpoint(), (size, note.clone()), "served");
        writer.finish_writes();
        drop(writer);
        let log = standby_database.log().unwrap();
        let lose_the_checkpoint = || {
            log.write_checkpoint(size, older_size, older.as_bytes(), CheckpointFlush::Wait)
                .unwrap()
        };

        lose_the_checkpoint();
        let restarted = open_postgres(&url).unwrap();
        assert_eq!(restarted.checkpoint(), (size, note.clone()), "a restart");
        drop(restarted);
        lose_the_checkpoint();
        standby.take_over().unwrap();
        assert_eq!(standby.checkpoint(), (size, note.clone()), "a standby");
        assert_eq!(
            log.read_checkpoint().unwrap(),
            Some(note.as_bytes().to_vec())
        );
        // None stored (the row reset by hand to what the migration left): the same.
        log.write_checkpoint(size, 0, b"", CheckpointFlush::Wait)
            .unwrap();
        standby.take_over().unwrap();
        assert_eq!(standby.checkpoint(), (size, note.clone()), "none stored");
    }

    /// `scs restore` into PostgreSQL stores the backup's checkpoint before its entries, so a
    /// restore cut short leaves a log shorter than its stored checkpoint — none of its entries
    /// or some. Neither the writer nor a standby serves it: the writer refuses to start, saying
    /// to restore again, before it writes anything (no genesis over the empty log, no index
    /// row). Found in review: a restore cut short left the first entries and no checkpoint,
    /// and the registry signed one over them, a fork of the published log.
    #[test]
    fn postgres_a_log_shorter_than_its_stored_checkpoint_is_never_served() {
        let Some(published) = crate::test_support::fresh_database() else {
            return;
        };
        let writer = open_postgres(&published).unwrap();
        writer.start_writer();
        publish_next_edition(&writer).unwrap();
        publish_next_edition(&writer).unwrap();
        let (size, note) = writer.checkpoint();
        let entries: Vec<Vec<u8>> = (0..size).map(|i| writer.entry(i).unwrap()).collect();
        writer.finish_writes();
        for restored in [0, 2] {
            let Some(url) = crate::test_support::fresh_database() else {
                return;
            };
            let database = crate::Postgres::connect(&url).unwrap();
            let log = database.log().unwrap();
            log.write_checkpoint(0, size, note.as_bytes(), CheckpointFlush::Wait)
                .unwrap();
            if restored > 0 {
                log.append(&entries[..restored]).unwrap();
            }
            let refused = open_postgres(&url).unwrap_err().to_string();
            assert!(refused.contains("scs restore"), "{restored}: {refused}");
            let log = database.log().unwrap();
            assert_eq!(log.size(), restored as u64, "nothing appended");
            assert_eq!(
                log.read_checkpoint().unwrap(),
                Some(note.as_bytes().to_vec()),
                "none signed"
            );
            assert_eq!(
                database.index().get(keys::APPLIED).unwrap(),
                None,
                "nothing replayed"
            );
            let standby = Ledger::open_standby(
                Arc::new(log),
                Arc::new(database.index()),
                keyfile::load_public(&demo("operator.pub")).unwrap(),
                demo_registry_keys(),
            );
            assert!(standby.is_err(), "{restored}: a standby served it");
        }
    }

    /// A log that records how each checkpoint write was asked to flush.
    #[derive(Debug)]
    struct FlushRecordingLog<L> {
        inner: L,
        flushes: Mutex<Vec<CheckpointFlush>>,
    }

    impl<L: LogStore> LogStore for FlushRecordingLog<L> {
        fn size(&self) -> u64 {
            self.inner.size()
        }
        fn append(&self, entries: &[Vec<u8>]) -> Result<Vec<tlog::Hash>, LogFileError> {
            self.inner.append(entries)
        }
        fn entry(&self, index: u64) -> Result<(u64, Vec<u8>), LogFileError> {
            self.inner.entry(index)
        }
        fn refresh(&self) -> Result<u64, LogFileError> {
            self.inner.refresh()
        }
        fn entry_offset(&self, index: u64) -> Result<u64, LogFileError> {
            self.inner.entry_offset(index)
        }
        fn leaf_hashes(
            &self,
            range: std::ops::Range<u64>,
        ) -> Result<Vec<tlog::Hash>, LogFileError> {
            self.inner.leaf_hashes(range)
        }
        fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, LogFileError> {
            self.inner.read_checkpoint()
        }
        fn write_checkpoint(
            &self,
            previous: u64,
            size: u64,
            note: &[u8],
            flush: CheckpointFlush,
        ) -> Result<(), LogFileError> {
            self.flushes.lock().unwrap().push(flush);
            self.inner.write_checkpoint(previous, size, note, flush)
        }
        fn commit(
            &self,
            batch: Batch,
            index: &dyn IndexStore,
        ) -> Result<crate::StoredBatch, CommitError> {
            self.inner.commit(batch, index)
        }
    }

    /// How the checkpoints of an open, one batch and a take-over on `log` and `index` were
    /// asked to flush.
    fn checkpoint_flushes<L: LogStore>(log: L, index: Arc<dyn IndexStore>) -> Vec<CheckpointFlush> {
        let log = Arc::new(FlushRecordingLog {
            inner: log,
            flushes: Mutex::default(),
        });
        let ledger = open_over(log.clone(), index).unwrap();
        ledger.start_writer();
        publish_next_edition(&ledger).unwrap();
        ledger.finish_writes();
        ledger.take_over().unwrap();
        let flushes = log.flushes.lock().unwrap().clone();
        flushes
    }

    /// The checkpoint signed at start-up and at a take-over, after the replay, is written
    /// durably: its flush is the one that makes the replay's index writes durable
    /// (PostgreSQL's `apply` does not wait) before they are read back and requests judged
    /// against them. So is a batch's, unless the store committed the batch's index writes
    /// durably with its entries (PostgreSQL's one statement): found in review.
    #[test]
    fn a_checkpoint_waits_for_its_flush_unless_the_batch_under_it_is_durable() {
        use CheckpointFlush::{Later, Wait};
        let dir = tempfile::tempdir().unwrap();
        let files = FileLog::open(Arc::new(RealDisk), &dir.path().join("log")).unwrap();
        let memory = Arc::new(MemoryStore::default());
        assert_eq!(checkpoint_flushes(files, memory), [Wait, Wait, Wait]);
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let database = crate::Postgres::connect(&url).unwrap();
        let index = Arc::new(database.index());
        assert_eq!(
            checkpoint_flushes(database.log().unwrap(), index),
            [Wait, Later, Wait]
        );
    }

    /// Two processes on one database, both writing (no lease): the one whose log is behind
    /// fails closed — its append or its checkpoint meets the other's — acknowledges nothing,
    /// and stops writing; the log stays one log.
    #[test]
    fn postgres_never_lets_a_second_writer_fork_the_log() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let first = open_postgres(&url).unwrap();
        let second = open_postgres(&url).unwrap();
        first.start_writer();
        second.start_writer();
        publish_next_edition(&first).unwrap();
        let refused = publish_next_edition(&second);
        assert!(
            matches!(refused, Err(WriteError::Failed(Failure::Append(ref error)))
                if matches!(**error, LogFileError::Conflict(_))),
            "{:?}",
            refused.map(|c| c.index)
        );
        assert!(
            matches!(
                publish_next_edition(&second),
                Err(WriteError::Failed(Failure::WriterStopped))
            ),
            "the writer stopped"
        );
        first.finish_writes();
        second.finish_writes();
        drop((first, second));
        assert_eq!(open_postgres(&url).unwrap().checkpoint().0, 2);
    }

    /// The checkpoint is compare-and-swap on the previous tree size: when another writer moved
    /// it, the batch is not acknowledged (its entry is durable, under no checkpoint of this
    /// writer's), the moved checkpoint stays, and the writer stops.
    #[test]
    fn postgres_refuses_a_checkpoint_another_writer_moved() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let ledger = open_postgres(&url).unwrap();
        ledger.start_writer();
        let (size, note) = ledger.checkpoint();
        let log = crate::Postgres::connect(&url).unwrap().log().unwrap();
        log.write_checkpoint(size, size + 1, note.as_bytes(), CheckpointFlush::Wait)
            .unwrap();
        let answer = publish_next_edition(&ledger);
        assert!(
            matches!(answer, Err(WriteError::Failed(Failure::Checkpoint(_)))),
            "{:?}",
            answer.map(|c| c.index)
        );
        let stored = crate::Postgres::connect(&url).unwrap().log().unwrap();
        assert_eq!(
            stored.size(),
            size + 1,
            "the entry is durable, unacknowledged"
        );
        assert_eq!(
            stored.read_checkpoint().unwrap().as_deref(),
            Some(note.as_bytes()),
            "the moved checkpoint stays"
        );
        assert!(matches!(
            publish_next_edition(&ledger),
            Err(WriteError::Failed(Failure::WriterStopped))
        ));
        ledger.finish_writes();
    }

    /// Issue 10 item 4: the checkpoint a ledger acknowledged survives a power cut whatever the
    /// file system kept of unsynced changes, and the registry starts again.
    #[test]
    fn a_power_cut_keeps_the_checkpoint_and_the_registry_starts() {
        for cut in [Cut::LosingNames, Cut::KeepingNames] {
            let dir = tempfile::tempdir().unwrap();
            let disk = Arc::new(CrashDisk::default());
            let store = Arc::new(MemoryStore::default());
            let ledger = open(disk.clone(), dir.path(), store.clone()).unwrap();
            let (size, note) = ledger.checkpoint();
            drop(ledger);
            disk.crash(cut);
            let kept = disk.read(&checkpoint_path(dir.path())).unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&kept),
                *note,
                "{cut:?}: the checkpoint on disk"
            );
            let restarted = open(disk.clone(), dir.path(), store).unwrap();
            assert_eq!(restarted.checkpoint().0, size);
        }
    }

    /// A credential whose record the index store holds past the end of this process's log
    /// (another process's registration, not yet followed) is not registered here yet: a 404,
    /// not the store error (a 503) it was (found in review).
    #[test]
    fn a_registration_past_this_processs_log_is_not_found_yet() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let ledger = open(Arc::new(RealDisk), dir.path(), store.clone()).unwrap();
        let id = CredentialId::from_bytes([3; 16]);
        let at = Timestamp::parse("2027-01-01T00:00:00Z").unwrap();
        let record = state::CredentialRecord {
            log_index: ledger.checkpoint().0,
            credential_span: state::ByteSpan { start: 20, len: 2 },
            issuer: "did:key:z6Mk".into(),
            valid_from: at,
            valid_until: at.plus_days(365).unwrap(),
            status: Vec::new(),
            lifecycle: scs_core::lifecycle::CredentialState::Active,
            reason: None,
            suspended_by: None,
            history: Vec::new(),
        };
        store
            .apply(vec![(
                keys::credential(&id),
                Some(serde_json::to_vec(&record).unwrap()),
            )])
            .unwrap();
        assert!(matches!(ledger.credential_view(&id), Ok(None)));
        assert!(matches!(ledger.credential_view_in_store(&id), Ok(None)));
        assert!(matches!(ledger.credential(&id), Ok(None)), "its page");
        assert!(matches!(ledger.credential_company(&id), Ok(None)));
    }

    /// Whatever a crash left of the checkpoint file (written by an older version, or by hand),
    /// the log decides: the registry signs a new one and starts.
    #[test]
    fn an_unreadable_checkpoint_is_signed_again_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let ledger = open(Arc::new(RealDisk), dir.path(), store.clone()).unwrap();
        let (size, note) = ledger.checkpoint();
        drop(ledger);
        let path = checkpoint_path(dir.path());
        let torn = &note.as_bytes()[..note.len() / 2];
        for (what, bytes) in [
            ("empty", &b""[..]),
            ("torn", torn),
            ("garbage", b"\xff\xfe"),
        ] {
            std::fs::write(&path, bytes).unwrap();
            let restarted = open(Arc::new(RealDisk), dir.path(), store.clone())
                .unwrap_or_else(|e| panic!("{what} checkpoint: {e}"));
            assert_eq!(restarted.checkpoint().0, size, "{what}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), *note, "{what}");
        }
        std::fs::remove_file(&path).unwrap();
        open(Arc::new(RealDisk), dir.path(), store).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), *note, "missing");
    }

    /// Issue 14 item 2: one writer holds the lease; a standby on the same database follows what
    /// it commits, refuses writes (no writer), and once the lease is free takes it, takes over
    /// and goes on from the last durable entry.
    #[test]
    fn postgres_a_standby_follows_the_writer_and_takes_over_its_lease() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let database = crate::Postgres::connect(&url).unwrap();
        let lease = database
            .try_lease()
            .unwrap()
            .expect("the first process gets the lease");
        assert!(lease.is_held());
        // On the handle that took the lease: its writes name the writer's epoch it took.
        let writer = open_over(
            Arc::new(database.log().unwrap()),
            Arc::new(database.index()),
        )
        .unwrap();
        writer.start_writer();
        let standby_database = crate::Postgres::connect(&url).unwrap();
        assert!(standby_database.try_lease().unwrap().is_none(), "one lease");
        let standby = open_postgres_standby(&standby_database);
        assert_eq!(standby.checkpoint(), writer.checkpoint());

        let committed = publish_next_edition(&writer).unwrap();
        assert_eq!(standby.follow().unwrap(), 2);
        assert_eq!(
            standby.checkpoint(),
            writer.checkpoint(),
            "the writer's checkpoint"
        );
        assert_eq!(standby.trust_list().1, 1, "the edition in force");
        assert_eq!(standby.entry(1).unwrap(), committed.entry);
        assert!(matches!(
            publish_next_edition(&standby),
            Err(WriteError::Failed(Failure::WriterStopped))
        ));

        // The writer ends (its lease with it); the standby takes over from the last entry.
        writer.finish_writes();
        drop((writer, lease));
        // The lock goes with the lease's session, which the server ends a moment after the
        // connection closes: ask again for a while, as a standby does every second.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let lease = loop {
            if let Some(lease) = standby_database.try_lease().unwrap() {
                break lease;
            }
            assert!(std::time::Instant::now() < deadline, "the lease is free");
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        standby.take_over().unwrap();
        standby.start_writer();
        let next = publish_next_edition(&standby).unwrap();
        assert_eq!((next.index, next.tree_size), (2, 3));
        let root = standby.tree().root(3).unwrap();
        let proof = standby.tree().consistency_proof(2, 3).unwrap();
        tlog::verify_consistency(2, 3, &standby.tree().root(2).unwrap(), &root, &proof).unwrap();
        standby.finish_writes();
        drop(lease);
    }

    /// On PostgreSQL as on files: a stored checkpoint the log does not extend refuses the start.
    #[test]
    fn postgres_refuses_to_start_on_a_checkpoint_the_log_does_not_extend() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        let ledger = open_postgres(&url).unwrap();
        let (size, _) = ledger.checkpoint();
        let root = ledger.tree().root(size).unwrap();
        let origin = ledger.origin().to_owned();
        drop(ledger);
        let body = Checkpoint::new(&origin, size + 5, root).unwrap().body();
        let note = tlog::sign_note(&body, &origin, &log_key()).unwrap();
        let log = crate::Postgres::connect(&url).unwrap().log().unwrap();
        log.write_checkpoint(size, size + 5, note.as_bytes(), CheckpointFlush::Wait)
            .unwrap();
        let error = open_postgres(&url).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains("scs log check"), "{error}");
        assert_eq!(
            log.read_checkpoint().unwrap().unwrap(),
            note.as_bytes(),
            "the evidence is kept"
        );
    }

    /// A checkpoint the log does not extend is no crash's doing: the registry refuses, and says
    /// what to do.
    #[test]
    fn a_checkpoint_the_log_does_not_extend_refuses_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let ledger = open(Arc::new(RealDisk), dir.path(), store.clone()).unwrap();
        let (size, _) = ledger.checkpoint();
        let root = ledger.tree().root(size).unwrap();
        let origin = ledger.origin().to_owned();
        drop(ledger);
        let other_root = tlog::leaf_hash(b"not this log");
        let other_key = SecretKey::from_seed(&[9; 32]);
        for (what, size, root, key) in [
            ("beyond the log", size + 5, root, log_key()),
            ("another root", size, other_root, log_key()),
            ("another key", size, root, other_key),
        ] {
            let body = Checkpoint::new(&origin, size, root).unwrap().body();
            let note = tlog::sign_note(&body, &origin, &key).unwrap();
            std::fs::write(checkpoint_path(dir.path()), &note).unwrap();
            let error = open(Arc::new(RealDisk), dir.path(), store.clone())
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(error.contains("scs log check"), "{what}: {error}");
            assert_eq!(
                std::fs::read_to_string(checkpoint_path(dir.path())).unwrap(),
                note,
                "{what}: the evidence is kept"
            );
        }
    }
}
