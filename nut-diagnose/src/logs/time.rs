//! Timestamps at the start of a log line, in every shape people's logs have them: syslog
//! (`Nov 26 15:20:01`, with the month in English or in the machine's language), RFC 3339 / ISO 8601
//! with any fraction and zone, a civil date-time without zone, BusyBox `logread`
//! (`Thu Nov 26 15:20:01 2026`), time of day only (`15:20:01`, `[15:20:01]`), seconds since the epoch,
//! `-o short-monotonic` and upsmon's `-D` seconds-since-start.
//!
//! Calendar work (RFC 3339, offsets, leap years, civil date → days) is `jiff`'s, not ours.

use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::fmt::temporal::DateTimeParser;
use serde::{Deserialize, Serialize};

/// Which clock a timestamp was read on; timestamps on different clocks cannot be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Microseconds since the Unix epoch, UTC (timestamps with an offset, journal JSON, epoch seconds).
    Unix,
    /// A civil date and time in a zone the line does not say (`2026-11-26 15:20:01`, `logread`, a
    /// year-less stamp given its year): microseconds since 1970-01-01 00:00 of that wall clock.
    Local,
    /// Microseconds since January 1st, 00:00 of a year the line does not say, local time (`-o short`,
    /// syslog files). Day numbers count February 29 always, so a span across the end of February in a
    /// non-leap year reads one day long; the timeline handles the turn of the year.
    Yearless,
    /// Microseconds since midnight of a day the line does not say (`15:20:01 msg`); the timeline keeps
    /// the order and counts a jump back as the next day.
    TimeOfDay,
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

const DAY_MICROS: i64 = 86_400_000_000;

impl Timestamp {
    /// Microseconds from `self` to `later`, when both are on the same clock.
    pub fn until(&self, later: &Timestamp) -> Option<i64> {
        (self.clock == later.clock).then(|| later.micros.saturating_sub(self.micros))
    }

    /// A year-less stamp placed in `year` (on the [`Clock::Local`] clock); other stamps unchanged.
    /// A stamp that has wrapped past New Year (the timeline's normalisation) lands in the next year.
    pub fn with_year(self, year: i16) -> Timestamp {
        if self.clock != Clock::Yearless {
            return self;
        }
        let days = self.micros.div_euclid(DAY_MICROS);
        let sod = self.micros.rem_euclid(DAY_MICROS);
        let (wraps, doy) = (days.div_euclid(366), days.rem_euclid(366));
        let (month0, day) = month_day(doy);
        let y = i64::from(year) + wraps;
        let date = i16::try_from(y)
            .ok()
            .and_then(|y| Date::new(y, month0 as i8 + 1, day as i8).ok());
        match date.and_then(days_since_epoch) {
            Some(d) => Timestamp {
                clock: Clock::Local,
                micros: d.saturating_mul(DAY_MICROS).saturating_add(sod),
            },
            None => self,
        }
    }

    /// The calendar year of a [`Clock::Unix`] or [`Clock::Local`] stamp.
    pub fn year(&self) -> Option<i16> {
        matches!(self.clock, Clock::Unix | Clock::Local)
            .then(|| civil(self.micros).map(|dt| dt.year()))
            .flatten()
    }

    /// Day of the year (0-based, counting February 29 always, as [`Clock::Yearless`] does) of a
    /// Unix or Local stamp.
    pub fn yearless_day(&self) -> Option<i64> {
        let dt = civil(self.micros)?;
        let before = DAYS_BEFORE.get(usize::try_from(dt.month() - 1).ok()?)?;
        Some(before + i64::from(dt.day()) - 1)
    }
}

fn civil(micros: i64) -> Option<DateTime> {
    let ts = jiff::Timestamp::from_microsecond(micros).ok()?;
    Some(ts.to_zoned(jiff::tz::TimeZone::UTC).datetime())
}

fn days_since_epoch(d: Date) -> Option<i64> {
    let epoch = Date::new(1970, 1, 1).ok()?;
    let span = epoch.until((jiff::Unit::Day, d)).ok()?;
    Some(i64::from(span.get_days()))
}

/// (month index, day of month) of a 0-based year-less day number.
fn month_day(doy: i64) -> (usize, i64) {
    let month0 = DAYS_BEFORE.iter().rposition(|b| *b <= doy).unwrap_or(0);
    let day = doy - DAYS_BEFORE.get(month0).copied().unwrap_or(0) + 1;
    (month0, day)
}

