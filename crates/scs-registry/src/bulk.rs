//! Checking a supplier list at once: the web page `/bulk` and `scs verify-batch` (SPEC §8).
//!
//! Both read the same CSV ([`parse_csv`]), judge each row with [`judge_all`] and write the same
//! CSV ([`to_csv`]) or JSON ([`to_json`]). What differs is only the [`Directory`] they ask: the
//! registry's own ledger for the web page, and a registry over HTTP for the CLI (which then checks
//! every signature itself, against the trust list it checked against the pinned operator key).
//!
//! A row is judged by verifying the company's registered credentials — active ones first,
//! highest ★ first — with the question "at least the ★ asked for, for this 法人番号, now", until
//! one is valid. So the verdict of a row is the verdict `scs verify` would give the best
//! credential the company has, and its reason is that report's.
//!
//! Bad rows never stop the list: a row that cannot be read (wrong check digit, a ★ that is not
//! 3, 4 or 5, an unterminated quote) gets the verdict 無効 with the reason, and the next row is
//! read. Rows past [`MAX_ROWS`] are counted, not judged.

use std::collections::HashMap;

use scs_core::credential::Level;
use scs_core::ids::{CorporateNumber, IdError};
use scs_core::lifecycle::{CredentialState, Reason};
use scs_core::report::{Message, Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_verifier::Question;
use serde_json::{json, Value};

use crate::web::Lang;

/// Most rows judged from one list; more are counted and reported as not processed.
pub const MAX_ROWS: usize = 10_000;
/// Largest CSV accepted, in bytes (10,000 rows of a 法人番号, a ★ and a name fit in well under 1 MiB).
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;
/// Most credentials of one company verified for one row.
const MAX_CANDIDATES: usize = 4;
/// Longest cell echoed back, in characters.
const MAX_ECHO_CHARS: usize = 40;

/// One row of the list, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Line number in the file (1-based).
    pub line: usize,
    /// The 法人番号 cell as given (bounded).
    pub given: String,
    /// The ★ cell as given (bounded).
    pub given_level: String,
    /// The 法人番号 and the ★ required, or why the row cannot be read.
    pub input: Result<(CorporateNumber, Option<Level>), Message>,
}

/// A list, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The data rows, in order (at most [`MAX_ROWS`]).
    pub rows: Vec<Row>,
    /// A header row was recognised and skipped.
    pub header: bool,
    /// Data rows past [`MAX_ROWS`], not judged.
    pub not_processed: usize,
}

impl Parsed {
    /// Rows that could not be read.
    pub fn broken(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.input.is_err())
    }
}

/// Why a whole list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// Larger than [`MAX_CSV_BYTES`].
    #[error("the list is larger than {MAX_CSV_BYTES} bytes")]
    TooLarge,
    /// Not UTF-8 text (e.g. Shift_JIS, or not a text file at all).
    #[error("the list is not UTF-8 text")]
    NotText,
    /// No data row at all.
    #[error("the list has no rows")]
    Empty,
}

impl ListError {
    /// The message shown to people.
    pub fn message(&self) -> Message {
        match self {
            Self::TooLarge => Message::new(
                format!("ファイルが大きすぎます（上限 {} MiB）", MAX_CSV_BYTES / 1024 / 1024),
                format!("the file is too large (limit {} MiB)", MAX_CSV_BYTES / 1024 / 1024),
            ),
            Self::NotText => Message::new(
                "UTF-8 のテキスト（CSV）として読めません。Excel では「CSV UTF-8」で保存してください",
                "not UTF-8 text (CSV); in Excel, save as \"CSV UTF-8\"",
            ),
            Self::Empty => Message::new(
                "法人番号の行がありません",
                "the list has no rows with a corporate number",
            ),
        }
    }
}

fn clip(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > MAX_ECHO_CHARS {
        text.chars().take(MAX_ECHO_CHARS).chain(['…']).collect()
    } else {
        text.to_owned()
    }
}

