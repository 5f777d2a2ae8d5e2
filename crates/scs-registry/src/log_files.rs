//! The log on disk: the registry's source of truth.
//!
//! Two append-only files in `<data>/log/`:
//!
//! - `entries.bin`: the entries (signed documents), back to back.
//! - `leaves.bin`: one fixed-size record per entry: RFC 6962 leaf hash (32 bytes) ‖ offset in
//!   `entries.bin` (u64 BE) ‖ length (u32 BE).
//!
//! # Write order
//!
//! 1. append the entries to `entries.bin`, `fsync`;
//! 2. append their leaf records to `leaves.bin`, `fsync`;
//! 3. only then does [`LogFiles::append`] return, and the caller may acknowledge.
//!
//! # Recovery (on open)
//!
//! A leaf record exists only if its entry was durable first, so `leaves.bin` decides the size:
//! a torn last record (not a whole 44 bytes) is cut off; the newest records are re-hashed against
//! their entries and any that do not match (zero-filled after a crash) are cut off too; bytes of
//! `entries.bin` past the last recorded entry (written, never acknowledged) are truncated.
//! Nothing acknowledged is ever cut: acknowledgement happens after step 2. A record that does
//! not start where the entry before it ended, or that runs past `entries.bin`, is a torn write
//! only among the newest records; further back it is corruption, and the log refuses to open
//! rather than cut acknowledged entries.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

use scs_core::tlog::{leaf_hash, Hash};
use thiserror::Error;

const RECORD: usize = 44;
/// How many of the newest records are re-hashed on open, and how far back a broken record
/// counts as a torn write: at least the most entries one append writes (the ledger's batch,
/// checked where it is defined), since a crash can tear any of them.
pub const RECHECK: u64 = 1024;
/// Largest entry accepted: C2SP entry bundles prefix each entry with a 16-bit length (a
/// registration carrying a credential is a few KiB).
pub const MAX_ENTRY_BYTES: usize = scs_core::tlog::MAX_ENTRY_SIZE;

/// The log files failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LogFileError {
    /// Reading or writing failed.
    #[error("log I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The files contradict each other beyond what a crash can explain.
    #[error("log files are corrupt: {0}")]
    Corrupt(String),
    /// No entry at that index.
    #[error("no log entry {0}")]
    NotFound(u64),
    /// A span past the end of an entry.
    #[error("log entry {0} is shorter than the bytes asked for")]
    Span(u64),
}

/// Reads leaf hashes from `leaves.bin` by position, beside the [`LogFiles`] that appends to it,
/// so that the Merkle tree need not hold them in memory (32 bytes an entry: 64 MiB at two
/// million entries). Callers ask only for leaves already appended.
#[derive(Debug)]
pub struct LeafHashes(File);

impl LeafHashes {
    /// Most hashes read at once: a full tile.
    pub const MAX_READ: u64 = 256;

    /// The leaf hashes of the entries in `range` (at most [`Self::MAX_READ`]).
    pub fn read(&self, range: std::ops::Range<u64>) -> Result<Vec<Hash>, LogFileError> {
        let count = range
            .end
            .checked_sub(range.start)
            .filter(|&count| count <= Self::MAX_READ)
            .ok_or(LogFileError::NotFound(range.end))?;
        let mut raw = vec![0; count as usize * RECORD];
        self.0
            .read_exact_at(&mut raw, range.start * RECORD as u64)?;
        Ok(raw
            .chunks_exact(RECORD)
            .map(|record| {
                let mut hash = [0; 32];
                hash.copy_from_slice(&record[..32]);
                Hash(hash)
            })
            .collect())
    }
}

/// Reads bytes of entries already appended, by their place in `entries.bin`
/// ([`LogFiles::entry_reader`]).
#[derive(Debug)]
pub struct EntryReader(File);

impl EntryReader {
    /// Fills `buffer` from byte `offset` of `entries.bin`.
    pub fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<(), LogFileError> {
        Ok(self.0.read_exact_at(buffer, offset)?)
    }
}

/// The open log files.
#[derive(Debug)]
pub struct LogFiles {
    entries: File,
    leaves: File,
    /// Where each entry starts in `entries.bin`. Entries lie end to end, so one ends where the
    /// next starts (the last at `entries_len`): 8 bytes an entry in memory rather than 16.
    offsets: Vec<u64>,
    entries_len: u64,
}

