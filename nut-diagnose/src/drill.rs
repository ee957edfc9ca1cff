//! `nutctl drill`: is the shutdown chain sound before the power fails? (The guide's "test outage
//! quarterly" and "confirm shutdown order", made executable.)
//!
//! [`plan`] reads every link of the chain from the gathered facts — upsmon running and logged in to
//! every target it monitors, SHUTDOWNCMD present and executable, POWERDOWNFLAG on the primary, the
//! timing (HOSTSYNC, FINALDELAY, `ups.delay.shutdown`) against the UPS's runtime, the last battery
//! test — and gives the expected sequence with times. [`FsdRecord`] is what a real FSD drill saw
//! (which clients logged out, in what order, how long each took), and [`compare`] sets it against the
//! expected sequence. Pure: the live part (triggering FSD, polling `LIST CLIENT`) is
//! [`crate::probe::drill`].

use serde::{Deserialize, Serialize};

use crate::config::Role;
use nut_config::files::nut_conf::Mode;

use crate::facts::{units, Facts, NutOutcome, ServiceState};
use crate::map::{AuthorityMap, ShutdownStep};

/// One link of the chain and whether it was seen to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Stable id (`upsmon-running`, `logged-in`, `shutdowncmd`, `powerdownflag`, `timing`,
    /// `battery-test`).
    pub id: String,
    /// What was checked.
    pub what: String,
    /// `Some(true)` held, `Some(false)` broken, `None` could not be checked.
    pub ok: Option<bool>,
    /// What was seen.
    pub evidence: String,
}

/// One expected step, with when it should happen after FSD is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// The step (host, role, text, wait).
    #[serde(flatten)]
    pub step: ShutdownStep,
    /// Seconds after FSD by which it should be done, when every wait is known.
    pub at_secs: Option<u32>,
}

/// The drill's plan: the links, the expected sequence, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    /// The UPS drilled (`ups@server`, as on the map).
    pub ups: String,
    /// The MONITOR target as upsmon.conf writes it (where `--fsd` sets FSD and watches LIST CLIENT).
    pub target: nut_proto::Target,
    /// Whether this host is the UPS's primary (only the primary may run `--fsd`).
    pub primary_here: bool,
    /// Every link checked.
    pub links: Vec<Link>,
    /// The expected sequence after FSD.
    pub expected: Vec<Expected>,
    /// `sound` (every link held), `broken` (one is broken) or `unverified` (none broken, some not
    /// checked).
    pub verdict: String,
}

/// upsmon's defaults, for hosts whose upsmon.conf was not read.
const DEFAULT_FINALDELAY: u32 = 5;
const DEFAULT_HOSTSYNC: u32 = 15;

fn link(id: &str, what: impl Into<String>, ok: Option<bool>, evidence: impl Into<String>) -> Link {
    Link {
        id: id.into(),
        what: what.into(),
        ok,
        evidence: evidence.into(),
    }
}

