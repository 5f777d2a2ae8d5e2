//! `scs verify`: the checks of SPEC §8 on one credential.

use anyhow::{anyhow, bail, Result};
use scs_core::ids::CorporateNumber;
use scs_core::report::Verdict;
use scs_core::timestamp::Timestamp;
use scs_verifier::{OfflineStatusLists, Question, Verifier, MAX_CREDENTIAL_BYTES};

use crate::args::VerifyArgs;
use crate::issue::parse_level;
use crate::keys::{operator_key, read_bounded};
use crate::{now, render, trust, Outcome};

/// Largest status list file accepted (a 2 MiB list, base64 of gzip, with room to spare).
const MAX_STATUS_LIST_BYTES: usize = 4 * 1024 * 1024;

/// `scs verify FILE …`
pub fn run(args: &VerifyArgs) -> Result<Outcome> {
    if args.registry.is_some() {
        bail!("--registry arrives with the registry release; use --offline --trust-list F --status-list F for now");
    }
    if args.qr_text.is_some() {
        bail!("--qr-text arrives with the QR release; verify the credential JSON file for now");
    }
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| anyhow!("give the credential file to verify"))?;
    let question = Question {
        at: match &args.at {
            Some(text) => Timestamp::parse_lenient(text)?,
            None => now(),
        },
        min_level: args.min_level.map(parse_level).transpose()?,
        corporate_number: args
            .corporate_number
            .as_deref()
            .map(CorporateNumber::parse)
            .transpose()?,
    };
    let trust_list = match &args.trust_list {
        Some(path) => {
            let (operator, pinned_default) = operator_key(args.operator_key.as_deref())?;
            let list = trust::load(path, &operator)?;
            if pinned_default && !args.json {
                eprintln!("note: trust list checked against this build's pinned operator key (the DEMO operator) / デモ運営主体の鍵で確認しました");
            }
            Some(list)
        }
        None => None,
    };
    let mut lists = OfflineStatusLists::none();
    for path in &args.status_list {
        lists
            .add_signed(
                &read_bounded(path, MAX_STATUS_LIST_BYTES)?,
                trust_list.as_ref(),
            )
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    }
    let bytes = read_bounded(file, MAX_CREDENTIAL_BYTES)?;
    let report = Verifier::new(trust_list.as_ref(), &lists)
        .verify_bytes(&bytes, &question)
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    if args.json {
        crate::say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        crate::emit(&render::human(&report));
    }
    Ok(match report.verdict {
        Verdict::Valid => Outcome::Yes,
        Verdict::Invalid | Verdict::Unknown => Outcome::No,
    })
}
