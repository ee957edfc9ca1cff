//! Probes: the traits through which facts are gathered, and [`gather`], which fills [`Facts`] from them.
//!
//! The rules never call a probe; they read [`Facts`]. Real implementations live in [`system`]
//! (`systemctl show`, `journalctl -o json`) and [`nut`] (DNS, TCP, STARTTLS, a NUT read and a login with
//! nut-proto's client), behind the cargo feature `probe` (on by default); tests and replays substitute
//! their own implementations or recorded facts. [`follow`] follows a log file like `tail -F`.
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

pub mod follow;
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

/// The live half of `nutctl drill --fsd`: the clients logged in to `target`, then FSD set by the
/// running upsmon (`upsmon -c fsd`, as a real outage's primary would), then `LIST CLIENT` polled every
/// 250 ms until every other host has logged out, the server stops answering (this host is going
/// down) or `limit` passes. Each logout is recorded with its time.
#[cfg(feature = "probe")]
pub async fn drill_fsd(
    o: &LocalOptions,
    target: &Target,
    local: &[std::net::IpAddr],
    limit: std::time::Duration,
) -> Result<crate::drill::FsdRecord, ProbeError> {
    let plain = nut::NutProbe {
        opts: o.nut.clone(),
        credentials: None,
    };
    let is_local = |a: &str| {
        a.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || local.contains(&ip))
    };
    let before = plain
        .clients(target)
        .await
        .map_err(|e| ProbeError::Other(format!("LIST CLIENT {target}: {e}")))?;
    let upsmon = ["/sbin/upsmon", "/usr/sbin/upsmon", "/lib/nut/upsmon"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("upsmon");
    // Under systemd upsmon runs in the foreground without a pid file: then signal the unit's main
    // process (or the oldest upsmon seen in /proc) with -P.
    let fsd = |extra: Option<u32>| {
        let mut c = tokio::process::Command::new(upsmon);
        c.args(["-c", "fsd"]);
        if let Some(pid) = extra {
            c.args(["-P", &pid.to_string()]);
        }
        c.output()
    };
    let first = fsd(None)
        .await
        .map_err(|e| ProbeError::Other(format!("{upsmon} -c fsd: {e}")))?;
    let mut trigger = format!("{upsmon} -c fsd");
    if !first.status.success() {
        let main_pid = tokio::process::Command::new("systemctl")
            .args([
                "show",
                "-p",
                "MainPID",
                "--value",
                crate::facts::units::MONITOR,
            ])
            .output()
            .await
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<u32>()
                    .ok()
            })
            .filter(|p| *p > 0)
            .or_else(|| {
                system::nut_processes(&[], std::path::Path::new("/run/nut"))
                    .into_iter()
                    .filter(|p| p.program == "upsmon")
                    .map(|p| p.pid)
                    .min()
            });
        let Some(pid) = main_pid else {
            return Err(ProbeError::Other(format!(
                "{upsmon} -c fsd: {} (and no running upsmon found)",
                String::from_utf8_lossy(&first.stderr).trim()
            )));
        };
        let second = fsd(Some(pid))
            .await
            .map_err(|e| ProbeError::Other(format!("{upsmon} -c fsd -P {pid}: {e}")))?;
        if !second.status.success() {
            return Err(ProbeError::Other(format!(
                "{upsmon} -c fsd -P {pid}: {}",
                String::from_utf8_lossy(&second.stderr).trim()
            )));
        }
        trigger = format!("{upsmon} -c fsd -P {pid}");
    }
    let start = std::time::Instant::now();
    let mut record = crate::drill::FsdRecord {
        before,
        trigger,
        ..Default::default()
    };
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        match plain.clients(target).await {
            Ok(now) => record.observe(ms, &now, is_local),
            Err(_) => break,
        }
        if record.remaining.is_empty() || start.elapsed() >= limit {
            break;
        }
    }
    Ok(record)
}

