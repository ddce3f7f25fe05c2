//! Reading a file in any form an MDM or macOS produces: a `.mobileconfig`
//! (XML or binary), its legacy `com.apple.ManagedClient.preferences` form, a
//! signed (CMS) `.mobileconfig`, or a managed-preferences plist.

use super::signed;
use crate::PREFERENCE_DOMAIN;
use plist::{Dictionary, Value};
use std::io::Cursor;

/// Files larger than this are refused before parsing.
pub const MAX_PROFILE_BYTES: usize = 10 * 1024 * 1024;
/// Deepest nesting of arrays/dictionaries accepted (real profiles use 5).
const MAX_DEPTH: usize = 32;
const LEGACY_TYPE: &str = "com.apple.ManagedClient.preferences";

/// How the file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// XML property list.
    Xml,
    /// Binary property list (`bplist00`).
    Binary,
    /// CMS/PKCS#7 signed data around an XML or binary plist.
    Signed,
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoding::Xml => "XML",
            Encoding::Binary => "binary",
            Encoding::Signed => "signed",
        })
    }
}

/// How a payload was wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadForm {
    /// A `PayloadContent` item whose `PayloadType` is Sesame's domain.
    Profile,
    /// The legacy `com.apple.ManagedClient.preferences` (MCX) form.
    Legacy,
    /// A plain managed-preferences plist, as in `/Library/Managed Preferences/`.
    ManagedPreferences,
}

/// macOS's management level of a value; a higher level wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Legacy `Set-Once`: applied once, the user may change it.
    SetOnce,
    /// Legacy `Often`: re-applied at each login.
    Often,
    /// Forced (every modern payload and managed-preferences file).
    Forced,
}

/// Sesame's settings from one payload. `Debug` lists the keys only, never
/// the values (a payload may hold a client secret).
#[derive(Clone)]
pub struct Payload {
    /// "DisplayName (Identifier)" or what of it exists.
    pub label: Option<String>,
    /// How it was wrapped.
    pub form: PayloadForm,
    /// Its management level.
    pub level: Level,
    /// The keys and raw values, `Payload*` keys removed.
    pub values: Dictionary,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("label", &self.label)
            .field("form", &self.form)
            .field("level", &self.level)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A parsed file: where Sesame's payloads are, and how the file was made.
#[derive(Debug, Clone)]
pub struct ProfileFile {
    /// The file name as given.
    pub file: String,
    /// How it was encoded.
    pub encoding: Encoding,
    /// The signer's subject, for a signed profile (signature not verified).
    pub signer: Option<String>,
    /// Sesame payloads, in file order.
    pub payloads: Vec<Payload>,
    /// Payloads for Sesame that were present but disabled (labels).
    pub disabled: Vec<String>,
}

/// Why a file could not be read as a profile. Messages say what to do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// Zero bytes.
    #[error("the file is empty — export the profile again from your MDM")]
    Empty,
    /// Over [`MAX_PROFILE_BYTES`].
    #[error("the file is {0} bytes; profiles are never larger than 10 MiB, so this is not one")]
    TooLarge(u64),
    /// Not a plist at all.
    #[error(
        "not a configuration profile or property list ({0}) — expected an XML or binary plist, or a signed .mobileconfig"
    )]
    NotAPlist(String),
    /// Nested absurdly deep.
    #[error(
        "arrays/dictionaries are nested more than {MAX_DEPTH} levels deep; this is not a profile"
    )]
    TooDeep,
    /// The CMS wrapper is broken.
    #[error("signed profile could not be opened: {0}")]
    Signed(String),
    /// The top level is not a dictionary.
    #[error("not a configuration profile: the file holds {0}, not a dictionary of settings")]
    NotADictionary(String),
    /// A `com.apple.ManagedClient.preferences` payload is malformed.
    #[error("legacy ManagedClient payload {payload}: {message}")]
    Legacy {
        /// The payload label.
        payload: String,
        /// What is wrong.
        message: String,
    },
    /// A profile without any Sesame payload.
    #[error(
        "no {PREFERENCE_DOMAIN} payload in this profile (payload types found: {0}) — add a payload whose PayloadType is {PREFERENCE_DOMAIN}"
    )]
    NoSesamePayload(String),
}

