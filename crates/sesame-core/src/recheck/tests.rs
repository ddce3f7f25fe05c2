//! Table tests for the re-check rules, one file per job.
#![allow(clippy::unwrap_used)]

use time::{Duration, OffsetDateTime, macros::datetime};

mod extras;
mod quiet;
mod rules;
mod schedule;

const SEED: u64 = 0x5E5A_3E00_0000_0001;
const T0: OffsetDateTime = datetime!(2026-11-02 09:00 UTC);

fn hourly() -> super::Policy {
    super::Policy::from_minutes(60, true)
}

fn min(m: i64) -> Duration {
    Duration::minutes(m)
}
