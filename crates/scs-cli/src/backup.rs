//! `scs backup` and `scs restore`. The log is the registry's source of truth and every index is
//! derived from it, so a backup is the log's entries with its signed checkpoint (and the trust
//! list in force, for whoever reads it): one file whose integrity is its checkpoint — the
//! entries' Merkle root must be the root the log key signed. A restore writes the log files
//! the registry reads (`scs serve --data DIR` rebuilds the indexes from them), or the log's rows
//! in an empty PostgreSQL database (`--store postgres://…`; `scs serve --store` rebuilds the
//! indexes there), and proves them by replaying them to that signed checkpoint: the files with
//! `scs log check`'s code, the database by reading every entry back. The registry's private
//! keys are never in a backup: they are kept offline, apart (SPEC §8).
//!
//! The file (SPEC §8): the line `SCS-BACKUP 1`; the checkpoint note and the trust list, each
//! as a big-endian u32 length and its bytes; then exactly the checkpoint's size of entries, each
//! as a big-endian u16 length and its bytes (as in an entry bundle).

use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::tlog::{
    entry_bundles_between, leaf_hash, Checkpoint, Frontier, Hash, NoteVerifier, MAX_NOTE_SIZE,
};
use scs_core::trust_list::{TrustList, MAX_TRUST_LIST_BYTES};
use scs_issuer::durable::{self, Disk, RealDisk, Staged};
use scs_ledger::{
    check_log, CheckpointCheck, CheckpointFlush, LogKey, LogStore, Postgres, RESTORING_LOG_DIR,
};
use scs_registry::serve::Store;

use crate::args::{AnchorArgs, StoreArgs};
use crate::config::Settings;
use crate::keys::Anchor;
use crate::log_tiles::bundle_limit;
use crate::registry_cmds::{open_checkpoint, signed_checkpoint, LogBreak};
use crate::{say, Outcome};

/// `scs backup`
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Registry URL to back up (or `registry` in the config file); a static mirror of it
    /// (`scs publish`) serves the same.
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// The backup file to write (replaced durably if it exists).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// The operator key that the registry's trust list must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// `scs restore`
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (`scs backup`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The data folder to restore into, for `scs serve --data DIR`: it must hold no log yet.
    /// With `--store postgres://…` it receives only the trust list (`trust-list.json`).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    // With `--store postgres://…`, the log goes into that database, which must be empty.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The operator key that the backup's trust list must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// The first line of a backup file: its format and version.
const MAGIC: &[u8] = b"SCS-BACKUP 1\n";

/// What a data folder restored into must not hold yet: a log folder (the restore renames the
/// one it builds to `log`), and indexes, which would be another log's.
const LOG_FILES: [&str; 3] = [
    "log",
    "index",
    // What a restore writes beside the log; into PostgreSQL, all it writes (found in review: a
    // live registry's folder given as --data had its trust list overwritten).
    "trust-list.json",
];

/// What both commands say about the keys, which no backup holds.
const KEYS_NOT_INCLUDED: &str = "  秘密鍵（失効リスト鍵・台帳鍵）はバックアップに含まれません。別にオフラインで保管してください / the registry's private keys (status key, log key) are NOT in the backup: keep them apart, offline";

/// `scs backup --registry URL --to FILE`: exit 0 when written, 1 when the registry's entries do
/// not hash to its signed checkpoint (nothing written).
pub fn backup(args: &BackupArgs, settings: &Settings) -> Result<Outcome> {
    let operator = Anchor::resolve(&args.anchor, settings)?.require()?.clone();
    let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
    let trust_list = registry.get_bytes_at_most("/v1/trust-list", MAX_TRUST_LIST_BYTES as u64)?;
    let trust = TrustList::from_signed_bytes(&trust_list, &operator)
        .context("the registry's trust list")?;
    let signed = signed_checkpoint(&registry, &trust)?.map_err(|broken| anyhow!("{broken}"))?;
    let size = signed.checkpoint.size();
    let mut out =
        Staged::create(&args.to).with_context(|| format!("cannot write {}", args.to.display()))?;
    out.write_all(MAGIC)?;
    write_part(&mut out, signed.note.as_bytes())?;
    write_part(&mut out, &trust_list)?;
    let mut frontier = Frontier::new();
    for bundle in entry_bundles_between(0, size) {
        let path = format!("/v1/log/{}", bundle.path());
        let bytes = registry.get_bytes_at_most(&path, bundle_limit(bundle))?;
        for entry in bundle.decode(&bytes).with_context(|| path.clone())? {
            frontier.append(leaf_hash(entry))?;
            // The bundle's own encoding: a u16 length (decode checked it fits) and the entry.
            out.write_all(&(entry.len() as u16).to_be_bytes())?;
            out.write_all(entry)?;
        }
    }
    if frontier.root() != *signed.checkpoint.root() {
        say!(
            "✗ {}",
            LogBreak::Unproven(format!(
                "the entries' root at size {size} is not the checkpoint's"
            ))
        );
        say!("  バックアップは書いていません / no backup was written");
        return Ok(Outcome::No);
    }
    out.commit()
        .with_context(|| format!("cannot write {}", args.to.display()))?;
    say!(
        "✓ バックアップを書きました / backup written: {} — {size} entries up to the signed checkpoint / 署名付きチェックポイントまでの全エントリ",
        args.to.display()
    );
    say!("{KEYS_NOT_INCLUDED}");
    say!(
        "  restore / 復元: scs restore --from {} --data DIR",
        args.to.display()
    );
    Ok(Outcome::Yes)
}

/// Writes one length-prefixed part of the header.
fn write_part(out: &mut impl Write, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| anyhow!("part too large"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)?;
    Ok(())
}

/// Reads one length-prefixed part of the header, of at most `max` bytes.
fn read_part(input: &mut impl Read, max: usize, what: &str) -> Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input
        .read_exact(&mut len)
        .with_context(|| format!("the backup ends before its {what}"))?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        bail!("the backup's {what} is larger than {max} bytes");
    }
    let mut bytes = vec![0u8; len];
    input
        .read_exact(&mut bytes)
        .with_context(|| format!("the backup ends inside its {what}"))?;
    Ok(bytes)
}

