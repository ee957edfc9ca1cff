//! Status and thresholds on a snapshot: what `ups.status` says, and where load, runtime and charge stand
//! against the threshold table. A missing variable is reported as *unknown*, never as ok. Temperatures
//! and the input voltage are judged when the UPS reports them (the voltage: with its nominal value);
//! many UPSes report neither, so their absence is no finding (and no "ok" either).

use crate::facts::Snapshot;
use crate::finding::{Evidence, Finding, Severity, Source};
use crate::knowledge::status::{self, StatusToken};
use crate::knowledge::{Level, Thresholds};

fn var(name: &str, value: &str) -> Evidence {
    Evidence::new(Source::Snapshot, name, value)
}

fn token_finding(t: &StatusToken, s: &Snapshot, raw: &str) -> Finding {
    Finding::new(
        t.id,
        t.severity,
        format!("{}: {}", s.target, t.title),
        t.meaning,
        t.action,
    )
    .about(s.target.to_string())
    .with(var("ups.status", raw))
}

/// `ups.status` → findings: one per token that needs attention, a combined critical finding for
/// `OB`+`LB` (unless `CAL`), one for unknown tokens, and `status.online` (ok) when nothing needs attention.
pub fn status(s: &Snapshot) -> Vec<Finding> {
    let subject = s.target.to_string();
    let Some(raw) = s.get("ups.status") else {
        return vec![Finding::new(
            "status.unknown",
            Severity::Warning,
            format!("{subject}: status unknown"),
            "The snapshot has no ups.status: nothing can be said about power, and unknown is not ok.",
            "Read the UPS again (upsc <ups>@<host> ups.status); if the variable stays missing, check the driver.",
        )
        .about(subject)];
    };
    let tokens: Vec<String> = raw
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    if tokens.is_empty() {
        return vec![Finding::new(
            "status.empty",
            Severity::Warning,
            format!("{subject}: empty status"),
            "ups.status is empty; upsmon treats this like a UPS it cannot reach.",
            "Check the driver: it is connected but reports no status.",
        )
        .about(subject)
        .with(var("ups.status", raw))];
    }
    let has = |t: &str| tokens.iter().any(|x| x == t);
    let mut out = Vec::new();
    let on_battery_low = has("OB") && has("LB") && !has("CAL");
    if on_battery_low {
        out.push(
            Finding::new(
                "status.on-battery-low",
                Severity::Critical,
                format!("{subject}: on battery with low battery"),
                "Mains is gone and the battery is at its low limit: upsmon treats this as critical and shuts the protected hosts down now.",
                "Let the shutdown proceed; make sure every host monitoring this UPS shuts down before the battery is empty.",
            )
            .about(subject.clone())
            .with(var("ups.status", raw)),
        );
    }
    let mut unknown = Vec::new();
    let mut worst = Severity::Ok;
    for tok in &tokens {
        match status::lookup(tok) {
            Some(t) => {
                worst = worst.max(t.severity);
                let folded = on_battery_low && (t.token == "OB" || t.token == "LB");
                if t.severity > Severity::Ok && !folded {
                    out.push(token_finding(t, s, raw));
                }
            }
            None => unknown.push(tok.as_str()),
        }
    }
    if has("FSD") && has("OL") {
        if let Some(f) = out.iter_mut().find(|f| f.id == "status.fsd") {
            f.evidence.push(Evidence::new(
                Source::Derived,
                "FSD with OL",
                "forced shutdown while on line power: usually a flag latched in upsd by an earlier shutdown or test",
            ));
        }
    }
    if !unknown.is_empty() {
        out.push(
            Finding::new(
                "status.unknown-token",
                Severity::Info,
                format!("{subject}: unknown status token(s) {}", unknown.join(" ")),
                "The driver reports status tokens outside NUT's standard list; upsmon reports them as OTHER and does not act on them.",
                "Look the tokens up in the driver's documentation.",
            )
            .about(subject.clone())
            .with(var("ups.status", raw)),
        );
    }
    if worst <= Severity::Ok && unknown.is_empty() && has("OL") {
        if let Some(ol) = status::lookup("OL") {
            out.push(token_finding(ol, s, raw));
        }
    }
    out
}

