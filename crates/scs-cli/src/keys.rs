//! `scs keygen`, and reading keys and bounded files for the other commands.

use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use scs_core::keys::DidKey;
use scs_core::report::{Message, TrustAnchor};
use scs_core::trust_list::TrustList;
use scs_issuer::keyfile;

use crate::args::{AnchorArgs, KeygenArgs};
use crate::client::Registry;
use crate::config::{refuse_demo_operator, Name, Origin, Settings};
use crate::Outcome;

/// The demo operator's did:key (`keys/demo/operator.pub`, built in). Its secret key is in the
/// repository, so anyone can sign a trust list with it: it is trusted only when `--demo` asks
/// for it, and a registry refuses it without `serve --demo`.
pub fn demo_operator() -> Result<DidKey> {
    Ok(scs_registry::demo_keys::DemoFile::OperatorPublic.public()?)
}

/// The operator key to trust, from `--operator-key` (or `SCS_OPERATOR_KEY`) or `--demo`.
#[derive(Debug, Clone)]
pub enum Anchor {
    /// Given or configured by the user.
    Configured(DidKey),
    /// The demo operator's, asked for with `--demo`.
    Demo(DidKey),
    /// None: no trust list can be trusted.
    Missing,
}

impl Anchor {
    /// Resolves `--operator-key` (or `SCS_OPERATOR_KEY`, or `operator_key` in the config file)
    /// and `--demo`; both at once is a contradiction, not a choice.
    pub fn resolve(args: &AnchorArgs, settings: &Settings) -> Result<Self> {
        let given = settings.get(Name::OperatorKey, args.operator_key.as_deref());
        match (given, args.demo) {
            (Some(given), true) => bail!(
                "--demo trusts the demo operator key and cannot be combined with an operator key ({}; unset it to try the demo) / --demo は運営主体の鍵の指定（{}）と同時に使えません",
                given.origin(),
                given.origin()
            ),
            // The demo key given as if it were the operator's (a leftover SCS_OPERATOR_KEY, say)
            // is still the demo key: anyone can sign with it, so the verdict says so. In the
            // config file it is refused: the demo is trusted only when a command asks for it.
            (Some(given), false) => {
                let key = parse_public_key(&given.value)
                    .with_context(|| format!("the operator key ({})", given.origin()))?;
                if let Origin::File(_) = given.origin {
                    refuse_demo_operator(&key)
                        .with_context(|| format!("the operator key ({})", given.origin()))?;
                }
                let demo = demo_operator()?;
                Ok(if key == demo {
                    Self::Demo(key)
                } else {
                    Self::Configured(key)
                })
            }
            (None, true) => Ok(Self::Demo(demo_operator()?)),
            (None, false) => Ok(Self::Missing),
        }
    }

    /// The key, if one was given.
    pub fn key(&self) -> Option<&DidKey> {
        match self {
            Self::Configured(key) | Self::Demo(key) => Some(key),
            Self::Missing => None,
        }
    }

    /// The key, or the one-line error saying how to give one.
    pub fn require(&self) -> Result<&DidKey> {
        self.key().ok_or_else(|| {
            let why = missing_anchor();
            anyhow!("{} / {}", why.ja, why.en)
        })
    }

    /// What the report says about it.
    pub fn kind(&self) -> TrustAnchor {
        match self {
            Self::Configured(_) => TrustAnchor::Configured,
            Self::Demo(_) => TrustAnchor::Demo,
            Self::Missing => TrustAnchor::None,
        }
    }

    /// Reads and verifies a signed trust list file against this anchor, naming the demo key
    /// in the error when that is what it was checked against.
    pub fn load_trust_list(&self, path: &Path) -> Result<TrustList> {
        let list = crate::trust::load(path, self.require()?);
        self.name_demo(list)
    }

    /// Fetches and verifies a registry's trust list against this anchor.
    pub fn registry_trust_list(&self, registry: &Registry) -> Result<TrustList> {
        let list = registry.trust_list(self.require()?);
        self.name_demo(list)
    }

    fn name_demo<T>(&self, result: Result<T>) -> Result<T> {
        match self {
            Self::Demo(_) => result
                .context("checked against the DEMO operator key (デモ用の鍵) that --demo trusts"),
            Self::Configured(_) | Self::Missing => result,
        }
    }
}

/// Why no trust list could be trusted, and how to give the operator key.
pub fn missing_anchor() -> Message {
    Message::new(
        "運営主体の鍵が指定されていないため、指定機関一覧（trust list）を確認できません。--operator-key（.pub ファイルか did:key）、環境変数 SCS_OPERATOR_KEY、または `scs config set operator_key KEY` で指定してください（デモを試すときは --demo）",
        "no operator key given, so the trust list cannot be checked: give --operator-key (a .pub file or a did:key), set SCS_OPERATOR_KEY, or run `scs config set operator_key KEY` (or pass --demo to try the demo)",
    )
}

/// A public key given by the user: a did:key string, or the path of a public key file.
pub fn parse_public_key(given: &str) -> Result<DidKey> {
    if given.starts_with("did:key:") {
        Ok(DidKey::parse(given)?)
    } else {
        Ok(keyfile::load_public(Path::new(given))?)
    }
}

/// `scs keygen --out NAME`
pub fn keygen(args: &KeygenArgs) -> Result<Outcome> {
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let (secret, public, did) = keyfile::generate(&args.out, args.demo_mark)?;
    // The secret itself is never printed.
    crate::say!("secret key: {} (mode 0600)", secret.display());
    crate::say!("public key: {}", public.display());
    crate::say!("{did}");
    Ok(Outcome::Yes)
}

/// Loads a secret key file; warns on stderr when it is a demo key.
pub fn load_secret(path: &Path) -> Result<keyfile::LoadedKey> {
    let loaded = keyfile::load_secret(path)?;
    if loaded.is_demo {
        eprintln!(
            "warning: {} is a DEMO key (デモ用の鍵です) — for trying things out only",
            path.display()
        );
    }
    Ok(loaded)
}

/// The secret key that signs: `--key`, else `SCS_KEY`, else `key` in the config file.
pub fn signing_key(settings: &Settings, given: Option<&Path>) -> Result<scs_core::keys::SecretKey> {
    let setting = settings.require(Name::Key, given.map(|p| p.to_string_lossy()).as_deref())?;
    Ok(load_secret(&setting.path())?.key)
}

/// Reads a file of at most `max` bytes, with the path in every error.
pub fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Sized from the file's length (up to the bound) so that a large file is not copied again
    // and again as the buffer grows; the bound still holds if the file grows meanwhile.
    let expected = file.metadata().map_or(0, |m| m.len()).min(max as u64 + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > max {
        bail!("{} is larger than {max} bytes", path.display());
    }
    Ok(bytes)
}
