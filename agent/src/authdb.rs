//! The edit of the `system.login.console` authorization right that puts
//! Sesame at the login window, and its undo — pure functions over the right's
//! plist (`security authorizationdb read system.login.console`), so every
//! case is tested on Linux against the stock rights of recent macOS releases
//! and rights already edited by Jamf Connect or XCreds.
//!
//! Where Sesame goes (the mechanisms run top to bottom):
//! - [`UI`] replaces `loginwindow:login`: Sesame's window is the login window.
//! - [`PROVISION`] right after `builtin:login-begin`: the account must exist
//!   (with the verified password) before `builtin:authenticate` checks it.
//! - [`KEYCHAIN`] right after `loginwindow:done`: the home folder exists by
//!   then (`HomeDirMechanism:login`), so the login keychain can be made.
//!
//! Everything else in the right is kept as it was, other plugins included
//! (FileVault escrow tools and the like), except another product that owns
//! the login window (Jamf Connect, XCreds, NoMAD Login): two login windows
//! cannot both run, so [`install`] refuses and names it, unless the admin
//! asks to replace it ([`Replace::Other`]).

use plist::{Dictionary, Value};

/// The right Sesame edits.
pub const RIGHT: &str = "system.login.console";
/// The plugin bundle's name (`/Library/Security/SecurityAgentPlugins/Sesame.bundle`).
pub const PLUGIN: &str = "Sesame";
/// The UI mechanism (unprivileged, in SecurityAgent): the sign-in window.
pub const UI: &str = "Sesame:login";
/// The provisioning mechanism (root): the local account from the plan.
pub const PROVISION: &str = "Sesame:provision,privileged";
/// The keychain mechanism (root): the login keychain created or re-keyed.
pub const KEYCHAIN: &str = "Sesame:keychain,privileged";
/// Apple's login window mechanism, which [`UI`] replaces.
pub const STOCK_LOGIN: &str = "loginwindow:login";
/// The mechanism [`PROVISION`] follows.
pub const LOGIN_BEGIN: &str = "builtin:login-begin";
/// The mechanism [`KEYCHAIN`] follows.
pub const LOGIN_DONE: &str = "loginwindow:done";

/// Plugins that ship with macOS: never touched, never "another product".
const APPLE_PLUGINS: [&str; 8] = [
    "builtin",
    "loginwindow",
    "PKINITMechanism",
    "HomeDirMechanism",
    "MCXMechanism",
    "CryptoTokenKit",
    "PSSOAuthPlugin",
    "KerberosAgent",
];

/// Products known to replace the login window, by plugin name.
const KNOWN_PRODUCTS: [(&str, &str); 4] = [
    ("JamfConnectLogin", "Jamf Connect"),
    ("XCredsLoginPlugin", "XCreds"),
    ("NoMADLoginAD", "NoMAD Login"),
    ("NoMADLoginOkta", "NoMAD Login Okta"),
];

/// Why the right cannot be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthdbError {
    /// Not a plist dictionary with a `mechanisms` array of strings.
    #[error(
        "the right is not a login right: {0}; read it with `security authorizationdb read system.login.console`"
    )]
    NotALoginRight(String),
    /// Another product owns the login window.
    #[error(
        "{product} owns the login window (its mechanisms: {}); Sesame will not run beside it. Uninstall {product}, or pass --replace-other to take its place (its mechanisms are removed and `loginwindow:login` comes back before Sesame's)",
        mechanisms.join(", ")
    )]
    OtherLoginWindow {
        /// The product's name (or its plugin's name when unknown).
        product: String,
        /// Its mechanisms in the right.
        mechanisms: Vec<String>,
    },
}

/// What to do about another product that owns the login window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Refuse, naming it.
    Refuse,
    /// Remove its mechanisms and install Sesame in its place.
    Other,
}

/// The plugin part of `Plugin:mechanism[,privileged]`.
pub fn plugin_of(entry: &str) -> &str {
    entry.split(':').next().unwrap_or(entry)
}

