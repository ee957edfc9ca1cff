//! Transitions between two observations of one UPS, for live views (`nutctl watch`): a pure function
//! from the previous observation and the new one to the events worth noting, each with a severity and a
//! meaning taken from the status table, the threshold rules and the reality check.
//!
//! Each event also carries the line upsmon itself would log for it (`UPS x on battery`, `Communications
//! with UPS x lost`…) when there is one, so a watcher can keep a running episode log by feeding those
//! lines to a [`crate::timeline::TimelineBuilder`], exactly as if it had read upsmon's log.
//!
//! ```
//! use nut_diagnose::facts::Snapshot;
//! use nut_diagnose::knowledge::Thresholds;
//! use nut_diagnose::watch::{changes, ChangeKind, Observation};
//! use nut_proto::Target;
//!
//! let t = Target::parse("ups@127.0.0.1:3493")?;
//! let ol = Observation::Read(Snapshot::new(t.clone(), [("ups.status", "OL")]));
//! let ob = Observation::Read(Snapshot::new(t, [("ups.status", "OB")]));
//! let ev = changes(Some(&ol), &ob, &Thresholds::default());
//! assert!(ev.iter().any(|e| e.kind == ChangeKind::TokenRaised && e.id == "status.on-battery"));
//! assert!(ev.iter().any(|e| e.upsmon_line.as_deref() == Some("UPS ups@127.0.0.1:3493 on battery")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use crate::facts::{ProbeFact, Snapshot};
use crate::finding::{Finding, Severity};
use crate::knowledge::{status as status_table, EventKind, Thresholds};
use crate::logs::{Clock, Format, LogEvent, Timestamp};
use crate::rules::{reality_check, status as status_rules};
use crate::timeline::{Episode, Timeline, TimelineBuilder};

/// One observation of a UPS: its variables, or why they could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The variables were read.
    Read(Snapshot),
    /// The read failed; the probe fact says how (refused, timeout, unknown UPS…).
    Failed(ProbeFact),
}

/// What kind of change an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The first observation of the UPS (there is no previous one).
    FirstSeen,
    /// A status token appeared (`OB`).
    TokenRaised,
    /// A status token went away.
    TokenCleared,
    /// Charge, runtime or load moved to another threshold level.
    Threshold,
    /// The UPS could not be read any more (or could not be read at first).
    CommsLost,
    /// The UPS can be read again.
    CommsRestored,
}

/// One noted change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// The UPS (`ups@host:port`).
    pub target: String,
    /// How much it matters now (a cleared warning is `ok`).
    pub severity: Severity,
    /// The id of the finding or table entry behind it (`status.on-battery`, `threshold.charge.warning`,
    /// `net.refused`).
    pub id: String,
    /// One line for people.
    pub title: String,
    /// What it means, from the table or rule.
    pub meaning: String,
    /// The value before (a token, a variable value, a status), when there is one.
    pub from: Option<String>,
    /// The value after.
    pub to: Option<String>,
    /// The message upsmon logs for the same change, if it logs one (no timestamp, no envelope).
    pub upsmon_line: Option<String>,
    /// The same change as the log event it stands for, so a watch feeds the timeline typed events.
    pub event: Option<EventKind>,
}

