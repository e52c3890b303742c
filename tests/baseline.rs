//! `guardrail baseline`, `--baseline`, `baseline:` in the configuration and `baseline --check`.

mod common;

use common::{finding, guardrail_in, ids, scan_in, tree, write};
use predicates::prelude::*;

const LOGS: &str =
    "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n";

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().to_string())
        .collect();
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn moved_resources_stay_hidden_but_the_same_address_elsewhere_does_not() {
    let d = tree(&[("a/main.tf", LOGS)]);
    let cache = d.path().join("unused-cache");
    guardrail_in(d.path(), &cache)
        .args(["baseline", "--exclude", "unused-cache"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "wrote .guardrail-baseline.json: 5 findings",
        ));
    let text = std::fs::read_to_string(d.path().join(".guardrail-baseline.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &v["findings"][0];
    assert_eq!(first["file"], "a/main.tf");
    assert_eq!(first["resource"], "aws_s3_bucket.logs");
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 16);
    assert!(!text.contains("\"line\""), "never line numbers: {text}");

    // Ten lines further down: still the same findings, still hidden.
    write(
        d.path(),
        &[("a/main.tf", &format!("{}{LOGS}", "\n".repeat(10)))],
    );
    // The same address in another file is a different finding.
    write(d.path(), &[("b/main.tf", LOGS)]);
    let before = files(d.path());
    let (code, v, err) = scan_in(
        d.path(),
        &cache,
        &[
            "--baseline",
            ".guardrail-baseline.json",
            "--check",
            "aws-s3-bucket-public-acl",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "b/main.tf", 3, 12)]
    );
    let s = &v["suppressed"][0];
    assert_eq!(
        (s["file"].as_str(), s["line"].as_u64()),
        (Some("a/main.tf"), Some(13))
    );
    assert_eq!(s["suppression"]["kind"], "baseline");
    assert_eq!(s["suppression"]["file"], ".guardrail-baseline.json");
    assert_eq!(files(d.path()), before, "scan writes nothing");

    // The same through the configuration, in human output.
    write(
        d.path(),
        &[(".guardrail.yaml", "baseline: .guardrail-baseline.json\n")],
    );
    guardrail_in(d.path(), &cache)
        .args(["scan", "--no-color", "--check", "aws-s3-bucket-public-acl"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "suppressed: 1 finding in the baseline (.guardrail-baseline.json)\n",
        ))
        .stdout(predicate::str::contains(
            "guardrail: 1 finding (1 critical), 1 suppressed in 2 files",
        ));
}

#[test]
fn baseline_check_reports_entries_whose_finding_is_gone() {
    let d = tree(&[("main.tf", LOGS)]);
    let cache = d.path().join("c");
    guardrail_in(d.path(), &cache)
        .args(["baseline", "--output", "base.json", "--exclude", "c"])
        .assert()
        .success();
    guardrail_in(d.path(), &cache)
        .args(["baseline", "--check", "--output", "base.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("base.json: 5 entries, 0 stale"));
    write(
        d.path(),
        &[("main.tf", &LOGS.replace("public-read", "private"))],
    );
    guardrail_in(d.path(), &cache)
        .args(["baseline", "--check", "--output", "base.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "stale: main.tf aws-s3-bucket-public-acl aws_s3_bucket.logs (no such finding any more)",
        ))
        .stdout(predicate::str::contains("base.json: 5 entries, 1 stale"));
    // A file that is not a baseline is the user's error.
    write(d.path(), &[("bad.json", "{\"findings\": 3}")]);
    guardrail_in(d.path(), &cache)
        .args(["scan", "--baseline", "bad.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.json: not a guardrail baseline",
        ));
    guardrail_in(d.path(), &cache)
        .args(["scan", "--baseline", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read baseline missing.json",
        ));
}
