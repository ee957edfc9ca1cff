//! Zero-copy parser for every line the server sends.
//!
//! [`parse_reply`] takes one line (without its `\n`; a trailing `\r` is tolerated) and returns a
//! [`Reply`] that borrows from it: names are `&str` slices, values are [`Quoted`] slices of the raw bytes
//! between the quotes. Nothing is allocated per line, except the one word of an `ERR` code this crate
//! does not know (kept in [`ErrCode::Other`]).
//!
//! # Wire grammar
//!
//! Words are separated by spaces (one in practice; runs of spaces or tabs are tolerated, as are leading
//! and trailing blanks). Values are double-quoted with `\` escaping the next byte.
//!
//! ```text
//! VAR <ups> <var> "<value>"                 VAR pi ups.status "OL CHRG"
//! TYPE <ups> <var> [RW] [ENUM] [RANGE] (STRING:<n> | NUMBER)
//!                                           TYPE pi ups.status RW STRING:32
//! DESC <ups> <var> "<text>"                 DESC pi ups.status "UPS status"
//! CMDDESC <ups> <cmd> "<text>"              CMDDESC pi load.off "Turn off the load immediately"
//! UPSDESC <ups> "<text>"                    UPSDESC pi "Lab UPS for the Pi"
//! NUMLOGINS <ups> <n>                       NUMLOGINS pi 0
//! UPS <ups> "<desc>"                        UPS pi "Lab UPS for the Pi"
//! RW <ups> <var> "<value>"                  RW pi battery.charge "96"
//! CMD <ups> <cmd>                           CMD pi load.off
//! ENUM <ups> <var> "<value>"                ENUM pi input.transfer.low "180"
//! RANGE <ups> <var> "<min>" "<max>"         RANGE pi input.transfer.low "160" "190"
//! CLIENT <ups> <address>                    CLIENT pi 127.0.0.1
//! BEGIN LIST <what>                         BEGIN LIST VAR pi
//! END LIST <what>                           END LIST VAR pi
//! OK [Goodbye | FSD-SET | STARTTLS | PRIMARY-GRANTED | MASTER-GRANTED | TRACKING <id> | <other>]
//! ERR <CODE> [<extra>]                      ERR VAR-NOT-SUPPORTED
//! <anything else>                           Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/
//! ```
//!
//! `<what>` is `UPS`, `VAR <ups>`, `RW <ups>`, `CMD <ups>`, `CLIENT <ups>`, `ENUM <ups> <var>` or
//! `RANGE <ups> <var>`. A line whose first word is none of the keywords above is [`Reply::Text`]: the
//! replies to `VER`, `NETVER`/`PROTVER`, `HELP` and `GET TRACKING` are free text, and only the caller
//! knows which request is outstanding. A line that starts with a keyword but does not follow its
//! grammar is an error ([`ReplyError::Malformed`]), never a guess.
//!
//! # Fast path and grammar
//!
//! The grammar above is written with nom ([`parse_reply_grammar`]) and is the reference for what a line
//! means. A `LIST VAR` of thousands of variables is almost all lines of one canonical shape, though, and
//! running the combinators on each cost about 950 instructions per `VAR` line (≈200 MiB/s). So
//! [`parse_reply_with_limit`] first tries a hand-written fast path for the canonical list-item forms as
//! upsd prints them: `VAR`/`RW`/`ENUM <ups> <var> "<value>"`, `UPS <ups> "<desc>"` and `CMD <ups> <cmd>`
//! with single spaces, no leading or trailing blanks and names of printable ASCII. It dispatches on the
//! first byte, then walks each name once, eight bytes per step (a SWAR mask; a 256-entry byte-class
//! table for the last few bytes), which finds the space that ends the name and proves it ASCII in the
//! same pass, so no `from_utf8` runs again over it (the one `unsafe` block, see `take_name`); the value
//! is scanned eight bytes per step for `"`/`\` (values are too short for memchr's setup to pay). It
//! never reports an error: at the first byte that is not canonical it gives up and the nom grammar
//! parses the line from the start, so tabs, runs of blanks, non-ASCII names, bare values and every
//! malformed line keep exactly the grammar's answer. A differential proptest
//! (`tests/reply_fast_path.rs`) checks that both paths agree on arbitrary lines and on lines the server
//! encoder builds from arbitrary values.
//!
//! [`lines`] applies the same parser to a whole buffer (`BEGIN LIST … END LIST`), one line per `\n`.

use std::borrow::Cow;
use std::fmt;

use nom::bytes::complete::{tag, take_till1, take_while, take_while1};
use nom::combinator::{eof, map_res};
use nom::{IResult, Parser};

use crate::error::ErrCode;
use crate::quote;

