//! The whole pipeline on one `template.yaml`: decode, parse, resources, checks, waivers, renderers.
#![no_main]

use guardrail::scope::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    guardrail_fuzz::scan_bytes("template.yaml", FileKind::Yaml, data, None);
});
