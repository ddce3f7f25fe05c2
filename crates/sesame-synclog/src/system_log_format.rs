//! How a `tracing` event reads in the system log (kept out of the FFI so it
//! is tested on every OS).

use std::fmt::Write as _;

use tracing::Level;
use tracing::field::{Field, Visit};

/// syslog priorities (same values on macOS and Linux).
pub(crate) const LOG_ERR: i32 = 3;
pub(crate) const LOG_WARNING: i32 = 4;
pub(crate) const LOG_NOTICE: i32 = 5;
pub(crate) const LOG_DEBUG: i32 = 7;

/// The syslog priority for a `tracing` level. INFO maps to NOTICE because the
/// macOS unified log keeps "default" (NOTICE) messages but drops INFO ones
/// unless logging is reconfigured.
#[cfg_attr(not(any(target_os = "macos", target_os = "linux")), allow(dead_code))]
pub(crate) fn priority(level: &Level) -> i32 {
    match *level {
        Level::ERROR => LOG_ERR,
        Level::WARN => LOG_WARNING,
        Level::INFO => LOG_NOTICE,
        Level::DEBUG | Level::TRACE => LOG_DEBUG,
    }
}

/// Collects an event's fields into `message [key=value …]`, leaving out empty
/// values, with every control character replaced by a space.
#[derive(Debug, Default)]
pub(crate) struct LineVisitor {
    message: String,
    fields: String,
}

impl LineVisitor {
    /// The finished line.
    #[cfg_attr(not(any(target_os = "macos", target_os = "linux")), allow(dead_code))]
    pub(crate) fn finish(self) -> String {
        let mut line = self.message;
        if !self.fields.is_empty() {
            if !line.is_empty() {
                line.push(' ');
            }
            let _ = write!(line, "[{}]", self.fields);
        }
        line.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if !value.is_empty() {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::{Context, SubscriberExt};

    struct Capture(Arc<Mutex<Vec<(i32, String)>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut v = LineVisitor::default();
            event.record(&mut v);
            if let Ok(mut lines) = self.0.lock() {
                lines.push((priority(event.metadata().level()), v.finish()));
            }
        }
    }

    #[test]
    fn a_written_event_reads_as_one_system_log_line() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                target: crate::TRACING_TARGET,
                event = "password_check",
                user = "alice@contoso.com",
                verdict = "",
                codes = "AADSTS50076",
                "Password right;\nMFA stopped token issuance."
            );
            tracing::warn!(n = 3, "three");
        });
        let lines = lines.lock().unwrap().clone();
        assert_eq!(
            lines[0],
            (
                LOG_NOTICE,
                "Password right; MFA stopped token issuance. \
                 [event=password_check user=alice@contoso.com codes=AADSTS50076]"
                    .to_owned()
            )
        );
        assert_eq!(lines[1], (LOG_WARNING, "three [n=3]".to_owned()));
    }

    #[test]
    fn levels_map_to_priorities_the_unified_log_keeps() {
        assert_eq!(priority(&Level::ERROR), LOG_ERR);
        assert_eq!(priority(&Level::INFO), LOG_NOTICE);
        assert_eq!(priority(&Level::TRACE), LOG_DEBUG);
    }
}
