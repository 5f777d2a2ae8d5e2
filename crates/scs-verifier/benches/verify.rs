//! Credential verification against a raw Ed25519 baseline, measured side by side in one group.
//!
//! ```text
//! cargo bench -p scs-verifier --bench verify -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! - `raw_ed25519_verify_strict`: `VerifyingKey::verify_strict` on 64 bytes, the baseline.
//! - `verify_one_credential`: `Verifier::verify_bytes` on one ★4 credential's bytes, with every
//!   check asked for (trust list, validity, status, subject, level). The verifier lives across
//!   iterations, as it does in a service, so the signer's trust-list key is decoded once (on the
//!   first iteration) and then taken from the verifier's cache; everything else is redone every
//!   iteration.
//! - `verify_batch_64_per_credential`: `parse_credential` of 64 credentials followed by
//!   `Verifier::verify_batch`; throughput is 64 elements, so criterion's elem/s gives the
//!   per-credential rate (time per iteration ÷ 64 is the per-credential time). `verify_batch`
//!   uses every available core; run under `taskset -c 0` for the single-thread figure.
//! - `jcs_canonicalize_credential`, `parse_credential`, `proof_prepare`: where the time goes.
//! - `raw_ed25519_verify_batch_64`: `ed25519_dalek::verify_batch` alone on 64 signatures, the
//!   floor for the batch case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;

use common::{credential_bytes, key as issuer_key, t, trust_list, ISSUER_SEEDS};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::{Signer, SigningKey};
use scs_core::credential::Level;
use scs_core::ids::CorporateNumber;
use scs_core::proof::{self, ProofPurpose};
use scs_core::report::Verdict;
use scs_verifier::{parse_credential, OfflineStatusLists, Question, Verifier};
use serde_json::Value;

const BATCH: usize = 64;

fn question() -> Question {
    Question {
        at: t("2028-01-01T00:00:00Z"),
        now: t("2028-01-01T00:00:00Z"),
        min_level: Some(Level::STAR4),
        corporate_number: Some(CorporateNumber::parse("7000012050002").unwrap()),
    }
}

fn bench(c: &mut Criterion) {
    let trust_list = trust_list();
    let none = OfflineStatusLists::none();
    let verifier = Verifier::new(Some(&trust_list), &none);
    let question = question();

    let single = credential_bytes(&issuer_key(ISSUER_SEEDS[0]), vec![]);
    let report = verifier.verify_bytes(&single, &question).unwrap();
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert_eq!(report.checks.len(), 6, "every check runs: {report:#?}");

    let batch: Vec<Vec<u8>> = (0..BATCH)
        .map(|i| credential_bytes(&issuer_key(ISSUER_SEEDS[i % ISSUER_SEEDS.len()]), vec![]))
        .collect();
    let parsed: Vec<Value> = batch.iter().map(|b| parse_credential(b).unwrap()).collect();
    let reports = verifier.verify_batch(parsed, &question);
    assert!(reports
        .iter()
        .all(|r| r.verdict == Verdict::Valid && r.checks.len() == 6));

    // The baseline: the one Ed25519 check inside a credential verification, on a 64-byte
    // message (the size of eddsa-jcs-2022's hashData), with an already decoded key.
    let signing = SigningKey::from_bytes(&[4; 32]);
    let verifying = signing.verifying_key();
    let message = [0x5a_u8; 64];
    let signature = signing.sign(&message);

    // The batch floor: dalek's batch verification of 64 such signatures under the bench keys.
    let batch_signers: Vec<SigningKey> = (0..BATCH)
        .map(|i| SigningKey::from_bytes(&[ISSUER_SEEDS[i % ISSUER_SEEDS.len()]; 32]))
        .collect();
    let batch_message_bytes: Vec<[u8; 64]> = (0..BATCH).map(|i| [i as u8; 64]).collect();
    let batch_messages: Vec<&[u8]> = batch_message_bytes.iter().map(|m| &m[..]).collect();
    let batch_signatures: Vec<_> = batch_signers
        .iter()
        .zip(&batch_messages)
        .map(|(k, m)| k.sign(m))
        .collect();
    let batch_keys: Vec<_> = batch_signers.iter().map(|k| k.verifying_key()).collect();

    let unsecured = {
        let mut doc = parse_credential(&single).unwrap();
        doc.as_object_mut().unwrap().remove("proof");
        doc
    };

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw_ed25519_verify_strict", |b| {
        b.iter(|| {
            black_box(&verifying)
                .verify_strict(black_box(&message), black_box(&signature))
                .unwrap()
        })
    });
    group.bench_function("verify_one_credential", |b| {
        b.iter(|| {
            verifier
                .verify_bytes(black_box(&single), black_box(&question))
                .unwrap()
        })
    });
    group.bench_function("jcs_canonicalize_credential", |b| {
        b.iter(|| scs_core::jcs::canonicalize(black_box(&unsecured)))
    });
    group.bench_function("parse_credential", |b| {
        b.iter(|| parse_credential(black_box(&single)).unwrap())
    });
    group.bench_function("proof_prepare", |b| {
        b.iter_batched(
            || parse_credential(&single).unwrap(),
            |doc| proof::prepare(doc, ProofPurpose::AssertionMethod).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("raw_ed25519_verify_batch_64", |b| {
        b.iter(|| {
            ed25519_dalek::verify_batch(
                black_box(&batch_messages),
                black_box(&batch_signatures),
                black_box(&batch_keys),
            )
            .unwrap()
        })
    });
    group.bench_function("verify_batch_64_per_credential", |b| {
        b.iter(|| {
            let parsed: Vec<Value> = black_box(&batch)
                .iter()
                .map(|bytes| parse_credential(bytes).unwrap())
                .collect();
            verifier.verify_batch(parsed, black_box(&question))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
