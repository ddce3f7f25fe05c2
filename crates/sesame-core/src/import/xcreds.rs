//! XCreds keys (`com.twocanoes.xcreds`) → Sesame.

use super::{Sink, discovery, extra_scopes, strings};
use crate::settings::keys::k;
use crate::settings::value::{describe, guid};
use plist::{Dictionary, Value};

const NO_EQUIVALENT: &str = "no equivalent in Sesame";
const UI: &str = "login-window or menu appearance; Sesame has no such option";
const AD: &str = "Active Directory / Kerberos is not handled by Sesame (Entra ID only)";

/// Convert one XCreds dictionary.
pub(super) fn convert(values: &Dictionary, sink: &mut Sink<'_>) {
    let mut rate_done = false;
    for (key, v) in values {
        match key.as_str() {
            "discoveryURL" => discovery(sink, key, v),
            "clientID" => sink.copy_string(key, v, k::OIDC_CLIENT_ID),
            "clientSecret" => sink.copy_string(key, v, k::OIDC_CLIENT_SECRET),
            "redirectURI" => sink.copy_string(key, v, k::OIDC_REDIRECT_URI),
            "scopes" => match v.as_string() {
                Some(s) if !extra_scopes(s).is_empty() => {
                    let extra = extra_scopes(s).into_iter().map(Value::String).collect();
                    sink.set(k::OIDC_SCOPES, Value::Array(extra));
                    sink.mapped(key, &[k::OIDC_SCOPES], Some("openid, profile, email and offline_access are always requested and were dropped".into()));
                }
                Some(_) => sink.not_mapped(key, "only standard scopes, which Sesame always requests"),
                None => sink.not_mapped(key, format!("expected a space-separated string, found {}", describe(v, false))),
            },
            "resource" => sink.copy_string(key, v, k::ROPG_RESOURCE),
            "ropgClientID" => sink.copy_string(key, v, k::ROPG_CLIENT_ID),
            "ropgClientSecret" => sink.not_mapped(key, "Sesame uses one client secret (OIDCClientSecret)"),
            "ropgResponseValue" => sink.not_mapped(key, "Sesame matches exact AADSTS codes (ROPGSuccessCodes), not the OAuth error string; the default codes cover Entra's MFA and Conditional Access answers"),
            "shouldUseROPGForPasswordChangeChecking" => match v.as_boolean() {
                Some(ropg) => {
                    sink.set(k::QUIET_MODE, Value::Boolean(!ropg));
                    sink.mapped(key, &[k::QUIET_MODE], Some(format!("QuietMode = {} (XCreds {} the refresh token)", !ropg, if ropg { "did not use" } else { "used" })));
                }
                None => sink.not_mapped(key, format!("expected a boolean, found {}", describe(v, false))),
            },
            "shouldUseROPGForLoginWindowLogin" | "shouldUseROPGForMenuLogin" | "shouldVerifyPasswordWithRopg" => {
                sink.not_mapped(key, "not needed: Sesame always verifies the password with ROPG at sign-in")
            }
            "refreshRateHours" | "refreshRateMinutes" => {
                if !rate_done {
                    interval(values, sink);
                    rate_done = true;
                }
            }
            "CreateAdminUser" => sink.copy_bool(key, v, k::CREATE_ADMIN_USER),
            "CreateAdminIfGroupMember" => groups(key, v, k::ADMIN_GROUPS, sink),
            "allowLoginIfMemberOfGroup" => groups(key, v, k::ALLOWED_GROUPS, sink),
            "map_username" => sink.copy_string(key, v, k::SHORT_NAME_CLAIM),
            "DenyLocal" => sink.copy_bool(key, v, k::DENY_LOCAL),
            "DenyLocalExcluded" => sink.copy_strings(key, v, k::DENY_LOCAL_EXCLUDED),
            "shouldPromptForMigration" => sink.copy_bool(key, v, k::MIGRATE),
            "passwordChangeURL" => sink.copy_string(key, v, k::CHANGE_PASSWORD_URL),
            "LocalFallback" => sink.not_mapped(key, "in XCreds this is an Active Directory fallback; Sesame's LocalFallback (offline login with DenyLocal) means something else"),
            "KeychainReset" | "PasswordOverwriteSilent" => sink.not_mapped(key, "Sesame never resets a keychain or overwrites a password silently"),
            "localAdminUserName" | "localAdminPassword" => sink.not_mapped(key, "Sesame never stores a local admin's credentials in preferences"),
            "verifyPassword" => sink.not_mapped(key, "not needed: Sesame verifies a new cloud password with Entra before updating the local one"),
            "map_firstname" | "map_lastname" | "map_fullname" | "map_fullusername" | "map_uid" | "map_password_expiry" | "aliasName" | "claimsToAddToLocalUserAccount" | "primaryGroupID" => {
                sink.not_mapped(key, "Sesame takes names from the standard claims (given_name, family_name, name)")
            }
            "allowUsersClaim" | "allowedUsersArray" => sink.not_mapped(key, "Sesame allows people by group ObjectID (AllowedGroups), not by user name"),
            "EnableFDE" | "EnableFDERecoveryKey" | "EnableFDERecoveryKeyPath" | "EnableFDERekey" | "shouldSkipFileVaultLogin" | "shouldSkipFileVaultLoginAdmin" => {
                sink.not_mapped(key, "FileVault is set up by your MDM's FileVault payload, not by Sesame")
            }
            "idpHostName" | "idpHostNames" | "passwordElementID" => sink.not_mapped(key, "not needed: Sesame knows Entra's sign-in page"),
            "tokenEndpoint" => sink.not_mapped(key, "Sesame derives endpoints from AuthorityHost and TenantID"),
            _ if key.starts_with("AD") || key.contains("Kerberos") || key.starts_with("AdditionalAD") || key.starts_with("ad") || key.starts_with("Home") || key == "Shares" || key == "shareMenuItemName" || key.starts_with("LDAP") || key.starts_with("upnSuffix") => sink.not_mapped(key, AD),
            _ if key.starts_with("should") || key.starts_with("loginWindow") || key.starts_with("menuItem") || key.starts_with("load") || key.ends_with("Text") || key.ends_with("Title") || key.ends_with("Placeholder") => sink.not_mapped(key, UI),
            _ => sink.not_mapped(key, NO_EQUIVALENT),
        }
    }
}

