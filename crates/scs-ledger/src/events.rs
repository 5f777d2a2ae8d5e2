//! The change feed: what happened in the log after a cursor, as events (`GET /v1/events`, the
//! Atom feeds, `scs watch`). Every event names the log entry that made it (`logIndex`), so a
//! client can prove it with an inclusion proof; only entries under the published checkpoint
//! are reported.
//!
//! Unfiltered, a page reads at most `limit` log entries after the cursor. Filtered by company,
//! it reads the company's credential records (their histories carry log indexes) and the
//! issuer changes of trust-list editions, never the whole log.

use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::Reason;
use scs_core::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Failure;
use crate::ledger::Ledger;
use crate::query::LoggedWrite;
use crate::state::{keys, DesignationChange, EventKind, IssuerChange, Registered};

/// Events per page when the client names no limit.
pub const DEFAULT_EVENTS_PAGE: usize = 100;
/// Most log entries one page covers.
pub const MAX_EVENTS_PAGE: usize = 1000;
/// Most trust-list editions with issuer changes read for a company's events.
const MAX_EDITIONS: usize = 10_000;

/// What an event is (its name in answers: `registered`, `revoked`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A credential was registered.
    Registered,
    /// A credential was revoked (for a reason other than `superseded`).
    Revoked,
    /// A credential was suspended.
    Suspended,
    /// A suspension was lifted.
    Reinstated,
    /// A credential was revoked because a renewed one replaces it.
    Superseded,
    /// The issuer's designation was withdrawn (by a trust-list edition).
    IssuerWithdrawn,
    /// The issuer's key was declared compromised (by a trust-list edition).
    IssuerCompromised,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 7] = [
        Self::Registered,
        Self::Revoked,
        Self::Suspended,
        Self::Reinstated,
        Self::Superseded,
        Self::IssuerWithdrawn,
        Self::IssuerCompromised,
    ];

    /// The kind's name in answers, e.g. `issuer-withdrawn`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
            Self::Reinstated => "reinstated",
            Self::Superseded => "superseded",
            Self::IssuerWithdrawn => "issuer-withdrawn",
            Self::IssuerCompromised => "issuer-compromised",
        }
    }

    /// The kind in Japanese.
    pub fn ja(self) -> &'static str {
        match self {
            Self::Registered => "登録",
            Self::Revoked => "失効",
            Self::Suspended => "一時停止",
            Self::Reinstated => "一時停止の解除",
            Self::Superseded => "更新による失効",
            Self::IssuerWithdrawn => "発行者の指定取消",
            Self::IssuerCompromised => "発行者の鍵の漏えい",
        }
    }

    /// The kind of a credential's history event (or of a logged status change).
    pub fn of_history(event: EventKind, reason: Option<Reason>) -> Self {
        match (event, reason) {
            (EventKind::Registered, _) => Self::Registered,
            (EventKind::Revoked, Some(Reason::Superseded)) => Self::Superseded,
            (EventKind::Revoked, _) => Self::Revoked,
            (EventKind::Suspended, _) => Self::Suspended,
            (EventKind::Reinstated, _) => Self::Reinstated,
        }
    }

    fn of_designation(change: DesignationChange) -> Self {
        match change {
            DesignationChange::Withdrawn => Self::IssuerWithdrawn,
            DesignationChange::Compromised => Self::IssuerCompromised,
        }
    }
}

/// One event of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeEvent {
    /// The log entry that made it (prove it with `/v1/log/proof/inclusion`).
    pub log_index: u64,
    /// What happened.
    pub kind: ChangeKind,
    /// The reason code of a status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// When: for a credential's event, the `proof.created` of the signed request, which the
    /// registry accepted only within 300 s of its own clock; for an issuer's, the time the
    /// edition gives for the withdrawal or compromise.
    pub at: Timestamp,
    /// The company (absent for an issuer's event in the unfiltered feed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
    /// The credential (absent for an issuer's event in the unfiltered feed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialBrief>,
    /// The issuer whose designation changed (issuer events only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerBrief>,
}

/// The company an event concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Its 法人番号 (absent for a company named by LEI only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<CorporateNumber>,
    /// Its name, as the credential gives it.
    pub legal_name: String,
}

/// The credential an event concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialBrief {
    /// Its id.
    pub id: CredentialId,
    /// Its ★.
    pub level: u8,
    /// Its `validUntil`.
    pub valid_until: Timestamp,
    /// Its issuer's did:key.
    pub issuer: String,
}

/// The issuer an issuer event concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IssuerBrief {
    /// Its did:key.
    pub id: String,
    /// Its name in the edition.
    pub name: String,
}

/// A page of events (`GET /v1/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    /// The events, in log order.
    pub events: Vec<ChangeEvent>,
    /// The last log index this page covers: pass it as `after` for the next page (absent when
    /// the log is empty and no cursor was given). More may follow while `next + 1 < treeSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
    /// The size of the published checkpoint the page was read under.
    pub tree_size: u64,
}

/// A credential as the events about it name it.
struct Subject {
    company: Company,
    credential: CredentialBrief,
}

