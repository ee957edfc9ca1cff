//! Unit states that need no configuration to judge: a failed NUT unit, a driver stuck restarting.
//!
//! Whether an *inactive* unit is wrong depends on the host's role (nut.conf MODE): see
//! [`super::config::mode`]. A *failed* unit is judged against the MODE's needs
//! ([`crate::knowledge::units`]): critical when the MODE needs it (or the MODE is unknown, except for a unit that fails by design
//! on a client: a warning that waits for the MODE), a warning
//! when it is optional or unwanted, and info with how to silence it when it fails by design
//! (nut-driver-enumerator on a netclient without ups.conf, nut#2574).

use nut_config::files::nut_conf::Mode;

use crate::facts::{Facts, ServiceFact, ServiceState};
use crate::finding::{Evidence, Finding, Severity, Source};
use crate::knowledge::units::{self, UnitNeed};

fn is_nut_unit(unit: &str) -> bool {
    unit.starts_with("nut-") || unit == "nut.target"
}

/// A failed unit against what `mode` needs of it; `None` when the MODE is unknown or the failure
/// is serious (then [`service`] says so).
pub fn failed_in_mode(s: &ServiceFact, mode: Mode) -> Option<Finding> {
    if s.state != ServiceState::Failed {
        return None;
    }
    let need = units::need(mode, &s.unit)?;
    let row = units::row(&s.unit)?;
    let ev = Evidence::new(Source::Service, s.unit.clone(), "failed");
    let mode_ev = Evidence::new(
        Source::Config,
        "nut.conf",
        format!("MODE={}", mode.as_str()),
    );
    match need {
        UnitNeed::Required => None,
        UnitNeed::FailsHarmlessly => Some(
            Finding::new(
                "service.failed-harmless",
                Severity::Info,
                format!("{} failed, which is harmless with MODE={}", s.unit, mode.as_str()),
                format!("This unit {}; with MODE={} nothing depends on it.", row.role, mode.as_str()),
                format!("To silence it: {}.", row.silence),
            )
            .about(s.unit.clone())
            .with(mode_ev)
            .with(ev),
        ),
        UnitNeed::Optional | UnitNeed::Unwanted => Some(
            Finding::new(
                "service.failed-unneeded",
                Severity::Warning,
                format!("{} failed (MODE={} does not need it)", s.unit, mode.as_str()),
                format!("This unit {}; the protection does not depend on it here, but a failed unit hides real failures in `systemctl --failed`.", row.role),
                format!("Read `journalctl -u {}`; if the host does not need it, `systemctl disable {}` and `systemctl reset-failed {}`.", s.unit, s.unit, s.unit),
            )
            .about(s.unit.clone())
            .with(mode_ev)
            .with(ev),
        ),
    }
}

/// One finding per failed NUT unit (critical) or driver stuck activating (warning).
pub fn service(s: &ServiceFact) -> Option<Finding> {
    if !is_nut_unit(&s.unit) {
        return None;
    }
    let ev = Evidence::new(
        Source::Service,
        s.unit.clone(),
        format!("{:?}", s.state).to_lowercase(),
    );
    let what = if s.unit.starts_with("nut-driver@") {
        "the driver for this UPS is not running: upsd answers DRIVER-NOT-CONNECTED and every client loses the UPS"
    } else if s.unit.starts_with("nut-server") {
        "upsd is not running: no client (upsmon, upsc) can read any UPS from this host"
    } else if s.unit.starts_with("nut-monitor") {
        "upsmon is not running: this host will not shut down when the battery runs out"
    } else {
        "a NUT unit is not running"
    };
    match s.state {
        ServiceState::Failed => Some(
            Finding::new(
                "service.failed",
                Severity::Critical,
                format!("{} failed", s.unit),
                format!("The unit stopped with an error; {what}."),
                format!("Read `journalctl -u {}` for the error, fix it, then `systemctl restart {}`.", s.unit, s.unit),
            )
            .about(s.unit.clone())
            .with(ev),
        ),
        ServiceState::Activating if s.unit.starts_with("nut-driver@") => Some(
            Finding::new(
                "service.restarting",
                Severity::Warning,
                format!("{} is (re)starting", s.unit),
                "A driver unit in `activating` is usually in its restart loop (Restart=always, every 15 s): it cannot open the device.",
                format!("Read `journalctl -u {}`: the driver's last lines before `Driver failed to start` name the cause (`Can't open <port>`: the port or device file in ups.conf does not exist; `No matching HID UPS found` or `Can't claim USB device`: cable, USB permissions, another driver holding it).", s.unit),
            )
            .about(s.unit.clone())
            .with(ev),
        ),
        _ => None,
    }
}

