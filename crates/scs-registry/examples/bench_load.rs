//! Load generator for `scripts/bench-registry.sh`: signed writes against a running registry.
//!
//! ```text
//! bench_load register --addr 127.0.0.1:8080 --count 100000 --concurrency 32 \
//!     --chunk 100000 --ids-out ids.tsv
//! bench_load revoke --addr 127.0.0.1:8080 --ids ids.tsv --count 200
//! ```
//!
//! `register`, per chunk of `--chunk` credentials (so every request is sent well within the
//! registry's 300 s freshness window): signs the allocate-status requests, sends them with
//! `--concurrency` clients, builds and signs one ★4 credential per reserved pair of status
//! entries (demo issuer key `keys/demo/issuer-star4.key`, one fictional company each) and its
//! register request, then sends the registrations with `--concurrency` clients. Only the sending
//! is timed; all signing happens before. Every registration is answered only after its log
//! entry is fsynced, so the rate is the durable rate. Writes one line per credential to
//! `--ids-out`: `uuid<TAB>revocation list number<TAB>revocation index`.
//!
//! `revoke`: for `--count` credentials from `--ids`, one after the other: POSTs a signed revoke
//! request, and from the moment it is acknowledged polls `GET /v1/status/revocation/{n}` and
//! decodes the list until the credential's bit is set.
//!
//! Prints one JSON object (the results) on stdout; progress goes to stderr. Plain HTTP/1.1 over
//! keep-alive `std::net` connections: one thread per client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use scs_core::credential::{Level, StatusEntry, StatusPurpose};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::keys::SecretKey;
use scs_core::lifecycle::{sign_request, Reason, RequestBody};
use scs_core::proof::{self, ProofPurpose};
use scs_core::status_list::StatusList;
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_issuer::{keyfile, IssueParams, SubjectInput};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 keep-alive client.

struct Response {
    status: u16,
    body: Vec<u8>,
}

struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn connect(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Self {
            addr,
            reader: BufReader::with_capacity(64 * 1024, stream),
        })
    }

    fn send(&mut self, request: &[u8]) -> std::io::Result<Response> {
        match self.exchange(request) {
            Ok(response) => Ok(response),
            Err(error) => {
                // The connection may have been closed between requests; reconnect for the next.
                if let Ok(fresh) = Self::connect(self.addr) {
                    *self = fresh;
                }
                Err(error)
            }
        }
    }

    fn exchange(&mut self, request: &[u8]) -> std::io::Result<Response> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        self.reader.get_mut().write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("eof in headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(|_| bad("chunk"))?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(Response { status, body })
    }
}

fn post(path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// One request sent: its latency and answer (None on a transport error).
struct Sent {
    latency: Duration,
    response: Option<Response>,
}

/// Sends every request with `concurrency` clients; returns answers in request order and the
/// wall-clock time from the first send to the last answer.
fn send_all(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    concurrency: usize,
) -> Result<(Vec<Sent>, Duration), Error> {
    let mut conns = (0..concurrency)
        .map(|_| Conn::connect(addr))
        .collect::<std::io::Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Sent)>> = Mutex::new(Vec::with_capacity(requests.len()));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for conn in &mut conns {
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(i) else {
                        break;
                    };
                    let sent_at = Instant::now();
                    let response = conn.send(request).ok();
                    mine.push((
                        i,
                        Sent {
                            latency: sent_at.elapsed(),
                            response,
                        },
                    ));
                }
                if let Ok(mut all) = results.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut results = results.into_inner().map_err(|_| "poisoned")?;
    results.sort_by_key(|(i, _)| *i);
    Ok((results.into_iter().map(|(_, s)| s).collect(), elapsed))
}

