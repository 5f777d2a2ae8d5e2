//! Where revocation and suspension answers come from.

use std::collections::HashMap;

use scs_core::credential::{AttainmentCredential, StatusEntry};
use scs_core::json::parse_strict;
use scs_core::proof::{self, ProofError, ProofPurpose};
use scs_core::report::Message;
use scs_core::status_list::{StatusList, StatusListError};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use thiserror::Error;

/// Largest signed status list accepted, in bytes (a 2 MiB list as base64 of gzip, with room to
/// spare).
pub const MAX_STATUS_LIST_BYTES: usize = 4 * 1024 * 1024;

/// The answer for one status entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The bit is clear.
    Clear,
    /// The bit is set; a registry can say why.
    Set {
        /// The reason code in both languages, when known.
        reason: Option<Message>,
    },
    /// The entry is wrong (e.g. its index lies outside the list): the credential fails.
    Invalid(Message),
    /// No trustworthy answer is at hand: the status check is undecided.
    Unavailable(Message),
}

/// Answers status questions. Implemented offline by [`OfflineStatusLists`] and online by a
/// registry client.
pub trait StatusSource {
    /// The status of `entry` at `at`, using `trust_list` to authenticate what it reads.
    fn lookup(
        &self,
        entry: &StatusEntry,
        trust_list: Option<&TrustList>,
        at: Timestamp,
    ) -> StatusAnswer;

    /// The latest time the registry's clock can have read when it logged `credential`'s
    /// registration, if this source knows it from the ledger: evidence that the credential
    /// existed by then, whatever its own proof says. Asked only about keys whose own word on
    /// when they signed no longer suffices ([`Signer::own_word_ends`]).
    ///
    /// [`Signer::own_word_ends`]: scs_core::trust_list::Signer::own_word_ends
    fn registered_by(&self, _credential: &AttainmentCredential) -> Option<Timestamp> {
        None
    }

    /// This source, if it may be asked from several threads at once (it is `Sync`): then
    /// [`Verifier::answer_all`] spreads its questions over the cores. `None` (the default) keeps
    /// them on the calling thread, for a source that caches as it goes.
    ///
    /// [`Verifier::answer_all`]: crate::Verifier::answer_all
    fn shared(&self) -> Option<&(dyn StatusSource + Sync)> {
        None
    }
}

/// A status list file that could not be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusListLoadError {
    /// Not JSON, too large, or a member name repeated in one object.
    #[error("status list is not JSON: {0}")]
    NotJson(String),
    /// Its proof does not verify.
    #[error("status list signature: {0}")]
    Proof(#[from] ProofError),
    /// Signed by a key other than the registry status key in the trust list.
    #[error("status list is signed by {0}, not by the registry status key in the trust list")]
    WrongSigner(String),
    /// No trust list, so the signer cannot be checked.
    #[error("a trust list is needed to check who signed a status list")]
    NoTrustList,
    /// The credential is not a readable status list.
    #[error(transparent)]
    Content(#[from] StatusListError),
}

/// Status lists given as signed files, each checked against the registry status key.
#[derive(Debug, Default, Clone)]
pub struct OfflineStatusLists {
    by_url: HashMap<String, StatusList>,
}

impl OfflineStatusLists {
    /// No lists: every lookup is unavailable.
    pub fn none() -> Self {
        Self::default()
    }

    /// Verifies a signed status list credential and adds it.
    pub fn add_signed(
        &mut self,
        bytes: &[u8],
        trust_list: Option<&TrustList>,
    ) -> Result<&StatusList, StatusListLoadError> {
        let trust_list = trust_list.ok_or(StatusListLoadError::NoTrustList)?;
        let document = parse_strict(bytes, MAX_STATUS_LIST_BYTES)
            .map_err(|e| StatusListLoadError::NotJson(e.to_string()))?;
        let (unsecured, info) = proof::verify(document, ProofPurpose::AssertionMethod)?;
        let status_key = trust_list
            .status_key()
            .map_err(|_| StatusListLoadError::WrongSigner(info.signer.to_string()))?;
        if info.signer != status_key {
            return Err(StatusListLoadError::WrongSigner(info.signer.to_string()));
        }
        let list = StatusList::from_json(&unsecured)?;
        let url = list.url.clone();
        Ok(self.by_url.entry(url).insert_entry(list).into_mut())
    }
}

impl StatusSource for OfflineStatusLists {
    fn lookup(
        &self,
        entry: &StatusEntry,
        _trust_list: Option<&TrustList>,
        at: Timestamp,
    ) -> StatusAnswer {
        let Some(list) = self.by_url.get(&entry.list_url) else {
            return StatusAnswer::Unavailable(Message::new(
                format!(
                    "失効リスト {} がありません（--registry か --status-list を指定してください）",
                    entry.list_url
                ),
                format!(
                    "status list {} not available (give --registry or --status-list)",
                    entry.list_url
                ),
            ));
        };
        if list.purpose != entry.purpose {
            return StatusAnswer::Invalid(Message::new(
                "失効リストの種類（取消・一時停止）が証明書と一致しません",
                "the status list's purpose does not match the credential's entry",
            ));
        }
        if list.valid_until.is_some_and(|until| at > until) {
            return StatusAnswer::Unavailable(Message::new(
                "失効リストの有効期限が切れています。新しいものを取得してください",
                "the status list has expired; fetch a fresh one",
            ));
        }
        match list.bits.get(entry.index as usize) {
            Some(false) => StatusAnswer::Clear,
            Some(true) => StatusAnswer::Set { reason: None },
            None => StatusAnswer::Invalid(Message::new(
                format!("失効リストの番号 {} がリストの範囲外です", entry.index),
                format!("status index {} is outside the list", entry.index),
            )),
        }
    }

    fn shared(&self) -> Option<&(dyn StatusSource + Sync)> {
        Some(self)
    }
}
