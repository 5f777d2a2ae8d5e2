//! The compact QR form of a ★ credential (SPEC §6): `SCS1:` + Base45 (RFC 9285) of a
//! COSE_Sign1 (RFC 9052) whose payload is a CBOR map of the credential's claims.
//!
//! ```text
//! text      = "SCS1:" Base45(COSE_Sign1)
//! COSE_Sign1 = #6.18([ protected: bstr .cbor {1: -8 (EdDSA), 4: kid}, unprotected: {},
//!                      payload: bstr .cbor claims, signature: bstr .size 64 ])
//! kid       = the first 8 bytes of SHA-256 of the issuer's raw 32-byte Ed25519 public key
//! signature = Ed25519 over Sig_structure ["Signature1", protected, h'', payload]
//! ```
//!
//! The claim map and its integer keys are listed in `docs/QR.md` and on [`Claims`]. Identifiers
//! travel in their binary forms (the UUID as 16 bytes, dates as integers, status entries as
//! purpose, list number and index), so that a typical credential fits QR version 10 at error
//! correction M ([`QR_V10_M_CHARS`]). Status list URLs are rebuilt from the registry base URL in
//! the trust list; the issuer's key is found in the trust list by its key id. Two display names
//! the verifier can do without — the English legal name and the issuer's own name for itself —
//! ride along only when they still fit version 10 ([`encode_credential`]); without them the
//! issuer's name comes from the trust list.
//!
//! Decoding is bounded: the text is at most [`MAX_TEXT_CHARS`] characters (the largest
//! alphanumeric QR code), CBOR nesting is limited, unknown claims, headers and algorithms are
//! refused. Nothing here reads a clock or draws randomness; Ed25519 signing is deterministic.

use ciborium::value::{Integer, Value};
use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder};
use coset::{AsCborValue, RegisteredLabelWithPrivate, TaggedCborSerializable};
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::context::{SCS_V1, VC_V2};
use crate::credential::{
    AssessmentMethod, AttainmentCredential, IssuerRef, Level, ProfileError, Scope, StatusEntry,
    StatusPurpose, Subject, CREDENTIAL_TYPE, SUBJECT_TYPE,
};
use crate::ids::{CorporateNumber, CredentialId, Lei};
use crate::keys::{DidKey, PublicKey, SecretKey};
use crate::timestamp::{CalendarDate, Timestamp};

/// What every compact credential starts with; a later, incompatible form takes `SCS2:`.
pub const PREFIX: &str = "SCS1:";
/// Characters of alphanumeric data a QR code of version 10 holds at error correction M: the
/// size the scheme asks a typical credential to fit (SPEC §6).
pub const QR_V10_M_CHARS: usize = 311;
/// The most alphanumeric characters any QR code holds (version 40 at error correction L).
/// Longer text cannot have come from a QR code and is refused before it is decoded.
pub const MAX_TEXT_CHARS: usize = 4296;
/// Length of the key id in the protected header.
pub const KID_LEN: usize = 8;
/// Deepest CBOR nesting accepted in the COSE structure and in the claims (the claims need 3:
/// map → status list → entry).
const MAX_CBOR_DEPTH: usize = 8;

/// Why a compact credential could not be read or made.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompactError {
    /// Longer than [`MAX_TEXT_CHARS`].
    #[error("QR text is longer than {MAX_TEXT_CHARS} characters")]
    TooLong,
    /// Does not start with [`PREFIX`].
    #[error("QR text does not start with {PREFIX} (not an SCS ★ credential QR code)")]
    Prefix,
    /// Not Base45 (RFC 9285).
    #[error("QR text after {PREFIX} is not valid Base45")]
    Base45,
    /// Not well-formed CBOR, nested too deeply, or with bytes left over.
    #[error("not well-formed CBOR: {0}")]
    Cbor(String),
    /// CBOR, but not a COSE_Sign1 structure.
    #[error("not a COSE_Sign1 object: {0}")]
    Cose(String),
    /// The protected header names another algorithm than EdDSA (−8), or none.
    #[error("COSE algorithm must be EdDSA (-8) in the protected header, found {0}")]
    Algorithm(String),
    /// The key id is missing from the protected header or has the wrong length.
    #[error("COSE protected header must carry an {KID_LEN}-byte key id (kid)")]
    KeyId,
    /// The key id (or another parameter) sits in the unprotected header, where it is not signed.
    #[error(
        "COSE unprotected header must be empty (a key id there is not covered by the signature)"
    )]
    UnprotectedHeader,
    /// A protected header parameter this form does not use (e.g. `crit`).
    #[error("COSE protected header carries parameters other than alg and kid")]
    ExtraHeader,
    /// The payload is detached or the signature is not 64 bytes.
    #[error("COSE_Sign1 must carry its payload and a 64-byte Ed25519 signature")]
    Shape,
    /// The claim map is missing a claim, has one of the wrong type, or an unknown one.
    #[error("QR claims: {0}")]
    Claims(String),
    /// A credential whose status entry URL is not `<registry>/v1/status/<purpose>/<n>` under
    /// the registry base URL, so the verifier could not rebuild it.
    #[error("status entry {0} is not <registry base URL>/v1/status/<purpose>/<n>; the QR form cannot carry it")]
    StatusUrl(String),
    /// A credential that names its holder's key (`credentialSubject.id`): the claim map has no
    /// place for it, and a QR code without it would lose the holder binding.
    #[error(
        "the credential names its holder's key (credentialSubject.id); the QR form cannot carry it"
    )]
    HolderBound,
    /// A credential date with fractions of a second; the QR form carries whole seconds.
    #[error("{0} has fractions of a second; the QR form carries whole seconds")]
    FractionalSeconds(&'static str),
    /// The signature does not verify under the given key.
    #[error("the COSE signature does not match (altered, or signed by another key)")]
    BadSignature,
}

