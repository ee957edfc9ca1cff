//! Log lines in, [`LogEvent`]s out: journalctl (`-o short`, `-o short-iso`, `-o short-precise`,
//! `-o short-monotonic`, `-o json`), classic syslog files, RFC 5424 lines and upsmon's own foreground
//! (`-D`) output, detected per line.
//!
//! ```text
//! Nov 26 15:20:01 nas upsmon[812]: UPS ups@nas on battery                      short / syslog
//! 2026-11-26T15:20:01+0000 nas upsmon[812]: UPS ups@nas on battery             short-iso
//! 2026-11-26T15:20:01.123456+00:00 nas upsmon[812]: UPS ups@nas on battery     rsyslog high precision
//! {"__REALTIME_TIMESTAMP":"1795705201000000","MESSAGE":"UPS ups@nas on battery",…}   json
//! [ 4242.000001] nas upsmon[812]: UPS ups@nas on battery                      short-monotonic
//! <29>1 2026-11-26T15:20:01Z nas upsmon 812 - - UPS ups@nas on battery          RFC 5424
//!    26.009406\tUPS pi@127.0.0.1:34930 on battery                              upsmon -D
//! ```
//!
//! The parser is total: any byte string gives an event or a [`LineError`], never a panic. It borrows from
//! the input where it can (a JSON message with escapes, or a line that is not UTF-8, is copied), and
//! refuses lines longer than [`MAX_LINE`] without looking at them further. A line whose envelope is not
//! recognised is kept whole as the message, so nothing is silently dropped: it shows up as
//! [`EventKind::Unclassified`] unless its text matches the table anyway.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::knowledge::log_patterns::{self, EventKind};

/// Longest line the parser looks at. journald's own default line maximum is 48 KiB; a NUT message is a
/// few hundred bytes, so 64 KiB leaves room for JSON envelopes with many fields and still bounds the work
/// per line.
pub const MAX_LINE: usize = 64 * 1024;

/// Which clock a timestamp was read on; timestamps on different clocks cannot be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Microseconds since the Unix epoch, UTC (ISO timestamps with an offset, journal JSON).
    Unix,
    /// Microseconds since January 1st, 00:00 of a year the line does not say, local time (`-o short`,
    /// syslog files). Day numbers count February 29 always, so a span across the end of February in a
    /// non-leap year reads one day long; the timeline handles the turn of the year.
    Yearless,
    /// Microseconds since a start point the line does not date: upsmon's start (`upsmon -D`) or the
    /// boot (`-o short-monotonic`).
    Relative,
}

/// A point in time on one [`Clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp {
    /// The clock it was read on.
    pub clock: Clock,
    /// Microseconds on that clock.
    pub micros: i64,
}

impl Timestamp {
    /// Microseconds from `self` to `later`, when both are on the same clock.
    pub fn until(&self, later: &Timestamp) -> Option<i64> {
        (self.clock == later.clock).then(|| later.micros.saturating_sub(self.micros))
    }
}

impl fmt::Display for Timestamp {
    /// `2026-11-26T15:20:01.5Z` (Unix), `Nov 26 15:20:01` (year-less), `+26.009406s` (relative).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.micros.rem_euclid(1_000_000);
        let secs = self.micros.div_euclid(1_000_000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
        match self.clock {
            Clock::Relative => write!(f, "+{secs}.{us:06}s"),
            Clock::Unix => {
                let (y, mo, d) = civil_from_days(days);
                write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}")?;
                if us != 0 {
                    write!(f, ".{us:06}")?;
                }
                f.write_str("Z")
            }
            Clock::Yearless => {
                // Past one year (a log crossing New Year) the day number wraps into the next year.
                let doy = days.rem_euclid(366);
                let month0 = DAYS_BEFORE.iter().rposition(|b| *b <= doy).unwrap_or(0);
                let day = doy - DAYS_BEFORE.get(month0).copied().unwrap_or(0) + 1;
                let name = MONTHS.get(month0).copied().unwrap_or("Jan");
                write!(f, "{name} {day:2} {h:02}:{m:02}:{s:02}")
            }
        }
    }
}

