//! Settings that the commands would otherwise need on every run: the registry, the operator
//! key, the trust list and the signing key. Each comes from its flag, else its environment
//! variable, else the config file, else it is unset (docs/DECISIONS.md, "Settings").
//!
//! The config file is TOML: `--config FILE`, else `SCS_CONFIG`, else
//! `$XDG_CONFIG_HOME/scs/config.toml` (`~/.config/scs/config.toml`). Only the four settings may
//! appear in it: any other member is refused, so that a misspelt one is never silently ignored.
//! `--demo` is never a setting: trusting the demo key is asked for on each command.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use scs_core::json::parse_strict;
use scs_core::trust_list::MAX_TRUST_LIST_BYTES;
use serde::Deserialize;
use toml_edit::DocumentMut;

use crate::keys::{demo_operator, load_secret, parse_public_key, read_bounded};
use crate::{say, Outcome};

/// Largest config file read (it holds four short lines).
const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// A setting's name, as written in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Name {
    /// The registry's URL.
    #[value(name = "registry")]
    Registry,
    /// The operator's public key: a .pub file or a did:key.
    #[value(name = "operator_key", alias = "operator-key")]
    OperatorKey,
    /// The signed trust list file.
    #[value(name = "trust_list", alias = "trust-list")]
    TrustList,
    /// The secret key file that signs (issue, revoke, suspend, reinstate, qr).
    #[value(name = "key")]
    Key,
}

impl Name {
    /// Every setting, in the order `scs config show` lists them.
    pub const ALL: [Self; 4] = [
        Self::Registry,
        Self::OperatorKey,
        Self::TrustList,
        Self::Key,
    ];

    /// Its name in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::OperatorKey => "operator_key",
            Self::TrustList => "trust_list",
            Self::Key => "key",
        }
    }

    /// Its environment variable.
    pub fn env(self) -> &'static str {
        match self {
            Self::Registry => "SCS_REGISTRY",
            Self::OperatorKey => "SCS_OPERATOR_KEY",
            Self::TrustList => "SCS_TRUST_LIST",
            Self::Key => "SCS_KEY",
        }
    }

    /// Its flag.
    fn flag(self) -> &'static str {
        match self {
            Self::Registry => "--registry",
            Self::OperatorKey => "--operator-key",
            Self::TrustList => "--trust-list",
            Self::Key => "--key",
        }
    }

    /// What its value is, in usage lines.
    fn placeholder(self) -> &'static str {
        match self {
            Self::Registry => "URL",
            Self::OperatorKey => "KEY",
            Self::TrustList | Self::Key => "FILE",
        }
    }

    /// What it is, in Japanese and English.
    fn what(self) -> (&'static str, &'static str) {
        match self {
            Self::Registry => ("登録機関の URL", "registry"),
            Self::OperatorKey => ("運営主体の鍵", "operator key"),
            Self::TrustList => ("指定機関一覧", "trust list"),
            Self::Key => ("署名に使う秘密鍵", "secret key"),
        }
    }

    /// Whether its value may be a file path (made absolute when stored).
    fn is_path(self) -> bool {
        !matches!(self, Self::Registry)
    }
}

/// The config file's members.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    registry: Option<String>,
    operator_key: Option<String>,
    trust_list: Option<String>,
    key: Option<String>,
}

impl FileSettings {
    fn get(&self, name: Name) -> Option<&String> {
        match name {
            Name::Registry => self.registry.as_ref(),
            Name::OperatorKey => self.operator_key.as_ref(),
            Name::TrustList => self.trust_list.as_ref(),
            Name::Key => self.key.as_ref(),
        }
    }

    fn get_mut(&mut self, name: Name) -> &mut Option<String> {
        match name {
            Name::Registry => &mut self.registry,
            Name::OperatorKey => &mut self.operator_key,
            Name::TrustList => &mut self.trust_list,
            Name::Key => &mut self.key,
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Its flag on the command line.
    Flag,
    /// Its environment variable.
    Env,
    /// The config file.
    File(PathBuf),
}

/// One setting's value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Which setting.
    pub name: Name,
    /// Its value: a URL, a did:key or a path.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

impl Setting {
    /// The value as a path.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.value)
    }

    /// Where it came from, for an error message: `--registry`, `SCS_REGISTRY` or "`registry`
    /// in FILE".
    pub fn origin(&self) -> String {
        match &self.origin {
            Origin::Flag => self.name.flag().to_owned(),
            Origin::Env => self.name.env().to_owned(),
            Origin::File(path) => format!("{} in {}", self.name.as_str(), path.display()),
        }
    }
}

/// Clap hands a flag's value and its environment variable's alike; a value equal to the
/// variable's is taken to be the variable's (the same value either way).
fn given_origin(name: Name, value: &str) -> Origin {
    match std::env::var(name.env()) {
        Ok(env) if env == value => Origin::Env,
        _ => Origin::Flag,
    }
}

/// Where the config file is, and why there.
#[derive(Debug, Clone)]
struct Location {
    path: PathBuf,
    /// Named by `--config` or `SCS_CONFIG` rather than the default: it must then exist.
    named: bool,
}

impl Location {
    fn find(given: Option<&Path>) -> Result<Self> {
        if let Some(path) = given {
            return Ok(Self {
                path: path.to_owned(),
                named: true,
            });
        }
        // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
        let base = match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => dir,
            _ => std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
                .ok_or_else(|| {
                    anyhow!("HOME が未設定のため設定ファイルの場所が決まりません。--config か SCS_CONFIG で指定してください / HOME is not set, so there is no default config file: give --config FILE or set SCS_CONFIG")
                })?,
        };
        Ok(Self {
            path: base.join("scs").join("config.toml"),
            named: false,
        })
    }

