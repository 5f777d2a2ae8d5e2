//! `scs verify-batch` against the real `scs serve --demo`: the same rows, verdicts and reasons
//! as the registry's `/bulk` page, and the exit codes of SPEC §8.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{post_form, DemoServer};
use common::{repo, scs};

/// The CSV the web page `/bulk` gives for `csv` (its download button), without the BOM.
fn web_csv(url: &str, csv: &str) -> String {
    let (status, body) = post_form(
        &format!("{url}/bulk?lang=en"),
        &[("text", csv), ("format", "csv")],
    );
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    text.trim_start_matches('\u{FEFF}').to_owned()
}

#[test]
fn verify_batch_gives_the_web_pages_answers_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::start(&dir.path().join("data"), &repo());
    let url = server.url.clone();
    // Demo companies: さくら精機 ★4 valid, 青葉システム ★3 valid, 北斗製作所 ★4 revoked (fraud).
    let csv = "法人番号,求める★\n6001001000000,4\n9001001015838,4\n2001001031676,\n7001001000000,3\nnot a number,3\n";
    std::fs::write(dir.path().join("suppliers.csv"), csv).unwrap();

    let run = scs(
        dir.path(),
        &[
            "verify-batch",
            "suppliers.csv",
            "--registry",
            &url,
            "--demo",
            "--lang",
            "en",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", run.stdout);
    assert!(lines[1].contains(",Valid,4,Active,"), "{}", lines[1]);
    assert!(lines[2].contains("below the ★4 asked for"), "{}", lines[2]);
    assert!(lines[3].contains("Revoked (fraud)"), "{}", lines[3]);
    assert!(lines[4].contains("check digit"), "{}", lines[4]);
    // Issue 11 item 6: the two unreadable rows are two of the four invalid ones, counted once:
    // the summary adds up to the five rows.
    assert!(
        run.stderr
            .contains("valid 1, invalid 4 (2 of them unreadable), unknown 0\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("無効 4（うち読めない行 2）"),
        "{}",
        run.stderr
    );

    // The same logic as the web page: the same CSV, row for row (the CLI checks the signatures
    // itself, the page on the registry).
    assert_eq!(
        run.stdout.replace("\r\n", "\n"),
        web_csv(&url, csv).replace("\r\n", "\n")
    );

    // JSON, and a list where every supplier is valid: exit 0.
    let run = scs(
        dir.path(),
        &[
            "verify-batch",
            "suppliers.csv",
            "--registry",
            &url,
            "--demo",
            "--json",
        ],
    );
    assert_eq!(run.json()["summary"]["valid"], 1);
    assert_eq!(run.json()["rows"][2]["reason"], "fraud");
    std::fs::write(
        dir.path().join("good.csv"),
        "6001001000000,4\n9001001015838\n",
    )
    .unwrap();
    let run = scs(
        dir.path(),
        &[
            "verify-batch",
            "good.csv",
            "--registry",
            &url,
            "--demo",
            "--out",
            "report.csv",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = std::fs::read_to_string(dir.path().join("report.csv")).unwrap();
    assert!(report.starts_with("\u{FEFF}行,法人番号"));

    // No operator key: the registry's trust list cannot be checked, so nothing is judged.
    let run = scs(
        dir.path(),
        &["verify-batch", "good.csv", "--registry", &url],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.error_line().contains("SCS_OPERATOR_KEY"),
        "{}",
        run.stderr
    );

    // Not a list: exit 2 with one error line.
    std::fs::write(dir.path().join("empty.csv"), "\n\n").unwrap();
    let run = scs(
        dir.path(),
        &["verify-batch", "empty.csv", "--registry", &url, "--demo"],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("no rows"));
}
