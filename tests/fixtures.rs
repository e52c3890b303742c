//! Every check against its fixtures, through the real CLI (`guardrail test`), plus the whole
//! catalog over the whole fixture tree, plus catalog rules.

mod common;

use std::collections::BTreeSet;

use common::{guardrail, repo};
use guardrail::checks::Catalog;

#[test]
fn every_check_matches_its_fixture_expectations() {
    let out = guardrail(repo())
        .args(["test", "fixtures"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "fixture failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let catalog = Catalog::builtin().unwrap();
    let summary = format!("{} passed, 0 failed", catalog.checks.len());
    assert!(
        stdout.contains(&summary),
        "expected `{summary}` in:\n{stdout}"
    );
}

#[test]
fn whole_catalog_over_whole_fixture_tree_has_no_parse_errors() {
    let (code, v) = common::scan_json(repo(), &["fixtures"]);
    assert_eq!(
        code, 1,
        "fixtures contain failing cases, so the scan must exit 1"
    );
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.len() > 300,
        "expected many findings, got {}",
        findings.len()
    );
    let parse_errors: Vec<_> = findings
        .iter()
        .filter(|f| f["check_id"] == "parse-error")
        .collect();
    assert!(
        parse_errors.is_empty(),
        "parse errors in fixtures: {parse_errors:#?}"
    );
    assert!(v["errors"].as_array().unwrap().is_empty());
}

#[test]
fn catalog_is_complete_and_consistent() {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("catalog errors: {e:#?}"));
    assert!(
        catalog.checks.len() >= 60,
        "catalog has {} checks",
        catalog.checks.len()
    );
    let mut ids = BTreeSet::new();
    for c in &catalog.checks {
        assert!(ids.insert(c.id.clone()), "duplicate id {}", c.id);
        assert!(!c.title.trim().is_empty(), "{}: no title", c.id);
        assert!(!c.remediation.trim().is_empty(), "{}: no remediation", c.id);
        assert!(!c.description.trim().is_empty(), "{}: no description", c.id);
        assert!(!c.category.trim().is_empty(), "{}: no category", c.id);
        assert!(!c.references.is_empty(), "{}: no references", c.id);
        // checks/<provider>/<service>/<id>.yaml
        let parts: Vec<&str> = c.source.split('/').collect();
        assert_eq!(
            parts.len(),
            4,
            "{}: check file must be checks/<provider>/<service>/<id>.yaml, is {}",
            c.id,
            c.source
        );
        assert_eq!(parts[0], "checks");
        assert_eq!(
            parts[3],
            format!("{}.yaml", c.id),
            "file name must be the id"
        );
        let dir = repo().join("fixtures").join(&c.id);
        assert!(dir.is_dir(), "{}: no fixtures/{}/", c.id, c.id);
    }
    // Every fixture directory belongs to a check.
    for e in std::fs::read_dir(repo().join("fixtures")).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(
                ids.contains(&name) || name.starts_with('_'),
                "fixtures/{name} has no check"
            );
        }
    }
}
