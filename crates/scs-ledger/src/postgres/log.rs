//! The log in PostgreSQL: `log_entries` (index, byte offset, leaf hash, entry) and
//! `log_checkpoint` (one row). The writer's batch ([`LogStore::commit`]) is one statement
//! ([`COMMIT_BATCH`]): its entries and its index writes (into `index_kv`, when the indexes are
//! this database's: [`crate::PgIndex`]), committed durably (`synchronous_commit` is on) before
//! `commit` returns — one round trip and one commit, whole or absent, seen by a standby only
//! once durable, and nothing to read back. The checkpoint, signed over those entries once they
//! are durable, is then replaced by compare-and-swap on its tree size. The primary key on the
//! index makes a second writer's append of the same indexes fail rather than fork the log.
//!
//! Entries never change once written, so the entries read (each checked against its leaf hash
//! first) and the ones this process appended are kept in a cache bounded by bytes
//! ([`ENTRY_CACHE_BYTES`], least recently used out first): a credential look-up that hits it
//! is no database round trip, on the writer and on a standby alike.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use lru::LruCache;
use scs_core::tlog::{leaf_hash, Hash};

use super::index::IndexRows;
use super::{Database, DbError};
use crate::log_files::{LogFileError, MAX_ENTRY_BYTES};
use crate::log_store::{
    commit_in_order, Batch, CheckpointFlush, CommitError, LogStore, StoredBatch, MAX_LEAF_READ,
};
use crate::store::IndexStore;

/// Appends the rows `unnest($1 idx, $2 byte_offset, $3 leaf, $4 entry)`, if `$5` is the writer's
/// epoch in force (every writing statement is fenced so: `scs_writer_holds`, migration 3).
const INSERT_ENTRIES: &str = "WITH fence AS (SELECT scs_writer_holds($5)) \
     INSERT INTO log_entries (idx, byte_offset, leaf, entry) \
     SELECT appended.* FROM fence, \
         unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]) AS appended";
/// Replaces the checkpoint by size `$1`, note `$2`, if its size is `$3` and `$4` is the
/// writer's epoch in force.
const REPLACE_CHECKPOINT: &str = "UPDATE log_checkpoint SET size = $1, note = $2 \
     WHERE id = 1 AND size = $3 AND scs_writer_holds($4)";
/// [`REPLACE_CHECKPOINT`], committed without waiting for the write-ahead log's flush
/// (`synchronous_commit` off for this statement's transaction only), for a checkpoint over
/// entries already durable ([`CheckpointFlush::Later`]): a crash that loses it leaves an
/// older checkpoint under a longer log, and the next start signs at the log's size the very
/// note that was handed out; the next batch's durable commit flushes it anyway. Not waiting
/// saves 0.35–0.45 ms a batch, about a tenth of a registration batch (docs/PERFORMANCE.md).
const REPLACE_CHECKPOINT_UNFLUSHED: &str = "UPDATE log_checkpoint SET size = $1, note = $2 \
     WHERE id = 1 AND size = $3 AND scs_writer_holds($4) \
         AND set_config('synchronous_commit', 'off', true) = 'off'";
/// Stores a batch in one statement, so in one transaction: its entries (`$1` idx, `$2` byte
/// offsets, `$3` leaves, `$4` bodies) and its index writes (`$5` keys removed, `$6` keys
/// written, `$7` their values; no key in both), if `$8` is the writer's epoch in force: the main
/// query, which always runs, fails the whole statement otherwise. Data-modifying `WITH` queries
/// run once each, to completion, whatever the main query reads of them.
const COMMIT_BATCH: &str = "WITH appended AS (\
         INSERT INTO log_entries (idx, byte_offset, leaf, entry) \
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])), \
     removed AS (DELETE FROM index_kv WHERE key = ANY($5::bytea[])), \
     written AS (\
         INSERT INTO index_kv (key, value) SELECT * FROM unnest($6::bytea[], $7::bytea[]) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value) \
     SELECT scs_writer_holds($8)";

/// Rows read at once while loading where each entry starts.
const OFFSETS_READ: i64 = 65_536;

/// Bytes of entries a [`PgLog`] keeps in memory (128 MiB: about 18,000 registrations of 7 KiB,
/// the newest and the most asked for). The process grows by up to this much as it fills.
const ENTRY_CACHE_BYTES: usize = 128 * 1024 * 1024;

