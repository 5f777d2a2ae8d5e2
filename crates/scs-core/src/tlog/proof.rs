//! Inclusion and consistency proofs, RFC 9162 §2.1.3 and §2.1.4: generating them from stored
//! hashes ([`inclusion_proof`], [`consistency_proof`], [`tree_root`]) and checking them
//! ([`verify_inclusion`], [`verify_consistency`], the RFC's verification algorithms step by step).
//!
//! Generation and verification sit together because they are two readings of the same recursive
//! definitions (`PATH` and `SUBPROOF`): the tests hold each to the transparency-dev and Go
//! vectors and to the other.

use std::ops::Range;

use thiserror::Error;

use super::hash::{fold_right, node_hash, split_point, Hash, EMPTY_ROOT};
use super::tree::{read_nodes, Frontier, HashReader, Node, ProveError};

/// The complete subtrees that leaves `[lo, hi)` split into, left to right, appended to `out`.
/// In every range a proof asks for, `lo` is a multiple of a power of two at least `hi - lo`, so
/// these are the binary digits of `hi - lo` from the largest down, and [`fold_right`] of their
/// hashes is `MTH(D[lo:hi])`. (Each step also respects the alignment of `lo`, so the nodes are
/// real nodes even for other ranges.)
fn range_nodes(range: Range<u64>, out: &mut Vec<Node>) {
    let Range {
        start: mut lo,
        end: hi,
    } = range;
    while lo < hi {
        let mut size = 1u64 << (hi - lo).ilog2();
        if lo != 0 {
            size = size.min(1u64 << lo.trailing_zeros());
        }
        let level = size.trailing_zeros();
        out.push(Node::new(level as u8, lo >> level));
        lo += size;
    }
}

/// `MTH(D[lo:hi])` for each range, reading all the nodes they need in one call.
fn read_ranges<R: HashReader + ?Sized>(
    ranges: &[Range<u64>],
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    let mut nodes = Vec::new();
    let mut ends = Vec::with_capacity(ranges.len());
    for range in ranges {
        range_nodes(range.clone(), &mut nodes);
        ends.push(nodes.len());
    }
    let hashes = read_nodes(&nodes, reader)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut start = 0;
    for end in ends {
        let group = hashes.get(start..end).ok_or(ProveError::ReaderCount {
            asked: nodes.len(),
            returned: hashes.len(),
        })?;
        out.push(fold_right(group));
        start = end;
    }
    Ok(out)
}

/// The leaf ranges whose MTH are the hashes of the inclusion proof for `index` in a tree of
/// `size`, innermost first. RFC 9162 §2.1.3.1, with k the largest power of two smaller than n:
/// "`PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])` for m < k; and
/// `PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])` for m >= k". Walking down from the root
/// meets the siblings outermost first, hence the reversal. Expects `index < size`.
fn inclusion_ranges(index: u64, size: u64) -> Vec<Range<u64>> {
    let (mut lo, mut hi) = (0u64, size);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            siblings.push(lo + k..hi);
            hi = lo + k;
        } else {
            siblings.push(lo..lo + k);
            lo += k;
        }
    }
    siblings.reverse();
    siblings
}

/// The leaf ranges whose MTH are the hashes of the consistency proof from `old` to `new`,
/// innermost first. RFC 9162 §2.1.4.1: "`PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`", where
/// "`SUBPROOF(m, D[m], true) = {}`", "`SUBPROOF(m, D[m], false) = {MTH(D[m])}`", and for m < n:
/// "If m <= k, the right subtree entries `D[k:n]` only exist in the current tree. ...
/// `SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])`"; "If m > k, the left subtree
/// entries `D[0:k]` are identical in both trees. ...
/// `SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])`". Expects
/// `0 < old <= new`; keeps `lo < old <= hi`.
fn consistency_ranges(old: u64, new: u64) -> Vec<Range<u64>> {
    let (mut lo, mut hi, mut whole) = (0u64, new, true);
    let mut path = Vec::new();
    while old < hi {
        let k = split_point(hi - lo);
        if old <= lo + k {
            path.push(lo + k..hi);
            hi = lo + k;
        } else {
            path.push(lo..lo + k);
            lo += k;
            whole = false;
        }
    }
    // Now old == hi: D[lo:hi] is the old tree's last complete part. The verifier knows it
    // already only when it is the whole old tree.
    if !whole {
        path.push(lo..hi);
    }
    path.reverse();
    path
}

