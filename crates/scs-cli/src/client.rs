//! Talking to a registry over HTTP (SPEC §7). Every answer is bounded in size; a problem+json
//! refusal becomes a one-line error naming its `type`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use scs_core::credential::AttainmentCredential;
use scs_core::credential::StatusEntry;
use scs_core::json::parse_strict;
use scs_core::keys::{DidKey, SecretKey};
use scs_core::lifecycle::{sign_request, RequestBody};
use scs_core::report::Message;
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_verifier::receipt::{self, Receipt};
use scs_verifier::{OfflineStatusLists, StatusAnswer, StatusSource};
use serde_json::Value;
use ureq::Agent;

use crate::config::Setting;

/// Checks that `url` is an http:// or https:// URL with a host.
pub fn check_url(url: &str) -> Result<()> {
    let uri: ureq::http::Uri = url.parse().map_err(|e| anyhow!("not a URL: {url} ({e})"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(()),
        _ => bail!("the registry must be an http:// or https:// URL: {url}"),
    }
}

/// Largest answer read from a registry (unless the caller bounds it otherwise).
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// A registry at a base URL.
pub struct Registry {
    base: String,
    agent: Agent,
}

impl Registry {
    /// `url` without a trailing slash.
    pub fn new(url: &str) -> Result<Self> {
        check_url(url)?;
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            agent,
        })
    }

    /// The registry a setting names, with where it came from in any error.
    pub fn from_setting(setting: &Setting) -> Result<Self> {
        Self::new(&setting.value).with_context(|| format!("the registry ({})", setting.origin()))
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn read(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        what: &str,
    ) -> Result<(u16, Vec<u8>)> {
        self.read_at_most(response, what, MAX_RESPONSE_BYTES)
    }

    fn read_at_most(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        what: &str,
        limit: u64,
    ) -> Result<(u16, Vec<u8>)> {
        let mut response = response
            .map_err(|e| anyhow!("cannot reach the registry at {} ({what}): {e}", self.base))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .with_context(|| format!("reading the registry's answer to {what}"))?;
        Ok((status, bytes))
    }

    fn check(status: u16, bytes: &[u8], what: &str) -> Result<()> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let problem: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        let slug = problem["type"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("");
        bail!(
            "registry refused {what} ({status} {slug}): {}{}",
            problem["title"].as_str().unwrap_or("error"),
            problem["detail"]
                .as_str()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )
    }

    /// GET a path; the raw bytes.
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.get_bytes_at_most(path, MAX_RESPONSE_BYTES)
    }

    /// GET a path whose answer may be larger or must be smaller than most: at most `limit`
    /// bytes; `None` on 404 (a static mirror has no file there, or the tile is gone).
    pub fn get_bytes_optional(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let url = format!("{}{path}", self.base);
        let (status, bytes) = self.read_at_most(self.agent.get(&url).call(), path, limit)?;
        if status == 404 {
            return Ok(None);
        }
        Self::check(status, &bytes, path)?;
        Ok(Some(bytes))
    }

    /// GET a path; the raw bytes, at most `limit` of them.
    pub fn get_bytes_at_most(&self, path: &str, limit: u64) -> Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        let (status, bytes) = self.read_at_most(self.agent.get(&url).call(), path, limit)?;
        Self::check(status, &bytes, path)?;
        Ok(bytes)
    }

    /// GET a path; JSON (strict: a member name repeated in one object is refused).
    pub fn get_json(&self, path: &str) -> Result<Value> {
        parse_answer(&self.get_bytes(path)?).with_context(|| {
            format!("{path}: the registry answered with something other than JSON")
        })
    }

    /// GET a path; `None` on 404.
    pub fn get_json_optional(&self, path: &str) -> Result<Option<Value>> {
        self.get_bytes_optional(path, MAX_RESPONSE_BYTES)?
            .map(|bytes| parse_answer(&bytes).with_context(|| format!("{path}: not JSON")))
            .transpose()
    }

    /// POST a JSON body.
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let text = serde_json::to_vec(body)?;
        let (status, bytes) = self.read(
            self.agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(&text[..]),
            path,
        )?;
        Self::check(status, &bytes, path)?;
        parse_answer(&bytes).with_context(|| format!("{path}: not JSON"))
    }

    /// POSTs a page's form (`multipart/form-data`): one file and text fields; the answer's bytes.
    pub fn post_form(
        &self,
        path: &str,
        (file_name, file): (&str, &[u8]),
        fields: &[(&str, &str)],
    ) -> Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        let boundary = format!("scs-form-{}", scs_issuer::request_nonce());
        let mut body = Vec::with_capacity(file.len() + 1024);
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        // The file's own name (some pages tell a spreadsheet by it), without what would end
        // the header.
        let file_name: String = file_name
            .chars()
            .filter(|c| !matches!(c, '"' | '\r' | '\n'))
            .collect();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let (status, bytes) = self.read(
            self.agent
                .post(&url)
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .send(&body[..]),
            path,
        )?;
        Self::check(status, &bytes, path)?;
        Ok(bytes)
    }

    /// Signs `body` with `key` and POSTs it.
    pub fn signed(&self, path: &str, body: &RequestBody, key: &SecretKey) -> Result<Value> {
        let document = sign_request(body, key, crate::now(), &scs_issuer::request_nonce())?;
        self.post_json(path, &document)
    }

    /// The trust list, verified against the pinned operator key.
    pub fn trust_list(&self, operator: &DidKey) -> Result<TrustList> {
        let bytes = self.get_bytes("/v1/trust-list")?;
        TrustList::from_signed_bytes(&bytes, operator).context("the registry's trust list")
    }
}

