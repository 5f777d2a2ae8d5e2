//! The credential directory: what `GET /v1/credentials/{id}` needs, in memory, so that the
//! busiest read of the registry is a memory probe and one positional read of the log instead
//! of an index-store look-up (a sled page fetch and decode at a million credentials).
//!
//! It holds, for each credential whose status never changed, the facts of its registration
//! entry ([`RegistrationFacts`]: 32 bytes, 48 with its id). A credential whose status changed
//! (revoked, suspended, reinstated) is only *marked*, with the log index of its newest change:
//! its history grows, so its answer comes from the index store's record, which the ledger keeps
//! in memory while its last event is that newest change (`changed_views`). Both kinds are
//! functions of the log, and
//! the directory is rebuilt from the log at every start-up, in the background; until that load
//! is over every look-up goes to the store (the load meets a registration before the status
//! change that may follow it), and afterwards so does an id the directory does not know.
//!
//! # Invariant
//!
//! Once a credential is marked changed it stays so, whatever order the marks and the facts
//! arrive in: the writer (new entries) and the start-up load (older entries) run at the same
//! time, and the load may read a registration after the writer has marked the same credential
//! changed. [`Directory::insert`] therefore never hides a mark.
//!
//! The facts live in one sorted `Vec` (binary search within the ids of the same prefix, with
//! about one prefix per id) plus a small hash map of recent
//! insertions, merged into the `Vec` in place when it grows past an eighth of it: 52 to 56
//! bytes per credential, where a hash map of all of them would take twice that (its table is a
//! power of two at 7/8 load).

use std::borrow::Cow;
use std::collections::HashMap;

use scs_core::ids::CredentialId;
use scs_core::timestamp::Timestamp;

use crate::state::{ByteSpan, FileSpan};

/// What a credential's registration entry says, for a credential whose status never changed:
/// enough to answer `GET /v1/credentials/{id}` with the credential's bytes read from the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationFacts {
    /// Log index of the registration.
    pub log_index: u64,
    /// Where the credential's JSON text starts in `entries.bin` (so that reading it needs
    /// neither the log's lock nor its table of entry offsets, a cache miss of its own).
    credential_offset: u64,
    /// Its length (an entry is at most 64 KiB).
    credential_len: u16,
    /// The request's signer, as an index into [`Directory::signer`] (designated issuers and
    /// the operator: a few dozen).
    signer: u16,
    /// `validFrom`, in [`Seconds`].
    valid_from: Seconds,
    /// `validUntil`.
    valid_until: Seconds,
    /// The registration request's `proof.created`.
    registered_at: Seconds,
}

impl RegistrationFacts {
    /// Where the credential's JSON text lies in `entries.bin`.
    pub fn credential_at(&self) -> FileSpan {
        FileSpan {
            offset: self.credential_offset,
            len: u32::from(self.credential_len),
        }
    }
    /// `validFrom`.
    pub fn valid_from(&self) -> Timestamp {
        self.valid_from.timestamp()
    }
    /// `validUntil`.
    pub fn valid_until(&self) -> Timestamp {
        self.valid_until.timestamp()
    }
    /// When the registration request was signed.
    pub fn registered_at(&self) -> Timestamp {
        self.registered_at.timestamp()
    }
}

/// Whole seconds since 2000-01-01T00:00:00Z, up to 2136: four bytes instead of a
/// [`Timestamp`]'s sixteen, for the three times of each of a million credentials. A credential
/// with a time outside that range, or with a fraction of a second, is answered from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seconds(u32);

impl Seconds {
    const ORIGIN_UNIX: i64 = 946_684_800;

    fn of(t: Timestamp) -> Option<Self> {
        let unix = t.unix();
        if Timestamp::from_unix(unix) != Some(t) {
            return None;
        }
        u32::try_from(unix.checked_sub(Self::ORIGIN_UNIX)?)
            .ok()
            .map(Self)
    }

    fn timestamp(self) -> Timestamp {
        Timestamp::from_unix(Self::ORIGIN_UNIX + i64::from(self.0)).unwrap_or(Timestamp::EPOCH)
    }
}

/// What the directory knows of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Registered, status never changed: answer from these facts.
    Unchanged(RegistrationFacts),
    /// Its answer is in the index store (status changed, or facts not representable here).
    InStore,
    /// Not known here: look in the store.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    id: [u8; 16],
    facts: RegistrationFacts,
}

