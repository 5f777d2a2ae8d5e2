use super::*;
use scs_core::credential::{StatusEntry, StatusPurpose};
use scs_core::keys::SecretKey;
use scs_core::report::Verdict;
use scs_core::status_list::{Bitstring, StatusList};
use scs_core::trust_list::{
    DesignatedIssuer, DesignationState, DesignationStatus, Policy, RegistryInfo, Role,
};
use scs_issuer::{IssueParams, SubjectInput};

mod presentations;

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

struct World {
    issuer: SecretKey,
    status_key: SecretKey,
    trust_list: TrustList,
}

fn world() -> World {
    let issuer = SecretKey::from_seed(&[4; 32]);
    let status_key = SecretKey::from_seed(&[5; 32]);
    let trust_list = TrustList {
        kind: "SCSTrustList".into(),
        sequence: 1,
        issuers: vec![DesignatedIssuer {
            id: issuer.public().did_key().to_string(),
            name: "デモ評価機関".into(),
            name_en: Some("Demo Evaluation Body".into()),
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
        }],
        registry: RegistryInfo {
            base_url: "https://registry.example".into(),
            status_key: status_key.public().did_key().to_string(),
            log_key: SecretKey::from_seed(&[6; 32])
                .public()
                .did_key()
                .to_string(),
        },
        policy: Policy::default(),
        in_force: Default::default(),
    };
    World {
        issuer,
        status_key,
        trust_list,
    }
}

const LIST_URL: &str = "https://registry.example/v1/status/revocation/0";

const SUBJECT: &str = r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル"}"#;

fn issue(w: &World, level: Level, status: Vec<StatusEntry>) -> Value {
    issue_about(w, SUBJECT, level, status)
}

/// A credential about the subject of `subject.json` text.
fn issue_about(w: &World, subject: &str, level: Level, status: Vec<StatusEntry>) -> Value {
    let subject = SubjectInput::parse_many(subject).unwrap().remove(0);
    let params = IssueParams {
        issuer_name: "デモ評価機関".into(),
        level,
        method: None,
        criteria_version: "2026-03-27".into(),
        assessed_on: None,
        valid_from: t("2027-04-01T00:00:00Z"),
        valid_for: None,
        status,
        policy: Policy::default(),
    };
    scs_issuer::issue(&subject, &params, &w.issuer, t("2027-03-31T00:00:00Z")).unwrap()
}

fn revocation_entry(index: u32) -> StatusEntry {
    StatusEntry {
        purpose: StatusPurpose::Revocation,
        list_url: LIST_URL.into(),
        index,
    }
}

fn signed_list(w: &World, set: &[usize], signer: &SecretKey) -> Vec<u8> {
    let mut bits = Bitstring::new(0);
    for &i in set {
        bits.set(i, true);
    }
    let list = StatusList {
        url: LIST_URL.into(),
        purpose: StatusPurpose::Revocation,
        bits,
        valid_from: t("2027-04-01T00:00:00Z"),
        valid_until: None,
        ttl_ms: Some(300_000),
    };
    let doc = list.to_json(&w.status_key.public().did_key());
    let signed = proof::sign(
        doc,
        signer,
        t("2027-04-01T00:00:00Z"),
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    serde_json::to_vec(&signed).unwrap()
}

/// Offline status lists: one revocation list, signed by the registry status key, with `set`
/// revoked.
fn lists_revoking(w: &World, set: &[usize]) -> OfflineStatusLists {
    let mut lists = OfflineStatusLists::none();
    lists
        .add_signed(&signed_list(w, set, &w.status_key), Some(&w.trust_list))
        .unwrap();
    lists
}

fn ask() -> Question {
    Question::at(t("2028-01-01T00:00:00Z"))
}

fn names_failing(report: &Report) -> Vec<CheckName> {
    failed_names(&report.checks)
}

fn failed_names(checks: &[scs_core::report::Check]) -> Vec<CheckName> {
    checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
}

#[test]
fn offline_credential_is_valid_with_a_trust_list() {
    let w = world();
    let none = OfflineStatusLists::none();
    let report =
        Verifier::new(Some(&w.trust_list), &none).verify(issue(&w, Level::STAR4, vec![]), &ask());
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    let names: Vec<_> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            CheckName::Signature,
            CheckName::Issuer,
            CheckName::Validity,
            CheckName::Status
        ]
    );
    assert_eq!(
        report.credential.unwrap().corporate_number.as_deref(),
        Some("7000012050002")
    );
}

