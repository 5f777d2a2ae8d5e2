//! Trust lists (`TrustList::from_signed`), as `scs verify --trust-list` and the registry's
//! `PUT /v1/trust-list` read them; and the same document signed again by the operator, so that
//! the list's shape and consistency rules, and the questions a verifier asks of it, run on
//! fuzzed content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::credential::Level;
use scs_core::proof::ProofPurpose;
use scs_core::trust_list::TrustList;
use scs_fuzz::{demo, now, resign};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let operator = demo().operator_did();
    let _ = TrustList::from_signed(document.clone(), &operator);
    let Some(signed) = resign(
        &document,
        &demo().operator,
        ProofPurpose::AssertionMethod,
        None,
    ) else {
        return;
    };
    let Ok(list) = TrustList::from_signed(signed, &operator) else {
        return;
    };
    let issuer = demo().issuer.public().did_key();
    for level in [3, 4, 5].into_iter().filter_map(Level::new) {
        if let Err(refusal) = list.authorise(&issuer, level, Some(now())) {
            let _ = refusal.message();
        }
    }
    let _ = list.to_credential(&operator, now());
});
