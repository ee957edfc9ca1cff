//! Tokenizers for NUT config files: NUT's "parseconf" rules and nut.conf's shell form.
//!
//! Both work one *logical* line at a time over a byte slice and report tokens with byte spans relative
//! to the start of that line, so the document can keep the raw bytes and still point at a word.
//!
//! parseconf (every file except nut.conf), as NUT's own state machine reads it:
//!
//! ```text
//! line   = { WS } [ word { WS+ word } ] { WS } [ "#" comment ] ( LF | EOF )
//! word   = "=" | '"' { "\" any | any-but('"' '\' '#') } '"' | bchar { bchar }
//! bchar  = "\" any | any-but(WS LF "#" "=" "\")          ('"' inside a bare word is literal)
//! WS     = SP TAB CR VT FF
//! ```
//!
//! `\` + LF continues the logical line; an open quote continues it too (NUT drops the LF). `#` inside
//! quotes makes NUT reject the line. Control and non-ASCII bytes are dropped from words. NUT keeps 32
//! words per line and 512 characters per word; we keep the same bounds, which also bounds what a hostile
//! file can make us allocate per line.
//!
//! nut.conf is read by shells and systemd, not by NUT's tokenizer: `NAME=value` with no spaces around
//! `=`, values bare, `"double"` (with `\` escapes) or `'single'` quoted, `#` comments.

use std::ops::Range;

use crate::error::{ErrorKind, Severity};

/// NUT's limit on characters per word (extra ones are silently dropped by NUT).
pub const MAX_WORD_LEN: usize = 512;
/// NUT's limit on words per line (extra ones are silently dropped by NUT).
pub const MAX_WORDS: usize = 32;

/// One word of a config line.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub(crate) text: String,
    pub(crate) span: Range<usize>,
    pub(crate) quoted: bool,
    pub(crate) equals: bool,
    pub(crate) secret: bool,
}

impl Token {
    /// The word after unquoting and unescaping: what NUT's consumers see.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// Byte range of the word as written (quotes included) within its line's raw text.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
    /// True if the word was written in quotes.
    pub fn is_quoted(&self) -> bool {
        self.quoted
    }
    /// True for the bare `=` that parseconf always makes its own word.
    pub fn is_equals(&self) -> bool {
        self.equals
    }
    /// True if the word holds a secret (password, community…) and must never be shown.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: &str = if self.secret {
            crate::secret::REDACTED
        } else {
            &self.text
        };
        f.debug_struct("Token")
            .field("text", &text)
            .field("span", &self.span)
            .field("quoted", &self.quoted)
            .finish()
    }
}

/// A finding made while tokenizing, at a byte offset within the logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub(crate) at: usize,
    pub(crate) severity: Severity,
    pub(crate) kind: ErrorKind,
}

/// One logical line, tokenized.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexed {
    /// Bytes consumed, line terminator included.
    pub(crate) len: usize,
    pub(crate) tokens: Vec<Token>,
    /// Span of the comment, `#` included, line terminator excluded.
    pub(crate) comment: Option<Range<usize>>,
    pub(crate) issues: Vec<Issue>,
    /// NUT rejects the line (`#` in quotes, unterminated quote): consumers must skip it.
    pub(crate) broken: bool,
    /// The line ended at an unescaped LF (not at the end of the input): text appended after it starts
    /// a new line.
    pub(crate) terminated: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Word being collected.
struct WordBuf {
    start: usize,
    text: String,
    quoted: bool,
    dropped: bool,
    truncated: bool,
}

impl WordBuf {
    fn new(start: usize, quoted: bool) -> Self {
        WordBuf {
            start,
            text: String::with_capacity(16),
            quoted,
            dropped: false,
            truncated: false,
        }
    }

    /// NUT's `addchar`: drop control / 8-bit bytes, cap the length.
    fn add(&mut self, b: u8) {
        if !(0x20..0x80).contains(&b) {
            self.dropped = true;
        } else if self.text.len() >= MAX_WORD_LEN {
            self.truncated = true;
        } else {
            self.text.push(char::from(b));
        }
    }
}

enum State {
    Idle,
    Bare,
    Quoted { lf_seen: usize },
    Comment,
}

