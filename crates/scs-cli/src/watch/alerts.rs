//! What `scs watch` reports: alerts from the registry's change feed (the events of the watched
//! companies since the last round) and from each company's standing now (its best valid ★
//! against the ★ required, expiry, no credential at all), each with a stable id.

use std::collections::BTreeMap;

use scs_core::ids::CorporateNumber;
use scs_core::lifecycle::Reason;
use scs_core::timestamp::Timestamp;
use scs_ledger::{ChangeEvent, ChangeKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Days before the end of a credential's validity at which the watch warns, each once.
pub const EXPIRY_NOTICES: [i64; 3] = [90, 30, 7];

/// What an alert says happened: a change from the registry's feed, or what the watch sees of
/// a company's standing or of the registry's log. Named in JSON by [`AlertKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A change of the feed: registered, revoked, suspended, reinstated, superseded, the issuer
    /// withdrawn or compromised.
    Change(ChangeKind),
    /// The company's best valid ★ is below the ★ required.
    BelowRequired,
    /// The company's best credential ends within 90, 30 or 7 days.
    Expiring,
    /// The company has no valid credential at all.
    NoCredential,
    /// The registry's log does not extend what the watch verified before.
    RegistryInconsistent,
}

impl AlertKind {
    /// The kinds that are not changes of the feed.
    const OWN: [AlertKind; 4] = [
        Self::BelowRequired,
        Self::Expiring,
        Self::NoCredential,
        Self::RegistryInconsistent,
    ];

    /// The kind's name (as in JSON): a change's own, e.g. `revoked`, or `below-required`, …
    pub fn code(self) -> &'static str {
        match self {
            Self::Change(kind) => kind.code(),
            Self::BelowRequired => "below-required",
            Self::Expiring => "expiring",
            Self::NoCredential => "no-credential",
            Self::RegistryInconsistent => "registry-inconsistent",
        }
    }

    /// The kind in Japanese.
    pub fn ja(self) -> &'static str {
        match self {
            Self::Change(kind) => kind.ja(),
            Self::BelowRequired => "★不足",
            Self::Expiring => "期限間近",
            Self::NoCredential => "有効な認定なし",
            Self::RegistryInconsistent => "登録機関の台帳の不整合",
        }
    }
}

impl Serialize for AlertKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for AlertKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        ChangeKind::ALL
            .into_iter()
            .map(Self::Change)
            .chain(Self::OWN)
            .find(|kind| kind.code() == code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown alert kind {code}")))
    }
}

/// One alert: a JSON line of `--json`, a webhook's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Stable: derived from the registry and the alert's facts (for a change, its log index),
    /// so the same alert always has the same id (the webhook's `webhook-id`).
    pub id: String,
    /// What happened.
    pub kind: AlertKind,
    /// The registry watched.
    pub registry: String,
    /// The company's 法人番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<String>,
    /// The company's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// The credential concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// Its ★ (for `below-required`: the best valid ★).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The ★ required of this supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<u8>,
    /// The credential's `validUntil`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// For `expiring`: the notice (90, 30 or 7 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_days: Option<i64>,
    /// A status change's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// The issuer concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The log entry of a change (prove it with `/v1/log/proof/inclusion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// When the change happened, as the feed gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// In Japanese.
    pub message_ja: String,
    /// In English.
    pub message: String,
}

impl Alert {
    /// An alert of `kind` about the company `number` (or none), with its messages; the other
    /// facts are filled by the caller.
    fn new(kind: AlertKind, registry: &str, company: Option<(&str, Option<&str>)>) -> Self {
        Self {
            id: String::new(),
            kind,
            registry: registry.to_owned(),
            corporate_number: company.map(|(number, _)| number.to_owned()),
            legal_name: company.and_then(|(_, name)| name.map(str::to_owned)),
            credential_id: None,
            level: None,
            required_level: None,
            valid_until: None,
            notice_days: None,
            reason: None,
            issuer: None,
            log_index: None,
            at: None,
            message_ja: String::new(),
            message: String::new(),
        }
    }

