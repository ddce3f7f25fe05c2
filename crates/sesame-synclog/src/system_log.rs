//! A `tracing` layer that writes to the system log through `syslog(3)`.
//!
//! On macOS `syslog(3)` feeds the unified log (see it with
//! `log show --predicate 'process == "sesame-agent"'`); on Linux it reaches
//! syslog or systemd-journald through `/dev/log` (`journalctl -t sesame-agent`).
//! `tracing-oslog` needs the macOS SDK headers to build, which is why Sesame
//! goes through `syslog(3)` rather than binding `os_log` itself.

use std::ffi::{CStr, CString};

use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use crate::system_log_format::{LineVisitor, priority};

/// Copies every `tracing` event to the system log under one identifier.
#[derive(Debug, Clone, Copy)]
pub struct SystemLogLayer {
    ident: &'static CStr,
}

impl SystemLogLayer {
    /// Opens the system log with this identifier (e.g. `c"sesame-agent"`),
    /// facility `auth`, each line tagged with the process ID.
    pub fn new(ident: &'static CStr) -> Self {
        // SAFETY: `ident` is 'static, as openlog(3) keeps the pointer.
        unsafe {
            libc::openlog(
                ident.as_ptr(),
                libc::LOG_PID | libc::LOG_NDELAY,
                libc::LOG_AUTH,
            )
        };
        Self { ident }
    }

    /// The identifier lines are written under.
    pub fn ident(&self) -> &'static CStr {
        self.ident
    }
}

impl<S: Subscriber> Layer<S> for SystemLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut visitor = LineVisitor::default();
        event.record(&mut visitor);
        // `finish` replaced control characters, so there is no NUL left.
        let Ok(line) = CString::new(visitor.finish()) else {
            return;
        };
        let priority = priority(event.metadata().level());
        // SAFETY: constant "%s" format with one NUL-terminated string argument.
        unsafe { libc::syslog(priority | libc::LOG_AUTH, c"%s".as_ptr(), line.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn events_with_any_text_reach_syslog_without_failing() {
        let layer = SystemLogLayer::new(c"sesame-test");
        assert_eq!(layer.ident(), c"sesame-test");
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: crate::TRACING_TARGET, event = "sign_in", "a line with a NUL \0 and a % sign %s");
            tracing::error!("second");
        });
    }
}
