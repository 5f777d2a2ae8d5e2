//! The W3C CCG VC API, so that the W3C interoperability suites run against the registry:
//! `POST /credentials/verify` always; with `--demo`, `POST /credentials/issue` and
//! `POST /credentials/status` as the demo ★4 issuer.
//!
//! The demo issuer writes through the registry's own signed-write path, as `scs issue
//! --registry` and `scs revoke` do: a ★ attainment credential gets its revocation and
//! suspension entries from a logged allocation and is registered; a status change is a signed
//! revoke, suspend or reinstate request, judged by the ledger's rules (revocation is final).
//! A credential that is not a ★ attainment credential is signed but never recorded: the
//! ledger registers only what passes the SCS profile (docs/DECISIONS.md, "Status through the
//! VC API").

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use scs_core::credential::{AttainmentCredential, StatusPurpose, CREDENTIAL_TYPE};
use scs_core::keys::SecretKey;
use scs_core::lifecycle::{sign_request, Reason, RequestBody};
use scs_core::proof::ProofPurpose;
use scs_core::report::{CheckName, Report};
use scs_issuer::{now, random_credential_id};
use scs_ledger::{Committed, Effect};
use scs_verifier::Question;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::http::{open_write, parse_id, Changed, Receipt};

/// The VC API's routes; issuing and status changes only with the demo issuer key.
pub(crate) fn routes(demo_issuer: bool) -> Router<AppState> {
    let router = Router::new().route("/credentials/verify", post(verify));
    if demo_issuer {
        router
            .route("/credentials/issue", post(issue))
            .route("/credentials/status", post(update_status))
    } else {
        router
    }
}

/// The body of `POST /credentials/verify`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyRequest {
    verifiable_credential: Map<String, Value>,
    /// The VC API's verification options (challenge, domain, …): none changes what this
    /// registry checks, but they must be an object.
    #[serde(default, rename = "options")]
    _options: Option<Map<String, Value>>,
}

/// `POST /credentials/verify`: 200 when the proof verifies and the credential is neither
/// revoked nor suspended, 400 for what is not a credential, 422 for a credential whose proof
/// does not verify or whose status list bit is set (the detail names the check).
async fn verify(
    State(app): State<AppState>,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> Result<Json<Value>, ApiError> {
    let credential = Value::Object(request.verifiable_credential);
    // The interoperability suites send credentials of every shape: a data-model failure is a
    // 400, anything that is a credential gets its checks.
    let report = app
        .ledger
        .verify_credential(credential, &Question::at(now()))
        .map_err(|e| ApiError::BadJson(e.to_string()))?;
    if let Some(why) = refusal(&report) {
        return Err(ApiError::InvalidCredential(why));
    }
    Ok(Json(json!({
        "verified": true,
        "checks": ["proof", "status"],
        "errors": [],
        "warnings": report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name.en(), c.detail)).collect::<Vec<_>>(),
    })))
}

/// Why the VC API does not call a credential verified: its proof does not verify, or a status
/// list decides that it is revoked or suspended, as the Bitstring Status List suite expects. A
/// status nobody can decide (a list this registry does not serve) and the ★ profile's checks on
/// a generic credential stay warnings. `/presentations/verify` asks the same of each credential.
pub(crate) fn refusal(report: &Report) -> Option<String> {
    match report.checks.first() {
        Some(signature) if signature.ok => {}
        signature => return Some(signature.map(|c| c.detail.clone()).unwrap_or_default()),
    }
    report
        .checks
        .iter()
        .find(|c| c.name == CheckName::Status && !c.ok && !c.undecided)
        .map(|status| {
            format!(
                "{} / {}: {} / {}",
                status.name.ja(),
                status.name.en(),
                status.detail_ja,
                status.detail
            )
        })
}

/// The body of `POST /credentials/issue`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueRequest {
    credential: Map<String, Value>,
    /// The VC API's issuing options: none changes how the demo key signs, but they must be
    /// an object.
    #[serde(default, rename = "options")]
    _options: Option<Map<String, Value>>,
}

/// `POST /credentials/issue` (`--demo` only): signs with the demo ★4 key, as that key's
/// issuer only. A ★ attainment credential without `credentialStatus` gets a revocation and a
/// suspension entry from the registry's allocation, and is registered once signed.
async fn issue(
    State(app): State<AppState>,
    JsonBody(request): JsonBody<IssueRequest>,
) -> Result<Response, ApiError> {
    let key = demo_key(&app)?;
    let mut credential = request.credential;
    name_the_demo_issuer(&mut credential, &key)?;
    let attainment = claims_attainment(&credential);
    if attainment {
        credential
            .entry("id")
            .or_insert_with(|| random_credential_id().to_string().into());
        // The profile first, so that a credential the registry would refuse reserves nothing.
        AttainmentCredential::from_json(&Value::Object(credential.clone()))
            .map_err(|e| ApiError::InvalidCredential(e.to_string()))?;
        if !credential.contains_key("credentialStatus") {
            let entries = allocate(&app, &key).await?;
            credential.insert("credentialStatus".into(), entries);
        }
    }
    let credential = Value::Object(credential);
    scs_core::vcdm::check_data_model(&credential).map_err(|e| ApiError::BadJson(e.to_string()))?;
    let signed = scs_core::proof::sign(
        credential,
        &key,
        now(),
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .map_err(|e| ApiError::BadJson(e.to_string()))?;
    if attainment {
        submit(
            &app,
            &key,
            &RequestBody::Register {
                credential: signed.clone(),
            },
        )
        .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"verifiableCredential": signed})),
    )
        .into_response())
}

