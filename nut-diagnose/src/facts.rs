//! Facts: everything the rules look at, gathered beforehand by probes (or loaded from JSON), so that every
//! rule is a pure function and a diagnosis can be replayed from a saved file.
//!
//! A fact records what was observed, failures included: "TCP connect refused" is a fact just like "connected".
//! Something not observed is absent (`None`, empty list), and rules treat absence as *unknown*, never as ok.

use std::collections::BTreeMap;
use std::net::IpAddr;

use nut_proto::{ErrCode, Target};
use serde::{Deserialize, Serialize};

use crate::logs::LogEvent;

/// All facts about one host. Build it with `Facts::default()` and fill the fields: the struct is
/// `#[non_exhaustive]` because fields will be added (configs, see below) without breaking callers.
///
/// # Configs
///
/// The host's NUT configuration is [`Facts::config`] (`None` = not read, so the rules that need it stay
/// silent instead of guessing); other hosts' configurations, for cross-host rules and the authority map,
/// are [`Facts::peers`]. Passwords in them serialize redacted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Facts {
    /// When the facts were gathered, in seconds since the Unix epoch (UTC); used for ages (battery date,
    /// last test) and for how long an open episode has lasted. `None`: ages are not judged.
    pub now: Option<i64>,
    /// The host the facts describe (its name), if known.
    pub host: Option<String>,
    /// systemd units of NUT and their states.
    pub services: Vec<ServiceFact>,
    /// Variables read from UPSes (`LIST VAR`).
    pub snapshots: Vec<Snapshot>,
    /// Reachability probes of targets: DNS, TCP, NUT.
    pub probes: Vec<ProbeFact>,
    /// Log events (journal, syslog, upsmon output), in log order. Foreign lines may be left out.
    pub logs: Vec<LogEvent<'static>>,
    /// This host's NUT configuration (see [`crate::config::HostConfig::from_dir`]).
    pub config: Option<crate::config::HostConfig>,
    /// Other hosts' configurations (a client's, the server's), for cross-host rules and the map.
    pub peers: Vec<crate::config::HostConfig>,
    /// `LIST CLIENT` answers of live servers: who is logged in to which UPS.
    pub clients: Vec<ClientsFact>,
    /// Sources that could not be read (`"journal: permission denied"`), so a renderer can say what the
    /// diagnosis did not see.
    pub unavailable: Vec<String>,
    /// Without systemd: NUT's programs found running (from `/proc` and the pid files of the state
    /// path). `None`: not looked (systemd answered for the units).
    pub processes: Option<Vec<ProcessFact>>,
    /// This host's own addresses, to recognise its upsmon among `LIST CLIENT`'s logged-in addresses
    /// (loopback addresses count too: a local upsmon logs in from 127.0.0.1 or ::1).
    pub local_addrs: Vec<IpAddr>,
    /// Names of addresses from this host's hosts file (`(address, name)`), to name `LIST CLIENT`'s
    /// logged-in addresses on the authority map.
    pub addr_names: Vec<(String, String)>,
}

/// One NUT program seen running without systemd.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessFact {
    /// The program (`upsd`, `upsmon`, a driver such as `usbhid-ups`).
    pub program: String,
    /// Its pid.
    pub pid: u32,
    /// The pid file that names it, when one does (`/run/nut/upsd.pid`).
    pub pidfile: Option<String>,
}

impl Facts {
    /// Whether `program` was seen running; `None` when processes were not looked at.
    pub fn process_running(&self, program: &str) -> Option<bool> {
        self.processes
            .as_ref()
            .map(|p| p.iter().any(|p| p.program == program))
    }

    /// Whether one of `addrs` (as LIST CLIENT prints them) is this host.
    pub fn is_local_addr(&self, addr: &str) -> bool {
        addr.parse::<IpAddr>()
            .is_ok_and(|a| a.is_loopback() || self.local_addrs.contains(&a))
    }

