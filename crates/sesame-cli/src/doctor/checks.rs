//! The doctor's checklist, decided from what Entra answered (pure).
//!
//! The probes in [`super::probe`] record Entra's answers as
//! [`Observations`]; [`evaluate`] turns them into the checklist. A check
//! that could not be observed (no test user, or an earlier step failed) is
//! left out rather than guessed.

use serde_json::{Value, json};
use sesame_core::verdict::{PasswordProof, PasswordVerdict};
use sesame_entra::Catalog;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to do.
    Pass,
    /// Works, but look at it.
    Warn,
    /// Broken: Sesame will not work for (some) users until fixed.
    Fail,
}

impl Status {
    /// `pass`, `warn` or `fail`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Stable name (`public_client_flows`, …).
    pub name: &'static str,
    /// The outcome.
    pub status: Status,
    /// The AADSTS codes behind it.
    pub codes: Vec<u32>,
    /// What was observed.
    pub detail: String,
    /// What to change (empty when passing).
    pub fix: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Pass,
            codes: Vec::new(),
            detail: detail.into(),
            fix: String::new(),
        }
    }

    fn problem(
        name: &'static str,
        status: Status,
        codes: Vec<u32>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name,
            status,
            codes,
            detail: detail.into(),
            fix: fix.into(),
        }
    }

    /// The `--json` form: `{"name","status","codes","fix","detail"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "status": self.status.name(),
            "codes": self.codes,
            "fix": self.fix,
            "detail": self.detail,
        })
    }
}

/// What one request to Entra produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The request was accepted (a document, a sign-in page, tokens).
    Accepted,
    /// Entra refused it with an error and AADSTS codes.
    Entra {
        /// OAuth `error`.
        error: String,
        /// AADSTS codes.
        codes: Vec<u32>,
    },
    /// Something other than Entra answered, or nothing did.
    Unusable(String),
}

impl Answer {
    fn codes(&self) -> &[u32] {
        match self {
            Self::Entra { codes, .. } => codes,
            _ => &[],
        }
    }

    fn has(&self, code: u32) -> bool {
        self.codes().contains(&code)
    }
}

/// The groups claim of the test user's ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupsSeen {
    /// The `groups` claim lists the groups.
    Listed,
    /// Too many groups: the token points to Graph (overage).
    Overage,
    /// No groups claim at all.
    NotEmitted,
}

/// What the test user's password check showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordSeen {
    /// The verdict.
    pub verdict: PasswordVerdict,
    /// Every AADSTS code Entra sent.
    pub codes: Vec<u32>,
    /// Claims, when tokens were issued: the groups claim and whether
    /// `preferred_username` was present.
    pub claims: Option<(GroupsSeen, bool)>,
}

/// Everything the doctor observed, plus the profile facts that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observations {
    /// The discovery documents (tenant + authority host).
    pub discovery: Answer,
    /// A password-grant request without a password, as the ROPG app.
    pub app_probe: Option<Answer>,
    /// The authorization request of the OIDC app (client ID + redirect URI).
    pub authorize_probe: Option<Answer>,
    /// The one password check with the test user.
    pub password: Option<PasswordSeen>,
    /// The profile sets `OIDCClientSecret`.
    pub secret_configured: bool,
    /// The profile uses groups (`AdminGroups` or `AllowedGroups`).
    pub uses_groups: bool,
    /// The profile's `ROPGSuccessCodes`.
    pub success_codes: Vec<u32>,
    /// The ROPG app is the OIDC app (one client ID to check, not two).
    pub same_client: bool,
    /// The profile's `ROPGEndpoint` is `auto` (the doctor tries v2 only, so
    /// the password is sent once; the agent would fall back to v1).
    pub ropg_auto: bool,
}

/// MFA interruptions of the password check.
const MFA_CODES: [u32; 4] = [50076, 50079, 50074, 50158];
/// Conditional Access grant controls a Mac's login window cannot satisfy.
const CA_LOCKOUT_CODES: [u32; 6] = [53000, 53001, 53003, 530003, 530031, 50131];
/// v1/v2 protocol mix-ups.
const PROTOCOL_CODES: [u32; 3] = [900144, 901002, 9001023];
/// App-level refusals the app probe already reports.
const APP_CODES: [u32; 6] = [90002, 700016, 7000218, 700025, 7000215, 7000222];

