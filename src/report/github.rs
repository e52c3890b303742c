//! GitHub Actions workflow commands: one `::error|warning|notice file=…::…` line per finding,
//! which the runner turns into annotations on the pull request's diff.
//!
//! GitHub shows only the first 10 annotations of each level per step, so findings come most
//! severe first. Values are escaped the way the runner unescapes them: `%`, CR and LF in the
//! message; additionally `:` and `,` in properties (file, title). A message can therefore never
//! end the line and start a command of its own, whatever a scanned file contains.

use std::collections::HashMap;
use std::fmt::Write;

use super::{region, ReportInput};
use crate::checks::Severity;
use crate::diagnostics;
use crate::findings::{Finding, FindingKind};

/// The annotation level of a finding.
fn command(f: &Finding) -> &'static str {
    if f.kind == FindingKind::Unknown {
        return "notice";
    }
    match f.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message (the text after `::`).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// One workflow command for a finding.
fn annotation(input: &ReportInput, f: &Finding, remediation: Option<&str>) -> String {
    let src = &input.result.sources[f.file];
    let (sl, sc, el, ec) = region(src, f);
    let mut props = format!("file={},line={sl},endLine={el}", escape_property(&src.path));
    // GitHub ignores columns on annotations that span lines; leave them out there.
    if sl == el {
        let _ = write!(props, ",col={sc},endColumn={ec}");
    }
    let _ = write!(props, ",title={}", escape_property(&f.check_id));
    let mut msg = if f.kind == FindingKind::Unknown {
        f.message.clone()
    } else {
        format!("{}: {}", f.message, f.label)
    };
    for n in &f.notes {
        msg.push_str(&format!(" ({n})"));
    }
    if matches!(f.kind, FindingKind::Check | FindingKind::Diagnostic) {
        msg.push_str(&format!("\nseverity: {}", f.severity.as_str()));
        if f.enforced {
            msg.push_str(" (enforced)");
        }
        if !f.resource.is_empty() {
            msg.push_str(&format!(", resource: {}", f.resource));
        }
        if let Some(fix) = remediation {
            msg.push_str(&format!("\nfix: {}", fix.trim()));
        }
    }
    format!("::{} {props}::{}\n", command(f), escape_data(&msg))
}

/// The report: the tool's own errors, then every finding most severe first, then
/// `--show-unknown` notes, and a last plain line with the totals.
pub fn render(input: &ReportInput) -> String {
    let r = input.result;
    let remediation: HashMap<&str, &str> = input
        .catalog
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.remediation.as_str()))
        .chain(diagnostics::ALL.iter().map(|d| (d.id, d.help)))
        .collect();
    let mut out = String::new();
    for e in &r.errors {
        let _ = writeln!(out, "::error title=guardrail::{}", escape_data(e));
    }
    let unknown = r.findings.iter().filter(|f| f.kind == FindingKind::Unknown);
    for f in input.ranked_findings().into_iter().chain(unknown) {
        out.push_str(&annotation(
            input,
            f,
            remediation.get(f.check_id.as_str()).copied(),
        ));
    }
    let counts = input.counts();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let by: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let _ = write!(
        out,
        "guardrail: {total} finding{}",
        if total == 1 { "" } else { "s" }
    );
    if !by.is_empty() {
        let _ = write!(out, " ({})", by.join(", "));
    }
    if !r.suppressed.is_empty() {
        let _ = write!(out, ", {} suppressed", r.suppressed.len());
    }
    let (failing, why) = input.failing("");
    let _ = writeln!(
        out,
        "; {} file{} scanned{}",
        r.summary.files_scanned,
        if r.summary.files_scanned == 1 {
            ""
        } else {
            "s"
        },
        if failing > 0 {
            format!("; {failing} {why}")
        } else {
            String::new()
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(
            escape_data("100% open: a,b\r\nnext"),
            "100%25 open: a,b%0D%0Anext"
        );
        // Escaping `%` first keeps an escape-looking input literal.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("dir:a,b/100%\nx.tf"),
            "dir%3Aa%2Cb/100%25%0Ax.tf"
        );
    }
}
