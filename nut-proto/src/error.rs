//! Every `ERR` code the server can send.
//!
//! ```text
//! ERR <CODE> [<extra>]
//! ERR VAR-NOT-SUPPORTED
//! ERR ACCESS-DENIED "SSL trust failed"
//! ```
//!
//! The code is one word without spaces. Released upsd never sends an `extra`; a future or forked server
//! may, and may invent new codes, so an unknown code is kept as [`ErrCode::Other`] instead of being an
//! error: the diagnosis still wants to show the server's own word.

use std::fmt;
use std::str::FromStr;

/// One `ERR` code, as sent by upsd after `ERR `.
///
/// Known codes are unit variants (matching on them never allocates); anything else is kept verbatim in
/// [`ErrCode::Other`] so a newer server's code is reported, not lost. Codes are matched as whole words,
/// case-sensitively, unlike libupsclient which matches prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ErrCode {
    /// `ACCESS-DENIED`: wrong user/password, missing permission, or tcp-wrappers refusal.
    AccessDenied,
    /// `UNKNOWN-UPS`: no such UPS section in the server's ups.conf.
    UnknownUps,
    /// `VAR-NOT-SUPPORTED`: the variable is unknown for this UPS.
    VarNotSupported,
    /// `CMD-NOT-SUPPORTED`: the instant command is not offered by this UPS.
    CmdNotSupported,
    /// `INVALID-ARGUMENT`: bad or missing sub-command or argument count (also a `GET TRACKING` status).
    InvalidArgument,
    /// `INSTCMD-FAILED`: upsd could not pass the instant command to the driver.
    InstcmdFailed,
    /// `SET-FAILED`: upsd could not pass SET to the driver.
    SetFailed,
    /// `READONLY`: SET on a variable that is not writable.
    Readonly,
    /// `TOO-LONG`: SET value longer than the variable's `STRING:n`.
    TooLong,
    /// `FEATURE-NOT-SUPPORTED`: server built without SSL (reply to STARTTLS).
    FeatureNotSupported,
    /// `FEATURE-NOT-CONFIGURED`: STARTTLS without certificates, or GET TRACKING with tracking off.
    FeatureNotConfigured,
    /// `ALREADY-SSL-MODE`: STARTTLS sent twice.
    AlreadySslMode,
    /// `DRIVER-NOT-CONNECTED`: upsd has no socket to the driver.
    DriverNotConnected,
    /// `DATA-STALE`: the driver is connected but has no fresh data.
    DataStale,
    /// `ALREADY-LOGGED-IN`: second LOGIN on one connection.
    AlreadyLoggedIn,
    /// `INVALID-PASSWORD`: defined by the protocol, not sent by current upsd.
    InvalidPassword,
    /// `ALREADY-SET-PASSWORD`: second PASSWORD on one connection.
    AlreadySetPassword,
    /// `INVALID-USERNAME`: defined by the protocol, not sent by current upsd.
    InvalidUsername,
    /// `ALREADY-SET-USERNAME`: second USERNAME on one connection.
    AlreadySetUsername,
    /// `USERNAME-REQUIRED`: a command that needs USERNAME was sent without one.
    UsernameRequired,
    /// `PASSWORD-REQUIRED`: a command that needs PASSWORD was sent without one.
    PasswordRequired,
    /// `UNKNOWN-COMMAND`: unknown command word or empty line.
    UnknownCommand,
    /// `INVALID-VALUE`: SET value not in the ENUM list or outside the RANGE.
    InvalidValue,
    /// Legacy (protocol before 1.5) `VAR-UNKNOWN`.
    VarUnknown,
    /// Legacy `UNKNOWN-TYPE`.
    UnknownType,
    /// Legacy `UNKNOWN-INSTCMD`.
    UnknownInstcmd,
    /// Legacy `MISSING-ARGUMENT`.
    MissingArgument,
    /// Legacy `PASSWORD-INCORRECT`.
    PasswordIncorrect,
    /// Legacy `UNKNOWN-VAR`.
    UnknownVar,
    /// `UNKNOWN`: only as a `GET TRACKING <id>` status (unknown or expired id).
    TrackingUnknown,
    /// `FAILED`: only as a `GET TRACKING <id>` status (the driver reported failure).
    TrackingFailed,
    /// Any other code, kept verbatim (forward compatibility with newer or forked servers).
    Other(String),
}

