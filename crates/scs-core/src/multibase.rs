//! Multibase (base58btc, prefix `z`) and the Multikey encodings of Ed25519 keys.
//!
//! Only the two multicodec headers this scheme uses are accepted: `0xed 0x01` (ed25519-pub) and
//! `0x80 0x26` (ed25519-priv). Any other header is refused rather than guessed at.

use thiserror::Error;

/// Multicodec varint header of an Ed25519 public key (0xed).
pub const ED25519_PUB_HEADER: [u8; 2] = [0xed, 0x01];
/// Multicodec varint header of an Ed25519 secret key seed (0x1300).
pub const ED25519_PRIV_HEADER: [u8; 2] = [0x80, 0x26];

/// Why a multibase or Multikey string was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultibaseError {
    /// The string does not start with `z`, the base58btc multibase prefix.
    #[error("multibase value must start with 'z' (base58btc)")]
    NotBase58btc,
    /// A character outside the base58btc alphabet.
    #[error("multibase value is not valid base58btc")]
    InvalidBase58,
    /// The decoded bytes start with a multicodec header other than the expected one.
    #[error("wrong multicodec header: expected {expected}, found {found}")]
    WrongHeader {
        /// What the caller expected, e.g. `ed25519-pub (0xed01)`.
        expected: &'static str,
        /// The first two bytes found, in hex.
        found: String,
    },
    /// The key material is not 32 bytes.
    #[error("wrong key length: expected 32 bytes, found {0}")]
    WrongLength(usize),
}

/// Longest multibase string accepted, so hostile input cannot make decoding quadratic.
const MAX_ENCODED_LEN: usize = 256;

/// `z` + base58btc of `bytes`.
pub fn encode_base58btc(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 138 / 100 + 2);
    out.push('z');
    out.push_str(&bs58::encode(bytes).into_string());
    out
}

/// Decodes a `z`-prefixed base58btc multibase string.
pub fn decode_base58btc(text: &str) -> Result<Vec<u8>, MultibaseError> {
    let body = text.strip_prefix('z').ok_or(MultibaseError::NotBase58btc)?;
    if body.len() > MAX_ENCODED_LEN {
        return Err(MultibaseError::InvalidBase58);
    }
    decode_base58(body).ok_or(MultibaseError::InvalidBase58)
}

