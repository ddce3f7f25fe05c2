//! ID and access token claim sets (v1 and v2), the groups claim with overage, and
//! the token response JSON.
//!
//! Claims are built while the state lock is held; signing happens after it is released.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::auth::{password_expiry_notice, principals};
use crate::keys::KeyError;
use crate::state::{Grant, RefreshGrant, SimState, Version, random_token};
use crate::tenant::{App, GroupsClaim, Tenant, User};

/// Access and ID tokens live an hour (Entra varies 60–90 minutes; the sim is fixed).
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

/// Everything needed to mint tokens for one sign-in.
#[derive(Debug)]
pub struct IssueRequest<'a> {
    /// The user.
    pub user: &'a User,
    /// The client app.
    pub app: &'a App,
    /// Resource and scopes.
    pub grant: &'a Grant,
    /// Nonce from the authorize request.
    pub nonce: Option<&'a str>,
    /// Authentication methods (`pwd`, `mfa`).
    pub amr: &'a [&'static str],
    /// The client authenticated with a secret (`appidacr`/`azpacr` = 1).
    pub confidential: bool,
    /// Issue a refresh token even on v2 without `offline_access` (never set by Entra flows).
    pub force_refresh: bool,
}

/// Claims ready to be signed, plus the refresh grant to store.
#[derive(Debug)]
pub struct Unsigned {
    id_token: Option<Value>,
    access_token: Value,
    /// The access token is a v1.0 token (its header carries `x5t`).
    access_v1: bool,
    /// Refresh token value and grant, when one is issued.
    pub refresh: Option<(String, RefreshGrant)>,
    version: Version,
    scope: String,
    audience: String,
    now: OffsetDateTime,
}

fn pairwise_sub(oid: &uuid::Uuid, client: &uuid::Uuid) -> String {
    let d = Sha256::digest(format!("{oid}{client}").as_bytes());
    URL_SAFE_NO_PAD.encode(d)
}

/// The groups claim value: a list, or the overage marker.
enum Groups {
    List(Vec<String>),
    Overage,
}

fn groups(tenant: &Tenant, user: &User, app: &App) -> Option<Groups> {
    let ids: Vec<String> = match app.groups_claim {
        GroupsClaim::None => return None,
        GroupsClaim::Security => user
            .groups
            .iter()
            .filter(|g| tenant.group(**g).is_some_and(|g| g.security_enabled))
            .map(ToString::to_string)
            .collect(),
        GroupsClaim::All => user.groups.iter().map(ToString::to_string).collect(),
    };
    if ids.len() > tenant.group_overage_threshold {
        Some(Groups::Overage)
    } else {
        Some(Groups::List(ids))
    }
}

fn add_groups(
    claims: &mut Map<String, Value>,
    state: &SimState,
    tenant: &Tenant,
    user: &User,
    app: &App,
) {
    match groups(tenant, user, app) {
        None => {}
        Some(Groups::List(ids)) => {
            claims.insert("groups".into(), json!(ids));
        }
        Some(Groups::Overage) => {
            claims.insert("_claim_names".into(), json!({ "groups": "src1" }));
            let endpoint = format!(
                "{}/v1.0/users/{}/getMemberObjects",
                state.base_url, user.oid
            );
            claims.insert(
                "_claim_sources".into(),
                json!({ "src1": { "endpoint": endpoint } }),
            );
        }
    }
}

fn roles(user: &User, resource_app: Option<&App>) -> Vec<String> {
    let who = principals(user);
    resource_app.map_or_else(Vec::new, |a| {
        a.roles
            .iter()
            .filter(|r| r.members.iter().any(|m| who.contains(m)))
            .map(|r| r.value.clone())
            .collect()
    })
}