/// Which metric, for ids and wording.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Metric {
    Load,
    Runtime,
    Charge,
    UpsTemperature,
    BatteryTemperature,
    InputVoltage,
}

impl Metric {
    /// The quick view's order: charge, runtime, load.
    pub(crate) const QUICK_VIEW: [Metric; 3] = [Metric::Charge, Metric::Runtime, Metric::Load];

    /// Judged only when reported, after the quick view's three.
    pub(crate) const WHEN_REPORTED: [Metric; 3] = [
        Metric::UpsTemperature,
        Metric::BatteryTemperature,
        Metric::InputVoltage,
    ];

    pub(crate) fn var(self) -> &'static str {
        match self {
            Metric::Load => "ups.load",
            Metric::Runtime => "battery.runtime",
            Metric::Charge => "battery.charge",
            Metric::UpsTemperature => "ups.temperature",
            Metric::BatteryTemperature => "battery.temperature",
            Metric::InputVoltage => "input.voltage",
        }
    }

    fn id(self, level: Option<Level>) -> &'static str {
        use Level::*;
        match (self, level) {
            (Metric::Load, None) => "threshold.load.unknown",
            (Metric::Load, Some(Ideal)) => "threshold.load.ok",
            (Metric::Load, Some(Acceptable)) => "threshold.load.acceptable",
            (Metric::Load, Some(Warning)) => "threshold.load.warning",
            (Metric::Load, Some(Critical)) => "threshold.load.critical",
            (Metric::Runtime, None) => "threshold.runtime.unknown",
            (Metric::Runtime, Some(Ideal)) => "threshold.runtime.ok",
            (Metric::Runtime, Some(Acceptable)) => "threshold.runtime.acceptable",
            (Metric::Runtime, Some(Warning)) => "threshold.runtime.warning",
            (Metric::Runtime, Some(Critical)) => "threshold.runtime.critical",
            (Metric::Charge, None) => "threshold.charge.unknown",
            (Metric::Charge, Some(Ideal)) => "threshold.charge.ok",
            (Metric::Charge, Some(Acceptable)) => "threshold.charge.acceptable",
            (Metric::Charge, Some(Warning)) => "threshold.charge.warning",
            (Metric::Charge, Some(Critical)) => "threshold.charge.critical",
            (Metric::UpsTemperature | Metric::BatteryTemperature, None) => {
                "threshold.temperature.unknown"
            }
            (Metric::UpsTemperature | Metric::BatteryTemperature, Some(Ideal)) => {
                "threshold.temperature.ok"
            }
            (Metric::UpsTemperature | Metric::BatteryTemperature, Some(Acceptable)) => {
                "threshold.temperature.acceptable"
            }
            (Metric::UpsTemperature | Metric::BatteryTemperature, Some(Warning)) => {
                "threshold.temperature.warning"
            }
            (Metric::UpsTemperature | Metric::BatteryTemperature, Some(Critical)) => {
                "threshold.temperature.critical"
            }
            (Metric::InputVoltage, None) => "threshold.input-voltage.unknown",
            (Metric::InputVoltage, Some(Ideal)) => "threshold.input-voltage.ok",
            (Metric::InputVoltage, Some(Acceptable)) => "threshold.input-voltage.acceptable",
            (Metric::InputVoltage, Some(Warning)) => "threshold.input-voltage.warning",
            (Metric::InputVoltage, Some(Critical)) => "threshold.input-voltage.critical",
        }
    }

    fn show(self, v: f64) -> String {
        match self {
            Metric::Runtime => format!("{v} s ({:.1} min)", v / 60.0),
            Metric::UpsTemperature | Metric::BatteryTemperature => format!("{v} °C"),
            Metric::InputVoltage => format!("{v} V"),
            _ => format!("{v} %"),
        }
    }

    fn texts(self, level: Level) -> (&'static str, &'static str) {
        match (self, level) {
            (_, Level::Ideal) => ("Within the ideal range.", ""),
            (Metric::Load, Level::Acceptable) => (
                "Load is above the ideal 50 %: runtime on battery is shorter and the UPS has less headroom for start-up surges.",
                "Keep the load below half of the UPS rating: move non-essential equipment to plain outlets.",
            ),
            (Metric::Load, _) => (
                "The UPS carries a high share of its capacity: runtime on battery is short, and a surge can overload it.",
                "Reduce the load (move equipment to another UPS or circuit) or use a larger UPS.",
            ),
            (Metric::Runtime, _) => (
                "The estimated runtime on battery leaves little time for the hosts to shut down cleanly.",
                "Reduce the load, let the battery charge, and replace it if the runtime stays short at full charge.",
            ),
            (Metric::Charge, _) => (
                "The battery charge is low: if mains fails now the runtime will be short.",
                "Let it charge; if the charge stays low on line power, test and replace the battery.",
            ),
            (Metric::UpsTemperature | Metric::BatteryTemperature, _) => (
                "Warm: lead-acid batteries are rated at 25 °C and their life shortens quickly above it (about half for every 8-10 °C).",
                "Cool the room or cabinet, keep the UPS's vents free, and check the battery more often.",
            ),
            (Metric::InputVoltage, _) => (
                "The input voltage is away from its nominal value: the UPS trims, boosts or goes to battery more often, which wears the battery.",
                "Have the supply checked; if the voltage is normal for the site, adjust the UPS's transfer points or sensitivity.",
            ),
        }
    }
}