/// The demo issuer's key: `None` outside `--demo`, where these routes do not exist either.
fn demo_key(app: &AppState) -> Result<std::sync::Arc<SecretKey>, ApiError> {
    app.demo_issuer
        .clone()
        .ok_or_else(|| ApiError::NotFound("no such endpoint".into()))
}

/// Sets `issuer` to the demo issuer when absent; refuses any other issuer.
fn name_the_demo_issuer(
    credential: &mut Map<String, Value>,
    key: &SecretKey,
) -> Result<(), ApiError> {
    let own = key.public().did_key().to_string();
    match credential.get("issuer") {
        None => {
            credential.insert("issuer".into(), own.into());
            Ok(())
        }
        Some(issuer) => {
            let named = issuer
                .as_str()
                .or_else(|| issuer.get("id").and_then(Value::as_str));
            if named == Some(own.as_str()) {
                Ok(())
            } else {
                Err(ApiError::BadJson(format!(
                    "issuer must be {own}, the demo issuer this registry signs as"
                )))
            }
        }
    }
}

/// `true` when the credential's `type` names the ★ attainment credential: then it must pass
/// the SCS profile, and it is registered.
fn claims_attainment(credential: &Map<String, Value>) -> bool {
    match credential.get("type") {
        Some(Value::String(kind)) => kind == CREDENTIAL_TYPE,
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == CREDENTIAL_TYPE),
        _ => false,
    }
}

/// One revocation and one suspension entry, reserved by a logged allocation request of the
/// demo issuer, as the credential's `credentialStatus`.
async fn allocate(app: &AppState, key: &SecretKey) -> Result<Value, ApiError> {
    let committed = submit(app, key, &RequestBody::AllocateStatus).await?;
    match committed.effect {
        Effect::Allocated(entries) => {
            serde_json::to_value(entries).map_err(|_| ApiError::Unavailable)
        }
        _ => Err(ApiError::Unavailable),
    }
}

/// Signs `body` as a registry request of the demo issuer and writes it through the ledger,
/// the path every issuer's write takes: checked, logged, durable when this returns.
async fn submit(
    app: &AppState,
    key: &SecretKey,
    body: &RequestBody,
) -> Result<Committed, ApiError> {
    let document = sign_request(body, key, now(), &scs_issuer::request_nonce())
        .map_err(|e| ApiError::BadJson(e.to_string()))?;
    let entry = open_write(app, &document)?;
    Ok(app.ledger.submit(entry, &document).await?)
}

/// The body of `POST /credentials/status` (VC API "updateCredentialStatus").
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateStatusRequest {
    credential_id: String,
    credential_status: OneUpdate,
}

/// `credentialStatus`: one update, by itself or as the only item of an array.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneUpdate {
    One(StatusUpdate),
    List([StatusUpdate; 1]),
}

/// One status update: `status` is `revoked`, `suspended` or `active` (lift a suspension), or,
/// with `statusPurpose`, the bit to set (`"1"`) or clear (`"0"`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusUpdate {
    /// The status list type the client names (`BitstringStatusListCredential`, …): this
    /// registry has one kind.
    #[serde(default, rename = "type")]
    _kind: Option<String>,
    #[serde(default)]
    status_purpose: Option<StatusPurpose>,
    status: String,
}

/// What a status update asks of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Revoke,
    Suspend,
    Reinstate,
}

impl StatusUpdate {
    fn change(&self) -> Result<Change, ApiError> {
        use StatusPurpose::{Revocation, Suspension};
        match (self.status_purpose, self.status.as_str()) {
            (None | Some(Revocation), "revoked") | (Some(Revocation), "1") => Ok(Change::Revoke),
            (None | Some(Suspension), "suspended") | (Some(Suspension), "1") => Ok(Change::Suspend),
            (None | Some(Suspension), "active") | (Some(Suspension), "0") => Ok(Change::Reinstate),
            (Some(Revocation), "0" | "active") => Err(ApiError::Conflict(
                "失効は取り消せません / revocation is final".into(),
            )),
            _ => Err(ApiError::BadParameter(
                "status は revoked・suspended・active（statusPurpose とともに \"1\"・\"0\"）のいずれかです / status must be revoked, suspended or active (or \"1\"/\"0\" with statusPurpose)"
                    .into(),
            )),
        }
    }
}

/// `POST /credentials/status` (`--demo` only): revokes, suspends or reinstates a credential
/// the demo issuer registered, by a signed request through the ledger; the status list has
/// the new bit when this answers.
async fn update_status(
    State(app): State<AppState>,
    JsonBody(request): JsonBody<UpdateStatusRequest>,
) -> Result<Response, ApiError> {
    let key = demo_key(&app)?;
    let target = parse_id(&request.credential_id)?;
    let update = match &request.credential_status {
        OneUpdate::One(update) | OneUpdate::List([update]) => update,
    };
    // The VC API carries no reason; the issuer's own mistake is the reason that fits an
    // issuer changing a credential's status on request.
    let reason = Reason::IssuerError;
    let body = match update.change()? {
        Change::Revoke => RequestBody::Revoke { target, reason },
        Change::Suspend => RequestBody::Suspend { target, reason },
        Change::Reinstate => RequestBody::Reinstate { target, reason },
    };
    let committed = submit(&app, &key, &body).await?;
    let state = match committed.effect {
        Effect::StatusChanged { state, .. } => Some(state),
        _ => None,
    };
    let changed = Changed {
        id: Some(target.to_string()),
        state,
    };
    Ok(Json(Receipt::of(&committed, changed)).into_response())
}
