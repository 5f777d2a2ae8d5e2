//! Signed registry requests as the registry reads them (`scs_ledger::verify_entry`, which calls
//! `lifecycle::open_request`, and `read_logged_entry` for log entries); and the same
//! request, with its credential, signed again by a designated issuer, so that the request's
//! shape, freshness fields and the registered credential are read from fuzzed content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::lifecycle::open_request;
use scs_core::proof::ProofPurpose;
use scs_fuzz::{demo, resign};
use scs_ledger::{read_logged_entry, verify_entry};
use serde_json::Value;

/// A nonce for requests whose proof has none (16 characters, the least a request may carry).
const NONCE: &str = "fuzz-nonce-00000";

fuzz_target!(|data: &[u8]| {
    let _ = read_logged_entry(0, data);
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let operator = demo().operator_did();
    let _ = verify_entry(document.clone(), &operator);
    let _ = open_request(document.clone());
    let mut document = document;
    if let Some(credential) = document.get_mut("credential") {
        if let Some(signed) = resign(
            credential,
            &demo().issuer,
            ProofPurpose::AssertionMethod,
            None,
        ) {
            *credential = signed;
        }
    }
    if let Some(signed) = resign(
        &document,
        &demo().issuer,
        ProofPurpose::Authentication,
        Some(NONCE),
    ) {
        let _ = verify_entry(signed, &operator);
    }
});
