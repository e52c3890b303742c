//! SARIF 2.1.0 for GitHub code scanning: one rule per check, relative URIs, 1-based regions with
//! an exclusive end column, a stable partial fingerprint, a category, no timestamps.
//!
//! GitHub's ingestion limits shape the output: at most [`MAX_RESULTS`] results per run (the most
//! severe are kept and the run says so in a notification), descriptions of at most 1024
//! characters, and no `primaryLocationLineHash` of our own (the upload action computes it, and
//! GitHub tracks alerts by it).

use std::cmp::Reverse;
use std::collections::HashMap;

use serde_json::{json, Value};

use super::{region, security_severity, uri_escape, ReportInput};
use crate::checks::{Check, Severity};
use crate::findings::{Finding, PARSE_ERROR_ID};

const INFORMATION_URI: &str = "https://github.com/guardrail-iac/guardrail";

/// GitHub code scanning rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// GitHub truncates rule descriptions longer than this.
const MAX_DESCRIPTION: usize = 1024;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// `help.text` and `help.markdown`: what is wrong, how to fix it, where to read more, and the
/// ids other scanners use for the same concept.
fn help(c: &Check) -> (String, String) {
    let mut text = format!(
        "{}\n\nRemediation: {}\n",
        c.description.trim(),
        c.remediation.trim()
    );
    let mut md = format!(
        "**{}**\n\n{}\n\n**Remediation:** {}\n",
        c.title,
        c.description.trim(),
        c.remediation.trim()
    );
    if !c.references.is_empty() {
        text.push_str("\nReferences:\n");
        md.push_str("\n**References:**\n");
        for r in &c.references {
            text.push_str(&format!("- {r}\n"));
            md.push_str(&format!("- {r}\n"));
        }
    }
    if !c.related.is_empty() {
        text.push_str(&format!("\nRelated: {}\n", c.related.join(", ")));
        md.push_str(&format!("\n**Related:** {}\n", c.related.join(", ")));
    }
    let explain = format!("\n`guardrail explain {}` shows a failing example.\n", c.id);
    text.push_str(&explain.replace('`', ""));
    md.push_str(&explain);
    (text, md)
}

fn rule(c: &Check) -> Value {
    let (text, md) = help(c);
    let mut props = json!({
        "tags": ["security", c.category],
        "precision": "high",
        "problem.severity": level(c.severity),
        "related": c.related,
        "frameworks": c.frameworks().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    });
    if let Some(ss) = security_severity(c.severity) {
        props["security-severity"] = json!(ss);
    }
    let name: String =
        c.id.split('-')
            .map(|w| {
                let mut ch = w.chars();
                ch.next()
                    .map(|f| f.to_uppercase().collect::<String>() + ch.as_str())
                    .unwrap_or_default()
            })
            .collect();
    json!({
        "id": c.id,
        "name": name,
        "shortDescription": { "text": truncate(&c.title, MAX_DESCRIPTION) },
        "fullDescription": { "text": truncate(c.description.trim(), MAX_DESCRIPTION) },
        "help": { "text": text, "markdown": md },
        "helpUri": c.references.first().cloned().unwrap_or_else(|| INFORMATION_URI.to_string()),
        "defaultConfiguration": { "level": level(c.severity) },
        "properties": props,
    })
}

/// The findings a run keeps under GitHub's limit: the `max` most severe, in report order.
/// Returns them and how many were left out.
fn keep_most_severe(findings: Vec<&Finding>, max: usize) -> (Vec<&Finding>, usize) {
    if findings.len() <= max {
        return (findings, 0);
    }
    let dropped = findings.len() - max;
    let mut order: Vec<usize> = (0..findings.len()).collect();
    // Ties keep report order, so the cut is deterministic.
    order.sort_by_key(|&i| (Reverse(findings[i].severity), i));
    order.truncate(max);
    order.sort_unstable();
    (order.into_iter().map(|i| findings[i]).collect(), dropped)
}

/// The SARIF log, with GitHub's result limit.
pub fn render(input: &ReportInput) -> String {
    render_limited(input, MAX_RESULTS)
}

/// The SARIF log keeping at most `max_results` results.
pub fn render_limited(input: &ReportInput, max_results: usize) -> String {
    let r = input.result;
    let mut rules: Vec<Value> = input.catalog.checks.iter().map(rule).collect();
    rules.push(json!({
        "id": PARSE_ERROR_ID,
        "name": "ParseError",
        "shortDescription": { "text": "File could not be parsed" },
        "fullDescription": { "text": "guardrail could not parse this file, so none of its checks ran on it." },
        "help": { "text": "Fix the syntax error; until then the file is not checked.", "markdown": "Fix the syntax error; until then the file is not checked." },
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["security", "parse-error"], "precision": "very-high", "security-severity": "8.0" },
    }));
    let index: HashMap<&str, usize> = input
        .catalog
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let parse_error_index = input.catalog.checks.len();
    let (kept, dropped) = keep_most_severe(input.real_findings().collect(), max_results);
    let results: Vec<Value> = kept
        .iter()
        .map(|f| {
            let src = &r.sources[f.file];
            let (sl, sc, el, ec) = region(src, f);
            json!({
                "ruleId": f.check_id,
                "ruleIndex": index.get(f.check_id.as_str()).copied().unwrap_or(parse_error_index),
                "level": level(f.severity),
                "message": { "text": format!("{}: {}", f.message, f.label) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_escape(&src.path), "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec }
                    },
                    "logicalLocations": if f.resource.is_empty() { json!([]) } else { json!([{ "name": f.resource, "kind": "resource" }]) },
                }],
                "relatedLocations": f.secondary.iter().enumerate().filter(|(_, rel)| rel.file < r.sources.len()).map(|(i, rel)| {
                    let other = &r.sources[rel.file];
                    let (sl, sc) = other.position(rel.span.start);
                    let (el, mut ec) = other.position(rel.span.end);
                    if el == sl && ec <= sc {
                        ec = sc + 1;
                    }
                    json!({
                        "id": i + 1,
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri_escape(&other.path), "uriBaseId": "%SRCROOT%" },
                            "region": { "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec }
                        },
                        "message": { "text": rel.label },
                    })
                }).collect::<Vec<_>>(),
                "partialFingerprints": { "guardrailFingerprint/v1": f.fingerprint },
            })
        })
        .collect();
    // The tool's own failures and the result cut are notifications of the run: code scanning
    // shows them on the tool's status page instead of silently showing fewer alerts.
    let mut notifications: Vec<Value> = r
        .errors
        .iter()
        .map(|e| json!({ "level": "error", "message": { "text": e } }))
        .collect();
    if dropped > 0 {
        let lowest = kept
            .iter()
            .map(|f| f.severity)
            .min()
            .unwrap_or(Severity::Info);
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{dropped} of {} results were left out: GitHub code scanning accepts at most {max_results} results per run, so the {max_results} most severe were kept (down to {}). Fix or scope the scan (paths, --check, --skip-check) to see the rest.",
                kept.len() + dropped,
                lowest.as_str(),
            ) },
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "guardrail",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "automationDetails": { "id": super::normalize_category(&input.options.sarif_category) },
            "invocations": [{
                "executionSuccessful": r.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
