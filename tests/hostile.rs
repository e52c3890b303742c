//! Hostile input: bad bytes, pathological nesting, bombs, special files, panics. Each case
//! is generated at run time (no large files are committed) and gets a diagnostic with a
//! location, or a note, within a bounded time; the other files of the run are still scanned
//! and reported, and the process always ends with exit code 0, 1 or 2.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{finding, guardrail, ids, scan_json, tree};

/// Generous for a debug build on a loaded machine; a hang fails the test instead of CI.
const TIMEOUT: Duration = Duration::from_secs(60);

/// `guardrail scan --format json ARGS` in `dir` under [`TIMEOUT`]: (exit code, report, stderr).
/// A signal (a stack overflow aborts) or the timeout fails the test.
fn run(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    run_env(dir, args, &[])
}

fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, serde_json::Value, String) {
    let mut cmd = guardrail(dir);
    cmd.arg("scan")
        .args(args)
        .args(["--format", "json"])
        .env_remove("RUST_BACKTRACE")
        .timeout(TIMEOUT);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("guardrail died by a signal or the timeout: {stderr}"));
    assert!(matches!(code, 0..=2), "exit code {code}: {stderr}");
    let v = if out.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stderr}"))
    };
    (code, v, stderr)
}

/// (check id or `parse-error`, file, line, column, detail) of every finding.
fn details(v: &serde_json::Value) -> Vec<(String, String, u64, u64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The note for `file`, if any.
fn note<'v>(v: &'v serde_json::Value, file: &str) -> Option<&'v str> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["file"] == file)
        .and_then(|n| n["message"].as_str())
}

const PUBLIC_ACL: &str = "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n";

#[test]
fn invalid_utf8_is_a_parse_error_at_the_bad_byte() {
    let d = tree(&[("ok.tf", PUBLIC_ACL)]);
    std::fs::write(
        d.path().join("bad.tf"),
        b"resource \"a\" \"b\" {\n  x = \"\xff\xfe\"\n}\n",
    )
    .unwrap();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    let got = ids(&v);
    assert!(
        got.contains(&finding("parse-error", "bad.tf", 2, 8)),
        "{got:?}"
    );
    assert!(
        got.contains(&finding("aws-s3-bucket-public-acl", "ok.tf", 2, 9)),
        "{got:?}"
    );
}

#[test]
fn bom_and_crlf_do_not_shift_columns() {
    let crlf = PUBLIC_ACL.replace('\n', "\r\n");
    let d = tree(&[
        ("crlf.tf", &crlf),
        (
            "bom.tf",
            &format!("\u{feff}{}", PUBLIC_ACL.replace("\"b\"", "\"c\"")),
        ),
    ]);
    let (_, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        ids(&v),
        vec![
            finding("aws-s3-bucket-public-acl", "bom.tf", 2, 9),
            finding("aws-s3-bucket-public-acl", "crlf.tf", 2, 9)
        ]
    );
}

#[test]
fn utf16_with_bom_is_decoded() {
    let d = tree(&[]);
    let mut bytes = vec![0xFF, 0xFE];
    for u in PUBLIC_ACL.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.path().join("utf16.tf"), bytes).unwrap();
    let (_, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "utf16.tf", 2, 9)]
    );
}