/// The plan for every UPS this host monitors (one [`Drill`] each), from the gathered facts and the
/// authority map built from them.
pub fn plan(facts: &Facts, map: &AuthorityMap) -> Vec<Drill> {
    let Some(c) = &facts.config else {
        return Vec::new();
    };
    let Some(um) = &c.upsmon else {
        return Vec::new();
    };
    let me = if c.host.is_empty() {
        "this host".to_string()
    } else {
        c.host.clone()
    };
    let running = match facts
        .services
        .iter()
        .find(|s| s.unit == units::MONITOR)
        .map(|s| s.state)
    {
        Some(ServiceState::Active) => Some(true),
        Some(_) => Some(false),
        None => facts.process_running("upsmon"),
    };
    let mut out = Vec::new();
    for m in um.monitors.iter().filter(|m| m.power_value > 0) {
        let primary_here = m.role == Role::Primary;
        let local = m.target.host_kind() == nut_proto::HostKind::Loopback
            || m.target.host.eq_ignore_ascii_case(&c.host);
        let server = if local {
            me.clone()
        } else {
            m.target.host.clone()
        };
        let key = format!("{}@{}", m.target.ups, server.to_ascii_lowercase());
        let node = map.upses.iter().find(|n| n.ups == key);
        let mut links = vec![link(
            "upsmon-running",
            format!("upsmon runs on {me}"),
            running,
            match running {
                Some(true) => "running",
                Some(false) => "not running",
                None => "not checked (no systemctl, /proc not read)",
            },
        )];
        let clients = facts.clients.iter().find(|f| {
            f.target.ups == m.target.ups
                && (f.target == m.target
                    || (local && f.target.host_kind() == nut_proto::HostKind::Loopback))
        });
        links.push(match clients {
            Some(f) => {
                let server_here = facts.server_is_here(&m.target, local);
                let here = f.clients.iter().any(|a| facts.is_own_login(server_here, a));
                link(
                    "logged-in",
                    format!("{me} is logged in to {}", m.target),
                    Some(here),
                    format!(
                        "LIST CLIENT: {}",
                        if f.clients.is_empty() {
                            "(nobody)".into()
                        } else {
                            f.clients.join(", ")
                        }
                    ),
                )
            }
            None => link(
                "logged-in",
                format!("{me} is logged in to {}", m.target),
                None,
                "LIST CLIENT not read",
            ),
        });
        // The UPS's status read now: with the driver gone upsd still takes logins, but upsmon sees
        // no power failure at all (seen on a real master: dummy-ups with a missing file).
        let probe = facts.probes.iter().find(|p| p.target == m.target);
        links.push(match probe.and_then(|p| p.query.as_ref()) {
            Some(NutOutcome::Ok) => link(
                "status-read",
                format!("the status of {} is read now", m.target),
                Some(true),
                "answered",
            ),
            Some(NutOutcome::Err { code }) => link(
                "status-read",
                format!("the status of {} is read now", m.target),
                Some(false),
                format!("ERR {}", code.as_str()),
            ),
            Some(NutOutcome::TimedOut) => link(
                "status-read",
                format!("the status of {} is read now", m.target),
                Some(false),
                "no answer within the timeout",
            ),
            Some(NutOutcome::Failed { detail } | NutOutcome::Anomaly { detail }) => link(
                "status-read",
                format!("the status of {} is read now", m.target),
                Some(false),
                detail.clone(),
            ),
            None => link(
                "status-read",
                format!("the status of {} is read now", m.target),
                None,
                "not read",
            ),
        });
        if primary_here {
            let netserver = c.mode() == Some(Mode::Netserver);
            // upsd on loopback only while MODE=netserver: no other host can log in at all.
            if let Some(listen) = c.listen.as_ref().filter(|l| netserver && !l.is_empty()) {
                let all_loopback = listen.iter().all(|l| l.loopback);
                let addrs: Vec<String> = listen
                    .iter()
                    .map(|l| format!("LISTEN {} {}", l.addr, l.port))
                    .collect();
                links.push(link(
                    "listen",
                    "upsd listens where the secondaries can reach it",
                    Some(!all_loopback),
                    if all_loopback {
                        format!(
                            "{}: loopback only, other hosts get `Connection refused`",
                            addrs.join(", ")
                        )
                    } else {
                        addrs.join(", ")
                    },
                ));
            }
            // Every secondary on the map must be logged in now, or the primary will not wait for it.
            // MODE=standalone serves nobody else: no secondary link to check there (unless one is
            // seen all the same).
            let alone = c.mode() == Some(Mode::Standalone)
                && node.is_some_and(|n| n.secondaries.is_empty());
            if let (Some(n), Some(f), false) = (node, clients, alone) {
                let others: Vec<&String> = f
                    .clients
                    .iter()
                    .filter(|a| !facts.is_own_login(true, a))
                    .collect();
                let configured = n.secondaries.len();
                // A netserver serves other hosts; when none is logged in, which ones should be is
                // not known from here: not checked, never "ok".
                let ok = if configured == 0 && others.is_empty() && netserver {
                    None
                } else {
                    Some(others.len() >= configured)
                };
                let seen = if others.is_empty() {
                    "no other host logged in".to_string()
                } else {
                    format!(
                        "{} other host(s) logged in: {}",
                        others.len(),
                        others
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                links.push(link(
                    "secondaries-logged-in",
                    format!("the {configured} secondaries of {} are logged in", m.target),
                    ok,
                    if ok.is_none() {
                        format!("{seen}, yet MODE=netserver serves other hosts (which should be is not known here)")
                    } else {
                        seen
                    },
                ));
            }
        }
        links.push(match (&um.shutdowncmd, um.shutdowncmd_executable) {
            (None, _) => link(
                "shutdowncmd",
                "SHUTDOWNCMD present and executable",
                Some(false),
                "SHUTDOWNCMD absent",
            ),
            (Some(w), Some(false)) => link(
                "shutdowncmd",
                "SHUTDOWNCMD present and executable",
                Some(false),
                format!("`{}`: not an executable file", w.join(" ")),
            ),
            (Some(w), Some(true)) => link(
                "shutdowncmd",
                "SHUTDOWNCMD present and executable",
                Some(true),
                w.join(" "),
            ),
            (Some(w), None) => link(
                "shutdowncmd",
                "SHUTDOWNCMD present and executable",
                None,
                format!(
                    "`{}`: not an absolute path, depends on upsmon's PATH",
                    w.join(" ")
                ),
            ),
        });
        if primary_here {
            links.push(link(
                "powerdownflag",
                "POWERDOWNFLAG set on the primary (the UPS is told to cut the power)",
                Some(um.powerdownflag.is_some()),
                um.powerdownflag
                    .clone()
                    .unwrap_or_else(|| "POWERDOWNFLAG absent".into()),
            ));
        }
        let snap = facts
            .snapshots
            .iter()
            .find(|s| s.target.ups == m.target.ups);
        let num = |k: &str| {
            snap.and_then(|s| s.get(k))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        let mut assumed: Vec<String> = Vec::new();
        let expected: Vec<Expected> = match node {
            Some(n) => {
                let steps = n.shutdown_steps();
                // a secondary sees FSD within its POLLFREQ, then waits its FINALDELAY
                let sec_at =
                    |s: &ShutdownStep| s.wait_secs.unwrap_or(DEFAULT_FINALDELAY) + um.pollfreq;
                let last_secondary = steps
                    .iter()
                    .filter(|s| s.role == "secondary")
                    .map(sec_at)
                    .max();
                for s in steps
                    .iter()
                    .filter(|s| s.role == "secondary" && s.wait_secs.is_none())
                {
                    assumed.push(format!("{}: FINALDELAY {DEFAULT_FINALDELAY} s", s.host));
                }
                let mut t_primary = None;
                let mut v = Vec::new();
                for s in steps {
                    let at = match s.role.as_str() {
                        "secondary" => Some(sec_at(&s)),
                        // the primary waits for the secondaries (at most HOSTSYNC), then FINALDELAY
                        "primary" => {
                            let (hostsync, finaldelay) = match n
                                .timing
                                .iter()
                                .find(|t| t.host == s.host)
                            {
                                Some(t) => (t.hostsync, t.finaldelay),
                                None => {
                                    assumed.push(format!("{}: HOSTSYNC {DEFAULT_HOSTSYNC} s, FINALDELAY {DEFAULT_FINALDELAY} s", s.host));
                                    (DEFAULT_HOSTSYNC, DEFAULT_FINALDELAY)
                                }
                            };
                            t_primary =
                                Some(last_secondary.map_or(0, |l| l.min(hostsync)) + finaldelay);
                            t_primary
                        }
                        // the power cut follows the primary's shutdown (unknown without a primary)
                        _ => t_primary.and_then(|t| s.wait_secs.map(|w| t + w)),
                    };
                    v.push(Expected {
                        step: s,
                        at_secs: at,
                    });
                }
                v
            }
            None => Vec::new(),
        };
        // The whole sequence (to the power cut) when it is known; else, on a secondary, its own part.
        let own = expected
            .iter()
            .find(|e| e.step.role == "secondary" && e.step.host == me)
            .and_then(|e| e.at_secs);
        let total =
            expected
                .last()
                .and_then(|e| e.at_secs)
                .or(if primary_here { None } else { own });
        let runtime = num("battery.runtime");
        // Only this host's own part counts when the whole sequence is not known: the defaults
        // assumed for the other hosts are not in that figure, so they are not named with it.
        let whole = expected.last().and_then(|e| e.at_secs).is_some();
        if !whole {
            assumed.retain(|a| a.starts_with(&format!("{me}:")));
        }
        let assumed = if assumed.is_empty() {
            String::new()
        } else {
            format!(" (assumed NUT defaults: {})", assumed.join("; "))
        };
        let what = "the shutdown sequence fits in the battery's runtime";
        links.push(match (total, runtime) {
            (Some(t), Some(r)) => link(
                "timing",
                what,
                Some(f64::from(t) < r),
                format!("sequence {t} s (POLLFREQ, FINALDELAY, HOSTSYNC, ups.delay.shutdown) vs battery.runtime {r} s{assumed}"),
            ),
            (None, _) => link("timing", what, None, "a wait is not known (ups.delay.shutdown, or the primary is not on the map)"),
            (Some(t), None) => link("timing", what, None, format!("sequence {t} s; battery.runtime not reported{assumed}")),
        });
        let test = snap
            .and_then(|s| s.get("ups.test.result"))
            .map(str::to_string);
        links.push(match test {
            Some(t) => {
                let l = t.to_ascii_lowercase();
                let bad = l.contains("fail") || l.contains("warn") || l.contains("abort");
                let never = l.contains("no test") || l.contains("none");
                link(
                    "battery-test",
                    "the last battery test passed",
                    if never { None } else { Some(!bad) },
                    format!("ups.test.result = {t}"),
                )
            }
            None => link(
                "battery-test",
                "the last battery test passed",
                None,
                "ups.test.result not reported",
            ),
        });
        let verdict = if links.iter().any(|l| l.ok == Some(false)) {
            "broken"
        } else if links
            .iter()
            .any(|l| l.ok.is_none() && l.id != "battery-test")
        {
            "unverified"
        } else {
            "sound"
        };
        out.push(Drill {
            ups: key,
            target: m.target.clone(),
            primary_here,
            links,
            expected,
            verdict: verdict.into(),
        });
    }
    out
}

/// One client's logout seen during a real FSD drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logout {
    /// The client's address as `LIST CLIENT` shows it.
    pub client: String,
    /// Milliseconds after FSD was set.
    pub after_ms: u64,
}

/// What a real FSD drill saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsdRecord {
    /// Clients logged in when FSD was set (this host's own included).
    pub before: Vec<String>,
    /// Logouts of the other hosts, in the order they happened.
    pub logouts: Vec<Logout>,
    /// Clients still logged in when the drill stopped watching.
    pub remaining: Vec<String>,
    /// How the FSD was set (`upsmon -c fsd`).
    pub trigger: String,
    /// Milliseconds watched.
    pub watched_ms: u64,
}

impl FsdRecord {
    /// Feeds one observation (`LIST CLIENT` at `after_ms`): every client of `before` no longer listed
    /// is recorded as logged out (once), in order.
    pub fn observe(&mut self, after_ms: u64, now: &[String], is_local: impl Fn(&str) -> bool) {
        for c in &self.before {
            if is_local(c) || now.contains(c) || self.logouts.iter().any(|l| &l.client == c) {
                continue;
            }
            self.logouts.push(Logout {
                client: c.clone(),
                after_ms,
            });
        }
        self.remaining = now.iter().filter(|c| !is_local(c)).cloned().collect();
        self.watched_ms = after_ms;
    }
}

/// The expected sequence against what happened: the secondaries' logouts in the recorded order,
/// each within its expected time, none left, and the primary (this host) after them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// Hosts expected to log out (the map's secondaries), in expected order.
    pub expected_order: Vec<String>,
    /// Addresses in the order they logged out.
    pub recorded_order: Vec<String>,
    /// Every expected host logged out, and nobody is left.
    pub all_logged_out: bool,
    /// Secondaries that logged out later than expected (`host: got ms, expected s`).
    pub late: Vec<String>,
    /// `matches` when the recorded sequence is the expected one, `differs` otherwise.
    pub verdict: String,
}

