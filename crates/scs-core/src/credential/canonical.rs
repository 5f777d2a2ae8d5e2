//! A signed ★ credential read straight from its bytes, when they are already canonical.
//!
//! The general way to check a credential parses it into a [`serde_json::Value`] (strictly:
//! duplicate names refused), checks the VC data model on that tree, splits off the proof,
//! canonicalizes the proof options and the document (RFC 8785) to hash them, and finally reads
//! the tree into an [`AttainmentCredential`]. Credentials as the issuer and the registry write
//! them — serde_json's compact or pretty output of a sorted map — are already canonical text
//! but for whitespace, so [`prepare`] does it all, once the bytes are known to be UTF-8, in two
//! passes over the text: one that recognises the canonical form and finds the proof
//! ([`jcs::canonical_object`]), one that reads the typed credential with serde. The two hashes
//! are then taken of the bytes as they are, without the proof (and without the proof's
//! `proofValue`).
//!
//! [`prepare`] only ever says "ready", never "wrong": for anything it does not recognise — a
//! member it does not expect, a `null`, text that is not canonical, a profile rule broken, a
//! proof that would not verify for a reason other than the signature — it answers `None`, and
//! the caller takes the general way, which gives the error. When it answers, its answer is the
//! one the general way gives: the same credential, signer, `created` and signed bytes.

use std::borrow::Cow;

use ed25519_dalek::Signature;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use super::{AttainmentCredential, IssuerRef, StatusEntry, Subject, STATUS_ENTRY_TYPE};
use crate::ids::CredentialId;
use crate::jcs;
use crate::keys::{DidKey, KeyError};
use crate::multibase;
use crate::proof::{ProofInfo, ProofPurpose, CRYPTOSUITE, PROOF_TYPE};
use crate::timestamp::Timestamp;
use crate::vcdm::TypedCredential;

/// A ★ credential whose proof has been checked in every respect but the Ed25519 signature.
#[derive(Debug, Clone)]
pub struct PreparedCredential {
    /// The credential, read and its profile checked.
    pub credential: AttainmentCredential,
    /// Signer and creation time.
    pub info: ProofInfo,
    /// `hashData`, the 64 signed bytes.
    pub message: [u8; 64],
    /// The signature from `proofValue`.
    pub signature: Signature,
}

/// Reads a secured credential from `bytes` (at most `max_bytes`) when they are its canonical
/// text, give or take whitespace between tokens, and it holds exactly the members of the ★
/// profile and one `assertionMethod` proof of `eddsa-jcs-2022`; `signer` reads the
/// verification method, as it does for [`crate::proof::prepare_with`]. `None` when any of that
/// is not so: the general way then decides.
pub fn prepare(
    bytes: &[u8],
    max_bytes: usize,
    signer: impl FnOnce(&str) -> Result<DidKey, KeyError>,
) -> Option<PreparedCredential> {
    if bytes.len() > max_bytes {
        return None;
    }
    // UTF-8 checked here for both passes (text whose whitespace is taken out is checked again
    // after: rare, as credentials are written compact).
    let original = std::str::from_utf8(bytes).ok()?;
    let (text, members) = canonical_text(original)?;
    let message = hash_data(&text, &members)?;
    // The original text, not `text`: serde_json refusing it is what makes the whitespace
    // taken out of `text` insignificant.
    let wire: Wire<'_> = serde_json::from_str(original).ok()?;
    let proof = &wire.proof;
    let created = proof.created.map(Timestamp::parse).transpose().ok()?;
    let proof_ok = proof.kind == PROOF_TYPE
        && proof.cryptosuite == CRYPTOSUITE
        && proof.proof_purpose == ProofPurpose::AssertionMethod.as_str()
        && proof.context.as_ref().is_none_or(|c| *c == wire.context);
    if !proof_ok || !wire.data_model_holds() {
        return None;
    }
    let signature: [u8; 64] = multibase::decode_base58btc(proof.proof_value)
        .ok()?
        .try_into()
        .ok()?;
    let signer = signer(proof.verification_method).ok()?;
    let credential = wire.credential()?;
    Some(PreparedCredential {
        credential,
        info: ProofInfo { signer, created },
        message,
        signature: Signature::from_bytes(&signature),
    })
}

/// `original` as canonical text and its members: as it is when it is, else without
/// whitespace when that makes it so.
fn canonical_text(original: &str) -> Option<(Cow<'_, str>, Vec<jcs::MemberSpan>)> {
    if let Some(members) = jcs::canonical_object(original) {
        return Some((Cow::Borrowed(original), members));
    }
    match jcs::without_whitespace(original.as_bytes()) {
        Cow::Owned(text) => {
            let text = String::from_utf8(text).ok()?;
            let members = jcs::canonical_object(&text)?;
            Some((Cow::Owned(text), members))
        }
        Cow::Borrowed(_) => None,
    }
}

