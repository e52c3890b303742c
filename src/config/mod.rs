//! `.guardrail.yaml`: which packs a repository uses, its own checks, exclusions, the failure
//! threshold, disabled checks, severity changes, waivers and the baseline. Found by walking up
//! from the current directory to the git top-level, or named with `--config`. Relative paths
//! in it are relative to the file's directory.

/// Typed, located reading of small YAML files.
pub mod reader;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

pub use reader::{Located, Reader, Spanned};

use crate::checks::Severity;
use crate::model::{Node, Span, Value};
use crate::packs::{PackSource, PackSpec};
use crate::parse::Limits;

/// The configuration file's name.
pub const CONFIG_FILE: &str = ".guardrail.yaml";

/// Why a configuration (or pack manifest) could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Located>),
}

/// A waiver written in the configuration.
#[derive(Debug, Clone)]
pub struct ConfigWaiver {
    /// The check id, where it is written.
    pub check: Spanned<String>,
    /// Globs over paths relative to the configuration's directory (empty: any path).
    pub paths: Vec<String>,
    pub path_set: GlobSet,
    /// Resource addresses (globs; empty: any resource).
    pub resources: Vec<String>,
    pub resource_set: GlobSet,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<String>,
    /// The whole waiver entry.
    pub span: Span,
}

/// A parsed `.guardrail.yaml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file, as given or found.
    pub path: PathBuf,
    /// The path as reports show it (relative to the report root).
    pub display: String,
    /// The directory relative paths in the file start from.
    pub dir: PathBuf,
    /// `dir` relative to the report root, with `/` and a trailing `/` (empty at the root).
    pub dir_prefix: String,
    pub text: String,
    /// `None`: the key is absent, which means `[builtin]`.
    pub packs: Option<Vec<PackSpec>>,
    /// The repository's own checks folder.
    pub checks: Option<PathBuf>,
    /// Fixtures of the repository's own checks (default: `fixtures` beside the checks folder).
    pub fixtures: Option<PathBuf>,
    /// Exclusion globs, relative to the report root.
    pub exclude: Vec<String>,
    pub fail_on: Option<Spanned<String>>,
    pub disable: Vec<Spanned<String>>,
    /// (check id, new severity, span of the whole entry).
    pub severity: Vec<(Spanned<String>, Severity)>,
    pub waivers: Vec<ConfigWaiver>,
    pub baseline: Option<PathBuf>,
    /// `limits:`: bounds on the work one file or check may cause (defaults where absent).
    pub limits: Limits,
}

const KEYS: &[&str] = &[
    "packs", "checks", "fixtures", "exclude", "fail-on", "disable", "severity", "waivers",
    "baseline", "limits",
];
const WAIVER_KEYS: &[&str] = &["check", "paths", "resources", "reason", "owner", "expires"];

/// The configuration file for a run started in `cwd`: the nearest `.guardrail.yaml` from
/// `cwd` up to `root` (the git top-level, or `cwd` itself outside a repository).
pub fn discover(cwd: &Path, root: &Path) -> Option<PathBuf> {
    for dir in cwd.ancestors() {
        let p = dir.join(CONFIG_FILE);
        if p.is_file() {
            return Some(p);
        }
        if dir == root {
            break;
        }
    }
    None
}

/// Compiles waiver path globs: `*` stays within one directory, `**` crosses directories, and
/// a glob without `/` matches a file name at any depth (`*.tf`).
pub fn path_glob_set(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(GlobBuilder::new(g).literal_separator(true).build()?);
        if !g.contains('/') {
            b.add(
                GlobBuilder::new(&format!("**/{g}"))
                    .literal_separator(true)
                    .build()?,
            );
        }
    }
    b.build()
}

/// Compiles resource address globs (`aws_s3_bucket.old_*`, `Deployment/prod/*`): `*` matches
/// any characters.
pub fn address_glob_set(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(GlobBuilder::new(g).literal_separator(false).build()?);
    }
    b.build()
}

