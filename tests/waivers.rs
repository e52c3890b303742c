//! Waivers in every syntax, their governance (reason, expiry, unused, unknown ids), config
//! waivers with globs and resources, and how suppressed findings are reported.

mod common;

use common::{finding, guardrail_in, ids, scan_in, tree};
use predicates::prelude::*;

fn scan(d: &tempfile::TempDir, args: &[&str]) -> (i32, serde_json::Value, String) {
    scan_in(d.path(), &d.path().join(".cache-not-used"), args)
}

/// (check id, file, line, reason) of every suppressed finding.
fn suppressed(v: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["check_id"].as_str().unwrap().to_string(),
                s["file"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
                s["suppression"]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sup(id: &str, file: &str, line: u64, reason: &str) -> (String, String, u64, String) {
    (id.into(), file.into(), line, reason.into())
}

const ACL: &[&str] = &["--check", "aws-s3-bucket-public-acl"];

#[test]
fn terraform_comments_hash_slashes_and_block() {
    let d = tree(&[(
        "main.tf",
        r##"# guardrail:ignore aws-s3-bucket-public-acl expires=2027-01-31 owner=team-web -- public website bucket
resource "aws_s3_bucket" "above_header" {
  acl = "public-read"
}
resource "aws_s3_bucket" "same_line" {
  acl = "public-read" // guardrail:ignore aws-s3-bucket-public-acl -- mirrors a public dataset
}
resource "aws_s3_bucket" "line_above" {
  # some context first
  /* guardrail:ignore aws-s3-bucket-public-acl -- block comment */
  acl = "public-read"
}
# guardrail:ignore aws-s3-bucket-public-acl -- a blank line ends the stack

resource "aws_s3_bucket" "not_covered" {
  acl = "public-read" # guardrail:ignore aws-s3-bucket-versioning -- other check
}
resource "aws_s3_bucket" "in_string" {
  acl = "public-read"
  tags = { note = "# guardrail:ignore aws-s3-bucket-public-acl -- not a comment" }
}
"##,
    )]);
    let (code, v, err) = scan(&d, ACL);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![
            sup(
                "aws-s3-bucket-public-acl",
                "main.tf",
                3,
                "public website bucket"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "main.tf",
                6,
                "mirrors a public dataset"
            ),
            sup("aws-s3-bucket-public-acl", "main.tf", 11, "block comment"),
        ]
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-unused", "main.tf", 13, 1),
            finding("aws-s3-bucket-public-acl", "main.tf", 16, 9),
            finding("aws-s3-bucket-public-acl", "main.tf", 19, 9),
        ]
    );
    let s = &v["suppressed"][0]["suppression"];
    assert_eq!(s["kind"], "inline");
    assert_eq!(
        (s["owner"].as_str(), s["expires"].as_str()),
        (Some("team-web"), Some("2027-01-31"))
    );
    assert_eq!(
        (s["file"].as_str(), s["line"].as_u64()),
        (Some("main.tf"), Some(1))
    );
    // `aws-s3-bucket-versioning` is not running: its waiver is not called unused.
    assert_eq!(v["summary"]["suppressed"], 3);
    assert_eq!(v["summary"]["findings"], 3);
}

#[test]
fn yaml_comments_are_lexed_around_quoted_and_block_scalars() {
    let d = tree(&[(
        "k8s.yaml",
        r##"# guardrail:ignore k8s-host-network -- node exporter needs the host network
apiVersion: v1
kind: Pod
metadata:
  name: exporter
spec:
  hostNetwork: true
  containers:
    - name: exporter
      image: "prom/node-exporter:v1.8.0"
---
apiVersion: v1
kind: Pod
metadata:
  name: quoted
  labels:
    note: "x # guardrail:ignore k8s-host-network -- inside a string"
    other: 'it''s # guardrail:ignore k8s-host-network -- inside a string'
  annotations:
    script: |
      # guardrail:ignore k8s-host-network -- inside a block scalar
spec:
  hostNetwork: true  # guardrail:ignore k8s-privileged-container -- wrong check
  containers:
    - name: app
      image: "nginx:1.27"
"##,
    )]);
    let (code, v, err) = scan(
        &d,
        &[
            "--check",
            "k8s-host-network",
            "--check",
            "k8s-privileged-container",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![sup(
            "k8s-host-network",
            "k8s.yaml",
            7,
            "node exporter needs the host network"
        )]
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("k8s-host-network", "k8s.yaml", 23, 16),
            finding("waiver-unused", "k8s.yaml", 23, 22),
        ]
    );
}

