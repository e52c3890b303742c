//! Developer tasks for guardrail.
//!
//! `cargo run -p xtask --release -- gen-corpus --out DIR [--files N] [--seed S]
//! [--insecure-percent P] [--force]` writes a deterministic benchmark corpus: about 45%
//! Terraform (modules of 3-8 .tf files, some with terraform.tfvars), 35% Kubernetes manifests
//! and 20% CloudFormation templates, with about P% of the checked resources carrying one
//! insecure setting. The same arguments give a byte-identical tree.

mod cloudformation;
mod hcl;
mod kubernetes;
mod rng;
mod terraform;
mod tree;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rng::Rng;
use terraform::{Cloud, ModuleSpec};

#[derive(Default, Clone, Copy)]
pub struct Stats {
    /// Resources / objects written.
    pub resources: usize,
    /// Resources that some built-in check looks at.
    pub checked: usize,
    /// Checked resources written with an insecure setting.
    pub insecure: usize,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.resources += o.resources;
        self.checked += o.checked;
        self.insecure += o.insecure;
    }
}

const USAGE: &str = "usage: cargo run -p xtask --release -- gen-corpus --out DIR [--files N] [--seed S] [--insecure-percent P] [--force]

  --out DIR               where to write the corpus (must not exist or be empty, unless --force)
  --files N               number of files (default 10000)
  --seed S                RNG seed (default 1); the same arguments give a byte-identical tree
  --insecure-percent P    share of checked resources with an insecure setting (default 20)
  --force                 delete DIR first if it is not empty";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen-corpus") => match parse(&args[1..]).and_then(|o| gen_corpus(&o)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

struct Opts {
    out: PathBuf,
    files: usize,
    seed: u64,
    pct: f64,
    force: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        out: PathBuf::new(),
        files: 10_000,
        seed: 1,
        pct: 20.0,
        force: false,
    };
    let mut out = None;
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (args[i].clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = &inline {
                return Ok(v.clone());
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--files" => {
                o.files = value("--files")?
                    .parse()
                    .map_err(|e| format!("--files: {e}"))?
            }
            "--seed" => {
                o.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--insecure-percent" => {
                o.pct = value("--insecure-percent")?
                    .parse()
                    .map_err(|e| format!("--insecure-percent: {e}"))?;
                if !(0.0..=100.0).contains(&o.pct) {
                    return Err("--insecure-percent must be between 0 and 100".into());
                }
            }
            "--force" => o.force = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
        i += 1;
    }
    o.out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    if o.files == 0 {
        return Err("--files must be at least 1".into());
    }
    Ok(o)
}

const SERVICES: &[&str] = &[
    "payments",
    "orders",
    "checkout",
    "inventory",
    "search",
    "auth",
    "billing",
    "catalog",
    "notifications",
    "analytics",
    "ledger",
    "shipping",
    "reporting",
    "gateway",
    "profile",
    "recommendations",
    "fraud",
    "media",
    "chat",
    "audit",
    "pricing",
    "loyalty",
    "identity",
    "onboarding",
];
const ENVS: &[&str] = &["dev", "staging", "prod"];
const CLUSTERS: &[&str] = &["prod-eu1", "prod-us1", "staging", "dev"];
const STACK_PURPOSES: &[&str] = &[
    "data", "network", "storage", "queues", "compute", "security", "audit", "api", "pipeline",
    "shared",
];

/// Files written so far (relative path, bytes), per framework.
struct Writer {
    root: PathBuf,
    files: usize,
    bytes: u64,
    largest: (u64, String),
}

impl Writer {
    fn write(&mut self, rel: &Path, text: &str) -> Result<(), String> {
        let p = self.root.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        self.files += 1;
        self.bytes += text.len() as u64;
        if text.len() as u64 > self.largest.0 {
            self.largest = (text.len() as u64, rel.display().to_string());
        }
        Ok(())
    }
}

