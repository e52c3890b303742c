//! The scan pipeline: scope → read → parse (parallel) → resources → evaluate (parallel) →
//! findings, sorted deterministically.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cache::DiskCache;
use crate::checks::{eval, Catalog, Severity};
use crate::findings::{fingerprint, Finding, FindingKind, Related, Suppressed};
use crate::model::{Framework, LineIndex, Node, Resource, Span};
use crate::parse::{self, hcl::HclBlock, Limits, ParseError};
use crate::resources::terraform::{self, CliVar, ModuleDir, ModuleFile};
use crate::resources::{cloudformation, kubernetes, ResourceIndex};
use crate::scope::read::ReadError;
use crate::scope::{self, Candidate, FileKind, Note};

/// A Terraform variable input from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarArg {
    /// `--var-file FILE` (`.tfvars` or `.tfvars.json`).
    File(PathBuf),
    /// `--var NAME=VALUE`, as written.
    Value(String),
}

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    /// Variable files applied before `var_args`.
    pub var_files: Vec<PathBuf>,
    /// `--var` / `--var-file` in command-line order (later wins).
    pub var_args: Vec<VarArg>,
    /// `TF_VAR_name` environment variables: (name, value).
    pub env_vars: Vec<(String, String)>,
    /// `terraform.workspace` (default: `default`).
    pub workspace: Option<String>,
    /// Only these frameworks (empty: all).
    pub frameworks: Vec<Framework>,
    pub show_unknown: bool,
    pub limits: Limits,
    /// Parsed Terraform files shared between scans of the same files (the two snapshots of a
    /// diff); `None` for a plain scan.
    pub parse_cache: Option<Arc<ParseCache>>,
    /// A scan of a git snapshot: the Terraform files of the directories its module calls may
    /// reach (absolute directory → its `.tf`/`.tf.json` files, content attached), read from
    /// the snapshot. Modules are then loaded from here rather than from the work tree (a
    /// directory listed with no files has none in the snapshot); `.terraform/` (never in git)
    /// and a directory missing here are read from the work tree. `None` for a plain scan.
    pub called_modules: Option<Arc<CalledModules>>,
}

/// Terraform files of module directories by absolute directory (see
/// [`ScanOptions::called_modules`]), set once by the thread that reads the snapshot while the
/// scan runs: a scan needs them only once it has parsed the modules that call them.
#[derive(Debug, Default)]
pub struct CalledModules {
    files: OnceLock<BTreeMap<PathBuf, Vec<Candidate>>>,
}

impl CalledModules {
    /// Sets the files (the first call wins).
    pub fn set(&self, files: BTreeMap<PathBuf, Vec<Candidate>>) {
        let _ = self.files.set(files);
    }

    /// The files, once set; meanwhile this thread runs other jobs of the pool, as
    /// [`ParseCache`]'s waiters do.
    fn get(&self) -> &BTreeMap<PathBuf, Vec<Candidate>> {
        loop {
            if let Some(f) = self.files.get() {
                return f;
            }
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                return self.files.wait();
            }
        }
    }
}

/// The files [`ScanOptions::called_modules`] holds for `dir`: `None` when they are to be read
/// from the work tree.
fn snapshot_module_files<'a>(opts: &'a ScanOptions, dir: &Path) -> Option<&'a [Candidate]> {
    if dir.components().any(|c| c.as_os_str() == ".terraform") {
        return None;
    }
    opts.called_modules
        .as_ref()?
        .get()
        .get(dir)
        .map(Vec::as_slice)
}

/// Terraform parse results by file kind and text. A diff scans each touched module at both
/// snapshots, and most of a module's files, and all the modules it calls, are the same at
/// both: each is parsed once. With a [`DiskCache`], parse results (of documents and
/// `.tfvars` too) are also kept between runs.
#[derive(Default)]
pub struct ParseCache {
    map: Mutex<HashMap<(FileKind, String), Arc<ParseCell>>>,
    disk: Option<DiskCache>,
}

type ParsedBlocks = Result<Arc<Vec<HclBlock>>, ParseError>;
/// A file's parse: `None` when the thread that was parsing it panicked.
type ParseCell = OnceLock<Option<ParsedBlocks>>;

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParseCache")
    }
}

impl ParseCache {
    /// A cache that also reads and writes `disk`.
    pub fn with_disk(disk: DiskCache) -> ParseCache {
        ParseCache {
            map: Default::default(),
            disk: Some(disk),
        }
    }

    /// `parse()`, or its result kept on disk for `text` parsed as `kind` (see
    /// [`DiskCache::get_or_insert_with`]).
    fn on_disk<T: Serialize + DeserializeOwned>(
        cache: Option<&ParseCache>,
        kind: &str,
        text: &str,
        parse: impl FnOnce() -> T,
    ) -> T {
        match cache.and_then(|c| c.disk.as_ref()) {
            Some(d) => d.get_or_insert_with(kind, text, parse),
            None => parse(),
        }
    }

    /// The blocks of `text`, parsed by `parse` unless a scan already did.
    ///
    /// When another thread is parsing the same text (both snapshots of a diff reach a
    /// module's unchanged files at about the same time), this one runs other jobs of the
    /// pool meanwhile instead of blocking: a blocked thread would leave its core idle.
    fn get_or_parse(
        &self,
        kind: FileKind,
        text: &str,
        parse: impl FnOnce() -> Result<Vec<HclBlock>, ParseError>,
    ) -> ParsedBlocks {
        let (cell, first) = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            match map.entry((kind, text.to_string())) {
                std::collections::hash_map::Entry::Occupied(e) => (e.get().clone(), false),
                std::collections::hash_map::Entry::Vacant(e) => {
                    (e.insert(Arc::default()).clone(), true)
                }
            }
        };
        if first {
            let kind_name = match kind {
                FileKind::TerraformJson => "tfjson",
                _ => "tf",
            };
            let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ParseCache::on_disk(Some(self), kind_name, text, parse).map(Arc::new)
            }));
            let _ = cell.set(parsed.as_ref().ok().cloned());
            return parsed.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let done = loop {
            if let Some(done) = cell.get() {
                break done;
            }
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                break cell.wait();
            }
        };
        match done {
            Some(r) => r.clone(),
            // The parsing thread panicked: parse here (the panic is caught per file).
            None => parse().map(Arc::new),
        }
    }
}