/// The status tokens of a snapshot (upper-cased, as upsmon compares them).
fn tokens(s: &Snapshot) -> Vec<String> {
    s.get("ups.status")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The line upsmon logs when a token appears or goes away (nut-facts §2.3 notify texts).
/// The log event upsmon notes for a status token appearing (none for the others).
fn upsmon_token_event(token: &str, raised: bool) -> Option<EventKind> {
    match (token, raised) {
        ("OB", true) => Some(EventKind::OnBattery),
        ("OL", true) => Some(EventKind::OnLine),
        ("LB", true) => Some(EventKind::LowBattery),
        ("FSD", true) => Some(EventKind::ForcedShutdown),
        _ => None,
    }
}

fn upsmon_token_line(target: &str, token: &str, raised: bool) -> Option<String> {
    match (token, raised) {
        ("OB", true) => Some(format!("UPS {target} on battery")),
        ("OL", true) => Some(format!("UPS {target} on line power")),
        ("LB", true) => Some(format!("UPS {target} battery is low")),
        ("FSD", true) => Some(format!("UPS {target}: forced shutdown in progress")),
        _ => None,
    }
}

fn failure_finding(p: &ProbeFact) -> Finding {
    reality_check::reality_check(p).unwrap_or_else(|| {
        Finding::new(
            "watch.unreadable",
            Severity::Critical,
            format!("{}: cannot be read", p.target),
            "The UPS could not be read; nothing can be judged while this lasts.",
            "Run `nutctl check` on the target.",
        )
    })
}

fn from_finding(kind: ChangeKind, target: &str, f: &Finding) -> Change {
    Change {
        kind,
        target: target.to_string(),
        severity: f.severity,
        id: f.id.to_string(),
        title: f.title.clone(),
        meaning: f.meaning.clone(),
        from: None,
        to: None,
        upsmon_line: None,
        event: None,
    }
}

fn metric_of(id: &str) -> Option<&str> {
    id.strip_prefix("threshold.")
        .and_then(|rest| rest.split('.').next())
}

fn threshold_value(f: &Finding) -> Option<String> {
    f.evidence.first().map(|e| e.value.clone())
}

/// The changes from `prev` (none: the first observation) to `next`, in a stable order: communications,
/// then tokens raised, tokens cleared, thresholds. Pure.
pub fn changes(prev: Option<&Observation>, next: &Observation, t: &Thresholds) -> Vec<Change> {
    let mut out = Vec::new();
    match (prev, next) {
        (None | Some(Observation::Read(_)), Observation::Failed(p)) => {
            let target = p.target.to_string();
            let f = failure_finding(p);
            let mut c = from_finding(ChangeKind::CommsLost, &target, &f);
            c.upsmon_line = Some(format!("Communications with UPS {target} lost"));
            c.event = Some(EventKind::CommLost);
            out.push(c);
        }
        (Some(Observation::Failed(_)), Observation::Failed(_)) => {}
        (None, Observation::Read(s)) => {
            let target = s.target.to_string();
            let mut found = status_rules::status(s);
            found.extend(
                status_rules::thresholds(s, t)
                    .into_iter()
                    .filter(|f| f.severity > Severity::Info),
            );
            let severity = found
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Info);
            let raw = s.get("ups.status").unwrap_or_default().to_string();
            let meaning = found
                .iter()
                .filter(|f| f.severity == severity)
                .map(|f| f.title.clone())
                .collect::<Vec<_>>()
                .join("; ");
            out.push(Change {
                kind: ChangeKind::FirstSeen,
                target: target.clone(),
                severity,
                id: "watch.first-seen".to_string(),
                title: format!("{target}: first reading, status {raw}"),
                meaning,
                from: None,
                // upsmon reports a UPS found on battery at its first poll as ONBATT.
                upsmon_line: tokens(s)
                    .iter()
                    .any(|t| t == "OB")
                    .then(|| format!("UPS {target} on battery")),
                event: tokens(s)
                    .iter()
                    .any(|t| t == "OB")
                    .then_some(EventKind::OnBattery),
                to: Some(raw),
            });
        }
        (Some(Observation::Failed(_)), Observation::Read(s)) => {
            out.push(restored(s));
            // What changed while it could not be read is judged against nothing: report the
            // current state as a first reading would.
            out.extend(
                changes(None, next, t)
                    .into_iter()
                    .map(|mut c| {
                        c.id = "watch.status-after-restore".to_string();
                        c
                    })
                    .filter(|c| c.severity > Severity::Info),
            );
        }
        (Some(Observation::Read(a)), Observation::Read(b)) => {
            let target = b.target.to_string();
            let (ta, tb) = (tokens(a), tokens(b));
            for tok in tb.iter().filter(|x| !ta.contains(x)) {
                out.push(token_change(&target, tok, true, a, b));
            }
            for tok in ta.iter().filter(|x| !tb.contains(x)) {
                out.push(token_change(&target, tok, false, a, b));
            }
            let before = status_rules::thresholds(a, t);
            for f in status_rules::thresholds(b, t) {
                let Some(metric) = metric_of(&f.id) else {
                    continue;
                };
                let old = before.iter().find(|o| metric_of(&o.id) == Some(metric));
                if old.is_some_and(|o| o.id == f.id) {
                    continue;
                }
                let mut c = from_finding(ChangeKind::Threshold, &target, &f);
                c.from = old.and_then(threshold_value);
                c.to = threshold_value(&f);
                out.push(c);
            }
        }
    }
    out
}

fn restored(s: &Snapshot) -> Change {
    let target = s.target.to_string();
    Change {
        kind: ChangeKind::CommsRestored,
        target: target.clone(),
        severity: Severity::Ok,
        id: "watch.comms-restored".to_string(),
        title: format!("{target}: readable again"),
        meaning: "The server answers again; the status below is current.".to_string(),
        from: None,
        to: s.get("ups.status").map(str::to_string),
        upsmon_line: Some(format!("Communications with UPS {target} established")),
        event: Some(EventKind::CommOk),
    }
}

