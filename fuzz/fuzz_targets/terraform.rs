//! The whole pipeline on one `main.tf`: decode, parse, evaluate (Terraform), resources, checks, waivers, renderers.
#![no_main]

use guardrail::scope::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    guardrail_fuzz::scan_bytes("main.tf", FileKind::Terraform, data, None);
});
