//! PostgreSQL as the ledger's store: the log ([`PgLog`], a [`crate::LogStore`]) and the indexes
//! ([`PgIndex`], an [`crate::IndexStore`]) in one database, so that any registry process
//! pointed at it can serve everything (`scs serve --store postgres://…`).
//!
//! The ledger is synchronous, and its readers are called from tokio handlers, also on
//! current-thread runtimes, where neither the blocking `postgres` crate nor `block_in_place`
//! may run. So the store owns a small runtime on a thread of its own that drives `tokio-postgres`:
//! a sync call hands its query to that runtime and waits on a std channel, bounded in time.
//! A caller outside any runtime (the ledger's writer) instead drives a connection of its own on
//! its own thread (`OnCaller`), one such caller at a time.
//! Connections are a fixed set ([`CONNECTIONS`], and the caller's one), each used by one query
//! or transaction at a time, opened again when the server closed them; every statement is bounded by
//! `statement_timeout`. Each connection prepares a statement the first time it runs it and
//! keeps it ([`Session::statement`]): a query is then one round trip (bind and execute), where
//! `Client::query` with SQL text prepares it again each time (two round trips, and the server
//! parses and plans it again). A database that is down or slow is an error ([`crate::StoreError`] or
//! [`crate::LogFileError::Database`]: a 503), never a panic and never a wait without end.
//! `synchronous_commit` is on for every session: a commit returns once it is durable, and the
//! ledger acknowledges only after it returned. (`PgIndex::apply` — the replay at start-up and
//! at a take-over, and a writer's batch when the log is elsewhere — turns it off for itself,
//! since the index store need not be durable: the checkpoint signed after it waits for the WAL
//! flush that covers it; see [`PgIndex`]. A batch's checkpoint, signed over a batch the one
//! statement committed durably, also commits without waiting: [`crate::CheckpointFlush`].)
//! The writer's batch of entries and index writes is one statement: see [`PgLog`].
//!
//! The schema is created and upgraded at start by versioned migrations compiled into the
//! binary ([`schema`]), each in the transaction that records it in `schema_migrations`.

mod index;
mod log;
mod schema;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

pub use index::PgIndex;
pub use log::PgLog;

use crate::log_files::LogFileError;
use crate::store::StoreError;

/// Connections the store keeps to the database for callers inside a runtime (the readers'
/// queries, and the writer's when its own connection is busy; a query waits for a free one).
/// The store keeps one more for a caller outside any runtime (`OnCaller`), and a lease one.
pub const CONNECTIONS: usize = 4;
/// Longest a statement may run (`statement_timeout`).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a session may sit idle inside a transaction before the server ends it: none of
/// the store's transactions waits between its statements, so one that does was abandoned (a
/// caller that gave up on it), and the locks it holds — the writer's epoch's among them,
/// which a take-over waits for — must not outlive it.
const IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a caller waits for its answer: a connection to open, a free connection, and a few
/// statements.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A PostgreSQL database holding a ledger: its connections and the runtime that drives them.
/// Cheap to clone; the connections close when the last clone (and every store made from it)
/// is dropped.
#[derive(Debug, Clone)]
pub struct Postgres(Arc<Database>);

