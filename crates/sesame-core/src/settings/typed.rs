//! The typed [`Settings`] other crates consume, built from merged values.

use super::keys::k;
use super::merge::Effective;
use super::value::Typed;
use secrecy::SecretString;
use std::fmt;
use std::path::PathBuf;
use url::Url;

/// An Entra ObjectID or application (client) ID: a lowercase hyphenated GUID.
/// With `OIDCDiscoveryURL`, a client ID may be another provider's own ID,
/// kept as written ([`ObjectId::client_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(String);

impl ObjectId {
    /// Parse any GUID form; `None` if it is not a GUID.
    pub fn parse(s: &str) -> Option<Self> {
        super::value::guid(s.trim()).ok().map(ObjectId)
    }

    /// A client ID: a GUID (normalised), or another OpenID provider's ID as
    /// written (no spaces). The profile rules allow the latter only with
    /// `OIDCDiscoveryURL`.
    pub fn client_id(s: &str) -> Option<Self> {
        super::value::client_id(s.trim()).ok().map(ObjectId)
    }

    /// The lowercase hyphenated GUID (as in `oid`, `tid` and `groups` claims).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `other` names the same GUID, in any case or form.
    pub fn matches(&self, other: &str) -> bool {
        ObjectId::parse(other).is_some_and(|o| o == *self)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tenant: its ID, or a verified domain that Entra resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// Directory (tenant) ID.
    Id(ObjectId),
    /// A verified domain, lowercase (e.g. `contoso.onmicrosoft.com`).
    Domain(String),
    /// No Entra tenant: the profile signs in with another OpenID provider
    /// (`OIDCDiscoveryURL`). Entra-only code refuses it by its empty name.
    OpenIdProvider,
}

impl Tenant {
    /// The path segment used in authority URLs.
    pub fn as_str(&self) -> &str {
        match self {
            Tenant::Id(id) => id.as_str(),
            Tenant::Domain(d) => d,
            Tenant::OpenIdProvider => "",
        }
    }
}

/// Which token endpoint the password check uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopgEndpoint {
    /// `/oauth2/token` with `resource`.
    V1,
    /// `/oauth2/v2.0/token` with `scope`.
    V2,
    /// v2, falling back to v1.
    Auto,
}

pub use crate::provisioning::DemotionPolicy;

/// How the login window signs people in (`LoginMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMode {
    /// Entra's pages in a web view (MFA, passwordless, expired passwords).
    Web,
    /// User name and password checked by ROPG, no web view.
    Native,
}

/// What the native sign-in does when the tenant demands MFA (`NativeMFA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeMfa {
    /// Refuse: "MFA is required: use the web sign-in".
    Deny,
    /// Finish MFA with the OAuth device-code flow on another device.
    DeviceCode,
}

/// How much Sesame logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Normal operation.
    Info,
    /// Detail for troubleshooting.
    Debug,
    /// Everything.
    Trace,
}

