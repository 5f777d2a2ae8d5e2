//! `/issuers` (the trust list) and `/ledger` (the transparency log).

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use scs_core::keys::DidKey;
use scs_core::lifecycle::Reason;
use scs_core::trust_list::{DesignatedIssuer, DesignationState, Role, TrustList};

use super::{date, Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use scs_ledger::{EventKind, LoggedEntrySummary, LoggedWrite};

/// Most recent log entries shown on `/ledger`.
const RECENT: u64 = 25;

fn role_text(role: Role, lang: Lang) -> &'static str {
    match role {
        Role::EvaluationBody => lang.pick("評価機関", "Evaluation body"),
        Role::ConfirmingExpertOrganization => lang.pick("確認者", "Confirming expert"),
    }
}

fn designation_text(state: DesignationState, lang: Lang) -> (&'static str, &'static str) {
    match state {
        DesignationState::Active => ("state ok", lang.pick("指定中", "Designated")),
        DesignationState::Suspended => ("state warn", lang.pick("指定の一時停止", "Suspended")),
        DesignationState::Withdrawn => ("state bad", lang.pick("指定取消", "Withdrawn")),
    }
}

/// `GET /issuers`
pub async fn issuers(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Issuers,
    };
    let (trust, index) = app.ledger.trust_list();
    frame.render(
        StatusCode::OK,
        lang.pick("指定機関一覧", "Trust list"),
        html! {
            h1 { (lang.pick("指定機関一覧", "Trust list")) }
            p.lead { (lang.pick(
                "制度運営主体が署名して公開する、★取得証明書を発行できる機関の一覧です。検証ではこの一覧で、署名した時点で発行者がその★について指定されていたかを確かめます。",
                "The list of bodies designated to issue ★ credentials, signed and published by the scheme operator. Verification checks against it that the issuer was designated for the ★ when it signed."
            )) }
            p { (lang.pick("版番号 ", "Edition ")) strong { (trust.sequence) } " · " (lang.pick("台帳 #", "ledger #")) (index)
                " · " a href="/v1/trust-list" { (lang.pick("署名付きの原本（JSON）", "signed original (JSON)")) } }
            (issuer_table(&trust, lang))
            section.card aria-labelledby="policy-h" {
                h2 #policy-h { (lang.pick("制度の方針", "Policy")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "★" }
                        th scope="col" { (lang.pick("評価の方法", "Assessment method")) }
                        th scope="col" { (lang.pick("最長の有効期間", "Longest validity")) }
                    } }
                    tbody {
                        @for rule in &trust.policy.level_rules {
                            tr {
                                td { "★" (rule.level.get()) }
                                td { (super::method_text(rule.assessment_method, lang)) }
                                td { (super::validity_length(rule.max_validity_days, lang)) }
                            }
                        }
                    }
                } }
            }
            section.card aria-labelledby="registry-h" {
                h2 #registry-h { (lang.pick("登録機関の鍵", "Registry keys")) }
                dl.facts {
                    dt { (lang.pick("アドレス", "Address")) } dd.mono { (trust.registry.base_url) }
                    dt { (lang.pick("失効リストの署名鍵", "Status list key")) } dd.mono.small { (trust.registry.status_key) }
                    dt { (lang.pick("台帳の署名鍵", "Log key")) } dd.mono.small { (trust.registry.log_key) }
                    dt { (lang.pick("制度運営主体の鍵", "Scheme operator key")) } dd.mono.small { (app.ledger.identity().operator.to_string()) }
                }
            }
        },
    )
}

