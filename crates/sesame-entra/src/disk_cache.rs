//! Discovery documents and signing keys kept on disk for short-lived
//! processes.
//!
//! Why: every PAM sign-in is a new process, so an in-memory cache starts
//! empty every time and the two discovery documents and the JWKS cost two
//! round trips more than the password grant itself (see
//! docs/performance.md). A long-running process (the menu-bar daemon) does
//! not need this.
//!
//! Trust, the same for every field as for a fresh fetch:
//! - Written only by root (effective UID 0), atomically
//!   ([`sesame_safefs::SafeDir::write_atomic`]: a temporary file, fsync,
//!   rename; a symlink at the name is replaced, never followed), mode 0644,
//!   in a folder root creates with mode 0755.
//! - Read only when the folder and the file are owned by root and writable
//!   by no one else (group or other), never through a symlink
//!   ([`sesame_safefs::SafeDir::read_file`]); anything a non-root user could
//!   have written is ignored, whoever reads it.
//! - Validated exactly like a fresh fetch: both documents go through
//!   [`crate::discovery::parse_metadata`] (issuer form, the profile's
//!   tenant, HTTPS endpoints) and the same-tenant check, the keys through the
//!   JWKS parser, and the keys only for the `jwks_uri` discovery names.
//! - Kept with the time they were fetched, so the client's own limits apply
//!   unchanged: discovery for its TTL (24 h by default), keys for their
//!   maximum age (24 h); a token signed with a `kid` the keys lack refetches
//!   them at once and the file is rewritten, so a key rollover never locks
//!   anyone out.
//!
//! Anything wrong (unreadable, untrusted, corrupt, for another tenant,
//! stale) is logged and the client goes to the network: the cache can make a
//! sign-in faster, never make it fail.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sesame_safefs::SafeDir;

use crate::config::ClientConfig;
use crate::discovery::{Discovery, ProviderMetadata, Version, discovery_url, pair, parse_metadata};
use crate::jwk::TenantKeys;

/// Where the module keeps the cache on a real system (root-owned).
pub const DEFAULT_DIR: &str = "/var/cache/sesame/oidc";

/// Largest cache file read (a JWKS with a few keys is a few KiB).
const MAX_BYTES: u64 = 1024 * 1024;

/// The file format; another number is ignored (and rewritten).
const FORMAT: u32 = 1;

/// One tenant's cached documents.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    format: u32,
    /// The v2 discovery URL the documents were fetched from (the key).
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    discovery: Option<Documents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks: Option<Keys>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Documents {
    /// Seconds since the Unix epoch.
    fetched_at: u64,
    v2: Value,
    v1: Value,
}

#[derive(Debug, Serialize, Deserialize)]
struct Keys {
    url: String,
    /// Seconds since the Unix epoch.
    fetched_at: u64,
    keys: Value,
}

/// What a cache file gave back, each part validated.
#[derive(Debug, Default)]
pub struct Cached {
    /// Both discovery documents, with the time they were fetched.
    pub discovery: Option<Discovery>,
    /// The keys for the discovery's `jwks_uri`, with the time they were fetched.
    pub jwks: Option<(TenantKeys, SystemTime)>,
}

/// Why a cache file was not used (the sign-in goes to the network).
#[derive(Debug, thiserror::Error)]
pub enum CacheProblem {
    /// It could not be read (a symlink, not a regular file, too large, I/O),
    /// or its folder failed the owner/mode check.
    #[error("{path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A user other than root owns it or could have written it.
    #[error("{path}: {why}; ignored (only root's own cache is trusted)")]
    Untrusted {
        /// The file or folder.
        path: PathBuf,
        /// Owner and mode found.
        why: String,
    },
    /// Not a cache file of this format, or it fails validation.
    #[error("{path}: {detail}; ignored")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// The on-disk cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCache {
    dir: PathBuf,
}

/// Seconds since the epoch (0 for a time before it).
fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Group- or world-writable.
fn writable_by_others(mode: u32) -> bool {
    mode & 0o022 != 0
}

/// A parsed document in the wire form [`parse_metadata`] reads.
fn document(m: &ProviderMetadata) -> Value {
    let mut doc = serde_json::json!({
        "issuer": m.issuer,
        "authorization_endpoint": m.authorization_endpoint.as_str(),
        "token_endpoint": m.token_endpoint.as_str(),
        "jwks_uri": m.jwks_uri.as_str(),
    });
    if let Some(u) = &m.end_session_endpoint {
        doc["end_session_endpoint"] = Value::from(u.as_str());
    }
    if let Some(h) = &m.msgraph_host {
        doc["msgraph_host"] = Value::from(h.as_str());
    }
    doc
}

impl DiskCache {
    /// The cache in `dir` (e.g. [`DEFAULT_DIR`], or one under a sandbox root).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for the tenant `cfg` names: a hash of its v2 discovery URL.
    pub fn file_for(&self, cfg: &ClientConfig) -> Option<PathBuf> {
        let key = discovery_url(cfg, Version::V2).ok()?;
        Some(self.dir.join(file_name(key.as_str())))
    }

