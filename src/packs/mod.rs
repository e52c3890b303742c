//! Check packs: the built-in catalog, a directory on disk, or a git repository pinned to a
//! tag or commit. A pack is a folder with `guardrail-pack.yaml` at its root naming its checks
//! folder, the checks it *enforces*, severity changes and rules for waivers. Packs are data:
//! loading one reads YAML files and nothing else.

/// Fetching git packs into the cache with the system `git`.
pub mod git;
/// `.guardrail.lock`.
pub mod lock;

use std::path::{Path, PathBuf};

use crate::checks::{load_check_with, Catalog, Check, CheckError, Origin, Severity};
use crate::config::{ConfigError, Reader, Spanned};
use crate::model::Span;
use crate::parse::Limits;

pub use git::{GitCache, RevKind};
pub use lock::{Lock, LockEntry, LOCK_FILE};

/// The manifest at a pack's root.
pub const MANIFEST_FILE: &str = "guardrail-pack.yaml";
/// Check files larger than this are refused (a check is a few hundred bytes).
const MAX_CHECK_FILE: u64 = 1024 * 1024;
/// At most this many check files per folder tree.
const MAX_CHECK_FILES: usize = 10_000;

/// Why a pack could not be used (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("pack URL `{url}` is not supported: {why}")]
    UnsupportedUrl { url: String, why: String },
    #[error("pack rev `{rev}` is not a valid tag, branch or commit name")]
    InvalidRev { rev: String },
    #[error("git {action} for pack {url} failed: {message}")]
    Git {
        url: String,
        action: String,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no cache directory for packs: set XDG_CACHE_HOME or HOME")]
    NoCacheDir,
    #[error("pack {url}@{rev} is not in the cache ({cache}) and --offline forbids fetching it: run once without --offline (or `guardrail packs update`)")]
    NotCached {
        url: String,
        rev: String,
        cache: String,
    },
    #[error("pack {url}: `{rev}` is not a tag, branch or commit of that repository")]
    RevNotFound { url: String, rev: String },
    #[error("pack {url}: `{rev}` is a branch, which moves; pin a tag or a full commit sha, or run `guardrail packs update` to lock the branch's current commit in {LOCK_FILE}")]
    BranchNeedsLock { url: String, rev: String },
    #[error("pack {url}: tag `{rev}` now points to {now}, but {LOCK_FILE} locks {locked}; check why the tag moved, then run `guardrail packs update`")]
    TagMoved {
        url: String,
        rev: String,
        now: String,
        locked: String,
    },
    #[error("pack {url}@{rev}: the locked commit {commit} is not in that repository (any more); run `guardrail packs update`")]
    LockedCommitMissing {
        url: String,
        rev: String,
        commit: String,
    },
    #[error("{path}: not a valid lock file ({message}); run `guardrail packs update`")]
    BadLock { path: String, message: String },
    #[error("{0}")]
    Locked(String),
    #[error("{dir}: not a pack (no {MANIFEST_FILE})")]
    NoManifest { dir: String },
    #[error("{0}")]
    Manifest(#[from] ConfigError),
    #[error("pack {url} is too large: {why}")]
    TooLarge { url: String, why: String },
    #[error("--require-pack takes URL@REV (a tag or a full commit sha) or a directory, got `{0}`")]
    BadRequired(String),
    #[error("{dir}: checks folder `{checks}` does not exist")]
    NoChecksDir { dir: String, checks: String },
}

/// Where a pack comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// The catalog compiled into the binary.
    Builtin,
    /// A git repository at a tag, commit (or, with the lock file, a branch).
    Git { url: String, rev: String },
    /// A directory (relative to the configuration's directory).
    Path { dir: PathBuf },
}

/// A pack as the configuration (or `--require-pack`) names it.
#[derive(Debug, Clone)]
pub struct PackSpec {
    pub source: PackSource,
    /// The entry in `.guardrail.yaml`.
    pub span: Option<Span>,
    /// Added with `--require-pack`: the repository's configuration cannot remove it.
    pub required: bool,
}

