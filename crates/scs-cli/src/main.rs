//! `scs`: a thin layer over the library crates.
//!
//! Exit codes (SPEC §8): 0 when the answer is yes, 1 when a verification says no (verdict
//! `invalid` or `unknown`), 2 for bad input or usage — always with a one-line reason on stderr;
//! `scs watch` also 3 (the registry's log is inconsistent) and 4 (a webhook did not take an
//! alert).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod args;
mod backup;
mod bundle;
mod client;
mod config;
mod issue;
mod keys;
mod log_tiles;
mod manual;
mod offline_batch;
mod present;
mod publish;
mod qr;
mod registry_cmds;
mod render;
mod serve;
mod trust;
mod verify;
mod verify_batch;
mod verify_receipt;
mod watch;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use args::{Cli, Command, LogCommand, TrustListCommand};
use config::Settings;
use registry_cmds::{change_status, Change};

/// jemalloc rather than glibc's malloc: after the registry decoded a burst of uploaded images,
/// glibc kept the freed buffers (150 MB) in its per-thread arenas; jemalloc returns them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// What a command concluded, when it ran to the end.
#[derive(Debug)]
pub enum Outcome {
    /// Exit 0.
    Yes,
    /// Exit 1: a verification said no.
    No,
    /// Exit 3: `scs watch` found the registry's log inconsistent with what it verified before
    /// (or found so earlier, until `--reset-alarm`).
    RegistryInconsistent,
    /// Exit 4: `scs watch`'s webhook did not take every alert (they are sent again next round).
    NotDelivered,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run(cli.command, cli.config.as_deref());
    match result {
        Ok(Outcome::Yes) => ExitCode::SUCCESS,
        Ok(Outcome::No) => ExitCode::from(1),
        Ok(Outcome::RegistryInconsistent) => ExitCode::from(3),
        Ok(Outcome::NotDelivered) => ExitCode::from(4),
        Err(error) => {
            // One line: the chain of causes joined with ": ".
            let line = format!("{error:#}").replace('\n', " ");
            eprintln!("error: {line}");
            ExitCode::from(2)
        }
    }
}

/// Runs one command; those that take settings read the config file first.
fn run(command: Command, config: Option<&std::path::Path>) -> Result<Outcome> {
    let settings = || Settings::load(config);
    match command {
        Command::Keygen(a) => keys::keygen(&a),
        Command::TrustList { command } => match command {
            TrustListCommand::New(a) => trust::new_edition(&a),
            TrustListCommand::AddIssuer(a) => trust::add_issuer(&a),
            TrustListCommand::SetIssuer(a) => trust::set_issuer(&a),
            TrustListCommand::WithdrawIssuer(a) => trust::withdraw_issuer(&a),
            TrustListCommand::RotateKey(a) => trust::rotate_key(&a),
            TrustListCommand::CompromiseKey(a) => trust::compromise_key(&a),
            TrustListCommand::Next(a) => trust::next_edition(&a, &settings()?),
            TrustListCommand::Sign(a) => trust::sign(&a),
        },
        Command::Issue(a) => issue::run(&a, &settings()?),
        Command::Verify(a) => verify::run(&a, &settings()?),
        Command::Present(a) => present::run(&a),
        Command::VerifyBatch(a) => verify_batch::run(&a, &settings()?),
        Command::VerifyReceipt(a) => verify_receipt::run(&a, &settings()?),
        Command::Watch(a) => watch::run(&a, &settings()?),
        Command::Bundle(a) => bundle::run(&a, &settings()?),
        Command::Publish(a) => publish::run(&a, &settings()?),
        Command::Backup(a) => backup::backup(&a, &settings()?),
        Command::Restore(a) => backup::restore(&a, &settings()?),
        Command::Qr(a) => qr::run(&a, &settings()?),
        Command::Serve(a) => serve::run(&a),
        Command::Revoke(a) => {
            change_status(Change::Revoke, Some(&a.reason), &a.change, &settings()?)
        }
        Command::Suspend(a) => {
            change_status(Change::Suspend, Some(&a.reason), &a.change, &settings()?)
        }
        Command::Reinstate(a) => change_status(
            Change::Reinstate,
            a.reason.as_deref(),
            &a.change,
            &settings()?,
        ),
        Command::Lookup(a) => registry_cmds::lookup(&a, &settings()?),
        Command::Log {
            command: LogCommand::Audit(a),
        } => registry_cmds::audit(&a, &settings()?),
        Command::Log {
            command: LogCommand::Check(a),
        } => registry_cmds::check(&a, &settings()?),
        Command::Config { command } => config::run(&command, config),
        Command::Completions(a) => manual::completions(&a),
        Command::Man(a) => manual::man(&a),
    }
}

/// Writes to stdout. A closed pipe (`scs verify … | head`) is not an error worth a panic.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes one line to stdout.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// The current time, whole seconds.
pub use scs_issuer::now;

/// A time given on the command line (a date or a date-time), if one was.
pub fn given_time(text: Option<&str>) -> anyhow::Result<Option<scs_core::timestamp::Timestamp>> {
    Ok(text
        .map(scs_core::timestamp::Timestamp::parse_lenient)
        .transpose()?)
}
