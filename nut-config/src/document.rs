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

use std::fmt;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, ErrorKind, Severity};
use crate::lexer::{self, EncodeError, Lexed, Token};
use crate::secret::REDACTED;

/// Which NUT config file a document is: decides the syntax, the key-matching rules and which words
/// are secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `nut.conf`: shell `NAME=value` lines.
    NutConf,
    /// `ups.conf`: drivers, `[ups]` sections of `key = value`.
    UpsConf,
    /// `upsd.conf`: `KEYWORD args` directives.
    UpsdConf,
    /// `upsd.users`: `[user]` sections.
    UpsdUsers,
    /// `upsmon.conf`: `KEYWORD args` directives.
    UpsmonConf,
    /// `upssched.conf`: `KEYWORD args` directives.
    UpsschedConf,
    /// Any other parseconf file (`hosts.conf`, `upsset.conf`, dummy-ups `.dev`): lossless, no view.
    Other,
}

impl FileKind {
    /// The six files nutctl knows, in the order a NUT install reads them.
    pub const ALL: [FileKind; 6] = [
        FileKind::NutConf,
        FileKind::UpsConf,
        FileKind::UpsdConf,
        FileKind::UpsdUsers,
        FileKind::UpsmonConf,
        FileKind::UpsschedConf,
    ];

    /// The file's name in a NUT config directory (empty for [`FileKind::Other`]).
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::NutConf => "nut.conf",
            FileKind::UpsConf => "ups.conf",
            FileKind::UpsdConf => "upsd.conf",
            FileKind::UpsdUsers => "upsd.users",
            FileKind::UpsmonConf => "upsmon.conf",
            FileKind::UpsschedConf => "upssched.conf",
            FileKind::Other => "",
        }
    }

    /// Guesses the kind from a file name (a `.sample` suffix is ignored), so `nutctl config show FILE`
    /// needs no flag.
    pub fn from_file_name(name: &str) -> FileKind {
        let base = name.rsplit('/').next().unwrap_or(name);
        let base = base.strip_suffix(".sample").unwrap_or(base);
        FileKind::ALL
            .into_iter()
            .find(|k| k.file_name() == base)
            .unwrap_or(FileKind::Other)
    }

    /// True for nut.conf, the one file in shell syntax.
    pub fn is_shell(self) -> bool {
        self == FileKind::NutConf
    }

    /// True if the file normally holds passwords: then it must not be world-readable, and lines that
    /// cannot be parsed are redacted whole.
    pub fn holds_secrets(self) -> bool {
        matches!(
            self,
            FileKind::UpsConf | FileKind::UpsdConf | FileKind::UpsdUsers | FileKind::UpsmonConf
        )
    }

    /// Whether the file has `[name]` sections.
    pub fn has_sections(self) -> bool {
        matches!(
            self,
            FileKind::UpsConf | FileKind::UpsdUsers | FileKind::Other
        )
    }

    /// upsd.users compares its keys case-insensitively; every other file case-sensitively.
    fn keys_case_insensitive(self) -> bool {
        self == FileKind::UpsdUsers
    }

    /// ups.conf and upsd.users are written `key = value`; the others `KEYWORD value`.
    fn key_value_style(self) -> bool {
        matches!(self, FileKind::UpsConf | FileKind::UpsdUsers)
    }

    pub(crate) fn key_eq(self, a: &str, b: &str) -> bool {
        if self.keys_case_insensitive() {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }
}

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
    raw: Vec<u8>,
    lexed: Lexed,
    kind: LineKind,
}

impl Line {
    fn new(file: FileKind, raw: Vec<u8>, lexed: Lexed) -> Line {
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
        let mut line = Line { raw, lexed, kind };
        mark_secrets(file, &mut line);
        line
    }