impl PackSpec {
    /// Parses a `--require-pack` argument: `URL@REV`, or a directory.
    pub fn required(arg: &str, cwd: &Path) -> Result<PackSpec, PackError> {
        let dir = cwd.join(arg);
        if !arg.contains("://") && dir.is_dir() {
            return Ok(PackSpec {
                source: PackSource::Path { dir },
                span: None,
                required: true,
            });
        }
        let (url, rev) = arg
            .rsplit_once('@')
            .filter(|(u, r)| !u.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| PackError::BadRequired(arg.to_string()))?;
        git::validate_url(url)?;
        git::validate_rev(rev)?;
        Ok(PackSpec {
            source: PackSource::Git {
                url: url.to_string(),
                rev: rev.to_string(),
            },
            span: None,
            required: true,
        })
    }

    /// `builtin`, `https://…@v3.2.0`, `path ../checks`.
    pub fn describe(&self) -> String {
        match &self.source {
            PackSource::Builtin => "builtin".to_string(),
            PackSource::Git { url, rev } => format!("{url}@{rev}"),
            PackSource::Path { dir } => format!("path {}", dir.display()),
        }
    }
}

/// Rules a pack sets for every waiver of the repository (config and inline alike).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaiverRules {
    /// Every waiver needs `owner`.
    pub require_owner: bool,
    /// Every waiver needs `expires`, at most this many days from today.
    pub max_days: Option<i64>,
}

