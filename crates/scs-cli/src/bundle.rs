//! `scs bundle` and the offline side of `scs verify --bundle` / `scs verify-batch --bundle`:
//! a registry's signed data kept in one file for sites without a network (LGWAN, closed
//! factory networks), and how old that data is.
//!
//! The file is [`scs_verifier::bundle`]'s: every part as the registry served it, checked
//! against the pinned operator key before it is written and again whenever it is read. Its age
//! is counted from the registry's signed status index (`validFrom`, the registry's clock), not
//! from anything the file's holder can edit; data older than `--max-age` (default 24 h) is
//! refused with the verdict 判定不能 / unknown.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::credential::StatusEntry;
use scs_core::report::{Check, CheckName, Message};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_verifier::bundle::{Bundle, BundleError, BundleFile, BUNDLE_TYPE, MAX_BUNDLE_BYTES};
use scs_verifier::{OfflineStatusLists, StatusAnswer, StatusSource};

use crate::client::Registry;
use crate::config::Settings;
use crate::keys::{read_bounded, Anchor};
use crate::{now, Outcome};

/// `scs bundle`
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Registry URL to fetch from (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Where to write the bundle (replaced durably if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The operator key that the registry's trust list must be signed by.
    #[command(flatten)]
    pub anchor: crate::args::AnchorArgs,
}

/// How old a bundle's data may be when none is given: a day.
const DEFAULT_MAX_AGE: &str = "24h";

/// Times a bundle is fetched again when a status list changed while it was being fetched.
const FETCH_ATTEMPTS: usize = 3;

/// `scs bundle --registry URL --out FILE`
pub fn run(args: &BundleArgs, settings: &Settings) -> Result<Outcome> {
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let operator = anchor.require()?.clone();
    let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
    let (file, bundle) = fetch_checked(&registry, &operator)?;
    let bytes = serde_json::to_vec(&file)?;
    scs_issuer::durable::write(&args.out, &bytes)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let (ja, en) = (jst_ja(bundle.as_of()), jst_en(bundle.as_of()));
    let (size, lists) = (bundle.checkpoint.size(), bundle.index.status_lists.len());
    crate::say!(
        "✓ オフライン用データを保存しました / offline bundle written: {}",
        args.out.display()
    );
    crate::say!(
        "  台帳データ: {ja}（台帳 {size} 件、失効リスト {lists} 件） / bundle data: {en} (log size {size}, {lists} status lists)"
    );
    Ok(Outcome::Yes)
}

/// A registry's signed data at one moment, as served and as checked against the pinned
/// `operator` key: the trust list, the status index, every status list it names and the
/// checkpoint, each matching the index's digest (fetched again when a status list changed
/// meanwhile). What `scs bundle` saves and `scs publish` publishes.
pub fn fetch_checked(
    registry: &Registry,
    operator: &scs_core::keys::DidKey,
) -> Result<(BundleFile, Bundle)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let file = fetch(registry, operator)?;
        match Bundle::open(&serde_json::to_vec(&file)?, operator) {
            Ok(bundle) => return Ok((file, bundle)),
            // A status change between the index and a list: the next index names the new list.
            Err(BundleError::Mismatch(_)) if attempt < FETCH_ATTEMPTS => continue,
            Err(error) => {
                return Err(anyhow!("{error}")).context(format!(
                    "the registry at {} served data that does not check",
                    registry.base()
                ))
            }
        }
    }
}

/// Every part of a bundle, fetched as served: the index first, then what it names.
fn fetch(registry: &Registry, operator: &scs_core::keys::DidKey) -> Result<BundleFile> {
    let status_index = text(registry, "/v1/status")?;
    let trust_list = text(registry, "/v1/trust-list")?;
    let base = TrustList::from_signed_bytes(trust_list.as_bytes(), operator)
        .context("the registry's trust list")?
        .registry
        .base_url;
    let checkpoint = text(registry, "/v1/log/checkpoint")?;
    let index: serde_json::Value =
        scs_core::json::parse_strict(status_index.as_bytes(), scs_verifier::MAX_STATUS_LIST_BYTES)
            .context("the registry's status index")?;
    let urls = index["statusLists"]
        .as_array()
        .ok_or_else(|| anyhow!("the registry's status index names no status lists"))?;
    if urls.len() > scs_verifier::bundle::MAX_BUNDLE_LISTS {
        bail!(
            "the registry's status index names more than {} lists",
            scs_verifier::bundle::MAX_BUNDLE_LISTS
        );
    }
    let status_lists = urls
        .iter()
        .map(|list| {
            let url = list["url"].as_str().unwrap_or_default();
            let path = url
                .strip_prefix(base.trim_end_matches('/'))
                .or_else(|| url.strip_prefix(registry.base()))
                .ok_or_else(|| anyhow!("status list {url} is not at this registry"))?;
            text(registry, path)
        })
        .collect::<Result<_>>()?;
    Ok(BundleFile {
        kind: BUNDLE_TYPE.to_owned(),
        registry: registry.base().to_owned(),
        made_at: now(),
        status_index,
        trust_list,
        checkpoint,
        status_lists,
    })
}