struct Lexer<'a> {
    input: &'a [u8],
    out: Lexed,
    word: Option<WordBuf>,
    words_dropped: bool,
}

impl Lexer<'_> {
    fn issue(&mut self, at: usize, severity: Severity, kind: ErrorKind) {
        self.out.issues.push(Issue { at, severity, kind });
    }

    fn push(&mut self, tok: Token) {
        if self.out.tokens.len() >= MAX_WORDS {
            if !self.words_dropped {
                self.words_dropped = true;
                self.issue(
                    tok.span.start,
                    Severity::Warning,
                    ErrorKind::TooManyWords { max: MAX_WORDS },
                );
            }
            return;
        }
        self.out.tokens.push(tok);
    }

    fn finish_word(&mut self, end: usize) {
        if let Some(w) = self.word.take() {
            if w.dropped {
                self.issue(w.start, Severity::Warning, ErrorKind::DroppedBytes);
            }
            if w.truncated {
                self.issue(
                    w.start,
                    Severity::Warning,
                    ErrorKind::WordTooLong { max: MAX_WORD_LEN },
                );
            }
            self.push(Token {
                text: w.text,
                span: w.start..end,
                quoted: w.quoted,
                equals: false,
                secret: false,
            });
        }
    }

    fn word_mut(&mut self) -> Option<&mut WordBuf> {
        self.word.as_mut()
    }
}

/// Tokenizes the first logical line of `input` with NUT's parseconf rules.
///
/// Always consumes at least one byte when `input` is not empty, so a caller looping until the input is
/// exhausted terminates.
pub(crate) fn lex_parseconf(input: &[u8]) -> Lexed {
    let mut lx = Lexer {
        input,
        out: Lexed::default(),
        word: None,
        words_dropped: false,
    };
    let mut state = State::Idle;
    let mut escape = false;
    let mut i = 0usize;
    let n = lx.input.len();
    while i < n {
        let b = lx.input.get(i).copied().unwrap_or(b'\n');
        if escape {
            escape = false;
            if b == b'\n' {
                // Continuation: the LF disappears, the logical line goes on.
                i += 1;
                continue;
            }
            if matches!(state, State::Idle) {
                lx.word = Some(WordBuf::new(i.saturating_sub(1), false));
                state = State::Bare;
            }
            if let Some(w) = lx.word_mut() {
                w.add(b);
            }
            i += 1;
            continue;
        }
        match state {
            State::Idle => match b {
                b'\n' => {
                    lx.out.len = i + 1;
                    lx.out.terminated = true;
                    return lx.out;
                }
                b'#' => {
                    state = State::Comment;
                    lx.out.comment = Some(i..i);
                }
                b'"' => {
                    lx.word = Some(WordBuf::new(i, true));
                    state = State::Quoted { lf_seen: 0 };
                }
                b'=' => lx.push(Token {
                    text: "=".to_string(),
                    span: i..i + 1,
                    quoted: false,
                    equals: true,
                    secret: false,
                }),
                b'\\' => escape = true,
                _ if is_ws(b) => {}
                _ => {
                    let mut w = WordBuf::new(i, false);
                    w.add(b);
                    lx.word = Some(w);
                    state = State::Bare;
                }
            },
            State::Bare => match b {
                b'\n' => {
                    lx.finish_word(i);
                    lx.out.len = i + 1;
                    lx.out.terminated = true;
                    return lx.out;
                }
                b'#' => {
                    lx.finish_word(i);
                    state = State::Comment;
                    lx.out.comment = Some(i..i);
                }
                b'=' => {
                    lx.finish_word(i);
                    lx.push(Token {
                        text: "=".to_string(),
                        span: i..i + 1,
                        quoted: false,
                        equals: true,
                        secret: false,
                    });
                    state = State::Idle;
                }
                b'\\' => escape = true,
                _ if is_ws(b) => {
                    lx.finish_word(i);
                    state = State::Idle;
                }
                _ => {
                    if let Some(w) = lx.word_mut() {
                        w.add(b);
                    }
                }
            },
            State::Quoted { lf_seen } => match b {
                b'"' => {
                    if lf_seen > 0 {
                        let at = lx.word.as_ref().map_or(0, |w| w.start);
                        lx.issue(
                            at,
                            Severity::Warning,
                            ErrorKind::QuoteSpansLines { lines: lf_seen + 1 },
                        );
                    }
                    lx.finish_word(i + 1);
                    state = State::Idle;
                }
                b'\\' => escape = true,
                b'#' => {
                    // NUT: "Unbalanced word due to unescaped # in quotes"; the rest of the physical
                    // line is dropped and the line is rejected.
                    lx.issue(i, Severity::Error, ErrorKind::HashInQuotes);
                    lx.finish_word(i);
                    lx.out.broken = true;
                    let lf = memchr_lf(lx.input, i);
                    lx.out.terminated = lf.is_some();
                    lx.out.len = lf.map_or(n, |p| p + 1);
                    return lx.out;
                }
                b'\n' => {
                    state = State::Quoted {
                        lf_seen: lf_seen + 1,
                    }
                }
                _ => {
                    if let Some(w) = lx.word_mut() {
                        w.add(b);
                    }
                }
            },
            State::Comment => {
                if b == b'\n' {
                    lx.out.len = i + 1;
                    lx.out.terminated = true;
                    return lx.out;
                }
            }
        }
        if let (State::Comment, Some(c)) = (&state, lx.out.comment.as_mut()) {
            if c.end < i + 1 {
                c.end = i + 1;
            }
        }
        i += 1;
    }
    // End of input without a final LF.
    match state {
        State::Quoted { .. } => {
            let at = lx.word.as_ref().map_or(0, |w| w.start);
            lx.word = None;
            lx.issue(at, Severity::Error, ErrorKind::UnterminatedQuote);
            lx.out.broken = true;
        }
        // A `\` with nothing after it escapes nothing: it is not part of the word.
        State::Bare => lx.finish_word(if escape { n - 1 } else { n }),
        State::Idle | State::Comment => {}
    }
    if n > 0 && lx.out.tokens.len() == 1 && !lx.out.broken {
        let at = lx.out.tokens.first().map_or(0, |t| t.span.start);
        lx.issue(at, Severity::Warning, ErrorKind::LastWordLost);
    }
    lx.out.len = n;
    lx.out
}

