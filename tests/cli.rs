//! The command line as a user runs it: exit codes, formats, outputs, discovery rules.

mod common;

use common::{finding, guardrail, ids, scan_json, tree};
use predicates::prelude::*;

const PUBLIC_BUCKET_TF: &str = r#"resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}
"#;

#[test]
fn version_and_help() {
    let d = tree(&[]);
    guardrail(d.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "guardrail {}",
            env!("CARGO_PKG_VERSION")
        )));
    guardrail(d.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("scan"));
}

#[test]
fn empty_directory_is_clean() {
    let d = tree(&[]);
    guardrail(d.path())
        .args(["scan", "--no-color"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "guardrail: no findings in 0 files",
        ));
}

#[test]
fn finding_exits_1_and_points_at_the_value() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 3, 12)]
    );
    let f = &v["findings"][0];
    assert_eq!(f["end_line"], 3);
    assert_eq!(f["end_column"], 25);
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["resource"], "aws_s3_bucket.site");
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
}

#[test]
fn fail_on_threshold_and_none() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    let run = |fail_on: &str| {
        guardrail(d.path())
            .args([
                "scan",
                "--check",
                "aws-s3-bucket-public-acl",
                "--fail-on",
                fail_on,
            ])
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(run("none"), 0);
    assert_eq!(run("critical"), 1);
    assert_eq!(run("low"), 1);
    // The bucket has other (lower) findings too: medium and up fails, and only critical ones
    // count for --fail-on critical.
    let d2 = tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )]);
    let code = guardrail(d2.path())
        .args([
            "scan",
            "--check",
            "aws-s3-bucket-logging",
            "--fail-on",
            "high",
        ])
        .output()
        .unwrap()
        .status
        .code()
        .unwrap();
    assert_eq!(code, 0, "a low finding does not fail --fail-on high");
}

#[test]
fn usage_errors_exit_2() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    guardrail(d.path())
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
    guardrail(d.path())
        .args(["scan", "--check", "no-such-check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown check id"));
    guardrail(d.path())
        .args(["scan", "--fail-on", "severe"])
        .assert()
        .code(2);
    guardrail(d.path())
        .args(["scan", "--frobnicate"])
        .assert()
        .code(2);
    // A missing path is an I/O failure: 2 wins over the findings' 1.
    guardrail(d.path())
        .args(["scan", ".", "does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist"));
}

#[test]
fn output_and_report_files_from_one_run() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    guardrail(d.path())
        .args([
            "scan",
            "--no-color",
            "--check",
            "aws-s3-bucket-public-acl",
            "--report",
            "sarif=out.sarif",
            "--report",
            "json=out.json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[aws-s3-bucket-public-acl]"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out.json")).unwrap()).unwrap();
    assert_eq!(
        ids(&json),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 3, 12)]
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let r = &sarif["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "aws-s3-bucket-public-acl");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(3), Some(12))
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "main.tf"
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "aws-s3-bucket-public-acl");
    assert_eq!(rules[idx]["properties"]["security-severity"], "9.5");
    assert!(rules[idx]["properties"]["related"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "CKV_AWS_20"));

    // --output writes the main format to a file and nothing to stdout.
    guardrail(d.path())
        .args(["scan", "--format", "sarif", "--output", "main.sarif"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    assert!(std::fs::read_to_string(d.path().join("main.sarif"))
        .unwrap()
        .contains("\"results\""));
}

#[test]
fn json_and_sarif_are_byte_identical_across_runs() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF), ("k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n")]);
    for fmt in ["json", "sarif"] {
        let a = guardrail(d.path())
            .args(["scan", "--format", fmt])
            .output()
            .unwrap()
            .stdout;
        let b = guardrail(d.path())
            .args(["scan", "--format", fmt])
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .unwrap()
            .stdout;
        assert_eq!(a, b, "{fmt} differs between runs");
    }
}

#[test]
fn empty_sarif_run_has_results_array() {
    let d = tree(&[]);
    let out = guardrail(d.path())
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn no_color_and_no_color_env() {
    let d = tree(&[("main.tf", PUBLIC_BUCKET_TF)]);
    for args in [vec!["scan", "--no-color"], vec!["scan"]] {
        let out = guardrail(d.path())
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
            "colour escape codes in output"
        );
    }
}