#[test]
fn binary_empty_and_comment_only_files() {
    let d = tree(&[
        ("empty.tf", ""),
        ("comments.yaml", "# only a comment\n"),
        ("ok.tf", PUBLIC_ACL),
    ]);
    std::fs::write(d.path().join("bin.tf"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    let got = ids(&v);
    assert!(got.contains(&finding("aws-s3-bucket-public-acl", "ok.tf", 2, 9)));
    assert!(
        got.iter().any(|f| f.0 == "parse-error" && f.1 == "bin.tf"),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|f| f.1 == "empty.tf" || f.1 == "comments.yaml"),
        "{got:?}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_directories_named_like_files_and_symlink_loops_are_skipped() {
    let d = tree(&[("ok.tf", PUBLIC_ACL)]);
    let p = d.path();
    std::fs::create_dir(p.join("dir.tf")).unwrap();
    std::os::unix::fs::symlink(p, p.join("loop")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(p.join("pipe.tf"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = guardrail(p)
        .args([
            "scan",
            "--check",
            "aws-s3-bucket-public-acl",
            "--format",
            "json",
        ])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ids(&v),
        vec![finding("aws-s3-bucket-public-acl", "ok.tf", 2, 9)]
    );
}

#[test]
fn reference_cycles_terminate() {
    let d = tree(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_s3_bucket\" \"b\" {\n  acl = local.a\n}\n",
    )]);
    let (code, v) = scan_json(
        d.path(),
        &["--check", "aws-s3-bucket-public-acl", "--show-unknown"],
    );
    assert_eq!(code, 0);
    assert_eq!(v["findings"][0]["kind"], "unknown");
}

#[test]
fn scanning_never_writes_to_the_scanned_tree() {
    let d = tree(&[
        ("ok.tf", PUBLIC_ACL),
        (
            "k.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
        ),
    ]);
    let before: Vec<_> = walk(d.path());
    guardrail(d.path())
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(before, walk(d.path()));
}

fn walk(p: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        out.push((
            e.file_name().to_string_lossy().to_string(),
            std::fs::read(e.path()).unwrap_or_default(),
        ));
    }
    out.sort();
    out
}

#[test]
fn pathological_hcl_expressions_are_parse_errors_at_the_offending_token() {
    let n = 100_000;
    let d = tree(&[
        ("ok.tf", PUBLIC_ACL),
        // hcl-edit recurses per operand and nesting level; it stops itself at 128 chained
        // binary operators and 64 nested levels, guardrail's prescan at `max-depth` brackets.
        (
            "binop.tf",
            &format!("locals {{\n  x = {}\n}}\n", vec!["1"; n].join("+")),
        ),
        (
            "not.tf",
            &format!("locals {{\n  x = {}true\n}}\n", "!".repeat(n)),
        ),
        (
            "cond.tf",
            &format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "true ? ".repeat(n),
                " : 2".repeat(n)
            ),
        ),
        (
            "brackets.tf",
            &format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "templates.tf",
            &format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "\"${".repeat(n),
                "}\"".repeat(n)
            ),
        ),
    ]);
    let (code, v, _) = run(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    let got: Vec<_> = details(&v)
        .into_iter()
        .map(|(id, file, line, col, detail)| {
            (
                id,
                file,
                line,
                col,
                detail.contains("nest") || detail.contains("binary"),
            )
        })
        .collect();
    let pe = |file: &str, col| ("parse-error".to_string(), file.to_string(), 2, col, true);
    assert_eq!(
        got,
        vec![
            pe("binop.tf", 264),    // the 129th `+`
            pe("brackets.tf", 506), // the 500th `[` (`locals {` is the first level)
            pe("cond.tf", 455),     // the 65th conditional
            pe("not.tf", 71),       // the 65th `!`
            (
                "aws-s3-bucket-public-acl".into(),
                "ok.tf".into(),
                2,
                9,
                false
            ),
            // Every other `{` of `"${"${…` is outside a string for the prescan: the 1000th.
            pe("templates.tf", 3006),
        ]
    );
}