/// Parse one file's bytes.
pub fn parse(file: &str, bytes: &[u8]) -> Result<ProfileFile, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    if bytes.len() > MAX_PROFILE_BYTES {
        return Err(ParseError::TooLarge(bytes.len() as u64));
    }
    if bytes[0] == 0x30 {
        let opened = signed::open(bytes).map_err(ParseError::Signed)?;
        let (value, _) = read_plist(&opened.content)?;
        let mut parsed = from_value(file, value, Encoding::Signed)?;
        parsed.signer = opened.signer;
        return Ok(parsed);
    }
    let (value, encoding) = read_plist(bytes)?;
    from_value(file, value, encoding)
}

/// Read a plist (XML or binary) after checking its nesting depth.
pub fn read_plist(bytes: &[u8]) -> Result<(Value, Encoding), ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    let encoding = if bytes.starts_with(b"bplist") {
        Encoding::Binary
    } else {
        Encoding::Xml
    };
    // Walk the structure once with a depth limit before building values:
    // building and dropping absurdly nested values would recurse unbounded.
    plist::from_bytes::<DepthGuard>(bytes).map_err(|e| {
        if e.to_string().contains(TOO_DEEP) {
            ParseError::TooDeep
        } else {
            ParseError::NotAPlist(e.to_string())
        }
    })?;
    let value =
        Value::from_reader(Cursor::new(bytes)).map_err(|e| ParseError::NotAPlist(e.to_string()))?;
    Ok((value, encoding))
}