/// Splits one line into cells: comma-separated (tab-separated when it has tabs and no commas),
/// with RFC 4180 quotes. A quote left open makes the row unreadable; it never swallows the next
/// lines.
fn cells(line: &str) -> Result<Vec<String>, ()> {
    let separator = if !line.contains(',') && line.contains('\t') {
        '\t'
    } else {
        ','
    };
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == separator {
            out.push(std::mem::take(&mut cell));
            at_start = true;
        } else {
            if !c.is_whitespace() {
                at_start = false;
            }
            cell.push(c);
        }
    }
    if quoted {
        return Err(());
    }
    out.push(cell);
    Ok(out)
}

fn parse_level(text: &str) -> Result<Option<Level>, Message> {
    let digits: String = text
        .trim()
        .trim_start_matches(['★', '☆', '星'])
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let digits = digits.trim();
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(Level::new)
        .map(Some)
        .ok_or_else(|| {
            Message::new(
                format!(
                    "求める★「{}」は 3・4・5 のいずれかで書いてください",
                    clip(text)
                ),
                format!("the required ★ \"{}\" must be 3, 4 or 5", clip(text)),
            )
        })
}

/// The message for a 法人番号 that does not parse.
pub fn corporate_number_message(given: &str, error: &IdError) -> Message {
    let given = clip(given);
    match error {
        IdError::CorporateNumberCheckDigit { .. } => Message::new(
            format!("法人番号 {given} のチェックデジット（先頭の1桁）が合いません。打ち間違いがないか確かめてください"),
            format!("corporate number {given}: the check digit (the first digit) does not match; check for a typo"),
        ),
        _ if given.is_empty() => Message::new("法人番号が空です", "the corporate number is empty"),
        _ if given.contains(['E', 'e']) && given.contains('+') => Message::new(
            format!("「{given}」は表計算ソフトが数値に変換した形です。法人番号の列を文字列にして保存してください"),
            format!("\"{given}\" looks converted to a number by a spreadsheet; save the column as text"),
        ),
        _ => Message::new(
            format!("法人番号は13桁の数字です（「{given}」）"),
            format!("a corporate number is 13 digits (\"{given}\")"),
        ),
    }
}

fn is_number_header(cell: &str) -> bool {
    let cell = cell.trim().to_lowercase();
    cell.contains("法人番号") || cell.contains("corporate") || cell == "number"
}

fn is_level_header(cell: &str) -> bool {
    let cell = cell.trim().to_lowercase();
    ["★", "☆", "星", "level", "required", "要求", "段階"]
        .iter()
        .any(|k| cell.contains(k))
}

/// Reads a supplier list: one row per supplier, the 法人番号 in the first column (or the column
/// headed 法人番号 / corporateNumber) and optionally the ★ required in the second (or the column
/// headed ★ / level / required). Other columns are ignored. Blank lines are skipped; a UTF-8 BOM
/// is ignored.
pub fn parse_csv(bytes: &[u8]) -> Result<Parsed, ListError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(ListError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ListError::NotText)?;
    if text.contains('\0') {
        return Err(ListError::NotText);
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut parsed = Parsed::default();
    let mut columns = (0usize, Some(1usize));
    let mut first = true;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(row) = cells(line) else {
            if parsed.rows.len() >= MAX_ROWS {
                parsed.not_processed += 1;
                continue;
            }
            first = false;
            parsed.rows.push(Row {
                line: line_no,
                given: clip(line),
                given_level: String::new(),
                input: Err(Message::new(
                    "引用符（\"）が閉じていません",
                    "a quote (\") is not closed",
                )),
            });
            continue;
        };
        if first {
            first = false;
            let head = row.first().map(String::as_str).unwrap_or("");
            let looks_like_data = head
                .trim()
                .chars()
                .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
            if !looks_like_data {
                parsed.header = true;
                if let Some(n) = row.iter().position(|c| is_number_header(c)) {
                    columns.0 = n;
                }
                columns.1 = row
                    .iter()
                    .enumerate()
                    .position(|(i, c)| i != columns.0 && is_level_header(c));
                continue;
            }
        }
        if parsed.rows.len() >= MAX_ROWS {
            parsed.not_processed += 1;
            continue;
        }
        let given = row.get(columns.0).map(String::as_str).unwrap_or("");
        let given_level = columns
            .1
            .and_then(|i| row.get(i))
            .map(String::as_str)
            .unwrap_or("");
        let input = CorporateNumber::parse(given)
            .map_err(|e| corporate_number_message(given, &e))
            .and_then(|n| parse_level(given_level).map(|l| (n, l)));
        parsed.rows.push(Row {
            line: line_no,
            given: clip(given),
            given_level: clip(given_level),
            input,
        });
    }
    if parsed.rows.is_empty() {
        return Err(ListError::Empty);
    }
    Ok(parsed)
}

