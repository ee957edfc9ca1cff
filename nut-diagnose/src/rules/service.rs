//! Unit states that need no configuration to judge: a failed NUT unit, a driver stuck restarting.
//!
//! Whether an *inactive* unit is wrong depends on the host's role (nut.conf MODE): see
//! [`super::config::mode`].

use crate::facts::{Facts, ServiceFact, ServiceState};
use crate::finding::{Evidence, Finding, Severity, Source};

fn is_nut_unit(unit: &str) -> bool {
    unit.starts_with("nut-") || unit == "nut.target"
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
                "A driver unit in `activating` is usually in its restart loop (Restart=always, every 15 s): it cannot reach the device.",
                format!("Read `journalctl -u {}`: look for `No matching HID UPS found` or `Can't claim USB device` (cable, USB permissions, another driver holding it).", s.unit),
            )
            .about(s.unit.clone())
            .with(ev),
        ),
        _ => None,
    }
}

/// All service rules.
pub fn rules(facts: &Facts) -> Vec<Finding> {
    facts.services.iter().filter_map(service).collect()
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
}
