//! Embeds the built-in check catalog (`checks/**/*.yaml`) into the binary, so an installed
//! `guardrail` needs no files beside it.
use std::{env, fs, path::Path};

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
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
        let rel = f
            .strip_prefix(&format!("{}/", root.replace('\\', "/")))
            .unwrap_or(f);
        code.push_str(&format!("    ({rel:?}, include_str!({f:?})),\n"));
    }
    code.push_str("];\n");
    // One failing example per check (the first `fail*` fixture), for `guardrail explain`.
    println!("cargo:rerun-if-changed=fixtures");
    code.push_str("/// (check id, fixture path, text) of one failing example per check.\npub static BUILTIN_EXAMPLES: &[(&str, &str, &str)] = &[\n");
    let fixtures = Path::new(&root).join("fixtures");
    let mut dirs: Vec<_> = fs::read_dir(&fixtures)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for d in dirs {
        let id = d.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<_> = fs::read_dir(&d)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        files.sort_by_key(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            // Prefer Terraform, then YAML: the most readable examples.
            (!n.ends_with(".tf"), n.ends_with(".json"), n)
        });
        if let Some(f) = files.iter().find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("fail") && !n.ends_with(".expect")
        }) {
            let abs = f.to_string_lossy().replace('\\', "/");
            let rel = format!("fixtures/{id}/{}", f.file_name().unwrap().to_string_lossy());
            code.push_str(&format!("    ({id:?}, {rel:?}, include_str!({abs:?})),\n"));
        }
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_checks.rs");
    fs::write(out, code).unwrap();
}
