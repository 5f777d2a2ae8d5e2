//! The C2SP `tlog-tiles` layout (<https://c2sp.org/tlog-tiles>): hash [`Tile`]s, which hold
//! every eighth level of the tree, and [`EntryBundle`]s, which hold the log entries themselves;
//! their canonical paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), their bytes, and
//! which of them change when the tree grows ([`tiles_between`], [`entry_bundles_between`]).
//!
//! Tiles and entry bundles share one path grammar, one width rule and one error type, so they
//! share this file. [`Node::tile_span`] (which tile a node's hash is read from) is here too: it is
//! the tile layout's answer to a tree question.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use thiserror::Error;

use super::clip;
use super::hash::{tree_hash, Hash, HASH_SIZE};
use super::tree::{HashReader, Node};

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

    /// The tile at tile level `level` and index `index` as the tree of `size` publishes it:
    /// full, or — on the tree's right edge — partial at its width in that tree ("the partial tile
    /// at level *l* for a tree of size *s* has `floor(s / 256**l) mod 256` entries"). `None`
    /// when that tree holds no hash of it.
    pub fn in_tree(level: u8, index: u64, size: u64) -> Option<Self> {
        let count = size.checked_shr(u32::from(TILE_HEIGHT) * u32::from(level))?;
        let start = index.checked_mul(u64::from(TILE_WIDTH))?;
        let width = count.checked_sub(start).filter(|w| *w > 0)?;
        Self::new(level, index, width.min(u64::from(TILE_WIDTH)) as u16).ok()
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

/// Reads node hashes from the C2SP tiles of the tree of `size`, as a client of a tiled log
/// does: each tile is asked of `load` once, as that tree publishes it ([`Tile::in_tree`]), kept,
/// and every node rebuilt from its span ([`Node::tile_span`]). Where tiles come from — a
/// registry over HTTP, a folder of published files — is the caller's; tiles already at hand can
/// be given with [`TileHashReader::insert`]. Only proofs and roots computed from these hashes
/// and checked against a signed checkpoint make them trustworthy.
pub struct TileHashReader<F> {
    size: u64,
    load: F,
    tiles: RefCell<HashMap<(u8, u64), Vec<Hash>>>,
}

/// Why a [`TileHashReader`] could not give a node's hash.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TileReadError<E> {
    /// The node is not in the tree of the reader's size.
    #[error("node at level {level}, index {index} is not in a tree of size {size}")]
    Outside {
        /// The node's level.
        level: u8,
        /// The node's index.
        index: u64,
        /// The tree size read.
        size: u64,
    },
    /// A tile held fewer hashes than its width.
    #[error("tile {0} holds fewer hashes than its width")]
    Short(String),
    /// Loading a tile failed.
    #[error("{0}")]
    Load(E),
}

impl<F> std::fmt::Debug for TileHashReader<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileHashReader")
            .field("size", &self.size)
            .field("tiles_held", &self.tiles.borrow().len())
            .finish_non_exhaustive()
    }
}

impl<F, E> TileHashReader<F>
where
    F: Fn(Tile) -> Result<Vec<Hash>, E>,
{
    /// A reader of the tree of `size`, loading tiles with `load` (which gets the tile at its
    /// width in that tree and returns its hashes, e.g. through [`Tile::decode`]).
    pub fn new(size: u64, load: F) -> Self {
        Self {
            size,
            load,
            tiles: RefCell::new(HashMap::new()),
        }
    }

    /// Gives the hashes of `tile` (at its width in the tree of this reader's size), so that
    /// they are not loaded.
    pub fn insert(&self, tile: Tile, hashes: Vec<Hash>) {
        self.tiles
            .borrow_mut()
            .insert((tile.level(), tile.index()), hashes);
    }

    fn read_one(&self, node: Node) -> Result<Hash, TileReadError<E>> {
        let outside = || TileReadError::Outside {
            level: node.level,
            index: node.index,
            size: self.size,
        };
        let (smallest, span) = node.tile_span().map_err(|_| outside())?;
        let tile =
            Tile::in_tree(smallest.level(), smallest.index(), self.size).ok_or_else(outside)?;
        if tile.width() < smallest.width() {
            return Err(outside());
        }
        let key = (tile.level(), tile.index());
        if !self.tiles.borrow().contains_key(&key) {
            let hashes = (self.load)(tile).map_err(TileReadError::Load)?;
            self.tiles.borrow_mut().insert(key, hashes);
        }
        let tiles = self.tiles.borrow();
        let run = tiles
            .get(&key)
            .and_then(|hashes| hashes.get(span))
            .ok_or_else(|| TileReadError::Short(tile.path()))?;
        Ok(tree_hash(run))
    }
}

