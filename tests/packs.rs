//! Central check packs from git (over file:// and smart HTTP on 127.0.0.1), the lock file, the
//! offline cache, enforced checks and `--require-pack`, through the real CLI.

mod common;

use std::path::{Path, PathBuf};

use common::git_http::GitHttpServer;
use common::{finding, git, guardrail_in, ids, scan_in, write};
use predicates::prelude::*;

/// An enforced pack check that is only `low`: it shows that enforcement, not severity, fails
/// the run.
const OWNER_TAG_CHECK: &str = r#"id: acme-bucket-owner-tag
title: Buckets carry an owner tag
severity: low
category: governance
description: Every bucket names the team that owns it.
remediation: Add `tags = { owner = "<team>" }`.
references: [https://example.com/acme/tagging]
related: [CKV_ACME_1]
terraform:
  resource: [aws_s3_bucket]
  assert: { attribute: tags.owner, exists: true }
"#;

const MANIFEST_V1: &str = r#"name: acme-guardrails
version: 1.0.0
checks: checks
enforced: [acme-bucket-owner-tag, aws-s3-bucket-public-acl]
severity: { aws-s3-bucket-versioning: high }
"#;

const BUCKET_TF: &str = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n";

/// A pack's working repository with tag v1.0.0, and a bare copy to serve: (work, bare).
fn make_pack(root: &Path) -> (PathBuf, PathBuf) {
    let work = root.join("pack-src");
    write(
        &work,
        &[
            ("guardrail-pack.yaml", MANIFEST_V1),
            ("checks/acme-bucket-owner-tag.yaml", OWNER_TAG_CHECK),
        ],
    );
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "acme guardrails 1.0.0"]);
    git(&work, &["tag", "v1.0.0"]);
    let served = root.join("srv");
    std::fs::create_dir_all(&served).unwrap();
    git(
        &served,
        &["clone", "-q", "--bare", work.to_str().unwrap(), "acme.git"],
    );
    (work, served.join("acme.git"))
}

/// Moves tag v1.0.0 of the pack to a new commit and pushes it to the bare copy; returns the
/// new commit.
fn move_tag(work: &Path, bare: &Path) -> String {
    write(work, &[("README.md", "changed after release\n")]);
    git(work, &["add", "-A"]);
    git(work, &["commit", "-qm", "later change"]);
    git(work, &["tag", "-f", "v1.0.0"]);
    let b = bare.to_str().unwrap();
    git(
        work,
        &["push", "-q", "--force", b, "main", "refs/tags/v1.0.0"],
    );
    git(work, &["rev-parse", "HEAD"])
}

/// A product repository using the pack at `url`.
fn make_repo(root: &Path, url: &str, extra: &str) -> PathBuf {
    let repo = root.join("repo");
    write(
        &repo,
        &[
            (
                ".guardrail.yaml",
                &format!("packs:\n  - builtin\n  - git: {url}\n    rev: v1.0.0\n{extra}"),
            ),
            ("main.tf", BUCKET_TF),
        ],
    );
    git(&repo, &["init", "-q"]);
    repo
}

fn lock_commit(repo: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join(".guardrail.lock")).unwrap())
            .unwrap();
    v["packs"][0]["commit"].as_str().unwrap().to_string()
}

const ONLY_OWNER: &[&str] = &["--check", "acme-bucket-owner-tag"];

/// Runs guardrail in `repo` with `cache` (and the token, if any): (code, stdout, stderr).
fn run(repo: &Path, cache: &Path, token: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut c = guardrail_in(repo, cache);
    if let Some(t) = token {
        c.env("GUARDRAIL_PACK_TOKEN", t);
    }
    let out = c
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("bad JSON ({e}): {out}"))
}

