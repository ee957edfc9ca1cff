//! Log events → a timeline of episodes: communications lost → established, on battery → on line power,
//! and forced shutdowns, each with start, end, duration and a verdict.
//!
//! One outage is one episode however many lines upsmon writes about it: a driver that is gone for an hour
//! produces a "Poll … failed - Driver not connected" line every poll, and the timeline turns them into one
//! episode with a count. Lines the table does not know are counted (and a few kept as samples), never
//! silently dropped.
//!
//! ```
//! use nut_diagnose::timeline::{timeline, EpisodeKind, EpisodeVerdict};
//! let log = b"   6.004081\tCommunications with UPS pi@127.0.0.1:34930 lost\n\
//!             22.008407\tCommunications with UPS pi@127.0.0.1:34930 established\n";
//! let t = timeline(log);
//! let e = &t.episodes[0];
//! assert_eq!((e.kind, e.verdict), (EpisodeKind::Comms, EpisodeVerdict::RecoveredAutomatically));
//! assert_eq!(e.duration_micros, Some(16_004_326));
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::knowledge::EventKind;
use crate::logs::{self, Clock, LineError, LogEvent, Timestamp};

/// Most episodes one timeline keeps; beyond it episodes are only counted (`Stats::episodes_dropped`), so
/// a hostile or absurd log cannot grow memory without bound.
pub const MAX_EPISODES: usize = 10_000;

/// How many unclassified lines are kept as samples, and how long each sample may be.
pub const SAMPLES: usize = 5;
const SAMPLE_LEN: usize = 200;

/// What an episode is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EpisodeKind {
    /// upsmon (or upsd) could not talk to the UPS: from the first failure to "established".
    Comms,
    /// The UPS ran on battery: from "on battery" to "on line power".
    Power,
    /// The host started a forced shutdown (FSD, "Executing automatic power-fail shutdown").
    Shutdown,
}

/// How an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EpisodeVerdict {
    /// It ended by itself ("established", "on line power").
    RecoveredAutomatically,
    /// It had not ended when the log ends: communications still down, or still on battery.
    StillDown,
    /// A shutdown started during it (or it is the shutdown).
    ShutdownInitiated,
    /// upsmon stopped (exit signal) or the machine rebooted before the episode ended.
    MonitoringStopped,
}

impl EpisodeVerdict {
    /// Human wording, as the seed guide says it.
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeVerdict::RecoveredAutomatically => "recovered automatically",
            EpisodeVerdict::StillDown => "still down",
            EpisodeVerdict::ShutdownInitiated => "shutdown initiated",
            EpisodeVerdict::MonitoringStopped => "monitoring stopped",
        }
    }
}

/// How many lines of one kind an episode holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// The event kind.
    pub kind: EventKind,
    /// How many lines of it.
    pub count: u64,
}

/// One episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// What it is about.
    pub kind: EpisodeKind,
    /// The UPS as the log names it (`ups@host[:port]` from upsmon, `ups` from upsd); none for a shutdown.
    pub ups: Option<String>,
    /// Time of the first line, if the log has times.
    pub start: Option<Timestamp>,
    /// Time of the closing line (or the last line seen, for a shutdown); none while still open.
    pub end: Option<Timestamp>,
    /// `end − start` in microseconds, when both are known on the same clock.
    pub duration_micros: Option<i64>,
    /// How it ended.
    pub verdict: EpisodeVerdict,
    /// Line number of the first line.
    pub first_line: u64,
    /// Line number of the last line that belonged to it.
    pub last_line: u64,
    /// Every line that belonged to it, by kind (most frequent first).
    pub lines: Vec<KindCount>,
    /// For a power episode: the battery was reported low during it.
    pub low_battery: bool,
}

impl Episode {
    /// Total number of lines in the episode.
    pub fn line_count(&self) -> u64 {
        self.lines.iter().map(|k| k.count).sum()
    }

    /// Number of lines of one kind.
    pub fn count(&self, kind: EventKind) -> u64 {
        self.lines
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| k.count)
            .sum()
    }
}

/// What the timeline saw, line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Non-blank lines read.
    pub lines: u64,
    /// Lines the table understood (including debug lines, banners and harmless noise).
    pub classified: u64,
    /// NUT lines (or lines of unknown origin) that no template matches.
    pub unclassified: u64,
    /// Lines from other programs.
    pub foreign: u64,
    /// Journal markers (`-- Boot … --`).
    pub markers: u64,
    /// Lines that could not be read at all (too long, broken JSON).
    pub unparsed: u64,
    /// Episodes beyond [`MAX_EPISODES`], counted but not kept.
    pub episodes_dropped: u64,
}

