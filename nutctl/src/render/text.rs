//! Text output for people. Colour (ANSI SGR) only when the caller says so; the words carry the
//! meaning on their own, so nothing is lost without it.

use std::fmt::Write as _;

use nut_diagnose::{Finding, Severity};
use nut_proto::client::Variable;

use crate::render::report::{StatusReport, UpsReport};

/// Wraps `s` in the colour of a severity.
pub(crate) fn paint(s: &str, sev: Option<Severity>, color: bool) -> String {
    if !color {
        return s.to_string();
    }
    let code = match sev {
        Some(Severity::Ok) => "32",
        Some(Severity::Info) => "36",
        Some(Severity::Warning) => "33",
        Some(Severity::Critical) => "1;31",
        None => "35",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

/// Bold, when colour is on.
pub(crate) fn bold(s: &str, color: bool) -> String {
    if color {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// The word for a severity (`unknown` when nothing judged it).
pub(crate) fn sev_word(sev: Option<Severity>) -> &'static str {
    sev.map_or("unknown", Severity::as_str)
}

/// `name: value` lines, byte for byte what `upsc ups@host` prints.
pub(crate) fn raw_vars(vars: &[Variable]) -> String {
    let mut s = String::new();
    for v in vars {
        s.push_str(&v.name);
        s.push_str(": ");
        s.push_str(&v.value);
        s.push('\n');
    }
    s
}

fn metric_value(var: &str, value: &str) -> String {
    match var {
        "battery.runtime" => match value.trim().parse::<f64>() {
            Ok(secs) => format!("{value} s ({:.0} min)", secs / 60.0),
            Err(_) => value.to_string(),
        },
        "battery.charge" | "ups.load" => format!("{value} %"),
        "ups.temperature" | "battery.temperature" => format!("{value} °C"),
        "input.voltage" => format!("{value} V"),
        _ => value.to_string(),
    }
}

/// The findings at or above `min`, each with its meaning, action and evidence.
pub(crate) fn findings(
    out: &mut String,
    list: &[Finding],
    min: Severity,
    color: bool,
    indent: &str,
) {
    for f in list.iter().filter(|f| f.severity >= min) {
        let tag = paint(&format!("[{}]", f.severity), Some(f.severity), color);
        let _ = writeln!(out, "{indent}{tag} {}  ({})", f.title, f.id);
        if !f.meaning.is_empty() {
            let _ = writeln!(out, "{indent}    {}", f.meaning);
        }
        if !f.action.is_empty() {
            let _ = writeln!(out, "{indent}    -> {}", f.action);
        }
        for e in &f.evidence {
            let _ = writeln!(out, "{indent}    seen: {} = {}", e.subject, e.value);
        }
    }
}

/// The quick view of one UPS.
pub(crate) fn ups(out: &mut String, u: &UpsReport, all: bool, color: bool) {
    let head = match &u.model {
        Some(m) => format!("{}  ({m})", u.target),
        None => u.target.clone(),
    };
    let _ = writeln!(
        out,
        "{}  {}",
        bold(&head, color),
        paint(
            sev_word(u.severity).to_uppercase().as_str(),
            u.severity,
            color
        )
    );
    if let Some(err) = &u.error {
        let _ = writeln!(out, "  error    {}", paint(err, u.severity, color));
    }
    if let Some(st) = &u.status {
        let words: Vec<String> = st
            .tokens
            .iter()
            .map(|t| {
                let text = match t.title {
                    Some(title) => format!("{} ({title})", t.token),
                    None => format!("{} (not a NUT token)", t.token),
                };
                paint(&text, t.severity, color)
            })
            .collect();
        let _ = writeln!(out, "  status   {}", words.join(", "));
    }
    for m in &u.metrics {
        let label = match m.variable {
            "battery.charge" => "charge",
            "battery.runtime" => "runtime",
            "ups.load" => "load",
            "ups.temperature" => "temp",
            "battery.temperature" => "bat.temp",
            "input.voltage" => "input",
            other => other,
        };
        let value = m.value.as_deref().map_or_else(
            || "not reported".to_string(),
            |v| metric_value(m.variable, v),
        );
        let _ = writeln!(
            out,
            "  {label:<8} {}",
            paint(
                &format!("{value:<20} {}", sev_word(m.severity)),
                m.severity,
                color
            )
        );
    }
    // The quick view lists what needs attention; --all adds the informational findings.
    let min = if all {
        Severity::Info
    } else {
        Severity::Warning
    };
    findings(out, &u.findings, min, color, "  ");
    if all {
        if let Some(vars) = &u.variables {
            let width = vars.keys().map(String::len).max().unwrap_or(0);
            let _ = writeln!(out, "  variables:");
            for (k, v) in vars {
                let _ = writeln!(out, "    {k:<width$}  {v}");
            }
        }
    }
}

/// The whole `status` output.
pub(crate) fn status(r: &StatusReport, all: bool, color: bool) -> String {
    let mut out = String::new();
    for (i, u) in r.upses.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        ups(&mut out, u, all, color);
    }
    if r.upses.len() > 1 {
        let _ = writeln!(
            out,
            "\noverall: {} ({} critical, {} warning)",
            paint(sev_word(r.verdict.worst), r.verdict.worst, color),
            r.verdict.critical,
            r.verdict.warning
        );
    }
    out
}
