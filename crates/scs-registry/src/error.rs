//! The one error type of the HTTP API, and the only place errors become responses: RFC 9457
//! `application/problem+json` with a stable `type` per cause. 5xx bodies stay generic.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://w3id.org/scs/problems/";

/// Everything a request can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not JSON, or not the JSON this endpoint takes.
    BadJson(String),
    /// The body is larger than the limit.
    TooLarge,
    /// The content type is not `application/json`.
    UnsupportedMediaType,
    /// The request's proof does not verify or is malformed.
    BadSignature(String),
    /// The signer may not do this.
    Forbidden(String),
    /// `proof.created` is too far from the registry's clock.
    Stale(String),
    /// This signer has used this nonce before.
    Replayed,
    /// The credential fails a check (signature, profile, designation, policy, entries).
    InvalidCredential(String),
    /// A presentation fails its own checks (proof, challenge, domain, holder), or a credential
    /// in it has a proof that does not verify.
    InvalidPresentation(String),
    /// A 法人番号 with a wrong check digit or format.
    InvalidCorporateNumber(String),
    /// A path or query parameter is malformed.
    BadParameter(String),
    /// Nothing at that id or index.
    NotFound(String),
    /// The request contradicts the current state (already revoked, id reused, older edition).
    Conflict(String),
    /// A log index or tree size beyond the log.
    OutOfRange(String),
    /// The path exists, but not with this method.
    MethodNotAllowed,
    /// The registry cannot take writes now (storage failure; details are logged, not shown).
    Unavailable,
    /// The request was not finished within [`crate::limits::REQUEST_TIMEOUT`].
    Timeout,
    /// A ledger entry's bytes no longer hash to its leaf: the disk is corrupt, and the entry is
    /// not served (logged loudly; the operator restores from a backup).
    LedgerCorrupt,
}

/// Reading the log failed: a corrupt entry says so, anything else is unavailability (its
/// cause logged).
impl From<scs_ledger::LogFileError> for ApiError {
    fn from(error: scs_ledger::LogFileError) -> Self {
        match error {
            scs_ledger::LogFileError::Integrity { .. } => ApiError::LedgerCorrupt,
            other => unavailable(&other),
        }
    }
}

/// A write the ledger did not acknowledge: a refusal says why, a failure is logged here (with
/// its cause) and answered with a generic 503.
impl From<scs_ledger::WriteError> for ApiError {
    fn from(error: scs_ledger::WriteError) -> Self {
        use scs_ledger::WriteError;
        match error {
            WriteError::Refused(refusal) => refusal.into(),
            WriteError::Failed(failure) => failure.into(),
            other => unavailable(&other),
        }
    }
}

/// The ledger's refusals, each the problem type it always had.
impl From<scs_ledger::Refusal> for ApiError {
    fn from(refusal: scs_ledger::Refusal) -> Self {
        use scs_ledger::Refusal;
        match refusal {
            Refusal::BadSignature(detail) => ApiError::BadSignature(detail),
            Refusal::NotAuthorised(detail) => ApiError::Forbidden(detail),
            Refusal::Stale(detail) => ApiError::Stale(detail),
            Refusal::Replayed => ApiError::Replayed,
            Refusal::InvalidCredential(detail) => ApiError::InvalidCredential(detail),
            Refusal::InvalidCorporateNumber(detail) => ApiError::InvalidCorporateNumber(detail),
            Refusal::NotFound(detail) => ApiError::NotFound(detail),
            Refusal::Conflict(detail) => ApiError::Conflict(detail),
            Refusal::TooLarge => ApiError::TooLarge,
            // A refusal this code does not know yet: fail closed, and say so in the log.
            other => unavailable(&other),
        }
    }
}

/// The ledger failed: the cause goes to the operator's log, the client learns only that the
/// registry is unavailable.
impl From<scs_ledger::Failure> for ApiError {
    fn from(failure: scs_ledger::Failure) -> Self {
        if failure.is_corrupt_entry() {
            ApiError::LedgerCorrupt
        } else {
            unavailable(&failure)
        }
    }
}

