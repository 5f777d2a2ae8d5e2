//! The writer's figures, for an operator's Prometheus (`GET /metrics`, served by scs-registry):
//! writes committed and refused by kind, batch sizes, how long a batch's fsyncs and its whole
//! commit took, the queue's depth, whether this process holds the writer role, the log's size
//! and the age of each status list's signature.
//!
//! The writer and the handlers only add to atomics here (counter handles are made once, in
//! [`WriterMetrics::new`]); the gauges read from the ledger (tree size, signature ages) are set
//! when the registry is scraped ([`Ledger::metrics`]).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use prometheus::core::Collector;
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
};
use scs_core::credential::StatusPurpose;
use scs_core::lifecycle::RequestBody;
use scs_core::timestamp::Timestamp;

use crate::error::{Refusal, WriteError};
use crate::ledger::Ledger;
use crate::state::VerifiedEntry;

/// The kinds of write, as the `kind` label names them (in the order of [`WriteKind`]).
const KINDS: [&str; 6] = [
    "trust-list",
    "allocate-status",
    "register",
    "revoke",
    "suspend",
    "reinstate",
];

/// Upper bounds of the batch size buckets: powers of two up to the largest batch (512).
const BATCH_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// Upper bounds of the duration buckets, in seconds: an fsync takes from tens of microseconds
/// (a disk with a write cache) to tens of milliseconds (a cloud volume).
const SECONDS_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Which kind of write an entry is: the index of its `kind` label in [`KINDS`].
#[derive(Debug, Clone, Copy)]
struct WriteKind(usize);

impl WriteKind {
    fn of(entry: &VerifiedEntry) -> Self {
        Self(match entry {
            VerifiedEntry::TrustList(_) => 0,
            VerifiedEntry::Request { request, .. } => match request.body {
                RequestBody::AllocateStatus => 1,
                RequestBody::Register { .. } => 2,
                RequestBody::Revoke { .. } => 3,
                RequestBody::Suspend { .. } => 4,
                RequestBody::Reinstate { .. } => 5,
            },
        })
    }

    fn label(self) -> &'static str {
        KINDS.get(self.0).copied().unwrap_or("other")
    }
}

/// The `reason` label of a refusal: its problem type's slug in the API.
fn reason(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::BadSignature(_) => "bad-signature",
        Refusal::NotAuthorised(_) => "not-authorised",
        Refusal::Stale(_) => "stale-request",
        Refusal::Replayed => "replayed-request",
        Refusal::InvalidCredential(_) => "invalid-credential",
        Refusal::InvalidCorporateNumber(_) => "invalid-corporate-number",
        Refusal::NotFound(_) => "not-found",
        Refusal::Conflict(_) => "conflict",
        Refusal::TooLarge => "too-large",
    }
}

/// The writer's counters, histograms and gauges (see the module's documentation).
#[derive(Debug)]
pub struct WriterMetrics {
    committed: IntCounterVec,
    /// `committed`'s handle for each kind, made once.
    committed_by_kind: Vec<IntCounter>,
    refused: IntCounterVec,
    failed: IntCounter,
    batch_entries: Histogram,
    fsync_seconds: Histogram,
    commit_seconds: Histogram,
    queue_depth: IntGauge,
    writer_role: IntGauge,
    tree_size: IntGauge,
    signature_age: IntGaugeVec,
    /// When each status list was last signed, in Unix seconds (written on each signing, read
    /// when scraped).
    signed_at: Mutex<BTreeMap<(StatusPurpose, u32), i64>>,
}

impl WriterMetrics {
    /// The writer's metrics, at zero. Fails only if a name or bucket list here were invalid.
    pub(crate) fn new() -> prometheus::Result<Self> {
        let committed = IntCounterVec::new(
            Opts::new(
                "scs_writes_committed_total",
                "Writes acknowledged: logged, indexed and under a durable signed checkpoint, by kind",
            ),
            &["kind"],
        )?;
        let committed_by_kind = KINDS
            .iter()
            .map(|kind| committed.get_metric_with_label_values(&[*kind]))
            .collect::<prometheus::Result<_>>()?;
        Ok(Self {
            committed,
            committed_by_kind,
            refused: IntCounterVec::new(
                Opts::new(
                    "scs_writes_refused_total",
                    "Writes the ledger refused by its rules (the write rules, the state, the size), \
                     by kind and problem type",
                ),
                &["kind", "reason"],
            )?,
            failed: IntCounter::new(
                "scs_writes_failed_total",
                "Writes not acknowledged because the registry failed (disk, index store, checkpoint)",
            )?,
            batch_entries: histogram(
                "scs_write_batch_entries",
                "Entries committed together (group commit: one store write, one checkpoint)",
                &BATCH_BUCKETS,
            )?,
            fsync_seconds: histogram(
                "scs_write_fsync_seconds",
                "Time to store a batch durably: its log entries, index writes and checkpoint (files: \
                 each fsynced; PostgreSQL: two statements)",
                &SECONDS_BUCKETS,
            )?,
            commit_seconds: histogram(
                "scs_write_commit_seconds",
                "Time to commit a batch, from sequencing to its durable signed checkpoint",
                &SECONDS_BUCKETS,
            )?,
            queue_depth: IntGauge::new(
                "scs_writer_queue_depth",
                "Verified writes waiting for the writer",
            )?,
            writer_role: IntGauge::new(
                "scs_writer_role",
                "1 while this process holds the writer role and takes writes, else 0",
            )?,
            tree_size: IntGauge::new(
                "scs_log_tree_size",
                "Entries in the log under its latest signed checkpoint",
            )?,
            signature_age: IntGaugeVec::new(
                Opts::new(
                    "scs_status_list_signature_age_seconds",
                    "Seconds since each status list served was signed (re-signed on a change, \
                     or once a day)",
                ),
                &["purpose", "list"],
            )?,
            signed_at: Mutex::new(BTreeMap::new()),
        })
    }