/// Windows line endings for files from a Windows checkout.
fn eol(text: &str, crlf: bool) -> String {
    if crlf {
        text.replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}

fn unique_name(used: &mut Vec<String>, base: &str, ext: &str) -> String {
    let mut name = format!("{base}.{ext}");
    let mut i = 2;
    while used.contains(&name) {
        name = format!("{base}-{i}.{ext}");
        i += 1;
    }
    used.push(name.clone());
    name
}

fn gen_corpus(o: &Opts) -> Result<(), String> {
    if o.out.exists() {
        let non_empty = std::fs::read_dir(&o.out)
            .map_err(|e| format!("cannot read {}: {e}", o.out.display()))?
            .next()
            .is_some();
        if non_empty {
            if !o.force {
                return Err(format!(
                    "{} exists and is not empty (remove it or pass --force)",
                    o.out.display()
                ));
            }
            std::fs::remove_dir_all(&o.out)
                .map_err(|e| format!("cannot remove {}: {e}", o.out.display()))?;
        }
    }
    std::fs::create_dir_all(&o.out)
        .map_err(|e| format!("cannot create {}: {e}", o.out.display()))?;

    let n_tf = (o.files as f64 * 0.45).round() as usize;
    let n_k8s = (o.files as f64 * 0.35).round() as usize;
    let n_cfn = o.files - n_tf - n_k8s;
    let master = Rng::new(o.seed);
    let tf_rng = master.fork();
    let k8s_rng = master.fork();
    let cfn_rng = master.fork();
    let mut w = Writer {
        root: o.out.clone(),
        files: 0,
        bytes: 0,
        largest: (0, String::new()),
    };
    let mut report = Vec::new();

    // ---- Terraform ------------------------------------------------------------------------
    let mut st = Stats::default();
    let (f0, b0) = (w.files, w.bytes);
    let mut remaining = n_tf;
    let mut reusable: Vec<(Cloud, String)> = Vec::new();
    let mut modules = 0;
    while remaining > 0 {
        let r = tf_rng.fork();
        let cloud = match r.weighted(&[65, 18, 17]) {
            0 => Cloud::Aws,
            1 => Cloud::Azure,
            _ => Cloud::Gcp,
        };
        let service = r.pick(SERVICES);
        let env = r.pick(ENVS);
        let live = reusable.iter().any(|(c, _)| *c == cloud) && r.chance(25.0);
        let mut tfvars = r.chance(if live { 70.0 } else { 20.0 });
        let mut tf_files = r.range(3, 8);
        let total = tf_files + tfvars as usize;
        if total > remaining {
            tfvars = tfvars && remaining > 3;
            tf_files = remaining - tfvars as usize;
        } else if remaining - total < 3 {
            // no module smaller than 3 files at the end: this one takes the rest
            tf_files += remaining - total;
        }
        modules += 1;
        let dir = if live {
            format!(
                "terraform/live/{env}/{service}-{}-{modules:04}",
                cloud.slug()
            )
        } else {
            format!("terraform/modules/{}-{service}-{modules:04}", cloud.slug())
        };
        let calls = if live {
            let mut c = Vec::new();
            let same: Vec<&String> = reusable
                .iter()
                .filter(|(cl, _)| *cl == cloud)
                .map(|(_, d)| d)
                .collect();
            for _ in 0..r.range(1, 3) {
                let m = same[r.below(same.len())];
                let src = format!(
                    "../../../modules/{}",
                    m.trim_start_matches("terraform/modules/")
                );
                if !c.contains(&src) {
                    c.push(src);
                }
            }
            if cloud == Cloud::Aws && r.chance(30.0) {
                c.push("terraform-aws-modules/vpc/aws".to_string());
            }
            Some(c)
        } else {
            None
        };
        let spec = ModuleSpec {
            cloud,
            service,
            env,
            tf_files: tf_files.max(3),
            tfvars,
            calls,
        };
        let crlf = r.chance(2.0);
        let mut files = terraform::module(r.fork(), o.pct, &spec, &mut st);
        // only for a tiny --files: fewer than 3 files in all
        while files.len() > tf_files + tfvars as usize {
            files.remove(files.len() - 1 - tfvars as usize);
        }
        for (name, text) in &files {
            w.write(&Path::new(&dir).join(name), &eol(text, crlf))?;
        }
        remaining -= files.len();
        if !live {
            reusable.push((cloud, dir));
        }
    }
    report.push((
        "terraform",
        w.files - f0,
        w.bytes - b0,
        st,
        format!("{modules} modules"),
    ));

    // ---- Kubernetes -----------------------------------------------------------------------
    let mut st = Stats::default();
    let (f0, b0) = (w.files, w.bytes);
    let mut remaining = n_k8s;
    let mut dirs = 0;
    // file names used so far, per directory (two batches may land in the same namespace)
    let mut used_in: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    while remaining > 0 {
        let r = k8s_rng.fork();
        let cluster = r.pick(CLUSTERS);
        let team = r.pick(terraform::TEAMS);
        let ns = format!("{team}-{}", r.pick(SERVICES));
        dirs += 1;
        let dir = format!("kubernetes/{cluster}/{ns}");
        let count = r.range(4, 30).min(remaining);
        let used = used_in.entry(dir.clone()).or_default();
        for _ in 0..count {
            let crlf = r.chance(1.0);
            let (base, ext, text) = kubernetes::file(r.fork(), o.pct, &ns, team, &mut st);
            let name = unique_name(used, &base, ext);
            w.write(&Path::new(&dir).join(name), &eol(&text, crlf))?;
        }
        remaining -= count;
    }
    report.push((
        "kubernetes",
        w.files - f0,
        w.bytes - b0,
        st,
        format!("{dirs} namespaces"),
    ));

    // ---- CloudFormation -------------------------------------------------------------------
    let mut st = Stats::default();
    let (f0, b0) = (w.files, w.bytes);
    let mut remaining = n_cfn;
    let mut dirs = 0;
    while remaining > 0 {
        let r = cfn_rng.fork();
        let team = r.pick(terraform::TEAMS);
        dirs += 1;
        let dir = format!("cloudformation/{team}-{dirs:03}");
        let count = r.range(3, 20).min(remaining);
        let mut used = Vec::new();
        for _ in 0..count {
            let service = r.pick(SERVICES);
            let base = format!("{service}-{}", r.pick(STACK_PURPOSES));
            let crlf = r.chance(2.0);
            let (ext, text) = cloudformation::file(r.fork(), o.pct, service, &mut st);
            let name = unique_name(&mut used, &base, ext);
            w.write(&Path::new(&dir).join(name), &eol(&text, crlf))?;
        }
        remaining -= count;
    }
    report.push((
        "cloudformation",
        w.files - f0,
        w.bytes - b0,
        st,
        format!("{dirs} directories"),
    ));

    let mut all = Stats::default();
    println!("gen-corpus: seed {}, insecure-percent {}", o.seed, o.pct);
    for (name, files, bytes, st, what) in &report {
        all.add(st);
        println!(
            "  {name:<15} {files:>7} files {:>10.1} MiB  {:>7} resources ({} checked, {} insecure)  {what}",
            *bytes as f64 / 1048576.0,
            st.resources,
            st.checked,
            st.insecure
        );
    }
    println!(
        "  resources: {} ({} checked by the catalog, {} insecure = {:.1}%)",
        all.resources,
        all.checked,
        all.insecure,
        if all.checked > 0 {
            all.insecure as f64 * 100.0 / all.checked as f64
        } else {
            0.0
        }
    );
    println!("  largest file: {} ({} bytes)", w.largest.1, w.largest.0);
    println!(
        "wrote {} files, {} bytes to {}",
        w.files,
        w.bytes,
        o.out.display()
    );
    Ok(())
}
