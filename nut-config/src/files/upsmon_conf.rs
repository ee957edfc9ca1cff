//! upsmon.conf: which UPSes this host watches, with which account, and how it shuts down.
//!
//! `KEYWORD args…`, keywords case-sensitive (except `DEBUG_MIN`). The heart is
//! `MONITOR ups[@host[:port]] powervalue user password primary|secondary`; the system field is parsed
//! with [`nut_proto::Target`], the one definition shared with the protocol crate, so a target read here
//! and one typed on the command line compare equal.

use nut_proto::Target;

use crate::document::{Document, Entry};
use crate::error::{ErrorKind, Severity};
use crate::files::{directives, notify_event, CertIdent, Ctx, Parsed, Role, Unknown};
use crate::secret::Secret;

/// One `MONITOR` line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Monitor {
    /// The system field exactly as written: upsmon uses this string in notify messages and `UPSNAME`.
    pub system: String,
    /// The same field parsed (`localhost:3493` filled in when absent).
    pub target: Target,
    /// How many supplies of this host the UPS feeds (0 = monitor only).
    pub power_value: u32,
    /// Account in upsd.users.
    pub user: String,
    /// Its password.
    pub password: Secret,
    /// Primary or secondary (unknown words count as secondary, as upsmon does).
    pub role: Role,
    /// The role word as written (`master`/`slave` are legacy).
    pub role_written: String,
    /// Physical line.
    pub line: usize,
}

/// upsmon notify flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NotifyFlag {
    /// Log through syslog.
    Syslog,
    /// Send to every terminal with `wall`.
    Wall,
    /// Run NOTIFYCMD.
    Exec,
    /// Do nothing.
    Ignore,
}

impl NotifyFlag {
    /// Reads one flag word (case-sensitive, as upsmon does).
    pub fn parse(word: &str) -> Option<NotifyFlag> {
        match word {
            "SYSLOG" => Some(NotifyFlag::Syslog),
            "WALL" => Some(NotifyFlag::Wall),
            "EXEC" => Some(NotifyFlag::Exec),
            "IGNORE" => Some(NotifyFlag::Ignore),
            _ => None,
        }
    }
}

/// `NOTIFYMSG EVENT "text"`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotifyMsg {
    /// Event, canonical upper case.
    pub event: String,
    /// Message format (`%s` = the MONITOR system).
    pub text: String,
    /// Physical line.
    pub line: usize,
}

/// `NOTIFYFLAG EVENT FLAG[+FLAG…]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotifyFlags {
    /// Event, canonical upper case.
    pub event: String,
    /// The flags (valid ones only).
    pub flags: Vec<NotifyFlag>,
    /// Physical line.
    pub line: usize,
}

/// `CERTHOST host[:port] certname certverify forcessl`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertHost {
    /// `host[:port]` as written.
    pub host: String,
    /// Expected certificate name.
    pub certname: String,
    /// Verify the server certificate.
    pub certverify: bool,
    /// Refuse to talk without TLS.
    pub forcessl: bool,
    /// Physical line.
    pub line: usize,
}

