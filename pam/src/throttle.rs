//! Lockout-safe refusals: after `WrongPasswordLimit` wrong passwords in a
//! row for one person, the module stops sending that person's passwords to
//! Entra for [`COOL_DOWN`]. Someone guessing over SSH then cannot walk the
//! account into Entra's smart lockout (which would lock the person out of
//! every device). The count is kept root-only next to the offline verifiers
//! and cleared by a successful sign-in.

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long the module refuses after the limit.
pub const COOL_DOWN: Duration = Duration::minutes(15);

/// Wrong passwords in a row for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// When the last one was.
    #[serde(with = "time::serde::rfc3339")]
    pub last: OffsetDateTime,
}

/// The pure decision: `Some(wait)` while the module must not ask Entra.
pub fn blocked(f: Option<&Failures>, limit: u32, now: OffsetDateTime) -> Option<Duration> {
    let f = f?;
    let until = f.last + COOL_DOWN;
    (f.count >= limit && now < until).then(|| until - now)
}

/// The count after one more wrong password at `now` (a run older than the
/// cool-down starts again).
pub fn after_wrong(f: Option<Failures>, now: OffsetDateTime) -> Failures {
    match f {
        Some(f) if now - f.last < COOL_DOWN => Failures {
            count: f.count.saturating_add(1),
            last: now,
        },
        _ => Failures {
            count: 1,
            last: now,
        },
    }
}

fn name(upn: &str) -> String {
    format!("{}.failures", crate::offline::key(upn))
}

/// Reads the count (none when missing or unreadable: never a lockout by a
/// damaged file).
pub fn load(dir: &Path, upn: &str) -> Option<Failures> {
    let folder = sesame_safefs::SafeDir::open(dir).ok()?;
    let bytes = crate::offline::read_in(&folder, &name(upn)).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Writes the count, or removes it (`None`).
pub fn save(dir: &Path, upn: &str, f: Option<Failures>) {
    let result = match f {
        Some(f) => sesame_safefs::SafeDir::create(dir, 0o700).and_then(|d| {
            let bytes = serde_json::to_vec(&f).unwrap_or_default();
            d.write_atomic(&name(upn), &bytes, 0o600)
        }),
        None => match sesame_safefs::SafeDir::open(dir) {
            Ok(d) => d.remove(&name(upn)).map(|_| ()),
            Err(_) => Ok(()),
        },
    };
    if let Err(e) = result {
        tracing::error!(error = %e, dir = %dir.display(), "pam_sesame: wrong-password count not saved");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_for_the_cool_down_then_counting_starts_again() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut f = None;
        for i in 0..3 {
            assert_eq!(blocked(f.as_ref(), 3, t0), None, "attempt {i}");
            f = Some(after_wrong(f, t0));
        }
        assert_eq!(
            blocked(f.as_ref(), 3, t0 + Duration::minutes(5)),
            Some(Duration::minutes(10))
        );
        assert_eq!(blocked(f.as_ref(), 3, t0 + COOL_DOWN), None);
        assert_eq!(after_wrong(f, t0 + COOL_DOWN).count, 1);
    }
}
