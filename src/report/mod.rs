//! Renderers: each output format is one file; they read findings and sources, never checks'
//! internals beyond their descriptive fields.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use std::cmp::Reverse;

use crate::checks::{Catalog, Severity};
use crate::engine::{ScanResult, Source};
use crate::findings::{Finding, FindingKind};
use crate::model::Span;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`): inline annotations.
    Github,
    /// A Markdown summary for `$GITHUB_STEP_SUMMARY` or a pull request comment.
    Markdown,
}

impl Format {
    /// The names `--format` and `--report` accept, for error messages.
    pub const NAMES: &'static str = "human, json, sarif, github, markdown";

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "human" | "text" => Format::Human,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "github" => Format::Github,
            "markdown" | "md" => Format::Markdown,
            _ => return None,
        })
    }
}

/// Settings of individual formats, with the defaults a plain `guardrail scan` uses.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// SARIF `automationDetails.id`: code scanning replaces earlier results of the same tool
    /// and category, so runs over different parts of a repository need different categories.
    /// Always ends with `/` (GitHub reads the part before the last `/` as the category).
    pub sarif_category: String,
    /// Markdown links `file:line` to `<link_base>/<path>#L<line>` (e.g.
    /// `https://github.com/o/r/blob/<sha>`); without it locations are plain text.
    pub link_base: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            sarif_category: DEFAULT_SARIF_CATEGORY.to_string(),
            link_base: None,
        }
    }
}

/// The category of SARIF runs unless `--sarif-category` says otherwise.
pub const DEFAULT_SARIF_CATEGORY: &str = "guardrail/";

/// A SARIF category as GitHub stores it: ending with `/`, the way the upload action
/// normalises its own `category` input.
pub fn normalize_category(c: &str) -> String {
    if c.ends_with('/') {
        c.to_string()
    } else {
        format!("{c}/")
    }
}

/// What every renderer gets.
pub struct ReportInput<'a> {
    pub result: &'a ScanResult,
    pub catalog: &'a Catalog,
    /// Findings at or above this severity fail the run (`None`: never).
    pub fail_on: Option<Severity>,
    pub color: bool,
    pub elapsed_ms: u128,
    /// SARIF: keep suppressed findings, with `suppressions[]` (left out by default).
    pub include_suppressed: bool,
    pub options: ReportOptions,
}

impl ReportInput<'_> {
    /// Findings that count (not `--show-unknown` notes).
    pub fn real_findings(&self) -> impl Iterator<Item = &Finding> {
        self.result
            .findings
            .iter()
            .filter(|f| f.kind != FindingKind::Unknown)
    }

    /// Findings that count, most severe first; within a severity, in report order (file,
    /// line, column, check id). GitHub shows only the first annotations of each level and a
    /// reader stops after the first rows, so the worst come first.
    pub fn ranked_findings(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.real_findings().collect();
        v.sort_by_key(|f| Reverse(f.severity));
        v
    }

    /// (critical, high, medium, low, info) counts of the findings that count.
    pub fn counts(&self) -> [(Severity, usize); 5] {
        let mut out = SEVERITIES.map(|s| (s, 0));
        for f in self.real_findings() {
            if let Some(slot) = out.iter_mut().find(|(s, _)| *s == f.severity) {
                slot.1 += 1;
            }
        }
        out
    }

    /// Whether a finding fails the run: enforced ones always, others at the `--fail-on`
    /// threshold.
    pub fn fails(&self, f: &Finding) -> bool {
        f.fails(self.fail_on)
    }

    /// How many findings fail the run, and why in a few words: `at or above high`,
    /// `of enforced checks`, or both (`code` wraps the threshold, e.g. in backticks).
    pub fn failing(&self, code: &str) -> (usize, String) {
        let failing: Vec<&Finding> = self.real_findings().filter(|f| self.fails(f)).collect();
        let by_threshold = failing
            .iter()
            .any(|f| self.fail_on.is_some_and(|t| f.severity >= t));
        let enforced_only = failing
            .iter()
            .any(|f| self.fail_on.is_none_or(|t| f.severity < t));
        let threshold = self
            .fail_on
            .map(|t| format!("at or above {code}{}{code}", t.as_str()));
        let why = match (by_threshold, enforced_only, threshold) {
            (true, true, Some(t)) => format!("{t} or of enforced checks"),
            (_, false, Some(t)) => t,
            _ => "of enforced checks".to_string(),
        };
        (failing.len(), why)
    }
}

