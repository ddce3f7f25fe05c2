//! The demo's world: the embedded practice tenant (entra-sim in this process,
//! HTTPS with its own CA), the profile written for it, a sandbox system root
//! under a temporary directory, and the secret store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use entra_sim::profile::{ProfileOptions, sesame_profile};
use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use sesame_core::settings::{self, Settings};
use sesame_platform::directory::sandbox;
use sesame_platform::{JournalFile, SecretStore, ShadowDirectory};

/// The person who signs in: in Mac Admins (so an admin), in MFA Users (so
/// Conditional Access asks for MFA), an authenticator app registered.
pub(crate) const PERSON: &str = "megan@contoso.example";
/// Her local short name.
pub(crate) const SHORT_NAME: &str = "megan";
/// The group whose members get an admin account (the profile's AdminGroups).
pub(crate) const ADMIN_GROUP: &str = "Mac Admins";
/// The Conditional Access policy that asks her for MFA.
pub(crate) const MFA_POLICY: &str = "Require MFA for MFA Users";

/// Where the demo keeps its files.
#[derive(Debug)]
pub(crate) struct Paths {
    /// The temporary directory everything lives in.
    pub(crate) dir: PathBuf,
    /// The sandbox system root.
    pub(crate) root: PathBuf,
    /// The profile written for the tenant.
    pub(crate) profile: PathBuf,
    /// The sync log.
    pub(crate) log: PathBuf,
}

impl Paths {
    pub(crate) fn under(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            root: dir.join("root"),
            profile: dir.join("sesame.mobileconfig"),
            log: dir.join("sync.log"),
        }
    }
}

/// Starts the demo tenant over HTTPS in the current runtime.
pub(crate) async fn start_tenant() -> Result<Arc<SimHandle>, String> {
    Sim::start(Tenant::demo(), SimOptions { tls: true })
        .await
        .map(Arc::new)
        .map_err(|e| format!("the practice tenant did not start: {e}"))
}

/// Writes the tenant's profile to `paths.profile` (with `extra` keys) and
/// loads it exactly as the agent loads a managed profile.
pub(crate) fn write_profile(
    sim: &SimHandle,
    paths: &Paths,
    extra: Vec<(String, String)>,
) -> Result<(Settings, entra_sim::profile::ProfileSummary), String> {
    let options = ProfileOptions {
        log_path: Some(paths.log.clone()),
        extra,
    };
    let (bytes, summary) = sesame_profile(sim, &options).map_err(|e| e.to_string())?;
    std::fs::write(&paths.profile, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", paths.profile.display()))?;
    let name = paths.profile.display().to_string();
    let report = settings::load(&[(name.as_str(), &bytes)]);
    match report.settings {
        Some(s) if !report.has_errors() => Ok((s, summary)),
        _ => Err(format!(
            "the written profile is refused: {}",
            report
                .findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The password the tenant holds for `upn` (the demo tenant's passwords are
/// public; the demo never prints them).
pub(crate) fn password_of(sim: &SimHandle, upn: &str) -> Result<secrecy::SecretString, String> {
    sim.tenant()
        .user(upn)
        .map(|u| u.password.clone())
        .ok_or_else(|| format!("the demo tenant has no user {upn}"))
}

/// The sandbox root and the account directory on it (real shadow tools,
/// `useradd --root`).
pub(crate) fn sandbox_root(paths: &Paths) -> Result<(ShadowDirectory, JournalFile), String> {
    if !cfg!(target_os = "linux") {
        return Err(
            "the sandbox root is made by Linux's shadow tools (`useradd --root`): \
                    run the demo on Linux (a VM or container will do)"
                .into(),
        );
    }
    sandbox::ensure_root().map_err(|_| {
        "the shadow tools chroot into the sandbox root, which needs root: run the demo as root \
         (`sudo target/debug/sesame demo`, or in a root container)"
            .to_owned()
    })?;
    sandbox::create(&paths.root)
        .map_err(|e| format!("cannot make the sandbox root {}: {e}", paths.root.display()))?;
    let dir = ShadowDirectory::new(&paths.root);
    let journal = JournalFile::new(dir.journal_path());
    Ok((dir, journal))
}

/// The secret store and a sentence saying which one and why.
///
/// Linux: the kernel keyring, in a fresh session keyring this process joined
/// before any thread started ([`join_session_keyring`]): a real store that
/// needs no desktop session or D-Bus, shared by every thread of the demo,
/// and gone when the demo exits (the demo also deletes its item).
pub(crate) fn secret_store() -> Result<(Box<dyn SecretStore>, &'static str), String> {
    #[cfg(target_os = "linux")]
    {
        sesame_platform::KeyringSecretStore::kernel_keyring()
            .map(|s| {
                (
                    Box::new(s) as Box<dyn SecretStore>,
                    "the kernel keyring (this demo's own session keyring: no desktop session needed, gone when the demo ends)",
                )
            })
            .map_err(|e| format!("the kernel keyring is not usable: {e}"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok((
            Box::new(sesame_platform::InMemorySecretStore::new()),
            "an in-memory store (the demo never touches your login keychain)",
        ))
    }
}

/// Joins a fresh session keyring for this process; call before any thread
/// starts, so every thread shares it. `Err` says why the kernel refused.
pub(crate) fn join_session_keyring() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        sesame_platform::secrets::join_fresh_session_keyring()
            .map_err(|e| format!("cannot join a session keyring: {e}"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(())
    }
}
