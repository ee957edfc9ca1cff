//! `ConfigError`: one problem in one config file, located to the byte.
//!
//! Every finding the parsers and typed views make is a `ConfigError` with the file, the physical line
//! (1-based, as an editor counts them — NUT's own messages count logical lines, which differ after a
//! `\` continuation) and the column (1-based, in bytes). It displays as `file:line:col: message` so
//! editors and terminals can jump to it. Messages never quote a secret: they name the directive, the
//! position and what was expected, not the value.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// NUT accepts the file but ignores or reinterprets something (unknown directive, extra words).
    Warning,
    /// NUT rejects the line or the value is unusable (bad number, unterminated quote, missing fields).
    Error,
}

/// A located problem in a config file.
///
/// Serializes as `{file, line, col, severity, kind: {kind: "snake_case_name", …fields}, message}` where
/// `message` is the human text of `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as it was named when loaded (a path, or a label such as `upsmon.conf`).
    pub file: String,
    /// Physical line, 1-based; 0 means "the whole file" (e.g. a required directive is absent).
    pub line: usize,
    /// Byte column, 1-based; 0 when `line` is 0.
    pub col: usize,
    /// Warning or error.
    pub severity: Severity,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl ConfigError {
    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for ConfigError {}

impl serde::Serialize for ConfigError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("ConfigError", 6)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("col", &self.col)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("message", &self.kind.to_string())?;
        st.end()
    }
}