impl fmt::Display for Timestamp {
    /// `2026-11-26T15:20:01.5Z` (Unix), `2026-11-26 15:20:01` (Local), `Nov 26 15:20:01` (year-less),
    /// `15:20:01` (time of day), `+26.009406s` (relative).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.micros.rem_euclid(1_000_000);
        let secs = self.micros.div_euclid(1_000_000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
        let frac = |f: &mut fmt::Formatter<'_>| {
            if us != 0 {
                write!(f, ".{us:06}")
            } else {
                Ok(())
            }
        };
        match self.clock {
            Clock::Relative => write!(f, "+{secs}.{us:06}s"),
            Clock::Unix | Clock::Local => {
                match civil(self.micros) {
                    Some(dt) => write!(
                        f,
                        "{:04}-{:02}-{:02}{}{h:02}:{m:02}:{s:02}",
                        dt.year(),
                        dt.month(),
                        dt.day(),
                        if self.clock == Clock::Unix { 'T' } else { ' ' }
                    )?,
                    None => write!(f, "@{secs}")?,
                }
                frac(f)?;
                if self.clock == Clock::Unix {
                    f.write_str("Z")?;
                }
                Ok(())
            }
            Clock::Yearless => {
                // Past one year (a log crossing New Year) the day number wraps into the next year.
                let (month0, day) = month_day(days.rem_euclid(366));
                let name = MONTHS.get(month0).copied().unwrap_or("Jan");
                write!(f, "{name} {day:2} {h:02}:{m:02}:{s:02}")?;
                frac(f)
            }
            Clock::TimeOfDay => {
                if days > 0 {
                    write!(f, "day+{days} ")?;
                }
                write!(f, "{h:02}:{m:02}:{s:02}")?;
                frac(f)
            }
        }
    }
}

/// All-digit string to a number (no sign, no spaces), at most 18 digits.
pub(crate) fn digits(s: &str) -> Option<u64> {
    digits_bytes(s.as_bytes())
}

/// [`digits`] of bytes.
pub(crate) fn digits_bytes(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    // At most 18 digits never overflow a u64; one pass checks and accumulates.
    s.iter().try_fold(0u64, |v, &b| {
        b.is_ascii_digit().then(|| v * 10 + u64::from(b - b'0'))
    })
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
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Month abbreviations as `date +%b` (and so rsyslog, journalctl and BusyBox) prints them in the common
/// locales: de, fr, es, it, nl, pt, pl, ru, sv, da/nb, cs, tr, fi (and English). Compared
/// case-insensitively, a trailing `.` ignored. Facts of the locales, not of any program.
#[rustfmt::skip]
const LOCAL_MONTHS: &[(&str, u8)] = &[
    // English
    ("jan", 0), ("feb", 1), ("mar", 2), ("apr", 3), ("may", 4), ("jun", 5), ("jul", 6), ("aug", 7),
    ("sep", 8), ("sept", 8), ("oct", 9), ("nov", 10), ("dec", 11),
    // German (de_DE; "mrz" in older glibc)
    ("mär", 2), ("mrz", 2), ("mai", 4), ("okt", 9), ("dez", 11),
    // French (fr_FR)
    ("janv", 0), ("févr", 1), ("fevr", 1), ("mars", 2), ("avr", 3), ("avril", 3), ("juin", 5),
    ("juil", 6), ("août", 7), ("aout", 7), ("déc", 11),
    // Spanish (es_ES)
    ("ene", 0), ("abr", 3), ("ago", 7), ("dic", 11),
    // Italian (it_IT)
    ("gen", 0), ("mag", 4), ("giu", 5), ("lug", 6), ("set", 8), ("ott", 9),
    // Dutch (nl_NL)
    ("mrt", 2), ("mei", 4),
    // Portuguese (pt_PT, pt_BR)
    ("fev", 1), ("out", 9), // "dez" as German
    // Polish (pl_PL)
    ("sty", 0), ("lut", 1), ("kwi", 3), ("maj", 4), ("cze", 5), ("lip", 6), ("sie", 7), ("wrz", 8),
    ("paź", 9), ("paz", 9), ("lis", 10), ("gru", 11),
    // Russian (ru_RU)
    ("янв", 0), ("фев", 1), ("мар", 2), ("апр", 3), ("мая", 4), ("май", 4), ("июн", 5), ("июл", 6),
    ("авг", 7), ("сен", 8), ("окт", 9), ("ноя", 10), ("дек", 11),
    // Czech (cs_CZ)
    ("led", 0), ("úno", 1), ("bře", 2), ("dub", 3), ("kvě", 4), ("čen", 5), ("čec", 6), ("srp", 7),
    ("zář", 8), ("říj", 9), ("pro", 11),
    // Turkish (tr_TR)
    ("oca", 0), ("şub", 1), ("nis", 3), ("haz", 5), ("tem", 6), ("ağu", 7), ("eyl", 8), ("eki", 9),
    ("kas", 10), ("ara", 11),
    // Finnish (fi_FI)
    ("tammi", 0), ("helmi", 1), ("maalis", 2), ("huhti", 3), ("touko", 4), ("kesä", 5), ("heinä", 6),
    ("elo", 7), ("syys", 8), ("loka", 9), ("marras", 10), ("joulu", 11),
];

/// The month a (possibly localized) abbreviation names. No allocation for ASCII words, and a word
/// that cannot be a month (digits, brackets, too long) is refused at once.
fn month_of(word: &str) -> Option<usize> {
    let w = word.strip_suffix('.').unwrap_or(word);
    if w.len() < 3 || w.len() > 12 {
        return None;
    }
    // Fast path: English three-letter names, as most logs have them.
    if let Some(i) = MONTHS.iter().position(|m| *m == w) {
        return Some(i);
    }
    if w.is_ascii() {
        if !w.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        return LOCAL_MONTHS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(w))
            .map(|(_, m)| usize::from(*m));
    }
    if w.chars().count() > 7 || !w.chars().all(char::is_alphabetic) {
        return None;
    }
    let lower = w.to_lowercase();
    LOCAL_MONTHS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, m)| usize::from(*m))
}

