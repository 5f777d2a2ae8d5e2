//! The operator's trust list (SPEC §4): designated issuers, the registry's keys, and policy.
//!
//! The list is itself a credential (`SCSTrustListCredential`) signed by the operator key that
//! every verifier pins. [`TrustList::authorise`] answers the question that matters for a ★
//! credential: *was this key designated for this level when it signed?*

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use thiserror::Error;

use crate::context::{SCS_V1, VC_V2};
use crate::credential::{AssessmentMethod, Level};
use crate::json::{parse_strict, JsonError};
use crate::keys::{DidKey, KeyError};
use crate::proof::{self, ProofError, ProofPurpose};
use crate::report::Message;
use crate::timestamp::Timestamp;

mod about;
mod edition;
mod keys;

pub use about::{
    IssuerAbout, IssuerContact, MAX_EMAIL_CHARS, MAX_NAME_EN_CHARS, MAX_PHONE_CHARS,
    MAX_SITE_URL_CHARS,
};
pub use keys::{IssuerKey, KeyUse, Signer};

/// The credential type of a trust list.
pub const TRUST_LIST_TYPE: &str = "SCSTrustListCredential";

/// Largest signed trust list accepted, in bytes.
pub const MAX_TRUST_LIST_BYTES: usize = 4 * 1024 * 1024;

/// Why a trust list was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustListError {
    /// The proof is missing or wrong.
    #[error("trust list signature: {0}")]
    Proof(#[from] ProofError),
    /// Signed by a key other than the pinned operator key.
    #[error("trust list is signed by {found}, not by the pinned operator key {expected}")]
    NotOperator {
        /// The pinned key.
        expected: String,
        /// The signer.
        found: String,
    },
    /// Not JSON, too large, or a member name repeated in one object.
    #[error("trust list: {0}")]
    Json(#[from] JsonError),
    /// The edition is not in force at the time it is judged at.
    #[error("{}", .0.message().en)]
    NotInForce(NotInForce),
    /// An edit of an edition that would make it wrong (a key listed twice, a level no rule
    /// covers, a withdrawal moved later).
    #[error("cannot change the edition: {0}")]
    Edit(String),
    /// The JSON does not have the trust list's shape.
    #[error("not a trust list: {0}")]
    Shape(String),
    /// A key in the list is not a valid Ed25519 did:key or multikey.
    #[error("trust list key {0}")]
    Key(#[from] KeyError),
    /// An edition not newer than the one already held.
    #[error("trust list sequence {found} is not newer than {current}")]
    Stale {
        /// The edition held.
        current: u64,
        /// The edition offered.
        found: u64,
    },
}

/// What a designated issuer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// 評価機関: third-party evaluation for ★4 and up.
    EvaluationBody,
    /// 確認者: confirms ★3 self-assessments.
    ConfirmingExpertOrganization,
}

/// `active`, `suspended` or `withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignationState {
    /// May issue.
    Active,
    /// May not issue from `since`; earlier credentials stand.
    Suspended,
    /// Designation ended at `since`; earlier credentials stand unless compromised.
    Withdrawn,
}

/// An issuer's designation status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesignationStatus {
    /// The state.
    pub state: DesignationState,
    /// When the state began (required for suspended and withdrawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// The key is compromised: everything it signed from this time is void.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_since: Option<Timestamp>,
}

/// A designated issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesignatedIssuer {
    /// The issuer's did:key.
    pub id: String,
    /// 名称.
    pub name: String,
    /// English name, shown on the English pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// How to reach it (e-mail, telephone), shown on the 指定機関一覧.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<IssuerContact>,
    /// Its site, `https://…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Evaluation body and/or confirming expert organisation.
    pub roles: Vec<Role>,
    /// The ★ levels it may sign.
    pub levels: Vec<Level>,
    /// Designation start.
    pub valid_from: Timestamp,
    /// Designation end, if fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Its signing keys over time, oldest first, the first being `id` (see [`IssuerKey`]);
    /// empty for an issuer that has only ever had the key `id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<IssuerKey>,
    /// Current status.
    pub status: DesignationStatus,
}

impl DesignatedIssuer {
    /// From when this issuer's own `proof.created` no longer shows that it signed while
    /// designated, as things stand at `at`: the time its key was declared compromised (always),
    /// or its designation was suspended, withdrawn or ended (once that time is not after
    /// `at`), whichever is earliest, with why. From then on the issuer — or whoever holds its
    /// key — can write any `created` it likes, so only the ledger (when the registry logged the
    /// credential's registration) shows that a credential is older.
    pub fn own_word_ends(&self, at: Timestamp) -> Option<(Timestamp, NotAuthorised)> {
        let status = &self.status;
        let compromised = status
            .compromised_since
            .map(|t| (t, NotAuthorised::Compromised(t)));
        let state = match (status.state, status.since) {
            (DesignationState::Suspended, Some(t)) => Some((t, NotAuthorised::Suspended(t))),
            (DesignationState::Withdrawn, Some(t)) => Some((t, NotAuthorised::Withdrawn(t))),
            _ => None,
        };
        let ended = self
            .valid_until
            .map(|t| (t, NotAuthorised::AfterDesignation(t)));
        let by_at = [state, ended]
            .into_iter()
            .flatten()
            .filter(|(t, _)| *t <= at);
        compromised.into_iter().chain(by_at).min_by_key(|(t, _)| *t)
    }
}

