//! The offline check of a log on disk (`scs log check --data DIR`): every entry re-hashed
//! against its leaf record, the records laid end to end, the tree root at the checkpoint's size
//! equal to the checkpoint's root, and the checkpoint signed by the log key.
//!
//! It only reads, in one sequential pass over both files (safe while the registry runs: the
//! files are append-only, and only the records present when it starts are checked). Start-up
//! re-hashes only the newest [`RECHECK`] entries and reads check each entry they serve; this
//! is the whole check, for after a disk error, before a backup, or on a schedule.
//!
//! The log key is the one given, or else the one named by the newest trust list edition in the
//! log whose signature by the operator key verifies: a checkpoint cannot vouch for itself, so
//! its key comes from the operator's signature, as for every verifier.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use scs_core::keys::{DidKey, PublicKey};
use scs_core::tlog::{leaf_hash, Checkpoint, Frontier, Hash, NoteError, NoteVerifier};
use scs_core::trust_list::TRUST_LIST_TYPE;

use crate::log_files::{parse_record, LogFileError, MAX_ENTRY_BYTES, RECHECK, RECORD};
use crate::state::{self, VerifiedEntry};

/// Largest checkpoint file read (a signed note is far smaller).
const MAX_CHECKPOINT_BYTES: u64 = 64 * 1024;

/// Where the key that signs checkpoints comes from.
#[derive(Debug, Clone)]
pub enum LogKey {
    /// Given by the operator (`--log-key`).
    Given(PublicKey),
    /// Named by the newest trust list in the log that this operator key signed.
    FromTrustLists(DidKey),
}

/// What is wrong with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Its bytes do not hash to its leaf.
    Hash,
    /// Its record does not start where the entry before it ended, is too long, or runs past
    /// the end of `entries.bin`.
    Place,
}

/// The first entry that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadEntry {
    /// Its index.
    pub index: u64,
    /// Where its record says it starts in `entries.bin`.
    pub offset: u64,
    /// What is wrong.
    pub problem: Problem,
    /// It is among the newest records and past the size of the checkpoint signed by the log
    /// key: a write a crash tore before it was acknowledged, which the registry cuts when it
    /// starts.
    pub torn_tail: bool,
}

/// What the checkpoint file says about the log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointCheck {
    /// No checkpoint file: the registry signs one when it starts.
    Missing,
    /// Not a whole signed note (empty or torn by a crash): the registry signs a new one.
    Unreadable(String),
    /// A whole note the log key did not sign (or a wrong key was given): the registry refuses
    /// to start with it.
    Foreign(String),
    /// No log key: none given, and no trust list in the log signed by the operator key.
    NoLogKey,
    /// Signed by the log key, and the log's root at its size is its root.
    Matches {
        /// Its tree size.
        size: u64,
    },
    /// It covers more entries than the log holds.
    Beyond {
        /// Its tree size.
        size: u64,
        /// Entries in the log.
        log_size: u64,
    },
    /// The log's root at its size is another.
    RootDiffers {
        /// Its tree size.
        size: u64,
    },
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheck {
    /// Leaf records in `leaves.bin` (a torn partial record not counted).
    pub records: u64,
    /// Entries whose bytes hash to their leaf.
    pub good: u64,
    /// The first entry that failed, if any.
    pub first_bad: Option<BadEntry>,
    /// The checkpoint.
    pub checkpoint: CheckpointCheck,
}

impl LogCheck {
    /// Nothing acknowledged is lost or changed: every entry checks (or only a torn tail does
    /// not), and the checkpoint, if readable, is extended by the log.
    pub fn is_intact(&self) -> bool {
        self.first_bad.is_none_or(|bad| bad.torn_tail)
            && !matches!(
                self.checkpoint,
                CheckpointCheck::Beyond { .. }
                    | CheckpointCheck::RootDiffers { .. }
                    | CheckpointCheck::Foreign(_)
            )
    }
}

/// Checks the log in `log_dir` (`<data>/log`). Errors are for files that cannot be read at all.
pub fn check(log_dir: &Path, key: &LogKey) -> Result<LogCheck, LogFileError> {
    let note = read_checkpoint(&log_dir.join("checkpoint"))?;
    let claimed = note.as_deref().and_then(claimed_checkpoint);
    let scan = scan(log_dir, claimed.as_ref().map(Checkpoint::size), key)?;
    let checkpoint = match (note, claimed) {
        (None, _) => CheckpointCheck::Missing,
        (Some(_), None) => CheckpointCheck::Unreadable("not a checkpoint note".into()),
        (Some(note), Some(claimed)) => match &scan.log_key {
            None => CheckpointCheck::NoLogKey,
            Some(log_key) => judge_checkpoint(&note, claimed.origin(), log_key, &scan),
        },
    };
    // Only a checkpoint signed by the log key tells what was acknowledged: without one, a bad
    // record is damage (a power cut cannot leave the checkpoint unreadable since it is written
    // durably, so no crash explains both).
    let acknowledged = match checkpoint {
        CheckpointCheck::Matches { size } | CheckpointCheck::RootDiffers { size } => Some(size),
        CheckpointCheck::Beyond { size, .. } => Some(size),
        _ => None,
    };
    let first_bad = scan.first_bad.map(|bad| BadEntry {
        torn_tail: acknowledged
            .is_some_and(|size| bad.index >= size && scan.records - bad.index <= RECHECK),
        ..bad
    });
    Ok(LogCheck {
        records: scan.records,
        good: scan.good,
        first_bad,
        checkpoint,
    })
}