/// Fetch, pin, lock, `--locked`, a moved tag, and an offline re-run from the cache, for one
/// transport. `stop_remote` is called before the offline run (nothing may be reachable then).
fn lifecycle(
    root: &Path,
    url: &str,
    (work, bare): (&Path, &Path),
    token: Option<&str>,
    stop_remote: impl FnOnce(),
) {
    let cache = root.join("cache");
    let repo = make_repo(root, url, "");
    let v1 = git(work, &["rev-parse", "v1.0.0"]);
    let scan_owner = [
        "scan",
        "--format",
        "json",
        "--check",
        "acme-bucket-owner-tag",
    ];

    // --locked without a lock file is an error (CI must not float).
    let (code, _, err) = run(&repo, &cache, token, &["scan", "--locked"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--locked: there is no .guardrail.lock"),
        "{err}"
    );

    // Without a lock: resolved for this run, with a notice; the pack's check runs.
    let (code, out, err) = run(&repo, &cache, token, &scan_owner);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("note: no .guardrail.lock"), "{err}");
    assert_eq!(
        ids(&json(&out)),
        vec![finding("acme-bucket-owner-tag", "main.tf", 1, 1)]
    );
    assert!(
        !repo.join(".guardrail.lock").exists(),
        "a scan never writes the lock"
    );

    // `packs update` pins the tag's commit; `--locked` scans use it without a notice.
    let (code, out, err) = run(&repo, &cache, token, &["packs", "update"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{url}@v1.0.0 -> {v1}")), "{out}");
    assert_eq!(lock_commit(&repo), v1);
    let mut locked = scan_owner.to_vec();
    locked.push("--locked");
    let (code, out, err) = run(&repo, &cache, token, &locked);
    assert_eq!(code, 1, "{err}");
    assert!(
        !err.contains("note:"),
        "no notice with a current lock: {err}"
    );
    let v = json(&out);
    assert_eq!(
        ids(&v),
        vec![finding("acme-bucket-owner-tag", "main.tf", 1, 1)]
    );
    assert_eq!(v["findings"][0]["enforced"], true);
    let (code, out, _) = run(&repo, &cache, token, &["packs", "list"]);
    assert_eq!(code, 0);
    let row = format!(
        r"acme-guardrails\s+1\.0\.0\s+{}@v1\.0\.0\s+{}\s+1\s+2",
        regex::escape(url),
        &v1[..12]
    );
    assert!(regex::Regex::new(&row).unwrap().is_match(&out), "{out}");

    // The tag is moved upstream: a fresh machine (empty cache) detects it.
    let v2 = move_tag(work, bare);
    let (code, _, err) = run(&repo, &root.join("fresh-cache"), token, &scan_owner);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "tag `v1.0.0` now points to {v2}, but .guardrail.lock locks {v1}"
        )),
        "{err}"
    );

    // Offline, from the warm cache, with the remote gone.
    stop_remote();
    locked.push("--offline");
    let (code, out, err) = run(&repo, &cache, token, &locked);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&json(&out)),
        vec![finding("acme-bucket-owner-tag", "main.tf", 1, 1)]
    );
    // Offline with an empty cache says so; online with the remote gone too.
    let (code, _, err) = run(
        &repo,
        &root.join("empty-cache"),
        token,
        &["scan", "--offline"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("is not in the cache") && err.contains("--offline"),
        "{err}"
    );
    let (code, _, err) = run(&repo, &cache, token, &["packs", "update"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("git fetch for pack {url} failed")),
        "{err}"
    );
}

#[test]
fn git_pack_over_file_url() {
    let d = tempfile::tempdir().unwrap();
    let (work, bare) = make_pack(d.path());
    let url = format!("file://{}", bare.display());
    let gone = d.path().join("srv-gone");
    let srv = bare.parent().unwrap().to_path_buf();
    lifecycle(d.path(), &url, (&work, &bare), None, || {
        std::fs::rename(&srv, &gone).unwrap();
    });
}

#[test]
fn git_pack_over_smart_http_with_token() {
    let d = tempfile::tempdir().unwrap();
    let (work, bare) = make_pack(d.path());
    let server = GitHttpServer::start(bare.parent().unwrap(), Some("s3cret"));
    let url = format!("{}/acme.git", server.base);
    let log = server.log.clone();

    // Without the token the server refuses and git does not prompt: a clear error, exit 2.
    let repo = make_repo(d.path(), &url, "");
    let (code, _, err) = run(&repo, &d.path().join("cache"), None, &["packs", "update"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("git fetch for pack {url} failed")),
        "{err}"
    );
    assert!(log.lock().unwrap().iter().any(|l| l.ends_with(" 401")));
    std::fs::remove_dir_all(&repo).unwrap();

    // With GUARDRAIL_PACK_TOKEN, the whole lifecycle over smart HTTP.
    let mut server = Some(server);
    lifecycle(d.path(), &url, (&work, &bare), Some("s3cret"), || {
        server.take();
    });
    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .any(|l| l == "GET /acme.git/info/refs?service=git-upload-pack"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l == "POST /acme.git/git-upload-pack"),
        "{log:?}"
    );
}

