//! Issuing ★ attainment credentials, and the key files every signer uses.
//!
//! This crate is where randomness enters (key generation, credential ids) and where key files
//! are read and written; the signing itself is `scs_core::proof`.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod durable;
pub mod keyfile;

use scs_core::context::{SCS_V1, VC_V2};
use scs_core::credential::{
    Achievement, AssessmentMethod, AttainmentCredential, IssuerRef, Level, ProfileError, Scope,
    StatusEntry, Subject, CREDENTIAL_TYPE, SUBJECT_TYPE,
};
use scs_core::ids::{CorporateNumber, CredentialId, Lei};
use scs_core::keys::{DidKey, SecretKey};
use scs_core::proof::{self, ProofError, ProofPurpose};
use scs_core::timestamp::{CalendarDate, Timestamp};
use scs_core::trust_list::Policy;
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// The criteria set in force when this release was made (METI/NISC, 2026-03-27).
pub const CURRENT_CRITERIA_VERSION: &str = "2026-03-27";

/// Why a credential could not be issued.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IssueError {
    /// `subject.json` is not the expected shape.
    #[error("subject: {0}")]
    Subject(String),
    /// The policy does not allow this level at all.
    #[error("the trust list policy allows no ★{0} credentials")]
    LevelNotAllowed(Level),
    /// The requested validity is longer than the policy allows.
    #[error("validity of {days} days exceeds the {max} days allowed for ★{level}")]
    TooLong {
        /// ★
        level: Level,
        /// Requested.
        days: i64,
        /// Allowed.
        max: u32,
    },
    /// The assembled credential breaks the profile.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Signing failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// `subject.json`: the credentialSubject without `achievement`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubjectInput {
    /// The company's own key, `did:key:z6Mk…` (its `.pub` from `scs keygen`): the holder a
    /// presentation can be bound to (`scs present`, SPEC §8 "Presentations"). Optional.
    #[serde(default)]
    pub id: Option<String>,
    /// Optional; must be `SCSCertifiedOrganization` when present.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// 法人番号.
    #[serde(default)]
    pub corporate_number: Option<CorporateNumber>,
    /// LEI, for organisations without a 法人番号.
    #[serde(default)]
    pub lei: Option<String>,
    /// 商号.
    pub legal_name: String,
    /// English name.
    #[serde(default)]
    pub legal_name_en: Option<String>,
    /// フリガナ (the legal name's reading in kana).
    #[serde(default)]
    pub legal_name_kana: Option<String>,
    /// Defaults to the whole organisation.
    #[serde(default)]
    pub scope: Option<Scope>,
}

impl SubjectInput {
    /// Reads one subject object, or an array of them, from JSON text.
    pub fn parse_many(text: &str) -> Result<Vec<SubjectInput>, IssueError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| IssueError::Subject(e.to_string()))?;
        let items = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                SubjectInput::deserialize(item)
                    .map_err(|e| IssueError::Subject(format!("entry {i}: {e}")))
            })
            .collect()
    }
}

/// Everything about one issuance except the subject.
#[derive(Debug, Clone)]
pub struct IssueParams {
    /// The issuer's display name (as in the trust list).
    pub issuer_name: String,
    /// ★ level.
    pub level: Level,
    /// Defaults to the policy's method for the level.
    pub method: Option<AssessmentMethod>,
    /// Criteria set.
    pub criteria_version: String,
    /// Assessment date; defaults to the date of `valid_from`.
    pub assessed_on: Option<CalendarDate>,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// Length of validity; defaults to [`default_validity`].
    pub valid_for: Option<ValidFor>,
    /// Status entries reserved at the registry; empty for offline issuance.
    pub status: Vec<StatusEntry>,
    /// The policy to respect (from the trust list, or the default).
    pub policy: Policy,
}

/// A length of validity: calendar years or days. The credential ends one second before the
/// anniversary, so `validUntil` reads as the last day (e.g. 2030-03-31T23:59:59Z).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidFor {
    /// Calendar years.
    Years(i32),
    /// Days.
    Days(i64),
}

impl ValidFor {
    /// Parses `3y`, `1y`, `365d`, or a bare number of days.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(years) = text.strip_suffix('y') {
            years
                .parse()
                .ok()
                .filter(|y| (1..=10).contains(y))
                .map(Self::Years)
        } else {
            let days = text.strip_suffix('d').unwrap_or(text);
            days.parse()
                .ok()
                .filter(|d| (1..=3660).contains(d))
                .map(Self::Days)
        }
    }

    fn end(self, from: Timestamp) -> Option<Timestamp> {
        let anniversary = match self {
            Self::Years(years) => from.plus_years(years),
            Self::Days(days) => from.plus_days(days),
        }?;
        Timestamp::from_unix(anniversary.unix() - 1)
    }
}

