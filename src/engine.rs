//! The scan pipeline: scope → read → parse (parallel) → resources → evaluate (parallel) →
//! findings, sorted deterministically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::checks::{eval, Catalog, Severity};
use crate::findings::{fingerprint, Finding, FindingKind, Related, Suppressed};
use crate::model::{Framework, LineIndex, Node, Resource, Span};
use crate::parse::{self, hcl::HclBlock, Limits, ParseError};
use crate::resources::{cloudformation, kubernetes, terraform, ResourceIndex};
use crate::scope::{self, Candidate, FileKind, Note};

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    pub var_files: Vec<PathBuf>,
    /// Only these frameworks (empty: all).
    pub frameworks: Vec<Framework>,
    pub show_unknown: bool,
    pub limits: Limits,
}

/// A file that was read, kept for rendering.
#[derive(Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    pub framework: Option<Framework>,
}

impl Source {
    /// A file that is not scanned but that findings may point into (`.guardrail.yaml`, a
    /// check file, the baseline).
    pub fn auxiliary(path: String, text: String) -> Source {
        Source {
            lines: LineIndex::new(&text),
            path,
            text,
            framework: None,
        }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.lines.position(&self.text, offset)
    }
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub files_scanned: usize,
    pub files_not_iac: usize,
    pub resources: usize,
    pub bytes: u64,
}

/// Everything a scan produced.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub sources: Vec<Source>,
    pub findings: Vec<Finding>,
    /// Findings hidden by a waiver or the baseline (filled by [`crate::filter`]).
    pub suppressed: Vec<Suppressed>,
    /// The resources that were evaluated, kept for the filter stage (inline waivers point at
    /// resource headers, Kubernetes annotations and CloudFormation `Metadata` live in them).
    pub resources: Vec<Resource>,
    pub notes: Vec<Note>,
    /// Problems with the tool's own input (unreadable paths): exit code 2.
    pub errors: Vec<String>,
    pub summary: Summary,
}

/// A Terraform module's files: (source index, blocks) and (tfvars name, values).
type ModuleFiles = (Vec<(usize, Vec<HclBlock>)>, Vec<(String, Node)>);

enum Content {
    Terraform(Vec<HclBlock>),
    Tfvars(Node),
    Kubernetes(Vec<Node>),
    CloudFormation(Node),
    NotIac,
    Skipped(String),
    Failed(ParseError),
}

struct ParsedFile {
    cand: Candidate,
    text: String,
    content: Content,
    io_error: Option<String>,
}

/// Decodes file bytes: strips a UTF-8 BOM, decodes UTF-16 with a BOM; invalid UTF-8 is an
/// error at the first bad byte (the text is kept, lossily, for rendering).
fn decode(bytes: Vec<u8>) -> Result<String, (String, ParseError)> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return String::from_utf16(&units).map_err(|_| {
            (
                String::new(),
                ParseError::new("invalid UTF-16 text", Span::new(0, 0)),
            )
        });
    }
    let bytes = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes[3..].to_vec()
    } else {
        bytes
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let at = crate::model::lines::clamp_to_char_boundary(&lossy, at);
            Err((
                lossy,
                ParseError::new("file is not valid UTF-8", Span::new(at, at)),
            ))
        }
    }
}

fn looks_templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

