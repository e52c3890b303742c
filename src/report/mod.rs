//! Renderers: each output format is one file; they read findings and sources, never checks'
//! internals beyond their descriptive fields.

pub mod human;
pub mod json;
pub mod sarif;

use crate::checks::{Catalog, Severity};
use crate::engine::ScanResult;
use crate::findings::{Finding, FindingKind};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "human" | "text" => Format::Human,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            _ => return None,
        })
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
}

impl ReportInput<'_> {
    /// Findings that count (not `--show-unknown` notes).
    pub fn real_findings(&self) -> impl Iterator<Item = &Finding> {
        self.result
            .findings
            .iter()
            .filter(|f| f.kind != FindingKind::Unknown)
    }
}

/// Renders a report to a string.
pub fn render(format: Format, input: &ReportInput) -> String {
    match format {
        Format::Human => human::render(input),
        Format::Json => json::render(input),
        Format::Sarif => sarif::render(input),
    }
}

/// GitHub's security-severity scale.
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}