/// Default validity: 1 year for ★3, 3 years for ★4 and up (SPEC §1).
pub fn default_validity(level: Level) -> ValidFor {
    ValidFor::Years(if level == Level::STAR3 { 1 } else { 3 })
}

/// Builds the unsigned credential document.
pub fn build(
    subject: &SubjectInput,
    params: &IssueParams,
    key: &SecretKey,
    id: CredentialId,
) -> Result<AttainmentCredential, IssueError> {
    if subject.kind.as_deref().is_some_and(|k| k != SUBJECT_TYPE) {
        return Err(IssueError::Subject(format!("type must be {SUBJECT_TYPE}")));
    }
    let lei = subject
        .lei
        .as_deref()
        .map(Lei::parse)
        .transpose()
        .map_err(|e| IssueError::Subject(e.to_string()))?;
    let holder = subject
        .id
        .as_deref()
        .map(DidKey::parse)
        .transpose()
        .map_err(|e| IssueError::Subject(format!("id (the company's did:key): {e}")))?;
    let rule = params
        .policy
        .rule(params.level)
        .ok_or(IssueError::LevelNotAllowed(params.level))?;
    let valid_from = params.valid_from.whole_seconds();
    let valid_for = params
        .valid_for
        .unwrap_or_else(|| default_validity(params.level));
    let too_long = |days| IssueError::TooLong {
        level: params.level,
        days,
        max: rule.max_validity_days,
    };
    let valid_until = valid_for.end(valid_from).ok_or(too_long(i64::MAX))?;
    let days = valid_from.days_until(&valid_until);
    if days > i64::from(rule.max_validity_days) {
        return Err(too_long(days));
    }
    let credential = AttainmentCredential {
        context: vec![VC_V2.into(), SCS_V1.into()],
        id,
        types: vec!["VerifiableCredential".into(), CREDENTIAL_TYPE.into()],
        issuer: IssuerRef {
            id: key.public().did_key().to_string(),
            name: params.issuer_name.clone(),
        },
        valid_from,
        valid_until,
        credential_subject: Subject {
            id: holder,
            kind: SUBJECT_TYPE.into(),
            corporate_number: subject.corporate_number,
            lei,
            legal_name: subject.legal_name.clone(),
            legal_name_en: subject.legal_name_en.clone(),
            legal_name_kana: subject.legal_name_kana.clone(),
            scope: subject.scope.clone().unwrap_or(Scope::WholeOrganization),
            achievement: Achievement {
                level: params.level,
                criteria_version: params.criteria_version.clone(),
                assessment_method: params.method.unwrap_or(rule.assessment_method),
                assessed_on: params.assessed_on.unwrap_or_else(|| valid_from.date()),
            },
        },
        credential_status: params.status.clone(),
    };
    credential.check_profile()?;
    Ok(credential)
}

/// Builds and signs a credential with a fresh random id; `now` is the proof's `created`.
pub fn issue(
    subject: &SubjectInput,
    params: &IssueParams,
    key: &SecretKey,
    now: Timestamp,
) -> Result<Value, IssueError> {
    let credential = build(subject, params, key, random_credential_id())?;
    Ok(proof::sign(
        credential.to_json(),
        key,
        now,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )?)
}

/// The system clock in whole seconds: the one place the workspace reads the time (the core
/// takes it as an argument).
pub fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(seconds)
        .ok()
        .and_then(Timestamp::from_unix)
        .unwrap_or(Timestamp::EPOCH)
}

/// A new `urn:uuid:` v4 id from the operating system's RNG.
pub fn random_credential_id() -> CredentialId {
    CredentialId::from_random_bytes(random_bytes())
}

