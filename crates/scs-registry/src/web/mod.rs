//! The registry's pages for people (SPEC §7, Web pages): Japanese by default, English with
//! `?lang=en`, at stable URLs.
//!
//! - `/` — verify: upload a QR image or a credential file, or paste QR text ([`verify`]).
//! - `/organizations?name=…`, `/organizations/{法人番号}` — look-up ([`orgs`]).
//! - `/credentials/{id}` — a credential with its printable A4 certificate ([`credential`]).
//! - `/issuers`, `/ledger` — the trust list and the transparency log ([`info`]).
//! - `/bulk` — a supplier CSV checked at once ([`bulk`], logic in [`scs_suppliers`]).
//! - `/evidence` — a signed result of a check printed on A4, and its JSON ([`evidence`]).
//! - `/api` — the API reference, from the OpenAPI document ([`api`]).
//!
//! Pages are rendered on the server with `maud`, which escapes every interpolated value; no
//! handler writes raw HTML from input. Every page is sent with a Content-Security-Policy that
//! allows only this registry's own stylesheet and script, so even a mistake in escaping would
//! execute nothing. The one script (`web/app.js`) only improves what works without it: the
//! 法人番号 check as the user types, the print button, the upload's file name.
//!
//! Bad input never becomes a 500: every failure is a page with a plain message and a 4xx
//! status (a ledger that cannot answer: 503, its cause logged). The pages ask the ledger what
//! the API asks it: [`scs_ledger::Ledger::organization_view`],
//! [`scs_ledger::Ledger::verify_credential`] and [`scs_ledger::Ledger::verify_qr_text`].

use std::convert::Infallible;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use scs_core::lifecycle::Reason;
use scs_core::report::Message;
use scs_core::timestamp::Timestamp;
use scs_ledger::{EventKind, HistoryEvent};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::limits::MAX_UPLOAD_BYTES;

pub mod api;
pub mod bulk;
pub mod credential;
pub mod evidence;
pub mod info;
pub mod orgs;
pub mod pdf;
pub mod verdict;
pub mod verify;

const STYLE: &str = include_str!("../../web/style.css");
const SCRIPT: &str = include_str!("../../web/app.js");

pub use scs_suppliers::Lang;

/// The language a page is asked in ([`Lang::from_query`]), as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Lang::from_query(parts.uri.query())))
    }
}

/// The page routes, merged into [`crate::router::app`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(verify::page).post(verify::submit))
        .route("/organizations", get(orgs::search))
        .route("/organizations/{number}", get(orgs::organization))
        // `/credentials/verify` and `/credentials/issue` (VC API) share this path: other methods
        // stay the API's "no such endpoint".
        .route(
            "/credentials/{id}",
            get(credential::page)
                .fallback(|| async { crate::error::ApiError::NotFound("no such endpoint".into()) }),
        )
        .route("/issuers", get(info::issuers))
        .route("/ledger", get(info::ledger))
        .route("/bulk", get(bulk::page).post(bulk::submit))
        .route("/evidence", get(evidence::page).post(evidence::submit))
        .route("/api", get(api::page))
        .route("/static/style.css", get(style))
        .route("/static/app.js", get(script))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// The current time, whole seconds (the workspace's one clock).
pub(crate) fn now() -> Timestamp {
    scs_issuer::now()
}

/// A date as people read it, in Japan: `2027年4月1日`, `1 Apr 2027`.
pub(crate) fn date(t: &Timestamp, lang: Lang) -> String {
    let day = t.date_in_japan();
    match lang {
        Lang::Ja => day.ja_text(),
        Lang::En => day.en_text(),
    }
}

/// A date and time as people read it, in Japan: `2027年4月1日 09:00（日本時間）`,
/// `1 Apr 2027, 09:00 JST`.
pub(crate) fn date_time(t: &Timestamp, lang: Lang) -> String {
    match lang {
        Lang::Ja => t.jst_minute_ja(),
        Lang::En => t.jst_minute_en(),
    }
}

