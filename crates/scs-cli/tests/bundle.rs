//! Issue 13 item 5: `scs bundle` from the real `scs serve --demo`, and `scs verify --bundle`
//! with the registry gone: valid, revoked, stale (判定不能), tampered and another operator's
//! bundle refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::server::{get, DemoServer};
use common::{demo, repo, scs, Run};
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use serde_json::Value;

/// The registered credential of the demo company `number` in `state`, written to `dir/name`.
fn save_credential(url: &str, dir: &Path, number: &str, state: &str, name: &str) {
    let (status, view) = get(&format!("{url}/v1/organizations/{number}"));
    assert_eq!(status, 200, "{view}");
    let id = view["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == state)
        .unwrap_or_else(|| panic!("{number} has no {state} credential: {view}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, record) = get(&format!("{url}/v1/credentials/{id}"));
    assert_eq!(status, 200);
    std::fs::write(dir.join(name), record["credential"].to_string()).unwrap();
}

/// `scs bundle --registry URL --demo --out bundle.json` in `dir`, which must succeed.
fn make_bundle(dir: &Path, url: &str) -> Run {
    let made = scs(
        dir,
        &[
            "bundle",
            "--registry",
            url,
            "--demo",
            "--out",
            "bundle.json",
        ],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    made
}

fn verify(dir: &Path, file: &str, bundle: &str, more: &[&str]) -> Run {
    let mut args = vec!["verify", file, "--bundle", bundle, "--demo"];
    args.extend_from_slice(more);
    scs(dir, &args)
}

fn read_bundle(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("bundle.json")).unwrap()).unwrap()
}

fn write_bundle(dir: &Path, name: &str, bundle: &Value) {
    std::fs::write(dir.join(name), bundle.to_string()).unwrap();
}

/// The bundle's status index, signed again with the demo status key (whose secret is in the
/// repository) at `valid_from`: a stale bundle made of signed data, as the registry would have
/// served it then.
fn signed_at(bundle: &Value, valid_from: Timestamp) -> Value {
    let index: Value = serde_json::from_str(bundle["statusIndex"].as_str().unwrap()).unwrap();
    let (mut unsecured, _) = proof::verify(index, ProofPurpose::AssertionMethod).unwrap();
    unsecured["validFrom"] = valid_from.to_string().into();
    let key = scs_issuer::keyfile::load_secret(&demo("registry-status.key"))
        .unwrap()
        .key;
    let signed = proof::sign(
        unsecured,
        &key,
        valid_from,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    let mut stale = bundle.clone();
    stale["statusIndex"] = signed.to_string().into();
    stale
}

#[test]
fn a_bundle_verifies_offline_says_how_old_it_is_and_refuses_stale_or_altered_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    // Demo companies: さくら精機 ★4 valid, 北斗製作所 ★4 revoked (fraud).
    save_credential(&url, d, "6001001000000", "active", "valid.json");
    save_credential(&url, d, "2001001031676", "revoked", "revoked.json");

    let made = make_bundle(d, &url);
    assert!(made.stdout.contains("台帳データ: "), "{}", made.stdout);
    assert!(made.stdout.contains("JST"), "{}", made.stdout);
    // Offline from here on.
    server.terminate();

    let valid = verify(d, "valid.json", "bundle.json", &[]);
    assert_eq!(valid.code, 0, "{}{}", valid.stdout, valid.stderr);
    assert!(valid.stdout.contains("✓ 有効 / Valid"), "{}", valid.stdout);
    assert!(
        valid.stdout.contains("台帳 Ledger: 台帳データ: ")
            && valid.stdout.contains("（1分以内） / bundle data: "),
        "{}",
        valid.stdout
    );
    let report = verify(d, "valid.json", "bundle.json", &["--json"]).json();
    assert_eq!(report["verdict"], "valid");
    // The four checks asked of it, then the bundle's age: the ledger (台帳) check.
    assert_eq!(report["checks"].as_array().unwrap().len(), 5, "{report}");
    assert_eq!(report["checks"][4]["name"], "ledger");
    assert_eq!(report["checks"][4]["ok"], true);

    let revoked = verify(d, "revoked.json", "bundle.json", &[]);
    assert_eq!(revoked.code, 1, "{}", revoked.stdout);
    assert!(
        revoked.stdout.contains("✗ 無効 / Invalid"),
        "{}",
        revoked.stdout
    );
    assert!(
        revoked.stdout.contains("取消されています"),
        "{}",
        revoked.stdout
    );

    // The QR form of the valid credential, checked against the same bundle.
    let drawn = scs(
        d,
        &[
            "qr",
            "valid.json",
            "--key",
            demo("issuer-star4.key").to_str().unwrap(),
            "--out",
            "valid.txt",
        ],
    );
    assert_eq!(drawn.code, 0, "{}", drawn.stderr);
    let qr = verify(d, "valid.txt", "bundle.json", &["--json"]).json();
    assert_eq!(qr["verdict"], "valid", "{qr}");

    // Stale: the registry's signed time 30 hours ago gives 判定不能 (exit 1), whatever the
    // file's own unsigned `madeAt` says.
    let bundle = read_bundle(d);
    let now = scs_issuer::now();
    let mut stale = signed_at(
        &bundle,
        Timestamp::from_unix(now.unix() - 30 * 3_600).unwrap(),
    );
    stale["madeAt"] = now.to_string().into();
    write_bundle(d, "stale.json", &stale);
    let old = verify(d, "valid.json", "stale.json", &[]);
    assert_eq!(old.code, 1, "{}", old.stdout);
    assert!(
        old.stdout.starts_with("? 判定不能 / Unknown"),
        "{}",
        old.stdout
    );
    assert!(old.stdout.contains("30時間前"), "{}", old.stdout);
    assert!(
        old.stdout.contains("older than the 24h allowed"),
        "{}",
        old.stdout
    );
    // Old data does not decide a revocation either.
    let old_revoked = verify(d, "revoked.json", "stale.json", &[]);
    assert!(
        old_revoked.stdout.starts_with("? 判定不能 / Unknown"),
        "{}",
        old_revoked.stdout
    );
    // A longer --max-age takes it; a shorter one refuses fresh data too.
    assert_eq!(
        verify(d, "valid.json", "stale.json", &["--max-age", "2d"]).code,
        0
    );
    let strict = verify(d, "valid.json", "bundle.json", &["--max-age", "0m"]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(
        strict.error_line().contains("--max-age"),
        "{}",
        strict.stderr
    );

    // Altered: the index's time edited without its signature, a status list changed, and the
    // revoked credential's list swapped for another — each refused (exit 2), nothing trusted.
    let mut edited = bundle.clone();
    let text = edited["statusIndex"].as_str().unwrap();
    let as_of = serde_json::from_str::<Value>(text).unwrap()["validFrom"]
        .as_str()
        .unwrap()
        .to_owned();
    edited["statusIndex"] = text.replace(&as_of, "2099-01-01T00:00:00Z").into();
    write_bundle(d, "edited.json", &edited);
    let refused = verify(d, "valid.json", "edited.json", &[]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused.error_line().contains("status index"),
        "{}",
        refused.stderr
    );

    let mut swapped = bundle.clone();
    let lists = swapped["statusLists"].as_array_mut().unwrap();
    lists.swap(0, 1);
    write_bundle(d, "swapped.json", &swapped);
    let refused = verify(d, "revoked.json", "swapped.json", &[]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused
            .error_line()
            .contains("does not match the signed index"),
        "{}",
        refused.stderr
    );

    // Another operator's key pinned: the bundle's trust list is not trusted.
    let other = scs(d, &["keygen", "--out", "other"]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    let foreign = scs(
        d,
        &[
            "verify",
            "valid.json",
            "--bundle",
            "bundle.json",
            "--operator-key",
            "other.pub",
        ],
    );
    assert_eq!(foreign.code, 2, "{}", foreign.stdout);
    assert!(
        foreign
            .error_line()
            .contains("not signed by the pinned operator key"),
        "{}",
        foreign.stderr
    );
    // No operator key at all: nothing is trusted either.
    let none = scs(d, &["verify", "valid.json", "--bundle", "bundle.json"]);
    assert_eq!(none.code, 2, "{}", none.stdout);
}

/// Every registered credential of the demo company `number`, whatever its state.
fn credentials_of(url: &str, number: &str) -> Vec<Value> {
    let (_, view) = get(&format!("{url}/v1/organizations/{number}"));
    view["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let (_, record) = get(&format!(
                "{url}/v1/credentials/{}",
                c["id"].as_str().unwrap()
            ));
            record["credential"].clone()
        })
        .collect()
}

/// The verdict, ★, state and credential of every row of a `--json` report.
fn rows(run: &Run) -> Vec<(Value, Value, Value, Value)> {
    run.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["verdict"].clone(),
                r["level"].clone(),
                r["state"].clone(),
                r["credentialId"].clone(),
            )
        })
        .collect()
}