/// The mechanisms of a right.
pub fn mechanisms(right: &Value) -> Result<Vec<String>, AuthdbError> {
    let dict = right
        .as_dictionary()
        .ok_or_else(|| AuthdbError::NotALoginRight("it is not a dictionary".into()))?;
    let array = dict
        .get("mechanisms")
        .and_then(Value::as_array)
        .ok_or_else(|| AuthdbError::NotALoginRight("it has no `mechanisms` array".into()))?;
    array
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_string().map(str::to_owned).ok_or_else(|| {
                AuthdbError::NotALoginRight(format!("mechanisms item {i} is not a string"))
            })
        })
        .collect()
}

/// `right` with its `mechanisms` replaced; every other key kept.
pub fn with_mechanisms(right: &Value, mechs: &[String]) -> Result<Value, AuthdbError> {
    let mut dict: Dictionary = right
        .as_dictionary()
        .cloned()
        .ok_or_else(|| AuthdbError::NotALoginRight("it is not a dictionary".into()))?;
    dict.insert(
        "mechanisms".into(),
        Value::Array(mechs.iter().cloned().map(Value::String).collect()),
    );
    Ok(Value::Dictionary(dict))
}

fn is_sesame(entry: &str) -> bool {
    plugin_of(entry) == PLUGIN
}

/// The third-party plugin sitting where `loginwindow:login` belongs, when
/// `loginwindow:login` is gone (another login window), with all its entries.
fn other_login_window(mechs: &[String]) -> Option<(String, Vec<String>)> {
    if mechs.iter().any(|m| m == STOCK_LOGIN || m == UI) {
        return None;
    }
    let begin = mechs.iter().position(|m| m == LOGIN_BEGIN)?;
    // The login window is an unprivileged mechanism before login-begin.
    let plugin = mechs[..begin]
        .iter()
        .filter(|m| !m.ends_with(",privileged"))
        .map(|m| plugin_of(m))
        .find(|p| !APPLE_PLUGINS.contains(p) && *p != PLUGIN)?;
    let entries = mechs
        .iter()
        .filter(|m| plugin_of(m) == plugin)
        .cloned()
        .collect();
    let product = KNOWN_PRODUCTS
        .iter()
        .find(|(p, _)| *p == plugin)
        .map_or(plugin, |(_, name)| name);
    Some((product.to_owned(), entries))
}

/// The mechanisms with Sesame installed. Idempotent: installing twice gives
/// the same list.
pub fn install(mechs: &[String], replace: Replace) -> Result<Vec<String>, AuthdbError> {
    let mut out = uninstall(mechs);
    if let Some((product, entries)) = other_login_window(&out) {
        if replace == Replace::Refuse {
            return Err(AuthdbError::OtherLoginWindow {
                product,
                mechanisms: entries,
            });
        }
        // Its login window comes back as Apple's, where its first
        // unprivileged entry before login-begin was.
        let plugin = plugin_of(&entries[0]).to_owned();
        let begin = out.iter().position(|m| m == LOGIN_BEGIN).unwrap_or(0);
        let at = out[..begin]
            .iter()
            .position(|m| plugin_of(m) == plugin && !m.ends_with(",privileged"))
            .unwrap_or(begin);
        out.insert(at, STOCK_LOGIN.to_owned());
        out.retain(|m| plugin_of(m) != plugin);
    }
    let login = out
        .iter()
        .position(|m| m == STOCK_LOGIN)
        .ok_or_else(|| AuthdbError::NotALoginRight(format!("it has no `{STOCK_LOGIN}`")))?;
    out[login] = UI.to_owned();
    let begin = out
        .iter()
        .position(|m| m == LOGIN_BEGIN)
        .ok_or_else(|| AuthdbError::NotALoginRight(format!("it has no `{LOGIN_BEGIN}`")))?;
    out.insert(begin + 1, PROVISION.to_owned());
    match out.iter().position(|m| m == LOGIN_DONE) {
        Some(done) => out.insert(done + 1, KEYCHAIN.to_owned()),
        None => out.push(KEYCHAIN.to_owned()),
    }
    Ok(out)
}

