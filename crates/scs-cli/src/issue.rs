//! `scs issue`: sign ★ attainment credentials.

use anyhow::{anyhow, bail, Context, Result};
use scs_core::credential::{AssessmentMethod, Level};
use scs_core::lifecycle::RequestBody;
use scs_core::timestamp::CalendarDate;
use scs_core::trust_list::Policy;
use scs_issuer::{IssueParams, SubjectInput, ValidFor};
use serde_json::Value;

use crate::args::IssueArgs;
use crate::client::Registry;
use crate::config::{Name, Settings};
use crate::keys::{read_bounded, signing_key, Anchor};
use crate::trust::write_json;
use crate::{given_time, now, Outcome};

/// Largest subject file accepted (a batch of a few thousand companies).
const MAX_SUBJECT_BYTES: usize = 16 * 1024 * 1024;

/// `scs issue --key K --subject S --level N --out F`
pub fn run(args: &IssueArgs, settings: &Settings) -> Result<Outcome> {
    let level = parse_level(args.level)?;
    if let Some(qr) = &args.qr {
        crate::qr::check_out(qr)?;
    }
    let key = signing_key(settings, args.key.as_deref())?;
    let now = now();
    let registry = settings
        .registry_unless_offline(args.registry.as_deref(), args.offline)?
        .map(|setting| Registry::from_setting(&setting))
        .transpose()?;
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let trust_list_file = settings
        .get_path(Name::TrustList, args.trust_list.as_deref())
        .map(|setting| setting.path());
    let trust_list = match (&trust_list_file, &registry) {
        (Some(path), _) => Some(anchor.load_trust_list(path)?),
        (None, Some(registry)) => Some(anchor.registry_trust_list(registry)?),
        (None, None) => None,
    };
    let designated_name = match &trust_list {
        Some(list) => {
            let signer = list
                .authorise(&key.public().did_key(), level, Some(now))
                .map_err(|why| {
                    let why = why.message();
                    anyhow!("{} / {}", why.ja, why.en)
                })?;
            Some(signer.issuer.name.clone())
        }
        // ★3 and ★4 may be signed without a trust list (given --issuer-name); ★5 only for an
        // issuer a trust list designates for it, as no edition does yet.
        None if level == Level::STAR5 => bail!(
            "★5は指定機関一覧で★5に指定された発行者だけが発行できます（--trust-list か --registry を指定） / ★5 is issued only by an issuer the trust list designates for it: give --trust-list or --registry"
        ),
        None => None,
    };
    let issuer_name = args
        .issuer_name
        .clone()
        .or(designated_name)
        .ok_or_else(|| anyhow!("give --issuer-name, or --trust-list to take the name from it"))?;
    let params = IssueParams {
        issuer_name,
        level,
        method: args.method.as_deref().map(parse_method).transpose()?,
        criteria_version: args.criteria_version.clone(),
        assessed_on: args
            .assessed_on
            .as_deref()
            .map(CalendarDate::parse)
            .transpose()?,
        valid_from: given_time(args.valid_from.as_deref())?.unwrap_or(now),
        valid_for: args
            .valid_for
            .as_deref()
            .map(|t| {
                ValidFor::parse(t)
                    .ok_or_else(|| anyhow!("--valid-for must look like 1y, 3y or 365d: {t}"))
            })
            .transpose()?,
        status: Vec::new(),
        policy: trust_list.map(|t| t.policy).unwrap_or_else(Policy::default),
    };
    let text = read_bounded(&args.subject, MAX_SUBJECT_BYTES)?;
    let text = std::str::from_utf8(&text).context("subject file is not UTF-8")?;
    let subjects = SubjectInput::parse_many(text)?;
    let batch = text.trim_start().starts_with('[');
    if batch {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("cannot create folder {}", args.out.display()))?;
    }
    // Check every subject before signing or registering any, so a bad entry leaves no partial
    // batch.
    for (i, subject) in subjects.iter().enumerate() {
        if args.qr.is_some() && subject.id.is_some() {
            bail!("subject entry {i}: a credential naming the company's key (id) has no QR form; leave out --qr (企業の鍵を記載した証明書はQRコードにできません)");
        }
        scs_issuer::build(subject, &params, &key, scs_issuer::random_credential_id())
            .with_context(|| format!("subject entry {i}"))?;
    }
    let mut signed = Vec::with_capacity(subjects.len());
    let mut receipts = Vec::with_capacity(subjects.len());
    for (i, subject) in subjects.iter().enumerate() {
        let mut params = params.clone();
        if let Some(registry) = &registry {
            let reserved =
                registry.signed("/v1/status-allocations", &RequestBody::AllocateStatus, &key)?;
            params.status = serde_json::from_value(reserved["credentialStatus"].clone())
                .context("the registry's status allocation")?;
        }
        let credential = scs_issuer::issue(subject, &params, &key, now)
            .with_context(|| format!("subject entry {i}"))?;
        let receipt = match &registry {
            Some(registry) => {
                let body = RequestBody::Register {
                    credential: credential.clone(),
                };
                Some(registry.signed("/v1/credentials", &body, &key)?)
            }
            None => None,
        };
        signed.push(credential);
        receipts.push(receipt);
    }
    for ((subject, credential), receipt) in subjects.iter().zip(&signed).zip(receipts) {
        let path = if batch {
            let name = subject
                .corporate_number
                .map(|c| c.to_string())
                .or_else(|| subject.lei.clone())
                .unwrap_or_else(|| "credential".into());
            let id = credential["id"].as_str().unwrap_or_default();
            let short = id.rsplit('-').next().unwrap_or(id);
            args.out.join(format!("{name}-{short}.json"))
        } else {
            args.out.clone()
        };
        // A receipt beside the file is read as evidence about the credential in it: the one of
        // a credential this file held before would contradict the new one.
        let receipt_path = path.with_extension("receipt.json");
        let stale = scs_issuer::durable::remove_if_present(&receipt_path)
            .with_context(|| format!("cannot remove {}", receipt_path.display()))?;
        write_json(&path, credential)?;
        if let Some(qr) = &args.qr {
            let qr = if batch {
                crate::qr::beside(&path, qr)
            } else {
                qr.clone()
            };
            crate::qr::write_issued(credential, &key, &qr)?;
        }
        match receipt {
            Some(mut receipt) => {
                let index = receipt["logIndex"].clone();
                if let Some(map) = receipt.as_object_mut() {
                    map.remove("id");
                }
                write_json(&receipt_path, &receipt)?;
                crate::say!(
                    "registered / 登録済み: 台帳 ledger #{index}, receipt {}",
                    receipt_path.display()
                );
            }
            None if stale => crate::say!(
                "古い受領証 {0} を削除しました（前の証明書のもの） / removed {0}: the receipt of the credential this file held before",
                receipt_path.display()
            ),
            None => {}
        }
        crate::say!(
            "★{} {} → {}",
            level,
            credential["credentialSubject"]["legalName"]
                .as_str()
                .unwrap_or_default(),
            path.display()
        );
        // The id is what `scs revoke|suspend|reinstate` and the registry's pages take.
        crate::say!(
            "  証明書ID / credential id: {}",
            credential["id"].as_str().unwrap_or_default()
        );
    }
    Ok(Outcome::Yes)
}

/// 3, 4 or 5.
pub fn parse_level(n: u64) -> Result<Level> {
    Level::new(n).ok_or_else(|| anyhow!("★ level must be 3, 4 or 5, not {n}"))
}

fn parse_method(text: &str) -> Result<AssessmentMethod> {
    serde_json::from_value(Value::String(text.to_owned())).map_err(|_| {
        anyhow!("--method must be SelfAssessmentWithExpertConfirmation or ThirdPartyEvaluation")
    })
}