impl WaiverRules {
    /// The stricter of two rule sets.
    pub fn merge(&mut self, other: WaiverRules) {
        self.require_owner |= other.require_owner;
        self.max_days = match (self.max_days, other.max_days) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// A pack's `guardrail-pack.yaml`.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub checks_dir: PathBuf,
    /// Whether `checks:` was written (a missing default folder is not an error).
    pub checks_explicit: bool,
    pub fixtures_dir: PathBuf,
    pub enforced: Vec<Spanned<String>>,
    pub severity: Vec<(Spanned<String>, Severity)>,
    pub waivers: WaiverRules,
    /// The manifest as reports show it, and its text (diagnostics may point into it).
    pub display: String,
    pub text: String,
}

const MANIFEST_KEYS: &[&str] = &[
    "name", "version", "checks", "fixtures", "enforced", "severity", "waivers",
];

impl Manifest {
    /// Reads `dir/guardrail-pack.yaml`.
    pub fn load(dir: &Path, cwd: &Path, root: &Path) -> Result<Manifest, PackError> {
        let path = dir.join(MANIFEST_FILE);
        let display = crate::scope::display_path(&path, root, cwd);
        let text = match crate::scope::read::read_own_file(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PackError::NoManifest {
                    dir: crate::scope::display_path(dir, root, cwd),
                })
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: display,
                    source,
                }
                .into())
            }
        };
        let mut m = Manifest {
            name: String::new(),
            version: String::new(),
            checks_dir: dir.join("checks"),
            checks_explicit: false,
            fixtures_dir: dir.join("fixtures"),
            enforced: vec![],
            severity: vec![],
            waivers: WaiverRules::default(),
            display: display.clone(),
            text: String::new(),
        };
        let mut r = Reader::new(&display, &text);
        if let Some(node) = r.root() {
            if let Some(map) = r.map(&node, "a pack manifest") {
                r.known_keys(map, MANIFEST_KEYS, "a pack manifest");
                for (k, v) in map {
                    match k.name.as_str() {
                        "name" => m.name = r.string(v, "name").unwrap_or_default(),
                        "version" => m.version = r.string(v, "version").unwrap_or_default(),
                        "checks" => {
                            if let Some(s) = r.string(v, "checks") {
                                m.checks_dir = dir.join(s);
                                m.checks_explicit = true;
                            }
                        }
                        "fixtures" => {
                            if let Some(s) = r.string(v, "fixtures") {
                                m.fixtures_dir = dir.join(s);
                            }
                        }
                        "enforced" => m.enforced = r.strings(v, "enforced"),
                        "severity" => {
                            if let Some(sm) = r.map(v, "`severity`") {
                                for (id, sev) in sm {
                                    let Some(t) = r.string(sev, "severity") else {
                                        continue;
                                    };
                                    match Severity::parse(&t) {
                                        Some(s) => m.severity.push((
                                            Spanned {
                                                value: id.name.clone(),
                                                span: Span::new(id.span.start, sev.span.end),
                                            },
                                            s,
                                        )),
                                        None => r.err(sev.span, format!("unknown severity `{t}`")),
                                    }
                                }
                            }
                        }
                        "waivers" => {
                            if let Some(wm) = r.map(v, "`waivers`") {
                                r.known_keys(wm, &["require-owner", "max-days"], "`waivers`");
                                for (wk, wv) in wm {
                                    match wk.name.as_str() {
                                        "require-owner" => {
                                            m.waivers.require_owner =
                                                r.boolean(wv, "require-owner").unwrap_or(false)
                                        }
                                        "max-days" => {
                                            m.waivers.max_days = r.integer(wv, "max-days")
                                        }
                                        _ => {}
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                for key in ["name", "version"] {
                    let missing = map.iter().all(|(k, _)| k.name != key);
                    if missing {
                        r.err(node.span, format!("a pack manifest needs `{key}`"));
                    }
                }
                if m.name == crate::checks::BUILTIN_PACK || m.name == crate::checks::LOCAL_PACK {
                    r.err(node.span, format!("`{}` is a reserved pack name", m.name));
                }
            }
        }
        if !r.errors.is_empty() {
            return Err(ConfigError::Invalid(r.errors).into());
        }
        m.text = text;
        Ok(m)
    }
}

/// A check file that could not be compiled: reported as `check-invalid`, the run goes on.
#[derive(Debug, Clone)]
pub struct InvalidCheck {
    pub display: String,
    pub text: String,
    pub errors: Vec<CheckError>,
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if out.len() > MAX_CHECK_FILES {
            return;
        }
        // Symlinks are not followed: a pack cannot point the loader outside itself.
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            collect_yaml(&p, out);
        } else if meta.is_file()
            && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        {
            out.push(p);
        }
    }
}

/// Compiles every check file under `dir` (recursively), tagging each with `origin`.
pub fn load_checks_dir(
    dir: &Path,
    origin: &Origin,
    limits: &Limits,
    cwd: &Path,
    root: &Path,
) -> (Vec<Check>, Vec<InvalidCheck>) {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    let mut checks = Vec::new();
    let mut invalid = Vec::new();
    for f in files.into_iter().take(MAX_CHECK_FILES) {
        let display = crate::scope::display_path(&f, root, cwd);
        let text = crate::scope::read::read_regular_text(&f, MAX_CHECK_FILE).map_err(|e| match e {
            crate::scope::read::ReadError::TooLarge { .. } => {
                format!("check file larger than {MAX_CHECK_FILE} bytes")
            }
            e => e.to_string(),
        });
        match text {
            Ok(text) => match load_check_with(&display, &text, limits) {
                Ok(mut c) => {
                    c.origin = origin.clone();
                    checks.push(c);
                }
                Err(errors) => invalid.push(InvalidCheck {
                    display,
                    text,
                    errors,
                }),
            },
            Err(message) => invalid.push(InvalidCheck {
                errors: vec![CheckError {
                    file: display.clone(),
                    line: 1,
                    column: 1,
                    message,
                }],
                display,
                text: String::new(),
            }),
        }
    }
    (checks, invalid)
}

/// A pack, loaded.
#[derive(Debug)]
pub struct LoadedPack {
    pub spec: PackSpec,
    pub name: String,
    pub version: String,
    /// The pack's directory (none for the built-in catalog).
    pub dir: Option<PathBuf>,
    /// Git packs: the commit and what the rev named.
    pub commit: Option<String>,
    pub rev_kind: Option<RevKind>,
    pub manifest: Option<Manifest>,
    pub checks: Vec<Check>,
    pub invalid: Vec<InvalidCheck>,
}

impl LoadedPack {
    /// The built-in catalog as a pack.
    pub fn builtin(spec: PackSpec) -> LoadedPack {
        // The embedded catalog is tested at build time; a broken one cannot ship.
        let checks = Catalog::builtin().map(|c| c.checks).unwrap_or_default();
        let o = Origin::builtin();
        LoadedPack {
            spec,
            name: o.pack,
            version: o.version,
            dir: None,
            commit: None,
            rev_kind: None,
            manifest: None,
            checks,
            invalid: vec![],
        }
    }

    /// A pack in a directory (a `path:` pack, or a git pack's checked-out tree).
    pub fn from_dir(
        spec: PackSpec,
        dir: &Path,
        limits: &Limits,
        cwd: &Path,
        root: &Path,
    ) -> Result<LoadedPack, PackError> {
        let manifest = Manifest::load(dir, cwd, root)?;
        if manifest.checks_explicit && !manifest.checks_dir.is_dir() {
            return Err(PackError::NoChecksDir {
                dir: manifest.display.clone(),
                checks: crate::scope::display_path(&manifest.checks_dir, root, cwd),
            });
        }
        let origin = Origin {
            pack: manifest.name.clone(),
            version: manifest.version.clone(),
        };
        let (checks, invalid) = load_checks_dir(&manifest.checks_dir, &origin, limits, cwd, root);
        Ok(LoadedPack {
            spec,
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            dir: Some(dir.to_path_buf()),
            commit: None,
            rev_kind: None,
            manifest: Some(manifest),
            checks,
            invalid,
        })
    }
}

/// How git packs are resolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResolveMode {
    /// Use only the cache.
    pub offline: bool,
    /// `packs update`: fetch, and resolve afresh (branches allowed) instead of reading the lock.
    pub update: bool,
}

/// A git pack's rev, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub commit: String,
    pub kind: RevKind,
}

