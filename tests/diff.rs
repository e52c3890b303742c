//! `guardrail diff` on real git repositories built in temp dirs.

mod common;

use std::path::Path;
use std::process::Command as Std;

use common::{finding, guardrail, ids};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Std::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    d
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit_all(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

fn diff_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = guardrail(dir)
        .arg("diff")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), v, stderr)
}

const SAFE: &str = "resource \"aws_s3_bucket\" \"site\" {\n  acl = \"private\"\n}\n";
const PUBLIC: &str = "resource \"aws_s3_bucket\" \"site\" {\n  acl = \"public-read\"\n}\n";
const ACL: [&str; 2] = ["--check", "aws-s3-bucket-public-acl"];

#[test]
fn staged_content_is_judged_not_the_work_tree() {
    let d = repo();
    write(d.path(), "main.tf", SAFE);
    commit_all(d.path(), "init");
    // Staged: public. Work tree: safe again. The index wins.
    write(d.path(), "main.tf", PUBLIC);
    git(d.path(), &["add", "main.tf"]);
    write(d.path(), "main.tf", SAFE);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)]
    );
    // And the other way round: a clean staged file with an insecure unstaged edit passes.
    git(d.path(), &["add", "main.tf"]);
    write(d.path(), "main.tf", PUBLIC);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn legacy_findings_in_a_touched_file_depend_on_scope() {
    let d = repo();
    write(
        d.path(),
        "main.tf",
        &format!("{PUBLIC}\nresource \"aws_s3_bucket\" \"logs\" {{\n  acl = \"private\"\n}}\n"),
    );
    commit_all(d.path(), "init");
    // Touch only the logs bucket.
    write(d.path(), "main.tf", &format!("{PUBLIC}\nresource \"aws_s3_bucket\" \"logs\" {{\n  acl    = \"private\"\n  bucket = \"logs\"\n}}\n"));
    git(d.path(), &["add", "main.tf"]);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(
        (code, ids(&v)),
        (0, vec![]),
        "the legacy public bucket is not this change's doing"
    );
    let (code, v, _) = diff_json(d.path(), &["--staged", "--scope", "files", ACL[0], ACL[1]]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)]
    );
    let (_, v, _) = diff_json(d.path(), &["--staged", "--scope", "all", ACL[0], ACL[1]]);
    assert_eq!(ids(&v).len(), 1);
}

#[test]
fn a_changed_variable_default_surfaces_the_finding_where_it_is_used() {
    let d = repo();
    write(
        d.path(),
        "infra/variables.tf",
        "variable \"acl\" {\n  default = \"private\"\n}\n",
    );
    write(
        d.path(),
        "infra/main.tf",
        "resource \"aws_s3_bucket\" \"site\" {\n  acl = var.acl\n}\n",
    );
    write(d.path(), "other/main.tf", PUBLIC);
    commit_all(d.path(), "init");
    write(
        d.path(),
        "infra/variables.tf",
        "variable \"acl\" {\n  default = \"public-read\"\n}\n",
    );
    git(d.path(), &["add", "-A"]);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "infra/main.tf", 2, 9)]
    );
    // The SARIF shows the changed line as a related location.
    let out = guardrail(d.path())
        .args(["diff", "--staged", "--format", "sarif", ACL[0], ACL[1]])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rel = &s["runs"][0]["results"][0]["relatedLocations"];
    let changed = rel
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["message"]["text"] == "changed here")
        .expect("changed-here location");
    assert_eq!(
        changed["physicalLocation"]["artifactLocation"]["uri"],
        "infra/variables.tf"
    );
    assert_eq!(changed["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn deleting_the_public_access_block_exposes_the_bucket() {
    let d = repo();
    write(
        d.path(),
        "s3/bucket.tf",
        "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n}\n",
    );
    write(
        d.path(),
        "s3/pab.tf",
        "resource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket                  = aws_s3_bucket.data.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n",
    );
    commit_all(d.path(), "init");
    git(d.path(), &["rm", "-q", "s3/pab.tf"]);
    let (code, v, _) = diff_json(
        d.path(),
        &["--staged", "--check", "aws-s3-bucket-public-access-block"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding(
            "aws-s3-bucket-public-access-block",
            "s3/bucket.tf",
            1,
            1
        )]
    );
}

#[test]
fn renamed_files_keep_their_legacy_findings_quiet() {
    let d = repo();
    write(d.path(), "old.tf", PUBLIC);
    commit_all(d.path(), "init");
    git(d.path(), &["mv", "old.tf", "new.tf"]);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!((code, ids(&v)), (0, vec![]));
}

#[test]
fn first_commit_reports_everything_staged() {
    let d = repo();
    write(d.path(), "main.tf", PUBLIC);
    write(d.path(), "k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n");
    git(d.path(), &["add", "-A"]);
    let (code, v, _) = diff_json(
        d.path(),
        &[
            "--staged",
            ACL[0],
            ACL[1],
            "--check",
            "k8s-privileged-container",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![
            finding("k8s-privileged-container", "k8s/pod.yaml", 10, 21),
            finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)
        ]
    );
}

#[test]
fn branch_range_uses_the_merge_base() {
    let d = repo();
    write(d.path(), "a.tf", SAFE);
    commit_all(d.path(), "init");
    git(d.path(), &["checkout", "-q", "-b", "feature"]);
    write(d.path(), "b.tf", &PUBLIC.replace("site", "feature"));
    commit_all(d.path(), "feature");
    git(d.path(), &["checkout", "-q", "main"]);
    write(d.path(), "c.tf", &PUBLIC.replace("site", "on_main"));
    commit_all(d.path(), "main moves on");
    git(d.path(), &["checkout", "-q", "feature"]);
    let (code, v, _) = diff_json(d.path(), &["--base", "main", ACL[0], ACL[1]]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "b.tf", 2, 9)]
    );
    let head = git(d.path(), &["rev-parse", "HEAD"]);
    let (_, v2, _) = diff_json(
        d.path(),
        &["--base", "main", "--head", &head, ACL[0], ACL[1]],
    );
    assert_eq!(ids(&v), ids(&v2));
}

