//! Commands that talk to a registry: status changes, lookups, the log audit.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::{Reason, RequestBody};
use scs_core::tlog::{verify_consistency, Checkpoint, Hash, NoteVerifier};
use scs_core::trust_list::TrustList;
use scs_ledger::{check_log, CheckpointCheck, LogCheck, LogKey, LogProblem};
use scs_verifier::MAX_CREDENTIAL_BYTES;

use crate::args::{AuditArgs, CheckArgs, LookupArgs, StatusChangeArgs};
use crate::client::Registry;
use crate::config::{Name, Settings};
use crate::keys::{parse_public_key, read_bounded, signing_key, Anchor};
use crate::{emit, say, Outcome};

/// The registry a command needs: `--registry`, else `SCS_REGISTRY`, else the config file.
pub fn registry(settings: &Settings, given: Option<&str>) -> Result<Registry> {
    Registry::from_setting(&settings.require(Name::Registry, given)?)
}

/// Which status change.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// `scs revoke`
    Revoke,
    /// `scs suspend`
    Suspend,
    /// `scs reinstate`
    Reinstate,
}

/// The reasons a suspension gives: a matter that can be resolved. Not `superseded` (a renewal
/// replaces a credential for good, shown as 更新済み) nor `organization-dissolved` (a dissolved
/// company does not come back): those are revocations.
const SUSPENSION_REASONS: [Reason; 6] = [
    Reason::ScopeChange,
    Reason::Nonconformity,
    Reason::Fraud,
    Reason::IssuerError,
    Reason::HolderRequest,
    Reason::IssuerWithdrawn,
];

impl Change {
    /// The reasons this change takes. A reinstatement names the matter its suspension was for,
    /// now resolved.
    fn reasons(self) -> &'static [Reason] {
        match self {
            Self::Revoke => &Reason::ALL,
            Self::Suspend | Self::Reinstate => &SUSPENSION_REASONS,
        }
    }

    fn codes(self) -> String {
        self.reasons()
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The help of `--reason`: the codes this change takes.
    pub fn reason_help(self) -> String {
        match self {
            Self::Reinstate => format!(
                "The matter the suspension was for, now resolved: {}. Default: the suspension's own reason, as the registry records it",
                self.codes()
            ),
            Self::Revoke | Self::Suspend => format!("Reason code: {}", self.codes()),
        }
    }

    fn parse_reason(self, code: &str) -> Result<Reason> {
        Reason::parse(code)
            .filter(|r| self.reasons().contains(r))
            .ok_or_else(|| anyhow!("--reason must be one of: {}", self.codes()))
    }
}

/// `scs revoke|suspend|reinstate CREDENTIAL [--reason R] --key K --registry URL`
pub fn change_status(
    change: Change,
    reason: Option<&str>,
    args: &StatusChangeArgs,
    settings: &Settings,
) -> Result<Outcome> {
    let target = target_id(&args.credential)?;
    let reason = reason.map(|code| change.parse_reason(code)).transpose()?;
    let key = signing_key(settings, args.key.as_deref())?;
    let registry = registry(settings, args.registry.as_deref())?;
    let reason = match reason {
        Some(reason) => reason,
        None => suspension_reason(&registry, &target)?,
    };
    let body = match change {
        Change::Revoke => RequestBody::Revoke { target, reason },
        Change::Suspend => RequestBody::Suspend { target, reason },
        Change::Reinstate => RequestBody::Reinstate { target, reason },
    };
    let answer = registry.signed(&format!("/v1/credentials/{target}/status"), &body, &key)?;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        let state = answer["state"].as_str().unwrap_or("?");
        say!(
            "{target}: {state} ({} / {}) — 台帳 ledger index {}",
            reason.ja(),
            reason.code(),
            answer["logIndex"]
        );
    }
    Ok(Outcome::Yes)
}

/// Why `target` is suspended, as the registry records it: what a reinstatement gives by default.
fn suspension_reason(registry: &Registry, target: &CredentialId) -> Result<Reason> {
    let record = registry.get_json(&format!("/v1/credentials/{target}"))?;
    let status = &record["status"];
    if status["state"] != "suspended" {
        bail!(
            "{target} is not suspended (the registry says {}), so there is nothing to reinstate",
            status["state"].as_str().unwrap_or("nothing")
        );
    }
    status["reason"]
        .as_str()
        .and_then(Reason::parse)
        .ok_or_else(|| {
            anyhow!("the registry gives no reason for {target}'s suspension; give --reason")
        })
}

/// The credential a status change names: an existing file is the credential (its JSON or its QR
/// code), a `urn:` string its id.
fn target_id(given: &str) -> Result<CredentialId> {
    let path = Path::new(given);
    if path.exists() {
        return credential_id_in(path).with_context(|| given.to_owned());
    }
    if given.starts_with("urn:") {
        return Ok(CredentialId::parse(given)?);
    }
    bail!("{given} is neither a credential id (urn:uuid:…) nor a credential file")
}

