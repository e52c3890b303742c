//! Snapshots of the rustc-style output, next to hard assertions on what matters in it.

mod common;

use common::{guardrail, tree};

fn human(files: &[(&str, &str)], args: &[&str]) -> String {
    let d = tree(files);
    let out = guardrail(d.path())
        .args(["scan", "--no-color"])
        .args(args)
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    // The elapsed time is the only thing that changes between runs.
    let re = regex::Regex::new(r"\(\d+ ms\)").unwrap();
    re.replace_all(&s, "(N ms)").into_owned()
}

#[test]
fn terraform_wrong_value() {
    let s = human(
        &[("main.tf", "resource \"aws_s3_bucket\" \"site\" {\n  bucket = \"site\"\n  acl    = \"public-read\"\n}\n")],
        &["--check", "aws-s3-bucket-public-acl"],
    );
    assert!(s.starts_with("error[aws-s3-bucket-public-acl]: "));
    assert!(s.contains(" --> main.tf:3:12\n"));
    assert!(s.contains("^^^^^^^^^^^^^ `acl` is \"public-read\""));
    insta::assert_snapshot!(s);
}

#[test]
fn terraform_missing_attribute_points_at_header() {
    let s = human(
        &[("main.tf", "resource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 40\n}\n")],
        &["--check", "aws-ebs-volume-encryption"],
    );
    assert!(s.contains(" --> main.tf:1:1\n"));
    insta::assert_snapshot!(s);
}

#[test]
fn kubernetes_container_and_cloudformation() {
    let s = human(
        &[
            ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n"),
            ("stack.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n"),
        ],
        &["--check", "k8s-privileged-container", "--check", "aws-rds-storage-encryption", "--fail-on", "none"],
    );
    assert!(s.contains("error[k8s-privileged-container]"));
    assert!(s.contains(" --> deploy.yaml:13:25\n"));
    assert!(s.contains(" --> stack.yaml:3:3\n"));
    insta::assert_snapshot!(s);
}

#[test]
fn parse_error() {
    let s = human(
        &[(
            "bad.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
        )],
        &[],
    );
    assert!(s.contains("error[parse-error]"));
    insta::assert_snapshot!(s);
}
