//! `scs watch suppliers.csv --registry URL`: a supplier watchlist kept like a Certificate
//! Transparency monitor (SPEC §8). Each round: verify the registry's checkpoint with the log
//! key of the pinned trust list, prove it consistent with the one saved (else the loudest
//! alert, and the registry is refused until `--reset-alarm`), read the change feed's events of
//! the watched 法人番号 up to that checkpoint, each checked against the log entry it names
//! (included in that checkpoint, saying the same), look at each company's standing now, and report
//! what is new — on stdout and, signed, to a webhook — saving the state durably.

mod alerts;
mod proof;
mod state;
mod webhook;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::credential::Level;
use scs_ledger::{ChangeEvent, EventPage};

use self::alerts::{Alert, CompanyView, Supplier};
use self::state::{Alarm, Stored};
use self::webhook::Webhook;
use crate::client::Registry;
use crate::config::Settings;
use crate::keys::{read_bounded, Anchor};
use crate::registry_cmds::{signed_checkpoint, LogBreak, SignedCheckpoint};
use crate::{now, say, Outcome};

/// Companies asked about in one request of the change feed (the registry's bound).
const COMPANIES_PER_REQUEST: usize = 100;
/// Rounds running in which the registry signs a checkpoint but does not answer for it, before
/// the alarm (see `Watch::withheld`).
const WITHHELD_ROUNDS: u32 = 3;
/// Log entries per page of the change feed (the registry's bound).
const ENTRIES_PER_PAGE: u64 = 1000;
/// The shortest and longest `--every`.
const MIN_INTERVAL: Duration = Duration::from_secs(60);
const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// `scs watch`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The supplier list, as `scs verify-batch` reads it: CSV (UTF-8) with the 法人番号 and
    /// optionally the ★ required (★3 when not given: any valid credential).
    pub file: PathBuf,
    /// Registry URL (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// The folder where the watch keeps what it verified and reported (default: one folder per
    /// list under $XDG_STATE_HOME/scs/watch, else ~/.local/state/scs/watch). One folder per list.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Check again every INTERVAL (30m, 1h, 10m: 1 minute to 24 hours) until SIGINT or SIGTERM.
    #[arg(long, value_name = "INTERVAL", conflicts_with = "once")]
    pub every: Option<String>,
    /// One round, then exit (what the watch does without --every).
    #[arg(long)]
    pub once: bool,
    /// POST each alert here, signed as Standard Webhooks do.
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    pub webhook: Option<String>,
    /// The webhook's secret: `whsec_<base64>` or raw bytes, in a file of mode 0600.
    #[arg(long, value_name = "FILE", requires = "webhook")]
    pub webhook_secret: Option<PathBuf>,
    /// Print alerts as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Forget a recorded inconsistent-registry alarm and start a new baseline from the
    /// registry's log as it is now (only once you know why it changed).
    #[arg(long)]
    pub reset_alarm: bool,
    /// The operator key that the registry's trust list (naming the log key) must be signed by.
    #[command(flatten)]
    pub anchor: crate::args::AnchorArgs,
}

/// What every round uses.
struct Watch {
    suppliers: Vec<Supplier>,
    registry: Registry,
    anchor: Anchor,
    webhook: Option<Webhook>,
    json: bool,
}

