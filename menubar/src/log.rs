//! The daemon's sync-log lines. A log that cannot be written (the daemon
//! runs as the user; `LogPath` may be root's) is reported once on stderr and
//! never stops a check.

use std::path::Path;

use sesame_core::synclog::{Component, EventKind, SyncEvent};
use sesame_synclog::SyncLogWriter;
use time::OffsetDateTime;

use crate::Account;

/// A new event of the menu-bar daemon about `account`.
pub fn event(
    now: OffsetDateTime,
    host: &str,
    account: &Account,
    kind: EventKind,
    message: impl Into<String>,
) -> SyncEvent {
    SyncEvent::new(now, host, Component::Menubar, kind, message).with_user(
        account.binding.upn.clone(),
        Some(account.short_name.clone()),
    )
}

/// Appends `events` to the log at `path`.
pub fn append(path: &Path, events: &[SyncEvent]) {
    let result = SyncLogWriter::open(path).and_then(|mut w| {
        for e in events {
            w.append(e)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        tracing::warn!(path = %path.display(), "sync log not written: {e}");
    }
}

/// Parses an Entra trace / correlation ID.
pub fn guid(s: Option<&str>) -> Option<uuid::Uuid> {
    s.and_then(|s| uuid::Uuid::parse_str(s).ok())
}
