//! The API's extractors: every way a request can be malformed becomes an [`ApiError`]
//! (problem+json), never axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::limits::MAX_BODY_BYTES;

/// A path parameter whose every failure (e.g. invalid UTF-8 once percent-decoded) is an
/// [`ApiError`] rather than axum's plain-text rejection.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub T);

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
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|e| ApiError::BadParameter(e.body_text()))
    }
}

/// A JSON body read into `T`: the body must be `application/json` (or `+json`), at most
/// [`MAX_BODY_BYTES`], strict JSON (no duplicate member: [`scs_core::json::parse_strict`]), and
/// of `T`'s shape. A member of the wrong type or one `T` does not know (its serde derive says
/// `deny_unknown_fields`) is a 400, never silently dropped. A signed write is read as
/// `JsonBody<Value>`: its signatures are over the document as sent, and it becomes typed when
/// they verify (`scs_ledger::verify_entry`).
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
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
        let value: Value = scs_core::json::parse_strict(&bytes, MAX_BODY_BYTES)
            .map_err(|e| ApiError::BadJson(e.to_string()))?;
        serde_json::from_value(value)
            .map(JsonBody)
            .map_err(|e| ApiError::BadJson(e.to_string()))
    }
}
