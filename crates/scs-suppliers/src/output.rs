//! The judged rows written out: as CSV and as an Excel workbook for people, as JSON for programs,
//! and counted.
//!
//! CSV and workbook have the same columns: 行, 法人番号, the user's own columns in file order,
//! 求める★, 区分, 判定, 会社名, ★, 状態, 理由, 有効期限, 証明書ID (in English with `Lang::En`).
//! Dates are the day in Japan, `2029/03/31`. The CSV is UTF-8 (callers put a BOM before it when
//! they write a file, so Excel reads it as UTF-8); its 法人番号 is plain digits, as a program
//! reads them (docs/DECISIONS.md, "A 法人番号 in the CSV is plain digits"); in the workbook it is
//! a text cell, so Excel never shows it as 7.00001E+12.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use scs_core::lifecycle::CredentialState;
use scs_core::report::{Message, Verdict};
use scs_core::timestamp::Timestamp;
use serde_json::{json, Map, Value};

use crate::category::Category;
use crate::judge::RowResult;
use crate::lang::Lang;
use crate::list::Parsed;

/// How many rows got each verdict and each category.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Rows judged valid (要件充足 and 期限間近).
    pub valid: usize,
    /// Rows judged invalid.
    pub invalid: usize,
    /// Rows judged unknown.
    pub unknown: usize,
    /// Rows per category, in [`Category::ALL`]'s order.
    pub categories: Vec<(Category, usize)>,
}

impl Summary {
    /// Rows that need attention (every category but 要件充足).
    pub fn problems(&self) -> usize {
        self.categories
            .iter()
            .filter(|(c, _)| c.is_problem())
            .map(|(_, n)| n)
            .sum()
    }
}

/// Counts the results.
pub fn summary(results: &[RowResult]) -> Summary {
    let count = |keep: &dyn Fn(&RowResult) -> bool| results.iter().filter(|r| keep(r)).count();
    Summary {
        valid: count(&|r| r.verdict == Verdict::Valid),
        invalid: count(&|r| r.verdict == Verdict::Invalid),
        unknown: count(&|r| r.verdict == Verdict::Unknown),
        categories: Category::ALL
            .iter()
            .map(|c| (*c, count(&|r| r.category == *c)))
            .collect(),
    }
}

/// Only the rows that need attention (問題のある行だけ).
pub fn problems_only(results: &[RowResult]) -> Vec<RowResult> {
    results
        .iter()
        .filter(|r| r.category.is_problem())
        .cloned()
        .collect()
}

/// The state shown for a row: the state and its reason, in `lang`.
pub fn state_text(result: &RowResult, lang: Lang) -> String {
    let Some(state) = result.state else {
        return String::new();
    };
    let state_text = lang.pick(state.ja(), state.en());
    match result.reason {
        Some(reason) if state != CredentialState::Active => {
            let reason_text = lang.pick(reason.ja(), reason.code());
            match lang {
                Lang::Ja => format!("{state_text}（{reason_text}）"),
                Lang::En => format!("{state_text} ({reason_text})"),
            }
        }
        _ => state_text.to_owned(),
    }
}

/// A date as an office document in Japan writes it: the day in JST, `2029/03/31`.
pub fn office_date(t: &Timestamp) -> String {
    t.date_in_japan().slashed()
}

/// A moment as an office document in Japan writes it: `2029/03/31 09:30 JST`.
pub fn office_time(t: &Timestamp) -> String {
    let seconds_in_day = (t.unix() + 9 * 3600).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} JST",
        office_date(t),
        seconds_in_day / 3600,
        seconds_in_day % 3600 / 60
    )
}

/// One output cell.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(u64),
}

/// The header row.
fn header(parsed: &Parsed, lang: Lang) -> Vec<String> {
    let before = [
        lang.pick("行", "line"),
        lang.pick("法人番号", "corporateNumber"),
    ];
    let after = match lang {
        Lang::Ja => [
            "求める★",
            "区分",
            "判定",
            "会社名",
            "★",
            "状態",
            "理由",
            "有効期限",
            "証明書ID",
        ],
        Lang::En => [
            "requiredLevel",
            "category",
            "verdict",
            "legalName",
            "level",
            "status",
            "detail",
            "validUntil",
            "credentialId",
        ],
    };
    before
        .iter()
        .map(|s| (*s).to_owned())
        .chain(parsed.kept.iter().map(|k| k.title(lang)))
        .chain(after.iter().map(|s| (*s).to_owned()))
        .collect()
}

/// One result row's cells, in the header's order.
fn cells(r: &RowResult, lang: Lang) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let name = match lang {
        Lang::En => r.legal_name_en.as_ref().or(r.legal_name.as_ref()),
        Lang::Ja => r.legal_name.as_ref(),
    };
    let before = [
        Cell::Number(r.line as u64),
        Cell::Text(
            r.corporate_number
                .clone()
                .unwrap_or_else(|| r.given.clone()),
        ),
    ];
    let after = [
        r.required
            .map(|l| Cell::Number(u64::from(l)))
            .unwrap_or_else(|| text(&r.given_level)),
        text(lang.msg(&r.category.message())),
        text(lang.pick(r.verdict.ja(), r.verdict.en())),
        text(name.map(String::as_str).unwrap_or_default()),
        r.level
            .map(|l| Cell::Number(u64::from(l)))
            .unwrap_or_else(|| text("")),
        Cell::Text(state_text(r, lang)),
        text(lang.msg(&r.detail)),
        Cell::Text(r.valid_until.as_ref().map(office_date).unwrap_or_default()),
        Cell::Text(r.credential_id.clone().unwrap_or_default()),
    ];
    before
        .into_iter()
        .chain(r.kept.iter().map(|k| text(k)))
        .chain(after)
        .collect()
}

