//! An issuer's signing keys over time (issue 16, "issuer key rotation"): an issuer replaces
//! its key without losing what it signed.
//!
//! Each key is a did:key of its own, and a credential names the key that signed it as its
//! `issuer`, as before: a verifier that knows nothing of rotation still finds issuer and signer
//! the same. The trust list groups the keys under one issuer entry, each with the window in
//! which it signs, `validFrom` to `validUntil` inclusive (as an issuer's designation is), the
//! next key's window starting where the last one ended: the instant of the change belongs to
//! both, so a credential signed as the operator edits the list is not lost to a rounding. An entry without `keys` has one key, its `id`, for its whole designation, so editions
//! signed before rotation existed read as they always did.
//!
//! What the windows decide:
//! - a signature counts only if its `proof.created` falls in its key's window;
//! - a key retired by rotation keeps its word for what it signed inside its window, the same
//!   as a current key (rotation is routine, not a declaration that anything went wrong);
//! - a key declared compromised (`compromisedSince`) voids what it signed from that time on,
//!   and from then on its `created` shows nothing, so only the ledger shows that a credential
//!   is older (see [`Signer::own_word_ends`]);
//! - the registry takes writes only from the key current over the whole span its clock
//!   allows ([`super::TrustList::active_throughout`]), never from a retired or compromised one.

use serde::{Deserialize, Serialize};

use super::{DesignatedIssuer, DesignationState, NotAuthorised, TrustList, TrustListError};
use crate::keys::DidKey;
use crate::timestamp::Timestamp;

/// One of an issuer's signing keys and the window in which it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerKey {
    /// The key, as a did:key; the credentials it signs name it as their `issuer`.
    pub id: String,
    /// From when it signs.
    pub valid_from: Timestamp,
    /// Its last instant of signing: its successor's `validFrom`. Absent for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Declared compromised: what it signed from this time on is void, and the registry takes
    /// nothing signed with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_since: Option<Timestamp>,
}

/// A key of an issuer and when it signs: an [`IssuerKey`], or the one key of an entry that
/// lists none (its `id`, bounded only by the designation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUse<'a> {
    /// The key, as a did:key.
    pub id: &'a str,
    /// From when it signs, if the key has a window of its own.
    pub from: Option<Timestamp>,
    /// Its last instant of signing.
    pub until: Option<Timestamp>,
    /// Declared compromised from.
    pub compromised_since: Option<Timestamp>,
}

impl<'a> From<&'a IssuerKey> for KeyUse<'a> {
    fn from(key: &'a IssuerKey) -> Self {
        Self {
            id: &key.id,
            from: Some(key.valid_from),
            until: key.valid_until,
            compromised_since: key.compromised_since,
        }
    }
}

impl KeyUse<'_> {
    /// Why a signature this key made at `created` does not count, if it does not.
    pub(super) fn refuses_signature(&self, created: Timestamp) -> Option<NotAuthorised> {
        if let Some(since) = self.compromised_since.filter(|c| created >= *c) {
            return Some(NotAuthorised::Compromised(since));
        }
        if let Some(from) = self.from.filter(|f| created < *f) {
            return Some(NotAuthorised::KeyNotYetInUse(from));
        }
        self.until
            .filter(|u| created > *u)
            .map(NotAuthorised::KeyReplaced)
    }

    /// Why this key may not write at some instant from `from` to `until`, if it may not: it
    /// must be the current key throughout, and never declared compromised.
    pub(super) fn refuses_write(&self, from: Timestamp, until: Timestamp) -> Option<NotAuthorised> {
        if let Some(since) = self.compromised_since {
            return Some(NotAuthorised::Compromised(since));
        }
        if let Some(begins) = self.from.filter(|f| from < *f) {
            return Some(NotAuthorised::KeyNotYetInUse(begins));
        }
        self.until
            .filter(|u| until >= *u)
            .map(NotAuthorised::KeyReplaced)
    }
}

