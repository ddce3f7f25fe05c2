//! Short (login) names: which claim they come from and which names the OS and
//! Sesame refuse.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::policy::AccountOs;
use crate::identity::Identity;

/// Names Sesame never gives a person: system accounts and groups whose name
/// on a login would confuse tools or people.
pub const RESERVED_NAMES: &[&str] = &[
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "gnats",
    "nobody",
    "nogroup",
    "admin",
    "administrator",
    "wheel",
    "sudo",
    "staff",
    "everyone",
    "guest",
    "operator",
    "shutdown",
    "halt",
    "sshd",
    "messagebus",
    "systemd-network",
    "systemd-resolve",
    "systemd-timesync",
];

/// Why no short name could be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ShortNameError {
    /// The configured claim is not in the ID token.
    MissingClaim {
        /// The claim name.
        claim: String,
    },
    /// Nothing usable is left after cleaning the claim value.
    Empty {
        /// The claim the value came from.
        claim: String,
    },
    /// The name does not start with a letter.
    BadFirstCharacter {
        /// The cleaned name.
        name: String,
    },
    /// The name is longer than the OS allows.
    TooLong {
        /// The cleaned name.
        name: String,
        /// Its length.
        len: usize,
        /// The OS limit.
        max: usize,
    },
    /// A reserved name (system account, `_` prefix).
    Reserved {
        /// The cleaned name.
        name: String,
    },
}

impl fmt::Display for ShortNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingClaim { claim } => write!(
                f,
                "the ID token has no '{claim}' claim for the short name; add it as an optional claim in the app registration or change ShortNameClaim"
            ),
            Self::Empty { claim } => write!(
                f,
                "the '{claim}' claim leaves no usable short name; change ShortNameClaim"
            ),
            Self::BadFirstCharacter { name } => write!(
                f,
                "short name '{name}' must start with a letter; change ShortNameClaim"
            ),
            Self::TooLong { name, len, max } => write!(
                f,
                "short name '{name}' is {len} characters, the limit is {max}; change ShortNameClaim"
            ),
            Self::Reserved { name } => write!(
                f,
                "short name '{name}' is reserved for the system; change the user's UPN or ShortNameClaim"
            ),
        }
    }
}

/// The claim value the short name comes from: `claim` when configured,
/// otherwise the UPN (falling back to the username claim).
fn source_value<'a>(
    identity: &'a Identity,
    claim: Option<&str>,
) -> Result<(&'a str, String), ShortNameError> {
    match claim {
        None => Ok((
            identity.upn.as_deref().unwrap_or(&identity.username),
            "upn".to_owned(),
        )),
        Some(c) => {
            let value = identity
                .extra_claims
                .get(c)
                .map(String::as_str)
                .or(match c {
                    "upn" => identity.upn.as_deref(),
                    "preferred_username" | "unique_name" => Some(identity.username.as_str()),
                    "name" => identity.name.as_deref(),
                    "given_name" => identity.given_name.as_deref(),
                    "family_name" => identity.family_name.as_deref(),
                    _ => None,
                })
                .filter(|v| !v.trim().is_empty());
            value
                .map(|v| (v, c.to_owned()))
                .ok_or_else(|| ShortNameError::MissingClaim {
                    claim: c.to_owned(),
                })
        }
    }
}

/// Derive the short name for `identity`: the configured claim (default: the
/// UPN) up to any `@`, lowercased, every character outside `a-z 0-9 . _ -`
/// replaced by `_`, then checked against the OS length limit and the reserved
/// names (including anything starting with `_`).
pub fn short_name(
    identity: &Identity,
    claim: Option<&str>,
    os: AccountOs,
) -> Result<String, ShortNameError> {
    let (value, claim_name) = source_value(identity, claim)?;
    let local = value.split('@').next().unwrap_or(value).trim();
    let name: String = local
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect();
    let name = name.trim_matches(|c| c == '.' || c == '-').to_owned();
    if name.is_empty() || name.chars().all(|c| c == '_') {
        return Err(ShortNameError::Empty { claim: claim_name });
    }
    if name.starts_with('_') || RESERVED_NAMES.contains(&name.as_str()) {
        return Err(ShortNameError::Reserved { name });
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(ShortNameError::BadFirstCharacter { name });
    }
    let len = name.chars().count();
    let max = os.max_short_name_len();
    if len > max {
        return Err(ShortNameError::TooLong { name, len, max });
    }
    Ok(name)
}