fn groups(key: &str, v: &Value, to: &str, sink: &mut Sink<'_>) {
    let Some(values) = strings(v) else {
        return sink.not_mapped(
            key,
            format!("expected an array of strings, found {}", describe(v, false)),
        );
    };
    let (ids, names): (Vec<_>, Vec<_>) = values.into_iter().partition(|s| guid(s).is_ok());
    if ids.is_empty() {
        return sink.not_mapped(key, format!("values are not group ObjectIDs ({}); Sesame matches groups by ObjectID only — look them up in Entra and set {to}", names.join(", ")));
    }
    sink.set(
        to,
        Value::Array(ids.into_iter().map(Value::String).collect()),
    );
    let note = (!names.is_empty()).then(|| {
        format!(
            "left out values that are not ObjectIDs: {}",
            names.join(", ")
        )
    });
    sink.mapped(key, &[to], note);
}

/// `refreshRateHours` (default 3) + `refreshRateMinutes` → `PasswordCheckInterval`.
fn interval(values: &Dictionary, sink: &mut Sink<'_>) {
    let hours = values
        .get("refreshRateHours")
        .map(|v| v.as_signed_integer());
    let minutes = values
        .get("refreshRateMinutes")
        .map(|v| v.as_signed_integer());
    if matches!(hours, Some(None)) || matches!(minutes, Some(None)) {
        for key in ["refreshRateHours", "refreshRateMinutes"]
            .iter()
            .filter(|k| values.contains_key(k))
        {
            sink.not_mapped(
                key,
                "expected integers for refreshRateHours/refreshRateMinutes",
            );
        }
        return;
    }
    let total = hours.flatten().unwrap_or(3) * 60 + minutes.flatten().unwrap_or(0);
    let clamped = total.clamp(5, 1440);
    sink.set(k::PASSWORD_CHECK_INTERVAL, Value::Integer(clamped.into()));
    let note = if clamped == total {
        format!("{total} minutes")
    } else {
        format!("{total} minutes is outside 5–1440; used {clamped}")
    };
    for key in ["refreshRateHours", "refreshRateMinutes"]
        .iter()
        .filter(|k| values.contains_key(k))
    {
        sink.mapped(key, &[k::PASSWORD_CHECK_INTERVAL], Some(note.clone()));
    }
}