fn cbor_error(e: impl std::fmt::Display) -> CompactError {
    CompactError::Cbor(e.to_string())
}

fn claims_error(text: impl Into<String>) -> CompactError {
    CompactError::Claims(text.into())
}

/// The key id of an issuer key: the first [`KID_LEN`] bytes of SHA-256 of its raw public key.
pub fn key_id(key: &PublicKey) -> [u8; KID_LEN] {
    let digest = Sha256::digest(key.as_dalek().as_bytes());
    let mut kid = [0u8; KID_LEN];
    kid.copy_from_slice(&digest[..KID_LEN]);
    kid
}

/// The key id of the Ed25519 key a `did:key` names, without decompressing the point (so a
/// verifier can match a QR code's key id against every issuer of a trust list cheaply); `None`
/// when `did` is not an Ed25519 did:key.
pub fn key_id_of_did(did: &str) -> Option<[u8; KID_LEN]> {
    let multikey = did.strip_prefix("did:key:")?;
    let raw = crate::multibase::decode_key(
        multikey,
        crate::multibase::ED25519_PUB_HEADER,
        "ed25519-pub (0xed01)",
    )
    .ok()?;
    let digest = Sha256::digest(raw);
    let mut kid = [0u8; KID_LEN];
    kid.copy_from_slice(&digest[..KID_LEN]);
    Some(kid)
}

/// A status entry in compact form; the URL is `<registry>/v1/status/<purpose>/<list>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactStatus {
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// The list number `<n>` in the URL.
    pub list: u32,
    /// The bit index in that list.
    pub index: u32,
}

impl CompactStatus {
    /// The status list URL under `registry_base`.
    pub fn list_url(&self, registry_base: &str) -> String {
        format!(
            "{}/v1/status/{}/{}",
            registry_base.trim_end_matches('/'),
            self.purpose.as_str(),
            self.list
        )
    }

    /// Reads `<base>/v1/status/<purpose>/<n>`; checks the base when one is given.
    fn from_entry(entry: &StatusEntry, registry_base: Option<&str>) -> Result<Self, CompactError> {
        let bad = || CompactError::StatusUrl(crate::keys::truncate(&entry.list_url));
        let (base, number) = entry.list_url.rsplit_once('/').ok_or_else(bad)?;
        let base = base
            .strip_suffix(entry.purpose.as_str())
            .and_then(|b| b.strip_suffix("/v1/status/"))
            .ok_or_else(bad)?;
        let list = number
            .parse::<u32>()
            .ok()
            .filter(|n| n.to_string() == number)
            .ok_or_else(bad)?;
        if registry_base.is_some_and(|expected| expected.trim_end_matches('/') != base) {
            return Err(bad());
        }
        Ok(Self {
            purpose: entry.purpose,
            list,
            index: entry.index,
        })
    }
}

/// The claims of the payload, with their CBOR map keys.
///
/// | key | claim | CBOR | JSON counterpart |
/// |---|---|---|---|
/// | 1 | id | bstr, 16 bytes | `id` (`urn:uuid:…`) |
/// | 2 | issued at | int, seconds since 1970 | `proof.created` |
/// | 3 | level | uint 3–5 | `achievement.level` |
/// | 4 | method | uint: 0 self-assessment, 1 third-party; absent = the level's default | `achievement.assessmentMethod` |
/// | 5 | 法人番号 | uint (13 digits) | `corporateNumber` |
/// | 6 | LEI | tstr | `lei` |
/// | 7 | legal name | tstr | `legalName` |
/// | 8 | English legal name | tstr, only when it fits | `legalNameEn` |
/// | 9 | partial scope | tstr; absent = whole organisation | `scope` |
/// | 10 | valid from | int, seconds since 1970 | `validFrom` |
/// | 11 | valid until | int, seconds since 1970 | `validUntil` |
/// | 12 | assessed on | int, days since 1970 | `achievement.assessedOn` |
/// | 13 | criteria version | int, days since 1970 (for `YYYY-MM-DD`), else tstr | `achievement.criteriaVersion` |
/// | 14 | status | array of `[purpose (0 revocation, 1 suspension), list, index]` | `credentialStatus` |
/// | 15 | issuer name | tstr, only when it fits | `issuer.name` |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The credential id.
    pub id: CredentialId,
    /// When the issuer signed the credential (`proof.created` of the JSON form): designation is
    /// judged at this time, as for the JSON form.
    pub issued_at: Timestamp,
    /// ★ level.
    pub level: Level,
    /// How it was assessed.
    pub method: AssessmentMethod,
    /// 法人番号.
    pub corporate_number: Option<CorporateNumber>,
    /// LEI.
    pub lei: Option<Lei>,
    /// 商号.
    pub legal_name: String,
    /// English name, when carried.
    pub legal_name_en: Option<String>,
    /// What is covered.
    pub scope: Scope,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// When the assessment concluded.
    pub assessed_on: CalendarDate,
    /// The criteria set.
    pub criteria_version: String,
    /// Status entries.
    pub status: Vec<CompactStatus>,
    /// The issuer's name as the credential gives it, when carried.
    pub issuer_name: Option<String>,
}