/// A failed unit while the MODE is unknown (nut.conf unreadable or absent): a unit that some role
/// fails by design in some role is a warning that says the judgment waits for the MODE, never a
/// critical headline (a normal user's `doctor` on a netclient saw "CRITICAL:
/// nut-driver-enumerator.service failed"). `None` otherwise ([`service`] then says critical).
pub fn failed_mode_unknown(s: &ServiceFact) -> Option<Finding> {
    if s.state != ServiceState::Failed {
        return None;
    }
    if units::need(Mode::Netclient, &s.unit) != Some(UnitNeed::FailsHarmlessly) {
        return None;
    }
    let row = units::row(&s.unit)?;
    Some(
        Finding::new(
            "service.failed-mode-unknown",
            Severity::Warning,
            format!("{} failed; whether that matters depends on the MODE, which is not known", s.unit),
            format!("This unit {}; on a host that drives no UPS it fails by design and is harmless, on a server it matters, and nut.conf's MODE could not be read.", row.role),
            format!("Run the diagnosis as root (or read nut.conf) to judge it; meanwhile `journalctl -u {}` shows why it failed.", s.unit),
        )
        .about(s.unit.clone())
        .with(Evidence::new(Source::Service, s.unit.clone(), "failed")),
    )
}

/// All service rules, MODE-aware when nut.conf was read.
pub fn rules(facts: &Facts) -> Vec<Finding> {
    let mode = facts.config.as_ref().and_then(|c| c.mode());
    facts
        .services
        .iter()
        .filter_map(|s| match mode {
            Some(m) => failed_in_mode(s, m).or_else(|| service(s)),
            None => failed_mode_unknown(s).or_else(|| service(s)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(unit: &str, state: ServiceState) -> Option<(String, Severity)> {
        service(&ServiceFact::new(unit, state)).map(|f| (f.id.to_string(), f.severity))
    }

    #[test]
    fn failed_and_restarting_units() {
        assert_eq!(
            check("nut-monitor.service", ServiceState::Failed),
            Some(("service.failed".into(), Severity::Critical))
        );
        assert_eq!(
            check("nut-driver@ups.service", ServiceState::Activating),
            Some(("service.restarting".into(), Severity::Warning))
        );
        assert_eq!(check("nut-server.service", ServiceState::Activating), None);
        assert_eq!(check("nut-server.service", ServiceState::Active), None);
        assert_eq!(
            check("nut-server.service", ServiceState::Inactive),
            None,
            "depends on MODE: rules::config"
        );
        assert_eq!(check("sshd.service", ServiceState::Failed), None);
    }

    #[test]
    fn failures_judged_by_mode() {
        let enumerator = ServiceFact::new("nut-driver-enumerator.service", ServiceState::Failed);
        let f = failed_in_mode(&enumerator, Mode::Netclient).unwrap_or_else(|| panic!("finding"));
        assert_eq!(
            (f.id.as_ref(), f.severity),
            ("service.failed-harmless", Severity::Info)
        );
        assert!(f.action.contains("systemctl disable"), "{}", f.action);
        let on_server =
            failed_in_mode(&enumerator, Mode::Netserver).unwrap_or_else(|| panic!("finding"));
        assert_eq!(on_server.severity, Severity::Warning);
        let upsd = ServiceFact::new("nut-server.service", ServiceState::Failed);
        assert!(
            failed_in_mode(&upsd, Mode::Netserver).is_none(),
            "needed: service() says critical"
        );
        assert_eq!(
            failed_in_mode(&upsd, Mode::Netclient).map(|f| f.severity),
            Some(Severity::Warning)
        );
        let active = ServiceFact::new("nut-driver-enumerator.service", ServiceState::Active);
        assert!(failed_in_mode(&active, Mode::Netclient).is_none());
    }

    #[test]
    fn failures_with_the_mode_unknown() {
        let enumerator = ServiceFact::new("nut-driver-enumerator.service", ServiceState::Failed);
        let f = failed_mode_unknown(&enumerator).unwrap_or_else(|| panic!("finding"));
        assert_eq!(
            (f.id.as_ref(), f.severity),
            ("service.failed-mode-unknown", Severity::Warning)
        );
        let mut facts = Facts::default();
        facts.services.push(enumerator);
        facts.services.push(ServiceFact::new(
            "nut-monitor.service",
            ServiceState::Failed,
        ));
        let found: Vec<(String, Severity)> = rules(&facts)
            .into_iter()
            .map(|f| (f.id.to_string(), f.severity))
            .collect();
        assert_eq!(
            found,
            [
                ("service.failed-mode-unknown".to_string(), Severity::Warning),
                ("service.failed".to_string(), Severity::Critical)
            ],
            "upsmon is needed whatever the role"
        );
    }
}
