//! `scs watch` end to end (issue 13 item 2): a real `scs serve --demo`, the real binary, and a
//! webhook receiver in the test that checks every signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::server::{free_port, DemoServer};
use common::{demo, issue_with_star4_key, repo, scs, write_subject, Run};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The webhook's secret in these tests.
const SECRET: &[u8] = b"a secret only the watch and the receiver know";

/// One POST the receiver took (or refused).
#[derive(Debug, Clone)]
struct Delivery {
    id: String,
    body: Value,
    signed: bool,
    accepted: bool,
    /// How many alerts the watch's saved state held as pending when this one arrived, when the
    /// receiver was given the state file to look at.
    pending_on_disk: Option<usize>,
}

/// A webhook receiver on a free port: refuses the first `refuse_first` posts with 500, takes
/// the rest; checks each signature as Standard Webhooks say, and reads the pending alerts of
/// the watch `state` file if given. Serves at most 64 connections.
fn receiver(refuse_first: usize, state: Option<PathBuf>) -> (String, Arc<Mutex<Vec<Delivery>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(64).enumerate() {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let Some((headers, body)) = read_request(&mut stream) else {
                continue;
            };
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
            let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(&body);
            let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
            let fresh = timestamp
                .parse::<u64>()
                .is_ok_and(|t| t.abs_diff(unix_now()) < 300);
            let accepted = n >= refuse_first;
            let pending_on_disk = state.as_deref().map(|path| {
                let saved: Value =
                    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                saved["pending"].as_array().unwrap().len()
            });
            log.lock().unwrap().push(Delivery {
                id,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                signed: header("webhook-signature") == expected && fresh,
                accepted,
                pending_on_disk,
            });
            let status = if accepted { "200 OK" } else { "500 Oops" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, seen)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A request's headers, as (name, value).
type Headers = Vec<(String, String)>;

/// Reads one HTTP/1.1 request: its headers and its body (by Content-Length, at most 1 MiB).
fn read_request(stream: &mut std::net::TcpStream) -> Option<(Headers, Vec<u8>)> {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))?
        .1
        .parse()
        .ok()?;
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some((headers, body))
}

