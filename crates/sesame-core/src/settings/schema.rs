//! Schemas generated from the key table: Jamf Pro JSON schema, a
//! ProfileManifests-style manifest, and the markdown key reference.

use super::keys::{DefaultValue, Group, KEYS, KeySpec, Kind};
use crate::PREFERENCE_DOMAIN;
use plist::{Dictionary, Value};
use serde_json::{Map, json};

const TITLE: &str = "Sesame";
const DESCRIPTION: &str = "Sign in to this Mac with Microsoft Entra ID.";

/// The output formats of `sesame profile schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Jamf Pro "Application & Custom Settings" JSON schema.
    Jamf,
    /// ProfileManifests plist (iMazing Profile Editor, ProfileCreator).
    Manifest,
    /// The markdown key reference (`docs/profile-keys.md`).
    Markdown,
}

/// Render the schema in `format`.
pub fn render(format: Format) -> String {
    match format {
        Format::Jamf => jamf(),
        Format::Manifest => manifest(),
        Format::Markdown => markdown(),
    }
}

fn default_json(spec: &KeySpec) -> Option<serde_json::Value> {
    Some(match spec.default {
        DefaultValue::None | DefaultValue::SameAs(_) => return None,
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Int(i) => json!(i),
        DefaultValue::Str(s) | DefaultValue::PerOs { macos: s, .. } => json!(s),
        DefaultValue::List(l) => json!(l),
        DefaultValue::Codes(c) => json!(c),
    })
}

fn describe(spec: &KeySpec) -> String {
    format!(
        "{} Accepts: {}. Default: {}.",
        spec.meaning,
        spec.kind.validation(),
        spec.default.describe()
    )
}

