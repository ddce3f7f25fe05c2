//! Which Linux secret store Sesame uses: a pure decision over what the
//! session offers, so it is tested on every platform.
//!
//! The Secret Service (GNOME Keyring, KeePassXC, KWallet) is preferred where
//! a desktop session runs one: items survive reboots and the user can see
//! them in the keyring manager. Without a session bus, or when nothing on it
//! answers for `org.freedesktop.secrets`, the kernel keyring is used.

/// A Linux secret-store backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinuxSecretBackend {
    /// The desktop's Secret Service on the session D-Bus.
    SecretService,
    /// The kernel keyring (keyutils) of the login session.
    KernelKeyring,
}

/// The backend chosen and why, in one line for the sync log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendChoice {
    /// The backend to use.
    pub backend: LinuxSecretBackend,
    /// Why, in plain words.
    pub reason: String,
}

/// Choose the Linux backend.
///
/// `session_bus` is the value of `DBUS_SESSION_BUS_ADDRESS` (unset or blank
/// means there is no session bus). `probe` connects to the Secret Service on
/// that bus and says why it could not; it is called only when a bus address
/// is set.
pub fn choose_linux_backend(
    session_bus: Option<&str>,
    probe: impl FnOnce() -> Result<(), String>,
) -> BackendChoice {
    let Some(address) = session_bus.map(str::trim).filter(|a| !a.is_empty()) else {
        return BackendChoice {
            backend: LinuxSecretBackend::KernelKeyring,
            reason:
                "no session bus (DBUS_SESSION_BUS_ADDRESS is not set): using the kernel keyring"
                    .to_owned(),
        };
    };
    match probe() {
        Ok(()) => BackendChoice {
            backend: LinuxSecretBackend::SecretService,
            reason: format!("the Secret Service answered on the session bus {address}"),
        },
        Err(why) => BackendChoice {
            backend: LinuxSecretBackend::KernelKeyring,
            reason: format!(
                "the Secret Service did not answer on the session bus {address} ({why}): using the kernel keyring"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_session_bus_means_kernel_keyring_without_probing() {
        for bus in [None, Some(""), Some("   ")] {
            let choice = choose_linux_backend(bus, || panic!("probed without a session bus"));
            assert_eq!(choice.backend, LinuxSecretBackend::KernelKeyring, "{bus:?}");
            assert!(
                choice.reason.contains("DBUS_SESSION_BUS_ADDRESS"),
                "{}",
                choice.reason
            );
        }
    }

    #[test]
    fn a_service_that_answers_is_chosen() {
        let choice = choose_linux_backend(Some("unix:path=/run/user/501/bus"), || Ok(()));
        assert_eq!(choice.backend, LinuxSecretBackend::SecretService);
        assert!(choice.reason.contains("unix:path=/run/user/501/bus"));
    }

    #[test]
    fn a_bus_without_the_service_falls_back_and_says_why() {
        let choice = choose_linux_backend(Some("unix:path=/tmp/bus"), || {
            Err("org.freedesktop.secrets was not provided by any .service files".to_owned())
        });
        assert_eq!(choice.backend, LinuxSecretBackend::KernelKeyring);
        assert!(
            choice
                .reason
                .contains("was not provided by any .service files")
                && choice.reason.contains("kernel keyring"),
            "{}",
            choice.reason
        );
    }
}
