//! `scs publish`: a registry's read side as static files — the C2SP tiles and entry bundles,
//! the checkpoint, every status list, the trust list and the JSON-LD context — in the URL
//! layout the API serves them, so that a plain web server or a CDN serving the folder as its
//! web root answers what `scs verify --registry` and `scs log audit` ask (SPEC §8).
//!
//! Everything is read over HTTP, so it works whatever the registry's store, and is checked
//! before a byte is written: the trust list against the pinned operator key; the status index
//! and every status list against the status key (`bundle::fetch_checked`, as `scs bundle`);
//! the checkpoint against the log key; the tiles up to the checkpoint's root; every entry
//! against its leaf hash; and the checkpoint against the one published before, which it must
//! extend; a status list or trust list in the mirror is replaced only by one at least as new.
//! The order of writing keeps the folder usable at every moment: entries and tiles first, then
//! the status lists, trust list and context, then the partial tiles that a full tile supersedes
//! are removed, and the checkpoint is written last, so that a mirror never names tiles it
//! lacks. A folder is locked for the whole run, from before the registry is read, so that runs
//! from cron that overlap take turns instead of one putting older data over newer.
//!
//! The mirror's web root is a folder or an S3-compatible bucket: two [`Sink`]s of this one
//! publisher, which decides what to write, and when.

mod bucket;
mod sink;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use scs_core::context::SCS_V1_DOCUMENT;
use scs_core::tlog::{
    consistency_proof, entry_bundles_between, leaf_hash, tiles_between, tree_hash, tree_root,
    verify_consistency, Checkpoint, EntryBundle, Hash, HashReader, Node, NoteVerifier, Tile,
    TileHashReader, MAX_NOTE_SIZE, TILE_HEIGHT, TILE_WIDTH,
};
use scs_core::trust_list::{TrustList, MAX_TRUST_LIST_BYTES};

use scs_verifier::{OfflineStatusLists, MAX_STATUS_LIST_BYTES};

use crate::args::AnchorArgs;
use crate::client::Registry;
use crate::config::Settings;
use crate::keys::Anchor;
use crate::log_tiles::{bundle_limit, fetch_tile};
use crate::registry_cmds::{open_checkpoint, LogBreak};
use crate::{say, Outcome};
pub use bucket::BucketUrl;
use sink::{Folder, Sink, Stored, Version};

/// `scs publish`
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Registry URL to read from (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// The folder, or the S3-compatible bucket (`s3://bucket/prefix`; credentials from
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL), to publish into,
    /// to be served as the mirror's web root: `v1/log/checkpoint`, `v1/log/tile/…`,
    /// `v1/status/…`, `v1/trust-list`, `ns/scs/v1`.
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX", value_parser = Target::parse)]
    pub to: Target,
    /// The operator key that the registry's trust list must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// Where `scs publish` writes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A folder on this machine.
    Folder(PathBuf),
    /// An S3 or S3-compatible bucket.
    Bucket(BucketUrl),
}

impl Target {
    fn parse(text: &str) -> Result<Self, String> {
        match BucketUrl::parse(text) {
            Some(bucket) => bucket.map(Self::Bucket),
            None => Ok(Self::Folder(PathBuf::from(text))),
        }
    }

