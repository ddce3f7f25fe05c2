//! The doctor's requests to Entra, each made once, through sesame-entra.
//!
//! Order: discovery; a password-grant request *without* a password (tenant,
//! ROPG client ID, public client flows, client secret); the authorization
//! request (OIDC client ID, redirect URI); then, with a test user, exactly one
//! password check on exactly one endpoint.

use secrecy::SecretString;
use sesame_core::settings::{self, Settings};
use sesame_entra::authorize::AuthorizeOptions;
use sesame_entra::discovery::DiscoveryError;
use sesame_entra::error::{EntraError, parse_error_response};
use sesame_entra::http::HttpResponse;
use sesame_entra::{
    ClientConfig, EntraClient, GroupClaim, PasswordGrantForm, RopgEndpoint, Version,
};

use super::checks::{Answer, GroupsSeen, Observations, PasswordSeen};

/// The client configuration the profile describes, with the ROPG endpoint
/// pinned (v2 for `auto`) so the password is sent exactly once.
pub fn client_config(s: &Settings) -> anyhow::Result<ClientConfig> {
    let mut cfg = ClientConfig::from_settings(s)?;
    if cfg.ropg_endpoint == RopgEndpoint::Auto {
        cfg.ropg_endpoint = RopgEndpoint::V2;
    }
    Ok(cfg)
}

/// What the doctor saw, plus the Entra error of the password check (for
/// its trace and correlation IDs).
#[derive(Debug)]
pub struct Observed {
    /// The observations.
    pub obs: Observations,
    /// Entra's error body of the password check, if it failed.
    pub password_error: Option<EntraError>,
}

/// Runs every probe. `user` is the test user and password, when given.
pub async fn observe(
    s: &Settings,
    user: Option<(&str, &SecretString)>,
) -> anyhow::Result<Observed> {
    let cfg = client_config(s)?;
    let client = EntraClient::new(cfg)?;
    let mut obs = Observations {
        discovery: Answer::Accepted,
        app_probe: None,
        authorize_probe: None,
        password: None,
        secret_configured: s.oidc_client_secret.is_some(),
        uses_groups: !s.admin_groups.is_empty() || !s.allowed_groups.is_empty(),
        success_codes: s.ropg_success_codes.clone(),
        same_client: s.ropg_client_id == s.oidc_client_id,
        ropg_auto: s.ropg_endpoint == settings::RopgEndpoint::Auto,
    };
    let disco = match client.discovery().await {
        Ok(d) => d,
        Err(e) => {
            obs.discovery = discovery_answer(&e);
            return Ok(Observed {
                obs,
                password_error: None,
            });
        }
    };
    let version = match client.config().ropg_endpoint {
        RopgEndpoint::V1 => Version::V1,
        _ => Version::V2,
    };
    let probe_user = user.map_or("sesame-doctor-probe@invalid.example", |(u, _)| u);
    obs.app_probe = Some(
        app_probe(
            &client,
            &disco.metadata(version).token_endpoint,
            version,
            probe_user,
        )
        .await,
    );
    obs.authorize_probe = Some(authorize_probe(&client).await);
    let app_ok = obs
        .app_probe
        .as_ref()
        .is_some_and(|a| !matches!(a, Answer::Entra { codes, .. } if codes.iter().any(|c| [700016, 7000218, 700025, 7000215, 7000222].contains(c))));
    let mut password_error = None;
    if let Some((upn, password)) = user
        && app_ok
    {
        let check = client.check_password(upn, password).await?;
        let mut codes = check
            .error
            .as_ref()
            .map(|e| e.error_codes.clone())
            .unwrap_or_default();
        if codes.is_empty()
            && let Some(c) = check.verdict.code()
        {
            codes.push(c);
        }
        obs.password = Some(PasswordSeen {
            verdict: check.verdict.clone(),
            codes,
            claims: check.claims().map(|c| {
                let groups = match c.groups {
                    GroupClaim::Listed(_) => GroupsSeen::Listed,
                    GroupClaim::Overage => GroupsSeen::Overage,
                    GroupClaim::NotEmitted => GroupsSeen::NotEmitted,
                };
                (groups, c.preferred_username.is_some())
            }),
        });
        password_error = check.error;
    }
    Ok(Observed {
        obs,
        password_error,
    })
}

