//! `scs verify-batch suppliers.csv --bundle bundle.json --credentials FILE.jsonl|DIR`: the
//! supplier list checked without a network, against an offline bundle (`scs bundle`) and the
//! credentials the suppliers sent.
//!
//! Every credential given is read and its signature checked at once
//! ([`Verifier::check_batch`]: parsing, proofs and Ed25519 batch verification spread over the
//! cores); then each row of the list is judged by the same `scs_suppliers` code as online, with
//! this [`Offline`] source answering from the credentials given (by the 法人番号 their signed
//! subject names) and the bundle's trust list and status lists. The rows' credentials are
//! answered together, on every core too ([`Verifier::answer_each`]). The bundle's age is a check of
//! every report: data older than `--max-age` makes every row 判定不能 / unknown.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::TryRecvError;
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use anyhow::{bail, Context, Result};
use scs_core::credential::StatusPurpose;
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::CredentialState;
use scs_core::report::{Check, Message, Report};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_suppliers::judge::failing_detail;
use scs_suppliers::{CredentialSummary, Organization, RegistrySource};
use scs_verifier::{
    InputError, Question, SignatureChecked, StatusAnswer, StatusSource, Verifier,
    MAX_CREDENTIAL_BYTES,
};

use crate::keys::{read_bounded, Anchor};

/// Most credentials read in one run.
const MAX_CREDENTIALS: usize = 1_000_000;

/// Largest credentials input in all, in bytes (a ★ credential is about 1.5 KiB).
const MAX_CREDENTIALS_BYTES: usize = 1024 * 1024 * 1024;

/// Credentials that could not be used, named one by one on stderr up to this many.
const MAX_NAMED_PROBLEMS: usize = 20;

/// The credentials are read a block of about this many bytes (about 2,600 credentials) at a
/// time, on a thread of their own, while each core checks a block of its own and another thread
/// files the results: a supplier base's file (100,000 credentials are 160 MB) is never all in
/// memory at once, and both cores are kept busy from the first block to the last. Small, so
/// that the last block, which one core checks while the other has none left, is short
/// (docs/DECISIONS.md).
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// One block of the credentials given: its bytes, where each credential lies in them, and
/// where each came from (a line number, or which file), named only when one cannot be used.
struct Block<'p> {
    /// Its place among the blocks, counted from 0 in the order they were read.
    index: usize,
    bytes: Vec<u8>,
    spans: Vec<Range<usize>>,
    numbers: Vec<usize>,
    origin: Origin<'p>,
}

impl Block<'_> {
    /// Each credential's bytes, in order.
    fn credentials(&self) -> Vec<&[u8]> {
        self.spans
            .iter()
            .map(|span| self.bytes.get(span.clone()).unwrap_or_default())
            .collect()
    }
}

/// Where the credentials were read from.
enum Origin<'p> {
    /// A JSON Lines file: a credential's number is its line's.
    Lines(&'p Path),
    /// A folder: a credential's number is its file's in this list.
    Files(Arc<[PathBuf]>),
}

impl Origin<'_> {
    /// Where credential `number` came from: `FILE line N`, or its file.
    fn name(&self, number: usize) -> String {
        match self {
            Origin::Lines(path) => format!("{} line {number}", path.display()),
            Origin::Files(files) => files
                .get(number)
                .map(|file| file.display().to_string())
                .unwrap_or_default(),
        }
    }
}