/// A repository on the pack (over file://) with a lock, ready to scan.
fn locked_repo(root: &Path, extra: &str, files: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let (_, bare) = make_pack(root);
    let url = format!("file://{}", bare.display());
    let repo = make_repo(root, &url, extra);
    write(&repo, files);
    let cache = root.join("cache");
    guardrail_in(&repo, &cache)
        .args(["packs", "update"])
        .assert()
        .success();
    (repo, cache)
}

#[test]
fn enforced_check_cannot_be_waived_disabled_lowered_baselined_or_skipped() {
    let d = tempfile::tempdir().unwrap();
    let main = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\
# guardrail:ignore acme-bucket-owner-tag -- not our bucket\n\
resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n\
#checkov:skip=CKV_ACME_1:legacy bucket\n\
resource \"aws_s3_bucket\" \"c\" {\n  bucket = \"c\"\n}\n\
resource \"aws_s3_bucket\" \"d\" {\n  bucket = \"d\"\n}\n";
    let extra = "fail-on: critical\n\
disable: [acme-bucket-owner-tag]\n\
severity: { acme-bucket-owner-tag: info }\n\
baseline: .guardrail-baseline.json\n\
waivers:\n  - check: acme-bucket-owner-tag\n    resources: [aws_s3_bucket.d]\n    reason: owned elsewhere\n";
    let (repo, cache) = locked_repo(
        d.path(),
        extra,
        &[
            ("main.tf", main),
            (
                ".guardrail-baseline.json",
                "{\"version\": 1, \"findings\": []}\n",
            ),
        ],
    );
    // A baseline that lists bucket `a` (as if written before the check was enforced).
    let (_, v, _) = scan_in(&repo, &cache, ONLY_OWNER);
    let fp = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == "aws_s3_bucket.a" && f["check_id"] == "acme-bucket-owner-tag")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    write(
        &repo,
        &[(
            ".guardrail-baseline.json",
            &format!("{{\n  \"version\": 1,\n  \"findings\": [\n    {{ \"file\": \"main.tf\", \"check_id\": \"acme-bucket-owner-tag\", \"resource\": \"aws_s3_bucket.a\", \"fingerprint\": \"{fp}\" }}\n  ]\n}}\n"),
        )],
    );
    let (code, v, err) = scan_in(
        &repo,
        &cache,
        &["--locked", "--check", "acme-bucket-owner-tag"],
    );
    assert_eq!(
        code, 1,
        "an enforced low finding fails even with fail-on: critical\n{err}"
    );
    assert_eq!(
        ids(&v),
        vec![
            // The baseline entry.
            finding("waiver-not-allowed", ".guardrail-baseline.json", 4, 5),
            // The configuration: disable, severity, waiver.
            finding("waiver-not-allowed", ".guardrail.yaml", 6, 11),
            finding("waiver-not-allowed", ".guardrail.yaml", 7, 13),
            finding("waiver-not-allowed", ".guardrail.yaml", 10, 12),
            finding("acme-bucket-owner-tag", "main.tf", 1, 1),
            finding("waiver-not-allowed", "main.tf", 4, 1),
            finding("acme-bucket-owner-tag", "main.tf", 5, 1),
            finding("waiver-not-allowed", "main.tf", 8, 1),
            finding("acme-bucket-owner-tag", "main.tf", 9, 1),
            finding("acme-bucket-owner-tag", "main.tf", 12, 1),
        ]
    );
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["enforced"], true, "{f}");
        if f["check_id"] == "acme-bucket-owner-tag" {
            assert_eq!(f["severity"], "low", "the lowering did not apply");
        }
    }
    assert_eq!(v["summary"]["suppressed"], 0);
    let msgs: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(msgs.contains(
        &"`acme-bucket-owner-tag` is enforced by pack acme-guardrails: it cannot be disabled"
    ));
    assert!(msgs.contains(&"`acme-bucket-owner-tag` is enforced by pack acme-guardrails: `checkov:skip=CKV_ACME_1` does not waive it"));

    // `fail-on none` on the command line does not change that.
    let (code, _, _) = scan_in(
        &repo,
        &cache,
        &["--check", "acme-bucket-owner-tag", "--fail-on", "none"],
    );
    assert_eq!(code, 1);
    // `guardrail baseline` leaves enforced findings out.
    guardrail_in(&repo, &cache)
        .args(["baseline", "--output", "new-baseline.json"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "findings of enforced checks were left out",
        ));
    let text = std::fs::read_to_string(repo.join("new-baseline.json")).unwrap();
    assert!(!text.contains("acme-bucket-owner-tag"), "{text}");
    assert!(text.contains("aws-s3-bucket-versioning"), "{text}");
}

