//! What the fuzz targets share: the demo keys and trust list of `keys/demo` (compiled in), a
//! fixed clock, and re-signing of fuzzed documents. A fuzzer cannot forge an Ed25519 signature,
//! so each target feeds its input twice: as it is (the signature check refuses almost all of it),
//! and signed again by the key the decoder trusts, which takes the input past the signature to
//! the parsing and rules behind it.
#![allow(clippy::expect_used)] // the demo keys and trust list are compiled in: a failure is a broken checkout

use std::sync::OnceLock;

use scs_core::keys::{DidKey, SecretKey};
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use serde_json::{Map, Value};

/// The demo keys and the demo trust list they make.
pub struct Demo {
    /// The operator: signs trust lists.
    pub operator: SecretKey,
    /// A designated issuer (★3 and ★4 in the demo trust list).
    pub issuer: SecretKey,
    /// The registry's status list key.
    pub status: SecretKey,
    /// The registry's log key: signs checkpoints.
    pub log: SecretKey,
    /// `keys/demo/trust-list.json`, verified against the operator key.
    pub trust_list: TrustList,
}

impl Demo {
    /// The operator's `did:key`, the anchor a trust list is checked against.
    pub fn operator_did(&self) -> DidKey {
        self.operator.public().did_key()
    }
}

/// A key file's Multikey: the first line that is not a `#` comment.
fn secret(file: &str) -> SecretKey {
    let body = file
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .expect("a key line");
    SecretKey::from_multikey(body).expect("a demo key")
}

/// The demo keys and trust list, read once.
pub fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let operator = secret(include_str!("../../keys/demo/operator.key"));
        let document = serde_json::from_str(include_str!("../../keys/demo/trust-list.json"))
            .expect("demo trust list JSON");
        let trust_list = TrustList::from_signed(document, &operator.public().did_key())
            .expect("demo trust list signed by the demo operator");
        Demo {
            operator,
            issuer: secret(include_str!("../../keys/demo/issuer-star4.key")),
            status: secret(include_str!("../../keys/demo/registry-status.key")),
            log: secret(include_str!("../../keys/demo/registry-log.key")),
            trust_list,
        }
    })
}

/// The instant every target judges at, so that a run is repeatable.
pub fn now() -> Timestamp {
    Timestamp::parse("2026-12-01T00:00:00Z").expect("a fixed timestamp")
}

/// `document` with its proof replaced by one from `key`, keeping the old proof's `created` and
/// `nonce` when they are strings (so the fuzzer still steers them); `nonce` is used when the old
/// proof has none. `None` when the document is not a JSON object or cannot be signed.
pub fn resign(
    document: &Value,
    key: &SecretKey,
    purpose: ProofPurpose,
    nonce: Option<&str>,
) -> Option<Value> {
    let Value::Object(mut map) = document.clone() else {
        return None;
    };
    let old = map.remove("proof");
    let field = |name: &str| old.as_ref()?.get(name)?.as_str().map(str::to_owned);
    let created = field("created")
        .and_then(|t| Timestamp::parse(&t).ok())
        .unwrap_or_else(now);
    let mut options = Map::new();
    if let Some(nonce) = field("nonce").or(nonce.map(str::to_owned)) {
        options.insert("nonce".into(), nonce.into());
    }
    proof::sign(Value::Object(map), key, created, purpose, options).ok()
}
