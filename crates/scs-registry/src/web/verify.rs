//! `/`: verify a credential from a QR image, a credential file or pasted QR text.

use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use scs_core::credential::Level;
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::report::{Message, Report, Verdict};
use scs_verifier::Question;
use serde_json::Value;

use super::verdict::{check_detail, fold, headline, ordered_checks, verdict_text};
use super::{date, judged_star, number_field, state_under_verdict, Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use crate::limits::{MAX_IMAGE_PIXELS, MAX_UPLOAD_BYTES};
use scs_ledger::{Ledger, VerifiedInput};

/// Longest pasted text or non-image file read (QR text is about 300 characters; a credential
/// JSON a few KiB; the verifier takes at most `scs_verifier::MAX_CREDENTIAL_BYTES`, the same).
const MAX_TEXT_BYTES: usize = 256 * 1024;

/// What was given to verify.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A credential JSON document.
    Json(Value),
    /// QR text `SCS1:…`.
    Compact(String),
    /// The URL of a credential page of this registry (the QR of a printed certificate).
    Registered(CredentialId),
}

/// The form, as submitted.
#[derive(Debug, Default)]
pub struct Form {
    /// The uploaded file, if one was chosen.
    pub file: Option<Vec<u8>>,
    /// The pasted text.
    pub text: String,
    /// 求める★.
    pub min_level: String,
    /// 法人番号 of the supplier expected.
    pub number: String,
}

/// What the page shows after a submission.
#[derive(Debug)]
pub enum Outcome {
    /// A report.
    Report {
        /// The report.
        report: Box<Report>,
        /// Which form was verified.
        form: &'static str,
        /// The QR text, when the QR form was verified (for the certificate link).
        qr: Option<String>,
        /// The verification's signed evidence (JSON), unless the ledger could not sign it.
        evidence: Option<String>,
    },
    /// The input could not be used.
    Refused(StatusCode, Message),
}

fn refused(status: StatusCode, ja: impl Into<String>, en: impl Into<String>) -> Outcome {
    Outcome::Refused(status, Message::new(ja, en))
}

/// Reads text as QR text, a credential JSON, or a credential page URL of this registry.
pub fn classify_text(text: &str, base_url: &str) -> Result<Input, Message> {
    let text = text.trim().trim_start_matches('\u{FEFF}');
    if text.starts_with(scs_core::compact::PREFIX) {
        return Ok(Input::Compact(text.to_owned()));
    }
    if text.starts_with('{') {
        let max = scs_verifier::MAX_CREDENTIAL_BYTES;
        return scs_core::json::parse_strict(text.as_bytes(), max)
            .map(Input::Json)
            .map_err(|e| {
                Message::new(
                    format!("JSON として読めません（{e}）"),
                    format!("not valid JSON ({e})"),
                )
            });
    }
    let lower = text.to_ascii_lowercase();
    let base = base_url.trim_end_matches('/').to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix(&format!("{base}/credentials/")) {
        let id = rest.split(['?', '#']).next().unwrap_or("");
        let full = if id.starts_with("urn:uuid:") {
            id.to_owned()
        } else {
            format!("urn:uuid:{id}")
        };
        if let Ok(id) = CredentialId::parse(&full) {
            return Ok(Input::Registered(id));
        }
    }
    Err(Message::new(
        "QRコードの文字列（SCS1:…）、証明書のJSON、またはこの登録機関の証明書URLとして読めません",
        "this is neither QR text (SCS1:…), a credential JSON, nor a credential URL of this registry",
    ))
}

/// Reads an uploaded file: a PNG or JPEG with a QR code, a credential JSON, or QR text.
pub fn classify_file(bytes: &[u8], base_url: &str) -> Result<Input, Message> {
    if scs_qr::ImageKind::sniff(bytes).is_some() {
        let text = scs_qr::read_image_at_most(bytes, MAX_IMAGE_PIXELS).map_err(|e| {
            use scs_qr::ReadError;
            match e {
                ReadError::TooLarge { width, height } => Message::new(
                    format!("画像が大きすぎます（{width}×{height}）。QRコードの部分を切り取るか、小さくしてください"),
                    format!("the image is too large ({width}×{height}); crop it to the QR code or scale it down"),
                ),
                ReadError::Corrupt(why) => Message::new(
                    format!("画像を読めません（壊れているか途中までしかありません: {why}）"),
                    format!("cannot read the image (damaged or cut short: {why})"),
                ),
                other => Message::new(
                    format!("画像からQRコードを読み取れませんでした。QRコード全体がはっきり写るように撮り直してください（{other}）"),
                    format!("no QR code could be read from the image; take it again with the whole code sharp and in view ({other})"),
                ),
            }
        })?;
        return classify_text(&text, base_url);
    }
    // Bounded like pasted text, before parsing: a JSON tree takes many times its text in memory.
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(Message::new(
            format!(
                "ファイルが大きすぎます（画像以外は上限 {} KiB）",
                MAX_TEXT_BYTES / 1024
            ),
            format!(
                "the file is too large (at most {} KiB unless it is an image)",
                MAX_TEXT_BYTES / 1024
            ),
        ));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Message::new(
            "PNG・JPEG の画像、または JSON の証明書ファイルを選んでください（このファイルはどちらでもありません）",
            "choose a PNG or JPEG image or a JSON credential file (this file is neither)",
        ));
    };
    classify_text(text, base_url)
}

