//! The C2SP `tlog-checkpoint` body (<https://c2sp.org/tlog-checkpoint>): a [`Checkpoint`] names
//! a log (its origin), a tree size and the RFC 9162 root hash, and is published as a signed note
//! ([`super::note`]). Parsing is strict — canonical decimal size, canonical base64 root, bounded
//! extension lines — because clients compare checkpoints byte for byte.

use thiserror::Error;

use super::clip;
use super::hash::Hash;
use super::note::{check_key_name, has_control, sign_note, NoteError, NoteVerifier, MAX_NOTE_SIZE};
use crate::keys::SecretKey;

/// The most extension lines a parsed checkpoint may carry ("The use of extension lines is NOT
/// RECOMMENDED"; this log writes none).
pub const MAX_CHECKPOINT_EXTENSIONS: usize = 16;

/// Why a checkpoint was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// An origin this log will not sign under: empty, or with a space, a plus sign or a control
    /// character (it doubles as the signing key's name).
    #[error("invalid checkpoint origin {0:?}")]
    Origin(String),
    /// "The note text is a sequence of at least three non-empty lines, separated by newlines"; an
    /// extension line that is empty, or too many of them.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// "the ASCII decimal representation of the number of leaves in the tree, with no leading
    /// zeroes (unless the tree is empty, in which case the tree size is `0`)".
    #[error("checkpoint tree size is not a canonical decimal number")]
    Size,
    /// "the base64 encoding of the root of the RFC 6962 Merkle hash tree".
    #[error("checkpoint root hash is not the base64 of 32 bytes")]
    Root,
    /// The checkpoint is for another log.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin asked for.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// The signed note around it was refused.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A checkpoint: the note text naming a log's tree head. "1. The first line is the **origin**
/// ... 2. The second line is the **tree size** ... 3. The third line is the **root hash** ...
/// 4. Any following lines are **extension lines**, opaque and OPTIONAL."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint of this log with no extension lines. The origin is also the signing key's
    /// name ("The log’s key name in its signature line SHOULD match the origin line"), so it
    /// must be a valid key name: non-empty, no spaces, no `+`.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_key_name(origin).map_err(|_| CheckpointError::Origin(clip(origin)))?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines, if the parsed checkpoint had any.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`, then any extension lines.
    pub fn body(&self) -> String {
        let mut body = format!("{}\n{}\n{}\n", self.origin, self.size, self.root);
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body (the text of a verified note), strictly.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        if body.len() > MAX_NOTE_SIZE {
            return Err(CheckpointError::Malformed("too large"));
        }
        if has_control(body) {
            return Err(CheckpointError::Malformed("control character"));
        }
        let lines = body.strip_suffix('\n').ok_or(CheckpointError::Malformed(
            "the last line must end in a newline",
        ))?;
        let mut lines = lines.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Malformed("fewer than three lines"));
        };
        // "The origin MUST be non-empty". (Its other rules are SHOULDs; the caller compares it
        // with the origin it expects.)
        if origin.is_empty() {
            return Err(CheckpointError::Malformed("empty origin line"));
        }
        let size = parse_decimal(size).ok_or(CheckpointError::Size)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::Root)?;
        let mut extensions = Vec::new();
        for line in lines {
            // "Extension lines, if any, MUST be non-empty."
            if line.is_empty() {
                return Err(CheckpointError::Malformed("empty extension line"));
            }
            if extensions.len() == MAX_CHECKPOINT_EXTENSIONS {
                return Err(CheckpointError::Malformed("too many extension lines"));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The signed checkpoint: the body signed as a note by `key` under the origin as key name.
    pub fn sign(&self, key: &SecretKey) -> Result<String, NoteError> {
        sign_note(&self.body(), &self.origin, key)
    }

    /// Verifies a signed checkpoint with `verifier`, parses it, and checks it is for `origin`.
    pub fn open(
        note: &[u8],
        verifier: &NoteVerifier,
        origin: &str,
    ) -> Result<Self, CheckpointError> {
        let checkpoint = Self::parse(verifier.verify(note)?)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::OriginMismatch {
                expected: clip(origin),
                found: clip(&checkpoint.origin),
            });
        }
        Ok(checkpoint)
    }
}

