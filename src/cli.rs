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
    /// Files or directories to scan.
    pub paths: Vec<PathBuf>,
    /// Output format: human, json, sarif.
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
    /// A Terraform variable value (repeatable); with --var-file, later ones win.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// The Terraform workspace: the value of `terraform.workspace`.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub workspace: String,
    /// Also list checks that could not be decided because a value is unknown (as notes).
    #[arg(long)]
    pub show_unknown: bool,
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