#[test]
fn kubernetes_annotations_on_object_and_pod_template() {
    let d = tree(&[(
        "deploy.yaml",
        r##"apiVersion: apps/v1
kind: Deployment
metadata:
  name: exporter
  annotations:
    guardrail.dev/ignore: "k8s-host-network -- node exporter needs the host network"
spec:
  template:
    metadata:
      annotations:
        guardrail.dev/ignore: "k8s-privileged-container owner=team-obs -- reads hardware sensors"
        checkov.io/skip1: CKV_K8S_20=needs to escalate for perf counters
    spec:
      hostNetwork: true
      containers:
        - name: exporter
          image: prom/node-exporter:v1.8.0
          securityContext:
            privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: other
  annotations:
    guardrail.dev/ignore: "k8s-host-network"
spec:
  hostNetwork: true
  containers:
    - name: a
      image: nginx:1.27
      securityContext: { allowPrivilegeEscalation: false }
"##,
    )]);
    let (code, v, err) = scan(
        &d,
        &[
            "--check",
            "k8s-host-network",
            "--check",
            "k8s-privileged-container",
            "--check",
            "k8s-allow-privilege-escalation",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![
            sup(
                "k8s-host-network",
                "deploy.yaml",
                14,
                "node exporter needs the host network"
            ),
            sup(
                "k8s-allow-privilege-escalation",
                "deploy.yaml",
                16,
                "needs to escalate for perf counters"
            ),
            sup(
                "k8s-privileged-container",
                "deploy.yaml",
                19,
                "reads hardware sensors"
            ),
        ]
    );
    let kinds: Vec<&str> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["suppression"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["annotation", "peer", "annotation"]);
    // No reason: invalid, pointing at the annotation value, and the finding stays.
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-invalid", "deploy.yaml", 26, 27),
            finding("k8s-host-network", "deploy.yaml", 28, 16),
        ]
    );
    assert_eq!(
        v["findings"][0]["message"],
        "invalid waiver: a waiver needs a reason: `-- <why this is acceptable>`"
    );
}

#[test]
fn cloudformation_metadata_in_yaml_and_json() {
    let d = tree(&[
        (
            "site.cfn.yaml",
            r##"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Site:
    Type: AWS::S3::Bucket
    Metadata:
      guardrail:
        ignore:
          - id: aws-s3-bucket-public-acl
            reason: static website
            owner: team-web
            expires: 2027-01-31
    Properties:
      AccessControl: PublicRead
  Other:
    Type: AWS::S3::Bucket
    Metadata:
      guardrail:
        ignore:
          - id: aws-s3-bucket-public-acl
    Properties:
      AccessControl: PublicRead
"##,
        ),
        (
            "site.cfn.json",
            r##"{
  "Resources": {
    "Site": {
      "Type": "AWS::S3::Bucket",
      "Metadata": { "guardrail": { "ignore": [ { "id": "aws-s3-bucket-public-acl", "reason": "static website (json)" } ] } },
      "Properties": { "AccessControl": "PublicRead" }
    },
    "Legacy": {
      "Type": "AWS::S3::Bucket",
      "Metadata": { "checkov": { "skip": [ { "id": "CKV_AWS_20", "comment": "migrated from checkov" } ] } },
      "Properties": { "AccessControl": "PublicRead" }
    }
  }
}
"##,
        ),
    ]);
    let (code, v, err) = scan(&d, ACL);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![
            sup(
                "aws-s3-bucket-public-acl",
                "site.cfn.json",
                6,
                "static website (json)"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "site.cfn.json",
                11,
                "migrated from checkov"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "site.cfn.yaml",
                13,
                "static website"
            ),
        ]
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-invalid", "site.cfn.yaml", 19, 13),
            finding("aws-s3-bucket-public-acl", "site.cfn.yaml", 21, 22),
        ]
    );
}

