//! `/bulk`: a supplier list (CSV in UTF-8 or Shift_JIS, or an `.xlsx` workbook, of 法人番号 with
//! the ★ required or the trust list's yes/no questions, and any other columns) checked at once,
//! shown as a table by category (all rows, or only those that need attention) and downloadable
//! as CSV or `.xlsx`. The logic is [`scs_suppliers`], shared with `scs verify-batch`.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;
use maud::{html, Markup};
use scs_core::ids::{CorporateNumber, CredentialId};
use scs_core::report::{Message, Report};
use scs_core::trust_list::RequiredLevelRule;
use scs_suppliers::{
    Category, CredentialSummary, Organization, Parsed, RegistrySource, RowResult, Summary,
};
use scs_verifier::Question;

use super::{judged_star, Frame, Lang, Nav, PageLang};
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
        self.verify_all(&[(id, *question)])
            .pop()
            .unwrap_or_else(|| Err(registered_unreadable()))
    }

    /// The rows' registered credentials verified together: their signatures on every core, in
    /// Ed25519 batches ([`Ledger::verify_registered_each`]).
    fn verify_all(&self, asks: &[(&str, Question)]) -> Vec<Result<Report, Message>> {
        let ids: Vec<Option<CredentialId>> = asks
            .iter()
            .map(|(id, _)| CredentialId::parse(id).ok())
            .collect();
        let known: Vec<(CredentialId, Question)> = ids
            .iter()
            .zip(asks)
            .filter_map(|(id, (_, question))| Some(((*id)?, *question)))
            .collect();
        let mut answers = self.0.verify_registered_each(&known).into_iter();
        ids.iter()
            .map(|id| {
                id.ok_or_else(registered_unreadable)?;
                match answers.next() {
                    Some(Ok(Some(Ok(report)))) => Ok(report),
                    Some(Ok(Some(Err(e)))) => Err(Message::new(
                        format!("証明書を読めません（{e}）"),
                        format!("credential unreadable ({e})"),
                    )),
                    Some(Err(failure)) => Err(ledger_unreadable(&failure)),
                    Some(Ok(None)) | None => Err(registered_unreadable()),
                }
            })
            .collect()
    }
}

/// A row's reason when its credential id is not one the registry holds.
fn registered_unreadable() -> Message {
    Message::new(
        "登録された証明書を読めません",
        "registered credential unreadable",
    )
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
    let rule = required_level_rule(&app);
    frame.render(
        StatusCode::OK,
        lang.pick("取引先の一括確認", "Check a supplier list"),
        body(lang, "", rule.as_ref(), None),
    )
}

/// The rule of the trust list in force that works out the ★ required from yes/no questions.
fn required_level_rule(app: &AppState) -> Option<RequiredLevelRule> {
    app.ledger.trust_list().0.policy.required_level_rule.clone()
}

/// What the form asks to be answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Answer {
    /// The page with the table.
    #[default]
    Page,
    /// The results as a CSV file (UTF-8 with BOM).
    Csv,
    /// The results as an Excel workbook.
    Xlsx,
}

/// The bulk form, as submitted.
#[derive(Debug, Default)]
pub struct Submitted {
    /// The uploaded file (empty when none was chosen).
    pub file: Vec<u8>,
    /// The pasted list.
    pub text: String,
    /// The list the results page sends back with its buttons (base64 of the bytes first read).
    pub data: Vec<u8>,
    /// `format=csv` / `format=xlsx`: a file instead of the page.
    pub answer: Answer,
    /// `problems=1`: only the rows that need attention.
    pub problems_only: bool,
    /// `evidence=json|print`: the signed result of the whole list instead of the page.
    pub evidence: Option<super::evidence::Wanted>,
}

impl Submitted {
    /// The list: the uploaded file, else the list sent back, else the pasted text.
    fn list(&self) -> &[u8] {
        [&self.file[..], &self.data[..], self.text.as_bytes()]
            .into_iter()
            .find(|bytes| !bytes.is_empty())
            .unwrap_or_default()
    }
}

