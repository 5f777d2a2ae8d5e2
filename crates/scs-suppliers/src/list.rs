//! The supplier list read: one row per supplier, with its 法人番号 and the ★ required, or why
//! the row cannot be read.

use scs_core::credential::Level;
use scs_core::ids::{CorporateNumber, IdError};
use scs_core::report::Message;

/// Most rows judged from one list; more are counted and reported as not processed.
pub const MAX_ROWS: usize = 10_000;
/// Largest CSV accepted, in bytes (10,000 rows of a 法人番号, a ★ and a name fit in well under 1 MiB).
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
