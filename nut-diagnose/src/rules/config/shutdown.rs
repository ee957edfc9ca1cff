//! "Will this host really shut down?": the shutdown chain, link by link.

use nut_config::files::nut_conf::Mode;

use super::*;

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
    // POWERDOWNFLAG matters on the host that drives the UPS (a primary of a local UPS); a client
    // claiming primary gets the authority finding instead (consistency::client_as_primary).
    let drives = fed
        .iter()
        .any(|m| m.role == Role::Primary && is_local(c, m));
    if drives && mode != Some(Mode::Netclient) && um.powerdownflag.is_none() {
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
    // Login accepted: from a probe with upsmon's credentials, when one was made. The UPS's status
    // read now: a server whose driver is gone (DRIVER-NOT-CONNECTED, DATA-STALE) still accepts the
    // login, but upsmon then sees no power failure at all (the reality check names the cause).
    for m in &fed {
        let probe = facts.probes.iter().find(|p| p.target == m.target);
        match probe.and_then(|p| p.query.as_ref()) {
            Some(NutOutcome::Ok) => chain.push(Evidence::new(
                Source::Probe,
                format!("status of {}", m.target),
                "read now",
            )),
            Some(_) => broken = true,
            None => {}
        }
        let login = probe.and_then(|p| p.login.as_ref());
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
    // Now, not on paper: upsmon runs and holds a login on every target it monitors.
    let running = match state_of(facts, units::MONITOR) {
        Some(ServiceState::Active) => Some(true),
        Some(_) => Some(false),
        None => facts.process_running("upsmon"),
    };
    let mut unverified: Vec<String> = Vec::new();
    match running {
        Some(true) => chain.push(match state_of(facts, units::MONITOR) {
            Some(_) => svc(units::MONITOR, ServiceState::Active),
            None => Evidence::new(Source::Service, "upsmon", "process running"),
        }),
        // the mode/service/process rules name the stopped upsmon
        Some(false) => broken = true,
        None => unverified.push("whether upsmon runs (systemctl and /proc not read)".into()),
    }
    for m in &fed {
        match logged_in(facts, c, m) {
            Some((true, _)) => chain.push(Evidence::new(
                Source::Probe,
                format!("LIST CLIENT {}", m.target),
                "this host is logged in",
            )),
            Some((false, listed)) if running == Some(true) => {
                broken = true;
                let primary = m.role == Role::Primary;
                out.push(
                    Finding::new(
                        if primary { "shutdown.primary-not-logged-in" } else { "shutdown.not-logged-in" },
                        if primary { Severity::Critical } else { Severity::Warning },
                        format!("upsmon runs but is not logged in to {}", m.target),
                        if primary {
                            "upsd lists no login from this host: the primary upsmon cannot set FSD for its secondaries, and does not wait for them before the power is cut."
                        } else {
                            "upsd lists no login from this host: the primary does not count this host and will not wait for it before the power is cut."
                        },
                        "Read upsmon's log (`journalctl -u nut-monitor`) for `Login on UPS [..] failed`; fix the MONITOR credentials or the server's upsd.users, then restart nut-monitor.",
                    )
                    .about(m.target.to_string())
                    .with(cfg("upsmon.conf", m.line, format!("MONITOR {} … {}", m.target, m.role.as_str())))
                    .with(Evidence::new(Source::Probe, format!("LIST CLIENT {}", m.target), if listed.is_empty() { "(nobody)".to_string() } else { listed.join(", ") })),
                );
            }
            Some((false, _)) => {}
            None => unverified.push(format!(
                "whether upsmon is logged in to {} (LIST CLIENT not read)",
                m.target
            )),
        }
    }
    if !broken && !unverified.is_empty() && !out.iter().any(|f| f.severity >= Severity::Warning) {
        let mut f = Finding::new(
            "shutdown.unverified",
            Severity::Info,
            "the shutdown chain looks right on paper, but could not be checked live",
            "A verdict of ok needs every link seen to hold now; these were not seen.",
            "Run the diagnosis as root on this host, with the servers reachable.",
        );
        f.evidence = chain.clone();
        for u in &unverified {
            f = f.with(Evidence::new(Source::Derived, "not checked", u.clone()));
        }
        out.push(f);
    }
    if !broken && unverified.is_empty() && !out.iter().any(|f| f.severity >= Severity::Warning) {
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

/// SHUTDOWNCMD's own shape, whatever the MODE (a file check): `shutdown` without a time.
pub fn shutdowncmd(c: &HostConfig) -> Vec<Finding> {
    let Some(words) = c.upsmon.as_ref().and_then(|u| u.shutdowncmd.as_ref()) else {
        return Vec::new();
    };
    let cmd = words.join(" ");
    if !shutdown_without_time(&cmd) {
        return Vec::new();
    }
    vec![Finding::new(
        "config.shutdowncmd-no-time",
        Severity::Warning,
        format!("SHUTDOWNCMD `{cmd}` gives shutdown no time"),
        "Without a time argument `shutdown` schedules the halt one minute later: on a UPS at low battery that minute may be more than it has (nut#3230).",
        "Give it a time: `SHUTDOWNCMD \"/sbin/shutdown -h +0\"` (or `now`).",
    )
    .with(cfg("upsmon.conf", 0, format!("SHUTDOWNCMD {cmd}")))]
}

/// Whether a SHUTDOWNCMD runs `shutdown` with no time argument (`now`, `+N`, `hh:mm`): it then waits
/// its default minute (nut#3230, and the guide of techno-tim.github.io#185).
fn shutdown_without_time(cmd: &str) -> bool {
    let mut words = cmd.split_whitespace();
    let Some(prog) = words.next() else {
        return false;
    };
    if prog.rsplit('/').next() != Some("shutdown") {
        return false;
    }
    !words.any(|w| {
        w == "now"
            || (w.starts_with('+') && w[1..].bytes().all(|b| b.is_ascii_digit()))
            || (w.contains(':') && w.bytes().all(|b| b.is_ascii_digit() || b == b':'))
    })
}

/// Whether this host is among LIST CLIENT's logged-in addresses of `m`'s UPS now, with the list;
/// `None` when that list was not read.
fn logged_in(facts: &Facts, c: &HostConfig, m: &MonitorFact) -> Option<(bool, Vec<String>)> {
    let local = is_local(c, m);
    let fact = facts.clients.iter().find(|f| {
        f.target.ups == m.target.ups
            && (f.target == m.target
                || (local && f.target.host_kind() == HostKind::Loopback)
                || f.target.host.eq_ignore_ascii_case(&m.target.host))
    })?;
    let here = facts.server_is_here(&m.target, local);
    let seen = fact.clients.iter().any(|a| facts.is_own_login(here, a));
    Some((seen, fact.clients.clone()))
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

#[cfg(test)]
mod tests {
    use super::shutdown_without_time;

    #[test]
    fn shutdown_time_argument() {
        assert!(shutdown_without_time("/sbin/shutdown -h"));
        assert!(!shutdown_without_time("/sbin/shutdown -h +0"));
        assert!(!shutdown_without_time("/sbin/shutdown -h now"));
        assert!(!shutdown_without_time("shutdown -h 23:30"));
        assert!(!shutdown_without_time("/sbin/poweroff"));
        assert!(!shutdown_without_time(""));
    }
}