fn memchr_lf(input: &[u8], from: usize) -> Option<usize> {
    input
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map(|p| p + from)
}

/// Tokenizes the first physical line of `input` as a nut.conf shell assignment.
///
/// Result tokens: none (blank/comment line) or exactly two, the name and the value (the value's span
/// covers its quotes; an empty `NAME=` value has an empty span right after `=`).
pub(crate) fn lex_shell(input: &[u8]) -> Lexed {
    let end_of_line = memchr_lf(input, 0);
    let len = end_of_line.map_or(input.len(), |p| p + 1);
    // Content without the terminator (and without a CR before LF, which systemd and shells treat as
    // part of the value otherwise — we strip it, but keep it in the raw bytes).
    let mut content_end = end_of_line.unwrap_or(input.len());
    if content_end > 0 && input.get(content_end - 1) == Some(&b'\r') {
        content_end -= 1;
    }
    let line = input.get(..content_end).unwrap_or(&[]);
    let mut out = Lexed {
        len,
        terminated: end_of_line.is_some(),
        ..Lexed::default()
    };
    let mut i = 0;
    let at = |i: usize| line.get(i).copied();
    while at(i).is_some_and(|b| b == b' ' || b == b'\t') {
        i += 1;
    }
    match at(i) {
        None => return out,
        Some(b'#') => {
            out.comment = Some(i..content_end);
            return out;
        }
        _ => {}
    }
    // Optional `export `.
    if line.get(i..).is_some_and(|r| r.starts_with(b"export ")) {
        i += b"export ".len();
        while at(i).is_some_and(|b| b == b' ' || b == b'\t') {
            i += 1;
        }
    }
    let name_start = i;
    while at(i).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
        i += 1;
    }
    let name = line.get(name_start..i).unwrap_or(&[]);
    let name_ok = name.first().is_some_and(|b| !b.is_ascii_digit());
    if !name_ok {
        out.issues.push(Issue {
            at: name_start,
            severity: Severity::Error,
            kind: ErrorKind::NotAnAssignment,
        });
        out.broken = true;
        return out;
    }
    let mut j = i;
    while at(j).is_some_and(|b| b == b' ' || b == b'\t') {
        j += 1;
    }
    if at(j) != Some(b'=') {
        out.issues.push(Issue {
            at: name_start,
            severity: Severity::Error,
            kind: ErrorKind::NotAnAssignment,
        });
        out.broken = true;
        return out;
    }
    if j != i || at(j + 1).is_some_and(|b| b == b' ' || b == b'\t') {
        out.issues.push(Issue {
            at: j,
            severity: Severity::Error,
            kind: ErrorKind::SpacesAroundEquals,
        });
        out.broken = true;
        return out;
    }
    out.tokens.push(Token {
        text: String::from_utf8_lossy(name).into_owned(),
        span: name_start..i,
        quoted: false,
        equals: false,
        secret: false,
    });
    // Value: concatenated bare / "double" / 'single' segments up to unquoted whitespace.
    let vstart = j + 1;
    let mut k = vstart;
    let mut value: Vec<u8> = Vec::new();
    let mut quoted = false;
    loop {
        match at(k) {
            None => break,
            Some(b' ' | b'\t') => break,
            Some(b'"') => {
                quoted = true;
                let open = k;
                k += 1;
                loop {
                    match at(k) {
                        None => {
                            out.issues.push(Issue {
                                at: open,
                                severity: Severity::Error,
                                kind: ErrorKind::UnterminatedQuote,
                            });
                            out.broken = true;
                            return out;
                        }
                        Some(b'"') => {
                            k += 1;
                            break;
                        }
                        Some(b'\\') => match at(k + 1) {
                            Some(c @ (b'"' | b'\\' | b'$' | b'`')) => {
                                value.push(c);
                                k += 2;
                            }
                            _ => {
                                value.push(b'\\');
                                k += 1;
                            }
                        },
                        Some(c) => {
                            value.push(c);
                            k += 1;
                        }
                    }
                }
            }
            Some(b'\'') => {
                quoted = true;
                let open = k;
                k += 1;
                loop {
                    match at(k) {
                        None => {
                            out.issues.push(Issue {
                                at: open,
                                severity: Severity::Error,
                                kind: ErrorKind::UnterminatedQuote,
                            });
                            out.broken = true;
                            return out;
                        }
                        Some(b'\'') => {
                            k += 1;
                            break;
                        }
                        Some(c) => {
                            value.push(c);
                            k += 1;
                        }
                    }
                }
            }
            Some(b'\\') => {
                if let Some(c) = at(k + 1) {
                    value.push(c);
                }
                k += 2;
            }
            Some(c) => {
                value.push(c);
                k += 1;
            }
        }
        if value.len() > MAX_WORD_LEN * 8 {
            // A value this long is not a setting; keep the raw bytes, stop collecting.
            value.truncate(MAX_WORD_LEN * 8);
        }
    }
    let vend = k.min(content_end);
    out.tokens.push(Token {
        text: String::from_utf8_lossy(&value).into_owned(),
        span: vstart..vend,
        quoted,
        equals: false,
        secret: false,
    });
    let mut m = vend;
    while at(m).is_some_and(|b| b == b' ' || b == b'\t') {
        m += 1;
    }
    match at(m) {
        None => {}
        Some(b'#') => out.comment = Some(m..content_end),
        Some(_) => {
            out.issues.push(Issue {
                at: m,
                severity: Severity::Error,
                kind: ErrorKind::TrailingText,
            });
            out.broken = true;
        }
    }
    out
}

