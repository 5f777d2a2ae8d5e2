//! The log's Merkle tree: every complete subtree's hash from level [`LOWEST_KEPT_LEVEL`] up in
//! memory (`scs_core::tlog::MemoryTree::from_level`, about 4 bytes per entry), the leaf hashes
//! read from the log store (`leaves.bin`, or the database) when a proof or a level-0 tile needs
//! them, and the nodes in between hashed from them (at most 2^(LOWEST_KEPT_LEVEL − 1) leaves,
//! one read, per node).
//!
//! A proof needs at most one node per level, so the low levels cost a proof three small reads
//! of a page-cached file and eleven hashes; keeping them would cost 28 of every 32 bytes an
//! entry takes in memory (56 MiB at a million credentials, two million entries). The nodes of
//! the newest [`RECENT_LEAVES`] leaves are kept as they complete, though: the writer gives an
//! inclusion proof for every entry of every batch it commits, all near the right edge, and
//! reading and hashing for each took about 5 % of its time.

use std::sync::Arc;

use scs_core::tlog::{self, Hash, HashReader, MemoryTree, MissingNode, Node, Tile};

use crate::log_store::LogStore;

/// The log's Merkle tree.
#[derive(Debug)]
pub struct Tree {
    upper: MemoryTree,
    recent: RecentLowNodes,
    leaves: Arc<dyn LogStore>,
}

/// Levels kept in memory start here; the ones below are hashed from the leaves on disk.
pub(crate) const LOWEST_KEPT_LEVEL: u8 = 4;

/// How many of the newest leaves keep their low nodes in memory: more than a batch of the
/// writer (512) and the aligned block before it.
pub(crate) const RECENT_LEAVES: u64 = 1024;

/// The nodes below [`LOWEST_KEPT_LEVEL`] over the newest [`RECENT_LEAVES`] leaves: per level, a
/// run of consecutive nodes (nodes of a level complete left to right).
#[derive(Debug, Default)]
struct RecentLowNodes {
    levels: [std::collections::VecDeque<Hash>; LOWEST_KEPT_LEVEL as usize],
    first: [u64; LOWEST_KEPT_LEVEL as usize],
}

impl RecentLowNodes {
    fn record(&mut self, node: Node, hash: Hash) {
        let level = usize::from(node.level);
        let (Some(run), Some(first)) = (self.levels.get_mut(level), self.first.get_mut(level))
        else {
            return;
        };
        if node.index != *first + run.len() as u64 {
            // Not the next one (never, as nodes complete in order): start the run again.
            run.clear();
            *first = node.index;
        }
        run.push_back(hash);
        let keep = (RECENT_LEAVES >> node.level).max(1) as usize;
        while run.len() > keep {
            run.pop_front();
            *first += 1;
        }
    }

    fn get(&self, node: Node) -> Option<Hash> {
        let level = usize::from(node.level);
        let offset = node.index.checked_sub(*self.first.get(level)?)?;
        self.levels
            .get(level)?
            .get(usize::try_from(offset).ok()?)
            .copied()
    }
}

/// A leaf that cannot be read from disk counts as missing: the proof is not given.
impl HashReader for Tree {
    type Error = MissingNode;

    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, MissingNode> {
        nodes
            .iter()
            .map(|&node| {
                let hash = if node.level < LOWEST_KEPT_LEVEL {
                    self.recent
                        .get(node)
                        .or_else(|| self.hash_of_leaves_on_disk(node))
                } else {
                    self.upper.node(node)
                };
                hash.ok_or(MissingNode(node))
            })
            .collect()
    }
}

impl Tree {
    /// Builds the tree over `leaves`, whose hashes `on_disk` reads back.
    pub fn from_leaves(leaves: Vec<Hash>, on_disk: Arc<dyn LogStore>) -> Self {
        let mut tree = Self {
            upper: MemoryTree::from_level(LOWEST_KEPT_LEVEL),
            recent: RecentLowNodes::default(),
            leaves: on_disk,
        };
        for leaf in leaves {
            tree.append(leaf);
        }
        tree
    }

    /// A complete node below the kept levels: the tree hash of its leaves (RFC 9162 §2.1.1:
    /// a complete subtree's hash is the tree hash of the leaves under it).
    fn hash_of_leaves_on_disk(&self, node: Node) -> Option<Hash> {
        let width = 1u64.checked_shl(u32::from(node.level))?;
        let first = node.index.checked_mul(width)?;
        let end = first.checked_add(width)?;
        if end > self.size() {
            return None;
        }
        let leaves = self.leaves.leaf_hashes(first..end).ok()?;
        (leaves.len() as u64 == width).then(|| tlog::tree_hash(&leaves))
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.upper.size()
    }

    /// Appends a leaf hash (already appended to the log store).
    pub fn append(&mut self, leaf: Hash) {
        // Only fails past 2^64 leaves.
        let recent = &mut self.recent;
        let _ = self
            .upper
            .push_reporting(leaf, |node, hash| recent.record(node, hash));
    }

    /// The root of the tree of the first `size` leaves. The whole tree's root comes from the
    /// frontier in memory and never fails; an older size may need a leaf read from disk.
    pub fn root(&self, size: u64) -> Option<Hash> {
        if size == self.size() {
            return Some(self.upper.root());
        }
        if size > self.size() {
            return None;
        }
        tlog::tree_root(size, self).ok()
    }

