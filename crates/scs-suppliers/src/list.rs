//! The supplier list read: one row per supplier, with its 法人番号 and the ★ required, or why
//! the row cannot be read.

use scs_core::credential::Level;
use scs_core::ids::{CorporateNumber, IdError};
use scs_core::report::Message;
use scs_core::trust_list::RequiredLevelRule;

use crate::input::{clip_cell, read_table, Encoding, SheetRow, MAX_XLSX_UNPACKED_BYTES};
use crate::lang::Lang;

/// Most rows judged from one list; more are counted and reported as not processed.
pub const MAX_ROWS: usize = 10_000;
/// Largest CSV accepted, in bytes (10,000 rows of a 法人番号, a ★ and a name fit in well under 1 MiB).
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;
/// Longest cell echoed back, in characters.
const MAX_ECHO_CHARS: usize = 40;

/// One row of the list, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Line number in the file (1-based; the row number in a sheet).
    pub line: usize,
    /// The 法人番号 cell as given (bounded).
    pub given: String,
    /// The ★ cell as given (bounded).
    pub given_level: String,
    /// The user's other cells, one per [`Parsed::kept`] column.
    pub kept: Vec<String>,
    /// The 法人番号 and the ★ required, or why the row cannot be read.
    pub input: Result<(CorporateNumber, Option<Level>), Message>,
}

/// One of the user's own columns, kept in the output beside the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptColumn {
    /// Where it is in the file (0-based).
    pub index: usize,
    /// Its header, when the file has a header row.
    pub header: Option<String>,
}

impl KeptColumn {
    /// Its header, or `列3` / `column 3` for a file without one.
    pub fn title(&self, lang: Lang) -> String {
        match &self.header {
            Some(header) => header.clone(),
            None => match lang {
                Lang::Ja => format!("列{}", self.index + 1),
                Lang::En => format!("column {}", self.index + 1),
            },
        }
    }
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
    /// How the file was read.
    pub encoding: Encoding,
    /// The user's columns other than the 法人番号 and the ★, in file order.
    pub kept: Vec<KeptColumn>,
    /// A row without a ★ gets the ★ worked out from the trust list's questions.
    pub by_questions: bool,
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
    /// Larger than [`MAX_CSV_BYTES`], or a workbook that unpacks to more than
    /// [`crate::input::MAX_XLSX_UNPACKED_BYTES`].
    #[error("the list is larger than {MAX_CSV_BYTES} bytes")]
    TooLarge,
    /// Neither UTF-8 nor Shift_JIS text (or not a text file at all).
    #[error("the list is not text")]
    NotText,
    /// A zip archive that is not a readable Excel workbook.
    #[error("the list is not a readable .xlsx workbook")]
    NotWorkbook,
    /// No data row at all.
    #[error("the list has no rows")]
    Empty,
    /// The file has the yes/no question columns, but the trust list has no rule for them.
    #[error("the trust list has no rule for the yes/no question columns")]
    NoQuestionRule,
    /// The file has some of the question columns, not all.
    #[error("the question column {header_en} is missing")]
    QuestionMissing {
        /// The missing column's Japanese header.
        header: String,
        /// Its English header.
        header_en: String,
    },
    /// Two or more headers could each be the 法人番号 (or the required ★) column, and none is
    /// plainly the one: reading either could check the wrong company or the wrong ★.
    #[error("more than one column could be the one to read: {}", headers.join(", "))]
    AmbiguousColumns {
        /// The headers that could each be it.
        headers: Vec<String>,
    },
}