/// The next entry, or `None` at the end of the file.
fn read_entry(input: &mut impl Read) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match input.read(&mut len[..1])? {
        0 => return Ok(None),
        _ => input
            .read_exact(&mut len[1..])
            .context("the backup ends inside an entry's length")?,
    }
    let mut entry = vec![0u8; usize::from(u16::from_be_bytes(len))];
    input
        .read_exact(&mut entry)
        .context("the backup ends inside an entry")?;
    Ok(Some(entry))
}

/// A backup's header, checked: the trust list against the operator key, the checkpoint
/// against the log key that trust list names.
struct Header {
    note: Vec<u8>,
    trust_list: Vec<u8>,
    checkpoint: Checkpoint,
    log_key: scs_core::keys::DidKey,
    /// The log key's verifier of checkpoints under the backup's origin.
    verifier: NoteVerifier,
}

impl Header {
    fn read(input: &mut impl Read, operator: &scs_core::keys::DidKey) -> Result<Self> {
        let mut magic = [0u8; MAGIC.len()];
        if input.read_exact(&mut magic).is_err() || magic[..] != *MAGIC {
            bail!("not an scs backup file (it does not start with SCS-BACKUP 1)");
        }
        let note = read_part(input, MAX_NOTE_SIZE, "checkpoint")?;
        let trust_list = read_part(input, MAX_TRUST_LIST_BYTES, "trust list")?;
        let trust = TrustList::from_signed_bytes(&trust_list, operator)
            .context("the backup's trust list")?;
        let log_key = trust.log_key()?;
        let text = std::str::from_utf8(&note).context("the backup's checkpoint is not text")?;
        let origin = text.lines().next().unwrap_or_default();
        let verifier = NoteVerifier::new(origin, *log_key.public_key())?;
        let checkpoint = open_checkpoint(text, &verifier)
            .context("the backup's checkpoint is not signed by the log key of its trust list")?;
        Ok(Self {
            note,
            trust_list,
            checkpoint,
            log_key,
            verifier,
        })
    }
}

