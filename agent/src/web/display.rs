//! Whether the sign-in can show a window. At a login window or in a desktop
//! session there is a display; over SSH or in CI there is none, and a browser
//! started "visible" there would fail or hang. The decision is made here,
//! from the environment passed in, before any browser starts.

use super::WebLoginError;

/// How the web view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowMode {
    /// A visible window when a display is available; otherwise
    /// [`WebLoginError::NoDisplay`] (never a silent headless run: nobody
    /// could type into it).
    #[default]
    Auto,
    /// Always a visible window (fails with `NoDisplay` without a display).
    Visible,
    /// No window (tests, where a scripted person types into the pages).
    Headless,
}

/// Decides headless (`true`) or visible (`false`) for `mode`, given the values
/// of `DISPLAY` and `WAYLAND_DISPLAY`.
pub fn headless(
    mode: WindowMode,
    display: Option<&str>,
    wayland_display: Option<&str>,
) -> Result<bool, WebLoginError> {
    let has_display = [display, wayland_display]
        .iter()
        .any(|v| v.is_some_and(|s| !s.trim().is_empty()));
    match mode {
        WindowMode::Headless => Ok(true),
        WindowMode::Auto | WindowMode::Visible if has_display => Ok(false),
        WindowMode::Auto | WindowMode::Visible => Err(WebLoginError::NoDisplay),
    }
}

/// [`headless`] with this process's environment.
pub fn headless_here(mode: WindowMode) -> Result<bool, WebLoginError> {
    let display = std::env::var("DISPLAY").ok();
    let wayland = std::env::var("WAYLAND_DISPLAY").ok();
    headless(mode, display.as_deref(), wayland.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_needs_a_display_headless_does_not() {
        use WindowMode::*;
        for (mode, display, wayland, want) in [
            (Auto, Some(":0"), None, Some(false)),
            (Auto, None, Some("wayland-0"), Some(false)),
            (Auto, None, None, None),
            (Auto, Some(""), Some("  "), None),
            (Visible, None, None, None),
            (Visible, Some(":1"), None, Some(false)),
            (Headless, None, None, Some(true)),
            (Headless, Some(":0"), None, Some(true)),
        ] {
            let got = headless(mode, display, wayland);
            match want {
                Some(h) => assert_eq!(got.ok(), Some(h), "{mode:?} {display:?} {wayland:?}"),
                None => assert!(
                    matches!(got, Err(WebLoginError::NoDisplay)),
                    "{mode:?} {display:?} {wayland:?}"
                ),
            }
        }
    }
}
