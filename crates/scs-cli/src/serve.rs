//! `scs serve`: the registry.

use anyhow::{Context, Result};
use scs_registry::serve::{public_url, serve, ServeConfig, Store};

use crate::args::ServeArgs;
use crate::keys::demo_operator;
use crate::Outcome;

/// Runs the registry until SIGINT or SIGTERM.
pub fn run(args: &ServeArgs) -> Result<Outcome> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn,sled=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour_wanted())
        .init();
    let config = ServeConfig {
        listen: args.listen.parse().with_context(|| {
            format!(
                "--listen {} is not an address like 127.0.0.1:8080",
                args.listen
            )
        })?,
        data: args.data.clone(),
        store: Store::from_flag(&args.store.store)?,
        demo: args.demo,
        trust_list: args.trust_list.clone(),
        operator_key: args.operator_key.clone(),
        status_key: args.status_key.clone(),
        log_key: args.log_key.clone(),
        index_cache_bytes: args.index_cache_mib * 1024 * 1024,
        demo_operator: demo_operator()?.to_string(),
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout_secs),
        public_url: args.public_url.as_deref().map(public_url).transpose()?,
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(serve(config))?;
    Ok(Outcome::Yes)
}

/// Colours only for a person at a terminal who has not set `NO_COLOR` (no-color.org): in a
/// log file or a pipe they are escape codes in every line.
fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
