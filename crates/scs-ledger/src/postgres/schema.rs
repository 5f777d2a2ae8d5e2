//! Versioned migrations, compiled into the binary and run at start: each one not yet recorded
//! in `schema_migrations` runs, with its record, in one transaction (all or nothing), under an
//! advisory lock so that two processes starting together do not both run it. A database
//! migrated by a newer version than this one is refused rather than used with a schema this
//! code does not know.

use super::{DbError, Session};

/// The migrations in order: version, SQL. Never edit one that was released; add the next.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("0001_ledger.sql")),
    (2, include_str!("0002_entries_uncompressed.sql")),
    (3, include_str!("0003_writer_epoch.sql")),
];

/// The advisory lock held while migrating ("SCSMIGRT").
const MIGRATION_LOCK: i64 = 0x5343_534d_4947_5254;

/// Brings the schema up to date.
pub(super) async fn migrate(mut session: Session) -> Result<(), DbError> {
    let client = session.client()?;
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await?;
    let current: i32 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let known = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    if current > known {
        return Err(DbError::new(format!(
            "the database's schema is version {current}, newer than this scs knows ({known}): \
             run the newer scs (データベースのスキーマがこの scs より新しい版です)"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > current) {
        transaction.batch_execute(sql).await?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await?;
        tracing::info!(version, "database schema migrated");
    }
    transaction.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::test_support::fresh_database;
    use crate::Postgres;

    /// Each migration runs once, whoever starts; a schema newer than this code is refused.
    #[test]
    fn migrations_run_once_and_a_newer_schema_is_refused() {
        let Some(url) = fresh_database() else {
            return;
        };
        let first = Postgres::connect(&url).unwrap();
        Postgres::connect(&url).unwrap();
        let versions: Vec<i32> = first
            .0
            .run(|mut session| async move {
                let rows = session
                    .client()?
                    .query(
                        "SELECT version FROM schema_migrations ORDER BY version",
                        &[],
                    )
                    .await?;
                rows.iter()
                    .map(|row| row.try_get(0))
                    .collect::<Result<_, _>>()
                    .map_err(DbError::from)
            })
            .unwrap();
        let known: Vec<i32> = MIGRATIONS.iter().map(|(version, _)| *version).collect();
        assert_eq!(versions, known);
        crate::postgres::test_support::execute(
            &first,
            "INSERT INTO schema_migrations (version) VALUES (999)",
        );
        let error = Postgres::connect(&url).unwrap_err().to_string();
        assert!(error.contains("newer"), "{error}");
    }
}
