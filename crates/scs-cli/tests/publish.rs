//! Issue 14 item 5: `scs publish` from the real `scs serve --demo` into a folder served by
//! Debian's nginx (its own config in a temporary folder, a free port, a child process), where
//! `scs verify --registry` and `scs log audit` work as against the registry; a second run
//! writes only what changed; a registry whose log does not extend what was published is
//! refused with nothing replaced. The same mirror in an S3-compatible bucket (moto's server,
//! started by scripts/s3-test-server.sh), read back over plain HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::server::{agent, free_port, get, post, wait_until_ready, DemoServer};
use common::{audit, copy_dir, demo, issue_and_revoke, repo, revoked_status, scs_with_env, Run};
use scs_core::lifecycle::{sign_request, RequestBody};
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{EntryBundle, Tile};

/// Debian's nginx serving `root` on a free port with the repository's mirror configuration
/// (`docs/nginx-mirror.conf`), in the foreground; killed when dropped.
struct Nginx {
    child: Child,
    url: String,
}

impl Nginx {
    fn serve(root: &Path, scratch: &Path) -> Self {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("nginx is needed: scripts/install-debs.sh nginx (scripts/test.sh does)");
        let prefix = scratch.join("nginx");
        std::fs::create_dir_all(&prefix).unwrap();
        let port = free_port();
        let config = format!(
            "daemon off;\nmaster_process off;\nerror_log {p}/error.log;\npid {p}/nginx.pid;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
             \x20 fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
             \x20 server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    include {include};\n  }}\n}}\n",
            p = prefix.display(),
            root = root.display(),
            include = repo().join("docs/nginx-mirror.conf").display(),
        );
        std::fs::write(prefix.join("nginx.conf"), config).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .arg("-e")
            .arg(prefix.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut nginx = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let context = format!("{}/ns/scs/v1", nginx.url);
        wait_until_ready(
            &mut nginx.child,
            "nginx (its error.log is in the test's folder)",
            || get(&context).0 == 200,
        );
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo registry with its data in `dir`, a credential issued there and one revoked (the
/// status list and the log have something to publish).
fn registry_with_a_revocation(dir: &Path) -> DemoServer {
    let server = DemoServer::start(&dir.join("data"), &repo());
    issue_and_revoke(dir, &server.url);
    server
}

/// `scs publish --registry URL --demo --to mirror` in `dir`.
fn publish(dir: &Path, url: &str) -> Run {
    publish_to(dir, url, "mirror", &[])
}

/// `scs publish --registry URL --demo --to TO` in `dir`, with these environment variables.
fn publish_to(dir: &Path, url: &str, to: &str, env: &[(&str, &str)]) -> Run {
    scs_with_env(
        dir,
        &["publish", "--registry", url, "--demo", "--to", to],
        env,
    )
}

/// What a mirror of a log of `size` entries holds, in the API's URL layout: the checkpoint,
/// the trust list, the status lists, the context, and the tile and entry bundle at the edge.
fn mirrored_paths(size: u64) -> Vec<String> {
    let edge = Tile::in_tree(0, size / 256, size).unwrap();
    let bundle = EntryBundle::new(edge.index(), edge.width()).unwrap();
    vec![
        "v1/log/checkpoint".to_owned(),
        "v1/trust-list".to_owned(),
        "v1/status/revocation/0".to_owned(),
        "v1/status/suspension/0".to_owned(),
        "ns/scs/v1".to_owned(),
        format!("v1/log/{}", edge.path()),
        format!("v1/log/{}", bundle.path()),
    ]
}

/// Grows the log of the registry at `url`, of `size` entries, 5 entries past the next tile
/// boundary: how many entries were added.
fn cross_a_tile_boundary(url: &str, size: u64) -> u64 {
    let more = 256 - size % 256 + 5;
    allocate(url, more as usize);
    more
}

/// The numbers of files a publish run says it wrote and skipped.
fn counts(run: &Run) -> (u64, u64) {
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("files:"))
        .unwrap_or_else(|| panic!("no files line: {}", run.stdout));
    let number = |after: &str| -> u64 {
        line.split(after)
            .next()
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    (number(" written"), number(" skipped"))
}

/// The bytes `url` answers with.
fn bytes(url: &str) -> (u16, Vec<u8>, String) {
    let mut answer = agent().get(url).call().unwrap();
    let status = answer.status().as_u16();
    let kind = answer
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, answer.body_mut().read_to_vec().unwrap(), kind)
}

/// Grows the log by `n` entries: status allocations signed with the demo ★4 issuer's key.
fn allocate(url: &str, n: usize) {
    let key = scs_issuer::keyfile::load_secret(&demo("issuer-star4.key"))
        .unwrap()
        .key;
    for _ in 0..n {
        let now = Timestamp::from_unix(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
        )
        .unwrap();
        let nonce = scs_issuer::random_credential_id()
            .to_string()
            .replace("urn:uuid:", "");
        let request = sign_request(&RequestBody::AllocateStatus, &key, now, &nonce).unwrap();
        let (status, answer) = post(&format!("{url}/v1/status-allocations"), &request);
        assert_eq!(status, 201, "{answer}");
    }
}

/// The log size in a checkpoint note.
fn size_of(note: &[u8]) -> u64 {
    String::from_utf8_lossy(note)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_mirror_served_by_nginx_answers_verify_and_audit_and_publishing_is_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = registry_with_a_revocation(d);
    let url = server.url.clone();

    let first = publish(d, &url);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let (written, _) = counts(&first);
    assert!(written > 0, "{}", first.stdout);
    // The API's URL layout, byte for byte.
    let mirror = d.join("mirror");
    let size = size_of(&std::fs::read(mirror.join("v1/log/checkpoint")).unwrap());
    for path in mirrored_paths(size) {
        let served = bytes(&format!("{url}/{path}"));
        assert_eq!(served.0, 200, "{path}");
        assert_eq!(
            std::fs::read(mirror.join(&path)).unwrap(),
            served.1,
            "{path}"
        );
    }

    let nginx = Nginx::serve(&mirror, d);
    // The mirror answers with the API's content types, and has no proof endpoint.
    assert!(bytes(&format!("{}/v1/log/checkpoint", nginx.url))
        .2
        .starts_with("text/plain"));
    assert_eq!(
        bytes(&format!("{}/v1/status/revocation/0", nginx.url)).2,
        "application/vc+ld+json"
    );
    assert_eq!(
        get(&format!(
            "{}/v1/log/proof/consistency?from=1&to=2",
            nginx.url
        ))
        .0,
        404
    );
    let status = revoked_status(d, &nginx.url);
    assert_eq!(status["ok"], false, "{status}");
    assert!(
        status["detail"].as_str().unwrap().starts_with("revoked"),
        "{status}"
    );
    let audited = audit(d, &nginx.url, "--save");
    assert_eq!(audited.code, 0, "{}{}", audited.stdout, audited.stderr);

    // Past a tile boundary: full tiles and bundles appear, their partial ones go.
    let before = size_of(&std::fs::read(mirror.join("v1/log/checkpoint")).unwrap());
    let more = cross_a_tile_boundary(&url, before);
    let second = publish(d, &url);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let (written, skipped) = counts(&second);
    assert!(written > 0 && skipped > 0, "{}", second.stdout);
    let after = size_of(&std::fs::read(mirror.join("v1/log/checkpoint")).unwrap());
    assert_eq!(after, before + more);
    let full_index = format!("{:03}", before / 256);
    assert!(mirror.join(format!("v1/log/tile/0/{full_index}")).is_file());
    assert!(mirror
        .join(format!("v1/log/tile/entries/{full_index}"))
        .is_file());
    assert!(!mirror
        .join(format!("v1/log/tile/0/{full_index}.p"))
        .exists());
    assert!(!mirror
        .join(format!("v1/log/tile/entries/{full_index}.p"))
        .exists());
    let audited = audit(d, &nginx.url, "--since");
    assert_eq!(audited.code, 0, "{}{}", audited.stdout, audited.stderr);
    assert!(
        audited.stdout.contains(&format!("size {before} → {after}")),
        "{}",
        audited.stdout
    );
    // Nothing changed: nothing written.
    let third = publish(d, &url);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(counts(&third).0, 0, "{}", third.stdout);

    // Another log under the same keys and origin (a fork: another demo claiming this one's
    // address): refused, nothing replaced.
    let published = std::fs::read(mirror.join("v1/log/checkpoint")).unwrap();
    let fork = DemoServer::start_with(
        &d.join("fork"),
        &repo(),
        free_port(),
        &["--public-url", &url],
    );
    let forked = size_of(&bytes(&format!("{}/v1/log/checkpoint", fork.url)).1);
    allocate(&fork.url, (after + 1).saturating_sub(forked) as usize);
    let refused = publish(d, &fork.url);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stdout.contains("NOT consistent")
            && refused.stdout.contains("nothing published was replaced"),
        "{}",
        refused.stdout
    );
    assert_eq!(
        std::fs::read(mirror.join("v1/log/checkpoint")).unwrap(),
        published
    );
    drop(nginx);
    assert_eq!(fork.terminate(), 0);
    assert_eq!(server.terminate(), 0);
}

