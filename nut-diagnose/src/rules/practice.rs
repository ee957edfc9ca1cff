//! Best practices that need only a snapshot or a target: a server named by a bare IP address, load above
//! half the rating, no battery test on record or an old one, an old battery.
//!
//! (The shutdown-order practice reads the configs: [`super::config::order`].)

use std::collections::BTreeMap;

use nut_proto::{HostKind, Target};

use crate::facts::{Facts, Snapshot};
use crate::finding::{Evidence, Finding, Severity, Source};
use crate::knowledge::{Level, Thresholds};
use crate::logs::parse_ymd;

/// Every target the facts mention (probes, snapshots, UPS names in logs), by host.
fn targets(facts: &Facts) -> BTreeMap<String, Vec<(String, &'static str)>> {
    let mut hosts: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    let mut add = |t: &Target, from: &'static str| {
        let seen = hosts.entry(t.host.clone()).or_default();
        let name = t.to_string();
        if !seen.iter().any(|(n, _)| *n == name) {
            seen.push((name, from));
        }
    };
    for p in &facts.probes {
        add(&p.target, "probe");
    }
    for s in &facts.snapshots {
        add(&s.target, "snapshot");
    }
    for ev in &facts.logs {
        if let Some(t) = ev.ups.as_deref().and_then(|u| Target::parse(u).ok()) {
            add(&t, "log");
        }
    }
    hosts
}

/// A NUT server named by a bare IPv4/IPv6 address: when DHCP hands it another address, every client
/// loses it (and says "No route to host" or "Connection refused").
pub fn bare_ip(facts: &Facts) -> Vec<Finding> {
    targets(facts)
        .into_iter()
        .filter(|(host, _)| matches!(nut_proto::target::host_kind(host), HostKind::Ipv4 | HostKind::Ipv6))
        .map(|(host, seen)| {
            let mut f = Finding::new(
                "practice.bare-ip",
                Severity::Info,
                format!("NUT server given as a bare IP address ({host})"),
                "If the server gets its address by DHCP, a new lease silently breaks every client that names it by address.",
                "Give the server a DHCP reservation (a fixed lease) or a stable DNS name, and use that name in MONITOR lines and upsc commands.",
            )
            .about(host);
            for (name, from) in seen {
                f = f.with(Evidence::new(Source::Derived, from, name));
            }
            f
        })
        .collect()
}

/// Load above the ideal half of the rating, but not yet at the warning threshold (which the threshold rule
/// reports).
pub fn load_above_half(s: &Snapshot, t: &Thresholds) -> Option<Finding> {
    let v = s.number("ups.load")?.ok()?;
    (t.load.classify_high_is_bad(v) == Level::Acceptable).then(|| {
        Finding::new(
            "practice.load-above-half",
            Severity::Info,
            format!("{}: load {v} % is above the recommended {} %", s.target, t.load.ideal),
            "Above half the rating the runtime on battery drops quickly and there is little headroom for start-up surges; batteries also age faster.",
            "Keep the protected load below half the UPS rating: move non-essential equipment to surge-only outlets.",
        )
        .about(s.target.to_string())
        .with(Evidence::new(Source::Snapshot, "ups.load", s.get("ups.load").unwrap_or_default()))
    })
}

/// Date formats drivers use for `battery.date` / `ups.test.date`: `YYYY-MM-DD`, `YYYY/MM/DD`,
/// `MM/DD/YYYY`, `MM/DD/YY` (20YY). Returns days since the Unix epoch.
pub fn parse_vendor_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(d) = parse_ymd(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => parse_ymd(&format!("{y}-{m:0>2}-{d:0>2}")),
        [m, d, y] if y.len() == 4 => parse_ymd(&format!("{y}-{m:0>2}-{d:0>2}")),
        [m, d, y] if y.len() == 2 => parse_ymd(&format!("20{y}-{m:0>2}-{d:0>2}")),
        _ => None,
    }
}

