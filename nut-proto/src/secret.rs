//! [`Secret`]: a password that can be compared and sent, but never printed — the one secret type of
//! the workspace (client credentials, the `PASSWORD` command, passwords read from config files,
//! `--password` on nutctl's command line).
//!
//! NUT config files hold passwords in clear (`upsd.users`, `MONITOR` lines, `CERTIDENT`, SNMP
//! credentials in `ups.conf`), and clients send them in `PASSWORD`. Anything that shows configs, logs a
//! request or emits JSON could leak a password if the value were a plain `String`. Wrapping it makes
//! leaking a deliberate act: the only way to the text is [`Secret::expose`].
//!
//! ```
//! use nut_proto::Secret;
//! let pw = Secret::new("hunter2");
//! assert_eq!(format!("{pw} {pw:?}"), "<redacted> Secret(<redacted>)");
//! assert_eq!(pw.expose(), "hunter2");
//! ```

use std::fmt;

/// What every redacted value prints as: in `Debug`, `Display`, JSON, errors and redacted renders.
pub const REDACTED: &str = "<redacted>";

/// A secret value: owned (`Secret`, the default) or borrowed from a request line (`Secret<&str>`, in
/// [`crate::Command::Password`]).
///
/// `Debug`, `Display` and `Serialize` print [`REDACTED`]. Two secrets compare equal when their values
/// are byte-equal, so a diagnosis can tell "the password in upsmon.conf differs from upsd.users"
/// without ever showing either.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Secret<S = String>(S);

impl Secret {
    /// Wraps an owned value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// A borrowed view, e.g. for [`crate::Command::Password`].
    pub fn as_borrowed(&self) -> Secret<&str> {
        Secret(&self.0)
    }
}

impl<'a> Secret<&'a str> {
    /// Wraps a borrowed value (a word of a request line).
    pub fn borrowed(value: &'a str) -> Self {
        Secret(value)
    }

    /// [`Secret::expose`] with the borrow's own lifetime, for the command encoder.
    pub(crate) fn expose_borrowed(&self) -> &'a str {
        self.0
    }

    /// An owned copy.
    pub fn to_owned_secret(&self) -> Secret {
        Secret::new(self.0)
    }
}

impl<S: AsRef<str>> Secret<S> {
    /// The value itself, for the one place that needs it (sending `PASSWORD`). Every call site is a
    /// place to audit.
    pub fn expose(&self) -> &str {
        self.0.as_ref()
    }

    /// True when the value is empty (`password = ""`), which NUT accepts but nobody means.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_empty()
    }

    /// Length in bytes: enough to state facts about the value without the text.
    pub fn len(&self) -> usize {
        self.0.as_ref().len()
    }

    /// True if the value holds a character that stock upsmon cannot send (it sends `PASSWORD` unquoted
    /// and unescaped, so a space, `#`, `"` or `\` breaks the login).
    pub fn has_wire_unsafe_chars(&self) -> bool {
        self.0
            .as_ref()
            .bytes()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'#' | b'"' | b'\\'))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    /// For argument parsers (a `--password` option): never fails.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret::new(s))
    }
}

impl<S> fmt::Debug for Secret<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl<S> fmt::Display for Secret<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(feature = "serde")]
impl<S> serde::Serialize for Secret<S> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
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
        assert_eq!(format!("{:?}", s.as_borrowed()), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2-xyz");
        assert_eq!(s.len(), 11);
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_eq!(Secret::borrowed("a").to_owned_secret(), Secret::new("a"));
        assert!(Secret::new("a b").has_wire_unsafe_chars());
        assert!(Secret::new("a#").has_wire_unsafe_chars());
        assert!(!Secret::new("plain.Pass-1").has_wire_unsafe_chars());
    }
}