fn catalog_fix(code: u32, fallback: &str) -> String {
    Catalog::builtin()
        .get(code)
        .map_or_else(|| fallback.to_owned(), |e| e.fix_with_portal())
}

fn first_of(codes: &[u32], wanted: &[u32]) -> Option<u32> {
    codes.iter().copied().find(|c| wanted.contains(c))
}

/// Turns the observations into the checklist, in the order an admin works.
pub fn evaluate(obs: &Observations) -> Vec<Check> {
    let mut out = Vec::new();
    // 1. Discovery and tenant: nothing else can run without them.
    match &obs.discovery {
        Answer::Accepted => {
            out.push(Check::pass(
                "discovery",
                "discovery documents and issuers are valid",
            ));
            out.push(Check::pass("tenant", "the tenant exists"));
        }
        a if a.has(90002) => {
            out.push(Check::problem(
                "tenant",
                Status::Fail,
                vec![90002],
                "Entra does not know the tenant in TenantID",
                catalog_fix(90002, "Set TenantID to the Directory (tenant) ID"),
            ));
            return out;
        }
        a => {
            out.push(Check::problem(
                "discovery",
                Status::Fail,
                a.codes().to_vec(),
                match a {
                    Answer::Unusable(why) => why.clone(),
                    _ => "Entra refused the discovery request".to_owned(),
                },
                "Check TenantID and AuthorityHost, and that this Mac reaches the authority \
                 host over HTTPS (proxy, firewall, TrustedRootCertificates)",
            ));
            return out;
        }
    }
    // 2. The apps: client IDs, public client flows, secret.
    app_checks(obs, &mut out);
    // 3. The OIDC app's redirect URI (its client ID was judged above when
    //    it is the same app).
    let client_failed = out
        .iter()
        .any(|c| c.name == "client_id" && c.status == Status::Fail);
    if !(obs.same_client && client_failed) {
        redirect_check(obs, &mut out);
    }
    // 4. The test user's one password check.
    if let Some(pw) = &obs.password
        && !pw.codes.iter().any(|c| APP_CODES.contains(c))
    {
        password_checks(obs, pw, &mut out);
    }
    out
}

fn app_checks(obs: &Observations, out: &mut Vec<Check>) {
    let Some(probe) = &obs.app_probe else {
        return;
    };
    if let Answer::Unusable(why) = probe {
        out.push(Check::problem(
            "client_id",
            Status::Fail,
            Vec::new(),
            why.clone(),
            "The token endpoint did not answer like Entra: check AuthorityHost and the network path",
        ));
        return;
    }
    if probe.has(700016) {
        out.push(Check::problem(
            "client_id",
            Status::Fail,
            vec![700016],
            "Entra does not know the ROPG app's client ID in this tenant",
            catalog_fix(
                700016,
                "Set ROPGClientID / OIDCClientID to the Application (client) ID",
            ),
        ));
        return;
    }
    out.push(Check::pass("client_id", "the app exists in the tenant"));
    if probe.has(7000218) {
        out.push(Check::problem(
            "public_client_flows",
            Status::Fail,
            vec![7000218],
            "the password check needs a client secret: public client flows are off",
            catalog_fix(
                7000218,
                "Turn on Allow public client flows (App registrations > Authentication)",
            ),
        ));
    } else if probe.has(700025) {
        out.push(Check::problem(
            "client_secret",
            Status::Fail,
            vec![700025],
            "the app is a public client but the profile sends OIDCClientSecret",
            catalog_fix(700025, "Remove OIDCClientSecret from the profile"),
        ));
    } else {
        out.push(Check::pass(
            "public_client_flows",
            "the password grant is allowed",
        ));
    }
    if let Some(code) = first_of(probe.codes(), &[7000215, 7000222]) {
        let what = if code == 7000222 {
            "the client secret has expired"
        } else {
            "the client secret is wrong (a secret ID instead of its value, or a deleted secret)"
        };
        out.push(Check::problem(
            "client_secret",
            Status::Fail,
            vec![code],
            what,
            catalog_fix(
                code,
                "Create a new client secret and put its value in OIDCClientSecret",
            ),
        ));
    } else if obs.secret_configured && !probe.has(700025) {
        out.push(Check::pass(
            "client_secret",
            "the client secret is valid (Entra does not reveal its expiry date: check it under \
             App registrations > Certificates & secrets)",
        ));
    }
}