/// Sesame's validated settings. Every field is already checked; consumers
/// never re-parse the profile. Secrets are [`SecretString`] and never shown.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `TenantID`.
    pub tenant: Tenant,
    /// `AuthorityHost`: scheme and host of the Entra cloud.
    pub authority_host: Url,
    /// `OIDCDiscoveryURL`: a generic OpenID provider's discovery document
    /// (then [`Settings::tenant`] is [`Tenant::OpenIdProvider`]).
    pub oidc_discovery_url: Option<Url>,
    /// `OIDCClientID`.
    pub oidc_client_id: ObjectId,
    /// `OIDCRedirectURI`.
    pub oidc_redirect_uri: Url,
    /// `OIDCScopes`: extra scopes beyond openid, profile, email (and offline_access).
    pub oidc_scopes: Vec<String>,
    /// `OIDCOfflineAccess`.
    pub oidc_offline_access: bool,
    /// `OIDCClientSecret`.
    pub oidc_client_secret: Option<SecretString>,
    /// `TrustedRootCertificates`: PEM texts.
    pub trusted_root_certificates: Vec<String>,
    /// `AllowInsecureSimulatedTenant`: a plain-http loopback `AuthorityHost`
    /// is allowed (a simulated tenant only; `sesame profile check` warns).
    pub allow_insecure_simulated_tenant: bool,
    /// `ROPGClientID` (defaults to the OIDC client ID).
    pub ropg_client_id: ObjectId,
    /// `ROPGEndpoint`.
    pub ropg_endpoint: RopgEndpoint,
    /// `ROPGScopes` (v2).
    pub ropg_scopes: Vec<String>,
    /// `ROPGResource` (v1).
    pub ropg_resource: String,
    /// `ROPGSuccessCodes`.
    pub ropg_success_codes: Vec<u32>,
    /// `AdminGroups`.
    pub admin_groups: Vec<ObjectId>,
    /// `AdminRoles`.
    pub admin_roles: Vec<String>,
    /// `DemotionPolicy`.
    pub demotion_policy: DemotionPolicy,
    /// `AllowedGroups` (empty: everyone).
    pub allowed_groups: Vec<ObjectId>,
    /// `ShortNameClaim`.
    pub short_name_claim: String,
    /// `CreateAdminUser`.
    pub create_admin_user: bool,
    /// `Migrate`.
    pub migrate: bool,
    /// `DenyLocal`.
    pub deny_local: bool,
    /// `DenyLocalExcluded`.
    pub deny_local_excluded: Vec<String>,
    /// `LocalFallback`.
    pub local_fallback: bool,
    /// `LoginMode`.
    pub login_mode: LoginMode,
    /// `NativeMFA`.
    pub native_mfa: NativeMfa,
    /// `PAMMFAServices`: PAM services that always finish with device-code MFA.
    pub pam_mfa_services: Vec<String>,
    /// `OfflineSignIn`.
    pub offline_sign_in: bool,
    /// `OfflineSignInDays` (1–90).
    pub offline_sign_in_days: u32,
    /// `WrongPasswordLimit` (1–9).
    pub wrong_password_limit: u32,
    /// `PasswordlessLocalPassword`.
    pub passwordless_local_password: bool,
    /// `KeychainReset`.
    pub keychain_reset: bool,
    /// `PasswordCheckInterval`, minutes (5–1440).
    pub password_check_interval_minutes: u32,
    /// `CheckOnNetworkChange`.
    pub check_on_network_change: bool,
    /// `QuietMode`.
    pub quiet_mode: bool,
    /// `PasswordExpiryWarningDays`: warn this many days before the password expires.
    pub password_expiry_warning_days: u32,
    /// `ChangePasswordURL`.
    pub change_password_url: Url,
    /// `ResetPasswordURL`.
    pub reset_password_url: Url,
    /// `HelpURL`.
    pub help_url: Option<Url>,
    /// `LogLevel`.
    pub log_level: LogLevel,
    /// `LogPath`.
    pub log_path: PathBuf,
}

/// Settings could not be built: a required key is missing or a value is invalid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{key} is missing or invalid — run `sesame profile check` on the profile")]
pub struct SettingsError {
    /// The key at fault.
    pub key: &'static str,
}

struct Get<'a>(&'a Effective);

impl Get<'_> {
    fn value(&self, key: &'static str) -> Result<Typed, SettingsError> {
        self.0.resolved(key).ok_or(SettingsError { key })
    }
    fn bool(&self, key: &'static str) -> Result<bool, SettingsError> {
        match self.value(key)? {
            Typed::Bool(b) => Ok(b),
            _ => Err(SettingsError { key }),
        }
    }
    fn text(&self, key: &'static str) -> Result<String, SettingsError> {
        match self.value(key)? {
            Typed::Str(s) => Ok(s),
            _ => Err(SettingsError { key }),
        }
    }
    fn list(&self, key: &'static str) -> Result<Vec<String>, SettingsError> {
        match self.value(key)? {
            Typed::List(l) => Ok(l),
            _ => Err(SettingsError { key }),
        }
    }
    fn ids(&self, key: &'static str) -> Result<Vec<ObjectId>, SettingsError> {
        self.list(key)?
            .iter()
            .map(|s| ObjectId::parse(s).ok_or(SettingsError { key }))
            .collect()
    }
    fn id(&self, key: &'static str) -> Result<ObjectId, SettingsError> {
        ObjectId::parse(&self.text(key)?).ok_or(SettingsError { key })
    }
    fn client_id(&self, key: &'static str) -> Result<ObjectId, SettingsError> {
        ObjectId::client_id(&self.text(key)?).ok_or(SettingsError { key })
    }
    fn url(&self, key: &'static str) -> Result<Url, SettingsError> {
        Url::parse(&self.text(key)?).map_err(|_| SettingsError { key })
    }
    /// One of an enum key's spellings; anything else is an error, never a
    /// quiet default.
    fn choice<T: Copy>(
        &self,
        key: &'static str,
        options: &[(&str, T)],
    ) -> Result<T, SettingsError> {
        let text = self.text(key)?;
        options
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, v)| *v)
            .ok_or(SettingsError { key })
    }
}

