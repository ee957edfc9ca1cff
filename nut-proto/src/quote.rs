//! The one quoting/unquoting routine both directions use.
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

/// Bytes that upsd's tokenizer treats as word separators outside quotes (C `isspace` without LF).
pub fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Bytes that must be preceded by a backslash so upsd reads them literally.
pub fn needs_escape(b: u8) -> bool {
    matches!(b, b'\\' | b'"' | b'#')
}

/// Whether `word` must be wrapped in double quotes to arrive as one word: empty, or containing
/// whitespace or `=`.
pub fn needs_quotes(word: &[u8]) -> bool {
    word.is_empty() || classify(word) & NEEDS_QUOTES != 0
}

/// [`classify`] bit: the word holds `\`, `"` or `#`.
pub const NEEDS_ESCAPE: u8 = 1;
/// [`classify`] bit: the word holds whitespace or `=`.
pub const NEEDS_QUOTES: u8 = 2;
/// [`classify`] bit: the word holds LF, CR or NUL, which no quoting can carry.
pub const FORBIDDEN: u8 = 4;

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
pub fn classify(word: &[u8]) -> u8 {
    // invariant: a u8 index into a 256-entry table is always in bounds.
    word.iter()
        .fold(0, |acc, &b| acc | BYTE_CLASSES[usize::from(b)])
}

/// Appends `word` with `\`, `"` and `#` backslash-escaped, without surrounding quotes.
pub fn escape_into(word: &[u8], out: &mut Vec<u8>) {
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
pub fn find_closing_quote(s: &[u8]) -> Option<usize> {
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
    fn lossy_view() {
        assert_eq!(unescape_lossy(b"caf\xc3\xa9"), "café");
        assert_eq!(unescape_lossy(b"a\\\"\xff"), "a\"\u{fffd}");
    }
}
