//! The exporter's page for people (`/` on its listener): one small HTML document, rendered from a
//! [`FleetSnapshot`] — every UPS of every target, its status in words, charge/runtime/load against the
//! threshold table, and the findings, grouped per server. A server that did not answer is shown as
//! such, in its place; the others still show (PeaNUT's one-dead-server error page is the failure mode
//! this avoids).
//!
//! No JavaScript, no external asset (styles inline, bars are CSS), a `<meta http-equiv="refresh">` to
//! reload. Pure: the same snapshot gives the same bytes. Every string from a server or a finding is
//! passed through the one sanitizer ([`super::sanitize`]) and HTML-escaped. Severities are the ones
//! nut-diagnose gave; the bars only place the value between the table's limits.

use std::fmt::Write as _;

use nut_diagnose::fleet::{FleetSnapshot, TargetSnapshot, UpsSnapshot};
use nut_diagnose::knowledge::{status as status_table, Thresholds};
use nut_diagnose::rules::MetricJudgement;
use nut_diagnose::{Finding, Severity};

use super::report::model_of;
use super::sanitize::sanitize;

/// Seconds between reloads of the page (the browser's own refresh; no script).
pub(crate) const REFRESH_SECS: u32 = 30;

/// Text for HTML: control characters shown escaped (the sanitizer), then `& < > " '` as entities.
fn esc(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The word a severity is shown with, and its CSS class.
fn word(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "OK",
        Severity::Info => "INFO",
        Severity::Warning => "WARNING",
        Severity::Critical => "CRITICAL",
    }
}

