//! The transparency log as a client reads it: signed notes and checkpoints
//! (`Checkpoint::open`, `Checkpoint::parse`, `NoteVerifier::from_vkey`), tiles and entry bundles
//! (`Tile::decode`, `EntryBundle::decode`, their paths), and registration receipts
//! (`receipt::check`). The input is also signed as a note by the log key, so that the checkpoint
//! parser behind the signature runs on fuzzed text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::tlog::{sign_note, Checkpoint, EntryBundle, NoteVerifier, Tile, HASH_SIZE};
use scs_fuzz::demo;
use scs_verifier::receipt::{self, Receipt};
use serde_json::Value;
use std::sync::OnceLock;

/// The demo registry's log origin (its checkpoints' first line and note key name).
const ORIGIN: &str = "127.0.0.1:8080/v1/log";

fn log_verifier() -> &'static NoteVerifier {
    static VERIFIER: OnceLock<NoteVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        NoteVerifier::new(ORIGIN, demo().log.public()).expect("the demo log key name")
    })
}

fn notes(data: &[u8]) {
    let _ = Checkpoint::open(data, log_verifier(), ORIGIN);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = NoteVerifier::from_vkey(text);
    let _ = Checkpoint::parse(text);
    if let Ok(note) = sign_note(text, ORIGIN, &demo().log) {
        let _ = Checkpoint::open(note.as_bytes(), log_verifier(), ORIGIN);
    }
}

fn tiles(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Tile::parse_path(text);
        let _ = EntryBundle::parse_path(text);
    }
    // As many hashes as the input could hold, as a client asks for a partial tile of that width.
    let width = (data.len() / HASH_SIZE).clamp(1, 256) as u16;
    for level in [0, 1] {
        if let Ok(tile) = Tile::new(level, 0, width) {
            let _ = tile.decode(data);
        }
    }
    for width in [width, 256] {
        if let Ok(bundle) = EntryBundle::new(0, width) {
            let _ = bundle.decode(data);
        }
    }
}

fn receipts(data: &[u8]) {
    let Ok(receipt) = serde_json::from_slice::<Receipt>(data) else {
        return;
    };
    let credential = serde_json::from_str::<Value>(&receipt.entry)
        .map(|entry| entry["credential"].clone())
        .unwrap_or_default();
    let _ = receipt::ledger_check(&credential, &receipt, Some(&demo().trust_list));
}

fuzz_target!(|data: &[u8]| {
    notes(data);
    tiles(data);
    receipts(data);
});
