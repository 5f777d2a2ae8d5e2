//! `scs trust-list sign`, and loading a signed trust list for other commands.

use std::path::Path;

use anyhow::{bail, Context, Result};
use scs_core::keys::DidKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{TrustList, MAX_TRUST_LIST_BYTES};
use serde_json::Value;

use crate::args::TrustListSignArgs;
use crate::keys::{load_secret, read_bounded};
use crate::{now, Outcome};

/// `scs trust-list sign --key operator.key --in edition.json --out trust-list.json`
pub fn sign(args: &TrustListSignArgs) -> Result<Outcome> {
    let operator = load_secret(&args.key)?.key;
    let text = read_bounded(&args.input, MAX_TRUST_LIST_BYTES)?;
    let edition: TrustList = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a trust list edition", args.input.display()))?;
    edition.check()?;
    let did = operator.public().did_key();
    if let Some(previous) = &args.previous {
        let previous = load(previous, &did)?;
        if edition.sequence <= previous.sequence {
            bail!(
                "sequence {} is not greater than the previous edition's {}",
                edition.sequence,
                previous.sequence
            );
        }
    }
    let signed_at = now();
    let valid_until = match &args.valid_until {
        Some(text) => Some(Timestamp::parse_lenient(text)?),
        None => None,
    };
    if let Some(until) = valid_until.filter(|until| *until <= signed_at) {
        bail!("--valid-until {until} is not after now ({signed_at})");
    }
    let document = edition.to_credential_until(&did, signed_at, valid_until);
    let signed = proof::sign(
        document,
        &operator,
        signed_at,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )?;
    write_json(&args.out, &signed)?;
    crate::say!(
        "signed trust list edition {} with {} issuer(s) → {}",
        edition.sequence,
        edition.issuers.len(),
        args.out.display()
    );
    Ok(Outcome::Yes)
}

/// Reads and verifies a signed trust list against the operator key.
pub fn load(path: &Path, operator: &DidKey) -> Result<TrustList> {
    let bytes = read_bounded(path, MAX_TRUST_LIST_BYTES)?;
    TrustList::from_signed_bytes(&bytes, operator).with_context(|| format!("{}", path.display()))
}

/// Writes pretty JSON with a trailing newline, durably (a credential or receipt the user was
/// told is saved survives a power cut).
pub fn write_json(path: &Path, value: &Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    scs_issuer::durable::write(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
