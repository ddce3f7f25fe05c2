//! The full name a local account gets: from the ID token's `name` (else
//! given + family name, else the username), made safe for the OS's account
//! database so that it is stored exactly as planned and reads back the same.
//!
//! On Linux the full name is the first sub-field of the GECOS field of
//! `/etc/passwd`: a `:` ends the field (and `useradd` refuses it), a `,`
//! starts the next sub-field (so "Lovelace, Ada" would read back as
//! "Lovelace" and be rewritten at every login), and a line break or other
//! control character breaks the file. On macOS `RealName` takes any text
//! but control characters.

use super::policy::AccountOs;
use crate::identity::Identity;

/// Unicode bidirectional controls (embedding, override, isolate marks):
/// they make a name display as something else.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `raw` as the OS will store it: control and bidirectional-control
/// characters (and on Linux `,` and `:`) become spaces, runs of white space
/// become one space, and the ends are trimmed. Idempotent, so comparing a
/// sanitized wanted name with the name read back from the directory is
/// a stable "has it changed?".
pub fn sanitize_full_name(raw: &str, os: AccountOs) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| {
            let forbidden = c.is_control()
                || is_bidi_control(c)
                || (os == AccountOs::Linux && matches!(c, ',' | ':'));
            if forbidden { ' ' } else { c }
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The account's full name for `identity` on `os`, sanitized.
pub(crate) fn planned_full_name(identity: &Identity, os: AccountOs) -> String {
    let raw = match identity.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(n) => n.to_owned(),
        None => {
            let parts: Vec<&str> = [
                identity.given_name.as_deref(),
                identity.family_name.as_deref(),
            ]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
            if parts.is_empty() {
                identity.username.clone()
            } else {
                parts.join(" ")
            }
        }
    };
    let clean = sanitize_full_name(&raw, os);
    if clean.is_empty() {
        sanitize_full_name(&identity.username, os)
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_colons_and_controls_never_reach_gecos() {
        let linux = |s| sanitize_full_name(s, AccountOs::Linux);
        assert_eq!(linux("Lovelace, Ada"), "Lovelace Ada");
        assert_eq!(linux("Ada:Lovelace"), "Ada Lovelace");
        assert_eq!(linux("Ada\nLovelace\r\n"), "Ada Lovelace");
        assert_eq!(
            linux("Ada\u{7}\u{1b}[31m Lovelace\u{0}"),
            "Ada [31m Lovelace"
        );
        assert_eq!(linux("\u{202e}ecalevoL adA"), "ecalevoL adA");
        assert_eq!(linux("  Ada   Lovelace "), "Ada Lovelace");
        assert_eq!(linux("Zoë Ångström-Łukasz"), "Zoë Ångström-Łukasz");
        // macOS keeps punctuation; only controls go.
        let mac = |s| sanitize_full_name(s, AccountOs::Macos);
        assert_eq!(mac("Lovelace, Ada: R&D"), "Lovelace, Ada: R&D");
        assert_eq!(mac("Ada\u{1b}]0;pwned\u{7}"), "Ada ]0;pwned");
    }

    #[test]
    fn sanitizing_twice_changes_nothing() {
        for raw in ["Lovelace, Ada", "a:b,c\n\td", " ,: ", "Ada\u{85}Lovelace"] {
            for os in [AccountOs::Linux, AccountOs::Macos] {
                let once = sanitize_full_name(raw, os);
                assert_eq!(sanitize_full_name(&once, os), once, "{raw:?}");
            }
        }
    }
}
