//! The exported entry point and the interface SecurityAgent calls. Each
//! function checks its pointers, catches panics, and keeps no state but the
//! plugin and mechanism boxes it hands out.

use std::ffi::CStr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::abi::{
    self, AuthorizationCallbacks, AuthorizationEngineRef, AuthorizationMechanismId,
    AuthorizationMechanismRef, AuthorizationPluginInterface, AuthorizationPluginRef, OSStatus,
};
use crate::engine::{Callbacks, Verdict};
use crate::mechanism::{self, Kind};

/// What `AuthorizationPluginCreate` hands out.
struct Plugin {
    callbacks: *const AuthorizationCallbacks,
}

/// One mechanism of one evaluation.
struct Mechanism {
    callbacks: Callbacks,
    kind: Kind,
}

/// The message after a panic: the person sees it on the next screen.
const PANIC_MESSAGE: &str = "Sesame stopped unexpectedly while signing you in. Try again; if it happens again, sign in with your local password or ask your helpdesk (the system log has the details).";

static INTERFACE: AuthorizationPluginInterface = AuthorizationPluginInterface {
    version: abi::PLUGIN_INTERFACE_VERSION,
    PluginDestroy: plugin_destroy,
    MechanismCreate: mechanism_create,
    MechanismInvoke: mechanism_invoke,
    MechanismDeactivate: mechanism_deactivate,
    MechanismDestroy: mechanism_destroy,
};

/// Runs `f`; a panic becomes `on_panic`.
fn guarded(on_panic: OSStatus, f: impl FnOnce() -> OSStatus) -> OSStatus {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// The plugin's entry point, called once by the plugin host.
///
/// # Safety
/// `callbacks` is the engine's callbacks table, valid until `PluginDestroy`;
/// `out_plugin` and `out_interface` are writable. NULLs are refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn AuthorizationPluginCreate(
    callbacks: *const AuthorizationCallbacks,
    out_plugin: *mut AuthorizationPluginRef,
    out_interface: *mut *const AuthorizationPluginInterface,
) -> OSStatus {
    guarded(abi::ERR_INTERNAL, || {
        if callbacks.is_null() || out_plugin.is_null() || out_interface.is_null() {
            return abi::ERR_INTERNAL;
        }
        let plugin = Box::into_raw(Box::new(Plugin { callbacks }));
        // SAFETY: both outs were checked non-NULL and are the caller's.
        unsafe {
            out_plugin.write(plugin.cast());
            out_interface.write(&INTERFACE);
        }
        abi::NO_ERR
    })
}

unsafe extern "C" fn plugin_destroy(plugin: AuthorizationPluginRef) -> OSStatus {
    guarded(abi::ERR_INTERNAL, || {
        if plugin.is_null() {
            return abi::ERR_INVALID_REF;
        }
        // SAFETY: made by AuthorizationPluginCreate, destroyed once.
        drop(unsafe { Box::from_raw(plugin.cast::<Plugin>()) });
        abi::NO_ERR
    })
}

unsafe extern "C" fn mechanism_create(
    plugin: AuthorizationPluginRef,
    engine: AuthorizationEngineRef,
    id: AuthorizationMechanismId,
    out: *mut AuthorizationMechanismRef,
) -> OSStatus {
    guarded(abi::ERR_INTERNAL, || {
        if plugin.is_null() || id.is_null() || out.is_null() {
            return abi::ERR_INTERNAL;
        }
        // SAFETY: the engine passes a NUL-terminated id.
        let id = unsafe { CStr::from_ptr(id) };
        let Some(kind) = id.to_str().ok().and_then(Kind::from_id) else {
            return abi::ERR_INVALID_REF;
        };
        // SAFETY: `plugin` is ours (AuthorizationPluginCreate).
        let table = unsafe { &*plugin.cast::<Plugin>() }.callbacks;
        // SAFETY: the engine's table, valid for the plugin's life.
        let callbacks = unsafe { Callbacks::new(table, engine) };
        let mech = Box::into_raw(Box::new(Mechanism { callbacks, kind }));
        // SAFETY: checked non-NULL.
        unsafe { out.write(mech.cast()) };
        abi::NO_ERR
    })
}

unsafe extern "C" fn mechanism_invoke(mech: AuthorizationMechanismRef) -> OSStatus {
    if mech.is_null() {
        return abi::ERR_INVALID_REF;
    }
    // SAFETY: made by mechanism_create, alive until mechanism_destroy.
    let m = unsafe { &*mech.cast::<Mechanism>() };
    let mut callbacks = m.callbacks;
    let kind = m.kind;
    let verdict = catch_unwind(AssertUnwindSafe(|| {
        let mut host = crate::host::for_this_machine();
        mechanism::invoke(kind, &mut callbacks, host.as_mut())
    }))
    .unwrap_or_else(|_| {
        // Setting the message may itself fail (or panic, in a broken
        // engine); the Deny is what matters.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            mechanism::deny(&mut callbacks, PANIC_MESSAGE)
        }));
        Verdict::Deny
    });
    guarded(abi::ERR_INTERNAL, || match callbacks.set_result(verdict) {
        Ok(()) => abi::NO_ERR,
        Err(_) => abi::ERR_INTERNAL,
    })
}

unsafe extern "C" fn mechanism_deactivate(mech: AuthorizationMechanismRef) -> OSStatus {
    guarded(abi::ERR_INTERNAL, || {
        if mech.is_null() {
            return abi::ERR_INVALID_REF;
        }
        // SAFETY: made by mechanism_create, alive until mechanism_destroy.
        let m = unsafe { &*mech.cast::<Mechanism>() };
        // Our mechanisms finish inside MechanismInvoke: nothing runs to stop.
        match m.callbacks.did_deactivate() {
            Ok(()) => abi::NO_ERR,
            Err(_) => abi::ERR_INTERNAL,
        }
    })
}

unsafe extern "C" fn mechanism_destroy(mech: AuthorizationMechanismRef) -> OSStatus {
    guarded(abi::ERR_INTERNAL, || {
        if mech.is_null() {
            return abi::ERR_INVALID_REF;
        }
        // SAFETY: made by mechanism_create, destroyed once.
        drop(unsafe { Box::from_raw(mech.cast::<Mechanism>()) });
        abi::NO_ERR
    })
}
