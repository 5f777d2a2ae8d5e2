//! The SCS ★ registry (SPEC §4, §5, §7): an axum server over a durable append-only
//! transparency log, with lookup indexes in an [`store::IndexStore`] (sled by default).
//!
//! - [`log_files`]: the log on disk, the source of truth (write order and recovery).
//! - [`log_check`]: the offline check of a log on disk (`scs log check`).
//! - [`tree`]: the log's Merkle tree (levels above the leaves in memory, leaf hashes on disk).
//! - [`state`]: the registry's state as a function of the log (`verify_entry` + `transition`).
//! - [`directory`]: what a credential look-up needs, in memory (facts of unchanged registrations).
//! - [`ledger`]: the single writer with group commit, checkpoints, status list signing.
//! - [`names`]: the company-name index (search by name, full- and half-width alike).
//! - [`store`]: the index store trait, sled and in-memory implementations.
//! - [`http`]: the router, handlers, and the one error type mapped to problem+json.
//! - [`limits`]: every bound on what a client or the network can send, in one place.
//! - [`server`]: the accept loop under the router (timeouts, connection cap, graceful stop).
//! - [`web`]: the pages for people (verify, look-up, certificate, bulk check, trust list, ledger).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

#[cfg(test)]
mod crash_disk;
pub mod demo;
pub mod demo_keys;
pub mod directory;
pub mod error;
pub mod http;
pub mod ledger;
pub mod limits;
pub mod log_check;
pub mod log_files;
pub mod names;
pub mod serve;
pub mod server;
pub mod state;
pub mod store;
pub mod tree;
pub mod web;