/// A length of validity as people say it: whole calendar years (365 days and the leap days
/// they may hold) as `1年` / `3 years`, anything else in days.
pub(crate) fn validity_length(days: u32, lang: Lang) -> String {
    let years = (1u32..=10).find(|y| (365 * y..=365 * y + y.div_ceil(4)).contains(&days));
    match (years, lang) {
        (Some(y), Lang::Ja) => format!("{y}年"),
        (Some(1), Lang::En) => "1 year".to_owned(),
        (Some(y), Lang::En) => format!("{y} years"),
        (None, Lang::Ja) => format!("{days}日"),
        (None, Lang::En) => format!("{days} days"),
    }
}

/// An issuer's English name, from the trust list in force, when it lists the issuer with one.
pub(crate) fn issuer_name_en(ledger: &scs_ledger::Ledger, did: &str) -> Option<String> {
    let key = scs_core::keys::DidKey::parse(did).ok()?;
    ledger.trust_list().0.issuer(&key)?.name_en.clone()
}

/// An issuer's name as a page in `lang` shows it: on English pages the trust list's English
/// form ([`issuer_name_en`]), else — and on Japanese pages — the name the credential gives.
pub(crate) fn issuer_name(
    ledger: &scs_ledger::Ledger,
    did: &str,
    given: &str,
    lang: Lang,
) -> String {
    match lang {
        Lang::En => issuer_name_en(ledger, did).unwrap_or_else(|| given.to_owned()),
        Lang::Ja => given.to_owned(),
    }
}

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Verify,
    Lookup,
    Bulk,
    Issuers,
    Ledger,
    None,
}

/// What every page needs besides its body.
pub(crate) struct Frame<'a> {
    pub app: &'a AppState,
    pub lang: Lang,
    pub uri: &'a Uri,
    pub nav: Nav,
}

/// A file to download (a page's CSV or signed result): named, never cached, never sniffed.
pub(crate) fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `uri` with `lang` switched, for the language link.
fn switch_href(uri: &Uri, to: Lang) -> String {
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let mut query = kept.join("&");
    if to == Lang::En {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("lang=en");
    }
    if query.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{query}", uri.path())
    }
}

impl<'a> Frame<'a> {
    /// The frame of a page in `lang` at `uri`, under the navigation entry `nav`.
    pub(crate) fn new(app: &'a AppState, lang: Lang, uri: &'a Uri, nav: Nav) -> Self {
        Self {
            app,
            lang,
            uri,
            nav,
        }
    }

