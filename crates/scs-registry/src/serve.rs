//! Starting the registry: keys and trust list, the ledger, the HTTP server, graceful shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use scs_core::keys::DidKey;
use scs_core::trust_list::{TrustList, MAX_TRUST_LIST_BYTES};
use scs_issuer::keyfile;
use serde_json::Value;
use thiserror::Error;

use crate::app::AppState;
use crate::demo_keys::{demo_genesis, DemoFile};
use crate::router::app;
use crate::server::{connection_cap, ConnectionLimits};
use scs_ledger::{Lease, Ledger, LedgerError, Postgres, RegistryKeys, SledStore};

/// How to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data folder: `log/` (source of truth) and `index/` (sled) with the default store; the
    /// demo's files in any case.
    pub data: PathBuf,
    /// Where the log and the indexes live.
    pub store: Store,
    /// Demo mode: demo keys, demo data, `/credentials/issue`.
    pub demo: bool,
    /// The signed trust list (not in demo mode).
    pub trust_list: Option<PathBuf>,
    /// The operator's public key (not in demo mode).
    pub operator_key: Option<PathBuf>,
    /// The status list secret key (not in demo mode).
    pub status_key: Option<PathBuf>,
    /// The log secret key (not in demo mode).
    pub log_key: Option<PathBuf>,
    /// The index store's cache, in bytes.
    pub index_cache_bytes: u64,
    /// The demo operator's did:key, which a production registry refuses.
    pub demo_operator: String,
    /// How long a connection may take to send a request's headers
    /// ([`crate::limits::HEADER_READ_TIMEOUT`] unless a test asks for less).
    pub header_read_timeout: std::time::Duration,
    /// The address people and verifiers reach the registry at (`--public-url`, checked by
    /// [`public_url`]), when it is not the listen address: behind a proxy, or a host name.
    pub public_url: Option<String>,
}

/// Longest `--public-url`, in characters.
const MAX_PUBLIC_URL_CHARS: usize = 200;

/// `--public-url`: `http(s)://host[:port]`, without a path (every page and API address hangs
/// off the root) or a trailing slash.
pub fn public_url(text: &str) -> Result<String, ServeError> {
    let url = text.trim_end_matches('/');
    let authority = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match authority {
        Some(authority) if url.len() <= MAX_PUBLIC_URL_CHARS && is_host_and_port(authority) => {
            Ok(url.to_owned())
        }
        _ => Err(ServeError::Usage(format!(
            "--public-url {text} is not an address like https://scs.example.jp (scheme, host and \
             port only) (--public-url には https://scs.example.jp のようなアドレスを指定してください)"
        ))),
    }
}

/// `host[:port]`: a DNS name or IPv4 address (labels of letters, digits and inner hyphens), or
/// an IPv6 address in brackets; the port, when given, 1–65535. Everything the registry prints
/// is built on it, so what is not one is refused rather than signed into the trust list.
fn is_host_and_port(authority: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let (host_ok, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let Some((address, rest)) = v6.split_once(']') else {
                return false;
            };
            (address.parse::<std::net::Ipv6Addr>().is_ok(), rest)
        }
        None => {
            let (host, rest) = authority
                .find(':')
                .map_or((authority, ""), |at| authority.split_at(at));
            (host.split('.').all(label_ok), rest)
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(port) => {
            port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
    };
    host_ok && port_ok
}

/// Where the ledger's log and indexes live (`scs serve --store`).
#[derive(Clone, Default)]
pub enum Store {
    /// Files in the data folder: `log/` and sled's `index/` (the embedded default).
    #[default]
    Files,
    /// A PostgreSQL database, by its connection URL (`postgres://user@host:port/db`), where
    /// every registry process pointed at it finds everything it serves.
    Postgres(String),
}

impl Store {
    /// The store a `--store` value names: `sled` (the default), or a `postgres://` (or
    /// `postgresql://`) URL.
    pub fn from_flag(value: &str) -> Result<Self, ServeError> {
        if value == "sled" {
            Ok(Self::Files)
        } else if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Ok(Self::Postgres(value.to_owned()))
        } else {
            Err(ServeError::Usage(
                "--store takes `sled` or a postgres://user@host:port/database URL                  (--store には sled か postgres:// の URL を指定してください)"
                    .into(),
            ))
        }
    }
}

