//! `nutctl exporter`'s output: a [`FleetSnapshot`] in the Prometheus/OpenMetrics text format
//! (`prometheus-client` builds and encodes the families; nothing here writes the format by hand), and
//! the alerting rules generated from nut-diagnose's status and threshold tables.
//!
//! Two naming schemes ([`Names`]): nutctl's own (`nut_…`, base units: seconds, volts, watts, ratios
//! 0–1), documented in nutctl/README.md, and DRuggeri/nut_exporter's (`network_ups_tools_<var>` with
//! the variable's own unit, `network_ups_tools_ups_status{flag}`, `network_ups_tools_device_info`)
//! for dashboards built on that exporter. Both keep `nut_target_up` and
//! `nut_target_scrape_duration_seconds`, which that exporter has no name for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;

use nut_diagnose::fleet::{FleetSnapshot, TargetSnapshot, UpsSnapshot};
use nut_diagnose::knowledge::status::STATUS_TOKENS;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::Severity;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The Content-Type of [`metrics`]' output.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Which metric names to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Names {
    /// nutctl's scheme (`nut_…`, base units).
    Nutctl,
    /// DRuggeri/nut_exporter's (`network_ups_tools_…`).
    Druggeri,
}

/// What to emit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetricOptions {
    /// The naming scheme.
    pub(crate) names: Names,
    /// Every numeric variable too (`nut_ups_variable{var}`, or every `network_ups_tools_<var>`).
    pub(crate) all_vars: bool,
}

type Labels = Vec<(String, String)>;
type G = Family<Labels, Gauge<f64, AtomicU64>>;

/// Families by name, registered at the end in name order (one `# TYPE` per family).
#[derive(Default)]
struct Families(BTreeMap<String, (String, G)>);

impl Families {
    fn set(&mut self, name: &str, help: &str, labels: Labels, v: f64) {
        let (_, fam) = self
            .0
            .entry(name.to_string())
            .or_insert_with(|| (help.to_string(), G::default()));
        fam.get_or_create(&labels).set(v);
    }

    fn encode(self) -> String {
        let mut reg = Registry::default();
        for (name, (help, fam)) in self.0 {
            reg.register(name, help, fam);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &reg);
        out
    }
}

fn l(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// A NUT variable name as a metric name part: `.` and every other character outside
/// `[a-zA-Z0-9_]` become `_` (DRuggeri's rule for `.` and `-`).
fn metric_part(var: &str) -> String {
    var.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The first of `vars` the UPS reports.
fn first_of<'a>(u: &'a UpsSnapshot, vars: &[&str]) -> &'a str {
    vars.iter().find_map(|v| u.snapshot.get(v)).unwrap_or("")
}

/// Our scheme's per-UPS gauges: variable, metric name, help, divisor to the base unit (100 for a
/// percentage: `57 / 100` is the double nearest 0.57, where `57 * 0.01` is 0.5700000000000001).
const NUTCTL_GAUGES: &[(&str, &str, &str, f64)] = &[
    (
        "battery.charge",
        "nut_battery_charge_ratio",
        "Battery charge (battery.charge), 0-1",
        100.0,
    ),
    (
        "battery.runtime",
        "nut_battery_runtime_seconds",
        "Estimated runtime on battery (battery.runtime)",
        1.0,
    ),
    (
        "ups.load",
        "nut_ups_load_ratio",
        "Load as a share of the UPS's capacity (ups.load), 0-1",
        100.0,
    ),
    (
        "input.voltage",
        "nut_input_voltage_volts",
        "Input voltage (input.voltage)",
        1.0,
    ),
    (
        "output.voltage",
        "nut_output_voltage_volts",
        "Output voltage (output.voltage)",
        1.0,
    ),
    (
        "battery.voltage",
        "nut_battery_voltage_volts",
        "Battery voltage (battery.voltage)",
        1.0,
    ),
    (
        "ups.realpower.nominal",
        "nut_ups_realpower_nominal_watts",
        "Nominal real power (ups.realpower.nominal)",
        1.0,
    ),
    (
        "ups.power.nominal",
        "nut_ups_power_nominal_voltamperes",
        "Nominal apparent power (ups.power.nominal)",
        1.0,
    ),
];

