//! MODE and the units: the role nut.conf gives the host, and every contradiction with the files and units.

use nut_config::files::nut_conf::Mode;

use super::*;

/// The role MODE gives the host, and every contradiction between MODE, the files and the units.
pub fn mode(facts: &Facts, c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let upses = ups_names(c);
    let monitors = c
        .upsmon
        .as_ref()
        .map(|u| u.monitors.as_slice())
        .unwrap_or(&[]);
    // MODE absent (no nut.conf, or no MODE line) means MODE=none: the same severity as MODE=none,
    // critical when the other files configure something that then never starts.
    let configured = !upses.is_empty() || !monitors.is_empty();
    let none_severity = if configured {
        Severity::Critical
    } else {
        Severity::Info
    };
    let with_configured = |mut f: Finding| {
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
        f
    };
    out.extend(hazards(c));
    match c.files.get("nut.conf") {
        Some(crate::config::FileFact::Unreadable { reason }) => {
            out.push(
                Finding::new(
                    "mode.unreadable",
                    Severity::Warning,
                    format!("nut.conf could not be read ({reason}): the host's role is unknown"),
                    "The file exists, but this diagnosis may not read it (NUT's files are usually root:nut 0640); nothing is known about the role, and nothing is wrong with the file for that.",
                    "Run the diagnosis as root (sudo), or as a member of the nut group.",
                )
                .about("nut.conf")
                .with(cfg("nut.conf", 0, reason.clone())),
            );
            return out;
        }
        Some(crate::config::FileFact::Missing) if c.mode.is_none() => {
            out.push(with_configured(
                Finding::new(
                    "mode.missing",
                    none_severity,
                    "nut.conf is missing: the host counts as MODE=none",
                    "Without nut.conf (or its MODE line) NUT's init scripts treat the host as MODE=none and start nothing.",
                    "Create nut.conf with MODE=standalone, netserver or netclient as fits this host.",
                )
                .with(mode_ev(c)),
            ));
            return out;
        }
        None if c.mode.is_none() => return out,
        _ => {}
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
            out.push(with_configured(
                Finding::new(
                    "mode.missing",
                    none_severity,
                    "nut.conf has no MODE line: the host counts as MODE=none",
                    "Without MODE the host counts as MODE=none: no NUT service is started at boot.",
                    "Add MODE=standalone, netserver or netclient to nut.conf.",
                )
                .with(mode_ev(c)),
            ));
        }
        return out;
    };
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
            if !configured {
                // The same severity as MODE absent (mode.missing): nothing starts at boot, and the
                // shutdown path of NUT >= 2.8.3 honours MODE too (nut#3364: no power-off at the end).
                out.push(
                    Finding::new(
                        "mode.none",
                        none_severity,
                        "MODE=none: NUT starts nothing on this host",
                        "With MODE=none no driver, upsd or upsmon starts at boot, and NUT's shutdown scripts skip the UPS power-off; if this host has a UPS, it is not protected.",
                        "Set MODE to standalone, netserver or netclient as fits this host.",
                    )
                    .with(mode_ev(c)),
                );
            }
            if configured {
                out.push(with_configured(
                    Finding::new(
                        "mode.none-configured",
                        Severity::Critical,
                        "MODE=none, yet UPSes and monitors are configured",
                        "With MODE=none nothing starts at boot: the configured UPS is not watched and this host will not shut down on a power failure.",
                        "Set MODE in nut.conf to what the files describe (netserver or standalone with ups.conf sections, netclient with only MONITOR lines).",
                    )
                    .with(mode_ev(c)),
                ));
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

    // Units the mode needs (knowledge::units), read against their state: which layer refused. A
    // failed unit is the service rule's (one finding per failure).
    let mut needed: Vec<String> = vec![
        units::SERVER.to_string(),
        units::DRIVER_TARGET.to_string(),
        units::MONITOR.to_string(),
    ];
    needed.extend(upses.iter().map(|u| units::driver(u)));
    for unit in needed {
        if crate::knowledge::units::need(m, &unit) != Some(crate::knowledge::UnitNeed::Required) {
            continue;
        }
        let Some(state) = state_of(facts, &unit) else {
            continue;
        };
        let layer = crate::knowledge::units::row(&unit).map_or("", |r| r.role);
        if matches!(state, ServiceState::Inactive | ServiceState::NotFound) {
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
    out.extend(processes(facts, c, m, &upses));
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

/// Bytes in nut.conf that the init scripts' shell reads literally (CRLF, BOM): MODE then is not the
/// word it looks like, and nothing starts.
fn hazards(c: &HostConfig) -> Vec<Finding> {
    c.shell_hazards
        .iter()
        .map(|h| {
            let (title, meaning) = match h.kind.as_str() {
                "bom" => (
                    format!("{} starts with a UTF-8 byte-order mark", h.file),
                    "Debian's init scripts source nut.conf as shell: the BOM glues onto the first word, so `MODE=...` on the first line is not an assignment and MODE stays unset (nothing starts).",
                ),
                _ => (
                    format!("{} has Windows (CRLF) line endings ({} line{})", h.file, h.lines, if h.lines == 1 { "" } else { "s" }),
                    "Debian's init scripts source nut.conf as shell, which keeps the CR: MODE reads as `netserver\\r`, matches no mode, and upsd and upsmon are never started (the wrapper says \"upsd disabled\").",
                ),
            };
            Finding::new(
                "mode.shell-hazard",
                Severity::Critical,
                title,
                meaning,
                format!("Save {} with Unix line endings and no BOM (`sed -i 's/\\r$//; 1s/^\\xEF\\xBB\\xBF//' /etc/nut/{}`), then restart the NUT units.", h.file, h.file),
            )
            .about(h.file.clone())
            .with(cfg(&h.file, h.line, h.kind.clone()))
        })
        .collect()
}

/// Without systemd: the programs the MODE needs, judged from the processes themselves.
fn processes(facts: &Facts, c: &HostConfig, m: Mode, upses: &[&str]) -> Vec<Finding> {
    let Some(procs) = &facts.processes else {
        return Vec::new();
    };
    let mut out = vec![Finding::new(
        "mode.no-systemd",
        Severity::Info,
        "no systemd: NUT's programs judged from their processes",
        "systemctl did not answer, so the units could not be asked; /proc and the pid files of the state path were read instead.",
        "",
    )
    .with_all(procs.iter().map(|p| {
        Evidence::new(Source::Service, format!("pid {}", p.pid), p.pidfile.as_ref().map_or_else(|| p.program.clone(), |f| format!("{} ({f})", p.program)))
    }))];
    let mut wanted: Vec<String> = crate::knowledge::units::programs(m)
        .iter()
        .map(|p| p.to_string())
        .collect();
    if m.runs_server() {
        for u in c
            .upses
            .iter()
            .flatten()
            .filter(|u| upses.contains(&u.name.as_str()))
        {
            if let Some(d) = &u.driver {
                wanted.push(d.clone());
            }
        }
    }
    for prog in wanted {
        if facts.process_running(&prog) == Some(false) {
            out.push(
                Finding::new(
                    "mode.process-not-running",
                    Severity::Critical,
                    format!("MODE={} needs {prog}, which is not running", m.as_str()),
                    "No such process was found in /proc (and no pid file of the state path names a live one).",
                    "Start it the way this system starts NUT (`upsdrvctl start` for drivers, `upsd`, `upsmon`), and check its log.",
                )
                .about(prog.clone())
                .with(mode_ev(c))
                .with(Evidence::new(Source::Service, prog, "no process")),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileFact, ShellHazard, UpsSection};
    use crate::facts::ProcessFact;

    fn server() -> HostConfig {
        let mut files = std::collections::BTreeMap::new();
        files.insert(
            "nut.conf".to_string(),
            FileFact::Parsed {
                path: "nut.conf".into(),
            },
        );
        HostConfig {
            mode: Some("netserver".into()),
            files,
            upses: Some(vec![UpsSection {
                name: "u".into(),
                line: 1,
                driver: Some("usbhid-ups".into()),
                port: Some("auto".into()),
                sdorder: 0,
                usb_match: Default::default(),
            }]),
            ..HostConfig::default()
        }
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.id.as_ref()).collect()
    }

    #[test]
    fn crlf_is_critical_and_says_why() {
        let mut c = server();
        c.shell_hazards = vec![ShellHazard {
            file: "nut.conf".into(),
            line: 1,
            lines: 1,
            kind: "crlf".into(),
        }];
        let f = mode(&Facts::default(), &c);
        let h = f
            .iter()
            .find(|f| f.id == "mode.shell-hazard")
            .unwrap_or_else(|| panic!("{:?}", ids(&f)));
        assert_eq!(h.severity, Severity::Critical);
        assert!(
            h.meaning.contains("source nut.conf as shell"),
            "{}",
            h.meaning
        );
    }

    #[test]
    fn without_systemd_the_processes_are_judged() {
        let facts = Facts {
            processes: Some(vec![ProcessFact {
                program: "upsmon".into(),
                pid: 7,
                pidfile: None,
            }]),
            ..Facts::default()
        };
        let f = mode(&facts, &server());
        assert!(ids(&f).contains(&"mode.no-systemd"), "{:?}", ids(&f));
        let missing: Vec<&str> = f
            .iter()
            .filter(|f| f.id == "mode.process-not-running")
            .filter_map(|f| f.subject.as_deref())
            .collect();
        assert_eq!(missing, ["upsd", "usbhid-ups"]);
        // processes not looked at (systemd answered): nothing said about them
        assert!(!ids(&mode(&Facts::default(), &server())).contains(&"mode.no-systemd"));
    }

    #[test]
    fn unreadable_nut_conf_is_not_missing() {
        let mut c = server();
        c.mode = None;
        c.files.insert(
            "nut.conf".into(),
            FileFact::Unreadable {
                reason: "permission denied".into(),
            },
        );
        let f = mode(&Facts::default(), &c);
        assert_eq!(ids(&f), ["mode.unreadable"]);
        assert!(!f[0].action.contains("Create"));
    }
}