/// Resolves a git pack to a commit in the cache, fetching when needed (never with
/// `offline`). With a lock entry, the locked commit is used and the rev is verified against
/// it: a tag that moved is an error.
pub fn resolve_git(
    cache: &GitCache,
    url: &str,
    rev: &str,
    locked: Option<&LockEntry>,
    mode: ResolveMode,
) -> Result<Resolved, PackError> {
    git::validate_url(url)?;
    git::validate_rev(rev)?;
    let not_cached = || PackError::NotCached {
        url: url.to_string(),
        rev: rev.to_string(),
        cache: cache.dir(url).display().to_string(),
    };
    let mut fetched = false;
    if mode.update && !mode.offline {
        cache.fetch(url)?;
        fetched = true;
    }
    if let (Some(entry), false) = (locked, mode.update) {
        let commit = entry.commit.as_str();
        if !cache.has_commit(url, commit) {
            if mode.offline {
                return Err(not_cached());
            }
            cache.fetch(url)?;
            fetched = true;
            if !cache.has_commit(url, commit) {
                // Not reachable from a branch or tag: ask for it by sha (servers may refuse).
                let _ = cache.fetch_commit(url, commit);
            }
            if !cache.has_commit(url, commit) {
                return match cache.lookup(url, rev) {
                    Some((RevKind::Tag, now)) => Err(PackError::TagMoved {
                        url: url.to_string(),
                        rev: rev.to_string(),
                        now,
                        locked: commit.to_string(),
                    }),
                    _ => Err(PackError::LockedCommitMissing {
                        url: url.to_string(),
                        rev: rev.to_string(),
                        commit: commit.to_string(),
                    }),
                };
            }
        }
        return match cache.lookup(url, rev) {
            Some((RevKind::Tag, now)) if now != commit => Err(PackError::TagMoved {
                url: url.to_string(),
                rev: rev.to_string(),
                now,
                locked: commit.to_string(),
            }),
            Some((kind, _)) => Ok(Resolved {
                commit: commit.to_string(),
                kind,
            }),
            None if git::is_full_sha(rev) && rev != commit => Err(PackError::Locked(format!(
                "pack {url}: {LOCK_FILE} locks {commit} for rev {rev}; run `guardrail packs update`"
            ))),
            None if fetched && !git::is_full_sha(rev) => Err(PackError::RevNotFound {
                url: url.to_string(),
                rev: rev.to_string(),
            }),
            None => Ok(Resolved {
                commit: commit.to_string(),
                kind: if git::is_full_sha(rev) {
                    RevKind::Commit
                } else {
                    RevKind::Branch
                },
            }),
        };
    }
    // No lock: tags and commits are immutable enough to take from the cache; fetch otherwise.
    let mut found = cache.lookup(url, rev);
    if found.is_none() && !fetched {
        if mode.offline {
            return Err(not_cached());
        }
        cache.fetch(url)?;
        found = cache.lookup(url, rev);
    }
    if found.is_none() && git::is_full_sha(rev) && !mode.offline {
        let _ = cache.fetch_commit(url, rev);
        found = cache.lookup(url, rev);
    }
    let Some((kind, commit)) = found else {
        return Err(if mode.offline {
            not_cached()
        } else {
            PackError::RevNotFound {
                url: url.to_string(),
                rev: rev.to_string(),
            }
        });
    };
    if kind == RevKind::Branch && !mode.update {
        return Err(PackError::BranchNeedsLock {
            url: url.to_string(),
            rev: rev.to_string(),
        });
    }
    Ok(Resolved { commit, kind })
}