impl LogFiles {
    /// Opens or creates the log in `dir`, recovering from a crash; returns the files and every
    /// leaf hash in order.
    pub fn open(dir: &Path) -> Result<(Self, Vec<Hash>), LogFileError> {
        fs::create_dir_all(dir)?;
        let open = |name: &str| {
            OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(dir.join(name))
        };
        let entries = open("entries.bin")?;
        let leaves = open("leaves.bin")?;
        let raw = fs::read(dir.join("leaves.bin"))?;
        let entries_file_len = entries.metadata()?.len();
        let mut hashes = Vec::with_capacity(raw.len() / RECORD);
        let mut offsets = Vec::with_capacity(raw.len() / RECORD);
        let records = raw.len() / RECORD;
        let mut end = 0u64;
        for (index, record) in raw.chunks_exact(RECORD).enumerate() {
            let (hash, rest) = record.split_at(32);
            let (offset, len) = rest.split_at(8);
            let offset = u64::from_be_bytes(offset.try_into().unwrap_or_default());
            let len = u32::from_be_bytes(len.try_into().unwrap_or_default());
            if offset != end || offset + u64::from(len) > entries_file_len {
                // A crash can leave a torn tail, never a broken record further back.
                if records - index > RECHECK as usize {
                    return Err(LogFileError::Corrupt(format!(
                        "leaf record {index} does not describe the entry after the one before"
                    )));
                }
                break;
            }
            hashes.push(Hash(hash.try_into().unwrap_or_default()));
            offsets.push(offset);
            end = offset + u64::from(len);
        }
        let mut files = Self {
            entries,
            leaves,
            offsets,
            entries_len: end,
        };
        // Re-hash the newest records; cut back to the last one that matches its entry.
        let size = files.offsets.len() as u64;
        let mut good = size;
        for index in size.saturating_sub(RECHECK)..size {
            let matches = files
                .read(index)
                .map(|data| Some(&leaf_hash(&data)) == hashes.get(index as usize))
                .unwrap_or(false);
            if !matches {
                good = index;
                break;
            }
        }
        if size - good > RECHECK {
            return Err(LogFileError::Corrupt(
                "leaf hashes do not match entries".into(),
            ));
        }
        files.entries_len = files.offsets.get(good as usize).copied().unwrap_or(end);
        files.offsets.truncate(good as usize);
        hashes.truncate(good as usize);
        // Cut what was written but never acknowledged.
        files.leaves.set_len(good * RECORD as u64)?;
        files.entries.set_len(files.entries_len)?;
        files.leaves.sync_all()?;
        files.entries.sync_all()?;
        Ok((files, hashes))
    }

    /// A reader of the leaf hashes on disk, with its own file handle.
    pub fn leaf_hashes(&self) -> Result<LeafHashes, LogFileError> {
        Ok(LeafHashes(self.leaves.try_clone()?))
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.offsets.len() as u64
    }

    /// Appends entries durably (see the write order above); returns their leaf hashes.
    pub fn append(&mut self, entries: &[Vec<u8>]) -> Result<Vec<Hash>, LogFileError> {
        let mut data = Vec::new();
        let mut records = Vec::with_capacity(entries.len() * RECORD);
        let mut hashes = Vec::with_capacity(entries.len());
        let mut offset = self.entries_len;
        let mut new_offsets = Vec::with_capacity(entries.len());
        for entry in entries {
            let len = u32::try_from(entry.len())
                .ok()
                .filter(|&l| l as usize <= MAX_ENTRY_BYTES)
                .ok_or_else(|| LogFileError::Corrupt("entry too large".into()))?;
            let hash = leaf_hash(entry);
            records.extend_from_slice(&hash.0);
            records.extend_from_slice(&offset.to_be_bytes());
            records.extend_from_slice(&len.to_be_bytes());
            data.extend_from_slice(entry);
            new_offsets.push(offset);
            hashes.push(hash);
            offset += u64::from(len);
        }
        self.entries.write_all(&data)?;
        self.entries.sync_data()?;
        self.leaves.write_all(&records)?;
        self.leaves.sync_data()?;
        self.entries_len = offset;
        self.offsets.extend(new_offsets);
        Ok(hashes)
    }

    /// Where the entry at `index` starts in `entries.bin`.
    pub fn entry_offset(&self, index: u64) -> Result<u64, LogFileError> {
        self.location(index).map(|(offset, _)| offset)
    }

    /// A reader of `entries.bin` by absolute position, with its own file handle: reads that
    /// know where their bytes are need neither the lock around the log nor its offsets.
    pub fn entry_reader(&self) -> Result<EntryReader, LogFileError> {
        Ok(EntryReader(self.entries.try_clone()?))
    }

    /// The entry at `index`.
    pub fn read(&self, index: u64) -> Result<Vec<u8>, LogFileError> {
        let (_, len) = self.location(index)?;
        self.read_span(index, 0, len)
    }

