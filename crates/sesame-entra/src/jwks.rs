//! The tenant's signing keys (JWKS): fetched, cached for a limited time,
//! refetched once when a token names an unknown `kid` (at most once per
//! configured interval, so a stream of forged tokens cannot make Sesame
//! hammer Entra).
//!
//! Why a lifetime: Microsoft rolls its signing keys (publishing the next key
//! ahead of use, then dropping the old one). A cache that never expires keeps
//! trusting a key the tenant stopped publishing for as long as the daemon
//! runs. Keys older than the configured age (a day by default,
//! [`DEFAULT_MAX_AGE`]) are fetched again before the next validation; if that
//! fetch fails the validation fails, the old keys are not used. The time is
//! always the caller's `now` (the client's clock), never read here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use url::Url;

use crate::error::snippet;
use crate::http::{HttpClient, TransportError};
use crate::jwk::TenantKeys;

/// How long fetched keys are trusted before they are fetched again.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

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
pub async fn fetch(http: &HttpClient, url: &Url) -> Result<TenantKeys, JwksError> {
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

/// Keys as fetched, with the time of the fetch.
#[derive(Debug)]
struct Fetched {
    keys: Arc<TenantKeys>,
    at: SystemTime,
}

/// A cached key set with a lifetime and a rate-limited forced refetch.
#[derive(Debug)]
pub struct JwksCache {
    keys: RwLock<Option<Fetched>>,
    last_forced: Mutex<Option<SystemTime>>,
    fetches: AtomicU64,
    min_interval: Duration,
    max_age: Duration,
}

/// Whether keys fetched at `fetched_at` may still be used at `now`. A clock
/// that went backwards past the fetch counts as stale (fetch again rather
/// than trust keys for longer than meant).
pub fn is_fresh(fetched_at: SystemTime, now: SystemTime, max_age: Duration) -> bool {
    now.duration_since(fetched_at)
        .is_ok_and(|age| age < max_age)
}

impl JwksCache {
    /// An empty cache: keys are kept for `max_age`, forced refetches happen
    /// at most every `min_interval`.
    pub fn new(min_interval: Duration, max_age: Duration) -> Self {
        Self {
            keys: RwLock::new(None),
            last_forced: Mutex::new(None),
            fetches: AtomicU64::new(0),
            min_interval,
            max_age,
        }
    }

    /// The cached keys if they are still fresh at `now`.
    pub fn cached(&self, now: SystemTime) -> Option<Arc<TenantKeys>> {
        let slot = self.keys.read().ok()?;
        slot.as_ref()
            .filter(|f| is_fresh(f.at, now, self.max_age))
            .map(|f| f.keys.clone())
    }

    /// The cached keys, fetching them on first use and when older than the
    /// lifetime at `now`.
    pub async fn get(
        &self,
        http: &HttpClient,
        url: &Url,
        now: SystemTime,
    ) -> Result<Arc<TenantKeys>, JwksError> {
        if let Some(k) = self.cached(now) {
            return Ok(k);
        }
        self.refresh(http, url, now).await
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

    /// Fetches the keys now and replaces the cache (fetched at `now`). On
    /// failure the cache is left as it was: keys past their lifetime stay
    /// unused ([`JwksCache::cached`] never returns them), so a tenant that
    /// cannot be reached does not extend their trust.
    pub async fn refresh(
        &self,
        http: &HttpClient,
        url: &Url,
        now: SystemTime,
    ) -> Result<Arc<TenantKeys>, JwksError> {
        let keys = Arc::new(fetch(http, url).await?);
        self.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(url = %url, keys = keys.keys().len(), "JWKS fetched");
        if let Ok(mut slot) = self.keys.write() {
            *slot = Some(Fetched {
                keys: keys.clone(),
                at: now,
            });
        }
        Ok(keys)
    }

    /// Puts keys fetched earlier (at `at`, e.g. read back from
    /// [`crate::disk_cache`]) in the cache; they are used only while fresh
    /// by the same rule as keys fetched now. Not counted as a fetch.
    pub fn seed(&self, keys: TenantKeys, at: SystemTime) {
        if let Ok(mut slot) = self.keys.write() {
            *slot = Some(Fetched {
                keys: Arc::new(keys),
                at,
            });
        }
    }

    /// The cached keys and when they were fetched, whatever their age (to
    /// write them to [`crate::disk_cache`]).
    pub fn current(&self) -> Option<(Arc<TenantKeys>, SystemTime)> {
        let slot = self.keys.read().ok()?;
        slot.as_ref().map(|f| (f.keys.clone(), f.at))
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

    /// The `kid`s of the cached keys, whatever their age (for diagnostics
    /// and tests).
    pub fn cached_key_ids(&self) -> Vec<String> {
        let Ok(slot) = self.keys.read() else {
            return Vec::new();
        };
        slot.as_ref()
            .map(|f| {
                f.keys
                    .keys()
                    .iter()
                    .filter_map(|k| openidconnect::JsonWebKey::key_id(k).map(|id| id.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forced_refetch_is_rate_limited() {
        let cache = JwksCache::new(Duration::from_secs(60), DEFAULT_MAX_AGE);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(cache.try_claim_forced_refetch(t0));
        assert!(!cache.try_claim_forced_refetch(t0 + Duration::from_secs(10)));
        assert!(!cache.try_claim_forced_refetch(t0 - Duration::from_secs(10)));
        assert!(cache.try_claim_forced_refetch(t0 + Duration::from_secs(61)));
    }

    #[test]
    fn keys_are_fresh_for_a_day_by_default() {
        let fetched = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let hour = Duration::from_secs(3600);
        assert!(is_fresh(fetched, fetched, DEFAULT_MAX_AGE));
        assert!(is_fresh(fetched, fetched + 23 * hour, DEFAULT_MAX_AGE));
        assert!(!is_fresh(fetched, fetched + 24 * hour, DEFAULT_MAX_AGE));
        assert!(!is_fresh(fetched, fetched + 48 * hour, DEFAULT_MAX_AGE));
        // Our clock went back past the fetch: fetch again rather than trust longer.
        assert!(!is_fresh(fetched, fetched - hour, DEFAULT_MAX_AGE));
    }
}
