//! The text of a PDF printed from the registry's credential page, enough to find the
//! 証明書ID on it.
//!
//! Not a general PDF reader: it reads what a browser's "print to PDF" writes (Chromium's Skia
//! backend: plain indirect objects, Flate-compressed page contents, fonts with a `ToUnicode`
//! map). Every step is bounded — the file's size, the number of objects, the bytes inflated in
//! all, the entries of a font's map — and each pass moves forward through the bytes, so a
//! malformed or hostile file costs at most a few passes over it and a bounded amount of memory
//! (docs/DECISIONS.md, "The verify page reads a printed certificate").

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::ops::Range;

/// Largest PDF read. The registry's certificate printed to PDF is about 250 KB.
pub const MAX_PDF_BYTES: usize = 4 * 1024 * 1024;

/// Most indirect objects read (the certificate has about 150).
const MAX_OBJECTS: usize = 100_000;

/// Most bytes read from all the streams read: what each gives, and what a compressed one takes
/// to inflate (the certificate's page content and font maps are about 100 KB).
const MAX_INFLATED_BYTES: usize = 8 * 1024 * 1024;

/// Most entries read from one font's `ToUnicode` map (a two-byte code space has 65,536 codes).
const MAX_MAP_ENTRIES: usize = 65_536;

/// Most entries read from all the fonts' maps (the certificate's maps hold about 1,500).
const MAX_MAP_ENTRIES_IN_ALL: usize = 1 << 18;

/// Most items kept of one array (a `TJ` array, a `bfrange` target list); the rest are read past.
const MAX_ARRAY_ITEMS: usize = 65_536;

/// Most characters of text gathered.
const MAX_TEXT_CHARS: usize = 1024 * 1024;

/// Most UTF-16 units one code of a font's map stands for (a ligature is a few); the rest of a
/// longer target is dropped, so one code shown never adds more than this.
const MAX_MAPPED_UNITS: usize = 64;

/// How far past a stream's declared `/Length` its `endstream` is looked for.
const MAX_STREAM_END_GAP: usize = 64;

/// Why a PDF gave no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// Over [`MAX_PDF_BYTES`].
    #[error("the PDF is larger than {} MiB", MAX_PDF_BYTES / 1024 / 1024)]
    TooLarge,
    /// No page content could be found (not a PDF, cut short, or made some other way).
    #[error("no page content found")]
    NoContent,
    /// A bound was reached: too many objects, or too much inflated.
    #[error("the PDF's content is too large to read")]
    Bounded,
}

/// Whether the bytes start as a PDF does.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// The text shown on the PDF's pages, in the order it is drawn, its pieces put together as
/// they come (a browser draws some text a character at a time, and a line that wraps — a long
/// id — in two pieces).
pub fn text(pdf: &[u8]) -> Result<String, PdfError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge);
    }
    let objects = objects(pdf)?;
    let mut budget = MAX_INFLATED_BYTES;
    let fonts = fonts(pdf, &objects, &mut budget)?;
    let mut text = String::new();
    let mut found = false;
    for contents in content_streams(pdf, &objects) {
        let Some(bytes) = stream_bytes(pdf, &contents, &mut budget)? else {
            continue;
        };
        found = true;
        show_text(&bytes, &fonts, &mut text);
        if text.len() >= MAX_TEXT_CHARS {
            break;
        }
    }
    if found {
        Ok(text)
    } else {
        Err(PdfError::NoContent)
    }
}

/// One indirect object: its dictionary and, for a stream, its data (ranges into the file).
#[derive(Debug, Clone)]
struct Object {
    dict: Range<usize>,
    stream: Option<Range<usize>>,
}

/// The file's indirect objects by number, found by scanning forward once.
fn objects(pdf: &[u8]) -> Result<HashMap<u32, Object>, PdfError> {
    let mut objects = HashMap::new();
    let mut at = 0;
    while let Some(keyword) = find(pdf, b" obj", at) {
        let body = keyword + 4;
        let Some(end) = find(pdf, b"endobj", body) else {
            break;
        };
        let number = object_number(&pdf[..keyword]);
        let (object, next) = match find(&pdf[..end], b"stream", body) {
            Some(s) => stream_object(pdf, body, s),
            None => (
                Object {
                    dict: body..end,
                    stream: None,
                },
                end + 6,
            ),
        };
        if let Some(number) = number {
            objects.entry(number).or_insert(object);
            if objects.len() > MAX_OBJECTS {
                return Err(PdfError::Bounded);
            }
        }
        at = next.max(keyword + 4);
    }
    Ok(objects)
}

