//! The GitHub-facing formats through the CLI: SARIF for code scanning (categories, rules,
//! fingerprints, relative URIs, the 25,000-result limit), workflow-command annotations and the
//! Markdown job summary.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{guardrail, tree};
use serde_json::Value;

const PUBLIC_BUCKET_TF: &str = r#"resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}
"#;

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.0\n      securityContext:\n        privileged: true\n";

/// Runs `guardrail scan` in `dir`: (exit code, stdout, stderr).
fn scan(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = guardrail(dir)
        .arg("scan")
        .args(args)
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn sarif(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut a = vec!["--format", "sarif"];
    a.extend_from_slice(args);
    let (_, out, err) = scan(dir, &a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad SARIF ({e}): {out}\n{err}"))
}

fn results(v: &Value) -> &Vec<Value> {
    v["runs"][0]["results"].as_array().unwrap()
}

fn uri(r: &Value) -> &str {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

fn start_line(r: &Value) -> u64 {
    r["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap()
}

#[test]
fn sarif_category_default_and_flag() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    let v = sarif(d.path(), &[]);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "guardrail/");
    // GitHub reads the part before the last `/` as the category: a bare name gets the slash.
    let v = sarif(d.path(), &["--sarif-category", "guardrail/infra"]);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "guardrail/infra/");
    let (code, _, err) = scan(d.path(), &["--format", "sarif", "--sarif-category", ""]);
    assert_eq!(code, 2);
    assert!(err.contains("--sarif-category"), "{err}");
    // Also for the SARIF written by --report.
    let (code, _, _) = scan(
        d.path(),
        &[
            "--format",
            "github",
            "--report",
            "sarif=out.sarif",
            "--sarif-category",
            "prod",
        ],
    );
    assert_eq!(code, 1);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "prod/");
}