/// A registry's JSON answer, read as strictly as a file: it may carry signed documents.
fn parse_answer(bytes: &[u8]) -> Result<Value> {
    Ok(parse_strict(bytes, MAX_RESPONSE_BYTES as usize)?)
}

/// Status from a registry: signed status lists fetched once each and checked against the
/// status key in the trust list, plus the reason the registry recorded for the credential when a
/// bit is set. `scs verify` and `scs verify-batch` both ask it.
pub struct OnlineStatus {
    registry: Registry,
    trust_list: TrustList,
    trust_base: String,
    lists: RefCell<OfflineStatusLists>,
    fetched: RefCell<HashMap<String, Option<String>>>,
    reason: RefCell<SetReason>,
}

/// Where the reason for a set status bit comes from.
enum SetReason {
    /// The registry's record of this credential, fetched when a bit is found set.
    Record(String),
    /// Already read from the credential's record (or none, when no credential is named).
    Known(Option<Message>),
}

impl OnlineStatus {
    /// Fetches lists from `registry`; entries naming the trust list's base URL are fetched from
    /// `registry` instead, so a registry reached under another address still answers.
    /// `credential_id` lets a set bit be explained with the reason the registry recorded.
    pub fn new(registry: Registry, trust_list: &TrustList, credential_id: Option<String>) -> Self {
        Self {
            registry,
            trust_list: trust_list.clone(),
            trust_base: trust_list
                .registry
                .base_url
                .trim_end_matches('/')
                .to_owned(),
            lists: RefCell::new(OfflineStatusLists::none()),
            fetched: RefCell::new(HashMap::new()),
            reason: RefCell::new(credential_id.map_or(SetReason::Known(None), SetReason::Record)),
        }
    }

    /// The registry asked.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The trust list the status lists are checked against.
    pub fn trust_list(&self) -> &TrustList {
        &self.trust_list
    }

    /// The reason the registry recorded for the credential verified next, read by the caller
    /// from its record: a set bit is explained with it, without asking the registry again.
    pub fn recorded_reason(&self, reason: Option<Message>) {
        *self.reason.borrow_mut() = SetReason::Known(reason);
    }

    fn path(&self, url: &str) -> Option<String> {
        url.strip_prefix(&self.trust_base)
            .or_else(|| url.strip_prefix(self.registry.base()))
            .map(str::to_owned)
    }

