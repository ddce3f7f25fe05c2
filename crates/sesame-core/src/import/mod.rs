//! Import an existing Jamf Connect or XCreds configuration into a Sesame profile.
//!
//! Every source key ends up in the [`Imported::report`]: mapped to Sesame
//! keys, or not mapped with the reason. The output is a `.mobileconfig`
//! whose values pass `sesame profile check`.

mod jamf;
mod xcreds;

use crate::PREFERENCE_DOMAIN;
use crate::settings::source::{self, ParseError};
use crate::settings::value::describe;
use plist::{Dictionary, Value};
use serde::Serialize;

/// The product a configuration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// Jamf Connect (`com.jamf.connect.login`, `com.jamf.connect`).
    JamfConnect,
    /// XCreds (`com.twocanoes.xcreds`).
    XCreds,
}

impl Product {
    /// The preference domains the product reads.
    pub fn domains(self) -> &'static [&'static str] {
        match self {
            Product::JamfConnect => &["com.jamf.connect.login", "com.jamf.connect"],
            Product::XCreds => &["com.twocanoes.xcreds"],
        }
    }

    /// The product's name.
    pub fn name(self) -> &'static str {
        match self {
            Product::JamfConnect => "Jamf Connect",
            Product::XCreds => "XCreds",
        }
    }
}

/// What happened to one source key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Converted into these Sesame keys.
    Mapped {
        /// The Sesame keys written.
        to: Vec<String>,
        /// Anything the admin should know about the conversion.
        note: Option<String>,
    },
    /// Left out, and why.
    NotMapped {
        /// Why.
        reason: String,
    },
}

/// One line of the import report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    /// The source file.
    pub file: String,
    /// The source preference domain.
    pub domain: String,
    /// The source key (`Dict.Key` for nested menu-bar keys).
    pub key: String,
    /// What happened to it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The result of an import. `Debug` shows keys only (values may hold a secret).
#[derive(Clone)]
pub struct Imported {
    /// Sesame keys and values.
    pub values: Dictionary,
    /// One line per source key.
    pub report: Vec<KeyReport>,
}

impl std::fmt::Debug for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imported")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("report", &self.report)
            .finish()
    }
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    /// The file could not be parsed.
    #[error("{file}: {error}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong.
        error: ParseError,
    },
    /// No settings for the product were found.
    #[error("{file}: no {product} settings found (looked for payloads of type {domains})")]
    NothingFound {
        /// The file.
        file: String,
        /// The product.
        product: &'static str,
        /// The domains looked for.
        domains: String,
    },
}

/// A source dictionary: where it came from.
struct Found {
    domain: String,
    values: Dictionary,
}

/// Collects converted values and the report.
struct Sink<'a> {
    file: &'a str,
    domain: &'a str,
    out: &'a mut Imported,
}

