//! Password verdicts, and the one vocabulary for what an answer proves.
//!
//! Three types, three concepts:
//! - [`PasswordVerdict`]: the situation one password check ended in, with
//!   its details (AADSTS code, fix, reason). `sesame-entra` turns every
//!   answer of the token endpoint into exactly one.
//! - [`Verdict`]: the same situation by name only (plus `pass`/`warn`/`fail`
//!   for steps that are not password checks). The sync log writes it and the
//!   AADSTS catalog files each code under one.
//! - [`PasswordProof`]: what an answer proves about the password: `right`,
//!   `wrong`, `nothing` (not applicable) or `unknown`. Derived from the
//!   situation ([`PasswordVerdict::proof`], [`Verdict::proof`]), so the
//!   catalog, `sesame explain`, `sesame log`, `sesame doctor` and the
//!   verdicts can never disagree.
//!
//! The login agent and the menu-bar daemon decide on the verdict alone, so the
//! rules that matter for lockout safety live here as plain methods:
//! only [`PasswordVerdict::WrongPassword`] ever counts as a wrong password.

use serde::{Deserialize, Serialize};

/// The `code` of a verdict from another OpenID provider (`OIDCDiscoveryURL`),
/// which answers by OAuth `error` only: never logged as an AADSTS code.
pub const NO_AADSTS: u32 = 0;

/// The outcome of one password (ROPG) check against Entra ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum PasswordVerdict {
    /// Entra issued tokens: the password is right.
    Verified,
    /// Entra accepted the password, then MFA or Conditional Access stopped
    /// token issuance (one of the profile's success codes, e.g. AADSTS50076).
    VerifiedInterrupted {
        /// The AADSTS code that interrupted the sign-in.
        code: u32,
    },
    /// The password is wrong (AADSTS50126). The only verdict that may ever be
    /// counted as a wrong password.
    WrongPassword {
        /// The AADSTS code.
        code: u32,
    },
    /// The account is locked by smart lockout, or the sign-in came from an IP
    /// Entra considers malicious (AADSTS50053). Says nothing about the password.
    Locked {
        /// The AADSTS code.
        code: u32,
    },
    /// The password has expired and must be changed (AADSTS50055, 50144).
    /// Entra (and on-premises AD behind it) reports expiry only after the
    /// password itself was accepted, so this proves it right.
    PasswordExpired {
        /// The AADSTS code.
        code: u32,
    },
    /// The account is disabled in Entra ID (AADSTS50057).
    Disabled {
        /// The AADSTS code.
        code: u32,
    },
    /// No such user in this tenant (AADSTS50034, 50020): there is no
    /// password to judge.
    UnknownUser {
        /// The AADSTS code.
        code: u32,
    },
    /// The user is not assigned to the app and assignment is required
    /// (AADSTS50105).
    NotAssigned {
        /// The AADSTS code.
        code: u32,
    },
    /// The app registration, tenant or profile is wrong; an admin must fix it.
    Misconfigured {
        /// The AADSTS code, when Entra sent one.
        code: Option<u32>,
        /// What the admin should change (portal path or profile key).
        fix: String,
    },
    /// Entra asked us to slow down (HTTP 429, AADSTS50196).
    Throttled {
        /// The AADSTS code, when Entra sent one.
        code: Option<u32>,
        /// Seconds to wait before the next attempt, from `Retry-After`.
        retry_after_secs: Option<u64>,
    },
    /// Entra answered about something that is not a password: an
    /// authorization code, a refresh token or an SSO artifact (AADSTS54005,
    /// 70008, 700082, ...). A password check should never get one.
    NotAPasswordAnswer {
        /// The AADSTS code.
        code: u32,
    },
    /// Entra could not be reached or answered with a server error (DNS, TLS,
    /// timeout, 5xx, a proxy page). Never a statement about the password.
    Unreachable {
        /// What went wrong, for the sync log.
        reason: String,
    },
    /// An answer Sesame cannot classify; the raw error is kept for the helpdesk.
    Unknown {
        /// The AADSTS code, when Entra sent one.
        code: Option<u32>,
        /// The raw error (OAuth `error`, codes and description) as received.
        raw: String,
    },
}

