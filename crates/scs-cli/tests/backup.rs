//! Issue 14 item 6 (backups): `scs backup` of the real `scs serve --demo`, `scs restore` into a
//! new data folder, and a registry served from it with the same keys: the same checkpoint, the
//! same verdicts. A backup altered anywhere is refused, and nothing is restored from it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::server::{agent, DemoServer};
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

#[test]
fn a_restored_backup_serves_the_same_checkpoint_and_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
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
    assert_eq!(checkpoint(&again.url), served);
    let status = revoked_status(d, &again.url);
    assert_eq!(status["detail"], "revoked (reason: fraud)");
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

    // Altered: one byte of the last entry, of the checkpoint, the file cut short, a byte added.
    let original = std::fs::read(d.join("registry.scsbak")).unwrap();
    let header = b"SCS-BACKUP 1\n".len() + 4;
    let mut last_entry = original.clone();
    *last_entry.last_mut().unwrap() ^= 1;
    let mut checkpoint_byte = original.clone();
    checkpoint_byte[header + 30] ^= 1;
    let cut = original[..original.len() - 1].to_vec();
    let longer = [original.as_slice(), &[0, 0]].concat();
    for (name, bytes) in [
        ("entry", last_entry),
        ("checkpoint", checkpoint_byte),
        ("cut", cut),
        ("longer", longer),
    ] {
        let file = format!("{name}.scsbak");
        std::fs::write(d.join(&file), bytes).unwrap();
        let target = format!("from-{name}");
        let refused = restore(d, &file, &target);
        assert_eq!(refused.code, 2, "{name}: {}", refused.stdout);
        refused.error_line();
        assert!(
            !d.join(&target).join("log/entries.bin").exists(),
            "{name}: nothing restored"
        );
    }
}
