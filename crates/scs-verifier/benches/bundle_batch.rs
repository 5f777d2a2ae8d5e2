//! 100,000 supplier credentials verified from an offline bundle (issue 13 item 6), against raw
//! batched Ed25519 of the same 100,000 signatures, in one criterion group.
//!
//! ```text
//! cargo bench -p scs-verifier --bench bundle_batch
//! ```
//!
//! - `raw_ed25519_batch_100k`: `ed25519_dalek::verify_batch` alone on the 100,000 signatures
//!   (their `hashData`, signatures and decoded keys prepared beforehand), cut as `check_batch`
//!   cuts them: one chunk per core, each checked in batches of 4,096 on its own thread. The
//!   baseline the issue names.
//! - `grouped_ed25519_batch_100k`: the same batches checked by `scs_verifier::ed25519_batch`,
//!   which adds up the terms of one key (four issuers here) as `check_batch` does.
//! - `verify_100k_from_bundle`: what `scs verify-batch --bundle` does with the credentials once
//!   their bytes are in memory: `Bundle::open` (trust list, status index, checkpoint and two
//!   status lists, every signature checked against the pinned operator key) and
//!   `Verifier::check_batch` on the 100,000 credentials' bytes (parse, VCDM check, proof
//!   preparation, Ed25519 batch verification, reading the ★ profile, on every core), then
//!   `Verifier::answer_all` (on every core too): signature, issuer, validity, status (two
//!   entries each, one list per purpose), level. Every 1,000th credential is revoked; the bench checks the count.
//!
//! Before criterion's samples, one pass of each is printed with the CPU time the process used
//! (`one pass: …`): on a machine shared with other work, wall times stretch with the load, while
//! the ratio of CPU times still compares the work. The allocator is jemalloc, as in `scs`.
//!
//! Instruction counts, which the load does not change, under callgrind with fewer credentials:
//!
//! ```text
//! SCS_BENCH_CREDENTIALS=10000 valgrind --tool=callgrind --dump-instr=no \
//!   --zero-before='bundle_batch::raw_batches' --dump-after='bundle_batch::raw_batches' \
//!   --zero-before='bundle_batch::grouped_batches' --dump-after='bundle_batch::grouped_batches' \
//!   --zero-before='bundle_batch::verify_from_bundle' \
//!   --dump-after='bundle_batch::verify_from_bundle' target/release/deps/bundle_batch-* --bench none
//! ```
//!
//! Each credential is of another company (法人番号 from 100000000000 up). With
//! `SCS_BENCH_FIXTURES=DIR` the bench also writes its bundle, the 100,000 credentials (JSON
//! Lines) and a supplier list of the first 10,000 companies (★4 required) into DIR, and prints
//! the `scs verify-batch --bundle` command that checks them end to end. That command does more
//! than this bench: it reads the files, and judges each supplier row (its credentials looked
//! up, one report each, the output written).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{company_credential_bytes, key, t, trust_list, BASE, ISSUER_SEEDS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use scs_core::credential::{Level, StatusEntry, StatusPurpose};
use scs_core::ids::CorporateNumber;
use scs_core::keys::SecretKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::report::Verdict;
use scs_core::status_index::{sha256_hex, IndexedList, StatusIndex};
use scs_core::status_list::{Bitstring, StatusList};
use scs_core::tlog::{Checkpoint, EMPTY_ROOT};
use scs_verifier::bundle::{Bundle, BundleFile, BUNDLE_TYPE};
use scs_verifier::{ed25519_batch, parse_credential, Question, Verifier};