    /// Sets the id from the registry and `facts`, and the messages.
    fn finish(mut self, facts: &[&str], ja: String, en: String) -> Self {
        let mut hash = Sha256::new().chain_update(self.registry.as_bytes());
        for fact in facts {
            hash.update([0x1f]);
            hash.update(fact.as_bytes());
        }
        let digest = hash.finalize();
        self.id = format!(
            "scs_{}",
            digest
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let who = self.who();
        self.message_ja = format!("【{}】{who}{ja}", self.kind.ja());
        self.message = format!("[{}] {who}{en}", self.kind.code());
        self
    }

    /// `名前（法人番号） `, or nothing for an alert about no company.
    fn who(&self) -> String {
        match (&self.legal_name, &self.corporate_number) {
            (Some(name), Some(number)) => format!("{name}（{number}） "),
            (None, Some(number)) => format!("{number} "),
            _ => String::new(),
        }
    }

    /// The one line printed for people: Japanese, then English.
    pub fn line(&self) -> String {
        format!("{} / {}", self.message_ja, self.message)
    }

    /// The loudest alert: the registry's log does not extend what was verified before.
    pub fn registry_inconsistent(registry: &str, why: &str, saved_size: Option<u64>) -> Self {
        let size = saved_size.map_or_else(String::new, |s| s.to_string());
        Self::new(AlertKind::RegistryInconsistent, registry, None).finish(
            &["registry-inconsistent", &size, why],
            format!("登録機関 {registry} の台帳が以前に確認したものと整合しません。この登録機関をもう信頼しません（{why}）"),
            format!("the log of the registry {registry} is NOT consistent with what was verified before; it is no longer trusted ({why})"),
        )
    }
}

/// A watched supplier: its 法人番号 and the ★ required of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supplier {
    /// The 法人番号.
    pub number: CorporateNumber,
    /// The ★ required (★3 when the list gives none: any valid credential).
    pub required: u8,
}

/// What a company's standing was when last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "standing", content = "level")]
pub enum Standing {
    /// Its best valid ★ meets the ★ required.
    Meets,
    /// Its best valid ★ is below it.
    Below(u8),
    /// No valid credential at all.
    NoCredential,
}

/// What the watch remembers of a supplier between rounds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplierMemory {
    /// The standing last seen.
    #[serde(default)]
    pub standing: Option<Standing>,
    /// For each credential, the smallest expiry notice given (90, 30, 7).
    #[serde(default)]
    pub expiry_notices: BTreeMap<String, i64>,
}

/// The organisation view (`GET /v1/organizations/{法人番号}`), as far as the watch reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyView {
    /// The company's name.
    #[serde(default)]
    pub legal_name: Option<String>,
    /// The highest ★ valid now.
    #[serde(default)]
    pub highest_level: Option<u8>,
    /// Its credentials.
    #[serde(default)]
    pub credentials: Vec<ViewedCredential>,
}

/// One credential of a [`CompanyView`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewedCredential {
    /// Its id.
    pub id: String,
    /// Its ★.
    pub level: u8,
    /// Its state now (`active`, `suspended`, …).
    pub state: String,
    /// Its end.
    pub valid_until: Timestamp,
    /// Present when it no longer counts although its status is clear.
    #[serde(default)]
    pub void: Option<serde_json::Value>,
}

impl CompanyView {
    /// The credential that carries the company's standing: valid now, highest ★, then the
    /// latest end.
    fn best(&self) -> Option<&ViewedCredential> {
        self.credentials
            .iter()
            .filter(|c| c.state == "active" && c.void.is_none())
            .max_by_key(|c| (c.level, c.valid_until))
    }
}

/// The alerts of the feed's `events` about the watched companies.
pub fn of_events(registry: &str, events: &[ChangeEvent], watched: &[Supplier]) -> Vec<Alert> {
    events
        .iter()
        .filter_map(|event| {
            let company = event.company.as_ref()?;
            let number = company.corporate_number.as_ref()?;
            watched.iter().any(|s| &s.number == number).then(|| {
                of_event(
                    registry,
                    event,
                    number.as_str(),
                    Some(company.legal_name.as_str()),
                )
            })
        })
        .collect()
}