/// Never prints the URL: it may hold a password.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Files => f.write_str("Files"),
            Self::Postgres(_) => f.write_str("Postgres(…)"),
        }
    }
}

/// Why the registry could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A flag is missing or contradicts another.
    #[error("{0}")]
    Usage(String),
    /// A key file.
    #[error(transparent)]
    Key(#[from] keyfile::KeyFileError),
    /// The ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The index store.
    #[error(transparent)]
    Store(#[from] scs_ledger::StoreError),
    /// The listen address cannot be bound.
    #[error("{0}")]
    Listen(ListenError),
    /// Serving.
    #[error("server: {0}")]
    Io(std::io::Error),
    /// The trust list file.
    #[error("trust list {0}")]
    TrustList(String),
}

/// Not a `source`: the message already holds it, and the CLI prints causes after it (once
/// was "Address already in use: Address already in use").
impl From<std::io::Error> for ServeError {
    fn from(error: std::io::Error) -> Self {
        ServeError::Io(error)
    }
}

/// Why the listen address could not be bound, with what to do about it.
#[derive(Debug)]
pub struct ListenError {
    /// The address asked for.
    pub address: SocketAddr,
    /// What the system said.
    pub error: std::io::Error,
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ListenError { address, error } = self;
        write!(f, "cannot listen on {address}: {error}")?;
        match error.kind() {
            std::io::ErrorKind::AddrInUse => {
                let mut next = *address;
                next.set_port(address.port().checked_add(1).unwrap_or(8080));
                write!(
                    f,
                    "; another program (perhaps another registry) uses it: use another port: \
                     --listen {next} (ポート {} は使用中です。別のポートを指定してください)",
                    address.port()
                )
            }
            std::io::ErrorKind::PermissionDenied => write!(
                f,
                "; ports below 1024 need privileges: use e.g. --listen 127.0.0.1:8080 \
                 (1024 未満のポートには権限が必要です)"
            ),
            _ => write!(f, " ({address} で待ち受けできません)"),
        }
    }
}

/// Keys and trust list resolved from the configuration.
struct Resolved {
    operator: DidKey,
    keys: RegistryKeys,
    trust_list: Value,
    demo_issuer: Option<Arc<scs_core::keys::SecretKey>>,
}

/// Where a key or the trust list comes from: the file given, else (with `--demo`) the built-in
/// demo set, so that the demo runs from any folder.
enum Source {
    File(PathBuf),
    Demo(DemoFile),
}

impl Source {
    fn pick(
        given: &Option<PathBuf>,
        demo: bool,
        demo_file: DemoFile,
        flag: &str,
    ) -> Result<Self, ServeError> {
        match (given, demo) {
            (Some(path), _) => Ok(Self::File(path.clone())),
            (None, true) => Ok(Self::Demo(demo_file)),
            (None, false) => Err(ServeError::Usage(format!(
                "{flag} is required without --demo (see README: running a registry)"
            ))),
        }
    }

    fn secret(&self) -> Result<keyfile::LoadedKey, ServeError> {
        Ok(match self {
            Self::File(path) => keyfile::load_secret(path)?,
            Self::Demo(file) => file.secret()?,
        })
    }

    fn public(&self) -> Result<DidKey, ServeError> {
        Ok(match self {
            Self::File(path) => keyfile::load_public(path)?,
            Self::Demo(file) => file.public()?,
        })
    }

    fn label(&self) -> PathBuf {
        match self {
            Self::File(path) => path.clone(),
            Self::Demo(file) => file.label(),
        }
    }
}