/// Builds the claims of the tokens for `req`.
pub fn build(
    state: &SimState,
    tenant: &Tenant,
    req: &IssueRequest<'_>,
    now: OffsetDateTime,
) -> Unsigned {
    let (user, app, grant) = (req.user, req.app, req.grant);
    let iat = now.unix_timestamp();
    let exp = iat + TOKEN_LIFETIME_SECS;
    let tid = tenant.tenant_id.to_string();
    let resource_app = tenant.app(&grant.resource_app);
    let roles = roles(user, resource_app);
    let sub = pairwise_sub(&user.oid, &app.client_id);
    let aio = random_token(24);
    let uti = random_token(16);
    let wants = |c: &str| app.optional_claims.iter().any(|x| x == c);
    let amr = req.amr;
    let profile = grant.oidc.iter().any(|s| s == "profile");
    // `pwd_exp` / `pwd_url` only inside the notification window (optional-claims reference).
    let expiry_notice = password_expiry_notice(tenant, user, now);
    let pwd_exp = |at: OffsetDateTime| json!((at - now).whole_seconds().max(0).to_string());
    let pwd_url = format!("{}/ChangePassword.aspx", state.base_url);

    let id_token = match grant.version {
        Version::V2 if !grant.oidc.iter().any(|s| s == "openid") => None,
        Version::V2 => {
            let mut c = Map::new();
            c.insert("aud".into(), json!(app.client_id.to_string()));
            c.insert("iss".into(), json!(state.issuer_v2()));
            c.insert("iat".into(), json!(iat));
            c.insert("nbf".into(), json!(iat));
            c.insert("exp".into(), json!(exp));
            c.insert("aio".into(), json!(aio));
            c.insert("oid".into(), json!(user.oid.to_string()));
            if profile {
                // v2 ID tokens carry `name` and `preferred_username` only with `profile`.
                c.insert("name".into(), json!(user.display_name));
                c.insert("preferred_username".into(), json!(user.upn));
            }
            c.insert("rh".into(), json!(random_token(12)));
            c.insert("sub".into(), json!(sub));
            c.insert("tid".into(), json!(tid));
            c.insert("uti".into(), json!(uti));
            c.insert("ver".into(), json!("2.0"));
            if let Some(n) = req.nonce {
                c.insert("nonce".into(), json!(n));
            }
            if grant.oidc.iter().any(|s| s == "email") || wants("email") {
                c.insert("email".into(), json!(user.upn));
            }
            if wants("upn") {
                c.insert("upn".into(), json!(user.upn));
            }
            if wants("given_name") {
                c.insert("given_name".into(), json!(user.given_name));
            }
            if wants("family_name") {
                c.insert("family_name".into(), json!(user.family_name));
            }
            if let Some(at) = expiry_notice {
                if wants("pwd_exp") {
                    c.insert("pwd_exp".into(), pwd_exp(at));
                }
                if wants("pwd_url") {
                    c.insert("pwd_url".into(), json!(pwd_url));
                }
            }
            add_groups(&mut c, state, tenant, user, app);
            let own_roles = roles_for_client(user, app);
            if !own_roles.is_empty() {
                c.insert("roles".into(), json!(own_roles));
            }
            Some(Value::Object(c))
        }
        Version::V1 => {
            let mut c = Map::new();
            c.insert("aud".into(), json!(app.client_id.to_string()));
            c.insert("iss".into(), json!(state.issuer_v1()));
            c.insert("iat".into(), json!(iat));
            c.insert("nbf".into(), json!(iat));
            c.insert("exp".into(), json!(exp));
            c.insert("amr".into(), json!(amr));
            if let Some(f) = &user.family_name {
                c.insert("family_name".into(), json!(f));
            }
            if let Some(g) = &user.given_name {
                c.insert("given_name".into(), json!(g));
            }
            c.insert("ipaddr".into(), json!("127.0.0.1"));
            c.insert("name".into(), json!(user.display_name));
            c.insert("oid".into(), json!(user.oid.to_string()));
            c.insert("sub".into(), json!(sub));
            c.insert("tid".into(), json!(tid));
            c.insert("unique_name".into(), json!(user.upn));
            c.insert("upn".into(), json!(user.upn));
            c.insert("ver".into(), json!("1.0"));
            if wants("preferred_username") {
                c.insert("preferred_username".into(), json!(user.upn));
            }
            if let Some(n) = req.nonce {
                c.insert("nonce".into(), json!(n));
            }
            if let Some(at) = expiry_notice {
                c.insert("pwd_exp".into(), pwd_exp(at));
                c.insert("pwd_url".into(), json!(pwd_url));
            }
            add_groups(&mut c, state, tenant, user, app);
            let own_roles = roles_for_client(user, app);
            if !own_roles.is_empty() {
                c.insert("roles".into(), json!(own_roles));
            }
            Some(Value::Object(c))
        }
    };

    let mut scp: Vec<String> = grant.scopes.clone();
    scp.extend(
        grant
            .oidc
            .iter()
            .filter(|s| *s != "offline_access")
            .cloned(),
    );
    // The access token's version is the resource API's `accessTokenAcceptedVersion` (null or
    // 1 gives v1.0, Graph's included), whichever endpoint issued it.
    let v2_api = resource_app.is_some_and(|r| r.access_token_accepted_version == 2);
    let mut a = Map::new();
    a.insert(
        "aud".into(),
        json!(if v2_api {
            &grant.resource_app
        } else {
            &grant.audience
        }),
    );
    a.insert(
        "iss".into(),
        json!(if v2_api {
            state.issuer_v2()
        } else {
            state.issuer_v1()
        }),
    );
    a.insert("iat".into(), json!(iat));
    a.insert("nbf".into(), json!(iat));
    a.insert("exp".into(), json!(exp));
    a.insert("aio".into(), json!(aio));
    if !v2_api {
        a.insert("amr".into(), json!(amr)); // `amr` is a v1.0 access-token claim only
    }
    a.insert("name".into(), json!(user.display_name));
    a.insert("oid".into(), json!(user.oid.to_string()));
    a.insert("scp".into(), json!(scp.join(" ")));
    a.insert("sub".into(), json!(sub));
    a.insert("tid".into(), json!(tid));
    a.insert("uti".into(), json!(uti));
    if v2_api {
        a.insert("azp".into(), json!(app.client_id.to_string()));
        a.insert(
            "azpacr".into(),
            json!(if req.confidential { "1" } else { "0" }),
        );
        a.insert("preferred_username".into(), json!(user.upn));
        a.insert("ver".into(), json!("2.0"));
    } else {
        a.insert("acr".into(), json!("1"));
        a.insert("app_displayname".into(), json!(app.name));
        a.insert("appid".into(), json!(app.client_id.to_string()));
        a.insert(
            "appidacr".into(),
            json!(if req.confidential { "1" } else { "0" }),
        );
        if let Some(f) = &user.family_name {
            a.insert("family_name".into(), json!(f));
        }
        if let Some(g) = &user.given_name {
            a.insert("given_name".into(), json!(g));
        }
        a.insert("ipaddr".into(), json!("127.0.0.1"));
        a.insert("unique_name".into(), json!(user.upn));
        a.insert("upn".into(), json!(user.upn));
        a.insert("ver".into(), json!("1.0"));
    }
    if let Some(ra) = resource_app {
        add_groups(&mut a, state, tenant, user, ra);
    }
    if !roles.is_empty() {
        a.insert("roles".into(), json!(roles));
    }

    let wants_refresh =
        grant.version == Version::V1 || grant.oidc.iter().any(|s| s == "offline_access");
    let refresh = (wants_refresh || req.force_refresh).then(|| {
        let g = RefreshGrant {
            client_id: app.client_id,
            oid: user.oid,
            grant: grant.clone(),
            amr: amr.to_vec(),
            issued: now,
            confidential: req.confidential,
            last_used: now,
        };
        (random_token(96), g)
    });
    let scope = match grant.version {
        Version::V2 => {
            let mut s: Vec<String> = grant.scopes.clone();
            s.extend(grant.oidc.iter().cloned());
            s.join(" ")
        }
        Version::V1 => grant.scopes.join(" "),
    };
    Unsigned {
        id_token,
        access_token: Value::Object(a),
        access_v1: !v2_api,
        refresh,
        version: grant.version,
        scope,
        audience: grant.audience.clone(),
        now,
    }
}