/// The base58btc alphabet (Bitcoin's), as digit values by ASCII code; 0xff for any other byte.
const BASE58_DIGITS: [u8; 256] = {
    let alphabet = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits = [0xff_u8; 256];
    let mut i = 0;
    while i < alphabet.len() {
        digits[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    digits
};

/// Decodes base58btc (no prefix), giving the same bytes as `bs58::decode(text).into_vec()`:
/// one zero byte per leading `1`, then the number the remaining digits spell, big-endian.
///
/// `bs58` multiplies its output by 58 one byte at a time for every digit; this works on 32-bit
/// limbs and five digits at a time, about ten times faster on a 64-byte signature, which every
/// verification decodes.
fn decode_base58(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    let zeros = digits.iter().take_while(|&&d| d == b'1').count();
    // The number, little-endian in base 2^32.
    let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() / 5 + 1);
    for chunk in digits[zeros..].chunks(5) {
        // 58^5 < 2^30, so `limb * scale + carry` stays well below 2^64.
        let (mut scale, mut carry) = (1_u64, 0_u64);
        for &d in chunk {
            let value = BASE58_DIGITS[usize::from(d)];
            if value == 0xff {
                return None;
            }
            scale *= 58;
            carry = carry * 58 + u64::from(value);
        }
        for limb in &mut limbs {
            let wide = u64::from(*limb) * scale + carry;
            *limb = wide as u32;
            carry = wide >> 32;
        }
        while carry > 0 {
            limbs.push(carry as u32);
            carry >>= 32;
        }
    }
    let mut out = vec![0_u8; zeros];
    out.reserve(limbs.len() * 4);
    let mut limbs = limbs.iter().rev().flat_map(|limb| limb.to_be_bytes());
    // Only the top limb can start with zero bytes; `limbs` never holds a zero top limb.
    out.extend(limbs.by_ref().skip_while(|&b| b == 0));
    out.extend(limbs);
    Some(out)
}

/// Encodes 32 key bytes behind a multicodec header.
pub fn encode_key(header: [u8; 2], key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(key);
    encode_base58btc(&bytes)
}

/// Decodes a Multikey string, insisting on `header` and 32 bytes of key.
pub fn decode_key(
    text: &str,
    header: [u8; 2],
    expected: &'static str,
) -> Result<[u8; 32], MultibaseError> {
    let bytes = decode_base58btc(text)?;
    let (found, key) = bytes
        .split_at_checked(2)
        .ok_or_else(|| MultibaseError::WrongHeader {
            expected,
            found: hex(&bytes),
        })?;
    if found != header {
        return Err(MultibaseError::WrongHeader {
            expected,
            found: hex(found),
        });
    }
    key.try_into()
        .map_err(|_| MultibaseError::WrongLength(key.len()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        /// The limb decoder gives exactly what `bs58` gives, on valid and invalid text alike.
        #[test]
        fn base58_decoding_agrees_with_bs58(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let text = bs58::encode(&bytes).into_string();
            prop_assert_eq!(decode_base58(&text), Some(bytes));
        }

        #[test]
        fn base58_decoding_agrees_with_bs58_on_any_text(
            valid in "1{0,3}[1-9A-HJ-NP-Za-km-z]{0,100}",
            invalid in "[1-9A-Za-z0Il+é]{0,100}",
        ) {
            prop_assert_eq!(decode_base58(&valid), bs58::decode(&valid).into_vec().ok());
            prop_assert_eq!(decode_base58(&invalid), bs58::decode(&invalid).into_vec().ok());
        }

        #[test]
        fn base58_decoding_agrees_with_bs58_on_leading_zeros(
            zeros in 0usize..5,
            rest in prop::collection::vec(any::<u8>(), 0..70),
        ) {
            let mut bytes = vec![0; zeros];
            bytes.extend(rest);
            let text = bs58::encode(&bytes).into_string();
            prop_assert_eq!(decode_base58(&text), Some(bytes));
        }
    }

    #[test]
    fn base58_edge_cases() {
        for text in [
            "",
            "1",
            "111",
            "z",
            "1z",
            "2",
            "5Q",
            "5R",
            "LUv",
            "11LUw",
            "zzzzzzzzzz",
        ] {
            assert_eq!(
                decode_base58(text),
                bs58::decode(text).into_vec().ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn round_trips_keys() {
        let key = [7u8; 32];
        let text = encode_key(ED25519_PUB_HEADER, &key);
        assert!(text.starts_with("z6Mk"));
        assert_eq!(decode_key(&text, ED25519_PUB_HEADER, "pub").unwrap(), key);
    }

    #[test]
    fn refuses_other_prefixes_and_lengths() {
        let secp = encode_base58btc(&[0xe7, 0x01, 1, 2, 3]);
        assert!(matches!(
            decode_key(&secp, ED25519_PUB_HEADER, "pub"),
            Err(MultibaseError::WrongHeader { .. })
        ));
        let short = encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
        assert_eq!(
            decode_key(&short, ED25519_PUB_HEADER, "pub"),
            Err(MultibaseError::WrongLength(3))
        );
        assert_eq!(decode_base58btc("u6Mk"), Err(MultibaseError::NotBase58btc));
        assert_eq!(
            decode_base58btc("z0OIl"),
            Err(MultibaseError::InvalidBase58)
        );
        assert_eq!(
            decode_key("z", ED25519_PUB_HEADER, "pub")
                .unwrap_err()
                .to_string(),
            "wrong multicodec header: expected pub, found "
        );
    }
}