/// Nearest-rank percentile, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn summary(sent: &[Sent], elapsed: Duration, ok_status: u16) -> Value {
    let ok = sent
        .iter()
        .filter(|s| s.response.as_ref().is_some_and(|r| r.status == ok_status))
        .count();
    let mut latencies: Vec<Duration> = sent.iter().map(|s| s.latency).collect();
    latencies.sort();
    let mut refused: Vec<String> = sent
        .iter()
        .filter_map(|s| match &s.response {
            Some(r) if r.status != ok_status => Some(format!(
                "{} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )),
            Some(_) => None,
            None => Some("transport error".into()),
        })
        .collect();
    refused.truncate(3);
    json!({
        "requests": sent.len(),
        "ok": ok,
        "seconds": elapsed.as_secs_f64(),
        "perSecond": ok as f64 / elapsed.as_secs_f64(),
        "p50Ms": percentile_ms(&latencies, 50.0),
        "p99Ms": percentile_ms(&latencies, 99.0),
        "maxMs": percentile_ms(&latencies, 100.0),
        "firstRefusals": refused,
    })
}

// ---------------------------------------------------------------------------------------------
// Signing.

fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(seconds)
        .ok()
        .and_then(Timestamp::from_unix)
        .unwrap_or(Timestamp::EPOCH)
}

/// CPU seconds this process has used (Linux `/proc/self/stat`, 100 ticks a second).
fn own_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    // utime and stime are fields 14 and 15, that is 11 and 12 after the command name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// `f(i)` for `i` in `0..n` on every core, in order.
fn par_map<T: Send>(
    n: usize,
    f: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per = n.div_ceil(threads).max(1);
    let f = &f;
    let parts: Vec<Result<Vec<T>, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || (t * per..((t + 1) * per).min(n)).map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("signing thread panicked".into()))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(n);
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

struct Issuer {
    key: SecretKey,
    name: String,
    trust: TrustList,
}

fn demo_issuer() -> Result<Issuer, Error> {
    let key = keyfile::load_secret(Path::new("keys/demo/issuer-star4.key"))?.key;
    let operator = keyfile::load_public(Path::new("keys/demo/operator.pub"))?;
    let document: Value = serde_json::from_slice(&std::fs::read("keys/demo/trust-list.json")?)?;
    let trust = TrustList::from_signed(document, &operator)?;
    let name = trust
        .issuer(&key.public().did_key())
        .map(|i| i.name.clone())
        .ok_or("issuer-star4 is not in the demo trust list")?;
    Ok(Issuer { key, name, trust })
}

/// The register request for credential number `n`, holding the reserved `status` entries.
fn register_request(
    issuer: &Issuer,
    n: u64,
    status: Vec<StatusEntry>,
    at: Timestamp,
) -> Result<(CredentialId, Vec<u8>), Error> {
    let subject = SubjectInput {
        id: None,
        kind: None,
        corporate_number: Some(
            CorporateNumber::from_body(5_000_000_000 + n).ok_or("corporate number")?,
        ),
        lei: None,
        legal_name: format!("株式会社ベンチ{n:07}"),
        legal_name_en: Some(format!("Bench {n:07} Co., Ltd.")),
        legal_name_kana: None,
        scope: None,
    };
    let params = IssueParams {
        issuer_name: issuer.name.clone(),
        level: Level::STAR4,
        method: None,
        criteria_version: scs_issuer::CURRENT_CRITERIA_VERSION.into(),
        assessed_on: None,
        valid_from: at,
        valid_for: None,
        status,
        policy: issuer.trust.policy.clone(),
    };
    let id = scs_issuer::random_credential_id();
    let credential = scs_issuer::build(&subject, &params, &issuer.key, id)?;
    let signed = proof::sign(
        credential.to_json(),
        &issuer.key,
        at,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )?;
    let request = sign_request(
        &RequestBody::Register { credential: signed },
        &issuer.key,
        at,
        &scs_issuer::request_nonce(),
    )?;
    Ok((id, post("/v1/credentials", &serde_json::to_vec(&request)?)))
}

fn bare_uuid(id: &CredentialId) -> String {
    id.to_string().trim_start_matches("urn:uuid:").to_owned()
}

// ---------------------------------------------------------------------------------------------
// Commands.