/// `hashData` of canonical credential text (with its `members`): SHA-256 of the proof without
/// `proofValue` (the proof options), then SHA-256 of the document without `proof`.
fn hash_data(text: &str, members: &[jcs::MemberSpan]) -> Option<[u8; 64]> {
    let (proof_at, proof) = named(text, members, "proof")?;
    let proof_text = text.get(proof.value.clone())?;
    let proof_members = jcs::canonical_object(proof_text)?;
    let (value_at, _) = named(proof_text, &proof_members, "proofValue")?;
    let mut message = [0u8; 64];
    message[..32].copy_from_slice(&sha256(jcs::without_member(
        proof_text.as_bytes(),
        &proof_members,
        value_at,
    )?));
    message[32..].copy_from_slice(&sha256(jcs::without_member(
        text.as_bytes(),
        members,
        proof_at,
    )?));
    Some(message)
}

fn named<'m>(
    text: &str,
    members: &'m [jcs::MemberSpan],
    name: &str,
) -> Option<(usize, &'m jcs::MemberSpan)> {
    members
        .iter()
        .enumerate()
        .find(|(_, m)| text.get(m.name.clone()) == Some(name))
}

fn sha256(pieces: [&[u8]; 2]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for piece in pieces {
        hash.update(piece);
    }
    hash.finalize().into()
}

/// The secured credential as it is read here: the members of [`AttainmentCredential`], and
/// `proof`, and nothing else at any level the data model checks look at. Texts the checks
/// need as written are borrowed (a string with an escape cannot be borrowed, and is left to
/// the general way).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Wire<'a> {
    #[serde(rename = "@context")]
    context: Vec<String>,
    id: &'a str,
    #[serde(rename = "type")]
    types: Vec<String>,
    #[serde(borrow, deserialize_with = "object")]
    issuer: WireIssuer<'a>,
    valid_from: &'a str,
    valid_until: &'a str,
    #[serde(deserialize_with = "object")]
    credential_subject: Subject,
    #[serde(default, deserialize_with = "present_objects")]
    credential_status: Option<Vec<StatusEntry>>,
    #[serde(borrow)]
    proof: WireProof<'a>,
}

/// `issuer`: only `id` and `name`, as the data model checks would look at any other.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIssuer<'a> {
    id: &'a str,
    name: String,
}

/// The proof: only the options the general way reads (any other is signed as a proof option,
/// and left to it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireProof<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    cryptosuite: &'a str,
    #[serde(default, deserialize_with = "present")]
    created: Option<&'a str>,
    verification_method: &'a str,
    proof_purpose: &'a str,
    proof_value: &'a str,
    #[serde(rename = "@context", default, deserialize_with = "present")]
    context: Option<Vec<String>>,
}

/// An optional member that, when present, must hold a `T`: `null` is refused, as the general
/// way refuses it, where serde would read it as absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A `T` read only from a JSON object. serde's derived structs also read an array, member by
/// member in the order declared; the data model checks of the general way refuse an issuer, a
/// subject or a status entry written as an array (`MultipleValues`, `NotObjects`), so the fast
/// way must not read one.
fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct ObjectOnly<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectOnly<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(ObjectOnly(std::marker::PhantomData))
}

/// [`present`] of a list whose every item is read by [`object`].
fn present_objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    struct Item<T>(T);
    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d).map(Item)
        }
    }
    Vec::<Item<T>>::deserialize(d).map(|items| Some(items.into_iter().map(|i| i.0).collect()))
}

impl Wire<'_> {
    /// Whether [`crate::vcdm::check_data_model`] accepts the document.
    fn data_model_holds(&self) -> bool {
        let status: Option<Vec<(&str, &str)>> = self.credential_status.as_ref().map(|entries| {
            entries
                .iter()
                .map(|e| (STATUS_ENTRY_TYPE, e.list_url.as_str()))
                .collect()
        });
        TypedCredential {
            context: &self.context,
            id: self.id,
            types: &self.types,
            issuer_id: self.issuer.id,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            status: status.as_deref(),
            proof_type: self.proof.kind,
        }
        .holds()
    }

    /// The credential, as [`AttainmentCredential::from_value`] reads it from the document
    /// without its proof; `None` where that gives an error.
    fn credential(self) -> Option<AttainmentCredential> {
        let credential = AttainmentCredential {
            context: self.context,
            id: CredentialId::parse(self.id).ok()?,
            types: self.types,
            issuer: IssuerRef {
                id: self.issuer.id.to_owned(),
                name: self.issuer.name,
            },
            valid_from: Timestamp::parse(self.valid_from).ok()?,
            valid_until: Timestamp::parse(self.valid_until).ok()?,
            credential_subject: self.credential_subject,
            credential_status: self.credential_status.unwrap_or_default(),
        };
        credential.check_profile().ok()?;
        Some(credential)
    }
}

#[cfg(test)]
mod tests;
