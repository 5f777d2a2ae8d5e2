//! Identifiers that must not be confused with one another or with free text: the 法人番号
//! (corporate number), the LEI, and credential ids.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::keys::truncate;

/// Why an identifier was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// Not 13 ASCII digits.
    #[error("法人番号 must be 13 digits / corporate number must be 13 digits: {0}")]
    CorporateNumberFormat(String),
    /// 13 digits whose first digit is not the check digit of the other twelve.
    #[error("法人番号のチェックデジットが正しくありません / corporate number check digit is wrong: {given} (expected {expected})")]
    CorporateNumberCheckDigit {
        /// The number as given.
        given: String,
        /// The check digit the other twelve digits call for.
        expected: u8,
    },
    /// Not 20 upper-case letters and digits.
    #[error("LEI must be 20 letters and digits: {0}")]
    LeiFormat(String),
    /// ISO 7064 mod 97-10 check failed.
    #[error("LEI check digits are wrong: {0}")]
    LeiCheckDigits(String),
    /// A credential id that is not `urn:uuid:` followed by a UUID.
    #[error("credential id must be urn:uuid:<uuid>: {0}")]
    CredentialId(String),
}

/// What groups the digits of a typed 法人番号: whitespace, and the hyphens, dashes, minus signs
/// and long-vowel marks a keyboard gives for a hyphen.
fn is_digit_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '－' | 'ー' | 'ｰ'
        )
}

/// A 13-digit 法人番号 whose check digit is valid.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CorporateNumber([u8; 13]);

impl CorporateNumber {
    /// The smallest valid number, `9000000000000` (body 0).
    pub const FIRST: CorporateNumber = CorporateNumber(*b"9000000000000");

    /// Parses and validates the check digit. Surrounding whitespace and full-width digits (as
    /// typed on Japanese keyboards) are accepted; hyphens and other characters are not.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let mut digits = [0u8; 13];
        let mut count = 0;
        for c in text.trim().chars() {
            let d = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '０'..='９' => c as u32 - '０' as u32,
                _ => return Err(IdError::CorporateNumberFormat(truncate(text))),
            };
            let slot = digits
                .get_mut(count)
                .ok_or_else(|| IdError::CorporateNumberFormat(truncate(text)))?;
            *slot = d as u8 + b'0';
            count += 1;
        }
        if count != 13 {
            return Err(IdError::CorporateNumberFormat(truncate(text)));
        }
        let expected = Self::check_digit(&digits);
        if digits[0] - b'0' != expected {
            return Err(IdError::CorporateNumberCheckDigit {
                given: String::from_utf8_lossy(&digits).into_owned(),
                expected,
            });
        }
        Ok(Self(digits))
    }

    /// Parses a 法人番号 as a person types it into a search box: [`Self::parse`] once the
    /// spaces and hyphens that group its digits are dropped (`1234-5678-9012-3`,
    /// `1 2345 6789 0123`, `１２３４ー５６７８ー９０１２ー３`: a Japanese keyboard often gives ー or
    /// －). A credential's `corporateNumber` is read with [`Self::parse`], not this.
    pub fn parse_typed(text: &str) -> Result<Self, IdError> {
        let digits: String = text.chars().filter(|c| !is_digit_separator(*c)).collect();
        Self::parse(&digits).map_err(|error| match error {
            IdError::CorporateNumberFormat(_) => IdError::CorporateNumberFormat(truncate(text)),
            other => other,
        })
    }

    /// Whether `text` is digits (half- or full-width) with the spaces and hyphens that may
    /// group them, and so meant as a 法人番号 rather than a name: at least
    /// [`Self::TYPED_MIN_DIGITS`] of them, so that a name of a few digits (株式会社2001 found by
    /// `2001`) is still searched as a name, while a number mistyped by a digit or two is told so.
    pub fn looks_typed(text: &str) -> bool {
        let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        text.chars().filter(|c| is_digit(*c)).count() >= Self::TYPED_MIN_DIGITS
            && text.chars().all(|c| is_digit(c) || is_digit_separator(c))
    }

    /// The fewest digits [`Self::looks_typed`] takes for a 法人番号 (13 less a few mistyped).
    pub const TYPED_MIN_DIGITS: usize = 10;

    /// `9 − (Σ P_n × Q_n mod 9)`, P_n the n-th of the last twelve digits counted from the right,
    /// Q_n 1 for odd n and 2 for even n.
    fn check_digit(digits: &[u8; 13]) -> u8 {
        let sum: u32 = digits
            .iter()
            .skip(1)
            .rev()
            .enumerate()
            .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 2 })
            .sum();
        9 - (sum % 9) as u8
    }

    /// Builds a valid number from its last twelve digits by computing the check digit (for test
    /// and demo data).
    pub fn from_body(body: u64) -> Option<Self> {
        if body >= 1_000_000_000_000 {
            return None;
        }
        let mut digits = [b'0'; 13];
        let text = format!("{body:012}");
        digits[1..].copy_from_slice(text.as_bytes());
        digits[0] = b'0' + Self::check_digit(&digits);
        Some(Self(digits))
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorporateNumber({})", self.as_str())
    }
}

impl Serialize for CorporateNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CorporateNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An ISO 17442 Legal Entity Identifier with valid check digits.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Lei(String);

