//! A simulated Microsoft Entra ID tenant for tests, demos and admins' dry runs.
//!
//! It decides every answer from its own tenant model and never imports
//! Sesame's client code, so a client bug cannot be mirrored by the server
//! that tests it.
//!
//! # Use from a test
//!
//! ```no_run
//! # async fn demo() -> Result<(), entra_sim::SimError> {
//! use entra_sim::{Sim, SimOptions, Tenant};
//! let sim = Sim::start(Tenant::demo(), SimOptions { tls: true }).await?;
//! let authority = sim.authority();              // https://127.0.0.1:PORT/<tenant GUID>
//! let ca = sim.ca_pem();                        // trust this PEM in the client
//! sim.set_password("megan@contoso.example", "New-Password-1")?;
//! sim.advance_clock(time::Duration::hours(2));
//! let failures = sim.sign_ins().iter().filter(|s| s.error_code == 50126).count();
//! # let _ = (authority, ca, failures); Ok(()) }
//! ```
//!
//! Endpoints (tenant = GUID, verified domain, `organizations` or `common`):
//! `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/.well-known/openid-configuration`,
//! `/{tenant}/discovery/v2.0/keys`, `/{tenant}/discovery/keys`,
//! `/{tenant}/oauth2/v2.0/{authorize,token,devicecode,logout}`,
//! `/{tenant}/oauth2/{authorize,token,devicecode,logout}`, `/devicelogin`, userinfo
//! (`/oidc/userinfo`, `/{tenant}/openid/userinfo`), `/ChangePassword.aspx`, Graph `/v1.0/me`,
//! `/v1.0/users/{id}[/getMemberObjects|/memberOf]`, and the control API under `/_sim/` (see
//! [`control`]).
//!
//! Errors follow Entra's JSON shape (see [`errors`]); v1 token responses carry
//! `expires_in`/`expires_on` as strings, as Entra's v1 endpoint does.

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub mod auth;
pub mod claims;
pub mod clock;
pub mod control;
pub mod errors;
pub mod faults;
pub mod headless;
pub mod keys;
pub mod profile;
pub mod scopes;
pub mod signin;
pub mod state;
pub mod tenant;
pub mod tls;
pub mod token;

mod authorize;
mod device;
mod discovery;
mod grants;
mod graph;
mod pages;
mod server;
mod signing;
mod signout;

pub use control::{ControlError, PasswordChange};
pub use faults::{Fault, FaultKind};
pub use signin::{SignIn, SignInResult};
pub use tenant::{CaState, DEMO_TENANT_TOML, Tenant, TenantError, UserState};

/// Failure to start the sim.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Could not bind the listening socket.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Key generation failed.
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    /// TLS setup failed.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// A control call named something unknown.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// The background runtime could not start.
    #[error("cannot start the sim's runtime: {0}")]
    Runtime(std::io::Error),
}

/// How to start a sim.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// Serve HTTPS with a freshly generated CA (see [`SimHandle::ca_pem`]).
    pub tls: bool,
}

/// Starts simulated tenants.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// Starts a sim on `127.0.0.1:0` in the current tokio runtime.
    pub async fn start(tenant: Tenant, options: SimOptions) -> Result<SimHandle, SimError> {
        Sim::start_on(tenant, options, "127.0.0.1:0").await
    }

    /// Starts a sim listening on `addr` in the current tokio runtime.
    pub async fn start_on(
        tenant: Tenant,
        options: SimOptions,
        addr: &str,
    ) -> Result<SimHandle, SimError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: addr.into(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SimError::Bind {
            addr: addr.into(),
            source,
        })?;
        let tls = if options.tls {
            Some(tls::generate_for(Some(local.ip()))?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            local.ip().to_string()
        };
        let base_url = format!("{scheme}://{host}:{}", local.port());
        let keys = tokio::task::spawn_blocking(keys::KeySet::generate)
            .await
            .map_err(|e| SimError::Runtime(std::io::Error::other(e.to_string())))??;
        let state = Arc::new(state::SimState::new(tenant, base_url, keys));
        let (stop_tx, stop_rx) = watch::channel(false);
        let config = tls.as_ref().map(|t| Arc::clone(&t.config));
        tokio::spawn(server::serve(listener, Arc::clone(&state), config, stop_rx));
        Ok(SimHandle {
            state,
            addr: local,
            ca_pem: tls.map(|t| t.ca_pem),
            stop: stop_tx,
        })
    }

    /// Starts a sim on its own background runtime (for synchronous tests and tools).
    pub fn start_in_background(tenant: Tenant, options: SimOptions) -> Result<SimHandle, SimError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("entra-sim")
            .build()
            .map_err(SimError::Runtime)?;
        let handle = rt.block_on(Sim::start(tenant, options))?;
        let mut stop = handle.stop.subscribe();
        std::thread::spawn(move || {
            rt.block_on(async move {
                let _ = stop.changed().await;
            });
        });
        Ok(handle)
    }
}

