//! What a mechanism may ask of the authorization engine, as a safe trait
//! ([`Engine`]), and its implementation over the C callbacks table
//! ([`Callbacks`]). The mechanisms ([`crate::mechanism`]) see only the trait.

use std::ffi::CString;

use zeroize::Zeroizing;

use crate::abi::{self, AuthorizationCallbacks, AuthorizationEngineRef, AuthorizationValue};

/// How a mechanism ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go on to the next mechanism.
    Allow,
    /// Stop the login; the sticky error message says why.
    Deny,
    /// The person cancelled.
    UserCanceled,
}

impl Verdict {
    /// The `AuthorizationResult`.
    pub fn to_abi(self) -> abi::AuthorizationResult {
        match self {
            Self::Allow => abi::RESULT_ALLOW,
            Self::Deny => abi::RESULT_DENY,
            Self::UserCanceled => abi::RESULT_USER_CANCELED,
        }
    }
}

/// A context value's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Readable by the client (`username`, `password` for builtin:authenticate).
    Extractable,
    /// For mechanisms only, never put in the credential.
    MechanismsOnly,
    /// Survives the failed evaluation: the message for the next screen.
    Sticky,
}

impl Visibility {
    fn flags(self) -> abi::AuthorizationContextFlags {
        match self {
            Self::Extractable => abi::CONTEXT_EXTRACTABLE,
            Self::MechanismsOnly => abi::CONTEXT_VOLATILE,
            Self::Sticky => abi::CONTEXT_STICKY,
        }
    }
}

/// An engine call failed (its `OSStatus`), or the engine lacks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine returned an error.
    #[error("the authorization engine refused {call} (OSStatus {status})")]
    Status {
        /// The callback.
        call: &'static str,
        /// Its status.
        status: abi::OSStatus,
    },
    /// The engine's callbacks table has no such entry.
    #[error("the authorization engine has no {0} callback")]
    Missing(&'static str),
    /// A key with a NUL byte.
    #[error("the key {0:?} cannot be passed to the engine")]
    BadKey(String),
}

/// The engine as a mechanism sees it.
pub trait Engine {
    /// A hint another mechanism set, if any.
    fn hint(&self, key: &str) -> Result<Option<Vec<u8>>, EngineError>;
    /// Sets a hint for the mechanisms that follow.
    fn set_hint(&mut self, key: &str, value: &[u8]) -> Result<(), EngineError>;
    /// A context value, if any; zeroized when dropped (passwords live here).
    fn context(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, EngineError>;
    /// Sets a context value.
    fn set_context(&mut self, key: &str, value: &[u8], vis: Visibility) -> Result<(), EngineError>;
    /// Removes a context value (engines older than callbacks version 4 have
    /// no remove: the value is overwritten with nothing instead).
    fn remove_context(&mut self, key: &str) -> Result<(), EngineError>;
}

/// The C callbacks of one engine, for one mechanism.
#[derive(Debug, Clone, Copy)]
pub struct Callbacks {
    table: *const AuthorizationCallbacks,
    engine: AuthorizationEngineRef,
}

fn key(k: &str) -> Result<CString, EngineError> {
    CString::new(k).map_err(|_| EngineError::BadKey(k.to_owned()))
}

fn status(call: &'static str, s: abi::OSStatus) -> Result<(), EngineError> {
    if s == abi::NO_ERR {
        Ok(())
    } else {
        Err(EngineError::Status { call, status: s })
    }
}

/// Copies the engine's value (it stays the engine's).
///
/// # Safety
/// `v` is NULL or points at a valid `AuthorizationValue` whose `data` holds
/// `length` readable bytes.
unsafe fn copy_value(v: *const AuthorizationValue) -> Option<Vec<u8>> {
    // SAFETY: the caller's contract.
    let v = unsafe { v.as_ref() }?;
    if v.length == 0 || v.data.is_null() {
        return Some(Vec::new());
    }
    // SAFETY: `data` holds `length` bytes (the caller's contract).
    Some(unsafe { std::slice::from_raw_parts(v.data.cast::<u8>(), v.length) }.to_vec())
}

/// Reads one slot of the table without making a reference to the whole
/// table: an older engine's table is shorter than [`AuthorizationCallbacks`].
/// Slots past the base set are read only after a version check.
macro_rules! slot {
    ($cb:expr, $field:ident) => {
        // SAFETY: `Callbacks::new`'s contract; the slot is in the table
        // (base slots always; newer ones after the caller's version check).
        unsafe { (&raw const (*$cb.table).$field).read() }
    };
}

impl Callbacks {
    /// The callbacks for `engine`.
    ///
    /// # Safety
    /// `table` points at the engine's callbacks table, valid (for its
    /// `version`) as long as this value is used; `engine` is its engine.
    pub unsafe fn new(
        table: *const AuthorizationCallbacks,
        engine: AuthorizationEngineRef,
    ) -> Self {
        Self { table, engine }
    }