/// The registry's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryInfo {
    /// Base URL; status list and credential URLs are built from it.
    pub base_url: String,
    /// Signs status list credentials.
    pub status_key: String,
    /// Signs log checkpoints.
    pub log_key: String,
}

/// The rule for one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LevelRule {
    /// Which ★.
    pub level: Level,
    /// Longest `validUntil − validFrom`, in days.
    pub max_validity_days: u32,
    /// The method this level requires.
    pub assessment_method: AssessmentMethod,
}

/// Policy that the operator can change without a software release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// One rule per level that may be issued.
    pub level_rules: Vec<LevelRule>,
    /// How an ordering company works out the ★ a supplier must hold from yes/no questions
    /// (the supplier check of SPEC §8); absent: the questions cannot be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level_rule: Option<RequiredLevelRule>,
}

/// Most questions a [`RequiredLevelRule`] may ask.
pub const MAX_RULE_QUESTIONS: usize = 8;
/// Longest question or header text of a [`RequiredLevelRule`], in characters.
pub const MAX_RULE_TEXT_CHARS: usize = 200;

/// The ★ a supplier must hold, worked out from yes/no questions about what it does for the
/// ordering company: [`any_yes`](Self::any_yes) when any answer is yes, otherwise
/// [`all_no`](Self::all_no). It is data in the operator's policy because the scheme may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequiredLevelRule {
    /// The questions, each answered in its own column of a supplier list.
    pub questions: Vec<RuleQuestion>,
    /// The ★ required when any answer is yes.
    pub any_yes: Level,
    /// The ★ required when every answer is no.
    pub all_no: Level,
}

/// One yes/no question of a [`RequiredLevelRule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleQuestion {
    /// The question, in Japanese.
    pub question: String,
    /// The question, in English.
    pub question_en: String,
    /// The column header that answers it in a Japanese list.
    pub header: String,
    /// The column header that answers it in an English list.
    pub header_en: String,
}

impl RequiredLevelRule {
    /// The ★ required by these answers (one per question, in order).
    pub fn level_for(&self, answers: &[bool]) -> Level {
        if answers.iter().any(|yes| *yes) {
            self.any_yes
        } else {
            self.all_no
        }
    }

    fn check(&self) -> Result<(), TrustListError> {
        let shape = |why: &str| {
            Err(TrustListError::Shape(format!(
                "policy.requiredLevelRule: {why}"
            )))
        };
        if self.questions.is_empty() || self.questions.len() > MAX_RULE_QUESTIONS {
            return shape("must ask between 1 and 8 questions");
        }
        if self.any_yes < self.all_no {
            return shape("anyYes must be at least allNo");
        }
        let texts = self
            .questions
            .iter()
            .flat_map(|q| [&q.question, &q.question_en, &q.header, &q.header_en]);
        for text in texts {
            if text.trim().is_empty() || text.chars().count() > MAX_RULE_TEXT_CHARS {
                return shape("every question and header must be 1 to 200 characters");
            }
        }
        Ok(())
    }
}

impl Default for Policy {
    /// ★3: 366 days, self-assessment with expert confirmation; ★4: 1096 days, third-party.
    fn default() -> Self {
        Self {
            level_rules: vec![
                LevelRule {
                    level: Level::STAR3,
                    max_validity_days: 366,
                    assessment_method: AssessmentMethod::SelfAssessmentWithExpertConfirmation,
                },
                LevelRule {
                    level: Level::STAR4,
                    max_validity_days: 1096,
                    assessment_method: AssessmentMethod::ThirdPartyEvaluation,
                },
            ],
            required_level_rule: None,
        }
    }
}

impl Policy {
    /// The rule for `level`, if that level may be issued at all.
    pub fn rule(&self, level: Level) -> Option<&LevelRule> {
        self.level_rules.iter().find(|r| r.level == level)
    }
}

/// When a trust list edition is in force: the `validFrom`/`validUntil` of the credential the
/// operator signed (not of its subject). Unbounded where the credential says nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InForce {
    /// Not in force before this.
    pub from: Option<Timestamp>,
    /// Not in force after this.
    pub until: Option<Timestamp>,
}

