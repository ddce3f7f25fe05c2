//! Sign-in decisions: first factor with smart lockout, then the app's rules
//! (assignment, consent) and Conditional Access / security defaults / per-user MFA.
//!
//! Order follows Entra: unknown user, lock, disabled, password (counted by smart
//! lockout), expired password; only after the password was right come assignment,
//! consent and Conditional Access (block, compliant device, MFA).

use std::collections::HashSet;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::errors::AadError;
use crate::state::{Inner, LockoutState};
use crate::tenant::{App, CaGrant, CaState, Targets, Tenant, User, UserState};

/// What Conditional Access and friends demand once the password is right.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// A second factor is required.
    pub mfa_required: bool,
    /// Enforced Conditional Access policies that demand MFA (their IDs go into `capolids`).
    pub mfa_policies: Vec<Uuid>,
    /// Some enforced Conditional Access policy applied (the log's "Conditional Access" column).
    pub ca_applied: bool,
    /// Report-only policies that would have applied.
    pub report_only: Vec<String>,
}

impl From<&Conditions> for crate::signin::Facts {
    fn from(c: &Conditions) -> Self {
        crate::signin::Facts {
            mfa_required: c.mfa_required,
            mfa_by_ca: !c.mfa_policies.is_empty(),
            ca_applied: c.ca_applied,
            ..Default::default()
        }
    }
}

/// Checks the first factor. Counts wrong passwords for smart lockout.
pub fn primary_auth(
    inner: &mut Inner,
    now: OffsetDateTime,
    upn: &str,
    password: &str,
) -> Result<Uuid, AadError> {
    let tenant = &inner.tenant;
    let Some(user) = tenant.user(upn) else {
        return Err(AadError::unknown_user(
            tenant.domains.first().map_or("", String::as_str),
        ));
    };
    let oid = user.oid;
    let right = constant_eq(
        user.password.expose_secret().as_bytes(),
        password.as_bytes(),
    );
    let state = user.state;
    let expired = password_expired(tenant, user, now);
    let lockout = tenant.lockout;
    let entry = inner.lockout.entry(oid).or_default();
    if state == UserState::Locked || entry.locked_until.is_some_and(|t| t > now) {
        return Err(AadError::locked());
    }
    if state == UserState::Disabled {
        return Err(AadError::disabled());
    }
    if !right {
        count_failure(
            entry,
            password,
            now,
            lockout.threshold,
            lockout.duration_seconds,
        );
        return Err(AadError::invalid_credentials());
    }
    entry.failures = 0;
    entry.recent_bad.clear();
    if expired {
        return Err(AadError::password_expired());
    }
    Ok(oid)
}

fn count_failure(
    entry: &mut LockoutState,
    password: &str,
    now: OffsetDateTime,
    threshold: u32,
    secs: u64,
) {
    let hash: [u8; 32] = Sha256::digest(password.as_bytes()).into();
    if entry.recent_bad.contains(&hash) {
        return; // the same wrong password again is not counted (Entra tracks the last three)
    }
    entry.recent_bad.push_back(hash);
    if entry.recent_bad.len() > 3 {
        entry.recent_bad.pop_front();
    }
    entry.failures += 1;
    if entry.failures >= threshold {
        let factor = 1u64 << entry.locks.min(10);
        let secs = i64::try_from(secs.saturating_mul(factor)).unwrap_or(i64::MAX);
        entry.locked_until = Some(now + Duration::seconds(secs));
        entry.locks += 1;
        // After the lock ends, the next counted failure locks again (for twice as long).
        entry.failures = threshold.saturating_sub(1);
        entry.recent_bad.clear();
    }
}

/// Equal in constant time (`subtle`); hashing first hides the length too.
/// The sim keeps its own comparison: it imports no Sesame crate.
fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let (ha, hb) = (Sha256::digest(a), Sha256::digest(b));
    ha[..].ct_eq(&hb[..]).into()
}

/// True when the user's password has expired (state or the tenant's expiry policy).
pub fn password_expired(tenant: &Tenant, user: &User, now: OffsetDateTime) -> bool {
    user.state == UserState::PasswordExpired
        || password_expires_at(tenant, user).is_some_and(|t| t <= now)
}

/// When the password expires, if that is inside the tenant's notification window at `now`
/// (the optional-claims reference: `pwd_exp` / `pwd_url` are "only included when the password
/// is expiring soon (as defined by "notification days" in the password policy)").
pub fn password_expiry_notice(
    tenant: &Tenant,
    user: &User,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let at = password_expires_at(tenant, user)?;
    let window = Duration::days(i64::from(tenant.password_expiry_notification_days));
    (at > now && at - now <= window).then_some(at)
}

/// When the password expires, if the tenant's policy applies to the user.
pub fn password_expires_at(tenant: &Tenant, user: &User) -> Option<OffsetDateTime> {
    let days = tenant.password_expiry_days?;
    (!user.password_never_expires)
        .then(|| user.last_password_change + Duration::days(i64::from(days)))
}

/// The user's ObjectID plus direct groups (what assignment, roles and CA match on).
pub fn principals(user: &User) -> HashSet<Uuid> {
    let mut p: HashSet<Uuid> = user.groups.iter().copied().collect();
    p.insert(user.oid);
    p
}

