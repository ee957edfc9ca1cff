//! MODE and the units: the role nut.conf gives the host, and every contradiction with the files and units.

use nut_config::files::nut_conf::Mode;

use super::*;

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