/// What an answer proves about the password: the one vocabulary for the
/// verdicts, the AADSTS catalog, `sesame explain` (`password_verified`),
/// `sesame log` and `sesame doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProof {
    /// Entra accepted the password (tokens, an MFA / Conditional Access
    /// interrupt after the password, an expired-password answer).
    Right,
    /// Entra said the password is wrong (AADSTS50126, 50064 only).
    Wrong,
    /// Not applicable: the answer is about something else (the app
    /// registration, the tenant, a code or refresh token, the request rate,
    /// a user that does not exist). Checking again proves nothing either.
    Nothing,
    /// The answer is about the sign-in but does not say whether the password
    /// is right (locked, disabled, not assigned, unreachable, unclassified).
    Unknown,
}

impl PasswordProof {
    /// `right`, `wrong`, `nothing` or `unknown` (the JSON and catalog value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Right => "right",
            Self::Wrong => "wrong",
            Self::Nothing => "nothing",
            Self::Unknown => "unknown",
        }
    }

    /// One phrase for people: the value and what it means.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Right => "right (Entra accepted the password)",
            Self::Wrong => "wrong (Entra rejected the password)",
            Self::Nothing => "nothing (not applicable: this answer is not about the password)",
            Self::Unknown => "unknown (this answer does not say whether the password is right)",
        }
    }
}

impl std::fmt::Display for PasswordProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PasswordVerdict {
    /// What this verdict proves about the password.
    pub fn proof(&self) -> PasswordProof {
        Verdict::from(self)
            .proof()
            .unwrap_or(PasswordProof::Unknown)
    }

    /// `true` only for [`PasswordVerdict::WrongPassword`]: the one verdict a
    /// caller may count toward "the cloud password changed".
    pub fn is_wrong_password(&self) -> bool {
        matches!(self, Self::WrongPassword { .. })
    }

    /// `true` when the password may be used as the user's current cloud
    /// password (tokens, or MFA / Conditional Access after the password).
    pub fn is_password_verified(&self) -> bool {
        matches!(self, Self::Verified | Self::VerifiedInterrupted { .. })
    }

    /// `true` when the same request may simply be retried later without a
    /// person doing anything (throttling, outages).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Unreachable { .. })
    }

    /// The AADSTS code behind the verdict, if any.
    pub fn code(&self) -> Option<u32> {
        let code = match self {
            Self::VerifiedInterrupted { code }
            | Self::WrongPassword { code }
            | Self::Locked { code }
            | Self::PasswordExpired { code }
            | Self::Disabled { code }
            | Self::UnknownUser { code }
            | Self::NotAssigned { code }
            | Self::NotAPasswordAnswer { code } => Some(*code),
            Self::Misconfigured { code, .. }
            | Self::Throttled { code, .. }
            | Self::Unknown { code, .. } => *code,
            Self::Verified | Self::Unreachable { .. } => None,
        };
        code.filter(|c| *c != NO_AADSTS)
    }

    /// A short, stable name for logs and metrics (`wrong_password`, ...).
    pub fn name(&self) -> &'static str {
        Verdict::from(self).name()
    }
}

impl std::fmt::Display for PasswordVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = |c: &u32| match *c {
            NO_AADSTS => "no AADSTS code: another OpenID provider".to_owned(),
            c => format!("AADSTS{c}"),
        };
        match self {
            Self::Verified => write!(f, "password verified (tokens issued)"),
            Self::VerifiedInterrupted { code: c } => write!(
                f,
                "password verified; {} (MFA or Conditional Access) stopped token issuance",
                code(c)
            ),
            Self::WrongPassword { code: c } => write!(f, "wrong password ({})", code(c)),
            Self::Locked { code: c } => write!(f, "account locked ({})", code(c)),
            Self::PasswordExpired { code: c } => write!(f, "password expired ({})", code(c)),
            Self::Disabled { code: c } => write!(f, "account disabled ({})", code(c)),
            Self::UnknownUser { code: c } => write!(f, "no such user in the tenant ({})", code(c)),
            Self::NotAPasswordAnswer { code: c } => write!(
                f,
                "an answer about a code or token, not the password ({})",
                code(c)
            ),
            Self::NotAssigned { code: c } => {
                write!(f, "user not assigned to the app ({})", code(c))
            }
            Self::Misconfigured { code: c, fix } => match c {
                Some(c) => write!(f, "misconfigured ({}): {fix}", code(c)),
                None => write!(f, "misconfigured: {fix}"),
            },
            Self::Throttled {
                retry_after_secs, ..
            } => match retry_after_secs {
                Some(s) => write!(f, "throttled by Entra; retry in {s} s"),
                None => write!(f, "throttled by Entra; retry later"),
            },
            Self::Unreachable { reason } => write!(f, "Entra unreachable: {reason}"),
            Self::Unknown { code: c, raw } => match c {
                Some(c) => write!(f, "unclassified answer ({}): {raw}", code(c)),
                None => write!(f, "unclassified answer: {raw}"),
            },
        }
    }
}

