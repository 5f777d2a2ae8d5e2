//! `/api`: the API reference for people, rendered on the server from the OpenAPI document that
//! `GET /v1/openapi.json` serves ([`crate::openapi::document`]) — every operation with its
//! parameters, request body and answers, and the schemas they name. No script, nothing from
//! another site: the pages' Content-Security-Policy holds.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{RefOr, Required};

use super::{Frame, Lang, Nav, PageLang};
use crate::app::AppState;
use crate::openapi::{document, operations};

/// `GET /api`
pub async fn page(State(app): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Response {
    let frame = Frame::new(&app, lang, &uri, Nav::None);
    let document = document();
    let operations: Vec<(&str, &str, &Operation)> = document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            operations(item)
                .into_iter()
                .map(move |(method, operation)| (method, path.as_str(), operation))
        })
        .collect();
    let title = lang.pick("API リファレンス", "API reference");
    frame.render(
        StatusCode::OK,
        title,
        html! {
            h1 { (title) }
            p.lead { (lang.pick(
                "登録機関の HTTP API（/v1）です。照会・失効リスト・検証・台帳は誰でも使えます。書き込みは、指定機関一覧が認める鍵で署名した文書だけを受け付けます。エラーはすべて RFC 9457 の problem+json で、type は変わりません。",
                "The registry's HTTP API (/v1). Look-ups, status lists, verification and the log are open to anyone; a write is a document signed by a key the trust list authorises. Every error is an RFC 9457 problem+json document with a stable type."
            )) }
            p {
                (lang.pick("機械で読める原本: ", "Machine-readable original: "))
                a href="/v1/openapi.json" { "/v1/openapi.json" }
                " (OpenAPI " (openapi_version(document)) ")"
            }
            section aria-labelledby="api-toc-h" {
                h2 #api-toc-h { (lang.pick("エンドポイント一覧", "Endpoints")) }
                ul {
                    @for (method, path, operation) in &operations {
                        li { a href=(format!("#{}", anchor(method, path))) { code { (method) " " (path) } } " — " (summary(operation)) }
                    }
                }
            }
            @for (method, path, operation) in &operations {
                (operation_card(method, path, operation, lang))
            }
            (schemas(lang))
        },
    )
}

/// The OpenAPI version the document declares (`3.1.0`).
fn openapi_version(document: &utoipa::openapi::OpenApi) -> String {
    serde_json::to_value(&document.openapi)
        .ok()
        .and_then(|version| version.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The fragment naming an operation's card: `get-v1-credentials-id`.
fn anchor(method: &str, path: &str) -> String {
    let mut anchor = method.to_ascii_lowercase();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            anchor.push(c.to_ascii_lowercase());
        } else if !anchor.ends_with('-') {
            anchor.push('-');
        }
    }
    anchor.trim_end_matches('-').to_owned()
}

fn summary(operation: &Operation) -> &str {
    operation.summary.as_deref().unwrap_or_default()
}

/// One operation: what it does, its parameters, its body and its answers.
fn operation_card(method: &str, path: &str, operation: &Operation, lang: Lang) -> Markup {
    let id = anchor(method, path);
    let heading = format!("{id}-h");
    html! {
        section.card #(id) aria-labelledby=(heading) {
            h2 #(heading) { code { (method) " " (path) } }
            p { strong { (summary(operation)) } }
            @if let Some(description) = &operation.description {
                @for paragraph in description.split("\n\n") { p { (paragraph) } }
            }
            @if let Some(parameters) = operation.parameters.as_ref().filter(|p| !p.is_empty()) {
                h3 { (lang.pick("パラメータ", "Parameters")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (lang.pick("名前", "Name")) }
                        th scope="col" { (lang.pick("場所", "In")) }
                        th scope="col" { (lang.pick("必須", "Required")) }
                        th scope="col" { (lang.pick("説明", "Description")) }
                    } }
                    tbody { @for parameter in parameters { (parameter_row(parameter, lang)) } }
                } }
            }
            @if let Some(body) = &operation.request_body {
                h3 { (lang.pick("リクエスト本文", "Request body")) }
                @if let Some(description) = &body.description { p { (description) } }
                ul { @for (media, content) in &body.content {
                    li { code { (media) } " — " (schema_text(content.schema.as_ref())) }
                } }
            }
            h3 { (lang.pick("応答", "Responses")) }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.pick("ステータス", "Status")) }
                    th scope="col" { (lang.pick("形式", "Content type")) }
                    th scope="col" { (lang.pick("説明", "Description")) }
                } }
                tbody { @for (status, response) in &operation.responses.responses {
                    @let (description, media) = response_text(response);
                    tr {
                        td { (status) }
                        td.mono.small { (media) }
                        td { (description) }
                    }
                } }
            } }
        }
    }
}

