//! The SCS ★ registry (SPEC §4, §5, §7): an axum server over the ledger of `scs-ledger` (the
//! durable append-only transparency log, with lookup indexes in a `scs_ledger::IndexStore`).
//!
//! - [`http`]: the router, handlers, and the one error type mapped to problem+json.
//! - [`limits`]: every bound on what a client or the network can send, in one place.
//! - [`server`]: the accept loop under the router (timeouts, connection cap, graceful stop).
//! - [`web`]: the pages for people (verify, look-up, certificate, bulk check, trust list, ledger).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod demo;
pub mod demo_keys;
pub mod error;
pub mod extract;
pub mod http;
pub mod limits;
pub mod router;
pub mod serve;
pub mod server;
pub mod web;