/// Largest base64 text of a list sent back.
const MAX_DATA_CHARS: usize = scs_suppliers::MAX_CSV_BYTES / 3 * 4 + 4;

fn too_large() -> (StatusCode, Message) {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        scs_suppliers::ListError::TooLarge.message(),
    )
}

fn unreadable_form() -> (StatusCode, Message) {
    (
        StatusCode::BAD_REQUEST,
        Message::new(
            "送信された内容を読めません。もう一度お試しください",
            "the form could not be read; please try again",
        ),
    )
}

/// Reads the fields of the bulk form from a `multipart/form-data` body (fuzzed in
/// `fuzz/fuzz_targets/multipart.rs`).
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Submitted, (StatusCode, Message)> {
    let mut multipart = multipart.map_err(|_| unreadable_form())?;
    let mut form = Submitted::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable_form()),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable_form()),
        };
        let limit = if name == "data" {
            MAX_DATA_CHARS
        } else {
            scs_suppliers::MAX_CSV_BYTES
        };
        if bytes.len() > limit {
            return Err(too_large());
        }
        match name.as_str() {
            "file" => form.file = bytes.to_vec(),
            "text" => form.text = String::from_utf8_lossy(&bytes).into_owned(),
            "data" => {
                form.data = base64::engine::general_purpose::STANDARD
                    .decode(bytes.trim_ascii())
                    .map_err(|_| unreadable_form())?;
            }
            "format" => {
                form.answer = match &bytes[..] {
                    b"csv" => Answer::Csv,
                    b"xlsx" => Answer::Xlsx,
                    _ => Answer::Page,
                }
            }
            "problems" => form.problems_only = &bytes[..] == b"1",
            "evidence" => form.evidence = super::evidence::Wanted::from_field(&bytes),
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /bulk` — the table, or with `format=csv` / `format=xlsx` the file; with `problems=1`
/// only the rows that need attention.
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
    let rule = required_level_rule(&app);
    // Before the upload is read: it is held in memory, and judged on a blocking thread, which
    // keeps the permit until it is done even if the client has gone.
    let Some(slot) = super::upload_slot(&app) else {
        return super::busy(&frame);
    };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err((status, why)) => {
            return frame.render(status, title, body(lang, "", rule.as_ref(), Some(Err(why))))
        }
    };
    let parsed = match scs_suppliers::read_list(form.list(), rule.as_ref()) {
        Ok(parsed) => parsed,
        Err(error) => {
            let status = match error {
                scs_suppliers::ListError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return frame.render(
                status,
                title,
                body(lang, &form.text, rule.as_ref(), Some(Err(error.message()))),
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
        let why = Message::new(
            "この一覧は確認できませんでした",
            "this list could not be checked",
        );
        return frame.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            title,
            body(lang, "", rule.as_ref(), Some(Err(why))),
        );
    };
    if let Some(wanted) = form.evidence {
        return super::evidence::for_bulk(&frame, wanted, form.list(), &parsed, &results, at);
    }
    let counted = scs_suppliers::summary(&results);
    let shown = if form.problems_only {
        scs_suppliers::problems_only(&results)
    } else {
        results
    };
    let name = format!("scs-bulk-{}", at.date());
    match form.answer {
        Answer::Csv => {
            let csv = format!("\u{FEFF}{}", scs_suppliers::to_csv(&shown, &parsed, lang));
            super::download(
                csv.into_bytes(),
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            )
        }
        Answer::Xlsx => match scs_suppliers::to_xlsx(&shown, &parsed, lang, at) {
            Ok(bytes) => super::download(bytes, XLSX_TYPE, &format!("{name}.xlsx")),
            Err(why) => frame.render(
                StatusCode::INTERNAL_SERVER_ERROR,
                title,
                body(lang, "", rule.as_ref(), Some(Err(why))),
            ),
        },
        Answer::Page => {
            let data = base64::engine::general_purpose::STANDARD.encode(form.list());
            let checked = Checked {
                parsed: &parsed,
                counted: &counted,
                shown: &shown,
                problems_only: form.problems_only,
                at,
            };
            let table = results_markup(lang, &checked, &data);
            frame.render(
                StatusCode::OK,
                title,
                body(lang, "", rule.as_ref(), Some(Ok(table))),
            )
        }
    }
}

/// The media type of an `.xlsx` workbook.
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn body(
    lang: Lang,
    text: &str,
    rule: Option<&RequiredLevelRule>,
    outcome: Option<Result<Markup, Message>>,
) -> Markup {
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
                    "取引先の一覧（CSV または Excel）から、各社がいま求める★の有効な取得証明を持っているかをまとめて確かめ、要件充足・★不足・未登録・取消・一時停止・期限切れ・期限間近などに分けて示します。",
                    "Check from a list of suppliers (CSV or Excel) whether each holds a credential valid now of the ★ you require, sorted into meets, ★ too low, not registered, revoked, suspended, expired, expiring soon and more."
                )) }
            }
        }
        form.card method="post" action=(lang.href("/bulk")) enctype="multipart/form-data" {
            h2 { (lang.pick("一覧を選ぶ", "Choose the list")) }
            div.field {
                label for="file" { (lang.pick("CSV または Excel（.xlsx）ファイル", "CSV or Excel (.xlsx) file")) }
                input #file name="file" type="file" accept=".csv,.xlsx,.txt,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-describedby="csv-help";
            }
            div.field {
                label for="text" { (lang.pick("または CSV を貼り付け", "Or paste the CSV")) }
                textarea #text name="text" rows="5" spellcheck="false" autocomplete="off" aria-describedby="csv-help" { (text) }
            }
            div.field {
                label { input type="checkbox" name="problems" value="1"; " " (lang.pick("問題のある行だけ表示する", "Show only the rows with problems")) }
            }
            (help(lang, rule))
            button.primary type="submit" { (lang.pick("確認する", "Check")) }
        }
    }
}

/// What the form takes, and the trust list's questions when it has them.
fn help(lang: Lang, rule: Option<&RequiredLevelRule>) -> Markup {
    html! {
        div #csv-help .help {
            p { (lang.pick(
                "CSV は UTF-8（BOM 付きも可）でも、Excel の「CSV」で保存した Shift_JIS でも読めます。Excel ブック（.xlsx）は最初のシートを読みます。最大 10,000 行、2 MiB。",
                "CSV may be UTF-8 (with or without BOM) or Shift_JIS as Excel saves \"CSV\" in Japan; of an Excel workbook (.xlsx) the first sheet is read. Up to 10,000 rows, 2 MiB."
            )) }
            p { (lang.pick(
                "見出し行があれば、法人番号の列は見出し（法人番号・会社法人等番号・corporate number など）で探し、求める★は「求める★」（★・level・required）の列から読みます。ほかの列（取引先コード・取引先名など）はそのまま結果に残ります。見出しがなければ、1列目が法人番号、2列目が求める★（省略可）です。",
                "With a header row, the corporate number column is found by its header (法人番号, 会社法人等番号, corporate number, …) and the ★ required by the column headed ★ / level / required; your other columns (supplier code, name, …) are kept in the results. Without one, the corporate number is first and the ★ required (optional) second."
            )) }
            @if let Some(rule) = rule {
                p { (lang.pick("求める★の列が空の行は、次の設問の列（はい・いいえ）から決めます。どれか一つでも「はい」なら ", "Where the ★ column is empty, the ★ required comes from these yes/no columns: any yes → "))
                    "★" (rule.any_yes.get())
                    (lang.pick("、すべて「いいえ」なら ", ", all no → "))
                    "★" (rule.all_no.get())
                    (lang.pick("（指定機関一覧の方針による）。求める★を書いた行はその★が優先します。", " (the trust list's policy). A ★ given in its column wins.")) }
                ul {
                    @for q in &rule.questions {
                        li { "「" (lang.pick(&q.header, &q.header_en)) "」: " (lang.pick(&q.question, &q.question_en)) }
                    }
                }
            }
            pre.code { "取引先コード,取引先名,法人番号,求める★\nA-001,株式会社さくら精機,7000012050002,4\nA-002,青葉システム株式会社,9234567890123,3" }
        }
    }
}

/// A checked list, as the results page shows it.
struct Checked<'a> {
    parsed: &'a Parsed,
    counted: &'a Summary,
    shown: &'a [RowResult],
    problems_only: bool,
    at: scs_core::timestamp::Timestamp,
}

/// The CSS class and mark of a category.
fn category_style(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::Meets => ("ok", "✓"),
        Category::ExpiringSoon | Category::Unknown => ("warn", "!"),
        _ => ("bad", "✗"),
    }
}

/// The counts by category: every category with rows, and 要件充足 always.
fn counts_markup(lang: Lang, counted: &Summary) -> Markup {
    html! {
        p.summary {
            @for (category, n) in &counted.categories {
                @if *n > 0 || *category == Category::Meets {
                    @let (class, mark) = category_style(*category);
                    span class=(format!("count {class}")) { (mark) " " (lang.msg(&category.message())) " " strong { (n) } }
                }
            }
        }
    }
}

/// The one form of the results: the list sent back, the filter, and the downloads.
fn actions_markup(lang: Lang, problems_only: bool, data: &str) -> Markup {
    html! {
        form.actions method="post" action=(lang.href("/bulk")) enctype="multipart/form-data" {
            input type="hidden" name="data" value=(data);
            label { input type="checkbox" name="problems" value="1" checked[problems_only]; " " (lang.pick("問題のある行だけ", "Only the rows with problems")) }
            " "
            button.secondary type="submit" name="format" value="page" { (lang.pick("表示を更新", "Update the table")) }
            " "
            button.secondary type="submit" name="format" value="xlsx" { (lang.pick("Excel（.xlsx）でダウンロード", "Download as Excel (.xlsx)")) }
            " "
            button.secondary type="submit" name="format" value="csv" { (lang.pick("CSV でダウンロード", "Download as CSV")) }
            " "
            (super::evidence::bulk_buttons(lang))
        }
    }
}

fn notices_markup(lang: Lang, parsed: &Parsed) -> Markup {
    let broken: Vec<_> = parsed.broken().collect();
    html! {
        @if !broken.is_empty() {
            div.notice.warn role="status" {
                p { strong { (lang.pick("読めなかった行が ", "")) (broken.len()) (lang.pick(" 行あります（入力エラーとして扱い、ほかの行は確認しました）:", " rows could not be read (input errors; the other rows were checked):")) } }
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
    }
}

fn results_markup(lang: Lang, checked: &Checked<'_>, data: &str) -> Markup {
    let parsed = checked.parsed;
    html! {
        section.card #result aria-labelledby="summary-h" tabindex="-1" {
            h2 #summary-h { (lang.pick("結果", "Results")) }
            (counts_markup(lang, checked.counted))
            p.muted {
                (lang.pick("判定時点 ", "As of ")) (scs_suppliers::office_time(&checked.at))
                (lang.pick("・読み込んだ形式: ", " · read as ")) (lang.msg(&parsed.encoding.message()))
                @if parsed.by_questions {
                    (lang.pick("・求める★が空の行は設問の列から決めました", " · where the ★ required was empty, it was worked out from the question columns"))
                }
            }
            (notices_markup(lang, parsed))
            (actions_markup(lang, checked.problems_only, data))
            @if checked.problems_only {
                p.help { (lang.pick("問題のある行だけを表示しています（", "Showing only the rows with problems (")) (checked.counted.problems()) (lang.pick(" 行）。", " rows).")) }
            }
            @if checked.shown.len() > MAX_SHOWN {
                p.help { (lang.pick("表には最初の 2,000 行を表示しています。すべての行はダウンロードに含まれます。", "The table shows the first 2,000 rows; the downloads have them all.")) }
            }
            @let heads = Heads::of(lang);
            @let kept: Vec<String> = parsed.kept.iter().map(|k| k.title(lang)).collect();
            div.table-wrap { table.results.cards {
                thead { tr {
                    th scope="col" { (heads.line) }
                    th scope="col" { (heads.number) }
                    @for title in &kept { th scope="col" { (title) } }
                    th scope="col" { (heads.required) }
                    th scope="col" { (heads.category) }
                    th scope="col" { (heads.company) }
                    th scope="col" { (heads.level) }
                    th scope="col" { (heads.status) }
                    th scope="col" { (heads.until) }
                    th scope="col" { (heads.why) }
                } }
                tbody {
                    @for r in checked.shown.iter().take(MAX_SHOWN) {
                        (row_markup(lang, &heads, &kept, r))
                    }
                }
            } }
        }
    }
}

/// The results table's column titles: the header row's, and each cell's label on a phone,
/// where a row is shown as a card.
struct Heads {
    line: &'static str,
    number: &'static str,
    required: &'static str,
    category: &'static str,
    company: &'static str,
    level: &'static str,
    status: &'static str,
    until: &'static str,
    why: &'static str,
}

impl Heads {
    fn of(lang: Lang) -> Self {
        Self {
            line: lang.pick("行", "Line"),
            number: lang.pick("法人番号", "Corporate Number"),
            required: lang.pick("求める★", "★ required"),
            category: lang.pick("区分", "Category"),
            company: lang.pick("会社名", "Company"),
            level: "★",
            status: lang.pick("状態", "Status"),
            until: lang.pick("有効期限", "Valid until"),
            why: lang.pick("理由", "Why"),
        }
    }
}

fn row_markup(lang: Lang, heads: &Heads, kept: &[String], r: &RowResult) -> Markup {
    let (class, mark) = category_style(r.category);
    html! {
        tr class=(format!("row-{class}")) {
            td data-label=(heads.line) { (r.line) }
            td data-label=(heads.number) {
                @match &r.corporate_number {
                    Some(n) => { a.mono.corp-no href=(lang.href(&format!("/organizations/{n}"))) { (n) } }
                    None => { span.mono { (r.given) } }
                }
            }
            @for (cell, title) in r.kept.iter().zip(kept) { td data-label=(title) { (cell) } }
            td data-label=(heads.required) { @if let Some(l) = r.required { "★" (l) } @else { (r.given_level) } }
            td data-label=(heads.category) { span class=(format!("verdict-cell {class}")) { (mark) " " (lang.msg(&r.category.message())) } }
            td data-label=(heads.company) { @match (lang, &r.legal_name_en, &r.legal_name) { (Lang::En, Some(en), _) => { (en) } (_, _, Some(name)) => { (name) } _ => {} } }
            td data-label=(heads.level) { @if let Some(l) = r.level { (judged_star(l, lang, matches!(r.category, Category::Meets | Category::ExpiringSoon))) } }
            td data-label=(heads.status) { (scs_suppliers::state_text(r, lang)) }
            td data-label=(heads.until) { @if let Some(until) = &r.valid_until { time datetime=(until.to_string()) { (super::date(until, lang)) } } }
            @let (plain, technical) = super::verdict::fold(lang, lang.msg(&r.detail));
            td.small data-label=(heads.why) { (plain) (super::verdict::technical(lang, technical.as_deref())) }
        }
    }
}