/// Like [`changes`], with the last successful read remembered across a gap: when the UPS can be read
/// again, what changed while it could not be read (on battery and back, a threshold crossed) is
/// reported against `last_read`, as upsmon reports it once communications are back. Without
/// `last_read` this is [`changes`].
pub fn changes_since(
    last_read: Option<&Snapshot>,
    prev: Option<&Observation>,
    next: &Observation,
    t: &Thresholds,
) -> Vec<Change> {
    match (last_read, prev, next) {
        (Some(old), Some(Observation::Failed(_)), Observation::Read(s)) => {
            let mut out = vec![restored(s)];
            out.extend(changes(Some(&Observation::Read(old.clone())), next, t));
            out
        }
        _ => changes(prev, next, t),
    }
}

fn token_change(target: &str, tok: &str, raised: bool, a: &Snapshot, b: &Snapshot) -> Change {
    let known = status_table::lookup(tok);
    let (kind, verb) = if raised {
        (ChangeKind::TokenRaised, "raised")
    } else {
        (ChangeKind::TokenCleared, "cleared")
    };
    let title_of = known.map_or("not a NUT token", |k| k.title);
    let severity = match (known, raised) {
        (Some(k), true) => k.severity,
        (None, true) => Severity::Info,
        // A problem going away is good news; an ordinary token going away is just noted.
        (Some(k), false) if k.severity > Severity::Info => Severity::Ok,
        (_, false) => Severity::Info,
    };
    Change {
        kind,
        target: target.to_string(),
        severity,
        id: known.map_or_else(|| "status.unknown-token".to_string(), |k| k.id.to_string()),
        title: format!("{target}: {tok} {verb} ({title_of})"),
        meaning: known.map_or_else(
            || "The driver sent a token NUT does not define.".to_string(),
            |k| k.meaning.to_string(),
        ),
        from: a.get("ups.status").map(str::to_string),
        to: b.get("ups.status").map(str::to_string),
        upsmon_line: upsmon_token_line(target, tok, raised),
        event: upsmon_token_event(tok, raised),
    }
}

/// The running episode log of a watch: each change that upsmon would log goes to the timeline as a typed
/// event (its [`Change::event`], the UPS, the time since the start of the watch), no text parsed.
#[derive(Debug, Default)]
pub struct EpisodeLog {
    builder: TimelineBuilder,
    events: u64,
}

impl EpisodeLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a change into account at `rel_micros` since the start; true when it was an event.
    pub fn push(&mut self, c: &Change, rel_micros: i64) -> bool {
        let Some(kind) = c.event else {
            return false;
        };
        self.events += 1;
        let ev = LogEvent {
            line: self.events,
            format: Format::Upsmon,
            time: Some(Timestamp {
                clock: Clock::Relative,
                micros: rel_micros.max(0),
            }),
            host: None,
            ident: Some("upsmon".into()),
            pid: None,
            kind,
            ups: Some(c.target.as_str().into()),
            detail: None,
            message: c.upsmon_line.as_deref().unwrap_or("").into(),
        };
        self.builder.push(&ev);
        true
    }

    /// The episodes that ended since the last call, each once.
    pub fn take_finished(&mut self) -> Vec<Episode> {
        self.builder.take_finished()
    }

    /// The timeline so far (open episodes as "still down").
    pub fn timeline(&self) -> Timeline {
        self.builder.snapshot()
    }
}

/// What a [`Watcher`] reports for one observation, in order.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// A transition since the previous observation of the same target.
    Change(Change),
    /// An episode of the running log ended (each is reported once).
    Episode(Episode),
}

/// The state of a watch over a fixed list of targets: the previous observation and the last
/// successful read of each, the running episode log, and the lines upsmon would have logged. It
/// owns no clock and no socket: the caller polls and hands each [`Observation`] in, with the time
/// since the start of the watch (`nutctl watch` on the wall clock, the demo on a virtual one).
#[derive(Debug)]
pub struct Watcher {
    prev: Vec<Option<Observation>>,
    /// The last successful read of each target, to report what changed during a gap.
    last_read: Vec<Option<Snapshot>>,
    thresholds: Thresholds,
    episodes: EpisodeLog,
    log: Vec<String>,
}