impl Config {
    /// Reads and checks a configuration file. `root` is the report root (paths in reports are
    /// relative to it).
    pub fn load(path: &Path, cwd: &Path, root: &Path) -> Result<Config, ConfigError> {
        let display = crate::scope::display_path(path, root, cwd);
        let text = crate::scope::read::read_own_file(path).map_err(|source| ConfigError::Read {
            path: display.clone(),
            source,
        })?;
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir_display = crate::scope::display_path(&dir, root, cwd);
        let dir_prefix = if dir_display.is_empty() || dir_display == "." {
            String::new()
        } else {
            format!("{}/", dir_display.trim_end_matches('/'))
        };
        let mut cfg = Config::parse(display, text, dir, dir_prefix)?;
        cfg.path = abs;
        Ok(cfg)
    }

    /// Parses configuration text.
    pub fn parse(
        display: String,
        text: String,
        dir: PathBuf,
        dir_prefix: String,
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config {
            path: dir.join(CONFIG_FILE),
            display,
            dir,
            dir_prefix,
            text: String::new(),
            packs: None,
            checks: None,
            fixtures: None,
            exclude: vec![],
            fail_on: None,
            disable: vec![],
            severity: vec![],
            waivers: vec![],
            baseline: None,
            limits: Limits::default(),
        };
        let mut r = Reader::new(&cfg.display, &text);
        if let Some(root) = r.root() {
            if let Some(m) = r.map(&root, "the configuration") {
                r.known_keys(m, KEYS, "the configuration");
                for (k, v) in m {
                    match k.name.as_str() {
                        "packs" => cfg.packs = Some(packs(&mut r, v)),
                        "checks" => cfg.checks = r.string(v, "checks").map(|s| cfg.dir.join(s)),
                        "fixtures" => {
                            cfg.fixtures = r.string(v, "fixtures").map(|s| cfg.dir.join(s))
                        }
                        "baseline" => {
                            cfg.baseline = r.string(v, "baseline").map(|s| cfg.dir.join(s))
                        }
                        "exclude" => {
                            for g in r.strings(v, "exclude") {
                                match Glob::new(&g.value) {
                                    Ok(_) => {
                                        cfg.exclude.push(format!("{}{}", cfg.dir_prefix, g.value))
                                    }
                                    Err(e) => r.err(g.span, format!("invalid glob: {e}")),
                                }
                            }
                        }
                        "fail-on" => {
                            if let Some(s) = r.spanned(v, "fail-on") {
                                if s.value != "none" && Severity::parse(&s.value).is_none() {
                                    r.err(s.span, format!("unknown severity `{}` (critical, high, medium, low, info, none)", s.value));
                                }
                                cfg.fail_on = Some(s);
                            }
                        }
                        "disable" => cfg.disable = r.strings(v, "disable"),
                        "severity" => {
                            if let Some(sm) = r.map(v, "`severity`") {
                                for (id, sev) in sm {
                                    let Some(text) = r.string(sev, "severity") else {
                                        continue;
                                    };
                                    match Severity::parse(&text) {
                                        Some(s) => cfg.severity.push((
                                            Spanned { value: id.name.clone(), span: Span::new(id.span.start, sev.span.end) },
                                            s,
                                        )),
                                        None => r.err(sev.span, format!("unknown severity `{text}` (critical, high, medium, low, info)")),
                                    }
                                }
                            }
                        }
                        "limits" => cfg.limits = limits(&mut r, v),
                        "waivers" => match &v.value {
                            Value::List(items) => {
                                for it in items {
                                    if let Some(w) = waiver(&mut r, it) {
                                        cfg.waivers.push(w);
                                    }
                                }
                            }
                            Value::Null => {}
                            _ => r.err(v.span, "`waivers` must be a list"),
                        },
                        _ => {}
                    }
                }
            }
        }
        if !r.errors.is_empty() {
            return Err(ConfigError::Invalid(r.errors));
        }
        cfg.text = text;
        Ok(cfg)
    }