/// DRuggeri/nut_exporter's default `--nut.vars_enable` (ups.status is its flag family), and
/// battery.runtime, which `exporter rules --names druggeri` alerts on.
const DRUGGERI_DEFAULT_VARS: &[&str] = &[
    "battery.charge",
    "battery.runtime",
    "battery.voltage",
    "battery.voltage.nominal",
    "input.voltage",
    "input.voltage.nominal",
    "ups.load",
];

/// DRuggeri/nut_exporter's default `--nut.statuses`: always exported, 0 when not set.
const DRUGGERI_STATUSES: &[&str] = &[
    "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER", "TRIM",
    "BOOST", "FSD", "SD",
];

/// DRuggeri/nut_exporter's `device_info` labels, each from `device.<label>`.
const DRUGGERI_DEVICE_LABELS: &[&str] = &[
    "model",
    "mfr",
    "serial",
    "type",
    "description",
    "contact",
    "location",
    "part",
    "macaddr",
];

const FINDING_HELP: &str =
    "A nutctl doctor finding (id, severity) about a target or a UPS: 1 while it holds";
const STATUS_HELP: &str = "One series per ups.status flag: 1 while the UPS reports it";

/// The exposition of one poll.
pub(crate) fn metrics(snap: &FleetSnapshot, o: MetricOptions) -> String {
    let mut f = Families::default();
    f.set(
        "nut_exporter_scrape_duration_seconds",
        "How long polling every target of this scrape took",
        Vec::new(),
        snap.duration.as_secs_f64(),
    );
    for t in &snap.targets {
        target_metrics(&mut f, t);
        for u in &t.ups {
            match o.names {
                Names::Nutctl => ups_nutctl(&mut f, t, u, o.all_vars),
                Names::Druggeri => ups_druggeri(&mut f, t, u, o.all_vars),
            }
        }
    }
    f.encode()
}

fn target_metrics(f: &mut Families, t: &TargetSnapshot) {
    let lt = l(&[("target", &t.target)]);
    f.set(
        "nut_target_up",
        "Whether the NUT server answered this scrape (1) or not (0)",
        lt.clone(),
        if t.up { 1.0 } else { 0.0 },
    );
    f.set(
        "nut_target_scrape_duration_seconds",
        "How long polling this target took",
        lt,
        t.duration.as_secs_f64(),
    );
    if let Some(fd) = &t.finding {
        f.set(
            "nut_finding",
            FINDING_HELP,
            l(&[
                ("target", &t.target),
                ("ups", ""),
                ("id", &fd.id),
                ("severity", fd.severity.as_str()),
            ]),
            1.0,
        );
    }
}

