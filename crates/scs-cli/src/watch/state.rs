//! What `scs watch` keeps between rounds, in one file (`watch.json` in the state folder, written
//! durably): the last checkpoint it verified, the feed's cursor, what it last reported of each
//! supplier, the ids of the alerts it raised, the alerts the webhook has not taken yet, and an
//! inconsistent-registry alarm once one is raised.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use scs_core::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

use super::alerts::{Alert, SupplierMemory};
use crate::keys::read_bounded;

/// Most alert ids remembered; the oldest are forgotten first (an alert from the feed is also
/// kept from coming back by the cursor).
const MAX_RAISED: usize = 100_000;
/// Largest state file read.
const MAX_STATE_BYTES: usize = 64 * 1024 * 1024;
/// The state file's name in the folder.
const FILE: &str = "watch.json";

/// The state folder when `--state` is not given: one per list, under `$XDG_STATE_HOME/scs/watch`,
/// else `~/.local/state/scs/watch` (see [`folder_of_list`]).
pub fn default_dir(list: &Path) -> Result<PathBuf> {
    let from = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = match (from("XDG_STATE_HOME"), from("HOME")) {
        (Some(state), _) => state.join("scs/watch"),
        (None, Some(home)) => home.join(".local/state/scs/watch"),
        (None, None) => bail!(
            "no HOME or XDG_STATE_HOME: give --state DIR / --state で保存先を指定してください"
        ),
    };
    let list = std::fs::canonicalize(list)
        .with_context(|| format!("{}: cannot read the list", list.display()))?;
    Ok(folder_of_list(&base, &list))
}

/// The folder in `base` for the list at the absolute path `list`: its name and a digest of its
/// path. Two lists watched with the default folder must not share one: each would move the
/// feed's cursor past events of the other's suppliers, which the other would then never see.
fn folder_of_list(base: &Path, list: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(list.as_os_str().as_encoded_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let stem: String = list
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect();
    base.join(format!("{stem}-{short}"))
}

/// The recorded alarm: the registry's log did not extend what was verified before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    /// When it was raised.
    pub at: Timestamp,
    /// Why.
    pub why: String,
}

/// The watch's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchState {
    /// The registry watched (its base URL).
    pub registry: String,
    /// The last checkpoint verified (the note as served).
    #[serde(default)]
    pub checkpoint: Option<String>,
    /// The last log index whose events were read.
    #[serde(default)]
    pub cursor: Option<u64>,
    /// What was last reported of each supplier, by 法人番号.
    #[serde(default)]
    pub suppliers: BTreeMap<String, SupplierMemory>,
    /// Ids of the alerts raised, oldest first.
    #[serde(default)]
    pub raised: VecDeque<String>,
    /// Alerts the webhook has not taken yet.
    #[serde(default)]
    pub pending: Vec<Alert>,
    /// Set once the registry was found inconsistent; every later round refuses until
    /// `--reset-alarm`.
    #[serde(default)]
    pub alarm: Option<Alarm>,
    /// Rounds running in which the registry signed a checkpoint but did not prove it.
    #[serde(default)]
    pub withheld_rounds: u32,
}

/// The state and where it is kept.
#[derive(Debug)]
pub struct Stored {
    path: PathBuf,
    /// What is kept.
    pub state: WatchState,
    raised: HashSet<String>,
}

impl Stored {
    /// Opens the state in `dir` for `registry` (a new one when there is none); a state of
    /// another registry is refused.
    pub fn open(dir: &Path, registry: &str) -> Result<Self> {
        let path = dir.join(FILE);
        let state = if path.exists() {
            let bytes = read_bounded(&path, MAX_STATE_BYTES)?;
            let state: WatchState = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a watch state", path.display()))?;
            if state.registry != registry {
                bail!(
                    "{} watches another registry ({}): give another --state / 別の登録機関の状態です",
                    dir.display(),
                    state.registry
                );
            }
            state
        } else {
            WatchState {
                registry: registry.to_owned(),
                ..WatchState::default()
            }
        };
        let raised = state.raised.iter().cloned().collect();
        Ok(Self {
            path,
            state,
            raised,
        })
    }

    /// Writes it durably (temporary file, fsync, rename, fsync of the folder).
    pub fn save(&self) -> Result<()> {
        let dir = scs_issuer::durable::parent(&self.path);
        scs_issuer::durable::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let bytes = serde_json::to_vec_pretty(&self.state)?;
        scs_issuer::durable::write(&self.path, &bytes)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Records `alert` as raised, unless it was before: `true` when it is new (then it is also
    /// queued for the webhook, when there is one).
    pub fn raise(&mut self, alert: &Alert, webhook: bool) -> bool {
        if !self.raised.insert(alert.id.clone()) {
            return false;
        }
        self.state.raised.push_back(alert.id.clone());
        while self.state.raised.len() > MAX_RAISED {
            if let Some(old) = self.state.raised.pop_front() {
                self.raised.remove(&old);
            }
        }
        if webhook {
            self.state.pending.push(alert.clone());
        }
        true
    }

    /// Forgets the alarm and what it concerned (the checkpoint, the cursor and the standings):
    /// the next round starts a new baseline. The ids of the alerts raised are kept, so none is
    /// sent twice.
    pub fn reset_alarm(&mut self) {
        self.state.alarm = None;
        self.state.withheld_rounds = 0;
        self.state.checkpoint = None;
        self.state.cursor = None;
        self.state.suppliers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each list has its own default folder, the same whichever way it is named. (All lists
    /// shared one: a second list's round moved the cursor past the first list's events.)
    #[test]
    fn each_list_has_its_own_default_folder() {
        let base = Path::new("/state/scs/watch");
        let a = folder_of_list(base, Path::new("/work/取引先A.csv"));
        let b = folder_of_list(base, Path::new("/work/b.csv"));
        let b_elsewhere = folder_of_list(base, Path::new("/other/b.csv"));
        assert_ne!(a, b);
        assert_ne!(b, b_elsewhere);
        assert_eq!(a, folder_of_list(base, Path::new("/work/取引先A.csv")));
        assert!(a.starts_with(base));
        assert!(a
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("取引先A-"));
    }
}
