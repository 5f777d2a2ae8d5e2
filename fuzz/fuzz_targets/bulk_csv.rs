//! The supplier list of the bulk check (`bulk::parse_csv`), as `/bulk` and `scs verify-batch`
//! read it, then judged against an empty registry and written out as CSV and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::ids::CorporateNumber;
use scs_core::report::{Message, Report};
use scs_fuzz::now;
use scs_registry::bulk::{self, Directory};
use scs_registry::web::Lang;
use scs_verifier::Question;
use serde_json::Value;

/// A registry with nothing registered: every row is judged "not registered".
struct Empty;

impl Directory for Empty {
    fn organization(&self, _: &CorporateNumber) -> Result<Option<Value>, Message> {
        Ok(None)
    }

    fn verify(&self, _: &str, _: &Question) -> Result<Report, Message> {
        Err(Message::new("なし", "none"))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = bulk::parse_csv(data) else {
        return;
    };
    let results = bulk::judge_all(&parsed, &Empty, now());
    let _ = bulk::to_csv(&results, Lang::Ja);
    let _ = bulk::to_json(&results, &parsed, now());
});