/// A key and the issuer it belongs to: who signed, as the trust list says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signer<'a> {
    /// The issuer's entry.
    pub issuer: &'a DesignatedIssuer,
    /// The key that signed, with its window.
    pub key: KeyUse<'a>,
}

impl Signer<'_> {
    /// From when this key's own `proof.created` no longer shows that it signed while it could,
    /// as things stand at `at`: the issuer's (see [`DesignatedIssuer::own_word_ends`]) or the
    /// key's compromise, whichever is earlier. A key retired by rotation keeps its word.
    pub fn own_word_ends(&self, at: Timestamp) -> Option<(Timestamp, NotAuthorised)> {
        let key = self
            .key
            .compromised_since
            .map(|t| (t, NotAuthorised::Compromised(t)));
        self.issuer
            .own_word_ends(at)
            .into_iter()
            .chain(key)
            .min_by_key(|(t, _)| *t)
    }
}

impl DesignatedIssuer {
    /// Its keys, oldest first: `keys`, or its one key `id`.
    pub fn key_uses(&self) -> impl Iterator<Item = KeyUse<'_>> {
        let single = self.keys.is_empty().then_some(KeyUse {
            id: &self.id,
            from: None,
            until: None,
            compromised_since: None,
        });
        single.into_iter().chain(self.keys.iter().map(KeyUse::from))
    }

    /// The key it signs with at `at`, if it has one then.
    pub fn key_at(&self, at: Timestamp) -> Option<KeyUse<'_>> {
        self.key_uses()
            .find(|k| k.from.is_none_or(|f| f <= at) && k.until.is_none_or(|u| at < u))
    }

    /// Keys parse, the first is the entry's `id`, and the windows follow one another.
    pub(super) fn check_keys(&self) -> Result<(), String> {
        let Some(first) = self.keys.first() else {
            return Ok(());
        };
        if first.id != self.id {
            return Err(format!(
                "its first key must be its id {} (credentials signed before any rotation name it)",
                self.id
            ));
        }
        for (n, key) in self.keys.iter().enumerate() {
            DidKey::parse(&key.id).map_err(|e| format!("key {}: {e}", key.id))?;
            if key.valid_until.is_some_and(|u| u < key.valid_from) {
                return Err(format!("key {} ends before it begins", key.id));
            }
            let next = self.keys.get(n + 1);
            match (key.valid_until, next) {
                (None, Some(_)) => {
                    return Err(format!(
                        "key {} has a successor, so it needs validUntil",
                        key.id
                    ))
                }
                (Some(until), Some(next)) if next.valid_from < until => {
                    return Err(format!(
                        "key {} begins before key {} ends: one key signs at a time",
                        next.id, key.id
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn keys_mut(&mut self) -> &mut Vec<IssuerKey> {
        if self.keys.is_empty() {
            self.keys.push(IssuerKey {
                id: self.id.clone(),
                valid_from: self.valid_from,
                valid_until: None,
                compromised_since: None,
            });
        }
        &mut self.keys
    }
}

impl TrustList {
    /// The issuer of the key whose did:key text is `did`, with that key's window. Compares
    /// text, without decoding the key: this runs on every credential look-up.
    pub fn signer(&self, did: &str) -> Option<Signer<'_>> {
        self.find_signer(|id| id == did)
    }

    /// [`TrustList::signer`] of a decoded key.
    pub fn signer_of(&self, key: &DidKey) -> Option<Signer<'_>> {
        self.find_signer(|id| key.is_did(id))
    }

    /// The first issuer key whose did:key text `is` the one sought.
    fn find_signer(&self, is: impl Fn(&str) -> bool) -> Option<Signer<'_>> {
        self.issuers.iter().find_map(|issuer| {
            let key = issuer.key_uses().find(|k| is(k.id))?;
            Some(Signer { issuer, key })
        })
    }

    /// Whether the keys `a` and `b` (did:key texts) are one issuer's: the same key, or two keys
    /// of one entry.
    pub fn same_issuer(&self, a: &str, b: &str) -> bool {
        a == b
            || self
                .signer(a)
                .zip(self.signer(b))
                .is_some_and(|(a, b)| std::ptr::eq(a.issuer, b.issuer))
    }

    /// Replaces the current key of the issuer that `key` (any of its keys) belongs to with
    /// `new` from `at`: the old key's window ends at `at`, what it signed before stays valid,
    /// and, with `compromised_since`, what it signed from then on is void. On an error the
    /// edition is left as it was.
    pub fn rotate_key(
        &mut self,
        key: &DidKey,
        new: &DidKey,
        at: Timestamp,
        compromised_since: Option<Timestamp>,
    ) -> Result<(), TrustListError> {
        let mut edited = self.clone();
        let replaced = edited.replace_current_key(key, new, at)?;
        if let Some(since) = compromised_since {
            edited.declare_compromised(&replaced, since)?;
        }
        *self = edited;
        Ok(())
    }

    /// [`TrustList::rotate_key`] without the compromise; the key replaced.
    fn replace_current_key(
        &mut self,
        key: &DidKey,
        new: &DidKey,
        at: Timestamp,
    ) -> Result<DidKey, TrustListError> {
        if self.signer_of(new).is_some() {
            return Err(TrustListError::Edit(format!(
                "{new} is already in this edition: a key is used once, by one issuer"
            )));
        }
        let issuer = self.issuer_mut(key)?;
        if issuer.status.state == DesignationState::Withdrawn {
            return Err(TrustListError::Edit(format!(
                "{key}'s issuer is withdrawn: it gets no new key"
            )));
        }
        let current = issuer
            .keys_mut()
            .last_mut()
            .filter(|k| k.valid_until.is_none());
        let Some(current) = current else {
            return Err(TrustListError::Edit(format!(
                "{key}'s issuer has no current key to replace"
            )));
        };
        if at < current.valid_from {
            return Err(TrustListError::Edit(format!(
                "the new key cannot begin before the current key began ({})",
                current.valid_from
            )));
        }
        current.valid_until = Some(at);
        let replaced = DidKey::parse(&current.id)?;
        issuer.keys.push(IssuerKey {
            id: new.to_string(),
            valid_from: at,
            valid_until: None,
            compromised_since: None,
        });
        Ok(replaced)
    }

    /// Declares `key` compromised from `since`: what it signed from then on is void. A
    /// compromise is never lifted or moved later, which would revive what the key signed in
    /// between.
    pub fn declare_compromised(
        &mut self,
        key: &DidKey,
        since: Timestamp,
    ) -> Result<(), TrustListError> {
        let issuer = self.issuer_mut(key)?;
        let listed = issuer
            .keys_mut()
            .iter_mut()
            .find(|k| key.is_did(&k.id))
            .ok_or_else(|| TrustListError::Edit(format!("{key} is not in this edition")))?;
        if let Some(earlier) = listed.compromised_since.filter(|e| *e <= since) {
            return Err(TrustListError::Edit(format!(
                "{key} is already declared compromised since {earlier}"
            )));
        }
        listed.compromised_since = Some(since);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{sample, t};
    use super::super::DesignationStatus;
    use super::*;
    use crate::credential::Level;
    use crate::keys::SecretKey;

    fn key(n: u8) -> DidKey {
        SecretKey::from_seed(&[n; 32]).public().did_key()
    }

    fn active() -> DesignationStatus {
        DesignationStatus {
            state: DesignationState::Active,
            since: None,
            compromised_since: None,
        }
    }

    /// Issuer key(2), designated from 2027-01-01, rotated to key(4) on 2028-01-01.
    fn rotated() -> TrustList {
        let mut list = sample(&key(2), active());
        list.rotate_key(&key(2), &key(4), t("2028-01-01T00:00:00Z"), None)
            .unwrap();
        list.check().unwrap();
        list
    }

    #[test]
    fn an_old_key_counts_inside_its_window_and_the_new_one_after() {
        let list = rotated();
        let at = |k: &DidKey, s| list.authorise(k, Level::STAR4, Some(t(s))).map(|_| ());
        assert_eq!(at(&key(2), "2027-06-01T00:00:00Z"), Ok(()));
        assert_eq!(
            at(&key(2), "2028-01-01T00:00:00Z"),
            Ok(()),
            "its last instant"
        );
        assert_eq!(
            at(&key(2), "2028-01-01T00:00:01Z"),
            Err(NotAuthorised::KeyReplaced(t("2028-01-01T00:00:00Z")))
        );
        assert_eq!(
            at(&key(4), "2027-12-31T23:59:59Z"),
            Err(NotAuthorised::KeyNotYetInUse(t("2028-01-01T00:00:00Z")))
        );
        assert_eq!(at(&key(4), "2028-01-01T00:00:00Z"), Ok(()));
        // Both keys are one issuer, whose designation still bounds them.
        assert!(list.same_issuer(&key(2).to_string(), &key(4).to_string()));
        assert!(!list.same_issuer(&key(2).to_string(), &key(5).to_string()));
        assert!(matches!(
            at(&key(4), "2032-06-01T00:00:00Z"),
            Err(NotAuthorised::AfterDesignation(_))
        ));
    }

    #[test]
    fn only_the_current_key_writes() {
        let list = rotated();
        let span = |k: &DidKey, from: &str, until: &str| {
            list.active_throughout(k, t(from), t(until)).map(|_| ())
        };
        assert_eq!(
            span(&key(2), "2028-02-01T00:00:00Z", "2028-02-01T00:10:00Z"),
            Err(NotAuthorised::KeyReplaced(t("2028-01-01T00:00:00Z")))
        );
        // The last minutes of the old key's window are refused once the span reaches the end.
        assert_eq!(
            span(&key(2), "2027-12-31T23:55:00Z", "2028-01-01T00:05:00Z"),
            Err(NotAuthorised::KeyReplaced(t("2028-01-01T00:00:00Z")))
        );
        assert_eq!(
            span(&key(4), "2027-12-31T23:55:00Z", "2028-01-01T00:05:00Z"),
            Err(NotAuthorised::KeyNotYetInUse(t("2028-01-01T00:00:00Z")))
        );
        assert_eq!(
            span(&key(4), "2028-02-01T00:00:00Z", "2028-02-01T00:10:00Z"),
            Ok(())
        );
        assert_eq!(
            span(&key(2), "2027-06-01T00:00:00Z", "2027-06-01T00:10:00Z"),
            Ok(())
        );
    }

    #[test]
    fn a_key_retired_for_compromise_voids_what_it_signed_after() {
        let mut list = sample(&key(2), active());
        let compromised = t("2027-10-01T00:00:00Z");
        list.rotate_key(
            &key(2),
            &key(4),
            t("2028-01-01T00:00:00Z"),
            Some(compromised),
        )
        .unwrap();
        list.check().unwrap();
        let at = |k: &DidKey, s| list.authorise(k, Level::STAR4, Some(t(s))).map(|_| ());
        assert_eq!(at(&key(2), "2027-06-01T00:00:00Z"), Ok(()));
        assert_eq!(
            at(&key(2), "2027-11-01T00:00:00Z"),
            Err(NotAuthorised::Compromised(compromised))
        );
        assert_eq!(at(&key(4), "2028-06-01T00:00:00Z"), Ok(()));
        // The old key's word on when it signed ends at the compromise, whenever asked; the
        // new key's, and a key retired without compromise, keep theirs.
        let signer = |k: &DidKey| list.signer_of(k).unwrap();
        assert_eq!(
            signer(&key(2)).own_word_ends(t("2027-01-02T00:00:00Z")),
            Some((compromised, NotAuthorised::Compromised(compromised)))
        );
        assert_eq!(
            signer(&key(4)).own_word_ends(t("2029-01-01T00:00:00Z")),
            None
        );
        assert_eq!(
            rotated()
                .signer_of(&key(2))
                .unwrap()
                .own_word_ends(t("2029-01-01T00:00:00Z")),
            None
        );
        // A compromise is never lifted or moved later; earlier is allowed.
        assert!(list
            .declare_compromised(&key(2), t("2027-11-01T00:00:00Z"))
            .is_err());
        list.declare_compromised(&key(2), t("2027-09-01T00:00:00Z"))
            .unwrap();
    }

    /// Found in review: after a first rotation, the current key (not the entry's id) names the
    /// issuer for the next rotation and for a compromise, and a refused edit changes nothing.
    #[test]
    fn any_key_of_an_issuer_names_it_for_the_next_edit() {
        let mut list = rotated();
        let compromised = t("2028-03-01T00:00:00Z");
        list.rotate_key(
            &key(4),
            &key(5),
            t("2028-06-01T00:00:00Z"),
            Some(compromised),
        )
        .unwrap();
        list.check().unwrap();
        let keys = &list.issuers[0].keys;
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[1].compromised_since, Some(compromised));
        assert_eq!(keys[1].valid_until, Some(t("2028-06-01T00:00:00Z")));
        list.declare_compromised(&key(5), t("2029-01-01T00:00:00Z"))
            .unwrap();
        let before = list.clone();
        // The key being replaced is already compromised earlier: refused, and nothing changed.
        assert!(list
            .rotate_key(
                &key(2),
                &key(6),
                t("2029-06-01T00:00:00Z"),
                Some(t("2030-01-01T00:00:00Z"))
            )
            .is_err());
        assert_eq!(list, before);
    }

    #[test]
    fn editions_refuse_keys_that_overlap_repeat_or_do_not_start_with_the_id() {
        let mut list = rotated();
        assert!(
            list.rotate_key(&key(4), &key(2), t("2029-01-01T00:00:00Z"), None)
                .is_err(),
            "an old key is not used again"
        );
        assert!(
            list.rotate_key(&key(4), &key(5), t("2027-06-01T00:00:00Z"), None)
                .is_err(),
            "a new key begins after the current one"
        );
        let mut overlapping = list.clone();
        overlapping.issuers[0].keys[1].valid_from = t("2027-12-01T00:00:00Z");
        assert!(overlapping.check().is_err());
        let mut open = list.clone();
        open.issuers[0].keys[0].valid_until = None;
        assert!(open.check().is_err());
        let mut renamed = list.clone();
        renamed.issuers[0].id = key(4).to_string();
        assert!(renamed.check().is_err());
        let mut shared = list.clone();
        let mut other = shared.issuers[0].clone();
        other.id = key(6).to_string();
        other.keys = vec![IssuerKey {
            id: key(6).to_string(),
            valid_from: t("2027-01-01T00:00:00Z"),
            valid_until: Some(t("2027-06-01T00:00:00Z")),
            compromised_since: None,
        }];
        other.keys.push(IssuerKey {
            id: key(4).to_string(),
            valid_from: t("2027-06-01T00:00:00Z"),
            valid_until: None,
            compromised_since: None,
        });
        shared.issuers.push(other);
        assert!(shared.check().is_err(), "one key, two issuers");
        // An entry without keys reads as its one key, as before rotation existed.
        let plain = sample(&key(2), active());
        let uses: Vec<_> = plain.issuers[0].key_uses().collect();
        assert_eq!(uses.len(), 1);
        assert_eq!(uses[0].id, key(2).to_string());
        assert!(serde_json::to_value(&plain.issuers[0])
            .unwrap()
            .get("keys")
            .is_none());
        assert_eq!(
            list.issuers[0]
                .key_at(t("2028-06-01T00:00:00Z"))
                .unwrap()
                .id,
            key(4).to_string()
        );
    }
}
