//! `scs verify`: the checks of SPEC §8 on one credential.

use anyhow::{anyhow, bail, Context, Result};
use scs_core::ids::CorporateNumber;
use scs_core::ids::CredentialId;
use scs_core::report::{Check, PresentationReport, Report, TrustAnchor, Verdict};
use scs_core::trust_list::TrustList;
use scs_verifier::presentation::{self, Expected, MAX_PRESENTATION_BYTES};
use scs_verifier::receipt::{self, Receipt, WithReceipt};
use scs_verifier::{
    OfflineStatusLists, Question, StatusSource, Verifier, MAX_CREDENTIAL_BYTES,
    MAX_STATUS_LIST_BYTES,
};

use crate::args::VerifyArgs;
use crate::client::{OnlineStatus, Registry};
use crate::config::{Name, Settings};
use crate::issue::parse_level;
use crate::keys::{missing_anchor, read_bounded, Anchor};
use crate::{given_time, now, render, Outcome};

/// What `scs verify` trusts and asks, resolved from its flags.
pub struct Resolved {
    /// The question.
    pub question: Question,
    /// The trust list, checked against the operator key.
    pub trust_list: Option<TrustList>,
    /// Where status answers come from.
    pub status: Box<dyn StatusSource>,
    /// The operator key the trust list was checked against, when a trust list was asked for
    /// (`TrustAnchor::None` when none could be, for want of a key).
    pub anchor: Option<TrustAnchor>,
    /// With `--bundle`: how old its data is, a check of the report (undecided when too old).
    pub freshness: Option<Check>,
}

impl Resolved {
    /// The verifier for these flags, asking `status` (this status source, or one that also
    /// dates the registration): without an operator key, a trust list asked for cannot be
    /// trusted and the issuer check is undecided.
    pub fn verifier<'a>(&'a self, status: &'a dyn StatusSource) -> Verifier<'a> {
        match self.anchor {
            Some(TrustAnchor::None) => Verifier::without_trust_anchor(status, missing_anchor()),
            _ => Verifier::new(self.trust_list.as_ref(), status).requiring_edition_in_force(),
        }
    }

    /// The report, saying which operator key its trust list was checked against.
    pub fn mark(&self, report: Report) -> Report {
        let report = match &self.freshness {
            Some(check) => report.with_check(check.clone()),
            None => report,
        };
        match self.anchor {
            Some(anchor) => report.with_trust_anchor(anchor),
            None => report,
        }
    }
}

/// Resolves flags: time, level, 法人番号, trust list (file or registry), status source.
pub fn resolve(
    args: &VerifyArgs,
    settings: &Settings,
    credential_id: Option<String>,
) -> Result<Resolved> {
    let question = Question {
        at: given_time(args.at.as_deref())?.unwrap_or_else(now),
        now: now(),
        min_level: args.min_level.map(parse_level).transpose()?,
        corporate_number: args
            .corporate_number
            .as_deref()
            .map(CorporateNumber::parse)
            .transpose()?,
    };
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    if let Some(path) = &args.bundle {
        let (bundle, freshness) =
            crate::bundle::load(path, &anchor, args.max_age.as_deref(), question.now)?;
        return Ok(Resolved {
            question,
            trust_list: Some(bundle.trust_list),
            status: crate::bundle::status_source(bundle.status, &freshness),
            anchor: Some(anchor.kind()),
            freshness: Some(freshness),
        });
    }
    let registry = settings
        .registry_unless_offline(args.registry.as_deref(), args.offline)?
        .map(|setting| Registry::from_setting(&setting))
        .transpose()?;
    let trust_list_file = settings
        .get_path(Name::TrustList, args.trust_list.as_deref())
        .map(|setting| setting.path());
    let wanted = trust_list_file.is_some() || registry.is_some();
    let trust_list = match (&trust_list_file, &registry, anchor.key()) {
        (_, _, None) => None,
        (Some(path), _, Some(_)) => Some(anchor.load_trust_list(path)?),
        (None, Some(registry), Some(_)) => Some(anchor.registry_trust_list(registry)?),
        (None, None, Some(_)) => None,
    };
    let status: Box<dyn StatusSource> = match (registry, &trust_list) {
        (Some(registry), Some(list)) => Box::new(OnlineStatus::new(registry, list, credential_id)),
        // No list can be trusted, so no status list can be authenticated either.
        _ if wanted && trust_list.is_none() => Box::new(OfflineStatusLists::none()),
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
        anchor: wanted.then(|| anchor.kind()),
        freshness: None,
    })
}