/// Civil date from days since the Unix epoch (inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

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
    match std::str::from_utf8(line) {
        Ok(s) => parse_str(s),
        Err(_) => {
            let lossy = String::from_utf8_lossy(line).into_owned();
            parse_str(&lossy).map(LogEvent::into_owned)
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

fn parse_str(s: &str) -> Result<LogEvent<'_>, LineError> {
    if s.starts_with('{') {
        return parse_json(s);
    }
    if let Some(e) = parse_marker(s) {
        return Ok(e);
    }
    if let Some(e) = parse_rfc5424(s) {
        return Ok(e);
    }
    let stamped = parse_iso(s)
        .map(|(t, rest)| (Format::Iso, t, rest))
        .or_else(|| parse_syslog_time(s).map(|(t, rest)| (Format::Syslog, t, rest)))
        .or_else(|| parse_monotonic(s).map(|(t, rest)| (Format::Monotonic, t, rest)));
    if let Some((format, t, rest)) = stamped {
        if let Some((host, ident, pid, msg)) = split_host_ident(rest) {
            return Ok(build(
                format,
                Some(t),
                Some(Cow::Borrowed(host)),
                ident.map(Cow::Borrowed),
                pid,
                Cow::Borrowed(msg),
            ));
        }
    }
    if let Some((t, rest)) = parse_relative(s) {
        return Ok(build(
            Format::Upsmon,
            Some(t),
            None,
            None,
            None,
            Cow::Borrowed(rest),
        ));
    }
    Ok(build(
        Format::Bare,
        None,
        None,
        None,
        None,
        Cow::Borrowed(s),
    ))
}

/// `[   12.345678] ` at the start of a `-o short-monotonic` line.
fn parse_monotonic(s: &str) -> Option<(Timestamp, &str)> {
    let (stamp, rest) = s.strip_prefix('[')?.split_once("] ")?;
    let (secs, frac) = stamp.trim_start_matches(' ').split_once('.')?;
    let micros = (digits(secs)? as i64)
        .checked_mul(1_000_000)?
        .checked_add(frac_micros(frac)?)?;
    Some((
        Timestamp {
            clock: Clock::Relative,
            micros,
        },
        rest,
    ))
}

/// RFC 5424: `<pri>1 TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`, `-` for a nil field.
fn parse_rfc5424(s: &str) -> Option<LogEvent<'_>> {
    let after_pri = strip_priority(s);
    if after_pri.len() == s.len() {
        return None;
    }
    let (t, rest) = parse_iso(after_pri.strip_prefix("1 ")?)?;
    let mut fields = rest.splitn(5, ' ');
    fn nil(f: &str) -> Option<&str> {
        (f != "-").then_some(f)
    }
    let host = nil(fields.next()?);
    let app = nil(fields.next()?);
    let pid = nil(fields.next()?)
        .and_then(digits)
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
    Some(build(
        Format::Rfc5424,
        Some(t),
        host.map(Cow::Borrowed),
        app.map(Cow::Borrowed),
        pid,
        Cow::Borrowed(msg),
    ))
}

/// `-- Boot 1a2b… --`, `-- No entries --`, `-- Logs begin at … --`, `-- Reboot --`.
fn parse_marker(s: &str) -> Option<LogEvent<'_>> {
    let t = s.trim_end();
    if t.len() >= 5 && t.starts_with("-- ") && t.ends_with(" --") {
        let mut e = build(Format::Marker, None, None, None, None, Cow::Borrowed(t));
        e.kind = EventKind::Marker;
        return Some(e);
    }
    None
}

/// Assembles an event and classifies its message.
fn build<'a>(
    format: Format,
    time: Option<Timestamp>,
    host: Option<Cow<'a, str>>,
    ident: Option<Cow<'a, str>>,
    pid: Option<u32>,
    message: Cow<'a, str>,
) -> LogEvent<'a> {
    let (body_at, debug) = debug_prefix(&message);
    let body = message.get(body_at..).unwrap_or("");
    // Another program's line is foreign even if its text looks like NUT's ("Signal 15: exiting").
    let foreign = ident.as_deref().is_some_and(|i| !is_nut_ident(i));
    let m = if foreign {
        None
    } else {
        log_patterns::classify(body)
    };
    let kind = match &m {
        Some(m) => m.kind,
        None if foreign => EventKind::Foreign,
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

/// A slice of a Cow that stays borrowed when the Cow is.
fn sub<'a>(c: &Cow<'a, str>, r: Range<usize>) -> Option<Cow<'a, str>> {
    match c {
        Cow::Borrowed(s) => s.get(r).map(Cow::Borrowed),
        Cow::Owned(s) => s.get(r).map(|x| Cow::Owned(x.to_string())),
    }
}

/// upsmon's debug prefix `[D1] `: returns where the text starts and whether the prefix was there.
fn debug_prefix(msg: &str) -> (usize, bool) {
    let b = msg.as_bytes();
    if b.len() >= 5 && b.first() == Some(&b'[') && b.get(1) == Some(&b'D') {
        let digits = b.iter().skip(2).take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && b.get(2 + digits) == Some(&b']') && b.get(3 + digits) == Some(&b' ') {
            return (4 + digits, true);
        }
    }
    (0, false)
}

