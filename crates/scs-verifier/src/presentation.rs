//! Verifiable presentations (SPEC §8 "Presentations"): a company presents its credentials to one verifier.
//!
//! [`open`] checks what belongs to the presentation itself — its optional `eddsa-jcs-2022`
//! proof (`proofPurpose: authentication`), the `challenge` and `domain` the verifier asked for,
//! the `holder` it names and, when asked, holder binding — and hands back the embedded
//! credentials, which the caller verifies each exactly as a credential given alone (its own
//! trust list and status source), then joins in a [`scs_core::report::PresentationReport`].

use scs_core::json::{parse_strict, JsonError};
use scs_core::keys::DidKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::report::{Check, CheckName, Message};
use scs_core::vcdm::check_presentation;
use serde_json::{Map, Value};

use crate::{signature_failure, InputError, MAX_CREDENTIAL_BYTES};

/// Largest presentation accepted, in bytes (1 MiB): room for
/// [`scs_core::vcdm::MAX_PRESENTED_CREDENTIALS`] credentials of 64 KiB each, where a ★
/// credential is about 2 KiB. The registry's body limit is smaller still.
pub const MAX_PRESENTATION_BYTES: usize = 4 * MAX_CREDENTIAL_BYTES;

/// What the verifier asked of the presentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// The challenge the verifier gave the holder: the proof must carry exactly it.
    pub challenge: Option<String>,
    /// The verifier's domain: the proof must carry exactly it.
    pub domain: Option<String>,
    /// Holder binding: the proof's key must be the key every credential names as its
    /// subject's `id`.
    pub holder_binding: bool,
}

impl Expected {
    /// Whether anything asked needs the holder's proof.
    fn needs_proof(&self) -> bool {
        self.challenge.is_some() || self.domain.is_some() || self.holder_binding
    }
}

/// A presentation's own checks, and the credentials it presents (each through
/// [`scs_core::vcdm::check_data_model`] already), in order.
#[derive(Debug, Clone)]
pub struct Opened {
    /// [`CheckName::Presentation`] and [`CheckName::Holder`], as made.
    pub checks: Vec<Check>,
    /// The embedded credentials, for the caller to verify.
    pub credentials: Vec<Value>,
}

/// Whether `value` says it is a presentation (its `type` names `VerifiablePresentation`), so
/// that one command can take a credential or a presentation.
pub fn is_presentation(value: &Value) -> bool {
    match value.get("type") {
        Some(Value::String(t)) => t == scs_core::presentation::PRESENTATION_TYPE,
        Some(Value::Array(types)) => types
            .iter()
            .any(|t| t == scs_core::presentation::PRESENTATION_TYPE),
        _ => false,
    }
}

/// Parses presentation bytes — bounded, strict JSON — and checks its structure
/// ([`check_presentation`]).
pub fn parse_presentation(bytes: &[u8]) -> Result<Value, InputError> {
    let value = parse_strict(bytes, MAX_PRESENTATION_BYTES).map_err(|e| match e {
        JsonError::TooLarge { .. } => InputError::TooLarge,
        other => InputError::NotJson(other.to_string()),
    })?;
    check_presentation(&value).map_err(InputError::Presentation)?;
    Ok(value)
}

/// Checks a presentation (through [`check_presentation`]) against what the verifier asked.
pub fn open(presentation: Value, expected: &Expected) -> Opened {
    let Value::Object(presentation) = presentation else {
        return Opened {
            checks: vec![Check::fail(CheckName::Presentation, not_an_object())],
            credentials: Vec::new(),
        };
    };
    let credentials = match presentation.get("verifiableCredential") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let (mut checks, signer) = if presentation.contains_key("proof") {
        let (check, signer) = proof_check(presentation, expected);
        (vec![check], signer)
    } else if expected.needs_proof() {
        (vec![Check::fail(CheckName::Presentation, unsigned())], None)
    } else {
        (Vec::new(), None)
    };
    if expected.holder_binding {
        checks.push(holder_check(signer.as_ref(), &credentials));
    }
    Opened {
        checks,
        credentials,
    }
}