fn of_event(registry: &str, event: &ChangeEvent, number: &str, name: Option<&str>) -> Alert {
    let mut alert = Alert::new(
        AlertKind::Change(event.kind),
        registry,
        Some((number, name)),
    );
    alert.log_index = Some(event.log_index);
    alert.at = Some(event.at);
    alert.reason = event.reason;
    alert.issuer = event.issuer.as_ref().map(|i| i.id.clone());
    let mut what_ja = String::new();
    let mut what_en = String::new();
    if let Some(credential) = &event.credential {
        alert.credential_id = Some(credential.id.to_string());
        alert.level = Some(credential.level);
        alert.valid_until = Some(credential.valid_until);
        what_ja = format!("★{} {}", credential.level, credential.id);
        what_en.clone_from(&what_ja);
    }
    if let Some(issuer) = &event.issuer {
        what_ja += &format!(" 発行者 {}", issuer.name);
        what_en += &format!(" issuer {}", issuer.name);
    }
    if let Some(reason) = event.reason {
        what_ja += &format!(" 理由: {}", reason.ja());
        what_en += &format!(" reason: {}", reason.code());
    }
    let concerns = alert
        .credential_id
        .clone()
        .or_else(|| alert.issuer.clone())
        .unwrap_or_default();
    let index = event.log_index.to_string();
    alert.finish(
        &[event.kind.code(), &index, &concerns],
        format!(
            "{what_ja}（{} JST、台帳 {index}）",
            event.at.date_in_japan().slashed()
        ),
        format!("{what_en} ({}, log index {index})", event.at),
    )
}

/// The alerts of a supplier's standing now (`view`: `None` when nothing is registered), as
/// `memory` is updated: a change into `below-required` or `no-credential` (once, until it
/// changes again), and the best credential's expiry notices (each once). `round` names the
/// round (the checkpoint's size) in the ids of standing changes, which can recur.
pub fn of_standing(
    registry: &str,
    supplier: &Supplier,
    view: Option<&CompanyView>,
    memory: &mut SupplierMemory,
    now: Timestamp,
    round: u64,
) -> Vec<Alert> {
    let number = supplier.number.as_str();
    let name = view.and_then(|v| v.legal_name.as_deref());
    let standing = match view.and_then(|v| v.highest_level) {
        None => Standing::NoCredential,
        Some(level) if level >= supplier.required => Standing::Meets,
        Some(level) => Standing::Below(level),
    };
    let mut alerts = Vec::new();
    let round = round.to_string();
    let required = supplier.required;
    if memory.standing != Some(standing) {
        let mut alert = match standing {
            Standing::Meets => None,
            Standing::Below(level) => {
                let mut alert =
                    Alert::new(AlertKind::BelowRequired, registry, Some((number, name)));
                alert.level = Some(level);
                Some(alert.finish(
                    &["below-required", number, &level.to_string(), &round],
                    format!("有効な最高の★は{level}で、求める★{required}に足りません"),
                    format!("its best valid ★ is {level}, below the ★{required} required"),
                ))
            }
            Standing::NoCredential => Some(
                Alert::new(AlertKind::NoCredential, registry, Some((number, name))).finish(
                    &["no-credential", number, &round],
                    format!("有効な★認定がありません（求める★{required}）"),
                    format!("no valid ★ credential at all (★{required} required)"),
                ),
            ),
        };
        if let Some(alert) = alert.as_mut() {
            alert.required_level = Some(required);
        }
        alerts.extend(alert);
        memory.standing = Some(standing);
    }
    if let Some(best) = view.and_then(CompanyView::best) {
        alerts.extend(expiry(registry, supplier, name, best, memory, now));
    }
    alerts
}

