//! What happens to a credential after issuance: the states people see, the reason codes of
//! SPEC §5, and the signed requests that issuers and the operator send to the registry.
//!
//! A request is a small JSON-LD document (`type: SCSRegistryRequest`) signed with
//! eddsa-jcs-2022, proofPurpose `authentication`, whose proof carries `created` and a `nonce`.
//! [`open_request`] checks the signature and shape; freshness and replay depend on the clock and
//! on what the registry has seen, so the registry checks those.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::context::scs_contexts;
use crate::ids::CredentialId;
use crate::keys::SecretKey;
use crate::proof::{self, ProofError, ProofInfo, ProofPurpose};
use crate::report::Message;
use crate::timestamp::Timestamp;

/// The request document type.
pub const REQUEST_TYPE: &str = "SCSRegistryRequest";
/// Longest nonce accepted.
pub const MAX_NONCE_CHARS: usize = 128;
/// How far a request's `proof.created` may be from the registry's clock when it arrives. A
/// logged request therefore dates, within this many seconds, when the registry accepted it.
pub const FRESHNESS_SECONDS: i64 = 300;

/// Why a status changed (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// 更新: replaced by a renewed credential.
    Superseded,
    /// 対象範囲の変更.
    ScopeChange,
    /// 不適合.
    Nonconformity,
    /// 不正.
    Fraud,
    /// 発行者の誤り.
    IssuerError,
    /// 法人の解散.
    OrganizationDissolved,
    /// 本人申請.
    HolderRequest,
    /// 発行者の指定取消.
    IssuerWithdrawn,
}

impl Reason {
    /// Every reason, in the order of SPEC §9.
    pub const ALL: [Reason; 8] = [
        Self::Superseded,
        Self::ScopeChange,
        Self::Nonconformity,
        Self::Fraud,
        Self::IssuerError,
        Self::OrganizationDissolved,
        Self::HolderRequest,
        Self::IssuerWithdrawn,
    ];

    /// The code, e.g. `scope-change`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Superseded => "superseded",
            Self::ScopeChange => "scope-change",
            Self::Nonconformity => "nonconformity",
            Self::Fraud => "fraud",
            Self::IssuerError => "issuer-error",
            Self::OrganizationDissolved => "organization-dissolved",
            Self::HolderRequest => "holder-request",
            Self::IssuerWithdrawn => "issuer-withdrawn",
        }
    }

    /// From a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// 日本語.
    pub fn ja(self) -> &'static str {
        match self {
            Self::Superseded => "更新",
            Self::ScopeChange => "対象範囲の変更",
            Self::Nonconformity => "不適合",
            Self::Fraud => "不正",
            Self::IssuerError => "発行者の誤り",
            Self::OrganizationDissolved => "法人の解散",
            Self::HolderRequest => "本人申請",
            Self::IssuerWithdrawn => "発行者の指定取消",
        }
    }

    /// Both languages.
    pub fn message(self) -> Message {
        Message::new(self.ja(), self.code())
    }
}

/// A credential's state as shown to people (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CredentialState {
    /// 有効.
    Active,
    /// 取消 (final).
    Revoked,
    /// 一時停止.
    Suspended,
    /// 期限切れ.
    Expired,
    /// 有効期間前.
    NotYetValid,
    /// 更新済み: revoked with reason `superseded`.
    Superseded,
}

impl CredentialState {
    /// 日本語.
    pub fn ja(self) -> &'static str {
        match self {
            Self::Active => "有効",
            Self::Revoked => "取消",
            Self::Suspended => "一時停止",
            Self::Expired => "期限切れ",
            Self::NotYetValid => "有効期間前",
            Self::Superseded => "更新済み",
        }
    }

    /// English.
    pub fn en(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Revoked => "Revoked",
            Self::Suspended => "Suspended",
            Self::Expired => "Expired",
            Self::NotYetValid => "Not yet valid",
            Self::Superseded => "Superseded",
        }
    }
}

