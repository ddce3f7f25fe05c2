//! Jamf Connect keys (`com.jamf.connect.login`, `com.jamf.connect`) → Sesame.

use super::{Sink, discovery, extra_scopes, strings};
use crate::settings::keys::k;
use crate::settings::value::{NEVER_SUCCESS, describe, guid};
use plist::{Dictionary, Value};

const NO_EQUIVALENT: &str = "no equivalent in Sesame";
const FILEVAULT: &str = "FileVault is set up by your MDM's FileVault payload, not by Sesame";
const UI: &str = "login-window appearance; Sesame has no such option";

/// Convert one Jamf Connect dictionary; nested menu-bar dictionaries are
/// reported as `Dict.Key`.
pub(super) fn convert(values: &Dictionary, sink: &mut Sink<'_>) {
    let attribute = values
        .get("OIDCAdminAttribute")
        .and_then(Value::as_string)
        .unwrap_or("groups")
        .to_ascii_lowercase();
    for (key, v) in values {
        match v {
            Value::Dictionary(inner) if is_menu_bar_dict(key) => {
                for (sub, sv) in inner {
                    one(&format!("{key}.{sub}"), sv, &attribute, values, sink);
                }
            }
            _ => one(key, v, &attribute, values, sink),
        }
    }
}

fn is_menu_bar_dict(key: &str) -> bool {
    matches!(
        key,
        "IdPSettings"
            | "PasswordPolicies"
            | "SignIn"
            | "Unlock"
            | "Kerberos"
            | "UserHelp"
            | "Appearance"
            | "Actions"
    )
}

