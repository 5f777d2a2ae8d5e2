//! `scs verify-batch` against the real `scs serve --demo`: the same rows, verdicts and reasons
//! as the registry's `/bulk` page, and the exit codes of SPEC §8.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{post_form, DemoServer};
use common::{repo, scs};

use calamine::{Data, Reader, Xlsx};

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
    assert!(lines[1].contains(",meets,Valid,"), "{}", lines[1]);
    assert!(lines[1].contains(",4,Active,"), "{}", lines[1]);
    assert!(lines[2].contains(",★ too low,Invalid,"), "{}", lines[2]);
    assert!(lines[2].contains("below the ★4 asked for"), "{}", lines[2]);
    assert!(lines[3].contains(",revoked,Invalid,"), "{}", lines[3]);
    assert!(lines[3].contains("Revoked (fraud)"), "{}", lines[3]);
    assert!(lines[4].contains(",input error,"), "{}", lines[4]);
    assert!(lines[4].contains("check digit"), "{}", lines[4]);
    // The summary counts every row once, by category, and says how the file was read.
    assert!(
        run.stderr
            .contains("5 rows: meets 1, ★ too low 1, revoked 1, input error 2 (CSV (UTF-8))\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("5 行: 要件充足 1 · ★不足 1 · 取消 1 · 入力エラー 2（CSV（UTF-8））"),
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
    // The 法人番号 stays plain digits in the CSV (docs/DECISIONS.md): no ="…", no apostrophe.
    assert!(
        report.contains("\r\n1,6001001000000,4,要件充足,"),
        "{report}"
    );

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

/// A supplier list as Japanese Excel saves "CSV": Shift_JIS, with the user's own columns.
fn shift_jis_list(dir: &std::path::Path) -> std::path::PathBuf {
    // さくら精機 ★4 valid, 青葉システム ★3 valid, 北斗製作所 revoked, 東雲化学 suspended,
    // かもめ食品 expired, and a 法人番号 with nothing registered.
    let csv = "取引先コード,取引先名,法人番号,求める★\r\nK-1,さくら,6001001000000,4\r\nK-2,青葉,9001001015838,4\r\n\
               K-3,北斗,2001001031676,\r\nK-4,東雲,2001001039595,\r\nK-5,かもめ,4001001047514,\r\nK-6,髙橋①,4001001316760,\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(csv);
    assert!(!unmappable);
    let path = dir.join("取引先.csv");
    std::fs::write(&path, &bytes).unwrap();
    path
}

/// `scs verify-batch ARGS… --registry URL --demo`.
fn verify_batch(dir: &std::path::Path, url: &str, args: &[&str]) -> common::Run {
    let mut all = vec!["verify-batch"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--registry", url, "--demo"]);
    scs(dir, &all)
}

#[test]
fn verify_batch_reads_shift_jis_and_xlsx_and_writes_xlsx_excel_reads_as_meant() {
    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::start(&dir.path().join("data"), &repo());
    let url = server.url.clone();
    let list = shift_jis_list(dir.path());
    let list = list.to_str().unwrap();

    // JSON first: the categories, and the demo numbers this test relies on.
    let run = verify_batch(dir.path(), &url, &[list, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["encoding"], "shift_jis");
    let categories: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        [
            "meets",
            "levelTooLow",
            "revoked",
            "suspended",
            "expired",
            "notRegistered"
        ],
        "{json}"
    );
    assert_eq!(
        json["keptColumns"],
        serde_json::json!(["取引先コード", "取引先名"])
    );
    assert_eq!(json["rows"][5]["kept"], serde_json::json!(["K-6", "髙橋①"]));
    assert!(run.stderr.contains("CSV（Shift_JIS）"), "{}", run.stderr);

    // The workbook, inferred from --out: read back as Excel reads it.
    let run = verify_batch(dir.path(), &url, &[list, "--out", "結果.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("結果.xlsx")).unwrap();
    let sheet = book.worksheet_range("結果").unwrap();
    let header = sheet.headers().unwrap();
    assert_eq!(
        &header[..6],
        [
            "行",
            "法人番号",
            "取引先コード",
            "取引先名",
            "求める★",
            "区分"
        ]
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    let cell = |r: u32, name: &str| {
        sheet
            .get_value((r, col(name)))
            .cloned()
            .unwrap_or(Data::Empty)
    };
    assert_eq!(cell(1, "法人番号"), Data::String("6001001000000".into()));
    let until = json["rows"][0]["validUntil"].as_str().unwrap();
    let until_in_japan = scs_core::timestamp::Timestamp::parse(until)
        .unwrap()
        .date_in_japan()
        .slashed();
    assert_eq!(cell(1, "有効期限"), Data::String(until_in_japan.clone()));
    assert!(until_in_japan.len() == 10 && until_in_japan.as_bytes()[4] == b'/');
    assert_eq!(cell(6, "取引先名"), Data::String("髙橋①".into()));
    assert_eq!(cell(6, "区分"), Data::String("未登録".into()));

    // An .xlsx list in (the 法人番号 typed as numbers, as Excel keeps them), only the
    // problems out, as CSV.
    let mut upload = rust_xlsxwriter::Workbook::new();
    let sheet = upload.add_worksheet();
    sheet.write_string(0, 0, "法人番号").unwrap();
    sheet.write_string(0, 1, "取引先名").unwrap();
    for (r, (number, name)) in
        (1u32..).zip([("6001001000000", "さくら"), ("2001001031676", "北斗")])
    {
        sheet
            .write_number(r, 0, number.parse::<f64>().unwrap())
            .unwrap();
        sheet.write_string(r, 1, name).unwrap();
    }
    upload.save(dir.path().join("list.xlsx")).unwrap();
    let run = verify_batch(
        dir.path(),
        &url,
        &["list.xlsx", "--problems-only", "--lang", "en"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[1].starts_with("3,2001001031676,北斗,,revoked,Invalid,"),
        "{}",
        lines[1]
    );
    assert!(
        run.stderr
            .contains("2 rows: meets 1, revoked 1 (Excel workbook"),
        "{}",
        run.stderr
    );

    // A workbook cannot go to the terminal.
    let run = verify_batch(dir.path(), &url, &[list, "--format", "xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("--out"), "{}", run.stderr);
}
