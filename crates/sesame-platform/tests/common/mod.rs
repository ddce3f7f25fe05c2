//! Shared helpers: sandbox roots, identities, policies.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use secrecy::SecretString;
use sesame_core::identity::{EntraId, Groups, Identity};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::provisioning::{AccountOs, LocalPasswordProof, PlanRequest, Policy};
use sesame_core::verdict::PasswordVerdict;
use sesame_platform::directory::sandbox;
use sesame_platform::{JournalFile, ShadowDirectory};

pub const NOW: &str = "2026-11-22T04:00:00Z";
pub const ADMINS: &str = "aaaaaaaa-0000-0000-0000-000000000001";
pub const CLOUD_PASSWORD: &str = "Cloud-Pa55word!with:colon";
pub const LOCAL_PASSWORD: &str = "old-local-Pa55";

/// Fails the test, saying what to do, when not root (the shadow tools need
/// it); a test that can't run must not pass.
#[macro_export]
macro_rules! require_root {
    () => {
        if let Err(why) = sesame_platform::directory::sandbox::ensure_root() {
            panic!("{why}");
        }
    };
}

pub fn sandbox_dir() -> (tempfile::TempDir, ShadowDirectory, JournalFile) {
    let tmp = tempfile::tempdir().unwrap();
    sandbox::create(tmp.path()).unwrap();
    let dir = ShadowDirectory::new(tmp.path());
    let journal = JournalFile::new(dir.journal_path());
    (tmp, dir, journal)
}

pub fn identity(upn: &str, oid: &str, groups: &[&str]) -> Identity {
    Identity {
        id: EntraId {
            oid: oid.into(),
            tid: "11111111-1111-1111-1111-111111111111".into(),
        },
        username: upn.into(),
        upn: Some(upn.into()),
        name: Some("Ada Lovelace".into()),
        given_name: None,
        family_name: None,
        groups: Groups::Known {
            ids: groups.iter().map(|g| g.to_string()).collect(),
        },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    }
}

pub fn ada(groups: &[&str]) -> Identity {
    identity(
        "ada@contoso.example",
        "0a0a0a0a-0000-0000-0000-00000000ada0",
        groups,
    )
}

pub fn policy() -> Policy {
    let mut p = Policy::new(AccountOs::Linux);
    p.admin_groups = vec![ADMINS.into()];
    p.migrate = true;
    p
}

/// A plan request for `identity` whose password Entra verified (`verdict`
/// must say so): the password is bound to `identity` by its own ID token.
pub fn request<'a>(
    identity: &'a Identity,
    verdict: &'a PasswordVerdict,
    local: LocalPasswordProof,
) -> PlanRequest<'a> {
    assert!(verdict.is_password_verified(), "{verdict}");
    let bound = VerifiedPassword::bind(
        &PasswordOwner::of(identity),
        secret("test password"),
        EntraAccepted::IdToken(&identity.id),
    )
    .unwrap();
    PlanRequest {
        identity,
        // A test helper: one small leak per request keeps the call sites as
        // they are.
        password: Box::leak(Box::new(bound)),
        local_password: local,
        now: NOW,
    }
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Every file under `root`, for "nothing left behind" checks.
pub fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(root).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

/// A first sign-in for `me` with a verified cloud password `pw`, applied to
/// `dir` with the default policy: what most directory tests start from.
pub fn first_login(
    dir: &dyn sesame_platform::AccountDirectory,
    journal: &JournalFile,
    me: &Identity,
    pw: &SecretString,
) -> sesame_core::provisioning::Plan {
    sesame_platform::provision(
        dir,
        journal,
        &policy(),
        &request(
            me,
            &PasswordVerdict::Verified,
            LocalPasswordProof::NotOffered,
        ),
        &sesame_platform::Passwords {
            new: pw,
            old_local: None,
        },
        &mut sesame_platform::NoHook,
    )
    .unwrap()
}
