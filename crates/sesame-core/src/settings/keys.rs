//! The profile key table: the one place where every Sesame setting is defined.
//!
//! The parser, the validation, `sesame profile schema` (Jamf, manifest,
//! markdown) and `docs/profile-keys.md` all come from [`KEYS`].

/// Key names as constants, so code never spells a key twice.
#[allow(missing_docs)]
pub mod k {
    pub const TENANT_ID: &str = "TenantID";
    pub const AUTHORITY_HOST: &str = "AuthorityHost";
    pub const OIDC_DISCOVERY_URL: &str = "OIDCDiscoveryURL";
    pub const OIDC_CLIENT_ID: &str = "OIDCClientID";
    pub const OIDC_REDIRECT_URI: &str = "OIDCRedirectURI";
    pub const OIDC_SCOPES: &str = "OIDCScopes";
    pub const OIDC_OFFLINE_ACCESS: &str = "OIDCOfflineAccess";
    pub const OIDC_CLIENT_SECRET: &str = "OIDCClientSecret";
    pub const TRUSTED_ROOT_CERTIFICATES: &str = "TrustedRootCertificates";
    pub const ALLOW_INSECURE_SIMULATED_TENANT: &str = "AllowInsecureSimulatedTenant";
    pub const ROPG_CLIENT_ID: &str = "ROPGClientID";
    pub const ROPG_ENDPOINT: &str = "ROPGEndpoint";
    pub const ROPG_SCOPES: &str = "ROPGScopes";
    pub const ROPG_RESOURCE: &str = "ROPGResource";
    pub const ROPG_SUCCESS_CODES: &str = "ROPGSuccessCodes";
    pub const ADMIN_GROUPS: &str = "AdminGroups";
    pub const ADMIN_ROLES: &str = "AdminRoles";
    pub const DEMOTION_POLICY: &str = "DemotionPolicy";
    pub const ALLOWED_GROUPS: &str = "AllowedGroups";
    pub const SHORT_NAME_CLAIM: &str = "ShortNameClaim";
    pub const CREATE_ADMIN_USER: &str = "CreateAdminUser";
    pub const MIGRATE: &str = "Migrate";
    pub const DENY_LOCAL: &str = "DenyLocal";
    pub const DENY_LOCAL_EXCLUDED: &str = "DenyLocalExcluded";
    pub const LOCAL_FALLBACK: &str = "LocalFallback";
    pub const LOGIN_MODE: &str = "LoginMode";
    pub const NATIVE_MFA: &str = "NativeMFA";
    pub const PAM_MFA_SERVICES: &str = "PAMMFAServices";
    pub const OFFLINE_SIGN_IN: &str = "OfflineSignIn";
    pub const OFFLINE_SIGN_IN_DAYS: &str = "OfflineSignInDays";
    pub const WRONG_PASSWORD_LIMIT: &str = "WrongPasswordLimit";
    pub const PASSWORDLESS_LOCAL_PASSWORD: &str = "PasswordlessLocalPassword";
    pub const KEYCHAIN_RESET: &str = "KeychainReset";
    pub const PASSWORD_CHECK_INTERVAL: &str = "PasswordCheckInterval";
    pub const CHECK_ON_NETWORK_CHANGE: &str = "CheckOnNetworkChange";
    pub const QUIET_MODE: &str = "QuietMode";
    pub const PASSWORD_EXPIRY_WARNING_DAYS: &str = "PasswordExpiryWarningDays";
    pub const CHANGE_PASSWORD_URL: &str = "ChangePasswordURL";
    pub const RESET_PASSWORD_URL: &str = "ResetPasswordURL";
    pub const HELP_URL: &str = "HelpURL";
    pub const LOG_LEVEL: &str = "LogLevel";
    pub const LOG_PATH: &str = "LogPath";
}

/// The codes that count as "password verified" unless a profile says
/// otherwise: MFA and Conditional Access answers that Entra only gives after
/// the password was checked (see `docs/profile-keys.md`).
pub const DEFAULT_SUCCESS_CODES: &[u32] = &[50076, 50079, 50074, 50158, 53003, 53000, 53001];