pub(crate) fn metric(s: &Snapshot, m: Metric, t: &Thresholds) -> Option<Finding> {
    let subject = s.target.to_string();
    let name = m.var();
    if Metric::WHEN_REPORTED.contains(&m) && s.get(name).is_none() {
        return None;
    }
    // The input voltage is judged by its deviation from the nominal value, when that is known.
    let nominal = match (m, s.number("input.voltage.nominal")) {
        (Metric::InputVoltage, Some(Ok(n))) if n > 0.0 => Some(n),
        (Metric::InputVoltage, _) => return None,
        _ => None,
    };
    let value = match s.number(name) {
        None => return Some(
            Finding::new(
                m.id(None),
                Severity::Info,
                format!("{subject}: {name} unknown"),
                "The UPS does not report this variable, so it cannot be judged; unknown is not ok.",
                "",
            )
            .about(subject),
        ),
        Some(Err(raw)) => {
            return Some(
                Finding::new(
                    m.id(None),
                    Severity::Info,
                    format!("{subject}: {name} is not a number"),
                    "The value is not a NUT number, so it cannot be judged.",
                    "Check the driver version; report the value to the driver's maintainers.",
                )
                .about(subject)
                .with(var(name, raw)),
            )
        }
        Some(Ok(v)) => v,
    };
    let level = match m {
        Metric::Load => t.load.classify_high_is_bad(value),
        Metric::Runtime => t.runtime.classify_low_is_bad(value),
        Metric::Charge => t.charge.classify_low_is_bad(value),
        Metric::UpsTemperature | Metric::BatteryTemperature => {
            t.temperature.classify_high_is_bad(value)
        }
        Metric::InputVoltage => {
            let dev = nominal.and_then(|n| Thresholds::input_voltage_deviation(value, n))?;
            t.input_voltage.classify_high_is_bad(dev)
        }
    };
    // Load between ideal and warning is a best-practice matter: practice.load-above-half says it.
    if matches!((m, level), (Metric::Load, Level::Acceptable)) {
        return None;
    }
    let (mut meaning, action) = m.texts(level);
    // The status table: a low battery on line power is not critical (`LB` alone while `OL` is not),
    // it is recharging after an outage; so a charge past the critical limit on line power is a
    // warning, and says why. On battery, or with the power source unknown, it stays critical.
    let has = |t: &str| {
        s.get("ups.status")
            .is_some_and(|st| st.split_whitespace().any(|w| w.eq_ignore_ascii_case(t)))
    };
    let on_line = has("OL") && !has("OB");
    // Likewise an input voltage off its nominal value on battery is the outage itself, which
    // status.on-battery judges (a warning): it is no more than a warning here either.
    let level = if matches!((m, level), (Metric::Charge, Level::Critical)) && on_line {
        meaning = "The battery charge is low on line power: normal for a while after an outage, while it recharges; if mains fails now the runtime will be short.";
        Level::Warning
    } else if matches!((m, level), (Metric::InputVoltage, Level::Critical)) && has("OB") {
        meaning = "The input voltage is far from its nominal value while the UPS is on battery: this is the outage (or the out-of-range supply) that put it there.";
        Level::Warning
    } else {
        level
    };
    let raw = s.get(name).unwrap_or_default();
    let shown = match nominal {
        Some(n) => format!(
            "{} ({:+.1} % of nominal {n} V)",
            m.show(value),
            (value - n) / n * 100.0
        ),
        None => m.show(value),
    };
    let f = Finding::new(
        m.id(Some(level)),
        level.severity(),
        format!("{subject}: {name} {shown} ({})", level.as_str()),
        meaning,
        action,
    )
    .about(subject)
    .with(var(name, raw));
    Some(match (nominal, s.get("input.voltage.nominal")) {
        (Some(_), Some(n)) => f.with(var("input.voltage.nominal", n)),
        _ => f,
    })
}