fn text(registry: &Registry, path: &str) -> Result<String> {
    String::from_utf8(registry.get_bytes(path)?)
        .map_err(|_| anyhow!("{path}: the registry's answer is not UTF-8 text"))
}

/// A bundle file read and checked against the pinned operator key, and the `ledger` check
/// saying how old its data is at `now` — undecided when older than `max_age` (default 24 h).
pub fn load(
    path: &Path,
    anchor: &Anchor,
    max_age: Option<&str>,
    now: Timestamp,
) -> Result<(Bundle, Check)> {
    let max_age = MaxAge::parse(max_age.unwrap_or(DEFAULT_MAX_AGE))?;
    let operator = anchor.require()?;
    let bytes = read_bounded(path, MAX_BUNDLE_BYTES)?;
    let bundle = Bundle::open(&bytes, operator).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let freshness = freshness(bundle.as_of(), max_age, now);
    Ok((bundle, freshness))
}

/// Where status answers come from for a bundle: its status lists, or — when its data is
/// older than allowed (`freshness` not passed) — nowhere: every status is then undecided, so
/// that a credential revoked or suspended in old data is 判定不能 too, not 無効 on old word.
pub fn status_source(lists: OfflineStatusLists, freshness: &Check) -> Box<dyn StatusSource> {
    if freshness.ok {
        Box::new(lists)
    } else {
        Box::new(TooOld(Message::new(
            freshness.detail_ja.clone(),
            freshness.detail.clone(),
        )))
    }
}

/// The status source of a bundle whose data is too old: no answer, and why.
struct TooOld(Message);

impl StatusSource for TooOld {
    fn lookup(&self, _: &StatusEntry, _: Option<&TrustList>, _: Timestamp) -> StatusAnswer {
        StatusAnswer::Unavailable(self.0.clone())
    }
}

/// The largest age accepted, in seconds, with the text it was given as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MaxAge {
    seconds: i64,
    given: String,
}

impl MaxAge {
    /// `30m`, `24h`, `7d`: a whole number and a unit (minutes, hours, days), up to a year.
    fn parse(text: &str) -> Result<Self> {
        let refuse = || {
            anyhow!("--max-age は 30m・24h・7d のように指定してください / --max-age must be minutes, hours or days, e.g. 30m, 24h, 7d (up to 365d): {text}")
        };
        let unit = match text.chars().last() {
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => return Err(refuse()),
        };
        let number: i64 = text[..text.len() - 1].parse().map_err(|_| refuse())?;
        let seconds = number.checked_mul(unit).ok_or_else(refuse)?;
        if !(1..=365 * 86_400).contains(&seconds) {
            return Err(refuse());
        }
        Ok(Self {
            seconds,
            given: text.to_owned(),
        })
    }
}

/// The `ledger` check of a bundle: its data's time in JST and its age; undecided when older
/// than `max_age`.
fn freshness(as_of: Timestamp, max_age: MaxAge, now: Timestamp) -> Check {
    let age = (now.unix() - as_of.unix()).max(0);
    let (ago_ja, ago_en) = ago(age);
    let (ja, en) = (jst_ja(as_of), jst_en(as_of));
    if age > max_age.seconds {
        let given = &max_age.given;
        return Check::undecided(
            CheckName::Ledger,
            Message::new(
                format!("台帳データ: {ja}（{ago_ja}）は許容する古さ {given} を超えているため判定できません。scs bundle で新しいデータを取得してください"),
                format!("bundle data: {en} ({ago_en}) is older than the {given} allowed (--max-age): fetch a new bundle with scs bundle"),
            ),
        );
    }
    Check::pass(
        CheckName::Ledger,
        Message::new(
            format!("台帳データ: {ja}（{ago_ja}）"),
            format!("bundle data: {en} ({ago_en})"),
        ),
    )
}

