//! Log events → a timeline of incidents: what the driver, upsd, upsmon, systemd and the kernel say about
//! the same UPS in the same time window is one episode, named after its root cause (the earliest line of
//! the most decisive kind, [`CauseId::tier`]) and with how it ended: by itself, after the restart of a
//! named unit, after a configuration reload, or not at all.
//!
//! One outage is one episode however many lines are written about it: a driver that is gone for an hour
//! produces a "Poll … failed - Driver not connected" line every poll, and the timeline turns them into
//! one episode with a count. upsd's `apc` and upsmon's `apc@localhost` on the same host are one UPS.
//! Lines that name no UPS (a driver's, systemd's, the kernel's) join the incident open at that time, or
//! open a `fault` episode of their own that a comms episode starting within [`WINDOW_MICROS`] absorbs.
//! Battery replacement, overload, OFF, bypass and calibration are episodes of their own.
//!
//! Memory is bounded: at most [`MAX_EPISODES`] episodes are kept, the newest; older ones are counted
//! per kind in [`Stats::older`]. Open episodes are bounded by [`MAX_OPEN`].
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

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::knowledge::causes::{self, Alternative};
use crate::knowledge::{CauseId, EventKind};
use crate::logs::{self, Clock, LineError, LogEvent, Timestamp};

/// Most episodes one timeline keeps (the newest); older ones are only counted ([`Stats::older`]), so
/// a hostile or absurd log cannot grow memory without bound. 5 000 keeps `nutctl logs` under 32 MiB
/// on any input, the report rendered included (10 000 took 36 MiB on a 5-million-line syslog).
pub const MAX_EPISODES: usize = 5_000;

/// Most episodes open at once (distinct UPS names); past it the oldest open one is closed.
pub const MAX_OPEN: usize = 1024;

/// Lines that name no UPS join an incident that starts or runs within this window (10 minutes).
pub const WINDOW_MICROS: i64 = 10 * 60 * 1_000_000;
/// Root-cause lines this close in time count as one moment (ranked by tier, not by order).
const SAME_MOMENT_MICROS: i64 = 5 * 1_000_000;
/// The same, in lines, for logs without times.
const WINDOW_LINES: u64 = 200;
/// How long after a restart (or after upsd has its driver back) the log must go on without the
/// failure coming back before the incident counts as ended by it: a restarted upsmon logs in, a
/// restarted driver reconnects and upsmon polls again within seconds (POLLFREQ is 5 s by default).
const GRACE_MICROS: i64 = 60 * 1_000_000;
/// Restarts and unit stops remembered at once (the newest), and incidents waiting for a grace to end.
const MAX_REMEMBERED: usize = 8;
const MAX_MARKS: usize = 64;

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
    /// A NUT program, its driver, its unit or its device failed (configuration refused, USB device
    /// gone, permissions, login refused…) without (yet) a communication loss.
    Fault,
    /// The UPS reports that its battery needs replacing.
    Battery,
    /// The UPS is overloaded.
    Overload,
    /// The UPS is administratively OFF or asleep.
    Off,
    /// The UPS is on bypass (powered, not protecting).
    Bypass,
    /// The UPS runs a battery calibration.
    Calibration,
}

/// How an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EpisodeVerdict {
    /// It ended by itself ("established", "on line power").
    RecoveredAutomatically,
    /// It ended after a NUT unit or program was restarted (see [`Episode::ending`]).
    RecoveredAfterRestart,
    /// It ended after a configuration reload.
    RecoveredAfterReload,
    /// It had not ended when the log ends: communications still down, or still on battery.
    StillDown,
    /// A shutdown started during it (or it is the shutdown).
    ShutdownInitiated,
    /// upsmon stopped (exit signal) or the machine rebooted before the episode ended.
    MonitoringStopped,
    /// Only warnings (upsd's "world readable") and lines that name no failure: nothing stopped
    /// working, nothing is to recover from.
    Warned,
}

impl EpisodeVerdict {
    /// Human wording, as the seed guide says it.
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeVerdict::RecoveredAutomatically => "recovered automatically",
            EpisodeVerdict::RecoveredAfterRestart => "recovered after a restart",
            EpisodeVerdict::RecoveredAfterReload => "recovered after a configuration reload",
            EpisodeVerdict::StillDown => "still down",
            EpisodeVerdict::ShutdownInitiated => "shutdown initiated",
            EpisodeVerdict::MonitoringStopped => "monitoring stopped",
            EpisodeVerdict::Warned => "a warning, nothing stopped working",
        }
    }

    /// True when the episode ended well (by itself, after a restart or a reload).
    pub fn recovered(self) -> bool {
        matches!(
            self,
            EpisodeVerdict::RecoveredAutomatically
                | EpisodeVerdict::RecoveredAfterRestart
                | EpisodeVerdict::RecoveredAfterReload
        )
    }
}

/// What ended an episode that recovered after someone acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    /// The unit or program restarted, or reloaded (the verdict says which): `nut-monitor`,
    /// `nut-driver@apc`, `nut-server`.
    pub unit: String,
    /// When, if the log says.
    pub at: Option<Timestamp>,
    /// Its line.
    pub line: u64,
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
    /// The UPS as the log first names it (`ups@host[:port]` from upsmon, `ups` from upsd); none when
    /// no line of it names one.
    pub ups: Option<String>,
    /// Time of the first line, if the log has times.
    pub start: Option<Timestamp>,
    /// Time of the closing line (or the last line seen, for a shutdown); none while still open.
    pub end: Option<Timestamp>,
    /// `end − start` in microseconds, when both are known on the same clock.
    pub duration_micros: Option<i64>,
    /// How it ended.
    pub verdict: EpisodeVerdict,
    /// The root cause: the earliest line of the most decisive kind ([`CauseId::tier`]).
    pub cause: Option<CauseId>,
    /// The line that names the root cause.
    pub cause_line: Option<u64>,
    /// That line's message (cut to [`SAMPLE_LEN`] bytes), so a finding can quote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_message: Option<String>,
    /// For a recovery after a restart or reload: which, and when.
    pub ending: Option<Ending>,
    /// For a shutdown: the client that set FSD (upsd's `Client u@h set FSD on UPS [x]`).
    pub fsd_client: Option<String>,
    /// Line number of the first line.
    pub first_line: u64,
    /// Line number of the last line that belonged to it.
    pub last_line: u64,
    /// Every line that belonged to it, by kind (most frequent first).
    pub lines: Vec<KindCount>,
    /// For a power episode: the battery was reported low during it.
    pub low_battery: bool,
    /// Other causes the evidence fits as well ([`crate::knowledge::causes::alternatives`]: the cause
    /// line cannot tell them apart) or that other lines of the incident point to. Empty when the
    /// cause line is unambiguous and nothing else was seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
}

/// A cause the episode's evidence also fits, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The cause.
    pub cause: CauseId,
    /// Why the evidence fits it (a text of the knowledge tables: shared, not copied per episode).
    pub why: std::borrow::Cow<'static, str>,
    /// The line that points to it, when another line than the cause line does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl Episode {
    /// Total number of lines in the episode.
    pub fn line_count(&self) -> u64 {
        self.lines.iter().map(|k| k.count).sum()
    }

    /// The candidates the cause line itself cannot be told apart from (no other line points to
    /// them): a verdict names them with the cause, `X or Y`, never the cause alone.
    pub fn undecided(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.line.is_none())
    }

    /// A refused login that a restart or reload ended: the credentials were fixed.
    pub fn credentials_fixed(&self) -> bool {
        self.cause == Some(CauseId::LoginRefused) && self.ending.is_some()
    }

    /// How it ended, in words: [`EpisodeVerdict::as_str`], except that a state of the UPS (battery
    /// to replace, OFF, bypass, overload, calibration) the log never clears is "not cleared", not
    /// "still down" (nothing is down).
    pub fn verdict_words(&self) -> &'static str {
        match (self.kind, self.verdict) {
            (
                EpisodeKind::Battery
                | EpisodeKind::Overload
                | EpisodeKind::Off
                | EpisodeKind::Bypass
                | EpisodeKind::Calibration,
                EpisodeVerdict::StillDown,
            ) => "not cleared when the log ends",
            (_, v) => v.as_str(),
        }
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

/// Episodes no longer kept, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlderCount {
    /// The episode kind.
    pub kind: EpisodeKind,
    /// How many.
    pub count: u64,
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
    /// Episodes beyond [`MAX_EPISODES`]: the oldest, counted but not kept.
    pub episodes_dropped: u64,
    /// The episodes not kept, by kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub older: Vec<OlderCount>,
}

/// The result: episodes in order of their first line, counts, and samples of what was not understood.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Every episode kept (the newest [`MAX_EPISODES`]), ordered by first line.
    pub episodes: Vec<Episode>,
    /// Line counts.
    pub stats: Stats,
    /// The first few unclassified messages (truncated), so a reader can see what was missed.
    pub unclassified_samples: Vec<String>,
}

