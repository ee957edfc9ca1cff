//! `Target`: the one definition of "which UPS on which server", written `ups[@host[:port]]`.
//!
//! Every NUT tool (`upsc`, `upsrw`, `upscmd`, `upsmon`'s `MONITOR` lines) names a UPS this way. nutctl parses
//! it in exactly one place, here, so that a target typed on the command line and one read from
//! `upsmon.conf` compare equal and print the same. This module does not depend on the client feature:
//! `nut-config` uses it with the network client turned off.
//!
//! ```text
//! ups                  -> ups on localhost:3493
//! ups@host             -> port 3493
//! ups@host:3494        -> explicit port (1..=65535)
//! ups@[::1]:3493       -> IPv6 literals need brackets
//! ```

use std::fmt;
use std::str::FromStr;

/// NUT's IANA-registered TCP port.
pub const DEFAULT_PORT: u16 = 3493;

/// Host used when a target names no host, as NUT's clients do.
pub const DEFAULT_HOST: &str = "localhost";

/// A UPS on a NUT server: `ups[@host[:port]]`.
///
/// `host` is kept as written (a name, an IPv4 literal or an IPv6 literal without its brackets), so the
/// diagnosis can tell "a bare IP" from "a name" and a DNS failure from a refused connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Target {
    /// The UPS name as the server knows it (`[section]` in the server's ups.conf).
    pub ups: String,
    /// Host name or address literal (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// What kind of host a target names: decides whether DNS is involved at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HostKind {
    /// `localhost` or a loopback literal (`127.0.0.0/8`, `::1`).
    Loopback,
    /// An IPv4 literal such as `192.168.1.10`.
    Ipv4,
    /// An IPv6 literal such as `fe80::1` (written in brackets in a target).
    Ipv6,
    /// A name that needs resolving.
    Name,
}

/// Why a string is not a valid `ups[@host[:port]]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Nothing before `@` (or an empty string).
    #[error("empty UPS name in target {0:?} (expected ups[@host[:port]])")]
    EmptyUps(String),
    /// `ups@` with nothing after it.
    #[error("empty host in target {0:?} (expected ups@host[:port])")]
    EmptyHost(String),
    /// `ups:3493`: a port without a host.
    #[error("port given without a host in target {0:?} (write ups@host:port)")]
    PortWithoutHost(String),
    /// The port is not a decimal number in 1..=65535.
    #[error("bad port {port:?} in target {target:?} (expected a number from 1 to 65535)")]
    BadPort {
        /// The whole target as given.
        target: String,
        /// The text after `:`.
        port: String,
    },
    /// `[::1` without the closing bracket, or text between `]` and `:`.
    #[error("bad IPv6 literal in target {0:?} (write ups@[addr]:port)")]
    BadIpv6(String),
    /// Whitespace or a control character, which no NUT name can hold and which could smuggle a second
    /// command onto the wire.
    #[error("target {0:?} contains whitespace or a control character")]
    BadChar(String),
}

impl Target {
    /// A target from its parts.
    pub fn new(ups: impl Into<String>, host: impl Into<String>, port: u16) -> Self {
        Target {
            ups: ups.into(),
            host: host.into(),
            port,
        }
    }

    /// Parses `ups[@host[:port]]` with NUT's rules (see the module docs).
    pub fn parse(s: &str) -> Result<Self, TargetError> {
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TargetError::BadChar(s.to_string()));
        }
        let (ups, rest) = match s.split_once('@') {
            Some((u, r)) => (u, Some(r)),
            None => (s, None),
        };
        if ups.is_empty() {
            return Err(TargetError::EmptyUps(s.to_string()));
        }
        let Some(rest) = rest else {
            if ups.contains(':') {
                return Err(TargetError::PortWithoutHost(s.to_string()));
            }
            return Ok(Target::new(ups, DEFAULT_HOST, DEFAULT_PORT));
        };
        let (host, port) = split_host_port(rest).map_err(|e| e.with_target(s))?;
        Ok(Target::new(ups, host, port))
    }

    /// The `host:port` part, with brackets around an IPv6 literal, ready for a socket address lookup.
    pub fn server(&self) -> String {
        format_host_port(&self.host, self.port)
    }

    /// What kind of host this names.
    pub fn host_kind(&self) -> HostKind {
        host_kind(&self.host)
    }
}

/// Classifies a host string (no brackets) as loopback, IPv4, IPv6 or a name.
pub fn host_kind(host: &str) -> HostKind {
    if host.eq_ignore_ascii_case("localhost") {
        return HostKind::Loopback;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => HostKind::Loopback,
        Ok(std::net::IpAddr::V4(_)) => HostKind::Ipv4,
        Ok(std::net::IpAddr::V6(_)) => HostKind::Ipv6,
        Err(_) => HostKind::Name,
    }
}

