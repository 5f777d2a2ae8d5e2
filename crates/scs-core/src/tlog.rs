//! The transparency log (台帳) as pure arithmetic: RFC 6962 / RFC 9162 Merkle tree hashing and
//! proofs, the C2SP `tlog-tiles` layout, C2SP `tlog-checkpoint` bodies and C2SP `signed-note`
//! Ed25519 signatures.
//!
//! Nothing here reads a file, a clock or a random number generator. Stored hashes come in
//! through a [`HashReader`]; signing keys come in as arguments.
//!
//! - Hashing: [`leaf_hash`], [`node_hash`], [`EMPTY_ROOT`], [`tree_hash`].
//! - Growing a log: [`Frontier`] keeps only the O(log n) right edge and reports every node an
//!   append completes, which is exactly what tiles and proofs later need; [`MemoryTree`] keeps
//!   every node, for tests and small logs.
//! - Proofs: [`inclusion_proof`], [`consistency_proof`] and [`tree_root`] read nodes through a
//!   [`HashReader`]; [`verify_inclusion`] and [`verify_consistency`] are RFC 9162 §2.1.3.2 and
//!   §2.1.4.2 step by step.
//! - Tiles: [`Tile`], [`EntryBundle`], [`tiles_between`], [`entry_bundles_between`] and
//!   [`Node::tile_span`] (which tile a node's hash is read from).
//! - Checkpoints: [`Checkpoint`] (the note body), [`NoteVerifier`] and [`sign_note`].
//!
//! Words used throughout: a *node* at *level* ℓ and *index* i is the root of the complete
//! subtree over leaves `[i·2^ℓ, (i+1)·2^ℓ)`; level 0 holds the leaf hashes. Tile levels are
//! counted separately: tile level L holds the nodes at tree level 8·L.
//!
//! References: RFC 9162 §2.1; <https://c2sp.org/tlog-tiles>, <https://c2sp.org/tlog-checkpoint>,
//! <https://c2sp.org/signed-note>; Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note`, whose
//! test vectors the unit tests below reuse.

use std::fmt;
use std::ops::Range;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::keys::{PublicKey, SecretKey};

// ---------------------------------------------------------------------------------------------
// Hashing: RFC 9162 §2.1.1

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
fn split_point(n: u64) -> u64 {
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
fn fold_right(hashes: &[Hash]) -> Hash {
    let mut from_right = hashes.iter().rev();
    let Some(last) = from_right.next() else {
        return EMPTY_ROOT;
    };
    from_right.fold(*last, |acc, left| node_hash(left, &acc))
}

// ---------------------------------------------------------------------------------------------
// Nodes and where their hashes come from

/// A complete subtree: the node at `level` (0 = leaves) and `index` covers leaves
/// `[index·2^level, (index+1)·2^level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    /// Height above the leaves.
    pub level: u8,
    /// Position among the nodes of that level, from 0.
    pub index: u64,
}

impl Node {
    /// The node at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// Where this node's hash is found in the C2SP tiles: the tile at tile level `level / 8`, and
    /// the run of its hashes whose [`tree_hash`] is this node (a single hash when `level` is a
    /// multiple of 8). tlog-tiles: "The Merkle Tree levels between those expressed by the tile
    /// hashes are reconstructed by hashing the leaves." The returned tile has the smallest width
    /// that holds the run; any wider version of the same tile holds the same hashes.
    pub fn tile_span(&self) -> Result<(Tile, Range<usize>), TileError> {
        let tile_level = self.level / TILE_HEIGHT;
        // How far this node sits above its tile's own hashes (0..8), and so how many of those
        // hashes it spans (2^rise) and how many such nodes one tile holds (2^(8 - rise)).
        let rise = u32::from(self.level % TILE_HEIGHT);
        let per_tile_log = u32::from(TILE_HEIGHT) - rise;
        let tile_index = self.index >> per_tile_log;
        let offset = self.index & ((1u64 << per_tile_log) - 1);
        let start = (offset as usize) << rise;
        let end = start + (1usize << rise);
        // end ≤ 256 by construction.
        let tile = Tile::new(tile_level, tile_index, end as u16)?;
        Ok((tile, start..end))
    }
}

/// Reads stored node hashes: the one thing proof generation needs from storage.
///
/// Contract: `read_hashes` returns exactly one hash per node asked for, in the same order, or an
/// error. Proof functions ask only for nodes inside the tree they are proving against, in one
/// call per proof (so a tile-backed reader can fetch each tile once); they check the count.
pub trait HashReader {
    /// Why a read failed (missing node, storage error, …).
    type Error;

    /// The hashes of `nodes`, in order.
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, Self::Error>;
}

/// Why a proof, root or frontier could not be built from stored hashes.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProveError<E> {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// The old tree is larger than the new one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeOrder {
        /// The old (smaller) tree size asked for.
        old: u64,
        /// The new (larger) tree size asked for.
        new: u64,
    },
    /// The reader failed.
    #[error("reading tree hashes: {0}")]
    Read(E),
    /// The reader broke its contract and returned the wrong number of hashes.
    #[error("hash reader returned {returned} hashes for {asked} nodes")]
    ReaderCount {
        /// How many nodes were asked for.
        asked: usize,
        /// How many hashes came back.
        returned: usize,
    },
}

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

/// Reads `nodes` in one call and checks the reader kept its contract.
fn read_nodes<R: HashReader + ?Sized>(
    nodes: &[Node],
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(nodes).map_err(ProveError::Read)?;
    if hashes.len() != nodes.len() {
        return Err(ProveError::ReaderCount {
            asked: nodes.len(),
            returned: hashes.len(),
        });
    }
    Ok(hashes)
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

// ---------------------------------------------------------------------------------------------
// Growing the tree

/// The log cannot grow: it already holds 2^64 − 1 entries, or a frontier was given the wrong
/// number of subtree roots.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrontierError {
    /// The tree size would pass `u64::MAX`.
    #[error("the log is full")]
    Full,
    /// A frontier of size n holds one root per set bit of n.
    #[error("a tree of size {size} has {expected} right-edge subtrees, not {actual}")]
    RootCount {
        /// The tree size.
        size: u64,
        /// Set bits in the size.
        expected: usize,
        /// Roots given.
        actual: usize,
    },
}

/// The right edge of an append-only Merkle tree: for a tree of size n, the roots of the complete
/// subtrees that `[0, n)` splits into — one per set bit of n, largest (leftmost) first. That is
/// all it takes to append a leaf and to compute the tree head: O(log n) memory and work.
///
/// [`Frontier::append`] also returns every node the new leaf completes (the leaf itself, then
/// each parent whose right child it finishes), bottom up. Storing those is storing the whole
/// tree: the nodes at levels 0, 8, 16, … are the hashes of the C2SP tiles, in order, and any
/// other node is rebuilt from a tile with [`Node::tile_span`]. After a restart,
/// [`Frontier::read`] rebuilds the frontier from storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    roots: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The right-edge subtree roots, largest first; see [`Frontier::nodes_for_size`].
    pub fn roots(&self) -> &[Hash] {
        &self.roots
    }

    /// The nodes whose hashes a frontier of `size` holds, largest first: for each set bit 2^ℓ of
    /// `size`, from the top, the node at level ℓ that starts where the previous one ended.
    pub fn nodes_for_size(size: u64) -> Vec<Node> {
        let mut nodes = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0u64;
        for level in (0..u64::BITS).rev() {
            if size & (1 << level) != 0 {
                nodes.push(Node::new(level as u8, start >> level));
                start += 1 << level;
            }
        }
        nodes
    }

    /// A frontier from the hashes of [`Frontier::nodes_for_size`]`(size)`, in that order.
    pub fn from_roots(size: u64, roots: Vec<Hash>) -> Result<Self, FrontierError> {
        let expected = size.count_ones() as usize;
        if roots.len() != expected {
            return Err(FrontierError::RootCount {
                size,
                expected,
                actual: roots.len(),
            });
        }
        Ok(Self { size, roots })
    }

    /// Rebuilds the frontier of a tree of `size` from stored hashes (one read of at most 64
    /// nodes).
    pub fn read<R: HashReader + ?Sized>(
        size: u64,
        reader: &R,
    ) -> Result<Self, ProveError<R::Error>> {
        let roots = read_nodes(&Self::nodes_for_size(size), reader)?;
        Ok(Self { size, roots })
    }

    /// Appends a leaf hash. Returns the nodes this completes with their hashes, bottom up: the
    /// leaf (level 0, index n) and, for each trailing 1 bit of n, the parent it finishes.
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<(Node, Hash)>, FrontierError> {
        let index = self.size;
        let size = index.checked_add(1).ok_or(FrontierError::Full)?;
        // Each trailing 1 bit of the index is a complete subtree just left of the new leaf, the
        // same size as the subtree the leaf has built so far: merge them.
        let merges = index.trailing_ones() as usize;
        let lefts = self
            .roots
            .split_off(self.roots.len().saturating_sub(merges));
        let mut completed = Vec::with_capacity(merges + 1);
        let mut hash = leaf;
        completed.push((Node::new(0, index), hash));
        for (level, left) in (1u8..).zip(lefts.iter().rev()) {
            hash = node_hash(left, &hash);
            completed.push((Node::new(level, index >> level), hash));
        }
        self.roots.push(hash);
        self.size = size;
        Ok(completed)
    }

    /// The tree head: MTH of all leaves so far ([`EMPTY_ROOT`] for none).
    pub fn root(&self) -> Hash {
        fold_right(&self.roots)
    }
}

