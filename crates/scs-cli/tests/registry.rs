//! The real `scs serve` on a free port: the newcomer's walk-through, a crash test that kills
//! the server with SIGKILL in the middle of sustained writes, and thousands of stalled
//! connections that neither stop it answering nor stay open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{agent, free_port, get, post, DemoServer};
use common::{
    audit, copy_dir, demo, issue_with_star4_key, repo, revoke_for_fraud, scs, write_subject,
};
use scs_core::credential::{Level, StatusEntry};
use scs_core::keys::SecretKey;
use scs_core::lifecycle::{sign_request, Reason, RequestBody};
use scs_core::timestamp::Timestamp;
use scs_issuer::{keyfile, IssueParams, SubjectInput};
use serde_json::Value;

#[test]
fn newcomer_issues_verifies_revokes_and_audits_against_a_running_registry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    write_subject(d);
    let key = demo("issuer-star4.key");
    issue_registered(d, &url, "cred.json", &[]);
    assert!(d.join("cred.receipt.json").exists());
    let run = scs(d, &["verify", "cred.json", "--registry", &url, "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("✓ 台帳 Ledger"), "{}", run.stdout);
    let run = audit(d, &url, "--save");
    assert_eq!(run.code, 0, "{}", run.stderr);

    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("cred.json")).unwrap()).unwrap();
    let id = credential["id"].as_str().unwrap();
    let run = revoke_for_fraud(d, id, &url);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(
        d,
        &[
            "verify",
            "cred.json",
            "--registry",
            &url,
            "--demo",
            "--json",
        ],
    );
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["verdict"], "invalid");
    assert_eq!(report["checks"][3]["detail"], "revoked (reason: fraud)");

    let run = scs(
        d,
        &[
            "revoke",
            id,
            "--reason",
            "fraud",
            "--key",
            key.to_str().unwrap(),
            "--registry",
            &url,
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("conflict"), "{}", run.stderr);
    let run = scs(
        d,
        &[
            "revoke",
            id,
            "--reason",
            "because",
            "--key",
            key.to_str().unwrap(),
            "--registry",
            &url,
        ],
    );
    assert_eq!(run.code, 2);

    let run = scs(d, &["lookup", "7000012050002", "--registry", &url]);
    assert_eq!(run.code, 1, "no ★ valid now: {}", run.stdout);
    assert!(run.stdout.contains("fraud"));
    let run = scs(d, &["lookup", "7000012050003", "--registry", &url]);
    assert_eq!(run.code, 2);
    let demo_company = scs_registry::demo::demo_corporate_number(0);
    let run = scs(d, &["lookup", demo_company.as_str(), "--registry", &url]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("★4"));

    let run = audit(d, &url, "--since");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("consistent"));
    // Without an operator key the log key in the trust list cannot be trusted.
    let run = scs(d, &["log", "audit", "--registry", &url]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.error_line().contains("--operator-key"),
        "{}",
        run.stderr
    );

    // The demo files verify as the guide says: revoked with its reason.
    let revoked = d.join("data/demo/revoked.json");
    let run = scs(
        d,
        &[
            "verify",
            revoked.to_str().unwrap(),
            "--registry",
            &url,
            "--demo",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("revoked (reason: fraud)"),
        "{}",
        run.stdout
    );

    let (_, before) = get(&format!("{url}/v1/credentials/{id}"));
    let (_, size_before) = get(&format!("{url}/v1/health"));
    assert_eq!(server.terminate(), 0, "graceful shutdown on SIGTERM");

    // A stop writes the index snapshot; the next start reads it and answers as before.
    let port = url.rsplit(':').next().unwrap().parse().unwrap();
    let server = DemoServer::start_with(&d.join("data"), &repo(), port, &[]);
    let (status, after) = get(&format!("{url}/v1/credentials/{id}"));
    assert_eq!(status, 200);
    assert_eq!(after, before);
    assert_eq!(after["status"]["state"], "revoked");
    assert_eq!(get(&format!("{url}/v1/health")).1, size_before);
    assert_eq!(server.terminate(), 0);
}

fn now() -> Timestamp {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp::from_unix(s as i64).unwrap()
}

fn nonce() -> String {
    scs_issuer::random_credential_id()
        .to_string()
        .replace("urn:uuid:", "")
}

