//! The C ABI of an authorization plugin, from the current
//! `AuthorizationPlugin.h` (Security-59306): the interface the plugin hands
//! to SecurityAgent and the callbacks table the engine hands to the plugin.
//!
//! Defined here once, for every OS, so the same layer builds on Linux for
//! the fake-engine tests. On macOS the layouts are checked at compile time
//! against objc2-security's generated bindings (see the bottom of this
//! file), so a drift fails the Apple build.
//!
//! Two header facts matter: value lengths are `size_t` (the 2001 header had
//! `UInt32`; binding from it corrupts every value), and the callbacks table
//! grows with its `version` — fields past the base set may only be read when
//! the engine's version says they exist. Callback pointers are `Option`s:
//! the same layout as a C function pointer, and a NULL one is a refusal,
//! not a crash.
#![allow(non_snake_case)]

use std::ffi::{c_char, c_void};

/// `OSStatus`.
pub type OSStatus = i32;
/// `errAuthorizationSuccess` / `noErr`.
pub const NO_ERR: OSStatus = 0;
/// `errAuthorizationInternal`: returned when an entry point got a NULL it needs.
pub const ERR_INTERNAL: OSStatus = -60008;
/// `errAuthorizationInvalidRef`.
pub const ERR_INVALID_REF: OSStatus = -60002;

/// `kAuthorizationPluginInterfaceVersion`.
pub const PLUGIN_INTERFACE_VERSION: u32 = 0;
/// `kAuthorizationCallbacksVersion` of the current header.
pub const CALLBACKS_VERSION: u32 = 4;
/// The first callbacks version with `GetImmutableHintValue`.
pub const CALLBACKS_V1: u32 = 1;
/// The first callbacks version with `RemoveHintValue` and `RemoveContextValue`.
pub const CALLBACKS_V4: u32 = 4;

/// `AuthorizationEngineRef` (opaque).
pub type AuthorizationEngineRef = *mut c_void;
/// `AuthorizationPluginRef` (opaque; ours points at a `Plugin`).
pub type AuthorizationPluginRef = *mut c_void;
/// `AuthorizationMechanismRef` (opaque; ours points at a `Mechanism`).
pub type AuthorizationMechanismRef = *mut c_void;
/// `AuthorizationString`: a NUL-terminated C string.
pub type AuthorizationString = *const c_char;
/// `AuthorizationMechanismId`.
pub type AuthorizationMechanismId = *const c_char;
/// `AuthorizationContextFlags`.
pub type AuthorizationContextFlags = u32;
/// `AuthorizationResult`.
pub type AuthorizationResult = u32;
/// `AuthorizationSessionId`.
pub type AuthorizationSessionId = *mut c_void;

/// `kAuthorizationResultAllow`.
pub const RESULT_ALLOW: AuthorizationResult = 0;
/// `kAuthorizationResultDeny`.
pub const RESULT_DENY: AuthorizationResult = 1;
/// `kAuthorizationResultUndefined`.
pub const RESULT_UNDEFINED: AuthorizationResult = 2;
/// `kAuthorizationResultUserCanceled`.
pub const RESULT_USER_CANCELED: AuthorizationResult = 3;

/// `kAuthorizationContextFlagExtractable`: a client may read it back
/// (`builtin:authenticate` and loginwindow do, for `username`/`password`).
pub const CONTEXT_EXTRACTABLE: AuthorizationContextFlags = 1 << 0;
/// `kAuthorizationContextFlagVolatile`: not kept in the credential.
pub const CONTEXT_VOLATILE: AuthorizationContextFlags = 1 << 1;
/// `kAuthorizationContextFlagSticky`: survives a failed evaluation (the
/// error message for the next screen).
pub const CONTEXT_STICKY: AuthorizationContextFlags = 1 << 2;

/// `AuthorizationValue`: `length` is `size_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationValue {
    /// Bytes at `data`.
    pub length: usize,
    /// The bytes (not owned by the receiver).
    pub data: *mut c_void,
}

/// `AuthorizationValueVector`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationValueVector {
    /// Number of values.
    pub count: u32,
    /// The values.
    pub values: *mut AuthorizationValue,
}

type Engine = AuthorizationEngineRef;

