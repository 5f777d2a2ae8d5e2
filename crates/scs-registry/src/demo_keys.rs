//! The demo key set and genesis trust list (`keys/demo` in the repository), built into the
//! binary so that `scs serve --demo` runs from any folder: an installed `scs` has no repository
//! beside it. All of it is public; a registry refuses it without `--demo`.

use std::path::PathBuf;

use scs_core::keys::DidKey;
use scs_issuer::keyfile::{self, KeyFileError, LoadedKey};

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
    /// `trust-list.json`: the genesis edition, signed by the demo operator.
    TrustList,
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
            Self::TrustList => "trust-list.json",
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
            Self::TrustList => include_str!("../../../keys/demo/trust-list.json"),
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
        let signed = scs_core::json::parse_strict(
            DemoFile::TrustList.text().as_bytes(),
            scs_core::trust_list::MAX_TRUST_LIST_BYTES,
        )
        .unwrap();
        let list = scs_core::trust_list::TrustList::from_signed(signed, &operator).unwrap();
        let status = DemoFile::RegistryStatus.secret().unwrap().key;
        assert_eq!(list.status_key().unwrap(), status.public().did_key());
    }
}