/// Which part of the setup a key belongs to (a heading in the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Tenant, cloud and the sign-in app registration.
    Entra,
    /// The password (ROPG) check.
    PasswordCheck,
    /// Who gets an account and who is an admin.
    Accounts,
    /// What the login window allows.
    LoginWindow,
    /// Background re-checks of the password.
    PasswordSync,
    /// Links shown to users.
    Links,
    /// Logging.
    Logging,
}

impl Group {
    /// Every group, in document order.
    pub const ALL: [Group; 7] = [
        Group::Entra,
        Group::PasswordCheck,
        Group::Accounts,
        Group::LoginWindow,
        Group::PasswordSync,
        Group::Links,
        Group::Logging,
    ];

    /// The heading used in docs and schemas.
    pub fn title(self) -> &'static str {
        match self {
            Group::Entra => "Entra ID tenant and sign-in app",
            Group::PasswordCheck => "Password check (ROPG)",
            Group::Accounts => "Accounts and admin rights",
            Group::LoginWindow => "Login window",
            Group::PasswordSync => "Password sync",
            Group::Links => "Links for users",
            Group::Logging => "Logging",
        }
    }
}

/// The type of a key's value and how it is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<true/>` or `<false/>`.
    Bool,
    /// An integer within `min..=max`, in `unit`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
        /// The unit, e.g. "minutes".
        unit: &'static str,
    },
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// An Entra ObjectID or application (client) ID: a GUID.
    Guid,
    /// An OAuth client ID: a GUID for Entra; with `OIDCDiscoveryURL`, the
    /// other provider's ID as written (Okta, Google, Keycloak IDs are not GUIDs).
    ClientId,
    /// A tenant ID (GUID) or a verified domain of the tenant.
    Tenant,
    /// An https URL of an Entra cloud, host only.
    Authority,
    /// An https URL (http only on loopback).
    HttpsUrl,
    /// A redirect URI: https, http on loopback, or a private scheme.
    RedirectUri,
    /// An ID-token claim name.
    Claim,
    /// A non-empty string.
    Text,
    /// An absolute file path.
    Path,
    /// A secret string, never shown.
    Secret,
    /// An array of GUIDs.
    GuidList,
    /// An array of non-empty strings.
    TextList,
    /// An array of OAuth scopes (no spaces inside one scope).
    ScopeList,
    /// An array of AADSTS error codes (integers).
    CodeList,
    /// An array of PEM-encoded X.509 certificates.
    PemList,
}

impl Kind {
    /// The plist type an admin writes.
    pub fn plist_type(self) -> &'static str {
        match self {
            Kind::Bool => "boolean",
            Kind::Int { .. } => "integer",
            Kind::GuidList | Kind::TextList | Kind::ScopeList | Kind::PemList => "array of strings",
            Kind::CodeList => "array of integers",
            _ => "string",
        }
    }

    /// What the validation accepts, in plain words (docs and schemas).
    pub fn validation(self) -> String {
        match self {
            Kind::Bool => "true or false".into(),
            Kind::Int { min, max, unit } => format!("{min}–{max} {unit}"),
            Kind::Enum(values) => format!("one of {}", values.join(", ")),
            Kind::Guid => "a GUID (ObjectID / application ID)".into(),
            Kind::ClientId => {
                "application (client) ID: a GUID for Entra; with OIDCDiscoveryURL, the provider's client ID (no spaces)".into()
            }
            Kind::Tenant => {
                "tenant ID (GUID) or verified domain; not common/organizations/consumers".into()
            }
            Kind::Authority => {
                "https URL, host only (http only on loopback with AllowInsecureSimulatedTenant)"
                    .into()
            }
            Kind::HttpsUrl => "https URL (http only for loopback)".into(),
            Kind::RedirectUri => {
                "https URL, http on loopback, or a private scheme (e.g. io.sesame://auth)".into()
            }
            Kind::Claim => "a claim name (letters, digits, _ . : -)".into(),
            Kind::Text => "non-empty text".into(),
            Kind::Path => "an absolute path".into(),
            Kind::Secret => "non-empty text; never shown".into(),
            Kind::GuidList => "GUIDs (group ObjectIDs), no duplicates".into(),
            Kind::TextList => "non-empty strings".into(),
            Kind::ScopeList => "scopes without spaces, e.g. api://<app-id>/access".into(),
            Kind::CodeList => "AADSTS codes; never 50126, 50053, 50034, 50056, 50057, 50064".into(),
            Kind::PemList => "PEM certificates (-----BEGIN CERTIFICATE-----)".into(),
        }
    }
}

