//! Log lines in, [`LogEvent`]s out, whatever shape the line has: the message is found wherever it stands
//! and what precedes it is read as timestamp / host / ident when it parses. Detection is per line, so
//! mixed input works.
//!
//! ```text
//! Nov 26 15:20:01 nas upsmon[812]: UPS ups@nas on battery                      syslog / -o short
//! Nov 26 15:20:01 upsmon[812]: UPS ups@nas on battery                          syslog without host
//! déc. 26 15:20:01 nas upsmon[812]: UPS ups@nas on battery                     localized month
//! 2026-11-26T15:20:01.123456+01:00 nas upsmon[812]: UPS ups@nas on battery     -o short-iso, rsyslog
//! {"__REALTIME_TIMESTAMP":"1795705201000000","MESSAGE":"UPS ups@nas on battery",…}   -o json
//! MESSAGE=UPS ups@nas on battery                                               -o export
//! [ 4242.000001] nas upsmon[812]: UPS ups@nas on battery                      -o short-monotonic
//! <29>1 2026-11-26T15:20:01Z nas upsmon 812 - - UPS ups@nas on battery          RFC 5424
//! Thu Nov 26 15:20:01 2026 daemon.notice upsmon[812]: UPS ups@nas on battery   BusyBox logread
//! 15:20:01 UPS ups@nas on battery  ·  1795705201 UPS ups@nas on battery        time only · epoch
//! upsmon[812]: UPS ups@nas on battery  ·  UPS ups@nas on battery               ident only · bare
//!    26.009406\tUPS pi@127.0.0.1:34930 on battery                              upsmon -D
//! nut-upsd-1  | 2026-11-26T15:20:01.5Z upsd[1]: …  ·  42:Nov 26 …  ·  > Nov 26 …  wrappers
//! ```
//!
//! Submodules, one job each: [`time`] (timestamps and clocks), `prefix` (wrappers and the
//! `host ident[pid]:` header), [`ident`] (which programs are NUT's), `json` (journal JSON/export),
//! [`reader`] (bytes in chunks → events → timeline, bounded).
//!
//! The parser is total: any byte string gives an event or a [`LineError`], never a panic. It borrows from
//! the input where it can (a JSON message with escapes, or a line that is not UTF-8, is copied), and
//! refuses lines longer than [`MAX_LINE`] without looking at them further. A line whose envelope is not
//! recognised is kept whole as the message, so nothing is silently dropped: it shows up as
//! [`EventKind::Unclassified`] unless the message table finds a NUT message in it anyway.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::knowledge::log_patterns::{self, EventKind};

pub mod ident;
mod json;
mod prefix;
pub mod reader;
pub mod time;

pub(crate) use self::time::parse_ymd;
pub use self::time::{Clock, Timestamp};

/// Longest line the parser looks at. journald's own default line maximum is 48 KiB; a NUT message is a
/// few hundred bytes, so 64 KiB leaves room for JSON envelopes with many fields and still bounds the work
/// per line.
pub const MAX_LINE: usize = 64 * 1024;

/// The line format an event was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `Mmm dd HH:MM:SS host ident[pid]: msg` (journalctl `-o short`/`short-precise`, syslog files).
    Syslog,
    /// `YYYY-MM-DDTHH:MM:SS[.f]±hh[:]mm host ident[pid]: msg` (journalctl `-o short-iso`, rsyslog).
    Iso,
    /// One journal entry as JSON (journalctl `-o json`).
    Json,
    /// upsmon foreground output: `   12.345678\tmsg`.
    Upsmon,
    /// `[   12.345678] host ident[pid]: msg` (journalctl `-o short-monotonic`).
    Monotonic,
    /// `<pri>1 YYYY-MM-DDTHH:MM:SS[.f]Z host app procid msgid sd msg` (RFC 5424, rsyslog forwarding).
    Rfc5424,
    /// A journal marker line (`-- Boot … --`).
    Marker,
    /// `Thu Nov 26 15:20:01 2026 daemon.err ident[pid]: msg` (BusyBox / OpenWrt `logread`).
    Logread,
    /// `15:20:01 msg` or `[15:20:01] msg`: a time of day without date.
    TimeOfDay,
    /// `1795706401.25 msg`: seconds since the epoch.
    Epoch,
    /// `ident[pid]: msg` with no time or host (cut from a syslog line).
    Ident,
    /// One field of a journal entry in `-o export` form (`MESSAGE=…`, `_PID=…`).
    Export,
    /// No recognised envelope: the whole line is the message (upsmon's untimed lines, pasted text).
    Bare,
}

/// One log line, understood. Borrows from the input; [`LogEvent::into_owned`] detaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent<'a> {
    /// 1-based line number in the input (0 when parsed on its own).
    pub line: u64,
    /// The format the line was in.
    pub format: Format,
    /// When it was logged, if the line says.
    pub time: Option<Timestamp>,
    /// The host that logged it (journal/syslog), if given.
    pub host: Option<Cow<'a, str>>,
    /// The program (`upsmon`, `upsd`, `usbhid-ups`), if given.
    pub ident: Option<Cow<'a, str>>,
    /// Its process id, if given.
    pub pid: Option<u32>,
    /// What the message means (from the log-message table).
    pub kind: EventKind,
    /// The UPS the message is about, as upsmon names it (`ups@host[:port]`), if any.
    pub ups: Option<Cow<'a, str>>,
    /// The variable part of the message worth keeping (an error text), if any.
    pub detail: Option<Cow<'a, str>>,
    /// The message text (without envelope and without upsmon's `[D1] ` debug prefix).
    pub message: Cow<'a, str>,
}

impl LogEvent<'_> {
    /// Copies every borrowed part, so the event can outlive the input (for [`crate::Facts`]).
    pub fn into_owned(self) -> LogEvent<'static> {
        fn own(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        LogEvent {
            line: self.line,
            format: self.format,
            time: self.time,
            host: self.host.map(own),
            ident: self.ident.map(own),
            pid: self.pid,
            kind: self.kind,
            ups: self.ups.map(own),
            detail: self.detail.map(own),
            message: own(self.message),
        }
    }
}

/// Why a line could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line is longer than [`MAX_LINE`].
    #[error("line of {0} bytes is longer than the {MAX_LINE}-byte limit")]
    TooLong(usize),
    /// It starts with `{` but is not a journal JSON object.
    #[error("not a journal JSON entry: {0}")]
    BadJson(String),
}

/// Parses one line (without its line terminator).
pub fn parse_line(line: &[u8]) -> Result<LogEvent<'_>, LineError> {
    if line.len() > MAX_LINE {
        return Err(LineError::TooLong(line.len()));
    }
    parse_line_as(line, log_patterns::anchors_in(line))
}

/// [`parse_line`] told which of the message table's anchors the line holds
/// ([`log_patterns::anchors_in`]; a reader finds the lines with none for a whole chunk at once). Only
/// the rows whose anchor is there are tried, and with none the envelope is read as always but no row
/// at all: the line is the same event as with the whole table (`Foreign` for another program's line,
/// `Unclassified` otherwise), at a fraction of the cost. A test compares both on every corpus line.
pub(crate) fn parse_line_as(
    line: &[u8],
    table: log_patterns::AnchorSet,
) -> Result<LogEvent<'_>, LineError> {
    if line.len() > MAX_LINE {
        return Err(LineError::TooLong(line.len()));
    }
    match std::str::from_utf8(line) {
        Ok(s) => {
            let e = parse_str(s, table)?;
            // Full-width brackets (a CJK log viewer's rendering of `[`/`]`): read again with ASCII ones
            // (with the table: the replacement can make a fragment the prefilter looked for).
            if e.kind == EventKind::Unclassified && s.contains('\u{3010}') {
                let ascii = s.replace('\u{3010}', "[").replace('\u{3011}', "]");
                return parse_str(&ascii, log_patterns::AnchorSet::ALL).map(LogEvent::into_owned);
            }
            Ok(e)
        }
        Err(_) => {
            // U+FFFD replaces only invalid bytes: a fragment is in the lossy text only if it was in
            // the bytes.
            let lossy = String::from_utf8_lossy(line).into_owned();
            parse_str(&lossy, table).map(LogEvent::into_owned)
        }
    }
}

