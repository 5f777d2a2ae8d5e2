//! Verification evidence (検証結果の証跡) on the pages: the signed result of a verification or a
//! supplier-list check as a JSON file, and as a printable A4 page showing the result, the
//! checkpoint and the fingerprint of the JSON (`scs_core::evidence`).
//!
//! No per-user state is kept: the verify page embeds its (small) signed JSON in the page as a
//! `data:` download link and in a form that posts it to `/evidence`; the bulk page re-runs the
//! check from the list it posts again, as its CSV download does. `/evidence` prints any evidence
//! that checks against this registry's operator key, so an auditor can also upload a file.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use maud::{html, Markup, PreEscaped};
use scs_core::evidence::{Checked, EvidenceError, Verified};
use scs_core::report::{Message, Report, Verdict};
use scs_core::timestamp::Timestamp;
use scs_suppliers::{Parsed, RowResult};
use serde_json::Value;

use super::{Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use crate::limits::MAX_UPLOAD_BYTES;

/// Most rows of a supplier list printed; the JSON has them all.
const MAX_PRINTED_ROWS: usize = 2_000;
/// Largest signed JSON embedded in a page as a `data:` download link.
const MAX_EMBEDDED_BYTES: usize = 2 * 1024 * 1024;

/// Which form of the evidence a page asked for (form field `evidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// `json`: the signed JSON file.
    Json,
    /// `print`: the printable A4 page.
    Print,
}

impl Wanted {
    /// The form field's value, if it names one.
    pub fn from_field(value: &[u8]) -> Option<Self> {
        match value {
            b"json" => Some(Self::Json),
            b"print" => Some(Self::Print),
            _ => None,
        }
    }
}

fn title(lang: Lang) -> &'static str {
    lang.pick("検証結果の証跡", "Verification evidence")
}

/// The bulk page's evidence: the list's results (as `scs_suppliers::to_json` writes them)
/// signed as of `at`, as a JSON file or the A4 page.
pub(crate) fn for_bulk(
    frame: &Frame<'_>,
    wanted: Wanted,
    source: &[u8],
    parsed: &Parsed,
    results: &[RowResult],
    at: Timestamp,
) -> Response {
    let checked = Checked::SupplierList {
        list_sha256: scs_core::evidence::list_sha256(source),
        results: scs_suppliers::to_json(results, parsed, at),
    };
    let signed = match frame.app.ledger.sign_evidence(checked, at) {
        Ok(signed) => signed,
        Err(failure) => return super::unavailable(frame, &failure),
    };
    match wanted {
        Wanted::Json => json_file(&signed, at),
        Wanted::Print => printed(frame, signed),
    }
}

/// The signed JSON as a download.
fn json_file(signed: &Value, at: Timestamp) -> Response {
    let name = format!("scs-evidence-{}.json", at.date());
    super::download(signed.to_string().into_bytes(), "application/json", &name)
}

/// The A4 page of evidence this registry just signed (checked like any uploaded file, so the
/// page shows only what a verifier would accept), with its JSON to download when small.
fn printed(frame: &Frame<'_>, signed: Value) -> Response {
    let text = signed.to_string();
    let operator = &frame.app.ledger.identity().operator;
    match scs_core::evidence::check(signed, operator, None) {
        Ok(verified) => {
            let embedded = (text.len() <= MAX_EMBEDDED_BYTES).then_some(text.as_str());
            frame.render(
                StatusCode::OK,
                title(frame.lang),
                sheet(frame.lang, &verified, embedded),
            )
        }
        Err(error) => refused(frame, &error),
    }
}

/// The verify page's buttons: the signed JSON as a `data:` link, and a form posting it to the
/// A4 page.
pub(crate) fn buttons(lang: Lang, signed: &str, at: Timestamp) -> Markup {
    html! {
        section.card.no-print aria-labelledby="evidence-h" {
            h2 #evidence-h { (title(lang)) }
            p.help { (lang.pick(
                "登録機関の鍵で署名された、この検証の結果（日時・台帳のチェックポイント・指定機関一覧を含む）です。監査の記録に保存できます。",
                "This verification's result signed by the registry (with the time, the ledger's checkpoint and the trust list), for your audit records."
            )) }
            (links(lang, signed, at))
        }
    }
}