/// `scs restore --from FILE --data DIR [--store postgres://…]`: exit 0 when the restored log
/// replays to the backup's signed checkpoint; 2 for a backup that does not check (altered or
/// damaged: nothing kept), or a place to restore into that holds a log already.
pub fn restore(args: &RestoreArgs, settings: &Settings) -> Result<Outcome> {
    let operator = Anchor::resolve(&args.anchor, settings)?.require()?.clone();
    let store = Store::from_flag(&args.store.store)?;
    refuse_a_used_folder(&args.data)?;
    let file = std::fs::File::open(&args.from)
        .with_context(|| format!("cannot read {}", args.from.display()))?;
    let mut input = BufReader::new(file);
    let header =
        Header::read(&mut input, &operator).with_context(|| args.from.display().to_string())?;
    let size = header.checkpoint.size();
    let restored_into = match &store {
        Store::Files => {
            restore_files(&mut input, &header, &args.data, &RealDisk)
                .with_context(|| args.from.display().to_string())?;
            args.data.join("log").display().to_string()
        }
        Store::Postgres(url) => {
            restore_database(&mut input, &header, url, RESTORE_BATCH_BYTES)
                .with_context(|| args.from.display().to_string())?;
            "the PostgreSQL database / PostgreSQL データベース".to_owned()
        }
    };
    durable::create_dir_all(&args.data)
        .with_context(|| format!("cannot create {}", args.data.display()))?;
    let trust_list_file = args.data.join("trust-list.json");
    durable::write(&trust_list_file, &header.trust_list)?;
    say!("✓ 復元しました / restored {size} entries into {restored_into}");
    say!(
        "✓ 台帳を再生し、署名付きチェックポイント（サイズ {size}）と一致 / replayed the restored log to the signed checkpoint: size {size}, root {}, signed by the log key",
        header.checkpoint.root()
    );
    say!("{KEYS_NOT_INCLUDED}");
    let store_flag = match store {
        Store::Files => "",
        // Not the URL itself: it may hold a password.
        Store::Postgres(_) => " --store postgres://…",
    };
    say!(
        "  start / 起動: scs serve --data {}{store_flag} --trust-list {} --operator-key OPERATOR.pub --status-key STATUS.key --log-key LOG.key",
        args.data.display(),
        trust_list_file.display()
    );
    Ok(Outcome::Yes)
}

/// Refuses a data folder that holds a log, indexes or a trust list already.
fn refuse_a_used_folder(data: &Path) -> Result<()> {
    if let Some(found) = LOG_FILES
        .iter()
        .map(|name| data.join(name))
        .find(|p| p.exists())
    {
        bail!(
            "{} already exists: restore into a new data folder / 復元先には台帳か索引がすでにあります",
            found.display()
        );
    }
    Ok(())
}

/// The backup's log as the ledger's files in `data`/log, replayed. The whole folder — entries,
/// leaf records and checkpoint — is built in [`RESTORING_LOG_DIR`] beside it, each file and the
/// folder synced, proven, and only then renamed to `log` (and `data` synced): a restore cut
/// short anywhere leaves the whole log or none, and then the unfinished folder, which the
/// registry refuses and the next restore starts over from. (Found in review: files renamed
/// into `log` one by one left `entries.bin` without `leaves.bin` when the process died between
/// them, a folder `scs restore` refused and `scs serve` took for a new registry.) The syncs and
/// renames go through `disk` (a test stands in one that dies part-way).
fn restore_files(
    input: &mut impl Read,
    header: &Header,
    data: &Path,
    disk: &dyn Disk,
) -> Result<()> {
    let building = data.join(RESTORING_LOG_DIR);
    // Left by a restore that did not finish: never the log.
    match std::fs::remove_dir_all(&building) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(error).with_context(|| format!("cannot remove {}", building.display()))
        }
        _ => {}
    }
    durable::create_dir_all(&building)
        .with_context(|| format!("cannot create {}", building.display()))?;
    write_log(input, &header.checkpoint, &building)?;
    disk.write(&building.join("checkpoint"), &header.note)?;
    for name in ["entries.bin", "leaves.bin", "checkpoint"] {
        disk.sync_file(&building.join(name))?;
    }
    disk.sync_dir(&building)?;
    replay(&building, header)?;
    let log_dir = data.join("log");
    disk.rename(&building, &log_dir).with_context(|| {
        format!(
            "cannot rename {} to {}",
            building.display(),
            log_dir.display()
        )
    })?;
    disk.sync_dir(data)?;
    Ok(())
}

