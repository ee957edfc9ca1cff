//! The doctor's report as text: the one-line verdict first, findings by severity, the authority
//! map, the journal's episodes, and what could not be read.

use std::fmt::Write as _;

use nut_diagnose::{Finding, Report, Severity};

use super::text::{bold, findings as findings_text, paint, sev_word};

/// The one-line verdict: role, worst severity, the top problem and its action.
fn verdict_line(report: &Report, color: bool) -> String {
    let role = report
        .findings
        .iter()
        .find(|f| f.id == "mode.role")
        .map_or_else(|| "role: unknown".to_string(), |f| f.title.clone());
    let worst = report.verdict.worst;
    let word = paint(&sev_word(worst).to_ascii_uppercase(), worst, color);
    let top = report
        .findings
        .iter()
        // Findings come most severe first: the first of the worst is the top problem.
        .find(|f| f.severity >= Severity::Warning && Some(f.severity) == worst);
    match top {
        Some(f) if f.action.is_empty() => format!("{role} — {word}: {} ({})", f.title, f.id),
        Some(f) => format!("{role} — {word}: {} ({}) → {}", f.title, f.id, f.action),
        None if worst.is_none() => format!("{role} — {word}: nothing could be checked"),
        None => format!("{role} — {word}: no problem found"),
    }
}

/// The doctor's text report: verdict, findings by severity, the map, the timeline, the gaps.
/// `unread_ups_files`: the files naming UPSes that could not be read ([`HostConfig::unread_ups_files`],
/// as `map` uses it): an empty map is then "not known", never "no UPS".
///
/// [`HostConfig::unread_ups_files`]: nut_diagnose::config::HostConfig::unread_ups_files
pub(crate) fn doctor_text(
    report: &Report,
    unavailable: &[String],
    unread_ups_files: &[String],
    color: bool,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", verdict_line(report, color));
    let v = &report.verdict;
    let _ = writeln!(
        out,
        "  {} critical, {} warning, {} info, {} ok",
        v.critical, v.warning, v.info, v.ok
    );
    for sev in [
        Severity::Critical,
        Severity::Warning,
        Severity::Info,
        Severity::Ok,
    ] {
        let these: Vec<Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .cloned()
            .collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}",
            bold(&format!("{} ({})", sev.as_str(), these.len()), color)
        );
        findings_text(&mut out, &these, Severity::Ok, color, "  ");
    }
    let _ = writeln!(out, "\n{}", bold("Authority map", color));
    if report.map.upses.is_empty() && !unread_ups_files.is_empty() {
        let _ = writeln!(
            out,
            "  (not known: could not read {})",
            unread_ups_files.join(", ")
        );
    } else if report.map.upses.is_empty() {
        let _ = writeln!(out, "  (no UPS in the configuration)");
    } else {
        for l in report.map.to_text().lines() {
            let _ = writeln!(out, "  {l}");
        }
    }
    let _ = writeln!(out, "\n{}", bold("Timeline (NUT journal)", color));
    super::episodes::episodes_text(&mut out, &report.timeline, "  ");
    let s = &report.timeline.stats;
    if s.lines > 0 {
        let _ = writeln!(
            out,
            "  {} lines read, {} not understood",
            s.lines,
            s.unclassified + s.unparsed
        );
    }
    if !unavailable.is_empty() {
        let _ = writeln!(out, "\n{}", bold("Not seen (could not read)", color));
        for u in unavailable {
            let _ = writeln!(out, "  - {u}");
        }
    }
    out
}
