//! The Mac: the managed profile, OpenDirectory, and the person's login
//! keychain through Security's `SecKeychain*` calls (root, in
//! `authorizationhosthelper`). Only OS calls live here; every decision is
//! in [`crate::mechanism`] and [`crate::keychain`].

use std::ffi::{CString, c_char, c_void};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sesame_agent::Agent;
use sesame_core::login::UserMessage;
use sesame_core::settings::Settings;
use sesame_platform::directory::MacDirectory;
use sesame_platform::{AccountDirectory, JournalFile};

use super::{SignIn, Staged};
use crate::keychain::{KeychainState, LoginKeychain};
use crate::mechanism::Host;

/// The Mac's host.
#[derive(Debug)]
pub struct MacHost;

impl Host for MacHost {
    fn settings(&self) -> Result<Settings, String> {
        super::load_profile(&PathBuf::from(format!(
            "/Library/Managed Preferences/{}.plist",
            sesame_core::PREFERENCE_DOMAIN
        )))
    }

    fn directory(&self) -> Result<(Box<dyn AccountDirectory>, JournalFile), String> {
        let dir = MacDirectory::new();
        let journal = JournalFile::new(dir.journal_path());
        Ok((Box::new(dir), journal))
    }

    fn keychain(&self) -> Result<Box<dyn LoginKeychain>, String> {
        Ok(Box::new(MacKeychain(MacDirectory::new())))
    }

    fn sign_in(&mut self, agent: &mut Agent, staged: Staged<'_>) -> Result<SignIn, String> {
        // Which prompt, and when to fall back to the native one, is
        // decided in crate::front (via host::sign_in).
        let mut web = super::Recording::new(super::macos_web::WindowWebLogin);
        let mut prompter = super::macos_prompt::AlertPrompter;
        let mut ask_native = super::macos_prompt::sign_in;
        let mut pump = super::macos_web::pump;
        let window = super::Window::new(&mut web, &mut ask_native, &mut prompter, &mut pump);
        super::sign_in(agent, staged, window)
    }

    fn ask_local(&mut self, message: &UserMessage) -> Option<(String, SecretString)> {
        super::macos_prompt::local(message)
    }
}

type SecKeychainRef = *mut c_void;
type OsStatus = i32;
/// `errSecNoSuchKeychain`.
const NO_SUCH_KEYCHAIN: OsStatus = -25294;

#[link(name = "Security", kind = "framework")]
unsafe extern "C" {
    fn SecKeychainOpen(path: *const c_char, keychain: *mut SecKeychainRef) -> OsStatus;
    fn SecKeychainCreate(
        path: *const c_char,
        password_length: u32,
        password: *const c_void,
        prompt_user: u8,
        initial_access: *mut c_void,
        keychain: *mut SecKeychainRef,
    ) -> OsStatus;
    fn SecKeychainUnlock(
        keychain: SecKeychainRef,
        password_length: u32,
        password: *const c_void,
        use_password: u8,
    ) -> OsStatus;
    fn SecKeychainLock(keychain: SecKeychainRef) -> OsStatus;
    fn SecKeychainGetStatus(keychain: SecKeychainRef, status: *mut u32) -> OsStatus;
    /// Private (declared by hand, as XCreds does).
    fn SecKeychainChangePassword(
        keychain: SecKeychainRef,
        old_length: u32,
        old: *const c_void,
        new_length: u32,
        new: *const c_void,
    ) -> OsStatus;
}

#[link(name = "CoreFoundation", kind = "framework")]
unsafe extern "C" {
    fn CFRelease(cf: *const c_void);
}

/// An open keychain, released on drop.
struct Keychain(SecKeychainRef);

impl Drop for Keychain {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a keychain we opened or created.
            unsafe {
                SecKeychainLock(self.0);
                CFRelease(self.0.cast_const());
            }
        }
    }
}

fn len(s: &SecretString) -> Result<u32, String> {
    u32::try_from(s.expose_secret().len()).map_err(|_| "the password is too long".to_owned())
}

/// The login keychain in the person's home, as root.
struct MacKeychain(MacDirectory);

