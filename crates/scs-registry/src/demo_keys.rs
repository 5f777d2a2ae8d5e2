//! The demo key set and trust list edition (`keys/demo` in the repository), built into the
//! binary so that `scs serve --demo` runs from any folder: an installed `scs` has no repository
//! beside it. All of it is public; a registry refuses it without `--demo`. The demo's genesis
//! trust list is this edition signed at start for the address the registry is reached at
//! ([`demo_genesis`]).

use std::path::PathBuf;

use scs_core::keys::DidKey;
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_core::trust_list::TrustList;
use scs_issuer::keyfile::{self, KeyFileError, LoadedKey};
use serde_json::Value;

/// One file of the demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoFile {
    /// `operator.key`: signs the demo trust list (and, in the seeder, operator requests).
    OperatorKey,
    /// `operator.pub`.
    OperatorPublic,
    /// `issuer-star3.key`: the demo ★3 evaluation body.
    IssuerStar3,
    /// `issuer-star4.key`: the demo ★4 evaluation body (and `/credentials/issue`).
    IssuerStar4,
    /// `registry-status.key`: signs the status lists.
    RegistryStatus,
    /// `registry-log.key`: signs the checkpoints.
    RegistryLog,
    /// `trust-list-edition.json`: the demo trust list edition, unsigned (its registry address is
    /// set and it is signed at start, [`demo_genesis`]).
    TrustListEdition,
}

impl DemoFile {
    /// Its name in `keys/demo`.
    pub fn name(self) -> &'static str {
        match self {
            Self::OperatorKey => "operator.key",
            Self::OperatorPublic => "operator.pub",
            Self::IssuerStar3 => "issuer-star3.key",
            Self::IssuerStar4 => "issuer-star4.key",
            Self::RegistryStatus => "registry-status.key",
            Self::RegistryLog => "registry-log.key",
            Self::TrustListEdition => "trust-list-edition.json",
        }
    }

    /// Its contents, as built in.
    pub fn text(self) -> &'static str {
        match self {
            Self::OperatorKey => include_str!("../../../keys/demo/operator.key"),
            Self::OperatorPublic => include_str!("../../../keys/demo/operator.pub"),
            Self::IssuerStar3 => include_str!("../../../keys/demo/issuer-star3.key"),
            Self::IssuerStar4 => include_str!("../../../keys/demo/issuer-star4.key"),
            Self::RegistryStatus => include_str!("../../../keys/demo/registry-status.key"),
            Self::RegistryLog => include_str!("../../../keys/demo/registry-log.key"),
            Self::TrustListEdition => include_str!("../../../keys/demo/trust-list-edition.json"),
        }
    }

    /// How errors name it.
    pub fn label(self) -> PathBuf {
        PathBuf::from(format!("(built-in) keys/demo/{}", self.name()))
    }

    /// It as a secret key.
    pub fn secret(self) -> Result<LoadedKey, KeyFileError> {
        keyfile::parse_secret(self.text(), &self.label())
    }

    /// It as a public key.
    pub fn public(self) -> Result<DidKey, KeyFileError> {
        keyfile::parse_public(self.text(), &self.label())
    }
}

/// The demo's genesis trust list: the built-in edition with `base_url` as the registry's
/// address (where its pages, status lists and log are reached), signed by the demo operator
/// key at `now`.
pub fn demo_genesis(base_url: &str, now: Timestamp) -> Result<Value, String> {
    let mut edition: TrustList = serde_json::from_str(DemoFile::TrustListEdition.text())
        .map_err(|e| format!("{}: {e}", DemoFile::TrustListEdition.name()))?;
    base_url.clone_into(&mut edition.registry.base_url);
    edition.check().map_err(|e| e.to_string())?;
    let operator = DemoFile::OperatorKey
        .secret()
        .map_err(|e| e.to_string())?
        .key;
    let document = edition.to_credential(&operator.public().did_key(), now);
    proof::sign(
        document,
        &operator,
        now,
        ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_demo_keys_are_marked_and_match_the_trust_list() {
        let operator = DemoFile::OperatorPublic.public().unwrap();
        assert_eq!(
            DemoFile::OperatorKey
                .secret()
                .unwrap()
                .key
                .public()
                .did_key(),
            operator
        );
        for file in [
            DemoFile::OperatorKey,
            DemoFile::IssuerStar3,
            DemoFile::IssuerStar4,
            DemoFile::RegistryStatus,
            DemoFile::RegistryLog,
        ] {
            assert!(file.secret().unwrap().is_demo, "{}", file.name());
        }
        let now = Timestamp::parse("2026-11-29T00:00:00Z").unwrap();
        let signed = demo_genesis("http://127.0.0.1:9000", now).unwrap();
        let list = TrustList::from_signed(signed, &operator).unwrap();
        let status = DemoFile::RegistryStatus.secret().unwrap().key;
        assert_eq!(list.status_key().unwrap(), status.public().did_key());
        assert_eq!(list.registry.base_url, "http://127.0.0.1:9000");
        for issuer in &list.issuers {
            assert!(
                issuer.name_en.is_some() && issuer.url.is_some(),
                "{}",
                issuer.id
            );
            assert!(issuer.contact.as_ref().is_some_and(|c| c.email.is_some()));
        }
    }

    /// keys/demo/trust-list.json (the file the CLI's `--demo` examples read) is the built-in
    /// edition signed, at the README's address: re-sign it when the edition changes.
    #[test]
    fn the_signed_demo_trust_list_file_is_the_built_in_edition() {
        let operator = DemoFile::OperatorPublic.public().unwrap();
        let file = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../keys/demo/trust-list.json"),
        )
        .unwrap();
        let signed = TrustList::from_signed_bytes(&file, &operator).unwrap();
        let mut edition: TrustList =
            serde_json::from_str(DemoFile::TrustListEdition.text()).unwrap();
        edition.in_force = signed.in_force;
        assert_eq!(signed, edition);
    }
}