/// A file that was read, kept for rendering.
#[derive(Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    pub framework: Option<Framework>,
}

impl Source {
    /// A file that is not scanned but that findings may point into (`.guardrail.yaml`, a
    /// check file, the baseline).
    pub fn auxiliary(path: String, text: String) -> Source {
        Source {
            lines: LineIndex::new(&text),
            path,
            text,
            framework: None,
        }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.lines.position(&self.text, offset)
    }
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub files_scanned: usize,
    pub files_not_iac: usize,
    pub resources: usize,
    pub bytes: u64,
}

/// Everything a scan produced.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub sources: Vec<Source>,
    pub findings: Vec<Finding>,
    /// Findings hidden by a waiver or the baseline (filled by [`crate::filter`]).
    pub suppressed: Vec<Suppressed>,
    /// The resources that were evaluated, kept for the filter stage (inline waivers point at
    /// resource headers, Kubernetes annotations and CloudFormation `Metadata` live in them).
    pub resources: Vec<Resource>,
    pub notes: Vec<Note>,
    /// Problems with the tool's own input (unreadable paths): exit code 2.
    pub errors: Vec<String>,
    pub summary: Summary,
}

/// The stack of every worker thread that parses or evaluates. Parsing and evaluation recurse
/// once per nesting level (hcl-edit and jsonc-parser per bracket and operand, the Terraform
/// evaluator per expression, the condition evaluator per nested condition); depth prescans
/// and limits bound the levels, and this leaves room for the largest allowed depth in an
/// unoptimised build, where frames are several times larger (see `tests/hostile.rs`).
pub const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Sets up rayon's global pool with [`WORKER_STACK_SIZE`] stacks (threads: `RAYON_NUM_THREADS`,
/// else one per core). Call once, before the first scan; later calls do nothing.
pub fn init_thread_pool() {
    // An error means the pool already exists (set up by an earlier call): nothing to do.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_SIZE)
        .build_global();
}

/// Runs `f` on a worker thread of the pool, whose stack is [`WORKER_STACK_SIZE`] once
/// [`init_thread_pool`] ran. Parallel iterators alone do not guarantee that: one over a
/// single item (one file, one Terraform root) runs on the calling thread, whose stack may be
/// small. On a worker already, `f` runs in place.
pub fn on_worker<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

mod tf;

/// How many rounds of "load the modules that calls point to" a scan does at most.
const MAX_MODULE_LOAD_ROUNDS: usize = 64;

enum Content {
    Terraform(Arc<Vec<HclBlock>>),
    /// A `.tf` / `.tf.json` file read but not parsed: the Terraform stage ([`tf`]) parses it
    /// with the other modules of its component. The strings that read like local module
    /// sources ([`terraform::modules::local_sources`]).
    TerraformPending(Vec<String>),
    Tfvars(Node),
    Kubernetes(Vec<Node>),
    CloudFormation(Node),
    /// Kubernetes objects or a CloudFormation template, already checked on the parse pool
    /// (see [`check_documents`]): the parse tree is gone, what is left is what the report and
    /// the filter stage read. File indices in here are 0, the file itself.
    Checked(CheckedFile),
    NotIac,
    Skipped(String),
    Failed(ParseError),
}

struct ParsedFile {
    cand: Candidate,
    text: String,
    content: Content,
    io_error: Option<String>,
}

/// Decodes file bytes: strips a UTF-8 BOM, decodes UTF-16 with a BOM; invalid UTF-8 is an
/// error at the first bad byte (the text is kept, lossily, for rendering).
fn decode(bytes: Vec<u8>) -> Result<String, (String, ParseError)> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return String::from_utf16(&units).map_err(|_| {
            (
                String::new(),
                ParseError::new("invalid UTF-16 text", Span::new(0, 0)),
            )
        });
    }
    let bytes = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes[3..].to_vec()
    } else {
        bytes
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let at = crate::model::lines::clamp_to_char_boundary(&lossy, at);
            Err((
                lossy,
                ParseError::new("file is not valid UTF-8", Span::new(at, at)),
            ))
        }
    }
}

/// Template markup (`{{ … }}`, `{% … %}`) blanked out, byte lengths kept: a line that is
/// only markup (a Helm `{{- if … }}`) becomes spaces, inline markup becomes `_`s. Used to
/// tell a template (skip it) from a broken file (report it).
fn without_template_markup(text: &str) -> Option<String> {
    if !(text.contains("{{") || text.contains("{%")) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let t = body.trim();
        let only_markup = (t.starts_with("{{") && t.ends_with("}}"))
            || (t.starts_with("{%") && t.ends_with("%}"));
        if only_markup {
            out.push_str(&" ".repeat(body.len()));
            out.push_str(&line[body.len()..]);
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("{{").into_iter().chain(rest.find("{%")).min() {
            let close = if rest[i..].starts_with("{{") {
                "}}"
            } else {
                "%}"
            };
            let Some(j) = rest[i..].find(close) else {
                break;
            };
            out.push_str(&rest[..i]);
            out.push_str(&"_".repeat(j + 2));
            rest = &rest[i + j + 2..];
        }
        out.push_str(rest);
    }
    Some(out)
}

/// Reads and parses one file; a panic inside becomes an internal error naming the file.
/// Reads and parses one file; a panic becomes an internal error of the file. With `defer`,
/// Terraform files are only read ([`Content::TerraformPending`]).
fn parse_guarded(
    cand: Candidate,
    limits: &Limits,
    cache: Option<&ParseCache>,
    defer: bool,
) -> ParsedFile {
    let (path, display, kind) = (cand.path.clone(), cand.display.clone(), cand.kind);
    match crate::panics::catch(|| {
        crate::panics::inject("parse", &cand.display);
        parse_file(cand, limits, cache, defer)
    }) {
        Ok(pf) => pf,
        Err(msg) => ParsedFile {
            io_error: Some(crate::panics::internal_error("reading this file", &msg)),
            cand: Candidate {
                path,
                display,
                kind,
                bytes: None,
            },
            text: String::new(),
            content: Content::NotIac,
        },
    }
}