/// Default bound on one reply line, in bytes (without the `\n`), used by the client's framer.
///
/// Stock upsd formats every reply line into a 512-byte buffer (511 bytes plus `\n` at most, values
/// capped at 255 escaped bytes), and libupsclient reads 512-byte lines. 4 KiB leaves an 8× margin for
/// forked or embedded servers with longer descriptions while keeping what a hostile server can make a
/// client buffer per line small. Callers that know better use [`parse_reply_with_limit`].
pub const DEFAULT_MAX_LINE: usize = 4096;

/// Why a reply line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The line is longer than the configured bound: rejected before any parsing.
    #[error("reply line of {len} bytes exceeds the limit of {max} bytes")]
    TooLong {
        /// Length of the line received.
        len: usize,
        /// The bound in force.
        max: usize,
    },
    /// The line starts with a reply keyword but does not follow that reply's grammar.
    #[error("malformed {keyword} reply: expected {expected}")]
    Malformed {
        /// The first word of the line (`VAR`, `TYPE`, `BEGIN`, …).
        keyword: &'static str,
        /// What the grammar wanted, for the error message.
        expected: &'static str,
    },
}

/// A value as sent between double quotes, still escaped: the raw bytes, borrowed from the line.
///
/// Keeping the raw form makes parsing allocation-free and lossless (values that are not UTF-8 stay
/// bytes). Call [`Quoted::unescape`] for the value's bytes or [`Quoted::to_text_lossy`] for display;
/// both borrow when the value holds no backslash, which is nearly always.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quoted<'a> {
    raw: &'a [u8],
}

impl<'a> Quoted<'a> {
    /// Wraps raw, still-escaped bytes (the text between the quotes on the wire).
    pub fn from_raw(raw: &'a [u8]) -> Self {
        Quoted { raw }
    }

    /// The raw bytes between the quotes, escapes included, exactly as received.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// True when the raw form contains a backslash, i.e. [`Quoted::unescape`] will allocate.
    pub fn has_escapes(&self) -> bool {
        memchr::memchr(b'\\', self.raw).is_some()
    }

    /// The value's bytes with escapes removed (`\"` → `"`, `\\` → `\`).
    pub fn unescape(&self) -> Cow<'a, [u8]> {
        quote::unescape(self.raw)
    }

    /// The value as text, invalid UTF-8 replaced by U+FFFD: for display, never for comparisons that
    /// must be exact.
    pub fn to_text_lossy(&self) -> Cow<'a, str> {
        quote::unescape_lossy(self.raw)
    }

    /// The value as exact UTF-8 text, or `None` when its bytes are not UTF-8.
    pub fn to_str(&self) -> Option<Cow<'a, str>> {
        match self.unescape() {
            Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
        }
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_text_lossy(), f)
    }
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text_lossy())
    }
}

/// What a `LIST` lists: the word after `LIST` in the request and after `BEGIN LIST`/`END LIST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ListKind {
    /// `LIST UPS`: every UPS the server knows.
    Ups,
    /// `LIST VAR <ups>`: every variable.
    Var,
    /// `LIST RW <ups>`: the writable variables.
    Rw,
    /// `LIST CMD <ups>`: the instant commands.
    Cmd,
    /// `LIST ENUM <ups> <var>`: the allowed values of an enumerated variable.
    Enum,
    /// `LIST RANGE <ups> <var>`: the allowed ranges of a numeric variable.
    Range,
    /// `LIST CLIENT <ups>`: addresses of clients logged in to the UPS.
    Client,
}

impl ListKind {
    /// Every kind, for tables and tests.
    pub const ALL: [ListKind; 7] = [
        ListKind::Ups,
        ListKind::Var,
        ListKind::Rw,
        ListKind::Cmd,
        ListKind::Enum,
        ListKind::Range,
        ListKind::Client,
    ];

    /// The wire word (`VAR`, `RW`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Ups => "UPS",
            ListKind::Var => "VAR",
            ListKind::Rw => "RW",
            ListKind::Cmd => "CMD",
            ListKind::Enum => "ENUM",
            ListKind::Range => "RANGE",
            ListKind::Client => "CLIENT",
        }
    }

    /// Parses the wire word, ignoring ASCII case (requests are case-insensitive).
    pub fn from_word(word: &[u8]) -> Option<ListKind> {
        ListKind::ALL
            .into_iter()
            .find(|k| k.as_str().as_bytes().eq_ignore_ascii_case(word))
    }

    /// Whether the list is scoped to one UPS (all but `LIST UPS`).
    pub fn takes_ups(self) -> bool {
        self != ListKind::Ups
    }

    /// Whether the list is scoped to one variable too (`ENUM`, `RANGE`).
    pub fn takes_var(self) -> bool {
        matches!(self, ListKind::Enum | ListKind::Range)
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `<what>` of a list: which kind, for which UPS and variable. Appears after `BEGIN LIST` and
/// `END LIST`, and is what a client compares against its request to frame a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListHeader<'a> {
    /// What is listed.
    pub kind: ListKind,
    /// The UPS (absent only for `LIST UPS`).
    pub ups: Option<&'a str>,
    /// The variable (present only for `ENUM` and `RANGE`).
    pub var: Option<&'a str>,
}

