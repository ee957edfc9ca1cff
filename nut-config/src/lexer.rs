//! Tokenizers for NUT config files: NUT's "parseconf" rules and nut.conf's shell form.
//!
//! Both work one *logical* line at a time over a byte slice and report tokens with byte spans relative
//! to the start of that line, so the document can keep the raw bytes and still point at a word.
//!
//! parseconf (every file except nut.conf) is NUT's own tokenizer; its words come from
//! [`nut_proto::quote::scan_line`], the one implementation of it in the workspace (upsd reads requests
//! with the same rules), where its grammar is written down:
//!
//! ```text
//! line   = { WS } [ word { WS+ word } ] { WS } [ "#" comment ] ( LF | EOF )
//! word   = "=" | '"' { "\" any | any-but('"' '\' '#') } '"' | bchar { bchar }
//! bchar  = "\" any | any-but(WS LF "#" "=" "\")          ('"' inside a bare word is literal)
//! WS     = SP TAB CR VT FF
//! ```
//!
//! What this module adds is the config-file policy: control and non-ASCII bytes are dropped from words
//! (as NUT does, with a warning), a NUL is an error that rejects the line (a `"pw\0x"` password would
//! otherwise reach upsd as `pwx`), words are capped at 512 characters like NUT's, and each loss gets a
//! finding. The scanner keeps NUT's 32 words per line, which with the word cap bounds what a hostile
//! file can make us allocate per line.
//!
//! nut.conf is read by shells and systemd, not by NUT's tokenizer: `NAME=value` with no spaces around
//! `=`, values bare, `"double"` (with `\` escapes) or `'single'` quoted, `#` comments.

use std::ops::Range;

use nut_proto::quote::{self, LineEnd};

use crate::error::{ErrorKind, Severity};

/// NUT's limit on characters per word (extra ones are silently dropped by NUT).
pub const MAX_WORD_LEN: usize = 512;
/// NUT's limit on words per line (extra ones are silently dropped by NUT): parseconf's, kept once in
/// [`nut_proto::quote`].
pub use nut_proto::quote::MAX_WORDS;

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

/// NUT's `addchar`: keeps printable ASCII, drops control and 8-bit bytes, caps the length.
struct Filtered {
    text: String,
    dropped: bool,
    truncated: bool,
    nul: bool,
}

fn filter(raw: &[u8]) -> Filtered {
    let mut out = Filtered {
        text: String::with_capacity(raw.len().min(MAX_WORD_LEN)),
        dropped: false,
        truncated: false,
        nul: false,
    };
    for &b in raw {
        if b == 0 {
            out.nul = true;
        } else if !(0x20..0x80).contains(&b) {
            out.dropped = true;
        } else if out.text.len() >= MAX_WORD_LEN {
            out.truncated = true;
        } else {
            out.text.push(char::from(b));
        }
    }
    out
}