/// The allocator of `scs` (crates/scs-cli/src/main.rs), so that the bench allocates as
/// `scs verify-batch` does: glibc's malloc made the threads of `check_batch` wait on each other.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How many credentials: 100,000, or `SCS_BENCH_CREDENTIALS` (fewer, to count instructions
/// under callgrind).
fn credential_count() -> usize {
    std::env::var("SCS_BENCH_CREDENTIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}
/// Every this many, a credential is revoked.
const REVOKED_EVERY: usize = 1_000;

fn list_url(purpose: StatusPurpose) -> String {
    format!("{BASE}/v1/status/{}/0", purpose.as_str())
}

fn signed(document: serde_json::Value, by: &SecretKey, at: &str) -> String {
    proof::sign(
        document,
        by,
        t(at),
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap()
    .to_string()
}

fn status_list(purpose: StatusPurpose) -> String {
    let mut bits = Bitstring::new(131_072);
    if purpose == StatusPurpose::Revocation {
        for i in (0..credential_count()).step_by(REVOKED_EVERY) {
            bits.set(i, true);
        }
    }
    let list = StatusList {
        url: list_url(purpose),
        purpose,
        bits,
        valid_from: t("2027-12-31T00:00:00Z"),
        valid_until: Some(t("2028-01-07T00:00:00Z")),
        ttl_ms: Some(300_000),
    };
    signed(
        list.to_json(&key(5).public().did_key()),
        &key(5),
        "2027-12-31T00:00:00Z",
    )
}

/// An offline bundle as `scs bundle` writes it, signed by the bench operator (seed 1), status
/// (5) and log (6) keys.
fn bundle_bytes() -> Vec<u8> {
    let operator = key(1);
    let trust = trust_list().to_credential(&operator.public().did_key(), t("2026-01-01T00:00:00Z"));
    let trust = signed(trust, &operator, "2026-01-01T00:00:00Z");
    let checkpoint = Checkpoint::new("registry.example/log", 0, EMPTY_ROOT)
        .unwrap()
        .sign(&key(6))
        .unwrap();
    let lists: Vec<String> = [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .map(status_list)
        .collect();
    let indexed = [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .zip(&lists)
        .map(|(purpose, list)| IndexedList {
            url: list_url(purpose),
            sha256: sha256_hex(list.as_bytes()),
        })
        .collect();
    let at = t("2028-01-01T00:00:00Z");
    let index = StatusIndex::new(
        BASE.into(),
        at,
        trust.as_bytes(),
        checkpoint.as_bytes(),
        indexed,
    );
    let file = BundleFile {
        kind: BUNDLE_TYPE.into(),
        registry: BASE.into(),
        made_at: at,
        status_index: signed(
            serde_json::to_value(index).unwrap(),
            &key(5),
            "2028-01-01T00:00:00Z",
        ),
        trust_list: trust,
        checkpoint,
        status_lists: lists,
    };
    serde_json::to_vec(&file).unwrap()
}

/// The company of credential `i`.
fn company(i: usize) -> CorporateNumber {
    CorporateNumber::from_body(100_000_000_000 + i as u64).unwrap()
}

/// Credential `i`: ★4, of company `i`, by one of the four issuers, with a revocation and a
/// suspension entry at index `i`; as bytes, one JSON Lines line.
fn credential(i: usize) -> Vec<u8> {
    let entry = |purpose| StatusEntry {
        purpose,
        list_url: list_url(purpose),
        index: i as u32,
    };
    company_credential_bytes(
        &key(ISSUER_SEEDS[i % ISSUER_SEEDS.len()]),
        company(i).as_str(),
        &format!("株式会社サンプル{i}"),
        vec![
            entry(StatusPurpose::Revocation),
            entry(StatusPurpose::Suspension),
        ],
    )
}

/// The 100,000 credentials, issued on every core.
fn credentials() -> Vec<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let count = credential_count();
    let per = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..threads)
            .map(|n| {
                scope.spawn(move || {
                    (n * per..((n + 1) * per).min(count))
                        .map(credential)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
    })
}

fn question() -> Question {
    Question {
        at: t("2028-01-01T00:00:00Z"),
        now: t("2028-01-01T00:00:00Z"),
        min_level: Some(Level::STAR4),
        corporate_number: None,
    }
}

/// Opens the bundle and verifies every credential; the number found valid. (Never inlined, so
/// that callgrind can count it: `--zero-before` and `--dump-after` this function.)
#[inline(never)]
fn verify_from_bundle(bundle: &[u8], inputs: &[&[u8]]) -> usize {
    let bundle = Bundle::open(bundle, &key(1).public().did_key()).unwrap();
    let verifier =
        Verifier::new(Some(&bundle.trust_list), &bundle.status).requiring_edition_in_force();
    verifier
        .answer_all(&verifier.check_batch(inputs), &question())
        .iter()
        .filter(|report| report.as_ref().unwrap().verdict == Verdict::Valid)
        .count()
}

/// The same signatures for `ed25519_dalek::verify_batch`: `hashData`, signature, key.
type Raw = (Vec<[u8; 64]>, Vec<Signature>, Vec<VerifyingKey>);

fn raw(inputs: &[&[u8]]) -> Raw {
    let mut out: Raw = (Vec::new(), Vec::new(), Vec::new());
    for bytes in inputs {
        let prepared = proof::prepare(
            parse_credential(bytes).unwrap(),
            ProofPurpose::AssertionMethod,
        )
        .unwrap();
        out.0.push(prepared.message);
        out.1.push(prepared.signature);
        out.2.push(*prepared.info.signer.public_key().as_dalek());
    }
    out
}

/// Raw batched Ed25519 of `signatures`, cut as `check_batch` cuts its work: the baseline,
/// `ed25519_dalek::verify_batch`. (Never inlined, as [`verify_from_bundle`].)
#[inline(never)]
fn raw_batches(signatures: &Raw) {
    in_batches(signatures, |messages, signatures, keys| {
        ed25519_dalek::verify_batch(messages, signatures, keys).unwrap();
    });
}

/// The same batches with the terms of one key added up ([`ed25519_batch::verify`], as
/// `check_batch` checks them). (Never inlined, as [`verify_from_bundle`].)
#[inline(never)]
fn grouped_batches(signatures: &Raw) {
    in_batches(signatures, |messages, signatures, keys| {
        let keys: Vec<[u8; 32]> = keys.iter().map(VerifyingKey::to_bytes).collect();
        ed25519_batch::verify(messages, signatures, &keys).unwrap();
    });
}

/// `verify` on `signatures` cut as `check_batch` cuts its work: one chunk per core, each checked
/// in batches of 4,096 on its own thread.
fn in_batches(
    (messages, signatures, keys): &Raw,
    verify: impl Fn(&[&[u8]], &[Signature], &[VerifyingKey]) + Sync,
) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = messages.len().div_ceil(threads);
    let verify = &verify;
    std::thread::scope(|scope| {
        for n in 0..threads {
            let range = n * per..((n + 1) * per).min(messages.len());
            scope.spawn(move || {
                for start in range.clone().step_by(4096) {
                    let end = (start + 4096).min(range.end);
                    let m: Vec<&[u8]> = messages[start..end].iter().map(|m| &m[..]).collect();
                    verify(&m, &signatures[start..end], &keys[start..end]);
                }
            });
        }
    });
}

/// Wall and CPU seconds (user + system, of the whole process, from /proc/self/stat) of `work`.
fn timed<T>(work: impl FnOnce() -> T) -> (f64, f64) {
    fn cpu() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<f64> = stat
            .rsplit(')')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0.0))
            .collect();
        // utime and stime, in clock ticks of 1/100 s.
        (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / 100.0
    }
    let (start, before) = (std::time::Instant::now(), cpu());
    black_box(work());
    (start.elapsed().as_secs_f64(), cpu() - before)
}

/// With `SCS_BENCH_FIXTURES=DIR`: the bench's data as files for `scs verify-batch --bundle`.
fn write_fixtures(bundle: &[u8], credentials: &[Vec<u8>]) {
    let Some(dir) = std::env::var_os("SCS_BENCH_FIXTURES").map(std::path::PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bundle.json"), bundle).unwrap();
    let lines: Vec<u8> = credentials
        .iter()
        .flat_map(|c| c.iter().copied().chain([b'\n']))
        .collect();
    std::fs::write(dir.join("credentials.jsonl"), lines).unwrap();
    let suppliers: String = std::iter::once("法人番号,求める★\n".to_owned())
        .chain((0..credentials.len().min(10_000)).map(|i| format!("{},4\n", company(i))))
        .collect();
    std::fs::write(dir.join("suppliers.csv"), suppliers).unwrap();
    eprintln!(
        "fixtures in {0}: scs verify-batch {0}/suppliers.csv --bundle {0}/bundle.json \
         --credentials {0}/credentials.jsonl --at 2028-01-01 --operator-key {1} --out {0}/result.csv",
        dir.display(),
        key(1).public().did_key()
    );
}

fn bench(c: &mut Criterion) {
    let bundle = bundle_bytes();
    let credentials = credentials();
    write_fixtures(&bundle, &credentials);
    let inputs: Vec<&[u8]> = credentials.iter().map(Vec::as_slice).collect();
    let count = inputs.len();
    let expected = count - count.div_ceil(REVOKED_EVERY);
    assert_eq!(verify_from_bundle(&bundle, &inputs), expected);
    let signatures = raw(&inputs);
    // One pass of each, with the CPU time the process used beside the wall time: on a machine
    // shared with other work, the ratio of CPU times still says how much more work it is.
    let (raw_wall, raw_cpu) = timed(|| raw_batches(&signatures));
    let (grouped_wall, grouped_cpu) = timed(|| grouped_batches(&signatures));
    let (wall, cpu) = timed(|| verify_from_bundle(&bundle, &inputs));
    eprintln!(
        "one pass: raw {raw_wall:.2} s (CPU {raw_cpu:.2} s), grouped by key {grouped_wall:.2} s \
         (CPU {grouped_cpu:.2} s), from bundle {wall:.2} s (CPU {cpu:.2} s): CPU ratio to raw {:.2}",
        cpu / raw_cpu
    );

    let mut group = c.benchmark_group("bundle_batch");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function("raw_ed25519_batch_100k", |b| {
        b.iter(|| raw_batches(black_box(&signatures)))
    });
    group.bench_function("grouped_ed25519_batch_100k", |b| {
        b.iter(|| grouped_batches(black_box(&signatures)))
    });
    group.bench_function("verify_100k_from_bundle", |b| {
        b.iter(|| verify_from_bundle(black_box(&bundle), black_box(&inputs)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
