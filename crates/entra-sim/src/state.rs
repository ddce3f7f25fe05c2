//! The live state of a running sim: the tenant (as changed by control calls), keys,
//! clock, smart-lockout counters, issued codes and grants, the sign-in log and faults.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::faults::Fault;
use crate::keys::{KeySet, SigningKey};
use crate::signin::SignIn;
use crate::tenant::Tenant;

/// Which protocol version an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `/oauth2/token`, `resource=`, issuer `https://sts.windows.net/{tid}/`.
    V1,
    /// `/oauth2/v2.0/token`, `scope=`, issuer `{base}/{tid}/v2.0`.
    V2,
}

/// What a token is for: the resource and the granted scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Resource app ID (`00000003-0000-0000-c000-000000000000` for Graph).
    pub resource_app: String,
    /// The `aud` of the access token.
    pub audience: String,
    /// Delegated scopes on the resource (`scp`).
    pub scopes: Vec<String>,
    /// OpenID scopes that were asked for (`openid`, `profile`, `email`, `offline_access`).
    pub oidc: Vec<String>,
    /// Version of the endpoint that granted it.
    pub version: Version,
}

/// Smart-lockout memory for one user.
#[derive(Debug, Default, Clone)]
pub struct LockoutState {
    /// Counted failures since the last success or lock.
    pub failures: u32,
    /// SHA-256 of the last three wrong passwords (the same wrong password is not counted twice).
    pub recent_bad: VecDeque<[u8; 32]>,
    /// Locked until.
    pub locked_until: Option<OffsetDateTime>,
    /// How many times the account has been locked (each lock lasts twice as long).
    pub locks: u32,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// Client it was issued to.
    pub client_id: Uuid,
    /// Redirect URI it was issued for.
    pub redirect_uri: String,
    /// The user.
    pub oid: Uuid,
    /// Scopes / resource.
    pub grant: Grant,
    /// Nonce from the authorize request.
    pub nonce: Option<String>,
    /// PKCE challenge and method (`S256` / `plain`).
    pub pkce: Option<(String, String)>,
    /// Authentication methods used.
    pub amr: Vec<&'static str>,
    /// Expiry (codes live 10 minutes).
    pub expires: OffsetDateTime,
    /// Redeemed already.
    pub used: bool,
}

/// An issued refresh token's meaning.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// Client it belongs to.
    pub client_id: Uuid,
    /// The user.
    pub oid: Uuid,
    /// What it grants.
    pub grant: Grant,
    /// Authentication methods of the original sign-in.
    pub amr: Vec<&'static str>,
    /// Issued at (the start of the chain: refreshing keeps it).
    pub issued: OffsetDateTime,
    /// Issued to a confidential client (it authenticated with a secret). Such tokens survive
    /// a password change, SSPR and an Azure-portal reset ("Refresh tokens" revocation table).
    pub confidential: bool,
    /// Last used (expires after 90 days of inactivity).
    pub last_used: OffsetDateTime,
}

/// A pending device-code sign-in.
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    /// Client that asked.
    pub client_id: Uuid,
    /// The short code the user types.
    pub user_code: String,
    /// What it grants.
    pub grant: Grant,
    /// Expiry (15 minutes).
    pub expires: OffsetDateTime,
    /// Set when the user finished signing in: (oid, amr).
    pub completed: Option<(Uuid, Vec<&'static str>)>,
    /// The user declined on the sign-in pages or through the control API.
    pub declined: bool,
}

/// An interactive sign-in in progress (the `ctx` hidden field of the pages).
#[derive(Debug, Clone)]
pub struct LoginSession {
    /// Authorize-request parameters, or the device code being approved.
    pub request: LoginRequest,
    /// The user once the username is known.
    pub upn: Option<String>,
    /// Password verified for this user.
    pub password_ok: bool,
    /// Expiry of the session.
    pub expires: OffsetDateTime,
}

/// Where an interactive sign-in should end.
#[derive(Debug, Clone)]
pub enum LoginRequest {
    /// A browser `/authorize` request.
    Authorize(AuthorizeRequest),
    /// The device-code verification page.
    Device {
        /// The device code being approved.
        device_code: String,
        /// Client.
        client_id: Uuid,
        /// What it grants.
        grant: Grant,
    },
}