fn issuer_table(trust: &TrustList, lang: Lang) -> Markup {
    html! {
        div.table-wrap { table {
            caption.visually-hidden { (lang.pick("指定機関", "Designated issuers")) }
            thead { tr {
                th scope="col" { (lang.pick("名称", "Name")) }
                th scope="col" { (lang.pick("役割", "Role")) }
                th scope="col" { (lang.pick("発行できる★", "★ it may issue")) }
                th scope="col" { (lang.pick("指定期間", "Designated")) }
                th scope="col" { (lang.pick("状態", "Status")) }
                th scope="col" { (lang.pick("連絡先・サイト", "Contact and site")) }
            } }
            tbody {
                @for issuer in &trust.issuers {
                    @let (class, state) = designation_text(issuer.status.state, lang);
                    tr {
                        td {
                            @match (lang, &issuer.name_en) {
                                (Lang::En, Some(en)) => { (en) br; span.muted { (issuer.name) } }
                                _ => { (issuer.name) }
                            }
                            br; span.mono.small.muted title=(issuer.id) { (short_key(&issuer.id)) }
                        }
                        td { @for (i, role) in issuer.roles.iter().enumerate() { @if i > 0 { br; } (role_text(*role, lang)) } }
                        td { @for l in &issuer.levels { "★" (l.get()) " " } }
                        td { (date(&issuer.valid_from, lang)) " – " @if let Some(until) = &issuer.valid_until { (date(until, lang)) } }
                        td {
                            span class=(class) { (state) }
                            @if let Some(since) = &issuer.status.since { br; span.small { (lang.pick("開始 ", "since ")) (date(since, lang)) } }
                            @if let Some(since) = &issuer.status.compromised_since {
                                br; span.small.bad { (lang.pick("鍵の漏えい: ", "key compromised: ")) (date(since, lang)) (lang.pick(" 以降の署名は無効", "; signatures since are void")) }
                            }
                        }
                        td { (contact_and_site(issuer, lang)) }
                    }
                }
            }
        } }
    }
}

/// How to reach an issuer, as links: its e-mail, its telephone number and its site, each
/// labelled for a screen reader; a dash when the trust list gives none.
fn contact_and_site(issuer: &DesignatedIssuer, lang: Lang) -> Markup {
    let contact = issuer.contact.as_ref();
    let email = contact.and_then(|c| c.email.as_deref());
    let phone = contact.and_then(|c| c.phone.as_deref().zip(c.phone_href()));
    html! {
        @if let Some(email) = email {
            span.small { (lang.pick("メール: ", "E-mail: ")) a href=(format!("mailto:{email}")) { (email) } } br;
        }
        @if let Some((phone, href)) = &phone {
            span.small { (lang.pick("電話: ", "Phone: ")) a href=(href) { (phone) } } br;
        }
        @if let Some(url) = &issuer.url {
            span.small { (lang.pick("サイト: ", "Site: ")) a href=(url) rel="noopener noreferrer" { (url.trim_start_matches("https://").trim_end_matches('/')) } }
        }
        @if email.is_none() && phone.is_none() && issuer.url.is_none() {
            span.muted { "—" }
        }
    }
}

fn short_key(did: &str) -> String {
    if did.chars().count() > 28 {
        let head: String = did.chars().take(20).collect();
        let tail: String = did
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    } else {
        did.to_owned()
    }
}

/// One log entry in words.
struct Event {
    index: u64,
    at: String,
    what: String,
    who: String,
    link: Option<String>,
}

fn describe(operator: &DidKey, trust: &TrustList, entry: LoggedEntrySummary, lang: Lang) -> Event {
    let at = entry
        .signed_at
        .map(|t| t.to_string().replace('T', " ").replace('Z', " UTC"))
        .unwrap_or_default();
    let who = match &entry.signer {
        Some(signer) if signer == operator => {
            lang.pick("制度運営主体", "Scheme operator").to_owned()
        }
        Some(signer) => trust
            .issuer(signer)
            .map(|i| match (lang, &i.name_en) {
                (Lang::En, Some(en)) => en.clone(),
                _ => i.name.clone(),
            })
            .unwrap_or_else(|| short_key(&signer.to_string())),
        None => String::new(),
    };
    let because = |reason: Option<Reason>| {
        reason
            .map(|r| {
                format!(
                    " — {}{}",
                    lang.pick("理由: ", "reason: "),
                    lang.pick(r.ja(), r.code())
                )
            })
            .unwrap_or_default()
    };
    let (what, link) = match entry.write {
        LoggedWrite::TrustListEdition { sequence } => (
            format!(
                "{} {sequence}",
                lang.pick("指定機関一覧の版", "Trust list edition")
            ),
            Some("/issuers".to_owned()),
        ),
        LoggedWrite::StatusAllocation => (
            lang.pick("失効リストの番号を予約", "Status entries reserved")
                .to_owned(),
            None,
        ),
        LoggedWrite::Registration {
            id,
            level,
            legal_name,
        } => (
            format!("{} ★{level} {legal_name}", lang.pick("登録", "Registered")),
            Some(format!("/credentials/{id}")),
        ),
        LoggedWrite::StatusChange {
            event,
            target,
            reason,
        } => {
            let word = match event {
                EventKind::Revoked => lang.pick("取消", "Revoked"),
                EventKind::Suspended => lang.pick("一時停止", "Suspended"),
                EventKind::Reinstated => lang.pick("一時停止の解除", "Reinstated"),
                EventKind::Registered => lang.pick("登録", "Registered"),
            };
            (
                format!("{word}{}", because(reason)),
                Some(format!("/credentials/{target}")),
            )
        }
        _ => (lang.pick("その他", "Other").to_owned(), None),
    };
    Event {
        index: entry.index,
        at,
        what,
        who,
        link,
    }
}