fn read_checkpoint(path: &Path) -> Result<Option<Vec<u8>>, LogFileError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let mut text = Vec::new();
    file.take(MAX_CHECKPOINT_BYTES).read_to_end(&mut text)?;
    Ok(Some(text))
}

/// The checkpoint a note's text claims, before its signature is checked (which needs the key
/// the scan finds, and the origin, its first line).
fn claimed_checkpoint(note: &[u8]) -> Option<Checkpoint> {
    let text = std::str::from_utf8(note).ok()?;
    let body = &text[..text.rfind("\n\n")? + 1];
    Checkpoint::parse(body).ok()
}

fn judge_checkpoint(
    note: &[u8],
    origin: &str,
    log_key: &PublicKey,
    scan: &Scan,
) -> CheckpointCheck {
    let verified = NoteVerifier::new(origin, *log_key)
        .and_then(|verifier| verifier.verify(note).map(str::to_owned))
        .map_err(|error| match error {
            NoteError::Malformed(_) | NoteError::TooLarge(_) => {
                CheckpointCheck::Unreadable(error.to_string())
            }
            other => CheckpointCheck::Foreign(other.to_string()),
        })
        .and_then(|body| {
            Checkpoint::parse(&body).map_err(|e| CheckpointCheck::Foreign(e.to_string()))
        });
    match verified {
        Err(unusable) => unusable,
        Ok(checkpoint) if checkpoint.size() > scan.records => CheckpointCheck::Beyond {
            size: checkpoint.size(),
            log_size: scan.records,
        },
        Ok(checkpoint) if scan.root_at_checkpoint == Some(*checkpoint.root()) => {
            CheckpointCheck::Matches {
                size: checkpoint.size(),
            }
        }
        Ok(checkpoint) => CheckpointCheck::RootDiffers {
            size: checkpoint.size(),
        },
    }
}

/// What one pass over the files found.
struct Scan {
    records: u64,
    good: u64,
    first_bad: Option<BadEntry>,
    /// The root of the recorded leaves at the checkpoint's claimed size.
    root_at_checkpoint: Option<Hash>,
    log_key: Option<PublicKey>,
}

fn scan(log_dir: &Path, checkpoint_size: Option<u64>, key: &LogKey) -> Result<Scan, LogFileError> {
    let leaves = File::open(log_dir.join("leaves.bin"))?;
    let records = leaves.metadata()?.len() / RECORD as u64;
    let entries = File::open(log_dir.join("entries.bin"))?;
    let entries_len = entries.metadata()?.len();
    let mut leaves = BufReader::with_capacity(1 << 20, leaves);
    let mut entries = BufReader::with_capacity(1 << 20, entries);
    let mut scan = Scan {
        records,
        good: 0,
        first_bad: None,
        root_at_checkpoint: None,
        log_key: match key {
            LogKey::Given(key) => Some(*key),
            LogKey::FromTrustLists(_) => None,
        },
    };
    let mut tree = Frontier::new();
    let mut end = 0u64;
    let mut entry = Vec::with_capacity(MAX_ENTRY_BYTES);
    let mut record = [0; RECORD];
    for index in 0..records {
        if Some(index) == checkpoint_size {
            scan.root_at_checkpoint = Some(tree.root());
        }
        leaves.read_exact(&mut record)?;
        let (hash, offset, len) = parse_record(&record);
        let _ = tree.append(hash);
        let bad = |problem| BadEntry {
            index,
            offset,
            problem,
            torn_tail: false,
        };
        if scan
            .first_bad
            .is_some_and(|bad| bad.problem == Problem::Place)
        {
            // Entries after a misplaced record have no known place: only the tree goes on.
            continue;
        }
        if offset != end || len as usize > MAX_ENTRY_BYTES || offset + u64::from(len) > entries_len
        {
            scan.first_bad.get_or_insert(bad(Problem::Place));
            continue;
        }
        entry.resize(len as usize, 0);
        entries.read_exact(&mut entry)?;
        end += u64::from(len);
        if leaf_hash(&entry) != hash {
            scan.first_bad.get_or_insert(bad(Problem::Hash));
            continue;
        }
        scan.good += 1;
        if let LogKey::FromTrustLists(operator) = key {
            if let Some(log_key) = log_key_of_trust_list(&entry, operator) {
                scan.log_key = Some(log_key);
            }
        }
    }
    if Some(records) == checkpoint_size {
        scan.root_at_checkpoint = Some(tree.root());
    }
    Ok(scan)
}

