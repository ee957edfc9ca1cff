//! `Secret`: a password that can be compared and used, but never printed.
//!
//! NUT config files hold passwords in clear (`upsd.users`, `MONITOR` lines, `CERTIDENT`, SNMP
//! credentials in `ups.conf`). nutctl shows configs, logs diagnoses and emits JSON facts; any of those
//! paths could leak a password if the value were a plain `String`. Wrapping it makes leaking a
//! deliberate act: the only way to the text is [`Secret::expose`].

use std::fmt;

/// What every redacted value prints as, in `Debug`, `Display`, JSON and redacted renders.
pub const REDACTED: &str = "<redacted>";

/// A secret value read from a config file (a password, an SNMP community, …).
///
/// `Debug`, `Display` and `Serialize` print [`REDACTED`]. Two secrets compare equal when their values are
/// byte-equal, so a diagnosis can tell "the password in upsmon.conf differs from upsd.users" without
/// ever showing either.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from a file.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it (sending `PASSWORD` to upsd). Every call site is
    /// a place to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is empty (`password = ""`), which NUT accepts but nobody means.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bytes: enough to say "the password has a space in it" style facts without the text.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if the value holds a character that stock upsmon cannot send (it sends `PASSWORD` unquoted
    /// and unescaped, so a space, `#`, `"` or `\` breaks the login).
    pub fn has_wire_unsafe_chars(&self) -> bool {
        self.0
            .bytes()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'#' | b'"' | b'\\'))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("hunter2-xyz");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{s:#?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2-xyz");
        assert_eq!(s.len(), 11);
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert!(Secret::new("a b").has_wire_unsafe_chars());
        assert!(Secret::new("a#").has_wire_unsafe_chars());
        assert!(!Secret::new("plain.Pass-1").has_wire_unsafe_chars());
    }
}