impl ListError {
    /// The message shown to people.
    pub fn message(&self) -> Message {
        match self {
            Self::TooLarge => Message::new(
                format!("ファイルが大きすぎます（上限 {} MiB、Excel は展開後 {} MiB）", MAX_CSV_BYTES / 1024 / 1024, MAX_XLSX_UNPACKED_BYTES / 1024 / 1024),
                format!("the file is too large (limit {} MiB; a workbook {} MiB unpacked)", MAX_CSV_BYTES / 1024 / 1024, MAX_XLSX_UNPACKED_BYTES / 1024 / 1024),
            ),
            Self::NotText => Message::new(
                "CSV（UTF-8 または Shift_JIS）としても Excel ブック（.xlsx）としても読めません",
                "not readable as CSV (UTF-8 or Shift_JIS) or as an Excel workbook (.xlsx)",
            ),
            Self::NotWorkbook => Message::new(
                "Excel ブック（.xlsx）として読めません。.xlsx 形式で保存し直してください",
                "not a readable Excel workbook (.xlsx); save it again as .xlsx",
            ),
            Self::Empty => Message::new(
                "法人番号の行がありません",
                "the list has no rows with a corporate number",
            ),
            Self::NoQuestionRule => Message::new(
                "この一覧には求める★を決める設問の列がありますが、指定機関一覧（trust list）の方針に設問の規則がありません。求める★の列（3・4・5）で書いてください",
                "this list has the yes/no question columns, but the trust list's policy has no rule for them; give the required ★ (3, 4 or 5) in a column instead",
            ),
            Self::QuestionMissing { header, header_en } => Message::new(
                format!("設問の列「{header}」がありません。設問の列はすべてそろえてください"),
                format!("the question column \"{header_en}\" is missing; give every question column"),
            ),
            Self::AmbiguousColumns { headers } => Message::new(
                format!("どの列を読むか決められません（「{}」）。見出しを一つにしてください", headers.join("」「")),
                format!("cannot tell which column to read (\"{}\"); keep one such header", headers.join("\", \"")),
            ),
        }
    }
}

fn clip(text: &str) -> String {
    clip_cell(text, MAX_ECHO_CHARS)
}