/// The expiry notice due for the supplier's best credential, if one is and was not given: only
/// the nearest notice (a credential first seen 20 days before its end gets the 30-day one).
fn expiry(
    registry: &str,
    supplier: &Supplier,
    name: Option<&str>,
    best: &ViewedCredential,
    memory: &mut SupplierMemory,
    now: Timestamp,
) -> Option<Alert> {
    let days = now.days_until(&best.valid_until);
    let notice = EXPIRY_NOTICES
        .iter()
        .copied()
        .filter(|&notice| days <= notice)
        .min()?;
    let given = memory.expiry_notices.get(&best.id).copied();
    if given.is_some_and(|given| given <= notice) {
        return None;
    }
    memory.expiry_notices.insert(best.id.clone(), notice);
    let number = supplier.number.as_str();
    let mut alert = Alert::new(AlertKind::Expiring, registry, Some((number, name)));
    alert.credential_id = Some(best.id.clone());
    alert.level = Some(best.level);
    alert.required_level = Some(supplier.required);
    alert.valid_until = Some(best.valid_until);
    alert.notice_days = Some(notice);
    let end = best.valid_until.date_in_japan().slashed();
    Some(alert.finish(
        &["expiring", &best.id, &notice.to_string()],
        format!(
            "★{} {} の有効期限 {end} まであと{days}日（{notice}日前の通知）",
            best.level, best.id
        ),
        format!(
            "★{} {} ends on {end} (JST), in {days} days ({notice}-day notice)",
            best.level, best.id
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn view(level: u8, until: &str) -> CompanyView {
        CompanyView {
            legal_name: Some("株式会社サンプル".into()),
            highest_level: Some(level),
            credentials: vec![ViewedCredential {
                id: "urn:uuid:0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f9a01".into(),
                level,
                state: "active".into(),
                valid_until: at(until),
                void: None,
            }],
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_code() {
        for kind in ChangeKind::ALL
            .into_iter()
            .map(AlertKind::Change)
            .chain(AlertKind::OWN)
        {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::json!(kind.code()));
            assert_eq!(serde_json::from_value::<AlertKind>(json).unwrap(), kind);
        }
        assert!(serde_json::from_value::<AlertKind>(serde_json::json!("x")).is_err());
    }

    fn kinds(alerts: &[Alert]) -> Vec<(AlertKind, Option<i64>)> {
        alerts.iter().map(|a| (a.kind, a.notice_days)).collect()
    }

    #[test]
    fn each_expiry_notice_is_given_once_and_only_the_nearest() {
        let supplier = Supplier {
            number: CorporateNumber::parse("7000012050002").unwrap(),
            required: 4,
        };
        let mut memory = SupplierMemory::default();
        let seen = view(4, "2027-04-01T00:00:00Z");
        let on = |memory: &SupplierMemory, date| {
            let mut memory = memory.clone();
            of_standing("r", &supplier, Some(&seen), &mut memory, at(date), 1)
        };
        assert_eq!(kinds(&on(&memory, "2026-11-01T00:00:00Z")), []);
        let first = of_standing(
            "r",
            &supplier,
            Some(&seen),
            &mut memory,
            at("2027-03-10T00:00:00Z"),
            1,
        );
        assert_eq!(kinds(&first), [(AlertKind::Expiring, Some(30))]);
        assert_eq!(
            kinds(&on(&memory, "2027-03-12T00:00:00Z")),
            [],
            "30 days given once"
        );
        assert_eq!(
            kinds(&on(&memory, "2027-03-26T00:00:00Z")),
            [(AlertKind::Expiring, Some(7))]
        );
        assert!(on(&memory, "2027-03-10T00:00:00Z").is_empty());
        // The same facts give the same id.
        let mut fresh = SupplierMemory {
            standing: Some(Standing::Meets),
            ..Default::default()
        };
        let twin = of_standing(
            "r",
            &supplier,
            Some(&seen),
            &mut fresh,
            at("2027-03-11T00:00:00Z"),
            9,
        );
        assert_eq!(twin[0].id, first[0].id);
    }

    #[test]
    fn a_standing_is_reported_when_it_changes_into_a_problem() {
        let supplier = Supplier {
            number: CorporateNumber::parse("7000012050002").unwrap(),
            required: 4,
        };
        let now = at("2026-11-01T00:00:00Z");
        let mut memory = SupplierMemory::default();
        let none = of_standing("r", &supplier, None, &mut memory, now, 1);
        assert_eq!(kinds(&none), [(AlertKind::NoCredential, None)]);
        assert!(of_standing("r", &supplier, None, &mut memory, now, 2).is_empty());
        let below = view(3, "2029-01-01T00:00:00Z");
        let alerts = of_standing("r", &supplier, Some(&below), &mut memory, now, 3);
        assert_eq!(kinds(&alerts), [(AlertKind::BelowRequired, None)]);
        assert!(alerts[0].line().contains("★不足"), "{}", alerts[0].line());
        let meets = view(4, "2029-01-01T00:00:00Z");
        assert!(of_standing("r", &supplier, Some(&meets), &mut memory, now, 4).is_empty());
        let gone = of_standing("r", &supplier, None, &mut memory, now, 5);
        assert_eq!(kinds(&gone), [(AlertKind::NoCredential, None)]);
        assert_ne!(gone[0].id, none[0].id, "a new occurrence is a new alert");
    }
}
