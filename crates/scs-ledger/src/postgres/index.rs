//! The indexes in PostgreSQL: `index_kv`, byte keys to byte values. A prefix scan is the range
//! `key >= prefix AND key < successor(prefix)` on the primary key (bytea compares byte by
//! byte, as sled orders keys); the writer reads a batch's keys with one query
//! ([`IndexStore::get_many`]). The writer's batches are written in the statement that
//! appends their entries ([`crate::PgLog`]'s `commit`); [`IndexStore::apply`], for the
//! replay at start-up, is a transaction of its own, whose commit does not wait for the WAL
//! flush (why: in `apply`).

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Statement};

use super::{Database, DbError};
use crate::store::{Entries, IndexStore, StoreError, Write};

/// Removes the keys `$1`.
const DELETE_KEYS: &str = "DELETE FROM index_kv WHERE key = ANY($1)";
/// Writes the values `$2` under the keys `$1` (each key once).
const UPSERT_KEYS: &str = "INSERT INTO index_kv (key, value) \
                           SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                           ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// A batch of index writes as [`DELETE_KEYS`] and [`UPSERT_KEYS`] (and `PgLog`'s batch) take
/// them: each key once, with its last write (one statement may not touch a row twice).
#[derive(Debug, Default)]
pub(super) struct IndexRows {
    keys: Vec<Vec<u8>>,
    values: Vec<Vec<u8>>,
    removed: Vec<Vec<u8>>,
}

impl IndexRows {
    pub(super) fn of(writes: Vec<Write>) -> Self {
        let last: BTreeMap<Vec<u8>, Option<Vec<u8>>> = writes.into_iter().collect();
        let mut rows = Self::default();
        for (key, value) in last {
            match value {
                Some(value) => {
                    rows.keys.push(key);
                    rows.values.push(value);
                }
                None => rows.removed.push(key),
            }
        }
        rows
    }

    /// The keys removed, the keys written and their values, as statement parameters.
    pub(super) fn columns(&self) -> [&(dyn ToSql + Sync); 3] {
        [&self.removed, &self.keys, &self.values]
    }

    /// Sends the removals, then the writes, inside the caller's transaction, together: a
    /// request is sent when its future is first polled, and the two are polled at once.
    pub(super) async fn send(
        &self,
        client: &(impl GenericClient + Sync),
        delete: &Statement,
        upsert: &Statement,
    ) -> Result<(), tokio_postgres::Error> {
        let removing = async {
            if self.removed.is_empty() {
                Ok(0)
            } else {
                client.execute(delete, &[&self.removed]).await
            }
        };
        let writing = async {
            if self.keys.is_empty() {
                Ok(0)
            } else {
                client.execute(upsert, &[&self.keys, &self.values]).await
            }
        };
        futures_util::future::try_join(removing, writing).await?;
        Ok(())
    }
}

/// The indexes in a PostgreSQL database ([`super::Postgres::index`]).
#[derive(Debug, Clone)]
pub struct PgIndex {
    db: Arc<Database>,
}

impl PgIndex {
    pub(super) fn new(db: Arc<Database>) -> Self {
        Self { db }
    }

    /// Whether these indexes are in the database `db` (the same connections: a transaction
    /// there can write both the log and them).
    pub(super) fn is_in(&self, db: &Arc<Database>) -> bool {
        Arc::ptr_eq(&self.db, db)
    }
}

/// The least key greater than every key starting with `prefix`; `None` when there is none
/// (every byte 0xff, or no byte).
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if let Some(next) = last.checked_add(1) {
            end.push(next);
            return Some(end);
        }
    }
    None
}