/// 503, its cause logged.
fn unavailable(error: &dyn std::error::Error) -> ApiError {
    log_unavailable(error);
    ApiError::Unavailable
}

/// Logs why the ledger could not answer, with every cause: the client is told only that the
/// registry is unavailable (503).
pub(crate) fn log_unavailable(error: &dyn std::error::Error) {
    let mut why = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // A message often holds its source's text already.
        if !why.contains(&text) {
            why = format!("{why}: {text}");
        }
        source = cause.source();
    }
    tracing::error!(error = %why, "the ledger could not answer");
}

impl ApiError {
    /// Its problem type, and the detail shown with it.
    fn parts(&self) -> (Problem, Option<&str>) {
        use ApiError::*;
        match self {
            BadJson(d) => (Problem::BadJson, Some(d)),
            TooLarge => (Problem::TooLarge, None),
            UnsupportedMediaType => (Problem::UnsupportedMediaType, None),
            BadSignature(d) => (Problem::BadSignature, Some(d)),
            Forbidden(d) => (Problem::NotAuthorised, Some(d)),
            Stale(d) => (Problem::StaleRequest, Some(d)),
            Replayed => (Problem::ReplayedRequest, None),
            InvalidCredential(d) => (Problem::InvalidCredential, Some(d)),
            InvalidPresentation(d) => (Problem::InvalidPresentation, Some(d)),
            InvalidCorporateNumber(d) => (Problem::InvalidCorporateNumber, Some(d)),
            BadParameter(d) => (Problem::BadParameter, Some(d)),
            NotFound(d) => (Problem::NotFound, Some(d)),
            Conflict(d) => (Problem::Conflict, Some(d)),
            OutOfRange(d) => (Problem::OutOfRange, Some(d)),
            MethodNotAllowed => (Problem::MethodNotAllowed, None),
            Unavailable => (Problem::Unavailable, None),
            Timeout => (Problem::RequestTimeout, None),
            LedgerCorrupt => (Problem::LedgerIntegrity, None),
        }
    }

    /// Its problem type.
    pub fn problem(&self) -> Problem {
        self.parts().0
    }

    /// The stable type slug, e.g. `replayed-request`.
    pub fn slug(&self) -> &'static str {
        self.problem().slug()
    }
}

/// Declares [`Problem`] and [`Problem::ALL`] from one table, so that no problem type can be
/// missing from the list docs/API.md is checked against (`the_api_reference_matches_the_router`).
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident => $status:ident, $slug:literal, $title:literal;)+) => {
        /// A problem `type` of the API: [`PROBLEM_BASE`] + its slug, one per cause.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Problem {
            $($(#[$doc])* $name,)+
        }

        impl Problem {
            /// Every problem type, in the order declared.
            pub const ALL: &'static [Problem] = &[$(Problem::$name,)+];

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Problem::$name => StatusCode::$status,)+
                }
            }

            /// The stable slug, e.g. `replayed-request`.
            pub fn slug(self) -> &'static str {
                match self {
                    $(Problem::$name => $slug,)+
                }
            }

            /// The title, English / 日本語.
            pub fn title(self) -> &'static str {
                match self {
                    $(Problem::$name => $title,)+
                }
            }
        }
    };
}