/// Reads the credentials in `path` block by block, `check`s each, and hands each block with
/// what `check` gave to `file`, in reading order: a JSON Lines file (one credential per line;
/// blank lines skipped) or a folder of `.json` files (one credential each, in name order). A
/// block holds about `block_bytes` (a credential is never split).
///
/// The blocks are read on a thread of their own and checked on `workers` threads at once, each
/// taking the next block as soon as it is done with one; `file` runs on the calling thread,
/// which keeps a block checked early until those before it are filed. At most
/// `2 × workers + 2` blocks are out at once (read, waiting, being checked, or waiting to be
/// filed): the reader waits for a filed block's buffer before it reads another, so neither the
/// file nor the results of a block checked late pile up, and the pages are not faulted in
/// afresh. An error reading (or too much to read) ends the reading: the blocks read before it
/// are still checked and filed, and the error is returned. An error checking or filing stops
/// the workers and the reader; a panic in `check` is passed on once they have stopped.
fn each_block<'p, R: Send>(
    path: &'p Path,
    block_bytes: usize,
    workers: usize,
    check: impl Fn(&Block<'p>) -> Result<R> + Sync,
    mut file: impl FnMut(&Block<'p>, R) -> Result<()>,
) -> Result<()> {
    let files = if path.is_dir() {
        Some(folder_files(path)?)
    } else {
        None
    };
    let workers = workers.max(1);
    let (to_check, blocks) = mpsc::sync_channel(workers);
    // Shared by the workers, and dropped with the last of them: a reader waiting to hand over a
    // block no one will check is then released.
    let blocks = Arc::new(Mutex::new(blocks));
    let (to_reuse, spent) = mpsc::channel();
    let (to_file, checked) = mpsc::channel();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let reader = BlockReader {
                block_bytes,
                to_check,
                spent,
                most_out: 2 * workers + 2,
                made: 0,
                unsent: Vec::new(),
                sent: 0,
            };
            match files {
                Some(files) => reader.files(path, files),
                None => reader.lines(path),
            }
        });
        let (check, stop) = (&check, &stop);
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                let (blocks, to_file) = (blocks.clone(), to_file.clone());
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let next = blocks.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(block) = next else {
                            return;
                        };
                        let checked = match catch_unwind(AssertUnwindSafe(|| check(&block))) {
                            Ok(Ok(result)) => Checked::Block(block, result),
                            Ok(Err(error)) => Checked::Failed(error),
                            Err(panic) => Checked::Panicked(panic),
                        };
                        let last = !matches!(checked, Checked::Block(..));
                        if last {
                            stop.store(true, Ordering::Relaxed);
                        }
                        // Fails only once the calling thread has stopped filing.
                        let _ = to_file.send(checked);
                        if last {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop((blocks, to_file));
        let (mut waiting, mut next) = (BTreeMap::new(), 0);
        let mut outcome = Ok(());
        let mut panicked = None;
        'filing: for checked in &checked {
            let (block, result) = match checked {
                Checked::Block(block, result) => (block, result),
                Checked::Failed(error) => {
                    outcome = Err(error);
                    break;
                }
                Checked::Panicked(panic) => {
                    panicked = Some(panic);
                    break;
                }
            };
            waiting.insert(block.index, (block, result));
            while let Some((block, result)) = waiting.remove(&next) {
                next += 1;
                if let Err(error) = file(&block, result) {
                    outcome = Err(error);
                    break 'filing;
                }
                // The reader has stopped when this fails: nothing to reuse.
                let _ = to_reuse.send(block.bytes);
            }
        }
        // Stops the workers at their next block, and releases a reader waiting for a buffer.
        stop.store(true, Ordering::Relaxed);
        drop((to_reuse, checked));
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        if let Some(panic) = panicked {
            std::panic::resume_unwind(panic);
        }
        // Every block sent is filed or the run failed: a block left waiting would be
        // credentials silently dropped, so it is an error, never a shorter answer.
        if outcome.is_ok() && !waiting.is_empty() {
            bail!("block {next} of the credentials was read but never checked");
        }
        outcome.and(read)
    })
}

/// What a worker of [`each_block`] sends back.
enum Checked<'p, R> {
    Block(Block<'p>, R),
    Failed(anyhow::Error),
    Panicked(Box<dyn std::any::Any + Send>),
}

/// The reading side of [`each_block`]: it sends each block to be checked and takes spent
/// buffers back.
struct BlockReader<'p> {
    block_bytes: usize,
    to_check: mpsc::SyncSender<Block<'p>>,
    spent: mpsc::Receiver<Vec<u8>>,
    /// Most buffers made: past that, the next block waits for a filed one's.
    most_out: usize,
    /// Buffers made so far.
    made: usize,
    /// Buffers of blocks that held no credential (blank lines only), never sent: used again
    /// first, since no filed block will bring them back.
    unsent: Vec<Vec<u8>>,
    /// How many blocks were sent: the next one's index.
    sent: usize,
}