fn question(form: &Form) -> Result<Question, Message> {
    let min_level = match form.min_level.trim() {
        "" => None,
        text => Some(
            text.parse::<u64>()
                .ok()
                .and_then(Level::new)
                .ok_or_else(|| {
                    Message::new(
                        "求める★は 3・4・5 のいずれかです",
                        "the ★ asked for must be 3, 4 or 5",
                    )
                })?,
        ),
    };
    let corporate_number = match form.number.trim() {
        "" => None,
        text => Some(
            CorporateNumber::parse(text)
                .map_err(|e| scs_suppliers::corporate_number_message(text, &e))?,
        ),
    };
    Ok(Question {
        at: super::now(),
        now: super::now(),
        min_level,
        corporate_number,
    })
}

/// Verifies what the form holds, with the same code as `POST /v1/verify`.
pub fn run(ledger: &Ledger, form: &Form) -> Outcome {
    let question = match question(form) {
        Ok(q) => q,
        Err(why) => return Outcome::Refused(StatusCode::BAD_REQUEST, why),
    };
    let base_url = ledger.identity().base_url.clone();
    let input = match (&form.file, form.text.trim().is_empty()) {
        (Some(bytes), _) => classify_file(bytes, &base_url),
        (None, false) => {
            if form.text.len() > MAX_TEXT_BYTES {
                return refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "貼り付けた文字列が長すぎます",
                    "the pasted text is too long",
                );
            }
            classify_text(&form.text, &base_url)
        }
        (None, true) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "QRコードの画像か証明書ファイルを選ぶか、QRコードの文字列を貼り付けてください",
                "choose a QR code image or a credential file, or paste the QR text",
            )
        }
    };
    let input = match input {
        Ok(input) => input,
        Err(why) => return Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, why),
    };
    match input {
        Input::Json(value) => match verify_json(ledger, value, &question, "JSON") {
            Ok(outcome) => outcome,
            Err(error) => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("★取得証明書として読めません（{error}）"),
                format!("not a ★ credential ({error})"),
            ),
        },
        Input::Registered(id) => match ledger.credential(&id) {
            Err(failure) => {
                crate::error::log_unavailable(&failure);
                refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "登録機関の台帳を読めませんでした。しばらくしてからもう一度お試しください",
                    "the registry could not read its ledger; please try again later",
                )
            }
            Ok(Some(registered)) => {
                match verify_json(ledger, registered.credential, &question, "URL") {
                    Ok(outcome) => outcome,
                    Err(_) => refused(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "登録された証明書を読めません",
                        "the registered credential cannot be read",
                    ),
                }
            }
            Ok(None) => refused(
                StatusCode::NOT_FOUND,
                format!("{id} はこの登録機関に登録されていません"),
                format!("{id} is not registered here"),
            ),
        },
        Input::Compact(text) => match ledger.verify_qr_text(&text, &question) {
            Ok(report) => reported(ledger, VerifiedInput::QrText(text), &question, report, "QR"),
            Err(error) => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("QRコードの内容を読めません（{error}）"),
                format!("the QR code's content cannot be read ({error})"),
            ),
        },
    }
}

/// A credential document verified, with its signed evidence.
fn verify_json(
    ledger: &Ledger,
    credential: Value,
    question: &Question,
    form: &'static str,
) -> Result<Outcome, scs_ledger::NotACredential> {
    let report = ledger.verify_credential(credential.clone(), question)?;
    let input = VerifiedInput::Credential(credential);
    Ok(reported(ledger, input, question, report, form))
}