fn one(key: &str, v: &Value, admin_attribute: &str, all: &Dictionary, sink: &mut Sink<'_>) {
    match key {
        "OIDCProvider" | "IdPSettings.Provider" => provider(key, v, sink),
        "OIDCClientID" => sink.copy_string(key, v, k::OIDC_CLIENT_ID),
        "OIDCRedirectURI" => sink.copy_string(key, v, k::OIDC_REDIRECT_URI),
        "OIDCClientSecret" | "IdPSettings.ClientSecret" => sink.copy_string(key, v, k::OIDC_CLIENT_SECRET),
        "OIDCTenant" | "IdPSettings.TenantID" => sink.copy_string(key, v, k::TENANT_ID),
        "OIDCDiscoveryURL" | "IdPSettings.DiscoveryURL" => discovery(sink, key, v),
        "OIDCROPGID" | "IdPSettings.ROPGID" => sink.copy_string(key, v, k::ROPG_CLIENT_ID),
        "OIDCShortName" => sink.copy_string(key, v, k::SHORT_NAME_CLAIM),
        "OIDCScopes" => scopes(key, v, k::OIDC_SCOPES, sink),
        "ROPGScopes" => scopes(key, v, k::ROPG_SCOPES, sink),
        "ROPGSuccessCodes" | "IdPSettings.SuccessCodes" | "IdPSettings.ROPGSuccessCodes" => codes(key, v, sink),
        "ROPGProvider" => match v.as_string() {
            Some("Azure_v2") => {
                sink.set(k::ROPG_ENDPOINT, Value::String("v2".into()));
                sink.mapped(key, &[k::ROPG_ENDPOINT], Some("Azure_v2 → v2".into()));
            }
            Some(other) => sink.not_mapped(key, format!("{other:?} (AD FS or another IdP) is not supported; Sesame checks passwords against Entra ID")),
            None => sink.not_mapped(key, format!("expected a string, found {}", describe(v, false))),
        },
        "ROPGTenant" => match all.get("OIDCTenant").and_then(Value::as_string) {
            None => sink.copy_string(key, v, k::TENANT_ID),
            Some(t) if Some(t) == v.as_string() => {
                sink.mapped(key, &[k::TENANT_ID], Some("same tenant as OIDCTenant".into()));
            }
            Some(_) => sink.not_mapped(key, "Sesame checks passwords in the sign-in tenant (TenantID); a separate password tenant is not supported"),
        },
        "ROPGDiscoveryURL" => sink.not_mapped(key, "used only with ROPGProvider Custom (AD FS), which Sesame does not support"),
        "ROPGRedirectURI" => sink.not_mapped(key, "not needed: the password check sends no redirect URI"),
        "ROPGClientSecret" => {
            if all.contains_key("OIDCClientSecret") {
                sink.not_mapped(key, "Sesame uses one client secret (OIDCClientSecret), taken from OIDCClientSecret");
            } else {
                sink.copy_string(key, v, k::OIDC_CLIENT_SECRET);
            }
        }
        "OIDCUsePassthroughAuth" => sink.not_mapped(key, "not needed: Sesame always uses the password typed into the sign-in page"),
        "OIDCNewPassword" => match v.as_boolean() {
            Some(true) => sink.not_mapped(key, "a separate local password is not supported: Sesame always makes the local password the Entra password"),
            _ => sink.not_mapped(key, "not needed: Sesame always makes the local password the Entra password"),
        },
        "CreateJamfConnectPassword" => sink.not_mapped(key, "not needed: Sesame always keeps the password in the keychain for the menu bar"),
        "OIDCAdminAttribute" => sink.mapped(key, &[], Some(format!("decides where OIDCAdmin goes ({admin_attribute})"))),
        "OIDCAdmin" => admin(key, v, admin_attribute, sink),
        "OIDCIgnoreAdmin" => match v.as_boolean() {
            Some(true) => {
                sink.set(k::DEMOTION_POLICY, Value::String("never".into()));
                sink.mapped(key, &[k::DEMOTION_POLICY], Some("Sesame still promotes AdminGroups/AdminRoles members but never demotes".into()));
            }
            _ => sink.not_mapped(key, "false is Sesame's normal behaviour"),
        },
        "CreateAdminUser" => sink.copy_bool(key, v, k::CREATE_ADMIN_USER),
        "DenyLocal" => sink.copy_bool(key, v, k::DENY_LOCAL),
        "LocalFallback" => sink.copy_bool(key, v, k::LOCAL_FALLBACK),
        "Migrate" => sink.copy_bool(key, v, k::MIGRATE),
        "DenyLocalExcluded" => sink.copy_strings(key, v, k::DENY_LOCAL_EXCLUDED),
        "HelpURL" => sink.copy_string(key, v, k::HELP_URL),
        "IdPSettings.ChangePasswordURL" => sink.copy_string(key, v, k::CHANGE_PASSWORD_URL),
        "IdPSettings.ResetPasswordURL" => sink.copy_string(key, v, k::RESET_PASSWORD_URL),
        "PasswordPolicies.NetworkCheck" => interval(key, v, sink),
        "EnableFDE" | "EnableFDERecoveryKey" | "EnableFDERecoveryKeyPath" => sink.not_mapped(key, FILEVAULT),
        "LicenseFile" => sink.not_mapped(key, "not needed: Sesame needs no license"),
        "AllowNetworkSelection" | "LoginWindowMessage" | "OIDCLocalAuthButton" | "LoginLogo" | "BackgroundImage" => sink.not_mapped(key, UI),
        "OIDCIgnoreCookies" => sink.not_mapped(key, "Sesame's login web view starts without cookies each time"),
        "MigrateUsersHide" | "CreateNewUserHide" | "DemobilizeUsers" | "OIDCSecondaryAccess" => sink.not_mapped(key, NO_EQUIVALENT),
        _ if key.starts_with("SignIn.") => sink.not_mapped(key, "Sesame's menu bar signs in on its own with the password in the keychain"),
        _ if key.starts_with("Kerberos.") => sink.not_mapped(key, "Kerberos tickets are not handled by Sesame"),
        _ if key.starts_with("PasswordPolicies.") => sink.not_mapped(key, "password expiry notices are not handled by Sesame"),
        _ => sink.not_mapped(key, NO_EQUIVALENT),
    }
}

fn provider(key: &str, v: &Value, sink: &mut Sink<'_>) {
    let value = v.as_string().unwrap_or_default();
    let lower = value.to_ascii_lowercase();
    if lower.contains("azure") || lower.contains("entra") {
        sink.not_mapped(key, "not needed: Sesame always signs in with Entra ID");
    } else {
        sink.not_mapped(
            key,
            format!("{value:?} cannot be converted: Sesame supports Entra ID only"),
        );
    }
}

