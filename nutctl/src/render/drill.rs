//! The text form of `nutctl drill`'s report.

use std::fmt::Write as _;

use nut_diagnose::drill::DrillReport;

/// Each UPS's links (ok / FAIL / ? not checked), its expected sequence with times, and the FSD
/// drill's record against it.
pub(crate) fn drill_text(r: &DrillReport) -> String {
    let mut out = String::new();
    if r.drills.is_empty() {
        let _ = writeln!(
            out,
            "drill: this host monitors no UPS (no MONITOR line with a power value could be read)"
        );
    }
    for d in &r.drills {
        let here = if d.primary_here {
            "primary here"
        } else {
            "secondary here"
        };
        let _ = writeln!(out, "drill {} ({here}): {}", d.ups, d.verdict);
        for l in &d.links {
            let mark = match l.ok {
                Some(true) => "ok  ",
                Some(false) => "FAIL",
                None => "?   ",
            };
            let _ = writeln!(out, "  [{mark}] {}: {}", l.what, l.evidence);
        }
        let _ = writeln!(out, "  expected sequence after FSD:");
        for (i, e) in d.expected.iter().enumerate() {
            let at = e
                .at_secs
                .map_or_else(|| "t=?".to_string(), |t| format!("t+{t}s"));
            let _ = writeln!(out, "   {}. [{at}] {}", i + 1, e.step.text);
        }
    }
    if let Some(f) = &r.fsd {
        let _ = writeln!(out, "FSD drill on {} ({}):", f.ups, f.record.trigger);
        for l in &f.record.logouts {
            let _ = writeln!(out, "  {} logged out after {} ms", l.client, l.after_ms);
        }
        if !f.record.remaining.is_empty() {
            let _ = writeln!(out, "  still logged in: {}", f.record.remaining.join(", "));
        }
        let _ = writeln!(
            out,
            "  expected order: {}",
            f.comparison.expected_order.join(" → ")
        );
        let _ = writeln!(
            out,
            "  recorded order: {}",
            f.comparison.recorded_order.join(" → ")
        );
        let _ = writeln!(out, "  verdict: {}", f.comparison.verdict);
    }
    if !r.unavailable.is_empty() {
        let _ = writeln!(out, "not seen (could not read):");
        for u in &r.unavailable {
            let _ = writeln!(out, "  - {u}");
        }
    }
    out
}