#[test]
fn shallow_clone_without_merge_base_explains_fetch_depth() {
    let origin = repo();
    write(origin.path(), "a.tf", SAFE);
    commit_all(origin.path(), "a");
    git(origin.path(), &["checkout", "-q", "-b", "feature"]);
    write(origin.path(), "b.tf", SAFE);
    commit_all(origin.path(), "b");
    git(origin.path(), &["checkout", "-q", "main"]);
    write(origin.path(), "c.tf", SAFE);
    commit_all(origin.path(), "c");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(
        clone.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            "-b",
            "feature",
            &url,
            ".",
        ],
    );
    let (code, _, stderr) = diff_json(clone.path(), &["--base", "origin/main"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("shallow clone") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn clear_errors_outside_a_repository_and_for_unknown_refs() {
    let d = tempfile::tempdir().unwrap();
    let (code, _, stderr) = diff_json(d.path(), &["--staged"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not inside a git repository"), "{stderr}");
    let r = repo();
    write(r.path(), "a.tf", SAFE);
    commit_all(r.path(), "a");
    let (code, _, stderr) = diff_json(r.path(), &["--base", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown git revision `nope`"), "{stderr}");
    let (code, _, _) = diff_json(r.path(), &[]);
    assert_eq!(code, 2, "diff needs --staged or --base");
}

#[test]
fn partial_commit_index_from_git_index_file() {
    let d = repo();
    write(d.path(), "main.tf", SAFE);
    commit_all(d.path(), "init");
    // `git commit -- path` runs hooks against a temporary index named by GIT_INDEX_FILE.
    let tmp_index = d.path().join(".git/tmp-index");
    std::fs::copy(d.path().join(".git/index"), &tmp_index).unwrap();
    write(d.path(), "main.tf", PUBLIC);
    let st = Std::new("git")
        .args(["add", "main.tf"])
        .current_dir(d.path())
        .env("GIT_INDEX_FILE", &tmp_index)
        .status()
        .unwrap();
    assert!(st.success());
    write(d.path(), "main.tf", SAFE);
    let (code, _, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(code, 0, "the real index is clean");
    let out = guardrail(d.path())
        .args(["diff", "--staged", "--format", "json", ACL[0], ACL[1]])
        .env("GIT_INDEX_FILE", &tmp_index)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)]
    );
    // git may name it relative to the working directory (hooks run at the top level).
    let out = guardrail(d.path())
        .args(["diff", "--staged", "--format", "json", ACL[0], ACL[1]])
        .env("GIT_INDEX_FILE", ".git/tmp-index")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)]
    );
}

#[test]
fn named_files_without_staged_changes_are_scanned_in_full() {
    // What the pre-commit hook does for `pre-commit run --all-files`.
    let d = repo();
    write(d.path(), "legacy.tf", PUBLIC);
    write(d.path(), "clean.tf", &SAFE.replace("site", "clean"));
    commit_all(d.path(), "init");
    let (code, v, _) = diff_json(
        d.path(),
        &["--staged", ACL[0], ACL[1], "legacy.tf", "clean.tf"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "legacy.tf", 2, 9)]
    );
    // Nothing named, nothing staged: nothing to report.
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!((code, ids(&v)), (0, vec![]));
}

