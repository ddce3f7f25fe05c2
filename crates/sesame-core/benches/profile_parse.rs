//! Parse + validate each example profile (what `sesame profile check` and the
//! agent do at start). Target: ≤ 200 µs for a typical profile.
//! Medians: `target/criterion/profile_load/*/new/estimates.json` → `median`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn profiles() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out: Vec<(String, Vec<u8>)> = [
        "profiles/minimal-entra.mobileconfig",
        "profiles/mfa-two-app-ca.mobileconfig",
        "profiles/provisioning-groups.mobileconfig",
        "profiles/confidential-client.mobileconfig",
        "crates/sesame-core/tests/fixtures/signed-minimal.mobileconfig",
        "crates/sesame-core/tests/fixtures/legacy-mcx.mobileconfig",
    ]
    .iter()
    .filter_map(|p| {
        let bytes = std::fs::read(root.join(p)).ok()?;
        let name = p
            .rsplit('/')
            .next()?
            .trim_end_matches(".mobileconfig")
            .to_owned();
        Some((name, bytes))
    })
    .collect();
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("profile_load");
    for (name, bytes) in profiles() {
        group.bench_function(&name, |b| {
            b.iter(|| {
                let report =
                    sesame_core::settings::load(&[(name.as_str(), black_box(bytes.as_slice()))]);
                assert!(report.settings.is_some());
                report
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
