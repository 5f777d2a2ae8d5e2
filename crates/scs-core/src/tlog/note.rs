//! C2SP `signed-note` with Ed25519 keys (<https://c2sp.org/signed-note>): [`sign_note`],
//! [`NoteVerifier`] (a trusted key, in Go's `sumdb/note` verifier-key format) and [`key_id`].
//!
//! A note is text plus signature lines; the checkpoint ([`super::checkpoint`]) is the one note
//! this log signs. Size and signature-count limits are enforced before any signature is checked.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::clip;
use crate::keys::{PublicKey, SecretKey};

/// The largest note accepted. signed-note: "Verifiers SHOULD apply a maximum limit to the number
/// of signatures in a note (or, equivalently, to the overall size of a note)".
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// The most signature lines accepted: "but MUST accept at least up to 16 signatures". (Go's
/// `sumdb/note` allows 100.)
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// The signature type byte: "`0x01` — Ed25519 signatures as specified by this document."
const ALG_ED25519: u8 = 0x01;

/// The start of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, a key name or a verifier key was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteError {
    /// "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
    /// characters." (Nor control characters, which no note may hold.)
    #[error("invalid note key name {0:?}")]
    KeyName(String),
    /// A verifier key that is not `<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte key)>` with a
    /// matching key ID and a valid Ed25519 key.
    #[error("invalid note verifier key: {0}")]
    VerifierKey(&'static str),
    /// Text to sign that is empty, lacks its final newline or holds a control character.
    #[error("note text cannot be signed: {0}")]
    Text(&'static str),
    /// A note over [`MAX_NOTE_SIZE`] bytes.
    #[error("note is {0} bytes; at most {MAX_NOTE_SIZE} are accepted")]
    TooLarge(usize),
    /// Not a signed note: not UTF-8, a control character, no blank line before the signatures,
    /// a malformed signature line, or over [`MAX_NOTE_SIGNATURES`] signatures.
    #[error("malformed signed note: {0}")]
    Malformed(&'static str),
    /// A signature line from the expected key whose signature does not verify. signed-note: "If
    /// a signature from a known key fails to verify, clients SHOULD reject the whole note."
    #[error("the note's signature by {0} does not verify")]
    BadSignature(String),
    /// No signature line from the expected key. signed-note: "If no signature from a known key
    /// verifies successfully, clients MUST reject the note."
    #[error("the note is not signed by {0}")]
    NotSigned(String),
}

/// Key names "MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
/// characters"; control characters are refused too, since no note may hold them. Checkpoint
/// origins double as key names, so they pass through here as well.
pub(super) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::KeyName(clip(name)));
    }
    Ok(())
}

/// Notes "MUST NOT contain any ASCII control characters (those below U+0020) other than
/// newline".
pub(super) fn has_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// The key ID of an Ed25519 note key: "`key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte
/// Ed25519 public key)[:4]`", read as a big-endian uint32.
pub fn key_id(name: &str, key: &PublicKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALG_ED25519]);
    hasher.update(key.as_dalek().as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Signs `text` as a signed note by the key `name`: the text, a blank line and the line
/// `— <name> base64(key ID ‖ Ed25519 signature)`. "The note text includes the final newline but
/// not the separating blank line."
pub fn sign_note(text: &str, name: &str, key: &SecretKey) -> Result<String, NoteError> {
    check_key_name(name)?;
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::Text("it must be non-empty and end in a newline"));
    }
    if has_control(text) {
        return Err(NoteError::Text("it holds a control character"));
    }
    let id = key_id(name, &key.public());
    let signature = key.sign(text.as_bytes());
    let mut blob = Vec::with_capacity(4 + 64);
    blob.extend_from_slice(&id.to_be_bytes());
    blob.extend_from_slice(&signature.to_bytes());
    let note = format!(
        "{text}\n{SIGNATURE_PREFIX}{name} {}\n",
        STANDARD.encode(blob)
    );
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::TooLarge(note.len()));
    }
    Ok(note)
}

/// One trusted Ed25519 note key: its name, public key and key ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: PublicKey,
    id: u32,
}