    fn open(&self) -> Result<Box<dyn Sink>> {
        Ok(match self {
            Self::Folder(path) => Box::new(Folder::new(path)?),
            Self::Bucket(url) => Box::new(bucket::Bucket::open(url)?),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Folder(path) => write!(f, "{}", path.display()),
            Self::Bucket(url) => write!(f, "{url}"),
        }
    }
}

/// Where the checkpoint is, below the web root (and the URL path the API serves it at).
const CHECKPOINT: &str = "v1/log/checkpoint";

/// `scs publish --registry URL --to DIR|s3://…`: exit 0 when published, 1 when the registry's log
/// does not extend what the folder holds (nothing replaced).
pub fn run(args: &PublishArgs, settings: &Settings) -> Result<Outcome> {
    let operator = Anchor::resolve(&args.anchor, settings)?.require()?.clone();
    let registry = crate::registry_cmds::registry(settings, args.registry.as_deref())?;
    // Before the registry is read: a folder is then locked (`Folder::new`) from before this
    // run's data was fetched, so runs that take turns publish ever newer data.
    let folder = Mirror::new(args.to.open()?);
    let (file, bundle) = crate::bundle::fetch_checked(&registry, &operator)?;
    let new = &bundle.checkpoint;
    let log_key = bundle.trust_list.log_key()?;
    let verifier = NoteVerifier::new(new.origin(), *log_key.public_key())?;
    let old = folder.published_checkpoint(&verifier)?;
    let old_size = old.as_ref().map_or(0, Checkpoint::size);
    if old_size > new.size() {
        return refuse(&LogBreak::Shrank {
            from: old_size,
            to: new.size(),
        });
    }
    if let Err(broken) = publish_log(&registry, &folder, old.as_ref(), new)? {
        return refuse(&broken);
    }
    let base = bundle.trust_list.registry.base_url.trim_end_matches('/');
    for (text, named) in file.status_lists.iter().zip(&bundle.index.status_lists) {
        let (purpose, list) = scs_ledger::parse_list_url(&named.url, base)
            .ok_or_else(|| anyhow!("status list {} is not at this registry", named.url))?;
        let signed_at = |bytes: &[u8]| {
            let mut lists = OfflineStatusLists::none();
            let list = lists.add_signed(bytes, Some(&bundle.trust_list)).ok()?;
            (list.url == named.url).then_some(list.valid_from)
        };
        folder.put_unless_newer(
            &format!("v1/status/{}/{list}", purpose.as_str()),
            text.as_bytes(),
            MAX_STATUS_LIST_BYTES as u64,
            signed_at,
        )?;
    }
    let sequence = |bytes: &[u8]| {
        TrustList::from_signed_bytes(bytes, &operator)
            .ok()
            .map(|edition| edition.sequence)
    };
    folder.put_unless_newer(
        "v1/trust-list",
        file.trust_list.as_bytes(),
        MAX_TRUST_LIST_BYTES as u64,
        sequence,
    )?;
    folder.put("ns/scs/v1", &checked_context(&registry)?)?;
    let removed = folder.finish(&file.checkpoint, old.as_ref(), new.size(), &verifier)?;
    say!(
        "✓ 公開しました / published {} to {}",
        registry.base(),
        args.to
    );
    match old {
        Some(_) => say!(
            "  台帳 log: size {old_size} → {}, extends what was published / 公開済みの台帳を延長しています",
            new.size()
        ),
        None => say!(
            "  台帳 log: size {}, first publication / 初回の公開",
            new.size()
        ),
    }
    say!(
        "  files: {} written, {} skipped, {removed} superseded partial tiles removed / ファイル: {} 件書き込み、{} 件は公開済みで変更なし",
        folder.written.get(),
        folder.skipped.get(),
        folder.written.get(),
        folder.skipped.get()
    );
    Ok(Outcome::Yes)
}

/// The registry's log does not extend what the folder holds: nothing published is replaced.
fn refuse(broken: &LogBreak) -> Result<Outcome> {
    say!("✗ {broken}");
    say!("  公開済みのファイルは置き換えていません / nothing published was replaced");
    Ok(Outcome::No)
}

/// The registry's JSON-LD context, which must be the one this `scs` knows (it is not signed:
/// nothing else vouches for it).
fn checked_context(registry: &Registry) -> Result<Vec<u8>> {
    let served = registry.get_bytes_at_most("/ns/scs/v1", SCS_V1_DOCUMENT.len() as u64 + 1)?;
    if served != SCS_V1_DOCUMENT.as_bytes() {
        bail!(
            "the registry serves another JSON-LD context at /ns/scs/v1 than this scs knows (a newer version?) / コンテキストが一致しません"
        );
    }
    Ok(served)
}

/// The mirror published into, and what this run wrote and left as it was.
struct Mirror {
    sink: Box<dyn Sink>,
    written: Cell<u64>,
    skipped: Cell<u64>,
}

impl Mirror {
    fn new(sink: Box<dyn Sink>) -> Self {
        Self {
            sink,
            written: Cell::new(0),
            skipped: Cell::new(0),
        }
    }

