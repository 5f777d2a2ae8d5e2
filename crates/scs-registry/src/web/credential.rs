//! `/credentials/{id}`: a registered credential, its live status and history, and a one-page A4
//! certificate to print.
//!
//! The certificate's QR code is the issuer's own compact credential (`SCS1:…`, verifiable
//! offline) when one is given in `?qr=` — the verify page passes it on after checking a QR
//! code — and it matches this credential and verifies against the trust list. The registry
//! holds no issuer key, so it cannot make that QR code itself; otherwise the certificate carries
//! a QR code of this page's address, which the verify page also accepts.

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup, PreEscaped};
use scs_core::ids::CredentialId;
use scs_core::report::{Message, Verdict};
use scs_verifier::Question;

use super::orgs::query_param;
use super::verify::scope_text;
use super::{date, star, state_label, Frame, Lang, Nav, PageLang, PagePath};
use crate::app::AppState;
use scs_ledger::{EventKind, Ledger};

/// Longest `?qr=` text considered (version 10 at level M holds 311 characters).
const MAX_QR_CHARS: usize = 1024;

/// The SVG of a QR code, without the XML prolog, sized by CSS.
pub(crate) fn svg_without_prolog(svg: &str) -> String {
    svg.find("<svg")
        .map(|start| svg[start..].to_owned())
        .unwrap_or_default()
}

/// The issuer's QR text, when it is for this credential and its signature verifies.
fn issuer_qr(ledger: &Ledger, id: &CredentialId, text: &str) -> Option<scs_qr::Symbol> {
    if text.len() > MAX_QR_CHARS {
        return None;
    }
    let report = ledger
        .verify_qr_text(text, &Question::at(super::now()))
        .ok()?;
    let signature_ok = report
        .check(scs_core::report::CheckName::Signature)
        .is_some_and(|c| c.ok);
    let same = report
        .credential
        .as_ref()
        .is_some_and(|f| f.id == id.to_string());
    (signature_ok && same)
        .then(|| scs_qr::Symbol::new(text).ok())
        .flatten()
}