/// The credential directory. See the module documentation.
#[derive(Debug, Default)]
pub struct Directory {
    /// Sorted by id, ids distinct.
    sorted: Vec<Slot>,
    /// `starts[p]`: the first position in `sorted` of an id whose first `prefix_bits` bits are
    /// `p` or more, with one or two prefixes per id (rebuilt at every merge; 4 to 8 bytes an
    /// id). A look-up then reads one position here and, for random ids, about one slot —
    /// where a binary search of the whole `Vec` took twenty cache misses. Ids chosen to share
    /// a prefix only make their range longer, never the result wrong. Empty when `sorted`
    /// holds more ids than a `u32` counts (then the whole `Vec` is searched).
    starts: Vec<u32>,
    prefix_bits: u32,
    /// Inserted since the last merge; ids not in `sorted`.
    recent: HashMap<[u8; 16], RegistrationFacts>,
    /// Answered from the store, whatever else is known; with the log index of the newest status
    /// change read for it (`None` when it is marked for another reason, or no change is read
    /// yet), which says whether a record read from the store is the current one
    /// ([`Directory::newest_change`]).
    in_store: HashMap<[u8; 16], Option<u64>>,
    /// Signer DIDs, and the index of each verification method already seen.
    signers: Vec<String>,
    signer_of_method: HashMap<String, u16>,
    /// An entry of the log could not be read: every look-up goes to the store.
    abandoned: bool,
    /// The start-up load has read the whole log. Until then every look-up goes to the store:
    /// the load reads a registration before the status change that may follow it further on.
    loaded: bool,
}

impl Directory {
    /// What is known of `id`.
    pub fn standing(&self, id: &CredentialId) -> Standing {
        let id = id.as_bytes();
        if !self.loaded {
            return Standing::Unknown;
        }
        if self.abandoned || self.in_store.contains_key(id) {
            return Standing::InStore;
        }
        let facts = self.recent.get(id).copied().or_else(|| {
            let range = self.range_of(id);
            let candidates = self.sorted.get(range)?;
            candidates
                .binary_search_by(|slot| slot.id.cmp(id))
                .ok()
                .and_then(|at| candidates.get(at))
                .map(|slot| slot.facts)
        });
        facts.map_or(Standing::Unknown, Standing::Unchanged)
    }