#[test]
fn runs_from_a_subdirectory_with_repository_relative_paths() {
    let d = repo();
    write(d.path(), "infra/main.tf", SAFE);
    commit_all(d.path(), "init");
    write(d.path(), "infra/main.tf", PUBLIC);
    git(d.path(), &["add", "-A"]);
    let (code, v, _) = diff_json(
        &d.path().join("infra"),
        &["--staged", ACL[0], ACL[1], "main.tf"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "infra/main.tf", 2, 9)]
    );
}

#[test]
fn named_directories_report_only_the_changes_under_them() {
    // What the GitHub Action's `paths` input does on a pull request.
    let d = repo();
    write(d.path(), "infra/main.tf", SAFE);
    write(d.path(), "infra-old/main.tf", SAFE);
    write(d.path(), "other/main.tf", SAFE);
    write(
        d.path(),
        "infra/legacy.tf",
        &PUBLIC.replace("site", "legacy"),
    );
    commit_all(d.path(), "init");
    git(d.path(), &["checkout", "-q", "-b", "pr"]);
    for f in ["infra/main.tf", "infra-old/main.tf", "other/main.tf"] {
        write(d.path(), f, PUBLIC);
    }
    commit_all(d.path(), "pr");
    let (code, v, _) = diff_json(d.path(), &["--base", "main", ACL[0], ACL[1], "infra"]);
    assert_eq!(code, 1);
    // Not `infra-old/` (a prefix of the name, not a parent), not the untouched legacy file.
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "infra/main.tf", 2, 9)]
    );
    // `.` is the whole repository.
    let (_, v, _) = diff_json(d.path(), &["--base", "main", ACL[0], ACL[1], "."]);
    assert_eq!(ids(&v).len(), 3);
}

#[test]
fn a_called_module_is_read_from_the_snapshot_not_the_work_tree() {
    let d = repo();
    write(d.path(), "modules/site/main.tf", SAFE);
    write(d.path(), "live/main.tf", "locals {\n  env = \"prod\"\n}\n");
    commit_all(d.path(), "init");
    // Staged: live now calls the module. Unstaged: the module made public.
    write(
        d.path(),
        "live/main.tf",
        "locals {\n  env = \"prod\"\n}\n\nmodule \"site\" {\n  source = \"../modules/site\"\n}\n",
    );
    git(d.path(), &["add", "live/main.tf"]);
    write(d.path(), "modules/site/main.tf", PUBLIC);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!((code, ids(&v)), (0, vec![]), "{v}");
    // Staged, the public module is this change's doing.
    git(d.path(), &["add", "modules/site/main.tf"]);
    let (code, v, _) = diff_json(d.path(), &["--staged", ACL[0], ACL[1]]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        ids(&v),
        vec![finding(
            "aws-s3-bucket-public-acl",
            "modules/site/main.tf",
            2,
            9
        )]
    );
    // At the base, the module is the committed one, also for `--base`.
    git(d.path(), &["commit", "-q", "-m", "call"]);
    write(d.path(), "modules/site/main.tf", SAFE);
    let (code, v, _) = diff_json(
        d.path(),
        &["--base", "HEAD~1", "--head", "HEAD", ACL[0], ACL[1]],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        ids(&v),
        vec![finding(
            "aws-s3-bucket-public-acl",
            "modules/site/main.tf",
            2,
            9
        )]
    );
}

/// The directory of the parse cache's entries: there is one build's.
fn cache_dir(dir: &Path) -> std::path::PathBuf {
    let root = dir.join(".git/guardrail/parse-cache");
    let builds: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    assert_eq!(builds.len(), 1, "one build's directory");
    builds[0].path()
}

/// The entries of the repository's parse cache (file names), sorted.
fn cache_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cache_dir(dir))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "pruned")
        .collect();
    names.sort();
    names
}

