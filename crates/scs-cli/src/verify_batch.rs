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
    /// The supplier list: CSV (UTF-8) with the 法人番号 in the first column (or the column headed
    /// 法人番号 / corporateNumber) and optionally the ★ required in the second (or the column
    /// headed ★ / level / required). Up to 10,000 rows.
    pub file: PathBuf,
    /// Registry URL: where the companies' credentials are looked up (or `registry` in the
    /// config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Print the JSON report instead of CSV.
    #[arg(long)]
    pub json: bool,
    /// Language of the CSV header and texts: ja (default) or en.
    #[arg(long, default_value = "ja")]
    pub lang: String,
    /// Write the report to this file instead of stdout (a CSV file gets a BOM for spreadsheets).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Judge validity at this time (date or date-time; default now).
    #[arg(long)]
    pub at: Option<String>,
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
    let at = given_time(args.at.as_deref())?.unwrap_or_else(now);
    let bytes = read_bounded(&args.file, scs_suppliers::MAX_CSV_BYTES)?;
    let parsed = scs_suppliers::parse_csv(&bytes).map_err(|e| {
        let why = e.message();
        anyhow!("{}: {} / {}", args.file.display(), why.ja, why.en)
    })?;
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let source: Box<dyn RegistrySource> = match (&args.bundle, &args.credentials) {
        (Some(bundle), Some(credentials)) => Box::new(crate::offline_batch::Offline::open(
            bundle,
            credentials,
            &anchor,
            args.max_age.as_deref(),
            now(),
        )?),
        _ => {
            let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
            let trust_list = anchor.registry_trust_list(&registry)?;
            Box::new(Remote {
                status: OnlineStatus::new(registry, &trust_list, None),
            })
        }
    };
    let results = scs_suppliers::judge_all(&parsed, source.as_ref(), at);
    let report = if args.json {
        serde_json::to_string_pretty(&scs_suppliers::to_json(&results, &parsed, at))? + "\n"
    } else {
        scs_suppliers::to_csv(&results, lang)
    };
    match &args.out {
        Some(path) => {
            let bom = if args.json { "" } else { "\u{FEFF}" };
            scs_issuer::durable::write(path, format!("{bom}{report}").as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => crate::emit(&report),
    }
    let (valid, invalid, unknown) = scs_suppliers::summary(&results);
    eprintln!(
        "{}",
        summary_line(
            (valid, invalid, unknown),
            parsed.broken().count(),
            parsed.not_processed
        )
    );
    Ok(
        if invalid == 0 && unknown == 0 && parsed.not_processed == 0 {
            Outcome::Yes
        } else {
            Outcome::No
        },
    )
}

/// The summary for stderr. An unreadable row is judged 無効 / invalid (as on the `/bulk` page),
/// so it is said to be one of the invalid ones, not counted beside them: the counts add up to
/// the rows checked.
fn summary_line(
    (valid, invalid, unknown): (usize, usize, usize),
    unreadable: usize,
    not_processed: usize,
) -> String {
    let (among_ja, among_en) = if unreadable > 0 {
        (
            format!("（うち読めない行 {unreadable}）"),
            format!(" ({unreadable} of them unreadable)"),
        )
    } else {
        (String::new(), String::new())
    };
    let past_limit = if not_processed > 0 {
        format!(
            " — 未確認 {not_processed}（上限 {max} 行） / {not_processed} rows past the {max}-row limit not checked",
            max = scs_suppliers::MAX_ROWS
        )
    } else {
        String::new()
    };
    format!(
        "✓ 有効 {valid} · ✗ 無効 {invalid}{among_ja} · ? 判定不能 {unknown} / valid {valid}, invalid {invalid}{among_en}, unknown {unknown}{past_limit}"
    )
}