impl<'p> BlockReader<'p> {
    /// An empty buffer for the next block: an unsent or spent one when there is one, a new
    /// one while fewer than `most_out` were made, else the next one filed; `None` once no one
    /// files any more (checking or filing failed).
    fn buffer(&mut self) -> Option<Vec<u8>> {
        let mut buffer = match self.unsent.pop() {
            Some(buffer) => buffer,
            None => match self.spent.try_recv() {
                Ok(buffer) => buffer,
                // The calling thread has stopped filing: read no more.
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) if self.made < self.most_out => {
                    self.made += 1;
                    Vec::with_capacity(2 * self.block_bytes)
                }
                Err(TryRecvError::Empty) => self.spent.recv().ok()?,
            },
        };
        buffer.clear();
        Some(buffer)
    }

    /// Sends a block to be checked, numbered; false when no one checks any more (checking
    /// failed).
    fn send(&mut self, mut block: Block<'p>) -> bool {
        if block.spans.is_empty() {
            self.unsent.push(block.bytes);
            return true;
        }
        block.index = self.sent;
        self.sent += 1;
        self.to_check.send(block).is_ok()
    }

    fn lines(mut self, path: &'p Path) -> Result<()> {
        let block_bytes = self.block_bytes;
        let cannot_read = || format!("cannot read {}", path.display());
        let mut file = std::fs::File::open(path).with_context(cannot_read)?;
        // Refused before any work when its length already says so; the count below still
        // holds for a file that grows, or a pipe.
        if file
            .metadata()
            .is_ok_and(|m| m.len() > MAX_CREDENTIALS_BYTES as u64)
        {
            bail!(
                "{} is larger than {MAX_CREDENTIALS_BYTES} bytes",
                path.display()
            );
        }
        // What followed the last line break of the block before: the start of a line.
        let mut partial = Vec::new();
        let (mut line, mut total, mut count) = (1, 0, 0);
        loop {
            let Some(mut buffer) = self.buffer() else {
                return Ok(());
            };
            buffer.extend_from_slice(&partial);
            let read = (&mut file)
                .take(block_bytes as u64)
                .read_to_end(&mut buffer)
                .with_context(cannot_read)?;
            total += read;
            if total > MAX_CREDENTIALS_BYTES {
                bail!(
                    "{} is larger than {MAX_CREDENTIALS_BYTES} bytes",
                    path.display()
                );
            }
            // Fewer bytes than asked for: the file has ended.
            let at_end = read < block_bytes;
            // Whole lines only, but at the end: what follows the last line break is kept for
            // the next block.
            let end = match memchr::memrchr(b'\n', &buffer) {
                _ if at_end => buffer.len(),
                Some(last) => last,
                // Not at the end, so a whole block was read after what was kept: no line
                // break in at least a block's bytes.
                None => bail!(
                    "{} line {line}: longer than {block_bytes} bytes / {line} 行目が長すぎます",
                    path.display()
                ),
            };
            partial.clear();
            partial.extend_from_slice(buffer.get(end + 1..).unwrap_or_default());
            let (mut spans, mut numbers) = (Vec::new(), Vec::new());
            let lines = buffer.get(..end).unwrap_or_default();
            let mut start = 0;
            // memchr's search: a byte-by-byte split was 3 % of the whole run's CPU.
            for stop in memchr::memchr_iter(b'\n', lines).chain(std::iter::once(lines.len())) {
                let text = lines.get(start..stop).unwrap_or_default();
                if !text.trim_ascii().is_empty() {
                    spans.push(start..stop);
                    numbers.push(line);
                }
                start = stop + 1;
                line += 1;
            }
            count += spans.len();
            if count > MAX_CREDENTIALS {
                bail!(too_many(path));
            }
            let block = Block {
                index: 0,
                bytes: buffer,
                spans,
                numbers,
                origin: Origin::Lines(path),
            };
            if !self.send(block) || at_end {
                return Ok(());
            }
        }
    }

    fn files(mut self, path: &Path, files: Arc<[PathBuf]>) -> Result<()> {
        let mut numbered = files.iter().enumerate().peekable();
        let mut total = 0;
        while numbered.peek().is_some() {
            let Some(mut buffer) = self.buffer() else {
                return Ok(());
            };
            let (mut spans, mut numbers) = (Vec::new(), Vec::new());
            for (number, file) in numbered.by_ref() {
                let start = buffer.len();
                buffer.extend_from_slice(&read_bounded(file, MAX_CREDENTIAL_BYTES)?);
                total += buffer.len() - start;
                if total > MAX_CREDENTIALS_BYTES {
                    bail!(
                        "{}: more than {MAX_CREDENTIALS_BYTES} bytes of credentials",
                        path.display()
                    );
                }
                spans.push(start..buffer.len());
                numbers.push(number);
                if buffer.len() >= self.block_bytes {
                    break;
                }
            }
            let block = Block {
                index: 0,
                bytes: buffer,
                spans,
                numbers,
                origin: Origin::Files(files.clone()),
            };
            if !self.send(block) {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The `.json` files in the folder, in name order.
fn folder_files(path: &Path) -> Result<Arc<[PathBuf]>> {
    let mut files: Vec<_> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read the folder {}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|file| file.extension().is_some_and(|e| e == "json") && file.is_file())
        .take(MAX_CREDENTIALS + 1)
        .collect();
    if files.len() > MAX_CREDENTIALS {
        bail!(too_many(path));
    }
    files.sort();
    Ok(files.into())
}

fn too_many(path: &Path) -> String {
    format!(
        "{}: more than {MAX_CREDENTIALS} credentials / 証明書が {MAX_CREDENTIALS} 件を超えています",
        path.display()
    )
}

/// The credentials given that can be used, found by 法人番号 and id, and why the others cannot.
#[derive(Default)]
struct Given {
    checked: Vec<SignatureChecked>,
    by_number: HashMap<CorporateNumber, Vec<usize>>,
    by_id: HashMap<CredentialId, usize>,
    /// The first [`MAX_NAMED_PROBLEMS`] credentials that cannot be used, each with why.
    problems: Vec<String>,
    /// How many more cannot be used.
    unnamed: usize,
}

impl Given {
    /// Room for as many credentials as `path` may hold (a ★ credential is over 1 KiB), so that
    /// the list of checked ones is not copied to a new place as it grows: the copies and the
    /// fresh pages they touched were a twentieth of the run's CPU time. Room not used is only
    /// address space.
    fn for_credentials_in(path: &Path) -> Self {
        let likely = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => usize::try_from(m.len() / 1024).unwrap_or(MAX_CREDENTIALS),
            _ => 0,
        };
        Self {
            checked: Vec::with_capacity(likely.min(MAX_CREDENTIALS)),
            ..Self::default()
        }
    }

    /// Keeps a credential whose signature holds and that a listed issuer signed, the first of
    /// each id; else says why not (`name` saying where it came from, `why` why a credential whose
    /// signature was checked cannot be read).
    fn add(
        &mut self,
        result: Result<SignatureChecked, InputError>,
        trust_list: &TrustList,
        name: impl Fn() -> String,
        why: impl Fn(&SignatureChecked) -> Message,
    ) {
        let usable = match result {
            Ok(usable) => usable,
            Err(error) => return self.problem(|| format!("{}: {error}", name())),
        };
        let Some(credential) = usable.credential() else {
            return self.problem(|| {
                let why = why(&usable);
                format!("{}: {} / {}", name(), why.ja, why.en)
            });
        };
        // Only what a listed issuer signed is anyone's: a credential any key can sign would
        // let one supplier crowd another's real credential out of its row.
        if usable
            .signer()
            .is_none_or(|key| trust_list.issuer(key).is_none())
        {
            return self.problem(|| format!("{}: 指定機関一覧にない鍵で署名されています / signed by a key the trust list does not name", name()));
        }
        let id = credential.id;
        if self.by_id.contains_key(&id) {
            return self.problem(|| format!("{}: 証明書ID {id} が重複しています（先に読んだものを使います） / credential id {id} given twice (the first read is used)", name()));
        }
        if let Some(number) = credential.credential_subject.corporate_number {
            self.by_number
                .entry(number)
                .or_default()
                .push(self.checked.len());
        }
        self.by_id.insert(id, self.checked.len());
        self.checked.push(usable);
    }

    /// A credential that cannot be used: named (`why` says where it came from and why) while
    /// fewer than [`MAX_NAMED_PROBLEMS`] are, else counted.
    fn problem(&mut self, why: impl FnOnce() -> String) {
        if self.problems.len() < MAX_NAMED_PROBLEMS {
            self.problems.push(why());
        } else {
            self.unnamed += 1;
        }
    }

    /// Names the credentials that could not be used, the first [`MAX_NAMED_PROBLEMS`] of them,
    /// and counts the others.
    fn report_problems(&self) {
        for problem in &self.problems {
            eprintln!("warning: {problem}");
        }
        let more = self.unnamed;
        if more > 0 {
            eprintln!("warning: 使えない証明書がほかに {more} 件あります / {more} more credentials cannot be used");
        }
    }
}

/// The supplier check's [`RegistrySource`] without a registry: the credentials given, checked
/// against an offline bundle.
pub struct Offline {
    trust_list: TrustList,
    status: Box<dyn StatusSource>,
    freshness: Check,
    checked: Vec<SignatureChecked>,
    by_number: HashMap<CorporateNumber, Vec<usize>>,
    by_id: HashMap<CredentialId, usize>,
}

impl Offline {
    /// The bundle's trust list (checked against the pinned operator key when opened).
    pub fn trust_list(&self) -> &TrustList {
        &self.trust_list
    }

    /// Opens the bundle (checked against the pinned operator key) and checks the signatures of
    /// every credential in `credentials`; those that cannot be used are named on stderr.
    pub fn open(
        bundle: &Path,
        credentials: &Path,
        anchor: &Anchor,
        max_age: Option<&str>,
        now: Timestamp,
    ) -> Result<Self> {
        let (bundle, freshness) = crate::bundle::load(bundle, anchor, max_age, now)?;
        let verifier = Verifier::new(Some(&bundle.trust_list), &bundle.status);
        // Read on one thread, checked on every core (each worker a block at a time), filed
        // here in reading order: the first credential of an id is the one kept, and problems
        // are named in file order.
        let checker = verifier.checker();
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let mut given = Given::for_credentials_in(credentials);
        each_block(
            credentials,
            BLOCK_BYTES,
            workers,
            |block| Ok(checker.check(&block.credentials())),
            |block, results| {
                for (result, &number) in results.into_iter().zip(&block.numbers) {
                    let name = || block.origin.name(number);
                    given.add(result, &bundle.trust_list, name, |usable| {
                        failing_detail(&verifier.answer(usable, &Question::at(now)))
                    });
                }
                Ok(())
            },
        )?;
        given.report_problems();
        Ok(Self {
            trust_list: bundle.trust_list,
            status: crate::bundle::status_source(bundle.status, &freshness),
            freshness,
            checked: given.checked,
            by_number: given.by_number,
            by_id: given.by_id,
        })
    }

    /// The credential given with this id, if its signature holds and a listed issuer signed it.
    fn given(&self, id: &str) -> Result<&SignatureChecked, Message> {
        CredentialId::parse(id)
            .ok()
            .and_then(|id| self.by_id.get(&id))
            .and_then(|&at| self.checked.get(at))
            .ok_or_else(|| not_given(id))
    }

    fn verifier(&self) -> Verifier<'_> {
        Verifier::new(Some(&self.trust_list), self.status.as_ref()).requiring_edition_in_force()
    }

    /// The state the bundle's status lists give a credential: revoked or suspended when a bit
    /// is set, active otherwise (validity is the report's to judge); none from data too old.
    fn state(&self, checked: &SignatureChecked, at: Timestamp) -> Option<CredentialState> {
        let credential = checked.credential()?;
        if !self.freshness.ok {
            return None;
        }
        let mut state = CredentialState::Active;
        for entry in &credential.credential_status {
            if let StatusAnswer::Set { .. } = self.status.lookup(entry, Some(&self.trust_list), at)
            {
                state = match entry.purpose {
                    StatusPurpose::Revocation => return Some(CredentialState::Revoked),
                    StatusPurpose::Suspension => CredentialState::Suspended,
                };
            }
        }
        Some(state)
    }
}

