//! SARIF 2.1.0 for GitHub code scanning: one rule per check, relative URIs, 1-based regions with
//! an exclusive end column, a stable partial fingerprint, a category, no timestamps.
//!
//! GitHub's ingestion limits shape the output: at most [`MAX_RESULTS`] results per run (the most
//! severe are kept and the run says so in a notification), descriptions of at most 1024
//! characters, and no `primaryLocationLineHash` of our own (the upload action computes it, and
//! GitHub tracks alerts by it). Suppressed findings are left out unless asked for: GitHub
//! imports results with `suppressions[]` as open alerts.

use std::cmp::Reverse;
use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::{security_severity, span_region, uri_escape, ReportInput};
use crate::checks::{Check, Severity};
use crate::diagnostics::{self, Diagnostic};
use crate::findings::{Finding, Suppression};

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

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut ch = w.chars();
            ch.next()
                .map(|f| f.to_uppercase().collect::<String>() + ch.as_str())
                .unwrap_or_default()
        })
        .collect()
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
    json!({
        "id": c.id,
        "name": pascal_case(&c.id),
        "shortDescription": { "text": truncate(&c.title, MAX_DESCRIPTION) },
        "fullDescription": { "text": truncate(c.description.trim(), MAX_DESCRIPTION) },
        "help": { "text": text, "markdown": md },
        "helpUri": c.references.first().cloned().unwrap_or_else(|| INFORMATION_URI.to_string()),
        "defaultConfiguration": { "level": level(c.severity) },
        "properties": props,
    })
}

/// The rule of a built-in diagnostic (`parse-error`, `check-invalid`, `waiver-*`).
fn diagnostic_rule(d: &Diagnostic) -> Value {
    let mut props = json!({
        "tags": ["security", d.id],
        "precision": "very-high",
    });
    if let Some(ss) = security_severity(d.severity) {
        props["security-severity"] = json!(ss);
    }
    json!({
        "id": d.id,
        "name": pascal_case(d.id),
        "shortDescription": { "text": d.title },
        "fullDescription": { "text": d.description },
        "help": { "text": d.help, "markdown": d.help },
        "defaultConfiguration": { "level": level(d.severity) },
        "properties": props,
    })
}

fn region(src: &crate::engine::Source, span: crate::model::Span) -> Value {
    let (sl, sc, el, ec) = span_region(src, span);
    json!({ "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec })
}

fn result(input: &ReportInput, f: &Finding, index_of: &dyn Fn(&str) -> usize) -> Value {
    let r = input.result;
    let src = &r.sources[f.file];
    let mut message = format!("{}: {}", f.message, f.label);
    for n in &f.notes {
        message.push_str(&format!(" ({n})"));
    }
    let mut v = json!({
        "ruleId": f.check_id,
        "ruleIndex": index_of(&f.check_id),
        "level": level(f.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri_escape(&src.path), "uriBaseId": "%SRCROOT%" },
                "region": region(src, f.span)
            },
            "logicalLocations": if f.resource.is_empty() { json!([]) } else { json!([{ "name": f.resource, "kind": "resource" }]) },
        }],
        "relatedLocations": f.secondary.iter().enumerate().filter(|(_, rel)| rel.file < r.sources.len()).map(|(i, rel)| {
            let other = &r.sources[rel.file];
            json!({
                "id": i + 1,
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_escape(&other.path), "uriBaseId": "%SRCROOT%" },
                    "region": region(other, rel.span)
                },
                "message": { "text": rel.label },
            })
        }).collect::<Vec<_>>(),
        "partialFingerprints": { "guardrailFingerprint/v1": f.fingerprint },
    });
    if f.enforced {
        v["properties"] = json!({ "enforced": true });
    }
    v
}

fn suppression(input: &ReportInput, s: &Suppression) -> Value {
    let mut justification = s.reason.clone();
    if let Some(o) = &s.owner {
        justification.push_str(&format!(" (owner: {o})"));
    }
    if let Some(e) = &s.expires {
        justification.push_str(&format!(" (expires: {e})"));
    }
    let mut v = json!({
        "kind": if s.kind.in_source() { "inSource" } else { "external" },
        "status": "accepted",
        "justification": justification,
    });
    if let Some((file, span)) = s.at.filter(|(f, _)| *f < input.result.sources.len()) {
        let src = &input.result.sources[file];
        v["location"] = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_escape(&src.path), "uriBaseId": "%SRCROOT%" },
                "region": region(src, span),
            }
        });
    }
    v
}

/// The entries a run keeps under GitHub's limit: the `max` most severe, in their given order
/// (ties keep that order, so the cut is deterministic). Returns them and how many were left
/// out.
fn keep_most_severe<T>(
    items: Vec<T>,
    severity: impl Fn(&T) -> Severity,
    max: usize,
) -> (Vec<T>, usize) {
    if items.len() <= max {
        return (items, 0);
    }
    let dropped = items.len() - max;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (Reverse(severity(&items[i])), i));
    order.truncate(max);
    order.sort_unstable();
    let mut keep = vec![false; items.len()];
    for i in order {
        keep[i] = true;
    }
    let kept = items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect();
    (kept, dropped)
}

/// The SARIF log, with GitHub's result limit.
pub fn render(input: &ReportInput) -> String {
    render_limited(input, MAX_RESULTS)
}

/// The SARIF log keeping at most `max_results` results.
pub fn render_limited(input: &ReportInput, max_results: usize) -> String {
    let r = input.result;
    let mut rules: Vec<Value> = input.catalog.checks.iter().map(rule).collect();
    rules.extend(diagnostics::ALL.iter().map(diagnostic_rule));
    let n_checks = input.catalog.checks.len();
    let index: HashMap<&str, usize> = input
        .catalog
        .checks
        .iter()
        .map(|c| c.id.as_str())
        .chain(diagnostics::ALL.iter().map(|d| d.id))
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    let index_of = |id: &str| -> usize { index.get(id).copied().unwrap_or(n_checks) };
    // Reported findings first, then (if asked for) suppressed ones, each with its suppression.
    let mut entries: Vec<(&Finding, Option<&Suppression>)> =
        input.real_findings().map(|f| (f, None)).collect();
    if input.include_suppressed {
        entries.extend(r.suppressed.iter().map(|s| (&s.finding, Some(&s.by))));
    }
    let (kept, dropped) = keep_most_severe(entries, |(f, _)| f.severity, max_results);
    let results: Vec<Value> = kept
        .par_iter()
        .map(|(f, by)| {
            let mut v = result(input, f, &index_of);
            if let Some(s) = by {
                v["suppressions"] = json!([suppression(input, s)]);
            }
            v
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
            .map(|(f, _)| f.severity)
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
    let mut run = json!({
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
        "results": [],
    });
    if !r.suppressed.is_empty() {
        // Counted even when left out, so a reader of the file knows they exist.
        run["properties"] = json!({ "suppressed": r.suppressed.len() });
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    });
    // `results` is a key of the run object: 6 spaces deep.
    super::pretty_with_arrays(&doc, vec![("results", 6, results)])
}
