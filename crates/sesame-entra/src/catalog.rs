//! The AADSTS catalog: what each Entra ID error code means and how to fix it.
//!
//! The data lives in `data/aadsts.toml`, embedded in the binary and parsed
//! once. [`Catalog::builtin`] is the lookup used by the verdict mapping and
//! by `sesame explain`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use sesame_core::verdict::{PasswordProof, Verdict};

const BUILTIN_TOML: &str = include_str!("../data/aadsts.toml");

static BUILTIN: LazyLock<Result<Catalog, CatalogError>> =
    LazyLock::new(|| Catalog::parse(BUILTIN_TOML));

static EMPTY: LazyLock<Catalog> = LazyLock::new(Catalog::default);

/// How risky it is, for smart lockout, to send the same request again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockoutRisk {
    /// Not a bad-password event.
    None,
    /// No lockout effect, but repeats look suspicious.
    Low,
    /// Counts toward smart lockout.
    High,
    /// The account is already locked.
    Locked,
    /// Not documented.
    Unknown,
}

/// One AADSTS code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// The number after `AADSTS`.
    pub code: u32,
    /// Microsoft's short name, or a description in parentheses.
    pub name: String,
    /// What happened, in plain words.
    pub meaning: String,
    /// Smart-lockout risk of retrying.
    pub lockout: LockoutRisk,
    /// Details of the lockout behaviour.
    pub lockout_note: String,
    /// The situation a password check ends in when Entra sends this code
    /// with one of [`CatalogEntry::errors`]. What the code proves about the
    /// password follows from it ([`CatalogEntry::password_verified`]).
    pub verdict: Verdict,
    /// The OAuth `error` values Entra sends with this code.
    pub errors: Vec<String>,
    /// What the admin (or user) should do.
    pub fix: String,
    /// Where the switch is in the Microsoft Entra admin center.
    #[serde(default)]
    pub portal: Option<String>,
}

impl CatalogEntry {
    /// `true` when Entra pairs this code with the OAuth `error` given.
    pub fn pairs_with(&self, error: &str) -> bool {
        self.errors.iter().any(|e| e == error)
    }

    /// What this code proves about the password: right, wrong, nothing (not
    /// applicable) or unknown. Derived from [`CatalogEntry::verdict`], so the
    /// catalog and the verdicts cannot disagree.
    pub fn password_verified(&self) -> PasswordProof {
        self.verdict.proof().unwrap_or(PasswordProof::Unknown)
    }

    /// The fix with the portal path appended, for verdicts and `explain`.
    pub fn fix_with_portal(&self) -> String {
        match &self.portal {
            Some(p) => format!("{} ({p})", self.fix),
            None => self.fix.clone(),
        }
    }
}

impl LockoutRisk {
    /// `none`, `low`, `high`, `locked` or `unknown`, as in the catalog data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::High => "high",
            Self::Locked => "locked",
            Self::Unknown => "unknown",
        }
    }
}

/// The catalog data could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    /// The TOML is malformed or an entry has a wrong or missing field.
    #[error("AADSTS catalog: {0}")]
    Malformed(String),
    /// The same code appears twice.
    #[error("AADSTS catalog: code {0} appears twice")]
    Duplicate(u32),
    /// An entry's `errors` list is empty, so it could never match.
    #[error("AADSTS catalog: code {0} lists no OAuth errors")]
    NoErrors(u32),
    /// An entry's verdict is not a situation an Entra error can lead to
    /// (`verified`, `pass`, `warn`, `fail`).
    #[error(
        "AADSTS catalog: code {0} has verdict `{1}`, which no Entra error leads to; use one of the situations listed at the top of aadsts.toml"
    )]
    NotAnErrorVerdict(u32, &'static str),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    code: Vec<CatalogEntry>,
}

/// All known AADSTS codes, by number.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<u32, CatalogEntry>,
}

