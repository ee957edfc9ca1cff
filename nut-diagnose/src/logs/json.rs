//! Journal entries as JSON (`journalctl -o json`) and as export fields (`journalctl -o export`:
//! `KEY=value` lines, one entry per blank-line-separated block).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;

use super::time::{digits, Clock, Timestamp};
use super::{build, Format, LineError, LogEvent};

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

pub(crate) fn parse_json(s: &str) -> Result<LogEvent<'_>, LineError> {
    let j: JournalEntry<'_> =
        serde_json::from_str(s).map_err(|e| LineError::BadJson(e.to_string()))?;
    let pid = j._PID.0.or(j.SYSLOG_PID.0);
    let ident = j.SYSLOG_IDENTIFIER.0.or(j._COMM.0);
    let message = j.MESSAGE.0.unwrap_or(Cow::Borrowed(""));
    Ok(entry(
        Format::Json,
        j.__REALTIME_TIMESTAMP.0.as_deref(),
        pid.as_deref(),
        j._HOSTNAME.0,
        ident,
        message,
    ))
}

/// A journal entry's fields as an event, `-o json` and `-o export` alike: the time from
/// `__REALTIME_TIMESTAMP` (microseconds since the epoch), the pid from `_PID` or `SYSLOG_PID`, the
/// ident from `SYSLOG_IDENTIFIER` or `_COMM`.
fn entry<'a>(
    format: Format,
    realtime: Option<&str>,
    pid: Option<&str>,
    host: Option<Cow<'a, str>>,
    ident: Option<Cow<'a, str>>,
    message: Cow<'a, str>,
) -> LogEvent<'a> {
    let time = realtime
        .and_then(digits)
        .and_then(|us| i64::try_from(us).ok())
        .map(|micros| Timestamp {
            clock: Clock::Unix,
            micros,
        });
    let pid = pid.and_then(digits).and_then(|p| u32::try_from(p).ok());
    build(format, time, host, ident, pid, message)
}

/// Most bytes of one field an [`ExportEntry`] keeps (a message is cut there, like a line).
const FIELD_MAX: usize = 4096;

/// A field's value, cut at [`FIELD_MAX`] bytes (on a character boundary).
fn bounded(value: &str) -> String {
    let mut cut = value.len().min(FIELD_MAX);
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    value.get(..cut).unwrap_or_default().to_string()
}

/// One `-o export` entry gathered field line by field line (its fields stand on lines of their
/// own, the message among them): the reader keeps one, starts it again at each `__CURSOR=`, and makes
/// the entry's event when it ends, so the message has the entry's time, host, ident and pid, and is
/// classified as that program's line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ExportEntry {
    realtime: Option<String>,
    pid: Option<String>,
    syslog_pid: Option<String>,
    ident: Option<String>,
    comm: Option<String>,
    host: Option<String>,
    /// The message and its line.
    message: Option<(u64, String)>,
}

impl ExportEntry {
    /// Whether `key` starts the next entry.
    pub(crate) fn starts_entry(key: &str) -> bool {
        key == "__CURSOR"
    }

    /// Takes one field (`KEY=value`, the `MESSAGE` one with its line number).
    pub(crate) fn field(&mut self, key: &str, value: &str, line: u64) {
        let slot = match key {
            "__REALTIME_TIMESTAMP" => &mut self.realtime,
            "_PID" => &mut self.pid,
            "SYSLOG_PID" => &mut self.syslog_pid,
            "SYSLOG_IDENTIFIER" => &mut self.ident,
            "_COMM" => &mut self.comm,
            "_HOSTNAME" => &mut self.host,
            "MESSAGE" => {
                self.message = Some((line, bounded(value)));
                return;
            }
            // The entry's other fields are not kept (nor copied).
            _ => return,
        };
        *slot = Some(bounded(value));
    }

    /// The entry's event, if it had a message (it is cleared for the next).
    pub(crate) fn take(&mut self) -> Option<LogEvent<'static>> {
        // Every line of any other input asks: no entry begun, nothing to move.
        if *self == ExportEntry::default() {
            return None;
        }
        let e = std::mem::take(self);
        let (line, message) = e.message?;
        let mut ev = entry(
            Format::Export,
            e.realtime.as_deref(),
            e.pid.as_deref().or(e.syslog_pid.as_deref()),
            e.host.map(Cow::Owned),
            e.ident.or(e.comm).map(Cow::Owned),
            Cow::Owned(message),
        );
        ev.line = line;
        Some(ev)
    }
}

/// One `-o export` field line: `MESSAGE=…` is the message; any other `FIELD=value` (upper-case name)
/// is the entry's structure, read as a marker.
pub(crate) fn export_field(s: &str) -> Option<LogEvent<'_>> {
    // The key is the run of `A-Z0-9_` at the start, and `=` must follow it: no scan of the whole
    // line for a `=` when it starts like any other line.
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    if s.as_bytes().get(n) != Some(&b'=') {
        return None;
    }
    let (key, value) = (s.get(..n)?, s.get(n + 1..)?);
    if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_uppercase() || c == '_') {
        return None;
    }
    if key == "MESSAGE" {
        return Some(build(
            Format::Export,
            None,
            None,
            None,
            None,
            Cow::Borrowed(value),
        ));
    }
    let mut e = build(Format::Export, None, None, None, None, Cow::Borrowed(s));
    e.kind = crate::knowledge::EventKind::Marker;
    Some(e)
}
