//! Where `scs publish` writes: a [`Sink`] stores files by their path below the mirror's web root.
//! The publisher decides what to write and in which order; a sink only reads, writes and removes.
//! Two sinks: a folder ([`Folder`], `--to DIR`) and an S3-compatible bucket
//! ([`super::bucket::Bucket`], `--to s3://bucket/prefix`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use scs_issuer::durable::{self, Disk, RealDisk};

/// What a sink holds at a path, read up to a bound.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Nothing is there.
    Absent,
    /// A file larger than the bound (not read).
    Larger,
    /// The file's bytes.
    Bytes(Vec<u8>),
}

/// What held a path when it was read, so that a write can require that nothing replaced it
/// since ([`Sink::write_if_unchanged`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// A file in a folder, which this run holds locked: every `scs publish` takes the lock
    /// ([`Folder::new`]), so no other run wrote there since.
    Locked,
    /// An object in a bucket, by its entity tag and version id, which the store compares
    /// (`If-Match`); `None` when there was no object (`If-None-Match: *`).
    Object(Option<object_store::UpdateVersion>),
}

/// A place a mirror is published into, by paths relative to the mirror's web root (paths the
/// publisher built, never ones read from outside).
pub(crate) trait Sink {
    /// Where `relative` is, for messages (never a credential).
    fn location(&self, relative: &str) -> String;
    /// What is stored at `relative`, if at most `max` bytes, and its version.
    fn read_versioned(&self, relative: &str, max: u64) -> Result<(Stored, Version)>;
    /// What is stored at `relative`, if at most `max` bytes.
    fn read_at_most(&self, relative: &str, max: u64) -> Result<Stored> {
        Ok(self.read_versioned(relative, max)?.0)
    }
    /// Stores `bytes` at `relative` as a whole (a reader sees the old file or the new one),
    /// durably.
    fn write(&self, relative: &str, bytes: &[u8]) -> Result<()>;
    /// As [`Sink::write`], if `relative` still holds what was read there as `version`:
    /// `Ok(false)`, and nothing written, when something replaced it since.
    fn write_if_unchanged(&self, relative: &str, bytes: &[u8], version: &Version) -> Result<bool>;
    /// Removes every file below the folder `relative`: how many there were.
    fn remove_below(&self, relative: &str) -> Result<u64>;
}

/// The file in a folder that every `scs publish` into it holds locked while it runs. Not a
/// path the API serves, so not one a mirror serves (`docs/nginx-mirror.conf` answers 404).
const LOCK_FILE: &str = ".scs-publish.lock";

/// A folder on this machine, to be served as the web root (`scs publish --to DIR`).
#[derive(Debug)]
pub(crate) struct Folder {
    root: PathBuf,
    /// [`LOCK_FILE`], locked for as long as this run holds the folder.
    _lock: File,
}

impl Folder {
    /// The folder at `root`, created if missing, and locked for this run: refused when another
    /// `scs publish` holds it (two runs at once could put the older one's status lists back
    /// over the newer one's). The lock is `flock(2)` on [`LOCK_FILE`], which the kernel
    /// releases when the process ends, however it ends: a killed run leaves the file, never
    /// the folder locked.
    pub(crate) fn new(root: &Path) -> Result<Self> {
        durable::create_dir_all(root)
            .with_context(|| format!("cannot create {}", root.display()))?;
        let path = root.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => bail!(
                "another scs publish is writing into {}: run one at a time, and again once it ended / 別の scs publish が同じ公開先に書き込み中です",
                root.display()
            ),
            Err(TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
        Ok(Self {
            root: root.to_owned(),
            _lock: lock,
        })
    }
}

impl Sink for Folder {
    fn location(&self, relative: &str) -> String {
        self.root.join(relative).display().to_string()
    }

    fn read_versioned(&self, relative: &str, max: u64) -> Result<(Stored, Version)> {
        let path = self.root.join(relative);
        // Only a file that is not there is absent: one that cannot be read (permissions, an
        // I/O error) fails the run rather than be replaced unchecked (found in review). One
        // byte past `max` is enough to know it is larger.
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Stored::Absent, Version::Locked));
            }
            Err(error) => {
                return Err(
                    anyhow::Error::new(error).context(format!("cannot read {}", path.display()))
                )
            }
        };
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let stored = match bytes.len() as u64 > max {
            true => Stored::Larger,
            false => Stored::Bytes(bytes),
        };
        Ok((stored, Version::Locked))
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(relative);
        durable::create_dir_all(durable::parent(&path))
            .and_then(|()| durable::write(&path, bytes))
            .with_context(|| format!("cannot write {}", path.display()))
    }

    fn write_if_unchanged(&self, relative: &str, bytes: &[u8], version: &Version) -> Result<bool> {
        if *version != Version::Locked {
            bail!(
                "{}: not a version read from a folder",
                self.location(relative)
            );
        }
        self.write(relative, bytes).map(|()| true)
    }

    fn remove_below(&self, relative: &str) -> Result<u64> {
        let folder = self.root.join(relative);
        let Ok(found) = std::fs::read_dir(&folder) else {
            return Ok(0);
        };
        let removed = found.count() as u64;
        std::fs::remove_dir_all(&folder)
            .and_then(|()| RealDisk.sync_dir(durable::parent(&folder)))
            .with_context(|| format!("cannot remove {}", folder.display()))?;
        Ok(removed)
    }
}

