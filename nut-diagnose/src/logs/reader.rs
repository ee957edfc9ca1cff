//! Bytes in chunks → lines → events → timeline → findings, streaming and bounded: the one reader that
//! `nutctl logs` (a file, stdin, the journal, `--follow`) and `doctor`'s journal use.
//!
//! Line numbers: every physical line counts (blank ones and unreadable ones too), the same rule as
//! [`super::events`], so the same input gives the same `line` values everywhere.
//!
//! Memory is bounded whatever the input: a line longer than [`MAX_LINE`] is skipped (counted
//! unreadable) without being held, the timeline keeps a bounded number of episodes (the newest ones,
//! older ones summarised), and only the few events the login rule needs are kept (bounded too).

use std::collections::VecDeque;

use crate::facts::Facts;
use crate::finding::Finding;
use crate::knowledge::EventKind;
use crate::rules::silent;
use crate::timeline::{Episode, Timeline, TimelineBuilder};

use super::{parse_line, Format, LogEvent, MAX_LINE};

/// Most events kept for the login rule (refused / succeeded logins, MONITOR lines); past it the oldest
/// are dropped (counted in [`LogReader::dropped`]).
pub const MAX_KEPT: usize = 4096;

/// Most events a follower has not taken yet ([`LogReader::take_events`]); past it the oldest go.
const MAX_FRESH: usize = 4096;

/// How the reader reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The year of year-less syslog stamps (`nutctl logs --year`); without it the year comes from a
    /// full date in the same input, and failing that the stamps stay year-less.
    pub year: Option<i16>,
    /// Keep the events worth showing live, for [`LogReader::take_events`] (`--follow`, `watch`).
    pub follow: bool,
}

/// The result of reading a log: the timeline and the log findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReport {
    /// Episodes, counts, samples.
    pub timeline: Timeline,
    /// nut-diagnose's log findings, most severe first.
    pub findings: Vec<Finding>,
}

/// The streaming reader. Feed chunks in any size; call [`LogReader::finish`] at the end.
#[derive(Debug, Default)]
pub struct LogReader {
    opts: ReadOptions,
    partial: Vec<u8>,
    /// The current line is longer than [`MAX_LINE`]: its bytes are skipped until the next LF.
    skipping: bool,
    line_no: u64,
    builder: TimelineBuilder,
    kept: VecDeque<LogEvent<'static>>,
    dropped: u64,
    fresh: VecDeque<LogEvent<'static>>,
    /// An unclassified line held back one line: the next may be its continuation (mail wrapping).
    pending: Option<(Vec<u8>, LogEvent<'static>)>,
}

/// Longest line held back as a possible wrapped first half.
const MAX_WRAPPED: usize = 1024;

impl LogReader {
    /// A reader with these options.
    pub fn new(opts: ReadOptions) -> Self {
        LogReader {
            opts,
            builder: TimelineBuilder::with_year(opts.year),
            ..LogReader::default()
        }
    }