impl MacKeychain {
    fn home(&self, user: &str) -> Result<(PathBuf, u32), String> {
        let account = self
            .0
            .find_by_short_name(user)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no local account {user}"))?;
        Ok((PathBuf::from(account.home), account.uid))
    }

    fn path(&self, user: &str) -> Result<(CString, PathBuf, u32), String> {
        let (home, uid) = self.home(user)?;
        let path = home.join("Library/Keychains/login.keychain-db");
        let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
        Ok((c, path, uid))
    }

    fn open(&self, path: &CString) -> Result<Keychain, String> {
        let mut kc: SecKeychainRef = std::ptr::null_mut();
        // SAFETY: a NUL-terminated path and an out pointer we own.
        let s = unsafe { SecKeychainOpen(path.as_ptr(), &mut kc) };
        if s != 0 {
            return Err(format!("SecKeychainOpen failed (OSStatus {s})"));
        }
        Ok(Keychain(kc))
    }

    fn unlocks_with(&self, kc: &Keychain, pw: &SecretString) -> Result<bool, String> {
        // SAFETY: an open keychain and a buffer of the given length.
        let s = unsafe { SecKeychainUnlock(kc.0, len(pw)?, pw.expose_secret().as_ptr().cast(), 1) };
        Ok(s == 0)
    }
}

/// Gives the new keychain to its owner (root made it).
fn give_to(path: &Path, uid: u32) -> Result<(), String> {
    std::os::unix::fs::chown(path, Some(uid), None).map_err(|e| e.to_string())
}

impl LoginKeychain for MacKeychain {
    fn state(
        &self,
        user: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<KeychainState, String> {
        let (c, path, _) = self.path(user)?;
        if !path.exists() {
            return Ok(KeychainState::Missing);
        }
        let kc = self.open(&c)?;
        let mut status = 0u32;
        // SAFETY: an open keychain and an out value we own.
        if unsafe { SecKeychainGetStatus(kc.0, &mut status) } == NO_SUCH_KEYCHAIN {
            return Ok(KeychainState::Missing);
        }
        if self.unlocks_with(&kc, new)? {
            return Ok(KeychainState::OpensWithNew);
        }
        match old {
            Some(o) if self.unlocks_with(&kc, o)? => Ok(KeychainState::OpensWithOld),
            _ => Ok(KeychainState::OpensWithNeither),
        }
    }

    fn create(&self, user: &str, new: &SecretString) -> Result<(), String> {
        let (c, path, uid) = self.path(user)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            give_to(dir, uid)?;
        }
        let mut kc: SecKeychainRef = std::ptr::null_mut();
        // SAFETY: a NUL-terminated path, a buffer of the given length, no
        // initial access (the default: the creator's), an out pointer.
        let s = unsafe {
            SecKeychainCreate(
                c.as_ptr(),
                len(new)?,
                new.expose_secret().as_ptr().cast(),
                0,
                std::ptr::null_mut(),
                &mut kc,
            )
        };
        let _kc = Keychain(kc);
        if s != 0 {
            return Err(format!("SecKeychainCreate failed (OSStatus {s})"));
        }
        give_to(&path, uid)
    }

    fn change_password(
        &self,
        user: &str,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), String> {
        let (c, _, _) = self.path(user)?;
        let kc = self.open(&c)?;
        // SAFETY: an open keychain and two buffers of the given lengths.
        let s = unsafe {
            SecKeychainChangePassword(
                kc.0,
                len(old)?,
                old.expose_secret().as_ptr().cast(),
                len(new)?,
                new.expose_secret().as_ptr().cast(),
            )
        };
        if s != 0 {
            return Err(format!("SecKeychainChangePassword failed (OSStatus {s})"));
        }
        Ok(())
    }

    fn reset(&self, user: &str, new: &SecretString) -> Result<(), String> {
        let (_, path, _) = self.path(user)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        // Kept, as macOS's own reset does ("login_renamed_…").
        let aside = path.with_file_name(format!("login_renamed_{stamp}.keychain-db"));
        std::fs::rename(&path, &aside).map_err(|e| e.to_string())?;
        self.create(user, new)
    }
}
