//! Who may read Sesame's saved password on a Mac without a prompt: the
//! keychain item's access list trusts exactly Sesame's login agent and its
//! menu-bar daemon, at their installed paths. Any other program asking for
//! the item makes macOS ask the user first.
//!
//! Portable so the list is tested everywhere; the keychain code that turns
//! it into a `SecAccess` is macOS-only.

use std::path::Path;

use super::SecretError;

/// The login agent: the executable of Sesame's authorization plugin bundle.
pub const AGENT_BINARY: &str =
    "/Library/Security/SecurityAgentPlugins/Sesame.bundle/Contents/MacOS/Sesame";

/// The menu-bar daemon that re-checks the saved password.
pub const MENUBAR_BINARY: &str = "/Applications/Sesame.app/Contents/MacOS/sesame-menubar";

/// Every binary the item's access list may trust, in this order.
pub const TRUSTED_BINARIES: [&str; 2] = [AGENT_BINARY, MENUBAR_BINARY];

/// The name macOS shows for the access list in its keychain prompts.
pub const ACCESS_DESCRIPTION: &str = "Sesame sign-in password";

/// The binaries to trust for `user`'s item: those of [`TRUSTED_BINARIES`]
/// that `installed` says exist. A binary that is not installed cannot be
/// trusted (macOS records its code signature), so it is left out; if none is
/// installed the item is not written, since nothing could read it back.
pub fn trusted_binaries(
    user: &str,
    installed: impl Fn(&Path) -> bool,
) -> Result<Vec<&'static Path>, SecretError> {
    let found: Vec<&'static Path> = TRUSTED_BINARIES
        .iter()
        .map(Path::new)
        .filter(|p| installed(p))
        .collect();
    if found.is_empty() {
        return Err(SecretError::Store {
            user: user.to_owned(),
            detail: format!(
                "neither of Sesame's binaries is installed ({}), so no program could read the saved password; reinstall the Sesame package",
                TRUSTED_BINARIES.join(", ")
            ),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookalike_installed_elsewhere_is_never_trusted() {
        // Copies of Sesame in the user's own Applications folder or /tmp
        // (any user can put them there) are installed, but are not Sesame.
        let elsewhere = |p: &Path| {
            let text = p.to_string_lossy();
            !text.starts_with("/Library/") && !text.starts_with("/Applications/")
        };
        let got = trusted_binaries("ada", elsewhere);
        assert!(got.is_err(), "trusted: {got:?}");
        // Only the agent installed: only the agent trusted, by its absolute path.
        let got = trusted_binaries("ada", |p| p == Path::new(AGENT_BINARY)).unwrap_or_default();
        assert_eq!(got, [Path::new(AGENT_BINARY)]);
        assert!(got.iter().all(|p| p.is_absolute()));
    }

    #[test]
    fn both_installed_are_both_trusted() {
        let got = trusted_binaries("ada", |_| true).unwrap_or_default();
        assert_eq!(got, [Path::new(AGENT_BINARY), Path::new(MENUBAR_BINARY)]);
    }

    #[test]
    fn a_missing_binary_is_left_out() {
        let got = trusted_binaries("ada", |p| p == Path::new(MENUBAR_BINARY)).unwrap_or_default();
        assert_eq!(got, [Path::new(MENUBAR_BINARY)]);
    }

    #[test]
    fn nothing_installed_refuses_and_says_what_to_do() {
        let Err(err) = trusted_binaries("ada", |_| false) else {
            panic!("an item nobody can read was allowed");
        };
        let text = err.to_string();
        assert!(
            text.contains("'ada'")
                && text.contains(AGENT_BINARY)
                && text.contains(MENUBAR_BINARY)
                && text.contains("reinstall"),
            "{text}"
        );
    }
}