/// The inclusion proof (RFC 9162 §2.1.3.1 audit path) of leaf `index` in the tree of `size`,
/// read through `reader` in one call.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if index >= size {
        return Err(ProveError::IndexOutOfRange { index, size });
    }
    read_ranges(&inclusion_ranges(index, size), reader)
}

/// The consistency proof (RFC 9162 §2.1.4.1) from the tree of `old_size` to the tree of
/// `new_size`, read through `reader` in one call. Empty when the sizes are equal or the old tree
/// is empty.
pub fn consistency_proof<R: HashReader + ?Sized>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if old_size > new_size {
        return Err(ProveError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Ok(Vec::new());
    }
    read_ranges(&consistency_ranges(old_size, new_size), reader)
}

/// The tree head of the tree of `size`, from the at most 64 nodes of its right edge.
pub fn tree_root<R: HashReader + ?Sized>(
    size: u64,
    reader: &R,
) -> Result<Hash, ProveError<R::Error>> {
    let hashes = read_nodes(&Frontier::nodes_for_size(size), reader)?;
    Ok(fold_right(&hashes))
}

/// Why a proof was refused.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The old tree is larger than the new one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeOrder {
        /// The claimed old size.
        old: u64,
        /// The claimed new size.
        new: u64,
    },
    /// The proof does not have the number of hashes that a proof for these sizes has. Checked
    /// before any hashing, so an oversized proof costs nothing.
    #[error("proof has {actual} hashes; a proof for these sizes has {expected}")]
    WrongLength {
        /// Hashes a proof for these sizes has.
        expected: usize,
        /// Hashes given.
        actual: usize,
    },
    /// The proof does not lead to the (new) root hash.
    #[error("proof does not lead to the root hash")]
    RootMismatch,
    /// The consistency proof does not lead to the old root hash.
    #[error("proof does not lead to the old root hash")]
    OldRootMismatch,
}

