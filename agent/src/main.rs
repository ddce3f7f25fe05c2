//! `sesame-agent`: the login agent. At the login window it runs the Entra
//! sign-in (authorization code + PKCE in a web view), checks the captured
//! password with ROPG, validates the ID token, and provisions the local
//! account. On macOS it is hosted by an authorization plugin; on Linux, later,
//! a PAM module.
fn main() {}
