//! Which hosts the capture script may read password fields on: the identity
//! provider's sign-in pages, nothing else. A page on any other host (a
//! federated IdP the profile does not name, a help link, an ad) is never read.

/// Microsoft Entra ID's sign-in hosts (worldwide, US Government, China, and
/// the consumer account pages Entra sends some users through).
pub const ENTRA_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "login.live.com",
    "account.live.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "passwordreset.microsoftonline.com",
];

/// The hosts to capture on for a profile whose authority (or OpenID discovery
/// URL) is `authority`: Entra's sign-in hosts, the authority's own host, and
/// any `extra` hosts the profile names. Lowercase, without duplicates.
pub fn idp_hosts(authority: &url::Url, extra: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = ENTRA_HOSTS.iter().map(|h| (*h).to_owned()).collect();
    let own = authority.host_str().map(str::to_owned);
    for h in own.iter().chain(extra) {
        let h = normalize(h);
        if !h.is_empty() && !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    hosts
}

/// Whether `host` (a page's `location.hostname`) is one of `allowed`.
/// Exact names only, case-insensitive, a trailing dot ignored: a suffix match
/// would let `evil-login.microsoftonline.com.example` in.
pub fn allowed(host: &str, allowed: &[String]) -> bool {
    let host = normalize(host);
    !host.is_empty() && allowed.iter().any(|a| normalize(a) == host)
}

fn normalize(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_hosts_and_the_authority_are_allowed_nothing_else() {
        let auth = url::Url::parse("https://127.0.0.1:8443/tenant-id/v2.0").unwrap();
        let hosts = idp_hosts(&auth, &["SSO.Contoso.example".into()]);
        for (host, want) in [
            ("login.microsoftonline.com", true),
            ("LOGIN.microsoftonline.com.", true),
            ("login.live.com", true),
            ("127.0.0.1", true),
            ("sso.contoso.example", true),
            ("127.0.0.2", false),
            ("evil.login.microsoftonline.com", false),
            ("login.microsoftonline.com.evil.example", false),
            ("", false),
        ] {
            assert_eq!(allowed(host, &hosts), want, "{host}");
        }
        assert_eq!(
            hosts.iter().filter(|h| *h == "127.0.0.1").count(),
            1,
            "no duplicates"
        );
    }
}
