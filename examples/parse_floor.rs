//! The parsing floor of a corpus: how fast the three parsers guardrail uses read the same files
//! with nothing else done (hcl-edit for `.tf`/`.tfvars`, saphyr-parser's event stream with
//! positions for YAML, jsonc-parser's AST for JSON). `bench/run.sh` compares the full scan
//! with it.
//!
//! ```sh
//! cargo run --release --example parse_floor -- DIR [--runs N]
//! ```
//!
//! Prints one line per run and a final line with the best run:
//! `parse-floor: FILES files BYTES bytes SECONDS s (THREADS threads)`. Threads: rayon's
//! default (`RAYON_NUM_THREADS`, else one per core). Files are read inside the timing, as the
//! scan reads them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Hcl,
    Yaml,
    Json,
}

fn kind(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".json") {
        Some(Kind::Json)
    } else if name.ends_with(".tf") || name.ends_with(".tfvars") {
        Some(Kind::Hcl)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
        Some(Kind::Yaml)
    } else {
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Kind)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        let p = e.path();
        if t.is_dir() {
            walk(&p, out);
        } else if t.is_file() {
            if let Some(k) = kind(&p) {
                out.push((p, k));
            }
        }
    }
}

/// Parses one file; returns its size and a count that keeps the work from being optimised out.
fn parse(path: &Path, kind: Kind) -> (u64, usize) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return (0, 0);
    };
    let n = match kind {
        Kind::Hcl => hcl_edit::parser::parse_body(&text)
            .map(|b| b.len())
            .unwrap_or(0),
        Kind::Yaml => {
            let mut parser = saphyr_parser::Parser::new_from_str(&text);
            let mut events = 0;
            while let Some(Ok((_, span))) = parser.next_event() {
                events += 1 + span.end.index() - span.start.index();
            }
            events
        }
        Kind::Json => {
            let collect = jsonc_parser::CollectOptions::default();
            let options = jsonc_parser::ParseOptions::default();
            jsonc_parser::parse_to_ast(&text, &collect, &options)
                .map(|r| r.value.is_some() as usize)
                .unwrap_or(0)
        }
    };
    (text.len() as u64, n)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo run --release --example parse_floor -- DIR [--runs N]");
        std::process::exit(2);
    };
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(3),
        None => 3,
    };
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let threads = rayon::current_num_threads();
    let mut best = f64::INFINITY;
    let mut bytes = 0;
    for run in 1..=runs.max(1) {
        let start = Instant::now();
        let (b, n) = files
            .par_iter()
            .map(|(p, k)| parse(p, *k))
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let secs = start.elapsed().as_secs_f64();
        bytes = b;
        best = best.min(secs);
        println!("run {run}: {secs:.3} s ({n} units)");
    }
    println!(
        "parse-floor: {} files {} bytes {:.3} s ({} threads)",
        files.len(),
        bytes,
        best,
        threads
    );
}