/// Splits input into lines (LF, with an optional CR before it) without copying.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
    line_no: u64,
}

impl<'a> Lines<'a> {
    /// Lines of `input`; a last line without LF counts too.
    pub fn new(input: &'a [u8]) -> Self {
        Lines {
            rest: input,
            line_no: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u64, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (self.rest.get(..i)?, self.rest.get(i + 1..)?),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        self.line_no += 1;
        Some((self.line_no, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

/// Every non-blank line of `input` parsed, with its line number set.
pub fn events(input: &[u8]) -> impl Iterator<Item = (u64, Result<LogEvent<'_>, LineError>)> {
    Lines::new(input)
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(n, l)| {
            (
                n,
                parse_line(l).map(|mut e| {
                    e.line = n;
                    e
                }),
            )
        })
}

/// `table`: whether the message table may match (see [`parse_line_as`]). JSON and export lines are
/// always classified: their message is decoded, so the prefilter's look at the raw bytes says
/// nothing about it.
fn parse_str(s: &str, table: log_patterns::AnchorSet) -> Result<LogEvent<'_>, LineError> {
    if let Some(e) = syslog_fast(s, table) {
        return Ok(e);
    }
    parse_general(s, table)
}

/// [`parse_str`] without its fast path: every envelope.
fn parse_general(s: &str, table: log_patterns::AnchorSet) -> Result<LogEvent<'_>, LineError> {
    let s = prefix::strip_wrappers(s);
    if prefix::shell_prompt(s) {
        // The user's shell: another program's line.
        return Ok(build_scoped(
            Format::Bare,
            None,
            None,
            None,
            None,
            Cow::Borrowed(s),
            log_patterns::Scope::Distinctive,
            log_patterns::AnchorSet::NONE,
        ));
    }
    if s.starts_with('{') {
        return json::parse_json(s);
    }
    if let Some(e) = parse_marker(s) {
        return Ok(e);
    }
    if let Some(e) = parse_rfc5424(s, table) {
        return Ok(e);
    }
    if let Some(e) = json::export_field(s) {
        return Ok(e);
    }
    let p = prefix::strip_priority(s);
    let stamped = time::iso(p)
        .map(|(t, r)| (Format::Iso, t, r))
        .or_else(|| time::syslog_or_logread(p))
        .or_else(|| time::monotonic(p).map(|(t, r)| (Format::Monotonic, t, r)))
        .or_else(|| time::epoch(p).map(|(t, r)| (Format::Epoch, t, r)))
        .or_else(|| time::time_of_day(p).map(|(t, r)| (Format::TimeOfDay, t, r)));
    if let Some((format, t, rest)) = stamped {
        // A container or forwarder stamp before the program's own line (`docker logs -t`, a NAS relay):
        // the inner line's envelope is read the same way, the outer stamp kept when it has none.
        let inner = prefix::strip_priority(rest);
        // Cheap shape check first: an inner stamp starts with a digit, or is `Mmm dd`.
        let maybe_stamp = inner.starts_with(|c: char| c.is_ascii_digit() || c == ' ')
            || time::space(inner).is_some_and(|w| {
                w <= 6
                    && inner
                        .get(w + 1..)
                        .is_some_and(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            });
        let inner_stamp = if maybe_stamp {
            time::relative(inner)
                .or_else(|| time::syslog(inner))
                .or_else(|| time::iso(inner))
        } else {
            None
        };
        if let Some((_, r)) = inner_stamp {
            return Ok(headed(format, Some(t), r, true, table));
        }
        return Ok(headed(format, Some(t), rest, true, table));
    }
    if let Some((t, rest)) = time::relative(s) {
        return Ok(build_scoped(
            Format::Upsmon,
            Some(t),
            None,
            None,
            None,
            Cow::Borrowed(rest),
            log_patterns::Scope::Any,
            table,
        ));
    }
    Ok(headed(Format::Bare, None, s, false, table))
}

/// The most common line of all, `Mmm dd HH:MM:SS host ident[pid]: msg` (syslog files, journalctl's
/// default), read straight: every turn [`parse_str`] takes before the header is settled by its
/// first bytes (no wrapper, marker, JSON, RFC 5424, export field, ISO or `logread` stamp starts with
/// an English month, a day and a time followed by a word), so the result is the same event, and
/// `None` leaves every other line to the general path. A test compares both on every corpus line.
fn syslog_fast(line: &str, table: log_patterns::AnchorSet) -> Option<LogEvent<'_>> {
    if !line.as_bytes().first()?.is_ascii_uppercase() {
        return None;
    }
    let s = prefix::strip_end(line);
    let (t, rest) = time::syslog_fixed(s)?;
    // A host word (not a year, a priority or a second stamp), as parse_str's checks would find.
    if !rest.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    if inner_stamp(rest) {
        return None;
    }
    Some(headed(Format::Syslog, Some(t), rest, true, table))
}

/// Whether the text after a syslog stamp starts with a second stamp (a forwarder's or container's
/// in front of the program's own): a short word followed by a digit.
fn inner_stamp(rest: &str) -> bool {
    time::space(rest).is_some_and(|w| {
        w <= 6
            && rest
                .get(w + 1..)
                .is_some_and(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// A line's ident when the line is `Mmm dd HH:MM:SS host ident[pid]: msg` with printable ASCII up
/// to the message and no NUT stamp at the message's start, judged by those first bytes alone
/// (`None` for any other line). For such a line [`syslog_fast`] reads the same header
/// ([`prefix::header`]: a host word without `:`, then the tag); so when the prefilter found no
/// anchor in it (no row is tried) and the ident is not NUT's, the event is [`EventKind::Foreign`]
/// ([`foreign_syslog`]). Most lines of a syslog are such lines, and the reader's scan counts them
/// without validating, copying or building an event; a test compares both ways on every corpus line.
#[cfg(test)]
pub(crate) fn syslog_ident(line: &[u8]) -> Option<&[u8]> {
    line.get(syslog_tag(line)?.ident)
}

/// Where [`syslog_ident`] found the parts of a line's header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TagAt {
    /// The host is `16..host_end`.
    host_end: usize,
    ident: Range<usize>,
    pid: Option<u32>,
    /// The tag's `:`.
    colon: usize,
}

/// Whether a message may begin with NUT's own seconds stamp (`  12.345678<TAB>`: spaces, then a
/// digit), directly or after the Home Assistant add-on's event notice glued before it
/// ([`prefix::ha_event`], a `{`): such a line is NUT's whatever its ident ([`headed_with`]), so no
/// judge by header alone may call it another program's, and the general path reads it.
fn may_be_nut_stamped(msg: &[u8]) -> bool {
    msg.iter()
        .find(|&&c| c != b' ')
        .is_some_and(|&c| c.is_ascii_digit() || c == b'{')
}

/// The rest of a tag after a kept header (`1234]:` after `nas sshd[`, nothing after `nas
/// kernel:`), which a space or the line's end ends, and the message after it.
fn split_tag(tail: &[u8]) -> (&[u8], &[u8]) {
    let space = tail.iter().position(|&c| c == b' ').unwrap_or(tail.len());
    tail.split_at(space)
}

/// [`syslog_ident`] with the parts' places.
fn syslog_tag(line: &[u8]) -> Option<TagAt> {
    const STAMP: usize = 16;
    if line.len() > MAX_LINE
        || !line.first().is_some_and(u8::is_ascii_uppercase)
        || !time::is_syslog_fixed_stamp(line)
    {
        return None;
    }
    let rest = line.get(STAMP..).unwrap_or_default();
    // The host: a word starting with a letter, printable, without `:` (else it would be the tag).
    if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut i = 0;
    loop {
        match rest.get(i) {
            Some(b' ') => break,
            Some(&c) if prefix::has(c, prefix::HOST) => i += 1,
            _ => return None,
        }
    }
    let host_end = STAMP + i;
    while rest.get(i) == Some(&b' ') {
        i += 1;
    }
    // The tag: `ident[pid]:` or `ident:` ([`prefix::tag_parts`]), a word of its own.
    let after = rest.get(i..).unwrap_or_default();
    let (tag, msg) = split_tag(after);
    let (ident, pid) = prefix::tag_parts(tag.strip_suffix(b":")?)?;
    if may_be_nut_stamped(msg) {
        return None;
    }
    let tag_len = tag.len();
    let start = STAMP + i;
    Some(TagAt {
        host_end,
        ident: start..start + ident.len(),
        pid,
        colon: start + tag_len - 1,
    })
}

/// Whether the scan would count `line` as another program's when it holds no anchor.
#[cfg(test)]
pub(crate) fn foreign_syslog(line: &[u8]) -> bool {
    syslog_ident(line).is_some_and(|i| !is_nut_ident_bytes(i))
}

fn is_nut_ident_bytes(ident: &[u8]) -> bool {
    std::str::from_utf8(ident).is_ok_and(ident::is_nut_ident)
}

/// The idents a scan last judged another program's, so the next line of the same program is
/// judged by a few compares of numbers (a syslog repeats a few idents): each kept as its length and
/// its first 16 bytes, zero-padded ([`ident_key`]; a longer ident is judged each time).
#[derive(Debug, Default)]
pub(crate) struct ForeignIdents {
    recent: [(u128, usize); 8],
    next: usize,
}

/// An ident of at most 16 bytes as a number (`None` for a longer one). The length kept beside it
/// tells `ab` from `ab\0`.
fn ident_key(ident: &[u8]) -> Option<(u128, usize)> {
    if ident.len() > 16 {
        return None;
    }
    // (A loop of a few bytes: copying into an array calls memcpy.)
    let k = ident
        .iter()
        .rev()
        .fold(0u128, |k, &b| k << 8 | u128::from(b));
    Some((k, ident.len()))
}

impl ForeignIdents {
    /// Whether `ident` is not a NUT program's ([`ident::is_nut_ident`]).
    pub(crate) fn foreign(&mut self, ident: &[u8]) -> bool {
        let key = ident_key(ident);
        // (An empty ident is never a tag's: the zero key of an empty slot matches nothing.)
        if key.is_some_and(|k| k.1 > 0 && self.recent.contains(&k)) {
            return true;
        }
        if is_nut_ident_bytes(ident) {
            return false;
        }
        if let (Some(k), Some(slot)) = (key, self.recent.get_mut(self.next % 8)) {
            *slot = k;
            self.next = self.next.wrapping_add(1);
        }
        true
    }
}

/// A syslog line's header as [`SyslogHeads`] read it ([`syslog_ident`]'s rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyslogHead {
    at: TagAt,
    /// Whether the ident is NUT's ([`ident::is_nut_ident`]).
    pub(crate) nut: bool,
    time: Timestamp,
}

/// The scan's reader of syslog headers (`Mmm dd HH:MM:SS host ident[pid]: `, [`syslog_ident`]),
/// which keeps the bytes after the stamp of the last few headers it read, up to the byte after the
/// ident (`nas sshd[`, `nas kernel:`), with what it found in them: a syslog repeats one host and a
/// few programs, so most lines start like one read before, and such a line's header is read by
/// comparing its first 48 bytes as three numbers and reading its pid. The same answer as reading
/// each line alone (a test compares them); a line it has not seen the like of is read the slow way.
#[derive(Debug)]
pub(crate) struct SyslogHeads {
    idents: ForeignIdents,
    /// The last stamp read, its 16 bytes as a number (0: none yet; a stamp is never zero bytes),
    /// and its time.
    stamp: (u128, Timestamp),
    /// The header's bytes after the stamp through the byte after the ident, of the last few
    /// lines read ([`Head`]).
    heads: [Head; 8],
    next: usize,
}

/// A kept header: up to 32 bytes as two zero-padded numbers, each with the mask of its bytes, how
/// many bytes (0: an empty slot, whose mask matches no line: `key & 0` is never 1), and what they
/// hold.
#[derive(Debug, Clone, Copy)]
struct Head {
    key: [u128; 2],
    mask: [u128; 2],
    len: usize,
    host_end: usize,
    ident: (usize, usize),
    nut: bool,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            key: [1, 1],
            mask: [0, 0],
            len: 0,
            host_end: 0,
            ident: (0, 0),
            nut: false,
        }
    }
}

impl Head {
    /// Up to 32 bytes kept (`None` for more).
    fn of(bytes: &[u8]) -> Option<Head> {
        if bytes.len() > 32 {
            return None;
        }
        let mut h = Head {
            key: [0, 0],
            mask: [0, 0],
            len: bytes.len(),
            ..Head::default()
        };
        for (i, &b) in bytes.iter().enumerate() {
            let (w, shift) = (i / 16, 8 * (i % 16));
            if let (Some(k), Some(m)) = (h.key.get_mut(w), h.mask.get_mut(w)) {
                *k |= u128::from(b) << shift;
                *m |= 0xff << shift;
            }
        }
        Some(h)
    }

    /// Whether the 32 bytes `at` of a line start with this header's.
    fn starts(&self, at: [u128; 2]) -> bool {
        at[0] & self.mask[0] == self.key[0] && at[1] & self.mask[1] == self.key[1]
    }
}

/// 16 bytes of `line` from `at` as a number, zero-padded past the line's end (a kept header's
/// bytes are never zero, so a line shorter than one does not start with it).
fn bytes16(line: &[u8], at: usize) -> u128 {
    match line
        .get(at..at + 16)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
    {
        Some(b) => u128::from_le_bytes(b),
        None => line
            .get(at..)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0, |k, &b| k << 8 | u128::from(b)),
    }
}

impl Default for SyslogHeads {
    fn default() -> Self {
        SyslogHeads {
            idents: ForeignIdents::default(),
            stamp: (
                0,
                Timestamp {
                    clock: Clock::Yearless,
                    micros: 0,
                },
            ),
            heads: [Head::default(); 8],
            next: 0,
        }
    }
}

impl SyslogHeads {
    /// The header of `line` when it is `Mmm dd HH:MM:SS host ident[pid]: msg` ([`syslog_ident`]).
    pub(crate) fn read(&mut self, line: &[u8]) -> Option<SyslogHead> {
        if let Some(h) = self.seen(line) {
            return Some(h);
        }
        let at = syslog_tag(line)?;
        let nut = !self.idents.foreign(line.get(at.ident.clone())?);
        let time = time::syslog_fixed_stamp(line)?;
        self.stamp = (bytes16(line, 0), time);
        // The header through the byte after the ident, when that fits.
        if let Some(mut head) = line.get(16..at.ident.end + 1).and_then(Head::of) {
            head.host_end = at.host_end;
            head.ident = (at.ident.start, at.ident.end);
            head.nut = nut;
            if let Some(slot) = self.heads.get_mut(self.next % 8) {
                *slot = head;
                self.next = self.next.wrapping_add(1);
            }
        }
        Some(SyslogHead { at, nut, time })
    }