/// What upsmon.conf says, with upsmon's built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpsmonConf {
    /// `MONITOR` lines (a duplicate system is reported and skipped, as upsmon does).
    pub monitors: Vec<Monitor>,
    /// `MINSUPPLIES` (1).
    pub minsupplies: u32,
    /// `SHUTDOWNCMD` words (one word in ≤ 2.8.5).
    pub shutdowncmd: Option<Vec<String>>,
    /// `NOTIFYCMD` words.
    pub notifycmd: Option<Vec<String>>,
    /// `POLLFREQ` (5 s).
    pub pollfreq: u32,
    /// `POLLFREQALERT` (5 s).
    pub pollfreqalert: u32,
    /// `HOSTSYNC` (15 s).
    pub hostsync: u32,
    /// `DEADTIME` (15 s).
    pub deadtime: u32,
    /// `POWERDOWNFLAG` (none built in).
    pub powerdownflag: Option<String>,
    /// `NOTIFYMSG` lines.
    pub notifymsg: Vec<NotifyMsg>,
    /// `NOTIFYFLAG` lines.
    pub notifyflag: Vec<NotifyFlags>,
    /// `RBWARNTIME` (43200 s).
    pub rbwarntime: u32,
    /// `NOCOMMWARNTIME` (300 s).
    pub nocommwarntime: u32,
    /// `FINALDELAY` (5 s).
    pub finaldelay: u32,
    /// `RUN_AS_USER`.
    pub run_as_user: Option<String>,
    /// `CERTPATH`.
    pub certpath: Option<String>,
    /// `CERTIDENT name password`.
    pub certident: Option<CertIdent>,
    /// `CERTHOST` lines.
    pub certhost: Vec<CertHost>,
    /// `CERTVERIFY` (false).
    pub certverify: bool,
    /// `FORCESSL` (false).
    pub forcessl: bool,
    /// `CERTFILE`.
    pub certfile: Option<String>,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// `OFFDURATION` (30 s; 0 immediate; negative never).
    pub offduration: i64,
    /// `OVERDURATION` (-1).
    pub overduration: i64,
    /// `OBLBDURATION` (0).
    pub oblbduration: i64,
    /// `POLLFAIL_LOG_THROTTLE_MAX` (-1 = log every failure).
    pub pollfail_log_throttle_max: i64,
    /// `SHUTDOWNEXIT` as written (`yes` by default).
    pub shutdownexit: Option<String>,
    /// `ALARMCRITICAL` (true).
    pub alarmcritical: bool,
    /// Directives upsmon does not know.
    pub unknown: Vec<Unknown>,
}

impl Default for UpsmonConf {
    fn default() -> Self {
        UpsmonConf {
            monitors: Vec::new(),
            minsupplies: 1,
            shutdowncmd: None,
            notifycmd: None,
            pollfreq: 5,
            pollfreqalert: 5,
            hostsync: 15,
            deadtime: 15,
            powerdownflag: None,
            notifymsg: Vec::new(),
            notifyflag: Vec::new(),
            rbwarntime: 43200,
            nocommwarntime: 300,
            finaldelay: 5,
            run_as_user: None,
            certpath: None,
            certident: None,
            certhost: Vec::new(),
            certverify: false,
            forcessl: false,
            certfile: None,
            debug_min: None,
            offduration: 30,
            overduration: -1,
            oblbduration: 0,
            pollfail_log_throttle_max: -1,
            shutdownexit: None,
            alarmcritical: true,
            unknown: Vec::new(),
        }
    }
}

impl UpsmonConf {
    /// Sum of the power values: upsmon refuses to start if it is below `MINSUPPLIES`.
    pub fn total_power_value(&self) -> u64 {
        self.monitors.iter().map(|m| u64::from(m.power_value)).sum()
    }

    /// The flags in force for `event` (the last `NOTIFYFLAG` for it, else `SYSLOG+WALL`).
    pub fn notify_flags(&self, event: &str) -> Vec<NotifyFlag> {
        self.notifyflag
            .iter()
            .rev()
            .find(|n| n.event.eq_ignore_ascii_case(event))
            .map_or_else(
                || vec![NotifyFlag::Syslog, NotifyFlag::Wall],
                |n| n.flags.clone(),
            )
    }

