//! The judged rows written out: as CSV for spreadsheets, as JSON, and counted.

use scs_core::lifecycle::CredentialState;
use scs_core::report::Verdict;
use scs_core::timestamp::Timestamp;
use serde_json::{json, Value};

use crate::judge::RowResult;
use crate::lang::Lang;
use crate::list::Parsed;

/// How many rows got each verdict: (valid, invalid, unknown).
pub fn summary(results: &[RowResult]) -> (usize, usize, usize) {
    results
        .iter()
        .fold((0, 0, 0), |(v, i, u), r| match r.verdict {
            Verdict::Valid => (v + 1, i, u),
            Verdict::Invalid => (v, i + 1, u),
            Verdict::Unknown => (v, i, u + 1),
        })
}

/// The state shown for a row: the state and its reason, in `lang`.
pub fn state_text(result: &RowResult, lang: Lang) -> String {
    let Some(state) = result.state else {
        return String::new();
    };
    let state_text = lang.pick(state.ja(), state.en());
    match result.reason {
        Some(reason) if state != CredentialState::Active => {
            let reason_text = lang.pick(reason.ja(), reason.code());
            match lang {
                Lang::Ja => format!("{state_text}（{reason_text}）"),
                Lang::En => format!("{state_text} ({reason_text})"),
            }
        }
        _ => state_text.to_owned(),
    }
}

/// A CSV cell: quoted when needed, and defused when a spreadsheet would read it as a formula.
fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The results as CSV (CRLF line ends, header in `lang`).
pub fn to_csv(results: &[RowResult], lang: Lang) -> String {
    let header = match lang {
        Lang::Ja => [
            "行",
            "法人番号",
            "会社名",
            "求める★",
            "判定",
            "★",
            "状態",
            "理由",
            "有効期限",
            "証明書ID",
        ],
        Lang::En => [
            "line",
            "corporateNumber",
            "legalName",
            "requiredLevel",
            "verdict",
            "level",
            "status",
            "detail",
            "validUntil",
            "credentialId",
        ],
    };
    let mut out = header.join(",") + "\r\n";
    for r in results {
        let name = match lang {
            Lang::En => r.legal_name_en.as_ref().or(r.legal_name.as_ref()),
            Lang::Ja => r.legal_name.as_ref(),
        };
        let cells = [
            r.line.to_string(),
            r.corporate_number
                .clone()
                .unwrap_or_else(|| r.given.clone()),
            name.cloned().unwrap_or_default(),
            r.required
                .map(|l| l.to_string())
                .unwrap_or_else(|| r.given_level.clone()),
            lang.pick(r.verdict.ja(), r.verdict.en()).to_owned(),
            r.level.map(|l| l.to_string()).unwrap_or_default(),
            state_text(r, lang),
            lang.pick(&r.detail.ja, &r.detail.en).to_owned(),
            r.valid_until.map(|t| t.to_string()).unwrap_or_default(),
            r.credential_id.clone().unwrap_or_default(),
        ];
        out += &cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",");
        out += "\r\n";
    }
    out
}

/// The results as JSON: `{"checkedAt", "summary": {valid, invalid, unknown, notProcessed},
/// "rows": [{line, corporateNumber, legalName, requiredLevel, verdict, level, state, reason,
/// detail, detailJa, validUntil, credentialId}]}`.
pub fn to_json(results: &[RowResult], parsed: &Parsed, at: Timestamp) -> Value {
    let (valid, invalid, unknown) = summary(results);
    json!({
        "checkedAt": at,
        "summary": {"valid": valid, "invalid": invalid, "unknown": unknown, "notProcessed": parsed.not_processed},
        "rows": results.iter().map(|r| json!({
            "line": r.line,
            "given": r.given,
            "corporateNumber": r.corporate_number,
            "legalName": r.legal_name,
            "legalNameEn": r.legal_name_en,
            "requiredLevel": r.required,
            "verdict": r.verdict,
            "level": r.level,
            "state": r.state,
            "reason": r.reason,
            "detail": r.detail.en,
            "detailJa": r.detail.ja,
            "validUntil": r.valid_until,
            "credentialId": r.credential_id,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("株式会社"), "株式会社");
    }
}
