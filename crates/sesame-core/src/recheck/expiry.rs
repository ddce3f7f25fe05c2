//! The password-expiry warning, without Kerberos.
//!
//! From `pwd_exp` when Entra sends it (v1 ID tokens of federated / synced
//! users: a Unix time), else from Graph: `lastPasswordChangeDateTime` plus
//! the domain's `passwordValidityPeriodInDays`, unless `passwordPolicies`
//! contains `DisablePasswordExpiration`. Warned `PasswordExpiryWarningDays`
//! ahead (default 14).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Graph's "never expires" validity period (`Int32.MaxValue`).
pub const NEVER_EXPIRES_DAYS: u32 = 2_147_483_647;

/// Microsoft Graph's documented default when a domain's
/// `passwordValidityPeriodInDays` is not set.
pub const DEFAULT_VALIDITY_DAYS: u32 = 90;

/// How often the daemon asks Graph about the password's age: the facts
/// change only when the password or the tenant's policy does.
pub const GRAPH_INTERVAL: Duration = Duration::DAY;

/// What Entra told us about the password's age (kept in the daemon's record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryFacts {
    /// The ID token's `pwd_exp`, as a time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub pwd_exp: Option<OffsetDateTime>,
    /// Graph `lastPasswordChangeDateTime`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_change: Option<OffsetDateTime>,
    /// Graph `passwordPolicies` (e.g. `DisablePasswordExpiration`).
    #[serde(default)]
    pub password_policies: Option<String>,
    /// The domain's `passwordValidityPeriodInDays`.
    #[serde(default)]
    pub validity_days: Option<u32>,
}

/// Whether Graph may be asked again at `now`, last asked at `asked`: at most
/// once per [`GRAPH_INTERVAL`] (a clock set back counts as "asked now").
pub fn graph_due(asked: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    asked.is_none_or(|a| now - a >= GRAPH_INTERVAL)
}

/// Whether Graph's `passwordPolicies` turns expiry off for the user.
pub fn never_expires(policies: Option<&str>) -> bool {
    policies.is_some_and(|p| {
        p.split(',')
            .any(|x| x.trim() == "DisablePasswordExpiration")
    })
}

/// When the password expires, if it does and we can tell.
pub fn expires_at(f: &ExpiryFacts) -> Option<OffsetDateTime> {
    if let Some(t) = f.pwd_exp {
        return Some(t);
    }
    if never_expires(f.password_policies.as_deref()) {
        return None;
    }
    match (f.last_change, f.validity_days) {
        (Some(changed), Some(days)) if days > 0 && days < NEVER_EXPIRES_DAYS => {
            Some(changed + Duration::days(i64::from(days)))
        }
        _ => None,
    }
}

/// The warning the menu shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiryWarning {
    /// When the password expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Whole days left (0 on the last day).
    pub days_left: i64,
    /// Already expired.
    pub expired: bool,
}

impl ExpiryWarning {
    /// The menu line.
    pub fn line(&self) -> String {
        match (self.expired, self.days_left) {
            (true, _) => "Your password has expired: change it now".into(),
            (false, 0) => "Your password expires today: change it now".into(),
            (false, 1) => "Your password expires tomorrow".into(),
            (false, d) => format!("Your password expires in {d} days"),
        }
    }
}

/// A warning when the password expires within `warn_days` of `now`.
pub fn expiry_warning(
    expires: Option<OffsetDateTime>,
    now: OffsetDateTime,
    warn_days: u32,
) -> Option<ExpiryWarning> {
    let expires = expires?;
    let left = expires - now;
    if left.whole_days() > i64::from(warn_days) {
        return None;
    }
    Some(ExpiryWarning {
        expires,
        days_left: left.whole_days().max(0),
        expired: left <= Duration::ZERO,
    })
}
