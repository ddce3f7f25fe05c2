//! The macOS status item: the menu model ([`sesame_core::recheck::Menu`])
//! rendered into an `NSStatusItem` with AppKit, and the items made to act.
//! Only rendering and dispatch live here; what each item does is decided
//! in [`crate::menu_action`] (tested on Linux), so this file is
//! type-checked for both Apple targets and has no logic of its own.
//!
//! - The menu is rebuilt from the record each time it opens
//!   (`menuWillOpen:`), so it never shows a stale state and costs nothing
//!   while closed.
//! - A chosen item reaches [`MenuTarget`]'s `choose:` (target/action);
//!   "Check now" and wake from sleep (`NSWorkspaceDidWakeNotification`)
//!   go to the daemon loop as [`Wakeup`]s.

use std::cell::{OnceCell, RefCell};
use std::time::Duration;

use objc2::rc::Retained;
use objc2::runtime::{NSObject, NSObjectProtocol};
use objc2::{DefinedClass, MainThreadOnly, define_class, msg_send, sel};
use objc2_app_kit::{
    NSApplication, NSApplicationActivationPolicy, NSMenu, NSMenuDelegate, NSMenuItem, NSStatusBar,
    NSStatusItem, NSVariableStatusItemLength, NSWorkspace, NSWorkspaceDidWakeNotification,
};
use objc2_foundation::{MainThreadMarker, NSNotification, NSString, NSURL};
use sesame_core::recheck::{Menu, MenuAction, SyncState};

use crate::listen::Wakeup;
use crate::menu_action::{Effect, effect};

/// The menu-bar title for a state: a key, with a mark when the user must act.
pub fn title(state: SyncState) -> &'static str {
    if state.needs_the_user() {
        "🔑!"
    } else {
        "🔑"
    }
}

/// What the status item needs from the daemon.
pub struct Hooks {
    /// The menu now (re-reads the record).
    pub menu: Box<dyn Fn() -> Menu>,
    /// Tells the daemon loop.
    pub tell: Box<dyn Fn(Wakeup)>,
    /// Opens a terminal running `sesame-menubar sync` (the password is typed
    /// there without echo).
    pub sync: Box<dyn Fn()>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks").finish_non_exhaustive()
    }
}

/// The target object's state.
pub struct Ivars {
    hooks: Hooks,
    item: OnceCell<Retained<NSStatusItem>>,
    actions: RefCell<Vec<Option<MenuAction>>>,
}

impl std::fmt::Debug for Ivars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ivars")
            .field("actions", &self.actions)
            .finish_non_exhaustive()
    }
}

define_class!(
    // SAFETY: NSObject has no subclassing requirements; MenuTarget does
    // not implement Drop.
    #[unsafe(super(NSObject))]
    #[thread_kind = MainThreadOnly]
    #[name = "SesameMenuTarget"]
    #[ivars = Ivars]
    pub struct MenuTarget;

    impl MenuTarget {
        /// A menu item was chosen: its tag is its index in the model.
        #[unsafe(method(choose:))]
        fn choose(&self, sender: &NSMenuItem) {
            let action = usize::try_from(sender.tag())
                .ok()
                .and_then(|i| self.ivars().actions.borrow().get(i).cloned().flatten());
            if let Some(a) = action {
                self.perform(&a);
            }
        }

        /// The Mac woke from sleep.
        #[unsafe(method(didWake:))]
        fn did_wake(&self, _note: &NSNotification) {
            (self.ivars().hooks.tell)(Wakeup::Slept(Duration::ZERO));
        }
    }

    unsafe impl NSObjectProtocol for MenuTarget {}

    unsafe impl NSMenuDelegate for MenuTarget {
        #[unsafe(method(menuWillOpen:))]
        fn menu_will_open(&self, menu: &NSMenu) {
            self.fill(menu);
        }
    }
);

