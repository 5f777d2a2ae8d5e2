//! The HTTP API of SPEC §7. Handlers are short: parse, call the ledger, shape the answer.
//! [`ApiError`] is the only way an error leaves a handler.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use scs_core::credential::StatusPurpose;
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::{CredentialState, RequestBody, FRESHNESS_SECONDS};
use scs_core::report::Report;
use scs_core::timestamp::Timestamp;
use scs_core::tlog::{EntryBundle, Hash, Tile};
use scs_verifier::Question;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, JsonBody};
use scs_issuer::now;
use scs_ledger::{
    Committed, CredentialView, Effect, Ledger, LogFileError, VerifiedEntry, VerifiedInput,
};

/// `Cache-Control` of a status list: public, for its `ttl`
/// ([`scs_ledger::STATUS_TTL_SECONDS`]; the router test checks that they agree).
const STATUS_CACHE_CONTROL: &str = "public, max-age=300";

/// The API's routes; `POST /credentials/issue` only with the demo issuer key.
pub(crate) fn routes(demo_issuer: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/v1/health", get(health))
        .route("/v1/trust-list", get(get_trust_list).put(put_trust_list))
        .route("/v1/status-allocations", post(allocate))
        .route("/v1/credentials", post(register))
        .route("/v1/credentials/{id}", get(get_credential))
        .route("/v1/credentials/{id}/status", post(change_status))
        .route("/v1/organizations", get(search_organizations))
        .route("/v1/organizations/{number}", get(get_organization))
        .route("/v1/status", get(get_status_index))
        .route("/v1/status/{purpose}/{list}", get(get_status_list))
        .route("/v1/verify", post(verify))
        .route("/v1/verify/evidence", post(verify_evidence))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/tile/{*path}", get(tile))
        .route("/v1/log/entries/{index}", get(log_entry))
        .route("/v1/log/proof/inclusion", get(inclusion_proof))
        .route("/v1/log/proof/consistency", get(consistency_proof))
        .route("/ns/scs/v1", get(context))
        .route("/credentials/verify", post(vc_api_verify))
        .merge(crate::feed::routes());
    if demo_issuer {
        router = router.route("/credentials/issue", post(vc_api_issue));
    }
    router
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h.0)).collect()
}

async fn health(State(app): State<AppState>) -> Json<Value> {
    let (size, _) = app.ledger.checkpoint();
    Json(json!({"status": "ok", "logSize": size}))
}

async fn get_trust_list(State(app): State<AppState>) -> Result<Response, ApiError> {
    let body = app.ledger.trust_list_document()?;
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

/// The answer to a write: where it is in the log and the proof that it is there, under a
/// checkpoint that includes it; `effect` holds what the write did, in the endpoint's own
/// members.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Receipt<'a, E: Serialize> {
    #[serde(flatten)]
    effect: E,
    log_index: u64,
    tree_size: u64,
    inclusion_proof: Vec<String>,
    checkpoint: &'a str,
}

impl<'a, E: Serialize> Receipt<'a, E> {
    fn of(committed: &'a Committed, effect: E) -> Self {
        Self {
            effect,
            log_index: committed.index,
            tree_size: committed.tree_size,
            inclusion_proof: b64(&committed.inclusion_proof),
            checkpoint: committed.checkpoint.as_str(),
        }
    }
}

/// What a registration did: the credential's id and the exact bytes logged, so that the
/// issuer can keep a receipt that proves inclusion offline.
#[derive(Serialize)]
struct Registration<'a> {
    id: String,
    entry: std::borrow::Cow<'a, str>,
}

async fn put_trust_list(
    State(app): State<AppState>,
    JsonBody(document): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    if !matches!(entry, VerifiedEntry::TrustList(_)) {
        return Err(ApiError::BadJson(
            "the body must be a signed SCSTrustListCredential".into(),
        ));
    }
    let committed = app.ledger.submit(entry, &document).await?;
    #[derive(Serialize)]
    struct Edition {
        #[serde(skip_serializing_if = "Option::is_none")]
        sequence: Option<u64>,
    }
    let sequence = match &committed.effect {
        Effect::TrustList(list) => Some(list.sequence),
        _ => None,
    };
    Ok(Json(Receipt::of(&committed, Edition { sequence })).into_response())
}

