//! W3C Bitstring Status List v1.0.
//!
//! `encodedList` is `u` + base64url (no padding) of the GZIP of the bitstring; bit 0 is the most
//! significant bit of byte 0. Lists hold at least [`MIN_BITS`] entries so that a set bit does not
//! point at a small group of credentials (herd privacy). Decoding bounds the decompressed size,
//! so a gzip bomb cannot exhaust memory.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use thiserror::Error;

use crate::context::VC_V2;
use crate::credential::StatusPurpose;
use crate::keys::DidKey;
use crate::timestamp::Timestamp;

/// The smallest list the spec allows: 16 KiB of bits.
pub const MIN_BITS: usize = 131_072;
/// The largest list this implementation decodes: 128 × the minimum (2 MiB).
pub const MAX_BITS: usize = MIN_BITS * 128;

/// Why a status list could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusListError {
    /// `encodedList` lacks the `u` multibase prefix or is not base64url.
    #[error("encodedList is not multibase base64url ('u' prefix)")]
    Encoding,
    /// The gzip stream is corrupt.
    #[error("encodedList is not valid gzip")]
    Gzip,
    /// Fewer than [`MIN_BITS`] or more than [`MAX_BITS`] bits.
    #[error("status list has {0} bits; it must have between {MIN_BITS} and {MAX_BITS}")]
    Size(usize),
    /// The credential lacks a field or has the wrong type or purpose.
    #[error("not a BitstringStatusListCredential: {0}")]
    Shape(String),
}

/// A list of status bits.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring(Vec<u8>);

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitstring({} bits, {} set)",
            self.len(),
            self.count_set()
        )
    }
}

impl Bitstring {
    /// All clear, `bits` long, rounded up to whole bytes and to at least [`MIN_BITS`].
    pub fn new(bits: usize) -> Self {
        Self(vec![0; bits.max(MIN_BITS).div_ceil(8)])
    }

    /// From raw bytes (bit 0 = high bit of byte 0); `None` unless the length is allowed.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (MIN_BITS..=MAX_BITS)
            .contains(&(bytes.len() * 8))
            .then_some(Self(bytes))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len() * 8
    }

    /// Never true: a list has at least [`MIN_BITS`] entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bit at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<bool> {
        let byte = self.0.get(index / 8)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the bit at `index`; `false` if out of range.
    pub fn set(&mut self, index: usize, value: bool) -> bool {
        match self.0.get_mut(index / 8) {
            Some(byte) => {
                let mask = 0x80 >> (index % 8);
                if value {
                    *byte |= mask;
                } else {
                    *byte &= !mask;
                }
                true
            }
            None => false,
        }
    }

    /// How many bits are set.
    pub fn count_set(&self) -> usize {
        self.0.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// `u` + base64url(gzip(bits)).
    pub fn encode(&self) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        // Writing to a Vec cannot fail.
        let compressed = gz
            .write_all(&self.0)
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Decodes an `encodedList`.
    pub fn decode(encoded: &str) -> Result<Self, StatusListError> {
        let body = encoded.strip_prefix('u').ok_or(StatusListError::Encoding)?;
        // A 2 MiB list of random bits cannot compress below ~2 MiB; refuse anything longer
        // than that before decoding.
        if body.len() > MAX_BITS / 8 * 4 / 3 + 1024 {
            return Err(StatusListError::Size(usize::MAX));
        }
        let compressed = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| StatusListError::Encoding)?;
        let mut bytes = Vec::new();
        GzDecoder::new(compressed.as_slice())
            .take((MAX_BITS / 8 + 1) as u64)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusListError::Gzip)?;
        let bits = bytes.len() * 8;
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(StatusListError::Size(bits));
        }
        Ok(Self(bytes))
    }
}

/// The contents of a `BitstringStatusListCredential`, before signing or after verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    /// The credential's `id`: the URL status entries point at.
    pub url: String,
    /// What a set bit means.
    pub purpose: StatusPurpose,
    /// The bits.
    pub bits: Bitstring,
    /// When this edition was made.
    pub valid_from: Timestamp,
    /// When verifiers should stop relying on it.
    pub valid_until: Option<Timestamp>,
    /// Suggested cache time in milliseconds (`ttl`).
    pub ttl_ms: Option<u64>,
}

impl StatusList {
    /// The unsigned credential document.
    pub fn to_json(&self, issuer: &DidKey) -> Value {
        let mut subject = json!({
            "id": format!("{}#list", self.url),
            "type": "BitstringStatusList",
            "statusPurpose": self.purpose.as_str(),
            "encodedList": self.bits.encode(),
        });
        if let Some(ttl) = self.ttl_ms {
            subject["ttl"] = ttl.into();
        }
        let mut doc = json!({
            "@context": [VC_V2],
            "id": self.url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.to_string(),
            "validFrom": self.valid_from.to_string(),
            "credentialSubject": subject,
        });
        if let Some(until) = self.valid_until {
            doc["validUntil"] = until.to_string().into();
        }
        doc
    }