/// Who signed a write, as the trust list in force judges the signer when the write arrives.
///
/// Kept in the registry's index records (who imposed a suspension), as `operator` / `issuer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Authority {
    /// The operator key the registry pins: the scheme's authority.
    Operator,
    /// A designated issuer, active when the write arrived, changing its own credential.
    Issuer,
}

/// A change of a credential's status that a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Revoke, for this reason (`superseded` makes it [`CredentialState::Superseded`]).
    Revoke(Reason),
    /// Suspend.
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

/// What an allowed status change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMove {
    /// The status list whose bit changes.
    pub purpose: crate::credential::StatusPurpose,
    /// The bit's new value.
    pub set: bool,
    /// The state after it.
    pub state: CredentialState,
    /// Who imposed the suspension in force after it, if any.
    pub suspended_by: Option<Authority>,
}

/// Why the lifecycle rules refuse a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ChangeRefused {
    /// The credential is revoked (or superseded): revocation is final.
    #[error("the credential is revoked; revocation is final")]
    Final,
    /// A suspension of a suspended credential.
    #[error("the credential is already suspended")]
    AlreadySuspended,
    /// A reinstatement of a credential that is not suspended.
    #[error("the credential is not suspended")]
    NotSuspended,
    /// An issuer lifting a suspension the operator imposed.
    #[error("the operator imposed this suspension; only the operator can lift it")]
    OperatorsSuspension,
}

/// The lifecycle rules: what `change`, asked by `by`, does to a credential in `state` whose
/// suspension in force (if any) `suspended_by` imposed. Revocation is final; the operator lifts
/// any suspension (an issuer withdrawn since cannot lift its own), an issuer only its own.
/// Whether `by` may touch this credential at all (its own issuer, or the operator) is the
/// registry's question, asked before this one.
pub fn change_status(
    state: CredentialState,
    suspended_by: Option<Authority>,
    change: StatusChange,
    by: Authority,
) -> Result<StatusMove, ChangeRefused> {
    use crate::credential::StatusPurpose::{Revocation, Suspension};
    let to = |purpose, set, state, suspended_by| StatusMove {
        purpose,
        set,
        state,
        suspended_by,
    };
    match (change, state) {
        (_, CredentialState::Revoked | CredentialState::Superseded) => Err(ChangeRefused::Final),
        (StatusChange::Revoke(Reason::Superseded), _) => Ok(to(
            Revocation,
            true,
            CredentialState::Superseded,
            suspended_by,
        )),
        (StatusChange::Revoke(_), _) => {
            Ok(to(Revocation, true, CredentialState::Revoked, suspended_by))
        }
        (StatusChange::Suspend, CredentialState::Suspended) => Err(ChangeRefused::AlreadySuspended),
        (StatusChange::Suspend, _) => {
            Ok(to(Suspension, true, CredentialState::Suspended, Some(by)))
        }
        (StatusChange::Reinstate, CredentialState::Suspended)
            if by == Authority::Issuer && suspended_by != Some(Authority::Issuer) =>
        {
            Err(ChangeRefused::OperatorsSuspension)
        }
        (StatusChange::Reinstate, CredentialState::Suspended) => {
            Ok(to(Suspension, false, CredentialState::Active, None))
        }
        (StatusChange::Reinstate, _) => Err(ChangeRefused::NotSuspended),
    }
}

/// What a registry request asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RequestBody {
    /// Reserve one revocation and one suspension entry to embed in a credential.
    AllocateStatus,
    /// Register a signed credential.
    Register {
        /// The signed ★ credential.
        credential: Value,
    },
    /// Revoke (final).
    Revoke {
        /// The credential.
        target: CredentialId,
        /// Why.
        reason: Reason,
    },
    /// Suspend (reversible).
    Suspend {
        /// The credential.
        target: CredentialId,
        /// Why.
        reason: Reason,
    },
    /// Lift a suspension.
    Reinstate {
        /// The credential.
        target: CredentialId,
        /// Why.
        reason: Reason,
    },
}

