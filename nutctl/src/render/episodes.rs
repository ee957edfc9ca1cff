//! Episodes of a timeline as text: one line each (`logs`, `watch`, `doctor`, the demo).

use std::fmt::Write as _;

use nut_diagnose::rules::silent;
use nut_diagnose::timeline::{Episode, EpisodeKind, EpisodeVerdict, Timeline};

/// The short name of an episode kind, as the text views print it.
pub(crate) fn kind_word(k: EpisodeKind) -> &'static str {
    match k {
        EpisodeKind::Comms => "comms",
        EpisodeKind::Power => "power",
        EpisodeKind::Shutdown => "shutdown",
        EpisodeKind::Fault => "fault",
        EpisodeKind::Battery => "battery",
        EpisodeKind::Overload => "overload",
        EpisodeKind::Off => "off",
        EpisodeKind::Bypass => "bypass",
        EpisodeKind::Calibration => "calib",
    }
}

/// One episode on one line: kind, UPS, span, duration, verdict, the cause (with the ones its line
/// cannot be told apart from: `server-not-running or firewall`).
pub(crate) fn episode_line(e: &Episode) -> String {
    let start = e
        .start
        .map_or_else(|| format!("line {}", e.first_line), |t| t.to_string());
    let end = e.end.map_or_else(|| "…".to_string(), |t| t.to_string());
    let dur = e
        .duration_micros
        .map(|d| format!(" ({})", silent::human_duration(d)))
        .unwrap_or_default();
    let low = if e.low_battery { ", battery low" } else { "" };
    let cause = e
        .cause
        .map(|c| {
            let at = e.cause_line.map(|l| format!(" @{l}")).unwrap_or_default();
            // Never surer than the line: the causes it cannot tell apart are named with it.
            let or: String = e
                .undecided()
                .map(|k| format!(" or {}", k.cause.as_str()))
                .collect();
            let also: Vec<String> = e
                .candidates
                .iter()
                .filter_map(|k| k.line.map(|l| format!("{} @{l}", k.cause.as_str())))
                .collect();
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(", other lines point to {}", also.join(", "))
            };
            format!("  cause: {}{or}{at}{also}", c.as_str())
        })
        .unwrap_or_default();
    let fixed = if e.credentials_fixed() {
        ": credentials fixed"
    } else {
        ""
    };
    let how = match &e.ending {
        Some(en) if e.verdict == EpisodeVerdict::RecoveredAfterReload => format!(
            " (after reload of {}{}{fixed})",
            en.unit,
            en.at.map(|t| format!(" at {t}")).unwrap_or_default()
        ),
        Some(en) => format!(
            " (after restart of {}{}{fixed})",
            en.unit,
            en.at.map(|t| format!(" at {t}")).unwrap_or_default()
        ),
        None => String::new(),
    };
    let fsd = e
        .fsd_client
        .as_deref()
        .map(|c| format!(", FSD set by {c}"))
        .unwrap_or_default();
    format!(
        "{:<8} {:<28} {start} → {end}{dur}  {}{how}{low}{fsd}{cause}  [lines {}-{}, {} line(s)]",
        kind_word(e.kind),
        e.ups.as_deref().unwrap_or("-"),
        e.verdict_words(),
        e.first_line,
        e.last_line,
        e.line_count()
    )
}

/// The episode list as text (shared with `watch` and the demo).
pub(crate) fn episodes_text(out: &mut String, t: &Timeline, indent: &str) {
    if t.episodes.is_empty() {
        let _ = writeln!(out, "{indent}(no episode)");
    }
    for e in &t.episodes {
        let _ = writeln!(out, "{indent}{}", episode_line(e));
        candidates_text(out, e, indent);
    }
}

/// Under an episode whose evidence fits more than one cause: each candidate with why it fits and
/// what settles it, the named cause first (nothing for an episode with one clear cause).
fn candidates_text(out: &mut String, e: &Episode, indent: &str) {
    let Some(cause) = e.cause else { return };
    if e.candidates.is_empty() {
        return;
    }
    let head = if e.undecided().next().is_some() {
        "the log cannot tell which of these it is; check each:"
    } else {
        "other lines of this incident point elsewhere too; check each:"
    };
    let _ = writeln!(out, "{indent}    {head}");
    let at = |l: Option<u64>| l.map(|l| format!(" (line {l})")).unwrap_or_default();
    let (meaning, check) = cause.advice();
    let _ = writeln!(
        out,
        "{indent}    - {}{}: {meaning}; check: {check}",
        cause.as_str(),
        at(e.cause_line)
    );
    for k in &e.candidates {
        let _ = writeln!(
            out,
            "{indent}    - {}{}: {}; check: {}",
            k.cause.as_str(),
            at(k.line),
            k.why,
            k.cause.advice().1
        );
    }
}
