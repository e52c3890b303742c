//! The fixture runner behind `guardrail test`: each `fixtures/<check-id>/` directory is
//! scanned with only that check, and findings are compared with the `# expect:` comments
//! and `.expect` sidecar files (JSON has no comments; a heredoc cannot hold one). Pass files
//! must produce nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::checks::{Catalog, LOCAL_PACK};
use crate::config::CONFIG_FILE;
use crate::diagnostics;
use crate::engine::{scan, ScanOptions, ScanResult, Source};
use crate::federation::{Federation, FederationError, FederationOptions};
use crate::findings::FindingKind;
use crate::model::{Framework, Span};
use crate::packs::{LoadedPack, PackSource, PackSpec, MANIFEST_FILE};
use crate::parse::Limits;
use crate::scope::display_path;

/// A mismatch between fixtures and what their check reported.
#[derive(Debug, Clone)]
pub struct Problem {
    /// One line: `path:line:col: unexpected finding …`.
    pub text: String,
    /// The rustc-style headline (`unexpected finding `x``).
    pub title: String,
    /// Where, in the directory's scan: (source index, span, label).
    pub at: Option<(usize, Span, String)>,
}

impl Problem {
    fn plain(text: String) -> Problem {
        Problem {
            title: text.clone(),
            text,
            at: None,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expectation {
    pub file: String,
    pub line: usize,
    pub column: Option<usize>,
    pub check: String,
}

/// The result of one fixture directory.
#[derive(Debug, Default)]
pub struct DirReport {
    pub check: String,
    pub problems: Vec<Problem>,
    pub findings: usize,
    /// The scan of the fixture directory, for reports.
    pub result: ScanResult,
}

/// Appends one scan's sources and findings to another (for a report over many fixture runs).
pub fn merge_into(into: &mut ScanResult, mut from: ScanResult) {
    let offset = into.sources.len();
    for f in &mut from.findings {
        f.file += offset;
        for r in &mut f.secondary {
            r.file += offset;
        }
    }
    for r in &mut from.resources {
        r.file += offset;
        for c in &mut r.context {
            c.0 += offset;
        }
    }
    for s in &mut from.suppressed {
        s.finding.file += offset;
        if let Some(at) = &mut s.by.at {
            at.0 += offset;
        }
    }
    into.sources.append(&mut from.sources);
    into.findings.append(&mut from.findings);
    into.suppressed.append(&mut from.suppressed);
    into.resources.append(&mut from.resources);
    into.notes.append(&mut from.notes);
    into.errors.append(&mut from.errors);
    into.summary.files_scanned += from.summary.files_scanned;
    into.summary.files_not_iac += from.summary.files_not_iac;
    into.summary.resources += from.summary.resources;
    into.summary.bytes += from.summary.bytes;
}

/// Parses `expect:` comments in a source text (`# expect: id`, `// expect: id@col`).
pub fn parse_expect_comments(file: &str, text: &str) -> Vec<Expectation> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("expect:") else {
            continue;
        };
        let before = line[..pos].trim_end();
        if !(before.ends_with('#') || before.ends_with("//")) {
            continue;
        }
        for tok in line[pos + "expect:".len()..].split(|c: char| c.is_whitespace() || c == ',') {
            if tok.is_empty() {
                continue;
            }
            let (check, column) = match tok.split_once('@') {
                Some((c, col)) => (c, col.parse().ok()),
                None => (tok, None),
            };
            out.push(Expectation {
                file: file.to_string(),
                line: i + 1,
                column,
                check: check.to_string(),
            });
        }
    }
    out
}

/// Parses a `.expect` sidecar: `LINE[:COLUMN] check-id` per line.
pub fn parse_sidecar(file: &str, text: &str) -> Vec<Expectation> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let pos = parts.next()?;
            let check = parts.next()?.to_string();
            let (line, column) = match pos.split_once(':') {
                Some((l, c)) => (l.parse().ok()?, c.parse().ok()),
                None => (pos.parse().ok()?, None),
            };
            Some(Expectation {
                file: file.to_string(),
                line,
                column,
                check,
            })
        })
        .collect()
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            fixture_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Runs one check's fixture directory.
pub fn run_check_dir(
    dir: &Path,
    check_id: &str,
    catalog: &Catalog,
    cwd: &Path,
    root: &Path,
) -> DirReport {
    let mut rep = DirReport {
        check: check_id.to_string(),
        ..Default::default()
    };
    let Some(check) = catalog.get(check_id).cloned() else {
        rep.problems.push(Problem::plain(format!(
            "{}: no check with id `{check_id}`",
            dir.display()
        )));
        return rep;
    };
    let only = Catalog::new(vec![check.clone()]);
    let result = scan(
        &ScanOptions {
            paths: vec![dir.to_path_buf()],
            ..Default::default()
        },
        &only,
        cwd,
        root,
    );
    for e in &result.errors {
        rep.problems.push(Problem::plain(e.clone()));
    }
    let mut files = Vec::new();
    fixture_files(dir, &mut files);
    let mut expected: Vec<Expectation> = Vec::new();
    let mut coverage: BTreeSet<(Framework, bool)> = BTreeSet::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.ends_with(".expect") {
            continue;
        }
        let is_fail = name.starts_with("fail");
        let is_pass = name.starts_with("pass");
        let display = display_path(f, root, cwd);
        let Some(src) = result.sources.iter().find(|s| s.path == display) else {
            if is_fail || is_pass {
                if let Some(n) = result.notes.iter().find(|n| n.path == display) {
                    rep.problems.push(Problem::plain(format!(
                        "{display}: not scanned: {}",
                        n.message
                    )));
                } else if crate::scope::classify(&name).is_some() {
                    rep.problems.push(Problem::plain(format!(
                        "{display}: not recognised as Terraform, Kubernetes or CloudFormation"
                    )));
                }
            }
            continue;
        };
        let Some(fw) = src.framework else {
            if is_fail || is_pass {
                rep.problems.push(Problem::plain(format!(
                    "{display}: not recognised as Terraform, Kubernetes or CloudFormation"
                )));
            }
            continue;
        };
        // JSON has no comments; other formats may use a sidecar too, for lines where a
        // comment would change the value (inside a heredoc).
        let sidecar = f.with_file_name(format!("{name}.expect"));
        let mut exp = crate::scope::read::read_own_file(&sidecar)
            .map(|t| parse_sidecar(&display, &t))
            .unwrap_or_default();
        if !name.ends_with(".json") {
            exp.extend(parse_expect_comments(&display, &src.text));
        }
        if is_pass && !exp.is_empty() {
            rep.problems.push(Problem::plain(format!(
                "{display}: a pass file must not carry expectations"
            )));
        }
        if is_fail && exp.is_empty() && !name.ends_with(".tfvars") {
            rep.problems.push(Problem::plain(format!(
                "{display}: a fail file needs at least one `expect:`"
            )));
        }
        if is_fail || is_pass {
            coverage.insert((fw, is_fail));
        }
        expected.append(&mut exp);
    }
    for fw in check.frameworks() {
        for (fail, word) in [(true, "fail"), (false, "pass")] {
            if !coverage.contains(&(fw, fail)) {
                rep.problems.push(Problem::plain(format!(
                    "{}: no {word} fixture for {}",
                    dir.display(),
                    fw.as_str()
                )));
            }
        }
    }
    let mut matched = vec![false; expected.len()];
    for f in result
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Unknown)
    {
        rep.findings += 1;
        let src = &result.sources[f.file];
        let (line, col) = src.position(f.span.start);
        let hit = expected.iter().enumerate().position(|(i, e)| {
            !matched[i]
                && e.file == src.path
                && e.line == line
                && e.check == f.check_id
                && e.column.is_none_or(|c| c == col)
        });
        match hit {
            Some(i) => matched[i] = true,
            None => rep.problems.push(Problem {
                text: format!(
                    "{}:{line}:{col}: unexpected finding {} ({}) on {}",
                    src.path, f.check_id, f.label, f.resource
                ),
                title: format!("unexpected finding `{}` on {}", f.check_id, f.resource),
                at: Some((f.file, f.span, f.label.clone())),
            }),
        }
    }
    for (i, e) in expected.iter().enumerate() {
        if !matched[i] {
            let col = e.column.map(|c| format!("@{c}")).unwrap_or_default();
            let at = result
                .sources
                .iter()
                .position(|s| s.path == e.file)
                .map(|si| {
                    let s = &result.sources[si];
                    let start = s
                        .lines
                        .line_start(e.line.saturating_sub(1))
                        .min(s.text.len());
                    let end = s.text[start..]
                        .find(['\n', '\r'])
                        .map(|x| start + x)
                        .unwrap_or(s.text.len());
                    let label = format!("`{}{col}` expected on this line", e.check);
                    (si, Span::new(start, end), label)
                });
            rep.problems.push(Problem {
                text: format!("{}:{}: missing finding {}{col}", e.file, e.line, e.check),
                title: format!("missing finding `{}`", e.check),
                at,
            });
        }
    }
    rep.result = result;
    rep
}

