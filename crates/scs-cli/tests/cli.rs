//! The `scs` binary, run for real in temporary folders: the README walk-through, exit codes, and
//! bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;

use common::{demo, issue_demo, scs, write_subject};
use scs_core::credential::{StatusEntry, StatusPurpose};
use scs_core::proof::{self, ProofPurpose};
use scs_core::status_list::{Bitstring, StatusList};
use scs_core::timestamp::Timestamp;
use scs_issuer::keyfile;
use serde_json::Value;

/// `scs trust-list new` for edition 1 of a registry whose keys are in `keys/`, into
/// `edition.json`.
fn new_edition(d: &std::path::Path) -> common::Run {
    scs(
        d,
        &[
            "trust-list",
            "new",
            "--base-url",
            "https://registry.example",
            "--status-key",
            "keys/status.pub",
            "--log-key",
            "keys/log.pub",
            "--out",
            "edition.json",
        ],
    )
}

/// `scs trust-list sign` of `edition.json` with `keys/operator.key` into `trust-list.json`.
fn sign_edition(d: &std::path::Path) -> common::Run {
    let args = ["--key", "keys/operator.key", "--in", "edition.json"];
    scs(
        d,
        &[
            &["trust-list", "sign"],
            args.as_slice(),
            &["--out", "trust-list.json"],
        ]
        .concat(),
    )
}

/// `scs issue` of `subject.json` at ★4 with `key` under `trust-list.json` into `cred.json`.
fn issue_star4(d: &std::path::Path, key: &str) -> common::Run {
    let trusted = [
        "--trust-list",
        "trust-list.json",
        "--operator-key",
        "keys/operator.pub",
    ];
    let args = [
        "issue",
        "--key",
        key,
        "--subject",
        "subject.json",
        "--level",
        "4",
    ];
    scs(d, &[&args[..], &trusted, &["--out", "cred.json"]].concat())
}

