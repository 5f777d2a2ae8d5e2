//! The `eddsa-jcs-2022` Data Integrity cryptosuite (W3C vc-di-eddsa §3.3).
//!
//! ```text
//! proofConfig  = proof options (type, cryptosuite, created, verificationMethod, proofPurpose,
//!                @context copied from the document, and any other option such as nonce)
//! hashData     = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without proof))
//! proofValue   = "z" + base58btc(Ed25519-sign(hashData))
//! ```
//!
//! Verification is split in two: [`prepare`] does everything but the Ed25519 check and returns a
//! [`PreparedProof`], so that a caller can verify one proof or many at once with batch
//! verification. One deliberate strictness beyond the spec: when the proof carries `@context`,
//! the document's `@context` must equal it exactly, not merely start with it, so that nothing can
//! be appended to a signed document's contexts.

use ed25519_dalek::Signature;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::jcs::canonicalize;
use crate::keys::{DidKey, KeyError, SecretKey};
use crate::multibase;
use crate::timestamp::Timestamp;

/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The proof type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";

/// What a proof is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofPurpose {
    /// Credentials, trust lists, status lists: `assertionMethod`.
    AssertionMethod,
    /// Signed registry requests: `authentication`.
    Authentication,
}

impl ProofPurpose {
    /// The JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssertionMethod => "assertionMethod",
            Self::Authentication => "authentication",
        }
    }
}

/// Why a proof could not be created or does not verify.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// There is no `proof`.
    #[error("the document has no proof")]
    MissingProof,
    /// `proof` is an array or a set of proofs; this scheme uses exactly one.
    #[error("exactly one proof object is expected")]
    NotSingleProof,
    /// A required proof property is missing or has the wrong JSON type.
    #[error("proof.{0} is missing or not a string")]
    MissingField(&'static str),
    /// `type` or `cryptosuite` name another suite.
    #[error("unsupported proof: type {proof_type}, cryptosuite {cryptosuite} (expected DataIntegrityProof, eddsa-jcs-2022)")]
    UnsupportedSuite {
        /// `proof.type` as found.
        proof_type: String,
        /// `proof.cryptosuite` as found.
        cryptosuite: String,
    },
    /// `proofPurpose` is not the one this use requires.
    #[error("proof purpose is {found}, expected {expected}")]
    WrongPurpose {
        /// What the caller requires.
        expected: &'static str,
        /// What the proof says.
        found: String,
    },
    /// `proof.@context` differs from the document's `@context`.
    #[error("proof @context does not match the document @context")]
    ContextMismatch,
    /// `proof.created` is not a date-time.
    #[error("proof.created is not a date-time")]
    BadCreated,
    /// The verification method is not a usable did:key.
    #[error("verification method: {0}")]
    Key(KeyError),
    /// `proofValue` is not base58btc of 64 bytes.
    #[error("proofValue is not a multibase Ed25519 signature")]
    BadProofValue,
    /// The signature does not match the document: it was altered, or signed by another key.
    #[error("signature does not match the document (altered, or signed by another key)")]
    BadSignature,
}

/// What a verified (or prepared) proof says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofInfo {
    /// The signer, from `verificationMethod`.
    pub signer: DidKey,
    /// `proof.created`, when present.
    pub created: Option<Timestamp>,
}

/// A proof checked in every respect but the signature itself.
#[derive(Debug, Clone)]
pub struct PreparedProof {
    /// The document without its proof.
    pub unsecured: Value,
    /// Signer and creation time.
    pub info: ProofInfo,
    /// `hashData`, the 64 signed bytes.
    pub message: [u8; 64],
    /// The signature from `proofValue`.
    pub signature: Signature,
}

impl PreparedProof {
    /// Checks the Ed25519 signature.
    pub fn verify(&self) -> Result<(), ProofError> {
        self.info
            .signer
            .public_key()
            .verify(&self.message, &self.signature)
            .map_err(|_| ProofError::BadSignature)
    }
}

/// `hashData`: SHA-256 of the canonical proof config followed by SHA-256 of the canonical
/// document.
pub fn hash_data(proof_config: &Value, unsecured_document: &Value) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonicalize(proof_config)));
    out[32..].copy_from_slice(&Sha256::digest(canonicalize(unsecured_document)));
    out
}