/// Severities, most severe first.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// `serde_json::to_string_pretty(doc)` plus a newline, with the empty array under each
/// `(key, indent, items)` replaced by `items`. `indent` is how many spaces deep the key is
/// written (2 for a key of the top-level object). The items, thousands in a large scan, are
/// written (and freed) on the pool; the output is byte for byte what serde_json writes for the
/// whole document.
pub(crate) fn pretty_with_arrays(
    doc: &serde_json::Value,
    arrays: Vec<(&str, usize, Vec<serde_json::Value>)>,
) -> String {
    use rayon::prelude::*;
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_default();
    out.push('\n');
    for (key, indent, items) in arrays {
        if items.is_empty() {
            continue;
        }
        // A newline in a JSON string is written `\n`: a real newline, the key's indentation
        // and the quoted key can only be the key itself.
        let empty = format!("\n{:indent$}{}: []", "", serde_json::Value::from(key));
        let Some(at) = out.find(&empty) else {
            continue;
        };
        let pad = " ".repeat(indent + 2);
        let written: Vec<String> = items
            .into_par_iter()
            .map(|v| {
                let text = serde_json::to_string_pretty(&v).unwrap_or_default();
                let mut s = String::with_capacity(text.len() + text.len() / 8);
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        s.push('\n');
                    }
                    s.push_str(&pad);
                    s.push_str(line);
                }
                s
            })
            .collect();
        let len: usize = written.iter().map(|s| s.len() + 2).sum();
        let mut array = String::with_capacity(len + indent + 4);
        array.push_str("[\n");
        for (i, w) in written.iter().enumerate() {
            if i > 0 {
                array.push_str(",\n");
            }
            array.push_str(w);
        }
        array.push('\n');
        array.push_str(&pad[..indent]);
        array.push(']');
        let start = at + empty.len() - 2;
        out.replace_range(start..start + 2, &array);
    }
    out
}

/// Renders a report to a string.
pub fn render(format: Format, input: &ReportInput) -> String {
    match format {
        Format::Human => human::render(input),
        Format::Json => json::render(input),
        Format::Sarif => sarif::render(input),
        Format::Github => github::render(input),
        Format::Markdown => markdown::render(input),
    }
}

/// GitHub's security-severity scale (over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
/// 0.1–3.9 low): each of our severities lands in the middle of GitHub's band of the same name,
/// so misconfigurations rank with vulnerabilities. `info` gets none (GitHub would call any
/// score at least "low").
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// 1-based (line, column, end line, exclusive end column) of a finding's span.
pub fn region(src: &Source, f: &Finding) -> (usize, usize, usize, usize) {
    span_region(src, f.span)
}

/// 1-based (line, column, end line, exclusive end column) of a span; an empty span on one
/// line is widened to one column so that every format shows something.
pub fn span_region(src: &Source, span: Span) -> (usize, usize, usize, usize) {
    let (sl, sc) = src.position(span.start);
    let (el, mut ec) = src.position(span.end);
    if el == sl && ec <= sc {
        ec = sc + 1;
    }
    (sl, sc, el, ec)
}

/// Percent-encodes what may not appear in a relative URI reference (or a URL path).
pub fn uri_escape(path: &str) -> String {
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

#[cfg(test)]
mod tests {
    #[test]
    fn arrays_written_apart_are_what_serde_json_writes() {
        use serde_json::json;
        let items = vec![
            json!({"a": 1, "b": [1, 2], "c": {"d": "x\ny", "e": []}, "f": {}}),
            json!("plain"),
            json!([]),
            json!({"nested": [{"deep": [{"deeper": null}]}]}),
        ];
        let full = json!({
            "first": "\n  \"findings\": []",
            "findings": items,
            "empty": [],
            "runs": [{ "tool": {"x": 1}, "results": items }],
        });
        let mut want = serde_json::to_string_pretty(&full).unwrap();
        want.push('\n');
        let shell = json!({
            "first": "\n  \"findings\": []",
            "findings": [],
            "empty": [],
            "runs": [{ "tool": {"x": 1}, "results": [] }],
        });
        let got = pretty_with_arrays(
            &shell,
            vec![
                ("findings", 2, items.clone()),
                ("empty", 2, vec![]),
                ("results", 6, items.clone()),
            ],
        );
        assert_eq!(got, want);
    }

    use super::*;

    #[test]
    fn security_severity_lands_in_githubs_band_of_the_same_name() {
        // GitHub: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
        let band = |score: f64| match score {
            s if s > 9.0 => "critical",
            s if s >= 7.0 => "high",
            s if s >= 4.0 => "medium",
            s if s >= 0.1 => "low",
            _ => "none",
        };
        for s in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ] {
            let score: f64 = security_severity(s).unwrap().parse().unwrap();
            assert_eq!(band(score), s.as_str(), "{s:?} scores {score}");
        }
        assert_eq!(security_severity(Severity::Critical), Some("9.5"));
        assert_eq!(security_severity(Severity::High), Some("8.0"));
        assert_eq!(security_severity(Severity::Medium), Some("5.5"));
        assert_eq!(security_severity(Severity::Low), Some("3.0"));
        assert_eq!(security_severity(Severity::Info), None);
    }

    #[test]
    fn categories_end_with_a_slash() {
        assert_eq!(normalize_category("guardrail/"), "guardrail/");
        assert_eq!(normalize_category("guardrail/infra"), "guardrail/infra/");
        assert_eq!(normalize_category("prod"), "prod/");
    }

    #[test]
    fn uri_escape_keeps_paths_readable() {
        assert_eq!(uri_escape("infra/main.tf"), "infra/main.tf");
        assert_eq!(uri_escape("a b/c,d#e.tf"), "a%20b/c%2Cd%23e.tf");
        assert_eq!(uri_escape("é.tf"), "%C3%A9.tf");
    }
}
