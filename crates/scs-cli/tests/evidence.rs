//! `scs verify-receipt` on verification evidence (検証結果の証跡) downloaded from the real
//! `scs serve --demo`: valid evidence exits 0 and says what was checked, when (JST) and the
//! results; one byte changed, another signing key or another operator's pin exits 1; what is not
//! evidence exits 2 (issue 13, item 4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::server::{post, post_form, DemoServer};
use common::{demo, repo, scs};
use serde_json::{json, Value};

/// The bulk page's signed result for `csv` (its "download the signed result" button).
fn bulk_evidence(url: &str, csv: &str) -> Vec<u8> {
    let (status, body) = post_form(
        &format!("{url}/bulk"),
        &[("text", csv), ("evidence", "json")],
    );
    assert_eq!(status, 200);
    body
}

fn verify_receipt(dir: &Path, file: &str, anchor: &[&str]) -> common::Run {
    scs(dir, &[["verify-receipt", file].as_slice(), anchor].concat())
}

#[test]
fn verify_receipt_checks_downloaded_evidence_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = DemoServer::start(&data, &repo());
    let credential: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo/valid-star4.json")).unwrap())
            .unwrap();
    let (status, evidence) = post(
        &format!("{}/v1/verify/evidence", server.url),
        &json!({"credential": credential, "minLevel": 4}),
    );
    assert_eq!(status, 200, "{evidence}");
    let text = evidence.to_string();
    std::fs::write(dir.path().join("evidence.json"), &text).unwrap();
    let csv = "法人番号,求める★\n6001001000000,4\n2001001031676,\n";
    let list = bulk_evidence(&server.url, csv);
    std::fs::write(dir.path().join("bulk.json"), &list).unwrap();
    // `scs verify-batch --evidence`: the registry's signed result of the same file, saved.
    std::fs::write(dir.path().join("suppliers.csv"), csv).unwrap();
    let batch = [
        "verify-batch",
        "suppliers.csv",
        "--registry",
        &server.url,
        "--demo",
        "--evidence",
        "batch-evidence.json",
    ];
    let run = scs(dir.path(), &batch);
    assert_eq!(run.code, 1, "one supplier is revoked: {}", run.stderr);
    assert!(
        run.stderr
            .contains("saved the signed result: batch-evidence.json (sha256:"),
        "{}",
        run.stderr
    );
    let with_at = scs(
        dir.path(),
        &[batch.as_slice(), &["--at", "2027-01-01"]].concat(),
    );
    assert_eq!(with_at.code, 2, "the registry checks now, not at --at");
    // Offline from here on.
    drop(server);

    let run = verify_receipt(dir.path(), "evidence.json", &["--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("✓ 検証結果の証跡は正しい / The verification evidence is valid"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" JST ("), "{}", run.stdout);
    assert!(run.stdout.contains("✓ 有効 / Valid — ★4"), "{}", run.stdout);
    assert!(
        run.stdout.contains("求める★ Required: ★4"),
        "{}",
        run.stdout
    );
    let fingerprint = scs_core::evidence::fingerprint(&evidence);
    assert!(
        run.stdout.contains(&format!("sha256:{fingerprint}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("DEMO"),
        "the demo pin is said: {}",
        run.stdout
    );
    // The operator key given as a file, and the trust list given beside it: the same answer.
    let operator = demo("operator.pub");
    let trust_list = demo("trust-list.json");
    let pinned = verify_receipt(
        dir.path(),
        "evidence.json",
        &[
            "--operator-key",
            operator.to_str().unwrap(),
            "--trust-list",
            trust_list.to_str().unwrap(),
        ],
    );
    assert_eq!(pinned.code, 0, "{}{}", pinned.stdout, pinned.stderr);
    let json = verify_receipt(dir.path(), "evidence.json", &["--demo", "--json"]);
    assert_eq!(json.code, 0);
    let json = json.json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["fingerprint"], format!("sha256:{fingerprint}"));
    assert_eq!(json["evidence"]["checked"]["report"]["verdict"], "valid");

    let bulk = verify_receipt(dir.path(), "bulk.json", &["--demo"]);
    assert_eq!(bulk.code, 0, "{}{}", bulk.stdout, bulk.stderr);
    assert!(
        bulk.stdout.contains("取引先一覧 / supplier list"),
        "{}",
        bulk.stdout
    );
    assert!(bulk.stdout.contains("2 行 rows"), "{}", bulk.stdout);
    let saved = verify_receipt(dir.path(), "batch-evidence.json", &["--demo", "--json"]);
    assert_eq!(saved.code, 0, "{}{}", saved.stdout, saved.stderr);
    let saved = saved.json();
    assert_eq!(
        saved["evidence"]["checked"]["listSha256"],
        scs_core::evidence::list_sha256(csv.as_bytes())
    );
    assert_eq!(
        saved["evidence"]["checked"]["results"]["rows"][1]["state"],
        "revoked"
    );

    // One byte of the results changed: 1.
    let altered = text.replacen("\"verdict\":\"valid\"", "\"verdict\":\"valie\"", 1);
    assert_eq!(altered.len(), text.len());
    assert_ne!(altered, text);
    std::fs::write(dir.path().join("altered.json"), altered).unwrap();
    let run = verify_receipt(dir.path(), "altered.json", &["--demo"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("does not hold"), "{}", run.stdout);
    assert!(run.stdout.contains("altered"), "{}", run.stdout);
    let json = verify_receipt(dir.path(), "altered.json", &["--demo", "--json"]);
    assert_eq!(json.code, 1);
    assert_eq!(json.json()["valid"], false);

    // Signed again by another key (the demo ★4 issuer's), with everything else the same: 1.
    let mut unsigned = evidence.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let other = scs_issuer::keyfile::load_secret(&demo("issuer-star4.key"))
        .unwrap()
        .key;
    let resigned = scs_core::proof::sign(
        unsigned,
        &other,
        scs_core::timestamp::Timestamp::parse(evidence["validFrom"].as_str().unwrap()).unwrap(),
        scs_core::proof::ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    std::fs::write(dir.path().join("other-key.json"), resigned.to_string()).unwrap();
    let run = verify_receipt(dir.path(), "other-key.json", &["--demo"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("status key"), "{}", run.stdout);

    // Pinned to another operator: the enclosed trust list is not theirs: 1.
    let keygen = scs(dir.path(), &["keygen", "--out", "other-operator"]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let run = verify_receipt(
        dir.path(),
        "evidence.json",
        &["--operator-key", "other-operator.pub"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("operator key"), "{}", run.stdout);

    // Not evidence, not JSON, or no operator key at all: 2, with one line.
    let credential_file = data.join("demo/valid-star4.json");
    let run = verify_receipt(dir.path(), credential_file.to_str().unwrap(), &["--demo"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.error_line().contains("not verification evidence"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.path().join("broken.json"), &text[..text.len() / 2]).unwrap();
    assert_eq!(
        verify_receipt(dir.path(), "broken.json", &["--demo"]).code,
        2
    );
    let run = verify_receipt(dir.path(), "evidence.json", &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("--operator-key"),
        "{}",
        run.stderr
    );
}