fn parse_file(
    mut cand: Candidate,
    limits: &Limits,
    cache: Option<&ParseCache>,
    defer: bool,
) -> ParsedFile {
    let failed = |cand: Candidate, text: String, e: ParseError| ParsedFile {
        cand,
        text,
        content: Content::Failed(e),
        io_error: None,
    };
    let read = match cand.bytes.take() {
        Some(b) if b.len() as u64 > limits.max_file_size => Err(ReadError::TooLarge {
            size: b.len() as u64,
            max: limits.max_file_size,
        }),
        Some(b) => Ok(b),
        None => scope::read::read_regular(&cand.path, limits.max_file_size),
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e @ ReadError::Io(_)) => {
            return ParsedFile {
                cand,
                text: String::new(),
                content: Content::NotIac,
                io_error: Some(e.to_string()),
            }
        }
        // Too large, not a regular file, gone since the walk: skipped with a note.
        Err(e) => {
            return ParsedFile {
                cand,
                text: String::new(),
                content: Content::Skipped(e.to_string()),
                io_error: None,
            }
        }
    };
    let text = match decode(bytes) {
        Ok(t) => t,
        Err((lossy, e)) => return failed(cand, lossy, e),
    };
    let content = match cand.kind {
        FileKind::Terraform | FileKind::TerraformJson if defer => {
            Content::TerraformPending(terraform::modules::local_sources(&text))
        }
        FileKind::Terraform | FileKind::TerraformJson => {
            match parse_terraform(cand.kind == FileKind::TerraformJson, &text, limits, cache) {
                Ok(blocks) => Content::Terraform(blocks),
                Err(e) => Content::Failed(e),
            }
        }
        FileKind::Tfvars | FileKind::TfvarsJson => {
            let json = cand.kind == FileKind::TfvarsJson;
            let kind = if json { "tfvarsjson" } else { "tfvars" };
            let parsed = ParseCache::on_disk(cache, kind, &text, || {
                if json {
                    parse::json::parse(&text, limits)
                } else {
                    parse::hcl::parse(&text, limits).map(|(_, attrs)| attrs)
                }
            });
            match parsed {
                Ok(attrs) => Content::Tfvars(attrs),
                Err(e) => Content::Failed(e),
            }
        }
        FileKind::Yaml | FileKind::Json => classify_documents(&cand, &text, limits, cache),
    };
    ParsedFile {
        cand,
        text,
        content,
        io_error: None,
    }
}

/// Parses a `.tf` (or, with `json`, `.tf.json`) text into its top-level blocks, through the
/// parse cache when there is one.
fn parse_terraform(
    json: bool,
    text: &str,
    limits: &Limits,
    cache: Option<&ParseCache>,
) -> Result<Arc<Vec<HclBlock>>, ParseError> {
    let kind = if json {
        FileKind::TerraformJson
    } else {
        FileKind::Terraform
    };
    let parse = || {
        if json {
            parse::json::parse(text, limits).map(|root| terraform::json_blocks(&root))
        } else {
            parse::hcl::parse(text, limits).map(|(blocks, _)| blocks)
        }
    };
    match cache {
        Some(c) => c.get_or_parse(kind, text, parse),
        None => parse().map(Arc::new),
    }
}

/// What a YAML or JSON file holds, as the parse cache keeps it.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Documents {
    NotIac,
    Kubernetes(Vec<Node>),
    CloudFormation(Node),
    Skipped(String),
    Failed(ParseError),
}

impl From<Documents> for Content {
    fn from(d: Documents) -> Content {
        match d {
            Documents::NotIac => Content::NotIac,
            Documents::Kubernetes(objects) => Content::Kubernetes(objects),
            Documents::CloudFormation(template) => Content::CloudFormation(template),
            Documents::Skipped(why) => Content::Skipped(why),
            Documents::Failed(e) => Content::Failed(e),
        }
    }
}

/// A cheap prescan, then a parse (through the cache's disk, when there is one):
/// CloudFormation, Kubernetes, or not IaC.
fn classify_documents(
    cand: &Candidate,
    text: &str,
    limits: &Limits,
    cache: Option<&ParseCache>,
) -> Content {
    let maybe_cfn = text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"));
    let maybe_k8s = text.contains("apiVersion") && text.contains("kind");
    if !maybe_cfn && !maybe_k8s {
        return Content::NotIac;
    }
    let is_json = cand.kind == FileKind::Json
        || (cand.display.ends_with(".template") && text.trim_start().starts_with('{'));
    let kind = if is_json { "json" } else { "yaml" };
    ParseCache::on_disk(cache, kind, text, || documents(is_json, text, limits)).into()
}

/// Parses the documents of a YAML (or, with `is_json`, JSON) file.
fn documents(is_json: bool, text: &str, limits: &Limits) -> Documents {
    let docs = if is_json {
        parse::json::parse(text, limits).map(|n| vec![n])
    } else {
        parse::yaml::parse(text, limits).map(|d| d.into_iter().map(|d| d.root).collect())
    };
    let docs = match docs {
        Ok(d) => d,
        Err(e) => {
            // Skip only what the markup explains: the same text without it must parse.
            // Anything else is a real parse error, even in a file that has `{{resolve:…}}`.
            if let Some(plain) = without_template_markup(text) {
                let parses = if is_json {
                    parse::json::parse(&plain, limits).is_ok()
                } else {
                    parse::yaml::parse(&plain, limits).is_ok()
                };
                if parses {
                    return Documents::Skipped(
                        "template syntax (`{{ }}`/`{% %}`), not plain YAML/JSON; skipped".into(),
                    );
                }
            }
            if is_json && parse::json::parses_with_comments(text) {
                return Documents::Skipped("JSON with comments; skipped".into());
            }
            return Documents::Failed(e);
        }
    };
    if let Some(i) = docs.iter().position(cloudformation::is_template) {
        let mut docs = docs;
        return Documents::CloudFormation(docs.swap_remove(i));
    }
    let objects: Vec<Node> = docs.into_iter().filter(kubernetes::is_object).collect();
    if objects.is_empty() {
        Documents::NotIac
    } else {
        Documents::Kubernetes(objects)
    }
}

