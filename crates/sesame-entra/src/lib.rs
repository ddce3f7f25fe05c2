//! Entra ID and OpenID Connect over HTTP.
//!
//! Discovery, the authorization request (PKCE, state, nonce), code exchange,
//! the password (ROPG) check on the v1 and v2 endpoints, ID-token validation
//! with a cached JWKS, Graph group overage, the AADSTS catalog, and the
//! mapping of every Entra answer to a password verdict.
//!
//! Start with [`EntraClient`]: [`EntraClient::verify_password_for`] for the
//! password check of a signed-in identity (the only way to a
//! [`VerifiedPassword`]), [`EntraClient::sign_in_with_password`] for native
//! sign-in, [`EntraClient::check_password`] for a verdict alone; [`EntraClient::authorize`], then
//! [`authorize::parse_redirect`], then [`EntraClient::exchange_code`] for the
//! interactive sign-in; [`EntraClient::resolve_groups`] for group overage.
//! [`Catalog::builtin`] explains any AADSTS code.
#![warn(missing_docs)]

pub mod authorize;
pub mod binding;
pub mod catalog;
pub mod claims;
pub mod client;
pub mod config;
pub mod device_code;
pub mod discovery;
pub mod error;
pub mod graph;
pub mod http;
pub mod id_token;
pub mod jwk;
pub mod jwks;
pub mod oidc;
pub mod password_age;
pub mod refresh;
pub mod ropg;
pub mod token;
pub mod verdict;

pub use binding::{PasswordCheckFor, PasswordSignIn};
pub use catalog::{Catalog, CatalogEntry};
pub use claims::{EntraClaims, GroupClaim};
pub use client::{Clock, EntraClient, SystemClock};
pub use config::{ClientConfig, ConfigError, RopgEndpoint};
pub use discovery::Version;
pub use error::{EntraError, RetryAfter, UnexpectedResponse};
pub use http::{HttpClient, TransportError};
pub use refresh::{Redeemed, RefreshApp};
pub use ropg::{Issued, PasswordCheck, PasswordGrantForm, PasswordRefused};
pub use sesame_core::password_binding::{
    BindingRefused, PasswordOwner, VerifiedBy, VerifiedPassword,
};
pub use token::{SignIn, TokenError, TokenSet};
pub use verdict::{PasswordVerdict, verdict_for_error, verdict_for_unexpected};
