//! The fleet poller against the real upsd + dummy-ups of nut-lab: every UPS of a server, a single
//! UPS, credentials, a kept connection reused, a restarted upsd reconnected within the same poll, a
//! silent server (accepts, never answers) and a refused port down without touching the live
//! target's result, and a frozen driver (DATA-STALE) reported on its UPS while the server stays up.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap fixtures

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use nut_diagnose::fleet::{FleetTarget, Poller};
use nut_diagnose::knowledge::Thresholds;
use nut_lab::{wait_for, Lab, LabConfig, MON};
use nut_proto::client::Options;
use nut_proto::Secret;

fn dev() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../nutctl/data/apc-back-ups-es725.dev")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn poller(targets: &[String], timeout: Duration) -> Poller {
    let targets = targets
        .iter()
        .map(|t| FleetTarget::parse(t).unwrap())
        .collect();
    Poller::new(targets, Options::default(), Thresholds::default(), timeout)
}

#[test]
fn every_ups_of_a_server_one_ups_and_a_kept_connection() {
    let Some(mut lab) = Lab::start(LabConfig::new().prefix("fleet.").dev_file(dev()).ups(
        "second",
        "ups.status: OB DISCHRG\nbattery.charge: 30\nups.load: 90\n",
    )) else {
        return;
    };
    let server = format!("127.0.0.1:{}", lab.port);
    let single = format!("second@127.0.0.1:{}", lab.port);
    let p = {
        let mut ts: Vec<FleetTarget> = [&server, &single]
            .iter()
            .map(|t| FleetTarget::parse(t).unwrap())
            .collect();
        ts[0] = ts[0].clone().with_credentials(MON.0, Secret::new(MON.1));
        Poller::new(
            ts,
            Options::default(),
            Thresholds::default(),
            Duration::from_secs(5),
        )
    };
    let rt = rt();
    let s = rt.block_on(p.poll_all());
    assert_eq!(s.targets.len(), 2);
    let t = &s.targets[0];
    assert!(t.up, "{t:?}");
    assert!(t.reconnected, "the first poll connects");
    assert_eq!(
        t.ups.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["lab0", "second"]
    );
    let lab0 = &t.ups[0];
    assert_eq!(lab0.description.as_deref(), Some("lab 0"));
    assert_eq!(lab0.snapshot.get("device.model"), Some("Back-UPS ES 725"));
    assert_eq!(lab0.flags, ["OL"]);
    assert!(lab0
        .assessment
        .findings
        .iter()
        .any(|f| f.id == "status.online"));
    let second = &t.ups[1];
    assert_eq!(second.flags, ["OB", "DISCHRG"]);
    let ids: Vec<&str> = second
        .assessment
        .findings
        .iter()
        .map(|f| f.id.as_ref())
        .collect();
    assert!(ids.contains(&"status.on-battery"), "{ids:?}");
    assert!(ids.contains(&"threshold.charge.critical"), "{ids:?}");
    assert!(ids.contains(&"threshold.load.critical"), "{ids:?}");
    let one = &s.targets[1];
    assert!(
        one.up && one.ups.len() == 1 && one.ups[0].description.is_none(),
        "{one:?}"
    );

    // The second poll reuses both connections.
    let s = rt.block_on(p.poll_all());
    assert!(s.targets.iter().all(|t| t.up && !t.reconnected), "{s:?}");

    // upsd restarted between polls: the kept connection is dead, the same poll reconnects.
    lab.stop_upsd();
    lab.start_upsd().unwrap();
    let s = rt.block_on(p.poll_all());
    for t in &s.targets {
        assert!(t.up, "{t:?}");
        assert!(t.reconnected, "{t:?}");
    }
}