    /// The quick way: the header starts as one kept (host, spaces, ident and the byte after it
    /// equal: so they pass the same checks), the stamp is the last one or reads as one, and what is
    /// left of the tag is `pid]:` after `[` or nothing after `:`, followed by a space or the line's
    /// end, with no NUT stamp where the message starts. `None` says only "not this way".
    fn seen(&mut self, line: &[u8]) -> Option<SyslogHead> {
        if line.len() > MAX_LINE {
            return None;
        }
        let at = [bytes16(line, 16), bytes16(line, 32)];
        let head = *self.heads.iter().find(|h| h.starts(at))?;
        let stamp = bytes16(line, 0);
        if stamp != self.stamp.0 {
            self.stamp = (stamp, time::syslog_fixed_stamp(line)?);
        }
        let n = head.len;
        let tail = line.get(16 + n..).unwrap_or_default();
        let (rest_of_tag, msg) = split_tag(tail);
        let (pid, colon) = match line.get(16 + n - 1) {
            Some(b'[') => (
                Some(prefix::pid_of(rest_of_tag.strip_suffix(b"]:")?)?),
                16 + n + rest_of_tag.len() - 1,
            ),
            Some(b':') if rest_of_tag.is_empty() => (None, 16 + n - 1),
            _ => return None,
        };
        if may_be_nut_stamped(msg) {
            return None;
        }
        Some(SyslogHead {
            at: TagAt {
                host_end: head.host_end,
                ident: head.ident.0..head.ident.1,
                pid,
                colon,
            },
            nut: head.nut,
            time: self.stamp.1,
        })
    }
}

/// The scan's judge of other programs' lines after an ISO 8601 stamp (`journalctl -o short-iso`,
/// rsyslog's RFC 3339 template: `2026-11-26T15:20:01+0100 nas sshd[7]: …`), the same idea as
/// [`SyslogHeads`] for the lines [`syslog_tag`] does not read: it keeps, for the last few lines the
/// general path read as another program's ([`Self::learn`]), the stamp's length and the bytes
/// from the host through the byte after the ident (`nas sshd[`), and judges a line that starts like
/// one by compares of numbers, its pid and the first byte of its message, and its stamp (the last
/// one kept, or read again). `seen` is only ever "another program's line, as the general path
/// would say with no anchor": a test compares it with that path on every corpus line in this form
/// and on generated alike lines.
///
/// Why those bytes settle it: before the stamp, every turn of the general path ([`parse_general`])
/// is decided by a first byte that is a digit and a stamp without a space (no wrapper, prompt,
/// marker, JSON, RFC 5424 or export field starts so); after it, a host and an ident that start
/// with a letter leave no room for a second stamp, and the header is read from the host on as a
/// syslog header is, which [`SyslogHeads::seen`] shows to be settled by the bytes kept, the pid and
/// the message's first byte.
#[derive(Debug, Default)]
pub(crate) struct IsoHeads {
    /// The last stamp read, with the space after it (its length is its `len`).
    stamp: Head,
    /// Per kept line: the stamp's length with its space, and the bytes after it through the byte
    /// after the ident.
    heads: [(usize, Head); 8],
    next: usize,
}

impl IsoHeads {
    /// Whether `line` (holding no anchor, and no header [`SyslogHeads`] reads) is another
    /// program's line, known from one kept; `false` says only "not this way".
    pub(crate) fn seen(&mut self, line: &[u8]) -> bool {
        if line.len() > MAX_LINE || !line.first().is_some_and(u8::is_ascii_digit) {
            return false;
        }
        let Some(&(at, head)) = self
            .heads
            .iter()
            .find(|(at, h)| h.len > 0 && h.starts([bytes16(line, *at), bytes16(line, at + 16)]))
        else {
            return false;
        };
        // The rest of the tag: `pid]:`, then a space or the line's end.
        let (rest_of_tag, msg) = split_tag(line.get(at + head.len..).unwrap_or_default());
        if rest_of_tag
            .strip_suffix(b"]:")
            .and_then(prefix::pid_of)
            .is_none()
            || may_be_nut_stamped(msg)
        {
            return false;
        }
        // The stamp: the last one read, or read again (with the kept bytes after it, the most the
        // reading of a stamp could look at: it ends at the host).
        let stamp = [bytes16(line, 0), bytes16(line, 16)];
        if self.stamp.len != at || !self.stamp.starts(stamp) {
            let Some(s) = line
                .get(..at + head.len)
                .and_then(|b| std::str::from_utf8(b).ok())
            else {
                return false;
            };
            if !time::iso(s).is_some_and(|(_, rest)| s.len() - rest.len() == at) {
                return false;
            }
            match line.get(..at).and_then(Head::of) {
                Some(h) => self.stamp = h,
                None => return false,
            }
        }
        true
    }

