//! The one error type of the HTTP API, and the only place errors become responses: RFC 9457
//! `application/problem+json` with a stable `type` per cause. 5xx bodies stay generic.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

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

/// Reading the log failed: a corrupt entry says so, anything else is unavailability.
impl From<crate::log_files::LogFileError> for ApiError {
    fn from(error: crate::log_files::LogFileError) -> Self {
        match error {
            crate::log_files::LogFileError::Integrity { .. } => ApiError::LedgerCorrupt,
            _ => ApiError::Unavailable,
        }
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<&str>) {
        use ApiError::*;
        match self {
            BadJson(d) => (
                StatusCode::BAD_REQUEST,
                "bad-json",
                "Malformed JSON / JSONの形式が正しくありません",
                Some(d),
            ),
            TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request too large / リクエストが大きすぎます",
                None,
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Content-Type must be application/json / Content-Type が正しくありません",
                None,
            ),
            BadSignature(d) => (
                StatusCode::UNAUTHORIZED,
                "bad-signature",
                "Request signature invalid / 署名が正しくありません",
                Some(d),
            ),
            Forbidden(d) => (
                StatusCode::FORBIDDEN,
                "not-authorised",
                "Signer not authorised / 権限がありません",
                Some(d),
            ),
            Stale(d) => (
                StatusCode::UNAUTHORIZED,
                "stale-request",
                "Request too old or in the future / リクエストの日時が古すぎるか未来です",
                Some(d),
            ),
            Replayed => (
                StatusCode::CONFLICT,
                "replayed-request",
                "Nonce already used / このnonceは使用済みです",
                None,
            ),
            InvalidCredential(d) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-credential",
                "Credential rejected / 証明書を受け付けられません",
                Some(d),
            ),
            InvalidCorporateNumber(d) => (
                StatusCode::BAD_REQUEST,
                "invalid-corporate-number",
                "Invalid corporate number / 法人番号が正しくありません",
                Some(d),
            ),
            BadParameter(d) => (
                StatusCode::BAD_REQUEST,
                "bad-parameter",
                "Bad parameter / パラメータが正しくありません",
                Some(d),
            ),
            NotFound(d) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found / 見つかりません",
                Some(d),
            ),
            Conflict(d) => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflicts with the current state / 現在の状態と矛盾します",
                Some(d),
            ),
            OutOfRange(d) => (
                StatusCode::BAD_REQUEST,
                "out-of-range",
                "Index out of range / 範囲外です",
                Some(d),
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed / このメソッドは使えません",
                None,
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Registry temporarily unavailable / 一時的に利用できません",
                None,
            ),
            Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request took too long / リクエストに時間がかかりすぎました",
                None,
            ),
            LedgerCorrupt => (
                StatusCode::SERVICE_UNAVAILABLE,
                "ledger-integrity",
                "Ledger entry failed its integrity check / 台帳エントリが整合性検査に失敗しました",
                None,
            ),
        }
    }

    /// The stable type slug, e.g. `replayed-request`.
    pub fn slug(&self) -> &'static str {
        self.parts().1
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (_, slug, title, detail) = self.parts();
        write!(f, "{slug}: {title}")?;
        if let Some(detail) = detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title, detail) = self.parts();
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
        let mut body = json!({
            "type": format!("{PROBLEM_BASE}{slug}"),
            "title": title,
            "status": status.as_u16(),
        });
        if let Some(detail) = detail {
            body["detail"] = detail.into();
        }
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}