impl<'a> ListHeader<'a> {
    /// The header a server should echo for a request, so a client can compare it with
    /// [`ListHeader::matches`] and [`Reply::belongs_to`].
    pub fn new(kind: ListKind, ups: Option<&'a str>, var: Option<&'a str>) -> Self {
        ListHeader { kind, ups, var }
    }

    /// Same kind, same UPS and variable names ignoring ASCII case (upsd echoes names as the client
    /// typed them and matches them case-insensitively; libupsclient compares the same way).
    pub fn matches(&self, other: &ListHeader<'_>) -> bool {
        self.kind == other.kind && eq_opt(self.ups, other.ups) && eq_opt(self.var, other.var)
    }
}

fn eq_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The storage type of a value, the last flag of a `TYPE` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ValueKind {
    /// `STRING:<n>`: a string of at most `max_len` bytes (a longer SET gives `ERR TOO-LONG`).
    String {
        /// The `n` of `STRING:n`.
        max_len: u32,
    },
    /// `NUMBER`: numeric (also what upsd reports when a variable has no type flag).
    Number,
}

/// The flags of a `TYPE` reply: `[RW] [ENUM] [RANGE] (STRING:<n> | NUMBER)`.
///
/// Unknown flags from a non-stock server are ignored, so that a new flag does not make the whole reply
/// unreadable; a `TYPE` line without a storage flag is read as `NUMBER`, as upsd itself would print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VarType {
    /// `RW`: the variable can be changed with `SET VAR`.
    pub rw: bool,
    /// `ENUM`: the allowed values come from `LIST ENUM`.
    pub enumerated: bool,
    /// `RANGE`: the allowed values come from `LIST RANGE`.
    pub range: bool,
    /// `STRING:n` or `NUMBER`.
    pub kind: ValueKind,
}

