//! A registry's log read through its C2SP tiles (`/v1/log/tile/…`), as any tlog client reads
//! it: from the registry itself or from a static mirror of it (`scs publish`), which has the
//! tiles but no proof endpoint. The hashes read here are trusted only through what is computed
//! from them and checked against a signed checkpoint.

use anyhow::{anyhow, bail, Context, Result};
use scs_core::tlog::{
    consistency_proof, EntryBundle, Hash, Tile, TileHashReader, HASH_SIZE, MAX_ENTRY_SIZE,
    TILE_WIDTH,
};

use crate::client::Registry;

/// The largest answer a tile of `tile`'s width can be.
fn tile_limit(tile: Tile) -> u64 {
    u64::from(tile.width()) * HASH_SIZE as u64
}

/// The largest answer an entry bundle of `bundle`'s width can be: each entry is a 2-byte length
/// and at most [`MAX_ENTRY_SIZE`] bytes.
pub fn bundle_limit(bundle: EntryBundle) -> u64 {
    u64::from(bundle.width()) * (2 + MAX_ENTRY_SIZE as u64)
}

/// The hashes of `tile`, fetched from `registry`. A partial tile that is gone (a log "MAY
/// delete any partial tile once the corresponding full tile is available", and a mirror does)
/// is read from the start of the full tile, as tlog-tiles lets clients do.
pub fn fetch_tile(registry: &Registry, tile: Tile) -> Result<Vec<Hash>> {
    let path = format!("/v1/log/{}", tile.path());
    if let Some(bytes) = registry.get_bytes_optional(&path, tile_limit(tile))? {
        return tile.decode(&bytes).with_context(|| path.clone());
    }
    if !tile.is_partial() {
        bail!("the registry has no tile {path} (404)");
    }
    let full = Tile::new(tile.level(), tile.index(), TILE_WIDTH)?;
    let full_path = format!("/v1/log/{}", full.path());
    let bytes = registry
        .get_bytes_at_most(&full_path, tile_limit(full))
        .with_context(|| format!("{path} is gone, and so is the full tile"))?;
    let mut hashes = full.decode(&bytes).with_context(|| full_path.clone())?;
    hashes.truncate(usize::from(tile.width()));
    Ok(hashes)
}

/// The consistency proof (RFC 9162 §2.1.4) from the tree of `old` to the tree of `new`,
/// computed from the registry's tiles of the tree of `new`: what a static mirror offers in place
/// of `/v1/log/proof/consistency`.
pub fn consistency_from_tiles(registry: &Registry, old: u64, new: u64) -> Result<Vec<Hash>> {
    let reader = TileHashReader::new(new, |tile| fetch_tile(registry, tile));
    consistency_proof(old, new, &reader)
        .map_err(|e| anyhow!("{e}"))
        .context("reading the log's tiles for a consistency proof")
}