#[test]
fn sarif_rules_are_unique_and_ranked_on_githubs_scale() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    let v = sarif(d.path(), &[]);
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "guardrail");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: HashSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "duplicate rule ids");
    // Every built-in check and the built-in diagnostics (parse-error, waiver-*, …).
    let out = guardrail(d.path())
        .args(["checks", "list", "--format", "json"])
        .output()
        .unwrap();
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rules.len(),
        checks.len() + guardrail::diagnostics::ALL.len()
    );
    assert!(ids.contains("parse-error") && ids.contains("waiver-unused"));
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(
            r["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 1024,
            "{id}"
        );
        for key in ["text", "markdown"] {
            assert!(
                !r["help"][key].as_str().unwrap().is_empty(),
                "{id} help.{key}"
            );
        }
        let tags = r["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"), "{id}");
        assert!(r["properties"]["precision"].is_string(), "{id}");
        // A string on GitHub's 0–10 scale, or nothing for info checks (which are notes).
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        match r["properties"]["security-severity"].as_str() {
            Some(s) => {
                let score: f64 = s.parse().unwrap();
                assert!((0.1..=10.0).contains(&score), "{id}: {s}");
                assert_ne!(level, "note", "{id}");
            }
            None => assert_eq!(level, "note", "{id} has no security-severity"),
        }
    }
    let acl = rules
        .iter()
        .find(|r| r["id"] == "aws-s3-bucket-public-acl")
        .unwrap();
    assert_eq!(acl["properties"]["security-severity"], "9.5");
    assert_eq!(acl["defaultConfiguration"]["level"], "error");
    assert!(acl["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "access-control"));
    let text = acl["help"]["text"].as_str().unwrap();
    assert!(
        text.contains("Remediation: Set `acl` to `private`"),
        "{text}"
    );
    assert!(
        text.contains("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"),
        "{text}"
    );
    assert!(text.contains("Related: CKV_AWS_20"), "{text}");
    let md = acl["help"]["markdown"].as_str().unwrap();
    assert!(md.contains("**Remediation:**") && md.contains("**Related:** CKV_AWS_20"));
    let medium = rules
        .iter()
        .find(|r| r["id"] == "aws-s3-bucket-versioning")
        .unwrap();
    assert_eq!(medium["properties"]["security-severity"], "5.5");
    assert_eq!(medium["defaultConfiguration"]["level"], "warning");

    // Results point at their rule, with a 1-based region and an exclusive end column, and
    // carry our fingerprint but not GitHub's line hash.
    let r = results(&v)
        .iter()
        .find(|r| r["ruleId"] == "aws-s3-bucket-public-acl")
        .unwrap();
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        r["ruleId"]
    );
    assert_eq!(r["level"], "error");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        [
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ],
        [3, 12, 3, 25]
    );
    assert!(r["partialFingerprints"]["guardrailFingerprint/v1"].is_string());
    assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_null());
    assert_eq!(
        v["runs"][0]["invocations"][0]["executionSuccessful"],
        Value::Bool(true)
    );
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let before = format!("{PUBLIC_BUCKET_TF}\n");
    let after = format!(
        "# a comment\n\nresource \"aws_s3_bucket_versioning\" \"other\" {{\n  bucket = \"x\"\n}}\n\n{PUBLIC_BUCKET_TF}"
    );
    let fingerprints = |text: &str| -> BTreeMap<String, (String, u64)> {
        let d = tree(&[("main.tf", text)]);
        results(&sarif(d.path(), &[]))
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    (
                        r["partialFingerprints"]["guardrailFingerprint/v1"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                        start_line(r),
                    ),
                )
            })
            .collect()
    };
    let a = fingerprints(&before);
    let b = fingerprints(&after);
    assert!(a.contains_key("aws-s3-bucket-public-acl"));
    for (rule, (fp, line)) in &a {
        let (fp2, line2) = &b[rule];
        assert_eq!(fp, fp2, "{rule}: the fingerprint moved with the lines");
        assert_eq!(*line2, line + 6, "{rule}: the finding itself did move");
    }
    // A different resource with the same problem has its own fingerprint.
    let c = fingerprints(&PUBLIC_BUCKET_TF.replace("\"site\" {", "\"logs\" {"));
    assert_ne!(
        a["aws-s3-bucket-public-acl"].0,
        c["aws-s3-bucket-public-acl"].0
    );
}