    /// The checkpoint published before, if any, signed by this log's key under its origin.
    fn published_checkpoint(&self, verifier: &NoteVerifier) -> Result<Option<Checkpoint>> {
        let stored = self.sink.read_at_most(CHECKPOINT, MAX_NOTE_SIZE as u64)?;
        self.checkpoint_in(stored, verifier)
    }

    /// The checkpoint `stored` at [`CHECKPOINT`], if any, signed by this log's key under its
    /// origin.
    fn checkpoint_in(&self, stored: Stored, verifier: &NoteVerifier) -> Result<Option<Checkpoint>> {
        let place = self.sink.location(CHECKPOINT);
        let note = match stored {
            Stored::Absent => return Ok(None),
            Stored::Larger => bail!("{place} is larger than {MAX_NOTE_SIZE} bytes"),
            Stored::Bytes(bytes) => {
                String::from_utf8(bytes).map_err(|_| anyhow!("{place} is not text"))?
            }
        };
        let checkpoint = open_checkpoint(&note, verifier).with_context(|| {
            format!(
                "{place} is not a checkpoint of this registry's log: publish into another folder / 別の台帳のチェックポイントです"
            )
        })?;
        Ok(Some(checkpoint))
    }

    /// Ends a run that wrote every tile of the tree of `new_size` over the one of `old` (the
    /// checkpoint it started from): removes the partial tiles the full ones supersede, then
    /// writes the checkpoint `note` — last, so that from then on the mirror names a tree whose
    /// every tile is in place. The partials go first: a run that stops in between leaves `old`
    /// published, and the next run, starting from it, removes them; removed after the
    /// checkpoint, they would be left for good by a run that stopped in between, the next one
    /// starting from `new_size`. A client of `old` reads the full tile where a partial is gone,
    /// as it must once the checkpoint moves on anyway. The number of files removed.
    fn finish(
        &self,
        note: &str,
        old: Option<&Checkpoint>,
        new_size: u64,
        verifier: &NoteVerifier,
    ) -> Result<u64> {
        let removed = self.remove_superseded_partials(old.map_or(0, Checkpoint::size), new_size)?;
        self.replace_checkpoint(note, old, verifier)?;
        Ok(removed)
    }

    /// Writes the new checkpoint `note`, unless another run published since this one read the
    /// mirror's checkpoint (`read_first`): two runs at once could otherwise leave the older
    /// tree's checkpoint last, and the mirror would seem to shrink. In a bucket the write is
    /// conditional on the object compared, so that no other run's can come in between.
    fn replace_checkpoint(
        &self,
        note: &str,
        read_first: Option<&Checkpoint>,
        verifier: &NoteVerifier,
    ) -> Result<()> {
        let (stored, version) = self.sink.read_versioned(CHECKPOINT, MAX_NOTE_SIZE as u64)?;
        if matches!(&stored, Stored::Bytes(held) if held == note.as_bytes()) {
            self.skipped.set(self.skipped.get() + 1);
            return Ok(());
        }
        if self.checkpoint_in(stored, verifier)?.as_ref() != read_first {
            return Err(self.replaced_meanwhile(CHECKPOINT));
        }
        self.write_unless_replaced(CHECKPOINT, note.as_bytes(), &version)
    }

    /// Writes `bytes` at `relative` if it is still the `version` this run read; a run stops
    /// when another wrote it meanwhile.
    fn write_unless_replaced(&self, relative: &str, bytes: &[u8], version: &Version) -> Result<()> {
        if !self.sink.write_if_unchanged(relative, bytes, version)? {
            return Err(self.replaced_meanwhile(relative));
        }
        self.written.set(self.written.get() + 1);
        Ok(())
    }

