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
