//! The registry's one router: the JSON API (`http`) and the pages ([`crate::web`]),
//! and what both share at the edge: the request deadline, the security headers of every
//! response, and the answers for unknown paths and methods (problem+json under the API's paths,
//! the HTML error page elsewhere).

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::AppState;
use crate::error::ApiError;
use crate::limits::MAX_BODY_BYTES;

/// The registry: the API's routes and the pages, with every limit of the edge.
pub fn app(state: AppState) -> Router {
    crate::http::routes(state.demo_issuer.is_some())
        .merge(crate::web::router())
        .merge(crate::metrics::routes())
        .merge(crate::openapi::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline,
        ))
        // Outside the deadline, so that a request answered 408 is timed too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        // Outermost: every answer carries them, a 408 and an unknown path's too.
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// What no page or answer of the registry uses: the camera (the verify page's file input lets
/// the phone's own camera app take the photo, which no policy governs), the microphone,
/// location, payment and the device sensors and ports.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
     usb=(), serial=(), hid=(), accelerometer=(), gyroscope=(), magnetometer=(), \
     display-capture=()";

/// The policy of an answer that is not a page (JSON, problem+json, Atom, the stylesheet): it
/// loads nothing and may not be framed. Pages set their own (`web::page_response`).
const NOT_A_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The headers every response carries, page or API, beside the Content-Security-Policy: never
/// framed (clickjacking), never sniffed into another type, no referrer sent on, no device
/// feature. A header a handler set is kept (a page's own CSP).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, NOT_A_PAGE_CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
    ];
    for (name, value) in fixed {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
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

/// `true` for the API's paths (`/v1/…`, the JSON-LD context, the VC API (credentials and
/// presentations), the Atom feeds,
/// `/metrics`),
/// whose every error is problem+json; the rest are pages, whose errors are the HTML error page.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/")
        || path.ends_with("/feed.atom")
        || path.starts_with("/ns/")
        || path == "/credentials/verify"
        || path == "/credentials/issue"
        || path == "/credentials/status"
        || path == "/presentations/verify"
        || path == "/metrics"
}

/// A known path asked with a method it does not take.
async fn method_not_allowed(State(app): State<AppState>, uri: axum::http::Uri) -> Response {
    if is_api_path(uri.path()) {
        ApiError::MethodNotAllowed.into_response()
    } else {
        crate::web::method_not_allowed(&app, &uri)
    }
}
