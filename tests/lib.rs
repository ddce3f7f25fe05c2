//! End-to-end tests that cross crate boundaries live in `tests/e2e/`; this
//! library only holds the helpers they share: the world (simulated tenant,
//! managed profile, sandbox root), driving the login agent (`sesame-agent`,
//! library and binary) with real Chromium, and the secret scanner.

// Chromium drives the web sign-in on Linux only (WKWebView on a Mac), and the
// suite itself is Linux-only (sandbox roots, kernel keyring).
#[cfg(target_os = "linux")]
#[path = "support/login.rs"]
pub mod login;
#[path = "support/scan.rs"]
pub mod scan;
#[path = "support/world.rs"]
pub mod world;

/// A secret from a test literal.
pub fn secret(s: &str) -> secrecy::SecretString {
    secrecy::SecretString::from(s.to_owned())
}