/// Every node of a tree, level by level: `level(ℓ)[i]` is node (ℓ, i). About 2·n hashes of
/// memory (2·n/2^k with [`MemoryTree::from_level`]); for tests, tools and small logs. A
/// [`HashReader`] for any tree size up to its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTree {
    frontier: Frontier,
    levels: Vec<Vec<Hash>>,
    /// Levels below this one are not kept.
    lowest_kept: u8,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The empty tree that keeps only the levels from `lowest` up, for a caller that has the
    /// leaf hashes elsewhere and computes the low nodes from them: 2^`lowest` times less
    /// memory. Its lower levels are empty and reading a node there fails with [`MissingNode`].
    /// The root is always known (it comes from the frontier).
    pub fn from_level(lowest: u8) -> Self {
        Self {
            lowest_kept: lowest,
            ..Self::default()
        }
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), FrontierError> {
        self.push_reporting(leaf, |_, _| {})
    }

    /// Appends a leaf hash, handing `below_kept` each node it completes on a level this tree
    /// does not keep (the leaf itself included), lowest level first.
    pub fn push_reporting(
        &mut self,
        leaf: Hash,
        mut below_kept: impl FnMut(Node, Hash),
    ) -> Result<(), FrontierError> {
        for (node, hash) in self.frontier.append(leaf)? {
            if node.level < self.lowest_kept {
                below_kept(node, hash);
                continue;
            }
            let level = usize::from(node.level);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            // Nodes of a level complete left to right, so this is position `node.index`.
            if let Some(row) = self.levels.get_mut(level) {
                row.push(hash);
            }
        }
        Ok(())
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The complete nodes at `level`, left to right (empty above the top).
    pub fn level(&self, level: u8) -> &[Hash] {
        self.levels
            .get(usize::from(level))
            .map_or(&[], Vec::as_slice)
    }

    /// One node's hash, if that subtree is complete.
    pub fn node(&self, node: Node) -> Option<Hash> {
        let index = usize::try_from(node.index).ok()?;
        self.level(node.level).get(index).copied()
    }

    /// The tree head of the whole tree.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }
}

/// A node that a [`MemoryTree`] does not (yet) hold.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("no hash stored for the node at level {} index {}", .0.level, .0.index)]
pub struct MissingNode(pub Node);

impl HashReader for MemoryTree {
    type Error = MissingNode;

    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, MissingNode> {
        nodes
            .iter()
            .map(|&node| self.node(node).ok_or(MissingNode(node)))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Proofs: RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency)

/// The leaf ranges whose MTH are the hashes of the inclusion proof for `index` in a tree of
/// `size`, innermost first. RFC 9162 §2.1.3.1, with k the largest power of two smaller than n:
/// "PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k; and PATH(m, D[n]) = PATH(m - k,
/// D[k:n]) : MTH(D[0:k]) for m >= k". Walking down from the root meets the siblings outermost
/// first, hence the reversal. Expects `index < size`.
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
/// innermost first. RFC 9162 §2.1.4.1: "PROOF(m, D[n]) = SUBPROOF(m, D[n], true)", where
/// "SUBPROOF(m, D[m], true) = {}", "SUBPROOF(m, D[m], false) = {MTH(D[m])}", and for m < n:
/// "If m <= k, the right subtree entries D[k:n] only exist in the current tree. ...
/// SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])"; "If m > k, the left subtree
/// entries D[0:k] are identical in both trees. ... SUBPROOF(m, D[n], b) = SUBPROOF(m - k,
/// D[k:n], false) : MTH(D[0:k])". Expects `0 < old <= new`; keeps `lo < old <= hi`.
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

// ---------------------------------------------------------------------------------------------
// C2SP tlog-tiles

/// Tree levels per tile: "a tile represents the entire subtree of height 8 with its hashes as
/// the leaves".
pub const TILE_HEIGHT: u8 = 8;

/// Hashes in a full tile: "Full tiles MUST be exactly 256 hashes wide, or 8,192 bytes." Entries
/// in a full entry bundle, likewise.
pub const TILE_WIDTH: u16 = 256;

/// The largest log entry an entry bundle can carry: "Entry bundles are sequences of big-endian
/// uint16 length-prefixed log entries."
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Why a tile path, tile or entry bundle was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TileError {
    /// Not `tile/<L>/<N>[.p/<W>]` (or `tile/entries/<N>[.p/<W>]`) in its one canonical form.
    #[error("not a tile path: {0:?}")]
    Path(String),
    /// A level, index or width that no tree of at most 2^64 − 1 entries has.
    #[error("no such tile: level {level}, index {index}, width {width}")]
    OutOfRange {
        /// Tile level (entry bundles: 0).
        level: u8,
        /// Tile index.
        index: u64,
        /// Tile width.
        width: u16,
    },
    /// Tile data whose length is not width × 32 bytes.
    #[error("tile data is {actual} bytes; a tile of width {width} has {expected}")]
    TileLength {
        /// The tile's width.
        width: u16,
        /// width × 32.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// Not as many hashes or entries as the tile or bundle is wide.
    #[error("a tile or bundle of width {width} holds {width} items, not {actual}")]
    WrongCount {
        /// The tile's or bundle's width.
        width: u16,
        /// Items given or found.
        actual: usize,
    },
    /// An entry bundle whose bytes end inside a length prefix or an entry.
    #[error("entry bundle is truncated")]
    BundleTruncated,
    /// An entry longer than the uint16 length prefix can carry.
    #[error("log entry is {0} bytes; entry bundles carry at most {MAX_ENTRY_SIZE}")]
    EntryTooLarge(usize),
}

/// Whether `count` hashes at tile level `level` (tree level 8·level), counted from the left
/// edge, cover at most `u64::MAX` leaves: whether any tree can have them.
fn tile_fits(level: u8, count: u128) -> bool {
    level < TILE_HEIGHT
        && count
            .checked_mul(1u128 << (u32::from(TILE_HEIGHT) * u32::from(level)))
            .is_some_and(|leaves| leaves <= u128::from(u64::MAX))
}

/// `<N>`: "a non-negative integer encoded into zero-padded 3-digit path elements. All but the
/// last path element MUST begin with an `x`. For example, index 1234067 will be encoded as
/// `x001/x234/067`."
fn format_index(index: u64) -> String {
    let mut groups = vec![index % 1000];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut out = String::new();
    for (i, group) in groups.iter().rev().enumerate() {
        if i > 0 {
            out.push('/');
        }
        if i + 1 < groups.len() {
            out.push('x');
        }
        out.push_str(&format!("{group:03}"));
    }
    out
}

/// `<N>[.p/<W>]`: "The `.p/<W>` suffix is only present for partial tiles ... `<W>` is the width
/// of the tile, a decimal ASCII integer between 1 and 255, with no additional leading zeroes."
fn format_index_width(index: u64, width: u16) -> String {
    let mut out = format_index(index);
    if width < TILE_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
    out
}

/// Reads `<N>` leniently (callers compare the re-encoded path with the input for canonicity).
fn parse_index(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split('/').collect();
    // u64::MAX has 20 digits: 7 groups.
    if groups.len() > 7 {
        return None;
    }
    let mut value = 0u64;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            group.strip_prefix('x')?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value = value
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    Some(value)
}

/// Reads `<N>[.p/<W>]` leniently; a missing suffix means a full tile.
fn parse_index_width(text: &str) -> Option<(u64, u16)> {
    let (index, width) = match text.split_once(".p/") {
        Some((index, width)) => {
            if width.is_empty() || width.len() > 3 || !width.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (index, width.parse::<u16>().ok()?)
        }
        None => (text, TILE_WIDTH),
    };
    Some((parse_index(index)?, width))
}

/// Keeps error messages short whatever the input.
fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

/// A Merkle tree tile: "the *n*-th tile at level *l* ... is the sequence of the following
/// Merkle Tree Hashes, with *i* from 0 to 255: MTH(D[(n * 256 + i) * 256**l : (n * 256 + i + 1)
/// * 256**l])", or its first `width` of them for a partial tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    index: u64,
    width: u16,
}

impl Tile {
    /// The tile at tile level `level` and index `index` holding `width` hashes (1..=256).
    /// Refuses tiles that no tree of at most 2^64 − 1 entries has (so level ≤ 7).
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        let count = u128::from(index) * u128::from(TILE_WIDTH) + u128::from(width);
        if width == 0 || width > TILE_WIDTH || !tile_fits(level, count) {
            return Err(TileError::OutOfRange {
                level,
                index,
                width,
            });
        }
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// The tile level L.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The tile index N within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of hashes, 1..=256.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// "A partial tile contains between 1 and 255 hashes".
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The tree level of this tile's hashes: 8·L. (At level 0 they are leaf hashes; above, "each
    /// hash in a tile is the Merkle Tree Hash of a *full* tile at the level below".)
    pub fn hash_level(&self) -> u8 {
        self.level * TILE_HEIGHT
    }

