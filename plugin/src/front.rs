//! Which sign-in the login window offers, and what happens when it cannot
//! finish — plain Rust, so the choice is tested on Linux; the Mac's window
//! (`host::macos_web`) only carries it out.
//!
//! - The web view ([`Choice::Web`]: Entra's own pages, MFA there) unless the
//!   profile's `LoginMode` is `native`.
//! - When the web view cannot show the page (WebKit failed, no window), the
//!   native name-and-password prompt, saying why — never a dead end at the
//!   login window. Closing the window or letting it time out is the person's
//!   answer, not a failure: no second prompt. The same prompt when Entra is
//!   unreachable and only the names in `DenyLocalExcluded` may use the local
//!   password (the web sign-in had no name to judge).
//! - When Entra cannot be reached and the profile allows the local password
//!   (`DenyLocal` off, `LocalFallback` on, or the name in
//!   `DenyLocalExcluded` — the login machine decides), the person signs in
//!   with the Mac password, as loginwindow would: [`local_account`] finds the
//!   account for the typed name.

use std::future::Future;
use std::time::Duration;

use sesame_agent::web::WebLoginError;
use sesame_core::provisioning::{DirectorySnapshot, LocalAccount};
use sesame_core::settings::LoginMode;

/// The sign-in the login window shows first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Entra's pages in a web view.
    Web,
    /// The name-and-password prompt (the password checked by Entra).
    Native,
}

/// The first sign-in for the profile's `LoginMode`.
pub fn choose(mode: LoginMode) -> Choice {
    match mode {
        LoginMode::Web => Choice::Web,
        LoginMode::Native => Choice::Native,
    }
}

/// After the web sign-in ended: the line to show above the native prompt
/// when it should be offered next, `None` when the web sign-in's outcome
/// stands.
///
/// - The web view could not show the page (`problem`: WebKit failed, no
///   window): the native prompt, saying why. Closing the window or letting
///   it time out is the person's answer: no second prompt.
/// - Entra was unreachable and the profile refused the local password
///   (`offline_refused`) before anyone typed a name, while
///   `DenyLocalExcluded` names accounts that may still use it offline: the
///   native prompt, so the login machine can judge the typed name.
pub fn native_after_web(
    problem: Option<&WebLoginError>,
    offline_refused: bool,
    deny_local_excluded: &[String],
) -> Option<String> {
    match problem {
        Some(WebLoginError::Closed | WebLoginError::TimedOut(_)) => None,
        Some(
            WebLoginError::NoDisplay | WebLoginError::BrowserMissing(_) | WebLoginError::Browser(_),
        ) => Some(
            "The Microsoft sign-in page could not be shown. Sign in with your Microsoft Entra ID name and password."
                .into(),
        ),
        None if offline_refused && !deny_local_excluded.is_empty() => Some(
            "Can't reach Microsoft. If your account may sign in with its Mac password, enter its name and password."
                .into(),
        ),
        None => None,
    }
}

/// The local account someone at the login window means by `typed`, as
/// loginwindow matches it: the short name itself, else the account bound
/// to that Entra user name (`adele@contoso.example` → `adele`). The local
/// password still decides: this only picks whose password to check.
pub fn local_account<'a>(snapshot: &'a DirectorySnapshot, typed: &str) -> Option<&'a LocalAccount> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    snapshot.by_short_name(typed).or_else(|| {
        snapshot.accounts.iter().find(|a| {
            a.binding
                .as_ref()
                .is_some_and(|b| b.upn.eq_ignore_ascii_case(typed))
        })
    })
}

/// Drives `fut` to its end on the current task, calling `pump` every
/// `every` while it waits: on a Mac the pump runs the web window's modal
/// session (events, WebKit's delegates) on the main thread, which is where
/// SecurityAgent calls the mechanism and where the sign-in future is polled.
pub async fn pumped<F: Future>(fut: F, every: Duration, mut pump: impl FnMut()) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            out = &mut fut => return out,
            _ = tick.tick() => pump(),
        }
    }
}