/// The table behind `as_str`, `description` and parsing: one row per known code, in one place.
const TABLE: &[(ErrCode, &str, &str)] = &[
    (ErrCode::AccessDenied, "ACCESS-DENIED", "Access denied"),
    (ErrCode::UnknownUps, "UNKNOWN-UPS", "Unknown UPS"),
    (
        ErrCode::VarNotSupported,
        "VAR-NOT-SUPPORTED",
        "Variable not supported by UPS",
    ),
    (
        ErrCode::CmdNotSupported,
        "CMD-NOT-SUPPORTED",
        "Instant command not supported",
    ),
    (
        ErrCode::InvalidArgument,
        "INVALID-ARGUMENT",
        "Invalid argument",
    ),
    (
        ErrCode::InstcmdFailed,
        "INSTCMD-FAILED",
        "Instant command failed",
    ),
    (ErrCode::SetFailed, "SET-FAILED", "Set command failed"),
    (ErrCode::Readonly, "READONLY", "Read-only variable"),
    (ErrCode::TooLong, "TOO-LONG", "New value is too long"),
    (
        ErrCode::FeatureNotSupported,
        "FEATURE-NOT-SUPPORTED",
        "Feature not supported by the server (built without SSL)",
    ),
    (
        ErrCode::FeatureNotConfigured,
        "FEATURE-NOT-CONFIGURED",
        "Feature not configured on the server",
    ),
    (
        ErrCode::AlreadySslMode,
        "ALREADY-SSL-MODE",
        "Connection is already in SSL mode",
    ),
    (
        ErrCode::DriverNotConnected,
        "DRIVER-NOT-CONNECTED",
        "Driver not connected",
    ),
    (ErrCode::DataStale, "DATA-STALE", "Data stale"),
    (
        ErrCode::AlreadyLoggedIn,
        "ALREADY-LOGGED-IN",
        "Already logged in",
    ),
    (
        ErrCode::InvalidPassword,
        "INVALID-PASSWORD",
        "Invalid password",
    ),
    (
        ErrCode::AlreadySetPassword,
        "ALREADY-SET-PASSWORD",
        "Already set password",
    ),
    (
        ErrCode::InvalidUsername,
        "INVALID-USERNAME",
        "Invalid username",
    ),
    (
        ErrCode::AlreadySetUsername,
        "ALREADY-SET-USERNAME",
        "Already set username",
    ),
    (
        ErrCode::UsernameRequired,
        "USERNAME-REQUIRED",
        "Username required",
    ),
    (
        ErrCode::PasswordRequired,
        "PASSWORD-REQUIRED",
        "Password required",
    ),
    (
        ErrCode::UnknownCommand,
        "UNKNOWN-COMMAND",
        "Unknown command",
    ),
    (
        ErrCode::InvalidValue,
        "INVALID-VALUE",
        "Invalid value for variable",
    ),
    (ErrCode::VarUnknown, "VAR-UNKNOWN", "Variable unknown"),
    (
        ErrCode::UnknownType,
        "UNKNOWN-TYPE",
        "Unknown variable type",
    ),
    (
        ErrCode::UnknownInstcmd,
        "UNKNOWN-INSTCMD",
        "Unknown instant command",
    ),
    (
        ErrCode::MissingArgument,
        "MISSING-ARGUMENT",
        "Missing argument",
    ),
    (
        ErrCode::PasswordIncorrect,
        "PASSWORD-INCORRECT",
        "Password incorrect",
    ),
    (ErrCode::UnknownVar, "UNKNOWN-VAR", "Unknown variable"),
    (
        ErrCode::TrackingUnknown,
        "UNKNOWN",
        "Unknown or expired tracking id",
    ),
    (ErrCode::TrackingFailed, "FAILED", "Tracked command failed"),
];