/// A report's outcome with its signed evidence; without it (the cause logged) when the ledger
/// cannot sign it: the report still stands.
fn reported(
    ledger: &Ledger,
    input: VerifiedInput,
    question: &Question,
    report: Report,
    form: &'static str,
) -> Outcome {
    let qr = match &input {
        VerifiedInput::QrText(text) => Some(text.clone()),
        VerifiedInput::Credential(_) => None,
    };
    let evidence = match ledger.sign_verification(input, question, report.clone()) {
        Ok(signed) => Some(signed.to_string()),
        Err(failure) => {
            crate::error::log_unavailable(&failure);
            None
        }
    };
    Outcome::Report {
        report: Box::new(report),
        form,
        qr,
        evidence,
    }
}

/// `GET /`
pub async fn page(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Verify,
    };
    frame.render(
        StatusCode::OK,
        lang.pick("★取得証明の検証", "Verify a ★ credential"),
        body(&app.ledger, lang, &Form::default(), None),
    )
}

/// Reads the fields of the verify form from a `multipart/form-data` body (fuzzed in
/// `fuzz/fuzz_targets/multipart.rs`).
pub async fn read_form(multipart: Result<Multipart, MultipartRejection>) -> Result<Form, Outcome> {
    let too_large = || {
        refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "ファイルが大きすぎます（上限 {} MiB）。QRコードの部分を切り取るか、小さい画像にしてください",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
            format!(
                "the file is too large (limit {} MiB); crop the image to the QR code or make it smaller",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        )
    };
    let unreadable = || {
        refused(
            StatusCode::BAD_REQUEST,
            "送信された内容を読めません。もう一度お試しください",
            "the form could not be read; please try again",
        )
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut form = Form::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" if !bytes.is_empty() => form.file = Some(bytes.to_vec()),
            "text" => form.text = text(),
            "min_level" => form.min_level = text(),
            "number" => form.number = text(),
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /`
pub async fn submit(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Verify,
    };
    // Before the upload is read: it is held in memory until answered.
    let Some(_slot) = super::upload_slot(&app) else {
        return super::busy(&frame);
    };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(outcome) => {
            let status = match &outcome {
                Outcome::Refused(status, _) => *status,
                Outcome::Report { .. } => StatusCode::OK,
            };
            return frame.render(
                status,
                lang.pick("★取得証明の検証", "Verify a ★ credential"),
                body(&app.ledger, lang, &Form::default(), Some(&outcome)),
            );
        }
    };
    // An image waits for a decode permit, held until its decode ends (even when the client
    // has gone): a burst of uploads is decoded a few at a time, not all at once.
    let permit = match &form.file {
        Some(file) if scs_qr::ImageKind::sniff(file).is_some() => {
            Arc::clone(&app.image_decodes).acquire_owned().await.ok()
        }
        _ => None,
    };
    // Reading a photo and checking signatures is CPU work: off the async threads.
    let ledger = app.ledger.clone();
    let (form, outcome) = match tokio::task::spawn_blocking(move || {
        let outcome = run(&ledger, &form);
        drop(permit);
        (form, outcome)
    })
    .await
    {
        Ok(done) => done,
        Err(_) => (
            Form::default(),
            refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "このファイルは検証できませんでした",
                "this file could not be verified",
            ),
        ),
    };
    let status = match &outcome {
        Outcome::Refused(status, _) => *status,
        Outcome::Report { .. } => StatusCode::OK,
    };
    let title = match &outcome {
        Outcome::Report { report, .. } => format!(
            "{} — {}",
            verdict_text(report.verdict, lang),
            lang.pick("★取得証明の検証", "Verify a ★ credential")
        ),
        Outcome::Refused(..) => lang
            .pick("★取得証明の検証", "Verify a ★ credential")
            .to_owned(),
    };
    frame.render(
        status,
        &title,
        body(&app.ledger, lang, &form, Some(&outcome)),
    )
}

fn body(ledger: &Ledger, lang: Lang, form: &Form, outcome: Option<&Outcome>) -> Markup {
    html! {
        h1 { (lang.pick("★取得証明の検証", "Verify a ★ credential")) }
        @match outcome {
            Some(Outcome::Report { report, form: which, qr, evidence }) => {
                (result(ledger, lang, report, which, qr.as_deref()))
                @if let Some(signed) = evidence { (super::evidence::buttons(lang, signed, super::now())) }
            }
            Some(Outcome::Refused(_, why)) => {
                @let (plain, technical) = fold(lang, lang.msg(why));
                div.notice.error #result role="alert" tabindex="-1" {
                    p { strong { (lang.pick("検証できませんでした: ", "Could not verify: ")) } (plain) }
                    (super::verdict::technical(lang, technical.as_deref()))
                }
            }
            None => {
                p.lead { (lang.pick(
                    "取引先（委託先）から受け取った★取得証明書が本物か、指定された機関が発行したか、いま有効か、取消・一時停止されていないかを確かめます。",
                    "Check that a supplier's ★ credential is genuine, issued by a designated body, valid now, and neither revoked nor suspended."
                )) }
            }
        }
        form.card method="post" action=(lang.href("/")) enctype="multipart/form-data" {
            h2 { (lang.pick("証明書を選ぶ", "Choose the credential")) }
            div.field {
                label for="file" { (lang.pick("QRコードの写真・画像（PNG・JPEG）、または証明書ファイル（JSON）", "Photo or image of the QR code (PNG, JPEG), or the credential file (JSON)")) }
                input #file name="file" type="file" accept="image/png,image/jpeg,image/*,.json,application/json,application/ld+json,.txt" aria-describedby="file-help";
                p.help #file-help { (lang.pick("スマートフォンではカメラで撮影できます。上限 16 MiB。", "On a phone this can open the camera. Up to 16 MiB.")) }
            }
            div.field {
                label for="text" { (lang.pick("または QRコードの文字列（SCS1:…）・証明書JSONを貼り付け", "Or paste the QR text (SCS1:…) or the credential JSON")) }
                textarea #text name="text" rows="4" spellcheck="false" autocomplete="off" { (form.text) }
            }
            details open[!form.number.is_empty() || !form.min_level.is_empty()] {
                summary { (lang.pick("確認したい条件（任意）", "What you require (optional)")) }
                div.row {
                    div.field {
                        label for="min_level" { (lang.pick("求める★", "★ required")) }
                        select #min_level name="min_level" {
                            option value="" selected[form.min_level.is_empty()] { (lang.pick("指定しない", "any")) }
                            @for l in ["3", "4", "5"] {
                                option value=(l) selected[form.min_level.trim() == l] { "★" (l) (lang.pick(" 以上", " or higher")) }
                            }
                        }
                    }
                    (number_field(lang, &form.number, None))
                }
            }
            button.primary type="submit" { (lang.pick("検証する", "Verify")) }
        }
        section.card aria-labelledby="lookup-h" {
            h2 #lookup-h { (lang.pick("会社から探す", "Look up a company")) }
            p { a href=(lang.href("/organizations")) { (lang.pick("法人番号・会社名で検索", "Search by corporate number or company name")) } " · "
                a href=(lang.href("/bulk")) { (lang.pick("取引先一覧（CSV）を一括確認", "Check a supplier list (CSV) at once")) } }
        }
    }
}

pub(crate) fn check_mark(
    ok: bool,
    undecided: bool,
) -> (&'static str, &'static str, &'static str, &'static str) {
    match (ok, undecided) {
        (true, _) => ("ok", "✓", "合格", "passed"),
        (false, true) => ("undecided", "?", "判定不能", "undecided"),
        (false, false) => ("fail", "✗", "不合格", "failed"),
    }
}

fn result(ledger: &Ledger, lang: Lang, report: &Report, form: &str, qr: Option<&str>) -> Markup {
    let class = match report.verdict {
        Verdict::Valid => "verdict valid",
        Verdict::Invalid => "verdict invalid",
        Verdict::Unknown => "verdict unknown",
    };
    let facts = report.credential.as_ref();
    let registered = facts
        .and_then(|f| CredentialId::parse(&f.id).ok())
        .and_then(|id| match ledger.credential_record(&id) {
            Ok(record) => record.map(|r| (id, r)),
            // The report stands without the registration's facts; the cause is logged.
            Err(failure) => {
                crate::error::log_unavailable(&failure);
                None
            }
        });
    let status_check = report.check(scs_core::report::CheckName::Status);
    let now = super::now();
    let valid = report.verdict == Verdict::Valid;
    let line = headline(report, registered.as_ref().map(|(_, r)| r), now, lang);
    html! {
        section #result class=(class) aria-labelledby="verdict-h" tabindex="-1" {
            p.verdict-word #verdict-h { (line) }
            @if let Some(f) = facts {
                div.verdict-facts {
                    (judged_star(f.level.get(), lang, valid))
                    div {
                        p.company { (f.legal_name) @if let (Lang::En, Some(en)) = (lang, &f.legal_name_en) { br; span.en-name { (en) } } }
                        @if let Some(n) = &f.corporate_number { p { (lang.pick("法人番号 ", "Corporate Number ")) span.mono { (n) } } }
                    }
                }
            }
            p.verdict-form { (lang.pick("検証した形式: ", "Verified form: ")) (form) }
        }
        @if let Some(f) = facts {
            section.card aria-labelledby="facts-h" {
                h2 #facts-h { (lang.pick("証明書の内容", "What the credential says")) }
                dl.facts {
                    dt { (lang.pick("会社名", "Company")) } dd { (f.legal_name) @if let Some(en) = &f.legal_name_en { " / " (en) } }
                    @if let Some(n) = &f.corporate_number { dt { (lang.pick("法人番号", "Corporate Number")) } dd.mono { (n) } }
                    @if let Some(lei) = &f.lei { dt { "LEI" } dd.mono { (lei) } }
                    dt { (lang.pick("★段階", "★ level")) } dd { "★" (f.level.get()) " — " (super::method_text(f.assessment_method, lang)) }
                    dt { (lang.pick("有効期間", "Validity")) } dd { (date(&f.valid_from, lang)) " – " (date(&f.valid_until, lang)) }
                    dt { (lang.pick("発行者", "Issuer")) } dd { (super::issuer_name(ledger, &f.issuer, &f.issuer_name, lang)) }
                    dt { (lang.pick("対象範囲", "Scope")) } dd { (scope_text(&f.scope, lang)) }
                    dt { (lang.pick("失効状況", "Status")) } dd {
                        @match (&registered, status_check) {
                            (Some((_, record)), _) => {
                                @let state = record.state_at(now);
                                (state_under_verdict(state, record.reason, valid, lang))
                            }
                            (None, Some(check)) => { (check_detail(check, facts, lang)) }
                            (None, None) => { "—" }
                        }
                    }
                    dt { (lang.pick("証明書ID", "Credential id")) } dd.mono { (f.id) }
                    @if let Some((_, record)) = &registered {
                        dt { (lang.pick("台帳", "Ledger")) } dd { (lang.pick("登録済み（台帳 #", "registered (ledger #")) (record.log_index) (lang.pick("）", ")")) }
                    }
                }
                @if let Some((id, _)) = &registered {
                    @let page = match qr {
                        Some(qr) => format!("/credentials/{id}?qr={}", urlencode(qr)),
                        None => format!("/credentials/{id}"),
                    };
                    p.actions {
                        a.button href=(lang.href(&page)) { (lang.pick("証明書ページ・印刷", "Credential page and printable certificate")) }
                        @if let Some(n) = &f.corporate_number {
                            " "
                            a.button.secondary href=(lang.href(&format!("/organizations/{n}"))) { (lang.pick("この会社の履歴", "This company's history")) }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="checks-h" {
            h2 #checks-h { (lang.pick("確認した項目", "Checks")) }
            ul.checks {
                @for check in ordered_checks(report) {
                    @let (class, mark, ja, en) = check_mark(check.ok, check.undecided);
                    li class=(class) {
                        span.mark aria-hidden="true" { (mark) }
                        span.visually-hidden { (lang.pick(ja, en)) ": " }
                        strong { (lang.pick(check.name.ja(), check.name.en())) }
                        " "
                        (check_detail(check, facts, lang))
                    }
                }
            }
        }
    }
}

/// The scope in words.
pub(crate) fn scope_text(scope: &scs_core::credential::Scope, lang: Lang) -> String {
    match scope {
        scs_core::credential::Scope::WholeOrganization => {
            lang.pick("組織全体", "whole organisation").to_owned()
        }
        scs_core::credential::Scope::Partial { description } => {
            format!("{}: {description}", lang.pick("一部", "partial"))
        }
    }
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uploaded_file_that_is_not_an_image_is_bounded_before_it_is_parsed() {
        // Valid JSON just over the limit: without the bound it became a JSON tree (up to the
        // 16 MiB upload limit, many times that in memory) and was verified.
        let padding = "x".repeat(MAX_TEXT_BYTES);
        let file = format!("{{\"padding\":\"{padding}\"}}");
        let refused = classify_file(file.as_bytes(), "https://registry.example")
            .expect_err("a file over the limit is refused");
        assert!(refused.en.contains("too large"), "{refused:?}");
        // A small file is still read.
        assert!(matches!(
            classify_file(b"{\"a\":1}", "https://registry.example"),
            Ok(Input::Json(_))
        ));
    }
}