impl MenuTarget {
    fn new(mtm: MainThreadMarker, hooks: Hooks) -> Retained<Self> {
        let this = Self::alloc(mtm).set_ivars(Ivars {
            hooks,
            item: OnceCell::new(),
            actions: RefCell::new(Vec::new()),
        });
        // SAFETY: NSObject's designated initialiser, ivars set above.
        unsafe { msg_send![super(this), init] }
    }

    fn perform(&self, action: &MenuAction) {
        let done = match effect(action) {
            Ok(Effect::CheckNow) => {
                (self.ivars().hooks.tell)(Wakeup::CheckNow);
                true
            }
            Ok(Effect::Sync) => {
                (self.ivars().hooks.sync)();
                true
            }
            Ok(Effect::OpenPage(url)) => NSURL::URLWithString(&NSString::from_str(url.as_str()))
                .is_some_and(|u| NSWorkspace::sharedWorkspace().openURL(&u)),
            Ok(Effect::ShowLog(path)) => {
                let u = NSURL::fileURLWithPath(&NSString::from_str(&path.to_string_lossy()));
                NSWorkspace::sharedWorkspace().openURL(&u)
            }
            Err(refused) => {
                tracing::warn!("{refused}");
                false
            }
        };
        if !done {
            tracing::warn!(?action, "the menu item could not be performed");
        }
    }

    /// Replaces `ns_menu`'s items with the model's: the state line and
    /// information first, then the actions (tag = index in the model).
    fn fill(&self, ns_menu: &NSMenu) {
        let mtm = self.mtm();
        let menu = (self.ivars().hooks.menu)();
        if let Some(button) = self.ivars().item.get().and_then(|i| i.button(mtm)) {
            button.setTitle(&NSString::from_str(title(menu.state)));
        }
        ns_menu.removeAllItems();
        let mut actions = self.ivars().actions.borrow_mut();
        actions.clear();
        for (i, model) in menu.items.iter().enumerate() {
            if i == 1 || model.action == Some(MenuAction::CheckNow) {
                ns_menu.addItem(&NSMenuItem::separatorItem(mtm));
            }
            let key = NSString::from_str("");
            let selector = model.action.as_ref().map(|_| sel!(choose:));
            // SAFETY: `choose:` is implemented by the target set below and
            // takes the sender, as AppKit calls it.
            let ns_item = unsafe {
                NSMenuItem::initWithTitle_action_keyEquivalent(
                    NSMenuItem::alloc(mtm),
                    &NSString::from_str(&model.label),
                    selector,
                    &key,
                )
            };
            if model.action.is_some() {
                // SAFETY: the target lives as long as the application (it
                // is kept by `run_app`).
                unsafe { ns_item.setTarget(Some(self)) };
            }
            ns_item.setEnabled(model.enabled);
            ns_item.setTag(i as isize);
            ns_menu.addItem(&ns_item);
            actions.push(model.action.clone());
        }
    }
}

/// Shows Sesame's item in the menu bar and runs the application's event
/// loop on the main thread (never returns while the app runs).
pub fn run_app(mtm: MainThreadMarker, hooks: Hooks) {
    let app = NSApplication::sharedApplication(mtm);
    // A menu-bar item only: no Dock icon, no main window.
    app.setActivationPolicy(NSApplicationActivationPolicy::Accessory);
    let target = MenuTarget::new(mtm, hooks);
    let item = NSStatusBar::systemStatusBar().statusItemWithLength(NSVariableStatusItemLength);
    let ns_menu = NSMenu::new(mtm);
    ns_menu.setAutoenablesItems(false);
    ns_menu.setDelegate(Some(objc2::runtime::ProtocolObject::from_ref(&*target)));
    item.setMenu(Some(&ns_menu));
    let _ = target.ivars().item.set(item);
    target.fill(&ns_menu);
    let center = NSWorkspace::sharedWorkspace().notificationCenter();
    // SAFETY: `didWake:` takes the notification; the observer (target)
    // lives until the process ends.
    unsafe {
        center.addObserver_selector_name_object(
            &target,
            sel!(didWake:),
            Some(NSWorkspaceDidWakeNotification),
            None,
        );
    }
    app.run();
}