/// The result: episodes in order of their first line, counts, and samples of what was not understood.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Every episode, ordered by first line.
    pub episodes: Vec<Episode>,
    /// Line counts.
    pub stats: Stats,
    /// The first few unclassified messages (truncated), so a reader can see what was missed.
    pub unclassified_samples: Vec<String>,
}

/// Parses `input` as log lines and builds the timeline.
pub fn timeline(input: &[u8]) -> Timeline {
    let mut b = TimelineBuilder::new();
    for (line, ev) in logs::events(input) {
        match ev {
            Ok(ev) => b.push(&ev),
            Err(e) => b.push_error(line, &e),
        }
    }
    b.finish()
}

/// Builds a timeline from events already parsed (for [`crate::Facts`]).
pub fn from_events<'a, 'e: 'a>(events: impl IntoIterator<Item = &'a LogEvent<'e>>) -> Timeline {
    let mut b = TimelineBuilder::new();
    for ev in events {
        b.push(ev);
    }
    b.finish()
}

#[derive(Debug)]
struct Open {
    ep: Episode,
    /// Per-kind counts; an episode holds a handful of kinds, so a short list beats hashing every line.
    counts: Vec<KindCount>,
    shutdown: bool,
}

impl Open {
    fn new(
        kind: EpisodeKind,
        ups: Option<&str>,
        ev: &LogEvent<'_>,
        time: Option<Timestamp>,
    ) -> Self {
        Open {
            ep: Episode {
                kind,
                ups: ups.map(str::to_string),
                start: time,
                end: None,
                duration_micros: None,
                verdict: EpisodeVerdict::StillDown,
                first_line: ev.line,
                last_line: ev.line,
                lines: Vec::new(),
                low_battery: false,
            },
            counts: Vec::new(),
            shutdown: false,
        }
    }

    fn add(&mut self, ev: &LogEvent<'_>) {
        match self.counts.iter_mut().find(|k| k.kind == ev.kind) {
            Some(k) => k.count += 1,
            None => self.counts.push(KindCount {
                kind: ev.kind,
                count: 1,
            }),
        }
        self.ep.last_line = ev.line;
    }

    fn close(mut self, end: Option<Timestamp>, verdict: EpisodeVerdict) -> Episode {
        self.ep.end = end;
        self.ep.duration_micros = match (self.ep.start, end) {
            (Some(s), Some(e)) => s.until(&e).filter(|d| *d >= 0),
            _ => None,
        };
        self.ep.verdict = if self.shutdown {
            EpisodeVerdict::ShutdownInitiated
        } else {
            verdict
        };
        let mut lines = self.counts;
        lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
        self.ep.lines = lines;
        self.ep
    }
}

/// Streaming builder: push events in log order, then [`TimelineBuilder::finish`].
#[derive(Debug, Default)]
pub struct TimelineBuilder {
    comms: HashMap<String, Open>,
    power: HashMap<String, Open>,
    shutdown: Option<Open>,
    done: Vec<Episode>,
    /// How many of `done` [`TimelineBuilder::take_finished`] has handed out already.
    handed_out: usize,
    stats: Stats,
    samples: Vec<String>,
    last_time: Option<Timestamp>,
    last_yearless: Option<i64>,
    year_offset: i64,
}

/// Microseconds in 366 days: what a `-o short` clock gains when the log crosses New Year.
const YEAR_MICROS: i64 = 366 * 86_400 * 1_000_000;

