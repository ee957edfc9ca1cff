//! Probes: the traits through which facts are gathered, and [`gather`], which fills [`Facts`] from them.
//!
//! The rules never call a probe; they read [`Facts`]. Real implementations live in [`system`]
//! (`systemctl show`, `journalctl -o json`) and [`nut`] (DNS, TCP, STARTTLS, a NUT read and a login with
//! nut-proto's client), behind the cargo feature `probe` (on by default); tests and replays substitute
//! their own implementations or recorded facts.
//!
//! A probe reports failures of the *thing probed* as facts (a refused connection is a [`TcpOutcome`], not
//! an error). [`ProbeError`] is only for "could not look at all" (no systemd, no permission to read the
//! journal); [`gather`] records those in [`Facts::unavailable`] and carries on.
//!
//! [`TcpOutcome`]: crate::facts::TcpOutcome

use async_trait::async_trait;
use nut_proto::Target;

use crate::facts::{Facts, ProbeFact, ServiceFact, ServiceState, Snapshot, UnitDetail};
use crate::logs;

#[cfg(feature = "probe")]
pub mod nut;
pub mod system;

/// The probe itself could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The source does not exist here (no systemd, no journal, no upsmon log file).
    #[error("{0}: not available on this host")]
    Unavailable(String),
    /// The source exists but may not be read (run as root or add the user to the right group).
    #[error("{0}: permission denied")]
    PermissionDenied(String),
    /// Anything else, with its text.
    #[error("{0}")]
    Other(String),
}

/// Reads systemd unit states (`systemctl show -p LoadState -p ActiveState <unit>`).
#[async_trait]
pub trait ServiceProbe: Send + Sync {
    /// The state of one unit; a unit that does not exist is `Ok(ServiceState::NotFound)`.
    async fn state(&self, unit: &str) -> Result<ServiceState, ProbeError>;

    /// The state and systemd's details (result, restarts). The default asks [`ServiceProbe::state`]
    /// and has no details.
    async fn show(&self, unit: &str) -> Result<(ServiceState, Option<UnitDetail>), ProbeError> {
        Ok((self.state(unit).await?, None))
    }

    /// The instantiated `nut-driver@*.service` units present on the host (their full names).
    async fn driver_units(&self) -> Result<Vec<String>, ProbeError>;
}

/// Checks one target step by step: DNS, TCP connect, a NUT read, optionally a login.
#[async_trait]
pub trait TargetProbe: Send + Sync {
    /// Probes the target. Never fails: every failure is one of the outcomes in [`ProbeFact`].
    async fn probe(&self, target: &Target) -> ProbeFact;
}

/// Reads all variables of a UPS (`LIST VAR`).
#[async_trait]
pub trait SnapshotSource: Send + Sync {
    /// The variables, or why they could not be read (the matching [`ProbeFact`] tells the cause).
    async fn snapshot(&self, target: &Target) -> Result<Snapshot, ProbeError>;
}

/// Raw log text (journalctl output in any supported format, a syslog file, upsmon's output).
#[async_trait]
pub trait LogSource: Send + Sync {
    /// The log bytes since `since` (Unix seconds), or all the source keeps when `None`.
    async fn read(&self, since: Option<i64>) -> Result<Vec<u8>, ProbeError>;
}

/// The probes to use; any of them may be left out.
#[derive(Default, Clone, Copy)]
pub struct Probes<'a> {
    /// Unit states.
    pub services: Option<&'a dyn ServiceProbe>,
    /// Target reachability.
    pub targets: Option<&'a dyn TargetProbe>,
    /// UPS variables.
    pub snapshots: Option<&'a dyn SnapshotSource>,
    /// Logs.
    pub logs: Option<&'a dyn LogSource>,
}