/// Finds fixture directories: `dir` itself when it is named after a check, else its
/// sub-directories (except those whose name starts with `_`).
pub fn fixture_dirs(dir: &Path, catalog: &Catalog) -> Vec<(PathBuf, String)> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if catalog.get(&name).is_some() {
        return vec![(dir.to_path_buf(), name)];
    }
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        paths.sort();
        for p in paths {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            // `_name/` holds shared test trees, not a check's fixtures.
            if n.starts_with('_') {
                continue;
            }
            out.push((p, n));
        }
    }
    out
}

/// Renders a directory's problems rustc-style: the source lines with the unexpected finding
/// or the unmet expectation underlined.
pub fn render_problems(rep: &DirReport, color: bool) -> String {
    let mut out = String::new();
    for p in &rep.problems {
        match &p.at {
            Some((file, span, label)) if *file < rep.result.sources.len() => {
                let src = &rep.result.sources[*file];
                out.push_str(&crate::report::human::snippet(
                    src, *span, &p.title, label, color,
                ));
            }
            _ => out.push_str(&format!("error: {}", p.text)),
        }
        out.push('\n');
    }
    out
}

/// What `guardrail test DIR` runs: checks and the fixtures they are tested against.
pub struct Suite {
    /// What is tested (a pack's name, `local`, or the fixture directory).
    pub label: String,
    pub catalog: Catalog,
    pub fixtures: PathBuf,
    /// Checks that must each have a fixture directory (a pack's or the repository's own).
    pub owned: Option<BTreeSet<String>>,
    /// Check files that did not compile: a failure each, rendered rustc-style.
    pub invalid: Vec<(Source, Span, String)>,
}