/// Why an edition cannot speak for the time it is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInForce {
    /// Its `validUntil` has passed: a newer edition may have withdrawn issuers since.
    Expired(Timestamp),
    /// Its `validFrom` is still to come.
    NotYet(Timestamp),
}

impl NotInForce {
    /// A plain reason in both languages, saying what to do.
    pub fn message(&self) -> Message {
        match self {
            Self::Expired(t) => Message::new(
                format!(
                    "指定機関一覧（trust list）は{t}に期限切れです。最新のものを取得してください"
                ),
                format!("trust list expired on {t}; fetch a current one"),
            ),
            Self::NotYet(t) => Message::new(
                format!("指定機関一覧（trust list）は{t}まで効力がありません"),
                format!("trust list not in force before {t}"),
            ),
        }
    }
}

impl InForce {
    /// Is the edition in force at `at`?
    pub fn check(&self, at: Timestamp) -> Result<(), NotInForce> {
        if let Some(from) = self.from.filter(|from| at < *from) {
            return Err(NotInForce::NotYet(from));
        }
        if let Some(until) = self.until.filter(|until| at > *until) {
            return Err(NotInForce::Expired(until));
        }
        Ok(())
    }
}

/// The trust list's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustList {
    /// Always `SCSTrustList`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Edition number; strictly increasing.
    pub sequence: u64,
    /// Designated issuers.
    pub issuers: Vec<DesignatedIssuer>,
    /// The registry.
    pub registry: RegistryInfo,
    /// Policy.
    pub policy: Policy,
    /// When the signed edition is in force; set by [`TrustList::from_signed`] from the signed
    /// credential around the subject, so not part of the subject's wire format.
    #[serde(skip)]
    pub in_force: InForce,
}

/// Why an issuer does not count for a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAuthorised {
    /// The key is not in the trust list.
    NotListed,
    /// Listed, but not for this level.
    LevelNotGranted(Level),
    /// The proof has no `created`, so designation at signing time cannot be checked.
    NoCreated,
    /// Signed before the designation began.
    BeforeDesignation(Timestamp),
    /// Signed after the designation ended.
    AfterDesignation(Timestamp),
    /// Signed while suspended.
    Suspended(Timestamp),
    /// Signed after withdrawal.
    Withdrawn(Timestamp),
    /// Signed after the key was declared compromised.
    Compromised(Timestamp),
    /// Signed with a key before its use began (its `validFrom`).
    KeyNotYetInUse(Timestamp),
    /// Signed with a key after the issuer replaced it (its `validUntil`).
    KeyReplaced(Timestamp),
}

impl NotAuthorised {
    /// What ended the issuer's standing, as a noun in both languages (for the variants that
    /// [`DesignatedIssuer::own_word_ends`] gives).
    pub fn what_ended(&self) -> Message {
        match self {
            Self::Compromised(_) => Message::new("鍵の漏えい", "its key's compromise"),
            Self::Withdrawn(_) => Message::new("発行者の指定取消", "the issuer's withdrawal"),
            Self::Suspended(_) => Message::new("発行者の指定の一時停止", "the issuer's suspension"),
            _ => Message::new(
                "発行者の指定期間の終了",
                "the end of the issuer's designation",
            ),
        }
    }

    /// A plain reason in both languages.
    pub fn message(&self) -> Message {
        match self {
            Self::NotListed => Message::new(
                "署名した鍵は指定機関一覧にありません",
                "the signing key is not a designated issuer in the trust list",
            ),
            Self::LevelNotGranted(level) => Message::new(
                format!("発行者は★{level}の発行を指定されていません"),
                format!("the issuer is not designated for ★{level}"),
            ),
            Self::NoCreated => Message::new(
                "署名日時（proof.created）がないため指定状況を確認できません",
                "the proof has no created time, so the designation cannot be checked",
            ),
            Self::BeforeDesignation(t) => Message::new(
                format!("署名時点で発行者はまだ指定されていません（指定開始 {t}）"),
                format!("signed before the issuer's designation began ({t})"),
            ),
            Self::AfterDesignation(t) => Message::new(
                format!("署名時点で発行者の指定期間は終了しています（{t}）"),
                format!("signed after the issuer's designation ended ({t})"),
            ),
            Self::Suspended(t) => Message::new(
                format!("署名時点で発行者の指定は一時停止中でした（{t}から）"),
                format!("signed while the issuer's designation was suspended (since {t})"),
            ),
            Self::Withdrawn(t) => Message::new(
                format!("署名時点で発行者の指定は取り消されていました（{t}）"),
                format!("signed after the issuer's designation was withdrawn ({t})"),
            ),
            Self::Compromised(t) => Message::new(
                format!("発行者の鍵は{t}以降漏えいしたとされ、それ以降の署名は無効です"),
                format!("the issuer's key is declared compromised from {t}; signatures since then are void"),
            ),
            Self::KeyNotYetInUse(t) => Message::new(
                format!("署名した鍵は署名時点でまだ使用開始前でした（{t}から使用）"),
                format!("signed with a key before its use began ({t})"),
            ),
            Self::KeyReplaced(t) => Message::new(
                format!("署名した鍵は{t}に発行者の新しい鍵へ切り替えられており、それ以降の署名は無効です"),
                format!("signed with a key the issuer replaced on {t}; its signatures since then are void"),
            ),
        }
    }
}