/// The id of the credential in `file`: JSON, or a QR image or text (its signature is not
/// checked: the registry decides whether the signer may change the credential's status).
fn credential_id_in(file: &Path) -> Result<CredentialId> {
    if let Some(text) = crate::qr::compact_text_in(file)? {
        return Ok(scs_core::compact::decode(&text)?.claims().id);
    }
    let credential = scs_verifier::parse_credential(&read_bounded(file, MAX_CREDENTIAL_BYTES)?)?;
    let id = credential["id"]
        .as_str()
        .ok_or_else(|| anyhow!("the credential has no id"))?;
    Ok(CredentialId::parse(id)?)
}

/// `scs lookup N --registry URL`: exit 0 when the company holds a ★ valid now.
pub fn lookup(args: &LookupArgs, settings: &Settings) -> Result<Outcome> {
    let number = CorporateNumber::parse_typed(&args.corporate_number)?;
    let registry = registry(settings, args.registry.as_deref())?;
    let Some(answer) = registry.get_json_optional(&format!("/v1/organizations/{number}"))? else {
        if args.json {
            say!(
                "{}",
                serde_json::json!({"corporateNumber": number.as_str(), "highestLevel": null, "credentials": []})
            );
        } else {
            say!("✗ 法人番号 {number}: この登録機関に登録された証明書はありません / no credentials registered in this registry");
            say!("  取引先に★取得証明書を求めるか、国税庁法人番号公表サイトで番号を確かめてください / ask the supplier for its certificate, or check the number at https://www.houjin-bangou.nta.go.jp/");
        }
        return Ok(Outcome::No);
    };
    let highest = answer["highestLevel"].as_u64();
    if args.json {
        say!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        let mut out = String::new();
        let name = answer["legalName"].as_str().unwrap_or("");
        let _ = match highest {
            Some(level) => writeln!(
                out,
                "✓ {name} (法人番号 {number}): ★{level} 有効 / valid now"
            ),
            None => writeln!(
                out,
                "✗ {name} (法人番号 {number}): 有効な★はありません / no ★ valid now"
            ),
        };
        for c in answer["credentials"].as_array().into_iter().flatten() {
            let mut reason = c["reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            if let (Some(ja), Some(en)) =
                (c["void"]["detailJa"].as_str(), c["void"]["detail"].as_str())
            {
                reason.push_str(&format!(" — 無効扱い: {ja} / void: {en}"));
            }
            let _ = writeln!(
                out,
                "  ★{} {} {}{reason} {} 〜 {} — {} [台帳 ledger #{}]",
                c["level"],
                c["stateJa"].as_str().unwrap_or(""),
                c["state"].as_str().unwrap_or(""),
                c["validFrom"].as_str().unwrap_or(""),
                c["validUntil"].as_str().unwrap_or(""),
                c["id"].as_str().unwrap_or(""),
                c["logIndex"],
            );
        }
        emit(&out);
    }
    Ok(if highest.is_some() {
        Outcome::Yes
    } else {
        Outcome::No
    })
}

/// A checkpoint note verified with `verifier`.
pub fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint> {
    let body = verifier.verify(note.as_bytes())?;
    Ok(Checkpoint::parse(body)?)
}

/// A registry's checkpoint as it serves it now, signed by the log key its trust list names.
pub struct SignedCheckpoint {
    /// The note as served.
    pub note: String,
    /// What it says.
    pub checkpoint: Checkpoint,
    verifier: NoteVerifier,
}

/// Why a registry's log can no longer be trusted: it does not extend what was seen of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogBreak {
    /// Its checkpoint (or the one saved) is not signed by the log key of its trust list.
    Unsigned(String),
    /// It is smaller than the one saved.
    Shrank {
        /// The saved size.
        from: u64,
        /// The size served now.
        to: u64,
    },
    /// No proof that it extends the one saved.
    Inconsistent(String),
    /// Its change feed reports an event the log does not hold (`scs watch`).
    Misreported(String),
    /// Its tiles or entries do not hash to its checkpoint's root (`scs publish`, `scs backup`).
    Unproven(String),
}

impl std::fmt::Display for LogBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsigned(why) => write!(
                f,
                "チェックポイントの署名がログ鍵と一致しません / the checkpoint is not signed by the log key of the trust list: {why}"
            ),
            Self::Shrank { from, to } => {
                write!(f, "台帳が縮んでいます / the log shrank: {from} → {to}")
            }
            Self::Inconsistent(why) => write!(
                f,
                "台帳が整合しません / the log is NOT consistent with the saved checkpoint: {why}"
            ),
            Self::Unproven(why) => write!(
                f,
                "台帳のデータがチェックポイントと一致しません / the log's data does NOT hash to its signed checkpoint: {why}"
            ),
            Self::Misreported(why) => write!(
                f,
                "変更フィードが台帳と一致しません / the change feed does NOT match the log at entry {why}"
            ),
        }
    }
}

