//! The compact QR form (SPEC §6): `scs qr`, `scs issue --qr`, and `scs verify IMAGE` /
//! `scs verify --qr-text S`.
//!
//! The QR code carries its own COSE signature, made with the same issuer key as the JSON proof,
//! so drawing one from a credential file needs the issuer's key (`--key`). Its issued-at is the
//! JSON proof's `created`, so that both forms are judged at the same signing time.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::compact::{self, Encoded, Omitted, QR_V10_M_CHARS};
use scs_core::credential::AttainmentCredential;
use scs_core::keys::SecretKey;
use scs_core::proof::{self, ProofPurpose};
use scs_qr::{ImageKind, Symbol, DEFAULT_MODULE_PIXELS};
use scs_verifier::MAX_CREDENTIAL_BYTES;
use serde_json::Value;

use crate::args::VerifyArgs;
use crate::config::{Name, Settings};
use crate::keys::{read_bounded, signing_key, Anchor};
use crate::Outcome;

/// Largest image file `scs verify` reads (a 48-megapixel photo is about 20 MB as JPEG).
const MAX_IMAGE_BYTES: usize = 64 * 1024 * 1024;

/// `scs qr`
#[derive(Debug, Args)]
pub struct QrArgs {
    /// The signed credential JSON file (or a text file holding QR text `SCS1:…`, redrawn as it is).
    pub file: PathBuf,
    /// Where to draw it: FILE.png, FILE.svg, FILE.txt (the QR text), or - for the terminal.
    #[arg(long)]
    pub out: PathBuf,
    /// The issuer's secret key file: the QR code is signed (COSE) with the credential's own
    /// issuer key (or `key` in the config file).
    #[arg(long, env = "SCS_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The signed trust list: checks that the status entries sit under its registry base URL,
    /// from which a verifier of the QR code rebuilds them (or `trust_list` in the config file).
    #[arg(long, env = "SCS_TRUST_LIST", value_name = "FILE")]
    pub trust_list: Option<PathBuf>,
    /// The operator key that --trust-list must be signed by.
    #[command(flatten)]
    pub anchor: crate::args::AnchorArgs,
}

/// `scs qr FILE --out OUT`
pub fn run(args: &QrArgs, settings: &Settings) -> Result<Outcome> {
    let bytes = read_bounded(&args.file, MAX_CREDENTIAL_BYTES)?;
    let text = match std::str::from_utf8(&bytes).map(str::trim) {
        Ok(text) if text.starts_with(compact::PREFIX) => {
            compact::decode(text).with_context(|| format!("{}", args.file.display()))?;
            text.to_owned()
        }
        _ => {
            // The issuer's secret key signs the QR form of the credential.
            let key = signing_key(settings, args.key.as_deref())?;
            let credential = scs_verifier::parse_credential(&bytes)
                .map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
            let trust_list = settings.get_path(Name::TrustList, args.trust_list.as_deref());
            let registry_base = match trust_list {
                Some(setting) => Some(
                    Anchor::resolve(&args.anchor, settings)?
                        .load_trust_list(&setting.path())?
                        .registry
                        .base_url,
                ),
                None => None,
            };
            let encoded = encode(credential, &key, registry_base.as_deref())
                .with_context(|| format!("{}", args.file.display()))?;
            note_omitted(&encoded);
            encoded.text
        }
    };
    draw(&text, &args.out)?;
    Ok(Outcome::Yes)
}

/// `scs issue … --qr OUT`: the QR code of a credential just signed with `key`.
pub fn write_issued(credential: &Value, key: &SecretKey, out: &Path) -> Result<()> {
    let encoded = encode(credential.clone(), key, None)?;
    note_omitted(&encoded);
    draw(&encoded.text, out)
}

/// Checks the credential's JSON proof, that `key` made it, and signs its QR form.
fn encode(credential: Value, key: &SecretKey, registry_base: Option<&str>) -> Result<Encoded> {
    let (unsecured, info) = proof::verify(credential, ProofPurpose::AssertionMethod)
        .context("the credential's own signature does not verify")?;
    let did = key.public().did_key();
    if info.signer != did {
        bail!(
            "the credential is signed by {}, not by the given key {did}; the QR form must be signed by the same issuer key",
            info.signer
        );
    }
    let created = info
        .created
        .ok_or_else(|| anyhow!("the credential's proof has no created time"))?;
    let credential = AttainmentCredential::from_json(&unsecured)?;
    Ok(compact::encode_credential(
        &credential,
        created,
        key,
        registry_base,
    )?)
}