    /// `path` (relative to the report root) relative to the configuration's directory, or
    /// `None` when it lies outside it.
    pub fn relative<'p>(&self, path: &'p str) -> Option<&'p str> {
        path.strip_prefix(self.dir_prefix.as_str())
    }
}

fn packs(r: &mut Reader, v: &Node) -> Vec<PackSpec> {
    let mut out = Vec::new();
    let Value::List(items) = &v.value else {
        r.err(v.span, "`packs` must be a list");
        return out;
    };
    for it in items {
        match &it.value {
            Value::String(s) if s == "builtin" => out.push(PackSpec {
                source: PackSource::Builtin,
                span: Some(it.span),
                required: false,
            }),
            Value::Map(m) => {
                r.known_keys(m, &["git", "rev", "path"], "a pack");
                let get = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
                match (get("git"), get("path")) {
                    (Some(g), None) => {
                        let url = r.string(g, "git");
                        let rev = match get("rev") {
                            Some(rv) => r.string(rv, "rev"),
                            None => {
                                r.err(
                                    it.span,
                                    "a git pack needs `rev:` (a tag, or a full commit sha)",
                                );
                                None
                            }
                        };
                        if let (Some(url), Some(rev)) = (url, rev) {
                            if let Err(e) = crate::packs::git::validate_url(&url) {
                                r.err(g.span, e.to_string());
                            }
                            out.push(PackSpec {
                                source: PackSource::Git { url, rev },
                                span: Some(it.span),
                                required: false,
                            });
                        }
                    }
                    (None, Some(p)) => {
                        if get("rev").is_some() {
                            r.err(it.span, "`rev` only applies to git packs");
                        }
                        if let Some(p) = r.string(p, "path") {
                            out.push(PackSpec {
                                source: PackSource::Path {
                                    dir: PathBuf::from(p),
                                },
                                span: Some(it.span),
                                required: false,
                            });
                        }
                    }
                    _ => r.err(
                        it.span,
                        "a pack is `builtin`, `{ git: URL, rev: REV }` or `{ path: DIR }`",
                    ),
                }
            }
            _ => r.err(
                it.span,
                "a pack is `builtin`, `{ git: URL, rev: REV }` or `{ path: DIR }`",
            ),
        }
    }
    out
}

/// `limits: { max-file-size: 20MiB, max-depth: 200, … }`: each a whole number from 1 up to
/// [`Limits::max_of`]; sizes may carry a `KiB`/`MiB`/`GiB` suffix.
fn limits(r: &mut Reader, v: &Node) -> Limits {
    let mut out = Limits::default();
    if matches!(v.value, Value::Null) {
        return out;
    }
    let Some(m) = r.map(v, "`limits`") else {
        return out;
    };
    r.known_keys(m, Limits::KEYS, "`limits`");
    for (k, n) in m {
        if !Limits::KEYS.contains(&k.name.as_str()) {
            continue;
        }
        let max = Limits::max_of(&k.name);
        let value = match &n.value {
            Value::Number(x) if x.fract() == 0.0 && *x >= 1.0 && *x <= max as f64 => {
                Some(*x as u64)
            }
            Value::String(s) if k.name.ends_with("-size") => {
                parse_size(s).filter(|x| (1..=max).contains(x))
            }
            _ => None,
        };
        match value {
            Some(x) => {
                out.set(&k.name, x);
            }
            None => r.err(
                n.span,
                format!(
                    "`{}` takes a whole number from 1 to {max}{}",
                    k.name,
                    if k.name.ends_with("-size") {
                        " (bytes, or with KiB, MiB, GiB)"
                    } else {
                        ""
                    }
                ),
            ),
        }
    }
    out
}