impl Lei {
    /// Parses and checks ISO 7064 mod 97-10.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let text = text.trim();
        if text.len() != 20
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(IdError::LeiFormat(truncate(text)));
        }
        let remainder = text.bytes().fold(0u32, |acc, b| {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            let shift = if value >= 10 { 100 } else { 10 };
            (acc * shift + value) % 97
        });
        if remainder != 1 {
            return Err(IdError::LeiCheckDigits(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The 20 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A credential id, `urn:uuid:<uuid>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CredentialId(uuid::Uuid);

impl CredentialId {
    /// Parses `urn:uuid:…` (lower or upper case hex).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        text.strip_prefix("urn:uuid:")
            .filter(|u| u.len() == 36)
            .and_then(|u| uuid::Uuid::try_parse(u).ok())
            .map(Self)
            .ok_or_else(|| IdError::CredentialId(truncate(text)))
    }

    /// From 16 random bytes supplied by the caller, as a version 4 UUID.
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// From the 16 bytes of a UUID (the QR payload's compact form).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Uuid::from_bytes(bytes))
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "urn:uuid:{}", self.0.hyphenated())
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for CredentialId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CredentialId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_corporate_numbers() {
        // 国税庁 (National Tax Agency) and トヨタ自動車株式会社, from the public 法人番号 site.
        for n in ["7000012050002", "1180301018771"] {
            assert_eq!(CorporateNumber::parse(n).unwrap().as_str(), n);
        }
        assert_eq!(
            CorporateNumber::parse("７００００１２０５０００２")
                .unwrap()
                .as_str(),
            "7000012050002"
        );
    }

    #[test]
    fn refuses_wrong_check_digit_and_format() {
        assert_eq!(
            CorporateNumber::parse("8000012050002"),
            Err(IdError::CorporateNumberCheckDigit {
                given: "8000012050002".into(),
                expected: 7
            })
        );
        for bad in [
            "700001205000",
            "70000120500021",
            "7000-1205-0002",
            "",
            "abcdefghijklm",
        ] {
            assert!(matches!(
                CorporateNumber::parse(bad),
                Err(IdError::CorporateNumberFormat(_))
            ));
        }
    }

    #[test]
    fn a_typed_number_may_be_grouped_by_hyphens_or_spaces() {
        for typed in [
            "7000012050002",
            "7000-0120-5000-2",
            "7 0000 1205 0002",
            "7000‐0120‐5000‐2",
            "7000−0120−5000−2",
            "７０００－０１２０－５０００－２",
            "７０００ー０１２０ー５０００ー２",
            "７０００　０１２０　５０００　２",
            " 7000012050002 ",
        ] {
            assert!(CorporateNumber::looks_typed(typed), "{typed}");
            assert_eq!(
                CorporateNumber::parse_typed(typed).map(|n| n.to_string()),
                Ok("7000012050002".to_owned()),
                "{typed}"
            );
        }
        assert!(matches!(
            CorporateNumber::parse_typed("8000-0120-5000-2"),
            Err(IdError::CorporateNumberCheckDigit { expected: 7, .. })
        ));
        assert_eq!(
            CorporateNumber::parse_typed("7000-0120-5000"),
            Err(IdError::CorporateNumberFormat("7000-0120-5000".into()))
        );
        assert!(CorporateNumber::looks_typed("7000-0120-5000"));
        // Found in review: a name of digits alone (株式会社2001) could no longer be searched.
        for name in ["さくら", "ABC-1", "-", " ", "", "2001", "7000-0120-5"] {
            assert!(!CorporateNumber::looks_typed(name), "{name}");
        }
        // A credential's number is still read strictly.
        assert!(CorporateNumber::parse("7000-0120-5000-2").is_err());
    }

    proptest! {
        #[test]
        fn every_single_digit_change_is_caught(body in 0u64..1_000_000_000_000, pos in 0usize..13, delta in 1u8..10) {
            let good = CorporateNumber::from_body(body).unwrap();
            prop_assert!(CorporateNumber::parse(good.as_str()).is_ok());
            let mut bytes = good.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // The mod-9 weighted sum catches every single-digit change except 0↔9 (a change of
            // 9 is invisible mod 9 at weight 1 or 2), which the standard itself cannot see.
            let original = good.as_str().as_bytes()[pos];
            let new = changed.as_bytes()[pos];
            let invisible = pos != 0 && original.abs_diff(new) == 9;
            if !invisible {
                prop_assert!(CorporateNumber::parse(&changed).is_err(), "{} -> {}", good, changed);
            }
        }
    }

    #[test]
    fn lei_mod_97() {
        // GLEIF's own LEI and Apple Inc.'s, from the GLEIF index.
        for ok in ["506700GE1G29325QX363", "HWUPKR0MPOU8FGXBT394"] {
            assert!(Lei::parse(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            Lei::parse("506700GE1G29325QX364"),
            Err(IdError::LeiCheckDigits(_))
        ));
        assert!(matches!(
            Lei::parse("506700ge1g29325qx363"),
            Err(IdError::LeiFormat(_))
        ));
    }

    #[test]
    fn credential_ids() {
        let id = CredentialId::parse("urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33").unwrap();
        assert_eq!(
            id.to_string(),
            "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33"
        );
        assert_eq!(CredentialId::from_bytes(*id.as_bytes()), id);
        assert!(CredentialId::parse("urn:uuid:58172aacd8ba11ed83dd0b3aef56cc33").is_err());
        assert!(CredentialId::parse("https://example.com/1").is_err());
        let v4 = CredentialId::from_random_bytes([0xff; 16]).to_string();
        assert_eq!(&v4[23..24], "4");
    }
}