/// Load, runtime and charge against the thresholds (one finding each, `…unknown` when absent), then
/// the temperatures and the input voltage the UPS reports.
pub fn thresholds(s: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    [Metric::Load, Metric::Runtime, Metric::Charge]
        .into_iter()
        .chain(Metric::WHEN_REPORTED)
        .filter_map(|m| metric(s, m, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_proto::Target;

    fn snap(vars: &[(&str, &str)]) -> Snapshot {
        Snapshot::new(Target::new("ups", "nas", 3493), vars.iter().copied())
    }

    fn ids(f: &[Finding]) -> Vec<(&str, Severity)> {
        f.iter().map(|f| (f.id.as_ref(), f.severity)).collect()
    }

    #[test]
    fn online_charging_is_ok() {
        assert_eq!(
            ids(&status(&snap(&[("ups.status", "OL CHRG")]))),
            vec![("status.online", Severity::Ok)]
        );
    }

    #[test]
    fn on_battery_is_a_warning() {
        let f = status(&snap(&[("ups.status", "OB DISCHRG")]));
        assert_eq!(
            ids(&f),
            vec![
                ("status.on-battery", Severity::Warning),
                ("status.discharging", Severity::Info)
            ]
        );
        assert_eq!(f[0].evidence[0].value, "OB DISCHRG");
        assert_eq!(f[0].subject.as_deref(), Some("ups@nas:3493"));
    }

    #[test]
    fn on_battery_low_is_critical_once() {
        assert_eq!(
            ids(&status(&snap(&[("ups.status", "OB LB")]))),
            vec![("status.on-battery-low", Severity::Critical)]
        );
        // During calibration OB LB is not critical.
        assert_eq!(
            ids(&status(&snap(&[("ups.status", "CAL OB LB")]))),
            vec![
                ("status.calibrating", Severity::Warning),
                ("status.on-battery", Severity::Warning),
                ("status.low-battery", Severity::Warning)
            ]
        );
    }

    #[test]
    fn fsd_on_line_power_is_flagged_as_latched() {
        let f = status(&snap(&[("ups.status", "FSD OL CHRG")]));
        assert_eq!(ids(&f), vec![("status.fsd", Severity::Critical)]);
        assert!(f[0].evidence.iter().any(|e| e.subject == "FSD with OL"));
    }

    #[test]
    fn every_warning_token_alone() {
        for (tok, id) in [
            ("RB", "status.replace-battery"),
            ("BYPASS", "status.bypass"),
            ("OVER", "status.overload"),
            ("OFF", "status.off"),
            ("ALARM", "status.alarm"),
        ] {
            let f = status(&snap(&[("ups.status", &format!("OL {tok}"))]));
            assert_eq!(ids(&f), vec![(id, Severity::Warning)], "{tok}");
        }
        let f = status(&snap(&[("ups.status", "OL TRIM")]));
        assert_eq!(ids(&f), vec![("status.trim", Severity::Info)]);
    }

    #[test]
    fn unknown_missing_and_empty_status() {
        assert_eq!(
            ids(&status(&snap(&[("ups.status", "OL OVERHEAT")]))),
            vec![("status.unknown-token", Severity::Info)]
        );
        assert_eq!(
            ids(&status(&snap(&[]))),
            vec![("status.unknown", Severity::Warning)]
        );
        assert_eq!(
            ids(&status(&snap(&[("ups.status", "  ")]))),
            vec![("status.empty", Severity::Warning)]
        );
    }

    #[test]
    fn thresholds_per_level() {
        let t = Thresholds::default();
        let f = thresholds(
            &snap(&[
                ("ups.load", "90"),
                ("battery.runtime", "300"),
                ("battery.charge", "100"),
            ]),
            &t,
        );
        assert_eq!(
            ids(&f),
            vec![
                ("threshold.load.critical", Severity::Critical),
                ("threshold.runtime.warning", Severity::Warning),
                ("threshold.charge.ok", Severity::Ok),
            ]
        );
        let f = thresholds(
            &snap(&[
                ("ups.load", "20"),
                ("battery.runtime", "120"),
                ("battery.charge", "55"),
            ]),
            &t,
        );
        assert_eq!(
            ids(&f),
            vec![
                ("threshold.load.ok", Severity::Ok),
                ("threshold.runtime.critical", Severity::Critical),
                ("threshold.charge.warning", Severity::Warning),
            ]
        );
        let f = thresholds(
            &snap(&[
                ("ups.load", "75"),
                ("battery.runtime", "540"),
                ("battery.charge", "30"),
            ]),
            &t,
        );
        assert_eq!(
            ids(&f),
            vec![
                ("threshold.load.warning", Severity::Warning),
                ("threshold.runtime.acceptable", Severity::Info),
                ("threshold.charge.critical", Severity::Critical),
            ]
        );
    }

    #[test]
    fn low_charge_on_line_power_is_a_warning_that_says_why() {
        let t = Thresholds::default();
        let charge = |status: &str| {
            let f = thresholds(
                &snap(&[("ups.status", status), ("battery.charge", "30")]),
                &t,
            );
            f.into_iter()
                .find(|f| f.id.starts_with("threshold.charge"))
                .unwrap_or_else(|| panic!("no charge finding"))
        };
        let f = charge("OL CHRG");
        assert_eq!(
            (f.id.as_ref(), f.severity),
            ("threshold.charge.warning", Severity::Warning)
        );
        assert!(f.meaning.contains("after an outage"), "{}", f.meaning);
        // On battery the same charge is critical, and the text does not call it normal.
        for st in ["OB DISCHRG", "OL OB"] {
            let f = charge(st);
            assert_eq!(
                (f.id.as_ref(), f.severity),
                ("threshold.charge.critical", Severity::Critical)
            );
            assert!(!f.meaning.contains("normal"), "{}", f.meaning);
        }
        // 55 % is a warning with or without line power.
        let f = thresholds(&snap(&[("ups.status", "OL"), ("battery.charge", "55")]), &t);
        assert!(f.iter().any(|f| f.id == "threshold.charge.warning"));
    }

    #[test]
    fn missing_or_garbled_is_unknown_not_ok() {
        let t = Thresholds::default();
        let f = thresholds(&snap(&[("ups.load", "n/a")]), &t);
        assert_eq!(
            ids(&f),
            vec![
                ("threshold.load.unknown", Severity::Info),
                ("threshold.runtime.unknown", Severity::Info),
                ("threshold.charge.unknown", Severity::Info),
            ]
        );
        assert_eq!(f[0].evidence[0].value, "n/a");
    }

    #[test]
    fn acceptable_load_is_left_to_the_practice_rule() {
        let f = thresholds(&snap(&[("ups.load", "60")]), &Thresholds::default());
        assert!(
            f.iter().all(|f| !f.id.starts_with("threshold.load")),
            "{:?}",
            ids(&f)
        );
    }

    #[test]
    fn temperature_and_input_voltage_when_reported() {
        let t = Thresholds::default();
        let f = thresholds(
            &snap(&[
                ("ups.load", "20"),
                ("battery.runtime", "900"),
                ("battery.charge", "100"),
                ("ups.temperature", "42"),
                ("battery.temperature", "30.5"),
                ("input.voltage", "205"),
                ("input.voltage.nominal", "230"),
            ]),
            &t,
        );
        assert_eq!(
            ids(&f)[3..],
            [
                ("threshold.temperature.critical", Severity::Critical),
                ("threshold.temperature.acceptable", Severity::Info),
                ("threshold.input-voltage.warning", Severity::Warning),
            ]
        );
        assert!(
            f[3].title.contains("ups.temperature 42 °C"),
            "{}",
            f[3].title
        );
        assert!(
            f[5].title.contains("-10.9 % of nominal 230 V"),
            "{}",
            f[5].title
        );
        assert_eq!(f[5].evidence[1].subject, "input.voltage.nominal");
        // Too high is as bad as too low.
        let high = thresholds(
            &snap(&[("input.voltage", "265"), ("input.voltage.nominal", "230")]),
            &t,
        );
        assert!(high
            .iter()
            .any(|f| f.id == "threshold.input-voltage.critical"));
        // On battery, a lost or far-off supply is the outage: a warning that says so, as
        // status.on-battery is.
        for status in ["OB DISCHRG", "OL OB"] {
            let f = thresholds(
                &snap(&[
                    ("ups.status", status),
                    ("input.voltage", "0.0"),
                    ("input.voltage.nominal", "120"),
                ]),
                &t,
            );
            let v = f
                .iter()
                .find(|f| f.id.starts_with("threshold.input-voltage"));
            assert_eq!(
                v.map(|f| (f.id.as_ref(), f.severity)),
                Some(("threshold.input-voltage.warning", Severity::Warning))
            );
            assert!(v.is_some_and(|f| f.meaning.contains("on battery")));
        }
        // Not reported, or no nominal value: not judged (and not called ok).
        for vars in [
            &[][..],
            &[("input.voltage", "230")][..],
            &[("input.voltage", "230"), ("input.voltage.nominal", "n/a")][..],
        ] {
            let f = thresholds(&snap(vars), &t);
            assert_eq!(f.len(), 3, "{:?}", ids(&f));
        }
        // A reported temperature that is no number is unknown.
        let f = thresholds(&snap(&[("ups.temperature", "hot")]), &t);
        assert_eq!(f[3].id, "threshold.temperature.unknown");
    }

    #[test]
    fn user_thresholds_apply() {
        let t = Thresholds::from_json(r#"{"load": {"warning": 55, "critical": 58}}"#)
            .unwrap_or_default();
        let f = thresholds(&snap(&[("ups.load", "57")]), &t);
        assert_eq!(f[0].id, "threshold.load.warning");
    }
}
