//! Verifying the QR form against verifying the JSON form of the same ★4 credential, in one run
//! (docs/PERFORMANCE.md, "QR code"):
//!
//! - `json_verify`: `Verifier::verify_bytes` on the credential JSON (the baseline);
//! - `qr_text_verify`: `Verifier::verify_compact` on the `SCS1:` text;
//! - `qr_png_1000_read_verify`: `scs_qr::read_image` on a 1000×1000 PNG holding the code, then
//!   `verify_compact`;
//! - `qr_png_1000_read`: the image part alone.
//!
//! Every path ends in the same report (checked before measuring): six checks including status
//! against two signed status lists, with a trust list of 50 designated issuers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use image::{GrayImage, ImageFormat, Luma};
use scs_core::compact::encode_credential;
use scs_core::credential::{AttainmentCredential, Level, StatusEntry, StatusPurpose};
use scs_core::ids::CorporateNumber;
use scs_core::keys::SecretKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::status_list::{Bitstring, StatusList};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{
    DesignatedIssuer, DesignationState, DesignationStatus, Policy, RegistryInfo, Role, TrustList,
};
use scs_qr::{read_image, Symbol};
use scs_verifier::{OfflineStatusLists, Question, Verifier};

const BASE: &str = "https://registry.example";

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn list_url(purpose: StatusPurpose) -> String {
    format!("{BASE}/v1/status/{}/0", purpose.as_str())
}

struct World {
    trust_list: TrustList,
    lists: OfflineStatusLists,
    json: Vec<u8>,
    text: String,
    png: Vec<u8>,
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
            name_en: None,
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
            base_url: BASE.into(),
            status_key: status_key.public().did_key().to_string(),
            log_key: SecretKey::from_seed(&[6; 32])
                .public()
                .did_key()
                .to_string(),
        },
        policy: Policy::default(),
        in_force: Default::default(),
    };
    // A trust list of 50 designated issuers, ours last: the QR path looks the key id up among
    // all of them.
    let others: Vec<DesignatedIssuer> = (100..149u8)
        .map(|seed| DesignatedIssuer {
            id: SecretKey::from_seed(&[seed; 32])
                .public()
                .did_key()
                .to_string(),
            name: format!("評価機関{seed}"),
            ..trust_list.issuers[0].clone()
        })
        .collect();
    let mut trust_list = trust_list;
    trust_list.issuers.splice(0..0, others);
    let subject = scs_issuer::SubjectInput::parse_many(
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所"}"#,
    )
    .unwrap()
    .remove(0);
    let purposes = [StatusPurpose::Revocation, StatusPurpose::Suspension];
    let params = scs_issuer::IssueParams {
        issuer_name: "デモ評価機関".into(),
        level: Level::STAR4,
        method: None,
        criteria_version: "2026-03-27".into(),
        assessed_on: None,
        valid_from: t("2027-04-01T00:00:00Z"),
        valid_for: None,
        status: purposes
            .iter()
            .map(|&purpose| StatusEntry {
                purpose,
                list_url: list_url(purpose),
                index: 93_417,
            })
            .collect(),
        policy: Policy::default(),
    };
    let created = t("2027-03-31T00:00:00Z");
    let signed = scs_issuer::issue(&subject, &params, &issuer, created).unwrap();
    let (unsecured, _) = proof::verify(signed.clone(), ProofPurpose::AssertionMethod).unwrap();
    let credential = AttainmentCredential::from_json(&unsecured).unwrap();
    let text = encode_credential(&credential, created, &issuer, Some(BASE))
        .unwrap()
        .text;

    let mut lists = OfflineStatusLists::none();
    for purpose in purposes {
        let list = StatusList {
            url: list_url(purpose),
            purpose,
            bits: Bitstring::new(0),
            valid_from: t("2027-04-01T00:00:00Z"),
            valid_until: None,
            ttl_ms: None,
        };
        let signed_list = proof::sign(
            list.to_json(&status_key.public().did_key()),
            &status_key,
            t("2027-04-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        lists
            .add_signed(
                &serde_json::to_vec(&signed_list).unwrap(),
                Some(&trust_list),
            )
            .unwrap();
    }

    // The code as large as fits a 1000×1000 picture, centred on white, as a PNG.
    let symbol = Symbol::new(&text).unwrap();
    let module = 1000 / (symbol.modules() + 2 * scs_qr::QUIET_ZONE);
    let code = symbol.to_luma(module);
    let mut picture = GrayImage::from_pixel(1000, 1000, Luma([255]));
    let offset = i64::from((1000 - code.width()) / 2);
    image::imageops::overlay(&mut picture, &code, offset, offset);
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, ImageFormat::Png).unwrap();

    World {
        trust_list,
        lists,
        json: serde_json::to_vec(&signed).unwrap(),
        text,
        png: png.into_inner(),
    }
}

fn bench(c: &mut Criterion) {
    let world = world();
    let verifier = Verifier::new(Some(&world.trust_list), &world.lists);
    let question = Question {
        at: t("2028-01-01T00:00:00Z"),
        now: t("2028-01-01T00:00:00Z"),
        min_level: Some(Level::STAR4),
        corporate_number: Some(CorporateNumber::parse("7000012050002").unwrap()),
    };
    let from_json = verifier.verify_bytes(&world.json, &question).unwrap();
    let from_text = verifier.verify_compact(&world.text, &question).unwrap();
    let from_png = verifier
        .verify_compact(&read_image(&world.png).unwrap(), &question)
        .unwrap();
    assert_eq!(from_json.checks.len(), 6);
    assert!(from_json.checks.iter().all(|c| c.ok), "{from_json:?}");
    assert_eq!(from_text, from_json);
    assert_eq!(from_png, from_json);
    eprintln!(
        "QR version {}, {} characters",
        Symbol::new(&world.text).unwrap().version(),
        world.text.len()
    );

    let mut group = c.benchmark_group("qr");
    group.bench_function("json_verify", |b| {
        b.iter(|| verifier.verify_bytes(&world.json, &question).unwrap())
    });
    group.bench_function("qr_text_verify", |b| {
        b.iter(|| verifier.verify_compact(&world.text, &question).unwrap())
    });
    group.bench_function("qr_png_1000_read_verify", |b| {
        b.iter(|| {
            let text = read_image(&world.png).unwrap();
            verifier.verify_compact(&text, &question).unwrap()
        })
    });
    group.bench_function("qr_png_1000_read", |b| {
        b.iter(|| read_image(&world.png).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
