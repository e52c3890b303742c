//! rustc-style diagnostics with annotate-snippets. Only the lines around a finding are passed
//! to the renderer, and every span is checked against the window first (annotate-snippets
//! panics on spans off a char boundary or past the end).

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::ReportInput;
use crate::checks::Severity;
use crate::engine::Source;
use crate::findings::{Finding, FindingKind, Related, SuppressionKind};
use crate::model::lines::clamp_to_char_boundary;
use crate::model::Span;

/// Secondary spans farther than this many lines from the primary are left out of the snippet.
const MAX_CONTEXT_LINES: usize = 12;

fn level(f: &Finding) -> Level<'static> {
    if f.kind == FindingKind::Unknown {
        return Level::NOTE;
    }
    match f.severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Low => Level::WARNING,
        Severity::Info => Level::NOTE,
    }
}

/// A window of whole lines around some spans: (text, first byte offset, first line number).
fn window(src: &Source, spans: &[Span]) -> (usize, usize, usize) {
    let text = &src.text;
    let first = spans
        .iter()
        .map(|s| src.lines.line_of(s.start.min(text.len())))
        .min()
        .unwrap_or(0);
    let last = spans
        .iter()
        .map(|s| {
            src.lines
                .line_of(s.end.min(text.len()).max(s.start.min(text.len())))
        })
        .max()
        .unwrap_or(0);
    let start = src.lines.line_start(first).min(text.len());
    let mut end = src.lines.line_start(last + 1).min(text.len());
    // Drop the line break: the renderer adds its own.
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let end = end.max(
        clamp_to_char_boundary(text, spans.iter().map(|s| s.end).max().unwrap_or(0))
            .min(text.len()),
    );
    (start, end, first + 1)
}

/// A span made relative to the window and safe to render.
fn relative(text: &str, span: Span, start: usize, end: usize) -> std::ops::Range<usize> {
    let s = clamp_to_char_boundary(text, span.start.clamp(start, end));
    let e = clamp_to_char_boundary(text, span.end.clamp(s, end));
    (s - start)..(e - start)
}

fn render_one(f: &Finding, input: &ReportInput, renderer: &Renderer) -> String {
    let sources = &input.result.sources;
    let src = &sources[f.file];
    let text = &src.text;
    let (pline, _) = src.position(f.span.start);
    // Context in the same file, close by, shares the snippet; anything else gets its own.
    let (near, far): (Vec<&Related>, Vec<&Related>) = f.secondary.iter().partition(|r| {
        r.file == f.file && pline.abs_diff(src.position(r.span.start).0) <= MAX_CONTEXT_LINES
    });
    let mut spans = vec![f.span];
    spans.extend(near.iter().map(|r| r.span));
    let (start, end, line_start) = window(src, &spans);
    let mut snippet = Snippet::source(&text[start..end])
        .line_start(line_start)
        .path(src.path.as_str())
        .annotation(
            AnnotationKind::Primary
                .span(relative(text, f.span, start, end))
                .label(f.label.as_str()),
        );
    for r in &near {
        snippet = snippet.annotation(
            AnnotationKind::Context
                .span(relative(text, r.span, start, end))
                .label(r.label.as_str()),
        );
    }
    let mut snippets = vec![snippet];
    // Context in other files (or far away): one snippet per file and neighbourhood, in the
    // order the locations are listed.
    let mut clusters: Vec<Vec<&Related>> = Vec::new();
    for r in far.iter().filter(|r| r.file < sources.len()) {
        let other = &sources[r.file];
        let line = other.position(r.span.start).0;
        let near_cluster = clusters.iter_mut().find(|c| {
            c[0].file == r.file
                && c.iter()
                    .all(|x| other.position(x.span.start).0.abs_diff(line) <= MAX_CONTEXT_LINES)
        });
        match near_cluster {
            Some(c) => c.push(r),
            None => clusters.push(vec![r]),
        }
    }
    for cluster in clusters {
        let other = &sources[cluster[0].file];
        let spans: Vec<Span> = cluster.iter().map(|r| r.span).collect();
        let (s, e, first) = window(other, &spans);
        let mut sn = Snippet::source(&other.text[s..e])
            .line_start(first)
            .path(other.path.as_str());
        for r in cluster {
            sn = sn.annotation(
                AnnotationKind::Context
                    .span(relative(&other.text, r.span, s, e))
                    .label(r.label.as_str()),
            );
        }
        snippets.push(sn);
    }
    let check = input.catalog.get(&f.check_id);
    let mut snippets = snippets.into_iter();
    let title = level(f)
        .primary_title(f.message.as_str())
        .id(f.check_id.as_str());
    let mut group = match snippets.next() {
        Some(first) => title.element(first),
        None => Group::with_title(title),
    };
    for sn in snippets {
        group = group.element(sn);
    }
    if !f.resource.is_empty() {
        group = group.element(Level::NOTE.message(format!("resource: {}", f.resource)));
    }
    for n in &f.notes {
        group = group.element(Level::NOTE.message(n.as_str()));
    }
    if let Some(c) = check {
        if f.kind == FindingKind::Check {
            group = group.element(Level::HELP.message(c.remediation.trim().to_string()));
        }
    }
    let report: Vec<Group> = vec![group];
    renderer.render(&report)
}

