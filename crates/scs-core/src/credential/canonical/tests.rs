//! [`prepare`] against the general way on the same bytes: whenever it answers, the general
//! way accepts the same bytes and gives the same credential, signer, time and signed bytes.

use super::*;
use crate::credential::tests::sample;
use crate::credential::ProfileError;
use crate::keys::SecretKey;
use crate::proof::{self, ProofError};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const MAX: usize = 256 * 1024;

fn key() -> SecretKey {
    SecretKey::from_seed(&[4; 32])
}

/// The sample credential, edited by `edit` before it is signed with `extra` proof options.
fn signed_with(edit: impl FnOnce(&mut Value), extra: Map<String, Value>) -> Value {
    let mut document = sample();
    document["issuer"]["id"] = key().public().did_key().to_string().into();
    edit(&mut document);
    let created = Timestamp::parse("2027-03-31T00:00:00Z").unwrap();
    proof::sign(
        document,
        &key(),
        created,
        ProofPurpose::AssertionMethod,
        extra,
    )
    .unwrap()
}

/// A named change to a document.
type Edit = Box<dyn Fn(&mut Value)>;

fn signed(edit: impl FnOnce(&mut Value)) -> Value {
    signed_with(edit, Map::new())
}

/// What the general way makes of `bytes`: strict parse, data model, proof, profile.
type General = (
    ProofInfo,
    [u8; 64],
    Signature,
    Result<AttainmentCredential, ProfileError>,
);

fn general(bytes: &[u8]) -> Result<General, String> {
    let value = crate::json::parse_strict(bytes, MAX).map_err(|e| e.to_string())?;
    crate::vcdm::check_data_model(&value).map_err(|e| e.to_string())?;
    let prepared = proof::prepare(value, ProofPurpose::AssertionMethod)
        .map_err(|e: ProofError| e.to_string())?;
    let credential = AttainmentCredential::from_value(prepared.unsecured);
    Ok((
        prepared.info,
        prepared.message,
        prepared.signature,
        credential,
    ))
}

/// Whether [`prepare`] answers for `bytes`; when it does, the general way must give the same.
fn agrees(bytes: &[u8]) -> bool {
    let Some(fast) = prepare(bytes, MAX, DidKey::from_verification_method) else {
        return false;
    };
    let text = String::from_utf8_lossy(bytes);
    let (info, message, signature, credential) =
        general(bytes).unwrap_or_else(|e| panic!("only the fast way accepts ({e}): {text}"));
    assert_eq!(fast.info, info, "{text}");
    assert_eq!(fast.message, message, "{text}");
    assert_eq!(fast.signature, signature, "{text}");
    assert_eq!(Ok(fast.credential), credential, "{text}");
    true
}

/// Whether the signature of `bytes`, prepared the fast way, verifies.
fn verifies(bytes: &[u8]) -> bool {
    let fast = prepare(bytes, MAX, DidKey::from_verification_method).unwrap();
    fast.info
        .signer
        .public_key()
        .verify(&fast.message, &fast.signature)
        .is_ok()
}

fn compact(document: &Value) -> Vec<u8> {
    serde_json::to_vec(document).unwrap()
}

fn pretty(document: &Value) -> Vec<u8> {
    let mut text = serde_json::to_vec_pretty(document).unwrap();
    text.push(b'\n');
    text
}

/// `bytes` with the first `from` replaced by `to`.
fn replaced(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.contains(from), "{from} in {text}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn reads_what_the_issuer_writes_in_every_layout() {
    let document = signed(|_| {});
    let text = compact(&document);
    for bytes in [
        text.clone(),
        pretty(&document),
        [text.as_slice(), b"\r\n"].concat(),
        [b"  ".as_slice(), &text, b"\n"].concat(),
        replaced(&pretty(&document), "\n", "\r\n"),
    ] {
        assert!(agrees(&bytes), "{}", String::from_utf8_lossy(&bytes));
        assert!(verifies(&bytes));
    }
    // The W3C test vector's credential is not a ★ credential: left to the general way.
    let vector = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/eddsa-jcs-2022/signedJCS.json"),
    )
    .unwrap();
    assert!(!agrees(&vector));
}

#[test]
fn a_tampered_byte_is_read_and_its_signature_fails() {
    let text = compact(&signed(|_| {}));
    let tampered = replaced(&text, "株式会社サンプル", "株式会社サンプラ");
    assert!(agrees(&tampered));
    assert!(!verifies(&tampered));
    let created = replaced(&text, "2027-03-31T00:00:00Z", "2027-03-31T00:00:01Z");
    assert!(agrees(&created));
    assert!(!verifies(&created));
}

