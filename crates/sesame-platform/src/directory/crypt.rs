//! Checking a password against an `/etc/shadow` hash with the system's own
//! libcrypt (libxcrypt on Debian): the same code PAM uses, nothing hand-made.

use std::ffi::{CStr, CString, c_char, c_int, c_void};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

#[link(name = "crypt")]
unsafe extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

/// Size of libxcrypt's `struct crypt_data`.
const CRYPT_DATA_SIZE: usize = 32768;

/// Whether `password` hashes to `hash` (a crypt(3) string such as `$y$...`).
/// Locked or empty hashes (`!`, `*`, ``) never match.
pub(crate) fn matches(password: &SecretString, hash: &str) -> bool {
    if !hash.starts_with('$') {
        return false;
    }
    let (Ok(phrase), Ok(setting)) = (
        CString::new(password.expose_secret().as_bytes()),
        CString::new(hash),
    ) else {
        return false;
    };
    let phrase = Zeroizing::new(phrase.into_bytes_with_nul());
    let mut data = Zeroizing::new(vec![0u8; CRYPT_DATA_SIZE]);
    // SAFETY: both strings are NUL-terminated and live across the call; `data`
    // is a writable buffer of the size we pass; the result points into `data`.
    let out = unsafe {
        crypt_rn(
            phrase.as_ptr().cast(),
            setting.as_ptr(),
            data.as_mut_ptr().cast(),
            CRYPT_DATA_SIZE as c_int,
        )
    };
    if out.is_null() {
        return false;
    }
    // SAFETY: non-null results of crypt_rn are NUL-terminated strings in `data`.
    let computed = unsafe { CStr::from_ptr(out) }.to_bytes();
    sesame_core::constant_time::eq(computed, hash.as_bytes())
}
