//! Presentations: the holder's proof, challenge and domain, holder binding, and each presented
//! credential verified as when given alone.

use super::*;
use crate::presentation::{open, parse_presentation, Expected, Opened};
use scs_core::presentation::{sign, Audience};
use scs_core::report::PresentationReport;

/// The supplier's own key, named in its credential as the subject's `id`.
fn company() -> SecretKey {
    SecretKey::from_seed(&[21; 32])
}

fn bound_credential(w: &World, holder: &SecretKey) -> Value {
    let subject = format!(
        r#"{{"id": "{}", "corporateNumber": "7000012050002", "legalName": "株式会社サンプル"}}"#,
        holder.public().did_key()
    );
    issue_about(w, &subject, Level::STAR4, vec![])
}

const AUDIENCE: Audience<'static> = Audience {
    challenge: "7d1c0e9a-buyer-nonce",
    domain: Some("buyer.example.co.jp"),
};

fn present(credentials: Vec<Value>, holder: &SecretKey) -> Value {
    let vp = sign(credentials, holder, &AUDIENCE, t("2028-01-01T00:00:00Z")).unwrap();
    // Through the bytes, as a verifier receives it.
    parse_presentation(&serde_json::to_vec(&vp).unwrap()).unwrap()
}

fn as_asked() -> Expected {
    Expected {
        challenge: Some(AUDIENCE.challenge.into()),
        domain: AUDIENCE.domain.map(str::to_owned),
        holder_binding: true,
    }
}

fn verify(w: &World, presentation: Value, expected: &Expected) -> PresentationReport {
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&w.trust_list), &none);
    let Opened {
        checks,
        credentials,
    } = open(presentation, expected);
    let reports = credentials
        .into_iter()
        .map(|c| verifier.verify(c, &ask()))
        .collect();
    PresentationReport::new(checks, reports)
}

fn failing(report: &PresentationReport) -> Vec<CheckName> {
    failed_names(&report.checks)
}

#[test]
fn a_holder_bound_presentation_for_the_challenge_is_valid() {
    let w = world();
    let vp = present(vec![bound_credential(&w, &company())], &company());
    let report = verify(&w, vp, &as_asked());
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    let names: Vec<CheckName> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(names, [CheckName::Presentation, CheckName::Holder]);
    assert_eq!(report.credentials.len(), 1);
    assert_eq!(report.credentials[0].verdict, Verdict::Valid);
}

#[test]
fn another_challenge_or_domain_is_refused() {
    let w = world();
    let vp = present(vec![bound_credential(&w, &company())], &company());
    for expected in [
        Expected {
            challenge: Some("another-nonce".into()),
            ..as_asked()
        },
        Expected {
            domain: Some("other-buyer.example.co.jp".into()),
            ..as_asked()
        },
    ] {
        let report = verify(&w, vp.clone(), &expected);
        assert_eq!(report.verdict, Verdict::Invalid);
        assert_eq!(failing(&report), [CheckName::Presentation], "{report:#?}");
        assert!(report.checks[0]
            .detail
            .contains("another verifier or occasion"));
    }
}

#[test]
fn a_changed_challenge_breaks_the_holder_signature() {
    let w = world();
    let mut vp = present(vec![bound_credential(&w, &company())], &company());
    vp["proof"]["challenge"] = "another-nonce".into();
    let expected = Expected {
        challenge: Some("another-nonce".into()),
        ..as_asked()
    };
    let report = verify(&w, vp, &expected);
    assert_eq!(
        failing(&report),
        [CheckName::Presentation, CheckName::Holder]
    );
    assert!(report.checks[0].detail.contains("signature does not match"));
}

#[test]
fn a_tampered_credential_inside_is_invalid() {
    let w = world();
    let mut credential = bound_credential(&w, &company());
    credential["credentialSubject"]["legalName"] = "株式会社ニセモノ".into();
    // The holder signs the tampered credential: its own proof holds, the issuer's does not.
    let report = verify(&w, present(vec![credential], &company()), &as_asked());
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(failing(&report).is_empty(), "{report:#?}");
    assert_eq!(
        names_failing(&report.credentials[0]),
        [CheckName::Signature]
    );
}

