//! QR text through the verifier (`Verifier::verify_compact`), as `scs verify --qr-text` and the
//! verify page read it; and the decoded claims signed again by a designated issuer, so that the
//! credential rebuilt from fuzzed claims runs through every check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::compact;
use scs_fuzz::{demo, now};
use scs_verifier::OfflineStatusLists;
use scs_verifier::{Question, Verifier};

fn exercise(text: &str) {
    let status = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&demo().trust_list), &status);
    let question = Question::at(now());
    let _ = verifier.verify_compact(text, &question);
    if let Ok(decoded) = compact::decode(text) {
        if let Ok(resigned) = compact::encode(decoded.claims(), &demo().issuer) {
            let _ = verifier.verify_compact(&resigned, &question);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        exercise(text);
    }
    exercise(&format!("{}{}", compact::PREFIX, base45::encode(data)));
});