    /// The engine's callbacks version.
    pub fn version(&self) -> u32 {
        // SAFETY: `new`'s contract; `version` exists in every table.
        unsafe { (&raw const (*self.table).version).read() }
    }

    /// Reports the mechanism's result.
    pub fn set_result(&self, verdict: Verdict) -> Result<(), EngineError> {
        let f = slot!(self, SetResult).ok_or(EngineError::Missing("SetResult"))?;
        // SAFETY: the engine's own callback with its own engine.
        status("SetResult", unsafe { f(self.engine, verdict.to_abi()) })
    }

    /// Acknowledges `MechanismDeactivate`.
    pub fn did_deactivate(&self) -> Result<(), EngineError> {
        let f = slot!(self, DidDeactivate).ok_or(EngineError::Missing("DidDeactivate"))?;
        // SAFETY: the engine's own callback with its own engine.
        status("DidDeactivate", unsafe { f(self.engine) })
    }

    /// `RemoveContextValue` when the engine's version has it.
    fn remove_context_fn(
        &self,
    ) -> Option<
        unsafe extern "C" fn(AuthorizationEngineRef, abi::AuthorizationString) -> abi::OSStatus,
    > {
        if self.version() >= abi::CALLBACKS_V4 {
            slot!(self, RemoveContextValue)
        } else {
            None
        }
    }
}

impl Engine for Callbacks {
    fn hint(&self, k: &str) -> Result<Option<Vec<u8>>, EngineError> {
        let f = slot!(self, GetHintValue).ok_or(EngineError::Missing("GetHintValue"))?;
        let k = key(k)?;
        let mut v: *const AuthorizationValue = std::ptr::null();
        // SAFETY: the engine's callback; `v` is ours to be filled.
        let s = unsafe { f(self.engine, k.as_ptr(), &mut v) };
        if s != abi::NO_ERR {
            // Absent hints are reported as an error status.
            return Ok(None);
        }
        // SAFETY: the engine filled `v` with its value.
        Ok(unsafe { copy_value(v) })
    }

    fn set_hint(&mut self, k: &str, value: &[u8]) -> Result<(), EngineError> {
        let f = slot!(self, SetHintValue).ok_or(EngineError::Missing("SetHintValue"))?;
        let k = key(k)?;
        let v = AuthorizationValue {
            length: value.len(),
            data: value.as_ptr().cast_mut().cast(),
        };
        // SAFETY: the engine copies the value during the call.
        status("SetHintValue", unsafe { f(self.engine, k.as_ptr(), &v) })
    }

    fn context(&self, k: &str) -> Result<Option<Zeroizing<Vec<u8>>>, EngineError> {
        let f = slot!(self, GetContextValue).ok_or(EngineError::Missing("GetContextValue"))?;
        let k = key(k)?;
        let mut flags: abi::AuthorizationContextFlags = 0;
        let mut v: *const AuthorizationValue = std::ptr::null();
        // SAFETY: the engine's callback; `flags` and `v` are ours.
        let s = unsafe { f(self.engine, k.as_ptr(), &mut flags, &mut v) };
        if s != abi::NO_ERR {
            return Ok(None);
        }
        // SAFETY: the engine filled `v` with its value.
        Ok(unsafe { copy_value(v) }.map(Zeroizing::new))
    }

    fn set_context(&mut self, k: &str, value: &[u8], vis: Visibility) -> Result<(), EngineError> {
        let f = slot!(self, SetContextValue).ok_or(EngineError::Missing("SetContextValue"))?;
        let k = key(k)?;
        let v = AuthorizationValue {
            length: value.len(),
            data: value.as_ptr().cast_mut().cast(),
        };
        // SAFETY: the engine copies the value during the call.
        status("SetContextValue", unsafe {
            f(self.engine, k.as_ptr(), vis.flags(), &v)
        })
    }

    fn remove_context(&mut self, k: &str) -> Result<(), EngineError> {
        match self.remove_context_fn() {
            Some(f) => {
                let k = key(k)?;
                // SAFETY: the engine's callback, present for this version.
                status("RemoveContextValue", unsafe { f(self.engine, k.as_ptr()) })
            }
            None => self.set_context(k, &[], Visibility::MechanismsOnly),
        }
    }
}