/// The secret file, `whsec_<base64>`, mode 0600.
fn write_secret(d: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = d.join("webhook.secret");
    std::fs::write(&path, format!("whsec_{}\n", STANDARD.encode(SECRET))).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `scs watch suppliers.csv --once --json` against `url` (the demo operator key), state in
/// `d/state`, with `extra` flags.
fn watch(d: &Path, url: &str, extra: &[&str]) -> Run {
    let head = [
        "watch",
        "suppliers.csv",
        "--registry",
        url,
        "--demo",
        "--state",
        "state",
        "--once",
    ];
    scs(d, &[head.as_slice(), extra].concat())
}

/// The alerts of a `--json` run: (kind, 法人番号) each, and the alerts.
fn alerts(run: &Run) -> (Vec<(String, String)>, Vec<Value>) {
    let alerts: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let kinds = alerts
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["corporateNumber"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (kinds, alerts)
}

fn pair(kind: &str, number: &str) -> (String, String) {
    (kind.to_owned(), number.to_owned())
}

/// `scs issue --level LEVEL --registry URL --demo --out OUT EXTRA` with the demo ★4 key; the
/// credential's id.
fn issue_registered(d: &Path, url: &str, level: &str, out: &str, extra: &[&str]) -> String {
    let args = [
        &["--level", level, "--registry", url, "--demo", "--out", out],
        extra,
    ]
    .concat();
    let run = issue_with_star4_key(d, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join(out)).unwrap()).unwrap();
    credential["id"].as_str().unwrap().to_owned()
}

/// `scs revoke|suspend ID --reason REASON` with the demo ★4 key.
fn change(d: &Path, url: &str, action: &str, id: &str, reason: &str) {
    let key = demo("issuer-star4.key");
    let run = scs(
        d,
        &[
            action,
            id,
            "--reason",
            reason,
            "--key",
            key.to_str().unwrap(),
            "--registry",
            url,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Publishes the next trust-list edition, withdrawing the demo ★4 evaluation body, as the
/// operator would: `scs trust-list next`, `withdraw-issuer`, `sign`, then `PUT /v1/trust-list`.
fn withdraw_star4_issuer(d: &Path, url: &str) {
    let mut answer = common::server::agent()
        .get(format!("{url}/v1/trust-list"))
        .call()
        .unwrap();
    std::fs::write(
        d.join("in-force.json"),
        answer.body_mut().read_to_vec().unwrap(),
    )
    .unwrap();
    let (issuer, operator) = (demo("issuer-star4.pub"), demo("operator.key"));
    let steps: [&[&str]; 3] = [
        &[
            "trust-list",
            "next",
            "in-force.json",
            "--demo",
            "--out",
            "next.json",
        ],
        &[
            "trust-list",
            "withdraw-issuer",
            "next.json",
            "--issuer",
            issuer.to_str().unwrap(),
        ],
        &[
            "trust-list",
            "sign",
            "--key",
            operator.to_str().unwrap(),
            "--in",
            "next.json",
            "--out",
            "next-signed.json",
        ],
    ];
    for step in steps {
        let run = scs(d, step);
        assert_eq!(run.code, 0, "{step:?}: {}", run.stderr);
    }
    let answer = common::server::agent()
        .put(format!("{url}/v1/trust-list"))
        .header("Content-Type", "application/json")
        .send(std::fs::read(d.join("next-signed.json")).unwrap())
        .unwrap();
    assert_eq!(answer.status(), 200);
}

/// The webhook deliveries the receiver took, once they number `count` (waiting up to 10 s).
fn accepted(seen: &Mutex<Vec<Delivery>>, count: usize) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let taken: Vec<Delivery> = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.accepted)
            .cloned()
            .collect();
        if taken.len() >= count || Instant::now() > deadline {
            return taken;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Issue 13 item 2: a baseline, then a suspension, a new short-lived ★3 credential and a
/// revocation of watched suppliers give exactly the right alerts, each once, on stdout and at
/// the webhook (signed; a refused post is retried); a round with nothing new gives none.
#[test]
fn watch_reports_each_change_of_a_watched_supplier_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    write_subject(d);
    let sample = "7000012050002";
    let first = issue_registered(d, &url, "4", "a1.json", &[]);
    let nobody = scs_registry::demo::demo_corporate_number(999);
    std::fs::write(
        d.join("suppliers.csv"),
        format!("法人番号,求める★\n{sample},4\n{},3\n", nobody.as_str()),
    )
    .unwrap();
    let secret = write_secret(d);
    let (hook, seen) = receiver(1, None);
    let webhook = webhook_flags(&hook, &secret);
    let json = [webhook.as_slice(), &["--json"]].concat();

    // Baseline: the history before it is not news; a supplier with nothing registered is.
    let run = watch(d, &url, &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (kinds, baseline) = alerts(&run);
    assert_eq!(kinds, [pair("no-credential", nobody.as_str())]);
    let taken = accepted(&seen, 1);
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, baseline[0]["id"].as_str().unwrap());
    assert_eq!(taken[0].body, baseline[0]);
    assert_eq!(seen.lock().unwrap().len(), 2, "refused once, then retried");

    // A ★3 credential ending in 20 days, and the ★4 one suspended.
    let second = issue_registered(d, &url, "3", "a2.json", &["--valid-for", "20d"]);
    change(d, &url, "suspend", &first, "nonconformity");
    let run = watch(d, &url, &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (kinds, changes) = alerts(&run);
    assert_eq!(
        kinds,
        [
            pair("registered", sample),
            pair("suspended", sample),
            pair("below-required", sample),
            pair("expiring", sample),
        ]
    );
    assert_eq!(changes[0]["credentialId"], second.as_str());
    assert_eq!(changes[1]["credentialId"], first.as_str());
    assert_eq!(changes[1]["reason"], "nonconformity");
    assert!(changes[1]["logIndex"].as_u64().unwrap() > changes[0]["logIndex"].as_u64().unwrap());
    assert_eq!(changes[2]["level"], 3);
    assert_eq!(changes[2]["requiredLevel"], 4);
    assert_eq!(changes[3]["credentialId"], second.as_str());
    assert_eq!(changes[3]["noticeDays"], 30);
    assert_eq!(changes[3]["legalName"], "株式会社サンプル製作所");

    // Nothing new: nothing said, nothing sent.
    let run = watch(d, &url, &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");

    // A revocation, in the text people read.
    change(d, &url, "revoke", &first, "fraud");
    let run = watch(d, &url, &webhook);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with("【失効】株式会社サンプル製作所（7000012050002） "),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(" / [revoked] "), "{}", lines[0]);
    assert!(lines[0].contains("理由: 不正") && lines[0].contains("reason: fraud"));

    // The issuer withdrawn by a new edition: an alert for each of the company's credentials
    // it issued; and the ★3 one, registered within 300 s of the withdrawal, no longer counts.
    withdraw_star4_issuer(d, &url);
    let run = watch(d, &url, &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (kinds, withdrawn) = alerts(&run);
    assert_eq!(
        kinds,
        [
            pair("issuer-withdrawn", sample),
            pair("issuer-withdrawn", sample),
            pair("no-credential", sample),
        ]
    );
    let mut concerned: Vec<&str> = withdrawn[..2]
        .iter()
        .map(|a| a["credentialId"].as_str().unwrap())
        .collect();
    concerned.sort_unstable();
    let mut ours = [first.as_str(), second.as_str()];
    ours.sort_unstable();
    assert_eq!(concerned, ours);
    assert!(withdrawn[0]["issuer"]
        .as_str()
        .unwrap()
        .starts_with("did:key:"));

    // At the webhook: every alert once, every signature good.
    let taken = accepted(&seen, 9);
    assert_eq!(taken.len(), 9, "{taken:#?}");
    assert!(seen.lock().unwrap().iter().all(|d| d.signed), "{seen:#?}");
    let mut ids: Vec<&str> = taken.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 9, "each alert taken once");
    for (delivery, alert) in taken[1..5].iter().zip(&changes) {
        assert_eq!(&delivery.body, alert);
    }
    assert_eq!(taken[5].body["kind"], "revoked");
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("state/watch.json")).unwrap())
            .unwrap();
    assert_eq!(state["pending"], serde_json::json!([]));
    assert_eq!(state["raised"].as_array().unwrap().len(), 9);

    // Bad input is refused before anything is asked.
    let open = d.join("open.secret");
    std::fs::write(&open, "raw secret").unwrap();
    let run = watch(
        d,
        &url,
        &[
            "--webhook",
            &hook,
            "--webhook-secret",
            open.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("chmod 600"), "{}", run.stderr);
    std::fs::write(d.join("suppliers.csv"), "7000012050003,4\n").unwrap();
    let run = watch(d, &url, &[]);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("line 1"), "{}", run.stderr);
    assert_eq!(server.terminate(), 0);
}

/// An alert leaves the saved state's pending list only once the webhook took it: when the
/// webhook is handed alert k of n, the state on disk still holds n − k, so a watch killed
/// between two deliveries sends the rest next round. (It used to save an empty list after the
/// first delivery: the rest were lost with the process.)
#[test]
fn an_alert_leaves_the_saved_state_only_once_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let nobody: Vec<String> = (997..=999)
        .map(|n| {
            scs_registry::demo::demo_corporate_number(n)
                .as_str()
                .to_owned()
        })
        .collect();
    std::fs::write(d.join("suppliers.csv"), nobody.join("\n") + "\n").unwrap();
    let secret = write_secret(d);
    let (hook, seen) = receiver(0, Some(d.join("state/watch.json")));
    let run = watch(
        d,
        &server.url,
        &["--webhook", &hook, "--webhook-secret", &secret],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let taken = accepted(&seen, 3);
    let pending: Vec<Option<usize>> = taken.iter().map(|t| t.pending_on_disk).collect();
    assert_eq!(pending, [Some(3), Some(2), Some(1)]);
    assert_eq!(server.terminate(), 0);
}

/// A demo registry on a free port with one ★4 credential of the sample company, a list
/// watching it, a webhook receiver, and the baseline round done.
struct Watched {
    dir: tempfile::TempDir,
    port: u16,
    server: DemoServer,
    url: String,
    hook: String,
    secret: String,
    seen: Arc<Mutex<Vec<Delivery>>>,
}

/// `--webhook URL --webhook-secret SECRET`.
fn webhook_flags<'a>(hook: &'a str, secret: &'a str) -> [&'a str; 4] {
    ["--webhook", hook, "--webhook-secret", secret]
}

impl Watched {
    fn start(data: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let port = free_port();
        let server = DemoServer::start_with(&d.join(data), &repo(), port, &[]);
        let url = server.url.clone();
        write_subject(d);
        issue_registered(d, &url, "4", "a1.json", &[]);
        std::fs::write(d.join("suppliers.csv"), "7000012050002,4\n").unwrap();
        let secret = write_secret(d);
        let (hook, seen) = receiver(0, None);
        let webhook = webhook_flags(&hook, &secret);
        let run = watch(d, &url, &webhook);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "", "the baseline meets the requirement");
        Self {
            dir,
            port,
            server,
            url,
            hook,
            secret,
            seen,
        }
    }
}

