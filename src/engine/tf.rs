//! The Terraform stage of a scan, in components.
//!
//! A module's evaluation needs the parse trees of every module it calls, and parse trees are
//! most of a scan's memory. The directories are therefore joined into *components* — the
//! directories that module calls may connect — before anything is parsed, from the strings
//! of each file that read like local module sources ([`modules::local_sources`], a superset
//! of the real calls). Each component is then parsed, evaluated, checked and freed on its own,
//! on the pool, largest first: memory grows with the largest component, not with the
//! repository.
//!
//! Two cases leave the components for the whole-tree evaluation, so results never depend on
//! the prescan:
//! - a component whose calls need Terraform files from outside the scan (a module beside the
//!   scanned paths, one `terraform init` downloaded) is evaluated with the other such
//!   components after the parallel phase, once those files are loaded;
//! - a real call the prescan did not see (into another component), or a loaded module that
//!   calls back into a scanned directory, makes the whole stage run again over every
//!   directory at once, as one tree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{check_group, load_called_modules, parse_terraform, ScanOptions, Source};
use crate::checks::Catalog;
use crate::engine::ScanResult;
use crate::findings::Finding;
use crate::model::Resource;
use crate::resources::terraform::{self, modules, CliVar, FileReader, ModuleDir, ModuleFile};
use crate::scope::{self, FileKind};

/// Everything the stage reads besides the modules and the sources.
pub(super) struct Stage<'a> {
    pub catalog: &'a Catalog,
    pub opts: &'a ScanOptions,
    pub cli_vars: &'a [CliVar],
    pub reader: &'a FileReader,
    /// The first resource group number to use.
    pub group: usize,
    pub root: &'a Path,
    pub cwd: &'a Path,
}

/// What the stage adds to the scan.
#[derive(Default)]
pub(super) struct Output {
    pub findings: Vec<Finding>,
    /// The resources the filter stage reads (see [`check_group`]).
    pub resources: Vec<Resource>,
    /// Every resource evaluated, kept or not.
    pub resource_count: usize,
    /// Internal errors, already prefixed with their file.
    pub errors: Vec<String>,
    /// (file index, panic message) of evaluations that panicked.
    pub eval_errors: Vec<(usize, String)>,
    /// (file index, message): cycles, depth limits, missing module sources.
    pub notes: Vec<(usize, String)>,
}

impl Output {
    fn extend(&mut self, o: Output) {
        self.findings.extend(o.findings);
        self.resources.extend(o.resources);
        self.resource_count += o.resource_count;
        self.errors.extend(o.errors);
        self.eval_errors.extend(o.eval_errors);
        self.notes.extend(o.notes);
    }
}

/// The outcome of one component.
enum Job {
    Done(Output),
    /// Needs modules from outside the scan: its directories, parsed, and what parsing found.
    Deferred(BTreeMap<PathBuf, ModuleDir>, Output),
    /// A call reaches a scanned directory of another component.
    Missed,
}

