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
use scs_core::timestamp::Timestamp;
use scs_verifier::Question;

use super::orgs::query_param;
use super::verdict::{check_detail, headline, ordered_checks, reason_text};
use super::verify::scope_text;
use super::{
    date, date_time, judged_star, state_under_verdict, Frame, Lang, Nav, PageLang, PagePath,
};
use crate::app::AppState;
use scs_ledger::Ledger;

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
    let valid = report.as_ref().is_some_and(|r| r.verdict == Verdict::Valid);
    let status = StatusNow::of(&registered.record, report.as_ref(), now);
    let sheet = Sheet {
        credential: &typed,
        id: &id,
        log_index: registered.record.log_index,
        base: &base,
        issuer_en: super::issuer_name_en(&app.ledger, &typed.issuer.id),
        page_url: &page_url,
        qr_svg: &qr_svg,
        offline,
        checked_at: now,
        status: &status,
    };
    frame.render(
        StatusCode::OK,
        &title,
        html! {
            div.no-print {
                h1 { (lang.pick("★取得証明書", "★ credential")) }
                section class=(match report.as_ref().map(|r| r.verdict) { Some(Verdict::Valid) => "verdict valid", Some(Verdict::Unknown) => "verdict unknown", _ => "verdict invalid" }) aria-labelledby="now-h" {
                    p.verdict-label #now-h { (lang.pick("現在の判定", "Verdict now")) }
                    @if let Some(report) = &report {
                        p.verdict-word { (headline(report, Some(&registered.record), now, lang)) }
                    }
                    div.verdict-facts {
                        (judged_star(level, lang, valid))
                        div {
                            p { (lang.pick("状態: ", "Status: ")) (state_under_verdict(state, registered.record.reason, valid, lang)) }
                            p.small { (lang.pick("状態確認日時: ", "Status checked at: ")) time datetime=(now.to_string()) { (date_time(&now, lang)) } }
                        }
                    }
                    @if let Some(report) = &report {
                        @if report.verdict != Verdict::Valid {
                            ul.checks {
                                @for check in ordered_checks(report).into_iter().filter(|c| !c.ok) {
                                    li class=(if check.undecided { "undecided" } else { "fail" }) {
                                        span.mark aria-hidden="true" { (if check.undecided { "?" } else { "✗" }) }
                                        strong { (lang.pick(check.name.ja(), check.name.en())) } " "
                                        (check_detail(check, report.credential.as_ref(), lang))
                                    }
                                }
                            }
                        }
                    }
                }
                (print_actions(lang, &status, subject.corporate_number.as_ref(), &id))
                @if !registered.record.history.is_empty() {
                    section.card aria-labelledby="history-h" {
                        h2 #history-h { (lang.pick("経過", "History")) }
                        // Newest first, as on every page with a timeline (docs/DECISIONS.md).
                        ol.timeline reversed {
                            @for event in registered.record.history.iter().rev() {
                                li {
                                    time datetime=(event.at.to_string()) { (date(&event.at, lang)) }
                                    " " strong { (super::event_label(event, lang)) }
                                    @if let Some(reason) = super::shown_reason(event.event, event.reason) {
                                        " — " (lang.pick("理由: ", "reason: ")) (reason_text(reason, lang))
                                    }
                                    " · " a href=(format!("/v1/log/entries/{}", event.log_index)) { (lang.pick("台帳 #", "ledger #")) (event.log_index) }
                                }
                            }
                        }
                    }
                }
                h2 { (lang.pick("印刷用の証明書", "Printable certificate")) }
            }
            (certificate(lang, &sheet))
        },
    )
}

/// The credential's status as the certificate prints it, decided when the page is rendered.
struct StatusNow {
    /// The large mark of a credential that does not hold (`取消`, `REVOKED`), if it does not.
    mark: Option<(&'static str, &'static str)>,
    /// The status in words, Japanese: `取消（2026年11月28日・不正）`, `有効`.
    ja: String,
    /// The status in words, English.
    en: String,
    /// Whether the mark is information rather than a warning: a renewed credential was
    /// replaced, not withdrawn.
    informational: bool,
}