/// The keys and the trust list; `base` is the address the registry is reached at, for which the
/// built-in demo edition is signed.
fn resolve(config: &ServeConfig, base: &str) -> Result<Resolved, ServeError> {
    let pick = |given: &Option<PathBuf>, demo_file: DemoFile, flag: &str| {
        Source::pick(given, config.demo, demo_file, flag)
    };
    let status = pick(&config.status_key, DemoFile::RegistryStatus, "--status-key")?.secret()?;
    let log = pick(&config.log_key, DemoFile::RegistryLog, "--log-key")?.secret()?;
    let operator = pick(
        &config.operator_key,
        DemoFile::OperatorPublic,
        "--operator-key",
    )?
    .public()?;
    let demo_key = status.is_demo || log.is_demo || operator.to_string() == config.demo_operator;
    if !config.demo && demo_key {
        return Err(ServeError::Usage(
            "refusing to run on DEMO keys without --demo (デモ用の鍵は --demo なしでは使えません)"
                .into(),
        ));
    }
    let source = pick(
        &config.trust_list,
        DemoFile::TrustListEdition,
        "--trust-list",
    )?;
    let path = source.label();
    let trust_list = match &source {
        Source::Demo(_) => demo_genesis(base, scs_issuer::now()).map_err(ServeError::TrustList)?,
        Source::File(file) => std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                scs_core::json::parse_strict(&text, MAX_TRUST_LIST_BYTES).map_err(|e| e.to_string())
            })
            .map_err(|e| ServeError::TrustList(format!("{}: {e}", path.display())))?,
    };
    // Refused when not in force at the registry's clock: an expired edition may still list
    // issuers withdrawn since.
    let list = TrustList::from_signed(trust_list.clone(), &operator)
        .and_then(|list| list.check_in_force(scs_issuer::now()).map(|()| list))
        .map_err(|e| ServeError::TrustList(format!("{}: {e}", path.display())))?;
    if list.status_key().ok() != Some(status.key.public().did_key())
        || list.log_key().ok() != Some(log.key.public().did_key())
    {
        return Err(ServeError::Usage(
            "the trust list names other registry keys than --status-key and --log-key".into(),
        ));
    }
    // A signed list's address is what credentials' status list URLs are built on: the
    // registry prints no other.
    let signed_base = list.registry.base_url.trim_end_matches('/');
    if let Some(public) = config.public_url.as_deref().filter(|p| *p != signed_base) {
        return Err(ServeError::Usage(format!(
            "--public-url {public} is not the registry address the trust list names, \
             {signed_base}: status list URLs in credentials are built on that one \
             (--public-url が指定機関一覧の登録機関アドレスと一致しません)"
        )));
    }
    let demo_issuer = if config.demo {
        Some(Arc::new(DemoFile::IssuerStar4.secret()?.key))
    } else {
        None
    };
    Ok(Resolved {
        operator,
        keys: RegistryKeys {
            status: status.key,
            log: log.key,
        },
        trust_list,
        demo_issuer,
    })
}

/// What this process does with the ledger's writes.
enum Role {
    /// The only process on its files.
    Only,
    /// One of the processes on a PostgreSQL store: the writer while it holds the sequencer
    /// lease; otherwise a standby, serving reads, following the writer's writes and taking over
    /// when the lease is free.
    Shared(Postgres, Option<Lease>),
}

/// How often a standby follows the writer and asks for the lease: well within the 10 s a
/// takeover may take (issue 14).
const STANDBY_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens the ledger (recovering and replaying as needed) without serving.
fn open(config: &ServeConfig, resolved: Resolved) -> Result<(Arc<Ledger>, Role), ServeError> {
    // Durably: a data folder whose name a power cut forgets takes the log with it.
    scs_issuer::durable::create_dir_all(&config.data)?;
    match &config.store {
        Store::Files => {
            let store = Arc::new(SledStore::open(
                &config.data.join("index"),
                config.index_cache_bytes,
            )?);
            let ledger = Ledger::open(
                &config.data,
                store,
                resolved.operator,
                resolved.keys,
                &resolved.trust_list,
            )?;
            Ok((ledger, Role::Only))
        }
        Store::Postgres(url) => {
            let database = Postgres::connect(url)?;
            let index = Arc::new(database.index());
            // The log is read once the lease is decided: a writer that died a moment ago may
            // have appended after an earlier read, and the new writer would then judge a
            // log shorter than its indexes (found in review).
            let lease = database.try_lease()?;
            let log = Arc::new(database.log().map_err(LedgerError::from)?);
            match lease {
                Some(lease) => {
                    let ledger = Ledger::open_log(
                        log,
                        index,
                        resolved.operator,
                        resolved.keys,
                        &resolved.trust_list,
                    )?;
                    Ok((ledger, Role::Shared(database, Some(lease))))
                }
                None => {
                    tracing::info!(
                        "another registry process holds the sequencer lease: serving reads as \
                         a standby, writes answered 503 until it takes over"
                    );
                    let ledger =
                        Ledger::open_standby(log, index, resolved.operator, resolved.keys)?;
                    Ok((ledger, Role::Shared(database, None)))
                }
            }
        }
    }
}