impl Catalog {
    /// The catalog compiled into Sesame. Empty only if the embedded data is
    /// broken, which a unit test rules out; see [`Catalog::builtin_error`].
    pub fn builtin() -> &'static Catalog {
        match &*BUILTIN {
            Ok(c) => c,
            Err(_) => &EMPTY,
        }
    }

    /// Why the builtin catalog failed to load, if it did.
    pub fn builtin_error() -> Option<&'static CatalogError> {
        BUILTIN.as_ref().err()
    }

    /// Parses catalog TOML (the format of `data/aadsts.toml`).
    pub fn parse(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| CatalogError::Malformed(e.to_string()))?;
        let mut entries = BTreeMap::new();
        for entry in file.code {
            if entry.errors.is_empty() {
                return Err(CatalogError::NoErrors(entry.code));
            }
            if matches!(
                entry.verdict,
                Verdict::Verified | Verdict::Pass | Verdict::Warn | Verdict::Fail
            ) {
                return Err(CatalogError::NotAnErrorVerdict(
                    entry.code,
                    entry.verdict.name(),
                ));
            }
            let code = entry.code;
            if entries.insert(code, entry).is_some() {
                return Err(CatalogError::Duplicate(code));
            }
        }
        Ok(Self { entries })
    }

    /// The entry for a code.
    pub fn get(&self, code: u32) -> Option<&CatalogEntry> {
        self.entries.get(&code)
    }

    /// Looks up a code written the way people paste it: `50126`,
    /// `AADSTS50126`, `aadsts50126:` (surrounding spaces and a colon allowed).
    pub fn lookup(&self, text: &str) -> Option<&CatalogEntry> {
        parse_code(text).and_then(|c| self.get(c))
    }

    /// Every entry, ordered by code.
    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.values()
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the catalog has no codes.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Parses `50126`, `AADSTS50126` or `AADSTS50126:` into the number.
pub fn parse_code(text: &str) -> Option<u32> {
    let t = text.trim().trim_end_matches(':');
    let digits = match t.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("aadsts") => &t[6..],
        _ => t,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE_TSV: &str = include_str!("../tests/fixtures/reference-codes.tsv");

    #[test]
    fn builtin_catalog_loads() {
        assert_eq!(Catalog::builtin_error(), None);
        assert!(Catalog::builtin().len() >= 50);
    }

    /// Every reference code with the fixed answer to "what does it prove
    /// about the password" (written out here, not computed).
    #[test]
    fn every_reference_code_proves_what_the_table_says() {
        let cat = Catalog::builtin();
        let mut checked = 0;
        for line in REFERENCE_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let expected = match cols[1] {
                "right" => PasswordProof::Right,
                "wrong" => PasswordProof::Wrong,
                "nothing" => PasswordProof::Nothing,
                "unknown" => PasswordProof::Unknown,
                other => panic!("bad fixture value {other}"),
            };
            for code in cols[0].split('/') {
                let code: u32 = code.parse().unwrap();
                let entry = cat
                    .get(code)
                    .unwrap_or_else(|| panic!("AADSTS{code} missing"));
                assert_eq!(entry.password_verified(), expected, "AADSTS{code}");
                assert!(!entry.fix.is_empty() && !entry.meaning.is_empty());
                checked += 1;
            }
        }
        assert!(checked >= 50, "only {checked} reference codes");
    }

    #[test]
    fn only_codes_that_deny_the_password_are_wrong_password() {
        let wrong: Vec<u32> = Catalog::builtin()
            .entries()
            .filter(|e| e.password_verified() == PasswordProof::Wrong)
            .map(|e| e.code)
            .collect();
        assert_eq!(wrong, vec![50064, 50126]);
        for code in wrong {
            let e = Catalog::builtin().get(code).unwrap();
            assert_eq!(e.errors, vec!["invalid_grant".to_string()], "{code}");
        }
    }

    #[test]
    fn misconfiguration_codes_name_a_portal_switch() {
        for code in [
            7000218, 700016, 90002, 700025, 7000215, 7000222, 500113, 65001,
        ] {
            let e = Catalog::builtin().get(code).unwrap();
            assert_eq!(e.verdict, Verdict::Misconfigured, "{code}");
            assert!(e.fix_with_portal().contains("Entra admin center"), "{code}");
        }
    }

    #[test]
    fn names_round_trip_with_the_data_file() {
        for e in Catalog::builtin().entries() {
            for (field, value) in [
                ("lockout", e.lockout.as_str()),
                ("verdict", e.verdict.name()),
            ] {
                let line = format!("{field} = \"{value}\"");
                assert!(BUILTIN_TOML.contains(&line), "{line}");
            }
        }
    }

    #[test]
    fn lookup_accepts_the_forms_people_paste() {
        let cat = Catalog::builtin();
        for text in ["50126", "AADSTS50126", " aadsts50126: "] {
            assert_eq!(cat.lookup(text).map(|e| e.code), Some(50126), "{text}");
        }
        assert!(cat.lookup("AADSTS").is_none());
        assert!(cat.lookup("5012x").is_none());
        assert!(cat.lookup("99999999").is_none());
    }

    #[test]
    fn malformed_catalogs_are_rejected_with_the_reason() {
        let dup = "[[code]]\ncode = 1\nname='a'\nmeaning='m'\nlockout='none'\nlockout_note=''\nverdict='unknown'\nerrors=['x']\nfix='f'\n";
        let twice = format!("{dup}{dup}");
        assert_eq!(
            Catalog::parse(&twice).unwrap_err(),
            CatalogError::Duplicate(1)
        );
        let bad = dup.replace("verdict='unknown'", "verdict='maybe'");
        assert!(matches!(
            Catalog::parse(&bad),
            Err(CatalogError::Malformed(_))
        ));
        let pass = dup.replace("verdict='unknown'", "verdict='pass'");
        assert_eq!(
            Catalog::parse(&pass).unwrap_err(),
            CatalogError::NotAnErrorVerdict(1, "pass")
        );
        let none = dup.replace("errors=['x']", "errors=[]");
        assert_eq!(
            Catalog::parse(&none).unwrap_err(),
            CatalogError::NoErrors(1)
        );
    }
}