/// Programs whose lines are NUT's business: NUT's daemons and tools (`upsmon`, `upsd`, `upssched`,
/// `upsdrvctl`, `nut-*` wrappers) and its drivers, which mostly end in `ups` (`usbhid-ups`, `genericups`)
/// or carry a family prefix (`nutdrv_qx`, `blazer_usb`, `apcsmart`).
fn is_nut_ident(ident: &str) -> bool {
    #[rustfmt::skip]
    const PREFIXES: &[&str] = &[
        "apc", "bcmxcp", "belkin", "bestfcom", "blazer", "liebert", "mge-", "nut", "oneac", "powercom",
        "riello", "solis", "tripplite", "ups", "usbhid",
    ];
    ident.ends_with("ups") || PREFIXES.iter().any(|p| ident.starts_with(p))
}

/// `   12.345678\t` (upsmon -D): seconds since start, then a TAB.
fn parse_relative(s: &str) -> Option<(Timestamp, &str)> {
    // Cheap shape check before looking for the TAB: spaces, then a digit.
    if !s
        .trim_start_matches(' ')
        .starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let (stamp, rest) = s.split_once('\t')?;
    let stamp = stamp.trim_start_matches(' ');
    let (secs, frac) = stamp.split_once('.')?;
    if secs.is_empty() || secs.len() > 12 || frac.is_empty() || frac.len() > 9 {
        return None;
    }
    let secs = digits(secs)?;
    let micros = frac_micros(frac)?;
    Some((
        Timestamp {
            clock: Clock::Relative,
            micros: (secs as i64).checked_mul(1_000_000)?.checked_add(micros)?,
        },
        rest,
    ))
}

/// All-digit string to a number (no sign, no spaces), at most 18 digits.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Fraction digits (1–9) to microseconds.
fn frac_micros(f: &str) -> Option<i64> {
    if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for (i, b) in f.bytes().take(6).enumerate() {
        v += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    Some(v)
}

/// Days before each month, counting February 29 (see [`Clock::Yearless`]).
const DAYS_BEFORE: [i64; 12] = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn days_in_month(month0: usize, leap: bool) -> i64 {
    match month0 {
        1 if leap => 29,
        1 => 28,
        3 | 5 | 8 | 10 => 30,
        _ => 31,
    }
}

/// `HH:MM:SS[.ffffff]` to microseconds since midnight.
fn parse_clock(s: &str) -> Option<i64> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, frac_micros(f)?),
        None => (s, 0),
    };
    let mut it = hms.split(':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec) = (digits(h)? as i64, digits(m)? as i64, digits(sec)? as i64);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1_000_000 + frac)
}

/// `Mmm dd HH:MM:SS[.f] ` (day space-padded) at the start of a syslog/`-o short` line.
fn parse_syslog_time(s: &str) -> Option<(Timestamp, &str)> {
    let s = strip_priority(s);
    let month0 = MONTHS.iter().position(|m| s.starts_with(m))?;
    let rest = s.get(3..)?.strip_prefix(' ')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let (day, rest) = rest.split_once(' ')?;
    let day = digits(day)? as i64;
    if day == 0 || day > days_in_month(month0, true) {
        return None;
    }
    let (clock, rest) = rest.split_once(' ')?;
    let t = parse_clock(clock)?;
    let before = *DAYS_BEFORE.get(month0)?;
    let micros = (before + day - 1) * 86_400_000_000 + t;
    Some((
        Timestamp {
            clock: Clock::Yearless,
            micros,
        },
        rest,
    ))
}

