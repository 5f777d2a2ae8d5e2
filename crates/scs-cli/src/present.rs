//! `scs present`: a company presents its credentials to one buyer, signing the presentation
//! with its own key for the buyer's challenge and domain (SPEC §8 "Presentations").

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use scs_core::presentation::{self, Audience};
use scs_core::vcdm::MAX_PRESENTED_CREDENTIALS;
use scs_verifier::MAX_CREDENTIAL_BYTES;
use serde_json::Value;

use crate::keys::{load_secret, read_bounded};
use crate::trust::write_json;
use crate::{now, Outcome};

/// `scs present`
#[derive(Debug, Args)]
pub struct PresentArgs {
    /// The credential files (JSON) to present.
    #[arg(required = true, num_args = 1..)]
    pub credentials: Vec<PathBuf>,
    /// The company's secret key file (`scs keygen`): the key its credentials name as
    /// `credentialSubject.id`.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The buyer's challenge (a one-time value the buyer gave you).
    #[arg(long)]
    pub challenge: String,
    /// The buyer's domain, when it asked for one (e.g. buyer.example.co.jp).
    #[arg(long)]
    pub domain: Option<String>,
    /// Where to write the presentation (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `scs present CRED… --key K --challenge C [--domain D] --out VP`
pub fn run(args: &PresentArgs) -> Result<Outcome> {
    if args.challenge.trim().is_empty() {
        bail!("--challenge is empty: give the buyer's challenge (チャレンジが空です)");
    }
    if args.credentials.len() > MAX_PRESENTED_CREDENTIALS {
        bail!(
            "at most {MAX_PRESENTED_CREDENTIALS} credentials in one presentation (一度に提示できる証明書は {MAX_PRESENTED_CREDENTIALS} 件までです)"
        );
    }
    let key = load_secret(&args.key)?.key;
    let holder = key.public().did_key();
    let mut credentials = Vec::with_capacity(args.credentials.len());
    for path in &args.credentials {
        let credential = scs_verifier::parse_credential(&read_bounded(path, MAX_CREDENTIAL_BYTES)?)
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        match named_holder(&credential) {
            Some(named) if !holder.is_did(named) => bail!(
                "{}: the credential names {named} as the company's key, not {holder} (証明書の企業の鍵と --key が異なります)",
                path.display()
            ),
            Some(_) => {}
            None => eprintln!(
                "warning: {} names no company key (credentialSubject.id): a buyer asking for holder binding will refuse it (企業の鍵が記載されていない証明書です)",
                path.display()
            ),
        }
        if credential.get("proof").is_none() {
            bail!(
                "{}: the credential is not signed (署名がありません)",
                path.display()
            );
        }
        credentials.push(credential);
    }
    let audience = Audience {
        challenge: &args.challenge,
        domain: args.domain.as_deref(),
    };
    let signed = presentation::sign(credentials, &key, &audience, now())?;
    write_json(&args.out, &signed)?;
    crate::say!(
        "提示を作成しました / presentation written: {} (提示者 holder {holder})",
        args.out.display()
    );
    Ok(Outcome::Yes)
}

/// The company key a credential names, `credentialSubject.id`.
fn named_holder(credential: &Value) -> Option<&str> {
    credential.get("credentialSubject")?.get("id")?.as_str()
}
