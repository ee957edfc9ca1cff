//! nut.conf: which parts of NUT start on this host (`MODE`) and a few environment settings.
//!
//! The file is sourced by shells and read by systemd as an `EnvironmentFile`, so it follows shell
//! assignment syntax (see [`crate::lexer`]), not NUT's parseconf. A missing `MODE` means `none`:
//! nothing starts, the most common reason "NUT does nothing".

use std::fmt;

use crate::document::{Document, LineKind};
use crate::error::{ErrorKind, Severity};
use crate::files::{Ctx, Parsed, Unknown};
use crate::secret::REDACTED;

/// nut.conf `MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Nothing starts (the default when MODE is absent).
    #[default]
    None,
    /// Driver(s), upsd and upsmon, for this host only.
    Standalone,
    /// Driver(s), upsd (listening on the network) and upsmon.
    Netserver,
    /// upsmon only, watching a remote upsd.
    Netclient,
    /// Accepted by NUT's Augeas lens; no upstream script gives it a meaning (nothing auto-starts).
    Controlled,
    /// Accepted by NUT's Augeas lens; no upstream script gives it a meaning (nothing auto-starts).
    Manual,
}

impl Mode {
    /// Every mode, in documentation order.
    pub const ALL: [Mode; 6] = [
        Mode::None,
        Mode::Standalone,
        Mode::Netserver,
        Mode::Netclient,
        Mode::Controlled,
        Mode::Manual,
    ];

    /// The word written in nut.conf.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Standalone => "standalone",
            Mode::Netserver => "netserver",
            Mode::Netclient => "netclient",
            Mode::Controlled => "controlled",
            Mode::Manual => "manual",
        }
    }

    /// Reads the exact word (init scripts compare case-sensitively).
    pub fn parse(word: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == word)
    }

    /// Whether drivers and upsd are started on this host.
    pub fn runs_server(self) -> bool {
        matches!(self, Mode::Standalone | Mode::Netserver)
    }

    /// Whether upsmon is started on this host.
    pub fn runs_upsmon(self) -> bool {
        matches!(self, Mode::Standalone | Mode::Netserver | Mode::Netclient)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keys nut.conf documents (others are kept and warned about).
pub const KNOWN_KEYS: &[&str] = &[
    "ALLOW_NOT_ALL_LISTENERS",
    "ALLOW_NO_DEVICE",
    "MODE",
    "NUT_DEBUG_LEVEL",
    "NUT_DEBUG_PID",
    "NUT_DEBUG_PROCNAME",
    "NUT_DEBUG_SYSLOG",
    "NUT_DEFAULT_CONNECT_TIMEOUT",
    "NUT_IGNORE_CHECKPROCNAME",
    "NUT_QUIET_INIT_BANNER",
    "NUT_QUIET_INIT_LISTENER",
    "NUT_QUIET_INIT_SSL",
    "NUT_QUIET_INIT_UPSNOTIFY",
    "POWEROFF_QUIET",
    "POWEROFF_WAIT",
    "UPSD_OPTIONS",
    "UPSMON_OPTIONS",
];

/// One `NAME=value` assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Var {
    /// The variable name.
    pub name: String,
    /// The value after shell unquoting (`<redacted>` if the name says it is a password).
    pub value: String,
    /// Physical line.
    pub line: usize,
}

/// What nut.conf says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct NutConf {
    /// The effective MODE (`none` if absent or unreadable).
    pub mode: Mode,
    /// Line of the effective `MODE=` assignment, `None` if MODE is not set.
    pub mode_line: Option<usize>,
    /// Every assignment in file order (the last one of a name wins, as in a shell).
    pub vars: Vec<Var>,
    /// Names not in [`KNOWN_KEYS`].
    pub unknown: Vec<Unknown>,
}

