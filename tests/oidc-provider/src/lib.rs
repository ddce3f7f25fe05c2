//! An OpenID provider that is not ours, for tests: panva's `oidc-provider`
//! (an OpenID Foundation certified implementation) run by Node.js on
//! loopback from `tests/oidc-provider/server.js`. It offers discovery, JWKS
//! (RS256), authorization code + PKCE with its development login pages, and a
//! resource-owner password grant — the two flows Sesame uses.
//!
//! ```no_run
//! let op = sesame_oidc_harness::OidcProvider::start().expect("oidc-provider");
//! println!("{}", op.discovery_url());
//! ```
//!
//! The first start in a checkout runs `npm ci` (needs the npm registry); later
//! starts reuse `node_modules` and work offline. Node.js ≥ 20 is required
//! (`.ci/install-deps` installs it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The public client registered on the provider.
pub const CLIENT_ID: &str = "c9000000-0000-4000-8000-000000000001";
/// Its redirect URI (a claimed https URI; the web view intercepts it).
pub const REDIRECT_URI: &str = "https://app.sesame.example/callback";

/// A person the provider knows.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    /// Login (also `email` and `preferred_username`).
    pub login: &'static str,
    /// Password the password grant accepts.
    pub password: &'static str,
    /// `sub` (the provider issues the account ID, which is the login).
    pub sub: &'static str,
    /// `name`.
    pub name: &'static str,
}

/// Alice (see `server.js`).
pub const ALICE: Person = Person {
    login: "alice@example.test",
    password: "Alice-Oidc-Pass-1",
    sub: "alice@example.test",
    name: "Alice Example",
};
/// Bob (see `server.js`).
pub const BOB: Person = Person {
    login: "bob@example.test",
    password: "Bob-Oidc-Pass-2",
    sub: "bob@example.test",
    name: "Bob Example",
};

/// Why the provider could not be started. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// `node` or `npm` is not installed.
    #[error(
        "`{0}` was not found: install Node.js 20+ and npm (`apt-get install nodejs npm`, or run .ci/install-deps)"
    )]
    Missing(&'static str),
    /// `npm ci` failed.
    #[error(
        "`npm ci` in {dir} failed ({status}); it needs the npm registry the first time: {stderr}"
    )]
    NpmCi {
        /// The directory.
        dir: String,
        /// Exit status.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// The server did not print its discovery URL in time.
    #[error("oidc-provider did not start within {0:?}: {1}")]
    NoStart(Duration, String),
    /// Any other I/O failure.
    #[error("oidc-provider harness: {0}")]
    Io(#[from] std::io::Error),
    /// The printed URL does not parse.
    #[error("oidc-provider printed an unusable discovery URL `{0}`")]
    BadUrl(String),
}

/// A running provider; dropping it stops it.
#[derive(Debug)]
pub struct OidcProvider {
    child: Child,
    _stdin: Option<ChildStdin>,
    discovery_url: url::Url,
    log: PathBuf,
}

impl OidcProvider {
    /// Installs the provider once (`npm ci`, skipped when already installed)
    /// and starts it on a free loopback port.
    pub fn start() -> Result<Self, HarnessError> {
        let dir = dir();
        install(&dir)?;
        let log = std::env::temp_dir().join(format!(
            "sesame-oidc-provider-{}-{}.log",
            std::process::id(),
            STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let log_file = std::fs::File::create(&log)?;
        let mut child = Command::new("node")
            .arg("server.js")
            .arg("0")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => HarnessError::Missing("node"),
                _ => HarnessError::Io(e),
            })?;
        // Closing stdin (our drop, or this process dying) stops the server.
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError::Io(std::io::Error::other("no stdout from node")))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("SESAME_OIDC_DISCOVERY=") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let wait = Duration::from_secs(30);
        let text = match rx.recv_timeout(wait) {
            Ok(t) => t,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HarnessError::NoStart(
                    wait,
                    "no discovery URL printed".into(),
                ));
            }
        };
        let discovery_url =
            url::Url::parse(&text).map_err(|_| HarnessError::BadUrl(text.clone()))?;
        eprintln!("oidc-provider: {discovery_url}");
        Ok(Self {
            child,
            _stdin: stdin,
            discovery_url,
            log,
        })
    }

    /// `http://127.0.0.1:PORT/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> &url::Url {
        &self.discovery_url
    }

    /// The server's error output (warnings, `server_error` details).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The server's error output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `http://127.0.0.1:PORT` (the issuer).
    pub fn issuer(&self) -> String {
        self.discovery_url
            .as_str()
            .trim_end_matches("/.well-known/openid-configuration")
            .to_owned()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

static STARTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// `tests/oidc-provider` in this checkout.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs `npm ci` in `dir` unless `oidc-provider` is already installed there.
/// A file lock keeps parallel test processes from installing twice.
fn install(dir: &Path) -> Result<(), HarnessError> {
    let installed = || {
        dir.join("node_modules/oidc-provider/package.json")
            .is_file()
    };
    if installed() {
        return Ok(());
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("sesame-oidc-harness.lock"))?;
    let _held = Flock::take(&lock)?;
    if installed() {
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => HarnessError::Missing("npm"),
            _ => HarnessError::Io(e),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: String = stderr
            .chars()
            .rev()
            .take(400)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(HarnessError::NpmCi {
            dir: dir.display().to_string(),
            status: out.status.to_string(),
            stderr: tail,
        });
    }
    Ok(())
}

/// An exclusive `flock` held until dropped.
struct Flock<'a>(&'a std::fs::File);

impl<'a> Flock<'a> {
    fn take(file: &'a std::fs::File) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd as _;
        // SAFETY: flock on a valid, open descriptor we own for the lock's life.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            Ok(Self(file))
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd as _;
        // SAFETY: as above; unlocking a held lock.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}
