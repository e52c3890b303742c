//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
