//! Nagios performance data (the monitoring-plugins development guidelines): after a `|` on the
//! first line, `label=value[UOM];[warn];[crit];[min];[max]`, space separated. The warn and crit
//! ranges come from the threshold table the report was judged with: `60:` (alert below 60) for a
//! metric where lower is worse, `70` (alert above 70) where higher is.

use nut_diagnose::knowledge::Thresholds;

use crate::render::report::UpsReport;

/// The label, unit and bounds of each metric of the quick view.
fn shape(var: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match var {
        "battery.charge" => Some(("charge", "%", "0;100")),
        "battery.runtime" => Some(("runtime", "s", "0;")),
        "ups.load" => Some(("load", "%", "0;100")),
        _ => None,
    }
}

/// A label as the guidelines allow it: quoted when it has a space, `=` or a quote (a quote doubled).
fn label(s: &str) -> String {
    if s.contains([' ', '=', '\'']) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// The performance data of every UPS (labels prefixed by the target when there are several).
/// A metric the UPS does not report, or whose value is not a number, is left out.
pub(crate) fn perfdata(upses: &[UpsReport], t: &Thresholds) -> String {
    let mut items = Vec::new();
    for u in upses {
        for m in &u.metrics {
            let (Some((name, uom, bounds)), Some((limits, high_is_bad))) =
                (shape(m.variable), t.limits_for(m.variable))
            else {
                continue;
            };
            let Some(value) = m
                .value
                .as_deref()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
            else {
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
            let name = if upses.len() > 1 {
                label(&format!("{} {name}", u.target))
            } else {
                name.to_string()
            };
            items.push(format!("{name}={value}{uom};{warn};{crit};{bounds}"));
        }
    }
    items.join(" ")
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