#[test]
fn peer_skip_comments_map_through_related_ids() {
    let d = tree(&[(
        "main.tf",
        r##"resource "aws_s3_bucket" "checkov" {
  #checkov:skip=CKV_AWS_20:the bucket serves a public website
  acl = "public-read"
}
resource "aws_s3_bucket" "tfsec" {
  acl = "public-read" #tfsec:ignore:AVD-AWS-0092 -- legacy, tracked in SEC-12
}
resource "aws_s3_bucket" "trivy_expired" {
  #trivy:ignore:AVD-AWS-0092:exp:2026-01-01 -- until the migration
  acl = "public-read"
}
resource "aws_s3_bucket" "no_reason" {
  acl = "public-read" # checkov:skip=CKV_AWS_20
}
resource "aws_s3_bucket" "other_tool_id" {
  acl = "public-read" # checkov:skip=CKV_AWS_999:not ours, ignored silently
}
"##,
    )]);
    let (code, v, err) = scan(&d, ACL);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![
            sup(
                "aws-s3-bucket-public-acl",
                "main.tf",
                3,
                "the bucket serves a public website"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "main.tf",
                6,
                "legacy, tracked in SEC-12"
            ),
        ]
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("aws-s3-bucket-public-acl", "main.tf", 10, 9),
            finding("aws-s3-bucket-public-acl", "main.tf", 13, 9),
            finding("waiver-invalid", "main.tf", 13, 23),
            finding("aws-s3-bucket-public-acl", "main.tf", 16, 9),
        ]
    );
    let f = &v["findings"][0];
    assert_eq!(f["notes"][0], "waiver expired on 2026-01-01 (main.tf:9)");
    assert_eq!(
        v["findings"][2]["message"],
        "invalid waiver: `checkov:skip=CKV_AWS_20` gives no reason"
    );
}

#[test]
fn governance_missing_reason_expired_unused_unknown() {
    let d = tree(&[(
        "main.tf",
        r##"resource "aws_s3_bucket" "a" {
  acl = "public-read" # guardrail:ignore aws-s3-bucket-public-acl
}
resource "aws_s3_bucket" "b" {
  acl = "public-read" # guardrail:ignore aws-s3-bucket-public-acl expires=2026-05-31 -- until the CDN lands
}
resource "aws_s3_bucket" "c" {
  acl = "public-read" # guardrail:ignore aws-s3-bucket-public-acl expires=2026-06-01 -- last day still counts
}
# guardrail:ignore aws-s3-bucket-public-acl -- nothing here
resource "aws_s3_bucket" "d" {
  acl = "private"
}
resource "aws_s3_bucket" "e" {
  acl = "public-read" # guardrail:ignore aws-s3-bucket-publik-acl,aws-s3-bucket-public-acl expires=2026-13-01 -- typo
}
"##,
    )]);
    // GUARDRAIL_TODAY is 2026-06-01 in these tests.
    let (code, v, err) = scan(&d, ACL);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![sup(
            "aws-s3-bucket-public-acl",
            "main.tf",
            8,
            "last day still counts"
        )]
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("aws-s3-bucket-public-acl", "main.tf", 2, 9),
            finding("waiver-invalid", "main.tf", 2, 23),
            finding("aws-s3-bucket-public-acl", "main.tf", 5, 9),
            finding("waiver-unused", "main.tf", 10, 1),
            finding("aws-s3-bucket-public-acl", "main.tf", 15, 9),
            finding("waiver-invalid", "main.tf", 15, 23),
            finding("waiver-invalid", "main.tf", 15, 23),
        ]
    );
    let by_line = |l: u64| -> Vec<serde_json::Value> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["line"] == l)
            .cloned()
            .collect()
    };
    assert_eq!(
        by_line(5)[0]["notes"][0],
        "waiver expired on 2026-05-31 (main.tf:5)"
    );
    let unused = &by_line(10)[0];
    assert_eq!(unused["severity"], "info");
    assert_eq!(
        unused["message"],
        "waiver for `aws-s3-bucket-public-acl` matched no finding"
    );
    let msgs: Vec<String> = by_line(15)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs.contains(&"unknown check id `aws-s3-bucket-publik-acl` in a waiver".to_string()),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"invalid waiver: `2026-13-01` is not a date (YYYY-MM-DD)".to_string()),
        "{msgs:?}"
    );

    // waiver-invalid is medium and waiver-unused info: they count for --fail-on like findings.
    let d2 = tree(&[(
        "main.tf",
        "# guardrail:ignore aws-s3-bucket-public-acl -- stale\nresource \"aws_s3_bucket\" \"d\" {\n  acl = \"private\"\n}\n",
    )]);
    let (code, _, _) = scan(&d2, ACL);
    assert_eq!(
        code, 0,
        "an unused waiver (info) does not fail --fail-on low"
    );
    let (code, _, _) = scan(
        &d2,
        &["--check", "aws-s3-bucket-public-acl", "--fail-on", "info"],
    );
    assert_eq!(code, 1);
}