fn wants(frameworks: &[Framework], f: Framework) -> bool {
    frameworks.is_empty() || frameworks.contains(&f)
}

/// Runs a scan.
pub fn scan(opts: &ScanOptions, catalog: &Catalog, cwd: &Path, root: &Path) -> ScanResult {
    let mut result = ScanResult::default();
    let excludes = match scope::exclude_set(&opts.excludes) {
        Ok(g) => g,
        Err(e) => {
            result
                .errors
                .push(format!("invalid --exclude pattern: {e}"));
            return result;
        }
    };
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let (cands, notes) = scope::discover(&paths, &excludes, root, cwd);
    for n in notes {
        if n.message.starts_with("cannot read") {
            result.errors.push(format!("{}: {}", n.path, n.message));
        } else {
            result.notes.push(n);
        }
    }
    scan_files(cands, opts, catalog, cwd, root, result)
}

/// Scans a given set of files (from disk, or with their content attached, as a git snapshot
/// does), adding to `result`. Runs on a worker thread of the pool (see [`on_worker`]).
pub fn scan_files(
    cands: Vec<Candidate>,
    opts: &ScanOptions,
    catalog: &Catalog,
    cwd: &Path,
    root: &Path,
    result: ScanResult,
) -> ScanResult {
    on_worker(move || scan_files_here(cands, opts, catalog, cwd, root, result))
}

