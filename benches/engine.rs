//! The engine: the built-in checks evaluated per resource (Kubernetes objects and
//! CloudFormation resources already built), and a whole Terraform module through
//! `scan_files` (parse, module evaluation, checks). `cargo bench --bench engine`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guardrail::checks::{eval, Catalog};
use guardrail::engine::{scan_files, ScanOptions, ScanResult};
use guardrail::model::Resource;
use guardrail::parse::{json, yaml, Limits};
use guardrail::resources::{cloudformation, kubernetes, ResourceIndex};
use guardrail::scope::{Candidate, FileKind};

mod inputs;

fn resources() -> Vec<Resource> {
    let limits = Limits::default();
    let mut out = Vec::new();
    for doc in yaml::parse(&inputs::kubernetes(100), &limits).expect("generated YAML parses") {
        kubernetes::objects(doc.root, 0, 1, &mut out);
    }
    let cfn = json::parse(&inputs::cloudformation_json(100), &limits).expect("JSON parses");
    cloudformation::resources(cfn, 1, 2, &mut out);
    out
}

fn checks_per_resource(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("the built-in catalog compiles");
    let index = ResourceIndex::new(resources());
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(index.resources.len() as u64));
    g.bench_function("checks per resource (kubernetes + cloudformation)", |b| {
        b.iter(|| {
            index
                .resources
                .iter()
                .map(|r| eval::evaluate_resource(&catalog, &index, black_box(r), false).len())
                .sum::<usize>()
        })
    });
    let tf = inputs::terraform(100);
    g.throughput(Throughput::Bytes(tf.len() as u64));
    let opts = ScanOptions::default();
    let root = Path::new("/bench");
    g.bench_function("terraform module (parse, evaluate, check)", |b| {
        b.iter(|| {
            let cand = Candidate {
                path: PathBuf::from("/bench/module/main.tf"),
                display: "module/main.tf".into(),
                kind: FileKind::Terraform,
                bytes: Some(tf.clone().into_bytes()),
            };
            let r = scan_files(
                vec![cand],
                &opts,
                &catalog,
                root,
                root,
                ScanResult::default(),
            );
            r.findings.len()
        })
    });
    g.finish();
}

criterion_group!(benches, checks_per_resource);
criterion_main!(benches);