/// A command running in the background, killed when dropped.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Found in review: two runs into one folder at once (cron runs that overlap) could put the
/// older run's status lists back over the newer one's — a revoked credential shown as not
/// revoked. A run holds the folder's lock from before it reads the registry until it ends; a
/// second run meanwhile stops at once with nothing written, and a killed run leaves no lock.
#[test]
fn a_second_publish_into_a_folder_stops_while_one_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    let mirror = d.join("mirror");
    let lock_file = mirror.join(".scs-publish.lock");

    // A run that waits on a registry that never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let mut command = Command::new(env!("CARGO_BIN_EXE_scs"));
    for name in common::SETTINGS_ENV {
        command.env_remove(name);
    }
    let mut running = Background(
        command
            .args([
                "publish",
                "--registry",
                &silent_url,
                "--demo",
                "--to",
                "mirror",
            ])
            .current_dir(d)
            .env("HOME", d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let held = || std::fs::File::open(&lock_file).is_ok_and(|file| file.try_lock().is_err());
    wait_until_ready(&mut running.0, "the first scs publish", held);

    let refused = publish(d, &url);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .error_line()
            .contains("another scs publish is writing into"),
        "{}",
        refused.stderr
    );
    let written: Vec<_> = std::fs::read_dir(&mirror)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written, [".scs-publish.lock"]);

    // Killed, the first run holds nothing: the next one publishes.
    drop(running);
    let published = publish(d, &url);
    assert_eq!(
        published.code, 0,
        "{}{}",
        published.stdout, published.stderr
    );
    assert!(mirror.join("v1/log/checkpoint").is_file());
    assert_eq!(server.terminate(), 0);
}

