//! The ledger: the log, the indexes built from it, and the single writer that extends both.
//!
//! # Write order (one batch; see also `log_files`)
//!
//! 1. Handlers verify signatures in parallel ([`state::verify_entry`]) and queue the entry.
//! 2. The writer thread takes up to [`MAX_BATCH`] queued entries and runs [`state::transition`]
//!    on each in order, against the indexes plus the writes staged earlier in the batch.
//!    Refused entries are answered at once and never reach the log.
//! 3. The accepted entries are appended to the log files and fsynced (group commit).
//! 4. The index writes of the whole batch, with the applied-size marker, are applied atomically.
//! 5. The in-memory tree is extended, a checkpoint is signed and written, and the status lists
//!    touched are re-signed.
//! 6. Only then are the requests answered.
//!
//! # Recovery (start-up)
//!
//! The log files recover first (torn tails cut). The indexes then replay, through the same
//! `verify_entry` + `transition`, every entry past their applied-size marker. A checkpoint is
//! never signed for a tree that does not extend the last one written: if the log is shorter
//! than the last checkpoint, or its root at that size differs, the registry refuses to start.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use scs_core::credential::StatusPurpose;
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::keys::DidKey;
use scs_core::keys::SecretKey;
use scs_core::status_list::StatusList;
use scs_core::tlog::{self, Checkpoint, Hash};
use scs_core::trust_list::TrustList;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::directory::{Directory, Standing};
use crate::error::ApiError;
use crate::log_files::{EntryReader, LogFileError, LogFiles, MAX_ENTRY_BYTES};
use crate::names::{NameIndex, NameMatch};
use crate::state::{
    self, keys, read_bits, CredentialView, Effect, FileSpan, LoggedEntry, Overlay, Registered,
    RegistryIdentity, VerifiedEntry,
};
use crate::store::IndexStore;
use crate::tree::Tree;
use scs_issuer::now;

/// Most entries committed with one fsync.
pub const MAX_BATCH: usize = 512;
// A crash can tear the last append, so recovery re-hashes at least that many records.
const _: () = assert!(MAX_BATCH as u64 <= crate::log_files::RECHECK);
/// Status list `ttl` and `Cache-Control: max-age`, in seconds.
pub const STATUS_TTL_SECONDS: u64 = 300;

/// Why the ledger could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The log files.
    #[error(transparent)]
    Log(#[from] LogFileError),
    /// The index store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// An entry in the log no longer passes its checks, or a checkpoint is not extended.
    #[error("ledger is inconsistent: {0}")]
    Inconsistent(String),
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
    /// The credential JSON (shared, not copied, by every response).
    pub body: axum::body::Bytes,
    /// Strong ETag, ready to send.
    pub etag: axum::http::HeaderValue,
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
    /// Proof of inclusion in the tree of `checkpoint`.
    pub inclusion_proof: Vec<Hash>,
    /// The signed checkpoint covering it.
    pub checkpoint: Arc<String>,
    /// That checkpoint's tree size.
    pub tree_size: u64,
}

struct Job {
    entry: VerifiedEntry,
    bytes: Vec<u8>,
    reply: oneshot::Sender<Result<Committed, ApiError>>,
}

