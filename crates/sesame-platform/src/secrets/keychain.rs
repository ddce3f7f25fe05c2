//! macOS: generic-password items in the user's login keychain
//! (security-framework), service [`SERVICE`], account = short name.
//!
//! A new item's access list trusts exactly Sesame's agent and menu-bar
//! binaries ([`super::TRUSTED_BINARIES`]): any other program asking for it
//! makes macOS prompt the user. Replacing the password updates only the
//! item's data, so the access list stays as it was created.

use std::ffi::CString;
use std::path::Path;

use core_foundation::array::CFArray;
use core_foundation::base::{CFType, CFTypeRef, TCFType};
use core_foundation::data::CFData;
use core_foundation::dictionary::CFDictionary;
use core_foundation::string::CFString;
use secrecy::{ExposeSecret, SecretString};
use security_framework::base::Error as SecError;
use security_framework::passwords::{delete_generic_password, get_generic_password};
use security_framework_sys::item::{
    kSecAttrAccount, kSecAttrLabel, kSecAttrService, kSecClass, kSecClassGenericPassword,
    kSecValueData,
};
use security_framework_sys::keychain_item::{SecItemAdd, SecItemUpdate};

use super::access::{ACCESS_DESCRIPTION, trusted_binaries};
use super::{OldPasswordChecked, SERVICE, SecretError, SecretStore};

/// `errSecDuplicateItem`.
const DUPLICATE_ITEM: i32 = -25299;
/// `errSecItemNotFound`.
const ITEM_NOT_FOUND: i32 = -25300;
/// `errSecAuthFailed`, `errSecInteractionNotAllowed`: locked or refused.
const NO_ACCESS: [i32; 2] = [-25293, -25308];

/// The few legacy-keychain access calls security-framework does not bind.
mod ffi {
    use std::ffi::{c_char, c_void};

    use core_foundation::array::CFArrayRef;
    use core_foundation::base::OSStatus;
    use core_foundation::string::CFStringRef;
    use security_framework_sys::base::SecAccessRef;

    /// `SecTrustedApplicationRef`.
    pub type SecTrustedApplicationRef = *mut c_void;

    #[link(name = "Security", kind = "framework")]
    unsafe extern "C" {
        /// Item attribute: the item's `SecAccess` (file-based keychains).
        pub static kSecAttrAccess: CFStringRef;

        /// An access list named `descriptor` trusting `trustedlist`.
        pub fn SecAccessCreate(
            descriptor: CFStringRef,
            trustedlist: CFArrayRef,
            access_ref: *mut SecAccessRef,
        ) -> OSStatus;

        /// A trusted-application entry for the code at `path`.
        pub fn SecTrustedApplicationCreateFromPath(
            path: *const c_char,
            app: *mut SecTrustedApplicationRef,
        ) -> OSStatus;
    }
}

/// Sesame's items in the current user's default (login) keychain.
#[derive(Debug, Clone, Default)]
pub struct KeychainSecretStore;

impl KeychainSecretStore {
    /// The store of the user this process runs as.
    pub fn new() -> Self {
        Self
    }
}

fn convert(user: &str, e: SecError) -> SecretError {
    if NO_ACCESS.contains(&e.code()) {
        SecretError::NoAccess {
            user: user.to_owned(),
            detail: e.to_string(),
        }
    } else {
        SecretError::Store {
            user: user.to_owned(),
            detail: e.to_string(),
        }
    }
}

fn check(user: &str, status: i32) -> Result<(), SecretError> {
    if status == 0 {
        Ok(())
    } else {
        Err(convert(user, SecError::from_code(status)))
    }
}

/// A CF string constant exported by Security.framework, e.g.
/// `key!(kSecAttrService)`.
macro_rules! key {
    ($constant:expr) => {
        // SAFETY: Security.framework's attribute constants are valid,
        // immortal CFStrings, never written; the get rule retains them.
        unsafe { CFString::wrap_under_get_rule($constant) }
    };
}