impl Sink<'_> {
    fn set(&mut self, key: &str, value: Value) {
        self.out.values.insert(key.to_owned(), value);
    }
    fn mapped(&mut self, src: &str, to: &[&str], note: Option<String>) {
        self.push(
            src,
            Outcome::Mapped {
                to: to.iter().map(|s| (*s).to_owned()).collect(),
                note,
            },
        );
    }
    fn not_mapped(&mut self, src: &str, reason: impl Into<String>) {
        self.push(
            src,
            Outcome::NotMapped {
                reason: reason.into(),
            },
        );
    }
    fn push(&mut self, key: &str, outcome: Outcome) {
        self.out.report.push(KeyReport {
            file: self.file.to_owned(),
            domain: self.domain.to_owned(),
            key: key.to_owned(),
            outcome,
        });
    }
    /// Copy a string value to `to`, checking the type.
    fn copy_string(&mut self, src: &str, v: &Value, to: &str) {
        match v.as_string().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                self.set(to, Value::String(s.to_owned()));
                self.mapped(src, &[to], None);
            }
            None => self.not_mapped(
                src,
                format!("expected a non-empty string, found {}", describe(v, true)),
            ),
        }
    }
    fn copy_bool(&mut self, src: &str, v: &Value, to: &str) {
        match v.as_boolean() {
            Some(b) => {
                self.set(to, Value::Boolean(b));
                self.mapped(src, &[to], None);
            }
            None => self.not_mapped(
                src,
                format!("expected a boolean, found {}", describe(v, false)),
            ),
        }
    }
    fn copy_strings(&mut self, src: &str, v: &Value, to: &str) {
        match strings(v) {
            Some(list) => {
                self.set(
                    to,
                    Value::Array(list.into_iter().map(Value::String).collect()),
                );
                self.mapped(src, &[to], None);
            }
            None => self.not_mapped(
                src,
                format!("expected an array of strings, found {}", describe(v, false)),
            ),
        }
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => a.iter().map(|i| i.as_string().map(str::to_owned)).collect(),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// Read every settings dictionary for `product` in one file.
fn find(product: Product, file: &str, bytes: &[u8]) -> Result<Vec<Found>, ImportError> {
    let perr = |error| ImportError::Parse {
        file: file.to_owned(),
        error,
    };
    if bytes.len() > source::MAX_PROFILE_BYTES {
        return Err(perr(ParseError::TooLarge(bytes.len() as u64)));
    }
    let plist_bytes = if bytes.first() == Some(&0x30) {
        crate::settings::signed::open(bytes)
            .map_err(|e| perr(ParseError::Signed(e)))?
            .content
    } else {
        bytes.to_vec()
    };
    let (value, _) = source::read_plist(&plist_bytes).map_err(perr)?;
    let Value::Dictionary(top) = value else {
        return Err(perr(ParseError::NotADictionary(describe(&value, true))));
    };
    let domains = product.domains();
    let mut found = Vec::new();
    if let Some(content) = top.get("PayloadContent").and_then(Value::as_array) {
        for d in content.iter().filter_map(Value::as_dictionary) {
            let ty = d
                .get("PayloadType")
                .and_then(Value::as_string)
                .unwrap_or_default();
            if domains.contains(&ty) {
                found.push(Found {
                    domain: ty.to_owned(),
                    values: strip(d),
                });
            } else if ty == "com.apple.ManagedClient.preferences" {
                let Some(by_domain) = d.get("PayloadContent").and_then(Value::as_dictionary) else {
                    continue;
                };
                for (domain, v) in by_domain
                    .iter()
                    .filter(|(k, _)| domains.contains(&k.as_str()))
                {
                    let Some(forced) = v
                        .as_dictionary()
                        .and_then(|x| x.get("Forced"))
                        .and_then(Value::as_array)
                    else {
                        continue;
                    };
                    for item in forced {
                        if let Some(s) = item
                            .as_dictionary()
                            .and_then(|i| i.get("mcx_preference_settings"))
                            .and_then(Value::as_dictionary)
                        {
                            found.push(Found {
                                domain: domain.clone(),
                                values: strip(s),
                            });
                        }
                    }
                }
            }
        }
    } else {
        // A plain preferences plist: the file name tells the domain, else the
        // product's first. Domains are listed longest first, so
        // com.jamf.connect.login.plist is not taken for com.jamf.connect.
        let base = file.rsplit('/').next().unwrap_or(file);
        let domain = domains
            .iter()
            .find(|d| base.starts_with(&format!("{d}.")))
            .unwrap_or(&domains[0]);
        found.push(Found {
            domain: (*domain).to_owned(),
            values: strip(&top),
        });
    }
    if found.is_empty() {
        return Err(ImportError::NothingFound {
            file: file.to_owned(),
            product: product.name(),
            domains: domains.join(", "),
        });
    }
    Ok(found)
}

fn strip(d: &Dictionary) -> Dictionary {
    d.iter()
        .filter(|(k, _)| !k.starts_with("Payload"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Convert `inputs` (file name, bytes) from `product`'s configuration.
pub fn import(product: Product, inputs: &[(&str, &[u8])]) -> Result<Imported, ImportError> {
    let mut out = Imported {
        values: Dictionary::new(),
        report: Vec::new(),
    };
    for (file, bytes) in inputs {
        for found in find(product, file, bytes)? {
            let mut sink = Sink {
                file,
                domain: &found.domain,
                out: &mut out,
            };
            match product {
                Product::JamfConnect => jamf::convert(&found.values, &mut sink),
                Product::XCreds => xcreds::convert(&found.values, &mut sink),
            }
        }
    }
    Ok(out)
}

/// Scopes Sesame always requests; dropped from imported scope lists.
const STANDARD_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Split a `+`- or space-separated scope string; drop the standard scopes.
fn extra_scopes(s: &str) -> Vec<String> {
    s.split(|c: char| c == '+' || c.is_whitespace())
        .filter(|p| !p.is_empty() && !STANDARD_SCOPES.contains(p))
        .map(str::to_owned)
        .collect()
}

/// Authority host and tenant from a discovery URL such as
/// `https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration`.
fn split_discovery(url: &str) -> Option<(String, Option<String>)> {
    let u = url::Url::parse(url).ok()?;
    let host = u.origin().ascii_serialization();
    let tenant = u.path_segments()?.next().filter(|t| {
        !t.is_empty()
            && !t.starts_with('.')
            && !matches!(
                t.to_ascii_lowercase().as_str(),
                "common" | "organizations" | "consumers"
            )
    });
    Some((host, tenant.map(str::to_owned)))
}

/// Map a discovery URL onto `AuthorityHost` and (if not yet set) `TenantID`.
fn discovery(sink: &mut Sink<'_>, src: &str, v: &Value) {
    let Some((host, tenant)) = v.as_string().and_then(split_discovery) else {
        sink.not_mapped(
            src,
            format!("expected a discovery URL, found {}", describe(v, false)),
        );
        return;
    };
    let mut to = vec![crate::settings::keys::k::AUTHORITY_HOST];
    sink.set(to[0], Value::String(host));
    let mut note = None;
    match tenant {
        Some(t) if !sink.out.values.contains_key("TenantID") => {
            sink.set("TenantID", Value::String(t));
            to.push("TenantID");
        }
        Some(_) => {}
        None => {
            note = Some(
                "the URL names no tenant (common/organizations): set TenantID yourself".to_owned(),
            )
        }
    }
    sink.mapped(src, &to, note);
}

/// A `.mobileconfig` (XML) holding one Sesame payload with `values`.
/// UUIDs are derived from `seed`, so the same input gives the same profile.
pub fn mobileconfig(values: &Dictionary, display_name: &str, seed: &[u8]) -> Vec<u8> {
    let profile_uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed);
    let payload_uuid = uuid::Uuid::new_v5(&profile_uuid, b"payload");
    let mut payload = Dictionary::new();
    payload.insert(
        "PayloadType".into(),
        Value::String(PREFERENCE_DOMAIN.into()),
    );
    payload.insert("PayloadVersion".into(), Value::Integer(1.into()));
    payload.insert(
        "PayloadIdentifier".into(),
        Value::String(format!("{PREFERENCE_DOMAIN}.{payload_uuid}")),
    );
    payload.insert(
        "PayloadUUID".into(),
        Value::String(payload_uuid.to_string().to_uppercase()),
    );
    payload.insert("PayloadDisplayName".into(), Value::String("Sesame".into()));
    for (k, v) in values {
        payload.insert(k.clone(), v.clone());
    }
    let mut top = Dictionary::new();
    top.insert(
        "PayloadContent".into(),
        Value::Array(vec![Value::Dictionary(payload)]),
    );
    top.insert(
        "PayloadDisplayName".into(),
        Value::String(display_name.into()),
    );
    top.insert(
        "PayloadIdentifier".into(),
        Value::String(format!("io.sesame.profile.{profile_uuid}")),
    );
    top.insert("PayloadScope".into(), Value::String("System".into()));
    top.insert("PayloadType".into(), Value::String("Configuration".into()));
    top.insert(
        "PayloadUUID".into(),
        Value::String(profile_uuid.to_string().to_uppercase()),
    );
    top.insert("PayloadVersion".into(), Value::Integer(1.into()));
    let mut buf = Vec::new();
    // Writing a plist into a Vec cannot fail for these value types.
    let _ = Value::Dictionary(top).to_writer_xml(&mut buf);
    buf.push(b'\n');
    buf
}
