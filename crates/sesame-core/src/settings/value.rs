//! Checking one raw plist value against its key's [`Kind`], giving a typed value.

use super::findings::Severity;
use super::keys::Kind;
use base64::Engine as _;
use der::Decode as _;
use plist::Value;
use secrecy::SecretString;
use std::fmt;

/// A checked value, typed by its key's kind.
#[derive(Clone)]
pub enum Typed {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (GUIDs lowercased, URLs as written).
    Str(String),
    /// A list of strings.
    List(Vec<String>),
    /// A list of AADSTS codes.
    Codes(Vec<u32>),
    /// A secret; never shown.
    Secret(SecretString),
}

impl fmt::Debug for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Typed::Bool(b) => write!(f, "{b}"),
            Typed::Int(i) => write!(f, "{i}"),
            Typed::Str(s) => f.write_str(s),
            Typed::List(l) if l.is_empty() => f.write_str("(empty)"),
            Typed::List(l) => f.write_str(&l.join(", ")),
            Typed::Codes(c) => {
                let s: Vec<String> = c.iter().map(u32::to_string).collect();
                f.write_str(&s.join(", "))
            }
            Typed::Secret(_) => f.write_str("<set, hidden>"),
        }
    }
}

impl Typed {
    /// The value as JSON for `show --json`; secrets stay hidden.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Typed::Bool(b) => json!(b),
            Typed::Int(i) => json!(i),
            Typed::Str(s) => json!(s),
            Typed::List(l) => json!(l),
            Typed::Codes(c) => json!(c),
            Typed::Secret(_) => json!("<set, hidden>"),
        }
    }
}

/// The outcome of checking one value: the typed value (unless it was
/// unusable) and any problems, each with its severity.
#[derive(Debug)]
pub struct Checked {
    /// The value to use, or `None` when it was rejected.
    pub value: Option<Typed>,
    /// Problems found: severity and message.
    pub issues: Vec<(Severity, String)>,
}

impl Checked {
    fn ok(value: Typed) -> Self {
        Checked {
            value: Some(value),
            issues: Vec::new(),
        }
    }
    fn err(message: String) -> Self {
        Checked {
            value: None,
            issues: vec![(Severity::Error, message)],
        }
    }
    fn warn(mut self, message: String) -> Self {
        self.issues.push((Severity::Warning, message));
        self
    }
}

/// Codes that must never count as a verified password, and why.
pub const NEVER_SUCCESS: &[(u32, &str)] = &[
    (50126, "it means the password is wrong"),
    (
        50053,
        "Entra returns it for a locked account whatever the password",
    ),
    (50034, "it means the user does not exist"),
    (50056, "it means the user has no cloud password"),
    (50057, "it means the account is disabled"),
    (50064, "it means the credentials failed validation"),
];

/// A short, safe description of a raw value ("string \"abc\"", "array of 2 items").
pub fn describe(v: &Value, secret: bool) -> String {
    match v {
        Value::String(_) if secret => "a string (hidden)".into(),
        Value::String(s) => {
            let mut shown: String = s.chars().take(80).collect();
            if shown.len() < s.len() {
                shown.push('…');
            }
            format!("string {shown:?}")
        }
        Value::Boolean(b) => format!("boolean {b}"),
        Value::Integer(i) => format!("integer {i}"),
        Value::Real(r) => format!("real {r}"),
        Value::Array(a) => format!("array of {} items", a.len()),
        Value::Dictionary(_) => "dictionary".into(),
        Value::Data(d) => format!("data ({} bytes)", d.len()),
        Value::Date(_) => "date".into(),
        Value::Uid(_) => "uid".into(),
        _ => "an unsupported value".into(),
    }
}

/// Check `v` against `kind`.
pub fn check(kind: Kind, v: &Value) -> Checked {
    let secret = kind == Kind::Secret;
    let expected = kind.plist_type();
    let wrong_type = || {
        let hint = match (kind, v) {
            (Kind::Bool, Value::String(s)) if is_boolish(s) => {
                format!(
                    " — write <{}/> instead of <string>",
                    s.trim()
                        .to_ascii_lowercase()
                        .replace("yes", "true")
                        .replace("no", "false")
                )
            }
            (Kind::Int { .. }, Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                " — write <integer> instead of <string>".into()
            }
            (k, Value::String(_)) if k.plist_type().starts_with("array") => {
                " — wrap each value in <array><string>…</string></array>".into()
            }
            _ => String::new(),
        };
        Checked::err(format!(
            "expected {expected}, found {}{hint}",
            describe(v, secret)
        ))
    };
    match kind {
        Kind::Bool => match v {
            Value::Boolean(b) => Checked::ok(Typed::Bool(*b)),
            _ => wrong_type(),
        },
        Kind::Int { min, max, unit } => match v.as_signed_integer() {
            Some(i) if (min..=max).contains(&i) => Checked::ok(Typed::Int(i)),
            Some(i) => Checked::err(format!("expected {min}–{max} {unit}, found {i}")),
            None => wrong_type(),
        },
        Kind::ScopeList | Kind::TextList | Kind::GuidList | Kind::PemList => match v {
            Value::Array(items) => check_list(kind, items),
            _ => wrong_type(),
        },
        Kind::CodeList => match v {
            Value::Array(items) => check_codes(items),
            _ => wrong_type(),
        },
        _ => match v {
            Value::String(s) => check_string(kind, s),
            _ => wrong_type(),
        },
    }
}

