//! Editing a [`Document`]: `set` / `insert` / `remove` / `add_section` / `remove_section` rebuild only
//! the line they touch (keeping its indentation, `=` spacing and comment) and re-lex it.

use std::ops::Range;

use super::line::{lex, Line, LineKind};
use super::{Document, FileKind};
use crate::error::ErrorKind;
use crate::lexer::{self, EncodeError};

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

impl Document {
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

    /// What `set` and `insert` check and compute first: the file is editable, the name and values
    /// can be written; the section's lines, the encoded values and the last line setting `key`.
    fn prepare(
        &self,
        section: Option<&str>,
        key: &str,
        values: &[&str],
    ) -> Result<(Range<usize>, String, Option<usize>), EditError> {
        self.check_editable()?;
        lexer::check_name(key)?;
        let area = self.area(section)?;
        let encoded = self.encode_values(values)?;
        let last = self.matching(area.clone(), key).last().copied();
        Ok((area, encoded, last))
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
        let (area, encoded, last) = self.prepare(section, key, values)?;
        match last {
            Some(i) => self.rewrite_values(i, &encoded, values.is_empty()),
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
        let (area, encoded, after) = self.prepare(section, key, values)?;
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
}
