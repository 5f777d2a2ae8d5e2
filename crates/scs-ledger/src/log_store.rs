//! The log-storage contract: what the ledger needs of the place its log lives, the registry's
//! source of truth. [`FileLog`] keeps it in files in `<data>/log/` (the embedded default);
//! [`crate::PgLog`] in a PostgreSQL database, where several registry processes can reach it.
//!
//! # Contract
//!
//! - **Recovery belongs to opening.** A store is handed to the ledger already open: whatever a
//!   crash left half-written is gone, and nothing a saved checkpoint covers was cut (a store that
//!   would have to cut such an entry refuses to open instead). [`LogStore::size`] is then the
//!   number of entries, and entries `0..size` are readable.
//! - [`LogStore::append`] is **durable and atomic** before it returns `Ok`: after a crash either
//!   the whole batch is in the log, in order, right after the entries before it, or none of it
//!   is (a file store may keep a torn tail that its next opening cuts, never acknowledged). The
//!   ledger acknowledges a write only after `append` returned. An `Err` means the store failed
//!   (the writer stops), except [`LogFileError::Corrupt`], which refuses that batch alone (an
//!   entry larger than the log takes).
//! - Every read of an entry checks its bytes against its leaf hash
//!   ([`LogFileError::Integrity`]): a changed byte is never served or replayed.
//! - [`LogStore::write_checkpoint`] is durable before it returns — unless the caller says that
//!   everything the checkpoint covers is durable already ([`CheckpointFlush::Later`]: a crash
//!   may then lose the note alone, which the next start signs again byte for byte) — and
//!   **compare-and-swap** where
//!   several processes can write: it replaces the checkpoint only if the one stored has the
//!   tree size the caller last read or wrote; otherwise another writer moved the log, and it
//!   fails ([`LogFileError::Conflict`]) without writing — the ledger stops its writer and
//!   acknowledges nothing more. A store only one process can open (files) may skip the
//!   comparison.
//! - [`LogStore::commit`] writes one batch of the writer — its entries and the index writes
//!   they make — before it returns `Ok`: the entries durable and the index writes applied. By
//!   default ([`commit_in_order`]) one after the other, then the last index write read back
//!   (an index store need not be durable, and may lose an apply). A store that keeps the
//!   indexes in the same database (PostgreSQL) may commit both in one transaction instead:
//!   all of it durable, or none of it. Either way a batch that does not start at the log's
//!   size is refused ([`LogFileError::Conflict`]). The ledger signs the batch's checkpoint
//!   only after `commit` returned: never over entries a failure could still take back.
//! - Implementations are safe for concurrent use: reads run alongside the single writer.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use scs_core::tlog::Hash;
use scs_issuer::durable::{self, Disk};

use crate::log_files::{EntryReader, LeafHashes, LogFileError, LogFiles};
use crate::store::{IndexStore, StoreError, Write};

/// The registry's log storage. See the module documentation for the contract.
pub trait LogStore: Send + Sync + std::fmt::Debug + 'static {
    /// Number of entries.
    fn size(&self) -> u64;
    /// Appends the entries durably, after the ones already there; gives their leaf hashes.
    fn append(&self, entries: &[Vec<u8>]) -> Result<Vec<Hash>, LogFileError>;
    /// The entry at `index` and its byte offset (where it starts when the entries lie end to
    /// end: what a credential's span in it is counted from), checked against its leaf hash.
    fn entry(&self, index: u64) -> Result<(u64, Vec<u8>), LogFileError>;
    /// The entries in `range`, in order, each checked as [`LogStore::entry`] checks it: for
    /// reading the whole log (a store may fetch them together). Fails if any one fails.
    fn entries(&self, range: Range<u64>) -> Result<Vec<Vec<u8>>, LogFileError> {
        range
            .map(|index| self.entry(index).map(|(_, entry)| entry))
            .collect()
    }
    /// Takes in the entries another process appended since (a store several processes
    /// share: a standby following the writer); gives the size. The default, for a store one
    /// process owns, is its size.
    fn refresh(&self) -> Result<u64, LogFileError> {
        Ok(self.size())
    }
    /// Where the entry at `index` starts (see [`LogStore::entry`]).
    fn entry_offset(&self, index: u64) -> Result<u64, LogFileError>;
    /// The leaf hashes of the entries in `range`, at most [`MAX_LEAF_READ`] of them.
    fn leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, LogFileError>;
    /// The last checkpoint written (a signed note), `None` when there is none yet.
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, LogFileError>;
    /// Replaces the checkpoint by `note`, of tree size `size`, if the stored one's size is
    /// `previous` (compare-and-swap; see the contract); durable on return as `flush` says.
    fn write_checkpoint(
        &self,
        previous: u64,
        size: u64,
        note: &[u8],
        flush: CheckpointFlush,
    ) -> Result<(), LogFileError>;
    /// Writes `batch`: its entries here (durable), its index writes to `index` (see the
    /// contract); gives the entries' leaf hashes and how the checkpoint over them is to be
    /// written. The default is [`commit_in_order`].
    fn commit(&self, batch: Batch, index: &dyn IndexStore) -> Result<StoredBatch, CommitError> {
        commit_in_order(self, batch, index)
    }
}