    /// Where in `sorted` an id like `id` can be: the range of its prefix.
    fn range_of(&self, id: &[u8; 16]) -> std::ops::Range<usize> {
        let prefix = self.prefix(id);
        match (self.starts.get(prefix), self.starts.get(prefix + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..self.sorted.len(),
        }
    }

    fn prefix(&self, id: &[u8; 16]) -> usize {
        let top = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        // No prefix bits (nothing merged yet): prefix 0, which `starts` does not hold.
        top.checked_shr(32 - self.prefix_bits).unwrap_or(0) as usize
    }

    fn rebuild_starts(&mut self) {
        self.starts.clear();
        let Ok(len) = u32::try_from(self.sorted.len()) else {
            return;
        };
        // About one prefix per id, between 2^8 and 2^24 of them.
        self.prefix_bits = (u32::BITS - len.leading_zeros()).clamp(8, 24);
        let prefixes = 1usize << self.prefix_bits;
        self.starts.reserve_exact(prefixes + 1);
        for (at, slot) in (0..len).zip(&self.sorted) {
            let prefix = self.prefix(&slot.id);
            while self.starts.len() <= prefix {
                self.starts.push(at);
            }
        }
        self.starts.resize(prefixes + 1, len);
    }

    /// The DID of a signer index found in the facts of a registration (`RegistrationFacts`).
    pub fn signer(&self, facts: &RegistrationFacts) -> Option<&str> {
        self.signers
            .get(usize::from(facts.signer))
            .map(String::as_str)
    }

    /// Records a registration, unless `id` is marked [`Standing::InStore`] (marks win).
    /// `signer` turns the request's verification method into the signer's DID; it runs once
    /// per distinct method. Facts that cannot be held here mark the id instead.
    pub fn insert(
        &mut self,
        id: &CredentialId,
        facts: &LoggedRegistration<'_>,
        entry_offset: u64,
        signer: impl FnOnce(&str) -> Option<String>,
    ) {
        let Some(facts) = self.facts(facts, entry_offset, signer) else {
            self.mark_in_store(id);
            return;
        };
        let id = *id.as_bytes();
        if self.abandoned || self.in_store.contains_key(&id) {
            return;
        }
        let range = self.range_of(&id);
        let found = self
            .sorted
            .get(range.clone())
            .and_then(|candidates| candidates.binary_search_by(|slot| slot.id.cmp(&id)).ok());
        match found {
            Some(at) => {
                if let Some(slot) = self.sorted.get_mut(range.start + at) {
                    slot.facts = facts;
                }
            }
            None => {
                self.recent.insert(id, facts);
                if self.recent.len() > (self.sorted.len() / 8).max(1024) {
                    self.merge_recent();
                }
            }
        }
    }

    fn facts(
        &mut self,
        logged: &LoggedRegistration<'_>,
        entry_offset: u64,
        signer: impl FnOnce(&str) -> Option<String>,
    ) -> Option<RegistrationFacts> {
        let method = logged.verification_method.as_ref();
        let signer = match self.signer_of_method.get(method) {
            Some(index) => *index,
            None => {
                let did = signer(method)?;
                let index = u16::try_from(self.signers.len()).ok()?;
                self.signers.push(did);
                self.signer_of_method.insert(method.to_owned(), index);
                index
            }
        };
        Some(RegistrationFacts {
            log_index: logged.log_index,
            credential_offset: entry_offset.checked_add(u64::from(logged.credential_span.start))?,
            credential_len: u16::try_from(logged.credential_span.len).ok()?,
            valid_from: Seconds::of(logged.valid_from)?,
            valid_until: Seconds::of(logged.valid_until)?,
            registered_at: Seconds::of(logged.registered_at)?,
            signer,
        })
    }

    /// Marks `id` as answered from the store, for good.
    pub fn mark_in_store(&mut self, id: &CredentialId) {
        self.in_store.entry(*id.as_bytes()).or_insert(None);
    }

    /// Marks `id` as answered from the store, for good: its status changed at `log_index`.
    /// The newest change is kept whatever order the changes are read in (the start-up load
    /// reads older entries while the writer or the standby's follower reads newer ones).
    pub fn mark_changed(&mut self, id: &CredentialId, log_index: u64) {
        let newest = self.in_store.entry(*id.as_bytes()).or_insert(None);
        *newest = (*newest).max(Some(log_index));
    }

    /// The log index of the newest status change of `id` this directory has read, once the
    /// start-up load is over: a record of `id` whose last event is at that index reflects
    /// every change of the log this process has taken in. `None` when that cannot be said
    /// (not loaded yet, abandoned, unchanged, or marked for another reason).
    pub fn newest_change(&self, id: &CredentialId) -> Option<u64> {
        if !self.loaded || self.abandoned {
            return None;
        }
        self.in_store.get(id.as_bytes()).copied().flatten()
    }

    /// Makes room for `registrations` credentials before a bulk load, so that neither the
    /// sorted `Vec` nor the map of recent insertions ever grows by reallocating: a large table
    /// freed while growing makes glibc's allocator serve later allocations from its heaps,
    /// which then keep freed memory (tens of MiB at a million credentials). Room reserved and
    /// never written takes no memory.
    pub fn reserve(&mut self, registrations: usize) {
        self.sorted.reserve(registrations);
        self.recent.reserve((registrations / 8).max(1024) + 1);
    }

    /// Gives up on the directory: every look-up goes to the store from now on. For an entry of
    /// the log that cannot be read, which might have been a status change of any credential.
    pub fn abandon(&mut self) {
        self.abandoned = true;
        self.sorted = Vec::new();
        self.starts = Vec::new();
        self.recent = HashMap::new();
    }

    /// The start-up load has read every entry up to where the writer started: the directory
    /// answers from now on. Merges and gives back spare capacity.
    pub fn finish_loading(&mut self) {
        self.merge_recent();
        self.sorted.shrink_to_fit();
        self.recent.shrink_to_fit();
        self.loaded = true;
    }

    /// Moves `recent` into `sorted`, merging in place from the back (no second copy of
    /// `sorted`, whose size is most of the directory's).
    fn merge_recent(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        let mut added: Vec<Slot> = self
            .recent
            .drain()
            .map(|(id, facts)| Slot { id, facts })
            .collect();
        added.sort_unstable_by_key(|slot| slot.id);
        let old_len = self.sorted.len();
        self.sorted.extend_from_slice(&added);
        // Fill `sorted` from its end with the larger of the two tails; `added` ids are not in
        // `sorted[..old_len]` (see `insert`), so the order is strict.
        let (mut old, mut new) = (old_len, added.len());
        for write in (0..self.sorted.len()).rev() {
            let take_old = match (old.checked_sub(1), new.checked_sub(1)) {
                (Some(o), Some(n)) => self.sorted[o].id > added[n].id,
                (Some(_), None) => break, // the rest of `sorted` is already in place
                (None, _) => false,
            };
            if take_old {
                old -= 1;
                self.sorted[write] = self.sorted[old];
            } else {
                new -= 1;
                self.sorted[write] = added[new];
            }
        }
        self.rebuild_starts();
    }

    /// Number of credentials with facts here (for tests and the start-up log line).
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// True when no credential has facts here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A registration as read from its log entry ([`crate::state::LoggedEntry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRegistration<'a> {
    /// Its log index.
    pub log_index: u64,
    /// Where the credential's text lies in the entry.
    pub credential_span: ByteSpan,
    /// The credential's `validFrom`.
    pub valid_from: Timestamp,
    /// The credential's `validUntil`.
    pub valid_until: Timestamp,
    /// The request's `proof.created`.
    pub registered_at: Timestamp,
    /// The request's `proof.verificationMethod`.
    pub verification_method: Cow<'a, str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashSet};

    fn logged(n: u64) -> LoggedRegistration<'static> {
        let t = Timestamp::from_unix(1_800_000_000 + n as i64).unwrap();
        LoggedRegistration {
            log_index: n,
            credential_span: ByteSpan {
                start: 14,
                len: n as u32,
            },
            valid_from: t,
            valid_until: t.plus_days(365).unwrap(),
            registered_at: t,
            verification_method: Cow::Borrowed(if n.is_multiple_of(2) {
                "did:key:a#a"
            } else {
                "did:key:b#b"
            }),
        }
    }