/// `ROPGEndpoint` spellings; a test keeps them equal to the key table's.
const ROPG_ENDPOINTS: &[(&str, RopgEndpoint)] = &[
    ("v1", RopgEndpoint::V1),
    ("v2", RopgEndpoint::V2),
    ("auto", RopgEndpoint::Auto),
];
/// `DemotionPolicy` spellings.
const DEMOTION_POLICIES: &[(&str, DemotionPolicy)] = &[
    ("never", DemotionPolicy::Never),
    ("sesame-promoted", DemotionPolicy::SesamePromoted),
    ("always", DemotionPolicy::Always),
];
/// `LoginMode` spellings.
const LOGIN_MODES: &[(&str, LoginMode)] = &[("web", LoginMode::Web), ("native", LoginMode::Native)];
const NATIVE_MFAS: &[(&str, NativeMfa)] = &[
    ("deny", NativeMfa::Deny),
    ("device_code", NativeMfa::DeviceCode),
];
/// `LogLevel` spellings.
const LOG_LEVELS: &[(&str, LogLevel)] = &[
    ("error", LogLevel::Error),
    ("warn", LogLevel::Warn),
    ("info", LogLevel::Info),
    ("debug", LogLevel::Debug),
    ("trace", LogLevel::Trace),
];

impl Settings {
    /// Build typed settings from merged values (defaults filled in).
    pub fn from_effective(eff: &Effective) -> Result<Settings, SettingsError> {
        let g = Get(eff);
        let oidc_discovery_url = if eff.is_set(k::OIDC_DISCOVERY_URL) {
            Some(g.url(k::OIDC_DISCOVERY_URL)?)
        } else {
            None
        };
        // With a discovery URL, TenantID is ignored (`profile check` says so).
        let tenant = if oidc_discovery_url.is_some() {
            Tenant::OpenIdProvider
        } else {
            let tenant_text = g.text(k::TENANT_ID)?;
            match ObjectId::parse(&tenant_text) {
                Some(id) => Tenant::Id(id),
                None => Tenant::Domain(tenant_text),
            }
        };
        let interval = match g.value(k::PASSWORD_CHECK_INTERVAL)? {
            Typed::Int(i) => u32::try_from(i).map_err(|_| SettingsError {
                key: k::PASSWORD_CHECK_INTERVAL,
            })?,
            _ => {
                return Err(SettingsError {
                    key: k::PASSWORD_CHECK_INTERVAL,
                });
            }
        };
        let offline_days = match g.value(k::OFFLINE_SIGN_IN_DAYS)? {
            Typed::Int(i) => u32::try_from(i).map_err(|_| SettingsError {
                key: k::OFFLINE_SIGN_IN_DAYS,
            })?,
            _ => {
                return Err(SettingsError {
                    key: k::OFFLINE_SIGN_IN_DAYS,
                });
            }
        };
        let wrong_limit = match g.value(k::WRONG_PASSWORD_LIMIT)? {
            Typed::Int(i) => u32::try_from(i).map_err(|_| SettingsError {
                key: k::WRONG_PASSWORD_LIMIT,
            })?,
            _ => {
                return Err(SettingsError {
                    key: k::WRONG_PASSWORD_LIMIT,
                });
            }
        };
        let codes = match g.value(k::ROPG_SUCCESS_CODES)? {
            Typed::Codes(c) => c,
            _ => {
                return Err(SettingsError {
                    key: k::ROPG_SUCCESS_CODES,
                });
            }
        };
        let secret = match eff.resolved(k::OIDC_CLIENT_SECRET) {
            Some(Typed::Secret(s)) => Some(s),
            _ => None,
        };
        // Entra client IDs are GUIDs; another provider's may be anything.
        let other_provider = oidc_discovery_url.is_some();
        let client_id = |key| match other_provider {
            true => g.client_id(key),
            false => g.id(key),
        };
        Ok(Settings {
            tenant,
            authority_host: g.url(k::AUTHORITY_HOST)?,
            oidc_discovery_url,
            oidc_client_id: client_id(k::OIDC_CLIENT_ID)?,
            oidc_redirect_uri: g.url(k::OIDC_REDIRECT_URI)?,
            oidc_scopes: g.list(k::OIDC_SCOPES)?,
            oidc_offline_access: g.bool(k::OIDC_OFFLINE_ACCESS)?,
            oidc_client_secret: secret,
            trusted_root_certificates: g.list(k::TRUSTED_ROOT_CERTIFICATES)?,
            allow_insecure_simulated_tenant: g.bool(k::ALLOW_INSECURE_SIMULATED_TENANT)?,
            ropg_client_id: client_id(k::ROPG_CLIENT_ID)?,
            ropg_endpoint: g.choice(k::ROPG_ENDPOINT, ROPG_ENDPOINTS)?,
            ropg_scopes: g.list(k::ROPG_SCOPES)?,
            ropg_resource: g.text(k::ROPG_RESOURCE)?,
            ropg_success_codes: codes,
            admin_groups: g.ids(k::ADMIN_GROUPS)?,
            admin_roles: g.list(k::ADMIN_ROLES)?,
            demotion_policy: g.choice(k::DEMOTION_POLICY, DEMOTION_POLICIES)?,
            allowed_groups: g.ids(k::ALLOWED_GROUPS)?,
            short_name_claim: g.text(k::SHORT_NAME_CLAIM)?,
            create_admin_user: g.bool(k::CREATE_ADMIN_USER)?,
            migrate: g.bool(k::MIGRATE)?,
            deny_local: g.bool(k::DENY_LOCAL)?,
            deny_local_excluded: g.list(k::DENY_LOCAL_EXCLUDED)?,
            local_fallback: g.bool(k::LOCAL_FALLBACK)?,
            login_mode: g.choice(k::LOGIN_MODE, LOGIN_MODES)?,
            native_mfa: g.choice(k::NATIVE_MFA, NATIVE_MFAS)?,
            pam_mfa_services: g.list(k::PAM_MFA_SERVICES)?,
            offline_sign_in: g.bool(k::OFFLINE_SIGN_IN)?,
            offline_sign_in_days: offline_days,
            wrong_password_limit: wrong_limit,
            passwordless_local_password: g.bool(k::PASSWORDLESS_LOCAL_PASSWORD)?,
            keychain_reset: g.bool(k::KEYCHAIN_RESET)?,
            password_check_interval_minutes: interval,
            check_on_network_change: g.bool(k::CHECK_ON_NETWORK_CHANGE)?,
            quiet_mode: g.bool(k::QUIET_MODE)?,
            password_expiry_warning_days: match g.value(k::PASSWORD_EXPIRY_WARNING_DAYS)? {
                Typed::Int(i) => u32::try_from(i).map_err(|_| SettingsError {
                    key: k::PASSWORD_EXPIRY_WARNING_DAYS,
                })?,
                _ => {
                    return Err(SettingsError {
                        key: k::PASSWORD_EXPIRY_WARNING_DAYS,
                    });
                }
            },
            change_password_url: g.url(k::CHANGE_PASSWORD_URL)?,
            reset_password_url: g.url(k::RESET_PASSWORD_URL)?,
            help_url: if eff.is_set(k::HELP_URL) {
                Some(g.url(k::HELP_URL)?)
            } else {
                None
            },
            log_level: g.choice(k::LOG_LEVEL, LOG_LEVELS)?,
            log_path: PathBuf::from(g.text(k::LOG_PATH)?),
        })
    }