    /// The indexes, at [`Tile::hash_level`], of the nodes this tile holds, in order: the tile's
    /// content is the hashes of nodes `(hash_level, i)` for `i` in this range.
    pub fn hash_indexes(&self) -> Range<u64> {
        // `new` checked that (index·256 + width)·256^L ≤ u64::MAX.
        let start = self.index * u64::from(TILE_WIDTH);
        start..start + u64::from(self.width)
    }

    /// The path below the log prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}",
            self.level,
            format_index_width(self.index, self.width)
        )
    }

    /// Parses `tile/<L>/<N>[.p/<W>]`, accepting only the canonical form that [`Tile::path`]
    /// writes. "`<L>` is the “level” of the tile, and MUST be a decimal ASCII integer between 0
    /// and 63, with no additional leading zeroes"; levels above 7 are well-formed but exist in no
    /// tree with fewer than 2^64 entries, and get [`TileError::OutOfRange`].
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let malformed = || TileError::Path(clip(path));
        let rest = path.strip_prefix("tile/").ok_or_else(malformed)?;
        let (level, rest) = rest.split_once('/').ok_or_else(malformed)?;
        if level.is_empty() || level.len() > 2 || !level.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let level: u8 = level.parse().map_err(|_| malformed())?;
        if level > 63 {
            return Err(malformed());
        }
        let (index, width) = parse_index_width(rest).ok_or_else(malformed)?;
        if width == 0 || width > TILE_WIDTH {
            return Err(malformed());
        }
        let tile = Self::new(level, index, width)?;
        if tile.path() != path {
            return Err(malformed());
        }
        Ok(tile)
    }

    /// The tile's bytes: its hashes concatenated. Refuses a hash count other than the width.
    pub fn encode(&self, hashes: &[Hash]) -> Result<Vec<u8>, TileError> {
        if hashes.len() != usize::from(self.width) {
            return Err(TileError::WrongCount {
                width: self.width,
                actual: hashes.len(),
            });
        }
        Ok(hashes.iter().flat_map(|h| h.0).collect())
    }

    /// The hashes in the tile's bytes. Refuses any length but width × 32.
    pub fn decode(&self, bytes: &[u8]) -> Result<Vec<Hash>, TileError> {
        let expected = usize::from(self.width) * HASH_SIZE;
        if bytes.len() != expected {
            return Err(TileError::TileLength {
                width: self.width,
                expected,
                actual: bytes.len(),
            });
        }
        Ok(bytes
            .chunks_exact(HASH_SIZE)
            .filter_map(Hash::from_slice)
            .collect())
    }
}

/// An entry bundle: "The log entries are served as a “entry bundles” at
/// `<prefix>/tile/entries/<N>[.p/<W>]` ... Each entry in a bundle hashes to the corresponding
/// entry in the corresponding “level 0” Merkle Tree tile."
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundle {
    index: u64,
    width: u16,
}

impl EntryBundle {
    /// Bundle `index` holding `width` entries (1..=256), entries `index·256 ..` onwards.
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        let count = u128::from(index) * u128::from(TILE_WIDTH) + u128::from(width);
        if width == 0 || width > TILE_WIDTH || !tile_fits(0, count) {
            return Err(TileError::OutOfRange {
                level: 0,
                index,
                width,
            });
        }
        Ok(Self { index, width })
    }

    /// The bundle index N.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of entries, 1..=256.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle has fewer than 256 entries.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The log indexes of the entries in this bundle.
    pub fn entry_indexes(&self) -> Range<u64> {
        // `new` checked that index·256 + width ≤ u64::MAX.
        let start = self.index * u64::from(TILE_WIDTH);
        start..start + u64::from(self.width)
    }

    /// The path below the log prefix: `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/entries/{}",
            format_index_width(self.index, self.width)
        )
    }

    /// Parses `tile/entries/<N>[.p/<W>]`, accepting only the canonical form.
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let malformed = || TileError::Path(clip(path));
        let rest = path.strip_prefix("tile/entries/").ok_or_else(malformed)?;
        let (index, width) = parse_index_width(rest).ok_or_else(malformed)?;
        if width == 0 || width > TILE_WIDTH {
            return Err(malformed());
        }
        let bundle = Self::new(index, width)?;
        if bundle.path() != path {
            return Err(malformed());
        }
        Ok(bundle)
    }

    /// The bundle's bytes: each entry as a big-endian uint16 length and the entry. Refuses an
    /// entry count other than the width and entries over [`MAX_ENTRY_SIZE`].
    pub fn encode<T: AsRef<[u8]>>(&self, entries: &[T]) -> Result<Vec<u8>, TileError> {
        if entries.len() != usize::from(self.width) {
            return Err(TileError::WrongCount {
                width: self.width,
                actual: entries.len(),
            });
        }
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.as_ref();
            let len =
                u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge(entry.len()))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(entry);
        }
        Ok(out)
    }

    /// The entries in the bundle's bytes. Refuses truncated bytes and any number of entries but
    /// the width (stopping as soon as there are too many).
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, TileError> {
        let width = usize::from(self.width);
        let mut entries = Vec::with_capacity(width);
        let mut rest = bytes;
        while !rest.is_empty() {
            if entries.len() == width {
                return Err(TileError::WrongCount {
                    width: self.width,
                    actual: width + 1,
                });
            }
            let (len, after) = rest
                .split_first_chunk::<2>()
                .ok_or(TileError::BundleTruncated)?;
            let len = usize::from(u16::from_be_bytes(*len));
            if after.len() < len {
                return Err(TileError::BundleTruncated);
            }
            let (entry, after) = after.split_at(len);
            entries.push(entry);
            rest = after;
        }
        if entries.len() != width {
            return Err(TileError::WrongCount {
                width: self.width,
                actual: entries.len(),
            });
        }
        Ok(entries)
    }
}

/// For hash counts `old_count` → `new_count` at one level, the tiles that changed, as
/// (index, width in the new tree).
fn changed_tiles(old_count: u64, new_count: u64) -> impl Iterator<Item = (u64, u16)> {
    let width = u64::from(TILE_WIDTH);
    let range = if new_count > old_count {
        // From the tile that holds the first new hash to the tile that holds the last.
        old_count / width..(new_count - 1) / width + 1
    } else {
        0..0
    };
    range.map(move |n| (n, (new_count - n * width).min(width) as u16))
}

/// The tiles that change when the tree grows from `old_size` to `new_size`, each at its width in
/// the new tree: what a log writes before it publishes the checkpoint for `new_size`. From
/// `old_size` 0, every tile of the tree. "The partial tile at level *l* for a tree of size *s*
/// has `floor(s / 256**l) mod 256` entries. Empty tiles MUST NOT be served." Empty when
/// `new_size <= old_size`.
pub fn tiles_between(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in 0..TILE_HEIGHT {
        let shift = u32::from(TILE_HEIGHT) * u32::from(level);
        // The number of hashes at tree level 8·level.
        let (old_count, new_count) = (old_size >> shift, new_size >> shift);
        if new_count <= old_count {
            // Nothing changed at this level, so nothing above it either.
            break;
        }
        tiles.extend(
            changed_tiles(old_count, new_count).map(|(index, width)| Tile {
                level,
                index,
                width,
            }),
        );
    }
    tiles
}