    /// Whether the upsd serving `target` runs on this host (asked over loopback or at one of this
    /// host's addresses); `also` is the caller's own knowledge (the target names this host).
    pub fn server_is_here(&self, target: &nut_proto::Target, also: bool) -> bool {
        also || target.host_kind() == nut_proto::HostKind::Loopback
            || self.is_local_addr(&target.host)
    }

    /// Whether `addr`, as the upsd serving a UPS lists it in LIST CLIENT, is this host's login. A
    /// loopback address is the server host's own upsmon: this host only when `server_here`
    /// ([`Facts::server_is_here`]). On real hosts a client counted the master's `127.0.0.1` as its
    /// own login: "logged in" while its upsmon was refused.
    pub fn is_own_login(&self, server_here: bool, addr: &str) -> bool {
        match addr.parse::<IpAddr>() {
            Ok(a) if a.is_loopback() => server_here,
            Ok(a) => self.local_addrs.contains(&a),
            Err(_) => false,
        }
    }
}

/// The clients upsd lists as logged in to one UPS (`LIST CLIENT <ups>`): the live half of the
/// authority map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientsFact {
    /// The UPS on its server.
    pub target: Target,
    /// Client addresses as upsd reports them.
    pub clients: Vec<String>,
}

/// NUT's systemd units (nut-facts §6.1). Driver instances are `nut-driver@<ups>.service`.
pub mod units {
    /// upsd.
    pub const SERVER: &str = "nut-server.service";
    /// upsmon.
    pub const MONITOR: &str = "nut-monitor.service";
    /// The group of all driver instances.
    pub const DRIVER_TARGET: &str = "nut-driver.target";
    /// The generator of driver instances from ups.conf (NUT >= 2.8).
    pub const ENUMERATOR: &str = "nut-driver-enumerator.service";
    /// The umbrella target.
    pub const NUT_TARGET: &str = "nut.target";

    /// The unit of one driver instance.
    pub fn driver(ups: &str) -> String {
        format!("nut-driver@{ups}.service")
    }
}

/// One unit and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFact {
    /// Full unit name (`nut-monitor.service`, `nut-driver@ups.service`).
    pub unit: String,
    /// Its state.
    pub state: ServiceState,
    /// What systemd adds (sub-state, result, restarts), when the probe read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<UnitDetail>,
}

/// systemd's details on a unit: why it stopped and how often it restarted (`systemctl show` properties
/// `SubState`, `UnitFileState`, `Result`, `NRestarts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDetail {
    /// `SubState` (`auto-restart`, `dead`, `running`).
    pub sub_state: Option<String>,
    /// `UnitFileState` (`enabled`, `disabled`, `masked`).
    pub unit_file_state: Option<String>,
    /// `Result` (`exit-code`, `signal`, `start-limit-hit`, `success`).
    pub result: Option<String>,
    /// `NRestarts`.
    pub n_restarts: Option<u32>,
}

impl ServiceFact {
    /// A unit in a state, without details.
    pub fn new(unit: impl Into<String>, state: ServiceState) -> Self {
        ServiceFact {
            unit: unit.into(),
            state,
            detail: None,
        }
    }
}

/// The state of a systemd unit, reduced to what the diagnosis distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceState {
    /// Running (or, for a target, reached).
    Active,
    /// Stopped, not failed.
    Inactive,
    /// Stopped after a failure (exit code, crash, start limit).
    Failed,
    /// Starting or restarting (a driver in its RestartSec loop shows up here).
    Activating,
    /// Stopping.
    Deactivating,
    /// The unit does not exist on this host (package not installed, wrong name).
    NotFound,
}

impl ServiceState {
    /// From `systemctl show -p LoadState -p ActiveState`: `LoadState=not-found` wins, then `ActiveState`.
    /// `None` for values systemd does not document.
    pub fn from_systemctl(load_state: &str, active_state: &str) -> Option<Self> {
        if load_state == "not-found" {
            return Some(ServiceState::NotFound);
        }
        Some(match active_state {
            "active" | "reloading" | "refreshing" => ServiceState::Active,
            "inactive" | "maintenance" => ServiceState::Inactive,
            "failed" => ServiceState::Failed,
            "activating" => ServiceState::Activating,
            "deactivating" => ServiceState::Deactivating,
            _ => return None,
        })
    }
}