/// Starts what writes: the writer thread (files, or the lease holder), and on PostgreSQL the
/// thread that holds the lease, or follows the writer every [`STANDBY_POLL`] and takes over once
/// the lease is free. It holds the lease until `stopping` is set (after the writer finished).
fn start_writing(
    ledger: &Arc<Ledger>,
    role: Role,
    stopping: &Arc<std::sync::atomic::AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    let (ledger, stopping) = (Arc::clone(ledger), Arc::clone(stopping));
    let Role::Shared(database, lease) = role else {
        ledger.start_writer();
        return None;
    };
    if lease.is_some() {
        ledger.start_writer();
    }
    std::thread::Builder::new()
        .name("ledger-lease".into())
        .spawn(move || write_or_stand_by(&ledger, &database, lease, &stopping))
        .map_err(|error| tracing::error!("cannot start the lease thread: {error}"))
        .ok()
}

/// Sleeps for [`STANDBY_POLL`] unless stopping; whether to go on.
fn wait_a_poll(stopping: &std::sync::atomic::AtomicBool) -> bool {
    let step = STANDBY_POLL / 10;
    for _ in 0..10 {
        if stopping.load(std::sync::atomic::Ordering::Acquire) {
            return false;
        }
        std::thread::sleep(step);
    }
    !stopping.load(std::sync::atomic::Ordering::Acquire)
}

/// Writes while holding the lease — one whose connection broke stops the writer (another
/// process may take it: never two writers), a writer a failure stopped gives the lease up, and
/// the process stands by again; a standby follows
/// the writer and, once the lease is free, takes it and the writes over.
fn write_or_stand_by(
    ledger: &Arc<Ledger>,
    database: &Postgres,
    mut lease: Option<Lease>,
    stopping: &std::sync::atomic::AtomicBool,
) {
    while wait_a_poll(stopping) {
        if let Some(held) = &lease {
            let lost = !held.is_held();
            if lost || ledger.writer_failed() {
                if lost {
                    tracing::error!("the sequencer lease was lost: refusing writes, standing by");
                } else {
                    // A writer stopped by a failure (the store, another writer) would hold the
                    // lease and refuse every write until restarted: it gives the lease up, and
                    // this process or another takes it over from the log (found in review).
                    tracing::error!(
                        "the writer stopped after a failure: giving up the sequencer lease, \
                         standing by"
                    );
                }
                // Until its last batch is answered: following meanwhile would extend the tree
                // with that batch's leaves a second time.
                ledger.finish_writes();
                lease = None;
            }
            continue;
        }
        if let Err(error) = ledger.follow() {
            tracing::warn!("cannot follow the writer: {error}");
            continue;
        }
        match database.try_lease() {
            Ok(Some(taken)) => match ledger.take_over() {
                Ok(()) => {
                    tracing::info!(
                        log_size = ledger.checkpoint().0,
                        "took the sequencer lease: this process writes now"
                    );
                    ledger.start_writer();
                    lease = Some(taken);
                }
                Err(error) => tracing::error!("cannot take over the writes: {error}"),
            },
            Ok(None) => {}
            Err(error) => tracing::warn!("cannot ask for the sequencer lease: {error}"),
        }
    }
}