    /// Keeps the header of `line` when the general path read it as another program's line after
    /// an ISO stamp (`ev`: `parse_line_as(line, AnchorSet::NONE)`), in the shape [`Self::seen`]
    /// judges: a stamp of at most 32 bytes with its space, a host and an ident that start with a
    /// letter, spaces between them, `[` after the ident.
    pub(crate) fn learn(&mut self, line: &[u8], ev: &LogEvent<'_>) {
        if ev.kind != EventKind::Foreign || ev.format != Format::Iso || ev.pid.is_none() {
            return;
        }
        let (Some(Cow::Borrowed(host)), Some(Cow::Borrowed(ident))) = (&ev.host, &ev.ident) else {
            return;
        };
        let offset = |p: &str| (p.as_ptr() as usize).checked_sub(line.as_ptr() as usize);
        let (Some(at), Some(ident_at)) = (offset(host), offset(ident)) else {
            return;
        };
        let ident_end = ident_at + ident.len();
        let letter = |i: usize| line.get(i).is_some_and(u8::is_ascii_alphabetic);
        let between = line.get(at + host.len()..ident_at).unwrap_or_default();
        if at == 0
            || line.get(at - 1) != Some(&b' ')
            || !letter(at)
            || !letter(ident_at)
            || line.get(ident_end) != Some(&b'[')
            || between.is_empty()
            || between.iter().any(|&c| c != b' ')
        {
            return;
        }
        // The stamp as the general path read it: ending where the host starts.
        let Some(s) = line
            .get(..ident_end + 1)
            .and_then(|b| std::str::from_utf8(b).ok())
        else {
            return;
        };
        if !time::iso(s).is_some_and(|(_, rest)| s.len() - rest.len() == at) {
            return;
        }
        let (Some(stamp), Some(head)) = (
            line.get(..at).and_then(Head::of),
            line.get(at..=ident_end).and_then(Head::of),
        ) else {
            return;
        };
        self.stamp = stamp;
        if let Some(slot) = self.heads.get_mut(self.next % 8) {
            *slot = (at, head);
            self.next = self.next.wrapping_add(1);
        }
    }
}

/// [`parse_line_as`] of a line whose header [`SyslogHeads`] read: the same event by the same
/// steps as [`syslog_fast`], minus reading the header again (and judging its ident); `None` leaves
/// the line to [`parse_line_as`] (not UTF-8, Python's logging after the stamp, a CJK bracket to
/// read again).
pub(crate) fn parse_syslog_as<'a>(
    line: &'a [u8],
    head: &SyslogHead,
    table: log_patterns::AnchorSet,
) -> Option<LogEvent<'a>> {
    let s = std::str::from_utf8(line).ok()?;
    let stripped = prefix::strip_end(s);
    // The host starts at 16 (a letter): syslog_fixed's trim takes nothing.
    let rest = stripped.get(16..)?;
    if prefix::python_logging(rest).is_some() {
        return None;
    }
    // The message: after the tag's `:` and one space, of the text strip_end left (it never reaches
    // into a tag that ends with `:`).
    let mut msg_at = (head.at.colon + 1).min(stripped.len());
    if stripped.as_bytes().get(msg_at) == Some(&b' ') {
        msg_at += 1;
    }
    // A facility word where the host stands (`daemon.err upsd[1]: …`) is no host.
    let host = s.get(16..head.at.host_end)?;
    let h = prefix::Header {
        host: (!prefix::is_facility(host)).then_some(host),
        ident: s.get(head.at.ident.clone())?,
        pid: head.at.pid,
        msg: stripped.get(msg_at..)?,
    };
    let e = headed_with(
        Format::Syslog,
        Some(head.time),
        rest,
        h,
        Some(head.nut),
        table,
    );
    if e.kind == EventKind::Unclassified && s.contains('\u{3010}') {
        return None;
    }
    Some(e)
}

/// The header and message after an (optional) timestamp.
fn headed<'a>(
    format: Format,
    time: Option<Timestamp>,
    rest: &'a str,
    stamped: bool,
    table: log_patterns::AnchorSet,
) -> LogEvent<'a> {
    let h = prefix::python_logging(rest)
        .or_else(|| prefix::header(rest, stamped))
        .or_else(|| prefix::table_row(rest))
        .or_else(|| prefix::tab_row(rest))
        .or_else(|| prefix::anchor(rest));
    match h {
        Some(h) => headed_with(format, time, rest, h, None, table),
        None => build_scoped(
            format,
            time,
            None,
            None,
            None,
            Cow::Borrowed(rest),
            log_patterns::Scope::Any,
            table,
        ),
    }
}