impl NoteVerifier {
    /// The verifier for key `name` with public key `key`.
    pub fn new(name: &str, key: PublicKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, &key),
            key,
        })
    }

    /// Parses a verifier key `<name>+<key ID as 8 lowercase hex digits>+<base64(0x01 ‖ key)>`
    /// (Go's `sumdb/note` format), checking that the key ID matches the name and key.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        // The name holds no '+'; the base64 may.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::VerifierKey("expected <name>+<key ID>+<key>"));
        };
        check_key_name(name)?;
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(NoteError::VerifierKey(
                "the key ID is not 8 lowercase hex digits",
            ));
        }
        let id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| NoteError::VerifierKey("the key ID is not 8 lowercase hex digits"))?;
        let key_bytes = STANDARD
            .decode(key64)
            .map_err(|_| NoteError::VerifierKey("the key is not base64"))?;
        let Some((&ALG_ED25519, raw)) = key_bytes.split_first() else {
            return Err(NoteError::VerifierKey("not an Ed25519 (0x01) key"));
        };
        let raw: &[u8; 32] = raw
            .try_into()
            .map_err(|_| NoteError::VerifierKey("an Ed25519 key is 32 bytes"))?;
        let key = PublicKey::from_bytes(raw)
            .map_err(|_| NoteError::VerifierKey("not a valid Ed25519 public key"))?;
        let verifier = Self::new(name, key)?;
        if verifier.id != id {
            return Err(NoteError::VerifierKey(
                "the key ID does not match the name and key",
            ));
        }
        Ok(verifier)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The key ID (see [`key_id`]).
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key string that [`NoteVerifier::from_vkey`] reads.
    pub fn vkey(&self) -> String {
        let mut blob = Vec::with_capacity(33);
        blob.push(ALG_ED25519);
        blob.extend_from_slice(self.key.as_dalek().as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, STANDARD.encode(blob))
    }

    /// Checks a signed note and returns its text (with the final newline). Signatures by other
    /// keys are ignored — signed-note: "Verifiers MUST ignore signatures from unknown keys, even
    /// if they share a name or ID (but not both) with a known key" — but must be well-formed. A
    /// signature by this key that fails to verify rejects the note, and at least one must verify.
    pub fn verify<'a>(&self, note: &'a [u8]) -> Result<&'a str, NoteError> {
        if note.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge(note.len()));
        }
        // "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
        // (those below U+0020) other than newline."
        let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8"))?;
        if has_control(note) {
            return Err(NoteError::Malformed("control character"));
        }
        // "The note text MAY contain empty lines; the text is separated from the signatures by
        // the last empty line in the note."
        let split = note
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        // "followed by one or more signature lines of this form: em dash (U+2014), space
        // (U+0020), key name, space, base64-encoded signature, newline."
        let lines = signatures
            .strip_suffix('\n')
            .filter(|lines| !lines.is_empty())
            .ok_or(NoteError::Malformed(
                "signature lines must end in a newline",
            ))?;
        let mut verified = false;
        for (count, line) in lines.split('\n').enumerate() {
            if count >= MAX_NOTE_SIGNATURES {
                return Err(NoteError::Malformed("too many signatures"));
            }
            let (name, id, signature) = parse_signature_line(line)?;
            if name != self.name || id != self.id {
                continue;
            }
            let signature = <[u8; 64]>::try_from(signature)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            self.key
                .verify(text.as_bytes(), &Signature::from_bytes(&signature))
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            verified = true;
        }
        if !verified {
            return Err(NoteError::NotSigned(self.name.clone()));
        }
        Ok(text)
    }
}