fn days_in_month(month0: usize, leap: bool) -> i64 {
    match month0 {
        1 if leap => 29,
        1 => 28,
        3 | 5 | 8 | 10 => 30,
        _ => 31,
    }
}

/// `HH:MM:SS[.ffffff]` (also `,ffffff`) to microseconds since midnight.
fn parse_clock(s: &str) -> Option<i64> {
    let (hms, frac) = match s.split_once(['.', ',']) {
        Some((a, f)) => (a, frac_micros(f)?),
        None => (s, 0),
    };
    let mut it = hms.split(':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || !(1..=2).contains(&h.len()) || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec) = (digits(h)? as i64, digits(m)? as i64, digits(sec)? as i64);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1_000_000 + frac)
}

/// Where the first space of `s` is: `s.find(' ')` with memchr's vectorised search (`str::find` of a
/// `char` walks the bytes one by one, and every line is split at spaces many times).
pub(crate) fn space(s: &str) -> Option<usize> {
    memchr::memchr(b' ', s.as_bytes())
}

/// Splits off the first space-separated word (and the spaces after it).
fn word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    let end = space(s).unwrap_or(s.len());
    let (w, rest) = s.split_at(end);
    (!w.is_empty()).then(|| (w, rest.trim_start_matches(' ')))
}

/// `Mmm dd HH:MM:SS[.f] ` (day space-padded, month possibly localized) at the start of a syslog /
/// `-o short` / `-o short-precise` line. Also `dd Mmm HH:MM:SS` (some localized rsyslog templates).
pub(crate) fn syslog(s: &str) -> Option<(Timestamp, &str)> {
    if let Some(fast) = syslog_fixed(s) {
        return Some(fast);
    }
    let (a, rest) = word(s)?;
    let (b, rest) = word(rest)?;
    let (month0, day) = match (month_of(a), digits(b.strip_suffix('.').unwrap_or(b))) {
        (Some(m), Some(d)) => (m, d),
        _ => (month_of(b)?, digits(a.strip_suffix('.').unwrap_or(a))?),
    };
    let day = day as i64;
    if day == 0 || day > days_in_month(month0, true) {
        return None;
    }
    let (clock, rest) = word(rest)?;
    let t = parse_clock(clock)?;
    let before = *DAYS_BEFORE.get(month0)?;
    let micros = (before + day - 1) * DAY_MICROS + t;
    Some((
        Timestamp {
            clock: Clock::Yearless,
            micros,
        },
        rest,
    ))
}

