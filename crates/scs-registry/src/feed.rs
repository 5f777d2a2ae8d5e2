//! The change feed over HTTP: `GET /v1/events` (JSON pages after a cursor) and the Atom feeds
//! (RFC 4287) of one company and of a list of companies. Machine-read, so every error is
//! problem+json. The events themselves come from `scs_ledger`'s query layer.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use maud::{html, Markup, PreEscaped};
use scs_core::ids::CorporateNumber;
use scs_ledger::{ChangeEvent, ChangeKind, EventPage, DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::limits::{MAX_FEED_COMPANIES, MAX_FEED_ENTRIES};

/// The feed's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/events", get(events))
        .route("/organizations/{number}/feed.atom", get(company_feed))
        .route("/feed.atom", get(companies_feed))
}

/// What the query string of the feed asks.
#[derive(Debug, Default)]
struct FeedQuery {
    after: Option<u64>,
    limit: Option<usize>,
    numbers: Vec<CorporateNumber>,
}

impl FeedQuery {
    /// Reads `after`, `limit` and `corporateNumber` (repeatable, at most
    /// [`MAX_FEED_COMPANIES`]), each checked; any other parameter is refused.
    fn read(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut query = Self::default();
        for (name, value) in pairs {
            let bad = |why: &str| ApiError::BadParameter(format!("{name}={value}: {why}"));
            match name.as_str() {
                "after" if query.after.is_none() => {
                    query.after = Some(value.parse().map_err(|_| bad("not a log index"))?)
                }
                "limit" if query.limit.is_none() => {
                    let limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_EVENTS_PAGE).contains(n))
                        .ok_or_else(|| bad(&format!("give 1 to {MAX_EVENTS_PAGE}")))?;
                    query.limit = Some(limit);
                }
                "corporateNumber" if query.numbers.len() < MAX_FEED_COMPANIES => {
                    let number = CorporateNumber::parse(&value)
                        .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
                    if !query.numbers.contains(&number) {
                        query.numbers.push(number);
                    }
                }
                "corporateNumber" => {
                    return Err(bad(&format!(
                        "at most {MAX_FEED_COMPANIES} companies per request"
                    )))
                }
                "after" | "limit" => return Err(bad("given twice")),
                _ => return Err(bad("unknown parameter")),
            }
        }
        Ok(query)
    }
}

/// 変更イベント / the events after a cursor.
///
/// Registrations, status changes and the withdrawal or compromise of issuers, in log order;
/// with `corporateNumber`, only those of these companies' credentials.
#[utoipa::path(get, path = "/v1/events", tag = "feed",
    params(
        ("after" = Option<u64>, Query, description = "The cursor: events of entries after this log index (default: from entry 0)"),
        ("limit" = Option<usize>, Query, description = "How many log entries one page covers: 1–1000, default 100"),
        ("corporateNumber" = Option<Vec<String>>, Query, description = "Repeatable, at most 100: only these companies' events"),
    ),
    responses(
        (status = 200, description = "A page of events", body = EventPage, content_type = "application/json"),
        (status = 400, description = "bad-parameter or invalid-corporate-number: an unknown or repeated parameter, a limit out of range, a wrong 法人番号", body = crate::error::ProblemDocument, content_type = "application/problem+json"),
    ))]
