//! End to end with real NUT: a dummy-ups driver and upsd on a free loopback port, a real upsmon watching
//! them in the foreground (`upsmon -D -p`, its stdout captured), upsd killed and restarted under it, and
//! upsmon's output fed to the log parser and the timeline: one communications episode that recovered
//! by itself. Bounded (every wait has a deadline; the whole test stays under 40 s).
//!
//! upsmon facts (nut-facts §7.3, §8; ../shared/docs/lab.md): it always writes /run/nut/upsmon.pid and
//! refuses to start when another instance holds it, so the test skips when one runs and removes the pid
//! file it caused; it really runs SHUTDOWNCMD, so that is `/bin/true`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::path::Path;
use std::time::Duration;

use nut_diagnose::facts::Facts;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::timeline::{EpisodeKind, EpisodeVerdict};
use nut_diagnose::{diagnose, logs};
use nut_lab::{upsmon_available, upsmon_running, wait_for, Lab, LabConfig};

/// Without the `probe` feature there is no gather to test.
#[cfg(not(feature = "probe"))]
fn gather_lab(_: &Path) -> Option<Facts> {
    None
}

/// `probe::gather_local` on the lab's config dir.
#[cfg(feature = "probe")]
fn gather_lab(etc: &Path) -> Option<Facts> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut o = nut_diagnose::probe::LocalOptions {
        confdir: Some(etc.to_path_buf()),
        host: "labhost".into(),
        ..Default::default()
    };
    o.nut.connect_timeout = Duration::from_secs(2);
    o.nut.request_timeout = Duration::from_secs(2);
    Some(rt.block_on(nut_diagnose::probe::gather_local(&o)))
}

#[test]
fn upsd_killed_and_restarted_under_a_real_upsmon() {
    if !upsmon_available() {
        return;
    }
    // Files written for this test.
    let Some(mut lab) = Lab::start(
        LabConfig::new()
            .prefix("diag-upsmon.")
            .ups(
                "lab0",
                "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 20\n",
            )
            .etc_file("nut.conf", "MODE=standalone\n")
            .users("[watch]\n  password = watchpw\n  upsmon primary\n"),
    ) else {
        return;
    };
    let port = lab.port;
    let mon = lab.upsmon(("watch", "watchpw"), "").unwrap();
    let limit = |secs| Duration::from_secs(secs);
    assert!(
        wait_for(limit(8), || mon.saw("Logged into UPS")).is_some(),
        "upsmon did not log in:\n{}",
        mon.output()
    );

    lab.stop_upsd();
    assert!(
        wait_for(limit(8), || mon.saw("Communications with UPS")
            && mon.saw("lost"))
        .is_some(),
        "upsmon did not notice upsd going away:\n{}",
        mon.output()
    );
    // upsd back on the same port, under the running upsmon.
    lab.start_upsd().unwrap();
    assert!(
        wait_for(limit(12), || mon.saw("established")).is_some(),
        "upsmon did not reconnect:\n{}",
        mon.output()
    );
    // While upsmon is logged in: the whole-host gather of `doctor`, against this lab.
    let facts_live = gather_lab(&lab.etc_dir());
    let text = mon.stop();
    drop(lab);
    assert!(!upsmon_running(), "our upsmon is gone");

    // What gather_local saw while upsmon was logged in.
    if let Some(facts_live) = facts_live {
        assert_eq!(facts_live.probes.len(), 1, "{:?}", facts_live.probes);
        let p = &facts_live.probes[0];
        assert_eq!(p.login, Some(nut_diagnose::facts::NutOutcome::Ok), "{p:?}");
        assert_eq!(p.query, Some(nut_diagnose::facts::NutOutcome::Ok));
        assert_eq!(facts_live.snapshots.len(), 1);
        assert_eq!(facts_live.snapshots[0].get("ups.status"), Some("OL"));
        assert_eq!(facts_live.clients.len(), 1, "{:?}", facts_live.unavailable);
        assert!(facts_live.clients[0]
            .clients
            .iter()
            .any(|c| c == "127.0.0.1"));
        let live = diagnose(&facts_live, &Thresholds::default());
        let node = live
            .map
            .upses
            .iter()
            .find(|n| n.ups == "lab0@labhost")
            .unwrap();
        assert_eq!(node.primaries, vec!["labhost".to_string()]);
        assert_eq!(node.driven_by.as_deref(), Some("labhost"));
        assert!(live.findings.iter().any(|f| f.id == "target.reachable"));
        assert!(live.findings.iter().any(|f| f.id == "mode.role"));
        if facts_live.services.is_empty() {
            // No systemd here: the shutdown chain holds on what could be checked.
            assert!(
                live.findings.iter().any(|f| f.id == "shutdown.ready"),
                "{:#?}",
                live.findings
            );
            assert!(facts_live
                .unavailable
                .iter()
                .any(|u| u.contains("could not read")));
        }
    }

    let mut facts = Facts::default();
    facts.logs = logs::events(text.as_bytes())
        .filter_map(|(_, e)| e.ok())
        .map(|e| e.into_owned())
        .collect();
    let report = diagnose(&facts, &Thresholds::default());
    let comms: Vec<_> = report
        .timeline
        .episodes
        .iter()
        .filter(|e| e.kind == EpisodeKind::Comms)
        .collect();
    assert_eq!(comms.len(), 1, "{text}\n{:#?}", report.timeline);
    assert_eq!(
        comms[0].verdict,
        EpisodeVerdict::RecoveredAutomatically,
        "{text}"
    );
    assert_eq!(
        comms[0].ups.as_deref(),
        Some(format!("lab0@127.0.0.1:{port}").as_str())
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id == "log.comms-recovered"),
        "{:?}",
        report.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );

    // The reader `nutctl logs` runs, on the same output: the incident is named after its cause (upsd
    // went away: broken connection, then refused connections) and ended by itself.
    let r = logs::reader::read_log(text.as_bytes(), logs::reader::ReadOptions::default(), None);
    let head = r.timeline.headline().expect("an incident");
    assert_eq!(head.kind, EpisodeKind::Comms, "{text}");
    assert_eq!(
        head.cause,
        Some(nut_diagnose::knowledge::CauseId::ServerNotRunning),
        "{text}\n{:#?}",
        r.timeline
    );
    assert!(head.verdict.recovered(), "{text}");
}
