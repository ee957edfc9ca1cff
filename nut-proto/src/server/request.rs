//! Request reader: splits one client line into words the way upsd does ([`tokenize`], built on
//! [`crate::quote::scan_line`], the one parseconf tokenizer, whose table of rules is there), and
//! [`parse_command`] turns words into a [`Command`].
//!
//! # Lines that do not end where the LF is
//!
//! upsd ends a request only at LF, but an LF inside quotes, or right after a backslash, does not end
//! it: the LF is dropped and the request continues on the next line (the lab saw an unterminated quote
//! swallow the following requests). [`tokenize`] reports such a line as [`Tokenized::Partial`] with the
//! number of bytes to keep; the caller appends the next line and tokenizes again, bounded by its line
//! limit. The embedded server does exactly that, so it swallows lines like upsd, but never beyond its
//! line bound (then it answers `ERR INVALID-ARGUMENT` and starts afresh).
//!
//! # Deliberate differences from upsd
//!
//! - Bytes below 0x20 and above 0x7F are kept in words (upsd silently drops them), so values round-trip
//!   losslessly through this crate's own encoder and server.
//! - Words are not truncated at 512 bytes; the caller's line bound limits them instead. Words after the
//!   32nd are dropped, as upsd does.
//! - An unescaped `#` inside quotes is [`RequestError::HashInQuotes`]; upsd sends no reply at all and
//!   discards the rest of its read chunk, which leaves a client waiting. The embedded server answers
//!   `ERR INVALID-ARGUMENT`.

use std::borrow::Cow;
use std::fmt;

use crate::command::Command;
pub use crate::command::{parse_command, RequestError, Verb};
use crate::quote::{self, LineEnd};
use crate::secret::REDACTED;

/// upsd keeps at most this many words per request line and silently drops the rest.
pub use crate::quote::MAX_WORDS;

/// One tokenized request: its words, borrowed from the line unless an escape forced a copy.
pub type Words<'a> = Vec<Cow<'a, [u8]>>;

/// Outcome of [`tokenize`] on one line.
#[derive(Clone, PartialEq, Eq)]
pub enum Tokenized<'a> {
    /// A whole request (possibly zero words, which upsd answers with `ERR UNKNOWN-COMMAND`).
    Complete(Words<'a>),
    /// The line ends inside quotes or with a continuation backslash: keep the first `keep` bytes,
    /// append the next line (without its LF) and tokenize the joined bytes again.
    Partial {
        /// How many bytes of this line to keep (a trailing continuation backslash is dropped).
        keep: usize,
    },
}

/// Splits one request line (without its LF) into words by upsd's rules ([`quote::scan_line`], the
/// one parseconf tokenizer). Total on any bytes; an LF inside `line` ends the request there.
pub fn tokenize(line: &[u8]) -> Result<Tokenized<'_>, RequestError> {
    let mut words: Words<'_> = Vec::new();
    let scanned = quote::scan_line(line, |w| words.push(w.text));
    let n = line.len();
    match scanned.end {
        LineEnd::Complete => Ok(Tokenized::Complete(words)),
        LineEnd::OpenQuote { escape: false, .. } => Ok(Tokenized::Partial { keep: n }),
        LineEnd::OpenQuote { escape: true, .. } | LineEnd::DanglingEscape => {
            Ok(Tokenized::Partial { keep: n - 1 })
        }
        LineEnd::HashInQuotes { .. } => Err(RequestError::HashInQuotes),
    }
}

/// Tokenizes one complete request into owned words ([`OwnedWords::command`] then makes the
/// [`Command`]); a line that would continue
/// (unterminated quote, trailing backslash) is treated as ending here. For tests, fuzzing and callers
/// that already framed whole requests.
#[doc(hidden)]
pub fn parse_request_line(line: &[u8]) -> Result<OwnedWords, RequestError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let own = |words: Words<'_>| OwnedWords(words.into_iter().map(Cow::into_owned).collect());
    let keep = match tokenize(line)? {
        Tokenized::Complete(words) => return Ok(own(words)),
        Tokenized::Partial { keep } => keep,
    };
    // Drop the dangling backslash, then close an open quote if one is still open.
    let mut fixed = line.get(..keep).unwrap_or_default().to_vec();
    for _ in 0..2 {
        match tokenize(&fixed)? {
            Tokenized::Complete(words) => return Ok(own(words)),
            Tokenized::Partial { keep } => {
                fixed.truncate(keep);
                fixed.push(b'"');
            }
        }
    }
    // Two repairs always complete a line; refuse rather than loop if that ever changes.
    Err(RequestError::UnknownCommand)
}

/// Owned words of one request, from [`parse_request_line`]; [`OwnedWords::command`] borrows from it.
#[doc(hidden)]
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedWords(Vec<Vec<u8>>);

impl OwnedWords {
    /// The words.
    pub fn words(&self) -> &[Vec<u8>] {
        &self.0
    }

