//! The native sign-in prompt over the login window: AppKit alerts with a
//! user-name field and a secure password field, raised above the login
//! window. Only AppKit calls here; what is asked and when is the agent's
//! login flow ([`sesame_agent::Prompter`]).

use objc2::{MainThreadMarker, MainThreadOnly};
use objc2_app_kit::{
    NSAlert, NSAlertFirstButtonReturn, NSScreenSaverWindowLevel, NSSecureTextField, NSTextField,
    NSView,
};
use objc2_foundation::{NSPoint, NSRect, NSSize, NSString};
use secrecy::SecretString;
use sesame_agent::Prompter;
use sesame_core::login::UserMessage;

const WIDTH: f64 = 280.0;
const ROW: f64 = 24.0;

fn ns(s: &str) -> objc2::rc::Retained<NSString> {
    NSString::from_str(s)
}

/// An alert above the login window with `fields` as its accessory view;
/// `true` when the person pressed the first button.
fn run(
    mtm: MainThreadMarker,
    title: &str,
    message: Option<&str>,
    fields: &[&NSView],
    button: &str,
) -> bool {
    let alert = NSAlert::new(mtm);
    alert.setMessageText(&ns(title));
    if let Some(m) = message {
        alert.setInformativeText(&ns(m));
    }
    let height = ROW * fields.len() as f64 + 8.0 * (fields.len().saturating_sub(1)) as f64;
    let panel = NSView::initWithFrame(
        NSView::alloc(mtm),
        NSRect::new(NSPoint::new(0.0, 0.0), NSSize::new(WIDTH, height)),
    );
    for (i, f) in fields.iter().enumerate() {
        let y = height - ROW - (ROW + 8.0) * i as f64;
        f.setFrame(NSRect::new(NSPoint::new(0.0, y), NSSize::new(WIDTH, ROW)));
        panel.addSubview(f);
    }
    alert.setAccessoryView(Some(&panel));
    alert.addButtonWithTitle(&ns(button));
    alert.addButtonWithTitle(&ns("Cancel"));
    alert.window().setLevel(NSScreenSaverWindowLevel);
    alert.runModal() == NSAlertFirstButtonReturn
}

/// Takes the typed password out of the field and clears the field.
fn take(field: &NSSecureTextField) -> SecretString {
    let s = SecretString::from(field.stringValue().to_string());
    field.setStringValue(&ns(""));
    s
}

/// A name field and a password field under `title`; `None` when cancelled.
fn name_and_password(
    mtm: MainThreadMarker,
    title: &str,
    message: Option<&str>,
    placeholders: [&str; 2],
) -> Option<(String, SecretString)> {
    let user = NSTextField::textFieldWithString(&ns(""), mtm);
    user.setPlaceholderString(Some(&ns(placeholders[0])));
    let password = NSSecureTextField::new(mtm);
    password.setPlaceholderString(Some(&ns(placeholders[1])));
    let ok = run(mtm, title, message, &[&user, &password], "Sign In");
    let secret = take(&password);
    ok.then(|| (user.stringValue().to_string(), secret))
}

/// Asks for the Entra user name and password. `None` when cancelled.
pub fn sign_in(message: Option<&str>) -> Result<Option<(String, SecretString)>, String> {
    let mtm = MainThreadMarker::new()
        .ok_or("Sesame's sign-in must run on SecurityAgent's main thread")?;
    Ok(name_and_password(
        mtm,
        "Sign in with your Microsoft Entra ID account",
        message,
        ["name@company.com", "Password"],
    ))
}

/// Entra cannot be reached: asks for the Mac account name and password, as
/// loginwindow would. `None` when cancelled.
pub fn local(message: &UserMessage) -> Option<(String, SecretString)> {
    name_and_password(
        MainThreadMarker::new()?,
        "Sign in with your Mac password",
        Some(&message.one_line()),
        ["Mac account name", "Mac password"],
    )
}

fn secure(title: &str, message: &UserMessage) -> Option<SecretString> {
    let mtm = MainThreadMarker::new()?;
    let field = NSSecureTextField::new(mtm);
    let ok = run(mtm, title, Some(&message.one_line()), &[&field], "Continue");
    let secret = take(&field);
    ok.then_some(secret)
}

/// The login window's person, asked with alerts.
#[derive(Debug, Default)]
pub struct AlertPrompter;

impl Prompter for AlertPrompter {
    fn ask_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        secure("Your Microsoft Entra ID password", message)
    }
    fn ask_old_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        secure("Your previous Mac password", message)
    }
    fn choose_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        secure("Choose a password for this Mac", message)
    }
    fn show(&mut self, message: &UserMessage) {
        if let Some(mtm) = MainThreadMarker::new() {
            run(mtm, "Sesame", Some(&message.one_line()), &[], "OK");
        }
    }
}