#[test]
fn without_a_trust_list_the_signature_is_still_reported() {
    let w = world();
    let none = OfflineStatusLists::none();
    let report = Verifier::new(None, &none).verify(issue(&w, Level::STAR4, vec![]), &ask());
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(report.check(CheckName::Signature).unwrap().ok);
    assert_eq!(names_failing(&report), [CheckName::Issuer]);
}

#[test]
fn tampering_any_claim_fails_the_signature() {
    let w = world();
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let mut credential = issue(&w, Level::STAR3, vec![]);
    credential["credentialSubject"]["achievement"]["level"] = 4.into();
    let report = verifier.verify(credential, &ask());
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(names_failing(&report), [CheckName::Signature]);
    assert!(report.checks[0].detail.contains("altered"));
}

#[test]
fn validity_window_and_levels_and_subject() {
    let w = world();
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let credential = issue(&w, Level::STAR3, vec![]);
    let early = verifier.verify(credential.clone(), &Question::at(t("2027-03-31T23:59:59Z")));
    assert_eq!(names_failing(&early), [CheckName::Validity]);
    assert!(early
        .check(CheckName::Validity)
        .unwrap()
        .detail
        .contains("not yet valid"));
    let late = verifier.verify(credential.clone(), &Question::at(t("2028-04-01T00:00:00Z")));
    assert!(late
        .check(CheckName::Validity)
        .unwrap()
        .detail
        .contains("expired"));

    let mut question = ask();
    question.min_level = Some(Level::STAR4);
    question.corporate_number = Some(CorporateNumber::parse("1180301018771").unwrap());
    let report = verifier.verify(credential, &question);
    assert_eq!(
        names_failing(&report),
        [CheckName::Subject, CheckName::Level]
    );

    question.min_level = Some(Level::STAR3);
    question.corporate_number = Some(CorporateNumber::parse("7000012050002").unwrap());
    let star4 = verifier.verify(issue(&w, Level::STAR4, vec![]), &question);
    assert_eq!(
        star4.verdict,
        Verdict::Valid,
        "a higher ★ satisfies a lower ask"
    );
}

#[test]
fn issuer_must_be_designated_for_the_level_at_signing_time() {
    let mut w = world();
    w.trust_list.issuers[0].levels = vec![Level::STAR3];
    let none = OfflineStatusLists::none();
    let report =
        Verifier::new(Some(&w.trust_list), &none).verify(issue(&w, Level::STAR4, vec![]), &ask());
    assert_eq!(names_failing(&report), [CheckName::Issuer]);
    assert!(report.checks[1].detail.contains("not designated for ★4"));

    let mut w = world();
    w.trust_list.issuers[0].status = DesignationStatus {
        state: DesignationState::Withdrawn,
        since: Some(t("2027-06-01T00:00:00Z")),
        compromised_since: Some(t("2027-01-01T00:00:00Z")),
    };
    let report =
        Verifier::new(Some(&w.trust_list), &none).verify(issue(&w, Level::STAR4, vec![]), &ask());
    assert!(report.checks[1].detail.contains("compromised"));
}

