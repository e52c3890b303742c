//! The baseline: findings accepted as they are today, so that a scan reports only new ones.
//! An entry is a finding's fingerprint (file + resource address + check id + element key:
//! never line numbers, never an address without its file), with the parts written out for
//! people reading the file. Moving a resource keeps it hidden; the same address in another
//! file is a different finding. Enforced checks are never hidden.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::engine::ScanResult;
use crate::findings::{Finding, FindingKind};
use crate::model::{Span, Value};
use crate::parse::{json, Limits};

/// The file `guardrail baseline` writes by default.
pub const BASELINE_FILE: &str = ".guardrail-baseline.json";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    pub file: String,
    pub check_id: String,
    pub resource: String,
    pub fingerprint: String,
    /// Where the entry is written in the baseline file.
    #[serde(skip)]
    pub span: Span,
}

/// A baseline file that is not what `guardrail baseline` writes.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a guardrail baseline ({message})")]
    Invalid { path: String, message: String },
}

/// A loaded baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The file as reports show it, and its text (findings may point into it).
    pub display: String,
    pub text: String,
    pub entries: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &std::path::Path, display: String) -> Result<Baseline, BaselineError> {
        let text =
            crate::scope::read::read_own_file(path).map_err(|source| BaselineError::Read {
                path: display.clone(),
                source,
            })?;
        Baseline::parse(display, text)
    }

    /// Parses baseline text (spans are kept, so a finding can point at an entry).
    pub fn parse(display: String, text: String) -> Result<Baseline, BaselineError> {
        let invalid = |message: String| BaselineError::Invalid {
            path: display.clone(),
            message,
        };
        let root = json::parse(&text, &Limits::default()).map_err(|e| invalid(e.message))?;
        let Some(Value::List(items)) = root.get("findings").map(|f| &f.value) else {
            return Err(invalid("no `findings` list".into()));
        };
        let mut entries = Vec::new();
        for it in items {
            let field = |k: &str| it.get(k).and_then(|v| v.as_str()).map(String::from);
            match (field("file"), field("check_id"), field("fingerprint")) {
                (Some(file), Some(check_id), Some(fingerprint)) => entries.push(Entry {
                    file,
                    check_id,
                    resource: field("resource").unwrap_or_default(),
                    fingerprint,
                    span: it.span,
                }),
                _ => {
                    return Err(invalid(
                        "each entry needs `file`, `check_id` and `fingerprint`".into(),
                    ))
                }
            }
        }
        Ok(Baseline {
            display,
            text,
            entries,
        })
    }

    /// The entry that accepts this finding.
    pub fn find(&self, f: &Finding, path: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.fingerprint == f.fingerprint && e.check_id == f.check_id && e.file == path)
    }

    /// Entries whose finding is gone from `result` (neither reported nor suppressed).
    pub fn stale<'a>(&'a self, result: &ScanResult) -> Vec<&'a Entry> {
        let current: BTreeSet<(&str, &str, &str)> = result
            .findings
            .iter()
            .chain(result.suppressed.iter().map(|s| &s.finding))
            .map(|f| {
                (
                    result.sources[f.file].path.as_str(),
                    f.check_id.as_str(),
                    f.fingerprint.as_str(),
                )
            })
            .collect();
        self.entries
            .iter()
            .filter(|e| {
                !current.contains(&(e.file.as_str(), e.check_id.as_str(), e.fingerprint.as_str()))
            })
            .collect()
    }
}

/// The baseline text for the findings of a scan: check findings that are not enforced
/// (diagnostics and parse errors are never baselined), sorted, one entry per fingerprint.
pub fn render(result: &ScanResult) -> (String, usize) {
    let mut entries: Vec<Entry> = result
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Check && !f.enforced)
        .map(|f| Entry {
            file: result.sources[f.file].path.clone(),
            check_id: f.check_id.clone(),
            resource: f.resource.clone(),
            fingerprint: f.fingerprint.clone(),
            span: Span::default(),
        })
        .collect();
    entries.sort();
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.file == b.file);
    let n = entries.len();
    let doc = serde_json::json!({ "version": 1, "findings": entries });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    (s, n)
}