    /// Inclusion proof of leaf `index` in the tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if size > self.size() {
            return None;
        }
        tlog::inclusion_proof(index, size, self).ok()
    }

    /// Consistency proof from the tree of `old` to the tree of `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size() {
            return None;
        }
        tlog::consistency_proof(old, new, self).ok()
    }

    /// The encoded hashes of `tile`, if every hash it holds is complete.
    pub fn tile(&self, tile: &Tile) -> Option<Vec<u8>> {
        let range = tile.hash_indexes();
        if tile.hash_level() == 0 {
            if range.end > self.size() {
                return None;
            }
            return tile.encode(&self.leaves.leaf_hashes(range).ok()?).ok();
        }
        let level = self.upper.level(tile.hash_level());
        let start = usize::try_from(range.start).ok()?;
        let end = usize::try_from(range.end).ok()?;
        tile.encode(level.get(start..end)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log_store::FileLog;
    use scs_core::tlog::{tree_hash, verify_consistency, verify_inclusion};

    /// A file log in `dir` holding `entries`, and their leaf hashes.
    fn log_of(dir: &std::path::Path, entries: &[Vec<u8>]) -> (Arc<dyn LogStore>, Vec<Hash>) {
        let log = FileLog::open(Arc::new(scs_issuer::durable::RealDisk), dir).unwrap();
        let leaves = log.append(entries).unwrap();
        (Arc::new(log), leaves)
    }

    /// Every leaf of every tree size up to 70 (so every node below the kept levels, whole and
    /// at the ragged right edge) and every older size: proofs verify against roots computed
    /// from all the leaves.
    #[test]
    fn every_proof_of_small_trees() {
        let dir = tempfile::tempdir().unwrap();
        let entries: Vec<Vec<u8>> = (0..70).map(|i| format!("e{i}").into_bytes()).collect();
        let (log, leaves) = log_of(dir.path(), &entries);
        let tree = Tree::from_leaves(leaves.clone(), log);
        for size in 1..=70u64 {
            let root = tree_hash(&leaves[..size as usize]);
            assert_eq!(tree.root(size), Some(root), "root {size}");
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size).unwrap();
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
            }
            for old in 1..=size {
                let proof = tree.consistency_proof(old, size).unwrap();
                let old_root = tree_hash(&leaves[..old as usize]);
                verify_consistency(old, size, &old_root, &root, &proof).unwrap();
            }
        }
    }

    /// Proofs of leaves whose low nodes are kept (the newest) and of leaves whose low nodes
    /// are hashed from the disk, and across the boundary between them.
    #[test]
    fn proofs_from_kept_and_from_read_low_nodes() {
        let dir = tempfile::tempdir().unwrap();
        let count = RECENT_LEAVES * 2 + 37;
        let entries: Vec<Vec<u8>> = (0..count).map(|i| format!("e{i}").into_bytes()).collect();
        let (log, leaves) = log_of(dir.path(), &entries);
        let tree = Tree::from_leaves(leaves.clone(), log);
        let boundary = count - RECENT_LEAVES;
        for size in [boundary + 3, count - 1, count] {
            let root = tree_hash(&leaves[..size as usize]);
            let indexes = (0..20)
                .chain(boundary - 20..boundary + 20)
                .chain(size - 20..size)
                .filter(|&index| index < size);
            for index in indexes {
                let proof = tree
                    .inclusion_proof(index, size)
                    .unwrap_or_else(|| panic!("no proof of {index} in {size}"));
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
            }
        }
        // Low nodes the tail holds equal those hashed from the disk.
        for level in 0..LOWEST_KEPT_LEVEL {
            let width = 1u64 << level;
            for index in (count - 64) / width..count / width {
                let node = Node { level, index };
                assert_eq!(
                    tree.recent.get(node),
                    tree.hash_of_leaves_on_disk(node),
                    "{node:?}"
                );
            }
        }
        assert_eq!(
            tree.recent.get(Node { level: 0, index: 5 }),
            None,
            "an old leaf is read"
        );
    }

    #[test]
    fn proofs_and_tiles_of_a_small_log() {
        let dir = tempfile::tempdir().unwrap();
        let entries: Vec<Vec<u8>> = (0..600)
            .map(|i| format!("entry {i}").into_bytes())
            .collect();
        let (log, leaves) = log_of(dir.path(), &entries);
        let tree = Tree::from_leaves(leaves.clone(), log);
        for size in [1u64, 2, 3, 7, 8, 255, 256, 257, 600] {
            let root = tree.root(size).unwrap();
            assert_eq!(root, tree_hash(&leaves[..size as usize]));
            let index = size / 2;
            let proof = tree.inclusion_proof(index, size).unwrap();
            verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
            let old = size / 3;
            let proof = tree.consistency_proof(old, size).unwrap();
            verify_consistency(old, size, &tree.root(old).unwrap(), &root, &proof).unwrap();
        }
        assert!(tree.root(601).is_none());
        let full = Tile::new(0, 1, 256).unwrap();
        assert_eq!(tree.tile(&full).unwrap()[..32], leaves[256].0);
        assert!(
            tree.tile(&Tile::new(0, 2, 256).unwrap()).is_none(),
            "tile 2 is partial"
        );
        assert_eq!(
            tree.tile(&Tile::new(0, 2, 88).unwrap()).unwrap().len(),
            88 * 32
        );
    }
}
