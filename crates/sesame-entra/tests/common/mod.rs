//! Shared set-up for the integration tests: an entra-sim tenant over HTTPS
//! whose CA only these tests trust, and a client configured for it.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::SecretString;
use sesame_entra::{ClientConfig, Clock, EntraClient, RopgEndpoint};

/// The demo tenant's public-client app ("Sesame").
pub const SESAME_APP: &str = "c3000000-0000-4000-8000-000000000001";
/// The demo tenant's confidential app.
pub const DOCTOR_APP: &str = "c3000000-0000-4000-8000-000000000002";
/// The demo tenant's app with public client flows off.
pub const NO_PUBLIC_FLOWS_APP: &str = "c3000000-0000-4000-8000-000000000003";
pub const NATIVECLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";

pub async fn sim() -> SimHandle {
    Sim::start(Tenant::demo(), SimOptions { tls: true })
        .await
        .expect("sim starts")
}

pub async fn sim_with(tenant: Tenant) -> SimHandle {
    Sim::start(tenant, SimOptions { tls: true })
        .await
        .expect("sim starts")
}

/// A client for the sim's tenant, trusting the sim's CA.
pub fn config(sim: &SimHandle) -> ClientConfig {
    let mut cfg = ClientConfig::new(&sim.tenant_id(), SESAME_APP, NATIVECLIENT)
        .with_authority_host(sim.base_url())
        .expect("sim URL");
    cfg.extra_root_certs_pem = sim.ca_pem().map(str::to_owned);
    cfg.graph_base = url::Url::parse(sim.base_url()).expect("sim URL");
    cfg.ropg_endpoint = RopgEndpoint::Auto;
    cfg
}

pub fn client(sim: &SimHandle) -> EntraClient {
    EntraClient::new(config(sim)).expect("client")
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A clock offset from the system clock (positive = ahead).
#[derive(Debug)]
pub struct OffsetClock(pub i64);

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        if self.0 >= 0 {
            now + Duration::from_secs(self.0 as u64)
        } else {
            now - Duration::from_secs(self.0.unsigned_abs())
        }
    }
}

pub fn client_with_clock(sim: &SimHandle, offset_secs: i64) -> EntraClient {
    EntraClient::with_clock(config(sim), Arc::new(OffsetClock(offset_secs))).expect("client")
}

/// Drives the sim's sign-in pages like a web view would (see
/// [`entra_sim::headless`]): opens the authorization URL, posts the username
/// and password, and returns the redirect URL Entra sent the browser to.
pub async fn browser_sign_in(
    sim: &SimHandle,
    auth_url: &url::Url,
    upn: &str,
    password: &str,
) -> String {
    let done = entra_sim::headless::sign_in(sim, auth_url.as_str(), upn, password)
        .await
        .unwrap_or_else(|e| panic!("sign-in pages: {e}"));
    assert!(!done.answered_mfa, "unexpected MFA: {done:?}");
    done.redirect
}
