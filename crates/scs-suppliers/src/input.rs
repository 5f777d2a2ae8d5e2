//! The uploaded file turned into rows of text cells: CSV in UTF-8 (with or without a BOM) or in
//! Shift_JIS/CP932 (what Japanese Excel saves as "CSV"), or the first sheet of an `.xlsx`
//! workbook. What the file is comes from its bytes, never from its name: a zip archive is a
//! workbook; text that is valid UTF-8 is UTF-8; anything else is read as CP932.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use scs_core::report::Message;

use crate::list::{ListError, MAX_CSV_BYTES, MAX_ROWS};

/// Most columns read from a row; cells further right are ignored.
pub const MAX_COLUMNS: usize = 64;
/// Longest cell kept, in characters; a longer one is cut and marked with `…`.
pub const MAX_CELL_CHARS: usize = 200;
/// Most bytes a workbook may unpack to, all its parts together: a small zip can unpack to
/// gigabytes, so every part is unpacked once, counted and thrown away before the workbook is read.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;
/// Most parts in a workbook.
const MAX_XLSX_PARTS: usize = 1_000;

/// How the file was read, said in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 text.
    #[default]
    Utf8,
    /// UTF-8 text starting with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Shift_JIS / CP932 text (Excel's plain "CSV" in Japanese Windows).
    Cp932,
    /// The first sheet of an Excel workbook.
    Xlsx,
}

impl Encoding {
    /// The name people know it by, in both languages.
    pub fn message(self) -> Message {
        match self {
            Self::Utf8 => Message::new("CSV（UTF-8）", "CSV (UTF-8)"),
            Self::Utf8Bom => Message::new("CSV（UTF-8・BOM 付き）", "CSV (UTF-8 with BOM)"),
            Self::Cp932 => Message::new("CSV（Shift_JIS）", "CSV (Shift_JIS)"),
            Self::Xlsx => Message::new(
                "Excel ブック（.xlsx、最初のシート）",
                "Excel workbook (.xlsx, first sheet)",
            ),
        }
    }

    /// `utf-8`, `utf-8-bom`, `shift_jis` or `xlsx`, for the JSON report.
    pub fn code(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf8Bom => "utf-8-bom",
            Self::Cp932 => "shift_jis",
            Self::Xlsx => "xlsx",
        }
    }
}

/// One non-blank row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Line (CSV) or row (sheet) number, 1-based.
    pub line: usize,
    /// Its cells, or the line cut short when a quote was left open.
    pub cells: Result<Vec<String>, String>,
}

/// The file as rows of cells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// How it was read.
    pub encoding: Encoding,
    /// Its non-blank rows, at most [`MAX_ROWS`] + 1 (a header).
    pub rows: Vec<SheetRow>,
    /// Non-blank rows past those, not read.
    pub not_processed: usize,
}

/// A cell cut to [`MAX_CELL_CHARS`] and trimmed.
pub(crate) fn clip_cell(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() > max {
        text.chars().take(max).chain(['…']).collect()
    } else {
        text.to_owned()
    }
}

/// Reads the file into rows of cells, whatever it is.
pub fn read_table(bytes: &[u8]) -> Result<Table, ListError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(ListError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let (text, encoding) = decode_text(bytes)?;
    let mut table = Table {
        encoding,
        ..Table::default()
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while let Some(line) = lines.get(index) {
        let first = index;
        index += 1;
        if line.trim().is_empty() {
            continue;
        }
        if table.rows.len() > MAX_ROWS {
            table.not_processed += 1;
            continue;
        }
        let cells = match split_record(&lines[first..]) {
            Ok((cells, used)) => {
                index = first + used;
                Ok(cells)
            }
            Err(()) => Err(clip_cell(line, MAX_CELL_CHARS)),
        };
        table.rows.push(SheetRow {
            line: first + 1,
            cells,
        });
    }
    Ok(table)
}

/// How many lines one row may span: a quoted cell with line breaks, as Excel saves a cell typed
/// with Alt+Enter (住所, 備考), continues on the next lines; a stray quote that never closes must
/// not swallow the rest of the list.
const MAX_LINES_PER_ROW: usize = 20;

/// The cells of the row starting at `lines[0]`, and how many lines it took: the first line
/// alone, or with the next ones while a quoted cell is open (up to [`MAX_LINES_PER_ROW`]).
fn split_record(lines: &[&str]) -> Result<(Vec<String>, usize), ()> {
    let mut record = String::new();
    for (taken, line) in lines.iter().take(MAX_LINES_PER_ROW).enumerate() {
        if taken > 0 {
            record.push('\n');
        }
        record.push_str(line);
        if let Ok(cells) = split_line(&record) {
            return Ok((cells, taken + 1));
        }
    }
    Err(())
}

/// Text in UTF-8 when it is valid UTF-8, else in CP932 (encoding_rs's `Shift_JIS` is the WHATWG
/// one, i.e. Windows-31J/CP932 with its NEC and IBM extensions).
fn decode_text(bytes: &[u8]) -> Result<(String, Encoding), ListError> {
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => match text.strip_prefix('\u{FEFF}') {
            Some(rest) => (rest.to_owned(), Encoding::Utf8Bom),
            None => (text.to_owned(), Encoding::Utf8),
        },
        Err(_) => {
            let text = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or(ListError::NotText)?;
            (text.into_owned(), Encoding::Cp932)
        }
    };
    if text.contains('\0') {
        return Err(ListError::NotText);
    }
    Ok((text, encoding))
}