impl ErrCode {
    /// Every known code (not `Other`), in the order of the protocol documentation; for tests, tables
    /// and the server's encoder.
    pub fn known() -> impl Iterator<Item = &'static ErrCode> {
        TABLE.iter().map(|(code, _, _)| code)
    }

    /// Parses the code word that follows `ERR `. Never fails: an unknown word becomes
    /// [`ErrCode::Other`] (the only case that allocates).
    pub fn parse(token: &str) -> ErrCode {
        Self::parse_known(token).unwrap_or_else(|| ErrCode::Other(token.to_owned()))
    }

    /// Parses a known code without allocating; `None` for a code this crate does not know.
    pub fn parse_known(token: &str) -> Option<ErrCode> {
        TABLE
            .iter()
            .find(|(_, word, _)| *word == token)
            .map(|(code, _, _)| code.clone())
    }

    /// The code exactly as it appears on the wire (`VAR-NOT-SUPPORTED`), so logs and errors can quote
    /// the server's word.
    pub fn as_str(&self) -> &str {
        match self {
            ErrCode::Other(s) => s,
            known => TABLE
                .iter()
                .find(|(code, _, _)| code == known)
                .map_or("UNKNOWN-ERROR", |(_, word, _)| word),
        }
    }

    /// A human meaning, matching libupsclient's texts where it has one (so nutctl's messages look like
    /// what users already see from `upsc`); `"Unknown error"` for unknown codes, as libupsclient says.
    pub fn description(&self) -> &'static str {
        match self {
            ErrCode::Other(_) => "Unknown error",
            known => TABLE
                .iter()
                .find(|(code, _, _)| code == known)
                .map_or("Unknown error", |(_, _, text)| text),
        }
    }

    /// True for codes that say the server's data for the UPS is unavailable right now (driver down or
    /// stale): the diagnosis treats these as "the UPS side is broken", not "you asked wrongly".
    pub fn is_driver_state(&self) -> bool {
        matches!(self, ErrCode::DriverNotConnected | ErrCode::DataStale)
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrCode {
    type Err = std::convert::Infallible;

    /// Same as [`ErrCode::parse`]: every word is a code, known or not.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ErrCode::parse(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_through_its_word() {
        for code in ErrCode::known() {
            assert_eq!(&ErrCode::parse(code.as_str()), code);
            assert_ne!(code.description(), "Unknown error", "{code}");
        }
        assert_eq!(ErrCode::known().count(), 31);
    }

    #[test]
    fn unknown_code_is_kept() {
        let code = ErrCode::parse("NEW-THING");
        assert_eq!(code, ErrCode::Other("NEW-THING".into()));
        assert_eq!(code.as_str(), "NEW-THING");
        assert_eq!(code.description(), "Unknown error");
        assert_eq!(ErrCode::parse_known("NEW-THING"), None);
    }

    #[test]
    fn codes_are_whole_words_not_prefixes() {
        assert_eq!(
            ErrCode::parse("ACCESS-DENIED-X"),
            ErrCode::Other("ACCESS-DENIED-X".into())
        );
        assert_eq!(
            ErrCode::parse("access-denied"),
            ErrCode::Other("access-denied".into())
        );
    }

    #[test]
    fn libupsclient_texts() {
        assert_eq!(ErrCode::DataStale.description(), "Data stale");
        assert_eq!(
            ErrCode::DriverNotConnected.description(),
            "Driver not connected"
        );
        assert_eq!(
            ErrCode::VarNotSupported.description(),
            "Variable not supported by UPS"
        );
    }
}
