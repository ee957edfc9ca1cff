//! `Document`: a config file kept byte for byte, with the words of each line on top.
//!
//! People edit NUT configs by hand and keep notes in them. A tool that rewrites a file by printing a
//! model loses comments, spacing and quoting, so nutctl never does: a `Document` is a list of logical
//! lines, each holding its raw bytes (terminator included) plus the tokens lexed from them. Rendering
//! concatenates the raw bytes, so `parse → render` is the identity for any input, valid or not. An edit
//! rebuilds only the one line it touches (keeping that line's indentation, `=` spacing and trailing
//! comment) and re-lexes it.
//!
//! Secrets are marked per token when a line is lexed, so `Debug` output and [`Document::render_redacted`]
//! can hide them without the caller knowing which directives hold passwords.
//!
//! | file        | job                                                                  |
//! |-------------|----------------------------------------------------------------------|
//! | `mod.rs`    | [`Document`]: parse, render, positions, entries, structure findings |
//! | `kind.rs`   | [`FileKind`]: syntax, key matching, sections, secrets per file       |
//! | `line.rs`   | [`Line`] and [`LineKind`]: one logical line and its words            |
//! | `redact.rs` | `render_redacted`, `snippet`: what may be shown                      |
//! | `edit.rs`   | `set` / `insert` / `remove` / sections, [`EditError`]                |
//! | `io.rs`     | `write_atomic`                                                       |

use std::fmt;

use crate::error::{ConfigError, ErrorKind, Severity};

mod edit;
mod io;
mod kind;
mod line;
mod redact;

pub use edit::EditError;
pub use kind::FileKind;
use line::lex;
pub use line::{Line, LineKind};
pub use redact::redact_any_line;

/// A config file kept losslessly.
#[derive(Clone)]
pub struct Document {
    kind: FileKind,
    name: String,
    lines: Vec<Line>,
    /// Physical line number (1-based) where each logical line starts.
    starts: Vec<usize>,
    crlf: bool,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("lines", &self.lines)
            .finish()
    }
}

/// A line together with the section it sits in, as the typed views walk a file.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Index of the line in [`Document::lines`].
    pub index: usize,
    /// The `[section]` the line belongs to (`None` before the first header).
    pub section: Option<&'a str>,
    /// The line.
    pub line: &'a Line,
}

impl Document {
    /// Parses any bytes. Never fails: problems become diagnostics, and the bytes are kept.
    pub fn parse(kind: FileKind, name: impl Into<String>, input: &[u8]) -> Document {
        let mut lines = Vec::new();
        let mut pos = 0;
        while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
            let lexed = lex(kind, rest);
            // Lexers consume at least one byte of non-empty input; clamping keeps the loop finite even
            // if that were ever broken. invariant: rest is non-empty, so 1 <= rest.len() (no panic).
            let len = lexed.len.clamp(1, rest.len());
            let raw = rest.get(..len).unwrap_or(rest).to_vec();
            lines.push(Line::new(kind, raw, lexed));
            pos += len;
        }
        let crlf_count = input.windows(2).filter(|w| w == b"\r\n").count();
        let lf_count = input.iter().filter(|&&b| b == b'\n').count();
        let mut doc = Document {
            kind,
            name: name.into(),
            lines,
            starts: Vec::new(),
            crlf: crlf_count > 0 && crlf_count * 2 >= lf_count,
        };
        doc.renumber();
        doc
    }

    /// Parses text (see [`Document::parse`]).
    pub fn parse_str(kind: FileKind, name: impl Into<String>, input: &str) -> Document {
        Document::parse(kind, name, input.as_bytes())
    }

    fn renumber(&mut self) {
        let mut n = 1;
        self.starts.clear();
        for l in &self.lines {
            self.starts.push(n);
            n += l.raw.iter().filter(|&&b| b == b'\n').count();
        }
    }

    /// Which file this is.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The name diagnostics use for the file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The logical lines, in order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The exact bytes: the input, plus any edits. May contain secrets.
    pub fn render(&self) -> Vec<u8> {
        let total = self.lines.iter().map(|l| l.raw.len()).sum();
        let mut out = Vec::with_capacity(total);
        for l in &self.lines {
            out.extend_from_slice(&l.raw);
        }
        out
    }

    /// Physical line (1-based) where logical line `index` starts.
    pub fn line_number(&self, index: usize) -> usize {
        self.starts.get(index).copied().unwrap_or(0)
    }

    /// Physical line and byte column (both 1-based) of byte `offset` inside logical line `index`.
    pub fn position(&self, index: usize, offset: usize) -> (usize, usize) {
        let Some(line) = self.lines.get(index) else {
            return (0, 0);
        };
        let before = line.raw.get(..offset).unwrap_or(&line.raw);
        let lfs = before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        (self.line_number(index) + lfs, offset - line_start + 1)
    }

    /// A located diagnostic for byte `offset` of logical line `index`.
    pub fn error_at(
        &self,
        index: usize,
        offset: usize,
        severity: Severity,
        kind: ErrorKind,
    ) -> ConfigError {
        let (line, col) = self.position(index, offset);
        ConfigError {
            file: self.name.clone(),
            line,
            col,
            severity,
            kind,
        }
    }

    /// A diagnostic about the whole file (line 0).
    pub fn file_error(&self, severity: Severity, kind: ErrorKind) -> ConfigError {
        ConfigError {
            file: self.name.clone(),
            line: 0,
            col: 0,
            severity,
            kind,
        }
    }

    /// Every line with its section.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        let mut section: Option<&str> = None;
        self.lines.iter().enumerate().map(move |(index, line)| {
            if let Some(name) = line.section_name() {
                section = Some(name);
            }
            Entry {
                index,
                section,
                line,
            }
        })
    }

    /// The directive lines (with their section) whose name is `key`.
    pub fn find<'a>(&'a self, key: &'a str) -> impl Iterator<Item = Entry<'a>> + 'a {
        self.entries()
            .filter(move |e| e.line.key().is_some_and(|k| self.kind.key_eq(k, key)))
    }

    /// Tokenizer and section-structure findings (the typed views add the meaning-level ones).
    pub fn diagnostics(&self) -> Vec<ConfigError> {
        let mut out = Vec::new();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, line) in self.lines.iter().enumerate() {
            for issue in &line.lexed.issues {
                out.push(self.error_at(index, issue.at, issue.severity, issue.kind.clone()));
            }
            let Some(name) = line.section_name() else {
                continue;
            };
            let first = line.lexed.tokens.first();
            let at = first.map_or(0, |t| t.span.start);
            let well_formed = first.is_some_and(|t| t.text.len() >= 2 && t.text.ends_with(']'));
            if !well_formed {
                out.push(self.error_at(index, at, Severity::Error, ErrorKind::MalformedSection));
                continue;
            }
            if name.is_empty() {
                out.push(self.error_at(index, at, Severity::Error, ErrorKind::SectionWithoutName));
                continue;
            }
            if let Some(extra) = line.lexed.tokens.get(1) {
                out.push(self.error_at(
                    index,
                    extra.span.start,
                    Severity::Warning,
                    ErrorKind::TextAfterSection,
                ));
            }
            if let Some(first_line) = seen.get(name) {
                out.push(self.error_at(
                    index,
                    at,
                    Severity::Error,
                    ErrorKind::DuplicateSection {
                        name: name.to_string(),
                        first_line: *first_line,
                    },
                ));
            } else {
                seen.insert(name, self.position(index, at).0);
            }
        }
        out
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests;