fn discovery_answer(e: &DiscoveryError) -> Answer {
    match e {
        DiscoveryError::Http {
            entra: Some(err), ..
        } => Answer::Entra {
            error: err.error.clone(),
            codes: err.error_codes.clone(),
        },
        other => Answer::Unusable(other.to_string()),
    }
}

/// An error answer as an [`Answer`]; HTML error pages are read for their
/// AADSTS code, as Entra shows authorization errors only as a page.
fn answer_of(resp: &HttpResponse) -> Answer {
    if resp.status < 400 {
        return Answer::Accepted;
    }
    match parse_error_response(
        resp.status,
        resp.content_type.as_deref(),
        resp.retry_after.as_deref(),
        &resp.body,
    ) {
        Ok(err) => Answer::Entra {
            error: err.error,
            codes: err.error_codes,
        },
        Err(unexpected) => match code_on_page(&resp.body) {
            Some(code) => Answer::Entra {
                error: "error_page".to_owned(),
                codes: vec![code],
            },
            None => Answer::Unusable(unexpected.to_string()),
        },
    }
}

/// The first `AADSTS<digits>` on an error page.
pub fn code_on_page(body: &[u8]) -> Option<u32> {
    let text = String::from_utf8_lossy(body);
    text.match_indices("AADSTS").find_map(|(i, _)| {
        let digits: String = text[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// The product's own password grant (one builder in sesame-entra), without
/// a password: Entra judges the app registration before the credentials.
async fn app_probe(client: &EntraClient, url: &url::Url, version: Version, user: &str) -> Answer {
    let grant = PasswordGrantForm::new(client.config(), version, user, None);
    match client.http().post_form(url, &grant.pairs()).await {
        Ok(resp) => answer_of(&resp),
        Err(e) => Answer::Unusable(e.to_string()),
    }
}

async fn authorize_probe(client: &EntraClient) -> Answer {
    let pending = match client.authorize(&AuthorizeOptions::default()).await {
        Ok(p) => p,
        Err(e) => return Answer::Unusable(e.to_string()),
    };
    match client.http().get(&pending.url, None).await {
        Ok(resp) => answer_of(&resp),
        Err(e) => Answer::Unusable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    /// Accepts one request, returns its body, answers like Entra would to a
    /// request without a password.
    async fn capture_one(listener: TcpListener) -> String {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = sock.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len || n == 0 {
                    let body = text[end + 4..].to_owned();
                    let answer = r#"{"error":"invalid_grant","error_codes":[50126]}"#;
                    let head = format!(
                        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        answer.len()
                    );
                    sock.write_all(head.as_bytes()).await.unwrap();
                    sock.write_all(answer.as_bytes()).await.unwrap();
                    return body;
                }
            }
        }
    }

    fn fields(body: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The doctor's probe is the product's password grant minus the
    /// password: on v1 too it asks for `openid` (issue 9 item 10).
    #[tokio::test]
    async fn the_app_probe_sends_the_products_password_grant() {
        for version in [Version::V1, Version::V2] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = url::Url::parse(&format!(
                "http://{}/contoso.example/oauth2/token",
                listener.local_addr().unwrap()
            ))
            .unwrap();
            let mut cfg = ClientConfig::new(
                "contoso.example",
                "c3000000-0000-4000-8000-000000000001",
                "https://login.microsoftonline.com/common/oauth2/nativeclient",
            );
            cfg.allow_insecure_loopback = true;
            let client = EntraClient::new(cfg).unwrap();
            let server = tokio::spawn(capture_one(listener));
            let answer = app_probe(&client, &url, version, "probe@contoso.example").await;
            assert!(matches!(answer, Answer::Entra { .. }), "{answer:?}");
            let sent = fields(&server.await.unwrap());
            let password = SecretString::from("not sent".to_owned());
            let product: Vec<(String, String)> = PasswordGrantForm::new(
                client.config(),
                version,
                "probe@contoso.example",
                Some(&password),
            )
            .pairs()
            .into_iter()
            .filter(|(k, _)| *k != "password")
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            assert_eq!(sent, product, "{version:?}");
            let scope = sent.iter().find(|(k, _)| k == "scope").map(|(_, v)| v);
            assert!(
                scope.is_some_and(|s| s.split(' ').any(|x| x == "openid")),
                "{version:?}: {sent:?}"
            );
            assert!(!sent.iter().any(|(k, _)| k == "password"));
        }
    }
}
