//! `scs keygen`, and reading keys and bounded files for the other commands.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use scs_core::keys::DidKey;
use scs_issuer::keyfile;

use crate::args::KeygenArgs;
use crate::Outcome;

/// The operator key this build pins when `--operator-key` is not given. Until the scheme's
/// production operator key exists, it is the demo operator's; verifying against it prints a
/// warning.
pub const PINNED_OPERATOR_KEY: &str = include_str!("../../../keys/demo/operator.pub");

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

/// The operator key to trust: `--operator-key` (a file or a did:key), else the pinned one.
pub fn operator_key(given: Option<&str>) -> Result<(DidKey, bool)> {
    match given {
        Some(text) if text.starts_with("did:key:") => Ok((DidKey::parse(text)?, false)),
        Some(path) => Ok((keyfile::load_public(Path::new(path))?, false)),
        None => {
            let line = PINNED_OPERATOR_KEY
                .lines()
                .find(|l| l.starts_with("did:key:"))
                .unwrap_or_default();
            Ok((DidKey::parse(line)?, true))
        }
    }
}

/// Reads a file of at most `max` bytes, with the path in every error.
pub fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > max {
        bail!("{} is larger than {max} bytes", path.display());
    }
    Ok(bytes)
}