fn scan_files_here(
    mut cands: Vec<Candidate>,
    opts: &ScanOptions,
    catalog: &Catalog,
    cwd: &Path,
    root: &Path,
    mut result: ScanResult,
) -> ScanResult {
    if !wants(&opts.frameworks, Framework::Terraform) {
        cands.retain(|c| matches!(c.kind, FileKind::Yaml | FileKind::Json));
    }
    if !wants(&opts.frameworks, Framework::Kubernetes)
        && !wants(&opts.frameworks, Framework::CloudFormation)
    {
        cands.retain(|c| !matches!(c.kind, FileKind::Yaml | FileKind::Json));
    }
    let mut var_file_cands = Vec::new();
    let mut var_values: Vec<(usize, String, String)> = Vec::new();
    let var_args = opts
        .var_files
        .iter()
        .cloned()
        .map(VarArg::File)
        .chain(opts.var_args.iter().cloned());
    for (order, arg) in var_args.enumerate() {
        match arg {
            VarArg::File(vf) => {
                let kind = if vf.to_string_lossy().ends_with(".json") {
                    FileKind::TfvarsJson
                } else {
                    FileKind::Tfvars
                };
                var_file_cands.push((
                    order,
                    Candidate {
                        display: scope::display_path(&vf, root, cwd),
                        path: vf,
                        kind,
                        bytes: None,
                    },
                ));
            }
            VarArg::Value(v) => match v.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => {
                    var_values.push((order, name.trim().to_string(), value.to_string()))
                }
                _ => result
                    .errors
                    .push(format!("--var {v:?}: expected NAME=VALUE")),
            },
        }
    }

    // Parse every file in parallel (collect first: rayon never runs inside the walker).
    let limits = &opts.limits;
    // Line starts too: one pass over every byte, so on the pool rather than below.
    // One file per job: files differ in cost by orders of magnitude, and larger chunks left
    // one core idle at the end of every chunk it could not split (a third of the phase).
    let parsed: Vec<(ParsedFile, LineIndex)> = cands
        .into_par_iter()
        .with_max_len(1)
        .map(|c| {
            let mut pf = parse_guarded(c, limits, opts.parse_cache.as_deref(), true);
            // Documents are independent of each other: check them here and drop their parse
            // trees, so memory grows with the largest file, not with the repository.
            if let Content::Kubernetes(_) | Content::CloudFormation(_) = pf.content {
                let content = std::mem::replace(&mut pf.content, Content::NotIac);
                pf.content = check_documents(content, &pf.cand.display, opts, catalog);
                // Nothing will point into a document without findings or waivers (its
                // resources refer only to each other): its text is not kept for the report.
                if let Content::Checked(c) = &pf.content {
                    if c.findings.is_empty() && !crate::suppress::may_contain_waivers(&pf.text) {
                        pf.text = String::new();
                        return (pf, LineIndex::new(""));
                    }
                }
            }
            let lines = LineIndex::new(&pf.text);
            (pf, lines)
        })
        .collect();
    let var_files: Vec<(usize, ParsedFile)> = var_file_cands
        .into_iter()
        .map(|(order, c)| (order, parse_guarded(c, limits, None, false)))
        .collect();

    // Sized up front: these hold every file, finding and document resource of the scan, and
    // growing them copies all that was in them.
    let (doc_count, finding_count) =
        parsed
            .iter()
            .fold((0, 0), |(r, f), (pf, _)| match &pf.content {
                Content::Checked(c) => (r + c.resources.len(), f + c.findings.len()),
                _ => (r, f),
            });
    let mut sources: Vec<Source> = Vec::with_capacity(parsed.len());
    let mut findings: Vec<Finding> = Vec::with_capacity(finding_count);
    // Resources of documents checked on the parse pool.
    let mut doc_resources: Vec<Resource> = Vec::with_capacity(doc_count);
    // Every resource of the scan, kept or not.
    let mut resource_count = 0;
    // Terraform modules: absolute directory → its files.
    let mut modules: BTreeMap<PathBuf, ModuleDir> = BTreeMap::new();
    // Files come sorted by path, so most of a module's files are consecutive: they are
    // gathered in `current` (keyed by the file's own parent path) and put in `modules` when the
    // directory changes, rather than looked up there once per file.
    let mut current: Option<(PathBuf, ModuleDir)> = None;
    fn flush(
        current: &mut Option<(PathBuf, ModuleDir)>,
        modules: &mut BTreeMap<PathBuf, ModuleDir>,
    ) {
        if let Some((_, d)) = current.take() {
            let m = modules.entry(d.dir.clone()).or_default();
            m.dir = d.dir;
            m.scanned |= d.scanned;
            m.files.extend(d.files);
            m.pending.extend(d.pending);
            m.tfvars.extend(d.tfvars);
        }
    }
    fn module_of<'c>(
        current: &'c mut Option<(PathBuf, ModuleDir)>,
        modules: &mut BTreeMap<PathBuf, ModuleDir>,
        cwd: &Path,
        p: &Path,
    ) -> &'c mut ModuleDir {
        let parent = p.parent().unwrap_or(Path::new(""));
        if current
            .as_ref()
            .is_none_or(|(raw, _)| raw.as_path() != parent)
        {
            flush(current, modules);
            let dir = terraform::modules::normalize(&cwd.join(parent));
            *current = Some((
                parent.to_path_buf(),
                ModuleDir {
                    dir,
                    ..Default::default()
                },
            ));
        }
        &mut current.as_mut().expect("set above").1
    }
    let mut group = 0usize;

    for (_, vf) in &var_files {
        if let Some(e) = &vf.io_error {
            result
                .errors
                .push(format!("--var-file {}: {e}", vf.cand.display));
        } else if let Content::Failed(e) = &vf.content {
            result
                .errors
                .push(format!("--var-file {}: {}", vf.cand.display, e.message));
        } else if let Content::Skipped(why) = &vf.content {
            result
                .errors
                .push(format!("--var-file {}: {why}", vf.cand.display));
        }
    }

    for (pf, lines) in parsed {
        if let Some(e) = pf.io_error {
            result.errors.push(format!("{}: {e}", pf.cand.display));
            continue;
        }
        let framework = match &pf.content {
            Content::Terraform(_) | Content::TerraformPending(_) | Content::Tfvars(_) => {
                Some(Framework::Terraform)
            }
            Content::Kubernetes(_) => Some(Framework::Kubernetes),
            Content::CloudFormation(_) => Some(Framework::CloudFormation),
            Content::Checked(ref c) => Some(c.framework),
            _ => None,
        };
        if let Some(f) = framework {
            if !wants(&opts.frameworks, f) {
                continue;
            }
        }
        let file = sources.len();
        result.summary.bytes += pf.text.len() as u64;
        let mut counted = true;
        match pf.content {
            Content::Terraform(blocks) => {
                let m = module_of(&mut current, &mut modules, cwd, &pf.cand.path);
                m.scanned = true;
                m.files.push(ModuleFile { file, blocks });
            }
            Content::TerraformPending(calls) => {
                let m = module_of(&mut current, &mut modules, cwd, &pf.cand.path);
                m.scanned = true;
                m.pending.push(terraform::modules::PendingFile {
                    file,
                    json: pf.cand.kind == FileKind::TerraformJson,
                    calls,
                });
            }
            Content::Tfvars(attrs) => {
                let name = pf
                    .cand
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let m = module_of(&mut current, &mut modules, cwd, &pf.cand.path);
                m.tfvars.push((name, attrs, Some(file)));
            }
            // Checked on the parse pool above.
            Content::Kubernetes(_) | Content::CloudFormation(_) => {}
            Content::Checked(checked) => {
                group += 1;
                resource_count += checked.resource_count;
                for mut r in checked.resources {
                    r.file = file;
                    r.group = group;
                    doc_resources.push(r);
                }
                for mut f in checked.findings {
                    f.file = file;
                    for rel in &mut f.secondary {
                        rel.file = file;
                    }
                    findings.push(f);
                }
                for e in checked.errors {
                    result.errors.push(format!("{}: {e}", pf.cand.display));
                }
            }
            Content::NotIac => {
                result.summary.files_not_iac += 1;
                counted = false;
            }
            Content::Skipped(msg) => {
                result.notes.push(Note {
                    path: pf.cand.display.clone(),
                    message: msg,
                });
                counted = false;
            }
            Content::Failed(e) => {
                findings.push(Finding::parse_error(file, &pf.cand.display, e));
            }
        }
        if counted {
            result.summary.files_scanned += 1;
        }
        sources.push(Source {
            path: pf.cand.display,
            text: pf.text,
            lines,
            framework,
        });
    }

    flush(&mut current, &mut modules);
    // Terraform: load the modules that calls point to, then evaluate from the roots.
    for m in modules.values_mut() {
        if m.scanned {
            m.manifest = terraform::modules::read_manifest(&m.dir);
        }
    }

    let mut cli_vars: Vec<(usize, CliVar)> = var_files
        .into_iter()
        .filter_map(|(order, vf)| match vf.content {
            Content::Tfvars(n) => Some((order, CliVar::File(n))),
            _ => None,
        })
        .chain(
            var_values
                .into_iter()
                .map(|(order, name, value)| (order, CliVar::Value(name, value))),
        )
        .collect();
    cli_vars.sort_by_key(|(order, _)| *order);
    let cli_vars: Vec<CliVar> = cli_vars.into_iter().map(|(_, v)| v).collect();
    // `file()` reads only inside the scanned paths and the report root.
    let mut allowed: Vec<PathBuf> = vec![root.to_path_buf()];
    for p in &opts.paths {
        let abs = cwd.join(p);
        allowed.push(if abs.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        });
    }
    let reader = terraform::FileReader::new(&allowed, limits.max_file_size);
    let tf = tf::Stage {
        catalog,
        opts,
        cli_vars: &cli_vars,
        reader: &reader,
        group,
        root,
        cwd,
    }
    .run(modules, &mut sources, &mut result);
    for (file, message) in tf.eval_errors {
        result.errors.push(format!(
            "{}: {}",
            sources[file].path,
            crate::panics::internal_error("evaluating this Terraform module", &message)
        ));
    }
    let mut notes = tf.notes;
    notes.sort();
    notes.dedup();
    for (file, message) in notes {
        result.notes.push(Note {
            path: sources[file].path.clone(),
            message,
        });
    }
    findings.extend(tf.findings);
    result.errors.extend(tf.errors);
    resource_count += tf.resource_count;
    let resources = tf.resources;
    result.summary.resources = resource_count;
    // Findings that the merging below joins must end up next to each other: those of one
    // place and check, then one context (a module call: each call of a module has its own
    // findings), then one resource without its instance key. Nothing here may depend on the
    // checkout's path (fingerprints do), or the merged findings would.
    fn context<'a>(
        sources: &'a [Source],
        f: &'a Finding,
    ) -> impl Iterator<Item = (&'a str, usize, usize, &'a str)> + 'a {
        f.secondary.iter().map(|r| {
            let path = sources.get(r.file).map_or("", |s| s.path.as_str());
            (path, r.span.start, r.span.end, r.label.as_str())
        })
    }
    findings.par_sort_by(|a, b| {
        (&sources[a.file].path, a.span.start, &a.check_id, a.span.end)
            .cmp(&(&sources[b.file].path, b.span.start, &b.check_id, b.span.end))
            .then_with(|| context(&sources, a).cmp(context(&sources, b)))
            .then_with(|| {
                (
                    strip_instance(&a.resource),
                    &a.resource,
                    &a.label,
                    &a.fingerprint,
                )
                    .cmp(&(
                        strip_instance(&b.resource),
                        &b.resource,
                        &b.label,
                        &b.fingerprint,
                    ))
            })
    });
    // Several rules of one check failing at one place are one finding, with every reason.
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let Some(last) = merged.last_mut() {
            if last.file == f.file
                && last.span == f.span
                && last.check_id == f.check_id
                && last.kind == f.kind
                && last.resource == f.resource
                && last.secondary == f.secondary
            {
                if !last.label.contains(&f.label) {
                    last.label = format!("{}; {}", last.label, f.label);
                }
                continue;
            }
            // `count`/`for_each` instances failing at the same place are one finding about
            // the resource block (one alert per line in code scanning, not one per index).
            if last.file == f.file
                && last.span == f.span
                && last.check_id == f.check_id
                && last.kind == f.kind
                && last.secondary == f.secondary
                && last.label == f.label
                && last.resource != f.resource
                && strip_instance(&last.resource) == strip_instance(&f.resource)
            {
                let base = strip_instance(&last.resource).to_string();
                last.fingerprint = fingerprint(&[
                    &sources[last.file].path,
                    &base,
                    &last.check_id,
                    "instances",
                    &last.label,
                ]);
                last.resource = base;
                continue;
            }
        }
        merged.push(f);
    }
    let findings = merged;
    result.sources = sources;
    result.findings = findings;
    doc_resources.reserve_exact(resources.len());
    doc_resources.extend(resources);
    result.resources = doc_resources;
    result
}

