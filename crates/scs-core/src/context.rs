//! JSON-LD contexts and well-known names.
//!
//! eddsa-jcs-2022 needs no JSON-LD processing, but a credential must still define every term it
//! uses, so the SCS context ships with the code and the registry serves it.

/// The VC Data Model 2.0 base context; always first.
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The SCS context URL.
pub const SCS_V1: &str = "https://w3id.org/scs/v1";
/// The SCS context document served at [`SCS_V1`].
pub const SCS_V1_DOCUMENT: &str = include_str!("../context/scs-v1.jsonld");

/// The bytes of a resource this code holds, by its URL: the bundled contexts, whose
/// `relatedResource` digests can be checked without fetching anything.
pub fn held_resource(url: &str) -> Option<&'static [u8]> {
    (url == SCS_V1).then_some(SCS_V1_DOCUMENT.as_bytes())
}

/// `@context` of every document this scheme signs.
pub fn scs_contexts() -> serde_json::Value {
    serde_json::json!([VC_V2, SCS_V1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_document_is_protected_json_ld() {
        let doc: serde_json::Value = serde_json::from_str(SCS_V1_DOCUMENT).unwrap();
        assert_eq!(doc["@context"]["@protected"], true);
        assert_eq!(doc["@context"]["@version"], 1.1);
    }
}