fn scopes(key: &str, v: &Value, to: &str, sink: &mut Sink<'_>) {
    let Some(s) = v.as_string() else {
        return sink.not_mapped(
            key,
            format!(
                "expected a '+'-separated string, found {}",
                describe(v, false)
            ),
        );
    };
    let extra = extra_scopes(s);
    if to == k::ROPG_SCOPES {
        // ROPG scopes are the whole list, standard ones included.
        let all: Vec<Value> = s
            .split(|c: char| c == '+' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(|p| Value::String(p.into()))
            .collect();
        sink.set(to, Value::Array(all));
        return sink.mapped(key, &[to], None);
    }
    if extra.is_empty() {
        return sink.not_mapped(key, "only standard scopes, which Sesame always requests");
    }
    sink.set(
        to,
        Value::Array(extra.into_iter().map(Value::String).collect()),
    );
    sink.mapped(
        key,
        &[to],
        Some(
            "openid, profile, email and offline_access are always requested and were dropped"
                .into(),
        ),
    );
}

fn codes(key: &str, v: &Value, sink: &mut Sink<'_>) {
    let Some(list) = strings(v).or_else(|| {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|i| i.as_unsigned_integer().map(|n| n.to_string()))
                .collect()
        })
    }) else {
        return sink.not_mapped(
            key,
            format!("expected an array of codes, found {}", describe(v, false)),
        );
    };
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for s in list {
        let t = s.trim().trim_start_matches("AADSTS");
        match t.parse::<u32>() {
            Ok(n) if !NEVER_SUCCESS.iter().any(|(c, _)| *c == n) => {
                kept.push(Value::Integer(u64::from(n).into()))
            }
            _ => dropped.push(s),
        }
    }
    sink.set(k::ROPG_SUCCESS_CODES, Value::Array(kept));
    let note = (!dropped.is_empty()).then(|| {
        format!(
            "dropped codes that must never count as success or are not codes: {}",
            dropped.join(", ")
        )
    });
    sink.mapped(key, &[k::ROPG_SUCCESS_CODES], note);
}

fn admin(key: &str, v: &Value, attribute: &str, sink: &mut Sink<'_>) {
    let Some(values) = strings(v) else {
        return sink.not_mapped(
            key,
            format!("expected an array of strings, found {}", describe(v, false)),
        );
    };
    if attribute == "roles" {
        sink.set(
            k::ADMIN_ROLES,
            Value::Array(values.into_iter().map(Value::String).collect()),
        );
        return sink.mapped(
            key,
            &[k::ADMIN_ROLES],
            Some("OIDCAdminAttribute is roles: app role values".into()),
        );
    }
    let (ids, names): (Vec<_>, Vec<_>) = values.into_iter().partition(|s| guid(s).is_ok());
    if ids.is_empty() {
        return sink.not_mapped(key, format!("values are not group ObjectIDs ({}); Sesame matches groups by ObjectID only — look them up in Entra and set AdminGroups", names.join(", ")));
    }
    sink.set(
        k::ADMIN_GROUPS,
        Value::Array(ids.into_iter().map(Value::String).collect()),
    );
    let note = (!names.is_empty()).then(|| {
        format!(
            "left out values that are not ObjectIDs: {}",
            names.join(", ")
        )
    });
    sink.mapped(key, &[k::ADMIN_GROUPS], note);
}

fn interval(key: &str, v: &Value, sink: &mut Sink<'_>) {
    let Some(minutes) = v.as_signed_integer() else {
        return sink.not_mapped(
            key,
            format!(
                "expected an integer (minutes), found {}",
                describe(v, false)
            ),
        );
    };
    let clamped = minutes.clamp(5, 1440);
    sink.set(k::PASSWORD_CHECK_INTERVAL, Value::Integer(clamped.into()));
    let note = (clamped != minutes)
        .then(|| format!("{minutes} minutes is outside 5–1440; used {clamped}"));
    sink.mapped(key, &[k::PASSWORD_CHECK_INTERVAL], note);
}
