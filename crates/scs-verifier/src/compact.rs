//! Verification of the compact QR form (SPEC §6).
//!
//! The QR path checks the COSE signature instead of the JSON proof, rebuilds the
//! [`AttainmentCredential`] from the claims (status URLs on the trust list's registry base URL,
//! the issuer's name from the trust list unless the QR code carries it), and then runs the very
//! same [`Verifier::verify_signed_claims`] as the JSON path, with the QR code's issued-at as the
//! proof's `created`. So both forms reach the same verdict with the same facts.

use scs_core::compact::{self, CompactCredential};
use scs_core::keys::DidKey;
use scs_core::proof::{ProofError, ProofInfo};
use scs_core::report::{Check, CheckName, Message, Report};
use scs_core::trust_list::TrustList;

use crate::{signature_failure, signature_pass, InputError, Question, Verifier};

impl Verifier<'_> {
    /// Verifies the text of a QR code (`SCS1:…`).
    ///
    /// Text that is not a well-formed compact credential is an [`InputError`]. A well-formed one
    /// gets a report; its signature can only be checked against a key in the trust list (the QR
    /// form names its issuer by key id), so without a trust list, or with a key id the list does
    /// not know, the signature check fails; for a verifier without a trust anchor it is
    /// undecided.
    pub fn verify_compact(&self, text: &str, question: &Question) -> Result<Report, InputError> {
        let compact = compact::decode(text)?;
        Ok(self.verify_decoded_compact(&compact, question))
    }

    /// [`Verifier::verify_compact`] for text already decoded.
    pub fn verify_decoded_compact(
        &self,
        compact: &CompactCredential,
        question: &Question,
    ) -> Report {
        let fail = |ja: String, en: String| {
            Report::new(
                vec![Check::fail(CheckName::Signature, Message::new(ja, en))],
                None,
            )
        };
        let kid = hex(compact.kid());
        if let Some(why) = &self.no_anchor {
            // The signer is found only through a trusted list: undecided, like the issuer.
            return Report::new(
                vec![Check::undecided(CheckName::Signature, why.clone())],
                None,
            );
        }
        let Some(trust_list) = self.trust_list() else {
            return fail(
                format!("指定機関一覧（trust list）がないため、QRコードの署名者（鍵ID {kid}）を確認できません"),
                format!("no trust list given: the QR code names its signer only by key id {kid}, so its signature cannot be checked"),
            );
        };
        let candidates = issuers_with_kid(trust_list, compact.kid());
        if candidates.is_empty() {
            return fail(
                format!("QRコードの署名者（鍵ID {kid}）は指定機関一覧にありません"),
                format!(
                    "the QR code is signed by a key (key id {kid}) that is not in the trust list"
                ),
            );
        }
        // Two listed keys sharing a 64-bit key id would take a deliberate effort; try each.
        let Some((signer, designated_name)) = candidates
            .into_iter()
            .find(|(key, _)| compact.verify(key.public_key()).is_ok())
        else {
            return Report::new(
                vec![Check::fail(
                    CheckName::Signature,
                    signature_failure(&ProofError::BadSignature),
                )],
                None,
            );
        };
        let claims = compact.claims();
        let info = ProofInfo {
            signer,
            created: Some(claims.issued_at),
        };
        match claims.to_credential(&info.signer, designated_name, &trust_list.registry.base_url) {
            Ok(credential) => self.verify_signed_claims(&credential, &info, question),
            Err(error) => Report::new(
                vec![
                    signature_pass(&info),
                    Check::fail(
                        CheckName::Issuer,
                        Message::new(
                            format!("★取得証明書として読めません（{error}）"),
                            error.to_string(),
                        ),
                    ),
                ],
                None,
            ),
        }
    }
}