/// Roles the user holds on the client app itself (for the ID token).
fn roles_for_client(user: &User, app: &App) -> Vec<String> {
    roles(user, Some(app))
}

/// Signs the tokens and renders the token response (v1 numbers are strings, as Entra sends them).
pub fn sign(state: &SimState, u: &Unsigned) -> Result<Value, KeyError> {
    let key = state.signing_key();
    // `x5t` is a legacy header Entra sends on v1.0 tokens only.
    let access = key.sign_as(&u.access_token, u.access_v1)?;
    let id_v1 = u.version == Version::V1;
    let id = u
        .id_token
        .as_ref()
        .map(|c| key.sign_as(c, id_v1))
        .transpose()?;
    let expires_in = TOKEN_LIFETIME_SECS - 1;
    let mut out = Map::new();
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("scope".into(), json!(u.scope));
    match u.version {
        Version::V2 => {
            out.insert("expires_in".into(), json!(expires_in));
            out.insert("ext_expires_in".into(), json!(expires_in));
        }
        Version::V1 => {
            let now = u.now.unix_timestamp();
            out.insert("expires_in".into(), json!(expires_in.to_string()));
            out.insert("ext_expires_in".into(), json!(expires_in.to_string()));
            out.insert(
                "expires_on".into(),
                json!((now + TOKEN_LIFETIME_SECS).to_string()),
            );
            out.insert("not_before".into(), json!(now.to_string()));
            out.insert("resource".into(), json!(u.audience));
        }
    }
    out.insert("access_token".into(), json!(access));
    if let Some((rt, _)) = &u.refresh {
        out.insert("refresh_token".into(), json!(rt));
    }
    if let Some(id) = id {
        out.insert("id_token".into(), json!(id));
    }
    Ok(Value::Object(out))
}