/// A key's default value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// No default: unset means "not used" (or an error if required).
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(&'static str),
    /// A list of strings (often empty).
    List(&'static [&'static str]),
    /// A list of codes.
    Codes(&'static [u32]),
    /// The value of another key.
    SameAs(&'static str),
    /// A string that differs by OS (the profile schemas, which are for
    /// Macs, show the macOS one).
    PerOs {
        /// On macOS.
        macos: &'static str,
        /// On Linux.
        linux: &'static str,
    },
}

impl DefaultValue {
    /// The default as an admin would read it.
    pub fn describe(self) -> String {
        match self {
            DefaultValue::None => "(none)".into(),
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Str(s) => s.into(),
            DefaultValue::List([]) => "(empty)".into(),
            DefaultValue::List(l) => l.join(", "),
            DefaultValue::Codes(c) => c.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
            DefaultValue::SameAs(key) => format!("same as {key}"),
            DefaultValue::PerOs { macos, linux } => format!("{macos} (macOS), {linux} (Linux)"),
        }
    }
}

/// One setting: its name, type, default, meaning and group.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// The key as written in the profile.
    pub name: &'static str,
    /// Where it belongs.
    pub group: Group,
    /// Its type and validation.
    pub kind: Kind,
    /// Its default.
    pub default: DefaultValue,
    /// Whether a profile must set it.
    pub required: bool,
    /// What it does, for admins.
    pub meaning: &'static str,
}

const fn key(
    name: &'static str,
    group: Group,
    kind: Kind,
    default: DefaultValue,
    meaning: &'static str,
) -> KeySpec {
    KeySpec {
        name,
        group,
        kind,
        default,
        required: false,
        meaning,
    }
}

const fn required(name: &'static str, group: Group, kind: Kind, meaning: &'static str) -> KeySpec {
    KeySpec {
        name,
        group,
        kind,
        default: DefaultValue::None,
        required: true,
        meaning,
    }
}

use Group as G;
use Kind as T;

