//! The human-readable report: Japanese first, English beside it.

use std::fmt::Write;

use scs_core::credential::Scope;
use scs_core::report::{Check, PresentationReport, Report, Verdict};

fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "✓",
        Verdict::Invalid => "✗",
        Verdict::Unknown => "?",
    }
}

/// One check's line, indented under its verdict.
fn check_line(out: &mut String, check: &Check) {
    let sign = if check.ok {
        "✓"
    } else if check.undecided {
        "?"
    } else {
        "✗"
    };
    let _ = writeln!(
        out,
        "  {sign} {} {}: {} / {}",
        check.name.ja(),
        check.name.en(),
        check.detail_ja,
        check.detail
    );
}

/// Renders a presentation's report: its own checks, then each credential's report.
pub fn presentation(report: &PresentationReport) -> String {
    let mut out = String::new();
    let count = report.credentials.len();
    let _ = writeln!(
        out,
        "{} {} / {} — 提示 Presentation（証明書 {count} 件 / {count} credential(s)）",
        mark(report.verdict),
        report.verdict.ja(),
        report.verdict.en()
    );
    for check in &report.checks {
        check_line(&mut out, check);
    }
    for (index, credential) in report.credentials.iter().enumerate() {
        let _ = writeln!(out, "\n[{}/{count}]", index + 1);
        out.push_str(&human(credential));
    }
    out
}

/// Renders a report for a terminal.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let headline = report
        .credential
        .as_ref()
        .map(|c| {
            let id = c
                .corporate_number
                .as_ref()
                .map(|n| format!("法人番号 {n}"))
                .or_else(|| c.lei.as_ref().map(|l| format!("LEI {l}")))
                .unwrap_or_default();
            format!(" — ★{} {} ({id})", c.level, c.legal_name)
        })
        .unwrap_or_default();
    let demo = report
        .trust_anchor
        .and_then(|a| a.mark())
        .map(|m| format!(" [{m}]"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} / {}{headline}{demo}",
        mark(report.verdict),
        report.verdict.ja(),
        report.verdict.en()
    );
    for check in &report.checks {
        check_line(&mut out, check);
    }
    if let Some(c) = &report.credential {
        let _ = writeln!(out, "  証明書 Credential: {}", c.id);
        let _ = writeln!(out, "  発行者 Issuer: {} ({})", c.issuer_name, c.issuer);
        if let Some(en) = &c.legal_name_en {
            let _ = writeln!(out, "  対象企業 Subject: {} / {en}", c.legal_name);
        }
        let scope = match &c.scope {
            Scope::WholeOrganization => "組織全体 / whole organization".to_owned(),
            Scope::Partial { description } => format!("一部 / partial: {description}"),
        };
        let _ = writeln!(out, "  対象範囲 Scope: {scope}");
        let _ = writeln!(
            out,
            "  評価 Assessment: {} / {} (基準 criteria {}, {})",
            c.assessment_method.ja(),
            c.assessment_method,
            c.criteria_version,
            c.assessed_on
        );
        let _ = writeln!(
            out,
            "  有効期間 Validity: {} 〜 {}",
            c.valid_from, c.valid_until
        );
    }
    out
}