/// A running sim. Dropping it stops the listener.
#[derive(Debug)]
pub struct SimHandle {
    state: Arc<state::SimState>,
    addr: SocketAddr,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl SimHandle {
    /// `http(s)://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }
    /// `{base_url}/{tenant GUID}` — the authority to configure in a client.
    pub fn authority(&self) -> String {
        format!("{}/{}", self.state.base_url, self.state.tenant_id)
    }
    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The tenant (directory) ID.
    pub fn tenant_id(&self) -> String {
        self.state.tenant_id.to_string()
    }
    /// The CA certificate (PEM) to trust, when serving HTTPS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }
    /// The v2 issuer: `{base_url}/{tid}/v2.0`.
    pub fn issuer_v2(&self) -> String {
        self.state.issuer_v2()
    }
    /// The v1 issuer: `https://sts.windows.net/{tid}/`.
    pub fn issuer_v1(&self) -> String {
        self.state.issuer_v1()
    }
    /// The user changes their password (clears expiry; revokes public clients'
    /// password-based refresh tokens). Same as [`SimHandle::set_password_by`] with
    /// [`PasswordChange::User`].
    pub fn set_password(&self, upn: &str, password: &str) -> Result<(), SimError> {
        self.set_password_by(upn, password, PasswordChange::User)
    }
    /// Sets a user's password as changed `by` the user, SSPR or an admin; refresh tokens are
    /// revoked as Microsoft's "Refresh tokens" revocation table says.
    pub fn set_password_by(
        &self,
        upn: &str,
        password: &str,
        by: PasswordChange,
    ) -> Result<(), SimError> {
        Ok(self.state.set_password(upn, password, by)?)
    }
    /// The user declines the pending device-code sign-in with `user_code`.
    pub fn decline_device_code(&self, user_code: &str) -> Result<(), SimError> {
        Ok(self.state.decline_device_code(user_code)?)
    }
    /// Sets a user's state (enabled, disabled, locked, password_expired).
    pub fn set_user_state(&self, upn: &str, state: UserState) -> Result<(), SimError> {
        Ok(self.state.set_user_state(upn, state)?)
    }
    /// Locks a user (AADSTS50053 until unlocked).
    pub fn lock(&self, upn: &str) -> Result<(), SimError> {
        self.set_user_state(upn, UserState::Locked)
    }
    /// Unlocks / enables a user and clears smart-lockout counters.
    pub fn unlock(&self, upn: &str) -> Result<(), SimError> {
        self.set_user_state(upn, UserState::Enabled)
    }
    /// Disables a user (AADSTS50057).
    pub fn disable(&self, upn: &str) -> Result<(), SimError> {
        self.set_user_state(upn, UserState::Disabled)
    }
    /// Turns per-user MFA on or off.
    pub fn set_per_user_mfa(&self, upn: &str, enabled: bool) -> Result<(), SimError> {
        Ok(self.state.set_per_user_mfa(upn, enabled)?)
    }
    /// Sets a Conditional Access policy's state by name.
    pub fn set_ca_state(&self, name: &str, state: CaState) -> Result<(), SimError> {
        Ok(self.state.set_ca_state(name, state)?)
    }
    /// Turns security defaults on or off.
    pub fn set_security_defaults(&self, enabled: bool) {
        self.state.set_security_defaults(enabled);
    }
    /// Sets the group-overage threshold (default 200).
    pub fn set_group_overage_threshold(&self, threshold: usize) {
        self.state.set_group_overage_threshold(threshold);
    }
    /// The user's current TOTP code at the sim's clock.
    pub fn totp_code(&self, upn: &str) -> Result<String, SimError> {
        Ok(self.state.totp_code(upn)?)
    }
    /// Emergency rollover: a new, unpublished key signs from now on; the old signing key and
    /// the standby stay in the JWKS. Returns the new `kid`.
    pub fn rotate_keys(&self) -> Result<String, SimError> {
        Ok(self.state.rotate_keys()?)
    }
    /// Stops publishing retired keys (the signing key and the standby stay: the JWKS always
    /// holds at least two keys).
    pub fn finish_rollover(&self) {
        self.state.finish_rollover();
    }
    /// Published key IDs, oldest first.
    pub fn key_ids(&self) -> Vec<String> {
        self.state
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .kids()
    }
    /// The `kid` of the key that signs now.
    pub fn signing_kid(&self) -> String {
        self.state.signing_key().kid().to_string()
    }
    /// Moves the sim's clock (codes, tokens, lockout, refresh expiry and TOTP follow it).
    pub fn advance_clock(&self, by: time::Duration) {
        self.state.clock.advance(by);
    }
    /// The sim's current time.
    pub fn now(&self) -> time::OffsetDateTime {
        self.state.clock.now()
    }
    /// Arms a fault.
    pub fn inject_fault(&self, fault: Fault) {
        self.state.inject_fault(fault);
    }
    /// Disarms all faults.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }
    /// The sign-in log.
    pub fn sign_ins(&self) -> Vec<SignIn> {
        self.state.sign_ins()
    }
    /// Empties the sign-in log.
    pub fn clear_sign_ins(&self) {
        self.state.clear_sign_ins();
    }
    /// A copy of the tenant as it is now (after control calls).
    pub fn tenant(&self) -> Tenant {
        self.state.inner().tenant.clone()
    }
}