impl TimelineBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a line that could not be read.
    pub fn push_error(&mut self, _line: u64, _err: &LineError) {
        self.stats.lines += 1;
        self.stats.unparsed += 1;
    }

    /// Normalises a year-less timestamp across New Year (a jump back of more than half a year).
    fn normalise(&mut self, t: Option<Timestamp>) -> Option<Timestamp> {
        let mut t = t?;
        if t.clock == Clock::Yearless {
            if let Some(last) = self.last_yearless {
                if t.micros < last - YEAR_MICROS / 2 {
                    self.year_offset = self.year_offset.saturating_add(YEAR_MICROS);
                }
            }
            self.last_yearless = Some(t.micros);
            t.micros = t.micros.saturating_add(self.year_offset);
        }
        self.last_time = Some(t);
        Some(t)
    }

    fn emit(&mut self, ep: Episode) {
        if self.done.len() < MAX_EPISODES {
            self.done.push(ep);
        } else {
            self.stats.episodes_dropped += 1;
        }
    }

    /// Takes one event into account.
    pub fn push(&mut self, ev: &LogEvent<'_>) {
        use EventKind::*;
        self.stats.lines += 1;
        match ev.kind {
            Unclassified => {
                self.stats.unclassified += 1;
                if self.samples.len() < SAMPLES {
                    let mut end = ev.message.len().min(SAMPLE_LEN);
                    while !ev.message.is_char_boundary(end) {
                        end -= 1;
                    }
                    self.samples
                        .push(ev.message.get(..end).unwrap_or("").to_string());
                }
                return;
            }
            Foreign => {
                self.stats.foreign += 1;
                return;
            }
            Marker => self.stats.markers += 1,
            _ => self.stats.classified += 1,
        }
        let time = self.normalise(ev.time);
        let ups = ev.ups.as_deref();
        match ev.kind {
            // A refused login opens no episode by itself: upsmon keeps polling without a login (reads need
            // none), so communication is not lost; the login rule reports it.
            CommLost
            | NoComm
            | ConnectRefused
            | ConnectNoRoute
            | ConnectNetUnreachable
            | ConnectTimedOut
            | ConnectNoSuchHost
            | ConnectFailed
            | PollDataStale
            | PollDriverNotConnected
            | PollUnknownUps
            | PollServerGone
            | PollFailed
            | PollFailureState
            | UpsdDataStale
            | UpsdDriverMissing => {
                if let Some(u) = ups {
                    self.open_add(EpisodeKind::Comms, u, ev, time);
                }
            }
            CommOk | PollRecovered | UpsdDataOk | UpsdDriverConnected => {
                if let Some(mut o) = ups.and_then(|u| self.comms.remove(u)) {
                    o.add(ev);
                    let ep = o.close(time, EpisodeVerdict::RecoveredAutomatically);
                    self.emit(ep);
                }
            }
            OnBattery => {
                if let Some(u) = ups {
                    self.open_add(EpisodeKind::Power, u, ev, time);
                }
            }
            LowBattery => {
                if let Some(o) = ups.and_then(|u| self.power.get_mut(u)) {
                    o.add(ev);
                    o.ep.low_battery = true;
                }
            }
            OnLine => {
                if let Some(mut o) = ups.and_then(|u| self.power.remove(u)) {
                    o.add(ev);
                    let ep = o.close(time, EpisodeVerdict::RecoveredAutomatically);
                    self.emit(ep);
                }
            }
            kind if kind.is_shutdown() => {
                // CriticalUps (debug) alone does not start a shutdown, but belongs to one that started.
                if ev.kind == CriticalUps && self.shutdown.is_none() {
                    return;
                }
                for o in self.comms.values_mut().chain(self.power.values_mut()) {
                    o.shutdown = true;
                }
                if let Some(o) = ups.and_then(|u| self.power.get_mut(u)) {
                    o.add(ev);
                }
                let sd = self
                    .shutdown
                    .get_or_insert_with(|| Open::new(EpisodeKind::Shutdown, None, ev, time));
                sd.add(ev);
                sd.ep.end = time.or(sd.ep.end);
            }
            Exiting if ev.ident.as_deref().map_or(true, |i| i == "upsmon") => self.stop_all(time),
            Marker if ev.message.starts_with("-- Boot") || ev.message.starts_with("-- Reboot") => {
                self.stop_all(self.last_time)
            }
            _ => {
                // Any other line about a UPS with an open episode belongs to it (NOCOMM repeats, notices).
                if let Some(o) = ups.and_then(|u| self.comms.get_mut(u)) {
                    o.add(ev);
                }
            }
        }
    }

    /// Adds the event to the open episode of `kind` for `ups`, opening one on this event if needed.
    /// Looks up before inserting: most events belong to an episode already open, and the key would
    /// otherwise be copied for every line.
    fn open_add(
        &mut self,
        kind: EpisodeKind,
        ups: &str,
        ev: &LogEvent<'_>,
        time: Option<Timestamp>,
    ) {
        let map = match kind {
            EpisodeKind::Power => &mut self.power,
            _ => &mut self.comms,
        };
        match map.get_mut(ups) {
            Some(o) => o.add(ev),
            None => {
                let mut o = Open::new(kind, Some(ups), ev, time);
                o.add(ev);
                map.insert(ups.to_string(), o);
            }
        }
    }

    /// upsmon stopped or the machine rebooted: everything open ends here.
    fn stop_all(&mut self, time: Option<Timestamp>) {
        let mut open: Vec<Open> = self.comms.drain().map(|(_, o)| o).collect();
        open.extend(self.power.drain().map(|(_, o)| o));
        for o in open {
            let ep = o.close(time, EpisodeVerdict::MonitoringStopped);
            self.emit(ep);
        }
        if let Some(sd) = self.shutdown.take() {
            let end = sd.ep.end;
            let ep = sd.close(end, EpisodeVerdict::ShutdownInitiated);
            self.emit(ep);
        }
    }

    /// The episodes that have ended since the last call (recovered, or closed because upsmon stopped
    /// or the machine rebooted), in the order they ended, without finishing the builder.
    ///
    /// Why: a follower (`logs --follow`, `watch`) wants each episode once, as soon as it ends, and
    /// used to rebuild the whole timeline after every chunk to find them. Episodes still open — a
    /// shutdown in progress included — are not handed out; [`TimelineBuilder::finish`] still returns
    /// every episode, the handed-out ones too.
    pub fn take_finished(&mut self) -> Vec<Episode> {
        let start = self.handed_out.min(self.done.len());
        self.handed_out = self.done.len();
        self.done.get(start..).unwrap_or_default().to_vec()
    }

    /// Closes what is still open (verdict "still down", or "shutdown initiated") and returns the timeline.
    pub fn finish(mut self) -> Timeline {
        let mut open: Vec<Open> = self.comms.drain().map(|(_, o)| o).collect();
        open.extend(self.power.drain().map(|(_, o)| o));
        for o in open {
            let ep = o.close(None, EpisodeVerdict::StillDown);
            self.emit(ep);
        }
        if let Some(sd) = self.shutdown.take() {
            let end = sd.ep.end;
            let ep = sd.close(end, EpisodeVerdict::ShutdownInitiated);
            self.emit(ep);
        }
        self.done.sort_by_key(|e| (e.first_line, e.kind as u8));
        Timeline {
            episodes: self.done,
            stats: self.stats,
            unclassified_samples: self.samples,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB1: &str = include_str!("../tests/data/upsmon-lab1.log");

    fn push_all(b: &mut TimelineBuilder, text: &str) {
        for (line, ev) in logs::events(text.as_bytes()) {
            match ev {
                Ok(ev) => b.push(&ev),
                Err(e) => b.push_error(line, &e),
            }
        }
    }

    #[test]
    fn take_finished_hands_out_each_ended_episode_once() {
        let mut b = TimelineBuilder::new();
        push_all(
            &mut b,
            "   1.000000\tUPS a@h on battery\n   2.000000\tUPS b@h on battery\n",
        );
        assert!(b.take_finished().is_empty(), "both still open");
        push_all(&mut b, "   9.000000\tUPS a@h on line power\n");
        let first = b.take_finished();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].ups.as_deref(), Some("a@h"));
        assert_eq!(first[0].verdict, EpisodeVerdict::RecoveredAutomatically);
        assert!(b.take_finished().is_empty(), "handed out once");
        // upsmon stops: the open one ends as "monitoring stopped" and is handed out then.
        push_all(&mut b, "  12.000000\tSignal 15: exiting\n");
        let second = b.take_finished();
        assert_eq!(second.len(), 1, "{second:?}");
        assert_eq!(second[0].ups.as_deref(), Some("b@h"));
        assert_eq!(second[0].verdict, EpisodeVerdict::MonitoringStopped);
        // finish() still returns everything, handed out or not, in order of first line.
        let all = b.finish();
        let ups: Vec<_> = all.episodes.iter().map(|e| e.ups.as_deref()).collect();
        assert_eq!(ups, vec![Some("a@h"), Some("b@h")]);
    }

    #[test]
    fn lab_log_driver_loss_then_power_events_then_shutdown() {
        let t = timeline(LAB1.as_bytes());
        let kinds: Vec<_> = t.episodes.iter().map(|e| (e.kind, e.verdict)).collect();
        assert_eq!(
            kinds,
            vec![
                (EpisodeKind::Comms, EpisodeVerdict::RecoveredAutomatically),
                (EpisodeKind::Power, EpisodeVerdict::RecoveredAutomatically),
                (EpisodeKind::Power, EpisodeVerdict::ShutdownInitiated),
                (EpisodeKind::Shutdown, EpisodeVerdict::ShutdownInitiated),
            ]
        );
        let comms = &t.episodes[0];
        assert_eq!(comms.ups.as_deref(), Some("pi@127.0.0.1:34930"));
        assert_eq!(comms.count(EventKind::PollDriverNotConnected), 8);
        assert_eq!(comms.count(EventKind::NoComm), 1);
        assert_eq!(comms.duration_micros, Some(22_008_407 - 6_004_041));
        let outage = &t.episodes[1];
        assert_eq!(outage.duration_micros, Some(34_012_136 - 26_009_406));
        assert!(!outage.low_battery);
        let last = &t.episodes[2];
        assert!(last.low_battery);
        assert_eq!(last.end, None, "never came back on line");
        let sd = &t.episodes[3];
        assert_eq!(sd.count(EventKind::ShutdownStarted), 1);
        assert_eq!(sd.count(EventKind::ShutdownProceeding), 1);
        // "kill: No such process" is the only line nothing explains.
        assert_eq!(t.stats.unclassified, 1);
        assert_eq!(
            t.unclassified_samples,
            vec!["kill: No such process".to_string()]
        );
        assert_eq!(t.stats.unparsed, 0);
    }

    #[test]
    fn still_down_and_monitoring_stopped() {
        let log = "   5.006671\tPoll UPS [nope@h] failed - [nope] does not exist on server h\n\
                   5.006688\tCommunications with UPS nope@h lost\n\
                   5.014812\tSignal 15: exiting\n\
                   9.0\tCommunications with UPS other@h lost\n";
        let t = timeline(log.as_bytes());
        let v: Vec<_> = t
            .episodes
            .iter()
            .map(|e| (e.ups.as_deref(), e.verdict))
            .collect();
        assert_eq!(
            v,
            vec![
                (Some("nope@h"), EpisodeVerdict::MonitoringStopped),
                (Some("other@h"), EpisodeVerdict::StillDown)
            ]
        );
        assert_eq!(t.episodes[1].duration_micros, None);
        assert_eq!(t.episodes[0].duration_micros, Some(5_014_812 - 5_006_671));
    }

    #[test]
    fn stale_flood_is_one_episode_and_upsd_exit_does_not_stop_upsmon_episodes() {
        let mut log = String::new();
        for s in 0..500 {
            log.push_str(&format!(
                "Nov 26 10:{:02}:{:02} nas upsmon[7]: Poll UPS [ups@nas] failed - Data stale\n",
                s / 60,
                s % 60
            ));
        }
        log.push_str("Nov 26 10:09:00 nas upsd[6]: Signal 15: exiting\n");
        log.push_str(
            "Nov 26 10:10:00 nas upsmon[7]: Communications with UPS ups@nas established\n",
        );
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 1);
        let e = &t.episodes[0];
        assert_eq!(
            (e.count(EventKind::PollDataStale), e.verdict),
            (500, EpisodeVerdict::RecoveredAutomatically)
        );
        assert_eq!(e.duration_micros, Some(600 * 1_000_000));
    }

    #[test]
    fn yearless_times_cross_new_year() {
        let log = "Dec 31 23:59:00 h upsmon[1]: UPS u@h on battery\nJan  1 00:01:00 h upsmon[1]: UPS u@h on line power\n";
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes[0].duration_micros, Some(120 * 1_000_000));
    }

    #[test]
    fn counts_everything() {
        let long = "x".repeat(crate::logs::MAX_LINE + 1);
        let log = format!(
            "Nov 26 10:00:00 h sshd[1]: hello\n{{broken\n{long}\n-- Boot abc --\nNov 26 10:00:00 h upsmon[1]: ???\n"
        );
        let t = timeline(log.as_bytes());
        assert_eq!(
            t.stats,
            Stats {
                lines: 5,
                classified: 0,
                unclassified: 1,
                foreign: 1,
                markers: 1,
                unparsed: 2,
                episodes_dropped: 0
            }
        );
    }

    #[test]
    fn episodes_are_capped() {
        let mut log = String::new();
        for i in 0..(MAX_EPISODES + 3) {
            log.push_str(&format!(
                "UPS u{i}@h on battery\nUPS u{i}@h on line power\n"
            ));
        }
        let t = timeline(log.as_bytes());
        assert_eq!(
            (t.episodes.len(), t.stats.episodes_dropped),
            (MAX_EPISODES, 3)
        );
    }
}