#[test]
fn invalid_today_is_a_usage_error() {
    let d = tree(&[("main.tf", "resource \"aws_s3_bucket\" \"a\" {}\n")]);
    guardrail_in(d.path(), d.path())
        .env("GUARDRAIL_TODAY", "tomorrow")
        .arg("scan")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "GUARDRAIL_TODAY: `tomorrow` is not a date",
        ));
}

const BUCKETS: &str = "resource \"aws_s3_bucket\" \"old_logs\" {\n  acl = \"public-read\"\n}\nresource \"aws_s3_bucket\" \"new\" {\n  acl = \"public-read\"\n}\n";

#[test]
fn config_waivers_match_paths_and_resources() {
    let d = tree(&[
        (
            ".guardrail.yaml",
            r##"waivers:
  - check: aws-s3-bucket-public-acl
    paths: ["legacy/**"]
    resources: ["aws_s3_bucket.old_*"]
    reason: logs go to the central bucket
    owner: team-storage
    expires: 2027-03-01
  - check: aws-s3-bucket-public-acl
    paths: ["public/*.tf"]
    reason: the public site
  - check: aws-s3-bucket-public-acl
    resources: [aws_s3_bucket.gone]
    reason: deleted last year
  - check: aws-s3-bucket-public-acl
    paths: ["old/**"]
"##,
        ),
        ("legacy/main.tf", BUCKETS),
        ("public/main.tf", BUCKETS),
        ("public/deeper/main.tf", BUCKETS),
        ("other/main.tf", BUCKETS),
    ]);
    let (code, v, err) = scan(&d, ACL);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        suppressed(&v),
        vec![
            sup(
                "aws-s3-bucket-public-acl",
                "legacy/main.tf",
                2,
                "logs go to the central bucket"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "public/main.tf",
                2,
                "the public site"
            ),
            sup(
                "aws-s3-bucket-public-acl",
                "public/main.tf",
                5,
                "the public site"
            ),
        ]
    );
    let s = &v["suppressed"][0]["suppression"];
    assert_eq!(
        (
            s["kind"].as_str(),
            s["file"].as_str(),
            s["line"].as_u64(),
            s["owner"].as_str()
        ),
        (
            Some("config"),
            Some(".guardrail.yaml"),
            Some(2),
            Some("team-storage")
        )
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-unused", ".guardrail.yaml", 11, 12),
            finding("waiver-invalid", ".guardrail.yaml", 14, 12),
            finding("aws-s3-bucket-public-acl", "legacy/main.tf", 5, 9),
            finding("aws-s3-bucket-public-acl", "other/main.tf", 2, 9),
            finding("aws-s3-bucket-public-acl", "other/main.tf", 5, 9),
            finding("aws-s3-bucket-public-acl", "public/deeper/main.tf", 2, 9),
            finding("aws-s3-bucket-public-acl", "public/deeper/main.tf", 5, 9),
        ]
    );
    // Scanning part of the repository cannot tell whether a config waiver is unused.
    let (_, v, _) = scan(&d, &["other", "--check", "aws-s3-bucket-public-acl"]);
    assert!(
        ids(&v).iter().all(|f| f.0 != "waiver-unused"),
        "{:?}",
        ids(&v)
    );
}