    /// The file's text, or `None` when it does not exist and may not.
    fn read(&self, missing_ok: bool) -> Result<Option<String>> {
        if !self.path.exists() && (missing_ok || !self.named) {
            return Ok(None);
        }
        let bytes = read_bounded(&self.path, MAX_CONFIG_BYTES)?;
        let text = String::from_utf8(bytes)
            .with_context(|| format!("{} is not UTF-8", self.path.display()))?;
        Ok(Some(text))
    }
}

/// The settings of the config file, for the commands to fall back on.
#[derive(Debug)]
pub struct Settings {
    location: Location,
    file: FileSettings,
}

impl Settings {
    /// Reads the config file (`--config` / `SCS_CONFIG`, else the default, which may be
    /// missing). A malformed file, or one with a member that is not a setting, is refused.
    pub fn load(given: Option<&Path>) -> Result<Self> {
        Self::load_from(Location::find(given)?, false)
    }

    fn load_from(location: Location, missing_ok: bool) -> Result<Self> {
        let file = match location.read(missing_ok)? {
            Some(text) => parse(&location.path, &text)?,
            None => FileSettings::default(),
        };
        Ok(Self { location, file })
    }

    /// The setting: the flag's or environment variable's value when clap found one (`given`),
    /// else the config file's.
    pub fn get(&self, name: Name, given: Option<&str>) -> Option<Setting> {
        let (value, origin) = match given {
            Some(value) => (value.to_owned(), given_origin(name, value)),
            None => (
                self.file.get(name)?.clone(),
                Origin::File(self.location.path.clone()),
            ),
        };
        Some(Setting {
            name,
            value,
            origin,
        })
    }

    /// The setting, or the one-line error naming the three ways to give it.
    pub fn require(&self, name: Name, given: Option<&str>) -> Result<Setting> {
        self.get(name, given).ok_or_else(|| {
            let (ja, en) = name.what();
            let (flag, env) = (name.flag(), name.env());
            let (key, value) = (name.as_str(), name.placeholder());
            anyhow!("{ja}が指定されていません。{flag} {value}、環境変数 {env}、または `scs config set {key} {value}` で指定してください / no {en} given: pass {flag} {value}, set {env}, or run `scs config set {key} {value}`")
        })
    }

    /// A path setting (`--key`, `--trust-list`) given as a path by clap.
    pub fn get_path(&self, name: Name, given: Option<&Path>) -> Option<Setting> {
        self.get(name, given.map(|p| p.to_string_lossy()).as_deref())
    }

    /// The registry for a command that also works without one (`verify`, `issue`): one from the
    /// environment or the config file is a default that `--offline` turns off; `--registry` on
    /// the command line with `--offline` is a contradiction.
    pub fn registry_unless_offline(
        &self,
        given: Option<&str>,
        offline: bool,
    ) -> Result<Option<Setting>> {
        match (self.get(Name::Registry, given), offline) {
            (Some(setting), true) if setting.origin == Origin::Flag => bail!(
                "--registry と --offline は同時に指定できません / --registry and --offline contradict each other"
            ),
            (_, true) => Ok(None),
            (setting, false) => Ok(setting),
        }
    }
}

/// The config file's settings; relative paths in it are taken from the file's folder, so the
/// file means the same from any working directory.
fn parse(path: &Path, text: &str) -> Result<FileSettings> {
    let mut settings: FileSettings = toml_edit::de::from_str(text).map_err(|error| {
        let start = error.span().map_or(0, |span| span.start);
        let line = text
            .as_bytes()
            .iter()
            .take(start)
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        anyhow!("{}:{line}: {}", path.display(), error.message().trim())
    })?;
    let folder = scs_issuer::durable::parent(path);
    for name in Name::ALL {
        let slot = settings.get_mut(name);
        if let Some(value) = slot.as_mut() {
            check_value(name, value)
                .with_context(|| format!("{}: {}", path.display(), name.as_str()))?;
            if name.is_path() && !value.starts_with("did:key:") && Path::new(value).is_relative() {
                *value = folder.join(&*value).to_string_lossy().into_owned();
            }
        }
    }
    Ok(settings)
}

/// Checks what can be checked without touching files: the registry's URL.
fn check_value(name: Name, value: &str) -> Result<()> {
    if name == Name::Registry {
        crate::client::check_url(value)?;
    }
    Ok(())
}

