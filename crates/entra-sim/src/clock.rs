//! The sim's controllable clock: real time plus an offset tests can move.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// Real UTC time shifted by an offset that only moves forward or back on request.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The sim's "now".
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock by `by` (negative moves it back).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.whole_milliseconds()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Current offset from real time.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }
}

/// Entra's timestamp format in error bodies: `2016-01-09 02:02:12Z`.
pub fn entra_timestamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Entra's instant format inside descriptions (50173, 700082): `2021-10-13T19:49:51.0000000Z`
/// (seven fractional digits, as .NET prints a `DateTime` round trip).
pub fn entra_instant(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now() {
        let c = Clock::default();
        let before = c.now();
        c.advance(Duration::hours(2));
        assert!(c.now() - before >= Duration::hours(2));
    }

    #[test]
    fn timestamp_format() {
        let t = time::macros::datetime!(2016-01-09 02:02:12 UTC);
        assert_eq!(entra_timestamp(t), "2016-01-09 02:02:12Z");
        let t = time::macros::datetime!(2021-10-13 19:49:51.1468970 UTC);
        assert_eq!(entra_instant(t), "2021-10-13T19:49:51.1468970Z");
    }
}
