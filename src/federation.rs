//! Federation: the configuration, its packs (plus `--require-pack`) and the repository's own
//! checks, assembled into the catalog a scan runs and the policy the filter stage applies.
//!
//! Precedence: checks come from every pack and the local folder (a duplicate id is an error);
//! pack severity changes apply in pack order, then the configuration's; the configuration may
//! add checks, raise severities, disable or waive checks, except *enforced* ones: such a
//! change does not take effect and becomes a `waiver-not-allowed` finding at the place it is
//! written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::checks::{Catalog, Check, Origin, LOCAL_PACK};
use crate::config::{self, Config, ConfigError};
use crate::diagnostics::{self, Diagnostic};
use crate::model::{LineIndex, Span};
use crate::packs::{
    self, GitCache, LoadedPack, Lock, LockEntry, PackError, PackSource, PackSpec, ResolveMode,
    WaiverRules, LOCK_FILE,
};
use crate::parse::Limits;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct FederationOptions {
    /// `--config FILE`; else `.guardrail.yaml` is looked for from `cwd` up to `root`.
    pub config: Option<PathBuf>,
    /// `--require-pack URL@REV` (or a directory).
    pub require_packs: Vec<String>,
    /// A missing or stale `.guardrail.lock` is an error.
    pub locked: bool,
    /// Use only the pack cache.
    pub offline: bool,
    /// `packs update`: fetch every git pack and resolve it afresh.
    pub update: bool,
    pub cwd: PathBuf,
    pub root: PathBuf,
}

/// Why the checks could not be assembled (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("duplicate check id `{id}`: {first} and {second}")]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
}

/// A built-in diagnostic found while loading, in a file the scan does not read (the
/// configuration, a pack manifest, a check file); the filter stage adds it to the report.
#[derive(Debug, Clone)]
pub struct Pending {
    pub diagnostic: &'static Diagnostic,
    /// Index into [`Federation::aux`].
    pub file: usize,
    pub span: Span,
    pub message: String,
    pub label: String,
    /// Keeps the fingerprint stable when lines move.
    pub key: String,
}

/// Everything a scan needs beyond the files: checks, enforced ids, waivers and their rules.
#[derive(Debug)]
pub struct Federation {
    pub config: Option<Config>,
    pub packs: Vec<LoadedPack>,
    /// The repository's own checks folder and how many checks it holds.
    pub local: Option<(PathBuf, usize)>,
    /// The checks that run.
    pub catalog: Catalog,
    /// Every check id that exists (including disabled ones), for validating waivers.
    pub known: BTreeSet<String>,
    /// The strictest waiver rules of all packs.
    pub rules: WaiverRules,
    /// Files diagnostics may point into: (display path, text).
    pub aux: Vec<(String, String)>,
    pub pending: Vec<Pending>,
    /// Notes for stderr (an unlocked pack, a pack enforcing an unknown id).
    pub notices: Vec<String>,
    /// The lock file beside the configuration.
    pub lock_path: Option<PathBuf>,
    /// What the configuration's git packs resolved to (what `packs update` writes).
    pub lock_entries: Vec<LockEntry>,
}

impl Federation {
    /// Loads the configuration, packs and local checks.
    pub fn load(opts: &FederationOptions) -> Result<Federation, FederationError> {
        let config = match &opts.config {
            Some(p) => Some(Config::load(p, &opts.cwd, &opts.root)?),
            None => config::discover(&opts.cwd, &opts.root)
                .map(|p| Config::load(&p, &opts.cwd, &opts.root))
                .transpose()?,
        };
        let mut fed = Federation {
            config: None,
            packs: vec![],
            local: None,
            catalog: Catalog::default(),
            known: BTreeSet::new(),
            rules: WaiverRules::default(),
            aux: vec![],
            pending: vec![],
            notices: vec![],
            lock_path: config.as_ref().map(|c| c.dir.join(LOCK_FILE)),
            lock_entries: vec![],
        };
        let mut specs: Vec<PackSpec> = config
            .as_ref()
            .and_then(|c| c.packs.clone())
            .unwrap_or_else(|| {
                vec![PackSpec {
                    source: PackSource::Builtin,
                    span: None,
                    required: false,
                }]
            });
        for r in &opts.require_packs {
            let req = PackSpec::required(r, &opts.cwd)?;
            // A required pack replaces the configuration's entry for the same pack.
            specs.retain(|s| {
                let same = match (&s.source, &req.source) {
                    (PackSource::Git { url: a, rev: ra }, PackSource::Git { url: b, rev: rb })
                        if a == b =>
                    {
                        if ra != rb {
                            fed.notices.push(format!(
                                "--require-pack {b}@{rb} replaces the configuration's {a}@{ra}"
                            ));
                        }
                        true
                    }
                    _ => false,
                };
                !same
            });
            specs.push(req);
        }
        fed.load_packs(specs, config.as_ref(), opts)?;
        fed.config = config;
        fed.assemble(opts)?;
        Ok(fed)
    }