fn ups_nutctl(f: &mut Families, t: &TargetSnapshot, u: &UpsSnapshot, all_vars: bool) {
    let base = l(&[("target", &t.target), ("ups", &u.name)]);
    f.set(
        "nut_ups_up",
        "Whether the UPS's variables could be read (0: the driver is stale or gone)",
        base.clone(),
        if u.error.is_none() { 1.0 } else { 0.0 },
    );
    if u.error.is_some() {
        return;
    }
    let with = |k: &str, v: &str| {
        let mut x = base.clone();
        x.push((k.to_string(), v.to_string()));
        x
    };
    // One series per known flag (0 or 1), so `== 1` alerts and dashboards see every state; flags
    // outside the table appear as 1 while set.
    for tok in STATUS_TOKENS {
        let on = u.flags.iter().any(|x| x == tok.token);
        f.set(
            "nut_ups_status",
            STATUS_HELP,
            with("flag", tok.token),
            if on { 1.0 } else { 0.0 },
        );
    }
    for flag in &u.flags {
        if !STATUS_TOKENS.iter().any(|t| t.token == flag) {
            f.set("nut_ups_status", STATUS_HELP, with("flag", flag), 1.0);
        }
    }
    for (var, name, help, divisor) in NUTCTL_GAUGES {
        if let Some(v) = u.number(var) {
            f.set(name, help, base.clone(), v / divisor);
        }
    }
    let mut info = base.clone();
    for (label, vars) in [
        ("manufacturer", &["device.mfr", "ups.mfr"][..]),
        ("model", &["device.model", "ups.model"][..]),
        ("serial", &["device.serial", "ups.serial"][..]),
    ] {
        info.push((label.to_string(), first_of(u, vars).to_string()));
    }
    f.set(
        "nut_ups_info",
        "The UPS's manufacturer, model and serial number (device.* or ups.*), value 1",
        info,
        1.0,
    );
    for fd in &u.assessment.findings {
        let mut x = base.clone();
        x.push(("id".into(), fd.id.to_string()));
        x.push(("severity".into(), fd.severity.as_str().into()));
        f.set("nut_finding", FINDING_HELP, x, 1.0);
    }
    f.set(
        "nut_ups_severity",
        "The worst finding about the UPS: 0 ok, 1 info, 2 warning, 3 critical",
        base.clone(),
        severity_number(u.worst()),
    );
    if all_vars {
        for (name, _) in u.snapshot.vars.iter() {
            if let Some(v) = u.number(name) {
                f.set(
                    "nut_ups_variable",
                    "Every numeric NUT variable, as the server sent it (label var)",
                    with("var", name),
                    v,
                );
            }
        }
    }
}

fn severity_number(s: Severity) -> f64 {
    match s {
        Severity::Ok => 0.0,
        Severity::Info => 1.0,
        Severity::Warning => 2.0,
        Severity::Critical => 3.0,
    }
}

fn ups_druggeri(f: &mut Families, t: &TargetSnapshot, u: &UpsSnapshot, all_vars: bool) {
    let base = l(&[("target", &t.target), ("ups", &u.name)]);
    if u.error.is_some() {
        return;
    }
    for (name, _) in u.snapshot.vars.iter() {
        if name == "ups.status" || !(all_vars || DRUGGERI_DEFAULT_VARS.contains(&name.as_str())) {
            continue;
        }
        if let Some(v) = u.number(name) {
            f.set(
                &format!("network_ups_tools_{}", metric_part(name)),
                &format!("NUT variable {name}"),
                base.clone(),
                v,
            );
        }
    }
    if u.snapshot.get("ups.status").is_some() {
        let mut flags: Vec<&str> = u.flags.iter().map(String::as_str).collect();
        for s in DRUGGERI_STATUSES {
            if !flags.contains(s) {
                flags.push(s);
            }
        }
        for flag in flags {
            let mut x = base.clone();
            x.push(("flag".into(), flag.into()));
            let on = u.flags.iter().any(|x| x == flag);
            f.set(
                "network_ups_tools_ups_status",
                "UPS status flags (ups.status): 1 while set",
                x,
                if on { 1.0 } else { 0.0 },
            );
        }
    }
    let mut info = base;
    for label in DRUGGERI_DEVICE_LABELS {
        let v = u.snapshot.get(&format!("device.{label}")).unwrap_or("");
        info.push(((*label).to_string(), v.to_string()));
    }
    f.set(
        "network_ups_tools_device_info",
        "UPS Device information",
        info,
        1.0,
    );
}

/// One alerting rule.
struct Rule {
    alert: String,
    expr: String,
    for_: &'static str,
    severity: Severity,
    summary: String,
    description: String,
}

