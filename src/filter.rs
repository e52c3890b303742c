//! The filter stage, after evaluation: waivers (inline, annotations, CloudFormation
//! `Metadata`, other tools' skips, configuration), the baseline and enforced checks applied to
//! a [`ScanResult`]. `guardrail scan` and `guardrail diff` both call [`apply`] after the engine.
//!
//! A waiver takes effect only if it is valid (known check ids, a reason, and the packs'
//! `require-owner` / `max-days` rules) and not expired; a waiver of an enforced check never
//! does and is reported as `waiver-not-allowed`. Suppressed findings move to
//! `ScanResult::suppressed` with the reason; waivers that matched nothing are `waiver-unused`.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::baseline::Baseline;
use crate::date::Date;
use crate::diagnostics::{self, Diagnostic};
use crate::engine::ScanResult;
use crate::federation::Federation;
use crate::findings::{Finding, FindingKind, Suppressed, Suppression, SuppressionKind};
use crate::model::Span;
use crate::suppress::{self, Scope, Waiver};

/// How the filter runs.
#[derive(Debug, Clone, Copy)]
pub struct FilterOptions<'a> {
    /// Today, for expiry (UTC, or `GUARDRAIL_TODAY`).
    pub today: Date,
    /// The scan covered the whole configuration directory: configuration waivers that matched
    /// nothing are reported as unused (a partial scan cannot know).
    pub whole_project: bool,
    pub baseline: Option<&'a Baseline>,
}

/// What a waiver's judgement came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Valid,
    Expired(Date),
    Invalid(Vec<String>),
}