/// Signs `document` (which must not already carry a proof), returning it with `proof` added.
///
/// `extra` holds further proof options such as `nonce`; they are signed like the rest.
pub fn sign(
    document: Value,
    key: &SecretKey,
    created: Timestamp,
    purpose: ProofPurpose,
    extra: Map<String, Value>,
) -> Result<Value, ProofError> {
    let Value::Object(mut document) = document else {
        return Err(ProofError::NotAnObject);
    };
    document.remove("proof");
    let mut config = extra;
    config.insert("type".into(), PROOF_TYPE.into());
    config.insert("cryptosuite".into(), CRYPTOSUITE.into());
    config.insert("created".into(), created.whole_seconds().to_string().into());
    config.insert(
        "verificationMethod".into(),
        key.public().did_key().verification_method().into(),
    );
    config.insert("proofPurpose".into(), purpose.as_str().into());
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    let mut config = Value::Object(config);
    let document = Value::Object(document);
    let signature = key.sign(&hash_data(&config, &document));
    if let Value::Object(config) = &mut config {
        config.insert(
            "proofValue".into(),
            multibase::encode_base58btc(&signature.to_bytes()).into(),
        );
    }
    let Value::Object(mut document) = document else {
        return Err(ProofError::NotAnObject);
    };
    document.insert("proof".into(), config);
    Ok(Value::Object(document))
}

/// Checks everything but the signature and computes `hashData`; takes the document by value so
/// that the proof can be split off without copying the rest.
pub fn prepare(secured: Value, purpose: ProofPurpose) -> Result<PreparedProof, ProofError> {
    prepare_with(secured, purpose, DidKey::from_verification_method)
}

/// [`prepare`], reading `verificationMethod` with `signer` instead of
/// [`DidKey::from_verification_method`], so that a caller checking many proofs can decode (and
/// decompress) each distinct key once. `signer` must give the same answer as
/// [`DidKey::from_verification_method`] for the same text.
pub fn prepare_with(
    secured: Value,
    purpose: ProofPurpose,
    signer: impl FnOnce(&str) -> Result<DidKey, KeyError>,
) -> Result<PreparedProof, ProofError> {
    let Value::Object(mut document) = secured else {
        return Err(ProofError::NotAnObject);
    };
    let proof = match document.remove("proof") {
        None => return Err(ProofError::MissingProof),
        Some(Value::Object(proof)) => proof,
        Some(_) => return Err(ProofError::NotSingleProof),
    };
    let text = |name: &'static str| {
        proof
            .get(name)
            .and_then(Value::as_str)
            .ok_or(ProofError::MissingField(name))
    };
    let (proof_type, cryptosuite) = (text("type")?, text("cryptosuite")?);
    if proof_type != PROOF_TYPE || cryptosuite != CRYPTOSUITE {
        return Err(ProofError::UnsupportedSuite {
            proof_type: crate::keys::truncate(proof_type),
            cryptosuite: crate::keys::truncate(cryptosuite),
        });
    }
    let found_purpose = text("proofPurpose")?;
    if found_purpose != purpose.as_str() {
        return Err(ProofError::WrongPurpose {
            expected: purpose.as_str(),
            found: crate::keys::truncate(found_purpose),
        });
    }
    if let Some(context) = proof.get("@context") {
        if document.get("@context") != Some(context) {
            return Err(ProofError::ContextMismatch);
        }
    }
    let created = match proof.get("created") {
        None => None,
        Some(Value::String(s)) => Some(Timestamp::parse(s).map_err(|_| ProofError::BadCreated)?),
        Some(_) => return Err(ProofError::BadCreated),
    };
    let signer = signer(text("verificationMethod")?).map_err(ProofError::Key)?;
    let signature_bytes: [u8; 64] = multibase::decode_base58btc(text("proofValue")?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ProofError::BadProofValue)?;
    let mut config = proof;
    config.remove("proofValue");
    let config = Value::Object(config);
    let unsecured = Value::Object(document);
    let message = hash_data(&config, &unsecured);
    Ok(PreparedProof {
        unsecured,
        info: ProofInfo { signer, created },
        message,
        signature: Signature::from_bytes(&signature_bytes),
    })
}

