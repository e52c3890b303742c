//! The fixture runner behind `guardrail test`: each `fixtures/<check-id>/` directory is
//! scanned with only that check, and findings are compared with the `# expect:` comments
//! and `.expect` sidecar files (JSON has no comments; a heredoc cannot hold one). Pass files
//! must produce nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::checks::Catalog;
use crate::engine::{scan, ScanOptions, ScanResult};
use crate::findings::FindingKind;
use crate::model::Framework;
use crate::scope::display_path;

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
    pub problems: Vec<String>,
    pub findings: usize,
    /// The scan of the fixture directory, for reports.
    pub result: ScanResult,
}

/// Appends one scan's sources and findings to another (for a report over many fixture runs).
pub fn merge_into(into: &mut ScanResult, mut from: ScanResult) {
    let offset = into.sources.len();
    for f in &mut from.findings {
        f.file += offset;
    }
    into.sources.append(&mut from.sources);
    into.findings.append(&mut from.findings);
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
        rep.problems
            .push(format!("{}: no check with id `{check_id}`", dir.display()));
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
        rep.problems.push(e.clone());
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
                    rep.problems
                        .push(format!("{display}: not scanned: {}", n.message));
                } else if crate::scope::classify(&name).is_some() {
                    rep.problems.push(format!(
                        "{display}: not recognised as Terraform, Kubernetes or CloudFormation"
                    ));
                }
            }
            continue;
        };
        let Some(fw) = src.framework else {
            if is_fail || is_pass {
                rep.problems.push(format!(
                    "{display}: not recognised as Terraform, Kubernetes or CloudFormation"
                ));
            }
            continue;
        };
        // JSON has no comments; other formats may use a sidecar too, for lines where a
        // comment would change the value (inside a heredoc).
        let sidecar = f.with_file_name(format!("{name}.expect"));
        let mut exp = std::fs::read_to_string(&sidecar)
            .map(|t| parse_sidecar(&display, &t))
            .unwrap_or_default();
        if !name.ends_with(".json") {
            exp.extend(parse_expect_comments(&display, &src.text));
        }
        if is_pass && !exp.is_empty() {
            rep.problems.push(format!(
                "{display}: a pass file must not carry expectations"
            ));
        }
        if is_fail && exp.is_empty() && !name.ends_with(".tfvars") {
            rep.problems.push(format!(
                "{display}: a fail file needs at least one `expect:`"
            ));
        }
        if is_fail || is_pass {
            coverage.insert((fw, is_fail));
        }
        expected.append(&mut exp);
    }
    for fw in check.frameworks() {
        for (fail, word) in [(true, "fail"), (false, "pass")] {
            if !coverage.contains(&(fw, fail)) {
                rep.problems.push(format!(
                    "{}: no {word} fixture for {}",
                    dir.display(),
                    fw.as_str()
                ));
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
            None => rep.problems.push(format!(
                "{}:{line}:{col}: unexpected finding {} ({}) on {}",
                src.path, f.check_id, f.label, f.resource
            )),
        }
    }
    for (i, e) in expected.iter().enumerate() {
        if !matched[i] {
            let col = e.column.map(|c| format!("@{c}")).unwrap_or_default();
            rep.problems.push(format!(
                "{}:{}: missing finding {}{col}",
                e.file, e.line, e.check
            ));
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
