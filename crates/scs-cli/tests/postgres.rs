//! Issue 14: the real `scs serve --store postgres://…` against a database of its own on the
//! test cluster (scripts/pg-test-cluster.sh): the newcomer's walk-through with the ledger in
//! PostgreSQL, and a second process with an empty data folder serving it all from the database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{free_port, get, DemoServer};
use common::{issue_with_star4_key, repo, scs, write_subject};
use serde_json::Value;

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
    let run = scs(
        d,
        &[
            "log",
            "audit",
            "--registry",
            &url,
            "--demo",
            "--save",
            "cp.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("cred.json")).unwrap()).unwrap();
    let id = credential["id"].as_str().unwrap().to_owned();
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
    let run = scs(
        d,
        &["verify", "cred.json", "--registry", &other.url, "--demo"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = scs(
        d,
        &[
            "log",
            "audit",
            "--registry",
            &other.url,
            "--demo",
            "--since",
            "cp.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("consistent"), "{}", run.stdout);
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