/// Whether [`LogStore::write_checkpoint`] waits until the checkpoint is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointFlush {
    /// Durable on return: the checkpoint's flush is the one that makes durable what was
    /// stored before it without waiting (the replay's index writes at start-up and at a
    /// take-over, see `PgIndex::apply`), or it is the only record of a restored log's
    /// checkpoint; and whenever a batch was stored step by step ([`commit_in_order`]).
    Wait,
    /// Everything the checkpoint covers is durable already (a batch whose entries and index
    /// writes were committed durably together, [`StoredBatch`]): a crash may lose the note
    /// alone, and the next start signs it again, byte for byte (same tree; Ed25519 is
    /// deterministic). PostgreSQL then commits without waiting for the flush; files are synced
    /// all the same (a file renamed into place always is).
    Later,
}

/// A batch [`LogStore::commit`] stored.
#[derive(Debug)]
pub struct StoredBatch {
    /// Its entries' leaf hashes, in order.
    pub leaves: Vec<Hash>,
    /// How the checkpoint over it is to be written: [`CheckpointFlush::Later`] only when its
    /// index writes are durable with its entries (one transaction); after [`commit_in_order`],
    /// whose index store need not be durable, [`CheckpointFlush::Wait`]. (That is no promise
    /// that the checkpoint's flush covers such index writes: the registry never pairs a log
    /// with PostgreSQL indexes on another handle, where a database restart between the
    /// read-back and the checkpoint would lose them under an acknowledged batch.)
    pub checkpoint_flush: CheckpointFlush,
}

/// One batch of the writer, as it is stored ([`LogStore::commit`]).
#[derive(Debug)]
pub struct Batch {
    /// The index of the first entry: the log's size, which a store checks before storing.
    pub first: u64,
    /// The entries, in log order, to go after the ones already there.
    pub entries: Vec<Vec<u8>>,
    /// The index writes of the whole batch, in log order (a later write to a key wins); the
    /// last is the one read back ([`commit_in_order`]): the ledger's applied-size marker.
    pub index_writes: Vec<Write>,
}

/// Which part of a batch was not stored, and why: nothing of the batch is acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// Its entries ([`LogFileError::Corrupt`]: an entry larger than the log takes, that batch
    /// refused alone; [`LogFileError::Conflict`]: another writer appended there first).
    #[error(transparent)]
    Entries(LogFileError),
    /// Its index writes.
    #[error(transparent)]
    Index(StoreError),
    /// The index store no longer held the batch's last write when read back: it lost an
    /// apply it had taken (a database that restarted in between).
    #[error("the index store lost the batch's writes")]
    IndexLost,
}

/// [`LogStore::commit`] one step after the other: the entries appended (durable), the index
/// writes applied (atomic), and the batch's last index write read back — an index store whose
/// apply does not wait to be durable may have lost it (the checkpoint the ledger writes next,
/// waited for, covers it only where its durability reaches the index store's). A crash
/// between the steps leaves entries the indexes lack (replayed at the next start) and no
/// checkpoint over them yet (signed at the next start): never an acknowledged write lost.
pub fn commit_in_order<L: LogStore + ?Sized>(
    log: &L,
    batch: Batch,
    index: &dyn IndexStore,
) -> Result<StoredBatch, CommitError> {
    if batch.first != log.size() {
        return Err(CommitError::Entries(LogFileError::Conflict(format!(
            "the batch starts at entry {} but the log has {}",
            batch.first,
            log.size()
        ))));
    }
    let leaves = log.append(&batch.entries).map_err(CommitError::Entries)?;
    let last = batch.index_writes.last().cloned();
    index
        .apply(batch.index_writes)
        .map_err(CommitError::Index)?;
    if let Some((key, value)) = last {
        if index.get(&key).map_err(CommitError::Index)? != value {
            return Err(CommitError::IndexLost);
        }
    }
    Ok(StoredBatch {
        leaves,
        checkpoint_flush: CheckpointFlush::Wait,
    })
}

