//! Bytes in chunks → lines → events → timeline → findings, streaming and bounded: the one reader that
//! `nutctl logs` (a file, stdin, the journal, `--follow`) and `doctor`'s journal use.
//!
//! Line numbers: every physical line counts (blank ones and unreadable ones too), the same rule as
//! [`super::events`], so the same input gives the same `line` values everywhere.
//!
//! Memory is bounded whatever the input: a line longer than [`MAX_LINE`] is skipped (counted
//! unreadable) without being held, the timeline keeps a bounded number of episodes (the newest ones,
//! older ones summarised), and only the few events the login rule needs are kept (bounded too).

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::facts::Facts;
use crate::finding::Finding;
use crate::knowledge::EventKind;
use crate::rules::silent;
use crate::timeline::{Episode, Timeline, TimelineBuilder};

use crate::knowledge::log_patterns;

use super::{parse_line, parse_line_as, Format, LogEvent, MAX_LINE};

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
    /// Every line tried against the whole table, prefilter or not (only the test that compares both
    /// ways sets it).
    unfiltered: bool,
    /// The last chunk's scan, kept for its allocation.
    scan: Scan,
    /// The `-o export` entry being read (its fields are lines of their own).
    export: super::json::ExportEntry,
}

/// A line a scan leaves to the reader: where it is in the chunk, the anchors in it, and the lines
/// the scan passed over before it.
#[derive(Debug, Clone)]
struct Mark {
    start: usize,
    end: usize,
    anchors: log_patterns::AnchorSet,
    /// Physical lines before this one (since the last mark) that were blank or another program's.
    skipped_before: u64,
    /// Of those, another program's.
    foreign_before: u64,
    /// The line's event, when the scan could parse it (every line but the chunk's first).
    parsed: Option<Parsed>,
}

/// A byte range of a line (lines are at most [`MAX_LINE`] bytes).
type Span = (u32, u32);

/// A line's event as the scan parsed it, its text parts as byte ranges of the line: it crosses to
/// the reader's thread beside the chunk and is borrowed from the chunk again there, so the reader
/// neither parses it again nor copies it.
#[derive(Debug, Clone)]
struct Parsed {
    format: Format,
    time: Option<super::Timestamp>,
    pid: Option<u32>,
    kind: EventKind,
    host: Option<Span>,
    ident: Option<Span>,
    ups: Option<Span>,
    detail: Option<Span>,
    message: Span,
}

impl Parsed {
    /// `ev`, parsed from `line`, by ranges; `None` when a part is not a slice of `line` (a copy:
    /// invalid UTF-8 replaced, a CJK bracket rewritten), which the reader then parses itself.
    fn of(line: &[u8], ev: &LogEvent<'_>) -> Option<Parsed> {
        let range = |part: &Cow<'_, str>| -> Option<Span> {
            let Cow::Borrowed(p) = part else {
                return None;
            };
            if p.is_empty() {
                return Some((0, 0));
            }
            let start = (p.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
            let end = start.checked_add(p.len())?;
            if end > line.len() {
                return None;
            }
            Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
        };
        // No part stays no part; a part that is not a slice of the line makes the whole `None`.
        let opt = |part: &Option<Cow<'_, str>>| match part {
            None => Some(None),
            Some(p) => range(p).map(Some),
        };
        Some(Parsed {
            format: ev.format,
            time: ev.time,
            pid: ev.pid,
            kind: ev.kind,
            host: opt(&ev.host)?,
            ident: opt(&ev.ident)?,
            ups: opt(&ev.ups)?,
            detail: opt(&ev.detail)?,
            message: range(&ev.message)?,
        })
    }

    /// The event again, borrowed from the same line's text.
    fn event<'a>(&self, line: &'a str) -> Option<LogEvent<'a>> {
        let part = |&(a, b): &Span| line.get(a as usize..b as usize).map(Cow::Borrowed);
        let opt = |r: &Option<Span>| match r {
            None => Some(None),
            Some(r) => part(r).map(Some),
        };
        Some(LogEvent {
            line: 0,
            format: self.format,
            time: self.time,
            host: opt(&self.host)?,
            ident: opt(&self.ident)?,
            pid: self.pid,
            kind: self.kind,
            ups: opt(&self.ups)?,
            detail: opt(&self.detail)?,
            message: part(&self.message)?,
        })
    }
}

/// What [`scan_chunk`] found in a chunk: the lines to read, in order; the chunk's first line (which
/// may continue the last chunk's last) is always among them.
#[derive(Debug, Default)]
struct Scan {
    marks: Vec<Mark>,
    tail_skipped: u64,
    tail_foreign: u64,
    /// Where the bytes after the chunk's last LF start.
    rest: usize,
}