/// What the bulk check asks of a registry.
pub trait Directory {
    /// The company's credentials, as `GET /v1/organizations/{corporateNumber}` answers
    /// ([`crate::http::organization_view`]); `None` when nothing is registered for it; `Err`
    /// when the registry could not be asked.
    fn organization(&self, number: &CorporateNumber) -> Result<Option<Value>, Message>;
    /// Verifies the registered credential `id`, as `scs verify` would.
    fn verify(&self, id: &str, question: &Question) -> Result<Report, Message>;
}

/// One row, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct RowResult {
    /// Line number in the file.
    pub line: usize,
    /// The 法人番号 as given.
    pub given: String,
    /// The ★ required, as given.
    pub given_level: String,
    /// The 法人番号, when it was valid.
    pub corporate_number: Option<String>,
    /// The ★ required.
    pub required: Option<u8>,
    /// The company name, from its credential.
    pub legal_name: Option<String>,
    /// The English company name, when there is one.
    pub legal_name_en: Option<String>,
    /// The answer.
    pub verdict: Verdict,
    /// The ★ of the credential the answer is about.
    pub level: Option<u8>,
    /// That credential's state at the time of the check.
    pub state: Option<CredentialState>,
    /// The reason of its last status change.
    pub reason: Option<Reason>,
    /// Why, in both languages.
    pub detail: Message,
    /// That credential's id.
    pub credential_id: Option<String>,
    /// Valid until.
    pub valid_until: Option<Timestamp>,
}

impl RowResult {
    fn new(row: &Row, verdict: Verdict, detail: Message) -> Self {
        Self {
            line: row.line,
            given: row.given.clone(),
            given_level: row.given_level.clone(),
            corporate_number: None,
            required: None,
            legal_name: None,
            legal_name_en: None,
            verdict,
            level: None,
            state: None,
            reason: None,
            detail,
            credential_id: None,
            valid_until: None,
        }
    }
}

/// A credential of the organisation view, for ordering.
struct Candidate {
    id: String,
    level: u8,
    state: Option<CredentialState>,
    reason: Option<Reason>,
    log_index: u64,
}

fn candidates(view: &Value) -> Vec<Candidate> {
    let mut list: Vec<Candidate> = view["credentials"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            Some(Candidate {
                id: c["id"].as_str()?.to_owned(),
                level: c["level"].as_u64().and_then(|l| u8::try_from(l).ok())?,
                state: serde_json::from_value(c["state"].clone()).ok(),
                reason: serde_json::from_value(c["reason"].clone()).ok(),
                log_index: c["logIndex"].as_u64().unwrap_or(0),
            })
        })
        .collect();
    // Active first, then the highest ★, then the most recently registered.
    list.sort_by_key(|c| {
        (
            c.state != Some(CredentialState::Active),
            std::cmp::Reverse(c.level),
            std::cmp::Reverse(c.log_index),
        )
    });
    let active = list
        .iter()
        .filter(|c| c.state == Some(CredentialState::Active))
        .count();
    list.truncate(active.clamp(1, MAX_CANDIDATES));
    list
}