#[cfg(test)]
mod tests {
    use sesame_core::identity::EntraId;
    use sesame_core::provisioning::{Binding, Origin};

    use super::*;

    #[test]
    fn the_profiles_login_mode_picks_the_first_sign_in() {
        assert_eq!(choose(LoginMode::Web), Choice::Web);
        assert_eq!(choose(LoginMode::Native), Choice::Native);
    }

    #[test]
    fn a_web_view_that_cannot_show_the_page_gives_way_to_the_native_prompt() {
        for p in [
            WebLoginError::Browser("WKWebView failed".into()),
            WebLoginError::NoDisplay,
            WebLoginError::BrowserMissing("no WebKit".into()),
        ] {
            let line = native_after_web(Some(&p), false, &[]).expect("native offered");
            assert!(line.contains("name and password"), "{line}");
        }
    }

    #[test]
    fn closing_the_window_or_walking_away_is_not_answered_with_a_second_prompt() {
        let excluded = ["admin".to_owned()];
        assert_eq!(
            native_after_web(Some(&WebLoginError::Closed), true, &excluded),
            None
        );
        let late = WebLoginError::TimedOut(Duration::from_secs(600));
        assert_eq!(native_after_web(Some(&late), false, &[]), None);
        assert_eq!(
            native_after_web(None, false, &excluded),
            None,
            "the web sign-in finished"
        );
    }

    #[test]
    fn offline_with_deny_local_excluded_names_the_native_prompt_lets_them_be_judged() {
        let excluded = ["admin".to_owned()];
        let line = native_after_web(None, true, &excluded).expect("native offered");
        assert!(line.contains("Mac password"), "{line}");
        assert_eq!(
            native_after_web(None, true, &[]),
            None,
            "nobody may sign in offline: the refusal stands"
        );
    }

    fn account(short: &str, upn: Option<&str>) -> LocalAccount {
        LocalAccount {
            short_name: short.into(),
            uid: 501,
            full_name: short.into(),
            home: format!("/Users/{short}"),
            is_admin: false,
            binding: upn.map(|u| Binding {
                id: EntraId {
                    oid: "oid".into(),
                    tid: "tid".into(),
                },
                upn: u.into(),
                origin: Origin::Created,
                admin_by_sesame: false,
                admin_reason: None,
                last_sync: None,
            }),
        }
    }

    #[test]
    fn the_local_account_is_found_by_short_name_or_by_the_entra_name_it_is_bound_to() {
        let snap = DirectorySnapshot {
            accounts: vec![
                account("admin", None),
                account("adele", Some("Adele@Contoso.example")),
            ],
            ..Default::default()
        };
        let found = |t: &str| local_account(&snap, t).map(|a| a.short_name.clone());
        assert_eq!(found("admin").as_deref(), Some("admin"));
        assert_eq!(found("adele@contoso.example").as_deref(), Some("adele"));
        assert_eq!(found(" adele ").as_deref(), Some("adele"));
        assert_eq!(found("grace@contoso.example"), None, "no such account");
        assert_eq!(found(""), None);
    }

    #[test]
    fn the_pump_runs_while_the_sign_in_waits_and_stops_when_it_ends() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut pumps = 0u32;
        let out = rt.block_on(pumped(
            async {
                tokio::time::sleep(Duration::from_millis(60)).await;
                7
            },
            Duration::from_millis(5),
            || pumps += 1,
        ));
        assert_eq!(out, 7);
        assert!(pumps >= 3, "pumped {pumps} times while waiting");
        let before = pumps;
        let out = rt.block_on(pumped(async { 8 }, Duration::from_millis(5), || pumps += 1));
        assert_eq!(out, 8);
        assert!(pumps - before <= 1, "a finished sign-in is not pumped for");
    }
}
