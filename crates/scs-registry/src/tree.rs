//! The log's Merkle tree in memory: `scs_core::tlog::MemoryTree` (every complete subtree's
//! hash, about 64 bytes per entry) behind the few questions the registry asks of it.

use scs_core::tlog::{self, Hash, MemoryTree, Tile};

/// All complete-subtree hashes of the log.
#[derive(Debug, Default, Clone)]
pub struct Tree(MemoryTree);

impl Tree {
    /// Builds the tree over `leaves`.
    pub fn from_leaves(leaves: Vec<Hash>) -> Self {
        let mut tree = Self::default();
        for leaf in leaves {
            tree.append(leaf);
        }
        tree
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.0.size()
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) {
        // Only fails past 2^64 leaves.
        let _ = self.0.push(leaf);
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        tlog::tree_root(size, &self.0).ok()
    }

    /// Inclusion proof of leaf `index` in the tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if size > self.size() {
            return None;
        }
        tlog::inclusion_proof(index, size, &self.0).ok()
    }

    /// Consistency proof from the tree of `old` to the tree of `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size() {
            return None;
        }
        tlog::consistency_proof(old, new, &self.0).ok()
    }

    /// The encoded hashes of `tile`, if every hash it holds is complete.
    pub fn tile(&self, tile: &Tile) -> Option<Vec<u8>> {
        let range = tile.hash_indexes();
        let level = self.0.level(tile.hash_level());
        let start = usize::try_from(range.start).ok()?;
        let end = usize::try_from(range.end).ok()?;
        tile.encode(level.get(start..end)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_core::tlog::{leaf_hash, tree_hash, verify_consistency, verify_inclusion};

    #[test]
    fn proofs_and_tiles_of_a_small_log() {
        let leaves: Vec<Hash> = (0..600)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect();
        let tree = Tree::from_leaves(leaves.clone());
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
