//! A machine's check minute is a pure function of its name, the same on
//! every platform and Sesame version: an upgrade does not move every Mac of
//! a fleet onto a new minute (nor bunch them), and a helpdesk can tell a
//! user when the next check comes. Pinned against the published SplitMix64
//! and FNV-1a values, so a change to the hash is a deliberate one.

use sesame_core::recheck::Policy;
use sesame_core::recheck::jitter::{fraction, mix, seed_from};
use time::macros::datetime;

#[test]
fn the_hashes_are_splitmix64_and_fnv1a() {
    // SplitMix64 from state 0: its first two outputs.
    assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
    assert_eq!(mix(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; the seed is it, mixed.
    assert_eq!(seed_from("a"), mix(0xAF63_DC4C_8601_EC8C));
    assert_eq!(
        seed_from("mac-000001.corp.example/ada"),
        0x00CC_C528_975B_96DF
    );
    let f = fraction(seed_from("mac-000001.corp.example/ada"), 0);
    assert!((f - 0.416_812_731_885_367_4).abs() < 1e-15, "{f}");
}

#[test]
fn each_machine_checks_at_its_own_fixed_minute_of_the_hour() {
    let hourly = Policy::from_minutes(60, true);
    let ada1 = seed_from("mac-000001.corp.example/ada");
    let ada2 = seed_from("mac-000002.corp.example/ada");
    let nine = datetime!(2026-11-02 09:00 UTC);
    assert_eq!(
        hourly.phase_due(ada1, nine),
        datetime!(2026-11-02 09:25 UTC)
    );
    assert_eq!(
        hourly.phase_due(ada2, nine),
        datetime!(2026-11-02 09:11:42 UTC)
    );
    // At the phase itself: that instant; a second later: the next hour.
    let at = datetime!(2026-11-02 09:25 UTC);
    assert_eq!(hourly.phase_due(ada1, at), at);
    assert_eq!(
        hourly.phase_due(ada1, datetime!(2026-11-02 09:25:01 UTC)),
        datetime!(2026-11-02 10:25 UTC)
    );
}