async fn allocate(
    State(app): State<AppState>,
    JsonBody(document): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    if !matches!(&entry, VerifiedEntry::Request { request, .. } if request.body == RequestBody::AllocateStatus)
    {
        return Err(ApiError::BadJson(
            "the body must be a signed allocate-status request".into(),
        ));
    }
    let committed = app.ledger.submit(entry, &document).await?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Allocated<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        credential_status: Option<&'a [scs_core::credential::StatusEntry]>,
    }
    let credential_status = match &committed.effect {
        Effect::Allocated(entries) => Some(entries.as_slice()),
        _ => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(Receipt::of(&committed, Allocated { credential_status })),
    )
        .into_response())
}

async fn register(
    State(app): State<AppState>,
    JsonBody(document): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let entry = open_write(&app, &document)?;
    let VerifiedEntry::Request {
        request,
        credential: Some(signed),
    } = &entry
    else {
        return Err(ApiError::BadJson(
            "the body must be a signed register request".into(),
        ));
    };
    let id = signed.credential.id;
    if request.info.signer != signed.proof.signer {
        return Err(ApiError::Forbidden(
            "an issuer may register only credentials it signed".into(),
        ));
    }
    // Idempotent: the same credential again gets the first registration's answer.
    if let Some(existing) = app.ledger.credential(&id)? {
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
        return Ok(Json(Receipt {
            effect: Registration {
                id: id.to_string(),
                entry: String::from_utf8_lossy(&logged),
            },
            log_index,
            tree_size: size,
            inclusion_proof: b64(&proof),
            checkpoint: checkpoint.as_str(),
        })
        .into_response());
    }
    let committed = app.ledger.submit(entry, &document).await?;
    let registration = Registration {
        id: id.to_string(),
        entry: String::from_utf8_lossy(&committed.entry),
    };
    Ok((
        StatusCode::CREATED,
        Json(Receipt::of(&committed, registration)),
    )
        .into_response())
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
    JsonBody(document): JsonBody<Value>,
) -> Result<Response, ApiError> {
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
    #[derive(Serialize)]
    struct Changed {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        state: Option<CredentialState>,
    }
    let changed = match committed.effect {
        Effect::StatusChanged { state, .. } => Changed {
            id: Some(id.to_string()),
            state: Some(state),
        },
        _ => Changed {
            id: None,
            state: None,
        },
    };
    Ok(Json(Receipt::of(&committed, changed)).into_response())
}

