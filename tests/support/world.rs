//! The world a test runs in: the simulated tenant, the managed profile that
//! points at it, and a sandbox system root with its Sesame state and sync log.

use std::path::PathBuf;

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use sesame_core::settings::{self, Settings};
use sesame_platform::directory::sandbox;
use sesame_platform::{JournalFile, ShadowDirectory};

/// The demo tenant's ID.
pub const TID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
/// The demo tenant's public-client app ("Sesame").
pub const SESAME_APP: &str = "c3000000-0000-4000-8000-000000000001";
/// Its nativeclient redirect URI.
pub const NATIVECLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";
/// The demo tenant's confidential app.
pub const CONFIDENTIAL_APP: &str = "c3000000-0000-4000-8000-000000000002";
/// Its (web) redirect URI.
pub const CONFIDENTIAL_REDIRECT: &str = "https://localhost/doctor/callback";
/// Its valid client secret.
pub const CONFIDENTIAL_SECRET: &str = "demo-secret-value-1";
/// The "Mac Admins" group ObjectID.
pub const MAC_ADMINS: &str = "a1000000-0000-4000-8000-000000000001";

/// Megan: Mac Admins member, MFA required by Conditional Access, TOTP registered.
pub const MEGAN: &str = "megan@contoso.example";
/// Megan's password in the demo tenant.
pub const MEGAN_PASSWORD: &str = "Sesame-Demo-1";
/// Megan's object ID.
pub const MEGAN_OID: &str = "b2000000-0000-4000-8000-000000000001";
/// A second person whose UPN's local part is also `megan` (other oid).
pub const IMPOSTOR: &str = "megan@contoso.onmicrosoft.example";
/// The impostor's password.
pub const IMPOSTOR_PASSWORD: &str = "Other-Megan-Pass-77";
/// The impostor's object ID.
pub const IMPOSTOR_OID: &str = "b2000000-0000-4000-8000-0000000000ee";

/// Nora: only in "All Company", so not assigned to the Sesame app (AADSTS50105).
pub const NORA: &str = "nora@contoso.example";
/// Nora's password.
pub const NORA_PASSWORD: &str = "Nora-Not-Assigned-5";
/// Adele: Mac Users, no MFA.
pub const ADELE: &str = "adele@contoso.example";
/// Adele's password.
pub const ADELE_PASSWORD: &str = "Sesame-Demo-2";
/// Alex: Mac Users, password expired.
pub const ALEX: &str = "alex@contoso.example";
/// Alex's (expired) password.
pub const ALEX_PASSWORD: &str = "Sesame-Demo-3";
/// The "Mac Users" group ObjectID.
pub const MAC_USERS: &str = "a1000000-0000-4000-8000-000000000002";

/// The demo tenant plus [`IMPOSTOR`] (a Mac Users member, no MFA) and
/// [`NORA`] (not assigned to the app).
pub fn tenant() -> Tenant {
    let toml = format!(
        "{}\n
[[users]]
upn = \"{IMPOSTOR}\"
password = \"{IMPOSTOR_PASSWORD}\"
oid = \"{IMPOSTOR_OID}\"
display_name = \"Megan Other\"
groups = [\"a1000000-0000-4000-8000-000000000002\"]

[[users]]
upn = \"{NORA}\"
password = \"{NORA_PASSWORD}\"
oid = \"b2000000-0000-4000-8000-0000000000a0\"
display_name = \"Nora Unassigned\"
groups = [\"a1000000-0000-4000-8000-000000000004\"]
",
        entra_sim::DEMO_TENANT_TOML
    );
    match Tenant::from_toml_str(&toml, "e2e tenant") {
        Ok(t) => t,
        Err(e) => panic!("the e2e tenant does not parse: {e}"),
    }
}

/// Starts the e2e tenant over HTTPS in the current runtime.
pub async fn start_sim() -> SimHandle {
    match Sim::start(tenant(), SimOptions { tls: true }).await {
        Ok(s) => s,
        Err(e) => panic!("the sim does not start: {e}"),
    }
}

/// Which app registration the profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// The public client with the nativeclient redirect URI.
    Public,
    /// The confidential client with a client secret.
    Confidential,
}

/// A .mobileconfig for the sim's tenant, as an admin would write it: the sim
/// as authority host, its CA under `TrustedRootCertificates`, Mac Admins as
/// admin group, and the sync log at `log_path`.
pub fn mobileconfig(sim: &SimHandle, app: App, log_path: &std::path::Path) -> Vec<u8> {
    mobileconfig_with(sim, app, log_path, "")
}

/// [`mobileconfig`] with more keys (plist `<key>…</key><value/>` text).
pub fn mobileconfig_with(
    sim: &SimHandle,
    app: App,
    log_path: &std::path::Path,
    extra: &str,
) -> Vec<u8> {
    let ca = sim.ca_pem().unwrap_or_default();
    let (client, redirect, secret) = match app {
        App::Public => (SESAME_APP, NATIVECLIENT, String::new()),
        App::Confidential => (
            CONFIDENTIAL_APP,
            CONFIDENTIAL_REDIRECT,
            format!("<key>OIDCClientSecret</key><string>{CONFIDENTIAL_SECRET}</string>"),
        ),
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>io.sesame.agent</string>
<key>PayloadIdentifier</key><string>example.sesame.e2e</string>
<key>PayloadDisplayName</key><string>Sesame (e2e)</string>
<key>PayloadUUID</key><string>0e2e0e2e-1111-4222-8333-444455556666</string>
<key>PayloadVersion</key><integer>1</integer>
<key>TenantID</key><string>{tid}</string>
<key>AuthorityHost</key><string>{host}</string>
<key>OIDCClientID</key><string>{client}</string>
<key>OIDCRedirectURI</key><string>{redirect}</string>
{secret}
<key>TrustedRootCertificates</key><array><string>{ca}</string></array>
<key>AdminGroups</key><array><string>{MAC_ADMINS}</string></array>
<key>LogPath</key><string>{log}</string>
{extra}
</dict></array>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadIdentifier</key><string>example.profile.e2e</string>
<key>PayloadDisplayName</key><string>Sesame e2e profile</string>
<key>PayloadUUID</key><string>0e2e0e2e-7777-4888-9999-aaaabbbbcccc</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>"#,
        tid = sim.tenant_id(),
        host = sim.base_url(),
        log = log_path.display(),
    )
    .into_bytes()
}

/// The profile an admin pushes for another OpenID provider (named by its
/// discovery URL; here the oidc-provider harness on plain-http loopback,
/// hence the test-only AllowInsecureSimulatedTenant).
pub fn mobileconfig_open_id(
    discovery: &url::Url,
    client_id: &str,
    redirect: &str,
    log_path: &std::path::Path,
    extra: &str,
) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>io.sesame.agent</string>
<key>PayloadIdentifier</key><string>example.sesame.e2e.oidc</string>
<key>PayloadUUID</key><string>0e2e0e2e-1111-4222-8333-444455550001</string>
<key>PayloadVersion</key><integer>1</integer>
<key>OIDCDiscoveryURL</key><string>{discovery}</string>
<key>OIDCClientID</key><string>{client_id}</string>
<key>OIDCRedirectURI</key><string>{redirect}</string>
<key>OIDCOfflineAccess</key><false/>
<key>AllowInsecureSimulatedTenant</key><true/>
<key>ROPGScopes</key><array><string>openid</string><string>profile</string><string>email</string></array>
<key>LogPath</key><string>{log}</string>
{extra}
</dict></array>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadIdentifier</key><string>example.profile.e2e.oidc</string>
<key>PayloadUUID</key><string>0e2e0e2e-7777-4888-9999-aaaabbbb0001</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>"#,
        log = log_path.display(),
    )
    .into_bytes()
}

