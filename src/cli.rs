//! Command-line definition (clap). One list of flags drives `--help`.

use std::path::PathBuf;

use clap::{ArgMatches, Args, Parser, Subcommand};

use crate::engine::VarArg;

/// Infrastructure-as-code security scanner for Terraform, Kubernetes and CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "guardrail", version, about, propagate_version = true)]
pub struct Cli {
    /// Disable colour (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory).
    Scan(Box<ScanArgs>),
    /// Scan what a change introduces: the staged changes (pre-commit) or a branch / pull
    /// request (merge-base of BASE and HEAD to HEAD). Content is read from git, not the work
    /// tree; touched Terraform modules are evaluated with all their files.
    Diff(Box<DiffArgs>),
    /// The check catalog.
    Checks {
        #[command(subcommand)]
        command: ChecksCommand,
    },
    /// Explain a check: what it catches, why, how to fix it, and an example.
    Explain {
        /// Check id, e.g. aws-s3-bucket-public-acl.
        id: String,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Run check fixtures: each `<dir>/<check-id>/` is scanned with that check and compared
    /// with its `# expect:` comments. A directory with `guardrail-pack.yaml` is tested as a
    /// pack (its checks against its fixtures); one with `.guardrail.yaml` as a repository (its
    /// own checks). Default: the pack or repository in the current directory, else fixtures.
    Test {
        /// Fixture, pack or repository directories.
        dirs: Vec<PathBuf>,
        /// Also write the fixtures' findings as FORMAT to PATH (repeatable), e.g.
        /// --report sarif=fixtures.sarif.
        #[arg(long = "report", value_name = "FORMAT=PATH")]
        reports: Vec<String>,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Check packs: fetch and lock them, or list them.
    Packs {
        #[command(subcommand)]
        command: PacksCommand,
    },
    /// Write the current findings to a baseline file, so later scans (with --baseline or
    /// `baseline:` in the configuration) report only new ones.
    Baseline(Box<BaselineArgs>),
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// List the checks: id, severity, frameworks, pack, enforced, title.
    List {
        /// human or json.
        #[arg(long, default_value = "human")]
        format: String,
        #[command(flatten)]
        packs: PackArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PacksCommand {
    /// Fetch every git pack of the configuration, resolve its rev and write .guardrail.lock.
    Update {
        #[command(flatten)]
        packs: PackArgs,
    },
    /// List the packs: name, version, source, commit, number of checks and enforced checks.
    List {
        #[command(flatten)]
        packs: PackArgs,
    },
}

/// Where checks come from: the configuration, packs required from outside the repository,
/// and how git packs are fetched.
#[derive(Debug, Clone, Default, Args)]
pub struct PackArgs {
    /// Configuration file (default: .guardrail.yaml, looked for from the current directory up
    /// to the git top-level).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Add a pack the repository's configuration cannot remove or override (repeatable):
    /// URL@REV (a tag or full commit sha) or a directory.
    #[arg(long = "require-pack", value_name = "URL@REV")]
    pub require_packs: Vec<String>,
    /// Fail when .guardrail.lock is missing or out of date (for CI).
    #[arg(long)]
    pub locked: bool,
    /// Use only the pack cache; never fetch.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Files or directories to scan.
    pub paths: Vec<PathBuf>,
    /// The baseline file (default: `baseline:` of the configuration, else
    /// .guardrail-baseline.json at the git top-level).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write nothing; list baseline entries whose finding is gone (exit 1 if any).
    #[arg(long)]
    pub check: bool,
    /// Exclude paths matching this glob (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub excludes: Vec<String>,
    /// Terraform variable values from this file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (for `diff`: only report these files, a named file
    /// without changes in full, and the changes under these directories).
    pub paths: Vec<PathBuf>,
    /// Output format: human, json, sarif, github (workflow-command annotations), markdown
    /// (a job summary).
    #[arg(long, short = 'f', default_value = "human")]
    pub format: String,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write FORMAT to PATH (repeatable), e.g. --report sarif=guardrail.sarif.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Fail (exit 1) on findings at or above this severity: critical, high, medium, low, info,
    /// none (default: `fail-on` of the configuration, else low). Enforced checks always fail.
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Run only these checks (repeatable).
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Skip these checks (repeatable).
    #[arg(long = "skip-check", value_name = "ID")]
    pub skip_checks: Vec<String>,
    /// Only these frameworks: terraform, kubernetes, cloudformation (repeatable).
    #[arg(long = "framework", value_name = "NAME")]
    pub frameworks: Vec<String>,
    /// Exclude paths matching this glob (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub excludes: Vec<String>,
    /// Terraform variable values from this file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// A Terraform variable value (repeatable); with --var-file, later ones win.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// The Terraform workspace: the value of `terraform.workspace`.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub workspace: String,
    /// Also list checks that could not be decided because a value is unknown (as notes).
    #[arg(long)]
    pub show_unknown: bool,
    /// Hide the findings of this baseline file (default: `baseline:` of the configuration).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Keep suppressed findings in SARIF, with `suppressions[]` and their justification
    /// (left out by default: code scanning would show them as open alerts).
    #[arg(long)]
    pub sarif_include_suppressed: bool,
    #[command(flatten)]
    pub packs: PackArgs,
    /// SARIF `automationDetails.id`: code scanning keeps the results of each category apart,
    /// so scans of different parts of one repository need different categories.
    #[arg(long, value_name = "CATEGORY", default_value = crate::report::DEFAULT_SARIF_CATEGORY)]
    pub sarif_category: String,
    /// Markdown: link each location to URL/<path>#L<line>. Default on GitHub Actions:
    /// $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA.
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Compare the index with HEAD (what `git commit` would record).
    #[arg(long, conflicts_with = "base")]
    pub staged: bool,
    /// Compare merge-base(BASE, HEAD) with HEAD.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// The head of the range (default: HEAD).
    #[arg(long, value_name = "REF", requires = "base")]
    pub head: Option<String>,
    /// Which findings to report: lines (introduced or touched by the change), files (every
    /// finding in a changed file), all (every finding in the touched modules and templates).
    #[arg(long, default_value = "lines")]
    pub scope: String,
    /// Neither read nor write the parse cache (parse trees of unchanged files kept between
    /// runs in `.git/guardrail/parse-cache/`).
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub common: ScanArgs,
}

impl ScanArgs {
    /// `--var-file` and `--var` in command-line order, as Terraform applies them (later
    /// wins). `matches` are the `scan` subcommand's; without them files come first.
    pub fn var_args(&self, matches: Option<&ArgMatches>) -> Vec<VarArg> {
        let (nf, nv) = (self.var_files.len(), self.vars.len());
        let indices = |id: &str, fallback: std::ops::Range<usize>| -> Vec<usize> {
            matches
                .and_then(|m| m.indices_of(id))
                .map(|i| i.collect())
                .unwrap_or_else(|| fallback.collect())
        };
        let files = indices("var_files", 0..nf);
        let values = indices("vars", nf..nf + nv);
        let mut all: Vec<(usize, VarArg)> = files
            .into_iter()
            .zip(self.var_files.iter().cloned().map(VarArg::File))
            .chain(
                values
                    .into_iter()
                    .zip(self.vars.iter().cloned().map(VarArg::Value)),
            )
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, v)| v).collect()
    }
}
