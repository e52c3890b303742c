//! `guardrail diff`: what a change introduces. Every touched Terraform module, template and
//! manifest is evaluated at both snapshots with its full context (all sibling `.tf`/`.tfvars`
//! files); findings are then narrowed to the change.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::DiskCache;
use crate::checks::Catalog;
use crate::engine::{scan_files, CalledModules, ParseCache, ScanOptions, ScanResult};
use crate::findings::{FindingKind, Related};
use crate::model::Span;
use crate::scope::git::{self, DiffSpec, GitError, Snapshot};
use crate::scope::{classify, exclude_set, Candidate, FileKind, Note};
use git2::Repository;

/// Which findings of the touched units are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffScope {
    /// Findings the change introduces (new fingerprints) or touches (their value or resource
    /// block is on a changed line).
    Lines,
    /// Every finding in a changed file.
    Files,
    /// Every finding in the touched modules, templates and manifests.
    All,
}

impl DiffScope {
    pub fn parse(s: &str) -> Option<DiffScope> {
        Some(match s {
            "lines" => DiffScope::Lines,
            "files" => DiffScope::Files,
            "all" => DiffScope::All,
            _ => return None,
        })
    }
}

/// A diff run.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub spec: DiffSpec,
    pub scope: DiffScope,
    /// Files named on the command line (as the pre-commit hook passes them): only these are
    /// reported; a named file without changes is reported in full. A named directory reports
    /// the changes under it.
    pub paths: Vec<PathBuf>,
    pub scan: ScanOptions,
    /// Keep parse results between runs in the repository's git directory (see
    /// [`crate::cache`]).
    pub disk_cache: bool,
}

fn is_terraform(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::Terraform | FileKind::TerraformJson | FileKind::Tfvars | FileKind::TfvarsJson
    )
}

fn kind_of(path: &str) -> Option<FileKind> {
    classify(path.rsplit('/').next().unwrap_or(path))
}

/// Whether a diff may scan the file at a repository path (by its name; `--exclude` and the
/// configuration's excludes narrow it further): the changes git needs to compute lines for.
pub fn may_scan(path: &str) -> bool {
    kind_of(path).is_some()
}

/// Repository-relative path of a command-line path.
fn repo_relative(p: &Path, cwd: &Path, root: &Path) -> String {
    crate::scope::display_path(p, root, cwd)
}

/// The content of blob `id`, through `blobs`: most files are the same at both snapshots of a
/// diff, and each blob is inflated once.
fn snapshot_blob(
    repo: &git2::Repository,
    id: git2::Oid,
    blobs: &mut HashMap<git2::Oid, Vec<u8>>,
) -> Option<Vec<u8>> {
    match blobs.entry(id) {
        Entry::Occupied(e) => Some(e.get().clone()),
        Entry::Vacant(e) => {
            let b = repo.find_blob(id).ok()?;
            Some(e.insert(b.content().to_vec()).clone())
        }
    }
}

/// The candidates of one snapshot: every file of the touched Terraform directories and the
/// touched documents. `rename` maps an old path to the name it has in the new snapshot, so a
/// renamed file keeps its findings' fingerprints.
fn snapshot_candidates(
    repo: &git2::Repository,
    snap: &Snapshot,
    root: &Path,
    tf_dirs: &BTreeSet<String>,
    docs: &BTreeSet<String>,
    rename: &BTreeMap<String, String>,
    blobs: &mut HashMap<git2::Oid, Vec<u8>>,
) -> Vec<Candidate> {
    let mut paths: BTreeMap<String, git2::Oid> = BTreeMap::new();
    for d in tf_dirs {
        for (p, id) in snap.list_dir(repo, d) {
            if kind_of(&p).is_some_and(is_terraform) {
                paths.insert(p, id);
            }
        }
    }
    for d in docs {
        if let Some(id) = snap.blob_id(d) {
            paths.insert(d.clone(), id);
        }
    }
    let mut out = Vec::new();
    for (p, id) in paths {
        let Some(kind) = kind_of(&p) else { continue };
        let Some(bytes) = snapshot_blob(repo, id, blobs) else {
            continue;
        };
        let display = rename.get(&p).cloned().unwrap_or(p);
        out.push(Candidate {
            path: root.join(&display),
            display,
            kind,
            bytes: Some(bytes),
        });
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.display == b.display);
    out
}

