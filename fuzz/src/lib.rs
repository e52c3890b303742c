//! What the fuzz targets share: the whole scan pipeline run on one in-memory file, the way a
//! git snapshot is scanned (no file system access for the scanned file), through the filter
//! stage (waiver lexers, diagnostics) and every renderer.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use guardrail::checks::{Catalog, Severity};
use guardrail::date::Date;
use guardrail::engine::{scan_files, ScanOptions, ScanResult};
use guardrail::federation::{Federation, FederationOptions};
use guardrail::filter::{self, FilterOptions};
use guardrail::report::{self, Format, ReportInput, ReportOptions};
use guardrail::scope::{Candidate, FileKind};

/// An empty directory the pipeline may look into (module manifests, `file()`): nothing is
/// there, so every run sees the same file system.
pub fn empty_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("guardrail-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("cannot create the fuzz directory");
        d
    })
}

/// The built-in checks and no configuration, loaded once; the worker pool is set up the way
/// the binary sets it up.
pub fn federation() -> &'static Federation {
    static FED: OnceLock<Federation> = OnceLock::new();
    FED.get_or_init(|| {
        guardrail::engine::init_thread_pool();
        let dir = empty_dir().to_path_buf();
        Federation::load(&FederationOptions {
            config: None,
            require_packs: vec![],
            locked: false,
            offline: true,
            update: false,
            cwd: dir.clone(),
            root: dir,
        })
        .expect("the built-in catalog loads")
    })
}

/// Scans `data` as a file named `name` of the given kind with `catalog` (default: the
/// built-in checks), applies the filter stage and renders every format.
pub fn scan_bytes(name: &str, kind: FileKind, data: &[u8], catalog: Option<&Catalog>) {
    let fed = federation();
    let dir = empty_dir();
    let cand = Candidate {
        path: dir.join(name),
        display: name.to_string(),
        kind,
        bytes: Some(data.to_vec()),
    };
    let opts = ScanOptions {
        paths: vec![dir.to_path_buf()],
        show_unknown: true,
        ..Default::default()
    };
    let catalog = catalog.unwrap_or(&fed.catalog);
    let mut result = scan_files(vec![cand], &opts, catalog, dir, dir, ScanResult::default());
    filter::apply(
        &mut result,
        fed,
        &FilterOptions {
            today: Date::parse("2026-06-01").expect("a valid date"),
            whole_project: true,
            baseline: None,
        },
    );
    render_all(&result, &used_checks(&result, catalog));
}

/// The checks the result refers to. Rendering every rule of the catalog (SARIF lists them
/// all) is the same work for every input and took two thirds of each run: the `renderers`
/// target renders the whole catalog.
fn used_checks(result: &ScanResult, catalog: &Catalog) -> Catalog {
    let used = |id: &str| {
        result.findings.iter().any(|f| f.check_id == id)
            || result.suppressed.iter().any(|s| s.finding.check_id == id)
    };
    Catalog::new(
        catalog
            .checks
            .iter()
            .filter(|c| used(&c.id))
            .cloned()
            .collect(),
    )
}

/// Renders a result in every format, with and without colour.
pub fn render_all(result: &ScanResult, catalog: &Catalog) {
    for (format, color) in [
        (Format::Human, false),
        (Format::Human, true),
        (Format::Json, false),
        (Format::Sarif, false),
        (Format::Github, false),
        (Format::Markdown, false),
    ] {
        let input = ReportInput {
            result,
            catalog,
            fail_on: Some(Severity::Low),
            color,
            elapsed_ms: 0,
            include_suppressed: true,
            // With a link base, Markdown builds links out of paths and lines too.
            options: ReportOptions {
                link_base: Some("https://github.com/o/r/blob/0123abc".into()),
                ..ReportOptions::default()
            },
        };
        let out = report::render(format, &input);
        if matches!(format, Format::Json | Format::Sarif) {
            // Machine formats must stay valid JSON whatever the input held.
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&out) {
                panic!("{format:?} output is not JSON: {e}\n{out}");
            }
        }
    }
}

/// Files for a fuzzed check to run on: one per framework, from the fixtures.
const SAMPLES: &[(&str, FileKind, &str)] = &[
    (
        "s3.tf",
        FileKind::Terraform,
        include_str!("../../fixtures/aws-s3-bucket-public-acl/fail.tf"),
    ),
    (
        "sg.tf",
        FileKind::Terraform,
        include_str!("../../fixtures/aws-security-group-ssh-open/fail.tf"),
    ),
    (
        "pod.yaml",
        FileKind::Yaml,
        include_str!("../../fixtures/k8s-privileged-container/fail.k8s.yaml"),
    ),
    (
        "bucket.yaml",
        FileKind::Yaml,
        include_str!("../../fixtures/aws-s3-bucket-public-acl/fail.cfn.yaml"),
    ),
];

/// Runs `catalog` over the sample files and renders the result.
pub fn scan_samples(catalog: &Catalog) {
    let fed = federation();
    let dir = empty_dir();
    let cands = SAMPLES
        .iter()
        .map(|(name, kind, text)| Candidate {
            path: dir.join(name),
            display: name.to_string(),
            kind: *kind,
            bytes: Some(text.as_bytes().to_vec()),
        })
        .collect();
    let opts = ScanOptions {
        paths: vec![dir.to_path_buf()],
        show_unknown: true,
        ..Default::default()
    };
    let mut result = scan_files(cands, &opts, catalog, dir, dir, ScanResult::default());
    filter::apply(
        &mut result,
        fed,
        &FilterOptions {
            today: Date::parse("2026-06-01").expect("a valid date"),
            whole_project: true,
            baseline: None,
        },
    );
    render_all(&result, &used_checks(&result, catalog));
}
