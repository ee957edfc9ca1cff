//! `nutctl watch` against `nutctl serve --cycle` on a free port: transitions noted, JSON Lines, a
//! server killed and restarted on the same port (reconnect notice, then recovery); and the demo's
//! watch/logs parts.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

/// A child process killed by PID when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lines_of(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn watch_notes_cycle_transitions() {
    let s = Serve::start_with(&["--cycle", "OL,OB DISCHRG,OB DISCHRG LB", "--step", "0.3"]);
    let o = run(&["watch", &s.target(), "--interval", "0.1", "--count", "12"]);
    let text = stdout(&o);
    assert!(text.contains("first reading"), "{text}");
    assert!(text.contains("OB raised (on battery)"), "{text}");
    assert!(text.contains("LB raised (low battery)"), "{text}");
    assert!(text.contains("stopped after 12 poll(s)"), "{text}");
    assert!([0, 1, 2].contains(&code(&o)), "{}", stderr(&o));

    let o = run(&[
        "watch",
        &s.target(),
        "--interval",
        "0.1",
        "--count",
        "12",
        "--json",
    ]);
    let v = lines_of(&o);
    let ob = v
        .iter()
        .find(|l| l["kind"] == "token-raised" && l["id"] == "status.on-battery")
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(ob["type"], "change");
    assert_eq!(ob["severity"], "warning");
    assert_eq!(ob["target"], s.target());
    assert!(ob["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(ob["upsmon_line"], format!("UPS {} on battery", s.target()));
    let last = v.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["polls"], 12);
    assert_eq!(last["exit_code"], code(&o));
}

#[test]
fn watch_survives_a_server_restart() {
    let first = Serve::start();
    let port = first.port;
    let target = first.target();
    let mut w = Guard(
        nutctl()
            .args([
                "watch",
                &target,
                "--interval",
                "0.2",
                "--count",
                "40",
                "--json",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel::<serde_json::Value>();
    let out = BufReader::new(w.0.stdout.take().unwrap());
    std::thread::spawn(move || {
        for l in out.lines() {
            let Ok(l) = l else { break };
            if tx.send(serde_json::from_str(&l).unwrap()).is_err() {
                break;
            }
        }
    });
    let wait_for = |what: &str| -> serde_json::Value {
        loop {
            let v = rx
                .recv_timeout(Duration::from_secs(60)) // back-off reaches 30 s under load
                .unwrap_or_else(|_| panic!("no {what} line"));
            if v["kind"] == what || v["type"] == what {
                return v;
            }
        }
    };
    wait_for("first-seen");
    drop(first); // killed by PID
    let lost = wait_for("comms-lost");
    assert_eq!(lost["id"], "net.refused");
    assert_eq!(lost["severity"], "critical");
    let r = wait_for("reconnect");
    assert_eq!(r["target"], target);
    assert!(r["retry_in_secs"].as_f64().unwrap() >= 0.2);
    // The same server again, on the same port.
    let mut second = Guard(
        nutctl()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--name",
                "es",
                "--dev",
            ])
            .arg(data_file(DEV))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let back = wait_for("comms-restored");
    assert_eq!(back["severity"], "ok");
    let ep = wait_for("episode");
    assert_eq!(ep["episode"]["kind"], "comms");
    assert_eq!(ep["episode"]["verdict"], "recovered-automatically");
    let summary = wait_for("summary");
    assert_eq!(summary["timeline"]["episodes"][0]["kind"], "comms");
    assert_eq!(summary["exit_code"], 0);
    let _ = second.0.kill();
}

#[test]
fn watch_bad_arguments_are_unknown() {
    assert_eq!(
        code(&run(&["watch", "ups@127.0.0.1", "--interval", "0"])),
        3
    );
    assert_eq!(code(&run(&["watch", "ups@127.0.0.1", "--count", "0"])), 3);
}

#[test]
fn demo_shows_watch_transitions_and_the_log_timeline() {
    let o = run(&["demo", "--pace", "0"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "part 2: watch",
        "OB raised (on battery)",
        "reconnecting in",
        "readable again",
        "part 3: the same events through `nutctl logs`",
        "Communications with UPS demo@127.0.0.1:",
        "recovered automatically, battery low",
        "(log.power-outage)",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    let o = run(&["demo", "--pace", "0", "--json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &v["watch"];
    assert_eq!(w["upsmon_log"].as_array().unwrap().len(), 5);
    let kinds: Vec<&str> = w["timeline"]["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["power", "comms"]);
    assert!(w["lines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["kind"] == "comms-lost"));
}