impl TrustList {
    /// Parses (refusing duplicate member names, at most [`MAX_TRUST_LIST_BYTES`]) and verifies a
    /// signed trust list.
    pub fn from_signed_bytes(bytes: &[u8], operator: &DidKey) -> Result<Self, TrustListError> {
        Self::from_signed(parse_strict(bytes, MAX_TRUST_LIST_BYTES)?, operator)
    }

    /// Verifies a signed trust list credential against the pinned operator key and reads it,
    /// with the window in which the edition is in force.
    pub fn from_signed(document: Value, operator: &DidKey) -> Result<Self, TrustListError> {
        let (unsecured, info) = proof::verify(document, ProofPurpose::AssertionMethod)?;
        if &info.signer != operator {
            return Err(TrustListError::NotOperator {
                expected: operator.to_string(),
                found: info.signer.to_string(),
            });
        }
        if unsecured["issuer"] != operator.to_string().as_str() {
            return Err(TrustListError::Shape(
                "issuer must be the operator's did:key".into(),
            ));
        }
        let types = unsecured["type"].as_array().cloned().unwrap_or_default();
        if !types.iter().any(|t| t == TRUST_LIST_TYPE) {
            return Err(TrustListError::Shape(format!(
                "type must include {TRUST_LIST_TYPE}"
            )));
        }
        let mut list = Self::deserialize(&unsecured["credentialSubject"])
            .map_err(|e| TrustListError::Shape(e.to_string()))?;
        list.check()?;
        list.in_force = InForce {
            from: envelope_time(&unsecured, "validFrom")?,
            until: envelope_time(&unsecured, "validUntil")?,
        };
        Ok(list)
    }

    /// Refuses an edition that is not in force at `at`.
    pub fn check_in_force(&self, at: Timestamp) -> Result<(), TrustListError> {
        self.in_force.check(at).map_err(TrustListError::NotInForce)
    }

