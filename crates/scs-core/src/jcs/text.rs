//! Canonical text recognised as it stands, without building a [`serde_json::Value`].
//!
//! Most documents this scheme reads were written by serde_json from a `Value`, whose maps keep
//! their members sorted and whose strings carry exactly the escapes RFC 8785 writes: compact,
//! such text is already its own canonical form, and its hash can be taken from the bytes as
//! they are. [`canonical_object`] says whether that is so, with a single pass that checks the
//! JSON grammar and every rule of the canonical form at once. It answers only for the cases it
//! can decide cheaply — member names without escapes, integers below 10^15 — and says `None`
//! for everything else: callers then take the general way ([`super::canonicalize`] of the
//! parsed value), so a `None` is never wrong, only slower.

use std::borrow::Cow;
use std::ops::Range;

/// Nesting accepted here. Deeper text is left to the general way, which allows 128.
const MAX_DEPTH: usize = 32;

/// Integer digits accepted here: any integer of at most 15 digits is below 2^53, so ES6
/// `Number.prototype.toString` writes it as it is.
const MAX_INTEGER_DIGITS: usize = 15;

/// One member of a JSON object, by its place in the object's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpan {
    /// The name, between its quotes (recognised names have no escapes, so these are its bytes).
    pub name: Range<usize>,
    /// The member: from the opening quote of its name to the end of its value.
    pub member: Range<usize>,
    /// The value.
    pub value: Range<usize>,
}

/// The members of the object `text`, in order, when `text` is a JSON object written exactly
/// as [`super::canonicalize`] writes the value it holds (so it is also I-JSON: member names
/// strictly increase, hence none repeats); `None` when it is not, or when it holds what this
/// pass leaves to the general way: a member name with an escape, a number other than an
/// integer of at most 15 digits, nesting deeper than 32. Text, not bytes: a caller that also
/// parses it checks its UTF-8 once for both.
pub fn canonical_object(text: &str) -> Option<Vec<MemberSpan>> {
    let mut scanner = Scanner {
        text: text.as_bytes(),
        at: 0,
    };
    let mut members = Vec::new();
    scanner.object(1, Some(&mut members))?;
    (scanner.at == text.len()).then_some(members)
}

/// The canonical text of the object `text` without `members[index]` (`members` being what
/// [`canonical_object`] found in it), in two pieces to be read one after the other: the
/// member is cut out with the comma that joined it to its neighbour.
pub fn without_member<'t>(
    text: &'t [u8],
    members: &[MemberSpan],
    index: usize,
) -> Option<[&'t [u8]; 2]> {
    let member = members.get(index)?;
    let cut = match (index.checked_sub(1), members.get(index + 1)) {
        (Some(before), _) => members.get(before)?.member.end..member.member.end,
        (None, Some(after)) => member.member.start..after.member.start,
        (None, None) => member.member.clone(),
    };
    Some([text.get(..cut.start)?, text.get(cut.end..)?])
}

/// `text` without JSON's insignificant whitespace (between tokens, and around the value);
/// borrowed when there is none. For valid JSON the result holds the same value; for anything
/// else it means nothing, so a caller must also parse `text` itself.
pub fn without_whitespace(text: &[u8]) -> Cow<'_, [u8]> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut in_string = false;
    let mut escaped = false;
    let mut out: Option<Vec<u8>> = None;
    for (at, &byte) in text.iter().enumerate() {
        let keep = if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            true
        } else {
            in_string = byte == b'"';
            !is_space(byte)
        };
        match (&mut out, keep) {
            (Some(out), true) => out.push(byte),
            (None, false) => {
                let mut copy = Vec::with_capacity(text.len());
                copy.extend_from_slice(text.get(..at).unwrap_or_default());
                out = Some(copy);
            }
            _ => {}
        }
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// A recursive-descent reader of canonical JSON text (the bytes of a `str`: valid UTF-8);
/// every method returns `None` as soon as the text departs from the canonical form.
struct Scanner<'t> {
    text: &'t [u8],
    at: usize,
}