fn invalid_from(fed: &Federation) -> Vec<(Source, Span, String)> {
    fed.pending
        .iter()
        .filter(|p| p.diagnostic.id == diagnostics::CHECK_INVALID.id)
        .map(|p| {
            let (display, text) = &fed.aux[p.file];
            (
                Source::auxiliary(display.clone(), text.clone()),
                p.span,
                p.label.clone(),
            )
        })
        .collect()
}

/// The suites for `guardrail test [DIR…]`: a directory with `guardrail-pack.yaml` tests that
/// pack's checks against its fixtures, one with `.guardrail.yaml` the repository's own checks,
/// any other directory is a fixture tree for the checks the current configuration loads.
/// Without a directory: the pack or repository in the current directory, else `fixtures`.
pub fn suites(dirs: &[PathBuf], opts: &FederationOptions) -> Result<Vec<Suite>, FederationError> {
    let cwd = &opts.cwd;
    let dirs: Vec<PathBuf> = if !dirs.is_empty() {
        dirs.to_vec()
    } else if cwd.join(MANIFEST_FILE).is_file()
        || opts.config.is_some()
        || crate::config::discover(cwd, &opts.root)
            .is_some_and(|p| p.parent() == Some(cwd.as_path()))
    {
        vec![cwd.clone()]
    } else {
        vec![PathBuf::from("fixtures")]
    };
    let mut out = Vec::new();
    for d in dirs {
        let abs = cwd.join(&d);
        if abs.join(MANIFEST_FILE).is_file() {
            let spec = PackSpec {
                source: PackSource::Path { dir: abs.clone() },
                span: None,
                required: false,
            };
            let pack = LoadedPack::from_dir(spec, &abs, &Limits::default(), cwd, &opts.root)?;
            let manifest = pack
                .manifest
                .as_ref()
                .expect("a directory pack has a manifest");
            let mut invalid = Vec::new();
            for bad in &pack.invalid {
                let src = Source::auxiliary(bad.display.clone(), bad.text.clone());
                for e in &bad.errors {
                    let start = src
                        .lines
                        .line_start(e.line.saturating_sub(1))
                        .min(src.text.len());
                    let end = src.text[start..]
                        .find(['\n', '\r'])
                        .map(|x| start + x)
                        .unwrap_or(src.text.len());
                    let at = src.text[start..end]
                        .char_indices()
                        .nth(e.column.saturating_sub(1))
                        .map(|(i, _)| start + i)
                        .unwrap_or(start);
                    invalid.push((
                        Source::auxiliary(bad.display.clone(), bad.text.clone()),
                        Span::new(at, end),
                        e.message.clone(),
                    ));
                }
            }
            out.push(Suite {
                label: format!("{} {}", pack.name, pack.version),
                owned: Some(pack.checks.iter().map(|c| c.id.clone()).collect()),
                fixtures: manifest.fixtures_dir.clone(),
                catalog: Catalog::new(pack.checks),
                invalid,
            });
        } else if abs.join(CONFIG_FILE).is_file() || (opts.config.is_some() && abs == *cwd) {
            let config = opts
                .config
                .clone()
                .filter(|_| !abs.join(CONFIG_FILE).is_file())
                .unwrap_or_else(|| abs.join(CONFIG_FILE));
            let fed = Federation::load(&FederationOptions {
                config: Some(config),
                ..opts.clone()
            })?;
            let cfg = fed.config.as_ref().expect("loaded from a file");
            let checks_dir = cfg
                .checks
                .clone()
                .unwrap_or_else(|| cfg.dir.join(".guardrail/checks"));
            let fixtures = cfg.fixtures.clone().unwrap_or_else(|| {
                checks_dir
                    .parent()
                    .map(|p| p.join("fixtures"))
                    .unwrap_or_else(|| cfg.dir.join("fixtures"))
            });
            let owned: BTreeSet<String> = fed
                .catalog
                .checks
                .iter()
                .filter(|c| c.origin.pack == LOCAL_PACK)
                .map(|c| c.id.clone())
                .collect();
            let invalid = invalid_from(&fed);
            out.push(Suite {
                label: format!("{} ({LOCAL_PACK} checks)", cfg.display),
                owned: Some(owned),
                fixtures,
                invalid,
                catalog: fed.catalog,
            });
        } else {
            let fed = Federation::load(opts)?;
            out.push(Suite {
                label: d.display().to_string(),
                invalid: invalid_from(&fed),
                catalog: fed.catalog,
                fixtures: d,
                owned: None,
            });
        }
    }
    Ok(out)
}