/// A stream object whose dictionary starts at `body` and keyword `stream` is at `keyword`, and
/// where to go on scanning. The data's length is the dictionary's direct `/Length` when it
/// ends at `endstream`; otherwise the data runs to the next `endstream`.
fn stream_object(pdf: &[u8], body: usize, keyword: usize) -> (Object, usize) {
    let dict = body..keyword;
    let mut start = keyword + 6;
    if pdf.get(start) == Some(&b'\r') {
        start += 1;
    }
    if pdf.get(start) == Some(&b'\n') {
        start += 1;
    }
    let declared = direct_integer(&pdf[dict.clone()], b"/Length")
        .and_then(|length| start.checked_add(length))
        .filter(|&end| {
            // Only a few bytes past the end: a long run of spaces there is not rescanned for
            // every object declaring a length that ends in it.
            pdf.get(end..).is_some_and(|rest| {
                trim_start(&rest[..rest.len().min(MAX_STREAM_END_GAP)]).starts_with(b"endstream")
            })
        });
    let end = declared
        .or_else(|| find(pdf, b"endstream", start))
        .unwrap_or(pdf.len());
    let next = find(pdf, b"endobj", end).map_or(pdf.len(), |e| e + 6);
    (
        Object {
            dict,
            stream: Some(start..end),
        },
        next,
    )
}

/// The number of the object whose ` obj` keyword ends `before`: `… 12 0` → 12.
fn object_number(before: &[u8]) -> Option<u32> {
    let before = trim_end(before);
    let generation_start = before.iter().rposition(|b| !b.is_ascii_digit())? + 1;
    if generation_start == before.len() {
        return None;
    }
    let rest = trim_end(&before[..generation_start]);
    let number_start = rest
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |p| p + 1);
    std::str::from_utf8(&rest[number_start..])
        .ok()?
        .parse()
        .ok()
}

/// The fonts' maps from codes to text: each `ToUnicode` stream read once, by object number,
/// and the resource names the page contents use for them (`/F4`).
#[derive(Debug, Default)]
struct Fonts {
    names: HashMap<Vec<u8>, u32>,
    maps: HashMap<u32, CMap>,
}

impl Fonts {
    fn get(&self, name: &[u8]) -> Option<&CMap> {
        self.names.get(name).and_then(|n| self.maps.get(n))
    }
}

fn fonts(
    pdf: &[u8],
    objects: &HashMap<u32, Object>,
    budget: &mut usize,
) -> Result<Fonts, PdfError> {
    let mut fonts = Fonts::default();
    let mut entries_left = MAX_MAP_ENTRIES_IN_ALL;
    // Each resource dictionary and each font read once, however often they are named: the
    // work stays proportional to the file.
    let mut resources_seen = HashSet::new();
    let mut font_maps: HashMap<u32, Option<u32>> = HashMap::new();
    for object in objects.values() {
        let dict = &pdf[object.dict.clone()];
        let Some(value) = value_of(dict, b"/Font") else {
            continue;
        };
        let names = match reference(value) {
            Some(n) if !resources_seen.insert(n) => continue,
            Some(n) => objects.get(&n).map(|o| &pdf[o.dict.clone()]),
            None => Some(value),
        };
        for (name, font) in names.map(named_references).unwrap_or_default() {
            let map = *font_maps.entry(font).or_insert_with(|| {
                objects
                    .get(&font)
                    .and_then(|f| value_of(&pdf[f.dict.clone()], b"/ToUnicode"))
                    .and_then(reference)
            });
            let Some(map) = map else {
                continue;
            };
            fonts.names.entry(name).or_insert(map);
            if fonts.maps.contains_key(&map) {
                continue;
            }
            let Some(stream) = objects.get(&map) else {
                continue;
            };
            if let Some(bytes) = stream_bytes(pdf, stream, budget)? {
                fonts
                    .maps
                    .insert(map, CMap::parse(&bytes, &mut entries_left));
            }
        }
    }
    Ok(fonts)
}

