//! Any bytes given to the profile reader: parse, validate, merge, build
//! settings, and show every value. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = sesame_core::settings::load(&[("fuzz.mobileconfig", data)]);
    for spec in sesame_core::settings::KEYS {
        if let Some(v) = report.effective.resolved(spec.name) {
            let _ = v.to_string();
        }
    }
    for f in &report.findings {
        let _ = f.to_string();
    }
});
