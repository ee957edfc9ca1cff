//! What upsmon itself stays silent about, read from the logs: a login refused once and never retried, a
//! flood of "Data stale" lines that is one episode, a UPS name the server does not have; and what the
//! episodes of the timeline add up to (outages, communication losses, shutdowns, unclassified lines).

use std::collections::BTreeMap;

use crate::facts::Facts;
use crate::finding::{Evidence, Finding, Severity, Source};
use crate::knowledge::causes::{self, Cause};
use crate::knowledge::{CauseId, EventKind};
use crate::logs::{Clock, LogEvent, Timestamp};
use crate::timeline::{Episode, EpisodeKind, EpisodeVerdict, Timeline};

/// `16 s`, `2 min 05 s`, `3 h 02 min`, `2 d 04 h`.
pub fn human_duration(micros: i64) -> String {
    let s = micros.max(0) / 1_000_000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {:02} min", s / 3600, s / 60 % 60),
        _ => format!("{} d {:02} h", s / 86_400, s / 3600 % 24),
    }
}

/// The kebab-case name of an event kind, as in JSON output (`shutdown-started`).
fn kind_name(k: EventKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn log_line(ev: &LogEvent<'_>) -> Evidence {
    let when = ev.time.map(|t| format!("{t} ")).unwrap_or_default();
    Evidence::new(
        Source::Log,
        format!("line {}", ev.line),
        format!("{when}{}", ev.message),
    )
}

fn span(e: &Episode) -> String {
    let start = e.start.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
    let end = match (e.end, e.verdict) {
        (Some(t), _) => t.to_string(),
        // A file is read long after it was written: the open end is the end of the log, not now.
        (None, EpisodeVerdict::StillDown) => "end of log".into(),
        (None, _) => "?".into(),
    };
    let dur = e
        .duration_micros
        .map(|d| format!(", {}", human_duration(d)))
        .unwrap_or_default();
    format!(
        "lines {}–{}: {start} → {end}{dur}, {} lines, {}",
        e.first_line,
        e.last_line,
        e.line_count(),
        e.verdict_words()
    )
}

fn episode_evidence(e: &Episode) -> Evidence {
    Evidence::new(
        Source::Derived,
        format!("{:?} episode", e.kind).to_lowercase(),
        span(e),
    )
}

/// How long an open episode has lasted by `now` (only on the Unix clock).
fn open_for(e: &Episode, now: Option<i64>) -> Option<String> {
    let start = e.start.filter(|t| t.clock == Clock::Unix)?;
    let now = Timestamp {
        clock: Clock::Unix,
        micros: now?.checked_mul(1_000_000)?,
    };
    start.until(&now).filter(|d| *d >= 0).map(human_duration)
}

/// The failure cause that dominates an episode (the most frequent line with a known cause).
fn dominant_cause(e: &Episode) -> Option<&'static Cause> {
    // `lines` is sorted by count, most frequent first.
    e.lines.iter().find_map(|k| causes::cause_of_event(k.kind))
}

/// Causes that are configuration mistakes: they do not go away by themselves, so an episode ending
/// because upsmon stopped does not make them any less severe.
fn is_config_cause(c: &Cause) -> bool {
    matches!(c.id, "ups.unknown-name" | "auth.access-denied" | "net.dns")
}

