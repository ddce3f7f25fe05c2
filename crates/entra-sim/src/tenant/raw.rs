//! Raw TOML records and their conversion into the checked [`Tenant`].

use std::collections::HashSet;

use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{
    App, AppRole, CaGrant, CaPolicy, CaState, ClientSecret, Group, GroupsClaim, Lockout, MfaMethod,
    Targets, Tenant, TenantError, Throttling, User, UserState,
};

/// The built-in demo tenant, documented in the crate README.
pub const DEMO_TENANT_TOML: &str = include_str!("../../demo-tenant.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    tenant_id: String,
    #[serde(default)]
    display_name: Option<String>,
    domains: Vec<String>,
    #[serde(default)]
    security_defaults: bool,
    #[serde(default)]
    password_expiry_days: Option<u32>,
    #[serde(default)]
    password_expiry_notification_days: Option<u32>,
    #[serde(default)]
    group_overage_threshold: Option<usize>,
    #[serde(default)]
    lockout: Option<RawLockout>,
    #[serde(default)]
    throttling: Option<RawThrottling>,
    #[serde(default)]
    groups: Vec<RawGroup>,
    #[serde(default)]
    users: Vec<RawUser>,
    #[serde(default)]
    apps: Vec<RawApp>,
    #[serde(default)]
    conditional_access: Vec<RawCa>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLockout {
    threshold: u32,
    duration_seconds: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThrottling {
    #[serde(default)]
    loop_threshold: Option<u32>,
    #[serde(default)]
    app_requests_per_minute: Option<u32>,
    #[serde(default)]
    retry_after_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    name: String,
    #[serde(default = "yes")]
    security_enabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    upn: String,
    password: String,
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default = "enabled")]
    state: UserState,
    #[serde(default)]
    mfa: Option<String>,
    #[serde(default)]
    per_user_mfa: bool,
    #[serde(default)]
    last_password_change: Option<String>,
    #[serde(default)]
    password_never_expires: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRedirects {
    #[serde(default)]
    public: Vec<String>,
    #[serde(default)]
    web: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    id: String,
    value: String,
    expires: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    value: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    client_id: String,
    name: String,
    #[serde(default)]
    public_client: bool,
    #[serde(default)]
    redirect_uris: RawRedirects,
    #[serde(default)]
    assignment_required: bool,
    #[serde(default)]
    assigned: Vec<String>,
    #[serde(default)]
    groups_claim: GroupsClaim,
    #[serde(default)]
    optional_claims: Vec<String>,
    #[serde(default)]
    api_scopes: Vec<String>,
    #[serde(default)]
    secrets: Vec<RawSecret>,
    #[serde(default)]
    roles: Vec<RawRole>,
    #[serde(default = "yes")]
    admin_consent: bool,
    #[serde(default)]
    access_token_accepted_version: Option<u8>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTargets {
    Word(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCa {
    #[serde(default)]
    id: Option<String>,
    name: String,
    state: CaState,
    include_apps: RawTargets,
    #[serde(default)]
    exclude_apps: Vec<String>,
    #[serde(default)]
    include_users: Option<RawTargets>,
    #[serde(default)]
    exclude_users: Vec<String>,
    grant: CaGrant,
}

fn yes() -> bool {
    true
}
fn enabled() -> UserState {
    UserState::Enabled
}

/// Error builder that knows the text, so it can find the line of a value.
struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Ctx<'_> {
    fn line_of_offset(&self, offset: usize) -> usize {
        self.text
            .get(..offset.min(self.text.len()))
            .map_or(0, |s| s.matches('\n').count() + 1)
    }

    /// Line of the first occurrence of `"value"` (or the bare value) in the file.
    fn line_of_value(&self, value: &str) -> usize {
        let quoted = format!("\"{value}\"");
        self.text
            .find(&quoted)
            .or_else(|| (!value.is_empty()).then(|| self.text.find(value)).flatten())
            .map_or(0, |at| self.line_of_offset(at))
    }

    fn invalid(
        &self,
        field: impl Into<String>,
        value: &str,
        message: impl Into<String>,
    ) -> TenantError {
        TenantError::Invalid {
            origin: self.origin.to_string(),
            line: self.line_of_value(value),
            field: field.into(),
            message: message.into(),
        }
    }

    fn guid(&self, field: impl Into<String>, value: &str) -> Result<Uuid, TenantError> {
        Uuid::parse_str(value).map_err(|_| {
            self.invalid(
                field,
                value,
                format!(
                    "`{value}` is not a GUID (expected e.g. 00000000-0000-0000-0000-000000000000)"
                ),
            )
        })
    }

    fn time(&self, field: impl Into<String>, value: &str) -> Result<OffsetDateTime, TenantError> {
        OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
            self.invalid(
                field,
                value,
                format!("`{value}` is not an RFC 3339 time (e.g. 2027-01-01T00:00:00Z)"),
            )
        })
    }
}

fn targets(raw: RawTargets) -> Targets {
    match raw {
        RawTargets::Word(w) if w.eq_ignore_ascii_case("all") => Targets::All,
        RawTargets::Word(w) => Targets::List(vec![w]),
        RawTargets::List(l) => Targets::List(l),
    }
}

/// Parses and checks tenant TOML.
pub(super) fn parse(text: &str, origin: &str) -> Result<Tenant, TenantError> {
    let ctx = Ctx { text, origin };
    let raw: RawTenant = toml::from_str(text).map_err(|e| TenantError::Syntax {
        origin: origin.to_string(),
        line: e.span().map_or(0, |s| ctx.line_of_offset(s.start)),
        message: e.message().trim().to_string(),
    })?;
    let tenant_id = ctx.guid("tenant_id", &raw.tenant_id)?;
    if raw.domains.is_empty() {
        return Err(ctx.invalid(
            "domains",
            "domains",
            "at least one verified domain is required",
        ));
    }
    let mut groups = Vec::new();
    let mut group_ids = HashSet::new();
    for (i, g) in raw.groups.into_iter().enumerate() {
        let id = ctx.guid(format!("groups[{i}].id"), &g.id)?;
        if !group_ids.insert(id) {
            return Err(ctx.invalid(format!("groups[{i}].id"), &g.id, "duplicate group ObjectID"));
        }
        groups.push(Group {
            id,
            name: g.name,
            security_enabled: g.security_enabled,
        });
    }
    let mut users = Vec::new();
    let mut upns = HashSet::new();
    for (i, u) in raw.users.into_iter().enumerate() {
        users.push(user(&ctx, tenant_id, i, u, &group_ids, &mut upns)?);
    }
    let mut principals: HashSet<Uuid> = group_ids.clone();
    principals.extend(users.iter().map(|u| u.oid));
    let mut apps = Vec::new();
    let mut client_ids = HashSet::new();
    for (i, a) in raw.apps.into_iter().enumerate() {
        let app = app(&ctx, i, a, &principals)?;
        if !client_ids.insert(app.client_id) {
            let id = app.client_id.to_string();
            return Err(ctx.invalid(format!("apps[{i}].client_id"), &id, "duplicate client ID"));
        }
        apps.push(app);
    }
    let mut conditional_access = Vec::new();
    for (i, c) in raw.conditional_access.into_iter().enumerate() {
        let mut exclude_users = Vec::new();
        for (j, x) in c.exclude_users.iter().enumerate() {
            exclude_users.push(ctx.guid(format!("conditional_access[{i}].exclude_users[{j}]"), x)?);
        }
        let id = match &c.id {
            Some(x) => ctx.guid(format!("conditional_access[{i}].id"), x)?,
            None => Uuid::new_v5(&tenant_id, format!("capolicy:{}", c.name).as_bytes()),
        };
        conditional_access.push(CaPolicy {
            id,
            name: c.name,
            state: c.state,
            include_apps: targets(c.include_apps),
            exclude_apps: c.exclude_apps,
            include_users: c.include_users.map_or(Targets::All, targets),
            exclude_users,
            grant: c.grant,
        });
    }
    let lockout = raw.lockout.map_or(
        Lockout {
            threshold: 10,
            duration_seconds: 60,
        },
        |l| Lockout {
            threshold: l.threshold.max(1),
            duration_seconds: l.duration_seconds,
        },
    );
    let t = raw.throttling;
    let throttling = Throttling {
        loop_threshold: t.as_ref().and_then(|t| t.loop_threshold).unwrap_or(0),
        app_requests_per_minute: t
            .as_ref()
            .and_then(|t| t.app_requests_per_minute)
            .unwrap_or(0),
        retry_after_seconds: t.as_ref().and_then(|t| t.retry_after_seconds).unwrap_or(60),
    };
    Ok(Tenant {
        tenant_id,
        display_name: raw
            .display_name
            .unwrap_or_else(|| "Simulated tenant".into()),
        domains: raw.domains,
        security_defaults: raw.security_defaults,
        password_expiry_days: raw.password_expiry_days,
        password_expiry_notification_days: raw.password_expiry_notification_days.unwrap_or(14),
        group_overage_threshold: raw.group_overage_threshold.unwrap_or(200),
        lockout,
        throttling,
        groups,
        users,
        apps,
        conditional_access,
    })
}

fn user(
    ctx: &Ctx<'_>,
    tenant_id: Uuid,
    i: usize,
    u: RawUser,
    group_ids: &HashSet<Uuid>,
    upns: &mut HashSet<String>,
) -> Result<User, TenantError> {
    if !u.upn.contains('@') {
        return Err(ctx.invalid(
            format!("users[{i}].upn"),
            &u.upn,
            "a UPN looks like name@domain",
        ));
    }
    if !upns.insert(u.upn.to_ascii_lowercase()) {
        return Err(ctx.invalid(format!("users[{i}].upn"), &u.upn, "duplicate UPN"));
    }
    let oid = match &u.oid {
        Some(o) => ctx.guid(format!("users[{i}].oid"), o)?,
        None => Uuid::new_v5(&tenant_id, u.upn.to_ascii_lowercase().as_bytes()),
    };
    let mut groups = Vec::new();
    for (j, g) in u.groups.iter().enumerate() {
        let field = format!("users[{i}].groups[{j}]");
        let id = ctx.guid(field.clone(), g)?;
        if !group_ids.contains(&id) {
            return Err(ctx.invalid(
                field,
                g,
                format!("no group with ObjectID {g}; add it under [[groups]]"),
            ));
        }
        groups.push(id);
    }
    let mfa = match u.mfa.as_deref() {
        None | Some("") => None,
        Some(m) => {
            let field = format!("users[{i}].mfa");
            let Some(secret) = m.strip_prefix("totp:") else {
                return Err(ctx.invalid(field, m, "expected `totp:<BASE32 SECRET>`"));
            };
            let ok = totp_rs::Secret::Encoded(secret.to_string())
                .to_bytes()
                .is_ok_and(|b| b.len() >= 10);
            if !ok {
                return Err(ctx.invalid(
                    field,
                    m,
                    "the TOTP secret must be Base32 of at least 80 bits",
                ));
            }
            Some(MfaMethod::Totp(SecretString::from(secret.to_string())))
        }
    };
    let last_password_change = match &u.last_password_change {
        Some(t) => ctx.time(format!("users[{i}].last_password_change"), t)?,
        None => OffsetDateTime::now_utc(),
    };
    let display_name = u.display_name.unwrap_or_else(|| {
        let local = u.upn.split('@').next().unwrap_or_default();
        local.to_string()
    });
    Ok(User {
        upn: u.upn,
        password: SecretString::from(u.password),
        oid,
        display_name,
        given_name: u.given_name,
        family_name: u.family_name,
        groups,
        state: u.state,
        mfa,
        per_user_mfa: u.per_user_mfa,
        last_password_change,
        refresh_tokens_valid_from: last_password_change,
        password_never_expires: u.password_never_expires,
    })
}

fn app(ctx: &Ctx<'_>, i: usize, a: RawApp, principals: &HashSet<Uuid>) -> Result<App, TenantError> {
    let client_id = ctx.guid(format!("apps[{i}].client_id"), &a.client_id)?;
    let principal = |field: String, v: &str| -> Result<Uuid, TenantError> {
        let id = ctx.guid(field.clone(), v)?;
        if principals.contains(&id) {
            Ok(id)
        } else {
            Err(ctx.invalid(field, v, format!("no user or group with ObjectID {v}")))
        }
    };
    let mut assigned = Vec::new();
    for (j, x) in a.assigned.iter().enumerate() {
        assigned.push(principal(format!("apps[{i}].assigned[{j}]"), x)?);
    }
    let mut secrets = Vec::new();
    for (j, s) in a.secrets.into_iter().enumerate() {
        secrets.push(ClientSecret {
            id: ctx.guid(format!("apps[{i}].secrets[{j}].id"), &s.id)?,
            expires: ctx.time(format!("apps[{i}].secrets[{j}].expires"), &s.expires)?,
            value: SecretString::from(s.value),
        });
    }
    let mut roles = Vec::new();
    for (j, r) in a.roles.into_iter().enumerate() {
        let mut members = Vec::new();
        for (k, m) in r.members.iter().enumerate() {
            members.push(principal(format!("apps[{i}].roles[{j}].members[{k}]"), m)?);
        }
        roles.push(AppRole {
            value: r.value,
            members,
        });
    }
    for (j, uri) in a
        .redirect_uris
        .public
        .iter()
        .chain(&a.redirect_uris.web)
        .enumerate()
    {
        if url::Url::parse(uri).is_err() {
            return Err(ctx.invalid(
                format!("apps[{i}].redirect_uris[{j}]"),
                uri,
                "not an absolute URL",
            ));
        }
    }
    let access_token_accepted_version = match a.access_token_accepted_version {
        None | Some(1) => 1,
        Some(2) => 2,
        Some(v) => {
            return Err(ctx.invalid(
                format!("apps[{i}].access_token_accepted_version"),
                &v.to_string(),
                "accessTokenAcceptedVersion is 1 or 2 (leave it out for the portal's default, 1)",
            ));
        }
    };
    Ok(App {
        client_id,
        access_token_accepted_version,
        name: a.name,
        public_client: a.public_client,
        redirect_public: a.redirect_uris.public,
        redirect_web: a.redirect_uris.web,
        assignment_required: a.assignment_required,
        assigned,
        groups_claim: a.groups_claim,
        optional_claims: a.optional_claims,
        api_scopes: a.api_scopes,
        secrets,
        roles,
        admin_consent: a.admin_consent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tenant_parses() {
        let t = parse(DEMO_TENANT_TOML, "<demo>").expect("demo tenant");
        assert!(t.users.len() >= 5);
        assert!(t.user("MEGAN@contoso.example").is_some());
    }

    #[test]
    fn unknown_field_names_line_and_field() {
        let text = "tenant_id = \"2f7c1d3e-0000-4000-8000-000000000001\"\ndomains = [\"a.example\"]\n\n[[users]]\nupn = \"a@a.example\"\npasword = \"x\"\n";
        let err = parse(text, "t.toml").expect_err("must fail").to_string();
        assert!(err.starts_with("t.toml:"), "{err}");
        assert!(err.contains("pasword"), "{err}");
    }

    #[test]
    fn unknown_group_reference_names_line_and_field() {
        let text = "tenant_id = \"2f7c1d3e-0000-4000-8000-000000000001\"\ndomains = [\"a.example\"]\n\n[[users]]\nupn = \"a@a.example\"\npassword = \"x\"\ngroups = [\"11111111-1111-1111-1111-111111111111\"]\n";
        let err = parse(text, "t.toml").expect_err("must fail").to_string();
        assert_eq!(
            err,
            "t.toml:7: field `users[0].groups[0]`: no group with ObjectID 11111111-1111-1111-1111-111111111111; add it under [[groups]]"
        );
    }

    #[test]
    fn bad_guid_is_named() {
        let text = "tenant_id = \"contoso\"\ndomains = [\"a.example\"]\n";
        let err = parse(text, "t.toml").expect_err("must fail").to_string();
        assert!(err.starts_with("t.toml:1: field `tenant_id`"), "{err}");
    }
}
