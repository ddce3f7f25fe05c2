//! The tenant model: a TOML file becomes typed users, groups, apps and policies.
//!
//! Parsing happens in two steps: `toml` + serde turn the text into raw records
//! (syntax errors and unknown or missing fields come back with their line), then
//! [`Tenant::from_toml_str`] checks meaning (GUIDs, references between records,
//! duplicate names) and names the line and field of the first problem.

use std::path::Path;

use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

mod raw;

pub use raw::DEMO_TENANT_TOML;

/// A bad tenant file: where it is and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The file could not be read.
    #[error("cannot read tenant file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed, or a field is unknown, missing or of the wrong type.
    #[error("{origin}:{line}: {message}")]
    Syntax {
        /// File name (or `<demo tenant>`).
        origin: String,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// What `toml` said, including the field name.
        message: String,
    },
    /// A value parsed but makes no sense (bad GUID, unknown group, duplicate user, ...).
    #[error("{origin}:{line}: field `{field}`: {message}")]
    Invalid {
        /// File name (or `<demo tenant>`).
        origin: String,
        /// 1-based line of the offending value (0 when unknown).
        line: usize,
        /// Path of the field, e.g. `users[2].groups[0]`.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Account state of a user, as an admin sets it in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// Can sign in.
    Enabled,
    /// "Block sign-in" is set: AADSTS50057.
    Disabled,
    /// Locked (as if by smart lockout, until unlocked): AADSTS50053.
    Locked,
    /// The password has expired and must be changed: AADSTS50055.
    PasswordExpired,
}

/// A registered MFA method.
#[derive(Debug, Clone)]
pub enum MfaMethod {
    /// An authenticator app (RFC 6238, SHA-1, 6 digits, 30 s); the Base32 secret.
    Totp(SecretString),
}

/// Which groups go into tokens (the app's "groupMembershipClaims").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupsClaim {
    /// No groups claim.
    #[default]
    None,
    /// Security groups only.
    Security,
    /// Security groups, Microsoft 365 groups and distribution lists.
    All,
}

/// Conditional Access policy state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaState {
    /// Enforced.
    On,
    /// Not evaluated.
    Off,
    /// Evaluated and logged, never enforced.
    ReportOnly,
}

/// What a Conditional Access policy demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaGrant {
    /// Require multifactor authentication.
    Mfa,
    /// Block access (AADSTS53003).
    Block,
    /// Require a compliant device (AADSTS53000; a Mac at the login window never is).
    CompliantDevice,
}

/// A set of targets: everything, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// Every app / every user.
    All,
    /// Client IDs, `api://` resources, or user/group ObjectIDs.
    List(Vec<String>),
}

/// A security or Microsoft 365 group.
#[derive(Debug, Clone)]
pub struct Group {
    /// ObjectID.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Security group (true) or Microsoft 365 / distribution group (false).
    pub security_enabled: bool,
}

/// A user account.
#[derive(Debug, Clone)]
pub struct User {
    /// User principal name (case-insensitive).
    pub upn: String,
    /// Current password.
    pub password: SecretString,
    /// ObjectID.
    pub oid: Uuid,
    /// Display name ("name" claim).
    pub display_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Direct group memberships (ObjectIDs).
    pub groups: Vec<Uuid>,
    /// Account state.
    pub state: UserState,
    /// Registered MFA method.
    pub mfa: Option<MfaMethod>,
    /// Legacy per-user MFA enforced.
    pub per_user_mfa: bool,
    /// When the password was last changed. Public clients' password-based refresh tokens
    /// issued before it answer 50173 (Microsoft's "Refresh tokens" revocation table).
    pub last_password_change: OffsetDateTime,
    /// Graph's `refreshTokensValidFromDateTime`: every refresh token issued before it answers
    /// 50173 (moved by an admin reset in the Entra admin center).
    pub refresh_tokens_valid_from: OffsetDateTime,
    /// `DisablePasswordExpiration` policy.
    pub password_never_expires: bool,
}

/// A client secret of a confidential app.
#[derive(Debug, Clone)]
pub struct ClientSecret {
    /// Secret ID (what the portal shows as "Secret ID"; not the secret).
    pub id: Uuid,
    /// The secret value.
    pub value: SecretString,
    /// Expiry.
    pub expires: OffsetDateTime,
}

/// An app role and who holds it.
#[derive(Debug, Clone)]
pub struct AppRole {
    /// The `roles` claim value.
    pub value: String,
    /// User or group ObjectIDs.
    pub members: Vec<Uuid>,
}