impl Postgres {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`,
    /// or `host=… dbname=…`) and brings its schema up to date. The URL is never logged.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let cannot = |error: DbError| {
            StoreError::new(format!(
                "cannot use the PostgreSQL database: {error} \
                 (PostgreSQL データベースを利用できません)"
            ))
        };
        let database = Database::new(url).map_err(cannot)?;
        database.run(schema::migrate).map_err(cannot)?;
        Ok(Self(Arc::new(database)))
    }

    /// The log kept in this database (reads where each entry starts, 8 bytes an entry).
    pub fn log(&self) -> Result<PgLog, LogFileError> {
        PgLog::open(Arc::clone(&self.0))
    }

    /// The indexes kept in this database.
    pub fn index(&self) -> PgIndex {
        PgIndex::new(Arc::clone(&self.0))
    }

    /// Whether the database holds no ledger yet: no log entry, no checkpoint, no index entry
    /// (`scs restore` writes only into such a one).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let empty = self.0.run(|mut session| async move {
            session
                .query_one(
                    "SELECT NOT EXISTS (SELECT 1 FROM log_entries) \
                        AND NOT EXISTS (SELECT 1 FROM index_kv) \
                        AND (SELECT size = 0 AND note = '' FROM log_checkpoint WHERE id = 1)",
                    &[],
                )
                .await?
                .try_get(0)
                .map_err(DbError::from)
        })?;
        Ok(empty)
    }

    /// The sequencer lease, if no other process holds it: one writer at a time on a database.
    /// A session-level advisory lock on a connection of its own, held while the [`Lease`]
    /// lives; the database gives it up when that connection ends, so a writer that dies
    /// (SIGKILL; a power cut, once the server's keepalives find the connection silent, about
    /// 6 s) frees it for a standby.
    ///
    /// Taking it adds one to the writer's epoch, which every statement this store writes with
    /// names from then on: a writer that lost the lease without noticing (its connection
    /// dropped by the server, silently to it) fails its next write once another has taken it
    /// (migration 3).
    pub fn try_lease(&self) -> Result<Option<Lease>, StoreError> {
        let config = self.0.config.clone();
        let held = self.0.wait(async move {
            let client = open_connection(&config).await?;
            let held: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEASE_LOCK])
                .await?
                .try_get(0)?;
            if !held {
                return Ok(None);
            }
            let epoch: i64 = client
                .query_one(
                    "UPDATE log_writer SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
                    &[],
                )
                .await?
                .try_get(0)?;
            Ok(Some((client, epoch)))
        })?;
        Ok(held.map(|(client, epoch)| {
            self.0.writer_epoch.store(epoch, Ordering::Release);
            Lease {
                client,
                _database: Arc::clone(&self.0),
            }
        }))
    }
}

/// The advisory lock that is the sequencer lease ("SCSWRITE").
const LEASE_LOCK: i64 = 0x5343_5357_5249_5445;

/// The SQLSTATE of a write fenced off: another process took the lease since this one did
/// (`scs_writer_holds`, migration 3).
const ANOTHER_WRITER: &str = "SCS01";

/// The sequencer lease ([`Postgres::try_lease`]): released when dropped.
#[derive(Debug)]
pub struct Lease {
    client: Client,
    /// The runtime that drives the lease's connection.
    _database: Arc<Database>,
}

impl Lease {
    /// Whether the lease's connection is still open (the lock is held while it is).
    pub fn is_held(&self) -> bool {
        !self.client.is_closed()
    }
}

/// Why a call to the database failed.
#[derive(Debug)]
pub(crate) struct DbError {
    message: String,
    /// A row with this key is there already (another writer appended it).
    conflict: bool,
    /// The table the server's error names, if any.
    table: Option<String>,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl DbError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            conflict: false,
            table: None,
        }
    }

    /// The table the server's error names, if any.
    fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
        // The server's own message says what went wrong (`Display` says only "db error").
        let message = match error.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => {
                let mut message = error.to_string();
                let mut cause = std::error::Error::source(&error);
                while let Some(inner) = cause {
                    message = format!("{message}: {inner}");
                    cause = inner.source();
                }
                message
            }
        };
        Self {
            message,
            conflict: error.code().is_some_and(|code| {
                *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                    || code.code() == ANOTHER_WRITER
            }),
            table: error
                .as_db_error()
                .and_then(|db| db.table())
                .map(str::to_owned),
        }
    }
}

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        StoreError::new(format!("PostgreSQL: {error}"))
    }
}

impl From<DbError> for LogFileError {
    fn from(error: DbError) -> Self {
        if error.conflict {
            LogFileError::Conflict(error.message)
        } else {
            LogFileError::Database(error.message)
        }
    }
}

/// An open connection and the statements prepared on it, by their SQL. Bounded: the SQL is
/// always one of the store's constant statements.
#[derive(Debug)]
pub(crate) struct Connection {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// Parameters of a statement.
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection, held by one query or transaction at a time.
#[derive(Debug)]
pub(crate) struct Session(OwnedMutexGuard<Option<Connection>>);

impl Session {
    fn connection(&mut self) -> Result<&mut Connection, DbError> {
        self.0
            .as_mut()
            .ok_or_else(|| DbError::new("no connection to the database"))
    }

    /// The connection (open: [`Database::run`] opened it).
    fn client(&mut self) -> Result<&mut Client, DbError> {
        Ok(&mut self.connection()?.client)
    }

    /// `sql` prepared on this connection: prepared the first time, then kept (a prepared
    /// statement lives as long as its connection; a reopened connection starts empty).
    async fn statement(&mut self, sql: &'static str) -> Result<Statement, DbError> {
        let connection = self.connection()?;
        if let Some(statement) = connection.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = connection.client.prepare(sql).await?;
        connection.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// The rows `sql` answers (prepared once per connection).
    async fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>, DbError> {
        let statement = self.statement(sql).await?;
        Ok(self.client()?.query(&statement, params).await?)
    }

    /// The row `sql` answers, if any (more than one is an error).
    async fn query_opt(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<Row>, DbError> {
        let statement = self.statement(sql).await?;
        Ok(self.client()?.query_opt(&statement, params).await?)
    }

    /// The one row `sql` answers (none, or more than one, is an error).
    async fn query_one(&mut self, sql: &'static str, params: Params<'_>) -> Result<Row, DbError> {
        let statement = self.statement(sql).await?;
        Ok(self.client()?.query_one(&statement, params).await?)
    }

    /// Runs `sql`; the number of rows it changed.
    async fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64, DbError> {
        let statement = self.statement(sql).await?;
        Ok(self.client()?.execute(&statement, params).await?)
    }
}

/// The connections and their runtime.
#[derive(Debug)]
pub(crate) struct Database {
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    config: Config,
    slots: Arc<[Slot]>,
    next: AtomicUsize,
    /// The writer's epoch this process took with the lease ([`Postgres::try_lease`]), named by
    /// every statement that writes; 0 in a process that never took it, which can write only
    /// to a database no process ever leased (a test's, or one being set up).
    writer_epoch: AtomicI64,
    /// A connection driven by the thread that calls, for one caller outside any runtime at a
    /// time (the ledger's writer, above all).
    on_caller: std::sync::Mutex<OnCaller>,
}

/// A connection whose I/O the calling thread drives itself, on a current-thread runtime of its
/// own: a round trip is then the caller's socket write and its wait for the answer. Through
/// the store's runtime ([`Database::wait`]) each round trip also wakes that runtime's thread
/// and then the caller again, two hand-offs between threads that cost the writer more than
/// the statement on a busy machine (docs/PERFORMANCE.md). Between calls nothing polls the
/// connection: the server's answers are all to requests, and its keepalives are the kernel's.
#[derive(Debug)]
struct OnCaller {
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    slot: Slot,
}

impl OnCaller {
    /// Runs `work` on this connection, driven by the calling thread (outside any runtime),
    /// at most [`CALL_TIMEOUT`].
    fn run<T, F, Fut>(&self, config: &Config, work: F) -> Result<T, DbError>
    where
        F: FnOnce(Session) -> Fut,
        Fut: Future<Output = Result<T, DbError>>,
    {
        let runtime = self.runtime.as_ref().ok_or_else(no_answer)?;
        runtime.block_on(async {
            let call = on(Arc::clone(&self.slot).lock_owned().await, config, work);
            let Ok(answer) = tokio::time::timeout(CALL_TIMEOUT, call).await else {
                // Given up mid-call: what the call left queued on the connection (a request
                // half sent, a transaction's ROLLBACK) would go out only with the next call,
                // since nothing drives the connection between calls (found in review). Drop
                // it, and let its task end (closing the socket, and the server's side with
                // it) before returning.
                if let Ok(mut connection) = self.slot.try_lock() {
                    *connection = None;
                }
                tokio::task::yield_now().await;
                return Err(no_answer());
            };
            answer
        })
    }
}

/// A connection, opened when first needed and again after the server closed it.
type Slot = Arc<Mutex<Option<Connection>>>;

impl Database {
    fn new(url: &str) -> Result<Self, DbError> {
        let mut config: Config = url.parse().map_err(|error: tokio_postgres::Error| {
            DbError::new(format!("not a PostgreSQL connection string: {error}"))
        })?;
        // The server's side of each connection probes a silent client and drops it within
        // about 6 s (keepalives: 3 s idle, then 3 probes 1 s apart): a writer whose machine
        // lost power releases the lease (its advisory lock) that soon, not after the kernel's
        // default of hours, and a standby (asking every second) takes it within the issue's
        // 10 s. The settings are the session's own, set by any user.
        // (`tcp_user_timeout` would bound a connection that is busy too, but PostgreSQL 11
        // refuses a connection naming it, and the lease's connection is idle.)
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("scs-registry")
            .options(format!(
                "-c statement_timeout={timeout} -c idle_in_transaction_session_timeout={idle} \
                 -c synchronous_commit=on -c tcp_keepalives_idle=3 \
                 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3",
                timeout = STATEMENT_TIMEOUT.as_millis(),
                idle = IDLE_IN_TRANSACTION_TIMEOUT.as_millis(),
            ));
        // One worker: the runtime only moves bytes between the connections and callers that
        // wait on a channel. With two, every spawn woke the other worker to steal it: the
        // registry's CPU per write on PostgreSQL fell by a fifth with one (docs/PERFORMANCE.md).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("scs-postgres")
            .enable_all()
            .build()
            .map_err(|error| DbError::new(format!("cannot start the database runtime: {error}")))?;
        let on_caller = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| DbError::new(format!("cannot start the database runtime: {error}")))?;
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            config,
            slots: (0..CONNECTIONS).map(|_| Slot::default()).collect(),
            next: AtomicUsize::new(0),
            writer_epoch: AtomicI64::new(0),
            on_caller: std::sync::Mutex::new(OnCaller {
                runtime: Some(on_caller),
                slot: Slot::default(),
            }),
        })
    }

    /// Runs `work` on a connection on the store's runtime and waits for its answer (at most
    /// [`CALL_TIMEOUT`]): callable from any thread, inside a tokio runtime or not.
    pub(crate) fn run<T, F, Fut>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(Session) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, DbError>> + Send + 'static,
        T: Send + 'static,
    {
        let config = self.config.clone();
        // Outside any runtime (where a current-thread runtime may block) and with the
        // caller's connection free, the calling thread drives it itself.
        let on_caller = tokio::runtime::Handle::try_current()
            .is_err()
            .then(|| self.on_caller.try_lock().ok())
            .flatten();
        if let Some(on_caller) = on_caller {
            return on_caller.run(&config, work);
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        let slots = Arc::clone(&self.slots);
        self.wait(async move { on(take_connection(&slots, turn).await?, &config, work).await })
    }

    /// The writer's epoch this process took (0 if none), for a statement that writes to name.
    pub(crate) fn writer_epoch(&self) -> i64 {
        self.writer_epoch.load(Ordering::Acquire)
    }

    /// Runs `work` on the store's runtime and waits for its answer (at most [`CALL_TIMEOUT`]).
    fn wait<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, DbError>> + Send + 'static,
    ) -> Result<T, DbError> {
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        // Bounded there too (found in review): work the caller gave up on, still waiting for
        // a connection, would otherwise start later and land after the caller answered 503.
        self.handle.spawn(async move {
            let _ = answer.send(bounded(work).await);
        });
        answered
            .recv_timeout(CALL_TIMEOUT + Duration::from_secs(1))
            .map_err(|_| no_answer())?
    }
}

fn no_answer() -> DbError {
    DbError::new(format!(
        "the database did not answer within {} s",
        CALL_TIMEOUT.as_secs()
    ))
}

/// `work` bounded by [`CALL_TIMEOUT`].
async fn bounded<T>(work: impl Future<Output = Result<T, DbError>>) -> Result<T, DbError> {
    tokio::time::timeout(CALL_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| Err(no_answer()))
}

/// Runs `work` on `connection`, opening it first if it is not open (the first time, or after
/// the server closed it).
async fn on<T, F, Fut>(
    mut connection: OwnedMutexGuard<Option<Connection>>,
    config: &Config,
    work: F,
) -> Result<T, DbError>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    if connection
        .as_ref()
        .is_none_or(|open| open.client.is_closed())
    {
        *connection = Some(Connection {
            client: open_connection(config).await?,
            statements: HashMap::new(),
        });
    }
    work(Session(connection)).await
}

/// Stops the runtime without waiting for it: dropping a runtime blocks, which panics inside
/// another runtime (a ledger dropped in an async test or handler).
impl Drop for Database {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        let on_caller = self
            .on_caller
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(runtime) = on_caller.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A free connection, looking from slot `turn` on; when all are in use, slot `turn`'s once
/// it is free.
async fn take_connection(
    slots: &[Slot],
    turn: usize,
) -> Result<OwnedMutexGuard<Option<Connection>>, DbError> {
    let count = slots.len().max(1);
    for offset in 0..count {
        if let Some(Ok(free)) = slots
            .get((turn + offset) % count)
            .map(|slot| Arc::clone(slot).try_lock_owned())
        {
            return Ok(free);
        }
    }
    let slot = slots
        .get(turn % count)
        .ok_or_else(|| DbError::new("no connection slot"))?;
    Ok(Arc::clone(slot).lock_owned().await)
}

async fn open_connection(config: &Config) -> Result<Client, DbError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!("a PostgreSQL connection closed: {}", DbError::from(error));
        }
    });
    Ok(client)
}

/// Test support: a new, empty database on the test cluster.
#[cfg(any(test, feature = "test-support"))]
pub mod test_support {
    #![allow(clippy::panic, clippy::expect_used)]

    /// The environment variable naming the test cluster: `postgres://user@host:port` (no
    /// database), set by `scripts/pg-test-cluster.sh`; `skip` skips PostgreSQL tests knowingly.
    pub const CLUSTER_VARIABLE: &str = "SCS_TEST_POSTGRES";

