//! The supplier list of the bulk check (`scs_suppliers::read_list`: CSV in UTF-8 or Shift_JIS,
//! or an .xlsx workbook), as `/bulk` and `scs verify-batch` read it, then judged against an
//! empty registry and written out as CSV, workbook and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::ids::CorporateNumber;
use scs_core::report::{Message, Report};
use scs_fuzz::now;
use scs_suppliers::{Lang, Organization, RegistrySource};
use scs_verifier::Question;

/// A registry with nothing registered: every row is judged "not registered".
struct Empty;

impl RegistrySource for Empty {
    fn organization(&self, _: &CorporateNumber) -> Result<Option<Organization>, Message> {
        Ok(None)
    }

    fn verify(&self, _: &str, _: &Question) -> Result<Report, Message> {
        Err(Message::new("なし", "none"))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = scs_suppliers::read_list(data, None) else {
        return;
    };
    let results = scs_suppliers::judge_all(&parsed, &Empty, now());
    let _ = scs_suppliers::to_csv(&results, &parsed, Lang::Ja);
    let _ = scs_suppliers::to_xlsx(&results, &parsed, Lang::Ja, now());
    let _ = scs_suppliers::to_json(&results, &parsed, now());
});