/// The address a demo without `--public-url` signs its trust list for: the one it listens on —
/// unless that is every address of the machine (`0.0.0.0`, `::`), which nobody can open:
/// then the operator must say which of them people reach (found in review).
fn demo_address(config: &ServeConfig, bound: std::net::SocketAddr) -> Result<String, ServeError> {
    if config.demo && bound.ip().is_unspecified() {
        return Err(ServeError::Usage(format!(
            "--listen {bound} listens on every address of this machine: give the one people \
             reach with --public-url, e.g. --public-url http://192.0.2.10:{port} \
             (全アドレスで待ち受けるときは、利用者がアクセスするアドレスを --public-url で指定してください)",
            port = bound.port()
        )));
    }
    Ok(format!("http://{bound}"))
}

/// Runs the registry until SIGINT or SIGTERM.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let started = std::time::Instant::now();
    // Bound before the data folder is touched: a registry that cannot listen leaves it as it
    // was (it once seeded a demo ledger there first). Connections made meanwhile wait in the
    // backlog until the router runs. Before the trust list is read: the demo's is signed for
    // the address bound.
    let listener = crate::server::listen(config.listen).map_err(|error| {
        ServeError::Listen(ListenError {
            address: config.listen,
            error,
        })
    })?;
    let address = listener.local_addr()?;
    let public = match &config.public_url {
        Some(url) => url.clone(),
        None => demo_address(&config, address)?,
    };
    let resolved = resolve(&config, &public)?;
    let demo_issuer = resolved.demo_issuer.clone();
    let (ledger, role) = open(&config, resolved)?;
    if config.demo {
        warn_of_another_address(&ledger, &public, &config.data);
    }
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lease_thread = start_writing(&ledger, role, &stopping);
    let loader = Arc::clone(&ledger);
    let loaded = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        loader.load_from_log();
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "name index and credential directory loaded"
        );
    });
    if config.demo {
        crate::demo::seed(&ledger, &config.data).await;
    }
    // After the demo seeding, so that the log size is the one the banner shows.
    tracing::info!(
        log_size = ledger.checkpoint().0,
        trust_list_sequence = ledger.trust_list().0.sequence,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "ledger open"
    );
    tracing::info!(%address, "listening");
    print_banner(&ledger, address, &config);
    let router = app(AppState::new(Arc::clone(&ledger), demo_issuer));
    // A span per request costs 8 % of a status-list GET (docs/PERFORMANCE.md) and logs nothing
    // at the default level, where refusals and failures are logged by `ApiError` itself: add
    // the spans only when asked for (RUST_LOG=tower_http=debug).
    let router = if tracing::enabled!(target: "tower_http::trace::on_response", tracing::Level::DEBUG)
    {
        router.layer(tower_http::trace::TraceLayer::new_for_http())
    } else {
        router
    };
    // A body must keep arriving: each wait for its next part is bounded as a header is.
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        config.header_read_timeout,
    ));
    let limits = ConnectionLimits {
        header_read_timeout: config.header_read_timeout,
        max_connections: connection_cap(),
    };
    tracing::info!(
        max_connections = limits.max_connections,
        header_read_timeout_s = limits.header_read_timeout.as_secs(),
        "connection limits"
    );
    crate::server::run(listener, router, limits, shutdown_signal()).await;
    ledger.finish_writes();
    // After the writer finished: the lease is given up only now.
    stopping.store(true, std::sync::atomic::Ordering::Release);
    if let Some(thread) = lease_thread {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    let _ = loaded.await;
    match config.store {
        Store::Files => close_sled(ledger, &config.data).await,
        // The connections close with the last handle on the ledger.
        Store::Postgres(_) => drop(ledger),
    }
    tracing::info!("stopped");
    Ok(())
}

/// A demo folder (or database) keeps the address its log began with — its checkpoints' origin
/// and the status list URLs in its credentials — whatever address the registry listens on now.
fn warn_of_another_address(ledger: &Ledger, public: &str, data: &std::path::Path) {
    let logged = &ledger.identity().base_url;
    if logged != public {
        tracing::warn!(
            "this demo ledger was begun at {logged}: its pages and status lists keep that \
             address; to have them at {public}, start with another --data folder (or remove {}) \
             (このデモ台帳は {logged} で作成されたため、そのアドレスを表示します)",
            data.display()
        );
    }
}