/// Prometheus alerting rules (YAML) from the status table (every token of warning or critical
/// severity, and on battery with low battery), the threshold table (warning and critical of charge,
/// runtime and load) and target down, for the metric names of `names`.
pub(crate) fn rules(t: &Thresholds, names: Names) -> String {
    let (status, charge, runtime, load, per_cent) = match names {
        Names::Nutctl => (
            "nut_ups_status",
            "nut_battery_charge_ratio",
            "nut_battery_runtime_seconds",
            "nut_ups_load_ratio",
            100.0,
        ),
        Names::Druggeri => (
            "network_ups_tools_ups_status",
            "network_ups_tools_battery_charge",
            "network_ups_tools_battery_runtime",
            "network_ups_tools_ups_load",
            1.0,
        ),
    };
    let flag = |tok: &str| format!("{status}{{flag=\"{tok}\"}} == 1");
    let mut rules = vec![Rule {
        alert: "NutTargetDown".into(),
        expr: "nut_target_up == 0".into(),
        for_: "1m",
        severity: Severity::Critical,
        summary: "NUT server {{ $labels.target }} does not answer".into(),
        description:
            "The exporter cannot read the NUT server: the UPSes behind it are not watched.".into(),
    }];
    rules.push(Rule {
        alert: "NutOnBatteryLowBattery".into(),
        expr: format!(
            "{} and on(target, ups) {} unless on(target, ups) {}",
            flag("OB"),
            flag("LB"),
            flag("CAL")
        ),
        for_: "0s",
        severity: Severity::Critical,
        summary: "{{ $labels.ups }} on {{ $labels.target }}: on battery with low battery".into(),
        description: "Mains is gone and the battery is at its low limit: upsmon shuts the protected hosts down now.".into(),
    });
    for tok in STATUS_TOKENS
        .iter()
        .filter(|t| t.severity >= Severity::Warning)
    {
        rules.push(Rule {
            alert: format!("NutStatus{}", camel(tok.id.trim_start_matches("status."))),
            expr: flag(tok.token),
            for_: "0s",
            severity: tok.severity,
            summary: format!(
                "{{{{ $labels.ups }}}} on {{{{ $labels.target }}}}: {}",
                tok.title
            ),
            description: format!("{} {}", tok.meaning, tok.action),
        });
    }
    for (metric, key, limits, high_is_bad, divisor, unit) in [
        (
            charge,
            "Charge",
            t.charge,
            false,
            per_cent,
            "battery charge",
        ),
        (
            runtime,
            "Runtime",
            t.runtime,
            false,
            1.0,
            "runtime on battery",
        ),
        (load, "Load", t.load, true, per_cent, "load"),
    ] {
        let (op, not) = if high_is_bad {
            (">", "<=")
        } else {
            ("<", ">=")
        };
        let w = limits.warning / divisor;
        let c = limits.critical / divisor;
        rules.push(Rule {
            alert: format!("Nut{key}Warning"),
            expr: format!("{metric} {op} {w} and {metric} {not} {c}"),
            for_: "2m",
            severity: Severity::Warning,
            summary: format!(
                "{{{{ $labels.ups }}}} on {{{{ $labels.target }}}}: {unit} past the warning limit"
            ),
            description: format!(
                "{unit} is past the warning limit ({} of nut-diagnose's threshold table).",
                limits.warning
            ),
        });
        rules.push(Rule {
            alert: format!("Nut{key}Critical"),
            expr: format!("{metric} {op} {c}"),
            for_: "1m",
            severity: Severity::Critical,
            summary: format!(
                "{{{{ $labels.ups }}}} on {{{{ $labels.target }}}}: {unit} past the critical limit"
            ),
            description: format!(
                "{unit} is past the critical limit ({} of nut-diagnose's threshold table).",
                limits.critical
            ),
        });
    }
    let mut out = String::from(
        "# Generated by `nutctl exporter rules` from nut-diagnose's status and threshold tables.\n\
         groups:\n  - name: nutctl\n    rules:\n",
    );
    for r in rules {
        let _ = write!(
            out,
            "      - alert: {}\n        expr: {}\n        for: {}\n        labels:\n          severity: {}\n        annotations:\n          summary: {}\n          description: {}\n",
            r.alert,
            yaml_str(&r.expr),
            r.for_,
            r.severity.as_str(),
            yaml_str(&r.summary),
            yaml_str(&r.description),
        );
    }
    out
}