fn parse_file(mut cand: Candidate, limits: &Limits) -> ParsedFile {
    let failed = |cand: Candidate, text: String, e: ParseError| ParsedFile {
        cand,
        text,
        content: Content::Failed(e),
        io_error: None,
    };
    let size = match &cand.bytes {
        Some(b) => Ok(b.len() as u64),
        None => std::fs::metadata(&cand.path).map(|m| m.len()),
    };
    match size {
        Ok(len) if len > limits.max_file_size => {
            let msg = format!(
                "file is larger than {} bytes; skipped",
                limits.max_file_size
            );
            return ParsedFile {
                cand,
                text: String::new(),
                content: Content::Skipped(msg),
                io_error: None,
            };
        }
        Ok(_) => {}
        Err(e) => {
            return ParsedFile {
                cand,
                text: String::new(),
                content: Content::NotIac,
                io_error: Some(format!("cannot read: {e}")),
            }
        }
    }
    let read = match cand.bytes.take() {
        Some(b) => Ok(b),
        None => std::fs::read(&cand.path),
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            return ParsedFile {
                cand,
                text: String::new(),
                content: Content::NotIac,
                io_error: Some(format!("cannot read: {e}")),
            }
        }
    };
    let text = match decode(bytes) {
        Ok(t) => t,
        Err((lossy, e)) => return failed(cand, lossy, e),
    };
    let content = match cand.kind {
        FileKind::Terraform => match parse::hcl::parse(&text, limits) {
            Ok((blocks, _)) => Content::Terraform(blocks),
            Err(e) => Content::Failed(e),
        },
        FileKind::Tfvars => match parse::hcl::parse(&text, limits) {
            Ok((_, attrs)) => Content::Tfvars(attrs),
            Err(e) => Content::Failed(e),
        },
        FileKind::TerraformJson => match parse::json::parse(&text, limits) {
            Ok(root) => Content::Terraform(terraform::json_blocks(&root)),
            Err(e) => Content::Failed(e),
        },
        FileKind::TfvarsJson => match parse::json::parse(&text, limits) {
            Ok(root) => Content::Tfvars(root),
            Err(e) => Content::Failed(e),
        },
        FileKind::Yaml | FileKind::Json => classify_documents(&cand, &text, limits),
    };
    ParsedFile {
        cand,
        text,
        content,
        io_error: None,
    }
}

/// A cheap prescan, then a parse: CloudFormation, Kubernetes, or not IaC.
fn classify_documents(cand: &Candidate, text: &str, limits: &Limits) -> Content {
    let maybe_cfn = text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"));
    let maybe_k8s = text.contains("apiVersion") && text.contains("kind");
    if !maybe_cfn && !maybe_k8s {
        return Content::NotIac;
    }
    let is_json = cand.kind == FileKind::Json
        || (cand.display.ends_with(".template") && text.trim_start().starts_with('{'));
    let docs = if is_json {
        parse::json::parse(text, limits).map(|n| vec![n])
    } else {
        parse::yaml::parse(text, limits).map(|d| d.into_iter().map(|d| d.root).collect())
    };
    let docs = match docs {
        Ok(d) => d,
        Err(e) => {
            if looks_templated(text) {
                return Content::Skipped(
                    "template syntax (`{{ }}`/`{% %}`), not plain YAML/JSON; skipped".into(),
                );
            }
            if is_json && (text.contains("//") || text.contains("/*")) && !maybe_cfn {
                return Content::Skipped("JSON with comments; skipped".into());
            }
            return Content::Failed(e);
        }
    };
    if let Some(t) = docs.iter().find(|d| cloudformation::is_template(d)) {
        return Content::CloudFormation(t.clone());
    }
    let objects: Vec<Node> = docs.into_iter().filter(kubernetes::is_object).collect();
    if objects.is_empty() {
        Content::NotIac
    } else {
        Content::Kubernetes(objects)
    }
}

fn wants(frameworks: &[Framework], f: Framework) -> bool {
    frameworks.is_empty() || frameworks.contains(&f)
}

/// Runs a scan.
pub fn scan(opts: &ScanOptions, catalog: &Catalog, cwd: &Path, root: &Path) -> ScanResult {
    let mut result = ScanResult::default();
    let excludes = match scope::exclude_set(&opts.excludes) {
        Ok(g) => g,
        Err(e) => {
            result
                .errors
                .push(format!("invalid --exclude pattern: {e}"));
            return result;
        }
    };
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let (cands, notes) = scope::discover(&paths, &excludes, root, cwd);
    for n in notes {
        if n.message.starts_with("cannot read") {
            result.errors.push(format!("{}: {}", n.path, n.message));
        } else {
            result.notes.push(n);
        }
    }
    scan_files(cands, opts, catalog, cwd, root, result)
}