fn age_days(date: &str, now: Option<i64>) -> Option<i64> {
    let d = parse_vendor_date(date)?;
    Some(now?.div_euclid(86_400) - d)
}

/// The last self-test: none on record, failed, or older than `test_age_days`.
pub fn battery_test(s: &Snapshot, t: &Thresholds, now: Option<i64>) -> Option<Finding> {
    let subject = s.target.to_string();
    let ev = |name: &str| Evidence::new(Source::Snapshot, name, s.get(name).unwrap_or_default());
    let result = s.get("ups.test.result");
    let lower = result.map(str::to_ascii_lowercase).unwrap_or_default();
    if result.is_none() || lower.contains("no test") {
        let mut f = Finding::new(
            "practice.battery-test.none",
            Severity::Info,
            format!("{subject}: no battery test on record"),
            "Without a self-test nobody knows whether the battery still holds its charge under load; the runtime estimate may be optimistic.",
            "Run a quick battery test (upscmd <ups> test.battery.start.quick) at a quiet time, and schedule one regularly.",
        )
        .about(subject);
        if result.is_some() {
            f = f.with(ev("ups.test.result"));
        }
        return Some(f);
    }
    if ["fail", "error", "warning"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Some(
            Finding::new(
                "practice.battery-test.failed",
                Severity::Warning,
                format!("{subject}: last battery test did not pass"),
                "The UPS's own self-test reported a problem: the battery may not carry the load for the expected time.",
                "Check the battery (and ups.alarm); replace it if a repeated test fails.",
            )
            .about(subject)
            .with(ev("ups.test.result")),
        );
    }
    let date = s.get("ups.test.date")?;
    let age = age_days(date, now)?;
    (age > i64::from(t.test_age_days)).then(|| {
        Finding::new(
            "practice.battery-test.old",
            Severity::Info,
            format!("{subject}: last battery test is {age} days old"),
            "An old test result says little about the battery today.",
            "Run a quick battery test (upscmd <ups> test.battery.start.quick) and schedule them regularly.",
        )
        .about(subject)
        .with(ev("ups.test.result"))
        .with(ev("ups.test.date"))
    })
}

/// A battery installed longer ago than `battery_age_days` (from `battery.date`).
pub fn battery_age(s: &Snapshot, t: &Thresholds, now: Option<i64>) -> Option<Finding> {
    let date = s.get("battery.date")?;
    let age = age_days(date, now)?;
    (age > i64::from(t.battery_age_days)).then(|| {
        Finding::new(
            "practice.battery-old",
            Severity::Warning,
            format!("{}: battery is {:.1} years old", s.target, age as f64 / 365.25),
            "UPS batteries (lead-acid) last about 3–5 years; an old one may fail under load even when the charge reads 100 %.",
            "Test the battery and plan its replacement. If it was replaced and the date never updated, set battery.date (upsrw) so the next check is right.",
        )
        .about(s.target.to_string())
        .with(Evidence::new(Source::Snapshot, "battery.date", date))
    })
}

