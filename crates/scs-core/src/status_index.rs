//! The registry's status index (`GET /v1/status`): what it serves at one moment — the trust
//! list in force, the checkpoint and every status list, each named by the SHA-256 of the bytes
//! served — signed with the registry status key at the registry's clock.
//!
//! An offline bundle (`scs bundle`) keeps it beside those bytes: its signed `validFrom` is the
//! time the bundle's data is as of, a time the registry chose and the bundle's holder cannot
//! change; the digests tie every part of the bundle to that time. Status lists alone cannot
//! date the data: a list is re-signed only when it changes or once a day.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::timestamp::Timestamp;

/// The `type` of a status index.
pub const STATUS_INDEX_TYPE: &str = "SCSStatusIndex";

/// The status index, before signing or after its proof was checked and split off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusIndex {
    /// Always [`STATUS_INDEX_TYPE`]: a status key signs status lists too, and neither can be
    /// taken for the other.
    #[serde(rename = "type")]
    pub kind: String,
    /// The registry's base URL (as in its trust list).
    pub registry: String,
    /// The registry's clock when it made the index.
    pub valid_from: Timestamp,
    /// SHA-256 (hex) of the trust list in force, as `GET /v1/trust-list` serves it.
    pub trust_list_sha256: String,
    /// SHA-256 (hex) of the signed checkpoint, as `GET /v1/log/checkpoint` serves it.
    pub checkpoint_sha256: String,
    /// Every status list the registry serves.
    pub status_lists: Vec<IndexedList>,
}

/// One status list in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndexedList {
    /// Its URL (the `id` of the status list credential, what status entries name).
    pub url: String,
    /// SHA-256 (hex) of the signed list as served.
    pub sha256: String,
}

impl StatusIndex {
    /// The index of what a registry serves at `valid_from`.
    pub fn new(
        registry: String,
        valid_from: Timestamp,
        trust_list: &[u8],
        checkpoint: &[u8],
        status_lists: Vec<IndexedList>,
    ) -> Self {
        Self {
            kind: STATUS_INDEX_TYPE.to_owned(),
            registry,
            valid_from,
            trust_list_sha256: sha256_hex(trust_list),
            checkpoint_sha256: sha256_hex(checkpoint),
            status_lists,
        }
    }
}

/// SHA-256 of `bytes`, lower-case hex: how the index names what it covers.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_round_trips_and_refuses_unknown_members() {
        let index = StatusIndex::new(
            "https://registry.example".into(),
            Timestamp::parse("2026-11-28T12:00:00Z").unwrap(),
            b"trust",
            b"checkpoint",
            vec![IndexedList {
                url: "https://registry.example/v1/status/revocation/0".into(),
                sha256: sha256_hex(b"list"),
            }],
        );
        let json = serde_json::to_value(&index).unwrap();
        assert_eq!(json["type"], STATUS_INDEX_TYPE);
        assert_eq!(json["validFrom"], "2026-11-28T12:00:00Z");
        assert_ne!(json["checkpointSha256"], json["trustListSha256"]);
        assert_eq!(
            serde_json::from_value::<StatusIndex>(json.clone()).unwrap(),
            index
        );
        let mut extra = json;
        extra["validUntil"] = "2026-11-29T12:00:00Z".into();
        assert!(serde_json::from_value::<StatusIndex>(extra).is_err());
    }

    #[test]
    fn digests_are_sha256_in_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