#[test]
fn a_silent_and_a_refused_server_are_down_the_live_one_is_not() {
    let Some(lab) = Lab::start(LabConfig::new().prefix("fleet.").dev_file(dev())) else {
        return;
    };
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = format!("127.0.0.1:{}", silent.local_addr().unwrap().port());
    let refused = format!("127.0.0.1:{}", nut_lab::closed_port());
    let live = format!("127.0.0.1:{}", lab.port);
    let p = poller(
        &[silent_addr.clone(), live.clone(), refused.clone()],
        Duration::from_millis(800),
    );
    let s = rt().block_on(p.poll_all());
    let by = |name: &str| s.targets.iter().find(|t| t.target == name).unwrap();
    let l = by(&live);
    assert!(l.up && l.ups.len() == 1, "{l:?}");
    let q = by(&silent_addr);
    assert!(!q.up && q.ups.is_empty(), "{q:?}");
    assert!(q.error.is_some() && q.finding.is_some(), "{q:?}");
    let r = by(&refused);
    assert!(!r.up, "{r:?}");
    assert_eq!(
        r.finding.as_ref().map(|f| f.id.as_ref()),
        Some("net.refused")
    );
    // Targets come back in the order given.
    assert_eq!(
        s.targets
            .iter()
            .map(|t| t.target.as_str())
            .collect::<Vec<_>>(),
        [silent_addr.as_str(), live.as_str(), refused.as_str()]
    );

    // On demand: a configured target by name, and one that is not configured.
    let rt = rt();
    let one = rt.block_on(p.poll_target(&live)).unwrap();
    assert!(one.targets.len() == 1 && one.targets[0].up);
    let other = rt
        .block_on(p.poll_target(&format!("lab0@127.0.0.1:{}", lab.port)))
        .unwrap();
    assert!(other.targets[0].up && other.targets[0].ups[0].name == "lab0");
    assert!(rt.block_on(p.poll_target("not a target")).is_err());
}

#[test]
fn a_frozen_driver_is_an_error_on_its_ups_not_on_the_server() {
    let Some(lab) = Lab::start(LabConfig::new().prefix("fleet.").maxage(2).dev_file(dev())) else {
        return;
    };
    let p = poller(&[format!("127.0.0.1:{}", lab.port)], Duration::from_secs(3));
    let rt = rt();
    lab.freeze_driver(0);
    let mut seen = None;
    let stale = wait_for(Duration::from_secs(20), || {
        let s = rt.block_on(p.poll_all());
        seen = s.targets[0].ups.first().and_then(|u| u.error.clone());
        s.targets[0].up && seen.is_some()
    });
    lab.thaw_driver(0);
    stale.expect("upsd never reported the frozen driver's data as stale");
    let err = seen.unwrap_or_default();
    assert!(err.contains("DATA-STALE"), "{err}");
    // Thawed, the same kept connection reads it again.
    wait_for(Duration::from_secs(20), || {
        let s = rt.block_on(p.poll_all());
        s.targets[0]
            .ups
            .first()
            .is_some_and(|u| u.error.is_none() && u.flags == ["OL"])
    })
    .expect("the thawed driver's UPS never came back");
}

#[test]
fn credentials_go_to_configured_targets_only() {
    use std::io::{BufRead, BufReader};
    // A fake server that records the first request line of each connection and hangs up.
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = fake.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for _ in 0..2 {
            let (s, _) = fake.accept().unwrap();
            let mut line = String::new();
            let _ = BufReader::new(s).read_line(&mut line);
            lines.push(line);
        }
        lines
    });
    let configured = FleetTarget::parse(&format!("ups@127.0.0.1:{port}"))
        .unwrap()
        .with_credentials("mon", Secret::new("pw-xyz"));
    let p = Poller::new(
        vec![configured],
        Options::default(),
        Thresholds::default(),
        Duration::from_secs(2),
    );
    let rt = rt();
    // Configured: logs in first. On demand (same server, another UPS name): never does.
    let s = rt.block_on(p.poll_all());
    assert!(!s.targets[0].up);
    let s = rt
        .block_on(p.poll_target(&format!("other@127.0.0.1:{port}")))
        .unwrap();
    assert!(!s.targets[0].up);
    let lines = seen.join().unwrap();
    assert_eq!(lines[0].trim_end(), "USERNAME mon", "{lines:?}");
    assert!(lines[1].starts_with("LIST VAR other"), "{lines:?}");
}