/// The access list for `user`'s item: Sesame's installed binaries.
fn access_list(user: &str) -> Result<CFType, SecretError> {
    let mut apps = Vec::new();
    for path in trusted_binaries(user, Path::exists)? {
        let c_path =
            CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| SecretError::Store {
                user: user.to_owned(),
                detail: format!("{} contains a NUL byte", path.display()),
            })?;
        let mut app: ffi::SecTrustedApplicationRef = std::ptr::null_mut();
        // SAFETY: `c_path` is a NUL-terminated path that outlives the call;
        // `app` is an out-pointer.
        let status = unsafe { ffi::SecTrustedApplicationCreateFromPath(c_path.as_ptr(), &mut app) };
        check(user, status)?;
        // SAFETY: a Create function returned `app` retained (create rule).
        apps.push(unsafe { CFType::wrap_under_create_rule(app as CFTypeRef) });
    }
    let trusted = CFArray::from_CFTypes(&apps);
    let description = CFString::new(ACCESS_DESCRIPTION);
    let mut access: security_framework_sys::base::SecAccessRef = std::ptr::null_mut();
    // SAFETY: both inputs are live CF objects; `access` is an out-pointer.
    let status = unsafe {
        ffi::SecAccessCreate(
            description.as_concrete_TypeRef(),
            trusted.as_concrete_TypeRef(),
            &mut access,
        )
    };
    check(user, status)?;
    // SAFETY: SecAccessCreate returns the access retained (create rule).
    Ok(unsafe { CFType::wrap_under_create_rule(access as CFTypeRef) })
}

/// The attributes naming `user`'s item.
fn item_query(user: &str) -> Vec<(CFString, CFType)> {
    vec![
        (
            key!(kSecClass),
            key!(kSecClassGenericPassword).into_CFType(),
        ),
        (key!(kSecAttrService), CFString::new(SERVICE).into_CFType()),
        (key!(kSecAttrAccount), CFString::new(user).into_CFType()),
    ]
}

/// Add `user`'s item with Sesame's access list; an existing item is left
/// alone and reported as already stored.
fn add(user: &str, password: &SecretString) -> Result<(), SecretError> {
    let mut attributes = item_query(user);
    attributes.push((
        key!(kSecAttrLabel),
        CFString::new(ACCESS_DESCRIPTION).into_CFType(),
    ));
    attributes.push((key!(ffi::kSecAttrAccess), access_list(user)?));
    attributes.push((
        key!(kSecValueData),
        CFData::from_buffer(password.expose_secret().as_bytes()).into_CFType(),
    ));
    let attributes = CFDictionary::from_CFType_pairs(&attributes);
    // SAFETY: a live dictionary; no result is requested.
    let status = unsafe { SecItemAdd(attributes.as_concrete_TypeRef(), std::ptr::null_mut()) };
    if status == DUPLICATE_ITEM {
        return Err(SecretError::AlreadyStored(user.to_owned()));
    }
    check(user, status)
}

impl SecretStore for KeychainSecretStore {
    fn store(&self, user: &str, password: &SecretString) -> Result<(), SecretError> {
        add(user, password)
    }

    fn read(&self, user: &str) -> Result<Option<SecretString>, SecretError> {
        match get_generic_password(SERVICE, user) {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                match std::str::from_utf8(&bytes) {
                    Ok(s) => Ok(Some(SecretString::from(s.to_owned()))),
                    Err(_) => Err(SecretError::Store {
                        user: user.to_owned(),
                        detail: "the stored item is not UTF-8".to_owned(),
                    }),
                }
            }
            Err(e) if e.code() == ITEM_NOT_FOUND => Ok(None),
            Err(e) => Err(convert(user, e)),
        }
    }

    fn overwrite(
        &self,
        user: &str,
        password: &SecretString,
        _checked: OldPasswordChecked,
    ) -> Result<(), SecretError> {
        let query = CFDictionary::from_CFType_pairs(&item_query(user));
        let data = CFData::from_buffer(password.expose_secret().as_bytes());
        let update = CFDictionary::from_CFType_pairs(&[(key!(kSecValueData), data.into_CFType())]);
        // SAFETY: two live dictionaries.
        let status =
            unsafe { SecItemUpdate(query.as_concrete_TypeRef(), update.as_concrete_TypeRef()) };
        if status == ITEM_NOT_FOUND {
            // Deleted since the caller read it: create it afresh, access
            // list included.
            return add(user, password);
        }
        check(user, status)
    }

    fn delete(&self, user: &str) -> Result<(), SecretError> {
        match delete_generic_password(SERVICE, user) {
            Ok(()) => Ok(()),
            Err(e) if e.code() == ITEM_NOT_FOUND => Ok(()),
            Err(e) => Err(convert(user, e)),
        }
    }
}
