//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod git_http;

use std::path::Path;

use assert_cmd::Command;

/// The guardrail binary, run in `dir`.
pub fn guardrail(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("guardrail").unwrap();
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes files into a fresh temporary directory (not inside a git repository, so paths in
/// reports are relative to it).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Runs `guardrail scan --format json` with extra args: (exit code, parsed JSON).
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = guardrail(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

/// (check_id, file, line, column) of every finding.
pub fn ids(v: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
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
            )
        })
        .collect()
}

pub fn finding(id: &str, file: &str, line: u64, col: u64) -> (String, String, u64, u64) {
    (id.to_string(), file.to_string(), line, col)
}

/// The guardrail binary run in `dir` with a private pack cache, a fixed date and no token
/// from the environment.
pub fn guardrail_in(dir: &Path, cache: &Path) -> Command {
    let mut c = guardrail(dir);
    c.env("XDG_CACHE_HOME", cache)
        .env("GUARDRAIL_TODAY", "2026-06-01")
        .env_remove("GUARDRAIL_PACK_TOKEN");
    c
}

/// Runs git in `dir` with a fixed identity; panics with git's output on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Writes files under `dir` (creating folders).
pub fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// (exit code, parsed JSON, stderr) of `guardrail scan --format json` with a private cache.
pub fn scan_in(dir: &Path, cache: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = guardrail_in(dir, cache)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = if out.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bad JSON ({e}): {}\nstderr: {stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    };
    (out.status.code().unwrap(), v, stderr)
}