/// The variables of one UPS at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Which UPS.
    pub target: Target,
    /// Variable name → value, as the server sent them.
    pub vars: BTreeMap<String, String>,
}

impl Snapshot {
    /// A snapshot from name/value pairs.
    pub fn new<K: Into<String>, V: Into<String>>(
        target: Target,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Snapshot {
            target,
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of a variable, if the UPS reports it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A numeric variable: `Some(Ok(n))`, `Some(Err(raw))` when present but not a number (NUT numbers are
    /// decimal, optional sign and leading zeros, no exponent), `None` when absent.
    pub fn number(&self, name: &str) -> Option<Result<f64, &str>> {
        let raw = self.get(name)?;
        let t = raw.trim();
        let body = t.strip_prefix(['-', '+']).unwrap_or(t);
        let ok = !body.is_empty()
            && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && body.bytes().filter(|b| *b == b'.').count() <= 1
            && body.bytes().any(|b| b.is_ascii_digit());
        Some(if ok {
            t.parse::<f64>().map_err(|_| raw)
        } else {
            Err(raw)
        })
    }
}

/// Result of resolving the target's host name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum DnsOutcome {
    /// The host is an address literal: nothing to resolve.
    Literal,
    /// Resolved to these addresses.
    Resolved {
        /// The addresses, in resolver order.
        addresses: Vec<IpAddr>,
    },
    /// The name does not exist (NXDOMAIN / EAI_NONAME): upsc says `No such host`.
    NoSuchHost,
    /// The resolver failed otherwise (timeout, no resolver).
    Failed {
        /// The resolver's error text.
        detail: String,
    },
}

/// Result of the TCP connect to `host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum TcpOutcome {
    /// Connected.
    Connected,
    /// ECONNREFUSED: the host answered, nothing listens there.
    Refused,
    /// EHOSTUNREACH: no route to the host.
    NoRoute,
    /// ENETUNREACH: this machine has no route to that network.
    NetUnreachable,
    /// No answer within the probe's timeout (or ETIMEDOUT).
    TimedOut,
    /// Any other socket error.
    Failed {
        /// The OS error text.
        detail: String,
    },
}

/// Result of a NUT request (a `LIST VAR`/`GET VAR` query, or a `USERNAME`/`PASSWORD`/`LOGIN` sequence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum NutOutcome {
    /// The server answered normally.
    Ok,
    /// The server answered `ERR <code>` (`UNKNOWN-UPS`, `ACCESS-DENIED`, `DRIVER-NOT-CONNECTED`,
    /// `DATA-STALE`…).
    Err {
        /// The code after `ERR`, serialized as the wire word (`UNKNOWN-UPS`).
        #[serde(with = "err_code_word")]
        code: ErrCode,
    },
    /// The connection was accepted but no reply came within the timeout (a stopped or frozen upsd).
    TimedOut,
    /// The exchange broke off (server closed the connection, read error, garbage reply).
    Failed {
        /// What happened.
        detail: String,
    },
    /// The server answered, but with something no NUT server sends (a NUL or another control
    /// character inside a value): a protocol anomaly, not a value to judge.
    Anomaly {
        /// What was odd, the value shown escaped.
        detail: String,
    },
}

/// `ErrCode` as its wire word in JSON (`"ACCESS-DENIED"`), so facts files stay readable and stable.
mod err_code_word {
    use nut_proto::ErrCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(c: &ErrCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ErrCode, D::Error> {
        let w = String::deserialize(d)?;
        Ok(ErrCode::parse(&w))
    }
}

/// Result of the STARTTLS upgrade, when the probe asked for TLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum TlsOutcome {
    /// The session is encrypted (and verified, if the client verifies).
    Ok,
    /// upsd answered STARTTLS with `ERR` (usually `FEATURE-NOT-CONFIGURED`).
    Refused {
        /// The server's reply.
        detail: String,
    },
    /// The handshake failed: untrusted, expired or misnamed certificate, no common protocol.
    Handshake {
        /// The TLS library's text.
        detail: String,
    },
    /// The client's own TLS settings are unusable (CA file).
    Config {
        /// What is wrong.
        detail: String,
    },
}