#[test]
fn holder_binding_refuses_another_key() {
    let w = world();
    let stranger = SecretKey::from_seed(&[22; 32]);
    // Someone who copied the company's credential presents it with its own key.
    let copied = present(vec![bound_credential(&w, &company())], &stranger);
    let report = verify(&w, copied.clone(), &as_asked());
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(failing(&report), [CheckName::Holder]);
    // Without holder binding asked, the same presentation passes: the credential is genuine.
    let unbound = Expected {
        holder_binding: false,
        ..as_asked()
    };
    assert_eq!(verify(&w, copied, &unbound).verdict, Verdict::Valid);
    // A credential naming no holder key cannot be bound.
    let unnamed = present(vec![issue(&w, Level::STAR4, vec![])], &company());
    let report = verify(&w, unnamed, &as_asked());
    assert_eq!(failing(&report), [CheckName::Holder]);
    assert!(report.checks[1].detail.contains("names no holder key"));
}

#[test]
fn the_named_holder_must_be_the_signer() {
    let w = world();
    let credential = bound_credential(&w, &company());
    let mut vp = sign(
        vec![credential],
        &company(),
        &AUDIENCE,
        t("2028-01-01T00:00:00Z"),
    )
    .unwrap();
    let stranger = SecretKey::from_seed(&[22; 32]).public().did_key();
    vp["holder"] = stranger.as_did().into();
    vp.as_object_mut().unwrap().remove("proof");
    let vp = proof::sign(
        vp,
        &company(),
        t("2028-01-01T00:00:00Z"),
        ProofPurpose::Authentication,
        serde_json::from_value(
            serde_json::json!({"challenge": AUDIENCE.challenge, "domain": AUDIENCE.domain}),
        )
        .unwrap(),
    )
    .unwrap();
    let report = verify(&w, vp, &as_asked());
    assert_eq!(failing(&report), [CheckName::Presentation]);
    assert!(report.checks[0].detail.contains("names holder"));
}

#[test]
fn an_unsigned_presentation_passes_only_when_nothing_is_asked_of_it() {
    let w = world();
    let mut vp = present(vec![issue(&w, Level::STAR4, vec![])], &company());
    vp.as_object_mut().unwrap().remove("proof");
    let report = verify(&w, vp.clone(), &Expected::default());
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert!(report.checks.is_empty());
    let asked = Expected {
        challenge: Some(AUDIENCE.challenge.into()),
        ..Expected::default()
    };
    let report = verify(&w, vp, &asked);
    assert_eq!(failing(&report), [CheckName::Presentation]);
    assert!(report.checks[0].detail.contains("not signed"));
}

#[test]
fn a_proof_for_another_purpose_is_refused() {
    let w = world();
    let mut vp = present(vec![issue(&w, Level::STAR4, vec![])], &company());
    vp.as_object_mut().unwrap().remove("proof");
    let vp = proof::sign(
        vp,
        &company(),
        t("2028-01-01T00:00:00Z"),
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    let report = verify(&w, vp, &Expected::default());
    assert_eq!(failing(&report), [CheckName::Presentation]);
    assert!(
        report.checks[0].detail.contains("proof purpose"),
        "{report:#?}"
    );
}

#[test]
fn a_presentation_that_does_not_conform_is_input_error() {
    let w = world();
    let vp = present(vec![issue(&w, Level::STAR4, vec![])], &company());
    let mut no_type = vp.clone();
    no_type.as_object_mut().unwrap().remove("type");
    let mut wrong_context = vp.clone();
    wrong_context["@context"] = serde_json::json!(["https://www.w3.org/2018/credentials/v1"]);
    let mut unsecured = vp;
    unsecured["verifiableCredential"][0]
        .as_object_mut()
        .unwrap()
        .remove("proof");
    for doc in [no_type, wrong_context, unsecured] {
        let err = parse_presentation(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
        assert!(matches!(err, InputError::Presentation(_)), "{err}");
    }
    let too_large = vec![b' '; crate::presentation::MAX_PRESENTATION_BYTES + 1];
    assert_eq!(
        parse_presentation(&too_large).unwrap_err(),
        InputError::TooLarge
    );
}