/// The log in a PostgreSQL database ([`super::Postgres::log`]).
#[derive(Debug)]
pub struct PgLog {
    db: Arc<Database>,
    /// Where each entry starts when the entries lie end to end, and where the next one will:
    /// 8 bytes an entry in memory, as for the file log.
    offsets: RwLock<Offsets>,
    size: AtomicU64,
    /// Entries checked against their leaf (or appended by this process), by index.
    cache: Mutex<EntryCache>,
}

/// Entries by index, with their byte offsets, at most `limit` bytes of them; the least
/// recently used go first. Never stale: an entry never changes once written.
#[derive(Debug)]
struct EntryCache {
    entries: LruCache<u64, (u64, Arc<[u8]>)>,
    bytes: usize,
    limit: usize,
}

impl EntryCache {
    fn new(limit: usize) -> Self {
        Self {
            entries: LruCache::unbounded(),
            bytes: 0,
            limit,
        }
    }

    fn get(&mut self, index: u64) -> Option<(u64, Arc<[u8]>)> {
        self.entries.get(&index).cloned()
    }

    /// Keeps `entry`, dropping the least recently used until the cache is within its bound (an
    /// entry larger than the whole bound is not kept).
    fn put(&mut self, index: u64, offset: u64, entry: Arc<[u8]>) {
        if entry.len() > self.limit {
            return;
        }
        self.bytes += entry.len();
        if let Some((_, old)) = self.entries.put(index, (offset, entry)) {
            self.bytes -= old.len();
        }
        while self.bytes > self.limit {
            match self.entries.pop_lru() {
                Some((_, (_, dropped))) => self.bytes -= dropped.len(),
                None => break,
            }
        }
    }
}

#[derive(Debug, Default)]
struct Offsets {
    starts: Vec<u64>,
    end: u64,
}

fn as_i64(value: u64) -> Result<i64, LogFileError> {
    i64::try_from(value).map_err(|_| LogFileError::NotFound(value))
}

