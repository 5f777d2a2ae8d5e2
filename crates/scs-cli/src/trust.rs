//! `scs trust-list …` (editions: new, add-issuer, set-issuer, withdraw-issuer, rotate-key,
//! compromise-key, next; sign), and
//! loading a signed trust list for other commands.

use std::path::Path;

use anyhow::{bail, Context, Result};
use scs_core::credential::Level;
use scs_core::json::parse_strict;
use scs_core::keys::DidKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::{
    IssuerAbout, IssuerContact, RegistryInfo, TrustList, MAX_TRUST_LIST_BYTES,
};
use serde_json::Value;

use crate::args::{
    IssuerAboutArgs, TrustListAddIssuerArgs, TrustListCompromiseKeyArgs, TrustListNewArgs,
    TrustListNextArgs, TrustListRotateKeyArgs, TrustListSetIssuerArgs, TrustListSignArgs,
    TrustListWithdrawArgs,
};
use crate::config::Settings;
use crate::keys::{load_secret, parse_public_key, read_bounded, Anchor};
use crate::{given_time, now, Outcome};

/// `scs trust-list new --base-url URL --status-key S.pub --log-key L.pub --out edition.json`
pub fn new_edition(args: &TrustListNewArgs) -> Result<Outcome> {
    let base_url = args.base_url.trim_end_matches('/');
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        bail!("--base-url {base_url} is not an http(s) URL");
    }
    let registry = RegistryInfo {
        base_url: base_url.to_owned(),
        status_key: parse_public_key(&args.status_key)
            .context("--status-key")?
            .to_string(),
        log_key: parse_public_key(&args.log_key)
            .context("--log-key")?
            .to_string(),
    };
    let edition = TrustList::first_edition(registry)?;
    create_edition(&args.out, &edition)?;
    crate::say!(
        "edition 1 for {base_url}, no issuers yet → {}",
        args.out.display()
    );
    Ok(Outcome::Yes)
}

/// `scs trust-list add-issuer edition.json --issuer I.pub --name 名称 --level 4`
pub fn add_issuer(args: &TrustListAddIssuerArgs) -> Result<Outcome> {
    let mut edition = read_edition(&args.edition)?;
    let key = parse_public_key(&args.issuer).context("--issuer")?;
    let levels = args
        .levels
        .iter()
        .map(|l| Level::new(*l).with_context(|| format!("--level {l}: ★3, ★4 or ★5")))
        .collect::<Result<Vec<_>>>()?;
    let from = given_time(args.from.as_deref())?.unwrap_or_else(now);
    let about = args.about.over(IssuerAbout {
        name: args.name.clone(),
        ..IssuerAbout::default()
    });
    edition.designate(&key, about, &levels, from)?;
    rewrite_edition(&args.edition, &edition)?;
    crate::say!(
        "designated {} ({key}) for {} from {from} in edition {} → {}",
        args.name,
        stars(&levels),
        edition.sequence,
        args.edition.display()
    );
    Ok(Outcome::Yes)
}

/// `scs trust-list set-issuer edition.json --issuer I.pub [--name-en …] [--email …] [--phone …]
/// [--url …]`
pub fn set_issuer(args: &TrustListSetIssuerArgs) -> Result<Outcome> {
    let mut edition = read_edition(&args.edition)?;
    let key = parse_public_key(&args.issuer).context("--issuer")?;
    let Some(current) = edition.issuer(&key) else {
        bail!(
            "{key} is not in this edition: designate it with add-issuer \
             (この版にない発行者です。add-issuer で指定してください)"
        );
    };
    let mut about = args.about.over(current.about());
    if let Some(name) = &args.name {
        about.name = name.clone();
    }
    let name = about.name.clone();
    edition.describe(&key, about)?;
    rewrite_edition(&args.edition, &edition)?;
    crate::say!(
        "updated {name} ({key}) in edition {} → {}",
        edition.sequence,
        args.edition.display()
    );
    Ok(Outcome::Yes)
}

impl IssuerAboutArgs {
    /// `about` with the members given here set.
    fn over(&self, mut about: IssuerAbout) -> IssuerAbout {
        if let Some(en) = &self.name_en {
            about.name_en = Some(en.clone());
        }
        if self.email.is_some() || self.phone.is_some() {
            let contact = about.contact.get_or_insert_with(IssuerContact::default);
            if let Some(email) = &self.email {
                contact.email = Some(email.clone());
            }
            if let Some(phone) = &self.phone {
                contact.phone = Some(phone.clone());
            }
        }
        if let Some(url) = &self.url {
            about.url = Some(url.clone());
        }
        about
    }
}

/// `scs trust-list withdraw-issuer edition.json --issuer I.pub [--since …]`
pub fn withdraw_issuer(args: &TrustListWithdrawArgs) -> Result<Outcome> {
    let mut edition = read_edition(&args.edition)?;
    let key = parse_public_key(&args.issuer).context("--issuer")?;
    let since = given_time(args.since.as_deref())?.unwrap_or_else(now);
    let compromised = given_time(args.compromised_since.as_deref())?;
    edition.withdraw(&key, since, compromised)?;
    rewrite_edition(&args.edition, &edition)?;
    crate::say!(
        "withdrew {key} from {since}{} in edition {} → {}",
        compromised.map_or(String::new(), |t| format!(", compromised since {t}")),
        edition.sequence,
        args.edition.display()
    );
    Ok(Outcome::Yes)
}

