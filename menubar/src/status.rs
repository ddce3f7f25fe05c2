//! `status`: what the menu shows, from the saved record alone (no request).

use serde::Serialize;
use sesame_core::recheck::{
    ExpiryWarning, Menu, MenuLinks, Record, SyncState, expiry_warning, menu, state_time,
};
use time::OffsetDateTime;

use crate::{Account, Context, MenubarError, check::load_or_new};

/// The user's state, times, expiry and menu (`status --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The state (`in_sync`, `cloud_password_changed`, ...).
    pub state: SyncState,
    /// The identity's UPN.
    pub user: String,
    /// The local account.
    pub short_name: String,
    /// Since when (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The last request to Entra.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_check: Option<String>,
    /// The last time Entra accepted the stored password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_verified: Option<String>,
    /// The next automatic check, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_check: Option<String>,
    /// Nothing is sent before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_until: Option<String>,
    /// The AADSTS code behind the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the cloud password expires, when known (Entra's `pwd_exp`, else
    /// Graph's last password change plus the domain's validity period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_expires: Option<String>,
    /// The expiry warning, when the password expires soon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<ExpiryWarning>,
    /// Why quiet mode cannot work, when it is on and cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiet_mode_warning: Option<&'static str>,
    /// The menu.
    pub menu: Menu,
}

impl Status {
    /// The text `status` prints.
    pub fn lines(&self) -> String {
        let mut out = format!("{} ({})\n", self.menu.headline, self.state);
        for item in self.menu.items.iter().skip(1) {
            if item.action.is_none() {
                out.push_str(&format!("  {}\n", item.label));
            }
        }
        out
    }
}

/// The menu links from the profile.
pub fn links(ctx: &Context<'_>) -> MenuLinks {
    MenuLinks {
        change_password: ctx.settings.change_password_url.to_string(),
        reset_password: ctx.settings.reset_password_url.to_string(),
        help: ctx.settings.help_url.as_ref().map(ToString::to_string),
        log_path: ctx.settings.log_path.display().to_string(),
    }
}

/// The status of `account` at `now`.
pub fn status(
    ctx: &Context<'_>,
    account: &Account,
    now: OffsetDateTime,
) -> Result<Status, MenubarError> {
    let record: Record = load_or_new(ctx, account, now)?;
    let expires = record.expires();
    let expiry = expiry_warning(expires, now, ctx.settings.password_expiry_warning_days);
    let quiet = crate::quiet::warning(ctx, account);
    let m = menu(&record, &links(ctx), expiry.as_ref(), quiet, now);
    Ok(Status {
        state: record.state,
        user: account.binding.upn.clone(),
        short_name: account.short_name.clone(),
        since: record.since.map(state_time),
        last_check: record.last_check.map(state_time),
        last_verified: record.last_verified.map(state_time),
        next_check: record.next_due.map(state_time),
        hold_until: record.hold_until.filter(|h| *h > now).map(state_time),
        code: record.code,
        detail: record.detail.clone(),
        password_expires: expires.map(state_time),
        expiry,
        quiet_mode_warning: quiet,
        menu: m,
    })
}
