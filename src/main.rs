//! The `guardrail` binary: argument handling, exit codes and output files. The library does
//! the work.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

/// mimalloc: a scan allocates a node per key and scalar of every file, from every worker
/// thread; glibc's malloc spent a fifth of the run in `_int_malloc`/`_int_free`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Opts the process out of transparent huge pages. The allocator's arenas are large and
/// aligned, so with THP every first touch of a region zeroes a whole 2 MiB page: on the bench
/// corpus a fifth of a scan's time went to `clear_page_erms`, and system time fell from 1.5 s
/// to 0.5 s (and peak RSS by 9%) with 4 KiB pages. A short-lived scanner gains nothing from
/// huge pages' fewer TLB misses.
///
/// It runs as a constructor, before `main`: the standard library's runtime allocates before
/// `main` runs, and that first allocation reserves and touches the allocator's first arena —
/// with THP, several huge pages zeroed (about 1 ms of CPU in a pre-commit run).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NO_TRANSPARENT_HUGE_PAGES: extern "C" fn() = {
    extern "C" fn no_transparent_huge_pages() {
        // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointers; on a kernel
        // without it the call fails with EINVAL, which changes nothing.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
    no_transparent_huge_pages
};
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use git2::Repository;
use guardrail::baseline::{self, Baseline};
use guardrail::checks::{Catalog, Severity};
use guardrail::cli::{
    BaselineArgs, ChecksCommand, Cli, Command, DiffArgs, PackArgs, PacksCommand, ScanArgs,
};
use guardrail::date::Date;
use guardrail::diff::{DiffOptions, DiffScope};
use guardrail::engine::{scan, ScanOptions, ScanResult, VarArg};
use guardrail::federation::{Federation, FederationOptions};
use guardrail::filter::{self, FilterOptions};
use guardrail::model::Framework;
use guardrail::packs::PackSource;
use guardrail::report::{self, Format, ReportInput, ReportOptions, DEFAULT_SARIF_CATEGORY};
use guardrail::scope::git::{self, DiffSpec, GitDiff, GitError};
use guardrail::{explain, testing};