#[test]
fn status_lists_decide_revocation_and_unknown_without_them() {
    let w = world();
    let credential = issue(&w, Level::STAR4, vec![revocation_entry(42)]);

    let none = OfflineStatusLists::none();
    let unknown = Verifier::new(Some(&w.trust_list), &none).verify(credential.clone(), &ask());
    assert_eq!(unknown.verdict, Verdict::Unknown);
    assert!(unknown.check(CheckName::Status).unwrap().undecided);

    let clear = lists_revoking(&w, &[41, 43]);
    let valid = Verifier::new(Some(&w.trust_list), &clear).verify(credential.clone(), &ask());
    assert_eq!(valid.verdict, Verdict::Valid, "{valid:#?}");

    let mut revoked = OfflineStatusLists::none();
    revoked
        .add_signed(&signed_list(&w, &[42], &w.status_key), Some(&w.trust_list))
        .unwrap();
    let report = Verifier::new(Some(&w.trust_list), &revoked).verify(credential, &ask());
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(report.check(CheckName::Status).unwrap().detail, "revoked");
}

#[test]
fn status_list_must_be_signed_by_the_registry_status_key() {
    let w = world();
    let mut lists = OfflineStatusLists::none();
    assert!(matches!(
        lists.add_signed(&signed_list(&w, &[], &w.issuer), Some(&w.trust_list)),
        Err(StatusListLoadError::WrongSigner(_))
    ));
    assert!(matches!(
        lists.add_signed(&signed_list(&w, &[], &w.status_key), None),
        Err(StatusListLoadError::NoTrustList)
    ));
}