impl<F, E> HashReader for TileHashReader<F>
where
    F: Fn(Tile) -> Result<Vec<Hash>, E>,
{
    type Error = TileReadError<E>;

    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, Self::Error> {
        nodes.iter().map(|&node| self.read_one(node)).collect()
    }
}

impl Node {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::testutil::*;
    use crate::tlog::{
        consistency_proof, inclusion_proof, tree_hash, tree_root, Frontier, HashReader, MemoryTree,
        MissingNode,
    };
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};

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
    fn a_tile_in_a_tree_has_that_trees_width() {
        // The tlog-tiles example: a tree of 70,000.
        assert_eq!(Tile::in_tree(0, 0, 70_000), Tile::new(0, 0, 256).ok());
        assert_eq!(Tile::in_tree(0, 273, 70_000), Tile::new(0, 273, 112).ok());
        assert_eq!(Tile::in_tree(0, 274, 70_000), None);
        assert_eq!(Tile::in_tree(1, 1, 70_000), Tile::new(1, 1, 17).ok());
        assert_eq!(Tile::in_tree(2, 0, 70_000), Tile::new(2, 0, 1).ok());
        assert_eq!(Tile::in_tree(3, 0, 70_000), None);
        assert_eq!(Tile::in_tree(0, 0, 0), None);
        assert_eq!(Tile::in_tree(8, 0, u64::MAX), None);
        assert_eq!(Tile::in_tree(0, u64::MAX, u64::MAX), None);
        assert_eq!(
            Tile::in_tree(7, 0, u64::MAX),
            Tile::new(7, 0, 255).ok(),
            "2^64 - 1 leaves make 255 hashes at tile level 7"
        );
        // Every tile a tree publishes is the tile `in_tree` names.
        for tile in tiles_between(0, 70_000) {
            assert_eq!(
                Tile::in_tree(tile.level(), tile.index(), 70_000),
                Some(tile)
            );
        }
    }

    #[test]
    fn a_tile_hash_reader_loads_each_tile_once_at_its_width_in_the_tree() {
        let leaves = leaves(70_000);
        let tree = memory_tree(&leaves);
        for size in [1u64, 255, 256, 257, 65_536, 70_000] {
            let published = publish(&tree, size);
            let asked = RefCell::new(Vec::new());
            let reader = TileHashReader::new(size, |tile: Tile| {
                asked.borrow_mut().push(tile);
                let hashes = published
                    .0
                    .get(&(tile.level(), tile.index()))
                    .ok_or("no such tile")?;
                // Loaded at the width the tree publishes, so no narrower or wider.
                assert_eq!(hashes.len(), usize::from(tile.width()));
                Ok::<_, &str>(hashes.clone())
            });
            assert_eq!(
                tree_root(size, &reader),
                Ok(tree_hash(&leaves[..size as usize]))
            );
            for old in [1, size / 2, size] {
                assert_eq!(
                    consistency_proof(old, size, &reader),
                    Ok(consistency_proof(old, size, &tree).unwrap())
                );
            }
            drop(reader);
            let asked = asked.into_inner();
            let distinct: BTreeSet<Tile> = asked.iter().copied().collect();
            assert_eq!(distinct.len(), asked.len(), "each tile loaded once");
        }
        // A node outside the tree is refused, not read from a wider tile; a failing load is
        // the loader's error.
        let reader = TileHashReader::new(3, |_: Tile| Err::<Vec<Hash>, _>("offline"));
        assert_eq!(
            reader.read_hashes(&[Node::new(2, 0)]),
            Err(TileReadError::Outside {
                level: 2,
                index: 0,
                size: 3
            })
        );
        assert_eq!(
            reader.read_hashes(&[Node::new(1, 0)]),
            Err(TileReadError::Load("offline"))
        );
        // Hashes given need not be loaded; too few of them are refused.
        reader.insert(Tile::new(0, 0, 3).unwrap(), leaves[..3].to_vec());
        assert_eq!(
            reader.read_hashes(&[Node::new(1, 0), Node::new(0, 2)]),
            Ok(vec![tree_hash(&leaves[..2]), leaves[2]])
        );
        reader.insert(Tile::new(0, 0, 3).unwrap(), leaves[..1].to_vec());
        assert!(matches!(
            reader.read_hashes(&[Node::new(0, 2)]),
            Err(TileReadError::Short(_))
        ));
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

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
    }
}