/// A Kubernetes or CloudFormation file after its checks ran.
struct CheckedFile {
    framework: Framework,
    /// How many resources the file has (only some are kept in `resources`).
    resource_count: usize,
    /// Trimmed to what the filter stage reads ([`crate::suppress::keep_waiver_data`]).
    resources: Vec<Resource>,
    findings: Vec<Finding>,
    /// Internal errors of the check stage (a panic in a check), one per resource.
    errors: Vec<String>,
}

/// Builds the resources of one Kubernetes or CloudFormation file and runs the checks on them.
/// Resources of a document refer only to each other, so the file is a unit of its own; file
/// index 0 stands for the file itself (the caller renumbers).
fn check_documents(
    content: Content,
    display: &str,
    opts: &ScanOptions,
    catalog: &Catalog,
) -> Content {
    let mut resources = Vec::new();
    let framework = match content {
        Content::Kubernetes(docs) => {
            for d in docs {
                kubernetes::objects(d, 0, 1, &mut resources);
            }
            Framework::Kubernetes
        }
        Content::CloudFormation(root) => {
            cloudformation::resources(root, 0, 1, &mut resources);
            Framework::CloudFormation
        }
        other => return other,
    };
    if !wants(&opts.frameworks, framework) {
        // Dropped by the caller; nothing to check.
        return Content::Checked(CheckedFile {
            framework,
            resource_count: 0,
            resources: vec![],
            findings: vec![],
            errors: vec![],
        });
    }
    let resource_count = resources.len();
    let (resources, findings, errors) =
        check_group(resources, catalog, &|_| display, opts.show_unknown);
    let errors = errors.into_iter().map(|(_, e)| e).collect();
    Content::Checked(CheckedFile {
        framework,
        resource_count,
        resources,
        findings,
        errors,
    })
}

/// Runs the checks on a group of resources that refer only to each other (one document, one
/// Terraform root). Returns the resources the filter stage reads — those a finding names
/// (their headers anchor waiver comments) and those that carry waivers themselves — trimmed
/// to what it reads ([`crate::suppress::keep_waiver_data`]), the findings, and an internal
/// error per resource whose checks panicked, with the resource's file.
fn check_group<'p>(
    resources: Vec<Resource>,
    catalog: &Catalog,
    path_of: &(dyn Fn(usize) -> &'p str + Sync),
    show_unknown: bool,
) -> (Vec<Resource>, Vec<Finding>, Vec<(usize, String)>) {
    let index = ResourceIndex::new(resources);
    let checked: Vec<Result<Vec<Finding>, String>> = index
        .resources
        .par_iter()
        .map(|r| check_resource(catalog, &index, r, path_of, show_unknown))
        .collect();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for (r, c) in index.resources.iter().zip(checked) {
        match c {
            Ok(f) => findings.extend(f),
            Err(msg) => errors.push((
                r.file,
                crate::panics::internal_error(&format!("running checks on {}", r.address), &msg),
            )),
        }
    }
    // Most resources have neither: they are dropped here, on the pool, rather than carried
    // (and copied) to the end of the run.
    let named: std::collections::HashSet<(usize, &str)> = findings
        .iter()
        .map(|f| (f.file, f.resource.as_str()))
        .collect();
    let keep: Vec<bool> = index
        .resources
        .iter()
        .map(|r| {
            named.contains(&(r.file, r.address.as_str()))
                || crate::suppress::carries_waivers(r, catalog)
        })
        .collect();
    drop(named);
    let mut keep = keep.into_iter();
    let mut resources = index.resources;
    resources.retain(|_| keep.next().unwrap_or(false));
    resources
        .iter_mut()
        .for_each(crate::suppress::keep_waiver_data);
    (resources, findings, errors)
}