/// ASCII decimal with no sign and no leading zeros ("0" alone is zero), within u64.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::{leaf_hash, EMPTY_ROOT};

    // -- Checkpoints

    #[test]
    fn checkpoint_body_matches_go_format_tree() {
        // Go's sumdb/tlog TestFormatTree / TestParseTree.
        let golden =
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
        let checkpoint = Checkpoint::parse(golden).unwrap();
        assert_eq!(checkpoint.origin(), "go.sum database tree");
        assert_eq!(checkpoint.size(), 123_456_789_012);
        assert_eq!(*checkpoint.root(), leaf_hash(b"hello world"));
        assert_eq!(checkpoint.extensions(), &[] as &[String]);
        assert_eq!(checkpoint.body(), golden);
        // We parse that origin but do not sign under it: a key name has no spaces.
        assert!(matches!(
            Checkpoint::new("go.sum database tree", 1, EMPTY_ROOT),
            Err(CheckpointError::Origin(_))
        ));
        let ours = Checkpoint::new("registry.example/log", 0, EMPTY_ROOT).unwrap();
        assert_eq!(
            ours.body(),
            "registry.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        );
        assert_eq!(Checkpoint::parse(&ours.body()), Ok(ours));
        let max = Checkpoint::new("o", u64::MAX, EMPTY_ROOT).unwrap();
        assert_eq!(Checkpoint::parse(&max.body()), Ok(max));
    }

    #[test]
    fn checkpoint_parsing_is_strict() {
        let root = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=";
        let with = |size: &str, root: &str| format!("o\n{size}\n{root}\n");
        for size in [
            "",
            "0123",
            "00",
            "+1",
            "-1",
            "1.0",
            " 1",
            "1 ",
            "0x1",
            "١",
            "18446744073709551616",
        ] {
            assert_eq!(
                Checkpoint::parse(&with(size, root)),
                Err(CheckpointError::Size),
                "{size:?}"
            );
        }
        for bad_root in [
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0",
            "TszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0==",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "",
        ] {
            assert_eq!(
                Checkpoint::parse(&with("1", bad_root)),
                Err(CheckpointError::Root),
                "{bad_root:?}"
            );
        }
        for bad in [
            String::new(),
            "o\n1\n".to_owned(),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\nmore\n"),
            format!("o\r\n1\n{root}\n"),
            format!(
                "o\n1\n{root}\n{}",
                "ext\n".repeat(MAX_CHECKPOINT_EXTENSIONS + 1)
            ),
        ] {
            assert!(
                matches!(Checkpoint::parse(&bad), Err(CheckpointError::Malformed(_))),
                "{bad:?}"
            );
        }
        let extended = format!("o\n1\n{root}\nfirst extension\nsecond\n");
        let checkpoint = Checkpoint::parse(&extended).unwrap();
        assert_eq!(checkpoint.extensions(), ["first extension", "second"]);
        assert_eq!(checkpoint.body(), extended);
    }

    #[test]
    fn signed_checkpoints_open_only_with_the_right_key_and_origin() {
        let key = SecretKey::from_seed(&[7; 32]);
        let origin = "registry.scs.example/log";
        let verifier = NoteVerifier::new(origin, key.public()).unwrap();
        let checkpoint = Checkpoint::new(origin, 5, leaf_hash(b"root")).unwrap();
        let signed = checkpoint.sign(&key).unwrap();
        assert!(signed.starts_with(&format!("{}\n\u{2014} {origin} ", checkpoint.body())));
        assert_eq!(
            Checkpoint::open(signed.as_bytes(), &verifier, origin),
            Ok(checkpoint.clone())
        );
        // The verifier key string works the same way.
        let from_vkey = NoteVerifier::from_vkey(&verifier.vkey()).unwrap();
        assert_eq!(from_vkey, verifier);
        assert!(matches!(
            Checkpoint::open(signed.as_bytes(), &verifier, "other.example/log"),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        let tampered = signed.replacen("\n5\n", "\n6\n", 1);
        assert_eq!(
            Checkpoint::open(tampered.as_bytes(), &verifier, origin),
            Err(CheckpointError::Note(NoteError::BadSignature(
                origin.into()
            )))
        );
        let stranger = NoteVerifier::new(origin, SecretKey::from_seed(&[8; 32]).public()).unwrap();
        assert_eq!(
            Checkpoint::open(signed.as_bytes(), &stranger, origin),
            Err(CheckpointError::Note(NoteError::NotSigned(origin.into())))
        );
        // A note that verifies but is not a checkpoint.
        let not_checkpoint = sign_note("hello\n", origin, &key).unwrap();
        assert!(matches!(
            Checkpoint::open(not_checkpoint.as_bytes(), &verifier, origin),
            Err(CheckpointError::Malformed(_))
        ));
    }
}
