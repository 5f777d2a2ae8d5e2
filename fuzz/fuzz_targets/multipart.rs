//! The `multipart/form-data` forms of the web pages: the verify form (`web::verify::read_form`,
//! then `classify_file` / `classify_text` on what it holds: image, printed PDF, credential
//! JSON, QR text, id, URL or 法人番号) and the bulk form (`web::bulk::read_form`, then
//! `scs_suppliers::read_list`). The input is the request body, with a fixed boundary, read by
//! axum's own extractor.
#![no_main]

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, Multipart};
use axum::http::{header, Request};
use libfuzzer_sys::fuzz_target;
use scs_registry::web::{bulk as bulk_page, verify};

/// The boundary of the seed corpus's bodies.
const BOUNDARY: &str = "scsfuzzboundary";
/// The registry base URL that credential page URLs are read against.
const BASE_URL: &str = "http://127.0.0.1:8080";

async fn multipart(body: &[u8]) -> Result<Multipart, MultipartRejection> {
    let request = Request::builder()
        .method("POST")
        .uri("/")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body.to_vec()))
        .expect("a request");
    Multipart::from_request(request, &()).await
}

async fn exercise(data: &[u8]) {
    if let Ok(form) = verify::read_form(multipart(data).await).await {
        if let Some(file) = &form.file {
            let _ = verify::classify_file(file, BASE_URL);
        }
        let _ = verify::classify_text(&form.text, BASE_URL);
    }
    if let Ok(form) = bulk_page::read_form(multipart(data).await).await {
        let _ = scs_suppliers::read_list(&form.file, None);
        let _ = scs_suppliers::read_list(&form.data, None);
        let _ = scs_suppliers::read_list(form.text.as_bytes(), None);
    }
}

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|runtime| runtime.block_on(exercise(data)));
});