/// Tokenizes the first logical line of `input` with NUT's parseconf rules ([`quote::scan_line`], the
/// one tokenizer of the workspace), then applies what config files add: printable ASCII only, words
/// of at most [`MAX_WORD_LEN`] characters, and a finding for each byte or word NUT would lose.
///
/// Always consumes at least one byte when `input` is not empty, so a caller looping until the input is
/// exhausted terminates.
pub(crate) fn lex_parseconf(input: &[u8]) -> Lexed {
    let mut out = Lexed::default();
    let mut issues = Vec::new();
    let mut tokens = Vec::new();
    let mut nul = false;
    let scanned = quote::scan_line(input, |w| {
        let at = w.span.start;
        if w.newlines > 0 {
            issues.push(Issue {
                at,
                severity: Severity::Warning,
                kind: ErrorKind::QuoteSpansLines {
                    lines: w.newlines + 1,
                },
            });
        }
        let f = filter(&w.text);
        if f.nul {
            nul = true;
            issues.push(Issue {
                at,
                severity: Severity::Error,
                kind: ErrorKind::NulByte,
            });
        }
        if f.dropped {
            issues.push(Issue {
                at,
                severity: Severity::Warning,
                kind: ErrorKind::DroppedBytes,
            });
        }
        if f.truncated {
            issues.push(Issue {
                at,
                severity: Severity::Warning,
                kind: ErrorKind::WordTooLong { max: MAX_WORD_LEN },
            });
        }
        tokens.push(Token {
            text: f.text,
            span: w.span,
            quoted: w.quoted,
            equals: w.equals,
            secret: false,
        });
    });
    if let Some(at) = scanned.dropped_from {
        issues.push(Issue {
            at,
            severity: Severity::Warning,
            kind: ErrorKind::TooManyWords { max: MAX_WORDS },
        });
    }
    out.len = scanned.len;
    out.terminated = scanned.terminated;
    out.comment = scanned.comment;
    out.broken = nul;
    match scanned.end {
        LineEnd::Complete | LineEnd::DanglingEscape => {}
        LineEnd::OpenQuote { start, .. } => {
            issues.push(Issue {
                at: start,
                severity: Severity::Error,
                kind: ErrorKind::UnterminatedQuote,
            });
            out.broken = true;
        }
        LineEnd::HashInQuotes { at } => {
            // NUT: "Unbalanced word due to unescaped # in quotes"; the rest of the physical line is
            // dropped and the line is rejected.
            issues.push(Issue {
                at,
                severity: Severity::Error,
                kind: ErrorKind::HashInQuotes,
            });
            out.broken = true;
        }
    }
    let at_eof = !scanned.terminated && !matches!(scanned.end, LineEnd::HashInQuotes { .. });
    if at_eof && !input.is_empty() && tokens.len() == 1 && !out.broken {
        let at = tokens.first().map_or(0, |t| t.span.start);
        issues.push(Issue {
            at,
            severity: Severity::Warning,
            kind: ErrorKind::LastWordLost,
        });
    }
    out.tokens = tokens;
    out.issues = issues;
    out
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

/// Writes `value` as one parseconf word that reads back as exactly `value`, with
/// [`nut_proto::quote::push_word`] (the one word encoder: bare when unambiguous, `\`, `"` and `#`
/// escaped, double quotes around an empty value or one with spaces or `=`).
pub fn encode_word(value: &str) -> Result<String, EncodeError> {
    if value.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
        return Err(EncodeError::Unrepresentable);
    }
    let mut out = Vec::with_capacity(value.len() + 2);
    quote::push_word(value.as_bytes(), &mut out);
    // invariant: printable ASCII in, printable ASCII out (only `\` and `"` are added).
    String::from_utf8(out).map_err(|_| EncodeError::Unrepresentable)
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

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
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
    fn nul_in_a_word_refuses_the_line() {
        let l = lex_parseconf(b"MONITOR u@h 1 mon \"pw\0x\" primary\nNEXT x\n");
        assert!(l.broken);
        assert_eq!(l.len, 33);
        assert_eq!(
            l.issues.first().map(|i| (&i.kind, i.at, i.severity)),
            Some((&ErrorKind::NulByte, 18, Severity::Error))
        );
        assert_eq!(kinds("K a\0b\n"), [ErrorKind::NulByte]);
    }

    #[test]
    fn words_are_the_request_tokenizers_words() {
        // One tokenizer: printable lines give the same words here and in upsd's request reader.
        for line in [
            "a b",
            "x=\"1 2\" # c",
            "\"ab\"cd e\\#f",
            "k \\\"q\\\" z",
            "ab\"c",
        ] {
            let ours = words(&format!("{line}\n"));
            let theirs = match nut_proto::server::tokenize(line.as_bytes()).unwrap() {
                nut_proto::server::Tokenized::Complete(w) => w
                    .into_iter()
                    .map(|w| String::from_utf8(w.into_owned()).unwrap())
                    .collect::<Vec<_>>(),
                p => panic!("{p:?}"),
            };
            assert_eq!(ours, theirs, "{line}");
        }
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