/// Scans a given set of files (from disk, or with their content attached, as a git snapshot
/// does), adding to `result`.
pub fn scan_files(
    mut cands: Vec<Candidate>,
    opts: &ScanOptions,
    catalog: &Catalog,
    cwd: &Path,
    root: &Path,
    mut result: ScanResult,
) -> ScanResult {
    if !wants(&opts.frameworks, Framework::Terraform) {
        cands.retain(|c| matches!(c.kind, FileKind::Yaml | FileKind::Json));
    }
    if !wants(&opts.frameworks, Framework::Kubernetes)
        && !wants(&opts.frameworks, Framework::CloudFormation)
    {
        cands.retain(|c| !matches!(c.kind, FileKind::Yaml | FileKind::Json));
    }
    let mut var_file_cands = Vec::new();
    for vf in &opts.var_files {
        let kind = if vf.to_string_lossy().ends_with(".json") {
            FileKind::TfvarsJson
        } else {
            FileKind::Tfvars
        };
        var_file_cands.push(Candidate {
            path: vf.clone(),
            display: scope::display_path(vf, root, cwd),
            kind,
            bytes: None,
        });
    }

    // Parse every file in parallel (collect first: rayon never runs inside the walker).
    let limits = &opts.limits;
    let parsed: Vec<ParsedFile> = cands
        .into_par_iter()
        .map(|c| parse_file(c, limits))
        .collect();
    let var_files: Vec<ParsedFile> = var_file_cands
        .into_iter()
        .map(|c| parse_file(c, limits))
        .collect();

    let mut sources: Vec<Source> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut resources: Vec<Resource> = Vec::new();
    // Terraform modules: directory → (tf files, tfvars).
    let mut modules: BTreeMap<PathBuf, ModuleFiles> = BTreeMap::new();
    let mut group = 0usize;

    for vf in &var_files {
        if let Some(e) = &vf.io_error {
            result
                .errors
                .push(format!("--var-file {}: {e}", vf.cand.display));
        } else if let Content::Failed(e) = &vf.content {
            result
                .errors
                .push(format!("--var-file {}: {}", vf.cand.display, e.message));
        }
    }

    for pf in parsed {
        if let Some(e) = pf.io_error {
            result.errors.push(format!("{}: {e}", pf.cand.display));
            continue;
        }
        let framework = match &pf.content {
            Content::Terraform(_) | Content::Tfvars(_) => Some(Framework::Terraform),
            Content::Kubernetes(_) => Some(Framework::Kubernetes),
            Content::CloudFormation(_) => Some(Framework::CloudFormation),
            _ => None,
        };
        if let Some(f) = framework {
            if !wants(&opts.frameworks, f) {
                continue;
            }
        }
        let file = sources.len();
        result.summary.bytes += pf.text.len() as u64;
        let lines = LineIndex::new(&pf.text);
        let mut counted = true;
        match pf.content {
            Content::Terraform(blocks) => {
                let dir = pf
                    .cand
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                modules.entry(dir).or_default().0.push((file, blocks));
            }
            Content::Tfvars(attrs) => {
                let name = pf
                    .cand
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let dir = pf
                    .cand
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                modules.entry(dir).or_default().1.push((name, attrs));
            }
            Content::Kubernetes(docs) => {
                group += 1;
                for d in &docs {
                    kubernetes::objects(d, file, group, &mut resources);
                }
            }
            Content::CloudFormation(root) => {
                group += 1;
                cloudformation::resources(&root, file, group, &mut resources);
            }
            Content::NotIac => {
                result.summary.files_not_iac += 1;
                counted = false;
            }
            Content::Skipped(msg) => {
                result.notes.push(Note {
                    path: pf.cand.display.clone(),
                    message: msg,
                });
                counted = false;
            }
            Content::Failed(e) => {
                findings.push(Finding::parse_error(file, &pf.cand.display, e));
            }
        }
        if counted {
            result.summary.files_scanned += 1;
        }
        sources.push(Source {
            path: pf.cand.display,
            text: pf.text,
            lines,
            framework,
        });
    }

    // Terraform: one module per directory; tfvars in Terraform's order, then --var-file.
    for (_dir, (files, mut tfvars)) in modules {
        group += 1;
        tfvars.sort_by_key(|(name, _)| {
            (
                name != "terraform.tfvars" && name != "terraform.tfvars.json",
                name.clone(),
            )
        });
        let auto: Vec<&Node> = tfvars
            .iter()
            .filter(|(n, _)| {
                n.starts_with("terraform.tfvars")
                    || n.ends_with(".auto.tfvars")
                    || n.ends_with(".auto.tfvars.json")
            })
            .map(|(_, v)| v)
            .chain(var_files.iter().filter_map(|v| match &v.content {
                Content::Tfvars(n) => Some(n),
                _ => None,
            }))
            .collect();
        let mfiles: Vec<terraform::ModuleFile> = files
            .iter()
            .map(|(f, b)| terraform::ModuleFile {
                file: *f,
                blocks: b,
            })
            .collect();
        let ctx = terraform::ModuleContext::build(&mfiles, &auto);
        resources.extend(terraform::module_resources(&mfiles, &ctx, group));
    }

    result.summary.resources = resources.len();
    let index = ResourceIndex::new(resources);
    let evaluated: Vec<Vec<Finding>> = index
        .resources
        .par_iter()
        .map(|r| {
            eval::evaluate_resource(catalog, &index, r, opts.show_unknown)
                .into_iter()
                .flat_map(|rr| {
                    let check = &catalog.checks[rr.check];
                    let path = &sources[r.file].path;
                    let mut out = Vec::new();
                    if let Some((span, why)) = rr.unknown {
                        out.push(Finding {
                            check_id: check.id.clone(),
                            severity: Severity::Info,
                            message: format!(
                                "{}: not decided, a value is unknown ({why})",
                                check.id
                            ),
                            file: r.file,
                            span,
                            label: format!("unknown: {why}"),
                            secondary: vec![],
                            resource: r.address.clone(),
                            resource_span: Some(r.span),
                            fingerprint: fingerprint(&[path, &r.address, &check.id, "unknown"]),
                            kind: FindingKind::Unknown,
                            enforced: false,
                            notes: vec![],
                        });
                    }
                    for m in rr.marks {
                        let mut secondary = Vec::new();
                        if m.span != r.anchor && r.framework != Framework::Kubernetes {
                            secondary.push(Related {
                                file: r.file,
                                span: r.anchor,
                                label: "in this resource".to_string(),
                            });
                        }
                        secondary.extend(r.context.iter().map(|(file, span, label)| Related {
                            file: *file,
                            span: *span,
                            label: label.clone(),
                        }));
                        out.push(Finding {
                            check_id: check.id.clone(),
                            severity: check.severity,
                            message: check.message().to_string(),
                            file: r.file,
                            span: m.span,
                            label: m.label,
                            secondary,
                            resource: r.address.clone(),
                            resource_span: Some(r.span),
                            fingerprint: fingerprint(&[path, &r.address, &check.id, &m.key]),
                            kind: FindingKind::Check,
                            enforced: false,
                            notes: vec![],
                        });
                    }
                    out
                })
                .collect()
        })
        .collect();
    findings.extend(evaluated.into_iter().flatten());
    findings.sort_by(|a, b| {
        (&sources[a.file].path, a.span.start, &a.check_id, a.span.end).cmp(&(
            &sources[b.file].path,
            b.span.start,
            &b.check_id,
            b.span.end,
        ))
    });
    // Several rules of one check failing at one place are one finding, with every reason.
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let Some(last) = merged.last_mut() {
            if last.file == f.file
                && last.span == f.span
                && last.check_id == f.check_id
                && last.kind == f.kind
            {
                if !last.label.contains(&f.label) {
                    last.label = format!("{}; {}", last.label, f.label);
                }
                continue;
            }
        }
        merged.push(f);
    }
    let findings = merged;
    result.sources = sources;
    result.findings = findings;
    result.resources = index.resources;
    result
}

impl ScanResult {
    /// The index of the source with this path, adding it (not counted as scanned) when the
    /// scan did not read it.
    pub fn source_index(&mut self, path: &str, text: impl FnOnce() -> String) -> usize {
        if let Some(i) = self.sources.iter().position(|s| s.path == path) {
            return i;
        }
        self.sources
            .push(Source::auxiliary(path.to_string(), text()));
        self.sources.len() - 1
    }
}
