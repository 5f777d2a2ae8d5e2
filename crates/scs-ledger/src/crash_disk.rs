//! A file system that forgets, in a simulated power cut, what was not synced (tests only).
//!
//! Files are inodes with contents as written and contents as synced; directories map names to
//! inodes, as written and as synced. [`CrashDisk::crash`] keeps only what was synced: a file's
//! contents by [`Disk::sync_file`], a directory's names by [`Disk::sync_dir`]. Real file systems
//! may also write unsynced directory changes (a rename committed by the journal before the
//! file's data reached the disk: the empty checkpoint of issue 10 under LazyFS), so `crash` can
//! keep every name change while still losing unsynced contents.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use scs_issuer::durable::{self, Disk};

#[derive(Debug, Default)]
struct State {
    /// Contents as written, by inode.
    written: HashMap<u64, Vec<u8>>,
    /// Contents as synced, by inode (a new file's synced contents are empty).
    synced: HashMap<u64, Vec<u8>>,
    /// Names as the directories hold them now.
    names: HashMap<PathBuf, u64>,
    /// Names as synced.
    synced_names: HashMap<PathBuf, u64>,
    next_inode: u64,
}

/// The simulated file system.
#[derive(Debug, Default)]
pub(crate) struct CrashDisk(Mutex<State>);

/// What survives a power cut besides what was synced.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cut {
    /// Unsynced name changes are lost too.
    LosingNames,
    /// Unsynced name changes were written (journalled metadata); unsynced contents are lost.
    KeepingNames,
}

impl CrashDisk {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// The power cut: every file and name as last synced (see [`Cut`]).
    pub(crate) fn crash(&self, cut: Cut) {
        let mut state = self.state();
        if let Cut::LosingNames = cut {
            state.names = state.synced_names.clone();
        }
        state.written = state.synced.clone();
    }

    fn inode(state: &State, path: &Path) -> io::Result<u64> {
        state
            .names
            .get(path)
            .copied()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
}

impl Disk for CrashDisk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let state = self.state();
        let inode = Self::inode(&state, path)?;
        Ok(state.written.get(&inode).cloned().unwrap_or_default())
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut state = self.state();
        let inode = match state.names.get(path) {
            Some(&inode) => inode,
            None => {
                state.next_inode += 1;
                let inode = state.next_inode;
                state.names.insert(path.to_owned(), inode);
                state.synced.insert(inode, Vec::new());
                inode
            }
        };
        state.written.insert(inode, bytes.to_vec());
        Ok(())
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        let inode = Self::inode(&state, path)?;
        let contents = state.written.get(&inode).cloned().unwrap_or_default();
        state.synced.insert(inode, contents);
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state();
        let inode = Self::inode(&state, from)?;
        state.names.remove(from);
        state.names.insert(to.to_owned(), inode);
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        state
            .names
            .remove(path)
            .map(drop)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state();
        let in_dir = |path: &Path| durable::parent(path) == dir;
        state.synced_names.retain(|path, _| !in_dir(path));
        let now: Vec<(PathBuf, u64)> = state
            .names
            .iter()
            .filter(|(path, _)| in_dir(path))
            .map(|(path, &inode)| (path.clone(), inode))
            .collect();
        state.synced_names.extend(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulator loses what real file systems lose: the steps of a durable write each
    /// matter, and without them a renamed file is empty or gone after the cut.
    #[test]
    fn only_a_durable_write_survives_every_cut() {
        let path = Path::new("/data/log/checkpoint");
        let tmp = Path::new("/data/log/checkpoint.tmp");
        for cut in [Cut::LosingNames, Cut::KeepingNames] {
            let disk = CrashDisk::default();
            durable::write_on(&disk, path, b"old").unwrap();
            // Write and rename without syncing, as the checkpoint was written before.
            disk.write(tmp, b"new").unwrap();
            disk.rename(tmp, path).unwrap();
            disk.crash(cut);
            let after = disk.read(path).unwrap();
            match cut {
                Cut::LosingNames => assert_eq!(after, b"old"),
                Cut::KeepingNames => assert_eq!(after, b"", "renamed, contents lost"),
            }

            durable::write_on(&disk, path, b"new").unwrap();
            disk.crash(cut);
            assert_eq!(disk.read(path).unwrap(), b"new", "{cut:?}");
        }
        let disk = CrashDisk::default();
        disk.write(path, b"never synced").unwrap();
        disk.crash(Cut::LosingNames);
        assert_eq!(disk.read(path).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
