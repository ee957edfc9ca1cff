//! Nagios performance data (the monitoring-plugins development guidelines): after a `|` on the
//! first line, `label=value[UOM];[warn];[crit];[min];[max]`, space separated, empty trailing
//! fields left out (the form nagiosplugin's formatter writes). The warn and crit
//! ranges come from the threshold table the report was judged with: `60:` (alert below 60) for a
//! metric where lower is worse, `70` (alert above 70) where higher is (temperatures too), and
//! `108:132` (alert outside) for the input voltage, the table's percentages around
//! `input.voltage.nominal` (no limits without it).

use nut_diagnose::knowledge::Thresholds;

use crate::render::report::UpsReport;

/// The label, unit and bounds of each metric of the quick view.
fn shape(var: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match var {
        "battery.charge" => Some(("charge", "%", "0;100")),
        "battery.runtime" => Some(("runtime", "s", "0")),
        "ups.load" => Some(("load", "%", "0;100")),
        _ => None,
    }
}

/// The measurements read from the variables (NUT variable, label): the temperatures and the input
/// voltage with the table's limits, the other voltages without. No unit of measurement: the
/// guidelines' list has none for volts or degrees, so the value is NUT's (V, °C).
const MEASURED: [(&str, &str); 5] = [
    ("input.voltage", "input_voltage"),
    ("output.voltage", "output_voltage"),
    ("battery.voltage", "battery_voltage"),
    ("ups.temperature", "temperature"),
    ("battery.temperature", "battery_temperature"),
];

/// A variable's value when it is a finite number.
fn number(v: Option<&str>) -> Option<f64> {
    v.and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// A label as the guidelines allow it: quoted when it has a space, `=` or a quote (a quote doubled).
fn label(s: &str) -> String {
    if s.contains([' ', '=', '\'']) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// The performance data of every UPS (labels prefixed by the target when there are several):
/// charge, runtime and load with the table's limits, then the voltages and temperatures found in
/// the report's variables. A metric the UPS does not report, or whose value is not a number, is
/// left out.
pub(crate) fn perfdata(upses: &[UpsReport], t: &Thresholds) -> String {
    let mut items = Vec::new();
    for u in upses {
        for m in &u.metrics {
            let (Some((name, uom, bounds)), Some((limits, high_is_bad))) =
                (shape(m.variable), t.limits_for(m.variable))
            else {
                continue;
            };
            let Some(value) = number(m.value.as_deref()) else {
                continue;
            };
            let (warn, crit) = if high_is_bad {
                (
                    format!("{}", limits.warning),
                    format!("{}", limits.critical),
                )
            } else {
                (
                    format!("{}:", limits.warning),
                    format!("{}:", limits.critical),
                )
            };
            let name = prefixed(upses, u, name);
            items.push(format!("{name}={value}{uom};{warn};{crit};{bounds}"));
        }
        // Voltages and temperatures (from the variables the report kept).
        let vars = u.variables.as_ref();
        let get = |var: &str| number(vars.and_then(|v| v.get(var)).map(String::as_str));
        for (var, name) in MEASURED {
            let Some(value) = get(var) else { continue };
            let limits = match (t.limits_for(var), var) {
                (Some((l, _)), _) => format!(";{};{}", l.warning, l.critical),
                (None, "input.voltage") => get("input.voltage.nominal")
                    .and_then(|n| t.input_voltage_band(n))
                    .map(|((wl, wh), (cl, ch))| {
                        let v = |x: f64| (x * 100.0).round() / 100.0;
                        format!(";{}:{};{}:{}", v(wl), v(wh), v(cl), v(ch))
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            items.push(format!("{}={value}{limits}", prefixed(upses, u, name)));
        }
    }
    items.join(" ")
}

/// The label, prefixed by the target when there are several UPSes.
fn prefixed(upses: &[UpsReport], u: &UpsReport, name: &str) -> String {
    if upses.len() > 1 {
        label(&format!("{} {name}", u.target))
    } else {
        name.to_string()
    }
}

/// `text` with ` | perfdata` appended to its first line (where Nagios reads it).
pub(crate) fn append(text: &str, perf: &str) -> String {
    if perf.is_empty() {
        return text.to_string();
    }
    match text.split_once('\n') {
        Some((first, rest)) => format!("{first} | {perf}\n{rest}"),
        None => format!("{text} | {perf}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_quoted_only_when_needed() {
        assert_eq!(label("charge"), "charge");
        assert_eq!(label("ups@h:1 charge"), "'ups@h:1 charge'");
        assert_eq!(label("it's"), "'it''s'");
    }

    #[test]
    fn appended_to_the_first_line() {
        assert_eq!(append("a OK\nb\n", "x=1"), "a OK | x=1\nb\n");
        assert_eq!(append("a OK", "x=1"), "a OK | x=1\n");
        assert_eq!(append("a OK\n", ""), "a OK\n");
    }
}