/// A login refused with `ACCESS-DENIED` that was never followed by a successful login for that UPS: upsmon
/// logs it once, keeps polling without a login and never warns again.
pub fn login_not_retried(events: &[LogEvent<'_>]) -> Vec<Finding> {
    let mut pending: BTreeMap<&str, (&LogEvent<'_>, u64)> = BTreeMap::new();
    for ev in events {
        let Some(ups) = ev.ups.as_deref() else {
            continue;
        };
        match ev.kind {
            EventKind::LoginAccessDenied => {
                let n = pending.get(ups).map_or(0, |(_, n)| *n);
                pending.insert(ups, (ev, n + 1));
            }
            // A login that worked (upsmon debug), or upsmon starting over for this UPS (its next refusal
            // would be logged again).
            EventKind::LoggedIn | EventKind::Monitoring => {
                pending.remove(ups);
            }
            // upsd's own log names the UPS without host: `User u@h logged into UPS [pi]`.
            EventKind::UpsdLogin => pending.retain(|k, _| k.split('@').next() != Some(ups)),
            _ => {}
        }
    }
    pending
        .into_iter()
        .map(|(ups, (ev, n))| {
            Finding::new(
                "auth.login-not-retried",
                Severity::Warning,
                format!("{ups}: login refused and never retried"),
                "upsd refused upsmon's login (ERR ACCESS-DENIED). upsmon logs this once, then keeps polling without a login and never warns again: it still sees the status, but the server does not count it as a client, so a primary will not wait for this host before cutting power.",
                "Fix the user/password of the MONITOR line or the user's `upsmon` role in upsd.users, then restart upsmon and look for `Logged into UPS` (debug) or a login in upsd's log.",
            )
            .about(ups)
            .with(log_line(ev))
            .with(Evidence::new(Source::Derived, "refusals", format!("{n} refused login line(s), no successful login after")))
        })
        .collect()
}

/// Findings from the episodes: communications still down or unresolved (named after their cause),
/// recovered losses and outages summed per UPS, floods of "Data stale", shutdowns, and unclassified lines.
pub fn episodes(t: &Timeline, now: Option<i64>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut recovered: BTreeMap<(&str, EpisodeKind), Vec<&Episode>> = BTreeMap::new();
    for e in &t.episodes {
        let ups = e.ups.as_deref().unwrap_or("?");
        match (e.kind, e.verdict) {
            (EpisodeKind::Comms | EpisodeKind::Power, v) if v.recovered() && e.ending.is_none() => {
                recovered.entry((ups, e.kind)).or_default().push(e)
            }
            (EpisodeKind::Comms, v) if v.recovered() => out.push(incident(e)),
            (EpisodeKind::Comms, v) => out.extend(comms_unresolved(e, ups, v, now)),
            (EpisodeKind::Power, EpisodeVerdict::StillDown) => {
                let since = open_for(e, now)
                    .map(|d| format!(" for {d}"))
                    .unwrap_or_default();
                out.push(
                    Finding::new(
                        "log.on-battery",
                        Severity::Critical,
                        format!("{ups}: on battery when the log ends{since}"),
                        "The last power event for this UPS is `on battery`, with no `on line power` after it.",
                        "Check the UPS now (upsc); prepare for the shutdown if mains does not return.",
                    )
                    .about(ups)
                    .with(episode_evidence(e)),
                );
            }
            (EpisodeKind::Power, _) => {} // its shutdown is reported by the shutdown episode
            // A refusal still standing is `login_not_retried`'s, more precisely.
            (EpisodeKind::Fault, v) if e.cause == Some(CauseId::LoginRefused) && !v.recovered() => {
            }
            (EpisodeKind::Fault, EpisodeVerdict::Warned) => out.push(exposure(e)),
            (EpisodeKind::Fault, _) => out.push(incident(e)),
            (
                EpisodeKind::Battery
                | EpisodeKind::Overload
                | EpisodeKind::Off
                | EpisodeKind::Bypass
                | EpisodeKind::Calibration,
                _,
            ) => out.push(ups_state(e, ups)),
            (EpisodeKind::Shutdown, _) => {
                let what: Vec<String> = e
                    .lines
                    .iter()
                    .map(|k| format!("{} ×{}", kind_name(k.kind), k.count))
                    .collect();
                // Who set FSD, when upsd says, and whether upsmon was asked to (`upsmon -c fsd`).
                let by = e
                    .fsd_client
                    .as_deref()
                    .map(|c| format!(", FSD set by {c}"))
                    .unwrap_or_default();
                let asked_here = e.count(EventKind::UserFsd) > 0;
                let asked = if asked_here {
                    " (requested with upsmon -c fsd)"
                } else {
                    ""
                };
                let action = match e.fsd_client.as_deref() {
                    _ if asked_here && e.cause == Some(CauseId::FsdRequested) => "`upsmon -c fsd` was run on this host (upsmon logged `User requested FSD`): if this was no test, find who or what ran it (a person, a NOTIFYCMD or upssched CMDSCRIPT), and restart upsd to clear a latched FSD.".to_string(),
                    Some(c) => format!("If mains did not fail and this was no test, find out why {c} set FSD (its upsmon's log), and restart upsd to clear a latched FSD; otherwise check that the runtime was enough for every host."),
                    None => "If mains did not fail, find out who set FSD (upsd log `Client … set FSD`) and restart upsd to clear a latched FSD; otherwise check that the runtime was enough for every host.".to_string(),
                };
                out.push(
                    Finding::new(
                        "log.shutdown",
                        Severity::Warning,
                        format!("upsmon initiated a shutdown at {}{by}{asked}", e.start.map(|t| t.to_string()).unwrap_or_else(|| format!("line {}", e.first_line))),
                        "upsmon decided the power situation was critical (low battery on battery, or a forced shutdown) and shut the host down.",
                        action,
                    )
                    .with(episode_evidence(e))
                    .with(Evidence::new(Source::Derived, "lines", what.join(", ")))
                    .with_all(root_evidence(e))
                    .with_all(candidate_evidence(e))
                    .with_all(e.fsd_client.as_ref().map(|c| Evidence::new(Source::Log, "FSD set by", c.clone()))),
                );
            }
        }
        if e.kind == EpisodeKind::Comms {
            let stale = e.count(EventKind::PollDataStale) + e.count(EventKind::UpsdDataStale);
            if stale >= 3 {
                out.push(
                    Finding::new(
                        "log.data-stale-flood",
                        Severity::Info,
                        format!("{ups}: {stale} \"Data stale\" lines are one episode"),
                        "upsmon writes a `Poll UPS … failed - Data stale` line on every poll while the driver has no fresh data; however many lines there are, it is one episode (the driver lost the device or hangs).",
                        causes::cause("data.stale").map_or("", |c| c.action),
                    )
                    .about(ups)
                    .with(episode_evidence(e)),
                );
            }
        }
    }
    for ((ups, kind), eps) in recovered {
        let longest = eps.iter().filter_map(|e| e.duration_micros).max();
        let longest = longest
            .map(|d| format!(", longest {}", human_duration(d)))
            .unwrap_or_default();
        let (id, title, meaning, action) = match kind {
            EpisodeKind::Power => (
                "log.power-outage",
                format!("{ups}: {} power outage(s) in the log{longest}, all back on line power", eps.len()),
                "The UPS ran on battery and mains came back before anything critical happened.",
                "Nothing to do; if outages are frequent, check that the runtime covers the longest one with margin.",
            ),
            _ => (
                "log.comms-recovered",
                format!("{ups}: {} communication loss(es) in the log{longest}, all recovered automatically", eps.len()),
                "upsmon lost contact with the UPS and got it back by itself. While contact is lost a UPS on battery is treated as critical after DEADTIME.",
                "If losses recur, look at their cause in the evidence (driver, network, upsd restarts).",
            ),
        };
        let mut f = Finding::new(id, Severity::Info, title, meaning, action).about(ups);
        for e in eps.iter().take(5) {
            let cause = dominant_cause(e)
                .map(|c| format!(" ({})", c.title))
                .unwrap_or_default();
            f = f.with(Evidence::new(
                Source::Derived,
                format!("{:?} episode", e.kind).to_lowercase(),
                format!("{}{cause}", span(e)),
            ));
        }
        out.push(f);
    }
    if t.stats.unclassified > 0 || t.stats.unparsed > 0 {
        let mut f = Finding::new(
            "log.unclassified",
            Severity::Info,
            format!("{} log line(s) not understood, {} unreadable", t.stats.unclassified, t.stats.unparsed),
            "These lines match no known NUT message (a newer NUT, a custom NOTIFYMSG, or another program's output); they are counted, not dropped.",
            "Read them: if one matters, it belongs in the log-message table.",
        );
        for s in &t.unclassified_samples {
            f = f.with(Evidence::new(Source::Log, "sample", s.clone()));
        }
        out.push(f);
    }
    out
}

/// The root cause of an episode as evidence (`cause`: id, meaning, the line that names it).
fn root_evidence(e: &Episode) -> Option<Evidence> {
    let c = e.cause?;
    let at = e
        .cause_line
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default();
    let quote = e
        .cause_message
        .as_deref()
        .map(|m| format!(": {}", nut_config::document::redact_any_line(m)))
        .unwrap_or_default();
    Some(Evidence::new(
        Source::Derived,
        "cause",
        format!("{}: {}{at}{quote}", c.as_str(), c.advice().0),
    ))
}

/// The other causes the episode's evidence fits (`could also be`: the cause, why, what to check).
fn candidate_evidence(e: &Episode) -> Vec<Evidence> {
    e.candidates
        .iter()
        .map(|c| {
            let at = c.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            Evidence::new(
                Source::Derived,
                "could also be",
                format!(
                    "{}: {}{at}; check: {}",
                    c.cause.as_str(),
                    c.why,
                    c.cause.advice().1
                ),
            )
        })
        .collect()
}

/// A cause named with the ones its line cannot be told apart from (`server-not-running or firewall`).
fn cause_names(e: &Episode, cause: CauseId) -> String {
    let mut s = cause.as_str().to_string();
    for c in e.undecided() {
        s.push_str(" or ");
        s.push_str(c.cause.as_str());
    }
    s
}

/// How an episode ended, in words (`after the restart of nut-monitor at 10:02:00`).
fn ended(e: &Episode) -> String {
    match (&e.ending, e.verdict) {
        (Some(en), _) => {
            let at = en
                .at
                .map(|t| format!(" at {t}"))
                .unwrap_or_else(|| format!(" (line {})", en.line));
            if e.verdict == EpisodeVerdict::RecoveredAfterReload {
                format!("ended after the configuration reload of {}{at}", en.unit)
            } else {
                format!("ended after the restart of {}{at}", en.unit)
            }
        }
        (None, _) => e.verdict_words().to_string(),
    }
}

/// A fault (or a comms loss someone fixed) named after its root cause.
fn incident(e: &Episode) -> Finding {
    let ups = e.ups.as_deref().unwrap_or("NUT");
    let cause = e.cause.unwrap_or(CauseId::Other);
    let (meaning, action) = cause.advice();
    let fixed = e.verdict.recovered();
    let severity = match (fixed, cause.tier()) {
        (true, _) => Severity::Info,
        (false, 0 | 1) => Severity::Critical,
        (false, _) => Severity::Warning,
    };
    let what = if e.credentials_fixed() {
        "credentials fixed: ".to_string()
    } else {
        String::new()
    };
    Finding::new(
        cause.finding_id(),
        severity,
        format!("{ups}: {} — {what}{}", cause_names(e, cause), ended(e)),
        meaning,
        action,
    )
    .about(ups)
    .with(episode_evidence(e))
    .with_all(root_evidence(e))
    .with_all(candidate_evidence(e))
}

/// A run of "world readable" warnings: a secret exposure to fix, not a failure to recover from.
fn exposure(e: &Episode) -> Finding {
    let x = causes::WORLD_READABLE;
    let ups = e.ups.as_deref().unwrap_or("NUT");
    let n = e.count(EventKind::WorldReadable);
    Finding::new(
        x.id,
        Severity::Warning,
        format!("{ups}: files {} ×{n}", x.title),
        x.meaning,
        x.action,
    )
    .about(ups)
    .with(episode_evidence(e))
    .with_all(e.cause_message.as_ref().map(|m| {
        let at = e
            .cause_line
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        Evidence::new(
            Source::Log,
            format!("upsd{at}"),
            nut_config::document::redact_any_line(m),
        )
    }))
}

/// Battery replacement, overload, OFF, bypass, calibration.
fn ups_state(e: &Episode, ups: &str) -> Finding {
    let (id, sev, title, meaning, action) = match e.kind {
        EpisodeKind::Battery if e.cause == Some(CauseId::Other) => ("log.replace-battery", Severity::Info, "replace-battery flag, likely spurious (next to a low battery on line power or OL+DISCHRG)", "The UPS raised RB while its other flags did not hold together (LB without being on battery, or the driver's OL+DISCHRG warning): some firmware reports such flags spuriously.", "Run a battery test (upscmd <ups> test.battery.start.quick) and read ups.test.result; replace the battery if it fails. usbhid-ups's lbrb_log_delay_sec option (NUT 2.8.3+) can ignore short LB+RB blips."),
        EpisodeKind::Battery => ("log.replace-battery", Severity::Warning, "battery needs to be replaced", CauseId::BatteryReplace.advice().0, CauseId::BatteryReplace.advice().1),
        EpisodeKind::Overload => ("log.overload", Severity::Warning, "overloaded", CauseId::Overload.advice().0, CauseId::Overload.advice().1),
        EpisodeKind::Off => ("log.ups-off", Severity::Critical, "administratively OFF or asleep", "The UPS output is off (or the UPS sleeps): whatever it feeds is unprotected or without power.", "Check why the UPS was switched off (a shutdown.return, the front panel, a test) and switch it back on."),
        EpisodeKind::Bypass => ("log.bypass", Severity::Warning, "on bypass", "The UPS passes mains straight through: powered, not protected.", "Check the UPS (overload, fault, maintenance switch)."),
        _ => ("log.calibration", Severity::Info, "battery calibration", "The UPS ran a runtime calibration (it discharges the battery on purpose).", "Nothing to do; do not start one when mains is unreliable."),
    };
    let sev = if e.verdict.recovered() && e.kind != EpisodeKind::Battery {
        Severity::Info
    } else {
        sev
    };
    Finding::new(
        id,
        sev,
        format!("{ups}: {title} — {}", ended(e)),
        meaning,
        action,
    )
    .about(ups)
    .with(episode_evidence(e))
    .with_all(candidate_evidence(e))
}

/// How an unresolved comms episode stands, in words.
fn state_words(e: &Episode, v: EpisodeVerdict, now: Option<i64>) -> String {
    match v {
        EpisodeVerdict::StillDown => {
            let d = open_for(e, now)
                .map(|d| format!(" for {d}"))
                .unwrap_or_default();
            format!("still down when the log ends{d}")
        }
        EpisodeVerdict::ShutdownInitiated => "down when a shutdown started".into(),
        _ => "unresolved when upsmon stopped".into(),
    }
}

fn comms_unresolved(
    e: &Episode,
    ups: &str,
    v: EpisodeVerdict,
    now: Option<i64>,
) -> Option<Finding> {
    let cause = dominant_cause(e);
    // A refused login is reported by `login_not_retried`, more precisely.
    if cause.is_some_and(|c| c.id == "auth.access-denied") {
        return None;
    }
    // A root-level cause (a file, the configuration, a device, a permission) named by another line
    // than the most frequent one: the finding is about it, not about the symptom repeated on every
    // poll ("Driver not connected" after the driver refused its definition file).
    let symptom = e
        .lines
        .iter()
        .find(|k| causes::cause_of_event(k.kind).is_some())
        .and_then(|k| k.kind.cause(None));
    if let Some(root) = e
        .cause
        .filter(|c| c.tier() == 0 && *c != CauseId::LoginRefused && Some(*c) != symptom)
    {
        let mut f = incident(e);
        f.title = format!(
            "{ups}: communication {}: {}",
            state_words(e, v, now),
            cause_names(e, root)
        );
        return Some(f);
    }
    let (id, severity, title, meaning, action) = match cause {
        Some(c) => {
            let sev = if v == EpisodeVerdict::StillDown || is_config_cause(c) {
                c.severity
            } else {
                Severity::Warning
            };
            (c.id, sev, c.title, c.meaning, c.action)
        }
        None => (
            "log.comms-down",
            if v == EpisodeVerdict::StillDown {
                Severity::Critical
            } else {
                Severity::Warning
            },
            "communication lost",
            "upsmon lost contact with the UPS; the log does not say why.",
            "Probe the target (upsc <ups>@<host>) to see which step fails.",
        ),
    };
    let state = state_words(e, v, now);
    let mut f = Finding::new(
        id,
        severity,
        format!("{ups}: communication {state}: {title}"),
        meaning,
        action,
    )
    .about(ups)
    .with(episode_evidence(e))
    .with_all(candidate_evidence(e));
    if id == "ups.unknown-name" && !ups.starts_with("ups@") {
        f = f.with(Evidence::new(
            Source::Derived,
            "UPS name",
            "a Synology NAS always names its UPS `ups`: try ups@<nas>",
        ));
    }
    Some(f)
}

/// All log rules.
pub fn rules(facts: &Facts, t: &Timeline) -> Vec<Finding> {
    let mut out = login_not_retried(&facts.logs);
    out.extend(episodes(t, facts.now));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs;
    use crate::timeline;

    fn lab(n: u8) -> &'static str {
        match n {
            1 => include_str!("../../tests/data/upsmon-lab1.log"),
            2 => include_str!("../../tests/data/upsmon-lab2.log"),
            3 => include_str!("../../tests/data/upsmon-lab3.log"),
            4 => include_str!("../../tests/data/upsmon-lab4.log"),
            _ => include_str!("../../tests/data/upsmon-lab5.log"),
        }
    }

    fn run(log: &str, now: Option<i64>) -> Vec<Finding> {
        let events: Vec<_> = logs::events(log.as_bytes())
            .filter_map(|(_, e)| e.ok())
            .collect();
        let t = timeline::from_events(&events);
        let mut out = login_not_retried(&events);
        out.extend(episodes(&t, now));
        out
    }

    fn ids(f: &[Finding]) -> Vec<(&str, Severity)> {
        f.iter().map(|f| (f.id.as_ref(), f.severity)).collect()
    }

    #[test]
    fn refused_login_never_retried() {
        let f = run(lab(4), None);
        // `fopen …upsmon.pid: No such file or directory` is known start-up noise now.
        assert_eq!(
            ids(&f),
            vec![("auth.login-not-retried", Severity::Warning),]
        );
        assert_eq!(f[0].subject.as_deref(), Some("pi@127.0.0.1:34930"));
        assert!(f[0].evidence[0].value.contains("ERR ACCESS-DENIED"));
        // A later successful login clears it.
        let log = format!(
            "{}   9.0\t[D1] Logged into UPS pi@127.0.0.1:34930\n",
            lab(4)
        );
        assert!(run(&log, None)
            .iter()
            .all(|f| f.id != "auth.login-not-retried"));
    }

    #[test]
    fn unknown_ups_name_with_synology_hint() {
        let f = run(lab(5), None);
        let u = f
            .iter()
            .find(|f| f.id == "ups.unknown-name")
            .unwrap_or_else(|| panic!("{:?}", ids(&f)));
        assert_eq!(
            u.severity,
            Severity::Critical,
            "a wrong name does not fix itself"
        );
        assert!(
            u.title.contains("unresolved when upsmon stopped"),
            "{}",
            u.title
        );
        assert!(u.evidence.iter().any(|e| e.value.contains("Synology")));
    }

    #[test]
    fn lab1_recovered_loss_outage_and_shutdown() {
        let f = run(lab(1), None);
        assert_eq!(
            ids(&f),
            vec![
                ("log.shutdown", Severity::Warning),
                ("log.comms-recovered", Severity::Info),
                ("log.power-outage", Severity::Info),
            ]
        );
        assert!(
            f[1].evidence[0].value.contains("driver not connected"),
            "{:?}",
            f[1].evidence
        );
        assert!(
            f[1].evidence[0].value.contains("16 s"),
            "{:?}",
            f[1].evidence
        );
    }

    #[test]
    fn lab3_upsd_restart_recovers() {
        let f = run(lab(3), None);
        let c = f
            .iter()
            .find(|f| f.id == "log.comms-recovered")
            .unwrap_or_else(|| panic!("{:?}", ids(&f)));
        assert!(
            c.evidence[0].value.contains("connection refused"),
            "{:?}",
            c.evidence
        );
        assert!(
            !f.iter().any(|f| f.severity >= Severity::Warning),
            "{:?}",
            ids(&f)
        );
    }

    #[test]
    fn data_stale_flood_still_down() {
        let mut log = String::new();
        for i in 0..40 {
            log.push_str(&format!(
                "2026-11-26T10:{:02}:{:02}+0000 nas upsmon[7]: Poll UPS [ups@nas] failed - Data stale\n",
                i * 5 / 60,
                i * 5 % 60
            ));
        }
        let now = 1_795_687_200 + 3600; // 2026-11-26T11:00:00Z
        let f = run(&log, Some(now));
        assert_eq!(
            ids(&f),
            vec![
                ("data.stale", Severity::Critical),
                ("log.data-stale-flood", Severity::Info)
            ]
        );
        assert!(
            f[0].title
                .contains("still down when the log ends for 1 h 00 min"),
            "{}",
            f[0].title
        );
        assert!(
            f[1].title
                .contains("40 \"Data stale\" lines are one episode"),
            "{}",
            f[1].title
        );
    }

    #[test]
    fn a_shutdown_asked_for_with_upsmon_c_fsd_names_that_request() {
        // The real-host lab's `upsmon -c fsd` (Debian 12, NUT 2.8.0).
        let log = "2026-12-02T05:20:01+0000 epx upsmon[457]: Signal 10: User requested FSD\n\
                   2026-12-02T05:20:01+0000 epx upsd[464]: Client mon@127.0.0.1 set FSD on UPS [ups]\n\
                   2026-12-02T05:20:01+0000 epx upsmon[457]: UPS ups@localhost: forced shutdown in progress\n\
                   2026-12-02T05:20:01+0000 epx upsmon[457]: Executing automatic power-fail shutdown\n";
        let f = run(log, None);
        assert_eq!(ids(&f), vec![("log.shutdown", Severity::Warning)]);
        let sd = &f[0];
        assert!(
            sd.title
                .contains("FSD set by mon@127.0.0.1 (requested with upsmon -c fsd)"),
            "{}",
            sd.title
        );
        let cause: Vec<&str> = sd
            .evidence
            .iter()
            .filter(|e| e.subject == "cause")
            .map(|e| e.value.as_str())
            .collect();
        assert_eq!(cause.len(), 1, "{:?}", sd.evidence);
        assert!(
            cause[0].starts_with("fsd-requested: ")
                && cause[0].ends_with("(line 1): Signal 10: User requested FSD"),
            "{}",
            cause[0]
        );
        assert!(
            !sd.evidence.iter().any(|e| e.subject == "could also be"),
            "{:?}",
            sd.evidence
        );
        assert!(
            sd.action.contains("`upsmon -c fsd` was run on this host"),
            "{}",
            sd.action
        );
        // A forced shutdown nothing in the log asked for keeps the other explanation.
        let f = run(
            "Nov 26 10:00:01 nas upsmon[1]: UPS ups@10.0.0.2: forced shutdown in progress\n",
            None,
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.subject == "cause" && e.value.starts_with("fsd-unexpected: ")));
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.subject == "could also be" && e.value.starts_with("other: ")));
    }

    #[test]
    fn on_battery_at_the_end_is_critical() {
        let f = run("UPS ups@nas on battery\n", None);
        assert_eq!(ids(&f), vec![("log.on-battery", Severity::Critical)]);
    }

    #[test]
    fn loss_without_cause_lines() {
        let f = run(
            "Communications with UPS ups@nas lost\nUPS ups@nas is unavailable\n",
            None,
        );
        assert_eq!(ids(&f), vec![("log.comms-down", Severity::Critical)]);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(16_004_366), "16 s");
        assert_eq!(human_duration(125_000_000), "2 min 05 s");
        assert_eq!(
            human_duration(3 * 3600 * 1_000_000 + 120_000_000),
            "3 h 02 min"
        );
        assert_eq!(human_duration(52 * 3600 * 1_000_000), "2 d 04 h");
        assert_eq!(human_duration(-5), "0 s");
    }
}