/// `AuthorizationCallbacks`, in header order. Fields after `GetSessionId`
/// exist only from the version noted on each.
#[repr(C)]
#[derive(Debug)]
pub struct AuthorizationCallbacks {
    /// The engine's callbacks version.
    pub version: u32,
    /// Report the mechanism's result (during or after `MechanismInvoke`).
    pub SetResult: Option<unsafe extern "C" fn(Engine, AuthorizationResult) -> OSStatus>,
    /// Ask the engine to re-run from this mechanism.
    pub RequestInterrupt: Option<unsafe extern "C" fn(Engine) -> OSStatus>,
    /// Acknowledge `MechanismDeactivate`.
    pub DidDeactivate: Option<unsafe extern "C" fn(Engine) -> OSStatus>,
    /// Read a context value.
    pub GetContextValue: Option<
        unsafe extern "C" fn(
            Engine,
            AuthorizationString,
            *mut AuthorizationContextFlags,
            *mut *const AuthorizationValue,
        ) -> OSStatus,
    >,
    /// Write a context value.
    pub SetContextValue: Option<
        unsafe extern "C" fn(
            Engine,
            AuthorizationString,
            AuthorizationContextFlags,
            *const AuthorizationValue,
        ) -> OSStatus,
    >,
    /// Read a hint.
    pub GetHintValue: Option<
        unsafe extern "C" fn(
            Engine,
            AuthorizationString,
            *mut *const AuthorizationValue,
        ) -> OSStatus,
    >,
    /// Write a hint.
    pub SetHintValue: Option<
        unsafe extern "C" fn(Engine, AuthorizationString, *const AuthorizationValue) -> OSStatus,
    >,
    /// The mechanism's arguments.
    pub GetArguments:
        Option<unsafe extern "C" fn(Engine, *mut *const AuthorizationValueVector) -> OSStatus>,
    /// The security session.
    pub GetSessionId: Option<unsafe extern "C" fn(Engine, *mut AuthorizationSessionId) -> OSStatus>,
    /// Version ≥ 1: read a hint the client set.
    pub GetImmutableHintValue: Option<
        unsafe extern "C" fn(
            Engine,
            AuthorizationString,
            *mut *const AuthorizationValue,
        ) -> OSStatus,
    >,
    /// Version ≥ 2: the LocalAuthentication context (`CFTypeRef *`).
    pub GetLAContext: Option<unsafe extern "C" fn(Engine, *mut *const c_void) -> OSStatus>,
    /// Version ≥ 2: token identities (`CFTypeRef`, `CFArrayRef *`).
    pub GetTokenIdentities:
        Option<unsafe extern "C" fn(Engine, *const c_void, *mut *const c_void) -> OSStatus>,
    /// Version ≥ 3: the TKTokenWatcher (`TKTokenWatcher **`).
    pub GetTKTokenWatcher: Option<unsafe extern "C" fn(Engine, *mut *mut c_void) -> OSStatus>,
    /// Version ≥ 4: remove a hint.
    pub RemoveHintValue: Option<unsafe extern "C" fn(Engine, AuthorizationString) -> OSStatus>,
    /// Version ≥ 4: remove a context value.
    pub RemoveContextValue: Option<unsafe extern "C" fn(Engine, AuthorizationString) -> OSStatus>,
}

/// `AuthorizationPluginInterface`, in header order.
#[repr(C)]
#[derive(Debug)]
pub struct AuthorizationPluginInterface {
    /// [`PLUGIN_INTERFACE_VERSION`].
    pub version: u32,
    /// Free the plugin.
    pub PluginDestroy: unsafe extern "C" fn(AuthorizationPluginRef) -> OSStatus,
    /// Make a mechanism named by the part after `:` in the right.
    pub MechanismCreate: unsafe extern "C" fn(
        AuthorizationPluginRef,
        AuthorizationEngineRef,
        AuthorizationMechanismId,
        *mut AuthorizationMechanismRef,
    ) -> OSStatus,
    /// Run it; `SetResult` during or after.
    pub MechanismInvoke: unsafe extern "C" fn(AuthorizationMechanismRef) -> OSStatus,
    /// Stop it; answered with `DidDeactivate`.
    pub MechanismDeactivate: unsafe extern "C" fn(AuthorizationMechanismRef) -> OSStatus,
    /// Free it.
    pub MechanismDestroy: unsafe extern "C" fn(AuthorizationMechanismRef) -> OSStatus,
}

/// The layouts above match Apple's, as objc2-security generates them from
/// the SDK headers: checked when building for macOS.
#[cfg(target_os = "macos")]
const _: () = {
    use std::mem::{align_of, offset_of, size_of};

    use objc2_security as apple;
    assert!(size_of::<AuthorizationValue>() == size_of::<apple::AuthorizationValue>());
    assert!(size_of::<AuthorizationValueVector>() == size_of::<apple::AuthorizationValueVector>());
    assert!(size_of::<AuthorizationCallbacks>() == size_of::<apple::AuthorizationCallbacks>());
    assert!(align_of::<AuthorizationCallbacks>() == align_of::<apple::AuthorizationCallbacks>());
    assert!(
        offset_of!(AuthorizationCallbacks, RemoveContextValue)
            == offset_of!(apple::AuthorizationCallbacks, RemoveContextValue)
    );
    assert!(
        size_of::<AuthorizationPluginInterface>()
            == size_of::<apple::AuthorizationPluginInterface>()
    );
    assert!(apple::kAuthorizationCallbacksVersion == CALLBACKS_VERSION);
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The table SecurityAgent passes is 16 words: the version word padded
    /// to a pointer, then 15 function pointers (on 64-bit).
    #[test]
    fn the_callbacks_table_has_the_current_headers_sixteen_slots() {
        let word = std::mem::size_of::<usize>();
        assert_eq!(std::mem::size_of::<AuthorizationCallbacks>(), 16 * word);
        assert_eq!(std::mem::size_of::<AuthorizationValue>(), 2 * word);
        assert_eq!(
            std::mem::offset_of!(AuthorizationCallbacks, SetResult),
            word
        );
    }
}
