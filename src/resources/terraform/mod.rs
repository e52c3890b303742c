//! Terraform: modules, evaluation and resources.
//!
//! A module is one directory of `.tf`/`.tf.json` files. Root modules (directories that no
//! scanned module calls) are evaluated with their variable inputs (defaults, `terraform.tfvars`,
//! `*.auto.tfvars`, `--var-file`, `--var`, `TF_VAR_*`); every module call with a local source
//! (or one resolved through `.terraform/modules/modules.json`) instantiates the child module
//! once per call instance with the caller's arguments. Expressions are evaluated as far as the
//! code is static; beyond that values are *unknown*, never guessed. See `docs/terraform.md`.
//!
//! - [`modules`]: which directories are modules, module sources, `modules.json`, root choice.
//! - [`eval`]: the evaluator (one memoised instance per module call instance).
//! - [`functions`]: the built-in functions.
//! - [`policy`]: IAM policy documents as structured values.
//! - [`vars`]: variable inputs and their precedence.
//! - [`json`]: the JSON syntax (`.tf.json`).

pub mod eval;
pub mod functions;
pub mod json;
pub mod modules;
pub mod policy;
pub mod vars;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

pub use json::json_blocks;
pub use modules::{FileReader, ModuleDir, ModuleFile};
pub use vars::CliVar;

use crate::model::Resource;

/// Everything evaluation needs besides the parsed modules.
pub struct EvalInputs<'a> {
    /// Source texts by file index (to point into heredoc and JSON-string policies).
    pub texts: &'a [&'a str],
    /// `terraform.workspace`.
    pub workspace: &'a str,
    /// `--var-file` / `--var`, in command-line order (later wins).
    pub cli_vars: &'a [CliVar],
    /// `TF_VAR_name` values: (name, raw value).
    pub env_vars: &'a [(String, String)],
    /// Where `file()` / `templatefile()` may read.
    pub files: &'a FileReader,
    /// How deeply expressions and references may nest within one module instance
    /// (`limits.max-eval-depth`).
    pub max_eval_depth: usize,
}

/// The outcome of evaluating every Terraform module of a scan.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub resources: Vec<Resource>,
    /// (file index, message): cycles, depth limits, missing module sources.
    pub notes: Vec<(usize, String)>,
    /// (file index, panic message): a module tree whose evaluation panicked; its resources
    /// are missing, the other trees' are not.
    pub errors: Vec<(usize, String)>,
}

/// Evaluates the scanned modules: roots through their module calls, then any scanned
/// directory no evaluated root reached (a module called only from outside the scan, or a
/// cycle of calls) on its own. Roots are evaluated in parallel; resource groups are numbered
/// from `first_group` in a deterministic order.
///
/// `post` runs on each root's resources as soon as that root is evaluated, on the same
/// worker (the scan runs the checks there and trims the resources, so the evaluated values
/// of one root are dropped before the next is evaluated); its results come back in the
/// order of the resources.
pub fn evaluate<T: Send>(
    dirs: &BTreeMap<PathBuf, ModuleDir>,
    inputs: &EvalInputs,
    first_group: usize,
    post: &(dyn Fn(&mut Vec<Resource>) -> T + Sync),
) -> (Evaluated, Vec<T>, usize) {
    let roots = modules::roots(dirs);
    let shared = eval::Shared { dirs, inputs };
    let mut errors = Vec::new();
    let mut reached: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    let mut results: Vec<eval::TreeResult> = Vec::new();
    let mut posts: Vec<T> = Vec::new();
    let run = |d: &ModuleDir| {
        guarded_root(&shared, d).map(|mut r| {
            let t = post(&mut r.resources);
            (r, t)
        })
    };
    let evaluated: Vec<_> = roots
        .par_iter()
        .with_max_len(1)
        .map(|d| run(&dirs[d]))
        .collect();
    for (d, r) in roots.iter().zip(evaluated) {
        match r {
            Ok((r, t)) => {
                reached.extend(r.reached.iter().cloned());
                results.push(r);
                posts.push(t);
            }
            Err(e) => {
                // Not evaluated again on its own below: it would fail the same way.
                reached.insert(d.clone());
                errors.push(e);
            }
        }
    }
    // Directories nobody reached: evaluate standalone, in order, each marking what it reaches.
    for (path, d) in dirs {
        if d.scanned && !d.files.is_empty() && !reached.contains(path) {
            // On a pool thread, like the roots: they have room for deep evaluation.
            match rayon::join(|| run(d), || ()).0 {
                Ok((r, t)) => {
                    reached.extend(r.reached.iter().cloned());
                    results.push(r);
                    posts.push(t);
                }
                Err(e) => {
                    reached.insert(path.clone());
                    errors.push(e);
                }
            }
        }
    }
    let mut out = Evaluated::default();
    let mut group = first_group;
    for r in results {
        let mut remap: HashMap<usize, usize> = HashMap::new();
        for mut res in r.resources {
            let g = *remap.entry(res.group).or_insert_with(|| {
                group += 1;
                group
            });
            res.group = g;
            out.resources.push(res);
        }
        out.notes.extend(r.notes);
    }
    out.notes.sort();
    out.notes.dedup();
    out.errors = errors;
    (out, posts, group)
}

/// Evaluates one root's module tree; a panic becomes (the root's first file, message).
fn guarded_root(
    shared: &eval::Shared,
    dir: &ModuleDir,
) -> Result<eval::TreeResult, (usize, String)> {
    let first = dir.files.first().map(|f| f.file).unwrap_or(0);
    crate::panics::catch(|| {
        // The tests name a root by its directory's name.
        if let Some(name) = dir.dir.file_name() {
            crate::panics::inject("terraform", &name.to_string_lossy());
        }
        eval::evaluate_root(shared, dir)
    })
    .map_err(|e| (first, e))
}