/// The mechanisms without Sesame: its UI back to `loginwindow:login`, its
/// privileged mechanisms removed. For a right [`install`] made, this is the
/// original list exactly.
pub fn uninstall(mechs: &[String]) -> Vec<String> {
    mechs
        .iter()
        .filter_map(|m| {
            if m == UI {
                Some(STOCK_LOGIN.to_owned())
            } else if is_sesame(m) {
                None
            } else {
                Some(m.clone())
            }
        })
        .collect()
}

/// Where the right stands, for `sesame-agent authdb status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// Sesame's mechanisms are all there, in their places.
    pub installed: bool,
    /// What differs from the right Sesame expects (empty when installed).
    pub differences: Vec<String>,
    /// Another product that owns the login window, if any.
    pub other_login_window: Option<String>,
}

/// Compares the right with what [`install`] would make of it.
pub fn status(mechs: &[String]) -> Status {
    let other = other_login_window(&uninstall(mechs)).map(|(p, _)| p);
    let expected = install(mechs, Replace::Refuse).ok();
    let mut differences = Vec::new();
    for m in [UI, PROVISION, KEYCHAIN] {
        match (
            mechs.iter().position(|x| x == m),
            expected
                .as_ref()
                .and_then(|e| e.iter().position(|x| x == m)),
        ) {
            (None, _) => differences.push(format!("`{m}` is missing")),
            (Some(at), Some(want)) if at != want => differences.push(format!(
                "`{m}` is at position {at}, expected {want} ({})",
                placement(m)
            )),
            _ => {}
        }
    }
    // `expected` is built from where the window is now, so it cannot see a
    // window moved after the login began: check the order itself.
    let at = |name: &str| mechs.iter().position(|x| x == name);
    if let (Some(window), Some(begin)) = (at(UI), at(LOGIN_BEGIN))
        && window > begin
    {
        differences.push(format!(
            "`{UI}` runs after `{LOGIN_BEGIN}`: the sign-in window must come before the login begins (run `sesame-agent authdb install` again)"
        ));
    }
    if mechs.iter().any(|m| m == STOCK_LOGIN) {
        differences.push(format!(
            "`{STOCK_LOGIN}` is present: Apple's login window runs, not Sesame's"
        ));
    }
    for m in mechs.iter().filter(|m| is_sesame(m)) {
        if ![UI, PROVISION, KEYCHAIN].contains(&m.as_str()) {
            differences.push(format!("`{m}` is not one of Sesame's mechanisms"));
        }
    }
    if let Some(p) = &other {
        differences.push(format!("{p} owns the login window"));
    }
    Status {
        installed: differences.is_empty(),
        differences,
        other_login_window: other,
    }
}

fn placement(m: &str) -> &'static str {
    match m {
        UI => "in place of loginwindow:login",
        PROVISION => "right after builtin:login-begin",
        _ => "right after loginwindow:done",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_right_without_login_begin_is_refused_by_name() {
        let e = install(
            &v(&["loginwindow:login", "loginwindow:done"]),
            Replace::Refuse,
        );
        assert!(
            matches!(e, Err(AuthdbError::NotALoginRight(ref w)) if w.contains("builtin:login-begin"))
        );
    }

    #[test]
    fn an_unknown_login_window_is_named_by_its_plugin() {
        let mechs = v(&[
            "builtin:prelogin",
            "Acme:ui",
            "builtin:login-begin",
            "loginwindow:done",
        ]);
        match install(&mechs, Replace::Refuse) {
            Err(AuthdbError::OtherLoginWindow {
                product,
                mechanisms,
            }) => {
                assert_eq!(product, "Acme");
                assert_eq!(mechanisms, v(&["Acme:ui"]));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