    /// `len` bytes of the entry at `index`, from its byte `start`.
    pub fn read_span(&self, index: u64, start: u32, len: u32) -> Result<Vec<u8>, LogFileError> {
        let (offset, entry_len) = self.location(index)?;
        if u64::from(start) + u64::from(len) > u64::from(entry_len) {
            return Err(LogFileError::Span(index));
        }
        let mut data = vec![0; len as usize];
        self.entries
            .read_exact_at(&mut data, offset + u64::from(start))?;
        Ok(data)
    }

    /// Where the entry at `index` starts in `entries.bin`, and its length.
    fn location(&self, index: u64) -> Result<(u64, u32), LogFileError> {
        let at = usize::try_from(index).map_err(|_| LogFileError::NotFound(index))?;
        let offset = *self.offsets.get(at).ok_or(LogFileError::NotFound(index))?;
        let end = self
            .offsets
            .get(at + 1)
            .copied()
            .unwrap_or(self.entries_len);
        let len = end
            .checked_sub(offset)
            .and_then(|len| u32::try_from(len).ok())
            .ok_or_else(|| LogFileError::Corrupt(format!("entry {index} has no length")))?;
        Ok((offset, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_reads_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, hashes) = LogFiles::open(dir.path()).unwrap();
        assert!(hashes.is_empty());
        let appended = log.append(&[b"one".to_vec(), b"two".to_vec()]).unwrap();
        let third = log.append(&[b"three".to_vec()]).unwrap();
        assert_eq!(log.read(1).unwrap(), b"two");
        let leaves = log.leaf_hashes().unwrap();
        assert_eq!(
            leaves.read(0..3).unwrap(),
            [appended.clone(), third].concat()
        );
        assert_eq!(leaves.read(1..2).unwrap(), [leaf_hash(b"two")]);
        assert!(leaves.read(2..4).is_err(), "past the end");
        assert!(leaves.read(0..300).is_err(), "more than a tile");
        assert_eq!(log.read_span(1, 1, 2).unwrap(), b"wo");
        assert!(matches!(log.read_span(1, 1, 3), Err(LogFileError::Span(1))));
        assert!(matches!(log.read(3), Err(LogFileError::NotFound(3))));
        drop(log);
        let (log, hashes) = LogFiles::open(dir.path()).unwrap();
        assert_eq!(log.size(), 3);
        assert_eq!(hashes[..2], appended[..]);
        assert_eq!(log.read(2).unwrap(), b"three");
    }

    #[test]
    fn recovers_from_torn_and_unacknowledged_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = LogFiles::open(dir.path()).unwrap();
        log.append(&[b"kept".to_vec(), b"kept too".to_vec()])
            .unwrap();
        drop(log);
        // A crash mid-write: entry bytes without a leaf record, and half a leaf record.
        let mut entries = OpenOptions::new()
            .append(true)
            .open(dir.path().join("entries.bin"))
            .unwrap();
        entries.write_all(b"never acknowledged").unwrap();
        let mut leaves = OpenOptions::new()
            .append(true)
            .open(dir.path().join("leaves.bin"))
            .unwrap();
        leaves.write_all(&[7; 20]).unwrap();
        let (mut log, hashes) = LogFiles::open(dir.path()).unwrap();
        assert_eq!(hashes.len(), 2);
        log.append(&[b"next".to_vec()]).unwrap();
        assert_eq!(log.read(2).unwrap(), b"next");
        assert_eq!(log.read(1).unwrap(), b"kept too");

        // A whole zero-filled record (file extended, data never written) is cut as well.
        drop(log);
        let mut leaves = OpenOptions::new()
            .append(true)
            .open(dir.path().join("leaves.bin"))
            .unwrap();
        leaves.write_all(&[0; RECORD]).unwrap();
        let (log, hashes) = LogFiles::open(dir.path()).unwrap();
        assert_eq!(hashes.len(), 3);
        assert_eq!(log.size(), 3);
    }

    #[test]
    fn a_broken_record_before_the_tail_is_corruption_not_a_torn_write() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = LogFiles::open(dir.path()).unwrap();
        let entries: Vec<Vec<u8>> = (0..RECHECK + 10)
            .map(|i| format!("entry {i}").into_bytes())
            .collect();
        log.append(&entries).unwrap();
        drop(log);
        let path = dir.path().join("leaves.bin");
        let mut raw = fs::read(&path).unwrap();
        // Record 3 claims to start one byte later than entry 2 ends.
        let offset = &mut raw[3 * RECORD + 32..3 * RECORD + 40];
        let moved = u64::from_be_bytes(offset.try_into().unwrap()) + 1;
        offset.copy_from_slice(&moved.to_be_bytes());
        fs::write(&path, &raw).unwrap();
        assert!(matches!(
            LogFiles::open(dir.path()),
            Err(LogFileError::Corrupt(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), raw, "nothing cut");
    }
}