/// What is wrong, in words a person acting on the file understands. Variants carry names and
/// positions, never secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- tokenizer -------------------------------------------------------------------------------
    /// A `"` opened a word that never closes before the end of the file.
    #[error("unterminated quote: the \" opened here is never closed (NUT swallows the rest of the file into this word)")]
    UnterminatedQuote,
    /// A quoted word continues over several lines, which NUT allows but is nearly always a missing `"`.
    #[error("quoted word runs over {lines} lines (NUT joins them; is a closing \" missing?)")]
    QuoteSpansLines {
        /// Physical lines the word covers.
        lines: usize,
    },
    /// `#` inside quotes, which NUT's tokenizer rejects.
    #[error("unescaped # inside quotes: NUT rejects this line (write \\# instead)")]
    HashInQuotes,
    /// Control or non-ASCII bytes inside a word; NUT silently drops them.
    #[error(
        "non-ASCII or control byte in a word: NUT silently drops it (config files are 7-bit ASCII)"
    )]
    DroppedBytes,
    /// A NUL byte inside a word: NUT would silently drop it (a password `"pw\0x"` becomes `pwx`), so
    /// the line is refused.
    #[error("NUL byte in a word: this line is refused (NUT would silently drop the byte and use a different value)")]
    NulByte,
    /// A word longer than NUT's limit.
    #[error("word longer than {max} characters: NUT truncates it")]
    WordTooLong {
        /// The limit.
        max: usize,
    },
    /// More words on a line than NUT keeps.
    #[error("more than {max} words on one line: NUT drops the rest")]
    TooManyWords {
        /// The limit.
        max: usize,
    },
    /// A single-word last line without a final newline, which NUT's tokenizer loses.
    #[error("last line is a single word without a final newline: NUT ignores it (add a newline)")]
    LastWordLost,

    // ---- structure -------------------------------------------------------------------------------
    /// `[]`.
    #[error("section header without a name")]
    SectionWithoutName,
    /// `[name` or `[my ups]`.
    #[error("malformed section header (expected [name], no spaces)")]
    MalformedSection,
    /// Words after `[name]`.
    #[error("text after the section header is ignored")]
    TextAfterSection,
    /// The same section twice.
    #[error("duplicate section [{name}] (first defined on line {first_line})")]
    DuplicateSection {
        /// Section name.
        name: String,
        /// Where it was first defined.
        first_line: usize,
    },
    /// `[default]` in ups.conf.
    #[error("the UPS name [{name}] is reserved by NUT")]
    ReservedName {
        /// Section name.
        name: String,
    },
    /// A directive where the file has no place for it.
    #[error("{directive} outside any [section]: NUT ignores it")]
    OutsideSection {
        /// The directive name.
        directive: String,
    },
    /// A directive NUT does not know in this file.
    #[error("unknown directive {directive}: NUT ignores it")]
    UnknownDirective {
        /// The directive name.
        directive: String,
    },
    /// A directive that NUT still reads but no longer honours.
    #[error("{directive} is obsolete: {hint}")]
    Obsolete {
        /// The directive name.
        directive: String,
        /// What to use instead.
        hint: String,
    },
    /// A key=value file line without `=`.
    #[error("{directive}: expected `{directive} = value`; NUT ignores this line")]
    MissingEquals {
        /// The key.
        directive: String,
    },
    /// Too few arguments.
    #[error("{directive}: missing {what}")]
    MissingArgument {
        /// The directive.
        directive: String,
        /// What is missing, in words.
        what: String,
    },
    /// Extra words NUT ignores.
    #[error("{directive}: extra words after {expected} are ignored")]
    ExtraArguments {
        /// The directive.
        directive: String,
        /// What was expected.
        expected: String,
    },
    /// A number was expected.
    #[error("{directive}: {value:?} is not a number{range}")]
    NotANumber {
        /// The directive.
        directive: String,
        /// The word found.
        value: String,
        /// Allowed range, e.g. " (expected 0 or more)".
        range: String,
    },
    /// A boolean was expected.
    #[error("{directive}: {value:?} is not a boolean (expected true/false, yes/no, on/off, 1/0)")]
    NotABool {
        /// The directive.
        directive: String,
        /// The word found.
        value: String,
    },
    /// A value outside its enumeration.
    #[error("{directive}: {value:?} is not one of {allowed}")]
    BadValue {
        /// The directive.
        directive: String,
        /// The word found.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// A single-valued directive given more than once.
    #[error("{directive} given again (first on line {first_line}){note}")]
    Duplicate {
        /// The directive.
        directive: String,
        /// Where it was first given.
        first_line: usize,
        /// What NUT does about it, e.g. "; the later value wins" (empty if it varies).
        note: String,
    },
    /// A ups.conf key that is not a core setting: drivers refuse unknown keys when they start.
    #[error("{key} is not a core ups.conf setting: fine only if the {driver} driver accepts it (drivers refuse unknown settings at start)")]
    DriverParam {
        /// The key.
        key: String,
        /// The section's driver, or "this" when none is set.
        driver: String,
    },
    /// An upsd.users line upsd does not understand. The word is not echoed: in this file a stray
    /// word is as likely to be a password as a setting name.
    #[error(
        "unrecognized user setting: upsd ignores it (known: password, actions, instcmds, upsmon)"
    )]
    UnknownUserSetting,
    /// MONITOR power value that is not a whole number.
    #[error(
        "MONITOR: the power value (field 2) must be a whole number, 0 or more (0 = monitor only)"
    )]
    BadPowerValue,
    /// A directive the file must have.
    #[error("{what}")]
    Required {
        /// What is required, in words.
        what: String,
    },

    // ---- nut.conf --------------------------------------------------------------------------------
    /// Unknown MODE.
    #[error("unknown MODE {value:?} (expected none, standalone, netserver, netclient, controlled or manual)")]
    UnknownMode {
        /// The word found.
        value: String,
    },
    /// `MODE = x`: shell assignments allow no spaces around `=`.
    #[error("spaces around '=' are not allowed in nut.conf (shell syntax: NAME=value)")]
    SpacesAroundEquals,
    /// Not a `NAME=value` line.
    #[error("not a NAME=value assignment")]
    NotAnAssignment,
    /// Text after a value (`MODE=net client`).
    #[error("unexpected text after the value (quote values that contain spaces)")]
    TrailingText,

    // ---- upsmon.conf -----------------------------------------------------------------------------
    /// MONITOR with the wrong number of fields.
    #[error("MONITOR needs 5 fields (ups[@host[:port]] powervalue user password primary|secondary), found {found}")]
    MonitorFields {
        /// Fields after MONITOR.
        found: usize,
    },
    /// The MONITOR system is not `ups[@host[:port]]`.
    #[error("MONITOR: {reason}")]
    BadTarget {
        /// Why `ups[@host[:port]]` did not parse (from `nut_proto::TargetError`).
        reason: String,
    },
    /// Role word NUT does not know.
    #[error("{directive}: unknown type (expected primary or secondary; legacy master/slave){consequence}")]
    UnknownRole {
        /// The directive (`MONITOR` or `upsmon`). The word itself is not echoed: when fields are
        /// shifted it may be the password.
        directive: String,
        /// What NUT does with it.
        consequence: String,
    },
    /// Unknown notify event name.
    #[error("{directive}: {value:?} is not a valid notify event name")]
    UnknownEvent {
        /// The directive.
        directive: String,
        /// The word found.
        value: String,
    },
    /// Unknown notify flag.
    #[error("NOTIFYFLAG: invalid notify flag {value:?} (expected SYSLOG, WALL, EXEC or IGNORE, joined with +)")]
    BadNotifyFlag {
        /// The word found.
        value: String,
    },

    // ---- files on disk ---------------------------------------------------------------------------
    /// The file holds secrets and other users can read it.
    #[error("holds passwords but is readable by every user (mode {mode:o}); use chmod 640 and group nut")]
    WorldReadable {
        /// The permission bits.
        mode: u32,
    },
}