/// The content streams of the pages and of their form XObjects.
fn content_streams<'a>(
    pdf: &'a [u8],
    objects: &'a HashMap<u32, Object>,
) -> impl Iterator<Item = Object> + 'a {
    let mut numbers: Vec<u32> = objects.keys().copied().collect();
    numbers.sort_unstable();
    // Each stream read once, however often pages name it.
    let mut seen = HashSet::new();
    numbers.into_iter().flat_map(move |n| {
        let Some(object) = objects.get(&n) else {
            return Vec::new();
        };
        let dict = &pdf[object.dict.clone()];
        let page = value_of(dict, b"/Type").is_some_and(|v| name_is(v, b"/Page"));
        let form = value_of(dict, b"/Subtype").is_some_and(|v| name_is(v, b"/Form"));
        let mut found = Vec::new();
        if form && object.stream.is_some() && seen.insert(n) {
            found.push(object.clone());
        }
        if page {
            let refs = value_of(dict, b"/Contents")
                .map(references)
                .unwrap_or_default();
            for r in refs {
                if seen.insert(r) {
                    found.extend(objects.get(&r).cloned());
                }
            }
        }
        found
    })
}

/// A stream's data, inflated when it is Flate-compressed; `None` for other filters. Counts
/// against the budget both the bytes inflated and, for a compressed stream, the bytes read:
/// a stream that inflates to nothing still costs what it took to inflate.
fn stream_bytes(
    pdf: &[u8],
    object: &Object,
    budget: &mut usize,
) -> Result<Option<Vec<u8>>, PdfError> {
    let Some(data) = object.stream.clone().and_then(|r| pdf.get(r)) else {
        return Ok(None);
    };
    let dict = &pdf[object.dict.clone()];
    let bytes = match value_of(dict, b"/Filter") {
        None => data.to_vec(),
        Some(filter)
            if name_is(
                trim_start(filter).strip_prefix(b"[").unwrap_or(filter),
                b"/FlateDecode",
            ) =>
        {
            *budget = budget.checked_sub(data.len()).ok_or(PdfError::Bounded)?;
            let mut out = Vec::new();
            // A stream cut short still gives what it holds: its text is read as far as it goes.
            let _ = flate2::read::ZlibDecoder::new(data)
                .take(*budget as u64 + 1)
                .read_to_end(&mut out);
            out
        }
        Some(_) => return Ok(None),
    };
    *budget = budget.checked_sub(bytes.len()).ok_or(PdfError::Bounded)?;
    Ok(Some(bytes))
}

/// The section a CMap operator begins (`beginbfchar` → `char`), or `""` for one that ends a
/// section; `None` for other operators.
fn section_name(op: &[u8]) -> Option<&'static str> {
    match op {
        b"begincodespacerange" => Some("space"),
        b"beginbfchar" => Some("char"),
        b"beginbfrange" => Some("range"),
        b"endcodespacerange" | b"endbfchar" | b"endbfrange" => Some(""),
        _ => None,
    }
}

/// A font's `ToUnicode` map: codes of one or two bytes to text.
#[derive(Debug, Default)]
struct CMap {
    width: usize,
    chars: HashMap<u32, String>,
    /// Entries this map may still read (of its own bound and of the bound in all).
    room: usize,
}

impl CMap {
    /// Reads `begincodespacerange`, `beginbfchar` and `beginbfrange` sections.
    /// Reads at most [`MAX_MAP_ENTRIES`] entries, and counts them off `entries_left`.
    fn parse(bytes: &[u8], entries_left: &mut usize) -> Self {
        let mut map = CMap {
            width: 2,
            chars: HashMap::new(),
            room: MAX_MAP_ENTRIES.min(*entries_left),
        };
        let before = map.room;
        let mut tokens = Tokens::new(bytes);
        // An entry is at most three tokens: they are read through a window of three, never
        // gathered whole.
        let mut window: Vec<Token> = Vec::with_capacity(3);
        let mut section = "";
        while map.room > 0 {
            let more = window.len() < 3 && {
                let next = tokens.next();
                let read = next.is_some();
                window.extend(next);
                read
            };
            if more && window.len() < 3 {
                continue;
            }
            let Some(first) = window.first() else {
                break;
            };
            let taken = match first {
                Token::Operator(op) => match section_name(op) {
                    Some(name) => {
                        section = name;
                        1
                    }
                    None => 1,
                },
                _ => map.entry(section, &window),
            };
            window.drain(..taken.min(window.len()));
        }
        *entries_left -= before - map.room;
        map
    }

