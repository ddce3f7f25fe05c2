//! macOS network changes, without polling: the System Configuration
//! dynamic store calls back when the machine's primary IPv4/IPv6 service
//! or a link's state changes (what configd publishes when Wi-Fi joins or
//! drops, a cable is plugged in, a VPN comes up). The callback runs on the
//! main run loop, which AppKit already runs for the status item, and only
//! tells the daemon loop; the loop moves the next check with the same
//! debounced rule as on Linux ([`sesame_core::recheck::on_event`]).

use std::ffi::c_void;
use std::ptr::NonNull;

use objc2_core_foundation::{CFArray, CFRunLoop, CFString, kCFRunLoopDefaultMode};
use objc2_system_configuration::{SCDynamicStore, SCDynamicStoreContext};

use crate::listen::Wakeup;

/// The global state keys: the primary service and its addresses.
const KEYS: [&str; 2] = ["State:/Network/Global/IPv4", "State:/Network/Global/IPv6"];

/// Any interface's link going up or down (regex(3), as configd takes them).
const PATTERNS: [&str; 1] = ["State:/Network/Interface/[^/]+/Link"];

/// What the callback is handed: how to tell the daemon loop.
type Tell = Box<dyn Fn(Wakeup)>;

unsafe extern "C-unwind" fn changed(
    _store: NonNull<SCDynamicStore>,
    _keys: NonNull<CFArray>,
    info: *mut c_void,
) {
    // SAFETY: `info` is the `Tell` leaked by `watch`, alive for the whole
    // process, and only read here (on the main thread).
    let tell = unsafe { &*info.cast::<Tell>() };
    tell(Wakeup::NetworkChanged);
}

/// Starts watching; `false` (with a warning) when configd refused, in
/// which case `SIGHUP` remains the way to report a change.
pub fn watch(tell: Tell) -> bool {
    let info = Box::into_raw(Box::new(tell)).cast::<c_void>();
    let mut context = SCDynamicStoreContext {
        version: 0,
        info,
        retain: None,
        release: None,
        copyDescription: None,
    };
    let name = CFString::from_static_str("io.sesame.menubar");
    // SAFETY: `changed` has the callback's signature; the context is copied
    // by SCDynamicStoreCreate and its `info` outlives the store (leaked).
    let Some(store) = (unsafe { SCDynamicStore::new(None, &name, Some(changed), &mut context) })
    else {
        tracing::warn!("network changes will not be noticed: SCDynamicStoreCreate failed");
        return false;
    };
    let keys = CFArray::from_retained_objects(&KEYS.map(CFString::from_static_str));
    let patterns = CFArray::from_retained_objects(&PATTERNS.map(CFString::from_static_str));
    // SAFETY: both arrays hold CFStrings, as the call requires.
    let watching =
        unsafe { store.set_notification_keys(Some(keys.as_opaque()), Some(patterns.as_opaque())) };
    let source = SCDynamicStore::new_run_loop_source(None, &store, 0);
    let (Some(source), Some(main), true) = (source, CFRunLoop::main(), watching) else {
        tracing::warn!("network changes will not be noticed: the dynamic store cannot be watched");
        return false;
    };
    // SAFETY: reading an immutable framework constant.
    main.add_source(Some(&source), unsafe { kCFRunLoopDefaultMode });
    // The store and its source live as long as the process (the run loop
    // keeps the source; the store must not be released under it).
    std::mem::forget(store);
    std::mem::forget(source);
    true
}
