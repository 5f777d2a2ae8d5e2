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
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiPath, ApiQuery, JsonBody};
use scs_issuer::now;
use scs_ledger::{
    Committed, CredentialView, Effect, Ledger, LogFileError, VerifiedEntry, VerifiedInput,
};

/// `Cache-Control` of a status list: public, for its `ttl`
/// ([`scs_ledger::STATUS_TTL_SECONDS`]; the router test checks that they agree).
const STATUS_CACHE_CONTROL: &str = "public, max-age=300";

/// The API's routes; the VC API's issuing and status routes only with the demo issuer key.
pub(crate) fn routes(demo_issuer: bool) -> Router<AppState> {
    Router::new()
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
        .merge(crate::vc_api::routes(demo_issuer))
        .merge(crate::feed::routes())
        .merge(crate::presentations::routes())
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h.0)).collect()
}

/// The answer of `GET /v1/health`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Health {
    /// Always `ok`: the registry answers.
    #[schema(example = "ok")]
    status: &'static str,
    /// The number of entries in the log's latest checkpoint.
    log_size: u64,
}

/// 稼働確認 / liveness and the log's size.
#[utoipa::path(get, path = "/v1/health", tag = "registry",
    responses((status = 200, description = "The registry answers", body = Health, content_type = "application/json")))]
pub(crate) async fn health(State(app): State<AppState>) -> Json<Health> {
    let (log_size, _) = app.ledger.checkpoint();
    Json(Health {
        status: "ok",
        log_size,
    })
}

/// 指定機関一覧 / the signed trust list edition in force.
///
/// The signed `SCSTrustListCredential` of SPEC §4, byte for byte as logged. A verifier checks it
/// against the operator key it pins.
#[utoipa::path(get, path = "/v1/trust-list", tag = "registry",
    responses((status = 200, description = "The edition in force, as logged", body = Object, content_type = "application/json")))]
pub(crate) async fn get_trust_list(State(app): State<AppState>) -> Result<Response, ApiError> {
    let body = app.ledger.trust_list_document()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Verifies a write's signatures (and, for requests, its freshness; for trust list editions,
/// that they are in force at the registry's clock).
pub(crate) fn open_write(app: &AppState, document: &Value) -> Result<VerifiedEntry, ApiError> {
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
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Receipt<'a, E: Serialize> {
    /// What the write did.
    #[serde(flatten)]
    effect: E,
    /// Where the entry is in the log.
    log_index: u64,
    /// The size of the tree `checkpoint` commits to.
    tree_size: u64,
    /// Base64 SHA-256 hashes (RFC 9162) proving the entry is leaf `logIndex` of that tree.
    inclusion_proof: Vec<String>,
    /// The C2SP signed note of the checkpoint, signed by the log key.
    checkpoint: &'a str,
}

impl<'a, E: Serialize> Receipt<'a, E> {
    pub(crate) fn of(committed: &'a Committed, effect: E) -> Self {
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
#[derive(Serialize, ToSchema)]
pub(crate) struct Registration<'a> {
    /// The credential's id.
    id: String,
    /// The exact text logged: the signed register request.
    #[schema(value_type = String)]
    entry: std::borrow::Cow<'a, str>,
}

/// What a trust list edition did: its sequence number.
#[derive(Serialize, ToSchema)]
pub(crate) struct Edition {
    #[serde(skip_serializing_if = "Option::is_none")]
    sequence: Option<u64>,
}

/// What an allocation did: one revocation and one suspension entry, to put in the
/// credential's `credentialStatus` before signing it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Allocated<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_status: Option<&'a [scs_core::credential::StatusEntry]>,
}

/// What a status change did: the credential's state now.
#[derive(Serialize, ToSchema)]
pub(crate) struct Changed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<CredentialState>,
}