    /// Reads one entry of the section at the start of `tokens`; how many tokens it took.
    fn entry(&mut self, section: &str, tokens: &[Token]) -> usize {
        match (section, tokens) {
            ("space", [Token::String(lo), Token::String(_), ..]) => {
                self.width = lo.len().clamp(1, 2);
                2
            }
            ("char", [Token::String(code), Token::String(to), ..]) => {
                self.insert(code_of(code), utf16(to));
                2
            }
            ("range", [Token::String(lo), Token::String(hi), Token::String(to), ..]) => {
                let (lo, hi) = (code_of(lo), code_of(hi));
                let base = utf16_units(to);
                for (offset, code) in (lo..=hi).enumerate().take(self.room) {
                    let mut units = base.clone();
                    if let Some(last) = units.last_mut() {
                        *last = last.wrapping_add(offset as u16);
                    }
                    self.insert(code, String::from_utf16_lossy(&units));
                }
                3
            }
            ("range", [Token::String(lo), Token::String(_), Token::Array(targets), ..]) => {
                let lo = code_of(lo);
                // The codes from `lo` up, as far as there are targets and codes (no overflow
                // past 0xFFFFFFFF).
                let codes = (0..).map_while(|offset| lo.checked_add(offset));
                for (code, to) in codes.zip(targets).take(self.room) {
                    if let Token::String(to) = to {
                        self.insert(code, utf16(to));
                    }
                }
                3
            }
            _ => 1,
        }
    }

    fn insert(&mut self, code: u32, text: String) {
        if self.room > 0 {
            self.room -= 1;
            self.chars.insert(code, text);
        }
    }

    /// The text of a string shown in this font, appended to `out` until it holds
    /// [`MAX_TEXT_CHARS`]: one operator showing many codes stops at the cap too.
    fn decode(&self, shown: &[u8], out: &mut String) {
        for code in shown.chunks(self.width) {
            if let Some(text) = self.chars.get(&code_of(code)) {
                if out.len() + text.len() > MAX_TEXT_CHARS {
                    return;
                }
                out.push_str(text);
            }
        }
    }
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0, |acc, &b| acc << 8 | u32::from(b))
}

/// The UTF-16 units of a map's target, at most [`MAX_MAPPED_UNITS`] of them.
fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .take(MAX_MAPPED_UNITS)
        .map(|pair| pair.iter().fold(0u16, |acc, &b| acc << 8 | u16::from(b)))
        .collect()
}

fn utf16(bytes: &[u8]) -> String {
    String::from_utf16_lossy(&utf16_units(bytes))
}

/// Appends the text a content stream shows.
fn show_text(content: &[u8], fonts: &Fonts, out: &mut String) {
    let mut font: Option<&CMap> = None;
    let mut operands: Vec<Token> = Vec::new();
    for token in Tokens::new(content) {
        let Token::Operator(op) = token else {
            // Operators take a few operands: more is not a content stream worth reading.
            if operands.len() < 64 {
                operands.push(token);
            }
            continue;
        };
        match op.as_slice() {
            b"Tf" => {
                font = operands.first().and_then(|t| match t {
                    Token::Name(name) => fonts.get(name),
                    _ => None,
                });
            }
            b"Tj" | b"'" | b"\"" | b"TJ" => {
                if let Some(font) = font {
                    for shown in operands.iter().flat_map(Token::strings) {
                        font.decode(shown, out);
                    }
                }
            }
            _ => {}
        }
        operands.clear();
        if out.len() >= MAX_TEXT_CHARS {
            return;
        }
    }
}

/// A token of a content stream or CMap.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(Vec<u8>),
    String(Vec<u8>),
    Number,
    Array(Vec<Token>),
    Operator(Vec<u8>),
}

impl Token {
    /// The strings in this token: itself, or those of an array (`TJ`).
    fn strings(&self) -> Vec<&[u8]> {
        match self {
            Token::String(s) => vec![s.as_slice()],
            Token::Array(items) => items.iter().flat_map(Token::strings).collect(),
            _ => Vec::new(),
        }
    }
}

