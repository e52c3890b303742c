//! A repository's own checks (`checks:` in `.guardrail.yaml`) and a pack's checks: they run in
//! scans, a broken one is `check-invalid` while the rest goes on, and `guardrail test` runs
//! them against their fixtures with rustc-style mismatches.

mod common;

use common::{finding, guardrail_in, ids, scan_in, tree, write};
use predicates::prelude::*;

const TEAM_LABEL: &str = r#"id: acme-team-label
title: Objects carry a team label
severity: medium
category: governance
description: Every object names its owning team, for paging.
remediation: Add `metadata.labels.team`.
references: [https://example.com/labels]
kubernetes:
  kind: [Deployment, Pod]
  assert: { attribute: metadata.labels.team, exists: true }
"#;

const FAIL_FIXTURE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: unlabelled # expect: acme-team-label\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n";
const PASS_FIXTURE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: labelled\n  labels: { team: web }\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n";
const APP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";

fn repo() -> tempfile::TempDir {
    tree(&[
        (".guardrail.yaml", "checks: .guardrail/checks\n"),
        (".guardrail/checks/acme-team-label.yaml", TEAM_LABEL),
        (
            ".guardrail/fixtures/acme-team-label/fail.k8s.yaml",
            FAIL_FIXTURE,
        ),
        (
            ".guardrail/fixtures/acme-team-label/pass.k8s.yaml",
            PASS_FIXTURE,
        ),
        ("deploy/web.yaml", APP),
    ])
}

#[test]
fn local_checks_run_in_scans_and_their_fixtures_are_not_scanned() {
    let d = repo();
    let (code, v, err) = scan_in(d.path(), d.path(), &["--check", "acme-team-label"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        vec![finding("acme-team-label", "deploy/web.yaml", 4, 9)]
    );
    guardrail_in(d.path(), d.path())
        .args(["checks", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"acme-team-label\s+medium\s+kubernetes\s+local\s+-").unwrap(),
        );
    guardrail_in(d.path(), d.path())
        .args(["explain", "acme-team-label"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Pack:        local"))
        .stdout(predicate::str::contains(
            "Failing example (.guardrail/fixtures/acme-team-label/fail.k8s.yaml)",
        ));
    guardrail_in(d.path(), d.path())
        .args(["packs", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"local\s+-\s+path \.guardrail/checks\s+-\s+1\s+0").unwrap(),
        );
}

#[test]
fn guardrail_test_runs_the_repositorys_checks_passing_and_failing() {
    let d = repo();
    for args in [vec!["test"], vec!["test", "."]] {
        guardrail_in(d.path(), d.path())
            .args(&args)
            .assert()
            .code(0)
            .stdout(predicate::str::contains(
                "ok   acme-team-label (1 findings)",
            ))
            .stdout(predicate::str::contains("1 passed, 0 failed"));
    }
    // The expectation on the wrong line: one finding unexpected, one expectation unmet.
    write(
        d.path(),
        &[(
            ".guardrail/fixtures/acme-team-label/fail.k8s.yaml",
            &FAIL_FIXTURE.replace(
                "name: unlabelled # expect: acme-team-label",
                "name: unlabelled\n  # expect: acme-team-label",
            ),
        )],
    );
    let out = guardrail_in(d.path(), d.path())
        .arg("test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = "FAIL acme-team-label
error: unexpected finding `acme-team-label` on Pod/unlabelled
 --> .guardrail/fixtures/acme-team-label/fail.k8s.yaml:4:9
  |
4 |   name: unlabelled
  |         ^^^^^^^^^^ `metadata.labels.team` is not set
error: missing finding `acme-team-label`
 --> .guardrail/fixtures/acme-team-label/fail.k8s.yaml:5:1
  |
5 |   # expect: acme-team-label
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^ `acme-team-label` expected on this line
0 passed, 1 failed
";
    assert_eq!(stdout, expected);
}

#[test]
fn a_broken_check_file_is_check_invalid_and_the_run_goes_on() {
    let d = repo();
    let marker = d.path().join("ran");
    write(
        d.path(),
        &[(
            ".guardrail/checks/broken.yaml",
            &format!(
                "id: acme-broken\ntitle: t\nseverity: high\ndescription: d\nremediation: r\nrun: \"touch {}\"\nkubernetes:\n  assert: {{ attribute: spec.x, looks_like: 3 }}\n",
                marker.display()
            ),
        )],
    );
    let (code, v, err) = scan_in(d.path(), d.path(), &["--check", "acme-team-label"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        vec![
            finding("check-invalid", ".guardrail/checks/broken.yaml", 6, 1),
            finding("check-invalid", ".guardrail/checks/broken.yaml", 8, 32),
            finding("acme-team-label", "deploy/web.yaml", 4, 9),
        ]
    );
    let f = &v["findings"][0];
    assert_eq!(f["severity"], "high");
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .starts_with("unknown key `run`"),
        "{f}"
    );
    assert!(!marker.exists(), "a check never runs anything");
    // `guardrail test` fails on it, rustc-style, and still tests the good check.
    guardrail_in(d.path(), d.path())
        .arg("test")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL .guardrail/checks/broken.yaml\nerror: check file has an error; this check did not run\n --> .guardrail/checks/broken.yaml:6:1"))
        .stdout(predicate::str::contains("ok   acme-team-label (1 findings)"))
        .stdout(predicate::str::contains("1 passed, 2 failed"));
}

#[test]
fn guardrail_test_on_a_pack_directory() {
    let d = tree(&[
        ("pack/guardrail-pack.yaml", "name: acme\nversion: 0.3.0\n"),
        ("pack/checks/acme-team-label.yaml", TEAM_LABEL),
        (
            "pack/checks/acme-no-fixtures.yaml",
            &TEAM_LABEL.replace("acme-team-label", "acme-no-fixtures"),
        ),
        ("pack/fixtures/acme-team-label/fail.k8s.yaml", FAIL_FIXTURE),
        ("pack/fixtures/acme-team-label/pass.k8s.yaml", PASS_FIXTURE),
    ]);
    guardrail_in(d.path(), d.path())
        .args(["test", "pack"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL acme-no-fixtures: no fixtures in pack/fixtures/acme-no-fixtures",
        ))
        .stdout(predicate::str::contains(
            "ok   acme-team-label (1 findings)",
        ))
        .stdout(predicate::str::contains("1 passed, 1 failed"));
    std::fs::remove_file(d.path().join("pack/checks/acme-no-fixtures.yaml")).unwrap();
    // From inside the pack, `guardrail test` finds it by itself.
    guardrail_in(&d.path().join("pack"), d.path())
        .arg("test")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 passed, 0 failed"));
}
