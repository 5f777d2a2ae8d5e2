//! The HTTP API of SPEC §7. Handlers are short: parse, call the ledger, shape the answer.
//! [`ApiError`] is the only way an error leaves a handler.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use scs_core::credential::{StatusEntry, StatusPurpose};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::{CredentialState, RequestBody};
use scs_core::report::Message;
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{EntryBundle, Hash, Tile};
use scs_core::trust_list::TrustList;
use scs_verifier::{Question, StatusAnswer, StatusSource, Verifier};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::limits::MAX_BODY_BYTES;
use scs_issuer::now;
use scs_ledger::{
    keys, Allocation, Committed, CredentialView, Effect, Ledger, LogFileError, VerifiedEntry,
};

/// `Cache-Control` of a status list: public, for its `ttl`
/// ([`scs_ledger::STATUS_TTL_SECONDS`]; the router test checks that they agree).
const STATUS_CACHE_CONTROL: &str = "public, max-age=300";
/// How far `proof.created` of a request may be from the registry's clock.
pub const FRESHNESS_SECONDS: i64 = scs_core::lifecycle::FRESHNESS_SECONDS;

/// Shared state of every handler, behind one `Arc`: axum clones the state for every request,
/// and each `Arc` cloned is a reference count that both worker threads write.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct App {
    /// The ledger.
    pub ledger: Arc<Ledger>,
    /// `--demo`: enables `POST /credentials/issue` with the demo ★4 key.
    pub demo_issuer: Option<Arc<scs_core::keys::SecretKey>>,
    /// Permits to decode an uploaded image ([`crate::limits::MAX_IMAGE_DECODES`]).
    pub image_decodes: Arc<tokio::sync::Semaphore>,
    /// Permits to handle a page upload ([`crate::limits::MAX_UPLOADS`]).
    pub uploads: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// The state over `ledger`; `demo_issuer` only with `--demo`.
    pub fn new(ledger: Arc<Ledger>, demo_issuer: Option<Arc<scs_core::keys::SecretKey>>) -> Self {
        Self(Arc::new(App {
            ledger,
            demo_issuer,
            image_decodes: Arc::new(tokio::sync::Semaphore::new(
                crate::limits::MAX_IMAGE_DECODES,
            )),
            uploads: Arc::new(tokio::sync::Semaphore::new(crate::limits::MAX_UPLOADS)),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The router.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/v1/health", get(health))
        .route("/v1/trust-list", get(get_trust_list).put(put_trust_list))
        .route("/v1/status-allocations", post(allocate))
        .route("/v1/credentials", post(register))
        .route("/v1/credentials/{id}", get(get_credential))
        .route("/v1/credentials/{id}/status", post(change_status))
        .route("/v1/organizations", get(search_organizations))
        .route("/v1/organizations/{number}", get(get_organization))
        .route("/v1/status/{purpose}/{list}", get(get_status_list))
        .route("/v1/verify", post(verify))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/tile/{*path}", get(tile))
        .route("/v1/log/entries/{index}", get(log_entry))
        .route("/v1/log/proof/inclusion", get(inclusion_proof))
        .route("/v1/log/proof/consistency", get(consistency_proof))
        .route("/ns/scs/v1", get(context))
        .route("/credentials/verify", post(vc_api_verify));
    if state.demo_issuer.is_some() {
        router = router.route("/credentials/issue", post(vc_api_issue));
    }
    router
        .merge(crate::web::router())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline,
        ))
        .with_state(state)
}

/// Every request is answered within [`crate::limits::REQUEST_TIMEOUT`] of its headers: one
/// whose body trickles in (or that waits too long for anything) is answered 408 and its work
/// dropped. A write already queued is still committed by the writer, and answers again as
/// the same registration if it is sent again.
async fn deadline(
    State(app): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri().clone();
    match tokio::time::timeout(crate::limits::REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) if is_api_path(uri.path()) => ApiError::Timeout.into_response(),
        Err(_) => crate::web::timed_out(&app, &uri),
    }
}

