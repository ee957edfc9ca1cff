//! NUT's word syntax, once for the workspace: the parseconf tokenizer ([`scan_line`], which upsd's
//! request reader and nut-config's files both use) and the word encoder ([`push_word`], used by the
//! command encoder and by nut-config's editor).
//!
//! NUT escapes with a backslash: inside or outside quotes, `\x` stands for the byte `x` (there are no C
//! escapes: `\n` is the letter `n`). upsd's tokenizer (and `pconf_encode`) treat exactly `\`, `"` and `#`
//! as special, so those three are always escaped here. A word is wrapped in double quotes when it would
//! otherwise be split or lost: when it is empty, contains whitespace, or contains `=` (which upsd's
//! tokenizer turns into a word of its own outside quotes).
//!
//! ```text
//! value              on the wire
//! ups.status         ups.status
//! OL CHRG            "OL CHRG"
//! (empty)            ""
//! a"b\c#d            a\"b\\c\#d
//! x=1                "x=1"
//! ```
//!
//! Every function here is total: no byte sequence makes them panic. Forbidden bytes (LF, CR, NUL) are
//! the caller's business (see [`crate::command::EncodeError`]); this module only escapes.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Bytes that upsd's tokenizer treats as word separators outside quotes (C `isspace` without LF).
pub(crate) fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Whether `word` must be wrapped in double quotes to arrive as one word: empty, or containing
/// whitespace or `=`.
pub fn needs_quotes(word: &[u8]) -> bool {
    word.is_empty() || classify(word) & NEEDS_QUOTES != 0
}

/// [`classify`] bit: the word holds `\`, `"` or `#`.
pub(crate) const NEEDS_ESCAPE: u8 = 1;
/// [`classify`] bit: the word holds whitespace or `=`.
pub(crate) const NEEDS_QUOTES: u8 = 2;
/// [`classify`] bit: the word holds LF, CR or NUL, which no quoting can carry.
pub(crate) const FORBIDDEN: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'\\' as usize] = NEEDS_ESCAPE;
    t[b'"' as usize] = NEEDS_ESCAPE;
    t[b'#' as usize] = NEEDS_ESCAPE;
    t[b' ' as usize] = NEEDS_QUOTES;
    t[b'\t' as usize] = NEEDS_QUOTES;
    t[0x0b] = NEEDS_QUOTES;
    t[0x0c] = NEEDS_QUOTES;
    t[b'=' as usize] = NEEDS_QUOTES;
    t[b'\n' as usize] = FORBIDDEN | NEEDS_QUOTES;
    t[b'\r' as usize] = FORBIDDEN | NEEDS_QUOTES;
    t[0] = FORBIDDEN;
    t
}

static BYTE_CLASSES: [u8; 256] = byte_classes();

/// One pass over `word` answering all three questions the encoder asks (escape? quote? refuse?),
/// as an OR of [`NEEDS_ESCAPE`], [`NEEDS_QUOTES`] and [`FORBIDDEN`].
pub(crate) fn classify(word: &[u8]) -> u8 {
    // invariant: a u8 index into a 256-entry table is always in bounds.
    word.iter()
        .fold(0, |acc, &b| acc | BYTE_CLASSES[usize::from(b)])
}

/// Appends `word` with `\`, `"` and `#` backslash-escaped, without surrounding quotes.
pub(crate) fn escape_into(word: &[u8], out: &mut Vec<u8>) {
    let mut rest = word;
    // Copy escape-free runs in one go; most values have no special byte at all.
    while let Some(pos) = memchr::memchr3(b'\\', b'"', b'#', rest) {
        let (run, tail) = rest.split_at(pos);
        out.extend_from_slice(run);
        if let Some((&special, after)) = tail.split_first() {
            out.push(b'\\');
            out.push(special);
            rest = after;
        } else {
            // invariant: memchr3 returned an index inside `rest`, so `tail` is non-empty.
            rest = &[];
        }
    }
    out.extend_from_slice(rest);
}

/// Appends `"word"` with escapes: the form upsd uses for every value in a reply.
pub fn push_quoted(word: &[u8], out: &mut Vec<u8>) {
    out.reserve(word.len() + 2);
    out.push(b'"');
    escape_into(word, out);
    out.push(b'"');
}

/// Appends `word` as one protocol word: escaped, and quoted only when [`needs_quotes`] says so. This is
/// what the command encoder uses for every argument.
pub fn push_word(word: &[u8], out: &mut Vec<u8>) {
    let class = classify(word);
    let quoted = word.is_empty() || class & NEEDS_QUOTES != 0;
    if quoted {
        out.push(b'"');
    }
    if class & NEEDS_ESCAPE != 0 {
        escape_into(word, out);
    } else {
        out.extend_from_slice(word);
    }
    if quoted {
        out.push(b'"');
    }
}

