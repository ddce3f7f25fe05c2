//! A sandbox system root for tests and admins' dry runs: the handful of
//! `/etc` files the shadow tools need, written once, then changed only by the
//! real tools (`useradd --root DIR` and friends).

use std::fs;
use std::io;
use std::path::Path;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
";
const SHADOW: &str = "root:*:20000:0:99999:7:::
daemon:*:20000:0:99999:7:::
nobody:*:20000:0:99999:7:::
";
const GROUP: &str = "root:x:0:
daemon:x:1:
sudo:x:27:
users:x:100:
nogroup:x:65534:
";
const GSHADOW: &str = "root:*::
daemon:*::
sudo:*::
users:*::
nogroup:*::
";
const LOGIN_DEFS: &str = "# Sesame sandbox root
MAIL_DIR /var/mail
UID_MIN 1000
UID_MAX 60000
SYS_UID_MIN 100
SYS_UID_MAX 999
GID_MIN 1000
GID_MAX 60000
SYS_GID_MIN 100
SYS_GID_MAX 999
USERGROUPS_ENAB yes
ENCRYPT_METHOD YESCRYPT
UMASK 022
";

/// Checks that this process can run the shadow tools against a sandbox
/// root: they chroot into it (`--root DIR`), which only root may do. The
/// error says what to do, for tests and dry runs started as another user.
pub fn ensure_root() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        Ok(())
    } else {
        Err(
            "the shadow tools chroot into the sandbox root (--root DIR), which needs root: \
             run this as root (`sudo cargo test --workspace`; CI runs as root)"
                .to_owned(),
        )
    }
}

/// Make `root` a minimal system root: `etc/passwd`, `etc/shadow`,
/// `etc/group` (with a `sudo` group), `etc/gshadow`, `etc/login.defs`, and
/// empty `home`, `var/mail`, `var/lib`. Existing files are left alone.
pub fn create(root: &Path) -> io::Result<()> {
    for dir in ["etc", "home", "var/mail", "var/lib", "root"] {
        fs::create_dir_all(root.join(dir))?;
    }
    for (name, text, mode) in [
        ("etc/passwd", PASSWD, 0o644),
        ("etc/shadow", SHADOW, 0o640),
        ("etc/group", GROUP, 0o644),
        ("etc/gshadow", GSHADOW, 0o640),
        ("etc/login.defs", LOGIN_DEFS, 0o644),
    ] {
        let path = root.join(name);
        if path.exists() {
            continue;
        }
        fs::write(&path, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
    }
    Ok(())
}
