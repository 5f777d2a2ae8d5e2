//! `/bulk`: a supplier list (CSV of 法人番号, optionally with the ★ required) checked at once,
//! shown as a table and downloadable as CSV. The logic is [`scs_suppliers`], shared with
//! `scs verify-batch`.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::report::{Message, Report, Verdict};
use scs_suppliers::{CredentialSummary, Organization, Parsed, RegistrySource, RowResult};
use scs_verifier::Question;

use super::{star, Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use scs_ledger::Ledger;

/// Most rows shown in the page's table; the CSV download has them all.
const MAX_SHOWN: usize = 2_000;
/// Most unreadable rows listed by line in the notice.
const MAX_LISTED: usize = 20;

/// The registry's own ledger as the supplier check's [`RegistrySource`].
#[derive(Debug)]
pub struct LedgerSource<'a>(pub &'a Ledger);

impl RegistrySource for LedgerSource<'_> {
    fn organization(&self, number: &CorporateNumber) -> Result<Option<Organization>, Message> {
        let view = self
            .0
            .organization_view(number, super::now())
            .map_err(|failure| ledger_unreadable(&failure))?;
        if view.credentials.is_empty() {
            return Ok(None);
        }
        Ok(Some(Organization {
            legal_name: view.legal_name,
            credentials: view
                .credentials
                .into_iter()
                .map(|c| CredentialSummary {
                    id: c.id.to_string(),
                    level: c.level,
                    state: Some(c.state),
                    reason: c.reason,
                    log_index: c.log_index,
                })
                .collect(),
        }))
    }

    fn verify(&self, id: &str, question: &Question) -> Result<Report, Message> {
        let unreadable = || {
            Message::new(
                "登録された証明書を読めません",
                "registered credential unreadable",
            )
        };
        let id = CredentialId::parse(id).map_err(|_| unreadable())?;
        let registered = self
            .0
            .credential(&id)
            .map_err(|failure| ledger_unreadable(&failure))?
            .ok_or_else(unreadable)?;
        self.0
            .verify_credential(registered.credential, question)
            .map_err(|e| {
                Message::new(
                    format!("証明書を読めません（{e}）"),
                    format!("credential unreadable ({e})"),
                )
            })
    }
}

/// A row's reason when the ledger could not answer for it (the cause is logged).
fn ledger_unreadable(failure: &scs_ledger::Failure) -> Message {
    crate::error::log_unavailable(failure);
    Message::new(
        "登録機関の台帳を読めませんでした",
        "the registry could not read its ledger",
    )
}

/// `GET /bulk`
pub async fn page(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame {
        app: &app,
        lang,
        uri: &uri,
        nav: Nav::Bulk,
    };
    frame.render(
        StatusCode::OK,
        lang.pick("取引先の一括確認", "Check a supplier list"),
        body(lang, "", None),
    )
}

/// The bulk form, as submitted.
#[derive(Debug)]
pub struct Submitted {
    /// The uploaded CSV file (empty when none was chosen).
    pub csv: Vec<u8>,
    /// The pasted list.
    pub text: String,
    /// `format=csv`: answer with the CSV file instead of the page.
    pub format_csv: bool,
    /// `evidence=json|print`: answer with the signed result instead of the page.
    pub evidence: Option<super::evidence::Wanted>,
}