/// The log key named by `entry` if it is a trust list the operator signed.
fn log_key_of_trust_list(entry: &[u8], operator: &DidKey) -> Option<PublicKey> {
    // Only entries that name the type are parsed and verified (a few in a log of millions).
    let marker = TRUST_LIST_TYPE.as_bytes();
    if !entry.windows(marker.len()).any(|window| window == marker) {
        return None;
    }
    let document = serde_json::from_slice(entry).ok()?;
    match state::verify_entry(document, operator) {
        Ok(VerifiedEntry::TrustList(list)) => Some(*list.log_key().ok()?.public_key()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log_files::LogFiles;
    use scs_core::keys::SecretKey;
    use scs_core::tlog::{sign_note, tree_hash};

    const ORIGIN: &str = "registry.example/v1/log";

    /// A log of six entries in a fresh folder, with its leaves.
    fn log() -> (tempfile::TempDir, Vec<Hash>) {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = LogFiles::open(dir.path()).unwrap();
        let entries: Vec<Vec<u8>> = (0..6).map(|i| format!("entry {i}").into_bytes()).collect();
        let leaves = log.append(&entries).unwrap();
        (dir, leaves)
    }

    fn key() -> SecretKey {
        SecretKey::from_seed(&[7; 32])
    }

    fn write_checkpoint(dir: &Path, size: u64, root: Hash) {
        let body = Checkpoint::new(ORIGIN, size, root).unwrap().body();
        std::fs::write(
            dir.join("checkpoint"),
            sign_note(&body, ORIGIN, &key()).unwrap(),
        )
        .unwrap();
    }

    fn flip_byte_of_entry(dir: &Path, index: u64) {
        let (log, _) = LogFiles::open(dir).unwrap();
        let offset = log.entry_offset(index).unwrap() as usize;
        drop(log);
        let path = dir.join("entries.bin");
        let mut raw = std::fs::read(&path).unwrap();
        raw[offset + 2] ^= 1;
        std::fs::write(&path, raw).unwrap();
    }

    fn run(dir: &Path) -> LogCheck {
        check(dir, &LogKey::Given(key().public())).unwrap()
    }

    #[test]
    fn an_intact_log_and_its_checkpoints() {
        let (dir, leaves) = log();
        for size in [6, 3] {
            write_checkpoint(dir.path(), size, tree_hash(&leaves[..size as usize]));
            let found = run(dir.path());
            assert_eq!(found.checkpoint, CheckpointCheck::Matches { size });
            assert_eq!((found.records, found.good, found.first_bad), (6, 6, None));
            assert!(found.is_intact());
        }
        write_checkpoint(dir.path(), 8, tree_hash(&leaves));
        let found = run(dir.path());
        assert_eq!(
            found.checkpoint,
            CheckpointCheck::Beyond {
                size: 8,
                log_size: 6
            }
        );
        assert!(!found.is_intact());
        write_checkpoint(dir.path(), 5, tree_hash(&leaves));
        let found = run(dir.path());
        assert_eq!(found.checkpoint, CheckpointCheck::RootDiffers { size: 5 });
        assert!(!found.is_intact());
        let other = check(
            dir.path(),
            &LogKey::Given(SecretKey::from_seed(&[8; 32]).public()),
        )
        .unwrap();
        assert!(matches!(other.checkpoint, CheckpointCheck::Foreign(_)));
        assert!(!other.is_intact());
        std::fs::write(dir.path().join("checkpoint"), b"").unwrap();
        let torn = run(dir.path());
        assert!(matches!(torn.checkpoint, CheckpointCheck::Unreadable(_)));
        assert!(torn.is_intact(), "the registry signs a new one");
    }

    /// A bad entry the checkpoint covers is damage; past it, among the newest, a torn write the
    /// registry cuts; with no checkpoint to tell, damage.
    #[test]
    fn a_bad_entry_is_damage_unless_past_the_checkpoint() {
        let (dir, leaves) = log();
        flip_byte_of_entry(dir.path(), 4);
        write_checkpoint(dir.path(), 6, tree_hash(&leaves));
        let found = run(dir.path());
        let bad = found.first_bad.unwrap();
        assert_eq!(
            (bad.index, bad.problem, bad.torn_tail),
            (4, Problem::Hash, false)
        );
        assert_eq!(found.good, 5);
        assert_eq!(found.checkpoint, CheckpointCheck::Matches { size: 6 });
        assert!(!found.is_intact());

        write_checkpoint(dir.path(), 4, tree_hash(&leaves[..4]));
        let found = run(dir.path());
        assert!(found.first_bad.unwrap().torn_tail);
        assert!(found.is_intact());

        std::fs::remove_file(dir.path().join("checkpoint")).unwrap();
        let found = run(dir.path());
        assert_eq!(found.checkpoint, CheckpointCheck::Missing);
        assert!(!found.is_intact());
    }
}