/// Checks that `proof` shows the leaf hash `leaf` at `index` in the tree of `size` whose head is
/// `root`: RFC 9162 §2.1.3.2, step by step.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // 1. "Compare leaf_index from the inclusion_proof_v2 structure against tree_size. If
    //    leaf_index is greater than or equal to tree_size, then fail the proof verification."
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // The path has one hash per level between leaf and root; any other length is refused before
    // hashing (the loop below would refuse it too).
    let expected = inclusion_ranges(index, size).len();
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    let wrong_length = ProofError::WrongLength {
        expected,
        actual: proof.len(),
    };
    // 2. "Set fn to leaf_index and sn to tree_size - 1."
    let (mut fn_, mut sn) = (index, size - 1);
    // 3. "Set r to hash."
    let mut r = *leaf;
    // 4. "For each value p in the inclusion_path array:"
    for p in proof {
        // a. "If sn is 0, then stop the iteration and fail the proof verification."
        if sn == 0 {
            return Err(wrong_length);
        }
        // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
        if fn_ & 1 == 1 || fn_ == sn {
            // i. "Set r to HASH(0x01 || p || r)."
            r = node_hash(p, &r);
            // ii. "If LSB(fn) is not set, then right-shift both fn and sn equally until either
            //     LSB(fn) is set or fn is 0."
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // "Otherwise: Set r to HASH(0x01 || r || p)."
            r = node_hash(&r, p);
        }
        // c. "Finally, right-shift both fn and sn one time."
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. "Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the
    //    root_hash are equal, then the log has proven the inclusion of hash. Otherwise, fail the
    //    proof verification."
    if sn != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `old_size` with head `old_root` is a prefix of the tree
/// of `new_size` with head `new_root`: RFC 9162 §2.1.4.2, step by step.
///
/// Two cases the RFC leaves out (it assumes 0 < first < second): equal sizes need an empty proof
/// and equal roots; an old size of 0 needs an empty proof and the empty tree's root,
/// [`EMPTY_ROOT`]. The empty tree is a prefix of every tree, so from size 0 nothing is proven
/// about `new_root`: it must come from a verified checkpoint.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    let expected = if old_size == 0 || old_size == new_size {
        0
    } else {
        consistency_ranges(old_size, new_size).len()
    };
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    if old_size == 0 && *old_root != EMPTY_ROOT {
        return Err(ProofError::OldRootMismatch);
    }
    if old_size == 0 && new_size > 0 {
        return Ok(());
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let wrong_length = ProofError::WrongLength {
        expected,
        actual: proof.len(),
    };
    // 1. "If consistency_path is an empty array, stop and fail the proof verification."
    //    (Here 0 < old < new, so `expected` ≥ 1 and the length check has done this.)
    // 2. "If first is an exact power of 2, then prepend first_hash to the consistency_path
    //    array."
    let seed: &[Hash] = if old_size.is_power_of_two() {
        std::slice::from_ref(old_root)
    } else {
        &[]
    };
    let mut path = seed.iter().chain(proof);
    // 3. "Set fn to first - 1 and sn to second - 1."
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    // 4. "If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set."
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. "Set both fr and sr to the first value in the consistency_path array."
    let Some(first) = path.next() else {
        return Err(wrong_length);
    };
    let (mut fr, mut sr) = (*first, *first);
    // 6. "For each subsequent value c in the consistency_path array:"
    for c in path {
        // a. "If sn is 0, then stop the iteration and fail the proof verification."
        if sn == 0 {
            return Err(wrong_length);
        }
        // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
        if fn_ & 1 == 1 || fn_ == sn {
            // i. "Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr)."
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // ii. "If LSB(fn) is not set, then right-shift both fn and sn equally until either
            //     LSB(fn) is set or fn is 0."
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // "Otherwise: Set sr to HASH(0x01 || sr || c)."
            sr = node_hash(&sr, c);
        }
        // c. "Finally, right-shift both fn and sn one time."
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7. "After completing iterating through the consistency_path array as described above,
    //    verify that the fr calculated is equal to the first_hash supplied, that the sr
    //    calculated is equal to the second_hash supplied, and that sn is 0."
    if sn != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::testutil::*;
    use crate::tlog::{leaf_hash, tree_hash, MemoryTree, MissingNode, HASH_SIZE};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// One shared tree for the property tests.
    fn shared_tree() -> &'static (Vec<Hash>, MemoryTree) {
        static TREE: OnceLock<(Vec<Hash>, MemoryTree)> = OnceLock::new();
        TREE.get_or_init(|| {
            let leaves = leaves(1500);
            let tree = memory_tree(&leaves);
            (leaves, tree)
        })
    }

    #[test]
    fn rfc6962_inclusion_proofs_match_the_transparency_dev_vectors() {
        let (leaves, tree) = rfc_tree();
        // (1-based leaf, tree size, audit path)
        let vectors: [(u64, u64, &[&str]); 4] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                3,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                2,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (leaf, size, path) in vectors {
            let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            let index = leaf - 1;
            assert_eq!(inclusion_proof(index, size, &tree).unwrap(), want);
            let root = h(RFC_ROOTS[size as usize]);
            assert_eq!(
                verify_inclusion(&leaves[index as usize], index, size, &want, &root),
                Ok(())
            );
        }
    }

    #[test]
    fn rfc6962_consistency_proofs_match_the_transparency_dev_vectors() {
        let (_, tree) = rfc_tree();
        let vectors: [(u64, u64, &[&str]); 4] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (old, new, path) in vectors {
            let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            assert_eq!(consistency_proof(old, new, &tree).unwrap(), want);
            let (old_root, new_root) = (h(RFC_ROOTS[old as usize]), h(RFC_ROOTS[new as usize]));
            assert_eq!(
                verify_consistency(old, new, &old_root, &new_root, &want),
                Ok(())
            );
        }
    }

    #[test]
    fn consistency_edge_cases() {
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        // Equal sizes: empty proof and equal roots.
        assert_eq!(
            verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]),
            Ok(())
        );
        assert_eq!(verify_consistency(1, 1, &a, &a, &[]), Ok(()));
        assert_eq!(
            verify_consistency(1, 1, &a, &b, &[]),
            Err(ProofError::RootMismatch)
        );
        assert!(verify_consistency(1, 1, &a, &a, &[a]).is_err());
        // From the empty tree: empty proof and the empty root.
        assert_eq!(verify_consistency(0, 1, &EMPTY_ROOT, &b, &[]), Ok(()));
        assert_eq!(
            verify_consistency(0, 1, &a, &b, &[]),
            Err(ProofError::OldRootMismatch)
        );
        assert!(verify_consistency(0, 1, &EMPTY_ROOT, &b, &[EMPTY_ROOT]).is_err());
        // Time travel.
        assert_eq!(
            verify_consistency(2, 1, &a, &b, &[]),
            Err(ProofError::SizeOrder { old: 2, new: 1 })
        );
        // Growth needs a proof.
        assert_eq!(
            verify_consistency(1, 2, &a, &node_hash(&a, &b), &[]),
            Err(ProofError::WrongLength {
                expected: 1,
                actual: 0
            })
        );
        assert_eq!(
            verify_consistency(1, 2, &a, &node_hash(&a, &b), &[b]),
            Ok(())
        );
    }

    /// Every inclusion proof in every tree of 1..=20 leaves verifies, and none verifies once
    /// anything about it is changed.
    #[test]
    fn every_inclusion_proof_up_to_20_leaves_verifies_and_no_corruption_does() {
        const N: u64 = 20;
        let leaves = leaves(N);
        let tree = memory_tree(&leaves);
        let roots: Vec<Hash> = (0..=N).map(|n| tree_hash(&leaves[..n as usize])).collect();
        let root_of = |size: u64| roots.get(size as usize).copied().unwrap_or(EMPTY_ROOT);
        let mut checked = 0;
        for size in 1..=N {
            let root = root_of(size);
            for index in 0..size {
                let leaf = leaves[index as usize];
                let proof = inclusion_proof(index, size, &tree).unwrap();
                assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
                assert!(proof.len() <= 5);

                // Any single bit of any proof hash, of the leaf, of the root.
                for byte in 0..HASH_SIZE {
                    let bit = (byte % 8) as u8;
                    for k in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[k] = flip(&bad[k], byte, bit);
                        assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
                    }
                    let bad_leaf = flip(&leaf, byte, bit);
                    assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
                    let bad_root = flip(&root, byte, bit);
                    assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
                }

                // Any other position, with that tree's real root and either leaf: refused, unless
                // the proof really is that position's proof (never, in practice).
                for size2 in 0..=N + 2 {
                    for index2 in 0..=size2 + 1 {
                        if (index2, size2) == (index, size) {
                            continue;
                        }
                        let root2 = root_of(size2);
                        let leaf2 = leaves.get(index2 as usize).copied().unwrap_or(leaf);
                        for candidate in [leaf, leaf2] {
                            if verify_inclusion(&candidate, index2, size2, &proof, &root2).is_ok() {
                                assert_eq!(candidate, leaf2);
                                assert_eq!(proof, inclusion_proof(index2, size2, &tree).unwrap());
                            }
                        }
                    }
                }
                // The transparency-dev probes with the same root: doubled and halved size.
                assert!(verify_inclusion(&leaf, index, size * 2, &proof, &root).is_err());
                assert!(verify_inclusion(&leaf, index, size / 2, &proof, &root).is_err());

                // Wrong lengths: dropped, appended, prepended or inserted hashes.
                let mut longer = proof.clone();
                longer.push(root);
                assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
                let mut longer = vec![root];
                longer.extend_from_slice(&proof);
                assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
                if !proof.is_empty() {
                    let shorter = &proof[..proof.len() - 1];
                    assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
                    let shorter = &proof[1..];
                    assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
                }
                if proof.len() > 1 {
                    let mut inserted = proof.clone();
                    inserted.insert(1, leaf_hash(b"inserted"));
                    assert!(verify_inclusion(&leaf, index, size, &inserted, &root).is_err());
                }
                checked += 1;
            }
        }
        assert_eq!(checked, N * (N + 1) / 2);
    }

    /// Every consistency proof between trees of 0..=20 leaves verifies, and none verifies once
    /// anything about it is changed.
    #[test]
    fn every_consistency_proof_up_to_20_leaves_verifies_and_no_corruption_does() {
        const N: u64 = 20;
        let leaves = leaves(N);
        let tree = memory_tree(&leaves);
        let roots: Vec<Hash> = (0..=N).map(|n| tree_hash(&leaves[..n as usize])).collect();
        let root_of = |size: u64| roots.get(size as usize).copied().unwrap_or(EMPTY_ROOT);
        let mut checked = 0;
        for new in 0..=N {
            for old in 0..=new {
                let (old_root, new_root) = (root_of(old), root_of(new));
                let proof = consistency_proof(old, new, &tree).unwrap();
                assert_eq!(
                    verify_consistency(old, new, &old_root, &new_root, &proof),
                    Ok(())
                );
                assert!(proof.len() <= 6);

                for byte in 0..HASH_SIZE {
                    let bit = (byte % 8) as u8;
                    for k in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[k] = flip(&bad[k], byte, bit);
                        assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
                    }
                    let bad_old = flip(&old_root, byte, bit);
                    assert!(verify_consistency(old, new, &bad_old, &new_root, &proof).is_err());
                    // (From the empty tree nothing is proven about the new root.)
                    let bad_new = flip(&new_root, byte, bit);
                    let result = verify_consistency(old, new, &old_root, &bad_new, &proof);
                    assert_eq!(result.is_ok(), old == 0 && new > 0);
                }

                // Any other pair of sizes, with their real roots: refused unless the proof
                // really is that pair's proof.
                for new2 in 0..=N + 1 {
                    for old2 in 0..=N + 1 {
                        if (old2, new2) == (old, new) {
                            continue;
                        }
                        let result =
                            verify_consistency(old2, new2, &root_of(old2), &root_of(new2), &proof);
                        if result.is_ok() {
                            assert_eq!(Ok(proof.clone()), consistency_proof(old2, new2, &tree));
                        }
                    }
                }
                if old_root != new_root {
                    assert!(verify_consistency(old, new, &new_root, &old_root, &proof).is_err());
                }

                let mut longer = proof.clone();
                longer.push(new_root);
                assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
                let mut longer = vec![old_root];
                longer.extend_from_slice(&proof);
                assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
                if !proof.is_empty() {
                    let shorter = &proof[..proof.len() - 1];
                    assert!(verify_consistency(old, new, &old_root, &new_root, shorter).is_err());
                    assert!(verify_consistency(old, new, &old_root, &new_root, &[]).is_err());
                    let mut doubled = vec![proof[0]];
                    doubled.extend_from_slice(&proof);
                    assert!(verify_consistency(old, new, &old_root, &new_root, &doubled).is_err());
                }
                checked += 1;
            }
        }
        assert_eq!(checked, (N + 1) * (N + 2) / 2);
    }

    /// Real Certificate Transparency proofs from Google's Argon 2020 log (Go's
    /// sumdb/tlog/testdata/argon2020): a leaf at index 10000 of a tree of 961,984,013 entries,
    /// and consistency from 3,654,490 entries.
    #[test]
    fn verifies_the_argon2020_certificate_transparency_proofs() {
        let size = 961_984_013;
        let root = b64("dwlueapdd7LaOEnX2W2Wp9v2XE+KzejHRQGHwEx0oaM=");
        let leaf_input = STANDARD.decode(ARGON_LEAF_INPUT).unwrap();
        let leaf = leaf_hash(&leaf_input);
        let audit_path: Vec<Hash> = ARGON_AUDIT_PATH.iter().map(|p| b64(p)).collect();
        assert_eq!(
            verify_inclusion(&leaf, 10_000, size, &audit_path, &root),
            Ok(())
        );
        assert!(verify_inclusion(&leaf, 10_001, size, &audit_path, &root).is_err());
        let mut bad = audit_path.clone();
        bad[17] = flip(&bad[17], 31, 7);
        assert_eq!(
            verify_inclusion(&leaf, 10_000, size, &bad, &root),
            Err(ProofError::RootMismatch)
        );

        let old_root = b64("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=");
        let consistency: Vec<Hash> = ARGON_CONSISTENCY.iter().map(|p| b64(p)).collect();
        assert_eq!(
            verify_consistency(3_654_490, size, &old_root, &root, &consistency),
            Ok(())
        );
        assert!(verify_consistency(3_654_491, size, &old_root, &root, &consistency).is_err());
        let mut bad = consistency.clone();
        bad[0] = flip(&bad[0], 0, 0);
        assert!(verify_consistency(3_654_490, size, &old_root, &root, &bad).is_err());
    }

    #[test]
    fn proofs_of_absurd_length_are_refused_before_hashing() {
        let many = vec![EMPTY_ROOT; 10_000];
        assert_eq!(
            verify_inclusion(&EMPTY_ROOT, 0, u64::MAX, &many, &EMPTY_ROOT),
            Err(ProofError::WrongLength {
                expected: 64,
                actual: 10_000
            })
        );
        assert!(matches!(
            verify_consistency(1, u64::MAX, &EMPTY_ROOT, &EMPTY_ROOT, &many),
            Err(ProofError::WrongLength { actual: 10_000, .. })
        ));
        assert_eq!(
            verify_inclusion(&EMPTY_ROOT, 5, 5, &[], &EMPTY_ROOT),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            verify_inclusion(&EMPTY_ROOT, 0, 0, &[], &EMPTY_ROOT),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        // The largest trees are handled without overflow.
        // 2^64 - 1 leaves split into 64 complete subtrees; the last is a single leaf.
        assert_eq!(inclusion_ranges(u64::MAX - 1, u64::MAX).len(), 63);
        assert_eq!(inclusion_ranges(0, u64::MAX).len(), 64);
        assert_eq!(consistency_ranges(u64::MAX - 1, u64::MAX).len(), 64);
        assert_eq!(consistency_ranges(1, u64::MAX).len(), 64);
    }

    #[test]
    fn proof_generation_reports_bad_input_and_bad_readers() {
        let tree = memory_tree(&leaves(3));
        assert_eq!(
            inclusion_proof(3, 3, &tree),
            Err(ProveError::IndexOutOfRange { index: 3, size: 3 })
        );
        assert_eq!(
            consistency_proof(4, 3, &tree),
            Err(ProveError::SizeOrder { old: 4, new: 3 })
        );
        assert!(matches!(
            inclusion_proof(0, 10, &tree),
            Err(ProveError::Read(MissingNode(_)))
        ));
        assert_eq!(consistency_proof(0, 3, &tree), Ok(vec![]));
        assert_eq!(consistency_proof(3, 3, &tree), Ok(vec![]));

        struct Short;
        impl HashReader for Short {
            type Error = std::convert::Infallible;
            fn read_hashes(&self, _: &[Node]) -> Result<Vec<Hash>, Self::Error> {
                Ok(vec![EMPTY_ROOT])
            }
        }
        assert_eq!(
            inclusion_proof(0, 8, &Short),
            Err(ProveError::ReaderCount {
                asked: 3,
                returned: 1
            })
        );
        assert!(Frontier::read(7, &Short).is_err());
    }

    // -- Property tests

    fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
        (1..=1500u64).prop_flat_map(|size| (Just(size), 0..size))
    }

    fn old_and_new() -> impl Strategy<Value = (u64, u64)> {
        (0..=1500u64).prop_flat_map(|new| (0..=new, Just(new)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_inclusion_proofs_verify_and_no_single_bit_flip_does(
            (size, index) in size_and_index(),
            pick in any::<prop::sample::Index>(),
            byte in 0..HASH_SIZE,
            bit in 0..8u8,
        ) {
            let (leaves, tree) = shared_tree();
            let leaf = leaves[index as usize];
            let root = tree_root(size, tree).unwrap();
            let proof = inclusion_proof(index, size, tree).unwrap();
            prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let k = pick.index(bad.len());
                bad[k] = flip(&bad[k], byte, bit);
                prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            }
            prop_assert!(verify_inclusion(&flip(&leaf, byte, bit), index, size, &proof, &root).is_err());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &flip(&root, byte, bit)).is_err());
        }

        #[test]
        fn random_consistency_proofs_verify_and_no_single_bit_flip_does(
            (old, new) in old_and_new(),
            pick in any::<prop::sample::Index>(),
            byte in 0..HASH_SIZE,
            bit in 0..8u8,
        ) {
            let (_, tree) = shared_tree();
            let old_root = tree_root(old, tree).unwrap();
            let new_root = tree_root(new, tree).unwrap();
            let proof = consistency_proof(old, new, tree).unwrap();
            prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let k = pick.index(bad.len());
                bad[k] = flip(&bad[k], byte, bit);
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            }
            prop_assert!(verify_consistency(old, new, &flip(&old_root, byte, bit), &new_root, &proof).is_err());
            let result = verify_consistency(old, new, &old_root, &flip(&new_root, byte, bit), &proof);
            prop_assert_eq!(result.is_ok(), old == 0 && new > 0);
        }

        #[test]
        fn verification_never_panics_on_arbitrary_input(
            index in any::<u64>(),
            size in any::<u64>(),
            old in any::<u64>(),
            proof in prop::collection::vec(any::<[u8; 32]>().prop_map(Hash), 0..70),
        ) {
            let _ = verify_inclusion(&EMPTY_ROOT, index, size, &proof, &EMPTY_ROOT);
            let _ = verify_consistency(old, size, &EMPTY_ROOT, &EMPTY_ROOT, &proof);
        }
    }

    // Go's sumdb/tlog/testdata/argon2020 (Google's Argon 2020 CT log).
    const ARGON_LEAF_INPUT: &str = "AAAAAAFelPhqUwAAAAViMIIFXjCCBEagAwIBAgIRAOodHzZdqWIFzYyl/SovhCMwDQYJKoZIhvcNAQELBQAwgZAxCzAJBgNVBAYTAkdCMRswGQYDVQQIExJHcmVhdGVyIE1hbmNoZXN0ZXIxEDAOBgNVBAcTB1NhbGZvcmQxGjAYBgNVBAoTEUNPTU9ETyBDQSBMaW1pdGVkMTYwNAYDVQQDEy1DT01PRE8gUlNBIERvbWFpbiBWYWxpZGF0aW9uIFNlY3VyZSBTZXJ2ZXIgQ0EwHhcNMTcwMjE1MDAwMDAwWhcNMjAwNDE2MjM1OTU5WjBfMSEwHwYDVQQLExhEb21haW4gQ29udHJvbCBWYWxpZGF0ZWQxHTAbBgNVBAsTFFBvc2l0aXZlU1NMIFdpbGRjYXJkMRswGQYDVQQDDBIqLmxhbmRsb3Jkcy5jb20uYXUwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCtPBKKHj4zdrGlCjgTHzb5gx9JCs97DwvBz60f14gDufF2haWbOxyJ0a3opAMsZnOr8HkARVCwxdqG/PTfACcb0QM7FOlzvxGqxataTYiChwvkkif8F9GlJw69HuHgzhusPf1Ytfk3ps1PRC14MkyrS4kwPrk/Le4XdkqRpRw62wG4V6IkbzsNMEOl1H8EgUbfyapdOcVxHjIzvBVy56fBRKG05Fr5wNq3Acak5kYZdNsLhhmlrqAfAjiombW3hb3V5blJdRC0BDdYHv2+zKey6LqJ1FDoXo6IzbzPpC+aifZy47YX+/N1U64Qn5xlDg7mOP8JXfkNJHbU1TJZHif5AgMBAAGjggHhMIIB3TAfBgNVHSMEGDAWgBSQr2o6lFoL2JDqElZz30O0Oija5zAdBgNVHQ4EFgQUNQSLjkoz01I+iuuoC5lgEp0anhcwDgYDVR0PAQH/BAQDAgWgMAwGA1UdEwEB/wQCMAAwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCME8GA1UdIARIMEYwOgYLKwYBBAGyMQECAgcwKzApBggrBgEFBQcCARYdaHR0cHM6Ly9zZWN1cmUuY29tb2RvLmNvbS9DUFMwCAYGZ4EMAQIBMFQGA1UdHwRNMEswSaBHoEWGQ2h0dHA6Ly9jcmwuY29tb2RvY2EuY29tL0NPTU9ET1JTQURvbWFpblZhbGlkYXRpb25TZWN1cmVTZXJ2ZXJDQS5jcmwwgYUGCCsGAQUFBwEBBHkwdzBPBggrBgEFBQcwAoZDaHR0cDovL2NydC5jb21vZG9jYS5jb20vQ09NT0RPUlNBRG9tYWluVmFsaWRhdGlvblNlY3VyZVNlcnZlckNBLmNydDAkBggrBgEFBQcwAYYYaHR0cDovL29jc3AuY29tb2RvY2EuY29tMC8GA1UdEQQoMCaCEioubGFuZGxvcmRzLmNvbS5hdYIQbGFuZGxvcmRzLmNvbS5hdTANBgkqhkiG9w0BAQsFAAOCAQEACyHqxUzrexToY7tOv4+kyGPP2D27P1tQpyzeAl1bPObiMhNK2b9vvBLDWAaqm8c0YL1h+DBdLoWzf3xFsIkTCVCjWJTNSNlcYtgRk6or1s7jWsfXzWqsnPjPPmTIOCw7EfH7Yme3oxPs3UUsmShAgPwNohAtL9GqlqMiKM6v1WU3NHt01jEoNP23LRa6KeNK6AH6WHJykzL223IlhgXjHTeuQj6lR+TNrQXJuhwTXYe+20rrpPQxc1Pn7AqnvfWgmicRQ7gdIcr4V6+ecTvLfNOaJ0ZYe5G5giuAAdTm7F57pk04f4gyZNYKrj88mvbkoriN8b6jcWExtrYO6bm2TwAA";

    const ARGON_AUDIT_PATH: [&str; 30] = [
        "T46AmJsuOM/gFiGlUp+IJJebp+1Z5qratFNW7U0JyOQ=",
        "9Jj1Feodn42uRYEfffkV4HF/EIPFQ5Zo9IwkxbQ2uhk=",
        "D53/1oCNebF4J59HHgioovKZxrmrKcVuCVhy3Izg8Ck=",
        "wSFDgGSrsXRPA+1c8WHoAFCsWeUv8NDyP/Q/SgsyVyY=",
        "516/RcwsgdwdzHn18v1dJHqBkgFUbNhmCIWOGjsMJaE=",
        "naTFY2ajLFgrgs5XUl+zJYZnnlJksLGsA1VYwpLfqbY=",
        "mKBRJo6qao+0Kdh/rhGkZUbHUAxMhrtrclrTpIbNjIg=",
        "Co4ueOFE7lpifLio94irxxsv1wFMMaK3tPu2ZQkHlro=",
        "yRgy800K6JMYCC05sWfqF2kvCg2riT/pVM+nEa6V5+0=",
        "n2O38XJZC8/Wpbwi9HhgVizlUyeUHVZvYyQB1607MRc=",
        "go3tAjuNfNSCj87y2Rg1xOroDknGN1eaf3cgvzObf7Q=",
        "8D0Mj3/J7ySSnFb0afIHYXv6rlOhECnsebY6XKi1IR8=",
        "6rcez46ZU8M5vPiWVMAUfJfAOV0pPP/mch/lYzZhj/M=",
        "2rtIeXrPvSdUyHc5maIgSAVB2BzaKaupWxSAiVayDE4=",
        "nniW/IMFQPN5xw8UsHFn7CRStYbm1gLu7NNa6kkRqJQ=",
        "mRPPi7sQS22MduIEyvcNzCNFqIt6kLwYPkNKrVtIcu8=",
        "JvTivzESNS9wHI8aph5a7uieVmtS/p9PciMZ5D6GyOo=",
        "UTyQd+Ym0wY4zG+qK806bBORwi1CSVvFQ/KknnqoZj8=",
        "hXODrqN+ff+U6zPqRQ+ZQKs6im1fPcxIerDSfNwflhE=",
        "II6GE+WY/DrpZzfHztLwkR46o37zVkNLCyPYlf68zA0=",
        "d609kWWcNBllbA8Jb/ad4XAVVGnScLRmtP8FYyr+Dck=",
        "rikBsP0G0gioXRpBFED2CzQdSLrGPvRd0bEcbEZw1rI=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
    ];

    const ARGON_CONSISTENCY: [&str; 30] = [
        "80Sfbj6UQEdVSZCSIgh9NMPj3vCBzcc1A48B2crJSWg=",
        "FZcrgAHUk6nNPviJZq8kEK6jCG1d18pJOFE45ZDc1TQ=",
        "Q67reWXmPBo1UfmwBap4Xi9PMPfFdUSSw3WGlRZdG7k=",
        "eJ7CyhR4PxzBxDIsWgrVYW1eFUb9ndgf46tFmiqVrxA=",
        "QrDwp062Grm5WY8KdrhFsBuuNjGzRox2Jb8PmVL5OYw=",
        "XM4YMjMEdLH/XJam/ZWyaP14k3cmsOtnPsOWQ54lW1s=",
        "SGiBh+jOTGccXU48ZzgQ88lRcBmtB4wz4oSDndv2QTg=",
        "WAS6txqNLYKGL1GdBdpqmV42TTfn6cJsuDsqLXuTCNI=",
        "QFmRS0rirUA7ZN3lxFjDncV+E1OCrn3NUB4RCp+5fzc=",
        "Hdbp7It2XBNZmNDBpCN/KPd7vfVqxgzwOosqVIaEA9E=",
        "mxvHL0ZiblBdD7j7pIa1jlfB0gSqfJ6oX0UGo7L0VsU=",
        "q5hjyvoW6TL/PThgcitpDcSTrnKX2p1+aqscqH2euRA=",
        "jTOWDqt3IHj2NVFeezyBz2ofpru+ztEywqKUAfFclKI=",
        "GIRn0w3HqJdvU9j1WVD//eR6lk2AaTVjyzjsJNP8U88=",
        "x52GJvxG81fnQBrgOTbll1A5tz95/LXK0Ag1NhB0r1I=",
        "6/0OqrcTgc3o5dD5PymmoC96lB9yLPFuTHVvLy8fSGk=",
        "Gf+iKLfcXO5l4JEFmsZvSdG5q1uEeWPfYLrds6pmjz0=",
        "DGuaco+McyM3AfRSF6qX7RwSetwe2ieYJmxw5e9rVx0=",
        "2tQJ9V32hnYp+fdpP6TcjmgJmLeNVOMKM0Ml1kk4cNU=",
        "3PapK+IkyJr8I9yAErAmzuZezzLMzsg+PfeRCgNW8NQ=",
        "s6xiYeejb+wtqHA+URJZ2I/SCPyIW8coP6aB00FJbMY=",
        "z9lSpmdTcr5M5ZzKlc4EPh3SrSypKFdk6JUF/UccaZU=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
    ];
}
