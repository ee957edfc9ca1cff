//! Typed views: what NUT would make of each file, with NUT's defaults filled in.
//!
//! A view is built from a [`Document`] and never changes it. Building one never fails: every problem
//! becomes a located [`ConfigError`] in [`Parsed::diagnostics`], and the rest of the file is still read,
//! because a diagnosis needs the partial picture most when the file is broken. Unknown directives are
//! kept (in `unknown`) and reported as warnings. Views are `Serialize` so nut-diagnose can put them into
//! JSON facts; secrets serialize as `"<redacted>"`.

use crate::document::{Document, Entry, LineKind};
use crate::error::{ConfigError, ErrorKind, Severity};
use crate::lexer::Token;

mod role;
pub(crate) mod secrets;

pub mod nut_conf;
pub mod ups_conf;
pub mod upsd_conf;
pub mod upsd_users;
pub mod upsmon_conf;
pub mod upssched_conf;

pub use role::Role;

/// A typed view with the diagnostics found while building it (tokenizer and structure findings of the
/// document included), in file order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Parsed<V> {
    /// What NUT would see.
    pub view: V,
    /// Every warning and error, located.
    pub diagnostics: Vec<ConfigError>,
}

impl<V> Parsed<V> {
    /// True if any diagnostic is an error (not just a warning).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(ConfigError::is_error)
    }
}

/// A directive NUT does not know, kept so that nothing in the file is silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unknown {
    /// The directive name as written.
    pub name: String,
    /// Physical line.
    pub line: usize,
}

/// `CERTIDENT name password` (upsd.conf and upsmon.conf).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertIdent {
    /// Certificate name in the database.
    pub name: String,
    /// Database password.
    pub password: crate::Secret,
}

/// The directive lines of a flat file (upsd.conf, upsmon.conf, upssched.conf) with their keyword as the
/// daemon matches it: as written, except `DEBUG_MIN`, which NUT's shared code accepts in any case.
pub(crate) fn directives(doc: &Document) -> impl Iterator<Item = (Entry<'_>, &str)> {
    doc.entries().filter_map(|e| {
        if e.line.kind() != LineKind::Directive {
            return None;
        }
        let key = e.line.key()?;
        let key = if key.eq_ignore_ascii_case("DEBUG_MIN") {
            "DEBUG_MIN"
        } else {
            key
        };
        Some((e, key))
    })
}

