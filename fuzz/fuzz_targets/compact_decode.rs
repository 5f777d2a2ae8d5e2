//! `scs_core::compact::decode` must never panic, hang or allocate without bound, whatever text
//! a QR code holds: the input is tried as QR text, and as the COSE bytes behind `SCS1:`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scs_core::compact;

fn exercise(text: &str) {
    if let Ok(decoded) = compact::decode(text) {
        // A decoded payload must also survive the rest of the QR path that needs no key.
        let claims = decoded.claims();
        let signer = scs_core::keys::SecretKey::from_seed(&[1; 32]).public();
        let _ = decoded.verify(&signer);
        let _ = claims.to_credential(&signer.did_key(), "fuzz", "https://registry.example");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        exercise(text);
    }
    exercise(&format!("{}{}", compact::PREFIX, base45::encode(data)));
});
