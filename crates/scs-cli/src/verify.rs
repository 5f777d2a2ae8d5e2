//! `scs verify`: the checks of SPEC §8 on one credential.

use anyhow::{anyhow, Context, Result};
use scs_core::ids::CorporateNumber;
use scs_core::ids::CredentialId;
use scs_core::report::{Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_verifier::receipt::{self, Receipt, WithReceipt};
use scs_verifier::{OfflineStatusLists, Question, StatusSource, Verifier, MAX_CREDENTIAL_BYTES};
use serde_json::Value;

use crate::args::VerifyArgs;
use crate::client::{OnlineStatus, Registry};
use crate::issue::parse_level;
use crate::keys::{operator_key, read_bounded};
use crate::{now, render, trust, Outcome};

/// Largest status list file accepted (a 2 MiB list, base64 of gzip, with room to spare).
const MAX_STATUS_LIST_BYTES: usize = 4 * 1024 * 1024;

/// What `scs verify` trusts and asks, resolved from its flags.
pub struct Resolved {
    /// The question.
    pub question: Question,
    /// The trust list, checked against the pinned operator key.
    pub trust_list: Option<TrustList>,
    /// Where status answers come from.
    pub status: Box<dyn StatusSource>,
}

/// Resolves flags: time, level, 法人番号, trust list (file or registry), status source.
pub fn resolve(args: &VerifyArgs, credential_id: Option<String>) -> Result<Resolved> {
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
    let (operator, pinned_default) = operator_key(args.operator_key.as_deref())?;
    let registry = args.registry.as_deref().map(Registry::new).transpose()?;
    let trust_list = match (&args.trust_list, &registry) {
        (Some(path), _) => Some(trust::load(path, &operator)?),
        (None, Some(registry)) => Some(registry.trust_list(&operator)?),
        (None, None) => None,
    };
    if trust_list.is_some() && pinned_default && !args.json {
        eprintln!("note: trust list checked against this build's pinned operator key (the DEMO operator) / デモ運営主体の鍵で確認しました");
    }
    let status: Box<dyn StatusSource> = match (registry, &trust_list) {
        (Some(registry), Some(list)) => Box::new(OnlineStatus::new(registry, list, credential_id)),
        _ => {
            let mut lists = OfflineStatusLists::none();
            for path in &args.status_list {
                lists
                    .add_signed(
                        &read_bounded(path, MAX_STATUS_LIST_BYTES)?,
                        trust_list.as_ref(),
                    )
                    .map_err(|e| anyhow!("{}: {e}", path.display()))?;
            }
            Box::new(lists)
        }
    };
    Ok(Resolved {
        question,
        trust_list,
        status,
    })
}

/// `scs verify FILE …`
pub fn run(args: &VerifyArgs) -> Result<Outcome> {
    if let Some(text) = crate::qr::compact_input(args)? {
        return crate::qr::verify(args, &text);
    }
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| anyhow!("give the credential file to verify"))?;
    let bytes = read_bounded(file, MAX_CREDENTIAL_BYTES)?;
    let credential =
        scs_verifier::parse_credential(&bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let resolved = resolve(args, credential["id"].as_str().map(str::to_owned))?;
    let receipt_path = args.receipt.clone().or_else(|| {
        let default = file.with_extension("receipt.json");
        default.exists().then_some(default)
    });
    let ledger = match (&receipt_path, &resolved.trust_list) {
        (Some(path), Some(list)) => Some(check_receipt(path, &credential, list)?),
        _ => None,
    };
    // A checked receipt dates the registration: evidence the issuer check needs once the
    // issuer's own word on when it signed has ended (withdrawal, compromise).
    let dated = match (&ledger, credential["id"].as_str().map(CredentialId::parse)) {
        (Some(Ok(included)), Some(Ok(id))) => Some(WithReceipt {
            status: resolved.status.as_ref(),
            id,
            included: *included,
        }),
        _ => None,
    };
    let status: &dyn StatusSource = match &dated {
        Some(dated) => dated,
        None => resolved.status.as_ref(),
    };
    let report = Verifier::new(resolved.trust_list.as_ref(), status)
        .verify(credential.clone(), &resolved.question);
    print(args.json, &report, ledger.as_ref())?;
    Ok(match (report.verdict, &ledger) {
        (_, Some(Err(_))) => Outcome::No,
        (Verdict::Valid, _) => Outcome::Yes,
        (Verdict::Invalid | Verdict::Unknown, _) => Outcome::No,
    })
}

type LedgerCheck = std::result::Result<receipt::Included, scs_core::report::Message>;

fn check_receipt(
    path: &std::path::Path,
    credential: &Value,
    list: &TrustList,
) -> Result<LedgerCheck> {
    let receipt: Receipt = serde_json::from_slice(&read_bounded(path, 1024 * 1024)?)
        .with_context(|| format!("{} is not a registration receipt", path.display()))?;
    Ok(receipt::check(credential, &receipt, list))
}

/// Prints the report, with the ledger inclusion when a receipt was checked.
pub fn print(json: bool, report: &Report, ledger: Option<&LedgerCheck>) -> Result<()> {
    if json {
        let mut value = serde_json::to_value(report)?;
        if let Some(ledger) = ledger {
            value["ledger"] = match ledger {
                Ok(i) => {
                    serde_json::json!({"ok": true, "logIndex": i.index, "treeSize": i.tree_size})
                }
                Err(why) => serde_json::json!({"ok": false, "detail": why.en, "detailJa": why.ja}),
            };
        }
        crate::say!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let mut text = render::human(report);
        match ledger {
            Some(Ok(i)) => text.push_str(&format!(
                "  ✓ 台帳 Ledger: 登録済み（#{}、木のサイズ {}） / included at index {} of a tree of {}\n",
                i.index, i.tree_size, i.index, i.tree_size
            )),
            Some(Err(why)) => text.push_str(&format!("  ✗ 台帳 Ledger: {} / {}\n", why.ja, why.en)),
            None => {}
        }
        crate::emit(&text);
    }
    Ok(())
}
