//! The index store: a narrow key-value interface over which the registry keeps its lookup
//! indexes. sled is the embedded default ([`SledStore`]); [`MemoryStore`] serves tests;
//! PostgreSQL ([`crate::PgIndex`]) keeps them where several registry processes reach them.
//!
//! # Contract
//!
//! - [`IndexStore::apply`] is **atomic**: after a crash either every write of a batch is visible
//!   or none is. It is **not** required to be durable on return: the transparency log is the
//!   source of truth and is fsynced before any write is acknowledged; indexes that lag after a
//!   crash are brought up to date by replaying the log (see `docs/ARCHITECTURE.md`, "Write
//!   order"). That is why sled's `flush` (which is not a power-loss barrier on Linux, sled
//!   issue #1452) is never relied upon.
//! - Implementations are safe for concurrent use: reads may run alongside the single writer.
//! - "Not found" is `Ok(None)`, never an error. Errors mean the store itself failed.
//! - Keys are ordered byte by byte; [`IndexStore::scan_prefix`] gives keys in that order, and
//!   within one [`IndexStore::apply`] a later write to a key wins over an earlier one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::RwLock;

use thiserror::Error;

/// The store failed (I/O, corruption). Never used for "not found".
#[derive(Debug, Clone, Error)]
#[error("index store: {0}")]
pub struct StoreError(String);

impl StoreError {
    /// The store failed, for this reason (how an [`IndexStore`] outside this crate reports it).
    pub fn new(why: impl std::fmt::Display) -> Self {
        Self(why.to_string())
    }
}

/// One write of a batch: a value to set, or `None` to delete.
pub type Write = (Vec<u8>, Option<Vec<u8>>);

/// Key-value pairs in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The registry's index storage. See the module documentation for the contract.
pub trait IndexStore: Send + Sync + 'static {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// The values at `keys`, in their order: [`IndexStore::get`] of each, which a store that
    /// answers over a network replaces by one request (the writer reads a batch's keys so).
    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        keys.iter().map(|key| self.get(key)).collect()
    }
    /// Up to `limit` entries whose keys start with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError>;
    /// Applies all writes atomically.
    fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// Removes every entry (before a rebuild from the log).
    fn clear(&self) -> Result<(), StoreError>;
    /// These indexes as a [`crate::PgIndex`], if they are one: a [`crate::PgLog`] on the same
    /// database writes the writer's batches to them in the transaction of their entries.
    fn postgres(&self) -> Option<&crate::PgIndex> {
        None
    }
}

/// sled, in `<data>/index`.
#[derive(Debug)]
pub struct SledStore {
    tree: sled::Db,
}

impl SledStore {
    /// Opens (or creates) the store, with a cache of about `cache_bytes` (sled's own
    /// accounting: the process grows by up to twice that as the cache fills).
    pub fn open(path: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        let tree = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(Self { tree })
    }

    /// Opens the store at `path` and closes it again, so that sled writes its page-table
    /// snapshot now: sled 0.34 snapshots only while opening, and otherwise the next start-up
    /// replays everything written since the last one (seconds per hundred thousand
    /// credentials). Call at a graceful stop, after the last handle on the store is dropped.
    pub fn write_snapshot(path: &Path) -> Result<(), StoreError> {
        // sled's background threads may hold its file lock for a moment after the last handle
        // drops (sled #1234): try again for up to a second.
        let mut attempt = 0;
        loop {
            match Self::open(path, 8 * 1024 * 1024) {
                Ok(_closed_on_drop) => return Ok(()),
                Err(error) if attempt >= 20 => return Err(error),
                Err(_) => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
    }

    /// Every entry, for comparing the indexes with a replay of the log.
    pub fn dump(&self) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, StoreError> {
        self.tree
            .iter()
            .map(|kv| {
                kv.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(|e| StoreError(e.to_string()))
            })
            .collect()
    }
}

impl IndexStore for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.tree
            .get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| StoreError(e.to_string()))
    }

    fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
        self.tree
            .scan_prefix(prefix)
            .take(limit)
            .map(|kv| {
                kv.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(|e| StoreError(e.to_string()))
            })
            .collect()
    }

    fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (key, value) in writes {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        self.tree
            .apply_batch(batch)
            .map_err(|e| StoreError(e.to_string()))
    }

    fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear().map_err(|e| StoreError(e.to_string()))
    }
}

/// An in-memory store for tests and for checking a replay of the log.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryStore {
    /// Every entry, for comparing two stores.
    pub fn dump(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.map.read().map(|m| m.clone()).unwrap_or_default()
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError("memory store lock poisoned".into())
}

impl IndexStore for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map.read().map_err(poisoned)?.get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
        let map = self.map.read().map_err(poisoned)?;
        Ok(map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut map = self.map.write().map_err(poisoned)?;
        for (key, value) in writes {
            match value {
                Some(value) => map.insert(key, value),
                None => map.remove(&key),
            };
        }
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        self.map.write().map_err(poisoned)?.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn IndexStore) {
        store
            .apply(vec![
                (b"a/1".to_vec(), Some(b"one".to_vec())),
                (b"a/2".to_vec(), Some(b"two".to_vec())),
                (b"b/1".to_vec(), Some(b"other".to_vec())),
                (b"a0".to_vec(), Some(b"past the prefix".to_vec())),
                (b"a/\xff\xff".to_vec(), Some(b"last".to_vec())),
                // A later write to the same key in one batch wins.
                (b"a/2".to_vec(), Some(b"two again".to_vec())),
            ])
            .unwrap();
        assert_eq!(store.get(b"a/1").unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(store.get(b"a/9").unwrap(), None);
        let scanned = store.scan_prefix(b"a/", 10).unwrap();
        assert_eq!(
            scanned,
            vec![
                (b"a/1".to_vec(), b"one".to_vec()),
                (b"a/2".to_vec(), b"two again".to_vec()),
                (b"a/\xff\xff".to_vec(), b"last".to_vec()),
            ],
            "in byte order, only keys with the prefix"
        );
        assert_eq!(store.scan_prefix(b"a/", 1).unwrap().len(), 1);
        assert_eq!(store.scan_prefix(b"a/\xff", 10).unwrap().len(), 1);
        store
            .apply(vec![
                (b"a/1".to_vec(), None),
                (b"a/3".to_vec(), Some(b"three".to_vec())),
                (b"a/3".to_vec(), None),
            ])
            .unwrap();
        assert_eq!(store.get(b"a/1").unwrap(), None);
        assert_eq!(store.get(b"a/3").unwrap(), None, "the later delete wins");
        store.clear().unwrap();
        assert!(store.scan_prefix(b"", 10).unwrap().is_empty());
    }

    #[test]
    fn memory_and_sled_honour_the_same_contract() {
        exercise(&MemoryStore::default());
        let dir = tempfile::tempdir().unwrap();
        exercise(&SledStore::open(&dir.path().join("index"), 1024 * 1024).unwrap());
    }

    #[test]
    fn postgres_honours_the_same_contract() {
        let Some(url) = crate::test_support::fresh_database() else {
            return;
        };
        exercise(&crate::Postgres::connect(&url).unwrap().index());
    }
}
