//! upssched.conf timers. The check names the real thread it came from (tests/real-world/config/).

use super::*;

/// A timer that is started but never cancelled (techno-tim.github.io#185, a guide copied by many):
/// `AT ONBATT * START-TIMER earlyshutdown 30` without `AT ONLINE * CANCEL-TIMER earlyshutdown`, so a
/// one-second outage leaves it running and its command fires after the power is back.
pub fn upssched(c: &HostConfig) -> Vec<Finding> {
    let Some(timers) = &c.timers else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for t in timers.iter().filter(|t| t.kind == "start") {
        if seen.contains(&t.name.as_str()) {
            continue;
        }
        seen.push(&t.name);
        if !timers
            .iter()
            .any(|x| x.kind == "cancel" && x.name == t.name)
        {
            out.push(
                Finding::new(
                    "config.upssched-timer-never-cancelled",
                    Severity::Warning,
                    format!("upssched timer `{}` is started on {} but never cancelled", t.name, t.event),
                    "Once started, the timer runs to its end even if the condition is over (power back after a second): its command then runs anyway, e.g. shuts the host down on mains power.",
                    format!("Add the opposite event, e.g. `AT ONLINE * CANCEL-TIMER {}`, to upssched.conf.", t.name),
                )
                .about(t.name.clone())
                .with(cfg("upssched.conf", t.line, format!("AT {} * START-TIMER {}", t.event, t.name))),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TimerFact;

    fn t(name: &str, event: &str, kind: &str) -> TimerFact {
        TimerFact {
            name: name.into(),
            event: event.into(),
            kind: kind.into(),
            line: 1,
        }
    }

    #[test]
    fn started_timers_need_a_cancel() {
        let mut c = HostConfig {
            timers: Some(vec![
                t("onbatt", "ONBATT", "start"),
                t("onbatt", "ONLINE", "cancel"),
                t("early", "ONBATT", "start"),
            ]),
            ..HostConfig::default()
        };
        let f = upssched(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].id.as_ref(), f[0].subject.as_deref()),
            ("config.upssched-timer-never-cancelled", Some("early"))
        );
        c.timers = None;
        assert!(upssched(&c).is_empty(), "not read: silent");
    }
}
