//! Interoperability both ways with an eddsa-jcs-2022 implementation nobody here wrote: Digital
//! Bazaar's `@digitalbazaar/vc` + `@digitalbazaar/eddsa-jcs-2022-cryptosuite`, driven by the
//! scripts in `tests/interop/` (see its README). The npm packages are installed on first use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

use common::{demo, issue_demo, repo, scs};

fn harness() -> PathBuf {
    let dir = repo().join("tests/interop");
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if !dir.join("node_modules/@digitalbazaar/vc").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .status()
                .expect("npm is needed for the interoperability tests");
            assert!(status.success(), "npm ci in tests/interop failed");
        }
    });
    dir
}

fn node(script: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new("node")
        .arg(harness().join(script))
        .args(args)
        .output()
        .expect("node is needed for the interoperability tests");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn credential_issued_by_scs_verifies_in_digital_bazaar_vc() {
    let dir = tempfile::tempdir().unwrap();
    let cred = issue_demo(dir.path(), "4", "cred.json");
    let path = cred.to_str().unwrap();
    // JSON-LD safe-mode expansion (every term defined) + vc.verifyCredential.
    let (code, out, err) = node("verify.mjs", &["--now", "2027-01-01T00:00:00Z", path]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), r#"{"verified":true}"#);

    // The same library refuses the credential once one character changes, so the check above
    // could have failed.
    let text = std::fs::read_to_string(&cred).unwrap();
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, text.replacen("製作所", "製作新", 1)).unwrap();
    let (code, out, _) = node(
        "verify.mjs",
        &["--now", "2027-01-01T00:00:00Z", edited.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
}

#[test]
fn credential_signed_by_digital_bazaar_verifies_in_scs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An unsigned ★4 credential from the demo evaluation body, signed by the other library
    // with the same demo key.
    let issued = issue_demo(d, "4", "ours.json");
    let mut unsigned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(issued).unwrap()).unwrap();
    unsigned.as_object_mut().unwrap().remove("proof");
    unsigned["id"] = "urn:uuid:5b0c2d52-1a0b-4c55-9a2e-3c1f0e9d8b7a".into();
    std::fs::write(d.join("unsigned.json"), unsigned.to_string()).unwrap();
    let secret = std::fs::read_to_string(demo("issuer-star4.key")).unwrap();
    let secret = secret.lines().last().unwrap().trim().to_owned();
    let public = std::fs::read_to_string(demo("issuer-star4.pub")).unwrap();
    let public = public
        .lines()
        .last()
        .unwrap()
        .trim()
        .trim_start_matches("did:key:")
        .to_owned();
    let (code, signed, err) = node(
        "sign.mjs",
        &[
            "--created",
            "2026-05-01T00:00:00Z",
            &secret,
            &public,
            d.join("unsigned.json").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::write(d.join("theirs.json"), &signed).unwrap();

    let run = scs(
        d,
        &[
            "verify",
            "theirs.json",
            "--trust-list",
            demo("trust-list.json").to_str().unwrap(),
            "--demo",
            "--at",
            "2027-01-01",
            "--json",
        ],
    );
    let report = run.json();
    assert_eq!(report["checks"][0]["name"], "signature");
    assert_eq!(report["checks"][0]["ok"], true, "{}", run.stdout);
    assert_eq!(report["verdict"], "valid", "{}", run.stdout);
    assert_eq!(run.code, 0);

    // And the W3C vector, also from another implementation: signature ok.
    let vector = repo().join("tests/vectors/eddsa-jcs-2022/signedJCS.json");
    let run = scs(d, &["verify", vector.to_str().unwrap(), "--json"]);
    assert_eq!(run.json()["checks"][0]["ok"], true);
}