/// What follows `OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OkReply<'a> {
    /// Bare `OK` (USERNAME, PASSWORD, LOGIN, SET VAR/INSTCMD without tracking, very old MASTER).
    Plain,
    /// `OK Goodbye`: reply to LOGOUT; the server closes the connection next.
    Goodbye,
    /// `OK FSD-SET`: the forced-shutdown latch is set.
    FsdSet,
    /// `OK STARTTLS`: the TLS handshake starts right after this line.
    StartTls,
    /// `OK PRIMARY-GRANTED`: reply to PRIMARY.
    PrimaryGranted,
    /// `OK MASTER-GRANTED`: reply to the legacy MASTER.
    MasterGranted,
    /// `OK TRACKING <id>`: SET VAR/INSTCMD accepted with tracking on; the id is for `GET TRACKING`.
    Tracking(&'a str),
    /// Any other text after `OK ` (kept raw; clients treat anything starting with `OK` as success).
    Other(&'a [u8]),
}

/// One line the server sent, parsed, borrowing from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<'a> {
    /// `VAR <ups> <var> "<value>"`: reply to GET VAR and item of LIST VAR.
    Var {
        /// UPS name as echoed.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// The value.
        value: Quoted<'a>,
    },
    /// `TYPE <ups> <var> <flags…>`: reply to GET TYPE.
    Type {
        /// UPS name as echoed.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// The parsed flags.
        ty: VarType,
    },
    /// `DESC <ups> <var> "<text>"`: reply to GET DESC.
    Desc {
        /// UPS name as echoed.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// Human description (`Description unavailable` when upsd has none).
        desc: Quoted<'a>,
    },
    /// `CMDDESC <ups> <cmd> "<text>"`: reply to GET CMDDESC.
    CmdDesc {
        /// UPS name as echoed.
        ups: &'a str,
        /// Command name.
        cmd: &'a str,
        /// Human description.
        desc: Quoted<'a>,
    },
    /// `UPSDESC <ups> "<text>"`: reply to GET UPSDESC (`Unavailable` when ups.conf has no desc).
    UpsDesc {
        /// UPS name as echoed.
        ups: &'a str,
        /// The `desc` from ups.conf.
        desc: Quoted<'a>,
    },
    /// `NUMLOGINS <ups> <n>`: reply to GET NUMLOGINS.
    NumLogins {
        /// UPS name as echoed.
        ups: &'a str,
        /// Clients that did LOGIN to this UPS.
        count: u64,
    },
    /// `UPS <ups> "<desc>"`: item of LIST UPS.
    Ups {
        /// UPS name.
        ups: &'a str,
        /// Description (`Description unavailable` when unset).
        desc: Quoted<'a>,
    },
    /// `RW <ups> <var> "<value>"`: item of LIST RW.
    Rw {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// Current value.
        value: Quoted<'a>,
    },
    /// `CMD <ups> <cmd>`: item of LIST CMD.
    Cmd {
        /// UPS name.
        ups: &'a str,
        /// Instant command name.
        cmd: &'a str,
    },
    /// `ENUM <ups> <var> "<value>"`: item of LIST ENUM.
    Enum {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// One allowed value.
        value: Quoted<'a>,
    },
    /// `RANGE <ups> <var> "<min>" "<max>"`: item of LIST RANGE.
    Range {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// Lower bound (an integer in upsd).
        min: Quoted<'a>,
        /// Upper bound.
        max: Quoted<'a>,
    },
    /// `CLIENT <ups> <address>`: item of LIST CLIENT.
    Client {
        /// UPS name.
        ups: &'a str,
        /// The client's IP address (IPv6 without brackets).
        addr: &'a str,
    },
    /// `BEGIN LIST <what>`: a list block starts.
    BeginList(ListHeader<'a>),
    /// `END LIST <what>`: a list block ends.
    EndList(ListHeader<'a>),
    /// `OK …`: success.
    Ok(OkReply<'a>),
    /// `ERR <code> [<extra>]`: failure.
    Err {
        /// The error code.
        code: ErrCode,
        /// Anything after the code, raw (released upsd sends none).
        extra: Option<&'a [u8]>,
    },
    /// Any other line, verbatim (without `\r`): VER, NETVER, PROTVER, HELP, GET TRACKING replies.
    Text(&'a [u8]),
}

impl<'a> Reply<'a> {
    /// For a list item line, the header of the list it belongs to (kind, UPS, and the variable for
    /// ENUM/RANGE); `None` for any other line. `VAR`/`RW` lines give no variable in the header: a
    /// `LIST VAR` covers all of them.
    pub fn list_item(&self) -> Option<ListHeader<'a>> {
        let (kind, ups, var) = match *self {
            Reply::Ups { .. } => (ListKind::Ups, None, None),
            Reply::Var { ups, .. } => (ListKind::Var, Some(ups), None),
            Reply::Rw { ups, .. } => (ListKind::Rw, Some(ups), None),
            Reply::Cmd { ups, .. } => (ListKind::Cmd, Some(ups), None),
            Reply::Client { ups, .. } => (ListKind::Client, Some(ups), None),
            Reply::Enum { ups, var, .. } => (ListKind::Enum, Some(ups), Some(var)),
            Reply::Range { ups, var, .. } => (ListKind::Range, Some(ups), Some(var)),
            _ => return None,
        };
        Some(ListHeader { kind, ups, var })
    }

    /// Whether this line is an item of `list` (kind and names match, names ignoring ASCII case).
    /// A client framing `LIST VAR pi` accepts item lines while this holds and stops at the
    /// `END LIST` whose header [`ListHeader::matches`] its request.
    pub fn belongs_to(&self, list: &ListHeader<'_>) -> bool {
        self.list_item().is_some_and(|h| h.matches(list))
    }

    /// True when this is `END LIST` for `list`.
    pub fn ends(&self, list: &ListHeader<'_>) -> bool {
        matches!(self, Reply::EndList(h) if h.matches(list))
    }

    /// True when this is `BEGIN LIST` for `list`.
    pub fn begins(&self, list: &ListHeader<'_>) -> bool {
        matches!(self, Reply::BeginList(h) if h.matches(list))
    }
}

/// Parses one reply line with the [`DEFAULT_MAX_LINE`] bound. `line` excludes the `\n`; a trailing
/// `\r` is stripped.
pub fn parse_reply(line: &[u8]) -> Result<Reply<'_>, ReplyError> {
    parse_reply_with_limit(line, DEFAULT_MAX_LINE)
}

/// Parses one reply line, rejecting lines longer than `max` bytes before looking at them.
#[inline]
pub fn parse_reply_with_limit(line: &[u8], max: usize) -> Result<Reply<'_>, ReplyError> {
    if line.len() > max {
        return Err(ReplyError::TooLong {
            len: line.len(),
            max,
        });
    }
    match fast::parse(line) {
        Some(reply) => Ok(reply),
        None => grammar(line),
    }
}

/// The nom grammar alone, without the fast path: the reference [`parse_reply_with_limit`] must agree
/// with. Public only so the differential tests and benches outside the crate can call it.
#[doc(hidden)]
pub fn parse_reply_grammar(line: &[u8], max: usize) -> Result<Reply<'_>, ReplyError> {
    if line.len() > max {
        return Err(ReplyError::TooLong {
            len: line.len(),
            max,
        });
    }
    grammar(line)
}

/// Every reply line of `body`, parsed in order with the [`DEFAULT_MAX_LINE`] bound: for a whole
/// `BEGIN LIST … END LIST` block (or any run of replies) already in memory, so a caller need not split
/// lines itself.
///
/// Lines end at `\n` (found with memchr; a `\r` before it is stripped as by [`parse_reply`]). A last
/// piece without `\n` is parsed too when it is not empty, so `b"OK"` and `b"OK\n"` both yield one reply.
/// Nothing is allocated: each [`Reply`] borrows from `body`.
pub fn lines(body: &[u8]) -> ReplyLines<'_> {
    ReplyLines {
        rest: body,
        max: DEFAULT_MAX_LINE,
    }
}