/// A real FSD drill: the UPS, what happened, and how it compares with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsdOutcome {
    /// The UPS drilled (`ups@server`).
    pub ups: String,
    /// What was seen.
    pub record: FsdRecord,
    /// Against the expected sequence.
    pub comparison: Comparison,
}

/// Everything `nutctl drill` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillReport {
    /// One plan per UPS this host monitors.
    pub drills: Vec<Drill>,
    /// The real FSD drill, when one was run.
    pub fsd: Option<FsdOutcome>,
    /// Sources that could not be read.
    pub unavailable: Vec<String>,
}

impl DrillReport {
    /// `ok` (sound / matches), `warning` (unverified), `critical` (broken / differs), or `None`
    /// when there was nothing to drill.
    pub fn worst(&self) -> Option<crate::Severity> {
        use crate::Severity;
        if let Some(f) = &self.fsd {
            return Some(if f.comparison.verdict == "matches" {
                Severity::Ok
            } else {
                Severity::Critical
            });
        }
        let v: Vec<&str> = self.drills.iter().map(|d| d.verdict.as_str()).collect();
        if v.is_empty() {
            None
        } else if v.contains(&"broken") {
            Some(Severity::Critical)
        } else if v.contains(&"unverified") {
            Some(Severity::Warning)
        } else {
            Some(Severity::Ok)
        }
    }
}

