//! Waivers written in the scanned files: `guardrail:ignore` comments (Terraform `#`/`//`/`/* */`,
//! YAML `#`), the Kubernetes annotation `guardrail.dev/ignore`, CloudFormation
//! `Metadata.guardrail.ignore`, and other tools' skip comments and annotations
//! (`checkov:skip=`, `tfsec:ignore:`, `trivy:ignore:`, `checkov.io/skipN`, CloudFormation
//! `Metadata.checkov.skip`), honoured for the checks whose `related` ids name them.
//!
//! This module only *finds* waivers; [`crate::filter`] judges and applies them.

/// The text of waivers and other tools' skips.
pub mod directive;
/// Comment lexers for HCL and YAML.
pub mod lexer;

use rayon::prelude::*;
use std::collections::BTreeSet;

use crate::checks::Catalog;
use crate::engine::ScanResult;
use crate::findings::SuppressionKind;
use crate::model::{Framework, Node, Resource, Span, Value};

use directive::{Directive, PeerSkip, Spec};
use lexer::{Comment, Syntax};

/// The Kubernetes annotation holding guardrail waivers.
pub const K8S_ANNOTATION: &str = "guardrail.dev/ignore";
/// The prefix of Checkov's Kubernetes skip annotations (`checkov.io/skip1`, …).
const CHECKOV_ANNOTATION: &str = "checkov.io/skip";

/// What findings a waiver can cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A comment: findings in `file` whose line, or whose resource's header line, is one of
    /// these (0-based).
    Lines { file: usize, lines: Vec<usize> },
    /// An annotation or `Metadata`: findings on this resource.
    Resource { file: usize, address: String },
    /// A waiver of the configuration (its index in `Config::waivers`).
    Config(usize),
}

/// A waiver as found, before it is judged.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub kind: SuppressionKind,
    /// The check ids it names (for another tool's skip: the checks whose `related` lists the
    /// tool's id).
    pub ids: Vec<String>,
    /// Another tool's skip, as written (`checkov:skip=CKV_AWS_20`).
    pub peer: Option<String>,
    pub scope: Scope,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<String>,
    /// Where it is written: (source index, span).
    pub at: (usize, Span),
    /// Syntax problems: the waiver is `waiver-invalid`.
    pub problems: Vec<String>,
}

impl Waiver {
    fn from_spec(kind: SuppressionKind, spec: Spec, scope: Scope, at: (usize, Span)) -> Waiver {
        Waiver {
            kind,
            ids: spec.ids,
            peer: None,
            scope,
            reason: spec.reason,
            owner: spec.owner,
            expires: spec.expires,
            at,
            problems: spec.problems,
        }
    }

    fn from_peer(skip: PeerSkip, ids: Vec<String>, scope: Scope, at: (usize, Span)) -> Waiver {
        Waiver {
            kind: SuppressionKind::Peer,
            ids,
            peer: Some(skip.text),
            scope,
            reason: skip.reason,
            owner: None,
            expires: skip.expires,
            at,
            problems: vec![],
        }
    }
}

/// Our checks whose `related` ids include another tool's id (case-insensitive).
fn related_checks(catalog: &Catalog, peer_id: &str) -> Vec<String> {
    catalog
        .checks
        .iter()
        .filter(|c| c.related.iter().any(|r| r.eq_ignore_ascii_case(peer_id)))
        .map(|c| c.id.clone())
        .collect()
}

/// False when `text` cannot hold an inline waiver comment (none of the directive prefixes of
/// guardrail, checkov, tfsec or trivy occurs in it).
pub fn may_contain_waivers(text: &str) -> bool {
    // One pass for the four markers (a multi-literal SIMD search), over every text of a scan.
    static MARKERS: std::sync::LazyLock<Option<regex_automata::meta::Regex>> =
        std::sync::LazyLock::new(|| {
            regex_automata::meta::Regex::new_many(&[
                regex::escape(directive::INLINE_PREFIX).as_str(),
                "checkov:skip=",
                "tfsec:ignore:",
                "trivy:ignore:",
            ])
            .ok()
        });
    match &*MARKERS {
        Some(m) => m.is_match(text),
        None => {
            text.contains(directive::INLINE_PREFIX)
                || text.contains("checkov:skip=")
                || text.contains("tfsec:ignore:")
                || text.contains("trivy:ignore:")
        }
    }
}

