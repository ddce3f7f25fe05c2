//! The one HTTP client every Entra and Graph request goes through.
//!
//! reqwest with rustls; redirects off (Entra's token, discovery and Graph
//! endpoints never redirect, and a redirect is how a captive portal answers);
//! connect and total timeouts; a response-body cap; HTTPS required except to
//! loopback; extra root certificates from the profile; proxies from the
//! environment (`HTTPS_PROXY`, `NO_PROXY`).

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::config::{ClientConfig, ConfigError, transport_allowed};

/// A response read in full (up to the body cap).
///
/// `Debug` shows the status, content type and body *length* only: a body can
/// hold tokens (a token response) and must never reach a log.
#[derive(Clone)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// `Retry-After`, when sent.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("retry_after", &self.retry_after)
            .field(
                "body",
                &format_args!("[{} bytes, redacted]", self.body.len()),
            )
            .finish()
    }
}

impl HttpResponse {
    /// `true` for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `true` when the body is a web page (`text/html`): a captive portal or
    /// a proxy's page where a JSON document was expected.
    pub fn is_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().contains("html"))
    }
}

/// The request never produced an answer Sesame could read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The URL is plain HTTP to a host other than loopback.
    #[error(
        "refusing {url}: Entra and Graph are only contacted over https:// (plain http only to loopback)"
    )]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// DNS lookup failed.
    #[error("cannot resolve the host of {url} (DNS): {detail}")]
    Dns {
        /// The URL.
        url: String,
        /// The resolver's message.
        detail: String,
    },
    /// The TLS handshake or certificate check failed.
    #[error("TLS with {url} failed (certificate not trusted or handshake error): {detail}")]
    Tls {
        /// The URL.
        url: String,
        /// The TLS library's message.
        detail: String,
    },
    /// Connect or total timeout.
    #[error("{url} did not answer within {secs} s")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout that fired.
        secs: u64,
    },
    /// TCP connection failed.
    #[error("cannot connect to {url}: {detail}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The body was larger than the cap.
    #[error("the answer from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The server answered with a redirect (captive portal, wrong host).
    #[error(
        "{url} answered HTTP {status} redirecting to {location:?}; Entra endpoints never redirect (captive portal or proxy?)"
    )]
    Redirect {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The `Location` header.
        location: Option<String>,
    },
    /// Anything else reqwest reports.
    #[error("request to {url} failed: {detail}")]
    Other {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
}

/// The shared HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    max_body_bytes: usize,
    total_timeout: Duration,
    connect_timeout: Duration,
    allow_insecure_loopback: bool,
}