    /// Reads an unsecured status list credential (its proof already checked or split off).
    pub fn from_json(doc: &Value) -> Result<Self, StatusListError> {
        let shape = |what: &str| StatusListError::Shape(what.to_owned());
        let types = doc["type"].as_array().ok_or_else(|| shape("type"))?;
        if !types.iter().any(|t| t == "BitstringStatusListCredential") {
            return Err(shape("type must include BitstringStatusListCredential"));
        }
        let url = doc["id"].as_str().ok_or_else(|| shape("id"))?.to_owned();
        let subject = &doc["credentialSubject"];
        if subject["type"] != "BitstringStatusList" {
            return Err(shape("credentialSubject.type must be BitstringStatusList"));
        }
        let purpose = subject["statusPurpose"]
            .as_str()
            .and_then(StatusPurpose::parse)
            .ok_or_else(|| shape("statusPurpose must be revocation or suspension"))?;
        let bits = Bitstring::decode(
            subject["encodedList"]
                .as_str()
                .ok_or_else(|| shape("encodedList"))?,
        )?;
        let time = |name: &str| match doc.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Timestamp::parse(s).map(Some).map_err(|_| shape(name)),
            Some(_) => Err(shape(name)),
        };
        Ok(Self {
            url,
            purpose,
            bits,
            valid_from: time("validFrom")?.ok_or_else(|| shape("validFrom"))?,
            valid_until: time("validUntil")?,
            ttl_ms: subject.get("ttl").and_then(Value::as_u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::{self, ProofPurpose};

    #[test]
    fn bit_zero_is_the_high_bit_of_byte_zero() {
        let mut bits = Bitstring::new(0);
        assert_eq!(bits.len(), MIN_BITS);
        assert!(bits.set(0, true));
        assert!(bits.set(9, true));
        assert_eq!(bits.0[0], 0x80);
        assert_eq!(bits.0[1], 0x40);
        assert!(!bits.set(MIN_BITS, true));
        assert_eq!(bits.get(MIN_BITS), None);
        let round = Bitstring::decode(&bits.encode()).unwrap();
        assert_eq!(round, bits);
        assert_eq!(round.count_set(), 2);
    }

    #[test]
    fn decodes_the_spec_example_as_all_clear() {
        let bits = Bitstring::decode(
            "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
        )
        .unwrap();
        assert_eq!(bits.len(), MIN_BITS);
        assert_eq!(bits.count_set(), 0);
    }

    #[test]
    fn reads_a_list_signed_by_an_independent_implementation() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/status-list/bitstring-131072-bit42-set.json"
        );
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (unsecured, info) = proof::verify(doc, ProofPurpose::AssertionMethod).unwrap();
        assert_eq!(
            info.signer.to_string(),
            "did:key:z6MkjPWoerco29RKQhSrdD6BMNeqkWiw3sTafz5YeyDzry67"
        );
        let list = StatusList::from_json(&unsecured).unwrap();
        assert_eq!(list.purpose, StatusPurpose::Revocation);
        assert_eq!(list.bits.len(), 131_072);
        let set: Vec<usize> = (0..list.bits.len())
            .filter(|&i| list.bits.get(i) == Some(true))
            .collect();
        assert_eq!(set, vec![42]);
    }

    #[test]
    fn refuses_bad_encodings_and_bombs() {
        assert_eq!(Bitstring::decode("H4sI"), Err(StatusListError::Encoding));
        assert_eq!(Bitstring::decode("u!!!"), Err(StatusListError::Encoding));
        assert_eq!(Bitstring::decode("uAAAA"), Err(StatusListError::Gzip));
        let small = {
            let mut gz = GzEncoder::new(Vec::new(), Compression::default());
            gz.write_all(&[0; 100]).unwrap();
            format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap()))
        };
        assert_eq!(Bitstring::decode(&small), Err(StatusListError::Size(800)));
        // 64 MiB of zeros compresses to ~64 KiB; decoding stops at the cap.
        let bomb = {
            let mut gz = GzEncoder::new(Vec::new(), Compression::best());
            for _ in 0..64 {
                gz.write_all(&vec![0; 1 << 20]).unwrap();
            }
            format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap()))
        };
        assert!(matches!(
            Bitstring::decode(&bomb),
            Err(StatusListError::Size(_))
        ));
    }
}