/// Iterator over the replies in a buffer, from [`lines`].
#[derive(Debug, Clone)]
pub struct ReplyLines<'a> {
    rest: &'a [u8],
    max: usize,
}

impl<'a> ReplyLines<'a> {
    /// Uses `max` instead of [`DEFAULT_MAX_LINE`] as the bound on each line (as
    /// [`parse_reply_with_limit`]).
    pub fn with_limit(self, max: usize) -> Self {
        ReplyLines { max, ..self }
    }
}

impl<'a> Iterator for ReplyLines<'a> {
    type Item = Result<Reply<'a>, ReplyError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let line = match memchr::memchr(b'\n', self.rest) {
            Some(end) => {
                let (line, tail) = self.rest.split_at(end);
                self.rest = tail.get(1..).unwrap_or_default();
                line
            }
            None => std::mem::take(&mut self.rest),
        };
        Some(parse_reply_with_limit(line, self.max))
    }
}

impl std::iter::FusedIterator for ReplyLines<'_> {}

/// The fast path for canonical list items (see the module docs): `Some` only for a line whose meaning
/// it is sure of, `None` to hand the line to the grammar.
mod fast {
    use super::{Quoted, Reply};
    #[cfg(doc)]
    use crate::quote;

    /// `NAME` for the bytes a name may hold on the fast path: printable ASCII but the space (0x21-0x7e).
    /// Such a byte is never a blank for the grammar and a run of them is always UTF-8.
    const NAME: u8 = 1;

    const fn classes() -> [u8; 256] {
        let mut t = [0u8; 256];
        let mut b = 0x21;
        while b < 0x7f {
            t[b] = NAME;
            b += 1;
        }
        t
    }

    static CLASS: [u8; 256] = classes();

    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    /// Bit 7 of each byte of `w` that is not a name byte (< 0x21, 0x7f or >= 0x80). Each byte's sums
    /// stay below 0x100, so no carry crosses into the next byte and the mask is exact.
    #[inline(always)]
    fn non_name_mask(w: u64) -> u64 {
        let low7 = w & !HIGH;
        let at_least_21 = low7.wrapping_add(0x5f * LOW) & HIGH;
        let is_7f = low7.wrapping_add(LOW) & HIGH;
        (w & HIGH) | (!at_least_21 & HIGH) | is_7f
    }