/// A syslog priority prefix such as `<13>` (classic syslog files sometimes keep it).
fn strip_priority(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('<') {
        if let Some((pri, after)) = rest.split_once('>') {
            if !pri.is_empty() && pri.len() <= 3 && pri.bytes().all(|b| b.is_ascii_digit()) {
                return after;
            }
        }
    }
    s
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a calendar date `YYYY-MM-DD` into days since the Unix epoch; used for `battery.date` too.
pub(crate) fn parse_ymd(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = digits(s.get(0..4)?)? as i64;
    let m = digits(s.get(5..7)?)? as i64;
    let d = digits(s.get(8..10)?)? as i64;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month((m - 1) as usize, leap) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DDTHH:MM:SS[.f](Z|±hhmm|±hh:mm) ` at the start of a line.
fn parse_iso(s: &str) -> Option<(Timestamp, &str)> {
    let (stamp, rest) = s.split_once(' ')?;
    let days = parse_ymd(stamp.get(..10)?)?;
    let time_zone = stamp.get(10..)?.strip_prefix('T')?;
    let (time, offset_secs) = if let Some(t) = time_zone.strip_suffix('Z') {
        (t, 0)
    } else {
        let at = time_zone.rfind(['+', '-'])?;
        let (t, off) = time_zone.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off.get(1..)?;
        let (hh, mm) = match off.len() {
            4 => (off.get(..2)?, off.get(2..)?),
            5 if off.as_bytes().get(2) == Some(&b':') => (off.get(..2)?, off.get(3..)?),
            _ => return None,
        };
        let (hh, mm) = (digits(hh)? as i64, digits(mm)? as i64);
        if hh > 23 || mm > 59 {
            return None;
        }
        (t, sign * (hh * 3600 + mm * 60))
    };
    let t = parse_clock(time)?;
    let micros = days
        .checked_mul(86_400_000_000)?
        .checked_add(t)?
        .checked_sub(offset_secs * 1_000_000)?;
    Some((
        Timestamp {
            clock: Clock::Unix,
            micros,
        },
        rest,
    ))
}

/// `host ident[pid]: msg` (or `host ident: msg`). A line with a host but no `ident:` is not this format.
fn split_host_ident(s: &str) -> Option<(&str, Option<&str>, Option<u32>, &str)> {
    let (host, rest) = s.split_once(' ')?;
    if host.is_empty() {
        return None;
    }
    let (tag, msg) = rest
        .split_once(": ")
        .or_else(|| rest.strip_suffix(':').map(|t| (t, "")))?;
    if tag.is_empty() || tag.contains(' ') {
        return None;
    }
    let (ident, pid) = match tag.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((i, p)) => (i, Some(digits(p).and_then(|p| u32::try_from(p).ok())?)),
        None => (tag, None),
    };
    Some((host, Some(ident), pid, msg))
}

/// A journal JSON field: a string, a byte array (non-UTF-8 messages) or null (field too large).
#[derive(Default)]
struct JText<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for JText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = JText<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a byte array or null")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JText(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JText(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(JText(Some(Cow::Owned(v))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(JText(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(JText(None))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(JText(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                // Bounded by the line length: every element takes at least two bytes of input.
                let mut bytes = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                Ok(JText(Some(Cow::Owned(
                    String::from_utf8_lossy(&bytes).into_owned(),
                ))))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The journal fields the diagnosis reads; every other field is skipped.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct JournalEntry<'a> {
    #[serde(default, borrow)]
    __REALTIME_TIMESTAMP: JText<'a>,
    #[serde(default, borrow)]
    _HOSTNAME: JText<'a>,
    #[serde(default, borrow)]
    SYSLOG_IDENTIFIER: JText<'a>,
    #[serde(default, borrow)]
    _COMM: JText<'a>,
    #[serde(default, borrow)]
    _PID: JText<'a>,
    #[serde(default, borrow)]
    SYSLOG_PID: JText<'a>,
    #[serde(default, borrow)]
    MESSAGE: JText<'a>,
}

fn parse_json(s: &str) -> Result<LogEvent<'_>, LineError> {
    let j: JournalEntry<'_> =
        serde_json::from_str(s).map_err(|e| LineError::BadJson(e.to_string()))?;
    let time = j
        .__REALTIME_TIMESTAMP
        .0
        .as_deref()
        .and_then(digits)
        .and_then(|us| i64::try_from(us).ok())
        .map(|micros| Timestamp {
            clock: Clock::Unix,
            micros,
        });
    let pid = j
        ._PID
        .0
        .as_deref()
        .or(j.SYSLOG_PID.0.as_deref())
        .and_then(digits)
        .and_then(|p| u32::try_from(p).ok());
    let ident = j.SYSLOG_IDENTIFIER.0.or(j._COMM.0);
    let message = j.MESSAGE.0.unwrap_or(Cow::Borrowed(""));
    Ok(build(
        Format::Json,
        time,
        j._HOSTNAME.0,
        ident,
        pid,
        message,
    ))
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
        assert_eq!(
            one("   0.000021\t[D1] debug level is '1'").kind,
            EventKind::Debug
        );
        let bare = one("Network UPS Tools upsmon 2.8.0");
        assert_eq!(
            (bare.format, bare.kind, bare.time),
            (Format::Bare, EventKind::Banner, None)
        );
        assert_eq!(one("kill: No such process").kind, EventKind::Unclassified);
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
            "Nov 26 15:20:01 nas",
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
        for days in [-800_000, -1, 0, 59, 11_016, 19_782, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_ymd("1970-01-01"), Some(0));
        assert_eq!(parse_ymd("2000-03-01"), Some(11_017));
        assert_eq!(parse_ymd("2024-02-29"), Some(19_782));
        assert_eq!(parse_ymd("2023-02-29"), None);
        assert_eq!(parse_ymd("2023-1-01"), None);
    }
}