impl Subject {
    fn of(registered: &Registered) -> Option<Self> {
        let typed = registered.typed()?;
        let subject = typed.credential_subject;
        Some(Self {
            company: Company {
                corporate_number: subject.corporate_number,
                legal_name: subject.legal_name,
            },
            credential: CredentialBrief {
                id: typed.id,
                level: subject.achievement.level.get(),
                valid_until: typed.valid_until,
                issuer: registered.record.issuer.clone(),
            },
        })
    }

    /// The events of its history whose log index `wanted` accepts.
    fn history_events(
        &self,
        registered: &Registered,
        wanted: impl Fn(u64) -> bool,
    ) -> Vec<ChangeEvent> {
        registered
            .record
            .history
            .iter()
            .filter(|event| wanted(event.log_index))
            .map(|event| ChangeEvent {
                log_index: event.log_index,
                kind: ChangeKind::of_history(event.event, event.reason),
                reason: event.reason,
                at: event.at,
                company: Some(self.company.clone()),
                credential: Some(self.credential.clone()),
                issuer: None,
            })
            .collect()
    }
}

/// The event of an issuer change at log index `index`, about `subject`'s credential if given.
fn issuer_event(index: u64, change: &IssuerChange, subject: Option<&Subject>) -> ChangeEvent {
    ChangeEvent {
        log_index: index,
        kind: ChangeKind::of_designation(change.change),
        reason: None,
        at: change.since,
        company: subject.map(|s| s.company.clone()),
        credential: subject.map(|s| s.credential.clone()),
        issuer: Some(IssuerBrief {
            id: change.issuer.clone(),
            name: change.name.clone(),
        }),
    }
}

impl Ledger {
    /// The events of the log entries after `after` (from the first entry when `None`), reading
    /// at most `limit` entries (capped at [`MAX_EVENTS_PAGE`]).
    pub fn events_after(&self, after: Option<u64>, limit: usize) -> Result<EventPage, Failure> {
        let tree_size = self.checkpoint().0;
        let start = after.map_or(0, |a| a.saturating_add(1));
        let end = start
            .saturating_add(limit.clamp(1, MAX_EVENTS_PAGE) as u64)
            .min(tree_size);
        let mut events = Vec::new();
        for index in start..end {
            events.extend(self.entry_events(index)?);
        }
        Ok(EventPage {
            events,
            next: if end > start { Some(end - 1) } else { after },
            tree_size,
        })
    }

    /// The events of one log entry.
    fn entry_events(&self, index: u64) -> Result<Vec<ChangeEvent>, Failure> {
        let credential = match self.logged_entry_summary(index)?.write {
            LoggedWrite::TrustListEdition { .. } => {
                return Ok(self
                    .issuer_changes_at(index)?
                    .iter()
                    .map(|change| issuer_event(index, change, None))
                    .collect())
            }
            LoggedWrite::Registration { id, .. } => id,
            LoggedWrite::StatusChange { target, .. } => target,
            _ => return Ok(Vec::new()),
        };
        let Some(registered) = self.credential(&credential)? else {
            return Ok(Vec::new());
        };
        let Some(subject) = Subject::of(&registered) else {
            return Ok(Vec::new());
        };
        Ok(subject.history_events(&registered, |at| at == index))
    }

    /// The issuer changes the edition at `index` made (none for most editions).
    fn issuer_changes_at(&self, index: u64) -> Result<Vec<IssuerChange>, Failure> {
        let key = keys::edition(index);
        match self.store().get(&key)? {
            None => Ok(Vec::new()),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| Failure::unreadable_record(&key, source)),
        }
    }

    /// Every edition's issuer changes, in log order.
    fn all_issuer_changes(&self) -> Result<Vec<(u64, IssuerChange)>, Failure> {
        let mut all = Vec::new();
        for (key, bytes) in self
            .store()
            .scan_prefix(keys::EDITION_PREFIX, MAX_EDITIONS)?
        {
            let index = key
                .get(keys::EDITION_PREFIX.len()..)
                .and_then(|tail| <[u8; 8]>::try_from(tail).ok())
                .map(u64::from_be_bytes);
            let changes: Vec<IssuerChange> = serde_json::from_slice(&bytes)
                .map_err(|source| Failure::unreadable_record(&key, source))?;
            if let Some(index) = index {
                all.extend(changes.into_iter().map(|change| (index, change)));
            }
        }
        Ok(all)
    }

    /// The events after `after` that concern the companies `numbers`: their credentials'
    /// histories, and the withdrawal or compromise of those credentials' issuers after they
    /// were registered. A page holds the events of at most `limit` log entries (capped at
    /// [`MAX_EVENTS_PAGE`]), never part of one entry's events.
    pub fn company_events(
        &self,
        numbers: &[CorporateNumber],
        after: Option<u64>,
        limit: usize,
    ) -> Result<EventPage, Failure> {
        let tree_size = self.checkpoint().0;
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut window = Window::new(Keep::Oldest, limit);
        self.collect_company_events(numbers, start..tree_size, &mut window)?;
        let next = match window.trimmed {
            true => window.events.last().map(|event| event.log_index),
            false => tree_size
                .checked_sub(1)
                .filter(|&n| after.is_none_or(|a| n > a)),
        };
        Ok(EventPage {
            events: window.events,
            next: next.or(after),
            tree_size,
        })
    }

    /// The newest events of the companies `numbers`: those of the last `entries` log entries
    /// that concern them (capped at [`MAX_EVENTS_PAGE`]), in log order.
    pub fn newest_company_events(
        &self,
        numbers: &[CorporateNumber],
        entries: usize,
    ) -> Result<Vec<ChangeEvent>, Failure> {
        let mut window = Window::new(Keep::Newest, entries);
        self.collect_company_events(numbers, 0..self.checkpoint().0, &mut window)?;
        Ok(window.events)
    }

    /// Adds to `window` the companies' events whose log index is in `range`.
    fn collect_company_events(
        &self,
        numbers: &[CorporateNumber],
        range: std::ops::Range<u64>,
        window: &mut Window,
    ) -> Result<(), Failure> {
        let wanted = |index: u64| range.contains(&index);
        let changes = self.all_issuer_changes()?;
        for number in numbers {
            for id in self.organization(number)? {
                let Some(registered) = self.credential(&id)? else {
                    continue;
                };
                let Some(subject) = Subject::of(&registered) else {
                    continue;
                };
                let registered_at = registered.record.log_index;
                let issuer_events = changes
                    .iter()
                    .filter(|(index, change)| {
                        wanted(*index)
                            && *index > registered_at
                            && change.concerns(&registered.record.issuer)
                    })
                    .map(|(index, change)| issuer_event(*index, change, Some(&subject)));
                window.add(
                    subject
                        .history_events(&registered, wanted)
                        .into_iter()
                        .chain(issuer_events),
                );
            }
        }
        window.trim();
        Ok(())
    }
}