impl Timeline {
    /// The incident the log is about: an episode with a root-level cause (tier 0), else a failure,
    /// else the power situation; among equals the earliest.
    pub fn headline(&self) -> Option<&Episode> {
        self.episodes
            .iter()
            .filter(|e| e.cause.is_some())
            .min_by_key(|e| {
                let tier = e.cause.map_or(9, CauseId::tier);
                let weak = e.lines.iter().all(|k| k.kind.is_weak());
                // Root-level causes first, then failures, then the power situation; among equals
                // the earliest incident (later ones are often its consequences).
                let class = match tier.max(if weak { 2 } else { 0 }) {
                    0 => 0,
                    1 | 2 => 1,
                    _ => 2,
                };
                (class, e.first_line)
            })
    }
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

#[derive(Debug, Clone)]
struct Open {
    ep: Episode,
    /// Per-kind counts; an episode holds a handful of kinds, so a short list beats hashing every line.
    counts: Vec<KindCount>,
    shutdown: bool,
    /// Tier of the current root cause (lower is more decisive).
    tier: u8,
    /// When the root-cause line was logged.
    cause_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    /// The causes the root-cause line fits besides its own.
    alts: &'static [Alternative],
    /// The kind of the root-cause line.
    root_kind: Option<EventKind>,
    /// Other causes other lines of the episode named (first line of each), bounded by [`MAX_ALSO`].
    also: Vec<(CauseId, u64)>,
    /// A fault a restart may have ended: it ends so unless it fails again within [`GRACE_MICROS`].
    restarted: Option<Restart>,
    /// upsd has the UPS back (its driver reconnected, data no longer stale) while upsmon, which said
    /// communications were lost, has not said "established" yet: (time, line) of upsd's line.
    upsd_back: Option<(Option<Timestamp>, u64)>,
}

/// Most other causes one episode remembers.
const MAX_ALSO: usize = 4;

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
                cause: None,
                cause_line: None,
                cause_message: None,
                ending: None,
                fsd_client: None,
                first_line: ev.line,
                last_line: ev.line,
                lines: Vec::new(),
                low_battery: false,
                candidates: Vec::new(),
            },
            counts: Vec::new(),
            shutdown: false,
            tier: u8::MAX,
            cause_time: None,
            last_time: time,
            alts: &[],
            root_kind: None,
            also: Vec::new(),
            restarted: None,
            upsd_back: None,
        }
    }

    /// Takes a remembered unit stop (or driver exit) that led to this incident as its root: the
    /// earliest decisive line, unless a root-level cause (tier 0) is already named.
    fn take_stop(&mut self, s: Stop) {
        for &kind in std::iter::once(&s.kind).chain(&s.more) {
            match self.counts.iter_mut().find(|k| k.kind == kind) {
                Some(k) => k.count += 1,
                None => self.counts.push(KindCount { kind, count: 1 }),
            }
        }
        if s.line < self.ep.first_line {
            self.ep.first_line = s.line;
            self.ep.start = s.at.or(self.ep.start);
        }
        let earlier = self.ep.cause_line.map_or(true, |l| s.line < l);
        if self.tier > 0 && earlier {
            if let (Some(old), Some(line)) = (self.ep.cause, self.ep.cause_line) {
                self.note_also(old, line);
            }
            self.tier = s.cause.tier();
            self.cause_time = s.at;
            self.ep.cause = Some(s.cause);
            self.ep.cause_line = Some(s.line);
            self.ep.cause_message = Some(s.message);
            // A unit stopped or a driver that exited on a signal is what it says: no other cause
            // looks like it.
            self.alts = &[];
            self.root_kind = Some(s.kind);
        } else {
            self.note_also(s.cause, s.line);
        }
    }

    fn add(&mut self, ev: &LogEvent<'_>, time: Option<Timestamp>, cause: Option<CauseId>) {
        // The failure again after a restart: the restart did not end it.
        if cause.is_some() && !ev.kind.is_weak() {
            if self.restarted.as_ref().is_some_and(|r| ev.line > r.line) {
                self.restarted = None;
            }
            if matches!(
                ev.kind,
                EventKind::UpsdDriverMissing | EventKind::UpsdDataStale
            ) {
                self.upsd_back = None;
            }
        }
        match self.counts.iter_mut().find(|k| k.kind == ev.kind) {
            Some(k) => k.count += 1,
            None => self.counts.push(KindCount {
                kind: ev.kind,
                count: 1,
            }),
        }
        self.ep.last_line = ev.line;
        if time.is_some() {
            self.last_time = time;
        }
        if let Some(c) = cause {
            let tier = if ev.kind.is_weak() {
                c.tier().max(2)
            } else {
                c.tier()
            };
            // The earliest decisive line is the root, unless a later one names a root-level cause
            // (tier 0: a device, a permission, a credential, the network, the configuration) where
            // the earlier one named only a symptom; a power line never replaces a failure.
            // Lines of the same moment (kernel, driver and upsd log the same event within a second
            // or two, in any order) are ranked by tier instead.
            let since = match (self.cause_time, time) {
                (Some(a), Some(b)) => a.until(&b),
                _ => None,
            };
            let same_moment = since.is_some_and(|d| d.abs() <= SAME_MOMENT_MICROS);
            // A log read newest first (journalctl -r, a GUI's table): a line logged earlier than the
            // root-cause line, and as decisive, is the root.
            let earlier = since.is_some_and(|d| d < -SAME_MOMENT_MICROS);
            // Of the same moment and as decisive, systemd saying how the driver's unit ended
            // (`Main process exited, code=killed, status=6/ABRT`) beats upsd or upsmon seeing the
            // driver gone, which cannot tell a crash from a lost device.
            let clearer = same_moment
                && tier == self.tier
                && ev.kind == EventKind::UnitFailed
                && !self.alts.is_empty()
                && self.root_kind.is_some_and(|k| {
                    matches!(
                        k,
                        EventKind::UpsdDriverMissing
                            | EventKind::UpsdDataStale
                            | EventKind::PollDriverNotConnected
                            | EventKind::PollDataStale
                    )
                });
            let replace = self.ep.cause.is_none()
                || (tier == 0 && self.tier > 0)
                || (self.tier == 3 && tier < 3)
                || (same_moment && tier < self.tier)
                || (earlier && tier <= self.tier)
                || clearer;
            if replace {
                if let (Some(old), Some(line)) = (self.ep.cause, self.ep.cause_line) {
                    self.note_also(old, line);
                }
                self.set_root(ev, time, c, tier);
            } else {
                self.note_also(c, ev.line);
            }
        }
    }

    /// Makes `ev` the root-cause line, of cause `c` at `tier` (the line already counted by [`add`]).
    ///
    /// [`add`]: Open::add
    fn set_root(&mut self, ev: &LogEvent<'_>, time: Option<Timestamp>, c: CauseId, tier: u8) {
        self.cause_time = time;
        self.tier = tier;
        self.ep.cause = Some(c);
        self.ep.cause_line = Some(ev.line);
        self.ep.cause_message = Some(cut(&ev.message).to_string());
        self.root_kind = Some(ev.kind);
        self.alts = causes::alternatives(c, ev.kind, ev.detail.as_deref());
    }

    /// Remembers that a line named cause `c` (not the power situation, not the episode's own cause).
    fn note_also(&mut self, c: CauseId, line: u64) {
        // `other` names no cause: it is no candidate either.
        if c.tier() < 3
            && c != CauseId::Other
            && self.ep.cause != Some(c)
            && self.also.len() < MAX_ALSO
            && !self.also.iter().any(|(a, _)| *a == c)
        {
            self.also.push((c, line));
        }
    }

    /// Takes over another open episode's lines and root cause (a fault that turned out to be the start
    /// of this incident).
    fn absorb(&mut self, other: Open) {
        for k in other.counts {
            match self.counts.iter_mut().find(|c| c.kind == k.kind) {
                Some(c) => c.count += k.count,
                None => self.counts.push(k),
            }
        }
        if other.ep.first_line < self.ep.first_line {
            self.ep.first_line = other.ep.first_line;
            self.ep.start = other.ep.start.or(self.ep.start);
        }
        let better = match (other.tier == 0, self.tier == 0) {
            (true, false) => true,
            (false, true) => false,
            _ => {
                other.ep.cause.is_some()
                    && (self.ep.cause.is_none() || other.ep.cause_line < self.ep.cause_line)
            }
        };
        for (c, line) in other.also {
            self.note_also(c, line);
        }
        if better {
            if let (Some(old), Some(line)) = (self.ep.cause, self.ep.cause_line) {
                self.note_also(old, line);
            }
            self.cause_time = other.cause_time;
            self.tier = other.tier;
            self.ep.cause = other.ep.cause;
            self.ep.cause_line = other.ep.cause_line;
            self.ep.cause_message = other.ep.cause_message;
            self.alts = other.alts;
            self.root_kind = other.root_kind;
        } else if let (Some(c), Some(line)) = (other.ep.cause, other.ep.cause_line) {
            self.note_also(c, line);
        }
        if self.ep.ups.is_none() {
            self.ep.ups = other.ep.ups;
        }
    }

    /// True when `time`/`line` are within the joining window of this episode's last line.
    fn near(&self, time: Option<Timestamp>, line: u64) -> bool {
        match (self.last_time, time) {
            (Some(a), Some(b)) if a.clock == b.clock => {
                (b.micros - a.micros).abs() <= WINDOW_MICROS
            }
            _ => line.saturating_sub(self.ep.last_line) <= WINDOW_LINES,
        }
    }

    fn close(mut self, end: Option<Timestamp>, verdict: EpisodeVerdict) -> Episode {
        self.ep.end = end;
        self.ep.duration_micros = match (self.ep.start, end) {
            (Some(s), Some(e)) => s.until(&e).filter(|d| *d >= 0),
            _ => None,
        };
        self.ep.verdict = if self.shutdown {
            EpisodeVerdict::ShutdownInitiated
        } else if self.counts.iter().any(|k| k.kind.is_weak())
            && self
                .counts
                .iter()
                .all(|k| k.kind.is_weak() || k.kind.cause(None).is_none())
        {
            EpisodeVerdict::Warned
        } else {
            verdict
        };
        let mut lines = self.counts;
        lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
        self.ep.lines = lines;
        let cause = self.ep.cause;
        let mut candidates: Vec<Candidate> = Vec::new();
        let inherent = self
            .alts
            .iter()
            .map(|a| (a.cause, std::borrow::Cow::Borrowed(a.why), None));
        let seen = self.also.iter().map(|&(c, line)| {
            (
                c,
                std::borrow::Cow::Borrowed("another line of this incident points to it"),
                Some(line),
            )
        });
        for (c, why, line) in inherent.chain(seen) {
            if Some(c) != cause && !candidates.iter().any(|k| k.cause == c) {
                candidates.push(Candidate {
                    cause: c,
                    why,
                    line,
                });
            }
        }
        self.ep.candidates = candidates;
        self.ep
    }
}

/// A restart (or reload) seen: a recovery after it that it can explain is credited to it.
#[derive(Debug, Clone)]
struct Restart {
    unit: String,
    /// The UPS of a driver instance (`nut-driver@apc` → `apc`).
    ups: Option<String>,
    at: Option<Timestamp>,
    line: u64,
    reload: bool,
}

impl Restart {
    /// Whether it can have ended an incident of UPS `key` with cause `cause`.
    fn fits(&self, key: &str, cause: Option<CauseId>) -> bool {
        unit_fixes(&self.unit, cause) && self.ups.as_deref().map_or(true, |u| u == key)
    }
}

/// A NUT unit stopped (systemd's `Stopping nut-driver@apc.service …`) or a driver or upsd that
/// exited on a signal: remembered, and the root of the communication loss that follows.
#[derive(Debug, Clone)]
struct Stop {
    unit: String,
    /// The UPS, when the line names one (a driver instance).
    ups: Option<String>,
    at: Option<Timestamp>,
    line: u64,
    kind: EventKind,
    cause: CauseId,
    message: String,
    /// The other lines about the same stop (the unit's `Stopping …`, the driver's `Signal 15`, …).
    more: Vec<EventKind>,
}

/// `msg` cut to at most [`SAMPLE_LEN`] bytes, on a character boundary.
fn cut(msg: &str) -> &str {
    let mut end = msg.len().min(SAMPLE_LEN);
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    msg.get(..end).unwrap_or("")
}

/// FNV-1a: the open-episode maps are looked up on every line with a short UPS name as key, where
/// SipHash's DoS resistance buys nothing (the map is bounded by [`MAX_OPEN`]) and costs a third of
/// the lookup.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Map<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// Number of [`EpisodeKind`]s other than `Shutdown` (the open maps are indexed by kind).
const KINDS: usize = 9;

/// Streaming builder: push events in log order, then [`TimelineBuilder::finish`].
#[derive(Debug, Clone)]
pub struct TimelineBuilder {
    /// Open episodes per kind (indexed by `EpisodeKind as usize`), keyed by the UPS ([`ups_key`]); a
    /// fault that names no UPS is under the empty key.
    open: Vec<Map<Open>>,
    open_count: usize,
    shutdown: Option<Open>,
    done: VecDeque<Episode>,
    /// How many of `done` [`TimelineBuilder::take_finished`] has handed out already.
    handed_out: usize,
    stats: Stats,
    samples: Vec<String>,
    last_time: Option<Timestamp>,
    last_yearless: Option<i64>,
    year_offset: i64,
    last_tod: Option<i64>,
    tod_offset: i64,
    /// The year of year-less stamps, when given (`--year`).
    year: Option<i16>,
    /// The first full date seen: (year, year-less day number), to date year-less stamps by.
    seen_full: Option<(i16, i64)>,
    /// When the input was last written (a file's modification time), the same way: the fallback.
    written: Option<(i16, i64)>,
    /// The newest restarts seen (at most [`MAX_REMEMBERED`]).
    restarts: VecDeque<Restart>,
    /// NUT units stopped and drivers that exited, not yet followed by a start or an outage.
    stops: VecDeque<Stop>,
    /// Open episodes waiting for a grace to end ([`Open::restarted`], [`Open::upsd_back`]).
    marks: Vec<(EpisodeKind, String)>,
    /// The addresses upsd said it listens on (`listening on 192.168.1.10 port 3493`): this host's,
    /// so upsmon's `apc@192.168.1.10` on it is upsd's `apc` (at most [`MAX_REMEMBERED`]).
    local: Vec<String>,
    /// Line of the last "on battery".
    last_on_battery: Option<u64>,
    /// The last UPS whose flags did not hold together: a driver's `OL+DISCHRG` warning, or a low
    /// battery reported while the UPS was not on battery (its key, the line).
    flags_doubtful: Option<(String, u64)>,
    /// Line of the last `CriticalUps` line (upsmon judged a UPS critical: `… assuming dead`).
    last_critical: Option<u64>,
}

impl Default for TimelineBuilder {
    fn default() -> Self {
        TimelineBuilder {
            open: (0..KINDS).map(|_| Map::default()).collect(),
            open_count: 0,
            shutdown: None,
            done: VecDeque::new(),
            handed_out: 0,
            stats: Stats::default(),
            samples: Vec::new(),
            last_time: None,
            last_yearless: None,
            year_offset: 0,
            last_tod: None,
            tod_offset: 0,
            year: None,
            seen_full: None,
            written: None,
            restarts: VecDeque::new(),
            stops: VecDeque::new(),
            marks: Vec::new(),
            local: Vec::new(),
            last_on_battery: None,
            flags_doubtful: None,
            last_critical: None,
        }
    }
}