/// The cache entry of a blob (`HEAD:path`, `:path`) parsed as `kind`.
fn cache_entry(dir: &Path, blob: &str, kind: &str) -> std::path::PathBuf {
    cache_dir(dir).join(format!("{}-{kind}", git(dir, &["rev-parse", blob])))
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n";
const TEMPLATE: &str = "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {\"B\": {\"Type\": \"AWS::S3::Bucket\", \"Properties\": {\"AccessControl\": \"PublicRead\"}}}}\n";

#[test]
fn the_parse_cache_keeps_each_snapshot_of_each_file_and_changes_no_result() {
    let d = repo();
    let safe_pod = POD.replace("privileged: true", "privileged: false");
    let private = TEMPLATE.replace("PublicRead", "Private");
    write(d.path(), "tf/main.tf", SAFE);
    write(d.path(), "tf/terraform.tfvars", "region = \"eu-west-1\"\n");
    write(d.path(), "k8s/pod.yaml", &safe_pod);
    write(d.path(), "cfn/site.json", &private);
    commit_all(d.path(), "init");
    for (f, text) in [
        ("tf/main.tf", PUBLIC),
        ("k8s/pod.yaml", POD),
        ("cfn/site.json", TEMPLATE),
    ] {
        write(d.path(), f, text);
        git(d.path(), &["add", f]);
    }
    let uncached = diff_json(d.path(), &["--staged", "--no-cache"]);
    assert!(!d.path().join(".git/guardrail").exists());
    let files: Vec<String> = uncached.1["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    for f in ["tf/main.tf", "k8s/pod.yaml", "cfn/site.json"] {
        assert!(files.iter().any(|x| x == f), "{f}: {}", uncached.1);
    }

    let first = diff_json(d.path(), &["--staged"]);
    // Each parsed text, by its blob id and how it was parsed: both snapshots of the changed
    // files, one entry for the unchanged `.tfvars`.
    let mut expected: Vec<String> = [
        ("HEAD:tf/main.tf", "tf"),
        (":tf/main.tf", "tf"),
        (":tf/terraform.tfvars", "tfvars"),
        ("HEAD:k8s/pod.yaml", "yaml"),
        (":k8s/pod.yaml", "yaml"),
        ("HEAD:cfn/site.json", "json"),
        (":cfn/site.json", "json"),
    ]
    .iter()
    .map(|(blob, kind)| format!("{}-{kind}", git(d.path(), &["rev-parse", blob])))
    .collect();
    expected.sort();
    assert_eq!(cache_entries(d.path()), expected);
    // Read back from the cache: the same report, byte for byte.
    let second = diff_json(d.path(), &["--staged"]);
    assert_eq!(first, uncached);
    assert_eq!(second, uncached);
}

#[test]
fn the_parse_cache_is_read_and_a_damaged_or_unwritable_one_only_costs_time() {
    let d = repo();
    write(d.path(), "main.tf", SAFE);
    commit_all(d.path(), "init");
    write(d.path(), "main.tf", PUBLIC);
    git(d.path(), &["add", "main.tf"]);
    let args = ["--staged", ACL[0], ACL[1]];
    let public = vec![finding("aws-s3-bucket-public-acl", "main.tf", 2, 9)];
    let (code, v, stderr) = diff_json(d.path(), &args);
    assert_eq!((code, ids(&v)), (1, public.clone()), "{v}");
    let entry = cache_entry(d.path(), ":main.tf", "tf");
    let safe_entry = cache_entry(d.path(), "HEAD:main.tf", "tf");
    assert!(entry.is_file() && safe_entry.is_file());

    // Damaged: parsed again, and written again.
    std::fs::write(&entry, b"not an entry").unwrap();
    let (code, v, _) = diff_json(d.path(), &args);
    assert_eq!((code, ids(&v)), (1, public.clone()), "{v}");
    assert!(std::fs::read(&entry).unwrap().starts_with(b"grparse1"));

    // An entry is trusted for the text it is named by: one swapped in is what the run sees
    // (the safe file's parse for the public text), unless the cache is off.
    std::fs::copy(&safe_entry, &entry).unwrap();
    let (code, v, _) = diff_json(d.path(), &args);
    assert_eq!((code, ids(&v)), (0, vec![]), "{v}");
    let (code, v, _) = diff_json(d.path(), &[&args[..], &["--no-cache"]].concat());
    assert_eq!((code, ids(&v)), (1, public.clone()), "{v}");

    // A cache that cannot be written to: the same run, without a word about it.
    std::fs::remove_dir_all(d.path().join(".git/guardrail")).unwrap();
    std::fs::write(d.path().join(".git/guardrail"), b"").unwrap();
    for _ in 0..2 {
        let (c, v, e) = diff_json(d.path(), &args);
        assert_eq!((c, ids(&v), e), (1, public.clone(), stderr.clone()));
    }
}
