//! The machine's name, for the `host` field of events.

/// This machine's host name, or `unknown-host` when the OS will not say.
pub fn host_name() -> String {
    #[cfg(any(target_os = "macos", target_os = "linux"))]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for `len` bytes; gethostname writes at most that.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
            if !name.is_empty() {
                return name;
            }
        }
    }
    "unknown-host".to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_name_is_the_kernels() {
        let name = super::host_name();
        if let Ok(expected) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(name, expected.trim());
        }
        assert!(!name.is_empty());
    }
}