/// `scs trust-list rotate-key edition.json --issuer OLD.pub --new-key NEW.pub [--from …]
/// [--compromised-since …]`
pub fn rotate_key(args: &TrustListRotateKeyArgs) -> Result<Outcome> {
    let mut edition = read_edition(&args.edition)?;
    let key = parse_public_key(&args.issuer).context("--issuer")?;
    let new = parse_public_key(&args.new_key).context("--new-key")?;
    let from = given_time(args.from.as_deref())?.unwrap_or_else(now);
    // Dated in the past, the rotation would void what the old key signed since, which the
    // registry may already have taken: a key's use is ended in the past only by declaring it
    // compromised.
    if from.unix() < now().unix() - 60 {
        bail!(
            "--from {from} は過去です。鍵の切り替えは現在以降に行い、過去にさかのぼる場合は --compromised-since で漏えいを宣言してください / --from {from} is in the past: a rotation takes effect now or later; to end a key's use earlier, declare it compromised (--compromised-since)"
        );
    }
    let compromised = given_time(args.compromised_since.as_deref())?;
    edition.rotate_key(&key, &new, from, compromised)?;
    rewrite_edition(&args.edition, &edition)?;
    crate::say!(
        "{new} replaces the current key of {key}'s issuer from {from}{} in edition {} → {}",
        compromised.map_or(String::new(), |t| format!(
            "; the old key is compromised since {t}"
        )),
        edition.sequence,
        args.edition.display()
    );
    Ok(Outcome::Yes)
}

/// `scs trust-list compromise-key edition.json --key K.pub --since …`
pub fn compromise_key(args: &TrustListCompromiseKeyArgs) -> Result<Outcome> {
    let mut edition = read_edition(&args.edition)?;
    let key = parse_public_key(&args.key).context("--key")?;
    let since = Timestamp::parse_lenient(&args.since).context("--since")?;
    edition.declare_compromised(&key, since)?;
    rewrite_edition(&args.edition, &edition)?;
    crate::say!(
        "{key} is compromised since {since} in edition {} → {}",
        edition.sequence,
        args.edition.display()
    );
    Ok(Outcome::Yes)
}

/// `scs trust-list next trust-list.json --out edition.json`
pub fn next_edition(args: &TrustListNextArgs, settings: &Settings) -> Result<Outcome> {
    let anchor = Anchor::resolve(&args.anchor, settings)?;
    let current = anchor.load_trust_list(&args.trust_list)?;
    let next = current.next_edition()?;
    create_edition(&args.out, &next)?;
    crate::say!(
        "edition {} (from edition {}) → {}",
        next.sequence,
        current.sequence,
        args.out.display()
    );
    Ok(Outcome::Yes)
}

/// Reads an unsigned edition: strict JSON (no repeated member names), the subject's shape.
fn read_edition(path: &Path) -> Result<TrustList> {
    let text = read_bounded(path, MAX_TRUST_LIST_BYTES)?;
    parse_strict(&text, MAX_TRUST_LIST_BYTES)
        .map_err(anyhow::Error::from)
        .and_then(|value| Ok(serde_json::from_value::<TrustList>(value)?))
        .with_context(|| format!("{} is not a trust list edition", path.display()))
}

/// Writes a new edition file; an existing file is never overwritten.
fn create_edition(path: &Path, edition: &TrustList) -> Result<()> {
    scs_issuer::durable::create_new(path, &edition_text(edition)?, 0o644)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Rewrites the edition being edited.
fn rewrite_edition(path: &Path, edition: &TrustList) -> Result<()> {
    edition.check()?;
    scs_issuer::durable::write(path, &edition_text(edition)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn edition_text(edition: &TrustList) -> Result<Vec<u8>> {
    let mut text = serde_json::to_vec_pretty(edition)?;
    text.push(b'\n');
    Ok(text)
}

/// `★3, ★4`
fn stars(levels: &[Level]) -> String {
    let stars: Vec<String> = levels.iter().map(|l| format!("★{}", l.get())).collect();
    stars.join(", ")
}

/// `scs trust-list sign --key operator.key --in edition.json --out trust-list.json`
pub fn sign(args: &TrustListSignArgs) -> Result<Outcome> {
    let operator = load_secret(&args.key)?.key;
    let edition = read_edition(&args.input)?;
    edition.check()?;
    let did = operator.public().did_key();
    if let Some(previous) = &args.previous {
        let previous = load(previous, &did)?;
        if edition.sequence <= previous.sequence {
            bail!(
                "sequence {} is not greater than the previous edition's {}",
                edition.sequence,
                previous.sequence
            );
        }
    }
    let signed_at = now();
    let valid_until = given_time(args.valid_until.as_deref())?;
    if let Some(until) = valid_until.filter(|until| *until <= signed_at) {
        bail!("--valid-until {until} is not after now ({signed_at})");
    }
    let document = edition.to_credential_until(&did, signed_at, valid_until);
    let signed = proof::sign(
        document,
        &operator,
        signed_at,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )?;
    write_json(&args.out, &signed)?;
    crate::say!(
        "signed trust list edition {} with {} issuer(s) → {}",
        edition.sequence,
        edition.issuers.len(),
        args.out.display()
    );
    Ok(Outcome::Yes)
}

/// Reads and verifies a signed trust list against the operator key.
pub fn load(path: &Path, operator: &DidKey) -> Result<TrustList> {
    let bytes = read_bounded(path, MAX_TRUST_LIST_BYTES)?;
    TrustList::from_signed_bytes(&bytes, operator).with_context(|| format!("{}", path.display()))
}

/// Writes pretty JSON with a trailing newline, durably (a credential or receipt the user was
/// told is saved survives a power cut).
pub fn write_json(path: &Path, value: &Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    scs_issuer::durable::write(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
