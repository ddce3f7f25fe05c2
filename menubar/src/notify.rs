//! Telling the user, once per new state: a desktop notification on Linux
//! where a session bus exists (`notify-send`, by absolute path), the status
//! item on a Mac, and always a line on stderr for the CLI.

use sesame_core::recheck::SyncState;

/// Tells the user about `state`.
pub fn tell(state: SyncState, message: &str) {
    eprintln!("sesame-menubar: {}: {message}", state.headline());
    #[cfg(target_os = "linux")]
    desktop(state, message);
}

#[cfg(target_os = "linux")]
fn desktop(state: SyncState, message: &str) {
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let tool = std::path::Path::new("/usr/bin/notify-send");
    if !has_bus || !tool.exists() {
        return;
    }
    let result = std::process::Command::new(tool)
        .args([
            "--app-name=Sesame",
            "--urgency=normal",
            state.headline(),
            message,
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if let Err(e) = result {
        tracing::debug!("no desktop notification: {e}");
    }
}
