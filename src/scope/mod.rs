//! Which files a scan reads: paths walked with `ignore` (honours `.gitignore`), classified by
//! name; YAML/JSON files are decided later by content. `git` reads snapshots for diffs.

pub mod git;
pub mod read;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

/// How a file is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `.tf`
    Terraform,
    /// `.tf.json`
    TerraformJson,
    /// `.tfvars` / `.tfvars.json`: values, not scanned for findings.
    Tfvars,
    TfvarsJson,
    /// `.yaml`, `.yml`, `.template`: Kubernetes or CloudFormation if the content says so.
    Yaml,
    /// `.json`: likewise.
    Json,
}

/// A file to read.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    /// Path relative to the report root, with `/`.
    pub display: String,
    pub kind: FileKind,
    /// The content, when it does not come from the file system (a git snapshot).
    pub bytes: Option<Vec<u8>>,
}

/// Something the walk skipped that the user should hear about.
#[derive(Debug, Clone)]
pub struct Note {
    pub path: String,
    pub message: String,
}

/// Classifies a file by its name.
pub fn classify(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    Some(if lower.ends_with(".tf.json") {
        FileKind::TerraformJson
    } else if lower.ends_with(".tfvars.json") {
        FileKind::TfvarsJson
    } else if lower.ends_with(".tf") {
        FileKind::Terraform
    } else if lower.ends_with(".tfvars") {
        FileKind::Tfvars
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".template") {
        FileKind::Yaml
    } else if lower.ends_with(".json") {
        FileKind::Json
    } else {
        return None;
    })
}

/// The directory paths in reports are relative to: the git top-level when inside a
/// repository, else the current directory.
pub fn report_root(cwd: &Path) -> PathBuf {
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    cwd.to_path_buf()
}

/// `path` relative to `root`, with `/`; falls back to the path as given.
pub fn display_path(path: &Path, root: &Path, cwd: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let abs = normalize(&abs);
    let rel = abs
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Builds the `--exclude` matcher.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g)?);
        // `vendor/**` should also exclude the directory itself, and a bare name any depth.
        if !g.contains('/') {
            b.add(Glob::new(&format!("**/{g}"))?);
        }
    }
    b.build()
}

/// Walks the given paths. Directories are walked honouring `.gitignore`; files named
/// explicitly are taken even if ignored. `.git/` and `.terraform/` are never entered; Helm
/// chart `templates/` directories are skipped with a note.
pub fn discover(
    paths: &[PathBuf],
    excludes: &GlobSet,
    root: &Path,
    cwd: &Path,
) -> (Vec<Candidate>, Vec<Note>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                notes.push(Note {
                    path: display_path(p, root, cwd),
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        if meta.is_file() {
            let display = display_path(p, root, cwd);
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match classify(&name) {
                Some(kind) => files.push(Candidate {
                    path: p.clone(),
                    display,
                    kind,
                    bytes: None,
                }),
                None => notes.push(Note {
                    path: display,
                    message: "not an infrastructure-as-code file (by its name)".into(),
                }),
            }
            continue;
        }
        if !meta.is_dir() {
            notes.push(Note {
                path: display_path(p, root, cwd),
                message: "not a regular file or directory; skipped".into(),
            });
            continue;
        }
        let helm_notes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let helm_sink = helm_notes.clone();
        let walker = WalkBuilder::new(p)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .ignore(true)
            .parents(true)
            .follow_links(false)
            .filter_entry(move |e| {
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_some_and(|t| t.is_dir()) {
                    if name == ".git" || name == ".terraform" {
                        return false;
                    }
                    if name == "templates"
                        && e.path()
                            .parent()
                            .is_some_and(|d| d.join("Chart.yaml").is_file())
                    {
                        helm_sink
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(e.path().to_path_buf());
                        return false;
                    }
                }
                true
            })
            .build_parallel();
        // Walked on several threads (a tree of 10,000 files is a good part of a second of
        // `stat`s and `.gitignore` matching on one); what each finds is sorted afterwards.
        let found: std::sync::Mutex<(Vec<Candidate>, Vec<Note>)> = Default::default();
        walker.run(|| {
            let found = &found;
            Box::new(move |entry| {
                if let Some(item) = walk_entry(entry, p, excludes, root, cwd) {
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    match item {
                        Ok(c) => found.0.push(c),
                        Err(n) => found.1.push(n),
                    }
                }
                ignore::WalkState::Continue
            })
        });
        let (walked, mut walk_notes) = found.into_inner().unwrap_or_else(|e| e.into_inner());
        files.extend(walked);
        // In the order a sorted walk would give: by path components, then message.
        walk_notes.sort_by(|a, b| {
            a.path
                .split('/')
                .cmp(b.path.split('/'))
                .then_with(|| a.message.cmp(&b.message))
        });
        notes.extend(walk_notes);
        let helm: Vec<PathBuf> =
            std::mem::take(&mut *helm_notes.lock().unwrap_or_else(|e| e.into_inner()));
        for h in helm {
            notes.push(Note {
                path: display_path(&h, root, cwd),
                message: "Helm chart templates skipped (render the chart with `helm template` and scan the output)".into(),
            });
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);
    (files, notes)
}

/// One entry of a directory walk: a file to scan, a note, or nothing.
fn walk_entry(
    entry: Result<ignore::DirEntry, ignore::Error>,
    p: &Path,
    excludes: &GlobSet,
    root: &Path,
    cwd: &Path,
) -> Option<Result<Candidate, Note>> {
    let entry = match entry {
        Ok(e) => e,
        Err(err) => {
            return Some(Err(Note {
                path: display_path(p, root, cwd),
                message: format!("walk error: {err}"),
            }));
        }
    };
    let file_type = entry.file_type();
    if file_type.is_some_and(|t| t.is_dir()) {
        return None;
    }
    let name = entry.file_name().to_string_lossy().to_string();
    let kind = classify(&name)?;
    let display = display_path(entry.path(), root, cwd);
    if excludes.is_match(&display) || excludes.is_match(entry.path()) {
        return None;
    }
    if !file_type.is_some_and(|t| t.is_file()) {
        // Links are not followed (one could lead out of the tree, or loop); FIFOs and
        // devices are never opened (a FIFO would block the scan). Said, not silent.
        let message = if entry.path_is_symlink() {
            "symbolic link, not followed (name its target to scan it)"
        } else {
            "not a regular file (a FIFO, socket or device); not read"
        };
        return Some(Err(Note {
            path: display,
            message: message.into(),
        }));
    }
    Some(Ok(Candidate {
        path: entry.path().to_path_buf(),
        display,
        kind,
        bytes: None,
    }))
}