    /// Why a run stops when another wrote `relative` since this one read it.
    fn replaced_meanwhile(&self, relative: &str) -> anyhow::Error {
        anyhow!(
            "another scs publish wrote {} meanwhile (runs into a bucket are not locked: run one at a time), and run again / 同じ公開先への公開は一度に一つにしてください",
            self.sink.location(relative)
        )
    }

    /// Writes `bytes` at `relative` (a path the code built, never one read from outside), unless
    /// the mirror already holds exactly them there.
    fn put(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        // A file that cannot be read is written again.
        let held = self.sink.read_at_most(relative, bytes.len() as u64);
        if matches!(held, Ok(Stored::Bytes(held)) if held == bytes) {
            self.skipped.set(self.skipped.get() + 1);
            return Ok(());
        }
        self.sink.write(relative, bytes)?;
        self.written.set(self.written.get() + 1);
        Ok(())
    }

    /// Writes `bytes`, a signed document of which `edition` reads the edition (its signing time,
    /// its sequence number), at `relative` — unless the mirror holds a later edition there:
    /// then another run, which read the registry later, published it, and an older edition put
    /// back over it would undo a change (a revoked credential shown as not revoked). What
    /// `edition` cannot read there (not signed by this registry, or for another list) is
    /// replaced; a mirror that cannot be read fails the run rather than be written blind.
    fn put_unless_newer<E: Ord + std::fmt::Display>(
        &self,
        relative: &str,
        bytes: &[u8],
        max: u64,
        edition: impl Fn(&[u8]) -> Option<E>,
    ) -> Result<()> {
        let (stored, version) = self.sink.read_versioned(relative, max)?;
        if let Stored::Bytes(held) = stored {
            if held == bytes {
                self.skipped.set(self.skipped.get() + 1);
                return Ok(());
            }
            if let (Some(published), Some(fetched)) = (edition(&held), edition(bytes)) {
                if published > fetched {
                    say!(
                        "  {relative}: 公開先の方が新しい版です（{published}、取得した版は {fetched}）。置き換えません / the mirror holds a later edition ({published}) than the one fetched ({fetched}): kept"
                    );
                    self.skipped.set(self.skipped.get() + 1);
                    return Ok(());
                }
            }
        }
        self.write_unless_replaced(relative, bytes, &version)
    }