#[test]
fn suppressed_findings_in_human_json_and_sarif() {
    let d = tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"site\" {\n  acl = \"public-read\" # guardrail:ignore aws-s3-bucket-public-acl owner=web -- public website\n}\nresource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n",
    )]);
    let out = guardrail_in(d.path(), d.path())
        .args(["scan", "--no-color", "--check", "aws-s3-bucket-public-acl"])
        .output()
        .unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("suppressed: aws-s3-bucket-public-acl at main.tf:2:9: public website (inline waiver at main.tf:2, owner web)\n"), "{human}");
    assert!(
        human.contains("guardrail: 1 finding (1 critical), 1 suppressed in 1 file"),
        "{human}"
    );

    let sarif = |extra: &[&str]| -> serde_json::Value {
        let out = guardrail_in(d.path(), d.path())
            .args([
                "scan",
                "--format",
                "sarif",
                "--check",
                "aws-s3-bucket-public-acl",
            ])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let s = sarif(&[]);
    let run = &s["runs"][0];
    assert_eq!(
        run["results"].as_array().unwrap().len(),
        1,
        "suppressed left out"
    );
    assert_eq!(run["properties"]["suppressed"], 1);
    let s = sarif(&["--sarif-include-suppressed"]);
    let run = &s["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let kept = results
        .iter()
        .find(|r| r["suppressions"].is_array())
        .unwrap();
    assert_eq!(
        kept["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert_eq!(kept["suppressions"][0]["kind"], "inSource");
    assert_eq!(kept["suppressions"][0]["status"], "accepted");
    assert_eq!(
        kept["suppressions"][0]["justification"],
        "public website (owner: web)"
    );
    // Built-in diagnostics are rules too, and indices point at them.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for id in [
        "parse-error",
        "check-invalid",
        "waiver-not-allowed",
        "waiver-invalid",
        "waiver-unused",
    ] {
        assert!(rules.iter().any(|r| r["id"] == id), "{id}");
    }
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // Byte-identical across runs, suppressed findings included.
    let a = guardrail_in(d.path(), d.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    let b = guardrail_in(d.path(), d.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(a, b);
}

/// `guardrail diff` runs the same filter on both snapshots before narrowing to the change.
#[test]
fn diff_judges_waivers_on_whole_files_and_keeps_enforced_findings() {
    use common::{git, write};
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    let legacy = "resource \"aws_s3_bucket\" \"legacy\" {\n  # guardrail:ignore aws-s3-bucket-public-acl -- legacy site, tracked in SEC-1\n  acl = \"public-read\"\n}\n";
    write(
        repo,
        &[
            (
                "platform/guardrail-pack.yaml",
                "name: platform\nversion: 1.0.0\nenforced: [aws-s3-bucket-encryption]\n",
            ),
            (".guardrail.yaml", "packs: [builtin, { path: platform }]\n"),
            ("main.tf", legacy),
        ],
    );
    git(repo, &["init", "-q"]);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-qm", "base"]);
    let diff = |args: &[&str]| {
        let out = guardrail_in(repo, &repo.join(".cache"))
            .arg("diff")
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap(), v)
    };
    // A new bucket below the legacy one: its findings are new; the legacy waiver, on lines
    // the change does not touch, is neither unused nor lost.
    write(
        repo,
        &[(
            "main.tf",
            &format!(
                "{legacy}resource \"aws_s3_bucket\" \"new\" {{\n  acl = \"public-read\"\n}}\n"
            ),
        )],
    );
    git(repo, &["add", "main.tf"]);
    let (code, v) = diff(&[
        "--staged",
        "--check",
        "aws-s3-bucket-public-acl",
        "--check",
        "aws-s3-bucket-encryption",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![
            // Enforced: reported although the legacy bucket's lines did not change.
            finding("aws-s3-bucket-encryption", "main.tf", 1, 1),
            finding("aws-s3-bucket-encryption", "main.tf", 5, 1),
            finding("aws-s3-bucket-public-acl", "main.tf", 6, 9),
        ]
    );
    assert_eq!(
        suppressed(&v),
        vec![sup(
            "aws-s3-bucket-public-acl",
            "main.tf",
            3,
            "legacy site, tracked in SEC-1"
        )]
    );
    assert_eq!(v["findings"][0]["enforced"], true);
    // Removing the waiver is a change that introduces the finding.
    git(repo, &["commit", "-qm", "new bucket"]);
    write(
        repo,
        &[(
            "main.tf",
            &legacy.replace(
                "  # guardrail:ignore aws-s3-bucket-public-acl -- legacy site, tracked in SEC-1\n",
                "",
            ),
        )],
    );
    git(repo, &["add", "main.tf"]);
    let (_, v) = diff(&["--staged", "--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)]
    );
}

/// Many stacked waiver comments and many findings stay linear (a quadratic walk over the
/// stack, or every finding against every waiver, would take minutes here).
#[test]
fn many_waivers_and_findings_stay_fast() {
    let mut text = String::new();
    for i in 0..50_000 {
        text.push_str(&format!(
            "# guardrail:ignore aws-s3-bucket-public-acl -- reason {i}\n"
        ));
    }
    for i in 0..5_000 {
        text.push_str(&format!(
            "resource \"aws_s3_bucket\" \"b{i}\" {{\n  acl = \"public-read\" # guardrail:ignore aws-s3-bucket-public-acl -- site {i}\n}}\n"
        ));
    }
    let d = tree(&[("main.tf", &text)]);
    let out = guardrail_in(d.path(), d.path())
        .args([
            "scan",
            "--format",
            "json",
            "--check",
            "aws-s3-bucket-public-acl",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["suppressed"], 5_000);
    assert_eq!(v["summary"]["findings"], 0);
}