async fn get_organization(
    State(app): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<scs_ledger::OrganizationView>, ApiError> {
    let number = CorporateNumber::parse(&number)
        .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
    let view = app.ledger.organization_view(&number, now())?;
    if view.credentials.is_empty() {
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

/// The answer of `GET /v1/organizations?name=`.
#[derive(Serialize)]
struct SearchAnswer {
    query: String,
    results: Vec<scs_ledger::NameMatch>,
}

async fn search_organizations(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let name = q
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::BadParameter("give ?name=".into()))?;
    if name.chars().count() > 100 {
        return Err(ApiError::BadParameter(
            "name is longer than 100 characters".into(),
        ));
    }
    let results = app.ledger.search_names(&name, 50);
    Ok(Json(SearchAnswer {
        query: name,
        results,
    }))
}

/// The signed status index: what an offline bundle is made of, and the time it is as of.
async fn get_status_index(State(app): State<AppState>) -> Result<Response, ApiError> {
    let body = app.ledger.status_index()?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
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
    let (body, etag) = served_status_list(&app.ledger, purpose, list)?
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
) -> Result<Option<(Bytes, HeaderValue)>, ApiError> {
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
        return Ok(hit);
    }
    let Some(signed) = ledger.status_list(purpose, list)? else {
        return Ok(None);
    };
    let copy = ThreadCopy {
        version,
        resign_after: signed.resign_after(),
        body: Bytes::copy_from_slice(&signed.body),
        // The ETag is hex in quotes: always a valid header value.
        etag: HeaderValue::from_bytes(signed.etag.as_bytes()).map_err(|_| ApiError::Unavailable)?,
    };
    let served = (copy.body.clone(), copy.etag.clone());
    STATUS_COPIES.with(|copies| copies.borrow_mut().insert(key, copy));
    Ok(Some(served))
}

/// The body of `POST /v1/verify`: a request carrying `credential` or `qrText` (with the
/// question's options), or a bare credential, which is verified with none.
struct VerifyBody(VerifyRequest);

impl<'de> Deserialize<'de> for VerifyBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = Value::deserialize(deserializer)?;
        if body.get("credential").is_none() && body.get("qrText").is_none() {
            return Ok(Self(VerifyRequest {
                credential: Some(body),
                qr_text: None,
                min_level: None,
                corporate_number: None,
                at: None,
            }));
        }
        VerifyRequest::deserialize(body)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// `POST /v1/verify` with options: a credential or QR text, and the question.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyRequest {
    credential: Option<Value>,
    qr_text: Option<String>,
    min_level: Option<u64>,
    corporate_number: Option<String>,
    at: Option<String>,
}

impl VerifyRequest {
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
    fn verifiable(self) -> Result<VerifiedInput, ApiError> {
        match (self.credential, self.qr_text) {
            (Some(credential), None) => Ok(VerifiedInput::Credential(credential)),
            (None, Some(text)) => Ok(VerifiedInput::QrText(text)),
            _ => Err(ApiError::BadJson("give either credential or qrText".into())),
        }
    }
}

/// `POST /v1/verify`: `{"credential": {…} | "qrText": "SCS1:…", "minLevel"?,
/// "corporateNumber"?, "at"?}` or a bare credential → the report of `scs verify --json`.
async fn verify(
    State(app): State<AppState>,
    JsonBody(VerifyBody(request)): JsonBody<VerifyBody>,
) -> Result<Json<Report>, ApiError> {
    let question = request.question()?;
    let report = report_of(&app.ledger, request.verifiable()?, &question)?;
    Ok(Json(report))
}

/// The verification report of one credential or QR text.
fn report_of(
    ledger: &Ledger,
    verifiable: VerifiedInput,
    question: &Question,
) -> Result<Report, ApiError> {
    match verifiable {
        VerifiedInput::Credential(credential) => ledger
            .verify_credential(credential, question)
            .map_err(|e| ApiError::BadJson(e.to_string())),
        VerifiedInput::QrText(text) => ledger
            .verify_qr_text(&text, question)
            .map_err(|e| ApiError::BadParameter(format!("qrText: {e}"))),
    }
}

/// `POST /v1/verify/evidence`: the body of `POST /v1/verify` → the verification's evidence
/// (検証結果の証跡, `scs_core::evidence`), signed by the registry's status key.
async fn verify_evidence(
    State(app): State<AppState>,
    JsonBody(VerifyBody(request)): JsonBody<VerifyBody>,
) -> Result<Json<Value>, ApiError> {
    let question = request.question()?;
    let input = request.verifiable()?;
    let report = report_of(&app.ledger, input.clone(), &question)?;
    Ok(Json(
        app.ledger.sign_verification(input, &question, report)?,
    ))
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
    JsonBody(request): JsonBody<VcApiVerifyRequest>,
) -> Result<Json<Value>, ApiError> {
    let credential = Value::Object(request.verifiable_credential);
    // The interoperability suites send credentials of every shape: a data-model failure is a
    // 400, anything that is a credential gets its checks.
    let report = app
        .ledger
        .verify_credential(credential, &Question::at(now()))
        .map_err(|e| ApiError::BadJson(e.to_string()))?;
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
    JsonBody(request): JsonBody<VcApiIssueRequest>,
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