    /// Consistency rules beyond the shape: keys parse, states carry their dates.
    pub fn check(&self) -> Result<(), TrustListError> {
        if self.kind != "SCSTrustList" {
            return Err(TrustListError::Shape(
                "credentialSubject.type must be SCSTrustList".into(),
            ));
        }
        for issuer in &self.issuers {
            DidKey::parse(&issuer.id)?;
            issuer
                .check_about()
                .map_err(|e| TrustListError::Shape(format!("issuer {}: {e}", issuer.id)))?;
            issuer
                .check_keys()
                .map_err(|e| TrustListError::Shape(format!("issuer {}: {e}", issuer.id)))?;
            if issuer.status.state != DesignationState::Active && issuer.status.since.is_none() {
                return Err(TrustListError::Shape(format!(
                    "issuer {} is {:?} but has no status.since",
                    issuer.id, issuer.status.state
                )));
            }
        }
        let mut keys: Vec<&str> = self
            .issuers
            .iter()
            .flat_map(|i| i.key_uses().map(|k| k.id))
            .collect();
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(TrustListError::Shape(format!(
                "key {} is listed twice: a key belongs to one issuer, once",
                pair[0]
            )));
        }
        if let Some(rule) = &self.policy.required_level_rule {
            rule.check()?;
        }
        self.status_key()?;
        self.log_key()?;
        Ok(())
    }

    /// The unsigned trust list credential, ready for the operator to sign, in force from
    /// `valid_from` with no end.
    pub fn to_credential(&self, operator: &DidKey, valid_from: Timestamp) -> Value {
        self.to_credential_until(operator, valid_from, None)
    }

    /// The unsigned trust list credential, in force from `valid_from` until `valid_until`: an
    /// edition that ends makes verifiers fetch a newer one.
    pub fn to_credential_until(
        &self,
        operator: &DidKey,
        valid_from: Timestamp,
        valid_until: Option<Timestamp>,
    ) -> Value {
        let mut document = json!({
            "@context": [VC_V2, SCS_V1],
            "type": ["VerifiableCredential", TRUST_LIST_TYPE],
            "issuer": operator.to_string(),
            "validFrom": valid_from.to_string(),
            "credentialSubject": self,
        });
        if let Some(until) = valid_until {
            document["validUntil"] = until.to_string().into();
        }
        document
    }

    /// The registry's status list key.
    pub fn status_key(&self) -> Result<DidKey, KeyError> {
        DidKey::parse_did_or_multikey(&self.registry.status_key)
    }

    /// The registry's log key.
    pub fn log_key(&self) -> Result<DidKey, KeyError> {
        DidKey::parse_did_or_multikey(&self.registry.log_key)
    }

    /// The issuer a key belongs to, if listed: the entry whose `id` or one of whose `keys` it
    /// is.
    pub fn issuer(&self, key: &DidKey) -> Option<&DesignatedIssuer> {
        self.signer_of(key).map(|signer| signer.issuer)
    }

    /// Was `signer` designated for `level`, and its key in use, when it signed at `created`?
    pub fn authorise(
        &self,
        signer: &DidKey,
        level: Level,
        created: Option<Timestamp>,
    ) -> Result<Signer<'_>, NotAuthorised> {
        let found = self.signer_of(signer).ok_or(NotAuthorised::NotListed)?;
        let issuer = found.issuer;
        if !issuer.levels.contains(&level) {
            return Err(NotAuthorised::LevelNotGranted(level));
        }
        let created = created.ok_or(NotAuthorised::NoCreated)?;
        if created < issuer.valid_from {
            return Err(NotAuthorised::BeforeDesignation(issuer.valid_from));
        }
        if let Some(until) = issuer.valid_until.filter(|u| created > *u) {
            return Err(NotAuthorised::AfterDesignation(until));
        }
        let status = &issuer.status;
        if let Some(compromised) = status.compromised_since.filter(|c| created >= *c) {
            return Err(NotAuthorised::Compromised(compromised));
        }
        match (status.state, status.since) {
            (DesignationState::Suspended, Some(since)) if created >= since => {
                Err(NotAuthorised::Suspended(since))
            }
            (DesignationState::Withdrawn, Some(since)) if created >= since => {
                Err(NotAuthorised::Withdrawn(since))
            }
            _ => match found.key.refuses_signature(created) {
                Some(why) => Err(why),
                None => Ok(found),
            },
        }
    }

    /// Was `signer` an active designated issuer (for any level), and `signer` its current key,
    /// at every instant from `from` to `until`? The registry asks this of every write, over
    /// the span in which its clock read when the write arrived, so that no time the signer
    /// chose decides. A key declared compromised fails whatever the dates: nothing it sends
    /// can be told from a forgery.
    pub fn active_throughout(
        &self,
        signer: &DidKey,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Signer<'_>, NotAuthorised> {
        let found = self.signer_of(signer).ok_or(NotAuthorised::NotListed)?;
        let issuer = found.issuer;
        let status = &issuer.status;
        if let Some(compromised) = status.compromised_since {
            return Err(NotAuthorised::Compromised(compromised));
        }
        if from < issuer.valid_from {
            return Err(NotAuthorised::BeforeDesignation(issuer.valid_from));
        }
        if let Some(ended) = issuer.valid_until.filter(|u| until > *u) {
            return Err(NotAuthorised::AfterDesignation(ended));
        }
        match (status.state, status.since) {
            (DesignationState::Suspended, Some(since)) if until >= since => {
                Err(NotAuthorised::Suspended(since))
            }
            (DesignationState::Withdrawn, Some(since)) if until >= since => {
                Err(NotAuthorised::Withdrawn(since))
            }
            _ => match found.key.refuses_write(from, until) {
                Some(why) => Err(why),
                None => Ok(found),
            },
        }
    }
}

