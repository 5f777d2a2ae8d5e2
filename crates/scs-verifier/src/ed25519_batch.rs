//! Ed25519 batch verification that adds up the terms of one key.
//!
//! A batch of n signatures (R_i, s_i) by keys A_i on messages M_i holds when
//!
//! ```text
//! [-Σ z_i s_i] B + Σ [z_i] R_i + Σ [z_i k_i] A_i = 0,   k_i = SHA-512(R_i ‖ A_i ‖ M_i) mod ℓ
//! ```
//!
//! for random 128-bit weights z_i — the equation `ed25519_dalek::verify_batch` checks, with a
//! multiscalar multiplication of 2n + 1 points. A supplier base's credentials are signed by a
//! handful of designated issuers, so the A terms of one key are added up first: Σ_j [Σ_{A_i = A_j}
//! z_i k_i] A_j, and the multiplication has n + k + 1 points for k distinct keys. The equation is
//! the same, term for term; only the order of the additions differs.
//!
//! The rules are dalek's batch's (ed25519-dalek 3.0, `batch.rs`, the same as 2.2's): s must be a
//! canonical scalar, R and A must decompress, the check is that the sum is the identity (dalek's
//! batch does not multiply by the cofactor either). The weights come from the operating system's
//! CSPRNG, never from the inputs alone (dalek's batch draws its own from a STROBE transcript of
//! the inputs). The answer is only "all hold" or "not all hold": a caller that needs to
//! know which signature is bad checks them one by one (docs/DECISIONS.md, "Ed25519 batches that
//! add up the terms of one key").

use std::collections::hash_map::{Entry, HashMap};
use std::iter::once;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::Signature;
use sha2::{Digest, Sha512};
use thiserror::Error;

/// Why a batch does not hold. Which signature is bad is named only when it is found before the
/// batch equation (an unreadable signature or key); the equation itself says only "not all".
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchError {
    /// Messages, signatures and keys are not as many as one another.
    #[error("messages, signatures and keys are not as many as one another")]
    Lengths,
    /// Signature `0`'s s is not a canonical scalar (not below the group order ℓ).
    #[error("signature {0}: s is not a canonical scalar")]
    NonCanonicalS(usize),
    /// Signature `0`'s R is not the encoding of a curve point.
    #[error("signature {0}: R is not a curve point")]
    BadR(usize),
    /// The key of signature `0` is not the encoding of a curve point.
    #[error("signature {0}: the key is not a curve point")]
    BadKey(usize),
    /// The operating system gave no random weights.
    #[error("no randomness from the operating system")]
    NoRandomness,
    /// The batch equation does not hold: at least one signature is bad.
    #[error("at least one signature does not verify")]
    Equation,
}

/// Checks that every `signatures[i]` is a valid Ed25519 signature of `messages[i]` by the key
/// whose encoding is `keys[i]`, in one batch; an empty batch holds. Accepts what
/// `ed25519_dalek::verify_batch` accepts (the same equation and rules), with a multiscalar
/// multiplication of n + k + 1 points for k distinct keys instead of 2n + 1.
pub fn verify(
    messages: &[&[u8]],
    signatures: &[Signature],
    keys: &[[u8; 32]],
) -> Result<(), BatchError> {
    if messages.len() != signatures.len() || keys.len() != signatures.len() {
        return Err(BatchError::Lengths);
    }
    let weights = random_weights(signatures.len())?;
    let mut per_key = PerKey::default();
    let mut base_coefficient = Scalar::ZERO;
    let mut nonces = Vec::with_capacity(signatures.len());
    for (i, ((message, signature), key)) in messages.iter().zip(signatures).zip(keys).enumerate() {
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))
            .ok_or(BatchError::NonCanonicalS(i))?;
        let r = CompressedEdwardsY(*signature.r_bytes())
            .decompress()
            .ok_or(BatchError::BadR(i))?;
        let k = challenge(signature.r_bytes(), key, message);
        let z = weights[i];
        base_coefficient += z * s;
        *per_key.coefficient(key).ok_or(BatchError::BadKey(i))? += z * k;
        nonces.push(r);
    }
    let sum = EdwardsPoint::vartime_multiscalar_mul(
        once(-base_coefficient)
            .chain(weights)
            .chain(per_key.coefficients),
        once(ED25519_BASEPOINT_POINT)
            .chain(nonces)
            .chain(per_key.points),
    );
    if sum.is_identity() {
        Ok(())
    } else {
        Err(BatchError::Equation)
    }
}

/// The distinct keys of a batch, each with the sum of its signatures' z_i k_i.
#[derive(Default)]
struct PerKey<'a> {
    slot: HashMap<&'a [u8; 32], usize>,
    points: Vec<EdwardsPoint>,
    coefficients: Vec<Scalar>,
}

impl<'a> PerKey<'a> {
    /// The running coefficient of `key`, decompressed when first seen; `None` if it is not a
    /// curve point.
    fn coefficient(&mut self, key: &'a [u8; 32]) -> Option<&mut Scalar> {
        let slot = match self.slot.entry(key) {
            Entry::Occupied(seen) => *seen.get(),
            Entry::Vacant(new) => {
                self.points.push(CompressedEdwardsY(*key).decompress()?);
                self.coefficients.push(Scalar::ZERO);
                *new.insert(self.points.len() - 1)
            }
        };
        self.coefficients.get_mut(slot)
    }
}

/// k = SHA-512(R ‖ A ‖ M) mod ℓ, as RFC 8032 §5.1.7.
fn challenge(r: &[u8; 32], key: &[u8; 32], message: &[u8]) -> Scalar {
    let hash = Sha512::new()
        .chain_update(r)
        .chain_update(key)
        .chain_update(message)
        .finalize();
    Scalar::from_bytes_mod_order_wide(&hash.into())
}

/// `n` weights of 128 random bits each, from the operating system's CSPRNG in one call.
fn random_weights(n: usize) -> Result<Vec<Scalar>, BatchError> {
    let mut bytes = vec![0u8; n * 16];
    getrandom::fill(&mut bytes).map_err(|_| BatchError::NoRandomness)?;
    Ok(bytes
        .chunks_exact(16)
        .map(|chunk| {
            let mut weight = [0u8; 16];
            weight.copy_from_slice(chunk);
            Scalar::from(u128::from_le_bytes(weight))
        })
        .collect())
}

#[cfg(test)]
mod tests;
