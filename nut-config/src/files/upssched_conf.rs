//! upssched.conf: timers upssched starts and cancels when upsmon notifies it.
//!
//! `CMDSCRIPT` must come before any `AT`; `PIPEFN` and `LOCKFN` are required for timers. upssched only
//! runs when upsmon's NOTIFYCMD points at it with `EXEC` flags set — a cross-file fact nut-diagnose
//! checks.

use crate::document::Document;
use crate::error::{ErrorKind, Severity};
use crate::files::{directives, notify_event, Ctx, Parsed, Unknown};

/// What an `AT` line does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// `START-TIMER name seconds`.
    StartTimer {
        /// Timer name (passed to CMDSCRIPT).
        name: String,
        /// Delay.
        seconds: u32,
    },
    /// `START-TIMER-SHARED name seconds` (2.8.5).
    StartTimerShared {
        /// Timer name.
        name: String,
        /// Delay.
        seconds: u32,
    },
    /// `CANCEL-TIMER name [cmd]`.
    CancelTimer {
        /// Timer name.
        name: String,
        /// Command run if no timer was running.
        cmd: Option<String>,
    },
    /// `CANCEL-TIMER-MATCHED name [cmd]` (HEAD).
    CancelTimerMatched {
        /// Timer name pattern.
        name: String,
        /// Command run if nothing matched.
        cmd: Option<String>,
    },
    /// `EXECUTE cmd`.
    Execute {
        /// Passed to CMDSCRIPT.
        cmd: String,
    },
}

/// One `AT event ups action…` line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct At {
    /// Notify event, canonical upper case.
    pub event: String,
    /// UPS as written in upsmon's MONITOR line, or `*`.
    pub ups: String,
    /// What to do.
    pub action: Action,
    /// Physical line.
    pub line: usize,
}

/// What upssched.conf says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct UpsschedConf {
    /// `CMDSCRIPT` words.
    pub cmdscript: Option<Vec<String>>,
    /// `PIPEFN`.
    pub pipefn: Option<String>,
    /// `LOCKFN`.
    pub lockfn: Option<String>,
    /// `AT` rules.
    pub at: Vec<At>,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// Directives upssched does not know.
    pub unknown: Vec<Unknown>,
}