fn links(lang: Lang, signed: &str, at: Timestamp) -> Markup {
    let href = format!("data:application/json;base64,{}", STANDARD.encode(signed));
    html! {
        p.actions {
            a.button download=(format!("scs-evidence-{}.json", at.date())) href=(href) {
                (lang.pick("署名付き結果をダウンロード（JSON）", "Download the signed result (JSON)"))
            }
        }
        form method="post" action=(lang.href("/evidence")) enctype="multipart/form-data" {
            textarea name="evidence" hidden aria-hidden="true" tabindex="-1" { (signed) }
            button.secondary type="submit" { (lang.pick("印刷用ページ（A4）", "Printable page (A4)")) }
        }
    }
}

/// The bulk results form's buttons for the signed result: the list the form sends back is
/// checked again and signed, as JSON or as the A4 page.
pub(crate) fn bulk_buttons(lang: Lang) -> Markup {
    html! {
        button.secondary type="submit" name="evidence" value="json" { (lang.pick("署名付き結果をダウンロード（JSON）", "Download the signed result (JSON)")) }
        " "
        button.secondary type="submit" name="evidence" value="print" { (lang.pick("印刷用ページ（A4）", "Printable page (A4)")) }
    }
}

/// `GET /evidence`: upload a signed result to see it as the A4 page.
pub async fn page(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame::new(&app, lang, &uri, Nav::None);
    frame.render(StatusCode::OK, title(lang), upload_form(lang))
}

fn upload_form(lang: Lang) -> Markup {
    html! {
        h1 { (title(lang)) }
        p.lead { (lang.pick(
            "この登録機関が署名した検証結果（JSON）を選ぶと、署名を確かめて印刷用のページを表示します。",
            "Choose a verification result (JSON) signed by this registry: its signatures are checked and it is shown as a printable page."
        )) }
        form.card method="post" action=(lang.href("/evidence")) enctype="multipart/form-data" {
            div.field {
                label for="file" { (lang.pick("署名付き結果（JSON）", "Signed result (JSON)")) }
                input #file name="file" type="file" accept=".json,application/json";
            }
            button.primary type="submit" { (lang.pick("確かめて表示", "Check and show")) }
        }
    }
}

/// `POST /evidence` (fields `file` or `evidence`): the A4 page of a signed result that checks
/// against this registry's operator key.
pub async fn submit(
    State(app): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let frame = Frame::new(&app, lang, &uri, Nav::None);
    let Some(slot) = super::upload_slot(&app) else {
        return super::busy(&frame);
    };
    let bytes = match read_upload(multipart).await {
        Ok(bytes) => bytes,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            return frame.problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                &Message::new("ファイルが大きすぎます", "The file is too large"),
                &Message::new(
                    format!("上限は {} MiB です。", MAX_UPLOAD_BYTES / 1024 / 1024),
                    format!("The limit is {} MiB.", MAX_UPLOAD_BYTES / 1024 / 1024),
                ),
            )
        }
        Err(status) => {
            return frame.problem(
                status,
                &Message::new("送信された内容を読めません", "The form could not be read"),
                &Message::new(
                    "署名付き結果（JSON）のファイルを選んでください。",
                    "Choose a signed result (JSON) file.",
                ),
            )
        }
    };
    let operator = app.ledger.identity().operator.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let checked = scs_core::evidence::check_bytes(&bytes, &operator, None);
        drop(slot);
        checked
    })
    .await;
    match checked {
        Ok(Ok(verified)) => frame.render(StatusCode::OK, title(lang), sheet(lang, &verified, None)),
        Ok(Err(error)) => refused(&frame, &error),
        Err(_) => refused(
            &frame,
            &EvidenceError::Unreadable("the file could not be checked".into()),
        ),
    }
}

/// The uploaded file, else the posted `evidence` text; the status to answer when the form is
/// unreadable (400), empty (400) or over the pages' body limit (413).
async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Vec<u8>, StatusCode> {
    let unreadable = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            status
        } else {
            StatusCode::BAD_REQUEST
        }
    };
    let mut multipart = multipart.map_err(|e| unreadable(e.status()))?;
    let (mut file, mut text) = (Vec::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| unreadable(e.status()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(|e| unreadable(e.status()))?;
        match name.as_str() {
            "file" => file = bytes.to_vec(),
            "evidence" => text = bytes.to_vec(),
            _ => {}
        }
    }
    let chosen = if file.is_empty() { text } else { file };
    if chosen.is_empty() {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(chosen)
}

/// The page for evidence that does not check: 422 with the reason.
fn refused(frame: &Frame<'_>, error: &EvidenceError) -> Response {
    let why = match error {
        EvidenceError::Invalid(why) => why.clone(),
        EvidenceError::Unreadable(why) => Message::new(
            format!("署名付き結果として読めません（{why}）"),
            format!("not a signed result ({why})"),
        ),
    };
    frame.problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        &Message::new(
            "検証結果の証跡を確認できません",
            "The evidence does not check",
        ),
        &why,
    )
}