/// Unknown paths: problem+json under the API's paths, the HTML error page elsewhere. The path
/// decides, not `Accept`: a mistyped page address opened by a link checker or `curl` is still a
/// page, and a browser opening an API address still gets the API's answer.
async fn fallback(State(app): State<AppState>, uri: axum::http::Uri) -> Response {
    if is_api_path(uri.path()) {
        ApiError::NotFound("no such endpoint".into()).into_response()
    } else {
        crate::web::not_found(&app, &uri)
    }
}

/// `true` for the API's paths (`/v1/…`, the JSON-LD context, the VC API), whose every error
/// is problem+json; the rest are pages, whose errors are the HTML error page.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/")
        || path.starts_with("/ns/")
        || path == "/credentials/verify"
        || path == "/credentials/issue"
}

/// A known path asked with a method it does not take.
async fn method_not_allowed(State(app): State<AppState>, uri: axum::http::Uri) -> Response {
    if is_api_path(uri.path()) {
        ApiError::MethodNotAllowed.into_response()
    } else {
        crate::web::method_not_allowed(&app, &uri)
    }
}

/// A path parameter whose every failure (e.g. invalid UTF-8 once percent-decoded) is an
/// [`ApiError`] rather than axum's plain-text rejection.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|e| ApiError::BadParameter(e.body_text()))
    }
}

/// A query string whose every failure (a wrong type, a repeated parameter) is an
/// [`ApiError`].
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|e| ApiError::BadParameter(e.body_text()))
    }
}

/// A JSON body read into `T`: a member of the wrong type or one `T` does not know (its serde
/// derive says `deny_unknown_fields`) is a 400, never silently dropped.
#[derive(Debug)]
pub struct TypedBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for TypedBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(value) = JsonBody::from_request(req, state).await?;
        typed(value).map(Self)
    }
}

/// `value` read as `T`; a mismatch is a 400.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::BadJson(e.to_string()))
}

/// A JSON body whose every failure is an [`ApiError`].
#[derive(Debug)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || v == "application/ld+json" || v.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadJson(e.body_text())
            }
        })?;
        scs_core::json::parse_strict(&bytes, MAX_BODY_BYTES)
            .map(JsonBody)
            .map_err(|e| ApiError::BadJson(e.to_string()))
    }
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h.0)).collect()
}

async fn health(State(app): State<AppState>) -> Json<Value> {
    let (size, _) = app.ledger.checkpoint();
    Json(json!({"status": "ok", "logSize": size}))
}