    /// Removes the partial tiles and bundles that full ones supersede in the tree of `new_size`
    /// (tlog-tiles: a log "MAY delete any partial tile once the corresponding full tile is
    /// available"; clients then read the full tile): those of every tile that became full since
    /// `old_size`, and, whatever `old_size`, those of the last full tile at each level and of
    /// the last full bundle — the edge where partials superseded before `old_size` may still
    /// be: left by a run of an earlier `scs`, which removed them only after writing its
    /// checkpoint, or written by a run into a bucket that overlapped another. The number of
    /// files removed.
    fn remove_superseded_partials(&self, old_size: u64, new_size: u64) -> Result<u64> {
        let mut full: BTreeSet<String> = tiles_between(old_size, new_size)
            .into_iter()
            .filter(|tile| !tile.is_partial())
            .map(|tile| tile.path())
            .collect();
        full.extend(
            entry_bundles_between(old_size, new_size)
                .into_iter()
                .filter(|bundle| !bundle.is_partial())
                .map(|bundle| bundle.path()),
        );
        for level in 0..TILE_HEIGHT {
            let hashes = new_size >> (u32::from(TILE_HEIGHT) * u32::from(level));
            if let Some(last) = (hashes / u64::from(TILE_WIDTH)).checked_sub(1) {
                full.insert(Tile::new(level, last, TILE_WIDTH)?.path());
            }
        }
        if let Some(last) = (new_size / u64::from(TILE_WIDTH)).checked_sub(1) {
            full.insert(EntryBundle::new(last, TILE_WIDTH)?.path());
        }
        let mut removed = 0;
        for full in full {
            removed += self.sink.remove_below(&format!("v1/log/{full}.p"))?;
        }
        Ok(removed)
    }
}

/// Publishes the tiles and entry bundles of the tree of `new` over those of `old` (published
/// before). `Ok(Err(_))`, before anything is written, when the tiles do not hash to `new`'s root
/// or that tree does not extend `old`'s; after that only entries and tiles checked against
/// tiles already checked are written, so an interrupted run leaves nothing wrong behind.
fn publish_log(
    registry: &Registry,
    folder: &Mirror,
    old: Option<&Checkpoint>,
    new: &Checkpoint,
) -> Result<Result<(), LogBreak>> {
    let old_size = old.map_or(0, Checkpoint::size);
    let changed = tiles_between(old_size, new.size());
    let bottom: Vec<Tile> = changed.iter().filter(|t| t.level() == 0).copied().collect();
    // Held in memory: every changed tile above the bottom level (1/256 of the tree) and the
    // bottom tiles at either end of the change, which hold the right edges of both trees.
    let ends = [bottom.first().copied(), bottom.last().copied()];
    let mut spine = Vec::new();
    for &tile in &changed {
        if tile.level() > 0 || ends.contains(&Some(tile)) {
            spine.push((tile, fetch_tile(registry, tile)?));
        }
    }
    // Any other tile the checks need (the edges of both trees) is the registry's too: what
    // the folder holds is trusted only once the registry's tree is proved to extend it.
    let reader = TileHashReader::new(new.size(), |tile| fetch_tile(registry, tile));
    for (tile, hashes) in &spine {
        reader.insert(*tile, hashes.clone());
    }
    if let Err(broken) = check_tree(&reader, &spine, old, new)? {
        return Ok(Err(broken));
    }
    // The tiles above are checked now: each bottom tile is checked against its hash there,
    // its entries against it, and both are written, one tile at a time.
    for &tile in &bottom {
        let hashes = match spine.iter().find(|(held, _)| *held == tile) {
            Some((_, hashes)) => hashes.clone(),
            None => {
                let hashes = fetch_tile(registry, tile)?;
                if parent_hash(&reader, tile)? != tree_hash(&hashes) {
                    return Ok(Err(LogBreak::Unproven(format!(
                        "tile {} does not hash to the tile above it",
                        tile.path()
                    ))));
                }
                hashes
            }
        };
        if let Err(broken) = publish_entries(registry, folder, tile, &hashes)? {
            return Ok(Err(broken));
        }
        folder.put(&format!("v1/log/{}", tile.path()), &tile.encode(&hashes)?)?;
    }
    for (tile, hashes) in spine.iter().filter(|(tile, _)| tile.level() > 0) {
        folder.put(&format!("v1/log/{}", tile.path()), &tile.encode(hashes)?)?;
    }
    let unchanged = unchanged_files(old_size, new.size());
    folder.skipped.set(folder.skipped.get() + unchanged);
    Ok(Ok(()))
}

/// How many tiles and entry bundles of the tree of `new_size` are as the tree of `old_size`
/// published them — counted, not listed (a large tree has millions): at each level, every tile
/// full below the first hash added, or all of them if none was added there.
fn unchanged_files(old_size: u64, new_size: u64) -> u64 {
    let width = u64::from(TILE_WIDTH);
    let unchanged = |old_count: u64, new_count: u64| match new_count > old_count {
        true => old_count / width,
        false => new_count.div_ceil(width),
    };
    let tiles: u64 = (0..TILE_HEIGHT)
        .map(|level| {
            let shift = u32::from(TILE_HEIGHT) * u32::from(level);
            unchanged(old_size >> shift, new_size >> shift)
        })
        .sum();
    // An entry bundle for each bottom tile.
    tiles + unchanged(old_size, new_size)
}

/// Checks the tiles held against the checkpoints: they hash to `new`'s root, every full one to
/// its hash in the tile above, and the tree they make extends `old`'s (consistency proof).
fn check_tree<R>(
    reader: &R,
    spine: &[(Tile, Vec<Hash>)],
    old: Option<&Checkpoint>,
    new: &Checkpoint,
) -> Result<Result<(), LogBreak>>
where
    R: HashReader,
    R::Error: std::fmt::Display,
{
    let root = tree_root(new.size(), reader).map_err(|e| anyhow!("{e}"))?;
    if root != *new.root() {
        return Ok(Err(LogBreak::Unproven(format!(
            "the tiles' root at size {} is not the checkpoint's",
            new.size()
        ))));
    }
    for (tile, hashes) in spine.iter().filter(|(tile, _)| !tile.is_partial()) {
        if parent_hash(reader, *tile)? != tree_hash(hashes) {
            return Ok(Err(LogBreak::Unproven(format!(
                "tile {} does not hash to the tile above it",
                tile.path()
            ))));
        }
    }
    if let Some(old) = old {
        let proof =
            consistency_proof(old.size(), new.size(), reader).map_err(|e| anyhow!("{e}"))?;
        if let Err(error) =
            verify_consistency(old.size(), new.size(), old.root(), new.root(), &proof)
        {
            return Ok(Err(LogBreak::Inconsistent(error.to_string())));
        }
    }
    Ok(Ok(()))
}

/// The hash a full `tile` must have: its node's, read from the tile above.
fn parent_hash<R>(reader: &R, tile: Tile) -> Result<Hash>
where
    R: HashReader,
    R::Error: std::fmt::Display,
{
    let node = Node::new((tile.level() + 1) * TILE_HEIGHT, tile.index());
    reader
        .read_hashes(&[node])
        .map_err(|e| anyhow!("{e}"))?
        .first()
        .copied()
        .ok_or_else(|| anyhow!("no hash for tile {}", tile.path()))
}

/// Publishes the entry bundle of bottom tile `tile`, once every entry hashes to its leaf.
fn publish_entries(
    registry: &Registry,
    folder: &Mirror,
    tile: Tile,
    leaves: &[Hash],
) -> Result<Result<(), LogBreak>> {
    let bundle = EntryBundle::new(tile.index(), tile.width())?;
    let path = format!("v1/log/{}", bundle.path());
    let bytes = registry.get_bytes_at_most(&format!("/{path}"), bundle_limit(bundle))?;
    let entries = bundle.decode(&bytes).with_context(|| path.clone())?;
    for (index, (entry, leaf)) in bundle.entry_indexes().zip(entries.iter().zip(leaves)) {
        if leaf_hash(entry) != *leaf {
            return Ok(Err(LogBreak::Unproven(format!(
                "entry {index} does not hash to its leaf"
            ))));
        }
    }
    folder.put(&path, &bytes)?;
    Ok(Ok(()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use scs_core::tlog::MemoryTree;

    fn tree(size: u64, salt: &str) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for i in 0..size {
            tree.push(leaf_hash(format!("{salt} {i}").as_bytes()))
                .unwrap();
        }
        tree
    }

    fn hashes_of(tree: &MemoryTree, tile: Tile) -> Vec<Hash> {
        let range = tile.hash_indexes();
        tree.level(tile.hash_level())[range.start as usize..range.end as usize].to_vec()
    }

    fn checkpoint(tree: &MemoryTree) -> Checkpoint {
        Checkpoint::new("registry.example/v1/log", tree.size(), tree.root()).unwrap()
    }

    /// `check_tree` over the changed tiles `spine` (as fetched, perhaps altered), any other
    /// tile read from `tree`.
    fn check(
        tree: &MemoryTree,
        spine: &[(Tile, Vec<Hash>)],
        old: &MemoryTree,
    ) -> Result<(), LogBreak> {
        let reader = TileHashReader::new(tree.size(), |tile| {
            Ok::<_, anyhow::Error>(hashes_of(tree, tile))
        });
        for (tile, hashes) in spine {
            reader.insert(*tile, hashes.clone());
        }
        check_tree(&reader, spine, Some(&checkpoint(old)), &checkpoint(tree)).unwrap()
    }

    #[test]
    fn the_checkpoint_is_not_replaced_over_one_another_run_published_meanwhile() {
        let key = scs_core::keys::SecretKey::from_seed(&[7; 32]);
        let verifier = NoteVerifier::new("registry.example/v1/log", key.public()).unwrap();
        let (small, large) = (tree(3, "leaf"), tree(5, "leaf"));
        let note = |tree: &MemoryTree| checkpoint(tree).sign(&key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let folder = Mirror::new(Box::new(Folder::new(dir.path()).unwrap()));
        assert_eq!(folder.published_checkpoint(&verifier).unwrap(), None);
        folder
            .replace_checkpoint(&note(&small), None, &verifier)
            .unwrap();
        let first = folder.published_checkpoint(&verifier).unwrap();
        assert_eq!(first, Some(checkpoint(&small)));
        // A slower run that read no checkpoint, or the small one after a faster run published
        // the large one, must not put its own back.
        folder
            .replace_checkpoint(&note(&large), first.as_ref(), &verifier)
            .unwrap();
        assert!(folder
            .replace_checkpoint(&note(&small), None, &verifier)
            .is_err());
        assert!(folder
            .replace_checkpoint(&note(&small), first.as_ref(), &verifier)
            .is_err());
        assert_eq!(
            folder.published_checkpoint(&verifier).unwrap(),
            Some(checkpoint(&large))
        );
        // Another log's checkpoint in the folder is refused outright.
        let other = scs_core::keys::SecretKey::from_seed(&[8; 32]);
        let verifier = NoteVerifier::new("registry.example/v1/log", other.public()).unwrap();
        assert!(folder.published_checkpoint(&verifier).is_err());
    }

    /// A folder whose removals fail while `failing` is set.
    #[derive(Debug)]
    struct FailingRemovals {
        folder: Folder,
        failing: std::rc::Rc<Cell<bool>>,
    }

    impl Sink for FailingRemovals {
        fn location(&self, relative: &str) -> String {
            self.folder.location(relative)
        }
        fn read_versioned(&self, relative: &str, max: u64) -> Result<(Stored, sink::Version)> {
            self.folder.read_versioned(relative, max)
        }
        fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
            self.folder.write(relative, bytes)
        }
        fn write_if_unchanged(
            &self,
            relative: &str,
            bytes: &[u8],
            version: &sink::Version,
        ) -> Result<bool> {
            self.folder.write_if_unchanged(relative, bytes, version)
        }
        fn remove_below(&self, relative: &str) -> Result<u64> {
            if self.failing.get() {
                bail!("cannot remove {relative}");
            }
            self.folder.remove_below(relative)
        }
    }

    /// Found in review: the partial tiles a run's full tiles supersede were removed after its
    /// checkpoint was written, so a run that stopped in between left them for good: the next
    /// run started from the new checkpoint and looked only past it. They are removed first
    /// now, and a run that stops in between leaves the old checkpoint for the next to start
    /// from. (Here tile 0 became full, but tile 1 is the last full one: not at the edge.)
    #[test]
    fn partial_tiles_are_removed_before_the_checkpoint_that_supersedes_them() {
        let key = scs_core::keys::SecretKey::from_seed(&[7; 32]);
        let verifier = NoteVerifier::new("registry.example/v1/log", key.public()).unwrap();
        let note = |size: u64| checkpoint(&tree(size, "leaf")).sign(&key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let failing = std::rc::Rc::new(Cell::new(false));
        let folder = Mirror::new(Box::new(FailingRemovals {
            folder: Folder::new(dir.path()).unwrap(),
            failing: failing.clone(),
        }));
        // Published at size 100, and the tiles of size 600 written since.
        folder
            .replace_checkpoint(&note(100), None, &verifier)
            .unwrap();
        let partials = ["v1/log/tile/0/000.p/100", "v1/log/tile/entries/000.p/100"];
        for path in partials.iter().chain(&[
            "v1/log/tile/0/000",
            "v1/log/tile/0/001",
            "v1/log/tile/0/002.p/88",
        ]) {
            folder.sink.write(path, b"tile").unwrap();
        }
        let held = |path: &str| dir.path().join(path).exists();

        failing.set(true);
        let published = folder.published_checkpoint(&verifier).unwrap();
        assert!(folder
            .finish(&note(600), published.as_ref(), 600, &verifier)
            .is_err());
        assert_eq!(
            folder.published_checkpoint(&verifier).unwrap(),
            Some(checkpoint(&tree(100, "leaf")))
        );

        failing.set(false);
        let published = folder.published_checkpoint(&verifier).unwrap();
        let removed = folder
            .finish(&note(600), published.as_ref(), 600, &verifier)
            .unwrap();
        assert_eq!(removed, 2);
        assert!(!partials.iter().any(|path| held(path)));
        assert!(held("v1/log/tile/0/002.p/88"));
        assert_eq!(
            folder.published_checkpoint(&verifier).unwrap(),
            Some(checkpoint(&tree(600, "leaf")))
        );
    }

    /// Found in review: every run listed every tile and bundle of the whole tree only to count
    /// the unchanged ones. They are counted: the same numbers as listing, without the list,
    /// even for a tree no list of which fits in memory.
    #[test]
    fn unchanged_tiles_and_bundles_are_counted_without_listing_the_tree() {
        let listed = |old: u64, new: u64| {
            let tiles = tiles_between(0, new).len() - tiles_between(old, new).len();
            let bundles =
                entry_bundles_between(0, new).len() - entry_bundles_between(old, new).len();
            (tiles + bundles) as u64
        };
        let sizes = [
            0, 1, 5, 255, 256, 257, 511, 512, 700, 65_535, 65_536, 65_537, 70_000,
        ];
        for new in sizes {
            for old in sizes.into_iter().filter(|old| *old <= new) {
                assert_eq!(unchanged_files(old, new), listed(old, new), "{old} → {new}");
            }
        }
        // 2^60 entries: 2^52 bottom tiles and bundles, 2^44 tiles above them, and so on, to 16
        // hashes in one tile at the top level.
        let huge = 1 << 60;
        let per_level: u64 = [52, 44, 36, 28, 20, 12, 4, 0]
            .iter()
            .map(|p| 1u64 << p)
            .sum();
        assert_eq!(unchanged_files(huge, huge), per_level + (1 << 52));
        assert_eq!(
            unchanged_files(huge - 1, huge),
            per_level + (1 << 52) - 8 - 1
        );
    }

    #[test]
    fn every_changed_tile_must_hash_up_to_the_root_and_extend_what_was_published() {
        let new = tree(70_000, "leaf");
        let old = tree(66_000, "leaf");
        let spine: Vec<(Tile, Vec<Hash>)> = tiles_between(66_000, 70_000)
            .into_iter()
            .map(|tile| (tile, hashes_of(&new, tile)))
            .collect();
        assert_eq!(check(&new, &spine, &old), Ok(()));
        assert_eq!(check(&new, &spine[..0], &new), Ok(()));

        // One hash changed in a full bottom tile inside the change: the root is read from the
        // tiles above it, so only its own hash there gives it away.
        let mut altered = spine.clone();
        let inside = altered
            .iter()
            .position(|(tile, _)| tile.level() == 0 && tile.index() == 260)
            .unwrap();
        altered[inside].1[17].0[0] ^= 1;
        assert!(
            matches!(check(&new, &altered, &old), Err(LogBreak::Unproven(why)) if why.contains("tile/0/260")),
        );
        // One hash changed in the partial tile at the right edge: the root differs.
        let mut altered = spine.clone();
        altered.last_mut().unwrap().1[0].0[0] ^= 1;
        let edge = altered.len() - 1;
        assert!(altered[edge].0.is_partial());
        assert!(matches!(
            check(&new, &altered, &old),
            Err(LogBreak::Unproven(_))
        ));
        // Another log of the same or a smaller size published before: a fork.
        let other = tree(66_000, "forged");
        assert!(matches!(
            check(&new, &spine, &other),
            Err(LogBreak::Inconsistent(_))
        ));
        assert!(matches!(
            check(&new, &spine[..0], &tree(70_000, "forged")),
            Err(LogBreak::Inconsistent(_))
        ));
    }
}
