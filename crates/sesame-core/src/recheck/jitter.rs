//! Deterministic jitter: a machine's seed and a counter give a fraction in
//! `[0, 1)`. Every daemon of a fleet has its own seed (hashed from the host
//! and the user), so their checks spread out; the same seed always gives the
//! same schedule, so tests and the fleet benchmark are reproducible.

/// SplitMix64: a well-mixed 64-bit hash of `x` (Steele, Lea & Flood, 2014).
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fraction in `[0, 1)` for draw number `n` of the machine with `seed`.
pub fn fraction(seed: u64, n: u64) -> f64 {
    // 53 random bits: every f64 in [0, 1) with that spacing is reachable.
    let bits = mix(seed ^ mix(n)) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// A seed from text (host name + user): FNV-1a, then mixed.
pub fn seed_from(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(h)
}
