//! Key newtypes. A [`SecretKey`] never appears in `Debug` output and is zeroized on drop
//! (ed25519-dalek's `zeroize` feature); its multibase form is handed out only inside
//! [`zeroize::Zeroizing`].

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::multibase::{self, MultibaseError, ED25519_PRIV_HEADER, ED25519_PUB_HEADER};

/// Why a key or key identifier was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The multibase encoding is wrong.
    #[error(transparent)]
    Multibase(#[from] MultibaseError),
    /// 32 bytes that are not a valid Ed25519 point (or a weak, small-order one).
    #[error("not a valid Ed25519 public key")]
    InvalidPoint,
    /// A DID that is not `did:key:z6Mk…`.
    #[error("not an Ed25519 did:key: {0}")]
    NotDidKey(String),
    /// The signature does not verify under this key.
    #[error("signature does not verify")]
    BadSignature,
    /// A verification method whose fragment does not name the same key as its DID.
    #[error("verification method must be did:key:<key>#<key>: {0}")]
    BadVerificationMethod(String),
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From 32 raw bytes; refuses points that are not on the curve or have small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::InvalidPoint)?;
        if key.is_weak() {
            return Err(KeyError::InvalidPoint);
        }
        Ok(Self(key))
    }

    /// From a Multikey string `z6Mk…`.
    pub fn from_multikey(text: &str) -> Result<Self, KeyError> {
        let bytes = multibase::decode_key(text, ED25519_PUB_HEADER, "ed25519-pub (0xed01)")?;
        Self::from_bytes(&bytes)
    }

    /// The Multikey string `z6Mk…`.
    pub fn to_multikey(&self) -> String {
        multibase::encode_key(ED25519_PUB_HEADER, self.0.as_bytes())
    }

    /// The `did:key` naming this key.
    pub fn did_key(&self) -> DidKey {
        DidKey {
            multikey: self.to_multikey(),
            key: *self,
        }
    }

    /// The dalek key, for batch verification.
    pub fn as_dalek(&self) -> &VerifyingKey {
        &self.0
    }

    /// Strict Ed25519 verification (no malleable signatures, no small-order keys).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), KeyError> {
        self.0
            .verify_strict(message, signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_multikey())
    }
}

/// An Ed25519 secret key. `Debug` shows only the public half.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// From the 32-byte seed. The caller supplies randomness: this crate has no RNG.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// From a Multikey secret string `z3u2…` (multicodec 0x8026).
    pub fn from_multikey(text: &str) -> Result<Self, KeyError> {
        let seed = Zeroizing::new(multibase::decode_key(
            text,
            ED25519_PRIV_HEADER,
            "ed25519-priv (0x8026)",
        )?);
        Ok(Self::from_seed(&seed))
    }

    /// The Multikey secret string, wrapped so it is wiped after use.
    pub fn to_multikey(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.0.to_bytes());
        Zeroizing::new(multibase::encode_key(ED25519_PRIV_HEADER, &seed))
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretKey(<redacted>, public {})",
            self.public().to_multikey()
        )
    }
}

/// A `did:key` for an Ed25519 key, e.g. `did:key:z6Mk…`.
#[derive(Clone, PartialEq, Eq)]
pub struct DidKey {
    multikey: String,
    key: PublicKey,
}

impl DidKey {
    /// Parses `did:key:z6Mk…`.
    pub fn parse(did: &str) -> Result<Self, KeyError> {
        let multikey = did
            .strip_prefix("did:key:")
            .ok_or_else(|| KeyError::NotDidKey(truncate(did)))?;
        let key = PublicKey::from_multikey(multikey)?;
        Ok(Self {
            multikey: multikey.to_owned(),
            key,
        })
    }

    /// Parses a verification method `did:key:X#X`, the only form did:key defines for Ed25519.
    pub fn from_verification_method(method: &str) -> Result<Self, KeyError> {
        let (did, fragment) = method
            .split_once('#')
            .ok_or_else(|| KeyError::BadVerificationMethod(truncate(method)))?;
        let parsed = Self::parse(did)?;
        if fragment != parsed.multikey {
            return Err(KeyError::BadVerificationMethod(truncate(method)));
        }
        Ok(parsed)
    }

    /// Accepts either a did:key or a bare Multikey, as the trust list allows both for registry
    /// keys.
    pub fn parse_did_or_multikey(text: &str) -> Result<Self, KeyError> {
        if text.starts_with("did:") {
            Self::parse(text)
        } else {
            Ok(PublicKey::from_multikey(text)?.did_key())
        }
    }

    /// The verification method id `did:key:X#X`.
    pub fn verification_method(&self) -> String {
        format!("did:key:{0}#{0}", self.multikey)
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The DID as a string.
    pub fn as_did(&self) -> String {
        format!("did:key:{}", self.multikey)
    }

    /// The Multikey part, `z6Mk…`.
    pub fn multikey(&self) -> &str {
        &self.multikey
    }

    /// Whether `did` is this key's DID, `did:key:z6Mk…`; compares without building the string.
    pub fn is_did(&self, did: &str) -> bool {
        did.strip_prefix("did:key:") == Some(self.multikey.as_str())
    }
}

impl fmt::Display for DidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "did:key:{}", self.multikey)
    }
}

impl fmt::Debug for DidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Error messages quote user input; cap it so a hostile megabyte does not become a log line.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_PUB: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    const VECTOR_SECRET: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

    #[test]
    fn vector_key_pair_matches() {
        let secret = SecretKey::from_multikey(VECTOR_SECRET).unwrap();
        assert_eq!(secret.public().to_multikey(), VECTOR_PUB);
        assert_eq!(secret.to_multikey().as_str(), VECTOR_SECRET);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = SecretKey::from_multikey(VECTOR_SECRET).unwrap();
        let shown = format!("{secret:?}");
        assert!(!shown.contains(VECTOR_SECRET));
        assert!(shown.contains(VECTOR_PUB));
    }

    #[test]
    fn verification_method_must_name_its_own_key() {
        let good = format!("did:key:{VECTOR_PUB}#{VECTOR_PUB}");
        assert_eq!(
            DidKey::from_verification_method(&good)
                .unwrap()
                .verification_method(),
            good
        );
        let other = SecretKey::from_seed(&[1; 32]).public().to_multikey();
        assert!(
            DidKey::from_verification_method(&format!("did:key:{VECTOR_PUB}#{other}")).is_err()
        );
        assert!(DidKey::from_verification_method("did:web:example.com#key-1").is_err());
        // A secret-key multikey is not a public key.
        assert!(DidKey::parse(&format!("did:key:{VECTOR_SECRET}")).is_err());
    }
}