#[test]
fn parse_error_is_a_finding_and_other_files_are_still_scanned() {
    let d = tree(&[
        (
            "broken.tf",
            "resource \"aws_s3_bucket\" \"x\" {\n  acl = \n}\n",
        ),
        ("main.tf", PUBLIC_BUCKET_TF),
        (
            "bad.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
        ),
    ]);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    let got = ids(&v);
    assert!(
        got.contains(&finding("aws-s3-bucket-public-acl", "main.tf", 3, 12)),
        "{got:?}"
    );
    let parse: Vec<_> = got.iter().filter(|f| f.0 == "parse-error").collect();
    assert_eq!(parse.len(), 2, "{got:?}");
    assert_eq!((parse[0].1.as_str(), parse[0].2), ("bad.yaml", 5));
    assert_eq!((parse[1].1.as_str(), parse[1].2), ("broken.tf", 2));
    assert_eq!(v["findings"][0]["severity"], "high");
}

#[test]
fn non_iac_yaml_is_skipped_and_counted() {
    let d = tree(&[
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: nginx\n",
        ),
        ("package.json", "{\"name\": \"x\"}"),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
    ]);
    let (code, v) = scan_json(d.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["files_not_iac"], 3);
    assert_eq!(v["summary"]["files_scanned"], 0);
}

#[test]
fn helm_chart_templates_are_skipped_with_a_note() {
    let d = tree(&[
        ("chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n"),
        ("chart/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"),
        ("chart/values.yaml", "replicas: 1\n"),
        ("other/tpl.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .x }}\nspec:\n  {{- toYaml .Values.spec | nindent 2 }}\n  containers: {{ .Values.c }}\n"),
    ]);
    let out = guardrail(d.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = v["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["file"] == "chart/templates"
                && n["message"].as_str().unwrap().contains("Helm")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n["file"] == "other/tpl.yaml"),
        "{notes:?}"
    );
    assert!(ids(&v).iter().all(|f| f.0 != "parse-error"), "{v}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: chart/templates"));
}

#[test]
fn terraform_json_syntax() {
    let d = tree(&[(
        "main.tf.json",
        "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"site\": {\n        \"acl\": \"public-read\"\n      }\n    }\n  }\n}\n",
    )]);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf.json", 5, 16)]
    );
    assert_eq!(v["findings"][0]["resource"], "aws_s3_bucket.site");
}

#[test]
fn gitignore_is_honoured_but_named_paths_are_scanned() {
    let d = tree(&[
        (".gitignore", "ignored/\n"),
        ("ignored/main.tf", PUBLIC_BUCKET_TF),
        (".github/k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.0\n      securityContext:\n        privileged: true\n"),
        (".terraform/modules/x/main.tf", PUBLIC_BUCKET_TF),
        ("vendor/main.tf", PUBLIC_BUCKET_TF),
    ]);
    let args = [
        "--check",
        "aws-s3-bucket-public-acl",
        "--check",
        "k8s-privileged-container",
        "--exclude",
        "vendor/**",
    ];
    let (_, v) = scan_json(d.path(), &args);
    let files: Vec<String> = ids(&v).into_iter().map(|f| f.1).collect();
    assert_eq!(files, vec![".github/k8s/pod.yaml".to_string()]);
    let (_, v) = scan_json(
        d.path(),
        &["ignored/main.tf", "--check", "aws-s3-bucket-public-acl"],
    );
    assert_eq!(
        ids(&v),
        vec![finding(
            "aws-s3-bucket-public-acl",
            "ignored/main.tf",
            3,
            12
        )]
    );
}

#[test]
fn unknown_values_are_not_findings_but_can_be_shown() {
    let d = tree(&[(
        "main.tf",
        "variable \"acl\" {}\nvariable \"safe\" { default = \"private\" }\nresource \"aws_s3_bucket\" \"a\" {\n  acl = var.acl\n}\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.safe\n}\n",
    )]);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 0);
    assert!(ids(&v).is_empty());
    let (code, v) = scan_json(
        d.path(),
        &["--check", "aws-s3-bucket-public-acl", "--show-unknown"],
    );
    assert_eq!(code, 0, "unknown notes never fail the run");
    let f = &v["findings"][0];
    assert_eq!(
        (f["kind"].as_str(), f["line"].as_u64()),
        (Some("unknown"), Some(3))
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("var.acl has no default"),
        "{f}"
    );
}

#[test]
fn variables_from_tfvars_and_var_file() {
    let d = tree(&[
        ("main.tf", "variable \"acl\" { default = \"private\" }\nresource \"aws_s3_bucket\" \"a\" {\n  acl = var.acl\n}\n"),
        ("prod.tfvars", "acl = \"public-read\"\n"),
    ]);
    let (code, _) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 0, "prod.tfvars is not loaded automatically");
    let (code, v) = scan_json(
        d.path(),
        &[
            "--check",
            "aws-s3-bucket-public-acl",
            "--var-file",
            "prod.tfvars",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 3, 9)]
    );
    std::fs::write(
        d.path().join("terraform.tfvars"),
        "acl = \"public-read-write\"\n",
    )
    .unwrap();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    assert!(v["findings"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("public-read-write"));
}