/// Renders all findings and a summary line.
pub fn render(input: &ReportInput) -> String {
    let renderer = if input.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    for f in &input.result.findings {
        out.push_str(&render_one(f, input, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&suppressed_lines(input));
    out.push_str(&summary_line(input));
    out.push('\n');
    out
}

/// Waived findings are listed one per line, with their reason; baselined ones are counted.
const MAX_SUPPRESSED_LINES: usize = 50;

/// One line per waived finding (`suppressed: ID at FILE:LINE:COL: REASON (…)`) and a count of
/// baselined ones.
fn suppressed_lines(input: &ReportInput) -> String {
    let r = input.result;
    let mut out = String::new();
    let (baseline, waived): (Vec<_>, Vec<_>) = r
        .suppressed
        .iter()
        .partition(|s| s.by.kind == SuppressionKind::Baseline);
    for s in waived.iter().take(MAX_SUPPRESSED_LINES) {
        let f = &s.finding;
        let src = &r.sources[f.file];
        let (l, c) = src.position(f.span.start);
        let mut how = vec![match s.by.at {
            Some((i, span)) if i < r.sources.len() => {
                let w = &r.sources[i];
                format!(
                    "{} waiver at {}:{}",
                    s.by.kind.as_str(),
                    w.path,
                    w.position(span.start).0
                )
            }
            _ => format!("{} waiver", s.by.kind.as_str()),
        }];
        if let Some(o) = &s.by.owner {
            how.push(format!("owner {o}"));
        }
        if let Some(e) = &s.by.expires {
            how.push(format!("expires {e}"));
        }
        out.push_str(&format!(
            "suppressed: {} at {}:{l}:{c}: {} ({})\n",
            f.check_id,
            src.path,
            s.by.reason,
            how.join(", ")
        ));
    }
    if waived.len() > MAX_SUPPRESSED_LINES {
        out.push_str(&format!(
            "suppressed: … and {} more waived findings (`--format json` lists them all)\n",
            waived.len() - MAX_SUPPRESSED_LINES
        ));
    }
    if !baseline.is_empty() {
        let file = baseline[0]
            .by
            .at
            .filter(|(i, _)| *i < r.sources.len())
            .map(|(i, _)| format!(" ({})", r.sources[i].path))
            .unwrap_or_default();
        let n = baseline.len();
        out.push_str(&format!(
            "suppressed: {n} finding{} in the baseline{file}\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    out
}

/// A rustc-style block for one span of a source (used by `guardrail test` for mismatches).
pub fn snippet(src: &Source, span: Span, title: &str, label: &str, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let (start, end, first) = window(src, &[span]);
    let sn = Snippet::source(&src.text[start..end])
        .line_start(first)
        .path(src.path.as_str())
        .annotation(
            AnnotationKind::Primary
                .span(relative(&src.text, span, start, end))
                .label(label),
        );
    let group = Level::ERROR.primary_title(title).element(sn);
    renderer.render(&[group])
}

/// `guardrail: 3 findings (1 critical, 2 high) in 12 files, 40 resources (8 ms)`.
pub fn summary_line(input: &ReportInput) -> String {
    let r = input.result;
    let mut counts = [0usize; 5];
    let mut total = 0;
    for f in input.real_findings() {
        counts[f.severity as usize] += 1;
        total += 1;
    }
    let parts: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .iter()
    .filter(|s| counts[**s as usize] > 0)
    .map(|s| format!("{} {}", counts[*s as usize], s.as_str()))
    .collect();
    let findings = match total {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({})", parts.join(", ")),
        n => format!("{n} findings ({})", parts.join(", ")),
    };
    let suppressed = match r.suppressed.len() {
        0 => String::new(),
        n => format!(", {n} suppressed"),
    };
    let mut s = format!(
        "guardrail: {findings}{suppressed} in {} file{}, {} resource{}",
        r.summary.files_scanned,
        if r.summary.files_scanned == 1 {
            ""
        } else {
            "s"
        },
        r.summary.resources,
        if r.summary.resources == 1 { "" } else { "s" }
    );
    if r.summary.files_not_iac > 0 {
        s.push_str(&format!(
            "; {} not infrastructure-as-code",
            r.summary.files_not_iac
        ));
    }
    s.push_str(&format!(" ({} ms)", input.elapsed_ms));
    s
}
