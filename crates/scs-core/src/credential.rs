//! The ★ attainment credential profile (SPEC §3).
//!
//! [`AttainmentCredential`] is the typed form of the unsecured credential document; its serde
//! derive *is* the wire format, so reading and writing cannot drift apart. Parsing checks the
//! profile (contexts, types, 法人番号 or LEI, level and method names, status entries);
//! rules that depend on the trust list's policy live in [`crate::trust_list`]. [`canonical`]
//! reads a signed credential straight from its bytes when they are already canonical.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use thiserror::Error;

use crate::context::{SCS_V1, VC_V2};
use crate::ids::{CorporateNumber, CredentialId, Lei};
use crate::keys::DidKey;
use crate::timestamp::{CalendarDate, Timestamp};

pub mod canonical;

/// The credential type.
pub const CREDENTIAL_TYPE: &str = "SCSAttainmentCredential";
/// The subject type.
pub const SUBJECT_TYPE: &str = "SCSCertifiedOrganization";
/// The status entry type.
pub const STATUS_ENTRY_TYPE: &str = "BitstringStatusListEntry";
/// Longest name or description accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 300;

/// Why a document is not a ★ attainment credential.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// The JSON does not have the shape of the profile; the message names the field.
    #[error("not a ★ attainment credential: {0}")]
    Shape(String),
    /// `@context` is not exactly the VC 2.0 context followed by the SCS context.
    #[error("@context must be [\"{VC_V2}\", \"{SCS_V1}\"]")]
    Context,
    /// `type` lacks `VerifiableCredential` or `SCSAttainmentCredential`.
    #[error("type must include VerifiableCredential and {CREDENTIAL_TYPE}")]
    Type,
    /// Neither a 法人番号 nor an LEI.
    #[error("credentialSubject needs a corporateNumber (法人番号) or an lei")]
    NoOrganizationId,
    /// The assessment method does not belong to the level.
    #[error("★{level} requires {expected}, found {found}")]
    MethodForLevel {
        /// The level claimed.
        level: Level,
        /// The method that level requires.
        expected: AssessmentMethod,
        /// The method claimed.
        found: AssessmentMethod,
    },
    /// `validUntil` is not after `validFrom`.
    #[error("validUntil must be after validFrom")]
    ValidityOrder,
    /// A status entry's `id` is not `<statusListCredential>#<statusListIndex>`, or two entries
    /// share a purpose.
    #[error("credentialStatus: {0}")]
    StatusEntry(String),
    /// A name or description longer than [`MAX_TEXT_CHARS`].
    #[error("{0} is longer than {MAX_TEXT_CHARS} characters")]
    TooLong(&'static str),
}

/// A ★ level: 3, 4 or 5. A higher level includes every lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    /// ★3
    pub const STAR3: Level = Level(3);
    /// ★4
    pub const STAR4: Level = Level(4);
    /// ★5
    pub const STAR5: Level = Level(5);

    /// 3, 4 or 5.
    pub fn new(level: u64) -> Option<Self> {
        matches!(level, 3..=5).then_some(Self(level as u8))
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The method a level requires by the scheme's design; the trust list's policy may say
    /// otherwise and wins.
    pub fn default_method(self) -> AssessmentMethod {
        if self.0 == 3 {
            AssessmentMethod::SelfAssessmentWithExpertConfirmation
        } else {
            AssessmentMethod::ThirdPartyEvaluation
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        Self::new(n)
            .ok_or_else(|| serde::de::Error::custom(format!("level must be 3, 4 or 5, found {n}")))
    }
}

/// How the level was assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AssessmentMethod {
    /// ★3: 自己評価 confirmed by a registered expert.
    SelfAssessmentWithExpertConfirmation,
    /// ★4 and up: 第三者評価 by an evaluation body.
    ThirdPartyEvaluation,
}

