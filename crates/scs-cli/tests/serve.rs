//! The start of the real `scs serve` as a newcomer sees it: the banner, the log written to a
//! file, a busy port, a data folder that belongs to another registry, the address a demo prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::repo;
use common::server::{free_port, get, DemoServer};

/// What a run of `scs serve` showed until it was stopped.
struct Shown {
    /// The URL the banner names: the first `http://…` on stdout.
    url: String,
    stdout: String,
    stderr: String,
}

/// Collects everything `from` writes, in a thread, so that a full pipe never blocks the server.
fn collect(
    mut from: impl Read + Send + 'static,
) -> (Arc<Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
    let text = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&text);
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = from.read(&mut buffer) {
            sink.lock().unwrap().extend_from_slice(&buffer[..n]);
        }
    });
    (text, reader)
}

fn text(bytes: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&bytes.lock().unwrap()).into_owned()
}

/// Runs `scs serve ARGS` in the repository root with stdout and stderr piped (as when they are
/// redirected to files), reads the URL from the banner as the README's reader does (the first
/// `http://` on stdout, up to white space), waits until it answers, and stops it with SIGTERM.
fn serve_and_stop(args: &[&str]) -> Shown {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scs"))
        .arg("serve")
        .args(args)
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, out_reader) = collect(child.stdout.take().unwrap());
    let (stderr, err_reader) = collect(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let shown = text(&stdout);
        if let Some(at) = shown.find("http://") {
            let rest = &shown[at..];
            if let Some(end) = rest.find(char::is_whitespace) {
                break rest[..end].to_owned();
            }
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("no URL on stdout:\n{shown}\n{}", text(&stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let health = ureq::get(&format!("{url}v1/health")).call();
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let code = child.wait().unwrap().code();
    out_reader.join().unwrap();
    err_reader.join().unwrap();
    let shown = Shown {
        url,
        stdout: text(&stdout),
        stderr: text(&stderr),
    };
    assert!(
        health.is_ok(),
        "{} does not answer:\n{}\n{}",
        shown.url,
        shown.stdout,
        shown.stderr
    );
    assert_eq!(code, Some(0), "graceful stop:\n{}", shown.stderr);
    shown
}

fn demo_on_port_zero(data: &Path) -> Shown {
    serve_and_stop(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
    ])
}

/// Issue 11: "log lines keep colour codes when written to a file".
#[test]
fn a_log_written_to_a_file_has_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let shown = demo_on_port_zero(&dir.path().join("data"));
    assert!(shown.stderr.contains("listening"), "{}", shown.stderr);
    assert!(
        !shown.stderr.contains("\x1b["),
        "colour codes in a piped log:\n{}",
        shown.stderr
    );
}

/// Issue 11: a second `serve` on a busy port printed the OS error twice, gave no hint and had
/// already seeded a demo ledger into its data folder.
#[test]
fn a_busy_port_is_one_error_line_with_the_next_port_and_the_data_folder_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let run = common::scs(
        &repo(),
        &[
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let line = run.error_line();
    assert!(
        line.contains(&format!("--listen 127.0.0.1:{}", port + 1)),
        "{line}"
    );
    assert!(line.contains("使用中"), "{line}");
    assert_eq!(line.matches("os error").count(), 1, "{line}");
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "only the error:\n{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(!data.exists(), "the data folder is not created");
    drop(held);
}

/// Issue 11: "the start-up log says `log_size=1` while the banner says 76 entries".
#[test]
fn the_log_and_the_banner_agree_on_the_log_size() {
    let dir = tempfile::tempdir().unwrap();
    let shown = demo_on_port_zero(&dir.path().join("data"));
    let number_after = |text: &str, label: &str| -> Vec<u64> {
        text.match_indices(label)
            .map(|(at, _)| {
                let digits: String = text[at + label.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse().unwrap()
            })
            .collect()
    };
    let banner = number_after(&shown.stdout, "台帳: ");
    assert_eq!(banner.len(), 1, "{}", shown.stdout);
    assert!(banner[0] > 1, "the demo ledger is seeded: {}", shown.stdout);
    let logged = number_after(&shown.stderr, "log_size=");
    assert!(!logged.is_empty(), "{}", shown.stderr);
    assert!(
        logged.iter().all(|&size| size == banner[0]),
        "log {logged:?}, banner {banner:?}:\n{}",
        shown.stderr
    );
}

/// Issue 11: the banner says which URL to open (the one bound, with `--listen 127.0.0.1:0`),
/// where the data is, that the demo keys are not for real use, and how to stop.
#[test]
fn the_demo_banner_names_the_bound_url_the_data_the_demo_keys_and_how_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let shown = demo_on_port_zero(&data);
    let port = shown
        .url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{}", shown.url));
    assert_ne!(port.parse::<u16>().unwrap(), 0);
    for needed in [
        data.to_str().unwrap(),
        "not for real use",
        "実運用には使えません",
        "Ctrl+C",
    ] {
        assert!(shown.stdout.contains(needed), "{needed}:\n{}", shown.stdout);
    }
}

/// Issue 11: `--demo` on the data folder of a registry with its own operator key said "entry 0
/// is not a trust list"; it says whose ledger the folder holds and what to do.
#[test]
fn demo_on_another_registrys_data_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = |name: &str| d.join(name).to_str().unwrap().to_owned();
    for key in ["operator", "status", "log"] {
        assert_eq!(common::scs(d, &["keygen", "--out", key]).code, 0);
    }
    let did = |key: &str| {
        scs_issuer::keyfile::load_public(&d.join(format!("{key}.pub")))
            .unwrap()
            .to_string()
    };
    let mut edition: serde_json::Value =
        serde_json::from_slice(&std::fs::read(common::demo("trust-list-edition.json")).unwrap())
            .unwrap();
    edition["registry"]["statusKey"] = did("status").into();
    edition["registry"]["logKey"] = did("log").into();
    std::fs::write(d.join("edition.json"), edition.to_string()).unwrap();
    let signed = common::scs(
        d,
        &[
            "trust-list",
            "sign",
            "--key",
            "operator.key",
            "--in",
            "edition.json",
            "--out",
            "trust-list.json",
        ],
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let own_flags = [
        ("--data", "data"),
        ("--trust-list", "trust-list.json"),
        ("--operator-key", "operator.pub"),
        ("--status-key", "status.key"),
        ("--log-key", "log.key"),
    ]
    .map(|(flag, file)| [flag.to_owned(), path(file)]);
    let own: Vec<&str> = own_flags.iter().flatten().map(String::as_str).collect();
    serve_and_stop(&[&["--listen", "127.0.0.1:0"], own.as_slice()].concat());
    // Issue 15: outside the demo, --public-url is checked against the address the operator
    // signed into the trust list; another one stops the start.
    let elsewhere = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--public-url",
        "https://elsewhere.example.jp",
    ];
    let run = common::scs(&repo(), &[elsewhere.as_slice(), own.as_slice()].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let line = run.error_line();
    assert!(
        line.contains("--public-url") && line.contains("http://127.0.0.1:8080"),
        "{line}"
    );

    let run = common::scs(
        &repo(),
        &[
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &path("data"),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let line = run.error_line();
    assert!(line.contains(&did("operator")), "{line}");
    assert!(line.contains("another operator"), "{line}");
    assert!(line.contains("別の"), "{line}");
}

/// Issue 11: a missing or broken key file's reason was printed twice ("…: No such file or
/// directory (os error 2): No such file or directory (os error 2)").
#[test]
fn a_missing_or_broken_key_file_is_named_with_its_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.pub"), "not a key\n").unwrap();
    let demo = |name: &str| common::demo(name).to_str().unwrap().to_owned();
    for operator in ["missing.pub", "broken.pub"] {
        let run = common::scs(
            dir.path(),
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data",
                "data",
                "--trust-list",
                &demo("trust-list.json"),
                "--operator-key",
                operator,
                "--status-key",
                &demo("registry-status.key"),
                "--log-key",
                &demo("registry-log.key"),
            ],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        let line = run.error_line();
        assert!(line.contains(operator), "{line}");
        let parts: Vec<&str> = line.split(": ").collect();
        assert!(
            parts.windows(2).all(|pair| pair[0] != pair[1]),
            "a reason repeated: {line}"
        );
    }
}

/// A banner nobody reads (stdout a pipe whose reader has gone, as after `scs serve | head -3`)
/// does not stop the registry: `println!` panicked on the broken pipe.
#[test]
fn a_closed_stdout_does_not_stop_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scs"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(dir.path().join("data"))
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let (stderr, err_reader) = collect(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = false;
    while !answered && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        answered = ureq::get(&format!("http://127.0.0.1:{port}/v1/health"))
            .call()
            .is_ok();
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let code = child.wait().unwrap().code();
    err_reader.join().unwrap();
    let log = text(&stderr);
    assert!(answered, "the registry stopped:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert_eq!(code, Some(0), "{log}");
}

/// Issue 15: a demo names the address it is reached at — its signed trust list, the credential
/// page's URL, the status list URLs in its credentials, and those its QR codes rebuild — the
/// `--listen` address by default, and the status list URLs resolve there.
#[test]
fn a_demo_prints_the_address_it_listens_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::start(&dir.path().join("data"), &repo());
    let url = server.url.clone();
    assert!(!url.ends_with(":8080"), "a free port, not the README's");
    let (paths, page) = demo_addresses(&dir.path().join("data"), &url, &url);
    for path in paths {
        let (status, list) = get(&format!("{url}{path}"));
        assert_eq!(status, 200, "{path}");
        assert_eq!(list["id"], format!("{url}{path}"));
    }
    assert!(page.contains(&format!("{url}/credentials/")));
    assert_eq!(server.terminate(), 0);
}

/// Issue 15: behind a proxy, `--public-url` is the address every URL is on, and the registry
/// serves those paths at the address it listens on; a URL that is not one is refused.
#[test]
fn a_demo_behind_a_proxy_prints_its_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let public = "https://scs.example.jp";
    let server = DemoServer::start_with(
        &dir.path().join("data"),
        &repo(),
        free_port(),
        &["--public-url", "https://scs.example.jp/"],
    );
    let (paths, page) = demo_addresses(&dir.path().join("data"), &server.url, public);
    for path in paths {
        assert_eq!(get(&format!("{}{path}", server.url)).0, 200, "{path}");
    }
    assert!(page.contains(&format!("{public}/credentials/")));
    assert!(!page.contains(&server.url));
    assert_eq!(server.terminate(), 0);

    for bad in [
        "ftp://scs.example.jp",
        "https://scs.example.jp/registry",
        "scs.example.jp",
    ] {
        let run = common::scs(dir.path(), &["serve", "--demo", "--public-url", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.error_line().contains("--public-url"), "{}", run.stderr);
    }
    // Found in review: listening on every address, the demo signed http://0.0.0.0:PORT, which
    // no phone or browser can open. It asks which address people reach, touching no data.
    let every = dir.path().join("every");
    let run = common::scs(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--listen",
            "0.0.0.0:0",
            "--data",
            every.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("--public-url"), "{}", run.stderr);
    assert!(!every.exists());
}

/// What the demo at `url` shows of its address, which must be `public`: its trust list's, the
/// status list URLs of its ★4 credential (JSON and QR code), all on `public`. Gives those URLs'
/// paths and the credential's page.
fn demo_addresses(data: &Path, url: &str, public: &str) -> (Vec<String>, String) {
    let (_, trust_list) = get(&format!("{url}/v1/trust-list"));
    assert_eq!(
        trust_list["credentialSubject"]["registry"]["baseUrl"],
        public
    );
    let credential: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("demo/valid-star4.json")).unwrap())
            .unwrap();
    let listed: Vec<String> = credential["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["statusListCredential"].as_str().unwrap().to_owned())
        .collect();
    let png = std::fs::read(data.join("demo/valid-star4.png")).unwrap();
    let qr = scs_core::compact::decode(&scs_qr::read_image(&png).unwrap()).unwrap();
    let rebuilt: Vec<String> = qr
        .claims()
        .status
        .iter()
        .map(|s| s.list_url(public))
        .collect();
    assert_eq!(rebuilt, listed, "the QR code's status lists are the JSON's");
    let paths = listed
        .iter()
        .map(|u| {
            u.strip_prefix(public)
                .unwrap_or_else(|| panic!("{u}"))
                .to_owned()
        })
        .collect();
    let id = credential["id"].as_str().unwrap();
    let page = common::server::agent()
        .get(&format!("{url}/credentials/{id}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    (paths, page)
}