fn p(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn walk_through_from_keygen_to_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Operator, issuer and registry keys.
    for name in ["operator", "issuer", "status", "log"] {
        let run = scs(d, &["keygen", "--out", &format!("keys/{name}")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let secret = fs::read_to_string(d.join(format!("keys/{name}.key"))).unwrap();
        let secret_line = secret.lines().last().unwrap();
        assert!(
            !run.stdout.contains(secret_line),
            "keygen must never print the secret"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(d.join(format!("keys/{name}.key")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    // The operator builds edition 1 with commands, no hand-edited JSON.
    let run = new_edition(d);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let add_issuer = |key: &str, level: &str| {
        scs(
            d,
            &[
                "trust-list",
                "add-issuer",
                "edition.json",
                "--issuer",
                key,
                "--name",
                "テスト評価機関",
                "--level",
                "3",
                "--level",
                level,
                "--from",
                "2026-01-01",
            ],
        )
    };
    let run = add_issuer("keys/issuer.pub", "4");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("★3, ★4"), "{}", run.stdout);
    // A key is designated once; a level the policy has no rule for is refused; nothing is
    // written either time.
    let before = fs::read(d.join("edition.json")).unwrap();
    let run = add_issuer("keys/issuer.pub", "4");
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("already in this edition"),
        "{}",
        run.stderr
    );
    let run = add_issuer("keys/log.pub", "5");
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("no rule for ★5"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(d.join("edition.json")).unwrap(), before);
    // `new` never overwrites an edition.
    let run = new_edition(d);
    assert_eq!(run.code, 2);
    assert_eq!(fs::read(d.join("edition.json")).unwrap(), before);
    let run = sign_edition(d);
    assert_eq!(run.code, 0, "{}", run.stderr);

    write_subject(d);
    let run = issue_star4(d, "keys/issuer.key");
    assert_eq!(run.code, 0, "{}", run.stderr);

    let verify = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            file,
            "--offline",
            "--trust-list",
            "trust-list.json",
            "--operator-key",
            "keys/operator.pub",
        ];
        args.extend_from_slice(extra);
        scs(d, &args)
    };
    let run = verify(
        "cred.json",
        &["--min-level", "3", "--corporate-number", "7000012050002"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("✓ 有効 / Valid"), "{}", run.stdout);
    for label in [
        "署名 Signature",
        "発行者 Issuer",
        "有効期間 Validity",
        "失効状況 Status",
        "対象企業 Subject",
        "★段階 Level",
    ] {
        assert!(run.stdout.contains(label), "{label} in {}", run.stdout);
    }

    // Edit one character: invalid, with the reason.
    let text = fs::read_to_string(d.join("cred.json")).unwrap();
    fs::write(d.join("edited.json"), text.replacen("製作所", "製作新", 1)).unwrap();
    let run = verify("edited.json", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("✗ 無効 / Invalid"), "{}", run.stdout);
    assert!(run.stdout.contains("altered"), "{}", run.stdout);

    // A trust list signed by someone else is refused as input.
    let run = scs(
        d,
        &[
            "verify",
            "cred.json",
            "--trust-list",
            "trust-list.json",
            "--operator-key",
            "keys/issuer.pub",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("not by the pinned operator key"));
}

#[test]
fn demo_keys_issue_and_verify_with_the_pinned_demo_operator() {
    let dir = tempfile::tempdir().unwrap();
    let cred = issue_demo(dir.path(), "4", "cred.json");
    let run = scs(
        dir.path(),
        &[
            "verify",
            p(&cred),
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
            "--at",
            "2027-01-01",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "valid");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["signature", "issuer", "validity", "status"],
        "unasked checks are left out"
    );
    assert_eq!(report["credential"]["corporateNumber"], "7000012050002");
    assert_eq!(report["credential"]["level"], 4);
    assert_eq!(report["credential"]["validUntil"], "2029-03-31T23:59:59Z");

    // --at outside validity, and a higher ask than the ★ held.
    let run = scs(
        dir.path(),
        &[
            "verify",
            p(&cred),
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
            "--at",
            "2029-04-01",
            "--json",
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["checks"][2]["ok"], false);
    let run = scs(
        dir.path(),
        &[
            "verify",
            p(&cred),
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
            "--at",
            "2027-01-01",
            "--min-level",
            "5",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("✗ ★段階 Level"), "{}", run.stdout);

    // The ★3 confirming organisation is not designated for ★4.
    let run = scs(
        dir.path(),
        &[
            "issue",
            "--key",
            p(&demo("issuer-star3.key")),
            "--subject",
            "subject.json",
            "--level",
            "4",
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
            "--out",
            "x.json",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("not designated for ★4"));
}

#[test]
fn without_a_trust_list_any_eddsa_jcs_2022_credential_gets_its_signature_checked() {
    let dir = tempfile::tempdir().unwrap();
    let vector = common::repo().join("tests/vectors/eddsa-jcs-2022/signedJCS.json");
    let run = scs(dir.path(), &["verify", p(&vector), "--json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["verdict"], "invalid");
    assert_eq!(report["checks"][0]["name"], "signature");
    assert_eq!(report["checks"][0]["ok"], true);
    assert_eq!(report["checks"][1]["name"], "issuer");
    assert_eq!(report["checks"][1]["ok"], false);
}

/// Signs a ★4 credential carrying a revocation entry, and a status list with `set` bits, both
/// with the demo keys.
fn credential_with_status(dir: &std::path::Path, set: &[usize]) -> (String, String) {
    let url = "http://127.0.0.1:8080/v1/status/revocation/0";
    let issuer = keyfile::load_secret(&demo("issuer-star4.key")).unwrap().key;
    let status_key = keyfile::load_secret(&demo("registry-status.key"))
        .unwrap()
        .key;
    let subject =
        scs_issuer::SubjectInput::parse_many(&fs::read_to_string(write_subject(dir)).unwrap())
            .unwrap()
            .remove(0);
    let t = |s| Timestamp::parse(s).unwrap();
    let params = scs_issuer::IssueParams {
        issuer_name: "デモ評価機関（デモ用）".into(),
        level: scs_core::credential::Level::STAR4,
        method: None,
        criteria_version: scs_issuer::CURRENT_CRITERIA_VERSION.into(),
        assessed_on: None,
        valid_from: t("2026-06-01T00:00:00Z"),
        valid_for: None,
        status: vec![StatusEntry {
            purpose: StatusPurpose::Revocation,
            list_url: url.into(),
            index: 4242,
        }],
        policy: Default::default(),
    };
    let cred = scs_issuer::issue(&subject, &params, &issuer, t("2026-06-01T00:00:00Z")).unwrap();
    let mut bits = Bitstring::new(0);
    for &i in set {
        bits.set(i, true);
    }
    let list = StatusList {
        url: url.into(),
        purpose: StatusPurpose::Revocation,
        bits,
        valid_from: t("2026-06-01T00:00:00Z"),
        valid_until: None,
        ttl_ms: None,
    };
    let signed_list = proof::sign(
        list.to_json(&status_key.public().did_key()),
        &status_key,
        t("2026-06-01T00:00:00Z"),
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    fs::write(dir.join("cred.json"), cred.to_string()).unwrap();
    fs::write(dir.join("list.json"), signed_list.to_string()).unwrap();
    ("cred.json".into(), "list.json".into())
}

#[test]
fn status_is_unknown_without_a_list_and_decided_with_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tl = demo("trust-list.json");
    let (cred, list) = credential_with_status(d, &[4241, 4243]);
    let run = scs(
        d,
        &[
            "verify",
            &cred,
            "--offline",
            "--trust-list",
            p(&tl),
            "--demo",
            "--at",
            "2027-01-01",
            "--json",
        ],
    );
    assert_eq!(run.code, 1, "unknown exits 1");
    assert_eq!(run.json()["verdict"], "unknown");
    let run = scs(
        d,
        &[
            "verify",
            &cred,
            "--offline",
            "--trust-list",
            p(&tl),
            "--demo",
            "--status-list",
            &list,
            "--at",
            "2027-01-01",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let (cred, list) = credential_with_status(d, &[4242]);
    let run = scs(
        d,
        &[
            "verify",
            &cred,
            "--offline",
            "--trust-list",
            p(&tl),
            "--demo",
            "--status-list",
            &list,
            "--at",
            "2027-01-01",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("✗ 失効状況 Status: 取消されています / revoked"),
        "{}",
        run.stdout
    );

    // A status list signed by the issuer instead of the registry is refused.
    let bad = d.join("forged-list.json");
    let text = fs::read_to_string(d.join(&list)).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["credentialSubject"]["encodedList"] = Bitstring::new(0).encode().into();
    fs::write(&bad, doc.to_string()).unwrap();
    let run = scs(
        d,
        &[
            "verify",
            &cred,
            "--trust-list",
            p(&tl),
            "--demo",
            "--status-list",
            p(&bad),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("status list signature"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_gets_exit_2_or_1_with_one_line_and_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = issue_demo(d, "4", "cred.json");
    let good: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&cred).unwrap()).unwrap();
    let tl = demo("trust-list.json");

    let exit_2 = [
        ("not-json.json", "this is not json".to_owned(), "not JSON"),
        ("deep.json", "[".repeat(100_000), "not JSON"),
        (
            "huge.json",
            format!("{{\"a\": \"{}\"}}", "x".repeat(300 * 1024)),
            "larger than",
        ),
        ("array.json", "[1, 2]".to_owned(), "not a VC 2.0 credential"),
        (
            "no-context.json",
            {
                let mut v = good.clone();
                v.as_object_mut().unwrap().remove("@context");
                v.to_string()
            },
            "@context",
        ),
        (
            "wrong-type.json",
            {
                let mut v = good.clone();
                v["validFrom"] = 20270101.into();
                v.to_string()
            },
            "validFrom",
        ),
    ];
    for (name, text, reason) in exit_2 {
        fs::write(d.join(name), text).unwrap();
        let run = scs(d, &["verify", name, "--trust-list", p(&tl), "--demo"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.error_line().contains(reason), "{name}: {}", run.stderr);
    }

    let exit_1 = [
        (
            "bad-multibase.json",
            {
                let mut v = good.clone();
                v["proof"]["proofValue"] = "z0OIl".into();
                v
            },
            "proofValue",
        ),
        (
            "secp-key.json",
            {
                let mut v = good.clone();
                v["proof"]["verificationMethod"] = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme".into();
                v
            },
            "multicodec",
        ),
        (
            "bad-corp.json",
            {
                let mut v = good.clone();
                v["credentialSubject"]["corporateNumber"] = "7000012050003".into();
                v
            },
            "altered",
        ),
        (
            "missing-proof.json",
            {
                let mut v = good.clone();
                v.as_object_mut().unwrap().remove("proof");
                v
            },
            "no proof",
        ),
        (
            "level-9.json",
            {
                let mut v = good.clone();
                v["credentialSubject"]["achievement"]["level"] = 9.into();
                v
            },
            "altered",
        ),
    ];
    for (name, value, reason) in exit_1 {
        fs::write(d.join(name), value.to_string()).unwrap();
        let run = scs(d, &["verify", name, "--trust-list", p(&tl), "--demo"]);
        assert_eq!(run.code, 1, "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(reason), "{name}: {}", run.stdout);
    }

    let usage = [
        vec!["verify", "cred.json", "--corporate-number", "7000012050003"],
        vec!["verify", "cred.json", "--min-level", "7"],
        vec!["verify", "cred.json", "--at", "next tuesday"],
        vec!["verify", "missing.json"],
        vec![
            "issue",
            "--key",
            "nokey.key",
            "--subject",
            "subject.json",
            "--level",
            "4",
            "--out",
            "x.json",
        ],
    ];
    for args in usage {
        let run = scs(d, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        run.error_line();
    }

    // An invalid 法人番号 in the subject file.
    fs::write(
        d.join("bad-subject.json"),
        r#"{"corporateNumber": "1234567890123", "legalName": "x"}"#,
    )
    .unwrap();
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            p(&demo("issuer-star4.key")),
            "--subject",
            "bad-subject.json",
            "--level",
            "4",
            "--issuer-name",
            "x",
            "--out",
            "x.json",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("check digit"));
    assert!(
        !d.join("x.json").exists(),
        "nothing written for refused input"
    );
}

#[cfg(unix)]
#[test]
fn a_secret_key_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(scs(d, &["keygen", "--out", "k"]).code, 0);
    fs::set_permissions(d.join("k.key"), fs::Permissions::from_mode(0o644)).unwrap();
    write_subject(d);
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            "k.key",
            "--subject",
            "subject.json",
            "--level",
            "3",
            "--issuer-name",
            "x",
            "--out",
            "c.json",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("chmod 600"));
}

#[test]
fn batch_issuance_signs_one_credential_per_subject() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("subjects.json"),
        r#"[{"corporateNumber": "7000012050002", "legalName": "一社"},
            {"corporateNumber": "1180301018771", "legalName": "二社", "scope": {"type": "Partial", "description": "本社工場"}}]"#,
    )
    .unwrap();
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            p(&demo("issuer-star4.key")),
            "--subject",
            "subjects.json",
            "--level",
            "3",
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
            "--out",
            "out",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files: Vec<_> = fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    for file in files {
        let run = scs(
            d,
            &[
                "verify",
                p(&file),
                "--trust-list",
                p(&demo("trust-list.json")),
                "--demo",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
    }
}

/// Issue 11 item 6: each status change's help lists the reasons it takes, and only those: a
/// suspension is for a matter that can be resolved (not `superseded`, not
/// `organization-dissolved`), a reinstatement names the matter resolved and may leave it to the
/// suspension's own reason. A reason the command does not take is refused before anything is
/// sent.
#[test]
fn each_status_change_offers_only_its_own_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suspension = [
        "scope-change",
        "nonconformity",
        "fraud",
        "issuer-error",
        "holder-request",
        "issuer-withdrawn",
    ];
    let help = |command: &str| {
        let run = scs(d, &[command, "--help"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
    };
    let revoke = help("revoke");
    for reason in suspension
        .iter()
        .chain(&["superseded", "organization-dissolved"])
    {
        assert!(revoke.contains(reason), "{reason} in {revoke}");
    }
    for command in ["suspend", "reinstate"] {
        let text = help(command);
        for reason in suspension {
            assert!(text.contains(reason), "{reason} in {text}");
        }
        for reason in ["superseded", "organization-dissolved"] {
            assert!(!text.contains(reason), "{reason} in {text}");
        }
    }
    let run = scs(
        d,
        &[
            "suspend",
            "urn:uuid:8a7f0c47-3a4e-4c2b-9d5e-0b7a1c2d3e4f",
            "--reason",
            "superseded",
            "--key",
            "none.key",
            "--registry",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.error_line().contains("scope-change") && !run.error_line().contains("superseded,"),
        "{}",
        run.stderr
    );
}

/// Issue 11 item 6: `scs issue --level` offers ★3 and ★4; ★5 is refused (exit 2, one line
/// saying why) unless the trust list in use designates the issuer for it — with no trust list,
/// and with the demo list, which designates no one for ★5.
#[test]
fn star5_is_refused_unless_the_trust_list_designates_the_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_subject(d);
    let run = scs(d, &["issue", "--help"]);
    let level = run
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("--level"))
        .nth(1)
        .unwrap_or_default();
    assert!(level.contains("3 or 4"), "{}", run.stdout);
    let issue = |extra: &[&str]| {
        let args = [&["--level", "5", "--out", "c.json"], extra].concat();
        common::issue_with_star4_key(d, &args)
    };
    let run = issue(&["--issuer-name", "Some Body"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.error_line().contains("--trust-list"), "{}", run.stderr);
    let run = issue(&[
        "--trust-list",
        demo("trust-list.json").to_str().unwrap(),
        "--demo",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.error_line().contains("★5の発行を指定されていません")
            && run.error_line().contains("not designated for ★5"),
        "{}",
        run.stderr
    );
    assert!(!d.join("c.json").exists());
}

/// Issue 15: the operator sets an issuer's English name, contact and site by command; they are
/// signed with the edition and read back from it; a site that is not https:// or a contact
/// that is not one is refused (exit 2) and the edition is left as it was.
#[test]
fn an_issuers_contact_and_site_are_set_by_command_and_signed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["operator", "issuer", "status", "log"] {
        assert_eq!(
            scs(d, &["keygen", "--out", &format!("keys/{name}")]).code,
            0
        );
    }
    let trust_list = |args: &[&str]| scs(d, &[&["trust-list"], args].concat());
    let run = new_edition(d);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let add = |url: &str| {
        trust_list(&[
            "add-issuer",
            "edition.json",
            "--issuer",
            "keys/issuer.pub",
            "--name",
            "テスト評価機関",
            "--name-en",
            "Test Evaluation Body",
            "--email",
            "desk@test.example.jp",
            "--url",
            url,
            "--level",
            "4",
        ])
    };
    let unchanged = fs::read(d.join("edition.json")).unwrap();
    let run = add("http://test.example.jp");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("https://"), "{}", run.stderr);
    assert_eq!(fs::read(d.join("edition.json")).unwrap(), unchanged);
    assert_eq!(add("https://test.example.jp/").code, 0);

    let set = |flag: &str, value: &str| {
        trust_list(&[
            "set-issuer",
            "edition.json",
            "--issuer",
            "keys/issuer.pub",
            flag,
            value,
        ])
    };
    let before = fs::read(d.join("edition.json")).unwrap();
    for (flag, bad) in [
        ("--url", "javascript:alert(1)"),
        ("--phone", "０３-1234-5678"),
        ("--email", "desk"),
    ] {
        let run = set(flag, bad);
        assert_eq!(run.code, 2, "{flag} {bad}: {}", run.stderr);
        assert!(run.error_line().starts_with("error: "), "{}", run.stderr);
    }
    assert_eq!(fs::read(d.join("edition.json")).unwrap(), before);
    let run = set("--phone", "03-1234-5678");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("テスト評価機関"), "{}", run.stdout);

    let run = sign_edition(d);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Read back through the signature: the next edition starts from the signed one.
    let run = trust_list(&[
        "next",
        "trust-list.json",
        "--operator-key",
        "keys/operator.pub",
        "--out",
        "next.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let next: Value = serde_json::from_slice(&fs::read(d.join("next.json")).unwrap()).unwrap();
    let issuer = &next["issuers"][0];
    assert_eq!(issuer["nameEn"], "Test Evaluation Body");
    assert_eq!(
        issuer["contact"],
        serde_json::json!({"email": "desk@test.example.jp", "phone": "03-1234-5678"})
    );
    assert_eq!(issuer["url"], "https://test.example.jp/");
}

/// Issue 16 item 4: `scs trust-list rotate-key` gives an issuer a new key from a time; the old
/// key then signs nothing `scs issue` accepts, the new key does, and the signed edition lists
/// both keys with their windows. Bad edits (a key used twice, a rotation dated in the past, a
/// compromise moved later) exit 2 and leave the edition as it was.
#[test]
fn an_issuer_key_is_rotated_and_compromised_by_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["operator", "issuer", "issuer-2", "status", "log"] {
        assert_eq!(
            scs(d, &["keygen", "--out", &format!("keys/{name}")]).code,
            0
        );
    }
    let trust_list = |args: &[&str]| scs(d, &[&["trust-list"], args].concat());
    assert_eq!(new_edition(d).code, 0);
    let run = trust_list(&[
        "add-issuer",
        "edition.json",
        "--issuer",
        "keys/issuer.pub",
        "--name",
        "テスト評価機関",
        "--level",
        "4",
        "--from",
        "2026-01-01",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rotate = |new: &str, from: &[&str]| {
        let args = ["rotate-key", "edition.json", "--issuer", "keys/issuer.pub"];
        trust_list(&[&args[..], &["--new-key", new], from].concat())
    };
    let before = fs::read(d.join("edition.json")).unwrap();
    for (new, from, why) in [
        ("keys/issuer.pub", &[][..], "already in this edition"),
        (
            "keys/issuer-2.pub",
            &["--from", "2026-06-01"][..],
            "in the past",
        ),
    ] {
        let run = rotate(new, from);
        assert_eq!(run.code, 2, "{new} {from:?}: {}", run.stderr);
        assert!(run.error_line().contains(why), "{}", run.stderr);
        assert_eq!(fs::read(d.join("edition.json")).unwrap(), before);
    }
    let run = rotate("keys/issuer-2.pub", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let compromise = |since: &str| {
        trust_list(&[
            "compromise-key",
            "edition.json",
            "--key",
            "keys/issuer.pub",
            "--since",
            since,
        ])
    };
    assert_eq!(compromise("2026-05-01").code, 0);
    let before = fs::read(d.join("edition.json")).unwrap();
    let run = compromise("2026-05-15");
    assert_eq!(
        run.code, 2,
        "a compromise is not moved later: {}",
        run.stderr
    );
    assert_eq!(fs::read(d.join("edition.json")).unwrap(), before);
    assert_eq!(sign_edition(d).code, 0);

    let signed: Value =
        serde_json::from_slice(&fs::read(d.join("trust-list.json")).unwrap()).unwrap();
    let keys = &signed["credentialSubject"]["issuers"][0]["keys"];
    let did = |name: &str| fs::read_to_string(d.join(format!("keys/{name}.pub"))).unwrap();
    assert_eq!(keys[0]["id"], did("issuer").trim());
    assert_eq!(keys[0]["compromisedSince"], "2026-05-01T00:00:00Z");
    assert_eq!(keys[1]["id"], did("issuer-2").trim());
    assert_eq!(keys[0]["validUntil"], keys[1]["validFrom"]);

    write_subject(d);
    let run = issue_star4(d, "keys/issuer.key");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.error_line().contains("漏えい"), "{}", run.stderr);
    let run = issue_star4(d, "keys/issuer-2.key");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(
        d,
        &[
            "verify",
            "cred.json",
            "--offline",
            "--trust-list",
            "trust-list.json",
            "--operator-key",
            "keys/operator.pub",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("テスト評価機関"), "{}", run.stdout);
}