    /// Feeds a chunk of input.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            let (head, tail) = rest.split_at(i);
            rest = tail.get(1..).unwrap_or_default();
            if self.skipping {
                self.skipping = false;
                self.partial.clear();
                continue;
            }
            if self.partial.is_empty() {
                self.line(head);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(head);
                self.line(&line);
                line.clear();
                self.partial = line;
            }
        }
        if !self.skipping {
            self.partial.extend_from_slice(rest);
            if self.partial.len() > MAX_LINE {
                self.partial.clear();
                self.partial.shrink_to(MAX_LINE);
                self.skipping = true;
                self.line_no += 1;
                self.builder
                    .push_error(self.line_no, &super::LineError::TooLong(MAX_LINE + 1));
            }
        }
    }

    /// The last line, when the input does not end with LF.
    pub fn finish_input(&mut self) {
        if !self.skipping && !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
        self.skipping = false;
        self.flush_pending();
    }

    fn line(&mut self, raw: &[u8]) {
        self.line_no += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match parse_line(raw) {
            Err(e) => {
                self.flush_pending();
                self.builder.push_error(self.line_no, &e);
            }
            Ok(mut ev) => {
                ev.line = self.line_no;
                if let Some((first, held)) = self.pending.take() {
                    if ev.format == Format::Bare && ev.kind == EventKind::Unclassified {
                        if let Some(joined) = join_wrapped(&first, raw, held.line, held.kind) {
                            self.accept(&joined);
                            self.builder.push_continuation();
                            return;
                        }
                    }
                    self.accept(&held);
                }
                // Held back: a line nothing understood, or understood only by a catch-all row whose
                // variable tail a wrap may have cut (`connect failed: Connection fai`).
                let holdable = matches!(
                    ev.kind,
                    EventKind::Unclassified
                        | EventKind::ConnectFailed
                        | EventKind::PollFailed
                        | EventKind::LoginFailed
                );
                if holdable && ev.format != Format::Bare && raw.len() <= MAX_WRAPPED {
                    self.pending = Some((raw.to_vec(), ev.into_owned()));
                    return;
                }
                self.accept(&ev);
            }
        }
    }

    fn flush_pending(&mut self) {
        if let Some((_, held)) = self.pending.take() {
            self.accept(&held);
        }
    }

    fn accept(&mut self, ev: &LogEvent<'_>) {
        self.builder.push(ev);
        if self.opts.follow && (ev.ups.is_some() || ev.kind.is_shutdown()) {
            if self.fresh.len() >= MAX_FRESH {
                self.fresh.pop_front();
            }
            self.fresh.push_back(ev.clone().into_owned());
        }
        if matches!(
            ev.kind,
            EventKind::LoginAccessDenied
                | EventKind::LoggedIn
                | EventKind::Monitoring
                | EventKind::UpsdLogin
        ) {
            if self.kept.len() >= MAX_KEPT {
                self.kept.pop_front();
                self.dropped += 1;
            }
            self.kept.push_back(ev.clone().into_owned());
        }
    }

    /// Physical lines read so far.
    pub fn line_count(&self) -> u64 {
        self.line_no
    }

    /// Lines that were events or errors (non-blank).
    pub fn nonblank_lines(&self) -> u64 {
        self.builder.stats().lines
    }

    /// Lines that could not be read.
    pub fn unparsed_lines(&self) -> u64 {
        self.builder.stats().unparsed
    }

    /// Login-rule events dropped because more than [`MAX_KEPT`] were seen.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The events worth showing live (naming a UPS, or about a shutdown) since the last call (only with
    /// [`ReadOptions::follow`]).
    pub fn take_events(&mut self) -> Vec<LogEvent<'static>> {
        self.fresh.drain(..).collect()
    }

    /// The episodes that ended since the last call, each once, in the order they ended.
    pub fn take_finished(&mut self) -> Vec<Episode> {
        self.builder.take_finished()
    }

    /// Ends the reading: the timeline and the log findings. `now` (Unix µs) dates "still down for …".
    pub fn judge(mut self, now: Option<i64>) -> LogReport {
        self.finish_input();
        let timeline = self.builder.finish();
        let facts = Facts {
            now,
            logs: self.kept.into_iter().collect(),
            ..Facts::default()
        };
        let mut findings = silent::rules(&facts, &timeline);
        crate::finding::sort(&mut findings);
        LogReport { timeline, findings }
    }
}

/// A line a mail client wrapped: the first half (trailing padding dropped) and the next line joined
/// as they were cut, or with the space the wrap replaced; the join counts only if it is understood.
fn join_wrapped(first: &[u8], next: &[u8], line: u64, was: EventKind) -> Option<LogEvent<'static>> {
    let first = first
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(first, |i| first.get(..=i).unwrap_or(first));
    let next = next.trim_ascii();
    for sep in [&b""[..], b" "] {
        let mut j = Vec::with_capacity(first.len() + sep.len() + next.len());
        j.extend_from_slice(first);
        j.extend_from_slice(sep);
        j.extend_from_slice(next);
        if let Ok(ev) = parse_line(&j) {
            if !matches!(ev.kind, EventKind::Unclassified | EventKind::Foreign) && ev.kind != was {
                let mut ev = ev.into_owned();
                ev.line = line;
                return Some(ev);
            }
        }
    }
    None
}

/// Reads a whole input held in memory (a test, an excerpt) and judges it.
pub fn read_log(input: &[u8], opts: ReadOptions, now: Option<i64>) -> LogReport {
    let mut r = LogReader::new(opts);
    r.feed(input);
    r.judge(now)
}