/// Why a request document was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Signature or proof shape.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// Not an `SCSRegistryRequest` of a known action.
    #[error("not a registry request: {0}")]
    Shape(String),
    /// The proof lacks `created` or `nonce`, or the nonce is unusable.
    #[error("request proof needs created and a nonce of 16 to {MAX_NONCE_CHARS} characters")]
    Freshness,
}

/// A request whose signature and shape are good.
#[derive(Debug, Clone)]
pub struct OpenedRequest {
    /// What it asks for.
    pub body: RequestBody,
    /// Who signed, and when they say they did.
    pub info: ProofInfo,
    /// `proof.created`.
    pub created: Timestamp,
    /// `proof.nonce`.
    pub nonce: String,
}

/// Signs a request. `nonce` must be fresh randomness from the caller.
pub fn sign_request(
    body: &RequestBody,
    key: &SecretKey,
    created: Timestamp,
    nonce: &str,
) -> Result<Value, ProofError> {
    let mut document = serde_json::to_value(body).map_err(|_| ProofError::NotAnObject)?;
    if let Value::Object(map) = &mut document {
        map.insert("@context".into(), scs_contexts());
        map.insert("type".into(), REQUEST_TYPE.into());
    }
    let mut options = Map::new();
    options.insert("nonce".into(), nonce.into());
    proof::sign(
        document,
        key,
        created,
        ProofPurpose::Authentication,
        options,
    )
}