fn redirect_check(obs: &Observations, out: &mut Vec<Check>) {
    let Some(probe) = &obs.authorize_probe else {
        return;
    };
    if probe.has(700016) {
        out.push(Check::problem(
            "oidc_client_id",
            Status::Fail,
            vec![700016],
            "Entra does not know OIDCClientID in this tenant",
            catalog_fix(700016, "Set OIDCClientID to the Application (client) ID"),
        ));
        return;
    }
    match first_of(probe.codes(), &[500113, 50011]) {
        Some(code) => out.push(Check::problem(
            "redirect_uri",
            Status::Fail,
            vec![code],
            if code == 500113 {
                "the app has no redirect URI at all"
            } else {
                "OIDCRedirectURI is not registered on the app"
            },
            catalog_fix(
                code,
                "Add OIDCRedirectURI under App registrations > Authentication",
            ),
        )),
        None => match probe {
            Answer::Accepted => out.push(Check::pass(
                "redirect_uri",
                "the sign-in page opens with OIDCRedirectURI",
            )),
            Answer::Entra { codes, error } => out.push(Check::problem(
                "redirect_uri",
                Status::Warn,
                codes.clone(),
                format!("the authorization request was refused ({error})"),
                "Run `sesame explain` on the codes shown",
            )),
            Answer::Unusable(why) => out.push(Check::problem(
                "redirect_uri",
                Status::Warn,
                Vec::new(),
                why.clone(),
                "The sign-in page did not load: check the network path to the authority host",
            )),
        },
    }
}