/// The integer keys of the CBOR claim map (SPEC §6; the table in `docs/QR.md`): small integers
/// rather than names keep the payload, and so the QR code, small. Fixed forever once printed.
mod key {
    pub(super) const ID: i64 = 1;
    pub(super) const ISSUED_AT: i64 = 2;
    pub(super) const LEVEL: i64 = 3;
    pub(super) const METHOD: i64 = 4;
    pub(super) const CORPORATE_NUMBER: i64 = 5;
    pub(super) const LEI: i64 = 6;
    pub(super) const LEGAL_NAME: i64 = 7;
    pub(super) const LEGAL_NAME_EN: i64 = 8;
    pub(super) const SCOPE: i64 = 9;
    pub(super) const VALID_FROM: i64 = 10;
    pub(super) const VALID_UNTIL: i64 = 11;
    pub(super) const ASSESSED_ON: i64 = 12;
    pub(super) const CRITERIA_VERSION: i64 = 13;
    pub(super) const STATUS: i64 = 14;
    pub(super) const ISSUER_NAME: i64 = 15;
}

fn whole_seconds(t: Timestamp, name: &'static str) -> Result<Timestamp, CompactError> {
    if t.whole_seconds() == t {
        Ok(t)
    } else {
        Err(CompactError::FractionalSeconds(name))
    }
}

fn int(n: impl Into<Integer>) -> Value {
    Value::Integer(n.into())
}

fn days_to_date(days: i64) -> Option<CalendarDate> {
    days.checked_mul(86_400)
        .and_then(Timestamp::from_unix)
        .map(|t| t.date())
}

impl Claims {
    /// The claims of a ★ credential whose JSON proof was created at `issued_at`. Status entry
    /// URLs must be `<registry_base>/v1/status/<purpose>/<n>` (any base when `None`).
    pub fn from_credential(
        credential: &AttainmentCredential,
        issued_at: Timestamp,
        registry_base: Option<&str>,
    ) -> Result<Self, CompactError> {
        let subject = &credential.credential_subject;
        if subject.id.is_some() {
            return Err(CompactError::HolderBound);
        }
        Ok(Self {
            id: credential.id,
            issued_at: whole_seconds(issued_at, "proof.created")?,
            level: subject.achievement.level,
            method: subject.achievement.assessment_method,
            corporate_number: subject.corporate_number,
            lei: subject.lei.clone(),
            legal_name: subject.legal_name.clone(),
            legal_name_en: subject.legal_name_en.clone(),
            scope: subject.scope.clone(),
            valid_from: whole_seconds(credential.valid_from, "validFrom")?,
            valid_until: whole_seconds(credential.valid_until, "validUntil")?,
            assessed_on: subject.achievement.assessed_on,
            criteria_version: subject.achievement.criteria_version.clone(),
            status: credential
                .credential_status
                .iter()
                .map(|e| CompactStatus::from_entry(e, registry_base))
                .collect::<Result<_, _>>()?,
            issuer_name: Some(credential.issuer.name.clone()),
        })
    }

    /// Rebuilds the credential: the issuer is the key that signed the QR code, its name the one
    /// carried or else `designated_name` (from the trust list), status URLs are built on
    /// `registry_base`. The profile is checked as for the JSON form.
    pub fn to_credential(
        &self,
        signer: &DidKey,
        designated_name: &str,
        registry_base: &str,
    ) -> Result<AttainmentCredential, ProfileError> {
        let credential = AttainmentCredential {
            context: vec![VC_V2.into(), SCS_V1.into()],
            id: self.id,
            types: vec!["VerifiableCredential".into(), CREDENTIAL_TYPE.into()],
            issuer: IssuerRef {
                id: signer.to_string(),
                name: self
                    .issuer_name
                    .clone()
                    .unwrap_or_else(|| designated_name.to_owned()),
            },
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            credential_subject: Subject {
                id: None,
                kind: SUBJECT_TYPE.into(),
                corporate_number: self.corporate_number,
                lei: self.lei.clone(),
                legal_name: self.legal_name.clone(),
                legal_name_en: self.legal_name_en.clone(),
                // Not carried: a QR code holds what a verifier shows, and the registry has the
                // reading when it is registered.
                legal_name_kana: None,
                scope: self.scope.clone(),
                achievement: crate::credential::Achievement {
                    level: self.level,
                    criteria_version: self.criteria_version.clone(),
                    assessment_method: self.method,
                    assessed_on: self.assessed_on,
                },
            },
            credential_status: self
                .status
                .iter()
                .map(|s| StatusEntry {
                    purpose: s.purpose,
                    list_url: s.list_url(registry_base),
                    index: s.index,
                })
                .collect(),
        };
        credential.check_profile()?;
        Ok(credential)
    }

