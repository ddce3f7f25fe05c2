//! What choosing a menu item does, as plain data: the macOS status item
//! performs the [`Effect`] (AppKit), everything else is decided here and
//! tested on Linux.

use std::path::PathBuf;

use sesame_core::recheck::MenuAction;
use url::Url;

/// What the status item must do for a chosen item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell this daemon "Check now" (the item lives in the daemon's process:
    /// the same path as `kill -USR1`).
    CheckNow,
    /// Open a web page in the user's browser (the profile's change / reset
    /// password and help pages).
    OpenPage(Url),
    /// Show the sync log (Console on a Mac).
    ShowLog(PathBuf),
    /// Ask for the new (or first) password: `sesame-menubar sync` in a
    /// terminal window, where the password is typed without echo.
    Sync,
}

/// Why an item does nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The profile's URL is not a web page Sesame opens.
    #[error(
        "the profile's link {0:?} is not an https:// page; ask your administrator to fix ChangePasswordURL / ResetPasswordURL / HelpURL"
    )]
    NotAWebPage(String),
    /// `LogPath` is not an absolute path.
    #[error("the sync log {0:?} is not an absolute path; ask your administrator to fix LogPath")]
    NotALogFile(String),
}

/// The effect of `action`. Links from the profile open only as `https://`
/// pages (never `file:`, `javascript:` or a custom scheme that launches an
/// app); `http://` only for a loopback host (a test tenant).
pub fn effect(action: &MenuAction) -> Result<Effect, Refused> {
    match action {
        MenuAction::CheckNow => Ok(Effect::CheckNow),
        MenuAction::Sync => Ok(Effect::Sync),
        MenuAction::Open(link) => {
            let url = Url::parse(link).map_err(|_| Refused::NotAWebPage(link.clone()))?;
            let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            match url.scheme() {
                "https" if url.host().is_some() => Ok(Effect::OpenPage(url)),
                "http" if loopback => Ok(Effect::OpenPage(url)),
                _ => Err(Refused::NotAWebPage(link.clone())),
            }
        }
        MenuAction::ViewLog(path) => {
            let p = PathBuf::from(path);
            if p.is_absolute() {
                Ok(Effect::ShowLog(p))
            } else {
                Err(Refused::NotALogFile(path.clone()))
            }
        }
    }
}

/// The shell line a terminal runs for "Type New Password…": this program
/// with the daemon's arguments and `sync`, each word single-quoted for the
/// shell, the whole escaped for an AppleScript string (`do script "…"`).
pub fn sync_script(exe: &std::path::Path, args: &[std::ffi::OsString]) -> String {
    let quote = |w: &str| format!("'{}'", w.replace('\'', r"'\''"));
    let mut words = vec![quote(&exe.to_string_lossy())];
    words.extend(args.iter().map(|a| quote(&a.to_string_lossy())));
    words.push("sync".into());
    let line = words.join(" ");
    format!(
        "tell application \"Terminal\" to do script \"{}\"",
        line.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_window_runs_exactly_this_program_with_its_arguments() {
        let script = sync_script(
            std::path::Path::new("/usr/local/libexec/sesame/sesame-menubar"),
            &["--profile".into(), "/tmp/it's \"odd\".plist".into()],
        );
        assert_eq!(
            script,
            r#"tell application "Terminal" to do script "'/usr/local/libexec/sesame/sesame-menubar' '--profile' '/tmp/it'\\''s \"odd\".plist' sync""#
        );
    }

    #[test]
    fn each_menu_item_does_what_its_label_says_and_refuses_odd_links() {
        let open = |s: &str| effect(&MenuAction::Open(s.into()));
        let page = |s: &str| {
            Ok(Effect::OpenPage(
                Url::parse(s).unwrap_or_else(|e| panic!("{e}")),
            ))
        };
        let table = [
            (
                effect(&MenuAction::CheckNow),
                Ok(Effect::CheckNow),
                "Check Now",
            ),
            (
                effect(&MenuAction::Sync),
                Ok(Effect::Sync),
                "Sign In… / Type New Password…",
            ),
            (
                open("https://account.activedirectory.windowsazure.com/ChangePassword.aspx"),
                page("https://account.activedirectory.windowsazure.com/ChangePassword.aspx"),
                "Change Password… opens the page",
            ),
            (
                open("https://passwordreset.microsoftonline.com/"),
                page("https://passwordreset.microsoftonline.com/"),
                "Reset Password…",
            ),
            (
                open("http://127.0.0.1:8443/help"),
                page("http://127.0.0.1:8443/help"),
                "a test tenant on loopback",
            ),
            (
                open("http://helpdesk.example/"),
                Err(Refused::NotAWebPage("http://helpdesk.example/".into())),
                "plain http elsewhere",
            ),
            (
                open("file:///etc/passwd"),
                Err(Refused::NotAWebPage("file:///etc/passwd".into())),
                "a file",
            ),
            (
                open("javascript:alert(1)"),
                Err(Refused::NotAWebPage("javascript:alert(1)".into())),
                "script",
            ),
            (
                open("x-apple.systempreferences:"),
                Err(Refused::NotAWebPage("x-apple.systempreferences:".into())),
                "an app scheme",
            ),
            (
                open("not a url"),
                Err(Refused::NotAWebPage("not a url".into())),
                "garbage",
            ),
            (
                effect(&MenuAction::ViewLog("/var/log/sesame/sync.log".into())),
                Ok(Effect::ShowLog("/var/log/sesame/sync.log".into())),
                "View Log",
            ),
            (
                effect(&MenuAction::ViewLog("sync.log".into())),
                Err(Refused::NotALogFile("sync.log".into())),
                "a relative log path",
            ),
        ];
        for (got, want, why) in table {
            assert_eq!(got, want, "{why}");
        }
    }
}