/// Removes backslash escapes from the raw bytes between a pair of quotes: `\x` becomes `x`. A lone
/// trailing backslash is kept as is. Borrows (no allocation) when there is no backslash.
pub fn unescape(raw: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\\', raw) else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(raw.get(..first).unwrap_or_default());
    let mut iter = raw.get(first..).unwrap_or_default().iter();
    while let Some(&b) = iter.next() {
        if b == b'\\' {
            match iter.next() {
                Some(&next) => out.push(next),
                None => out.push(b'\\'),
            }
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// Finds the closing quote of a quoted word. `s` starts just after the opening `"`; the result is the
/// index of the closing `"` in `s` (escaped quotes `\"` are skipped), or `None` if it never closes.
#[inline]
pub(crate) fn find_closing_quote(s: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    loop {
        let rest = s.get(at..)?;
        let pos = memchr::memchr2(b'"', b'\\', rest)?;
        let abs = at + pos;
        match s.get(abs) {
            Some(b'"') => return Some(abs),
            // A backslash: skip it and the byte it escapes.
            _ => at = abs + 2,
        }
    }
}

/// Lossy text view of possibly-escaped raw bytes: unescapes, then replaces invalid UTF-8 with U+FFFD.
/// Borrows when the bytes need neither step.
pub fn unescape_lossy(raw: &[u8]) -> Cow<'_, str> {
    match unescape(raw) {
        Cow::Borrowed(b) => String::from_utf8_lossy(b),
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    }
}

/// NUT's parseconf keeps at most this many words per line (upsd's requests and every config file but
/// nut.conf) and silently drops the rest; [`scan_line`] drops them too and says where they began.
pub const MAX_WORDS: usize = 32;

/// One word found by [`scan_line`].
#[derive(Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// Byte range of the word as written (quotes included) in the scanned input.
    pub span: Range<usize>,
    /// The word after unquoting and unescaping (an LF inside quotes and `\` + LF are dropped). Borrows
    /// from the input unless an escape or a dropped LF forced a copy.
    pub text: Cow<'a, [u8]>,
    /// The word was written in double quotes.
    pub quoted: bool,
    /// The bare `=` that parseconf always makes a word of its own.
    pub equals: bool,
    /// Unescaped LFs inside the quotes: the word runs over this many extra physical lines.
    pub newlines: usize,
}

impl fmt::Debug for Word<'_> {
    // Words are what a careless `{:?}` would leak (passwords): the text is never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Word")
            .field("span", &self.span)
            .field("len", &self.text.len())
            .field("quoted", &self.quoted)
            .finish_non_exhaustive()
    }
}

/// How the logical line that [`scan_line`] read came to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    /// At an unescaped LF outside quotes, or at the end of the input.
    Complete,
    /// The input ended inside quotes (opened at byte `start`); `escape` says a backslash was pending.
    /// upsd and parseconf keep reading the next line into the word.
    OpenQuote {
        /// Offset of the opening `"`.
        start: usize,
        /// The last byte was an escaping backslash.
        escape: bool,
    },
    /// The input ended with a backslash outside quotes, which escapes the next line's first byte.
    DanglingEscape,
    /// An unescaped `#` inside quotes at byte `at`: parseconf rejects the line. The word read up to
    /// there was reported; the rest of the physical line is skipped.
    HashInQuotes {
        /// Offset of the `#`.
        at: usize,
    },
}

/// What [`scan_line`] found besides the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// Bytes consumed, the terminating LF included.
    pub len: usize,
    /// The line ended at an LF (not at the end of the input).
    pub terminated: bool,
    /// Span of the comment, `#` included, LF excluded.
    pub comment: Option<Range<usize>>,
    /// How the line ended.
    pub end: LineEnd,
    /// Offset of the first word beyond [`MAX_WORDS`] (those words were not reported).
    pub dropped_from: Option<usize>,
}

struct Sink<F> {
    on_word: F,
    count: usize,
    dropped_from: Option<usize>,
}

impl<'a, F: FnMut(Word<'a>)> Sink<F> {
    fn word(&mut self, w: Word<'a>) {
        if self.count < MAX_WORDS {
            self.count += 1;
            (self.on_word)(w);
        } else if self.dropped_from.is_none() {
            self.dropped_from = Some(w.span.start);
        }
    }

    fn done(
        self,
        len: usize,
        terminated: bool,
        comment: Option<Range<usize>>,
        end: LineEnd,
    ) -> Scanned {
        Scanned {
            len,
            terminated,
            comment,
            end,
            dropped_from: self.dropped_from,
        }
    }
}