    /// Length of the run of name bytes at the start of `s`: eight bytes per step (names are 10-40
    /// bytes), the table for the last few.
    #[inline(always)]
    pub(super) fn name_len(s: &[u8]) -> usize {
        let mut at = 0usize;
        while let Some(chunk) = s.get(at..at + 8) {
            let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
                break; // invariant: a slice of 8 always converts; break keeps this total anyway.
            };
            let bad = non_name_mask(u64::from_le_bytes(bytes));
            if bad != 0 {
                return at + (bad.trailing_zeros() / 8) as usize;
            }
            at += 8;
        }
        let tail = s.get(at..).unwrap_or_default();
        // invariant: a u8 index into a 256-entry table is always in bounds.
        at + tail
            .iter()
            .position(|&b| CLASS[usize::from(b)] != NAME)
            .unwrap_or(tail.len())
    }

    /// Bit 7 of each byte of `w` equal to `"` or `\\` (exact: the zero-byte test used is the one
    /// without carries between bytes).
    #[inline(always)]
    fn quote_or_backslash_mask(w: u64) -> u64 {
        let zero = |x: u64| !(((x & !HIGH).wrapping_add(!HIGH)) | x | !HIGH);
        zero(w ^ (u64::from(b'"') * LOW)) | zero(w ^ (u64::from(b'\\') * LOW))
    }

    /// Index of the closing quote in `s` (just after the opening one), as
    /// [`quote::find_closing_quote`] but eight bytes per step: values in a list are mostly a few bytes,
    /// too short for memchr's vector loop to pay for its setup.
    #[inline(always)]
    fn closing_quote(s: &[u8]) -> Option<usize> {
        let mut at = 0usize;
        loop {
            let hit = match s.get(at..at + 8).map(<[u8; 8]>::try_from) {
                Some(Ok(bytes)) => {
                    let m = quote_or_backslash_mask(u64::from_le_bytes(bytes));
                    if m == 0 {
                        at += 8;
                        continue;
                    }
                    at + (m.trailing_zeros() / 8) as usize
                }
                _ => at + s.get(at..)?.iter().position(|&b| b == b'"' || b == b'\\')?,
            };
            match s.get(hit)? {
                b'"' => return Some(hit),
                // A backslash: skip it and the byte it escapes.
                _ => at = hit + 2,
            }
        }
    }

    /// `"<raw>"` that ends exactly at the end of `s`.
    #[inline(always)]
    fn quoted_to_end(s: &[u8]) -> Option<Quoted<'_>> {
        let inner = s.strip_prefix(b"\"")?;
        let close = closing_quote(inner)?;
        if close + 1 != inner.len() {
            return None;
        }
        inner.get(..close).map(Quoted::from_raw)
    }

    /// The run of name bytes at the start of `s`, as text, and the bytes after it.
    ///
    /// This is the one `unsafe` block of the parser, and the reason the fast path is fast enough:
    /// `std::str::from_utf8` on the two names cost ~130 of the ~460 instructions a `VAR` line took,
    /// re-checking bytes [`name_len`] has just proved to be printable ASCII.
    #[inline(always)]
    fn take_name(s: &[u8]) -> (&str, &[u8]) {
        let (name, rest) = s.split_at_checked(name_len(s)).unwrap_or((&[], s));
        #[allow(unsafe_code)]
        // SAFETY: `name_len` counts only bytes in 0x21..=0x7e (its mask flags every other byte value
        // exactly, and the table holds NAME for exactly that range), so `name` is ASCII, hence UTF-8.
        // The differential proptests feed non-ASCII and invalid UTF-8 through here.
        let name = unsafe { std::str::from_utf8_unchecked(name) };
        (name, rest)
    }

    /// `<a> <b>` then, when `then_value`, ` "<value>"` (what follows is returned unchecked).
    #[inline(always)]
    fn two_names(s: &[u8], then_value: bool) -> Option<(&str, &str, &[u8])> {
        let (a, rest) = take_name(s);
        let rest = rest.strip_prefix(b" ")?;
        let (b, rest) = take_name(rest);
        if a.is_empty() || b.is_empty() {
            return None;
        }
        let tail = if then_value {
            rest.strip_prefix(b" ")?
        } else if rest.is_empty() {
            rest
        } else {
            return None;
        };
        Some((a, b, tail))
    }

    #[inline]
    pub(super) fn parse(line: &[u8]) -> Option<Reply<'_>> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match line.first()? {
            b'V' => {
                let (ups, var, tail) = two_names(line.strip_prefix(b"VAR ")?, true)?;
                let value = quoted_to_end(tail)?;
                Some(Reply::Var { ups, var, value })
            }
            b'R' => {
                let (ups, var, tail) = two_names(line.strip_prefix(b"RW ")?, true)?;
                let value = quoted_to_end(tail)?;
                Some(Reply::Rw { ups, var, value })
            }
            b'E' => {
                let (ups, var, tail) = two_names(line.strip_prefix(b"ENUM ")?, true)?;
                let value = quoted_to_end(tail)?;
                Some(Reply::Enum { ups, var, value })
            }
            b'C' => {
                let (ups, cmd, _) = two_names(line.strip_prefix(b"CMD ")?, false)?;
                Some(Reply::Cmd { ups, cmd })
            }
            b'U' => {
                let (ups, rest) = take_name(line.strip_prefix(b"UPS ")?);
                if ups.is_empty() {
                    return None;
                }
                let desc = quoted_to_end(rest.strip_prefix(b" ")?)?;
                Some(Reply::Ups { ups, desc })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod fast_tests {
    use super::fast::name_len;

    /// The `unsafe` in `take_name` rests on this: every byte value, at every offset of the SWAR words
    /// and of the table tail, ends a name exactly when it is outside 0x21..=0x7e.
    #[test]
    fn name_len_stops_at_exactly_the_non_name_bytes() {
        for len in 1..=20usize {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    let want = if (0x21..=0x7e).contains(&b) { len } else { at };
                    assert_eq!(name_len(&s), want, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        assert_eq!(name_len(b""), 0);
    }
}

/// The nom grammar for one line already within the length bound.
fn grammar(line: &[u8]) -> Result<Reply<'_>, ReplyError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let body = trim_blanks(line);
    let Ok((rest, keyword)) = word(body) else {
        // Empty or blank line: some servers answer VER with nothing.
        return Ok(Reply::Text(line));
    };
    match keyword {
        b"VAR" => {
            parse_value_item(rest, "VAR").map(|(ups, var, value)| Reply::Var { ups, var, value })
        }
        b"RW" => {
            parse_value_item(rest, "RW").map(|(ups, var, value)| Reply::Rw { ups, var, value })
        }
        b"ENUM" => {
            parse_value_item(rest, "ENUM").map(|(ups, var, value)| Reply::Enum { ups, var, value })
        }
        b"DESC" => {
            parse_value_item(rest, "DESC").map(|(ups, var, desc)| Reply::Desc { ups, var, desc })
        }
        b"CMDDESC" => parse_value_item(rest, "CMDDESC").map(|(ups, cmd, desc)| Reply::CmdDesc {
            ups,
            cmd,
            desc,
        }),
        b"UPSDESC" => {
            parse_ups_quoted(rest, "UPSDESC").map(|(ups, desc)| Reply::UpsDesc { ups, desc })
        }
        b"UPS" => parse_ups_quoted(rest, "UPS").map(|(ups, desc)| Reply::Ups { ups, desc }),
        b"TYPE" => parse_type(rest),
        b"NUMLOGINS" => parse_numlogins(rest),
        b"CMD" => parse_two_names(rest, "CMD").map(|(ups, cmd)| Reply::Cmd { ups, cmd }),
        b"CLIENT" => parse_two_names(rest, "CLIENT").map(|(ups, addr)| Reply::Client { ups, addr }),
        b"RANGE" => parse_range(rest),
        b"BEGIN" => parse_list_header(rest, "BEGIN").map(Reply::BeginList),
        b"END" => parse_list_header(rest, "END").map(Reply::EndList),
        b"OK" => Ok(Reply::Ok(parse_ok(rest))),
        b"ERR" => parse_err(rest),
        _ => Ok(Reply::Text(line)),
    }
}

type In<'a> = &'a [u8];
type PResult<'a, T> = IResult<In<'a>, T>;

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_blanks(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_blank(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_blank(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// One bare word (any bytes up to a blank). memchr finds the end: names are 10-40 bytes and a
/// byte-at-a-time scan was the parser's hottest loop.
fn word(i: In<'_>) -> PResult<'_, In<'_>> {
    let end = memchr::memchr2(b' ', b'\t', i).unwrap_or(i.len());
    if end == 0 {
        return take_till1(is_blank)(i);
    }
    let (w, rest) = i.split_at(end);
    Ok((rest, w))
}

/// Blanks then a bare word.
fn next_word(i: In<'_>) -> PResult<'_, In<'_>> {
    let (i, _) = take_while1(is_blank)(i)?;
    word(i)
}

/// Blanks then a UTF-8 name (UPS, variable, command, address).
fn name(i: In<'_>) -> PResult<'_, &str> {
    map_res(next_word, std::str::from_utf8).parse(i)
}

/// Blanks then a value: `"…"` with escapes, or (from lenient servers) a bare word.
fn value(i: In<'_>) -> PResult<'_, Quoted<'_>> {
    let (i, _) = take_while1(is_blank)(i)?;
    if let Ok((after_open, _)) = tag::<_, _, nom::error::Error<In<'_>>>(&b"\""[..])(i) {
        match quote::find_closing_quote(after_open) {
            Some(end) => {
                let (raw, rest) = after_open.split_at(end);
                // `rest` starts with the closing quote; skip it.
                let rest = rest.get(1..).unwrap_or_default();
                Ok((rest, Quoted::from_raw(raw)))
            }
            None => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Char,
            ))),
        }
    } else {
        word(i).map(|(rest, w)| (rest, Quoted::from_raw(w)))
    }
}

/// Optional trailing blanks, then the end of the line.
fn end(i: In<'_>) -> PResult<'_, ()> {
    let (i, _) = take_while(is_blank)(i)?;
    let (i, _) = eof(i)?;
    Ok((i, ()))
}

fn malformed(keyword: &'static str, expected: &'static str) -> ReplyError {
    ReplyError::Malformed { keyword, expected }
}

fn parse_value_item<'a>(
    i: In<'a>,
    keyword: &'static str,
) -> Result<(&'a str, &'a str, Quoted<'a>), ReplyError> {
    (name, name, value, end)
        .parse(i)
        .map(|(_, (ups, var, v, ()))| (ups, var, v))
        .map_err(|_| malformed(keyword, "<ups> <name> \"<value>\""))
}

fn parse_ups_quoted<'a>(
    i: In<'a>,
    keyword: &'static str,
) -> Result<(&'a str, Quoted<'a>), ReplyError> {
    (name, value, end)
        .parse(i)
        .map(|(_, (ups, v, ()))| (ups, v))
        .map_err(|_| malformed(keyword, "<ups> \"<text>\""))
}

fn parse_two_names<'a>(i: In<'a>, keyword: &'static str) -> Result<(&'a str, &'a str), ReplyError> {
    (name, name, end)
        .parse(i)
        .map(|(_, (a, b, ()))| (a, b))
        .map_err(|_| malformed(keyword, "<ups> <name>"))
}