/// Entries appended to the database in one statement: a few MiB at most.
const RESTORE_BATCH_BYTES: usize = 4 << 20;

/// The backup's log as rows of the empty PostgreSQL database at `url`, replayed. The backup is
/// read twice: once to prove it hashes to its signed checkpoint before anything is written,
/// then to write it, in statements of about `batch_bytes` (each committed on its own). The
/// sequencer lease is held throughout, so no registry writes meanwhile.
fn restore_database(
    input: &mut (impl Read + Seek),
    header: &Header,
    url: &str,
    batch_bytes: usize,
) -> Result<()> {
    let database = Postgres::connect(url)?;
    let Some(lease) = database.try_lease()? else {
        bail!(
            "a registry holds the sequencer lease on this database: stop it, and restore into an empty database / このデータベースではレジストリが稼働中です"
        );
    };
    if !database.is_empty()? {
        bail!(
            "the PostgreSQL database already holds a log or indexes: restore into a new, empty database (CREATE DATABASE …) / 復元先のデータベースは空ではありません"
        );
    }
    let start = input.stream_position()?;
    read_entries(input, &header.checkpoint, |_, _| Ok(()))?;
    input.seek(SeekFrom::Start(start))?;
    let log = database.log()?;
    // The backup's checkpoint first (compare-and-swap on the empty log's size 0), the entries
    // after: a restore cut short anywhere leaves a log shorter than its checkpoint, which the
    // registry refuses, saying to restore again; never entries without a checkpoint, which it
    // would sign as they stand — a shorter log under the published one's origin and key (found
    // in review).
    log.write_checkpoint(
        0,
        header.checkpoint.size(),
        &header.note,
        CheckpointFlush::Wait,
    )?;
    let append = |batch: &[Vec<u8>]| -> Result<()> {
        // A registry may take a lease that was lost (its connection closed): nothing more is
        // written behind its back.
        if !lease.is_held() {
            bail!("the sequencer lease was lost (its connection to the database closed) / 書き込み権を失いました");
        }
        log.append(batch)?;
        Ok(())
    };
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut batch_len = 0;
    read_entries(input, &header.checkpoint, |entry, _| {
        batch_len += entry.len();
        batch.push(entry);
        if batch_len >= batch_bytes {
            append(&std::mem::take(&mut batch))?;
            batch_len = 0;
        }
        Ok(())
    })
    .and_then(|()| append(&batch))
    .context(
        "the restore stopped part-way: the database holds the backup's checkpoint without all of its entries, which the registry refuses to serve; drop the database, create it again and restore again / 復元が途中で止まりました。データベースを作り直して復元をやり直してください",
    )?;
    replay_database(&database, header)
}

/// Reads the restored log back from the database — every entry checked against its leaf, the
/// root at the checkpoint's size, the stored checkpoint signed by the log key and the backup's
/// — and requires it all to hold.
fn replay_database(database: &Postgres, header: &Header) -> Result<()> {
    let unproven = || {
        anyhow!(
            "the log restored into the database does not replay to the backup's checkpoint: drop the database and restore again / 復元した台帳がチェックポイントと一致しません"
        )
    };
    // A log opened afresh reads only what the database holds.
    let log = database.log()?;
    let size = header.checkpoint.size();
    if log.size() != size {
        return Err(unproven());
    }
    let mut frontier = Frontier::new();
    for start in (0..size).step_by(scs_ledger::MAX_LEAF_READ as usize) {
        let end = size.min(start + scs_ledger::MAX_LEAF_READ);
        for entry in log.entries(start..end)? {
            frontier.append(leaf_hash(&entry))?;
        }
    }
    let note = log.read_checkpoint()?.ok_or_else(unproven)?;
    let text = std::str::from_utf8(&note).map_err(|_| unproven())?;
    let stored = open_checkpoint(text, &header.verifier).map_err(|_| unproven())?;
    if stored != header.checkpoint || frontier.root() != *stored.root() {
        return Err(unproven());
    }
    Ok(())
}

