//! Encoder for every client command.
//!
//! A [`Command`] borrows its arguments; [`Command::encode`] appends exactly one request line ending in
//! `\n`. Every argument goes through [`crate::quote::push_word`] (escape `\ " #`, quote when empty or
//! containing whitespace or `=`).
//!
//! ```text
//! GET VAR pi ups.status
//! SET VAR pi ups.delay.shutdown 30
//! SET VAR pi device.model "Smart UPS 1500"
//! INSTCMD pi load.off.delay 120
//! PASSWORD "s3cr3t pw"
//! ```
//!
//! # Command injection
//!
//! upsd ends a request at LF only, so an argument holding `\n` would smuggle a second command
//! (`ups.status\nFSD pi`). Arguments holding LF, CR or NUL are rejected with
//! [`EncodeError::ForbiddenByte`] before a single byte is appended; `out` is left untouched.
//! Other control bytes and bytes ≥ 0x80 are sent as they are (upsd silently drops them from words).

use crate::error::ErrCode;
use crate::quote;

pub use crate::secret::Secret;

/// One request a client can send to upsd (protocol 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// `GET VAR <ups> <var>`: one variable's value.
    GetVar {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
    },
    /// `GET TYPE <ups> <var>`: a variable's flags (RW, ENUM, RANGE, STRING:n / NUMBER).
    GetType {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
    },
    /// `GET DESC <ups> <var>`: a variable's description.
    GetDesc {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
    },
    /// `GET CMDDESC <ups> <cmd>`: an instant command's description.
    GetCmdDesc {
        /// UPS name.
        ups: &'a str,
        /// Command name.
        cmd: &'a str,
    },
    /// `GET UPSDESC <ups>`: the ups.conf `desc`.
    GetUpsDesc {
        /// UPS name.
        ups: &'a str,
    },
    /// `GET NUMLOGINS <ups>`: how many clients did LOGIN to the UPS.
    GetNumLogins {
        /// UPS name.
        ups: &'a str,
    },
    /// `GET TRACKING [<id>]`: tracking state (`ON`/`OFF`) or one tracked command's status.
    GetTracking {
        /// The id from `OK TRACKING <id>`, or `None` for the connection's tracking state.
        id: Option<&'a str>,
    },
    /// `LIST UPS`.
    ListUps,
    /// `LIST VAR <ups>`.
    ListVar {
        /// UPS name.
        ups: &'a str,
    },
    /// `LIST RW <ups>`.
    ListRw {
        /// UPS name.
        ups: &'a str,
    },
    /// `LIST CMD <ups>`.
    ListCmd {
        /// UPS name.
        ups: &'a str,
    },
    /// `LIST ENUM <ups> <var>`.
    ListEnum {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
    },
    /// `LIST RANGE <ups> <var>`.
    ListRange {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
    },
    /// `LIST CLIENT <ups>`.
    ListClient {
        /// UPS name.
        ups: &'a str,
    },
    /// `SET VAR <ups> <var> <value>`: needs USERNAME/PASSWORD and `actions = SET`.
    SetVar {
        /// UPS name.
        ups: &'a str,
        /// Variable name.
        var: &'a str,
        /// New value (bytes: the protocol does not promise UTF-8).
        value: &'a [u8],
    },
    /// `SET TRACKING ON|OFF`: ask for `OK TRACKING <id>` replies on this connection.
    SetTracking(bool),
    /// `INSTCMD <ups> <cmd> [<value>]`: run an instant command (the value needs protocol 1.3).
    InstCmd {
        /// UPS name.
        ups: &'a str,
        /// Command name.
        cmd: &'a str,
        /// Optional parameter (e.g. a delay).
        value: Option<&'a [u8]>,
    },
    /// `USERNAME <name>`.
    Username(&'a str),
    /// `PASSWORD <password>`: `Debug` prints `<redacted>`.
    Password(Secret<&'a str>),
    /// `LOGIN <ups>`: register as a upsmon client of the UPS (counts in NUMLOGINS).
    Login {
        /// UPS name.
        ups: &'a str,
    },
    /// `LOGOUT`: the server answers `OK Goodbye` and closes.
    Logout,
    /// `PRIMARY <ups>` (protocol 1.3): claim the primary role.
    Primary {
        /// UPS name.
        ups: &'a str,
    },
    /// `MASTER <ups>`: the legacy name of PRIMARY, for servers older than 2.8.0.
    Master {
        /// UPS name.
        ups: &'a str,
    },
    /// `FSD <ups>`: set the forced-shutdown latch.
    Fsd {
        /// UPS name.
        ups: &'a str,
    },
    /// `STARTTLS`: upgrade to TLS.
    StartTls,
    /// `VER`: server version banner.
    Ver,
    /// `NETVER`: protocol version.
    NetVer,
    /// `PROTVER`: alias of NETVER (2.8.0+).
    ProtVer,
    /// `HELP`: the command list.
    Help,
}

/// Why a command was not encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An argument holds LF, CR or NUL, which would end or corrupt the request line (injection).
    /// The argument itself is not included: it may be a password.
    #[error("{arg} argument contains a forbidden byte 0x{byte:02x} (LF, CR and NUL would inject or truncate a command)")]
    ForbiddenByte {
        /// Which argument (`ups`, `var`, `value`, `password`, …).
        arg: &'static str,
        /// The offending byte.
        byte: u8,
    },
    /// A UPS, variable, command or user name that NUT cannot hold: names are one word of printable
    /// ASCII without quotes, `\\`, `#` or `=`. The name itself is not included.
    #[error("{arg} is not a NUT name (one word of printable ASCII, without \", \\, # or =)")]
    BadName {
        /// Which argument (`ups`, `var`, `cmd`, `username`).
        arg: &'static str,
    },
    /// A list reader was handed a command that is not a `LIST` (a caller's bug, reported rather
    /// than panicked).
    #[error("{verb} is not a LIST command")]
    NotAList {
        /// The command.
        verb: &'static str,
    },
}