/// Fetches the registry's checkpoint and checks its signature with the log key `trust` names.
/// `Err` when it cannot be asked; `Ok(Err(_))` when its answer is not signed by that key.
pub fn signed_checkpoint(
    registry: &Registry,
    trust: &TrustList,
) -> Result<Result<SignedCheckpoint, LogBreak>> {
    let log_key = *trust.log_key()?.public_key();
    let note = String::from_utf8(registry.get_bytes("/v1/log/checkpoint")?)
        .context("checkpoint is not UTF-8")?;
    let origin = note.lines().next().unwrap_or_default().to_owned();
    let verifier = NoteVerifier::new(&origin, log_key)?;
    Ok(match open_checkpoint(&note, &verifier) {
        Ok(checkpoint) => Ok(SignedCheckpoint {
            note,
            checkpoint,
            verifier,
        }),
        Err(error) => Err(LogBreak::Unsigned(format!("{error:#}"))),
    })
}

impl SignedCheckpoint {
    /// Proves, with the registry's consistency proof (or, from a static mirror without a proof
    /// endpoint, one computed from its tiles), that this checkpoint extends `saved` (a note seen
    /// earlier, which must be signed by the same key): the saved size. `Err` when the
    /// registry cannot be asked; `Ok(Err(_))` when the log does not extend it.
    pub fn extends(&self, registry: &Registry, saved: &str) -> Result<Result<u64, LogBreak>> {
        let old = match open_checkpoint(saved, &self.verifier) {
            Ok(old) => old,
            Err(error) => return Ok(Err(LogBreak::Unsigned(format!("saved: {error:#}")))),
        };
        let new = &self.checkpoint;
        if old.size() > new.size() {
            return Ok(Err(LogBreak::Shrank {
                from: old.size(),
                to: new.size(),
            }));
        }
        let asked = registry.get_json_optional(&format!(
            "/v1/log/proof/consistency?from={}&to={}",
            old.size(),
            new.size()
        ))?;
        let proof = match asked {
            Some(answer) => proof_hashes(&answer),
            // A static mirror (`scs publish`) serves no proofs: its tiles hold them.
            None => Some(crate::log_tiles::consistency_from_tiles(
                registry,
                old.size(),
                new.size(),
            )?),
        };
        let Some(proof) = proof else {
            return Ok(Err(LogBreak::Inconsistent(
                "consistency proof missing or malformed".into(),
            )));
        };
        Ok(
            verify_consistency(old.size(), new.size(), old.root(), new.root(), &proof)
                .map(|()| old.size())
                .map_err(|error| LogBreak::Inconsistent(error.to_string())),
        )
    }
}

/// The hashes of a proof the registry answered (`{"proof": ["<base64>", …]}`), if they all read.
pub fn proof_hashes(answer: &serde_json::Value) -> Option<Vec<Hash>> {
    answer["proof"]
        .as_array()?
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|s| STANDARD.decode(s).ok())
                .and_then(|b| Hash::from_slice(&b))
        })
        .collect()
}

