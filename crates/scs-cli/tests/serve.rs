//! The start of the real `scs serve` as a newcomer sees it: the banner, the log written to a
//! file, a busy port, a data folder that belongs to another registry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::repo;

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