/// Loads the profile through the real settings loader; panics with every
/// finding when it is refused.
pub fn load_settings(bytes: &[u8]) -> Settings {
    let report = settings::load(&[("sesame-e2e.mobileconfig", bytes)]);
    match report.settings {
        Some(s) if !report.has_errors() => s,
        _ => panic!("the e2e profile was refused: {:#?}", report.findings),
    }
}

/// A sandbox system root (real shadow tools via `--root`) plus a folder for
/// the sync log, all under one temporary directory.
#[derive(Debug)]
pub struct Sandbox {
    /// Keeps the directory alive.
    pub tmp: tempfile::TempDir,
    /// The system root.
    pub root: PathBuf,
    /// The account directory on it.
    pub dir: ShadowDirectory,
    /// The apply journal.
    pub journal: JournalFile,
    /// Where the sync log goes.
    pub log_path: PathBuf,
}

impl Sandbox {
    /// A fresh root with `etc/passwd`, `etc/group` (with `sudo`), and so on.
    pub fn new() -> Self {
        let tmp = match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("no temp dir: {e}"),
        };
        let root = tmp.path().join("root");
        if let Err(e) = sandbox::create(&root) {
            panic!("sandbox root: {e}");
        }
        let dir = ShadowDirectory::new(&root);
        let journal = JournalFile::new(dir.journal_path());
        let log_path = tmp.path().join("logs/sesame.log");
        Self {
            tmp,
            root,
            dir,
            journal,
            log_path,
        }
    }

    /// The text of a file under the root (`etc/passwd`).
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_default()
    }

    /// The `etc/passwd` line of `short_name`, split into fields.
    pub fn passwd_entry(&self, short_name: &str) -> Option<Vec<String>> {
        self.read("etc/passwd")
            .lines()
            .map(|l| l.split(':').map(str::to_owned).collect::<Vec<_>>())
            .find(|f| f.first().map(String::as_str) == Some(short_name))
    }

    /// Members of `group` in `etc/group`.
    pub fn group_members(&self, group: &str) -> Vec<String> {
        self.read("etc/group")
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&group))
            .and_then(|f| f.get(3).map(|m| m.to_string()))
            .map(|m| {
                m.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

/// Fails the test, saying what to do, when not root: the shadow tools chroot
/// into the sandbox root. A test that can't run must not pass.
pub fn require_root() {
    if let Err(why) = sandbox::ensure_root() {
        panic!("{why}");
    }
}

/// Joins a fresh anonymous session keyring for the calling thread, so the
/// kernel-keyring store needs no login session. False when the kernel refuses
/// (and always on systems without a kernel keyring).
pub fn join_fresh_session_keyring() -> bool {
    #[cfg(target_os = "linux")]
    {
        sesame_platform::secrets::join_fresh_session_keyring().is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Runs `cmd` with `stdin` written to its standard input; its output.
pub fn run_fed(cmd: &mut std::process::Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = match cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start {cmd:?}: {e}"),
    };
    if let Some(mut input) = child.stdin.take()
        && let Err(e) = input.write_all(stdin.as_bytes())
    {
        panic!("cannot write to {cmd:?}: {e}");
    }
    match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{cmd:?}: {e}"),
    }
}