    fn load_packs(
        &mut self,
        specs: Vec<PackSpec>,
        config: Option<&Config>,
        opts: &FederationOptions,
    ) -> Result<(), FederationError> {
        let lock = match (&self.lock_path, opts.update) {
            (Some(p), false) => Lock::read(p)?,
            _ => None,
        };
        let config_git: Vec<(String, String)> = specs
            .iter()
            .filter(|s| !s.required)
            .filter_map(|s| match &s.source {
                PackSource::Git { url, rev } => Some((url.clone(), rev.clone())),
                _ => None,
            })
            .collect();
        if !opts.update && !config_git.is_empty() {
            match &lock {
                None if opts.locked => {
                    return Err(PackError::Locked(format!(
                        "--locked: there is no {LOCK_FILE}; run `guardrail packs update` and commit it"
                    ))
                    .into())
                }
                None => self.notices.push(format!(
                    "no {LOCK_FILE}: git packs were resolved for this run only; run `guardrail packs update` to pin them"
                )),
                Some(l) => {
                    let missing: Vec<String> = config_git
                        .iter()
                        .filter(|(u, r)| l.find(u, r).is_none())
                        .map(|(u, r)| format!("{u}@{r}"))
                        .collect();
                    let extra: Vec<String> = l
                        .packs
                        .iter()
                        .filter(|e| !config_git.iter().any(|(u, r)| *u == e.url && *r == e.rev))
                        .map(|e| format!("{}@{}", e.url, e.rev))
                        .collect();
                    if !missing.is_empty() || !extra.is_empty() {
                        let mut why = Vec::new();
                        if !missing.is_empty() {
                            why.push(format!("not locked: {}", missing.join(", ")));
                        }
                        if !extra.is_empty() {
                            why.push(format!("no longer configured: {}", extra.join(", ")));
                        }
                        let msg = format!(
                            "{LOCK_FILE} is out of date ({}); run `guardrail packs update`",
                            why.join("; ")
                        );
                        if opts.locked {
                            return Err(PackError::Locked(format!("--locked: {msg}")).into());
                        }
                        self.notices.push(msg);
                    }
                }
            }
        }
        let base = config
            .map(|c| c.dir.clone())
            .unwrap_or_else(|| opts.cwd.clone());
        let limits = config.map(|c| c.limits.clone()).unwrap_or_default();
        let mut cache: Option<GitCache> = None;
        for spec in specs {
            let pack = match spec.source.clone() {
                PackSource::Builtin => LoadedPack::builtin(spec),
                PackSource::Path { dir } => {
                    let dir = base.join(dir);
                    LoadedPack::from_dir(spec, &dir, &limits, &opts.cwd, &opts.root)?
                }
                PackSource::Git { url, rev } => {
                    if cache.is_none() {
                        cache = Some(GitCache::standard()?);
                    }
                    let cache = cache.as_ref().expect("set above");
                    let entry = if spec.required {
                        None
                    } else {
                        lock.as_ref().and_then(|l| l.find(&url, &rev))
                    };
                    let mode = ResolveMode {
                        offline: opts.offline,
                        update: opts.update,
                    };
                    let resolved = packs::resolve_git(cache, &url, &rev, entry, mode)?;
                    let dir = cache.materialize(&url, &resolved.commit)?;
                    let mut pack =
                        LoadedPack::from_dir(spec, &dir, &limits, &opts.cwd, &opts.root)?;
                    pack.commit = Some(resolved.commit.clone());
                    pack.rev_kind = Some(resolved.kind);
                    if !pack.spec.required {
                        self.lock_entries.push(LockEntry {
                            url,
                            rev,
                            commit: resolved.commit,
                            name: pack.name.clone(),
                            version: pack.version.clone(),
                        });
                    }
                    pack
                }
            };
            self.packs.push(pack);
        }
        Ok(())
    }

    fn aux_index(&mut self, display: &str, text: &str) -> usize {
        if let Some(i) = self.aux.iter().position(|(d, _)| d == display) {
            return i;
        }
        self.aux.push((display.to_string(), text.to_string()));
        self.aux.len() - 1
    }