/// `scs watch FILE --registry URL`: exit 0 after a round, 3 when the registry is (or was
/// found) inconsistent, 4 when the webhook did not take every alert; 2 for bad input.
pub fn run(args: &WatchArgs, settings: &Settings) -> Result<Outcome> {
    let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    anchor.require()?;
    // The ★ a row requires may come from the trust list's questions (its policy's rule).
    let trust = anchor.registry_trust_list(&registry)?;
    let suppliers = read_suppliers(&args.file, trust.policy.required_level_rule.as_ref())?;
    let webhook = match (&args.webhook, &args.webhook_secret) {
        (Some(url), Some(secret)) => Some(Webhook::new(url, secret)?),
        _ => None,
    };
    let interval = args.every.as_deref().map(parse_interval).transpose()?;
    let dir = match &args.state {
        Some(dir) => dir.clone(),
        None => state::default_dir(&args.file)?,
    };
    let mut stored = Stored::open(&dir, registry.base())?;
    if args.reset_alarm {
        stored.reset_alarm();
        stored.save()?;
        eprintln!(
            "警報を解除しました。次の確認から新しい基準になります / alarm reset: the next round starts a new baseline"
        );
    }
    let watch = Watch {
        suppliers,
        registry,
        anchor,
        webhook,
        json: args.json,
    };
    let Some(interval) = interval else {
        return watch.round(&mut stored);
    };
    let stop = stop_on_signal()?;
    loop {
        let outcome = match watch.round(&mut stored) {
            Ok(outcome) => outcome,
            // A registry out of reach for a round is said, and asked again next round, from
            // the state last saved (not from what the failed round had half updated).
            Err(error) => {
                eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
                stored = Stored::open(&dir, watch.registry.base())?;
                Outcome::Yes
            }
        };
        if matches!(outcome, Outcome::RegistryInconsistent) || wait(interval, &stop) {
            return Ok(outcome);
        }
    }
}

impl Watch {
    /// One round; the state is saved before any webhook is called and after.
    fn round(&self, stored: &mut Stored) -> Result<Outcome> {
        if let Some(alarm) = &stored.state.alarm {
            eprintln!(
                "!!! 登録機関の台帳の不整合を {} に検出済みです。`scs watch --reset-alarm` まで確認しません / the registry was found INCONSISTENT at {}: {} — refusing it until `scs watch --reset-alarm`",
                alarm.at, alarm.at, alarm.why
            );
            self.deliver(stored)?;
            return Ok(Outcome::RegistryInconsistent);
        }
        let trust = self.anchor.registry_trust_list(&self.registry)?;
        let signed = match signed_checkpoint(&self.registry, &trust)? {
            Ok(signed) => signed,
            Err(broken) => return self.alarm(stored, &broken),
        };
        let events = match self.proved_events(stored, &signed) {
            Ok(Ok(events)) => events,
            Ok(Err(broken)) => return self.alarm(stored, &broken),
            Err(error) => return self.withheld(stored, error),
        };
        stored.state.withheld_rounds = 0;
        let size = signed.checkpoint.size();
        let mut alerts = alerts::of_events(self.registry.base(), &events, &self.suppliers);
        for supplier in &self.suppliers {
            let view = self.company(supplier)?;
            let memory = stored
                .state
                .suppliers
                .entry(supplier.number.as_str().to_owned())
                .or_default();
            alerts.extend(alerts::of_standing(
                self.registry.base(),
                supplier,
                view.as_ref(),
                memory,
                now(),
                size,
            ));
        }
        for alert in &alerts {
            if stored.raise(alert, self.webhook.is_some()) {
                self.print(alert);
            }
        }
        stored.state.checkpoint = Some(signed.note);
        stored.state.cursor = size.checked_sub(1);
        stored.save()?;
        self.deliver(stored)
    }

    /// The events since the saved cursor, each proved in the log of `signed`, which is proved
    /// consistent with the saved checkpoint. `Err` when the registry, having signed a
    /// checkpoint, does not answer for it (see [`Watch::withheld`]); `Ok(Err(_))` when what it
    /// answers does not hold.
    fn proved_events(
        &self,
        stored: &Stored,
        signed: &SignedCheckpoint,
    ) -> Result<Result<Vec<ChangeEvent>, LogBreak>> {
        let Some(saved) = &stored.state.checkpoint else {
            // The first round is the baseline: what happened before it is history.
            return Ok(Ok(Vec::new()));
        };
        if let Err(broken) = signed.extends(&self.registry, saved)? {
            return Ok(Err(broken));
        }
        let size = signed.checkpoint.size();
        if size == 0 {
            return Ok(Ok(Vec::new()));
        }
        let events = self.events(stored.state.cursor, size)?;
        let operator = self.anchor.require()?;
        for event in &events {
            if let Err(broken) =
                proof::check_event(&self.registry, &signed.checkpoint, operator, event)?
            {
                return Ok(Err(broken));
            }
        }
        Ok(Ok(events))
    }

