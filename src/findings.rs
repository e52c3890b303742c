//! Findings: what a check (or the parser) reports, independent of how it is rendered.

use crate::checks::Severity;
use crate::model::Span;
use crate::parse::ParseError;

/// What produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    Check,
    /// The file could not be parsed (`parse-error`).
    ParseError,
    /// A check could not be decided (`--show-unknown`): a note, never a failure.
    Unknown,
}

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// Index into the scan's sources.
    pub file: usize,
    pub span: Span,
    pub label: String,
}

/// One finding. Line and column are computed only when rendering.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check_id: String,
    pub severity: Severity,
    pub message: String,
    /// Index into the scan's sources.
    pub file: usize,
    pub span: Span,
    /// What is wrong at the span.
    pub label: String,
    /// Context spans (the resource header; a module call site, in another file).
    pub secondary: Vec<Related>,
    pub resource: String,
    /// The whole resource (same file), for diff scoping.
    pub resource_span: Option<Span>,
    pub fingerprint: String,
    pub kind: FindingKind,
}

pub const PARSE_ERROR_ID: &str = "parse-error";

impl Finding {
    pub fn parse_error(file: usize, path: &str, e: ParseError) -> Finding {
        Finding {
            check_id: PARSE_ERROR_ID.into(),
            severity: Severity::High,
            message: "could not parse this file; no check ran on it".to_string(),
            file,
            span: e.span,
            label: e.message,
            secondary: vec![],
            resource: String::new(),
            resource_span: None,
            fingerprint: fingerprint(&[path, PARSE_ERROR_ID]),
            kind: FindingKind::ParseError,
        }
    }
}

/// A stable fingerprint (FNV-1a, 64 bit) of the parts: file, resource address, check id and
/// element key; line numbers are not part of it, so moving code keeps the fingerprint.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}