/// The entry bundles that change when the log grows from `old_size` to `new_size`, each at its
/// width in the new log. Empty when `new_size <= old_size`.
pub fn entry_bundles_between(old_size: u64, new_size: u64) -> Vec<EntryBundle> {
    changed_tiles(old_size, new_size)
        .map(|(index, width)| EntryBundle { index, width })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// C2SP signed-note (Ed25519)

/// The largest note accepted. signed-note: "Verifiers SHOULD apply a maximum limit to the number
/// of signatures in a note (or, equivalently, to the overall size of a note)".
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// The most signature lines accepted: "but MUST accept at least up to 16 signatures". (Go's
/// `sumdb/note` allows 100.)
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// The signature type byte: "`0x01` — Ed25519 signatures as specified by this document."
const ALG_ED25519: u8 = 0x01;

/// The start of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, a key name or a verifier key was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteError {
    /// "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
    /// characters." (Nor control characters, which no note may hold.)
    #[error("invalid note key name {0:?}")]
    KeyName(String),
    /// A verifier key that is not `<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte key)>` with a
    /// matching key ID and a valid Ed25519 key.
    #[error("invalid note verifier key: {0}")]
    VerifierKey(&'static str),
    /// Text to sign that is empty, lacks its final newline or holds a control character.
    #[error("note text cannot be signed: {0}")]
    Text(&'static str),
    /// A note over [`MAX_NOTE_SIZE`] bytes.
    #[error("note is {0} bytes; at most {MAX_NOTE_SIZE} are accepted")]
    TooLarge(usize),
    /// Not a signed note: not UTF-8, a control character, no blank line before the signatures,
    /// a malformed signature line, or over [`MAX_NOTE_SIGNATURES`] signatures.
    #[error("malformed signed note: {0}")]
    Malformed(&'static str),
    /// A signature line from the expected key whose signature does not verify. signed-note: "If
    /// a signature from a known key fails to verify, clients SHOULD reject the whole note."
    #[error("the note's signature by {0} does not verify")]
    BadSignature(String),
    /// No signature line from the expected key. signed-note: "If no signature from a known key
    /// verifies successfully, clients MUST reject the note."
    #[error("the note is not signed by {0}")]
    NotSigned(String),
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::KeyName(clip(name)));
    }
    Ok(())
}

/// Notes "MUST NOT contain any ASCII control characters (those below U+0020) other than
/// newline".
fn has_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// The key ID of an Ed25519 note key: "`key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte
/// Ed25519 public key)[:4]`", read as a big-endian uint32.
pub fn key_id(name: &str, key: &PublicKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALG_ED25519]);
    hasher.update(key.as_dalek().as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Signs `text` as a signed note by the key `name`: the text, a blank line and the line
/// `— <name> base64(key ID ‖ Ed25519 signature)`. "The note text includes the final newline but
/// not the separating blank line."
pub fn sign_note(text: &str, name: &str, key: &SecretKey) -> Result<String, NoteError> {
    check_key_name(name)?;
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::Text("it must be non-empty and end in a newline"));
    }
    if has_control(text) {
        return Err(NoteError::Text("it holds a control character"));
    }
    let id = key_id(name, &key.public());
    let signature = key.sign(text.as_bytes());
    let mut blob = Vec::with_capacity(4 + 64);
    blob.extend_from_slice(&id.to_be_bytes());
    blob.extend_from_slice(&signature.to_bytes());
    let note = format!(
        "{text}\n{SIGNATURE_PREFIX}{name} {}\n",
        STANDARD.encode(blob)
    );
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::TooLarge(note.len()));
    }
    Ok(note)
}

/// One trusted Ed25519 note key: its name, public key and key ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: PublicKey,
    id: u32,
}

impl NoteVerifier {
    /// The verifier for key `name` with public key `key`.
    pub fn new(name: &str, key: PublicKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, &key),
            key,
        })
    }

    /// Parses a verifier key `<name>+<key ID as 8 lowercase hex digits>+<base64(0x01 ‖ key)>`
    /// (Go's `sumdb/note` format), checking that the key ID matches the name and key.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        // The name holds no '+'; the base64 may.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::VerifierKey("expected <name>+<key ID>+<key>"));
        };
        check_key_name(name)?;
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(NoteError::VerifierKey(
                "the key ID is not 8 lowercase hex digits",
            ));
        }
        let id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| NoteError::VerifierKey("the key ID is not 8 lowercase hex digits"))?;
        let key_bytes = STANDARD
            .decode(key64)
            .map_err(|_| NoteError::VerifierKey("the key is not base64"))?;
        let Some((&ALG_ED25519, raw)) = key_bytes.split_first() else {
            return Err(NoteError::VerifierKey("not an Ed25519 (0x01) key"));
        };
        let raw: &[u8; 32] = raw
            .try_into()
            .map_err(|_| NoteError::VerifierKey("an Ed25519 key is 32 bytes"))?;
        let key = PublicKey::from_bytes(raw)
            .map_err(|_| NoteError::VerifierKey("not a valid Ed25519 public key"))?;
        let verifier = Self::new(name, key)?;
        if verifier.id != id {
            return Err(NoteError::VerifierKey(
                "the key ID does not match the name and key",
            ));
        }
        Ok(verifier)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The key ID (see [`key_id`]).
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key string that [`NoteVerifier::from_vkey`] reads.
    pub fn vkey(&self) -> String {
        let mut blob = Vec::with_capacity(33);
        blob.push(ALG_ED25519);
        blob.extend_from_slice(self.key.as_dalek().as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, STANDARD.encode(blob))
    }

    /// Checks a signed note and returns its text (with the final newline). Signatures by other
    /// keys are ignored — signed-note: "Verifiers MUST ignore signatures from unknown keys, even
    /// if they share a name or ID (but not both) with a known key" — but must be well-formed. A
    /// signature by this key that fails to verify rejects the note, and at least one must verify.
    pub fn verify<'a>(&self, note: &'a [u8]) -> Result<&'a str, NoteError> {
        if note.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge(note.len()));
        }
        // "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
        // (those below U+0020) other than newline."
        let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8"))?;
        if has_control(note) {
            return Err(NoteError::Malformed("control character"));
        }
        // "The note text MAY contain empty lines; the text is separated from the signatures by
        // the last empty line in the note."
        let split = note
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        // "followed by one or more signature lines of this form: em dash (U+2014), space
        // (U+0020), key name, space, base64-encoded signature, newline."
        let lines = signatures
            .strip_suffix('\n')
            .filter(|lines| !lines.is_empty())
            .ok_or(NoteError::Malformed(
                "signature lines must end in a newline",
            ))?;
        let mut verified = false;
        for (count, line) in lines.split('\n').enumerate() {
            if count >= MAX_NOTE_SIGNATURES {
                return Err(NoteError::Malformed("too many signatures"));
            }
            let (name, id, signature) = parse_signature_line(line)?;
            if name != self.name || id != self.id {
                continue;
            }
            let signature = <[u8; 64]>::try_from(signature)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            self.key
                .verify(text.as_bytes(), &Signature::from_bytes(&signature))
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            verified = true;
        }
        if !verified {
            return Err(NoteError::NotSigned(self.name.clone()));
        }
        Ok(text)
    }
}

/// Splits `— <name> <base64>` into the name, the key ID and the signature bytes.
/// "Signatures are the base64 encoding of 4+n bytes. The first four bytes in the signature are
/// the uint32 key ID stored in big-endian order."
fn parse_signature_line(line: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let malformed = NoteError::Malformed("malformed signature line");
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| malformed.clone())?;
    let (name, blob) = rest.split_once(' ').ok_or_else(|| malformed.clone())?;
    check_key_name(name).map_err(|_| malformed.clone())?;
    let blob = STANDARD.decode(blob).map_err(|_| malformed.clone())?;
    let (id, signature) = blob
        .split_first_chunk::<4>()
        .ok_or_else(|| malformed.clone())?;
    if signature.is_empty() {
        return Err(malformed);
    }
    Ok((name, u32::from_be_bytes(*id), signature.to_vec()))
}

// ---------------------------------------------------------------------------------------------
// C2SP tlog-checkpoint

/// The most extension lines a parsed checkpoint may carry ("The use of extension lines is NOT
/// RECOMMENDED"; this log writes none).
pub const MAX_CHECKPOINT_EXTENSIONS: usize = 16;

/// Why a checkpoint was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// An origin this log will not sign under: empty, or with a space, a plus sign or a control
    /// character (it doubles as the signing key's name).
    #[error("invalid checkpoint origin {0:?}")]
    Origin(String),
    /// "The note text is a sequence of at least three non-empty lines, separated by newlines"; an
    /// extension line that is empty, or too many of them.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// "the ASCII decimal representation of the number of leaves in the tree, with no leading
    /// zeroes (unless the tree is empty, in which case the tree size is `0`)".
    #[error("checkpoint tree size is not a canonical decimal number")]
    Size,
    /// "the base64 encoding of the root of the RFC 6962 Merkle hash tree".
    #[error("checkpoint root hash is not the base64 of 32 bytes")]
    Root,
    /// The checkpoint is for another log.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin asked for.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// The signed note around it was refused.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A checkpoint: the note text naming a log's tree head. "1. The first line is the **origin**