impl PgLog {
    /// Reads where every entry starts, checking that the entries follow each other.
    pub(super) fn open(db: Arc<Database>) -> Result<Self, LogFileError> {
        let mut offsets = Offsets::default();
        read_offsets(&db, &mut offsets)?;
        Ok(Self {
            db,
            size: AtomicU64::new(offsets.starts.len() as u64),
            offsets: RwLock::new(offsets),
            cache: Mutex::new(EntryCache::new(ENTRY_CACHE_BYTES)),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, EntryCache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps entries `first..` (their bytes checked or appended by this process) in the cache.
    fn remember<'e>(&self, first: u64, entries: impl IntoIterator<Item = (u64, &'e [u8])>) {
        let mut cache = self.cache();
        for (index, (offset, entry)) in (first..).zip(entries) {
            cache.put(index, offset, Arc::from(entry));
        }
    }

    fn offsets(&self) -> std::sync::RwLockReadGuard<'_, Offsets> {
        self.offsets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A batch's rows for `log_entries`, laid after the entries already there.
struct NewRows {
    first: u64,
    indexes: Vec<i64>,
    starts: Vec<i64>,
    leaves: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
    end: u64,
}

/// The columns [`INSERT_ENTRIES`] takes: indexes, byte offsets, leaf hashes, entries.
type Columns = (Vec<i64>, Vec<i64>, Vec<Vec<u8>>, Vec<Vec<u8>>);

impl NewRows {
    /// The rows of `entries` after `offsets`; an entry larger than the log takes refuses the
    /// batch ([`LogFileError::Corrupt`]).
    fn after(offsets: &Offsets, entries: &[Vec<u8>]) -> Result<Self, LogFileError> {
        let first = offsets.starts.len() as u64;
        let mut rows = Self {
            first,
            indexes: Vec::with_capacity(entries.len()),
            starts: Vec::with_capacity(entries.len()),
            leaves: Vec::with_capacity(entries.len()),
            hashes: Vec::with_capacity(entries.len()),
            end: offsets.end,
        };
        for (at, entry) in entries.iter().enumerate() {
            if entry.len() > MAX_ENTRY_BYTES {
                return Err(LogFileError::Corrupt("entry too large".into()));
            }
            let hash = leaf_hash(entry);
            rows.indexes.push(as_i64(first + at as u64)?);
            rows.starts.push(as_i64(rows.end)?);
            rows.leaves.push(hash.0.to_vec());
            rows.hashes.push(hash);
            rows.end += entry.len() as u64;
        }
        Ok(rows)
    }

    fn columns(&self, bodies: Vec<Vec<u8>>) -> Columns {
        (
            self.indexes.clone(),
            self.starts.clone(),
            self.leaves.clone(),
            bodies,
        )
    }
}

impl PgLog {
    /// Records `rows` (of `entries`), now committed: readers find the entries in the cache
    /// before they can ask for them, then the size grows. Gives their leaf hashes.
    fn took(&self, offsets: &mut Offsets, rows: NewRows, entries: &[Vec<u8>]) -> Vec<Hash> {
        let starts: Vec<u64> = rows
            .starts
            .iter()
            .map(|&start| u64::try_from(start).unwrap_or(0))
            .collect();
        self.remember(
            rows.first,
            starts
                .iter()
                .copied()
                .zip(entries.iter().map(Vec::as_slice)),
        );
        offsets.starts.extend(starts);
        offsets.end = rows.end;
        self.size
            .store(offsets.starts.len() as u64, Ordering::Release);
        rows.hashes
    }
}

/// The part of a batch that [`COMMIT_BATCH`] failed on.
enum Part {
    Entries,
    Index,
}

/// Which part of the batch `error` (from [`COMMIT_BATCH`]) is about: the indexes when the
/// database names their table, else the entries (which also stand for the statement as a
/// whole: the connection, the commit).
fn part_failed(error: &DbError) -> Part {
    if error.table() == Some("index_kv") {
        Part::Index
    } else {
        Part::Entries
    }
}

/// Adds where each entry past `offsets` starts, checking that the entries follow each other.
fn read_offsets(db: &Database, offsets: &mut Offsets) -> Result<(), LogFileError> {
    loop {
        let from = as_i64(offsets.starts.len() as u64)?;
        let rows: Vec<(i64, i64, i64)> = db.run(move |mut session| async move {
            let rows = session
                .query(
                    "SELECT idx, byte_offset, octet_length(entry)::bigint FROM log_entries \
                     WHERE idx >= $1 ORDER BY idx LIMIT $2",
                    &[&from, &OFFSETS_READ],
                )
                .await?;
            rows.iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
                .collect::<Result<_, DbError>>()
        })?;
        let last_part = (rows.len() as i64) < OFFSETS_READ;
        for (index, start, len) in rows {
            let expected = offsets.starts.len() as u64;
            if u64::try_from(index).ok() != Some(expected)
                || u64::try_from(start).ok() != Some(offsets.end)
            {
                return Err(LogFileError::Corrupt(format!(
                    "log entry {index} in the database does not follow entry {}",
                    expected.saturating_sub(1)
                )));
            }
            offsets.starts.push(offsets.end);
            offsets.end += u64::try_from(len).unwrap_or(0);
        }
        if last_part {
            return Ok(());
        }
    }
}

/// The entry `index` as the database holds it, if its bytes hash to its leaf: a changed byte is
/// never served or replayed.
fn checked(
    index: u64,
    offset: i64,
    leaf: &[u8],
    entry: Vec<u8>,
) -> Result<(u64, Vec<u8>), LogFileError> {
    let offset = u64::try_from(offset).unwrap_or(0);
    if entry.len() > MAX_ENTRY_BYTES || leaf_hash(&entry).0[..] != leaf[..] {
        tracing::error!(
            index,
            "LEDGER ENTRY FAILED ITS INTEGRITY CHECK: its bytes in the database no longer hash \
             to its leaf; restore the database from a backup"
        );
        return Err(LogFileError::Integrity { index, offset });
    }
    Ok((offset, entry))
}

impl LogStore for PgLog {
    fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    fn append(&self, entries: &[Vec<u8>]) -> Result<Vec<Hash>, LogFileError> {
        // One writer: the lock is held from reading the next index to recording the batch.
        let mut offsets = self
            .offsets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = NewRows::after(&offsets, entries)?;
        let sent = rows.columns(entries.to_vec());
        let epoch = self.db.writer_epoch();
        self.db.run(move |mut session| async move {
            let (indexes, starts, leaves, bodies) = &sent;
            session
                .execute(INSERT_ENTRIES, &[indexes, starts, leaves, bodies, &epoch])
                .await?;
            Ok::<_, DbError>(())
        })?;
        Ok(self.took(&mut offsets, rows, entries))
    }

    /// One statement when the indexes are this database's (see the module documentation);
    /// otherwise [`commit_in_order`].
    fn commit(&self, batch: Batch, index: &dyn IndexStore) -> Result<StoredBatch, CommitError> {
        if !index.postgres().is_some_and(|pg| pg.is_in(&self.db)) {
            return commit_in_order(self, batch, index);
        }
        let mut offsets = self
            .offsets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = NewRows::after(&offsets, &batch.entries).map_err(CommitError::Entries)?;
        if rows.first != batch.first {
            return Err(CommitError::Entries(LogFileError::Conflict(format!(
                "the batch starts at entry {} but the log has {}",
                batch.first, rows.first
            ))));
        }
        let (indexes, starts, leaves, bodies) = rows.columns(batch.entries.clone());
        let index_rows = IndexRows::of(batch.index_writes);
        let epoch = self.db.writer_epoch();
        self.db
            .run(move |mut session| async move {
                let [removed, keys, values] = index_rows.columns();
                let outcome = session
                    .execute(
                        COMMIT_BATCH,
                        &[
                            &indexes, &starts, &leaves, &bodies, removed, keys, values, &epoch,
                        ],
                    )
                    .await;
                Ok(outcome.map_err(|error| (part_failed(&error), error)))
            })
            .map_err(|error| CommitError::Entries(error.into()))?
            .map_err(|(part, error)| match part {
                Part::Entries => CommitError::Entries(error.into()),
                Part::Index => CommitError::Index(error.into()),
            })?;
        Ok(StoredBatch {
            leaves: self.took(&mut offsets, rows, &batch.entries),
            // Entries and index writes committed durably, in one transaction.
            checkpoint_flush: CheckpointFlush::Later,
        })
    }

    fn refresh(&self) -> Result<u64, LogFileError> {
        let mut offsets = self
            .offsets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        read_offsets(&self.db, &mut offsets)?;
        let size = offsets.starts.len() as u64;
        self.size.store(size, Ordering::Release);
        Ok(size)
    }

    fn entry(&self, index: u64) -> Result<(u64, Vec<u8>), LogFileError> {
        if index >= self.size() {
            return Err(LogFileError::NotFound(index));
        }
        // The guard is dropped before the copy: other handler threads wait only for the probe.
        let cached = self.cache().get(index);
        if let Some((offset, entry)) = cached {
            return Ok((offset, entry.to_vec()));
        }
        let at = as_i64(index)?;
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = self.db.run(move |mut session| async move {
            let row = session
                .query_opt(
                    "SELECT byte_offset, leaf, entry FROM log_entries WHERE idx = $1",
                    &[&at],
                )
                .await?;
            row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
                .transpose()
                .map_err(|error: tokio_postgres::Error| DbError::from(error))
        })?;
        let Some((offset, leaf, entry)) = row else {
            return Err(LogFileError::NotFound(index));
        };
        let (offset, entry) = checked(index, offset, &leaf, entry)?;
        self.remember(index, [(offset, entry.as_slice())]);
        Ok((offset, entry))
    }

    fn entries(&self, range: Range<u64>) -> Result<Vec<Vec<u8>>, LogFileError> {
        if range.end > self.size() || range.end.saturating_sub(range.start) > MAX_LEAF_READ {
            return Err(LogFileError::NotFound(range.end));
        }
        let (start, end) = (as_i64(range.start)?, as_i64(range.end)?);
        let rows: Vec<(i64, i64, Vec<u8>, Vec<u8>)> =
            self.db.run(move |mut session| async move {
                let rows = session
                    .query(
                        "SELECT idx, byte_offset, leaf, entry FROM log_entries \
                     WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                        &[&start, &end],
                    )
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get(0)?,
                            row.try_get(1)?,
                            row.try_get(2)?,
                            row.try_get(3)?,
                        ))
                    })
                    .collect::<Result<_, DbError>>()
            })?;
        let mut entries = Vec::with_capacity(rows.len());
        for (expected, (index, offset, leaf, entry)) in range.clone().zip(rows) {
            if u64::try_from(index).ok() != Some(expected) {
                return Err(LogFileError::NotFound(expected));
            }
            entries.push(checked(expected, offset, &leaf, entry)?);
        }
        if entries.len() as u64 != range.end - range.start {
            return Err(LogFileError::NotFound(range.start + entries.len() as u64));
        }
        // What a standby follows (and the start-up load reads) is what is asked for next.
        self.remember(
            range.start,
            entries
                .iter()
                .map(|(offset, entry)| (*offset, entry.as_slice())),
        );
        Ok(entries.into_iter().map(|(_, entry)| entry).collect())
    }

    fn entry_offset(&self, index: u64) -> Result<u64, LogFileError> {
        usize::try_from(index)
            .ok()
            .and_then(|at| self.offsets().starts.get(at).copied())
            .ok_or(LogFileError::NotFound(index))
    }

    fn leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, LogFileError> {
        let count = range
            .end
            .checked_sub(range.start)
            .filter(|&count| count <= MAX_LEAF_READ && range.end <= self.size())
            .ok_or(LogFileError::NotFound(range.end))?;
        let (start, end) = (as_i64(range.start)?, as_i64(range.end)?);
        let leaves: Vec<Vec<u8>> = self.db.run(move |mut session| async move {
            let rows = session
                .query(
                    "SELECT leaf FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                    &[&start, &end],
                )
                .await?;
            rows.iter()
                .map(|row| row.try_get(0))
                .collect::<Result<_, _>>()
                .map_err(DbError::from)
        })?;
        let hashes: Vec<Hash> = leaves
            .into_iter()
            .filter_map(|leaf| Some(Hash(leaf.try_into().ok()?)))
            .collect();
        if hashes.len() as u64 != count {
            return Err(LogFileError::Corrupt(format!(
                "the database holds {} leaf hashes of entries {}..{}",
                hashes.len(),
                range.start,
                range.end
            )));
        }
        Ok(hashes)
    }

    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, LogFileError> {
        let note: Vec<u8> = self.db.run(|mut session| async move {
            let row = session
                .query_one("SELECT note FROM log_checkpoint WHERE id = 1", &[])
                .await?;
            row.try_get(0).map_err(DbError::from)
        })?;
        Ok(Some(note).filter(|note| !note.is_empty()))
    }

    fn write_checkpoint(
        &self,
        previous: u64,
        size: u64,
        note: &[u8],
        flush: CheckpointFlush,
    ) -> Result<(), LogFileError> {
        let (old, new, note) = (as_i64(previous)?, as_i64(size)?, note.to_vec());
        let statement = match flush {
            CheckpointFlush::Wait => REPLACE_CHECKPOINT,
            CheckpointFlush::Later => REPLACE_CHECKPOINT_UNFLUSHED,
        };
        let epoch = self.db.writer_epoch();
        let replaced = self.db.run(move |mut session| async move {
            session
                .execute(statement, &[&new, &note, &old, &epoch])
                .await
        })?;
        if replaced == 1 {
            Ok(())
        } else {
            Err(LogFileError::Conflict(format!(
                "the stored checkpoint no longer has tree size {previous}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::test_support::fresh_database;
    use crate::store::{IndexStore, Write};
    use crate::Postgres;

    /// The store on a fresh test database (`None` when PostgreSQL tests are skipped).
    fn fresh_store() -> Option<Postgres> {
        fresh_database().map(|url| Postgres::connect(&url).unwrap())
    }

    /// The contract of `log_files`' tests, on PostgreSQL: appends, reads by index and range,
    /// reopening, a changed byte never read as the entry, and the checkpoint's compare-and-swap.
    #[test]
    fn appends_reads_reopens_and_never_reads_a_changed_byte() {
        let Some(database) = fresh_store() else {
            return;
        };
        let log = database.log().unwrap();
        assert_eq!(log.size(), 0);
        let appended = log.append(&[b"one".to_vec(), b"two".to_vec()]).unwrap();
        let third = log.append(&[b"three".to_vec()]).unwrap();
        assert_eq!(log.entry(1).unwrap(), (3, b"two".to_vec()));
        assert_eq!(log.leaf_hashes(0..3).unwrap(), [appended, third].concat());
        assert!(log.leaf_hashes(2..4).is_err(), "past the end");
        assert!(matches!(log.entry(3), Err(LogFileError::NotFound(3))));
        assert_eq!(
            log.entries(0..3).unwrap(),
            [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
        let reopened = database.log().unwrap();
        assert_eq!(reopened.size(), 3);
        assert_eq!(reopened.entry_offset(2).unwrap(), 6);

        crate::postgres::test_support::execute(
            &database,
            "UPDATE log_entries SET entry = 'twx' WHERE idx = 1",
        );
        assert!(matches!(
            reopened.entry(1),
            Err(LogFileError::Integrity {
                index: 1,
                offset: 3
            })
        ));
        assert!(reopened.entries(0..3).is_err());
        assert_eq!(reopened.entry(2).unwrap().1, b"three");

        assert_eq!(reopened.read_checkpoint().unwrap(), None);
        reopened
            .write_checkpoint(0, 3, b"note", CheckpointFlush::Wait)
            .unwrap();
        assert!(matches!(
            reopened.write_checkpoint(0, 4, b"other", CheckpointFlush::Wait),
            Err(LogFileError::Conflict(_))
        ));
        assert_eq!(
            reopened.read_checkpoint().unwrap().as_deref(),
            Some(&b"note"[..])
        );
    }

    /// What this process appended, and what it read and checked, is served from memory: a
    /// byte changed in the database afterwards reaches only a log that never held the entry,
    /// which refuses it.
    #[test]
    fn entries_appended_or_checked_are_served_from_the_cache() {
        let Some(database) = fresh_store() else {
            return;
        };
        let writer = database.log().unwrap();
        writer.append(&[b"one".to_vec(), b"two".to_vec()]).unwrap();
        let reader = database.log().unwrap();
        assert_eq!(reader.entry(0).unwrap(), (0, b"one".to_vec()));
        crate::postgres::test_support::execute(
            &database,
            "UPDATE log_entries SET entry = 'onx' WHERE idx = 0",
        );
        assert_eq!(writer.entry(0).unwrap(), (0, b"one".to_vec()));
        assert_eq!(writer.entry(1).unwrap(), (3, b"two".to_vec()));
        assert_eq!(reader.entry(0).unwrap(), (0, b"one".to_vec()));
        assert!(matches!(
            database.log().unwrap().entry(0),
            Err(LogFileError::Integrity { index: 0, .. })
        ));
    }

    /// A batch of `entries` with index writes `writes`, after the log's `size` entries.
    fn batch(size: u64, entries: &[&str], writes: Vec<Write>) -> Batch {
        Batch {
            first: size,
            entries: entries.iter().map(|e| e.as_bytes().to_vec()).collect(),
            index_writes: writes,
        }
    }

    /// The writer's batch is one statement: entries and index writes are stored together,
    /// and when the index part fails (a write the database refuses) the entries are not stored
    /// either (one step after the other, they would be); every connection is usable
    /// afterwards.
    #[test]
    fn a_batch_is_stored_whole_or_not_at_all() {
        let Some(database) = fresh_store() else {
            return;
        };
        let (log, index) = (database.log().unwrap(), database.index());
        let key = |name: &str| name.as_bytes().to_vec();
        let stored = log
            .commit(
                batch(0, &["one", "two"], vec![(key("a"), Some(b"1".to_vec()))]),
                &index,
            )
            .unwrap();
        assert_eq!(stored.checkpoint_flush, CheckpointFlush::Later, "durable");
        assert_eq!((log.size(), log.entry(1).unwrap().1), (2, b"two".to_vec()));
        assert_eq!(index.get(b"a").unwrap(), Some(b"1".to_vec()));

        crate::postgres::test_support::execute(
            &database,
            "ALTER TABLE index_kv ADD CONSTRAINT short CHECK (octet_length(value) < 4)",
        );
        for _ in 0..2 * crate::postgres::CONNECTIONS {
            let refused = log.commit(
                batch(
                    2,
                    &["three"],
                    vec![(key("a"), None), (key("b"), Some(b"long".to_vec()))],
                ),
                &index,
            );
            assert!(matches!(refused, Err(CommitError::Index(_))), "{refused:?}");
            assert_eq!(
                (log.size(), database.log().unwrap().size()),
                (2, 2),
                "no entry stored"
            );
            assert_eq!(
                index.get(b"a").unwrap(),
                Some(b"1".to_vec()),
                "none removed"
            );
        }
        log.commit(batch(2, &["three"], vec![(key("a"), None)]), &index)
            .unwrap();
        assert_eq!(database.log().unwrap().entry(2).unwrap().1, b"three");
        assert_eq!(index.get(b"a").unwrap(), None);
    }

    /// A writer whose lease the server dropped without its noticing (a silent connection the
    /// keepalives gave up on) writes nothing once another process has taken the lease: its
    /// entries, its batch, its checkpoint and its index writes are each refused whole, even at
    /// the very size the new writer took over at (found in review: they landed). The new
    /// writer writes.
    #[test]
    fn a_writer_whose_lease_another_took_writes_nothing() {
        let Some(url) = fresh_database() else {
            return;
        };
        let old = Postgres::connect(&url).unwrap();
        let _believed_held = old.try_lease().unwrap().unwrap();
        let (log, index) = (old.log().unwrap(), old.index());
        log.append(&[b"one".to_vec()]).unwrap();
        log.write_checkpoint(0, 1, b"note one", CheckpointFlush::Wait)
            .unwrap();

        let new = Postgres::connect(&url).unwrap();
        crate::postgres::test_support::execute(
            &new,
            "SELECT pg_terminate_backend(pid) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        let _lease = (0..50)
            .find_map(|_| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                new.try_lease().unwrap()
            })
            .expect("the new process took the lease");

        let key = b"k".to_vec();
        let fenced = |error: &LogFileError| matches!(error, LogFileError::Conflict(m) if m.contains("sequencer lease"));
        let appended = log.append(&[b"two".to_vec()]).unwrap_err();
        assert!(fenced(&appended), "{appended:?}");
        let committed = log
            .commit(
                batch(1, &["two"], vec![(key.clone(), Some(b"v".to_vec()))]),
                &index,
            )
            .unwrap_err();
        assert!(
            matches!(&committed, CommitError::Entries(error) if fenced(error)),
            "{committed:?}"
        );
        for flush in [CheckpointFlush::Wait, CheckpointFlush::Later] {
            let replaced = log
                .write_checkpoint(1, 1, b"other note", flush)
                .unwrap_err();
            assert!(fenced(&replaced), "{replaced:?}");
        }
        let applied = index.apply(vec![(key.clone(), Some(b"v".to_vec()))]);
        assert!(applied.unwrap_err().to_string().contains("sequencer lease"));
        assert!(index.clear().is_err());

        let log_now = new.log().unwrap();
        assert_eq!(log_now.size(), 1, "no entry landed");
        assert_eq!(log_now.read_checkpoint().unwrap().unwrap(), b"note one");
        assert_eq!(
            new.index().get(&key).unwrap(),
            None,
            "no index write landed"
        );
        log_now
            .commit(
                batch(1, &["two"], vec![(key.clone(), Some(b"v".to_vec()))]),
                &new.index(),
            )
            .unwrap();
        log_now
            .write_checkpoint(1, 2, b"note two", CheckpointFlush::Wait)
            .unwrap();
    }

    /// A second writer's batch at indexes the first already stored is refused as a conflict,
    /// and stores none of its index writes.
    #[test]
    fn a_batch_where_another_writer_appended_is_a_conflict() {
        let Some(database) = fresh_store() else {
            return;
        };
        let (first, second, index) = (
            database.log().unwrap(),
            database.log().unwrap(),
            database.index(),
        );
        first.commit(batch(0, &["one"], vec![]), &index).unwrap();
        let refused = second.commit(
            batch(0, &["other"], vec![(b"k".to_vec(), Some(b"v".to_vec()))]),
            &index,
        );
        assert!(
            matches!(
                refused,
                Err(CommitError::Entries(LogFileError::Conflict(_)))
            ),
            "{refused:?}"
        );
        assert_eq!(index.get(b"k").unwrap(), None);
        assert_eq!(database.log().unwrap().entry(0).unwrap().1, b"one");
    }

    /// Entries are stored as they are (not compressed on the writer's path): an entry of the
    /// size of a registration, compressible as JSON is, is not compressed.
    #[test]
    fn entries_are_stored_uncompressed() {
        let Some(database) = fresh_store() else {
            return;
        };
        let log = database.log().unwrap();
        let entry = format!("{{\"entry\":\"{}\"}}", "registration ".repeat(300));
        log.commit(batch(0, &[entry.as_str()], vec![]), &database.index())
            .unwrap();
        let compressed: Option<String> = database
            .0
            .run(|mut session| async move {
                let row = session
                    .query_one("SELECT pg_column_compression(entry) FROM log_entries", &[])
                    .await?;
                row.try_get(0).map_err(DbError::from)
            })
            .unwrap();
        assert_eq!(compressed, None, "an entry of {} bytes", entry.len());
    }

    /// Indexes that take a batch and lose it (what a database restarting before its flush
    /// does).
    #[derive(Default)]
    struct Forgetful(crate::MemoryStore);

    impl IndexStore for Forgetful {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::StoreError> {
            self.0.get(key)
        }
        fn scan_prefix(
            &self,
            prefix: &[u8],
            limit: usize,
        ) -> Result<crate::Entries, crate::StoreError> {
            self.0.scan_prefix(prefix, limit)
        }
        fn apply(&self, _: Vec<Write>) -> Result<(), crate::StoreError> {
            Ok(())
        }
        fn clear(&self) -> Result<(), crate::StoreError> {
            self.0.clear()
        }
    }

    /// With indexes elsewhere (not this database's), a batch is stored one step after the
    /// other, the indexes' last write is read back, and the checkpoint over it is to wait for
    /// its flush (found in review); a batch that does not start at the log's size is refused
    /// before anything is stored.
    #[test]
    fn with_indexes_elsewhere_a_batch_is_stored_in_order() {
        let Some(database) = fresh_store() else {
            return;
        };
        let log = database.log().unwrap();
        let elsewhere = crate::MemoryStore::default();
        let stored = log
            .commit(
                batch(0, &["one"], vec![(b"a".to_vec(), Some(b"1".to_vec()))]),
                &elsewhere,
            )
            .unwrap();
        // The indexes' apply need not be durable: the checkpoint's flush must cover it.
        assert_eq!(stored.checkpoint_flush, CheckpointFlush::Wait);
        assert_eq!(log.size(), 1);
        assert_eq!(elsewhere.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(
            database.index().get(b"a").unwrap(),
            None,
            "not this database's"
        );
        let lost = log.commit(
            batch(1, &["two"], vec![(b"b".to_vec(), Some(b"2".to_vec()))]),
            &Forgetful::default(),
        );
        assert!(matches!(lost, Err(CommitError::IndexLost)), "{lost:?}");
        for index in [&elsewhere as &dyn IndexStore, &database.index()] {
            let behind = log.commit(batch(1, &["three"], vec![]), index);
            assert!(
                matches!(behind, Err(CommitError::Entries(LogFileError::Conflict(_)))),
                "{behind:?}"
            );
        }
        assert_eq!(database.log().unwrap().size(), 2, "nothing more stored");
    }

    #[test]
    fn the_entry_cache_keeps_within_its_bytes_dropping_the_least_recently_used() {
        let mut cache = EntryCache::new(10);
        cache.put(0, 0, Arc::from(&b"aaaa"[..]));
        cache.put(1, 4, Arc::from(&b"bbbb"[..]));
        assert!(cache.get(0).is_some(), "0 is now the most recently used");
        cache.put(2, 8, Arc::from(&b"cccc"[..]));
        assert_eq!(cache.bytes, 8);
        assert!(cache.get(1).is_none(), "the least recently used went");
        assert_eq!(cache.get(0).map(|(offset, _)| offset), Some(0));
        assert_eq!(
            cache.get(2).as_ref().map(|(_, e)| &e[..]),
            Some(&b"cccc"[..])
        );
        cache.put(3, 12, Arc::from(&b"larger than all"[..]));
        assert!(cache.get(3).is_none(), "larger than the bound: not kept");
        assert_eq!(cache.bytes, 8);
    }

    /// Every session sets the server's keepalives for its connection, so that the server drops
    /// one whose client went silent (a writer's machine that lost power) within seconds, and
    /// with it the lease such a connection holds. (The dropping itself needs a machine to
    /// vanish, which no test here does.)
    #[test]
    fn every_session_sets_the_servers_keepalives() {
        let Some(database) = fresh_store() else {
            return;
        };
        let settings: Vec<String> = database
            .0
            .run(|mut session| async move {
                let mut values = Vec::new();
                for sql in [
                    "SHOW tcp_keepalives_idle",
                    "SHOW tcp_keepalives_interval",
                    "SHOW tcp_keepalives_count",
                    "SHOW idle_in_transaction_session_timeout",
                ] {
                    values.push(session.query_one(sql, &[]).await?.try_get(0)?);
                }
                Ok::<_, DbError>(values)
            })
            .unwrap();
        // And a transaction a caller abandoned ends within seconds, with its locks (the
        // writer's epoch's, which a take-over waits for; found in review).
        assert_eq!(settings, ["3", "1", "3", "10s"]);
    }

    /// Only the unflushed checkpoint's transaction commits without waiting for its flush:
    /// the setting is off inside that statement, on inside the other, and on again for the
    /// session's next statement (a batch committed without waiting would be acknowledged
    /// before it is durable).
    #[test]
    fn only_the_unflushed_checkpoint_commits_without_waiting_for_its_flush() {
        let Some(database) = fresh_store() else {
            return;
        };
        let settings = database
            .0
            .run(|mut session| async move {
                let mut settings = Vec::new();
                for statement in [REPLACE_CHECKPOINT_UNFLUSHED, REPLACE_CHECKPOINT] {
                    let replace =
                        format!("{statement} RETURNING current_setting('synchronous_commit')");
                    let inside: String = session
                        .client()?
                        .query_one(
                            replace.as_str(),
                            &[&0_i64, &Vec::<u8>::new(), &0_i64, &0_i64],
                        )
                        .await?
                        .try_get(0)?;
                    let after: String = session
                        .query_one("SHOW synchronous_commit", &[])
                        .await?
                        .try_get(0)?;
                    settings.push((inside, after));
                }
                Ok::<_, DbError>(settings)
            })
            .unwrap();
        let setting = |inside: &str| (inside.to_owned(), "on".to_owned());
        assert_eq!(settings, [setting("off"), setting("on")]);
    }

    #[test]
    fn a_database_that_does_not_answer_is_an_error_not_a_panic() {
        // Nothing listens there (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let error = Postgres::connect(&format!("postgres://scs@127.0.0.1:{port}/none"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("PostgreSQL"), "{error}");
    }
}