/// `signed` (a signed JSON document) edited by `edit` and signed again by `key`.
fn resigned(
    signed: &[u8],
    key: &scs_core::keys::SecretKey,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Vec<u8> {
    let mut document: serde_json::Value = serde_json::from_slice(signed).unwrap();
    document.as_object_mut().unwrap().remove("proof");
    edit(&mut document);
    let signed = scs_core::proof::sign(
        document,
        key,
        Timestamp::from_unix(1_800_000_000).unwrap(),
        scs_core::proof::ProofPurpose::AssertionMethod,
        serde_json::Map::new(),
    )
    .unwrap();
    serde_json::to_vec(&signed).unwrap()
}

/// `validFrom` of a signed document moved by `seconds`.
fn shift_valid_from(document: &mut serde_json::Value, seconds: i64) {
    let from = Timestamp::parse(document["validFrom"].as_str().unwrap()).unwrap();
    let shifted = Timestamp::from_unix(from.unix() + seconds).unwrap();
    document["validFrom"] = shifted.to_string().into();
}

/// Found in review: a run that read the registry before a revocation could write its status
/// lists over those a later run published (runs into a bucket are not locked), and the mirror
/// showed the credential as not revoked. A status list signed later than the one fetched, or a
/// trust list of a higher sequence, is kept; an earlier status list is replaced.
#[test]
fn a_publish_never_puts_an_older_status_list_or_trust_list_over_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = registry_with_a_revocation(d);
    let url = server.url.clone();
    let first = publish(d, &url);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let mirror = d.join("mirror");
    let list = mirror.join("v1/status/revocation/0");
    let trust_list = mirror.join("v1/trust-list");
    let fetched_list = std::fs::read(&list).unwrap();
    let status_key = scs_issuer::keyfile::load_secret(&demo("registry-status.key"))
        .unwrap()
        .key;
    let operator_key = scs_issuer::keyfile::load_secret(&demo("operator.key"))
        .unwrap()
        .key;

    // What a run that read the registry later would have published.
    let later_list = resigned(&fetched_list, &status_key, |list| {
        shift_valid_from(list, 60);
    });
    let later_trust_list = resigned(&std::fs::read(&trust_list).unwrap(), &operator_key, |t| {
        let sequence = t["credentialSubject"]["sequence"].as_u64().unwrap();
        t["credentialSubject"]["sequence"] = (sequence + 1).into();
    });
    std::fs::write(&list, &later_list).unwrap();
    std::fs::write(&trust_list, &later_trust_list).unwrap();
    let kept = publish(d, &url);
    assert_eq!(kept.code, 0, "{}{}", kept.stdout, kept.stderr);
    assert_eq!(std::fs::read(&list).unwrap(), later_list);
    assert_eq!(std::fs::read(&trust_list).unwrap(), later_trust_list);
    assert_eq!(
        kept.stdout
            .matches("the mirror holds a later edition")
            .count(),
        2,
        "{}",
        kept.stdout
    );

    // An earlier one is the registry's to replace.
    let earlier_list = resigned(&fetched_list, &status_key, |list| {
        shift_valid_from(list, -60);
    });
    std::fs::write(&list, &earlier_list).unwrap();
    let replaced = publish(d, &url);
    assert_eq!(replaced.code, 0, "{}{}", replaced.stdout, replaced.stderr);
    assert_eq!(std::fs::read(&list).unwrap(), fetched_list);
    assert_eq!(server.terminate(), 0);
}

