//! [`EntraClient`]: configuration, HTTP, the discovery and JWKS caches, and
//! the clock. The flows are in [`crate::token`], [`crate::ropg`] and
//! [`crate::graph`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use openidconnect::Nonce;
use secrecy::SecretString;

use crate::authorize::{
    AuthorizeError, AuthorizeOptions, PendingAuthorization, authorization_request,
};
use crate::claims::EntraClaims;
use crate::config::{ClientConfig, ConfigError, RopgEndpoint};
use crate::discovery::{Discovery, DiscoveryError, Version, discover};
use crate::disk_cache::DiskCache;
use crate::http::HttpClient;
use crate::jwks::JwksCache;
use crate::token::TokenError;

/// Where the client reads the time. Tests inject a skewed clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The Entra ID client used by the login agent and the menu-bar daemon.
#[derive(Debug)]
pub struct EntraClient {
    cfg: ClientConfig,
    http: HttpClient,
    clock: Arc<dyn Clock>,
    discovery: Mutex<Option<Arc<Discovery>>>,
    jwks: JwksCache,
    ropg_remembered: Mutex<Option<Version>>,
    /// Discovery and keys on disk, for short-lived processes (PAM).
    disk: Option<DiskCache>,
    /// Whether the disk cache was read (once per client).
    disk_read: AtomicBool,
}

impl EntraClient {
    /// A client with the system clock. Validates the configuration.
    pub fn new(cfg: ClientConfig) -> Result<Self, ConfigError> {
        Self::with_clock(cfg, Arc::new(SystemClock))
    }

    /// A client reading time from `clock`.
    pub fn with_clock(cfg: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let http = HttpClient::new(&cfg)?;
        let ropg_remembered = match cfg.ropg_endpoint {
            RopgEndpoint::V1 => Some(Version::V1),
            RopgEndpoint::V2 => Some(Version::V2),
            RopgEndpoint::Auto => None,
        };
        Ok(Self {
            jwks: JwksCache::new(cfg.jwks_refetch_interval, cfg.jwks_max_age),
            cfg,
            http,
            clock,
            discovery: Mutex::new(None),
            ropg_remembered: Mutex::new(ropg_remembered),
            disk: None,
            disk_read: AtomicBool::new(false),
        })
    }

    /// Keeps discovery and the signing keys in `cache` across processes
    /// (see [`crate::disk_cache`]): read before the first fetch, written by
    /// root after every fetch.
    pub fn with_disk_cache(mut self, cache: DiskCache) -> Self {
        self.set_disk_cache(cache);
        self
    }

    /// See [`EntraClient::with_disk_cache`].
    pub fn set_disk_cache(&mut self, cache: DiskCache) {
        self.disk = Some(cache);
        self.disk_read = AtomicBool::new(false);
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The HTTP client (shared limits, roots, proxies).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The current time from the client's clock.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The JWKS cache (fetch count for diagnostics).
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// The ROPG endpoint family in use: the configured one, or the one
    /// `auto` settled on; `None` while `auto` has not decided.
    pub fn ropg_endpoint(&self) -> Option<Version> {
        self.ropg_remembered.lock().ok().and_then(|g| *g)
    }

    pub(crate) fn remember_ropg_endpoint(&self, v: Version) {
        if let Ok(mut g) = self.ropg_remembered.lock()
            && *g != Some(v)
        {
            tracing::info!(endpoint = ?v, "password check endpoint remembered");
            *g = Some(v);
        }
    }

    /// Both discovery documents, from the cache while younger than the TTL.
    pub async fn discovery(&self) -> Result<Arc<Discovery>, DiscoveryError> {
        let now = self.now();
        self.read_disk_cache(now);
        if let Some(d) = self.cached_discovery()
            && now
                .duration_since(d.fetched_at)
                .is_ok_and(|age| age < self.cfg.discovery_ttl)
        {
            return Ok(d);
        }
        let fresh = Arc::new(discover(&self.http, &self.cfg, now).await?);
        if let Ok(mut slot) = self.discovery.lock() {
            let keys_moved = slot
                .as_ref()
                .is_some_and(|old| old.v2.jwks_uri != fresh.v2.jwks_uri);
            if keys_moved {
                self.jwks.clear();
            }
            *slot = Some(fresh.clone());
        }
        self.write_disk_cache();
        Ok(fresh)
    }

    /// Fills the empty in-memory caches from the disk cache, once. Whatever
    /// is wrong with the file is logged; the fetch then goes to the network.
    fn read_disk_cache(&self, now: SystemTime) {
        let Some(disk) = &self.disk else { return };
        if self.disk_read.swap(true, Ordering::SeqCst) || self.cached_discovery().is_some() {
            return;
        }
        let cached = match disk.load(&self.cfg) {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::debug!(dir = %disk.dir().display(), "no cached discovery yet");
                return;
            }
            Err(problem) => {
                tracing::warn!(%problem, "cached discovery and keys not used; fetching them from Entra");
                return;
            }
        };
        let Some(d) = cached.discovery else { return };
        let fresh = |at: SystemTime, ttl| now.duration_since(at).is_ok_and(|age| age < ttl);
        if !fresh(d.fetched_at, self.cfg.discovery_ttl) {
            tracing::info!(dir = %disk.dir().display(), "cached discovery is past its lifetime; fetching it again");
        }
        if let Some((keys, at)) = cached.jwks {
            if !fresh(at, self.cfg.jwks_max_age) {
                tracing::info!(dir = %disk.dir().display(), "cached signing keys are past their lifetime; fetching them again");
            }
            self.jwks.seed(keys, at);
        }
        if let Ok(mut slot) = self.discovery.lock() {
            *slot = Some(Arc::new(d));
        }
    }

    /// Writes the current discovery and keys to the disk cache (root only).
    pub(crate) fn write_disk_cache(&self) {
        let (Some(disk), Some(d)) = (&self.disk, self.cached_discovery()) else {
            return;
        };
        let keys = self.jwks.current();
        if let Err(e) = disk.save(&self.cfg, &d, keys.as_ref().map(|(k, at)| (&**k, *at))) {
            tracing::warn!(error = %e, dir = %disk.dir().display(), "discovery and keys not cached");
        }
    }

    fn cached_discovery(&self) -> Option<Arc<Discovery>> {
        self.discovery.lock().ok().and_then(|g| g.clone())
    }

    /// Builds the interactive sign-in request.
    pub async fn authorize(
        &self,
        options: &AuthorizeOptions,
    ) -> Result<PendingAuthorization, AuthorizeRequestError> {
        let disco = self.discovery().await?;
        Ok(authorization_request(&self.cfg, &disco.v2, options)?)
    }

    /// Validates an ID token of the given family against the tenant's keys,
    /// refetching the JWKS once (rate-limited) when the `kid` is unknown.
    /// `nonce`: the one sent (the token must carry it), or `None` (the token
    /// must carry none). See [`EntraClient::validate_id_token_with`].
    pub async fn validate_id_token(
        &self,
        token: &SecretString,
        version: Version,
        client_id: &str,
        nonce: Option<&Nonce>,
    ) -> Result<EntraClaims, TokenError> {
        self.validate_id_token_with(token, version, client_id, nonce.into(), None)
            .await
    }
}

/// The authorization request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeRequestError {
    /// Discovery failed.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// A URL is unusable.
    #[error(transparent)]
    Url(#[from] AuthorizeError),
}
