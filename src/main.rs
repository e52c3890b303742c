//! The `guardrail` binary: argument handling, exit codes and output files. The library does
//! the work.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;

use guardrail::checks::{Catalog, Severity};
use guardrail::cli::{ChecksCommand, Cli, Command, DiffArgs, ScanArgs};
use guardrail::diff::{DiffOptions, DiffScope};
use guardrail::engine::{scan, ScanOptions};
use guardrail::findings::FindingKind;
use guardrail::model::Framework;
use guardrail::report::{self, Format, ReportInput, ReportOptions, DEFAULT_SARIF_CATEGORY};
use guardrail::scope::git::DiffSpec;
use guardrail::{explain, testing};

/// Parsers recurse per nesting level: give worker threads room (depth is also bounded).
const STACK_SIZE: usize = 64 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build_global();
    let color_allowed = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args, None, color_allowed),
        Command::Diff(args) => run_diff(*args, color_allowed),
        Command::Checks {
            command: ChecksCommand::List { format },
        } => list_checks(&format),
        Command::Explain { id } => explain_check(&id),
        Command::Test { dirs, reports } => run_tests(dirs, reports),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn catalog() -> Result<Catalog> {
    Catalog::builtin().map_err(|errs| {
        anyhow!(
            "invalid built-in checks:\n{}",
            errs.iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn parse_fail_on(s: &str) -> Result<Option<Severity>> {
    if s == "none" {
        return Ok(None);
    }
    Severity::parse(s)
        .map(Some)
        .ok_or_else(|| anyhow!("invalid --fail-on `{s}` (critical, high, medium, low, info, none)"))
}

fn run_scan(
    args: ScanArgs,
    diff: Option<(DiffSpec, DiffScope)>,
    color_allowed: bool,
) -> Result<u8> {
    let start = Instant::now();
    let format = Format::parse(&args.format)
        .ok_or_else(|| anyhow!("unknown --format `{}` ({})", args.format, Format::NAMES))?;
    let fail_on = parse_fail_on(&args.fail_on)?;
    let reports = parse_reports(&args.reports)?;
    if args.sarif_category.trim().is_empty() {
        bail!("--sarif-category must not be empty (default: {DEFAULT_SARIF_CATEGORY})");
    }
    let options = ReportOptions {
        sarif_category: args.sarif_category.clone(),
        link_base: args.link_base.clone().or_else(github_link_base),
    };
    let mut frameworks = Vec::new();
    for f in &args.frameworks {
        frameworks.push(Framework::parse(f).ok_or_else(|| {
            anyhow!("unknown --framework `{f}` (terraform, kubernetes, cloudformation)")
        })?);
    }
    let mut catalog = catalog()?;
    for id in args.checks.iter().chain(&args.skip_checks) {
        if catalog.get(id).is_none() {
            bail!("unknown check id `{id}` (see `guardrail checks list`)");
        }
    }
    if !args.checks.is_empty() || !args.skip_checks.is_empty() {
        catalog = catalog.retain(|c| {
            (args.checks.is_empty() || args.checks.contains(&c.id))
                && !args.skip_checks.contains(&c.id)
        });
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let opts = ScanOptions {
        paths: args.paths.clone(),
        excludes: args.excludes.clone(),
        var_files: args.var_files.clone(),
        frameworks,
        show_unknown: args.show_unknown,
        ..Default::default()
    };
    let result = match diff {
        None => scan(&opts, &catalog, &cwd, &guardrail::scope::report_root(&cwd)),
        Some((spec, scope)) => {
            let d = DiffOptions {
                spec,
                scope,
                paths: args.paths.clone(),
                scan: opts,
            };
            guardrail::diff::run(&d, &catalog, &cwd)
                .map_err(|e| anyhow!("{e}"))?
                .0
        }
    };
    for n in &result.notes {
        eprintln!("note: {}: {}", n.path, n.message);
    }
    for e in &result.errors {
        eprintln!("error: {e}");
    }
    let elapsed_ms = start.elapsed().as_millis();
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let input = ReportInput {
        result: &result,
        catalog: &catalog,
        fail_on,
        color: color_allowed && to_terminal,
        elapsed_ms,
        options,
    };
    let main_out = report::render(format, &input);
    let mut io_failed = false;
    match &args.output {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &main_out) {
                eprintln!("error: cannot write {}: {e}", p.display());
                io_failed = true;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(main_out.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                io_failed = true;
            }
        }
    }
    let plain = ReportInput {
        color: false,
        ..input
    };
    for (f, p) in &reports {
        if let Err(e) = std::fs::write(p, report::render(*f, &plain)) {
            eprintln!("error: cannot write {}: {e}", p.display());
            io_failed = true;
        }
    }
    if io_failed || !result.errors.is_empty() {
        return Ok(2);
    }
    let failing = result
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Unknown)
        .any(|f| fail_on.is_some_and(|t| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
}

fn list_checks(format: &str) -> Result<u8> {
    let catalog = catalog()?;
    match format {
        "json" => {
            let list: Vec<_> = catalog
                .checks
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id,
                        "severity": c.severity.as_str(),
                        "frameworks": c.frameworks().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                        "title": c.title,
                        "category": c.category,
                        "related": c.related,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        "human" => {
            let w = catalog.checks.iter().map(|c| c.id.len()).max().unwrap_or(2);
            println!("{:w$}  {:8}  {:34}  TITLE", "ID", "SEVERITY", "FRAMEWORKS");
            for c in &catalog.checks {
                let fws: Vec<&str> = c.frameworks().iter().map(|f| f.as_str()).collect();
                println!(
                    "{:w$}  {:8}  {:34}  {}",
                    c.id,
                    c.severity.as_str(),
                    fws.join(","),
                    c.title
                );
            }
            println!("{} checks", catalog.checks.len());
        }
        other => bail!("unknown --format `{other}` (human, json)"),
    }
    Ok(0)
}

fn explain_check(id: &str) -> Result<u8> {
    let catalog = catalog()?;
    let check = catalog
        .get(id)
        .ok_or_else(|| anyhow!("unknown check id `{id}` (see `guardrail checks list`)"))?;
    print!("{}", explain::explain(check));
    Ok(0)
}

fn run_tests(dirs: Vec<PathBuf>, reports: Vec<String>) -> Result<u8> {
    let reports = parse_reports(&reports)?;
    let catalog = catalog()?;
    let dirs = if dirs.is_empty() {
        vec![PathBuf::from("fixtures")]
    } else {
        dirs
    };
    let cwd = std::env::current_dir()?;
    let root = guardrail::scope::report_root(&cwd);
    let mut passed = 0;
    let mut failed = 0;
    let mut all = guardrail::engine::ScanResult::default();
    for d in &dirs {
        if !d.is_dir() {
            bail!("{} is not a directory", d.display());
        }
        for (dir, id) in testing::fixture_dirs(d, &catalog) {
            let mut rep = testing::run_check_dir(&dir, &id, &catalog, &cwd, &root);
            testing::merge_into(&mut all, std::mem::take(&mut rep.result));
            if rep.problems.is_empty() {
                passed += 1;
                println!("ok   {id} ({} findings)", rep.findings);
            } else {
                failed += 1;
                println!("FAIL {id}");
                for p in &rep.problems {
                    println!("     {p}");
                }
            }
        }
    }
    let input = ReportInput {
        result: &all,
        catalog: &catalog,
        fail_on: None,
        color: false,
        elapsed_ms: 0,
        options: ReportOptions::default(),
    };
    for (f, p) in &reports {
        std::fs::write(p, report::render(*f, &input))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `FORMAT=PATH` pairs.
fn parse_reports(reports: &[String]) -> Result<Vec<(Format, PathBuf)>> {
    reports
        .iter()
        .map(|r| {
            let (f, p) = r
                .split_once('=')
                .ok_or_else(|| anyhow!("--report takes FORMAT=PATH, got `{r}`"))?;
            let f = Format::parse(f)
                .ok_or_else(|| anyhow!("unknown report format `{f}` ({})", Format::NAMES))?;
            Ok((f, PathBuf::from(p)))
        })
        .collect()
}

fn run_diff(args: DiffArgs, color_allowed: bool) -> Result<u8> {
    let scope = DiffScope::parse(&args.scope)
        .ok_or_else(|| anyhow!("unknown --scope `{}` (lines, files, all)", args.scope))?;
    let spec = match (args.staged, args.base) {
        (true, _) => DiffSpec::Staged,
        (false, Some(base)) => DiffSpec::Range {
            base,
            head: args.head,
        },
        (false, None) => bail!("`guardrail diff` needs --staged or --base REF"),
    };
    run_scan(args.common, Some((spec, scope)), color_allowed)
}

/// Where Markdown locations link to when running on GitHub Actions: the commit being checked,
/// from the variables every job has.
fn github_link_base() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/blob/{}",
        var("GITHUB_SERVER_URL")?.trim_end_matches('/'),
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_SHA")?
    ))
}
