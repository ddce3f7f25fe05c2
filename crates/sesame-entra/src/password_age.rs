//! The password's age from Microsoft Graph, for the expiry warning when the
//! ID token carries no `pwd_exp` (cloud-only users):
//! `GET /v1.0/me?$select=lastPasswordChangeDateTime,passwordPolicies`
//! (delegated `User.Read`), then the validity period of the user's domain,
//! `GET /v1.0/domains/{domain}?$select=passwordValidityPeriodInDays`
//! (delegated `Domain.Read.All`, admin consent) — skipped when
//! `passwordPolicies` says `DisablePasswordExpiration`. Graph documents an
//! unset validity period as 90 days and "never" as `2147483647`.

use secrecy::SecretString;
use serde::Deserialize;
use sesame_core::recheck::ExpiryFacts;
use sesame_core::recheck::expiry::{DEFAULT_VALIDITY_DAYS, never_expires};
use time::OffsetDateTime;
use url::Url;

use crate::client::EntraClient;
use crate::error::parse_error_response;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_password_change_date_time: Option<OffsetDateTime>,
    #[serde(default)]
    password_policies: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Domain {
    #[serde(default)]
    password_validity_period_in_days: Option<u32>,
}

fn graph_url(base: &Url, path: &[&str], select: &str) -> Result<Url, String> {
    let base = base.as_str().trim_end_matches('/');
    let mut url = Url::parse(&format!("{base}/v1.0/")).map_err(|e| e.to_string())?;
    url.path_segments_mut()
        .map_err(|()| "the Graph base URL cannot have a path".to_owned())?
        .pop_if_empty()
        .extend(path);
    url.query_pairs_mut().append_pair("$select", select);
    Ok(url)
}

impl EntraClient {
    async fn graph_get<T: serde::de::DeserializeOwned>(
        &self,
        url: &Url,
        token: &SecretString,
    ) -> Result<T, String> {
        let what = url.path().to_owned();
        let resp = self
            .http()
            .get(url, Some(token))
            .await
            .map_err(|e| format!("Graph {what}: {e}"))?;
        if !resp.is_success() {
            let why = match parse_error_response(
                resp.status,
                resp.content_type.as_deref(),
                None,
                &resp.body,
            ) {
                Ok(e) => e.summary(),
                Err(u) => u.to_string(),
            };
            return Err(format!("Graph {what} answered {}: {why}", resp.status));
        }
        serde_json::from_slice(&resp.body)
            .map_err(|e| format!("Graph {what} answer is malformed ({e})"))
    }

    /// What Graph says about the password's age of the user whose Graph
    /// access token is `token` (the UPN names the domain). Two requests at
    /// most; an error says which failed (the caller keeps its state).
    pub async fn password_age(
        &self,
        token: &SecretString,
        upn: &str,
    ) -> Result<ExpiryFacts, String> {
        let base = &self.config().graph_base;
        let me: Me = self
            .graph_get(
                &graph_url(base, &["me"], "lastPasswordChangeDateTime,passwordPolicies")?,
                token,
            )
            .await?;
        let mut facts = ExpiryFacts {
            pwd_exp: None,
            last_change: me.last_password_change_date_time,
            password_policies: me.password_policies,
            validity_days: None,
        };
        if never_expires(facts.password_policies.as_deref()) {
            return Ok(facts);
        }
        let domain = upn
            .rsplit_once('@')
            .map(|(_, d)| d)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| format!("'{upn}' has no domain to read the validity period of"))?;
        let d: Domain = self
            .graph_get(
                &graph_url(base, &["domains", domain], "passwordValidityPeriodInDays")?,
                token,
            )
            .await?;
        facts.validity_days = Some(
            d.password_validity_period_in_days
                .unwrap_or(DEFAULT_VALIDITY_DAYS),
        );
        Ok(facts)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_stay_under_the_graph_base_and_escape_the_domain() {
        let base = Url::parse("https://127.0.0.1:8443/graph/").unwrap();
        let u = graph_url(&base, &["domains", "contoso.example/../x"], "a,b").unwrap();
        assert_eq!(
            u.as_str(),
            "https://127.0.0.1:8443/graph/v1.0/domains/contoso.example%2F..%2Fx?%24select=a%2Cb"
        );
    }
}
