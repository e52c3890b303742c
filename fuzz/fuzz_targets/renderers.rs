//! Every renderer (human, JSON, SARIF, GitHub, Markdown) fed findings with arbitrary spans (out of range, inside
//! a multi-byte character, reversed, empty) over arbitrary text, and arbitrary labels.
#![no_main]

use guardrail::checks::Severity;
use guardrail::engine::{ScanResult, Source};
use guardrail::findings::{Finding, FindingKind, Related};
use guardrail::model::Span;
use libfuzzer_sys::fuzz_target;

/// Reads little-endian numbers off the front of the input.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u16(&mut self) -> usize {
        let (a, b) = (self.0.first().copied(), self.0.get(1).copied());
        self.0 = self.0.get(2..).unwrap_or(&[]);
        u16::from_le_bytes([a.unwrap_or(0), b.unwrap_or(0)]) as usize
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let spans: Vec<Span> = (0..6).map(|_| Span::new(b.u16(), b.u16())).collect();
    let flags = b.u16();
    let rest = String::from_utf8_lossy(b.0).into_owned();
    // Two files: the text, and the text's second half (a finding may point into either).
    let half = rest.len() / 2;
    let half = (0..=half).rev().find(|i| rest.is_char_boundary(*i)).unwrap_or(0);
    let label: String = rest.chars().take(40).collect();
    let mut result = ScanResult {
        sources: vec![
            Source::auxiliary("main.tf".into(), rest.clone()),
            Source::auxiliary("dir/other file.yaml".into(), rest[half..].to_string()),
        ],
        ..Default::default()
    };
    let catalog = &guardrail_fuzz::federation().catalog;
    let ids: Vec<String> = catalog.checks.iter().map(|c| c.id.clone()).collect();
    for (i, s) in spans.iter().enumerate() {
        let kind = match (flags >> (2 * i)) & 3 {
            0 => FindingKind::Check,
            1 => FindingKind::ParseError,
            2 => FindingKind::Unknown,
            _ => FindingKind::Diagnostic,
        };
        let file = (flags >> (12 + i % 4)) & 1;
        result.findings.push(Finding {
            check_id: ids[(s.start ^ s.end) % ids.len()].clone(),
            severity: [
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Info,
            ][i % 5],
            message: label.clone(),
            file,
            span: *s,
            label: label.clone(),
            secondary: vec![Related {
                file: 1 - file,
                span: spans[(i + 1) % spans.len()],
                label: "context".into(),
            }],
            resource: label.clone(),
            resource_span: Some(spans[(i + 2) % spans.len()]),
            fingerprint: format!("{i}"),
            kind,
            enforced: i % 2 == 0,
            notes: vec![label.clone()],
        });
    }
    guardrail_fuzz::render_all(&result, catalog);
});
