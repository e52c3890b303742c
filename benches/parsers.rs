//! Parser throughput on generated inputs (HCL with hcl-edit, YAML from saphyr's events, JSON
//! with jsonc-parser), each into the spanned node model. `cargo bench --bench parsers`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guardrail::parse::{hcl, json, yaml, Limits};

mod inputs;

fn parsers(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("parse");
    let tf = inputs::terraform(200);
    g.throughput(Throughput::Bytes(tf.len() as u64));
    g.bench_function("hcl", |b| {
        b.iter(|| hcl::parse(black_box(&tf), &limits).expect("generated HCL parses"))
    });
    let k8s = inputs::kubernetes(200);
    g.throughput(Throughput::Bytes(k8s.len() as u64));
    g.bench_function("yaml", |b| {
        b.iter(|| yaml::parse(black_box(&k8s), &limits).expect("generated YAML parses"))
    });
    let cfn = inputs::cloudformation_json(200);
    g.throughput(Throughput::Bytes(cfn.len() as u64));
    g.bench_function("json", |b| {
        b.iter(|| json::parse(black_box(&cfn), &limits).expect("generated JSON parses"))
    });
    g.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
