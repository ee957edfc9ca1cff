//! Rules that read the host's configuration ([`Facts::config`]): the role nut.conf's MODE gives the host
//! and whether the units agree, consistency across files, "will this host really shut down", the shutdown
//! order, and nut-config's own diagnostics as findings.
//!
//! Every rule is silent when the file it needs was not read: absence is unknown, never ok.

use nut_config::files::nut_conf::Mode;
use nut_proto::HostKind;

use crate::config::{HostConfig, MonitorFact, Role};
use crate::facts::{units, Facts, NutOutcome, ServiceState};
use crate::finding::{Evidence, Finding, Severity, Source};

fn cfg(file: &str, line: usize, value: impl Into<String>) -> Evidence {
    let subject = if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}")
    };
    Evidence::new(Source::Config, subject, value)
}

fn svc(unit: &str, state: ServiceState) -> Evidence {
    Evidence::new(Source::Service, unit, state_word(state))
}

fn state_word(s: ServiceState) -> &'static str {
    match s {
        ServiceState::Active => "active",
        ServiceState::Inactive => "inactive",
        ServiceState::Failed => "failed",
        ServiceState::Activating => "activating",
        ServiceState::Deactivating => "deactivating",
        ServiceState::NotFound => "not-found",
    }
}

fn state_of(facts: &Facts, unit: &str) -> Option<ServiceState> {
    facts
        .services
        .iter()
        .find(|s| s.unit == unit)
        .map(|s| s.state)
}

/// The unit's state with systemd's reason (`failed (Result=exit-code, NRestarts=5)`).
fn svc_fact(facts: &Facts, unit: &str, state: ServiceState) -> Evidence {
    let d = facts
        .services
        .iter()
        .find(|s| s.unit == unit)
        .and_then(|s| s.detail.as_ref());
    let mut v = state_word(state).to_string();
    if let Some(d) = d {
        let mut parts = Vec::new();
        if let Some(x) = &d.sub_state {
            parts.push(format!("SubState={x}"));
        }
        if let Some(x) = &d.result {
            parts.push(format!("Result={x}"));
        }
        if let Some(x) = d.n_restarts {
            parts.push(format!("NRestarts={x}"));
        }
        if let Some(x) = &d.unit_file_state {
            parts.push(format!("UnitFileState={x}"));
        }
        if !parts.is_empty() {
            v = format!("{v} ({})", parts.join(", "));
        }
    }
    Evidence::new(Source::Service, unit, v)
}

fn mode_ev(c: &HostConfig) -> Evidence {
    cfg(
        "nut.conf",
        0,
        format!("MODE={}", c.mode.as_deref().unwrap_or("(absent)")),
    )
}

/// Whether a MONITOR line points at this host (loopback, or the host's own name).
fn is_local(c: &HostConfig, m: &MonitorFact) -> bool {
    m.target.host_kind() == HostKind::Loopback
        || (!c.host.is_empty() && m.target.host.eq_ignore_ascii_case(&c.host))
}

fn ups_names(c: &HostConfig) -> Vec<&str> {
    c.upses.iter().flatten().map(|u| u.name.as_str()).collect()
}

