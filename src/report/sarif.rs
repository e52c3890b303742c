//! SARIF 2.1.0 for code scanning: one rule per check, relative URIs, 1-based regions with an
//! exclusive end column, a stable partial fingerprint, no timestamps.

use serde_json::{json, Value};

use super::{security_severity, ReportInput};
use crate::checks::{Check, Severity};
use crate::findings::{FindingKind, PARSE_ERROR_ID};

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

pub fn render(input: &ReportInput) -> String {
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
    let index_of = |id: &str| -> usize {
        input
            .catalog
            .checks
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(input.catalog.checks.len())
    };
    let results: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Unknown)
        .map(|f| {
            let src = &r.sources[f.file];
            let (sl, sc) = src.position(f.span.start);
            let (el, mut ec) = src.position(f.span.end);
            if el == sl && ec <= sc {
                ec = sc + 1;
            }
            json!({
                "ruleId": f.check_id,
                "ruleIndex": index_of(&f.check_id),
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
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
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