/// `host:port`, bracketing IPv6 literals.
pub fn format_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Internal error before the whole target string is known.
enum HostPortError {
    EmptyHost,
    BadPort(String),
    BadIpv6,
}

impl HostPortError {
    fn with_target(self, s: &str) -> TargetError {
        match self {
            HostPortError::EmptyHost => TargetError::EmptyHost(s.to_string()),
            HostPortError::BadPort(port) => TargetError::BadPort {
                target: s.to_string(),
                port,
            },
            HostPortError::BadIpv6 => TargetError::BadIpv6(s.to_string()),
        }
    }
}

/// Splits `host[:port]` (`[v6][:port]` for IPv6 literals).
fn split_host_port(rest: &str) -> Result<(&str, u16), HostPortError> {
    if rest.is_empty() {
        return Err(HostPortError::EmptyHost);
    }
    if let Some(inner) = rest.strip_prefix('[') {
        let (addr, after) = inner.split_once(']').ok_or(HostPortError::BadIpv6)?;
        if addr.is_empty() {
            return Err(HostPortError::BadIpv6);
        }
        return match after {
            "" => Ok((addr, DEFAULT_PORT)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((addr, parse_port(p)?)),
                None => Err(HostPortError::BadIpv6),
            },
        };
    }
    match rest.split_once(':') {
        None => Ok((rest, DEFAULT_PORT)),
        Some((h, p)) => {
            if h.is_empty() {
                return Err(HostPortError::EmptyHost);
            }
            Ok((h, parse_port(p)?))
        }
    }
}

fn parse_port(p: &str) -> Result<u16, HostPortError> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostPortError::BadPort(p.to_string()));
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(HostPortError::BadPort(p.to_string())),
        Ok(n) => Ok(n),
    }
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

impl fmt::Display for Target {
    /// Canonical form `ups@host:port` (IPv6 in brackets), which parses back to the same target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.ups, self.server())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_nut_accepts() {
        let cases: &[(&str, &str, &str, u16)] = &[
            ("ups", "ups", "localhost", 3493),
            ("ups@host", "ups", "host", 3493),
            ("ups@host:3494", "ups", "host", 3494),
            ("ups@192.168.1.5", "ups", "192.168.1.5", 3493),
            ("ups@[::1]:3493", "ups", "::1", 3493),
            ("ups@[fe80::1]", "ups", "fe80::1", 3493),
            ("my-ups.1@nas.lan:65535", "my-ups.1", "nas.lan", 65535),
        ];
        for (input, ups, host, port) in cases {
            let t = Target::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (t.ups.as_str(), t.host.as_str(), t.port),
                (*ups, *host, *port),
                "{input}"
            );
        }
    }

    #[test]
    fn forms_nut_rejects() {
        for bad in [
            "",
            "@host",
            "ups@",
            "ups:3493",
            "ups@host:",
            "ups@host:0",
            "ups@host:65536",
            "ups@host:12a",
            "ups@[::1",
            "ups@[::1]x",
            "ups@[]",
            "ups@:3493",
            "u ps@host",
            "ups@host\n",
            "ups@ho\0st",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(
            Target::parse("ups:3493"),
            Err(TargetError::PortWithoutHost(_))
        ));
        assert!(matches!(
            Target::parse("ups@h:99999"),
            Err(TargetError::BadPort { .. })
        ));
        assert!(matches!(
            Target::parse("ups@[::1"),
            Err(TargetError::BadIpv6(_))
        ));
        assert!(matches!(Target::parse("@h"), Err(TargetError::EmptyUps(_))));
        assert!(matches!(
            Target::parse("ups@"),
            Err(TargetError::EmptyHost(_))
        ));
    }

    #[test]
    fn display_round_trips() {
        for s in ["ups", "ups@h", "ups@[::1]:1", "a@10.0.0.1:3494"] {
            let t = Target::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(Target::parse(&t.to_string()), Ok(t.clone()));
        }
        assert_eq!(
            Target::parse("ups@[::1]:1").map(|t| t.server()),
            Ok("[::1]:1".to_string())
        );
    }

    #[test]
    fn host_kinds() {
        let kind = |s: &str| Target::parse(s).map(|t| t.host_kind());
        assert_eq!(kind("ups"), Ok(HostKind::Loopback));
        assert_eq!(kind("ups@127.0.0.2"), Ok(HostKind::Loopback));
        assert_eq!(kind("ups@[::1]"), Ok(HostKind::Loopback));
        assert_eq!(kind("ups@10.1.2.3"), Ok(HostKind::Ipv4));
        assert_eq!(kind("ups@[fe80::1]"), Ok(HostKind::Ipv6));
        assert_eq!(kind("ups@nas"), Ok(HostKind::Name));
    }
}