impl AssessmentMethod {
    /// 自己評価 · 第三者評価
    pub fn ja(self) -> &'static str {
        match self {
            Self::SelfAssessmentWithExpertConfirmation => "自己評価（専門家確認）",
            Self::ThirdPartyEvaluation => "第三者評価",
        }
    }
}

impl fmt::Display for AssessmentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SelfAssessmentWithExpertConfirmation => "SelfAssessmentWithExpertConfirmation",
            Self::ThirdPartyEvaluation => "ThirdPartyEvaluation",
        })
    }
}

/// What the attainment covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Scope {
    /// The whole organisation.
    WholeOrganization,
    /// Named sites or systems only.
    Partial {
        /// Which sites or systems.
        description: String,
    },
}

/// `credentialSubject.achievement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Achievement {
    /// ★ level.
    pub level: Level,
    /// The criteria set, e.g. `2026-03-27`.
    pub criteria_version: String,
    /// How it was assessed.
    pub assessment_method: AssessmentMethod,
    /// When the assessment concluded.
    pub assessed_on: CalendarDate,
}

/// `credentialSubject`: the certified organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subject {
    /// The company's own key, when the credential names one (holder binding, SPEC §8 "Presentations"): a
    /// `did:key` of an Ed25519 key. A presentation whose proof this key made shows that the
    /// company itself presents the credential.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "holder_serde"
    )]
    pub id: Option<DidKey>,
    /// Always `SCSCertifiedOrganization`.
    #[serde(rename = "type")]
    pub kind: String,
    /// 法人番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<CorporateNumber>,
    /// LEI, for organisations without a 法人番号.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lei_serde")]
    pub lei: Option<Lei>,
    /// 商号 (registered name).
    pub legal_name: String,
    /// English name, when the company has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name_en: Option<String>,
    /// フリガナ: the legal name's reading in kana, as the 法人番号公表サイト gives it (optional;
    /// the registry's name search finds a kanji name by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name_kana: Option<String>,
    /// What is covered.
    pub scope: Scope,
    /// The ★ attained.
    pub achievement: Achievement,
}

/// `lei` as a plain string on the wire, checked (ISO 7064 mod 97-10) when read, because
/// [`Lei`] itself carries no serde derive.
mod lei_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(lei: &Option<Lei>, s: S) -> Result<S::Ok, S::Error> {
        match lei {
            Some(lei) => s.serialize_str(lei.as_str()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Lei>, D::Error> {
        let text = String::deserialize(d)?;
        Lei::parse(&text)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}

/// `credentialSubject.id` as its DID string on the wire, read as a `did:key` of an Ed25519
/// key: any other DID is refused rather than left unchecked.
mod holder_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(key: &Option<DidKey>, s: S) -> Result<S::Ok, S::Error> {
        match key {
            Some(key) => s.serialize_str(&key.as_did()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DidKey>, D::Error> {
        let text = String::deserialize(d)?;
        DidKey::parse(&text).map(Some).map_err(|e| {
            serde::de::Error::custom(format!(
                "credentialSubject.id must be a did:key of an Ed25519 key: {e}"
            ))
        })
    }
}

/// `issuer`: id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IssuerRef {
    /// The issuer's did:key; must be the proof's signer.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// Revocation or suspension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StatusPurpose {
    /// Final.
    Revocation,
    /// Can be lifted.
    Suspension,
}

impl StatusPurpose {
    /// The path segment and JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    /// From a path segment.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "revocation" => Some(Self::Revocation),
            "suspension" => Some(Self::Suspension),
            _ => None,
        }
    }
}

/// A `BitstringStatusListEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusEntry {
    /// Which list kind.
    pub purpose: StatusPurpose,
    /// URL of the status list credential.
    pub list_url: String,
    /// Bit index in that list.
    pub index: u32,
}

/// A `BitstringStatusListEntry` as written in a credential; its texts borrowed from the input
/// where they can be (a credential has two entries, and a batch check reads many thousand
/// credentials).
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusEntryWire<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    status_purpose: StatusPurpose,
    #[serde(borrow)]
    status_list_index: Cow<'a, str>,
    #[serde(borrow)]
    status_list_credential: Cow<'a, str>,
}

