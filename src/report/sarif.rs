//! SARIF 2.1.0 for code scanning: one rule per check, relative URIs, 1-based regions with an
//! exclusive end column, a stable partial fingerprint, no timestamps.

use serde_json::{json, Value};

use super::{security_severity, ReportInput};
use crate::checks::{Check, Severity};
use crate::diagnostics::{self, Diagnostic};
use crate::findings::{Finding, FindingKind, Suppression};

const INFORMATION_URI: &str = "https://github.com/guardrail-iac/guardrail";

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

fn rule(c: &Check) -> Value {
    let mut md = format!(
        "**{}**\n\n{}\n\n**Remediation:** {}\n",
        c.title,
        c.description.trim(),
        c.remediation.trim()
    );
    if !c.references.is_empty() {
        md.push_str("\n**References:**\n");
        for r in &c.references {
            md.push_str(&format!("- {r}\n"));
        }
    }
    if !c.related.is_empty() {
        md.push_str(&format!("\n**Related:** {}\n", c.related.join(", ")));
    }
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
        "shortDescription": { "text": truncate(&c.title, 1024) },
        "fullDescription": { "text": truncate(c.description.trim(), 1024) },
        "help": {
            "text": format!("{}\n\nRemediation: {}", c.description.trim(), c.remediation.trim()),
            "markdown": md,
        },
        "helpUri": c.references.first().cloned().unwrap_or_else(|| INFORMATION_URI.to_string()),
        "defaultConfiguration": { "level": level(c.severity) },
        "properties": props,
    })
}

/// The rule of a built-in diagnostic (`parse-error`, `check-invalid`, `waiver-*`).
fn diagnostic_rule(d: &Diagnostic) -> Value {
    let name: String =
        d.id.split('-')
            .map(|w| {
                let mut ch = w.chars();
                ch.next()
                    .map(|f| f.to_uppercase().collect::<String>() + ch.as_str())
                    .unwrap_or_default()
            })
            .collect();
    let mut props = json!({
        "tags": ["security", d.id],
        "precision": "very-high",
    });
    if let Some(ss) = security_severity(d.severity) {
        props["security-severity"] = json!(ss);
    }
    json!({
        "id": d.id,
        "name": name,
        "shortDescription": { "text": d.title },
        "fullDescription": { "text": d.description },
        "help": { "text": d.help, "markdown": d.help },
        "defaultConfiguration": { "level": level(d.severity) },
        "properties": props,
    })
}

fn region(src: &crate::engine::Source, span: crate::model::Span) -> Value {
    let (sl, sc) = src.position(span.start);
    let (el, mut ec) = src.position(span.end);
    if el == sl && ec <= sc {
        ec = sc + 1;
    }
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

pub fn render(input: &ReportInput) -> String {
    let r = input.result;
    let mut rules: Vec<Value> = input.catalog.checks.iter().map(rule).collect();
    rules.extend(diagnostics::ALL.iter().map(diagnostic_rule));
    let n_checks = input.catalog.checks.len();
    let index_of = |id: &str| -> usize {
        input
            .catalog
            .checks
            .iter()
            .position(|c| c.id == id)
            .or_else(|| {
                diagnostics::ALL
                    .iter()
                    .position(|d| d.id == id)
                    .map(|i| n_checks + i)
            })
            .unwrap_or(n_checks)
    };
    let mut results: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Unknown)
        .map(|f| result(input, f, &index_of))
        .collect();
    if input.include_suppressed {
        for s in &r.suppressed {
            let mut v = result(input, &s.finding, &index_of);
            v["suppressions"] = json!([suppression(input, &s.by)]);
            results.push(v);
        }
    }
    let mut run = json!({
        "tool": { "driver": {
            "name": "guardrail",
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
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
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Percent-encodes what may not appear in a relative URI reference.
fn uri_escape(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
