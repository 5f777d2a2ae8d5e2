//! Issue 14: the real `scs serve --store postgres://…` against a database of its own on the
//! test cluster (scripts/pg-test-cluster.sh): the newcomer's walk-through with the ledger in
//! PostgreSQL, and a second process with an empty data folder serving it all from the database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::server::{free_port, get, DemoServer};
use common::{audit, issue_with_star4_key, repo, scs, write_subject};
use serde_json::Value;

/// `scs issue --level 4 --registry URL --out OUT` with the demo ★4 key.
fn issue_at(d: &Path, url: &str, out: &str) -> common::Run {
    issue_with_star4_key(
        d,
        &["--level", "4", "--registry", url, "--demo", "--out", out],
    )
}

/// `scs verify CREDENTIAL --registry URL` passes, and `scs log audit --since cp.txt` finds the
/// registry's log consistent with the checkpoint saved there.
fn verifies_and_audits(d: &Path, url: &str, credential: &str) {
    let run = scs(d, &["verify", credential, "--registry", url, "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = audit(d, url, "--since");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("consistent"), "{}", run.stdout);
}

/// The `id` of the credential in `path`.
fn id_of(path: &Path) -> String {
    let credential: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    credential["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_registry_on_postgres_serves_issue_verify_and_audit_from_the_database_alone() {
    let Some(store) = scs_ledger::test_support::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let flags = ["--store", store.as_str()];
    let server = DemoServer::start_with(&d.join("data"), &repo(), free_port(), &flags);
    let url = server.url.clone();
    write_subject(d);
    let run = issue_with_star4_key(
        d,
        &[
            "--level",
            "4",
            "--registry",
            &url,
            "--demo",
            "--out",
            "cred.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(d, &["verify", "cred.json", "--registry", &url, "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("✓ 台帳 Ledger"), "{}", run.stdout);
    let run = audit(d, &url, "--save");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let id = id_of(&d.join("cred.json"));
    let (status, record) = get(&format!("{url}/v1/credentials/{id}"));
    assert_eq!(status, 200);
    let (_, health) = get(&format!("{url}/v1/health"));
    assert_eq!(server.terminate(), 0, "graceful shutdown on SIGTERM");
    assert!(
        !d.join("data/log").exists() && !d.join("data/index").exists(),
        "no ledger file in the data folder"
    );

    // Another process, another (empty) data folder, the same database: everything is there.
    let other = DemoServer::start_with(&d.join("elsewhere"), &repo(), free_port(), &flags);
    assert_eq!(get(&format!("{}/v1/health", other.url)).1, health);
    assert_eq!(
        get(&format!("{}/v1/credentials/{id}", other.url)),
        (200, record)
    );
    verifies_and_audits(d, &other.url, "cred.json");
    assert_eq!(other.terminate(), 0);
}

#[test]
fn a_store_that_is_neither_sled_nor_postgres_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = scs(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--store",
            "mysql://x",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("--store"), "{}", run.stderr);
}

#[test]
fn a_database_that_does_not_answer_stops_the_start_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there.
    let store = format!("postgres://scs@127.0.0.1:{}/none", free_port());
    let run = scs(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--store",
            &store,
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("PostgreSQL"), "{}", run.stderr);
}

/// A folder with the subject file and two registries (data in it) on one new database, started
/// one after the other (the first takes the lease), and the database's URL; `None` when
/// PostgreSQL tests are skipped knowingly.
fn two_registries() -> Option<(tempfile::TempDir, String, DemoServer, DemoServer)> {
    let store = scs_ledger::test_support::fresh_database()?;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let flags = ["--store", store.as_str()];
    let first = DemoServer::start_with(&d.join("first"), &repo(), free_port(), &flags);
    let second = DemoServer::start_with(&d.join("second"), &repo(), free_port(), &flags);
    write_subject(d);
    Some((dir, store, first, second))
}

/// [`two_registries`], the first having registered `one.json` and the checkpoint saved
/// (`cp.txt`) for `scs log audit --since`.
fn two_registries_after_a_write() -> Option<(tempfile::TempDir, String, DemoServer, DemoServer)> {
    let (dir, store, first, second) = two_registries()?;
    let d = dir.path();
    assert_eq!(issue_at(d, &first.url, "one.json").code, 0);
    let run = audit(d, &first.url, "--save");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    Some((dir, store, first, second))
}

/// `psql STORE -qAtc SQL` succeeded; what it printed.
fn psql(store: &str, sql: &str) -> String {
    let run = std::process::Command::new("psql")
        .args([store, "-qAtc", sql])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).trim().to_owned()
}

/// Issue 14 items 2 and 4: two registries on one database. The first holds the sequencer lease
/// and writes; the second serves what it writes and refuses writes; SIGKILL the writer and the
/// second takes the lease within 10 s and goes on from the last durable entry: what was
/// acknowledged is there, and the log audits from the checkpoint seen before the kill.
#[test]
fn a_standby_follows_the_writer_and_takes_over_when_it_is_killed() {
    let Some((dir, _, writer, standby)) = two_registries() else {
        return;
    };
    let d = dir.path();
    let run = issue_at(d, &writer.url, "before.json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = id_of(&d.join("before.json"));
    let run = audit(d, &writer.url, "--save");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (_, record) = get(&format!("{}/v1/credentials/{id}", writer.url));

    // The standby follows within a poll or two, and refuses writes: it holds no lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&format!("{}/v1/credentials/{id}", standby.url)).0 != 200 {
        assert!(Instant::now() < deadline, "the standby never saw the write");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        get(&format!("{}/v1/credentials/{id}", standby.url)).1,
        record
    );
    let run = issue_at(d, &standby.url, "refused.json");
    assert_eq!(run.code, 2, "a standby takes no write: {}", run.stdout);

    writer.kill();
    let killed = Instant::now();
    let took_over = loop {
        let run = issue_at(d, &standby.url, "after.json");
        if run.code == 0 {
            break killed.elapsed();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "no takeover within 10 s: {}",
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!("the standby took writes {took_over:?} after the writer's SIGKILL");
    assert_eq!(
        get(&format!("{}/v1/credentials/{id}", standby.url)),
        (200, record),
        "what was acknowledged before the kill"
    );
    verifies_and_audits(d, &standby.url, "after.json");
    assert_eq!(standby.terminate(), 0);
}

/// A writer whose lease connection the database ended (a restart, an administrator, a network
/// cut) stops writing and stands by; the other process takes the lease and the writes; the first
/// then follows it. Never two writers.
#[test]
fn a_writer_that_loses_its_lease_stands_by_and_the_other_takes_over() {
    let Some((dir, store, first, second)) = two_registries_after_a_write() else {
        return;
    };
    let d = dir.path();

    // End the session that holds the advisory lock (the lease), as a database restart would.
    // This test's database only: the other tests' registries, on their own databases of the
    // same cluster, hold leases of their own.
    let ended = psql(
        &store,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
         WHERE locktype = 'advisory' AND granted AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    assert_eq!(ended, "1");
    let deadline = Instant::now() + Duration::from_secs(10);
    while issue_at(d, &second.url, "two.json").code != 0 {
        assert!(Instant::now() < deadline, "the second never took over");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        issue_at(d, &first.url, "refused.json").code,
        2,
        "the first writes no more"
    );
    let id = id_of(&d.join("two.json"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&format!("{}/v1/credentials/{id}", first.url)).0 != 200 {
        assert!(Instant::now() < deadline, "the first does not follow");
        std::thread::sleep(Duration::from_millis(200));
    }
    verifies_and_audits(d, &first.url, "two.json");
    assert_eq!(first.terminate(), 0);
    assert_eq!(second.terminate(), 0);
}

/// Found in review: a writer that a failing store stopped gives the lease up rather than hold it
/// and refuse every write until restarted; once the store works again, a registry takes the
/// lease and writes go on.
#[test]
fn a_writer_stopped_by_a_failure_gives_up_the_lease_and_writes_resume() {
    let Some((dir, store, first, second)) = two_registries_after_a_write() else {
        return;
    };
    let d = dir.path();
    // Every new index row is refused: the writer's next batch fails, and the writer stops.
    psql(
        &store,
        "ALTER TABLE index_kv ADD CONSTRAINT refuse_all CHECK (false) NOT VALID",
    );
    assert_ne!(issue_at(d, &first.url, "failed.json").code, 0);
    psql(&store, "ALTER TABLE index_kv DROP CONSTRAINT refuse_all");
    // A poll to give the lease up and one to take it, on two busy cores: 20 s of room.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut turn = 0;
    let written = loop {
        let url = [&first.url, &second.url][turn % 2];
        if issue_at(d, url, "two.json").code == 0 {
            break url.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no registry took the writes over"
        );
        turn += 1;
        std::thread::sleep(Duration::from_millis(200));
    };
    verifies_and_audits(d, &written, "two.json");
    assert_eq!(first.terminate(), 0);
    assert_eq!(second.terminate(), 0);
}

/// Issue 14 item 4: writes to both registries from several clients at once; SIGKILL the writer
/// in the middle; the standby takes over, and every registration and revocation either
/// registry acknowledged — before, during and after the kill — is there, and the log audits
/// from the last checkpoint seen before the kill.
#[test]
fn no_acknowledged_write_is_lost_when_the_writer_is_killed_mid_burst() {
    let Some((dir, _, writer, standby)) = two_registries() else {
        return;
    };
    let d = dir.path();
    let urls = [writer.url.clone(), standby.url.clone()];
    let stop = std::sync::atomic::AtomicBool::new(false);
    let acknowledged = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for client in 0..4 {
            let (urls, stop, acknowledged) = (&urls, &stop, &acknowledged);
            scope.spawn(move || {
                for round in 0..200 {
                    if stop.load(std::sync::atomic::Ordering::Acquire) {
                        return;
                    }
                    let url = &urls[(client + round) % 2];
                    let out = format!("c{client}-{round}.json");
                    if issue_at(d, url, &out).code != 0 {
                        continue;
                    }
                    let id = id_of(&d.join(&out));
                    let revoked = round % 3 == 0 && common::revoke_for_fraud(d, &id, url).code == 0;
                    acknowledged.lock().unwrap().push((id, revoked));
                }
            });
        }
        // Let the burst run, save the checkpoint the writer shows, then kill it mid-burst.
        std::thread::sleep(Duration::from_secs(3));
        let run = audit(d, &urls[0], "--save");
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        writer.kill();
        let killed = Instant::now();
        let before = acknowledged.lock().unwrap().len();
        while acknowledged.lock().unwrap().len() < before + 4 {
            assert!(
                killed.elapsed() < Duration::from_secs(30),
                "no write acknowledged after the kill"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        stop.store(true, std::sync::atomic::Ordering::Release);
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(acknowledged.len() >= 8, "{} writes", acknowledged.len());
    eprintln!(
        "{} registrations acknowledged, {} of them revoked, all kept",
        acknowledged.len(),
        acknowledged.iter().filter(|(_, revoked)| *revoked).count()
    );
    for (id, revoked) in &acknowledged {
        let (status, record) = get(&format!("{}/v1/credentials/{id}", standby.url));
        assert_eq!(status, 200, "{id} was acknowledged");
        if *revoked {
            assert_eq!(record["status"]["state"], "revoked", "{id}");
        }
    }
    let run = audit(d, &standby.url, "--since");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(standby.terminate(), 0);
}
