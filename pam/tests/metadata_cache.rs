//! Entra's discovery documents and signing keys cached on disk between
//! sign-ins (every PAM sign-in is a new process), through the real
//! Linux-PAM stack against entra-sim over HTTPS, in a sandbox root.
//!
//! How a test sees whether the cache was used: the simulator's discovery
//! endpoints (and keys) answer HTTP 500. A sign-in that still succeeds took
//! them from the cache; one that is refused as "Entra unreachable" did not.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use entra_sim::{Fault, FaultKind};
use support::stack::*;
use support::*;

fn confdir(w: &World) -> PathBuf {
    let dir = w.sb.tmp.path().join("pam.d");
    service_file(&dir, "login", &w.args());
    dir
}

fn cache_dir(w: &World) -> PathBuf {
    w.sb.root.join("var/cache/sesame/oidc")
}

/// The one cache file (one tenant).
fn cache_file(w: &World) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(cache_dir(w))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

fn entry(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Discovery (and, with `keys`, the JWKS) answers 500 from now on.
fn discovery_down(w: &World, keys: bool) {
    let fault = |path| Fault::on_path(FaultKind::Status { status: 500 }, path, u32::MAX);
    w.sim().inject_fault(fault("openid-configuration"));
    if keys {
        w.sim().inject_fault(fault("discovery/v2.0/keys"));
    }
}

fn returning(dir: &Path) -> i32 {
    sign_in(dir, "login", "adele", vec![password(ADELE_PASSWORD)])
}

/// Entra counts as unreachable (no offline sign-in in this profile).
fn refused_unreachable(dir: &Path) -> i32 {
    sign_in(
        dir,
        "login",
        "adele",
        vec![password(ADELE_PASSWORD), error("offline sign-in is off")],
    )
}

fn first_sign_in(dir: &Path) {
    assert_eq!(
        sign_in(dir, "login", ADELE, vec![password(ADELE_PASSWORD)]),
        PAM_SUCCESS
    );
}

#[test]
fn a_returning_sign_in_needs_only_the_password_grant() {
    let w = World::new("");
    let dir = confdir(&w);
    first_sign_in(&dir);
    let file = cache_file(&w);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o644), "{file:?}");
    let folder = std::fs::metadata(cache_dir(&w)).unwrap();
    assert_eq!((folder.uid(), folder.mode() & 0o777), (0, 0o755));
    let e = entry(&file);
    assert!(
        e["key"]
            .as_str()
            .unwrap()
            .ends_with("/v2.0/.well-known/openid-configuration")
    );
    assert!(
        e["jwks"]["keys"]["keys"]
            .as_array()
            .is_some_and(|k| !k.is_empty()),
        "{e}"
    );

    discovery_down(&w, true);
    assert_eq!(
        returning(&dir),
        PAM_SUCCESS,
        "discovery and keys from the cache"
    );
    // The wrong password is still Entra's call, once.
    let before = w.sign_ins();
    assert_eq!(
        sign_in(
            &dir,
            "login",
            "adele",
            vec![password("wrong-one"), error("not right")]
        ),
        PAM_AUTH_ERR
    );
    assert_eq!(w.sign_ins() - before, 1);
}

#[test]
fn a_cache_another_user_could_have_written_is_ignored() {
    let w = World::new("");
    let dir = confdir(&w);
    first_sign_in(&dir);
    let file = cache_file(&w);
    discovery_down(&w, true);
    let chmod = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };

    chmod(&file, 0o666);
    assert_eq!(
        refused_unreachable(&dir),
        PAM_AUTHINFO_UNAVAIL,
        "world-writable file"
    );
    chmod(&file, 0o644);
    std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
    assert_eq!(
        refused_unreachable(&dir),
        PAM_AUTHINFO_UNAVAIL,
        "owned by nobody"
    );
    std::os::unix::fs::chown(&file, Some(0), None).unwrap();
    chmod(&cache_dir(&w), 0o777);
    assert_eq!(
        refused_unreachable(&dir),
        PAM_AUTHINFO_UNAVAIL,
        "world-writable folder"
    );
    chmod(&cache_dir(&w), 0o755);
    // A symlink planted at the name (to an exact copy) is not followed.
    let copy = w.sb.tmp.path().join("copy.json");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&copy, &file).unwrap();
    assert_eq!(refused_unreachable(&dir), PAM_AUTHINFO_UNAVAIL, "symlink");
    // Root's own file again: used.
    std::fs::remove_file(&file).unwrap();
    std::fs::copy(&copy, &file).unwrap();
    chmod(&file, 0o644);
    assert_eq!(returning(&dir), PAM_SUCCESS);
}