fn is_boolish(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no"
    )
}

fn check_string(kind: Kind, s: &str) -> Checked {
    let t = s.trim();
    if t.is_empty() {
        return Checked::err(format!(
            "expected {}, found an empty string",
            kind.validation()
        ));
    }
    let checked = match kind {
        Kind::Guid => guid(t).map(Typed::Str),
        Kind::ClientId => client_id(t).map(Typed::Str),
        Kind::Tenant => tenant(t).map(Typed::Str),
        Kind::Authority => return authority(t),
        Kind::HttpsUrl => https_url(t).map(|u| Typed::Str(u.to_string())),
        Kind::RedirectUri => redirect_uri(t).map(Typed::Str),
        Kind::Claim => claim(t).map(Typed::Str),
        Kind::Path => path(t).map(Typed::Str),
        Kind::Secret => Ok(Typed::Secret(SecretString::from(s.to_owned()))),
        Kind::Enum(values) => enum_value(values, t).map(Typed::Str),
        _ => Ok(Typed::Str(t.to_owned())),
    };
    match checked {
        Ok(v) if t.len() != s.len() && kind != Kind::Secret => {
            Checked::ok(v).warn("leading or trailing spaces were ignored".into())
        }
        Ok(v) => Checked::ok(v),
        Err(e) => Checked::err(e),
    }
}

/// Parse a GUID, lowercased and hyphenated.
pub fn guid(s: &str) -> Result<String, String> {
    match uuid::Uuid::try_parse(s) {
        Ok(u) if u.is_nil() => Err("expected a GUID, found the all-zero GUID".into()),
        Ok(u) => Ok(u.hyphenated().to_string()),
        Err(_) => Err(format!(
            "expected a GUID like 8b1e4a2c-3f5d-4e6a-9b7c-0d1e2f3a4b5c, found {s:?} — copy the ObjectID / ID from the Entra portal, not a display name"
        )),
    }
}

/// An OAuth client ID: a GUID (normalised to lowercase) or, for another
/// OpenID provider, its own ID kept as written. Whether a non-GUID is allowed
/// depends on `OIDCDiscoveryURL`, so that rule lives in `rules.rs`.
pub fn client_id(s: &str) -> Result<String, String> {
    if let Ok(g) = guid(s) {
        return Ok(g);
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "expected a client ID without spaces (for Entra a GUID like 8b1e4a2c-3f5d-4e6a-9b7c-0d1e2f3a4b5c), found {s:?} — copy the ID from the app registration, not its display name"
        ));
    }
    Ok(s.to_owned())
}

fn tenant(s: &str) -> Result<String, String> {
    if let Ok(g) = guid(s) {
        return Ok(g);
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
        return Err(format!(
            "found {s:?}: Sesame needs your own tenant, not a multi-tenant alias — use the Directory (tenant) ID from the app registration's Overview page"
        ));
    }
    let labels_ok = lower.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    });
    if labels_ok && lower.contains('.') && lower.len() <= 253 {
        Ok(lower)
    } else {
        Err(format!(
            "expected a tenant ID (GUID) or a verified domain like contoso.onmicrosoft.com, found {s:?}"
        ))
    }
}

/// `true` for 127.0.0.0/8, ::1 and `localhost`, from the parsed host.
pub(crate) fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parse an https URL (http allowed only for loopback hosts).
pub fn https_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| format!("expected an https URL, found {s:?} ({e})"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err("expected an https URL without a user name or password in it".into());
    }
    match u.scheme() {
        "https" if u.host().is_some() => Ok(u),
        "http" if is_loopback(&u) => Ok(u),
        "http" => Err(format!(
            "expected https, found {s:?} — plain http is allowed only for loopback (127.0.0.1, ::1, localhost)"
        )),
        other => Err(format!(
            "expected an https URL, found scheme {other:?} in {s:?}"
        )),
    }
}

fn authority(s: &str) -> Checked {
    match https_url(s) {
        Ok(u) => {
            let origin = u.origin().ascii_serialization();
            let mut c = Checked::ok(Typed::Str(origin.clone()));
            if u.path() != "/" || u.query().is_some() {
                c = c.warn(format!(
                    "AuthorityHost is the cloud's host only; the path in {s:?} was ignored (used {origin}); put the tenant in TenantID"
                ));
            }
            c
        }
        Err(e) => Checked::err(e),
    }
}