/// Microseconds in 366 days: what a `-o short` clock gains when the log crosses New Year.
const YEAR_MICROS: i64 = 366 * 86_400 * 1_000_000;
const DAY_MICROS: i64 = 86_400 * 1_000_000;

/// The key one UPS has in every program's lines: upsmon's `apc@localhost` (or `apc@127.0.0.1:3493`,
/// or `apc@<this host>`) and upsd's `apc` are one UPS; `apc@nas` seen from another host stays whole.
pub fn ups_key<'a>(ups: &'a str, host: Option<&str>) -> &'a str {
    let Some((name, h)) = split_ups(ups) else {
        return ups;
    };
    let local = matches!(
        h,
        "localhost" | "127.0.0.1" | "::1" | "localhost.localdomain"
    ) || host.is_some_and(|me| me.eq_ignore_ascii_case(h));
    if local {
        name
    } else {
        ups
    }
}

/// `apc@[::1]:3493` → (`apc`, `::1`); `apc@nas` → (`apc`, `nas`); none without a host.
fn split_ups(ups: &str) -> Option<(&str, &str)> {
    let (name, h) = ups.split_once('@')?;
    let h = h
        .strip_prefix('[')
        .map_or(h, |r| r.split(']').next().unwrap_or(r));
    let h = match h.rsplit_once(':') {
        Some((a, p)) if !a.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => a,
        _ => h,
    };
    Some((name, h))
}

/// True when an `Exiting` line is upsmon's (by its ident, Debian's unit name for it, or no ident).
fn is_upsmon(ev: &LogEvent<'_>) -> bool {
    ev.ident
        .as_deref()
        .map_or(true, |i| i == "upsmon" || i == "nut-monitor")
}

/// True when a line at (`t`, `line`) is within `window` of one at (`at`, `from`): by time when both
/// have one on the same clock, else within [`WINDOW_LINES`] lines.
fn near(at: Option<Timestamp>, from: u64, t: Option<Timestamp>, line: u64, window: i64) -> bool {
    match (at, t) {
        (Some(a), Some(b)) if a.clock == b.clock => (b.micros - a.micros).abs() <= window,
        _ => line.abs_diff(from) <= WINDOW_LINES,
    }
}

fn idx(kind: EpisodeKind) -> usize {
    (kind as usize).min(KINDS - 1)
}

/// The unit a systemd line or a start banner is about (`nut-driver@apc`, `nut-monitor`, `nut-server`).
fn unit_of(ev: &LogEvent<'_>) -> String {
    let d = ev.detail.as_deref().unwrap_or("");
    let d = d.trim_end_matches(".service");
    // upsmon's `UPS: apc@localhost (primary) …` names a UPS but is upsmon starting, not a driver;
    // upsd's `SIGHUP: reloading configuration` is upsd's (systemd's `Reloaded nut-server…` is read below).
    if matches!(ev.kind, EventKind::Monitoring | EventKind::Reloading)
        && ev.ident.as_deref() != Some("systemd")
    {
        return match ev.ident.as_deref() {
            Some("upsd") => "nut-server".into(),
            Some("upsmon") => "nut-monitor".into(),
            Some(i) => i.to_string(),
            None if ev.message.contains("upsmon") => "nut-monitor".into(),
            None if ev.message.contains("upsd") => "nut-server".into(),
            None => "nut".into(),
        };
    }
    if let Some(u) = ev.ups.as_deref() {
        return format!("nut-driver@{u}");
    }
    // systemd's line with `systemd[1]: ` cut off: the unit's name is the ident.
    if let Some(unit) = ev
        .ident
        .as_deref()
        .and_then(|i| i.strip_suffix(".service"))
        .filter(|_| d.is_empty())
    {
        return unit.to_string();
    }
    if d.starts_with("driver@") {
        // `nut-driver@apc.service: Deactivated successfully.`
        format!("nut-{d}")
    } else if d.contains("enumerator") {
        // Debian's nut-driver-enumerator makes the driver units; it is no driver.
        "nut-driver-enumerator".into()
    } else if d.contains("monitor") {
        "nut-monitor".into()
    } else if d.contains("information server") || d.starts_with("server") {
        "nut-server".into()
    } else if d.contains("driver") {
        "nut-driver".into()
    } else if d.is_empty() {
        "nut".into()
    } else {
        format!("nut-{d}")
    }
}

/// Whether `unit` runs a driver (`nut-driver@apc`; Debian's nut-driver-enumerator makes those units
/// and is none): [`logs::ident::is_driver_unit`].
fn is_driver_unit(unit: &str) -> bool {
    logs::ident::is_driver_unit(unit)
}

/// The cause a failed unit stands for.
fn unit_cause(unit: &str) -> CauseId {
    if is_driver_unit(unit) {
        CauseId::DriverNotRunning
    } else if unit.starts_with("nut-server") {
        CauseId::ServerNotRunning
    } else {
        CauseId::Other
    }
}

/// Whether restarting `unit` can end a fault of cause `c`.
fn unit_fixes(unit: &str, c: Option<CauseId>) -> bool {
    use CauseId::*;
    let Some(c) = c else { return true };
    if unit == "nut-driver-enumerator" {
        matches!(c, ConfigError | Other)
    } else if is_driver_unit(unit) {
        matches!(
            c,
            DriverNotRunning
                | UsbDeviceGone
                | UsbPermission
                | FilePermission
                | DataStale
                | ConfigError
                | Other
        )
    } else if unit.starts_with("nut-server") {
        matches!(
            c,
            ListenFailed
                | ServerNotRunning
                | UnknownUps
                | ConfigError
                | FilePermission
                | TlsError
                | DriverNotRunning
                | Other
        )
    } else if unit.starts_with("nut-monitor") {
        matches!(
            c,
            LoginRefused
                | UnknownUps
                | ConfigError
                | NetworkUnreachable
                | TlsError
                | ServerNotRunning
                | FilePermission
                | Other
        )
    } else {
        true
    }
}