    /// The CBOR map, keys in ascending order.
    fn to_cbor(&self) -> Value {
        let mut map: Vec<(i64, Value)> = vec![
            (key::ID, Value::Bytes(self.id.as_bytes().to_vec())),
            (key::ISSUED_AT, int(self.issued_at.unix())),
            (key::LEVEL, int(self.level.get())),
        ];
        if self.method != self.level.default_method() {
            let code: u8 = match self.method {
                AssessmentMethod::SelfAssessmentWithExpertConfirmation => 0,
                AssessmentMethod::ThirdPartyEvaluation => 1,
            };
            map.push((key::METHOD, int(code)));
        }
        if let Some(number) = self.corporate_number {
            // 13 ASCII digits always parse.
            let n: u64 = number.as_str().parse().unwrap_or_default();
            map.push((key::CORPORATE_NUMBER, int(n)));
        }
        if let Some(lei) = &self.lei {
            map.push((key::LEI, Value::Text(lei.as_str().to_owned())));
        }
        map.push((key::LEGAL_NAME, Value::Text(self.legal_name.clone())));
        if let Some(en) = &self.legal_name_en {
            map.push((key::LEGAL_NAME_EN, Value::Text(en.clone())));
        }
        if let Scope::Partial { description } = &self.scope {
            map.push((key::SCOPE, Value::Text(description.clone())));
        }
        map.push((key::VALID_FROM, int(self.valid_from.unix())));
        map.push((key::VALID_UNTIL, int(self.valid_until.unix())));
        map.push((key::ASSESSED_ON, int(self.assessed_on.days_since_epoch())));
        let criteria = match CalendarDate::parse(&self.criteria_version) {
            Ok(date) if date.to_string() == self.criteria_version => int(date.days_since_epoch()),
            _ => Value::Text(self.criteria_version.clone()),
        };
        map.push((key::CRITERIA_VERSION, criteria));
        if !self.status.is_empty() {
            let entries = self
                .status
                .iter()
                .map(|s| {
                    let purpose: u8 = match s.purpose {
                        StatusPurpose::Revocation => 0,
                        StatusPurpose::Suspension => 1,
                    };
                    Value::Array(vec![int(purpose), int(s.list), int(s.index)])
                })
                .collect();
            map.push((key::STATUS, Value::Array(entries)));
        }
        if let Some(name) = &self.issuer_name {
            map.push((key::ISSUER_NAME, Value::Text(name.clone())));
        }
        Value::Map(map.into_iter().map(|(k, v)| (int(k), v)).collect())
    }