impl Scanner<'_> {
    fn next(&mut self) -> Option<u8> {
        let byte = *self.text.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Eats `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth + 1, None),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.integer(),
        }
    }

    /// An object whose names strictly increase in UTF-16 code units (RFC 8785 §3.2.3), each
    /// member recorded in `members` when given.
    fn object(&mut self, depth: usize, mut members: Option<&mut Vec<MemberSpan>>) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        let mut previous: Option<Range<usize>> = None;
        loop {
            let start = self.at;
            let (name, escaped) = self.string()?;
            if escaped {
                return None;
            }
            if let Some(previous) = previous {
                if !sorts_before(self.text.get(previous)?, self.text.get(name.clone())?) {
                    return None;
                }
            }
            self.expect(b':')?;
            let value_start = self.at;
            self.value(depth)?;
            if let Some(members) = members.as_deref_mut() {
                members.push(MemberSpan {
                    name: name.clone(),
                    member: start..self.at,
                    value: value_start..self.at,
                });
            }
            previous = Some(name);
            if !self.eat(b',') {
                return self.expect(b'}');
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.expect(b'[')?;
        if self.eat(b']') {
            return Some(());
        }
        loop {
            self.value(depth)?;
            if !self.eat(b',') {
                return self.expect(b']');
            }
        }
    }

    /// A string with only the escapes RFC 8785 §3.2.2.2 writes; its contents' range, and
    /// whether it had an escape.
    fn string(&mut self) -> Option<(Range<usize>, bool)> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at += plain_len(self.text.get(self.at..)?);
            match self.next()? {
                b'"' => return Some((start..self.at - 1, escaped)),
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                0x00..=0x1f => return None,
                _ => {}
            }
        }
    }

    /// After a backslash: `\"`, `\\`, the five short control escapes, or `\u00xx` in lower
    /// case for the other controls. (`\/`, `\u0041` and the like are valid JSON but not
    /// canonical.)
    fn escape(&mut self) -> Option<()> {
        match self.next()? {
            b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => Some(()),
            b'u' => {
                let hex = |digit: u8| match digit {
                    b'0'..=b'9' => Some(digit - b'0'),
                    b'a'..=b'f' => Some(digit - b'a' + 10),
                    _ => None,
                };
                let (a, b, c, d) = (self.next()?, self.next()?, self.next()?, self.next()?);
                let code = (a == b'0' && b == b'0')
                    .then(|| Some((hex(c)? << 4) | hex(d)?))
                    .flatten()?;
                (code < 0x20 && !matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)).then_some(())
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.text.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// `0`, or an optional minus and at most 15 digits, the first not 0. A fraction or an
    /// exponent is left to the caller's next token, which then does not match.
    fn integer(&mut self) -> Option<()> {
        if self.eat(b'0') {
            return Some(());
        }
        self.eat(b'-');
        let start = self.at;
        if !matches!(self.next()?, b'1'..=b'9') {
            return None;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        (self.at - start <= MAX_INTEGER_DIGITS).then_some(())
    }
}

/// How many bytes of `bytes` come before the first `"`, `\\` or control character (all of
/// them if none does). Eight bytes at a time: a string's text is most of a document.
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // A byte of `x - ONES * n` has its high bit set where the byte of `x` is below `n` (for
    // n <= 0x80, and `!x` keeping bytes below 0x80): exact for the lowest such byte, which is
    // the one taken.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH_BITS;
    let mut plain = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let special = below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            | below(x, 0x20);
        if special != 0 {
            return plain + special.trailing_zeros() as usize / 8;
        }
        plain += 8;
    }
    let rest = bytes.get(plain..).unwrap_or_default();
    plain
        + rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len())
}