/// The half of reading a chunk that needs no reader state (so it can run on another thread,
/// [`read_file`]): the lines (LF-terminated; the bytes after the last LF are left), the prefilter's
/// anchors in each, the lines that need nothing more than counting — blank ones, and those without
/// an anchor whose header names another program ([`super::syslog_ident`]) — and every other line
/// parsed ([`Parsed`]).
fn scan_chunk(chunk: &[u8], unfiltered: bool, out: &mut Scan) {
    out.marks.clear();
    let (mut skipped, mut foreign) = (0, 0);
    let mut start = 0;
    // The next anchor in the chunk (at or after the start of the current line; `None`: none in the
    // rest of the chunk). No anchor holds an LF, so one found before a line's end is in it.
    let mut anchors = log_patterns::Cursor::new(chunk);
    let mut next = anchors.next_from(0);
    let mut heads = super::SyslogHeads::default();
    let mut isos = super::IsoHeads::default();
    for end in memchr::memchr_iter(b'\n', chunk) {
        let line_start = start;
        start = end + 1;
        // Every anchor of this line (searching again from one past each: none is part of another,
        // so none is skipped).
        let mut table = log_patterns::AnchorSet::NONE;
        while let Some((at, a)) = next.filter(|(at, _)| *at < end) {
            if at >= line_start {
                table = table.union(a);
            }
            next = anchors.next_from(at + 1);
        }
        let mut parsed = None;
        // The chunk's first line may continue the last chunk's: the reader reads it.
        if line_start > 0 {
            let raw = chunk.get(line_start..end).unwrap_or_default();
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                skipped += 1;
                continue;
            }
            // (The reader without prefilter reads every line the general way: tests compare.)
            let head = if unfiltered { None } else { heads.read(raw) };
            // Other programs' lines known by their header: a syslog one, or one after an ISO stamp
            // like a line the general path read before.
            let iso_judged = table.is_none() && head.is_none() && !unfiltered;
            if table.is_none() && head.as_ref().is_some_and(|h| !h.nut)
                || iso_judged && isos.seen(raw)
            {
                skipped += 1;
                foreign += 1;
                continue;
            }
            let table = if unfiltered {
                log_patterns::AnchorSet::ALL
            } else {
                table
            };
            let ev = match head.and_then(|h| super::parse_syslog_as(raw, &h, table)) {
                Some(ev) => Ok(ev),
                None => parse_line_as(raw, table),
            };
            if let (true, Ok(ev)) = (iso_judged, &ev) {
                isos.learn(raw, ev);
            }
            parsed = ev.ok().and_then(|ev| Parsed::of(raw, &ev));
        }
        out.marks.push(Mark {
            start: line_start,
            end,
            anchors: table,
            skipped_before: skipped,
            foreign_before: foreign,
            parsed,
        });
        (skipped, foreign) = (0, 0);
    }
    out.tail_skipped = skipped;
    out.tail_foreign = foreign;
    out.rest = start;
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

    /// A reader that reads every line the general way: every row of the table tried, no header
    /// remembered, nothing skipped. The same report as [`Self::new`]'s, slower; for the fuzz target
    /// and tests, which compare the two.
    #[doc(hidden)]
    pub fn without_shortcuts(opts: ReadOptions) -> Self {
        let mut r = LogReader::new(opts);
        r.unfiltered = true;
        r
    }

    /// Feeds a chunk of input.
    ///
    /// The message table's prefilter runs over the whole chunk, not line by line: one vectorised
    /// search finds the next line that holds one of the table's fragments, and the lines before it
    /// (most of a syslog: other programs' lines) are counted from their header alone
    /// ([`super::SyslogHeads`]), and a syslog line's header is read once
    /// ([`super::parse_syslog_as`]); other lines are read for their envelope
    /// ([`super::parse_line_as`]).
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut scan = std::mem::take(&mut self.scan);
        scan_chunk(chunk, self.unfiltered, &mut scan);
        self.consume(chunk, &scan);
        self.scan = scan;
    }

    /// Counts the lines a scan passed over: `lines` physical lines, `foreign` of them another
    /// program's (the rest blank), as [`Self::line`] would have.
    fn skip(&mut self, lines: u64, foreign: u64) {
        self.line_no += lines;
        if foreign > 0 {
            self.flush_export();
            self.flush_pending();
            self.builder.push_foreign(foreign);
        }
    }

    /// The second half of [`Self::feed`]: the lines of a scanned chunk, in order.
    fn consume(&mut self, chunk: &[u8], scan: &Scan) {
        for (k, m) in scan.marks.iter().enumerate() {
            self.skip(m.skipped_before, m.foreign_before);
            let head = chunk.get(m.start..m.end).unwrap_or_default();
            // Only the chunk's first line can continue a line the last chunk began.
            if k == 0 && m.start == 0 {
                if self.skipping {
                    self.skipping = false;
                    self.partial.clear();
                    continue;
                }
                if !self.partial.is_empty() {
                    let mut line = std::mem::take(&mut self.partial);
                    line.extend_from_slice(head);
                    let table = log_patterns::anchors_in(&line);
                    self.line(&line, table);
                    line.clear();
                    self.partial = line;
                    continue;
                }
            }
            match &m.parsed {
                Some(p) => self.parsed_line(head, m.anchors, p),
                None => self.line(head, m.anchors),
            }
        }
        self.skip(scan.tail_skipped, scan.tail_foreign);
        let rest = chunk.get(scan.rest..).unwrap_or_default();
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
            let table = log_patterns::anchors_in(&line);
            self.line(&line, table);
        }
        self.skipping = false;
        self.flush_export();
        self.flush_pending();
    }

    /// One line; `table`: the message table's anchors the prefilter found in it.
    fn line(&mut self, raw: &[u8], table: log_patterns::AnchorSet) {
        self.line_no += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let table = if self.unfiltered {
            log_patterns::AnchorSet::ALL
        } else {
            table
        };
        self.take(raw, parse_line_as(raw, table));
    }

    /// A line the scan parsed already ([`Parsed`]): the same as [`Self::line`] without parsing again.
    fn parsed_line(&mut self, raw: &[u8], table: log_patterns::AnchorSet, parsed: &Parsed) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match std::str::from_utf8(raw).ok().and_then(|s| parsed.event(s)) {
            Some(ev) => {
                self.line_no += 1;
                self.take(raw, Ok(ev));
            }
            None => self.line(raw, table),
        }
    }

    /// A line's event (or why it has none) into the timeline, through the wrapped-line hold.
    fn take(&mut self, raw: &[u8], parsed: Result<LogEvent<'_>, super::LineError>) {
        match parsed {
            Err(e) => {
                self.flush_pending();
                self.builder.push_error(self.line_no, &e);
            }
            Ok(mut ev) => {
                ev.line = self.line_no;
                if ev.format == Format::Export {
                    self.export_field(&ev);
                    return;
                }
                self.flush_export();
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

    /// One field line of a `journalctl -o export` entry: kept for the entry's event (the message's
    /// line counts when the entry ends), the others counted as the journal's structure.
    fn export_field(&mut self, ev: &LogEvent<'_>) {
        use super::json::ExportEntry;
        if ev.kind == EventKind::Marker {
            if let Some((key, value)) = ev.message.split_once('=') {
                if ExportEntry::starts_entry(key) {
                    self.flush_export();
                }
                self.export.field(key, value, ev.line);
            }
            self.builder.push(ev);
        } else {
            self.export.field("MESSAGE", &ev.message, ev.line);
        }
    }

    /// The `-o export` entry read so far, as its event.
    fn flush_export(&mut self) {
        if let Some(ev) = self.export.take() {
            self.flush_pending();
            self.accept(&ev);
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

    /// When the input was last written (a file's modification time, Unix seconds): year-less stamps
    /// with no `--year` and no full date in the input take their year from it, never a year that
    /// would put them after it.
    pub fn set_written(&mut self, unix_secs: i64) {
        self.builder.set_written(unix_secs);
    }

    /// [`Self::set_written`] by a file's modification time (nothing when the system gives none).
    pub fn set_written_by(&mut self, meta: &std::fs::Metadata) {
        let secs = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        if let Some(secs) = secs {
            self.set_written(secs);
        }
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

/// Bytes [`read_file`] reads at a time.
const PIPE_CHUNK: usize = 256 * 1024;

/// Reads a file to its end like [`LogReader::feed`] in chunks, with the half of the work that needs
/// no reader state — reading, the prefilter's pass and counting other programs' lines
/// ([`scan_chunk`]) — done ahead of the reader on other threads, one per CPU (at most four), each
/// reading its own chunks at their offsets; the reader takes the chunks in file order. The same result
/// as feeding the same bytes (a test compares them). On a syslog most lines are other programs', and
/// their half is most of the work. Memory: two chunks of [`PIPE_CHUNK`] per thread.
///
/// The file is read up to the first short read (the end as it was then): a log growing meanwhile is
/// read as far as it had been written, never with a gap.
pub fn read_file(file: &std::fs::File, reader: &mut LogReader) -> std::io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    read_file_in(file, reader, PIPE_CHUNK, threads)
}

fn read_file_in(
    file: &std::fs::File,
    reader: &mut LogReader,
    size: usize,
    threads: usize,
) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    use std::sync::mpsc::sync_channel;
    /// Chunks each thread has in flight.
    const BUFFERS: usize = 2;
    let size = size.max(1);
    let threads = threads.max(1);
    let unfiltered = reader.unfiltered;
    // Reads chunk `i` (at `i * size`) whole, or up to the end.
    let read_chunk = |buf: &mut Vec<u8>, i: u64| -> std::io::Result<usize> {
        let at = i.saturating_mul(size as u64);
        let mut n = 0;
        while n < buf.len() {
            match file.read_at(buf.get_mut(n..).unwrap_or_default(), at + n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    };
    std::thread::scope(|s| {
        let mut full = Vec::with_capacity(threads);
        let mut free = Vec::with_capacity(threads);
        let mut scanners = Vec::with_capacity(threads);
        for k in 0..threads {
            let (full_tx, full_rx) = sync_channel::<(Vec<u8>, usize, Scan)>(BUFFERS);
            let (free_tx, free_rx) = sync_channel::<(Vec<u8>, Scan)>(BUFFERS);
            for _ in 0..BUFFERS {
                let _ = free_tx.send((vec![0; size], Scan::default()));
            }
            full.push(full_rx);
            free.push(free_tx);
            let read_chunk = &read_chunk;
            let scanner = std::thread::Builder::new()
                .name(format!("log-scan-{k}"))
                .spawn_scoped(s, move || -> std::io::Result<()> {
                    let mut i = k as u64;
                    while let Ok((mut buf, mut scan)) = free_rx.recv() {
                        let n = read_chunk(&mut buf, i)?;
                        scan_chunk(buf.get(..n).unwrap_or_default(), unfiltered, &mut scan);
                        // A short chunk is the last: the reader stops there.
                        if full_tx.send((buf, n, scan)).is_err() || n < size {
                            return Ok(());
                        }
                        i += threads as u64;
                    }
                    Ok(())
                })?;
            scanners.push(scanner);
        }
        let mut i = 0usize;
        while let Some(rx) = full.get(i % threads) {
            let Ok((buf, n, scan)) = rx.recv() else {
                break;
            };
            reader.consume(buf.get(..n).unwrap_or_default(), &scan);
            if n < size {
                break;
            }
            if let Some(tx) = free.get(i % threads) {
                let _ = tx.send((buf, scan));
            }
            i += 1;
        }
        // Stops the threads still reading past the end.
        drop(full);
        drop(free);
        scanners.into_iter().try_for_each(|t| {
            t.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a log scanner thread panicked")))
        })
    })
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

    /// `journalctl -o export`: each entry's fields on lines of their own (the order journald
    /// writes them), entries apart by a blank line. Facts of journald's export format.
    #[test]
    fn export_entries_are_events_with_their_time_ident_and_pid() {
        let entry = |cursor: u32, secs: i64, ident: &str, pid: u32, msg: &str| {
            format!(
                "__CURSOR=s=1;i={cursor}\n__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP=1\n\
                 _BOOT_ID=b\n_TRANSPORT=syslog\nPRIORITY=3\nSYSLOG_IDENTIFIER={ident}\n\
                 SYSLOG_PID={pid}\nMESSAGE={msg}\n_PID={pid}\n_COMM={ident}\n_HOSTNAME=nas\n\n",
                secs * 1_000_000 + 250_000
            )
        };
        let log = [
            entry(
                1,
                1_795_706_401,
                "upsmon",
                812,
                "Communications with UPS ups@nas lost",
            ),
            // Another program's "Signal 15": not NUT's, whatever the table says of upsd's.
            entry(
                2,
                1_795_706_402,
                "sshd",
                99,
                "Received signal 15; terminating.",
            ),
            entry(
                3,
                1_795_706_461,
                "upsmon",
                812,
                "Communications with UPS ups@nas established",
            ),
        ]
        .concat();
        for size in [log.len(), 7] {
            let mut r = LogReader::new(ReadOptions::default());
            for c in log.as_bytes().chunks(size) {
                r.feed(c);
            }
            let t = r.judge(None).timeline;
            assert_eq!(t.episodes.len(), 1, "{:#?}", t.episodes);
            let e = &t.episodes[0];
            assert_eq!(e.ups.as_deref(), Some("ups@nas"));
            assert_eq!(
                e.duration_micros,
                Some(60_000_000),
                "the entries' own times"
            );
            assert_eq!(e.first_line, 9, "the MESSAGE line of the first entry");
            assert_eq!(t.stats.foreign, 1, "sshd's entry: {:?}", t.stats);
            assert_eq!(t.stats.unclassified, 0, "{:?}", t.unclassified_samples);
        }
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

/// The prefilter and the syslog fast path change nothing: every line of the real-world corpus, the
/// fuzz seeds and a generated syslog (and, in a proptest, generated lines of every shape) reads the
/// same with the whole table and the general parser as with the prefilter's rows and the fast path.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod prefilter_tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::knowledge::log_patterns::{anchors_in, AnchorSet};
    use crate::logs::{
        foreign_syslog, parse_general, parse_syslog_as, syslog_fast, IsoHeads, Lines, SyslogHeads,
    };

    /// Every way one line can be read, compared.
    fn same_line(l: &[u8]) {
        let whole = parse_line_as(l, AnchorSet::ALL);
        assert_eq!(parse_line(l), whole, "{:?}", String::from_utf8_lossy(l));
        if anchors_in(l).is_none() {
            // What the prefilter lets by is truly not classifiable.
            assert_eq!(
                parse_line_as(l, AnchorSet::NONE),
                whole,
                "{:?}",
                String::from_utf8_lossy(l)
            );
            // And what the scan counts as another program's line without reading it is one.
            if foreign_syslog(l) {
                assert_eq!(
                    whole.as_ref().map(|e| e.kind),
                    Ok(EventKind::Foreign),
                    "{:?}",
                    String::from_utf8_lossy(l)
                );
            }
        }
        // The header read again from what the scan kept of it, and the line parsed with it.
        let mut heads = SyslogHeads::default();
        let alone = heads.read(l);
        assert_eq!(heads.read(l), alone, "{:?}", String::from_utf8_lossy(l));
        if let Some(h) = alone {
            for table in [AnchorSet::ALL, anchors_in(l)] {
                if let Some(e) = parse_syslog_as(l, &h, table) {
                    assert_eq!(
                        Ok(e),
                        parse_line_as(l, table),
                        "{:?}",
                        String::from_utf8_lossy(l)
                    );
                }
            }
        }
        if let Ok(s) = std::str::from_utf8(l) {
            if s.len() <= MAX_LINE {
                if let Some(fast) = syslog_fast(s, AnchorSet::ALL) {
                    assert_eq!(Ok(fast), parse_general(s, AnchorSet::ALL), "{s:?}");
                }
            }
        }
    }

    /// The reader with and without the prefilter, fed whole and in small chunks.
    fn same_report(input: &[u8]) {
        let mut plain = LogReader::without_shortcuts(ReadOptions::default());
        plain.feed(input);
        let expected = plain.judge(None);
        for size in [input.len().max(1), 4096, 61] {
            let mut r = LogReader::new(ReadOptions::default());
            for c in input.chunks(size) {
                r.feed(c);
            }
            assert_eq!(r.judge(None), expected, "chunks of {size}");
            for threads in [1, 3] {
                let mut f = tempfile::tempfile().unwrap();
                std::io::Write::write_all(&mut f, input).unwrap();
                let mut r = LogReader::new(ReadOptions::default());
                read_file_in(&f, &mut r, size, threads).unwrap();
                assert_eq!(
                    r.judge(None),
                    expected,
                    "{threads} threads, chunks of {size}"
                );
            }
        }
    }

    fn files(dir: &Path) -> Vec<Vec<u8>> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter_map(|p| std::fs::read(p).ok())
            .collect();
        out.sort();
        out
    }

    /// A syslog like `examples/gen_syslog.rs` writes (other programs' lines with NUT's between),
    /// plus the shapes the fast path must leave alone.
    fn generated() -> Vec<u8> {
        let mut out = String::new();
        let nut = [
            "upsmon[812]: UPS ups@localhost on battery",
            "upsd[700]: Data for UPS [ups] is stale - check driver",
            "usbhid-ups[640]: libusb1: Could not open any HID devices: insufficient permissions on everything",
            "upsmon[812]: Poll UPS [ups@localhost] failed - Data stale",
            "upsmon[812]: UPS [rack@192.168.1.10]: connect failed: Connection failure: Connection refused",
            "upsmon[812]: Login on UPS [pi@127.0.0.1:3493] failed - got [ERR ACCESS-DENIED]",
            "upsmon[812]: something this table has never seen",
            "upsd[700]: User monuser@127.0.0.1 logged into UPS [ups]",
            "kernel: [1795706401.000997] usb 1-1: new full-speed USB device number 3 using xhci_hcd",
            "kernel: usb 1-1: USB disconnect, device number 3",
            "systemd[1]: nut-driver@ups.service: Main process exited, code=exited, status=1/FAILURE",
            "systemd[1]: Started Network UPS Tools - power device monitor and shutdown controller.",
            "myups-wrapper[9]: UPS ups@h: forced shutdown in progress",
            "sshd[1]: Signal 15: exiting",
            "upsmon: Signal 15: exiting",
            "Fatal: error: unusable configuration",
            "error: Fatal error: unusable configuration",
            "nas upsmon[1]: UPS u@h on battery",
            "2026 upsmon[1]: UPS u@h on battery",
            "12 upsmon[1]: UPS u@h on battery",
            "nas 26 15:20:01 nas upsmon[1]: UPS u@h on battery",
            "daemon.err upsd[1]: Data for UPS [ups] is stale - check driver",
            "nas: [D1] Trying to connect to UPS [u@h]",
            "upsmon[1]:    26.009406\tUPS pi@127.0.0.1:34930 on battery",
            "upsmon[1]: [D1] debug level is '1'",
            "upsmon[1]: UPS 【u@h】 on battery",
            "upsmon[1]: Poll UPS 【u@h】 failed - Data stale",
            "upsmon[1]: UPS [u@h]: connect failed: Connection fai",
            "upsmon[1]: UPS u@h on battery,",
            "upsmon[1]: UPS u@h on battery\"",
            "ups-nut-1  | upsd[1]: Data for UPS [ups] is stale - check driver",
        ];
        let foreign = [
            "sshd[1003]: Accepted publickey for admin from 192.0.2.7 port 40007 ssh2: ED25519 SHA256:x",
            "CRON[1005]: (root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))",
            "systemd[1]: Started session-7.scope - Session 7 of User admin.",
            "dhcpcd[1006]: eth0: rebinding lease of 192.168.1.7",
            "smartd[1002]: Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from 34 to 35",
            "postfix/smtpd[1001]: connect from localhost[127.0.0.1]",
            "kernel: [ 12.5] EXT4-fs (sda1): mounted filesystem",
            "nginx: 10.0.0.1 - - \"GET / HTTP/1.1\" 200",
            "cupsd[77]: REQUEST localhost - - \"POST / HTTP/1.1\" 200",
        ];
        let months = ["Nov", "Dec", "Jan", "Feb"];
        for i in 0..3000usize {
            let month = months[i / 700 % 4];
            let day = 1 + i / 100 % 28;
            let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
            let msg = if i % 10 == 0 {
                nut[i / 10 % nut.len()]
            } else {
                foreign[i % foreign.len()]
            };
            out.push_str(&format!("{month} {day:2} {h:02}:{m:02}:{s:02} nas {msg}\n"));
            if i % 97 == 0 {
                out.push_str(&format!("{month} {day:02} {h:02}:{m:02}:{s:02} {msg}\n"));
                out.push_str("tion refused\n");
            }
        }
        let mut b = out.into_bytes();
        b.extend_from_slice(b"Nov 26 15:20:01 nas sshd[1]: \xff\xfe bytes\nNov 26 15:20:01 nas upsmon[1]: UPS a\xff on battery\n");
        b
    }

    #[test]
    fn corpus_seeds_and_a_generated_syslog_read_the_same() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut inputs = files(&root.join("tests/real-world/logs"));
        assert!(inputs.len() >= 40, "the real-world corpus is in the crate");
        inputs.extend(files(&root.join("../fuzz/corpus/diag_logs")));
        inputs.push(generated());
        let mut lines = 0;
        let mut skipped = 0;
        for input in &inputs {
            for (_, l) in Lines::new(input) {
                same_line(l);
                lines += 1;
                skipped += usize::from(anchors_in(l).is_none());
            }
            same_report(input);
        }
        // The comparison means something only if both kinds of line are there.
        assert!(
            lines > 3000 && skipped > 2000 && lines - skipped > 500,
            "{lines} / {skipped}"
        );
    }

    /// The scan's reader of syslog headers, which remembers the last few, against one that reads
    /// each line alone, and against [`foreign_syslog`]: the same on every line, in order.
    fn same_foreign_judge<'a>(lines: impl IntoIterator<Item = &'a [u8]>) {
        let mut judge = SyslogHeads::default();
        for l in lines {
            let alone = SyslogHeads::default().read(l);
            assert_eq!(judge.read(l), alone, "{:?}", String::from_utf8_lossy(l));
            assert_eq!(
                alone.is_some_and(|h| !h.nut),
                foreign_syslog(l),
                "{:?}",
                String::from_utf8_lossy(l)
            );
        }
    }

    #[test]
    fn the_foreign_judge_that_remembers_headers_judges_as_each_line_alone() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut inputs = files(&root.join("tests/real-world/logs"));
        inputs.push(generated());
        let mut foreign = 0;
        for input in &inputs {
            same_foreign_judge(Lines::new(input).map(|(_, l)| l));
            foreign += Lines::new(input).filter(|(_, l)| foreign_syslog(l)).count();
        }
        assert!(foreign > 2000, "{foreign}");
    }

    /// Lines that start like each other (a few beginnings per case: one of `stamps`, a host, an
    /// ident) but differ after the part a judge remembers: the pid, what follows the tag.
    fn alike(stamps: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
        let host = prop_oneof![
            Just("nas "),
            Just("nas  "),
            Just("n:s "),
            Just("9nas "),
            Just("a-very-long-host.example.org ")
        ];
        let ident = prop_oneof![
            Just("sshd"),
            Just("kernel"),
            Just("postfix/smtpd"),
            Just("(sd-pam)"),
            Just("upsmon"),
            Just("x"),
            Just("2x"),
        ];
        let tag_end = prop_oneof![
            Just(":".to_string()),
            Just("::".to_string()),
            Just(":x".to_string()),
            "\\[[0-9]{0,12}\\]:",
            "\\[[0-9a]{1,4}\\]?:?",
        ];
        let msg = prop_oneof![
            Just(String::new()),
            Just(" Accepted publickey".to_string()),
            Just("  12.5\tUPS u@h on battery".to_string()),
            Just("  12.5\tAccepted publickey".to_string()),
            Just(" [ 12.5] usb 1-1: gone".to_string()),
            Just(" Accepted publickey for admin from 192.0.2.7 port 40007 ssh2".to_string()),
            Just(" {\"message\": \"Event nut.ups_event fired.\"}x".to_string()),
            Just(" {\"message\": \"Event nut.ups_event fired.\"}  12.5\tx".to_string()),
            " [ -~]{0,30}",
        ];
        let starts = proptest::collection::vec(
            (proptest::sample::select(stamps), host, ident)
                .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
            1..4,
        );
        let ends = proptest::collection::vec((0usize..4, tag_end, msg), 1..24);
        (starts, ends).prop_map(|(starts, ends)| {
            ends.into_iter()
                .map(|(i, t, m)| format!("{}{t}{m}", starts[i % starts.len()]))
                .collect()
        })
    }

    /// Syslog stamps for [`alike`]: two seconds, a day the month lacks, an hour past 23, a month
    /// in lower case.
    const SYSLOG_STAMPS: &[&str] = &[
        "Nov 26 15:20:01 ",
        "Nov 26 15:20:02 ",
        "Nov 31 15:20:01 ",
        "Nov 26 25:20:01 ",
        "nov 26 15:20:01 ",
    ];

    /// ISO stamps for [`alike`]: two seconds, a zone with a colon, `Z`, an impossible month and
    /// hour, a fraction, a space for the `T`, two spaces after.
    const ISO_STAMPS: &[&str] = &[
        "2026-11-26T15:20:01+0100 ",
        "2026-11-26T15:20:02+0100 ",
        "2026-11-26T15:20:01+01:00 ",
        "2026-11-26T15:20:01Z ",
        "2026-13-26T15:20:01+0100 ",
        "2026-11-26T25:20:01+0100 ",
        "2026-11-26T15:20:01.123456+01:00 ",
        "2026-11-26 15:20:01 ",
        "2026-11-26T15:20:01+0100  ",
    ];

    fn any_line() -> impl Strategy<Value = String> {
        let stamp = prop_oneof![
            Just(String::new()),
            (0usize..12, 0u32..40, 0u32..26, 0u32..62, 0u32..62).prop_map(|(m, d, h, mi, s)| {
                let mon = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ][m];
                format!("{mon} {d:2} {h:02}:{mi:02}:{s:02} ")
            }),
            Just("Thu Nov 26 15:20:01 2026 ".to_string()),
            Just("Nov 26 15:20:01.250000 ".to_string()),
            Just("2026-11-26T15:20:01+00:00 ".to_string()),
        ];
        let host = prop_oneof![
            Just(String::new()),
            Just("nas ".to_string()),
            Just("2026 ".to_string()),
            Just("h:x ".to_string()),
            Just("daemon.err ".to_string()),
            Just("ab  ".to_string()),
            "[a-z0-9:.]{1,8} ",
        ];
        let ident = prop_oneof![
            Just(String::new()),
            Just("upsmon[812]: ".to_string()),
            Just("sshd[1]: ".to_string()),
            Just("kernel: ".to_string()),
            Just("systemd[1]: ".to_string()),
            Just("usbhid-ups: ".to_string()),
            Just("addon_x_nut[3]: ".to_string()),
            "[a-zA-Z/][a-z0-9_@.-]{0,8}(\\[[0-9]{1,5}\\])?: ",
        ];
        let texts: Vec<String> = crate::knowledge::LOG_PATTERNS
            .iter()
            .map(|p| {
                p.template
                    .replace("{ups}", "ups@h")
                    .replace("{detail}", "x 1")
                    .replace("{_}", "y")
            })
            .collect();
        let msg = prop_oneof![
            proptest::sample::select(texts),
            Just("Accepted publickey for admin".to_string()),
            Just("[D1] Logged into UPS u@h".to_string()),
            "[ -~]{0,40}",
        ];
        (stamp, host, ident, msg).prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"))
    }

    /// The scan's judge of ISO-stamped lines against the general path, used as the scan uses it:
    /// on a line with no anchor and no syslog header, asked first, taught the general path's
    /// event when it did not know the line. Every line it knows is one the general path reads as
    /// another program's. How many it knew.
    fn same_iso_judge<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> usize {
        let mut judge = IsoHeads::default();
        let mut known = 0;
        for l in lines {
            if !anchors_in(l).is_none() || SyslogHeads::default().read(l).is_some() {
                continue;
            }
            assert!(
                !IsoHeads::default().seen(l),
                "{:?}",
                String::from_utf8_lossy(l)
            );
            let ev = parse_line_as(l, AnchorSet::NONE);
            if judge.seen(l) {
                known += 1;
                assert_eq!(
                    ev.map(|e| e.kind),
                    Ok(EventKind::Foreign),
                    "{:?}",
                    String::from_utf8_lossy(l)
                );
            } else if let Ok(ev) = ev {
                judge.learn(l, &ev);
            }
        }
        known
    }

    /// `line` with its syslog stamp (`Nov 26 15:20:01 `) written as `journalctl -o short-iso`
    /// writes it (`2026-11-26T15:20:01+0100 `); other lines as they are.
    fn to_iso(line: &[u8]) -> Vec<u8> {
        let month = line.get(..3).and_then(|m| {
            crate::logs::time::MONTHS
                .iter()
                .position(|x| x.as_bytes() == m)
        });
        match (month, line.get(16..)) {
            (Some(m), Some(rest)) if crate::logs::time::is_syslog_fixed_stamp(line) => {
                let day = String::from_utf8_lossy(line.get(4..6).unwrap_or_default())
                    .trim()
                    .to_string();
                let hms = String::from_utf8_lossy(line.get(7..15).unwrap_or_default()).to_string();
                let mut out = format!("2026-{:02}-{day:0>2}T{hms}+0100 ", m + 1).into_bytes();
                out.extend_from_slice(rest);
                out
            }
            _ => line.to_vec(),
        }
    }

    #[test]
    fn the_iso_judge_knows_only_lines_the_general_path_calls_foreign() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut inputs = files(&root.join("tests/real-world/logs"));
        inputs.push(generated());
        let mut known = 0;
        for input in &inputs {
            let iso: Vec<Vec<u8>> = Lines::new(input).map(|(_, l)| to_iso(l)).collect();
            known += same_iso_judge(iso.iter().map(Vec::as_slice));
            let mut whole = iso.join(&b'\n');
            whole.push(b'\n');
            same_report(&whole);
        }
        // (generated() alone repeats other programs' lines by the hundred.)
        assert!(known > 500, "{known}");
    }

    /// The Home Assistant add-on's event notice glued before upsmon's own stamp makes a line NUT's
    /// whatever its ident: no judge by header alone may count it as another program's (the
    /// syslog judges did, until they shared the ISO judge's check of the message's first byte).
    #[test]
    fn a_nut_stamp_after_a_home_assistant_notice_is_read_not_counted() {
        for stamp in ["Nov 26 15:20:01 ", "2026-11-26T15:20:01+0100 "] {
            let input = format!(
                "{stamp}nas sshd[7]: Accepted publickey\n\
                 {stamp}nas sshd[8]: {{\"message\": \"Event nut.ups_event fired.\"}}  12.5\tx\n"
            );
            same_report(input.as_bytes());
            let mut r = LogReader::new(ReadOptions::default());
            r.feed(input.as_bytes());
            let stats = r.judge(None).timeline.stats;
            assert_eq!((stats.foreign, stats.unclassified), (1, 1), "{input}");
        }
    }

    #[test]
    fn the_iso_judge_leaves_lines_that_differ_where_it_looks() {
        let learned = "2026-11-26T15:20:01+0100 nas sshd[7]: Accepted publickey";
        let known = [
            "2026-11-26T15:20:01+0100 nas sshd[8]: Accepted publickey for admin",
            "2026-11-26T15:20:09+0100 nas sshd[8]: session closed",
            "2026-11-26T15:20:01+0100 nas sshd[8]:",
        ];
        let unknown = [
            "2026-11-26T15:20:01+0100 nas sshd[8]:  12.5\tAccepted publickey",
            "2026-11-26T15:20:01+0100 nas sshd[8]: {\"message\": \"Event nut.ups_event fired.\"}  12.5\tx",
            "2026-11-26T15:20:01+0100 nas sshd[8a]: Accepted publickey",
            "2026-11-26T15:20:01+0100 nas sshd[8]:x Accepted publickey",
            "2026-13-26T15:20:01+0100 nas sshd[8]: Accepted publickey",
            "2026-11-26T15:20:01+01:00 nas sshd[8]: Accepted publickey",
            "2026-11-26T15:20:01+0100 nas sshdd[8]: Accepted publickey",
            "2026-11-26T15:20:01+0100 nas  sshd[8]: Accepted publickey",
        ];
        for l in known.iter().chain(&unknown) {
            let mut judge = IsoHeads::default();
            let first = parse_line_as(learned.as_bytes(), AnchorSet::NONE).unwrap();
            judge.learn(learned.as_bytes(), &first);
            let foreign = parse_line_as(l.as_bytes(), AnchorSet::NONE).map(|e| e.kind);
            assert_eq!(judge.seen(l.as_bytes()), known.contains(l), "{l}");
            if judge.seen(l.as_bytes()) {
                assert_eq!(foreign, Ok(EventKind::Foreign), "{l}");
            }
        }
        // The general path's own answer for the first two unknown lines: not another program's.
        for l in &unknown[..2] {
            let kind = parse_line_as(l.as_bytes(), AnchorSet::NONE).map(|e| e.kind);
            assert_ne!(kind, Ok(EventKind::Foreign), "{l}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn alike_iso_lines_are_judged_as_the_general_path_reads_them(ls in alike(ISO_STAMPS)) {
            same_iso_judge(ls.iter().map(|l| l.as_bytes()));
            let mut whole = ls.join("\n");
            whole.push('\n');
            same_report(whole.as_bytes());
        }

        #[test]
        fn any_line_reads_the_same_every_way(l in any_line()) {
            same_line(l.as_bytes());
        }

        #[test]
        fn alike_lines_are_judged_as_each_alone(ls in alike(SYSLOG_STAMPS)) {
            same_foreign_judge(ls.iter().map(|l| l.as_bytes()));
        }
    }
}

/// More incidents than the timeline keeps: the newest are there, the older counted, none lost.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod bound_tests {
    use super::*;
    use crate::timeline::MAX_EPISODES;

    #[test]
    fn the_newest_incidents_are_kept_past_the_cap() {
        let outages = MAX_EPISODES + 2_345;
        let mut r = LogReader::new(ReadOptions::default());
        let mut last_line = 0;
        for i in 0..outages {
            let (d, s) = (1 + i / 40_000 % 28, i % 40_000 * 2);
            let (h, m, sec) = (s / 3600 % 24, s / 60 % 60, s % 60);
            let stamp = format!("Nov {d:2} {h:02}:{m:02}:{sec:02}");
            r.feed(format!("{stamp} nas upsmon[1]: UPS u{i}@h on battery\n").as_bytes());
            r.feed(format!("{stamp} nas sshd[2]: Accepted publickey for admin\n").as_bytes());
            r.feed(format!("{stamp} nas upsmon[1]: UPS u{i}@h on line power\n").as_bytes());
            last_line += 3;
        }
        let t = r.judge(None).timeline;
        assert_eq!(t.episodes.len(), MAX_EPISODES);
        let newest = t.episodes.last().unwrap();
        assert_eq!(
            (newest.first_line, newest.last_line),
            (last_line - 2, last_line)
        );
        assert_eq!(t.episodes.first().unwrap().first_line, 3 * 2_345 + 1);
        let older: u64 = t.stats.older.iter().map(|o| o.count).sum();
        assert_eq!((older, t.stats.episodes_dropped), (2_345, 2_345));
        assert_eq!(t.stats.foreign, outages as u64);
    }
}
