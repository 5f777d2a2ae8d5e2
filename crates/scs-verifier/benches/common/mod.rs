//! What the verifier's benches share: the bench issuers, their trust list, a ★4 credential.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use scs_core::credential::{Level, StatusEntry};
use scs_core::keys::SecretKey;
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{
    DesignatedIssuer, DesignationState, DesignationStatus, Policy, RegistryInfo, Role, TrustList,
};
use scs_issuer::{IssueParams, SubjectInput};

/// Issuer keys; a single credential is signed by the first.
pub const ISSUER_SEEDS: [u8; 4] = [4, 7, 8, 9];

/// The trust list's registry base URL.
pub const BASE: &str = "https://registry.example";

pub fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// The bench key of `seed`: issuers 4, 7, 8, 9; status key 5; log key 6; operator 1.
pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(&[seed; 32])
}

/// A trust list naming every bench issuer as designated for ★3 and ★4.
pub fn trust_list() -> TrustList {
    let issuers = ISSUER_SEEDS
        .iter()
        .enumerate()
        .map(|(n, &seed)| DesignatedIssuer {
            id: key(seed).public().did_key().to_string(),
            name: format!("デモ評価機関{n}"),
            name_en: Some(format!("Demo Evaluation Body {n}")),
            contact: None,
            url: None,
            roles: vec![Role::EvaluationBody],
            levels: vec![Level::STAR3, Level::STAR4],
            valid_from: t("2026-01-01T00:00:00Z"),
            valid_until: None,
            keys: Vec::new(),
            status: DesignationStatus {
                state: DesignationState::Active,
                since: None,
                compromised_since: None,
            },
        })
        .collect();
    TrustList {
        kind: "SCSTrustList".into(),
        sequence: 1,
        issuers,
        registry: RegistryInfo {
            base_url: BASE.into(),
            status_key: key(5).public().did_key().to_string(),
            log_key: key(6).public().did_key().to_string(),
        },
        policy: Policy::default(),
        in_force: Default::default(),
    }
}

/// A ★4 credential of 株式会社サンプル (7000012050002) with `status` entries, signed by `key`
/// at 2027-03-31, valid from 2027-04-01: as bytes on the wire.
pub fn credential_bytes(key: &SecretKey, status: Vec<StatusEntry>) -> Vec<u8> {
    company_credential_bytes(key, "7000012050002", "株式会社サンプル", status)
}

/// [`credential_bytes`] for the company `corporate_number`, `legal_name`.
pub fn company_credential_bytes(
    key: &SecretKey,
    corporate_number: &str,
    legal_name: &str,
    status: Vec<StatusEntry>,
) -> Vec<u8> {
    let subject = SubjectInput::parse_many(
        &serde_json::json!({"corporateNumber": corporate_number, "legalName": legal_name})
            .to_string(),
    )
    .unwrap()
    .remove(0);
    let params = IssueParams {
        issuer_name: "デモ評価機関".into(),
        level: Level::STAR4,
        method: None,
        criteria_version: "2026-03-27".into(),
        assessed_on: None,
        valid_from: t("2027-04-01T00:00:00Z"),
        valid_for: None,
        status,
        policy: Policy::default(),
    };
    let signed = scs_issuer::issue(&subject, &params, key, t("2027-03-31T00:00:00Z")).unwrap();
    serde_json::to_vec(&signed).unwrap()
}