/// Whether name `a` sorts strictly before name `b` by UTF-16 code units. UTF-8 bytes sort the
/// same way unless both hold characters at or above U+E000.
fn sorts_before(a: &[u8], b: &[u8]) -> bool {
    if a.is_ascii() || b.is_ascii() {
        return a < b;
    }
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => a.encode_utf16().lt(b.encode_utf16()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jcs::canonicalize;
    use proptest::prelude::*;
    use serde_json::Value;

    fn members(text: &str) -> Option<Vec<String>> {
        let found = canonical_object(text)?;
        Some(
            found
                .iter()
                .map(|m| text[m.member.clone()].to_owned())
                .collect(),
        )
    }

    #[test]
    fn recognises_canonical_objects_and_finds_their_members() {
        assert_eq!(
            members(r#"{"a":[1,-2,{"b":null}],"c":"x\"\\\n\u001f","d":{}}"#).unwrap(),
            [
                r#""a":[1,-2,{"b":null}]"#,
                r#""c":"x\"\\\n\u001f""#,
                r#""d":{}"#
            ]
        );
        assert_eq!(members("{}").unwrap(), Vec::<String>::new());
        assert_eq!(
            members(r#"{"":true,"\u007f":false}"#),
            None,
            "\\u007f is not canonical: DEL is written as it is"
        );
    }

    #[test]
    fn refuses_what_is_not_canonical() {
        for text in [
            r#"{"b":1,"a":2}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a": 1}"#,
            r#" {"a":1}"#,
            "{\"a\":1}\n",
            r#"{"a":1.0}"#,
            r#"{"a":1e3}"#,
            r#"{"a":-0}"#,
            r#"{"a":01}"#,
            r#"{"a":1234567890123456}"#,
            r#"{"a":"\/"}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"a":"\u000a"}"#,
            r#"{"a":"\u001F"}"#,
            r#"{"a":"\ud83d\ude00"}"#,
            r#"{"\u0061":1}"#,
            r#"{"a":tru}"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"[1]"#,
            r#"{"a":1}{"#,
            "{\"a\":\"\t\"}",
        ] {
            assert_eq!(canonical_object(text), None, "{text}");
        }
        assert_eq!(canonical_object("{\"a\":1\u{a0}}"), None, "not JSON");
        assert!(canonical_object("{\"あ\":\"い\"}").is_some());
        let deep = "{\"a\":".repeat(40) + "1" + &"}".repeat(40);
        assert_eq!(canonical_object(&deep), None);
    }

    #[test]
    fn sorts_names_by_utf16_code_units() {
        // U+10000 (D800 DC00) sorts before U+E000 in UTF-16, after it in UTF-8.
        assert!(canonical_object("{\"\u{10000}\":1,\"\u{e000}\":2}").is_some());
        assert!(canonical_object("{\"\u{e000}\":1,\"\u{10000}\":2}").is_none());
    }

    proptest! {
        #[test]
        fn plain_len_finds_the_first_quote_backslash_or_control(
            bytes in proptest::collection::vec(
                prop_oneof![4 => 0x20u8..=0xff, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20],
                0..40,
            )
        ) {
            let expected = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(bytes.len());
            prop_assert_eq!(plain_len(&bytes), expected);
        }
    }

    #[test]
    fn cuts_a_member_out_with_its_comma() {
        let text = br#"{"a":1,"b":{"c":2},"d":3}"#;
        let found = canonical_object(std::str::from_utf8(text).unwrap()).unwrap();
        let cut = |index| without_member(text, &found, index).unwrap().concat();
        assert_eq!(cut(0), br#"{"b":{"c":2},"d":3}"#);
        assert_eq!(cut(1), br#"{"a":1,"d":3}"#);
        assert_eq!(cut(2), br#"{"a":1,"b":{"c":2}}"#);
        let one = br#"{"a":1}"#;
        let found = canonical_object(std::str::from_utf8(one).unwrap()).unwrap();
        assert_eq!(without_member(one, &found, 0).unwrap().concat(), b"{}");
        assert_eq!(without_member(one, &found, 1), None);
    }

    #[test]
    fn drops_whitespace_between_tokens_only() {
        let pretty = b" {\n  \"a b\": [1, \"\\\" x\"],\r\n\t\"c\" : {}\n}\n";
        assert_eq!(
            without_whitespace(pretty).as_ref(),
            br#"{"a b":[1,"\" x"],"c":{}}"#
        );
        assert!(matches!(without_whitespace(b"{\"a\":1}"), Cow::Borrowed(_)));
    }

    /// JSON text of `value`: serde_json's compact or pretty form, which sorts members by UTF-8
    /// bytes and escapes strings as RFC 8785 does.
    fn arbitrary_text() -> impl Strategy<Value = (Value, String)> {
        crate::jcs::tests::arbitrary_json()
            .prop_map(|v| serde_json::json!({ "v": v.clone(), "w": [v] }))
            .prop_flat_map(|v| {
                let compact = serde_json::to_string(&v).unwrap();
                let pretty = serde_json::to_string_pretty(&v).unwrap();
                (Just(v), prop_oneof![Just(compact), Just(pretty)])
            })
    }

    proptest! {
        /// The one promise: text recognised as canonical is the canonicalization of the value
        /// it holds (and that value parses strictly).
        #[test]
        fn recognised_text_is_its_own_canonical_form((value, text) in arbitrary_text()) {
            let compact = without_whitespace(text.as_bytes());
            if canonical_object(std::str::from_utf8(&compact).unwrap()).is_some() {
                let parsed = crate::json::parse_strict(&compact, usize::MAX).unwrap();
                prop_assert_eq!(&parsed, &value);
                prop_assert_eq!(canonicalize(&parsed), compact.as_ref());
            }
        }

        /// Everything canonicalize writes is recognised, unless it holds what this pass
        /// leaves to the general way.
        #[test]
        fn recognises_what_canonicalize_writes(value in crate::jcs::tests::arbitrary_json()) {
            let object = serde_json::json!({ "v": value });
            let text = canonicalize(&object);
            let text = std::str::from_utf8(&text).unwrap();
            prop_assert_eq!(canonical_object(text).is_some(), decidable(&object));
        }

        /// Any change of one byte in canonical text is either still canonical (and then the
        /// canonicalization of what it holds) or not recognised.
        #[test]
        fn altered_text_is_never_mistaken(
            (_, text) in arbitrary_text(),
            at in any::<prop::sample::Index>(),
            byte in prop_oneof![any::<u8>(), Just(b' '), Just(b'"'), Just(b'\\'), Just(b'}'), Just(b',')],
        ) {
            let mut altered = without_whitespace(text.as_bytes()).into_owned();
            let at = at.index(altered.len());
            altered[at] = byte;
            // Bytes that are not UTF-8 are not text, and never reach the scanner.
            let recognised = std::str::from_utf8(&altered).is_ok_and(|t| canonical_object(t).is_some());
            if recognised {
                let parsed = crate::json::parse_strict(&altered, usize::MAX);
                prop_assert!(parsed.is_ok(), "{}", String::from_utf8_lossy(&altered));
                prop_assert_eq!(canonicalize(&parsed.unwrap()), altered);
            }
        }
    }

    /// Whether `value` holds only what [`canonical_object`] decides: names without escapes,
    /// numbers written as integers of at most 15 digits.
    fn decidable(value: &Value) -> bool {
        match value {
            Value::Number(_) => {
                let text = canonicalize(value);
                let digits = text.strip_prefix(b"-").unwrap_or(&text);
                digits.iter().all(u8::is_ascii_digit) && digits.len() <= MAX_INTEGER_DIGITS
            }
            Value::Array(items) => items.iter().all(decidable),
            Value::Object(members) => members.iter().all(|(name, value)| {
                !name.chars().any(|c| c < ' ' || c == '"' || c == '\\') && decidable(value)
            }),
            _ => true,
        }
    }
}