impl Watcher {
    /// A watcher of `targets` targets (indexed from 0), nothing seen yet.
    pub fn new(targets: usize, thresholds: Thresholds) -> Self {
        Watcher {
            prev: (0..targets).map(|_| None).collect(),
            last_read: (0..targets).map(|_| None).collect(),
            thresholds,
            episodes: EpisodeLog::new(),
            log: Vec::new(),
        }
    }

    /// Takes one observation of target `i` into account, `rel_micros` after the start of the
    /// watch; returns the changes it shows and the episodes that ended with them. An index out of
    /// range reports nothing.
    pub fn observe(&mut self, i: usize, obs: Observation, rel_micros: i64) -> Vec<WatchEvent> {
        let (Some(prev_slot), Some(last_slot)) = (self.prev.get_mut(i), self.last_read.get_mut(i))
        else {
            return Vec::new();
        };
        let changes = changes_since(
            last_slot.as_ref(),
            prev_slot.as_ref(),
            &obs,
            &self.thresholds,
        );
        if let Observation::Read(s) = &obs {
            *last_slot = Some(s.clone());
        }
        *prev_slot = Some(obs);
        let mut out = Vec::new();
        let mut logged = false;
        for c in changes {
            if let Some(line) = &c.upsmon_line {
                let secs = rel_micros.max(0) / 1_000_000;
                let us = rel_micros.max(0) % 1_000_000;
                self.log.push(format!("{secs:>4}.{us:06}\t{line}"));
            }
            logged |= self.episodes.push(&c, rel_micros);
            out.push(WatchEvent::Change(c));
        }
        if logged {
            out.extend(
                self.episodes
                    .take_finished()
                    .into_iter()
                    .map(WatchEvent::Episode),
            );
        }
        out
    }

    /// The running episode log so far (open episodes as "still down").
    pub fn timeline(&self) -> Timeline {
        self.episodes.timeline()
    }

    /// The lines upsmon would have logged so far, in `upsmon -D` form (seconds since the start).
    pub fn log_lines(&self) -> &[String] {
        &self.log
    }