/// The number of superseded partial tiles a publish run says it removed.
fn partials_removed(run: &Run) -> u64 {
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("superseded partial tiles removed"))
        .unwrap_or_else(|| panic!("no files line: {}", run.stdout));
    let before = line
        .split(" superseded partial tiles removed")
        .next()
        .unwrap();
    before.split_whitespace().last().unwrap().parse().unwrap()
}

/// Found in review: partial tiles were removed from the range between the checkpoint a run
/// started from and the one it wrote, so those of a run that stopped after writing its
/// checkpoint and before removing them were never removed: the next run found the checkpoint
/// already at the new size. (A run now removes them before its checkpoint; mirrors that earlier
/// runs left so remain.) The partials superseded at the edge of the published tree are removed
/// by every run.
#[test]
fn partial_tiles_a_run_left_behind_are_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    let first = publish(d, &url);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let mirror = d.join("mirror");
    let size = size_of(&std::fs::read(mirror.join("v1/log/checkpoint")).unwrap());
    let index = format!("{:03}", size / 256);
    let partials = [
        mirror.join(format!("v1/log/tile/0/{index}.p")),
        mirror.join(format!("v1/log/tile/entries/{index}.p")),
    ];
    let saved = d.join("saved");
    for (n, partial) in partials.iter().enumerate() {
        assert!(partial.is_dir(), "{}", partial.display());
        copy_dir(partial, &saved.join(n.to_string()));
    }

    // A run past a tile boundary that stopped after writing its checkpoint, before removing
    // the partials it superseded.
    cross_a_tile_boundary(&url, size);
    let second = publish(d, &url);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    for (n, partial) in partials.iter().enumerate() {
        assert!(!partial.exists());
        copy_dir(&saved.join(n.to_string()), partial);
    }

    let next = publish(d, &url);
    assert_eq!(next.code, 0, "{}{}", next.stdout, next.stderr);
    assert_eq!(partials_removed(&next), 2, "{}", next.stdout);
    for partial in &partials {
        assert!(!partial.exists(), "{}", partial.display());
    }
    assert_eq!(server.terminate(), 0);
}

/// The S3-compatible test server's URL (`SCS_TEST_S3`, set by scripts/s3-test-server.sh);
/// `None` when it is `skip`. Fails the test when it is not set: never passes without running.
fn s3_server() -> Option<String> {
    match std::env::var("SCS_TEST_S3") {
        Ok(value) if value == "skip" => {
            eprintln!("SCS_TEST_S3=skip: the S3 publishing test did not run");
            None
        }
        Ok(value) => Some(value.trim_end_matches('/').to_owned()),
        Err(_) => panic!(
            "SCS_TEST_S3 is not set: the S3 publishing test needs an S3-compatible server. Run \
             it through scripts/s3-test-server.sh (scripts/test.sh does), e.g. \
             `scripts/s3-test-server.sh cargo test -p scs-cli --test publish`, or set \
             SCS_TEST_S3=skip to skip it knowingly"
        ),
    }
}

