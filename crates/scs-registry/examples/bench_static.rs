//! The ceiling for `scripts/bench-registry.sh`: a minimal axum server on the same runtime as
//! `scs serve` (tokio multi-thread, one worker per core) answering the two measured GET routes
//! with a static body of a given size and the same content types.
//!
//! ```text
//! cargo run --release -p scs-registry --example bench_static -- \
//!     --listen 127.0.0.1:8081 --credential-bytes 4321 --status-bytes 987 [--trace-layer]
//! ```

use std::net::SocketAddr;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// A JSON document of exactly `size` bytes (at least 12).
fn body(size: usize) -> &'static [u8] {
    let pad = size.saturating_sub(r#"{"pad":""}"#.len() + 1);
    let text = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(pad));
    Box::leak(text.into_bytes().into_boxed_slice())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:8081".into())
        .parse()?;
    let credential = body(
        arg(&args, "--credential-bytes")
            .unwrap_or_default()
            .parse()?,
    );
    let status = body(arg(&args, "--status-bytes").unwrap_or_default().parse()?);
    let app = Router::new()
        .route(
            "/v1/credentials/{id}",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], credential) }),
        )
        .route(
            "/v1/status/{purpose}/{list}",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/vc+ld+json"),
                        (header::ETAG, "\"0123456789abcdef01234567\""),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    status,
                )
                    .into_response()
            }),
        );
    // `--trace-layer`: wrap the routes in the same `TraceLayer` as `scs serve`, to measure it.
    let app = if args.iter().any(|a| a == "--trace-layer") {
        app.layer(tower_http::trace::TraceLayer::new_for_http())
    } else {
        app
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!(
                "static ceiling on http://{listen}/ (credential {} B, status list {} B)",
                credential.len(),
                status.len()
            );
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        })?;
    Ok(())
}
