//! Writing files so that a power cut leaves either the old file or the new one, never an empty
//! or torn one, and never loses a file once its writer returned.
//!
//! A file system may keep written data and directory entries in memory until they are synced:
//! after a crash, a file renamed into place without `fsync` can be empty (ext4 without
//! `auto_da_alloc`, XFS, LazyFS), and a new or renamed file whose directory was not synced can be
//! gone. So every file that matters is written by [`write()`]: into a temporary file beside it,
//! `fsync`, renamed over the target, and the directory `fsync`ed. The temporary file is named
//! for that one write (process id and a random suffix): two processes writing one path at once
//! (two `scs publish` runs into one folder) each rename their own whole file, never the other's
//! half-written one. New secret files are
//! [`create_new`] (never replacing one), synced, and their directory synced.
//!
//! The steps go through [`Disk`] so that a test can stand a file system that forgets what was
//! not synced in for the real one (the registry's crash tests do).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The few file operations a durable write is made of.
pub trait Disk: Send + Sync + std::fmt::Debug {
    /// The whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Creates or truncates `path` and writes `bytes` into it, without syncing.
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Makes the file's contents durable (`fsync`).
    fn sync_file(&self, path: &Path) -> io::Result<()>;
    /// Renames `from` to `to`, replacing `to` (atomic in the directory).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes the file `path`, without syncing its directory.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Makes the directory's entries (files created, renamed, removed) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealDisk;

impl Disk for RealDisk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        fs::write(path, bytes)
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        // Any descriptor of the file flushes its data (fsync(2) acts on the inode).
        File::open(path)?.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A temporary file for one write of `path`: hidden, beside the target, so that the rename stays
/// within one directory (and one file system), and named for this write alone — process id and
/// 64 random bits — so that no other writer of `path` writes into it or renames it.
fn temporary(path: &Path) -> io::Result<PathBuf> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(io::Error::other)?;
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(
        ".{}.{:016x}.tmp",
        std::process::id(),
        u64::from_be_bytes(random)
    ));
    Ok(parent(path).join(name))
}

/// Replaces `path` with `bytes` durably on `disk`: temporary file, `fsync`, rename, `fsync` of
/// the directory. When it returns, the new contents survive a power cut; if it fails or the
/// power goes first, `path` holds its old contents (or does not exist, if it did not before).
pub fn write_on(disk: &dyn Disk, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary(path)?;
    let renamed = disk
        .write(&tmp, bytes)
        .and_then(|()| disk.sync_file(&tmp))
        .and_then(|()| disk.rename(&tmp, path));
    if let Err(error) = renamed {
        // Its name is never used again: left behind, it would stay (a full disk failing every
        // checkpoint write would fill up with them).
        let _ = disk.remove(&tmp);
        return Err(error);
    }
    disk.sync_dir(parent(path))
}

/// [`write_on`] the real file system.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_on(&RealDisk, path, bytes)
}

/// A file written piece by piece, too large to hold in memory (a backup, a restored log), that
/// replaces `path` only when [`Staged::commit`] returns: the pieces go into the temporary file
/// [`write()`] uses, and commit is that function's `fsync`, rename and `fsync` of the directory.
/// Dropped without a commit, the temporary file is removed and `path` is left as it was.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<io::BufWriter<File>>,
}

impl Staged {
    /// Starts replacing `path` (its directory must exist).
    pub fn create(path: &Path) -> io::Result<Self> {
        let tmp = temporary(path)?;
        let file = File::create(&tmp)?;
        Ok(Self {
            path: path.to_owned(),
            tmp,
            file: Some(io::BufWriter::new(file)),
        })
    }

    /// Makes what was written the contents of the path, durably.
    /// If a step fails, dropping `self` removes the temporary file.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("already committed"))?;
        file.flush()?;
        file.get_ref().sync_all()?;
        fs::rename(&self.tmp, &self.path)?;
        self.file = None;
        RealDisk.sync_dir(parent(&self.path))
    }
}

impl Write for Staged {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// [`write()`] for a file only its owner may read (mode 0600): the temporary file is created with
/// that mode, so the contents are never readable by others, not even before the rename.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary(path)?;
    create_new(&tmp, bytes, 0o600)?;
    if let Err(error) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(error);
    }
    RealDisk.sync_dir(parent(path))
}

/// Creates `path` (never replacing a file) with `mode` (Unix permissions) and `bytes`, and makes
/// it and its directory entry durable.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    RealDisk.sync_dir(parent(path))
}