    /// Reads and validates the entry for `cfg`'s tenant. `Ok(None)`: no
    /// file yet. Freshness is the caller's (each part keeps its fetch time).
    pub fn load(&self, cfg: &ClientConfig) -> Result<Option<Cached>, CacheProblem> {
        let Ok(key) = discovery_url(cfg, Version::V2) else {
            return Ok(None);
        };
        let name = file_name(key.as_str());
        let path = self.dir.join(&name);
        let unreadable = |source| CacheProblem::Unreadable {
            path: path.clone(),
            source,
        };
        let dir = match SafeDir::open(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unreadable(e)),
        };
        let folder = dir.metadata().map_err(unreadable)?;
        if folder.uid() != 0 || writable_by_others(folder.mode()) {
            return Err(CacheProblem::Untrusted {
                path: self.dir.clone(),
                why: format!(
                    "the folder is owned by uid {} with mode {:o}",
                    folder.uid(),
                    folder.mode() & 0o7777
                ),
            });
        }
        let Some((meta, bytes)) = dir.read_file(&name, MAX_BYTES).map_err(unreadable)? else {
            return Ok(None);
        };
        if meta.uid() != 0 || writable_by_others(meta.mode()) {
            return Err(CacheProblem::Untrusted {
                path,
                why: format!(
                    "owned by uid {} with mode {:o}",
                    meta.uid(),
                    meta.mode() & 0o7777
                ),
            });
        }
        let corrupt = |detail: String| CacheProblem::Corrupt {
            path: path.clone(),
            detail,
        };
        let entry: Entry = serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(format!("not a cache file ({e})")))?;
        if entry.format != FORMAT {
            return Err(corrupt(format!("format {} is not {FORMAT}", entry.format)));
        }
        if entry.key != key.as_str() {
            return Err(corrupt(format!("written for {}, not {key}", entry.key)));
        }
        let discovery = entry
            .discovery
            .map(|d| validate_documents(cfg, d))
            .transpose()
            .map_err(corrupt)?;
        let jwks = match (entry.jwks, &discovery) {
            (Some(k), Some(d)) if k.url == d.v2.jwks_uri.as_str() => {
                let keys: TenantKeys = serde_json::from_value(k.keys)
                    .map_err(|e| corrupt(format!("the cached JWKS is malformed: {e}")))?;
                Some((keys, UNIX_EPOCH + Duration::from_secs(k.fetched_at)))
            }
            _ => None,
        };
        Ok(Some(Cached { discovery, jwks }))
    }

    /// Writes the entry for `discovery`'s tenant (and `jwks`, if they are
    /// the keys its `jwks_uri` names) — as root only; any other process
    /// writes nothing (`Ok(false)`), since root would not trust it.
    pub fn save(
        &self,
        cfg: &ClientConfig,
        discovery: &Discovery,
        jwks: Option<(&TenantKeys, SystemTime)>,
    ) -> std::io::Result<bool> {
        if !sesame_safefs::running_as_root() {
            return Ok(false);
        }
        let key = discovery_url(cfg, Version::V2)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let keys = match jwks {
            Some((keys, at)) => Some(Keys {
                url: discovery.v2.jwks_uri.to_string(),
                fetched_at: secs(at),
                keys: serde_json::to_value(keys).map_err(std::io::Error::other)?,
            }),
            None => None,
        };
        let entry = Entry {
            format: FORMAT,
            key: key.to_string(),
            discovery: Some(Documents {
                fetched_at: secs(discovery.fetched_at),
                v2: document(&discovery.v2),
                v1: document(&discovery.v1),
            }),
            jwks: keys,
        };
        let mut bytes = serde_json::to_vec_pretty(&entry).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        SafeDir::create(&self.dir, 0o755)?.write_atomic(&file_name(key.as_str()), &bytes, 0o644)?;
        Ok(true)
    }
}

/// Both documents through the checks of a fresh fetch.
fn validate_documents(cfg: &ClientConfig, d: Documents) -> Result<Discovery, String> {
    let one = |version: Version, doc: &Value| -> Result<ProviderMetadata, String> {
        let url = discovery_url(cfg, version).map_err(|e| e.to_string())?;
        let body = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
        parse_metadata(
            url.as_str(),
            &body,
            version,
            &cfg.tenant,
            cfg.allow_insecure_loopback,
        )
        .map_err(|e| format!("the cached {e}"))
    };
    let (v2, v1) = (one(Version::V2, &d.v2)?, one(Version::V1, &d.v1)?);
    let at = UNIX_EPOCH + Duration::from_secs(d.fetched_at);
    pair(cfg, v2, v1, at).map_err(|e| format!("the cached {e}"))
}

/// `<first 16 bytes of SHA-256(key), hex>.json`.
fn file_name(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hex}.json")
}
