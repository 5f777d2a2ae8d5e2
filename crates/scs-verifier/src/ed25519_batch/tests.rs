use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::{verify, BatchError};

/// A batch of signatures: `keys` signers, `count` signatures taking the signers in turn, each
/// on its own message.
#[derive(Clone)]
struct Batch {
    messages: Vec<Vec<u8>>,
    signatures: Vec<Signature>,
    keys: Vec<[u8; 32]>,
}

impl Batch {
    fn new(seed: u8, keys: usize, count: usize) -> Self {
        let signers: Vec<SigningKey> = (0..keys)
            .map(|k| SigningKey::from_bytes(&[seed.wrapping_add(k as u8); 32]))
            .collect();
        let mut batch = Batch {
            messages: Vec::new(),
            signatures: Vec::new(),
            keys: Vec::new(),
        };
        for i in 0..count {
            let signer = &signers[i % keys];
            let message = format!("credential {seed}/{i}").into_bytes();
            batch.signatures.push(signer.sign(&message));
            batch.keys.push(signer.verifying_key().to_bytes());
            batch.messages.push(message);
        }
        batch
    }

    fn check(&self) -> Result<(), BatchError> {
        verify(&self.message_slices(), &self.signatures, &self.keys)
    }

    /// What `ed25519_dalek::verify_batch` says of the same batch (a key that does not
    /// decompress is refused before it).
    fn dalek(&self) -> bool {
        let keys: Option<Vec<VerifyingKey>> = self
            .keys
            .iter()
            .map(|k| VerifyingKey::from_bytes(k).ok())
            .collect();
        keys.is_some_and(|keys| {
            ed25519_dalek::verify_batch(&self.message_slices(), &self.signatures, &keys).is_ok()
        })
    }

    fn message_slices(&self) -> Vec<&[u8]> {
        self.messages.iter().map(Vec::as_slice).collect()
    }

    fn set_signature(&mut self, i: usize, bytes: [u8; 64]) {
        self.signatures[i] = Signature::from_bytes(&bytes);
    }
}

fn flip(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// A 32-byte string that is not the encoding of any curve point.
fn not_a_point() -> [u8; 32] {
    (0u8..=255)
        .map(|b| [b; 32])
        .find(|bytes| CompressedEdwardsY(*bytes).decompress().is_none())
        .unwrap()
}

#[test]
fn agrees_with_dalek_on_good_and_bad_batches() {
    for seed in 0..16u8 {
        let keys = 1 + usize::from(seed) % 5;
        let count = keys + usize::from(seed) * 3;
        let mut batch = Batch::new(seed.wrapping_mul(17), keys, count);
        assert!(batch.dalek(), "dalek refuses good batch {seed}");
        assert_eq!(batch.check(), Ok(()), "good batch {seed}");

        // One signature made on another message, by the right key: both refuse.
        let bad = usize::from(seed) * 7 % count;
        batch.messages[bad].push(b'!');
        assert!(!batch.dalek(), "dalek accepts bad batch {seed}");
        assert_eq!(batch.check(), Err(BatchError::Equation), "bad batch {seed}");
    }
}

#[test]
fn any_flipped_bit_of_a_message_signature_or_key_fails() {
    // Signature 2 by the first key, which signed signature 0 too: its A term is added up.
    let good = Batch::new(40, 2, 3);
    let target = 2;
    for bit in 0..good.messages[target].len() * 8 {
        let mut batch = good.clone();
        flip(&mut batch.messages[target], bit);
        assert!(batch.check().is_err(), "message bit {bit}");
    }
    for bit in 0..512 {
        let mut batch = good.clone();
        let mut bytes = good.signatures[target].to_bytes();
        flip(&mut bytes, bit);
        batch.set_signature(target, bytes);
        assert!(
            batch.check().is_err(),
            "signature bit {bit} (R below 256, s above)"
        );
    }
    for bit in 0..256 {
        let mut batch = good.clone();
        flip(&mut batch.keys[target], bit);
        assert!(batch.check().is_err(), "key bit {bit}");
    }
}

#[test]
fn a_signature_checked_against_another_key_of_the_batch_fails() {
    let mut batch = Batch::new(60, 3, 9);
    // Signatures 0 and 1 are by different keys: swap their keys, then their whole signatures.
    batch.keys.swap(0, 1);
    assert_eq!(batch.check(), Err(BatchError::Equation));
    let mut batch = Batch::new(60, 3, 9);
    batch.signatures.swap(0, 1);
    assert_eq!(batch.check(), Err(BatchError::Equation));
}

#[test]
fn a_non_canonical_s_is_refused_though_the_equation_would_hold() {
    let mut batch = Batch::new(80, 2, 6);
    // s + ℓ satisfies the equation as s does; only the canonical check refuses it.
    let mut bytes = batch.signatures[3].to_bytes();
    let s = Scalar::from_canonical_bytes(bytes[32..].try_into().unwrap()).unwrap();
    let mut carry = 0u16;
    for (byte, order) in bytes[32..].iter_mut().zip(ELL) {
        let sum = u16::from(*byte) + u16::from(order) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert_eq!(
        Scalar::from_bytes_mod_order(bytes[32..].try_into().unwrap()),
        s
    );
    batch.set_signature(3, bytes);
    assert_eq!(batch.check(), Err(BatchError::NonCanonicalS(3)));
    assert!(!batch.dalek());
}

/// The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn an_r_or_a_key_that_is_not_a_point_is_refused() {
    let mut batch = Batch::new(90, 2, 6);
    let mut bytes = batch.signatures[2].to_bytes();
    bytes[..32].copy_from_slice(&not_a_point());
    batch.set_signature(2, bytes);
    assert_eq!(batch.check(), Err(BatchError::BadR(2)));
    assert!(!batch.dalek());

    let mut batch = Batch::new(90, 2, 6);
    batch.keys[5] = not_a_point();
    assert_eq!(batch.check(), Err(BatchError::BadKey(5)));
}

#[test]
fn an_empty_batch_holds_and_uneven_lengths_do_not() {
    assert_eq!(verify(&[], &[], &[]), Ok(()));
    let batch = Batch::new(100, 1, 2);
    assert_eq!(
        verify(&batch.message_slices()[..1], &batch.signatures, &batch.keys),
        Err(BatchError::Lengths)
    );
    assert_eq!(
        verify(&batch.message_slices(), &batch.signatures, &batch.keys[..1]),
        Err(BatchError::Lengths)
    );
}

/// RFC 8032 §7.1, TESTs 1–3: public key, message, signature.
const RFC8032: [(&str, &str, &str); 3] = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn rfc_8032_vectors_verify_in_one_batch_and_fail_when_altered() {
    let mut batch = Batch {
        messages: RFC8032.iter().map(|(_, m, _)| unhex(m)).collect(),
        signatures: RFC8032
            .iter()
            .map(|(_, _, s)| Signature::from_slice(&unhex(s)).unwrap())
            .collect(),
        keys: RFC8032
            .iter()
            .map(|(k, _, _)| unhex(k).try_into().unwrap())
            .collect(),
    };
    assert_eq!(batch.check(), Ok(()));
    for (i, message) in batch.messages.iter().enumerate() {
        // Each on its own too, and each by the key RFC 8032 names.
        assert_eq!(
            verify(&[message], &batch.signatures[i..=i], &batch.keys[i..=i]),
            Ok(())
        );
    }
    batch.messages[0].push(0);
    assert_eq!(batch.check(), Err(BatchError::Equation));
}