/// [`syslog`] for its most common shape, byte by byte: `Mmm dd HH:MM:SS ` with an English month and
/// the day space- or zero-padded. Gives exactly what the general path gives for such a stamp, and
/// `None` (the general path decides) for anything else.
pub(crate) fn syslog_fixed(s: &str) -> Option<(Timestamp, &str)> {
    let t = syslog_fixed_stamp(s.as_bytes())?;
    Some((t, s.get(16..)?.trim_start_matches(' ')))
}

/// The stamp of [`syslog_fixed`] from the line's first 16 bytes (the rest is not looked at).
pub(crate) fn syslog_fixed_stamp(b: &[u8]) -> Option<Timestamp> {
    let (month0, day, h, m, sec) = syslog_fixed_fields(b)?;
    let before = *DAYS_BEFORE.get(month0)?;
    let micros = (before + day - 1) * DAY_MICROS + ((h * 60 + m) * 60 + sec) * 1_000_000;
    Some(Timestamp {
        clock: Clock::Yearless,
        micros,
    })
}

/// Whether the line starts with a stamp [`syslog_fixed_stamp`] reads (the scan's test of other
/// programs' lines, which needs no time).
pub(crate) fn is_syslog_fixed_stamp(b: &[u8]) -> bool {
    syslog_fixed_fields(b).is_some()
}