/// The failing checks of a report, joined.
pub fn failing_detail(report: &Report) -> Message {
    let failing: Vec<_> = report.checks.iter().filter(|c| !c.ok).collect();
    Message::new(
        failing
            .iter()
            .map(|c| format!("{}: {}", c.name.ja(), c.detail_ja))
            .collect::<Vec<_>>()
            .join("／"),
        failing
            .iter()
            .map(|c| format!("{}: {}", c.name.en(), c.detail))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Judges one row.
pub fn judge(row: &Row, directory: &dyn Directory, at: Timestamp) -> RowResult {
    let (number, required) = match &row.input {
        Ok(input) => *input,
        Err(why) => return RowResult::new(row, Verdict::Invalid, why.clone()),
    };
    let mut result = RowResult::new(row, Verdict::Invalid, Message::new("", ""));
    result.corporate_number = Some(number.to_string());
    result.required = required.map(Level::get);
    let view = match directory.organization(&number) {
        Ok(Some(view)) => view,
        Ok(None) => {
            result.detail = Message::new(
                "この法人番号の★取得証明は登録されていません",
                "no ★ credential is registered for this corporate number",
            );
            return result;
        }
        Err(why) => {
            result.verdict = Verdict::Unknown;
            result.detail = why;
            return result;
        }
    };
    result.legal_name = view["legalName"].as_str().map(str::to_owned);
    let question = Question {
        at,
        now: at,
        min_level: required,
        corporate_number: Some(number),
    };
    let mut first: Option<(Candidate, Result<Report, Message>)> = None;
    for candidate in candidates(&view) {
        let report = directory.verify(&candidate.id, &question);
        if let Ok(report) = &report {
            if report.verdict == Verdict::Valid {
                fill(&mut result, &candidate, report);
                result.verdict = Verdict::Valid;
                let level = result.level.unwrap_or(candidate.level);
                let until = result
                    .valid_until
                    .map(|t| t.date().to_string())
                    .unwrap_or_default();
                result.detail = Message::new(
                    format!("★{level} 有効（{until} まで）"),
                    format!("★{level} valid until {until}"),
                );
                return result;
            }
        }
        let unknown_first = matches!(&first, Some((_, Ok(r))) if r.verdict != Verdict::Unknown)
            && matches!(&report, Ok(r) if r.verdict == Verdict::Unknown);
        if first.is_none() || unknown_first {
            first = Some((candidate, report));
        }
    }
    match first {
        Some((candidate, Ok(report))) => {
            fill(&mut result, &candidate, &report);
            result.verdict = report.verdict;
            result.detail = failing_detail(&report);
        }
        Some((candidate, Err(why))) => {
            result.credential_id = Some(candidate.id);
            result.level = Some(candidate.level);
            result.state = candidate.state;
            result.reason = candidate.reason;
            result.verdict = Verdict::Unknown;
            result.detail = why;
        }
        None => {
            result.detail = Message::new(
                "この法人番号の★取得証明は登録されていません",
                "no ★ credential is registered for this corporate number",
            );
        }
    }
    result
}

fn fill(result: &mut RowResult, candidate: &Candidate, report: &Report) {
    result.credential_id = Some(candidate.id.clone());
    result.level = Some(candidate.level);
    result.state = candidate.state;
    result.reason = candidate.reason;
    if let Some(facts) = &report.credential {
        result.level = Some(facts.level.get());
        result.legal_name = Some(facts.legal_name.clone());
        result.legal_name_en = facts.legal_name_en.clone();
        result.valid_until = Some(facts.valid_until);
    }
}

/// Judges every row, in order. A 法人番号 listed again with the same ★ asked is judged once.
pub fn judge_all(parsed: &Parsed, directory: &dyn Directory, at: Timestamp) -> Vec<RowResult> {
    let mut seen: HashMap<(CorporateNumber, Option<Level>), RowResult> = HashMap::new();
    parsed
        .rows
        .iter()
        .map(|row| {
            let Ok(key) = &row.input else {
                return judge(row, directory, at);
            };
            if let Some(earlier) = seen.get(key) {
                return RowResult {
                    line: row.line,
                    given: row.given.clone(),
                    given_level: row.given_level.clone(),
                    ..earlier.clone()
                };
            }
            let result = judge(row, directory, at);
            seen.insert(*key, result.clone());
            result
        })
        .collect()
}

/// How many rows got each verdict: (valid, invalid, unknown).
pub fn summary(results: &[RowResult]) -> (usize, usize, usize) {
    results
        .iter()
        .fold((0, 0, 0), |(v, i, u), r| match r.verdict {
            Verdict::Valid => (v + 1, i, u),
            Verdict::Invalid => (v, i + 1, u),
            Verdict::Unknown => (v, i, u + 1),
        })
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

/// The results as CSV (CRLF line ends, header in `lang`).
pub fn to_csv(results: &[RowResult], lang: Lang) -> String {
    let header = match lang {
        Lang::Ja => [
            "行",
            "法人番号",
            "会社名",
            "求める★",
            "判定",
            "★",
            "状態",
            "理由",
            "有効期限",
            "証明書ID",
        ],
        Lang::En => [
            "line",
            "corporateNumber",
            "legalName",
            "requiredLevel",
            "verdict",
            "level",
            "status",
            "detail",
            "validUntil",
            "credentialId",
        ],
    };
    let mut out = header.join(",") + "\r\n";
    for r in results {
        let name = match lang {
            Lang::En => r.legal_name_en.as_ref().or(r.legal_name.as_ref()),
            Lang::Ja => r.legal_name.as_ref(),
        };
        let cells = [
            r.line.to_string(),
            r.corporate_number
                .clone()
                .unwrap_or_else(|| r.given.clone()),
            name.cloned().unwrap_or_default(),
            r.required
                .map(|l| l.to_string())
                .unwrap_or_else(|| r.given_level.clone()),
            lang.pick(r.verdict.ja(), r.verdict.en()).to_owned(),
            r.level.map(|l| l.to_string()).unwrap_or_default(),
            state_text(r, lang),
            lang.pick(&r.detail.ja, &r.detail.en).to_owned(),
            r.valid_until.map(|t| t.to_string()).unwrap_or_default(),
            r.credential_id.clone().unwrap_or_default(),
        ];
        out += &cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",");
        out += "\r\n";
    }
    out
}

/// The results as JSON: `{"checkedAt", "summary": {valid, invalid, unknown, notProcessed},
/// "rows": [{line, corporateNumber, legalName, requiredLevel, verdict, level, state, reason,
/// detail, detailJa, validUntil, credentialId}]}`.
pub fn to_json(results: &[RowResult], parsed: &Parsed, at: Timestamp) -> Value {
    let (valid, invalid, unknown) = summary(results);
    json!({
        "checkedAt": at,
        "summary": {"valid": valid, "invalid": invalid, "unknown": unknown, "notProcessed": parsed.not_processed},
        "rows": results.iter().map(|r| json!({
            "line": r.line,
            "given": r.given,
            "corporateNumber": r.corporate_number,
            "legalName": r.legal_name,
            "legalNameEn": r.legal_name_en,
            "requiredLevel": r.required,
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
    use scs_core::report::{Check, CheckName};

    fn number(body: u64) -> String {
        CorporateNumber::from_body(body).unwrap().to_string()
    }

    #[test]
    fn reads_headers_quotes_bom_and_broken_rows() {
        let good = number(1_001_000_000);
        let other = number(1_001_007_919);
        let wrong = format!("{}{}", (good.as_bytes()[0] - b'0' + 1) % 10, &good[1..]);
        let csv = format!(
            "\u{FEFF}会社名,法人番号,求める★\r\n\"さくら, 精機\",{good},★4\n\n取引先B,{wrong},3\nC,{other},7\n\"D,{other}\nE,1.23457E+12,\nF,＿,\nG,{other},"
        );
        let parsed = parse_csv(csv.as_bytes()).unwrap();
        assert!(parsed.header);
        assert_eq!(parsed.rows.len(), 7);
        let r = &parsed.rows;
        assert_eq!(r[0].line, 2);
        assert_eq!(
            r[0].input,
            Ok((CorporateNumber::parse(&good).unwrap(), Level::new(4)))
        );
        assert!(r[1].input.as_ref().unwrap_err().en.contains("check digit"));
        assert!(r[2].input.as_ref().unwrap_err().en.contains("3, 4 or 5"));
        assert!(r[3].input.as_ref().unwrap_err().en.contains("quote"));
        assert!(r[4].input.as_ref().unwrap_err().en.contains("spreadsheet"));
        assert!(r[5].input.as_ref().unwrap_err().en.contains("13 digits"));
        assert_eq!(parsed.broken().count(), 5);
    }

    #[test]
    fn no_header_tabs_and_limits() {
        let good = number(1_001_000_000);
        let parsed = parse_csv(format!("{good}\t４\n").as_bytes()).unwrap();
        assert!(!parsed.header);
        assert_eq!(parsed.rows[0].input.as_ref().unwrap().1, Level::new(4));
        let many = format!("{good}\n").repeat(MAX_ROWS + 5);
        let parsed = parse_csv(many.as_bytes()).unwrap();
        assert_eq!(parsed.rows.len(), MAX_ROWS);
        assert_eq!(parsed.not_processed, 5);
        assert_eq!(parse_csv(b"\n\n"), Err(ListError::Empty));
        assert_eq!(parse_csv(&[0xff, 0xfe, 0x00]), Err(ListError::NotText));
        assert_eq!(
            parse_csv(&vec![b'1'; MAX_CSV_BYTES + 1]),
            Err(ListError::TooLarge)
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("株式会社"), "株式会社");
    }

    struct Fake;

    impl Directory for Fake {
        fn organization(&self, number: &CorporateNumber) -> Result<Option<Value>, Message> {
            match number.as_str().as_bytes()[12] {
                b'0' => Ok(Some(json!({"legalName": "甲", "credentials": [
                    {"id": "a", "level": 3, "state": "active", "logIndex": 1},
                    {"id": "b", "level": 4, "state": "revoked", "reason": "fraud", "logIndex": 2},
                ]}))),
                b'9' => Err(Message::new("届きません", "unreachable")),
                _ => Ok(None),
            }
        }

        fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
            let level_ok = question.min_level.is_none_or(|l| l.get() <= 3);
            Ok(Report::new(
                vec![
                    Check::pass(CheckName::Signature, Message::new("良", "ok")),
                    if id == "a" && level_ok {
                        Check::pass(CheckName::Level, Message::new("良", "ok"))
                    } else {
                        Check::fail(CheckName::Level, Message::new("足りない", "too low"))
                    },
                ],
                None,
            ))
        }
    }

    #[test]
    fn rows_are_judged_by_their_best_credential() {
        let with_cred = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('0'))
            .unwrap();
        let missing = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('1'))
            .unwrap();
        let down = (1_001_000_000u64..)
            .map(number)
            .find(|n| n.ends_with('9'))
            .unwrap();
        let csv = format!("{with_cred}\n{with_cred},4\n{missing}\n{down}\n123\n");
        let parsed = parse_csv(csv.as_bytes()).unwrap();
        let at = Timestamp::parse("2027-01-01T00:00:00Z").unwrap();
        let results = judge_all(&parsed, &Fake, at);
        let verdicts: Vec<_> = results.iter().map(|r| r.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Valid,
                Verdict::Invalid,
                Verdict::Invalid,
                Verdict::Unknown,
                Verdict::Invalid
            ]
        );
        assert_eq!(results[0].credential_id.as_deref(), Some("a"));
        assert!(results[1].detail.en.contains("too low"));
        assert!(results[2].detail.en.contains("no ★ credential"));
        assert_eq!(summary(&results), (1, 3, 1));
        let csv = to_csv(&results, Lang::En);
        assert!(csv.starts_with("line,corporateNumber"));
        assert_eq!(csv.lines().count(), 6);
        let json = to_json(&results, &parsed, at);
        assert_eq!(json["summary"]["valid"], 1);
        assert_eq!(json["rows"][3]["verdict"], "unknown");
    }
}