/// Checks a value for `scs config set` and returns what to store: a URL or did:key as given, a
/// file (which must be the right kind of file) as an absolute path.
fn checked_for_storing(name: Name, value: &str) -> Result<String> {
    match name {
        Name::Registry => {
            check_value(name, value)?;
            Ok(value.to_owned())
        }
        Name::OperatorKey if value.starts_with("did:key:") => {
            refuse_demo_operator(&parse_public_key(value)?)?;
            Ok(value.to_owned())
        }
        Name::OperatorKey | Name::TrustList | Name::Key => {
            let path =
                std::path::absolute(value).with_context(|| format!("{value}: not a path"))?;
            check_file(name, &path)?;
            Ok(path.to_string_lossy().into_owned())
        }
    }
}

/// A key file must load as one (a secret key only when owner-only); a trust list must be JSON.
fn check_file(name: Name, path: &Path) -> Result<()> {
    match name {
        Name::Key => load_secret(path).map(drop),
        Name::OperatorKey => refuse_demo_operator(&parse_public_key(&path.to_string_lossy())?),
        Name::TrustList => parse_strict(
            &read_bounded(path, MAX_TRUST_LIST_BYTES)?,
            MAX_TRUST_LIST_BYTES,
        )
        .map(drop)
        .map_err(|e| anyhow!("{}: not a signed trust list: {e}", path.display())),
        Name::Registry => Ok(()),
    }
}

/// The demo operator key is trusted only when `--demo` asks for it, on each command.
pub fn refuse_demo_operator(key: &scs_core::keys::DidKey) -> Result<()> {
    if *key == demo_operator()? {
        bail!("これはデモ用の運営主体の鍵です。設定には保存できません（デモを試すときはコマンドごとに --demo） / that is the DEMO operator key, which is never a setting: pass --demo on each command to try the demo");
    }
    Ok(())
}

/// `scs config …`
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Every setting, its value, and where it came from (environment, file, or unset).
    Show,
    /// The config file's path.
    Path,
    /// Store a setting in the config file (checked first; files are stored as absolute paths).
    Set {
        /// registry, operator_key, trust_list or key.
        name: Name,
        /// A URL (registry), a .pub file or did:key (operator_key), a file (trust_list, key).
        value: String,
    },
    /// Remove a setting from the config file.
    Unset {
        /// registry, operator_key, trust_list or key.
        name: Name,
    },
}

/// `scs config show|path|set|unset`
pub fn run(command: &ConfigCommand, given: Option<&Path>) -> Result<Outcome> {
    let location = Location::find(given)?;
    match command {
        ConfigCommand::Path => say!("{}", location.path.display()),
        ConfigCommand::Show => show(&Settings::load_from(location, true)?),
        ConfigCommand::Set { name, value } => {
            let stored = checked_for_storing(*name, value)?;
            edit(&location, *name, Some(&stored))?;
            say!(
                "保存しました / saved: {} = {stored} → {}",
                name.as_str(),
                location.path.display()
            );
        }
        ConfigCommand::Unset { name } => {
            edit(&location, *name, None)?;
            say!(
                "{} を削除しました / unset {} in {}",
                name.as_str(),
                name.as_str(),
                location.path.display()
            );
        }
    }
    Ok(Outcome::Yes)
}

/// Prints each setting as the commands would see it (no flags here), never a key's contents.
fn show(settings: &Settings) {
    let path = &settings.location.path;
    let state = if path.exists() {
        ""
    } else {
        " (まだありません / not created yet)"
    };
    say!("設定ファイル config file: {}{state}", path.display());
    for name in Name::ALL {
        let env = std::env::var(name.env()).ok().filter(|v| !v.is_empty());
        match settings.get(name, env.as_deref()) {
            Some(setting) => {
                // Without flags here, a value not from the file is from the environment.
                let from = match setting.origin {
                    Origin::File(_) => "設定ファイル file".to_owned(),
                    Origin::Flag | Origin::Env => format!("環境変数 env {}", name.env()),
                };
                say!("{:<12} = {}  [{from}]", name.as_str(), setting.value);
            }
            None => say!("{:<12} (未設定 unset)", name.as_str()),
        }
    }
}

/// Sets or removes one member, keeping the rest of the file (comments too) as it was. The file
/// must be a valid config file before and after.
fn edit(location: &Location, name: Name, value: Option<&str>) -> Result<()> {
    let text = location.read(true)?.unwrap_or_default();
    parse(&location.path, &text)?;
    let mut document: DocumentMut = text
        .parse()
        .with_context(|| format!("{}", location.path.display()))?;
    match value {
        Some(value) => document[name.as_str()] = toml_edit::value(value),
        None => {
            document.remove(name.as_str());
        }
    }
    let text = document.to_string();
    parse(&location.path, &text)?;
    save(&location.path, &text)
}

/// Writes the file durably, owner-only (0600) in an owner-only folder (0700) when creating it.
fn save(path: &Path, text: &str) -> Result<()> {
    let folder = scs_issuer::durable::parent(path);
    if !folder.exists() {
        scs_issuer::durable::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {}", folder.display()))?;
        }
    }
    scs_issuer::durable::write_private(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
