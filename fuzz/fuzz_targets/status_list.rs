//! Status lists (`OfflineStatusLists::add_signed`, `StatusList::from_json`,
//! `Bitstring::decode`), as `scs verify --status-list` and a registry client read them; and the
//! same document signed again by the registry's status key, so that the list's content is
//! decoded (base64url, gzip bounded in size) and looked up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::credential::StatusEntry;
use scs_core::proof::ProofPurpose;
use scs_core::status_list::{Bitstring, StatusList};
use scs_fuzz::{demo, now, resign};
use scs_verifier::{OfflineStatusLists, StatusSource};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let trust_list = Some(&demo().trust_list);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Bitstring::decode(text);
    }
    let mut lists = OfflineStatusLists::none();
    let _ = lists.add_signed(data, trust_list);
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = StatusList::from_json(&document);
    let Some(signed) = resign(
        &document,
        &demo().status,
        ProofPurpose::AssertionMethod,
        None,
    ) else {
        return;
    };
    let Ok(bytes) = serde_json::to_vec(&signed) else {
        return;
    };
    if let Ok(list) = lists.add_signed(&bytes, trust_list) {
        let entry = StatusEntry {
            purpose: list.purpose,
            list_url: list.url.clone(),
            index: (list.bits.len() as u32).saturating_sub(1),
        };
        let _ = lists.lookup(&entry, trust_list, now());
    }
});