/// `validFrom` or `validUntil` of the signed credential, when present.
fn envelope_time(unsecured: &Value, name: &str) -> Result<Option<Timestamp>, TrustListError> {
    match unsecured.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_str()
            .and_then(|text| Timestamp::parse(text).ok())
            .map(Some)
            .ok_or_else(|| TrustListError::Shape(format!("{name} must be a date-time"))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::SecretKey;

    pub(crate) fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn key(n: u8) -> DidKey {
        SecretKey::from_seed(&[n; 32]).public().did_key()
    }

    pub(crate) fn sample(issuer: &DidKey, status: DesignationStatus) -> TrustList {
        TrustList {
            kind: "SCSTrustList".into(),
            sequence: 1,
            issuers: vec![DesignatedIssuer {
                id: issuer.to_string(),
                name: "評価機関".into(),
                name_en: None,
                contact: None,
                url: None,
                roles: vec![Role::EvaluationBody],
                levels: vec![Level::STAR3, Level::STAR4],
                valid_from: t("2027-01-01T00:00:00Z"),
                valid_until: Some(t("2031-12-31T23:59:59Z")),
                keys: Vec::new(),
                status,
            }],
            registry: RegistryInfo {
                base_url: "https://registry.example".into(),
                status_key: key(8).to_string(),
                log_key: key(9).public_key().to_multikey(),
            },
            policy: Policy::default(),
            in_force: InForce::default(),
        }
    }

    fn active() -> DesignationStatus {
        DesignationStatus {
            state: DesignationState::Active,
            since: None,
            compromised_since: None,
        }
    }

    #[test]
    fn the_required_level_rule_is_optional_data_checked_when_present() {
        let mut list = sample(&key(2), active());
        let without = serde_json::to_value(&list.policy).unwrap();
        assert!(without.get("requiredLevelRule").is_none());
        let policy: Policy = serde_json::from_value(serde_json::json!({
            "levelRules": without["levelRules"],
            "requiredLevelRule": {
                "questions": [
                    {"question": "機密を扱う", "questionEn": "Handles secrets", "header": "機密", "headerEn": "secrets"},
                    {"question": "接続する", "questionEn": "Connects", "header": "接続", "headerEn": "connects"}
                ],
                "anyYes": 4,
                "allNo": 3
            }
        }))
        .unwrap();
        let rule = policy.required_level_rule.clone().unwrap();
        assert_eq!(rule.level_for(&[false, true]), Level::STAR4);
        assert_eq!(rule.level_for(&[false, false]), Level::STAR3);
        list.policy = policy;
        list.check().unwrap();
        let mut backwards = rule.clone();
        backwards.any_yes = Level::STAR3;
        backwards.all_no = Level::STAR4;
        list.policy.required_level_rule = Some(backwards);
        assert!(list.check().is_err());
        let mut blank = rule;
        blank.questions[0].header = " ".into();
        list.policy.required_level_rule = Some(blank);
        assert!(list.check().is_err());
    }

    #[test]
    fn signed_list_round_trips_and_pins_the_operator() {
        let operator = SecretKey::from_seed(&[1; 32]);
        let list = sample(&key(2), active());
        let doc = list.to_credential(&operator.public().did_key(), t("2027-01-01T00:00:00Z"));
        let signed = proof::sign(
            doc,
            &operator,
            t("2027-01-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let in_force = InForce {
            from: Some(t("2027-01-01T00:00:00Z")),
            until: None,
        };
        assert_eq!(
            TrustList::from_signed(signed.clone(), &operator.public().did_key()).unwrap(),
            TrustList { in_force, ..list }
        );
        assert!(matches!(
            TrustList::from_signed(signed.clone(), &key(3)),
            Err(TrustListError::NotOperator { .. })
        ));
        let mut tampered = signed;
        tampered["credentialSubject"]["issuers"][0]["levels"] = json!([3, 4, 5]);
        assert!(matches!(
            TrustList::from_signed(tampered, &operator.public().did_key()),
            Err(TrustListError::Proof(ProofError::BadSignature))
        ));
    }

    fn signed_by(operator: &SecretKey, list: &TrustList) -> Value {
        let doc = list.to_credential(&operator.public().did_key(), t("2027-01-01T00:00:00Z"));
        proof::sign(
            doc,
            operator,
            t("2027-01-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn an_issuers_contact_and_site_are_signed_with_it_and_optional() {
        let operator = SecretKey::from_seed(&[1; 32]);
        let did = operator.public().did_key();
        let plain = sample(&key(2), active());
        // Absent members are not written: an edition signed before they existed verifies.
        let subject = serde_json::to_value(&plain.issuers[0]).unwrap();
        assert!(subject.get("contact").is_none() && subject.get("url").is_none());
        assert!(TrustList::from_signed(signed_by(&operator, &plain), &did).is_ok());

        let mut described = plain.clone();
        described.issuers[0].name_en = Some("Evaluation Body".into());
        described.issuers[0].contact = Some(IssuerContact {
            email: Some("desk@example.jp".into()),
            phone: Some("03-1234-5678".into()),
        });
        described.issuers[0].url = Some("https://www.example.jp/".into());
        let signed = signed_by(&operator, &described);
        assert_eq!(
            signed["credentialSubject"]["issuers"][0]["contact"],
            json!({"email": "desk@example.jp", "phone": "03-1234-5678"})
        );
        let read = TrustList::from_signed(signed.clone(), &did).unwrap();
        assert_eq!(read.issuers[0], described.issuers[0]);
        assert_eq!(read.issuers[0].name_for(true), "Evaluation Body");
        assert_eq!(plain.issuers[0].name_for(true), "評価機関");
        let mut tampered = signed;
        tampered["credentialSubject"]["issuers"][0]["contact"]["email"] = json!("x@evil.example");
        assert!(matches!(
            TrustList::from_signed(tampered, &did),
            Err(TrustListError::Proof(ProofError::BadSignature))
        ));

        // Signed, but not a site: refused like any other malformed member.
        let mut unsafe_site = described;
        unsafe_site.issuers[0].url = Some("http://www.example.jp/".into());
        assert!(matches!(
            TrustList::from_signed(signed_by(&operator, &unsafe_site), &did),
            Err(TrustListError::Shape(why)) if why.contains("https://")
        ));
    }

    #[test]
    fn an_edition_is_in_force_only_inside_its_signed_window() {
        let operator = SecretKey::from_seed(&[1; 32]);
        let list = sample(&key(2), active());
        let doc = list.to_credential_until(
            &operator.public().did_key(),
            t("2027-01-01T00:00:00Z"),
            Some(t("2027-12-31T23:59:59Z")),
        );
        let signed = proof::sign(
            doc,
            &operator,
            t("2027-01-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let read = TrustList::from_signed(signed, &operator.public().did_key()).unwrap();
        assert!(read.check_in_force(t("2027-06-01T00:00:00Z")).is_ok());
        assert_eq!(
            read.in_force.check(t("2028-01-01T00:00:00Z")),
            Err(NotInForce::Expired(t("2027-12-31T23:59:59Z")))
        );
        assert_eq!(
            read.in_force.check(t("2026-12-31T00:00:00Z")),
            Err(NotInForce::NotYet(t("2027-01-01T00:00:00Z")))
        );
        assert!(matches!(
            read.check_in_force(t("2028-01-01T00:00:00Z")),
            Err(TrustListError::NotInForce(_))
        ));
        assert!(NotInForce::Expired(t("2027-12-31T23:59:59Z"))
            .message()
            .en
            .contains("trust list expired on 2027-12-31T23:59:59Z; fetch a current one"));
    }

    #[test]
    fn a_signed_edition_with_a_duplicated_name_is_refused() {
        let operator = SecretKey::from_seed(&[1; 32]);
        let list = sample(&key(2), active());
        let doc = list.to_credential(&operator.public().did_key(), t("2027-01-01T00:00:00Z"));
        let signed = proof::sign(
            doc,
            &operator,
            t("2027-01-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let text = signed.to_string();
        assert!(
            TrustList::from_signed_bytes(text.as_bytes(), &operator.public().did_key()).is_ok()
        );
        let duplicated = text.replacen("\"sequence\":1", "\"sequence\":7,\"sequence\":1", 1);
        assert!(matches!(
            TrustList::from_signed_bytes(duplicated.as_bytes(), &operator.public().did_key()),
            Err(TrustListError::Json(_))
        ));
    }

    #[test]
    fn designation_at_signing_time_decides() {
        let issuer = key(2);
        let list = sample(&issuer, active());
        let at = |s| list.authorise(&issuer, Level::STAR4, Some(t(s)));
        assert!(at("2028-01-01T00:00:00Z").is_ok());
        assert_eq!(
            at("2026-12-31T00:00:00Z"),
            Err(NotAuthorised::BeforeDesignation(t("2027-01-01T00:00:00Z")))
        );
        assert!(matches!(
            at("2032-01-01T00:00:00Z"),
            Err(NotAuthorised::AfterDesignation(_))
        ));
        assert_eq!(
            list.authorise(&issuer, Level::STAR5, Some(t("2028-01-01T00:00:00Z"))),
            Err(NotAuthorised::LevelNotGranted(Level::STAR5))
        );
        assert_eq!(
            list.authorise(&key(3), Level::STAR4, Some(t("2028-01-01T00:00:00Z"))),
            Err(NotAuthorised::NotListed)
        );
        assert_eq!(
            list.authorise(&issuer, Level::STAR4, None),
            Err(NotAuthorised::NoCreated)
        );
    }

    #[test]
    fn withdrawal_keeps_earlier_credentials_unless_compromised() {
        let issuer = key(2);
        let withdrawn = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Withdrawn,
                since: Some(t("2029-01-01T00:00:00Z")),
                compromised_since: None,
            },
        );
        assert!(withdrawn
            .authorise(&issuer, Level::STAR4, Some(t("2028-06-01T00:00:00Z")))
            .is_ok());
        assert!(matches!(
            withdrawn.authorise(&issuer, Level::STAR4, Some(t("2029-02-01T00:00:00Z"))),
            Err(NotAuthorised::Withdrawn(_))
        ));
        let compromised = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Withdrawn,
                since: Some(t("2029-01-01T00:00:00Z")),
                compromised_since: Some(t("2028-03-01T00:00:00Z")),
            },
        );
        assert!(compromised
            .authorise(&issuer, Level::STAR4, Some(t("2028-02-01T00:00:00Z")))
            .is_ok());
        assert!(matches!(
            compromised.authorise(&issuer, Level::STAR4, Some(t("2028-06-01T00:00:00Z"))),
            Err(NotAuthorised::Compromised(_))
        ));
        let suspended = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Suspended,
                since: Some(t("2029-01-01T00:00:00Z")),
                compromised_since: None,
            },
        );
        assert!(suspended
            .authorise(&issuer, Level::STAR4, Some(t("2028-06-01T00:00:00Z")))
            .is_ok());
        assert!(matches!(
            suspended.authorise(&issuer, Level::STAR4, Some(t("2029-06-01T00:00:00Z"))),
            Err(NotAuthorised::Suspended(_))
        ));
    }

    #[test]
    fn a_write_is_judged_over_the_whole_span_of_the_registry_clock() {
        let issuer = key(2);
        let span = |list: &TrustList, from: &str, until: &str| {
            list.active_throughout(&issuer, t(from), t(until))
                .map(|_| ())
        };
        let designated = sample(&issuer, active());
        assert_eq!(
            span(&designated, "2028-01-01T00:00:00Z", "2028-01-01T00:10:00Z"),
            Ok(())
        );
        assert_eq!(
            span(&designated, "2026-12-31T23:55:00Z", "2027-01-01T00:05:00Z"),
            Err(NotAuthorised::BeforeDesignation(t("2027-01-01T00:00:00Z")))
        );
        assert!(matches!(
            span(&designated, "2031-12-31T23:55:00Z", "2032-01-01T00:05:00Z"),
            Err(NotAuthorised::AfterDesignation(_))
        ));
        assert_eq!(
            span(
                &sample(&key(3), active()),
                "2028-01-01T00:00:00Z",
                "2028-01-01T00:10:00Z"
            ),
            Err(NotAuthorised::NotListed)
        );
        let withdrawn = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Withdrawn,
                since: Some(t("2029-01-01T00:00:00Z")),
                compromised_since: None,
            },
        );
        // Ending inside the span is enough: the clock may already have passed it.
        assert_eq!(
            span(&withdrawn, "2028-12-31T23:55:00Z", "2029-01-01T00:05:00Z"),
            Err(NotAuthorised::Withdrawn(t("2029-01-01T00:00:00Z")))
        );
        assert_eq!(
            span(&withdrawn, "2028-06-01T00:00:00Z", "2028-06-01T00:10:00Z"),
            Ok(())
        );
        let suspended = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Suspended,
                since: Some(t("2029-01-01T00:00:00Z")),
                compromised_since: None,
            },
        );
        assert!(matches!(
            span(&suspended, "2029-02-01T00:00:00Z", "2029-02-01T00:10:00Z"),
            Err(NotAuthorised::Suspended(_))
        ));
        // Compromised: refused even for a span before the stated time.
        let compromised = sample(
            &issuer,
            DesignationStatus {
                state: DesignationState::Active,
                since: None,
                compromised_since: Some(t("2029-01-01T00:00:00Z")),
            },
        );
        assert_eq!(
            span(&compromised, "2028-06-01T00:00:00Z", "2028-06-01T00:10:00Z"),
            Err(NotAuthorised::Compromised(t("2029-01-01T00:00:00Z")))
        );
    }

    #[test]
    fn the_issuers_own_word_ends_at_the_earliest_compromise_or_end_by_then() {
        let issuer = key(2);
        let with = |status| sample(&issuer, status).issuers.remove(0);
        let at = t("2030-01-01T00:00:00Z");
        assert_eq!(with(active()).own_word_ends(at), None);
        assert_eq!(
            with(active()).own_word_ends(t("2032-01-01T00:00:00Z")),
            Some((
                t("2031-12-31T23:59:59Z"),
                NotAuthorised::AfterDesignation(t("2031-12-31T23:59:59Z"))
            ))
        );
        let withdrawn = with(DesignationStatus {
            state: DesignationState::Withdrawn,
            since: Some(t("2029-01-01T00:00:00Z")),
            compromised_since: None,
        });
        assert_eq!(
            withdrawn.own_word_ends(at),
            Some((
                t("2029-01-01T00:00:00Z"),
                NotAuthorised::Withdrawn(t("2029-01-01T00:00:00Z"))
            ))
        );
        assert_eq!(
            withdrawn.own_word_ends(t("2028-01-01T00:00:00Z")),
            None,
            "a withdrawal still to come"
        );
        let compromised = with(DesignationStatus {
            state: DesignationState::Withdrawn,
            since: Some(t("2029-01-01T00:00:00Z")),
            compromised_since: Some(t("2028-06-01T00:00:00Z")),
        });
        assert_eq!(
            compromised.own_word_ends(t("2028-01-01T00:00:00Z")),
            Some((
                t("2028-06-01T00:00:00Z"),
                NotAuthorised::Compromised(t("2028-06-01T00:00:00Z"))
            )),
            "a compromise counts whenever it is asked"
        );
    }
}