    /// Reads the claim map, refusing unknown or repeated keys and wrong types.
    fn from_cbor(value: Value) -> Result<Self, CompactError> {
        let Value::Map(entries) = value else {
            return Err(claims_error("the payload is not a CBOR map"));
        };
        let mut slots: [Option<Value>; 16] = Default::default();
        for (k, v) in entries {
            let k = k
                .as_integer()
                .and_then(|i| usize::try_from(i).ok())
                .filter(|i| (1..slots.len()).contains(i))
                .ok_or_else(|| claims_error("unknown claim key"))?;
            if slots[k].replace(v).is_some() {
                return Err(claims_error(format!("claim {k} appears twice")));
            }
        }
        let mut take = |k: i64| slots.get_mut(k as usize).and_then(Option::take);
        let required = |v: Option<Value>, name: &str| {
            v.ok_or_else(|| claims_error(format!("missing claim {name}")))
        };
        let integer = |v: Value, name: &str| -> Result<i64, CompactError> {
            v.as_integer()
                .and_then(|i| i64::try_from(i).ok())
                .ok_or_else(|| claims_error(format!("{name} must be an integer")))
        };
        let text = |v: Value, name: &str| -> Result<String, CompactError> {
            match v {
                Value::Text(t) => Ok(t),
                _ => Err(claims_error(format!("{name} must be a text string"))),
            }
        };
        let instant = |v: Value, name: &str| -> Result<Timestamp, CompactError> {
            Timestamp::from_unix(integer(v, name)?)
                .ok_or_else(|| claims_error(format!("{name} is out of range")))
        };
        let date = |v: Value, name: &str| -> Result<CalendarDate, CompactError> {
            days_to_date(integer(v, name)?)
                .ok_or_else(|| claims_error(format!("{name} is out of range")))
        };

        let id = match required(take(key::ID), "id")? {
            Value::Bytes(b) => <[u8; 16]>::try_from(b.as_slice())
                .map(CredentialId::from_bytes)
                .map_err(|_| claims_error("id must be 16 bytes"))?,
            _ => return Err(claims_error("id must be a byte string")),
        };
        let issued_at = instant(required(take(key::ISSUED_AT), "issued-at")?, "issued-at")?;
        let level = u64::try_from(integer(required(take(key::LEVEL), "level")?, "level")?)
            .ok()
            .and_then(Level::new)
            .ok_or_else(|| claims_error("level must be 3, 4 or 5"))?;
        let method = match take(key::METHOD) {
            None => level.default_method(),
            Some(v) => match integer(v, "method")? {
                0 => AssessmentMethod::SelfAssessmentWithExpertConfirmation,
                1 => AssessmentMethod::ThirdPartyEvaluation,
                _ => return Err(claims_error("method must be 0 or 1")),
            },
        };
        let corporate_number = take(key::CORPORATE_NUMBER)
            .map(|v| {
                let n = integer(v, "corporate number")?;
                if !(0..10_000_000_000_000).contains(&n) {
                    return Err(claims_error("corporate number must have 13 digits"));
                }
                CorporateNumber::parse(&format!("{n:013}")).map_err(|e| claims_error(e.to_string()))
            })
            .transpose()?;
        let lei = take(key::LEI)
            .map(|v| Lei::parse(&text(v, "LEI")?).map_err(|e| claims_error(e.to_string())))
            .transpose()?;
        let legal_name = text(required(take(key::LEGAL_NAME), "legal name")?, "legal name")?;
        let legal_name_en = take(key::LEGAL_NAME_EN)
            .map(|v| text(v, "English legal name"))
            .transpose()?;
        let scope = match take(key::SCOPE) {
            None => Scope::WholeOrganization,
            Some(v) => Scope::Partial {
                description: text(v, "scope")?,
            },
        };
        let valid_from = instant(required(take(key::VALID_FROM), "valid-from")?, "valid-from")?;
        let valid_until = instant(
            required(take(key::VALID_UNTIL), "valid-until")?,
            "valid-until",
        )?;
        let assessed_on = date(
            required(take(key::ASSESSED_ON), "assessed-on")?,
            "assessed-on",
        )?;
        let criteria_version = match required(take(key::CRITERIA_VERSION), "criteria version")? {
            Value::Text(t) => t,
            v => date(v, "criteria version")?.to_string(),
        };
        let status = match take(key::STATUS) {
            None => Vec::new(),
            Some(Value::Array(entries)) if entries.len() <= 2 => entries
                .into_iter()
                .map(|entry| {
                    let bad = || claims_error("a status entry must be [purpose, list, index]");
                    let Value::Array(parts) = entry else {
                        return Err(bad());
                    };
                    let [purpose, list, index]: [Value; 3] = parts.try_into().map_err(|_| bad())?;
                    let number = |v: Value| {
                        integer(v, "status entry")
                            .ok()
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(bad)
                    };
                    Ok(CompactStatus {
                        purpose: match number(purpose)? {
                            0 => StatusPurpose::Revocation,
                            1 => StatusPurpose::Suspension,
                            _ => return Err(bad()),
                        },
                        list: number(list)?,
                        index: number(index)?,
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(claims_error("status must be an array of at most 2 entries")),
        };
        let issuer_name = take(key::ISSUER_NAME)
            .map(|v| text(v, "issuer name"))
            .transpose()?;
        if corporate_number.is_none() && lei.is_none() {
            return Err(claims_error(
                "needs a corporate number (法人番号) or an LEI",
            ));
        }
        Ok(Self {
            id,
            issued_at,
            level,
            method,
            corporate_number,
            lei,
            legal_name,
            legal_name_en,
            scope,
            valid_from,
            valid_until,
            assessed_on,
            criteria_version,
            status,
            issuer_name,
        })
    }
}

/// A display name left out of the QR code so that it fits version 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omitted {
    /// The English legal name: a verifier of the QR form shows none.
    LegalNameEn,
    /// The issuer's name for itself: a verifier of the QR form shows the trust list's name.
    IssuerName,
}

/// A compact credential ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// `SCS1:…`
    pub text: String,
    /// What was left out to fit QR version 10.
    pub omitted: Vec<Omitted>,
}

/// Signs `claims` as they are.
pub fn encode(claims: &Claims, key: &SecretKey) -> Result<String, CompactError> {
    let mut payload = Vec::new();
    ciborium::ser::into_writer(&claims.to_cbor(), &mut payload).map_err(cbor_error)?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id(&key.public()).to_vec())
        .build();
    let cose = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|e| CompactError::Cose(e.to_string()))?;
    Ok(format!("{PREFIX}{}", base45::encode(cose)))
}

/// The QR form of a ★ credential signed at `issued_at` (its JSON proof's `created`), signed by
/// `key` — which must be the credential's issuer key; the caller checks that.
///
/// Every claim the verifier needs is always carried. The English legal name and the issuer's
/// name are carried too when the text still fits [`QR_V10_M_CHARS`]; otherwise the English name
/// is dropped first (it cannot be derived), then the issuer's name (the verifier takes it from
/// the trust list). A credential whose required claims alone exceed version 10 (a very long
/// legal name or scope) still encodes, into a larger QR code.
pub fn encode_credential(
    credential: &AttainmentCredential,
    issued_at: Timestamp,
    key: &SecretKey,
    registry_base: Option<&str>,
) -> Result<Encoded, CompactError> {
    let full = Claims::from_credential(credential, issued_at, registry_base)?;
    // In order of preference: the English name cannot be derived, the issuer's name can.
    let variants: &[(bool, bool)] = if full.legal_name_en.is_some() {
        &[(true, true), (true, false), (false, true), (false, false)]
    } else {
        &[(true, true), (true, false)]
    };
    let mut last = None;
    for &(keep_en, keep_issuer) in variants {
        let mut claims = full.clone();
        let mut omitted = Vec::new();
        if !keep_en && claims.legal_name_en.take().is_some() {
            omitted.push(Omitted::LegalNameEn);
        }
        if !keep_issuer && claims.issuer_name.take().is_some() {
            omitted.push(Omitted::IssuerName);
        }
        let text = encode(&claims, key)?;
        let fits = text.len() <= QR_V10_M_CHARS;
        last = Some(Encoded { text, omitted });
        if fits {
            break;
        }
    }
    last.ok_or_else(|| claims_error("nothing to encode"))
}

/// A compact credential read from its text, not yet checked against a key.
#[derive(Debug, Clone)]
pub struct CompactCredential {
    kid: [u8; KID_LEN],
    claims: Claims,
    to_be_signed: Vec<u8>,
    signature: Signature,
}