#[test]
fn a_corrupt_forged_or_stale_cache_goes_to_entra_and_is_rewritten() {
    let w = World::new("");
    let dir = confdir(&w);
    first_sign_in(&dir);
    let file = cache_file(&w);
    let good = entry(&file);

    std::fs::write(&file, b"{\"format\":1,\"key\":").unwrap();
    assert_eq!(returning(&dir), PAM_SUCCESS, "corrupt: fetched again");
    assert_eq!(entry(&file)["key"], good["key"], "rewritten whole");

    // Forged: a token endpoint that goes nowhere, over plain http; then
    // another tenant (both issuers) with an https one. Validated like a
    // fresh fetch, so refused and replaced (were either used, the password
    // grant would fail and the sign-in with it).
    let other = "00000000-0000-0000-0000-000000000001";
    let mut insecure = good.clone();
    insecure["discovery"]["v2"]["token_endpoint"] = "http://127.0.0.1:9/token".into();
    let mut tenant = good.clone();
    tenant["discovery"]["v2"]["issuer"] =
        format!("https://login.microsoftonline.com/{other}/v2.0").into();
    tenant["discovery"]["v1"]["issuer"] = format!("https://sts.windows.net/{other}/").into();
    tenant["discovery"]["v2"]["token_endpoint"] = "https://127.0.0.1:9/token".into();
    for forged in [insecure, tenant] {
        std::fs::write(&file, serde_json::to_vec(&forged).unwrap()).unwrap();
        assert_eq!(
            returning(&dir),
            PAM_SUCCESS,
            "forged: refused, fetched again"
        );
        assert_eq!(entry(&file)["discovery"]["v2"], good["discovery"]["v2"]);
    }

    // Stale: fetched 25 hours ago. Not used past its lifetime.
    let mut stale = entry(&file);
    let old = stale["discovery"]["fetched_at"].as_u64().unwrap() - 25 * 3600;
    stale["discovery"]["fetched_at"] = old.into();
    std::fs::write(&file, serde_json::to_vec(&stale).unwrap()).unwrap();
    discovery_down(&w, false);
    assert_eq!(
        refused_unreachable(&dir),
        PAM_AUTHINFO_UNAVAIL,
        "stale discovery unused"
    );
    w.sim().clear_faults();
    assert_eq!(returning(&dir), PAM_SUCCESS);
    assert!(entry(&file)["discovery"]["fetched_at"].as_u64().unwrap() > old + 24 * 3600);
}

#[test]
fn a_key_rollover_refetches_the_keys_at_once() {
    let w = World::new("");
    let dir = confdir(&w);
    first_sign_in(&dir);
    let file = cache_file(&w);
    let new_kid = w.sim().rotate_keys().unwrap();
    let kids = |e: &serde_json::Value| -> Vec<String> {
        e["jwks"]["keys"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!kids(&entry(&file)).contains(&new_kid));
    // Discovery still comes from the cache; the token names a key the
    // cached JWKS lacks, so the keys are fetched again and the file updated.
    discovery_down(&w, false);
    assert_eq!(returning(&dir), PAM_SUCCESS);
    assert!(
        kids(&entry(&file)).contains(&new_kid),
        "{:?}",
        kids(&entry(&file))
    );
}