/// Its schema is the one of what it is written as.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for StatusEntry {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <StatusEntryWire as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for StatusEntry {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <StatusEntryWire as utoipa::ToSchema>::schemas(schemas);
    }
}

impl Serialize for StatusEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StatusEntryWire {
            id: format!("{}#{}", self.list_url, self.index).into(),
            kind: STATUS_ENTRY_TYPE.into(),
            status_purpose: self.purpose,
            status_list_index: self.index.to_string().into(),
            status_list_credential: self.list_url.as_str().into(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StatusEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let wire = StatusEntryWire::deserialize(d)?;
        if wire.kind != STATUS_ENTRY_TYPE {
            return Err(D::Error::custom(format!(
                "status entry type must be {STATUS_ENTRY_TYPE}"
            )));
        }
        let index_text = wire.status_list_index.as_ref();
        // The number written as `u32::to_string` writes it: digits only, no leading zero.
        let canonical = index_text.bytes().all(|b| b.is_ascii_digit())
            && (index_text == "0" || !index_text.starts_with('0'));
        let index = index_text
            .parse::<u32>()
            .ok()
            .filter(|_| canonical)
            .ok_or_else(|| D::Error::custom("statusListIndex must be a decimal integer string"))?;
        // `<statusListCredential>#<statusListIndex>`, compared without building it.
        let fragment = wire
            .id
            .strip_prefix(wire.status_list_credential.as_ref())
            .and_then(|rest| rest.strip_prefix('#'));
        if fragment != Some(index_text) {
            return Err(D::Error::custom(
                "status entry id must be <statusListCredential>#<statusListIndex>",
            ));
        }
        Ok(Self {
            purpose: wire.status_purpose,
            list_url: wire.status_list_credential.into_owned(),
            index,
        })
    }
}

/// The unsecured ★ attainment credential, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttainmentCredential {
    /// `[VC_V2, SCS_V1]`.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `urn:uuid:…`.
    pub id: CredentialId,
    /// `["VerifiableCredential", "SCSAttainmentCredential"]`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// The issuer.
    pub issuer: IssuerRef,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// The organisation and its ★.
    pub credential_subject: Subject,
    /// Revocation and suspension entries; empty for a credential issued offline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_status: Vec<StatusEntry>,
}

impl AttainmentCredential {
    /// Reads and checks the profile of an unsecured credential document.
    pub fn from_json(document: &Value) -> Result<Self, ProfileError> {
        let credential =
            Self::deserialize(document).map_err(|e| ProfileError::Shape(e.to_string()))?;
        credential.check_profile()?;
        Ok(credential)
    }

    /// [`AttainmentCredential::from_json`] for a document the caller no longer needs: its
    /// strings are moved into the credential rather than copied. Same answers, same errors.
    pub fn from_value(document: Value) -> Result<Self, ProfileError> {
        let credential =
            Self::deserialize(document).map_err(|e| ProfileError::Shape(e.to_string()))?;
        credential.check_profile()?;
        Ok(credential)
    }

