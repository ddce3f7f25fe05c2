//! Entra ID and OpenID Connect over HTTP.
//!
//! Discovery, the authorization request (PKCE, state, nonce), code exchange,
//! the password (ROPG) check on the v1 and v2 endpoints, ID-token validation
//! with a cached JWKS, Graph group overage, the AADSTS catalog, and the
//! mapping of every Entra answer to a password verdict.