    /// Builds the view from an upsmon.conf document.
    pub fn from_document(doc: &Document) -> Parsed<UpsmonConf> {
        let mut cx = Ctx::new(doc);
        let mut v = UpsmonConf::default();
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut minsupplies_at: Option<Entry<'_>> = None;
        let mut systems: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for (e, key) in directives(doc) {
            if !matches!(key, "MONITOR" | "NOTIFYMSG" | "NOTIFYFLAG" | "CERTHOST") {
                cx.once(&mut seen, &e, key, "; the later value wins");
            }
            match key {
                "MONITOR" => {
                    if let Some(m) = monitor(&mut cx, &e) {
                        if let Some(&first_line) = systems.get(&m.system) {
                            cx.warn(
                                &e,
                                e.line.args().first(),
                                ErrorKind::Duplicate {
                                    directive: format!("MONITOR {}", m.system),
                                    first_line,
                                    note: "; upsmon ignores the duplicate".to_string(),
                                },
                            );
                        } else {
                            systems.insert(m.system.clone(), m.line);
                            v.monitors.push(m);
                        }
                    }
                }
                "MINSUPPLIES" => {
                    v.minsupplies = cx
                        .number(&e, key, " (expected 0 or more)")
                        .unwrap_or(v.minsupplies);
                    minsupplies_at = Some(e);
                }
                "SHUTDOWNCMD" | "NOTIFYCMD" => {
                    let words: Vec<String> =
                        e.line.args().iter().map(|t| t.text().to_string()).collect();
                    if words.is_empty() {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "the command (in quotes)".to_string(),
                            },
                        );
                        continue;
                    }
                    if words.len() > 1 {
                        cx.warn(
                            &e,
                            e.line.args().get(1),
                            ErrorKind::ExtraArguments {
                                directive: key.to_string(),
                                expected: "the first word by NUT 2.8.5 and older (quote the whole command)".to_string(),
                            },
                        );
                    }
                    if key == "SHUTDOWNCMD" {
                        v.shutdowncmd = Some(words);
                    } else {
                        v.notifycmd = Some(words);
                    }
                }
                "POLLFREQ" => v.pollfreq = cx.number(&e, key, "").unwrap_or(v.pollfreq),
                "POLLFREQALERT" => {
                    v.pollfreqalert = cx.number(&e, key, "").unwrap_or(v.pollfreqalert)
                }
                "HOSTSYNC" => v.hostsync = cx.number(&e, key, "").unwrap_or(v.hostsync),
                "DEADTIME" => v.deadtime = cx.number(&e, key, "").unwrap_or(v.deadtime),
                "RBWARNTIME" => v.rbwarntime = cx.number(&e, key, "").unwrap_or(v.rbwarntime),
                "NOCOMMWARNTIME" => {
                    v.nocommwarntime = cx.number(&e, key, "").unwrap_or(v.nocommwarntime)
                }
                "FINALDELAY" => v.finaldelay = cx.number(&e, key, "").unwrap_or(v.finaldelay),
                "DEBUG_MIN" => v.debug_min = cx.number(&e, key, "").or(v.debug_min),
                "OFFDURATION" => v.offduration = cx.number(&e, key, "").unwrap_or(v.offduration),
                "OVERDURATION" => v.overduration = cx.number(&e, key, "").unwrap_or(v.overduration),
                "OBLBDURATION" => v.oblbduration = cx.number(&e, key, "").unwrap_or(v.oblbduration),
                "POLLFAIL_LOG_THROTTLE_MAX" => {
                    v.pollfail_log_throttle_max = cx
                        .number(&e, key, "")
                        .unwrap_or(v.pollfail_log_throttle_max)
                }
                "POWERDOWNFLAG" => {
                    v.powerdownflag = cx.string(&e, key, "a file path").or(v.powerdownflag.take())
                }
                "RUN_AS_USER" => {
                    v.run_as_user = cx.string(&e, key, "a user name").or(v.run_as_user.take())
                }
                "CERTPATH" => v.certpath = cx.string(&e, key, "a directory").or(v.certpath.take()),
                "CERTFILE" => v.certfile = cx.string(&e, key, "a PEM file").or(v.certfile.take()),
                "SHUTDOWNEXIT" => {
                    v.shutdownexit = cx
                        .string(&e, key, "yes, no or a number")
                        .or(v.shutdownexit.take())
                }
                "CERTIDENT" => {
                    if let Some(ci) = cx.certident(&e, key) {
                        v.certident = Some(ci);
                    }
                }
                "CERTVERIFY" => v.certverify = zero_one(&mut cx, &e, key).unwrap_or(v.certverify),
                "FORCESSL" => v.forcessl = zero_one(&mut cx, &e, key).unwrap_or(v.forcessl),
                "ALARMCRITICAL" => {
                    v.alarmcritical = zero_one(&mut cx, &e, key).unwrap_or(v.alarmcritical)
                }
                "CERTHOST" => {
                    let a = e.line.args();
                    let (Some(h), Some(n), Some(cv), Some(fs)) =
                        (a.first(), a.get(1), a.get(2), a.get(3))
                    else {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "fields (host[:port] certname certverify forcessl)"
                                    .to_string(),
                            },
                        );
                        continue;
                    };
                    let cv_ok = cx.parse_number::<u8>(&e, key, cv, " (expected 0 or 1)");
                    let fs_ok = cx.parse_number::<u8>(&e, key, fs, " (expected 0 or 1)");
                    if let (Some(cv), Some(fs)) = (cv_ok, fs_ok) {
                        v.certhost.push(CertHost {
                            host: h.text().to_string(),
                            certname: n.text().to_string(),
                            certverify: cv != 0,
                            forcessl: fs != 0,
                            line: cx.line(&e),
                        });
                    }
                }
                "NOTIFYMSG" => {
                    let a = e.line.args();
                    let (Some(ev), Some(text)) = (a.first(), a.get(1)) else {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "the event and the message (in quotes)".to_string(),
                            },
                        );
                        continue;
                    };
                    if let Some(extra) = a.get(2) {
                        cx.warn(
                            &e,
                            Some(extra),
                            ErrorKind::ExtraArguments {
                                directive: key.to_string(),
                                expected: "the message (quote it)".to_string(),
                            },
                        );
                    }
                    match notify_event(ev.text()) {
                        Some(event) => v.notifymsg.push(NotifyMsg {
                            event: event.to_string(),
                            text: text.text().to_string(),
                            line: cx.line(&e),
                        }),
                        None => cx.error(
                            &e,
                            Some(ev),
                            ErrorKind::UnknownEvent {
                                directive: key.to_string(),
                                value: ev.text().to_string(),
                            },
                        ),
                    }
                }
                "NOTIFYFLAG" => {
                    let a = e.line.args();
                    let (Some(ev), Some(fl)) = (a.first(), a.get(1)) else {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::MissingArgument {
                                directive: key.to_string(),
                                what: "the event and the flags (e.g. SYSLOG+WALL)".to_string(),
                            },
                        );
                        continue;
                    };
                    let mut flags = Vec::new();
                    for word in fl.text().split('+') {
                        match NotifyFlag::parse(word) {
                            Some(f) => flags.push(f),
                            None => cx.error(
                                &e,
                                Some(fl),
                                ErrorKind::BadNotifyFlag {
                                    value: word.to_string(),
                                },
                            ),
                        }
                    }
                    match notify_event(ev.text()) {
                        Some(event) => v.notifyflag.push(NotifyFlags {
                            event: event.to_string(),
                            flags,
                            line: cx.line(&e),
                        }),
                        None => cx.error(
                            &e,
                            Some(ev),
                            ErrorKind::UnknownEvent {
                                directive: key.to_string(),
                                value: ev.text().to_string(),
                            },
                        ),
                    }
                }
                other => {
                    let line = cx.line(&e);
                    v.unknown.push(cx.unknown(&e, None, other, line));
                }
            }
        }
        if v.monitors.is_empty() {
            cx.file_level(
                Severity::Warning,
                ErrorKind::Required {
                    what: "no usable MONITOR line: upsmon has nothing to watch".to_string(),
                },
            );
        }
        let total = v.total_power_value();
        if total < u64::from(v.minsupplies) && !v.monitors.is_empty() {
            let kind = ErrorKind::Required {
                what: format!(
                    "total power value ({total}) is less than MINSUPPLIES ({}): upsmon refuses to start",
                    v.minsupplies
                ),
            };
            match &minsupplies_at {
                Some(e) => cx.error(e, e.line.args().first(), kind),
                None => cx.file_level(Severity::Error, kind),
            }
        }
        cx.finish(v)
    }
}