/// Removes `path` if it exists, and makes its removal durable (`fsync` of the directory).
/// `Ok(true)` when there was a file to remove.
pub fn remove_if_present(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => RealDisk.sync_dir(parent(path)).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates `dir` and any missing parents, and makes each new directory's entry durable (a
/// directory created and not synced into its parent can vanish with everything in it).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.exists()).collect();
    fs::create_dir_all(dir)?;
    for created in missing.iter().rev() {
        RealDisk.sync_dir(parent(created))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn write_private_replaces_a_readable_file_with_an_owner_only_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(names_in(dir.path()), ["config.toml"]);
    }

    /// The names of the files in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names_in(dir.path()), ["checkpoint"]);
    }

    /// The real disk, except that another writer of the same path starts between this write's
    /// sync and its rename, and is killed half-way through writing its file.
    #[derive(Debug)]
    struct AnotherWriterMeanwhile;

    impl Disk for AnotherWriterMeanwhile {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            RealDisk.read(path)
        }
        fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
            RealDisk.write(path, bytes)
        }
        fn sync_file(&self, path: &Path) -> io::Result<()> {
            RealDisk.sync_file(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            let killed = write_on(&KilledHalfWay, to, b"the other writer's file, all of it");
            assert!(killed.is_err());
            RealDisk.rename(from, to)
        }
        fn remove(&self, path: &Path) -> io::Result<()> {
            RealDisk.remove(path)
        }
        fn sync_dir(&self, dir: &Path) -> io::Result<()> {
            RealDisk.sync_dir(dir)
        }
    }

    /// The real disk, for a writer killed after writing half its file.
    #[derive(Debug)]
    struct KilledHalfWay;

    impl Disk for KilledHalfWay {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            RealDisk.read(path)
        }
        fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
            RealDisk.write(path, &bytes[..bytes.len() / 2])?;
            Err(io::Error::other("killed"))
        }
        fn sync_file(&self, path: &Path) -> io::Result<()> {
            RealDisk.sync_file(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            RealDisk.rename(from, to)
        }
        fn remove(&self, path: &Path) -> io::Result<()> {
            RealDisk.remove(path)
        }
        fn sync_dir(&self, dir: &Path) -> io::Result<()> {
            RealDisk.sync_dir(dir)
        }
    }

    /// Found in review: every write of a path used the one temporary `.NAME.tmp`, so a writer
    /// could rename another's half-written file into place — two `scs publish` runs into one
    /// folder, a torn tile then served as immutable for a year.
    #[test]
    fn a_writer_never_renames_another_writers_half_written_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("000");
        write_on(
            &AnotherWriterMeanwhile,
            &path,
            b"this writer's file, all of it",
        )
        .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"this writer's file, all of it");
        assert_eq!(names_in(dir.path()), ["000"]);
    }

    #[test]
    fn a_staged_file_replaces_the_path_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup.scsbak");
        fs::write(&path, b"old").unwrap();
        let mut staged = Staged::create(&path).unwrap();
        staged.write_all(b"new ").unwrap();
        staged.write_all(b"contents").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"old");
        staged.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        assert_eq!(names_in(dir.path()), ["backup.scsbak"]);

        let mut abandoned = Staged::create(&path).unwrap();
        abandoned.write_all(b"half").unwrap();
        assert_eq!(names_in(dir.path()).len(), 2);
        drop(abandoned);
        assert_eq!(names_in(dir.path()), ["backup.scsbak"]);
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
    }

    #[test]
    fn a_temporary_file_is_hidden_beside_its_target_and_named_for_one_write() {
        assert_eq!(parent(Path::new("cp.txt")), Path::new("."));
        let tmp = temporary(Path::new("cp.txt")).unwrap();
        assert_eq!(parent(&tmp), Path::new("."));
        let name = tmp.file_name().unwrap().to_str().unwrap();
        let pid = std::process::id();
        assert!(name.starts_with(&format!(".cp.txt.{pid}.")), "{name}");
        assert!(name.ends_with(".tmp"), "{name}");
        let tmp = temporary(Path::new("/data/log/checkpoint")).unwrap();
        assert_eq!(parent(&tmp), Path::new("/data/log"));
        assert_ne!(tmp, temporary(Path::new("/data/log/checkpoint")).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn create_new_never_replaces_and_sets_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        create_new(&path, b"secret", 0o600).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = create_new(&path, b"other", 0o600).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"secret");
    }

    #[test]
    fn remove_if_present_says_whether_there_was_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cred.receipt.json");
        write(&path, b"{}").unwrap();
        assert!(remove_if_present(&path).unwrap());
        assert!(!path.exists());
        assert!(!remove_if_present(&path).unwrap());
    }

    #[test]
    fn create_dir_all_makes_every_missing_level() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("data/log");
        create_dir_all(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_all(&deep).unwrap();
    }
}