    /// The worst severity of the current state of every target, as a first reading would judge it.
    pub fn current_worst(&self) -> Option<Severity> {
        self.prev
            .iter()
            .flatten()
            .flat_map(|o| changes(None, o, &self.thresholds))
            .map(|c| c.severity)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TcpOutcome;
    use crate::timeline::{EpisodeKind, EpisodeVerdict, TimelineBuilder};
    use nut_proto::Target;

    #[test]
    fn watcher_reports_changes_and_ended_episodes_once() {
        let mut w = Watcher::new(1, Thresholds::default());
        let ol = || read(&[("ups.status", "OL"), ("battery.charge", "100")]);
        let ob = || read(&[("ups.status", "OB DISCHRG"), ("battery.charge", "90")]);
        let first = w.observe(0, ol(), 0);
        assert!(first.iter().any(|e| matches!(e, WatchEvent::Change(_))));
        assert!(w.observe(0, ol(), 1_000_000).is_empty(), "nothing changed");
        let on_battery = w.observe(0, ob(), 2_000_000);
        assert!(on_battery
            .iter()
            .all(|e| matches!(e, WatchEvent::Change(_))));
        let back = w.observe(0, ol(), 5_000_000);
        let ended: Vec<_> = back
            .iter()
            .filter_map(|e| match e {
                WatchEvent::Episode(ep) => Some(ep),
                WatchEvent::Change(_) => None,
            })
            .collect();
        assert_eq!(ended.len(), 1, "{back:?}");
        assert_eq!(ended[0].kind, EpisodeKind::Power);
        assert_eq!(ended[0].duration_micros, Some(3_000_000));
        assert_eq!(w.timeline().episodes.len(), 1);
        assert!(
            w.log_lines().iter().any(|l| l.contains("on battery")),
            "{:?}",
            w.log_lines()
        );
        assert!(w.observe(7, ol(), 6_000_000).is_empty(), "unknown index");
        assert_eq!(w.current_worst(), Some(Severity::Ok));
    }

    fn target() -> Target {
        Target::parse("ups@127.0.0.1:3493").unwrap()
    }

    fn read(vars: &[(&str, &str)]) -> Observation {
        Observation::Read(Snapshot::new(target(), vars.iter().copied()))
    }

    fn failed() -> Observation {
        let mut p = ProbeFact::new(target());
        p.tcp = Some(TcpOutcome::Refused);
        Observation::Failed(p)
    }

    #[test]
    fn ob_then_lb_then_ol_with_severities_from_the_table() {
        let t = Thresholds::default();
        let ol = read(&[("ups.status", "OL"), ("battery.charge", "100")]);
        let ob = read(&[("ups.status", "OB"), ("battery.charge", "100")]);
        let lb = read(&[("ups.status", "OB LB"), ("battery.charge", "9")]);
        let c = changes(Some(&ol), &ob, &t);
        let kinds: Vec<_> = c
            .iter()
            .map(|c| (c.kind, c.id.as_str(), c.severity))
            .collect();
        assert!(kinds.contains(&(
            ChangeKind::TokenRaised,
            "status.on-battery",
            Severity::Warning
        )));
        assert!(kinds.contains(&(ChangeKind::TokenCleared, "status.online", Severity::Info)));
        let c = changes(Some(&ob), &lb, &t);
        assert!(c.iter().any(|c| c.kind == ChangeKind::TokenRaised
            && c.upsmon_line.as_deref() == Some("UPS ups@127.0.0.1:3493 battery is low")));
        let thr = c.iter().find(|c| c.kind == ChangeKind::Threshold).unwrap();
        assert!(thr.id.starts_with("threshold.charge."), "{}", thr.id);
        assert_eq!(
            (thr.from.as_deref(), thr.to.as_deref()),
            (Some("100"), Some("9"))
        );
        let c = changes(Some(&lb), &ol, &t);
        assert!(c
            .iter()
            .any(|c| c.kind == ChangeKind::TokenCleared && c.severity == Severity::Ok));
        assert!(changes(Some(&ol), &ol, &t).is_empty());
    }

    #[test]
    fn comms_lost_and_restored_make_an_episode() {
        let t = Thresholds::default();
        let ol = read(&[("ups.status", "OL")]);
        let lost = changes(Some(&ol), &failed(), &t);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].kind, ChangeKind::CommsLost);
        assert_eq!(lost[0].id, "net.refused");
        assert_eq!(lost[0].severity, Severity::Critical);
        assert!(changes(Some(&failed()), &failed(), &t).is_empty());
        let back = changes(Some(&failed()), &ol, &t);
        assert_eq!(back[0].kind, ChangeKind::CommsRestored);
        // The upsmon lines build a comms episode that recovered.
        let mut b = TimelineBuilder::new();
        let lines: Vec<String> = lost
            .iter()
            .chain(&back)
            .filter_map(|c| c.upsmon_line.clone())
            .enumerate()
            .map(|(i, l)| format!("{:>4}.000000\t{l}", i + 1))
            .collect();
        for (n, ev) in crate::logs::events(lines.join("\n").as_bytes()) {
            match ev {
                Ok(ev) => b.push(&ev),
                Err(e) => b.push_error(n, &e),
            }
        }
        let tl = b.finish();
        assert_eq!(tl.episodes.len(), 1);
        assert_eq!(tl.episodes[0].kind, EpisodeKind::Comms);
        assert_eq!(
            tl.episodes[0].verdict,
            EpisodeVerdict::RecoveredAutomatically
        );
    }

    #[test]
    fn a_gap_is_bridged_by_the_last_read() {
        let t = Thresholds::default();
        let ob = read(&[("ups.status", "OB")]);
        let ol = read(&[("ups.status", "OL")]);
        let Observation::Read(last) = &ob else {
            unreachable!()
        };
        let c = changes_since(Some(last), Some(&failed()), &ol, &t);
        assert_eq!(c[0].kind, ChangeKind::CommsRestored);
        assert!(c.iter().any(|c| c.kind == ChangeKind::TokenRaised
            && c.upsmon_line.as_deref() == Some("UPS ups@127.0.0.1:3493 on line power")));
        // Nothing changed during the gap: only the restore.
        let c = changes_since(Some(last), Some(&failed()), &ob, &t);
        assert_eq!(c.len(), 1);
        // Without a gap it is `changes`.
        assert_eq!(
            changes_since(Some(last), Some(&ob), &ol, &t),
            changes(Some(&ob), &ol, &t)
        );
    }

    #[test]
    fn first_reading_takes_the_worst_finding() {
        let t = Thresholds::default();
        let c = changes(None, &read(&[("ups.status", "OB LB")]), &t);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::FirstSeen);
        assert_eq!(c[0].severity, Severity::Critical);
        assert_eq!(
            c[0].upsmon_line.as_deref(),
            Some("UPS ups@127.0.0.1:3493 on battery")
        );
        let c = changes(None, &read(&[("ups.status", "OL")]), &t);
        assert_eq!(c[0].upsmon_line, None);
        let c = changes(None, &failed(), &t);
        assert_eq!(c[0].kind, ChangeKind::CommsLost);
    }
}