/// Which events a [`Window`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Those of the first log entries.
    Oldest,
    /// Those of the last log entries.
    Newest,
}

/// The events of at most `entries` log entries, oldest or newest, gathered from many
/// credentials: trimmed as it grows, so a request holds little more than what it answers.
#[derive(Debug)]
struct Window {
    keep: Keep,
    entries: usize,
    events: Vec<ChangeEvent>,
    /// Events were left out.
    trimmed: bool,
}

impl Window {
    fn new(keep: Keep, entries: usize) -> Self {
        Self {
            keep,
            entries: entries.clamp(1, MAX_EVENTS_PAGE),
            events: Vec::new(),
            trimmed: false,
        }
    }

    fn add(&mut self, events: impl IntoIterator<Item = ChangeEvent>) {
        self.events.extend(events);
        if self.events.len() > 4 * self.entries {
            self.trim();
        }
    }

    /// Sorts the events (by log index, then credential) and keeps those of `entries` log
    /// entries, whole.
    fn trim(&mut self) {
        let key = |event: &ChangeEvent| {
            (
                event.log_index,
                event.credential.as_ref().map(|c| c.id.to_string()),
            )
        };
        self.events.sort_by_key(key);
        if self.keep == Keep::Newest {
            self.events.reverse();
        }
        let mut seen = 0;
        let mut last = None;
        let cut = self.events.iter().position(|event| {
            if last != Some(event.log_index) {
                seen += 1;
                last = Some(event.log_index);
            }
            seen > self.entries
        });
        if let Some(cut) = cut {
            self.events.truncate(cut);
            self.trimmed = true;
        }
        if self.keep == Keep::Newest {
            self.events.reverse();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(log_index: u64) -> ChangeEvent {
        ChangeEvent {
            log_index,
            kind: ChangeKind::Registered,
            reason: None,
            at: Timestamp::parse("2027-04-01T09:00:00Z").unwrap(),
            company: None,
            credential: None,
            issuer: None,
        }
    }

    fn indexes(window: &Window) -> Vec<u64> {
        window.events.iter().map(|e| e.log_index).collect()
    }

    #[test]
    fn a_window_keeps_whole_entries_oldest_or_newest() {
        let events = [9, 3, 7, 3, 5, 7].map(event);
        let mut oldest = Window::new(Keep::Oldest, 2);
        oldest.add(events.clone());
        oldest.trim();
        assert_eq!(indexes(&oldest), [3, 3, 5]);
        assert!(oldest.trimmed);
        let mut newest = Window::new(Keep::Newest, 2);
        newest.add(events.clone());
        newest.trim();
        assert_eq!(indexes(&newest), [7, 7, 9]);
        let mut all = Window::new(Keep::Oldest, 4);
        all.add(events);
        all.trim();
        assert_eq!(indexes(&all), [3, 3, 5, 7, 7, 9]);
        assert!(!all.trimmed);
    }

    #[test]
    fn a_window_stays_small_while_it_gathers() {
        let mut window = Window::new(Keep::Oldest, 1);
        for index in (0..1000).rev() {
            window.add([event(index)]);
            assert!(window.events.len() <= 5);
        }
        window.trim();
        assert_eq!(indexes(&window), [0]);
    }

    #[test]
    fn each_kind_has_its_code_as_its_serde_name() {
        for kind in ChangeKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.code())
            );
        }
    }
}