/// The role MODE gives the host, and every contradiction between MODE, the files and the units.
pub fn mode(facts: &Facts, c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let nut_conf_read = matches!(
        c.files.get("nut.conf"),
        Some(crate::config::FileFact::Parsed { .. })
    );
    if !nut_conf_read && c.mode.is_none() {
        if !c.files.is_empty() {
            out.push(
                Finding::new(
                    "mode.missing",
                    Severity::Warning,
                    "nut.conf not read: the host's role is unknown",
                    "Without nut.conf (or its MODE line) NUT's init scripts treat the host as MODE=none and start nothing.",
                    "Create nut.conf with MODE=standalone, netserver or netclient as fits this host.",
                )
                .with(mode_ev(c)),
            );
        }
        return out;
    }
    let Some(m) = c.mode() else {
        if let Some(word) = &c.mode {
            out.push(
                Finding::new(
                    "mode.unknown",
                    Severity::Critical,
                    format!("nut.conf MODE={word} is not a mode NUT knows"),
                    "The init scripts compare MODE word for word (lower case): an unknown word starts nothing.",
                    "Set MODE to none, standalone, netserver or netclient.",
                )
                .with(mode_ev(c)),
            );
        } else {
            out.push(
                Finding::new(
                    "mode.missing",
                    Severity::Warning,
                    "nut.conf has no MODE line",
                    "Without MODE the host counts as MODE=none: no NUT service is started at boot.",
                    "Add MODE=standalone, netserver or netclient to nut.conf.",
                )
                .with(mode_ev(c)),
            );
        }
        return out;
    };
    let upses = ups_names(c);
    let monitors = c
        .upsmon
        .as_ref()
        .map(|u| u.monitors.as_slice())
        .unwrap_or(&[]);
    let has_primary = monitors.iter().any(|m| m.role == Role::Primary);
    let role = match m {
        Mode::Standalone => "standalone (driver, upsd and upsmon for this host only)",
        Mode::Netserver if has_primary => "primary and server (drives the UPS, serves other hosts)",
        Mode::Netserver => "server (drives the UPS, serves other hosts)",
        Mode::Netclient => "client / secondary (watches a UPS on another host)",
        Mode::None => "none (NUT starts nothing)",
        Mode::Controlled | Mode::Manual => "manual (nothing starts automatically)",
    };
    let mut f = Finding::new(
        "mode.role",
        Severity::Info,
        format!("role: {role}"),
        "What nut.conf's MODE makes of this host; the other mode findings check the files and units against it.",
        "",
    )
    .with(mode_ev(c));
    for u in [units::SERVER, units::MONITOR, units::DRIVER_TARGET] {
        if let Some(s) = state_of(facts, u) {
            f = f.with(svc(u, s));
        }
    }
    out.push(f);

    let server_state = state_of(facts, units::SERVER);
    let monitor_state = state_of(facts, units::MONITOR);
    match m {
        Mode::None => {
            if !upses.is_empty() || !monitors.is_empty() {
                let mut f = Finding::new(
                    "mode.none-configured",
                    Severity::Critical,
                    "MODE=none, yet UPSes and monitors are configured",
                    "With MODE=none nothing starts at boot: the configured UPS is not watched and this host will not shut down on a power failure.",
                    "Set MODE in nut.conf to what the files describe (netserver or standalone with ups.conf sections, netclient with only MONITOR lines).",
                )
                .with(mode_ev(c));
                if let Some(u) = upses.first() {
                    f = f.with(cfg("ups.conf", 0, format!("[{u}]")));
                }
                if let Some(mo) = monitors.first() {
                    f = f.with(cfg(
                        "upsmon.conf",
                        mo.line,
                        format!("MONITOR {}", mo.target),
                    ));
                }
                out.push(f);
            }
        }
        Mode::Netclient => {
            if server_state == Some(ServiceState::Active) {
                out.push(
                    Finding::new(
                        "mode.netclient-server-active",
                        Severity::Warning,
                        "MODE=netclient, but nut-server (upsd) runs here",
                        "A client needs no upsd; a stray upsd (often with an old ups.conf) confuses which host is the primary.",
                        "Stop and disable nut-server on this host (`systemctl disable --now nut-server`), or set MODE=netserver if this host really drives a UPS.",
                    )
                    .with(mode_ev(c))
                    .with(svc(units::SERVER, ServiceState::Active)),
                );
            }
        }
        Mode::Netserver | Mode::Standalone => {
            if c.upses.as_ref().is_some_and(Vec::is_empty)
                || matches!(
                    c.files.get("ups.conf"),
                    Some(crate::config::FileFact::Missing)
                )
            {
                out.push(
                    Finding::new(
                        "mode.server-no-ups",
                        Severity::Critical,
                        format!("MODE={}, but ups.conf defines no UPS", m.as_str()),
                        "upsd has nothing to serve (it refuses to start unless ALLOW_NO_DEVICE is set) and no driver runs: nothing protects this host.",
                        "Add a [name] section with driver and port to ups.conf (`nut-scanner` helps), or set MODE=netclient if the UPS is on another host.",
                    )
                    .with(mode_ev(c))
                    .with(cfg("ups.conf", 0, "no [section]")),
                );
            }
        }
        Mode::Controlled | Mode::Manual => {}
    }

    // Units the mode needs, read against their state: which layer refused.
    let mut needed: Vec<(String, &'static str)> = Vec::new();
    if m.runs_server() {
        needed.push((
            units::SERVER.to_string(),
            "upsd (the server layer): clients cannot read the UPS",
        ));
        needed.push((
            units::DRIVER_TARGET.to_string(),
            "the drivers' target (the device layer): no driver instance is started at boot",
        ));
        for u in &upses {
            needed.push((
                units::driver(u),
                "the driver (the device layer): upsd has no data from the UPS",
            ));
        }
    }
    if m.runs_upsmon() {
        needed.push((
            units::MONITOR.to_string(),
            "upsmon (the monitor layer): this host will not shut down",
        ));
    }
    for (unit, layer) in needed {
        let Some(state) = state_of(facts, &unit) else {
            continue;
        };
        if matches!(
            state,
            ServiceState::Inactive | ServiceState::NotFound | ServiceState::Failed
        ) {
            out.push(
                Finding::new(
                    "mode.unit-not-running",
                    Severity::Critical,
                    format!("MODE={} needs {unit}, which is {}", m.as_str(), state_word(state)),
                    format!("Not running: {layer}."),
                    if state == ServiceState::NotFound {
                        format!("{unit} does not exist: install the NUT package that provides it (for drivers, run `nut-driver-enumerator.sh` or `upsdrvsvcctl resync`).")
                    } else {
                        format!("Start and enable it: `systemctl enable --now {unit}`; if it stops again, read `journalctl -u {unit}`.")
                    },
                )
                .about(unit.clone())
                .with(mode_ev(c))
                .with(svc_fact(facts, &unit, state)),
            );
        }
    }
    if m == Mode::None {
        for unit in [units::SERVER, units::MONITOR] {
            if state_of(facts, unit) == Some(ServiceState::Active) {
                out.push(
                    Finding::new(
                        "mode.unit-unexpected",
                        Severity::Warning,
                        format!("MODE=none, but {unit} runs"),
                        "The unit was started by hand or by a unit file that ignores nut.conf; after a reboot it may not come back.",
                        "Set MODE to match what runs, or stop the unit.",
                    )
                    .about(unit)
                    .with(mode_ev(c))
                    .with(svc(unit, ServiceState::Active)),
                );
            }
        }
    }
    let _ = monitor_state;
    out
}

/// Consistency across files: MONITOR against MODE, upsd.users and ups.conf; LISTEN against the role;
/// MINSUPPLIES against the monitors.
pub fn consistency(facts: &Facts, c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let mode = c.mode();
    let Some(um) = &c.upsmon else {
        return out;
    };
    for m in &um.monitors {
        let at = |v: String| cfg("upsmon.conf", m.line, v);
        let line = format!(
            "MONITOR {} {} {} ****** {}",
            m.target,
            m.power_value,
            m.user,
            m.role.as_str()
        );
        if mode == Some(Mode::Netclient) && m.target.host_kind() == HostKind::Loopback {
            out.push(
                Finding::new(
                    "config.monitor-localhost-netclient",
                    Severity::Critical,
                    format!("MODE=netclient, but MONITOR points at this host ({})", m.target),
                    "A client runs no upsd, so upsmon polls a server that is not there and never learns of a power failure.",
                    "Point the MONITOR line at the NUT server (ups@<server-name>), as `upsc -l <server>` lists it.",
                )
                .about(m.target.to_string())
                .with(mode_ev(c))
                .with(at(line.clone())),
            );
        }
        if !is_local(c, m) {
            continue;
        }
        // The server is this host: its upsd.users and ups.conf are here to compare.
        if let Some(names) = c.upses.as_ref() {
            if !names.iter().any(|u| u.name == m.target.ups) {
                out.push(
                    Finding::new(
                        "config.monitor-unknown-ups",
                        Severity::Critical,
                        format!(
                            "MONITOR names `{}`, which ups.conf does not define",
                            m.target.ups
                        ),
                        "upsd answers UNKNOWN-UPS and upsmon watches nothing.",
                        "Use one of the [section] names of ups.conf in the MONITOR line.",
                    )
                    .about(m.target.to_string())
                    .with(at(line.clone()))
                    .with(cfg(
                        "ups.conf",
                        0,
                        format!(
                            "sections: {}",
                            names
                                .iter()
                                .map(|u| u.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                );
            }
        }
        let Some(users) = c.users.as_ref() else {
            continue;
        };
        match users.iter().find(|u| u.name == m.user) {
            None => out.push(
                Finding::new(
                    "config.monitor-user-missing",
                    Severity::Critical,
                    format!("MONITOR user `{}` is not in upsd.users", m.user),
                    "upsd refuses the login (ACCESS-DENIED): upsmon cannot take part in the shutdown.",
                    format!("Add a [{}] section with a password and `upsmon {}` to upsd.users, then reload upsd.", m.user, m.role.as_str()),
                )
                .about(m.target.to_string())
                .with(at(line.clone()))
                .with(cfg("upsd.users", 0, format!("accounts: {}", users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ")))),
            ),
            Some(u) => {
                let uev = |v: String| cfg("upsd.users", u.line, v);
                match u.upsmon {
                    None => out.push(
                        Finding::new(
                            "config.monitor-user-no-role",
                            Severity::Critical,
                            format!("upsd.users account `{}` has no upsmon role", u.name),
                            "Without `upsmon primary|secondary` upsd refuses upsmon's LOGIN.",
                            format!("Add `upsmon {}` to [{}] in upsd.users.", m.role.as_str(), u.name),
                        )
                        .about(m.target.to_string())
                        .with(at(line.clone()))
                        .with(uev(format!("[{}] without upsmon", u.name))),
                    ),
                    Some(r) if r == Role::Secondary && m.role == Role::Primary => out.push(
                        Finding::new(
                            "config.monitor-role-mismatch",
                            Severity::Critical,
                            format!("MONITOR says primary, but `{}` is a secondary in upsd.users", u.name),
                            "upsd refuses the PRIMARY command (ACCESS-DENIED): this upsmon cannot act as the primary, so nobody sets FSD and cuts the power last.",
                            format!("Make them agree: `upsmon primary` in [{}], or `secondary` on the MONITOR line.", u.name),
                        )
                        .about(m.target.to_string())
                        .with(at(line.clone()))
                        .with(uev(format!("upsmon {}", r.as_str()))),
                    ),
                    Some(_) => {}
                }
                if let Some(true) = u
                    .password
                    .as_ref()
                    .and_then(|p| p.differs_from(&m.password))
                {
                    out.push(
                        Finding::new(
                            "config.monitor-password-mismatch",
                            Severity::Critical,
                            format!("MONITOR password for `{}` differs from upsd.users", u.name),
                            "upsd refuses the login (ACCESS-DENIED): upsmon cannot take part in the shutdown.",
                            format!("Copy the password of [{}] in upsd.users into the MONITOR line (neither is shown here), then restart upsmon.", u.name),
                        )
                        .about(m.target.to_string())
                        .with(at(line.clone()))
                        .with(uev(format!("[{}] password = <redacted>", u.name))),
                    );
                }
            }
        }
    }
    // LISTEN on loopback only while others rely on this host.
    if let Some(listen) = &c.listen {
        let others: Vec<&HostConfig> = facts
            .peers
            .iter()
            .filter(|p| {
                p.upsmon.as_ref().is_some_and(|u| {
                    u.monitors
                        .iter()
                        .any(|m| !c.host.is_empty() && m.target.host.eq_ignore_ascii_case(&c.host))
                })
            })
            .collect();
        let serves = mode == Some(Mode::Netserver) || !others.is_empty();
        if serves && !listen.is_empty() && listen.iter().all(|l| l.loopback) {
            let mut f = Finding::new(
                "config.listen-loopback-only",
                Severity::Critical,
                "upsd listens on the loopback address only, yet serves other hosts",
                "Clients on other machines get `Connection refused` and never hear of a power failure.",
                "Add a `LISTEN <this host's LAN address>` (or `LISTEN 0.0.0.0`) line to upsd.conf, restart nut-server, and allow TCP 3493 in the firewall.",
            )
            .with(mode_ev(c));
            for l in listen {
                f = f.with(cfg(
                    "upsd.conf",
                    l.line,
                    format!(
                        "LISTEN {} {}{}",
                        l.addr,
                        l.port,
                        if l.line == 0 { " (default)" } else { "" }
                    ),
                ));
            }
            for p in others {
                f = f.with(Evidence::new(
                    Source::Config,
                    format!("{}: upsmon.conf", p.host),
                    format!("monitors a UPS on {}", c.host),
                ));
            }
            out.push(f);
        }
    }
    // MINSUPPLIES.
    let total: u64 = um.monitors.iter().map(|m| u64::from(m.power_value)).sum();
    if u64::from(um.minsupplies) > total && mode != Some(Mode::None) {
        out.push(
            Finding::new(
                "config.minsupplies-unreachable",
                Severity::Critical,
                format!("MINSUPPLIES {} is above the {total} supplies monitored", um.minsupplies),
                "upsmon refuses to start (\"insufficient power configured\"): nothing watches the UPS.",
                "Lower MINSUPPLIES to the number of power supplies that must stay fed (usually 1), or give the MONITOR lines their power values.",
            )
            .with(cfg("upsmon.conf", 0, format!("MINSUPPLIES {}, power values sum to {total}", um.minsupplies)))
            .with_all(c.diagnostics.iter().filter(|d| is_minsupplies(d)).map(|d| {
                Evidence::new(Source::Config, format!("{}:{}:{}", d.file, d.line, d.col), d.message.clone())
            })),
        );
    }
    out
}

/// "Will this host really shut down?": role and login accepted, SHUTDOWNCMD present and executable,
/// POWERDOWNFLAG and MINSUPPLIES coherent, the UPS's primary known. One finding per broken link, and
/// `shutdown.ready` (ok) only when every link was checked and holds.
pub fn shutdown(facts: &Facts, c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let mode = c.mode();
    if matches!(mode, Some(Mode::None) | None) {
        return out;
    }
    let Some(um) = &c.upsmon else {
        return out;
    };
    let mut chain: Vec<Evidence> = vec![mode_ev(c)];
    let mut broken = false;
    let fed: Vec<&MonitorFact> = um.monitors.iter().filter(|m| m.power_value > 0).collect();
    if fed.is_empty() {
        broken = true;
        out.push(
            Finding::new(
                "shutdown.no-monitor",
                Severity::Critical,
                "upsmon.conf monitors no UPS that feeds this host",
                "Without a MONITOR line with a power value above 0, no power failure ever shuts this host down.",
                "Add `MONITOR <ups>@<server> 1 <user> <password> primary|secondary` to upsmon.conf.",
            )
            .with(cfg("upsmon.conf", 0, format!("{} MONITOR lines, none with power value > 0", um.monitors.len()))),
        );
    }
    match &um.shutdowncmd {
        None => {
            broken = true;
            out.push(
                Finding::new(
                    "config.shutdowncmd-missing",
                    Severity::Critical,
                    "upsmon.conf has no SHUTDOWNCMD",
                    "When the battery runs out upsmon has nothing to run: the host loses power without shutting down.",
                    "Add `SHUTDOWNCMD \"/sbin/shutdown -h +0\"` to upsmon.conf.",
                )
                .with(cfg("upsmon.conf", 0, "SHUTDOWNCMD absent")),
            );
        }
        Some(words) => {
            let cmd = words.join(" ");
            if um.shutdowncmd_executable == Some(false) {
                broken = true;
                out.push(
                    Finding::new(
                        "shutdown.cmd-not-executable",
                        Severity::Critical,
                        format!("SHUTDOWNCMD `{cmd}` is not an executable program"),
                        "upsmon runs it at the last moment and it fails: the host loses power without shutting down.",
                        "Fix the path (`command -v shutdown`) and test the command by hand.",
                    )
                    .with(cfg("upsmon.conf", 0, format!("SHUTDOWNCMD {cmd}"))),
                );
            } else {
                chain.push(cfg("upsmon.conf", 0, format!("SHUTDOWNCMD {cmd}")));
            }
        }
    }
    let primaries: Vec<&&MonitorFact> = fed.iter().filter(|m| m.role == Role::Primary).collect();
    if !primaries.is_empty() && um.powerdownflag.is_none() {
        out.push(
            Finding::new(
                "shutdown.no-powerdownflag",
                Severity::Warning,
                "primary without POWERDOWNFLAG",
                "The shutdown scripts look for this flag file to tell the UPS to cut the power (killpower); without it the UPS keeps feeding the halted machines and they may not restart when power returns.",
                "Add `POWERDOWNFLAG /etc/killpower` (or your distribution's path) to upsmon.conf.",
            )
            .with(cfg("upsmon.conf", 0, "POWERDOWNFLAG absent")),
        );
    }
    // Login accepted: from a probe with upsmon's credentials, when one was made.
    for m in &fed {
        let login = facts
            .probes
            .iter()
            .find(|p| p.target == m.target)
            .and_then(|p| p.login.as_ref());
        match login {
            Some(NutOutcome::Ok) => chain.push(Evidence::new(
                Source::Probe,
                format!("login {}", m.target),
                "accepted",
            )),
            Some(_) => broken = true, // the reality check reports the refusal itself
            None => {}
        }
        chain.push(cfg(
            "upsmon.conf",
            m.line,
            format!("MONITOR {} {} {}", m.target, m.power_value, m.role.as_str()),
        ));
        if m.role == Role::Secondary {
            let primary_known = facts
                .peers
                .iter()
                .chain(std::iter::once(c))
                .any(|h| primary_of(h, &m.target.ups, &m.target.host));
            if !primary_known && !facts.peers.is_empty() {
                out.push(
                    Finding::new(
                        "shutdown.primary-unknown",
                        Severity::Warning,
                        format!("no known host is the primary of {}", m.target),
                        "A secondary shuts down when the primary sets FSD; if no upsmon is primary for the UPS, nobody waits for the secondaries or cuts the power.",
                        "Make the upsmon on the UPS's server host `primary` for it (MONITOR … primary, upsd.users `upsmon primary`).",
                    )
                    .about(m.target.to_string())
                    .with(cfg("upsmon.conf", m.line, format!("MONITOR {} … secondary", m.target))),
                );
            }
        }
    }
    if !broken && !out.iter().any(|f| f.severity >= Severity::Warning) {
        let mut f = Finding::new(
            "shutdown.ready",
            Severity::Ok,
            "this host will shut down on a power failure",
            "Every link of the shutdown chain that could be checked holds.",
            "",
        );
        f.evidence = chain;
        out.push(f);
    }
    out
}

/// Whether host `h` is primary for `ups` served by `server`.
fn primary_of(h: &HostConfig, ups: &str, server: &str) -> bool {
    h.upsmon.as_ref().is_some_and(|u| {
        u.monitors.iter().any(|m| {
            m.role == Role::Primary
                && m.target.ups == ups
                && (m.target.host.eq_ignore_ascii_case(server)
                    || (is_local(h, m) && h.host.eq_ignore_ascii_case(server)))
        })
    })
}

/// Shutdown-order practice: HOSTSYNC, FINALDELAY, ups.conf `sdorder`.
pub fn order(c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(um) = &c.upsmon {
        let primary = um.monitors.iter().any(|m| m.role == Role::Primary);
        if primary && um.hostsync < um.pollfreq * 2 {
            out.push(
                Finding::new(
                    "practice.hostsync-short",
                    Severity::Info,
                    format!("HOSTSYNC {} s is shorter than two polls ({} s)", um.hostsync, um.pollfreq * 2),
                    "The primary waits HOSTSYNC seconds for the secondaries to disconnect before shutting down itself; a secondary polling every POLLFREQ seconds may not even have seen FSD by then.",
                    "Keep HOSTSYNC at least two POLLFREQ intervals (the default 15 s with POLLFREQ 5).",
                )
                .with(cfg("upsmon.conf", 0, format!("HOSTSYNC {}, POLLFREQ {}", um.hostsync, um.pollfreq))),
            );
        }
        if !primary && um.finaldelay > 30 && !um.monitors.is_empty() {
            out.push(
                Finding::new(
                    "practice.finaldelay-long",
                    Severity::Info,
                    format!("FINALDELAY {} s on a secondary", um.finaldelay),
                    "A secondary should go down quickly: the primary only waits HOSTSYNC for it before cutting the power.",
                    "Keep FINALDELAY short on secondaries (the default 5 s).",
                )
                .with(cfg("upsmon.conf", 0, format!("FINALDELAY {}", um.finaldelay))),
            );
        }
    }
    if let Some(upses) = &c.upses {
        for u in upses.iter().filter(|u| u.sdorder < 0) {
            out.push(
                Finding::new(
                    "practice.sdorder-excluded",
                    Severity::Warning,
                    format!("[{}] has sdorder -1: `upsdrvctl shutdown` leaves it on", u.name),
                    "At the end of a shutdown this UPS is not told to cut the power, so the machines it feeds stay halted but powered and may not restart when mains returns.",
                    "Remove `sdorder = -1` unless another mechanism powers this UPS off.",
                )
                .about(u.name.clone())
                .with(cfg("ups.conf", u.line, format!("[{}] sdorder = {}", u.name, u.sdorder))),
            );
        }
        let active: Vec<_> = upses.iter().filter(|u| u.sdorder >= 0).collect();
        if active.len() > 1 && active.iter().all(|u| u.sdorder == 0) {
            let mut f = Finding::new(
                "practice.sdorder-unset",
                Severity::Info,
                format!("{} UPSes share sdorder 0: their power-off order is not defined", active.len()),
                "`upsdrvctl shutdown` powers them off in file order; if one UPS feeds the network gear the others' clients need, it may go first.",
                "Give the UPS that must switch off last the highest sdorder.",
            );
            for u in active {
                f = f.with(cfg("ups.conf", u.line, format!("[{}] sdorder = 0", u.name)));
            }
            out.push(f);
        }
    }
    out
}

/// nut-config's own MINSUPPLIES check: reported by the cross-file rule, with its location.
fn is_minsupplies(d: &crate::config::ConfigDiag) -> bool {
    d.kind == "required" && d.message.contains("MINSUPPLIES")
}

/// nut-config's diagnostics (syntax, values, unknown directives, permissions) and missing or unreadable
/// files, each with its `file:line:col`.
pub fn diagnostics(c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in c.diagnostics.iter().filter(|d| !is_minsupplies(d)) {
        let (id, sev, meaning, action): (&'static str, Severity, &str, &str) = match d.kind.as_str() {
            "world_readable" => ("config.world-readable", Severity::Warning,
                "Every user on the host can read the passwords in this file and use them to shut the UPS down.",
                "`chown root:nut <file>` and `chmod 640 <file>`."),
            "unknown_directive" | "unknown_user_setting" | "obsolete" => ("config.unknown-directive", Severity::Warning,
                "NUT ignores this line: the setting you meant is not in effect.",
                "Check the spelling against the man page of the file, or remove the line."),
            _ if d.error => ("config.error", Severity::Critical,
                "NUT rejects this line (or the whole file): the setting is not in effect, and some programs refuse to start.",
                "Fix the line as the message says."),
            _ => ("config.warning", Severity::Warning,
                "NUT accepts the file but reads this line differently from what it seems to say.",
                "Fix the line as the message says."),
        };
        let at = if d.line == 0 {
            d.file.clone()
        } else {
            format!("{}:{}:{}", d.file, d.line, d.col)
        };
        out.push(
            Finding::new(id, sev, format!("{at}: {}", d.message), meaning, action)
                .about(d.file.clone())
                .with(Evidence::new(Source::Config, at, d.message.clone())),
        );
    }
    let mode = c.mode();
    for (name, state) in &c.files {
        let needed = match name.as_str() {
            "nut.conf" => true,
            "ups.conf" | "upsd.conf" | "upsd.users" => mode.is_some_and(Mode::runs_server),
            "upsmon.conf" => mode.is_some_and(Mode::runs_upsmon),
            _ => false,
        };
        match state {
            crate::config::FileFact::Unreadable { reason } => out.push(
                Finding::new(
                    "config.file-unreadable",
                    if needed { Severity::Warning } else { Severity::Info },
                    format!("{name} could not be read: {reason}"),
                    "The diagnosis cannot check what it does not see (NUT itself may read it as another user).",
                    "Run the diagnosis as root, or give your user read access through the nut group.",
                )
                .about(name.clone())
                .with(cfg(name, 0, reason.clone())),
            ),
            crate::config::FileFact::Missing if needed && name != "nut.conf" => out.push(
                Finding::new(
                    "config.file-missing",
                    Severity::Critical,
                    format!("{name} is missing, but MODE needs it"),
                    "The program that reads it refuses to start.",
                    format!("Create {name} (see its man page)."),
                )
                .about(name.clone())
                .with(mode_ev(c))
                .with(cfg(name, 0, "missing")),
            ),
            _ => {}
        }
    }
    out
}

/// Every config rule over this host's configuration (silent when it was not read).
pub fn rules(facts: &Facts) -> Vec<Finding> {
    let Some(c) = &facts.config else {
        return Vec::new();
    };
    let mut out = mode(facts, c);
    out.extend(consistency(facts, c));
    // A critical contradiction in the role or the files breaks the chain too: no `ready` then.
    let blocked = out.iter().any(|f| f.severity == Severity::Critical);
    out.extend(
        shutdown(facts, c)
            .into_iter()
            .filter(|f| !(blocked && f.id == "shutdown.ready")),
    );
    out.extend(order(c));
    out.extend(diagnostics(c));
    out
}