/// A situation by name only: the sync log's `verdict` field and the AADSTS
/// catalog's `verdict` field. The first thirteen mirror [`PasswordVerdict`]
/// without its details; `pass`, `warn` and `fail` are for steps that are not
/// password checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Tokens issued: the password is right.
    Verified,
    /// Password right; MFA or Conditional Access stopped token issuance.
    VerifiedInterrupted,
    /// Entra said the password is wrong (AADSTS50126).
    WrongPassword,
    /// The account is locked.
    Locked,
    /// The password expired.
    PasswordExpired,
    /// The account is disabled.
    Disabled,
    /// No such user in the tenant.
    UnknownUser,
    /// The user is not assigned to the app.
    NotAssigned,
    /// The app registration, tenant or profile is wrong.
    Misconfigured,
    /// Entra answered about a code or token, not a password.
    NotAPasswordAnswer,
    /// Entra asked Sesame to slow down.
    Throttled,
    /// Entra could not be reached.
    Unreachable,
    /// An answer Sesame could not classify.
    Unknown,
    /// A step that is not a password check succeeded.
    Pass,
    /// A step succeeded with something to look at.
    Warn,
    /// A step failed.
    Fail,
}

impl Verdict {
    /// Every verdict, in declaration order.
    pub const ALL: [Self; 16] = [
        Self::Verified,
        Self::VerifiedInterrupted,
        Self::WrongPassword,
        Self::Locked,
        Self::PasswordExpired,
        Self::Disabled,
        Self::UnknownUser,
        Self::NotAssigned,
        Self::Misconfigured,
        Self::NotAPasswordAnswer,
        Self::Throttled,
        Self::Unreachable,
        Self::Unknown,
        Self::Pass,
        Self::Warn,
        Self::Fail,
    ];

    /// The stable name written to the log and the catalog.
    pub fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::VerifiedInterrupted => "verified_interrupted",
            Self::WrongPassword => "wrong_password",
            Self::Locked => "locked",
            Self::PasswordExpired => "password_expired",
            Self::Disabled => "disabled",
            Self::UnknownUser => "unknown_user",
            Self::NotAssigned => "not_assigned",
            Self::Misconfigured => "misconfigured",
            Self::NotAPasswordAnswer => "not_a_password_answer",
            Self::Throttled => "throttled",
            Self::Unreachable => "unreachable",
            Self::Unknown => "unknown",
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }

    /// What this situation proves about the password; `None` for steps that
    /// are not password answers (`pass`, `warn`, `fail`).
    pub fn proof(self) -> Option<PasswordProof> {
        Some(match self {
            Self::Verified | Self::VerifiedInterrupted | Self::PasswordExpired => {
                PasswordProof::Right
            }
            Self::WrongPassword => PasswordProof::Wrong,
            Self::Misconfigured
            | Self::NotAPasswordAnswer
            | Self::Throttled
            | Self::UnknownUser => PasswordProof::Nothing,
            Self::Locked
            | Self::Disabled
            | Self::NotAssigned
            | Self::Unreachable
            | Self::Unknown => PasswordProof::Unknown,
            Self::Pass | Self::Warn | Self::Fail => return None,
        })
    }
}