/// The fields of a `Mmm dd HH:MM:SS ` stamp: month (0-based), day, hour, minute, second; every field
/// checked (a day the month has in a leap year, a second up to 60). Sixteen fixed places, so one
/// pattern of the array and no search: a few dozen instructions, run on most lines of a syslog.
#[inline]
fn syslog_fixed_fields(b: &[u8]) -> Option<(usize, i64, i64, i64, i64)> {
    let head: &[u8; 16] = b.get(..16)?.try_into().ok()?;
    let [m0, m1, m2, b' ', d0, d1, b' ', h0, h1, b':', n0, n1, b':', s0, s1, b' '] = *head else {
        return None;
    };
    // One compare of three bytes as a number instead of a search of the twelve names (MONTHS; a
    // test keeps the two the same).
    let month0 = match u32::from_be_bytes([0, m0, m1, m2]) {
        0x4a_61_6e => 0,  // Jan
        0x46_65_62 => 1,  // Feb
        0x4d_61_72 => 2,  // Mar
        0x41_70_72 => 3,  // Apr
        0x4d_61_79 => 4,  // May
        0x4a_75_6e => 5,  // Jun
        0x4a_75_6c => 6,  // Jul
        0x41_75_67 => 7,  // Aug
        0x53_65_70 => 8,  // Sep
        0x4f_63_74 => 9,  // Oct
        0x4e_6f_76 => 10, // Nov
        0x44_65_63 => 11, // Dec
        _ => return None,
    };
    // The digits all checked at once: as one number, each digit's byte has the high nibble 3 and a
    // low nibble that 6 more does not carry past 15 (the day's tens may be a space instead).
    const NIBBLE_LO: u128 = 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f;
    const EACH: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
    let v = u128::from_le_bytes(*head);
    let tens: u128 = if d0 == b' ' { 0 } else { 0xff << 32 };
    let digits: u128 = (0xff << 40) | (0xffff << 56) | (0xffff << 80) | (0xffff << 104) | tens;
    let low = v & digits & NIBBLE_LO;
    if v & digits & !NIBBLE_LO != digits & (EACH * 0x30)
        || (low + (digits & (EACH * 6))) & (digits & (EACH * 0x10)) != 0
    {
        return None;
    }
    let two = |a: u8, b: u8| i64::from(a - b'0') * 10 + i64::from(b - b'0');
    let day = if d0 == b' ' {
        i64::from(d1 - b'0')
    } else {
        two(d0, d1)
    };
    let (h, m, sec) = (two(h0, h1), two(n0, n1), two(s0, s1));
    if day == 0 || day > days_in_month(month0, true) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some((month0, day, h, m, sec))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A syslog stamp, or BusyBox / OpenWrt `logread` and `ctime()`: `Thu Nov 26 15:20:01 2026 ` (also
/// without the weekday), read with one pass over the stamp.
pub(crate) fn syslog_or_logread(s: &str) -> Option<(super::Format, Timestamp, &str)> {
    let (wd, after_wd) = word(s)?;
    let weekday = WEEKDAYS.contains(&wd);
    let (t, rest) = syslog(if weekday { after_wd } else { s })?;
    let year = rest
        .get(..5)
        .filter(|y| y.as_bytes().get(4) == Some(&b' '))
        .and_then(|y| digits(y.get(..4)?))
        .and_then(|y| i16::try_from(y).ok());
    match year {
        Some(y) => {
            let t = t.with_year(y);
            let rest = rest.get(5..)?.trim_start_matches(' ');
            (t.clock == Clock::Local).then_some((super::Format::Logread, t, rest))
        }
        None if weekday => None,
        None => Some((super::Format::Syslog, t, rest)),
    }
}

/// [`syslog_or_logread`] for `logread` lines only.
#[cfg(test)]
fn logread(s: &str) -> Option<(Timestamp, &str)> {
    match syslog_or_logread(s)? {
        (super::Format::Logread, t, r) => Some((t, r)),
        _ => None,
    }
}

/// RFC 3339 / ISO 8601 at the start of a line: `2026-11-26T15:20:01[.f…](Z|±hh[:mm])`, with `T` or a
/// space between date and time; without a zone it is a [`Clock::Local`] wall-clock time.
pub(crate) fn iso(s: &str) -> Option<(Timestamp, &str)> {
    let b = s.as_bytes();
    // Shape check before handing anything to jiff: `dddd-dd-dd`.
    if b.len() < 19
        || !b.get(..4)?.iter().all(u8::is_ascii_digit)
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
    {
        return None;
    }
    let sep = *b.get(10)?;
    if !matches!(sep, b'T' | b't' | b' ') {
        return None;
    }
    // The stamp ends at the first space after the time (or at the end of the line).
    let time_start = 11;
    let end = space(s.get(time_start..)?).map_or(s.len(), |i| i + time_start);
    let stamp = s.get(..end)?;
    let rest = s.get(end..)?.trim_start_matches(' ');
    if let Some(t) = iso_fast(stamp) {
        return Some((t, rest));
    }
    let p = DateTimeParser::new();
    if let Ok(ts) = p.parse_timestamp(stamp) {
        return Some((
            Timestamp {
                clock: Clock::Unix,
                micros: ts.as_microsecond(),
            },
            rest,
        ));
    }
    let dt = p.parse_datetime(stamp).ok()?;
    let micros = dt
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_microsecond();
    Some((
        Timestamp {
            clock: Clock::Local,
            micros,
        },
        rest,
    ))
}

/// The common shapes of [`iso`] without a parser per line: `YYYY-MM-DD`, `T` or space,
/// `HH:MM:SS[.f]`, then `Z`, `±HH`, `±HHMM` or `±HH:MM` (or nothing). The date's day number comes from
/// jiff, once per distinct date (a log has few); anything else goes to jiff's full parser.
fn iso_fast(stamp: &str) -> Option<Timestamp> {
    use std::cell::Cell;
    thread_local! {
        static LAST_DATE: Cell<([u8; 10], i64)> = const { Cell::new(([0; 10], 0)) };
    }
    let date: [u8; 10] = stamp.as_bytes().get(..10)?.try_into().ok()?;
    let (cached, cached_days) = LAST_DATE.with(Cell::get);
    let days = if cached == date {
        cached_days
    } else {
        let d = parse_ymd(std::str::from_utf8(&date).ok()?)?;
        LAST_DATE.with(|c| c.set((date, d)));
        d
    };
    let t = stamp.get(11..)?;
    let zone_at = t.find(['Z', 'z', '+', '-']).unwrap_or(t.len());
    let (clock, zone) = t.split_at(zone_at);
    let sod = parse_clock(clock)?;
    let local = days.checked_mul(DAY_MICROS)?.checked_add(sod)?;
    let offset = match zone.as_bytes() {
        [] => {
            return Some(Timestamp {
                clock: Clock::Local,
                micros: local,
            })
        }
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2] => ([*h1, *h2], [b'0', b'0']),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => ([*h1, *h2], [*m1, *m2]),
                _ => return None,
            };
            let h = digits(std::str::from_utf8(&h).ok()?)? as i64;
            let m = digits(std::str::from_utf8(&m).ok()?)? as i64;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 60 + m) * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    Some(Timestamp {
        clock: Clock::Unix,
        micros: local.checked_sub(offset.checked_mul(1_000_000)?)?,
    })
}