/// Everything one probe of a target found out, in order: DNS, TCP, NUT query, and login if tried.
/// A step that was not reached is `None` (a refused TCP connect leaves `query` at `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeFact {
    /// The probed target.
    pub target: Target,
    /// Name resolution.
    pub dns: Option<DnsOutcome>,
    /// TCP connect.
    pub tcp: Option<TcpOutcome>,
    /// The STARTTLS upgrade, when TLS was asked for (between TCP and the first read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsOutcome>,
    /// A read of the UPS (`GET VAR <ups> ups.status` or `LIST VAR <ups>`).
    pub query: Option<NutOutcome>,
    /// A login with upsmon's credentials, when the probe had them.
    pub login: Option<NutOutcome>,
}

impl ProbeFact {
    /// A probe with no step recorded yet.
    pub fn new(target: Target) -> Self {
        ProbeFact {
            target,
            dns: None,
            tcp: None,
            tls: None,
            query: None,
            login: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_nut_numbers() {
        let s = Snapshot::new(
            Target::new("ups", "localhost", 3493),
            [
                ("a", "023.4"),
                ("b", "-5"),
                ("c", "1e3"),
                ("d", ""),
                ("e", "12,5"),
                ("f", "."),
            ],
        );
        assert_eq!(s.number("a"), Some(Ok(23.4)));
        assert_eq!(s.number("b"), Some(Ok(-5.0)));
        assert_eq!(s.number("c"), Some(Err("1e3")));
        assert_eq!(s.number("d"), Some(Err("")));
        assert_eq!(s.number("e"), Some(Err("12,5")));
        assert_eq!(s.number("f"), Some(Err(".")));
        assert_eq!(s.number("zzz"), None);
    }

    #[test]
    fn systemctl_states() {
        assert_eq!(
            ServiceState::from_systemctl("loaded", "active"),
            Some(ServiceState::Active)
        );
        assert_eq!(
            ServiceState::from_systemctl("not-found", "inactive"),
            Some(ServiceState::NotFound)
        );
        assert_eq!(
            ServiceState::from_systemctl("loaded", "failed"),
            Some(ServiceState::Failed)
        );
        assert_eq!(ServiceState::from_systemctl("loaded", "weird"), None);
        assert_eq!(units::driver("ups"), "nut-driver@ups.service");
    }

    #[test]
    fn facts_round_trip_through_json() {
        let mut f = Facts {
            now: Some(1_795_706_401),
            ..Facts::default()
        };
        f.services
            .push(ServiceFact::new(units::MONITOR, ServiceState::Failed));
        let mut p = ProbeFact::new(Target::new("ups", "10.0.0.2", 3493));
        p.dns = Some(DnsOutcome::Literal);
        p.tcp = Some(TcpOutcome::Connected);
        p.query = Some(NutOutcome::Err {
            code: ErrCode::UnknownUps,
        });
        f.probes.push(p);
        f.snapshots.push(Snapshot::new(
            Target::new("ups", "nas", 3493),
            [("ups.status", "OL")],
        ));
        if let Ok(ev) =
            crate::logs::parse_line(b"Nov 26 10:00:00 nas upsmon[1]: UPS ups@nas on battery")
        {
            f.logs.push(ev.into_owned());
        }
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(
            json.contains(r#""outcome":"err","code":"UNKNOWN-UPS""#),
            "{json}"
        );
        let back: Facts = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, f);
        // Missing fields default: a hand-written facts file can be small.
        let small: Facts = serde_json::from_str(r#"{"now": 5}"#).unwrap_or_default();
        assert_eq!(small.now, Some(5));
    }
}