/// `scs log audit --registry URL [--since FILE]`: exit 0 when consistent.
pub fn audit(args: &AuditArgs, settings: &Settings) -> Result<Outcome> {
    let registry = registry(settings, args.registry.as_deref())?;
    let trust = Anchor::resolve(&args.anchor, settings)?.registry_trust_list(&registry)?;
    let signed = signed_checkpoint(&registry, &trust)?.map_err(|broken| {
        anyhow!(
            "the registry's checkpoint is not signed by the log key in the trust list: {broken}"
        )
    })?;
    let origin = signed.note.lines().next().unwrap_or_default();
    say!(
        "✓ チェックポイントの署名を確認 / checkpoint signed by the log key: {origin}, size {}",
        signed.checkpoint.size()
    );
    if let Some(path) = &args.since {
        let old_note = String::from_utf8(read_bounded(path, 64 * 1024)?)
            .context("saved checkpoint is not UTF-8")?;
        match signed.extends(&registry, &old_note)? {
            Ok(old_size) => say!(
                "✓ 台帳は整合しています / consistent: size {old_size} → {} (append-only)",
                signed.checkpoint.size()
            ),
            Err(LogBreak::Unsigned(why)) => bail!(
                "{}: not a checkpoint of this log signed by its key ({why})",
                path.display()
            ),
            Err(broken) => {
                say!("✗ {broken}");
                return Ok(Outcome::No);
            }
        }
    }
    if let Some(path) = &args.save {
        scs_issuer::durable::write(path, signed.note.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        say!("saved the checkpoint to {}", path.display());
    }
    if args.since.is_none() && args.save.is_none() {
        say!("tip: save it (--save cp.txt) and audit later with --since cp.txt");
    }
    Ok(Outcome::Yes)
}

/// `scs log check --data DIR`: exit 0 when the log on disk is intact, 1 when it is damaged.
pub fn check(args: &CheckArgs, settings: &Settings) -> Result<Outcome> {
    let log_dir = args.data.join("log");
    if !log_dir.join("leaves.bin").is_file() || !log_dir.join("entries.bin").is_file() {
        return Err(anyhow!(
            "{} holds no log (log/entries.bin and log/leaves.bin) / 台帳がありません",
            args.data.display()
        ));
    }
    let key = match &args.log_key {
        Some(given) => LogKey::Given(*parse_public_key(given)?.public_key()),
        None => LogKey::FromTrustLists(Anchor::resolve(&args.anchor, settings)?.require()?.clone()),
    };
    let found = check_log(&log_dir, &key)
        .with_context(|| format!("cannot read the log in {}", log_dir.display()))?;
    if found.checkpoint == CheckpointCheck::NoLogKey {
        return Err(anyhow!(
            "no trust list in the log is signed by the operator key: give --log-key, or the \
             --operator-key that signed them / ログ鍵が分かりません"
        ));
    }
    emit(&describe_check(&found));
    Ok(if found.is_intact() {
        Outcome::Yes
    } else {
        Outcome::No
    })
}

/// The bilingual lines of a log check.
fn describe_check(found: &LogCheck) -> String {
    let mut out = String::new();
    let _ = match found.first_bad {
        None => writeln!(
            out,
            "✓ 全 {} エントリのハッシュが一致 / all {} entries hash to their leaves",
            found.records, found.records
        ),
        Some(bad) if bad.torn_tail => writeln!(
            out,
            "! エントリ {} 以降は未確定の書き込みです（起動時に切り詰められます） / entries from \
             {} were never acknowledged (a crash tore the last write): the registry cuts them \
             when it starts",
            bad.index, bad.index
        ),
        Some(bad) => {
            let what = match bad.problem {
                LogProblem::Hash => "its bytes do not hash to its leaf / ハッシュ不一致",
                LogProblem::Place => {
                    "its record does not follow the entry before it / レコードの位置が不正"
                }
                _ => "damaged / 破損",
            };
            writeln!(
                out,
                "✗ エントリ {} (entries.bin のバイト {}) が破損しています / entry {} (byte {} of \
                 entries.bin) is damaged: {what}; {} of {} entries check",
                bad.index, bad.offset, bad.index, bad.offset, found.good, found.records
            )
        }
    };
    let _ = match &found.checkpoint {
        CheckpointCheck::Matches { size } => writeln!(
            out,
            "✓ チェックポイント（サイズ {size}）の署名と根が台帳と一致 / checkpoint of size {size}: \
             signed by the log key, and the log's root at that size is its root"
        ),
        CheckpointCheck::Beyond { size, log_size } => writeln!(
            out,
            "✗ チェックポイントが台帳より大きい / the checkpoint covers {size} entries but the log \
             holds {log_size}: acknowledged entries are lost"
        ),
        CheckpointCheck::RootDiffers { size } => writeln!(
            out,
            "✗ チェックポイントの根が台帳と一致しません / the log's root at size {size} differs \
             from the checkpoint's: acknowledged entries changed"
        ),
        CheckpointCheck::Missing => writeln!(
            out,
            "! チェックポイントがありません / no checkpoint file: the registry signs one from the \
             log when it starts"
        ),
        CheckpointCheck::Unreadable(reason) => writeln!(
            out,
            "! チェックポイントが壊れています / the checkpoint is not a whole signed note \
             ({reason}), as a power cut can leave it: the registry signs a new one from the log \
             when it starts"
        ),
        CheckpointCheck::Foreign(reason) => writeln!(
            out,
            "✗ チェックポイントの署名がログ鍵と一致しません / the checkpoint is not signed by the \
             log key ({reason}): check --log-key / --operator-key; the registry refuses to start \
             with it"
        ),
        _ => Ok(()),
    };
    let _ = if found.is_intact() {
        writeln!(out, "台帳は無傷です / the log is intact")
    } else {
        writeln!(
            out,
            "台帳が破損しています。docs/ARCHITECTURE.md の「Operating the log」に従ってください / the log \
             is damaged: follow \"Operating the log\" in docs/ARCHITECTURE.md (restore from a backup)"
        )
    };
    out
}
