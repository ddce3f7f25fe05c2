//! Offline sign-in: a slow verifier of the password of the last full online
//! sign-in (argon2id, never the password), kept root-only, used only when
//! Entra cannot be reached, the profile allows it (`OfflineSignIn`) and the
//! last full sign-in is recent enough (`OfflineSignInDays`).
//!
//! A verifier is written only after a sign-in that finished — MFA included
//! where the service needs it — never after one that stopped at an MFA
//! interrupt, so an attacker who knows only the password cannot refresh it.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// argon2id cost: 64 MiB, 3 passes, 1 lane (OWASP's argon2id floor is
/// 19 MiB / 2 passes): slow for a guesser with a stolen file, meant to stay
/// within 100–500 ms at a login prompt (figures: docs/performance.md).
pub const MEMORY_KIB: u32 = 64 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 3;
/// Lanes.
pub const LANES: u32 = 1;

/// One person's offline verifier. Holds no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifier {
    /// The UPN signed in with (lowercase).
    pub upn: String,
    /// Entra object ID.
    pub oid: String,
    /// Entra tenant ID.
    pub tid: String,
    /// The local account.
    pub short_name: String,
    /// The argon2id hash in PHC form (salt and cost inside).
    pub phc: String,
    /// When the full online sign-in happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub signed_in_at: OffsetDateTime,
}

/// Why an offline sign-in is not allowed (shown to the person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineRefusal {
    /// The profile does not allow offline sign-in.
    #[error(
        "Microsoft Entra ID cannot be reached and offline sign-in is off on this machine; try again when online."
    )]
    Disabled,
    /// No full online sign-in on this machine yet.
    #[error(
        "Microsoft Entra ID cannot be reached and you have not signed in online on this machine yet; try again when online."
    )]
    NeverOnline,
    /// The last full sign-in is too old.
    #[error(
        "Microsoft Entra ID cannot be reached and your last online sign-in here was {days} days ago (offline sign-in allows {limit}); try again when online."
    )]
    TooOld {
        /// Days since the last full sign-in.
        days: i64,
        /// The profile's limit.
        limit: u32,
    },
    /// The password does not match the verifier.
    #[error(
        "Microsoft Entra ID cannot be reached and the password does not match your last online sign-in here."
    )]
    WrongPassword,
}

