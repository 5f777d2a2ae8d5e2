//! Key files.
//!
//! `NAME.key` holds the Multikey secret (`z3u2…`, multicodec 0x8026) after `#` comment lines; it
//! is created with mode 0600 and refused when group or others can read it, as ssh does.
//! `NAME.pub` holds the `did:key`. Both are created, never replaced, and synced with their
//! directory ([`durable::create_new`]). Demo keys carry the [`DEMO_MARK`] comment so that the
//! registry and the CLI can tell them apart and refuse them outside `--demo`.

use std::fs;
use std::path::{Path, PathBuf};

use scs_core::keys::{DidKey, KeyError, SecretKey};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::durable;

/// The comment that marks a demo or test key.
pub const DEMO_MARK: &str = "# DEMO KEY";

/// Why a key file could not be read or written. The causes are in the message and not
/// `source`s, which callers print after it (the CLI printed each reason twice).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// Reading or writing failed.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The file's contents are not a key.
    #[error("{path}: {cause}")]
    Key {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: KeyError,
    },
    /// A secret key readable by group or others.
    #[error("{0}: secret key file is readable by others (mode {1:o}); run chmod 600")]
    TooOpen(PathBuf, u32),
    /// Refusing to overwrite an existing key.
    #[error("{0} already exists; refusing to overwrite a key")]
    Exists(PathBuf),
}

/// A secret key read from a file, with whether it is marked as a demo key.
#[derive(Debug)]
pub struct LoadedKey {
    /// The key.
    pub key: SecretKey,
    /// Carries [`DEMO_MARK`].
    pub is_demo: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |cause| KeyFileError::Io {
        path: path.to_owned(),
        cause,
    }
}

/// The non-comment line of a key file.
fn body(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("")
}

/// Generates a key pair into `OUT.key` (0600) and `OUT.pub`. Never overwrites.
pub fn generate(out: &Path, demo: bool) -> Result<(PathBuf, PathBuf, DidKey), KeyFileError> {
    let seed = Zeroizing::new(crate::random_bytes::<32>());
    let key = SecretKey::from_seed(&seed);
    write_pair(out, &key, demo)
}

/// Writes `key` as `OUT.key` (0600) and `OUT.pub`. Never overwrites.
pub fn write_pair(
    out: &Path,
    key: &SecretKey,
    demo: bool,
) -> Result<(PathBuf, PathBuf, DidKey), KeyFileError> {
    let secret_path = with_suffix(out, "key");
    let public_path = with_suffix(out, "pub");
    for path in [&secret_path, &public_path] {
        if path.exists() {
            return Err(KeyFileError::Exists(path.clone()));
        }
    }
    let did = key.public().did_key();
    let header = if demo {
        format!("{DEMO_MARK}: for demos and tests only. `scs serve` refuses it without --demo.\n")
    } else {
        "# SCS Ed25519 secret key (Multikey). Keep it private: mode 0600, never share.\n".to_owned()
    };
    let secret = Zeroizing::new(format!("{header}{}\n", key.to_multikey().as_str()));
    durable::create_new(&secret_path, secret.as_bytes(), 0o600).map_err(io(&secret_path))?;
    let public_header = if demo {
        format!("{DEMO_MARK}: public half.\n")
    } else {
        String::new()
    };
    let public = format!("{public_header}{did}\n");
    durable::create_new(&public_path, public.as_bytes(), 0o644).map_err(io(&public_path))?;
    Ok((secret_path, public_path, did))
}

/// Reads a secret key file, refusing one that others can read.
///
/// Demo keys are the exception: git cannot store mode 0600, so a fresh clone has them at 0644.
/// They are public anyway (they are in the repository), so their mode is tightened to 0600 here
/// instead of refusing them.
pub fn load_secret(path: &Path) -> Result<LoadedKey, KeyFileError> {
    let text = Zeroizing::new(fs::read_to_string(path).map_err(io(path))?);
    let is_demo = text.contains(DEMO_MARK);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).map_err(io(path))?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            if !is_demo {
                return Err(KeyFileError::TooOpen(path.to_owned(), mode));
            }
            // Best effort: a read-only checkout still works, the key being public.
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
        }
    }
    parse_secret(&text, path)
}

/// A secret key file's text, already read (`path` names it in errors).
pub fn parse_secret(text: &str, path: &Path) -> Result<LoadedKey, KeyFileError> {
    let key = SecretKey::from_multikey(body(text)).map_err(|cause| KeyFileError::Key {
        path: path.to_owned(),
        cause,
    })?;
    Ok(LoadedKey {
        key,
        is_demo: text.contains(DEMO_MARK),
    })
}

/// Reads a public key file: a `did:key` or a bare Multikey.
pub fn load_public(path: &Path) -> Result<DidKey, KeyFileError> {
    parse_public(&fs::read_to_string(path).map_err(io(path))?, path)
}

/// A public key file's text, already read (`path` names it in errors).
pub fn parse_public(text: &str, path: &Path) -> Result<DidKey, KeyFileError> {
    DidKey::parse_did_or_multikey(body(text)).map_err(|cause| KeyFileError::Key {
        path: path.to_owned(),
        cause,
    })
}

fn with_suffix(out: &Path, suffix: &str) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_is_0600_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let (secret, public, did) = generate(&dir.path().join("op"), false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let loaded = load_secret(&secret).unwrap();
        assert!(!loaded.is_demo);
        assert_eq!(loaded.key.public().did_key(), did);
        assert_eq!(load_public(&public).unwrap(), did);
        assert!(matches!(
            generate(&dir.path().join("op"), false),
            Err(KeyFileError::Exists(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_secret_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (secret, _, _) = generate(&dir.path().join("k"), false).unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_secret(&secret),
            Err(KeyFileError::TooOpen(_, 0o644))
        ));
        // A demo key checked out by git at 0644 is tightened instead.
        let (demo, _, _) = generate(&dir.path().join("demo"), true).unwrap();
        fs::set_permissions(&demo, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_secret(&demo).unwrap().is_demo);
        assert_eq!(
            fs::metadata(&demo).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn refuses_a_public_key_in_a_secret_file() {
        let dir = tempfile::tempdir().unwrap();
        let (_, public, _) = generate(&dir.path().join("k"), false).unwrap();
        let fake = dir.path().join("fake.key");
        fs::copy(&public, &fake).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&fake, fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(matches!(load_secret(&fake), Err(KeyFileError::Key { .. })));
    }
}