/// `scs verify FILE …`
pub fn run(args: &VerifyArgs, settings: &Settings) -> Result<Outcome> {
    if let Some(text) = crate::qr::compact_input(args)? {
        return crate::qr::verify(args, settings, &text);
    }
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| anyhow!("give the credential file to verify"))?;
    let bytes = read_bounded(file, MAX_PRESENTATION_BYTES)?;
    let parsed = scs_core::json::parse_strict(&bytes, MAX_PRESENTATION_BYTES).ok();
    if parsed.as_ref().is_some_and(presentation::is_presentation) {
        return verify_presentation(args, settings, file, &bytes);
    }
    if args.challenge.is_some() || args.domain.is_some() || args.holder_binding {
        bail!("--challenge, --domain and --holder-binding are for a presentation, and {} is not one (提示ではありません)", file.display());
    }
    if bytes.len() > MAX_CREDENTIAL_BYTES {
        bail!(
            "{} is larger than {MAX_CREDENTIAL_BYTES} bytes",
            file.display()
        );
    }
    let credential =
        scs_verifier::parse_credential(&bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let resolved = resolve(args, settings, credential["id"].as_str().map(str::to_owned))?;
    let receipt_path = args.receipt.clone().or_else(|| {
        let default = file.with_extension("receipt.json");
        default.exists().then_some(default)
    });
    let ledger = match &receipt_path {
        Some(path) => Some(receipt::ledger_check(
            &credential,
            &read_receipt(path)?,
            resolved.trust_list.as_ref(),
        )),
        None => None,
    };
    // A checked receipt dates the registration: evidence the issuer check needs once the
    // issuer's own word on when it signed has ended (withdrawal, compromise).
    let dated = match (&ledger, credential["id"].as_str().map(CredentialId::parse)) {
        (Some((_, Some(included))), Some(Ok(id))) => Some(WithReceipt {
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
    let mut report = resolved
        .verifier(status)
        .verify(credential, &resolved.question);
    // The receipt is evidence like the rest: its check joins the others and the verdict.
    if let Some((check, _)) = ledger {
        report = report.with_check(check);
    }
    let report = resolved.mark(report);
    print(args.json, &report)?;
    Ok(outcome(report.verdict))
}

/// `scs verify VP.json`: the presentation's own checks (its proof for the `--challenge` and
/// `--domain` asked, `--holder-binding`), then each credential in it verified as if given alone.
fn verify_presentation(
    args: &VerifyArgs,
    settings: &Settings,
    file: &std::path::Path,
    bytes: &[u8],
) -> Result<Outcome> {
    if args.receipt.is_some() {
        bail!("--receipt is for one credential, not a presentation (受領証は証明書 1 件用です)");
    }
    let presented =
        presentation::parse_presentation(bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let expected = Expected {
        challenge: args.challenge.clone(),
        domain: args.domain.clone(),
        holder_binding: args.holder_binding,
    };
    let opened = presentation::open(presented, &expected);
    let single_id = match opened.credentials.as_slice() {
        [one] => one["id"].as_str().map(str::to_owned),
        _ => None,
    };
    let resolved = resolve(args, settings, single_id)?;
    let verifier = resolved.verifier(resolved.status.as_ref());
    let reports = opened
        .credentials
        .into_iter()
        .map(|credential| resolved.mark(verifier.verify(credential, &resolved.question)))
        .collect();
    let report = PresentationReport::new(opened.checks, reports);
    if args.json {
        crate::say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        crate::emit(&render::presentation(&report));
    }
    Ok(outcome(report.verdict))
}

/// Exit 0 only for `valid`.
pub fn outcome(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Valid => Outcome::Yes,
        Verdict::Invalid | Verdict::Unknown => Outcome::No,
    }
}

fn read_receipt(path: &std::path::Path) -> Result<Receipt> {
    serde_json::from_slice(&read_bounded(path, 1024 * 1024)?)
        .with_context(|| format!("{} is not a registration receipt", path.display()))
}

/// Prints the report: for people, or as JSON.
pub fn print(json: bool, report: &Report) -> Result<()> {
    if json {
        crate::say!("{}", serde_json::to_string_pretty(report)?);
    } else {
        crate::emit(&render::human(report));
    }
    Ok(())
}