/// ... 2. The second line is the **tree size** ... 3. The third line is the **root hash** ...
/// 4. Any following lines are **extension lines**, opaque and OPTIONAL."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint of this log with no extension lines. The origin is also the signing key's
    /// name ("The log’s key name in its signature line SHOULD match the origin line"), so it
    /// must be a valid key name: non-empty, no spaces, no `+`.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_key_name(origin).map_err(|_| CheckpointError::Origin(clip(origin)))?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines, if the parsed checkpoint had any.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`, then any extension lines.
    pub fn body(&self) -> String {
        let mut body = format!("{}\n{}\n{}\n", self.origin, self.size, self.root);
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body (the text of a verified note), strictly.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        if body.len() > MAX_NOTE_SIZE {
            return Err(CheckpointError::Malformed("too large"));
        }
        if has_control(body) {
            return Err(CheckpointError::Malformed("control character"));
        }
        let lines = body.strip_suffix('\n').ok_or(CheckpointError::Malformed(
            "the last line must end in a newline",
        ))?;
        let mut lines = lines.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Malformed("fewer than three lines"));
        };
        // "The origin MUST be non-empty". (Its other rules are SHOULDs; the caller compares it
        // with the origin it expects.)
        if origin.is_empty() {
            return Err(CheckpointError::Malformed("empty origin line"));
        }
        let size = parse_decimal(size).ok_or(CheckpointError::Size)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::Root)?;
        let mut extensions = Vec::new();
        for line in lines {
            // "Extension lines, if any, MUST be non-empty."
            if line.is_empty() {
                return Err(CheckpointError::Malformed("empty extension line"));
            }
            if extensions.len() == MAX_CHECKPOINT_EXTENSIONS {
                return Err(CheckpointError::Malformed("too many extension lines"));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The signed checkpoint: the body signed as a note by `key` under the origin as key name.
    pub fn sign(&self, key: &SecretKey) -> Result<String, NoteError> {
        sign_note(&self.body(), &self.origin, key)
    }

    /// Verifies a signed checkpoint with `verifier`, parses it, and checks it is for `origin`.
    pub fn open(
        note: &[u8],
        verifier: &NoteVerifier,
        origin: &str,
    ) -> Result<Self, CheckpointError> {
        let checkpoint = Self::parse(verifier.verify(note)?)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::OriginMismatch {
                expected: clip(origin),
                found: clip(&checkpoint.origin),
            });
        }
        Ok(checkpoint)
    }
}