/// A time of day alone: `15:20:01[.f] ` or `[15:20:01] ` (Home Assistant add-on lines).
pub(crate) fn time_of_day(s: &str) -> Option<(Timestamp, &str)> {
    let (stamp, rest) = match s.strip_prefix('[') {
        Some(r) => r.split_once(']')?,
        None => {
            let end = space(s)?;
            (s.get(..end)?, s.get(end..)?)
        }
    };
    let micros = parse_clock(stamp)?;
    Some((
        Timestamp {
            clock: Clock::TimeOfDay,
            micros,
        },
        rest.trim_start_matches(' '),
    ))
}

/// Seconds since the epoch (`1795706401[.250000] `, also in brackets), between 2001 and 2286.
pub(crate) fn epoch(s: &str) -> Option<(Timestamp, &str)> {
    let (stamp, rest) = match s.strip_prefix('[') {
        Some(r) => r.split_once(']')?,
        None => {
            let end = space(s)?;
            (s.get(..end)?, s.get(end + 1..)?)
        }
    };
    let (secs, frac) = match stamp.split_once('.') {
        Some((a, f)) => (a, frac_micros(f)?),
        None => (stamp, 0),
    };
    if secs.len() != 10 {
        return None;
    }
    let micros = (digits(secs)? as i64)
        .checked_mul(1_000_000)?
        .checked_add(frac)?;
    Some((
        Timestamp {
            clock: Clock::Unix,
            micros,
        },
        rest.trim_start_matches(' '),
    ))
}