/// Splits one record into cells: comma-separated (tab-separated when it has tabs and no commas),
/// with RFC 4180 quotes; a quote left open makes it unreadable (see [`split_record`]). At most [`MAX_COLUMNS`] cells, each cut to [`MAX_CELL_CHARS`].
fn split_line(line: &str) -> Result<Vec<String>, ()> {
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
            out.push(clip_cell(&std::mem::take(&mut cell), MAX_CELL_CHARS));
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
    out.push(clip_cell(&cell, MAX_CELL_CHARS));
    out.truncate(MAX_COLUMNS);
    Ok(out)
}

fn workbook_unreadable() -> ListError {
    ListError::NotWorkbook
}

/// Unpacks every part of the archive into nothing, counting: refused past
/// [`MAX_XLSX_UNPACKED_BYTES`] in all, whatever sizes the archive declares.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), ListError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| workbook_unreadable())?;
    if archive.len() > MAX_XLSX_PARTS {
        return Err(ListError::TooLarge);
    }
    let mut left = MAX_XLSX_UNPACKED_BYTES;
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(|_| workbook_unreadable())?;
        let read = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|_| workbook_unreadable())?;
        left = left.checked_sub(read).ok_or(ListError::TooLarge)?;
    }
    Ok(())
}

/// A cell as text: a number Excel stored for a 法人番号 (13 digits fit a double exactly) is
/// written back as its digits.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            clip_cell(text, MAX_CELL_CHARS)
        }
        DataRef::SharedString(text) => clip_cell(text, MAX_CELL_CHARS),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// The first sheet of a workbook, cell by cell (never as one dense range: a sheet with one cell