impl HttpClient {
    /// Builds the client from the configuration's limits and extra roots.
    pub fn new(cfg: &ClientConfig) -> Result<Self, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.total_timeout)
            .user_agent(concat!("sesame/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = cfg
            .extra_root_certs_pem
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| ConfigError::BadRootCerts(e.to_string()))?;
            if certs.is_empty() {
                return Err(ConfigError::BadRootCerts(
                    "no PEM certificate found in the text".into(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let inner = builder
            .build()
            .map_err(|e| ConfigError::BadRootCerts(chain(&e)))?;
        Ok(Self {
            inner,
            max_body_bytes: cfg.max_body_bytes,
            total_timeout: cfg.total_timeout,
            connect_timeout: cfg.connect_timeout,
            allow_insecure_loopback: cfg.allow_insecure_loopback,
        })
    }

    /// GET with an optional bearer token.
    pub async fn get(
        &self,
        url: &Url,
        bearer: Option<&SecretString>,
    ) -> Result<HttpResponse, TransportError> {
        check_scheme(url, self.allow_insecure_loopback)?;
        let mut req = self.inner.get(url.clone());
        if let Some(token) = bearer {
            req = req.header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()));
        }
        self.send(url, req).await
    }

    /// POST an `application/x-www-form-urlencoded` body.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<HttpResponse, TransportError> {
        check_scheme(url, self.allow_insecure_loopback)?;
        let req = self.inner.post(url.clone()).form(form);
        self.send(url, req).await
    }

    /// POST a JSON body with a bearer token (Graph).
    pub async fn post_json(
        &self,
        url: &Url,
        bearer: &SecretString,
        body: &serde_json::Value,
    ) -> Result<HttpResponse, TransportError> {
        check_scheme(url, self.allow_insecure_loopback)?;
        let req = self
            .inner
            .post(url.clone())
            .header(AUTHORIZATION, format!("Bearer {}", bearer.expose_secret()))
            .json(body);
        self.send(url, req).await
    }

    async fn send(
        &self,
        url: &Url,
        req: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, TransportError> {
        let started = Instant::now();
        let shown = display_url(url);
        let mut resp = req
            .send()
            .await
            .map_err(|e| self.classify(url, &shown, &e))?;
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let retry_after = header(RETRY_AFTER);
        if (300..400).contains(&status) {
            return Err(TransportError::Redirect {
                url: shown,
                status,
                location: header(LOCATION).map(|l| without_query(&l)),
            });
        }
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes as u64)
        {
            return Err(TransportError::TooLarge {
                url: shown,
                limit: self.max_body_bytes,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.classify(url, &shown, &e))?
        {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(TransportError::TooLarge {
                    url: shown,
                    limit: self.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            url = %shown,
            status,
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "HTTP answer"
        );
        Ok(HttpResponse {
            status,
            content_type,
            retry_after,
            body,
        })
    }

    /// The error for `e`, with every form of the request URL reduced to
    /// `shown` (no query or fragment: they can hold codes, state, nonces).
    fn classify(&self, full: &Url, shown: &str, e: &reqwest::Error) -> TransportError {
        let url = shown.to_owned();
        let detail = without_query(&chain(e).replace(full.as_str(), shown));
        if is_tls(e) || looks_like_tls(&detail) {
            return TransportError::Tls { url, detail };
        }
        if e.is_timeout() {
            let secs = if e.is_connect() {
                self.connect_timeout
            } else {
                self.total_timeout
            };
            return TransportError::Timeout {
                url,
                secs: secs.as_secs(),
            };
        }
        if e.is_connect() {
            if detail.contains("dns error") {
                return TransportError::Dns { url, detail };
            }
            return TransportError::Connect { url, detail };
        }
        TransportError::Other { url, detail }
    }
}

fn check_scheme(url: &Url, allow_insecure_loopback: bool) -> Result<(), TransportError> {
    if transport_allowed(url, allow_insecure_loopback) {
        Ok(())
    } else {
        Err(TransportError::InsecureUrl {
            url: display_url(url),
        })
    }
}

/// The URL without query or fragment (never log parameters).
fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// `text` with the query and fragment of every URL in it removed (error
/// chains and `Location` headers quote URLs).
fn without_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    for c in text.chars() {
        match c {
            '?' | '#' if !in_query => in_query = true,
            c if in_query && (c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>')) => {
                in_query = false;
                out.push(c);
            }
            _ if in_query => {}
            c => out.push(c),
        }
    }
    out
}

/// Walks an error's sources looking for a rustls error.
fn is_tls(e: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(err) = cur {
        if err.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// rustls errors do not always survive the connector's error boxing as a
/// typed source; their messages are stable enough to recognise.
fn looks_like_tls(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    ["peer certificate", "certificate", "handshake", "tls"]
        .iter()
        .any(|m| d.contains(m))
}

/// An error and its sources on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = err.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_loopback_with_the_switch() {
        let https = Url::parse("https://login.microsoftonline.com/x").unwrap();
        assert_eq!(check_scheme(&https, false), Ok(()));
        for loopback in [
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "http://[::1]/x",
        ] {
            let u = Url::parse(loopback).unwrap();
            assert!(check_scheme(&u, false).is_err(), "{loopback}");
            assert_eq!(check_scheme(&u, true), Ok(()), "{loopback}");
        }
        for bad in [
            "http://login.microsoftonline.com/x",
            "ftp://127.0.0.1/x",
            "http://127.0.0.1.nip.io/x",
            "http://localhost.attacker.example/x",
        ] {
            assert!(
                check_scheme(&Url::parse(bad).unwrap(), true).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_response_never_shows_its_body_in_debug() {
        let r = HttpResponse {
            status: 200,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: br#"{"access_token":"eyJ0eXAi.secret-at","refresh_token":"0.AAA-secret-rt"}"#
                .to_vec(),
        };
        let shown = format!("{r:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            shown.contains("redacted") && shown.contains("200"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn transport_errors_never_quote_query_strings() {
        // A closed loopback port: connection refused, with reqwest quoting the URL.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut cfg = ClientConfig::new("t", "c", "r");
        cfg.allow_insecure_loopback = true;
        let http = HttpClient::new(&cfg).unwrap();
        let url = Url::parse(&format!(
            "http://127.0.0.1:{port}/t/oauth2/v2.0/authorize?code=SECRET-CODE&state=SECRET-STATE#frag-SECRET"
        ))
        .unwrap();
        let err = http.get(&url, None).await.unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("/t/oauth2/v2.0/authorize"), "{shown}");
        }
        assert_eq!(
            without_query("see https://h/p?code=x&y=z) and http://a/b#f end"),
            "see https://h/p) and http://a/b end"
        );
    }

    #[test]
    fn logged_urls_drop_query_strings() {
        let u = Url::parse("https://h/p?code=secret#frag").unwrap();
        assert_eq!(display_url(&u), "https://h/p");
    }

    #[test]
    fn bad_extra_roots_are_named() {
        let mut cfg = ClientConfig::new("t", "c", "r");
        cfg.extra_root_certs_pem = Some("not a certificate".into());
        let err = HttpClient::new(&cfg).unwrap_err();
        assert!(err.to_string().contains("extra root certificates"), "{err}");
    }
}