/// A QR code of a text — a URL, a fingerprint — (byte mode, error correction M), as SVG.
pub(crate) fn text_qr(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// `GET /credentials/{id}`
pub async fn page(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    PagePath(id): PagePath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::None,
    };
    let full = if id.starts_with("urn:uuid:") {
        id.clone()
    } else {
        format!("urn:uuid:{id}")
    };
    let Ok(id) = CredentialId::parse(&full) else {
        return frame.problem(
            StatusCode::BAD_REQUEST,
            &Message::new("証明書IDが正しくありません", "Not a credential id"),
            &Message::new(
                "証明書IDは urn:uuid:… の形です。",
                "A credential id looks like urn:uuid:….",
            ),
        );
    };
    let registered = match app.ledger.credential(&id) {
        Ok(registered) => registered,
        Err(failure) => return super::unavailable(&frame, &failure),
    };
    let Some(registered) = registered else {
        return frame.problem(
            StatusCode::NOT_FOUND,
            &Message::new("証明書が見つかりません", "Credential not found"),
            &Message::new(
                format!("{id} はこの登録機関に登録されていません。"),
                format!("{id} is not registered at this registry."),
            ),
        );
    };
    let Some(typed) = registered.typed() else {
        return frame.problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Message::new("証明書を表示できません", "Cannot show the credential"),
            &Message::new(
                "登録された証明書を読めません。",
                "The registered credential cannot be read.",
            ),
        );
    };
    let now = super::now();
    let state = registered.record.state_at(now);
    let report = app
        .ledger
        .verify_credential(registered.credential.clone(), &Question::at(now))
        .ok();
    let base = app.ledger.identity().base_url.clone();
    let page_url = format!("{base}/credentials/{id}");
    let given_qr = query_param(query.as_deref(), "qr");
    let (qr_svg, offline) = match given_qr
        .as_deref()
        .and_then(|text| issuer_qr(&app.ledger, &id, text))
    {
        Some(symbol) => (svg_without_prolog(&symbol.to_svg()), true),
        None => (
            text_qr(&page_url)
                .map(|s| svg_without_prolog(&s))
                .unwrap_or_default(),
            false,
        ),
    };
    let subject = &typed.credential_subject;
    let level = subject.achievement.level.get();
    let title = format!("★{level} {}", subject.legal_name);
    frame.render(
        StatusCode::OK,
        &title,
        html! {
            div.no-print {
                h1 { (lang.pick("★取得証明書", "★ credential")) }
                section class=(match report.as_ref().map(|r| r.verdict) { Some(Verdict::Valid) => "verdict valid", Some(Verdict::Unknown) => "verdict unknown", _ => "verdict invalid" }) aria-labelledby="now-h" {
                    p.verdict-label #now-h { (lang.pick("現在の判定", "Verdict now")) }
                    div.verdict-facts {
                        (star(level, lang))
                        div {
                            @if let Some(report) = &report {
                                p.verdict-word { (match report.verdict { Verdict::Valid => "✓ ", Verdict::Invalid => "✗ ", Verdict::Unknown => "? " }) (lang.pick(report.verdict.ja(), report.verdict.en())) }
                            }
                            p { (lang.pick("状態: ", "Status: ")) (state_label(state, registered.record.reason, lang)) }
                        }
                    }
                    @if let Some(report) = &report {
                        @if report.verdict != Verdict::Valid {
                            ul.checks {
                                @for check in report.checks.iter().filter(|c| !c.ok) {
                                    li class=(if check.undecided { "undecided" } else { "fail" }) {
                                        span.mark aria-hidden="true" { (if check.undecided { "?" } else { "✗" }) }
                                        strong { (lang.pick(check.name.ja(), check.name.en())) } " "
                                        (lang.pick(&check.detail_ja, &check.detail))
                                    }
                                }
                            }
                        }
                    }
                }
                p.actions {
                    button.primary type="button" data-print { (lang.pick("証明書を印刷する（A4）", "Print the certificate (A4)")) }
                    " "
                    @if let Some(n) = &subject.corporate_number {
                        a.button.secondary href=(lang.href(&format!("/organizations/{n}"))) { (lang.pick("この会社の履歴", "This company's history")) }
                    }
                    " "
                    a.button.secondary href=(format!("/v1/credentials/{id}")) { "JSON" }
                }
                @if !registered.record.history.is_empty() {
                    section.card aria-labelledby="history-h" {
                        h2 #history-h { (lang.pick("経過", "History")) }
                        ol.timeline {
                            @for event in &registered.record.history {
                                li {
                                    time datetime=(event.at.to_string()) { (date(&event.at)) }
                                    " " strong { (super::event_label(event, lang)) }
                                    @if let Some(reason) = event.reason.filter(|_| event.event != EventKind::Registered) {
                                        " — " (lang.pick("理由: ", "reason: ")) (lang.pick(reason.ja(), reason.code()))
                                    }
                                    " · " a href=(format!("/v1/log/entries/{}", event.log_index)) { (lang.pick("台帳 #", "ledger #")) (event.log_index) }
                                }
                            }
                        }
                    }
                }
                h2 { (lang.pick("印刷用の証明書", "Printable certificate")) }
            }
            (certificate(lang, &typed, &id, registered.record.log_index, &base, &page_url, &qr_svg, offline))
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn certificate(
    lang: Lang,
    credential: &scs_core::credential::AttainmentCredential,
    id: &CredentialId,
    log_index: u64,
    base: &str,
    page_url: &str,
    qr_svg: &str,
    offline: bool,
) -> Markup {
    let subject = &credential.credential_subject;
    let level = subject.achievement.level.get();
    html! {
        article.certificate aria-label=(lang.pick("★取得証明書（印刷用）", "★ certificate (printable)")) {
            header {
                p.cert-scheme { "サプライチェーン・セキュリティ評価制度" br; span lang="en" { "Supply Chain Security Evaluation Scheme (SCS)" } }
                h2.cert-title { "★取得証明書" span.cert-title-en lang="en" { "Certificate of ★ Attainment" } }
            }
            p.cert-company { (subject.legal_name) }
            @if let Some(en) = &subject.legal_name_en { p.cert-company-en lang="en" { (en) } }
            p.cert-star { span.cert-star-mark { "★" (level) } }
            dl.cert-facts {
                @if let Some(n) = &subject.corporate_number {
                    dt { "法人番号" span lang="en" { " Corporate Number" } } dd.mono { (n.as_str()) }
                }
                @if let Some(lei) = &subject.lei {
                    dt { "LEI" } dd.mono { (lei.as_str()) }
                }
                dt { "評価の方法" span lang="en" { " Method" } }
                dd { (subject.achievement.assessment_method.ja()) " / " (super::method_text(subject.achievement.assessment_method, Lang::En)) }
                dt { "対象範囲" span lang="en" { " Scope" } }
                dd { (scope_text(&subject.scope, Lang::Ja)) @if let scs_core::credential::Scope::WholeOrganization = subject.scope { " / whole organisation" } }
                dt { "有効期間" span lang="en" { " Valid" } }
                dd { (date(&credential.valid_from)) " – " (date(&credential.valid_until)) }
                dt { "評価基準" span lang="en" { " Criteria" } }
                dd { (subject.achievement.criteria_version) }
                dt { "発行者" span lang="en" { " Issuer" } }
                dd { (credential.issuer.name) }
                dt { "証明書ID" span lang="en" { " Credential id" } }
                dd.mono.small { (id.to_string()) }
                dt { "台帳" span lang="en" { " Ledger" } }
                dd { "#" (log_index) " — " (base) }
            }
            div.cert-qr {
                @if !qr_svg.is_empty() {
                    div.qr role="img" aria-label=(lang.pick("QRコード", "QR code")) { (PreEscaped(qr_svg)) }
                }
                p.small {
                    @if offline {
                        "このQRコードは発行者の署名付きです。読み取ると、インターネットなしでも真正性を確認できます。"
                        br; span lang="en" { "This QR code is signed by the issuer: scanning it verifies the credential, even offline." }
                        br; "現在の状態 / Status now:"
                    } @else {
                        "QRコードを読み取るか、次のURLで現在の有効性を確認できます。"
                        br; span lang="en" { "Scan the QR code or open this address to check that it is valid now:" }
                    }
                    br; span.mono.url { (page_url) }
                }
            }
            footer.cert-foot {
                p.small { "この証明書の有効性は、印刷した日ではなく確認した時点で判断してください。取消・一時停止は登録機関で公開されます。"
                    br; span lang="en" { "Judge validity when you check, not by the print date: revocations and suspensions are published by the registry." } }
            }
        }
    }
}
