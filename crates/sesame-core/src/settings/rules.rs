//! Checks across keys: required keys and contradictions.

use super::findings::{Finding, Severity};
use super::keys::{KEYS, k};
use super::merge::Effective;
use super::value::{Typed, is_loopback};

/// Entra cloud hosts Sesame knows.
const KNOWN_CLOUDS: &[&str] = &[
    "https://login.microsoftonline.com",
    "https://login.microsoftonline.us",
    "https://login.chinacloudapi.cn",
    "https://login.partner.microsoftonline.cn",
];

fn on(eff: &Effective, key: &str) -> bool {
    matches!(eff.resolved(key), Some(Typed::Bool(true)))
}

fn non_empty(eff: &Effective, key: &str) -> bool {
    matches!(eff.resolved(key), Some(Typed::List(l)) if !l.is_empty())
}

fn text(eff: &Effective, key: &str) -> String {
    eff.resolved(key).map(|v| v.to_string()).unwrap_or_default()
}

/// Findings about the merged settings as a whole.
pub fn check(eff: &Effective) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |key: &str, severity: Severity, message: String| {
        let src = eff.locate(key);
        out.push(Finding {
            file: src.file,
            payload: src.payload,
            key: Some(key.to_owned()),
            severity,
            message,
        });
    };
    for spec in KEYS.iter().filter(|s| s.required && !eff.is_set(s.name)) {
        add(
            spec.name,
            Severity::Error,
            format!(
                "required key is missing: expected {} — {}",
                spec.kind.validation(),
                spec.meaning
            ),
        );
    }
    match (eff.is_set(k::TENANT_ID), eff.is_set(k::OIDC_DISCOVERY_URL)) {
        (false, false) => add(
            k::TENANT_ID,
            Severity::Error,
            "required key is missing: set TenantID to your Entra tenant ID (a GUID) or verified domain — or OIDCDiscoveryURL to sign in with another OpenID provider".into(),
        ),
        (true, true) => add(
            k::TENANT_ID,
            Severity::Warning,
            "TenantID is ignored because OIDCDiscoveryURL names another OpenID provider — remove one of them".into(),
        ),
        _ => {}
    }
    // Entra client IDs are GUIDs; only another OpenID provider (named by
    // OIDCDiscoveryURL) may use its own form (Okta 0oa…, Google ….apps…).
    if !eff.is_set(k::OIDC_DISCOVERY_URL) {
        for key in [k::OIDC_CLIENT_ID, k::ROPG_CLIENT_ID] {
            let value = text(eff, key);
            if eff.is_set(key) && super::value::guid(&value).is_err() {
                add(
                    key,
                    Severity::Error,
                    format!(
                        "expected an Entra application (client) ID, a GUID like 8b1e4a2c-3f5d-4e6a-9b7c-0d1e2f3a4b5c, found {value:?} — copy it from the app registration's Overview; a client ID of another form needs OIDCDiscoveryURL (another OpenID provider)"
                    ),
                );
            }
        }
    }
    if on(eff, k::LOCAL_FALLBACK) && !on(eff, k::DENY_LOCAL) {
        add(k::LOCAL_FALLBACK, Severity::Warning,
            "LocalFallback is true but DenyLocal is false: local login is always allowed, so LocalFallback does nothing — set DenyLocal to true or remove LocalFallback".into());
    }
    if non_empty(eff, k::DENY_LOCAL_EXCLUDED) && !on(eff, k::DENY_LOCAL) {
        add(k::DENY_LOCAL_EXCLUDED, Severity::Warning,
            "DenyLocalExcluded is set but DenyLocal is false: every local account may already log in locally".into());
    }
    if on(eff, k::QUIET_MODE) && !on(eff, k::OIDC_OFFLINE_ACCESS) {
        add(k::QUIET_MODE, Severity::Error,
            "QuietMode needs a refresh token, but OIDCOfflineAccess is false so the sign-in app gets none — set OIDCOfflineAccess to true or QuietMode to false".into());
    }
    let endpoint = text(eff, k::ROPG_ENDPOINT);
    if endpoint == "v1" && eff.is_set(k::ROPG_SCOPES) {
        add(k::ROPG_SCOPES, Severity::Warning,
            "ROPGScopes is ignored because ROPGEndpoint is v1 (v1 sends ROPGResource) — remove it or use v2/auto".into());
    }
    if endpoint == "v2" && eff.is_set(k::ROPG_RESOURCE) {
        add(k::ROPG_RESOURCE, Severity::Warning,
            "ROPGResource is ignored because ROPGEndpoint is v2 (v2 sends ROPGScopes) — remove it or use v1/auto".into());
    }
    if matches!(eff.resolved(k::ROPG_SUCCESS_CODES), Some(Typed::Codes(c)) if c.is_empty()) {
        add(k::ROPG_SUCCESS_CODES, Severity::Warning,
            "ROPGSuccessCodes is empty: users who must do MFA will always fail the password check — remove the key to use the defaults".into());
    }
    if on(eff, k::CREATE_ADMIN_USER)
        && (non_empty(eff, k::ADMIN_GROUPS) || non_empty(eff, k::ADMIN_ROLES))
    {
        add(k::CREATE_ADMIN_USER, Severity::Warning,
            "CreateAdminUser makes every new account an admin, so AdminGroups/AdminRoles do not limit who gets admin at creation".into());
    }
    if on(eff, k::CREATE_ADMIN_USER) && text(eff, k::DEMOTION_POLICY) == "always" {
        add(k::DEMOTION_POLICY, Severity::Warning,
            "CreateAdminUser with DemotionPolicy always: accounts are created as admins and demoted at the next sign-in unless they are in AdminGroups/AdminRoles".into());
    }
    if eff.is_set(k::OIDC_CLIENT_SECRET) {
        add(k::OIDC_CLIENT_SECRET, Severity::Info,
            "the profile holds a client secret: anyone who can read the profile or /Library/Managed Preferences can read it — prefer a public client".into());
    }
    let host = text(eff, k::AUTHORITY_HOST);
    let parsed = url::Url::parse(&host).ok();
    // Loopback from the parsed host only: `https://localhost.attacker.example` is not.
    let loopback = parsed.as_ref().is_some_and(is_loopback);
    let plain_http = parsed.as_ref().is_some_and(|u| u.scheme() == "http");
    let insecure_allowed = on(eff, k::ALLOW_INSECURE_SIMULATED_TENANT);
    if plain_http && !insecure_allowed {
        add(
            k::AUTHORITY_HOST,
            Severity::Error,
            format!(
                "{host} uses plain http: Sesame would trust keys and tokens nobody can vouch for — use https (for entra-sim: its TLS mode with TrustedRootCertificates), or set AllowInsecureSimulatedTenant for a simulated tenant only"
            ),
        );
    }
    if insecure_allowed {
        add(
            k::ALLOW_INSECURE_SIMULATED_TENANT,
            Severity::Warning,
            "AllowInsecureSimulatedTenant is set: an http AuthorityHost on loopback is trusted, so any local user who listens on that port can sign in as anyone, admins included — for a simulated tenant only, never on a real Mac".into(),
        );
    }
    if !KNOWN_CLOUDS.contains(&host.as_str()) && !loopback {
        add(
            k::AUTHORITY_HOST,
            Severity::Warning,
            format!(
                "{host} is not a Microsoft Entra cloud ({}) — fine for a private cloud or test tenant, otherwise a typo",
                KNOWN_CLOUDS.join(", ")
            ),
        );
    }
    out
}