/// The secret key the bucket's client is given: it must never be printed.
const SECRET: &str = "scs-test-secret-never-printed";

#[test]
fn a_mirror_in_an_s3_bucket_answers_verify_and_audit_and_publishing_is_incremental() {
    let Some(s3) = s3_server() else {
        return;
    };
    let bucket = format!("scs-mirror-{}", std::process::id());
    // Anyone may read a mirror's bucket (moto takes this request unsigned).
    let created = agent()
        .put(format!("{s3}/{bucket}"))
        .header("x-amz-acl", "public-read")
        .send_empty()
        .unwrap();
    assert_eq!(created.status(), 200);
    let env = [
        ("AWS_ACCESS_KEY_ID", "scs-test"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", "ap-northeast-1"),
        ("AWS_ENDPOINT_URL", s3.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
    ];
    let to = format!("s3://{bucket}/registry");
    let mirror = format!("{s3}/{bucket}/registry");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = registry_with_a_revocation(d);
    let url = server.url.clone();

    let first = publish_to(d, &url, &to, &env);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(counts(&first).0 > 0, "{}", first.stdout);
    assert!(first.stdout.contains(&to), "{}", first.stdout);
    assert!(!format!("{}{}", first.stdout, first.stderr).contains(SECRET));
    // The API's URL layout byte for byte, with the API's content types and cache lifetimes.
    let size = size_of(&bytes(&format!("{mirror}/v1/log/checkpoint")).1);
    for path in mirrored_paths(size) {
        let served = bytes(&format!("{url}/{path}"));
        let mirrored = bytes(&format!("{mirror}/{path}"));
        assert_eq!((mirrored.0, &mirrored.1), (200, &served.1), "{path}");
        let expected = match path.as_str() {
            "v1/log/checkpoint" => "text/plain; charset=utf-8",
            "v1/trust-list" => "application/json",
            "ns/scs/v1" => "application/ld+json",
            status if status.starts_with("v1/status/") => "application/vc+ld+json",
            _ => "application/octet-stream",
        };
        assert_eq!(mirrored.2, expected, "{path}");
    }
    let checkpoint = agent()
        .get(format!("{mirror}/v1/log/checkpoint"))
        .call()
        .unwrap();
    assert_eq!(checkpoint.headers()["cache-control"], "no-store");
    let status = revoked_status(d, &mirror);
    assert!(
        status["detail"].as_str().unwrap().starts_with("revoked"),
        "{status}"
    );
    let audited = audit(d, &mirror, "--save");
    assert_eq!(audited.code, 0, "{}{}", audited.stdout, audited.stderr);

    // Past a tile boundary: only what changed is written; partial tiles a full one supersedes
    // are deleted from the bucket.
    let more = cross_a_tile_boundary(&url, size);
    let second = publish_to(d, &url, &to, &env);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let (written, skipped) = counts(&second);
    assert!(written > 0 && skipped > 0, "{}", second.stdout);
    let after = size_of(&bytes(&format!("{mirror}/v1/log/checkpoint")).1);
    assert_eq!(after, size + more);
    let full = format!("{:03}", size / 256);
    let partial = size % 256;
    for (path, found) in [
        (format!("tile/0/{full}"), 200),
        (format!("tile/entries/{full}"), 200),
        (format!("tile/0/{full}.p/{partial}"), 404),
        (format!("tile/entries/{full}.p/{partial}"), 404),
    ] {
        assert_eq!(bytes(&format!("{mirror}/v1/log/{path}")).0, found, "{path}");
    }
    let audited = audit(d, &mirror, "--since");
    assert_eq!(audited.code, 0, "{}{}", audited.stdout, audited.stderr);
    assert!(
        audited.stdout.contains(&format!("size {size} → {after}")),
        "{}",
        audited.stdout
    );
    let third = publish_to(d, &url, &to, &env);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(counts(&third).0, 0, "{}", third.stdout);
    assert_eq!(server.terminate(), 0);
}
