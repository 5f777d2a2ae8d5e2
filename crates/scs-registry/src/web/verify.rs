//! `/`: verify a credential from what a supplier sends: a QR image, the certificate printed
//! to PDF from the registry's page, a credential file, or pasted text — QR text, a 証明書ID,
//! the certificate's URL, a 法人番号.

use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
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
    /// A credential registered here, named by its id: typed (`ID`), in one of this registry's
    /// URLs (`URL`, also the QR code of a printed certificate), or on a printed certificate
    /// (`PDF`).
    Registered(CredentialId, &'static str),
    /// A 法人番号: the company's page answers (docs/DECISIONS.md).
    Company(CorporateNumber),
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
    /// A 法人番号 registered here: its company's page answers.
    Company(CorporateNumber),
    /// The input could not be used.
    Refused(StatusCode, Message),
}

fn refused(status: StatusCode, ja: impl Into<String>, en: impl Into<String>) -> Outcome {
    Outcome::Refused(status, Message::new(ja, en))
}

/// Reads text as QR text, a credential JSON, a 証明書ID, a URL of this registry, or a 法人番号.
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
    if let Some(id) = credential_id(text) {
        return Ok(Input::Registered(id, "ID"));
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return registry_url(&lower, base_url);
    }
    if let Some(number) = typed_corporate_number(text) {
        return number.map(Input::Company);
    }
    // Text copied from a certificate, with its labels: `証明書ID Credential id urn:uuid:…`.
    if let [id] = distinct_ids(text).as_slice() {
        return Ok(Input::Registered(*id, "ID"));
    }
    Err(Message::new(
        "QRコードの文字列（SCS1:…）・証明書ID（urn:uuid:…）・この登録機関の証明書URL・法人番号（13桁）・証明書のJSON のどれとしても読めません",
        "this is none of: QR text (SCS1:…), a credential id (urn:uuid:…), a credential URL of this registry, a corporate number (13 digits), a credential JSON",
    ))
}

/// A 証明書ID typed or pasted: `urn:uuid:…`, or the UUID alone.
fn credential_id(text: &str) -> Option<CredentialId> {
    let lower = text.to_ascii_lowercase();
    let uuid = lower.strip_prefix("urn:uuid:").unwrap_or(&lower);
    CredentialId::parse(&format!("urn:uuid:{uuid}")).ok()
}

/// A 法人番号 as people write it — with hyphens or spaces between the digits, in full-width
/// digits — when the text is one (only digits, spaces and hyphens); `Err` when it is one but
/// not a valid one (its length, its check digit).
fn typed_corporate_number(text: &str) -> Option<Result<CorporateNumber, Message>> {
    let separator = |c: char| c.is_whitespace() || "-‐‑‒–—―−－ー".contains(c);
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    if !text.chars().all(|c| is_digit(c) || separator(c)) || !text.chars().any(is_digit) {
        return None;
    }
    let digits: String = text.chars().filter(|&c| is_digit(c)).collect();
    Some(
        CorporateNumber::parse(&digits)
            .map_err(|e| scs_suppliers::corporate_number_message(text, &e)),
    )
}