/// Gathers facts about `targets` with the given probes. `now` (Unix seconds) is passed in rather than read
/// from the clock so that results are reproducible. Foreign log lines are not kept.
pub async fn gather(
    probes: Probes<'_>,
    targets: &[Target],
    now: Option<i64>,
    log_since: Option<i64>,
) -> Facts {
    let mut facts = Facts {
        now,
        ..Facts::default()
    };
    if let Some(sp) = probes.services {
        let mut units: Vec<String> = [
            crate::facts::units::SERVER,
            crate::facts::units::MONITOR,
            crate::facts::units::DRIVER_TARGET,
            crate::facts::units::ENUMERATOR,
        ]
        .iter()
        .map(|u| u.to_string())
        .collect();
        match sp.driver_units().await {
            Ok(d) => units.extend(d),
            Err(e) => facts.unavailable.push(e.to_string()),
        }
        for unit in units {
            match sp.show(&unit).await {
                Ok((state, detail)) => facts.services.push(ServiceFact {
                    unit,
                    state,
                    detail,
                }),
                Err(e) => facts.unavailable.push(e.to_string()),
            }
        }
    }
    for t in targets {
        if let Some(tp) = probes.targets {
            facts.probes.push(tp.probe(t).await);
        }
        if let Some(ss) = probes.snapshots {
            match ss.snapshot(t).await {
                Ok(s) => facts.snapshots.push(s),
                Err(e) => facts.unavailable.push(format!("{t}: {e}")),
            }
        }
    }
    if let Some(ls) = probes.logs {
        match ls.read(log_since).await {
            Ok(bytes) => {
                for (_, ev) in logs::events(&bytes) {
                    // Unreadable lines are not facts; the timeline of the raw log counts them.
                    if let Ok(ev) = ev {
                        if ev.kind != crate::knowledge::EventKind::Foreign {
                            facts.logs.push(ev.into_owned());
                        }
                    }
                }
            }
            Err(e) => facts.unavailable.push(e.to_string()),
        }
    }
    facts
}

/// Where to reach this host's own upsd, from its LISTEN lines: a loopback address if it listens on one,
/// 127.0.0.1 for a wildcard, else the first address as written.
pub fn local_listen(listen: &[nut_config::files::upsd_conf::Listen]) -> (String, u16) {
    crate::config::own_upsd_address(
        listen
            .iter()
            .map(|l| (l.addr.as_str(), l.port, l.is_loopback())),
    )
}

/// Everything [`gather_local`] needs to know.
#[cfg(feature = "probe")]
#[derive(Clone, Default)]
pub struct LocalOptions {
    /// The NUT config directory (`None`: NUT's default, `$NUT_CONFPATH` or `/etc/nut`).
    pub confdir: Option<std::path::PathBuf>,
    /// This host's name, as other hosts name it in MONITOR lines.
    pub host: String,
    /// Client options for the NUT probes (timeouts, TLS).
    pub nut: nut_proto::client::Options,
    /// Upgrade NUT connections with STARTTLS.
    pub starttls: bool,
    /// `now`, Unix seconds (passed in so results are reproducible).
    pub now: Option<i64>,
    /// Read the journal since this time (Unix seconds).
    pub log_since: Option<i64>,
    /// Other hosts' config directories to put on the authority map (`(host, dir)`).
    pub peers: Vec<(String, std::path::PathBuf)>,
}

