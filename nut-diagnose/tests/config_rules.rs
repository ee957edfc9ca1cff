//! Table-driven tests of the config rules and the authority map on hand-made config directories
//! (`tests/data/cfg/<case>/`, written for these tests).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap fixtures

use std::path::PathBuf;

use nut_config::ConfigDir;
use nut_diagnose::config::HostConfig;
use nut_diagnose::facts::{ServiceFact, ServiceState};
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::map::AuthorityMap;
use nut_diagnose::{diagnose, Facts, Finding};

fn dir(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cfg")
        .join(case)
}

fn host(case: &str, name: &str) -> HostConfig {
    HostConfig::from_dir(name, &ConfigDir::load(&dir(case)))
}

fn svc(unit: &str, state: ServiceState) -> ServiceFact {
    ServiceFact::new(unit, state)
}

fn facts(config: HostConfig, peers: Vec<HostConfig>, services: Vec<ServiceFact>) -> Facts {
    let mut f = Facts::default();
    f.config = Some(config);
    f.peers = peers;
    f.services = services;
    f
}

/// upsd's LIST CLIENT of `target` listing `addrs`, with this host's own address `local`.
fn logged_in(mut f: Facts, target: &str, addrs: &[&str], local: &str) -> Facts {
    f.clients.push(nut_diagnose::facts::ClientsFact {
        target: nut_proto::Target::parse(target).unwrap(),
        clients: addrs.iter().map(|a| a.to_string()).collect(),
    });
    f.local_addrs.push(local.parse().unwrap());
    f
}

fn ids(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.id.to_string()).collect()
}

fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(findings)))
}

struct Case {
    name: &'static str,
    facts: Facts,
    present: &'static [(&'static str, &'static str)],
    absent: &'static [&'static str],
}