/// All practice rules.
pub fn rules(facts: &Facts, t: &Thresholds) -> Vec<Finding> {
    let mut out = bare_ip(facts);
    for s in &facts.snapshots {
        out.extend(load_above_half(s, t));
        out.extend(battery_test(s, t, facts.now));
        out.extend(battery_age(s, t, facts.now));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ProbeFact;

    const NOW: i64 = 1_795_706_401; // 2026-11-26

    fn snap(vars: &[(&str, &str)]) -> Snapshot {
        Snapshot::new(Target::new("ups", "nas", 3493), vars.iter().copied())
    }

    #[test]
    fn bare_ip_from_probes_snapshots_and_logs() {
        let mut f = Facts::default();
        f.probes
            .push(ProbeFact::new(Target::new("ups", "192.168.1.10", 3493)));
        f.snapshots.push(Snapshot::new(
            Target::new("ups", "192.168.1.10", 3493),
            [("a", "b")],
        ));
        f.snapshots.push(Snapshot::new(
            Target::new("ups", "nas.lan", 3493),
            [("a", "b")],
        ));
        f.snapshots.push(Snapshot::new(
            Target::new("ups", "127.0.0.1", 3493),
            [("a", "b")],
        ));
        if let Ok(ev) = crate::logs::parse_line(
            b"UPS [x@[fe80::1]:3493]: connect failed: Connection failure: No route to host",
        ) {
            f.logs.push(ev.into_owned());
        }
        let found = bare_ip(&f);
        let hosts: Vec<_> = found
            .iter()
            .map(|f| (f.id.as_ref(), f.subject.as_deref()))
            .collect();
        assert_eq!(
            hosts,
            vec![
                ("practice.bare-ip", Some("192.168.1.10")),
                ("practice.bare-ip", Some("fe80::1"))
            ]
        );
        assert_eq!(
            found[0].evidence.len(),
            1,
            "same target seen twice counts once"
        );
    }

    #[test]
    fn load_above_half_only_between_ideal_and_warning() {
        let t = Thresholds::default();
        assert_eq!(
            load_above_half(&snap(&[("ups.load", "62")]), &t).map(|f| f.severity),
            Some(Severity::Info)
        );
        assert!(load_above_half(&snap(&[("ups.load", "40")]), &t).is_none());
        assert!(
            load_above_half(&snap(&[("ups.load", "80")]), &t).is_none(),
            "the threshold rule warns"
        );
        assert!(load_above_half(&snap(&[]), &t).is_none());
    }

    #[test]
    fn battery_tests() {
        let t = Thresholds::default();
        let id = |vars: &[(&str, &str)]| {
            battery_test(&snap(vars), &t, Some(NOW)).map(|f| (f.id.to_string(), f.severity))
        };
        assert_eq!(
            id(&[]),
            Some(("practice.battery-test.none".into(), Severity::Info))
        );
        assert_eq!(
            id(&[("ups.test.result", "No test initiated")]),
            Some(("practice.battery-test.none".into(), Severity::Info))
        );
        assert_eq!(
            id(&[("ups.test.result", "Done and error")]),
            Some(("practice.battery-test.failed".into(), Severity::Warning))
        );
        assert_eq!(
            id(&[("ups.test.result", "Done and warning")]),
            Some(("practice.battery-test.failed".into(), Severity::Warning))
        );
        assert_eq!(id(&[("ups.test.result", "Done and passed")]), None);
        assert_eq!(
            id(&[
                ("ups.test.result", "Done and passed"),
                ("ups.test.date", "2024-01-10")
            ]),
            Some(("practice.battery-test.old".into(), Severity::Info))
        );
        assert_eq!(
            id(&[
                ("ups.test.result", "Done and passed"),
                ("ups.test.date", "2026-11-01")
            ]),
            None
        );
    }

    #[test]
    fn battery_age_from_vendor_dates() {
        let t = Thresholds::default();
        let old = |d: &str| {
            battery_age(&snap(&[("battery.date", d)]), &t, Some(NOW)).map(|f| f.id.to_string())
        };
        assert_eq!(old("2020-05-01"), Some("practice.battery-old".into()));
        assert_eq!(old("2001/09/25"), Some("practice.battery-old".into()));
        assert_eq!(
            old("10/17/96"),
            None,
            "96 reads as 2096: in the future, not old"
        );
        assert_eq!(old("05/01/2019"), Some("practice.battery-old".into()));
        assert_eq!(old("2025-06-01"), None);
        assert_eq!(old("not a date"), None);
        assert!(
            battery_age(&snap(&[("battery.date", "2020-05-01")]), &t, None).is_none(),
            "no clock, no age"
        );
    }

    #[test]
    fn vendor_dates() {
        assert_eq!(parse_vendor_date("2024/2/3"), parse_ymd("2024-02-03"));
        assert_eq!(parse_vendor_date("2/3/24"), parse_ymd("2024-02-03"));
        assert_eq!(parse_vendor_date("13/45/2024"), None);
    }
}