/// Collects diagnostics while a view walks a document.
pub(crate) struct Ctx<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) diags: Vec<ConfigError>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(doc: &'a Document) -> Self {
        Ctx {
            doc,
            diags: doc.diagnostics(),
        }
    }

    pub(crate) fn finish<V>(mut self, view: V) -> Parsed<V> {
        self.diags.sort_by_key(|d| (d.line == 0, d.line, d.col));
        Parsed {
            view,
            diagnostics: self.diags,
        }
    }

    /// Physical line of an entry.
    pub(crate) fn line(&self, e: &Entry<'_>) -> usize {
        self.doc.line_number(e.index)
    }

    /// Records a finding at `tok` (or at the entry's first word).
    pub(crate) fn report(
        &mut self,
        e: &Entry<'_>,
        tok: Option<&Token>,
        severity: Severity,
        kind: ErrorKind,
    ) {
        let at = tok
            .or_else(|| e.line.tokens().first())
            .map_or(0, |t| t.span().start);
        self.diags
            .push(self.doc.error_at(e.index, at, severity, kind));
    }

    pub(crate) fn error(&mut self, e: &Entry<'_>, tok: Option<&Token>, kind: ErrorKind) {
        self.report(e, tok, Severity::Error, kind);
    }

    pub(crate) fn warn(&mut self, e: &Entry<'_>, tok: Option<&Token>, kind: ErrorKind) {
        self.report(e, tok, Severity::Warning, kind);
    }

    /// Warns about a directive this file's reader does not know and returns the record the view
    /// keeps: unknown directives are reported, never dropped.
    pub(crate) fn unknown(
        &mut self,
        e: &Entry<'_>,
        tok: Option<&Token>,
        name: &str,
        line: usize,
    ) -> Unknown {
        let directive = name.to_string();
        self.warn(e, tok, ErrorKind::UnknownDirective { directive });
        Unknown {
            name: name.to_string(),
            line,
        }
    }

    pub(crate) fn file_level(&mut self, severity: Severity, kind: ErrorKind) {
        self.diags.push(self.doc.file_error(severity, kind));
    }

    /// The single argument of `KEY value`; errors if missing, warns about extra words.
    pub(crate) fn one_arg<'e>(
        &mut self,
        e: &Entry<'e>,
        key: &str,
        what: &str,
    ) -> Option<&'e Token> {
        let args = e.line.args();
        let Some(first) = args.first() else {
            self.error(
                e,
                None,
                ErrorKind::MissingArgument {
                    directive: key.to_string(),
                    what: what.to_string(),
                },
            );
            return None;
        };
        if let Some(extra) = args.get(1) {
            self.warn(
                e,
                Some(extra),
                ErrorKind::ExtraArguments {
                    directive: key.to_string(),
                    expected: what.to_string(),
                },
            );
        }
        Some(first)
    }

    /// `KEY n` with an unsigned number.
    pub(crate) fn number<T: std::str::FromStr>(
        &mut self,
        e: &Entry<'_>,
        key: &str,
        range: &str,
    ) -> Option<T> {
        let tok = self.one_arg(e, key, "a number")?;
        self.parse_number(e, key, tok, range)
    }

    pub(crate) fn parse_number<T: std::str::FromStr>(
        &mut self,
        e: &Entry<'_>,
        key: &str,
        tok: &Token,
        range: &str,
    ) -> Option<T> {
        let parsed = tok.text().parse::<T>().ok();
        if parsed.is_none() {
            self.error(
                e,
                Some(tok),
                ErrorKind::NotANumber {
                    directive: key.to_string(),
                    value: tok.text().to_string(),
                    range: range.to_string(),
                },
            );
        }
        parsed
    }

    /// `KEY word` as a string.
    pub(crate) fn string(&mut self, e: &Entry<'_>, key: &str, what: &str) -> Option<String> {
        self.one_arg(e, key, what).map(|t| t.text().to_string())
    }

    /// upsd's boolean: true/yes/on, false/no/off (any case) or any integer (non-zero = true).
    pub(crate) fn boolean(&mut self, e: &Entry<'_>, key: &str) -> Option<bool> {
        let tok = self.one_arg(e, key, "true or false")?;
        let v = tok.text().to_ascii_lowercase();
        let parsed = match v.as_str() {
            "true" | "yes" | "on" => Some(true),
            "false" | "no" | "off" => Some(false),
            other => other.parse::<i64>().ok().map(|n| n != 0),
        };
        if parsed.is_none() {
            self.error(
                e,
                Some(tok),
                ErrorKind::NotABool {
                    directive: key.to_string(),
                    value: tok.text().to_string(),
                },
            );
        }
        parsed
    }

    /// Notes a single-valued directive given twice.
    pub(crate) fn once(
        &mut self,
        seen: &mut Vec<(String, usize)>,
        e: &Entry<'_>,
        key: &str,
        note: &str,
    ) {
        let line = self.line(e);
        if let Some((_, first_line)) = seen.iter().find(|(k, _)| k == key) {
            let first_line = *first_line;
            self.warn(
                e,
                None,
                ErrorKind::Duplicate {
                    directive: key.to_string(),
                    first_line,
                    note: note.to_string(),
                },
            );
        } else {
            seen.push((key.to_string(), line));
        }
    }
}

/// upsmon notify event names (as NUT spells them; matched case-insensitively). Sorted.
pub const NOTIFY_EVENTS: &[&str] = &[
    "ALARM",
    "BOOST",
    "BYPASS",
    "CAL",
    "COMMBAD",
    "COMMOK",
    "ECO",
    "FSD",
    "LOWBATT",
    "NOCOMM",
    "NOPARENT",
    "NOTALARM",
    "NOTBOOST",
    "NOTBYPASS",
    "NOTCAL",
    "NOTECO",
    "NOTOFF",
    "NOTOTHER",
    "NOTOVER",
    "NOTTRIM",
    "OFF",
    "ONBATT",
    "ONLINE",
    "OTHER",
    "OVER",
    "REPLBATT",
    "SHUTDOWN",
    "SHUTDOWN_HOSTSYNC",
    "SUSPEND_FINISHED",
    "SUSPEND_STARTING",
    "SUSPEND_TIMEJUMP_UNEXPECTED",
    "TRIM",
];

/// The canonical event name for `word` (any case), if it is one.
pub fn notify_event(word: &str) -> Option<&'static str> {
    NOTIFY_EVENTS
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(word))
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_sorted_unique() {
        assert!(NOTIFY_EVENTS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(notify_event("onbatt"), Some("ONBATT"));
        assert_eq!(notify_event("ONFIRE"), None);
    }

    #[test]
    fn roles() {
        assert_eq!(Role::parse("master"), Some(Role::Primary));
        assert_eq!(Role::parse("slave"), Some(Role::Secondary));
        assert_eq!(Role::parse("Primary"), None);
        assert!(Role::is_legacy_word("slave"));
    }
}
