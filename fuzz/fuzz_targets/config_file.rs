//! `.guardrail.yaml` (reading, validation, located errors) and, on the same text, the
//! baseline reader.
#![no_main]

use guardrail::baseline::Baseline;
use guardrail::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = guardrail_fuzz::empty_dir().to_path_buf();
    let _ = Config::parse(".guardrail.yaml".into(), text.to_string(), dir, String::new());
    let _ = Baseline::parse(".guardrail-baseline.json".into(), text.to_string());
});