/// Applies waivers, the baseline and enforcement to `result`.
pub fn apply(result: &mut ScanResult, fed: &Federation, opts: &FilterOptions) {
    let mut diags: Vec<Finding> = Vec::new();
    for p in &fed.pending {
        let (display, text) = &fed.aux[p.file];
        let file = result.source_index(display, || text.clone());
        diags.push(p.diagnostic.finding(
            file,
            display,
            p.span,
            p.message.clone(),
            p.label.clone(),
            &p.key,
        ));
    }

    let mut waivers = suppress::collect(result, &fed.catalog);
    if let Some(cfg) = &fed.config {
        if !cfg.waivers.is_empty() {
            let file = result.source_index(&cfg.display, || cfg.text.clone());
            for (i, w) in cfg.waivers.iter().enumerate() {
                let mut problems = Vec::new();
                if w.reason.is_none() {
                    problems.push("a waiver needs a `reason`".to_string());
                }
                waivers.push(Waiver {
                    kind: SuppressionKind::Config,
                    ids: vec![w.check.value.clone()],
                    peer: None,
                    scope: Scope::Config(i),
                    reason: w.reason.clone(),
                    owner: w.owner.clone(),
                    expires: w.expires.clone(),
                    at: (file, w.check.span),
                    problems,
                });
            }
        }
    }

    // Judge every waiver once.
    let mut status: Vec<Status> = Vec::with_capacity(waivers.len());
    // (waiver, check id) pairs that name an enforced check: reported, never applied.
    let mut not_allowed: BTreeSet<(usize, String)> = BTreeSet::new();
    for (wi, w) in waivers.iter_mut().enumerate() {
        let mut problems = std::mem::take(&mut w.problems);
        let is_peer = w.kind == SuppressionKind::Peer;
        if is_peer && w.reason.is_none() {
            problems.push(format!(
                "`{}` gives no reason",
                w.peer.as_deref().unwrap_or("")
            ));
        } else if w.reason.is_none() && problems.iter().all(|p| !p.contains("reason")) {
            problems.push("a waiver needs a reason".into());
        }
        let mut expires = None;
        if let Some(e) = &w.expires {
            match Date::parse(e) {
                Ok(d) => expires = Some(d),
                Err(err) => problems.push(err.to_string()),
            }
        }
        if fed.rules.require_owner && w.owner.is_none() {
            problems.push("the packs require an `owner`".into());
        }
        if let Some(max) = fed.rules.max_days {
            match expires {
                None if w.expires.is_none() => {
                    problems.push(format!("the packs require `expires` within {max} days"))
                }
                Some(d) if opts.today.days_until(d) > max => problems.push(format!(
                    "expires {d}, {} days from today; the packs allow at most {max}",
                    opts.today.days_until(d)
                )),
                _ => {}
            }
        }
        // Unknown ids are reported on their own and leave the other ids working.
        let (known, unknown): (Vec<String>, Vec<String>) =
            w.ids.iter().cloned().partition(|id| fed.known.contains(id));
        let (file, span) = w.at;
        for id in unknown {
            diags.push(diag(
                &diagnostics::WAIVER_INVALID,
                result,
                file,
                span,
                format!("unknown check id `{id}` in a waiver"),
                "no pack defines this check".into(),
                &id,
            ));
        }
        w.ids = known;
        if !is_peer {
            for id in &w.ids {
                if let Some(by) = fed.catalog.enforced_by(id) {
                    not_allowed.insert((wi, id.clone()));
                    diags.push(diag(
                        &diagnostics::WAIVER_NOT_ALLOWED,
                        result,
                        file,
                        span,
                        format!("`{id}` is enforced by pack {by}: it cannot be waived"),
                        "waiver of an enforced check".into(),
                        id,
                    ));
                }
            }
        }
        status.push(if !problems.is_empty() {
            Status::Invalid(problems)
        } else {
            match expires {
                Some(d) if d < opts.today => Status::Expired(d),
                _ => Status::Valid,
            }
        });
    }

    // Which resource each finding belongs to, for waivers above a resource header.
    // Only the resources that findings name are indexed: a repository has many more.
    let findings = std::mem::take(&mut result.findings);
    let mut by_address: HashMap<(usize, &str), Vec<usize>> = findings
        .iter()
        .map(|f| ((f.file, f.resource.as_str()), Vec::new()))
        .collect();
    let named: Vec<usize> = result
        .resources
        .par_iter()
        .enumerate()
        .filter(|(_, r)| by_address.contains_key(&(r.file, r.address.as_str())))
        .map(|(i, _)| i)
        .collect();
    for i in named {
        let r = &result.resources[i];
        if let Some(v) = by_address.get_mut(&(r.file, r.address.as_str())) {
            v.push(i);
        }
    }
    let header_of = |f: &Finding| -> Option<usize> {
        let candidates = by_address
            .get(&(f.file, f.resource.as_str()))
            .filter(|c| !c.is_empty())?;
        let r = candidates
            .iter()
            .map(|&i| &result.resources[i])
            .find(|r| r.span.start <= f.span.start && f.span.end <= r.span.end.max(r.anchor.end))
            .or_else(|| candidates.first().map(|&i| &result.resources[i]))?;
        Some(suppress::header_line(result, r))
    };
    let headers: Vec<Option<usize>> = findings.par_iter().map(header_of).collect();
    drop(by_address);

    // Waivers by where they apply, so each finding looks only at its candidates.
    let mut by_line: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut by_resource: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
    let mut config_waivers: Vec<usize> = Vec::new();
    for (wi, w) in waivers.iter().enumerate() {
        match &w.scope {
            Scope::Lines { file, lines } => {
                for l in lines {
                    by_line.entry((*file, *l)).or_default().push(wi);
                }
            }
            Scope::Resource { file, address } => by_resource
                .entry((*file, address.as_str()))
                .or_default()
                .push(wi),
            Scope::Config(_) => config_waivers.push(wi),
        }
    }

    let mut used: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut peer_reported: BTreeSet<usize> = BTreeSet::new();
    let mut keep: Vec<Finding> = Vec::new();
    let mut suppressed: Vec<Suppressed> = Vec::new();
    for (mut f, header) in findings.into_iter().zip(headers) {
        if f.kind != FindingKind::Check {
            keep.push(f);
            continue;
        }
        let path = result.sources[f.file].path.clone();
        let line = result.sources[f.file].lines.line_of(f.span.start);
        let (fid, ffile, fres) = (f.check_id.clone(), f.file, f.resource.clone());
        let mut candidates: Vec<usize> = Vec::new();
        for l in std::iter::once(line).chain(header) {
            candidates.extend(by_line.get(&(ffile, l)).into_iter().flatten());
        }
        candidates.extend(
            by_resource
                .get(&(ffile, fres.as_str()))
                .into_iter()
                .flatten(),
        );
        candidates.extend(&config_waivers);
        candidates.sort_unstable();
        candidates.dedup();
        let matches = |w: &Waiver| -> bool {
            if !w.ids.contains(&fid) {
                return false;
            }
            match &w.scope {
                Scope::Lines { file, lines } => {
                    *file == ffile
                        && (lines.contains(&line) || header.is_some_and(|h| lines.contains(&h)))
                }
                Scope::Resource { file, address } => *file == ffile && *address == fres,
                Scope::Config(i) => {
                    let Some(cfg) = &fed.config else { return false };
                    let cw = &cfg.waivers[*i];
                    let path_ok = cw.paths.is_empty()
                        || cfg.relative(&path).is_some_and(|p| cw.path_set.is_match(p));
                    let res_ok = cw.resources.is_empty() || cw.resource_set.is_match(&fres);
                    path_ok && res_ok
                }
            }
        };
        if let Some(by) = fed.catalog.enforced_by(&f.check_id).map(String::from) {
            f.enforced = true;
            f.notes.push(format!(
                "enforced by pack {by}: this finding fails the run whatever --fail-on says"
            ));
            for &wi in &candidates {
                let w = &waivers[wi];
                if w.kind == SuppressionKind::Peer && matches(w) && peer_reported.insert(wi) {
                    let (file, span) = w.at;
                    diags.push(diag(
                        &diagnostics::WAIVER_NOT_ALLOWED,
                        result,
                        file,
                        span,
                        format!(
                            "`{}` is enforced by pack {by}: `{}` does not waive it",
                            f.check_id,
                            w.peer.as_deref().unwrap_or_default()
                        ),
                        "skip comment for an enforced check".into(),
                        &f.check_id,
                    ));
                }
            }
            if let Some(e) = opts.baseline.and_then(|b| b.find(&f, &path)) {
                let b = opts.baseline.expect("found in it");
                let file = result.source_index(&b.display, || b.text.clone());
                diags.push(diag(
                    &diagnostics::WAIVER_NOT_ALLOWED,
                    result,
                    file,
                    e.span,
                    format!(
                        "`{}` is enforced by pack {by}: the baseline cannot hide it",
                        f.check_id
                    ),
                    format!("baseline entry for {path}"),
                    &e.fingerprint,
                ));
            }
            keep.push(f);
            continue;
        }
        let mut by: Option<Suppression> = None;
        for &wi in &candidates {
            let w = &waivers[wi];
            if !matches(w) {
                continue;
            }
            used.insert((wi, f.check_id.clone()));
            match &status[wi] {
                Status::Valid if by.is_none() => {
                    by = Some(Suppression {
                        kind: w.kind,
                        reason: w.reason.clone().unwrap_or_default(),
                        owner: w.owner.clone(),
                        expires: w.expires.clone(),
                        at: Some(w.at),
                    });
                }
                Status::Expired(d) => {
                    let (file, span) = w.at;
                    let src = &result.sources[file];
                    let (l, _) = src.position(span.start);
                    f.notes
                        .push(format!("waiver expired on {d} ({}:{l})", src.path));
                }
                // Other tools' skips are reported only when they would take effect.
                Status::Invalid(problems)
                    if w.kind == SuppressionKind::Peer && !peer_reported.contains(&wi) =>
                {
                    peer_reported.insert(wi);
                    let (file, span) = w.at;
                    diags.push(diag(
                        &diagnostics::WAIVER_INVALID,
                        result,
                        file,
                        span,
                        format!("invalid waiver: {}", problems.join("; ")),
                        "this skip does not take effect".into(),
                        w.peer.as_deref().unwrap_or_default(),
                    ));
                }
                _ => {}
            }
        }
        if by.is_some() {
            // An expired waiver beside a valid one is noise.
            f.notes.retain(|n| !n.starts_with("waiver expired"));
        }
        if by.is_none() {
            if let Some(b) = opts.baseline {
                if let Some(e) = b.find(&f, &path) {
                    let file = result.source_index(&b.display, || b.text.clone());
                    by = Some(Suppression {
                        kind: SuppressionKind::Baseline,
                        reason: "in the baseline".into(),
                        owner: None,
                        expires: None,
                        at: Some((file, e.span)),
                    });
                }
            }
        }
        match by {
            Some(by) => suppressed.push(Suppressed { finding: f, by }),
            None => keep.push(f),
        }
    }

    // Invalid and unused waivers (other tools' skips only when they would have applied).
    for (wi, w) in waivers.iter().enumerate() {
        if w.kind == SuppressionKind::Peer {
            continue;
        }
        let (file, span) = w.at;
        let key = text_at(result, file, span);
        match &status[wi] {
            Status::Invalid(problems) => diags.push(diag(
                &diagnostics::WAIVER_INVALID,
                result,
                file,
                span,
                format!("invalid waiver: {}", problems.join("; ")),
                "this waiver does not take effect".into(),
                &key,
            )),
            st => {
                if matches!(w.scope, Scope::Config(_)) && !opts.whole_project {
                    continue;
                }
                for id in &w.ids {
                    let active = fed.catalog.get(id).is_some();
                    if !active
                        || used.contains(&(wi, id.clone()))
                        || not_allowed.contains(&(wi, id.clone()))
                    {
                        continue;
                    }
                    let expired = match st {
                        Status::Expired(d) => format!(" (it also expired on {d})"),
                        _ => String::new(),
                    };
                    diags.push(diag(
                        &diagnostics::WAIVER_UNUSED,
                        result,
                        file,
                        span,
                        format!("waiver for `{id}` matched no finding{expired}"),
                        "unused waiver".into(),
                        &format!("{id}|{key}"),
                    ));
                }
            }
        }
    }

    // One diagnostic per place and message (a comment naming two unknown ids says so twice,
    // but the same problem is not repeated).
    let mut seen: BTreeMap<(usize, Span, String, String), ()> = BTreeMap::new();
    diags.retain(|d| {
        seen.insert((d.file, d.span, d.check_id.clone(), d.message.clone()), ())
            .is_none()
    });
    keep.extend(diags);
    let sources = &result.sources;
    keep.sort_by(|a, b| {
        (&sources[a.file].path, a.span.start, &a.check_id, a.span.end).cmp(&(
            &sources[b.file].path,
            b.span.start,
            &b.check_id,
            b.span.end,
        ))
    });
    suppressed.sort_by(|a, b| {
        let (a, b) = (&a.finding, &b.finding);
        (&sources[a.file].path, a.span.start, &a.check_id).cmp(&(
            &sources[b.file].path,
            b.span.start,
            &b.check_id,
        ))
    });
    result.findings = keep;
    result.suppressed.extend(suppressed);
}

fn text_at(result: &ScanResult, file: usize, span: Span) -> String {
    result.sources[file]
        .text
        .get(span.start..span.end)
        .unwrap_or_default()
        .to_string()
}

fn diag(
    d: &Diagnostic,
    result: &ScanResult,
    file: usize,
    span: Span,
    message: String,
    label: String,
    key: &str,
) -> Finding {
    let path = &result.sources[file].path;
    let text = text_at(result, file, span);
    d.finding(file, path, span, message, label, &format!("{key}|{text}"))
}