#[test]
fn batch_gives_the_same_reports_as_one_by_one() {
    let w = world();
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let mut credentials: Vec<Value> = (0..20).map(|_| issue(&w, Level::STAR4, vec![])).collect();
    credentials[7]["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    credentials[13]["proof"]["proofValue"] = "zzz".into();
    // Another signer in the same batch, and an unreadable key seen twice: each key is decoded
    // once per batch, which must not change any report.
    let other = World {
        issuer: SecretKey::from_seed(&[9; 32]),
        ..world()
    };
    credentials[3] = issue(&other, Level::STAR4, vec![]);
    credentials[16] = issue(&other, Level::STAR4, vec![]);
    for i in [17, 18] {
        credentials[i]["proof"]["verificationMethod"] = "did:key:z6MkBad#z6MkBad".into();
    }
    let single: Vec<Report> = credentials
        .iter()
        .map(|c| verifier.verify(c.clone(), &ask()))
        .collect();
    let batch = verifier.verify_batch(credentials, &ask());
    assert_eq!(batch, single);
    let invalid: Vec<usize> = (0..20)
        .filter(|&i| batch[i].verdict != Verdict::Valid)
        .collect();
    assert_eq!(invalid, [3, 7, 13, 16, 17, 18]);
    assert_eq!(names_failing(&batch[3]), [CheckName::Issuer]);
    assert_eq!(names_failing(&batch[17]), [CheckName::Signature]);
}

#[test]
fn without_a_trust_anchor_the_issuer_is_undecided_not_failed() {
    let w = world();
    let none = OfflineStatusLists::none();
    let why = Message::new("鍵がありません", "no operator key given");
    let report =
        Verifier::without_trust_anchor(&none, why).verify(issue(&w, Level::STAR4, vec![]), &ask());
    assert_eq!(report.verdict, Verdict::Unknown, "{report:#?}");
    let issuer = report.check(CheckName::Issuer).unwrap();
    assert!(issuer.undecided);
    assert_eq!(issuer.detail, "no operator key given");
}

#[test]
fn an_edition_outside_its_window_cannot_establish_designation_when_asked() {
    let mut w = world();
    w.trust_list.in_force = scs_core::trust_list::InForce {
        from: Some(t("2027-01-01T00:00:00Z")),
        until: Some(t("2027-12-31T23:59:59Z")),
    };
    let none = OfflineStatusLists::none();
    let credential = issue(&w, Level::STAR4, vec![]);
    let strict = Verifier::new(Some(&w.trust_list), &none).requiring_edition_in_force();
    // ask() is 2028-01-01: after the edition's end.
    let report = strict.verify(credential.clone(), &ask());
    assert_eq!(report.verdict, Verdict::Unknown, "{report:#?}");
    let issuer = report.check(CheckName::Issuer).unwrap();
    assert!(issuer.undecided);
    assert!(issuer
        .detail
        .contains("trust list expired on 2027-12-31T23:59:59Z"));
    let inside = strict.verify(credential.clone(), &Question::at(t("2027-06-01T00:00:00Z")));
    assert_eq!(inside.verdict, Verdict::Valid, "{inside:#?}");
    // The registry's replayed checks do not ask: the edition was checked when accepted.
    let lenient = Verifier::new(Some(&w.trust_list), &none).verify(credential, &ask());
    assert_eq!(lenient.verdict, Verdict::Valid);
}

#[test]
fn a_duplicated_member_name_is_an_input_error() {
    let w = world();
    let text = issue(&w, Level::STAR4, vec![]).to_string();
    let duplicated = text.replacen("\"level\":4", "\"level\":5,\"level\":4", 1);
    assert_ne!(duplicated, text);
    assert!(matches!(
        parse_credential(duplicated.as_bytes()),
        Err(InputError::NotJson(why)) if why.contains("duplicate member name")
    ));
}

#[test]
fn unreadable_input_is_an_input_error() {
    assert!(matches!(
        parse_credential(b"not json"),
        Err(InputError::NotJson(_))
    ));
    assert!(matches!(
        parse_credential(b"[1]"),
        Err(InputError::DataModel(_))
    ));
    let deep = "[".repeat(10_000);
    assert!(matches!(
        parse_credential(deep.as_bytes()),
        Err(InputError::NotJson(_))
    ));
    let huge = vec![b' '; MAX_CREDENTIAL_BYTES + 1];
    assert_eq!(parse_credential(&huge), Err(InputError::TooLarge));
}

mod mutation {
    use super::*;
    use proptest::prelude::*;

    fn mutate(value: &mut Value, path: &[usize], replacement: &Value) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let i = path.first().copied().unwrap_or(0) % map.len();
                let key = map.keys().nth(i).cloned().unwrap();
                if path.len() <= 1 {
                    map.insert(key, replacement.clone());
                } else {
                    mutate(map.get_mut(&key).unwrap(), &path[1..], replacement);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let i = path.first().copied().unwrap_or(0) % items.len();
                if path.len() <= 1 {
                    items[i] = replacement.clone();
                } else {
                    mutate(&mut items[i], &path[1..], replacement);
                }
            }
            other => *other = replacement.clone(),
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9:#/ 株式会社]{0,12}".prop_map(Value::from),
            Just(serde_json::json!({})),
            Just(serde_json::json!([])),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// No random change to a signed credential verifies, and none panics.
        #[test]
        fn no_mutation_verifies(path in prop::collection::vec(0usize..16, 1..5), replacement in any_json()) {
            let w = world();
            let none = OfflineStatusLists::none();
            let verifier = Verifier::new(Some(&w.trust_list), &none);
            let original = issue(&w, Level::STAR4, vec![]);
            let mut mutated = original.clone();
            mutate(&mut mutated, &path, &replacement);
            prop_assume!(mutated != original);
            let bytes = serde_json::to_vec(&mutated).unwrap();
            match verifier.verify_bytes(&bytes, &ask()) {
                Err(_) => {}
                Ok(report) => prop_assert_ne!(report.verdict, Verdict::Valid, "{}", serde_json::to_string(&mutated).unwrap()),
            }
        }
    }
}