impl StatusNow {
    fn of(
        record: &scs_ledger::CredentialRecord,
        report: Option<&scs_core::report::Report>,
        now: Timestamp,
    ) -> Self {
        use scs_core::lifecycle::CredentialState as S;
        let state = record.state_at(now);
        let verdict = report.map(|r| r.verdict);
        let mark = match (state, verdict) {
            (S::Revoked, _) => Some(("取消", "REVOKED")),
            (S::Suspended, _) => Some(("一時停止", "SUSPENDED")),
            (S::Expired, _) => Some(("期限切れ", "EXPIRED")),
            (S::Superseded, _) => Some(("更新済み", "SUPERSEDED")),
            (S::NotYetValid, _) => Some(("有効期間前", "NOT YET VALID")),
            (S::Active, Some(Verdict::Valid)) => None,
            (S::Active, Some(Verdict::Unknown)) => Some(("判定不能", "UNDECIDED")),
            (S::Active, _) => Some(("無効", "NOT VALID")),
        };
        let words = |lang: Lang| {
            let why = report.map(|r| headline(r, Some(record), now, lang));
            match (mark, why) {
                (None, _) => lang.pick(state.ja(), state.en()).to_owned(),
                (Some(_), Some(line)) => line,
                (Some((ja, en)), None) => lang.pick(ja, en).to_owned(),
            }
        };
        Self {
            mark,
            ja: words(Lang::Ja),
            en: words(Lang::En),
            informational: state == S::Superseded,
        }
    }
}

/// The page's buttons: printing a credential that does not hold is offered as what it is —
/// a print that carries the mark — never as the certificate of a valid credential.
fn print_actions(
    lang: Lang,
    status: &StatusNow,
    number: Option<&scs_core::ids::CorporateNumber>,
    id: &CredentialId,
) -> Markup {
    html! {
        p.actions {
            @match status.mark {
                None => { button.primary type="button" data-print { (lang.pick("証明書を印刷する（A4）", "Print the certificate (A4)")) } }
                Some((ja, en)) => {
                    button.secondary type="button" data-print aria-describedby="print-help" {
                        (lang.pick("「", "Print with the ")) (lang.pick(ja, en)) (lang.pick("」の表示付きで印刷する", " mark"))
                    }
                }
            }
            " "
            @if let Some(n) = number {
                a.button.secondary href=(lang.href(&format!("/organizations/{n}"))) { (lang.pick("この会社の履歴", "This company's history")) }
            }
            " "
            a.button.secondary href=(format!("/v1/credentials/{id}")) { "JSON" }
        }
        @if let Some((ja, en)) = status.mark {
            p.help #print-help {
                (lang.pick("この証明書はいま有効ではありません。印刷すると、大きな「", "This credential does not hold now. A print carries a large "))
                (lang.pick(ja, en))
                (lang.pick("」の表示と状態確認日時が入り、有効な証明書としては使えません。", " mark and the time its status was checked; it cannot serve as a valid certificate."))
            }
        }
    }
}

/// What the printable certificate shows.
struct Sheet<'a> {
    credential: &'a scs_core::credential::AttainmentCredential,
    id: &'a CredentialId,
    log_index: u64,
    base: &'a str,
    /// The issuer's English name from the trust list, printed beside the one signed.
    issuer_en: Option<String>,
    page_url: &'a str,
    qr_svg: &'a str,
    offline: bool,
    /// When the registry rendered the page: the 状態確認日時 every print carries.
    checked_at: Timestamp,
    status: &'a StatusNow,
}

/// A date on the certificate: 西暦 with 和暦 beside it (only 西暦 before 令和).
fn cert_date(t: &Timestamp) -> String {
    let day = t.date_in_japan();
    match day.wareki() {
        Ok(era) => format!("{}（{era}）", day.ja_text()),
        Err(_) => day.ja_text(),
    }
}

