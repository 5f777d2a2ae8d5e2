//! `POST /presentations/verify` (W3C CCG VC API): a verifiable presentation checked as
//! `scs verify VP.json` checks it (SPEC §8 "Presentations") — its holder's proof for the `challenge` and
//! `domain` in the options, holder binding when asked — each embedded credential verified by
//! the registry as `POST /credentials/verify` verifies one.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use scs_core::report::{PresentationReport, Report};
use scs_verifier::presentation::{self, Expected};
use scs_verifier::Question;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::JsonBody;
use scs_issuer::now;

/// The VC API's presentation route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/presentations/verify", post(verify_presentation))
}

/// The body of `POST /presentations/verify`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyPresentationRequest {
    verifiable_presentation: Map<String, Value>,
    #[serde(default)]
    options: Options,
}

/// The verification options this registry acts on; any other is refused rather than ignored.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    /// The challenge the verifier gave the holder.
    challenge: Option<String>,
    /// The verifier's domain.
    domain: Option<String>,
    /// Require holder binding (this registry's extension, SPEC §8 "Presentations").
    #[serde(default)]
    holder_binding: bool,
}

/// 200 when the presentation's own checks pass and every credential's proof verifies (the
/// credentials' other failed checks become `warnings`, as `/credentials/verify` gives them),
/// with the whole report; 422 `invalid-presentation` otherwise; 400 `bad-json` for what is not
/// a presentation this registry reads.
async fn verify_presentation(
    State(app): State<AppState>,
    JsonBody(request): JsonBody<VerifyPresentationRequest>,
) -> Result<Json<Value>, ApiError> {
    let presented = Value::Object(request.verifiable_presentation);
    scs_core::vcdm::check_presentation(&presented)
        .map_err(|e| ApiError::BadJson(format!("not a VC 2.0 presentation: {e}")))?;
    let expected = Expected {
        challenge: request.options.challenge,
        domain: request.options.domain,
        holder_binding: request.options.holder_binding,
    };
    let opened = presentation::open(presented, &expected);
    let question = Question::at(now());
    let reports = opened
        .credentials
        .into_iter()
        .map(|credential| app.ledger.verify_credential(credential, &question))
        .collect::<Result<Vec<Report>, _>>()
        .map_err(|e| ApiError::BadJson(e.to_string()))?;
    let report = PresentationReport::new(opened.checks, reports);
    if let Some(why) = refusal(&report) {
        return Err(ApiError::InvalidPresentation(why));
    }
    let warnings: Vec<String> = report
        .credentials
        .iter()
        .enumerate()
        .flat_map(|(index, r)| {
            r.checks
                .iter()
                .filter(|c| !c.ok)
                .map(move |c| format!("credential {index}: {}: {}", c.name.en(), c.detail))
        })
        .collect();
    Ok(Json(json!({
        "verified": true,
        "checks": ["proof", "status"],
        "errors": [],
        "warnings": warnings,
        "report": report,
    })))
}

/// Why the presentation is not verified: a failed check of its own, or a credential that
/// `POST /credentials/verify` would refuse (its proof, or a status list that decides it is
/// revoked or suspended).
fn refusal(report: &PresentationReport) -> Option<String> {
    let own = report
        .checks
        .iter()
        .find(|c| !c.ok)
        .map(|c| c.detail.clone());
    own.or_else(|| {
        report
            .credentials
            .iter()
            .enumerate()
            .find_map(|(index, r)| {
                crate::vc_api::refusal(r).map(|why| format!("credential {index}: {why}"))
            })
    })
}