/// The directories that the Terraform files among `cands` may call: every string of theirs
/// that reads like a local module source
/// ([`local_sources`](crate::resources::terraform::modules::local_sources)), within `root`.
fn call_targets(path: &Path, bytes: &[u8], root: &Path) -> Vec<PathBuf> {
    use crate::resources::terraform::modules::{
        is_local_source, local_sources, local_target, normalize,
    };
    let dir = normalize(path.parent().unwrap_or(Path::new("")));
    local_sources(&String::from_utf8_lossy(bytes))
        .iter()
        .filter(|s| is_local_source(s))
        .map(|s| local_target(&dir, s))
        .filter(|t| t.starts_with(root))
        .collect()
}

/// Where the Terraform files among `cands` may call, to start [`called_module_files`] from.
fn first_call_targets(cands: &[Candidate], root: &Path) -> BTreeSet<PathBuf> {
    cands
        .iter()
        .filter(|c| matches!(c.kind, FileKind::Terraform | FileKind::TerraformJson))
        .filter_map(|c| Some(call_targets(&c.path, c.bytes.as_deref()?, root)))
        .flatten()
        .collect()
}

/// The Terraform files, at snapshot `snap`, of the directories in `frontier` and of those they
/// may call in turn, outside `tf_dirs` (already candidates). Each directory reached is listed,
/// with no files when the snapshot has none there.
fn called_module_files(
    repo: &git2::Repository,
    snap: &Snapshot,
    root: &Path,
    mut frontier: BTreeSet<PathBuf>,
    tf_dirs: &BTreeSet<String>,
    blobs: &mut HashMap<git2::Oid, Vec<u8>>,
) -> BTreeMap<PathBuf, Vec<Candidate>> {
    let mut out: BTreeMap<PathBuf, Vec<Candidate>> = BTreeMap::new();
    for _ in 0..64 {
        frontier.retain(|d| !out.contains_key(d));
        if frontier.is_empty() {
            break;
        }
        let mut next = BTreeSet::new();
        for dir in std::mem::take(&mut frontier) {
            let rel = dir
                .strip_prefix(root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let mut files = Vec::new();
            if !tf_dirs.contains(&rel) && !rel.split('/').any(|c| c == ".terraform") {
                for (p, id) in snap.list_dir(repo, &rel) {
                    let Some(kind @ (FileKind::Terraform | FileKind::TerraformJson)) = kind_of(&p)
                    else {
                        continue;
                    };
                    let Some(bytes) = snapshot_blob(repo, id, blobs) else {
                        continue;
                    };
                    next.extend(call_targets(&root.join(&p), &bytes, root));
                    files.push(Candidate {
                        path: root.join(&p),
                        display: p,
                        kind,
                        bytes: Some(bytes),
                    });
                }
            }
            out.insert(dir, files);
        }
        frontier = next;
    }
    out
}

/// Runs a diff. Returns the narrowed result and the report root (the repository work tree).
/// `post` is the filter stage (waivers, baseline, enforced checks,
/// [`crate::filter::apply`]): it runs on both snapshots *before* findings are narrowed to the
/// change, so that a waiver over untouched code is judged on the whole file and a waiver
/// removed by the change brings its finding back as new.
///
/// `gd` is [`git::diff`] of `repo` for `opts.spec`, which the caller reads while it loads the
/// check catalog: reading the index and comparing it with HEAD is the part of a pre-commit
/// run that nothing else can be done beside.
pub fn run(
    opts: &DiffOptions,
    catalog: &Catalog,
    cwd: &Path,
    post: &(dyn Fn(&mut ScanResult) + Sync),
    repo: &Repository,
    gd: Result<git::GitDiff<'_>, GitError>,
) -> Result<(ScanResult, PathBuf), GitError> {
    let root = git::workdir(repo)?;
    let root = root.canonicalize().unwrap_or(root);
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    let mut gd = gd?;
    let excludes = exclude_set(&opts.scan.excludes)
        .map_err(|e| GitError::Other(format!("invalid --exclude pattern: {e}")))?;

    // Files named on the command line (pre-commit), repository-relative. A named directory
    // (the GitHub Action's `paths`) restricts the report to the changes under it.
    let (dirs, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
        opts.paths.iter().partition(|p| cwd.join(p).is_dir());
    let named: BTreeSet<String> = files
        .iter()
        .map(|p| repo_relative(p, &cwd, &root))
        .collect();
    let named_dirs: Vec<String> = dirs.iter().map(|p| repo_relative(p, &cwd, &root)).collect();
    let is_named = |p: &str| {
        (named.is_empty() && named_dirs.is_empty())
            || named.contains(p)
            || named_dirs.iter().any(|d| {
                d.is_empty()
                    || p.strip_prefix(d.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    };
    let keep_path = |p: &str| !excludes.is_match(p) && may_scan(p);
    let mut changes: Vec<&git::FileChange> = gd
        .changes
        .iter()
        .filter(|c| {
            let paths = [c.new_path.as_deref(), c.old_path.as_deref()];
            paths.iter().flatten().any(|p| keep_path(p) && is_named(p))
        })
        .collect();
    changes.sort_by(|a, b| (&a.new_path, &a.old_path).cmp(&(&b.new_path, &b.old_path)));
    let changed_new: BTreeMap<String, &git::FileChange> = changes
        .iter()
        .filter_map(|c| c.new_path.clone().map(|p| (p, *c)))
        .collect();
    // Named files without changes are reported in full.
    let full_files: BTreeSet<String> = named
        .iter()
        .filter(|p| keep_path(p) && !changed_new.contains_key(*p))
        .cloned()
        .collect();

    let mut tf_dirs = BTreeSet::new();
    let mut docs = BTreeSet::new();
    let mut base_docs = BTreeSet::new();
    let mut rename = BTreeMap::new();
    for c in &changes {
        for (p, is_new) in [
            (c.new_path.as_deref(), true),
            (c.old_path.as_deref(), false),
        ] {
            let Some(p) = p else { continue };
            match kind_of(p) {
                Some(k) if is_terraform(k) => {
                    tf_dirs.insert(git::parent_dir(p).to_string());
                }
                Some(_) if is_new => {
                    docs.insert(p.to_string());
                }
                Some(_) => {
                    base_docs.insert(p.to_string());
                }
                None => {}
            }
        }
        if let (Some(o), Some(n)) = (&c.old_path, &c.new_path) {
            if o != n {
                rename.insert(o.clone(), n.clone());
            }
        }
    }
    for p in &full_files {
        match kind_of(p) {
            Some(k) if is_terraform(k) => {
                tf_dirs.insert(git::parent_dir(p).to_string());
            }
            Some(_) => {
                docs.insert(p.to_string());
            }
            None => {}
        }
    }
    // The base side of a document is its old path (renamed) or the same path.
    for d in &docs {
        if !rename.values().any(|n| n == d) {
            base_docs.insert(d.clone());
        }
    }
    base_docs.extend(
        rename
            .iter()
            .filter(|(_, n)| docs.contains(*n))
            .map(|(o, _)| o.clone()),
    );

    let mut blobs = std::mem::take(&mut gd.blobs);
    let new_cands = snapshot_candidates(
        repo,
        &gd.new,
        &root,
        &tf_dirs,
        &docs,
        &BTreeMap::new(),
        &mut blobs,
    );
    // Named files outside the index (not yet added) are read from the work tree.
    let mut new_cands = new_cands;
    for p in &full_files {
        if !new_cands.iter().any(|c| &c.display == p) && root.join(p).is_file() {
            if let Some(kind) = kind_of(p) {
                new_cands.push(Candidate {
                    path: root.join(p),
                    display: p.clone(),
                    kind,
                    bytes: None,
                });
            }
        }
    }
    new_cands.sort_by(|a, b| a.display.cmp(&b.display));
    let in_changed_or_named =
        |path: &str| changed_new.contains_key(path) || full_files.contains(path);
    // Both snapshots are read here (git objects stay on this thread) and scanned side by
    // side: for a pre-commit run on a few files, the serial parts of one scan (module
    // evaluation, the filter stage) would otherwise leave cores idle.
    let base_cands = (opts.scope == DiffScope::Lines).then(|| {
        snapshot_candidates(
            repo, &gd.base, &root, &tf_dirs, &base_docs, &rename, &mut blobs,
        )
    });
    // Files that are the same at both snapshots (most of a touched module, every module it
    // calls) are parsed once.
    let parse_cache = if opts.disk_cache {
        ParseCache::with_disk(DiskCache::open(repo.commondir(), &opts.scan.limits))
    } else {
        ParseCache::default()
    };
    let scan_opts = ScanOptions {
        parse_cache: Some(Arc::new(parse_cache)),
        ..opts.scan.clone()
    };
    let scan_side = |cands: Vec<Candidate>, called: Arc<CalledModules>| {
        let opts = ScanOptions {
            called_modules: Some(called),
            ..scan_opts.clone()
        };
        let mut r = scan_files(cands, &opts, catalog, &cwd, &root, ScanResult::default());
        post(&mut r);
        r
    };
    // Modules that the touched ones call are read from the same snapshot, here (git objects
    // stay on this thread) while the scans parse the touched files: they wait for them only
    // once they reach the calls.
    let new_called: Arc<CalledModules> = Default::default();
    let base_called: Arc<CalledModules> = Default::default();
    let new_targets = first_call_targets(&new_cands, &root);
    let base_targets = base_cands
        .as_ref()
        .map(|c| first_call_targets(c, &root))
        .unwrap_or_default();
    let mut scanned = None;
    let mut read_error = None;
    rayon::in_place_scope(|s| {
        s.spawn(|_| {
            scanned = Some(rayon::join(
                || scan_side(new_cands, new_called.clone()),
                || base_cands.map(|c| scan_side(c, base_called.clone())),
            ))
        });
        // Whatever happens here, both are set: the scans wait for them.
        let read = crate::panics::catch(|| {
            let n = called_module_files(repo, &gd.new, &root, new_targets, &tf_dirs, &mut blobs);
            let b = called_module_files(repo, &gd.base, &root, base_targets, &tf_dirs, &mut blobs);
            (n, b)
        });
        match read {
            Ok((n, b)) => {
                new_called.set(n);
                base_called.set(b);
            }
            Err(msg) => {
                // Then the scans read the modules from the work tree.
                new_called.set(BTreeMap::new());
                base_called.set(BTreeMap::new());
                read_error = Some(msg);
            }
        }
    });
    let (mut result, base) = scanned.expect("the scope ran the scans");
    if let Some(msg) = read_error {
        result.errors.push(crate::panics::internal_error(
            "reading the called modules from git",
            &msg,
        ));
    }
    let base_fps: HashSet<String> = base
        .map(|b| b.findings.into_iter().map(|f| f.fingerprint).collect())
        .unwrap_or_default();

    // The first changed line of each touched Terraform directory: context for findings that a
    // change elsewhere in the module surfaced (a variable default, a deleted resource).
    let mut dir_change: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (p, c) in &changed_new {
        if let Some(&l) = c.changed_lines.iter().next() {
            dir_change
                .entry(git::parent_dir(p).to_string())
                .or_insert((p.clone(), l));
        }
    }

    let findings = std::mem::take(&mut result.findings);
    let mut kept = Vec::new();
    for mut f in findings {
        let path = result.sources[f.file].path.clone();
        if f.kind == FindingKind::ParseError && !in_changed_or_named(&path) {
            result.notes.push(Note {
                path,
                message: format!("context file does not parse: {}", f.label),
            });
            continue;
        }
        // An enforced check's finding (and a waiver of one) is reported whatever the scope.
        let keep = if full_files.contains(&path) || f.enforced {
            true
        } else {
            match opts.scope {
                DiffScope::All => true,
                DiffScope::Files => changed_new.contains_key(&path),
                DiffScope::Lines => {
                    let src = &result.sources[f.file];
                    let lines = changed_new.get(&path).map(|c| &c.changed_lines);
                    let touches = |span: Span| {
                        let (a, _) = src.position(span.start);
                        let (b, _) = src.position(span.end);
                        lines.is_some_and(|ls| ls.range(a..=b).next().is_some())
                    };
                    let new = !base_fps.contains(&f.fingerprint);
                    let touched = touches(f.span) || f.resource_span.is_some_and(touches);
                    if new && !touched {
                        // Surfaced by a change elsewhere: show where.
                        let dir = git::parent_dir(&path).to_string();
                        if let Some((cp, line)) = dir_change.get(&dir) {
                            if let Some(fi) = result.sources.iter().position(|s| &s.path == cp) {
                                let s = &result.sources[fi];
                                let at = s.lines.line_start(line - 1).min(s.text.len());
                                f.secondary.push(Related {
                                    file: fi,
                                    span: Span::new(at, at),
                                    label: "changed here".into(),
                                });
                            }
                        }
                    }
                    new || touched
                }
            }
        };
        if keep {
            kept.push(f);
        }
    }
    result.findings = kept;
    // Suppressed findings are counted for the files the change is about.
    if opts.scope != DiffScope::All {
        let sources = &result.sources;
        result
            .suppressed
            .retain(|s| in_changed_or_named(&sources[s.finding.file].path));
    }
    Ok((result, root))
}
