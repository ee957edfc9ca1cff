//! Cross-file consistency: MONITOR lines against MODE, upsd.users and ups.conf; LISTEN against the
//! role; MINSUPPLIES against the monitors.

use nut_config::files::nut_conf::Mode;

use super::*;

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
        if mode == Some(Mode::Netclient) && m.role == Role::Primary && !is_local(c, m) {
            out.push(
                Finding::new(
                    "authority.client-as-primary",
                    Severity::Warning,
                    format!("MODE=netclient, but this host's MONITOR says primary for {}", m.target),
                    "The primary is the upsmon on the host that drives the UPS: it sets FSD, waits for the secondaries and has the UPS cut the power last. A client that claims it competes with the server's upsmon for that job and may cut the power while other hosts still run.",
                    "Write `secondary` on this MONITOR line (and give the user `upsmon secondary` in the server's upsd.users); leave `primary` to the server's own upsmon.",
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