/// in A1 and one in XFD1048576 is two cells, not seventeen billion).
fn read_xlsx(bytes: &[u8]) -> Result<Table, ListError> {
    check_unpacked_size(bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| workbook_unreadable())?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(workbook_unreadable)?;
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(|_| workbook_unreadable())?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut past_limit: BTreeSet<u32> = BTreeSet::new();
    while let Some(cell) = reader.next_cell().map_err(|_| workbook_unreadable())? {
        let (row, column) = cell.get_position();
        let text = cell_text(cell.get_value());
        if text.is_empty() || column as usize >= MAX_COLUMNS {
            continue;
        }
        if !rows.contains_key(&row) && rows.len() > MAX_ROWS {
            if past_limit.len() <= MAX_ROWS {
                past_limit.insert(row);
            }
            continue;
        }
        rows.entry(row).or_default().insert(column, text);
    }
    let rows = rows
        .into_iter()
        .map(|(row, cells)| {
            let width = cells.keys().last().map_or(0, |c| *c as usize + 1);
            let mut line = vec![String::new(); width];
            for (column, text) in cells {
                line[column as usize] = text;
            }
            SheetRow {
                line: row as usize + 1,
                cells: Ok(line),
            }
        })
        .collect();
    Ok(Table {
        encoding: Encoding::Xlsx,
        rows,
        not_processed: past_limit.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    #[test]
    fn utf8_with_and_without_bom_and_cp932_are_told_apart() {
        let plain = read_table("法人番号,取引先名\n".as_bytes()).unwrap();
        assert_eq!(plain.encoding, Encoding::Utf8);
        assert_eq!(
            plain.rows[0].cells,
            Ok(vec!["法人番号".into(), "取引先名".into()])
        );
        let bom = read_table("\u{FEFF}法人番号\n".as_bytes()).unwrap();
        assert_eq!(bom.encoding, Encoding::Utf8Bom);
        assert_eq!(bom.rows[0].cells, Ok(vec!["法人番号".into()]));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("法人番号,取引先名,髙橋①\r\n");
        let cp932 = read_table(&sjis).unwrap();
        assert_eq!(cp932.encoding, Encoding::Cp932);
        assert_eq!(
            cp932.rows[0].cells,
            Ok(vec!["法人番号".into(), "取引先名".into(), "髙橋①".into()])
        );
        assert_eq!(read_table(&[0x82, 0xff, 0xff]), Err(ListError::NotText));
        assert_eq!(read_table(b"a\0b"), Err(ListError::NotText));
    }

    #[test]
    fn cells_are_bounded_in_length_and_number() {
        let long = "あ".repeat(MAX_CELL_CHARS + 10);
        let wide = vec!["x"; MAX_COLUMNS + 5].join(",");
        let table = read_table(format!("{long}\n{wide}\n\"open,\n").as_bytes()).unwrap();
        let Ok(first) = &table.rows[0].cells else {
            panic!()
        };
        assert_eq!(first[0].chars().count(), MAX_CELL_CHARS + 1);
        assert!(first[0].ends_with('…'));
        assert_eq!(table.rows[1].cells.as_ref().unwrap().len(), MAX_COLUMNS);
        assert_eq!(table.rows[2].cells, Err("\"open,".into()));
    }

    /// A cell with line breaks, as Excel saves one typed with Alt+Enter, stays in its row, in
    /// UTF-8 and in CP932 with CRLF; a stray quote that never closes spoils its own row only.
    /// (Lines used to be split before quotes were read: such a row was an input error and its
    /// continuation an extra row.)
    #[test]
    fn quoted_line_breaks_stay_in_one_row() {
        let text = "法人番号,備考\r\n7000012050002,\"一行目\r\n二行目\"\r\n8000012010002,無し\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        for bytes in [text.as_bytes(), &sjis] {
            let table = read_table(bytes).unwrap();
            assert_eq!(table.rows.len(), 3, "{table:?}");
            assert_eq!(
                table.rows[1].cells,
                Ok(vec!["7000012050002".into(), "一行目\n二行目".into()])
            );
            assert_eq!(table.rows[2].line, 4);
            assert_eq!(
                table.rows[2].cells,
                Ok(vec!["8000012010002".into(), "無し".into()])
            );
        }
        let after_stray: Vec<String> = (0..MAX_LINES_PER_ROW + 5)
            .map(|n| format!("{n},x"))
            .collect();
        let table =
            read_table(format!("\"stray,1\n{}\n", after_stray.join("\n")).as_bytes()).unwrap();
        assert_eq!(table.rows[0].cells, Err("\"stray,1".into()));
        assert_eq!(table.rows.len(), 1 + after_stray.len());
        assert_eq!(table.rows[1].cells, Ok(vec!["0".into(), "x".into()]));
    }

    fn workbook(write: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = Workbook::new();
        write(book.add_worksheet());
        book.add_worksheet().write_string(0, 0, "二枚目").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn the_first_sheet_of_a_workbook_is_read_cell_by_cell() {
        let bytes = workbook(|sheet| {
            sheet.write_string(0, 0, "法人番号").unwrap();
            sheet.write_string(0, 2, "取引先名").unwrap();
            sheet.write_number(1, 0, 7_000_012_050_002.0).unwrap();
            sheet.write_string(1, 2, "さくら精機").unwrap();
            sheet.write_string(1_048_575, 16_383, "far away").unwrap();
        });
        let table = read_table(&bytes).unwrap();
        assert_eq!(table.encoding, Encoding::Xlsx);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(
            table.rows[0].cells,
            Ok(vec!["法人番号".into(), String::new(), "取引先名".into()])
        );
        assert_eq!(table.rows[1].line, 2);
        assert_eq!(
            table.rows[1].cells,
            Ok(vec![
                "7000012050002".into(),
                String::new(),
                "さくら精機".into()
            ])
        );
    }

    #[test]
    fn a_workbook_that_unpacks_too_large_is_refused() {
        use std::io::Write;
        // A zip bomb: one part of zeros that inflates past the bound, whatever the zip declares.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..=MAX_XLSX_UNPACKED_BYTES / 1024 / 1024 {
            zip.write_all(&zeros).unwrap();
        }
        let bomb = zip.finish().unwrap().into_inner();
        assert!(bomb.len() < MAX_CSV_BYTES / 10, "{}", bomb.len());
        assert_eq!(read_table(&bomb), Err(ListError::TooLarge));
        let mut broken = workbook(|sheet| {
            sheet.write_string(0, 0, "法人番号").unwrap();
        });
        broken.truncate(100);
        assert_eq!(read_table(&broken), Err(ListError::NotWorkbook));
    }
}