/// One client's sustained work: register a credential, then suspend, reinstate and revoke it,
/// recording every acknowledged write.
fn client(
    url: &str,
    issuer: &SecretKey,
    stop: &AtomicBool,
    acked: &Mutex<Vec<(String, &'static str, u64)>>,
) {
    let subject = SubjectInput::parse_many(
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社クラッシュ試験"}"#,
    )
    .unwrap()
    .remove(0);
    while !stop.load(Ordering::Relaxed) {
        let request = |body: &RequestBody| sign_request(body, issuer, now(), &nonce()).unwrap();
        let (status, allocated) = post(
            &format!("{url}/v1/status-allocations"),
            &request(&RequestBody::AllocateStatus),
        );
        if status != 201 {
            return;
        }
        let entries: Vec<StatusEntry> =
            serde_json::from_value(allocated["credentialStatus"].clone()).unwrap();
        let params = IssueParams {
            issuer_name: "デモ評価機関（デモ用）".into(),
            level: Level::STAR4,
            method: None,
            criteria_version: "2026-03-27".into(),
            assessed_on: None,
            valid_from: now(),
            valid_for: None,
            status: entries,
            policy: Default::default(),
        };
        let credential = scs_issuer::issue(&subject, &params, issuer, now()).unwrap();
        let id = credential["id"].as_str().unwrap().to_owned();
        let (status, answer) = post(
            &format!("{url}/v1/credentials"),
            &request(&RequestBody::Register { credential }),
        );
        if status != 201 {
            return;
        }
        acked.lock().unwrap().push((
            id.clone(),
            "registered",
            answer["logIndex"].as_u64().unwrap(),
        ));
        let target = scs_core::ids::CredentialId::parse(&id).unwrap();
        for (body, event) in [
            (
                RequestBody::Suspend {
                    target,
                    reason: Reason::Nonconformity,
                },
                "suspended",
            ),
            (
                RequestBody::Reinstate {
                    target,
                    reason: Reason::Nonconformity,
                },
                "reinstated",
            ),
            (
                RequestBody::Revoke {
                    target,
                    reason: Reason::Superseded,
                },
                "revoked",
            ),
        ] {
            let (status, answer) = post(
                &format!("{url}/v1/credentials/{id}/status"),
                &request(&body),
            );
            if status != 200 {
                return;
            }
            acked
                .lock()
                .unwrap()
                .push((id.clone(), event, answer["logIndex"].as_u64().unwrap()));
        }
    }
}

#[test]
fn sigkill_mid_write_loses_no_acknowledged_write_and_the_indexes_equal_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let server = DemoServer::start_on_files(&data, &repo(), port);
    let url = server.url.clone();
    let issuer = Arc::new(keyfile::load_secret(&demo("issuer-star4.key")).unwrap().key);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (url, issuer, stop, acked) =
                (url.clone(), issuer.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || client(&url, &issuer, &stop, &acked))
        })
        .collect();
    // Keep the last checkpoint seen before the crash. Writes go on for 2.5 s and until more
    // than 50 are acknowledged (a loaded 2-core machine may need longer), at most a minute.
    let mut last_checkpoint = String::new();
    let started = Instant::now();
    let sustained = || acked.lock().unwrap().len() > 50;
    while started.elapsed() < Duration::from_secs(60)
        && (started.elapsed() < Duration::from_millis(2500) || !sustained())
    {
        if let Ok(mut r) = agent().get(&format!("{url}/v1/log/checkpoint")).call() {
            last_checkpoint = r.body_mut().read_to_string().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "sustained writes before the kill: only {} acknowledged",
        acked.len()
    );
    std::fs::write(dir.path().join("before.txt"), &last_checkpoint).unwrap();

    let server = DemoServer::start_on_files(&data, &repo(), port);
    // Every acknowledged write is there, at its log index.
    for (id, event, index) in &acked {
        let (status, record) = get(&format!("{url}/v1/credentials/{id}"));
        assert_eq!(status, 200, "acknowledged {id} lost");
        let history = record["history"].as_array().unwrap();
        assert!(
            history
                .iter()
                .any(|e| e["event"] == *event && e["logIndex"] == *index),
            "acknowledged {event} of {id} at {index} lost: {record}"
        );
    }
    // The new checkpoint extends the last one seen before the kill.
    let run = scs(
        dir.path(),
        &[
            "log",
            "audit",
            "--registry",
            &url,
            "--demo",
            "--since",
            "before.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(server.terminate(), 0);

    // The sled indexes equal a fresh replay of the log into memory.
    let sled = scs_ledger::SledStore::open(&data.join("index"), 64 << 20).unwrap();
    let indexed = sled.dump().unwrap();
    drop(sled);
    let memory = Arc::new(scs_ledger::MemoryStore::default());
    let replay = tempfile::tempdir().unwrap();
    copy_dir(&data.join("log"), &replay.path().join("log"));
    let genesis: Value =
        serde_json::from_slice(&std::fs::read(demo("trust-list.json")).unwrap()).unwrap();
    scs_ledger::Ledger::open(
        replay.path(),
        memory.clone(),
        keyfile::load_public(&demo("operator.pub")).unwrap(),
        scs_ledger::RegistryKeys {
            status: keyfile::load_secret(&demo("registry-status.key"))
                .unwrap()
                .key,
            log: keyfile::load_secret(&demo("registry-log.key")).unwrap().key,
        },
        &genesis,
    )
    .unwrap();
    let replayed = memory.dump();
    assert_eq!(indexed.len(), replayed.len());
    assert!(
        indexed == replayed,
        "sled indexes differ from a replay of the log"
    );
}

#[test]
fn demo_keys_never_run_outside_demo() {
    let dir = tempfile::tempdir().unwrap();
    let k = |n: &str| demo(n).to_str().unwrap().to_owned();
    let run = scs(
        dir.path(),
        &[
            "serve",
            "--data",
            "data",
            "--listen",
            "127.0.0.1:0",
            "--trust-list",
            &k("trust-list.json"),
            "--operator-key",
            &k("operator.pub"),
            "--status-key",
            &k("registry-status.key"),
            "--log-key",
            &k("registry-log.key"),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("refusing to run on DEMO keys"),
        "{}",
        run.stderr
    );
    let run = scs(dir.path(), &["serve", "--data", "data"]);
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("required without --demo"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing written for a refused start"
    );
}

/// Issue #10 item 2: once the operator declares an issuer's key compromised (from ten minutes
/// from now), the key's credentials verify only with the ledger's evidence that they were
/// registered before then: the receipt offline or the registry's log online; without either the
/// verdict is unknown, never valid.
#[test]
fn after_a_compromise_only_the_ledger_dates_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    write_subject(d);
    let key = demo("issuer-star4.key");
    issue_registered(d, &url, "cred.json", &[]);

    // The operator's next edition: the ★4 key compromised from ten minutes from now.
    let (_, current) = get(&format!("{url}/v1/trust-list"));
    let mut list: scs_core::trust_list::TrustList =
        serde_json::from_value(current["credentialSubject"].clone()).unwrap();
    list.sequence += 1;
    let star4 = keyfile::load_secret(&key).unwrap().key.public().did_key();
    let issuer = list
        .issuers
        .iter_mut()
        .find(|i| star4.is_did(&i.id))
        .unwrap();
    issuer.status.compromised_since = Some(Timestamp::from_unix(now().unix() + 600).unwrap());
    let operator = keyfile::load_secret(&demo("operator.key")).unwrap().key;
    let edition = scs_core::proof::sign(
        list.to_credential(&operator.public().did_key(), now()),
        &operator,
        now(),
        scs_core::proof::ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    let put = agent()
        .put(&format!("{url}/v1/trust-list"))
        .header("Content-Type", "application/json")
        .send(edition.to_string().as_bytes())
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    std::fs::write(d.join("trust-list.json"), edition.to_string()).unwrap();

    // With the receipt (found beside the credential), and online from the log without it.
    let run = scs(
        d,
        &[
            "verify",
            "cred.json",
            "--registry",
            &url,
            "--json",
            "--demo",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let with_receipt = run.json();
    assert!(with_receipt["checks"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("registered in the ledger"));
    std::fs::rename(d.join("cred.receipt.json"), d.join("kept.receipt.json")).unwrap();
    let run = scs(
        d,
        &[
            "verify",
            "cred.json",
            "--registry",
            &url,
            "--json",
            "--demo",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["checks"][1], with_receipt["checks"][1]);

    // Offline without the receipt: the issuer's word alone decides nothing.
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("cred.json")).unwrap()).unwrap();
    let mut offline = vec![
        "verify",
        "cred.json",
        "--offline",
        "--trust-list",
        "trust-list.json",
        "--demo",
    ];
    let mut lists = Vec::new();
    for (n, entry) in credential["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        // Listed under the trust list's base URL; served here.
        let at = entry["statusListCredential"]
            .as_str()
            .unwrap()
            .replace("http://127.0.0.1:8080", &url);
        let served = agent()
            .get(&at)
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
        let name = format!("list{n}.json");
        std::fs::write(d.join(&name), served).unwrap();
        lists.push(name);
    }
    for name in &lists {
        offline.extend(["--status-list", name.as_str()]);
    }
    let run = scs(d, &[offline.as_slice(), &["--json"]].concat());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "unknown", "{report}");
    assert!(report["checks"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("--receipt"));
    let run = scs(
        d,
        &[offline.as_slice(), &["--receipt", "kept.receipt.json"]].concat(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("台帳への登録"), "{}", run.stdout);

    // The supplier-list check dates it from the log too; the look-up counts it.
    std::fs::write(d.join("suppliers.csv"), "7000012050002,4\n").unwrap();
    let run = scs(
        d,
        &[
            "verify-batch",
            "suppliers.csv",
            "--registry",
            &url,
            "--json",
            "--demo",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = scs(d, &["lookup", "7000012050002", "--registry", &url]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("void"), "{}", run.stdout);
    assert_eq!(server.terminate(), 0);
}

/// Issue 10 item 7: `scs log check` passes a data folder the demo registry wrote, names the
/// entry where one byte in the middle of `entries.bin` was flipped (exit 1), and the registry
/// then refuses to start rather than serve or cut it, pointing at the check.
#[test]
fn log_check_names_a_flipped_byte_and_the_registry_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = DemoServer::start_on_files(&data, &repo(), free_port());
    assert_eq!(server.terminate(), 0);
    let data_arg = data.to_str().unwrap();

    let run = scs(dir.path(), &["log", "check", "--data", data_arg, "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("the log is intact"), "{}", run.stdout);
    let log_key = demo("registry-log.pub");
    let run = scs(
        dir.path(),
        &[
            "log",
            "check",
            "--data",
            data_arg,
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("signed by the log key"),
        "{}",
        run.stdout
    );

    // The entry holding the middle byte, found from its leaf record.
    let entries = data.join("log/entries.bin");
    let mut raw = std::fs::read(&entries).unwrap();
    let middle = raw.len() as u64 / 2;
    let leaves = std::fs::read(data.join("log/leaves.bin")).unwrap();
    let (index, offset) = leaves
        .chunks_exact(44)
        .enumerate()
        .map(|(index, record)| {
            let offset = u64::from_be_bytes(record[32..40].try_into().unwrap());
            let len = u64::from(u32::from_be_bytes(record[40..44].try_into().unwrap()));
            (index, offset, len)
        })
        .find(|&(_, offset, len)| (offset..offset + len).contains(&middle))
        .map(|(index, offset, _)| (index, offset))
        .unwrap();
    raw[middle as usize] ^= 0x01;
    std::fs::write(&entries, &raw).unwrap();

    let run = scs(dir.path(), &["log", "check", "--data", data_arg, "--demo"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains(&format!("entry {index} (byte {offset} of entries.bin)")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("the log is damaged"), "{}", run.stdout);

    let serve = scs(
        &repo(),
        &[
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data_arg,
        ],
    );
    assert_eq!(serve.code, 2, "{}{}", serve.stdout, serve.stderr);
    assert!(
        serve
            .error_line()
            .contains(&format!("ledger entry {index} "))
            && serve.error_line().contains("scs log check"),
        "{}",
        serve.stderr
    );
    assert_eq!(std::fs::read(&entries).unwrap(), raw, "nothing cut");

    let run = scs(
        dir.path(),
        &[
            "log",
            "check",
            "--data",
            dir.path().join("none").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("holds no log"), "{}", run.stderr);
}

/// Reads until the server closes `stream` (a 408 or nothing first); `false` if it is still
/// open at `deadline`.
fn closed_by_server(stream: &mut std::net::TcpStream, deadline: Instant) -> bool {
    use std::io::Read;
    let mut buffer = [0u8; 512];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn stalled_connections_neither_stop_answers_nor_stay_open() {
    use std::io::Write;
    use std::net::TcpStream;
    // The server raises its own open-file limit; this test needs one descriptor a connection.
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let stalled = usize::try_from(limit.saturating_sub(1_000))
        .unwrap()
        .min(8_000);
    assert!(
        stalled >= 1_000,
        "open-file limit {limit} too low for this test"
    );
    let dir = tempfile::tempdir().unwrap();
    // Long enough to open every connection on a loaded machine, short enough not to wait
    // the default's 20 s.
    let timeout = Duration::from_secs(10);
    let server = DemoServer::start_with(
        &dir.path().join("data"),
        &repo(),
        free_port(),
        &["--header-read-timeout-secs", "10"],
    );
    let address = server.url.trim_start_matches("http://").to_owned();
    // Half a request head on most, nothing at all on every tenth.
    let opened = Instant::now();
    let mut connections: Vec<TcpStream> = (0..stalled)
        .map(|i| {
            let mut stream = TcpStream::connect(&address).unwrap();
            if i % 10 != 0 {
                stream
                    .write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .unwrap();
            }
            stream
        })
        .collect();
    let opened = opened.elapsed();
    assert!(
        opened < timeout,
        "opening {stalled} connections took {opened:?}, longer than the timeout under test"
    );

    let asked = Instant::now();
    let (status, health) = get(&format!("{}/v1/health", server.url));
    assert_eq!(status, 200, "{health}");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "/v1/health took {:?} beside {stalled} stalled connections",
        asked.elapsed()
    );

    // The server closes every one of them itself, soon after the timeout.
    let deadline = Instant::now() + timeout + Duration::from_secs(15);
    let still_open = connections
        .iter_mut()
        .map(|stream| closed_by_server(stream, deadline))
        .filter(|closed| !closed)
        .count();
    assert_eq!(still_open, 0, "of {stalled} stalled connections");
    drop(connections);
    assert_eq!(get(&format!("{}/v1/health", server.url)).0, 200);
    assert_eq!(server.terminate(), 0, "graceful shutdown on SIGTERM");
}

/// `scs issue` of a ★4 credential registered at `url`, into `out`, with `extra` flags.
fn issue_registered(d: &Path, url: &str, out: &str, extra: &[&str]) -> common::Run {
    let args = [
        &["--level", "4", "--registry", url, "--demo", "--out", out],
        extra,
    ]
    .concat();
    let run = issue_with_star4_key(d, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// The `id` of the credential in `path`.
fn id_of(path: &Path) -> String {
    let credential: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    credential["id"].as_str().unwrap().to_owned()
}

/// `scs verify ARGS --registry URL --demo`, as JSON and for people: the verdict follows from the
/// checks, the first line shows it, every check has its line, and the exit code is 0 only for
/// `valid`. The JSON report.
fn verify_agreeing(d: &Path, url: &str, args: &[&str]) -> Value {
    let flags = [args, &["--registry", url, "--demo"]].concat();
    let json = scs(d, &[&["verify"], flags.as_slice(), &["--json"]].concat());
    let human = scs(d, &[&["verify"], flags.as_slice()].concat());
    let report = json.json();
    let checks = report["checks"].as_array().unwrap();
    let derived = if checks
        .iter()
        .any(|c| c["ok"] == false && c["undecided"] != true)
    {
        "invalid"
    } else if checks.iter().any(|c| c["undecided"] == true) {
        "unknown"
    } else {
        "valid"
    };
    assert_eq!(report["verdict"], derived, "{report}");
    let (code, first) = match derived {
        "valid" => (0, "✓ 有効 / Valid"),
        "invalid" => (1, "✗ 無効 / Invalid"),
        _ => (1, "? 判定不能 / Unknown"),
    };
    assert_eq!(json.code, code, "{}{}", json.stdout, json.stderr);
    assert_eq!(human.code, code, "{}{}", human.stdout, human.stderr);
    assert!(human.stdout.starts_with(first), "{}", human.stdout);
    let lines: Vec<&str> = human.stdout.lines().skip(1).take(checks.len()).collect();
    for (check, line) in checks.iter().zip(&lines) {
        let name: scs_core::report::CheckName =
            serde_json::from_value(check["name"].clone()).unwrap();
        let sign = match (check["ok"] == true, check["undecided"] == true) {
            (true, _) => "✓",
            (false, true) => "?",
            (false, false) => "✗",
        };
        let shown = format!("  {sign} {} {}: ", name.ja(), name.en());
        assert!(line.starts_with(&shown), "{shown} in {}", human.stdout);
    }
    assert_eq!(
        human.stdout.contains("台帳 Ledger"),
        checks.iter().any(|c| c["name"] == "ledger"),
        "{}",
        human.stdout
    );
    report
}

/// The report's `ledger` check.
fn ledger_check(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ledger")
        .unwrap_or_else(|| panic!("no ledger check in {report}"))
}

/// Issue 11 item 2: a receipt is evidence the verdict weighs like every other check. This
/// credential's receipt passes; another credential's says nothing about this one (判定不能);
/// this credential's receipt with a checkpoint the log key did not sign is forged evidence
/// (無効). Issuing again over the same file without `--registry` removes the receipt that is no
/// longer for it. In every case the first line, the JSON verdict, the checks and the exit code
/// agree.
#[test]
fn the_ledger_check_is_part_of_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    write_subject(d);
    issue_registered(d, &url, "a.json", &[]);
    issue_registered(d, &url, "b.json", &[]);

    let report = verify_agreeing(d, &url, &["a.json"]);
    assert_eq!(report["verdict"], "valid");
    assert_eq!(ledger_check(&report)["ok"], true);

    let report = verify_agreeing(d, &url, &["a.json", "--receipt", "b.receipt.json"]);
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(ledger_check(&report)["undecided"], true);
    let other = id_of(&d.join("b.json"));
    assert!(
        ledger_check(&report)["detail"]
            .as_str()
            .unwrap()
            .contains(&other),
        "{report}"
    );

    let mut forged: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("a.receipt.json")).unwrap()).unwrap();
    let checkpoint = forged["checkpoint"].as_str().unwrap().to_owned();
    let root = checkpoint.lines().nth(2).unwrap().to_owned();
    let other_root = format!("{}=", "A".repeat(43));
    assert_ne!(root, other_root);
    forged["checkpoint"] = Value::String(checkpoint.replacen(&root, &other_root, 1));
    std::fs::write(d.join("forged.receipt.json"), forged.to_string()).unwrap();
    let report = verify_agreeing(d, &url, &["a.json", "--receipt", "forged.receipt.json"]);
    assert_eq!(report["verdict"], "invalid");
    assert_eq!(ledger_check(&report)["ok"], false);
    assert!(ledger_check(&report).get("undecided").is_none(), "{report}");

    let list = demo("trust-list.json");
    let run = issue_with_star4_key(
        d,
        &[
            "--level",
            "4",
            "--trust-list",
            list.to_str().unwrap(),
            "--demo",
            "--out",
            "a.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!d.join("a.receipt.json").exists());
    assert!(run.stdout.contains("a.receipt.json"), "{}", run.stdout);
    let report = verify_agreeing(d, &url, &["a.json"]);
    assert!(
        !report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "ledger"),
        "{report}"
    );
    assert_eq!(server.terminate(), 0);
}

/// `scs STATUS-CHANGE CREDENTIAL --key (demo ★4) --registry URL [--reason R]`.
fn change_status(
    d: &Path,
    url: &str,
    change: &str,
    credential: &str,
    reason: &[&str],
) -> common::Run {
    let key = demo("issuer-star4.key");
    let args = [
        &[
            change,
            credential,
            "--key",
            key.to_str().unwrap(),
            "--registry",
            url,
        ],
        reason,
    ]
    .concat();
    scs(d, &args)
}

/// Issue 11 item 3: `scs issue` prints the id of the credential it wrote, and a status change
/// takes the credential file (JSON, QR image or QR text) wherever it takes the id.
#[test]
fn status_changes_take_the_credential_file_or_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    write_subject(d);
    let run = issue_registered(d, &url, "a.json", &["--qr", "a.png"]);
    let id = id_of(&d.join("a.json"));
    assert!(
        run.stdout
            .contains(&format!("証明書ID / credential id: {id}")),
        "{}",
        run.stdout
    );

    let run = change_status(d, &url, "suspend", "a.png", &["--reason", "nonconformity"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("{id}: suspended")),
        "{}",
        run.stdout
    );
    // Issue 11 item 6: a reinstatement gives, by default, the reason of the suspension lifted.
    let run = change_status(d, &url, "reinstate", &id, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, record) = get(&format!("{url}/v1/credentials/{id}"));
    let history = record["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["event"], "reinstated", "{record}");
    assert_eq!(
        history.last().unwrap()["reason"],
        "nonconformity",
        "{record}"
    );
    let run = change_status(d, &url, "reinstate", "a.json", &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.error_line().contains("not suspended"), "{}", run.stderr);
    let run = change_status(d, &url, "revoke", "a.json", &["--reason", "fraud"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("{id}: revoked")),
        "{}",
        run.stdout
    );

    let run = change_status(d, &url, "revoke", "missing.json", &["--reason", "fraud"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.error_line().contains("neither a credential id"),
        "{}",
        run.stderr
    );
    std::fs::write(d.join("notes.txt"), "not a credential").unwrap();
    let run = change_status(d, &url, "revoke", "notes.txt", &["--reason", "fraud"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.error_line().contains("notes.txt"), "{}", run.stderr);
    assert_eq!(server.terminate(), 0);
}