async fn get_trust_list(State(app): State<AppState>) -> Result<Response, ApiError> {
    let body = app
        .ledger
        .trust_list_document()
        .ok_or(ApiError::Unavailable)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Verifies a write's signatures (and, for requests, its freshness; for trust list editions,
/// that they are in force at the registry's clock).
fn open_write(app: &AppState, document: &Value) -> Result<VerifiedEntry, ApiError> {
    let entry = scs_ledger::verify_entry(document.clone(), &app.ledger.identity().operator)?;
    if let VerifiedEntry::TrustList(list) = &entry {
        list.check_in_force(now())
            .map_err(|e| ApiError::Conflict(e.to_string()))?;
    }
    if let VerifiedEntry::Request { request, .. } = &entry {
        let skew = (request.created.unix() - now().unix()).abs();
        if skew > FRESHNESS_SECONDS {
            return Err(ApiError::Stale(format!(
                "proof.created {} is {skew} s from the registry's clock (allowed: {FRESHNESS_SECONDS} s)",
                request.created
            )));
        }
    }
    Ok(entry)
}

fn committed_json(committed: &Committed) -> Value {
    json!({
        "logIndex": committed.index,
        "treeSize": committed.tree_size,
        "inclusionProof": b64(&committed.inclusion_proof),
        "checkpoint": committed.checkpoint.as_str(),
    })
}

async fn put_trust_list(
    State(app): State<AppState>,
    JsonBody(document): JsonBody,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    if !matches!(entry, VerifiedEntry::TrustList(_)) {
        return Err(ApiError::BadJson(
            "the body must be a signed SCSTrustListCredential".into(),
        ));
    }
    let committed = app.ledger.submit(entry, &document).await?;
    let mut body = committed_json(&committed);
    if let Effect::TrustList(list) = &committed.effect {
        body["sequence"] = list.sequence.into();
    }
    Ok(Json(body).into_response())
}

async fn allocate(
    State(app): State<AppState>,
    JsonBody(document): JsonBody,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    if !matches!(&entry, VerifiedEntry::Request { request, .. } if request.body == RequestBody::AllocateStatus)
    {
        return Err(ApiError::BadJson(
            "the body must be a signed allocate-status request".into(),
        ));
    }
    let committed = app.ledger.submit(entry, &document).await?;
    let mut body = committed_json(&committed);
    if let Effect::Allocated(entries) = &committed.effect {
        body["credentialStatus"] = serde_json::to_value(entries).unwrap_or_default();
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn register(
    State(app): State<AppState>,
    JsonBody(document): JsonBody,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    let VerifiedEntry::Request {
        request,
        credential: Some(pair),
    } = &entry
    else {
        return Err(ApiError::BadJson(
            "the body must be a signed register request".into(),
        ));
    };
    let id = pair.0.id;
    if request.info.signer != pair.1.signer {
        return Err(ApiError::Forbidden(
            "an issuer may register only credentials it signed".into(),
        ));
    }
    // Idempotent: the same credential again gets the first registration's answer.
    if let Some(existing) = app.ledger.credential(&id) {
        let RequestBody::Register { credential } = &request.body else {
            return Err(ApiError::Unavailable);
        };
        if &existing.credential != credential {
            return Err(ApiError::Conflict(format!(
                "{id} is registered with different content"
            )));
        }
        let (size, checkpoint) = app.ledger.checkpoint();
        let log_index = existing.record.log_index;
        let proof = app
            .ledger
            .tree()
            .inclusion_proof(log_index, size)
            .unwrap_or_default();
        let logged = app.ledger.entry(log_index).map_err(ApiError::from)?;
        return Ok(Json(json!({
            "id": id.to_string(),
            "entry": String::from_utf8_lossy(&logged),
            "logIndex": log_index,
            "treeSize": size,
            "inclusionProof": b64(&proof),
            "checkpoint": checkpoint.as_str(),
        }))
        .into_response());
    }
    let committed = app.ledger.submit(entry, &document).await?;
    let mut body = committed_json(&committed);
    body["id"] = id.to_string().into();
    // The exact bytes logged, so the issuer can keep a receipt that proves inclusion offline.
    body["entry"] = String::from_utf8_lossy(&committed.entry).into();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn parse_id(text: &str) -> Result<CredentialId, ApiError> {
    let full = if text.starts_with("urn:uuid:") {
        text.to_owned()
    } else {
        format!("urn:uuid:{text}")
    };
    CredentialId::parse(&full).map_err(|e| ApiError::BadParameter(e.to_string()))
}

/// The body of `GET /v1/credentials/{id}` at `now`: `{"credential": …, "history": …,
/// "logIndex": …, "status": …}`. The credential's JSON text is read from the log straight into
/// the answer by `read_credential` (never parsed on this path); the rest is serialised from the
/// view.
fn credential_answer(
    view: &CredentialView,
    now: Timestamp,
    void: Option<scs_ledger::Void>,
    read_credential: impl FnOnce(&mut [u8]) -> Result<(), ApiError>,
) -> Result<Vec<u8>, ApiError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct RecordView<'a> {
        history: &'a [scs_ledger::HistoryEvent],
        log_index: u64,
        status: StatusView,
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct StatusView {
        reason: Option<scs_core::lifecycle::Reason>,
        reason_ja: Option<&'static str>,
        state: CredentialState,
        state_en: &'static str,
        state_ja: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        void: Option<scs_ledger::Void>,
    }
    let state = view.state_at(now);
    let rest = RecordView {
        history: &view.history,
        log_index: view.log_index,
        status: StatusView {
            reason: view.reason,
            reason_ja: view.reason.map(|r| r.ja()),
            state,
            state_en: state.en(),
            state_ja: state.ja(),
            void,
        },
    };
    const OPEN: &[u8] = b"{\"credential\":";
    let len = view.credential_at.len as usize;
    let mut body = Vec::with_capacity(OPEN.len() + len + 512);
    body.extend_from_slice(OPEN);
    body.resize(OPEN.len() + len, 0);
    read_credential(body.get_mut(OPEN.len()..).ok_or(ApiError::Unavailable)?)?;
    body.push(b',');
    // `rest` serialises as `{…}`: its members follow the credential's.
    let members_at = body.len();
    serde_json::to_writer(&mut body, &rest).map_err(|_| ApiError::Unavailable)?;
    body.remove(members_at);
    Ok(body)
}

async fn get_credential(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let view = app
        .ledger
        .credential_view(&id)?
        .ok_or_else(|| ApiError::NotFound(format!("{id} is not registered")))?;
    let now = now();
    let void = app.ledger.void(&view.history, now);
    let body = credential_answer(&view, now, void, |buffer| {
        app.ledger
            .read_credential(&view, buffer)
            .map_err(ApiError::from)
    })?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

async fn change_status(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let entry = open_write(&app, &document)?;
    let target = match &entry {
        VerifiedEntry::Request { request, .. } => match &request.body {
            RequestBody::Revoke { target, .. }
            | RequestBody::Suspend { target, .. }
            | RequestBody::Reinstate { target, .. } => *target,
            _ => {
                return Err(ApiError::BadJson(
                    "the body must be a signed revoke, suspend or reinstate request".into(),
                ))
            }
        },
        VerifiedEntry::TrustList(_) => {
            return Err(ApiError::BadJson(
                "the body must be a signed revoke, suspend or reinstate request".into(),
            ))
        }
    };
    if target != id {
        return Err(ApiError::BadParameter(
            "the request's target is not the credential in the path".into(),
        ));
    }
    let committed = app.ledger.submit(entry, &document).await?;
    let mut body = committed_json(&committed);
    if let Effect::StatusChanged { state, .. } = committed.effect {
        body["id"] = id.to_string().into();
        body["state"] = serde_json::to_value(state).unwrap_or_default();
    }
    Ok(Json(body))
}

/// One organisation's credentials and its highest ★ valid now.
pub fn organization_view(ledger: &Ledger, number: &CorporateNumber, now: Timestamp) -> Value {
    let mut credentials = Vec::new();
    let mut highest: Option<u8> = None;
    let mut legal_name = None;
    let mut legal_name_en = None;
    for id in ledger.organization(number.as_str()) {
        let Some(registered) = ledger.credential(&id) else {
            continue;
        };
        let Some(typed) = registered.typed() else {
            continue;
        };
        let state = registered.record.state_at(now);
        let level = typed.credential_subject.achievement.level.get();
        let void = ledger.void(&registered.record.history, now);
        if state == CredentialState::Active && void.is_none() {
            highest = highest.max(Some(level));
        }
        legal_name.get_or_insert_with(|| typed.credential_subject.legal_name.clone());
        if legal_name_en.is_none() {
            legal_name_en.clone_from(&typed.credential_subject.legal_name_en);
        }
        let mut shown = json!({
            "id": typed.id.to_string(),
            "level": level,
            "issuer": typed.issuer,
            "validFrom": typed.valid_from,
            "validUntil": typed.valid_until,
            "state": state,
            "stateJa": state.ja(),
            "reason": registered.record.reason,
            "history": registered.record.history,
            "logIndex": registered.record.log_index,
        });
        if let Some(void) = void {
            shown["void"] = serde_json::to_value(void).unwrap_or_default();
        }
        credentials.push(shown);
    }
    json!({
        "corporateNumber": number.as_str(),
        "legalName": legal_name,
        "legalNameEn": legal_name_en,
        "highestLevel": highest,
        "credentials": credentials,
    })
}

async fn get_organization(
    State(app): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let number = CorporateNumber::parse(&number)
        .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
    let view = organization_view(&app.ledger, &number, now());
    if view["credentials"].as_array().is_none_or(Vec::is_empty) {
        return Err(ApiError::NotFound(format!(
            "no credentials for corporate number {}",
            number.as_str()
        )));
    }
    Ok(Json(view))
}

#[derive(Deserialize)]
struct NameQuery {
    name: Option<String>,
}

async fn search_organizations(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> Result<Json<Value>, ApiError> {
    let name = q
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::BadParameter("give ?name=".into()))?;
    if name.chars().count() > 100 {
        return Err(ApiError::BadParameter(
            "name is longer than 100 characters".into(),
        ));
    }
    let results: Vec<Value> = app
        .ledger
        .search_names(&name, 50)
        .into_iter()
        .map(|n| json!({"corporateNumber": n.corporate_number, "legalName": n.legal_name}))
        .collect();
    Ok(Json(json!({"query": name, "results": results})))
}

async fn get_status_list(
    State(app): State<AppState>,
    ApiPath((purpose, list)): ApiPath<(String, String)>,
    // The request itself rather than a `HeaderMap`, which would copy every header.
    request: Request,
) -> Result<Response, ApiError> {
    let purpose = StatusPurpose::parse(&purpose)
        .ok_or_else(|| ApiError::BadParameter("purpose must be revocation or suspension".into()))?;
    let list: u32 = list
        .parse()
        .map_err(|_| ApiError::BadParameter("list number".into()))?;
    let (body, etag) = served_status_list(&app.ledger, purpose, list)
        .ok_or_else(|| ApiError::NotFound(format!("no {} list {list}", purpose.as_str())))?;
    let cache = HeaderValue::from_static(STATUS_CACHE_CONTROL);
    if request.headers().get(header::IF_NONE_MATCH) == Some(&etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vc+ld+json"),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response())
}

/// A worker thread's own copy of a signed status list (see [`served_status_list`]).
struct ThreadCopy {
    version: (u64, u64),
    resign_after: std::time::SystemTime,
    body: Bytes,
    etag: HeaderValue,
}

thread_local! {
    /// The status lists this thread served, by ledger, purpose and list number (a handful:
    /// a list holds 131,072 credentials).
    static STATUS_COPIES: std::cell::RefCell<HashMap<(u64, StatusPurpose, u32), ThreadCopy>> =
        std::cell::RefCell::new(HashMap::new());
}

/// The body and ETag of a signed status list, from this thread's own copy as long as the
/// ledger has re-signed no list since it was made and it is not due for re-signing. Serving
/// the shared copy made both worker threads write the same reference counts on every request
/// (the list's, its body's, its ETag's): about 5 % of this GET's throughput
/// (docs/PERFORMANCE.md). Every status change re-signs its list before it is acknowledged,
/// which changes the ledger's version and sends every thread back to the ledger, so a GET
/// after the acknowledgement has the new bit.
fn served_status_list(
    ledger: &Ledger,
    purpose: StatusPurpose,
    list: u32,
) -> Option<(Bytes, HeaderValue)> {
    // Read before the list: a copy is never labelled newer than what it holds.
    let version = ledger.lists_version();
    let key = (version.0, purpose, list);
    let now = std::time::SystemTime::now();
    let hit = STATUS_COPIES.with(|copies| {
        copies
            .borrow()
            .get(&key)
            .filter(|copy| copy.version == version && now < copy.resign_after)
            .map(|copy| (copy.body.clone(), copy.etag.clone()))
    });
    if hit.is_some() {
        return hit;
    }
    let signed = ledger.status_list(purpose, list)?;
    let copy = ThreadCopy {
        version,
        resign_after: signed.resign_after(),
        body: Bytes::copy_from_slice(&signed.body),
        etag: HeaderValue::from_bytes(signed.etag.as_bytes()).ok()?,
    };
    let served = (copy.body.clone(), copy.etag.clone());
    STATUS_COPIES.with(|copies| copies.borrow_mut().insert(key, copy));
    Some(served)
}

/// Status answers read straight from the registry's own indexes, with reasons.
#[derive(Debug)]
pub struct RegistryStatus<'a>(pub &'a Ledger);

impl StatusSource for RegistryStatus<'_> {
    fn lookup(&self, entry: &StatusEntry, _: Option<&TrustList>, _: Timestamp) -> StatusAnswer {
        let ledger = self.0;
        let Some((purpose, list)) =
            scs_ledger::parse_list_url(&entry.list_url, &ledger.identity().base_url)
        else {
            return StatusAnswer::Unavailable(Message::new(
                format!("この登録機関の失効リストではありません: {}", entry.list_url),
                format!("not a status list of this registry: {}", entry.list_url),
            ));
        };
        let Ok(bits) = scs_ledger::read_bits(ledger.store(), purpose, list) else {
            return StatusAnswer::Unavailable(Message::new(
                "失効リストを読めません",
                "status list unreadable",
            ));
        };
        match bits.get(entry.index as usize) {
            None => StatusAnswer::Invalid(Message::new(
                "失効リストの番号が範囲外です",
                "status index outside the list",
            )),
            Some(false) => StatusAnswer::Clear,
            Some(true) => {
                let reason = ledger
                    .store()
                    .get(&keys::allocation(purpose, list, entry.index))
                    .ok()
                    .flatten()
                    .and_then(|b| serde_json::from_slice::<Allocation>(&b).ok())
                    .and_then(|a| a.used_by)
                    .and_then(|id| CredentialId::parse(&id).ok())
                    .and_then(|id| ledger.credential_record(&id))
                    .and_then(|r| r.reason);
                StatusAnswer::Set {
                    reason: reason.map(|r| r.message()),
                }
            }
        }
    }

    /// From the registration of this very credential (the same claims, in JSON or QR form; a
    /// key's new credential reusing an old id gets nothing).
    fn registered_by(
        &self,
        credential: &scs_core::credential::AttainmentCredential,
    ) -> Option<Timestamp> {
        let registered = self.0.credential(&credential.id)?;
        if !registered.typed()?.claims_match(credential) {
            return None;
        }
        let at = registered.record.history.first()?.at;
        Timestamp::from_unix(at.unix() + FRESHNESS_SECONDS)
    }
}

/// The body of `POST /v1/verify` with options: a credential or QR text, and the question.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyRequest {
    credential: Option<Value>,
    qr_text: Option<String>,
    min_level: Option<u64>,
    corporate_number: Option<String>,
    at: Option<String>,
}

/// What `POST /v1/verify` is asked to verify.
enum Verifiable {
    /// A credential JSON document.
    Credential(Value),
    /// QR text, `SCS1:…`.
    QrText(String),
}

impl VerifyRequest {
    /// Reads a body: a request carrying `credential` or `qrText`, or a bare credential.
    fn read(body: Value) -> Result<Self, ApiError> {
        if body.get("credential").is_none() && body.get("qrText").is_none() {
            return Ok(Self {
                credential: Some(body),
                qr_text: None,
                min_level: None,
                corporate_number: None,
                at: None,
            });
        }
        typed(body)
    }

    /// The question asked, at the registry's clock unless `at` is given.
    fn question(&self) -> Result<Question, ApiError> {
        Ok(Question {
            at: match &self.at {
                Some(at) => Timestamp::parse_lenient(at)
                    .map_err(|e| ApiError::BadParameter(e.to_string()))?,
                None => now(),
            },
            now: now(),
            min_level: self
                .min_level
                .map(|l| {
                    scs_core::credential::Level::new(l)
                        .ok_or_else(|| ApiError::BadParameter("minLevel must be 3, 4 or 5".into()))
                })
                .transpose()?,
            corporate_number: self
                .corporate_number
                .as_deref()
                .map(CorporateNumber::parse)
                .transpose()
                .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?,
        })
    }

    /// The one thing to verify.
    fn verifiable(self) -> Result<Verifiable, ApiError> {
        match (self.credential, self.qr_text) {
            (Some(credential), None) => Ok(Verifiable::Credential(credential)),
            (None, Some(text)) => Ok(Verifiable::QrText(text)),
            _ => Err(ApiError::BadJson("give either credential or qrText".into())),
        }
    }
}

/// `POST /v1/verify`: `{"credential": {…} | "qrText": "SCS1:…", "minLevel"?,
/// "corporateNumber"?, "at"?}` or a bare credential → the report of `scs verify --json`.
async fn verify(
    State(app): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let request = VerifyRequest::read(body)?;
    let question = request.question()?;
    let report = match request.verifiable()? {
        Verifiable::Credential(credential) => verify_value(&app.ledger, credential, &question)?,
        Verifiable::QrText(text) => verify_qr_text(&app.ledger, &text, &question)
            .map_err(|e| ApiError::BadParameter(format!("qrText: {e}")))?,
    };
    Ok(Json(serde_json::to_value(report).unwrap_or_default()))
}

/// Verifies QR text (`SCS1:…`) against the registry's trust list and live status.
pub fn verify_qr_text(
    ledger: &Ledger,
    text: &str,
    question: &Question,
) -> Result<scs_core::report::Report, scs_verifier::InputError> {
    let (trust, _) = ledger.trust_list();
    let status = RegistryStatus(ledger);
    Verifier::new(Some(&trust), &status).verify_compact(text, question)
}

/// Verifies a credential against the registry's trust list and live status.
pub fn verify_value(
    ledger: &Ledger,
    credential: Value,
    question: &Question,
) -> Result<scs_core::report::Report, ApiError> {
    scs_core::vcdm::check_data_model(&credential)
        .map_err(|e| ApiError::BadJson(format!("not a VC 2.0 credential: {e}")))?;
    let (trust, _) = ledger.trust_list();
    let status = RegistryStatus(ledger);
    Ok(Verifier::new(Some(&trust), &status).verify(credential, question))
}

/// The body of `POST /credentials/verify` (W3C CCG VC API).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VcApiVerifyRequest {
    verifiable_credential: Map<String, Value>,
    /// The VC API's verification options (challenge, domain, …): none changes what this
    /// registry checks, but they must be an object.
    #[serde(default, rename = "options")]
    _options: Option<Map<String, Value>>,
}

/// `POST /credentials/verify` (W3C CCG VC API): 200 when the proof verifies, 400 for what is
/// not a credential, 422 for a credential whose proof does not verify.
async fn vc_api_verify(
    State(app): State<AppState>,
    TypedBody(request): TypedBody<VcApiVerifyRequest>,
) -> Result<Json<Value>, ApiError> {
    let credential = Value::Object(request.verifiable_credential);
    // The interoperability suites send credentials of every shape: a data-model failure is a
    // 400, anything that is a credential gets its checks.
    scs_core::vcdm::check_data_model(&credential).map_err(|e| ApiError::BadJson(e.to_string()))?;
    let (trust, _) = app.ledger.trust_list();
    let status = RegistryStatus(&app.ledger);
    let report = Verifier::new(Some(&trust), &status).verify(credential, &Question::at(now()));
    let signature_ok = report.checks.first().is_some_and(|c| c.ok);
    if !signature_ok {
        return Err(ApiError::InvalidCredential(
            report
                .checks
                .first()
                .map(|c| c.detail.clone())
                .unwrap_or_default(),
        ));
    }
    Ok(Json(json!({
        "verified": true,
        "checks": ["proof"],
        "errors": [],
        "warnings": report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name.en(), c.detail)).collect::<Vec<_>>(),
    })))
}

