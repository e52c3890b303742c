//! A check file: YAML loading and compilation (conditions, paths, regexes); a check that
//! compiles is then evaluated on one sample file per framework and rendered.
#![no_main]

use guardrail::checks::{load_check, Catalog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(check) = load_check("checks/fuzz.yaml", text) {
        guardrail_fuzz::scan_samples(&Catalog::new(vec![check]));
    }
});