    /// Lexes `raw` as exactly one line; `None` if it would read as more than one.
    fn from_raw(file: FileKind, raw: Vec<u8>) -> Option<Line> {
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
    fn content_end(&self) -> usize {
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

    fn terminator(&self) -> &[u8] {
        if self.raw.ends_with(b"\r\n") {
            b"\r\n"
        } else if self.raw.ends_with(b"\n") {
            b"\n"
        } else {
            b""
        }
    }

    fn indent(&self) -> &[u8] {
        let n = self
            .raw
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        self.raw.get(..n).unwrap_or(&[])
    }

    /// The line with every secret replaced by `<redacted>`.
    fn redacted(&self, file: FileKind) -> Vec<u8> {
        let mut cuts: Vec<Range<usize>> = Vec::new();
        if self.kind == LineKind::Invalid && file.holds_secrets() {
            // NUT rejected it, so we cannot know which word is the password: hide all but the name.
            let mut from = self.lexed.tokens.first().map_or(0, |t| t.span.end);
            while self.raw.get(from).is_some_and(|&b| b == b' ' || b == b'\t') {
                from += 1;
            }
            let to = self.raw.len() - self.terminator().len();
            if to > from {
                cuts.push(from..to);
            }
        } else {
            // One cut per run of consecutive secret words, so even the number of words is hidden.
            let mut run: Option<Range<usize>> = None;
            for t in &self.lexed.tokens {
                match (&mut run, t.secret) {
                    (Some(r), true) => r.end = t.span.end,
                    (None, true) => run = Some(t.span.clone()),
                    (Some(_), false) => cuts.extend(run.take()),
                    (None, false) => {}
                }
            }
            if let Some(mut r) = run {
                // The line's last words were secret: if NUT's word limit cut words off, they are
                // secret too.
                let dropped_words = self
                    .lexed
                    .issues
                    .iter()
                    .any(|i| matches!(i.kind, ErrorKind::TooManyWords { .. }));
                if dropped_words {
                    r.end = r.end.max(self.content_end());
                }
                cuts.push(r);
            }
            if let Some(c) = &self.lexed.comment {
                // Commented-out directives (`# password = old`) are still secrets.
                let body_start = c.start + 1;
                if let Some(body) = self.raw.get(body_start..c.end) {
                    let sub = lex(file, body);
                    let mut tmp = Line {
                        raw: body.to_vec(),
                        lexed: sub,
                        kind: LineKind::Directive,
                    };
                    mark_secrets_with(file, &mut tmp, false);
                    for t in tmp.lexed.tokens.iter().filter(|t| t.secret) {
                        cuts.push(t.span.start + body_start..t.span.end + body_start);
                    }
                }
            }
        }
        cuts.sort_by_key(|r| r.start);
        let mut out = Vec::with_capacity(self.raw.len());
        let mut pos = 0;
        for cut in cuts {
            if cut.start < pos {
                continue;
            }
            out.extend_from_slice(self.raw.get(pos..cut.start).unwrap_or(&[]));
            out.extend_from_slice(REDACTED.as_bytes());
            pos = cut.end;
        }
        out.extend_from_slice(self.raw.get(pos..).unwrap_or(&[]));
        out
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

fn lex(file: FileKind, input: &[u8]) -> Lexed {
    if file.is_shell() {
        lexer::lex_shell(input)
    } else {
        lexer::lex_parseconf(input)
    }
}

const NOT_SECRET_USER_KEYS: [&str; 4] = ["actions", "instcmds", "upsmon", "allowfrom"];

fn mark_secrets(file: FileKind, line: &mut Line) {
    mark_secrets_with(file, line, true);
}

/// Marks the words that hold secrets. `conservative` (real lines, not comments) also hides values whose
/// role is unknown in files full of passwords, such as a misspelt `pasword` in upsd.users.
fn mark_secrets_with(file: FileKind, line: &mut Line, conservative: bool) {
    if line.kind == LineKind::Invalid && file.holds_secrets() {
        for t in line.lexed.tokens.iter_mut().skip(1) {
            t.secret = true;
        }
        return;
    }
    let Some(key) = line
        .lexed
        .tokens
        .first()
        .map(|t| t.text.to_ascii_lowercase())
    else {
        return;
    };
    if key.starts_with('[') {
        return;
    }
    let skip = if line.has_equals() { 2 } else { 1 };
    let nargs = line.lexed.tokens.len().saturating_sub(skip);
    let secretish = key.contains("pass") || key.contains("secret") || key.contains("community");
    let all = if conservative {
        secretish || (file == FileKind::UpsdUsers && !NOT_SECRET_USER_KEYS.contains(&key.as_str()))
    } else {
        // In comments only commented-out settings (`# password = old`), not prose about passwords.
        secretish && line.has_equals()
    };
    let monitor = key == "monitor" && (file == FileKind::UpsmonConf || !conservative);
    let certident = key == "certident"
        && (matches!(file, FileKind::UpsmonConf | FileKind::UpsdConf) || !conservative);
    if conservative
        && file == FileKind::UpsdUsers
        && key != "password"
        && !NOT_SECRET_USER_KEYS.contains(&key.as_str())
    {
        // A stray word in upsd.users is as likely a password as a misspelt setting: hide it all.
        for t in line.lexed.tokens.iter_mut() {
            t.secret = true;
        }
        return;
    }
    let odd_role = conservative && file == FileKind::UpsdUsers && key == "upsmon";
    for (i, t) in line.lexed.tokens.iter_mut().skip(skip).enumerate() {
        t.secret = all
            || (odd_role && crate::files::Role::parse(&t.text).is_none())
            || (monitor && nargs >= 5 && i == 3)
            || (monitor && conservative && nargs < 5 && i >= 1)
            || (certident && (nargs == 2 || conservative) && i >= 1);
    }
}

/// Why an edit was refused. The document is unchanged when an edit fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The `[section]` named does not exist.
    #[error("no section [{0}]")]
    NoSuchSection(String),
    /// `add_section` for a name already present.
    #[error("section [{0}] already exists")]
    SectionExists(String),
    /// This file has no sections.
    #[error("{0:?} files have no sections")]
    NoSections(FileKind),
    /// nut.conf assignments take exactly one value.
    #[error("nut.conf assignments take exactly one value")]
    OneValue,
    /// A value or name that cannot be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The rebuilt line would not read back as exactly one line; the edit is refused rather than
    /// risk changing its neighbours.
    #[error("the edited line would not read back as one line; edit refused")]
    WouldSplitLine,
    /// The file has a quote that never closes, which swallows everything after it: any line added
    /// would become part of that quoted word. Fix that line first.
    #[error("line {line} has an unterminated quote; fix it before editing the file")]
    UnterminatedQuote {
        /// Physical line of the quote.
        line: usize,
    },
}

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

    /// The file with every secret (passwords, MONITOR password fields, CERTIDENT passwords, SNMP
    /// credentials, commented-out ones too) replaced by `<redacted>`; lines NUT cannot parse in a file
    /// that holds secrets keep only their first word. Safe to print (`nutctl config show`).
    pub fn render_redacted(&self) -> String {
        let mut out = Vec::new();
        for l in &self.lines {
            out.extend_from_slice(&l.redacted(self.kind));
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The diagnostic followed by its source line and a caret under the column, for terminals:
    ///
    /// ```text
    /// upsmon.conf:2:10: POLLFREQ: "often" is not a number
    ///   2 | POLLFREQ often
    ///     |          ^
    /// ```
    ///
    /// The line is shown redacted; when redaction changed it, the caret is left out rather than shown
    /// in the wrong place. Whole-file diagnostics (line 0) are shown alone.
    pub fn snippet(&self, err: &ConfigError) -> String {
        let head = err.to_string();
        if err.line == 0 {
            return head;
        }
        let redacted = self.render_redacted();
        let original = String::from_utf8_lossy(&self.render()).into_owned();
        let pick = |text: &str| {
            text.split('\n')
                .nth(err.line - 1)
                .map(|l| l.trim_end_matches('\r').to_string())
        };
        let (Some(shown), Some(orig)) = (pick(&redacted), pick(&original)) else {
            return head;
        };
        let num = err.line.to_string();
        let pad = " ".repeat(num.len());
        let mut out = format!("{head}\n  {num} | {shown}");
        if shown == orig {
            // Keep tabs so the caret lines up under the same column in a terminal.
            let lead: String = shown
                .chars()
                .take(err.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("\n  {pad} | {lead}^"));
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

    // ---- editing ----------------------------------------------------------------------------------

    /// Lines belonging to `section` (None = before the first header): header excluded.
    fn area(&self, section: Option<&str>) -> Result<Range<usize>, EditError> {
        let headers: Vec<usize> = (0..self.lines.len())
            .filter(|&i| {
                self.lines
                    .get(i)
                    .is_some_and(|l| l.kind == LineKind::Section)
            })
            .collect();
        match section {
            None => Ok(0..headers.first().copied().unwrap_or(self.lines.len())),
            Some(name) => {
                if !self.kind.has_sections() {
                    return Err(EditError::NoSections(self.kind));
                }
                let pos = headers
                    .iter()
                    .position(|&i| self.lines.get(i).and_then(Line::section_name) == Some(name))
                    .ok_or_else(|| EditError::NoSuchSection(name.to_string()))?;
                let start = headers.get(pos).copied().unwrap_or(0) + 1;
                let end = headers.get(pos + 1).copied().unwrap_or(self.lines.len());
                Ok(start..end)
            }
        }
    }

    fn matching(&self, area: Range<usize>, key: &str) -> Vec<usize> {
        area.filter(|&i| {
            self.lines
                .get(i)
                .and_then(Line::key)
                .is_some_and(|k| self.kind.key_eq(k, key))
        })
        .collect()
    }

    /// Refuses edits that add text when an open quote would swallow it.
    fn check_editable(&self) -> Result<(), EditError> {
        for (i, l) in self.lines.iter().enumerate() {
            if let Some(issue) = l
                .lexed
                .issues
                .iter()
                .find(|x| x.kind == ErrorKind::UnterminatedQuote)
            {
                return Err(EditError::UnterminatedQuote {
                    line: self.position(i, issue.at).0,
                });
            }
        }
        Ok(())
    }

    fn encode_values(&self, values: &[&str]) -> Result<String, EditError> {
        if self.kind.is_shell() {
            let [v] = values else {
                return Err(EditError::OneValue);
            };
            return Ok(lexer::encode_shell(v)?);
        }
        let words: Result<Vec<String>, EncodeError> =
            values.iter().map(|v| lexer::encode_word(v)).collect();
        Ok(words?.join(" "))
    }

    fn newline(&self) -> &'static [u8] {
        if self.crlf {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// Sets `key` in `section` to `values`: rewrites the last line that sets it (the one NUT uses),
    /// keeping its indentation, spacing and comment; adds a line after the section's last directive if
    /// there is none. An empty `values` writes a bare flag (`nolock`).
    pub fn set(
        &mut self,
        section: Option<&str>,
        key: &str,
        values: &[&str],
    ) -> Result<(), EditError> {
        self.check_editable()?;
        lexer::check_name(key)?;
        let area = self.area(section)?;
        let encoded = self.encode_values(values)?;
        match self.matching(area.clone(), key).last() {
            Some(&i) => self.rewrite_values(i, &encoded, values.is_empty()),
            None => self.insert_new(section.is_some(), area, None, key, &encoded),
        }
    }

    /// Adds one more `key values…` line (for repeatable directives: `MONITOR`, `LISTEN`, `NOTIFYFLAG`,
    /// `instcmds`…), after the last line with the same key, else after the section's last directive.
    pub fn insert(
        &mut self,
        section: Option<&str>,
        key: &str,
        values: &[&str],
    ) -> Result<(), EditError> {
        self.check_editable()?;
        lexer::check_name(key)?;
        let area = self.area(section)?;
        let encoded = self.encode_values(values)?;
        let after = self.matching(area.clone(), key).last().copied();
        self.insert_new(section.is_some(), area, after, key, &encoded)
    }

    /// Removes every line setting `key` in `section`; returns how many went.
    pub fn remove(&mut self, section: Option<&str>, key: &str) -> Result<usize, EditError> {
        let area = self.area(section)?;
        let gone = self.matching(area, key);
        for &i in gone.iter().rev() {
            self.lines.remove(i);
        }
        self.renumber();
        Ok(gone.len())
    }

    /// Appends a `[name]` section at the end of the file (after a blank line).
    pub fn add_section(&mut self, name: &str) -> Result<(), EditError> {
        if !self.kind.has_sections() {
            return Err(EditError::NoSections(self.kind));
        }
        self.check_editable()?;
        lexer::check_name(name)?;
        if self.area(Some(name)).is_ok() {
            return Err(EditError::SectionExists(name.to_string()));
        }
        let nl = self.newline();
        self.terminate_last();
        if self.lines.last().is_some_and(|l| l.kind != LineKind::Blank) {
            self.push_raw(nl.to_vec());
        }
        let mut raw = format!("[{name}]").into_bytes();
        raw.extend_from_slice(nl);
        self.push_raw(raw);
        self.renumber();
        Ok(())
    }

    /// Removes a `[name]` header and every line up to the next header. Returns false if absent.
    pub fn remove_section(&mut self, name: &str) -> Result<bool, EditError> {
        let area = match self.area(Some(name)) {
            Ok(a) => a,
            Err(EditError::NoSuchSection(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        self.lines.drain(area.start.saturating_sub(1)..area.end);
        self.renumber();
        Ok(true)
    }

    fn push_raw(&mut self, raw: Vec<u8>) {
        let lexed = lex(self.kind, &raw);
        self.lines.push(Line::new(self.kind, raw, lexed));
    }

    /// Gives the last line a terminator so that a line can follow it.
    fn terminate_last(&mut self) {
        let kind = self.kind;
        let nl = self.newline();
        if let Some(last) = self.lines.last_mut() {
            let mut raw = last.raw.clone();
            // Two at most: a trailing `\` turns the first newline into a continuation.
            for _ in 0..2 {
                if last.lexed.terminated {
                    break;
                }
                raw.extend_from_slice(nl);
                match Line::from_raw(kind, raw.clone()) {
                    Some(l) => *last = l,
                    None => break,
                }
            }
        }
    }

    fn rewrite_values(&mut self, i: usize, encoded: &str, flag: bool) -> Result<(), EditError> {
        let kind = self.kind;
        let Some(line) = self.lines.get(i) else {
            return Ok(());
        };
        let toks = &line.lexed.tokens;
        let (region, insert): (Range<usize>, String) = if kind.is_shell() {
            let Some(v) = toks.get(1) else {
                return Ok(());
            };
            (v.span.clone(), encoded.to_string())
        } else {
            let key_end = toks.first().map_or(0, |t| t.span.end);
            let eq_end = if line.has_equals() {
                toks.get(1).map(|t| t.span.end)
            } else {
                None
            };
            let end = line.content_end();
            match line.args().first() {
                Some(first) if !flag => (first.span.start..end, encoded.to_string()),
                Some(_) => (key_end..end, String::new()),
                None if flag => (key_end..end, String::new()),
                None => match eq_end {
                    Some(e) => (e..end, format!(" {encoded}")),
                    None if kind.key_value_style() => (key_end..end, format!(" = {encoded}")),
                    None => (key_end..end, format!(" {encoded}")),
                },
            }
        };
        let mut raw = line.raw.get(..region.start).unwrap_or(&[]).to_vec();
        raw.extend_from_slice(insert.as_bytes());
        raw.extend_from_slice(line.raw.get(region.end..).unwrap_or(&[]));
        let new = Line::from_raw(kind, raw).ok_or(EditError::WouldSplitLine)?;
        if let Some(slot) = self.lines.get_mut(i) {
            *slot = new;
        }
        self.renumber();
        Ok(())
    }

    fn insert_new(
        &mut self,
        in_section: bool,
        area: Range<usize>,
        after: Option<usize>,
        key: &str,
        encoded: &str,
    ) -> Result<(), EditError> {
        let directive = |i: &usize| {
            self.lines
                .get(*i)
                .is_some_and(|l| l.kind == LineKind::Directive)
        };
        let last_directive = area.clone().rev().find(directive);
        let at = match after.or(last_directive) {
            Some(i) => i + 1,
            None if in_section => area.start,
            None if area.end == self.lines.len() => area.end,
            None => {
                // Before the first header, but above the comment block that introduces it.
                let mut p = area.end;
                while p > area.start
                    && self
                        .lines
                        .get(p - 1)
                        .is_some_and(|l| l.kind == LineKind::Comment)
                {
                    p -= 1;
                }
                p
            }
        };
        let indent: Vec<u8> = match last_directive.or(after) {
            Some(i) => self
                .lines
                .get(i)
                .map(|l| l.indent().to_vec())
                .unwrap_or_default(),
            None if in_section => self
                .entries()
                .find(|e| e.section.is_some() && e.line.kind == LineKind::Directive)
                .map_or(b"\t".to_vec(), |e| e.line.indent().to_vec()),
            None => Vec::new(),
        };
        let mut raw = indent;
        raw.extend_from_slice(key.as_bytes());
        if self.kind.is_shell() {
            raw.push(b'=');
            raw.extend_from_slice(encoded.as_bytes());
        } else if !encoded.is_empty() {
            raw.extend_from_slice(if self.kind.key_value_style() {
                b" = "
            } else {
                b" "
            });
            raw.extend_from_slice(encoded.as_bytes());
        }
        raw.extend_from_slice(self.newline());
        // In the middle of the file the line before `at` already ends with a newline (a line only
        // ends without one at the end of the input); at the end it may not: terminate_last below.
        let line = Line::from_raw(self.kind, raw).ok_or(EditError::WouldSplitLine)?;
        if at >= self.lines.len() {
            self.terminate_last();
        }
        self.lines.insert(at.min(self.lines.len()), line);
        self.renumber();
        Ok(())
    }

    /// Writes the document to `path` safely: a temp file in the same directory (same mode and, when
    /// permitted, same owner as the old file), flushed to disk, then renamed over `path`. With
    /// `backup`, the old file is kept as `path.bak` first. Returns the backup's path, if one was made.
    pub fn write_atomic(&self, path: &Path, backup: bool) -> std::io::Result<Option<PathBuf>> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let fname = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config".to_string());
        let tmp = dir.join(format!(".{fname}.nutctl-tmp-{}", std::process::id()));
        let old_meta = std::fs::metadata(path).ok();
        let result = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            if let Some(m) = &old_meta {
                f.set_permissions(m.permissions())?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt as _;
                    // Best effort: only root can give the file to root:nut again.
                    let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
                }
            }
            f.write_all(&self.render())?;
            f.sync_all()?;
            let bak = if backup && old_meta.is_some() {
                let bak = dir.join(format!("{fname}.bak"));
                std::fs::copy(path, &bak)?;
                Some(bak)
            } else {
                None
            };
            std::fs::rename(&tmp, path)?;
            Ok(bak)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc(kind: FileKind, s: &str) -> Document {
        Document::parse_str(kind, "t", s)
    }

    fn text(d: &Document) -> String {
        String::from_utf8(d.render()).unwrap()
    }

    #[test]
    fn round_trip_odd_inputs() {
        for s in [
            "",
            "\n",
            "no newline",
            "a b",
            "  \t\r\n\r\n",
            "X \"open\nquote\n",
            "X \"a#b\"\nY z\n",
            "cont\\\ninued line\n",
            "[s]\n\tk = v # c \t\n\n[t]\r\n",
            "\u{0}\u{ff}\u{7f}=\"=\n",
        ] {
            for kind in [FileKind::UpsConf, FileKind::NutConf, FileKind::UpsmonConf] {
                assert_eq!(text(&doc(kind, s)), s, "{kind:?} {s:?}");
            }
        }
    }

    #[test]
    fn sections_and_entries() {
        let d = doc(
            FileKind::UpsConf,
            "maxretry = 3\n[a]\n driver = x\n\n[b]\n port=y\n",
        );
        let e: Vec<_> = d
            .entries()
            .filter_map(|e| e.line.key().map(|k| (e.section, k.to_string())))
            .collect();
        assert_eq!(
            e,
            [
                (None, "maxretry".to_string()),
                (Some("a"), "driver".to_string()),
                (Some("b"), "port".to_string())
            ]
        );
        assert_eq!(d.line_number(5), 6);
    }

    #[test]
    fn nul_in_a_password_is_an_error_naming_file_and_line() {
        let d = doc(
            FileKind::UpsmonConf,
            "# x\nMONITOR u@h 1 mon \"pw\0x\" primary\n",
        );
        let errs: Vec<String> = d
            .diagnostics()
            .iter()
            .filter(|e| e.is_error())
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("t:2:19: NUL byte"), "{errs:?}");
        assert!(!errs[0].contains("pw"), "{errs:?}");
    }

    #[test]
    fn structure_diagnostics() {
        let d = doc(FileKind::UpsConf, "[]\n[a]\n[a\n[b] extra\n[a]\n");
        let msgs: Vec<String> = d.diagnostics().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "t:1:1: section header without a name",
                "t:3:1: malformed section header (expected [name], no spaces)",
                "t:4:5: warning: text after the section header is ignored",
                "t:5:1: duplicate section [a] (first defined on line 2)",
            ]
        );
    }

    #[test]
    fn set_rewrites_only_the_value() {
        let mut d = doc(
            FileKind::UpsConf,
            "# top\n[ups]\n\tdriver=usbhid-ups   # the driver\n\tport = auto\n",
        );
        d.set(Some("ups"), "driver", &["nutdrv_qx"]).unwrap();
        assert_eq!(
            text(&d),
            "# top\n[ups]\n\tdriver=nutdrv_qx   # the driver\n\tport = auto\n"
        );
        d.set(Some("ups"), "desc", &["Rack UPS"]).unwrap();
        assert_eq!(
            text(&d),
            "# top\n[ups]\n\tdriver=nutdrv_qx   # the driver\n\tport = auto\n\tdesc = \"Rack UPS\"\n"
        );
        assert_eq!(
            d.set(Some("nope"), "x", &["y"]),
            Err(EditError::NoSuchSection("nope".into()))
        );
    }

    #[test]
    fn set_global_goes_above_the_first_section_comment() {
        let mut d = doc(
            FileKind::UpsConf,
            "# intro\n\n# first ups\n[a]\n\tdriver = x\n",
        );
        d.set(None, "maxretry", &["3"]).unwrap();
        assert_eq!(
            text(&d),
            "# intro\n\nmaxretry = 3\n# first ups\n[a]\n\tdriver = x\n"
        );
    }

    #[test]
    fn insert_remove_and_crlf_and_missing_newline() {
        let mut d = doc(
            FileKind::UpsmonConf,
            "MONITOR a@h 1 u p primary\r\nPOLLFREQ 5",
        );
        d.insert(None, "MONITOR", &["b@h", "1", "u", "p", "secondary"])
            .unwrap();
        d.set(None, "DEADTIME", &["30"]).unwrap();
        assert_eq!(
            text(&d),
            "MONITOR a@h 1 u p primary\r\nMONITOR b@h 1 u p secondary\r\nPOLLFREQ 5\r\nDEADTIME 30\r\n"
        );
        assert_eq!(d.remove(None, "MONITOR").unwrap(), 2);
        assert_eq!(text(&d), "POLLFREQ 5\r\nDEADTIME 30\r\n");
    }

    #[test]
    fn sections_added_and_removed() {
        let mut d = doc(FileKind::UpsdUsers, "[admin]\n\tpassword = x\n");
        d.add_section("mon").unwrap();
        d.set(Some("mon"), "upsmon", &["secondary"]).unwrap();
        assert_eq!(
            text(&d),
            "[admin]\n\tpassword = x\n\n[mon]\n\tupsmon = secondary\n"
        );
        assert_eq!(
            d.add_section("mon"),
            Err(EditError::SectionExists("mon".into()))
        );
        assert!(d.remove_section("admin").unwrap());
        assert_eq!(text(&d), "[mon]\n\tupsmon = secondary\n");
        assert!(!d.remove_section("admin").unwrap());
    }

    #[test]
    fn upsd_users_keys_are_case_insensitive_and_flag_forms_kept() {
        let mut d = doc(
            FileKind::UpsdUsers,
            "[u]\n  PassWord = old\n  upsmon master\n",
        );
        d.set(Some("u"), "password", &["new pw"]).unwrap();
        d.set(Some("u"), "upsmon", &["primary"]).unwrap();
        assert_eq!(text(&d), "[u]\n  PassWord = \"new pw\"\n  upsmon primary\n");
    }

    #[test]
    fn nut_conf_edits() {
        let mut d = doc(FileKind::NutConf, "# mode\nMODE=none # was\n");
        d.set(None, "MODE", &["netclient"]).unwrap();
        d.set(None, "UPSD_OPTIONS", &["-D -D"]).unwrap();
        assert_eq!(
            text(&d),
            "# mode\nMODE=netclient # was\nUPSD_OPTIONS=\"-D -D\"\n"
        );
        assert_eq!(d.set(None, "MODE", &[]), Err(EditError::OneValue));
        assert_eq!(
            d.add_section("x"),
            Err(EditError::NoSections(FileKind::NutConf))
        );
    }

    #[test]
    fn flags() {
        let mut d = doc(FileKind::UpsConf, "[u]\n\tnolock = yes\n");
        d.set(Some("u"), "nolock", &[]).unwrap();
        d.set(Some("u"), "ignorelb", &[]).unwrap();
        assert_eq!(text(&d), "[u]\n\tnolock\n\tignorelb\n");
    }

    #[test]
    fn redaction() {
        let d = doc(
            FileKind::UpsdUsers,
            "[u]\n\tpassword = \"s3cr3t pw\"  # set 2024\n#\tpassword = oldpass\n\tpasword = typo1\n\tactions = SET\n\tpassword = \"x#y\"\n",
        );
        let r = d.render_redacted();
        assert_eq!(
            r,
            "[u]\n\tpassword = <redacted>  # set 2024\n#\tpassword = <redacted>\n\t<redacted>\n\tactions = SET\n\tpassword <redacted>\n"
        );
        let dbg = format!("{d:?}");
        for s in ["s3cr3t", "oldpass", "typo1", "x#y"] {
            assert!(!dbg.contains(s), "{s} in {dbg}");
        }
        let m = doc(
            FileKind::UpsmonConf,
            "MONITOR ups@h 1 mon Pa55 primary\n# MONITOR ups@h 1 mon OldPw slave\nCERTIDENT me Cpw\n",
        );
        assert_eq!(
            m.render_redacted(),
            "MONITOR ups@h 1 mon <redacted> primary\n# MONITOR ups@h 1 mon <redacted> slave\nCERTIDENT me <redacted>\n"
        );
    }

    #[test]
    fn snippets_point_at_the_column_without_secrets() {
        let d = doc(
            FileKind::UpsmonConf,
            "MONITOR u@h 1 mon Pw9 primary\n\tPOLLFREQ often\nMONITOR u@h:0 1 mon Pw9 primary\n",
        );
        let p = crate::files::upsmon_conf::UpsmonConf::from_document(&d);
        let shown: Vec<String> = p.diagnostics.iter().map(|e| d.snippet(e)).collect();
        assert_eq!(
            shown,
            [
                "t:2:11: POLLFREQ: \"often\" is not a number\n  2 | \tPOLLFREQ often\n    | \t         ^",
                "t:3:9: MONITOR: bad port \"0\" in target \"u@h:0\" (expected a number from 1 to 65535)\n  3 | MONITOR u@h:0 1 mon <redacted> primary",
            ]
        );
        assert_eq!(d.snippet(&d.file_error(Severity::Warning, ErrorKind::LastWordLost)), "t: warning: last line is a single word without a final newline: NUT ignores it (add a newline)");
    }

    #[test]
    fn write_atomic_keeps_backup() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("upsmon.conf");
        std::fs::write(&p, "POLLFREQ 5\n").unwrap();
        let mut d = Document::parse(
            FileKind::UpsmonConf,
            "upsmon.conf",
            &std::fs::read(&p).unwrap(),
        );
        d.set(None, "POLLFREQ", &["10"]).unwrap();
        let bak = d.write_atomic(&p, true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "POLLFREQ 10\n");
        let bak = bak.unwrap();
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), "POLLFREQ 5\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .collect();
        assert!(leftovers.is_empty());
        assert_eq!(d.write_atomic(&p, false).unwrap(), None);
    }
}