/// Reads the fields of the bulk form from a `multipart/form-data` body (fuzzed in
/// `fuzz/fuzz_targets/multipart.rs`).
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Submitted, (StatusCode, Message)> {
    let too_large = (
        StatusCode::PAYLOAD_TOO_LARGE,
        Message::new(
            format!(
                "ファイルが大きすぎます（上限 {} MiB）",
                scs_suppliers::MAX_CSV_BYTES / 1024 / 1024
            ),
            format!(
                "the file is too large (limit {} MiB)",
                scs_suppliers::MAX_CSV_BYTES / 1024 / 1024
            ),
        ),
    );
    let unreadable = (
        StatusCode::BAD_REQUEST,
        Message::new(
            "送信された内容を読めません。もう一度お試しください",
            "the form could not be read; please try again",
        ),
    );
    let mut multipart = multipart.map_err(|_| unreadable.clone())?;
    let mut form = Submitted {
        csv: Vec::new(),
        text: String::new(),
        format_csv: false,
        evidence: None,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large),
            Err(_) => return Err(unreadable),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large),
            Err(_) => return Err(unreadable),
        };
        if bytes.len() > scs_suppliers::MAX_CSV_BYTES {
            return Err(too_large);
        }
        match name.as_str() {
            "file" => form.csv = bytes.to_vec(),
            "text" => form.text = String::from_utf8_lossy(&bytes).into_owned(),
            "format" => form.format_csv = &bytes[..] == b"csv",
            "evidence" => form.evidence = super::evidence::Wanted::from_field(&bytes),
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /bulk` — the table, or with `format=csv` the CSV file.
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
        nav: Nav::Bulk,
    };
    let title = lang.pick("取引先の一括確認", "Check a supplier list");
    // Before the upload is read: it is held in memory, and judged on a blocking thread, which
    // keeps the permit until it is done even if the client has gone.
    let Some(slot) = super::upload_slot(&app) else {
        return super::busy(&frame);
    };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err((status, why)) => return frame.render(status, title, body(lang, "", Some(Err(why)))),
    };
    // The uploaded file wins; otherwise the pasted text (also how the download button resends).
    let source: Vec<u8> = if form.csv.is_empty() {
        form.text.clone().into_bytes()
    } else {
        form.csv
    };
    let parsed = match scs_suppliers::parse_csv(&source) {
        Ok(parsed) => parsed,
        Err(error) => {
            let status = match error {
                scs_suppliers::ListError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return frame.render(
                status,
                title,
                body(lang, &form.text, Some(Err(error.message()))),
            );
        }
    };
    let ledger = app.ledger.clone();
    let at = super::now();
    let judged = tokio::task::spawn_blocking(move || {
        let results = scs_suppliers::judge_all(&parsed, &LedgerSource(&ledger), at);
        drop(slot);
        (parsed, results)
    })
    .await;
    let Ok((parsed, results)) = judged else {
        return frame.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            title,
            body(
                lang,
                "",
                Some(Err(Message::new(
                    "この一覧は確認できませんでした",
                    "this list could not be checked",
                ))),
            ),
        );
    };
    if let Some(wanted) = form.evidence {
        return super::evidence::for_bulk(&frame, wanted, &source, &parsed, &results, at);
    }
    if form.format_csv {
        let mut csv = String::from("\u{FEFF}");
        csv.push_str(&scs_suppliers::to_csv(&results, lang));
        let name = format!("scs-bulk-{}.csv", at.date());
        return super::download(csv, "text/csv; charset=utf-8", &name);
    }
    let source_text = String::from_utf8_lossy(&source).into_owned();
    let table = results_markup(lang, &parsed, &results, &source_text, at);
    frame.render(StatusCode::OK, title, body(lang, "", Some(Ok(table))))
}

fn body(lang: Lang, text: &str, outcome: Option<Result<Markup, Message>>) -> Markup {
    html! {
        h1 { (lang.pick("取引先の一括確認", "Check a supplier list")) }
        @match &outcome {
            Some(Ok(table)) => { (table) }
            Some(Err(why)) => {
                div.notice.error #result role="alert" tabindex="-1" {
                    p { strong { (lang.pick("確認できませんでした: ", "Could not check: ")) } (lang.msg(why)) }
                }
            }
            None => {
                p.lead { (lang.pick(
                    "取引先の法人番号の一覧（CSV）から、各社がいま有効な★を持っているかをまとめて確かめます。2列目に求める★（3・4・5）を書くと、その★以上かどうかも確かめます。",
                    "Check from a list of corporate numbers (CSV) whether each supplier holds a ★ valid now. Put the ★ you require (3, 4 or 5) in the second column to check for at least that ★."
                )) }
            }
        }
        form.card method="post" action=(lang.href("/bulk")) enctype="multipart/form-data" {
            h2 { (lang.pick("一覧を選ぶ", "Choose the list")) }
            div.field {
                label for="file" { (lang.pick("CSV ファイル（UTF-8）", "CSV file (UTF-8)")) }
                input #file name="file" type="file" accept=".csv,text/csv,text/plain" aria-describedby="csv-help";
            }
            div.field {
                label for="text" { (lang.pick("または CSV を貼り付け", "Or paste the CSV")) }
                textarea #text name="text" rows="5" spellcheck="false" autocomplete="off" aria-describedby="csv-help" { (text) }
            }
            div #csv-help .help {
                p { (lang.pick("1列目に法人番号、2列目に求める★（省略可）。見出し行（法人番号, ★ など）があっても構いません。最大 10,000 行、2 MiB。", "Corporate number in the first column, the ★ required in the second (optional). A header row (corporateNumber, level, …) is fine. Up to 10,000 rows, 2 MiB.")) }
                pre.code { "法人番号,求める★\n7000012050002,4\n9234567890123,3" }
            }
            button.primary type="submit" { (lang.pick("確認する", "Check")) }
        }
    }
}

fn results_markup(
    lang: Lang,
    parsed: &Parsed,
    results: &[RowResult],
    source: &str,
    at: scs_core::timestamp::Timestamp,
) -> Markup {
    let (valid, invalid, unknown) = scs_suppliers::summary(results);
    let broken: Vec<_> = parsed.broken().collect();
    html! {
        section.card #result aria-labelledby="summary-h" tabindex="-1" {
            h2 #summary-h { (lang.pick("結果", "Results")) }
            p.summary {
                span.count.ok { "✓ " (lang.pick("有効", "Valid")) " " strong { (valid) } }
                span.count.bad { "✗ " (lang.pick("無効", "Invalid")) " " strong { (invalid) } }
                span.count.warn { "? " (lang.pick("判定不能", "Unknown")) " " strong { (unknown) } }
                span.muted { (lang.pick("（判定時点 ", "(as of ")) (at.to_string()) (lang.pick("）", ")")) }
            }
            @if !broken.is_empty() {
                div.notice.warn role="status" {
                    p { strong { (lang.pick("読めなかった行が ", "")) (broken.len()) (lang.pick(" 行あります（無効として扱い、ほかの行は確認しました）:", " rows could not be read (counted as invalid; the other rows were checked):")) } }
                    ul {
                        @for row in broken.iter().take(MAX_LISTED) {
                            li { (lang.pick("", "line ")) (row.line) (lang.pick(" 行目: ", ": ")) @if let Err(why) = &row.input { (lang.msg(why)) } }
                        }
                    }
                    @if broken.len() > MAX_LISTED {
                        p { (lang.pick("ほか ", "and ")) (broken.len() - MAX_LISTED) (lang.pick(" 行", " more")) }
                    }
                }
            }
            @if parsed.not_processed > 0 {
                div.notice.warn role="status" {
                    p { (lang.pick("行数が上限（10,000 行）を超えたため、", "The list has more than 10,000 rows: "))
                        strong { (parsed.not_processed) }
                        (lang.pick(" 行は確認していません。一覧を分けてください。", " rows were not checked; split the list.")) }
                }
            }
            form method="post" action=(lang.href("/bulk")) enctype="multipart/form-data" {
                textarea name="text" hidden aria-hidden="true" tabindex="-1" { (source) }
                input type="hidden" name="format" value="csv";
                button.secondary type="submit" { (lang.pick("結果を CSV でダウンロード", "Download the results as CSV")) }
            }
            (super::evidence::bulk_buttons(lang, source))
            @if results.len() > MAX_SHOWN {
                p.help { (lang.pick("表には最初の 2,000 行を表示しています。すべての行は CSV に含まれます。", "The table shows the first 2,000 rows; the CSV has them all.")) }
            }
            div.table-wrap { table.results {
                thead { tr {
                    th scope="col" { (lang.pick("行", "Line")) }
                    th scope="col" { (lang.pick("法人番号", "Corporate Number")) }
                    th scope="col" { (lang.pick("会社名", "Company")) }
                    th scope="col" { (lang.pick("求める★", "★ required")) }
                    th scope="col" { (lang.pick("判定", "Verdict")) }
                    th scope="col" { "★" }
                    th scope="col" { (lang.pick("状態", "Status")) }
                    th scope="col" { (lang.pick("理由", "Why")) }
                } }
                tbody {
                    @for r in results.iter().take(MAX_SHOWN) {
                        @let (class, mark) = match r.verdict { Verdict::Valid => ("ok", "✓"), Verdict::Invalid => ("bad", "✗"), Verdict::Unknown => ("warn", "?") };
                        tr class=(format!("row-{class}")) {
                            td { (r.line) }
                            td.mono {
                                @match &r.corporate_number {
                                    Some(n) => { a href=(lang.href(&format!("/organizations/{n}"))) { (n) } }
                                    None => { (r.given) }
                                }
                            }
                            td { @match (lang, &r.legal_name_en, &r.legal_name) { (Lang::En, Some(en), _) => { (en) } (_, _, Some(name)) => { (name) } _ => {} } }
                            td { @if let Some(l) = r.required { "★" (l) } @else { (r.given_level) } }
                            td { span class=(format!("verdict-cell {class}")) { (mark) " " (lang.pick(r.verdict.ja(), r.verdict.en())) } }
                            td { @if let Some(l) = r.level { (star(l, lang)) } }
                            td { (scs_suppliers::state_text(r, lang)) }
                            td.small { (lang.msg(&r.detail)) }
                        }
                    }
                }
            } }
        }
    }
}