/// Every waiver written in the scanned files (files are read on all cores: the text of a
/// whole repository is searched for waiver comments).
pub fn collect(result: &ScanResult, catalog: &Catalog) -> Vec<Waiver> {
    let per_file: Vec<Vec<Waiver>> = result
        .sources
        .par_iter()
        .enumerate()
        .map(|(file, src)| file_waivers(file, src, catalog))
        .collect();
    let mut out: Vec<Waiver> = per_file.into_iter().flatten().collect();
    // Every document resource is looked at (annotations, `Metadata`), and a scan holds tens of
    // thousands of them: on the pool, in order.
    let by_resource: Vec<Waiver> = result
        .resources
        .par_iter()
        .flat_map_iter(|r| {
            let mut w = Vec::new();
            match r.framework {
                Framework::Kubernetes => kubernetes(r, catalog, &mut w),
                Framework::CloudFormation => cloudformation(r, catalog, &mut w),
                Framework::Terraform => {}
            }
            w
        })
        .collect();
    out.extend(by_resource);
    out
}

/// The waiver comments of one file.
fn file_waivers(file: usize, src: &crate::engine::Source, catalog: &Catalog) -> Vec<Waiver> {
    let mut out = Vec::new();
    if src.framework.is_none() {
        return out;
    }
    let syntax = Syntax::of(&src.path, &src.text);
    let t = &src.text;
    // Most files carry no waiver at all: skip the lexer for them.
    if syntax == Syntax::None || !may_contain_waivers(t) {
        return out;
    }
    let comments = lexer::comments(syntax, t);
    let comment_lines: BTreeSet<usize> = comments
        .iter()
        .filter(|c| c.standalone)
        .flat_map(|c| {
            let a = src.lines.line_of(c.span.start);
            let b = src.lines.line_of(c.span.end.max(c.span.start));
            a..=b
        })
        .collect();
    let next = next_code_lines(src, &comment_lines);
    for c in &comments {
        let body = &t[c.body.start..c.body.end];
        let directives = directive::parse_comment(body.trim_end_matches("*/"));
        if directives.is_empty() {
            continue;
        }
        let scope = Scope::Lines {
            file,
            lines: target_lines(src, c, &next),
        };
        for d in directives {
            match d {
                Directive::Guardrail(spec) => out.push(Waiver::from_spec(
                    SuppressionKind::Inline,
                    spec,
                    scope.clone(),
                    (file, c.span),
                )),
                Directive::Peer(skip) => {
                    let ids = related_checks(catalog, &skip.id);
                    if !ids.is_empty() {
                        out.push(Waiver::from_peer(skip, ids, scope.clone(), (file, c.span)));
                    }
                }
            }
        }
    }
    out
}

/// For each line, the line a comment ending on it reaches: the next line if it holds code,
/// the same answer as the next line if that is a comment alone on its line, nothing after a
/// blank line. One backward pass, so a stack of many comments costs no more than its lines.
fn next_code_lines(
    src: &crate::engine::Source,
    comment_lines: &BTreeSet<usize>,
) -> Vec<Option<usize>> {
    let n = src.lines.line_count();
    let mut next = vec![None; n];
    for l in (0..n.saturating_sub(1)).rev() {
        let m = l + 1;
        let start = src.lines.line_start(m).min(src.text.len());
        let end = src.lines.line_start(m + 1).min(src.text.len());
        next[l] = if src.text[start..end].trim().is_empty() {
            None
        } else if comment_lines.contains(&m) {
            next[m]
        } else {
            Some(m)
        };
    }
    next
}

/// The lines a comment covers: its own, and for a comment alone on its line the next line
/// that is not a comment (stacked comments above a line all apply to it; a blank line ends
/// the stack).
fn target_lines(src: &crate::engine::Source, c: &Comment, next: &[Option<usize>]) -> Vec<usize> {
    let first = src.lines.line_of(c.span.start);
    let mut lines = vec![first];
    if c.standalone {
        let last = src.lines.line_of(c.span.end.max(c.span.start));
        lines.extend(next.get(last).copied().flatten());
    }
    lines
}

/// Where a Kubernetes object's waivers are: its own annotations and its pod template's (where
/// people put pod-level settings of a workload).
fn k8s_annotation_paths(kind: &str) -> Vec<&'static [&'static str]> {
    let own: &'static [&'static str] = &["metadata", "annotations"];
    match kind {
        "CronJob" => vec![
            own,
            &[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "metadata",
                "annotations",
            ],
        ],
        "Pod" => vec![own],
        _ => vec![own, &["spec", "template", "metadata", "annotations"]],
    }
}

/// Shrinks an evaluated resource to what [`waivers`] reads (Kubernetes annotations,
/// CloudFormation `Metadata`; nothing of a Terraform body): resources are kept from
/// evaluation to the end of the run, and their full bodies were most of its memory.
pub fn keep_waiver_data(r: &mut Resource) {
    match r.framework {
        Framework::Kubernetes => r.body.retain_paths(&k8s_annotation_paths(&r.rtype)),
        Framework::CloudFormation => r.body.retain_paths(&[&["Metadata"]]),
        Framework::Terraform => r.body.retain_paths(&[]),
    }
    r.pod_spec_path = None;
}