#[test]
fn every_config_rule_with_its_evidence() {
    use ServiceState::*;
    let cases = vec![
        Case {
            name: "server, all running",
            facts: logged_in(
                facts(
                    host("server", "server"),
                    vec![host("client", "nas")],
                    vec![
                        svc("nut-server.service", Active),
                        svc("nut-monitor.service", Active),
                        svc("nut-driver@rack.service", Active),
                    ],
                ),
                "rack@localhost",
                &["127.0.0.1", "10.0.0.7"],
                "10.0.0.1",
            ),
            present: &[
                ("mode.role", "MODE=netserver"),
                ("shutdown.ready", "SHUTDOWNCMD /bin/true"),
            ],
            absent: &[
                "config.listen-loopback-only",
                "authority.two-primaries",
                "authority.no-primary",
                "config.monitor-password-mismatch",
                "mode.unit-not-running",
            ],
        },
        Case {
            name: "server whose driver and upsd are down",
            facts: facts(
                host("server", "server"),
                vec![],
                vec![
                    svc("nut-server.service", Inactive),
                    svc("nut-monitor.service", Active),
                    svc("nut-driver@rack.service", NotFound),
                    svc("nut-driver.target", Inactive),
                ],
            ),
            present: &[
                ("mode.unit-not-running", "not-found"),
                ("mode.unit-not-running", "nut-driver.target"),
                ("mode.unit-not-running", "nut-server.service"),
            ],
            absent: &[],
        },
        Case {
            name: "client of the server",
            facts: logged_in(
                facts(
                    host("client", "nas"),
                    vec![host("server", "server")],
                    vec![
                        svc("nut-server.service", Active),
                        svc("nut-monitor.service", Active),
                    ],
                ),
                "rack@server",
                &["10.0.0.7"],
                "10.0.0.7",
            ),
            present: &[
                ("mode.role", "MODE=netclient"),
                ("mode.netclient-server-active", "active"),
                ("shutdown.ready", "MONITOR rack@server:3493 1 secondary"),
            ],
            absent: &[
                "config.monitor-localhost-netclient",
                "shutdown.primary-unknown",
            ],
        },
        Case {
            name: "client pointing at localhost",
            facts: facts(host("client-localhost", "nas"), vec![], vec![]),
            present: &[(
                "config.monitor-localhost-netclient",
                "MONITOR rack@localhost:3493",
            )],
            absent: &["shutdown.ready"],
        },
        Case {
            name: "password mismatch",
            facts: facts(host("password-mismatch", "desk"), vec![], vec![]),
            present: &[("config.monitor-password-mismatch", "<redacted>")],
            absent: &[
                "config.monitor-user-missing",
                "config.monitor-role-mismatch",
            ],
        },
        Case {
            name: "MODE=none with a UPS configured and upsmon running",
            facts: facts(
                host("mode-none", "desk"),
                vec![],
                vec![svc("nut-monitor.service", Active)],
            ),
            present: &[
                ("mode.none-configured", "[desk]"),
                ("mode.unit-unexpected", "active"),
            ],
            absent: &["shutdown.ready", "config.monitor-user-missing"],
        },
        Case {
            name: "two primaries for one UPS",
            facts: facts(
                host("two-primaries/a", "a"),
                vec![host("two-primaries/b", "b")],
                vec![],
            ),
            present: &[("authority.two-primaries", "b: upsmon.conf")],
            absent: &["authority.no-primary"],
        },
        Case {
            name: "missing SHUTDOWNCMD and friends",
            facts: facts(host("missing-shutdowncmd", "desk"), vec![], vec![]),
            present: &[
                ("config.shutdowncmd-missing", "SHUTDOWNCMD absent"),
                ("config.minsupplies-unreachable", "upsmon.conf:2:13"),
                ("config.monitor-user-no-role", "[watcher] without upsmon"),
                ("shutdown.no-powerdownflag", "POWERDOWNFLAG absent"),
                ("practice.sdorder-excluded", "sdorder = -1"),
                ("config.unknown-directive", "FROBNICATE"),
                ("config.error", "upsmon.conf:4:"),
                ("practice.hostsync-short", "HOSTSYNC 3"),
                ("config.file-missing", "missing"),
            ],
            absent: &["shutdown.ready"],
        },
    ];
    for c in cases {
        let report = diagnose(&c.facts, &Thresholds::default());
        for (id, evidence) in c.present {
            let _ = find(&report.findings, id);
            let seen = report.findings.iter().filter(|f| f.id == *id).any(|f| {
                f.evidence
                    .iter()
                    .any(|e| e.value.contains(evidence) || e.subject.contains(evidence))
                    || f.title.contains(evidence)
            });
            assert!(
                seen,
                "{}: {id}: no evidence `{evidence}` in {:#?}",
                c.name, report.findings
            );
        }
        let got = ids(&report.findings);
        for id in c.absent {
            assert!(
                !got.iter().any(|g| g == id),
                "{}: unexpected {id} in {got:?}",
                c.name
            );
        }
    }
}

#[test]
fn loopback_only_listen_on_a_server_for_others() {
    let mut server = host("server", "server");
    server.listen = Some(vec![nut_diagnose::config::ListenFact {
        addr: "127.0.0.1".into(),
        port: 3493,
        line: 0,
        loopback: true,
    }]);
    let f = facts(server, vec![host("client", "server-client")], vec![]);
    let r = diagnose(&f, &Thresholds::default());
    let l = find(&r.findings, "config.listen-loopback-only");
    assert!(l
        .evidence
        .iter()
        .any(|e| e.value.contains("LISTEN 127.0.0.1 3493 (default)")));
}

#[test]
fn secondary_that_drives_its_ups_and_no_primary() {
    // The server's own MONITOR line turned secondary: it drives the UPS, nobody is primary.
    let mut server = host("server", "server");
    if let Some(u) = server.upsmon.as_mut() {
        for m in &mut u.monitors {
            m.role = nut_diagnose::config::Role::Secondary;
        }
    }
    let r = diagnose(&facts(server, vec![], vec![]), &Thresholds::default());
    let got = ids(&r.findings);
    assert!(
        got.contains(&"authority.secondary-drives-ups".to_string()),
        "{got:?}"
    );
    assert!(got.contains(&"authority.no-primary".to_string()), "{got:?}");
}