    /// The whole page, with the headers every page gets.
    pub(crate) fn render(&self, status: StatusCode, title: &str, body: Markup) -> Response {
        let lang = self.lang;
        let other = match lang {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        };
        let nav = [
            (Nav::Verify, "/", "検証", "Verify"),
            (Nav::Lookup, "/organizations", "検索", "Look up"),
            (Nav::Bulk, "/bulk", "一括確認", "Bulk check"),
            (Nav::Issuers, "/issuers", "指定機関一覧", "Trust list"),
            (Nav::Ledger, "/ledger", "台帳", "Ledger"),
        ];
        let demo = self.app.demo_issuer.is_some();
        let markup = html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — " (lang.pick("SCS ★ 登録機関", "SCS ★ Registry")) }
                    link rel="stylesheet" href="/static/style.css";
                    script src="/static/app.js" defer {}
                }
                body {
                    a.skip href="#main" { (lang.pick("本文へ移動", "Skip to content")) }
                    header.site {
                        div.bar {
                            a.brand href=(lang.href("/")) {
                                span.brand-star aria-hidden="true" { "★" }
                                span { (lang.pick("SCS評価制度 ★取得証明 登録機関", "SCS ★ Credential Registry")) }
                            }
                            a.lang-switch href=(switch_href(self.uri, other)) lang=(other.code()) hreflang=(other.code()) {
                                (lang.pick("English", "日本語"))
                            }
                        }
                        nav aria-label=(lang.pick("メニュー", "Main menu")) {
                            ul {
                                @for (which, path, ja, en) in nav {
                                    li {
                                        @if which == self.nav {
                                            a href=(lang.href(path)) aria-current="page" { (lang.pick(ja, en)) }
                                        } @else {
                                            a href=(lang.href(path)) { (lang.pick(ja, en)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if demo {
                        p.demo role="note" {
                            (lang.pick("デモ環境です。鍵・企業・証明書はすべて架空のデモ用データです。", "Demo registry: every key, company and credential here is fictional demo data."))
                        }
                    }
                    main #main tabindex="-1" { (body) }
                    footer.site {
                        p {
                            (lang.pick("サプライチェーン・セキュリティ評価制度（SCS評価制度）の★取得証明を登録・公開しています。", "Registers and publishes ★ credentials of Japan's Supply Chain Security evaluation scheme."))
                            " "
                            a href=(lang.href("/api")) { "API" } " · "
                            a href="/v1/trust-list" { (lang.pick("指定機関一覧（JSON）", "Trust list (JSON)")) } " · "
                            a href="/v1/log/checkpoint" { (lang.pick("チェックポイント", "Checkpoint")) }
                        }
                    }
                }
            }
        };
        page_response(status, markup)
    }

    /// A page that only says what went wrong.
    pub(crate) fn problem(
        &self,
        status: StatusCode,
        title: &Message,
        detail: &Message,
    ) -> Response {
        let lang = self.lang;
        self.render(
            status,
            lang.msg(title),
            html! {
                h1 { (lang.msg(title)) }
                @let (plain, technical) = verdict::fold(lang, lang.msg(detail));
                div.notice.error role="alert" { p { (plain) } (verdict::technical(lang, technical.as_deref())) }
                p { a href=(lang.href("/")) { (lang.pick("検証のページへ戻る", "Back to verification")) } }
            },
        )
    }
}

/// Headers for every page: no framing, no sniffing, no script or style from anywhere else.
fn page_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The "not found" page for unknown paths.
pub fn not_found(app: &AppState, uri: &Uri) -> Response {
    error_page(
        app,
        uri,
        StatusCode::NOT_FOUND,
        &Message::new("ページが見つかりません", "Page not found"),
        &Message::new(
            "このアドレスのページはありません。上のメニューから選んでください。",
            "There is no page at this address; choose one from the menu above.",
        ),
    )
}

/// The HTML error page of a request that no page handler reached, in the language its
/// query asks for.
fn error_page(
    app: &AppState,
    uri: &Uri,
    status: StatusCode,
    title: &Message,
    detail: &Message,
) -> Response {
    let frame = Frame {
        app,
        lang: Lang::from_query(uri.query()),
        uri,
        nav: Nav::None,
    };
    frame.problem(status, title, detail)
}

/// The page for a request not finished within [`crate::limits::REQUEST_TIMEOUT`].
pub fn timed_out(app: &AppState, uri: &Uri) -> Response {
    error_page(
        app,
        uri,
        StatusCode::REQUEST_TIMEOUT,
        &Message::new("時間切れです", "Request timed out"),
        &Message::new(
            "送信に時間がかかりすぎました。もう一度お試しください。",
            "The request took too long to arrive; please try again.",
        ),
    )
}

/// A page upload's permit ([`crate::limits::MAX_UPLOADS`]), if one is free.
pub(crate) fn upload_slot(app: &AppState) -> Option<tokio::sync::OwnedSemaphorePermit> {
    std::sync::Arc::clone(&app.uploads).try_acquire_owned().ok()
}

/// The page saying every upload permit is taken (503, `Retry-After`).
pub(crate) fn busy(frame: &Frame<'_>) -> Response {
    let mut page = frame.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        &Message::new("混み合っています", "The registry is busy"),
        &Message::new(
            "ただいま多くのファイルを処理しています。数秒後にもう一度送信してください。",
            "Many uploads are being checked right now; please send again in a few seconds.",
        ),
    );
    page.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    page
}

/// The page of a look-up the ledger could not answer, as the API's 503 answers it: a log entry
/// that fails its integrity check says so (the operator must restore the log), any other
/// failure is logged with its cause and the page says only that.
pub(crate) fn unavailable(frame: &Frame<'_>, failure: &scs_ledger::Failure) -> Response {
    if failure.is_corrupt_entry() {
        // Logged as an error where the entry was read.
        return frame.problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &Message::new(
                "台帳エントリが整合性検査に失敗しました",
                "Ledger entry failed its integrity check",
            ),
            &Message::new(
                "この情報は現在表示できません。登録機関の運営者に連絡してください。",
                "This cannot be shown now; please contact the registry's operator.",
            ),
        );
    }
    crate::error::log_unavailable(failure);
    frame.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        &Message::new("ただいま応答できません", "The registry cannot answer now"),
        &Message::new(
            "登録機関の台帳を読めませんでした。しばらくしてからもう一度お試しください。",
            "The registry could not read its ledger; please try again later.",
        ),
    )
}

/// What an event in a credential's history is called on the pages.
pub(crate) fn event_label(event: &HistoryEvent, lang: Lang) -> &'static str {
    match (event.event, event.reason) {
        (EventKind::Registered, _) => lang.pick("発行・登録", "Issued and registered"),
        (EventKind::Revoked, Some(Reason::Superseded)) => {
            lang.pick("更新済み（新しい証明書に置き換え）", "Superseded (renewed)")
        }
        (EventKind::Revoked, _) => lang.pick("取消", "Revoked"),
        (EventKind::Suspended, _) => lang.pick("一時停止", "Suspended"),
        (EventKind::Reinstated, _) => lang.pick("一時停止の解除", "Reinstated"),
    }
}

/// The reason an event in a history shows: a revocation's or suspension's own. A registration
/// has none, and a reinstatement shows none — its request must carry a reason code, but every
/// code says why a credential stops holding, so the one it carries (usually the suspension's)
/// would read as the lifting's own reason.
pub(crate) fn shown_reason(event: EventKind, reason: Option<Reason>) -> Option<Reason> {
    match event {
        EventKind::Revoked | EventKind::Suspended => reason,
        EventKind::Registered | EventKind::Reinstated => None,
    }
}

/// The page for a known address asked with a method it does not take.
pub fn method_not_allowed(app: &AppState, uri: &Uri) -> Response {
    error_page(
        app,
        uri,
        StatusCode::METHOD_NOT_ALLOWED,
        &Message::new("この操作はできません", "Method not allowed"),
        &Message::new(
            "このページはこの方法では開けません。上のメニューから選んでください。",
            "This page cannot be requested this way; choose one from the menu above.",
        ),
    )
}

/// A path parameter of a page: a malformed one (invalid UTF-8 once percent-decoded) is the
/// HTML error page rather than axum's plain-text rejection.
#[derive(Debug)]
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, app).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(_) => {
                let frame = Frame {
                    app,
                    lang: Lang::from_query(parts.uri.query()),
                    uri: &parts.uri,
                    nav: Nav::None,
                };
                Err(frame.problem(
                    StatusCode::BAD_REQUEST,
                    &Message::new("アドレスが正しくありません", "Malformed address"),
                    &Message::new(
                        "このアドレスは読めません。リンクを確かめてください。",
                        "This address cannot be read; check the link.",
                    ),
                ))
            }
        }
    }
}

