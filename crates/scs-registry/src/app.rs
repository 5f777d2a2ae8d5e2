//! What every handler shares: the ledger, the demo issuer key, the permits that bound the
//! expensive work a client can start, and the metrics.

use std::sync::Arc;

use scs_ledger::Ledger;

/// Shared state of every handler, behind one `Arc`: axum clones the state for every request,
/// and each `Arc` cloned is a reference count that both worker threads write.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct App {
    /// The ledger.
    pub ledger: Arc<Ledger>,
    /// `--demo`: enables `POST /credentials/issue` with the demo ★4 key.
    pub demo_issuer: Option<Arc<scs_core::keys::SecretKey>>,
    /// Permits to decode an uploaded image ([`crate::limits::MAX_IMAGE_DECODES`]).
    pub image_decodes: Arc<tokio::sync::Semaphore>,
    /// Permits to handle a page upload ([`crate::limits::MAX_UPLOADS`]).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// What `GET /metrics` answers.
    pub metrics: crate::metrics::Metrics,
}

impl AppState {
    /// The state over `ledger`; `demo_issuer` only with `--demo`.
    pub fn new(ledger: Arc<Ledger>, demo_issuer: Option<Arc<scs_core::keys::SecretKey>>) -> Self {
        Self(Arc::new(App {
            metrics: crate::metrics::Metrics::new(&ledger),
            ledger,
            demo_issuer,
            image_decodes: Arc::new(tokio::sync::Semaphore::new(
                crate::limits::MAX_IMAGE_DECODES,
            )),
            uploads: Arc::new(tokio::sync::Semaphore::new(crate::limits::MAX_UPLOADS)),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