/// Reads a byte stream (a file, stdin, journalctl's output) to its end in bounded chunks, never whole.
#[cfg(feature = "probe")]
pub async fn read_stream<R: tokio::io::AsyncRead + Unpin>(
    src: &mut R,
    reader: &mut LogReader,
) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt as _;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = src.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        reader.feed(buf.get(..n).unwrap_or_default());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::timeline::{EpisodeKind, Timeline};

    const LOG: &[u8] = b"  1.000000\tUPS a@h on battery\r\n\n  9.000000\tUPS a@h on line power\nNov 26 15:21:13 nas CRON[99]: (root) CMD (true)\n  12.000000\tCommunications with UPS a@h lost";

    fn summary(r: LogReader) -> (Vec<(EpisodeKind, bool, u64)>, u64, u64) {
        let t = r.judge(None).timeline;
        (
            t.episodes
                .iter()
                .map(|e| (e.kind, e.end.is_some(), e.first_line))
                .collect(),
            t.stats.lines,
            t.stats.foreign,
        )
    }

    #[test]
    fn chunk_boundaries_do_not_matter_and_every_physical_line_counts() {
        let mut whole = LogReader::new(ReadOptions::default());
        whole.feed(LOG);
        let expected = summary(whole);
        // Line 2 is blank and still counts: the comms loss is on line 5.
        assert_eq!(
            expected,
            (
                vec![
                    (EpisodeKind::Power, true, 1),
                    (EpisodeKind::Comms, false, 5)
                ],
                4,
                1
            )
        );
        for size in [1, 2, 7, 64] {
            let mut r = LogReader::new(ReadOptions {
                follow: true,
                ..ReadOptions::default()
            });
            for c in LOG.chunks(size) {
                r.feed(c);
            }
            assert_eq!(summary(r), expected, "chunks of {size}");
        }
        // The same numbers as `logs::events`, which doctor's journal reading uses.
        let numbers: Vec<u64> = super::super::events(LOG).map(|(n, _)| n).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5]);
    }

    #[test]
    fn nutctl_logs_and_doctor_number_lines_alike() {
        // Blank lines, CRLF and a foreign line: the reader (nutctl logs) and the facts path of
        // doctor (logs::events -> Facts::logs -> timeline::from_events) give the same line numbers.
        let log = b"\n\nNov 26 10:00:00 h upsmon[1]: Poll UPS [u@h] failed - Data stale\r\n\n\
Nov 26 10:00:01 h sshd[2]: hi\n   \nNov 26 10:00:05 h upsmon[1]: Communications with UPS u@h established\n\
Nov 26 10:01:00 h upsmon[1]: UPS u@h on battery\n";
        let via_reader = read_log(log, ReadOptions::default(), None).timeline;
        let facts: Vec<_> = super::super::events(log)
            .filter_map(|(_, e)| e.ok())
            .filter(|e| e.kind != EventKind::Foreign)
            .map(LogEvent::into_owned)
            .collect();
        let via_doctor = crate::timeline::from_events(&facts);
        let lines = |t: &Timeline| -> Vec<(u64, u64)> {
            t.episodes
                .iter()
                .map(|e| (e.first_line, e.last_line))
                .collect()
        };
        assert_eq!(lines(&via_reader), vec![(3, 7), (8, 8)]);
        assert_eq!(lines(&via_reader), lines(&via_doctor));
    }

    #[test]
    fn an_overlong_line_is_counted_unreadable_and_skipped() {
        let mut r = LogReader::new(ReadOptions::default());
        r.feed(b"  1.000000\tUPS a@h on battery\n");
        let long = vec![b'x'; MAX_LINE + 10];
        for c in long.chunks(4096) {
            r.feed(c);
        }
        r.feed(b"tail of the long line\n  2.000000\tUPS a@h on line power\n");
        assert!(r.partial.capacity() <= 2 * MAX_LINE + 4096);
        let t = r.judge(None).timeline;
        assert_eq!((t.stats.lines, t.stats.unparsed), (3, 1));
        assert_eq!(t.episodes.len(), 1);
        assert_eq!(t.episodes[0].last_line, 3);
    }
}
