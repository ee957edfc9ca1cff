//! [`Line`]: one logical line, its raw bytes and the words the lexer made of them; secrets are marked
//! per word when the line is made ([`crate::files::secrets`] decides which).

use std::fmt;

use super::kind::FileKind;
use crate::files::secrets;
use crate::lexer::{self, Lexed, Token};

/// What a logical line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Only whitespace.
    Blank,
    /// Only a comment (and whitespace).
    Comment,
    /// A `[name]` header (in files with sections).
    Section,
    /// A directive or assignment.
    Directive,
    /// A line NUT rejects (`#` in quotes, unterminated quote, bad shell syntax).
    Invalid,
}

/// One logical line: raw bytes (terminator included) and what the lexer made of them.
#[derive(Clone)]
pub struct Line {
    pub(super) raw: Vec<u8>,
    pub(super) lexed: Lexed,
    pub(super) kind: LineKind,
}

impl Line {
    pub(super) fn new(file: FileKind, raw: Vec<u8>, lexed: Lexed) -> Line {
        let kind = if lexed.broken {
            LineKind::Invalid
        } else {
            match lexed.tokens.first() {
                None if lexed.comment.is_some() => LineKind::Comment,
                None => LineKind::Blank,
                Some(t) if file.has_sections() && !file.is_shell() && t.text.starts_with('[') => {
                    LineKind::Section
                }
                Some(_) => LineKind::Directive,
            }
        };
        let mut lexed = lexed;
        secrets::mark(file, kind == LineKind::Invalid, &mut lexed.tokens, true);
        Line { raw, lexed, kind }
    }

    /// Lexes `raw` as exactly one line; `None` if it would read as more than one.
    pub(super) fn from_raw(file: FileKind, raw: Vec<u8>) -> Option<Line> {
        let lexed = lex(file, &raw);
        (lexed.len == raw.len()).then(|| Line::new(file, raw, lexed))
    }

    /// The exact bytes of the line, terminator included. May contain secrets.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// What the line is.
    pub fn kind(&self) -> LineKind {
        self.kind
    }

    /// Every word of the line (for parseconf files `=` is a word of its own).
    pub fn tokens(&self) -> &[Token] {
        &self.lexed.tokens
    }

    /// The directive name (first word) of a directive line.
    pub fn key(&self) -> Option<&str> {
        match self.kind {
            LineKind::Directive => self.lexed.tokens.first().map(|t| t.text.as_str()),
            _ => None,
        }
    }

    /// The first word after the name is a bare `=` (`key = value` form).
    pub fn has_equals(&self) -> bool {
        self.lexed.tokens.get(1).is_some_and(|t| t.equals)
    }

    /// The words after the name (and after a `=` right behind it).
    pub fn args(&self) -> &[Token] {
        let skip = if self.has_equals() { 2 } else { 1 };
        self.lexed.tokens.get(skip..).unwrap_or(&[])
    }

    /// The name of a `[name]` header line (may be empty or malformed: see diagnostics).
    pub fn section_name(&self) -> Option<&str> {
        if self.kind != LineKind::Section {
            return None;
        }
        let t = self.lexed.tokens.first()?;
        let inner = t.text.strip_prefix('[')?;
        Some(inner.strip_suffix(']').unwrap_or(inner))
    }

    /// Where the line's content ends: before its comment, trailing blanks and terminator.
    pub(super) fn content_end(&self) -> usize {
        let mut end = self
            .lexed
            .comment
            .as_ref()
            .map_or(self.raw.len(), |c| c.start);
        while end > 0
            && self
                .raw
                .get(end - 1)
                .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c))
        {
            end -= 1;
        }
        let last_tok = self.lexed.tokens.last().map_or(0, |t| t.span.end);
        end.max(last_tok)
    }

    pub(super) fn terminator(&self) -> &[u8] {
        if self.raw.ends_with(b"\r\n") {
            b"\r\n"
        } else if self.raw.ends_with(b"\n") {
            b"\n"
        } else {
            b""
        }
    }

    pub(super) fn indent(&self) -> &[u8] {
        let n = self
            .raw
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        self.raw.get(..n).unwrap_or(&[])
    }
}

impl fmt::Debug for Line {
    /// Never prints the raw bytes (they may hold a password); tokens print redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Line")
            .field("kind", &self.kind)
            .field("tokens", &self.lexed.tokens)
            .field("bytes", &self.raw.len())
            .finish()
    }
}

pub(super) fn lex(file: FileKind, input: &[u8]) -> Lexed {
    if file.is_shell() {
        lexer::lex_shell(input)
    } else {
        lexer::lex_parseconf(input)
    }
}
