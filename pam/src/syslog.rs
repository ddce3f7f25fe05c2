//! The module's log lines (`tracing` events: a cache not used, a profile
//! that does not load, a tool that failed) go to the system log the way a
//! PAM module's do (`pam_syslog(3)`): facility `auth`, under the loading
//! program's own name and PID (`sshd[812]: pam_sesame: …`), and only while
//! a PAM call runs — the module never installs a process-wide logger nor
//! calls `openlog`, which would rename the host program's own log lines.
//! `debug` on the service line adds debug-level lines. Events never carry
//! secrets (the project's rule), so nothing here filters them.

use std::ffi::CString;
use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// One event as one line: the message, then `name=value` for each field.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

/// The text of `event`, on one line (control characters become spaces).
fn line(event: &Event<'_>) -> String {
    let mut l = Line::default();
    event.record(&mut l);
    format!("{}{}", l.message, l.fields)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn priority(level: &Level) -> libc::c_int {
    match *level {
        Level::ERROR => libc::LOG_ERR,
        Level::WARN => libc::LOG_WARNING,
        Level::INFO => libc::LOG_INFO,
        _ => libc::LOG_DEBUG,
    }
}

/// Writes each event at or above `max`'s importance to `syslog(3)`.
struct Syslog {
    max: Level,
}

impl<S: Subscriber> Layer<S> for Syslog {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let level = event.metadata().level();
        if *level > self.max {
            return;
        }
        let Ok(text) = CString::new(line(event)) else {
            return;
        };
        // SAFETY: a constant format with one `%s` and a NUL-terminated string.
        unsafe {
            libc::syslog(
                libc::LOG_AUTH | priority(level),
                c"pam_sesame: %s".as_ptr(),
                text.as_ptr(),
            )
        };
    }
}

/// Runs `f` with the module's lines going to the system log.
pub fn scoped<T>(debug: bool, f: impl FnOnce() -> T) -> T {
    let max = if debug { Level::DEBUG } else { Level::INFO };
    let subscriber = tracing_subscriber::registry().with(Syslog { max });
    tracing::subscriber::with_default(subscriber, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Keeps the lines instead of writing them (same formatting).
    struct Keep(Arc<Mutex<Vec<String>>>);
    impl<S: Subscriber> Layer<S> for Keep {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            self.0.lock().expect("lines").push(line(event));
        }
    }

    #[test]
    fn an_event_is_one_line_with_its_fields() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Keep(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(problem = "x.json: corrupt\nnext", "cache not used");
        });
        let got = lines.lock().expect("lines").clone();
        assert_eq!(got, vec!["cache not used problem=x.json: corrupt next"]);
        assert_eq!(priority(&Level::WARN), libc::LOG_WARNING);
    }
}
