//! Control: what tests and admins change while the sim runs. The same operations are
//! methods on [`crate::SimHandle`] and JSON calls under `/_sim/`:
//!
//! | call | body |
//! |---|---|
//! | `POST /_sim/users/{upn}/password` | `{"password": "...", "by": "user" \| "sspr" \| "admin_portal" \| "admin_center"}` (`by` defaults to `user`) |
//! | `POST /_sim/users/{upn}/state` | `{"state": "enabled" \| "disabled" \| "locked" \| "password_expired"}` |
//! | `POST /_sim/users/{upn}/per_user_mfa` | `{"enabled": true}` |
//! | `GET /_sim/users/{upn}/totp` | → `{"code": "123456"}` (current code at the sim's clock) |
//! | `POST /_sim/conditional_access/{name}` | `{"state": "on" \| "off" \| "report_only"}` |
//! | `POST /_sim/security_defaults` | `{"enabled": true}` |
//! | `POST /_sim/group_overage_threshold` | `{"threshold": 3}` |
//! | `POST /_sim/keys/rotate` | → `{"kid": "..."}` (a new key signs; the old one stays published) |
//! | `POST /_sim/keys/finish_rollover` | (drops retired keys; the signing key and the standby stay) |
//! | `GET /_sim/clock`, `POST /_sim/clock/advance` | `{"seconds": 3600}` |
//! | `POST /_sim/faults`, `DELETE /_sim/faults` | a [`Fault`] |
//! | `POST /_sim/devices/{user_code}/decline` | (the user declines a device-code sign-in) |
//! | `GET /_sim/signins`, `DELETE /_sim/signins` | the sign-in log |

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use time::Duration;

use crate::faults::Fault;
use crate::signin::SignIn;
use crate::state::SimState;
use crate::tenant::{CaState, UserState};

/// A control call named something that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    /// No such user.
    #[error("no user {0} in the tenant")]
    NoUser(String),
    /// No such Conditional Access policy.
    #[error("no Conditional Access policy named {0:?}")]
    NoPolicy(String),
    /// The user has no TOTP method.
    #[error("user {0} has no TOTP method registered")]
    NoTotp(String),
    /// Key generation failed.
    #[error("{0}")]
    Keys(String),
    /// No pending device-code sign-in has this user code.
    #[error("no pending device-code sign-in with user code {0:?}")]
    NoDeviceCode(String),
}

/// How a password was changed: it decides which refresh tokens die (Microsoft's "Refresh
/// tokens" revocation table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordChange {
    /// The user changed it (default).
    #[default]
    User,
    /// Self-service password reset.
    Sspr,
    /// An admin reset it in the Azure portal.
    AdminPortal,
    /// An admin reset it in the Microsoft Entra admin center (or the Microsoft 365 admin
    /// center): also revokes confidential clients' and non-password-based tokens.
    AdminCenter,
}

impl SimState {
    /// Sets a user's password, changed `by` the user, SSPR or an admin: clears expiry, and
    /// revokes refresh tokens as Microsoft's revocation table says (see [`PasswordChange`]).
    pub fn set_password(
        &self,
        upn: &str,
        password: &str,
        by: PasswordChange,
    ) -> Result<(), ControlError> {
        let now = self.clock.now();
        let mut inner = self.inner();
        let inner = &mut *inner;
        let user = inner
            .tenant
            .users
            .iter_mut()
            .find(|u| u.upn.eq_ignore_ascii_case(upn))
            .ok_or_else(|| ControlError::NoUser(upn.into()))?;
        user.password = crate::state::secret(password);
        user.last_password_change = now;
        if by == PasswordChange::AdminCenter {
            user.refresh_tokens_valid_from = now;
        }
        if user.state == UserState::PasswordExpired {
            user.state = UserState::Enabled;
        }
        // Which refresh tokens now answer 50173 is decided in `grants::revoked_since`.
        Ok(())
    }

    /// The user declines a pending device-code sign-in: polling answers
    /// `authorization_declined` from here on.
    pub fn decline_device_code(&self, user_code: &str) -> Result<(), ControlError> {
        let now = self.clock.now();
        let typed = user_code.trim().to_ascii_uppercase();
        let mut inner = self.inner();
        let d = inner
            .devices
            .values_mut()
            .find(|d| d.user_code == typed && d.expires > now && d.completed.is_none())
            .ok_or_else(|| ControlError::NoDeviceCode(user_code.into()))?;
        d.declined = true;
        Ok(())
    }

    /// Sets a user's account state; `Enabled` also clears a smart-lockout lock.
    pub fn set_user_state(&self, upn: &str, state: UserState) -> Result<(), ControlError> {
        let mut inner = self.inner();
        let inner = &mut *inner;
        let user = inner
            .tenant
            .users
            .iter_mut()
            .find(|u| u.upn.eq_ignore_ascii_case(upn))
            .ok_or_else(|| ControlError::NoUser(upn.into()))?;
        user.state = state;
        if state == UserState::Enabled {
            inner.lockout.remove(&user.oid);
        }
        Ok(())
    }

    /// Turns legacy per-user MFA on or off for a user.
    pub fn set_per_user_mfa(&self, upn: &str, enabled: bool) -> Result<(), ControlError> {
        let mut inner = self.inner();
        let user = inner
            .tenant
            .users
            .iter_mut()
            .find(|u| u.upn.eq_ignore_ascii_case(upn))
            .ok_or_else(|| ControlError::NoUser(upn.into()))?;
        user.per_user_mfa = enabled;
        Ok(())
    }