/// Whether a resource itself carries a waiver (a Kubernetes annotation, CloudFormation
/// `Metadata`) that [`collect`] would gather.
pub fn carries_waivers(r: &Resource, catalog: &Catalog) -> bool {
    let mut w = Vec::new();
    match r.framework {
        Framework::Kubernetes => kubernetes(r, catalog, &mut w),
        Framework::CloudFormation => cloudformation(r, catalog, &mut w),
        Framework::Terraform => {}
    }
    !w.is_empty()
}

fn kubernetes(r: &Resource, catalog: &Catalog, out: &mut Vec<Waiver>) {
    let scope = || Scope::Resource {
        file: r.file,
        address: r.address.clone(),
    };
    let maps = k8s_annotation_paths(&r.rtype)
        .into_iter()
        .filter_map(|p| r.body.get_path(p));
    for m in maps {
        let Value::Map(entries) = &m.value else {
            continue;
        };
        for (k, v) in entries {
            let Some(text) = v.as_str() else {
                continue;
            };
            if k.name == K8S_ANNOTATION {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    out.push(Waiver::from_spec(
                        SuppressionKind::Annotation,
                        directive::parse_spec(line),
                        scope(),
                        (r.file, v.span),
                    ));
                }
            } else if k.name.starts_with(CHECKOV_ANNOTATION) {
                if let Some(skip) = directive::parse_checkov_annotation(text) {
                    let ids = related_checks(catalog, &skip.id);
                    if !ids.is_empty() {
                        out.push(Waiver::from_peer(skip, ids, scope(), (r.file, v.span)));
                    }
                }
            }
        }
    }
}

fn cloudformation(r: &Resource, catalog: &Catalog, out: &mut Vec<Waiver>) {
    let scope = || Scope::Resource {
        file: r.file,
        address: r.address.clone(),
    };
    let Some(meta) = r.body.get("Metadata") else {
        return;
    };
    if let Some(ignore) = meta.get_path(&["guardrail", "ignore"]) {
        let items: Vec<&Node> = match &ignore.value {
            Value::List(l) => l.iter().collect(),
            _ => vec![ignore],
        };
        for it in items {
            let mut spec = Spec::default();
            match &it.value {
                Value::Map(entries) => {
                    for (k, v) in entries {
                        let text = v.scalar_text();
                        match (k.name.as_str(), text) {
                            ("id", Some(t)) => spec.ids.push(t),
                            ("id", None) => match &v.value {
                                Value::List(ids) => {
                                    spec.ids.extend(ids.iter().filter_map(|i| i.scalar_text()))
                                }
                                _ => spec.problems.push("`id` must be a check id".into()),
                            },
                            ("reason", t) => spec.reason = t.filter(|s| !s.trim().is_empty()),
                            ("owner", t) => spec.owner = t,
                            ("expires", t) => spec.expires = t,
                            (other, _) => spec.problems.push(format!(
                                "unknown key `{other}` (expected id, reason, owner, expires)"
                            )),
                        }
                    }
                }
                _ => spec
                    .problems
                    .push("each entry is a map: { id, reason, owner, expires }".into()),
            }
            if spec.ids.is_empty() {
                spec.problems
                    .insert(0, "the waiver names no check id".into());
            }
            if spec.reason.is_none() {
                spec.problems.push("a waiver needs a `reason`".into());
            }
            out.push(Waiver::from_spec(
                SuppressionKind::Metadata,
                spec,
                scope(),
                (r.file, it.span),
            ));
        }
    }
    // Checkov's own CloudFormation form: `Metadata: { checkov: { skip: [{ id, comment }] } }`.
    if let Some(Value::List(skips)) = meta.get_path(&["checkov", "skip"]).map(|n| &n.value) {
        for it in skips {
            let Some(id) = it.get("id").and_then(|i| i.scalar_text()) else {
                continue;
            };
            let ids = related_checks(catalog, &id);
            if ids.is_empty() {
                continue;
            }
            let skip = PeerSkip {
                tool: directive::PeerTool::Checkov,
                text: format!("checkov:skip={id}"),
                id,
                reason: it
                    .get("comment")
                    .and_then(|c| c.scalar_text())
                    .filter(|c| !c.trim().is_empty()),
                expires: None,
            };
            out.push(Waiver::from_peer(skip, ids, scope(), (r.file, it.span)));
        }
    }
}

/// The 0-based line of the header of the resource a finding belongs to: the Terraform block
/// header, the CloudFormation logical id, the first line of a Kubernetes object.
pub fn header_line(result: &ScanResult, r: &Resource) -> usize {
    let src = &result.sources[r.file];
    let at = match r.framework {
        Framework::Kubernetes => r.span.start,
        _ => r.anchor.start,
    };
    src.lines.line_of(at.min(src.text.len()))
}
