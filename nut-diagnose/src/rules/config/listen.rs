//! upsd.conf LISTEN lines that fail at start or leave clients out. Each check names the real thread
//! it came from (tests/real-world/config/).

use super::*;

fn is_wildcard_v4(a: &str) -> bool {
    a == "0.0.0.0"
}

/// The LISTEN checks:
/// - a specific non-loopback address (nut#723: an address the host no longer has, upsd exits "no
///   listening interface available"; nut#749: a static LAN address not up yet when nut-server starts
///   at boot): upsd binds every LISTEN address at start and gives up on one it cannot bind;
/// - `LISTEN *` together with `LISTEN ::` (nut#2012): on a dual-stack host the two listeners race
///   for the port and one address family silently loses;
/// - `LISTEN 0.0.0.0` as the only wildcard (desertwitch/NUT-unRAID#4): IPv4 only, IPv6 clients (and
///   `localhost` resolving to ::1) cannot connect.
pub fn listen(c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(listen) = &c.listen else {
        return out;
    };
    let written: Vec<&crate::config::ListenFact> = listen.iter().filter(|l| l.line > 0).collect();
    let at = |l: &crate::config::ListenFact| {
        cfg("upsd.conf", l.line, format!("LISTEN {} {}", l.addr, l.port))
    };
    for l in &written {
        let specific =
            !l.loopback && !matches!(l.addr.as_str(), "0.0.0.0" | "::" | "*" | "localhost");
        if specific {
            out.push(
                Finding::new(
                    "config.listen-specific-address",
                    Severity::Warning,
                    format!("upsd.conf LISTEN {}: upsd starts only if this address is on the host when it starts", l.addr),
                    "upsd binds every LISTEN address at start and exits (\"no listening interface available\") or drops the line when it cannot: an address the host no longer has, or a LAN address that is not up yet at boot (DHCP, slow link), leaves clients with `Connection refused`.",
                    "Check the address is this host's (`ip -br addr`); to survive boot order, listen on the wildcard (`LISTEN *`, NUT >= 2.8.1 covers IPv4 and IPv6) and restrict access with a firewall, or order nut-server after network-online.target.",
                )
                .about(format!("LISTEN {}", l.addr))
                .with(at(l)),
            );
        }
    }
    let any = written.iter().find(|l| l.addr == "*");
    let v6any = written.iter().find(|l| l.addr == "::");
    if let (Some(a), Some(b)) = (any, v6any) {
        out.push(
            Finding::new(
                "config.listen-wildcards-conflict",
                Severity::Warning,
                "upsd.conf has both `LISTEN *` and `LISTEN ::`",
                "On a dual-stack host both listeners want the same port; before NUT 2.8.1 the last line won and one address family silently lost its listener.",
                "Keep one wildcard: `LISTEN *` (NUT >= 2.8.1 listens on IPv4 and IPv6 with it), or `LISTEN 0.0.0.0` plus `LISTEN ::` on older versions.",
            )
            .with(at(a))
            .with(at(b)),
        );
    }
    let v4any: Vec<&&crate::config::ListenFact> =
        written.iter().filter(|l| is_wildcard_v4(&l.addr)).collect();
    let has_v6 = written
        .iter()
        .any(|l| l.addr.contains(':') || l.addr == "*");
    if let (Some(l), false) = (v4any.first(), has_v6) {
        out.push(
            Finding::new(
                "config.listen-ipv4-only",
                Severity::Info,
                "upsd listens on IPv4 only (`LISTEN 0.0.0.0`)",
                "Clients that reach this host over IPv6 (or whose `localhost` resolves to ::1 first) get `Connection refused`.",
                "Use `LISTEN *` (NUT >= 2.8.1: IPv4 and IPv6), or add `LISTEN ::`.",
            )
            .with(at(l)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ListenFact;

    fn with(addrs: &[&str]) -> HostConfig {
        HostConfig {
            listen: Some(
                addrs
                    .iter()
                    .enumerate()
                    .map(|(i, a)| ListenFact {
                        addr: a.to_string(),
                        port: 3493,
                        line: i + 1,
                        loopback: a.starts_with("127.") || *a == "::1",
                    })
                    .collect(),
            ),
            ..HostConfig::default()
        }
    }

    fn ids(c: &HostConfig) -> Vec<String> {
        listen(c).into_iter().map(|f| f.id.to_string()).collect()
    }

    #[test]
    fn listen_checks() {
        assert_eq!(
            ids(&with(&["127.0.0.1", "192.168.10.120"])),
            ["config.listen-specific-address"]
        );
        assert_eq!(
            ids(&with(&["*", "::"])),
            ["config.listen-wildcards-conflict"]
        );
        assert_eq!(ids(&with(&["0.0.0.0"])), ["config.listen-ipv4-only"]);
        assert!(ids(&with(&["*"])).is_empty());
        assert!(ids(&with(&["127.0.0.1", "::1"])).is_empty());
        assert!(ids(&with(&["0.0.0.0", "::"])).is_empty());
        // NUT's default (line 0, not written) says nothing
        let mut d = with(&["127.0.0.1"]);
        if let Some(l) = d.listen.as_mut() {
            l[0].line = 0;
        }
        assert!(ids(&d).is_empty());
    }
}
