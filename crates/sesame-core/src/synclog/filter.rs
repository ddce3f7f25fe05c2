//! Which events `sesame log` shows: by user, by time, by event kind.

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

use super::{EventKind, SyncEvent};

/// A selection of sync-log events; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// UPN, the UPN's name part (`alice` for `alice@contoso.com`) or the local
    /// short name, compared without regard to case.
    pub user: Option<String>,
    /// Only events at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only events of this kind.
    pub event: Option<EventKind>,
}

impl EventFilter {
    /// `true` when the event passes every condition that is set.
    pub fn matches(&self, event: &SyncEvent) -> bool {
        if let Some(want) = &self.user {
            let Some(user) = &event.user else {
                return false;
            };
            let short = user.short_name.as_deref().unwrap_or("");
            let name_part = user.upn.split('@').next().unwrap_or("");
            if ![user.upn.as_str(), name_part, short]
                .iter()
                .any(|n| !n.is_empty() && n.eq_ignore_ascii_case(want))
            {
                return false;
            }
        }
        if let Some(since) = self.since
            && event.time < since
        {
            return false;
        }
        if let Some(kind) = self.event
            && event.event != kind
        {
            return false;
        }
        true
    }
}

/// A `--since` value that is not a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a time: use an RFC 3339 time (2026-11-22T09:30:00Z), a date (2026-11-22) \
     or an age such as 90s, 30m, 2h or 7d"
)]
pub struct SinceError(pub String);

/// Parses a `--since` value: an RFC 3339 time, a date (midnight UTC), or an
/// age (`90s`, `30m`, `2h`, `7d`) counted back from `now`.
pub fn parse_since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, SinceError> {
    let text = text.trim();
    let err = || SinceError(text.to_owned());
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(text, &date_format) {
        return Ok(d.with_time(Time::MIDNIGHT).assume_utc());
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| err())?;
    let age = match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(err()),
    };
    now.checked_sub(age).ok_or_else(err)
}