    fn pend(
        &mut self,
        diagnostic: &'static Diagnostic,
        (display, text): (&str, &str),
        span: Span,
        message: String,
        label: String,
    ) {
        let file = self.aux_index(display, text);
        let key = format!("{message}|{}", text.get(span.start..span.end).unwrap_or(""));
        self.pending.push(Pending {
            diagnostic,
            file,
            span,
            message,
            label,
            key,
        });
    }

    fn assemble(&mut self, opts: &FederationOptions) -> Result<(), FederationError> {
        let mut checks: Vec<Check> = Vec::new();
        let mut invalid = Vec::new();
        let mut enforced: BTreeMap<String, String> = BTreeMap::new();
        for p in &mut self.packs {
            checks.append(&mut p.checks);
            invalid.append(&mut p.invalid);
            if let Some(m) = &p.manifest {
                self.rules.merge(m.waivers);
                for id in &m.enforced {
                    enforced
                        .entry(id.value.clone())
                        .or_insert_with(|| p.name.clone());
                }
            }
        }
        // Each pack keeps its own checks too, for `packs list`.
        for p in &mut self.packs {
            p.checks = checks
                .iter()
                .filter(|c| c.origin.pack == p.name)
                .cloned()
                .collect();
        }
        if let Some(dir) = self.config.as_ref().and_then(|c| c.checks.clone()) {
            if !dir.is_dir() {
                let c = self.config.as_ref().expect("checked");
                return Err(PackError::NoChecksDir {
                    dir: c.display.clone(),
                    checks: crate::scope::display_path(&dir, &opts.root, &opts.cwd),
                }
                .into());
            }
            let origin = Origin {
                pack: LOCAL_PACK.to_string(),
                version: String::new(),
            };
            let limits = self.limits();
            let (mut local, mut bad) =
                packs::load_checks_dir(&dir, &origin, &limits, &opts.cwd, &opts.root);
            self.local = Some((dir, local.len()));
            checks.append(&mut local);
            invalid.append(&mut bad);
        }
        // Enforced ids the loaded packs lack come from the built-in catalog: a repository
        // cannot escape an enforced built-in check by leaving `builtin` out of its packs.
        let have: BTreeSet<String> = checks.iter().map(|c| c.id.clone()).collect();
        let missing: Vec<(String, String)> = enforced
            .iter()
            .filter(|(id, _)| !have.contains(*id))
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        if !missing.is_empty() {
            let builtin = Catalog::builtin().map(|c| c.checks).unwrap_or_default();
            for (id, pack) in missing {
                match builtin.iter().find(|c| c.id == id) {
                    Some(c) => checks.push(c.clone()),
                    None => {
                        self.notices.push(format!(
                            "pack {pack} enforces `{id}`, which no pack defines"
                        ));
                        enforced.remove(&id);
                    }
                }
            }
        }
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for c in &checks {
            if let Some(first) = seen.insert(c.id.clone(), c.source.clone()) {
                return Err(FederationError::DuplicateId {
                    id: c.id.clone(),
                    first,
                    second: c.source.clone(),
                });
            }
        }
        for bad in invalid {
            let lines = LineIndex::new(&bad.text);
            for e in &bad.errors {
                let span = line_col_span(&bad.text, &lines, e.line, e.column);
                self.pend(
                    &diagnostics::CHECK_INVALID,
                    (&bad.display, &bad.text),
                    span,
                    "check file has an error; this check did not run".into(),
                    e.message.clone(),
                );
            }
        }
        self.known = checks.iter().map(|c| c.id.clone()).collect();

        // Severity: packs in order, then the configuration. Lowering an enforced check is
        // only for the pack that enforces it.
        let manifests: Vec<(String, packs::Manifest)> = self
            .packs
            .iter()
            .filter_map(|p| p.manifest.clone().map(|m| (p.name.clone(), m)))
            .collect();
        for (pack, m) in &manifests {
            let (display, text) = (m.display.as_str(), m.text.as_str());
            for (id, sev) in m.severity.iter().cloned() {
                let Some(c) = checks.iter_mut().find(|c| c.id == id.value) else {
                    self.notices.push(format!(
                        "pack {pack} sets the severity of `{}`, which no pack defines",
                        id.value
                    ));
                    continue;
                };
                match enforced.get(&id.value) {
                    Some(by) if by != pack && sev < c.severity => {
                        let msg = format!(
                            "`{}` is enforced by pack {by}: its severity cannot be lowered",
                            id.value
                        );
                        let label = format!("lowers {} to {}", c.severity.as_str(), sev.as_str());
                        self.pend(
                            &diagnostics::WAIVER_NOT_ALLOWED,
                            (display, text),
                            id.span,
                            msg,
                            label,
                        );
                    }
                    _ => c.severity = sev,
                }
            }
        }
        let mut disabled: BTreeSet<String> = BTreeSet::new();
        if let Some(cfg) = self.config.clone() {
            let file = (cfg.display.as_str(), cfg.text.as_str());
            for (id, sev) in &cfg.severity {
                let Some(c) = checks.iter_mut().find(|c| c.id == id.value) else {
                    self.pend(
                        &diagnostics::WAIVER_INVALID,
                        file,
                        id.span,
                        format!("unknown check id `{}`", id.value),
                        "no pack defines this check".into(),
                    );
                    continue;
                };
                match enforced.get(&id.value) {
                    Some(by) if *sev < c.severity => {
                        let msg = format!(
                            "`{}` is enforced by pack {by}: its severity cannot be lowered",
                            id.value
                        );
                        let label = format!("lowers {} to {}", c.severity.as_str(), sev.as_str());
                        self.pend(&diagnostics::WAIVER_NOT_ALLOWED, file, id.span, msg, label);
                    }
                    _ => c.severity = *sev,
                }
            }
            for id in &cfg.disable {
                if !self.known.contains(&id.value) {
                    self.pend(
                        &diagnostics::WAIVER_INVALID,
                        file,
                        id.span,
                        format!("unknown check id `{}`", id.value),
                        "no pack defines this check".into(),
                    );
                } else if let Some(by) = enforced.get(&id.value) {
                    let msg = format!(
                        "`{}` is enforced by pack {by}: it cannot be disabled",
                        id.value
                    );
                    self.pend(
                        &diagnostics::WAIVER_NOT_ALLOWED,
                        file,
                        id.span,
                        msg,
                        "disables an enforced check".into(),
                    );
                } else {
                    disabled.insert(id.value.clone());
                }
            }
        }
        checks.retain(|c| !disabled.contains(&c.id));
        let mut catalog = Catalog::new(checks);
        catalog.enforced = enforced
            .into_iter()
            .filter(|(id, _)| catalog.get(id).is_some())
            .collect();
        self.catalog = catalog;
        Ok(())
    }