impl From<&PasswordVerdict> for Verdict {
    fn from(v: &PasswordVerdict) -> Self {
        match v {
            PasswordVerdict::Verified => Self::Verified,
            PasswordVerdict::VerifiedInterrupted { .. } => Self::VerifiedInterrupted,
            PasswordVerdict::WrongPassword { .. } => Self::WrongPassword,
            PasswordVerdict::Locked { .. } => Self::Locked,
            PasswordVerdict::PasswordExpired { .. } => Self::PasswordExpired,
            PasswordVerdict::Disabled { .. } => Self::Disabled,
            PasswordVerdict::UnknownUser { .. } => Self::UnknownUser,
            PasswordVerdict::NotAssigned { .. } => Self::NotAssigned,
            PasswordVerdict::Misconfigured { .. } => Self::Misconfigured,
            PasswordVerdict::NotAPasswordAnswer { .. } => Self::NotAPasswordAnswer,
            PasswordVerdict::Throttled { .. } => Self::Throttled,
            PasswordVerdict::Unreachable { .. } => Self::Unreachable,
            PasswordVerdict::Unknown { .. } => Self::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordProof::{Nothing, Right, Unknown as Unk, Wrong};

    /// Each situation with its fixed, expected name and proof (written out,
    /// not computed): what a helpdesk person reads in the log.
    fn table() -> Vec<(PasswordVerdict, &'static str, PasswordProof)> {
        use PasswordVerdict::*;
        vec![
            (Verified, "verified", Right),
            (
                VerifiedInterrupted { code: 50076 },
                "verified_interrupted",
                Right,
            ),
            (WrongPassword { code: 50126 }, "wrong_password", Wrong),
            (Locked { code: 50053 }, "locked", Unk),
            (PasswordExpired { code: 50055 }, "password_expired", Right),
            (PasswordExpired { code: 50144 }, "password_expired", Right),
            (Disabled { code: 50057 }, "disabled", Unk),
            (UnknownUser { code: 50034 }, "unknown_user", Nothing),
            (NotAssigned { code: 50105 }, "not_assigned", Unk),
            (
                Misconfigured {
                    code: Some(7000218),
                    fix: "x".into(),
                },
                "misconfigured",
                Nothing,
            ),
            (
                NotAPasswordAnswer { code: 700082 },
                "not_a_password_answer",
                Nothing,
            ),
            (
                Throttled {
                    code: None,
                    retry_after_secs: Some(30),
                },
                "throttled",
                Nothing,
            ),
            (
                Unreachable {
                    reason: "timeout".into(),
                },
                "unreachable",
                Unk,
            ),
            (
                Unknown {
                    code: None,
                    raw: "?".into(),
                },
                "unknown",
                Unk,
            ),
        ]
    }

    #[test]
    fn each_situation_has_its_fixed_name_and_proof() {
        for (v, name, proof) in table() {
            assert_eq!(v.name(), name, "{v:?}");
            assert_eq!(v.proof(), proof, "{v:?}");
            assert_eq!(Verdict::from(&v).name(), name);
            assert_eq!(Verdict::from(&v).proof(), Some(proof));
        }
        for step in [Verdict::Pass, Verdict::Warn, Verdict::Fail] {
            assert_eq!(step.proof(), None);
        }
    }

    #[test]
    fn only_wrong_password_counts_as_wrong_and_only_two_verify() {
        for (v, name, _) in table() {
            assert_eq!(v.is_wrong_password(), name == "wrong_password", "{v:?}");
            assert_eq!(
                v.is_password_verified(),
                name == "verified" || name == "verified_interrupted",
                "{v:?}"
            );
        }
    }

    #[test]
    fn verdicts_round_trip_through_json_with_stable_names() {
        for (v, name, proof) in table() {
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["verdict"], name);
            let back: PasswordVerdict = serde_json::from_value(json).unwrap();
            assert_eq!(back, v);
            assert_eq!(serde_json::to_value(Verdict::from(&v)).unwrap(), name);
            assert_eq!(serde_json::to_value(proof).unwrap(), proof.as_str());
        }
        let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(names.len(), 16);
        for n in &names {
            let v: Verdict = serde_json::from_value(serde_json::json!(n)).unwrap();
            assert_eq!(v.name(), *n);
        }
    }

    #[test]
    fn display_names_the_code_and_the_proof_reads_plainly() {
        let v = PasswordVerdict::Locked { code: 50053 };
        assert_eq!(v.to_string(), "account locked (AADSTS50053)");
        assert_eq!(v.code(), Some(50053));
        assert_eq!(
            PasswordProof::Nothing.describe(),
            "nothing (not applicable: this answer is not about the password)"
        );
    }
}