    /// A registry that signs a checkpoint but does not answer for it — no consistency proof,
    /// no feed, no entry or inclusion proof — is said on stderr for a round or two (it may be
    /// restarting); after [`WITHHELD_ROUNDS`] rounds running, it raises the alarm: a registry
    /// that forks its log could otherwise keep the watch blind by refusing to prove it.
    fn withheld(&self, stored: &mut Stored, error: anyhow::Error) -> Result<Outcome> {
        stored.state.withheld_rounds += 1;
        let rounds = stored.state.withheld_rounds;
        if rounds >= WITHHELD_ROUNDS {
            let why = format!(
                "登録機関が {rounds} 回続けて署名したチェックポイントの証明を出しません / the registry withheld the proofs of its signed checkpoint {rounds} rounds running: {}",
                format!("{error:#}").replace('\n', " ")
            );
            return self.alarm(stored, &LogBreak::Inconsistent(why));
        }
        stored.save()?;
        Err(error.context(format!(
            "the registry signed a checkpoint but did not answer for it ({rounds} of {WITHHELD_ROUNDS} rounds before the alarm)"
        )))
    }

    /// Raises the loudest alert and records it: every later round refuses this registry.
    fn alarm(&self, stored: &mut Stored, broken: &LogBreak) -> Result<Outcome> {
        let saved_size = stored
            .state
            .checkpoint
            .as_deref()
            .and_then(|note| note.lines().nth(1)?.parse().ok());
        let why = broken.to_string();
        let alert = Alert::registry_inconsistent(self.registry.base(), &why, saved_size);
        eprintln!("!!! {}", alert.line());
        if self.json {
            eprintln!("{}", serde_json::to_string(&alert)?);
        }
        stored.raise(&alert, self.webhook.is_some());
        stored.state.alarm = Some(Alarm { at: now(), why });
        stored.save()?;
        self.deliver(stored)?;
        Ok(Outcome::RegistryInconsistent)
    }

    /// The feed's events of the watched companies after `cursor`, up to the verified size.
    fn events(&self, cursor: Option<u64>, size: u64) -> Result<Vec<ChangeEvent>> {
        let mut events = Vec::new();
        for companies in self.suppliers.chunks(COMPANIES_PER_REQUEST) {
            let numbers: String = companies
                .iter()
                .map(|s| format!("&corporateNumber={}", s.number.as_str()))
                .collect();
            let mut after = cursor;
            while after.map_or(0, |a| a + 1) < size {
                let from = after.map_or_else(String::new, |a| format!("&after={a}"));
                let page: EventPage = serde_json::from_value(self.registry.get_json(&format!(
                    "/v1/events?limit={ENTRIES_PER_PAGE}{from}{numbers}"
                ))?)
                .context("the registry's change feed")?;
                events.extend(page.events.into_iter().filter(|e| e.log_index < size));
                match page.next {
                    Some(next) if after.is_none_or(|a| next > a) => after = Some(next),
                    _ => break,
                }
            }
        }
        events.sort_by_key(|e| e.log_index);
        Ok(events)
    }

    /// The company's organisation view (`None` when nothing is registered for it).
    fn company(&self, supplier: &Supplier) -> Result<Option<CompanyView>> {
        self.registry
            .get_json_optional(&format!("/v1/organizations/{}", supplier.number.as_str()))?
            .map(|view| {
                serde_json::from_value(view)
                    .with_context(|| format!("the registry's view of {}", supplier.number.as_str()))
            })
            .transpose()
    }

    fn print(&self, alert: &Alert) {
        if self.json {
            match serde_json::to_string(alert) {
                Ok(line) => say!("{line}"),
                Err(error) => eprintln!("error: {error}"),
            }
        } else {
            say!("{}", alert.line());
        }
    }

