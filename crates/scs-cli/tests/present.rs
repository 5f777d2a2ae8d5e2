//! `scs present` and `scs verify VP.json`, run for real: a supplier presents its holder-bound
//! ★ credential to one buyer, who checks the challenge, the domain and the holder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use common::{demo, issue_with_star4_key, scs, Run};

/// A company key (`scs keygen`), and a ★4 credential naming it as the subject's `id`, signed
/// by the demo ★4 evaluation body: `company.key`, `cred.json`. The company's DID.
fn holder_bound_credential(dir: &Path) -> String {
    let run = scs(dir, &["keygen", "--out", "company"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let did = run.stdout.lines().last().unwrap().trim().to_owned();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    fs::write(
        dir.join("subject.json"),
        format!(r#"{{"id": "{did}", "corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所"}}"#),
    )
    .unwrap();
    let trust_list = demo("trust-list.json");
    let run = issue_with_star4_key(
        dir,
        &[
            "--level",
            "4",
            "--trust-list",
            trust_list.to_str().unwrap(),
            "--demo",
            "--valid-from",
            "2026-04-01",
            "--out",
            "cred.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    did
}

fn present(dir: &Path, key: &str) -> Run {
    scs(
        dir,
        &[
            "present",
            "cred.json",
            "--key",
            key,
            "--challenge",
            "c-2027-0042",
            "--domain",
            "buyer.example.co.jp",
            "--out",
            "vp.json",
        ],
    )
}

/// `scs verify vp.json` as the buyer, with the demo trust list, at a time inside validity.
fn verify_as_buyer(dir: &Path, challenge: &str) -> Run {
    let trust_list = demo("trust-list.json");
    scs(
        dir,
        &[
            "verify",
            "vp.json",
            "--trust-list",
            trust_list.to_str().unwrap(),
            "--demo",
            "--at",
            "2027-01-01",
            "--challenge",
            challenge,
            "--domain",
            "buyer.example.co.jp",
            "--holder-binding",
            "--json",
        ],
    )
}

#[test]
fn present_then_verify_exits_0_and_a_wrong_challenge_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let did = holder_bound_credential(d);
    let run = present(d, "company.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&did), "{}", run.stdout);

    let run = verify_as_buyer(d, "c-2027-0042");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "valid");
    assert_eq!(report["checks"][0]["name"], "presentation");
    assert_eq!(report["checks"][1]["name"], "holder");
    assert_eq!(report["credentials"][0]["verdict"], "valid");
    assert_eq!(report["credentials"][0]["trustAnchor"], "demo");

    let run = verify_as_buyer(d, "another-challenge");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["checks"][0]["ok"], false);

    // For people: the presentation's checks, then the credential's report.
    let human = scs(
        d,
        &[
            "verify",
            "vp.json",
            "--trust-list",
            demo("trust-list.json").to_str().unwrap(),
            "--demo",
            "--at",
            "2027-01-01",
            "--challenge",
            "c-2027-0042",
        ],
    );
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("提示の署名 Presentation"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("[1/1]"), "{}", human.stdout);
}

#[test]
fn a_tampered_credential_in_the_presentation_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    holder_bound_credential(d);
    assert_eq!(present(d, "company.key").code, 0);
    edit_presentation(d, |vp| {
        vp["verifiableCredential"][0]["credentialSubject"]["achievement"]["level"] = 5.into()
    });
    let run = verify_as_buyer(d, "c-2027-0042");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "invalid");
    assert_eq!(report["credentials"][0]["checks"][0]["name"], "signature");
    assert_eq!(report["credentials"][0]["checks"][0]["ok"], false);
}

#[test]
fn another_key_cannot_present_the_credential() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    holder_bound_credential(d);
    assert_eq!(scs(d, &["keygen", "--out", "stranger"]).code, 0);
    let run = present(d, "stranger.key");
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("names did:key:"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_holder_bound_credential_is_not_issued_with_a_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    holder_bound_credential(d);
    let run = issue_with_star4_key(
        d,
        &[
            "--level",
            "4",
            "--issuer-name",
            "デモ評価機関",
            "--out",
            "again.json",
            "--qr",
            "again.png",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("no QR form"), "{}", run.stderr);
    assert!(!d.join("again.json").exists());
}

#[test]
fn a_presentation_that_does_not_conform_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    holder_bound_credential(d);
    assert_eq!(present(d, "company.key").code, 0);
    edit_presentation(d, |vp| {
        vp["@context"] = serde_json::json!(["https://www.w3.org/2018/credentials/v1"])
    });
    let run = verify_as_buyer(d, "c-2027-0042");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.error_line().contains("not a VC 2.0 presentation"),
        "{}",
        run.stderr
    );
    // A credential is not a presentation: the presentation flags are refused.
    let run = scs(d, &["verify", "cred.json", "--challenge", "x"]);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("not one"), "{}", run.stderr);
}

/// Changes `vp.json` in `d` as `edit` says.
fn edit_presentation(d: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut vp: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("vp.json")).unwrap()).unwrap();
    edit(&mut vp);
    fs::write(d.join("vp.json"), serde_json::to_vec(&vp).unwrap()).unwrap();
}
