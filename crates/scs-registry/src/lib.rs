//! The SCS ★ registry (SPEC §4, §5, §7): an axum server over the ledger of `scs-ledger` (the
//! durable append-only transparency log, with lookup indexes in a `scs_ledger::IndexStore`).
//!
//! - [`http`]: the router, handlers, and the one error type mapped to problem+json.
//! - [`limits`]: every bound on what a client or the network can send, in one place.
//! - [`server`]: the accept loop under the router (timeouts, connection cap, graceful stop).
//! - [`web`]: the pages for people (verify, look-up, certificate, bulk check, trust list, ledger).
//! - [`bulk`]: the supplier-list check shared by `/bulk` and `scs verify-batch`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod bulk;
pub mod demo;
pub mod demo_keys;
pub mod error;
pub mod http;
pub mod limits;
pub mod serve;
pub mod server;
pub mod web;

// The pages (`web/`, being moved out by another change of issue 12) name the ledger by these
// paths; they go once the pages name `scs_ledger` themselves.
use scs_ledger as ledger;
use scs_ledger as state;
