//! The views of credentials whose status changed, kept in memory so that a look-up of a
//! revoked, suspended or reinstated credential is no index-store read (on PostgreSQL a round
//! trip to the database, on the writer and on a standby alike).
//!
//! Never stale: a view is kept only when its last event is the newest status change of its
//! credential that the credential directory has read from the log
//! ([`crate::Directory::newest_change`]), and answered only while that is still so. A later
//! change — made by this process, or by the writer and read by a standby as it follows the log
//! — moves the directory's index past the view's, and the next look-up reads the store again.
//! A look-up therefore answers as of the log this process has taken in, as the directory does
//! for a credential whose status never changed.
//!
//! Bounded: at most [`MAX_VIEWS`] views of at most [`MAX_EVENTS`] events each, the least
//! recently used going first.

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use lru::LruCache;
use scs_core::ids::CredentialId;

use crate::state::CredentialView;

/// Views kept (a registration and one or two changes take a few hundred bytes, eight changes
/// about a KiB: 10–20 MiB when full).
pub(crate) const MAX_VIEWS: usize = 16_384;

/// Events of a view kept; a credential changed more often than that is read from the store
/// every time (its history grows up to `state::MAX_HISTORY` events).
pub(crate) const MAX_EVENTS: usize = 8;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct ChangedViews {
    views: Mutex<LruCache<[u8; 16], CredentialView>>,
}

impl Default for ChangedViews {
    fn default() -> Self {
        Self::with_capacity(MAX_VIEWS)
    }
}

/// The log index of the last event of `view`.
fn last_event(view: &CredentialView) -> Option<u64> {
    view.history.last().map(|event| event.log_index)
}

impl ChangedViews {
    fn with_capacity(views: usize) -> Self {
        Self {
            views: Mutex::new(LruCache::new(
                NonZeroUsize::new(views).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn views(&self) -> MutexGuard<'_, LruCache<[u8; 16], CredentialView>> {
        self.views.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The view of `id` kept, if its last event is the change at `newest_change`.
    pub(crate) fn get(&self, id: &CredentialId, newest_change: u64) -> Option<CredentialView> {
        self.views()
            .get(id.as_bytes())
            .filter(|view| last_event(view) == Some(newest_change))
            .cloned()
    }

    /// Keeps `view` of `id` if its last event is the change at `newest_change` (a record read
    /// from a store that has not taken in that change yet, or has taken in a newer one, is not
    /// kept) and it is small enough.
    pub(crate) fn keep(&self, id: &CredentialId, newest_change: u64, view: &CredentialView) {
        if last_event(view) == Some(newest_change) && view.history.len() <= MAX_EVENTS {
            self.views().put(*id.as_bytes(), view.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{CredentialRecord, EventKind, HistoryEvent};

    fn view(events: &[u64]) -> CredentialView {
        let record: CredentialRecord = serde_json::from_value(serde_json::json!({
            "logIndex": events[0],
            "credentialSpan": {"start": 0, "len": 10},
            "issuer": "did:key:z6Mk",
            "validFrom": "2026-04-01T00:00:00Z",
            "validUntil": "2029-03-31T00:00:00Z",
            "status": [],
            "lifecycle": "revoked",
            "history": [],
        }))
        .unwrap();
        let mut view = CredentialView::of_record(record, 0);
        view.history = events
            .iter()
            .map(|&log_index| HistoryEvent {
                event: EventKind::Registered,
                reason: None,
                at: scs_core::timestamp::Timestamp::EPOCH,
                by: "did:key:z6Mk".into(),
                log_index,
            })
            .collect();
        view
    }

    fn id(byte: u8) -> CredentialId {
        CredentialId::from_bytes([byte; 16])
    }

    #[test]
    fn a_view_is_kept_and_answered_only_while_its_last_event_is_the_newest_change() {
        let views = ChangedViews::default();
        // A store that has not taken in the change at 9 yet: not kept.
        views.keep(&id(1), 9, &view(&[3, 5]));
        assert_eq!(views.get(&id(1), 9), None);
        views.keep(&id(1), 9, &view(&[3, 5, 9]));
        assert_eq!(views.get(&id(1), 9), Some(view(&[3, 5, 9])));
        // A change at 12 read from the log: the view kept no longer answers.
        assert_eq!(views.get(&id(1), 12), None);
        assert_eq!(views.get(&id(2), 9), None);
    }

    #[test]
    fn views_are_bounded_in_number_and_size() {
        let views = ChangedViews::with_capacity(2);
        let long: Vec<u64> = (1..=MAX_EVENTS as u64 + 1).collect();
        views.keep(&id(1), *long.last().unwrap(), &view(&long));
        assert_eq!(views.get(&id(1), *long.last().unwrap()), None, "too long");
        for byte in 1..=3 {
            views.keep(&id(byte), 7, &view(&[2, 7]));
        }
        assert_eq!(views.get(&id(1), 7), None, "the least recently used went");
        assert!(views.get(&id(2), 7).is_some() && views.get(&id(3), 7).is_some());
    }
}
