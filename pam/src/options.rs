//! The module arguments of a PAM service line:
//! `auth sufficient pam_sesame.so profile=/etc/sesame/io.sesame.agent.plist`.

use std::path::PathBuf;

/// Where the offline verifiers live on a real system (root-only).
pub const STATE_DIR: &str = "/var/lib/sesame/pam";

/// What a service line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `profile=FILE`, repeatable (merged in order). None: the managed profile.
    pub profiles: Vec<PathBuf>,
    /// `root=DIR`: make and read accounts in the system rooted there (a
    /// sandbox; tests and image builds).
    pub root: Option<PathBuf>,
    /// `log=FILE`: the sync log instead of the profile's `LogPath`.
    pub log: Option<PathBuf>,
    /// `state=DIR`: where the offline verifiers are kept.
    pub state: Option<PathBuf>,
    /// `cache=DIR`: where Entra's discovery documents and signing keys are
    /// kept between sign-ins (root-owned; see docs/linux.md).
    pub cache: Option<PathBuf>,
    /// `debug`: log each step at debug level (never a secret).
    pub debug: bool,
}

/// A module argument this module does not know.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "pam_sesame: unknown module argument '{0}' (known: profile=FILE, root=DIR, log=FILE, state=DIR, cache=DIR, debug); fix the PAM service line"
)]
pub struct BadArgument(pub String);

impl Options {
    /// Parses the arguments; any unknown or empty one is refused by name,
    /// so a typo never silently changes what the module does.
    pub fn parse<'a>(args: impl IntoIterator<Item = &'a str>) -> Result<Self, BadArgument> {
        let mut o = Self::default();
        for arg in args {
            let path = |v: &str| {
                if v.is_empty() {
                    Err(BadArgument(arg.to_owned()))
                } else {
                    Ok(PathBuf::from(v))
                }
            };
            match arg.split_once('=') {
                Some(("profile", v)) => o.profiles.push(path(v)?),
                Some(("root", v)) => o.root = Some(path(v)?),
                Some(("log", v)) => o.log = Some(path(v)?),
                Some(("state", v)) => o.state = Some(path(v)?),
                Some(("cache", v)) => o.cache = Some(path(v)?),
                None if arg == "debug" => o.debug = true,
                _ => return Err(BadArgument(arg.to_owned())),
            }
        }
        Ok(o)
    }

    /// The profiles to read: those named, or the managed profile.
    pub fn profile_paths(&self) -> Vec<PathBuf> {
        if self.profiles.is_empty() {
            vec![PathBuf::from(format!(
                "/etc/sesame/{}.plist",
                sesame_core::PREFERENCE_DOMAIN
            ))]
        } else {
            self.profiles.clone()
        }
    }

    /// The system root accounts live in (`/` unless a sandbox is named).
    pub fn system_root(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(|| PathBuf::from("/"))
    }

    /// Where offline verifiers are kept: `state=`, else under the root.
    pub fn state_dir(&self) -> PathBuf {
        match (&self.state, &self.root) {
            (Some(s), _) => s.clone(),
            (None, Some(r)) => r.join(STATE_DIR.trim_start_matches('/')),
            (None, None) => PathBuf::from(STATE_DIR),
        }
    }

    /// Where discovery and signing keys are cached: `cache=`, else under
    /// the root.
    pub fn cache_dir(&self) -> PathBuf {
        let default = sesame_entra::disk_cache::DEFAULT_DIR;
        match (&self.cache, &self.root) {
            (Some(c), _) => c.clone(),
            (None, Some(r)) => r.join(default.trim_start_matches('/')),
            (None, None) => PathBuf::from(default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_and_unknown_ones_are_refused_by_name() {
        let o = Options::parse(["profile=/a.plist", "profile=/b.plist", "root=/sb", "debug"])
            .expect("good line");
        assert_eq!(o.profiles.len(), 2);
        assert_eq!(o.state_dir(), PathBuf::from("/sb/var/lib/sesame/pam"));
        assert_eq!(o.cache_dir(), PathBuf::from("/sb/var/cache/sesame/oidc"));
        let o = Options::parse(["cache=/c"]).expect("cache");
        assert_eq!(o.cache_dir(), PathBuf::from("/c"));
        let e = Options::parse(["profle=/a.plist"]).expect_err("typo");
        assert!(e.to_string().contains("'profle=/a.plist'"), "{e}");
        assert!(Options::parse(["root="]).is_err(), "an empty path");
        assert_eq!(
            Options::parse([]).expect("none").profile_paths(),
            vec![PathBuf::from("/etc/sesame/io.sesame.agent.plist")]
        );
    }
}
