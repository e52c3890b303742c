//! The JSON report (schema in `docs/output.md`). No timestamps or durations: the same input
//! gives byte-identical output.

use rayon::prelude::*;
use serde_json::{json, Value};

use super::ReportInput;
use crate::engine::ScanResult;
use crate::findings::{Finding, FindingKind};

fn finding(r: &ScanResult, f: &Finding) -> Value {
    let src = &r.sources[f.file];
    let (line, column) = src.position(f.span.start);
    let (end_line, end_column) = src.position(f.span.end);
    json!({
        "check_id": f.check_id,
        "kind": match f.kind { FindingKind::Check => "finding", FindingKind::ParseError => "parse-error", FindingKind::Unknown => "unknown", FindingKind::Diagnostic => "diagnostic" },
        "severity": f.severity.as_str(),
        "message": f.message,
        "detail": f.label,
        "file": src.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "resource": f.resource,
        "fingerprint": f.fingerprint,
        "enforced": f.enforced,
        "notes": f.notes,
    })
}

pub fn render(input: &ReportInput) -> String {
    let r = input.result;
    let findings: Vec<Value> = r.findings.par_iter().map(|f| finding(r, f)).collect();
    let suppressed: Vec<Value> = r
        .suppressed
        .par_iter()
        .map(|s| {
            let mut v = finding(r, &s.finding);
            let (file, line) = match s.by.at {
                Some((i, span)) if i < r.sources.len() => {
                    let src = &r.sources[i];
                    (json!(src.path), json!(src.position(span.start).0))
                }
                _ => (Value::Null, Value::Null),
            };
            v["suppression"] = json!({
                "kind": s.by.kind.as_str(),
                "reason": s.by.reason,
                "owner": s.by.owner,
                "expires": s.by.expires,
                "file": file,
                "line": line,
            });
            v
        })
        .collect();
    let mut by_sev = serde_json::Map::new();
    for s in ["critical", "high", "medium", "low", "info"] {
        let n = input
            .real_findings()
            .filter(|f| f.severity.as_str() == s)
            .count();
        by_sev.insert(s.to_string(), json!(n));
    }
    let doc = json!({
        "version": 1,
        "tool": { "name": "guardrail", "version": env!("CARGO_PKG_VERSION") },
        "findings": [],
        "suppressed": [],
        "errors": r.errors,
        "notes": r.notes.iter().map(|n| json!({"file": n.path, "message": n.message})).collect::<Vec<_>>(),
        "summary": {
            "findings": input.real_findings().count(),
            "by_severity": by_sev,
            "suppressed": r.suppressed.len(),
            "files_scanned": r.summary.files_scanned,
            "files_not_iac": r.summary.files_not_iac,
            "resources": r.summary.resources,
        }
    });
    super::pretty_with_arrays(
        &doc,
        vec![("findings", 2, findings), ("suppressed", 2, suppressed)],
    )
}
