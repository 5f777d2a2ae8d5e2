//! The watch does not take the change feed's word: each event it reports is checked against the
//! log — the entry at its log index, proved included in the verified checkpoint, must say what
//! the event says (the same write to the same credential; for an issuer's event, an edition
//! signed by the pinned operator key that withdraws the issuer or declares its key compromised).

use anyhow::Result;
use scs_core::credential::AttainmentCredential;
use scs_core::keys::DidKey;
use scs_core::tlog::{leaf_hash, verify_inclusion, Checkpoint};
use scs_core::trust_list::{DesignationState, TrustList};
use scs_ledger::{ChangeEvent, ChangeKind, LoggedEntrySummary, LoggedWrite};

use crate::client::Registry;
use crate::registry_cmds::{proof_hashes, LogBreak};

/// Checks `event` against the entry at its log index in the log of `checkpoint`. `Err` when
/// the registry cannot be asked; `Ok(Err(_))` when the log does not hold what the feed said.
pub fn check_event(
    registry: &Registry,
    checkpoint: &Checkpoint,
    operator: &DidKey,
    event: &ChangeEvent,
) -> Result<Result<(), LogBreak>> {
    let index = event.log_index;
    let entry = registry.get_bytes(&format!("/v1/log/entries/{index}"))?;
    let answer = registry.get_json(&format!(
        "/v1/log/proof/inclusion?index={index}&size={}",
        checkpoint.size()
    ))?;
    let proof = proof_hashes(&answer);
    let misreported = |why: String| Ok(Err(LogBreak::Misreported(format!("{index}: {why}"))));
    let Some(proof) = proof else {
        return misreported("no inclusion proof".into());
    };
    if let Err(error) = verify_inclusion(
        &leaf_hash(&entry),
        index,
        checkpoint.size(),
        &proof,
        checkpoint.root(),
    ) {
        return misreported(format!(
            "the entry is not in the checkpoint's tree: {error}"
        ));
    }
    if says(event, &entry, operator) {
        Ok(Ok(()))
    } else {
        misreported(format!("the entry does not say {}", event.kind.code()))
    }
}

/// Whether the logged `entry` is the write `event` reports.
fn says(event: &ChangeEvent, entry: &[u8], operator: &DidKey) -> bool {
    let credential = event.credential.as_ref().map(|c| &c.id);
    match LoggedEntrySummary::read(event.log_index, entry).write {
        LoggedWrite::Registration { .. } => {
            event.kind == ChangeKind::Registered && registration_says(event, entry)
        }
        LoggedWrite::StatusChange {
            event: change,
            target,
            reason,
        } => {
            event.kind == ChangeKind::of_history(change, reason)
                && event.reason == reason
                && credential == Some(&target)
        }
        LoggedWrite::TrustListEdition { .. } => edition_says(event, entry, operator),
        _ => false,
    }
}

/// Whether the registration `entry` registers the credential the event describes — its id,
/// ★, end of validity and issuer — for the company the event names: a feed must not lend a
/// genuine entry of another company (or another ★, another date) to a watched supplier.
fn registration_says(event: &ChangeEvent, entry: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Request {
        credential: serde_json::Value,
    }
    let (Some(brief), Some(company)) = (&event.credential, &event.company) else {
        return false;
    };
    let Some(credential) = serde_json::from_slice::<Request>(entry)
        .ok()
        .and_then(|request| AttainmentCredential::from_value(request.credential).ok())
    else {
        return false;
    };
    let subject = &credential.credential_subject;
    credential.id == brief.id
        && subject.achievement.level.get() == brief.level
        && credential.valid_until == brief.valid_until
        && credential.issuer.id == brief.issuer
        && company.corporate_number == subject.corporate_number
        && company.legal_name == subject.legal_name
}

