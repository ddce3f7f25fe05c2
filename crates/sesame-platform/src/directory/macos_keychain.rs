//! macOS: keeping the user's login keychain in step with their local
//! password. OpenDirectory's `changePassword` (old password given) changes
//! the account's password as the user may, without root, but leaves the
//! login keychain locked with the old password; System Settings changes
//! both, so Sesame does too, in the user's own session.

use std::ffi::c_void;

use core_foundation::base::{CFRelease, CFTypeRef};
use secrecy::{ExposeSecret, SecretString};
use security_framework_sys::base::SecKeychainRef;
use security_framework_sys::keychain::SecKeychainCopyDefault;

#[link(name = "Security", kind = "framework")]
unsafe extern "C" {
    /// Exported by Security.framework though not in its public headers;
    /// the password-sync tools that came before Sesame (NoMAD, Jamf
    /// Connect's predecessors) call it for the same purpose.
    fn SecKeychainChangePassword(
        keychain: SecKeychainRef,
        old_len: u32,
        old: *const c_void,
        new_len: u32,
        new: *const c_void,
    ) -> i32;
}

/// Whether this process runs as the account `uid` (the menu-bar daemon
/// does; the agent at the login window runs as root and must not touch
/// root's own keychain).
pub(crate) fn runs_as(uid: u32) -> bool {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() == uid }
}

/// Changes the password of this user's default (login) keychain from `old`
/// to `new`. `Err` holds the OSStatus; the keychain is never reset.
pub(crate) fn change_login_keychain_password(
    old: &SecretString,
    new: &SecretString,
) -> Result<(), i32> {
    let (old, new) = (
        old.expose_secret().as_bytes(),
        new.expose_secret().as_bytes(),
    );
    let len = |b: &[u8]| u32::try_from(b.len()).map_err(|_| -50);
    let (old_len, new_len) = (len(old)?, len(new)?);
    let mut keychain: SecKeychainRef = std::ptr::null_mut();
    // SAFETY: an out-pointer to a null reference, filled on success.
    let status = unsafe { SecKeychainCopyDefault(&mut keychain) };
    if status != 0 || keychain.is_null() {
        return Err(status);
    }
    // SAFETY: a valid keychain reference; the slices live across the call.
    let status = unsafe {
        SecKeychainChangePassword(
            keychain,
            old_len,
            old.as_ptr().cast(),
            new_len,
            new.as_ptr().cast(),
        )
    };
    // SAFETY: the reference returned by SecKeychainCopyDefault is ours.
    unsafe { CFRelease(keychain as CFTypeRef) };
    if status == 0 { Ok(()) } else { Err(status) }
}