/// Issue 13 item 6: `scs verify-batch --bundle --credentials` judges the list offline as the
/// registry does online, from a JSON Lines file or a folder; a forged credential is named and
/// not trusted; a stale bundle makes every row 判定不能.
#[test]
fn verify_batch_from_a_bundle_gives_the_online_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    // さくら精機 ★4 valid, 青葉システム ★3 (below ★4), 北斗製作所 revoked, one with nothing.
    let numbers = ["6001001000000", "9001001015838", "2001001031676"];
    let csv =
        "法人番号,求める★\n6001001000000,4\n9001001015838,4\n2001001031676,\n7001001000000,3\n";
    std::fs::write(d.join("suppliers.csv"), csv).unwrap();
    let mut credentials: Vec<Value> = numbers
        .iter()
        .flat_map(|n| credentials_of(&url, n))
        .collect();
    // A forgery claiming to be さくら精機's: its signature does not hold.
    let mut forged = credentials[0].clone();
    forged["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000".into();
    forged["validUntil"] = "2099-03-31T23:59:59Z".into();
    credentials.push(forged);
    // Credentials a key the trust list does not name signed (their signatures hold), claiming
    // さくら精機 at ★5, four of them, and one with its real credential's id: they must not
    // crowd its real ★4 out of its row. (They used to: its row came out 無効.)
    let stranger = scs_core::keys::SecretKey::from_seed(&[7; 32]);
    for n in 0..5 {
        let mut claim = credentials[0].clone();
        claim.as_object_mut().unwrap().remove("proof");
        if n < 4 {
            claim["id"] = format!("urn:uuid:00000000-0000-4000-8000-00000000000{n}").into();
        }
        claim["credentialSubject"]["achievement"]["level"] = 5.into();
        claim["issuer"]["id"] = stranger.public().did_key().to_string().into();
        let signed = proof::sign(
            claim,
            &stranger,
            scs_issuer::now(),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        credentials.push(signed);
    }
    let lines: Vec<String> = credentials.iter().map(Value::to_string).collect();
    std::fs::write(d.join("credentials.jsonl"), lines.join("\n") + "\n\n").unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    for (i, line) in lines.iter().enumerate() {
        std::fs::write(d.join("folder").join(format!("{i:03}.json")), line).unwrap();
    }
    let online = scs(
        d,
        &[
            "verify-batch",
            "suppliers.csv",
            "--registry",
            &url,
            "--demo",
            "--json",
        ],
    );
    assert_eq!(online.code, 1, "{}", online.stderr);
    make_bundle(d, &url);
    server.terminate();

    let offline = |credentials: &str, bundle: &str| {
        scs(
            d,
            &[
                "verify-batch",
                "suppliers.csv",
                "--bundle",
                bundle,
                "--credentials",
                credentials,
                "--demo",
                "--json",
            ],
        )
    };
    for given in ["credentials.jsonl", "folder"] {
        let run = offline(given, "bundle.json");
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(rows(&run), rows(&online), "{given}: {}", run.stdout);
        assert!(
            run.stderr.contains("warning: ") && run.stderr.contains("署名が一致しません"),
            "{given}: {}",
            run.stderr
        );
        assert_eq!(
            run.stderr
                .matches("指定機関一覧にない鍵で署名されています")
                .count(),
            5,
            "{given}: {}",
            run.stderr
        );
        let verdicts: Vec<Value> = rows(&run).into_iter().map(|r| r.0).collect();
        assert_eq!(verdicts, ["valid", "invalid", "invalid", "invalid"]);
    }

    let bundle = read_bundle(d);
    let old = Timestamp::from_unix(scs_issuer::now().unix() - 3 * 86_400).unwrap();
    write_bundle(d, "stale.json", &signed_at(&bundle, old));
    let stale = offline("credentials.jsonl", "stale.json");
    assert_eq!(stale.code, 1);
    let verdicts: Vec<Value> = rows(&stale).into_iter().map(|r| r.0).collect();
    // Old data decides nothing it holds (the revocation included), but a ★3 is below the ★4
    // asked whatever its age, and a company with no credential given has none.
    assert_eq!(
        verdicts,
        ["unknown", "invalid", "unknown", "invalid"],
        "{}",
        stale.stdout
    );
}

/// Issue 13 item 6: the bundle path answers the rows' credentials together, on every core. On
/// the thirty demo companies (valid, revoked, suspended, reinstated, expired and renewed, ★3 and
/// ★4), the first twenty of them asked twice (for ★3, ★4, ★5 or nothing), with a forgery among
/// their credentials, the list's rows are the ones each row checked alone (one credential answered at a time)
/// gives.
#[test]
fn verify_batch_from_a_bundle_answers_the_rows_together_as_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &repo());
    let url = server.url.clone();
    let numbers: Vec<String> = (0..30)
        .map(|i| scs_registry::demo::demo_corporate_number(i).to_string())
        .collect();
    let mut credentials: Vec<Value> = numbers
        .iter()
        .flat_map(|n| credentials_of(&url, n))
        .collect();
    make_bundle(d, &url);
    server.terminate();
    let mut forged = credentials[0].clone();
    forged["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    credentials.insert(7, forged);
    let lines: Vec<String> = credentials.iter().map(Value::to_string).collect();
    std::fs::write(d.join("credentials.jsonl"), lines.join("\n")).unwrap();
    // Forty rows, twenty companies asked twice: enough to be answered on two cores.
    let asked = ["", "3", "4", "5"];
    let rows: Vec<String> = (0..40)
        .map(|i| format!("{},{}\n", numbers[i / 2], asked[i % asked.len()]))
        .collect();
    let check = |rows: &[String]| {
        std::fs::write(d.join("suppliers.csv"), rows.concat()).unwrap();
        let run = scs(
            d,
            &[
                "verify-batch",
                "suppliers.csv",
                "--bundle",
                "bundle.json",
                "--credentials",
                "credentials.jsonl",
                "--demo",
                "--json",
            ],
        );
        // 0 when every row is valid, else 1.
        assert!(run.code <= 1, "{}", run.stderr);
        let mut rows = run.json()["rows"].as_array().unwrap().clone();
        for row in &mut rows {
            row.as_object_mut().unwrap().remove("line");
        }
        rows
    };
    let together = check(&rows);
    let alone: Vec<Value> = rows
        .iter()
        .flat_map(|row| check(std::slice::from_ref(row)))
        .collect();
    assert_eq!(together, alone);
    let categories: std::collections::BTreeSet<&str> = together
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        ["expired", "levelTooLow", "meets", "revoked", "suspended"].into()
    );
}