pub(crate) async fn events(
    State(app): State<AppState>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Json<EventPage>, ApiError> {
    let query = FeedQuery::read(pairs)?;
    let limit = query.limit.unwrap_or(DEFAULT_EVENTS_PAGE);
    let page = if query.numbers.is_empty() {
        app.ledger.events_after(query.after, limit)?
    } else {
        app.ledger
            .company_events(&query.numbers, query.after, limit)?
    };
    Ok(Json(page))
}

/// `GET /organizations/{法人番号}/feed.atom`.
async fn company_feed(
    State(app): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let number = CorporateNumber::parse(&number)
        .map_err(|e| ApiError::InvalidCorporateNumber(e.to_string()))?;
    let base = base_url(&app);
    let self_url = format!("{base}/organizations/{}/feed.atom", number.as_str());
    atom(&app, &[number], &self_url)
}

/// `GET /feed.atom?corporateNumber=…&corporateNumber=…`.
async fn companies_feed(
    State(app): State<AppState>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let query = FeedQuery::read(pairs)?;
    if query.numbers.is_empty() || query.after.is_some() || query.limit.is_some() {
        return Err(ApiError::BadParameter(
            "give one or more corporateNumber parameters, and nothing else".into(),
        ));
    }
    let numbers: Vec<&str> = query.numbers.iter().map(CorporateNumber::as_str).collect();
    let self_url = format!(
        "{}/feed.atom?corporateNumber={}",
        base_url(&app),
        numbers.join("&corporateNumber=")
    );
    atom(&app, &query.numbers, &self_url)
}

fn base_url(app: &AppState) -> String {
    app.ledger
        .identity()
        .base_url
        .trim_end_matches('/')
        .to_owned()
}

/// The Atom feed of `numbers`' newest events (at most [`MAX_FEED_ENTRIES`]), newest first.
fn atom(app: &AppState, numbers: &[CorporateNumber], self_url: &str) -> Result<Response, ApiError> {
    let events = app
        .ledger
        .newest_company_events(numbers, MAX_FEED_ENTRIES)?;
    let newest: Vec<&ChangeEvent> = events.iter().rev().take(MAX_FEED_ENTRIES).collect();
    let base = base_url(app);
    let updated = newest
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or_else(scs_issuer::now);
    let names: Vec<String> = numbers
        .iter()
        .map(|number| {
            events
                .iter()
                .filter_map(|e| e.company.as_ref())
                .find(|c| c.corporate_number.as_ref() == Some(number))
                .map_or_else(
                    || number.as_str().to_owned(),
                    |c| format!("{}（{}）", c.legal_name, number.as_str()),
                )
        })
        .collect();
    let feed: Markup = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            id { (self_url) }
            title { "★認定の変更 / ★ credential changes: " (names.join("、")) }
            updated { (updated) }
            author { name { "SCS ★ 登録機関 / registry" } uri { (base) } }
            link rel="self" href=(self_url) {}
            @for event in &newest {
                (atom_entry(event, &base))
            }
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.into_string(),
    )
        .into_response())
}

/// One event as an Atom entry: its id is the log entry's URL with what it concerns as the
/// fragment, the same for as long as the log exists.
fn atom_entry(event: &ChangeEvent, base: &str) -> Markup {
    let concerns = event
        .credential
        .as_ref()
        .map(|c| c.id.to_string())
        .or_else(|| event.issuer.as_ref().map(|i| i.id.clone()))
        .unwrap_or_default();
    let id = format!("{base}/v1/log/entries/{}#{concerns}", event.log_index);
    let company = event.company.as_ref();
    let page = company
        .and_then(|c| c.corporate_number.as_ref())
        .map_or_else(
            || format!("{base}/issuers"),
            |n| format!("{base}/organizations/{}", n.as_str()),
        );
    let name = company.map(|c| c.legal_name.as_str()).unwrap_or_default();
    html! {
        entry {
            id { (id) }
            title {
                (event.kind.ja()) " / " (event.kind.code()) ": " (name)
                @if let Some(credential) = &event.credential { " ★" (credential.level) }
            }
            updated { (event.at) }
            link rel="alternate" href=(page) {}
            summary { (summary(event)) }
        }
    }
}

/// The facts of an event in one line, Japanese with English.
fn summary(event: &ChangeEvent) -> String {
    let mut parts = Vec::new();
    if let Some(number) = event
        .company
        .as_ref()
        .and_then(|c| c.corporate_number.as_ref())
    {
        parts.push(format!("法人番号 / corporate number {}", number.as_str()));
    }
    if let Some(credential) = &event.credential {
        parts.push(format!(
            "★{} {}（有効期限 / valid until {}）",
            credential.level,
            credential.id,
            credential.valid_until.date_in_japan().slashed()
        ));
    }
    if let Some(issuer) = &event.issuer {
        parts.push(format!("発行者 / issuer {}（{}）", issuer.name, issuer.id));
    }
    // A reinstatement carries the code of the suspension it lifts; shown as its own reason it
    // would say why the credential stopped holding, as the pages do not (web::shown_reason).
    let reason = event
        .reason
        .filter(|_| event.kind != ChangeKind::Reinstated);
    if let Some(reason) = reason {
        parts.push(format!(
            "理由 / reason {}（{}）",
            reason.ja(),
            reason.code()
        ));
    }
    parts.push(format!(
        "日時 / at {}（{} JST）; 台帳 / log index {}",
        event.at,
        event.at.date_in_japan().slashed(),
        event.log_index
    ));
    parts.join("; ")
}
