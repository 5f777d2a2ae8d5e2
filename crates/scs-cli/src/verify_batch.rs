//! `scs verify-batch suppliers.csv --registry URL`: a supplier list checked at once (SPEC §8).
//!
//! The list, the judging and the report are `scs_suppliers`, the same code as the registry's
//! `/bulk` page. Here the [`RegistrySource`] is a registry over HTTP: the CLI fetches each
//! company's registered credentials and verifies every signature itself, against the trust list
//! checked against the pinned operator key, with status from the signed status lists (each
//! fetched once for the whole list, by the same [`OnlineStatus`] as `scs verify`).

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::ids::CorporateNumber;
use scs_core::lifecycle::Reason;
use scs_core::report::{Message, Report};
use scs_suppliers::{Lang, Organization, RegistrySource};
use scs_verifier::{Question, Verifier};

use crate::client::OnlineStatus;
use crate::config::Settings;
use crate::keys::{read_bounded, Anchor};
use crate::{given_time, now, Outcome};

/// `scs verify-batch`
#[derive(Debug, Args)]
pub struct VerifyBatchArgs {
    /// The supplier list: CSV (UTF-8 with or without BOM, or Shift_JIS as Japanese Excel saves
    /// it) or an Excel workbook (.xlsx, first sheet), told apart by content. The 法人番号 is in
    /// the column headed 法人番号 / 会社法人等番号 / corporate number (else the first), the ★
    /// required in the column headed ★ / 求める★ / level / required (else the second), or worked
    /// out from the trust list's yes/no question columns; other columns are kept in the output.
    /// Up to 10,000 rows.
    pub file: PathBuf,
    /// Registry URL: where the companies' credentials are looked up (or `registry` in the
    /// config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Report format: csv, xlsx or json (default: from the --out file's extension, .xlsx or
    /// .json, else csv). xlsx needs --out.
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<Format>,
    /// The same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Only the rows that need attention (every category but 要件充足 / meets).
    #[arg(long)]
    pub problems_only: bool,
    /// Language of the CSV and workbook headers and texts: ja (default) or en.
    #[arg(long, default_value = "ja")]
    pub lang: String,
    /// Write the report to this file instead of stdout (a CSV file gets a BOM for spreadsheets).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Judge validity at this time (date or date-time; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Also save the registry's signed result of the same list (検証結果の証跡: the `/bulk`
    /// page's check, now), checked against the operator key; `scs verify-receipt` checks it later.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["at", "bundle"])]
    pub evidence: Option<PathBuf>,
    /// Offline: an offline bundle (`scs bundle`) instead of a registry; the suppliers'
    /// credentials come from --credentials.
    #[arg(long, value_name = "FILE", requires = "credentials")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: the suppliers' credentials, a JSON Lines file (one per line) or a folder
    /// of .json files.
    #[arg(long, value_name = "FILE|DIR", requires = "bundle")]
    pub credentials: Option<PathBuf>,
    /// With --bundle: data older than this (30m, 24h, 7d; default 24h) gives 判定不能 / unknown.
    #[arg(long, value_name = "AGE", requires = "bundle")]
    pub max_age: Option<String>,
    /// The operator key that the registry's trust list must be signed by.
    #[command(flatten)]
    pub anchor: crate::args::AnchorArgs,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV, UTF-8 (with a BOM in a file).
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// The JSON report.
    Json,
}

impl VerifyBatchArgs {
    /// `--format`, else `--json`, else the `--out` file's extension, else CSV.
    fn format(&self) -> Format {
        if let Some(format) = self.format {
            return format;
        }
        if self.json {
            return Format::Json;
        }
        let extension = self
            .out
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("xlsx") => Format::Xlsx,
            Some("json") => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// A registry over HTTP as the supplier check's [`RegistrySource`], with status from its signed
/// status lists (each fetched and checked once per run).
struct Remote {
    status: OnlineStatus,
}

fn unreachable(error: &anyhow::Error) -> Message {
    let line = format!("{error:#}").replace('\n', " ");
    Message::new(
        format!("登録機関に問い合わせできません: {line}"),
        format!("cannot ask the registry: {line}"),
    )
}

impl RegistrySource for Remote {
    fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
        let view = self
            .status
            .registry()
            .get_json_optional(&format!("/v1/organizations/{}", number.as_str()))
            .map_err(|e| unreachable(&e))?;
        Ok(view.as_ref().map(Organization::from_view))
    }

    fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
        let record = self
            .status
            .registry()
            .get_json_optional(&format!("/v1/credentials/{id}"))
            .map_err(|e| unreachable(&e))?
            .ok_or_else(|| {
                Message::new(
                    format!("{id} は登録されていません"),
                    format!("{id} is not registered"),
                )
            })?;
        let credential = record["credential"].clone();
        scs_core::vcdm::check_data_model(&credential).map_err(|e| {
            Message::new(
                format!("登録機関の答えが証明書として読めません: {e}"),
                format!("the registry's answer is not a credential: {e}"),
            )
        })?;
        self.status.recorded_reason(
            record["status"]["reason"]
                .as_str()
                .and_then(Reason::parse)
                .map(Reason::message),
        );
        Ok(Verifier::new(Some(self.status.trust_list()), &self.status)
            .requiring_edition_in_force()
            .verify(credential, question))
    }
}