fn label(d: &Dictionary) -> Option<String> {
    let name = d.get("PayloadDisplayName").and_then(Value::as_string);
    let id = d.get("PayloadIdentifier").and_then(Value::as_string);
    match (name, id) {
        (Some(n), Some(i)) => Some(format!("{n} ({i})")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
    }
}

fn strip_payload_keys(d: &Dictionary) -> Dictionary {
    d.iter()
        .filter(|(k, _)| !k.starts_with("Payload"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn from_value(file: &str, value: Value, encoding: Encoding) -> Result<ProfileFile, ParseError> {
    let Value::Dictionary(top) = value else {
        return Err(ParseError::NotADictionary(super::value::describe(
            &value, true,
        )));
    };
    let mut out = ProfileFile {
        file: file.to_owned(),
        encoding,
        signer: None,
        payloads: Vec::new(),
        disabled: Vec::new(),
    };
    let top_type = top.get("PayloadType").and_then(Value::as_string);
    if let Some(content) = top.get("PayloadContent").and_then(Value::as_array) {
        let mut others = Vec::new();
        for (i, item) in content.iter().enumerate() {
            let Some(d) = item.as_dictionary() else {
                continue;
            };
            let ty = d
                .get("PayloadType")
                .and_then(Value::as_string)
                .unwrap_or("(no PayloadType)");
            let lbl = label(d).unwrap_or_else(|| format!("payload {}", i + 1));
            let enabled = d.get("PayloadEnabled").and_then(Value::as_boolean) != Some(false);
            if ty == PREFERENCE_DOMAIN {
                if !enabled {
                    out.disabled.push(lbl);
                    continue;
                }
                out.payloads.push(Payload {
                    label: Some(lbl),
                    form: PayloadForm::Profile,
                    level: Level::Forced,
                    values: strip_payload_keys(d),
                });
            } else if ty == LEGACY_TYPE {
                let found = legacy(d, &lbl)?;
                if found.is_empty() {
                    others.push(format!("{LEGACY_TYPE} without {PREFERENCE_DOMAIN}"));
                } else if !enabled {
                    out.disabled.push(lbl);
                } else {
                    out.payloads.extend(found);
                }
            } else {
                others.push(ty.to_owned());
            }
        }
        if out.payloads.is_empty() && out.disabled.is_empty() {
            let found = if others.is_empty() {
                "none".to_owned()
            } else {
                others.join(", ")
            };
            return Err(ParseError::NoSesamePayload(found));
        }
        return Ok(out);
    }
    match top_type {
        Some(PREFERENCE_DOMAIN) => out.payloads.push(Payload {
            label: label(&top),
            form: PayloadForm::Profile,
            level: Level::Forced,
            values: strip_payload_keys(&top),
        }),
        Some(other) if top.contains_key("PayloadUUID") || other == "Configuration" => {
            return Err(ParseError::NoSesamePayload(other.to_owned()));
        }
        _ => out.payloads.push(Payload {
            label: Some("managed preferences".into()),
            form: PayloadForm::ManagedPreferences,
            level: Level::Forced,
            values: strip_payload_keys(&top),
        }),
    }
    Ok(out)
}

/// `PayloadContent → <domain> → Forced|Often|Set-Once → [ { mcx_preference_settings } ]`.
fn legacy(d: &Dictionary, lbl: &str) -> Result<Vec<Payload>, ParseError> {
    let bad = |message: String| ParseError::Legacy {
        payload: lbl.to_owned(),
        message,
    };
    let Some(content) = d.get("PayloadContent") else {
        return Err(bad("no PayloadContent dictionary".into()));
    };
    let Some(content) = content.as_dictionary() else {
        return Err(bad(format!(
            "PayloadContent is {}, expected a dictionary keyed by preference domain",
            super::value::describe(content, true)
        )));
    };
    let Some(domain) = content.get(PREFERENCE_DOMAIN) else {
        return Ok(Vec::new());
    };
    let Some(domain) = domain.as_dictionary() else {
        return Err(bad(format!(
            "{PREFERENCE_DOMAIN} must be a dictionary with a Forced array"
        )));
    };
    let mut out = Vec::new();
    for (name, level) in [
        ("Set-Once", Level::SetOnce),
        ("Often", Level::Often),
        ("Forced", Level::Forced),
    ] {
        let Some(list) = domain.get(name) else {
            continue;
        };
        let Some(list) = list.as_array() else {
            return Err(bad(format!("{name} must be an array of dictionaries")));
        };
        for item in list {
            let settings = item
                .as_dictionary()
                .and_then(|i| i.get("mcx_preference_settings"))
                .and_then(Value::as_dictionary)
                .ok_or_else(|| {
                    bad(format!(
                        "each {name} item needs an mcx_preference_settings dictionary"
                    ))
                })?;
            out.push(Payload {
                label: Some(format!("{lbl} · {name}")),
                form: PayloadForm::Legacy,
                level,
                values: strip_payload_keys(settings),
            });
        }
    }
    if out.is_empty() {
        return Err(bad(format!(
            "{PREFERENCE_DOMAIN} has no Forced, Often or Set-Once settings"
        )));
    }
    Ok(out)
}

const TOO_DEEP: &str = "sesame: nesting limit exceeded";

/// Deserializes nothing; fails when nesting exceeds [`MAX_DEPTH`].
struct DepthGuard;

impl<'de> serde::Deserialize<'de> for DepthGuard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::DeserializeSeed::deserialize(Depth(0), d).map(|()| DepthGuard)
    }
}

#[derive(Clone, Copy)]
struct Depth(usize);

impl<'de> serde::de::DeserializeSeed<'de> for Depth {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Depth {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a property list value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.deeper::<A::Error>()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.deeper::<A::Error>()?;
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

impl Depth {
    fn deeper<E: serde::de::Error>(self) -> Result<Depth, E> {
        if self.0 >= MAX_DEPTH {
            Err(E::custom(TOO_DEEP))
        } else {
            Ok(Depth(self.0 + 1))
        }
    }
}
