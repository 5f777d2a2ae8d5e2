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

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use scs_core::credential::StatusPurpose;
use scs_core::ids::CorporateNumber;
use scs_core::lifecycle::CredentialState;
use scs_core::report::{Check, Message, Report};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_suppliers::judge::failing_detail;
use scs_suppliers::{CredentialSummary, Organization, RegistrySource};
use scs_verifier::{
    Question, SignatureChecked, StatusAnswer, StatusSource, Verifier, MAX_CREDENTIAL_BYTES,
};

use crate::keys::{read_bounded, Anchor};

/// Most credentials read in one run.
const MAX_CREDENTIALS: usize = 1_000_000;

/// Largest credentials input in all, in bytes (a ★ credential is about 1.5 KiB).
const MAX_CREDENTIALS_BYTES: usize = 1024 * 1024 * 1024;

/// Credentials that could not be used, named one by one on stderr up to this many.
const MAX_NAMED_PROBLEMS: usize = 20;

/// The credentials given, in one buffer: each one's bytes and where it came from (a line
/// number, or which file), named only when a credential cannot be used.
struct Inputs {
    buffer: Vec<u8>,
    spans: Vec<(Range<usize>, usize)>,
    origin: Origin,
}

/// Where the credentials were read from.
enum Origin {
    /// A JSON Lines file: a span's number is its line's.
    Lines(PathBuf),
    /// A folder: a span's number is its file's in this list.
    Files(Vec<PathBuf>),
}

impl Inputs {
    /// A JSON Lines file (one credential per line; blank lines skipped) or a folder of `.json`
    /// files (one credential each, in name order).
    fn read(path: &Path) -> Result<Self> {
        let inputs = if path.is_dir() {
            Self::folder(path)?
        } else {
            Self::lines(path)?
        };
        if inputs.spans.len() > MAX_CREDENTIALS {
            bail!(
                "{}: more than {MAX_CREDENTIALS} credentials / 証明書が {MAX_CREDENTIALS} 件を超えています",
                path.display()
            );
        }
        Ok(inputs)
    }

    fn lines(path: &Path) -> Result<Self> {
        let buffer = read_bounded(path, MAX_CREDENTIALS_BYTES)?;
        let mut spans = Vec::new();
        let mut start = 0;
        for (number, line) in buffer.split(|&b| b == b'\n').enumerate() {
            let end = start + line.len();
            if !line.trim_ascii().is_empty() {
                spans.push((start..end, number + 1));
            }
            start = end + 1;
        }
        Ok(Self {
            buffer,
            spans,
            origin: Origin::Lines(path.to_owned()),
        })
    }

    fn folder(path: &Path) -> Result<Self> {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the folder {}", path.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|file| file.extension().is_some_and(|e| e == "json") && file.is_file())
            .take(MAX_CREDENTIALS + 1)
            .collect();
        files.sort();
        let mut inputs = Self {
            buffer: Vec::new(),
            spans: Vec::with_capacity(files.len()),
            origin: Origin::Files(Vec::new()),
        };
        for (number, file) in files.iter().enumerate() {
            let bytes = read_bounded(file, MAX_CREDENTIAL_BYTES)?;
            let start = inputs.buffer.len();
            if start + bytes.len() > MAX_CREDENTIALS_BYTES {
                bail!(
                    "{}: more than {MAX_CREDENTIALS_BYTES} bytes of credentials",
                    path.display()
                );
            }
            inputs.buffer.extend_from_slice(&bytes);
            inputs.spans.push((start..inputs.buffer.len(), number));
        }
        inputs.origin = Origin::Files(files);
        Ok(inputs)
    }

    /// Where the credential of `span` came from: `FILE line N`, or its file.
    fn name(&self, span: &(Range<usize>, usize)) -> String {
        match &self.origin {
            Origin::Lines(path) => format!("{} line {}", path.display(), span.1),
            Origin::Files(files) => files
                .get(span.1)
                .map(|file| file.display().to_string())
                .unwrap_or_default(),
        }
    }

    fn slices(&self) -> Vec<&[u8]> {
        self.spans
            .iter()
            .map(|(span, _)| self.buffer.get(span.clone()).unwrap_or_default())
            .collect()
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
    by_id: HashMap<String, usize>,
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
        let inputs = Inputs::read(credentials)?;
        let verifier = Verifier::new(Some(&bundle.trust_list), &bundle.status);
        let results = verifier.check_batch(&inputs.slices());
        let mut checked = Vec::with_capacity(results.len());
        let mut by_number: HashMap<CorporateNumber, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        let mut problems = Vec::new();
        for (result, span) in results.into_iter().zip(&inputs.spans) {
            let name = || inputs.name(span);
            let usable = match result {
                Ok(usable) => usable,
                Err(error) => {
                    problems.push(format!("{}: {error}", name()));
                    continue;
                }
            };
            let Some(credential) = usable.credential() else {
                let why = failing_detail(&verifier.answer(&usable, &Question::at(now)));
                problems.push(format!("{}: {} / {}", name(), why.ja, why.en));
                continue;
            };
            // Only what a listed issuer signed is anyone's: a credential any key can sign would
            // let one supplier crowd another's real credential out of its row.
            if usable
                .signer()
                .is_none_or(|key| bundle.trust_list.issuer(key).is_none())
            {
                problems.push(format!("{}: 指定機関一覧にない鍵で署名されています / signed by a key the trust list does not name", name()));
                continue;
            }
            let id = credential.id.to_string();
            if by_id.contains_key(&id) {
                problems.push(format!("{}: 証明書ID {id} が重複しています（先に読んだものを使います） / credential id {id} given twice (the first read is used)", name()));
                continue;
            }
            if let Some(number) = credential.credential_subject.corporate_number {
                by_number.entry(number).or_default().push(checked.len());
            }
            by_id.insert(id, checked.len());
            checked.push(usable);
        }
        report_problems(&problems);
        Ok(Self {
            trust_list: bundle.trust_list,
            status: crate::bundle::status_source(bundle.status, &freshness),
            freshness,
            checked,
            by_number,
            by_id,
        })
    }

    /// The credential given with this id, if its signature holds and a listed issuer signed it.
    fn given(&self, id: &str) -> Result<&SignatureChecked, Message> {
        self.by_id
            .get(id)
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

/// Names the credentials that could not be used, the first [`MAX_NAMED_PROBLEMS`] of them.
fn report_problems(problems: &[String]) {
    for problem in problems.iter().take(MAX_NAMED_PROBLEMS) {
        eprintln!("warning: {problem}");
    }
    if problems.len() > MAX_NAMED_PROBLEMS {
        let more = problems.len() - MAX_NAMED_PROBLEMS;
        eprintln!("warning: 使えない証明書がほかに {more} 件あります / {more} more credentials cannot be used");
    }
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