fn register(args: &Args) -> Result<Value, Error> {
    let issuer = demo_issuer()?;
    let total: usize = args.num("--count", 100_000)?;
    let chunk: usize = args.num("--chunk", 100_000)?;
    let concurrency: usize = args.num("--concurrency", 32)?;
    let first: u64 = args.num("--first", 0)?;
    let mut ids_out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(args.get("--ids-out").ok_or("--ids-out is required")?)?;
    let mut chunks = Vec::new();
    let (mut registered, mut register_seconds) = (0usize, 0f64);
    let (mut allocated, mut allocate_seconds) = (0usize, 0f64);
    let mut done = 0usize;
    while done < total {
        let size = chunk.min(total - done);
        let base = first + done as u64;
        // 1. Reserve status entries.
        let at = now();
        let signing = Instant::now();
        let allocations = par_map(size, |_| {
            let request = sign_request(
                &RequestBody::AllocateStatus,
                &issuer.key,
                at,
                &scs_issuer::request_nonce(),
            )?;
            Ok(post(
                "/v1/status-allocations",
                &serde_json::to_vec(&request)?,
            ))
        })?;
        let sign_allocations = signing.elapsed();
        let (sent, elapsed) = send_all(args.addr()?, &allocations, concurrency)?;
        drop(allocations);
        let allocate = summary(&sent, elapsed, 201);
        let mut reserved = Vec::with_capacity(size);
        for s in &sent {
            let Some(r) = s.response.as_ref().filter(|r| r.status == 201) else {
                continue;
            };
            let body: Value = serde_json::from_slice(&r.body)?;
            let entries: Vec<StatusEntry> =
                serde_json::from_value(body["credentialStatus"].clone())?;
            reserved.push(entries);
        }
        drop(sent);
        allocated += reserved.len();
        allocate_seconds += elapsed.as_secs_f64();
        // 2. Sign credentials and register requests.
        let at = now();
        let signing = Instant::now();
        let reserved: Vec<Mutex<Option<Vec<StatusEntry>>>> =
            reserved.into_iter().map(|e| Mutex::new(Some(e))).collect();
        let registrations = par_map(reserved.len(), |i| {
            let status = reserved[i]
                .lock()
                .map_err(|_| "poisoned")?
                .take()
                .ok_or("taken")?;
            let revocation = status
                .iter()
                .find(|e| e.purpose == StatusPurpose::Revocation)
                .map(|e| {
                    (
                        e.list_url.rsplit('/').next().unwrap_or("0").to_owned(),
                        e.index,
                    )
                })
                .ok_or("no revocation entry")?;
            let (id, request) = register_request(&issuer, base + i as u64, status, at)?;
            Ok((id, revocation, request))
        })?;
        let sign_registrations = signing.elapsed();
        let bodies: Vec<Vec<u8>> = registrations.iter().map(|(_, _, r)| r.clone()).collect();
        let mean_body = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len().max(1);
        // 3. Register, 32 clients, each answered after fsync.
        let (sent, elapsed) = send_all(args.addr()?, &bodies, concurrency)?;
        let register = summary(&sent, elapsed, 201);
        let mut lines = String::new();
        for ((id, (list, index), _), s) in registrations.iter().zip(&sent) {
            if s.response.as_ref().is_some_and(|r| r.status == 201) {
                registered += 1;
                lines.push_str(&format!("{}\t{list}\t{index}\n", bare_uuid(id)));
            }
        }
        ids_out.write_all(lines.as_bytes())?;
        register_seconds += elapsed.as_secs_f64();
        done += size;
        eprintln!(
            "bench_load: {done}/{total}: allocations {:.0}/s, registrations {:.0}/s (p99 {:.1} ms)",
            allocate["perSecond"].as_f64().unwrap_or(0.0),
            register["perSecond"].as_f64().unwrap_or(0.0),
            register["p99Ms"].as_f64().unwrap_or(0.0),
        );
        chunks.push(json!({
            "size": size,
            "signAllocationsSeconds": sign_allocations.as_secs_f64(),
            "allocate": allocate,
            "signRegistrationsSeconds": sign_registrations.as_secs_f64(),
            "meanRegisterRequestBytes": mean_body,
            "register": register,
        }));
    }
    Ok(json!({
        "concurrency": concurrency,
        "registered": registered,
        "registerSeconds": register_seconds,
        "registrationsPerSecond": registered as f64 / register_seconds,
        "allocated": allocated,
        "allocationsPerSecond": allocated as f64 / allocate_seconds,
        "chunks": chunks,
        "generatorCpuSeconds": own_cpu_seconds(),
    }))
}

