//! Built-in diagnostics: findings guardrail reports about the scan itself (a file that does not
//! parse, a broken check file, a waiver that is malformed, unused or not allowed), as opposed
//! to findings of a check. One table, used by the filter stage, the renderers and the docs.

use crate::checks::Severity;
use crate::findings::{fingerprint, Finding, FindingKind};
use crate::model::Span;

/// A built-in diagnostic.
#[derive(Debug, Clone, Copy)]
pub struct Diagnostic {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub description: &'static str,
    pub help: &'static str,
    /// Fails the run whatever `--fail-on` says.
    pub always_fails: bool,
}

/// `parse-error`: a file could not be parsed.
pub const PARSE_ERROR: Diagnostic = Diagnostic {
    id: crate::findings::PARSE_ERROR_ID,
    severity: Severity::High,
    title: "File could not be parsed",
    description: "guardrail could not parse this file, so none of its checks ran on it.",
    help: "Fix the syntax error; until then the file is not checked.",
    always_fails: false,
};

/// `check-invalid`: a check file of a pack or of the repository has an error.
pub const CHECK_INVALID: Diagnostic = Diagnostic {
    id: "check-invalid",
    severity: Severity::High,
    title: "Check file has an error",
    description: "A check file of a pack or of the repository could not be compiled, so that check did not run. The rest of the scan went on.",
    help: "Fix the check file at the position shown; `guardrail test` runs a pack's checks against their fixtures.",
    always_fails: false,
};

/// `waiver-not-allowed`: a waiver, disable or severity change of an enforced check.
pub const WAIVER_NOT_ALLOWED: Diagnostic = Diagnostic {
    id: "waiver-not-allowed",
    severity: Severity::High,
    title: "Enforced check cannot be waived",
    description: "This check is enforced by a pack: a repository cannot disable it, lower its severity, waive it (in config, inline, by annotation, by baseline or by another tool's skip comment). The waiver did not take effect.",
    help: "Fix the finding, or ask the team that owns the pack for an exception in the pack itself.",
    always_fails: true,
};

/// `waiver-invalid`: a waiver that breaks the rules (no reason, no owner, too long, bad date,
/// unknown check id); it does not take effect.
pub const WAIVER_INVALID: Diagnostic = Diagnostic {
    id: "waiver-invalid",
    severity: Severity::Medium,
    title: "Waiver is invalid",
    description: "A waiver must name known checks and give a reason; packs can also require an owner and an expiry within a number of days. An invalid waiver does not take effect.",
    help: "Write `# guardrail:ignore <check-id> expires=YYYY-MM-DD owner=<team> -- <reason>` (or the same fields in `.guardrail.yaml`).",
    always_fails: false,
};

/// `waiver-unused`: a waiver that matched no finding.
pub const WAIVER_UNUSED: Diagnostic = Diagnostic {
    id: "waiver-unused",
    severity: Severity::Info,
    title: "Waiver matched no finding",
    description: "The waiver suppresses nothing: the finding was fixed, moved, or the waiver names the wrong check or place.",
    help: "Remove the waiver (or point it at the finding it was meant for).",
    always_fails: false,
};

/// Every built-in diagnostic, in the order reports list them.
pub const ALL: &[Diagnostic] = &[
    PARSE_ERROR,
    CHECK_INVALID,
    WAIVER_NOT_ALLOWED,
    WAIVER_INVALID,
    WAIVER_UNUSED,
];

/// The built-in diagnostic with this id.
pub fn get(id: &str) -> Option<&'static Diagnostic> {
    ALL.iter().find(|d| d.id == id)
}

impl Diagnostic {
    /// A finding of this diagnostic at `span` of source `file` (whose path is `path`). `key`
    /// makes the fingerprint stable across line moves (e.g. the waiver's text).
    pub fn finding(
        &self,
        file: usize,
        path: &str,
        span: Span,
        message: String,
        label: String,
        key: &str,
    ) -> Finding {
        Finding {
            check_id: self.id.to_string(),
            severity: self.severity,
            message,
            file,
            span,
            label,
            secondary: vec![],
            resource: String::new(),
            resource_span: None,
            fingerprint: fingerprint(&[path, self.id, key]),
            kind: FindingKind::Diagnostic,
            enforced: self.always_fails,
            notes: vec![],
        }
    }
}