/// The presentation's proof: it verifies, by the key of the `holder` it names if any, for the
/// challenge and domain asked. The signer, whenever the signature verified.
fn proof_check(presentation: Map<String, Value>, expected: &Expected) -> (Check, Option<DidKey>) {
    let stated = |name: &str| {
        presentation
            .get("proof")
            .and_then(|p| p.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (challenge, domain) = (stated("challenge"), stated("domain"));
    let holder = match presentation.get("holder") {
        Some(Value::Object(holder)) => holder.get("id").and_then(Value::as_str),
        other => other.and_then(Value::as_str),
    }
    .map(str::to_owned);
    let signer = match proof::prepare(Value::Object(presentation), ProofPurpose::Authentication)
        .and_then(|prepared| prepared.verify().map(|()| prepared.info.signer))
    {
        Ok(signer) => signer,
        Err(error) => {
            return (
                Check::fail(CheckName::Presentation, signature_failure(&error)),
                None,
            )
        }
    };
    let check = match audience_mismatch(expected, &challenge, &domain)
        .or_else(|| holder_mismatch(holder.as_deref(), &signer))
    {
        Some(why) => Check::fail(CheckName::Presentation, why),
        None => Check::pass(CheckName::Presentation, signed_as_asked(&signer, expected)),
    };
    (check, Some(signer))
}

/// Why the proof's `challenge` or `domain` is not the one asked, if it is not.
fn audience_mismatch(
    expected: &Expected,
    challenge: &Option<String>,
    domain: &Option<String>,
) -> Option<Message> {
    [
        ("challenge", &expected.challenge, challenge),
        ("domain", &expected.domain, domain),
    ]
    .into_iter()
    .find_map(|(name, asked, found)| {
        let asked = asked.as_ref().filter(|asked| Some(*asked) != found.as_ref())?;
        Some(Message::new(
            format!("{name} が求めたもの（{asked}）と異なります: 別の相手か別の機会のための提示です"),
            format!("the proof's {name} is not the {asked:?} asked for: the presentation was made for another verifier or occasion"),
        ))
    })
}

/// Why the `holder` the presentation names is not its signer, if it is not.
fn holder_mismatch(holder: Option<&str>, signer: &DidKey) -> Option<Message> {
    let holder = holder.filter(|h| !signer.is_did(h))?;
    Some(Message::new(
        format!("提示者 {holder} と署名した鍵 {signer} が異なります"),
        format!("the presentation names holder {holder} but {signer} signed it"),
    ))
}

fn signed_as_asked(signer: &DidKey, expected: &Expected) -> Message {
    let asked = match (&expected.challenge, &expected.domain) {
        (None, None) => String::new(),
        (Some(c), None) => format!(" (challenge {c})"),
        (None, Some(d)) => format!(" (domain {d})"),
        (Some(c), Some(d)) => format!(" (challenge {c}, domain {d})"),
    };
    Message::new(
        format!("提示の署名は正しく、{signer} が提示しました{asked}"),
        format!("presentation signed by {signer}{asked}"),
    )
}

/// Holder binding: every credential names the presentation's signer as its subject's `id`.
fn holder_check(signer: Option<&DidKey>, credentials: &[Value]) -> Check {
    let Some(signer) = signer else {
        return Check::fail(
            CheckName::Holder,
            Message::new(
                "提示の署名を検証できないため、提示者が証明書の企業か確認できません",
                "without a verified presentation proof, the holder cannot be bound to the credentials",
            ),
        );
    };
    for (index, credential) in credentials.iter().enumerate() {
        let named = credential
            .get("credentialSubject")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str);
        let why = match named {
            Some(id) if signer.is_did(id) => continue,
            Some(id) => Message::new(
                format!("証明書 {index} は別の鍵 {id} を企業の鍵としています（提示者 {signer}）"),
                format!("credential {index} names {id} as its subject, not the presenter {signer}"),
            ),
            None => Message::new(
                format!("証明書 {index} は企業の鍵（credentialSubject.id）を記載していません"),
                format!("credential {index} names no holder key (credentialSubject.id)"),
            ),
        };
        return Check::fail(CheckName::Holder, why);
    }
    Check::pass(
        CheckName::Holder,
        Message::new(
            format!("提示者 {signer} は証明書の企業の鍵です"),
            format!("the presenter {signer} is the key the credentials name as their subject"),
        ),
    )
}

fn unsigned() -> Message {
    Message::new(
        "提示に署名がありません: challenge・domain・提示者の確認には提示者の署名が必要です",
        "the presentation is not signed: a challenge, domain or holder binding needs the holder's proof",
    )
}

fn not_an_object() -> Message {
    Message::new(
        "提示が JSON オブジェクトではありません",
        "the presentation is not a JSON object",
    )
}
