//! The indexes in PostgreSQL: `index_kv`, byte keys to byte values. A prefix scan is the range
//! `key >= prefix AND key < successor(prefix)` on the primary key (bytea compares byte by
//! byte, as sled orders keys); a batch is one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Database, DbError};
use crate::store::{Entries, IndexStore, StoreError, Write};

/// The indexes in a PostgreSQL database ([`super::Postgres::index`]).
#[derive(Debug, Clone)]
pub struct PgIndex {
    db: Arc<Database>,
}

impl PgIndex {
    pub(super) fn new(db: Arc<Database>) -> Self {
        Self { db }
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
                .client()?
                .query_opt("SELECT value FROM index_kv WHERE key = $1", &[&key])
                .await?;
            row.map(|row| row.try_get(0))
                .transpose()
                .map_err(DbError::from)
        })?)
    }

    fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StoreError> {
        let start = prefix.to_vec();
        let end = successor(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.db.run(move |mut session| async move {
            let client = session.client()?;
            let rows =
                match end {
                    Some(end) => {
                        client
                            .query(
                                "SELECT key, value FROM index_kv WHERE key >= $1 AND key < $2 \
                             ORDER BY key LIMIT $3",
                                &[&start, &end, &limit],
                            )
                            .await?
                    }
                    None => client
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
        // A later write to the same key wins (one statement may not touch a row twice).
        let last: BTreeMap<Vec<u8>, Option<Vec<u8>>> = writes.into_iter().collect();
        let (mut keys, mut values, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for (key, value) in last {
            match value {
                Some(value) => {
                    keys.push(key);
                    values.push(value);
                }
                None => removed.push(key),
            }
        }
        Ok(self.db.run(move |mut session| async move {
            let client = session.client()?;
            let transaction = client.transaction().await?;
            if !removed.is_empty() {
                transaction
                    .execute("DELETE FROM index_kv WHERE key = ANY($1)", &[&removed])
                    .await?;
            }
            if !keys.is_empty() {
                transaction
                    .execute(
                        "INSERT INTO index_kv (key, value) \
                         SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        &[&keys, &values],
                    )
                    .await?;
            }
            transaction.commit().await?;
            Ok::<_, DbError>(())
        })?)
    }

    fn clear(&self) -> Result<(), StoreError> {
        Ok(self.db.run(|mut session| async move {
            session
                .client()?
                .batch_execute("TRUNCATE index_kv")
                .await
                .map_err(DbError::from)
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn the_successor_of_a_prefix_bounds_every_key_it_starts() {
        assert_eq!(successor(b"a/"), Some(b"a0".to_vec()));
        assert_eq!(successor(&[b'c', 0xff, 0xff]), Some(b"d".to_vec()));
        assert_eq!(successor(&[0xff, 0xff]), None);
        assert_eq!(successor(b""), None);
    }
}