/// Gathers the facts of this host for `doctor`: its config directory, systemd units (`systemctl show`),
/// the journal (`journalctl -o json`), a probe of every MONITOR target with that line's credentials
/// (login included, so "the login is accepted" is a fact), a snapshot of each, and `LIST CLIENT` of the
/// UPSes this host serves. Sources that cannot be read end up in `Facts::unavailable`.
#[cfg(feature = "probe")]
pub async fn gather_local(o: &LocalOptions) -> Facts {
    use crate::config::HostConfig;
    let dir = match &o.confdir {
        Some(d) => nut_config::ConfigDir::load(d),
        None => nut_config::ConfigDir::load_default(),
    };
    let services = system::Systemctl::default();
    let journal = system::Journalctl::default();
    let plain = nut::NutProbe {
        opts: o.nut.clone(),
        starttls: o.starttls,
        credentials: None,
    };
    let probes = Probes {
        services: Some(&services),
        targets: None,
        snapshots: Some(&plain),
        logs: Some(&journal),
    };
    let monitors: Vec<(Target, String, nut_proto::Secret)> = dir
        .upsmon_conf
        .view()
        .map(|u| {
            u.monitors
                .iter()
                .map(|m| (m.target.clone(), m.user.clone(), m.password.clone()))
                .collect()
        })
        .unwrap_or_default();
    let targets: Vec<Target> = monitors.iter().map(|(t, _, _)| t.clone()).collect();
    let mut facts = gather(probes, &targets, o.now, o.log_since).await;
    facts.host = (!o.host.is_empty()).then(|| o.host.clone());
    for (t, user, password) in monitors {
        let p = nut::NutProbe {
            opts: o.nut.clone(),
            starttls: o.starttls,
            credentials: Some((user, password)),
        };
        facts.probes.push(p.run(&t).await.0);
    }
    let (addr, port) = dir
        .upsd_conf
        .view()
        .map(|c| local_listen(&c.effective_listen()))
        .unwrap_or_else(|| ("127.0.0.1".to_string(), nut_proto::target::DEFAULT_PORT));
    if let Some(u) = dir.ups_conf.view() {
        for s in &u.upses {
            let t = Target::new(s.name.clone(), addr.clone(), port);
            match plain.clients(&t).await {
                Ok(clients) => facts.clients.push(crate::facts::ClientsFact {
                    target: t.clone(),
                    clients,
                }),
                Err(e) => facts
                    .unavailable
                    .push(format!("could not read: LIST CLIENT {}: {e}", s.name)),
            }
        }
    }
    facts.config = Some(HostConfig::from_dir(o.host.clone(), &dir));
    for (host, d) in &o.peers {
        facts.peers.push(HostConfig::from_dir(
            host.clone(),
            &nut_config::ConfigDir::load(d),
        ));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{DnsOutcome, TcpOutcome};
    use crate::knowledge::EventKind;

    struct FakeServices;
    #[async_trait]
    impl ServiceProbe for FakeServices {
        async fn state(&self, unit: &str) -> Result<ServiceState, ProbeError> {
            match unit {
                "nut-monitor.service" => Ok(ServiceState::Failed),
                "nut-driver@ups.service" => Err(ProbeError::PermissionDenied(unit.to_string())),
                _ => Ok(ServiceState::Active),
            }
        }
        async fn driver_units(&self) -> Result<Vec<String>, ProbeError> {
            Ok(vec!["nut-driver@ups.service".into()])
        }
    }

    struct Refused;
    #[async_trait]
    impl TargetProbe for Refused {
        async fn probe(&self, target: &Target) -> ProbeFact {
            let mut p = ProbeFact::new(target.clone());
            p.dns = Some(DnsOutcome::Literal);
            p.tcp = Some(TcpOutcome::Refused);
            p
        }
    }

    struct NoSnapshot;
    #[async_trait]
    impl SnapshotSource for NoSnapshot {
        async fn snapshot(&self, _: &Target) -> Result<Snapshot, ProbeError> {
            Err(ProbeError::Other("connection refused".into()))
        }
    }

    struct Journal;
    #[async_trait]
    impl LogSource for Journal {
        async fn read(&self, since: Option<i64>) -> Result<Vec<u8>, ProbeError> {
            assert_eq!(since, Some(100));
            Ok(b"Nov 26 10:00:00 h sshd[1]: x\nNov 26 10:00:01 h upsmon[2]: UPS u@h on battery\n{bad\n".to_vec())
        }
    }

    #[tokio::test]
    async fn gather_records_facts_and_gaps() {
        let probes = Probes {
            services: Some(&FakeServices),
            targets: Some(&Refused),
            snapshots: Some(&NoSnapshot),
            logs: Some(&Journal),
        };
        let t = Target::new("ups", "127.0.0.1", 3493);
        let f = gather(probes, std::slice::from_ref(&t), Some(200), Some(100)).await;
        assert_eq!(f.now, Some(200));
        let states: Vec<_> = f
            .services
            .iter()
            .map(|s| (s.unit.as_str(), s.state))
            .collect();
        assert_eq!(
            states,
            vec![
                ("nut-server.service", ServiceState::Active),
                ("nut-monitor.service", ServiceState::Failed),
                ("nut-driver.target", ServiceState::Active),
                ("nut-driver-enumerator.service", ServiceState::Active),
            ]
        );
        assert_eq!(f.probes.len(), 1);
        assert_eq!(f.probes[0].tcp, Some(TcpOutcome::Refused));
        assert!(f.snapshots.is_empty());
        assert_eq!(f.logs.len(), 1, "foreign and unreadable lines are not kept");
        assert_eq!(f.logs[0].kind, EventKind::OnBattery);
        assert_eq!(
            f.unavailable,
            vec![
                "nut-driver@ups.service: permission denied".to_string(),
                "ups@127.0.0.1:3493: connection refused".to_string()
            ]
        );
    }

    #[test]
    fn own_upsd_address_from_listen() {
        use nut_config::files::upsd_conf::Listen;
        let l = |a: &str, port| Listen {
            addr: a.into(),
            port,
            line: 1,
        };
        assert_eq!(
            local_listen(&[l("192.0.2.1", 3493), l("127.0.0.1", 34930)]),
            ("127.0.0.1".into(), 34930)
        );
        assert_eq!(
            local_listen(&[l("0.0.0.0", 4000)]),
            ("127.0.0.1".into(), 4000)
        );
        assert_eq!(
            local_listen(&[l("192.0.2.1", 3493)]),
            ("192.0.2.1".into(), 3493)
        );
        assert_eq!(local_listen(&[]), ("127.0.0.1".into(), 3493));
    }

    #[tokio::test]
    async fn gather_with_nothing_is_empty() {
        let f = gather(Probes::default(), &[], None, None).await;
        assert_eq!(f, Facts::default());
    }
}
