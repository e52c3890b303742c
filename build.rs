//! Embeds the built-in check catalog (`checks/**/*.yaml`) into the binary, so an installed
//! `guardrail` needs no files beside it.
use std::{env, fs, path::Path};

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").unwrap();
    let checks = Path::new(&root).join("checks");
    println!("cargo:rerun-if-changed=checks");
    let mut files = Vec::new();
    collect(&checks, &mut files);
    let mut code = String::from("/// Built-in checks: (path relative to the repository, YAML text).\npub static BUILTIN_CHECKS: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&format!("{}/", root.replace('\\', "/"))).unwrap_or(f);
        code.push_str(&format!("    ({rel:?}, include_str!({f:?})),\n"));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_checks.rs");
    fs::write(out, code).unwrap();
}
