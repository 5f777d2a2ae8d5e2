//! RFC 8785 JSON Canonicalization Scheme.
//!
//! Objects, arrays and strings are written here directly from the [`Value`] tree: members sorted
//! by the UTF-16 code units of their names, and strings with only the escapes RFC 8785 §3.2.2.2
//! requires (`\"`, `\\`, and the C0 controls, as `\b \t \n \f \r` or `\u00xx`). Numbers, which
//! need ES6 `Number.prototype.toString` formatting, are left to `serde_json_canonicalizer`. Its
//! own serializer gives the same bytes but allocates a buffer per member and re-parses every name,
//! several times slower on a credential; the tests hold this module to the RFC's vectors and to
//! that crate's output on arbitrary values.

use serde_json::{Map, Value};

mod text;
pub use text::{canonical_object, without_member, without_whitespace, MemberSpan};

/// The canonical bytes of a JSON value.
///
/// Cannot fail for a [`Value`]: serde_json only holds finite numbers, and every string in it is
/// valid UTF-8.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // ES6 number formatting. Cannot fail: a `Number` is always finite.
        Value::Number(n) => {
            out.extend_from_slice(&serde_json_canonicalizer::to_vec(n).unwrap_or_default())
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => write_object(out, members),
    }
}

fn write_object(out: &mut Vec<u8>, members: &Map<String, Value>) {
    let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
    // RFC 8785 §3.2.3: by UTF-16 code units, which differs from the map's own (UTF-8 byte)
    // order when a name holds both a character above U+FFFF and one in U+E000..=U+FFFF.
    sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    out.push(b'{');
    for (index, (name, value)) in sorted.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(out, name);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.push(b'"');
    // Almost every string in a credential needs no escape: copy it whole. (A fold rather than
    // `any`, so that the compiler can check many bytes at once.)
    let needs_escape = bytes.iter().fold(false, |found, &b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escape {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let short: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..index]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        start = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/jcs")
    }

    #[test]
    fn reproduces_every_rfc8785_vector_byte_for_byte() {
        let mut checked = 0;
        for entry in std::fs::read_dir(vectors().join("input")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_owned();
            let input: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let expected = std::fs::read(vectors().join("output").join(&name)).unwrap();
            let hex =
                std::fs::read_to_string(vectors().join("outhex").join(&name).with_extension("txt"))
                    .unwrap();
            let hex_bytes: Vec<u8> = hex
                .split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect();
            let got = canonicalize(&input);
            assert_eq!(got, expected, "{name:?}");
            assert_eq!(got, hex_bytes, "{name:?} (hex)");
            checked += 1;
        }
        assert_eq!(checked, 6, "every input file was checked");
    }

    #[test]
    fn sorts_names_by_utf16_code_units_not_bytes() {
        // U+10000 is D800 DC00 in UTF-16, so it sorts before U+E000 although its UTF-8 is larger.
        let v: Value = serde_json::from_str(r#"{"\ue000": 1, "\ud800\udc00": 2, "a": 3}"#).unwrap();
        assert_eq!(
            String::from_utf8(canonicalize(&v)).unwrap(),
            "{\"a\":3,\"\u{10000}\":2,\"\u{e000}\":1}"
        );
    }

    #[test]
    fn escapes_only_what_rfc8785_requires() {
        let v = Value::String("\"\\/\u{0}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f}é€😀".into());
        assert_eq!(
            String::from_utf8(canonicalize(&v)).unwrap(),
            "\"\\\"\\\\/\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\u{7f}é€😀\""
        );
    }

    fn arbitrary_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z\\x00-\\x1f\"\\\\/\\x7f\u{e000}-\u{e002}\u{fffd}\u{10000}-\u{10002}é]{0,6}",
        ]
    }

    pub(crate) fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            arbitrary_text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(arbitrary_text(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_serde_json_canonicalizer(value in arbitrary_json()) {
            let reference = serde_json_canonicalizer::to_vec(&value).unwrap();
            prop_assert_eq!(canonicalize(&value), reference);
        }
    }

    #[test]
    fn formats_numbers_as_es6() {
        let cases = [
            ("1e21", "1e+21"),
            ("1e-7", "1e-7"),
            ("123456789012345680000", "123456789012345680000"),
            ("0.000001", "0.000001"),
            ("-0", "0"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ];
        for (input, want) in cases {
            let v: Value = serde_json::from_str(input).unwrap();
            assert_eq!(
                String::from_utf8(canonicalize(&v)).unwrap(),
                want,
                "{input}"
            );
        }
    }
}