/// The body of `POST /credentials/issue` (W3C CCG VC API).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VcApiIssueRequest {
    credential: Map<String, Value>,
    /// The VC API's issuing options: none changes how the demo key signs, but they must be
    /// an object.
    #[serde(default, rename = "options")]
    _options: Option<Map<String, Value>>,
}

/// `POST /credentials/issue` (W3C CCG VC API, `--demo` only): signs with the demo ★4 key, as
/// that key's issuer only.
async fn vc_api_issue(
    State(app): State<AppState>,
    TypedBody(request): TypedBody<VcApiIssueRequest>,
) -> Result<Response, ApiError> {
    let key = app
        .demo_issuer
        .clone()
        .ok_or_else(|| ApiError::NotFound("no such endpoint".into()))?;
    let mut credential = request.credential;
    let own = key.public().did_key().to_string();
    match credential.get("issuer") {
        None => {
            credential.insert("issuer".into(), own.into());
        }
        Some(issuer) => {
            let named = issuer
                .as_str()
                .or_else(|| issuer.get("id").and_then(Value::as_str));
            if named != Some(own.as_str()) {
                return Err(ApiError::BadJson(format!(
                    "issuer must be {own}, the demo issuer this registry signs as"
                )));
            }
        }
    }
    let credential = Value::Object(credential);
    scs_core::vcdm::check_data_model(&credential).map_err(|e| ApiError::BadJson(e.to_string()))?;
    let signed = scs_core::proof::sign(
        credential,
        &key,
        now(),
        scs_core::proof::ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .map_err(|e| ApiError::BadJson(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"verifiableCredential": signed})),
    )
        .into_response())
}

