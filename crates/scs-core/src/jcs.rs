//! RFC 8785 JSON Canonicalization Scheme.
//!
//! `serde_json_canonicalizer` does the work (sorted keys by UTF-16 code units, ES6 number
//! formatting, minimal string escapes); this module pins it behind one function so the rest of
//! the code never depends on the crate directly, and its tests hold it to the RFC's vectors.

use serde_json::Value;

/// The canonical bytes of a JSON value.
///
/// Cannot fail for a [`Value`]: serde_json only holds finite numbers, and every string in it is
/// valid UTF-8.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    // `to_vec` only fails on non-finite numbers or a failing writer; neither exists here.
    serde_json_canonicalizer::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/jcs")
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