/// The pure decision: may `record` open the machine at `now`? (The password
/// check itself is [`Verifier::matches`].)
pub fn allowed(
    enabled: bool,
    limit_days: u32,
    record: Option<&Verifier>,
    now: OffsetDateTime,
) -> Result<(), OfflineRefusal> {
    if !enabled {
        return Err(OfflineRefusal::Disabled);
    }
    let Some(r) = record else {
        return Err(OfflineRefusal::NeverOnline);
    };
    let age = now - r.signed_in_at;
    if age.is_negative() || age > time::Duration::days(i64::from(limit_days)) {
        return Err(OfflineRefusal::TooOld {
            days: age.whole_days(),
            limit: limit_days,
        });
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // The constants are valid; the crate's defaults are the fallback anyway.
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A problem with the verifier store (named path and what to do).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Hashing failed.
    #[error("the offline verifier cannot be made: {0}")]
    Hash(String),
    /// The folder or file cannot be used.
    #[error("{path}: {source}; the folder must be owned by root and not writable by others")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file does not parse.
    #[error("{0} is damaged; delete it (the next online sign-in writes a new one)")]
    Damaged(PathBuf),
}

impl Verifier {
    /// A verifier of `password` for this identity, made at `now`.
    pub fn make(
        upn: &str,
        oid: &str,
        tid: &str,
        short_name: &str,
        password: &SecretString,
        now: OffsetDateTime,
    ) -> Result<Self, StoreError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let phc = hasher()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map_err(|e| StoreError::Hash(e.to_string()))?
            .to_string();
        Ok(Self {
            upn: upn.to_lowercase(),
            oid: oid.to_owned(),
            tid: tid.to_owned(),
            short_name: short_name.to_owned(),
            phc,
            signed_in_at: now,
        })
    }

    /// `true` when `password` is the one this verifier was made from
    /// (argon2's own constant-time comparison).
    pub fn matches(&self, password: &SecretString) -> bool {
        match PasswordHash::new(&self.phc) {
            Ok(h) => Argon2::default()
                .verify_password(password.expose_secret().as_bytes(), &h)
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// A person's file stem: the lowercase UPN, hex-encoded (no path tricks,
/// whatever was typed).
pub(crate) fn key(upn: &str) -> String {
    upn.to_lowercase()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn file_name(upn: &str) -> String {
    format!("{}.json", key(upn))
}

/// Reads `name` in the checked folder without following a symlink; `None`
/// when it is missing.
pub(crate) fn read_in(
    folder: &sesame_safefs::SafeDir,
    name: &str,
) -> std::io::Result<Option<Vec<u8>>> {
    let path = folder.path().join(name);
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Saves `v` in `dir` (created 0700, file 0600, written atomically).
pub fn save(dir: &Path, v: &Verifier) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: dir.to_owned(),
        source,
    };
    let folder = sesame_safefs::SafeDir::create(dir, 0o700).map_err(io)?;
    let bytes = serde_json::to_vec(v).map_err(|e| StoreError::Hash(e.to_string()))?;
    folder
        .write_atomic(&file_name(&v.upn), &bytes, 0o600)
        .map_err(io)
}

/// Reads `upn`'s verifier from `dir`; `None` when there is none. The folder
/// is checked first and the file is opened without following a symlink.
pub fn load(dir: &Path, upn: &str) -> Result<Option<Verifier>, StoreError> {
    let path = dir.join(file_name(upn));
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let folder = match sesame_safefs::SafeDir::open(dir) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let Some(bytes) = read_in(&folder, &file_name(upn)).map_err(io)? else {
        return Ok(None);
    };
    let v: Verifier =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::Damaged(path.clone()))?;
    if v.upn != upn.to_lowercase() {
        return Err(StoreError::Damaged(path));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000 + days)
    }

    fn record() -> Verifier {
        Verifier {
            upn: "megan@contoso.example".into(),
            oid: "o".into(),
            tid: "t".into(),
            short_name: "megan".into(),
            phc: String::new(),
            signed_in_at: at(0),
        }
    }

    #[test]
    fn offline_is_allowed_only_when_on_and_within_the_limit() {
        let r = record();
        assert_eq!(allowed(true, 7, Some(&r), at(7)), Ok(()));
        assert_eq!(
            allowed(true, 7, Some(&r), at(8)),
            Err(OfflineRefusal::TooOld { days: 8, limit: 7 })
        );
        assert_eq!(
            allowed(false, 7, Some(&r), at(1)),
            Err(OfflineRefusal::Disabled)
        );
        assert_eq!(
            allowed(true, 7, None, at(1)),
            Err(OfflineRefusal::NeverOnline)
        );
        // A clock set back before the sign-in is not "recent".
        assert!(allowed(true, 7, Some(&r), at(-1)).is_err());
    }

    #[test]
    fn the_verifier_holds_no_password_and_checks_it() {
        let pw = SecretString::from("Sesame-Demo-1".to_owned());
        let v =
            Verifier::make("Megan@Contoso.example", "o", "t", "megan", &pw, at(0)).expect("hash");
        assert!(
            v.phc.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"),
            "{}",
            v.phc
        );
        let json = serde_json::to_string(&v).expect("json");
        assert!(!json.contains("Sesame-Demo-1"));
        assert!(v.matches(&pw));
        assert!(!v.matches(&SecretString::from("Sesame-Demo-2".to_owned())));

        let dir = tempfile::tempdir().expect("tmp");
        let state = dir.path().join("pam");
        assert!(
            load(&state, "megan@contoso.example")
                .expect("none")
                .is_none()
        );
        save(&state, &v).expect("save");
        let back = load(&state, "MEGAN@contoso.example").expect("load");
        assert_eq!(back.as_ref(), Some(&v));
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&state.join(file_name("megan@contoso.example"))), 0o600);
    }
}