/// Bytes that are not UTF-8 — in a string, compact or pretty — are never read: the one check of
/// the whole text covers both passes.
#[test]
fn bytes_that_are_not_utf8_are_never_read() {
    let document = signed(|_| {});
    for text in [compact(&document), pretty(&document)] {
        let at = text.windows(3).position(|w| w == "サ".as_bytes()).unwrap();
        for bad in [&[0xff_u8][..], &[0xe3, 0x82], &[0xc0, 0xaf]] {
            let bytes = [&text[..at], bad, &text[at + 3..]].concat();
            assert!(prepare(&bytes, MAX, DidKey::from_verification_method).is_none());
            assert!(general(&bytes).is_err());
        }
    }
}

#[test]
fn text_that_is_not_canonical_is_left_to_the_general_way() {
    let text = compact(&signed(|_| {}));
    let escaped_name = replaced(&text, "サ", "\\u30b5");
    let escaped_slash = replaced(&text, "https://w3id.org", "https:\\/\\/w3id.org");
    let escaped_key = replaced(&text, "\"legalName\"", "\"legal\\u004eame\"");
    let did = key().public().did_key().to_string();
    let swapped = replaced(
        &text,
        &format!("{{\"id\":\"{did}\",\"name\":\"評価機関\"}}"),
        &format!("{{\"name\":\"評価機関\",\"id\":\"{did}\"}}"),
    );
    for bytes in [&escaped_name, &escaped_slash, &escaped_key, &swapped] {
        // The same document, so the general way verifies it: the fast way must not answer.
        let (info, message, signature, credential) = general(bytes).unwrap();
        assert!(info
            .signer
            .public_key()
            .verify(&message, &signature)
            .is_ok());
        assert!(credential.is_ok());
        assert!(!agrees(bytes), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn duplicate_names_and_number_forms_are_never_read() {
    let text = compact(&signed(|_| {}));
    let duplicate = replaced(
        &text,
        "\"legalName\":",
        "\"legalName\":\"株式会社ニセモノ\",\"legalName\":",
    );
    assert!(general(&duplicate).is_err());
    assert!(!agrees(&duplicate));
    for level in ["4.0", "4e0", "04", "-0", "40000000000000000000"] {
        let bytes = replaced(&text, "\"level\":4", &format!("\"level\":{level}"));
        assert!(!agrees(&bytes), "{level}");
    }
}

#[test]
fn members_the_general_way_checks_are_left_to_it() {
    let edits: Vec<(&str, Edit)> = vec![
        ("top name", Box::new(|d| d["name"] = "名前".into())),
        ("top description", Box::new(|d| d["description"] = 5.into())),
        (
            "issuer description",
            Box::new(|d| d["issuer"]["description"] = 5.into()),
        ),
        (
            "issuer url",
            Box::new(|d| d["issuer"]["url"] = "https://x.example".into()),
        ),
        (
            "schema",
            Box::new(|d| d["credentialSchema"] = json!({"id": "x"})),
        ),
        (
            "status empty",
            Box::new(|d| d["credentialStatus"] = json!([])),
        ),
        (
            "status null",
            Box::new(|d| d["credentialStatus"] = Value::Null),
        ),
        (
            "status object",
            Box::new(|d| d["credentialStatus"] = d["credentialStatus"][0].clone()),
        ),
        // serde's derived structs also read an array, by position; the general way refuses
        // these as not objects (the fast way used to accept them).
        (
            "issuer array",
            Box::new(|d| {
                let id = d["issuer"]["id"].clone();
                d["issuer"] = json!([id, "評価機関"]);
            }),
        ),
        (
            "status entry array",
            Box::new(|d| {
                let e = d["credentialStatus"][0].clone();
                d["credentialStatus"][0] = json!([
                    e["id"],
                    e["type"],
                    e["statusPurpose"],
                    e["statusListIndex"],
                    e["statusListCredential"]
                ]);
            }),
        ),
        (
            "status not a URL",
            Box::new(|d| {
                d["credentialStatus"][0]["statusListCredential"] = "registry".into();
                d["credentialStatus"][0]["id"] = "registry#42".into();
            }),
        ),
        (
            "type with a space",
            Box::new(|d| d["type"].as_array_mut().unwrap().push("A B".into())),
        ),
        (
            "id not a uuid",
            Box::new(|d| d["id"] = "urn:uuid:nope".into()),
        ),
        (
            "leap second",
            Box::new(|d| d["validUntil"] = "2029-06-30T23:59:60Z".into()),
        ),
        (
            "end of day",
            Box::new(|d| d["validUntil"] = "2029-06-30T24:00:00Z".into()),
        ),
        (
            "offset too large",
            Box::new(|d| d["validUntil"] = "2029-06-30T00:00:00+15:00".into()),
        ),
        (
            "level 6",
            Box::new(|d| d["credentialSubject"]["achievement"]["level"] = 6.into()),
        ),
        (
            "level text",
            Box::new(|d| d["credentialSubject"]["achievement"]["level"] = "4".into()),
        ),
        (
            "check digit",
            Box::new(|d| d["credentialSubject"]["corporateNumber"] = "7000012050003".into()),
        ),
        (
            "subject id",
            Box::new(|d| d["credentialSubject"]["id"] = "https://x.example".into()),
        ),
        (
            "context",
            Box::new(|d| d["@context"] = json!([crate::context::VC_V2])),
        ),
        (
            "null name",
            Box::new(|d| d["credentialSubject"]["legalNameEn"] = Value::Null),
        ),
    ];
    for (what, edit) in edits {
        let document = signed(edit);
        for bytes in [compact(&document), pretty(&document)] {
            let answered = agrees(&bytes);
            let accepted = matches!(general(&bytes), Ok((_, _, _, Ok(_))));
            // Where the general way accepts, either answer is right; where it does not, the
            // fast way must not (which `agrees` checks).
            assert!(accepted || !answered, "{what}");
        }
    }
    // Some documents the general way accepts are read the fast way too.
    let extra_type = signed(|d| d["type"].as_array_mut().unwrap().push("ExtraType".into()));
    assert!(agrees(&compact(&extra_type)));
    let offset = signed(|d| d["validUntil"] = "2030-03-31T23:59:59+09:00".into());
    assert!(agrees(&compact(&offset)));
}

#[test]
fn proofs_the_general_way_refuses_are_never_read() {
    let edits: Vec<(&str, Edit)> = vec![
        (
            "created null",
            Box::new(|d| d["proof"]["created"] = Value::Null),
        ),
        (
            "context null",
            Box::new(|d| d["proof"]["@context"] = Value::Null),
        ),
        (
            "context other",
            Box::new(|d| d["proof"]["@context"] = json!([crate::context::VC_V2])),
        ),
        (
            "purpose",
            Box::new(|d| d["proof"]["proofPurpose"] = "authentication".into()),
        ),
        (
            "suite",
            Box::new(|d| d["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into()),
        ),
        (
            "type",
            Box::new(|d| d["proof"]["type"] = "Ed25519Signature2020".into()),
        ),
        (
            "short value",
            Box::new(|d| d["proof"]["proofValue"] = "z3FXQ".into()),
        ),
        (
            "not base58",
            Box::new(|d| d["proof"]["proofValue"] = "z0OIl".into()),
        ),
        (
            "method",
            Box::new(|d| d["proof"]["verificationMethod"] = "did:key:z6MkBad#z6MkBad".into()),
        ),
        (
            "created",
            Box::new(|d| d["proof"]["created"] = "yesterday".into()),
        ),
        (
            "array",
            Box::new(|d| d["proof"] = json!([d["proof"].clone()])),
        ),
        (
            "no proof",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("proof");
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut document = signed(|_| {});
        edit(&mut document);
        for bytes in [compact(&document), pretty(&document)] {
            assert!(general(&bytes).is_err(), "{what}");
            assert!(!agrees(&bytes), "{what}");
        }
    }
    // Without `created` and with another option: signed so, the general way reads them; the
    // fast way reads the first and leaves the option to the general way.
    let mut no_created = signed(|_| {});
    no_created["proof"]
        .as_object_mut()
        .unwrap()
        .remove("created");
    assert!(agrees(&compact(&no_created)));
    let nonce = Map::from_iter([("nonce".to_owned(), Value::from("abc"))]);
    let with_nonce = compact(&signed_with(|_| {}, nonce));
    assert!(general(&with_nonce).is_ok());
    assert!(!agrees(&with_nonce));
}

#[test]
fn the_size_bound_is_the_general_ways() {
    let text = compact(&signed(|_| {}));
    assert!(prepare(&text, text.len(), DidKey::from_verification_method).is_some());
    assert!(prepare(&text, text.len() - 1, DidKey::from_verification_method).is_none());
}

proptest! {
    /// Any one byte of the compact or pretty text changed, inserted or removed: the fast way
    /// answers only as the general way does.
    #[test]
    fn any_altered_byte_is_read_as_the_general_way_reads_it(
        pretty_text in any::<bool>(),
        at in any::<prop::sample::Index>(),
        byte in prop_oneof![
            any::<u8>(),
            prop::sample::select(b" \"\\{}[],:0123456789-.eEtfnu".to_vec()),
        ],
        how in 0..3u8,
    ) {
        let document = signed(|_| {});
        let mut bytes = if pretty_text { pretty(&document) } else { compact(&document) };
        let at = at.index(bytes.len());
        match how {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ => { bytes.remove(at); }
        }
        agrees(&bytes);
    }
}