/// Verifies the single eddsa-jcs-2022 proof of `secured`; returns the unsecured document and
/// what the proof says.
pub fn verify(secured: Value, purpose: ProofPurpose) -> Result<(Value, ProofInfo), ProofError> {
    let prepared = prepare(secured, purpose)?;
    prepared.verify()?;
    Ok((prepared.unsecured, prepared.info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vector(name: &str) -> String {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/eddsa-jcs-2022")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    fn json(name: &str) -> Value {
        serde_json::from_str(&vector(name)).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn vector_key() -> SecretKey {
        SecretKey::from_multikey(
            json("keyPair.json")["privateKeyMultibase"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn reproduces_every_intermediate_value_of_the_w3c_vectors() {
        let unsigned = json("unsigned.json");
        let proof_config = json("proofConfigJCS.json");
        assert_eq!(
            String::from_utf8(canonicalize(&unsigned)).unwrap(),
            vector("canonDocJCS.txt").trim_end()
        );
        assert_eq!(
            String::from_utf8(canonicalize(&proof_config)).unwrap(),
            vector("proofCanonJCS.txt").trim_end()
        );
        assert_eq!(
            hex(&Sha256::digest(canonicalize(&unsigned))),
            vector("docHashJCS.txt").trim()
        );
        assert_eq!(
            hex(&Sha256::digest(canonicalize(&proof_config))),
            vector("proofHashJCS.txt").trim()
        );
        let combined = hash_data(&proof_config, &unsigned);
        assert_eq!(hex(&combined), vector("combinedHashJCS.txt").trim());
        let signature = vector_key().sign(&combined);
        assert_eq!(hex(&signature.to_bytes()), vector("sigHexJCS.txt").trim());
        assert_eq!(
            multibase::encode_base58btc(&signature.to_bytes()),
            vector("sigBTC58JCS.txt").trim()
        );
    }

    #[test]
    fn signing_the_vector_document_gives_the_vector_credential() {
        let created = Timestamp::parse("2023-02-24T23:36:38Z").unwrap();
        let signed = sign(
            json("unsigned.json"),
            &vector_key(),
            created,
            ProofPurpose::AssertionMethod,
            Map::new(),
        )
        .unwrap();
        assert_eq!(signed, json("signedJCS.json"));
    }

    #[test]
    fn verifies_the_vector_credential() {
        let (unsecured, info) =
            verify(json("signedJCS.json"), ProofPurpose::AssertionMethod).unwrap();
        assert_eq!(unsecured, json("unsigned.json"));
        assert_eq!(
            info.signer.to_string(),
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        );
        assert_eq!(info.created.unwrap().to_string(), "2023-02-24T23:36:38Z");
    }

    #[test]
    fn refuses_tampering_and_misuse() {
        let signed = json("signedJCS.json");
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["alumniOf"] = "The School of Exampled".into();
        assert_eq!(
            verify(tampered, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::BadSignature
        );
        let mut created = signed.clone();
        created["proof"]["created"] = "2023-02-24T23:36:39Z".into();
        assert_eq!(
            verify(created, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::BadSignature
        );
        assert!(matches!(
            verify(signed.clone(), ProofPurpose::Authentication).unwrap_err(),
            ProofError::WrongPurpose { .. }
        ));
        let mut extra_context = signed.clone();
        extra_context["@context"]
            .as_array_mut()
            .unwrap()
            .push("https://evil.example/ctx".into());
        assert_eq!(
            verify(extra_context, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::ContextMismatch
        );
        let mut rdfc = signed.clone();
        rdfc["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into();
        assert!(matches!(
            verify(rdfc, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::UnsupportedSuite { .. }
        ));
        let mut two = signed.clone();
        two["proof"] = Value::Array(vec![signed["proof"].clone()]);
        assert_eq!(
            verify(two, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::NotSingleProof
        );
        let mut short = signed.clone();
        short["proof"]["proofValue"] = "z3FXQ".into();
        assert_eq!(
            verify(short, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::BadProofValue
        );
        let mut other_key = signed;
        let other = SecretKey::from_seed(&[9; 32]).public().did_key();
        other_key["proof"]["verificationMethod"] = other.verification_method().into();
        assert_eq!(
            verify(other_key, ProofPurpose::AssertionMethod).unwrap_err(),
            ProofError::BadSignature
        );
    }
}