/// An app registration (and its enterprise app).
#[derive(Debug, Clone)]
pub struct App {
    /// Application (client) ID.
    pub client_id: Uuid,
    /// Display name.
    pub name: String,
    /// "Allow public client flows".
    pub public_client: bool,
    /// Redirect URIs of the "Mobile and desktop" platform.
    pub redirect_public: Vec<String>,
    /// Redirect URIs of the "Web" platform.
    pub redirect_web: Vec<String>,
    /// "Assignment required?"
    pub assignment_required: bool,
    /// Assigned users or groups.
    pub assigned: Vec<Uuid>,
    /// Groups claim configuration.
    pub groups_claim: GroupsClaim,
    /// Optional claims added to ID tokens.
    pub optional_claims: Vec<String>,
    /// Scopes exposed as `api://<client_id>/<scope>`.
    pub api_scopes: Vec<String>,
    /// Client secrets.
    pub secrets: Vec<ClientSecret>,
    /// App roles.
    pub roles: Vec<AppRole>,
    /// Admin consent granted for the app's permissions (false gives AADSTS65001).
    pub admin_consent: bool,
    /// `accessTokenAcceptedVersion` of the API this app exposes: 1 (the default, also when
    /// the manifest says null) or 2. Decides the version of access tokens *for* this app,
    /// whichever endpoint issued them.
    pub access_token_accepted_version: u8,
}

/// A Conditional Access policy.
#[derive(Debug, Clone)]
pub struct CaPolicy {
    /// Policy ID (what `capolids` in a claims challenge names).
    pub id: Uuid,
    /// Display name (used to toggle it).
    pub name: String,
    /// On, off, report-only.
    pub state: CaState,
    /// Target apps.
    pub include_apps: Targets,
    /// Excluded client IDs / resources.
    pub exclude_apps: Vec<String>,
    /// Target users (ObjectIDs of users or groups).
    pub include_users: Targets,
    /// Excluded users or groups.
    pub exclude_users: Vec<Uuid>,
    /// Grant control.
    pub grant: CaGrant,
}

/// Smart lockout settings.
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    /// Failed sign-ins (distinct wrong passwords) before lockout.
    pub threshold: u32,
    /// First lockout duration in seconds (doubles on each re-lock).
    pub duration_seconds: u64,
}

/// Throttling settings.
#[derive(Debug, Clone, Copy)]
pub struct Throttling {
    /// Identical token requests (same user, app, grant) per minute before AADSTS50196.
    pub loop_threshold: u32,
    /// Token requests per app per minute before HTTP 429 (0 = unlimited).
    pub app_requests_per_minute: u32,
    /// Retry-After seconds sent with 429.
    pub retry_after_seconds: u64,
}

/// A whole tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Directory (tenant) ID.
    pub tenant_id: Uuid,
    /// Organisation name.
    pub display_name: String,
    /// Verified domains (first is the default).
    pub domains: Vec<String>,
    /// Security defaults on.
    pub security_defaults: bool,
    /// Days until a password expires (None = never).
    pub password_expiry_days: Option<u32>,
    /// "Days before a user is notified about expiration" (default 14): only inside this
    /// window do tokens carry `pwd_exp` / `pwd_url`.
    pub password_expiry_notification_days: u32,
    /// More groups than this become the overage form.
    pub group_overage_threshold: usize,
    /// Smart lockout.
    pub lockout: Lockout,
    /// Throttling.
    pub throttling: Throttling,
    /// Groups.
    pub groups: Vec<Group>,
    /// Users.
    pub users: Vec<User>,
    /// App registrations.
    pub apps: Vec<App>,
    /// Conditional Access policies.
    pub conditional_access: Vec<CaPolicy>,
}

impl Tenant {
    /// The built-in demo tenant (see the crate README).
    pub fn demo() -> Tenant {
        match Tenant::from_toml_str(DEMO_TENANT_TOML, "<demo tenant>") {
            Ok(t) => t,
            // The demo file is checked by a unit test; this cannot happen in a release.
            Err(e) => panic!("built-in demo tenant is invalid: {e}"),
        }
    }

    /// Reads and checks a tenant file.
    pub fn load(path: &Path) -> Result<Tenant, TenantError> {
        let text = std::fs::read_to_string(path).map_err(|source| TenantError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Tenant::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and checks tenant TOML; `origin` names the file in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Tenant, TenantError> {
        raw::parse(text, origin)
    }

    /// Finds a user by UPN (case-insensitive).
    pub fn user(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    /// Finds an app by client ID.
    pub fn app(&self, client_id: &str) -> Option<&App> {
        let id = Uuid::parse_str(client_id).ok()?;
        self.apps.iter().find(|a| a.client_id == id)
    }

    /// Finds a group by ObjectID.
    pub fn group(&self, id: Uuid) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// True when `name` (GUID or verified domain, any case) names this tenant.
    pub fn is_named(&self, name: &str) -> bool {
        Uuid::parse_str(name).is_ok_and(|id| id == self.tenant_id)
            || self.domains.iter().any(|d| d.eq_ignore_ascii_case(name))
    }
}