const STYLE: &str = "
:root{--ok:#1a7f37;--info:#0969da;--warning:#9a6700;--critical:#cf222e;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{background:#24292f;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#d0d7de}
main{padding:16px 24px;display:grid;gap:16px}
section.target{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
section.target.down{border-color:var(--critical);border-width:2px}
section.target>h2{margin:0 0 8px;font-size:17px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.muted{color:var(--muted);font-weight:normal;font-size:13px}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;color:#fff;letter-spacing:.03em}
.badge.ok{background:var(--ok)}.badge.info{background:var(--info)}.badge.warning{background:var(--warning)}.badge.critical{background:var(--critical)}
.upses{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
article.ups{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:6px;padding:10px 12px}
article.ups.info{border-left-color:var(--info)}article.ups.warning{border-left-color:var(--warning)}article.ups.critical{border-left-color:var(--critical)}
article.ups h3{margin:0;font-size:16px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
p.status{margin:4px 0 8px;font-size:16px;font-weight:600}
p.status.ok{color:var(--ok)}p.status.info{color:var(--info)}p.status.warning{color:var(--warning)}p.status.critical{color:var(--critical)}
table.metrics{width:100%;border-collapse:collapse;font-size:14px}
table.metrics td{padding:3px 4px;vertical-align:middle}
table.metrics td.name{width:5.5em;color:var(--muted)}
table.metrics td.value{width:6.5em;font-weight:600;white-space:nowrap}
table.metrics td.limits{color:var(--muted);font-size:12px;white-space:nowrap;line-height:1.2;width:7.5em}
.bar{position:relative;display:block;height:10px;background:#eaeef2;border-radius:5px;min-width:90px}
.bar .fill{position:absolute;left:0;top:0;bottom:0;border-radius:5px;background:var(--ok)}
.bar .fill.info{background:var(--info)}.bar .fill.warning{background:var(--warning)}.bar .fill.critical{background:var(--critical)}
.bar .mark{position:absolute;top:-3px;bottom:-3px;width:2px}
.bar .mark.warning{background:var(--warning)}.bar .mark.critical{background:var(--critical)}
ul.findings{list-style:none;margin:8px 0 0;padding:0;font-size:13px}
ul.findings li{padding:4px 0;border-top:1px solid #eaeef2}
ul.findings .sev{font-weight:700;margin-right:6px}
ul.findings .sev.ok{color:var(--ok)}ul.findings .sev.info{color:var(--info)}ul.findings .sev.warning{color:var(--warning)}ul.findings .sev.critical{color:var(--critical)}
ul.findings .action{display:block;color:var(--muted)}
p.error{margin:4px 0;font-family:ui-monospace,monospace;font-size:13px;color:var(--critical)}
footer{padding:0 24px 16px;color:var(--muted);font-size:12px}
";

/// The whole page for one poll, judged with `thresholds` (the table the poll's assessments used).
pub(crate) fn page(snap: &FleetSnapshot, thresholds: &Thresholds) -> String {
    let upses = snap.ups().count();
    let down = snap.targets.iter().filter(|t| !t.up).count();
    let worst = snap
        .targets
        .iter()
        .map(target_worst)
        .max()
        .unwrap_or(Severity::Ok);
    let mut h = String::with_capacity(8192 + 2048 * upses);
    let title = format!(
        "{} — {} UPS on {} server{}",
        word(worst),
        upses,
        snap.targets.len(),
        if snap.targets.len() == 1 { "" } else { "s" }
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">\n\
         <title>nutctl: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(
        h,
        "<header><h1>UPS status <span class=\"badge {}\" id=\"worst\">{}</span></h1>\
         <p>{upses} UPS on {} server{}{} · polled in {} · reloads every {REFRESH_SECS} s</p></header>\n<main>\n",
        worst.as_str(),
        word(worst),
        snap.targets.len(),
        if snap.targets.len() == 1 { "" } else { "s" },
        if down > 0 {
            format!(", <strong>{down} not answering</strong>")
        } else {
            String::new()
        },
        millis(snap.duration)
    );
    if snap.targets.is_empty() {
        h.push_str("<p>No target configured.</p>\n");
    }
    for t in &snap.targets {
        target(&mut h, t, thresholds);
    }
    h.push_str(
        "</main>\n<footer>nutctl exporter · the same verdicts as <code>nutctl doctor</code> · \
         metrics for Prometheus at <a href=\"/metrics\">/metrics</a></footer>\n</body>\n</html>\n",
    );
    h
}

/// A target's worst severity: critical when it did not answer, else its worst UPS.
fn target_worst(t: &TargetSnapshot) -> Severity {
    if !t.up {
        return t
            .finding
            .as_ref()
            .map(|f| f.severity)
            .unwrap_or(Severity::Critical);
    }
    t.ups
        .iter()
        .map(UpsSnapshot::worst)
        .max()
        .unwrap_or(Severity::Ok)
}

fn target(h: &mut String, t: &TargetSnapshot, thresholds: &Thresholds) {
    let worst = target_worst(t);
    let state = if t.up { "up" } else { "down" };
    let _ = write!(
        h,
        "<section class=\"target {state}\" data-target=\"{}\" data-state=\"{state}\">\n<h2>{} ",
        esc(&t.target),
        esc(&t.target)
    );
    if t.up {
        let _ = writeln!(
            h,
            "<span class=\"badge {}\">{}</span><span class=\"muted\">{} UPS · {}</span></h2>",
            worst.as_str(),
            word(worst),
            t.ups.len(),
            millis(t.duration)
        );
    } else {
        h.push_str(
            "<span class=\"badge critical\">NOT ANSWERING</span><span class=\"muted\">server down or unreachable</span></h2>\n",
        );
        if let Some(e) = &t.error {
            let _ = writeln!(h, "<p class=\"error\">{}</p>", esc(e));
        }
    }
    if !t.up {
        findings(h, t.finding.iter());
    } else if t.ups.is_empty() {
        h.push_str("<p class=\"muted\">The server lists no UPS.</p>\n");
    } else {
        h.push_str("<div class=\"upses\">\n");
        for u in &t.ups {
            ups(h, u, thresholds);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

/// `ups.status` in words: each token's title from the status table (unknown tokens as sent).
fn status_words(flags: &[String]) -> String {
    let words: Vec<String> = flags
        .iter()
        .map(|f| {
            status_table::lookup(f)
                .map(|k| k.title.to_string())
                .unwrap_or_else(|| f.clone())
        })
        .collect();
    let mut s = words.join(", ");
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

fn ups(h: &mut String, u: &UpsSnapshot, thresholds: &Thresholds) {
    let worst = u.worst();
    let _ = write!(
        h,
        "<article class=\"ups {}\" data-ups=\"{}\" data-status=\"{}\" data-severity=\"{}\">\n<h3>{}",
        worst.as_str(),
        esc(&u.name),
        esc(&u.flags.join(" ")),
        worst.as_str(),
        esc(&u.name)
    );
    let _ = writeln!(
        h,
        "<span class=\"badge {}\">{}</span></h3>",
        worst.as_str(),
        word(worst)
    );
    let about: Vec<String> = [model_of(&u.snapshot), u.description.clone()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect();
    if !about.is_empty() {
        let _ = writeln!(h, "<div class=\"muted\">{}</div>", esc(&about.join(" · ")));
    }
    if let Some(e) = &u.error {
        let _ = writeln!(
            h,
            "<p class=\"status critical\">Could not be read</p>\n<p class=\"error\">{}</p>",
            esc(e)
        );
        h.push_str("</article>\n");
        return;
    }
    let status_sev = u
        .assessment
        .findings
        .iter()
        .filter(|f| f.id.starts_with("status."))
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Ok);
    let words = if u.flags.is_empty() {
        "No status reported".to_string()
    } else {
        status_words(&u.flags)
    };
    let _ = writeln!(
        h,
        "<p class=\"status {}\" title=\"ups.status: {}\">{}</p>",
        status_sev.as_str(),
        esc(&u.flags.join(" ")),
        esc(&words)
    );
    h.push_str("<table class=\"metrics\">\n");
    for m in &u.assessment.metrics {
        metric(h, m, thresholds);
    }
    h.push_str("</table>\n");
    findings(
        h,
        u.assessment
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Ok),
    );
    h.push_str("</article>\n");
}

/// A poll's duration: `3 ms`, `1.25 s`.
fn millis(d: std::time::Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A seconds count as people read it: `45 s`, `12 min 30 s`, `2 h 5 min`.
fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

fn metric(h: &mut String, m: &MetricJudgement, thresholds: &Thresholds) {
    let (name, unit) = match m.variable {
        "battery.charge" => ("Charge", "%"),
        "battery.runtime" => ("Runtime", "s"),
        "ups.load" => ("Load", "%"),
        "ups.temperature" => ("Temperature", "°C"),
        "battery.temperature" => ("Battery temperature", "°C"),
        "input.voltage" => ("Input voltage", "V"),
        other => (other, ""),
    };
    let value = m
        .value
        .as_deref()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite());
    let show = |v: f64| {
        if unit == "s" {
            duration(v)
        } else {
            format!("{v} {unit}")
        }
    };
    let sev = m.severity.unwrap_or(Severity::Ok);
    let _ = write!(
        h,
        "<tr data-var=\"{}\"><td class=\"name\">{name}</td>",
        m.variable
    );
    let Some(v) = value else {
        let shown = match &m.value {
            Some(raw) => esc(raw),
            None => "not reported".to_string(),
        };
        let _ = writeln!(
            h,
            "<td class=\"value\">{shown}</td><td></td><td class=\"limits\"></td></tr>"
        );
        return;
    };
    let _ = write!(h, "<td class=\"value\">{}</td>", show(v));
    let Some((limits, high_is_bad)) = thresholds.limits_for(m.variable) else {
        let _ = writeln!(h, "<td></td><td class=\"limits\"></td></tr>");
        return;
    };
    // The bar's scale: 0..100 for percentages, 0..max(value, twice the ideal) otherwise (runtime,
    // temperature).
    let max = if unit == "%" {
        100.0
    } else {
        v.max(limits.ideal * 2.0).max(1.0)
    };
    let pct = |x: f64| (x / max * 100.0).clamp(0.0, 100.0);
    let _ = write!(
        h,
        "<td><span class=\"bar\"><span class=\"fill {}\" style=\"width:{:.1}%\"></span>\
         <span class=\"mark warning\" style=\"left:{:.1}%\"></span>\
         <span class=\"mark critical\" style=\"left:{:.1}%\"></span></span></td>",
        sev.as_str(),
        pct(v),
        pct(limits.warning),
        pct(limits.critical)
    );
    let (dir, sign) = if high_is_bad {
        ("above", "&gt;")
    } else {
        ("below", "&lt;")
    };
    let _ = writeln!(
        h,
        "<td class=\"limits\" title=\"warning {dir} {w}, critical {dir} {c} (nut-diagnose's threshold table)\">\
         warn {sign} {w}<br>crit {sign} {c}</td></tr>",
        w = show(limits.warning),
        c = show(limits.critical)
    );
}

fn findings<'a>(h: &mut String, list: impl Iterator<Item = &'a Finding>) {
    let mut any = false;
    for f in list {
        if !any {
            h.push_str("<ul class=\"findings\">\n");
            any = true;
        }
        let _ = write!(
            h,
            "<li data-finding=\"{}\"><span class=\"sev {}\">{}</span>{}",
            esc(&f.id),
            f.severity.as_str(),
            word(f.severity),
            esc(&f.title)
        );
        if !f.action.is_empty() {
            let _ = write!(h, "<span class=\"action\">→ {}</span>", esc(&f.action));
        }
        h.push_str("</li>\n");
    }
    if any {
        h.push_str("</ul>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_diagnose::facts::Snapshot;
    use nut_diagnose::fleet::status_flags;
    use nut_diagnose::rules;
    use nut_proto::Target;
    use std::time::Duration;

    fn ups(name: &str, vars: &[(&str, &str)]) -> UpsSnapshot {
        let snapshot = Snapshot::new(Target::new(name, "nas", 3493), vars.iter().copied());
        let flags = status_flags(snapshot.get("ups.status").unwrap_or(""));
        let assessment = rules::assess(&snapshot, &Thresholds::default());
        UpsSnapshot {
            name: name.into(),
            description: Some("rack <A>".into()),
            error: None,
            snapshot,
            flags,
            assessment,
        }
    }

    fn fleet() -> FleetSnapshot {
        FleetSnapshot {
            targets: vec![
                TargetSnapshot {
                    target: "nas:3493".into(),
                    up: true,
                    error: None,
                    finding: None,
                    duration: Duration::from_millis(3),
                    reconnected: false,
                    ups: vec![
                        ups(
                            "rack",
                            &[
                                ("ups.status", "OB DISCHRG"),
                                ("battery.charge", "55"),
                                ("battery.runtime", "750"),
                                ("ups.load", "30"),
                                ("device.model", "Lab <b>UPS</b>"),
                            ],
                        ),
                        ups("desk", &[("ups.status", "OL"), ("battery.charge", "100")]),
                    ],
                },
                TargetSnapshot {
                    target: "dead:3493".into(),
                    up: false,
                    error: Some("connection refused\x1b[2J".into()),
                    finding: None,
                    duration: Duration::from_millis(1),
                    reconnected: true,
                    ups: Vec::new(),
                },
            ],
            duration: Duration::from_millis(3),
        }
    }

    #[test]
    fn every_ups_and_the_dead_server_show() {
        let p = page(&fleet(), &Thresholds::default());
        assert!(p.starts_with("<!DOCTYPE html>"));
        assert!(
            p.contains("data-ups=\"rack\" data-status=\"OB DISCHRG\""),
            "{p}"
        );
        assert!(p.contains(">On battery, discharging<"), "{p}");
        assert!(p.contains("data-ups=\"desk\""));
        assert!(p.contains(">On line power<"));
        assert!(p.contains("data-target=\"dead:3493\" data-state=\"down\""));
        assert!(p.contains("NOT ANSWERING"));
        assert!(p.contains("2 UPS on 2 servers, <strong>1 not answering</strong>"));
        // charge 55 judged warning by the table, shown with its limits
        assert!(p.contains("<td class=\"value\">55 %</td>"), "{p}");
        assert!(p.contains("warn &lt; 60 %<br>crit &lt; 40 %"), "{p}");
        assert!(p.contains("warn &gt; 70 %<br>crit &gt; 85 %"));
        assert!(p.contains("<td class=\"value\">12 min 30 s</td>"));
        assert!(p.contains("data-finding=\"status.on-battery\""), "{p}");
    }

    #[test]
    fn server_strings_are_escaped_and_sanitized() {
        let p = page(&fleet(), &Thresholds::default());
        assert!(p.contains("Lab &lt;b&gt;UPS&lt;/b&gt;"), "{p}");
        assert!(p.contains("rack &lt;A&gt;"));
        assert!(!p.contains('\x1b'));
        assert!(p.contains("connection refused\\x1b[2J"));
        assert!(!p.contains("<script"));
        assert!(
            !p.contains("http://") && !p.contains("https://"),
            "no external asset"
        );
    }

    #[test]
    fn a_stale_ups_and_an_empty_server_say_so() {
        let mut f = fleet();
        let mut stale = ups("old", &[]);
        stale.error = Some("DATA-STALE".into());
        f.targets[0].ups.push(stale);
        f.targets.push(TargetSnapshot {
            target: "empty:3493".into(),
            up: true,
            error: None,
            finding: None,
            duration: Duration::from_millis(2),
            reconnected: false,
            ups: Vec::new(),
        });
        let p = page(&f, &Thresholds::default());
        let old = p.split("data-ups=\"old\"").nth(1).unwrap_or_default();
        assert!(
            old.contains(">Could not be read<") && old.contains(">DATA-STALE<"),
            "{p}"
        );
        assert!(
            p.contains("data-severity=\"critical\""),
            "a UPS not read is critical"
        );
        assert!(p.contains("The server lists no UPS."));
        assert!(p.contains("<span class=\"badge critical\" id=\"worst\">CRITICAL</span>"));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(120.0), "2 min");
        assert_eq!(duration(750.0), "12 min 30 s");
        assert_eq!(duration(7500.0), "2 h 5 min");
        assert_eq!(millis(Duration::from_millis(3)), "3 ms");
        assert_eq!(millis(Duration::from_millis(1250)), "1.25 s");
    }
}