#[test]
fn yaml_and_json_bombs_are_parse_errors_naming_the_limit() {
    let k8s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
    let mut bomb = format!("{k8s}data:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    let d = tree(&[
        (
            "ok.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers: []\n",
        ),
        // Block sequences nest without indentation: `- - - x`.
        (
            "deep_block.yaml",
            &format!("{k8s}data:\n  x:\n    {}x\n", "- ".repeat(100_000)),
        ),
        (
            "deep_flow.yaml",
            &format!("{k8s}data: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "deep.json",
            &format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": {}1{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        ("bomb.yaml", &bomb),
        ("documents.yaml", &format!("{k8s}---\n").repeat(10_001)),
    ]);
    let (code, v, _) = run(d.path(), &["--check", "k8s-host-network"]);
    assert_eq!(code, 1);
    let got = details(&v);
    let find = |file: &str| {
        got.iter()
            .find(|f| f.1 == file)
            .unwrap_or_else(|| panic!("no finding in {file}: {got:?}"))
    };
    assert_eq!(
        (
            find("ok.yaml").0.as_str(),
            find("ok.yaml").2,
            find("ok.yaml").3
        ),
        ("k8s-host-network", 6, 16)
    );
    for (file, line, col, words) in [
        ("deep_block.yaml", 7, 1001, "`limits.max-depth`"),
        // saphyr's own bound on flow nesting: the 256th `[`.
        ("deep_flow.yaml", 5, 262, "recursion limit"),
        ("deep.json", 1, 546, "`limits.max-depth`"), // the 500th level: `{` is the first
        // The alias that takes the expansion past a million nodes: the 8th `*a4`.
        ("bomb.yaml", 11, 47, "`limits.max-alias-nodes`"),
        // The `---` that starts the 10,001st document.
        ("documents.yaml", 50_000, 1, "`limits.max-documents`"),
    ] {
        let f = find(file);
        assert_eq!(
            (f.0.as_str(), f.2, f.3),
            ("parse-error", line, col),
            "{f:?}"
        );
        assert!(f.4.contains(words), "{f:?}");
    }
}

#[test]
fn limits_are_configurable_and_name_their_key_when_hit() {
    let k8s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
    let d = tree(&[
        (
            ".guardrail.yaml",
            "checks: checks\nlimits:\n  max-file-size: 1KiB\n  max-depth: 4\n  max-documents: 2\n  max-alias-nodes: 5\n  max-eval-depth: 3\n  max-regex-size: 4096\n",
        ),
        (
            "checks/local-bucket-name.yaml",
            "id: local-bucket-name\ntitle: t\nseverity: low\ndescription: d\nremediation: r\nterraform:\n  resource: [aws_s3_bucket]\n  assert: { attribute: bucket, matches: \"\\\\w{100}\" }\n",
        ),
        ("ok.tf", PUBLIC_ACL),
        ("big.tf", &format!("# {}\n{PUBLIC_ACL}", "x".repeat(2000))),
        // Five levels of maps: the document, `data`, `a`, `b`, `c`.
        (
            "deep.yaml",
            &format!("{k8s}data:\n  a:\n    b:\n      c:\n        d: 1\n"),
        ),
        ("documents.yaml", &format!("{k8s}---\n{k8s}---\n{k8s}")),
        ("alias.yaml", &format!("{k8s}data:\n  a: &a [1, 2]\n  b: *a\n  c: *a\n")),
        (
            "chain/main.tf",
            "locals {\n  a = local.b\n  b = local.c\n  c = local.d\n  d = local.e\n  e = \"public-read\"\n}\nresource \"aws_s3_bucket\" \"c\" {\n  acl = local.a\n}\n",
        ),
    ]);
    let (code, v, _) = run(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    let got = details(&v);
    let short: Vec<_> = got
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3))
        .collect();
    assert_eq!(
        short,
        vec![
            ("parse-error", "alias.yaml", 8, 6),
            ("check-invalid", "checks/local-bucket-name.yaml", 8, 41),
            ("parse-error", "deep.yaml", 9, 9),
            ("parse-error", "documents.yaml", 10, 1),
            ("aws-s3-bucket-public-acl", "ok.tf", 2, 9),
        ]
    );
    for (f, key) in got.iter().zip([
        "max-alias-nodes",
        "max-regex-size",
        "max-depth",
        "max-documents",
    ]) {
        assert!(f.4.contains(&format!("`limits.{key}`")), "{f:?}");
    }
    assert_eq!(
        note(&v, "big.tf"),
        Some("file is 2058 bytes, larger than 1024 (`limits.max-file-size`); skipped")
    );
    assert!(
        note(&v, "chain/main.tf")
            .is_some_and(|n| n.contains("deeper than 3 levels (`limits.max-eval-depth`)")),
        "{}",
        v["notes"]
    );
}

#[test]
fn invalid_limits_are_configuration_errors_with_a_location() {
    for (limits, line, col, message) in [
        (
            "max-depth: 0",
            2,
            14,
            "`max-depth` takes a whole number from 1 to 10000",
        ),
        (
            "max-depth: 100000",
            2,
            14,
            "`max-depth` takes a whole number from 1 to 10000",
        ),
        (
            "max-file-size: 10XB",
            2,
            18,
            "(bytes, or with KiB, MiB, GiB)",
        ),
        (
            "max-eval-depth: -1",
            2,
            19,
            "`max-eval-depth` takes a whole number from 1 to 2000",
        ),
        ("max-speed: 1", 2, 3, "unknown key `max-speed` in `limits`"),
    ] {
        let d = tree(&[
            (".guardrail.yaml", &format!("limits:\n  {limits}\n")),
            ("ok.tf", PUBLIC_ACL),
        ]);
        let out = guardrail(d.path())
            .args(["scan", "--format", "json"])
            .timeout(TIMEOUT)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{limits}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(".guardrail.yaml:{line}:{col}: ")) && stderr.contains(message),
            "{limits}: {stderr}"
        );
    }
}