/// Verifies a request's signature and reads it.
pub fn open_request(document: Value) -> Result<OpenedRequest, RequestError> {
    let nonce = document["proof"]["nonce"]
        .as_str()
        .filter(|n| (16..=MAX_NONCE_CHARS).contains(&n.chars().count()))
        .map(str::to_owned)
        .ok_or(RequestError::Freshness)?;
    let (mut unsecured, info) = proof::verify(document, ProofPurpose::Authentication)?;
    let created = info.created.ok_or(RequestError::Freshness)?;
    let Value::Object(map) = &mut unsecured else {
        return Err(RequestError::Shape("not an object".into()));
    };
    if map.remove("@context") != Some(scs_contexts()) {
        return Err(RequestError::Shape(
            "@context must be the VC 2.0 and SCS contexts".into(),
        ));
    }
    if map.remove("type") != Some(json!(REQUEST_TYPE)) {
        return Err(RequestError::Shape(format!("type must be {REQUEST_TYPE}")));
    }
    let body =
        RequestBody::deserialize(&unsecured).map_err(|e| RequestError::Shape(e.to_string()))?;
    Ok(OpenedRequest {
        body,
        info,
        created,
        nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Timestamp {
        Timestamp::parse("2027-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn requests_round_trip_and_bind_their_signer() {
        let key = SecretKey::from_seed(&[3; 32]);
        let body = RequestBody::Revoke {
            target: CredentialId::from_bytes([1; 16]),
            reason: Reason::Fraud,
        };
        let signed = sign_request(&body, &key, t(), "0123456789abcdef0123").unwrap();
        assert_eq!(signed["action"], "revoke");
        assert_eq!(signed["reason"], "fraud");
        assert_eq!(signed["proof"]["proofPurpose"], "authentication");
        let opened = open_request(signed.clone()).unwrap();
        assert_eq!(opened.body, body);
        assert_eq!(opened.info.signer, key.public().did_key());
        assert_eq!(opened.nonce, "0123456789abcdef0123");

        let mut other_reason = signed.clone();
        other_reason["reason"] = "holder-request".into();
        assert!(matches!(
            open_request(other_reason),
            Err(RequestError::Proof(ProofError::BadSignature))
        ));
        let mut new_nonce = signed.clone();
        new_nonce["proof"]["nonce"] = "fedcba9876543210fedc".into();
        assert!(matches!(
            open_request(new_nonce),
            Err(RequestError::Proof(ProofError::BadSignature))
        ));
        let mut short_nonce = signed;
        short_nonce["proof"]["nonce"] = "1".into();
        assert_eq!(
            open_request(short_nonce).unwrap_err(),
            RequestError::Freshness
        );
    }

    #[test]
    fn a_credential_proof_is_not_a_request() {
        let key = SecretKey::from_seed(&[3; 32]);
        let mut options = Map::new();
        options.insert("nonce".into(), "0123456789abcdef0123".into());
        let doc = proof::sign(
            json!({"@context": scs_contexts(), "type": REQUEST_TYPE, "action": "allocate-status"}),
            &key,
            t(),
            ProofPurpose::AssertionMethod,
            options,
        )
        .unwrap();
        assert!(matches!(
            open_request(doc),
            Err(RequestError::Proof(ProofError::WrongPurpose { .. }))
        ));
    }

    #[test]
    fn reason_codes_match_the_spec() {
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "superseded",
                "scope-change",
                "nonconformity",
                "fraud",
                "issuer-error",
                "organization-dissolved",
                "holder-request",
                "issuer-withdrawn"
            ]
        );
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.code()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.code());
        }
    }

    /// The lifecycle rules, every state a record holds against every change and requester.
    #[test]
    fn status_changes_follow_the_lifecycle_rules() {
        use crate::credential::StatusPurpose::{Revocation, Suspension};
        use Authority::{Issuer, Operator};
        use CredentialState::{Active, Revoked, Superseded, Suspended};
        use StatusChange::{Reinstate, Revoke, Suspend};
        let fraud = Revoke(Reason::Fraud);
        let superseded = Revoke(Reason::Superseded);
        let moved = |purpose, set, state, suspended_by| {
            Ok(StatusMove {
                purpose,
                set,
                state,
                suspended_by,
            })
        };
        #[rustfmt::skip]
        let table = [
            // state, suspended by, change, by: outcome
            (Active, None, fraud, Issuer, moved(Revocation, true, Revoked, None)),
            (Active, None, fraud, Operator, moved(Revocation, true, Revoked, None)),
            (Active, None, superseded, Issuer, moved(Revocation, true, Superseded, None)),
            (Suspended, Some(Operator), fraud, Issuer, moved(Revocation, true, Revoked, Some(Operator))),
            (Revoked, None, fraud, Operator, Err(ChangeRefused::Final)),
            (Revoked, None, Reinstate, Operator, Err(ChangeRefused::Final)),
            (Superseded, None, Suspend, Operator, Err(ChangeRefused::Final)),
            (Superseded, None, Reinstate, Issuer, Err(ChangeRefused::Final)),
            (Active, None, Suspend, Issuer, moved(Suspension, true, Suspended, Some(Issuer))),
            (Active, None, Suspend, Operator, moved(Suspension, true, Suspended, Some(Operator))),
            (Suspended, Some(Issuer), Suspend, Operator, Err(ChangeRefused::AlreadySuspended)),
            (Suspended, Some(Issuer), Reinstate, Issuer, moved(Suspension, false, Active, None)),
            (Suspended, Some(Issuer), Reinstate, Operator, moved(Suspension, false, Active, None)),
            (Suspended, Some(Operator), Reinstate, Operator, moved(Suspension, false, Active, None)),
            (Suspended, Some(Operator), Reinstate, Issuer, Err(ChangeRefused::OperatorsSuspension)),
            (Suspended, None, Reinstate, Issuer, Err(ChangeRefused::OperatorsSuspension)),
            (Active, None, Reinstate, Operator, Err(ChangeRefused::NotSuspended)),
            (Active, None, Reinstate, Issuer, Err(ChangeRefused::NotSuspended)),
        ];
        for (state, suspended_by, change, by, outcome) in table {
            assert_eq!(
                change_status(state, suspended_by, change, by),
                outcome,
                "{change:?} by {by:?} of a {state:?} credential suspended by {suspended_by:?}"
            );
        }
    }
}