/// A validated `/authorize` request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// Client.
    pub client_id: Uuid,
    /// Where to send the code.
    pub redirect_uri: String,
    /// `state` to echo.
    pub state: Option<String>,
    /// `nonce` to put in the ID token.
    pub nonce: Option<String>,
    /// PKCE challenge and method.
    pub pkce: Option<(String, String)>,
    /// `query`, `fragment` or `form_post`.
    pub response_mode: String,
    /// What it grants.
    pub grant: Grant,
}

/// Mutable data behind one lock. Its `Debug` shows counts only: codes and tokens never leak.
pub struct Inner {
    /// The tenant, as changed by control calls.
    pub tenant: Tenant,
    /// Smart lockout per user.
    pub lockout: HashMap<Uuid, LockoutState>,
    /// Authorization codes.
    pub codes: HashMap<String, AuthCode>,
    /// Refresh tokens.
    pub refresh: HashMap<String, RefreshGrant>,
    /// Device codes.
    pub devices: HashMap<String, DeviceGrant>,
    /// Interactive sessions.
    pub sessions: HashMap<String, LoginSession>,
    /// The sign-in log.
    pub signins: Vec<SignIn>,
    /// Recent token requests per throttling key.
    pub throttle: HashMap<String, VecDeque<OffsetDateTime>>,
}

impl Inner {
    /// Drops expired sessions, codes and device codes once the maps grow large.
    pub fn prune(&mut self, now: OffsetDateTime) {
        const LARGE: usize = 10_000;
        if self.sessions.len() > LARGE {
            self.sessions.retain(|_, s| s.expires > now);
        }
        if self.codes.len() > LARGE {
            self.codes.retain(|_, c| c.expires > now && !c.used);
        }
        if self.devices.len() > LARGE {
            self.devices.retain(|_, d| d.expires > now);
        }
    }
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("tenant", &self.tenant.tenant_id)
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh.len())
            .field("device_codes", &self.devices.len())
            .field("sessions", &self.sessions.len())
            .field("signins", &self.signins.len())
            .finish_non_exhaustive()
    }
}

/// The sign-in log keeps at most this many entries (the oldest half is dropped beyond it).
pub const SIGNIN_LOG_LIMIT: usize = 200_000;

impl Inner {
    /// Appends to the sign-in log, bounded by [`SIGNIN_LOG_LIMIT`].
    pub fn push_signin(&mut self, entry: SignIn) {
        if self.signins.len() >= SIGNIN_LOG_LIMIT {
            self.signins.drain(..SIGNIN_LOG_LIMIT / 2);
        }
        self.signins.push(entry);
    }
}

/// Everything a running sim shares between requests.
#[derive(Debug)]
pub struct SimState {
    /// `http(s)://127.0.0.1:port`.
    pub base_url: String,
    /// The tenant ID (fixed for the sim's life).
    pub tenant_id: Uuid,
    /// The controllable clock.
    pub clock: Clock,
    /// Signing keys.
    pub keys: RwLock<KeySet>,
    /// Armed faults.
    pub faults: Mutex<Vec<Fault>>,
    inner: Mutex<Inner>,
}

impl SimState {
    /// Builds the state for `tenant`.
    pub fn new(tenant: Tenant, base_url: String, keys: KeySet) -> SimState {
        SimState {
            base_url,
            tenant_id: tenant.tenant_id,
            clock: Clock::default(),
            keys: RwLock::new(keys),
            faults: Mutex::new(Vec::new()),
            inner: Mutex::new(Inner {
                tenant,
                lockout: HashMap::new(),
                codes: HashMap::new(),
                refresh: HashMap::new(),
                devices: HashMap::new(),
                sessions: HashMap::new(),
                signins: Vec::new(),
                throttle: HashMap::new(),
            }),
        }
    }

    /// Locks the mutable data (a poisoned lock is recovered: the data stays usable).
    pub fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key that signs now.
    pub fn signing_key(&self) -> Arc<SigningKey> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .active()
    }

    /// v2 issuer.
    pub fn issuer_v2(&self) -> String {
        format!("{}/{}/v2.0", self.base_url, self.tenant_id)
    }

    /// v1 issuer (always `sts.windows.net`, as Entra does).
    pub fn issuer_v1(&self) -> String {
        format!("https://sts.windows.net/{}/", self.tenant_id)
    }

    /// Appends to the sign-in log.
    pub fn log(&self, entry: SignIn) {
        self.inner().push_signin(entry);
    }
}

/// A random opaque token (codes, refresh tokens, session IDs).
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A secret the caller handed over (password, client secret, code).
pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}