fn parameter_row(parameter: &Parameter, lang: Lang) -> Markup {
    let place = match parameter.parameter_in {
        ParameterIn::Path => lang.pick("パス", "path"),
        ParameterIn::Query => lang.pick("クエリ", "query"),
        ParameterIn::Header => lang.pick("ヘッダー", "header"),
        ParameterIn::Cookie => "cookie",
    };
    let required = matches!(parameter.required, Required::True);
    html! {
        tr {
            td.mono { (parameter.name) }
            td { (place) }
            td { @if required { (lang.pick("はい", "yes")) } @else { (lang.pick("いいえ", "no")) } }
            td { (parameter.description.as_deref().unwrap_or_default()) }
        }
    }
}

/// A response's description and its media types with their schemas.
fn response_text(response: &RefOr<utoipa::openapi::Response>) -> (String, String) {
    match response {
        RefOr::T(response) => (
            response.description.clone(),
            response
                .content
                .iter()
                .map(|(media, content)| {
                    format!("{media} ({})", schema_text(content.schema.as_ref()))
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        RefOr::Ref(reference) => (reference.ref_location.clone(), String::new()),
    }
}

/// A schema in a few words: the component's name, or its type.
fn schema_text(schema: Option<&RefOr<Schema>>) -> String {
    match schema {
        None => "—".to_owned(),
        Some(RefOr::Ref(reference)) => reference
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        Some(RefOr::T(schema)) => type_text(schema),
    }
}

fn type_text(schema: &Schema) -> String {
    match schema {
        Schema::Object(object) => match &object.schema_type {
            SchemaType::Type(kind) => type_name(kind).to_owned(),
            SchemaType::Array(kinds) => kinds.iter().map(type_name).collect::<Vec<_>>().join(" | "),
            SchemaType::AnyValue => "any".to_owned(),
        },
        Schema::Array(array) => format!("array of {}", item_text(&array.items)),
        Schema::AllOf(all) => all
            .items
            .iter()
            .map(|item| schema_text(Some(item)))
            .collect::<Vec<_>>()
            .join(" + "),
        Schema::OneOf(one) => one
            .items
            .iter()
            .map(|item| schema_text(Some(item)))
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".to_owned(),
    }
}

fn item_text(items: &utoipa::openapi::schema::ArrayItems) -> String {
    match items {
        utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => schema_text(Some(item)),
        utoipa::openapi::schema::ArrayItems::False => "nothing".to_owned(),
    }
}

fn type_name(kind: &Type) -> &'static str {
    match kind {
        Type::Object => "object",
        Type::String => "string",
        Type::Integer => "integer",
        Type::Number => "number",
        Type::Boolean => "boolean",
        Type::Array => "array",
        Type::Null => "null",
    }
}

/// The schemas the operations name, each with its members.
fn schemas(lang: Lang) -> Markup {
    let Some(components) = &document().components else {
        return html! {};
    };
    html! {
        section.card aria-labelledby="schemas-h" {
            h2 #schemas-h { (lang.pick("データ型", "Schemas")) }
            @for (name, schema) in &components.schemas {
                h3 #(format!("schema-{name}")) { code { (name) } }
                @match schema {
                    RefOr::T(Schema::Object(object)) if !object.properties.is_empty() => {
                        @if let Some(description) = &object.description { p { (description) } }
                        div.table-wrap { table {
                            thead { tr {
                                th scope="col" { (lang.pick("メンバー", "Member")) }
                                th scope="col" { (lang.pick("型", "Type")) }
                                th scope="col" { (lang.pick("必須", "Required")) }
                            } }
                            tbody { @for (member, member_schema) in &object.properties {
                                tr {
                                    td.mono { (member) }
                                    td { (schema_text(Some(member_schema))) }
                                    td { @if object.required.contains(member) { (lang.pick("はい", "yes")) } @else { (lang.pick("いいえ", "no")) } }
                                }
                            } }
                        } }
                    }
                    other => { p { (schema_text(Some(other))) } }
                }
            }
        }
    }
}
