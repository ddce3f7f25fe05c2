//! The capture script as injected: `agent/web/capture.js` (compiled in) called
//! with this sign-in's configuration — the allowed hosts and the channel back
//! to Rust (a DevTools binding in Chromium, a script message handler in
//! WKWebView).

use serde::Serialize;

/// The capture script's source, as shipped.
pub const CAPTURE_JS: &str = include_str!("../../web/capture.js");

/// How the script talks back to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// `window[name](json)`: a `Runtime.addBinding` binding (Chromium).
    Binding,
    /// `window.webkit.messageHandlers[name].postMessage(json)` (WKWebView).
    Webkit,
}

#[derive(Serialize)]
struct Config<'a> {
    hosts: Vec<String>,
    transport: Transport,
    name: &'a str,
}

/// The source to inject: the script applied to its configuration. Hosts are
/// lowercased and stripped of a trailing dot, as the script compares them.
pub fn capture_source(hosts: &[String], transport: Transport, channel: &str) -> String {
    let config = Config {
        hosts: hosts
            .iter()
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect(),
        transport,
        name: channel,
    };
    // Serialising plain strings and a unit enum cannot fail; fall back to an
    // inert configuration (no hosts) rather than panic if it ever did.
    let json = serde_json::to_string(&config)
        .unwrap_or_else(|_| String::from(r#"{"hosts":[],"transport":"binding","name":"none"}"#));
    format!("{}({json});", CAPTURE_JS.trim_end())
}

/// A channel name for one sign-in: hard for a page to guess, valid as a JS
/// identifier.
pub fn channel_name() -> String {
    format!("sesameCapture_{:016x}", rand::random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_called_with_its_hosts_and_channel() {
        let src = capture_source(
            &["Login.MicrosoftOnline.com.".into(), "127.0.0.1".into()],
            Transport::Binding,
            "sesameCapture_ab",
        );
        assert!(src.starts_with("// Sesame's password capture script."));
        assert!(src.ends_with(
            r#"({"hosts":["login.microsoftonline.com","127.0.0.1"],"transport":"binding","name":"sesameCapture_ab"});"#
        ), "{}", &src[src.len() - 200..]);
    }

    #[test]
    fn channel_names_are_identifiers_and_differ() {
        let a = channel_name();
        let b = channel_name();
        assert!(
            a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