fn password_checks(obs: &Observations, pw: &PasswordSeen, out: &mut Vec<Check>) {
    if let Some(code) = first_of(&pw.codes, &PROTOCOL_CODES) {
        let (status, detail) = if obs.ropg_auto {
            (
                Status::Warn,
                "v2 refused the password check's parameters; with ROPGEndpoint auto Sesame \
                 falls back to v1 after one wasted request (the doctor does not, so the password \
                 is sent only once)",
            )
        } else {
            (
                Status::Fail,
                "the password check used the wrong token endpoint version for its scopes/resource",
            )
        };
        out.push(Check::problem(
            "ropg_endpoint",
            status,
            vec![code],
            detail,
            catalog_fix(
                code,
                "Set ROPGEndpoint to v2 with ROPGScopes, or v1 with ROPGResource",
            ),
        ));
        return;
    }
    out.push(Check::pass(
        "ropg_endpoint",
        "the password check endpoint answers",
    ));

    let v = &pw.verdict;
    let mfa = first_of(&pw.codes, &MFA_CODES);
    let ca = first_of(&pw.codes, &CA_LOCKOUT_CODES);
    // The password itself.
    match v {
        PasswordVerdict::NotAssigned { .. } | PasswordVerdict::Misconfigured { .. } => {}
        _ if v.proof() == PasswordProof::Right => out.push(Check::pass(
            "password_check",
            format!(
                "the test user's password was verified ({v}); password: {}",
                v.proof().describe()
            ),
        )),
        PasswordVerdict::Throttled { .. } | PasswordVerdict::Unreachable { .. } => {
            out.push(Check::problem(
                "password_check",
                Status::Warn,
                pw.codes.clone(),
                v.to_string(),
                "Entra is busy or unreachable: run the doctor again later",
            ))
        }
        _ => out.push(Check::problem(
            "password_check",
            Status::Fail,
            pw.codes.clone(),
            format!(
                "the test user's password check failed: {v}; password: {} (the doctor never retries)",
                v.proof().describe()
            ),
            v.code().map_or_else(
                || "Run `sesame explain` on the answer".to_owned(),
                |c| catalog_fix(c, "Run `sesame explain` on the code"),
            ),
        )),
    }
    // MFA / Conditional Access on the ROPG app.
    match mfa {
        Some(code) => {
            let counted = obs.success_codes.contains(&code);
            out.push(Check::problem(
                "mfa_on_ropg_app",
                if counted { Status::Warn } else { Status::Fail },
                vec![code],
                if counted {
                    format!(
                        "MFA interrupts the password check (AADSTS{code}); Sesame counts it as \
                         verified, but every check shows as an interrupted sign-in and no \
                         claims can be read"
                    )
                } else {
                    format!(
                        "MFA interrupts the password check (AADSTS{code}) and the code is not in \
                         ROPGSuccessCodes, so every password check fails"
                    )
                },
                format!(
                    "Use the two-app pattern: the login window signs in with MFA through the OIDC \
                     app, while a separate ROPG app (ROPGClientID) only checks the password. \
                     Exclude that ROPG app from the MFA Conditional Access policy (Entra admin \
                     center > Protection > Conditional Access > Policies > (policy) > Target \
                     resources > Exclude){}",
                    if counted {
                        String::new()
                    } else {
                        format!(", or add {code} to ROPGSuccessCodes")
                    }
                ),
            ));
        }
        None => out.push(Check::pass(
            "mfa_on_ropg_app",
            "no MFA prompt on the password check",
        )),
    }
    // Assignment.
    if pw.codes.contains(&50105) {
        out.push(Check::problem(
            "user_assignment",
            Status::Fail,
            vec![50105],
            "the test user is not assigned to the app and assignment is required",
            catalog_fix(
                50105,
                "Assign the user's group to the app (Enterprise applications > Users and groups)",
            ),
        ));
    } else {
        out.push(Check::pass(
            "user_assignment",
            "the test user may use the app",
        ));
    }
    // Conditional Access that would lock people out of their Mac.
    match ca {
        Some(code) => out.push(Check::problem(
            "conditional_access",
            Status::Fail,
            vec![code],
            format!(
                "a Conditional Access grant control (AADSTS{code}) blocks the sign-in: a Mac at \
                 the login window cannot satisfy it, so users would be locked out"
            ),
            catalog_fix(
                code,
                "Exclude the Sesame apps from the policy, or use a grant control the login window can meet",
            ),
        )),
        None => out.push(Check::pass(
            "conditional_access",
            "no Conditional Access control blocks the sign-in",
        )),
    }
    // Claims, only visible when tokens were issued.
    if let Some((groups, preferred_username)) = pw.claims {
        out.push(match groups {
            GroupsSeen::Listed => Check::pass("groups_claim", "the ID token lists the groups"),
            GroupsSeen::Overage => Check::problem(
                "groups_claim",
                Status::Warn,
                Vec::new(),
                "the test user has too many groups for the token (overage): Sesame reads them \
                 from Microsoft Graph",
                "Grant the app GroupMember.Read.All (or emit only groups assigned to the \
                 application: App registrations > Token configuration > groups claim)",
            ),
            GroupsSeen::NotEmitted if obs.uses_groups => Check::problem(
                "groups_claim",
                Status::Fail,
                Vec::new(),
                "the ID token has no groups claim, but the profile sets AdminGroups or AllowedGroups: \
                 every sign-in that needs groups is refused (never read as \"no groups\", so no admin \
                 is demoted)",
                "Add a groups claim: Entra admin center > App registrations > (app) > Token \
                 configuration > Add groups claim > Security groups (Group ID); this sets \
                 groupMembershipClaims in the app manifest",
            ),
            GroupsSeen::NotEmitted => Check::pass(
                "groups_claim",
                "no groups claim, and the profile does not use groups",
            ),
        });
        out.push(if preferred_username {
            Check::pass(
                "preferred_username",
                "the ID token carries preferred_username",
            )
        } else {
            Check::problem(
                "preferred_username",
                Status::Fail,
                Vec::new(),
                "the ID token has no preferred_username claim",
                "Add the optional claim: App registrations > (app) > Token configuration > Add \
                 optional claim > ID > preferred_username",
            )
        });
    }
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
