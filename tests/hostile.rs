//! Bad input gets a diagnostic with a location and never stops the other files.

mod common;

use common::{finding, guardrail, ids, scan_json, tree};

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