/// A CSV cell: quoted when needed, and defused when a spreadsheet would read it as a formula.
fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The results as CSV (CRLF line ends, header in `lang`, no BOM).
pub fn to_csv(results: &[RowResult], parsed: &Parsed, lang: Lang) -> String {
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    let mut out = line(header(parsed, lang).iter().map(|h| csv_cell(h)).collect());
    for r in results {
        out += &line(
            cells(r, lang)
                .into_iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_cell(&t),
                    Cell::Number(n) => n.to_string(),
                })
                .collect(),
        );
    }
    out
}

/// Why the workbook could not be written (it is built in memory: only a bug or memory gives one).
fn xlsx_failed(error: &XlsxError) -> Message {
    Message::new(
        format!("Excel ファイルを作れませんでした（{error}）"),
        format!("the Excel file could not be made ({error})"),
    )
}

/// The results as an Excel workbook: the sheet 結果 / results (the header bold and frozen, with
/// filters; every 法人番号 a text cell) and the sheet 概要 / summary (when, from what, the counts).
pub fn to_xlsx(
    results: &[RowResult],
    parsed: &Parsed,
    lang: Lang,
    at: Timestamp,
) -> Result<Vec<u8>, Message> {
    write_xlsx(results, parsed, lang, at).map_err(|e| xlsx_failed(&e))
}

fn write_xlsx(
    results: &[RowResult],
    parsed: &Parsed,
    lang: Lang,
    at: Timestamp,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(lang.pick("結果", "results"))?;
    let titles = header(parsed, lang);
    for (column, title) in (0u16..).zip(&titles) {
        sheet.write_string_with_format(0, column, title, &bold)?;
    }
    for (row, r) in (1u32..).zip(results) {
        for (column, cell) in (0u16..).zip(cells(r, lang)) {
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    sheet.write_string(row, column, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, column, n as f64)?;
                }
            }
        }
    }
    let last_row = u32::try_from(results.len()).unwrap_or(u32::MAX);
    let last_column = u16::try_from(titles.len().saturating_sub(1)).unwrap_or(0);
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_column)?;
    sheet.set_column_width(1, 15)?;
    let overview = book.add_worksheet();
    overview.set_name(lang.pick("概要", "summary"))?;
    let lines = summary_lines(results, parsed, lang, at);
    for (row, (label, value)) in (0u32..).zip(lines) {
        overview.write_string_with_format(row, 0, label, &bold)?;
        overview.write_string(row, 1, value)?;
    }
    overview.set_column_width(0, 24)?;
    overview.set_column_width(1, 40)?;
    book.save_to_buffer()
}

/// The summary sheet's lines: when, from what, and the counts.
fn summary_lines(
    results: &[RowResult],
    parsed: &Parsed,
    lang: Lang,
    at: Timestamp,
) -> Vec<(String, String)> {
    let counted = summary(results);
    let mut lines = vec![
        (
            lang.pick("確認日時（UTC）", "checked at (UTC)").to_owned(),
            at.to_string(),
        ),
        (
            lang.pick("確認日（日本時間）", "checked on (JST)")
                .to_owned(),
            office_date(&at),
        ),
        (
            lang.pick("読み込んだ形式", "read as").to_owned(),
            lang.msg(&parsed.encoding.message()).to_owned(),
        ),
        (
            lang.pick("行数", "rows").to_owned(),
            results.len().to_string(),
        ),
    ];
    lines.extend(
        counted
            .categories
            .iter()
            .map(|(c, n)| (lang.msg(&c.message()).to_owned(), n.to_string())),
    );
    lines.push((
        lang.pick("未確認（上限超え）", "not checked (past the limit)")
            .to_owned(),
        parsed.not_processed.to_string(),
    ));
    lines
}

/// The results as JSON: `{"checkedAt", "encoding", "summary": {valid, invalid, unknown,
/// notProcessed, categories: {meets, expiringSoon, …}}, "keptColumns": [header…], "rows":
/// [{line, given, corporateNumber, kept, legalName, legalNameEn, requiredLevel, category,
/// verdict, level, state, reason, detail, detailJa, validUntil, credentialId}]}`.
pub fn to_json(results: &[RowResult], parsed: &Parsed, at: Timestamp) -> Value {
    let counted = summary(results);
    let categories: Map<String, Value> = counted
        .categories
        .iter()
        .map(|(c, n)| (c.code().to_owned(), json!(n)))
        .collect();
    json!({
        "checkedAt": at,
        "encoding": parsed.encoding.code(),
        "summary": {
            "valid": counted.valid,
            "invalid": counted.invalid,
            "unknown": counted.unknown,
            "notProcessed": parsed.not_processed,
            "categories": categories,
        },
        "keptColumns": parsed.kept.iter().map(|k| k.title(Lang::En)).collect::<Vec<_>>(),
        "rows": results.iter().map(|r| json!({
            "line": r.line,
            "given": r.given,
            "corporateNumber": r.corporate_number,
            "kept": r.kept,
            "legalName": r.legal_name,
            "legalNameEn": r.legal_name_en,
            "requiredLevel": r.required,
            "category": r.category.code(),
            "verdict": r.verdict,
            "level": r.level,
            "state": r.state,
            "reason": r.reason,
            "detail": r.detail.en,
            "detailJa": r.detail.ja,
            "validUntil": r.valid_until,
            "credentialId": r.credential_id,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_in_japan() {
        let t = Timestamp::parse("2029-03-30T15:04:59Z").unwrap();
        assert_eq!(office_date(&t), "2029/03/31");
        assert_eq!(office_time(&t), "2029/03/31 00:04 JST");
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("株式会社"), "株式会社");
    }
}