fn revoke(args: &Args) -> Result<Value, Error> {
    let issuer = demo_issuer()?;
    let count: usize = args.num("--count", 200)?;
    let text = std::fs::read_to_string(args.get("--ids").ok_or("--ids is required")?)?;
    let lines: Vec<&str> = text.lines().collect();
    let step = (lines.len() / count.max(1)).max(1);
    let mut writer = Conn::connect(args.addr()?)?;
    let mut reader = Conn::connect(args.addr()?)?;
    let (mut acks, mut visible, mut polls) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines.iter().step_by(step).take(count) {
        let mut parts = line.split('\t');
        let (Some(id), Some(list), Some(index)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("bad ids line: {line}").into());
        };
        let index: usize = index.parse()?;
        let target = CredentialId::parse(&format!("urn:uuid:{id}"))?;
        let request = sign_request(
            &RequestBody::Revoke {
                target,
                reason: Reason::IssuerError,
            },
            &issuer.key,
            now(),
            &scs_issuer::request_nonce(),
        )?;
        let request = post(
            &format!("/v1/credentials/{id}/status"),
            &serde_json::to_vec(&request)?,
        );
        let list_request = get(&format!("/v1/status/revocation/{list}"));
        let sent_at = Instant::now();
        let answer = writer.send(&request)?;
        let acked_at = Instant::now();
        if answer.status != 200 {
            return Err(format!(
                "revocation refused: {} {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            )
            .into());
        }
        let mut tries = 0;
        loop {
            tries += 1;
            let response = reader.send(&list_request)?;
            let mut document: Value = serde_json::from_slice(&response.body)?;
            if let Some(map) = document.as_object_mut() {
                map.remove("proof");
            }
            let list = StatusList::from_json(&document)?;
            if list.bits.get(index) == Some(true) {
                break;
            }
            if acked_at.elapsed() > Duration::from_secs(10) {
                return Err(format!("bit {index} of list {list:?} never set").into());
            }
        }
        acks.push(acked_at - sent_at);
        visible.push(acked_at.elapsed());
        polls.push(tries);
    }
    let (mut acks_sorted, mut visible_sorted) = (acks.clone(), visible.clone());
    acks_sorted.sort();
    visible_sorted.sort();
    Ok(json!({
        "revocations": acks.len(),
        "ackP50Ms": percentile_ms(&acks_sorted, 50.0),
        "ackP99Ms": percentile_ms(&acks_sorted, 99.0),
        "visibleAfterAckP50Ms": percentile_ms(&visible_sorted, 50.0),
        "visibleAfterAckP99Ms": percentile_ms(&visible_sorted, 99.0),
        "visibleAfterAckMaxMs": percentile_ms(&visible_sorted, 100.0),
        "maxPolls": polls.iter().max(),
    }))
}

// ---------------------------------------------------------------------------------------------

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, Error> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| format!("{name} {text}: not a number").into()),
        }
    }

    fn addr(&self) -> Result<SocketAddr, Error> {
        Ok(self.get("--addr").unwrap_or("127.0.0.1:8080").parse()?)
    }
}

fn main() -> std::process::ExitCode {
    let args = Args(std::env::args().collect());
    let result = match args.0.get(1).map(String::as_str) {
        Some("register") => register(&args),
        Some("revoke") => revoke(&args),
        _ => Err("usage: bench_load register|revoke [options] (see the file's doc comment)".into()),
    };
    match result {
        Ok(value) => {
            println!("{value}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench_load: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
