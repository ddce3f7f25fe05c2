//! A Sesame configuration profile for the tenant a sim serves, so an admin
//! (or `sesame demo`) can point Sesame at a practice tenant without copying
//! IDs by hand: `entra-sim serve --tls --write-profile practice.mobileconfig`.
//!
//! The profile is written from the sim's own tenant model (tenant ID, the
//! first public-client app and its redirect URI, the groups whose name says
//! "admin") and its listener (authority host, CA certificate). It spells
//! Sesame's key names as plain strings: the sim still imports no client code.

use std::path::PathBuf;

use plist::{Dictionary, Value};

use crate::SimHandle;
use crate::tenant::{App, Tenant};

/// The redirect URI Microsoft suggests for desktop apps (preferred when the
/// app registers it).
const NATIVECLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";

/// What to put in the profile beyond the tenant's own facts.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// `LogPath`: where Sesame writes its sync log (left to Sesame's default when `None`).
    pub log_path: Option<PathBuf>,
    /// More string-valued keys, e.g. `("NativeMFA", "device_code")`.
    pub extra: Vec<(String, String)>,
}

/// Why no profile could be written for a tenant.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The tenant has no app Sesame can sign in with.
    #[error(
        "the tenant has no public-client app with a \"Mobile and desktop\" redirect URI; \
         add one under [[apps]] (public_client = true, redirect_uris = {{ public = [\"{NATIVECLIENT}\"] }})"
    )]
    NoPublicClient,
    /// The plist could not be written.
    #[error("cannot write the profile: {0}")]
    Write(#[from] plist::Error),
}

/// What the written profile says, for the lines `serve` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    /// `OIDCClientID`.
    pub client_id: String,
    /// The app's display name.
    pub app_name: String,
    /// `OIDCRedirectURI`.
    pub redirect_uri: String,
    /// `AdminGroups`, as (ObjectID, display name).
    pub admin_groups: Vec<(String, String)>,
    /// `AllowInsecureSimulatedTenant` was set (plain http).
    pub insecure: bool,
}

/// The app Sesame signs in with: the first public client with a desktop
/// redirect URI, and that URI (the nativeclient one when registered).
fn sign_in_app(tenant: &Tenant) -> Option<(&App, &str)> {
    tenant
        .apps
        .iter()
        .filter(|a| a.public_client)
        .find_map(|a| {
            let uri = a
                .redirect_public
                .iter()
                .find(|u| u.as_str() == NATIVECLIENT)
                .or_else(|| a.redirect_public.first())?;
            Some((a, uri.as_str()))
        })
}

/// The .mobileconfig (XML) for `sim`'s tenant, and what it chose.
pub fn sesame_profile(
    sim: &SimHandle,
    options: &ProfileOptions,
) -> Result<(Vec<u8>, ProfileSummary), ProfileError> {
    let tenant = sim.tenant();
    let (app, redirect) = sign_in_app(&tenant).ok_or(ProfileError::NoPublicClient)?;
    let admin_groups: Vec<(String, String)> = tenant
        .groups
        .iter()
        .filter(|g| g.security_enabled && g.name.to_ascii_lowercase().contains("admin"))
        .map(|g| (g.id.to_string(), g.name.clone()))
        .collect();
    let insecure = sim.ca_pem().is_none();
    let mut keys = Dictionary::new();
    let mut put = |k: &str, v: Value| {
        keys.insert(k.to_owned(), v);
    };
    put("PayloadType", "io.sesame.agent".into());
    put("PayloadVersion", Value::Integer(1.into()));
    put("PayloadIdentifier", "io.sesame.agent.entra-sim".into());
    put("PayloadUUID", uuid::Uuid::new_v4().to_string().into());
    put(
        "PayloadDisplayName",
        format!("Sesame: {} (entra-sim)", tenant.display_name).into(),
    );
    put("TenantID", tenant.tenant_id.to_string().into());
    put("AuthorityHost", sim.base_url().into());
    put("OIDCClientID", app.client_id.to_string().into());
    put("OIDCRedirectURI", redirect.into());
    match sim.ca_pem() {
        Some(pem) => put(
            "TrustedRootCertificates",
            Value::Array(vec![pem.to_owned().into()]),
        ),
        None => put("AllowInsecureSimulatedTenant", Value::Boolean(true)),
    }
    if !admin_groups.is_empty() {
        put(
            "AdminGroups",
            Value::Array(
                admin_groups
                    .iter()
                    .map(|(id, _)| id.clone().into())
                    .collect(),
            ),
        );
    }
    if let Some(p) = &options.log_path {
        put("LogPath", p.display().to_string().into());
    }
    for (k, v) in &options.extra {
        put(k, v.clone().into());
    }
    let mut outer = Dictionary::new();
    outer.insert(
        "PayloadContent".into(),
        Value::Array(vec![Value::Dictionary(keys)]),
    );
    for (k, v) in [
        ("PayloadType", "Configuration".to_owned()),
        (
            "PayloadIdentifier",
            "io.sesame.profile.entra-sim".to_owned(),
        ),
        ("PayloadUUID", uuid::Uuid::new_v4().to_string()),
        (
            "PayloadDisplayName",
            format!("Sesame practice tenant: {}", tenant.display_name),
        ),
        (
            "PayloadDescription",
            format!(
                "Points Sesame at the simulated tenant served at {}. For testing only: never install it on a real Mac.",
                sim.base_url()
            ),
        ),
    ] {
        outer.insert(k.into(), v.into());
    }
    outer.insert("PayloadVersion".into(), Value::Integer(1.into()));
    let mut bytes = Vec::new();
    Value::Dictionary(outer).to_writer_xml(&mut bytes)?;
    Ok((
        bytes,
        ProfileSummary {
            client_id: app.client_id.to_string(),
            app_name: app.name.clone(),
            redirect_uri: redirect.to_owned(),
            admin_groups,
            insecure,
        },
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_tenant_without_a_public_client_names_the_fix() {
        let mut t = Tenant::demo();
        t.apps.retain(|a| !a.public_client);
        assert!(sign_in_app(&t).is_none());
        let msg = ProfileError::NoPublicClient.to_string();
        assert!(msg.contains("public_client = true"), "{msg}");
    }

    #[test]
    fn the_nativeclient_uri_is_preferred() {
        let mut t = Tenant::demo();
        let (app, uri) = sign_in_app(&t).unwrap();
        assert_eq!(app.name, "Sesame");
        assert_eq!(uri, NATIVECLIENT);
        t.apps[0].redirect_public = vec!["https://127.0.0.1/sesame".into()];
        assert_eq!(sign_in_app(&t).unwrap().1, "https://127.0.0.1/sesame");
    }
}