/// Every key Sesame reads, in document order.
pub static KEYS: &[KeySpec] = &[
    key(
        k::TENANT_ID,
        G::Entra,
        T::Tenant,
        DefaultValue::None,
        "Your Entra tenant: the Directory (tenant) ID from the app registration's Overview page, or a verified domain such as contoso.onmicrosoft.com. Required unless OIDCDiscoveryURL names another OpenID provider.",
    ),
    key(
        k::AUTHORITY_HOST,
        G::Entra,
        T::Authority,
        DefaultValue::Str("https://login.microsoftonline.com"),
        "The Entra cloud to sign in to. Change it only for a national cloud (e.g. https://login.microsoftonline.us) or a test tenant.",
    ),
    key(
        k::OIDC_DISCOVERY_URL,
        G::Entra,
        T::HttpsUrl,
        DefaultValue::None,
        "Sign in with another OpenID provider instead of Entra (Okta, Google, Keycloak…): its discovery URL, ending in /.well-known/openid-configuration. The issuer comes from that document. TenantID and AuthorityHost are then not used, and Entra-only features step aside: Graph group overage, AADSTS answers, v1/v2 endpoints.",
    ),
    required(
        k::OIDC_CLIENT_ID,
        G::Entra,
        T::ClientId,
        "Application (client) ID of the app registration used for the login-window sign-in (authorization code + PKCE, MFA included).",
    ),
    key(
        k::OIDC_REDIRECT_URI,
        G::Entra,
        T::RedirectUri,
        DefaultValue::Str("https://login.microsoftonline.com/common/oauth2/nativeclient"),
        "Redirect URI registered on that app under Authentication > Mobile and desktop applications. The default is the one Microsoft suggests there (tick https://login.microsoftonline.com/common/oauth2/nativeclient); a loopback (http://127.0.0.1/...) or private-scheme URI also works. Sesame catches it inside the web view; nothing listens there.",
    ),
    key(
        k::OIDC_SCOPES,
        G::Entra,
        T::ScopeList,
        DefaultValue::List(&[]),
        "Extra scopes for the sign-in, added to openid, profile, email and offline_access. Put the custom API scope of the two-app Conditional Access pattern here (api://<app-id>/<scope>).",
    ),
    key(
        k::OIDC_OFFLINE_ACCESS,
        G::Entra,
        T::Bool,
        DefaultValue::Bool(true),
        "Ask for offline_access so Entra issues a refresh token at sign-in. QuietMode needs it.",
    ),
    key(
        k::OIDC_CLIENT_SECRET,
        G::Entra,
        T::Secret,
        DefaultValue::None,
        "Client secret, only for an app registered as a confidential (web) client. Leave unset for a public client; anyone who can read the profile can read it.",
    ),
    key(
        k::TRUSTED_ROOT_CERTIFICATES,
        G::Entra,
        T::PemList,
        DefaultValue::List(&[]),
        "Extra root CA certificates (PEM) trusted for HTTPS to AuthorityHost, for private clouds and test tenants. The system roots are always trusted.",
    ),
    key(
        k::ALLOW_INSECURE_SIMULATED_TENANT,
        G::Entra,
        T::Bool,
        DefaultValue::Bool(false),
        "For a simulated tenant only (entra-sim in tests and demos): allow a plain http:// AuthorityHost on a loopback address (127.0.0.1, ::1, localhost). Never set it on a real Mac: any local user can listen on a loopback port, serve keys and tokens, and sign in as anyone, admins included. Without it an http AuthorityHost is refused; prefer the simulator's TLS mode with TrustedRootCertificates. sesame profile check warns whenever it is set.",
    ),
    key(
        k::ROPG_CLIENT_ID,
        G::PasswordCheck,
        T::ClientId,
        DefaultValue::SameAs(k::OIDC_CLIENT_ID),
        "Application (client) ID used for the password (ROPG) check. Usually the same app; a second app lets you exclude it from MFA Conditional Access.",
    ),
    key(
        k::ROPG_ENDPOINT,
        G::PasswordCheck,
        T::Enum(&["v1", "v2", "auto"]),
        DefaultValue::Str("auto"),
        "Token endpoint for the password check: v1 (/oauth2/token with a resource), v2 (/oauth2/v2.0/token with scopes), or auto (v2, falling back to v1).",
    ),
    key(
        k::ROPG_SCOPES,
        G::PasswordCheck,
        T::ScopeList,
        DefaultValue::List(&["openid", "profile"]),
        "Scopes for a v2 password check. Keep the custom API scope out of them so Conditional Access aimed at that API does not hit the check.",
    ),
    key(
        k::ROPG_RESOURCE,
        G::PasswordCheck,
        T::Text,
        DefaultValue::Str("https://graph.microsoft.com"),
        "Resource for a v1 password check.",
    ),
    key(
        k::ROPG_SUCCESS_CODES,
        G::PasswordCheck,
        T::CodeList,
        DefaultValue::Codes(DEFAULT_SUCCESS_CODES),
        "AADSTS codes that count as 'password verified': MFA and Conditional Access answers Entra only gives after the password was right.",
    ),
    key(
        k::ADMIN_GROUPS,
        G::Accounts,
        T::GuidList,
        DefaultValue::List(&[]),
        "Group ObjectIDs whose members get a local admin account. Use ObjectIDs, never display names.",
    ),
    key(
        k::ADMIN_ROLES,
        G::Accounts,
        T::TextList,
        DefaultValue::List(&[]),
        "App role values (the 'roles' claim) that make a local admin.",
    ),
    key(
        k::DEMOTION_POLICY,
        G::Accounts,
        T::Enum(&["never", "sesame-promoted", "always"]),
        DefaultValue::Str("sesame-promoted"),
        "When someone no longer qualifies as admin: never demote, demote only accounts Sesame made admin, or always demote.",
    ),
    key(
        k::ALLOWED_GROUPS,
        G::Accounts,
        T::GuidList,
        DefaultValue::List(&[]),
        "Group ObjectIDs allowed to sign in and get an account. Empty: everyone in the tenant who may use the app.",
    ),
    key(
        k::SHORT_NAME_CLAIM,
        G::Accounts,
        T::Claim,
        DefaultValue::Str("preferred_username"),
        "ID-token claim that gives the local short name; for a UPN or e-mail the part before @ is used.",
    ),
    key(
        k::CREATE_ADMIN_USER,
        G::Accounts,
        T::Bool,
        DefaultValue::Bool(false),
        "Make every new account an admin.",
    ),
    key(
        k::MIGRATE,
        G::Accounts,
        T::Bool,
        DefaultValue::Bool(false),
        "Offer to connect an existing local account to the Entra account instead of creating a new one.",
    ),
    key(
        k::DENY_LOCAL,
        G::LoginWindow,
        T::Bool,
        DefaultValue::Bool(false),
        "Require Entra sign-in at the login window; local-only login is refused.",
    ),
    key(
        k::DENY_LOCAL_EXCLUDED,
        G::LoginWindow,
        T::TextList,
        DefaultValue::List(&[]),
        "Local short names still allowed to log in locally when DenyLocal is on (e.g. a break-glass admin).",
    ),
    key(
        k::LOCAL_FALLBACK,
        G::LoginWindow,
        T::Bool,
        DefaultValue::Bool(false),
        "With DenyLocal on, allow local login when Entra cannot be reached (offline).",
    ),
    key(
        k::LOGIN_MODE,
        G::LoginWindow,
        T::Enum(&["web", "native"]),
        DefaultValue::Str("web"),
        "How the login window signs people in: web (Entra's own pages in a web view, MFA included) or native (user name and password checked by ROPG; a tenant that demands MFA is refused with 'use the web sign-in' unless NativeMFA allows the device code).",
    ),
    key(
        k::NATIVE_MFA,
        G::LoginWindow,
        T::Enum(&["deny", "device_code"]),
        DefaultValue::Str("deny"),
        "What the native sign-in (no web view) does when the tenant demands MFA after accepting the password: deny ('MFA is required: use the web sign-in'), or device_code (show a code and https://microsoft.com/devicelogin; the person finishes MFA on another device, and the device-code sign-in must be the same user the password was checked for).",
    ),
    key(
        k::PAM_MFA_SERVICES,
        G::LoginWindow,
        T::TextList,
        DefaultValue::List(&["sshd", "sshd-session", "cockpit", "xrdp-sesman", "remote"]),
        "Linux (PAM): the services where a sign-in always finishes with MFA by device code (the code and https://microsoft.com/devicelogin shown in the session; the password alone is never enough there). Remote services by default; add login, gdm-password or lightdm to require it at the console too.",
    ),
    key(
        k::OFFLINE_SIGN_IN,
        G::LoginWindow,
        T::Bool,
        DefaultValue::Bool(false),
        "Linux (PAM): when Entra cannot be reached, let a person who signed in fully (MFA included where required) before sign in with a local verifier of that password (argon2id, root-only; never the password itself), for OfflineSignInDays after that sign-in.",
    ),
    key(
        k::OFFLINE_SIGN_IN_DAYS,
        G::LoginWindow,
        T::Int {
            min: 1,
            max: 90,
            unit: "days",
        },
        DefaultValue::Int(7),
        "Linux (PAM): how long after the last full online sign-in the offline verifier still opens the machine (OfflineSignIn).",
    ),
    key(
        k::WRONG_PASSWORD_LIMIT,
        G::LoginWindow,
        T::Int {
            min: 1,
            max: 9,
            unit: "wrong passwords",
        },
        DefaultValue::Int(3),
        "Wrong passwords Entra may refuse at the login window before Sesame stops asking and shows the reset link. Keep it well below the tenant's smart-lockout threshold (10 by default).",
    ),
    key(
        k::PASSWORDLESS_LOCAL_PASSWORD,
        G::LoginWindow,
        T::Bool,
        DefaultValue::Bool(false),
        "Let people without an Entra password (passwordless, Authenticator-only, security key) choose a local password after a completed MFA sign-in. That password is never checked against Entra nor re-checked by the menu bar.",
    ),
    key(
        k::KEYCHAIN_RESET,
        G::LoginWindow,
        T::Bool,
        DefaultValue::Bool(false),
        "When a returning user's local password differs from the new cloud password and neither their previous password nor the stored one is available, set the new password anyway (the old login keychain stays locked with the old password). Off: the user is asked for the previous password.",
    ),
    key(
        k::PASSWORD_CHECK_INTERVAL,
        G::PasswordSync,
        T::Int {
            min: 5,
            max: 1440,
            unit: "minutes",
        },
        DefaultValue::Int(60),
        "How often the menu bar re-checks the password against Entra.",
    ),
    key(
        k::CHECK_ON_NETWORK_CHANGE,
        G::PasswordSync,
        T::Bool,
        DefaultValue::Bool(true),
        "Also re-check when the network changes or the Mac wakes.",
    ),
    key(
        k::QUIET_MODE,
        G::PasswordSync,
        T::Bool,
        DefaultValue::Bool(false),
        "Detect cloud password changes with the refresh token instead of sending the password (no ROPG in the background).",
    ),
    key(
        k::PASSWORD_EXPIRY_WARNING_DAYS,
        G::PasswordSync,
        T::Int {
            min: 0,
            max: 90,
            unit: "days",
        },
        DefaultValue::Int(14),
        "How many days before the cloud password expires the menu bar starts warning (0: on the last day only).",
    ),
    key(
        k::CHANGE_PASSWORD_URL,
        G::Links,
        T::HttpsUrl,
        DefaultValue::Str("https://mysignins.microsoft.com/security-info/password/change"),
        "Page opened by 'Change password…'.",
    ),
    key(
        k::RESET_PASSWORD_URL,
        G::Links,
        T::HttpsUrl,
        DefaultValue::Str("https://passwordreset.microsoftonline.com/"),
        "Page opened by 'Forgot password?' (self-service password reset).",
    ),
    key(
        k::HELP_URL,
        G::Links,
        T::HttpsUrl,
        DefaultValue::None,
        "Your helpdesk page, linked from the login window and the menu.",
    ),
    key(
        k::LOG_LEVEL,
        G::Logging,
        T::Enum(&["error", "warn", "info", "debug", "trace"]),
        DefaultValue::Str("info"),
        "How much Sesame logs. Secrets are never logged at any level.",
    ),
    key(
        k::LOG_PATH,
        G::Logging,
        T::Path,
        DefaultValue::PerOs {
            macos: crate::synclog::MACOS_LOG_PATH,
            linux: crate::synclog::LINUX_LOG_PATH,
        },
        "Where the sync log is written.",
    ),
];

/// The key spec for `name` (exact, case-sensitive).
pub fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|s| s.name == name)
}

/// The known key nearest to `name`, if one is close enough to be a typo.
pub fn nearest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    KEYS.iter()
        .map(|s| {
            (
                strsim::jaro_winkler(&lower, &s.name.to_ascii_lowercase()),
                s.name,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_unique_and_camel_case() {
        for (i, a) in KEYS.iter().enumerate() {
            assert!(
                a.name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase()),
                "{}",
                a.name
            );
            assert!(!a.meaning.is_empty());
            for b in &KEYS[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn typos_suggest_the_intended_key() {
        assert_eq!(nearest("TenantId"), Some("TenantID"));
        assert_eq!(nearest("OIDCClientId"), Some("OIDCClientID"));
        assert_eq!(
            nearest("PasswordCheckIntervall"),
            Some("PasswordCheckInterval")
        );
        assert_eq!(nearest("Zebra"), None);
    }

    #[test]
    fn same_as_defaults_point_at_real_keys() {
        for s in KEYS {
            if let DefaultValue::SameAs(other) = s.default {
                assert!(spec(other).is_some(), "{} -> {other}", s.name);
            }
        }
    }
}
