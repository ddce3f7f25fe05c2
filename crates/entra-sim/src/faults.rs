//! Fault injection: delays, 5xx, 429, dropped connections and truncated bodies.

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer normally, after a delay.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Answer with this status (e.g. 500, 503) and an Entra-style error body.
    Status {
        /// HTTP status.
        status: u16,
    },
    /// HTTP 429 with `Retry-After`.
    TooManyRequests {
        /// Seconds.
        retry_after: u64,
    },
    /// Close the connection without answering.
    DropConnection,
    /// Send the headers and half the body, then close.
    TruncatedBody,
}

/// An armed fault: applies to the next `count` requests whose path contains `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only requests whose path contains this (all paths when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// How many requests it affects.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault for the next `count` requests to any path.
    pub fn next(kind: FaultKind, count: u32) -> Fault {
        Fault {
            kind,
            path: None,
            count,
        }
    }

    /// A fault for the next `count` requests whose path contains `path`.
    pub fn on_path(kind: FaultKind, path: &str, count: u32) -> Fault {
        Fault {
            kind,
            path: Some(path.to_string()),
            count,
        }
    }
}

/// Takes the fault that applies to `path`, if any (control paths are never faulted).
pub fn take(faults: &mut Vec<Fault>, path: &str) -> Option<FaultKind> {
    if path.starts_with("/_sim") {
        return None;
    }
    let i = faults
        .iter()
        .position(|f| f.count > 0 && f.path.as_deref().is_none_or(|p| path.contains(p)))?;
    let kind = faults[i].kind.clone();
    faults[i].count -= 1;
    if faults[i].count == 0 {
        faults.remove(i);
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_matches_path() {
        let mut f = vec![Fault::on_path(FaultKind::DropConnection, "/token", 2)];
        assert_eq!(take(&mut f, "/x/discovery/keys"), None);
        assert_eq!(
            take(&mut f, "/x/oauth2/token"),
            Some(FaultKind::DropConnection)
        );
        assert_eq!(take(&mut f, "/_sim/signins"), None);
        assert_eq!(
            take(&mut f, "/x/oauth2/v2.0/token"),
            Some(FaultKind::DropConnection)
        );
        assert_eq!(take(&mut f, "/x/oauth2/token"), None);
    }
}