/// A registry at `port` that serves `served` (path → body) and answers every other request 500
/// with problem+json: it signs a checkpoint but proves nothing. Serves at most 64 connections.
fn withholding_registry(port: u16, served: Vec<(&'static str, Vec<u8>)>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let target = request_line.split_whitespace().nth(1).unwrap_or("");
            let path = target.split('?').next().unwrap_or("");
            let (status, body) = match served.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => (
                    "500 Oops",
                    br#"{"type":"about:blank","title":"withheld"}"#.to_vec(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
}

/// A registry that signs a longer checkpoint but answers no consistency proof is said on stderr
/// for two rounds (it may be restarting), and raises the loudest alert at the third: a forked
/// registry cannot keep the watch blind by refusing to prove its log. (It used to be an error
/// line every round, exit 2, and nothing to the webhook, for ever.)
#[test]
fn a_registry_that_withholds_its_proofs_raises_the_alarm_at_the_third_round() {
    let watched = Watched::start("data");
    let (d, port, url, seen) = (
        watched.dir.path(),
        watched.port,
        watched.url.clone(),
        Arc::clone(&watched.seen),
    );
    let webhook = webhook_flags(&watched.hook, &watched.secret);
    issue_registered(d, &url, "4", "a2.json", &[]);
    let fetch = |path: &str| -> Vec<u8> {
        ureq::get(format!("{url}{path}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    };
    let served = vec![
        ("/v1/trust-list", fetch("/v1/trust-list")),
        ("/v1/log/checkpoint", fetch("/v1/log/checkpoint")),
    ];
    assert_eq!(watched.server.terminate(), 0);
    withholding_registry(port, served);

    for round in 1..=2 {
        let run = watch(d, &url, &webhook);
        assert_eq!(run.code, 2, "round {round}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("did not answer for it ({round} of 3")),
            "round {round}: {}",
            run.stderr
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(seen.lock().unwrap().is_empty(), "no alarm yet");
    let run = watch(d, &url, &webhook);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("withheld the proofs"), "{}", run.stderr);
    let taken = accepted(&seen, 1);
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].body["kind"], "registry-inconsistent");
}

/// Issue 13 item 2: a registry that forks its log — another data folder served at the same
/// URL with the same demo keys — raises the loudest alert (stderr, webhook), exits 3, and keeps
/// refusing until `--reset-alarm`. `--every` stops cleanly on SIGTERM.
#[test]
fn a_forked_log_raises_the_alarm_until_it_is_reset() {
    let watched = Watched::start("data1");
    let (d, port, url, seen) = (
        watched.dir.path(),
        watched.port,
        watched.url.clone(),
        Arc::clone(&watched.seen),
    );
    let webhook = webhook_flags(&watched.hook, &watched.secret);
    assert_eq!(watched.server.terminate(), 0);

    // Another log at the same address, longer than the one seen.
    let forked = DemoServer::start_with(&d.join("data2"), &repo(), port, &[]);
    issue_registered(d, &url, "4", "b1.json", &[]);
    issue_registered(d, &url, "4", "b2.json", &[]);
    let run = watch(d, &url, &webhook);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("!!! 【登録機関の台帳の不整合】"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("[registry-inconsistent]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("NOT consistent"), "{}", run.stderr);
    let taken = accepted(&seen, 1);
    assert_eq!(taken.len(), 1);
    assert!(taken[0].signed);
    assert_eq!(taken[0].body["kind"], "registry-inconsistent");

    // Still refused, without a second webhook call.
    let run = watch(d, &url, &webhook);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("--reset-alarm"), "{}", run.stderr);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Reset: a new baseline of the registry as it is.
    let run = watch(d, &url, &["--reset-alarm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A loop stops on SIGTERM after its round, with exit 0.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scs"))
        .args(["watch", "suppliers.csv", "--registry", &url, "--demo"])
        .args(["--state", "state", "--every", "1m"])
        .current_dir(d)
        .env("HOME", d)
        .env_remove("SCS_REGISTRY")
        .env_remove("SCS_OPERATOR_KEY")
        .env_remove("SCS_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "scs watch --every did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0));
    assert_eq!(forked.terminate(), 0);
}
