//! `/organizations?name=…|number=…` and `/organizations/{法人番号}`.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::lifecycle::{CredentialState, Reason};
use scs_core::report::Message;
use scs_core::timestamp::Timestamp;

use super::{
    date, judged_star, number_field, star, state_label, Frame, Lang, Nav, PageLang, PagePath,
};
use crate::app::AppState;
use scs_ledger::{NameMatch, OrganizationCredential};

/// Longest name searched, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Most search results shown.
const MAX_RESULTS: usize = 50;

/// Reads one parameter of a query string (percent- and plus-decoded).
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /organizations` — the search forms; with `number`, go to that company; with `name`,
/// the companies whose name contains it.
pub async fn search(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Lookup,
    };
    let number = query_param(query.as_deref(), "number").unwrap_or_default();
    let name = query_param(query.as_deref(), "name").unwrap_or_default();
    let title = lang.pick("会社を探す", "Look up a company");
    // A 法人番号, from its own box or typed into the name box.
    let in_name_box = number.trim().is_empty() && CorporateNumber::looks_typed(&name);
    if !number.trim().is_empty() || in_name_box {
        let typed = if in_name_box { &name } else { &number };
        return match CorporateNumber::parse_typed(typed) {
            Ok(n) => to_organization(lang, &n),
            Err(e) => {
                let why = scs_suppliers::corporate_number_message(typed, &e);
                let page = if in_name_box {
                    forms(lang, "", None, &name, Some(Err(why)))
                } else {
                    forms(lang, &number, Some(&why), &name, None)
                };
                frame.render(StatusCode::BAD_REQUEST, title, page)
            }
        };
    }
    if name.trim().is_empty() {
        return frame.render(StatusCode::OK, title, forms(lang, "", None, "", None));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        let why = Message::new(
            format!("会社名は{MAX_NAME_CHARS}文字までで検索してください"),
            format!("search with at most {MAX_NAME_CHARS} characters"),
        );
        let shown: String = name.chars().take(MAX_NAME_CHARS).collect();
        return frame.render(
            StatusCode::BAD_REQUEST,
            title,
            forms(lang, "", None, &shown, Some(Err(why))),
        );
    }
    let found = match app.ledger.search_names(&name, MAX_RESULTS, super::now()) {
        Ok(found) => found,
        Err(failure) => return super::unavailable(&frame, &failure),
    };
    frame.render(
        StatusCode::OK,
        title,
        forms(
            lang,
            "",
            None,
            &name,
            Some(Ok(results(&app.ledger, lang, &name, &found))),
        ),
    )
}

/// The company's page (by its 法人番号 as digits only).
fn to_organization(lang: Lang, number: &CorporateNumber) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            lang.href(&format!("/organizations/{}", number.as_str())),
        )],
    )
        .into_response()
}

/// The companies found, each with the ★ it holds, the state of the credential that says so and
/// its issuer.
fn results(ledger: &scs_ledger::Ledger, lang: Lang, name: &str, found: &[NameMatch]) -> Markup {
    html! {
        section.card aria-labelledby="results-h" #result tabindex="-1" {
            h2 #results-h {
                (lang.pick("「", "Companies matching “")) (name) (lang.pick("」を含む会社", "”"))
                " (" (found.len()) (lang.pick("件", "")) ")"
            }
            @if found.is_empty() {
                p { (lang.pick("見つかりませんでした。別の書き方（かな・漢字・英字）でもお試しください。", "Nothing found; try another spelling (kana, kanji or Latin letters).")) }
            } @else {
                ul.found {
                    @for company in found { li { (found_company(ledger, lang, company)) } }
                }
                @if found.len() >= MAX_RESULTS {
                    p.help { (lang.pick("最初の50件を表示しています。もっと詳しく入力してください。", "Showing the first 50; type more of the name.")) }
                }
            }
        }
    }
}

fn found_company(ledger: &scs_ledger::Ledger, lang: Lang, company: &NameMatch) -> Markup {
    html! {
        p.found-name {
            a href=(lang.href(&format!("/organizations/{}", company.corporate_number))) { (company.legal_name) }
            " "
            span.muted.small { (lang.pick("法人番号 ", "Corporate Number ")) span.mono.corp-no { (company.corporate_number) } }
        }
        @if let Some(c) = &company.credential {
            p.found-facts {
                (judged_star(c.level, lang, c.state == CredentialState::Active && c.void.is_none()))
                " "
                (state_label(c.state, c.reason, lang))
                @if c.void.is_some() { " " span.state.bad { (lang.pick("無効扱い", "Void")) } }
                " "
                span.small {
                    (lang.pick("有効期限 ", "valid until ")) (date(&c.valid_until, lang))
                    " · " (lang.pick("発行 ", "issued by ")) (super::issuer_name(ledger, &c.issuer.id, &c.issuer.name, lang))
                }
            }
        }
    }
}

/// What to do about a valid 法人番号 nothing is registered for.
fn unregistered_number(lang: Lang) -> Markup {
    html! {
        div.notice.warn role="status" {
            p { (lang.pick("この法人番号の★取得証明は、この登録機関に登録されていません。", "No ★ credential is registered in this registry for this corporate number.")) }
            p { (lang.pick("取引先に★取得証明書（PDF・JSON・QR コード）を求めてください。番号そのものは国税庁法人番号公表サイトで確かめられます: ", "Ask the supplier for its ★ certificate (PDF, JSON or QR code). You can check the number itself on the National Tax Agency's Corporate Number Publication Site: "))
                a href=(NTA_SITE) hreflang="ja" { (NTA_SITE) }
            }
        }
    }
}

/// The National Tax Agency's 法人番号公表サイト, where any 法人番号 can be looked up.
pub(crate) const NTA_SITE: &str = "https://www.houjin-bangou.nta.go.jp/";

fn forms(
    lang: Lang,
    number: &str,
    number_error: Option<&Message>,
    name: &str,
    results: Option<Result<Markup, Message>>,
) -> Markup {
    html! {
        h1 { (lang.pick("会社を探す", "Look up a company")) }
        div.two {
            form.card method="get" action="/organizations" novalidate {
                h2 { (lang.pick("法人番号で探す", "By corporate number")) }
                @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                (number_field(lang, number, number_error))
                button.primary type="submit" { (lang.pick("表示する", "Show")) }
            }
            form.card method="get" action="/organizations" role="search" {
                h2 { (lang.pick("会社名で探す", "By company name")) }
                @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                div.field {
                    label for="name" { (lang.pick("会社名（一部でも可）", "Company name (part of it is enough)")) }
                    input #name name="name" type="search" maxlength="200" value=(name) aria-describedby="name-help";
                    p.help #name-help { (lang.pick("ひらがな・カタカナ・フリガナ、全角・半角、小さい「ャ」などと「ヤ」、長音「ー」やハイフン、株式会社・(株) などの有無は区別しません。法人番号も入力できます。", "Hiragana and katakana (and the company's reading), full- and half-width forms, small and full kana, long-vowel marks and hyphens, case, spaces and 株式会社 / (株) are treated alike. A corporate number works too.")) }
                }
                @if let Some(Err(why)) = &results {
                    p.field-msg role="alert" { span.bad { (lang.msg(why)) } }
                }
                button.primary type="submit" { (lang.pick("検索する", "Search")) }
            }
        }
        @if let Some(Ok(results)) = results { (results) }
    }
}

/// One line of the timeline: when, what, which ★, why, where in the ledger, which credential.
type TimelineEntry<'a> = (
    Timestamp,
    String,
    u8,
    Option<Reason>,
    Option<u64>,
    &'a CredentialId,
);

/// `GET /organizations/{number}`
pub async fn organization(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    PagePath(number): PagePath<String>,
) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Lookup,
    };
    let number = match CorporateNumber::parse_typed(&number) {
        Ok(n) => n,
        Err(e) => {
            let why = scs_suppliers::corporate_number_message(&number, &e);
            return frame.render(
                StatusCode::BAD_REQUEST,
                lang.pick("会社を探す", "Look up a company"),
                forms(lang, &number, Some(&why), "", None),
            );
        }
    };
    let now = super::now();
    let view = match app.ledger.organization_view(&number, now) {
        Ok(view) => view,
        Err(failure) => return super::unavailable(&frame, &failure),
    };
    let credentials = &view.credentials;
    if credentials.is_empty() {
        return frame.render(
            StatusCode::NOT_FOUND,
            number.as_str(),
            html! {
                h1 { (lang.pick("法人番号 ", "Corporate Number ")) span.mono.corp-no { (number.as_str()) } }
                (unregistered_number(lang))
                p { a href=(lang.href("/organizations")) { (lang.pick("別の会社を探す", "Look up another company")) } }
            },
        );
    }
    let legal_name = view.legal_name.clone().unwrap_or_default();
    let legal_name_en = &view.legal_name_en;
    let highest = view.highest_level;
    let mut sorted: Vec<&OrganizationCredential> = credentials.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.log_index));
    // The timeline: every event of every credential, plus expiries that have passed.
    let mut timeline: Vec<TimelineEntry<'_>> = Vec::new();
    for c in credentials {
        for event in &c.history {
            timeline.push((
                event.at,
                super::event_label(event, lang).to_owned(),
                c.level,
                super::shown_reason(event.event, event.reason),
                Some(event.log_index),
                &c.id,
            ));
        }
        if c.state == CredentialState::Expired {
            timeline.push((
                c.valid_until,
                lang.pick("期限切れ", "Expired").to_owned(),
                c.level,
                None,
                None,
                &c.id,
            ));
        }
    }
    // Newest first, as on every page with a timeline (docs/DECISIONS.md); events of the same
    // second in reverse ledger order.
    timeline.sort_by_key(|e| std::cmp::Reverse((e.0, e.4)));
    let heads = [
        "★",
        lang.pick("状態", "Status"),
        lang.pick("有効期間", "Validity"),
        lang.pick("発行者", "Issuer"),
        lang.pick("台帳", "Ledger"),
        lang.pick("詳細", "Details"),
    ];
    let title = if legal_name.is_empty() {
        number.as_str().to_owned()
    } else {
        legal_name.clone()
    };
    frame.render(
        StatusCode::OK,
        &title,
        html! {
            h1 {
                (legal_name)
                @if let Some(en) = legal_name_en { " " span.en-name lang="en" { (en) } }
            }
            p { (lang.pick("法人番号 ", "Corporate Number ")) span.mono.corp-no { (number.as_str()) } }
            section class=(if highest.is_some() { "verdict valid" } else { "verdict invalid" }) aria-labelledby="highest-h" {
                p.verdict-label #highest-h { (lang.pick("現在有効な最高の★", "Highest ★ valid now")) }
                @match highest {
                    Some(level) => { div.verdict-facts { (star(level, lang)) p.verdict-word { "✓ " (lang.pick("有効", "Valid")) } } }
                    None => { p.verdict-word { "✗ " (lang.pick("現在有効な★はありません", "No ★ is valid now")) } }
                }
                p.help { (lang.pick("判定時点: ", "As of ")) time datetime=(now.to_string()) { (super::date_time(&now, lang)) } }
            }
            section.card aria-labelledby="creds-h" {
                h2 #creds-h { (lang.pick("★取得証明書", "★ credentials")) " (" (credentials.len()) ")" }
                div.table-wrap {
                    table.cards {
                        thead { tr { @for head in heads { th scope="col" { (head) } } } }
                        tbody {
                            @for c in &sorted {
                                tr {
                                    td data-label=(heads[0]) { (star(c.level, lang)) }
                                    td data-label=(heads[1]) {
                                        (state_label(c.state, c.reason, lang))
                                        @if let Some(void) = &c.void { br; span.small.bad { (lang.pick("無効扱い: ", "Void: ")) (lang.pick(&void.detail_ja, &void.detail)) } }
                                    }
                                    td.dates data-label=(heads[2]) { span.date { (date(&c.valid_from, lang)) } " – " span.date { (date(&c.valid_until, lang)) } }
                                    td data-label=(heads[3]) { (super::issuer_name(&app.ledger, &c.issuer.id, &c.issuer.name, lang)) }
                                    td data-label=(heads[4]) { a href=(format!("/v1/log/entries/{}", c.log_index)) { "#" (c.log_index) } }
                                    td data-label=(heads[5]) { a href=(lang.href(&format!("/credentials/{}", c.id))) { (lang.pick("証明書", "Credential")) } }
                                }
                            }
                        }
                    }
                }
            }
            section.card aria-labelledby="timeline-h" {
                h2 #timeline-h { (lang.pick("経過", "Timeline")) }
                ol.timeline reversed {
                    @for (at, label, level, reason, index, id) in &timeline {
                        li {
                            time datetime=(at.to_string()) { (date(at, lang)) }
                            " "
                            strong { (label) }
                            " ★" (level)
                            @if let Some(reason) = reason {
                                " — " (lang.pick("理由: ", "reason: ")) (lang.pick(reason.ja(), reason.code()))
                            }
                            @if let Some(index) = index {
                                " · " a href=(format!("/v1/log/entries/{index}")) { (lang.pick("台帳 #", "ledger #")) (index) }
                            }
                            " · " a href=(lang.href(&format!("/credentials/{id}"))) { (lang.pick("証明書", "credential")) }
                        }
                    }
                }
                p.help {
                    a href=(format!("/organizations/{}/feed.atom", number.as_str())) type="application/atom+xml" {
                        (lang.pick("この会社の変更を購読する（Atom フィード）", "Follow this company's changes (Atom feed)"))
                    }
                }
            }
        },
    )
}
