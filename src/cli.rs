//! Command-line definition (clap). One list of flags drives `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    },
    /// Run check fixtures: each `<dir>/<check-id>/` is scanned with that check and compared
    /// with its `# expect:` comments.
    Test {
        /// Fixture directories (default: fixtures).
        dirs: Vec<PathBuf>,
        /// Also write the fixtures' findings as FORMAT to PATH (repeatable), e.g.
        /// --report sarif=fixtures.sarif.
        #[arg(long = "report", value_name = "FORMAT=PATH")]
        reports: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// List the checks: id, severity, frameworks, title.
    List {
        /// human or json.
        #[arg(long, default_value = "human")]
        format: String,
    },
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
    /// Fail (exit 1) on findings at or above this severity: critical, high, medium, low, info, none.
    #[arg(long, default_value = "low")]
    pub fail_on: String,
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
    /// Also list checks that could not be decided because a value is unknown (as notes).
    #[arg(long)]
    pub show_unknown: bool,
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
    #[command(flatten)]
    pub common: ScanArgs,
}
