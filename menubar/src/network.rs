//! Is there a network? No check is sent without one (it could only fail,
//! and the failure would be read as an outage, not a password problem).

use url::Url;

/// The machine's network, as the rules need it.
pub trait Network {
    /// `true` when a check could reach Entra.
    fn is_up(&self) -> bool;
}

/// This machine: a loopback authority (the simulator) is always reachable;
/// otherwise Linux needs a default route (`/proc/net/route`), and a Mac is
/// assumed online (its reachability API is not bound here).
#[derive(Debug, Clone)]
pub struct SystemNetwork {
    loopback_authority: bool,
}

impl SystemNetwork {
    /// For the profile's authority.
    pub fn for_authority(authority: &Url) -> Self {
        let loopback_authority = match authority.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        Self { loopback_authority }
    }
}

impl Network for SystemNetwork {
    fn is_up(&self) -> bool {
        if self.loopback_authority || cfg!(not(target_os = "linux")) {
            return true;
        }
        std::fs::read_to_string("/proc/net/route")
            .map(|t| has_default_route(&t))
            .unwrap_or(true)
    }
}

/// Whether a `/proc/net/route` table has a default route on an interface
/// that is up (`Destination` 00000000, `Flags` with RTF_UP).
pub fn has_default_route(table: &str) -> bool {
    table.lines().skip(1).any(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        f.len() > 3
            && f[1] == "00000000"
            && u32::from_str_radix(f[3], 16).is_ok_and(|flags| flags & 0x1 != 0)
    })
}

/// A network that is up or down as a test says.
#[derive(Debug, Default)]
pub struct FixedNetwork(pub std::sync::atomic::AtomicBool);

impl FixedNetwork {
    /// Up or down.
    pub fn new(up: bool) -> Self {
        Self(std::sync::atomic::AtomicBool::new(up))
    }
    /// Changes it.
    pub fn set(&self, up: bool) {
        self.0.store(up, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Network for FixedNetwork {
    fn is_up(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_route_that_is_up_means_online() {
        let head = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n";
        let up = format!("{head}eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\n");
        let down = format!("{head}eth0\t00000000\t0102A8C0\t0002\t0\t0\t0\t00000000\n");
        let lan_only = format!("{head}eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n");
        assert!(has_default_route(&up));
        assert!(!has_default_route(&down));
        assert!(!has_default_route(&lan_only));
        assert!(!has_default_route(head));
    }
}