fn main() -> ExitCode {
    // Matches are kept so that `--var` and `--var-file` can be applied in command-line order.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    guardrail::engine::init_thread_pool();
    guardrail::panics::install_hook();
    // On a worker of the pool: parsing, evaluation, filtering, rendering and dropping deep
    // trees all recurse, and only the workers' stacks are sized for the depth limits. A panic
    // is a bug; it still ends like any other failure of the tool: a message, exit 2.
    match guardrail::engine::on_worker(|| guardrail::panics::catch(|| run(cli, &matches))) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!(
                "error: {}",
                guardrail::panics::internal_error("running", &msg)
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> ExitCode {
    let color_allowed = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let result = match cli.command {
        Command::Scan(args) => run_scan(
            *args,
            None,
            matches.subcommand_matches("scan"),
            color_allowed,
        ),
        Command::Diff(args) => run_diff(*args, matches.subcommand_matches("diff"), color_allowed),
        Command::Checks {
            command: ChecksCommand::List { format, packs },
        } => list_checks(&format, &packs),
        Command::Explain { id, packs } => explain_check(&id, &packs),
        Command::Test {
            dirs,
            reports,
            packs,
        } => run_tests(dirs, reports, &packs),
        Command::Packs { command } => match command {
            PacksCommand::Update { packs } => packs_update(&packs),
            PacksCommand::List { packs } => packs_list(&packs),
        },
        Command::Baseline(args) => run_baseline(*args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The current directory and the report root (the git top-level, else the directory).
fn dirs() -> Result<(PathBuf, PathBuf)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = guardrail::scope::report_root(&cwd);
    Ok((cwd, root))
}

/// Loads the configuration, packs and local checks; notes go to stderr.
fn federation(args: &PackArgs, cwd: &Path, root: &Path, update: bool) -> Result<Federation> {
    let fed = Federation::load(&FederationOptions {
        config: args.config.clone(),
        require_packs: args.require_packs.clone(),
        locked: args.locked,
        offline: args.offline,
        update,
        cwd: cwd.to_path_buf(),
        root: root.to_path_buf(),
    })?;
    for n in &fed.notices {
        eprintln!("note: {n}");
    }
    Ok(fed)
}

fn parse_fail_on(s: &str) -> Result<Option<Severity>> {
    if s == "none" {
        return Ok(None);
    }
    Severity::parse(s)
        .map(Some)
        .ok_or_else(|| anyhow!("invalid --fail-on `{s}` (critical, high, medium, low, info, none)"))
}

/// Whether the scanned paths cover the configuration's whole directory (only then can a
/// configuration waiver that matched nothing be called unused).
fn covers_project(paths: &[PathBuf], fed: &Federation, cwd: &Path) -> bool {
    let Some(cfg) = &fed.config else {
        return true;
    };
    let dir = std::fs::canonicalize(&cfg.dir).unwrap_or_else(|_| cfg.dir.clone());
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    paths.iter().any(|p| {
        std::fs::canonicalize(cwd.join(p)).is_ok_and(|abs| abs.is_dir() && dir.starts_with(abs))
    })
}

/// The baseline file named on the command line or in the configuration.
fn load_baseline(
    flag: Option<&Path>,
    fed: &Federation,
    cwd: &Path,
    root: &Path,
) -> Result<Option<Baseline>> {
    let Some(path) = flag
        .map(|p| cwd.join(p))
        .or_else(|| fed.baseline().map(Path::to_path_buf))
    else {
        return Ok(None);
    };
    let display = guardrail::scope::display_path(&path, root, cwd);
    Ok(Some(Baseline::load(&path, display)?))
}

/// The scan pipeline through the filter stage, shared by `scan`, `diff` and `baseline`.
struct Pipeline<'a> {
    paths: &'a [PathBuf],
    excludes: &'a [String],
    /// `--var-file` / `--var` in command-line order.
    var_args: Vec<VarArg>,
    /// `terraform.workspace`.
    workspace: String,
    frameworks: Vec<Framework>,
    show_unknown: bool,
    /// `guardrail diff`: which change, and which findings of it to report.
    diff: Option<DiffRequest>,
}

/// What `guardrail diff` was asked for.
#[derive(Clone)]
struct DiffRequest {
    spec: DiffSpec,
    scope: DiffScope,
    /// Not `--no-cache`.
    disk_cache: bool,
}

impl Pipeline<'_> {
    fn run(
        &self,
        fed: &Federation,
        baseline: Option<&Baseline>,
        cwd: &Path,
        root: &Path,
        repo: Option<&Result<Repository, GitError>>,
        git_diff: Option<Result<GitDiff<'_>, GitError>>,
    ) -> Result<ScanResult> {
        let today = Date::today().map_err(|e| anyhow!("{}: {e}", guardrail::date::TODAY_ENV))?;
        let mut excludes = fed.excludes(cwd, root);
        excludes.extend(self.excludes.iter().cloned());
        let opts = ScanOptions {
            paths: self.paths.to_vec(),
            excludes,
            var_args: self.var_args.clone(),
            env_vars: std::env::vars()
                .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                .collect(),
            workspace: Some(self.workspace.clone()),
            frameworks: self.frameworks.clone(),
            show_unknown: self.show_unknown,
            limits: fed.limits(),
            ..Default::default()
        };
        let Some(DiffRequest {
            spec,
            scope,
            disk_cache,
        }) = self.diff.clone()
        else {
            let mut result = scan(&opts, &fed.catalog, cwd, root);
            let whole_project = covers_project(self.paths, fed, cwd);
            filter::apply(
                &mut result,
                fed,
                &FilterOptions {
                    today,
                    whole_project,
                    baseline,
                },
            );
            return Ok(result);
        };
        // A diff sees only the touched files: it cannot tell whether a configuration waiver
        // is unused elsewhere.
        let filter_opts = FilterOptions {
            today,
            whole_project: false,
            baseline,
        };
        let d = DiffOptions {
            spec,
            scope,
            paths: self.paths.to_vec(),
            scan: opts,
            disk_cache,
        };
        let post = |r: &mut ScanResult| filter::apply(r, fed, &filter_opts);
        let repo = repo
            .expect("a diff opens the repository")
            .as_ref()
            .map_err(|e| anyhow!("{e}"))?;
        let git_diff = git_diff.expect("a diff reads git");
        Ok(
            guardrail::diff::run(&d, &fed.catalog, cwd, &post, repo, git_diff)
                .map_err(|e| anyhow!("{e}"))?
                .0,
        )
    }
}

fn run_scan(
    args: ScanArgs,
    diff: Option<DiffRequest>,
    matches: Option<&ArgMatches>,
    color_allowed: bool,
) -> Result<u8> {
    let start = Instant::now();
    let format = Format::parse(&args.format)
        .ok_or_else(|| anyhow!("unknown --format `{}` ({})", args.format, Format::NAMES))?;
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
    if let Some(f) = &args.fail_on {
        parse_fail_on(f)?;
    }
    let (cwd, root) = dirs()?;
    // A diff reads git (the index, HEAD's trees, the changed lines) on this thread while the
    // catalog is loaded beside it.
    let repo = diff.as_ref().map(|_| git::open());
    let mut fed = None;
    let mut git_diff = None;
    rayon::in_place_scope(|s| {
        s.spawn(|_| {
            let loaded = federation(&args.packs, &cwd, &root, false);
            if let (Some(_), Ok(f)) = (&diff, &loaded) {
                f.catalog.compile_regexes();
            }
            fed = Some(loaded);
        });
        if let (Some(d), Some(Ok(repo))) = (&diff, &repo) {
            git_diff = Some(git::diff(repo, &d.spec, &guardrail::diff::may_scan));
        }
    });
    let mut fed = fed.expect("the scope ran the federation")?;
    let fail_on = parse_fail_on(args.fail_on.as_deref().or(fed.fail_on()).unwrap_or("low"))?;
    for id in args.checks.iter().chain(&args.skip_checks) {
        if fed.catalog.get(id).is_none() {
            bail!("unknown check id `{id}` (see `guardrail checks list`)");
        }
    }
    if !args.checks.is_empty() || !args.skip_checks.is_empty() {
        // The command line belongs to whoever runs the scan (an organisation's workflow, not
        // the repository), so it may narrow enforced checks too; say so.
        for id in &args.skip_checks {
            if let Some(by) = fed.catalog.enforced_by(id) {
                eprintln!("note: skipping `{id}`, which pack {by} enforces");
            }
        }
        let catalog = std::mem::take(&mut fed.catalog);
        fed.catalog = catalog.retain(|c| {
            (args.checks.is_empty() || args.checks.contains(&c.id))
                && !args.skip_checks.contains(&c.id)
        });
    }
    let baseline = load_baseline(args.baseline.as_deref(), &fed, &cwd, &root)?;
    let result = Pipeline {
        paths: &args.paths,
        excludes: &args.excludes,
        var_args: args.var_args(matches),
        workspace: args.workspace.clone(),
        frameworks,
        show_unknown: args.show_unknown,
        diff,
    }
    .run(
        &fed,
        baseline.as_ref(),
        &cwd,
        &root,
        repo.as_ref(),
        git_diff,
    )?;
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
        catalog: &fed.catalog,
        fail_on,
        color: color_allowed && to_terminal,
        elapsed_ms,
        include_suppressed: args.sarif_include_suppressed,
        options,
    };
    guardrail::panics::inject("report", "-");
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
    let code = if io_failed || !result.errors.is_empty() {
        2
    } else if result.findings.iter().any(|f| f.fails(fail_on)) {
        1
    } else {
        0
    };
    // The process ends next: freeing every tree and text of the run one by one would only
    // keep it waiting (tens of milliseconds on a large repository).
    std::mem::forget(main_out);
    std::mem::forget(result);
    std::mem::forget(fed);
    Ok(code)
}

fn list_checks(format: &str, packs: &PackArgs) -> Result<u8> {
    let (cwd, root) = dirs()?;
    let fed = federation(packs, &cwd, &root, false)?;
    let catalog = &fed.catalog;
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
                        "pack": c.origin.pack,
                        "pack_version": c.origin.version,
                        "enforced": catalog.enforced_by(&c.id).is_some(),
                        "enforced_by": catalog.enforced_by(&c.id),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        "human" => {
            let w = catalog.checks.iter().map(|c| c.id.len()).max().unwrap_or(2);
            let pw = catalog
                .checks
                .iter()
                .map(|c| c.origin.pack.len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!(
                "{:w$}  {:8}  {:34}  {:pw$}  {:8}  TITLE",
                "ID", "SEVERITY", "FRAMEWORKS", "PACK", "ENFORCED"
            );
            for c in &catalog.checks {
                let fws: Vec<&str> = c.frameworks().iter().map(|f| f.as_str()).collect();
                println!(
                    "{:w$}  {:8}  {:34}  {:pw$}  {:8}  {}",
                    c.id,
                    c.severity.as_str(),
                    fws.join(","),
                    c.origin.pack,
                    if catalog.enforced_by(&c.id).is_some() {
                        "yes"
                    } else {
                        "-"
                    },
                    c.title
                );
            }
            println!(
                "{} checks, {} enforced",
                catalog.checks.len(),
                catalog.enforced.len()
            );
        }
        other => bail!("unknown --format `{other}` (human, json)"),
    }
    Ok(0)
}

fn explain_check(id: &str, packs: &PackArgs) -> Result<u8> {
    let (cwd, root) = dirs()?;
    let fed = federation(packs, &cwd, &root, false)?;
    let check = fed
        .catalog
        .get(id)
        .ok_or_else(|| anyhow!("unknown check id `{id}` (see `guardrail checks list`)"))?;
    // A pack's (or the repository's) own failing fixture, when it has one.
    let fixtures = fed
        .packs
        .iter()
        .find(|p| p.name == check.origin.pack)
        .and_then(|p| p.manifest.as_ref().map(|m| m.fixtures_dir.clone()))
        .or_else(|| {
            let cfg = fed.config.as_ref()?;
            (check.origin.pack == guardrail::checks::LOCAL_PACK).then(|| {
                cfg.fixtures.clone().unwrap_or_else(|| {
                    cfg.checks
                        .as_ref()
                        .and_then(|c| c.parent().map(|p| p.join("fixtures")))
                        .unwrap_or_else(|| cfg.dir.join("fixtures"))
                })
            })
        });
    let example = fixtures.and_then(|d| explain::fixture_example(&d.join(id), &root, &cwd));
    print!(
        "{}",
        explain::explain(check, fed.catalog.enforced_by(id), example)
    );
    Ok(0)
}

fn run_tests(dirs_: Vec<PathBuf>, reports: Vec<String>, packs: &PackArgs) -> Result<u8> {
    let reports = parse_reports(&reports)?;
    let (cwd, root) = dirs()?;
    for d in &dirs_ {
        if !cwd.join(d).is_dir() {
            bail!("{} is not a directory", d.display());
        }
    }
    let suites = testing::suites(
        &dirs_,
        &FederationOptions {
            config: packs.config.clone(),
            require_packs: packs.require_packs.clone(),
            locked: packs.locked,
            offline: packs.offline,
            update: false,
            cwd: cwd.clone(),
            root: root.clone(),
        },
    )?;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut passed = 0;
    let mut failed = 0;
    let mut all = ScanResult::default();
    let mut catalogs: Vec<guardrail::checks::Check> = Vec::new();
    for suite in &suites {
        for (src, span, label) in &suite.invalid {
            failed += 1;
            println!("FAIL {}", src.path);
            println!(
                "{}",
                guardrail::report::human::snippet(
                    src,
                    *span,
                    "check file has an error; this check did not run",
                    label,
                    color
                )
            );
        }
        if !suite.fixtures.is_dir() {
            if suite.owned.as_ref().is_some_and(|o| !o.is_empty()) {
                failed += 1;
                println!(
                    "FAIL {}: no fixtures directory {}",
                    suite.label,
                    guardrail::scope::display_path(&suite.fixtures, &root, &cwd)
                );
            }
            continue;
        }
        let found = testing::fixture_dirs(&suite.fixtures, &suite.catalog);
        if let Some(owned) = &suite.owned {
            for id in owned {
                if !found.iter().any(|(_, f)| f == id) {
                    failed += 1;
                    println!(
                        "FAIL {id}: no fixtures in {}",
                        guardrail::scope::display_path(&suite.fixtures.join(id), &root, &cwd)
                    );
                }
            }
        }
        for (dir, id) in found {
            let mut rep = testing::run_check_dir(&dir, &id, &suite.catalog, &cwd, &root);
            if rep.problems.is_empty() {
                passed += 1;
                println!("ok   {id} ({} findings)", rep.findings);
            } else {
                failed += 1;
                println!("FAIL {id}");
                print!("{}", testing::render_problems(&rep, color));
            }
            testing::merge_into(&mut all, std::mem::take(&mut rep.result));
        }
        catalogs.extend(suite.catalog.checks.iter().cloned());
    }
    catalogs.sort_by(|a, b| a.id.cmp(&b.id));
    catalogs.dedup_by(|a, b| a.id == b.id);
    let catalog = Catalog::new(catalogs);
    let input = ReportInput {
        result: &all,
        catalog: &catalog,
        fail_on: None,
        color: false,
        elapsed_ms: 0,
        include_suppressed: false,
        options: ReportOptions::default(),
    };
    for (f, p) in &reports {
        std::fs::write(p, report::render(*f, &input))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed > 0 { 1 } else { 0 })
}

fn packs_update(packs: &PackArgs) -> Result<u8> {
    let (cwd, root) = dirs()?;
    let fed = federation(packs, &cwd, &root, true)?;
    let Some(lock_path) = fed.lock_path.clone() else {
        bail!("no .guardrail.yaml here or above (up to the git top-level): nothing to lock");
    };
    let has_git = fed
        .packs
        .iter()
        .any(|p| !p.spec.required && matches!(p.spec.source, PackSource::Git { .. }));
    if !has_git && !lock_path.exists() {
        println!("no git packs in the configuration: nothing to lock");
        return Ok(0);
    }
    std::fs::write(&lock_path, fed.lock_text())
        .with_context(|| format!("cannot write {}", lock_path.display()))?;
    for e in &fed.lock_entries {
        println!(
            "locked {}@{} -> {} ({} {})",
            e.url, e.rev, e.commit, e.name, e.version
        );
    }
    println!(
        "wrote {}",
        guardrail::scope::display_path(&lock_path, &root, &cwd)
    );
    Ok(0)
}

fn packs_list(packs: &PackArgs) -> Result<u8> {
    let (cwd, root) = dirs()?;
    let fed = federation(packs, &cwd, &root, false)?;
    let mut rows: Vec<[String; 6]> = vec![[
        "NAME".into(),
        "VERSION".into(),
        "SOURCE".into(),
        "COMMIT".into(),
        "CHECKS".into(),
        "ENFORCED".into(),
    ]];
    for p in &fed.packs {
        let enforced = fed
            .catalog
            .enforced
            .values()
            .filter(|by| **by == p.name)
            .count();
        let mut source = p.spec.describe();
        if p.spec.required {
            source.push_str(" (required)");
        }
        rows.push([
            p.name.clone(),
            p.version.clone(),
            source,
            p.commit
                .as_deref()
                .map(|c| c[..12.min(c.len())].to_string())
                .unwrap_or_else(|| "-".into()),
            p.checks.len().to_string(),
            enforced.to_string(),
        ]);
    }
    if let Some((dir, n)) = &fed.local {
        rows.push([
            guardrail::checks::LOCAL_PACK.into(),
            "-".into(),
            format!("path {}", guardrail::scope::display_path(dir, &root, &cwd)),
            "-".into(),
            n.to_string(),
            "0".into(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:w$}", w = widths[i]))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    if let Some(lock) = &fed.lock_path {
        if lock.exists() {
            println!(
                "locked in {}",
                guardrail::scope::display_path(lock, &root, &cwd)
            );
        }
    }
    Ok(0)
}

fn run_baseline(args: BaselineArgs) -> Result<u8> {
    let (cwd, root) = dirs()?;
    let fed = federation(&args.packs, &cwd, &root, false)?;
    let path = args
        .output
        .as_ref()
        .map(|p| cwd.join(p))
        .or_else(|| fed.baseline().map(Path::to_path_buf))
        .unwrap_or_else(|| root.join(baseline::BASELINE_FILE));
    let display = guardrail::scope::display_path(&path, &root, &cwd);
    let pipeline = Pipeline {
        paths: &args.paths,
        excludes: &args.excludes,
        var_args: args.var_files.iter().cloned().map(VarArg::File).collect(),
        workspace: "default".to_string(),
        frameworks: vec![],
        show_unknown: false,
        diff: None,
    };
    if args.check {
        let base = Baseline::load(&path, display.clone())?;
        let result = pipeline.run(&fed, Some(&base), &cwd, &root, None, None)?;
        for e in &result.errors {
            eprintln!("error: {e}");
        }
        let stale = base.stale(&result);
        for e in &stale {
            println!(
                "stale: {} {} {} (no such finding any more)",
                e.file,
                e.check_id,
                if e.resource.is_empty() {
                    "-"
                } else {
                    &e.resource
                }
            );
        }
        println!(
            "{display}: {} entries, {} stale",
            base.entries.len(),
            stale.len()
        );
        if !result.errors.is_empty() {
            return Ok(2);
        }
        return Ok(if stale.is_empty() { 0 } else { 1 });
    }
    let result = pipeline.run(&fed, None, &cwd, &root, None, None)?;
    for e in &result.errors {
        eprintln!("error: {e}");
    }
    if !result.errors.is_empty() {
        bail!("the scan had errors; baseline not written");
    }
    let (text, n) = baseline::render(&result);
    let enforced = result
        .findings
        .iter()
        .filter(|f| f.enforced && f.kind == guardrail::findings::FindingKind::Check)
        .count();
    std::fs::write(&path, text).with_context(|| format!("cannot write {display}"))?;
    println!("wrote {display}: {n} findings");
    if enforced > 0 {
        eprintln!("note: {enforced} findings of enforced checks were left out (a baseline never hides them)");
    }
    if fed.baseline().is_none() && args.output.is_none() {
        eprintln!("note: use it with `guardrail scan --baseline {display}`, or `baseline: {}` in .guardrail.yaml", baseline::BASELINE_FILE);
    }
    Ok(0)
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

fn run_diff(args: DiffArgs, matches: Option<&ArgMatches>, color_allowed: bool) -> Result<u8> {
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
    let request = DiffRequest {
        spec,
        scope,
        disk_cache: !args.no_cache,
    };
    run_scan(args.common, Some(request), matches, color_allowed)
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