/// Japan Standard Time: UTC + 9 h, no daylight saving.
const JST_OFFSET_SECONDS: i64 = 9 * 3_600;

/// `(year, month, day, hour, minute)` in JST.
fn jst_parts(at: Timestamp) -> (String, u32, u32, i64, i64) {
    let local = at.unix() + JST_OFFSET_SECONDS;
    let date = Timestamp::from_unix(local).map_or_else(|| at.date(), |t| t.date());
    let text = date.to_string();
    let mut parts = text.splitn(3, '-');
    let year = parts.next().unwrap_or_default().to_owned();
    let month = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let day = parts.next().and_then(|d| d.parse().ok()).unwrap_or(0);
    let minutes = local.rem_euclid(86_400) / 60;
    (year, month, day, minutes / 60, minutes % 60)
}

/// `2026年11月28日 21:00 JST`
pub fn jst_ja(at: Timestamp) -> String {
    let (year, month, day, hour, minute) = jst_parts(at);
    format!("{year}年{month}月{day}日 {hour:02}:{minute:02} JST")
}

/// `2026-11-28 21:00 JST`
pub fn jst_en(at: Timestamp) -> String {
    let (year, month, day, hour, minute) = jst_parts(at);
    format!("{year}-{month:02}-{day:02} {hour:02}:{minute:02} JST")
}

/// An age as people say it: `3時間前` / `3 hours ago`.
fn ago(seconds: i64) -> (String, String) {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        s if s < 60 => ("1分以内".to_owned(), "less than a minute ago".to_owned()),
        s if s < 3_600 => (format!("{}分前", s / 60), plural(s / 60, "minute")),
        s if s < 2 * 86_400 => (format!("{}時間前", s / 3_600), plural(s / 3_600, "hour")),
        s => (format!("{}日前", s / 86_400), plural(s / 86_400, "day")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn max_age_takes_minutes_hours_and_days() {
        assert_eq!(MaxAge::parse("30m").unwrap().seconds, 1_800);
        assert_eq!(MaxAge::parse("24h").unwrap().seconds, 86_400);
        assert_eq!(MaxAge::parse("7d").unwrap().seconds, 604_800);
        for bad in [
            "",
            "24",
            "h",
            "-1h",
            "0m",
            "1.5h",
            "366d",
            "24H",
            "9999999999999999999d",
        ] {
            assert!(MaxAge::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_shown_in_jst_with_their_age() {
        // 12:00 UTC is 21:00 in Tokyo; 15:30 UTC is past midnight there, the next day.
        assert_eq!(
            jst_ja(t("2026-11-28T12:00:00Z")),
            "2026年11月28日 21:00 JST"
        );
        assert_eq!(jst_en(t("2026-11-28T15:30:00Z")), "2026-11-29 00:30 JST");
        let check = freshness(
            t("2026-11-28T12:00:00Z"),
            MaxAge::parse("24h").unwrap(),
            t("2026-11-28T15:00:00Z"),
        );
        assert!(check.ok);
        assert_eq!(
            check.detail_ja,
            "台帳データ: 2026年11月28日 21:00 JST（3時間前）"
        );
        assert_eq!(
            check.detail,
            "bundle data: 2026-11-28 21:00 JST (3 hours ago)"
        );
    }

    #[test]
    fn data_older_than_the_max_age_is_undecided() {
        let as_of = t("2026-11-28T12:00:00Z");
        let day = MaxAge::parse("24h").unwrap();
        assert!(freshness(as_of, day.clone(), t("2026-11-29T12:00:00Z")).ok);
        let stale = freshness(as_of, day, t("2026-11-29T12:00:01Z"));
        assert!(!stale.ok && stale.undecided);
        assert!(stale.detail_ja.contains("24h"), "{}", stale.detail_ja);
        let half_hour = freshness(
            as_of,
            MaxAge::parse("30m").unwrap(),
            t("2026-11-28T12:31:00Z"),
        );
        assert!(half_hour.undecided);
    }
}