/// Says what a reader of the QR code will not see. (The issuer's name, when left out, is shown
/// from the trust list: the name `scs issue` writes by default, so that goes unsaid.)
fn note_omitted(encoded: &Encoded) {
    if encoded.omitted.contains(&Omitted::LegalNameEn) {
        eprintln!("note: QRコードを version 10 に収めるため英語名は入りません / to fit QR version 10, the English legal name is left out");
    }
}

/// What `--out`/`--qr` may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Terminal,
    Png,
    Svg,
    Text,
}

fn target(out: &Path) -> Result<Target> {
    if out.as_os_str() == "-" {
        return Ok(Target::Terminal);
    }
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match extension.as_deref() {
        Some("png") => Target::Png,
        Some("svg") => Target::Svg,
        Some("txt") => Target::Text,
        _ => bail!(
            "--qr/--out must end in .png, .svg or .txt, or be - for the terminal: {}",
            out.display()
        ),
    })
}

/// Refuses an output name `draw` would refuse, before anything is signed.
pub fn check_out(out: &Path) -> Result<()> {
    target(out).map(|_| ())
}

/// For a batch: the QR file beside the credential file `json`, in the format `qr` names.
pub fn beside(json: &Path, qr: &Path) -> PathBuf {
    match qr.extension() {
        Some(extension) => json.with_extension(extension),
        None => json.with_extension("png"),
    }
}

/// Draws `text` into `out` by its extension, or in the terminal for `-`.
fn draw(text: &str, out: &Path) -> Result<()> {
    let target = target(out)?;
    let symbol = Symbol::new(text)?;
    let summary = format!(
        "QR version {} (error correction M, {} characters{})",
        symbol.version(),
        text.len(),
        if text.len() > QR_V10_M_CHARS {
            ", larger than version 10: print it at least 4 cm wide"
        } else {
            ""
        }
    );
    let bytes = match target {
        Target::Terminal => {
            crate::emit(&format!("{}\n", symbol.to_terminal()));
            eprintln!("{summary}");
            return Ok(());
        }
        Target::Png => symbol.to_png(DEFAULT_MODULE_PIXELS)?,
        Target::Svg => symbol.to_svg().into_bytes(),
        Target::Text => format!("{text}\n").into_bytes(),
    };
    scs_issuer::durable::write(out, &bytes)
        .with_context(|| format!("cannot write {}", out.display()))?;
    crate::say!("{summary} → {}", out.display());
    Ok(())
}

/// The QR text `scs verify` was given: `--qr-text`, or in its FILE ([`compact_text_in`]).
pub fn compact_input(args: &VerifyArgs) -> Result<Option<String>> {
    match (&args.qr_text, &args.file) {
        (Some(_), Some(_)) => bail!("give either a FILE or --qr-text, not both"),
        (Some(text), None) => Ok(Some(text.clone())),
        (None, None) => Ok(None),
        (None, Some(file)) => compact_text_in(file),
    }
}

/// The QR text in `file`: a PNG or JPEG image of the code (found by its first bytes), or a text
/// file holding `SCS1:…`. `None` for anything else (a JSON credential).
pub fn compact_text_in(file: &Path) -> Result<Option<String>> {
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(file)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .with_context(|| format!("cannot read {}", file.display()))?;
    if ImageKind::sniff(&head).is_some() {
        let bytes = read_bounded(file, MAX_IMAGE_BYTES)?;
        let text = scs_qr::read_image(&bytes).with_context(|| format!("{}", file.display()))?;
        return Ok(Some(text));
    }
    if head
        .trim_ascii_start()
        .starts_with(compact::PREFIX.as_bytes())
    {
        let bytes = read_bounded(file, compact::MAX_TEXT_CHARS + 64)?;
        let text = String::from_utf8(bytes).context("QR text file is not UTF-8")?;
        return Ok(Some(text));
    }
    Ok(None)
}

/// `scs verify` of QR text: the same report as for the JSON credential.
pub fn verify(args: &VerifyArgs, settings: &Settings, text: &str) -> Result<Outcome> {
    let compact = compact::decode(text).map_err(|e| {
        anyhow!(
            "{}: {e}",
            args.file
                .as_ref()
                .map_or("--qr-text".into(), |f| f.display().to_string())
        )
    })?;
    let resolved = crate::verify::resolve(args, settings, Some(compact.claims().id.to_string()))?;
    let report = resolved.mark(
        resolved
            .verifier(resolved.status.as_ref())
            .verify_decoded_compact(&compact, &resolved.question),
    );
    crate::verify::print(args.json, &report)?;
    Ok(crate::verify::outcome(report.verdict))
}
