//! `GET /metrics`: the registry's figures in Prometheus' text exposition format (0.0.4) — the
//! writer's ([`scs_ledger::WriterMetrics`]) and the latency of every HTTP request by route
//! template, method and status class.
//!
//! Label sets stay bounded whatever clients send: the route is the router's template
//! (`/v1/credentials/{id}`), never the path asked, and `unmatched` for every path the router does
//! not know; the method is one of eight; the status is its class (`2xx` …). The per-request cost
//! is a look-up in the worker thread's own table of label handles (made once per route and
//! thread), two clock reads and the histogram's atomic adds: no lock is taken.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus::{Histogram, HistogramOpts, HistogramVec, Registry, TextEncoder};
use scs_ledger::Ledger;

use crate::app::AppState;
use crate::error::ApiError;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `route` label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// The `method` label: the methods the registry serves, and `other` for any other.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "other",
];

/// The `status` label: the class of the answer's status.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Upper bounds of the request latency buckets, in seconds: a GET is answered in tens of
/// microseconds, a write waits for its batch's fsyncs, a page upload may decode a photo.
const LATENCY_BUCKETS: [f64; 15] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    10.0,
];

/// Process-unique numbers of [`Metrics`], keying each thread's label handles.
static NEXT_METRICS_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The registry's metrics: what `/metrics` answers.
#[derive(Debug)]
pub struct Metrics {
    id: u64,
    registry: Registry,
    /// `None` only if the histogram could not be made (it is logged).
    requests: Option<HistogramVec>,
}

impl Metrics {
    /// The metrics of a registry over `ledger`. A metric that cannot be made or registered is
    /// logged and left out: the registry serves without it.
    pub fn new(ledger: &Ledger) -> Self {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "scs_http_request_duration_seconds",
                "Time to answer an HTTP request, by route template, method and status class",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method", "status"],
        );
        let requests = match requests {
            Ok(requests) => Some(requests),
            Err(error) => {
                tracing::error!("cannot make the request latency metric: {error}");
                None
            }
        };
        let mut collectors = ledger.metrics().collectors();
        if let Some(requests) = &requests {
            collectors.push(Box::new(requests.clone()));
        }
        for collector in collectors {
            if let Err(error) = registry.register(collector) {
                tracing::error!("cannot register a metric: {error}");
            }
        }
        Self {
            id: NEXT_METRICS_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            registry,
            requests,
        }
    }

    /// Every metric in the text exposition format, the ledger's gauges read now.
    fn exposition(&self, ledger: &Ledger) -> Result<String, prometheus::Error> {
        // Sets the gauges read from the ledger (tree size, status list ages).
        ledger.metrics();
        let mut text = String::new();
        TextEncoder::new().encode_utf8(&self.registry.gather(), &mut text)?;
        Ok(text)
    }
}

/// The route of `/metrics`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// `GET /metrics`.
async fn metrics(State(app): State<AppState>) -> Result<Response, ApiError> {
    let text = app.metrics.exposition(&app.ledger).map_err(|error| {
        tracing::error!("cannot encode the metrics: {error}");
        ApiError::Unavailable
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

/// The latency histograms of one route, made on first use in one worker thread.
#[derive(Debug)]
struct RouteHistograms {
    route: Box<str>,
    by_method_and_class: [[OnceLock<Histogram>; CLASSES.len()]; METHODS.len()],
}

impl RouteHistograms {
    fn observe(&self, requests: &HistogramVec, method: usize, status: StatusCode, seconds: f64) {
        let class = usize::from(status.as_u16() / 100)
            .saturating_sub(1)
            .min(CLASSES.len() - 1);
        let Some(slot) = self
            .by_method_and_class
            .get(method)
            .and_then(|classes| classes.get(class))
        else {
            return;
        };
        let histogram = match slot.get() {
            Some(histogram) => histogram,
            None => {
                let label = |labels: &[&'static str], at: usize| labels.get(at).copied();
                let (Some(method), Some(class)) = (label(&METHODS, method), label(&CLASSES, class))
                else {
                    return;
                };
                let labels = [&*self.route, method, class];
                let Ok(made) = requests.get_metric_with_label_values(&labels) else {
                    return;
                };
                slot.get_or_init(|| made)
            }
        };
        histogram.observe(seconds);
    }
}

/// One thread's histograms of a [`Metrics`], by route template.
type RoutesOf = HashMap<Box<str>, Arc<RouteHistograms>>;

thread_local! {
    /// Each worker thread's label handles, by [`Metrics`] and route template: a handful of
    /// routes, filled on each route's first request in this thread.
    static ROUTES: RefCell<HashMap<u64, RoutesOf>> = RefCell::new(HashMap::new());
}

/// This thread's histograms of `route`.
fn route_histograms(metrics: u64, route: &str) -> Arc<RouteHistograms> {
    ROUTES.with(|routes| {
        let mut routes = routes.borrow_mut();
        let of_metrics = routes.entry(metrics).or_default();
        if let Some(found) = of_metrics.get(route) {
            return Arc::clone(found);
        }
        let made = Arc::new(RouteHistograms {
            route: route.into(),
            by_method_and_class: Default::default(),
        });
        of_metrics.insert(route.into(), Arc::clone(&made));
        made
    })
}

/// The index of a method's label in [`METHODS`].
fn method_label(method: &Method) -> usize {
    METHODS
        .iter()
        .position(|known| *known == method.as_str())
        .unwrap_or(METHODS.len() - 1)
}

/// Records how long the router took to answer each request, by route template, method and
/// status class.
pub(crate) async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(requests) = &app.metrics.requests else {
        return next.run(request).await;
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str);
    let histograms = route_histograms(app.metrics.id, route);
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    histograms.observe(
        requests,
        method,
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}
