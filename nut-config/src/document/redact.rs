//! What may be shown of a document: [`Document::render_redacted`] and [`Document::snippet`], with every
//! secret (as marked by [`crate::files::secrets`]) replaced by [`REDACTED`]. A snippet redacts only its
//! own line, so its cost follows the line, not the file.

use std::ops::Range;

use super::line::{lex, Line, LineKind};
use super::{Document, FileKind};
use crate::error::{ConfigError, ErrorKind};
use crate::files::secrets;
use crate::secret::REDACTED;

impl Line {
    /// The line with every secret replaced by `<redacted>`.
    pub(super) fn redacted(&self, file: FileKind) -> Vec<u8> {
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
                    let mut sub = lex(file, body);
                    secrets::mark(file, false, &mut sub.tokens, false);
                    for t in sub.tokens.iter().filter(|t| t.secret) {
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

/// One line of unknown origin (a log sample, a paste) with what a NUT config file would hold secret
/// in it hidden: the line is read as upsmon.conf, upsd.conf and ups.conf in turn, and the first
/// reading that hides something wins (a `password = …` line, a MONITOR line's password field, an
/// SNMP community, a CERTIDENT password). Lines no file kind marks come back unchanged, so a log
/// line stays readable. Used wherever text that may be a config line is shown back to the user.
pub fn redact_any_line(line: &str) -> std::borrow::Cow<'_, str> {
    if line.contains('\n') {
        return std::borrow::Cow::Owned(
            line.split('\n')
                .map(|l| redact_any_line(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    for kind in [FileKind::UpsmonConf, FileKind::UpsdConf, FileKind::UpsConf] {
        let r = Document::parse_str(kind, "", line).render_redacted();
        if r != line {
            return std::borrow::Cow::Owned(r);
        }
    }
    std::borrow::Cow::Borrowed(line)
}

impl Document {
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
        // Only the logical line holding physical line `err.line` is redacted and cut: the last one
        // starting at or before it (`starts` is sorted).
        let index = self.starts.partition_point(|&start| start <= err.line);
        let Some((line, first)) = index
            .checked_sub(1)
            .and_then(|i| Some((self.lines.get(i)?, *self.starts.get(i)?)))
        else {
            return head;
        };
        let nth = err.line - first;
        let pick = |bytes: &[u8]| {
            bytes.split(|&b| b == b'\n').nth(nth).map(|l| {
                String::from_utf8_lossy(l)
                    .trim_end_matches('\r')
                    .to_string()
            })
        };
        let (Some(shown), Some(orig)) = (pick(&line.redacted(self.kind)), pick(&line.raw)) else {
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
}