/// Bytes no argument may contain.
pub fn is_forbidden(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | 0)
}

fn check(arg: &'static str, bytes: &[u8]) -> Result<(), EncodeError> {
    if quote::classify(bytes) & quote::FORBIDDEN == 0 {
        return Ok(());
    }
    match bytes.iter().copied().find(|&b| is_forbidden(b)) {
        Some(byte) => Err(EncodeError::ForbiddenByte { arg, byte }),
        None => Ok(()),
    }
}

/// Fixed words of a command, then up to three (argument name, bytes) pairs.
type Parts<'a> = (&'static str, [Option<(&'static str, &'a [u8])>; 3]);

impl<'a> Command<'a> {
    /// The fixed words and the arguments (name, bytes) of this command, so that checking, writing and
    /// naming walk the same list.
    fn parts(&self) -> Parts<'a> {
        use Command::*;
        let s = |n: &'static str, v: &'a str| Some((n, v.as_bytes()));
        match *self {
            GetVar { ups, var } => ("GET VAR", [s("ups", ups), s("var", var), None]),
            GetType { ups, var } => ("GET TYPE", [s("ups", ups), s("var", var), None]),
            GetDesc { ups, var } => ("GET DESC", [s("ups", ups), s("var", var), None]),
            GetCmdDesc { ups, cmd } => ("GET CMDDESC", [s("ups", ups), s("cmd", cmd), None]),
            GetUpsDesc { ups } => ("GET UPSDESC", [s("ups", ups), None, None]),
            GetNumLogins { ups } => ("GET NUMLOGINS", [s("ups", ups), None, None]),
            GetTracking { id } => ("GET TRACKING", [id.and_then(|id| s("id", id)), None, None]),
            ListUps => ("LIST UPS", [None, None, None]),
            ListVar { ups } => ("LIST VAR", [s("ups", ups), None, None]),
            ListRw { ups } => ("LIST RW", [s("ups", ups), None, None]),
            ListCmd { ups } => ("LIST CMD", [s("ups", ups), None, None]),
            ListEnum { ups, var } => ("LIST ENUM", [s("ups", ups), s("var", var), None]),
            ListRange { ups, var } => ("LIST RANGE", [s("ups", ups), s("var", var), None]),
            ListClient { ups } => ("LIST CLIENT", [s("ups", ups), None, None]),
            SetVar { ups, var, value } => (
                "SET VAR",
                [s("ups", ups), s("var", var), Some(("value", value))],
            ),
            SetTracking(true) => ("SET TRACKING ON", [None, None, None]),
            SetTracking(false) => ("SET TRACKING OFF", [None, None, None]),
            InstCmd { ups, cmd, value } => (
                "INSTCMD",
                [s("ups", ups), s("cmd", cmd), value.map(|v| ("value", v))],
            ),
            Username(name) => ("USERNAME", [s("username", name), None, None]),
            Password(pw) => (
                "PASSWORD",
                [s("password", pw.expose_borrowed()), None, None],
            ),
            Login { ups } => ("LOGIN", [s("ups", ups), None, None]),
            Logout => ("LOGOUT", [None, None, None]),
            Primary { ups } => ("PRIMARY", [s("ups", ups), None, None]),
            Master { ups } => ("MASTER", [s("ups", ups), None, None]),
            Fsd { ups } => ("FSD", [s("ups", ups), None, None]),
            StartTls => ("STARTTLS", [None, None, None]),
            Ver => ("VER", [None, None, None]),
            NetVer => ("NETVER", [None, None, None]),
            ProtVer => ("PROTVER", [None, None, None]),
            Help => ("HELP", [None, None, None]),
        }
    }

    /// The command's fixed words as sent (`"GET VAR"`, `"LIST UPS"`, `"SET TRACKING ON"`,
    /// `"LOGOUT"`): what a client names in its errors.
    pub fn verb(&self) -> &'static str {
        self.parts().0
    }

    /// Appends this command as one line ending in `\n`. On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (words, args) = self.parts();
        for (name, bytes) in args.iter().flatten() {
            check(name, bytes)?;
        }
        out.extend_from_slice(words.as_bytes());
        for (_, bytes) in args.iter().flatten() {
            out.push(b' ');
            quote::push_word(bytes, out);
        }
        out.push(b'\n');
        Ok(())
    }

    /// Checks the command without encoding it: every argument as [`Command::encode`] does, and that
    /// each name (UPS, variable, command, user) is one word NUT can hold. For callers that must refuse
    /// a bad request before anything else goes on the wire (credentials, for instance).
    pub fn validate(&self) -> Result<(), EncodeError> {
        let (_, args) = self.parts();
        for (arg, bytes) in args.iter().flatten() {
            check(arg, bytes)?;
            let name = matches!(*arg, "ups" | "var" | "cmd" | "username");
            let word =
                |b: &u8| (0x21..0x7f).contains(b) && !matches!(b, b'"' | b'\\' | b'#' | b'=');
            if name && (bytes.is_empty() || !bytes.iter().all(word)) {
                return Err(EncodeError::BadName { arg });
            }
        }
        Ok(())
    }

    /// Convenience: the encoded line in a new buffer.
    pub fn to_line(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out)?;
        Ok(out)
    }

    /// Whether upsd answers this command with a `BEGIN LIST … END LIST` block (or one `ERR` line), so
    /// the client knows to read until the trailer.
    pub fn is_list(&self) -> bool {
        self.list_header().is_some()
    }

    /// The header the server echoes after `BEGIN LIST`/`END LIST` for this command, for framing.
    pub fn list_header(&self) -> Option<crate::reply::ListHeader<'a>> {
        use crate::reply::{ListHeader, ListKind};
        let h = |kind, ups, var| Some(ListHeader::new(kind, ups, var));
        match *self {
            Command::ListUps => h(ListKind::Ups, None, None),
            Command::ListVar { ups } => h(ListKind::Var, Some(ups), None),
            Command::ListRw { ups } => h(ListKind::Rw, Some(ups), None),
            Command::ListCmd { ups } => h(ListKind::Cmd, Some(ups), None),
            Command::ListClient { ups } => h(ListKind::Client, Some(ups), None),
            Command::ListEnum { ups, var } => h(ListKind::Enum, Some(ups), Some(var)),
            Command::ListRange { ups, var } => h(ListKind::Range, Some(ups), Some(var)),
            _ => None,
        }
    }
}