    /// The environment variable that runs the suites written for the default store (the
    /// router and page tests, the end-to-end tests of `scs serve --demo`) on PostgreSQL
    /// instead: `postgres`. `scripts/test.sh` runs those suites a second time with it.
    pub const BACKEND_VARIABLE: &str = "SCS_TEST_BACKEND";

    /// Whether this run of a default-store suite is to run on PostgreSQL
    /// ([`BACKEND_VARIABLE`] is `postgres`); any other value but unset fails the test.
    pub fn on_postgres() -> bool {
        match std::env::var(BACKEND_VARIABLE) {
            Err(_) => false,
            Ok(value) if value == "postgres" => true,
            Ok(value) => panic!("{BACKEND_VARIABLE}={value}: only `postgres` is known"),
        }
    }

    /// Runs `sql` on `database` behind its stores' backs (a test changing what they wrote).
    #[cfg(test)]
    pub(crate) fn execute(database: &super::Postgres, sql: &'static str) {
        database
            .0
            .run(move |mut session| async move {
                session.client()?.batch_execute(sql).await?;
                Ok::<_, super::DbError>(())
            })
            .expect("the statement ran");
    }

    /// The URL of a database of its own for one test (so that tests run in parallel), on the
    /// cluster `SCS_TEST_POSTGRES` names; `None` when it is `skip`. Fails the test when it is
    /// not set: a PostgreSQL test never passes without running.
    pub fn fresh_database() -> Option<String> {
        let cluster = match std::env::var(CLUSTER_VARIABLE) {
            Ok(value) if value == "skip" => {
                eprintln!("{CLUSTER_VARIABLE}=skip: this PostgreSQL test did not run");
                return None;
            }
            Ok(value) => value.trim_end_matches('/').to_owned(),
            Err(_) => panic!(
                "{CLUSTER_VARIABLE} is not set: PostgreSQL tests need a cluster. Run them \
                 through scripts/pg-test-cluster.sh (scripts/test.sh does), e.g. \
                 `scripts/pg-test-cluster.sh cargo test -p scs-ledger`, or set \
                 {CLUSTER_VARIABLE}=skip to skip them knowingly"
            ),
        };
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "scs_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let admin = super::Database::new(&format!("{cluster}/postgres"))
            .unwrap_or_else(|e| panic!("{CLUSTER_VARIABLE}: {e}"));
        let statement = format!("CREATE DATABASE {name}");
        admin
            .run(move |mut session| async move {
                session.client()?.batch_execute(&statement).await?;
                Ok::<_, super::DbError>(())
            })
            .unwrap_or_else(|e| panic!("cannot create a test database on {cluster}: {e}"));
        Some(format!("{cluster}/{name}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::test_support::fresh_database;
    use super::*;

    /// The thread `work` ran on and the server process of its connection.
    fn where_it_ran(database: &Postgres) -> Result<(std::thread::ThreadId, i32), DbError> {
        database.0.run(|mut session| async move {
            let pid = session.query_one("SELECT pg_backend_pid()", &[]).await?;
            Ok((std::thread::current().id(), pid.try_get(0)?))
        })
    }

    /// A caller outside any runtime (the ledger's writer) drives its connection on its own
    /// thread, keeps it from call to call, and opens it again when the server closed it; a
    /// caller inside a runtime, where blocking is not allowed, goes through the store's.
    #[test]
    fn a_caller_outside_any_runtime_drives_its_own_connection() {
        let Some(url) = fresh_database() else {
            return;
        };
        let database = Postgres::connect(&url).unwrap();
        let caller = std::thread::current().id();
        let (thread, first) = where_it_ran(&database).unwrap();
        assert_eq!(thread, caller);
        assert_eq!(where_it_ran(&database).unwrap(), (caller, first));

        let in_runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async { where_it_ran(&database) })
            .unwrap();
        assert_ne!(in_runtime.0, caller);
        assert_ne!(in_runtime.1, first);

        let other = Postgres::connect(&url).unwrap();
        other
            .0
            .run(move |mut session| async move {
                session
                    .client()?
                    .execute("SELECT pg_terminate_backend($1)", &[&first])
                    .await?;
                Ok(())
            })
            .unwrap();
        // The first call after the server closed it may fail: nothing drives this connection
        // between calls, so the client learns of the closing only then. The next opens a new one.
        let after = (0..3).find_map(|_| where_it_ran(&database).ok()).unwrap();
        assert_eq!(after.0, caller);
        assert_ne!(after.1, first);
    }
}
