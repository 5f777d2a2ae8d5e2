//! Trust that cannot be forged (issue 10): which operator key `scs` trusts and how it says so,
//! duplicated JSON member names, and trust list editions outside their own validity.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use common::{demo, issue_demo, scs, scs_with_env, write_subject};
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_issuer::keyfile;
use serde_json::Value;

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A forger's own operator key signing a trust list that names the forger's own key as a ★4
/// evaluation body, and a ★4 credential from that "designated" issuer: `cred.json`,
/// `forged.json`, `keys/forger.pub`.
fn forged_world(d: &Path) {
    for name in ["forger", "fake-body"] {
        let run = scs(d, &["keygen", "--out", &format!("keys/{name}")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let did = |name: &str| {
        keyfile::load_public(&d.join(format!("keys/{name}.pub")))
            .unwrap()
            .to_string()
    };
    let mut edition: Value =
        serde_json::from_slice(&fs::read(demo("trust-list-edition.json")).unwrap()).unwrap();
    edition["issuers"] = serde_json::json!([{
        "id": did("fake-body"), "name": "偽の評価機関", "roles": ["EvaluationBody"],
        "levels": [3, 4], "validFrom": "2024-01-01T00:00:00Z", "status": {"state": "active"}
    }]);
    fs::write(d.join("edition.json"), edition.to_string()).unwrap();
    let run = scs(
        d,
        &[
            "trust-list",
            "sign",
            "--key",
            "keys/forger.key",
            "--in",
            "edition.json",
            "--out",
            "forged.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The demo operator's secret key is in the repository: anyone can sign with it too.
    let run = scs(
        d,
        &[
            "trust-list",
            "sign",
            "--key",
            p(&demo("operator.key")),
            "--in",
            "edition.json",
            "--out",
            "forged-by-demo-key.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    write_subject(d);
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            "keys/fake-body.key",
            "--subject",
            "subject.json",
            "--level",
            "4",
            "--trust-list",
            "forged.json",
            "--operator-key",
            "keys/forger.pub",
            "--out",
            "cred.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_forged_trust_list_is_never_trusted_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    forged_world(d);

    // Signed with the demo operator's public secret: never valid unless the demo was asked
    // for, and then marked as the demo.
    let by_demo_key = [
        "verify",
        "cred.json",
        "--offline",
        "--trust-list",
        "forged-by-demo-key.json",
        "--json",
    ];
    let run = scs(d, &by_demo_key);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["verdict"], "unknown");
    let mut asked = by_demo_key.to_vec();
    asked.push("--demo");
    let run = scs(d, &asked);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["trustAnchor"], "demo");

    let verify = [
        "verify",
        "cred.json",
        "--offline",
        "--trust-list",
        "forged.json",
    ];

    // No operator key given, none configured: the issuer cannot be decided.
    let run = scs(d, &verify);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("? 判定不能 / Unknown"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("SCS_OPERATOR_KEY"), "{}", run.stdout);
    assert!(run.stdout.contains("--operator-key"), "{}", run.stdout);
    let mut json = verify.to_vec();
    json.push("--json");
    let run = scs(d, &json);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(report["checks"][1]["name"], "issuer");
    assert_eq!(report["checks"][1]["undecided"], true);
    assert_eq!(report["trustAnchor"], "none");

    // Asking for the demo: the forged list is not the demo operator's, and the demo is named.
    let mut demo_run = verify.to_vec();
    demo_run.push("--demo");
    let run = scs(d, &demo_run);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("有効 / Valid"), "{}", run.stdout);
    let line = run.error_line();
    assert!(line.contains("not by the pinned operator key"), "{line}");
    assert!(
        line.contains("DEMO operator key") && line.contains("デモ用の鍵"),
        "{line}"
    );

    // Whoever configures the forger's key as their anchor trusts it, and is told so.
    let run = scs_with_env(d, &json, &[("SCS_OPERATOR_KEY", "keys/forger.pub")]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["trustAnchor"], "configured");
    // The flag and the variable are one setting: --demo with either is a usage error.
    let run = scs_with_env(d, &demo_run, &[("SCS_OPERATOR_KEY", "keys/forger.pub")]);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("--demo"), "{}", run.stderr);
}

#[test]
fn the_demo_trust_list_is_valid_only_with_demo_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = issue_demo(d, "4", "cred.json");
    let tl = demo("trust-list.json");
    let base = [
        "verify",
        p(&cred),
        "--offline",
        "--trust-list",
        p(&tl),
        "--at",
        "2027-01-01",
    ];
    let run = scs(d, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("? 判定不能 / Unknown"),
        "{}",
        run.stdout
    );

    let mut with_demo = base.to_vec();
    with_demo.push("--demo");
    let run = scs(d, &with_demo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let verdict_line = run.stdout.lines().next().unwrap();
    assert!(verdict_line.starts_with("✓ 有効 / Valid"), "{verdict_line}");
    assert!(
        verdict_line.contains("デモ用の鍵 / DEMO operator key"),
        "{verdict_line}"
    );
    with_demo.push("--json");
    let run = scs(d, &with_demo);
    assert_eq!(run.code, 0);
    let report = run.json();
    assert_eq!(report["verdict"], "valid");
    assert_eq!(report["trustAnchor"], "demo");

    // Found in review: the demo operator's key given by hand (or left in SCS_OPERATOR_KEY) is
    // still the demo key, whose secret anyone has, and the report says so.
    let mut by_hand = base.to_vec();
    let operator_pub = demo("operator.pub");
    by_hand.extend(["--operator-key", p(&operator_pub), "--json"]);
    let run = scs(d, &by_hand);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["trustAnchor"], "demo");
    let run = scs_with_env(
        d,
        &[&base[..], &["--json"]].concat(),
        &[("SCS_OPERATOR_KEY", p(&operator_pub))],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["trustAnchor"], "demo");

    // Issuing against a trust list needs an anchor too.
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            p(&demo("issuer-star4.key")),
            "--subject",
            "subject.json",
            "--level",
            "4",
            "--trust-list",
            p(&tl),
            "--out",
            "x.json",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("SCS_OPERATOR_KEY"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_qr_path_needs_an_anchor_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = issue_demo(d, "4", "cred.json");
    let run = scs(
        d,
        &[
            "qr",
            p(&cred),
            "--key",
            p(&demo("issuer-star4.key")),
            "--out",
            "cred.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tl = demo("trust-list.json");
    let base = [
        "verify",
        "cred.txt",
        "--offline",
        "--trust-list",
        p(&tl),
        "--at",
        "2027-01-01",
        "--json",
    ];
    let run = scs(d, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["verdict"], "unknown");
    let mut with_demo = base.to_vec();
    with_demo.push("--demo");
    let run = scs(d, &with_demo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["trustAnchor"], "demo");
}

#[test]
fn a_duplicated_member_name_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = issue_demo(d, "4", "cred.json");
    let text = fs::read_to_string(&cred).unwrap();
    assert!(text.contains("\"level\": 4"));
    // A fake ★5 first, the signed ★4 last: serde_json alone would keep the last and say valid.
    fs::write(
        d.join("dup.json"),
        text.replacen("\"level\": 4", "\"level\": 5, \"level\": 4", 1),
    )
    .unwrap();
    let run = scs(
        d,
        &[
            "verify",
            "dup.json",
            "--offline",
            "--trust-list",
            p(&demo("trust-list.json")),
            "--operator-key",
            p(&demo("operator.pub")),
            "--at",
            "2027-01-01",
        ],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.error_line()
            .contains("duplicate member name \\\"level\\\"")
            || run.error_line().contains("duplicate member name \"level\""),
        "{}",
        run.stderr
    );

    // The same in a trust list.
    let list = fs::read_to_string(demo("trust-list.json")).unwrap();
    fs::write(
        d.join("dup-list.json"),
        list.replacen("\"sequence\": 1", "\"sequence\": 9, \"sequence\": 1", 1),
    )
    .unwrap();
    let run = scs(
        d,
        &[
            "verify",
            p(&cred),
            "--offline",
            "--trust-list",
            "dup-list.json",
            "--operator-key",
            p(&demo("operator.pub")),
        ],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.error_line().contains("duplicate member name"),
        "{}",
        run.stderr
    );
}

/// The demo trust list edition signed by the demo operator with its own validity window.
fn demo_list_valid(d: &Path, name: &str, from: &str, until: Option<&str>) -> String {
    let operator = keyfile::load_secret(&demo("operator.key")).unwrap().key;
    let edition: TrustList =
        serde_json::from_slice(&fs::read(demo("trust-list-edition.json")).unwrap()).unwrap();
    let from = Timestamp::parse(from).unwrap();
    let mut document = edition.to_credential(&operator.public().did_key(), from);
    if let Some(until) = until {
        document["validUntil"] = until.into();
    }
    let signed = proof::sign(
        document,
        &operator,
        from,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    fs::write(d.join(name), signed.to_string()).unwrap();
    name.to_owned()
}

#[test]
fn a_trust_list_edition_outside_its_own_validity_cannot_establish_designation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = issue_demo(d, "4", "cred.json");
    let expired = demo_list_valid(
        d,
        "expired.json",
        "2026-01-01T00:00:00Z",
        Some("2026-12-31T23:59:59Z"),
    );
    let future = demo_list_valid(d, "future.json", "2028-01-01T00:00:00Z", None);
    let verify = |list: &str, at: &str| {
        scs(
            d,
            &[
                "verify",
                p(&cred),
                "--offline",
                "--trust-list",
                list,
                "--operator-key",
                p(&demo("operator.pub")),
                "--at",
                at,
                "--json",
            ],
        )
    };
    let run = verify(&expired, "2027-01-01");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(report["checks"][1]["name"], "issuer");
    assert_eq!(report["checks"][1]["undecided"], true);
    let detail = report["checks"][1]["detail"].as_str().unwrap();
    assert!(
        detail.contains("trust list expired on 2026-12-31T23:59:59Z"),
        "{detail}"
    );
    assert!(detail.contains("fetch a current one"), "{detail}");

    let run = verify(&future, "2027-01-01");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "unknown");
    let detail = report["checks"][1]["detail"].as_str().unwrap();
    assert!(
        detail.contains("not in force before 2028-01-01T00:00:00Z"),
        "{detail}"
    );

    // Inside the window both are fine.
    assert_eq!(verify(&expired, "2026-12-01").code, 0);
    assert_eq!(verify(&future, "2028-06-01").code, 0);

    // The operator's tool signs an edition that ends.
    let run = scs(
        d,
        &[
            "trust-list",
            "sign",
            "--key",
            p(&demo("operator.key")),
            "--in",
            p(&demo("trust-list-edition.json")),
            "--valid-until",
            "2027-06-01",
            "--out",
            "ending.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(verify("ending.json", "2027-01-01").code, 0);
    let run = verify("ending.json", "2027-07-01");
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "unknown");
}