    /// The request as a typed command.
    pub fn command(&self) -> Result<Command<'_>, RequestError> {
        parse_command(&self.0)
    }
}

/// Debug-prints words lossily, with the argument of a `PASSWORD` request replaced: request words are
/// exactly what a careless `{:?}` in a log would leak.
fn debug_words<W: AsRef<[u8]>>(words: &[W], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let secret = words
        .first()
        .is_some_and(|w| w.as_ref().eq_ignore_ascii_case(b"PASSWORD"));
    let mut list = f.debug_list();
    for (i, w) in words.iter().enumerate() {
        if secret && i > 0 {
            list.entry(&REDACTED);
        } else {
            list.entry(&String::from_utf8_lossy(w.as_ref()));
        }
    }
    list.finish()
}

impl fmt::Debug for Tokenized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tokenized::Complete(words) => {
                f.write_str("Complete(")?;
                debug_words(words, f)?;
                f.write_str(")")
            }
            Tokenized::Partial { keep } => f.debug_struct("Partial").field("keep", keep).finish(),
        }
    }
}

impl fmt::Debug for OwnedWords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedWords(")?;
        debug_words(&self.0, f)?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &[u8]) -> Vec<Vec<u8>> {
        match tokenize(line).unwrap() {
            Tokenized::Complete(w) => w.into_iter().map(Cow::into_owned).collect(),
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn upsd_tokenizer_rules() {
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"  LIST   UPS  ", &[b"LIST", b"UPS"]),
            (b"list ups\r", &[b"list", b"ups"]),
            (b"GET VAR \"pi\" \"a b\"", &[b"GET", b"VAR", b"pi", b"a b"]),
            (b"ab\"c", &[b"ab\"c"]),
            (b"\"ab\"cd", &[b"ab", b"cd"]),
            (b"a\\\"b\\\\c \\#", &[b"a\"b\\c", b"#"]),
            (b"a=b", &[b"a", b"=", b"b"]),
            (b"\"a=b\"", &[b"a=b"]),
            (b"GET VAR pi # note", &[b"GET", b"VAR", b"pi"]),
            (b"x#y", &[b"x"]),
            (b"\"\"", &[b""]),
            (b"", &[]),
            (b"\t", &[]),
            (b"\x00\xff\xfe GET", &[b"\x00\xff\xfe", b"GET"]),
        ];
        for (line, want) in cases {
            let want: Vec<Vec<u8>> = want.iter().map(|w| w.to_vec()).collect();
            assert_eq!(words(line), want, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn continuation_and_unterminated_quotes() {
        assert_eq!(
            tokenize(b"GET VAR pi \"unterminated").unwrap(),
            Tokenized::Partial { keep: 24 }
        );
        assert_eq!(
            tokenize(b"GET VAR pi ups.\\").unwrap(),
            Tokenized::Partial { keep: 15 }
        );
        assert_eq!(tokenize(b"\"a#b\""), Err(RequestError::HashInQuotes));
    }

    #[test]
    fn debug_never_shows_a_password() {
        let w = parse_request_line(b"password \"hunter2 x\"").unwrap();
        assert!(!format!("{w:?}").contains("hunter2"), "{w:?}");
        let t = tokenize(b"PASSWORD hunter2").unwrap();
        assert!(!format!("{t:?}").contains("hunter2"), "{t:?}");
        assert!(format!("{:?}", tokenize(b"GET VAR pi").unwrap()).contains("pi"));
    }

    #[test]
    fn word_limit_like_upsd() {
        let line = b"w ".repeat(40);
        assert_eq!(words(&line).len(), MAX_WORDS);
    }

    #[test]
    fn commands_from_words() {
        let c =
            |l: &[u8]| parse_request_line(l).and_then(|w| w.command().map(|c| format!("{c:?}")));
        assert_eq!(
            c(b"get var pi ups.status extra").unwrap(),
            format!(
                "{:?}",
                Command::GetVar {
                    ups: "pi",
                    var: "ups.status"
                }
            )
        );
        assert_eq!(c(b"BOGUS"), Err(RequestError::UnknownCommand));
        assert_eq!(c(b""), Err(RequestError::UnknownCommand));
        assert_eq!(c(b"GET VAR"), Err(RequestError::InvalidArgument(Verb::Get)));
        assert_eq!(
            c(b"PASSWORD s3cr3t pw"),
            Err(RequestError::InvalidArgument(Verb::Password))
        );
        assert_eq!(
            c(b"SET TRACKING maybe"),
            Err(RequestError::InvalidArgument(Verb::Set))
        );
        assert_eq!(c(b"TRACKING ON"), Err(RequestError::UnknownCommand));
        assert_eq!(c(b"VER x"), Err(RequestError::InvalidArgument(Verb::Ver)));
        assert!(c(b"STARTTLS junk").is_ok());
    }
}
