//! Looking for secrets where they must never be: every file under a folder,
//! and everything `tracing` printed at TRACE level.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

/// The labels of the `secrets` found in `haystack`.
pub fn secrets_in(haystack: &[u8], secrets: &[(&'static str, String)]) -> Vec<&'static str> {
    secrets
        .iter()
        .filter(|(_, s)| !s.is_empty() && contains(haystack, s.as_bytes()))
        .map(|(what, _)| *what)
        .collect()
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