    /// Every metric, for a Prometheus registry to collect.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![
            Box::new(self.committed.clone()),
            Box::new(self.refused.clone()),
            Box::new(self.failed.clone()),
            Box::new(self.batch_entries.clone()),
            Box::new(self.fsync_seconds.clone()),
            Box::new(self.commit_seconds.clone()),
            Box::new(self.queue_depth.clone()),
            Box::new(self.writer_role.clone()),
            Box::new(self.tree_size.clone()),
            Box::new(self.signature_age.clone()),
        ]
    }

    /// This process took (`true`) or gave up the writer role.
    pub(crate) fn set_writer(&self, holds: bool) {
        self.writer_role.set(i64::from(holds));
    }

    /// Writes waiting for the writer (for tests that wait for one to queue).
    #[cfg(test)]
    pub(crate) fn queue_depth(&self) -> i64 {
        self.queue_depth.get()
    }

    /// A write joined the writer's queue.
    pub(crate) fn queued(&self) {
        self.queue_depth.inc();
    }

    /// The writer took `entries` writes off its queue.
    pub(crate) fn taken(&self, entries: usize) {
        self.queue_depth
            .sub(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    /// The ledger refused `entry`, or failed to take it.
    pub(crate) fn not_taken(&self, entry: &VerifiedEntry, error: &WriteError) {
        match error {
            WriteError::Refused(refusal) => self.refused(entry, refusal),
            WriteError::Failed(_) => self.failed.inc(),
        }
    }

    /// The ledger refused `entry`.
    pub(crate) fn refused(&self, entry: &VerifiedEntry, refusal: &Refusal) {
        if let Ok(counter) = self
            .refused
            .get_metric_with_label_values(&[WriteKind::of(entry).label(), reason(refusal)])
        {
            counter.inc();
        }
    }

    /// Runs `persist`, which stores the batch durably, and records how long it took.
    pub(crate) fn time_fsyncs<T>(&self, persist: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let persisted = persist();
        self.fsync_seconds.observe(started.elapsed().as_secs_f64());
        persisted
    }

    /// A batch of `entries` begun at `started` is acknowledged.
    pub(crate) fn committed<'a>(
        &self,
        entries: impl ExactSizeIterator<Item = &'a VerifiedEntry>,
        started: Instant,
    ) {
        self.commit_seconds.observe(started.elapsed().as_secs_f64());
        self.batch_entries.observe(entries.len() as f64);
        for entry in entries {
            if let Some(counter) = self.committed_by_kind.get(WriteKind::of(entry).0) {
                counter.inc();
            }
        }
    }

    /// A batch of `entries` failed: none is acknowledged.
    pub(crate) fn batch_failed(&self, entries: usize) {
        self.failed
            .inc_by(u64::try_from(entries).unwrap_or(u64::MAX));
    }

    /// A status list was signed at `signed_at`.
    pub(crate) fn list_signed(&self, purpose: StatusPurpose, list: u32, signed_at: Timestamp) {
        if let Ok(mut signed) = self.signed_at.lock() {
            signed.insert((purpose, list), signed_at.unix());
        }
    }

    /// Sets the gauges read from the ledger: the log's size and each list's signature age.
    fn refresh(&self, tree_size: u64, now: Timestamp) {
        self.tree_size
            .set(i64::try_from(tree_size).unwrap_or(i64::MAX));
        let Ok(signed) = self.signed_at.lock() else {
            return;
        };
        for ((purpose, list), at) in signed.iter() {
            let list = list.to_string();
            if let Ok(gauge) = self
                .signature_age
                .get_metric_with_label_values(&[purpose.as_str(), list.as_str()])
            {
                gauge.set(now.unix() - at);
            }
        }
    }
}

/// A histogram with these buckets.
fn histogram(name: &str, help: &str, buckets: &[f64]) -> prometheus::Result<Histogram> {
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))
}

impl Ledger {
    /// The writer's metrics, with the gauges read from the ledger set as of now: call it when
    /// the metrics are scraped.
    pub fn metrics(&self) -> &WriterMetrics {
        self.metrics.refresh(self.checkpoint().0, scs_issuer::now());
        &self.metrics
    }
}
