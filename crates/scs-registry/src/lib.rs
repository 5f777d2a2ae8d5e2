//! The SCS ★ registry (SPEC §4, §5, §7): an axum server over the ledger of `scs-ledger` (the
//! durable append-only transparency log, with lookup indexes in a `scs_ledger::IndexStore`).
//!
//! - [`router`]: the one router: the API and the pages, the request deadline, unknown paths.
//! - `http`: the JSON API's handlers (private); `extract`: its extractors, every rejection an
//!   [`error::ApiError`].
//! - `vc_api` (private): the W3C CCG VC API (`/credentials/verify`; with `--demo`,
//!   `/credentials/issue` and `/credentials/status` as the demo issuer, through the ledger).
//! - `feed` (private): the change feed, `GET /v1/events` and the Atom feeds.
//! - [`error`]: the one error type, mapped to problem+json.
//! - [`web`]: the pages for people (verify, look-up, certificate, bulk check, trust list, ledger).
//! - [`app`]: what every handler shares.
//! - [`limits`]: every bound on what a client or the network can send, in one place.
//! - [`metrics`]: `GET /metrics` (Prometheus), and the latency of every request.
//! - [`openapi`]: `GET /v1/openapi.json`, generated from the handlers and their types.
//! - [`serve`]: `scs serve`: open the ledger, bind, serve; `server` (private): the accept loop
//!   under the router (timeouts, connection cap, graceful stop).
//! - [`demo`], [`demo_keys`]: `--demo`'s keys and seeded credentials.
//!
//! The API and the pages both read the ledger through `scs_ledger`'s query layer
//! ([`scs_ledger::Ledger::organization_view`], [`scs_ledger::Ledger::verify_credential`]):
//! neither imports the other.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod demo;
pub mod demo_keys;
pub mod error;
mod extract;
mod feed;
mod http;
pub mod limits;
pub mod metrics;
pub mod openapi;
mod presentations;
pub mod router;
pub mod serve;
mod server;
mod vc_api;
pub mod web;