fn parse_numlogins(i: In<'_>) -> Result<Reply<'_>, ReplyError> {
    let digits = |i| {
        let (i, _) = take_while1(is_blank)(i)?;
        map_res(take_while1(|b: u8| b.is_ascii_digit()), |d: In<'_>| {
            // invariant: only ASCII digits were taken, so this is valid UTF-8.
            std::str::from_utf8(d)
                .map_err(|_| ())
                .and_then(|s| s.parse::<u64>().map_err(|_| ()))
        })
        .parse(i)
    };
    (name, digits, end)
        .parse(i)
        .map(|(_, (ups, count, ()))| Reply::NumLogins { ups, count })
        .map_err(|_| malformed("NUMLOGINS", "<ups> <count>"))
}

fn parse_range(i: In<'_>) -> Result<Reply<'_>, ReplyError> {
    (name, name, value, value, end)
        .parse(i)
        .map(|(_, (ups, var, min, max, ()))| Reply::Range { ups, var, min, max })
        .map_err(|_| malformed("RANGE", "<ups> <var> \"<min>\" \"<max>\""))
}

fn parse_type(i: In<'_>) -> Result<Reply<'_>, ReplyError> {
    let bad = || malformed("TYPE", "<ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER");
    let (mut rest, (ups, var)) = (name, name).parse(i).map_err(|_| bad())?;
    let mut ty = VarType {
        rw: false,
        enumerated: false,
        range: false,
        kind: ValueKind::Number,
    };
    while let Ok((after, flag)) = next_word(rest) {
        rest = after;
        match flag {
            b"RW" => ty.rw = true,
            b"ENUM" => ty.enumerated = true,
            b"RANGE" => ty.range = true,
            b"NUMBER" => ty.kind = ValueKind::Number,
            _ => {
                if let Some(n) = flag.strip_prefix(b"STRING:") {
                    let max_len = std::str::from_utf8(n)
                        .ok()
                        .and_then(|s| s.parse::<u32>().ok())
                        .ok_or_else(bad)?;
                    ty.kind = ValueKind::String { max_len };
                }
                // Other flags: unknown to this crate, ignored (see `VarType`).
            }
        }
    }
    end(rest).map_err(|_| bad())?;
    Ok(Reply::Type { ups, var, ty })
}

fn parse_list_header<'a>(i: In<'a>, keyword: &'static str) -> Result<ListHeader<'a>, ReplyError> {
    let bad = || {
        malformed(
            keyword,
            "LIST <UPS|VAR|RW|CMD|ENUM|RANGE|CLIENT> [<ups> [<var>]]",
        )
    };
    let (i, _) =
        take_while1(is_blank)(i).map_err(|_: nom::Err<nom::error::Error<In<'a>>>| bad())?;
    let (i, _) = tag::<_, _, nom::error::Error<In<'a>>>(&b"LIST"[..])(i).map_err(|_| bad())?;
    let (i, kind_word) = next_word(i).map_err(|_| bad())?;
    let kind = match kind_word {
        b"UPS" => ListKind::Ups,
        b"VAR" => ListKind::Var,
        b"RW" => ListKind::Rw,
        b"CMD" => ListKind::Cmd,
        b"ENUM" => ListKind::Enum,
        b"RANGE" => ListKind::Range,
        b"CLIENT" => ListKind::Client,
        _ => return Err(bad()),
    };
    let (i, ups) = if kind.takes_ups() {
        let (i, ups) = name(i).map_err(|_| bad())?;
        (i, Some(ups))
    } else {
        (i, None)
    };
    let (i, var) = if kind.takes_var() {
        let (i, var) = name(i).map_err(|_| bad())?;
        (i, Some(var))
    } else {
        (i, None)
    };
    end(i).map_err(|_| bad())?;
    Ok(ListHeader { kind, ups, var })
}

fn parse_ok(i: In<'_>) -> OkReply<'_> {
    let rest = trim_blanks(i);
    match rest {
        b"" => OkReply::Plain,
        b"Goodbye" => OkReply::Goodbye,
        b"FSD-SET" => OkReply::FsdSet,
        b"STARTTLS" => OkReply::StartTls,
        b"PRIMARY-GRANTED" => OkReply::PrimaryGranted,
        b"MASTER-GRANTED" => OkReply::MasterGranted,
        _ => {
            let tracking: PResult<'_, (In<'_>, &str, ())> =
                (tag(&b"TRACKING"[..]), name, end).parse(rest);
            match tracking {
                Ok((_, (_, id, ()))) => OkReply::Tracking(id),
                Err(_) => OkReply::Other(rest),
            }
        }
    }
}

fn parse_err(i: In<'_>) -> Result<Reply<'_>, ReplyError> {
    let (rest, code) = next_word(i).map_err(|_| malformed("ERR", "<CODE> [<extra>]"))?;
    let code = match std::str::from_utf8(code) {
        Ok(s) => ErrCode::parse(s),
        Err(_) => ErrCode::Other(String::from_utf8_lossy(code).into_owned()),
    };
    let extra = trim_blanks(rest);
    let extra = (!extra.is_empty()).then_some(extra);
    Ok(Reply::Err { code, extra })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_line() {
        let r = parse_reply(b"VAR pi ups.status \"OL CHRG\"").unwrap();
        match r {
            Reply::Var { ups, var, value } => {
                assert_eq!((ups, var), ("pi", "ups.status"));
                assert_eq!(value.raw(), b"OL CHRG");
                assert!(matches!(value.unescape(), Cow::Borrowed(_)));
            }
            other => panic!("{other:?}"),
        }
    }
}