/// A YAML double-quoted scalar.
fn yaml_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(o, "\\x{:02x}", u32::from(c));
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// `on-battery` → `OnBattery`.
fn camel(id: &str) -> String {
    id.split(['-', '.'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_diagnose::fleet::FleetSnapshot;
    use std::time::Duration;

    fn snap() -> FleetSnapshot {
        let mk = |vars: &[(&str, &str)]| {
            let target = nut_proto::Target::new("ups1", "127.0.0.1", 3493);
            let vars = vars
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect();
            nut_diagnose::fleet::UpsSnapshot::judge(
                &Thresholds::default(),
                target,
                Some("d".into()),
                Ok(vars),
            )
        };
        FleetSnapshot {
            targets: vec![TargetSnapshot {
                target: "127.0.0.1:3493".into(),
                up: true,
                error: None,
                finding: None,
                duration: Duration::from_millis(3),
                reconnected: true,
                ups: vec![mk(&[
                    ("ups.status", "OB LB"),
                    ("battery.charge", "20"),
                    ("battery.runtime", "120"),
                    ("ups.load", "40"),
                    ("device.mfr", "Ex\"ample"),
                    ("ups.temperature", "31.5"),
                ])],
            }],
            duration: Duration::from_millis(4),
        }
    }

    fn has(text: &str, line: &str) -> bool {
        text.lines().any(|l| l == line)
    }

    #[test]
    fn nutctl_names_in_base_units_with_flags_and_findings() {
        let o = metrics(
            &snap(),
            MetricOptions {
                names: Names::Nutctl,
                all_vars: true,
            },
        );
        let b = "target=\"127.0.0.1:3493\",ups=\"ups1\"";
        assert!(
            has(&o, &format!("nut_battery_charge_ratio{{{b}}} 0.2")),
            "{o}"
        );
        assert!(
            has(&o, &format!("nut_battery_runtime_seconds{{{b}}} 120.0")),
            "{o}"
        );
        assert!(
            has(&o, &format!("nut_ups_status{{{b},flag=\"OB\"}} 1.0")),
            "{o}"
        );
        assert!(
            has(&o, &format!("nut_ups_status{{{b},flag=\"OL\"}} 0.0")),
            "{o}"
        );
        assert!(has(
            &o,
            &format!("nut_finding{{{b},id=\"status.on-battery-low\",severity=\"critical\"}} 1.0")
        ));
        assert!(
            has(
                &o,
                &format!("nut_ups_variable{{{b},var=\"ups.temperature\"}} 31.5")
            ),
            "{o}"
        );
        assert!(o.contains("manufacturer=\"Ex\\\"ample\""), "{o}");
        assert!(
            has(&o, "nut_target_up{target=\"127.0.0.1:3493\"} 1.0"),
            "{o}"
        );
        assert_eq!(o.matches("# TYPE nut_ups_status gauge").count(), 1);
    }

    #[test]
    fn a_ups_that_cannot_be_read_is_down_with_nothing_else() {
        let mut s = snap();
        s.targets[0].ups[0] = nut_diagnose::fleet::UpsSnapshot::judge(
            &Thresholds::default(),
            nut_proto::Target::new("ups1", "127.0.0.1", 3493),
            None,
            Err("ERR DATA-STALE".into()),
        );
        for names in [Names::Nutctl, Names::Druggeri] {
            let o = metrics(
                &s,
                MetricOptions {
                    names,
                    all_vars: true,
                },
            );
            assert!(!o.contains("flag="), "{o}");
            assert!(!o.contains("battery"), "{o}");
            if names == Names::Nutctl {
                assert!(
                    has(&o, "nut_ups_up{target=\"127.0.0.1:3493\",ups=\"ups1\"} 0.0"),
                    "{o}"
                );
            }
        }
    }

    #[test]
    fn druggeri_names() {
        let o = metrics(
            &snap(),
            MetricOptions {
                names: Names::Druggeri,
                all_vars: false,
            },
        );
        let b = "target=\"127.0.0.1:3493\",ups=\"ups1\"";
        assert!(
            has(&o, &format!("network_ups_tools_battery_charge{{{b}}} 20.0")),
            "{o}"
        );
        assert!(
            has(
                &o,
                &format!("network_ups_tools_ups_status{{{b},flag=\"LB\"}} 1.0")
            ),
            "{o}"
        );
        assert!(
            has(
                &o,
                &format!("network_ups_tools_ups_status{{{b},flag=\"SD\"}} 0.0")
            ),
            "{o}"
        );
        assert!(o.contains("network_ups_tools_device_info{"), "{o}");
        assert!(
            !o.contains("network_ups_tools_ups_temperature"),
            "opt-in only: {o}"
        );
    }

    /// The metric names a PromQL text refers to (`nut_…`, `network_ups_tools_…`).
    fn referenced(promql: &str) -> Vec<&str> {
        promql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("nut_") || w.starts_with("network_ups_tools_"))
            .collect()
    }

    #[test]
    fn every_metric_a_generated_rule_uses_is_emitted() {
        let mut s = snap();
        s.targets.push(TargetSnapshot {
            target: "127.0.0.1:1".into(),
            up: false,
            error: Some("refused".into()),
            finding: None,
            duration: Duration::from_millis(1),
            reconnected: false,
            ups: Vec::new(),
        });
        for names in [Names::Nutctl, Names::Druggeri] {
            let o = metrics(
                &s,
                MetricOptions {
                    names,
                    all_vars: false,
                },
            );
            let y = rules(&Thresholds::default(), names);
            for m in referenced(&y) {
                assert!(
                    o.contains(&format!("# TYPE {m} gauge")),
                    "{names:?}: the rules use {m}, the default scrape has no such family:\n{o}"
                );
            }
        }
    }

    #[test]
    fn percentages_become_the_nearest_ratio() {
        let mut s = snap();
        s.targets[0].ups[0] = nut_diagnose::fleet::UpsSnapshot::judge(
            &Thresholds::default(),
            nut_proto::Target::new("ups1", "127.0.0.1", 3493),
            None,
            Ok(vec![
                ("battery.charge".into(), "57".into()),
                ("ups.load".into(), "35".into()),
            ]),
        );
        let o = metrics(
            &s,
            MetricOptions {
                names: Names::Nutctl,
                all_vars: false,
            },
        );
        let b = "target=\"127.0.0.1:3493\",ups=\"ups1\"";
        assert!(
            has(&o, &format!("nut_battery_charge_ratio{{{b}}} 0.57")),
            "{o}"
        );
        assert!(has(&o, &format!("nut_ups_load_ratio{{{b}}} 0.35")), "{o}");
        let mut t = Thresholds::default();
        t.charge.warning = 70.0;
        t.load.warning = 35.0;
        let y = rules(&t, Names::Nutctl);
        assert!(y.contains("nut_battery_charge_ratio < 0.7 and"), "{y}");
        assert!(y.contains("nut_ups_load_ratio > 0.35 and"), "{y}");
    }

    #[test]
    fn rules_follow_the_tables() {
        let mut t = Thresholds::default();
        t.charge.warning = 65.0;
        let y = rules(&t, Names::Nutctl);
        assert!(y.contains("nut_battery_charge_ratio < 0.65"), "{y}");
        assert!(y.contains("alert: NutStatusFsd"), "{y}");
        assert!(y.contains("alert: NutStatusOnBattery"), "{y}");
        assert!(y.contains("alert: NutStatusLowBattery"), "{y}");
        assert!(
            !y.contains("NutStatusOnline"),
            "ok tokens raise no alert: {y}"
        );
        assert_eq!(camel("on-battery"), "OnBattery");
        assert_eq!(yaml_str("a\"b\\"), "\"a\\\"b\\\\\"");
    }
}
