//! `/issuers` (the trust list) and `/ledger` (the transparency log).

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use scs_core::keys::DidKey;
use scs_core::lifecycle::Reason;
use scs_core::trust_list::{DesignatedIssuer, DesignationState, Role, TrustList};

use super::{date, Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use scs_core::report::Message;
use scs_ledger::{EntryCompany, EventKind, Ledger, LoggedEntrySummary, LoggedWrite};

use super::orgs::query_param;

/// Log entries shown on one page of `/ledger`.
pub const LEDGER_PAGE: u64 = 50;

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
                @let heads = ["★", lang.pick("評価の方法", "Assessment method"), lang.pick("最長の有効期間", "Longest validity")];
                div.table-wrap { table.cards {
                    thead { tr { @for head in heads { th scope="col" { (head) } } } }
                    tbody {
                        @for rule in &trust.policy.level_rules {
                            tr {
                                td data-label=(heads[0]) { "★" (rule.level.get()) }
                                td data-label=(heads[1]) { (super::method_text(rule.assessment_method, lang)) }
                                td data-label=(heads[2]) { (super::validity_length(rule.max_validity_days, lang)) }
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
    let heads = [
        lang.pick("名称", "Name"),
        lang.pick("役割", "Role"),
        lang.pick("発行できる★", "★ it may issue"),
        lang.pick("指定期間", "Designated"),
        lang.pick("状態", "Status"),
        lang.pick("連絡先・サイト", "Contact and site"),
    ];
    html! {
        div.table-wrap { table.cards {
            caption.visually-hidden { (lang.pick("指定機関", "Designated issuers")) }
            thead { tr { @for head in heads { th scope="col" { (head) } } } }
            tbody {
                @for issuer in &trust.issuers {
                    @let (class, state) = designation_text(issuer.status.state, lang);
                    tr {
                        td data-label=(heads[0]) {
                            @match (lang, &issuer.name_en) {
                                (Lang::En, Some(en)) => { (en) br; span.muted { (issuer.name) } }
                                _ => { (issuer.name) }
                            }
                            (issuer_keys(issuer, lang))
                        }
                        td data-label=(heads[1]) { @for (i, role) in issuer.roles.iter().enumerate() { @if i > 0 { br; } (role_text(*role, lang)) } }
                        td data-label=(heads[2]) { @for l in &issuer.levels { "★" (l.get()) " " } }
                        td data-label=(heads[3]) { (date(&issuer.valid_from, lang)) " – " @if let Some(until) = &issuer.valid_until { (date(until, lang)) } }
                        td data-label=(heads[4]) {
                            span class=(class) { (state) }
                            @if let Some(since) = &issuer.status.since { br; span.small { (lang.pick("開始 ", "since ")) (date(since, lang)) } }
                            @if let Some(since) = &issuer.status.compromised_since {
                                br; span.small.bad { (lang.pick("鍵の漏えい: ", "key compromised: ")) (date(since, lang)) (lang.pick(" 以降の署名は無効", "; signatures since are void")) }
                            }
                        }
                        td data-label=(heads[5]) { (contact_and_site(issuer, lang)) }
                    }
                }
            }
        } }
    }
}

/// An issuer's keys, under its name: its one key, or (once it has replaced one) each key with
/// the window in which it signs and any compromise, so that a reader can see which key signed
/// a credential when.
fn issuer_keys(issuer: &DesignatedIssuer, lang: Lang) -> Markup {
    html! {
        @for key in issuer.key_uses() {
            br; span.mono.small.muted title=(key.id) { (short_key(key.id)) }
            @if let Some(from) = &key.from {
                " " span.small { "（" (lang.pick("署名用 ", "signs ")) (date(from, lang)) " – " @if let Some(until) = &key.until { (date(until, lang)) } @else { (lang.pick("現在の鍵", "current key")) } "）" }
            }
            @if let Some(since) = &key.compromised_since {
                " " span.small.bad { (lang.pick("漏えい: ", "compromised: ")) (date(since, lang)) (lang.pick(" 以降の署名は無効", "; signatures since are void")) }
            }
        }
    }
}

/// A `mailto:` link to `email`, every byte but letters, digits, `@` and `.-_~+` percent-encoded:
/// the trust list's e-mail rule allows `#`, `?`, `&` and `%`, which in a URL would cut the
/// address or add headers (found in review).
fn mailto(email: &str) -> String {
    let mut link = String::from("mailto:");
    for byte in email.bytes() {
        if byte.is_ascii_alphanumeric() || b"@.-_~+".contains(&byte) {
            link.push(char::from(byte));
        } else {
            link.push_str(&format!("%{byte:02X}"));
        }
    }
    link
}

/// How to reach an issuer, as links: its e-mail, its telephone number and its site, each
/// labelled for a screen reader; a dash when the trust list gives none.
fn contact_and_site(issuer: &DesignatedIssuer, lang: Lang) -> Markup {
    let contact = issuer.contact.as_ref();
    let email = contact.and_then(|c| c.email.as_deref());
    let phone = contact.and_then(|c| c.phone.as_deref().zip(c.phone_href()));
    html! {
        @if let Some(email) = email {
            span.small { (lang.pick("メール: ", "E-mail: ")) a href=(mailto(email)) { (email) } } br;
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
    /// The company the entry concerns, if it concerns one.
    company: Option<EntryCompany>,
}

/// The company an entry concerns: the one a registration names, or the one of the credential
/// a status change is about.
fn entry_company(
    ledger: &Ledger,
    write: &LoggedWrite,
) -> Result<Option<EntryCompany>, scs_ledger::Failure> {
    match write {
        LoggedWrite::Registration { company, .. } => Ok(Some(company.clone())),
        LoggedWrite::StatusChange { target, .. } => ledger.credential_company(target),
        _ => Ok(None),
    }
}

fn describe(
    operator: &DidKey,
    trust: &TrustList,
    entry: LoggedEntrySummary,
    company: Option<EntryCompany>,
    lang: Lang,
) -> Event {
    let at = entry
        .signed_at
        .map(|t| super::date_time(&t, lang))
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
        LoggedWrite::Registration { id, level, .. } => (
            format!("{} ★{level}", lang.pick("登録", "Registered")),
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
                format!("{word}{}", because(super::shown_reason(event, reason))),
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
        company,
    }
}

/// Which entries a page of `/ledger` shows, newest first: from `?from=` (the newest entry on
/// the page; past the end means the newest) down, at most [`LEDGER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LedgerPage {
    /// The newest entry shown.
    top: u64,
    /// The oldest entry shown.
    bottom: u64,
    /// The log's size.
    size: u64,
}

impl LedgerPage {
    /// The page of a log of `size` entries asked by `from` (`None`: the newest); `None` for an
    /// empty log.
    fn of(size: u64, from: Option<u64>) -> Option<Self> {
        let newest = size.checked_sub(1)?;
        let top = from.map_or(newest, |from| from.min(newest));
        Some(Self {
            top,
            bottom: (top + 1).saturating_sub(LEDGER_PAGE),
            size,
        })
    }

    /// The `from` of the page of newer entries, if there are any.
    fn newer(&self) -> Option<u64> {
        (self.top + 1 < self.size).then(|| (self.top + LEDGER_PAGE).min(self.size - 1))
    }

    /// The `from` of the page of older entries, if there are any.
    fn older(&self) -> Option<u64> {
        self.bottom.checked_sub(1)
    }
}

/// The events of a page of the ledger, newest first, each with its company.
fn page_events(
    app: &AppState,
    page: Option<LedgerPage>,
    lang: Lang,
) -> Result<Vec<Event>, scs_ledger::Failure> {
    let Some(page) = page else {
        return Ok(Vec::new());
    };
    let (trust, _) = app.ledger.trust_list();
    let operator = &app.ledger.identity().operator;
    (page.bottom..=page.top)
        .rev()
        .map(|i| {
            let entry = app.ledger.logged_entry_summary(i)?;
            let company = entry_company(&app.ledger, &entry.write)?;
            Ok(describe(operator, &trust, entry, company, lang))
        })
        .collect()
}

/// A log index as `?from=` gives it: digits, any number of them (past the end of the log is
/// the newest page, however far past).
fn log_index(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// `GET /ledger?from=…`
pub async fn ledger(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Ledger,
    };
    let (size, checkpoint) = app.ledger.checkpoint();
    let from = match query_param(query.as_deref(), "from").map(|from| log_index(from.trim())) {
        None => None,
        Some(Some(from)) => Some(from),
        Some(None) => {
            return frame.problem(
                StatusCode::BAD_REQUEST,
                &Message::new(
                    "台帳のページ番号が正しくありません",
                    "Malformed ledger page",
                ),
                &Message::new(
                    "from には台帳の記録番号（0 以上の整数）を指定してください。",
                    "from takes a log index (a whole number, 0 or more).",
                ),
            )
        }
    };
    let page = LedgerPage::of(size, from);
    let events = match page_events(&app, page, lang) {
        Ok(events) => events,
        Err(failure) => return super::unavailable(&frame, &failure),
    };
    let (trust, _) = app.ledger.trust_list();
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
            (entries_section(lang, page, &events))
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

/// The page's entries, newest first, with the links to the newer and older pages.
fn entries_section(lang: Lang, page: Option<LedgerPage>, events: &[Event]) -> Markup {
    let heads = [
        "#",
        lang.pick("日時（署名者の申告）", "Time (as signed)"),
        lang.pick("内容", "What"),
        lang.pick("会社", "Company"),
        lang.pick("署名者", "Signed by"),
    ];
    html! {
        section.card aria-labelledby="entries-h" #entries {
            h2 #entries-h {
                (lang.pick("記録", "Entries"))
                @if let Some(page) = page { " #" (page.top) " – #" (page.bottom) }
            }
            div.table-wrap { table.cards {
                thead { tr { @for head in heads { th scope="col" { (head) } } } }
                tbody {
                    @for e in events {
                        tr {
                            td data-label=(heads[0]) { a href=(format!("/v1/log/entries/{}", e.index)) { (e.index) } }
                            td.small data-label=(heads[1]) { (e.at) }
                            td data-label=(heads[2]) { @if let Some(link) = &e.link { a href=(lang.href(link)) { (e.what) } } @else { (e.what) } }
                            td.company data-label=(heads[3]) { @if let Some(company) = &e.company { (company_cell(lang, company)) } }
                            td data-label=(heads[4]) { (e.who) }
                        }
                    }
                }
            } }
            @if let Some(page) = page { (pager(lang, page)) }
        }
    }
}

/// A company in the ledger's table: its name, and its 法人番号 leading to its page.
fn company_cell(lang: Lang, company: &EntryCompany) -> Markup {
    html! {
        @match (lang, &company.legal_name_en) {
            (Lang::En, Some(en)) => { (en) br; span.muted lang="ja" { (company.legal_name) } }
            _ => { (company.legal_name) }
        }
        @if let Some(n) = &company.corporate_number {
            br;
            a.mono.corp-no href=(lang.href(&format!("/organizations/{}", n.as_str()))) { (n.as_str()) }
        }
    }
}

/// The links to the newer and older pages of the ledger: plain links, no script.
fn pager(lang: Lang, page: LedgerPage) -> Markup {
    // The fragment after the query: the page opens at its entries.
    let href = |from: u64| format!("{}#entries", lang.href(&format!("/ledger?from={from}")));
    html! {
        nav.pager aria-label=(lang.pick("台帳のページ", "Ledger pages")) {
            @if let Some(from) = page.newer() {
                a rel="prev" href=(href(from)) { "← " (lang.pick("新しい記録", "Newer entries")) }
            }
            @if let Some(from) = page.older() {
                a rel="next" href=(href(from)) { (lang.pick("古い記録", "Older entries")) " →" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_link_keeps_the_whole_address() {
        assert_eq!(mailto("desk@example.jp"), "mailto:desk@example.jp");
        assert_eq!(mailto("desk#1@example.jp"), "mailto:desk%231@example.jp");
        assert_eq!(mailto("a?cc=x@example.jp"), "mailto:a%3Fcc%3Dx@example.jp");
    }

    #[test]
    fn ledger_pages_run_from_the_newest_down_to_entry_zero() {
        assert_eq!(LedgerPage::of(0, None), None);
        let newest = LedgerPage::of(120, None).unwrap();
        assert_eq!((newest.top, newest.bottom), (119, 70));
        assert_eq!((newest.newer(), newest.older()), (None, Some(69)));
        let middle = LedgerPage::of(120, Some(69)).unwrap();
        assert_eq!((middle.top, middle.bottom), (69, 20));
        assert_eq!((middle.newer(), middle.older()), (Some(119), Some(19)));
        let last = LedgerPage::of(120, Some(19)).unwrap();
        assert_eq!((last.top, last.bottom), (19, 0));
        assert_eq!((last.newer(), last.older()), (Some(69), None));
        // Past the end: the newest page.
        assert_eq!(LedgerPage::of(120, Some(10_000)), Some(newest));
    }
}
