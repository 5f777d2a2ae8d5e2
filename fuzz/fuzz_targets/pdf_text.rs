//! The bounded reader of printed certificates (`web::pdf::text`): any bytes a user uploads as a
//! PDF to the verify page. Seeded with a one-page PDF as a browser's print writes one (objects,
//! a Flate content stream, a font with a Flate `ToUnicode` map).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_registry::web::pdf;

fuzz_target!(|data: &[u8]| {
    let _ = pdf::text(data);
});