/// Compares a record with the drill's plan.
pub fn compare(plan: &Drill, record: &FsdRecord) -> Comparison {
    let secondaries: Vec<&Expected> = plan
        .expected
        .iter()
        .filter(|e| e.step.role == "secondary")
        .collect();
    let expected_order: Vec<String> = secondaries.iter().map(|e| e.step.host.clone()).collect();
    let recorded_order: Vec<String> = record.logouts.iter().map(|l| l.client.clone()).collect();
    let all_logged_out =
        record.remaining.is_empty() && recorded_order.len() >= expected_order.len();
    let mut late = Vec::new();
    for (l, e) in record.logouts.iter().zip(secondaries.iter()) {
        if let Some(at) = e.at_secs {
            // a 2 s allowance for the poll of LIST CLIENT itself
            if l.after_ms > u64::from(at) * 1000 + 2000 {
                late.push(format!(
                    "{}: {} ms, expected by {at} s",
                    l.client, l.after_ms
                ));
            }
        }
    }
    let verdict = if all_logged_out && late.is_empty() {
        "matches"
    } else {
        "differs"
    };
    Comparison {
        expected_order,
        recorded_order,
        all_logged_out,
        late,
        verdict: verdict.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keeps_logout_order_once() {
        let mut r = FsdRecord {
            before: vec!["127.0.0.1".into(), "10.0.0.2".into(), "10.0.0.3".into()],
            ..FsdRecord::default()
        };
        let local = |a: &str| a == "127.0.0.1";
        r.observe(
            500,
            &["127.0.0.1".into(), "10.0.0.2".into(), "10.0.0.3".into()],
            local,
        );
        assert!(r.logouts.is_empty());
        r.observe(1500, &["127.0.0.1".into(), "10.0.0.2".into()], local);
        r.observe(2500, &["127.0.0.1".into()], local);
        r.observe(3000, &[], local);
        assert_eq!(
            r.logouts,
            vec![
                Logout {
                    client: "10.0.0.3".into(),
                    after_ms: 1500
                },
                Logout {
                    client: "10.0.0.2".into(),
                    after_ms: 2500
                }
            ]
        );
        assert!(r.remaining.is_empty());
    }

    #[test]
    fn comparison_flags_late_and_missing() {
        let step = |host: &str, role: &str| ShutdownStep {
            host: host.into(),
            role: role.into(),
            text: String::new(),
            wait_secs: Some(0),
        };
        let plan = Drill {
            ups: "u@s".into(),
            target: nut_proto::Target::new("u", "s", 3493),
            primary_here: true,
            links: vec![],
            expected: vec![
                Expected {
                    step: step("10.0.0.2", "secondary"),
                    at_secs: Some(5),
                },
                Expected {
                    step: step("s", "primary"),
                    at_secs: Some(10),
                },
            ],
            verdict: "sound".into(),
        };
        let mut r = FsdRecord {
            before: vec!["10.0.0.2".into()],
            ..FsdRecord::default()
        };
        r.observe(3000, &[], |_| false);
        assert_eq!(compare(&plan, &r).verdict, "matches");
        let mut slow = FsdRecord {
            before: vec!["10.0.0.2".into()],
            ..FsdRecord::default()
        };
        slow.observe(9000, &[], |_| false);
        assert_eq!(compare(&plan, &slow).late.len(), 1);
        let mut stuck = FsdRecord {
            before: vec!["10.0.0.2".into()],
            ..FsdRecord::default()
        };
        stuck.observe(9000, &["10.0.0.2".into()], |_| false);
        assert!(!compare(&plan, &stuck).all_logged_out);
    }
}