/// [`headed`] once the header is found; `nut`: whether its ident is NUT's, when the caller knows.
fn headed_with<'a>(
    format: Format,
    time: Option<Timestamp>,
    rest: &'a str,
    mut h: prefix::Header<'a>,
    nut: Option<bool>,
    table: log_patterns::AnchorSet,
) -> LogEvent<'a> {
    // The Home Assistant add-on's event notice glued before the line (see prefix::ha_event).
    if let Some(r) = prefix::ha_event(h.msg) {
        h.msg = r;
    }
    // upsmon -D output kept by the journal: its own seconds-since-start after the header.
    // Only NUT's programs stamp their lines so: under any ident (Unraid's `logger` writes
    // `root:`) the line is NUT's.
    let mut stamped_by_nut = false;
    if let Some((_, r)) = time::relative(h.msg) {
        h.msg = r;
        stamped_by_nut = true;
    }
    let format = if format == Format::Bare {
        Format::Ident
    } else {
        format
    };
    let nut = stamped_by_nut || nut.unwrap_or_else(|| ident::is_nut_ident(h.ident));
    let mut e = build_scoped(
        format,
        time,
        h.host.map(Cow::Borrowed),
        Some(Cow::Borrowed(h.ident)),
        h.pid,
        Cow::Borrowed(h.msg),
        if nut {
            log_patterns::Scope::Any
        } else {
            log_patterns::Scope::Distinctive
        },
        table,
    );
    // A header without a pid is a guess (`Fatal error: …` read as host `Fatal`, ident `error`;
    // `UPS ups@h: no longer in ECO mode` as host `UPS`, ident `ups@h`; `fopen
    // /run/nut/upsd.pid: …` as ident `/run/nut/upsd.pid`): when its message means nothing, the
    // whole text may still be a NUT message, from its first byte whoever the guess took for
    // the sender, or (the ident not being NUT's) later in it.
    let pidless = h.pid.is_none();
    let guessed = pidless && (!nut || h.ident.contains('/'));
    if pidless && !table.is_none() && matches!(e.kind, EventKind::Foreign | EventKind::Unclassified)
    {
        let scope = if h.host.is_none() {
            log_patterns::Scope::Any
        } else {
            log_patterns::Scope::Distinctive
        };
        let m = log_patterns::classify_in(rest, log_patterns::Scope::Any, table).or_else(|| {
            guessed
                .then(|| log_patterns::classify_anywhere_in(rest, true, scope, table))
                .flatten()
        });
        if let Some(m) = m {
            e = build_matched(format, time, Cow::Borrowed(rest), m);
        }
    }
    e
}

/// RFC 5424: `<pri>1 TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`, `-` for a nil field.
fn parse_rfc5424(s: &str, table: log_patterns::AnchorSet) -> Option<LogEvent<'_>> {
    let after_pri = prefix::strip_priority(s);
    if after_pri.len() == s.len() {
        return None;
    }
    let (t, rest) = time::iso(after_pri.strip_prefix("1 ")?)?;
    let mut fields = rest.splitn(5, ' ');
    fn nil(f: &str) -> Option<&str> {
        (f != "-").then_some(f)
    }
    let host = nil(fields.next()?);
    let app = nil(fields.next()?);
    let pid = nil(fields.next()?)
        .and_then(time::digits)
        .and_then(|p| u32::try_from(p).ok());
    let _msgid = fields.next()?;
    let mut rest = fields.next().unwrap_or("");
    if let Some(r) = rest.strip_prefix('-') {
        rest = r;
    } else {
        // Structured data: one or more `[id k="v"…]` elements (`]` inside a value is escaped as `\]`).
        while rest.starts_with('[') {
            let b = rest.as_bytes();
            let close =
                (1..b.len()).find(|&i| b.get(i) == Some(&b']') && b.get(i - 1) != Some(&b'\\'))?;
            rest = rest.get(close + 1..)?;
        }
    }
    let msg = rest.strip_prefix(' ').unwrap_or(rest);
    // An optional UTF-8 byte order mark starts the message.
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Some(build_in(
        Format::Rfc5424,
        Some(t),
        host.map(Cow::Borrowed),
        app.map(Cow::Borrowed),
        pid,
        Cow::Borrowed(msg),
        table,
    ))
}

/// `-- Boot 1a2b… --`, `-- No entries --`, `-- Logs begin at … --`, `-- Reboot --`.
fn parse_marker(s: &str) -> Option<LogEvent<'_>> {
    let t = s.trim_end();
    // `journalctl -x` explanation lines (`░░ Subject: …`) are the journal's, like its markers.
    // A paste's own cut marker (`...`, `[...]`, `…`) is structure too, not a line nobody understood.
    let cut = matches!(t.trim(), "..." | "[...]" | "…" | "[…]" | "(...)");
    // So is the separator row a log viewer's table turns into when pasted as Markdown (`-- | -- | --`).
    let table_rule = t.contains('|')
        && t.contains('-')
        && t.bytes().all(|b| matches!(b, b'-' | b'|' | b':' | b' '));
    if (t.len() >= 5 && t.starts_with("-- ") && t.ends_with(" --"))
        || t.starts_with("░░")
        || cut
        || table_rule
        || prefix::ha_log_viewer_header(t)
    {
        let mut e = build(Format::Marker, None, None, None, None, Cow::Borrowed(t));
        e.kind = EventKind::Marker;
        return Some(e);
    }
    None
}

/// Assembles an event and classifies its message.
///
/// Which table rows may match depends on the ident: a NUT program's line (or a line without ident) may
/// match any row, and failing that a NUT message standing later in the text; systemd's line only the
/// rows about NUT's units; another program's line only the rows no other daemon could say (so `sshd:
/// Signal 15: exiting` stays foreign, while `addon_x: UPS ups@h on battery` is NUT's).
pub(crate) fn build<'a>(
    format: Format,
    time: Option<Timestamp>,
    host: Option<Cow<'a, str>>,
    ident: Option<Cow<'a, str>>,
    pid: Option<u32>,
    message: Cow<'a, str>,
) -> LogEvent<'a> {
    build_in(
        format,
        time,
        host,
        ident,
        pid,
        message,
        log_patterns::AnchorSet::ALL,
    )
}

/// [`build`], trying only the rows of `table` (see [`parse_line_as`]).
#[allow(clippy::too_many_arguments)]
fn build_in<'a>(
    format: Format,
    time: Option<Timestamp>,
    host: Option<Cow<'a, str>>,
    ident: Option<Cow<'a, str>>,
    pid: Option<u32>,
    message: Cow<'a, str>,
    table: log_patterns::AnchorSet,
) -> LogEvent<'a> {
    let scope = match ident.as_deref() {
        None => log_patterns::Scope::Any,
        Some(i) if ident::is_nut_ident(i) => log_patterns::Scope::Any,
        Some(_) => log_patterns::Scope::Distinctive,
    };
    build_scoped(format, time, host, ident, pid, message, scope, table)
}

/// [`build_in`] with the scope already known (the caller has judged the ident).
#[allow(clippy::too_many_arguments)]
fn build_scoped<'a>(
    format: Format,
    time: Option<Timestamp>,
    host: Option<Cow<'a, str>>,
    ident: Option<Cow<'a, str>>,
    pid: Option<u32>,
    message: Cow<'a, str>,
    scope: log_patterns::Scope,
    table: log_patterns::AnchorSet,
) -> LogEvent<'a> {
    let (mut body_at, debug) = debug_prefix(&message);
    if ident.as_deref() == Some("kernel") {
        body_at += printk_prefix(message.get(body_at..).unwrap_or(""));
    }
    let body = message.get(body_at..).unwrap_or("");
    let mut m = None;
    if !table.is_none() {
        m = log_patterns::classify_in(body, scope, table);
        if m.is_none() && scope == log_patterns::Scope::Any {
            m = log_patterns::classify_anywhere_in(body, true, scope, table);
        }
    }
    let kind = match &m {
        Some(m) => m.kind,
        None if scope != log_patterns::Scope::Any => EventKind::Foreign,
        None if debug => EventKind::Debug,
        None => EventKind::Unclassified,
    };
    let shift = |r: Range<usize>| (r.start + body_at)..(r.end + body_at);
    let ups_r = m.as_ref().and_then(|m| m.ups.clone()).map(shift);
    let detail_r = m.as_ref().and_then(|m| m.detail.clone()).map(shift);
    let ups = ups_r.and_then(|r| sub(&message, r));
    let detail = detail_r.and_then(|r| sub(&message, r));
    let message = if body_at == 0 {
        message
    } else {
        sub(&message, body_at..message.len()).unwrap_or(Cow::Borrowed(""))
    };
    LogEvent {
        line: 0,
        format,
        time,
        host,
        ident,
        pid,
        kind,
        ups,
        detail,
        message,
    }
}