/// The tokens of PDF content, read forward; dictionaries (`<< … >>`) are skipped.
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Tokens<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'%' => {
                    while self.peek().is_some_and(|b| b != b'\n' && b != b'\r') {
                        self.at += 1;
                    }
                }
                b if b.is_ascii_whitespace() || b == 0 => self.at += 1,
                _ => return,
            }
        }
    }

    fn word(&mut self) -> Vec<u8> {
        let start = self.at;
        while self.peek().is_some_and(|b| !is_delimiter(b)) {
            self.at += 1;
        }
        self.bytes[start..self.at].to_vec()
    }

    fn hex_string(&mut self) -> Vec<u8> {
        self.at += 1;
        let mut nibbles = Vec::new();
        while let Some(b) = self.peek() {
            self.at += 1;
            if b == b'>' {
                break;
            }
            if let Some(n) = (b as char).to_digit(16) {
                nibbles.push(n as u8);
            }
        }
        nibbles
            .chunks(2)
            .map(|pair| pair[0] << 4 | pair.get(1).copied().unwrap_or(0))
            .collect()
    }

    fn literal_string(&mut self) -> Vec<u8> {
        self.at += 1;
        let mut out = Vec::new();
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        self.at += 1;
                        out.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn skip_dictionary(&mut self) {
        let mut depth = 0usize;
        while self.at < self.bytes.len() {
            if self.bytes[self.at..].starts_with(b"<<") {
                depth += 1;
                self.at += 2;
            } else if self.bytes[self.at..].starts_with(b">>") {
                depth = depth.saturating_sub(1);
                self.at += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.at += 1;
            }
        }
    }

    /// The next token at array depth `depth` (arrays nest at most 8 deep).
    fn token(&mut self, depth: usize) -> Option<Token> {
        loop {
            self.skip_space();
            let b = self.peek()?;
            return Some(match b {
                b'/' => {
                    self.at += 1;
                    let mut name = vec![b'/'];
                    name.extend(self.word());
                    Token::Name(name)
                }
                b'(' => Token::String(self.literal_string()),
                b'<' if self.bytes[self.at..].starts_with(b"<<") => {
                    self.skip_dictionary();
                    continue;
                }
                b'<' => Token::String(self.hex_string()),
                b'[' => {
                    self.at += 1;
                    let mut items = Vec::new();
                    loop {
                        self.skip_space();
                        match self.peek() {
                            None => break,
                            Some(b']') => {
                                self.at += 1;
                                break;
                            }
                            Some(_) if depth < 8 => match self.token(depth + 1) {
                                Some(item) if items.len() < MAX_ARRAY_ITEMS => items.push(item),
                                Some(_) => {}
                                None => break,
                            },
                            Some(_) => self.at += 1,
                        }
                    }
                    Token::Array(items)
                }
                b']' | b'>' | b')' | b'{' | b'}' => {
                    self.at += 1;
                    continue;
                }
                b'+' | b'-' | b'.' | b'0'..=b'9' => {
                    self.word();
                    Token::Number
                }
                _ => Token::Operator(self.word()),
            });
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        self.token(0)
    }
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'/' | b'[' | b']' | b'<' | b'>' | b'(' | b')' | b'{' | b'}' | b'%' | 0
        )
}

/// Where `needle` next occurs in `haystack` from `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    &bytes[..end]
}

/// What follows `key` in a dictionary (the key ending at a delimiter: `/Font` is not
/// `/FontFile2`; and not the value of `/Type`: `/Type /Font`), up to the end of the
/// dictionary's text.
fn value_of<'a>(dict: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(at) = find(dict, key, from) {
        let end = at + key.len();
        let is_type = trim_end(&dict[..at]).ends_with(b"/Type");
        if !is_type && dict.get(end).is_none_or(|&b| is_delimiter(b)) {
            return Some(trim_start(&dict[end..]));
        }
        from = end;
    }
    None
}

fn name_is(value: &[u8], name: &[u8]) -> bool {
    let value = trim_start(value);
    value.starts_with(name) && value.get(name.len()).is_none_or(|&b| is_delimiter(b))
}

/// A direct integer value (`/Length 1234`), not a reference (`/Length 7 0 R`).
fn direct_integer(dict: &[u8], key: &[u8]) -> Option<usize> {
    let value = value_of(dict, key)?;
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    let number = std::str::from_utf8(&value[..digits]).ok()?.parse().ok()?;
    let rest = trim_start(&value[digits..]);
    let is_reference = rest.first().is_some_and(u8::is_ascii_digit);
    (!is_reference).then_some(number)
}

/// The object a value refers to: `12 0 R` → 12. Only a value starting with a digit is read,
/// and only its first few bytes: an array (`[`) after every name of a dictionary is not
/// scanned to its end once per name.
fn reference(value: &[u8]) -> Option<u32> {
    let value = trim_start(value);
    if !value.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    references(&value[..value.len().min(32)]).first().copied()
}

/// The objects referred to by a value, a reference or an array of them: `[5 0 R 9 0 R]`.
fn references(value: &[u8]) -> Vec<u32> {
    let value = trim_start(value);
    let end = if value.starts_with(b"[") {
        value.iter().position(|&b| b == b']').unwrap_or(value.len())
    } else {
        value.len().min(32)
    };
    let words: Vec<&[u8]> = value[..end]
        .split(|b| b.is_ascii_whitespace() || *b == b'[')
        .filter(|w| !w.is_empty())
        .collect();
    let mut found = Vec::new();
    for triple in words.windows(3) {
        if triple[2].starts_with(b"R") && triple[1].iter().all(u8::is_ascii_digit) {
            if let Some(n) = std::str::from_utf8(triple[0])
                .ok()
                .and_then(|t| t.parse().ok())
            {
                found.push(n);
            }
        }
        if !value.starts_with(b"[") && !found.is_empty() {
            break;
        }
    }
    found
}