/// ASCII decimal with no sign and no leading zeros ("0" alone is zero), within u64.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};
    use std::sync::OnceLock;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn h(text: &str) -> Hash {
        Hash::from_slice(&unhex(text)).unwrap()
    }

    fn b64(text: &str) -> Hash {
        Hash::from_base64(text).unwrap()
    }

    /// Leaf hashes of "leaf 0", "leaf 1", … (the records of Go's tlog tests).
    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    fn memory_tree(leaves: &[Hash]) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for leaf in leaves {
            tree.push(*leaf).unwrap();
        }
        tree
    }

    #[test]
    fn a_tree_from_a_level_keeps_the_levels_above() {
        let leaves = leaves(300);
        let full = memory_tree(&leaves);
        for lowest in [1u8, 4] {
            let mut upper = MemoryTree::from_level(lowest);
            for leaf in &leaves {
                upper.push(*leaf).unwrap();
            }
            assert_eq!(upper.root(), full.root());
            assert_eq!(upper.size(), 300);
            for level in 0..lowest {
                assert!(upper.level(level).is_empty());
                let node = Node { level, index: 1 };
                assert_eq!(upper.read_hashes(&[node]), Err(MissingNode(node)));
            }
            for level in lowest..=8 {
                assert_eq!(upper.level(level), full.level(level));
            }
        }
    }

    /// One shared tree for the property tests.
    fn shared_tree() -> &'static (Vec<Hash>, MemoryTree) {
        static TREE: OnceLock<(Vec<Hash>, MemoryTree)> = OnceLock::new();
        TREE.get_or_init(|| {
            let leaves = leaves(1500);
            let tree = memory_tree(&leaves);
            (leaves, tree)
        })
    }

    fn flip(hash: &Hash, byte: usize, bit: u8) -> Hash {
        let mut out = *hash;
        out.0[byte] ^= 1 << bit;
        out
    }

    // -- RFC 6962 vectors, from transparency-dev/merkle testonly/constants.go and
    //    proof/verify_test.go.

    const RFC_LEAF_INPUTS: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    /// Root hashes by tree size, from the empty tree to 8 leaves.
    const RFC_ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Every complete node of the 8-leaf tree, level by level.
    const RFC_NODES: [&[&str]; 4] = [
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        &[
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        &[
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ];

    fn rfc_tree() -> (Vec<Hash>, MemoryTree) {
        let leaves: Vec<Hash> = RFC_LEAF_INPUTS
            .iter()
            .map(|input| leaf_hash(&unhex(input)))
            .collect();
        let tree = memory_tree(&leaves);
        (leaves, tree)
    }

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
    fn rfc6962_roots_and_nodes_match_the_transparency_dev_vectors() {
        let (leaves, tree) = rfc_tree();
        let mut frontier = Frontier::new();
        for (size, root) in RFC_ROOTS.iter().enumerate() {
            let root = h(root);
            assert_eq!(tree_hash(&leaves[..size]), root, "tree_hash size {size}");
            assert_eq!(frontier.root(), root, "frontier size {size}");
            assert_eq!(tree_root(size as u64, &tree), Ok(root), "tree_root {size}");
            if let Some(leaf) = leaves.get(size) {
                frontier.append(*leaf).unwrap();
            }
        }
        for (level, nodes) in RFC_NODES.iter().enumerate() {
            let want: Vec<Hash> = nodes.iter().map(|n| h(n)).collect();
            assert_eq!(tree.level(level as u8), want.as_slice(), "level {level}");
        }
        assert_eq!(tree.root(), h(RFC_ROOTS[8]));
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

    #[test]
    fn frontier_appends_report_every_completed_node_and_recover_from_storage() {
        let leaves = leaves(300);
        let mut frontier = Frontier::new();
        let mut tree = MemoryTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            let size = i as u64;
            assert_eq!(frontier.size(), size);
            assert_eq!(frontier.root(), tree_hash(&leaves[..i]));
            assert_eq!(Frontier::read(size, &tree), Ok(frontier.clone()));
            let nodes = Frontier::nodes_for_size(size);
            // The right-edge nodes tile [0, size) without gaps, largest first.
            let mut next = 0;
            for node in &nodes {
                assert_eq!(node.index << node.level, next);
                next += 1 << node.level;
            }
            assert_eq!(next, size);

            let completed = frontier.append(*leaf).unwrap();
            tree.push(*leaf).unwrap();
            assert_eq!(completed.len(), size.trailing_ones() as usize + 1);
            for (node, hash) in completed {
                assert_eq!(tree.node(node), Some(hash), "{node:?}");
            }
        }
        assert_eq!(
            Frontier::from_roots(5, vec![EMPTY_ROOT]),
            Err(FrontierError::RootCount {
                size: 5,
                expected: 2,
                actual: 1
            })
        );
        let mut full = Frontier::from_roots(u64::MAX, vec![EMPTY_ROOT; 64]).unwrap();
        assert_eq!(full.append(EMPTY_ROOT), Err(FrontierError::Full));
        assert_eq!(full.size(), u64::MAX);
    }

    // -- Tiles

    #[test]
    fn tile_paths_follow_c2sp_and_go_vectors() {
        // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
        let tile = Tile::new(0, 1_234_067, 256).unwrap();
        assert_eq!(tile.path(), "tile/0/x001/x234/067");
        assert_eq!(Tile::parse_path("tile/0/x001/x234/067"), Ok(tile));
        // Go's sumdb/tlog tilePaths (which also carry the height, always 8 here).
        for (path, level, index, width) in [
            ("tile/0/001", 0, 1, 256),
            ("tile/0/001.p/5", 0, 1, 5),
            ("tile/1/x003/x057/500", 1, 3_057_500, 256),
        ] {
            let tile = Tile::new(level, index, width).unwrap();
            assert_eq!(tile.path(), path);
            assert_eq!(Tile::parse_path(path), Ok(tile));
        }
        let tile = Tile::new(3, 123_456_078, 2).unwrap();
        assert_eq!(tile.path(), "tile/3/x123/x456/078.p/2");
        assert_eq!(Tile::parse_path("tile/3/x123/x456/078.p/2"), Ok(tile));
        assert_eq!(Tile::new(0, 0, 255).unwrap().path(), "tile/0/000.p/255");
        assert_eq!(Tile::new(2, 1000, 1).unwrap().path(), "tile/2/x001/000.p/1");

        let bundle = EntryBundle::new(1_234_067, 256).unwrap();
        assert_eq!(bundle.path(), "tile/entries/x001/x234/067");
        assert_eq!(EntryBundle::parse_path(&bundle.path()), Ok(bundle));
        let bundle = EntryBundle::new(3_057_500, 9).unwrap();
        assert_eq!(bundle.path(), "tile/entries/x003/x057/500.p/9");
        assert_eq!(EntryBundle::parse_path(&bundle.path()), Ok(bundle));

        assert_eq!(format_index(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
        assert_eq!(
            parse_index("x018/x446/x744/x073/x709/x551/615"),
            Some(u64::MAX)
        );
        assert_eq!(parse_index("x018/x446/x744/x073/x709/x551/616"), None);
        assert_eq!(parse_index("x001/x018/x446/x744/x073/x709/x551/615"), None);
    }

    #[test]
    fn malformed_and_impossible_tile_paths_are_refused() {
        for path in [
            "",
            "tile",
            "tile/",
            "tile/0",
            "tile/0/",
            "tile/0/1",
            "tile/0/01",
            "tile/0/0001",
            "tile/00/001",
            "tile/01/001",
            "tile/-1/001",
            "tile/+1/001",
            "tile/0/x001",
            "tile/0/001/",
            "/tile/0/001",
            "tile/0/x000/001",
            "tile/0/001/x234",
            "tile/0/123/456/078",
            "tile/0/x123/x456/078/",
            "tile/0/X001/234",
            "tile/0/001.p/",
            "tile/0/001.p/0",
            "tile/0/001.p/00",
            "tile/0/001.p/05",
            "tile/0/001.p/256",
            "tile/0/001.p/1000",
            "tile/0/001.p/5/",
            "tile/0/001.p5",
            "tile/0/001.P/5",
            "tile/64/000",
            "tile/100/000",
            "tile/entries/000",
            "tile/data/x003/x057/500",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/ 001",
            "tile/０/001",
        ] {
            assert!(
                matches!(Tile::parse_path(path), Err(TileError::Path(_))),
                "{path:?}"
            );
        }
        for path in [
            "tile/8/000",
            "tile/63/000",
            "tile/7/001",
            "tile/1/x281/x474/x976/x710/656",
        ] {
            assert!(
                matches!(Tile::parse_path(path), Err(TileError::OutOfRange { .. })),
                "{path:?}"
            );
        }
        for path in [
            "tile/entries/",
            "tile/entries/1",
            "tile/entries/x000/001",
            "tile/entries/001.p/256",
            "tile/entries/001.p/0",
            "tile/0/001",
            "tile/entries/entries/001",
        ] {
            assert!(EntryBundle::parse_path(path).is_err(), "{path:?}");
        }
        // The largest tiles that exist, and the smallest that do not.
        assert!(Tile::new(0, u64::MAX >> 8, 255).is_ok());
        assert!(Tile::new(0, u64::MAX >> 8, 256).is_err());
        assert!(Tile::new(7, 0, 255).is_ok());
        assert!(Tile::new(7, 0, 256).is_err());
        assert!(Tile::new(7, 1, 1).is_err());
        assert!(Tile::new(8, 0, 1).is_err());
        assert!(Tile::new(0, 0, 0).is_err());
        assert!(Tile::new(0, 0, 257).is_err());
        assert!(EntryBundle::new(u64::MAX >> 8, 255).is_ok());
        assert!(EntryBundle::new(u64::MAX >> 8, 256).is_err());
        assert!(EntryBundle::new(0, 0).is_err());
    }

    #[test]
    fn tiles_for_the_tlog_tiles_examples() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17,
        // and one partial level 2 tile of width 1."
        let tiles = tiles_between(0, 70_000);
        let at = |level: u8| -> Vec<Tile> {
            tiles
                .iter()
                .filter(|t| t.level() == level)
                .copied()
                .collect()
        };
        let level0 = at(0);
        assert_eq!(level0.len(), 274);
        assert!(level0[..273].iter().all(|t| !t.is_partial()));
        assert_eq!(level0[273], Tile::new(0, 273, 112).unwrap());
        assert_eq!(
            at(1),
            vec![Tile::new(1, 0, 256).unwrap(), Tile::new(1, 1, 17).unwrap()]
        );
        assert_eq!(at(2), vec![Tile::new(2, 0, 1).unwrap()]);
        assert_eq!(tiles.len(), 277);
        // "Note that a tree of size 256 will be represented by a full level 0 tile and a partial
        // level 1 tile of width 1."
        assert_eq!(
            tiles_between(0, 256),
            vec![Tile::new(0, 0, 256).unwrap(), Tile::new(1, 0, 1).unwrap()]
        );
        assert_eq!(
            tiles_between(255, 256),
            vec![Tile::new(0, 0, 256).unwrap(), Tile::new(1, 0, 1).unwrap()]
        );
        assert_eq!(tiles_between(256, 300), vec![Tile::new(0, 1, 44).unwrap()]);
        assert_eq!(tiles_between(100, 101), vec![Tile::new(0, 0, 101).unwrap()]);
        assert_eq!(tiles_between(100, 100), vec![]);
        assert_eq!(tiles_between(100, 50), vec![]);
        assert_eq!(tiles_between(0, 0), vec![]);
        assert_eq!(
            tiles_between(u64::MAX - 1, u64::MAX),
            vec![Tile::new(0, (1 << 56) - 1, 255).unwrap()]
        );
        // One more leaf carries through every level up to the highest tile that can exist.
        let top = tiles_between((1 << 56) * 255 - 1, (1 << 56) * 255);
        assert_eq!(top.len(), 8);
        assert_eq!(top[7], Tile::new(7, 0, 255).unwrap());
        assert!(top.iter().all(|t| t.width() == 256 || t.level() == 7));

        let bundles = entry_bundles_between(0, 70_000);
        assert_eq!(bundles.len(), 274);
        assert_eq!(bundles[273], EntryBundle::new(273, 112).unwrap());
        assert_eq!(bundles[273].entry_indexes(), 69_888..70_000);
        assert_eq!(
            entry_bundles_between(70_000, 70_300),
            vec![
                EntryBundle::new(273, 256).unwrap(),
                EntryBundle::new(274, 156).unwrap()
            ]
        );
    }

    /// Reads nodes from published tiles only, as a registry or a client would.
    struct TileReader(HashMap<(u8, u64), Vec<Hash>>);

    impl HashReader for TileReader {
        type Error = MissingNode;
        fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, MissingNode> {
            nodes
                .iter()
                .map(|&node| {
                    let (tile, span) = node.tile_span().map_err(|_| MissingNode(node))?;
                    let hashes = self
                        .0
                        .get(&(tile.level(), tile.index()))
                        .ok_or(MissingNode(node))?;
                    let run = hashes.get(span).ok_or(MissingNode(node))?;
                    Ok(tree_hash(run))
                })
                .collect()
        }
    }

    /// Publishes the tiles of a tree of `size` from the nodes of `tree`, through bytes.
    fn publish(tree: &MemoryTree, size: u64) -> TileReader {
        let mut tiles = HashMap::new();
        for tile in tiles_between(0, size) {
            let range = tile.hash_indexes();
            let hashes = &tree.level(tile.hash_level())[range.start as usize..range.end as usize];
            let bytes = tile.encode(hashes).unwrap();
            assert_eq!(bytes.len(), usize::from(tile.width()) * 32);
            tiles.insert((tile.level(), tile.index()), tile.decode(&bytes).unwrap());
        }
        TileReader(tiles)
    }

    #[test]
    fn tiles_hold_the_tree_and_every_proof_can_be_read_from_them() {
        let leaves = leaves(70_000);
        let tree = memory_tree(&leaves);
        let all = publish(&tree, 70_000);
        // "At “level 1” and above, each hash in a tile is the Merkle Tree Hash of a *full* tile
        // at the level below."
        for ((level, index), hashes) in &all.0 {
            if *level == 0 {
                continue;
            }
            for (i, hash) in hashes.iter().enumerate() {
                let below = &all.0[&(level - 1, index * 256 + i as u64)];
                assert_eq!(below.len(), 256);
                assert_eq!(tree_hash(below), *hash);
            }
        }
        // Every node of every level (to 16) is rebuilt from its tile span.
        for level in 0..=16u8 {
            for (index, hash) in tree.level(level).iter().enumerate().step_by(97) {
                let node = Node::new(level, index as u64);
                assert_eq!(all.read_hashes(&[node]), Ok(vec![*hash]), "{node:?}");
            }
        }
        // Proofs read from the tiles of a tree of each size equal proofs read from every node.
        for size in [
            1u64, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000,
        ] {
            let tiles = publish(&tree, size);
            assert_eq!(
                tree_root(size, &tiles),
                Ok(tree_hash(&leaves[..size as usize]))
            );
            for index in [0, size / 3, size / 2, size - 1] {
                assert_eq!(
                    inclusion_proof(index, size, &tiles),
                    Ok(inclusion_proof(index, size, &tree).unwrap())
                );
            }
            for old in [1, size / 3, size - 1, size] {
                assert_eq!(
                    consistency_proof(old, size, &tiles),
                    Ok(consistency_proof(old, size, &tree).unwrap())
                );
            }
            assert_eq!(Frontier::read(size, &tiles), Frontier::read(size, &tree));
        }
    }

    #[test]
    fn tile_bytes_must_be_exactly_the_width() {
        let tile = Tile::new(0, 0, 3).unwrap();
        let hashes = leaves(3);
        let bytes = tile.encode(&hashes).unwrap();
        assert_eq!(tile.decode(&bytes), Ok(hashes.clone()));
        assert_eq!(
            tile.decode(&bytes[..95]),
            Err(TileError::TileLength {
                width: 3,
                expected: 96,
                actual: 95
            })
        );
        assert!(tile.decode(&[bytes.clone(), vec![0]].concat()).is_err());
        assert!(tile.decode(&[]).is_err());
        assert_eq!(
            tile.encode(&hashes[..2]),
            Err(TileError::WrongCount {
                width: 3,
                actual: 2
            })
        );
    }

    #[test]
    fn entry_bundles_are_uint16_length_prefixed_and_bounded() {
        let bundle = EntryBundle::new(0, 3).unwrap();
        let big = vec![7u8; MAX_ENTRY_SIZE];
        let entries: [&[u8]; 3] = [b"", b"a", &big];
        let bytes = bundle.encode(&entries).unwrap();
        assert_eq!(&bytes[..5], &[0, 0, 0, 1, b'a']);
        assert_eq!(&bytes[5..7], &[0xff, 0xff]);
        assert_eq!(bytes.len(), 2 + 3 + 2 + MAX_ENTRY_SIZE);
        assert_eq!(bundle.decode(&bytes), Ok(entries.to_vec()));

        let too_big = vec![0u8; MAX_ENTRY_SIZE + 1];
        assert_eq!(
            bundle.encode(&[b"".as_slice(), b"", &too_big]),
            Err(TileError::EntryTooLarge(MAX_ENTRY_SIZE + 1))
        );
        assert!(matches!(
            bundle.encode(&[b"x"]),
            Err(TileError::WrongCount { .. })
        ));
        assert_eq!(bundle.decode(&[0]), Err(TileError::BundleTruncated));
        assert_eq!(
            bundle.decode(&[0, 5, 1, 2]),
            Err(TileError::BundleTruncated)
        );
        assert_eq!(
            bundle.decode(&[0, 0, 0, 0]),
            Err(TileError::WrongCount {
                width: 3,
                actual: 2
            })
        );
        assert_eq!(
            bundle.decode(&[0, 0, 0, 0, 0, 0, 0, 0]),
            Err(TileError::WrongCount {
                width: 3,
                actual: 4
            })
        );
        assert_eq!(
            bundle.decode(&[]),
            Err(TileError::WrongCount {
                width: 3,
                actual: 0
            })
        );
    }

    // -- Signed notes: Go's golang.org/x/mod/sumdb/note test vectors.

    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    /// The base64 part of "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK…": 0x01 ‖ Ed25519 seed.
    const PETER_SKEY: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn peter_secret() -> SecretKey {
        let bytes = STANDARD.decode(PETER_SKEY).unwrap();
        assert_eq!(bytes[0], 0x01);
        SecretKey::from_seed(&bytes[1..].try_into().unwrap())
    }

    fn note(parts: &[&str]) -> Vec<u8> {
        parts.concat().into_bytes()
    }

    #[test]
    fn go_verifier_key_parses_and_round_trips() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(peter.name(), "PeterNeumann");
        assert_eq!(peter.key_id(), 0xc74f_20a3);
        assert_eq!(key_id("PeterNeumann", peter.key()), 0xc74f_20a3);
        assert_eq!(peter.vkey(), PETER_VKEY);
        assert_eq!(*peter.key(), peter_secret().public());
        let enoch = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
        assert_eq!(enoch.key_id(), 0xaf0c_fe78);
        assert_eq!(enoch.vkey(), ENOCH_VKEY);
    }

    #[test]
    fn mangled_verifier_keys_are_refused() {
        // Go's TestNewVerifier: every proper substring and every single-byte change fails.
        let bytes = PETER_VKEY.as_bytes();
        for i in 0..=bytes.len() {
            for j in i + 1..=bytes.len() {
                if (i, j) != (0, bytes.len()) {
                    let text = std::str::from_utf8(&bytes[i..j]).unwrap();
                    assert!(NoteVerifier::from_vkey(text).is_err(), "{text:?}");
                }
            }
        }
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] += 1;
            let text = String::from_utf8(changed).unwrap();
            assert!(NoteVerifier::from_vkey(&text).is_err(), "{text:?}");
        }
        // Wrong key length and unknown algorithm, each with a key hash adjusted to match.
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
        // Uppercase hex is not the canonical form.
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }

    #[test]
    fn signs_exactly_as_go_sumdb_note_does() {
        // Go's TestSign: Ed25519 is deterministic, so the whole note must match byte for byte.
        let signed = sign_note(TEXT, "PeterNeumann", &peter_secret()).unwrap();
        assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
        assert!(matches!(
            sign_note("abc", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        assert!(matches!(
            sign_note("", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        assert!(matches!(
            sign_note("a\u{1}b\n", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        for name in ["", "a+b", "a b", "a\u{3000}b", "a\tb"] {
            assert!(
                matches!(
                    sign_note(TEXT, name, &peter_secret()),
                    Err(NoteError::KeyName(_))
                ),
                "{name:?}"
            );
        }
        let huge = format!("{}\n", "a".repeat(MAX_NOTE_SIZE));
        assert!(matches!(
            sign_note(&huge, "PeterNeumann", &peter_secret()),
            Err(NoteError::TooLarge(_))
        ));
    }

    #[test]
    fn opens_notes_as_go_sumdb_note_does() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        let enoch = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
        let both = note(&[TEXT, "\n", PETER_SIG, ENOCH_SIG]);
        // One signature verified, the other from an unknown key ignored; and the other way round.
        assert_eq!(peter.verify(&both), Ok(TEXT));
        assert_eq!(enoch.verify(&both), Ok(TEXT));
        // Duplicated signatures.
        let dup = note(&[TEXT, "\n", PETER_SIG, PETER_SIG, ENOCH_SIG, ENOCH_SIG]);
        assert_eq!(peter.verify(&dup), Ok(TEXT));
        // Only an unknown key's signature.
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", ENOCH_SIG])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // A signature by the known key that does not verify.
        let bad_sig = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &bad_sig])),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        let other_text = TEXT.replace("cryptography", "cryptographY");
        assert_eq!(
            peter.verify(&note(&[&other_text, "\n", PETER_SIG])),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        // Same key, other name; same name, other key ID: unknown keys, ignored.
        let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &misnamed])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        let wrong_id = PETER_SIG.replace("x08g", "xxxx");
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &wrong_id])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // Go's badMsgs.
        let no_newline = &PETER_SIG[..PETER_SIG.len() - 1];
        for bad in [
            note(&[TEXT]),
            note(&[TEXT, "\n"]),
            note(&[TEXT, "\n", no_newline]),
            note(&["\u{1}", TEXT, "\n", PETER_SIG]),
            [b"\xff".as_slice(), &note(&[TEXT, "\n", PETER_SIG])].concat(),
            note(&[TEXT, "\n", "\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="]),
            note(&[TEXT, "\n", PETER_SIG, "Unexpected line.\n"]),
            note(&[TEXT, "\n", PETER_SIG, "\n"]),
            note(&[TEXT, "\n", "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"]),
            note(&[TEXT, "\n", "\u{2014} PeterNeumann AAAA\n"]),
            note(&[TEXT, "\n", "\u{2014} PeterNeumann not base64\n"]),
            note(&[TEXT, "\r\n", PETER_SIG]),
        ] {
            assert!(
                matches!(peter.verify(&bad), Err(NoteError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        // Too many signatures (Go refuses 101); 16 unknown ones plus ours are fine.
        let many = note(&[TEXT, "\n", &PETER_SIG.repeat(101)]);
        assert_eq!(
            peter.verify(&many),
            Err(NoteError::Malformed("too many signatures"))
        );
        let sixteen = note(&[TEXT, "\n", &ENOCH_SIG.repeat(16), PETER_SIG]);
        assert_eq!(peter.verify(&sixteen), Ok(TEXT));
        let huge = vec![b'a'; MAX_NOTE_SIZE + 1];
        assert_eq!(
            peter.verify(&huge),
            Err(NoteError::TooLarge(MAX_NOTE_SIZE + 1))
        );
    }

    #[test]
    fn the_c2sp_examples_are_well_formed_notes_signed_by_keys_we_do_not_know() {
        // signed-note.md: a text with an empty line and non-ASCII characters.
        let quasimodo = "Ognuno sta solo sul cuor della terra\n\
                         trafitto da un raggio di sole:\n\
                         \n\
                         ed è subito sera.\n\
                         \n\
                         \u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(
            peter.verify(quasimodo.as_bytes()),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // tlog-checkpoint.md.
        let sofa = "example.com/behind-the-sofa\n\
                    20852163\n\
                    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
                    \n\
                    \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let stranger =
            NoteVerifier::new("example.com/behind-the-sofa", peter_secret().public()).unwrap();
        assert_eq!(
            Checkpoint::open(sofa.as_bytes(), &stranger, "example.com/behind-the-sofa"),
            Err(CheckpointError::Note(NoteError::NotSigned(
                "example.com/behind-the-sofa".into()
            )))
        );
        let body = sofa.split("\n\n").next().unwrap().to_owned() + "\n";
        let checkpoint = Checkpoint::parse(&body).unwrap();
        assert_eq!(checkpoint.origin(), "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size(), 20_852_163);
        assert_eq!(
            checkpoint.root().to_base64(),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert_eq!(checkpoint.body(), body);
    }

    // -- Checkpoints

    #[test]
    fn checkpoint_body_matches_go_format_tree() {
        // Go's sumdb/tlog TestFormatTree / TestParseTree.
        let golden =
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
        let checkpoint = Checkpoint::parse(golden).unwrap();
        assert_eq!(checkpoint.origin(), "go.sum database tree");
        assert_eq!(checkpoint.size(), 123_456_789_012);
        assert_eq!(*checkpoint.root(), leaf_hash(b"hello world"));
        assert_eq!(checkpoint.extensions(), &[] as &[String]);
        assert_eq!(checkpoint.body(), golden);
        // We parse that origin but do not sign under it: a key name has no spaces.
        assert!(matches!(
            Checkpoint::new("go.sum database tree", 1, EMPTY_ROOT),
            Err(CheckpointError::Origin(_))
        ));
        let ours = Checkpoint::new("registry.example/log", 0, EMPTY_ROOT).unwrap();
        assert_eq!(
            ours.body(),
            "registry.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        );
        assert_eq!(Checkpoint::parse(&ours.body()), Ok(ours));
        let max = Checkpoint::new("o", u64::MAX, EMPTY_ROOT).unwrap();
        assert_eq!(Checkpoint::parse(&max.body()), Ok(max));
    }

    #[test]
    fn checkpoint_parsing_is_strict() {
        let root = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=";
        let with = |size: &str, root: &str| format!("o\n{size}\n{root}\n");
        for size in [
            "",
            "0123",
            "00",
            "+1",
            "-1",
            "1.0",
            " 1",
            "1 ",
            "0x1",
            "١",
            "18446744073709551616",
        ] {
            assert_eq!(
                Checkpoint::parse(&with(size, root)),
                Err(CheckpointError::Size),
                "{size:?}"
            );
        }
        for bad_root in [
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0",
            "TszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0==",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "",
        ] {
            assert_eq!(
                Checkpoint::parse(&with("1", bad_root)),
                Err(CheckpointError::Root),
                "{bad_root:?}"
            );
        }
        for bad in [
            String::new(),
            "o\n1\n".to_owned(),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\nmore\n"),
            format!("o\r\n1\n{root}\n"),
            format!(
                "o\n1\n{root}\n{}",
                "ext\n".repeat(MAX_CHECKPOINT_EXTENSIONS + 1)
            ),
        ] {
            assert!(
                matches!(Checkpoint::parse(&bad), Err(CheckpointError::Malformed(_))),
                "{bad:?}"
            );
        }
        let extended = format!("o\n1\n{root}\nfirst extension\nsecond\n");
        let checkpoint = Checkpoint::parse(&extended).unwrap();
        assert_eq!(checkpoint.extensions(), ["first extension", "second"]);
        assert_eq!(checkpoint.body(), extended);
    }

    #[test]
    fn signed_checkpoints_open_only_with_the_right_key_and_origin() {
        let key = SecretKey::from_seed(&[7; 32]);
        let origin = "registry.scs.example/log";
        let verifier = NoteVerifier::new(origin, key.public()).unwrap();
        let checkpoint = Checkpoint::new(origin, 5, leaf_hash(b"root")).unwrap();
        let signed = checkpoint.sign(&key).unwrap();
        assert!(signed.starts_with(&format!("{}\n\u{2014} {origin} ", checkpoint.body())));
        assert_eq!(
            Checkpoint::open(signed.as_bytes(), &verifier, origin),
            Ok(checkpoint.clone())
        );
        // The verifier key string works the same way.
        let from_vkey = NoteVerifier::from_vkey(&verifier.vkey()).unwrap();
        assert_eq!(from_vkey, verifier);
        assert!(matches!(
            Checkpoint::open(signed.as_bytes(), &verifier, "other.example/log"),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        let tampered = signed.replacen("\n5\n", "\n6\n", 1);
        assert_eq!(
            Checkpoint::open(tampered.as_bytes(), &verifier, origin),
            Err(CheckpointError::Note(NoteError::BadSignature(
                origin.into()
            )))
        );
        let stranger = NoteVerifier::new(origin, SecretKey::from_seed(&[8; 32]).public()).unwrap();
        assert_eq!(
            Checkpoint::open(signed.as_bytes(), &stranger, origin),
            Err(CheckpointError::Note(NoteError::NotSigned(origin.into())))
        );
        // A note that verifies but is not a checkpoint.
        let not_checkpoint = sign_note("hello\n", origin, &key).unwrap();
        assert!(matches!(
            Checkpoint::open(not_checkpoint.as_bytes(), &verifier, origin),
            Err(CheckpointError::Malformed(_))
        ));
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

        #[test]
        fn tile_paths_round_trip(level in 0..8u8, index in any::<u64>(), width in 1..=256u16) {
            let index = index.checked_shr(8 * u32::from(level) + 8).unwrap_or(0);
            if let Ok(tile) = Tile::new(level, index, width) {
                prop_assert_eq!(Tile::parse_path(&tile.path()), Ok(tile));
            }
            if let Ok(bundle) = EntryBundle::new(index, width) {
                prop_assert_eq!(EntryBundle::parse_path(&bundle.path()), Ok(bundle));
            }
        }

        #[test]
        fn tile_path_parsing_never_panics(path in "tile/[0-9a-z./x]{0,40}") {
            let _ = Tile::parse_path(&path);
            let _ = EntryBundle::parse_path(&path);
        }

        #[test]
        fn publishing_in_steps_yields_every_tile_of_the_tree(
            sizes in prop::collection::btree_set(0..200_000u64, 1..6)
        ) {
            // Whatever checkpoints a log publishes on the way, the latest width of every tile
            // is the tile of the final tree.
            let sizes: Vec<u64> = sizes.into_iter().collect();
            let mut latest: HashMap<(u8, u64), Tile> = HashMap::new();
            let mut bundles: HashMap<u64, EntryBundle> = HashMap::new();
            let mut previous = 0;
            for &size in &sizes {
                for tile in tiles_between(previous, size) {
                    latest.insert((tile.level(), tile.index()), tile);
                }
                for bundle in entry_bundles_between(previous, size) {
                    bundles.insert(bundle.index(), bundle);
                }
                previous = size;
            }
            let last = *sizes.last().unwrap();
            let got: BTreeSet<Tile> = latest.into_values().collect();
            let want: BTreeSet<Tile> = tiles_between(0, last).into_iter().collect();
            prop_assert_eq!(got, want);
            let got: BTreeSet<EntryBundle> = bundles.into_values().collect();
            let want: BTreeSet<EntryBundle> = entry_bundles_between(0, last).into_iter().collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn entry_bundles_round_trip(
            entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..=256)
        ) {
            let bundle = EntryBundle::new(0, entries.len() as u16).unwrap();
            let bytes = bundle.encode(&entries).unwrap();
            let decoded = bundle.decode(&bytes).unwrap();
            prop_assert_eq!(decoded, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
            if bytes.len() > 1 {
                prop_assert!(bundle.decode(&bytes[..bytes.len() - 1]).is_err());
            }
        }

        #[test]
        fn note_verification_never_panics(text in "\\PC{0,200}") {
            let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
            let _ = peter.verify(text.as_bytes());
            let _ = Checkpoint::parse(&text);
            let _ = NoteVerifier::from_vkey(&text);
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
