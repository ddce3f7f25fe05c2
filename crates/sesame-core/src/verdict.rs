//! Password verdicts: what one password check against Entra ID proved.
//!
//! `sesame-entra` turns every answer of the token endpoint (tokens, an Entra
//! error body, a proxy page, a timeout) into exactly one [`PasswordVerdict`].
//! The login agent and the menu-bar daemon decide on the verdict alone, so the
//! rules that matter for lockout safety live here as plain methods:
//! only [`PasswordVerdict::WrongPassword`] ever counts as a wrong password.

use serde::{Deserialize, Serialize};

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
    PasswordExpired {
        /// The AADSTS code.
        code: u32,
    },
    /// The account is disabled in Entra ID (AADSTS50057).
    Disabled {
        /// The AADSTS code.
        code: u32,
    },
    /// No such user in this tenant (AADSTS50034, 50020).
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

/// Whether a verdict proves the password right, wrong, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProof {
    /// Entra accepted the password.
    Right,
    /// Entra said the password is wrong.
    Wrong,
    /// The answer says nothing reliable about the password.
    Unknown,
}

impl PasswordVerdict {
    /// What this verdict proves about the password.
    pub fn proof(&self) -> PasswordProof {
        match self {
            Self::Verified | Self::VerifiedInterrupted { .. } | Self::PasswordExpired { .. } => {
                PasswordProof::Right
            }
            Self::WrongPassword { .. } => PasswordProof::Wrong,
            _ => PasswordProof::Unknown,
        }
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
        match self {
            Self::VerifiedInterrupted { code }
            | Self::WrongPassword { code }
            | Self::Locked { code }
            | Self::PasswordExpired { code }
            | Self::Disabled { code }
            | Self::UnknownUser { code }
            | Self::NotAssigned { code } => Some(*code),
            Self::Misconfigured { code, .. }
            | Self::Throttled { code, .. }
            | Self::Unknown { code, .. } => *code,
            Self::Verified | Self::Unreachable { .. } => None,
        }
    }

    /// A short, stable name for logs and metrics (`wrong_password`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::VerifiedInterrupted { .. } => "verified_interrupted",
            Self::WrongPassword { .. } => "wrong_password",
            Self::Locked { .. } => "locked",
            Self::PasswordExpired { .. } => "password_expired",
            Self::Disabled { .. } => "disabled",
            Self::UnknownUser { .. } => "unknown_user",
            Self::NotAssigned { .. } => "not_assigned",
            Self::Misconfigured { .. } => "misconfigured",
            Self::Throttled { .. } => "throttled",
            Self::Unreachable { .. } => "unreachable",
            Self::Unknown { .. } => "unknown",
        }
    }
}

impl std::fmt::Display for PasswordVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = |c: &u32| format!("AADSTS{c}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<PasswordVerdict> {
        use PasswordVerdict::*;
        vec![
            Verified,
            VerifiedInterrupted { code: 50076 },
            WrongPassword { code: 50126 },
            Locked { code: 50053 },
            PasswordExpired { code: 50055 },
            Disabled { code: 50057 },
            UnknownUser { code: 50034 },
            NotAssigned { code: 50105 },
            Misconfigured {
                code: Some(7000218),
                fix: "x".into(),
            },
            Throttled {
                code: None,
                retry_after_secs: Some(30),
            },
            Unreachable {
                reason: "timeout".into(),
            },
            Unknown {
                code: None,
                raw: "?".into(),
            },
        ]
    }

    #[test]
    fn only_wrong_password_counts_as_wrong() {
        let wrong: Vec<_> = all()
            .into_iter()
            .filter(|v| v.is_wrong_password())
            .collect();
        assert_eq!(wrong, vec![PasswordVerdict::WrongPassword { code: 50126 }]);
        let proven_wrong: Vec<_> = all()
            .into_iter()
            .filter(|v| v.proof() == PasswordProof::Wrong)
            .collect();
        assert_eq!(proven_wrong.len(), 1);
    }

    #[test]
    fn transient_verdicts_never_verify_or_refute() {
        for v in all().into_iter().filter(PasswordVerdict::is_transient) {
            assert_eq!(v.proof(), PasswordProof::Unknown, "{v}");
            assert!(!v.is_password_verified());
        }
    }

    #[test]
    fn verdicts_round_trip_through_json_with_stable_names() {
        for v in all() {
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["verdict"], v.name());
            let back: PasswordVerdict = serde_json::from_value(json).unwrap();
            assert_eq!(back, v);
        }
    }

    #[test]
    fn display_names_the_code() {
        let v = PasswordVerdict::Locked { code: 50053 };
        assert_eq!(v.to_string(), "account locked (AADSTS50053)");
        assert_eq!(v.code(), Some(50053));
    }
}