/// Splits `— <name> <base64>` into the name, the key ID and the signature bytes.
/// "Signatures are the base64 encoding of 4+n bytes. The first four bytes in the signature are
/// the uint32 key ID stored in big-endian order."
fn parse_signature_line(line: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let malformed = NoteError::Malformed("malformed signature line");
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| malformed.clone())?;
    let (name, blob) = rest.split_once(' ').ok_or_else(|| malformed.clone())?;
    check_key_name(name).map_err(|_| malformed.clone())?;
    let blob = STANDARD.decode(blob).map_err(|_| malformed.clone())?;
    let (id, signature) = blob
        .split_first_chunk::<4>()
        .ok_or_else(|| malformed.clone())?;
    if signature.is_empty() {
        return Err(malformed);
    }
    Ok((name, u32::from_be_bytes(*id), signature.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::{Checkpoint, CheckpointError};
    use proptest::prelude::*;

    // -- Signed notes: Go's golang.org/x/mod/sumdb/note test vectors.

    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    /// The base64 part of "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK…": 0x01 ‖ Ed25519 seed.
    const PETER_SKEY: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn peter_secret() -> SecretKey {
        let bytes = STANDARD.decode(PETER_SKEY).unwrap();
        assert_eq!(bytes[0], 0x01);
        SecretKey::from_seed(&bytes[1..].try_into().unwrap())
    }

    fn note(parts: &[&str]) -> Vec<u8> {
        parts.concat().into_bytes()
    }

    #[test]
    fn go_verifier_key_parses_and_round_trips() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(peter.name(), "PeterNeumann");
        assert_eq!(peter.key_id(), 0xc74f_20a3);
        assert_eq!(key_id("PeterNeumann", peter.key()), 0xc74f_20a3);
        assert_eq!(peter.vkey(), PETER_VKEY);
        assert_eq!(*peter.key(), peter_secret().public());
        let enoch = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
        assert_eq!(enoch.key_id(), 0xaf0c_fe78);
        assert_eq!(enoch.vkey(), ENOCH_VKEY);
    }

    #[test]
    fn mangled_verifier_keys_are_refused() {
        // Go's TestNewVerifier: every proper substring and every single-byte change fails.
        let bytes = PETER_VKEY.as_bytes();
        for i in 0..=bytes.len() {
            for j in i + 1..=bytes.len() {
                if (i, j) != (0, bytes.len()) {
                    let text = std::str::from_utf8(&bytes[i..j]).unwrap();
                    assert!(NoteVerifier::from_vkey(text).is_err(), "{text:?}");
                }
            }
        }
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] += 1;
            let text = String::from_utf8(changed).unwrap();
            assert!(NoteVerifier::from_vkey(&text).is_err(), "{text:?}");
        }
        // Wrong key length and unknown algorithm, each with a key hash adjusted to match.
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
        // Uppercase hex is not the canonical form.
        assert!(NoteVerifier::from_vkey(
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }

    #[test]
    fn signs_exactly_as_go_sumdb_note_does() {
        // Go's TestSign: Ed25519 is deterministic, so the whole note must match byte for byte.
        let signed = sign_note(TEXT, "PeterNeumann", &peter_secret()).unwrap();
        assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
        assert!(matches!(
            sign_note("abc", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        assert!(matches!(
            sign_note("", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        assert!(matches!(
            sign_note("a\u{1}b\n", "PeterNeumann", &peter_secret()),
            Err(NoteError::Text(_))
        ));
        for name in ["", "a+b", "a b", "a\u{3000}b", "a\tb"] {
            assert!(
                matches!(
                    sign_note(TEXT, name, &peter_secret()),
                    Err(NoteError::KeyName(_))
                ),
                "{name:?}"
            );
        }
        let huge = format!("{}\n", "a".repeat(MAX_NOTE_SIZE));
        assert!(matches!(
            sign_note(&huge, "PeterNeumann", &peter_secret()),
            Err(NoteError::TooLarge(_))
        ));
    }

    #[test]
    fn opens_notes_as_go_sumdb_note_does() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        let enoch = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
        let both = note(&[TEXT, "\n", PETER_SIG, ENOCH_SIG]);
        // One signature verified, the other from an unknown key ignored; and the other way round.
        assert_eq!(peter.verify(&both), Ok(TEXT));
        assert_eq!(enoch.verify(&both), Ok(TEXT));
        // Duplicated signatures.
        let dup = note(&[TEXT, "\n", PETER_SIG, PETER_SIG, ENOCH_SIG, ENOCH_SIG]);
        assert_eq!(peter.verify(&dup), Ok(TEXT));
        // Only an unknown key's signature.
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", ENOCH_SIG])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // A signature by the known key that does not verify.
        let bad_sig = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &bad_sig])),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        let other_text = TEXT.replace("cryptography", "cryptographY");
        assert_eq!(
            peter.verify(&note(&[&other_text, "\n", PETER_SIG])),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        // Same key, other name; same name, other key ID: unknown keys, ignored.
        let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &misnamed])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        let wrong_id = PETER_SIG.replace("x08g", "xxxx");
        assert_eq!(
            peter.verify(&note(&[TEXT, "\n", &wrong_id])),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // Go's badMsgs.
        let no_newline = &PETER_SIG[..PETER_SIG.len() - 1];
        for bad in [
            note(&[TEXT]),
            note(&[TEXT, "\n"]),
            note(&[TEXT, "\n", no_newline]),
            note(&["\u{1}", TEXT, "\n", PETER_SIG]),
            [b"\xff".as_slice(), &note(&[TEXT, "\n", PETER_SIG])].concat(),
            note(&[TEXT, "\n", "\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="]),
            note(&[TEXT, "\n", PETER_SIG, "Unexpected line.\n"]),
            note(&[TEXT, "\n", PETER_SIG, "\n"]),
            note(&[TEXT, "\n", "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"]),
            note(&[TEXT, "\n", "\u{2014} PeterNeumann AAAA\n"]),
            note(&[TEXT, "\n", "\u{2014} PeterNeumann not base64\n"]),
            note(&[TEXT, "\r\n", PETER_SIG]),
        ] {
            assert!(
                matches!(peter.verify(&bad), Err(NoteError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        // Too many signatures (Go refuses 101); 16 unknown ones plus ours are fine.
        let many = note(&[TEXT, "\n", &PETER_SIG.repeat(101)]);
        assert_eq!(
            peter.verify(&many),
            Err(NoteError::Malformed("too many signatures"))
        );
        let sixteen = note(&[TEXT, "\n", &ENOCH_SIG.repeat(16), PETER_SIG]);
        assert_eq!(peter.verify(&sixteen), Ok(TEXT));
        let huge = vec![b'a'; MAX_NOTE_SIZE + 1];
        assert_eq!(
            peter.verify(&huge),
            Err(NoteError::TooLarge(MAX_NOTE_SIZE + 1))
        );
    }

    #[test]
    fn the_c2sp_examples_are_well_formed_notes_signed_by_keys_we_do_not_know() {
        // signed-note.md: a text with an empty line and non-ASCII characters.
        let quasimodo = "Ognuno sta solo sul cuor della terra\n\
                         trafitto da un raggio di sole:\n\
                         \n\
                         ed è subito sera.\n\
                         \n\
                         \u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(
            peter.verify(quasimodo.as_bytes()),
            Err(NoteError::NotSigned("PeterNeumann".into()))
        );
        // tlog-checkpoint.md.
        let sofa = "example.com/behind-the-sofa\n\
                    20852163\n\
                    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
                    \n\
                    \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let stranger =
            NoteVerifier::new("example.com/behind-the-sofa", peter_secret().public()).unwrap();
        assert_eq!(
            Checkpoint::open(sofa.as_bytes(), &stranger, "example.com/behind-the-sofa"),
            Err(CheckpointError::Note(NoteError::NotSigned(
                "example.com/behind-the-sofa".into()
            )))
        );
        let body = sofa.split("\n\n").next().unwrap().to_owned() + "\n";
        let checkpoint = Checkpoint::parse(&body).unwrap();
        assert_eq!(checkpoint.origin(), "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size(), 20_852_163);
        assert_eq!(
            checkpoint.root().to_base64(),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert_eq!(checkpoint.body(), body);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn note_verification_never_panics(text in "\\PC{0,200}") {
            let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
            let _ = peter.verify(text.as_bytes());
            let _ = Checkpoint::parse(&text);
            let _ = NoteVerifier::from_vkey(&text);
        }
    }
}
