//! What an installed `scs` brings along: shell completions, man pages, and a demo registry that
//! runs from any folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;

use common::scs;
use common::server::DemoServer;

#[test]
fn completion_scripts_name_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = scs(d, &["completions", "bash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("verify"), "{}", run.stdout);
    fs::write(d.join("scs.bash"), &run.stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .args(["-n", "scs.bash"])
        .current_dir(d)
        .output()
        .expect("bash");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    for shell in ["zsh", "fish"] {
        let run = scs(d, &["completions", shell]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for command in ["verify-batch", "lookup", "config", "revoke"] {
            assert!(run.stdout.contains(command), "{shell} {command}");
        }
    }
    let run = scs(d, &["completions", "tcsh"]);
    assert_eq!(run.code, 2);
}

/// Whether `page` is roff with the title line of `name` in section 1.
fn is_man_page(page: &str, name: &str) -> bool {
    page.lines()
        .any(|line| line.starts_with(&format!(".TH {name} 1 ")))
}

#[test]
fn man_pages_document_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = scs(d, &["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(is_man_page(&run.stdout, "scs"), "{}", run.stdout);
    assert!(run.stdout.contains("verify"), "{}", run.stdout);

    let run = scs(d, &["man", "--out", "man/man1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = |name: &str| fs::read_to_string(d.join("man/man1").join(name)).unwrap();
    assert!(is_man_page(&page("scs.1"), "scs"));
    let verify = page("scs-verify.1");
    assert!(is_man_page(&verify, "scs-verify"), "{verify}");
    // roff escapes the hyphens of `--registry`.
    assert!(verify.contains("registry"), "{verify}");
    assert!(verify.contains(r"\-\-registry"), "{verify}");
    assert!(page("scs-log-audit.1").contains("SCS_REGISTRY"));
    assert!(is_man_page(&page("scs-config-set.1"), "scs-config-set"));
}

#[test]
fn the_demo_registry_runs_from_any_folder() {
    // Run from a folder with no `keys/demo` in it, as an installed `scs` is.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), d);
    let company = scs_registry::demo::demo_corporate_number(0);
    let run = scs(d, &["lookup", company.as_str(), "--registry", &server.url]);
    assert_eq!(
        run.code, 0,
        "the demo data is seeded: {}{}",
        run.stdout, run.stderr
    );
    let run = scs(d, &["log", "audit", "--registry", &server.url, "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Issue 15: a 法人番号 as people write it; an unknown one says what to do next.
    let number = company.as_str();
    let grouped = [&number[..1], &number[1..5], &number[5..9], &number[9..]].join("-");
    let run = scs(d, &["lookup", &grouped, "--registry", &server.url]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("株式会社さくら精機"), "{}", run.stdout);
    let unknown = scs_registry::demo::demo_corporate_number(999);
    let run = scs(d, &["lookup", unknown.as_str(), "--registry", &server.url]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("取引先に★取得証明書を求める"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("https://www.houjin-bangou.nta.go.jp/"));
    let wrong = format!(
        "{}{}",
        (number.as_bytes()[0] - b'0' + 1) % 10,
        &grouped[1..]
    );
    let run = scs(d, &["lookup", &wrong, "--registry", &server.url]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.error_line().contains("チェックデジット"),
        "{}",
        run.stderr
    );
}
