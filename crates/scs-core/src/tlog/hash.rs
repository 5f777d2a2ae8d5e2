//! Merkle tree hashing, RFC 9162 §2.1.1: the [`Hash`](struct@Hash) type, the domain-separated
//! [`leaf_hash`] (0x00) and [`node_hash`] (0x01), the empty tree's root [`EMPTY_ROOT`], and
//! [`tree_hash`], the Merkle Tree Hash of a whole list.
//!
//! Every other part of the log (proofs, tiles, checkpoints) is built from these two hash
//! functions, so they live alone: a change here changes every root the log has published.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The size of a SHA-256 hash in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 Merkle tree hash: a leaf hash, an interior node or a tree root.
///
/// `Display` is standard base64 (as in checkpoints and tiles' JSON neighbours); `Debug` is hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; HASH_SIZE]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// From a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; HASH_SIZE]>::try_from(bytes).ok().map(Self)
    }

    /// Standard base64 with padding (RFC 4648 §4), as in a checkpoint's root line.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses the standard base64 of exactly 32 bytes; refuses anything else, including
    /// non-canonical encodings.
    pub fn from_base64(text: &str) -> Result<Self, HashParseError> {
        // 32 bytes are always 44 characters (43 + one `=`); check before decoding anything.
        if text.len() != 44 {
            return Err(HashParseError);
        }
        let bytes = STANDARD.decode(text).map_err(|_| HashParseError)?;
        Self::from_slice(&bytes).ok_or(HashParseError)
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// A string that is not the standard base64 encoding of a 32-byte hash.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("not the standard base64 encoding of a 32-byte hash")]
pub struct HashParseError;

/// The root of the empty tree. RFC 9162 §2.1.1: "The hash of an empty list is the hash of an
/// empty string: MTH({}) = HASH()". That is SHA-256("") = e3b0c442…b855.
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// The hash of a log entry. RFC 9162 §2.1.1: "The hash of a list with one entry (also known as a
/// leaf hash) is: MTH({d(0)}) = HASH(0x00 || d(0))".
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node. RFC 9162 §2.1.1: "`MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) ||
/// MTH(D[k:n]))`".
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// RFC 9162 §2.1.1: "let k be the largest power of two smaller than n (i.e., k < n <= 2k)".
/// Only called with n ≥ 2 (for n < 2 it returns 0, and no caller asks).
pub(super) fn split_point(n: u64) -> u64 {
    n.saturating_sub(1)
        .checked_ilog2()
        .map_or(0, |log| 1 << log)
}

/// The Merkle Tree Hash (RFC 9162 §2.1.1) of a list of hashes taken as the leaf level: for leaf
/// hashes, the tree head of that log. Applied to a run of 2^k node hashes at level ℓ (a full
/// tile, for example) it gives the node above them at level ℓ + k. O(n); for recovery and tests.
pub fn tree_hash(hashes: &[Hash]) -> Hash {
    match hashes {
        [] => EMPTY_ROOT,
        [one] => *one,
        _ => {
            // k < n, so the split is inside the slice.
            let k = split_point(hashes.len() as u64) as usize;
            let (left, right) = hashes.split_at(k);
            node_hash(&tree_hash(left), &tree_hash(right))
        }
    }
}

/// Folds complete subtree hashes, given left to right with strictly decreasing sizes, into the
/// hash of the tree they make up: by RFC 9162 §2.1.1 the largest (leftmost) part is the left
/// child and everything after it the right child, recursively.
pub(super) fn fold_right(hashes: &[Hash]) -> Hash {
    let mut from_right = hashes.iter().rev();
    let Some(last) = from_right.next() else {
        return EMPTY_ROOT;
    };
    from_right.fold(*last, |acc, left| node_hash(left, &acc))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::testutil::*;
    use crate::tlog::{tree_root, Frontier, MemoryTree};

    #[test]
    fn empty_root_is_the_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT.0, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(EMPTY_ROOT, h(RFC_ROOTS[0]));
        assert_eq!(tree_hash(&[]), EMPTY_ROOT);
        assert_eq!(Frontier::new().root(), EMPTY_ROOT);
        assert_eq!(MemoryTree::new().root(), EMPTY_ROOT);
        assert_eq!(tree_root(0, &MemoryTree::new()), Ok(EMPTY_ROOT));
    }

    #[test]
    fn leaf_and_node_hashes_prefix_their_domain_byte() {
        let data = b"hello";
        assert_eq!(
            leaf_hash(data).0,
            <[u8; 32]>::from(Sha256::digest(b"\x00hello"))
        );
        let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
        let mut input = vec![1u8];
        input.extend_from_slice(&l.0);
        input.extend_from_slice(&r.0);
        assert_eq!(
            node_hash(&l, &r).0,
            <[u8; 32]>::from(Sha256::digest(&input))
        );
    }

    #[test]
    fn hashes_print_and_parse() {
        let hash = leaf_hash(b"hello world");
        assert_eq!(
            hash.to_string(),
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="
        );
        assert_eq!(Hash::from_base64(&hash.to_string()), Ok(hash));
        assert_eq!(format!("{EMPTY_ROOT:?}"), format!("Hash({})", RFC_ROOTS[0]));
        assert_eq!(Hash::from_slice(&[0; 31]), None);
        assert_eq!(Hash::from_base64("AAAA"), Err(HashParseError));
    }
}