/// Whether the edition `entry`, signed by `operator`, withdraws the event's issuer or declares
/// it or one of its keys compromised, as the event says.
fn edition_says(event: &ChangeEvent, entry: &[u8], operator: &DidKey) -> bool {
    let (Some(issuer), Ok(list)) = (
        event.issuer.as_ref(),
        TrustList::from_signed_bytes(entry, operator),
    ) else {
        return false;
    };
    let Some(listed) = list.issuers.iter().find(|i| i.id == issuer.id) else {
        return false;
    };
    match event.kind {
        ChangeKind::IssuerWithdrawn => {
            listed.status.state == DesignationState::Withdrawn
                && listed.status.since == Some(event.at)
        }
        // A key's compromise concerns only what that key signed (found in review: any key's
        // would have let a feed pin it on another key's credential).
        ChangeKind::IssuerCompromised => {
            listed.status.compromised_since == Some(event.at)
                || listed.key_uses().any(|key| {
                    key.compromised_since == Some(event.at)
                        && event.credential.as_ref().is_none_or(|c| c.issuer == key.id)
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scs_core::ids::CorporateNumber;
    use scs_core::ids::CredentialId;
    use scs_core::lifecycle::Reason;
    use scs_core::timestamp::Timestamp;
    use scs_core::trust_list::DesignationStatus;
    use scs_ledger::{Company, CredentialBrief, IssuerBrief};
    use serde_json::json;

    const ID: &str = "urn:uuid:0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f9a01";

    fn demo(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../keys/demo")
            .join(name)
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn event(kind: ChangeKind, reason: Option<Reason>) -> ChangeEvent {
        ChangeEvent {
            log_index: 5,
            kind,
            reason,
            at: at("2027-04-01T09:00:00Z"),
            company: None,
            credential: Some(CredentialBrief {
                id: CredentialId::parse(ID).unwrap(),
                level: 4,
                valid_until: at("2030-04-01T09:00:00Z"),
                issuer: "did:key:z6Mk".into(),
            }),
            issuer: None,
        }
    }

    #[test]
    fn a_status_change_entry_says_only_its_own_change() {
        let operator = crate::keys::demo_operator().unwrap();
        let entry = json!({"action": "revoke", "target": ID, "reason": "fraud"}).to_string();
        let entry = entry.as_bytes();
        let fraud = Some(Reason::Fraud);
        assert!(says(&event(ChangeKind::Revoked, fraud), entry, &operator));
        assert!(!says(
            &event(ChangeKind::Suspended, fraud),
            entry,
            &operator
        ));
        assert!(!says(
            &event(ChangeKind::Revoked, Some(Reason::IssuerError)),
            entry,
            &operator
        ));
        let mut other = event(ChangeKind::Revoked, fraud);
        other.credential = None;
        assert!(!says(&other, entry, &operator));
        let superseded =
            json!({"action": "revoke", "target": ID, "reason": "superseded"}).to_string();
        assert!(says(
            &event(ChangeKind::Superseded, Some(Reason::Superseded)),
            superseded.as_bytes(),
            &operator
        ));
        assert!(!says(
            &event(ChangeKind::Registered, None),
            entry,
            &operator
        ));
    }

    /// A registration entry says only its own credential, for its own company, at its own ★
    /// and end of validity. (Only the kind and the id were compared: a feed could lend another
    /// company's genuine registration to a watched supplier.)
    #[test]
    fn a_registration_entry_says_only_its_own_company_level_and_dates() {
        let operator = crate::keys::demo_operator().unwrap();
        let entry = json!({"action": "register", "credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/scs/v1"],
            "type": ["VerifiableCredential", "SCSAttainmentCredential"],
            "id": ID,
            "issuer": {"id": "did:key:z6Mk", "name": "評価機関"},
            "validFrom": "2027-04-01T00:00:00Z",
            "validUntil": "2030-04-01T09:00:00Z",
            "credentialSubject": {
                "type": "SCSCertifiedOrganization",
                "corporateNumber": "6001001000000",
                "legalName": "株式会社さくら精機",
                "achievement": {"level": 4, "assessedOn": "2027-03-01",
                    "assessmentMethod": "ThirdPartyEvaluation", "criteriaVersion": "2026-03-27"},
                "scope": {"type": "WholeOrganization"}
            }
        }})
        .to_string();
        let entry = entry.as_bytes();
        let company = |number: &str, name: &str| {
            Some(Company {
                corporate_number: Some(CorporateNumber::parse(number).unwrap()),
                legal_name: name.into(),
            })
        };
        let mut registered = event(ChangeKind::Registered, None);
        registered.company = company("6001001000000", "株式会社さくら精機");
        assert!(says(&registered, entry, &operator));
        let mut other_company = registered.clone();
        other_company.company = company("7000012050002", "株式会社さくら精機");
        let mut other_name = registered.clone();
        other_name.company = company("6001001000000", "株式会社あおば");
        let mut no_company = registered.clone();
        no_company.company = None;
        let mut other_level = registered.clone();
        other_level.credential.as_mut().unwrap().level = 5;
        let mut other_date = registered.clone();
        other_date.credential.as_mut().unwrap().valid_until = at("2031-04-01T09:00:00Z");
        let mut other_issuer = registered.clone();
        other_issuer.credential.as_mut().unwrap().issuer = "did:key:z6MkOther".into();
        for lent in [
            other_company,
            other_name,
            no_company,
            other_level,
            other_date,
            other_issuer,
        ] {
            assert!(!says(&lent, entry, &operator), "{lent:?}");
        }
    }

    #[test]
    fn an_edition_says_a_withdrawal_only_when_the_operator_signed_it() {
        let operator_key = scs_issuer::keyfile::load_secret(&demo("operator.key"))
            .unwrap()
            .key;
        let operator = operator_key.public().did_key();
        let genesis = std::fs::read(demo("trust-list.json")).unwrap();
        let mut list = TrustList::from_signed_bytes(&genesis, &operator).unwrap();
        let since = at("2027-04-01T09:00:00Z");
        list.sequence += 1;
        list.issuers[0].status = DesignationStatus {
            state: DesignationState::Withdrawn,
            since: Some(since),
            compromised_since: None,
        };
        let sign = |list: &TrustList| {
            scs_core::proof::sign(
                list.to_credential(&operator, since),
                &operator_key,
                since,
                scs_core::proof::ProofPurpose::AssertionMethod,
                Default::default(),
            )
            .unwrap()
            .to_string()
        };
        let signed = sign(&list);
        let mut withdrawn = event(ChangeKind::IssuerWithdrawn, None);
        withdrawn.credential = None;
        withdrawn.issuer = Some(IssuerBrief {
            id: list.issuers[0].id.clone(),
            name: list.issuers[0].name.clone(),
        });
        assert!(says(&withdrawn, signed.as_bytes(), &operator));
        let mut compromised = withdrawn.clone();
        compromised.kind = ChangeKind::IssuerCompromised;
        assert!(!says(&compromised, signed.as_bytes(), &operator));
        let mut other_time = withdrawn.clone();
        other_time.at = at("2027-04-02T09:00:00Z");
        assert!(!says(&other_time, signed.as_bytes(), &operator));
        let stranger = scs_core::keys::SecretKey::from_seed(&[7; 32])
            .public()
            .did_key();
        assert!(!says(&withdrawn, signed.as_bytes(), &stranger));
        // One of the issuer's keys declared compromised is a compromise the edition says.
        let key_since = at("2027-03-01T09:00:00Z");
        let key = DidKey::parse(&list.issuers[0].id).unwrap();
        list.declare_compromised(&key, key_since).unwrap();
        let key_compromised = sign(&list);
        compromised.at = key_since;
        assert!(says(&compromised, key_compromised.as_bytes(), &operator));
        assert!(!says(&compromised, signed.as_bytes(), &operator));
        // About a credential: only one that key signed.
        let mut of_credential = compromised.clone();
        of_credential.credential = event(ChangeKind::IssuerCompromised, None).credential;
        assert!(!says(&of_credential, key_compromised.as_bytes(), &operator));
        if let Some(credential) = of_credential.credential.as_mut() {
            credential.issuer = key.to_string();
        }
        assert!(says(&of_credential, key_compromised.as_bytes(), &operator));
    }
}