impl Stage<'_> {
    /// Evaluates every Terraform module of the scan. `modules` holds the scanned directories
    /// with their files pending (read, not parsed).
    pub fn run(
        &self,
        modules: BTreeMap<PathBuf, ModuleDir>,
        sources: &mut Vec<Source>,
        result: &mut ScanResult,
    ) -> Output {
        if modules.is_empty() {
            return Output::default();
        }
        let skeletons: Vec<ModuleDir> = modules.values().map(ModuleDir::skeleton).collect();
        let all: HashSet<PathBuf> = modules.keys().cloned().collect();
        let comps = components(modules);
        let jobs: Vec<(usize, Job)> = {
            let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
            let shared: &[Source] = sources;
            // Largest first: one big component started last would leave the other cores idle.
            let mut order: Vec<(usize, usize, Vec<ModuleDir>)> = comps
                .into_iter()
                .enumerate()
                .map(|(i, dirs)| {
                    let bytes = dirs
                        .iter()
                        .flat_map(|d| &d.pending)
                        .map(|p| texts[p.file].len())
                        .sum();
                    (i, bytes, dirs)
                })
                .collect();
            order.sort_by_key(|(i, bytes, _)| (std::cmp::Reverse(*bytes), *i));
            let mut jobs: Vec<(usize, Job)> = order
                .into_par_iter()
                .with_max_len(1)
                .map(|(i, _, dirs)| (i, self.component(dirs, shared, &texts, &all)))
                .collect();
            jobs.sort_by_key(|(i, _)| *i);
            jobs
        };
        if jobs.iter().any(|(_, j)| matches!(j, Job::Missed)) {
            return self.whole(skeletons, sources, result);
        }
        let mut done = Output::default();
        let mut deferred: BTreeMap<PathBuf, ModuleDir> = BTreeMap::new();
        for (_, job) in jobs {
            match job {
                Job::Done(o) => done.extend(o),
                Job::Deferred(map, o) => {
                    done.extend(o);
                    deferred.extend(map);
                }
                Job::Missed => unreachable!("handled above"),
            }
        }
        let mut out = done;
        if !deferred.is_empty() {
            // Loading appends sources and notes: undone if the whole tree must run again.
            let mark = (
                sources.len(),
                result.notes.len(),
                result.summary.files_scanned,
                result.summary.bytes,
            );
            let mut map = deferred;
            let elsewhere = |d: &Path| all.contains(d);
            if !load_called_modules(
                &mut map,
                sources,
                result,
                self.reader,
                self.opts,
                self.root,
                self.cwd,
                &elsewhere,
            ) {
                drop(map);
                sources.truncate(mark.0);
                result.notes.truncate(mark.1);
                result.summary.files_scanned = mark.2;
                result.summary.bytes = mark.3;
                return self.whole(skeletons, sources, result);
            }
            out.extend(self.evaluate_loaded(map, sources));
        }
        out
    }

    /// Parses, evaluates and checks one component.
    fn component(
        &self,
        dirs: Vec<ModuleDir>,
        sources: &[Source],
        texts: &[&str],
        all: &HashSet<PathBuf>,
    ) -> Job {
        let mut out = Output::default();
        let mut map = self.parse_dirs(dirs, sources, texts, &mut out);
        for w in modules::wanted_dirs(&map) {
            if all.contains(&w) {
                return Job::Missed;
            }
            // As `load_called_modules` would: a directory of the snapshot, or outside the
            // allowed tree, or without Terraform files, is settled here; one with files to
            // load waits for the loading.
            if let Some(files) = super::snapshot_module_files(self.opts, &w) {
                if !files.is_empty() {
                    return Job::Deferred(map, out);
                }
                let m = ModuleDir {
                    dir: w.clone(),
                    ..Default::default()
                };
                map.insert(w, m);
            } else if !self.reader.allows(&w) {
                let m = ModuleDir {
                    dir: w.clone(),
                    outside: true,
                    ..Default::default()
                };
                map.insert(w, m);
            } else if has_terraform_files(&w) {
                return Job::Deferred(map, out);
            } else {
                let m = ModuleDir {
                    dir: w.clone(),
                    ..Default::default()
                };
                map.insert(w, m);
            }
        }
        if map.values().any(|d| !d.files.is_empty()) {
            out.extend(self.evaluate(&map, sources, texts));
        }
        Job::Done(out)
    }

    /// The whole tree at once: every directory parsed, then evaluated together.
    fn whole(
        &self,
        skeletons: Vec<ModuleDir>,
        sources: &mut Vec<Source>,
        result: &mut ScanResult,
    ) -> Output {
        let mut out = Output::default();
        let mut map = {
            let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
            self.parse_dirs(skeletons, sources, &texts, &mut out)
        };
        load_called_modules(
            &mut map,
            sources,
            result,
            self.reader,
            self.opts,
            self.root,
            self.cwd,
            &|_| false,
        );
        out.extend(self.evaluate_loaded(map, sources));
        out
    }

    /// Evaluates a tree that loading added sources for, then frees it on another worker.
    fn evaluate_loaded(&self, map: BTreeMap<PathBuf, ModuleDir>, sources: &[Source]) -> Output {
        let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
        let out = self.evaluate(&map, sources, &texts);
        rayon::spawn(move || drop(map));
        out
    }

    /// Parses the pending files of `dirs` (in parallel), in their order; a file that does not
    /// parse is a parse-error finding.
    fn parse_dirs(
        &self,
        dirs: Vec<ModuleDir>,
        sources: &[Source],
        texts: &[&str],
        out: &mut Output,
    ) -> BTreeMap<PathBuf, ModuleDir> {
        let limits = &self.opts.limits;
        let cache = self.opts.parse_cache.as_deref();
        let mut map = BTreeMap::new();
        let todo: Vec<(usize, &modules::PendingFile)> = dirs
            .iter()
            .enumerate()
            .flat_map(|(i, d)| d.pending.iter().map(move |p| (i, p)))
            .collect();
        let parsed: Vec<_> = todo
            .par_iter()
            .with_max_len(1)
            .map(|(_, p)| {
                crate::panics::catch(|| parse_terraform(p.json, texts[p.file], limits, cache))
            })
            .collect();
        let mut files: Vec<Vec<ModuleFile>> = dirs.iter().map(|_| Vec::new()).collect();
        for ((i, p), r) in todo.iter().zip(parsed) {
            let path = &sources[p.file].path;
            match r {
                Ok(Ok(blocks)) => files[*i].push(ModuleFile {
                    file: p.file,
                    blocks,
                }),
                Ok(Err(e)) => out.findings.push(Finding::parse_error(p.file, path, e)),
                Err(msg) => out.errors.push(format!(
                    "{path}: {}",
                    crate::panics::internal_error("parsing this file", &msg)
                )),
            }
        }
        for (mut d, f) in dirs.into_iter().zip(files) {
            d.pending = Vec::new();
            d.files = f;
            map.insert(d.dir.clone(), d);
        }
        map
    }

    /// Evaluates the roots of `map` and runs the checks on each root's resources as soon as it
    /// is evaluated (resources of a root refer only to each other).
    fn evaluate(
        &self,
        map: &BTreeMap<PathBuf, ModuleDir>,
        sources: &[Source],
        texts: &[&str],
    ) -> Output {
        let opts = self.opts;
        let inputs = terraform::EvalInputs {
            texts,
            workspace: opts.workspace.as_deref().unwrap_or("default"),
            cli_vars: self.cli_vars,
            env_vars: &opts.env_vars,
            files: self.reader,
            max_eval_depth: opts.limits.max_eval_depth,
        };
        let path_of = |file: usize| sources[file].path.as_str();
        let check_root = |resources: &mut Vec<Resource>| {
            let count = resources.len();
            let (kept, findings, errors) = check_group(
                std::mem::take(resources),
                self.catalog,
                &path_of,
                opts.show_unknown,
            );
            *resources = kept;
            let errors: Vec<String> = errors
                .into_iter()
                .map(|(file, e)| format!("{}: {e}", path_of(file)))
                .collect();
            (findings, errors, count)
        };
        let (evaluated, checked, _) = terraform::evaluate(map, &inputs, self.group, &check_root);
        let mut out = Output {
            resources: evaluated.resources,
            eval_errors: evaluated.errors,
            notes: evaluated.notes,
            ..Default::default()
        };
        for (f, errors, count) in checked {
            out.findings.extend(f);
            out.errors.extend(errors);
            out.resource_count += count;
        }
        out
    }
}