#[test]
fn pack_severity_applies_and_checks_list_and_explain_show_the_pack() {
    let d = tempfile::tempdir().unwrap();
    let (repo, cache) = locked_repo(d.path(), "", &[]);
    let (_, v, _) = scan_in(&repo, &cache, &["--check", "aws-s3-bucket-versioning"]);
    assert_eq!(v["findings"][0]["severity"], "high", "raised by the pack");
    let out = guardrail_in(&repo, &cache)
        .args(["checks", "list", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    let own = get("acme-bucket-owner-tag");
    assert_eq!(
        (own["pack"].as_str(), own["pack_version"].as_str()),
        (Some("acme-guardrails"), Some("1.0.0"))
    );
    assert_eq!(own["enforced"], true);
    let acl = get("aws-s3-bucket-public-acl");
    assert_eq!(
        (acl["pack"].as_str(), acl["enforced_by"].as_str()),
        (Some("builtin"), Some("acme-guardrails"))
    );
    assert_eq!(get("aws-s3-bucket-logging")["enforced"], false);
    guardrail_in(&repo, &cache)
        .args(["checks", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"acme-bucket-owner-tag\s+low\s+terraform\s+acme-guardrails\s+yes\s+Buckets carry an owner tag").unwrap())
        .stdout(predicate::str::contains(format!(
            "{} checks, 2 enforced",
            guardrail::checks::Catalog::builtin().unwrap().checks.len() + 1
        )));
    guardrail_in(&repo, &cache)
        .args(["explain", "aws-s3-bucket-public-acl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Pack:        builtin@"))
        .stdout(predicate::str::contains(
            "Enforced:    yes, by pack acme-guardrails",
        ));
    guardrail_in(&repo, &cache)
        .args(["explain", "acme-bucket-owner-tag"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Pack:        acme-guardrails@1.0.0",
        ));
}

#[test]
fn required_pack_cannot_be_removed_by_the_repository() {
    let d = tempfile::tempdir().unwrap();
    let (_, bare) = make_pack(d.path());
    let url = format!("file://{}", bare.display());
    let repo = d.path().join("repo");
    // The repository lists only builtin and tries to switch the central check off.
    write(
        &repo,
        &[
            (
                ".guardrail.yaml",
                "packs: [builtin]\nfail-on: none\ndisable: [acme-bucket-owner-tag]\n",
            ),
            ("main.tf", BUCKET_TF),
        ],
    );
    let cache = d.path().join("cache");
    let (code, v, err) = scan_in(&repo, &cache, &["--check", "aws-s3-bucket-logging"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-invalid", ".guardrail.yaml", 3, 11),
            finding("aws-s3-bucket-logging", "main.tf", 1, 1),
        ],
        "without the required pack the id is unknown"
    );
    let req = format!("{url}@v1.0.0");
    let (code, v, err) = scan_in(
        &repo,
        &cache,
        &[
            "--require-pack",
            &req,
            "--check",
            "acme-bucket-owner-tag",
            "--locked",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        vec![
            finding("waiver-not-allowed", ".guardrail.yaml", 3, 11),
            finding("acme-bucket-owner-tag", "main.tf", 1, 1),
        ]
    );
    // Required packs need no lock entry, but a branch cannot be required.
    let (code, _, err) = scan_in(&repo, &cache, &["--require-pack", &format!("{url}@main")]);
    assert_eq!(code, 2);
    assert!(err.contains("`main` is a branch"), "{err}");
    let (code, _, err) = scan_in(&repo, &cache, &["--require-pack", "no-rev-here"]);
    assert_eq!(code, 2);
    assert!(err.contains("--require-pack takes URL@REV"), "{err}");
}

#[test]
fn unsafe_pack_urls_and_duplicate_ids_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let marker = d.path().join("pwned");
    let repo = d.path().join("repo");
    write(
        &repo,
        &[(
            ".guardrail.yaml",
            &format!(
                "packs:\n  - git: \"ext::sh -c touch% {}\"\n    rev: v1\n",
                marker.display()
            ),
        )],
    );
    let (code, _, err) = scan_in(&repo, &d.path().join("cache"), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".guardrail.yaml:2:10: pack URL") && err.contains("not supported"),
        "{err}"
    );
    assert!(!marker.exists());

    // A local check with the id of a built-in check: an error naming both files.
    write(
        &repo,
        &[
            (".guardrail.yaml", "checks: .guardrail/checks\n"),
            (
                ".guardrail/checks/dup.yaml",
                &OWNER_TAG_CHECK.replace("acme-bucket-owner-tag", "aws-s3-bucket-logging"),
            ),
        ],
    );
    let (code, _, err) = scan_in(&repo, &d.path().join("cache"), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("duplicate check id `aws-s3-bucket-logging`: checks/aws/s3/aws-s3-bucket-logging.yaml and .guardrail/checks/dup.yaml"),
        "{err}"
    );
}

#[test]
fn path_pack_waiver_rules_apply_to_config_and_inline_waivers() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    write(
        &repo,
        &[
            (
                "platform/guardrail-pack.yaml",
                "name: platform\nversion: 2.0.0\nwaivers: { require-owner: true, max-days: 90 }\n",
            ),
            (
                ".guardrail.yaml",
                r#"packs:
  - builtin
  - path: platform
waivers:
  - check: aws-s3-bucket-logging
    reason: central logs
    expires: 2026-07-01
  - check: aws-s3-bucket-versioning
    reason: scratch
    owner: team-a
    expires: 2026-12-31
  - check: aws-s3-bucket-encryption
    reason: scratch
    owner: team-a
    expires: 2026-08-01
"#,
            ),
            (
                "main.tf",
                "# guardrail:ignore aws-s3-bucket-public-access-block expires=2026-07-01 -- no owner\n\
resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\
# guardrail:ignore aws-s3-bucket-public-access-block owner=team-b -- no expiry\n\
resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            ),
        ],
    );
    let (code, v, err) = scan_in(&repo, &d.path().join("cache"), &["--fail-on", "none"]);
    assert_eq!(code, 0, "{err}");
    let got: Vec<(String, String, u64, u64)> = ids(&v)
        .into_iter()
        .filter(|f| f.0.starts_with("waiver-") || f.0 == "aws-s3-bucket-encryption")
        .collect();
    assert_eq!(
        got,
        vec![
            // No owner (config).
            finding("waiver-invalid", ".guardrail.yaml", 5, 12),
            // Expires 213 days out: more than 90.
            finding("waiver-invalid", ".guardrail.yaml", 8, 12),
            finding("waiver-invalid", "main.tf", 1, 1),
            finding("waiver-invalid", "main.tf", 5, 1),
        ]
    );
    let msg = |i: usize| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "waiver-invalid")
            .nth(i)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(msg(0), "invalid waiver: the packs require an `owner`");
    assert_eq!(
        msg(1),
        "invalid waiver: expires 2026-12-31, 213 days from today; the packs allow at most 90"
    );
    assert_eq!(msg(2), "invalid waiver: the packs require an `owner`");
    assert_eq!(
        msg(3),
        "invalid waiver: the packs require `expires` within 90 days"
    );
    // The encryption waiver follows the rules: both buckets' findings are suppressed.
    let sup: Vec<&str> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        sup,
        vec!["aws-s3-bucket-encryption", "aws-s3-bucket-encryption"]
    );
    guardrail_in(&repo, &d.path().join("cache"))
        .args(["packs", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"platform\s+2\.0\.0\s+path platform\s+-\s+0\s+0").unwrap(),
        );
}