/// The trust list's issuer keys (every key of every issuer, retired ones included) whose key
/// id is `kid`, with their issuers' names. Key ids are computed from the did:key text; only a
/// matching key is decompressed.
fn issuers_with_kid<'t>(
    trust_list: &'t TrustList,
    kid: &[u8; compact::KID_LEN],
) -> Vec<(DidKey, &'t str)> {
    trust_list
        .issuers
        .iter()
        .flat_map(|issuer| issuer.key_uses().map(move |key| (key.id, issuer)))
        .filter(|(key, _)| compact::key_id_of_did(key).as_ref() == Some(kid))
        .filter_map(|(key, issuer)| Some((DidKey::parse(key).ok()?, issuer.name.as_str())))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use scs_core::compact::{encode_credential, PREFIX};
    use scs_core::credential::{AttainmentCredential, Level, StatusEntry, StatusPurpose};
    use scs_core::keys::SecretKey;
    use scs_core::proof::{self, ProofPurpose};
    use scs_core::report::{CheckName, Report, Verdict};
    use scs_core::status_list::{Bitstring, StatusList};
    use scs_core::timestamp::Timestamp;
    use scs_core::trust_list::{
        DesignatedIssuer, DesignationState, DesignationStatus, Policy, RegistryInfo, Role,
        TrustList,
    };
    use scs_issuer::{IssueParams, SubjectInput};
    use serde_json::Value;

    use crate::{OfflineStatusLists, Question, Verifier};

    const BASE: &str = "https://registry.example";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn issuer() -> SecretKey {
        SecretKey::from_seed(&[4; 32])
    }

    fn status_key() -> SecretKey {
        SecretKey::from_seed(&[5; 32])
    }

    fn trust_list(state: DesignationState, since: Option<&str>) -> TrustList {
        TrustList {
            kind: "SCSTrustList".into(),
            sequence: 1,
            issuers: vec![DesignatedIssuer {
                id: issuer().public().did_key().to_string(),
                name: "デモ評価機関".into(),
                name_en: None,
                contact: None,
                url: None,
                roles: vec![Role::EvaluationBody],
                levels: vec![Level::STAR3, Level::STAR4],
                valid_from: t("2026-01-01T00:00:00Z"),
                valid_until: None,
                keys: Vec::new(),
                status: DesignationStatus {
                    state,
                    since: since.map(t),
                    compromised_since: None,
                },
            }],
            registry: RegistryInfo {
                base_url: BASE.into(),
                status_key: status_key().public().did_key().to_string(),
                log_key: SecretKey::from_seed(&[6; 32])
                    .public()
                    .did_key()
                    .to_string(),
            },
            policy: Policy::default(),
            in_force: Default::default(),
        }
    }

    fn entry(purpose: StatusPurpose) -> StatusEntry {
        StatusEntry {
            purpose,
            list_url: format!("{BASE}/v1/status/{}/0", purpose.as_str()),
            index: 4242,
        }
    }

    /// A ★4 credential with both status entries, signed at 2027-03-31.
    fn issue(subject: &str) -> Value {
        let subject = SubjectInput::parse_many(subject).unwrap().remove(0);
        let params = IssueParams {
            issuer_name: "デモ評価機関".into(),
            level: Level::STAR4,
            method: None,
            criteria_version: "2026-03-27".into(),
            assessed_on: None,
            valid_from: t("2027-04-01T00:00:00Z"),
            valid_for: None,
            status: vec![
                entry(StatusPurpose::Revocation),
                entry(StatusPurpose::Suspension),
            ],
            policy: Policy::default(),
        };
        scs_issuer::issue(&subject, &params, &issuer(), t("2027-03-31T00:00:00Z")).unwrap()
    }

    const SUBJECT: &str =
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所"}"#;

    fn qr_text(signed: &Value) -> String {
        let (unsecured, info) =
            proof::verify(signed.clone(), ProofPurpose::AssertionMethod).unwrap();
        let credential = AttainmentCredential::from_json(&unsecured).unwrap();
        // The issuer's name is left out to fit version 10 and comes back from the trust list.
        encode_credential(&credential, info.created.unwrap(), &issuer(), Some(BASE))
            .unwrap()
            .text
    }

    fn lists(trust_list: &TrustList, revoked: bool, suspended: bool) -> OfflineStatusLists {
        let mut lists = OfflineStatusLists::none();
        for (purpose, set) in [
            (StatusPurpose::Revocation, revoked),
            (StatusPurpose::Suspension, suspended),
        ] {
            let mut bits = Bitstring::new(0);
            bits.set(4242, set);
            let list = StatusList {
                url: entry(purpose).list_url,
                purpose,
                bits,
                valid_from: t("2027-04-01T00:00:00Z"),
                valid_until: None,
                ttl_ms: None,
            };
            let signed = proof::sign(
                list.to_json(&status_key().public().did_key()),
                &status_key(),
                t("2027-04-01T00:00:00Z"),
                ProofPurpose::AssertionMethod,
                Default::default(),
            )
            .unwrap();
            lists
                .add_signed(&serde_json::to_vec(&signed).unwrap(), Some(trust_list))
                .unwrap();
        }
        lists
    }

    fn both(verifier: &Verifier<'_>, signed: &Value, question: &Question) -> (Report, Report) {
        let json = verifier.verify(signed.clone(), question);
        let qr = verifier.verify_compact(&qr_text(signed), question).unwrap();
        (json, qr)
    }

    fn failing(report: &Report) -> Vec<CheckName> {
        report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn json_and_qr_give_the_same_report() {
        let signed = issue(SUBJECT);
        let active = trust_list(DesignationState::Active, None);
        let at = |s| Question {
            at: t(s),
            now: t(s),
            min_level: Some(Level::STAR3),
            corporate_number: Some(scs_core::ids::CorporateNumber::parse("7000012050002").unwrap()),
        };
        let suspended_issuer =
            trust_list(DesignationState::Suspended, Some("2027-01-01T00:00:00Z"));
        let cases = [
            (
                "valid",
                &active,
                lists(&active, false, false),
                at("2028-01-01T00:00:00Z"),
                Verdict::Valid,
                vec![],
            ),
            (
                "revoked",
                &active,
                lists(&active, true, false),
                at("2028-01-01T00:00:00Z"),
                Verdict::Invalid,
                vec![CheckName::Status],
            ),
            (
                "suspended",
                &active,
                lists(&active, false, true),
                at("2028-01-01T00:00:00Z"),
                Verdict::Invalid,
                vec![CheckName::Status],
            ),
            (
                "expired",
                &active,
                lists(&active, false, false),
                at("2031-01-01T00:00:00Z"),
                Verdict::Invalid,
                vec![CheckName::Validity],
            ),
            (
                "not yet valid",
                &active,
                lists(&active, false, false),
                at("2027-03-31T12:00:00Z"),
                Verdict::Invalid,
                vec![CheckName::Validity],
            ),
            (
                "no status list",
                &active,
                OfflineStatusLists::none(),
                at("2028-01-01T00:00:00Z"),
                Verdict::Unknown,
                vec![CheckName::Status],
            ),
            (
                "issuer suspended before signing",
                &suspended_issuer,
                lists(&suspended_issuer, false, false),
                at("2028-01-01T00:00:00Z"),
                Verdict::Invalid,
                vec![CheckName::Issuer],
            ),
        ];
        for (name, trust, lists, question, verdict, fails) in cases {
            let verifier = Verifier::new(Some(trust), &lists);
            let (json, qr) = both(&verifier, &signed, &question);
            assert_eq!(json.verdict, verdict, "{name}: {json:?}");
            assert_eq!(failing(&json), fails, "{name}");
            assert_eq!(json, qr, "{name}");
            assert_eq!(
                serde_json::to_string(&json).unwrap(),
                serde_json::to_string(&qr).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_signature_needs_the_trust_list_and_the_right_key() {
        let signed = issue(SUBJECT);
        let text = qr_text(&signed);
        let none = OfflineStatusLists::none();
        let question = Question::at(t("2028-01-01T00:00:00Z"));

        let report = Verifier::new(None, &none)
            .verify_compact(&text, &question)
            .unwrap();
        assert_eq!(report.verdict, Verdict::Invalid);
        assert_eq!(failing(&report), [CheckName::Signature]);
        assert!(report.checks[0].detail.contains("no trust list"));
        assert!(report.credential.is_none());

        let mut other = trust_list(DesignationState::Active, None);
        other.issuers[0].id = SecretKey::from_seed(&[9; 32])
            .public()
            .did_key()
            .to_string();
        let report = Verifier::new(Some(&other), &none)
            .verify_compact(&text, &question)
            .unwrap();
        assert_eq!(failing(&report), [CheckName::Signature]);
        assert!(report.checks[0].detail.contains("not in the trust list"));

        // Same key id, altered claims: the signature does not match.
        let mut cose = base45::decode(text.strip_prefix(PREFIX).unwrap()).unwrap();
        let name = "サンプル".as_bytes();
        let at = cose.windows(name.len()).position(|w| w == name).unwrap();
        cose[at..at + name.len()].copy_from_slice("サンプロ".as_bytes());
        let altered = format!("{PREFIX}{}", base45::encode(&cose));
        let active = trust_list(DesignationState::Active, None);
        let report = Verifier::new(Some(&active), &none)
            .verify_compact(&altered, &question)
            .unwrap();
        assert_eq!(failing(&report), [CheckName::Signature]);
        assert!(report.checks[0].detail.contains("altered"), "{report:?}");
        assert!(report.credential.is_none());

        // Not a QR payload at all: input error.
        assert!(Verifier::new(Some(&active), &none)
            .verify_compact("SCS1:xyz", &question)
            .is_err());
    }
}