    /// The tenant's authority: `{AuthorityHost}/{TenantID}`.
    pub fn authority(&self) -> String {
        format!(
            "{}/{}",
            self.authority_host.as_str().trim_end_matches('/'),
            self.tenant.as_str()
        )
    }

    /// Whether `code` counts as a verified password for the ROPG check.
    pub fn is_success_code(&self, code: u32) -> bool {
        self.ropg_success_codes.contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::keys::{KEYS, Kind};

    /// The typed conversion accepts exactly the spellings the key table
    /// (and so validation, the schemas and the docs) offers.
    #[test]
    fn enum_spellings_match_the_key_table() {
        for (key, names) in [
            (
                k::ROPG_ENDPOINT,
                ROPG_ENDPOINTS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ),
            (
                k::DEMOTION_POLICY,
                DEMOTION_POLICIES.iter().map(|(n, _)| *n).collect(),
            ),
            (k::LOG_LEVEL, LOG_LEVELS.iter().map(|(n, _)| *n).collect()),
            (k::LOGIN_MODE, LOGIN_MODES.iter().map(|(n, _)| *n).collect()),
            (k::NATIVE_MFA, NATIVE_MFAS.iter().map(|(n, _)| *n).collect()),
        ] {
            let spec = KEYS.iter().find(|s| s.name == key).expect("key in table");
            match spec.kind {
                Kind::Enum(values) => assert_eq!(values, names.as_slice(), "{key}"),
                _ => panic!("{key} is not an enum key"),
            }
        }
    }
}