fn certificate(lang: Lang, sheet: &Sheet<'_>) -> Markup {
    let credential = sheet.credential;
    let subject = &credential.credential_subject;
    let level = subject.achievement.level.get();
    let holds = sheet.status.mark.is_none();
    html! {
        article.certificate.void[!holds] aria-label=(lang.pick("★取得証明書（印刷用）", "★ certificate (printable)")) {
            header {
                p.cert-scheme { "サプライチェーン・セキュリティ評価制度" br; span lang="en" { "Supply Chain Security Evaluation Scheme (SCS)" } }
                h2.cert-title { "★取得証明書" span.cert-title-en lang="en" { "Certificate of ★ Attainment" } }
            }
            @if let Some((ja, en)) = sheet.status.mark {
                div.cert-mark.info[sheet.status.informational] role="note" {
                    p.cert-mark-word { (ja) " " span lang="en" { (en) } }
                    p.cert-mark-why { (sheet.status.ja) br; span lang="en" { (sheet.status.en) } }
                }
            }
            p.cert-company { (subject.legal_name) }
            @if let Some(en) = &subject.legal_name_en { p.cert-company-en lang="en" { (en) } }
            p.cert-star { span.cert-star-mark.greyed[!holds] { "★" (level) } }
            dl.cert-facts {
                @if let Some(n) = &subject.corporate_number {
                    dt { "法人番号" span lang="en" { " Corporate Number" } } dd.mono.corp-no { (n.as_str()) }
                }
                @if let Some(lei) = &subject.lei {
                    dt { "LEI" } dd.mono { (lei.as_str()) }
                }
                dt { "評価の方法" span lang="en" { " Method" } }
                dd { (subject.achievement.assessment_method.ja()) " / " (super::method_text(subject.achievement.assessment_method, Lang::En)) }
                dt { "対象範囲" span lang="en" { " Scope" } }
                dd { (scope_text(&subject.scope, Lang::Ja)) @if let scs_core::credential::Scope::WholeOrganization = subject.scope { " / whole organisation" } }
                dt { "有効期間" span lang="en" { " Valid" } }
                dd {
                    (cert_date(&credential.valid_from)) " – " (cert_date(&credential.valid_until))
                    br; span lang="en" { (date(&credential.valid_from, Lang::En)) " – " (date(&credential.valid_until, Lang::En)) }
                }
                dt { "評価基準" span lang="en" { " Criteria" } }
                dd { (subject.achievement.criteria_version) }
                dt { "発行者" span lang="en" { " Issuer" } }
                dd { (credential.issuer.name) @if let Some(en) = &sheet.issuer_en { br; span lang="en" { (en) } } }
                dt { "証明書ID" span lang="en" { " Credential id" } }
                dd.mono.small { (sheet.id.to_string()) }
                dt { "台帳" span lang="en" { " Ledger" } }
                dd { "#" (sheet.log_index) " — " (sheet.base) }
                dt { "状態確認日時" span lang="en" { " Status checked at" } }
                dd.cert-checked {
                    time datetime=(sheet.checked_at.to_string()) { (sheet.checked_at.jst_minute_ja()) }
                    " / " span lang="en" { (sheet.checked_at.jst_minute_en()) }
                    @let (ja, en) = sheet.status.mark.unwrap_or(("有効", "VALID"));
                    br; "この時点の状態: " (ja) " / " span lang="en" { "status then: " (en) }
                }
            }
            div.cert-qr {
                @if !sheet.qr_svg.is_empty() {
                    div.qr role="img" aria-label=(lang.pick("QRコード", "QR code")) { (PreEscaped(sheet.qr_svg)) }
                }
                p.small {
                    @if sheet.offline {
                        "このQRコードは発行者の署名付きです。読み取ると、インターネットなしでも真正性を確認できます。"
                        br; span lang="en" { "This QR code is signed by the issuer: scanning it verifies the credential, even offline." }
                        br; "現在の状態 / Status now:"
                    } @else {
                        "QRコードを読み取るか、次のURLで現在の有効性を確認できます。"
                        br; span lang="en" { "Scan the QR code or open this address to check that it is valid now:" }
                    }
                    br; span.mono.url { (sheet.page_url) }
                }
            }
            footer.cert-foot {
                p.small { "この証明書の有効性は、印刷した日ではなく確認した時点で判断してください。取消・一時停止は登録機関で公開されます。"
                    br; span lang="en" { "Judge validity when you check, not by the print date: revocations and suspensions are published by the registry." } }
            }
        }
    }
}