impl UpsschedConf {
    /// Builds the view from an upssched.conf document.
    pub fn from_document(doc: &Document) -> Parsed<UpsschedConf> {
        let mut cx = Ctx::new(doc);
        let mut v = UpsschedConf::default();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (e, key) in directives(doc) {
            if key != "AT" {
                cx.once(&mut seen, &e, key, "; the later value wins");
            }
            let a = e.line.args();
            match key {
                "CMDSCRIPT" => {
                    let words: Vec<String> = a.iter().map(|t| t.text().to_string()).collect();
                    if words.is_empty() {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "the script path".to_string(),
                            },
                        );
                    } else {
                        v.cmdscript = Some(words);
                    }
                }
                "PIPEFN" => v.pipefn = cx.string(&e, key, "a file path").or(v.pipefn.take()),
                "LOCKFN" => v.lockfn = cx.string(&e, key, "a file path").or(v.lockfn.take()),
                "DEBUG_MIN" => v.debug_min = cx.number(&e, key, "").or(v.debug_min),
                "AT" => {
                    let (Some(ev), Some(ups), Some(act)) = (a.first(), a.get(1), a.get(2)) else {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "fields (AT event ups|* action …)".to_string(),
                            },
                        );
                        continue;
                    };
                    if v.cmdscript.is_none() {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::Required {
                                what: "AT before CMDSCRIPT: upssched needs CMDSCRIPT first"
                                    .to_string(),
                            },
                        );
                    }
                    let Some(event) = notify_event(ev.text()) else {
                        cx.error(
                            &e,
                            Some(ev),
                            ErrorKind::UnknownEvent {
                                directive: key.to_string(),
                                value: ev.text().to_string(),
                            },
                        );
                        continue;
                    };
                    let name = a.get(3).map(|t| t.text().to_string());
                    let action_word = act.text();
                    let missing_name = |cx: &mut Ctx<'_>, what: &str| {
                        cx.error(
                            &e,
                            Some(act),
                            ErrorKind::MissingArgument {
                                directive: format!("AT … {action_word}"),
                                what: what.to_string(),
                            },
                        );
                    };
                    let action = match action_word {
                        "START-TIMER" | "START-TIMER-SHARED" => {
                            let (Some(name), Some(secs_tok)) = (name, a.get(4)) else {
                                missing_name(&mut cx, "the timer name and seconds");
                                continue;
                            };
                            let Some(seconds) =
                                cx.parse_number::<u32>(&e, "AT", secs_tok, " (timer seconds)")
                            else {
                                continue;
                            };
                            if action_word == "START-TIMER" {
                                Action::StartTimer { name, seconds }
                            } else {
                                Action::StartTimerShared { name, seconds }
                            }
                        }
                        "CANCEL-TIMER" | "CANCEL-TIMER-MATCHED" => {
                            let Some(name) = name else {
                                missing_name(&mut cx, "the timer name");
                                continue;
                            };
                            let rest: Vec<&str> =
                                a.get(4..).unwrap_or(&[]).iter().map(|t| t.text()).collect();
                            let cmd = (!rest.is_empty()).then(|| rest.join(" "));
                            if action_word == "CANCEL-TIMER" {
                                Action::CancelTimer { name, cmd }
                            } else {
                                Action::CancelTimerMatched { name, cmd }
                            }
                        }
                        "EXECUTE" => {
                            let rest: Vec<&str> =
                                a.get(3..).unwrap_or(&[]).iter().map(|t| t.text()).collect();
                            if rest.is_empty() {
                                missing_name(&mut cx, "the command");
                                continue;
                            }
                            Action::Execute {
                                cmd: rest.join(" "),
                            }
                        }
                        _ => {
                            cx.error(
                                &e,
                                Some(act),
                                ErrorKind::BadValue {
                                    directive: key.to_string(),
                                    value: action_word.to_string(),
                                    allowed: "START-TIMER, START-TIMER-SHARED, CANCEL-TIMER, CANCEL-TIMER-MATCHED, EXECUTE".to_string(),
                                },
                            );
                            continue;
                        }
                    };
                    v.at.push(At {
                        event: event.to_string(),
                        ups: ups.text().to_string(),
                        action,
                        line: cx.line(&e),
                    });
                }
                other => {
                    let line = cx.line(&e);
                    v.unknown.push(cx.unknown(&e, None, other, line));
                }
            }
        }
        let uses_timers = v.at.iter().any(|a| {
            matches!(
                a.action,
                Action::StartTimer { .. } | Action::StartTimerShared { .. }
            )
        });
        if !v.at.is_empty() {
            for (name, val) in [("PIPEFN", &v.pipefn), ("LOCKFN", &v.lockfn)] {
                if val.is_none() && uses_timers {
                    cx.file_level(
                        Severity::Error,
                        ErrorKind::Required {
                            what: format!("{name} is not set: upssched cannot run its timers"),
                        },
                    );
                }
            }
        }
        cx.finish(v)
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<UpsschedConf> {
        UpsschedConf::from_document(&Document::parse_str(
            FileKind::UpsschedConf,
            "upssched.conf",
            s,
        ))
    }

    fn msgs(p: &Parsed<UpsschedConf>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn every_directive() {
        let p = parse(concat!(
            "CMDSCRIPT /usr/local/bin/sched-cmd\n",
            "PIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\nDEBUG_MIN 1\n",
            "AT ONBATT * START-TIMER onbatt 30\n",
            "AT ONLINE ups@h CANCEL-TIMER onbatt online\n",
            "AT LOWBATT * EXECUTE lowbatt now\n",
            "AT COMMBAD * START-TIMER-SHARED comm 60\n",
            "AT COMMOK * CANCEL-TIMER-MATCHED comm\n",
        ));
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let v = &p.view;
        assert_eq!(
            v.cmdscript.as_deref(),
            Some(&["/usr/local/bin/sched-cmd".to_string()][..])
        );
        assert_eq!(v.pipefn.as_deref(), Some("/run/nut/upssched.pipe"));
        assert_eq!(v.lockfn.as_deref(), Some("/run/nut/upssched.lock"));
        let actions: Vec<_> =
            v.at.iter()
                .map(|a| (a.event.as_str(), a.ups.as_str(), &a.action))
                .collect();
        assert_eq!(
            actions,
            [
                (
                    "ONBATT",
                    "*",
                    &Action::StartTimer {
                        name: "onbatt".into(),
                        seconds: 30
                    }
                ),
                (
                    "ONLINE",
                    "ups@h",
                    &Action::CancelTimer {
                        name: "onbatt".into(),
                        cmd: Some("online".into())
                    }
                ),
                (
                    "LOWBATT",
                    "*",
                    &Action::Execute {
                        cmd: "lowbatt now".into()
                    }
                ),
                (
                    "COMMBAD",
                    "*",
                    &Action::StartTimerShared {
                        name: "comm".into(),
                        seconds: 60
                    }
                ),
                (
                    "COMMOK",
                    "*",
                    &Action::CancelTimerMatched {
                        name: "comm".into(),
                        cmd: None
                    }
                ),
            ]
        );
    }

    #[test]
    fn problems_are_located() {
        let p = parse("AT ONBATT * START-TIMER t 30\nCMDSCRIPT /x\nAT ONBAT * EXECUTE x\nAT ONBATT * START-TIMER t soon\nAT ONBATT * LAUNCH x\nAT ONBATT\nWHATEVER 1\n");
        assert_eq!(
            msgs(&p),
            [
                "upssched.conf:1:1: AT before CMDSCRIPT: upssched needs CMDSCRIPT first",
                "upssched.conf:3:4: AT: \"ONBAT\" is not a valid notify event name",
                "upssched.conf:4:27: AT: \"soon\" is not a number (timer seconds)",
                "upssched.conf:5:13: AT: \"LAUNCH\" is not one of START-TIMER, START-TIMER-SHARED, CANCEL-TIMER, CANCEL-TIMER-MATCHED, EXECUTE",
                "upssched.conf:6:1: AT: missing fields (AT event ups|* action …)",
                "upssched.conf:7:1: warning: unknown directive WHATEVER: NUT ignores it",
                "upssched.conf: PIPEFN is not set: upssched cannot run its timers",
                "upssched.conf: LOCKFN is not set: upssched cannot run its timers",
            ]
        );
    }
}
