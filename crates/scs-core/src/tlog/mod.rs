//! The transparency log (台帳) as pure arithmetic: RFC 6962 / RFC 9162 Merkle tree hashing and
//! proofs, the C2SP `tlog-tiles` layout, C2SP `tlog-checkpoint` bodies and C2SP `signed-note`
//! Ed25519 signatures.
//!
//! Nothing here reads a file, a clock or a random number generator. Stored hashes come in
//! through a [`HashReader`]; signing keys come in as arguments.
//!
//! One file per concern, each with its tests beside it; everything public is re-exported here,
//! so callers write `tlog::Hash`, never `tlog::hash::Hash`:
//! - `hash.rs` — hashing, RFC 9162 §2.1.1: [`leaf_hash`], [`node_hash`], [`EMPTY_ROOT`],
//!   [`tree_hash`].
//! - `tree.rs` — growing a log: [`Frontier`] keeps only the O(log n) right edge and reports every
//!   node an append completes, which is exactly what tiles and proofs later need; [`MemoryTree`]
//!   keeps every node, for tests and small logs. [`Node`] and [`HashReader`] name and read
//!   stored nodes.
//! - `proof.rs` — proofs, RFC 9162 §2.1.3–2.1.4: [`inclusion_proof`], [`consistency_proof`] and
//!   [`tree_root`] read nodes through a [`HashReader`]; [`verify_inclusion`] and
//!   [`verify_consistency`] are RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
//! - `tiles.rs` — C2SP tlog-tiles: [`Tile`], [`EntryBundle`], [`tiles_between`],
//!   [`entry_bundles_between`], [`Node::tile_span`] (which tile a node's hash is read from) and
//!   [`TileHashReader`] (node hashes read from a tree's tiles, as a client or mirror does).
//! - `note.rs` — C2SP signed-note: [`NoteVerifier`] and [`sign_note`].
//! - `checkpoint.rs` — C2SP tlog-checkpoint: [`Checkpoint`], the note body naming a tree head.
//!
//! Words used throughout: a *node* at *level* ℓ and *index* i is the root of the complete
//! subtree over leaves `[i·2^ℓ, (i+1)·2^ℓ)`; level 0 holds the leaf hashes. Tile levels are
//! counted separately: tile level L holds the nodes at tree level 8·L.
//!
//! References: RFC 9162 §2.1; <https://c2sp.org/tlog-tiles>, <https://c2sp.org/tlog-checkpoint>,
//! <https://c2sp.org/signed-note>; Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note`, whose
//! test vectors the unit tests reuse.

mod checkpoint;
mod hash;
mod note;
mod proof;
#[cfg(test)]
mod testutil;
mod tiles;
mod tree;

pub use checkpoint::{Checkpoint, CheckpointError, MAX_CHECKPOINT_EXTENSIONS};
pub use hash::{leaf_hash, node_hash, tree_hash, Hash, HashParseError, EMPTY_ROOT, HASH_SIZE};
pub use note::{key_id, sign_note, NoteError, NoteVerifier, MAX_NOTE_SIGNATURES, MAX_NOTE_SIZE};
pub use proof::{
    consistency_proof, inclusion_proof, tree_root, verify_consistency, verify_inclusion, ProofError,
};
pub use tiles::{
    entry_bundles_between, tiles_between, EntryBundle, Tile, TileError, TileHashReader,
    TileReadError, MAX_ENTRY_SIZE, TILE_HEIGHT, TILE_WIDTH,
};
pub use tree::{Frontier, FrontierError, HashReader, MemoryTree, MissingNode, Node, ProveError};

/// Keeps error messages short whatever the input: tile paths, key names and origins come from
/// outside and are quoted back in errors.
fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}