/// Runs the checks on one resource and turns the results into findings. `path_of` gives the
/// display path of a file index. A panic inside is returned as its message.
fn check_resource<'p>(
    catalog: &Catalog,
    index: &ResourceIndex,
    r: &Resource,
    path_of: &dyn Fn(usize) -> &'p str,
    show_unknown: bool,
) -> Result<Vec<Finding>, String> {
    crate::panics::catch(|| {
        crate::panics::inject("check", path_of(r.file));
        eval::evaluate_resource(catalog, index, r, show_unknown)
            .into_iter()
            .flat_map(|rr| {
                let check = &catalog.checks[rr.check];
                let path = path_of(r.file);
                let mut out = Vec::new();
                if let Some((span, why)) = rr.unknown {
                    // Like findings: a downloaded module's line is shown at its call site.
                    let (file, span) = if is_downloaded(path_of(r.file)) {
                        r.context
                            .iter()
                            .find(|c| !is_downloaded(path_of(c.0)))
                            .map(|c| (c.0, c.1))
                            .unwrap_or((r.file, span))
                    } else {
                        (r.file, span)
                    };
                    out.push(Finding {
                        check_id: check.id.clone(),
                        severity: Severity::Info,
                        message: format!("{}: not decided, a value is unknown ({why})", check.id),
                        file,
                        span,
                        label: format!("unknown: {why}"),
                        secondary: vec![],
                        resource: r.address.clone(),
                        resource_span: Some(r.span),
                        fingerprint: fingerprint(&[path, &r.address, &check.id, "unknown"]),
                        kind: FindingKind::Unknown,
                        enforced: false,
                        notes: vec![],
                    });
                }
                for m in rr.marks {
                    let file = m.file.unwrap_or(r.file);
                    let mut secondary = Vec::new();
                    if (m.span != r.anchor || file != r.file)
                        && r.framework != Framework::Kubernetes
                    {
                        secondary.push(Related {
                            file: r.file,
                            span: r.anchor,
                            label: "in this resource".to_string(),
                        });
                    }
                    secondary.extend(m.via.iter().map(|(file, span)| Related {
                        file: *file,
                        span: *span,
                        label: "value comes from here".to_string(),
                    }));
                    secondary.extend(r.context.iter().map(|(file, span, label)| Related {
                        file: *file,
                        span: *span,
                        label: label.clone(),
                    }));
                    let mut primary = Related {
                        file,
                        span: m.span,
                        label: m.label,
                    };
                    // Nobody edits a module downloaded by `terraform init`: point at the
                    // call site in the repository (the argument that carried the value,
                    // else the module block), and show the module's line as context.
                    if is_downloaded(path_of(file)) {
                        if let Some(i) = secondary
                            .iter()
                            .position(|rel| !is_downloaded(path_of(rel.file)))
                        {
                            let site = secondary.remove(i);
                            let inner = std::mem::replace(
                                &mut primary,
                                Related {
                                    file: site.file,
                                    span: site.span,
                                    label: String::new(),
                                },
                            );
                            primary.label = inner.label.clone();
                            secondary.insert(
                                0,
                                Related {
                                    label: "in the downloaded module".to_string(),
                                    ..inner
                                },
                            );
                        }
                    }
                    // Two calls of one module (from two roots) may share an address: the
                    // outermost call site tells them apart.
                    let caller = r.context.last().map(|c| path_of(c.0)).unwrap_or("");
                    out.push(Finding {
                        check_id: check.id.clone(),
                        severity: check.severity,
                        message: check.message().to_string(),
                        file: primary.file,
                        span: primary.span,
                        label: primary.label,
                        secondary,
                        resource: r.address.clone(),
                        // For diff scoping, which compares it with the changed lines
                        // of the finding's own file.
                        resource_span: (primary.file == r.file).then_some(r.span),
                        fingerprint: if caller.is_empty() {
                            fingerprint(&[path, &r.address, &check.id, &m.key])
                        } else {
                            fingerprint(&[path, &r.address, &check.id, &m.key, caller])
                        },
                        kind: FindingKind::Check,
                        enforced: false,
                        notes: vec![],
                    });
                }
                out
            })
            .collect()
    })
}

impl ScanResult {
    /// The index of the source with this path, adding it (not counted as scanned) when the
    /// scan did not read it.
    pub fn source_index(&mut self, path: &str, text: impl FnOnce() -> String) -> usize {
        if let Some(i) = self.sources.iter().position(|s| s.path == path) {
            return i;
        }
        self.sources
            .push(Source::auxiliary(path.to_string(), text()));
        self.sources.len() - 1
    }
}

/// True for a file inside a `.terraform/` directory (a module `terraform init` downloaded).
fn is_downloaded(path: &str) -> bool {
    path.starts_with(".terraform/") || path.contains("/.terraform/")
}