// ----- decoding: words of a request -> Command (the server side; the tokenizer is quote::scan_line) --

/// The first word of a request, recognised case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET …`
    Get,
    /// `LIST …`
    List,
    /// `SET …`
    Set,
    /// `INSTCMD …`
    InstCmd,
    /// `USERNAME`
    Username,
    /// `PASSWORD`
    Password,
    /// `LOGIN`
    Login,
    /// `LOGOUT`
    Logout,
    /// `PRIMARY`
    Primary,
    /// `MASTER`
    Master,
    /// `FSD`
    Fsd,
    /// `STARTTLS`
    StartTls,
    /// `VER`
    Ver,
    /// `NETVER`
    NetVer,
    /// `PROTVER`
    ProtVer,
    /// `HELP`
    Help,
}

const VERBS: &[(&str, Verb)] = &[
    ("GET", Verb::Get),
    ("LIST", Verb::List),
    ("SET", Verb::Set),
    ("INSTCMD", Verb::InstCmd),
    ("USERNAME", Verb::Username),
    ("PASSWORD", Verb::Password),
    ("LOGIN", Verb::Login),
    ("LOGOUT", Verb::Logout),
    ("PRIMARY", Verb::Primary),
    ("MASTER", Verb::Master),
    ("FSD", Verb::Fsd),
    ("STARTTLS", Verb::StartTls),
    ("VER", Verb::Ver),
    ("NETVER", Verb::NetVer),
    ("PROTVER", Verb::ProtVer),
    ("HELP", Verb::Help),
];