/// The word text from `start` up to `j`, borrowed unless `owned` was started.
fn text_of(input: &[u8], start: usize, j: usize, owned: Option<Vec<u8>>) -> Cow<'_, [u8]> {
    match owned {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(input.get(start..j).unwrap_or_default()),
    }
}

/// The bare word `start..end`.
fn bare(input: &[u8], start: usize, end: usize, owned: Option<Vec<u8>>) -> Word<'_> {
    Word {
        span: start..end,
        text: text_of(input, start, end, owned),
        quoted: false,
        equals: false,
        newlines: 0,
    }
}

/// Starts (or continues) the owned copy of a word at the first byte that differs from the input.
fn owned_from<'v>(
    owned: &'v mut Option<Vec<u8>>,
    input: &[u8],
    start: usize,
    j: usize,
) -> &'v mut Vec<u8> {
    owned.get_or_insert_with(|| input.get(start..j).unwrap_or_default().to_vec())
}

/// NUT's parseconf tokenizer, the one both upsd's request reader and every config file (but nut.conf)
/// use: reads the first logical line of `input` and calls `on_word` for each of its first
/// [`MAX_WORDS`] words, in order. Total on any bytes; always consumes at least one byte of a non-empty
/// input.
///
/// ```text
/// list   ups            -> ["list", "ups"]              blanks (SP TAB CR VT FF) separate, runs collapse
/// GET VAR "pi" "a b"    -> ["GET", "VAR", "pi", "a b"]  a quote at the start of a word opens it
/// ab"c                  -> ["ab\"c"]                    a quote inside a bare word is literal
/// "ab"cd                -> ["ab", "cd"]                 the closing quote ends the word
/// a\"b\\c \#            -> ["a\"b\\c", "#"]             backslash takes the next byte literally
/// a=b                   -> ["a", "=", "b"]              '=' outside quotes is a word of its own
/// GET VAR pi # note     -> ["GET", "VAR", "pi"]         '#' outside quotes starts a comment
/// "a#b"                 -> LineEnd::HashInQuotes        unescaped '#' inside quotes
/// ab\ LF cd             -> ["abcd"]                     backslash + LF continues the line
/// "a LF b"              -> ["ab"], newlines = 1         an LF inside quotes is dropped
/// ```
///
/// Bytes are kept as they are (control and 8-bit bytes included): what a consumer drops or refuses is
/// its own policy.
pub fn scan_line<'a>(input: &'a [u8], on_word: impl FnMut(Word<'a>)) -> Scanned {
    let n = input.len();
    let mut sink = Sink {
        on_word,
        count: 0,
        dropped_from: None,
    };
    let mut i = 0usize;
    while let Some(&b) = input.get(i) {
        match b {
            b'\n' => return sink.done(i + 1, true, None, LineEnd::Complete),
            _ if is_blank(b) => i += 1,
            b'#' => {
                let lf = input
                    .get(i..)
                    .and_then(|rest| memchr::memchr(b'\n', rest))
                    .map(|p| p + i);
                let end = lf.unwrap_or(n);
                let len = lf.map_or(n, |p| p + 1);
                return sink.done(len, lf.is_some(), Some(i..end), LineEnd::Complete);
            }
            b'=' => {
                sink.word(Word {
                    span: i..i + 1,
                    text: Cow::Borrowed(input.get(i..i + 1).unwrap_or_default()),
                    quoted: false,
                    equals: true,
                    newlines: 0,
                });
                i += 1;
            }
            b'\\' if input.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if i + 1 == n => return sink.done(n, false, None, LineEnd::DanglingEscape),
            b'"' => {
                let start = i + 1;
                let mut owned: Option<Vec<u8>> = None;
                let mut newlines = 0usize;
                let mut j = start;
                loop {
                    match input.get(j) {
                        None => {
                            let end = LineEnd::OpenQuote {
                                start: i,
                                escape: false,
                            };
                            return sink.done(n, false, None, end);
                        }
                        Some(b'"') => break,
                        Some(b'#') => {
                            sink.word(Word {
                                span: i..j,
                                text: text_of(input, start, j, owned),
                                quoted: true,
                                equals: false,
                                newlines,
                            });
                            let lf = input
                                .get(j..)
                                .and_then(|rest| memchr::memchr(b'\n', rest))
                                .map(|p| p + j);
                            let len = lf.map_or(n, |p| p + 1);
                            return sink.done(
                                len,
                                lf.is_some(),
                                None,
                                LineEnd::HashInQuotes { at: j },
                            );
                        }
                        Some(b'\\') => match input.get(j + 1) {
                            None => {
                                let end = LineEnd::OpenQuote {
                                    start: i,
                                    escape: true,
                                };
                                return sink.done(n, false, None, end);
                            }
                            Some(b'\n') => {
                                owned_from(&mut owned, input, start, j);
                                j += 2;
                            }
                            Some(&c) => {
                                owned_from(&mut owned, input, start, j).push(c);
                                j += 2;
                            }
                        },
                        Some(b'\n') => {
                            newlines += 1;
                            owned_from(&mut owned, input, start, j);
                            j += 1;
                        }
                        Some(&c) => {
                            if let Some(o) = owned.as_mut() {
                                o.push(c);
                            }
                            j += 1;
                        }
                    }
                }
                sink.word(Word {
                    span: i..j + 1,
                    text: text_of(input, start, j, owned),
                    quoted: true,
                    equals: false,
                    newlines,
                });
                i = j + 1;
            }
            _ => {
                let start = i;
                let mut owned: Option<Vec<u8>> = None;
                let mut j = start;
                while let Some(&c) = input.get(j) {
                    if is_blank(c) || matches!(c, b'#' | b'=' | b'\n') {
                        break;
                    }
                    if c != b'\\' {
                        if let Some(o) = owned.as_mut() {
                            o.push(c);
                        }
                        j += 1;
                        continue;
                    }
                    match input.get(j + 1) {
                        None => {
                            sink.word(bare(input, start, j, owned));
                            return sink.done(n, false, None, LineEnd::DanglingEscape);
                        }
                        Some(b'\n') => {
                            owned_from(&mut owned, input, start, j);
                        }
                        Some(&e) => owned_from(&mut owned, input, start, j).push(e),
                    }
                    j += 2;
                }
                sink.word(bare(input, start, j, owned));
                i = j;
            }
        }
    }
    sink.done(n, false, None, LineEnd::Complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_word(w, &mut out);
        out
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"ups.status", b"ups.status"),
            (b"OL CHRG", b"\"OL CHRG\""),
            (b"", b"\"\""),
            (b"a\"b\\c#d", b"a\\\"b\\\\c\\#d"),
            (b"x=1", b"\"x=1\""),
            (b"tab\there", b"\"tab\there\""),
            (b"\xff\xfe", b"\xff\xfe"),
        ];
        for (input, wire) in cases {
            assert_eq!(word(input), *wire, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn unescape_borrows_without_backslash() {
        assert!(matches!(unescape(b"OL CHRG"), Cow::Borrowed(b"OL CHRG")));
        assert_eq!(&*unescape(b"a\\\"b\\\\c"), b"a\"b\\c");
        assert_eq!(&*unescape(b"end\\"), b"end\\");
        assert_eq!(&*unescape(b"\\n"), b"n");
    }

    #[test]
    fn closing_quote_skips_escapes() {
        assert_eq!(find_closing_quote(b"abc\" rest"), Some(3));
        assert_eq!(find_closing_quote(b"a\\\"b\""), Some(4));
        assert_eq!(find_closing_quote(b"a\\\\\""), Some(3));
        assert_eq!(find_closing_quote(b"never"), None);
        assert_eq!(find_closing_quote(b"trailing\\"), None);
        assert_eq!(find_closing_quote(b"\\"), None);
    }

    #[test]
    fn scan_line_spans_ends_and_limits() {
        let mut got = Vec::new();
        let s = scan_line(b"K = \"a\nb\" c\\\nd # x\nnext", |w| {
            got.push((w.span, w.text.into_owned(), w.quoted, w.equals, w.newlines))
        });
        assert_eq!(
            got,
            [
                (0..1, b"K".to_vec(), false, false, 0),
                (2..3, b"=".to_vec(), false, true, 0),
                (4..9, b"ab".to_vec(), true, false, 1),
                (10..14, b"cd".to_vec(), false, false, 0),
            ]
        );
        assert_eq!((s.len, s.terminated, s.comment), (19, true, Some(15..18)));
        assert_eq!(s.end, LineEnd::Complete);
        let s = scan_line(b"x \"open", |_| {});
        assert_eq!(
            s.end,
            LineEnd::OpenQuote {
                start: 2,
                escape: false
            }
        );
        assert_eq!(scan_line(b"x\\", |_| {}).end, LineEnd::DanglingEscape);
        assert_eq!(scan_line(b"\"a#b\" c\nz", |_| {}).len, 8);
        let many = b"w ".repeat(40);
        let mut count = 0;
        let s = scan_line(&many, |_| count += 1);
        assert_eq!((count, s.dropped_from), (MAX_WORDS, Some(64)));
    }

    #[test]
    fn lossy_view() {
        assert_eq!(unescape_lossy(b"caf\xc3\xa9"), "café");
        assert_eq!(unescape_lossy(b"a\\\"\xff"), "a\"\u{fffd}");
    }
}