/// Joins directories that the prescanned module sources (and `modules.json` manifests)
/// connect. Each component lists its directories in path order; components come in the order
/// of their first directory.
fn components(modules: BTreeMap<PathBuf, ModuleDir>) -> Vec<Vec<ModuleDir>> {
    let mut id: HashMap<PathBuf, usize> = modules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let mut parent: Vec<usize> = (0..modules.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, d) in modules.values().enumerate() {
        let calls = d
            .pending
            .iter()
            .flat_map(|p| &p.calls)
            .filter(|s| modules::is_local_source(s))
            .map(|s| modules::local_target(&d.dir, s));
        let manifest = d.manifest.iter().flat_map(|m| m.values().cloned());
        for t in calls.chain(manifest) {
            if t == d.dir {
                continue;
            }
            let j = *id.entry(t).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            });
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut comps: Vec<Vec<ModuleDir>> = Vec::new();
    let mut comp_of: HashMap<usize, usize> = HashMap::new();
    for (i, (_, d)) in modules.into_iter().enumerate() {
        let r = find(&mut parent, i);
        let c = *comp_of.entry(r).or_insert_with(|| {
            comps.push(Vec::new());
            comps.len() - 1
        });
        comps[c].push(d);
    }
    comps
}

/// Whether `dir` holds a regular `.tf` / `.tf.json` file (what loading a module reads).
fn has_terraform_files(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(|e| e.ok()).any(|e| {
        e.file_type().is_ok_and(|t| t.is_file())
            && matches!(
                scope::classify(&e.file_name().to_string_lossy()),
                Some(FileKind::Terraform | FileKind::TerraformJson)
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(path: &str, calls: &[&str]) -> (PathBuf, ModuleDir) {
        let d = ModuleDir {
            dir: PathBuf::from(path),
            scanned: true,
            pending: vec![modules::PendingFile {
                file: 0,
                json: false,
                calls: calls.iter().map(|c| c.to_string()).collect(),
            }],
            ..Default::default()
        };
        (PathBuf::from(path), d)
    }

    fn names(comps: &[Vec<ModuleDir>]) -> Vec<Vec<String>> {
        comps
            .iter()
            .map(|c| c.iter().map(|d| d.dir.display().to_string()).collect())
            .collect()
    }

    #[test]
    fn directories_joined_by_calls_form_one_component() {
        let modules: BTreeMap<PathBuf, ModuleDir> = [
            dir("/r/live/a", &["../../modules/net", "./files/x.sh"]),
            dir("/r/live/b", &["../../modules/db"]),
            dir("/r/live/c", &["../../modules/net"]),
            dir("/r/modules/db", &[]),
            dir("/r/modules/net", &["../sg"]),
            dir("/r/modules/sg", &[]),
            dir("/r/modules/unused", &["./"]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            names(&components(modules)),
            vec![
                vec!["/r/live/a", "/r/live/c", "/r/modules/net", "/r/modules/sg"],
                vec!["/r/live/b", "/r/modules/db"],
                vec!["/r/modules/unused"],
            ]
        );
    }

    #[test]
    fn a_manifest_joins_the_directories_it_names() {
        let (p, mut a) = dir("/r/a", &[]);
        a.manifest = Some(HashMap::from([("vpc".to_string(), PathBuf::from("/r/b"))]));
        let modules: BTreeMap<PathBuf, ModuleDir> = [(p, a), dir("/r/b", &[]), dir("/r/c", &[])]
            .into_iter()
            .collect();
        assert_eq!(
            names(&components(modules)),
            vec![vec!["/r/a", "/r/b"], vec!["/r/c"]]
        );
    }
}