impl Verb {
    /// Recognises a command word, ignoring ASCII case; `None` means `ERR UNKNOWN-COMMAND`.
    pub fn from_word(word: &[u8]) -> Option<Verb> {
        VERBS
            .iter()
            .find(|(w, _)| w.as_bytes().eq_ignore_ascii_case(word))
            .map(|(_, v)| *v)
    }

    /// Whether upsd demands that USERNAME and PASSWORD were sent before this command, checked before
    /// its arguments (`ERR USERNAME-REQUIRED` / `ERR PASSWORD-REQUIRED`).
    pub fn needs_auth(self) -> bool {
        matches!(
            self,
            Verb::Set | Verb::InstCmd | Verb::Login | Verb::Primary | Verb::Master | Verb::Fsd
        )
    }
}

/// Why a request line is not a valid command; [`RequestError::err_code`] gives upsd's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Empty line or unknown first word.
    #[error("unknown command")]
    UnknownCommand,
    /// Known command with a missing/unknown sub-command, wrong argument count, or a name that is not
    /// UTF-8.
    #[error("invalid argument to {0:?}")]
    InvalidArgument(Verb),
    /// An unescaped `#` inside quotes.
    #[error("unbalanced word due to unescaped # in quotes")]
    HashInQuotes,
    /// The request (with continuation lines) exceeds the line bound.
    #[error("request longer than {max} bytes")]
    TooLong {
        /// The bound in force.
        max: usize,
    },
}

impl RequestError {
    /// The `ERR` code a server sends for this error.
    pub fn err_code(&self) -> ErrCode {
        match self {
            RequestError::UnknownCommand => ErrCode::UnknownCommand,
            _ => ErrCode::InvalidArgument,
        }
    }
}

fn utf8(verb: Verb, w: Option<&[u8]>) -> Result<&str, RequestError> {
    w.and_then(|w| std::str::from_utf8(w).ok())
        .ok_or(RequestError::InvalidArgument(verb))
}

