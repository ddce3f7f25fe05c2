//! The status menu as plain data: the macOS status item, `status --json`
//! and the Linux notifications all render this one model.

use serde::Serialize;
use time::OffsetDateTime;

use super::expiry::ExpiryWarning;
use super::state::{Record, SyncState};

/// The links the profile gives (`ChangePasswordURL`, `ResetPasswordURL`,
/// `HelpURL`) and the sync log's path (`LogPath`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLinks {
    /// `ChangePasswordURL`.
    pub change_password: String,
    /// `ResetPasswordURL`.
    pub reset_password: String,
    /// `HelpURL`, when set.
    pub help: Option<String>,
    /// `LogPath`.
    pub log_path: String,
}

/// What choosing an item does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "target", rename_all = "snake_case")]
pub enum MenuAction {
    /// Ask for the new (or first) password and sync it.
    Sync,
    /// Run one check now.
    CheckNow,
    /// Open a web page.
    Open(String),
    /// Show the sync log.
    ViewLog(String),
}

/// One menu item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MenuItem {
    /// The label.
    pub label: String,
    /// What it does; `None` for information lines.
    #[serde(flatten)]
    pub action: Option<MenuAction>,
    /// Greyed out when `false`.
    pub enabled: bool,
}

/// The whole menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Menu {
    /// The state, by name.
    pub state: SyncState,
    /// The state line.
    pub headline: String,
    /// Items, top to bottom.
    pub items: Vec<MenuItem>,
}

fn info(label: String) -> MenuItem {
    MenuItem {
        label,
        action: None,
        enabled: false,
    }
}

fn item(label: &str, action: MenuAction, enabled: bool) -> MenuItem {
    MenuItem {
        label: label.to_owned(),
        action: Some(action),
        enabled,
    }
}

/// A time as people read it in the menu (UTC, minutes).
fn when(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        None => "never".into(),
    }
}

/// The menu for `record` at `now`.
pub fn menu(
    record: &Record,
    links: &MenuLinks,
    expiry: Option<&ExpiryWarning>,
    quiet_warning: Option<&str>,
    now: OffsetDateTime,
) -> Menu {
    let state = record.state;
    let mut items = vec![info(state.headline().to_owned())];
    if let Some(d) = &record.detail {
        items.push(info(d.clone()));
    }
    items.push(info(format!("Last check: {}", when(record.last_check))));
    let next = match (record.next_due, record.held_at(now)) {
        (None, _) => "Next check: when you update your password".to_owned(),
        (Some(_), true) => format!("Next check: not before {}", when(record.hold_until)),
        (Some(t), false) => format!("Next check: {}", when(Some(t))),
    };
    items.push(info(next));
    if let Some(e) = expiry {
        items.push(info(e.line()));
    }
    if let Some(w) = quiet_warning {
        items.push(info(w.to_owned()));
    }
    match state {
        SyncState::CloudPasswordChanged => {
            items.push(item("Type New Password…", MenuAction::Sync, true));
        }
        SyncState::NeedsSignIn => items.push(item("Sign In…", MenuAction::Sync, true)),
        _ => {}
    }
    let can_check = state != SyncState::CloudPasswordChanged
        && state != SyncState::NeedsSignIn
        && !record.held_at(now);
    items.push(item("Check Now", MenuAction::CheckNow, can_check));
    items.push(item(
        "Change Password…",
        MenuAction::Open(links.change_password.clone()),
        true,
    ));
    items.push(item(
        "Reset Password…",
        MenuAction::Open(links.reset_password.clone()),
        true,
    ));
    if let Some(h) = &links.help {
        items.push(item("Get Help…", MenuAction::Open(h.clone()), true));
    }
    items.push(item(
        "View Log",
        MenuAction::ViewLog(links.log_path.clone()),
        true,
    ));
    Menu {
        state,
        headline: state.headline().to_owned(),
        items,
    }
}