/// Most leaf hashes one [`LogStore::leaf_hashes`] call returns: the ledger reads the whole log's
/// at start-up in parts this large (2 MiB), the tree a tile's (256) at most.
pub const MAX_LEAF_READ: u64 = 65_536;

/// The tree size a checkpoint note claims (its second line), unverified; 0 if it has none.
pub(crate) fn claimed_size(note: &[u8]) -> u64 {
    std::str::from_utf8(note)
        .ok()
        .and_then(|text| text.lines().nth(1))
        .and_then(|size| size.parse().ok())
        .unwrap_or(0)
}

/// The log in files: `entries.bin` and `leaves.bin` (see `log_files`) and the checkpoint file
/// `checkpoint`, all in one folder (`<data>/log/`), which one registry process uses at a time.
#[derive(Debug)]
pub struct FileLog {
    files: RwLock<LogFiles>,
    /// [`LogFiles::size`], readable without the lock the writer holds while it fsyncs.
    size: AtomicU64,
    reader: EntryReader,
    leaves: LeafHashes,
    /// Where the checkpoint is read and written.
    disk: Arc<dyn Disk>,
    checkpoint: PathBuf,
}

impl FileLog {
    /// Opens or creates the log in `dir`, recovering from a crash without cutting any entry the
    /// checkpoint there covers; the checkpoint is read and written through `disk` (a test
    /// stands in a file system that forgets what was not synced).
    pub fn open(disk: Arc<dyn Disk>, dir: &Path) -> Result<Self, LogFileError> {
        let checkpoint = dir.join("checkpoint");
        // Entries a checkpoint covered were acknowledged: recovery must never cut them. The
        // size is read before the signature can be checked (that needs the log's origin), so a
        // forged one can only make the log refuse to cut, never accept anything.
        let acknowledged = read_file(disk.as_ref(), &checkpoint)?
            .as_deref()
            .map_or(0, claimed_size);
        let (files, _) = LogFiles::open_keeping(dir, acknowledged)?;
        Ok(Self {
            size: AtomicU64::new(files.size()),
            reader: files.entry_reader()?,
            leaves: files.leaf_hashes()?,
            files: RwLock::new(files),
            disk,
            checkpoint,
        })
    }
}

/// The file's bytes, `None` when there is none (a new log, or a power cut took it).
fn read_file(disk: &dyn Disk, path: &Path) -> Result<Option<Vec<u8>>, LogFileError> {
    match disk.read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.into()),
    }
}

impl LogStore for FileLog {
    fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    fn append(&self, entries: &[Vec<u8>]) -> Result<Vec<Hash>, LogFileError> {
        let mut files = self
            .files
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hashes = files.append(entries)?;
        self.size.store(files.size(), Ordering::Release);
        Ok(hashes)
    }

    fn entry(&self, index: u64) -> Result<(u64, Vec<u8>), LogFileError> {
        if index >= self.size() {
            return Err(LogFileError::NotFound(index));
        }
        // Its own file handles: no lock around the log.
        self.reader.entry(index)
    }

    fn entry_offset(&self, index: u64) -> Result<u64, LogFileError> {
        self.files
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry_offset(index)
    }

    fn leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, LogFileError> {
        self.leaves.read(range)
    }

    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, LogFileError> {
        read_file(self.disk.as_ref(), &self.checkpoint)
    }

    /// One process owns the folder: the file is replaced without comparing sizes, and synced
    /// whatever `flush` says.
    fn write_checkpoint(
        &self,
        _previous: u64,
        _size: u64,
        note: &[u8],
        _flush: CheckpointFlush,
    ) -> Result<(), LogFileError> {
        // Synced before the batch is acknowledged: a receipt's checkpoint is never one the
        // registry forgets.
        Ok(durable::write_on(
            self.disk.as_ref(),
            &self.checkpoint,
            note,
        )?)
    }
}
