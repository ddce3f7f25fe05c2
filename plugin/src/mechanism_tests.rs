//! The mechanism machine over an in-memory engine: what the root
//! mechanisms refuse when the hand-over is missing or inconsistent.

use std::collections::HashMap;

use sesame_agent::Agent;
use sesame_core::settings::Settings;
use sesame_platform::{AccountDirectory, InMemoryDirectory, JournalFile};
use zeroize::Zeroizing;

use super::*;
use crate::engine::EngineError;

#[derive(Default)]
struct Memory {
    hints: HashMap<String, Vec<u8>>,
    context: HashMap<String, (Vec<u8>, Visibility)>,
}

impl Engine for Memory {
    fn hint(&self, key: &str) -> Result<Option<Vec<u8>>, EngineError> {
        Ok(self.hints.get(key).cloned())
    }
    fn set_hint(&mut self, key: &str, value: &[u8]) -> Result<(), EngineError> {
        self.hints.insert(key.into(), value.to_vec());
        Ok(())
    }
    fn context(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, EngineError> {
        Ok(self
            .context
            .get(key)
            .map(|(v, _)| Zeroizing::new(v.clone())))
    }
    fn set_context(&mut self, key: &str, value: &[u8], vis: Visibility) -> Result<(), EngineError> {
        self.context.insert(key.into(), (value.to_vec(), vis));
        Ok(())
    }
    fn remove_context(&mut self, key: &str) -> Result<(), EngineError> {
        self.context.remove(key);
        Ok(())
    }
}

/// A host whose directory is in memory and that never signs anyone in.
struct Nowhere(tempfile::TempDir);

impl Host for Nowhere {
    fn settings(&self) -> Result<Settings, String> {
        Err("no profile".into())
    }
    fn directory(&self) -> Result<(Box<dyn AccountDirectory>, JournalFile), String> {
        Ok((
            Box::new(InMemoryDirectory::default()),
            JournalFile::new(self.0.path().join("j")),
        ))
    }
    fn keychain(&self) -> Result<Box<dyn LoginKeychain>, String> {
        Err("no keychain".into())
    }
    fn sign_in(
        &mut self,
        _: &mut Agent,
        _: crate::host::Staged<'_>,
    ) -> Result<crate::host::SignIn, String> {
        Err("no window".into())
    }
    fn ask_local(&mut self, _: &UserMessage) -> Option<(String, SecretString)> {
        None
    }
}

fn host() -> Nowhere {
    Nowhere(tempfile::tempdir().expect("temp dir"))
}

fn message(e: &Memory) -> String {
    let (v, vis) = e.context.get(CONTEXT_ERROR).expect("a message");
    assert_eq!(*vis, Visibility::Sticky);
    String::from_utf8_lossy(v.strip_suffix(&[0]).expect("NUL-terminated")).into_owned()
}

#[test]
fn provisioning_without_the_sign_ins_plan_denies_and_points_at_authdb_status() {
    let mut e = Memory::default();
    assert_eq!(invoke(Kind::Provision, &mut e, &mut host()), Verdict::Deny);
    assert!(
        message(&e).contains("sesame-agent authdb status"),
        "{}",
        message(&e)
    );
}

/// An engine holding a (denial) plan for `ada`, and `username`.
fn handed_over(username: &[u8]) -> Memory {
    let mut e = Memory::default();
    let plan = Plan::Deny {
        short_name: Some("ada".into()),
        reason: sesame_core::provisioning::DenyReason::MigrationOff,
    };
    let json = serde_json::to_vec(&plan).expect("json");
    e.set_hint(HINT_PLAN, &json).expect("hint");
    e.set_context(CONTEXT_USERNAME, username, Visibility::Extractable)
        .expect("context");
    e
}

#[test]
fn a_denial_plan_is_never_applied() {
    let mut e = handed_over(b"ada\0");
    assert_eq!(invoke(Kind::Provision, &mut e, &mut host()), Verdict::Deny);
    assert!(message(&e).contains("cannot be set up"), "{}", message(&e));
}

#[test]
fn a_plan_for_another_account_than_the_username_is_refused() {
    let mut e = handed_over(b"mallory\0");
    assert_eq!(invoke(Kind::Provision, &mut e, &mut host()), Verdict::Deny);
    assert!(message(&e).contains("another account"), "{}", message(&e));
}

#[test]
fn the_ui_mechanism_denies_with_the_reason_when_the_profile_is_unusable() {
    let mut e = Memory::default();
    assert_eq!(invoke(Kind::Login, &mut e, &mut host()), Verdict::Deny);
    assert_eq!(message(&e), "no profile");
    assert!(!e.context.contains_key(CONTEXT_PASSWORD));
}

#[test]
fn only_the_three_mechanism_ids_exist() {
    assert_eq!(Kind::from_id("login"), Some(Kind::Login));
    assert_eq!(Kind::from_id("provision"), Some(Kind::Provision));
    assert_eq!(Kind::from_id("keychain"), Some(Kind::Keychain));
    assert_eq!(Kind::from_id("login,privileged"), None);
    assert_eq!(Kind::from_id(""), None);
}
