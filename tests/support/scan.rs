//! Looking for secrets where they must never be: every file under a folder,
//! and everything `tracing` printed at TRACE level.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Every regular file under `dir`, recursively (symlinks are not followed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(e.path()),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// Every form a secret could be written in by mistake: as is,
/// URL-encoded (form `+` and `%20` styles), JSON-escaped (plain, with `\/`,
/// and with non-ASCII as `\uXXXX`), and base64 (standard and URL-safe, at
/// each of the three byte alignments it can have inside a longer encoded
/// value such as `Basic base64(user:password)`), as (form, text).
pub fn encoded_forms(secret: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = vec![("as is", secret.to_owned())];
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    out.push(("URL-encoded", form.replace('+', "%20")));
    out.push(("URL-encoded", form));
    let json = json_escape(secret, false);
    out.push(("JSON-escaped", json.replace('/', "\\/")));
    out.push(("JSON-escaped", json));
    out.push(("JSON-escaped", json_escape(secret, true)));
    out.push(("base64", STANDARD.encode(secret)));
    for k in 0..3 {
        let mut buf = vec![0u8; k];
        buf.extend_from_slice(secret.as_bytes());
        let full = buf.len() / 3 * 3;
        let enc = STANDARD_NO_PAD.encode(&buf[..full]);
        let skip = [0, 2, 3][k];
        if let Some(core) = enc.get(skip..).filter(|c| c.len() >= 4) {
            out.push(("base64url", core.replace('+', "-").replace('/', "_")));
            out.push(("base64", core.to_owned()));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|(_, text)| seen.insert(text.clone()));
    out
}

/// `s` as it appears between the quotes of a JSON string.
fn json_escape(s: &str, ascii_only: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (ascii_only && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The labels of the `secrets` found in `haystack`, in any of their
/// [`encoded_forms`] ("label (form)" when not found as is).
pub fn secrets_in(haystack: &[u8], secrets: &[(&'static str, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (what, secret) in secrets.iter().filter(|(_, s)| !s.is_empty()) {
        if let Some((form, _)) = encoded_forms(secret)
            .into_iter()
            .find(|(_, text)| contains(haystack, text.as_bytes()))
        {
            found.push(match form {
                "as is" => (*what).to_owned(),
                form => format!("{what} ({form})"),
            });
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn pkce_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// The S256 PKCE challenge of `verifier`.
pub fn s256_challenge(verifier: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
}

/// Whether `haystack` holds a PKCE verifier whose S256 challenge is
/// `challenge`: every run of verifier characters is hashed whole (43–128
/// characters) and in 43-character windows (the length of the verifiers
/// Sesame makes).
pub fn holds_pkce_verifier(haystack: &[u8], challenge: &str) -> bool {
    let hit = |cand: &[u8]| s256_challenge(cand) == challenge;
    haystack
        .split(|b| !pkce_char(*b))
        .filter(|run| run.len() >= 43)
        .any(|run| (run.len() <= 128 && hit(run)) || run.windows(43).any(hit))
}

/// Everything one check found: (where, what).
pub fn leaks(
    name: &str,
    haystack: &[u8],
    secrets: &[(&'static str, String)],
    challenges: &[String],
) -> Vec<String> {
    let mut found: Vec<String> = secrets_in(haystack, secrets)
        .into_iter()
        .map(|what| format!("{name}: {what}"))
        .collect();
    if challenges.iter().any(|c| holds_pkce_verifier(haystack, c)) {
        found.push(format!("{name}: PKCE verifier"));
    }
    found
}

/// A shared buffer `tracing` writes into.
#[derive(Debug, Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs (once per test binary) a global TRACE subscriber that writes
/// every `tracing` event and `log` record, with all fields and spans, into a
/// buffer, and returns the buffer.
pub fn capture_tracing() -> Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buf = Buffer::default();
            // TRACE for everything, with the agent's own directives: the
            // raw DevTools-protocol wire logs are off in every Sesame host.
            let filter = tracing_subscriber::EnvFilter::new(sesame_agent::log_directives("trace"));
            let installed = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(buf.clone())
                .with_ansi(false)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .try_init();
            if let Err(e) = installed {
                panic!("could not install the capturing subscriber: {e}");
            }
            buf
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canary: each encoded form of a secret, planted in a log line the way
    /// a careless writer would put it there, is found.
    #[test]
    fn every_encoded_form_of_a_secret_is_found() {
        let secret = "Pa ss/w\u{f6}rd+\"1&=";
        let secrets = vec![("test password", secret.to_owned())];
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let planted = [
            ("as is", format!("password={secret} end")),
            (
                "URL-encoded",
                format!("POST body: username=ada&password={form}&scope=openid"),
            ),
            (
                "URL-encoded",
                format!("GET /x?pw={} HTTP/1.1", form.replace('+', "%20")),
            ),
            (
                "JSON-escaped",
                r#"{"password":"Pa ss/w\u00f6rd+\"1&="}"#.to_owned(),
            ),
            (
                "JSON-escaped",
                "{\"password\":\"Pa ss\\/w\u{f6}rd+\\\"1&=\"}".to_owned(),
            ),
            (
                "JSON-escaped",
                "{\"password\":\"Pa ss/w\u{f6}rd+\\\"1&=\"}".to_owned(),
            ),
            (
                "base64",
                format!(
                    "Authorization: Basic {}",
                    STANDARD.encode(format!("ada:{secret}"))
                ),
            ),
            (
                "base64",
                format!("blob={}", STANDARD.encode(format!("x{secret}"))),
            ),
            (
                "base64",
                format!("blob={}", STANDARD.encode(format!("xy{secret}yz"))),
            ),
            (
                "base64url",
                format!("t={}", URL_SAFE_NO_PAD.encode(format!("ab{secret}"))),
            ),
        ];
        for (form, line) in planted {
            let found = leaks("log", line.as_bytes(), &secrets, &[]);
            assert_eq!(found.len(), 1, "{form} not found in {line:?}");
            assert!(found[0].starts_with("log: test password"), "{found:?}");
        }
        // Nothing in a clean line.
        let clean = format!(
            "password=[REDACTED] {}",
            STANDARD.encode("ada:other password")
        );
        assert!(leaks("log", clean.as_bytes(), &secrets, &[]).is_empty());
    }
}