/// Assignment, consent, then Conditional Access, security defaults and per-user MFA.
///
/// `targets` are the client ID and resource identifiers the request touches.
pub fn app_checks(
    tenant: &Tenant,
    user: &User,
    app: &App,
    targets: &[String],
) -> Result<Conditions, AadError> {
    let who = principals(user);
    if app.assignment_required && !app.assigned.iter().any(|a| who.contains(a)) {
        return Err(AadError::not_assigned(
            &app.name,
            &app.client_id.to_string(),
        ));
    }
    if !app.admin_consent {
        return Err(AadError::consent_required(&app.client_id.to_string()));
    }
    let mut cond = Conditions {
        mfa_required: tenant.security_defaults || user.per_user_mfa,
        ..Conditions::default()
    };
    let mut blocked = Vec::new();
    let mut compliant = false;
    for p in &tenant.conditional_access {
        if p.state == CaState::Off || !applies(p, &who, targets) {
            continue;
        }
        if p.state == CaState::ReportOnly {
            cond.report_only.push(p.name.clone());
            continue;
        }
        cond.ca_applied = true;
        match p.grant {
            CaGrant::Block => blocked.push(p.id),
            CaGrant::CompliantDevice => compliant = true,
            CaGrant::Mfa => {
                cond.mfa_required = true;
                cond.mfa_policies.push(p.id);
            }
        }
    }
    if !blocked.is_empty() {
        return Err(AadError::ca_blocked(&blocked));
    }
    if compliant {
        return Err(AadError::device_not_compliant());
    }
    Ok(cond)
}

fn applies(p: &crate::tenant::CaPolicy, who: &HashSet<Uuid>, targets: &[String]) -> bool {
    let user_in = match &p.include_users {
        Targets::All => true,
        Targets::List(l) => l
            .iter()
            .any(|x| Uuid::parse_str(x).is_ok_and(|id| who.contains(&id))),
    };
    if !user_in || p.exclude_users.iter().any(|x| who.contains(x)) {
        return false;
    }
    let matches = |list: &[String], t: &str| list.iter().any(|x| x.eq_ignore_ascii_case(t));
    targets.iter().any(|t| {
        let included = match &p.include_apps {
            Targets::All => true,
            Targets::List(l) => matches(l, t),
        };
        included && !matches(&p.exclude_apps, t)
    })
}

/// The error ROPG gets when MFA is required: 50076, or 50079 when no method is registered;
/// `cond` names the Conditional Access policies that asked for it.
pub fn mfa_error(user: &User, resource: &str, cond: &Conditions) -> AadError {
    if user.mfa.is_some() {
        AadError::mfa_required(resource, &cond.mfa_policies)
    } else {
        AadError::mfa_registration_required(resource, &cond.mfa_policies)
    }
}

/// Checks a TOTP code against the user's secret at `now` (one step of clock skew allowed).
pub fn check_totp(user: &User, code: &str, now: OffsetDateTime) -> bool {
    let Some(crate::tenant::MfaMethod::Totp(secret)) = &user.mfa else {
        return false;
    };
    let Some(totp) = totp_for(secret.expose_secret()) else {
        return false;
    };
    let t = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    totp.check(code.trim(), t)
}

/// The current TOTP code for the user at `now` (for tests and demos).
pub fn current_totp(user: &User, now: OffsetDateTime) -> Option<String> {
    let crate::tenant::MfaMethod::Totp(secret) = user.mfa.as_ref()?;
    let totp = totp_for(secret.expose_secret())?;
    Some(totp.generate(u64::try_from(now.unix_timestamp()).unwrap_or(0)))
}

fn totp_for(base32: &str) -> Option<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(base32.to_string())
        .to_bytes()
        .ok()?;
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SimState;

    fn state() -> SimState {
        let keys = crate::keys::KeySet::generate().expect("key");
        SimState::new(Tenant::demo(), "http://sim".into(), keys)
    }

    #[test]
    fn lockout_after_threshold_distinct_wrong_passwords() {
        let s = state();
        let mut inner = s.inner();
        let now = OffsetDateTime::now_utc();
        for i in 0..9 {
            let err = primary_auth(
                &mut inner,
                now,
                "adele@contoso.example",
                &format!("wrong{i}"),
            );
            assert_eq!(err.err().map(|e| e.code), Some(50126));
        }
        // The same wrong password again is not counted.
        let err = primary_auth(&mut inner, now, "adele@contoso.example", "wrong8");
        assert_eq!(err.err().map(|e| e.code), Some(50126));
        let err = primary_auth(&mut inner, now, "adele@contoso.example", "wrong-tenth");
        assert_eq!(err.err().map(|e| e.code), Some(50126));
        // Locked now, whatever the password.
        let err = primary_auth(&mut inner, now, "adele@contoso.example", "Sesame-Demo-2");
        assert_eq!(err.err().map(|e| e.code), Some(50053));
        // After the lock ends the right password works.
        let later = now + Duration::seconds(61);
        assert!(primary_auth(&mut inner, later, "adele@contoso.example", "Sesame-Demo-2").is_ok());
    }
}