fn entries(rows: &[tokio_postgres::Row]) -> Result<Entries, DbError> {
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

impl IndexStore for PgIndex {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_vec();
        Ok(self.db.run(move |mut session| async move {
            let row = session
                .query_opt("SELECT value FROM index_kv WHERE key = $1", &[&key])
                .await?;
            row.map(|row| row.try_get(0))
                .transpose()
                .map_err(DbError::from)
        })?)
    }

    /// One query for all of them.
    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let wanted = keys.to_vec();
        let found: BTreeMap<Vec<u8>, Vec<u8>> = self.db.run(move |mut session| async move {
            let rows = session
                .query(
                    "SELECT key, value FROM index_kv WHERE key = ANY($1)",
                    &[&wanted],
                )
                .await?;
            Ok(entries(&rows)?.into_iter().collect())
        })?;
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
        let start = prefix.to_vec();
        let end = successor(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.db.run(move |mut session| async move {
            let rows =
                match end {
                    Some(end) => {
                        session
                            .query(
                                "SELECT key, value FROM index_kv WHERE key >= $1 AND key < $2 \
                             ORDER BY key LIMIT $3",
                                &[&start, &end, &limit],
                            )
                            .await?
                    }
                    None => session
                        .query(
                            "SELECT key, value FROM index_kv WHERE key >= $1 ORDER BY key LIMIT $2",
                            &[&start, &limit],
                        )
                        .await?,
                };
            entries(&rows)
        })?)
    }

    fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let rows = IndexRows::of(writes);
        // Fenced as the log's writes are: a replay a take-over elsewhere overtook fails whole.
        let fence = format!(
            "SET LOCAL synchronous_commit = off; SELECT scs_writer_holds({})",
            self.db.writer_epoch()
        );
        Ok(self.db.run(move |mut session| async move {
            let delete = session.statement(DELETE_KEYS).await?;
            let upsert = session.statement(UPSERT_KEYS).await?;
            let transaction = session.client()?.transaction().await?;
            // Atomic, not durable on return (the store contract): the commit does not wait for
            // its WAL flush. The replay at start-up and at a take-over applies batches here, and
            // the checkpoint signed next (on the same database: the registry opens the log and
            // the indexes on one handle) waits for a flush of the WAL up to there, which covers
            // them (`CheckpointFlush::Wait`); a crash of the database loses a suffix of the WAL, so
            // never a log row under an index row, and a restart replays the rest from the log.
            // (The writer's batches go with their entries, in one statement: `PgLog`'s `commit`.)
            // The statements are sent together (one round trip, run in order); the first that
            // fails fails the transaction, which is then rolled back.
            futures_util::future::try_join(
                transaction.batch_execute(&fence),
                rows.send(&transaction, &delete, &upsert),
            )
            .await?;
            transaction.commit().await?;
            Ok::<_, DbError>(())
        })?)
    }

    fn postgres(&self) -> Option<&PgIndex> {
        Some(self)
    }

    fn clear(&self) -> Result<(), StoreError> {
        // One transaction (a simple-query string of several statements is one), fenced.
        let fenced = format!(
            "SELECT scs_writer_holds({}); TRUNCATE index_kv",
            self.db.writer_epoch()
        );
        Ok(self.db.run(move |mut session| async move {
            session
                .client()?
                .batch_execute(&fenced)
                .await
                .map_err(DbError::from)
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch's removals and writes land together or not at all (its statements are sent
    /// together), and the connection is usable after a batch that failed.
    #[test]
    fn a_batch_lands_whole_or_not_at_all() {
        let Some(url) = crate::postgres::test_support::fresh_database() else {
            return;
        };
        let database = crate::Postgres::connect(&url).unwrap();
        let index = database.index();
        let key = |name: &str| name.as_bytes().to_vec();
        index
            .apply(vec![
                (key("a"), Some(b"1".to_vec())),
                (key("b"), Some(b"2".to_vec())),
            ])
            .unwrap();
        index
            .apply(vec![
                (key("a"), None),
                (key("b"), Some(b"3".to_vec())),
                (key("c"), Some(b"4".to_vec())),
                (key("c"), Some(b"5".to_vec())),
            ])
            .unwrap();
        let all = |index: &PgIndex| index.scan_prefix(b"", 10).unwrap();
        assert_eq!(
            all(&index),
            [(key("b"), b"3".to_vec()), (key("c"), b"5".to_vec())]
        );

        crate::postgres::test_support::execute(
            &database,
            "ALTER TABLE index_kv ADD CONSTRAINT short CHECK (octet_length(value) < 4)",
        );
        // Every connection of the store takes a turn: none is left inside a failed transaction.
        for _ in 0..2 * crate::postgres::CONNECTIONS {
            let failed = index.apply(vec![(key("b"), None), (key("d"), Some(b"long".to_vec()))]);
            assert!(failed.is_err(), "the CHECK refuses the value");
            assert_eq!(
                all(&index),
                [(key("b"), b"3".to_vec()), (key("c"), b"5".to_vec())]
            );
        }
        index.apply(vec![(key("b"), None)]).unwrap();
        assert_eq!(all(&index), [(key("c"), b"5".to_vec())]);
    }

    #[test]
    fn the_successor_of_a_prefix_bounds_every_key_it_starts() {
        assert_eq!(successor(b"a/"), Some(b"a0".to_vec()));
        assert_eq!(successor(&[b'c', 0xff, 0xff]), Some(b"d".to_vec()));
        assert_eq!(successor(&[0xff, 0xff]), None);
        assert_eq!(successor(b""), None);
    }
}