    /// Exclusion globs: the configuration's, plus guardrail's own files, which are not
    /// infrastructure: the configuration, the baseline, and the repository's checks folder
    /// and fixtures (fixtures fail on purpose). Relative to the report root.
    pub fn excludes(&self, cwd: &Path, root: &Path) -> Vec<String> {
        let mut out = vec![
            config::CONFIG_FILE.to_string(),
            crate::baseline::BASELINE_FILE.to_string(),
        ];
        let Some(c) = &self.config else {
            return out;
        };
        out.extend(c.exclude.iter().cloned());
        let checks = c.checks.clone();
        let fixtures = c.fixtures.clone().or_else(|| {
            checks
                .as_ref()
                .and_then(|d| d.parent().map(|p| p.join("fixtures")))
        });
        for dir in [checks, fixtures].into_iter().flatten() {
            if dir.starts_with(root) {
                let d = crate::scope::display_path(&dir, root, cwd);
                if !d.is_empty() {
                    out.push(format!("{d}/**"));
                }
            }
        }
        if let Some(b) = &c.baseline {
            if b.starts_with(root) {
                out.push(crate::scope::display_path(b, root, cwd));
            }
        }
        out
    }

    /// `fail-on` of the configuration.
    pub fn fail_on(&self) -> Option<&str> {
        self.config
            .as_ref()
            .and_then(|c| c.fail_on.as_ref())
            .map(|s| s.value.as_str())
    }

    /// The configuration's `limits:` (defaults without a configuration).
    pub fn limits(&self) -> Limits {
        self.config
            .as_ref()
            .map(|c| c.limits.clone())
            .unwrap_or_default()
    }

    /// The configured baseline file.
    pub fn baseline(&self) -> Option<&Path> {
        self.config.as_ref().and_then(|c| c.baseline.as_deref())
    }

    /// The lock file text for the resolved git packs.
    pub fn lock_text(&self) -> String {
        Lock {
            version: 1,
            packs: self.lock_entries.clone(),
        }
        .to_text()
    }
}

/// The span from a 1-based line and column to the end of that line.
fn line_col_span(text: &str, lines: &LineIndex, line: usize, column: usize) -> Span {
    let start = lines.line_start(line.saturating_sub(1)).min(text.len());
    let end = text[start..]
        .find(['\n', '\r'])
        .map(|e| start + e)
        .unwrap_or(text.len());
    let at = text[start..end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| start + i)
        .unwrap_or(end);
    let end = if end > at { end } else { at };
    Span::new(at, end)
}