#[test]
fn framework_filter_and_skip_check() {
    let d = tree(&[
        ("main.tf", PUBLIC_BUCKET_TF),
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.0\n      securityContext:\n        privileged: true\n"),
    ]);
    let (_, v) = scan_json(d.path(), &["--framework", "kubernetes"]);
    assert!(ids(&v).iter().all(|f| f.1 == "pod.yaml"));
    assert!(ids(&v).iter().any(|f| f.0 == "k8s-privileged-container"));
    let (_, v) = scan_json(d.path(), &["--skip-check", "k8s-privileged-container"]);
    assert!(ids(&v).iter().all(|f| f.0 != "k8s-privileged-container"));
    assert!(ids(&v).iter().any(|f| f.0 == "aws-s3-bucket-public-acl"));
}

#[test]
fn cloudformation_tab_indented_json_and_yaml_tags() {
    let d = tree(&[
        ("stack.json", "{\n\t\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\t\"Resources\": {\n\t\t\"Db\": {\n\t\t\t\"Type\": \"AWS::RDS::DBInstance\",\n\t\t\t\"Properties\": {\n\t\t\t\t\"PubliclyAccessible\": true\n\t\t\t}\n\t\t}\n\t}\n}\n"),
        ("stack.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  Acl:\n    Type: String\n    Default: PublicRead\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: !Ref Acl\n  C:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: !GetAtt Other.Acl\n"),
    ]);
    let (_, v) = scan_json(
        d.path(),
        &[
            "--check",
            "aws-rds-public-access",
            "--check",
            "aws-s3-bucket-public-acl",
        ],
    );
    assert_eq!(
        ids(&v),
        vec![
            finding("aws-rds-public-access", "stack.json", 7, 27),
            finding("aws-s3-bucket-public-acl", "stack.yaml", 10, 22),
        ]
    );
}

#[test]
fn checks_list_and_explain() {
    let d = tree(&[]);
    guardrail(d.path())
        .args(["checks", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("aws-s3-bucket-public-acl")
                .and(predicate::str::contains("critical")),
        );
    let out = guardrail(d.path())
        .args(["checks", "list", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 60);
    guardrail(d.path())
        .args(["explain", "aws-s3-bucket-public-acl"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("CKV_AWS_20")
                .and(predicate::str::contains("Failing example"))
                .and(predicate::str::contains("public-read")),
        );
    guardrail(d.path())
        .args(["explain", "nope"])
        .assert()
        .code(2);
}

#[test]
fn kubernetes_partial_objects_and_lists() {
    let d = tree(&[(
        "k.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: patch\nspec:\n  replicas: 3\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: listed\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n",
    )]);
    let (_, v) = scan_json(d.path(), &["--check", "k8s-memory-limits"]);
    assert_eq!(
        ids(&v),
        vec![finding("k8s-memory-limits", "k.yaml", 17, 17)]
    );
    assert_eq!(v["findings"][0]["resource"], "Pod/listed");
}

#[test]
fn broken_files_with_template_like_text_are_parse_errors_not_skips() {
    let d = tree(&[
        ("cfn.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      MasterUserPassword: \"{{resolve:secretsmanager:x}}\"\n      Engine: a\n      Engine: b\n"),
        ("d.json", "{\n  \"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\",\n  \"metadata\": {\"name\": \"x\", \"annotations\": {\"a\": \"https://x\"}},\n  \"spec\": {},\n}\n"),
        ("jc.json", "// settings\n{\"apiVersion\": \"v1\", \"kind\": \"X\"}\n"),
        ("helm.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n  labels: {a: b}\n{{- end }}\n"),
    ]);
    let (code, v) = scan_json(d.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![
            finding("parse-error", "cfn.yaml", 8, 7),
            finding("parse-error", "d.json", 4, 13)
        ]
    );
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["file"].as_str().unwrap())
        .collect();
    assert_eq!(notes, vec!["helm.yaml", "jc.json"]);
}

#[test]
fn count_instances_failing_alike_are_one_finding() {
    let d = tree(&[("main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  count  = 3\n  bucket = \"b-${count.index}\"\n  acl    = \"public-read\"\n}\n")]);
    let (_, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 4, 12)]
    );
    assert_eq!(v["findings"][0]["resource"], "aws_s3_bucket.b");
}