impl TimelineBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder that dates year-less stamps in `year` (when given).
    pub fn with_year(year: Option<i16>) -> Self {
        TimelineBuilder {
            year,
            ..Self::default()
        }
    }

    /// Dates year-less stamps by when the input was last written (Unix seconds), when neither the
    /// year was given nor the input has a full date: a stamp later in the year than that day is of
    /// the year before (a log is not written before its lines happened).
    pub fn set_written(&mut self, unix_secs: i64) {
        let t = Timestamp {
            clock: Clock::Unix,
            micros: unix_secs.saturating_mul(1_000_000),
        };
        self.written = t.year().zip(t.yearless_day());
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counts a line that continued the previous one (a long line a mail client wrapped), read joined.
    pub fn push_continuation(&mut self) {
        self.stats.lines += 1;
        self.stats.classified += 1;
    }

    /// Counts a line that could not be read.
    pub fn push_error(&mut self, _line: u64, _err: &LineError) {
        self.stats.lines += 1;
        self.stats.unparsed += 1;
    }

    /// Normalises a year-less timestamp across New Year (a jump back of more than half a year) and a
    /// time of day across midnight (a jump back of more than 12 hours).
    fn normalise(&mut self, t: Option<Timestamp>) -> Option<Timestamp> {
        let mut t = t?;
        match t.clock {
            Clock::Yearless => {
                if let Some(last) = self.last_yearless {
                    if t.micros < last - YEAR_MICROS / 2 {
                        self.year_offset = self.year_offset.saturating_add(YEAR_MICROS);
                    }
                }
                self.last_yearless = Some(t.micros);
                t.micros = t.micros.saturating_add(self.year_offset);
            }
            Clock::TimeOfDay => {
                if let Some(last) = self.last_tod {
                    if t.micros < last - DAY_MICROS / 2 {
                        self.tod_offset = self.tod_offset.saturating_add(DAY_MICROS);
                    }
                }
                self.last_tod = Some(t.micros);
                t.micros = t.micros.saturating_add(self.tod_offset);
            }
            Clock::Unix | Clock::Local if self.seen_full.is_none() => {
                if let (Some(y), Some(d)) = (t.year(), t.yearless_day()) {
                    self.seen_full = Some((y, d));
                }
            }
            _ => {}
        }
        self.last_time = Some(t);
        Some(t)
    }

    fn emit(&mut self, ep: Episode) {
        self.done.push_back(ep);
        if self.done.len() > MAX_EPISODES {
            if let Some(old) = self.done.pop_front() {
                self.handed_out = self.handed_out.saturating_sub(1);
                self.stats.episodes_dropped += 1;
                match self.stats.older.iter_mut().find(|o| o.kind == old.kind) {
                    Some(o) => o.count += 1,
                    None => self.stats.older.push(OlderCount {
                        kind: old.kind,
                        count: 1,
                    }),
                }
            }
        }
    }

    /// `n` lines of other programs, known as such without an event ([`EventKind::Foreign`]: counted
    /// only, as [`Self::push`] does).
    pub fn push_foreign(&mut self, n: u64) {
        self.stats.lines += n;
        self.stats.foreign += n;
    }

    /// Takes one event into account.
    pub fn push(&mut self, ev: &LogEvent<'_>) {
        use EventKind::*;
        self.stats.lines += 1;
        // systemd's line about a unit that no ident and no word of it ties to NUT
        // (`foo.service: Control process exited, …` read as a bare line) is another program's.
        let unit_line = matches!(ev.kind, UnitFailed | UnitRestarting | UnitStopped);
        let foreign_unit = unit_line
            && ev.ident.is_none()
            && !(ev.message.contains("nut") || ev.message.contains("UPS"));
        match ev.kind {
            _ if foreign_unit => {
                self.stats.foreign += 1;
                return;
            }
            Unclassified => {
                self.stats.unclassified += 1;
                if self.samples.len() < SAMPLES {
                    // A config file fed to `logs` by mistake must not echo its passwords.
                    let sample = cut(&ev.message);
                    self.samples
                        .push(nut_config::document::redact_any_line(sample).into_owned());
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
        if !self.marks.is_empty() {
            self.settle(time, ev.line);
        }
        let ups = ev.ups.as_deref();
        let key = ups.map(|u| self.key(u, ev.host.as_deref()));
        let cause = match ev.kind {
            UnitFailed => Some(unit_cause(&unit_of(ev))),
            k => k.cause(ev.detail.as_deref()),
        };
        match ev.kind {
            // A refused login opens no comms episode by itself: upsmon keeps polling without a login
            // (reads need none), so communication is not lost; it is a fault of its own.
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
            | UpsdDriverMissing
            | LoginIo
                if key.is_some() =>
            {
                if let Some(k) = key {
                    self.open_comms(k, ups, ev, time, cause);
                }
            }
            CommOk | PollRecovered | UpsdDataOk | UpsdDriverConnected | LoggedIn | UpsdLogin
            | DriverUpsBack => {
                self.recover(key, ev, time);
            }
            OnBattery => {
                self.last_on_battery = Some(ev.line);
                // A shutdown already under way turns out to be during a real outage (a log cut after
                // the "on battery" line, or a shutdown for another UPS).
                if let Some(sd) = &mut self.shutdown {
                    if sd.ep.cause == Some(CauseId::FsdUnexpected) {
                        sd.ep.cause = Some(CauseId::PowerOutage);
                    }
                }
                if let Some(k) = key {
                    self.open_add(EpisodeKind::Power, k, ups, ev, time, cause);
                }
            }
            LowBattery => {
                match key.and_then(|k| self.open[idx(EpisodeKind::Power)].get_mut(k)) {
                    Some(o) => {
                        o.add(ev, time, cause);
                        o.ep.low_battery = true;
                    }
                    // LB while not on battery: a flag that does not hold (or a log cut after the
                    // "on battery" line; only an RB next to it is judged by it).
                    None => self.flags_doubtful = key.map(|k| (k.to_string(), ev.line)),
                }
            }
            StatusInconsistent => self.flags_doubtful = key.map(|k| (k.to_string(), ev.line)),
            OnLine => self.close_one(EpisodeKind::Power, key, ev, time),
            ReplaceBattery | Overload | Off | Bypass | Calibrating => {
                // RB next to flags that did not hold (LB on line power, OL+DISCHRG) is likely as
                // spurious as they are; the RB itself stays the other candidate.
                let doubtful = ev.kind == ReplaceBattery
                    && matches!((&self.flags_doubtful, key), (Some((k, l)), Some(me))
                        if k == me && ev.line.saturating_sub(*l) <= WINDOW_LINES);
                let cause = if doubtful {
                    Some(CauseId::Other)
                } else {
                    cause
                };
                let kind = match ev.kind {
                    ReplaceBattery => EpisodeKind::Battery,
                    Overload => EpisodeKind::Overload,
                    Off => EpisodeKind::Off,
                    Bypass => EpisodeKind::Bypass,
                    _ => EpisodeKind::Calibration,
                };
                self.open_add(kind, key.unwrap_or(""), ups, ev, time, cause);
            }
            NotOverload => self.close_one(EpisodeKind::Overload, key, ev, time),
            NotOff => self.close_one(EpisodeKind::Off, key, ev, time),
            NotBypass => self.close_one(EpisodeKind::Bypass, key, ev, time),
            CalibrationDone => self.close_one(EpisodeKind::Calibration, key, ev, time),
            UpsdSetFsd => {
                self.shutdown_event(ev, time);
                if let Some(sd) = &mut self.shutdown {
                    sd.ep.fsd_client = ev.detail.as_deref().map(str::to_string);
                }
            }
            kind if kind.is_shutdown() => {
                // CriticalUps alone does not start a shutdown, but belongs to one that started.
                if ev.kind == CriticalUps {
                    self.last_critical = Some(ev.line);
                    if self.shutdown.is_none() {
                        return;
                    }
                }
                self.shutdown_event(ev, time);
            }
            UnitStarted | UnitRestarting | Monitoring | Reloading => self.restarted(ev, time),
            // upsmon stopped: what only it watched (communications, power) ends here; a fault (a
            // refused login, a configuration error) stays until a restart ends it.
            Exiting if is_upsmon(ev) => self.monitoring_stopped(time),
            UnitStopped | Exiting => self.stopped(ev, time),
            Listening => self.listening(&ev.message),
            Marker if ev.message.starts_with("-- Boot") || ev.message.starts_with("-- Reboot") => {
                self.marks.clear();
                self.stops.clear();
                self.stop_all(self.last_time)
            }
            _ if cause.is_some() => {
                // A decisive line: joins the comms episode of its UPS (or, naming none, the one open
                // near it), or is a fault of its own.
                let comms = idx(EpisodeKind::Comms);
                let target = match key {
                    Some(k) if self.open[comms].contains_key(k) => Some(k.to_string()),
                    Some(_) => None,
                    None => self.open[comms]
                        .iter()
                        .filter(|(_, o)| o.near(time, ev.line))
                        .max_by_key(|(_, o)| o.ep.last_line)
                        .map(|(k, _)| k.clone()),
                };
                match target.and_then(|k| self.open[comms].get_mut(&k)) {
                    Some(o) => o.add(ev, time, cause),
                    None => {
                        self.open_add(EpisodeKind::Fault, key.unwrap_or(""), ups, ev, time, cause)
                    }
                }
            }
            _ => {
                // Any other line about a UPS with an open episode belongs to it (NOCOMM repeats, notices).
                if let Some(o) = key.and_then(|k| self.open[idx(EpisodeKind::Comms)].get_mut(k)) {
                    o.add(ev, time, cause);
                }
            }
        }
    }

    /// [`ups_key`], also taking the addresses upsd listens on as this host's.
    fn key<'a>(&self, ups: &'a str, host: Option<&str>) -> &'a str {
        let k = ups_key(ups, host);
        if k.len() < ups.len() || self.local.is_empty() {
            return k;
        }
        match split_ups(ups) {
            Some((name, h)) if self.local.iter().any(|a| a.eq_ignore_ascii_case(h)) => name,
            _ => k,
        }
    }

    /// upsd's `listening on ADDR port P`: ADDR is this host's (not a wildcard).
    fn listening(&mut self, message: &str) {
        let Some(addr) = message
            .strip_prefix("listening on ")
            .and_then(|r| r.rsplit_once(" port "))
            .map(|(a, _)| a.trim_start_matches('[').trim_end_matches(']'))
        else {
            return;
        };
        let wildcard = matches!(addr, "0.0.0.0" | "::" | "*" | "");
        if !wildcard && self.local.len() < MAX_REMEMBERED && !self.local.iter().any(|a| a == addr) {
            self.local.push(addr.to_string());
        }
    }

    /// A unit (re)started, upsmon started monitoring, or a configuration reload.
    fn restarted(&mut self, ev: &LogEvent<'_>, time: Option<Timestamp>) {
        let unit = unit_of(ev);
        let r = Restart {
            ups: unit.strip_prefix("nut-driver@").map(str::to_string),
            unit,
            at: time,
            line: ev.line,
            reload: ev.kind == EventKind::Reloading,
        };
        // systemd's `Started nut-monitor…` and upsmon's own `UPS: … (primary)` lines are one start.
        let same = self.restarts.back().is_some_and(|b| {
            b.unit == r.unit
                && b.reload == r.reload
                && match (b.at, r.at) {
                    (Some(a), Some(t)) => {
                        a.until(&t).is_some_and(|d| d.abs() <= SAME_MOMENT_MICROS)
                    }
                    _ => r.line.saturating_sub(b.line) <= 3,
                }
        });
        if !same {
            if self.restarts.len() >= MAX_REMEMBERED {
                self.restarts.pop_front();
            }
            self.restarts.push_back(r.clone());
        }
        if !matches!(ev.kind, EventKind::UnitStarted | EventKind::Monitoring) {
            return;
        }
        // Started again: its earlier stop explains no later outage.
        self.stops.retain(|s| {
            let same = s.unit == r.unit
                || (is_driver_unit(&s.unit)
                    && is_driver_unit(&r.unit)
                    && (s.ups.is_none() || r.ups.is_none()));
            !same
        });
        // The faults this start can end: ended by it, unless they fail again within the grace.
        let fault = idx(EpisodeKind::Fault);
        for (k, o) in self.open[fault].iter_mut() {
            if o.restarted.is_none() && r.fits(k, o.ep.cause) && self.marks.len() < MAX_MARKS {
                o.restarted = Some(r.clone());
                self.marks.push((EpisodeKind::Fault, k.clone()));
            }
        }
    }

    /// A NUT unit stopped, or a driver or upsd exited: remembered as the root of an outage that follows.
    fn stopped(&mut self, ev: &LogEvent<'_>, time: Option<Timestamp>) {
        let ident = ev.ident.as_deref().unwrap_or("");
        let (unit, cause) = if ev.kind == EventKind::UnitStopped {
            let unit = unit_of(ev);
            let cause = unit_cause(&unit);
            if cause == CauseId::Other {
                return;
            }
            (unit, cause)
        } else if logs::ident::is_driver(ident) {
            ("nut-driver".to_string(), CauseId::DriverNotRunning)
        } else if matches!(ident, "upsd" | "nut-server") {
            ("nut-server".to_string(), CauseId::ServerNotRunning)
        } else {
            return;
        };
        let ups = unit.strip_prefix("nut-driver@").map(str::to_string);
        // The outage this stop causes is already open (upsd noticed before the driver's own line
        // was written): the line is part of it.
        let comms = idx(EpisodeKind::Comms);
        let open = match ups.as_deref() {
            Some(u) => self.open[comms].get_mut(u),
            None => self.open[comms]
                .values_mut()
                .filter(|o| {
                    near(
                        o.ep.start,
                        o.ep.first_line,
                        time,
                        ev.line,
                        SAME_MOMENT_MICROS,
                    )
                })
                .max_by_key(|o| o.ep.first_line),
        };
        if let Some(o) = open.filter(|o| {
            near(
                o.ep.start,
                o.ep.first_line,
                time,
                ev.line,
                SAME_MOMENT_MICROS,
            )
        }) {
            o.add(ev, time, None);
            return;
        }
        // `Stopping …`, the driver's `Signal 15: exiting`, `Deactivated`, `Stopped …`: one stop, the
        // first line its root; a later line naming the unit tells which UPS it was.
        if let Some(s) = self.stops.iter_mut().find(|s| {
            s.cause == cause
                && (s.ups == ups || s.ups.is_none() || ups.is_none())
                && near(s.at, s.line, time, ev.line, SAME_MOMENT_MICROS)
        }) {
            if s.ups.is_none() && ups.is_some() {
                s.ups = ups;
                s.unit = unit;
            }
            if s.more.len() < MAX_ALSO {
                s.more.push(ev.kind);
            }
            return;
        }
        if self.stops.len() >= MAX_REMEMBERED {
            self.stops.pop_front();
        }
        self.stops.push_back(Stop {
            unit,
            ups,
            at: time,
            line: ev.line,
            kind: ev.kind,
            cause,
            message: cut(&ev.message).to_string(),
            more: Vec::new(),
        });
    }

    /// The episodes waiting for a grace whose grace has passed end now (before this line counts).
    fn settle(&mut self, time: Option<Timestamp>, line: u64) {
        let passed = |at: Option<Timestamp>, from: u64| match (at, time) {
            (Some(a), Some(t)) if a.clock == t.clock => t.micros - a.micros >= GRACE_MICROS,
            _ => line.saturating_sub(from) >= WINDOW_LINES,
        };
        let marks = std::mem::take(&mut self.marks);
        for (kind, key) in marks {
            let Some(o) = self.open[idx(kind)].get(&key) else {
                continue;
            };
            match (&o.restarted, o.upsd_back) {
                (Some(r), _) if kind == EpisodeKind::Fault => {
                    if passed(r.at, r.line) {
                        let r = r.clone();
                        self.end_after(kind, &key, r.at, Some(r));
                    } else {
                        self.marks.push((kind, key));
                    }
                }
                (_, Some((at, from))) if kind == EpisodeKind::Comms => {
                    if passed(at, from) {
                        self.end_after(kind, &key, at, None);
                    } else {
                        self.marks.push((kind, key));
                    }
                }
                _ => {}
            }
        }
    }

    /// Ends an open episode at `end`: after restart `r` (a fault), or as [`Self::ending`] says.
    fn end_after(
        &mut self,
        kind: EpisodeKind,
        key: &str,
        end: Option<Timestamp>,
        r: Option<Restart>,
    ) {
        let Some(mut o) = self.open[idx(kind)].remove(key) else {
            return;
        };
        self.open_count -= 1;
        let (verdict, ending) = match r {
            Some(r) => (
                EpisodeVerdict::RecoveredAfterRestart,
                Some(Ending {
                    unit: r.unit,
                    at: r.at,
                    line: r.line,
                }),
            ),
            None => self.ending(&o, key),
        };
        o.ep.ending = ending;
        let ep = o.close(end, verdict);
        self.emit(ep);
    }

    fn shutdown_event(&mut self, ev: &LogEvent<'_>, time: Option<Timestamp>) {
        for map in &mut self.open {
            for o in map.values_mut() {
                if o.ep.kind == EpisodeKind::Comms || o.ep.kind == EpisodeKind::Power {
                    o.shutdown = true;
                }
            }
        }
        let key = ev.ups.as_deref().map(|u| self.key(u, ev.host.as_deref()));
        if let Some(o) = key.and_then(|k| self.open[idx(EpisodeKind::Power)].get_mut(k)) {
            o.add(ev, time, None);
        }
        let on_battery = !self.open[idx(EpisodeKind::Power)].is_empty()
            || self
                .last_on_battery
                .is_some_and(|l| ev.line.saturating_sub(l) <= WINDOW_LINES * 10);
        // Someone asked for this FSD (`upsmon -c fsd`, a client that set FSD) — unless it answered a
        // low battery on line power or flags that did not hold (a script turning a spurious LB into
        // `upsmon -c fsd`): then the FSD still had no real cause.
        let near = |l: u64| ev.line.saturating_sub(l) <= WINDOW_LINES;
        let spurious = self
            .flags_doubtful
            .as_ref()
            .is_some_and(|(k, l)| near(*l) && key.map_or(true, |me| me == k.as_str()));
        // A primary's upsmon sets FSD itself on a UPS it judged critical (`… assuming dead`): upsd's
        // `Client … set FSD` after such a line is that judgement, not a request.
        let judged = ev.kind == EventKind::UpsdSetFsd && self.last_critical.is_some_and(near);
        let requested =
            matches!(ev.kind, EventKind::UserFsd | EventKind::UpsdSetFsd) && !spurious && !judged;
        let sd = self
            .shutdown
            .get_or_insert_with(|| Open::new(EpisodeKind::Shutdown, None, ev, time));
        let cause = if on_battery {
            CauseId::PowerOutage
        } else if requested {
            CauseId::FsdRequested
        } else {
            CauseId::FsdUnexpected
        };
        // The FSD notice and the shutdown's steps follow whatever set FSD: a request logged with
        // them (before or after, in any order) is their cause; a line that says why upsmon judged
        // the UPS critical (`assuming dead`, too few healthy supplies) stays the cause.
        let follows = matches!(
            sd.root_kind,
            Some(
                EventKind::ForcedShutdown
                    | EventKind::ShutdownStarted
                    | EventKind::ShutdownProceeding
                    | EventKind::HostSyncExpired
            )
        );
        match (cause, sd.ep.cause) {
            (CauseId::FsdRequested, Some(CauseId::FsdUnexpected)) if follows => {
                sd.add(ev, time, None);
                sd.set_root(ev, time, cause, cause.tier());
            }
            (CauseId::FsdUnexpected, Some(CauseId::FsdRequested)) => sd.add(ev, time, None),
            _ => sd.add(ev, time, Some(cause)),
        }
        if sd.ep.cause == Some(CauseId::FsdUnexpected) && on_battery {
            sd.ep.cause = Some(CauseId::PowerOutage);
        }
        sd.ep.end = time.or(sd.ep.end);
    }

    /// Opens (or extends) the comms episode of `key`, absorbing the faults that led to it.
    fn open_comms(
        &mut self,
        key: &str,
        ups: Option<&str>,
        ev: &LogEvent<'_>,
        time: Option<Timestamp>,
        cause: Option<CauseId>,
    ) {
        let comms = idx(EpisodeKind::Comms);
        if !self.open[comms].contains_key(key) {
            let fault = idx(EpisodeKind::Fault);
            let mut o = Open::new(EpisodeKind::Comms, ups, ev, time);
            for k in [key, ""] {
                let near = self.open[fault]
                    .get(k)
                    .is_some_and(|f| f.near(time, ev.line));
                if near {
                    if let Some(f) = self.open[fault].remove(k) {
                        self.open_count -= 1;
                        o.absorb(f);
                    }
                }
            }
            o.add(ev, time, cause);
            // A unit stopped or a driver that exited just before: the root of this loss.
            let mut taken = Vec::new();
            self.stops.retain(|s| {
                let fits = s.ups.as_deref().map_or(true, |u| u == key)
                    && s.line <= ev.line
                    && near(s.at, s.line, time, ev.line, WINDOW_MICROS);
                if fits {
                    taken.push(s.clone());
                }
                !fits
            });
            if let Some(first) = taken.into_iter().min_by_key(|s| s.line) {
                o.take_stop(first);
            }
            self.insert(EpisodeKind::Comms, key, o);
            return;
        }
        if let Some(o) = self.open[comms].get_mut(key) {
            o.add(ev, time, cause);
        }
    }

    fn insert(&mut self, kind: EpisodeKind, key: &str, o: Open) {
        if self.open_count >= MAX_OPEN {
            // Bounded: the open episode whose last line is oldest ends here, still down.
            let oldest = self
                .open
                .iter()
                .enumerate()
                .flat_map(|(i, m)| m.iter().map(move |(k, o)| (o.ep.last_line, i, k.clone())))
                .min();
            if let Some((_, i, k)) = oldest {
                if let Some(o) = self.open.get_mut(i).and_then(|m| m.remove(&k)) {
                    self.open_count -= 1;
                    let end = o.last_time;
                    let ep = o.close(end, EpisodeVerdict::StillDown);
                    self.emit(ep);
                }
            }
        }
        self.open_count += 1;
        self.open[idx(kind)].insert(key.to_string(), o);
    }

    /// Adds the event to the open episode of `kind` for `key`, opening one on this event if needed.
    /// Looks up before inserting: most events belong to an episode already open, and the key would
    /// otherwise be copied for every line.
    fn open_add(
        &mut self,
        kind: EpisodeKind,
        key: &str,
        ups: Option<&str>,
        ev: &LogEvent<'_>,
        time: Option<Timestamp>,
        cause: Option<CauseId>,
    ) {
        if let Some(o) = self.open[idx(kind)].get_mut(key) {
            o.add(ev, time, cause);
            return;
        }
        let mut o = Open::new(kind, ups, ev, time);
        o.add(ev, time, cause);
        self.insert(kind, key, o);
    }

    /// How an episode ends now: by itself, or after the newest restart seen since it started that
    /// can have ended it (a unit that fixes its cause; for a driver instance, this UPS's).
    fn ending(&self, o: &Open, key: &str) -> (EpisodeVerdict, Option<Ending>) {
        let r = o.restarted.as_ref().or_else(|| {
            self.restarts
                .iter()
                .rev()
                .find(|r| r.line > o.ep.first_line && r.fits(key, o.ep.cause))
        });
        match r {
            Some(r) => (
                if r.reload {
                    EpisodeVerdict::RecoveredAfterReload
                } else {
                    EpisodeVerdict::RecoveredAfterRestart
                },
                Some(Ending {
                    unit: r.unit.clone(),
                    at: r.at,
                    line: r.line,
                }),
            ),
            None => (EpisodeVerdict::RecoveredAutomatically, None),
        }
    }

    /// Ends the open episode of `kind` for `key` with this event (a recovery).
    fn close_one(
        &mut self,
        kind: EpisodeKind,
        key: Option<&str>,
        ev: &LogEvent<'_>,
        time: Option<Timestamp>,
    ) {
        let Some(k) = key else { return };
        if let Some(mut o) = self.open[idx(kind)].remove(k) {
            self.open_count -= 1;
            o.add(ev, time, None);
            let (verdict, ending) = self.ending(&o, k);
            o.ep.ending = ending;
            let ep = o.close(time, verdict);
            self.emit(ep);
        }
    }

    /// A recovery line: ends the comms episode and the faults of its UPS (and, for a line that names no
    /// UPS or a driver's line, the faults that name none).
    fn recover(&mut self, key: Option<&str>, ev: &LogEvent<'_>, time: Option<Timestamp>) {
        if let Some(k) = key {
            // upsd has its driver back, but upsmon said communications were lost: the incident
            // ends when upsmon says "established" (its next polls may still fail), or after the grace.
            let upsd_side = matches!(
                ev.kind,
                EventKind::UpsdDriverConnected | EventKind::UpsdDataOk
            );
            let comms = idx(EpisodeKind::Comms);
            let room = self.marks.len() < MAX_MARKS;
            if let Some(o) = self.open[comms].get_mut(k).filter(|o| {
                upsd_side
                    && room
                    && o.counts
                        .iter()
                        .any(|c| matches!(c.kind, EventKind::CommLost | EventKind::NoComm))
            }) {
                o.add(ev, time, None);
                if o.upsd_back.is_none() {
                    o.upsd_back = Some((time, ev.line));
                    self.marks.push((EpisodeKind::Comms, k.to_string()));
                }
                self.close_one(EpisodeKind::Fault, Some(k), ev, time);
                return;
            }
            self.close_one(EpisodeKind::Comms, Some(k), ev, time);
            self.close_one(EpisodeKind::Fault, Some(k), ev, time);
        }
        let unnamed_near = self.open[idx(EpisodeKind::Fault)]
            .get("")
            .is_some_and(|f| f.near(time, ev.line) || ev.kind == EventKind::DriverUpsBack);
        if unnamed_near {
            self.close_one(EpisodeKind::Fault, Some(""), ev, time);
        }
    }

    /// The machine rebooted: everything open ends here.
    fn stop_all(&mut self, time: Option<Timestamp>) {
        self.close_all(time, EpisodeVerdict::MonitoringStopped);
    }

    /// upsmon stopped: the communication and power episodes (what upsmon watched) end here, and the
    /// shutdown it ran; faults and the UPS's own states (battery, OFF, …) stay open.
    fn monitoring_stopped(&mut self, time: Option<Timestamp>) {
        let mut open: Vec<Open> = Vec::new();
        for kind in [EpisodeKind::Comms, EpisodeKind::Power] {
            open.extend(self.open[idx(kind)].drain().map(|(_, o)| o));
        }
        self.open_count -= open.len();
        open.sort_by_key(|o| o.ep.first_line);
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

    fn close_all(&mut self, time: Option<Timestamp>, verdict: EpisodeVerdict) {
        // Those waiting for a grace end as they would have (the log ends, or the machine rebooted,
        // with nothing failing again).
        for (kind, key) in std::mem::take(&mut self.marks) {
            let Some(o) = self.open[idx(kind)].get(&key) else {
                continue;
            };
            match (&o.restarted, o.upsd_back) {
                (Some(r), _) if kind == EpisodeKind::Fault => {
                    let r = r.clone();
                    self.end_after(kind, &key, r.at, Some(r));
                }
                (_, Some((at, _))) if kind == EpisodeKind::Comms => {
                    self.end_after(kind, &key, at, None)
                }
                _ => {}
            }
        }
        let mut open: Vec<Open> = self
            .open
            .iter_mut()
            .flat_map(|m| m.drain().map(|(_, o)| o))
            .collect();
        self.open_count = 0;
        open.sort_by_key(|o| o.ep.first_line);
        for o in open {
            let ep = o.close(time, verdict);
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
    /// every episode kept, the handed-out ones too.
    pub fn take_finished(&mut self) -> Vec<Episode> {
        let start = self.handed_out.min(self.done.len());
        self.handed_out = self.done.len();
        self.done.iter().skip(start).cloned().collect()
    }

    /// The timeline so far, as [`TimelineBuilder::finish`] would give it now, without ending the builder.
    pub fn snapshot(&self) -> Timeline {
        self.clone().finish()
    }

    /// Closes what is still open (verdict "still down", or "shutdown initiated") and returns the timeline.
    pub fn finish(mut self) -> Timeline {
        self.close_all(None, EpisodeVerdict::StillDown);
        let mut episodes: Vec<Episode> = self.done.into_iter().collect();
        episodes.sort_by_key(|e| (e.first_line, e.kind as u8));
        // Year-less stamps get their year from --year, or from a full date in the same log, or from
        // when the file was last written (a stamp later in the year than that date belongs to the
        // year before); otherwise they stay year-less: never today's year.
        let year = self.year;
        let seen = self.seen_full.or(self.written);
        let date = |t: Timestamp| match (year, seen) {
            (Some(y), _) => t.with_year(y),
            (None, Some((y, day))) => {
                let doy = t.micros.div_euclid(DAY_MICROS);
                t.with_year(if doy > day { y - 1 } else { y })
            }
            _ => t,
        };
        if year.is_some() || seen.is_some() {
            for e in &mut episodes {
                e.start = e.start.map(date);
                e.end = e.end.map(date);
                if let Some(en) = &mut e.ending {
                    en.at = en.at.map(date);
                }
            }
        }
        Timeline {
            episodes,
            stats: self.stats,
            unclassified_samples: self.samples,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one episode `log` makes (the test fails if there are others).
    fn only_episode(log: &str) -> Episode {
        let mut t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 1, "{:#?}", t.episodes);
        t.episodes.remove(0)
    }

    /// Which unit's restart or reload ended the episode, and on which line.
    fn ended_by(e: &Episode) -> Option<(&str, u64)> {
        e.ending.as_ref().map(|x| (x.unit.as_str(), x.line))
    }

    const LAB1: &str = include_str!("../tests/data/upsmon-lab1.log");
    /// A real Debian 12 host's journal (systemd 252 names units before their description): the
    /// driver unit stopped and started, then a wrong password fixed and nut-monitor restarted.
    const PIHOST: &str = include_str!("../tests/data/journal-pihost-restarts.log");

    fn push_all(b: &mut TimelineBuilder, text: &str) {
        for (line, ev) in logs::events(text.as_bytes()) {
            match ev {
                Ok(ev) => b.push(&ev),
                Err(e) => b.push_error(line, &e),
            }
        }
    }

    fn line_of(text: &str, needle: &str) -> u64 {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i as u64 + 1)
            .unwrap_or_else(|| panic!("no line with {needle:?}"))
    }

    #[test]
    fn a_real_journal_is_understood_but_for_the_enumerator_s_bare_words() {
        let t = timeline(PIHOST.as_bytes());
        // systemd's `(modprobe)[77]:` children are another program's lines; nut-driver-enumerator's
        // are NUT's and known, but for the `OK` it prints after saving a checksum and the items
        // of its lists (a section name a line), which say nothing by themselves.
        assert_eq!(t.unclassified_samples, ["OK", "OK", "ups", "ups"]);
        assert_eq!(t.stats.unclassified, 4);
        let events: Vec<_> = logs::events(PIHOST.as_bytes())
            .filter_map(|(_, e)| e.ok())
            .collect();
        let of = |ident: &str| {
            events
                .iter()
                .filter(|e| e.ident.as_deref() == Some(ident))
                .map(|e| e.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(of("(modprobe)"), [EventKind::Foreign; 6]);
        let enumerator = of("nut-driver-enumerator");
        assert_eq!(enumerator.len(), 12);
        assert_eq!(
            enumerator
                .iter()
                .filter(|k| **k == EventKind::Noise)
                .count(),
            8
        );
    }

    #[test]
    fn a_real_journal_driver_stop_and_wrong_password_are_two_incidents_with_their_endings() {
        let t = timeline(PIHOST.as_bytes());
        assert_eq!(t.episodes.len(), 2, "{:#?}", t.episodes);
        // 1. The driver unit stopped: upsd's `ups` and upsmon's `ups@localhost` are one incident
        // (upsmon's lagging poll after upsd has the driver back does not start a second one), its
        // root is systemd stopping the unit, and it ended after the unit's restart, when upsmon
        // said "established".
        let drv = &t.episodes[0];
        assert_eq!(drv.kind, EpisodeKind::Comms);
        assert_eq!(drv.cause, Some(CauseId::DriverNotRunning));
        let stop = line_of(PIHOST, "Stopping nut-driver@ups.service");
        assert_eq!((drv.cause_line, drv.first_line), (Some(stop), stop));
        assert!(
            drv.candidates.is_empty(),
            "a stopped unit is no USB loss: {:?}",
            drv.candidates
        );
        assert!(
            drv.count(EventKind::UpsdDriverMissing) >= 1 && drv.count(EventKind::CommLost) == 1
        );
        assert_eq!(drv.verdict, EpisodeVerdict::RecoveredAfterRestart);
        let en = drv.ending.as_ref().unwrap();
        assert_eq!(en.unit, "nut-driver@ups");
        assert_eq!(en.line, line_of(PIHOST, "Started nut-driver@ups.service"));
        assert_eq!(en.at.unwrap().to_string(), "2026-12-02T04:50:13Z");
        assert_eq!(drv.last_line, line_of(PIHOST, "ups@localhost established"));
        // 2. The refused login: ended after the restart of nut-monitor (not of a driver) that
        // followed the fix, when upsd logged the login in.
        let login = &t.episodes[1];
        assert_eq!(
            (login.kind, login.cause),
            (EpisodeKind::Fault, Some(CauseId::LoginRefused))
        );
        assert_eq!(login.verdict, EpisodeVerdict::RecoveredAfterRestart);
        let en = login.ending.as_ref().unwrap();
        assert_eq!(en.unit, "nut-monitor");
        assert_eq!(en.at.unwrap().to_string(), "2026-12-02T04:50:28Z");
        assert!(en.line > line_of(PIHOST, "ERR ACCESS-DENIED"));
    }

    #[test]
    fn systemd_252_unit_lines_are_nut_lines() {
        let kinds: Vec<EventKind> = logs::events(
            b"2026-12-02T04:50:12+0000 h systemd[1]: Starting nut-driver@ups.service - Network UPS Tools - device driver for ups...
              2026-12-02T04:50:13+0000 h systemd[1]: Started nut-driver@ups.service - Network UPS Tools - device driver for ups.
              2026-12-02T04:50:13+0000 h systemd[1]: Stopping nut-server.service - Network UPS Tools - power devices information server...
              2026-12-02T04:50:13+0000 h systemd[1]: Failed to start nut-server.service - Network UPS Tools - power devices information server.
              2026-12-02T04:50:13+0000 h systemd[1]: Started nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.
",
        )
        .map(|(_, e)| e.unwrap().kind)
        .collect();
        use EventKind::*;
        assert_eq!(
            kinds,
            [Noise, UnitStarted, UnitStopped, UnitFailed, UnitStarted]
        );
    }

    #[test]
    fn upsmon_exiting_for_a_restart_does_not_lose_the_refused_login() {
        // Syslog, where upsmon logs under its own name: `Signal 15: exiting` before the restart.
        let log = "Nov 26 10:00:00 pi upsmon[1]: Login on UPS [apc@localhost] failed - got [ERR ACCESS-DENIED]\n\
                   Nov 26 10:03:00 pi upsmon[1]: Signal 15: exiting\n\
                   Nov 26 10:03:00 pi systemd[1]: Stopped nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:01 pi systemd[1]: Started nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:01 pi upsmon[9]: UPS: apc@localhost (primary) (power value 1)\n\
                   Nov 26 10:03:02 pi upsd[2]: User monuser@127.0.0.1 logged into UPS [apc]\n";
        let e = &only_episode(log);
        assert_eq!(e.cause, Some(CauseId::LoginRefused));
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterRestart, "{e:#?}");
        assert_eq!(ended_by(e), Some(("nut-monitor", 4)));
    }

    #[test]
    fn a_restart_the_failure_outlives_is_not_credited() {
        // Restarted with the password still wrong: refused again at once. One incident, still down.
        let log = "Nov 26 10:00:00 pi upsmon[1]: Login on UPS [apc@localhost] failed - got [ERR ACCESS-DENIED]\n\
                   Nov 26 10:03:01 pi systemd[1]: Started nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:01 pi upsmon[9]: Login on UPS [apc@localhost] failed - got [ERR ACCESS-DENIED]\n\
                   Nov 26 10:09:00 pi upsmon[9]: UPS apc@localhost on battery\n";
        let t = timeline(log.as_bytes());
        let faults: Vec<_> = t
            .episodes
            .iter()
            .filter(|e| e.kind == EpisodeKind::Fault)
            .collect();
        assert_eq!(faults.len(), 1, "{:#?}", t.episodes);
        assert_eq!(faults[0].verdict, EpisodeVerdict::StillDown);
        assert_eq!(faults[0].ending, None);
        // Fixed by the restart and not refused again for longer than the grace: ended by it, at
        // the restart, even with no success line (a client's journal has none: upsd is elsewhere).
        let log = "Nov 26 10:00:00 c upsmon[1]: Login on UPS [apc@nas] failed - got [ERR ACCESS-DENIED]\n\
                   Nov 26 10:03:01 c systemd[1]: Started nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:01 c upsmon[9]: UPS: apc@nas (secondary) (power value 1)\n\
                   Nov 26 10:09:00 c upsmon[9]: UPS apc@nas on battery\n";
        let t = timeline(log.as_bytes());
        let f = t
            .episodes
            .iter()
            .find(|e| e.kind == EpisodeKind::Fault)
            .unwrap();
        assert_eq!(f.verdict, EpisodeVerdict::RecoveredAfterRestart, "{f:#?}");
        assert_eq!(
            f.end.map(|t| t.to_string()).as_deref(),
            Some("Nov 26 10:03:01")
        );
        assert_eq!(
            f.ending.as_ref().map(|x| x.unit.as_str()),
            Some("nut-monitor")
        );
    }

    #[test]
    fn only_a_restart_that_can_end_the_incident_is_credited() {
        // Another UPS's driver restarted, then this one came back by itself.
        let log = "Nov 26 10:00:00 pi upsd[2]: Data for UPS [apc] is stale - check driver\n\
                   Nov 26 10:00:30 pi systemd[1]: Started nut-driver@other.service - Network UPS Tools - device driver for other.\n\
                   Nov 26 10:00:31 pi systemd[1]: Started nut-monitor.service - Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:01:00 pi upsd[2]: UPS [apc] data is no longer stale\n";
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 1, "{:#?}", t.episodes);
        assert_eq!(
            t.episodes[0].verdict,
            EpisodeVerdict::RecoveredAutomatically,
            "{:#?}",
            t.episodes
        );
        // Its own driver restarted: credited, by name and time.
        let log = log
            .replace("nut-driver@other", "nut-driver@apc")
            .replace("for other", "for apc");
        let t = timeline(log.as_bytes());
        let e = &t.episodes[0];
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterRestart);
        assert_eq!(
            e.ending
                .as_ref()
                .map(|x| (x.unit.as_str(), x.at.map(|t| t.to_string()))),
            Some(("nut-driver@apc", Some("Nov 26 10:00:30".to_string())))
        );
    }

    #[test]
    fn a_unit_stopped_and_started_before_an_outage_is_not_its_cause() {
        let log = "Nov 26 10:00:00 pi systemd[1]: Stopping nut-driver@apc.service - Network UPS Tools - device driver for apc...\n\
                   Nov 26 10:00:01 pi systemd[1]: Started nut-driver@apc.service - Network UPS Tools - device driver for apc.\n\
                   Nov 26 10:04:00 pi kernel: usb 1-1: USB disconnect, device number 4\n\
                   Nov 26 10:04:02 pi upsd[2]: Data for UPS [apc] is stale - check driver\n";
        let t = timeline(log.as_bytes());
        let e = t
            .episodes
            .iter()
            .find(|e| e.kind == EpisodeKind::Comms)
            .unwrap();
        assert_eq!(
            (e.cause, e.cause_line),
            (Some(CauseId::UsbDeviceGone), Some(3)),
            "{:#?}",
            t.episodes
        );
        // Stopped and not started again: the stop is the root of the outage that follows.
        let log = "Nov 26 10:00:00 pi systemd[1]: Stopping nut-driver@apc.service - Network UPS Tools - device driver for apc...\n\
                   Nov 26 10:00:00 pi usbhid-ups[7]: Signal 15: exiting\n\
                   Nov 26 10:00:01 pi upsd[2]: Can't connect to UPS [apc] (usbhid-ups-apc): No such file or directory\n";
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 1, "{:#?}", t.episodes);
        let e = &t.episodes[0];
        assert_eq!(
            (e.kind, e.cause, e.cause_line),
            (EpisodeKind::Comms, Some(CauseId::DriverNotRunning), Some(1))
        );
        assert_eq!(e.verdict, EpisodeVerdict::StillDown);
        assert!(e.candidates.is_empty(), "{:?}", e.candidates);
        // A driver that exited on a signal, with no unit line (upsdrvctl, a plain syslog).
        let t = timeline(&log.as_bytes()[log.find('\n').unwrap() + 1..]);
        assert_eq!(t.episodes[0].cause_line, Some(1), "{:#?}", t.episodes);
        assert_eq!(
            t.episodes[0].cause_message.as_deref(),
            Some("Signal 15: exiting")
        );
    }

    #[test]
    fn a_stop_line_logged_after_upsd_noticed_is_part_of_the_outage_not_a_later_root() {
        // journald may get upsd's complaint before the driver's own exit line.
        let log = "Nov 26 10:00:00 pi systemd[1]: Stopping nut-driver@apc.service - Network UPS Tools - device driver for apc...\n\
                   Nov 26 10:00:00 pi upsd[2]: Can't connect to UPS [apc] (usbhid-ups-apc): No such file or directory\n\
                   Nov 26 10:00:00 pi usbhid-ups[7]: Signal 15: exiting\n\
                   Nov 26 10:00:01 pi systemd[1]: Stopped nut-driver@apc.service - Network UPS Tools - device driver for apc.\n\
                   Nov 26 10:00:30 pi upsd[2]: Connected to UPS [apc]: usbhid-ups-apc\n\
                   Nov 26 10:02:00 pi upsd[2]: Data for UPS [apc] is stale - check driver\n";
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 2, "{:#?}", t.episodes);
        let first = &t.episodes[0];
        assert_eq!(first.cause_line, Some(1));
        assert_eq!(first.count(EventKind::Exiting), 1, "{first:#?}");
        assert_eq!(first.count(EventKind::UnitStopped), 2, "{first:#?}");
        // The stale data two minutes later is its own incident, not rooted in the stop.
        let second = &t.episodes[1];
        assert_eq!(
            (second.cause, second.cause_line),
            (Some(CauseId::DataStale), Some(6))
        );
    }

    #[test]
    fn a_driver_that_cannot_read_its_file_is_a_permission_incident_a_driver_restart_ends() {
        // Lines of the real-host lab (dummy-ups of NUT 2.8.0, ups.dev made root-only).
        let log = "Nov 26 10:00:00 pi systemd[1]: Stopping nut-driver@ups.service - Network UPS Tools - device driver for ups...\n\
                   Nov 26 10:00:00 pi dummy-ups[315]: Signal 15: exiting\n\
                   Nov 26 10:00:00 pi upsd[316]: Can't connect to UPS [ups] (dummy-ups-ups): No such file or directory\n\
                   Nov 26 10:00:00 pi dummy-ups[388]: Can't open dummy-ups definition file /etc/nut/ups.dev: Can't open /etc/nut/ups.dev: Permission denied\n\
                   Nov 26 10:00:00 pi systemd[1]: Failed to start nut-driver@ups.service - Network UPS Tools - device driver for ups.\n\
                   Nov 26 10:00:01 pi upsmon[318]: Communications with UPS ups@localhost lost\n\
                   Nov 26 10:00:13 pi systemd[1]: Started nut-driver@ups.service - Network UPS Tools - device driver for ups.\n\
                   Nov 26 10:00:14 pi upsd[316]: Connected to UPS [ups]: dummy-ups-ups\n\
                   Nov 26 10:00:17 pi upsmon[318]: Communications with UPS ups@localhost established\n";
        let e = &only_episode(log);
        assert_eq!(
            (e.cause, e.cause_line, e.first_line),
            (Some(CauseId::FilePermission), Some(4), 1)
        );
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterRestart);
        assert_eq!(ended_by(e), Some(("nut-driver@ups", 7)));
        assert_eq!(e.last_line, 9);
    }

    #[test]
    fn an_unknown_ups_added_to_ups_conf_ends_after_the_reload_of_nut_server() {
        // Lines of the real-host lab: [ups2] appended to ups.conf, Debian's enumerator starts its
        // driver and reloads nut-server.
        let log = "Nov 26 10:00:00 pi upsmon[314]: Poll UPS [ups2@localhost] failed - [ups2] does not exist on server localhost\n\
                   Nov 26 10:00:00 pi upsmon[314]: Communications with UPS ups2@localhost lost\n\
                   Nov 26 10:00:02 pi systemd[1]: Reloading nut-server.service - Network UPS Tools - power devices information server...\n\
                   Nov 26 10:00:02 pi upsd[312]: SIGHUP: reloading configuration\n\
                   Nov 26 10:00:02 pi upsd[312]: Can't connect to UPS [ups2] (dummy-ups-ups2): No such file or directory\n\
                   Nov 26 10:00:02 pi systemd[1]: Reloaded nut-server.service - Network UPS Tools - power devices information server.\n\
                   Nov 26 10:00:03 pi systemd[1]: Started nut-driver@ups2.service - Network UPS Tools - device driver for ups2.\n\
                   Nov 26 10:00:04 pi upsd[312]: Connected to UPS [ups2]: dummy-ups-ups2\n\
                   Nov 26 10:00:04 pi upsmon[314]: Communications with UPS ups2@localhost established\n";
        let e = &only_episode(log);
        assert_eq!(e.cause, Some(CauseId::UnknownUps));
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterReload, "{e:#?}");
        assert_eq!(ended_by(e), Some(("nut-server", 4)));
    }

    #[test]
    fn upsmon_monitoring_the_servers_own_address_is_upsd_s_ups() {
        // A server whose upsmon MONITORs it by its LAN address: upsd said it listens there.
        let log = "Nov 26 09:00:00 pi upsd[2]: listening on 192.168.1.10 port 3493\n\
                   Nov 26 10:00:00 pi upsd[2]: Data for UPS [apc] is stale - check driver\n\
                   Nov 26 10:00:05 pi upsmon[1]: Poll UPS [apc@192.168.1.10] failed - Data stale\n\
                   Nov 26 10:00:05 pi upsmon[1]: Communications with UPS apc@192.168.1.10 lost\n\
                   Nov 26 10:02:00 pi upsd[2]: UPS [apc] data is no longer stale\n\
                   Nov 26 10:02:05 pi upsmon[1]: Communications with UPS apc@192.168.1.10 established\n";
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), 1, "{:#?}", t.episodes);
        assert_eq!(t.episodes[0].last_line, 6);
        // Seen from a client (no upsd line saying so), the same address is another host.
        let t = timeline(log.split_once('\n').unwrap().1.as_bytes());
        assert_eq!(t.episodes.len(), 2, "{:#?}", t.episodes);
        // A wildcard LISTEN says nothing about the address.
        let t = timeline(
            log.replace("listening on 192.168.1.10", "listening on 0.0.0.0")
                .as_bytes(),
        );
        assert_eq!(t.episodes.len(), 2, "{:#?}", t.episodes);
    }

    #[test]
    fn a_driver_crash_systemd_names_is_the_root_not_upsd_s_ambiguous_line() {
        // Real-host lab lines: dummy-ups aborted (NUT 2.8.0, a SET VAR after upsd had restarted);
        // systemd restarted it by itself (Restart=).
        let log = "2026-12-02T05:08:31+0000 epx upsd[464]: Can't connect to UPS [ups] (dummy-ups-ups): Connection refused\n\
                   2026-12-02T05:08:31+0000 epx systemd[1]: nut-driver@ups.service: Main process exited, code=killed, status=6/ABRT\n\
                   2026-12-02T05:08:31+0000 epx systemd[1]: nut-driver@ups.service: Failed with result 'signal'.\n\
                   2026-12-02T05:08:33+0000 epx upsmon[457]: Communications with UPS ups@localhost lost\n\
                   2026-12-02T05:08:46+0000 epx systemd[1]: nut-driver@ups.service: Scheduled restart job, restart counter is at 1.\n\
                   2026-12-02T05:08:47+0000 epx systemd[1]: Started nut-driver@ups.service - Network UPS Tools - device driver for ups.\n\
                   2026-12-02T05:08:48+0000 epx upsd[464]: Connected to UPS [ups]: dummy-ups-ups\n\
                   2026-12-02T05:08:49+0000 epx upsmon[457]: Communications with UPS ups@localhost established\n";
        let e = &only_episode(log);
        assert_eq!(
            (e.cause, e.cause_line),
            (Some(CauseId::DriverNotRunning), Some(2)),
            "{e:#?}"
        );
        assert!(e.undecided().next().is_none(), "{:?}", e.candidates);
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterRestart);
        assert_eq!(
            e.ending.as_ref().map(|x| x.unit.as_str()),
            Some("nut-driver@ups")
        );
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
        // Every line is understood, "kill: No such process" (upsmon finding no old instance) too.
        assert_eq!(t.stats.unclassified, 0);
        assert!(t.unclassified_samples.is_empty());
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
    fn yearless_stamps_take_the_year_of_the_log_or_the_option_never_today() {
        let log = "Dec 30 10:00:00 h upsmon[1]: UPS u@h on battery\nDec 30 10:05:00 h upsmon[1]: UPS u@h on line power\n\
                   2027-01-02T08:00:00+00:00 h upsmon[1]: UPS u@h on battery\n";
        let t = timeline(log.as_bytes());
        // December is later in the year than the full date (January 2nd, 2027): it is December 2026.
        assert_eq!(
            t.episodes[0].start.map(|s| s.to_string()).as_deref(),
            Some("2026-12-30 10:00:00")
        );
        assert_eq!(t.episodes[0].duration_micros, Some(300 * 1_000_000));
        let mut b = TimelineBuilder::with_year(Some(2019));
        for (_, ev) in logs::events(b"Feb 29 10:00:00 h upsmon[1]: UPS u@h on battery\n") {
            b.push(&ev.unwrap());
        }
        // 2019 has no February 29th: the stamp stays year-less rather than being moved.
        assert_eq!(
            b.finish().episodes[0].start.map(|s| s.clock),
            Some(Clock::Yearless)
        );
        let plain = timeline(b"Nov 26 10:00:00 h upsmon[1]: UPS u@h on battery\n");
        assert_eq!(
            plain.episodes[0].start.map(|s| s.clock),
            Some(Clock::Yearless)
        );
    }

    #[test]
    fn login_refused_then_established_after_a_restart_is_credentials_fixed() {
        let log = "Nov 26 10:00:00 pi upsmon[1]: Login on UPS [apc@localhost] failed - got [ERR ACCESS-DENIED]\n\
                   Nov 26 10:03:00 pi systemd[1]: Stopped Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:01 pi systemd[1]: Started Network UPS Tools - power device monitor and shutdown controller.\n\
                   Nov 26 10:03:02 pi upsd[2]: User monuser@127.0.0.1 logged into UPS [apc]\n";
        let e = &only_episode(log);
        assert_eq!(
            (e.kind, e.cause),
            (EpisodeKind::Fault, Some(CauseId::LoginRefused))
        );
        assert_eq!(e.verdict, EpisodeVerdict::RecoveredAfterRestart);
        assert_eq!(
            e.ending.as_ref().map(|x| x.unit.as_str()),
            Some("nut-monitor")
        );
    }

    #[test]
    fn one_usb_outage_seen_by_kernel_driver_upsd_and_upsmon_is_one_incident() {
        let log = "Nov 26 10:00:00 pi kernel: usb 1-1: USB disconnect, device number 4\n\
                   Nov 26 10:00:01 pi usbhid-ups[5]: Got disconnected by another driver\n\
                   Nov 26 10:00:02 pi upsd[2]: Data for UPS [apc] is stale - check driver\n\
                   Nov 26 10:00:05 pi upsmon[1]: Poll UPS [apc@localhost] failed - Data stale\n\
                   Nov 26 10:00:05 pi upsmon[1]: Communications with UPS apc@localhost lost\n\
                   Nov 26 10:02:00 pi upsd[2]: UPS [apc] data is no longer stale\n\
                   Nov 26 10:02:05 pi upsmon[1]: Communications with UPS apc@localhost established\n";
        let e = &only_episode(log);
        assert_eq!(
            (e.kind, e.cause, e.cause_line),
            (EpisodeKind::Comms, Some(CauseId::UsbDeviceGone), Some(1))
        );
        assert_eq!(e.first_line, 1);
        assert!(e.verdict.recovered());
    }

    #[test]
    fn fsd_set_by_a_client_on_mains_is_that_request() {
        let log = "Nov 26 10:00:00 nas upsd[2]: Client admin@192.168.1.7 set FSD on UPS [ups]\n\
                   Nov 26 10:00:01 nas upsmon[1]: UPS ups@localhost: forced shutdown in progress\n";
        let sd = only_episode(log);
        assert_eq!(sd.kind, EpisodeKind::Shutdown);
        assert_eq!(sd.fsd_client.as_deref(), Some("admin@192.168.1.7"));
        assert_eq!(
            (sd.cause, sd.cause_line),
            (Some(CauseId::FsdRequested), Some(1))
        );
        assert!(sd.candidates.is_empty(), "{:?}", sd.candidates);
    }

    /// `upsmon -c fsd` on the real-host lab's primary (Debian 12, NUT 2.8.0): upsmon's signal line,
    /// upsd's line for the FSD upsmon set, then upsmon's shutdown.
    const USER_FSD: &str = "2026-12-02T05:20:01+0000 epx upsmon[457]: Signal 10: User requested FSD\n\
                            2026-12-02T05:20:01+0000 epx upsd[464]: Client mon@127.0.0.1 set FSD on UPS [ups]\n\
                            2026-12-02T05:20:01+0000 epx upsmon[457]: UPS ups@localhost: forced shutdown in progress\n\
                            2026-12-02T05:20:01+0000 epx upsmon[457]: Executing automatic power-fail shutdown\n\
                            2026-12-02T05:20:01+0000 epx upsmon[457]: Auto logout and shutdown proceeding\n";

    #[test]
    fn upsmon_c_fsd_is_the_cause_of_the_shutdown_it_started() {
        let sd = only_episode(USER_FSD);
        assert_eq!(sd.kind, EpisodeKind::Shutdown);
        assert_eq!(
            (sd.cause, sd.cause_line, sd.cause_message.as_deref()),
            (
                Some(CauseId::FsdRequested),
                Some(1),
                Some("Signal 10: User requested FSD")
            )
        );
        assert_eq!(sd.fsd_client.as_deref(), Some("mon@127.0.0.1"));
        // Not "fsd-unexpected or other": the log says who asked.
        assert!(sd.undecided().next().is_none(), "{:?}", sd.candidates);
        assert!(sd.candidates.is_empty(), "{:?}", sd.candidates);
        assert_eq!(sd.count(EventKind::UserFsd), 1);
        assert_eq!(sd.verdict, EpisodeVerdict::ShutdownInitiated);
        // NUT 2.8.5's upsmon adds its main loop's line.
        let log = USER_FSD.replacen(
            "User requested FSD\n",
            "User requested FSD\n2026-12-02T05:20:01+0000 epx upsmon[457]: Got an FSD signal, initiating forced shutdown\n",
            1,
        );
        let sd = only_episode(&log);
        assert_eq!(
            (sd.cause, sd.cause_line),
            (Some(CauseId::FsdRequested), Some(1))
        );
        assert_eq!(sd.count(EventKind::UserFsd), 2);
    }

    #[test]
    fn a_request_logged_after_the_fsd_notice_is_still_its_cause() {
        // The journal may hold upsmon's notice before upsd's line, or only upsd's line (upsmon's
        // own log elsewhere): the request names the cause wherever it stands.
        let lines: Vec<&str> = USER_FSD.lines().collect();
        let log = format!("{}\n{}\n{}\n", lines[2], lines[1], lines[3]);
        let sd = only_episode(&log);
        assert_eq!(
            (sd.cause, sd.cause_line),
            (Some(CauseId::FsdRequested), Some(2)),
            "{sd:#?}"
        );
        assert!(sd.candidates.is_empty(), "{:?}", sd.candidates);
    }

    #[test]
    fn an_fsd_with_no_request_in_the_log_stays_unexpected() {
        // A secondary: only the notice that the primary set FSD.
        let sd = only_episode(
            "Nov 26 10:00:01 nas upsmon[1]: UPS ups@10.0.0.2: forced shutdown in progress\n\
             Nov 26 10:00:01 nas upsmon[1]: Executing automatic power-fail shutdown\n",
        );
        assert_eq!(sd.cause, Some(CauseId::FsdUnexpected));
        assert_eq!(
            sd.undecided().map(|c| c.cause).collect::<Vec<_>>(),
            vec![CauseId::Other]
        );
    }

    #[test]
    fn a_request_that_answered_a_spurious_low_battery_is_unexpected() {
        // ZimaOS (corpus 041): LB on line power, a script ran `upsmon -c fsd`.
        let log = "22:41:43 nut-monitor[1862]: UPS ups@localhost battery is low\n\
                   22:41:43 nut-monitor[1862]: Signal 10: User requested FSD\n\
                   22:41:48 upsd[1848]: Client monuser@127.0.0.1 set FSD on UPS [ups]\n\
                   22:41:48 nut-monitor[1862]: Executing automatic power-fail shutdown\n";
        let sd = only_episode(log);
        assert_eq!(sd.cause, Some(CauseId::FsdUnexpected));
        assert_eq!(sd.fsd_client.as_deref(), Some("monuser@127.0.0.1"));
    }

    #[test]
    fn a_primary_setting_fsd_on_a_ups_it_judged_dead_is_no_request() {
        let log = "Nov 26 10:00:00 nas upsmon[1]: UPS [ups@localhost] was last known to be not fully online and currently is not communicating, assuming dead\n\
                   Nov 26 10:00:00 nas upsd[2]: Client mon@127.0.0.1 set FSD on UPS [ups]\n\
                   Nov 26 10:00:00 nas upsmon[1]: Executing automatic power-fail shutdown\n";
        let t = timeline(log.as_bytes());
        let sd = t
            .episodes
            .iter()
            .find(|e| e.kind == EpisodeKind::Shutdown)
            .unwrap();
        assert_eq!(sd.cause, Some(CauseId::FsdUnexpected));
        // On battery, the primary's FSD is the outage's.
        let log = "Nov 26 09:58:00 nas upsmon[1]: UPS ups@localhost on battery\n\
                   Nov 26 10:00:00 nas upsmon[1]: UPS ups@localhost battery is low\n\
                   Nov 26 10:00:00 nas upsd[2]: Client mon@127.0.0.1 set FSD on UPS [ups]\n\
                   Nov 26 10:00:00 nas upsmon[1]: Executing automatic power-fail shutdown\n";
        let t = timeline(log.as_bytes());
        let sd = t
            .episodes
            .iter()
            .find(|e| e.kind == EpisodeKind::Shutdown)
            .unwrap();
        assert_eq!(sd.cause, Some(CauseId::PowerOutage));
    }

    #[test]
    fn newest_episodes_are_kept_older_ones_counted() {
        let mut log = String::new();
        for i in 0..(MAX_EPISODES + 5) {
            log.push_str(&format!(
                "UPS u{i}@h on battery\nUPS u{i}@h on line power\n"
            ));
        }
        let t = timeline(log.as_bytes());
        assert_eq!(t.episodes.len(), MAX_EPISODES);
        assert_eq!(
            t.episodes[0].ups.as_deref(),
            Some("u5@h"),
            "the oldest five went"
        );
        assert_eq!(
            t.stats.older,
            vec![OlderCount {
                kind: EpisodeKind::Power,
                count: 5
            }]
        );
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
                episodes_dropped: 0,
                older: Vec::new(),
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

    #[test]
    fn systemd_lines_without_systemd_prefix_count_for_the_unit_they_name() {
        let input = b"Feb 16 07:20:07 s nut-driver@apc.service: Control process exited, code=exited, status=1/FAILURE\nnut-monitor.service: Failed with result 'exit-code'.\nfoo.service: Control process exited, code=exited, status=1/FAILURE\n";
        let evs: Vec<_> = logs::events(input).map(|(_, e)| e.unwrap()).collect();
        let kinds: Vec<_> = evs.iter().take(2).map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EventKind::UnitFailed, EventKind::UnitFailed]);
        let units: Vec<_> = evs.iter().take(2).map(|e| unit_of(e)).collect();
        assert_eq!(units, vec!["nut-driver@apc", "nut-monitor"]);
        let t = timeline(input);
        // Another unit's line is another program's.
        assert_eq!((t.stats.classified, t.stats.foreign), (2, 1), "{t:?}");
        assert_eq!(
            t.episodes.first().and_then(|e| e.cause),
            Some(CauseId::DriverNotRunning),
            "{t:?}"
        );
    }

    #[test]
    fn world_readable_warnings_alone_are_a_warning_not_an_outage() {
        let warned = b"Jan  1 10:00:00 s upsd[1]: /etc/nut/upsd.users is world readable\nJan  1 10:00:00 s upsd[1]: Connected to UPS [u]: usbhid-ups-u\n";
        let t = timeline(warned);
        assert_eq!(t.episodes.len(), 1, "{t:?}");
        assert_eq!(t.episodes[0].verdict, EpisodeVerdict::Warned);
        assert_eq!(t.episodes[0].cause, Some(CauseId::FilePermission));
        // A failure in the same incident is no mere warning.
        let t = timeline(b"Jan  1 10:00:00 s upsd[1]: /etc/nut/upsd.users is world readable\nJan  1 10:00:01 s upsd[1]: Can't connect to UPS [u] (usbhid-ups-u): No such file or directory\n");
        assert!(
            t.episodes
                .iter()
                .all(|e| e.verdict != EpisodeVerdict::Warned),
            "{t:?}"
        );
    }

    #[test]
    fn ambiguous_lines_name_their_candidates() {
        let t = timeline(b"Jan  1 10:00:00 c upsmon[1]: UPS [u@nas]: connect failed: Connection failure: Connection refused\n");
        let e = &t.episodes[0];
        assert_eq!(e.cause, Some(CauseId::ServerNotRunning));
        let c: Vec<_> = e.candidates.iter().map(|c| c.cause).collect();
        assert_eq!(c, vec![CauseId::Firewall]);
        // An unambiguous line has none.
        let t = timeline(
            b"Jan  1 10:00:00 c upsmon[1]: Login on UPS [u@nas] failed - got [ERR ACCESS-DENIED]\n",
        );
        assert!(t.episodes[0].candidates.is_empty(), "{:?}", t.episodes[0]);
    }

    #[test]
    fn a_later_failure_of_another_kind_is_a_candidate() {
        let log = b"Jan  1 10:00:00 c upsmon[1]: Poll UPS [u@localhost] failed - Data stale\n\
                    Jan  1 16:00:00 c upsmon[1]: UPS [u@localhost]: connect failed: Connection failure: Connection timed out\n";
        let t = timeline(log);
        assert_eq!(t.episodes.len(), 1);
        let e = &t.episodes[0];
        assert_eq!(e.cause, Some(CauseId::DataStale));
        let timeout = e
            .candidates
            .iter()
            .find(|c| c.cause == CauseId::ServerTimeout);
        assert_eq!(timeout.and_then(|c| c.line), Some(2), "{:?}", e.candidates);
    }

    #[test]
    fn newest_first_logs_take_the_earliest_line_as_root() {
        // An OPNsense log table, newest first: the driver failure (rc precmd) is logged before the
        // timeouts although it is the last line.
        let log = b"2021-03-06T12:47:17 fw upsmon[3]: UPS [f@localhost]: connect failed: Connection failure: Operation timed out\n\
                    2021-03-06T12:45:57 fw upsmon[3]: UPS [f@localhost]: connect failed: Connection failure: Operation timed out\n\
                    2021-03-06T12:44:42 fw root[8]: /usr/local/etc/rc.d/nut: WARNING: failed precmd routine for nut\n";
        let t = timeline(log);
        let e = t.headline().unwrap();
        assert_eq!(
            (e.cause, e.cause_line),
            (Some(CauseId::DriverNotRunning), Some(3))
        );
        // Read oldest first, the same lines name the same root.
        let fwd: Vec<&[u8]> = log
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .rev()
            .collect();
        let t = timeline(&fwd.join(&b'\n'));
        assert_eq!(t.headline().unwrap().cause, Some(CauseId::DriverNotRunning));
    }

    #[test]
    fn replace_battery_next_to_flags_that_do_not_hold_is_doubtful() {
        let rb = "Jan  1 10:00:01 h upsmon[1]: UPS apc@localhost battery needs to be replaced\n";
        // Alone: the UPS says so, and so does the verdict.
        let t = timeline(rb.as_bytes());
        assert_eq!(t.episodes[0].cause, Some(CauseId::BatteryReplace));
        // Next to a low battery while not on battery: likely spurious, RB the other candidate.
        let log = format!("Jan  1 10:00:00 h upsmon[1]: UPS apc@localhost battery is low\n{rb}");
        let t = timeline(log.as_bytes());
        let e = &t.episodes[0];
        assert_eq!(
            (e.kind, e.cause),
            (EpisodeKind::Battery, Some(CauseId::Other))
        );
        assert_eq!(
            e.candidates.first().map(|c| c.cause),
            Some(CauseId::BatteryReplace)
        );
        // On battery, LB is real and does not make RB doubtful.
        let log = format!(
            "Jan  1 09:59:00 h upsmon[1]: UPS apc@localhost on battery\n\
             Jan  1 10:00:00 h upsmon[1]: UPS apc@localhost battery is low\n{rb}"
        );
        let t = timeline(log.as_bytes());
        let b = t
            .episodes
            .iter()
            .find(|e| e.kind == EpisodeKind::Battery)
            .unwrap();
        assert_eq!(b.cause, Some(CauseId::BatteryReplace));
    }
}