/// Why a value cannot be written into a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// NUT config files are 7-bit ASCII without control characters (NUT drops such bytes).
    #[error("value contains a control or non-ASCII character, which NUT config files cannot hold")]
    Unrepresentable,
    /// A directive or section name that would not read back as one word.
    #[error("{0:?} cannot be used as a name (must be one printable word without = # \" \\ [ ])")]
    BadName(String),
}

/// Writes `value` as one parseconf word that reads back as exactly `value`.
///
/// Bare when that is unambiguous; otherwise in double quotes with `\`, `"` and `#` escaped (NUT's
/// `pconf_encode` set). Empty values become `""`.
pub fn encode_word(value: &str) -> Result<String, EncodeError> {
    if value.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
        return Err(EncodeError::Unrepresentable);
    }
    let plain = !value.is_empty()
        && !value.starts_with('"')
        && value
            .bytes()
            .all(|b| !matches!(b, b' ' | b'=' | b'#' | b'\\'));
    if plain {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// Writes `value` as a shell word for nut.conf: bare when safe, else double-quoted.
pub fn encode_shell(value: &str) -> Result<String, EncodeError> {
    if value.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
        return Err(EncodeError::Unrepresentable);
    }
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:,+@%-".contains(&b));
    if plain {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// Checks a directive or section name: one printable ASCII word that parseconf reads back unchanged.
pub(crate) fn check_name(name: &str) -> Result<(), EncodeError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| (0x21..0x7f).contains(&b) && !b"=#\"\\[]".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(EncodeError::BadName(name.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        lex_parseconf(s.as_bytes())
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn kinds(s: &str) -> Vec<ErrorKind> {
        lex_parseconf(s.as_bytes())
            .issues
            .into_iter()
            .map(|i| i.kind)
            .collect()
    }

    #[test]
    fn words_quotes_equals() {
        assert_eq!(words("a b\tc\n"), ["a", "b", "c"]);
        assert_eq!(words("a=b\n"), ["a", "=", "b"]);
        assert_eq!(words("  pw = 123=123 \n"), ["pw", "=", "123", "=", "123"]);
        assert_eq!(words("desc = \"two words\"\n"), ["desc", "=", "two words"]);
        assert_eq!(words("\"ab\"cd\n"), ["ab", "cd"]);
        assert_eq!(words("ab\"c\n"), ["ab\"c"]);
        assert_eq!(words("\"\"\n"), [""]);
        assert_eq!(words("'single quotes' x\n"), ["'single", "quotes'", "x"]);
    }

    #[test]
    fn escapes_and_comments() {
        assert_eq!(words("a\\ b c\n"), ["a b", "c"]);
        assert_eq!(words("\"q\\\"x\\\\y\\#z\"\n"), ["q\"x\\y#z"]);
        assert_eq!(words("x\\=y\n"), ["x=y"]);
        assert_eq!(words("a\\n\n"), ["an"]);
        assert_eq!(words("identity = my#1ups\n"), ["identity", "=", "my"]);
        assert_eq!(words("# only a comment\n"), Vec::<String>::new());
        let l = lex_parseconf(b"KEY v # note\nNEXT");
        assert_eq!(l.len, 13);
        assert_eq!(l.comment, Some(6..12));
    }

    #[test]
    fn continuation_joins_lines() {
        let l = lex_parseconf(b"ab\\\ncd e\nnext\n");
        assert_eq!(l.len, 9);
        let t: Vec<_> = l.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(t, ["abcd", "e"]);
    }

    #[test]
    fn quote_over_lines_is_one_word_with_a_warning() {
        let l = lex_parseconf(b"X \"a\nb\" c\n");
        let t: Vec<_> = l.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(t, ["X", "ab", "c"]);
        assert_eq!(l.len, 10);
        assert_eq!(
            l.issues.first().map(|i| (&i.kind, i.at)),
            Some((&ErrorKind::QuoteSpansLines { lines: 2 }, 2))
        );
    }

    #[test]
    fn hash_in_quotes_breaks_the_line_only() {
        let l = lex_parseconf(b"X \"a#b\" c\nY\n");
        assert!(l.broken);
        assert_eq!(l.len, 10);
        assert_eq!(l.issues.first().map(|i| i.at), Some(4));
        assert_eq!(kinds("X \"a#b\"\n"), [ErrorKind::HashInQuotes]);
    }

    #[test]
    fn unterminated_quote_at_eof() {
        let l = lex_parseconf(b"X \"abc\nmore\n");
        assert!(l.broken);
        assert_eq!(l.len, 12);
        assert_eq!(l.issues.first().map(|i| i.at), Some(2));
        assert_eq!(
            l.issues.first().map(|i| &i.kind),
            Some(&ErrorKind::UnterminatedQuote)
        );
    }

    #[test]
    fn dropped_bytes_and_limits() {
        assert_eq!(words("d\u{e9}f\n"), ["df"]);
        assert_eq!(kinds("d\u{e9}f\n"), [ErrorKind::DroppedBytes]);
        let long = "x".repeat(600);
        let w = words(&format!("{long}\n"));
        assert_eq!(w.first().map(String::len), Some(MAX_WORD_LEN));
        let many = "w ".repeat(40);
        assert_eq!(words(&format!("{many}\n")).len(), MAX_WORDS);
        assert!(kinds(&format!("{many}\n")).contains(&ErrorKind::TooManyWords { max: MAX_WORDS }));
    }

    #[test]
    fn last_single_word_without_newline() {
        assert_eq!(kinds("nowait"), [ErrorKind::LastWordLost]);
        assert!(kinds("a b").is_empty());
        assert!(kinds("nowait\n").is_empty());
    }

    #[test]
    fn dangling_backslash_at_eof_is_not_in_the_word() {
        let l = lex_parseconf(b"KEY\\");
        assert_eq!(
            l.tokens.first().map(|t| (t.text.as_str(), t.span.clone())),
            Some(("KEY", 0..3))
        );
        assert_eq!(l.len, 4);
    }

    #[test]
    fn crlf_is_whitespace() {
        let l = lex_parseconf(b"A b\r\nC\r\n");
        assert_eq!(l.len, 5);
        let t: Vec<_> = l.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(t, ["A", "b"]);
    }

    fn shell(s: &str) -> (Vec<String>, Vec<ErrorKind>) {
        let l = lex_shell(s.as_bytes());
        (
            l.tokens.into_iter().map(|t| t.text).collect(),
            l.issues.into_iter().map(|i| i.kind).collect(),
        )
    }

    #[test]
    fn shell_forms() {
        assert_eq!(shell("MODE=netclient\n").0, ["MODE", "netclient"]);
        assert_eq!(shell("MODE=\"netserver\"\n").0, ["MODE", "netserver"]);
        assert_eq!(shell("MODE='standalone' # c\n").0, ["MODE", "standalone"]);
        assert_eq!(shell("X=\"a \\\"b\\\" $c\"\r\n").0, ["X", "a \"b\" $c"]);
        assert_eq!(shell("X=\n").0, ["X", ""]);
        assert_eq!(shell("export X=1\n").0, ["X", "1"]);
        assert_eq!(shell("  # c\n").0, Vec::<String>::new());
        assert_eq!(shell("MODE = none\n").1, [ErrorKind::SpacesAroundEquals]);
        assert_eq!(shell("MODE= none\n").1, [ErrorKind::SpacesAroundEquals]);
        assert_eq!(shell("MODE=net client\n").1, [ErrorKind::TrailingText]);
        assert_eq!(shell("MODE=\"none\n").1, [ErrorKind::UnterminatedQuote]);
        assert_eq!(shell("just words\n").1, [ErrorKind::NotAnAssignment]);
        assert_eq!(shell("1X=a\n").1, [ErrorKind::NotAnAssignment]);
    }

    #[test]
    fn encoding_reads_back() {
        for v in [
            "plain",
            "",
            "two words",
            "a=b",
            "#x",
            "q\"",
            "b\\s",
            "\"lead",
        ] {
            let enc = encode_word(v).unwrap();
            let l = lex_parseconf(format!("K {enc}\n").as_bytes());
            assert_eq!(l.tokens.get(1).map(|t| t.text.as_str()), Some(v), "{enc}");
            assert!(l.issues.is_empty(), "{enc}");
        }
        assert_eq!(encode_word("x\ny"), Err(EncodeError::Unrepresentable));
        for v in ["netclient", "", "a b", "$HOME", "q\"`\\"] {
            let enc = encode_shell(v).unwrap();
            let l = lex_shell(format!("K={enc}\n").as_bytes());
            assert_eq!(l.tokens.get(1).map(|t| t.text.as_str()), Some(v), "{enc}");
        }
    }
}