problems! {
    /// The body is not JSON, or not the JSON this endpoint takes.
    BadJson => BAD_REQUEST, "bad-json", "Malformed JSON / JSONの形式が正しくありません";
    /// The body is larger than the limit.
    TooLarge => PAYLOAD_TOO_LARGE, "too-large", "Request too large / リクエストが大きすぎます";
    /// The content type is not JSON.
    UnsupportedMediaType => UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
        "Content-Type must be application/json / Content-Type が正しくありません";
    /// The request's proof does not verify or is malformed.
    BadSignature => UNAUTHORIZED, "bad-signature",
        "Request signature invalid / 署名が正しくありません";
    /// The signer may not do this.
    NotAuthorised => FORBIDDEN, "not-authorised", "Signer not authorised / 権限がありません";
    /// `proof.created` is too far from the registry's clock.
    StaleRequest => UNAUTHORIZED, "stale-request",
        "Request too old or in the future / リクエストの日時が古すぎるか未来です";
    /// This signer has used this nonce before.
    ReplayedRequest => CONFLICT, "replayed-request", "Nonce already used / このnonceは使用済みです";
    /// The credential fails a check.
    InvalidCredential => UNPROCESSABLE_ENTITY, "invalid-credential",
        "Credential rejected / 証明書を受け付けられません";
    /// A presentation fails a check.
    InvalidPresentation => UNPROCESSABLE_ENTITY, "invalid-presentation",
        "Presentation rejected / 提示を受け付けられません";
    /// A 法人番号 with a wrong check digit or format.
    InvalidCorporateNumber => BAD_REQUEST, "invalid-corporate-number",
        "Invalid corporate number / 法人番号が正しくありません";
    /// A path or query parameter is malformed.
    BadParameter => BAD_REQUEST, "bad-parameter", "Bad parameter / パラメータが正しくありません";
    /// Nothing at that path, id or index.
    NotFound => NOT_FOUND, "not-found", "Not found / 見つかりません";
    /// The request contradicts the current state.
    Conflict => CONFLICT, "conflict", "Conflicts with the current state / 現在の状態と矛盾します";
    /// A log index or tree size beyond the log.
    OutOfRange => BAD_REQUEST, "out-of-range", "Index out of range / 範囲外です";
    /// The path exists, but not with this method.
    MethodNotAllowed => METHOD_NOT_ALLOWED, "method-not-allowed",
        "Method not allowed / このメソッドは使えません";
    /// The registry cannot answer now.
    Unavailable => SERVICE_UNAVAILABLE, "unavailable",
        "Registry temporarily unavailable / 一時的に利用できません";
    /// The request was not finished in time.
    RequestTimeout => REQUEST_TIMEOUT, "request-timeout",
        "Request took too long / リクエストに時間がかかりすぎました";
    /// A ledger entry failed its integrity check.
    LedgerIntegrity => SERVICE_UNAVAILABLE, "ledger-integrity",
        "Ledger entry failed its integrity check / 台帳エントリが整合性検査に失敗しました";
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (problem, detail) = self.parts();
        write!(f, "{}: {}", problem.slug(), problem.title())?;
        if let Some(detail) = detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// An RFC 9457 problem document, as every error of the API is answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemDocument {
    /// [`PROBLEM_BASE`] and the problem's slug: stable, to branch on.
    #[serde(rename = "type")]
    #[schema(example = "https://w3id.org/scs/problems/invalid-corporate-number")]
    pub kind: String,
    /// English / 日本語.
    #[schema(example = "Invalid corporate number / 法人番号が正しくありません")]
    pub title: &'static str,
    /// The HTTP status.
    #[schema(example = 400)]
    pub status: u16,
    /// What in the request was wrong; left out where there is nothing to add, and never given
    /// for a 5xx.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (problem, detail) = self.parts();
        let (status, slug) = (problem.status(), problem.slug());
        if status.is_server_error() {
            tracing::error!(
                problem = slug,
                status = status.as_u16(),
                ?detail,
                "request failed"
            );
        } else {
            tracing::debug!(
                problem = slug,
                status = status.as_u16(),
                ?detail,
                "request refused"
            );
        }
        let body = ProblemDocument {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: problem.title(),
            status: status.as_u16(),
            detail: detail.map(str::to_owned),
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
        // A standby without the sequencer lease, a store that is down: worth asking again
        // soon (a standby takes over within a few seconds of the writer's end).
        if matches!(problem, Problem::Unavailable) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}