impl NutConf {
    /// The effective value of a variable (the last assignment).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|v| v.name == name)
            .map(|v| v.value.as_str())
    }

    /// A boolean setting as the scripts read it (`true`/`yes`/`1`, any case).
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name)
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1"))
    }

    /// `ALLOW_NO_DEVICE` (false): upsd starts even without any UPS section.
    pub fn allow_no_device(&self) -> bool {
        self.flag("ALLOW_NO_DEVICE").unwrap_or(false)
    }

    /// `ALLOW_NOT_ALL_LISTENERS` (false): upsd starts even if some LISTEN addresses fail.
    pub fn allow_not_all_listeners(&self) -> bool {
        self.flag("ALLOW_NOT_ALL_LISTENERS").unwrap_or(false)
    }

    /// `UPSD_OPTIONS`: extra upsd command-line options.
    pub fn upsd_options(&self) -> Option<&str> {
        self.get("UPSD_OPTIONS")
    }

    /// `UPSMON_OPTIONS`: extra upsmon command-line options.
    pub fn upsmon_options(&self) -> Option<&str> {
        self.get("UPSMON_OPTIONS")
    }

    /// `POWEROFF_WAIT`, as written (a sleep(1) duration such as `15m`).
    pub fn poweroff_wait(&self) -> Option<&str> {
        self.get("POWEROFF_WAIT")
    }

    /// `NUT_DEBUG_LEVEL` (0), `None` if set but not a number.
    pub fn debug_level(&self) -> Option<u32> {
        self.get("NUT_DEBUG_LEVEL")
            .map_or(Some(0), |v| v.parse().ok())
    }

    /// Builds the view from a nut.conf document.
    pub fn from_document(doc: &Document) -> Parsed<NutConf> {
        let mut cx = Ctx::new(doc);
        let mut view = NutConf::default();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for e in doc.entries() {
            if e.line.kind() != LineKind::Directive {
                continue;
            }
            let toks = e.line.tokens();
            let (Some(name_tok), Some(val_tok)) = (toks.first(), toks.get(1)) else {
                continue;
            };
            let name = name_tok.text().to_string();
            let line = cx.line(&e);
            cx.once(&mut seen, &e, &name, "; the later value wins");
            let value = if val_tok.is_secret() {
                REDACTED.to_string()
            } else {
                val_tok.text().to_string()
            };
            if name == "MODE" {
                match Mode::parse(&value) {
                    Some(m) => {
                        view.mode = m;
                        view.mode_line = Some(line);
                    }
                    None => {
                        // The scripts then behave as for none: nothing they know how to start.
                        view.mode = Mode::None;
                        view.mode_line = Some(line);
                        cx.error(
                            &e,
                            Some(val_tok),
                            ErrorKind::UnknownMode {
                                value: value.clone(),
                            },
                        );
                    }
                }
            } else if !KNOWN_KEYS.contains(&name.as_str()) {
                view.unknown
                    .push(cx.unknown(&e, Some(name_tok), &name, line));
            }
            view.vars.push(Var { name, value, line });
        }
        if view.mode_line.is_none() {
            cx.file_level(
                Severity::Warning,
                ErrorKind::Required {
                    what: "MODE is not set: NUT treats this as MODE=none and starts nothing"
                        .to_string(),
                },
            );
        }
        cx.finish(view)
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<NutConf> {
        NutConf::from_document(&Document::parse_str(FileKind::NutConf, "nut.conf", s))
    }

    fn msgs(p: &Parsed<NutConf>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn every_mode() {
        for m in Mode::ALL {
            let p = parse(&format!("MODE={m}\n"));
            assert_eq!(p.view.mode, m);
            assert_eq!(p.view.mode_line, Some(1));
            assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        }
        assert_eq!(parse("MODE=\"netclient\"\n").view.mode, Mode::Netclient);
        assert_eq!(parse("MODE='netserver' # lan\n").view.mode, Mode::Netserver);
        assert!(Mode::Netserver.runs_server() && !Mode::Netclient.runs_server());
        assert!(Mode::Netclient.runs_upsmon() && !Mode::None.runs_upsmon());
    }

    #[test]
    fn missing_mode_is_none_with_a_warning() {
        let p = parse("# nothing\nUPSD_OPTIONS=-D\n");
        assert_eq!(p.view.mode, Mode::None);
        assert_eq!(p.view.mode_line, None);
        assert_eq!(
            msgs(&p),
            ["nut.conf: warning: MODE is not set: NUT treats this as MODE=none and starts nothing"]
        );
        assert_eq!(p.view.get("UPSD_OPTIONS"), Some("-D"));
    }

    #[test]
    fn errors_name_the_place() {
        let p = parse("\n  MODE=netclinet\n");
        assert_eq!(
            msgs(&p),
            ["nut.conf:2:8: unknown MODE \"netclinet\" (expected none, standalone, netserver, netclient, controlled or manual)"]
        );
        let p = parse("MODE = standalone\n");
        assert_eq!(
            msgs(&p).first().map(String::as_str),
            Some("nut.conf:1:6: spaces around '=' are not allowed in nut.conf (shell syntax: NAME=value)")
        );
        let p = parse("MODE=\"netserver\n");
        assert_eq!(
            msgs(&p).first().map(String::as_str),
            Some("nut.conf:1:6: unterminated quote: the \" opened here is never closed (NUT swallows the rest of the file into this word)")
        );
    }

    #[test]
    fn other_keys() {
        let p = parse(concat!(
            "MODE=netserver\nALLOW_NO_DEVICE=yes\nALLOW_NOT_ALL_LISTENERS=false\n",
            "UPSD_OPTIONS=\"-D -u nut\"\nUPSMON_OPTIONS='-p'\nPOWEROFF_WAIT=15m\nNUT_DEBUG_LEVEL=3\n",
        ));
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let v = &p.view;
        assert!(v.allow_no_device() && !v.allow_not_all_listeners());
        assert_eq!(v.upsd_options(), Some("-D -u nut"));
        assert_eq!(v.upsmon_options(), Some("-p"));
        assert_eq!(v.poweroff_wait(), Some("15m"));
        assert_eq!(v.debug_level(), Some(3));
        let d = parse("MODE=none\n").view;
        assert!(!d.allow_no_device());
        assert_eq!((d.debug_level(), d.upsd_options()), (Some(0), None));
    }

    #[test]
    fn later_assignment_wins_and_unknown_kept() {
        let p = parse("MODE=none\nMODE=standalone\nFOO_BAR=1\nALLOW_NO_DEVICE=true\n");
        assert_eq!(p.view.mode, Mode::Standalone);
        assert_eq!(p.view.mode_line, Some(2));
        assert_eq!(
            p.view.unknown,
            [Unknown {
                name: "FOO_BAR".into(),
                line: 3
            }]
        );
        assert_eq!(p.view.flag("ALLOW_NO_DEVICE"), Some(true));
        assert_eq!(
            msgs(&p),
            [
                "nut.conf:2:1: warning: MODE given again (first on line 1); the later value wins",
                "nut.conf:3:1: warning: unknown directive FOO_BAR: NUT ignores it",
            ]
        );
    }
}