    /// The document to sign.
    pub fn to_json(&self) -> Value {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Profile rules that serde's shape cannot express.
    pub fn check_profile(&self) -> Result<(), ProfileError> {
        if self.context != [VC_V2, SCS_V1] {
            return Err(ProfileError::Context);
        }
        if !self.types.iter().any(|t| t == "VerifiableCredential")
            || !self.types.iter().any(|t| t == CREDENTIAL_TYPE)
        {
            return Err(ProfileError::Type);
        }
        let subject = &self.credential_subject;
        if subject.kind != SUBJECT_TYPE {
            return Err(ProfileError::Shape(format!(
                "credentialSubject.type must be {SUBJECT_TYPE}"
            )));
        }
        if subject.corporate_number.is_none() && subject.lei.is_none() {
            return Err(ProfileError::NoOrganizationId);
        }
        for (name, text) in [
            ("issuer.name", Some(&self.issuer.name)),
            ("legalName", Some(&subject.legal_name)),
            ("legalNameEn", subject.legal_name_en.as_ref()),
            ("legalNameKana", subject.legal_name_kana.as_ref()),
            (
                "criteriaVersion",
                Some(&subject.achievement.criteria_version),
            ),
            (
                "scope.description",
                match &subject.scope {
                    Scope::Partial { description } => Some(description),
                    Scope::WholeOrganization => None,
                },
            ),
        ] {
            if let Some(text) = text {
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(ProfileError::TooLong(name));
                }
                if text.trim().is_empty() {
                    return Err(ProfileError::Shape(format!("{name} is empty")));
                }
            }
        }
        if subject
            .legal_name_kana
            .as_deref()
            .is_some_and(|kana| kana.chars().any(is_kanji))
        {
            return Err(ProfileError::Shape(
                "legalNameKana is a reading: kana, not kanji".into(),
            ));
        }
        if self.valid_until <= self.valid_from {
            return Err(ProfileError::ValidityOrder);
        }
        let mut purposes: Vec<_> = self.credential_status.iter().map(|e| e.purpose).collect();
        purposes.sort();
        purposes.dedup();
        if purposes.len() != self.credential_status.len() {
            return Err(ProfileError::StatusEntry(
                "at most one entry per statusPurpose".into(),
            ));
        }
        Ok(())
    }

    /// Whether `presented` makes the claims of `self`, a registered credential, in JSON or in
    /// the QR form: the display names a QR code may leave out or take from the trust list (the
    /// English legal name, the reading, the issuer's name) are not compared; every other claim
    /// is.
    pub fn claims_match(&self, presented: &AttainmentCredential) -> bool {
        let mut presented = presented.clone();
        presented.issuer.name.clone_from(&self.issuer.name);
        let names = &mut presented.credential_subject;
        if names.legal_name_en.is_none() {
            names
                .legal_name_en
                .clone_from(&self.credential_subject.legal_name_en);
        }
        if names.legal_name_kana.is_none() {
            names
                .legal_name_kana
                .clone_from(&self.credential_subject.legal_name_kana);
        }
        &presented == self
    }

    /// The facts shown to people.
    pub fn facts(&self) -> CredentialFacts {
        let subject = &self.credential_subject;
        CredentialFacts {
            id: self.id.to_string(),
            issuer: self.issuer.id.clone(),
            issuer_name: self.issuer.name.clone(),
            level: subject.achievement.level,
            corporate_number: subject.corporate_number.map(|c| c.to_string()),
            lei: subject.lei.as_ref().map(|l| l.as_str().to_owned()),
            legal_name: subject.legal_name.clone(),
            legal_name_en: subject.legal_name_en.clone(),
            scope: subject.scope.clone(),
            assessment_method: subject.achievement.assessment_method,
            criteria_version: subject.achievement.criteria_version.clone(),
            assessed_on: subject.achievement.assessed_on,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            status: self.credential_status.clone(),
        }
    }
}

/// A CJK ideograph (the unified blocks with their extensions, and the compatibility block): what
/// a reading (`legalNameKana`) must not hold.
fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