/// `[   12.345678] ` at the start of a `-o short-monotonic` line.
pub(crate) fn monotonic(s: &str) -> Option<(Timestamp, &str)> {
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

/// `   12.345678\t` (upsmon -D): seconds since start, then a TAB.
pub(crate) fn relative(s: &str) -> Option<(Timestamp, &str)> {
    // Cheap shape check before looking for the TAB: spaces, then a digit.
    if !s
        .trim_start_matches(' ')
        .starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    // The TAB upsmon writes, or the spaces a paste turned it into (two or more).
    let t = s.trim_start_matches(' ');
    let end = t.find(['\t', ' ', '#'])?;
    let (stamp, after) = t.split_at(end);
    // One space only when the stamp is upsmon's `%.6f` (a paste that squeezed the TAB).
    let six = stamp.split_once('.').is_some_and(|(_, f)| f.len() == 6);
    // rsyslog's escape of the TAB (`#011`, $EscapeControlCharactersOnReceive) counts as one.
    let rest = match after
        .strip_prefix('\t')
        .or_else(|| after.strip_prefix("#011"))
    {
        Some(r) => r,
        None if after.starts_with("  ") || (six && after.starts_with(' ')) => {
            after.trim_start_matches(' ')
        }
        None => return None,
    };
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

/// Parses a calendar date `YYYY-MM-DD` into days since the Unix epoch; used for `battery.date` too.
pub(crate) fn parse_ymd(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = i16::try_from(digits(s.get(0..4)?)?).ok()?;
    let m = i8::try_from(digits(s.get(5..7)?)?).ok()?;
    let d = i8::try_from(digits(s.get(8..10)?)?).ok()?;
    days_since_epoch(Date::new(y, m, d).ok()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn localized_months() {
        for (stamp, month0) in [
            ("Mär  5 10:00:00 x", 2),
            ("déc. 24 10:00:00 x", 11),
            ("dic 24 10:00:00 x", 11),
            ("ott 24 10:00:00 x", 9),
            ("mrt 24 10:00:00 x", 2),
            ("paź 24 10:00:00 x", 9),
            ("дек 24 10:00:00 x", 11),
            ("okt 24 10:00:00 x", 9),
            ("24 okt 10:00:00 x", 9),
            ("Dez 24 10:00:00 x", 11),
        ] {
            let (t, rest) = syslog(stamp).unwrap_or_else(|| panic!("{stamp}"));
            let day = if stamp.contains("  5") { 5 } else { 24 };
            assert_eq!(
                t.micros,
                (DAYS_BEFORE[month0] + day - 1) * DAY_MICROS + 10 * 3_600_000_000,
                "{stamp}"
            );
            assert_eq!(rest, "x");
        }
        assert!(syslog("Foo 24 10:00:00 x").is_none());
    }

    #[test]
    fn iso_any_fraction_and_zone() {
        let base = 1_795_706_401_000_000;
        for (s, want) in [
            ("2026-11-26T15:20:01Z x", base),
            ("2026-11-26T15:20:01.123456789Z x", base + 123_456),
            ("2026-11-26T16:20:01+01:00 x", base),
            ("2026-11-26T16:20:01+0100 x", base),
            ("2026-11-26 16:20:01+01 x", base),
        ] {
            let (t, rest) = iso(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((t.clock, t.micros, rest), (Clock::Unix, want, "x"), "{s}");
        }
        let (t, _) = iso("2026-11-26 15:20:01 x").unwrap();
        assert_eq!((t.clock, t.micros), (Clock::Local, base));
        assert_eq!(t.to_string(), "2026-11-26 15:20:01");
        assert!(iso("2026-13-01T00:00:00Z x").is_none());
    }

    #[test]
    fn the_fixed_stamp_checks_every_digit_as_a_byte_by_byte_reading_would() {
        // The plain reading the word-at-once check must agree with: each digit place a digit, the
        // day's tens a space or a digit.
        fn plain(b: &[u8; 16]) -> Option<(i64, i64, i64, i64)> {
            let d = |i: usize| b[i].is_ascii_digit().then(|| i64::from(b[i] - b'0'));
            let tens = if b[4] == b' ' { 0 } else { d(4)? };
            Some((
                tens * 10 + d(5)?,
                d(7)? * 10 + d(8)?,
                d(10)? * 10 + d(11)?,
                d(13)? * 10 + d(14)?,
            ))
        }
        // Its month numbers are the names of MONTHS, the one English table.
        for (i, m) in MONTHS.iter().enumerate() {
            let line = format!("{m} 26 15:20:01 ");
            assert_eq!(
                syslog_fixed_fields(line.as_bytes()).map(|f| f.0),
                Some(i),
                "{m}"
            );
            assert_eq!(month_of(m), Some(i), "{m}");
        }
        let good = *b"Nov 26 15:20:01 ";
        for place in [4, 5, 7, 8, 10, 11, 13, 14] {
            for byte in 0..=255u8 {
                let mut b = good;
                b[place] = byte;
                let want = plain(&b).filter(|&(day, h, m, s)| {
                    (1..=30).contains(&day) && h <= 23 && m <= 59 && s <= 60
                });
                let got = syslog_fixed_fields(&b).map(|(_, day, h, m, s)| (day, h, m, s));
                assert_eq!(got, want, "byte {byte:#04x} at {place}");
            }
        }
    }

    #[test]
    fn years_and_other_clocks() {
        let (t, _) = syslog("Feb 29 12:00:00 x").unwrap();
        assert_eq!(t.with_year(2024).to_string(), "2024-02-29 12:00:00");
        // Not a date in 2023: left year-less rather than invented.
        assert_eq!(t.with_year(2023).clock, Clock::Yearless);
        let (l, rest) = logread("Thu Nov 26 15:20:01 2026 daemon.err x").unwrap();
        assert_eq!(
            (l.to_string().as_str(), rest),
            ("2026-11-26 15:20:01", "daemon.err x")
        );
        assert_eq!(l.year(), Some(2026));
        assert_eq!(l.yearless_day(), Some(305 + 25));
        let (d, rest) = time_of_day("[14:50:04] INFO: x").unwrap();
        assert_eq!((d.to_string().as_str(), rest), ("14:50:04", "INFO: x"));
        let (e, _) = epoch("1795706401.25 x").unwrap();
        assert_eq!(e.to_string(), "2026-11-26T15:20:01.250000Z");
        assert!(epoch("12345 x").is_none());
        assert_eq!(parse_ymd("1970-01-01"), Some(0));
        assert_eq!(parse_ymd("2000-03-01"), Some(11_017));
        assert_eq!(parse_ymd("2024-02-29"), Some(19_782));
        assert_eq!(parse_ymd("2023-02-29"), None);
        assert_eq!(parse_ymd("2023-1-01"), None);
    }
}