/// The fingerprint in groups of eight, as it is easier to compare by eye.
fn grouped(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(8)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The A4 sheet: what was checked and the results, when (JST), against which checkpoint and
/// trust list edition, by which key, and the fingerprint (text and QR) of the signed JSON.
fn sheet(lang: Lang, verified: &Verified, embedded: Option<&str>) -> Markup {
    let evidence = &verified.evidence;
    let fingerprint_qr = super::credential::text_qr(&format!("sha256:{}", verified.fingerprint))
        .map(|svg| super::credential::svg_without_prolog(&svg))
        .unwrap_or_default();
    html! {
        article.certificate.evidence-sheet aria-label=(lang.pick("検証結果の証跡（印刷用）", "Verification evidence (printable)")) {
            header {
                p.cert-scheme { "サプライチェーン・セキュリティ評価制度 ★取得証明 登録機関" br; span lang="en" { "SCS ★ Credential Registry" } }
                h1.cert-title { "検証結果の証跡" span.cert-title-en lang="en" { "Verification evidence" } }
            }
            dl.cert-facts {
                dt { "確認日時" span lang="en" { " Checked at" } }
                dd { (evidence.checked_at.jst_text()) " " span.muted.small { "(" (evidence.checked_at.to_string()) ")" } }
                (checked_facts(&evidence.checked))
            }
            (results(lang, &evidence.checked))
            h2.evidence-h { "台帳のチェックポイント" span lang="en" { " Ledger checkpoint" } }
            dl.cert-facts {
                dt { "木のサイズ" span lang="en" { " Tree size" } } dd { (evidence.checkpoint.tree_size) }
                dt { "ルートハッシュ" span lang="en" { " Root hash" } } dd.mono.small { (evidence.checkpoint.root_hash) }
                dt { "指定機関一覧" span lang="en" { " Trust list" } }
                dd { "第" (verified.trust_list.sequence) "版（台帳 #" (evidence.trust_list.log_index) "、このチェックポイントに含まれる） / edition " (verified.trust_list.sequence) " (ledger #" (evidence.trust_list.log_index) ", included in this checkpoint)" }
                dt { "署名した鍵" span lang="en" { " Signed by" } }
                dd.mono.small { (verified.signer.to_string()) br; span.muted { "登録機関の状態鍵 / the registry's status key" } }
            }
            pre.checkpoint { (evidence.checkpoint.signed_note) }
            div.cert-qr {
                @if !fingerprint_qr.is_empty() {
                    div.qr role="img" aria-label=(lang.pick("フィンガープリントのQRコード", "QR code of the fingerprint")) { (PreEscaped(fingerprint_qr)) }
                }
                p.small {
                    "署名付き JSON のフィンガープリント（JCS 正規化後の SHA-256）" br;
                    span lang="en" { "Fingerprint of the signed JSON (SHA-256 of its JCS form)" } br;
                    strong.mono.fingerprint { (grouped(&verified.fingerprint)) }
                }
            }
            footer.cert-foot {
                p.small {
                    "JSON ファイルは scs verify-receipt FILE --operator-key KEY でいつでも確かめられます。表示されるフィンガープリントがこの用紙と一致することを確認してください。"
                    br; span lang="en" { "Check the JSON file at any time with scs verify-receipt FILE --operator-key KEY; its fingerprint must match this sheet's." }
                }
            }
        }
        @if let Some(json) = embedded {
            div.no-print { (links(lang, json, evidence.checked_at)) }
        }
        p.actions.no-print { button.secondary type="button" data-print { (lang.pick("印刷する", "Print")) } }
    }
}

/// The facts of what was checked, as rows of the sheet's first list.
fn checked_facts(checked: &Checked) -> Markup {
    match checked {
        Checked::Credential {
            credential,
            qr_text,
            question,
            report,
        } => html! {
            dt { "確認したもの" span lang="en" { " Checked" } }
            dd { @if qr_text.is_some() { "★取得証明書（QRコード） / ★ credential (QR code)" } @else { "★取得証明書 / ★ credential" } }
            @if let Some(f) = &report.credential {
                dt { "会社名" span lang="en" { " Company" } } dd { (f.legal_name) @if let Some(en) = &f.legal_name_en { " / " (en) } }
                @if let Some(n) = &f.corporate_number { dt { "法人番号" span lang="en" { " Corporate Number" } } dd.mono { (n) } }
                dt { "★段階" span lang="en" { " Level" } } dd { "★" (f.level.get()) }
                dt { "証明書ID" span lang="en" { " Credential id" } } dd.mono.small { (f.id) }
            }
            @if let (None, Some(id)) = (&report.credential, credential.as_ref().and_then(|c| c["id"].as_str())) {
                dt { "証明書ID" span lang="en" { " Credential id" } } dd.mono.small { (id) }
            }
            dt { "判定の時点" span lang="en" { " Judged at" } } dd { (question.at.jst_text()) }
            @if let Some(level) = question.min_level { dt { "求める★" span lang="en" { " ★ required" } } dd { "★" (level) } }
            @if let Some(n) = &question.corporate_number { dt { "求める法人番号" span lang="en" { " Corporate Number required" } } dd.mono { (n) } }
        },
        Checked::SupplierList { list_sha256, .. } => html! {
            dt { "確認したもの" span lang="en" { " Checked" } }
            dd { "取引先一覧 / supplier list" }
            dt { "一覧の SHA-256" span lang="en" { " List SHA-256" } } dd.mono.small { (list_sha256) }
        },
    }
}

/// The results: a credential's verdict and checks, or a supplier list's summary and rows.
fn results(lang: Lang, checked: &Checked) -> Markup {
    match checked {
        Checked::Credential { report, .. } => report_markup(lang, report),
        Checked::SupplierList { results, .. } => list_markup(results),
    }
}

fn report_markup(lang: Lang, report: &Report) -> Markup {
    let class = match report.verdict {
        Verdict::Valid => "verdict valid",
        Verdict::Invalid => "verdict invalid",
        Verdict::Unknown => "verdict unknown",
    };
    html! {
        p class=(class) { span.verdict-word { (report.verdict.ja()) " / " (report.verdict.en()) } }
        ul.checks {
            @for check in &report.checks {
                @let (class, mark, ja, en) = super::verify::check_mark(check.ok, check.undecided);
                li class=(class) {
                    span.mark aria-hidden="true" { (mark) }
                    span.visually-hidden { (lang.pick(ja, en)) ": " }
                    strong { (check.name.ja()) " / " (check.name.en()) }
                    " "
                    span.detail { (check.detail_ja) " / " (check.detail) }
                }
            }
        }
    }
}

/// The columns printed of a supplier list's rows, when its rows have them (`scs_suppliers`
/// decides the rows; other columns stay in the JSON).
const COLUMNS: [(&str, &str); 9] = [
    ("line", "行 Line"),
    ("corporateNumber", "法人番号 Corporate Number"),
    ("legalName", "会社名 Company"),
    ("requiredLevel", "求める★ Required"),
    ("category", "区分 Category"),
    ("verdict", "判定 Verdict"),
    ("level", "★"),
    ("state", "状態 Status"),
    ("detailJa", "理由 Why"),
];

fn list_markup(results: &Value) -> Markup {
    let rows = results["rows"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let columns: Vec<_> = COLUMNS
        .iter()
        .filter(|(key, _)| rows.iter().any(|row| row.get(*key).is_some()))
        .collect();
    let summary = results["summary"].as_object();
    html! {
        @if let Some(summary) = summary {
            p.summary {
                @for (name, count) in summary { span.count { (name) ": " strong { (cell(count)) } } " " }
            }
        }
        p.small { (rows.len()) " 行 / rows" }
        table.results {
            thead { tr { @for (_, label) in &columns { th scope="col" { (label) } } } }
            tbody {
                @for row in rows.iter().take(MAX_PRINTED_ROWS) {
                    tr { @for (key, _) in &columns { td { (cell(&row[*key])) } } }
                }
            }
        }
        @if rows.len() > MAX_PRINTED_ROWS {
            p.help { "印刷は最初の 2,000 行です。すべての行は JSON にあります。 / The first 2,000 rows are printed; the JSON has them all." }
        }
    }
}

/// A JSON value as a table cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