/// The facts a verifier shows, identical whichever form (JSON or QR) it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialFacts {
    /// `urn:uuid:…`.
    pub id: String,
    /// Issuer did:key.
    pub issuer: String,
    /// Issuer name as the credential gives it.
    pub issuer_name: String,
    /// ★ level.
    pub level: Level,
    /// 法人番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<String>,
    /// LEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lei: Option<String>,
    /// Company name.
    pub legal_name: String,
    /// English company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name_en: Option<String>,
    /// Scope.
    pub scope: Scope,
    /// Method.
    pub assessment_method: AssessmentMethod,
    /// Criteria set.
    pub criteria_version: String,
    /// Assessment date.
    pub assessed_on: CalendarDate,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// Status entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<StatusEntry>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> Value {
        json!({
            "@context": [VC_V2, SCS_V1],
            "id": "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
            "type": ["VerifiableCredential", "SCSAttainmentCredential"],
            "issuer": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "name": "評価機関"},
            "validFrom": "2027-04-01T00:00:00Z",
            "validUntil": "2030-03-31T23:59:59Z",
            "credentialSubject": {
                "type": "SCSCertifiedOrganization",
                "corporateNumber": "7000012050002",
                "legalName": "株式会社サンプル",
                "legalNameEn": "Sample Co., Ltd.",
                "scope": {"type": "WholeOrganization"},
                "achievement": {
                    "level": 4,
                    "criteriaVersion": "2026-03-27",
                    "assessmentMethod": "ThirdPartyEvaluation",
                    "assessedOn": "2027-03-15"
                }
            },
            "credentialStatus": [{
                "id": "https://registry.example/v1/status/revocation/0#42",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "42",
                "statusListCredential": "https://registry.example/v1/status/revocation/0"
            }]
        })
    }

    #[test]
    fn round_trips_the_spec_example() {
        let doc = sample();
        let credential = AttainmentCredential::from_json(&doc).unwrap();
        assert_eq!(
            credential.credential_subject.achievement.level,
            Level::STAR4
        );
        assert_eq!(credential.credential_status[0].index, 42);
        assert_eq!(credential.to_json(), doc);
    }

    #[test]
    fn a_holder_key_is_a_did_key_and_nothing_else() {
        let holder = crate::keys::SecretKey::from_seed(&[3; 32])
            .public()
            .did_key();
        let mut document = sample();
        document["credentialSubject"]["id"] = holder.as_did().into();
        let credential = AttainmentCredential::from_json(&document).unwrap();
        assert_eq!(credential.credential_subject.id, Some(holder));
        assert_eq!(serde_json::to_value(&credential).unwrap(), document);
        for other in [
            "did:web:example.co.jp",
            "did:key:z6LSnotEd25519",
            "https://example.co.jp",
        ] {
            document["credentialSubject"]["id"] = other.into();
            let err = AttainmentCredential::from_json(&document).unwrap_err();
            assert!(err.to_string().contains("did:key"), "{other}: {err}");
        }
    }

    #[test]
    fn claims_match_ignores_only_the_names_a_qr_code_may_leave_out() {
        let registered = AttainmentCredential::from_json(&sample()).unwrap();
        let mut presented = registered.clone();
        presented.issuer.name = "指定機関一覧の名称".into();
        presented.credential_subject.legal_name_en = None;
        assert!(registered.claims_match(&presented));
        let mut other = presented.clone();
        other.credential_subject.achievement.level = Level::STAR3;
        assert!(!registered.claims_match(&other));
        let mut other = presented.clone();
        other.credential_subject.legal_name_en = Some("Another Co., Ltd.".into());
        assert!(!registered.claims_match(&other));
        let mut other = presented;
        other.valid_until = registered.valid_from;
        assert!(!registered.claims_match(&other));
    }

    #[test]
    fn a_reading_is_optional_typed_and_kept() {
        let mut doc = sample();
        doc["credentialSubject"]["legalNameKana"] = "サンプル".into();
        let credential = AttainmentCredential::from_json(&doc).unwrap();
        assert_eq!(
            credential.credential_subject.legal_name_kana.as_deref(),
            Some("サンプル")
        );
        assert_eq!(credential.to_json(), doc);
        // A QR code leaves it out: the registered credential's claims still match.
        let mut presented = credential.clone();
        presented.credential_subject.legal_name_kana = None;
        assert!(credential.claims_match(&presented));
        presented.credential_subject.legal_name_kana = Some("ベツノカイシャ".into());
        assert!(!credential.claims_match(&presented));
        assert!(
            refused(|d| d["credentialSubject"]["legalNameKana"] = "株式会社サンプル".into())
                .contains("not kanji")
        );
        assert!(
            refused(|d| d["credentialSubject"]["legalNameKana"] = " ".into()).contains("empty")
        );
        assert!(
            refused(|d| d["credentialSubject"]["legalNameKana"] = "ア".repeat(301).into())
                .contains("longer than")
        );
    }

    fn refused(edit: impl FnOnce(&mut Value)) -> String {
        let mut doc = sample();
        edit(&mut doc);
        AttainmentCredential::from_json(&doc)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn refuses_what_the_profile_forbids() {
        assert!(
            refused(|d| d["credentialSubject"]["corporateNumber"] = "7000012050003".into())
                .contains("check digit")
        );
        assert!(
            refused(|d| d["credentialSubject"]["achievement"]["level"] = 6.into())
                .contains("level must be 3, 4 or 5")
        );
        assert!(refused(
            |d| d["credentialSubject"]["achievement"]["assessmentMethod"] = "Vibes".into()
        )
        .contains("unknown variant"));
        assert!(refused(|d| d["credentialSubject"]["extra"] = 1.into()).contains("unknown field"));
        assert_eq!(
            refused(|d| d["@context"] = json!([VC_V2])),
            ProfileError::Context.to_string()
        );
        assert_eq!(
            refused(|d| d["validUntil"] = "2027-03-01T00:00:00Z".into()),
            ProfileError::ValidityOrder.to_string()
        );
        assert!(
            refused(|d| d["credentialStatus"][0]["statusListIndex"] = "042".into())
                .contains("statusListIndex")
        );
        assert!(
            refused(|d| d["credentialStatus"][0]["id"] = "https://other/0#42".into())
                .contains("status entry id")
        );
        assert!(refused(|d| {
            d["credentialSubject"]
                .as_object_mut()
                .unwrap()
                .remove("corporateNumber");
        })
        .contains("corporateNumber"));
        assert!(
            refused(|d| d["credentialSubject"]["legalName"] = "あ".repeat(301).into())
                .contains("longer than")
        );
        assert!(refused(
            |d| d["credentialStatus"] = json!([d["credentialStatus"][0], d["credentialStatus"][0]])
        )
        .contains("one entry per"));
    }

    #[test]
    fn status_entry_index_and_id_are_read_as_the_number_writes_them() {
        let list = "https://registry.example/v1/status/revocation/0";
        for index in [
            "0",
            "7",
            "42",
            "042",
            "00",
            "+5",
            "-1",
            "",
            " 5",
            "5 ",
            "4294967295",
            "4294967296",
            "٣",
            "1e3",
        ] {
            // The rule as it reads: the text is what `u32::to_string` writes of its number.
            let expected = index
                .parse::<u32>()
                .ok()
                .filter(|i| i.to_string() == index && !index.starts_with('+'));
            for id in [
                format!("{list}#{index}"),
                format!("{list}#{index}0"),
                format!("{list}{index}"),
            ] {
                let entry = json!({
                    "id": id,
                    "type": STATUS_ENTRY_TYPE,
                    "statusPurpose": "revocation",
                    "statusListIndex": index,
                    "statusListCredential": list,
                });
                let read = serde_json::from_value::<StatusEntry>(entry.clone()).ok();
                let from_text = serde_json::from_str::<StatusEntry>(&entry.to_string()).ok();
                assert_eq!(read, from_text, "{entry}");
                let id_ok = id == format!("{list}#{index}");
                assert_eq!(read.map(|e| e.index), expected.filter(|_| id_ok), "{entry}");
            }
        }
    }

    #[test]
    fn lei_instead_of_corporate_number() {
        let mut doc = sample();
        let subject = doc["credentialSubject"].as_object_mut().unwrap();
        subject.remove("corporateNumber");
        subject.insert("lei".into(), "506700GE1G29325QX363".into());
        let credential = AttainmentCredential::from_json(&doc).unwrap();
        assert_eq!(
            credential.facts().lei.as_deref(),
            Some("506700GE1G29325QX363")
        );
        assert_eq!(credential.to_json(), doc);
    }
}