async fn checkpoint(State(app): State<AppState>) -> Response {
    let (_, note) = app.ledger.checkpoint();
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        note.as_str().to_owned(),
    )
        .into_response()
}

async fn tile(
    State(app): State<AppState>,
    ApiPath(path): ApiPath<String>,
) -> Result<Response, ApiError> {
    let full = format!("tile/{path}");
    let bytes = if full.starts_with("tile/entries/") {
        let bundle =
            EntryBundle::parse_path(&full).map_err(|e| ApiError::BadParameter(e.to_string()))?;
        let range = bundle.entry_indexes();
        if range.end > app.ledger.tree().size() {
            return Err(ApiError::NotFound("entry bundle not yet complete".into()));
        }
        let entries = range
            .map(|i| app.ledger.entry(i).map_err(ApiError::from))
            .collect::<Result<Vec<_>, _>>()?;
        bundle.encode(&entries).map_err(|_| ApiError::Unavailable)?
    } else {
        let tile = Tile::parse_path(&full).map_err(|e| ApiError::BadParameter(e.to_string()))?;
        app.ledger
            .tree()
            .tile(&tile)
            .ok_or_else(|| ApiError::NotFound("tile not yet complete".into()))?
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}

async fn log_entry(
    State(app): State<AppState>,
    ApiPath(index): ApiPath<String>,
) -> Result<Response, ApiError> {
    let index: u64 = index
        .parse()
        .map_err(|_| ApiError::BadParameter("entry index".into()))?;
    let bytes = app.ledger.entry(index).map_err(|error| match error {
        LogFileError::NotFound(_) => ApiError::OutOfRange(format!("no entry {index}")),
        other => ApiError::from(other),
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: u64,
    size: Option<u64>,
}

async fn inclusion_proof(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<Value>, ApiError> {
    let (current, _) = app.ledger.checkpoint();
    let size = q.size.unwrap_or(current);
    let proof = app
        .ledger
        .tree()
        .inclusion_proof(q.index, size)
        .filter(|_| size <= current)
        .ok_or_else(|| ApiError::OutOfRange(format!("no entry {} in a tree of {size}", q.index)))?;
    let leaf = app
        .ledger
        .entry(q.index)
        .map(|e| scs_core::tlog::leaf_hash(&e))
        .map_err(ApiError::from)?;
    Ok(Json(
        json!({"index": q.index, "treeSize": size, "leafHash": STANDARD.encode(leaf.0), "proof": b64(&proof)}),
    ))
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

async fn consistency_proof(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<Value>, ApiError> {
    let (current, _) = app.ledger.checkpoint();
    let to = q.to.unwrap_or(current);
    let proof = app
        .ledger
        .tree()
        .consistency_proof(q.from, to)
        .filter(|_| to <= current)
        .ok_or_else(|| {
            ApiError::OutOfRange(format!("no consistency proof from {} to {to}", q.from))
        })?;
    Ok(Json(
        json!({"from": q.from, "to": to, "proof": b64(&proof)}),
    ))
}

async fn context() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        scs_core::context::SCS_V1_DOCUMENT,
    )
        .into_response()
}