/// The names and references of a dictionary of them: `<</F4 4 0 R /F5 5 0 R>>`.
fn named_references(dict: &[u8]) -> Vec<(Vec<u8>, u32)> {
    let dict = trim_start(dict);
    let body = dict.strip_prefix(b"<<").unwrap_or(dict);
    let end = find(body, b">>", 0).unwrap_or(body.len());
    let body = &body[..end];
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(slash) = body
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'/'))
    {
        let start = from + slash;
        let name_end = body[start + 1..]
            .iter()
            .position(|&b| is_delimiter(b))
            .map_or(body.len(), |p| start + 1 + p);
        if let Some(n) = reference(&body[name_end..]) {
            found.push((body[start..name_end].to_vec(), n));
        }
        from = name_end.max(start + 1);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_from_values_and_arrays() {
        assert_eq!(reference(b" 12 0 R\n/Next"), Some(12));
        assert_eq!(reference(b"/Name"), None);
        assert_eq!(references(b"[5 0 R 9 0 R]"), vec![5, 9]);
        assert_eq!(
            named_references(b"<</F4 4 0 R\n/F5 5 0 R>>"),
            vec![(b"/F4".to_vec(), 4), (b"/F5".to_vec(), 5)]
        );
        assert_eq!(direct_integer(b"/Length 1234>>", b"/Length"), Some(1234));
        assert_eq!(direct_integer(b"/Length 7 0 R", b"/Length"), None);
        assert!(value_of(b"/FontFile2 3 0 R", b"/Font").is_none());
    }

    #[test]
    fn a_font_map_reads_chars_and_ranges() {
        let map = CMap::parse(
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0003> <0020> <0010> <0075> endbfchar\n\
              1 beginbfrange <0020> <0022> <0041> endbfrange\n\
              1 beginbfrange <0030> <0031> [<3042> <3044>] endbfrange",
            &mut MAX_MAP_ENTRIES_IN_ALL.clone(),
        );
        let mut out = String::new();
        map.decode(&[0, 0x10, 0, 3, 0, 0x21, 0, 0x31, 0, 0x99], &mut out);
        assert_eq!(out, "u Bい");
    }

    #[test]
    fn a_content_stream_shows_its_strings_in_the_font_selected() {
        let mut fonts = Fonts::default();
        fonts.names.insert(b"/F1".to_vec(), 7);
        fonts.maps.insert(
            7,
            CMap::parse(
                b"begincodespacerange <00> <FF> endcodespacerange beginbfrange <41> <5A> <0061> endbfrange",
                &mut MAX_MAP_ENTRIES_IN_ALL.clone(),
            ),
        );
        let mut out = String::new();
        show_text(
            b"/P <</MCID 0>> BDC BT /F1 12 Tf 10 20 Td <4142> Tj [(C) -250 <44>] TJ ET EMC",
            &fonts,
            &mut out,
        );
        assert_eq!(out, "abcd");
    }

    #[test]
    fn what_is_not_a_printed_page_gives_no_text() {
        assert_eq!(text(b"%PDF-1.4\n"), Err(PdfError::NoContent));
        assert_eq!(text(&[0xFF; 1000]), Err(PdfError::NoContent));
        assert_eq!(
            text(&vec![b' '; MAX_PDF_BYTES + 1]),
            Err(PdfError::TooLarge)
        );
    }

    #[test]
    fn a_compressed_stream_is_inflated_within_the_budget() {
        use std::io::Write;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all(&vec![b'x'; MAX_INFLATED_BYTES + 1])
            .unwrap();
        let bomb = encoder.finish().unwrap();
        let mut pdf = format!(
            "%PDF-1.4\n1 0 obj\n<</Type /Page /Contents 2 0 R>>\nendobj\n2 0 obj\n<</Filter /FlateDecode /Length {}>> stream\n",
            bomb.len()
        )
        .into_bytes();
        pdf.extend_from_slice(&bomb);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        assert_eq!(text(&pdf), Err(PdfError::Bounded));
    }

    /// The registry's certificate printed to PDF by Chromium (tests/data/README.md).
    fn printed() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/certificate-printed.pdf"
        ))
        .unwrap()
    }

    #[test]
    fn the_printed_certificate_shows_its_id_company_and_url() {
        let text = text(&printed()).unwrap();
        let id = "urn:uuid:06e8d0dc-25e3-4c7b-952e-f8db3d5f7adc";
        assert!(
            text.contains(&format!("証明書ID Credential id{id}")),
            "{text}"
        );
        assert!(text.contains("株式会社さくら精機"), "{text}");
        assert!(
            text.contains(&format!("http://127.0.0.1:8080/credentials/{id}")),
            "{text}"
        );
    }

    /// The fuzz target's seed (fuzz/corpus/pdf_text) reaches the text: a fuzzer mutating it
    /// explores the font maps and content streams, not only the object scan.
    #[test]
    fn the_fuzz_seed_shows_its_text_through_its_font_map() {
        let seed = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/pdf_text/printed-page.pdf"
        ))
        .unwrap();
        let text = text(&seed).unwrap();
        // 証 and 明 by single codes, 書 and 曹 by one range, the id by the ASCII range.
        assert!(text.contains("証明書曹"), "{text}");
        assert!(
            text.contains("urn:uuid:8f0c2a4e-1b7d-4c55-9a63-2f1e0d9b7c11"),
            "{text}"
        );
    }

    #[test]
    fn a_printed_certificate_cut_short_or_damaged_gives_an_error_or_less_text() {
        let pdf = printed();
        let whole = text(&pdf).unwrap();
        for cut in [10, 1_000, 20_000, pdf.len() / 2, pdf.len() - 1_000] {
            if let Ok(part) = text(&pdf[..cut]) {
                assert!(part.len() <= whole.len(), "cut at {cut}");
            }
        }
        // Every 97th byte flipped: whatever it gives, it gives without panicking.
        let mut damaged = pdf.clone();
        for byte in damaged.iter_mut().step_by(97) {
            *byte ^= 0x5A;
        }
        let _ = text(&damaged);
    }

    #[test]
    fn a_font_map_reads_a_bounded_number_of_entries() {
        let ranges = "beginbfrange <0000> <FFFF> <0041> endbfrange ".repeat(64);
        let mut left = MAX_MAP_ENTRIES_IN_ALL;
        let map = CMap::parse(ranges.as_bytes(), &mut left);
        assert_eq!(map.chars.len(), MAX_MAP_ENTRIES);
        assert_eq!(left, MAX_MAP_ENTRIES_IN_ALL - MAX_MAP_ENTRIES);
        let mut none_left = 10;
        assert_eq!(
            CMap::parse(ranges.as_bytes(), &mut none_left).chars.len(),
            10
        );
        assert_eq!(none_left, 0);
    }

    #[test]
    fn an_array_keeps_a_bounded_number_of_items() {
        let array = format!("[{}] TJ", "<41> ".repeat(MAX_ARRAY_ITEMS + 10));
        let tokens: Vec<Token> = Tokens::new(array.as_bytes()).collect();
        match tokens.as_slice() {
            [Token::Array(items), Token::Operator(op)] => {
                assert_eq!(items.len(), MAX_ARRAY_ITEMS);
                assert_eq!(op, b"TJ");
            }
            other => panic!("{} tokens", other.len()),
        }
    }

    /// A one-page PDF showing `content` in font `/F1`, whose `ToUnicode` map is `cmap` (both
    /// streams uncompressed).
    fn page_showing(cmap: &[u8], content: &[u8]) -> Vec<u8> {
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<</Type /Page /Resources <</Font <</F1 2 0 R>> >> /Contents 4 0 R>>\nendobj\n2 0 obj\n<</Type /Font /ToUnicode 3 0 R>>\nendobj\n".to_vec();
        for (number, data) in [(3, cmap), (4, content)] {
            pdf.extend(format!("{number} 0 obj\n<</Length {}>> stream\n", data.len()).bytes());
            pdf.extend_from_slice(data);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
        }
        pdf
    }

    /// `/F1 1 Tf <0001 0001 …> Tj`: code 1 shown `times` in one operator.
    fn code_one_shown(times: usize) -> Vec<u8> {
        format!("/F1 1 Tf <{}> Tj", "0001".repeat(times)).into_bytes()
    }

    #[test]
    fn a_long_mapped_string_is_cut_and_one_operator_stops_at_the_text_cap() {
        // One code for 50,000 units: 100 codes shown would be 5,000,000 characters.
        let cmap = format!("1 beginbfchar <0001> <{}> endbfchar", "0041".repeat(50_000));
        let shown = text(&page_showing(cmap.as_bytes(), &code_one_shown(100))).unwrap();
        assert_eq!(shown, "A".repeat(MAX_MAPPED_UNITS * 100));

        // Codes of 64 units each, shown in one `Tj` past the cap: the text stops at the cap.
        let cmap = format!("1 beginbfchar <0001> <{}> endbfchar", "0041".repeat(64));
        let times = MAX_TEXT_CHARS / 64 + 10;
        let shown = text(&page_showing(cmap.as_bytes(), &code_one_shown(times))).unwrap();
        assert_eq!(shown.len(), MAX_TEXT_CHARS);
    }

    #[test]
    fn a_font_dictionary_of_names_before_arrays_is_read_in_one_pass() {
        // Every `/a` followed by an unclosed array: a reference looked for to the array's end
        // after each name is a pass over the rest of the dictionary per name.
        let pdf = format!(
            "%PDF-1.4\n1 0 obj\n<</Type /Page /Resources <</Font <<{}>> >> /Contents 2 0 R>>\nendobj\n2 0 obj\n<</Length 0>> stream\n\nendstream\nendobj\n",
            "/a[".repeat(20_000)
        );
        assert_eq!(text(pdf.as_bytes()), Ok(String::new()));
    }

    #[test]
    fn a_declared_length_ending_in_a_long_run_of_spaces_is_not_rescanned_per_object() {
        // 1,000 objects whose declared lengths all end in 1 MB of spaces that no `endstream`
        // follows: each stream's data runs to its own `endstream`.
        let count = 1_000;
        let object =
            |k: usize| format!("{k:05} 0 obj\n<</Length 0100000>> stream\nx\nendstream\nendobj\n");
        let objects_len = object(1).len() * count;
        assert!(objects_len < 100_000);
        let mut pdf = (1..=count).map(object).collect::<String>().into_bytes();
        pdf.extend(vec![b' '; 1024 * 1024]);
        pdf.extend_from_slice(b"%%EOF");
        let read = objects(&pdf).unwrap();
        assert_eq!(read.len(), count);
        for object in read.values() {
            assert_eq!(object.stream.clone().map(|r| &pdf[r]), Some(&b"x\n"[..]));
        }

        // `endstream` is looked for only a few bytes past the declared end; further on, the data
        // runs to the next `endstream`.
        let gap = " ".repeat(MAX_STREAM_END_GAP);
        let far = format!("1 0 obj\n<</Length 1>> stream\nx{gap}endstream\nendobj\n");
        let far = objects(far.as_bytes()).unwrap()[&1].stream.clone().unwrap();
        assert_eq!(far.len(), 1 + MAX_STREAM_END_GAP);
    }

    #[test]
    fn a_content_stream_named_many_times_is_read_once_and_costs_its_compressed_bytes() {
        // A zlib stream of 10,000 empty stored blocks: 50 KB that inflate to nothing.
        let mut empty = vec![0x78, 0x01];
        for _ in 0..10_000 {
            empty.extend_from_slice(&[0x00, 0x00, 0x00, 0xFF, 0xFF]);
        }
        empty.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]);
        let mut pdf = format!(
            "%PDF-1.4\n1 0 obj\n<</Type /Page /Contents [{}]>>\nendobj\n7 0 obj\n<</Filter /FlateDecode /Length {}>> stream\n",
            "7 0 R ".repeat(1_000),
            empty.len()
        )
        .into_bytes();
        pdf.extend_from_slice(&empty);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");

        let objects = objects(&pdf).unwrap();
        let streams: Vec<Object> = content_streams(&pdf, &objects).collect();
        assert_eq!(streams.len(), 1);
        let mut budget = MAX_INFLATED_BYTES;
        assert_eq!(
            stream_bytes(&pdf, &streams[0], &mut budget),
            Ok(Some(Vec::new()))
        );
        assert_eq!(budget, MAX_INFLATED_BYTES - empty.len());
        assert_eq!(text(&pdf), Ok(String::new()));
    }

    #[test]
    fn a_range_of_the_last_codes_does_not_overflow() {
        let map = CMap::parse(
            b"1 beginbfrange <FFFFFFFF> <FFFFFFFF> [<0041> <0042>] endbfrange\n\
              1 beginbfrange <FFFFFFFF> <FFFFFFFF> [] endbfrange",
            &mut MAX_MAP_ENTRIES_IN_ALL.clone(),
        );
        assert_eq!(map.chars.len(), 1);
        assert_eq!(map.chars.get(&u32::MAX).map(String::as_str), Some("A"));
        // The fuzz seed holding the same ranges reads to its text.
        let seed = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/pdf_text/bfrange-last-codes.pdf"
        ))
        .unwrap();
        assert_eq!(text(&seed), Ok("AB".to_string()));
    }
}