/// How a level was assessed, in the words of SPEC §9.
pub(crate) fn method_text(
    method: scs_core::credential::AssessmentMethod,
    lang: Lang,
) -> &'static str {
    use scs_core::credential::AssessmentMethod as M;
    match method {
        M::SelfAssessmentWithExpertConfirmation => {
            lang.pick(method.ja(), "Self-assessment (confirmed by an expert)")
        }
        M::ThirdPartyEvaluation => lang.pick(method.ja(), "Third-party evaluation"),
    }
}

/// A ★ badge.
pub(crate) fn star(level: u8, lang: Lang) -> Markup {
    let label = match lang {
        Lang::Ja => format!("★{level}（星{level}）"),
        Lang::En => format!("★{level} (level {level})"),
    };
    html! { span class=(format!("star star{level}")) role="img" aria-label=(label) { "★" (level) } }
}

/// A ★ badge beside a verdict: greyed when the verdict is not valid, so that it does not look
/// like the badge of a credential that holds.
pub(crate) fn judged_star(level: u8, lang: Lang, valid: bool) -> Markup {
    if valid {
        return star(level, lang);
    }
    let label = match lang {
        Lang::Ja => format!("★{level}（星{level}、無効）"),
        Lang::En => format!("★{level} (level {level}, not valid)"),
    };
    html! { span class=(format!("star star{level} greyed")) role="img" aria-label=(label) { "★" (level) } }
}

