//! Issue 14 item 6 (backups): `scs backup` of the real `scs serve --demo`, `scs restore` into a
//! new data folder, and a registry served from it with the same keys: the same checkpoint, the
//! same verdicts. A backup altered anywhere is refused, and nothing is restored from it. The
//! same into an empty PostgreSQL database on the test cluster (scripts/pg-test-cluster.sh),
//! served by `scs serve --store postgres://…`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::server::{agent, free_port, DemoServer};
use common::{issue_and_revoke, repo, revoked_status, scs, Run};

fn checkpoint(url: &str) -> Vec<u8> {
    agent()
        .get(format!("{url}/v1/log/checkpoint"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap()
}

fn restore(dir: &Path, from: &str, data: &str) -> Run {
    scs(dir, &["restore", "--from", from, "--data", data, "--demo"])
}

fn restore_into(dir: &Path, from: &str, data: &str, database: &str) -> Run {
    scs(
        dir,
        &[
            "restore", "--from", from, "--data", data, "--store", database, "--demo",
        ],
    )
}

/// `scs backup` of a demo registry (one credential issued and revoked) into
/// `registry.scsbak` in `d`, taken while it runs: the checkpoint it served.
fn back_up_a_registry(d: &Path) -> Vec<u8> {
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    issue_and_revoke(d, &url);

    // Taken while the registry runs.
    let backup = scs(
        d,
        &[
            "backup",
            "--registry",
            &url,
            "--demo",
            "--to",
            "registry.scsbak",
        ],
    );
    assert_eq!(backup.code, 0, "{}{}", backup.stdout, backup.stderr);
    assert!(
        backup.stdout.contains("NOT in the backup"),
        "{}",
        backup.stdout
    );
    let served = checkpoint(&url);
    assert_eq!(server.terminate(), 0);
    served
}

/// The restored registry serves the backup's checkpoint and the revocation in it.
fn serves_the_backup(d: &Path, url: &str, served: &[u8]) {
    assert_eq!(checkpoint(url), served);
    let status = revoked_status(d, url);
    assert_eq!(status["detail"], "revoked (reason: fraud)");
}

#[test]
fn a_restored_backup_serves_the_same_checkpoint_and_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let served = back_up_a_registry(d);

    let restored = restore(d, "registry.scsbak", "restored");
    assert_eq!(restored.code, 0, "{}{}", restored.stdout, restored.stderr);
    assert!(restored.stdout.contains("replayed"), "{}", restored.stdout);
    assert!(
        restored.stdout.contains("--status-key"),
        "{}",
        restored.stdout
    );
    assert!(d.join("restored/trust-list.json").is_file());
    let again = DemoServer::start(&d.join("restored"), &repo());
    serves_the_backup(d, &again.url, &served);
    assert_eq!(again.terminate(), 0);

    // Never over a log, nor beside another log's indexes.
    let over = restore(d, "registry.scsbak", "restored");
    assert_eq!(over.code, 2);
    assert!(
        over.error_line().contains("already exists"),
        "{}",
        over.stderr
    );
    std::fs::create_dir_all(d.join("stale/index")).unwrap();
    let beside = restore(d, "registry.scsbak", "stale");
    assert_eq!(beside.code, 2);
    assert!(beside.error_line().contains("index"), "{}", beside.stderr);
    assert!(!d.join("stale/log").exists());

    for (name, _) in altered_backups(d) {
        let target = format!("from-{name}");
        let refused = restore(d, &format!("{name}.scsbak"), &target);
        assert_eq!(refused.code, 2, "{name}: {}", refused.stdout);
        refused.error_line();
        assert!(
            !d.join(&target).join("log/entries.bin").exists(),
            "{name}: nothing restored"
        );
    }
}

/// `registry.scsbak` in `d` altered: one byte of the last entry, of the checkpoint, the file
/// cut short, a byte added; each written as `NAME.scsbak`.
fn altered_backups(d: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let original = std::fs::read(d.join("registry.scsbak")).unwrap();
    let header = b"SCS-BACKUP 1\n".len() + 4;
    let mut last_entry = original.clone();
    *last_entry.last_mut().unwrap() ^= 1;
    let mut checkpoint_byte = original.clone();
    checkpoint_byte[header + 30] ^= 1;
    let cut = original[..original.len() - 1].to_vec();
    let longer = [original.as_slice(), &[0, 0]].concat();
    let altered = vec![
        ("entry", last_entry),
        ("checkpoint", checkpoint_byte),
        ("cut", cut),
        ("longer", longer),
    ];
    for (name, bytes) in &altered {
        std::fs::write(d.join(format!("{name}.scsbak")), bytes).unwrap();
    }
    altered
}

#[test]
fn a_backup_restored_into_an_empty_postgres_database_serves_the_same_checkpoint_and_verdicts() {
    let Some(database) = scs_ledger::test_support::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let served = back_up_a_registry(d);

    // An altered backup writes nothing: the database stays empty, and takes the whole one.
    for (name, _) in altered_backups(d) {
        let refused = restore_into(d, &format!("{name}.scsbak"), "pg-data", &database);
        assert_eq!(refused.code, 2, "{name}: {}", refused.stdout);
        refused.error_line();
    }
    let restored = restore_into(d, "registry.scsbak", "pg-data", &database);
    assert_eq!(restored.code, 0, "{}{}", restored.stdout, restored.stderr);
    assert!(restored.stdout.contains("replayed"), "{}", restored.stdout);
    assert!(
        restored.stdout.contains("--store postgres://…") && !restored.stdout.contains(&database),
        "{}",
        restored.stdout
    );
    let flags = ["--store", database.as_str()];
    let again = DemoServer::start_with(&d.join("pg-data"), &repo(), free_port(), &flags);
    serves_the_backup(d, &again.url, &served);

    // Never over a data folder in use (found in review: its trust list was overwritten), nor
    // while a registry writes to the database, nor over the log it holds.
    let refused = |data: &str, why: &str| {
        let run = restore_into(d, "registry.scsbak", data, &database);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(run.error_line().contains(why), "{}", run.stderr);
    };
    refused("pg-data", "trust-list.json already exists");
    refused("pg-data-2", "sequencer lease");
    assert_eq!(again.terminate(), 0);
    refused("pg-data-3", "already holds");
}