/// Full-width ASCII (ＡＢＣ１２３) as ASCII, as Japanese input methods often type it.
fn narrow(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A header compared: narrowed, lower-case, without spaces, `_` or `-`.
fn header_key(text: &str) -> String {
    narrow(text)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .collect()
}

fn parse_level(text: &str) -> Result<Option<Level>, Message> {
    let digits = narrow(text.trim().trim_start_matches(['★', '☆', '星']));
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

/// The headers that name the 法人番号 column (compared by `header_key`): any header
/// containing 法人番号 (法人番号, 法人番号（13桁）, 会社法人番号) or 法人等番号 (会社法人等番号), or one
/// starting with `corporatenumber` (corporate number, corporateNumber, corporate_number), or
/// exactly `houjinbangou`, `corporateno` or `number`.
pub const NUMBER_HEADERS: &str = "法人番号, 会社法人等番号, corporate number, corporateNumber, corporate_number, corporate no, houjin bangou, number";

fn is_number_header(cell: &str) -> bool {
    let key = header_key(cell);
    key.contains("法人番号")
        || key.contains("法人等番号")
        || key.starts_with("corporatenumber")
        || ["houjinbangou", "corporateno", "number"].contains(&key.as_str())
}

fn is_level_header(cell: &str) -> bool {
    let key = header_key(cell);
    [
        "★",
        "☆",
        "星",
        "level",
        "required",
        "要求",
        "求める",
        "段階",
    ]
    .iter()
    .any(|k| key.contains(k))
}

/// A ★ header that says it is the ★ asked for (求める★, 要求レベル, required level), not the
/// one held (現在の★).
fn is_required_header(cell: &str) -> bool {
    let key = header_key(cell);
    ["求める", "要求", "必要", "required"]
        .iter()
        .any(|k| key.contains(k))
}

/// The one column `candidate` accepts, or among several the one `plainly` accepts; several
/// that nothing tells apart are refused rather than guessed (a sheet with 親会社法人番号 before
/// 法人番号, or 現在の★ before 求める★, would otherwise be read in the wrong column).
fn pick_column(
    cells: &[String],
    candidate: impl Fn(usize, &str) -> bool,
    plainly: impl Fn(&str) -> bool,
) -> Result<Option<usize>, ListError> {
    let found: Vec<usize> = (0..cells.len())
        .filter(|&i| candidate(i, &cells[i]))
        .collect();
    if found.len() <= 1 {
        return Ok(found.first().copied());
    }
    match found
        .iter()
        .filter(|&&i| plainly(&cells[i]))
        .collect::<Vec<_>>()
        .as_slice()
    {
        [one] => Ok(Some(**one)),
        _ => Err(ListError::AmbiguousColumns {
            headers: found.iter().map(|&i| clip(&cells[i])).collect(),
        }),
    }
}

/// Words of the three questions about a supplier, by which a list using them is recognised even
/// when the trust list has no rule (so that it is refused, not read without them): a header row
/// with words of two of the groups.
const QUESTION_WORDS: [&[&str]; 3] = [
    &["機密", "confidential"],
    &["停止", "止ま", "outage"],
    &["接続", "connect"],
];

fn looks_like_questions(cells: &[String]) -> bool {
    let keys: Vec<String> = cells.iter().map(|c| header_key(c)).collect();
    QUESTION_WORDS
        .iter()
        .filter(|words| keys.iter().any(|k| words.iter().any(|w| k.contains(w))))
        .count()
        >= 2
}

/// A yes/no answer: はい/いいえ, yes/no, y/n, ○/×, 1/0, true/false, 有/無, あり/なし, 該当/非該当.
fn parse_answer(text: &str) -> Option<bool> {
    let key = header_key(text);
    match key.as_str() {
        "はい" | "yes" | "y" | "○" | "◯" | "〇" | "1" | "true" | "有" | "あり" | "該当" => {
            Some(true)
        }
        "いいえ" | "no" | "n" | "×" | "✕" | "0" | "false" | "無" | "なし" | "非該当" => {
            Some(false)
        }
        _ => None,
    }
}

/// Where the columns are.
#[derive(Debug, Default)]
struct Layout {
    number: usize,
    level: Option<usize>,
    /// One column per question of the rule, in the rule's order; empty when not used.
    questions: Vec<usize>,
    kept: Vec<KeptColumn>,
}

impl Layout {
    /// A file without a header: the 法人番号, then the ★, then the user's columns.
    fn headerless(width: usize) -> Self {
        Self {
            number: 0,
            level: Some(1),
            questions: Vec::new(),
            kept: (2..width)
                .map(|index| KeptColumn {
                    index,
                    header: None,
                })
                .collect(),
        }
    }

    /// The columns named by a header row.
    fn from_header(cells: &[String], rule: Option<&RequiredLevelRule>) -> Result<Self, ListError> {
        let number = pick_column(
            cells,
            |_, c| is_number_header(c),
            |c| header_key(c) == "法人番号",
        )?
        .unwrap_or(0);
        let questions = question_columns(cells, rule)?;
        let level = pick_column(
            cells,
            |i, c| i != number && !questions.contains(&i) && is_level_header(c),
            is_required_header,
        )?;
        let kept = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != number && Some(*i) != level)
            .map(|(index, header)| KeptColumn {
                index,
                header: Some(header.clone()),
            })
            .collect();
        Ok(Self {
            number,
            level,
            questions,
            kept,
        })
    }
}

/// The column of each of the rule's questions: all of them, or none when the list does not use
/// them; a list that uses them without a rule, or only some of them, is refused.
fn question_columns(
    cells: &[String],
    rule: Option<&RequiredLevelRule>,
) -> Result<Vec<usize>, ListError> {
    let keys: Vec<String> = cells.iter().map(|c| header_key(c)).collect();
    let Some(rule) = rule else {
        return if looks_like_questions(cells) {
            Err(ListError::NoQuestionRule)
        } else {
            Ok(Vec::new())
        };
    };
    let found: Vec<Option<usize>> = rule
        .questions
        .iter()
        .map(|q| {
            let names = [header_key(&q.header), header_key(&q.header_en)];
            keys.iter().position(|k| names.contains(k))
        })
        .collect();
    let missing = rule.questions.iter().zip(&found).find(|(_, f)| f.is_none());
    match missing {
        None => Ok(found.into_iter().flatten().collect()),
        Some((question, _)) if found.iter().any(Option::is_some) || looks_like_questions(cells) => {
            Err(ListError::QuestionMissing {
                header: question.header.clone(),
                header_en: question.header_en.clone(),
            })
        }
        Some(_) => Ok(Vec::new()),
    }
}

/// The first row is a header when one of its cells names the 法人番号 column, or when its first
/// cell has no digit at all.
fn is_header(cells: &[String]) -> bool {
    let first_has_digit = cells
        .first()
        .is_some_and(|c| narrow(c).chars().any(|c| c.is_ascii_digit()));
    cells.iter().any(|c| is_number_header(c)) || !first_has_digit
}

/// The ★ a row requires: its ★ cell when given (an explicit ★ wins over the questions), else
/// the rule's answer to its question cells, else none.
fn required_level(
    cells: &[String],
    layout: &Layout,
    rule: Option<&RequiredLevelRule>,
) -> Result<Option<Level>, Message> {
    let given = layout
        .level
        .and_then(|i| cells.get(i))
        .map(String::as_str)
        .unwrap_or("");
    let explicit = parse_level(given)?;
    let Some(rule) = rule.filter(|_| explicit.is_none() && !layout.questions.is_empty()) else {
        return Ok(explicit);
    };
    let mut answers = Vec::with_capacity(layout.questions.len());
    for (question, column) in rule.questions.iter().zip(&layout.questions) {
        let cell = cells.get(*column).map(String::as_str).unwrap_or("");
        let answer = parse_answer(cell).ok_or_else(|| {
            Message::new(
                format!("「{}」の答え「{}」は はい・いいえ で書いてください（求める★を書けば設問は不要です）", question.header, clip(cell)),
                format!("answer \"{}\" with yes or no, not \"{}\" (or give the required ★)", question.header_en, clip(cell)),
            )
        })?;
        answers.push(answer);
    }
    Ok(Some(rule.level_for(&answers)))
}

/// One data row read by the layout.
fn read_row(row: &SheetRow, layout: &Layout, rule: Option<&RequiredLevelRule>) -> Row {
    let cells = match &row.cells {
        Ok(cells) => cells,
        Err(line) => {
            return Row {
                line: row.line,
                given: clip(line),
                given_level: String::new(),
                kept: vec![String::new(); layout.kept.len()],
                input: Err(Message::new(
                    "引用符（\"）が閉じていません",
                    "a quote (\") is not closed",
                )),
            }
        }
    };
    let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
    let given = cell(layout.number);
    let given_level = layout.level.map(cell).unwrap_or("");
    let input = CorporateNumber::parse(given)
        .map_err(|e| corporate_number_message(given, &e))
        .and_then(|n| required_level(cells, layout, rule).map(|l| (n, l)));
    Row {
        line: row.line,
        given: clip(given),
        given_level: clip(given_level),
        kept: layout
            .kept
            .iter()
            .map(|k| cell(k.index).to_owned())
            .collect(),
        input,
    }
}

/// Reads a supplier list (CSV in UTF-8 or Shift_JIS, or an `.xlsx` workbook's first sheet; see
/// [`crate::input`]): one row per supplier. With a header row, the 法人番号 column is the one
/// named by a header of [`NUMBER_HEADERS`] (else the first), the ★ column the one headed ★ /
/// 求める★ / level / required, the question columns those named by `rule`'s headers; every
/// other column is kept. Without one, the 法人番号 is first, the ★ second and the rest kept.
/// Blank rows are skipped.
pub fn read_list(bytes: &[u8], rule: Option<&RequiredLevelRule>) -> Result<Parsed, ListError> {
    let table = read_table(bytes)?;
    let mut rows = table.rows.iter().peekable();
    let mut parsed = Parsed {
        encoding: table.encoding,
        not_processed: table.not_processed,
        ..Parsed::default()
    };
    let first = rows.peek().and_then(|r| r.cells.as_ref().ok());
    let layout = match first {
        Some(cells) if is_header(cells) => {
            parsed.header = true;
            let layout = Layout::from_header(cells, rule)?;
            rows.next();
            layout
        }
        _ => {
            let width = table
                .rows
                .iter()
                .filter_map(|r| r.cells.as_ref().ok())
                .map(Vec::len)
                .max()
                .unwrap_or(0);
            Layout::headerless(width)
        }
    };
    parsed.by_questions = !layout.questions.is_empty();
    for row in rows {
        if parsed.rows.len() >= MAX_ROWS {
            parsed.not_processed += 1;
            continue;
        }
        parsed.rows.push(read_row(row, &layout, rule));
    }
    parsed.kept = layout.kept;
    if parsed.rows.is_empty() {
        return Err(ListError::Empty);
    }
    Ok(parsed)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use scs_core::trust_list::RuleQuestion;

    pub(crate) fn number(body: u64) -> String {
        CorporateNumber::from_body(body).unwrap().to_string()
    }

    /// The rule of the demo trust list.
    pub(crate) fn rule() -> RequiredLevelRule {
        let question = |header: &str, header_en: &str| RuleQuestion {
            question: format!("{header}か"),
            question_en: format!("{header_en}?"),
            header: header.into(),
            header_en: header_en.into(),
        };
        RequiredLevelRule {
            questions: vec![
                question("機密情報を扱う", "handles confidential information"),
                question("停止で業務が止まる", "outage stops business"),
                question("システムに接続する", "connects to systems"),
            ],
            any_yes: Level::STAR4,
            all_no: Level::STAR3,
        }
    }

    fn level(row: &Row) -> Option<Level> {
        row.input.as_ref().unwrap().1
    }

    #[test]
    fn reads_headers_quotes_bom_and_broken_rows() {
        let good = number(1_001_000_000);
        let other = number(1_001_007_919);
        let wrong = format!("{}{}", (good.as_bytes()[0] - b'0' + 1) % 10, &good[1..]);
        let csv = format!(
            "\u{FEFF}会社名,法人番号,求める★\r\n\"さくら, 精機\",{good},★4\n\n取引先B,{wrong},3\nC,{other},7\n\"D,{other}\nE,1.23457E+12,\nF,＿,\nG,{other},"
        );
        let parsed = read_list(csv.as_bytes(), None).unwrap();
        assert!(parsed.header);
        assert_eq!(parsed.encoding, Encoding::Utf8Bom);
        assert_eq!(parsed.rows.len(), 7);
        let r = &parsed.rows;
        assert_eq!(r[0].line, 2);
        assert_eq!(
            r[0].input,
            Ok((CorporateNumber::parse(&good).unwrap(), Level::new(4)))
        );
        assert_eq!(r[0].kept, ["さくら, 精機"]);
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
        let parsed = read_list(format!("{good}\t４\n").as_bytes(), None).unwrap();
        assert!(!parsed.header);
        assert_eq!(level(&parsed.rows[0]), Level::new(4));
        let many = format!("{good}\n").repeat(MAX_ROWS + 5);
        let parsed = read_list(many.as_bytes(), None).unwrap();
        assert_eq!(parsed.rows.len(), MAX_ROWS);
        assert_eq!(parsed.not_processed, 5);
        assert_eq!(read_list(b"\n\n", None), Err(ListError::Empty));
        assert_eq!(
            read_list(&[0xff, 0xfe, 0x00], None),
            Err(ListError::NotText)
        );
        assert_eq!(
            read_list(&vec![b'1'; MAX_CSV_BYTES + 1], None),
            Err(ListError::TooLarge)
        );
    }

    #[test]
    fn the_number_column_is_found_by_its_header_and_the_other_columns_are_kept() {
        let good = number(1_001_000_000);
        for name in [
            "法人番号",
            "会社法人等番号",
            "Corporate Number",
            "corporate_number",
            "ＣｏｒｐｏｒａｔｅＮｕｍｂｅｒ",
        ] {
            let csv = format!("取引先コード,取引先名,{name},求める★,担当\nA-001,さくら精機,{good},4,山田\nA-002,,{good}\n");
            let parsed = read_list(csv.as_bytes(), None).unwrap();
            assert!(parsed.header, "{name}");
            let titles: Vec<_> = parsed.kept.iter().map(|k| k.title(Lang::Ja)).collect();
            assert_eq!(titles, ["取引先コード", "取引先名", "担当"], "{name}");
            assert_eq!(parsed.rows[0].kept, ["A-001", "さくら精機", "山田"]);
            assert_eq!(level(&parsed.rows[0]), Level::new(4));
            assert_eq!(parsed.rows[1].kept, ["A-002", "", ""]);
            assert_eq!(level(&parsed.rows[1]), None);
        }
    }

    /// Two headers that could each be the column: the one that plainly is wins (求める★ over
    /// 現在の★, 法人番号 over 親会社法人番号); two that nothing tells apart are refused. (The
    /// first match used to be read: ★3 held was taken for ★3 required, and the parent company
    /// was checked.)
    #[test]
    fn of_two_candidate_columns_the_plain_one_is_read_or_the_list_refused() {
        let supplier = number(1_001_000_000);
        let parent = number(1_001_007_919);
        let csv = format!(
            "取引先名,現在の★,求める★,親会社法人番号,法人番号
さくら,3,4,{parent},{supplier}
"
        );
        let parsed = read_list(csv.as_bytes(), None).unwrap();
        assert_eq!(
            parsed.rows[0].input,
            Ok((CorporateNumber::parse(&supplier).unwrap(), Level::new(4)))
        );
        let titles: Vec<_> = parsed.kept.iter().map(|k| k.title(Lang::Ja)).collect();
        assert_eq!(titles, ["取引先名", "現在の★", "親会社法人番号"]);
        let two_levels = format!(
            "法人番号,★A,★B
{supplier},3,4
"
        );
        assert_eq!(
            read_list(two_levels.as_bytes(), None),
            Err(ListError::AmbiguousColumns {
                headers: vec!["★A".into(), "★B".into()]
            })
        );
        let two_numbers = format!(
            "親会社法人番号,取引先法人番号
{parent},{supplier}
"
        );
        let refused = read_list(two_numbers.as_bytes(), None).unwrap_err();
        assert!(refused
            .message()
            .ja
            .contains("「親会社法人番号」「取引先法人番号」"));
    }

    #[test]
    fn a_headerless_list_keeps_its_extra_columns_by_position() {
        let good = number(1_001_000_000);
        let parsed = read_list(
            format!("{good},3,さくら精機,東京\n{good}\n").as_bytes(),
            None,
        )
        .unwrap();
        assert!(!parsed.header);
        let titles: Vec<_> = parsed.kept.iter().map(|k| k.title(Lang::En)).collect();
        assert_eq!(titles, ["column 3", "column 4"]);
        assert_eq!(parsed.rows[0].kept, ["さくら精機", "東京"]);
        assert_eq!(parsed.rows[1].kept, ["", ""]);
    }

    #[test]
    fn a_shift_jis_list_reads_as_its_utf8_twin() {
        let good = number(1_001_000_000);
        let text = format!("取引先名,法人番号,求める★\r\n髙橋製作所①,{good},★４\r\n");
        let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let parsed = read_list(&cp932, None).unwrap();
        assert_eq!(parsed.encoding, Encoding::Cp932);
        let utf8 = read_list(text.as_bytes(), None).unwrap();
        assert_eq!(parsed.rows, utf8.rows);
        assert_eq!(parsed.rows[0].kept, ["髙橋製作所①"]);
    }

    #[test]
    fn the_required_level_comes_from_the_questions_unless_given() {
        let good = number(1_001_000_000);
        let csv = format!(
            "法人番号,取引先名,機密情報を扱う,Outage Stops Business,システムに接続する,求める★\n\
             {good},甲,いいえ,いいえ,はい,\n{good},乙,no,×,0,\n{good},丙,はい,はい,はい,3\n{good},丁,たぶん,いいえ,いいえ,\n"
        );
        let rule = rule();
        let parsed = read_list(csv.as_bytes(), Some(&rule)).unwrap();
        assert!(parsed.by_questions);
        let r = &parsed.rows;
        assert_eq!(level(&r[0]), Some(Level::STAR4));
        assert_eq!(level(&r[1]), Some(Level::STAR3));
        assert_eq!(level(&r[2]), Some(Level::STAR3), "an explicit ★ wins");
        assert!(r[3]
            .input
            .as_ref()
            .unwrap_err()
            .ja
            .contains("機密情報を扱う"));
        assert_eq!(r[0].kept, ["甲", "いいえ", "いいえ", "はい"]);
        assert_eq!(
            read_list(csv.as_bytes(), None),
            Err(ListError::NoQuestionRule)
        );
        let partial = format!("法人番号,機密情報を扱う\n{good},はい\n");
        assert_eq!(
            read_list(partial.as_bytes(), Some(&rule)),
            Err(ListError::QuestionMissing {
                header: "停止で業務が止まる".into(),
                header_en: "outage stops business".into()
            })
        );
        let plain = format!("法人番号,業務内容\n{good},接続部品\n");
        assert!(
            !read_list(plain.as_bytes(), Some(&rule))
                .unwrap()
                .by_questions
        );
        assert!(read_list(plain.as_bytes(), None).is_ok());
    }
}