/// A fresh request nonce: 16 random bytes, hex.
pub fn request_nonce() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `N` bytes from the operating system's CSPRNG (`getrandom`).
///
/// # Panics
///
/// When the operating system gives no randomness: no key, id or nonce can be made without it,
/// and there is nothing else to fall back on.
#[allow(
    clippy::expect_used,
    reason = "without the operating system's randomness no key, id or nonce can be made"
)]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_core::credential::StatusPurpose;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn request_nonces_are_32_hex_digits_and_never_repeat() {
        let nonces: std::collections::HashSet<String> = (0..100).map(|_| request_nonce()).collect();
        assert_eq!(nonces.len(), 100);
        assert!(nonces
            .iter()
            .all(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit())));
    }

    fn params(level: Level) -> IssueParams {
        IssueParams {
            issuer_name: "デモ評価機関".into(),
            level,
            method: None,
            criteria_version: CURRENT_CRITERIA_VERSION.into(),
            assessed_on: None,
            valid_from: t("2027-04-01T00:00:00Z"),
            valid_for: None,
            status: vec![],
            policy: Policy::default(),
        }
    }

    fn subject() -> SubjectInput {
        SubjectInput::parse_many(
            r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル"}"#,
        )
        .unwrap()
        .remove(0)
    }

    #[test]
    fn names_the_company_key_as_the_subject_id_when_given() {
        let key = SecretKey::from_seed(&[4; 32]);
        let company = SecretKey::from_seed(&[8; 32]).public().did_key();
        let mut bound = subject();
        bound.id = Some(company.as_did());
        let credential =
            build(&bound, &params(Level::STAR4), &key, random_credential_id()).unwrap();
        assert_eq!(credential.credential_subject.id, Some(company));
        bound.id = Some("did:web:example.co.jp".into());
        let err = build(&bound, &params(Level::STAR4), &key, random_credential_id()).unwrap_err();
        assert!(err.to_string().contains("did:key"), "{err}");
    }

    #[test]
    fn issues_a_verifiable_star4_credential_with_spec_defaults() {
        let key = SecretKey::from_seed(&[4; 32]);
        let signed = issue(
            &subject(),
            &params(Level::STAR4),
            &key,
            t("2027-03-20T10:00:00Z"),
        )
        .unwrap();
        let (unsecured, info) = proof::verify(signed, ProofPurpose::AssertionMethod).unwrap();
        assert_eq!(info.signer, key.public().did_key());
        let credential = AttainmentCredential::from_json(&unsecured).unwrap();
        assert_eq!(credential.valid_until.to_string(), "2030-03-31T23:59:59Z");
        assert_eq!(
            credential.credential_subject.achievement.assessment_method,
            AssessmentMethod::ThirdPartyEvaluation
        );
        assert_eq!(
            credential.credential_subject.scope,
            Scope::WholeOrganization
        );
    }

    #[test]
    fn star3_defaults_to_one_year_and_self_assessment() {
        let key = SecretKey::from_seed(&[3; 32]);
        let credential = build(
            &subject(),
            &params(Level::STAR3),
            &key,
            random_credential_id(),
        )
        .unwrap();
        assert_eq!(credential.valid_until.to_string(), "2028-03-31T23:59:59Z");
        assert_eq!(
            credential.credential_subject.achievement.assessment_method,
            AssessmentMethod::SelfAssessmentWithExpertConfirmation
        );
    }

    #[test]
    fn refuses_what_policy_forbids() {
        let key = SecretKey::from_seed(&[3; 32]);
        let mut long = params(Level::STAR3);
        long.valid_for = Some(ValidFor::Days(367));
        assert!(matches!(
            build(&subject(), &long, &key, random_credential_id()),
            Err(IssueError::TooLong { max: 366, .. })
        ));
        assert!(matches!(
            build(
                &subject(),
                &params(Level::STAR5),
                &key,
                random_credential_id()
            ),
            Err(IssueError::LevelNotAllowed(_))
        ));
        let mut both = params(Level::STAR4);
        both.status = vec![
            StatusEntry {
                purpose: StatusPurpose::Revocation,
                list_url: "https://r/0".into(),
                index: 1,
            },
            StatusEntry {
                purpose: StatusPurpose::Revocation,
                list_url: "https://r/0".into(),
                index: 2,
            },
        ];
        assert!(build(&subject(), &both, &key, random_credential_id()).is_err());
    }

    #[test]
    fn subject_input_errors_are_plain() {
        let err =
            SubjectInput::parse_many(r#"{"corporateNumber": "1234567890123", "legalName": "x"}"#)
                .unwrap_err()
                .to_string();
        assert!(err.contains("check digit"), "{err}");
        let err = SubjectInput::parse_many(r#"[{"legalName": "x", "achievement": {}}]"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("entry 0") && err.contains("unknown field"),
            "{err}"
        );
    }
}