/// Turns words into a typed command with upsd's argument rules: GET/LIST/SET/INSTCMD ignore extra
/// words; USERNAME, PASSWORD, LOGIN, FSD, PRIMARY, MASTER take exactly one; VER, NETVER, PROTVER, HELP
/// and LOGOUT take none; STARTTLS ignores its arguments.
pub fn parse_command<W: AsRef<[u8]>>(words: &[W]) -> Result<Command<'_>, RequestError> {
    let mut it = words.iter().map(AsRef::as_ref);
    let verb = it
        .next()
        .and_then(Verb::from_word)
        .ok_or(RequestError::UnknownCommand)?;
    let args: Vec<&[u8]> = it.collect();
    let arg = |k: usize| args.get(k).copied();
    let name = |k: usize| utf8(verb, arg(k));
    let exactly = |count: usize| {
        if args.len() == count {
            Ok(())
        } else {
            Err(RequestError::InvalidArgument(verb))
        }
    };
    let bad = RequestError::InvalidArgument(verb);
    Ok(match verb {
        Verb::Get => {
            let sub = arg(0).ok_or(bad.clone())?;
            let sub = sub.to_ascii_uppercase();
            match sub.as_slice() {
                b"VAR" => Command::GetVar {
                    ups: name(1)?,
                    var: name(2)?,
                },
                b"TYPE" => Command::GetType {
                    ups: name(1)?,
                    var: name(2)?,
                },
                b"DESC" => Command::GetDesc {
                    ups: name(1)?,
                    var: name(2)?,
                },
                b"CMDDESC" => Command::GetCmdDesc {
                    ups: name(1)?,
                    cmd: name(2)?,
                },
                b"UPSDESC" => Command::GetUpsDesc { ups: name(1)? },
                b"NUMLOGINS" => Command::GetNumLogins { ups: name(1)? },
                b"TRACKING" => Command::GetTracking {
                    id: match arg(1) {
                        Some(_) => Some(name(1)?),
                        None => None,
                    },
                },
                _ => return Err(bad),
            }
        }
        Verb::List => {
            let sub = arg(0).ok_or(bad.clone())?;
            let sub = sub.to_ascii_uppercase();
            match sub.as_slice() {
                b"UPS" => Command::ListUps,
                b"VAR" => Command::ListVar { ups: name(1)? },
                b"RW" => Command::ListRw { ups: name(1)? },
                b"CMD" => Command::ListCmd { ups: name(1)? },
                b"CLIENT" => Command::ListClient { ups: name(1)? },
                b"ENUM" => Command::ListEnum {
                    ups: name(1)?,
                    var: name(2)?,
                },
                b"RANGE" => Command::ListRange {
                    ups: name(1)?,
                    var: name(2)?,
                },
                _ => return Err(bad),
            }
        }
        Verb::Set => {
            let sub = arg(0).ok_or(bad.clone())?;
            let sub = sub.to_ascii_uppercase();
            match sub.as_slice() {
                b"VAR" => Command::SetVar {
                    ups: name(1)?,
                    var: name(2)?,
                    value: arg(3).ok_or(bad)?,
                },
                b"TRACKING" => {
                    let on = arg(1).ok_or(bad.clone())?;
                    if on.eq_ignore_ascii_case(b"ON") {
                        Command::SetTracking(true)
                    } else if on.eq_ignore_ascii_case(b"OFF") {
                        Command::SetTracking(false)
                    } else {
                        return Err(bad);
                    }
                }
                _ => return Err(bad),
            }
        }
        Verb::InstCmd => Command::InstCmd {
            ups: name(0)?,
            cmd: name(1)?,
            value: arg(2),
        },
        Verb::Username => {
            exactly(1)?;
            Command::Username(name(0)?)
        }
        Verb::Password => {
            exactly(1)?;
            Command::Password(Secret::borrowed(name(0)?))
        }
        Verb::Login => {
            exactly(1)?;
            Command::Login { ups: name(0)? }
        }
        Verb::Primary => {
            exactly(1)?;
            Command::Primary { ups: name(0)? }
        }
        Verb::Master => {
            exactly(1)?;
            Command::Master { ups: name(0)? }
        }
        Verb::Fsd => {
            exactly(1)?;
            Command::Fsd { ups: name(0)? }
        }
        Verb::StartTls => Command::StartTls,
        Verb::Logout => {
            exactly(0)?;
            Command::Logout
        }
        Verb::Ver => {
            exactly(0)?;
            Command::Ver
        }
        Verb::NetVer => {
            exactly(0)?;
            Command::NetVer
        }
        Verb::ProtVer => {
            exactly(0)?;
            Command::ProtVer
        }
        Verb::Help => {
            exactly(0)?;
            Command::Help
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_lines() {
        let cases: &[(Command<'_>, &[u8])] = &[
            (
                Command::GetVar {
                    ups: "pi",
                    var: "ups.status",
                },
                b"GET VAR pi ups.status\n",
            ),
            (Command::ListUps, b"LIST UPS\n"),
            (
                Command::SetVar {
                    ups: "pi",
                    var: "device.model",
                    value: b"Smart UPS",
                },
                b"SET VAR pi device.model \"Smart UPS\"\n",
            ),
            (
                Command::Password(Secret::borrowed("s3cr3t pw")),
                b"PASSWORD \"s3cr3t pw\"\n",
            ),
            (Command::SetTracking(true), b"SET TRACKING ON\n"),
            (Command::GetTracking { id: None }, b"GET TRACKING\n"),
            (
                Command::InstCmd {
                    ups: "su700",
                    cmd: "load.off.delay",
                    value: Some(b"120"),
                },
                b"INSTCMD su700 load.off.delay 120\n",
            ),
        ];
        for (cmd, line) in cases {
            assert_eq!(cmd.to_line().unwrap(), *line, "{cmd:?}");
        }
    }

    #[test]
    fn injection_is_rejected_before_writing() {
        let mut out = b"prefix".to_vec();
        let err = Command::GetVar {
            ups: "pi",
            var: "ups.status\nFSD pi",
        }
        .encode(&mut out);
        assert_eq!(
            err,
            Err(EncodeError::ForbiddenByte {
                arg: "var",
                byte: b'\n'
            })
        );
        assert_eq!(out, b"prefix");
        let err = Command::Password(Secret::borrowed("a\rb"))
            .to_line()
            .unwrap_err();
        assert!(!err.to_string().contains("a\rb"));
    }

    #[test]
    fn validate_refuses_bad_names_and_bytes() {
        let set = |var| Command::SetVar {
            ups: "pi",
            var,
            value: b"a b",
        };
        assert_eq!(set("battery.charge.low").validate(), Ok(()));
        for bad in ["", "two words", "x\"y", "a#b", "tab\tname"] {
            assert_eq!(
                set(bad).validate(),
                Err(EncodeError::BadName { arg: "var" }),
                "{bad:?}"
            );
        }
        assert!(matches!(
            set("a\nFSD pi").validate(),
            Err(EncodeError::ForbiddenByte { arg: "var", .. })
        ));
        let cmd = Command::InstCmd {
            ups: "pi",
            cmd: "beeper disable",
            value: None,
        };
        assert_eq!(cmd.validate(), Err(EncodeError::BadName { arg: "cmd" }));
    }

    #[test]
    fn verb_names_the_fixed_words() {
        assert_eq!(Command::GetVar { ups: "a", var: "b" }.verb(), "GET VAR");
        assert_eq!(Command::SetTracking(false).verb(), "SET TRACKING OFF");
        assert_eq!(Command::Logout.verb(), "LOGOUT");
    }

    #[test]
    fn password_debug_is_redacted() {
        let dbg = format!("{:?}", Command::Password(Secret::borrowed("hunter2")));
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