/// Reads the backup's entries, hands each with its leaf hash to `take`, and requires them to
/// be exactly the tree of the signed checkpoint.
fn read_entries(
    input: &mut impl Read,
    checkpoint: &Checkpoint,
    mut take: impl FnMut(Vec<u8>, Hash) -> Result<()>,
) -> Result<()> {
    let mut frontier = Frontier::new();
    while let Some(entry) = read_entry(input)? {
        if frontier.size() == checkpoint.size() {
            bail!(
                "the backup holds more entries than its checkpoint's {}",
                checkpoint.size()
            );
        }
        let leaf = leaf_hash(&entry);
        frontier.append(leaf)?;
        take(entry, leaf)?;
    }
    if frontier.size() != checkpoint.size() || frontier.root() != *checkpoint.root() {
        bail!(
            "the backup's entries do not hash to its signed checkpoint (altered or damaged) / バックアップが改ざんまたは破損しています"
        );
    }
    Ok(())
}

/// Writes the backup's entries as the ledger's log files in `log_dir` (`entries.bin`: the
/// entries end to end; `leaves.bin`: per entry its leaf hash, offset and length), requiring
/// them to hash to the signed checkpoint's root. Not synced: [`restore_files`] syncs the
/// folder it builds whole.
fn write_log(input: &mut impl Read, checkpoint: &Checkpoint, log_dir: &Path) -> Result<()> {
    let create = |name: &str| -> Result<std::io::BufWriter<std::fs::File>> {
        let path = log_dir.join(name);
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(std::io::BufWriter::new(file))
    };
    let mut entries = create("entries.bin")?;
    let mut leaves = create("leaves.bin")?;
    let mut offset = 0u64;
    read_entries(input, checkpoint, |entry, leaf| {
        entries.write_all(&entry)?;
        leaves.write_all(leaf.as_bytes())?;
        leaves.write_all(&offset.to_be_bytes())?;
        leaves.write_all(&(entry.len() as u32).to_be_bytes())?;
        offset += entry.len() as u64;
        Ok(())
    })?;
    entries.flush()?;
    leaves.flush()?;
    Ok(())
}