fn not_given(id: &str) -> Message {
    Message::new(
        format!("{id} は指定された証明書の中にありません"),
        format!("{id} is not among the credentials given"),
    )
}

impl RegistrySource for Offline {
    fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
        let Some(found) = self.by_number.get(number) else {
            return Ok(None);
        };
        let now = scs_issuer::now();
        let credentials = found
            .iter()
            .filter_map(|&at| {
                let checked = self.checked.get(at)?;
                let credential = checked.credential()?;
                Some(CredentialSummary {
                    id: credential.id.to_string(),
                    level: credential.credential_subject.achievement.level.get(),
                    state: self.state(checked, now),
                    reason: None,
                    log_index: 0,
                })
            })
            .collect();
        let legal_name = found
            .first()
            .and_then(|&at| self.checked.get(at)?.credential())
            .map(|c| c.credential_subject.legal_name.clone());
        Ok(Some(Organization {
            legal_name,
            credentials,
        }))
    }

    fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
        let checked = self.given(id)?;
        Ok(self
            .verifier()
            .answer(checked, question)
            .with_check(self.freshness.clone()))
    }

    /// Every row's credential answered at once, on every core ([`Verifier::answer_each`]).
    fn verify_all(&self, asks: &[(&str, Question)]) -> Vec<Result<Report, Message>> {
        let found: Vec<Result<&SignatureChecked, Message>> =
            asks.iter().map(|(id, _)| self.given(id)).collect();
        let known: Vec<(&SignatureChecked, Question)> = found
            .iter()
            .zip(asks)
            .filter_map(|(checked, (_, question))| Some((*checked.as_ref().ok()?, *question)))
            .collect();
        let mut reports = self.verifier().answer_each(&known).into_iter();
        found
            .into_iter()
            .zip(asks)
            .map(|(checked, (id, _))| {
                checked?;
                // One report for each credential found, in order: never missing.
                let report = reports.next().ok_or_else(|| not_given(id))?;
                Ok(report.with_check(self.freshness.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Every block of `path` read with blocks of `block_bytes`, checked on two workers and
    /// filed: each credential's text and number, in the order filed, and how many blocks there
    /// were (filed in the order 0, 1, … without a gap).
    fn blocks(path: &Path, block_bytes: usize) -> Result<(Vec<(String, usize)>, usize)> {
        let (mut read, mut count) = (Vec::new(), 0);
        each_block(
            path,
            block_bytes,
            2,
            |block| {
                Ok(block
                    .credentials()
                    .iter()
                    .zip(&block.numbers)
                    .map(|(text, number)| (String::from_utf8_lossy(text).into_owned(), *number))
                    .collect::<Vec<_>>())
            },
            |block, texts| {
                assert_eq!(block.index, count);
                count += 1;
                read.extend(texts);
                Ok(())
            },
        )?;
        Ok((read, count))
    }

    /// Lines are never split between blocks and keep their numbers, whatever the block size:
    /// the same credentials as one block of the whole file gives.
    #[test]
    fn a_json_lines_file_is_read_in_blocks_without_splitting_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        let text = "{\"a\":1}\n\n{\"bb\":22}\r\n  \n{\"ccc\":333}\n{\"d\":4}";
        std::fs::write(&file, text).unwrap();
        let expected: Vec<(String, usize)> = [
            ("{\"a\":1}", 1),
            ("{\"bb\":22}\r", 3),
            ("{\"ccc\":333}", 5),
            ("{\"d\":4}", 6),
        ]
        .map(|(t, n)| (t.to_owned(), n))
        .into();
        assert_eq!(blocks(&file, 1 << 20).unwrap(), (expected.clone(), 1));
        for block_bytes in 12..text.len() {
            let (read, count) = blocks(&file, block_bytes).unwrap();
            assert_eq!(read, expected, "blocks of {block_bytes} bytes");
            assert!(count > 1, "blocks of {block_bytes} bytes");
        }
        // A line longer than a block may not be read whole: a clear error, naming it (line 3,
        // 10 bytes, still fits the buffer: a block and what was left of the last).
        let error = blocks(&file, 8).unwrap_err().to_string();
        assert!(error.contains("line 5: longer than 8 bytes"), "{error}");
    }

    /// A file longer than the limit is refused before any of it is read or checked (found in
    /// review: it was refused only once the limit was read, every block checked before).
    #[test]
    fn a_file_over_the_limit_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("huge.jsonl");
        // Lines for more than one block, then sparse to past the limit (no disk used): without
        // the check of its length, the first blocks would be checked.
        std::fs::write(&file, "{}\n".repeat(2 * BLOCK_BYTES / 3 + 1)).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(MAX_CREDENTIALS_BYTES as u64 + 1)
            .unwrap();
        let checked = AtomicUsize::new(0);
        let error = each_block(
            &file,
            BLOCK_BYTES,
            2,
            |_| {
                checked.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
            |_, ()| Ok(()),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("is larger than"), "{error}");
        assert_eq!(checked.into_inner(), 0);
    }

    /// When checking a block fails, the workers and the reader (blocks ahead, on its own
    /// thread) stop, and the failure is returned: no hang, nothing filed after it.
    #[test]
    fn a_failed_check_stops_the_workers_and_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        std::fs::write(&file, "{\"a\":1}\n".repeat(1000)).unwrap();
        let mut filed = Vec::new();
        let error = each_block(
            &file,
            16,
            2,
            |block| {
                if block.index == 3 {
                    bail!("check failed")
                }
                Ok(())
            },
            |block, ()| {
                filed.push(block.index);
                Ok(())
            },
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "check failed");
        assert!(filed.iter().all(|&index| index < 3), "{filed:?}");
    }

    /// A panic while checking is passed on once the workers and the reader have stopped (not
    /// a hang: the block it took is never filed, and the reader waits for buffers).
    #[test]
    fn a_panic_while_checking_is_passed_on() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        std::fs::write(&file, "{\"a\":1}\n".repeat(1000)).unwrap();
        let panicked = std::panic::catch_unwind(|| {
            each_block(
                &file,
                16,
                2,
                |block| {
                    assert!(block.index != 5, "block 5");
                    Ok(())
                },
                |_, ()| Ok(()),
            )
        });
        assert!(panicked.is_err());
    }

    /// A block checked slowly holds the others back: at most `2 × workers + 2` blocks are
    /// read and not yet filed, however far the other worker could run ahead (found in review:
    /// the results of every later block piled up behind a slow one).
    #[test]
    fn blocks_behind_a_slow_one_do_not_pile_up() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        std::fs::write(&file, "{\"a\":1}\n".repeat(1000)).unwrap();
        let (out, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let mut filed = 0;
        each_block(
            &file,
            16,
            2,
            |block| {
                let now_out = out.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now_out, Ordering::SeqCst);
                if block.index == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                Ok(())
            },
            |_, ()| {
                out.fetch_sub(1, Ordering::SeqCst);
                filed += 1;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(filed, 500);
        assert!(most.into_inner() <= 2 * 2 + 2);
    }

    /// A reading error after some blocks: those blocks are still checked and filed, and the
    /// error is what the run returns.
    #[test]
    fn blocks_read_before_an_error_are_checked_and_the_error_returned() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        let long = "x".repeat(40);
        std::fs::write(
            &file,
            format!("{{\"a\":1}}\n{{\"b\":2}}\n{long}\n{{\"c\":3}}\n"),
        )
        .unwrap();
        let mut filed = Vec::new();
        let error = each_block(
            &file,
            12,
            2,
            |_| Ok(()),
            |block, ()| {
                filed.extend(block.numbers.iter().copied());
                Ok(())
            },
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("line 3: longer than 12 bytes"),
            "{error}"
        );
        assert_eq!(filed, [1, 2]);
    }

    /// Blocks of blank lines only are never sent; their buffers are used again (found in
    /// review: each was lost, and after `2 × workers + 2` of them the reader waited forever for
    /// a buffer).
    #[test]
    fn many_blank_blocks_do_not_use_up_the_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        std::fs::write(&file, format!("{}{{}}\n", "\n".repeat(200))).unwrap();
        assert_eq!(
            blocks(&file, 16).unwrap(),
            (vec![("{}".to_owned(), 201)], 1)
        );
    }

    /// An error filing a block is what the run returns, and stops the reading.
    #[test]
    fn a_filing_error_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.jsonl");
        std::fs::write(&file, "{\"a\":1}\n".repeat(1000)).unwrap();
        let mut filed = 0;
        let error = each_block(
            &file,
            16,
            2,
            |_| Ok(()),
            |_, ()| {
                filed += 1;
                if filed == 3 {
                    bail!("filing failed")
                }
                Ok(())
            },
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "filing failed");
        assert_eq!(filed, 3);
    }

    #[test]
    fn a_folder_is_read_in_blocks_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("b.json", "{\"b\":2}"),
            ("a.json", "{\"a\":1}"),
            ("c.txt", "x"),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let expected: Vec<(String, usize)> = [("{\"a\":1}", 0), ("{\"b\":2}", 1)]
            .map(|(t, n)| (t.to_owned(), n))
            .into();
        assert_eq!(blocks(dir.path(), 1 << 20).unwrap(), (expected.clone(), 1));
        assert_eq!(blocks(dir.path(), 1).unwrap(), (expected, 2));
    }
}