    fn did(method: &str) -> Option<String> {
        method.split('#').next().map(str::to_owned)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u64),
        Mark(u8),
        Complete,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<u8>(), 0u64..1000).prop_map(|(id, n)| Op::Insert(id, n)),
            1 => any::<u8>().prop_map(Op::Mark),
            1 => Just(Op::Complete),
        ]
    }

    fn id(byte: u8) -> CredentialId {
        // Five prefixes, each shared by many ids, in an order unlike the bytes'.
        let mut bytes = [0; 16];
        bytes[0] = byte.rotate_left(3) % 5;
        bytes[15] = byte;
        CredentialId::from_bytes(bytes)
    }

    proptest! {
        /// The directory answers as a map with "marks win" does, through any interleaving of
        /// insertions, marks and merges (the merge threshold is 1,025 insertions, more than
        /// a case has, so `finish_loading` forces merges at random points).
        #[test]
        fn answers_like_a_map_where_marks_win(ops in prop::collection::vec(op(), 0..300)) {
            let mut directory = Directory::default();
            let mut facts: BTreeMap<u8, u64> = BTreeMap::new();
            let mut marked: HashSet<u8> = HashSet::new();
            for op in ops {
                match op {
                    Op::Insert(i, n) => {
                        directory.insert(&id(i), &logged(n), 1000 * n, did);
                        facts.insert(i, n);
                    }
                    Op::Mark(i) => {
                        directory.mark_in_store(&id(i));
                        marked.insert(i);
                    }
                    Op::Complete => directory.finish_loading(),
                }
            }
            directory.finish_loading();
            for i in 0..=255u8 {
                let expected = if marked.contains(&i) {
                    Standing::InStore
                } else {
                    match facts.get(&i) {
                        Some(&n) => {
                            let Standing::Unchanged(got) = directory.standing(&id(i)) else {
                                return Err(TestCaseError::fail(format!("{i}: no facts")));
                            };
                            prop_assert_eq!(got.log_index, n);
                            prop_assert_eq!(got.credential_at(), FileSpan { offset: 1000 * n + 14, len: n as u32 });
                            prop_assert_eq!(got.valid_from(), logged(n).valid_from);
                            prop_assert_eq!(got.valid_until(), logged(n).valid_until);
                            prop_assert_eq!(got.registered_at(), logged(n).registered_at);
                            let signer = did(&logged(n).verification_method);
                            prop_assert_eq!(directory.signer(&got), signer.as_deref());
                            continue;
                        }
                        None => Standing::Unknown,
                    }
                };
                prop_assert_eq!(directory.standing(&id(i)), expected);
            }
            prop_assert!(directory.sorted.windows(2).all(|w| w[0].id < w[1].id));
        }
    }

    #[test]
    fn merges_keep_every_id_in_order() {
        let mut directory = Directory::default();
        // Enough insertions for several automatic merges (threshold 1,024, then an eighth).
        for n in 0..20_000u64 {
            let mut bytes = [0; 16];
            bytes[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
            directory.insert(&CredentialId::from_bytes(bytes), &logged(n), 0, did);
        }
        assert!(
            directory.sorted.len() > 10_000,
            "merged: {}",
            directory.sorted.len()
        );
        assert_eq!(directory.len(), 20_000);
        directory.finish_loading();
        assert!(directory.sorted.windows(2).all(|w| w[0].id < w[1].id));
        for n in (0..20_000u64).step_by(97) {
            let mut bytes = [0; 16];
            bytes[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
            let Standing::Unchanged(facts) = directory.standing(&CredentialId::from_bytes(bytes))
            else {
                panic!("{n} not found");
            };
            assert_eq!(facts.log_index, n);
        }
    }

    #[test]
    fn a_credential_takes_48_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 48);
    }

    #[test]
    fn a_mark_made_before_the_registration_is_read_wins() {
        let mut directory = Directory::default();
        directory.mark_in_store(&id(7));
        directory.insert(&id(7), &logged(1), 0, did);
        directory.finish_loading();
        assert_eq!(directory.standing(&id(7)), Standing::InStore);
        assert_eq!(directory.standing(&id(8)), Standing::Unknown);
    }

    #[test]
    fn the_newest_change_is_kept_whatever_order_the_changes_are_read_in() {
        let mut directory = Directory::default();
        directory.insert(&id(1), &logged(1), 0, did);
        // The writer reads the change at 9 before the start-up load reads the one at 4.
        directory.mark_changed(&id(1), 9);
        directory.mark_changed(&id(1), 4);
        directory.mark_in_store(&id(1));
        assert_eq!(directory.newest_change(&id(1)), None, "not loaded yet");
        directory.mark_in_store(&id(2));
        directory.finish_loading();
        assert_eq!(directory.standing(&id(1)), Standing::InStore);
        assert_eq!(directory.newest_change(&id(1)), Some(9));
        assert_eq!(
            directory.newest_change(&id(2)),
            None,
            "marked, no change read"
        );
        directory.mark_changed(&id(1), 12);
        assert_eq!(directory.newest_change(&id(1)), Some(12));
        directory.abandon();
        assert_eq!(directory.newest_change(&id(1)), None, "abandoned");
    }

    #[test]
    fn until_the_load_is_over_every_look_up_goes_to_the_store() {
        let mut directory = Directory::default();
        // The load has read a registration; the revocation further on is not read yet.
        directory.insert(&id(1), &logged(1), 0, did);
        assert_eq!(directory.standing(&id(1)), Standing::Unknown);
        directory.mark_in_store(&id(1));
        directory.insert(&id(2), &logged(2), 0, did);
        directory.finish_loading();
        assert_eq!(directory.standing(&id(1)), Standing::InStore);
        assert!(matches!(directory.standing(&id(2)), Standing::Unchanged(_)));
    }

    #[test]
    fn an_abandoned_directory_sends_every_look_up_to_the_store() {
        let mut directory = Directory::default();
        directory.insert(&id(1), &logged(1), 0, did);
        directory.finish_loading();
        directory.abandon();
        directory.insert(&id(2), &logged(2), 0, did);
        assert_eq!(directory.standing(&id(1)), Standing::InStore);
        assert_eq!(directory.standing(&id(2)), Standing::InStore);
    }

    #[test]
    fn times_it_cannot_hold_exactly_are_left_to_the_store() {
        let mut directory = Directory::default();
        let mut fractional = logged(3);
        fractional.valid_from = Timestamp::parse("2027-01-01T00:00:00.5Z").unwrap();
        directory.insert(&id(3), &fractional, 0, did);
        directory.finish_loading();
        assert_eq!(directory.standing(&id(3)), Standing::InStore);
        for (n, late) in [(4, "2136-02-07T06:28:16Z"), (5, "9999-12-31T23:59:59Z")] {
            let mut far = logged(n);
            far.valid_until = Timestamp::parse(late).unwrap();
            directory.insert(&id(n as u8), &far, 0, did);
            assert_eq!(
                directory.standing(&id(n as u8)),
                Standing::InStore,
                "{late}"
            );
        }
        // The range's ends.
        for (n, edge) in [(6, "2000-01-01T00:00:00Z"), (7, "2136-02-07T06:28:15Z")] {
            let mut at_edge = logged(n);
            at_edge.valid_until = Timestamp::parse(edge).unwrap();
            directory.insert(&id(n as u8), &at_edge, 0, did);
            let Standing::Unchanged(facts) = directory.standing(&id(n as u8)) else {
                panic!("{edge} not held");
            };
            assert_eq!(facts.valid_until(), at_edge.valid_until);
        }
    }
}