/// Jamf Pro JSON schema.
pub fn jamf() -> String {
    let mut props = Map::new();
    for (i, spec) in KEYS.iter().enumerate() {
        let mut p = Map::new();
        p.insert("title".into(), json!(spec.name));
        p.insert("description".into(), json!(describe(spec)));
        p.insert("property_order".into(), json!((i + 1) * 5));
        match spec.kind {
            Kind::Bool => {
                p.insert("type".into(), json!("boolean"));
            }
            Kind::Int { min, max, .. } => {
                p.insert("type".into(), json!("integer"));
                p.insert("minimum".into(), json!(min));
                p.insert("maximum".into(), json!(max));
            }
            Kind::Enum(values) => {
                p.insert("type".into(), json!("string"));
                p.insert("enum".into(), json!(values));
            }
            Kind::CodeList => {
                p.insert("type".into(), json!("array"));
                p.insert(
                    "items".into(),
                    json!({"type": "integer", "title": "AADSTS code"}),
                );
            }
            Kind::GuidList | Kind::TextList | Kind::ScopeList | Kind::PemList => {
                p.insert("type".into(), json!("array"));
                p.insert(
                    "items".into(),
                    json!({"type": "string", "title": spec.kind.validation()}),
                );
            }
            Kind::Guid => {
                p.insert("type".into(), json!("string"));
                p.insert("pattern".into(), json!(GUID_PATTERN));
            }
            _ => {
                p.insert("type".into(), json!("string"));
            }
        }
        if let Some(d) = default_json(spec) {
            p.insert("default".into(), d);
        }
        props.insert(spec.name.into(), serde_json::Value::Object(p));
    }
    let required: Vec<&str> = KEYS.iter().filter(|s| s.required).map(|s| s.name).collect();
    let doc = json!({
        "title": format!("{TITLE} ({PREFERENCE_DOMAIN})"),
        "description": DESCRIPTION,
        "required": required,
        "properties": props,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

const GUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

fn dict(pairs: Vec<(&str, Value)>) -> Value {
    Value::Dictionary(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Dictionary>(),
    )
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn payload_key(name: &str, title: &str, ty: &str) -> Value {
    dict(vec![
        ("pfm_name", s(name)),
        ("pfm_title", s(title)),
        ("pfm_type", s(ty)),
        ("pfm_require", s("always")),
    ])
}

/// ProfileManifests-style manifest plist.
pub fn manifest() -> String {
    let mut subkeys = vec![
        payload_key("PayloadDescription", "Payload Description", "string"),
        payload_key("PayloadDisplayName", "Payload Display Name", "string"),
        payload_key("PayloadIdentifier", "Payload Identifier", "string"),
        payload_key("PayloadType", "Payload Type", "string"),
        payload_key("PayloadUUID", "Payload UUID", "string"),
        dict(vec![
            ("pfm_name", s("PayloadVersion")),
            ("pfm_title", s("Payload Version")),
            ("pfm_type", s("integer")),
            ("pfm_default", Value::Integer(1.into())),
            ("pfm_require", s("always")),
        ]),
    ];
    for spec in KEYS {
        let mut d = Dictionary::new();
        d.insert("pfm_name".into(), s(spec.name));
        d.insert("pfm_title".into(), s(spec.name));
        d.insert("pfm_description".into(), s(&describe(spec)));
        let ty = match spec.kind {
            Kind::Bool => "boolean",
            Kind::Int { .. } => "integer",
            Kind::GuidList | Kind::TextList | Kind::ScopeList | Kind::PemList | Kind::CodeList => {
                "array"
            }
            _ => "string",
        };
        d.insert("pfm_type".into(), s(ty));
        if spec.required {
            d.insert("pfm_require".into(), s("always"));
        }
        match spec.kind {
            Kind::Int { min, max, .. } => {
                d.insert("pfm_range_min".into(), Value::Integer(min.into()));
                d.insert("pfm_range_max".into(), Value::Integer(max.into()));
            }
            Kind::Enum(values) => {
                d.insert(
                    "pfm_range_list".into(),
                    Value::Array(values.iter().map(|v| s(v)).collect()),
                );
            }
            Kind::Guid => {
                d.insert("pfm_format".into(), s(GUID_PATTERN));
            }
            Kind::Secret => {
                d.insert("pfm_sensitive".into(), Value::Boolean(true));
            }
            _ => {}
        }
        if ty == "array" {
            let item_ty = if spec.kind == Kind::CodeList {
                "integer"
            } else {
                "string"
            };
            d.insert(
                "pfm_subkeys".into(),
                Value::Array(vec![dict(vec![("pfm_type", s(item_ty))])]),
            );
        }
        let default = match spec.default {
            DefaultValue::None | DefaultValue::SameAs(_) => None,
            DefaultValue::Bool(b) => Some(Value::Boolean(b)),
            DefaultValue::Int(i) => Some(Value::Integer(i.into())),
            DefaultValue::Str(v) | DefaultValue::PerOs { macos: v, .. } => Some(s(v)),
            DefaultValue::List(l) => Some(Value::Array(l.iter().map(|v| s(v)).collect())),
            DefaultValue::Codes(c) => Some(Value::Array(
                c.iter()
                    .map(|n| Value::Integer(i64::from(*n).into()))
                    .collect(),
            )),
        };
        if let Some(v) = default {
            d.insert("pfm_default".into(), v);
        }
        subkeys.push(Value::Dictionary(d));
    }
    let doc = dict(vec![
        ("pfm_description", s(DESCRIPTION)),
        ("pfm_domain", s(PREFERENCE_DOMAIN)),
        ("pfm_format_version", Value::Integer(1.into())),
        ("pfm_platforms", Value::Array(vec![s("macOS")])),
        (
            "pfm_targets",
            Value::Array(vec![s("system"), s("systemManaged")]),
        ),
        ("pfm_title", s(TITLE)),
        ("pfm_unique", Value::Boolean(true)),
        ("pfm_version", Value::Integer(1.into())),
        ("pfm_subkeys", Value::Array(subkeys)),
    ]);
    let mut buf = Vec::new();
    if doc.to_writer_xml(&mut buf).is_err() {
        return String::new();
    }
    let mut out = String::from_utf8_lossy(&buf).into_owned();
    out.push('\n');
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The markdown key reference, exactly as in `docs/profile-keys.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("# Sesame profile keys\n\n");
    out.push_str(
        "<!-- Generated by `sesame profile schema --format markdown` from the key table in\n",
    );
    out.push_str("     crates/sesame-core/src/settings/keys.rs. Do not edit by hand: a test fails when this drifts. -->\n\n");
    out.push_str(&format!(
        "Preference domain (the `PayloadType` of the payload, and the file name under\n`/Library/Managed Preferences/`): `{PREFERENCE_DOMAIN}`. Keys are case-sensitive.\nRequired keys are marked **required**.\n"
    ));
    for group in Group::ALL {
        out.push_str(&format!("\n## {}\n\n", group.title()));
        out.push_str("| Key | Type | Default | Accepts | Meaning |\n|---|---|---|---|---|\n");
        for spec in KEYS.iter().filter(|s| s.group == group) {
            let name = if spec.required {
                format!("`{}` **required**", spec.name)
            } else {
                format!("`{}`", spec.name)
            };
            out.push_str(&format!(
                "| {name} | {} | {} | {} | {} |\n",
                spec.kind.plist_type(),
                cell(&spec.default.describe()),
                cell(&spec.kind.validation()),
                cell(spec.meaning)
            ));
        }
    }
    out
}