#[test]
fn sarif_uris_are_relative_to_the_repository_from_a_subdirectory() {
    let d = tree(&[
        ("infra/main.tf", PUBLIC_BUCKET_TF),
        ("k8s/pod.yaml", PRIVILEGED_POD),
        ("README.md", "repo\n"),
    ]);
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let sub = d.path().join("infra");
    let v = sarif(
        &sub,
        &[
            ".",
            "../k8s",
            "--check",
            "aws-s3-bucket-public-acl",
            "--check",
            "k8s-privileged-container",
        ],
    );
    let uris: Vec<&str> = results(&v).iter().map(uri).collect();
    assert_eq!(uris, vec!["infra/main.tf", "k8s/pod.yaml"]);
    for r in results(&v) {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
    }
    // Names that need percent-encoding stay relative references.
    let d = tree(&[("my infra/#1.tf", PUBLIC_BUCKET_TF)]);
    let v = sarif(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(uri(&results(&v)[0]), "my%20infra/%231.tf");
}

/// A pod with `n` privileged containers: per container one critical finding and several
/// lower ones, so the result limit has to choose.
fn big_pod(n: usize) -> String {
    let mut s =
        String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n");
    for i in 0..n {
        s.push_str(&format!(
            "    - name: c{i}\n      image: nginx\n      securityContext:\n        privileged: true\n"
        ));
    }
    s
}

#[test]
fn sarif_keeps_the_25000_most_severe_results_and_says_so() {
    let d = tree(&[("pod.yaml", &big_pod(2000))]);
    let (_, json, _) = scan(d.path(), &["--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let all = json["summary"]["findings"].as_u64().unwrap() as usize;
    assert!(all > 25_000, "the fixture must exceed the limit ({all})");
    let by_sev = &json["summary"]["by_severity"];

    let v = sarif(d.path(), &[]);
    let res = results(&v);
    assert_eq!(res.len(), 25_000);
    // Everything above low is kept; only low results were cut.
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let mut kept: BTreeMap<&str, u64> = BTreeMap::new();
    for r in res {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        let sev = match rule["properties"]["security-severity"].as_str() {
            Some("9.5") => "critical",
            Some("8.0") => "high",
            Some("5.5") => "medium",
            Some("3.0") => "low",
            _ => "info",
        };
        *kept.entry(sev).or_default() += 1;
    }
    for sev in ["critical", "high", "medium"] {
        assert_eq!(
            kept.get(sev).copied().unwrap_or(0),
            by_sev[sev].as_u64().unwrap(),
            "{sev}"
        );
    }
    assert!(kept["low"] < by_sev["low"].as_u64().unwrap());
    // Still in report order (file, line).
    let lines: Vec<u64> = res.iter().map(start_line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "warning");
    let text = notes[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("{} of {all} results were left out", all - 25_000)),
        "{text}"
    );
    assert!(text.contains("at most 25000 results per run"), "{text}");

    // The Markdown summary of the same scan stays under 1 MiB and says what it left out.
    let (_, md, _) = scan(d.path(), &["--format", "markdown"]);
    assert!(md.len() < 1024 * 1024, "{} bytes", md.len());
    let rows = md.lines().filter(|l| l.starts_with("| **")).count();
    assert!(rows > 1000 && rows < all, "{rows} rows");
    assert!(
        md.contains(&format!(
            "{} more findings not shown: a job summary is limited to 1 MiB",
            all - rows
        )),
        "{}",
        &md[md.len() - 2000..]
    );
    // The most severe rows were the ones kept.
    assert!(md.contains("| **critical** | `k8s-privileged-container` |"));
}

#[test]
fn github_annotations_most_severe_first_with_exact_positions() {
    let d = tree(&[
        ("main.tf", PUBLIC_BUCKET_TF),
        ("k8s/pod.yaml", PRIVILEGED_POD),
    ]);
    let (code, out, _) = scan(
        d.path(),
        &[
            "--format",
            "github",
            "--check",
            "aws-s3-bucket-public-acl",
            "--check",
            "aws-s3-bucket-versioning",
            "--check",
            "k8s-privileged-container",
            "--check",
            "k8s-cpu-limits",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    let heads: Vec<&str> = lines
        .iter()
        .map(|l| l.split("::").take(2).collect::<Vec<_>>()[1])
        .take(4)
        .collect();
    assert_eq!(
        heads,
        vec![
            // critical, in file order; then medium; then low.
            "error file=k8s/pod.yaml,line=10,endLine=10,col=21,endColumn=25,title=k8s-privileged-container",
            "error file=main.tf,line=3,endLine=3,col=12,endColumn=25,title=aws-s3-bucket-public-acl",
            "warning file=main.tf,line=1,endLine=1,col=1,endColumn=32,title=aws-s3-bucket-versioning",
            "warning file=k8s/pod.yaml,line=7,endLine=7,col=13,endColumn=14,title=k8s-cpu-limits",
        ]
    );
    assert!(lines[1].ends_with(
        "::S3 bucket ACL makes the bucket public: `acl` is \"public-read\"%0Aseverity: critical, resource: aws_s3_bucket.site%0Afix: Set `acl` to `private` (Terraform) or `AccessControl` to `Private` (CloudFormation), remove grants to the `AllUsers` and `AuthenticatedUsers` groups, and enable S3 Block Public Access."
    ), "{}", lines[1]);
    assert_eq!(
        lines[4],
        "guardrail: 4 findings (2 critical, 1 medium, 1 low); 2 files scanned; 2 at or above high"
    );
    assert_eq!(lines.len(), 5);
}

#[test]
fn github_annotations_escape_what_the_runner_would_parse() {
    // A file name with `,` `:` `%` and a line break, and a value with `%` `,` `:`.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: \"app:100%,a:latest\"\n";
    let d = tree(&[("k8s/a,b:100%\nx.yaml", pod)]);
    let (_, out, _) = scan(
        d.path(),
        &["--format", "github", "--check", "k8s-image-latest-tag"],
    );
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "::warning file=k8s/a%2Cb%3A100%25%0Ax.yaml,line=8,endLine=8,col=14,endColumn=33,title=k8s-image-latest-tag::Container image has no tag or uses the latest tag: `image` is \"app:100%25,a:latest\"%0Aseverity: medium, resource: Pod/p%0Afix: Reference the image by an immutable tag (`registry.example.com/app:1.4.2`) or, better, by digest (`app@sha256:...`)."
    );
    // Exactly one command line and the totals: nothing leaked onto a line of its own.
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn github_multi_line_spans_have_no_columns_and_errors_are_annotations() {
    // A quoted YAML scalar folded over two lines: the finding spans both.
    let d = tree(&[(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: \"my\n        app\"\n",
    )]);
    let (_, out, _) = scan(
        d.path(),
        &["--format", "github", "--check", "k8s-image-latest-tag"],
    );
    assert!(
        out.starts_with("::warning file=pod.yaml,line=8,endLine=9,title=k8s-image-latest-tag::Container image has no tag or uses the latest tag: `image` is \"my app\"%0A"),
        "{out}"
    );
    // The tool's own failures become error annotations too (and exit 2).
    let (code, out, _) = scan(d.path(), &["--format", "github", "missing.yaml"]);
    assert_eq!(code, 2);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .starts_with("::error title=guardrail::"),
        "{out}"
    );
}

#[test]
fn markdown_summary_ranks_counts_links_and_escapes() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: \"<img src=x>|[y](z):latest\"\n      securityContext:\n        privileged: true\n";
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF), ("k8s/pod.yaml", pod)]);
    let args = [
        "--format",
        "markdown",
        "--check",
        "aws-s3-bucket-public-acl",
        "--check",
        "aws-s3-bucket-versioning",
        "--check",
        "k8s-privileged-container",
        "--check",
        "k8s-image-latest-tag",
        "--fail-on",
        "high",
    ];
    let (code, md, _) = scan(d.path(), &args);
    assert_eq!(code, 1);
    assert!(
        md.starts_with("## guardrail: 4 findings\n\n**Failed:** 2 findings at or above `high`.\n"),
        "{md}"
    );
    assert!(md.contains("| critical | high | medium | low | info |\n|---:|---:|---:|---:|---:|\n| 2 | 0 | 2 | 0 | 0 |\n"), "{md}");
    assert!(md.contains("2 files scanned, 2 resources."), "{md}");
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(" | `"))
        .collect();
    assert_eq!(
        rows,
        vec![
            "| **critical** | `k8s-privileged-container` | k8s/pod.yaml:10 | `Pod/p` | Container sets securityContext.privileged to true: `securityContext.privileged` is true |",
            "| **critical** | `aws-s3-bucket-public-acl` | main.tf:3 | `aws_s3_bucket.site` | S3 bucket ACL makes the bucket public: `acl` is \"public-read\" |",
            "| medium | `k8s-image-latest-tag` | k8s/pod.yaml:8 | `Pod/p` | Container image has no tag or uses the latest tag: `image` is \"&lt;img src=x&gt;\\|\\[y\\]\\(z\\):latest\" |",
            "| medium | `aws-s3-bucket-versioning` | main.tf:1 | `aws_s3_bucket.site` | S3 bucket versioning is not enabled: no compliant `aws_s3_bucket_versioning` refers to this resource |",
        ],
        "{md}"
    );
    // Explanations are collapsed, once per check, in the table's order.
    assert_eq!(md.matches("<details>").count(), 4);
    let first = md
        .find("<summary><code>k8s-privileged-container</code>")
        .unwrap();
    let last = md
        .find("<summary><code>aws-s3-bucket-versioning</code>")
        .unwrap();
    assert!(first < last);

    // Links to the commit, from --link-base or GitHub's variables.
    let (_, md, _) = scan(
        d.path(),
        &[
            &args[..],
            &["--link-base", "https://github.example/o/r/blob/abc/"],
        ]
        .concat(),
    );
    assert!(
        md.contains("| [main.tf:3](https://github.example/o/r/blob/abc/main.tf#L3) |"),
        "{md}"
    );
    let out = guardrail(d.path())
        .arg("scan")
        .args(args)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "octo/infra")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("[k8s/pod.yaml:10](https://github.com/octo/infra/blob/0123456789abcdef0123456789abcdef01234567/k8s/pod.yaml#L10)"), "{md}");

    // Nothing found: a clear pass.
    let clean = tree(&[(
        "k8s/pod.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )]);
    let (code, md, _) = scan(clean.path(), &["--format", "markdown", "--fail-on", "high"]);
    assert_eq!(code, 0);
    assert!(
        md.starts_with("## guardrail: no findings\n\n**Passed:** nothing at or above `high`.\n"),
        "{md}"
    );
    assert!(!md.contains("| Severity |"));
}

#[test]
fn waived_and_enforced_findings_in_the_github_formats() {
    let d = tree(&[
        (".guardrail.yaml", "packs:\n  - builtin\n  - path: pack\n"),
        (
            "pack/guardrail-pack.yaml",
            "name: org\nversion: 1.0.0\nenforced: [aws-s3-bucket-versioning]\n",
        ),
        (
            "main.tf",
            "resource \"aws_s3_bucket\" \"site\" {\n  bucket = \"site\"\n  acl    = \"public-read\" # guardrail:ignore aws-s3-bucket-public-acl -- public website\n}\n",
        ),
    ]);
    let checks = [
        "--check",
        "aws-s3-bucket-public-acl",
        "--check",
        "aws-s3-bucket-versioning",
        "--fail-on",
        "critical",
    ];
    // The waived finding is not annotated; the enforced medium one fails the run.
    let (code, out, _) = scan(d.path(), &[&checks[..], &["--format", "github"]].concat());
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("::warning file=main.tf,line=1,endLine=1,col=1,endColumn=32,title=aws-s3-bucket-versioning::"), "{}", lines[0]);
    assert!(
        lines[0].contains("%0Aseverity: medium (enforced), resource: aws_s3_bucket.site%0A"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "guardrail: 1 finding (1 medium), 1 suppressed; 1 file scanned; 1 of enforced checks"
    );

    let (_, md, _) = scan(d.path(), &[&checks[..], &["--format", "markdown"]].concat());
    assert!(
        md.contains("**Failed:** 1 finding of enforced checks.\n"),
        "{md}"
    );
    assert!(
        md.contains("\n1 suppressed finding not shown (1 inline).\n"),
        "{md}"
    );
    assert!(
        md.contains("| **medium** (enforced) | `aws-s3-bucket-versioning` | main.tf:1 |"),
        "{md}"
    );
    assert!(!md.contains("| `aws-s3-bucket-public-acl` |"), "{md}");

    // SARIF leaves the waived finding out unless asked, then marks it suppressed.
    let v = sarif(d.path(), &checks);
    let ids: Vec<&str> = results(&v)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["aws-s3-bucket-versioning"]);
    let v = sarif(
        d.path(),
        &[&checks[..], &["--sarif-include-suppressed"]].concat(),
    );
    let acl = results(&v)
        .iter()
        .find(|r| r["ruleId"] == "aws-s3-bucket-public-acl")
        .unwrap();
    assert_eq!(acl["suppressions"][0]["kind"], "inSource");
    assert_eq!(acl["suppressions"][0]["justification"], "public website");
}
