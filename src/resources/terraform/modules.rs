//! Module directories and module sources: which directories are modules, where a `module`
//! block's `source` points (a local path, or an entry of `.terraform/modules/modules.json`
//! written by `terraform init`), which directories are roots, and the bounded file access
//! behind `file()` / `templatefile()`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::model::Node;
use crate::parse::hcl::HclBlock;

/// One parsed `.tf` / `.tf.json` file of a module.
#[derive(Debug)]
pub struct ModuleFile {
    /// Index of the file in the scan's sources.
    pub file: usize,
    /// Shared: a diff evaluates a module at two snapshots, and a file unchanged between them
    /// is parsed once (see [`crate::engine::ParseCache`]).
    pub blocks: std::sync::Arc<Vec<HclBlock>>,
}

/// A module: the Terraform files of one directory.
#[derive(Debug, Default)]
pub struct ModuleDir {
    /// Absolute, lexically normalised.
    pub dir: PathBuf,
    pub files: Vec<ModuleFile>,
    /// `.tfvars` / `.tfvars.json` files of the directory: (file name, values, source index).
    pub tfvars: Vec<(String, Node, Option<usize>)>,
    /// Part of the scan (rather than loaded only because a module call needs it).
    pub scanned: bool,
    /// `.terraform/modules/modules.json` of this directory, when it has one: module key
    /// (`vpc`, `vpc.subnets`) → directory.
    pub manifest: Option<HashMap<String, PathBuf>>,
    /// A called directory outside the scanned tree: not read.
    pub outside: bool,
    /// Files of the directory read but not parsed yet: a scan parses a module's files when it
    /// evaluates the modules connected to it, and frees them right after (see
    /// `docs/architecture.md`, "Terraform in components").
    pub pending: Vec<PendingFile>,
}

/// A `.tf` / `.tf.json` file whose text is in the scan's sources, not parsed yet.
#[derive(Debug, Clone)]
pub struct PendingFile {
    /// Index of the file in the scan's sources.
    pub file: usize,
    /// `.tf.json` rather than `.tf`.
    pub json: bool,
    /// Every string in the text that reads like a local module source ([`local_sources`]).
    pub calls: Vec<String>,
}

impl ModuleDir {
    /// The directory without its files: what it is before its files are parsed.
    pub fn skeleton(&self) -> ModuleDir {
        ModuleDir {
            dir: self.dir.clone(),
            files: Vec::new(),
            tfvars: self.tfvars.clone(),
            scanned: self.scanned,
            manifest: self.manifest.clone(),
            outside: self.outside,
            pending: self.pending.clone(),
        }
    }
}

/// Every double-quoted string in `text` that starts like a local module source (`./`, `../`,
/// or is `.` or `..`), without parsing: a superset of the `source` values of the file's
/// `module` blocks, HCL or JSON (a source must be a literal string). Comments, heredocs and
/// other attributes may add strings that are not module sources, which only joins
/// directories that need not be joined.
pub fn local_sources(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    // Each once, in order of first appearance (a generated file may hold a great many).
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for q in memchr::memchr_iter(b'"', b) {
        let rest = &b[q + 1..];
        if !(rest.starts_with(b"./")
            || rest.starts_with(b"../")
            || rest.starts_with(b".\"")
            || rest.starts_with(b"..\""))
        {
            continue;
        }
        let end = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\n')
            .unwrap_or(rest.len());
        if rest.get(end) != Some(&b'"') {
            continue;
        }
        // Quotes and line feeds are ASCII: `end` is on a character boundary.
        let s = &text[q + 1..q + 1 + end];
        if seen.insert(s) {
            out.push(s.to_string());
        }
    }
    out
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to `from` (both absolute and normalised), with `/`: `path.module`.
pub fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..a.len() {
        parts.push("..".into());
    }
    for c in &b[common..] {
        parts.push(c.as_os_str().to_string_lossy().to_string());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// True for sources Terraform treats as local paths.
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// The literal `source` of a `module` block.
pub fn source_of(b: &HclBlock) -> Option<&str> {
    b.body.get("source").and_then(|s| s.as_str())
}

/// The directory a local module source points to.
pub fn local_target(dir: &Path, source: &str) -> PathBuf {
    normalize(&dir.join(source))
}

/// `modules.json` files larger than this are ignored.
const MAX_MANIFEST_SIZE: u64 = 16 * 1024 * 1024;

/// Reads `.terraform/modules/modules.json` in `dir`: module key → directory (absolute).
pub fn read_manifest(dir: &Path) -> Option<HashMap<String, PathBuf>> {
    let path = dir.join(".terraform").join("modules").join("modules.json");
    let text = crate::scope::read::read_regular_text(&path, MAX_MANIFEST_SIZE).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut out = HashMap::new();
    for m in v.get("Modules")?.as_array()? {
        let (Some(key), Some(d)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|k| k.as_str()),
        ) else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        out.insert(key.to_string(), normalize(&dir.join(d)));
    }
    Some(out)
}

/// Directories that module calls of the loaded modules need and that are not loaded yet:
/// local sources, and every module a loaded root's `modules.json` lists.
pub fn wanted_dirs(dirs: &BTreeMap<PathBuf, ModuleDir>) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for (path, d) in dirs {
        for f in &d.files {
            for b in f.blocks.iter().filter(|b| b.ident == "module") {
                if let Some(s) = source_of(b).filter(|s| is_local_source(s)) {
                    let t = local_target(path, s);
                    if !dirs.contains_key(&t) {
                        out.insert(t);
                    }
                }
            }
        }
        if let Some(m) = &d.manifest {
            for t in m.values() {
                if !dirs.contains_key(t) {
                    out.insert(t.clone());
                }
            }
        }
    }
    out
}

