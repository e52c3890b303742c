//! Embeds the built-in check catalog (`checks/**/*.yaml`) into the binary, so an installed
//! `guardrail` needs no files beside it.
//!
//! Each check is embedded twice: as written, and as JSON converted here. The catalog is
//! loaded on every run, and a pre-commit run on a few files spent a sixth of its time
//! parsing the YAML of the catalog; JSON parses several times faster into the same tree.
//! A test loads every check both ways and compares the results.
use std::hash::{DefaultHasher, Hash, Hasher};
use std::{env, fs, path::Path};

use saphyr_parser::{Event, Parser, ScalarStyle};

#[path = "src/parse/plain.rs"]
mod plain;

/// The JSON form of a check file, or `None` when it uses YAML that the conversion keeps
/// out of (anchors, aliases, tags, several documents, duplicate keys, non-string keys): the
/// file is then loaded from its YAML at run time, with the same result.
fn to_json(yaml: &str) -> Option<String> {
    enum Frame {
        Seq {
            first: bool,
        },
        Map {
            first: bool,
            key: bool,
            keys: Vec<String>,
        },
    }
    let mut out = String::with_capacity(yaml.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut docs = 0;
    let mut parser = Parser::new_from_str(yaml);
    // Before a value: a comma when needed; in a map, a key is a string and is followed by
    // a colon.
    fn before(stack: &mut [Frame], out: &mut String, scalar_key: Option<&str>) -> Option<bool> {
        match stack.last_mut() {
            None => Some(false),
            Some(Frame::Seq { first }) => {
                if !*first {
                    out.push(',');
                }
                *first = false;
                Some(false)
            }
            Some(Frame::Map { first, key, keys }) => {
                if *key {
                    let k = scalar_key?;
                    if keys.iter().any(|x| x == k) {
                        return None;
                    }
                    keys.push(k.to_string());
                    if !*first {
                        out.push(',');
                    }
                    *first = false;
                    *key = false;
                    Some(true)
                } else {
                    *key = true;
                    Some(false)
                }
            }
        }
    }
    while let Some(ev) = parser.next_event() {
        let (ev, _) = ev.ok()?;
        match ev {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return None;
                }
            }
            Event::Alias(_) => return None,
            Event::Scalar(v, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let is_key = before(&mut stack, &mut out, Some(&v))?;
                if is_key {
                    out.push_str(&json_string(&v));
                    out.push(':');
                } else {
                    out.push_str(&scalar_json(&v, style)?);
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                if before(&mut stack, &mut out, None)? {
                    return None;
                }
                if matches!(ev, Event::SequenceStart(..)) {
                    out.push('[');
                    stack.push(Frame::Seq { first: true });
                } else {
                    out.push('{');
                    stack.push(Frame::Map {
                        first: true,
                        key: true,
                        keys: Vec::new(),
                    });
                }
            }
            Event::SequenceEnd => {
                stack.pop();
                out.push(']');
            }
            Event::MappingEnd => {
                stack.pop();
                out.push('}');
            }
        }
    }
    (docs == 1 && stack.is_empty() && !out.is_empty()).then_some(out)
}

/// A YAML scalar as JSON, resolved as `src/parse/yaml.rs` resolves it (`src/parse/plain.rs`).
fn scalar_json(v: &str, style: ScalarStyle) -> Option<String> {
    if style != ScalarStyle::Plain {
        return Some(json_string(v));
    }
    Some(match plain::resolve(v) {
        plain::Plain::Null => "null".into(),
        plain::Plain::Bool(b) => b.to_string(),
        // Printed so that it reads back as the same number.
        plain::Plain::Number(n) => format!("{n}"),
        plain::Plain::String => json_string(v),
    })
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

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
    println!("cargo:rerun-if-changed=src/parse/plain.rs");
    let mut files = Vec::new();
    collect(&checks, &mut files);
    let mut code = String::from("/// Built-in checks: (path relative to the repository, YAML text, the same as JSON or\n/// \"\" where it was not converted).\npub static BUILTIN_CHECKS: &[(&str, &str, &str)] = &[\n");
    for f in &files {
        let rel = f
            .strip_prefix(&format!("{}/", root.replace('\\', "/")))
            .unwrap_or(f);
        let json = fs::read_to_string(f)
            .ok()
            .and_then(|y| to_json(&y))
            .unwrap_or_default();
        code.push_str(&format!("    ({rel:?}, include_str!({f:?}), {json:?}),\n"));
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
    build_id(Path::new(&root));
}

/// `GUARDRAIL_BUILD_ID`: a hash of the sources and the locked dependencies. The parse cache
/// (`src/cache.rs`) keeps parse trees only for the build that wrote them: any change to a
/// parser, to the model or to a dependency gives a new identity, hence an empty cache.
fn build_id(root: &Path) {
    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    println!("cargo:rerun-if-changed=src");
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        println!("cargo:rerun-if-changed=Cargo.lock");
        files.push(lock);
    }
    files.sort();
    let mut h = DefaultHasher::new();
    env::var("CARGO_PKG_VERSION")
        .unwrap_or_default()
        .hash(&mut h);
    for f in &files {
        f.strip_prefix(root).unwrap_or(f).hash(&mut h);
        fs::read(f).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=GUARDRAIL_BUILD_ID={:016x}", h.finish());
}