fn redirect_uri(s: &str) -> Result<String, String> {
    let u =
        url::Url::parse(s).map_err(|e| format!("expected a redirect URI, found {s:?} ({e})"))?;
    match u.scheme() {
        "https" | "http" => https_url(s).map(|_| s.to_owned()),
        "javascript" | "data" | "file" | "about" | "blob" | "ftp" | "ws" | "wss" => Err(format!(
            "expected an https, loopback http or private-scheme redirect URI, found scheme {:?}",
            u.scheme()
        )),
        _ => Ok(s.to_owned()),
    }
}

fn claim(s: &str) -> Result<String, String> {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c))
    {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "expected a claim name such as preferred_username, upn or email, found {s:?}"
        ))
    }
}

fn path(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err(format!(
            "expected an absolute path starting with /, found {s:?}"
        ));
    }
    if s.split('/').any(|c| c == "..") || s.contains('\0') {
        return Err(format!(
            "expected a plain absolute path without '..', found {s:?}"
        ));
    }
    Ok(s.to_owned())
}

fn enum_value(values: &[&str], s: &str) -> Result<String, String> {
    if let Some(v) = values.iter().find(|v| **v == s) {
        return Ok((*v).to_owned());
    }
    let hint = values
        .iter()
        .find(|v| v.eq_ignore_ascii_case(s))
        .map(|v| format!(" — did you mean {v:?}? values are case-sensitive"))
        .unwrap_or_default();
    Err(format!(
        "expected one of {}, found {s:?}{hint}",
        values.join(", ")
    ))
}

fn check_list(kind: Kind, items: &[Value]) -> Checked {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(s) = item.as_string().map(str::trim) else {
            issues.push((
                Severity::Error,
                format!(
                    "item {}: expected a string, found {}",
                    i + 1,
                    describe(item, false)
                ),
            ));
            continue;
        };
        let r = match kind {
            Kind::GuidList => guid(s),
            Kind::ScopeList if s.is_empty() || s.contains(char::is_whitespace) => Err(format!(
                "expected one scope per <string>, found {s:?} — split scopes into separate items"
            )),
            Kind::PemList => pem_certificates(s).map(|_| s.to_owned()),
            _ if s.is_empty() => Err("expected a non-empty string, found an empty one".into()),
            _ => Ok(s.to_owned()),
        };
        match r {
            Ok(v) if out.contains(&v) => {
                issues.push((
                    Severity::Warning,
                    format!("item {}: {v:?} is listed twice", i + 1),
                ));
            }
            Ok(v) => out.push(v),
            Err(e) => issues.push((Severity::Error, format!("item {}: {e}", i + 1))),
        }
    }
    let bad = issues.iter().any(|(s, _)| *s == Severity::Error);
    Checked {
        value: (!bad).then_some(Typed::List(out)),
        issues,
    }
}

fn check_codes(items: &[Value]) -> Checked {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let code = match item {
            Value::Integer(n) => n.as_unsigned().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => {
                let t = s.trim();
                let t = t.strip_prefix("AADSTS").unwrap_or(t);
                t.parse::<u32>().ok()
            }
            _ => None,
        };
        match code {
            None => issues.push((
                Severity::Error,
                format!(
                    "item {}: expected an AADSTS code such as 50076, found {}",
                    i + 1,
                    describe(item, false)
                ),
            )),
            Some(c) => {
                if let Some((_, why)) = NEVER_SUCCESS.iter().find(|(n, _)| *n == c) {
                    issues.push((
                        Severity::Error,
                        format!("{c} must never count as a verified password: {why}; remove it"),
                    ));
                } else if out.contains(&c) {
                    issues.push((Severity::Warning, format!("{c} is listed twice")));
                } else {
                    out.push(c);
                }
            }
        }
    }
    let bad = issues.iter().any(|(s, _)| *s == Severity::Error);
    Checked {
        value: (!bad).then_some(Typed::Codes(out)),
        issues,
    }
}

/// Check that `pem` holds one or more X.509 certificates; returns how many.
pub fn pem_certificates(pem: &str) -> Result<usize, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut rest = pem;
    let mut count = 0;
    while let Some(start) = rest.find(BEGIN) {
        let body_start = start + BEGIN.len();
        let Some(end) = rest[body_start..].find(END) else {
            return Err("a certificate has -----BEGIN CERTIFICATE----- but no END line".into());
        };
        let body: String = rest[body_start..body_start + end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| format!("certificate {} is not valid base64 ({e})", count + 1))?;
        cms::cert::x509::Certificate::from_der(&der).map_err(|e| {
            format!(
                "certificate {} is not an X.509 certificate ({e})",
                count + 1
            )
        })?;
        count += 1;
        rest = &rest[body_start + end + END.len()..];
    }
    if count == 0 {
        Err("expected PEM text with -----BEGIN CERTIFICATE-----, found none".into())
    } else {
        Ok(count)
    }
}
