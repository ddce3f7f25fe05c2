//! Precedence: several files and payloads merged the way macOS does it —
//! a higher management level wins, and at the same level the later one wins.
//! Each effective value remembers where it came from.

use super::findings::{Finding, Severity};
use super::keys::{self, DefaultValue};
use super::source::{Level, ProfileFile};
use super::value::{self, Typed};
use std::collections::BTreeMap;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: String,
    /// The payload label, when known.
    pub payload: Option<String>,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.payload {
            Some(p) => write!(f, "{} [{p}]", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// One effective value with its source.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The checked value.
    pub value: Typed,
    /// The payload that set it.
    pub source: Source,
    /// The management level it was set at.
    pub level: Level,
    /// Other payloads that set the key but lost.
    pub also_set_in: Vec<Source>,
}

/// The merged settings: every key that some payload set to a valid value.
#[derive(Debug, Clone, Default)]
pub struct Effective {
    entries: BTreeMap<&'static str, Entry>,
    files: Vec<String>,
    payloads: Vec<String>,
}

impl Effective {
    /// The entry for `key`, if a profile set it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// True when a profile set `key` (to a valid value).
    pub fn is_set(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The value in force for `key`: the profile's, else the table default.
    pub fn resolved(&self, key: &str) -> Option<Typed> {
        if let Some(e) = self.entries.get(key) {
            return Some(e.value.clone());
        }
        match keys::spec(key)?.default {
            DefaultValue::None => None,
            DefaultValue::Bool(b) => Some(Typed::Bool(b)),
            DefaultValue::Int(i) => Some(Typed::Int(i)),
            DefaultValue::Str(s) => Some(Typed::Str(s.to_owned())),
            DefaultValue::List(l) => Some(Typed::List(l.iter().map(|s| (*s).to_owned()).collect())),
            DefaultValue::Codes(c) => Some(Typed::Codes(c.to_vec())),
            DefaultValue::SameAs(other) => self.resolved(other),
            DefaultValue::PerOs { macos, linux } => Some(Typed::Str(
                if cfg!(target_os = "macos") {
                    macos
                } else {
                    linux
                }
                .to_owned(),
            )),
        }
    }

    /// The files that were merged, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Where a finding about `key` belongs: its source, or every file.
    pub fn locate(&self, key: &str) -> Source {
        match self.entries.get(key) {
            Some(e) => e.source.clone(),
            None => Source {
                file: self.files.join(", "),
                payload: (!self.payloads.is_empty()).then(|| self.payloads.join(", ")),
            },
        }
    }
}

/// Merge the payloads of `files` in order, checking each value.
pub fn merge(files: &[ProfileFile]) -> (Effective, Vec<Finding>) {
    let mut eff = Effective {
        entries: BTreeMap::new(),
        files: files.iter().map(|f| f.file.clone()).collect(),
        payloads: files
            .iter()
            .flat_map(|f| f.payloads.iter().filter_map(|p| p.label.clone()))
            .collect(),
    };
    let mut findings = Vec::new();
    for file in files {
        for payload in &file.payloads {
            let source = Source {
                file: file.file.clone(),
                payload: payload.label.clone(),
            };
            let finding = |key: &str, severity, message: String| Finding {
                file: source.file.clone(),
                payload: source.payload.clone(),
                key: Some(key.to_owned()),
                severity,
                message,
            };
            for (key, raw) in &payload.values {
                let Some(spec) = keys::spec(key) else {
                    findings.push(finding(key, Severity::Warning, unknown_key_message(key)));
                    continue;
                };
                let checked = value::check(spec.kind, raw);
                for (severity, message) in checked.issues {
                    findings.push(finding(key, severity, message));
                }
                let Some(value) = checked.value else { continue };
                let new = Entry {
                    value,
                    source: source.clone(),
                    level: payload.level,
                    also_set_in: Vec::new(),
                };
                match eff.entries.get_mut(spec.name) {
                    None => {
                        eff.entries.insert(spec.name, new);
                    }
                    Some(old) if new.level >= old.level => {
                        if old.value.to_string() != new.value.to_string() {
                            findings.push(finding(
                                key,
                                Severity::Info,
                                format!(
                                    "overrides the value from {} ({} wins: later or more forced)",
                                    old.source, source.file
                                ),
                            ));
                        }
                        let mut also = std::mem::take(&mut old.also_set_in);
                        also.push(old.source.clone());
                        *old = Entry {
                            also_set_in: also,
                            ..new
                        };
                    }
                    Some(old) => {
                        findings.push(finding(
                            key,
                            Severity::Info,
                            format!("ignored: {} sets it at a higher management level (Forced beats Often beats Set-Once)", old.source),
                        ));
                        old.also_set_in.push(source.clone());
                    }
                }
            }
        }
    }
    (eff, findings)
}

fn unknown_key_message(key: &str) -> String {
    match keys::nearest(key) {
        Some(near) if near.eq_ignore_ascii_case(key) => {
            format!("unknown key; keys are case-sensitive — did you mean {near}?")
        }
        Some(near) => format!("unknown key, ignored — did you mean {near}?"),
        None => "unknown key, ignored — see `sesame profile schema --format markdown` for the keys Sesame reads".into(),
    }
}