fn zero_one(cx: &mut Ctx<'_>, e: &Entry<'_>, key: &str) -> Option<bool> {
    let n: u8 = cx.number(e, key, " (expected 0 or 1)")?;
    Some(n != 0)
}

/// Reads `MONITOR system powervalue user password type`.
fn monitor(cx: &mut Ctx<'_>, e: &Entry<'_>) -> Option<Monitor> {
    let a = e.line.args();
    if a.len() < 5 {
        cx.error(e, None, ErrorKind::MonitorFields { found: a.len() });
        return None;
    }
    let (Some(sys), Some(pv), Some(user), Some(pw), Some(role)) =
        (a.first(), a.get(1), a.get(2), a.get(3), a.get(4))
    else {
        return None; // invariant: len >= 5 checked above
    };
    if let Some(extra) = a.get(5) {
        cx.warn(
            e,
            Some(extra),
            ErrorKind::ExtraArguments {
                directive: "MONITOR".to_string(),
                expected: "5 fields".to_string(),
            },
        );
    }
    let target = match Target::parse(sys.text()) {
        Ok(t) => Some(t),
        Err(err) => {
            cx.error(
                e,
                Some(sys),
                ErrorKind::BadTarget {
                    reason: err.to_string(),
                },
            );
            None
        }
    };
    let power_value = match pv.text().parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            cx.error(e, Some(pv), ErrorKind::BadPowerValue);
            None
        }
    };
    let parsed_role = match Role::parse(role.text()) {
        Some(r) => r,
        None => {
            cx.warn(
                e,
                Some(role),
                ErrorKind::UnknownRole {
                    directive: "MONITOR".to_string(),
                    consequence: ": upsmon treats this UPS as secondary".to_string(),
                },
            );
            Role::Secondary
        }
    };
    Some(Monitor {
        system: sys.text().to_string(),
        target: target?,
        power_value: power_value?,
        user: user.text().to_string(),
        password: Secret::new(pw.text()),
        role: parsed_role,
        role_written: role.text().to_string(),
        line: cx.line(e),
    })
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<UpsmonConf> {
        UpsmonConf::from_document(&Document::parse_str(FileKind::UpsmonConf, "upsmon.conf", s))
    }

    fn msgs(p: &Parsed<UpsmonConf>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let v = parse("MONITOR ups 1 u p primary\n").view;
        assert_eq!(
            (
                v.minsupplies,
                v.pollfreq,
                v.pollfreqalert,
                v.hostsync,
                v.deadtime
            ),
            (1, 5, 5, 15, 15)
        );
        assert_eq!(
            (v.rbwarntime, v.nocommwarntime, v.finaldelay),
            (43200, 300, 5)
        );
        assert_eq!((v.offduration, v.overduration, v.oblbduration), (30, -1, 0));
        assert!(v.alarmcritical && !v.certverify && !v.forcessl);
        assert_eq!(v.powerdownflag, None);
        assert_eq!(
            v.notify_flags("ONBATT"),
            [NotifyFlag::Syslog, NotifyFlag::Wall]
        );
    }

    #[test]
    fn monitor_lines() {
        let p = parse(
            "MONITOR rack@nas.lan:3494 2 monuser \"pw with space\" primary\nMONITOR other 0 u p slave\nMONITOR v6@[fe80::1] 1 u p secondary\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let m = &p.view.monitors;
        assert_eq!(m.len(), 3);
        let first = m.first().unwrap();
        assert_eq!(first.target, Target::new("rack", "nas.lan", 3494));
        assert_eq!(first.system, "rack@nas.lan:3494");
        assert_eq!((first.power_value, first.user.as_str()), (2, "monuser"));
        assert_eq!(first.password.expose(), "pw with space");
        assert_eq!(first.role, Role::Primary);
        let other = m.get(1).unwrap();
        assert_eq!(other.target, Target::parse("other").unwrap());
        assert_eq!(
            (other.role, other.role_written.as_str()),
            (Role::Secondary, "slave")
        );
        assert_eq!(m.get(2).map(|x| x.target.host.as_str()), Some("fe80::1"));
        assert_eq!(p.view.total_power_value(), 3);
    }

    #[test]
    fn every_other_directive() {
        let p = parse(concat!(
            "MONITOR u@h 1 mon pw primary\n",
            "MINSUPPLIES 1\n",
            "SHUTDOWNCMD \"/sbin/shutdown -h +0\"\n",
            "NOTIFYCMD /usr/sbin/upssched\n",
            "POLLFREQ 10\nPOLLFREQALERT 2\nHOSTSYNC 20\nDEADTIME 40\n",
            "POWERDOWNFLAG /run/nut/killpower\n",
            "NOTIFYMSG onbatt \"on battery: %s\"\n",
            "NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC\n",
            "RBWARNTIME 3600\nNOCOMMWARNTIME 60\nFINALDELAY 0\n",
            "RUN_AS_USER nut\nCERTPATH /etc/ssl/certs\nCERTIDENT client Cert-Pw\n",
            "CERTHOST nas.lan:3493 nas 1 1\nCERTVERIFY 1\nFORCESSL 1\nCERTFILE /etc/nut/me.pem\n",
            "DEBUG_MIN 1\nOFFDURATION 0\nOVERDURATION 10\nOBLBDURATION 5\n",
            "POLLFAIL_LOG_THROTTLE_MAX 0\nSHUTDOWNEXIT no\nALARMCRITICAL 0\n",
        ));
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let v = &p.view;
        assert_eq!(
            v.shutdowncmd.as_deref(),
            Some(&["/sbin/shutdown -h +0".to_string()][..])
        );
        assert_eq!(
            v.notifycmd.as_deref(),
            Some(&["/usr/sbin/upssched".to_string()][..])
        );
        assert_eq!(
            (v.pollfreq, v.pollfreqalert, v.hostsync, v.deadtime),
            (10, 2, 20, 40)
        );
        assert_eq!(v.powerdownflag.as_deref(), Some("/run/nut/killpower"));
        assert_eq!(
            v.notifymsg,
            [NotifyMsg {
                event: "ONBATT".into(),
                text: "on battery: %s".into(),
                line: 10
            }]
        );
        assert_eq!(
            v.notify_flags("onbatt"),
            [NotifyFlag::Syslog, NotifyFlag::Wall, NotifyFlag::Exec]
        );
        assert_eq!(
            (v.rbwarntime, v.nocommwarntime, v.finaldelay),
            (3600, 60, 0)
        );
        assert_eq!(v.run_as_user.as_deref(), Some("nut"));
        assert_eq!(v.certpath.as_deref(), Some("/etc/ssl/certs"));
        assert_eq!(
            v.certident.as_ref().map(|c| c.password.expose()),
            Some("Cert-Pw")
        );
        assert_eq!(
            v.certhost,
            [CertHost {
                host: "nas.lan:3493".into(),
                certname: "nas".into(),
                certverify: true,
                forcessl: true,
                line: 18
            }]
        );
        assert!(v.certverify && v.forcessl && !v.alarmcritical);
        assert_eq!(v.certfile.as_deref(), Some("/etc/nut/me.pem"));
        assert_eq!(v.debug_min, Some(1));
        assert_eq!((v.offduration, v.overduration, v.oblbduration), (0, 10, 5));
        assert_eq!(v.pollfail_log_throttle_max, 0);
        assert_eq!(v.shutdownexit.as_deref(), Some("no"));
    }

    #[test]
    fn problems_are_located() {
        let p = parse(concat!(
            "MONITOR ups@host 1 monuser S3cretPw\n",
            "MONITOR ups@host:0 1 monuser S3cretPw primary\n",
            "MONITOR ok 1 u S3cretPw boss\n",
            "MONITOR ok 1 u S3cretPw primary\n",
            "POLLFREQ often\n",
            "NOTIFYFLAG ONFIRE WALL\n",
            "NOTIFYFLAG ONBATT WALL+LOUD\n",
            "SHUTDOWNCMD /sbin/shutdown -h now\n",
            "monitor x 1 u p primary\n",
            "MINSUPPLIES 3\n",
            "MONITOR two 1 u S3cretPw primary\n",
            "MONITOR three one u S3cretPw primary\n",
        ));
        let m = msgs(&p);
        assert_eq!(
            m,
            [
                "upsmon.conf:1:1: MONITOR needs 5 fields (ups[@host[:port]] powervalue user password primary|secondary), found 4",
                "upsmon.conf:2:9: MONITOR: bad port \"0\" in target \"ups@host:0\" (expected a number from 1 to 65535)",
                "upsmon.conf:3:25: warning: MONITOR: unknown type (expected primary or secondary; legacy master/slave): upsmon treats this UPS as secondary",
                "upsmon.conf:4:9: warning: MONITOR ok given again (first on line 3); upsmon ignores the duplicate",
                "upsmon.conf:5:10: POLLFREQ: \"often\" is not a number",
                "upsmon.conf:6:12: NOTIFYFLAG: \"ONFIRE\" is not a valid notify event name",
                "upsmon.conf:7:19: NOTIFYFLAG: invalid notify flag \"LOUD\" (expected SYSLOG, WALL, EXEC or IGNORE, joined with +)",
                "upsmon.conf:8:28: warning: SHUTDOWNCMD: extra words after the first word by NUT 2.8.5 and older (quote the whole command) are ignored",
                "upsmon.conf:9:1: warning: unknown directive monitor: NUT ignores it",
                "upsmon.conf:10:13: total power value (2) is less than MINSUPPLIES (3): upsmon refuses to start",
                "upsmon.conf:12:15: MONITOR: the power value (field 2) must be a whole number, 0 or more (0 = monitor only)",
            ]
        );
        assert!(!m.iter().any(|l| l.contains("S3cretPw")));
        assert!(!format!("{:?}", p.view).contains("S3cretPw"));
    }
}
