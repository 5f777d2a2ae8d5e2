//! `scs verify-receipt FILE`: checks a registry's verification evidence (検証結果の証跡,
//! `scs_core::evidence`) offline — the signed result of `POST /v1/verify/evidence`, the verify
//! page or the bulk page — and prints what was checked, when (JST) and the results.
//!
//! Not a registration receipt (`cred.receipt.json`, checked by `scs verify --receipt`): this
//! file proves what the registry answered, not that a credential is in the log. The only pin is
//! the operator key; the status key that signed the evidence and the log key that signed its
//! checkpoint are those of the operator-signed trust list (the one enclosed, or `--trust-list`).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::evidence::{Checked, EvidenceError, Verified, MAX_EVIDENCE_BYTES};
use serde_json::{json, Value};

use crate::client::Registry;
use crate::config::Settings;
use crate::keys::{read_bounded, Anchor};
use crate::{render, Outcome};

/// `scs verify-receipt`
#[derive(Debug, Args)]
pub struct VerifyReceiptArgs {
    /// The verification evidence: the signed result (JSON) downloaded from the registry.
    pub file: PathBuf,
    /// A signed trust list file to take the registry's status and log keys from, instead of
    /// the edition enclosed in the evidence (checked against the operator key either way).
    #[arg(long, value_name = "FILE")]
    pub trust_list: Option<PathBuf>,
    /// Print the outcome as JSON: `{"valid": true, "fingerprint", "signer", "evidence"}` or
    /// `{"valid": false, "why", "whyJa"}`.
    #[arg(long)]
    pub json: bool,
    /// The operator key that the trust list must be signed by.
    #[command(flatten)]
    pub anchor: crate::args::AnchorArgs,
}

/// `scs verify-receipt FILE`: exit 0 when the evidence holds, 1 when it does not, 2 when it is
/// unreadable or no operator key is given.
pub fn run(args: &VerifyReceiptArgs, settings: &Settings) -> Result<Outcome> {
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let operator = anchor.require()?.clone();
    let trust_list = match &args.trust_list {
        Some(path) => Some(anchor.load_trust_list(path)?),
        None => None,
    };
    let bytes = read_bounded(&args.file, MAX_EVIDENCE_BYTES)?;
    let demo = anchor
        .kind()
        .mark()
        .map(|m| format!(" [{m}]"))
        .unwrap_or_default();
    match scs_core::evidence::check_bytes(&bytes, &operator, trust_list.as_ref()) {
        Ok(verified) if args.json => {
            let answer = json!({
                "valid": true,
                "fingerprint": format!("sha256:{}", verified.fingerprint),
                "signer": verified.signer.to_string(),
                "trustListSequence": verified.trust_list.sequence,
                "evidence": verified.evidence,
            });
            println!("{answer:#}");
            Ok(Outcome::Yes)
        }
        Ok(verified) => {
            print!("{}", valid_text(&verified, &demo));
            Ok(Outcome::Yes)
        }
        Err(EvidenceError::Invalid(why)) if args.json => {
            println!(
                "{:#}",
                json!({"valid": false, "why": why.en, "whyJa": why.ja})
            );
            Ok(Outcome::No)
        }
        Err(EvidenceError::Invalid(why)) => {
            println!(
                "✗ 検証結果の証跡は正しくありません / The verification evidence does not hold{demo}"
            );
            println!("  理由 Why: {} / {}", why.ja, why.en);
            Ok(Outcome::No)
        }
        Err(EvidenceError::Unreadable(why)) => bail!(
            "{}: 検証結果の証跡として読めません / not verification evidence: {why}",
            args.file.display()
        ),
    }
}

/// `scs verify-batch --evidence FILE`: the registry's signed result of the list `(path, bytes)`
/// (its `/bulk` page, `evidence=json`), checked against the operator key and for being the
/// result of these very bytes, then written to `out`.
pub fn save_list_evidence(
    registry: &Registry,
    (path, bytes): (&Path, &[u8]),
    anchor: &Anchor,
    out: &Path,
) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("list.csv");
    let signed = registry.post_form("/bulk", (name, bytes), &[("evidence", "json")])?;
    let verified = scs_core::evidence::check_bytes(&signed, anchor.require()?, None)
        .map_err(|e| anyhow!("the registry's signed result does not check: {e}"))?;
    let digest = scs_core::evidence::list_sha256(bytes);
    match &verified.evidence.checked {
        Checked::SupplierList { list_sha256, .. } if *list_sha256 == digest => {}
        _ => bail!("the registry's signed result is not of this list"),
    }
    scs_issuer::durable::write(out, &signed)
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "署名付き結果を保存しました / saved the signed result: {} (sha256:{})",
        out.display(),
        verified.fingerprint
    );
    Ok(())
}

/// What valid evidence says, Japanese first, English beside it.
fn valid_text(verified: &Verified, demo: &str) -> String {
    let evidence = &verified.evidence;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "✓ 検証結果の証跡は正しい / The verification evidence is valid{demo}"
    );
    let _ = writeln!(
        out,
        "  確認日時 Checked at: {} ({})",
        evidence.checked_at.jst_text(),
        evidence.checked_at
    );
    match &evidence.checked {
        Checked::Credential {
            qr_text,
            question,
            report,
            ..
        } => {
            let form = if qr_text.is_some() { "QR" } else { "JSON" };
            let _ = writeln!(
                out,
                "  確認したもの Checked: ★取得証明書 / ★ credential ({form}), 判定の時点 judged at {}",
                question.at.jst_text()
            );
            if let Some(level) = question.min_level {
                let _ = writeln!(out, "  求める★ Required: ★{level}");
            }
            if let Some(number) = &question.corporate_number {
                let _ = writeln!(out, "  求める法人番号 Corporate Number required: {number}");
            }
            let _ = writeln!(out, "  結果 Result:");
            for line in render::human(report).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        Checked::SupplierList {
            list_sha256,
            results,
        } => {
            let _ = writeln!(
                out,
                "  確認したもの Checked: 取引先一覧 / supplier list (SHA-256 {list_sha256})"
            );
            let rows = results["rows"].as_array().map_or(0, Vec::len);
            let _ = writeln!(
                out,
                "  結果 Result: {rows} 行 rows; {}",
                summary_text(&results["summary"])
            );
        }
    }
    let _ = writeln!(
        out,
        "  台帳 Checkpoint: {} (木のサイズ tree size {}, ルート root {}), 台帳鍵の署名を確認 / signed by the log key",
        verified.checkpoint.origin(),
        evidence.checkpoint.tree_size,
        evidence.checkpoint.root_hash
    );
    let _ = writeln!(
        out,
        "  指定機関一覧 Trust list: 第{}版 edition {} (台帳 ledger #{}, チェックポイントに含まれる / included in the checkpoint)",
        verified.trust_list.sequence, verified.trust_list.sequence, evidence.trust_list.log_index
    );
    let _ = writeln!(
        out,
        "  署名 Signed by: {} (登録機関の状態鍵 / the registry's status key)",
        verified.signer
    );
    let _ = writeln!(
        out,
        "  フィンガープリント Fingerprint: sha256:{}",
        verified.fingerprint
    );
    out
}

/// The summary counts a supplier list's results carry, as `name count` pairs.
fn summary_text(summary: &Value) -> String {
    summary
        .as_object()
        .map(|counts| {
            counts
                .iter()
                .map(|(name, count)| format!("{name} {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