/// `scs verify-batch FILE --registry URL`
pub fn run(args: &VerifyBatchArgs, settings: &Settings) -> Result<Outcome> {
    let lang = match args.lang.as_str() {
        "ja" => Lang::Ja,
        "en" => Lang::En,
        other => bail!("--lang must be ja or en, not {other}"),
    };
    let format = args.format();
    if format == Format::Xlsx && args.out.is_none() {
        bail!(
            "--format xlsx needs --out FILE.xlsx / Excel 形式は --out でファイルを指定してください"
        );
    }
    let at = given_time(args.at.as_deref())?.unwrap_or_else(now);
    let bytes = read_bounded(&args.file, scs_suppliers::MAX_CSV_BYTES)?;
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let (source, rule): (Box<dyn RegistrySource>, _) = match (&args.bundle, &args.credentials) {
        (Some(bundle), Some(credentials)) => {
            let offline = crate::offline_batch::Offline::open(
                bundle,
                credentials,
                &anchor,
                args.max_age.as_deref(),
                now(),
            )?;
            let rule = offline.trust_list().policy.required_level_rule.clone();
            (Box::new(offline), rule)
        }
        _ => {
            let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
            let trust_list = anchor.registry_trust_list(&registry)?;
            if let Some(path) = &args.evidence {
                let list = (args.file.as_path(), bytes.as_slice());
                crate::verify_receipt::save_list_evidence(&registry, list, &anchor, path)?;
            }
            let rule = trust_list.policy.required_level_rule.clone();
            let remote = Remote {
                status: OnlineStatus::new(registry, &trust_list, None),
            };
            (Box::new(remote), rule)
        }
    };
    let parsed = scs_suppliers::read_list(&bytes, rule.as_ref()).map_err(|e| {
        let why = e.message();
        anyhow!("{}: {} / {}", args.file.display(), why.ja, why.en)
    })?;
    let results = scs_suppliers::judge_all(&parsed, source.as_ref(), at);
    let shown = if args.problems_only {
        scs_suppliers::problems_only(&results)
    } else {
        results.clone()
    };
    let report = match format {
        Format::Json => {
            let json = scs_suppliers::to_json(&shown, &parsed, at);
            (serde_json::to_string_pretty(&json)? + "\n").into_bytes()
        }
        Format::Csv if args.out.is_some() => {
            format!("\u{FEFF}{}", scs_suppliers::to_csv(&shown, &parsed, lang)).into_bytes()
        }
        Format::Csv => scs_suppliers::to_csv(&shown, &parsed, lang).into_bytes(),
        Format::Xlsx => scs_suppliers::to_xlsx(&shown, &parsed, lang, at)
            .map_err(|why| anyhow!("{} / {}", why.ja, why.en))?,
    };
    match &args.out {
        Some(path) => scs_issuer::durable::write(path, &report)
            .with_context(|| format!("writing {}", path.display()))?,
        None => crate::emit(&String::from_utf8_lossy(&report)),
    }
    let counted = scs_suppliers::summary(&results);
    eprintln!("{}", summary_line(&counted, &parsed));
    // The process ends with this command: freeing the credentials given one allocation at a
    // time (a supplier base's 100,000: a tenth of a second on one core) would only delay it.
    std::mem::forget(source);
    Ok(
        if counted.invalid == 0 && counted.unknown == 0 && parsed.not_processed == 0 {
            Outcome::Yes
        } else {
            Outcome::No
        },
    )
}

/// The summary for stderr: the rows counted by category (those with none left out), how the
/// file was read, and the rows past the limit. The counts add up to the rows checked.
fn summary_line(counted: &scs_suppliers::Summary, parsed: &scs_suppliers::Parsed) -> String {
    let present: Vec<_> = counted.categories.iter().filter(|(_, n)| *n > 0).collect();
    let ja: Vec<String> = present
        .iter()
        .map(|(c, n)| format!("{} {n}", c.message().ja))
        .collect();
    let en: Vec<String> = present
        .iter()
        .map(|(c, n)| format!("{} {n}", c.message().en))
        .collect();
    let rows = parsed.rows.len();
    let read_as = parsed.encoding.message();
    let past_limit = if parsed.not_processed > 0 {
        format!(
            " — 未確認 {n}（上限 {max} 行） / {n} rows past the {max}-row limit not checked",
            n = parsed.not_processed,
            max = scs_suppliers::MAX_ROWS
        )
    } else {
        String::new()
    };
    format!(
        "{rows} 行: {}（{}） / {rows} rows: {} ({}){past_limit}",
        ja.join(" · "),
        read_as.ja,
        en.join(", "),
        read_as.en
    )
}
