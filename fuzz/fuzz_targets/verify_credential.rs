//! Credential JSON through the verifier (`Verifier::verify_bytes`), as `scs verify` and
//! `POST /v1/verify` read it; and the same document signed again by a designated issuer, so that
//! the ★ profile, designation, validity, status and subject checks run on fuzzed content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::credential::Level;
use scs_core::ids::CorporateNumber;
use scs_core::proof::ProofPurpose;
use scs_core::vcdm::check_data_model;
use scs_fuzz::{demo, now, resign};
use scs_verifier::OfflineStatusLists;
use scs_verifier::{Question, Verifier};
use serde_json::Value;
use std::sync::OnceLock;

/// The demo registry's signed status lists, so that status entries are looked up for real.
fn status_lists() -> &'static OfflineStatusLists {
    static LISTS: OnceLock<OfflineStatusLists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut lists = OfflineStatusLists::none();
        for list in [
            &include_bytes!("../corpus/status_list/revocation-0.json")[..],
            &include_bytes!("../corpus/status_list/suspension-0.json")[..],
        ] {
            lists
                .add_signed(list, Some(&demo().trust_list))
                .expect("demo status list");
        }
        lists
    })
}

fuzz_target!(|data: &[u8]| {
    let verifier = Verifier::new(Some(&demo().trust_list), status_lists());
    let question = Question {
        at: now(),
        now: now(),
        min_level: Level::new(4),
        corporate_number: CorporateNumber::parse("6001001000000").ok(),
    };
    let _ = verifier.verify_bytes(data, &question);
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(signed) = resign(
        &document,
        &demo().issuer,
        ProofPurpose::AssertionMethod,
        None,
    ) else {
        return;
    };
    if check_data_model(&signed).is_ok() {
        let _ = verifier.verify(signed.clone(), &question);
        let _ = verifier.verify_batch(vec![signed, document], &question);
    }
});