/// Reads and parses (in parallel) the module directories that module calls point to and
/// that the scan did not include: a module outside the scanned paths (but inside the report
/// root), or one that `terraform init` downloaded under `.terraform/modules/`. Repeats until
/// every call is resolved (bounded).
///
/// Returns false, having loaded only part, when a call points to a directory for which
/// `elsewhere` is true (a scanned directory that `modules` does not hold).
#[allow(clippy::too_many_arguments)]
fn load_called_modules(
    modules: &mut BTreeMap<PathBuf, ModuleDir>,
    sources: &mut Vec<Source>,
    result: &mut ScanResult,
    reader: &terraform::FileReader,
    opts: &ScanOptions,
    root: &Path,
    cwd: &Path,
    elsewhere: &dyn Fn(&Path) -> bool,
) -> bool {
    let (limits, cache) = (&opts.limits, opts.parse_cache.as_deref());
    for _ in 0..MAX_MODULE_LOAD_ROUNDS {
        let wanted = terraform::modules::wanted_dirs(modules);
        if wanted.is_empty() {
            return true;
        }
        if wanted.iter().any(|d| elsewhere(d)) {
            return false;
        }
        let mut cands = Vec::new();
        for d in wanted {
            // A scan of a snapshot reads its modules from the snapshot.
            if let Some(files) = snapshot_module_files(opts, &d) {
                cands.extend(files.iter().cloned());
                modules.insert(
                    d.clone(),
                    ModuleDir {
                        dir: d,
                        ..Default::default()
                    },
                );
                continue;
            }
            // Only inside the scanned tree, like `file()`: a `source = "../../.."` must not
            // make the scan read Terraform files anywhere on the machine.
            if !reader.allows(&d) {
                modules.insert(
                    d.clone(),
                    ModuleDir {
                        dir: d,
                        outside: true,
                        ..Default::default()
                    },
                );
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&d) {
                // Regular files only: a symbolic link is not followed (it could lead out of
                // the tree), a FIFO never opened.
                let mut paths: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.path())
                    .collect();
                paths.sort();
                for p in paths {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    if let Some(kind @ (FileKind::Terraform | FileKind::TerraformJson)) =
                        scope::classify(&name)
                    {
                        cands.push(Candidate {
                            display: scope::display_path(&p, root, cwd),
                            path: p,
                            kind,
                            bytes: None,
                        });
                    }
                }
            }
            modules.insert(
                d.clone(),
                ModuleDir {
                    dir: d,
                    ..Default::default()
                },
            );
        }
        let parsed: Vec<ParsedFile> = cands
            .into_par_iter()
            .with_max_len(1)
            .map(|c| parse_guarded(c, limits, cache, false))
            .collect();
        for pf in parsed {
            let dir = terraform::modules::normalize(pf.cand.path.parent().unwrap_or(Path::new("")));
            let problem = match (&pf.io_error, &pf.content) {
                (Some(e), _) => Some(e.clone()),
                (None, Content::Failed(e)) => Some(e.message.clone()),
                _ => None,
            };
            if let Some(p) = problem {
                result.notes.push(Note {
                    path: pf.cand.display.clone(),
                    message: format!("module file not evaluated: {p}"),
                });
                continue;
            }
            let Content::Terraform(blocks) = pf.content else {
                continue;
            };
            let file = sources.len();
            result.summary.files_scanned += 1;
            result.summary.bytes += pf.text.len() as u64;
            if let Some(m) = modules.get_mut(&dir) {
                m.files.push(ModuleFile { file, blocks });
            }
            sources.push(Source {
                lines: LineIndex::new(&pf.text),
                path: pf.cand.display,
                text: pf.text,
                framework: Some(Framework::Terraform),
            });
        }
    }
    true
}

/// A resource address without its trailing instance key: `aws_s3_bucket.b[0]` →
/// `aws_s3_bucket.b`, `x.y["a"]` → `x.y`.
fn strip_instance(address: &str) -> &str {
    if address.ends_with(']') {
        if let Some(i) = address.rfind('[') {
            return &address[..i];
        }
    }
    address
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn block(name: &str) -> Vec<HclBlock> {
        vec![HclBlock {
            ident: name.into(),
            labels: vec![],
            header: Span::new(0, 1),
            span: Span::new(0, 1),
            body: Node::new(crate::model::Value::Null, Span::new(0, 1)),
        }]
    }

    /// What the disk cache writes and reads back (see [`crate::cache`]) must be the parse
    /// itself: every fixture, every way it is parsed.
    #[test]
    fn parse_results_survive_the_disk_caches_encoding() {
        fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
            path: &Path,
            v: T,
        ) {
            let bytes = postcard::to_allocvec(&v).unwrap();
            let back: T = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, v, "{}", path.display());
        }
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        for d in ["fixtures", "examples", "tests"] {
            walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(d), &mut files);
        }
        let limits = Limits::default();
        let mut seen = [0; 3];
        for p in files {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let name = p.to_string_lossy();
            if name.ends_with(".tf") {
                round_trip(&p, parse::hcl::parse(&text, &limits));
                seen[0] += 1;
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                round_trip(&p, documents(false, &text, &limits));
                seen[1] += 1;
            } else if name.ends_with(".json") {
                round_trip(&p, documents(true, &text, &limits));
                seen[2] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
        // And what no fixture has: `.tf.json`, `.tfvars`, errors, skipped templates.
        let here = Path::new("inline");
        let tf_json = r#"{"resource": {"aws_s3_bucket": {"b": {"acl": "${var.acl}"}}}}"#;
        round_trip(
            here,
            parse::json::parse(tf_json, &limits).map(|root| terraform::json_blocks(&root)),
        );
        round_trip(
            here,
            parse::hcl::parse("a = 1\nb = [\"x\", {c = 2.5}]\n", &limits),
        );
        round_trip(here, parse::hcl::parse("resource {", &limits));
        round_trip(
            here,
            documents(false, "kind: Pod\napiVersion: v1\n: :\n", &limits),
        );
        round_trip(
            here,
            documents(false, "kind: {{ .kind }}\napiVersion: v1\n", &limits),
        );
        round_trip(
            here,
            documents(true, "{\"kind\": \"Pod\", // c\n}", &limits),
        );
    }

    #[test]
    fn the_parse_cache_parses_each_text_once_even_when_asked_at_the_same_time() {
        let cache = ParseCache::default();
        let calls = AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let got: Vec<ParsedBlocks> = pool.install(|| {
            (0..8)
                .into_par_iter()
                .map(|_| {
                    cache.get_or_parse(FileKind::Terraform, "a = 1", || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        Ok(block("one"))
                    })
                })
                .collect()
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let first = got[0].as_ref().unwrap();
        assert_eq!(first[0].ident, "one");
        assert!(got.iter().all(|g| Arc::ptr_eq(g.as_ref().unwrap(), first)));
        // Another kind or text is another entry; a parse error is cached too.
        let err = cache.get_or_parse(FileKind::TerraformJson, "a = 1", || {
            Err(ParseError::new("bad", Span::new(0, 1)))
        });
        assert_eq!(err.unwrap_err().message, "bad");
        let again = cache.get_or_parse(FileKind::TerraformJson, "a = 1", || Ok(block("x")));
        assert_eq!(again.unwrap_err().message, "bad");
    }

    #[test]
    fn a_parse_that_panicked_is_parsed_again_by_the_next_caller() {
        let cache = ParseCache::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cache.get_or_parse(FileKind::Terraform, "x", || panic!("parser bug"))
        }));
        assert!(panicked.is_err());
        let next = cache.get_or_parse(FileKind::Terraform, "x", || Ok(block("two")));
        assert_eq!(next.unwrap()[0].ident, "two");
    }
}