impl CompactCredential {
    /// The key id in the protected header.
    pub fn kid(&self) -> &[u8; KID_LEN] {
        &self.kid
    }

    /// The claims (unverified until [`CompactCredential::verify`] succeeds).
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Checks the COSE signature under `key` (strict Ed25519).
    pub fn verify(&self, key: &PublicKey) -> Result<(), CompactError> {
        key.verify(&self.to_be_signed, &self.signature)
            .map_err(|_| CompactError::BadSignature)
    }
}

/// Reads `SCS1:…` text: Base45, COSE_Sign1 (EdDSA, key id protected), and the claim map.
/// Surrounding whitespace (a pasted line) is ignored. The signature is checked separately,
/// once the caller has found the key for [`CompactCredential::kid`].
pub fn decode(text: &str) -> Result<CompactCredential, CompactError> {
    let text = text.trim();
    if text.len() > MAX_TEXT_CHARS {
        return Err(CompactError::TooLong);
    }
    let body = text.strip_prefix(PREFIX).ok_or(CompactError::Prefix)?;
    let bytes = base45::decode(body).map_err(|_| CompactError::Base45)?;
    let value = read_cbor(&bytes)?;
    let value = match value {
        Value::Tag(tag, inner) if tag == CoseSign1::TAG => *inner,
        Value::Tag(tag, _) => {
            return Err(CompactError::Cose(format!(
                "CBOR tag {tag}, expected 18 (COSE_Sign1)"
            )))
        }
        untagged => untagged,
    };
    let sign1 = CoseSign1::from_cbor_value(value).map_err(|e| CompactError::Cose(e.to_string()))?;
    let header = &sign1.protected.header;
    match &header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) => {}
        Some(other) => return Err(CompactError::Algorithm(format!("{other:?}"))),
        None => return Err(CompactError::Algorithm("none".into())),
    }
    if !sign1.unprotected.is_empty() {
        return Err(CompactError::UnprotectedHeader);
    }
    let kid: [u8; KID_LEN] = header
        .key_id
        .as_slice()
        .try_into()
        .map_err(|_| CompactError::KeyId)?;
    if !header.crit.is_empty()
        || header.content_type.is_some()
        || !header.iv.is_empty()
        || !header.partial_iv.is_empty()
        || !header.counter_signatures.is_empty()
        || !header.rest.is_empty()
    {
        return Err(CompactError::ExtraHeader);
    }
    let signature = <[u8; 64]>::try_from(sign1.signature.as_slice())
        .map(|b| Signature::from_bytes(&b))
        .map_err(|_| CompactError::Shape)?;
    let payload = sign1.payload.as_deref().ok_or(CompactError::Shape)?;
    let claims = Claims::from_cbor(read_cbor(payload)?)?;
    Ok(CompactCredential {
        kid,
        claims,
        to_be_signed: sign1.tbs_data(b""),
        signature,
    })
}