    /// Sets a Conditional Access policy's state.
    pub fn set_ca_state(&self, name: &str, state: CaState) -> Result<(), ControlError> {
        let mut inner = self.inner();
        let p = inner
            .tenant
            .conditional_access
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| ControlError::NoPolicy(name.into()))?;
        p.state = state;
        Ok(())
    }

    /// Turns security defaults on or off.
    pub fn set_security_defaults(&self, enabled: bool) {
        self.inner().tenant.security_defaults = enabled;
    }

    /// Sets the group-overage threshold.
    pub fn set_group_overage_threshold(&self, threshold: usize) {
        self.inner().tenant.group_overage_threshold = threshold;
    }

    /// The user's current TOTP code at the sim's clock.
    pub fn totp_code(&self, upn: &str) -> Result<String, ControlError> {
        let now = self.clock.now();
        let inner = self.inner();
        let user = inner
            .tenant
            .user(upn)
            .ok_or_else(|| ControlError::NoUser(upn.into()))?;
        crate::auth::current_totp(user, now).ok_or_else(|| ControlError::NoTotp(upn.into()))
    }

    /// Publishes and starts signing with a new key; returns its `kid`.
    pub fn rotate_keys(&self) -> Result<String, ControlError> {
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.rotate().map_err(|e| ControlError::Keys(e.to_string()))
    }

    /// Stops publishing retired keys.
    pub fn finish_rollover(&self) {
        self.keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .finish_rollover();
    }

    /// Arms a fault.
    pub fn inject_fault(&self, fault: Fault) {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// A copy of the sign-in log.
    pub fn sign_ins(&self) -> Vec<SignIn> {
        self.inner().signins.clone()
    }

    /// Empties the sign-in log.
    pub fn clear_sign_ins(&self) {
        self.inner().signins.clear();
    }
}

fn answer(r: Result<serde_json::Value, ControlError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
    #[serde(default)]
    by: PasswordChange,
}
#[derive(Deserialize)]
struct StateBody {
    state: UserState,
}
#[derive(Deserialize)]
struct EnabledBody {
    enabled: bool,
}
#[derive(Deserialize)]
struct CaBody {
    state: CaState,
}
#[derive(Deserialize)]
struct ThresholdBody {
    threshold: usize,
}
#[derive(Deserialize)]
struct AdvanceBody {
    seconds: i64,
}

type S = State<Arc<SimState>>;

/// The `/_sim/` routes.
pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route(
            "/_sim/users/{upn}/password",
            post(|State(s): S, Path(upn): Path<String>, Json(b): Json<PasswordBody>| async move {
                answer(s.set_password(&upn, &b.password, b.by).map(|()| json!({})))
            }),
        )
        .route(
            "/_sim/devices/{user_code}/decline",
            post(|State(s): S, Path(code): Path<String>| async move {
                answer(s.decline_device_code(&code).map(|()| json!({})))
            }),
        )
        .route(
            "/_sim/users/{upn}/state",
            post(|State(s): S, Path(upn): Path<String>, Json(b): Json<StateBody>| async move {
                answer(s.set_user_state(&upn, b.state).map(|()| json!({})))
            }),
        )
        .route(
            "/_sim/users/{upn}/per_user_mfa",
            post(|State(s): S, Path(upn): Path<String>, Json(b): Json<EnabledBody>| async move {
                answer(s.set_per_user_mfa(&upn, b.enabled).map(|()| json!({})))
            }),
        )
        .route(
            "/_sim/users/{upn}/totp",
            get(|State(s): S, Path(upn): Path<String>| async move {
                answer(s.totp_code(&upn).map(|c| json!({ "code": c })))
            }),
        )
        .route(
            "/_sim/conditional_access/{name}",
            post(|State(s): S, Path(name): Path<String>, Json(b): Json<CaBody>| async move {
                answer(s.set_ca_state(&name, b.state).map(|()| json!({})))
            }),
        )
        .route(
            "/_sim/security_defaults",
            post(|State(s): S, Json(b): Json<EnabledBody>| async move {
                s.set_security_defaults(b.enabled);
                Json(json!({}))
            }),
        )
        .route(
            "/_sim/group_overage_threshold",
            post(|State(s): S, Json(b): Json<ThresholdBody>| async move {
                s.set_group_overage_threshold(b.threshold);
                Json(json!({}))
            }),
        )
        .route(
            "/_sim/keys/rotate",
            post(|State(s): S| async move { answer(s.rotate_keys().map(|kid| json!({ "kid": kid }))) }),
        )
        .route(
            "/_sim/keys/finish_rollover",
            post(|State(s): S| async move {
                s.finish_rollover();
                Json(json!({}))
            }),
        )
        .route("/_sim/clock", get(|State(s): S| async move { Json(clock_json(&s)) }))
        .route(
            "/_sim/clock/advance",
            post(|State(s): S, Json(b): Json<AdvanceBody>| async move {
                s.clock.advance(Duration::seconds(b.seconds));
                Json(clock_json(&s))
            }),
        )
        .route(
            "/_sim/faults",
            post(|State(s): S, Json(f): Json<Fault>| async move {
                s.inject_fault(f);
                Json(json!({}))
            })
            .delete(|State(s): S| async move {
                s.clear_faults();
                Json(json!({}))
            }),
        )
        .route(
            "/_sim/signins",
            get(|State(s): S| async move { Json(s.sign_ins()) }).delete(|State(s): S| async move {
                s.clear_sign_ins();
                Json(json!({}))
            }),
        )
}

fn clock_json(s: &SimState) -> serde_json::Value {
    let now = s
        .clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json!({ "now": now, "offset_seconds": s.clock.offset().whole_seconds() })
}
