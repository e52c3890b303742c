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
    /// A built-in diagnostic about the scan's own inputs (`check-invalid`, `waiver-*`; see
    /// [`crate::diagnostics`]).
    Diagnostic,
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
    /// The check is enforced by a pack (or the finding reports a waiver of an enforced check):
    /// it fails the run whatever `--fail-on`, the baseline or the scope say.
    pub enforced: bool,
    /// Extra lines shown with the finding (`waiver expired on 2026-01-31`).
    pub notes: Vec<String>,
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
            enforced: false,
            notes: vec![],
        }
    }

    /// True when this finding fails the run: enforced findings always do, others when their
    /// severity reaches `fail_on` (`None`: never). `--show-unknown` notes never do.
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        self.kind != FindingKind::Unknown
            && (self.enforced || fail_on.is_some_and(|t| self.severity >= t))
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

/// Where a waiver that suppressed a finding was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuppressionKind {
    /// A `guardrail:ignore` comment.
    Inline,
    /// The Kubernetes annotation `guardrail.dev/ignore`.
    Annotation,
    /// CloudFormation `Metadata.guardrail.ignore`.
    Metadata,
    /// Another tool's skip comment or annotation (`checkov:skip=`, `tfsec:ignore:`, …).
    Peer,
    /// A waiver in `.guardrail.yaml`.
    Config,
    /// An entry of the baseline file.
    Baseline,
}

impl SuppressionKind {
    /// The name reports use (`inline`, `config`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Annotation => "annotation",
            SuppressionKind::Metadata => "metadata",
            SuppressionKind::Peer => "peer",
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
        }
    }
    /// Written in the scanned file itself (SARIF `inSource`), rather than beside it.
    pub fn in_source(self) -> bool {
        matches!(
            self,
            SuppressionKind::Inline
                | SuppressionKind::Annotation
                | SuppressionKind::Metadata
                | SuppressionKind::Peer
        )
    }
}

/// Why a finding is not reported.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub expires: Option<String>,
    /// The waiver itself: (index into the scan's sources, span).
    pub at: Option<(usize, Span)>,
}

/// A finding that a waiver or the baseline hides; reports count these separately.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}
