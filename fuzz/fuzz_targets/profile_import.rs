//! Any bytes given to the Jamf Connect and XCreds importers. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::import::{Product, import, mobileconfig};

fuzz_target!(|data: &[u8]| {
    for product in [Product::JamfConnect, Product::XCreds] {
        if let Ok(imported) = import(product, &[("com.jamf.connect.login.plist", data)]) {
            let out = mobileconfig(&imported.values, "fuzz", data);
            let _ = sesame_core::settings::load(&[("out", &out)]);
        }
    }
});