#[test]
fn config_facts_serialize_passwords_redacted_and_replay() {
    let f = facts(host("password-mismatch", "desk"), vec![], vec![]);
    let json = serde_json::to_string(&f).unwrap();
    assert!(
        !json.contains("right-one") && !json.contains("wrong-one"),
        "{json}"
    );
    assert!(json.contains("<redacted>"));
    let back: Facts = serde_json::from_str(&json).unwrap();
    // After a replay the passwords are unknown: the mismatch is not claimed either way.
    let r = diagnose(&back, &Thresholds::default());
    assert!(!ids(&r.findings).contains(&"config.monitor-password-mismatch".to_string()));
    // Everything else survives the round trip.
    assert_eq!(
        back.config.as_ref().map(|c| c.mode.clone()),
        Some(Some("standalone".into()))
    );
    let dbg = format!("{:?}", f);
    assert!(!dbg.contains("right-one"), "Debug leaks");
}

#[test]
fn world_readable_secret_file_is_a_finding() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    for name in ["nut.conf", "ups.conf", "upsd.users", "upsmon.conf"] {
        std::fs::copy(dir("password-mismatch").join(name), tmp.path().join(name)).unwrap();
    }
    std::fs::set_permissions(
        tmp.path().join("upsd.users"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(
        tmp.path().join("upsmon.conf"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let h = HostConfig::from_dir("desk", &ConfigDir::load(tmp.path()));
    let r = diagnose(&facts(h, vec![], vec![]), &Thresholds::default());
    let w: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "config.world-readable")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", ids(&r.findings));
    assert!(w[0].subject.as_deref().unwrap_or("").contains("upsd.users"));
}

fn map_of(case_a: (&str, &str), peers: &[(&str, &str)]) -> AuthorityMap {
    let f = facts(
        host(case_a.0, case_a.1),
        peers.iter().map(|(c, h)| host(c, h)).collect(),
        vec![],
    );
    AuthorityMap::build(&f)
}

#[test]
fn map_snapshots_text_mermaid_dot() {
    let mut f = facts(
        host("server", "server"),
        vec![host("client", "nas")],
        vec![],
    );
    f.clients.push(nut_diagnose::facts::ClientsFact {
        target: nut_proto::Target::new("rack", "127.0.0.1", 3493),
        clients: vec!["127.0.0.1".into(), "192.0.2.7".into()],
    });
    let m = AuthorityMap::build(&f);
    assert_eq!(
        m.to_text(),
        "UPS rack@server
├─ driven by: server
├─ primary: server
├─ secondaries: nas
├─ logged in now: 127.0.0.1, 192.0.2.7
└─ shutdown order:
   1. nas (secondary) sees FSD, waits FINALDELAY 5 s, shuts down and logs out
   2. server (primary) waits up to HOSTSYNC 15 s for the secondaries to log out, then FINALDELAY 5 s, then shuts down
   3. server tells rack@server to cut the power (upsdrvctl shutdown, sdorder 0); the power goes off
"
    );
    // the power cut comes after the last host (the primary's own shutdown), not beside it
    assert_eq!(
        m.to_mermaid(),
        r#"flowchart TD
  u0["UPS rack@server"]
  u0s0["nas (secondary)"]
  u0p0["server (primary)"]
  u0p0d["server shuts down"]
  u0x["power cut by server"]
  u0 --> u0p0
  u0p0 -->|FSD| u0s0
  u0s0 -->|logged out| u0p0d
  u0p0 -.->|HOSTSYNC 15 s| u0p0d
  u0p0d --> u0x
"#
    );
    assert_eq!(
        m.to_dot(),
        r#"digraph nut_authority {
  rankdir=TB;
  u0 [shape=box, label="UPS rack@server"];
  u0s0 [label="nas (secondary)"];
  u0p0 [label="server (primary)"];
  u0p0d [label="server shuts down"];
  u0x [shape=octagon, label="power cut by server"];
  u0 -> u0p0;
  u0p0 -> u0s0 [label="FSD"];
  u0s0 -> u0p0d [label="logged out"];
  u0p0 -> u0p0d [style=dashed, label="HOSTSYNC 15 s"];
  u0p0d -> u0x;
}
"#
    );
}

#[test]
fn live_clients_become_secondaries_of_the_map() {
    // The master alone: no client config, but LIST CLIENT shows two hosts logged in.
    let mut f = facts(host("server", "server"), vec![], vec![]);
    f.clients.push(nut_diagnose::facts::ClientsFact {
        target: nut_proto::Target::new("rack", "127.0.0.1", 3493),
        clients: vec!["127.0.0.1".into(), "192.0.2.7".into(), "192.0.2.8".into()],
    });
    f.addr_names.push(("192.0.2.8".into(), "nas".into()));
    f.snapshots.push(nut_diagnose::facts::Snapshot::new(
        nut_proto::Target::new("rack", "127.0.0.1", 3493),
        [("ups.delay.shutdown", "20")],
    ));
    let m = AuthorityMap::build(&f);
    let n = &m.upses[0];
    assert_eq!(
        n.secondaries,
        vec!["nas".to_string(), "192.0.2.7".to_string()]
    );
    let steps = n.shutdown_steps();
    assert_eq!(
        steps
            .iter()
            .map(|s| (s.host.as_str(), s.role.as_str()))
            .collect::<Vec<_>>(),
        [
            ("nas", "secondary"),
            ("192.0.2.7", "secondary"),
            ("server", "primary"),
            ("server", "power-cut")
        ]
    );
    assert_eq!(steps[3].wait_secs, Some(20));
    assert!(steps[3].text.contains("ups.delay.shutdown 20 s"));
    let mermaid = m.to_mermaid();
    let into_cut: Vec<&str> = mermaid.lines().filter(|l| l.ends_with(" u0x")).collect();
    assert_eq!(
        into_cut,
        ["  u0p0d -->|ups.delay.shutdown 20 s| u0x"],
        "{mermaid}"
    );
}

/// Found on real hosts: `nutctl map` on one of two clients (LIST CLIENT of the remote server:
/// the other client, this client, and the server's own upsmon on 127.0.0.1) listed this client twice
/// (by name and by address) and left the other client out; `doctor` left the other client out.
#[test]
fn a_clients_view_of_the_other_clients() {
    let f = logged_in(
        facts(host("client", "nas"), vec![], vec![]),
        "rack@server",
        &["10.0.0.9", "10.0.0.7", "127.0.0.1"],
        "10.0.0.7",
    );
    let m = AuthorityMap::build(&f);
    let n = &m.upses[0];
    assert_eq!(
        n.secondaries,
        vec!["nas".to_string(), "10.0.0.9".to_string()],
        "this host once, the other client by address, not the server's own upsmon"
    );
    let text = m.to_text();
    assert!(text.contains("primary: (not known from here"), "{text}");
}

#[test]
fn map_of_two_primaries_and_a_lonely_client() {
    let m = map_of(("two-primaries/a", "a"), &[("two-primaries/b", "b")]);
    assert_eq!(m.upses.len(), 1);
    assert_eq!(m.upses[0].primaries, vec!["a".to_string(), "b".to_string()]);
    let lonely = map_of(("client", "nas"), &[]);
    assert_eq!(lonely.upses[0].driven_by, None);
    assert!(
        lonely.to_text().contains("primary: (not known from here"),
        "a client cannot read the server's upsmon.conf: not `(none)`"
    );
    assert!(lonely.to_dot().contains("primary not known here"));
    let r = diagnose(
        &facts(host("client", "nas"), vec![], vec![]),
        &Thresholds::default(),
    );
    assert!(
        !ids(&r.findings).contains(&"authority.no-primary".to_string()),
        "server config unknown"
    );
}

#[test]
fn ready_only_when_upsmon_is_logged_in_now() {
    use ServiceState::*;
    let running = || {
        facts(
            host("client", "nas"),
            vec![host("server", "server")],
            vec![svc("nut-monitor.service", Active)],
        )
    };
    // LIST CLIENT not read: right on paper, not checked live.
    let r = diagnose(&running(), &Thresholds::default());
    let got = ids(&r.findings);
    assert!(got.contains(&"shutdown.unverified".to_string()), "{got:?}");
    assert!(!got.contains(&"shutdown.ready".to_string()), "{got:?}");
    // Read, and another host is logged in, not this one.
    let r = diagnose(
        &logged_in(running(), "rack@server", &["10.0.0.9"], "10.0.0.7"),
        &Thresholds::default(),
    );
    let f = find(&r.findings, "shutdown.not-logged-in");
    assert!(f.evidence.iter().any(|e| e.value == "10.0.0.9"), "{f:#?}");
    assert!(!ids(&r.findings).contains(&"shutdown.ready".to_string()));
    // Only the server's own upsmon (127.0.0.1 as upsd sees it) is logged in: not this client. (On
    // real hosts this client was "logged in" while upsd refused it.)
    let r = diagnose(
        &logged_in(running(), "rack@server", &["127.0.0.1"], "10.0.0.7"),
        &Thresholds::default(),
    );
    let got = ids(&r.findings);
    assert!(
        got.contains(&"shutdown.not-logged-in".to_string()),
        "{got:?}"
    );
    assert!(!got.contains(&"shutdown.ready".to_string()), "{got:?}");
    // upsmon stopped: no ready, whatever LIST CLIENT said before.
    let mut stopped = logged_in(running(), "rack@server", &["10.0.0.7"], "10.0.0.7");
    stopped.services = vec![svc("nut-monitor.service", Inactive)];
    let got = ids(&diagnose(&stopped, &Thresholds::default()).findings);
    assert!(!got.contains(&"shutdown.ready".to_string()), "{got:?}");
    assert!(
        got.contains(&"mode.unit-not-running".to_string()),
        "{got:?}"
    );
}

/// Found on a real master whose driver failed (dummy-ups with a missing file): upsd still accepted
/// upsmon's login, LIST CLIENT showed it, yet every read answered DRIVER-NOT-CONNECTED. upsmon then
/// sees no power failure at all: never "this host will shut down".
#[test]
fn no_ready_while_the_ups_status_cannot_be_read() {
    use nut_diagnose::facts::{NutOutcome, ProbeFact, TcpOutcome};
    use ServiceState::*;
    let base = || {
        let mut f = logged_in(
            facts(
                host("server", "server"),
                vec![],
                vec![
                    svc("nut-server.service", Active),
                    svc("nut-monitor.service", Active),
                    svc("nut-driver@rack.service", Active),
                ],
            ),
            "rack@localhost",
            &["127.0.0.1"],
            "127.0.0.1",
        );
        let mut p = ProbeFact::new(nut_proto::Target::parse("rack@localhost").unwrap());
        p.tcp = Some(TcpOutcome::Connected);
        p.login = Some(NutOutcome::Ok);
        p.query = Some(NutOutcome::Ok);
        f.probes.push(p);
        f
    };
    let r = diagnose(&base(), &Thresholds::default());
    let ready = find(&r.findings, "shutdown.ready");
    assert!(
        ready.evidence.iter().any(|e| e.value == "read now"),
        "{ready:#?}"
    );
    let mut stale = base();
    stale.probes[0].query = Some(NutOutcome::Err {
        code: nut_proto::ErrCode::DriverNotConnected,
    });
    let got = ids(&diagnose(&stale, &Thresholds::default()).findings);
    assert!(!got.contains(&"shutdown.ready".to_string()), "{got:?}");
    assert!(
        got.contains(&"driver.not-connected".to_string()),
        "the cause is named: {got:?}"
    );
}

#[test]
fn primary_not_logged_in_on_the_master() {
    use ServiceState::*;
    let f = logged_in(
        facts(
            host("server", "server"),
            vec![],
            vec![
                svc("nut-server.service", Active),
                svc("nut-monitor.service", Active),
                svc("nut-driver@rack.service", Active),
            ],
        ),
        "rack@localhost",
        &["10.0.0.7"],
        "10.0.0.1",
    );
    let r = diagnose(&f, &Thresholds::default());
    let p = find(&r.findings, "shutdown.primary-not-logged-in");
    assert_eq!(p.severity, nut_diagnose::Severity::Critical);
}

#[test]
fn client_claiming_primary_gets_authority_not_powerdownflag() {
    let mut client = host("client", "nas");
    if let Some(u) = client.upsmon.as_mut() {
        for m in &mut u.monitors {
            m.role = nut_diagnose::config::Role::Primary;
        }
        u.powerdownflag = None;
    }
    let r = diagnose(&facts(client, vec![], vec![]), &Thresholds::default());
    let got = ids(&r.findings);
    assert!(
        got.contains(&"authority.client-as-primary".to_string()),
        "{got:?}"
    );
    assert!(
        !got.contains(&"shutdown.no-powerdownflag".to_string()),
        "{got:?}"
    );
}

#[test]
fn crlf_nut_conf_and_mode_absent_like_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nut.conf"), "MODE=netserver\r\n").unwrap();
    let h = HostConfig::from_dir("s", &ConfigDir::load(dir.path()));
    let r = diagnose(&facts(h, vec![], vec![]), &Thresholds::default());
    let f = find(&r.findings, "mode.shell-hazard");
    assert_eq!(f.severity, nut_diagnose::Severity::Critical);
    assert!(f.title.contains("CRLF"), "{}", f.title);
    // a BOM too
    std::fs::write(dir.path().join("nut.conf"), "\u{feff}MODE=netclient\n").unwrap();
    let h = HostConfig::from_dir("s", &ConfigDir::load(dir.path()));
    let r = diagnose(&facts(h, vec![], vec![]), &Thresholds::default());
    assert!(find(&r.findings, "mode.shell-hazard")
        .title
        .contains("byte-order mark"));
    // MODE absent and MODE=none: the same severity, with and without configured UPSes
    let sev = |text: &str, ups: bool| {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("nut.conf"), text).unwrap();
        if ups {
            std::fs::write(
                d.path().join("ups.conf"),
                "[u]\n driver = dummy-ups\n port = u.dev\n",
            )
            .unwrap();
        }
        let h = HostConfig::from_dir("s", &ConfigDir::load(d.path()));
        diagnose(&facts(h, vec![], vec![]), &Thresholds::default())
            .verdict
            .worst
    };
    assert_eq!(sev("# nothing\n", true), sev("MODE=none\n", true));
    assert_eq!(sev("# nothing\n", false), sev("MODE=none\n", false));
}

/// Tried on real hosts: `MONITOR … slave` on a client and `… master` on a server give the right
/// role and said nothing else; the old word is now an info hint (never more than that).
#[test]
fn old_role_words_are_a_hint() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("nut.conf"), "MODE=netclient\n").unwrap();
    std::fs::write(
        d.path().join("upsmon.conf"),
        "MONITOR rack@server 1 remote pw slave\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n",
    )
    .unwrap();
    let h = HostConfig::from_dir("nas", &ConfigDir::load(d.path()));
    let m = &h.upsmon.as_ref().unwrap().monitors[0];
    assert_eq!(m.role, nut_diagnose::config::Role::Secondary);
    let r = diagnose(&facts(h, vec![], vec![]), &Thresholds::default());
    let f = find(&r.findings, "config.role-legacy-word");
    assert_eq!(f.severity, nut_diagnose::Severity::Info);
    assert!(
        f.title.contains("`slave`") && f.action.contains("`secondary`"),
        "{f:#?}"
    );
    let modern = host("client", "nas");
    let r = diagnose(&facts(modern, vec![], vec![]), &Thresholds::default());
    assert!(!ids(&r.findings).contains(&"config.role-legacy-word".to_string()));
}