/// 指定機関一覧の公開 / publish a newer trust list edition (operator).
///
/// The body is a new edition, an `SCSTrustListCredential` signed by the operator key.
#[utoipa::path(put, path = "/v1/trust-list", tag = "writes",
    request_body(content = Object, content_type = "application/json", description = "A trust list edition signed by the operator key"),
    responses(
        (status = 200, description = "Logged and in force", body = Receipt<Edition>, content_type = "application/json"),
        (status = 409, description = "conflict: outside its own validity, not a newer sequence, a registry key changed, an issuer dropped", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn put_trust_list(
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
    let sequence = match &committed.effect {
        Effect::TrustList(list) => Some(list.sequence),
        _ => None,
    };
    Ok(Json(Receipt::of(&committed, Edition { sequence })).into_response())
}

/// 失効リスト番号の予約 / reserve status entries (issuer).
#[utoipa::path(post, path = "/v1/status-allocations", tag = "writes",
    request_body(content = Object, content_type = "application/json", description = "A signed allocate-status request"),
    responses(
        (status = 201, description = "Reserved and logged", body = Receipt<Allocated>, content_type = "application/json"),
        (status = 403, description = "not-authorised: the signer is no active issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "replayed-request: the nonce was used before", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn allocate(
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

/// 登録 / register a signed credential (its issuer).
///
/// The body is a signed register request whose `credential` is the signed ★ credential. The
/// answer is the registration receipt; the same credential again answers 200 with its first
/// registration and logs nothing.
#[utoipa::path(post, path = "/v1/credentials", tag = "writes",
    request_body(content = Object, content_type = "application/json", description = "A signed register request carrying the signed credential"),
    responses(
        (status = 201, description = "Registered: the receipt", body = Receipt<Registration>, content_type = "application/json"),
        (status = 200, description = "Already registered: the first registration's receipt", body = Receipt<Registration>, content_type = "application/json"),
        (status = 403, description = "not-authorised: not the credential's signer, or no active issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "conflict or replayed-request: the id is registered with other content, or the nonce was used", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "invalid-credential: the credential fails a check", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn register(
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
            "登録できるのは指定機関が自ら署名した証明書だけです / an issuer may register only credentials it signed".into(),
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

pub(crate) fn parse_id(text: &str) -> Result<CredentialId, ApiError> {
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
) -> Result<CredentialAnswer, ApiError> {
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
    Ok(CredentialAnswer(body))
}

/// A credential's record: the members after `credential` in the answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RecordView<'a> {
    /// `registered`, `revoked`, `suspended` and `reinstated` events.
    history: &'a [scs_ledger::HistoryEvent],
    /// Where its registration is in the log.
    log_index: u64,
    /// Its status at the registry's clock.
    status: StatusView,
}

/// A credential's status at the registry's clock.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct StatusView {
    /// The reason code of its last status change.
    reason: Option<scs_core::lifecycle::Reason>,
    reason_ja: Option<&'static str>,
    state: CredentialState,
    state_en: &'static str,
    state_ja: &'static str,
    /// Why it no longer counts although its status is clear.
    #[serde(skip_serializing_if = "Option::is_none")]
    void: Option<scs_ledger::Void>,
}

/// The body of `GET /v1/credentials/{id}`, already serialised: `{"credential": …}` and the
/// members of [`RecordView`].
pub(crate) struct CredentialAnswer(Vec<u8>);

impl IntoResponse for CredentialAnswer {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

impl utoipa::PartialSchema for CredentialAnswer {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
        let credential = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("The credential exactly as registered"));
        AllOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .property("credential", credential)
                    .required("credential"),
            )
            .item(<RecordView as utoipa::PartialSchema>::schema())
            .into()
    }
}

impl ToSchema for CredentialAnswer {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <RecordView as ToSchema>::schemas(schemas);
    }
}

/// 証明書の照会 / a credential, its status, history and log index.
///
/// `status.state` is at the registry's clock. 503 `ledger-integrity` when its log entry no
/// longer matches its leaf hash.
#[utoipa::path(get, path = "/v1/credentials/{id}", tag = "look-up",
    params(("id" = String, Path, description = "The credential id: urn:uuid:… or the bare UUID")),
    responses(
        (status = 200, description = "The credential and its record", body = CredentialAnswer, content_type = "application/json"),
        (status = 400, description = "bad-parameter: not a credential id", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: not registered", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_credential(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<CredentialAnswer, ApiError> {
    let id = parse_id(&id)?;
    let view = app
        .ledger
        .credential_view(&id)?
        .ok_or_else(|| ApiError::NotFound(format!("{id} is not registered")))?;
    let now = now();
    let void = app.ledger.void(&view.history, now);
    credential_answer(&view, now, void, |buffer| {
        app.ledger
            .read_credential(&view, buffer)
            .map_err(ApiError::from)
    })
}

/// 取消・一時停止・再開 / revoke, suspend or reinstate.
///
/// The body is a signed revoke, suspend or reinstate request whose `target` is `{id}`. The
/// status list has the new bit when this answer is sent.
#[utoipa::path(post, path = "/v1/credentials/{id}/status", tag = "writes",
    params(("id" = String, Path, description = "The credential id: urn:uuid:… or the bare UUID")),
    request_body(content = Object, content_type = "application/json", description = "A signed revoke, suspend or reinstate request"),
    responses(
        (status = 200, description = "Changed and logged", body = Receipt<Changed>, content_type = "application/json"),
        (status = 403, description = "not-authorised: the signer may not change this credential", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: the credential is not registered", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "conflict or replayed-request: the state does not allow the change, or the nonce was used", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn change_status(
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

/// 企業の照会 / a company's credentials and highest ★.
///
/// `highestLevel` is the highest ★ among the credentials active now and not void (`null` if
/// none). 503 if any of them cannot be read.
#[utoipa::path(get, path = "/v1/organizations/{number}", tag = "look-up",
    params(("number" = String, Path, description = "法人番号: 13 digits, the first the check digit (full-width digits, and hyphens or spaces between them, accepted)")),
    responses(
        (status = 200, description = "The company's credentials", body = scs_ledger::OrganizationView, content_type = "application/json"),
        (status = 400, description = "invalid-corporate-number: a wrong length, character or check digit", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: nothing registered for the number", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_organization(
    State(app): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<scs_ledger::OrganizationView>, ApiError> {
    let number = CorporateNumber::parse_typed(&number)
        .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
    let view = app.ledger.organization_view(&number, now())?;
    if view.credentials.is_empty() {
        return Err(unregistered_number(&number));
    }
    Ok(Json(view))
}

/// 404 for a valid 法人番号 nothing is registered for, saying what to do next.
fn unregistered_number(number: &CorporateNumber) -> ApiError {
    ApiError::NotFound(format!(
        "no credentials for corporate number {} in this registry; ask the supplier for its \
         certificate, or check the number on the National Tax Agency's site {}",
        number.as_str(),
        crate::web::orgs::NTA_SITE
    ))
}

/// The query of `GET /v1/organizations`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NameQuery {
    /// Part of the Japanese or English legal name or of the reading, or a 法人番号 (required;
    /// 1–100 characters).
    name: Option<String>,
}

/// The answer of `GET /v1/organizations?name=`.
#[derive(Serialize, ToSchema)]
pub(crate) struct SearchAnswer {
    /// The name asked.
    query: String,
    /// At most 50 companies.
    results: Vec<scs_ledger::NameMatch>,
}

/// 企業名検索 / search companies by name.
///
/// Partial match anywhere in the Japanese or English legal name or the reading (フリガナ),
/// folded as people type: hiragana and katakana, full- and half-width, small kana, long-vowel
/// marks and hyphens, and legal forms (株式会社, (株) …) alike. A `name` that is digits with
/// hyphens or spaces is read as a 法人番号. Each result has the company's highest ★ valid now
/// and the credential that says so (or its latest), with its state and issuer.
#[utoipa::path(get, path = "/v1/organizations", tag = "look-up", params(NameQuery),
    responses(
        (status = 200, description = "The companies found", body = SearchAnswer, content_type = "application/json"),
        (status = 400, description = "bad-parameter: no name, a blank one, or over 100 characters; invalid-corporate-number: digits that are no 法人番号", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 503, description = "unavailable: a found company's credentials cannot be read", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn search_organizations(
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
    let results = if CorporateNumber::looks_typed(&name) {
        let number = CorporateNumber::parse_typed(&name)
            .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
        app.ledger
            .search_number(&number, now())?
            .into_iter()
            .collect()
    } else {
        app.ledger.search_names(&name, 50, now())?
    };
    Ok(Json(SearchAnswer {
        query: name,
        results,
    }))
}

/// 失効リスト索引 / the signed status index.
///
/// Every status list, the trust list and the checkpoint by SHA-256, signed with the status key
/// at the registry's clock: what an offline bundle is made of, and the time it is as of.
#[utoipa::path(get, path = "/v1/status", tag = "status",
    responses((status = 200, description = "The SCSStatusIndex, signed afresh", body = Object, content_type = "application/json")))]
pub(crate) async fn get_status_index(State(app): State<AppState>) -> Result<Response, ApiError> {
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

/// 失効リスト / a signed status list.
///
/// A `BitstringStatusListCredential` signed by the status key, with a strong `ETag` and
/// `Cache-Control: public, max-age=300`.
#[utoipa::path(get, path = "/v1/status/{purpose}/{list}", tag = "status",
    params(
        ("purpose" = String, Path, description = "revocation or suspension"),
        ("list" = u32, Path, description = "The list number"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a copy held"),
    ),
    responses(
        (status = 200, description = "The signed status list", body = Object, content_type = "application/vc+ld+json"),
        (status = 304, description = "Not modified: the copy held is current"),
        (status = 400, description = "bad-parameter: an unknown purpose or list number", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: a list not yet opened", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_status_list(
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
pub(crate) struct VerifyBody(VerifyRequest);

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

/// `POST /v1/verify` with options: a credential or QR text (exactly one), and the question.
/// A credential sent by itself is verified with no option.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct VerifyRequest {
    /// The credential to verify.
    #[schema(value_type = Option<Object>)]
    credential: Option<Value>,
    /// Or the text of its QR code (`SCS1:…`).
    qr_text: Option<String>,
    /// The ★ asked for: 3, 4 or 5.
    min_level: Option<u64>,
    /// The company asked about (法人番号).
    corporate_number: Option<String>,
    /// When: an RFC 3339 time or a date (default: the registry's clock).
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

/// 検証 / verify a credential or QR text, with the registry's status.
///
/// The report of `scs verify --json`, whatever the verdict.
#[utoipa::path(post, path = "/v1/verify", tag = "verify",
    request_body(content = VerifyRequest, content_type = "application/json", description = "The question; or a credential by itself"),
    responses(
        (status = 200, description = "The verification report", body = Report, content_type = "application/json"),
        (status = 400, description = "bad-json, bad-parameter or invalid-corporate-number: not a credential, unreadable QR text, a bad option", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "too-large: the body is over 65,535 bytes", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 415, description = "unsupported-media-type: the body is not JSON", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn verify(
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

/// 検証結果の証跡 / the same verification, signed as evidence by the registry's status key.
///
/// A VC 2.0 document with an eddsa-jcs-2022 proof, checkable offline with
/// `scs verify-receipt FILE --operator-key KEY`.
#[utoipa::path(post, path = "/v1/verify/evidence", tag = "verify",
    request_body(content = VerifyRequest, content_type = "application/json", description = "The question; or a credential by itself"),
    responses(
        (status = 200, description = "The verification evidence, signed", body = Object, content_type = "application/json"),
        (status = 400, description = "bad-json, bad-parameter or invalid-corporate-number: as POST /v1/verify", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "too-large: the body is over 65,535 bytes", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 415, description = "unsupported-media-type: the body is not JSON", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn verify_evidence(
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

/// チェックポイント / the latest signed checkpoint.
///
/// A C2SP signed note: origin, tree size, base64 root hash, a blank line, the log key's
/// signature line. `Cache-Control: no-store`.
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "The signed checkpoint", body = String, content_type = "text/plain; charset=utf-8")))]
pub(crate) async fn checkpoint(State(app): State<AppState>) -> Response {
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

/// A hash tile (C2SP tlog-tiles).
///
/// `{L}` is the level (0–63), `{N}` the tile index in three-digit path segments (`000`,
/// `x001/234`), followed by `.p/{W}` for a partial tile of `W` hashes; only the canonical form
/// is accepted. Entry bundles share the path: see `GET /v1/log/tile/entries/{N}`.
#[utoipa::path(get, path = "/v1/log/tile/{L}/{N}", tag = "log",
    params(
        ("L" = u8, Path, description = "The level, 0–63"),
        ("N" = String, Path, description = "The tile index in three-digit segments, and .p/{W} for a partial tile"),
    ),
    responses(
        (status = 200, description = "The tile's hashes, 32 bytes each", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "bad-parameter: not a canonical tile path", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: the tree does not hold the tile yet", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn tile(
    State(app): State<AppState>,
    ApiPath(path): ApiPath<String>,
) -> Result<Response, ApiError> {
    let full = format!("tile/{path}");
    let bytes = if full.starts_with("tile/entries/") {
        entry_bundle(&app, &full)?
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

/// An entry bundle (C2SP tlog-tiles): each entry as a big-endian 16-bit length and its bytes.
#[utoipa::path(get, path = "/v1/log/tile/entries/{N}", tag = "log",
    params(("N" = String, Path, description = "The bundle index in three-digit segments, and .p/{W} for a partial bundle")),
    responses(
        (status = 200, description = "The entries of the bundle", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "bad-parameter: not a canonical bundle path", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "not-found: the log does not hold the bundle yet", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) fn entry_bundle(app: &AppState, path: &str) -> Result<Vec<u8>, ApiError> {
    let bundle =
        EntryBundle::parse_path(path).map_err(|e| ApiError::BadParameter(e.to_string()))?;
    let range = bundle.entry_indexes();
    if range.end > app.ledger.tree().size() {
        return Err(ApiError::NotFound("entry bundle not yet complete".into()));
    }
    let entries = range
        .map(|i| app.ledger.entry(i).map_err(ApiError::from))
        .collect::<Result<Vec<_>, _>>()?;
    bundle.encode(&entries).map_err(|_| ApiError::Unavailable)
}

/// One entry: the signed document logged.
///
/// The entry's exact bytes: a signed trust list edition or registry request (entry 0 is the
/// genesis trust list).
#[utoipa::path(get, path = "/v1/log/entries/{index}", tag = "log",
    params(("index" = u64, Path, description = "The log index")),
    responses(
        (status = 200, description = "The entry as logged", body = Object, content_type = "application/json"),
        (status = 400, description = "bad-parameter or out-of-range: not an index, or beyond the log", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn log_entry(
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

/// The query of `GET /v1/log/proof/inclusion`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InclusionQuery {
    /// The entry's log index.
    index: u64,
    /// The tree size (default: the current one).
    size: Option<u64>,
}

/// The answer of `GET /v1/log/proof/inclusion`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InclusionProof {
    index: u64,
    tree_size: u64,
    /// Base64 of the entry's leaf hash (RFC 9162).
    leaf_hash: String,
    /// Base64 SHA-256 hashes.
    proof: Vec<String>,
}

/// Inclusion proof of one entry (RFC 9162).
#[utoipa::path(get, path = "/v1/log/proof/inclusion", tag = "log", params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionProof, content_type = "application/json"),
        (status = 400, description = "bad-parameter or out-of-range: a bad number, or an index or size beyond the tree", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn inclusion_proof(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
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
    Ok(Json(InclusionProof {
        index: q.index,
        tree_size: size,
        leaf_hash: STANDARD.encode(leaf.0),
        proof: b64(&proof),
    }))
}

/// The query of `GET /v1/log/proof/consistency`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsistencyQuery {
    /// The older tree size.
    from: u64,
    /// The newer tree size (default: the current one).
    to: Option<u64>,
}

/// The answer of `GET /v1/log/proof/consistency`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsistencyProof {
    from: u64,
    to: u64,
    /// Base64 SHA-256 hashes.
    proof: Vec<String>,
}

/// Consistency proof between two tree sizes (RFC 9162).
#[utoipa::path(get, path = "/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof, content_type = "application/json"),
        (status = 400, description = "bad-parameter or out-of-range: a bad number, or a size beyond the tree", body = ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn consistency_proof(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
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
    Ok(Json(ConsistencyProof {
        from: q.from,
        to,
        proof: b64(&proof),
    }))
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
