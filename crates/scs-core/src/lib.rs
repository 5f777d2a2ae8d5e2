//! The pure core of the SCS ★ credential registry.
//!
//! Everything here is a function of its inputs: no file or network I/O, no clock, no random
//! numbers. Callers pass the current time and any randomness in. That keeps every rule of the
//! scheme testable with data alone and lets the issuer, verifier, registry and CLI share one
//! implementation of the wire formats.
//!
//! Module map:
//! - [`json`]: the strict (I-JSON) parser for JSON from outside: duplicate names refused.
//! - [`jcs`]: RFC 8785 canonical JSON bytes.
//! - [`multibase`]: base58btc multibase and Multikey (did:key) encodings of Ed25519 keys.
//! - [`keys`]: key newtypes; secret keys never print.
//! - [`proof`]: the `eddsa-jcs-2022` Data Integrity cryptosuite.
//! - [`vcdm`]: VC Data Model 2.0 structural checks.
//! - [`ids`]: 法人番号 (corporate number) and LEI check digits, credential ids.
//! - [`timestamp`]: the one date-time type used in every rule.
//! - [`credential`]: the ★ attainment credential profile.
//! - [`trust_list`]: the operator's signed list of designated issuers and its policy.
//! - [`status_list`]: W3C Bitstring Status List encoding.
//! - [`status_index`]: the registry's signed index of what it serves (for offline bundles).
//! - [`tlog`]: the transparency log (台帳): RFC 9162 Merkle proofs, C2SP tiles, checkpoints and
//!   signed notes.
//! - [`compact`]: the compact QR form (`SCS1:` + Base45 of a COSE_Sign1 over a CBOR claim map).
//! - [`lifecycle`]: credential states, reason codes, and signed registry requests.
//! - [`report`]: the verification report that the CLI, the registry and the web pages show.
//! - [`evidence`]: verification evidence (検証結果の証跡), the registry's signed result of a check.
//! - [`context`]: the SCS JSON-LD context document and well-known URLs.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod compact;
pub mod context;
pub mod credential;
pub mod evidence;
pub mod ids;
pub mod jcs;
pub mod json;
pub mod keys;
pub mod lifecycle;
pub mod multibase;
#[cfg(feature = "openapi")]
mod openapi;
pub mod presentation;
pub mod proof;
pub mod report;
pub mod status_index;
pub mod status_list;
pub mod timestamp;
pub mod tlog;
pub mod trust_list;
pub mod vcdm;
