//! `pam_sesame.so`: sign in to a Linux machine with a Microsoft Entra ID
//! account through PAM — the same profile, provisioning and login agent as
//! on a Mac (see docs/linux.md).
//!
//! The C entry points ([`shim`], Linux only) only convert: they read the
//! user, service and arguments, wrap `pam_conv` in a [`conv::Conversation`],
//! catch panics, and call the testable core ([`auth::authenticate`],
//! [`account`]). Decisions with time in them take `now` as a parameter.
//!
//! Privilege: the module runs inside the process that loads it (`sshd`,
//! `login`, `gdm`), as root there. Creating and updating accounts goes
//! through `sesame-platform`'s account directory, which runs the shadow
//! tools through `PrivilegedCommand` (absolute paths, a clean environment,
//! passwords on stdin). Loaded by an unprivileged program (a screen locker),
//! those tools fail and the sign-in is refused with the reason logged; the
//! module never raises its own privileges.

pub mod account;
pub mod auth;
pub mod code;
pub mod conv;
pub mod early;
pub mod offline;
pub mod options;
pub mod throttle;
pub mod who;

#[cfg(target_os = "linux")]
pub mod shim;
#[cfg(unix)]
pub mod syslog;

pub use auth::{AuthRequest, authenticate};
pub use code::{AuthEnd, Code};
pub use conv::{Conversation, PamPrompter};
pub use options::Options;