#[test]
fn batch_on_several_threads_gives_the_same_reports_in_order() {
    let w = world();
    let other = World {
        issuer: SecretKey::from_seed(&[9; 32]),
        ..world()
    };
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let mut credentials: Vec<Value> = (0..50)
        .map(|i| {
            // A different subject in each, so a report out of place would show.
            let subject = SubjectInput::parse_many(&format!(
                r#"{{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル{i}"}}"#
            ))
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
                status: vec![],
                policy: Policy::default(),
            };
            let key = if i % 5 == 0 { &other.issuer } else { &w.issuer };
            scs_issuer::issue(&subject, &params, key, t("2027-03-31T00:00:00Z")).unwrap()
        })
        .collect();
    // Two proofs fail before the signature check (2 and 9), leaving 48 to check: with 3 threads,
    // chunks of 16. Altered credentials in the first chunk (6) and the last (41, 46) make those
    // chunks' batch checks fail and fall back to one-by-one; the middle chunk passes as a batch.
    credentials[2]["proof"]["proofValue"] = "zzz".into();
    credentials[9]["proof"]["verificationMethod"] = "did:key:z6MkBad#z6MkBad".into();
    credentials[6]["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    credentials[41]["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    credentials[46]["validFrom"] = "2027-04-02T00:00:00Z".into();
    let single: Vec<Report> = credentials
        .iter()
        .map(|c| verifier.verify(c.clone(), &ask()))
        .collect();
    for threads in [1, 2, 3, 8] {
        let signed = verifier.check_signatures(credentials.clone(), threads);
        let batch: Vec<Report> = signed
            .into_iter()
            .map(|s| verifier.report(&s, &ask()))
            .collect();
        assert_eq!(batch, single, "{threads} threads");
    }
    // From bytes, every step in chunks (`check_batch`): the same reports, and an unreadable
    // input is an input error in its place.
    let mut bytes: Vec<Vec<u8>> = credentials
        .iter()
        .map(|c| serde_json::to_vec(c).unwrap())
        .collect();
    bytes.insert(20, b"{not json".to_vec());
    let inputs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let mut checked = verifier.check_batch(&inputs);
    assert!(matches!(checked.remove(20), Err(InputError::NotJson(_))));
    let answered: Vec<Report> = checked
        .iter()
        .map(|c| verifier.answer(c.as_ref().unwrap(), &ask()))
        .collect();
    assert_eq!(answered, single);
    assert_eq!(verifier.verify_batch(credentials, &ask()), single);
    let invalid: Vec<usize> = (0..50)
        .filter(|&i| single[i].verdict != Verdict::Valid)
        .collect();
    // Every fifth is signed by a key outside the trust list.
    let mut expected: Vec<usize> = (0..50).filter(|i| i % 5 == 0).collect();
    expected.extend([2, 6, 9, 41, 46]);
    expected.sort();
    assert_eq!(invalid, expected);
    assert_eq!(names_failing(&single[46]), [CheckName::Signature]);
    assert_eq!(names_failing(&single[5]), [CheckName::Issuer]);
}

#[test]
fn cached_signer_keys_give_the_same_answers_as_decoding() {
    let mut w = world();
    let listed = w.issuer.public().did_key();
    let other = SecretKey::from_seed(&[9; 32]).public().did_key();
    // A listed id that is not a usable key must not break the lookup of the others.
    let mut broken = w.trust_list.issuers[0].clone();
    broken.id = "did:key:z6MkBad".into();
    w.trust_list.issuers.insert(0, broken);
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let methods = [
        listed.verification_method(),
        format!("{listed}#{}", other.multikey()),
        format!("{listed}#"),
        listed.to_string(),
        other.verification_method(),
        "did:key:z6MkBad#z6MkBad".to_owned(),
        String::new(),
    ];
    for _ in 0..2 {
        for method in &methods {
            assert_eq!(
                verifier.signers.key(method),
                DidKey::from_verification_method(method),
                "{method}"
            );
        }
    }
    assert_eq!(
        verifier.signers.listed(&listed.verification_method()),
        Some(&listed)
    );
}

/// Answers every status entry "clear" and knows when the ledger registered the credential.
struct Ledgered(Option<Timestamp>);

impl StatusSource for Ledgered {
    fn lookup(&self, _: &StatusEntry, _: Option<&TrustList>, _: Timestamp) -> StatusAnswer {
        StatusAnswer::Clear
    }

    fn registered_by(&self, _: &AttainmentCredential) -> Option<Timestamp> {
        self.0
    }
}

