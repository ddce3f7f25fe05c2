//! The macOS status item: the menu model ([`sesame_core::recheck::Menu`])
//! rendered into an `NSStatusItem` with AppKit. Only rendering lives here;
//! what each item means is decided in the pure model, so this file has no
//! logic to test on Linux (it is type-checked for both Apple targets).

use objc2::MainThreadOnly;
use objc2::rc::Retained;
use objc2_app_kit::{NSMenu, NSMenuItem, NSStatusBar, NSStatusItem, NSVariableStatusItemLength};
use objc2_foundation::{MainThreadMarker, NSString};
use sesame_core::recheck::{Menu, MenuAction, SyncState};

/// Sesame's item in the menu bar.
#[derive(Debug)]
pub struct StatusItem {
    item: Retained<NSStatusItem>,
    actions: Vec<Option<MenuAction>>,
}

/// The menu-bar title for a state: a key, with a mark when the user must act.
pub fn title(state: SyncState) -> &'static str {
    if state.needs_the_user() {
        "🔑!"
    } else {
        "🔑"
    }
}

impl StatusItem {
    /// Adds the item to the system status bar (main thread only).
    pub fn new(mtm: MainThreadMarker) -> Self {
        let bar = NSStatusBar::systemStatusBar();
        let item = bar.statusItemWithLength(NSVariableStatusItemLength);
        let _ = mtm;
        Self {
            item,
            actions: Vec::new(),
        }
    }

    /// Shows `menu`: the title, then one `NSMenuItem` per model item (tag =
    /// its index, so a chosen item maps back with [`StatusItem::action`]).
    pub fn show(&mut self, mtm: MainThreadMarker, menu: &Menu) {
        if let Some(button) = self.item.button(mtm) {
            button.setTitle(&NSString::from_str(title(menu.state)));
        }
        let ns_menu = NSMenu::new(mtm);
        ns_menu.setAutoenablesItems(false);
        self.actions.clear();
        for (i, model) in menu.items.iter().enumerate() {
            if i == 1 || model.action == Some(MenuAction::CheckNow) {
                ns_menu.addItem(&NSMenuItem::separatorItem(mtm));
            }
            let title = NSString::from_str(&model.label);
            let key = NSString::from_str("");
            // SAFETY: no selector is passed (None), so there is nothing to
            // be valid; the item is configured before it is shown.
            let ns_item = unsafe {
                NSMenuItem::initWithTitle_action_keyEquivalent(
                    NSMenuItem::alloc(mtm),
                    &title,
                    None,
                    &key,
                )
            };
            ns_item.setEnabled(model.enabled);
            ns_item.setTag(i as isize);
            ns_menu.addItem(&ns_item);
            self.actions.push(model.action.clone());
        }
        self.item.setMenu(Some(&ns_menu));
    }

    /// What the item with `tag` does.
    pub fn action(&self, tag: isize) -> Option<&MenuAction> {
        usize::try_from(tag)
            .ok()
            .and_then(|i| self.actions.get(i))
            .and_then(Option::as_ref)
    }
}