/// An event for a message the table matched outside any recognised header.
fn build_matched<'a>(
    format: Format,
    time: Option<Timestamp>,
    message: Cow<'a, str>,
    m: log_patterns::Match,
) -> LogEvent<'a> {
    let ups = m.ups.and_then(|r| sub(&message, r));
    let detail = m.detail.and_then(|r| sub(&message, r));
    LogEvent {
        line: 0,
        format,
        time,
        host: None,
        ident: None,
        pid: None,
        kind: m.kind,
        ups,
        detail,
        message,
    }
}

/// A slice of a Cow that stays borrowed when the Cow is.
fn sub<'a>(c: &Cow<'a, str>, r: Range<usize>) -> Option<Cow<'a, str>> {
    match c {
        Cow::Borrowed(s) => s.get(r).map(Cow::Borrowed),
        Cow::Owned(s) => s.get(r).map(|x| Cow::Owned(x.to_string())),
    }
}

/// The kernel's own stamp before its message (`[2160018.052841] `, seconds since boot, space-padded
/// by older kernels): its length, 0 without one. The message is what follows, as in the kernel's
/// lines without it.
fn printk_prefix(msg: &str) -> usize {
    let b = msg.as_bytes();
    if b.first() != Some(&b'[') {
        return 0;
    }
    let spaces = b.iter().skip(1).take_while(|&&c| c == b' ').count();
    let secs = b
        .iter()
        .skip(1 + spaces)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let at = 1 + spaces + secs;
    if secs == 0 || b.get(at) != Some(&b'.') {
        return 0;
    }
    let frac = b
        .iter()
        .skip(at + 1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = at + 1 + frac;
    if frac == 0 || b.get(end) != Some(&b']') || b.get(end + 1) != Some(&b' ') {
        return 0;
    }
    end + 2
}

/// upsmon's debug prefix `[D1] ` (2.8.x also `[D2:main-loop] `): where the text starts and whether the
/// prefix was there.
fn debug_prefix(msg: &str) -> (usize, bool) {
    let b = msg.as_bytes();
    if b.len() >= 5 && b.first() == Some(&b'[') && b.get(1) == Some(&b'D') {
        let digits = b.iter().skip(2).take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return (0, false);
        }
        let mut end = 2 + digits;
        if b.get(end) == Some(&b':') {
            let tag = b
                .iter()
                .skip(end + 1)
                .take(32)
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
                .count();
            end += 1 + tag;
        }
        if b.get(end) == Some(&b']') && b.get(end + 1) == Some(&b' ') {
            return (end + 2, true);
        }
    }
    (0, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> LogEvent<'_> {
        parse_line(line.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    #[test]
    fn upsmon_foreground_lines() {
        let e = one("  26.009406\tUPS pi@127.0.0.1:34930 on battery");
        assert_eq!(e.format, Format::Upsmon);
        assert_eq!(
            e.time,
            Some(Timestamp {
                clock: Clock::Relative,
                micros: 26_009_406
            })
        );
        assert_eq!(e.kind, EventKind::OnBattery);
        assert_eq!(e.ups.as_deref(), Some("pi@127.0.0.1:34930"));
        assert!(matches!(e.message, Cow::Borrowed(_)), "zero-copy");

        let d = one("   0.003128\t[D1] Logged into UPS pi@127.0.0.1:34930");
        assert_eq!(
            (d.kind, d.ups.as_deref()),
            (EventKind::LoggedIn, Some("pi@127.0.0.1:34930"))
        );
        assert_eq!(d.message, "Logged into UPS pi@127.0.0.1:34930");
        // A debug line the table knows takes the table's kind; one it does not is `Debug`.
        assert_eq!(
            one("   0.000021\t[D1] debug level is '1'").kind,
            EventKind::Noise
        );
        assert_eq!(
            one("   0.000021\t[D1] something new").kind,
            EventKind::Debug
        );
        let bare = one("Network UPS Tools upsmon 2.8.0");
        assert_eq!(
            (bare.format, bare.kind, bare.time),
            (Format::Bare, EventKind::Banner, None)
        );
        // common.c's perror("kill") when no old instance is running: known, harmless.
        assert_eq!(one("kill: No such process").kind, EventKind::Noise);
        assert_eq!(one("kill: it happened").kind, EventKind::Unclassified);
    }

    #[test]
    fn lines_the_corpus_taught() {
        // A bare perror line whose words look like `host ident:` (corpus 039, 050).
        let e = one("fopen /run/nut/upsmon.pid: No such file or directory");
        assert_eq!((e.kind, e.ident), (EventKind::Noise, None));
        // The same shape from another program stays another program's.
        assert_eq!(
            one("cat /etc/x.conf: No such file or directory").kind,
            EventKind::Foreign
        );
        // pfSense's log viewer copied as a table (corpus 083).
        let e =
            one("May 12 11:30:03 \tupsmon \t7469 \tPoll UPS [apcsu3000] failed - Protocol error ");
        assert_eq!(
            (e.ident.as_deref(), e.pid, e.kind, e.ups.as_deref()),
            (
                Some("upsmon"),
                Some(7469),
                EventKind::PollFailed,
                Some("apcsu3000")
            )
        );
        // The Home Assistant add-on's event notice glued to the banner (corpus 037).
        let e = one(
            r#"Jun 24 21:37:52 home-assistant addon_a0d7b954_nut[548]: {"message":"Event nut.ups_event fired."}Network UPS Tools upsmon 2.8.0"#,
        );
        assert_eq!(e.kind, EventKind::Banner);
        // `grep` over rotated files named without a path (corpus 033): another program's line.
        let e = one("syslog.1:Feb 19 20:48:19 raspberrypi systemd[1]: Started Various fixups.");
        assert_eq!(
            (e.ident.as_deref(), e.kind),
            (Some("systemd"), EventKind::Foreign)
        );
        // upsd's error reply as another client prints it (corpus 084).
        let e = one("nut2.PyNUTError: ERR UNKNOWN-UPS");
        assert_eq!(e.kind, EventKind::PollUnknownUps);
        assert_eq!(
            e.kind.cause(None),
            Some(crate::knowledge::log_patterns::CauseId::UnknownUps)
        );
        // Bare lines whose first words read like a header without a pid (threads nut#3026,
        // nut#2212, nut#2742): the whole text is NUT's message.
        assert_eq!(
            one("UPS ups@localhost: no longer in ECO mode").kind,
            EventKind::NotEco
        );
        assert_eq!(
            one("ups_status_set: seems that UPS [BK650M2-CH] is in OL+DISCHRG state now. Is it calibrating or do you perhaps want to set 'onlinedischarge' option? Some UPS models (e.g. CyberPower UT series) emit OL+DISCHRG when offline.").kind,
            EventKind::StatusInconsistent
        );
        assert_eq!(
            one("nut_libusb_get_report: No such device (it may have been disconnected)").kind,
            EventKind::UsbDisconnect
        );
        // A log viewer's table pasted as Markdown (corpus 086, 087): its separator row is structure.
        assert_eq!(one("-- | -- | -- | --").kind, EventKind::Marker);
        assert_eq!(one("|---|:---:|").kind, EventKind::Marker);
        assert_ne!(one("--> reboot").kind, EventKind::Marker);
        // An entry of Home Assistant's log viewer pasted whole (corpus 088): its header lines are
        // structure, the message after them the integration's line.
        for header in [
            "Logger: homeassistant.components.nut",
            "Source: components/nut/__init__.py:284",
            "Integration: Network UPS Tools (NUT) (documentation, issues)",
            "First occurred: 12:07:06 PM (146 occurrences)",
            "Last logged: 1:41:19 PM",
        ] {
            assert_eq!(one(header).kind, EventKind::Marker, "{header}");
        }
        assert_ne!(one("Logger: something went wrong").kind, EventKind::Marker);
        assert_ne!(one("Source: the mains").kind, EventKind::Marker);
        assert_eq!(
            one("Failure getting NUT ups alias, ERR ACCESS-DENIED").kind,
            EventKind::ClientDenied
        );
        // A made-up word is no reply of upsd's.
        assert_eq!(one("x: ERR NOT-A-WORD").kind, EventKind::Unclassified);
    }

    #[test]
    fn journal_short_and_syslog() {
        let e = one("Nov 26 15:20:01 nas upsmon[812]: Communications with UPS ups@nas lost");
        assert_eq!(e.format, Format::Syslog);
        assert_eq!(
            (e.host.as_deref(), e.ident.as_deref(), e.pid),
            (Some("nas"), Some("upsmon"), Some(812))
        );
        assert_eq!(
            (e.kind, e.ups.as_deref()),
            (EventKind::CommLost, Some("ups@nas"))
        );
        let t = e.time.unwrap();
        assert_eq!(t.clock, Clock::Yearless);
        assert_eq!(
            t.micros,
            ((305 + 25) * 86_400 + 15 * 3600 + 20 * 60 + 1) * 1_000_000
        );
        // Space-padded day, precise seconds, syslog priority.
        let p = one(
            "<13>Nov  6 01:02:03.250000 nas upsd[9]: Data for UPS [ups] is stale - check driver",
        );
        assert_eq!(p.time.map(|t| t.micros % 1_000_000), Some(250_000));
        assert_eq!(
            (p.kind, p.ups.as_deref()),
            (EventKind::UpsdDataStale, Some("ups"))
        );
        // Another program is foreign, not unclassified.
        assert_eq!(
            one("Nov 26 15:20:01 nas sshd[1]: Accepted publickey").kind,
            EventKind::Foreign
        );
        assert_eq!(
            one("Nov 26 15:20:01 nas upsmon[1]: something new").kind,
            EventKind::Unclassified
        );
        // Another daemon saying what upsmon says is still another daemon.
        assert_eq!(
            one("Nov 26 15:20:01 nas sshd[1]: Signal 15: exiting").kind,
            EventKind::Foreign
        );
        assert_eq!(
            one("Nov 26 15:20:01 nas genericups[1]: Driver failed to start (exit status=1)").kind,
            EventKind::DriverStartFailed
        );
        assert_eq!(
            one("Nov 26 15:20:01 nas usbhid-ups[1]: No matching HID UPS found").kind,
            EventKind::DriverNoDevice
        );
    }

    #[test]
    fn systemd_s_forked_child_is_another_program() {
        // systemd 252 (Debian 12) names the child it forks for a unit after the program it is about
        // to run, in parentheses: the real-host lab's journal has such lines at every boot.
        for line in [
            "Dec 02 05:08:10 epx (modprobe)[12]: modprobe@drm.service: Executable /sbin/modprobe missing, skipping: No such file or directory",
            "2026-12-02T05:08:10+0000 epx (modprobe)[12]: modprobe@drm.service: Executable /sbin/modprobe missing, skipping: No such file or directory",
        ] {
            let e = one(line);
            assert_eq!(
                (e.ident.as_deref(), e.pid, e.kind),
                (Some("(modprobe)"), Some(12), EventKind::Foreign),
                "{line}"
            );
        }
        // The prefilter's header-only check agrees.
        assert!(foreign_syslog(
            b"Dec 02 05:08:10 epx (modprobe)[12]: modprobe@drm.service: Executable /sbin/modprobe missing"
        ));
        // Named after a NUT program, it is still systemd's child: only the rows about NUT's units.
        let e = one("Dec 02 05:08:10 epx (upsmon)[80]: Signal 15: exiting");
        assert_eq!(
            (e.ident.as_deref(), e.kind),
            (Some("(upsmon)"), EventKind::Foreign)
        );
        let e = one("Dec 02 05:08:10 epx (upsdrvctl)[81]: nut-driver@ups.service: Main process exited, code=exited, status=1/FAILURE");
        assert_eq!(
            (e.kind, e.ups.as_deref()),
            (EventKind::UnitFailed, Some("ups"))
        );
    }

    #[test]
    fn lines_real_debian_hosts_log_beside_the_incidents() {
        // nut-driver-enumerator (scripts/upsdrvsvcctl/nut-driver-enumerator.sh.in), NUT 2.8.0 as
        // Debian 12 runs it at boot and when ups.conf changes, and 2.8.5's forms.
        let enumerator = [
            "Tue Dec  2 05:08:05 UTC 2026 : OK: No changes to reconcile between systemd service instances and device configurations in '/etc/nut/ups.conf'",
            "Tue Dec  2 05:08:05 UTC 2026 [INFO] OK: No changes to reconcile between systemd service instances and device configurations in '/etc/nut/ups.conf'",
            "Tue Dec  2 05:12:40 UTC 2026 : OK: No more changes to reconcile between systemd service instances and device configurations in '/etc/nut/ups.conf'",
            "Error reading the list of systemd service instances for UPS drivers, or none are defined - before manipulations",
            "Adding new systemd service instance for power device [ups2]...",
            "Enabled instance: 'nut-driver@ups2' for NUT configuration section 'ups2'",
            "Started instance: 'nut-driver@ups2' for NUT configuration section 'ups2'",
            "Restarting NUT data server to make sure it knows new configuration...",
            "Tue Dec  2 05:12:40 UTC 2026 [INFO] Reloading or restarting NUT data server to make sure it knows new configuration...",
            "Dropping old systemd service instance for power device [ups2] which is no longer in config file...",
            "Removing instance: 'nut-driver@ups2' ...",
            "FATAL: The '/etc/nut/ups.conf' file does not exist or is not readable",
            "Tue Dec  2 05:08:05 UTC 2026 [ERROR] The '/etc/nut/ups.conf' file does not exist or is not readable",
            "WARNING: The '/etc/nut/ups.conf' file exists but is empty",
            "=== The currently defined service instances are:",
            "=== The currently defined configurations in '/etc/nut/ups.conf' are:",
            "Tue Dec  2 05:08:05 UTC 2026 [INFO] The currently defined configurations in '/etc/nut/ups.conf' are:",
            "Tue Dec  2 05:08:05 UTC 2026 : Detected changes in global section of '/etc/nut/ups.conf', will restart all drivers",
        ];
        for msg in enumerator {
            let line = format!("Dec 02 05:08:05 epx nut-driver-enumerator[311]: {msg}");
            let e = one(&line);
            assert_eq!(
                (e.ident.as_deref(), e.kind, e.ups.as_deref()),
                (Some("nut-driver-enumerator"), EventKind::Noise, None),
                "{line}"
            );
        }
        // upsd's poll interrupted by a signal (server/upsd.c mainloop()).
        let e = one("Dec 02 05:12:41 epx upsd[464]: mainloop: Interrupted system call");
        assert_eq!(e.kind, EventKind::Noise);
        // dummy-ups writing to upsd's connection after upsd went (drivers/dstate.c): 2.8.0's text,
        // 2.8.5's (a full stop before the errno text).
        for (msg, detail) in [
            ("WARNING: send_to_all: write 36 bytes to socket 5 failed (ret=-1), disconnecting: Broken pipe", "Broken pipe"),
            ("WARNING: send_to_one: write 9 bytes to socket 6 failed (ret=-1), disconnecting: Connection reset by peer", "Connection reset by peer"),
            ("WARNING: send_to_all: write 36 bytes to socket 5 failed (ret=-1), disconnecting.: Broken pipe", "Broken pipe"),
        ] {
            let line = format!("Dec 02 05:12:41 epx dummy-ups[470]: {msg}");
            let e = one(&line);
            assert_eq!(
                (e.kind, e.detail.as_deref()),
                (EventKind::Noise, Some(detail)),
                "{line}"
            );
        }
        // What any program may say stays another program's.
        for line in [
            "Dec 02 05:12:41 epx sshd[9]: mainloop: Interrupted system call",
            "Dec 02 05:12:41 epx sshd[9]: FATAL: The '/etc/ssh/x' file does not exist or is not readable",
        ] {
            assert_eq!(one(line).kind, EventKind::Foreign, "{line}");
        }
        assert_eq!(
            one("Dec 02 05:12:41 epx upsd[464]: mainloop: Invalid argument").kind,
            EventKind::Unclassified,
            "only the interrupted poll is known harmless"
        );
    }

    #[test]
    fn nut_messages_under_unfamiliar_idents_are_nuts() {
        // A forced shutdown logged under a wrapper's name is no "other program".
        let e = one("Nov 26 15:20:01 nas myups-wrapper[9]: UPS ups@h: forced shutdown in progress");
        assert_eq!(
            (e.kind, e.ups.as_deref()),
            (EventKind::ForcedShutdown, Some("ups@h"))
        );
        let ha = one("2026-11-26T15:20:01Z ha addon_a0d7b954_nut[1]: UPS ups@h on battery");
        assert_eq!(ha.kind, EventKind::OnBattery);
        // What any daemon may say stays foreign under another program's name.
        assert_eq!(
            one("Nov 26 15:20:01 nas sshd[1]: Reloading configuration").kind,
            EventKind::Foreign
        );
        // A NUT message after a prefix nothing recognised.
        let odd = one("fw1 2026 local7.notice upsmon[9]: UPS ups@h on battery");
        assert_eq!(
            (odd.kind, odd.ident.as_deref()),
            (EventKind::OnBattery, Some("upsmon"))
        );
    }

    #[test]
    fn journal_short_iso() {
        let e = one("2026-11-26T15:20:01+0000 nas upsmon[812]: UPS ups@nas on line power");
        assert_eq!((e.format, e.kind), (Format::Iso, EventKind::OnLine));
        let t = e.time.unwrap();
        assert_eq!((t.clock, t.micros), (Clock::Unix, 1_795_706_401_000_000));
        let z = one("2026-11-26T16:20:01.5+01:00 nas upsmon[812]: UPS ups@nas on line power");
        assert_eq!(z.time.map(|t| t.micros), Some(1_795_706_401_500_000));
        let u = one("2026-11-26T15:20:01Z nas upsmon: UPS ups@nas on line power");
        assert_eq!(
            (u.time.map(|t| t.micros), u.pid),
            (Some(1_795_706_401_000_000), None)
        );
    }

    #[test]
    fn short_monotonic_and_rfc5424() {
        let m = one("[   12.345678] nas upsmon[812]: UPS ups@nas on battery");
        assert_eq!(
            (m.format, m.kind, m.pid),
            (Format::Monotonic, EventKind::OnBattery, Some(812))
        );
        assert_eq!(
            m.time,
            Some(Timestamp {
                clock: Clock::Relative,
                micros: 12_345_678
            })
        );
        let r = one("<29>1 2026-11-26T15:20:01.5Z nas upsmon 812 - - UPS ups@nas on line power");
        assert_eq!(
            (r.format, r.kind, r.ups.as_deref()),
            (Format::Rfc5424, EventKind::OnLine, Some("ups@nas"))
        );
        assert_eq!(
            (r.host.as_deref(), r.ident.as_deref(), r.pid),
            (Some("nas"), Some("upsmon"), Some(812))
        );
        assert_eq!(r.time.map(|t| t.micros), Some(1_795_706_401_500_000));
        let sd = one(
            r#"<29>1 2026-11-26T15:20:01Z nas upsd - ID47 [ex@32473 k="a\]b"][x y="z"] Data for UPS [ups] is stale - check driver"#,
        );
        assert_eq!((sd.kind, sd.pid), (EventKind::UpsdDataStale, None));
        let nil = one("<29>1 2026-11-26T15:20:01Z - - - - -");
        assert_eq!(
            (nil.format, nil.host, nil.message),
            (Format::Rfc5424, None, Cow::Borrowed(""))
        );
        // Not RFC 5424 (no version): a classic line with a priority.
        assert_eq!(
            one("<29>Nov 26 15:20:01 nas upsmon[1]: x").format,
            Format::Syslog
        );
    }

    #[test]
    fn journal_json() {
        let line = r#"{"__REALTIME_TIMESTAMP":"1795706401000000","_HOSTNAME":"nas","SYSLOG_IDENTIFIER":"upsmon","_PID":"812","MESSAGE":"UPS [ups@nas]: connect failed: Connection failure: No route to host","PRIORITY":"3"}"#;
        let e = one(line);
        assert_eq!(
            (e.format, e.kind),
            (Format::Json, EventKind::ConnectNoRoute)
        );
        assert_eq!(
            e.time,
            Some(Timestamp {
                clock: Clock::Unix,
                micros: 1_795_706_401_000_000
            })
        );
        assert_eq!(
            (e.host.as_deref(), e.ident.as_deref(), e.pid),
            (Some("nas"), Some("upsmon"), Some(812))
        );
        assert!(
            matches!(e.ups, Some(Cow::Borrowed("ups@nas"))),
            "zero-copy without escapes"
        );
        let escaped = one(r#"{"MESSAGE":"UPS \"x\"@h on battery","_COMM":"upsmon"}"#);
        assert_eq!(
            (escaped.kind, escaped.ups.as_deref()),
            (EventKind::OnBattery, Some("\"x\"@h"))
        );
        let bytes =
            one(r#"{"MESSAGE":[85,80,83,32,97,32,111,110,32,98,97,116,116,101,114,121,255]}"#);
        assert_eq!(bytes.message, "UPS a on battery\u{fffd}");
        assert_eq!(one(r#"{"MESSAGE":null}"#).message, "");
        assert!(matches!(
            parse_line(b"{\"MESSAGE\": 1.5"),
            Err(LineError::BadJson(_))
        ));
    }

    #[test]
    fn markers_limits_and_junk() {
        assert_eq!(one("-- Boot 0123456789abcdef --").kind, EventKind::Marker);
        assert_eq!(one("-- No entries --").format, Format::Marker);
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(parse_line(&long), Err(LineError::TooLong(MAX_LINE + 1)));
        let e = parse_line(b"UPS a\xff on battery").unwrap();
        assert_eq!(
            (e.kind, e.ups.as_deref()),
            (EventKind::OnBattery, Some("a\u{fffd}"))
        );
        for junk in [
            "Nov 99 1:2:3 x y: z",
            "2026-13-01T00:00:00Z h i: m",
            "   1.\tx",
            "<999>Nov",
        ] {
            assert_eq!(one(junk).format, Format::Bare, "{junk}");
        }
    }

    #[test]
    fn lines_and_events() {
        let input = b"a\r\n\n  \nUPS u@h on battery\nlast";
        let lines: Vec<_> = Lines::new(input).map(|(n, l)| (n, l.to_vec())).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines.first().map(|(_, l)| l.as_slice()), Some(&b"a"[..]));
        let evs: Vec<_> = events(input).map(|(n, e)| (n, e.map(|e| e.kind))).collect();
        assert_eq!(
            evs,
            vec![
                (1, Ok(EventKind::Unclassified)),
                (4, Ok(EventKind::OnBattery)),
                (5, Ok(EventKind::Unclassified))
            ]
        );
    }

    #[test]
    fn timestamps_display() {
        let t = |clock, micros| Timestamp { clock, micros }.to_string();
        assert_eq!(
            t(Clock::Unix, 1_795_706_401_000_000),
            "2026-11-26T15:20:01Z"
        );
        assert_eq!(t(Clock::Unix, 1_500_000), "1970-01-01T00:00:01.500000Z");
        assert_eq!(t(Clock::Relative, 26_009_406), "+26.009406s");
        let short = one("Nov  6 01:02:03 h upsmon[1]: x").time.unwrap();
        assert_eq!(short.to_string(), "Nov  6 01:02:03");
        assert_eq!(
            one("Feb 29 23:59:59 h upsmon[1]: x")
                .time
                .unwrap()
                .to_string(),
            "Feb 29 23:59:59"
        );
        assert_eq!(
            one("Dec 31 00:00:00 h upsmon[1]: x")
                .time
                .unwrap()
                .to_string(),
            "Dec 31 00:00:00"
        );
    }
}