/// Scanned directories that no scanned directory calls through a local source: the roots.
pub fn roots(dirs: &BTreeMap<PathBuf, ModuleDir>) -> Vec<PathBuf> {
    let mut called = BTreeSet::new();
    for (path, d) in dirs.iter().filter(|(_, d)| d.scanned) {
        for f in &d.files {
            for b in f.blocks.iter().filter(|b| b.ident == "module") {
                if let Some(s) = source_of(b).filter(|s| is_local_source(s)) {
                    let t = local_target(path, s);
                    if t != *path {
                        called.insert(t);
                    }
                }
            }
        }
    }
    dirs.iter()
        .filter(|(p, d)| d.scanned && !d.files.is_empty() && !called.contains(*p))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Bounded, memoised reads for `file()` and `templatefile()`: only files inside the allowed
/// directories (the scanned tree), no larger than the file size limit, each read once. Module
/// directories are held to the same boundary.
#[derive(Debug, Default)]
pub struct FileReader {
    allowed: Vec<PathBuf>,
    max_size: u64,
    cache: Mutex<HashMap<PathBuf, Option<Arc<String>>>>,
}

impl FileReader {
    /// `allowed`: directories (canonicalised here) inside which reads are permitted.
    pub fn new(allowed: &[PathBuf], max_size: u64) -> FileReader {
        FileReader {
            allowed: allowed
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
            max_size,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// True when `path` (resolving symbolic links) is inside the allowed directories.
    pub fn allows(&self, path: &Path) -> bool {
        std::fs::canonicalize(path)
            .is_ok_and(|real| self.allowed.iter().any(|a| real.starts_with(a)))
    }

    /// The text of `path`, or `None` when it is outside the scanned tree, too large, not
    /// UTF-8 or unreadable.
    pub fn read(&self, path: &Path) -> Option<Arc<String>> {
        let key = normalize(path);
        if let Some(hit) = self.lock().get(&key) {
            return hit.clone();
        }
        let value = self.read_uncached(&key);
        self.lock().insert(key, value.clone());
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Option<Arc<String>>>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_uncached(&self, path: &Path) -> Option<Arc<String>> {
        // Canonicalise so that a symbolic link cannot lead outside the tree.
        let real = std::fs::canonicalize(path).ok()?;
        if !self.allowed.iter().any(|a| real.starts_with(a)) {
            return None;
        }
        crate::scope::read::read_regular_text(&real, self.max_size)
            .ok()
            .map(Arc::new)
    }
}

/// A `module` block's meta-arguments, which are not inputs of the child module.
pub const MODULE_META_ARGS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_finds_every_string_that_reads_like_a_local_path() {
        let hcl = "module \"a\" {\n  source = \"./net\"\n}\n# \"../old\" in a comment\nmodule \"b\" {\n  source  = \"../../modules/db\"\n  version = \"1.0\"\n}\nmodule \"c\" { source = \"..\" }\nmodule \"d\" { source = \"terraform-aws-modules/vpc/aws\" }\nlocals { s = \"./net\" }\n";
        assert_eq!(
            local_sources(hcl),
            vec!["./net", "../old", "../../modules/db", ".."]
        );
        let json = "{\"module\": {\"a\": {\"source\": \"./x\"}, \"b\": {\"source\": \".\"}}}";
        assert_eq!(local_sources(json), vec!["./x", "."]);
        // An unterminated string and one broken by a line feed are not sources.
        assert!(local_sources("source = \"./a\nb\"").is_empty());
        assert!(local_sources("source = \"./a").is_empty());
    }

    #[test]
    fn local_sources_of_a_file_with_a_great_many_strings() {
        // Each string once, in order, and in one pass: a generated file of this size took over
        // a minute when every string was compared with all those before it.
        let text: String = (0..100_000)
            .map(|i| format!("locals {{ a{i} = \"./m{i}\" }}\nlocals {{ b{i} = \"./m{i}\" }}\n"))
            .collect();
        let found = local_sources(&text);
        assert_eq!(found.len(), 100_000);
        assert_eq!(found[0], "./m0");
        assert_eq!(found[99_999], "./m99999");
    }
}
