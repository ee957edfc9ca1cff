//! Shutdown-order practice: HOSTSYNC, FINALDELAY, ups.conf `sdorder`.
use super::*;

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