/// A credential's state under a verdict: "active" under a verdict that failed for another
/// reason says only that it is neither revoked nor suspended, without the colour of a pass.
pub(crate) fn state_under_verdict(
    state: scs_core::lifecycle::CredentialState,
    reason: Option<scs_core::lifecycle::Reason>,
    valid: bool,
    lang: Lang,
) -> Markup {
    if state == scs_core::lifecycle::CredentialState::Active && !valid {
        return html! { span.state.plain { (lang.pick("取消・一時停止なし", "not revoked or suspended")) } };
    }
    state_label(state, reason, lang)
}

/// A credential state as a coloured label with its reason.
pub(crate) fn state_label(
    state: scs_core::lifecycle::CredentialState,
    reason: Option<scs_core::lifecycle::Reason>,
    lang: Lang,
) -> Markup {
    use scs_core::lifecycle::CredentialState as S;
    // A renewed credential was replaced, not withdrawn: information, not an error.
    let class = match state {
        S::Active => "state ok",
        S::Superseded => "state info",
        S::Suspended | S::NotYetValid => "state warn",
        S::Revoked | S::Expired => "state bad",
    };
    html! {
        span class=(class) { (lang.pick(state.ja(), state.en())) }
        // Only revocation and suspension are for a reason; the reason a record keeps after a
        // reinstatement is the lifted suspension's, which an expired credential must not show
        // as why it stopped holding (found in review).
        @if let Some(reason) = reason.filter(|_| matches!(state, S::Revoked | S::Suspended)) {
            " "
            span.reason {
                (lang.pick("理由: ", "reason: ")) (verdict::reason_text(reason, lang))
            }
        }
    }
}

/// The 法人番号 field with its as-you-type check (messages in `data-` attributes for the script).
pub(crate) fn number_field(lang: Lang, value: &str, error: Option<&Message>) -> Markup {
    html! {
        div.field {
            label for="number" { (lang.pick("法人番号（13桁）", "Corporate Number (13 digits)")) }
            input #number name="number" type="text" inputmode="numeric" autocomplete="off"
                maxlength="24" value=(value)
                aria-describedby="number-help number-msg"
                aria-invalid=[error.map(|_| "true")]
                data-msg-digits=(lang.pick("法人番号は13桁の数字です", "A corporate number is 13 digits"))
                data-msg-check=(lang.pick("チェックデジット（先頭の1桁）が合いません。打ち間違いがないか確かめてください", "The check digit (the first digit) does not match: check for a typo"))
                data-msg-ok=(lang.pick("チェックデジットは正しい形です", "Check digit is correct"));
            p.help #number-help { (lang.pick("例: 7000012050002（全角数字、ハイフン・空白の区切りも可）", "e.g. 7000012050002 (hyphens or spaces between the digits are fine)")) }
            p.field-msg #number-msg role="status" aria-live="polite" {
                @if let Some(error) = error { span.bad { (lang.msg(error)) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{state_label, Lang};
    use scs_core::lifecycle::{CredentialState, Reason};

    #[test]
    fn only_a_revocation_or_a_suspension_shows_its_reason() {
        let shown = |state| state_label(state, Some(Reason::Nonconformity), Lang::Ja).into_string();
        assert!(shown(CredentialState::Revoked).contains("理由"));
        assert!(shown(CredentialState::Suspended).contains("理由"));
        for state in [
            CredentialState::Active,
            CredentialState::Expired,
            CredentialState::Superseded,
            CredentialState::NotYetValid,
        ] {
            assert!(
                !shown(state).contains("理由"),
                "{state:?}: {}",
                shown(state)
            );
        }
    }
}
