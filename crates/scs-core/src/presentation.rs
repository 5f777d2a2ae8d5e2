//! Verifiable presentations (VCDM 2.0 §4.13) signed by their holder: a company shows its
//! credentials to one verifier, who gave it a `challenge` (and names itself by a `domain`), so
//! that the presentation cannot be replayed to another verifier or at another time.
//!
//! The structure is checked by [`crate::vcdm::check_presentation`]; the proof is an
//! `eddsa-jcs-2022` proof with `proofPurpose: authentication` (vc-di-eddsa, Data Integrity §2.1
//! `challenge` and `domain`).

use serde_json::{json, Map, Value};

use crate::context::VC_V2;
use crate::keys::SecretKey;
use crate::proof::{self, ProofError, ProofPurpose};
use crate::timestamp::Timestamp;

/// The presentation type.
pub const PRESENTATION_TYPE: &str = "VerifiablePresentation";

/// What the holder binds its proof to: the verifier's challenge, and the verifier's domain when
/// it named one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience<'a> {
    /// The verifier's one-time challenge (nonce).
    pub challenge: &'a str,
    /// The verifier's domain (e.g. `buyer.example.co.jp`), if it asked for one.
    pub domain: Option<&'a str>,
}

/// A presentation of `credentials` by the holder of `key`, who signs it at `created` for
/// `audience`. `holder` is the key's DID, the `did:key` a holder-bound credential names as its
/// subject's `id`.
///
/// # Errors
///
/// Only what [`proof::sign`] refuses (never, for the object built here).
pub fn sign(
    credentials: Vec<Value>,
    key: &SecretKey,
    audience: &Audience<'_>,
    created: Timestamp,
) -> Result<Value, ProofError> {
    let presentation = json!({
        "@context": [VC_V2],
        "type": [PRESENTATION_TYPE],
        "holder": key.public().did_key().as_did(),
        "verifiableCredential": credentials,
    });
    let mut options = Map::new();
    options.insert("challenge".into(), audience.challenge.into());
    if let Some(domain) = audience.domain {
        options.insert("domain".into(), domain.into());
    }
    proof::sign(
        presentation,
        key,
        created,
        ProofPurpose::Authentication,
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vcdm::check_presentation;

    #[test]
    fn signs_a_conforming_presentation_for_the_challenge_and_domain() {
        let key = SecretKey::from_seed(&[7; 32]);
        let credential = json!({
            "@context": [VC_V2],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": key.public().did_key().as_did()},
            "proof": {"type": "DataIntegrityProof"},
        });
        let audience = Audience {
            challenge: "c-81f2",
            domain: Some("buyer.example.co.jp"),
        };
        let created = Timestamp::parse("2027-05-01T09:00:00Z").unwrap();
        let vp = sign(vec![credential], &key, &audience, created).unwrap();
        check_presentation(&vp).unwrap();
        assert_eq!(vp["proof"]["challenge"], "c-81f2");
        assert_eq!(vp["proof"]["domain"], "buyer.example.co.jp");
        assert_eq!(vp["holder"], key.public().did_key().as_did());
        let (unsecured, info) = proof::verify(vp, ProofPurpose::Authentication).unwrap();
        assert_eq!(info.signer, key.public().did_key());
        assert!(unsecured.get("proof").is_none());
    }
}