/// Closes sled (the last handle on the ledger, once every connection, the writer and the loader
/// are done) and snapshots it for a quick next start.
async fn close_sled(ledger: Arc<Ledger>, data: &std::path::Path) {
    match Arc::try_unwrap(ledger) {
        Ok(ledger) => {
            drop(ledger);
            let started = std::time::Instant::now();
            let index = data.join("index");
            match tokio::task::spawn_blocking(move || SledStore::write_snapshot(&index)).await {
                Ok(Ok(())) => tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "index snapshot written"
                ),
                Ok(Err(error)) => tracing::warn!("index snapshot not written: {error}"),
                Err(error) => tracing::warn!("index snapshot not written: {error}"),
            }
        }
        Err(_) => tracing::warn!("index snapshot skipped: the ledger is still in use"),
    }
}

/// What a person starting the registry needs: the URL to open (the first `http://` on stdout,
/// the address actually bound), where the data is, and how to stop; for `--demo`, that its
/// keys are not for real use and what to try. One write, whose failure is ignored: a reader
/// gone (`scs serve | head -3`) must not stop the registry.
fn print_banner(ledger: &Ledger, address: SocketAddr, config: &ServeConfig) {
    use std::io::Write;
    let banner = banner(ledger, address, config);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
}

fn banner(ledger: &Ledger, address: SocketAddr, config: &ServeConfig) -> String {
    let base = format!("http://{address}");
    let data = std::path::absolute(&config.data).unwrap_or_else(|_| config.data.clone());
    let (title, english) = if config.demo {
        (
            "SCS ★ registry (DEMO) / SCS ★ 登録機関（デモ）",
            format!("   (English: {base}/?lang=en)"),
        )
    } else {
        ("SCS ★ registry / SCS ★ 登録機関", String::new())
    };
    let store = match config.store {
        Store::Files => String::new(),
        Store::Postgres(_) => "   (log and indexes in PostgreSQL / 台帳と索引は PostgreSQL)".into(),
    };
    let public = config
        .public_url
        .as_ref()
        .map(|url| format!("  Public / 公開:  {url}/   (--public-url)\n"))
        .unwrap_or_default();
    let mut banner = format!(
        "
{title}
  Open / 開く:    {base}/{english}
{public}  Data / データ:  {}   (ledger / 台帳: {} entries){store}
",
        data.display(),
        ledger.checkpoint().0,
    );
    if config.demo {
        banner.push_str(
            "  Keys / 鍵:      built-in demo keys (keys/demo) — their secrets are public: not for real use
                  （デモ用の鍵です。秘密鍵が公開されているため、実運用には使えません）
",
        );
    }
    banner.push_str("  Stop / 停止:    Ctrl+C\n");
    if config.demo {
        banner.push_str(&crate::demo::guide(&base, &data));
    }
    banner
}

/// Completes at SIGINT (Ctrl+C) or SIGTERM. The handlers are installed when this is called,
/// before the first connection is accepted: installed on the future's first poll, as they
/// were, a SIGTERM sent as soon as the registry had answered could find none yet and kill the
/// process (the default action) instead of stopping it gracefully — seen as a test's server
/// exiting by signal now and then.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |handler: std::io::Result<tokio::signal::unix::Signal>| async move {
                match handler {
                    Ok(mut signal) => {
                        signal.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::public_url;

    /// Found in review: only the characters were checked, so `http://:8080` or `http://a:b:c`
    /// would have been signed into the demo trust list and every credential.
    #[test]
    fn a_public_url_is_a_scheme_a_host_and_a_port() {
        for good in [
            "https://scs.example.jp",
            "https://scs.example.jp/",
            "http://127.0.0.1:9000",
            "http://[::1]:8080",
            "http://localhost",
        ] {
            assert!(public_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://:8080",
            "http://a:b:c",
            "http://...",
            "http://host:0",
            "http://host:99999",
            "http://host:",
            "http://-host",
            "http://[::1",
            "http://[zz]:80",
            "https://scs.example.jp/path",
            "ftp://scs.example.jp",
            "https://",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
    }
}