/// Issue #10 item 2: a credential whose proof says it was signed before its issuer was
/// withdrawn, suspended or declared compromised is valid only if the ledger shows it was
/// registered before then; the issuer's own `created` could be backdated.
#[test]
fn after_a_withdrawal_or_compromise_only_the_ledger_dates_a_credential() {
    let ended = t("2027-06-01T00:00:00Z");
    let statuses = [
        DesignationStatus {
            state: DesignationState::Withdrawn,
            since: Some(ended),
            compromised_since: None,
        },
        DesignationStatus {
            state: DesignationState::Suspended,
            since: Some(ended),
            compromised_since: None,
        },
        DesignationStatus {
            state: DesignationState::Active,
            since: None,
            compromised_since: Some(ended),
        },
    ];
    for status in statuses {
        let mut w = world();
        // Signed (so it says) on 2027-03-31, before the end.
        let credential = issue(&w, Level::STAR4, vec![]);
        w.trust_list.issuers[0].status = status.clone();
        let judge = |registered_by: Option<&str>| {
            let source = Ledgered(registered_by.map(t));
            let report =
                Verifier::new(Some(&w.trust_list), &source).verify(credential.clone(), &ask());
            let issuer = report.check(CheckName::Issuer).unwrap().clone();
            (report.verdict, issuer)
        };
        let (verdict, issuer) = judge(None);
        assert_eq!(verdict, Verdict::Unknown, "{status:?}: {issuer:?}");
        assert!(issuer.undecided && issuer.detail.contains("--receipt"));
        assert!(issuer.detail_ja.contains("台帳"));
        let (verdict, issuer) = judge(Some("2027-03-31T00:05:00Z"));
        assert_eq!(verdict, Verdict::Valid, "{status:?}: {issuer:?}");
        assert!(issuer.detail.contains("registered in the ledger"));
        let (verdict, issuer) = judge(Some("2027-06-01T00:00:00Z"));
        assert_eq!(verdict, Verdict::Invalid, "{status:?}: {issuer:?}");
        assert!(!issuer.ok && !issuer.undecided);
    }
    // A withdrawal still to come asks for nothing more.
    let mut w = world();
    let credential = issue(&w, Level::STAR4, vec![]);
    w.trust_list.issuers[0].status.state = DesignationState::Withdrawn;
    w.trust_list.issuers[0].status.since = Some(t("2031-01-01T00:00:00Z"));
    let report = Verifier::new(Some(&w.trust_list), &Ledgered(None)).verify(credential, &ask());
    assert_eq!(report.verdict, Verdict::Valid);
}

/// Found in review: asking about a time before the end (`--at`, `"at"`) must not bring the
/// issuer's own word back: a designation that has ended by the verifier's clock ends it, so a
/// credential backdated to before the end is still only dated by the ledger.
#[test]
fn asking_about_the_past_does_not_let_an_ended_issuer_backdate() {
    let mut w = world();
    // Signed (so it says) on 2027-03-31; the designation was withdrawn on 2027-06-01.
    let credential = issue(&w, Level::STAR4, vec![]);
    w.trust_list.issuers[0].status = DesignationStatus {
        state: DesignationState::Withdrawn,
        since: Some(t("2027-06-01T00:00:00Z")),
        compromised_since: None,
    };
    let mut question = ask();
    question.at = t("2027-05-01T00:00:00Z");
    question.now = t("2028-01-01T00:00:00Z");
    let report = Verifier::new(Some(&w.trust_list), &Ledgered(None)).verify(credential, &question);
    assert_eq!(report.verdict, Verdict::Unknown, "{:?}", report.checks);
    assert!(report.check(CheckName::Issuer).unwrap().undecided);
}