/// The HTTP headers a mirror serves the file at `relative` with — its content type and cache
/// lifetime — as the registry's API answers (docs/API.md) and `docs/nginx-mirror.conf` gives
/// them; a bucket stores them with each object.
pub(crate) fn headers_of(relative: &str) -> (&'static str, &'static str) {
    match relative {
        // Replaced by every publish: no cache, as tlog-tiles asks.
        "v1/log/checkpoint" => ("text/plain; charset=utf-8", "no-store"),
        // A new edition may come at any time: revalidate.
        "v1/trust-list" => ("application/json", "no-cache"),
        "ns/scs/v1" => ("application/ld+json", "public, max-age=86400"),
        // Re-signed on every status change and at least once a day: five minutes.
        status if status.starts_with("v1/status/") => {
            ("application/vc+ld+json", "public, max-age=300")
        }
        // Tiles and entry bundles never change once written.
        _ => (
            "application/octet-stream",
            "public, max-age=31536000, immutable",
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_reads_up_to_its_bound_and_removes_a_partial_tiles_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(&dir.path().join("mirror")).unwrap();
        assert_eq!(
            folder.read_at_most("v1/trust-list", 10).unwrap(),
            Stored::Absent
        );
        folder.write("v1/trust-list", b"0123456789").unwrap();
        assert_eq!(
            folder.read_at_most("v1/trust-list", 10).unwrap(),
            Stored::Bytes(b"0123456789".to_vec())
        );
        assert_eq!(
            folder.read_at_most("v1/trust-list", 9).unwrap(),
            Stored::Larger
        );
        folder.write("v1/log/tile/0/000.p/3", b"a").unwrap();
        folder.write("v1/log/tile/0/000.p/7", b"b").unwrap();
        assert_eq!(folder.remove_below("v1/log/tile/0/000.p").unwrap(), 2);
        assert!(!dir.path().join("mirror/v1/log/tile/0/000.p").exists());
        assert_eq!(folder.remove_below("v1/log/tile/0/000.p").unwrap(), 0);
    }

    /// A mirrored file that cannot be read is an error, not absent: the run would otherwise
    /// replace it without comparing editions (found in review).
    #[test]
    fn a_file_that_cannot_be_read_is_not_taken_for_absent() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(&dir.path().join("mirror")).unwrap();
        folder
            .write("v1/status", b"a file where a folder should be")
            .unwrap();
        let unreadable = folder.read_versioned("v1/status/revocation/0", 100);
        assert!(
            unreadable.is_err(),
            "{:?}",
            unreadable.map(|(stored, _)| stored)
        );
    }

    /// The headers a bucket stores are the ones the repository's nginx configuration serves.
    #[test]
    fn a_bucket_serves_what_the_nginx_mirror_configuration_serves() {
        let conf = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/nginx-mirror.conf"),
        )
        .unwrap();
        for (relative, location) in [
            ("v1/log/checkpoint", "location = /v1/log/checkpoint {"),
            ("v1/log/tile/0/000.p/5", "location /v1/log/tile/ {"),
            ("v1/log/tile/entries/001", "location /v1/log/tile/ {"),
            ("v1/status/revocation/0", "location /v1/status/ {"),
            ("v1/trust-list", "location = /v1/trust-list {"),
            ("ns/scs/v1", "location = /ns/scs/v1 {"),
        ] {
            let block = conf.split(location).nth(1).unwrap();
            let block = block.split('}').next().unwrap();
            let (content_type, cache) = headers_of(relative);
            let served_type = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("default_type "))
                .map_or("application/octet-stream", |t| {
                    t.trim_end_matches(';').trim_matches('"')
                });
            assert_eq!(content_type, served_type, "{relative}");
            assert!(
                block.contains(&format!("Cache-Control \"{cache}\"")),
                "{relative}: {cache}"
            );
        }
    }
}