/// `GET /ledger`
pub async fn ledger(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Ledger,
    };
    let (size, checkpoint) = app.ledger.checkpoint();
    let (trust, _) = app.ledger.trust_list();
    let operator = &app.ledger.identity().operator;
    let entries: Result<Vec<_>, _> = (size.saturating_sub(RECENT)..size)
        .rev()
        .map(|i| app.ledger.logged_entry_summary(i))
        .collect();
    let events: Vec<Event> = match entries {
        Ok(entries) => entries
            .into_iter()
            .map(|entry| describe(operator, &trust, entry, lang))
            .collect(),
        Err(failure) => return super::unavailable(&frame, &failure),
    };
    let base = trust.registry.base_url.trim_end_matches('/').to_owned();
    frame.render(
        StatusCode::OK,
        lang.pick("台帳", "Ledger"),
        html! {
            h1 { (lang.pick("台帳（透明性ログ）", "Ledger (transparency log)")) }
            p.lead { (lang.pick(
                "登録・取消・一時停止・指定機関一覧の改版は、すべて署名付きの文書のまま追記専用の台帳に記録されます。誰でも台帳が書き換えられていないこと（追記だけであること）を確かめられます。",
                "Every registration, revocation, suspension and trust list edition is appended, as the signed document itself, to an append-only log. Anyone can check that the log was only ever appended to."
            )) }
            dl.facts {
                dt { (lang.pick("記録数", "Entries")) } dd { strong #log-size { (size) } }
                dt { (lang.pick("ログの名前", "Log origin")) } dd.mono { (app.ledger.origin()) }
                dt { (lang.pick("台帳の署名鍵", "Log key")) } dd.mono.small { (app.ledger.log_key().did_key().to_string()) }
            }
            section.card aria-labelledby="cp-h" {
                h2 #cp-h { (lang.pick("最新のチェックポイント（署名付き）", "Latest checkpoint (signed)")) }
                pre.checkpoint { (checkpoint.as_str()) }
                p { a href="/v1/log/checkpoint" { "/v1/log/checkpoint" } }
            }
            section.card aria-labelledby="recent-h" {
                h2 #recent-h { (lang.pick("最近の記録", "Recent entries")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (lang.pick("日時（署名者の申告）", "Time (as signed)")) }
                        th scope="col" { (lang.pick("内容", "What")) }
                        th scope="col" { (lang.pick("署名者", "Signed by")) }
                    } }
                    tbody {
                        @for e in &events {
                            tr {
                                td { a href=(format!("/v1/log/entries/{}", e.index)) { (e.index) } }
                                td.small { (e.at) }
                                td { @if let Some(link) = &e.link { a href=(lang.href(link)) { (e.what) } } @else { (e.what) } }
                                td { (e.who) }
                            }
                        }
                    }
                } }
            }
            section.card aria-labelledby="audit-h" {
                h2 #audit-h { (lang.pick("監査の方法", "How to audit")) }
                p { (lang.pick(
                    "チェックポイントを保存しておき、後で新しいチェックポイントがその続きであること（過去の記録が消されたり書き換えられたりしていないこと）を確かめます。",
                    "Save a checkpoint now; later, check that the new checkpoint extends it (nothing recorded was removed or changed)."
                )) }
                pre.code { "scs log audit --registry " (base) " --operator-key operator.pub --save checkpoint.txt\n"
                    "# " (lang.pick("後日", "later")) "\n"
                    "scs log audit --registry " (base) " --operator-key operator.pub --since checkpoint.txt" }
                p { (lang.pick(
                    "台帳は C2SP tlog-tiles 形式で公開しています（/v1/log/tile/…）。包含証明は /v1/log/proof/inclusion、整合性証明は /v1/log/proof/consistency です。",
                    "The log is published in the C2SP tlog-tiles layout (/v1/log/tile/…); inclusion proofs at /v1/log/proof/inclusion, consistency proofs at /v1/log/proof/consistency."
                )) }
            }
        },
    )
}
