//! The tenant's signing keys (JWKS): fetched, cached, refetched once when a
//! token names an unknown `kid` (at most once per configured interval, so a
//! stream of forged tokens cannot make Sesame hammer Entra).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use openidconnect::core::CoreJsonWebKeySet;
use url::Url;

use crate::error::snippet;
use crate::http::{HttpClient, TransportError};

/// The JWKS could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// No answer.
    #[error("JWKS: {0}")]
    Transport(#[from] TransportError),
    /// An HTTP error instead of keys.
    #[error("JWKS {url} answered HTTP {status}: {snippet:?}")]
    Http {
        /// Where.
        url: String,
        /// Status.
        status: u16,
        /// Start of the body.
        snippet: String,
    },
    /// Not a JWKS.
    #[error("JWKS {url} is malformed: {detail}")]
    Malformed {
        /// Where.
        url: String,
        /// Why.
        detail: String,
    },
}

/// Fetches and parses a JWKS.
pub async fn fetch(http: &HttpClient, url: &Url) -> Result<CoreJsonWebKeySet, JwksError> {
    let resp = http.get(url, None).await?;
    if !resp.is_success() {
        return Err(JwksError::Http {
            url: url.to_string(),
            status: resp.status,
            snippet: snippet(&resp.body),
        });
    }
    serde_json::from_slice(&resp.body).map_err(|e| JwksError::Malformed {
        url: url.to_string(),
        detail: e.to_string(),
    })
}

/// A cached key set with a rate-limited forced refetch.
#[derive(Debug)]
pub struct JwksCache {
    keys: RwLock<Option<Arc<CoreJsonWebKeySet>>>,
    last_forced: Mutex<Option<SystemTime>>,
    fetches: AtomicU64,
    min_interval: Duration,
}

impl JwksCache {
    /// An empty cache; forced refetches at most every `min_interval`.
    pub fn new(min_interval: Duration) -> Self {
        Self {
            keys: RwLock::new(None),
            last_forced: Mutex::new(None),
            fetches: AtomicU64::new(0),
            min_interval,
        }
    }

    /// The cached keys, if any.
    pub fn cached(&self) -> Option<Arc<CoreJsonWebKeySet>> {
        self.keys.read().ok().and_then(|k| k.clone())
    }

    /// The cached keys, fetching them on first use.
    pub async fn get(
        &self,
        http: &HttpClient,
        url: &Url,
    ) -> Result<Arc<CoreJsonWebKeySet>, JwksError> {
        if let Some(k) = self.cached() {
            return Ok(k);
        }
        self.refresh(http, url).await
    }

    /// Whether an unknown-`kid` refetch is allowed at `now`; if so, records it.
    pub fn try_claim_forced_refetch(&self, now: SystemTime) -> bool {
        let Ok(mut last) = self.last_forced.lock() else {
            return false;
        };
        let allowed = match *last {
            None => true,
            Some(t) => now
                .duration_since(t)
                .map(|d| d >= self.min_interval)
                .unwrap_or(false),
        };
        if allowed {
            *last = Some(now);
        }
        allowed
    }

    /// Fetches the keys now and replaces the cache.
    pub async fn refresh(
        &self,
        http: &HttpClient,
        url: &Url,
    ) -> Result<Arc<CoreJsonWebKeySet>, JwksError> {
        let keys = Arc::new(fetch(http, url).await?);
        self.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(url = %url, keys = keys.keys().len(), "JWKS fetched");
        if let Ok(mut slot) = self.keys.write() {
            *slot = Some(keys.clone());
        }
        Ok(keys)
    }

    /// Drops the cached keys (e.g. when discovery is refreshed).
    pub fn clear(&self) {
        if let Ok(mut slot) = self.keys.write() {
            *slot = None;
        }
    }

    /// How many times keys were fetched (for diagnostics and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forced_refetch_is_rate_limited() {
        let cache = JwksCache::new(Duration::from_secs(60));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(cache.try_claim_forced_refetch(t0));
        assert!(!cache.try_claim_forced_refetch(t0 + Duration::from_secs(10)));
        assert!(!cache.try_claim_forced_refetch(t0 - Duration::from_secs(10)));
        assert!(cache.try_claim_forced_refetch(t0 + Duration::from_secs(61)));
    }
}