/// A URL (lower-cased) of this registry: a credential's page (`/credentials/{id}`, also the QR
/// code of a printed certificate), its API address (`/v1/credentials/{id}`), or a company's page.
/// Another site's URL is refused, never fetched.
fn registry_url(url: &str, base_url: &str) -> Result<Input, Message> {
    let base = base_url.trim_end_matches('/').to_ascii_lowercase();
    let (Some((origin, path)), Some((base_origin, base_path))) = (split_url(url), split_url(&base))
    else {
        return Err(foreign_url(base_url));
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let Some(path) = path
        .strip_prefix(base_path)
        .filter(|_| origin == base_origin)
    else {
        return Err(foreign_url(base_url));
    };
    let path = path.strip_prefix("/v1").unwrap_or(path);
    let segment = |prefix: &str| {
        path.strip_prefix(prefix)
            .map(|rest| rest.split('/').next().unwrap_or("").replace("%3a", ":"))
    };
    if let Some(id) = segment("/credentials/") {
        return credential_id(&id)
            .map(|id| Input::Registered(id, "URL"))
            .ok_or_else(|| {
                Message::new(
                    "URLの証明書IDが正しくありません（証明書IDは urn:uuid:… の形です）",
                    "the credential id in the URL is not valid (it looks like urn:uuid:…)",
                )
            });
    }
    if let Some(number) = segment("/organizations/") {
        if let Some(number) = typed_corporate_number(&number) {
            return number.map(Input::Company);
        }
    }
    Err(Message::new(
        "この登録機関のURLですが、証明書のURLではありません。証明書ページのURL（…/credentials/urn:uuid:…）を貼り付けてください",
        "this is a URL of this registry but not of a credential; paste a credential page's URL (…/credentials/urn:uuid:…)",
    ))
}

/// A lower-cased `http(s)` URL's origin — scheme, host and port, the default port written
/// out — and its path.
fn split_url(url: &str) -> Option<((&str, String), &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.contains('@') || authority.is_empty() {
        return None;
    }
    let default = match scheme {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let host_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_owned()
    } else {
        format!("{authority}:{default}")
    };
    Some(((scheme, host_port), path))
}

fn foreign_url(base_url: &str) -> Message {
    Message::new(
        format!("この登録機関（{base_url}）のURLだけを確認します。ほかのサイトのURLは開きません。証明書のファイル・PDF・QRコードの画像を選ぶか、証明書IDを貼り付けてください"),
        format!("only this registry's URLs ({base_url}) are checked; other sites' URLs are never opened. Choose the credential's file, PDF or QR image, or paste its credential id"),
    )
}

/// The 証明書ID on a certificate printed to PDF from this registry's credential page.
fn classify_pdf(bytes: &[u8]) -> Result<Input, Message> {
    let text = super::pdf::text(bytes).map_err(|e| match e {
        super::pdf::PdfError::TooLarge => Message::new(
            format!("PDF が大きすぎます（上限 {} MiB）", super::pdf::MAX_PDF_BYTES / 1024 / 1024),
            format!("the PDF is too large (at most {} MiB)", super::pdf::MAX_PDF_BYTES / 1024 / 1024),
        ),
        other => Message::new(
            format!("PDF を読めません。壊れているか、途中までしかないか、登録機関のページから印刷したものではありません（{other}）"),
            format!("cannot read the PDF: it is damaged, cut short, or not printed from the registry's page ({other})"),
        ),
    })?;
    match distinct_ids(&text).as_slice() {
        [id] => Ok(Input::Registered(*id, "PDF")),
        [] => Err(Message::new(
            "このPDFに証明書ID（urn:uuid:…）が見つかりません。登録機関の証明書ページから印刷したPDFを選ぶか、証明書IDを貼り付けてください",
            "no credential id (urn:uuid:…) found in this PDF; choose a PDF printed from the registry's credential page, or paste the credential id",
        )),
        _ => Err(Message::new(
            "このPDFには複数の証明書IDがあります。証明書を1枚ずつ確認してください",
            "this PDF holds more than one credential id; check the certificates one at a time",
        )),
    }
}

/// The different 証明書IDs in a text — `urn:uuid:` and the 36 characters after it, read
/// across a line break (a printed id can wrap) — up to two: two are enough to refuse.
fn distinct_ids(text: &str) -> Vec<CredentialId> {
    let ids = text.match_indices("urn:uuid:").filter_map(|(at, prefix)| {
        let uuid: String = text[at + prefix.len()..]
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(36)
            .collect();
        CredentialId::parse(&format!("{prefix}{uuid}")).ok()
    });
    let mut distinct = Vec::new();
    for id in ids {
        if !distinct.contains(&id) {
            distinct.push(id);
        }
        if distinct.len() > 1 {
            break;
        }
    }
    distinct
}

/// Reads an uploaded file: a PNG or JPEG with a QR code, a certificate printed to PDF, a
/// credential JSON, or QR text.
pub fn classify_file(bytes: &[u8], base_url: &str) -> Result<Input, Message> {
    if super::pdf::is_pdf(bytes) {
        return classify_pdf(bytes);
    }
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
            "QRコードの画像（PNG・JPEG）、印刷した証明書（PDF）、または証明書ファイル（JSON）を選んでください（このファイルはどれでもありません）",
            "choose a QR code image (PNG, JPEG), a printed certificate (PDF) or a credential file (JSON) (this file is none of them)",
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
            CorporateNumber::parse_typed(text)
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
                "QRコードの画像・印刷した証明書（PDF）・証明書ファイルを選ぶか、証明書ID・証明書のURL・法人番号・QRコードの文字列を貼り付けてください",
                "choose a QR code image, a printed certificate (PDF) or a credential file, or paste a credential id, a credential URL, a corporate number or the QR text",
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
        Input::Registered(id, via) => registered(ledger, &id, &question, via),
        Input::Company(number) => company(ledger, number),
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

/// A credential registered here verified, as the registry holds it.
fn registered(
    ledger: &Ledger,
    id: &CredentialId,
    question: &Question,
    via: &'static str,
) -> Outcome {
    match ledger.credential(id) {
        Err(failure) => unavailable(&failure),
        Ok(Some(registered)) => match verify_json(ledger, registered.credential, question, via) {
            Ok(outcome) => outcome,
            Err(_) => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "登録された証明書を読めません",
                "the registered credential cannot be read",
            ),
        },
        Ok(None) => refused(
            StatusCode::NOT_FOUND,
            format!("証明書ID {id} の証明書はこの登録機関に登録されていません。取引先に証明書のファイルかQRコードを求めてください"),
            format!("no credential {id} is registered at this registry; ask the supplier for the credential's file or QR code"),
        ),
    }
}

/// A 法人番号: its company's page when it is registered here, what to do next when not.
fn company(ledger: &Ledger, number: CorporateNumber) -> Outcome {
    match ledger.organization(&number) {
        Err(failure) => unavailable(&failure),
        Ok(ids) if !ids.is_empty() => Outcome::Company(number),
        Ok(_) => refused(
            StatusCode::NOT_FOUND,
            format!("法人番号 {number} の会社の証明書はこの登録機関に登録されていません。取引先に★取得証明書（PDF・QRコード・ファイル）を求めるか、法人番号を国税庁法人番号公表サイト（https://www.houjin-bangou.nta.go.jp/）で確かめてください"),
            format!("no credential of the company with corporate number {number} is registered here; ask the supplier for its ★ certificate (PDF, QR code or file), or check the number on the National Tax Agency's corporate number site (https://www.houjin-bangou.nta.go.jp/)"),
        ),
    }
}

fn unavailable(failure: &scs_ledger::Failure) -> Outcome {
    crate::error::log_unavailable(failure);
    refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "登録機関の台帳を読めませんでした。しばらくしてからもう一度お試しください",
        "the registry could not read its ledger; please try again later",
    )
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
                Outcome::Report { .. } | Outcome::Company(_) => StatusCode::OK,
            };
            return frame.render(
                status,
                lang.pick("★取得証明の検証", "Verify a ★ credential"),
                body(&app.ledger, lang, &Form::default(), Some(&outcome)),
            );
        }
    };
    // An image or a PDF waits for a decode permit, held until its decode ends (even when the
    // client has gone): a burst of uploads is decoded a few at a time, not all at once.
    let permit = match &form.file {
        Some(file) if scs_qr::ImageKind::sniff(file).is_some() || super::pdf::is_pdf(file) => {
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
        Outcome::Company(number) => {
            return Redirect::to(&lang.href(&format!("/organizations/{number}"))).into_response()
        }
    };
    let title = match &outcome {
        Outcome::Report { report, .. } => format!(
            "{} — {}",
            verdict_text(report.verdict, lang),
            lang.pick("★取得証明の検証", "Verify a ★ credential")
        ),
        Outcome::Refused(..) | Outcome::Company(_) => lang
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
            Some(Outcome::Company(_)) | None => {
                p.lead { (lang.pick(
                    "取引先（委託先）から受け取った★取得証明書が本物か、指定された機関が発行したか、いま有効か、取消・一時停止されていないかを確かめます。",
                    "Check that a supplier's ★ credential is genuine, issued by a designated body, valid now, and neither revoked nor suspended."
                )) }
            }
        }
        form.card method="post" action=(lang.href("/")) enctype="multipart/form-data" {
            h2 { (lang.pick("証明書を選ぶ", "Choose the credential")) }
            div.field {
                label for="file" { (lang.pick("QRコードの写真・画像（PNG・JPEG）、印刷した証明書（PDF）、または証明書ファイル（JSON）", "Photo or image of the QR code (PNG, JPEG), the printed certificate (PDF), or the credential file (JSON)")) }
                input #file name="file" type="file" accept="image/png,image/jpeg,image/*,.pdf,application/pdf,.json,application/json,application/ld+json,.txt" aria-describedby="file-help";
                p.help #file-help { (lang.pick(
                    "スマートフォンではカメラで撮影できます。PDF はこの登録機関の証明書ページから印刷したもの（証明書IDが載っているもの）。上限 16 MiB（PDF は 4 MiB）。",
                    "On a phone this can open the camera. A PDF: printed from this registry's credential page (it carries the credential id). Up to 16 MiB (a PDF 4 MiB)."
                )) }
            }
            div.field {
                label for="text" { (lang.pick("または 証明書ID・証明書のURL・法人番号・QRコードの文字列・証明書JSON を貼り付け", "Or paste a credential id, the credential's URL, a corporate number, the QR text or the credential JSON")) }
                textarea #text name="text" rows="4" spellcheck="false" autocomplete="off" aria-describedby="text-help" { (form.text) }
                p.help #text-help { (lang.pick(
                    "例: urn:uuid:…（証明書ID）、この登録機関の …/credentials/urn:uuid:… （URL）、1234-5678-9012-3（法人番号）、SCS1:…（QRコードの文字列）。ほかのサイトのURLは開きません。",
                    "For example: urn:uuid:… (credential id), this registry's …/credentials/urn:uuid:… (URL), 1234-5678-9012-3 (corporate number), SCS1:… (QR text). Other sites' URLs are never opened."
                )) }
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
                        @if let Some(n) = &f.corporate_number { p { (lang.pick("法人番号 ", "Corporate Number ")) span.mono.corp-no { (n) } } }
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
                    @if let Some(n) = &f.corporate_number { dt { (lang.pick("法人番号", "Corporate Number")) } dd.mono.corp-no { (n) } }
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

    const ID: &str = "urn:uuid:06e8d0dc-25e3-4c7b-952e-f8db3d5f7adc";

    fn id() -> CredentialId {
        CredentialId::parse(ID).unwrap()
    }

    #[test]
    fn a_credential_id_is_read_as_printed_alone_or_among_the_certificates_words() {
        let base = "https://registry.example";
        for text in [
            ID.to_owned(),
            ID.to_uppercase(),
            ID["urn:uuid:".len()..].to_owned(),
            format!("証明書ID Credential id\n{}\n{}", &ID[..30], &ID[30..]),
            format!("{ID} {ID}"),
        ] {
            assert_eq!(
                classify_text(&text, base),
                Ok(Input::Registered(id(), "ID")),
                "{text}"
            );
        }
        let other = "urn:uuid:00000000-0000-4000-8000-000000000000";
        assert!(classify_text(&format!("{ID} {other}"), base).is_err());
    }

    #[test]
    fn only_this_registrys_urls_are_read_with_the_default_port_and_a_path_prefix() {
        let url = |base: &str, given: &str| classify_text(given, base);
        let ours = Ok(Input::Registered(id(), "URL"));
        let base = "https://registry.example";
        assert_eq!(
            url(
                base,
                &format!("https://registry.example:443/credentials/{ID}")
            ),
            ours
        );
        assert_eq!(
            url(
                base,
                &format!("HTTPS://Registry.Example/v1/credentials/{ID}/")
            ),
            ours
        );
        assert_eq!(
            url(
                "http://127.0.0.1:8080/",
                &format!("http://127.0.0.1:8080/credentials/{ID}")
            ),
            ours
        );
        let prefixed = "https://host.example/scs";
        assert_eq!(
            url(
                prefixed,
                &format!("https://host.example/scs/credentials/{ID}")
            ),
            ours
        );
        for foreign in [
            format!("http://registry.example/credentials/{ID}"),
            format!("https://registry.example.evil/credentials/{ID}"),
            format!("https://registry.example@evil.example/credentials/{ID}"),
            format!("https://evil.example/?u=https://registry.example/credentials/{ID}"),
        ] {
            let refused = url(base, &foreign).unwrap_err();
            assert!(
                refused.en.contains("only this registry"),
                "{foreign}: {refused:?}"
            );
        }
        let elsewhere = url(prefixed, &format!("https://host.example/credentials/{ID}"));
        assert!(elsewhere.unwrap_err().en.contains("only this registry"));
    }

    #[test]
    fn a_corporate_number_is_read_as_people_write_it() {
        let base = "https://registry.example";
        let number = CorporateNumber::parse("6001001000000").unwrap();
        for typed in [
            "6001001000000",
            "6-0010-0100-0000",
            "6 0010 0100 0000",
            "６００１　００１０　００００　０",
            "６００１００１０００００ー０",
        ] {
            assert_eq!(
                classify_text(typed, base),
                Ok(Input::Company(number)),
                "{typed}"
            );
        }
        let long = classify_text("６００１００１　０００００００", base).unwrap_err();
        assert!(long.ja.contains("13桁"), "{long:?}");
        let wrong = classify_text("7001-0010-0000-0", base).unwrap_err();
        assert!(wrong.ja.contains("チェックデジット"), "{wrong:?}");
        assert_eq!(
            classify_text(
                "https://registry.example/organizations/6001001000000?lang=en",
                base
            ),
            Ok(Input::Company(number))
        );
    }
}