/// `512`, `64KiB`, `10MiB`, `1GiB` (also `KB`/`MB`/`GB`, meaning the same powers of 1024).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "KB" | "K" => 1 << 10,
        "MiB" | "MB" | "M" => 1 << 20,
        "GiB" | "GB" | "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn waiver(r: &mut Reader, it: &Node) -> Option<ConfigWaiver> {
    let m = r.map(it, "a waiver")?;
    r.known_keys(m, WAIVER_KEYS, "a waiver");
    let get = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let Some(check) = get("check").and_then(|c| r.spanned(c, "check")) else {
        if get("check").is_none() {
            r.err(it.span, "a waiver needs `check: <check-id>`");
        }
        return None;
    };
    let globs = |r: &mut Reader, key: &str| -> Vec<String> {
        let list = get(key).map(|v| r.strings(v, key)).unwrap_or_default();
        let mut ok = Vec::new();
        for g in &list {
            match Glob::new(&g.value) {
                Ok(_) => ok.push(g.value.clone()),
                Err(e) => r.err(g.span, format!("invalid glob: {e}")),
            }
        }
        ok
    };
    let paths = globs(r, "paths");
    let path_set = path_glob_set(&paths).unwrap_or_else(|_| GlobSet::empty());
    let resources = globs(r, "resources");
    let resource_set = address_glob_set(&resources).unwrap_or_else(|_| GlobSet::empty());
    let opt = |r: &mut Reader, key: &str| get(key).and_then(|v| r.string(v, key));
    Some(ConfigWaiver {
        check,
        paths,
        path_set,
        resources,
        resource_set,
        reason: opt(r, "reason").filter(|s| !s.trim().is_empty()),
        owner: opt(r, "owner"),
        expires: opt(r, "expires"),
        span: it.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(
            ".guardrail.yaml".into(),
            text.into(),
            PathBuf::from("/repo"),
            String::new(),
        )
    }

    #[test]
    fn full_configuration() {
        let c = parse(
            r#"packs:
  - builtin
  - git: https://example.com/acme/guardrails.git
    rev: v3.2.0
  - path: ../platform-checks
checks: .guardrail/checks
exclude: ["vendor/**"]
fail-on: high
disable: [k8s-missing-probes]
severity: { k8s-image-latest-tag: high }
waivers:
  - check: aws-s3-bucket-logging
    paths: ["legacy/**"]
    resources: ["aws_s3_bucket.old_logs"]
    reason: logs go to the central bucket
    owner: team-storage
    expires: 2027-03-01
"#,
        )
        .unwrap();
        let packs = c.packs.unwrap();
        assert_eq!(packs.len(), 3);
        assert!(
            matches!(&packs[1].source, PackSource::Git { url, rev } if rev == "v3.2.0" && url.ends_with("guardrails.git"))
        );
        assert_eq!(c.checks, Some(PathBuf::from("/repo/.guardrail/checks")));
        assert_eq!(c.exclude, vec!["vendor/**"]);
        assert_eq!(c.fail_on.unwrap().value, "high");
        assert_eq!(c.disable[0].value, "k8s-missing-probes");
        assert_eq!(c.severity[0].1, Severity::High);
        let w = &c.waivers[0];
        assert_eq!(w.expires.as_deref(), Some("2027-03-01"));
        assert!(w.path_set.is_match("legacy/a/main.tf"));
        let star = path_glob_set(&["public/*.tf".into(), "*.json".into()]).unwrap();
        assert!(star.is_match("public/main.tf") && !star.is_match("public/x/main.tf"));
        assert!(star.is_match("a/b/c.json"));
        assert!(w.resource_set.is_match("aws_s3_bucket.old_logs"));
    }

    #[test]
    fn mistakes_are_located() {
        let e = parse("packs:\n  - git: https://x/y.git\nfail-on: severe\nwaivres: []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(".guardrail.yaml:2:5: a git pack needs `rev:`"),
            "{e}"
        );
        assert!(
            e.contains(".guardrail.yaml:3:10: unknown severity `severe`"),
            "{e}"
        );
        assert!(
            e.contains(".guardrail.yaml:4:1: unknown key `waivres`"),
            "{e}"
        );
        let e = parse("packs:\n  - git: \"ext::sh -c touch% /tmp/x\"\n    rev: v1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2:10"), "{e}");
    }
}
