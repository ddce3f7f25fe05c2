//! Shared helpers for the web sign-in tests: a headless Chromium web view with
//! a scripted person, and a PKCE pair.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod pages;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use sesame_agent::web::chromium::{
    ChromiumOptions, ChromiumWebLogin, Person, PersonError, PersonPage,
};
use sha2::{Digest, Sha256};

/// How long any one test sign-in may take.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(60);

/// Headless Chromium where `person` types into the pages.
pub fn chromium_with<F, Fut>(person: F) -> ChromiumWebLogin
where
    F: Fn(PersonPage) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), PersonError>> + Send + 'static,
{
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: the web tests need Debian's chromium (run .ci/install-deps)"
    );
    let person: Arc<dyn Person> = Arc::new(person);
    ChromiumWebLogin::new(ChromiumOptions::headless()).with_person(person)
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!("web-test-verifier-{:032x}", rand_u128());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_u128() -> u128 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    t.as_nanos() ^ (u128::from(std::process::id()) << 64)
}

/// A query parameter of `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `url`-encodes `s` for a query.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