/// Reads the restored log back as `scs log check` does — every entry against its leaf, the
/// root at the checkpoint's size, the checkpoint's signature — and requires it all to hold.
fn replay(log_dir: &Path, header: &Header) -> Result<()> {
    let found = check_log(log_dir, &LogKey::Given(*header.log_key.public_key()))?;
    let size = header.checkpoint.size();
    if !found.is_intact() || found.checkpoint != (CheckpointCheck::Matches { size }) {
        bail!(
            "the restored log in {} does not replay to the backup's checkpoint: run scs log check --data",
            log_dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use scs_core::keys::DidKey;
    use scs_issuer::keyfile;
    use scs_ledger::{Ledger, MemoryStore, RegistryKeys};
    use serde_json::Value;

    use super::*;

    fn demo(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../keys/demo")
            .join(name)
    }

    fn operator() -> DidKey {
        keyfile::load_public(&demo("operator.pub")).unwrap()
    }

    fn registry_keys() -> RegistryKeys {
        RegistryKeys {
            status: keyfile::load_secret(&demo("registry-status.key"))
                .unwrap()
                .key,
            log: keyfile::load_secret(&demo("registry-log.key")).unwrap().key,
        }
    }

    fn genesis() -> Value {
        serde_json::from_slice(&std::fs::read(demo("trust-list.json")).unwrap()).unwrap()
    }

    /// Logs the edition of the trust list after the one in force, signed by the demo operator.
    fn publish_next_edition(ledger: &Ledger) {
        let operator = keyfile::load_secret(&demo("operator.key")).unwrap().key;
        let mut next = (*ledger.trust_list().0).clone();
        next.sequence += 1;
        let now = scs_issuer::now();
        let document = scs_core::proof::sign(
            next.to_credential(&operator.public().did_key(), now),
            &operator,
            now,
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let entry =
            scs_ledger::verify_entry(document.clone(), &operator.public().did_key()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(ledger.submit(entry, &document)).unwrap();
    }

    /// A backup of a demo registry (files, in `dir`) whose log holds three entries: the
    /// genesis trust list and two editions after it. Gives the backup and its checkpoint.
    fn demo_backup(dir: &Path) -> (Vec<u8>, String) {
        let ledger = Ledger::open(
            &dir.join("published"),
            Arc::new(MemoryStore::default()),
            operator(),
            registry_keys(),
            &genesis(),
        )
        .unwrap();
        ledger.start_writer();
        publish_next_edition(&ledger);
        publish_next_edition(&ledger);
        ledger.finish_writes();
        let (size, note) = ledger.checkpoint();
        assert_eq!(size, 3);
        let mut backup = MAGIC.to_vec();
        write_part(&mut backup, note.as_bytes()).unwrap();
        write_part(&mut backup, &ledger.trust_list_document().unwrap()).unwrap();
        for index in 0..size {
            let entry = ledger.entry(index).unwrap();
            backup.extend_from_slice(&(entry.len() as u16).to_be_bytes());
            backup.extend_from_slice(&entry);
        }
        (backup, note.to_string())
    }

    /// The registry's ledger over the database at `url`, as `scs serve --store` opens it (the
    /// writer, holding the lease), or as a standby.
    fn open_database(url: &str, standby: bool) -> Result<Arc<Ledger>, scs_ledger::LedgerError> {
        let database = Postgres::connect(url).unwrap();
        let log = Arc::new(database.log().unwrap());
        let index = Arc::new(database.index());
        if standby {
            Ledger::open_standby(log, index, operator(), registry_keys())
        } else {
            // As `scs serve` opens a writer: holding the lease, whose epoch its writes name.
            let _lease = database.try_lease().unwrap().expect("the lease is free");
            Ledger::open_log(log, index, operator(), registry_keys(), &genesis())
        }
    }

    /// A backup file that fails, once it is read again from the start (a restore's second
    /// pass), at byte `fails_at`: a disk that fails, or a restore stopped there.
    struct FailsWhenReadAgain {
        bytes: Cursor<Vec<u8>>,
        read_again: bool,
        fails_at: u64,
    }

    impl Read for FailsWhenReadAgain {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.read_again {
                return self.bytes.read(buf);
            }
            let before_failing = self.fails_at.saturating_sub(self.bytes.position());
            if before_failing == 0 {
                return Err(std::io::Error::other("the disk failed"));
            }
            let len = buf.len().min(before_failing as usize);
            self.bytes.read(&mut buf[..len])
        }
    }

    impl Seek for FailsWhenReadAgain {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            if let SeekFrom::Start(_) = to {
                self.read_again = true;
            }
            self.bytes.seek(to)
        }
    }

    /// Found in review: a restore into PostgreSQL cut short after its first batches left those
    /// entries and no checkpoint, and `scs serve` signed a checkpoint over them: a shorter log
    /// under the published one's origin and key, a fork. The backup's checkpoint is now stored
    /// first, so the registry refuses such a database — the writer and a standby — and a
    /// restore that runs to the end, in as many batches, replays to the same checkpoint.
    #[test]
    fn a_database_restore_cut_short_is_never_served() {
        let Some(url) = scs_ledger::test_support::fresh_database() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let (backup, note) = demo_backup(dir.path());
        let header = Header::read(&mut &backup[..], &operator()).unwrap();
        // Each entry a batch of its own; the backup fails where the third starts.
        let mut fails_at = MAGIC.len() + 8 + header.note.len() + header.trust_list.len();
        for _ in 0..2 {
            fails_at +=
                2 + usize::from(u16::from_be_bytes([backup[fails_at], backup[fails_at + 1]]));
        }
        let mut input = FailsWhenReadAgain {
            bytes: Cursor::new(backup.clone()),
            read_again: false,
            fails_at: fails_at as u64,
        };
        Header::read(&mut input, &operator()).unwrap();
        assert!(restore_database(&mut input, &header, &url, 1).is_err());
        let database = Postgres::connect(&url).unwrap();
        assert_eq!(database.log().unwrap().size(), 2, "two batches stored");

        let refused = open_database(&url, false).unwrap_err().to_string();
        assert!(refused.contains("scs restore"), "{refused}");
        assert!(open_database(&url, true).is_err(), "a standby served it");
        assert_eq!(database.log().unwrap().size(), 2, "nothing appended");

        let Some(url) = scs_ledger::test_support::fresh_database() else {
            return;
        };
        let mut input = Cursor::new(backup.clone());
        Header::read(&mut input, &operator()).unwrap();
        restore_database(&mut input, &header, &url, 1).unwrap();
        let restored = open_database(&url, false).unwrap();
        assert_eq!(restored.checkpoint(), (3, Arc::new(note)));
    }

    /// The real disk, until the process dies: every step after the first `steps` fails.
    #[derive(Debug)]
    struct DyingDisk {
        steps: AtomicUsize,
    }

    impl DyingDisk {
        fn after(steps: usize) -> Self {
            Self {
                steps: AtomicUsize::new(steps),
            }
        }

        fn step(&self) -> std::io::Result<()> {
            self.steps
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .map(|_| ())
                .map_err(|_| std::io::Error::other("the process died here"))
        }
    }

    impl Disk for DyingDisk {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.step()?;
            RealDisk.read(path)
        }
        fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            self.step()?;
            RealDisk.write(path, bytes)
        }
        fn sync_file(&self, path: &Path) -> std::io::Result<()> {
            self.step()?;
            RealDisk.sync_file(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.step()?;
            RealDisk.rename(from, to)
        }
        // A process that died removes nothing: what it left stays for the next run to meet.
        fn remove(&self, path: &Path) -> std::io::Result<()> {
            self.step()?;
            RealDisk.remove(path)
        }
        fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
            self.step()?;
            RealDisk.sync_dir(dir)
        }
    }

    /// The registry over the data folder `data`, as `scs serve --data` opens it.
    fn open_folder(data: &Path) -> Result<Arc<Ledger>, scs_ledger::LedgerError> {
        Ledger::open(
            data,
            Arc::new(MemoryStore::default()),
            operator(),
            registry_keys(),
            &genesis(),
        )
    }

    /// `scs restore --data` as far as the log: the folder checked, the log written.
    fn restore_folder(backup: &[u8], data: &Path, disk: &dyn Disk) -> Result<()> {
        refuse_a_used_folder(data)?;
        let mut input = backup;
        let header = Header::read(&mut input, &operator())?;
        restore_files(&mut input, &header, data, disk)
    }

    /// Found in review: a files restore that died between renaming `entries.bin` and
    /// `leaves.bin` into place left a folder that `scs restore` refused and `scs serve` took
    /// for a new registry (it cut `entries.bin` and signed a genesis under the same origin and
    /// key). The process dying at any step of a restore now leaves a folder the registry
    /// refuses and a restore takes again, or the whole log.
    #[test]
    fn a_files_restore_cut_short_anywhere_is_never_served_and_can_run_again() {
        let dir = tempfile::tempdir().unwrap();
        let (backup, note) = demo_backup(dir.path());
        let whole = |ledger: Arc<Ledger>| {
            assert_eq!(ledger.checkpoint(), (3, Arc::new(note.clone())));
        };
        for steps in 0.. {
            let data = dir.path().join(format!("died-after-{steps}"));
            if restore_folder(&backup, &data, &DyingDisk::after(steps)).is_ok() {
                assert!(steps > 2, "the restore took {steps} steps");
                whole(open_folder(&data).unwrap());
                break;
            }
            match open_folder(&data) {
                Ok(ledger) => whole(ledger),
                Err(refused) => {
                    assert!(refused.to_string().contains("scs restore"), "{refused}");
                    restore_folder(&backup, &data, &RealDisk).unwrap();
                    whole(open_folder(&data).unwrap());
                }
            }
        }
    }
}