/// `nutctl drill` in one call: this host's facts ([`gather_local`]), the plan of every UPS it
/// monitors ([`crate::drill::plan`]), and with `fsd = Some(watch)` a real FSD drill on the UPS this
/// host is primary for ([`drill_fsd`]) compared with its plan. Refuses (an error, before anything
/// is set) when this host is the primary of no UPS; `announce` is called with the target just before
/// FSD is set (for the front end to say plainly that hosts are powering off).
#[cfg(feature = "probe")]
pub async fn drill_local(
    o: &LocalOptions,
    fsd: Option<std::time::Duration>,
    announce: impl FnOnce(&Target),
) -> Result<crate::drill::DrillReport, ProbeError> {
    let facts = gather_local(o).await;
    let map = crate::map::AuthorityMap::build(&facts);
    let drills = crate::drill::plan(&facts, &map);
    let mut out = crate::drill::DrillReport {
        drills,
        fsd: None,
        unavailable: facts.unavailable.clone(),
    };
    if let Some(watch) = fsd {
        let Some(d) = out.drills.iter().find(|d| d.primary_here) else {
            return Err(ProbeError::Other(
                "refusing: this host is not the primary of any UPS it monitors (upsmon.conf has no `primary` MONITOR line); run drill --fsd on the primary".into(),
            ));
        };
        announce(&d.target);
        let record = drill_fsd(o, &d.target, &facts.local_addrs, watch).await?;
        let comparison = crate::drill::compare(d, &record);
        out.fsd = Some(crate::drill::FsdOutcome {
            ups: d.ups.clone(),
            record,
            comparison,
        });
    }
    Ok(out)
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
    /// `now`, Unix seconds (passed in so results are reproducible).
    pub now: Option<i64>,
    /// Read the journal since this time (Unix seconds).
    pub log_since: Option<i64>,
    /// Other hosts' config directories to put on the authority map (`(host, dir)`).
    pub peers: Vec<(String, std::path::PathBuf)>,
    /// Credentials to log in with instead of each MONITOR line's (`nutctl doctor -u/-p`): every
    /// MONITOR target is probed with them; when no MONITOR line could be read (upsmon.conf absent or
    /// unreadable), the UPSes this host serves are probed with them instead.
    pub login: Option<(String, nut_proto::Secret)>,
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
    let config = HostConfig::from_dir(o.host.clone(), &dir);
    // The fallback policy: the login given replaces upsmon.conf's; with no MONITOR line, the UPSes
    // served here are logged in to instead.
    let login_targets: Vec<(Target, Option<(String, nut_proto::Secret)>)> = match &o.login {
        Some(l) if monitors.is_empty() => config
            .served_targets()
            .into_iter()
            .map(|t| (t, Some(l.clone())))
            .collect(),
        Some(l) => targets
            .iter()
            .map(|t| (t.clone(), Some(l.clone())))
            .collect(),
        None => monitors
            .into_iter()
            .map(|(t, user, pw)| (t, Some((user, pw))))
            .collect(),
    };
    for (t, credentials) in login_targets {
        let p = nut::NutProbe {
            opts: o.nut.clone(),
            credentials,
        };
        facts.probes.push(p.run(&t).await.0);
    }
    // Driver instances of ups.conf that systemd did not list: ask for each (absent = not-found).
    if !facts.services.is_empty() {
        for u in config.upses.iter().flatten() {
            let unit = crate::facts::units::driver(&u.name);
            if facts.services.iter().any(|s| s.unit == unit) {
                continue;
            }
            match ServiceProbe::show(&services, &unit).await {
                Ok((state, detail)) => facts.services.push(ServiceFact {
                    unit,
                    state,
                    detail,
                }),
                Err(e) => facts.unavailable.push(e.to_string()),
            }
        }
    }
    // Without systemd the programs themselves are the facts.
    if !system::systemd_booted() {
        let drivers: Vec<String> = config
            .upses
            .iter()
            .flatten()
            .filter_map(|u| u.driver.clone())
            .collect();
        let statepath = dir
            .upsd_conf
            .view()
            .and_then(|c| c.statepath.clone())
            .or_else(|| std::env::var("NUT_STATEPATH").ok())
            .unwrap_or_else(|| "/run/nut".to_string());
        facts.processes = Some(system::nut_processes(
            &drivers,
            std::path::Path::new(&statepath),
        ));
    }
    // Who is logged in now: LIST CLIENT of the UPSes served here and of every MONITOR target, and
    // the addresses this host uses towards them.
    let mut listed: Vec<Target> = config.served_targets();
    for t in &targets {
        if !listed.contains(t) {
            listed.push(t.clone());
        }
    }
    for t in &listed {
        match plain.clients(t).await {
            Ok(clients) => facts.clients.push(crate::facts::ClientsFact {
                target: t.clone(),
                clients,
            }),
            Err(e) => facts
                .unavailable
                .push(format!("could not read: LIST CLIENT {}: {e}", t.ups)),
        }
        if let Some(a) = nut::source_address(t).await {
            if !facts.local_addrs.contains(&a) {
                facts.local_addrs.push(a);
            }
        }
    }
    facts.addr_names = std::fs::read_to_string("/etc/hosts")
        .map(|t| crate::map::hosts_file_names(&t))
        .unwrap_or_default();
    facts.config = Some(config);
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
