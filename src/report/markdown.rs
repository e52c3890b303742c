//! A Markdown job summary (`$GITHUB_STEP_SUMMARY`) a person reads in ten seconds: the verdict,
//! totals by severity, a table of findings most severe first, and the checks' explanations
//! collapsed under it.
//!
//! GitHub refuses step summaries over 1 MiB, so the table stops before [`MAX_BYTES`] and says
//! how many rows it left out. Everything taken from scanned files is escaped: a value in a
//! Terraform file cannot inject HTML, links or table cells into the summary.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{region, uri_escape, ReportInput, SEVERITIES};
use crate::diagnostics;
use crate::findings::{Finding, FindingKind, SuppressionKind};

/// The summary stays under this many bytes (GitHub's limit is 1 MiB per step; the rest is
/// left for what a workflow appends around it).
pub const MAX_BYTES: usize = 1_000_000;

/// Escapes text for a table cell: no line breaks, no `|`, no HTML, and no Markdown syntax
/// outside `code spans` (the messages use them for attribute names).
pub fn escape_cell(s: &str) -> String {
    let flat = s.replace(['\r', '\n'], " ");
    let parts: Vec<&str> = flat.split('`').collect();
    let closed = parts.len() % 2 == 1;
    let mut out = String::with_capacity(flat.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        let in_code = i % 2 == 1 && (closed || i + 1 < parts.len());
        if i > 0 {
            // The backtick before this part: a code delimiter (it closes the span of an odd
            // part, or opens a paired one), or a literal one when unpaired.
            out.push_str(if i % 2 == 0 || in_code { "`" } else { "\\`" });
        }
        for c in part.chars() {
            match c {
                '|' => out.push_str("\\|"),
                // Inside a code span only `|` is special (GFM tables split on it first).
                c if in_code => out.push(c),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\\' | '[' | ']' | '*' | '_' | '~' | '#' | '!' | '(' | ')' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

/// Escapes text inside an HTML block (`<summary>`), where Markdown is not interpreted.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn location(input: &ReportInput, f: &Finding) -> String {
    let src = &input.result.sources[f.file];
    let (sl, _, el, _) = region(src, f);
    let text = escape_cell(&format!("{}:{sl}", src.path));
    match &input.options.link_base {
        Some(base) => {
            let anchor = if el > sl {
                format!("#L{sl}-L{el}")
            } else {
                format!("#L{sl}")
            };
            format!(
                "[{text}]({}/{}{anchor})",
                base.trim_end_matches('/'),
                uri_escape(&src.path)
            )
        }
        None => text,
    }
}

fn row(input: &ReportInput, f: &Finding) -> String {
    let sev = f.severity.as_str();
    let mut sev = if input.fails(f) {
        format!("**{sev}**")
    } else {
        sev.to_string()
    };
    if f.enforced {
        sev.push_str(" (enforced)");
    }
    let resource = if f.resource.is_empty() {
        String::new()
    } else {
        format!("`{}`", f.resource.replace('`', "'").replace('|', "\\|"))
    };
    format!(
        "| {sev} | `{}` | {} | {resource} | {} |\n",
        f.check_id,
        location(input, f),
        escape_cell(
            &std::iter::once(format!("{}: {}", f.message, f.label))
                .chain(f.notes.iter().map(|n| format!("({n})")))
                .collect::<Vec<_>>()
                .join(" ")
        )
    )
}

/// The collapsed explanations of the checks that fired, in the table's order.
fn details(input: &ReportInput, ranked: &[&Finding]) -> String {
    let mut seen = BTreeMap::new();
    for f in ranked {
        let n = seen.len();
        seen.entry(f.check_id.as_str()).or_insert(n);
    }
    let mut ids: Vec<(&str, usize)> = seen.into_iter().collect();
    ids.sort_by_key(|(_, order)| *order);
    let mut out = String::new();
    for (id, _) in ids {
        let Some(c) = input.catalog.get(id) else {
            // A built-in diagnostic (parse-error, waiver-*).
            if let Some(d) = diagnostics::ALL.iter().find(|d| d.id == id) {
                let _ = write!(
                    out,
                    "<details><summary><code>{}</code> ({}): {}</summary>\n\n{}\n\n**Fix:** {}\n\n</details>\n",
                    escape_html(id),
                    d.severity.as_str(),
                    escape_html(d.title),
                    d.description,
                    d.help
                );
            }
            continue;
        };
        let _ = write!(
            out,
            "<details><summary><code>{}</code> ({}): {}</summary>\n\n{}\n\n**Fix:** {}\n",
            escape_html(id),
            c.severity.as_str(),
            escape_html(&c.title),
            c.description.trim(),
            c.remediation.trim()
        );
        if !c.references.is_empty() {
            out.push('\n');
            for r in &c.references {
                let _ = writeln!(out, "- <{r}>");
            }
        }
        if !c.related.is_empty() {
            let _ = writeln!(out, "\nSame as: {}", c.related.join(", "));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The summary, under [`MAX_BYTES`].
pub fn render(input: &ReportInput) -> String {
    render_limited(input, MAX_BYTES)
}

/// The summary, under `max_bytes` (tests use small limits).
pub fn render_limited(input: &ReportInput, max_bytes: usize) -> String {
    let r = input.result;
    let ranked = input.ranked_findings();
    let counts = input.counts();
    let total = ranked.len();

    let mut head = String::new();
    let _ = writeln!(
        head,
        "## guardrail: {}\n",
        match total {
            0 => "no findings".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        }
    );
    let (failing, why) = input.failing("`");
    let verdict = if failing > 0 {
        format!(
            "**Failed:** {failing} finding{} {why}.",
            if failing == 1 { "" } else { "s" }
        )
    } else {
        match input.fail_on {
            Some(t) => format!("**Passed:** nothing at or above `{}`.", t.as_str()),
            None => "**Passed:** findings do not fail this run (`--fail-on none`).".to_string(),
        }
    };
    let _ = writeln!(head, "{verdict}\n");
    let _ = writeln!(head, "| {} |", SEVERITIES.map(|s| s.as_str()).join(" | "));
    let _ = writeln!(head, "|{}", "---:|".repeat(SEVERITIES.len()));
    let _ = writeln!(
        head,
        "| {} |\n",
        counts.map(|(_, n)| n.to_string()).join(" | ")
    );
    let s = &r.summary;
    let _ = writeln!(
        head,
        "{} file{} scanned, {} resource{}.",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" },
        s.resources,
        if s.resources == 1 { "" } else { "s" },
    );
    let unknown = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Unknown)
        .count();
    if !r.suppressed.is_empty() {
        // By where the waiver was written: a reviewer sees how much is waived, and how.
        let mut by_kind: BTreeMap<SuppressionKind, usize> = BTreeMap::new();
        for s in &r.suppressed {
            *by_kind.entry(s.by.kind).or_default() += 1;
        }
        let kinds: Vec<String> = by_kind
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        let _ = writeln!(
            head,
            "{} suppressed finding{} not shown ({}).",
            r.suppressed.len(),
            if r.suppressed.len() == 1 { "" } else { "s" },
            kinds.join(", ")
        );
    }
    if unknown > 0 {
        let _ = writeln!(
            head,
            "{unknown} check{} not decided because a value is unknown.",
            if unknown == 1 { "" } else { "s" }
        );
    }
    if !r.errors.is_empty() {
        let _ = writeln!(head, "\n**Errors** (the scan is incomplete):\n");
        for e in &r.errors {
            let _ = writeln!(head, "- {}", escape_cell(e));
        }
    }
    head.push('\n');

    let mut tail = if total > 0 {
        format!("\n### How to fix\n\n{}", details(input, &ranked))
    } else {
        String::new()
    };
    // Room for the "left out" note.
    const NOTE_ROOM: usize = 200;
    if head.len() + tail.len() + NOTE_ROOM > max_bytes {
        tail.clear();
    }
    let mut table = String::new();
    let mut shown = 0;
    if total > 0 {
        table.push_str(
            "| Severity | Check | Location | Resource | Message |\n|---|---|---|---|---|\n",
        );
        let budget = max_bytes.saturating_sub(head.len() + tail.len() + NOTE_ROOM);
        for f in &ranked {
            let line = row(input, f);
            if table.len() + line.len() > budget {
                break;
            }
            table.push_str(&line);
            shown += 1;
        }
        if shown == 0 {
            table.clear();
        }
        if shown < total {
            let _ = writeln!(
                table,
                "\n*{} more finding{} not shown: a job summary is limited to 1 MiB. The SARIF or JSON report has them all.*",
                total - shown,
                if total - shown == 1 { "" } else { "s" }
            );
        }
    }
    format!("{head}{table}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_markdown_outside_code_spans() {
        assert_eq!(
            escape_cell("`acl` is \"public-read\""),
            "`acl` is \"public-read\""
        );
        assert_eq!(escape_cell("a|b\nc"), "a\\|b c");
        assert_eq!(
            escape_cell("<img src=x> [x](javascript:1) **b**"),
            "&lt;img src=x&gt; \\[x\\]\\(javascript:1\\) \\*\\*b\\*\\*"
        );
        // Inside a code span only the pipe is escaped.
        assert_eq!(escape_cell("`a|<b>*`"), "`a\\|<b>*`");
        assert_eq!(
            escape_html("SSH (port 22) <b> & \"x\""),
            "SSH (port 22) &lt;b&gt; &amp; &quot;x&quot;"
        );
        // An unpaired backtick is literal, and what follows it is plain text.
        assert_eq!(escape_cell("it`s <b>"), "it\\`s &lt;b&gt;");
        assert_eq!(escape_cell("`a` <b> `c"), "`a` &lt;b&gt; \\`c");
    }
}
