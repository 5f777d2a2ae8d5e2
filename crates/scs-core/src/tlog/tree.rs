//! The tree as stored: [`Node`] (which complete subtree), [`HashReader`] (how stored node
//! hashes are read), and the two ways to grow a tree — [`Frontier`], the O(log n) right edge a
//! log keeps in memory, and [`MemoryTree`], every node, for tests, tools and small logs.
//!
//! RFC 9162 §2.1.1 defines the tree; growing it leaf by leaf and reporting each completed node is
//! what lets the registry store exactly the hashes that the C2SP tiles ([`super::tiles`]) and the
//! proofs ([`super::proof`]) later read back.

use thiserror::Error;

use super::hash::{fold_right, node_hash, Hash};

/// A complete subtree: the node at `level` (0 = leaves) and `index` covers leaves
/// `[index·2^level, (index+1)·2^level)`. Which tile holds its hash: [`Node::tile_span`].
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

/// Reads `nodes` in one call and checks the reader kept its contract.
pub(super) fn read_nodes<R: HashReader + ?Sized>(
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

    /// The tree head: MTH of all leaves so far ([`EMPTY_ROOT`](super::EMPTY_ROOT) for none).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::testutil::*;
    use crate::tlog::{tree_hash, tree_root, EMPTY_ROOT};

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
}
