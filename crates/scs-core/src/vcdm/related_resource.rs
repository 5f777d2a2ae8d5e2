//! `relatedResource` (VCDM 2.0 §5.3, "Integrity of Related Resources"): one object or an array
//! of objects, each with a URL `id` (no `id` twice) and at least one of `digestSRI` and
//! `digestMultibase`. Every digest must be well formed; a digest of a resource this code holds
//! (the bundled contexts, [`crate::context::held_resource`]) must match its bytes.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::{check_single_url, member_path, object_items, DataModelError, Result};

/// The hash functions a digest may name: those SRI (W3C Subresource Integrity §3.2) allows,
/// which are also the SHA-2 codes of the multihash table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn from_sri(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The multihash code (multicodec table: sha2-256 0x12, sha2-512 0x13, sha2-384 0x20), each
    /// one byte as an unsigned varint.
    fn from_multihash_code(code: u8) -> Option<Self> {
        match code {
            0x12 => Some(Self::Sha256),
            0x20 => Some(Self::Sha384),
            0x13 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(bytes).to_vec(),
            Self::Sha384 => Sha384::digest(bytes).to_vec(),
            Self::Sha512 => Sha512::digest(bytes).to_vec(),
        }
    }
}

/// One digest read from `digestSRI` or `digestMultibase`.
#[derive(Debug, PartialEq, Eq)]
struct Stated {
    algorithm: Algorithm,
    digest: Vec<u8>,
}

impl Stated {
    fn holds_for(&self, bytes: &[u8]) -> bool {
        self.algorithm.digest(bytes) == self.digest
    }
}

/// Longest digest string read: a SHA-512 digest in base58btc or base64 is under 100
/// characters; an SRI value may list a few.
const MAX_DIGEST_TEXT: usize = 1024;

/// Checks the optional `relatedResource` of `vc`.
pub(super) fn check(vc: &Map<String, Value>) -> Result<()> {
    let Some(value) = vc.get("relatedResource") else {
        return Ok(());
    };
    let mut seen: Vec<&str> = Vec::new();
    for (path, resource) in object_items(value, "relatedResource")? {
        let id_path = member_path(&path, "id");
        let id = resource.get("id").ok_or_else(|| DataModelError::Missing {
            path: id_path.clone(),
        })?;
        check_single_url(id, &id_path)?;
        let id = id.as_str().unwrap_or_default();
        if seen.contains(&id) {
            return Err(DataModelError::RepeatedRelatedResource { id: id.to_owned() });
        }
        seen.push(id);
        check_digests(resource, &path, crate::context::held_resource(id))?;
    }
    Ok(())
}

/// The digests of one related resource: at least one, each well formed, each matching `held`
/// when we hold the resource.
fn check_digests(resource: &Map<String, Value>, path: &str, held: Option<&[u8]>) -> Result<()> {
    let sri = resource.get("digestSRI");
    let multibase = resource.get("digestMultibase");
    if sri.is_none() && multibase.is_none() {
        return Err(DataModelError::NoDigest {
            path: path.to_owned(),
        });
    }
    let readings = [
        (
            "digestSRI",
            sri,
            parse_sri as fn(&str) -> Option<Vec<Stated>>,
        ),
        ("digestMultibase", multibase, parse_multibase),
    ];
    for (name, value, parse) in readings {
        let Some(value) = value else { continue };
        let at = member_path(path, name);
        let stated = value
            .as_str()
            .filter(|text| text.len() <= MAX_DIGEST_TEXT)
            .and_then(parse)
            .ok_or_else(|| DataModelError::BadDigest { path: at.clone() })?;
        if let Some(bytes) = held {
            if !stated.iter().all(|s| s.holds_for(bytes)) {
                return Err(DataModelError::DigestMismatch { path: at });
            }
        }
    }
    Ok(())
}

/// An SRI metadata value: whitespace-separated `alg-base64` tokens (options after `?`
/// ignored), every one naming SHA-256, -384 or -512 with a digest of its length. Stricter than
/// SRI, which ignores unknown algorithms: a digest we cannot check is refused, not skipped.
fn parse_sri(text: &str) -> Option<Vec<Stated>> {
    let stated: Option<Vec<Stated>> = text
        .split_ascii_whitespace()
        .map(|token| {
            let (name, rest) = token.split_once('-')?;
            let algorithm = Algorithm::from_sri(name)?;
            let encoded = rest.split_once('?').map_or(rest, |(digest, _)| digest);
            let digest = STANDARD_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
            (digest.len() == algorithm.len()).then_some(Stated { algorithm, digest })
        })
        .collect();
    stated.filter(|s| !s.is_empty())
}