/// `check_batch` reads canonical bytes without the general way's JSON tree
/// (`scs_core::credential::canonical`); on any bytes it must answer as `verify_bytes` does.
#[test]
fn check_batch_answers_tricky_bytes_as_verify_bytes_does() {
    use serde_json::json;
    let w = world();
    let mut lists = OfflineStatusLists::none();
    lists
        .add_signed(&signed_list(&w, &[7], &w.status_key), Some(&w.trust_list))
        .unwrap();
    let verifier = Verifier::new(Some(&w.trust_list), &lists);
    let document = issue(&w, Level::STAR4, vec![revocation_entry(3)]);
    let compact = serde_json::to_string(&document).unwrap();
    let pretty = serde_json::to_string_pretty(&document).unwrap();
    let edit = |from: &str, to: &str| {
        assert!(compact.contains(from), "{from}");
        compact.replacen(from, to, 1)
    };
    let did = w.issuer.public().did_key().to_string();
    let resigned = |change: &dyn Fn(&mut Value)| {
        let mut unsigned = document.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        change(&mut unsigned);
        let signed = proof::sign(
            unsigned,
            &w.issuer,
            t("2027-03-31T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        serde_json::to_string(&signed).unwrap()
    };
    let inputs: Vec<String> = vec![
        compact.clone(),
        pretty.clone(),
        pretty.replace('\n', "\r\n"),
        format!("{compact}\n"),
        // Unicode escapes, a key out of order, an escaped slash: the same document.
        edit("サ", "\\u30b5"),
        edit("\"legalName\"", "\"legal\\u004eame\""),
        edit("https://w3id.org", "https:\\/\\/w3id.org"),
        edit(
            &format!("{{\"id\":\"{did}\",\"name\":\"デモ評価機関\"}}"),
            &format!("{{\"name\":\"デモ評価機関\",\"id\":\"{did}\"}}"),
        ),
        // Number forms.
        edit("\"level\":4", "\"level\":4.0"),
        edit("\"level\":4", "\"level\":4e0"),
        edit("\"level\":4", "\"level\":-0"),
        // A duplicate name, a tampered byte, an altered signature.
        edit(
            "\"legalName\":",
            "\"legalName\":\"株式会社ニセモノ\",\"legalName\":",
        ),
        edit("株式会社サンプル", "株式会社サンプラ"),
        edit("\"proofValue\":\"z", "\"proofValue\":\"z2"),
        // Extra members, signed: one the profile ignores, one the data model refuses.
        resigned(&|d| d["name"] = "名前".into()),
        resigned(&|d| d["description"] = 5.into()),
        resigned(&|d| d["issuer"]["description"] = json!([])),
        resigned(&|d| d["credentialStatus"] = json!([])),
        resigned(&|d| d["credentialSubject"]["extra"] = 1.into()),
        resigned(&|d| d["validUntil"] = "2030-03-31T23:59:60Z".into()),
        // Revoked (bit 7), with the rest as issued.
        resigned(&|d| {
            d["credentialStatus"][0]["id"] = format!("{LIST_URL}#7").into();
            d["credentialStatus"][0]["statusListIndex"] = "7".into();
        }),
        "{not json".into(),
        "[]".into(),
    ];
    let bytes: Vec<&[u8]> = inputs.iter().map(|i| i.as_bytes()).collect();
    let checked = verifier.check_batch(&bytes);
    let mut verdicts = Vec::new();
    for ((input, one), batch) in bytes.iter().zip(&inputs).zip(&checked) {
        let single = verifier.verify_bytes(input, &ask());
        let from_batch = batch.clone().map(|c| verifier.answer(&c, &ask()));
        assert_eq!(from_batch, single, "{one}");
        verdicts.push(single.map(|r| r.verdict));
    }
    use Verdict::{Invalid, Valid};
    let valid = |n| vec![Ok(Valid); n];
    let expected: Vec<Result<Verdict, ()>> = [
        valid(8),
        vec![Ok(Invalid); 3],
        vec![Err(()), Ok(Invalid), Ok(Invalid), Ok(Valid)],
        vec![Err(()), Err(()), Err(())],
        vec![Ok(Invalid), Err(()), Ok(Invalid), Err(()), Err(())],
    ]
    .concat();
    let found: Vec<Result<Verdict, ()>> = verdicts.into_iter().map(|v| v.map_err(|_| ())).collect();
    assert_eq!(found, expected);
}

/// `answer_all` spreads the questions over threads when the status source may be shared
/// (offline status lists), and keeps them on the calling thread when it may not: the same
/// reports as `answer` one by one, in order, input errors in their places.
#[test]
fn answer_all_answers_as_answer_does_on_any_number_of_threads() {
    let w = world();
    let revoked = [3, 17, 40];
    let lists = lists_revoking(&w, &revoked);
    let mut inputs: Vec<Vec<u8>> = (0..48)
        .map(|i| serde_json::to_vec(&issue(&w, Level::STAR4, vec![revocation_entry(i)])).unwrap())
        .collect();
    inputs.insert(30, b"{not json".to_vec());
    let bytes: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let ledgered = Ledgered(None);
    for status in [&lists as &dyn StatusSource, &ledgered] {
        let verifier = Verifier::new(Some(&w.trust_list), status);
        let checked = verifier.check_batch(&bytes);
        let one_by_one: Vec<Result<Report, InputError>> = checked
            .iter()
            .map(|c| c.clone().map(|c| verifier.answer(&c, &ask())))
            .collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(
                verifier.answer_in_chunks(&checked, &ask(), threads),
                one_by_one,
                "{threads} threads"
            );
        }
        assert_eq!(verifier.answer_all(&checked, &ask()), one_by_one);
    }
    // The reports differ from one another where they should: revoked ones are invalid.
    let verifier = Verifier::new(Some(&w.trust_list), &lists);
    let invalid: Vec<usize> = verifier
        .answer_all(&verifier.check_batch(&bytes), &ask())
        .iter()
        .enumerate()
        .filter(|(_, r)| r.as_ref().map_or(true, |r| r.verdict != Verdict::Valid))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(invalid, [3, 17, 30, 41]);
}

/// `answer_each` asks each credential its own question (a supplier list: each row its company
/// and ★) on any number of threads: the same reports as `answer` one by one, in order.
#[test]
fn answer_each_answers_each_question_as_answer_does_on_any_number_of_threads() {
    let w = world();
    let lists = lists_revoking(&w, &[3, 17]);
    let mut credentials: Vec<Value> = (0..40)
        .map(|i| {
            let level = if i % 7 == 5 {
                Level::STAR3
            } else {
                Level::STAR4
            };
            issue(&w, level, vec![revocation_entry(i)])
        })
        .collect();
    credentials[10]["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    let bytes: Vec<Vec<u8>> = credentials
        .iter()
        .map(|c| serde_json::to_vec(c).unwrap())
        .collect();
    let inputs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let verifier = Verifier::new(Some(&w.trust_list), &lists);
    let checked: Vec<SignatureChecked> = verifier
        .check_batch(&inputs)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let subject = CorporateNumber::parse("7000012050002").unwrap();
    let other = CorporateNumber::from_body(1_001_000_000).unwrap();
    let asks: Vec<(&SignatureChecked, Question)> = checked
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let question = Question {
                // Long after every credential's validity for one in nine.
                at: t(if i % 9 == 8 {
                    "2040-01-01T00:00:00Z"
                } else {
                    "2028-01-01T00:00:00Z"
                }),
                now: t("2028-01-01T00:00:00Z"),
                min_level: (i % 2 == 0).then_some(Level::STAR4),
                corporate_number: Some(if i == 21 { other } else { subject }),
            };
            (c, question)
        })
        .collect();
    let one_by_one: Vec<Report> = asks.iter().map(|(c, q)| verifier.answer(c, q)).collect();
    for threads in [1, 2, 3, 8] {
        assert_eq!(
            verifier.answer_each_in_chunks(&asks, threads),
            one_by_one,
            "{threads} threads"
        );
    }
    assert_eq!(verifier.answer_each(&asks), one_by_one);
    let failing: Vec<(usize, Vec<CheckName>)> = one_by_one
        .iter()
        .enumerate()
        .filter(|(_, r)| r.verdict != Verdict::Valid)
        .map(|(i, r)| (i, names_failing(r)))
        .collect();
    use CheckName::{Level as Star, Signature, Status, Subject, Validity};
    assert_eq!(
        failing,
        [
            (3, vec![Status]),
            (8, vec![Validity]),
            (10, vec![Signature]),
            (12, vec![Star]),
            (17, vec![Validity, Status]),
            (21, vec![Subject]),
            (26, vec![Validity, Star]),
            (35, vec![Validity]),
        ]
    );
}