    /// Sends the alerts the webhook has not taken, in order, each until taken; exit 4 when some
    /// are left for the next round. An alert leaves `pending` only once the webhook took it,
    /// and the state is saved then: a watch killed between two deliveries sends the rest next
    /// round (at worst one alert twice, which its id lets the receiver drop; never none).
    fn deliver(&self, stored: &mut Stored) -> Result<Outcome> {
        let Some(webhook) = &self.webhook else {
            return Ok(Outcome::Yes);
        };
        while let Some(alert) = stored.state.pending.first() {
            if let Err(why) = webhook.deliver(alert) {
                eprintln!(
                    "error: webhook did not take alert {}: {why} — kept for the next round / 通知を送れませんでした（次回再送）",
                    alert.id
                );
                stored.save()?;
                return Ok(Outcome::NotDelivered);
            }
            stored.state.pending.remove(0);
            stored.save()?;
        }
        Ok(Outcome::Yes)
    }
}

/// The watched suppliers of the list; a row that cannot be read refuses the whole list (a
/// watch must not silently skip a supplier).
fn read_suppliers(
    path: &std::path::Path,
    rule: Option<&scs_core::trust_list::RequiredLevelRule>,
) -> Result<Vec<Supplier>> {
    let bytes = read_bounded(path, scs_suppliers::MAX_CSV_BYTES)?;
    let parsed = scs_suppliers::read_list(&bytes, rule).map_err(|e| {
        let why = e.message();
        anyhow!("{}: {} / {}", path.display(), why.ja, why.en)
    })?;
    if parsed.not_processed > 0 {
        bail!(
            "{}: more than {} suppliers / 取引先が {} 件を超えています",
            path.display(),
            scs_suppliers::MAX_ROWS,
            scs_suppliers::MAX_ROWS
        );
    }
    let mut suppliers: Vec<Supplier> = Vec::new();
    for row in &parsed.rows {
        let (number, required) = row.input.as_ref().map_err(|why| {
            anyhow!(
                "{} line {}: {} / {}",
                path.display(),
                row.line,
                why.ja,
                why.en
            )
        })?;
        let required = required.unwrap_or(Level::STAR3).get();
        match suppliers.iter_mut().find(|s| &s.number == number) {
            // Listed twice: the stricter requirement holds.
            Some(known) => known.required = known.required.max(required),
            None => suppliers.push(Supplier {
                number: *number,
                required,
            }),
        }
    }
    if suppliers.is_empty() {
        bail!(
            "{}: no supplier to watch / 取引先がありません",
            path.display()
        );
    }
    Ok(suppliers)
}

/// `30s`-free intervals: `10m`, `1h`, `90m`, within [`MIN_INTERVAL`]..=[`MAX_INTERVAL`].
fn parse_interval(text: &str) -> Result<Duration> {
    let bad = || {
        anyhow!("--every must look like 10m or 1h (1 minute to 24 hours), not {text} / --every は 10m や 1h の形で指定してください")
    };
    // Split before the last character, not the last byte: `10分` must be refused, not panic.
    let unit_at = text.char_indices().last().map_or(0, |(at, _)| at);
    let (number, unit) = text.split_at(unit_at);
    let count: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "m" => count.checked_mul(60),
        "h" => count.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(bad)?;
    let interval = Duration::from_secs(seconds);
    if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&interval) {
        return Err(bad());
    }
    Ok(interval)
}

/// A flag set by SIGINT or SIGTERM: the watch finishes its round, saves, and exits 0.
fn stop_on_signal() -> Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let stop = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Installed before the first round, so a signal during it is not lost.
    let (mut interrupt, mut terminate) = runtime.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    })?;
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        runtime.block_on(async {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        });
        flag.store(true, Ordering::SeqCst);
    });
    Ok(stop)
}

/// Waits `interval`, or less when `stop` is set: `true` when it is.
fn wait(interval: Duration, stop: &AtomicBool) -> bool {
    let step = Duration::from_millis(200);
    let mut waited = Duration::ZERO;
    while waited < interval {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(step);
        waited += step;
    }
    stop.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_minutes_or_hours_within_a_day() {
        assert_eq!(parse_interval("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_interval("24h").unwrap(), Duration::from_secs(86_400));
        for bad in [
            "30s",
            "0m",
            "25h",
            "m",
            "",
            "10",
            "-5m",
            "1d",
            "10分",
            "１０ｍ",
            "5時間",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }
}