/// A multibase string (`z` base58btc or `u` base64url without padding) of a multihash: the
/// code of a SHA-2 function, the digest length, the digest.
fn parse_multibase(text: &str) -> Option<Vec<Stated>> {
    let bytes = if text.starts_with('z') {
        crate::multibase::decode_base58btc(text).ok()?
    } else {
        URL_SAFE_NO_PAD.decode(text.strip_prefix('u')?).ok()?
    };
    let (&code, rest) = bytes.split_first()?;
    let (&len, digest) = rest.split_first()?;
    let algorithm = Algorithm::from_multihash_code(code)?;
    (usize::from(len) == algorithm.len() && digest.len() == algorithm.len()).then(|| {
        vec![Stated {
            algorithm,
            digest: digest.to_vec(),
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{SCS_V1, SCS_V1_DOCUMENT};
    use crate::vcdm::check_data_model;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    fn credential_with(related: Value) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"name": "x"},
            "relatedResource": related,
        })
    }

    fn check_related(related: Value) -> Result<()> {
        check_data_model(&credential_with(related))
    }

    fn sri(algorithm: &str, bytes: &[u8]) -> String {
        let digest = match algorithm {
            "sha256" => Sha256::digest(bytes).to_vec(),
            "sha384" => Sha384::digest(bytes).to_vec(),
            _ => Sha512::digest(bytes).to_vec(),
        };
        format!("{algorithm}-{}", STANDARD.encode(digest))
    }

    fn multihash_sha256(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![0x12, 32];
        out.extend_from_slice(&Sha256::digest(bytes));
        out
    }

    const CONTEXT: &[u8] = SCS_V1_DOCUMENT.as_bytes();

    #[test]
    fn accepts_correct_digests_of_the_bundled_context_in_every_form() {
        for algorithm in ["sha256", "sha384", "sha512"] {
            check_related(json!({"id": SCS_V1, "digestSRI": sri(algorithm, CONTEXT)})).unwrap();
        }
        let both = format!("{} {}", sri("sha256", CONTEXT), sri("sha512", CONTEXT));
        check_related(json!([{"id": SCS_V1, "digestSRI": both}])).unwrap();
        let base58 = crate::multibase::encode_base58btc(&multihash_sha256(CONTEXT));
        let base64url = format!("u{}", URL_SAFE_NO_PAD.encode(multihash_sha256(CONTEXT)));
        for multibase in [base58, base64url] {
            check_related(json!({"id": SCS_V1, "digestMultibase": multibase})).unwrap();
        }
    }

    #[test]
    fn accepts_well_formed_digests_of_resources_it_does_not_hold() {
        check_related(json!([
            {"id": "https://example.org/a.json", "digestSRI": sri("sha384", b"elsewhere")},
            {"id": "https://example.org/b.png", "digestMultibase":
                crate::multibase::encode_base58btc(&multihash_sha256(b"other"))},
        ]))
        .unwrap();
    }

    #[test]
    fn refuses_what_is_not_one_or_more_objects() {
        for value in [
            json!("https://example.org"),
            json!([]),
            json!([{"id": "x:y", "digestSRI": sri("sha256", b"")}, 3]),
        ] {
            assert!(
                matches!(
                    check_related(value.clone()),
                    Err(DataModelError::NotObjects { .. })
                ),
                "{value}"
            );
        }
    }

    #[test]
    fn refuses_an_object_without_id() {
        assert_eq!(
            check_related(json!([{"digestSRI": sri("sha256", b"x")}])),
            Err(DataModelError::Missing {
                path: "relatedResource[0].id".into()
            })
        );
        assert_eq!(
            check_related(json!({"id": "no scheme", "digestSRI": sri("sha256", b"x")})),
            Err(DataModelError::NotAUrl {
                path: "relatedResource.id".into()
            })
        );
    }

    #[test]
    fn refuses_repeated_ids() {
        let one = json!({"id": "https://example.org/a", "digestSRI": sri("sha256", b"a")});
        assert_eq!(
            check_related(json!([one.clone(), one])),
            Err(DataModelError::RepeatedRelatedResource {
                id: "https://example.org/a".into()
            })
        );
    }

    #[test]
    fn refuses_an_object_without_a_digest() {
        assert_eq!(
            check_related(json!([{"id": "https://example.org/a", "mediaType": "image/png"}])),
            Err(DataModelError::NoDigest {
                path: "relatedResource[0]".into()
            })
        );
    }

    #[test]
    fn refuses_malformed_digests() {
        let wrong_length = format!("sha256-{}", STANDARD.encode([0_u8; 31]));
        let mut wrong_code = multihash_sha256(b"a");
        wrong_code[0] = 0x11; // sha1
        let mut wrong_len = multihash_sha256(b"a");
        wrong_len[1] = 31;
        for (name, value) in [
            ("digestSRI", json!("md5-1B2M2Y8AsgTpgAmY7PhCfg==")),
            ("digestSRI", json!(wrong_length)),
            ("digestSRI", json!("sha256-not base64!")),
            ("digestSRI", json!("")),
            ("digestSRI", json!(42)),
            (
                "digestMultibase",
                json!(crate::multibase::encode_base58btc(&wrong_code)),
            ),
            (
                "digestMultibase",
                json!(crate::multibase::encode_base58btc(&wrong_len)),
            ),
            ("digestMultibase", json!(format!("f{}", "00".repeat(34)))),
        ] {
            assert_eq!(
                check_related(json!({"id": "https://example.org/a", name: value})),
                Err(DataModelError::BadDigest {
                    path: format!("relatedResource.{name}")
                }),
                "{name}: {value}"
            );
        }
    }

    #[test]
    fn refuses_a_digest_that_does_not_match_the_bundled_context() {
        assert_eq!(
            check_related(json!({"id": SCS_V1, "digestSRI": sri("sha256", b"a changed context")})),
            Err(DataModelError::DigestMismatch {
                path: "relatedResource.digestSRI".into()
            })
        );
        let good = sri("sha256", CONTEXT);
        let one_bad = format!("{good} {}", sri("sha384", b"a changed context"));
        assert!(check_related(json!({"id": SCS_V1, "digestSRI": one_bad})).is_err());
        let multibase = crate::multibase::encode_base58btc(&multihash_sha256(b"changed"));
        assert_eq!(
            check_related(json!({"id": SCS_V1, "digestSRI": good, "digestMultibase": multibase})),
            Err(DataModelError::DigestMismatch {
                path: "relatedResource.digestMultibase".into()
            })
        );
    }
}
