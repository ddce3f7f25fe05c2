//! End-to-end tests that cross crate boundaries live in `tests/e2e/`; this
//! library only holds the helpers they share: the world (simulated tenant,
//! managed profile, sandbox root), the login agent's job glued from the
//! real crates, and the secret scanner. The sign-in pages are walked with
//! `entra_sim::headless`.

#[path = "support/agent.rs"]
pub mod agent;
#[path = "support/scan.rs"]
pub mod scan;
#[path = "support/world.rs"]
pub mod world;

/// A secret from a test literal.
pub fn secret(s: &str) -> secrecy::SecretString {
    secrecy::SecretString::from(s.to_owned())
}