/// One CBOR item, nesting bounded, nothing left over.
fn read_cbor(mut bytes: &[u8]) -> Result<Value, CompactError> {
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut bytes, MAX_CBOR_DEPTH)
        .map_err(cbor_error)?;
    if !bytes.is_empty() {
        return Err(CompactError::Cbor("bytes left over after the item".into()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::tests::sample;
    use proptest::prelude::*;
    use serde_json::json;

    const BASE: &str = "https://registry.example";

    fn key() -> SecretKey {
        SecretKey::from_seed(&[7; 32])
    }

    fn created() -> Timestamp {
        Timestamp::parse("2027-03-20T09:30:00Z").unwrap()
    }

    /// The spec example with both status entries, as the registry allocates them.
    fn typical() -> AttainmentCredential {
        let mut doc = sample();
        doc["issuer"]["id"] = key().public().did_key().to_string().into();
        doc["credentialStatus"] = json!([
            {"id": format!("{BASE}/v1/status/revocation/3#120511"), "type": "BitstringStatusListEntry",
             "statusPurpose": "revocation", "statusListIndex": "120511",
             "statusListCredential": format!("{BASE}/v1/status/revocation/3")},
            {"id": format!("{BASE}/v1/status/suspension/3#7"), "type": "BitstringStatusListEntry",
             "statusPurpose": "suspension", "statusListIndex": "7",
             "statusListCredential": format!("{BASE}/v1/status/suspension/3")}
        ]);
        AttainmentCredential::from_json(&doc).unwrap()
    }

    fn round_trip(credential: &AttainmentCredential) -> (Encoded, AttainmentCredential) {
        let encoded = encode_credential(credential, created(), &key(), Some(BASE)).unwrap();
        let decoded = decode(&encoded.text).unwrap();
        assert_eq!(decoded.kid(), &key_id(&key().public()));
        decoded.verify(&key().public()).unwrap();
        assert_eq!(decoded.claims().issued_at, created());
        let rebuilt = decoded
            .claims()
            .to_credential(&key().public().did_key(), "評価機関", BASE)
            .unwrap();
        (encoded, rebuilt)
    }

    #[test]
    fn a_typical_credential_fits_version_10_and_round_trips() {
        let credential = typical();
        let (encoded, rebuilt) = round_trip(&credential);
        assert!(
            encoded.text.len() <= QR_V10_M_CHARS,
            "{} characters",
            encoded.text.len()
        );
        // The spec example's short names leave room for the English name; the issuer's name
        // comes from the trust list (here the same).
        assert_eq!(encoded.omitted, [Omitted::IssuerName]);
        assert_eq!(rebuilt, credential);
        assert_eq!(rebuilt.to_json(), credential.to_json());
    }

    #[test]
    fn display_names_are_dropped_to_fit_and_the_issuer_name_comes_from_the_trust_list() {
        let mut credential = typical();
        credential.credential_subject.legal_name = "株式会社サンプル製作所".into();
        credential.credential_subject.legal_name_en = Some("Sample Manufacturing Co., Ltd.".into());
        credential.issuer.name = "デモ評価機関（デモ用）".into();
        let (encoded, rebuilt) = round_trip(&credential);
        assert!(encoded.text.len() <= QR_V10_M_CHARS);
        assert_eq!(
            encoded.omitted,
            [Omitted::LegalNameEn, Omitted::IssuerName],
            "{}",
            encoded.text.len()
        );
        assert_eq!(rebuilt.credential_subject.legal_name_en, None);
        assert_eq!(rebuilt.issuer.name, "評価機関");
        assert_eq!(rebuilt.id, credential.id);
        assert_eq!(rebuilt.credential_status, credential.credential_status);

        // Beyond version 10 nothing required is ever dropped: the code just grows.
        credential.credential_subject.legal_name = "株".repeat(60);
        let (encoded, rebuilt) = round_trip(&credential);
        assert!(encoded.text.len() > QR_V10_M_CHARS);
        assert_eq!(rebuilt.credential_subject.legal_name, "株".repeat(60));
    }

    #[test]
    fn every_claim_survives() {
        let mut credential = typical();
        let subject = &mut credential.credential_subject;
        subject.corporate_number = None;
        subject.lei = Some(Lei::parse("506700GE1G29325QX363").unwrap());
        subject.scope = Scope::Partial {
            description: "本社工場".into(),
        };
        subject.achievement.level = Level::STAR3;
        subject.achievement.assessment_method = AssessmentMethod::ThirdPartyEvaluation;
        subject.achievement.criteria_version = "2026-03-27-draft".into();
        subject.achievement.assessed_on = CalendarDate::parse("1969-12-31").unwrap();
        credential.credential_status.clear();
        credential.credential_subject.legal_name_en = None;
        let (encoded, rebuilt) = round_trip(&credential);
        assert!(!encoded.omitted.contains(&Omitted::LegalNameEn));
        assert_eq!(rebuilt, credential);
    }

    #[test]
    fn a_holder_bound_credential_has_no_qr_form() {
        let mut credential = typical();
        credential.credential_subject.id = Some(SecretKey::from_seed(&[5; 32]).public().did_key());
        assert_eq!(
            encode_credential(&credential, created(), &key(), None).unwrap_err(),
            CompactError::HolderBound
        );
    }

    #[test]
    fn status_urls_must_sit_under_the_registry() {
        let credential = typical();
        let err = encode_credential(
            &credential,
            created(),
            &key(),
            Some("https://other.example"),
        )
        .unwrap_err();
        assert!(matches!(err, CompactError::StatusUrl(_)), "{err}");
        let mut odd = credential.clone();
        odd.credential_status[0].list_url = format!("{BASE}/lists/3");
        assert!(matches!(
            encode_credential(&odd, created(), &key(), None),
            Err(CompactError::StatusUrl(_))
        ));
        odd.credential_status[0].list_url = format!("{BASE}/v1/status/suspension/3");
        assert!(matches!(
            encode_credential(&odd, created(), &key(), None),
            Err(CompactError::StatusUrl(_))
        ));
        odd.credential_status[0].list_url = format!("{BASE}/v1/status/revocation/03");
        assert!(encode_credential(&odd, created(), &key(), None).is_err());
        // A trailing slash on the base is the same base.
        assert!(encode_credential(
            &credential,
            created(),
            &key(),
            Some("https://registry.example/")
        )
        .is_ok());
    }

    #[test]
    fn another_key_does_not_verify() {
        let encoded = encode_credential(&typical(), created(), &key(), None).unwrap();
        let other = SecretKey::from_seed(&[8; 32]).public();
        assert_eq!(
            decode(&encoded.text).unwrap().verify(&other),
            Err(CompactError::BadSignature)
        );
        assert_ne!(key_id(&other), key_id(&key().public()));
        let did = key().public().did_key().to_string();
        assert_eq!(key_id_of_did(&did), Some(key_id(&key().public())));
        assert_eq!(key_id_of_did("did:web:example.com"), None);
    }

    fn cose_text(edit: impl FnOnce(&mut CoseSign1)) -> String {
        let encoded = encode(
            &Claims::from_credential(&typical(), created(), None).unwrap(),
            &key(),
        )
        .unwrap();
        let bytes = base45::decode(encoded.strip_prefix(PREFIX).unwrap()).unwrap();
        let mut sign1 = CoseSign1::from_tagged_slice(&bytes).unwrap();
        // Serialise the protected header anew from its (edited) fields.
        sign1.protected.original_data = None;
        edit(&mut sign1);
        format!("{PREFIX}{}", base45::encode(sign1.to_tagged_vec().unwrap()))
    }

    fn with_payload(value: Value) -> String {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&value, &mut payload).unwrap();
        cose_text(|s| s.payload = Some(payload))
    }

    fn claims_map() -> Vec<(Value, Value)> {
        match Claims::from_credential(&typical(), created(), None)
            .unwrap()
            .to_cbor()
        {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let good = encode_credential(&typical(), created(), &key(), None)
            .unwrap()
            .text;
        type Expected = fn(&CompactError) -> bool;
        let cases: Vec<(String, Expected)> = vec![
            ("hello".into(), |e| matches!(e, CompactError::Prefix)),
            (good.replacen("SCS1:", "HC1:", 1), |e| {
                matches!(e, CompactError::Prefix)
            }),
            (format!("{PREFIX}abc"), |e| {
                matches!(e, CompactError::Base45)
            }),
            (format!("{PREFIX}:::"), |e| {
                matches!(e, CompactError::Base45)
            }),
            (good[..good.len() - 30].to_owned(), |e| {
                matches!(e, CompactError::Cbor(_) | CompactError::Base45)
            }),
            (format!("{PREFIX}{}", "0".repeat(MAX_TEXT_CHARS)), |e| {
                matches!(e, CompactError::TooLong)
            }),
            (format!("{PREFIX}{}", base45::encode([0x81u8; 2000])), |e| {
                matches!(e, CompactError::Cbor(_))
            }),
            (
                format!("{PREFIX}{}", base45::encode([0xd9, 0xd9, 0xf7, 0x01])),
                |e| matches!(e, CompactError::Cose(_)),
            ),
            (
                cose_text(|s| s.protected.header.alg = Some(iana::Algorithm::ES256.into())),
                |e| matches!(e, CompactError::Algorithm(_)),
            ),
            (cose_text(|s| s.protected.header.alg = None), |e| {
                matches!(e, CompactError::Algorithm(_))
            }),
            (
                cose_text(|s| {
                    s.unprotected.key_id = std::mem::take(&mut s.protected.header.key_id);
                }),
                |e| matches!(e, CompactError::UnprotectedHeader),
            ),
            (
                cose_text(|s| {
                    s.protected.header.key_id = vec![1; 32];
                }),
                |e| matches!(e, CompactError::KeyId),
            ),
            (
                cose_text(|s| {
                    s.protected.header.crit = vec![iana::HeaderParameter::Alg.into()];
                }),
                |e| matches!(e, CompactError::ExtraHeader),
            ),
            (cose_text(|s| s.payload = None), |e| {
                matches!(e, CompactError::Shape)
            }),
            (cose_text(|s| s.signature.truncate(10)), |e| {
                matches!(e, CompactError::Shape)
            }),
            (with_payload(Value::Text("x".into())), |e| {
                matches!(e, CompactError::Claims(_))
            }),
            (
                with_payload({
                    let mut m = claims_map();
                    m.push((int(99), int(1)));
                    Value::Map(m)
                }),
                |e| matches!(e, CompactError::Claims(_)),
            ),
            (
                with_payload({
                    let mut m = claims_map();
                    m.push((int(key::LEVEL), int(4)));
                    Value::Map(m)
                }),
                |e| matches!(e, CompactError::Claims(t) if t.contains("twice")),
            ),
            (
                with_payload({
                    let mut m = claims_map();
                    m.retain(|(k, _)| k != &int(key::ID));
                    Value::Map(m)
                }),
                |e| matches!(e, CompactError::Claims(t) if t.contains("missing claim id")),
            ),
            (
                with_payload({
                    let mut m = claims_map();
                    for (k, v) in &mut m {
                        if k == &int(key::CORPORATE_NUMBER) {
                            *v = int(8_000_012_050_002u64);
                        }
                    }
                    Value::Map(m)
                }),
                |e| matches!(e, CompactError::Claims(t) if t.contains("check digit")),
            ),
            (
                with_payload({
                    // Nested 100 deep inside the claim map.
                    let mut deep = int(0);
                    for _ in 0..100 {
                        deep = Value::Array(vec![deep]);
                    }
                    let mut m = claims_map();
                    for (k, v) in &mut m {
                        if k == &int(key::STATUS) {
                            *v = deep.clone();
                        }
                    }
                    Value::Map(m)
                }),
                |e| matches!(e, CompactError::Cbor(_)),
            ),
        ];
        for (text, expected) in cases {
            let err = decode(&text).unwrap_err();
            assert!(expected(&err), "{text:.60}: {err}");
        }
        // A deeply nested protected header does not blow the stack.
        let mut deep = vec![0x81u8; 1500];
        deep.push(0);
        let mut cose = vec![0xd2, 0x84, 0x59];
        cose.extend(u16::try_from(deep.len()).unwrap().to_be_bytes());
        cose.extend(&deep);
        cose.extend([0xa0, 0x40, 0x40]);
        let err = decode(&format!("{PREFIX}{}", base45::encode(&cose))).unwrap_err();
        assert!(matches!(err, CompactError::Cose(_)), "{err}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn mutated_text_never_panics_and_never_verifies_altered(pos in 5usize..300, c in 0usize..45) {
            let good = encode_credential(&typical(), created(), &key(), None).unwrap().text;
            let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
            let mut bytes = good.clone().into_bytes();
            let pos = pos % bytes.len();
            prop_assume!(pos >= PREFIX.len());
            bytes[pos] = alphabet[c];
            let text = String::from_utf8(bytes).unwrap();
            if let Ok(decoded) = decode(&text) {
                if text != good {
                    prop_assert!(decoded.verify(&key().public()).is_err());
                }
            }
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&format!("{PREFIX}{}", base45::encode(&bytes)));
        }
    }
}