    fn set_reason(&self) -> Option<Message> {
        match &*self.reason.borrow() {
            SetReason::Record(id) => reason_of(&self.registry, id),
            SetReason::Known(reason) => reason.clone(),
        }
    }
}

impl StatusSource for OnlineStatus {
    fn lookup(
        &self,
        entry: &StatusEntry,
        trust_list: Option<&TrustList>,
        at: Timestamp,
    ) -> StatusAnswer {
        let Some(path) = self.path(&entry.list_url) else {
            return StatusAnswer::Unavailable(Message::new(
                format!(
                    "失効リスト {} はこの登録機関のものではありません",
                    entry.list_url
                ),
                format!("status list {} is not at this registry", entry.list_url),
            ));
        };
        if !self.fetched.borrow().contains_key(&entry.list_url) {
            let error = match self.registry.get_bytes(&path) {
                Ok(bytes) => self
                    .lists
                    .borrow_mut()
                    .add_signed(&bytes, trust_list)
                    .err()
                    .map(|e| e.to_string()),
                Err(e) => Some(e.to_string()),
            };
            self.fetched
                .borrow_mut()
                .insert(entry.list_url.clone(), error);
        }
        if let Some(Some(error)) = self.fetched.borrow().get(&entry.list_url) {
            return StatusAnswer::Unavailable(Message::new(
                format!("失効リストを取得できません: {error}"),
                format!("status list unavailable: {error}"),
            ));
        }
        match self.lists.borrow().lookup(entry, trust_list, at) {
            StatusAnswer::Set { reason: None } => StatusAnswer::Set {
                reason: self.set_reason(),
            },
            other => other,
        }
    }

    fn registered_by(&self, credential: &AttainmentCredential) -> Option<Timestamp> {
        registered_by(&self.registry, &self.trust_list, credential)
    }
}

/// When `registry` logged `credential`'s registration, at the latest
/// ([`StatusSource::registered_by`]): from the log, not from the registry's word — the
/// registration entry, its inclusion proof and a checkpoint, checked as a receipt against the
/// trust list's log key.
pub fn registered_by(
    registry: &Registry,
    trust_list: &TrustList,
    credential: &AttainmentCredential,
) -> Option<Timestamp> {
    let receipt = registration_receipt(registry, credential).ok()?;
    receipt::check_typed(credential, &receipt, trust_list)
        .ok()
        .map(|included| included.registered_by)
}

/// A receipt for `credential`'s registration, assembled from the registry's log.
fn registration_receipt(registry: &Registry, credential: &AttainmentCredential) -> Result<Receipt> {
    let record = registry.get_json(&format!("/v1/credentials/{}", credential.id))?;
    let log_index = record["logIndex"]
        .as_u64()
        .ok_or_else(|| anyhow!("the registry's record has no logIndex"))?;
    let checkpoint = String::from_utf8(registry.get_bytes("/v1/log/checkpoint")?)?;
    let tree_size: u64 = checkpoint
        .lines()
        .nth(1)
        .and_then(|line| line.parse().ok())
        .ok_or_else(|| anyhow!("unreadable checkpoint"))?;
    let entry = String::from_utf8(registry.get_bytes(&format!("/v1/log/entries/{log_index}"))?)?;
    let proof = registry.get_json(&format!(
        "/v1/log/proof/inclusion?index={log_index}&size={tree_size}"
    ))?;
    Ok(Receipt {
        entry,
        log_index,
        tree_size,
        inclusion_proof: serde_json::from_value(proof["proof"].clone())?,
        checkpoint,
    })
}

/// The reason code of a credential's last status change, from its registry record.
pub fn reason_of(registry: &Registry, id: &str) -> Option<Message> {
    let record = registry
        .get_json_optional(&format!("/v1/credentials/{id}"))
        .ok()??;
    let code = record["status"]["reason"].as_str()?;
    scs_core::lifecycle::Reason::parse(code).map(|r| r.message())
}