/// The ledger, shared by every handler.
pub struct Ledger {
    store: Arc<dyn IndexStore>,
    identity: RegistryIdentity,
    keys: RegistryKeys,
    origin: String,
    dir: PathBuf,
    log: RwLock<LogFiles>,
    entry_reader: EntryReader,
    tree: RwLock<Tree>,
    trust: RwLock<(Arc<TrustList>, u64)>,
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
    queue: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
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
        let (mut log, hashes) = LogFiles::open(&dir.join("log"))?;
        let mut tree = Tree::from_leaves(hashes, log.leaf_hashes()?);
        if log.size() == 0 {
            state::verify_entry(genesis.clone(), &operator)
                .map_err(|e| LedgerError::Inconsistent(format!("genesis trust list: {e}")))?;
            let bytes = serde_json::to_vec(genesis).unwrap_or_default();
            for hash in log.append(&[bytes])? {
                tree.append(hash);
            }
        }
        let first_list = Self::trust_list_at(&log, &operator, 0)?;
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
        let entry_reader = log.entry_reader()?;
        let ledger = Self {
            store,
            identity,
            keys,
            origin,
            dir: dir.to_owned(),
            log: RwLock::new(log),
            entry_reader,
            tree: RwLock::new(tree),
            trust: RwLock::new((Arc::new(first_list), 0)),
            checkpoint: RwLock::new((0, Arc::new(String::new()))),
            lists: RwLock::new(HashMap::new()),
            signing: Mutex::new(()),
            id: NEXT_LEDGER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            lists_signed: std::sync::atomic::AtomicU64::new(0),
            names: RwLock::new(NameIndex::default()),
            directory: RwLock::new(Directory::default()),
            queue: Mutex::new(None),
            writer: Mutex::new(None),
        };
        ledger.replay()?;
        ledger.check_and_sign_checkpoint()?;
        Ok(Arc::new(ledger))
    }

    fn trust_list_at(
        log: &LogFiles,
        operator: &scs_core::keys::DidKey,
        index: u64,
    ) -> Result<TrustList, LedgerError> {
        let bytes = log.read(index)?;
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| LedgerError::Inconsistent(format!("entry {index}: {e}")))?;
        match state::verify_entry(doc, operator) {
            Ok(VerifiedEntry::TrustList(list)) => Ok(*list),
            _ => Err(LedgerError::Inconsistent(format!(
                "entry {index} is not a trust list"
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
        let log = read_lock(&self.log);
        if applied > log.size() {
            return Err(LedgerError::Inconsistent(format!(
                "indexes reflect {applied} entries but the log has {}",
                log.size()
            )));
        }
        if let Some(index) = self
            .store
            .get(keys::TRUST_LIST)?
            .and_then(|b| b.try_into().ok().map(u64::from_be_bytes))
        {
            *write_lock(&self.trust) = (
                Arc::new(Self::trust_list_at(&log, &self.identity.operator, index)?),
                index,
            );
        }
        let mut trust: Option<Arc<TrustList>> =
            (applied > 0).then(|| read_lock(&self.trust).0.clone());
        for index in applied..log.size() {
            let bytes = log.read(index)?;
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
                *write_lock(&self.trust) = (Arc::new((**list).clone()), index);
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

    fn checkpoint_path(&self) -> PathBuf {
        self.dir.join("log").join("checkpoint")
    }

    /// Refuses to go on if the tree does not extend the last checkpoint written; then signs one
    /// for the current size.
    fn check_and_sign_checkpoint(&self) -> Result<(), LedgerError> {
        if let Ok(text) = std::fs::read_to_string(self.checkpoint_path()) {
            let last = tlog::NoteVerifier::new(&self.origin, self.keys.log.public())
                .and_then(|v| v.verify(text.as_bytes()).map(str::to_owned))
                .map_err(|e| e.to_string())
                .and_then(|body| Checkpoint::parse(&body).map_err(|e| e.to_string()))
                .map_err(|e| LedgerError::Inconsistent(format!("last checkpoint: {e}")))?;
            let tree = read_lock(&self.tree);
            if tree.root(last.size()) != Some(*last.root()) {
                return Err(LedgerError::Inconsistent(format!(
                    "the log does not extend the last checkpoint (size {})",
                    last.size()
                )));
            }
        }
        self.sign_checkpoint()
            .map_err(|e| LedgerError::Inconsistent(e.to_string()))
    }

    fn sign_checkpoint(&self) -> Result<(), std::io::Error> {
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
        // Atomic replace; not fsynced: an older checkpoint file after a crash is still one
        // this log extends.
        let tmp = self.checkpoint_path().with_extension("tmp");
        std::fs::write(&tmp, &note)?;
        std::fs::rename(&tmp, self.checkpoint_path())?;
        *write_lock(&self.checkpoint) = (size, Arc::new(note));
        Ok(())
    }

    /// Starts the writer thread. Call once.
    pub fn start_writer(self: &Arc<Self>) {
        let (sender, mut receiver) = mpsc::channel::<Job>(4 * MAX_BATCH);
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
                    ledger.commit(batch);
                }
            });
        match writer {
            Ok(handle) => {
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

    /// Stops taking writes; the writer finishes its queue and ends.
    pub fn stop_writer(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
    }

    /// Queues a verified entry and waits until it is durable (or refused). An entry larger
    /// than the log takes is refused here, before the writer: the log would refuse it too, but
    /// in an append that fails every entry of the batch.
    pub async fn submit(
        &self,
        entry: VerifiedEntry,
        document: &Value,
    ) -> Result<Committed, ApiError> {
        let bytes = serde_json::to_vec(document).map_err(|_| ApiError::Unavailable)?;
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(ApiError::TooLarge);
        }
        let (reply, answer) = oneshot::channel();
        let sender = self
            .queue
            .lock()
            .ok()
            .and_then(|q| q.clone())
            .ok_or(ApiError::Unavailable)?;
        sender
            .send(Job {
                entry,
                bytes,
                reply,
            })
            .await
            .map_err(|_| ApiError::Unavailable)?;
        answer.await.map_err(|_| ApiError::Unavailable)?
    }

    fn commit(&self, batch: Vec<Job>) {
        let mut trust = Some(read_lock(&self.trust).0.clone());
        let mut overlay = Overlay::new(self.store.as_ref());
        let mut next = read_lock(&self.log).size();
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
                    accepted.push((job, transition, next));
                    next += 1;
                }
                Err(error) => {
                    let _ = job.reply.send(Err(error));
                }
            }
        }
        if accepted.is_empty() {
            return;
        }
        let entries: Vec<Vec<u8>> = accepted
            .iter()
            .map(|(job, _, _)| job.bytes.clone())
            .collect();
        let hashes = match write_lock(&self.log).append(&entries) {
            Ok(hashes) => hashes,
            Err(error) => {
                // Only the disk failing stops the writer; nothing a client sends can (entry
                // sizes are checked in `submit`, and an oversized entry is refused before
                // anything is written).
                if matches!(error, LogFileError::Io(_)) {
                    tracing::error!("log append failed, refusing writes: {error}");
                    self.stop_writer();
                } else {
                    tracing::error!("log append refused a batch: {error}");
                }
                for (job, _, _) in accepted {
                    let _ = job.reply.send(Err(ApiError::Unavailable));
                }
                return;
            }
        };
        // The whole batch's index writes, in log order (a later write to the same key wins),
        // with the applied-size marker, as one atomic batch: after a crash the indexes hold all
        // of it or none, and a restart replays what they lack.
        let mut writes = Vec::new();
        for (_, transition, _) in &mut accepted {
            writes.append(&mut transition.writes);
        }
        writes.push((keys::APPLIED.to_vec(), Some(next.to_be_bytes().to_vec())));
        if let Err(error) = self.store.apply(writes) {
            // The log holds the entries; a restart replays them into the indexes.
            tracing::error!("index update failed after the log append; restart to replay: {error}");
            self.stop_writer();
        }
        let mut touched = Vec::new();
        for (job, transition, index) in &accepted {
            match &transition.effect {
                Effect::TrustList(list) => {
                    *write_lock(&self.trust) = (Arc::new((**list).clone()), *index)
                }
                Effect::StatusChanged { list, .. } => touched.push(*list),
                Effect::Registered(_) | Effect::Allocated(_) => {}
            }
            // Before the answer: a look-up after a revocation's acknowledgement finds it.
            self.index_logged(*index, &job.bytes);
        }
        {
            let mut tree = write_lock(&self.tree);
            for hash in hashes {
                tree.append(hash);
            }
        }
        touched.sort();
        touched.dedup();
        for (purpose, list) in touched {
            self.resign_list(purpose, list);
        }
        if let Err(error) = self.sign_checkpoint() {
            tracing::error!("cannot write the checkpoint: {error}");
        }
        let (tree_size, checkpoint) = self.checkpoint();
        let tree = read_lock(&self.tree);
        for (job, transition, index) in accepted {
            let inclusion_proof = tree.inclusion_proof(index, tree_size).unwrap_or_else(|| {
                // Durable all the same; the receipt's proof will not verify, and says so.
                tracing::error!(index, tree_size, "no inclusion proof for a committed entry");
                Vec::new()
            });
            let _ = job.reply.send(Ok(Committed {
                index,
                effect: transition.effect,
                inclusion_proof,
                checkpoint: checkpoint.clone(),
                tree_size,
            }));
        }
    }

    /// Loads the name index and the credential directory from the log (run in the background
    /// at start-up; the writer indexes every entry it commits meanwhile, and an entry indexed
    /// twice is kept once). From the log rather than the index store: a scan of every record
    /// would fill sled's cache (hundreds of MiB at a million credentials) for nothing.
    pub fn load_from_log(&self) {
        let size = read_lock(&self.log).size();
        // Every registration uses entries reserved by an allocation request before it, so at
        // most half the log registers credentials.
        let registrations = usize::try_from(size / 2).unwrap_or(usize::MAX);
        write_lock(&self.directory).reserve(registrations);
        write_lock(&self.names).reserve(registrations);
        for index in 0..size {
            match self.entry(index) {
                Ok(entry) => self.index_logged(index, &entry),
                Err(error) => {
                    tracing::error!(index, "cannot read a log entry: {error}");
                    write_lock(&self.directory).abandon();
                }
            }
        }
        write_lock(&self.names).shrink_to_fit();
        write_lock(&self.directory).finish_loading();
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
                        );
                    }
                }
                let Ok(entry_offset) = read_lock(&self.log).entry_offset(index) else {
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
                write_lock(&self.directory).mark_in_store(&target)
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

    fn resign_list(&self, purpose: StatusPurpose, list: u32) {
        // One signer at a time, from reading the bits to replacing the list: the writer signs
        // after each status change, handlers when a list is first asked for or a day old, and
        // a handler that read the bits before a change must not put its list in place after
        // the writer's (the change would be acknowledged and not served).
        let _signing = self
            .signing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bits = match read_bits(self.store.as_ref(), purpose, list) {
            Ok(bits) => bits,
            Err(error) => {
                tracing::error!("cannot read status list {purpose:?}/{list}: {error}");
                return;
            }
        };
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
            return;
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
        let Ok(etag) = axum::http::HeaderValue::from_str(&etag) else {
            return;
        };
        let resign_after = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(signed_at.unix().max(0).unsigned_abs() + 86_400);
        write_lock(&self.lists).insert(
            (purpose, list),
            Arc::new(SignedList {
                body: body.into(),
                etag,
                resign_after,
            }),
        );
        // After the list is in place: whoever sees the new version finds the new list.
        self.lists_signed
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// The signed status list, re-signed when a day old so that its `validUntil` never lapses.
    pub fn status_list(&self, purpose: StatusPurpose, list: u32) -> Option<Arc<SignedList>> {
        // A list signed before exists (lists are never removed): answer from the cache without
        // reading the store.
        let fresh = |l: &SignedList| std::time::SystemTime::now() < l.resign_after;
        if let Some(cached) = read_lock(&self.lists)
            .get(&(purpose, list))
            .filter(|l| fresh(l))
        {
            return Some(cached.clone());
        }
        let open = self.store.get(&keys::open_list(purpose)).ok().flatten();
        let open: u32 = open
            .and_then(|b| serde_json::from_slice::<state::OpenList>(&b).ok())
            .map_or(0, |o| o.list);
        if list > open {
            return None;
        }
        self.resign_list(purpose, list);
        read_lock(&self.lists).get(&(purpose, list)).cloned()
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

    /// The signed trust list document in force.
    pub fn trust_list_document(&self) -> Option<Vec<u8>> {
        let index = self.trust_list().1;
        read_lock(&self.log).read(index).ok()
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

    /// A credential's record, without reading the credential from the log.
    pub fn credential_record(&self, id: &CredentialId) -> Option<state::CredentialRecord> {
        let bytes = self.store.get(&keys::credential(id)).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// What `GET /v1/credentials/{id}` answers: from the credential directory (memory) when
    /// the credential's status never changed, else from its record in the index store.
    pub fn credential_view(&self, id: &CredentialId) -> Option<CredentialView> {
        {
            let directory = read_lock(&self.directory);
            if let Standing::Unchanged(facts) = directory.standing(id) {
                if let Some(signer) = directory.signer(&facts) {
                    return Some(CredentialView::unchanged(&facts, signer));
                }
            }
        }
        self.credential_view_in_store(id)
    }

    /// The view of a credential built from its record in the index store (what the directory
    /// stands in for).
    pub fn credential_view_in_store(&self, id: &CredentialId) -> Option<CredentialView> {
        let record = self.credential_record(id)?;
        let entry_offset = read_lock(&self.log).entry_offset(record.log_index).ok()?;
        Some(CredentialView::of_record(record, entry_offset))
    }

    /// Fills `buffer` with the credential's JSON text at `at` (from a [`CredentialView`]).
    pub fn read_credential(&self, at: FileSpan, buffer: &mut [u8]) -> Result<(), LogFileError> {
        if buffer.len() as u64 != u64::from(at.len) {
            return Err(LogFileError::Span(at.offset));
        }
        self.entry_reader.read_at(at.offset, buffer)
    }

    /// A registered credential: its record, and the signed credential from the log.
    pub fn credential(&self, id: &CredentialId) -> Option<Registered> {
        let record = self.credential_record(id)?;
        let span = record.credential_span;
        let credential = read_lock(&self.log)
            .read_span(record.log_index, span.start, span.len)
            .ok()?;
        Some(Registered {
            credential: serde_json::from_slice(&credential).ok()?,
            record,
        })
    }

    /// Credential ids of an organisation (bounded).
    pub fn organization(&self, corporate_number: &str) -> Vec<CredentialId> {
        self.store
            .scan_prefix(&keys::organization_prefix(corporate_number), 1000)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, _)| {
                let tail = k.get(k.len().checked_sub(16)?..)?;
                Some(CredentialId::from_bytes(tail.try_into().ok()?))
            })
            .collect()
    }

    /// Companies whose name contains `query` (folded), at most `limit`.
    pub fn search_names(&self, query: &str, limit: usize) -> Vec<NameMatch> {
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
        read_lock(&self.log).read(index)
    }

    /// The index store (for read paths).
    pub fn store(&self) -> &dyn IndexStore {
        self.store.as_ref()
    }
}

use sha2::Digest;
