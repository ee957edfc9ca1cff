//! `nutctl logs` on the journal of a real host (nut-lab's real-host lab: Debian's systemd as PID 1,
//! journald, Debian's own nut-server / nut-monitor / nut-driver@ units, dummy-ups), after the test
//! caused incidents with `systemctl` and `upsrw`, as an administrator would:
//! 1. `systemctl stop nut-driver@ups`, later `start`: one incident for the UPS although the driver,
//!    upsd (`ups`), upsmon (`ups@localhost`) and systemd all log it; its root is the unit stopped; it
//!    ended after the restart of nut-driver@ups, at the time systemd logged the start;
//!    Then the driver's definition file made unreadable and the driver restarted (it fails: Permission
//!    denied), the mode fixed and the driver restarted: rooted in the permission, ended by that restart;
//! 2. `ups.status` set to `OL RB`, then `OL CAL`: battery replacement and calibration are incidents of
//!    their own, with their own findings;
//! 3. a wrong password in upsmon.conf and `systemctl restart nut-monitor` (refused), restarted again still
//!    wrong (refused again: that restart fixed nothing), then fixed and restarted: one refused-login
//!    incident, "credentials fixed" by the last restart;
//! 4. `systemctl stop nut-server`, later `start`: upsmon's connection refused, rooted in upsd stopping,
//!    ended after the restart of nut-server;
//! 5. a MONITOR line for a server on a network the host has no route to: its own incident, rooted in the
//!    unreachable network; one for a UPS upsd does not have, then added to ups.conf (Debian's enumerator
//!    starts its driver and reloads nut-server): rooted in the unknown name, ended by the reload;
//! 6. `upsmon -c fsd`: the forced shutdown names the client that set FSD.
//!
//! The same journal is read seven ways: `journalctl -o short-iso`, `-o short-unix` and
//! `-o short-precise` saved to files, `journalctl -o json` and `-o export`
//! on stdin, `nutctl logs` reading the journal itself, and the log part of `nutctl doctor`. One host for every check (a boot is ~4 s);
//! every wait is bounded; about 40 s in all. Runs only as root with systemd and nut-server (prints
//! `skipped: ...` otherwise; under `CI=true` it must run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hosts;

use std::time::Duration;

use nut_lab::host::{hosts_available, running_hosts, Host};
use nut_lab::wait_for;
use serde_json::Value;

use hosts::{boot, sh, write};

const DEV: &str = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 20\n";
const MONITOR_OK: &str = "MONITOR ups@localhost 1 mon monpw primary";

fn etc(dir: &std::path::Path) {
    write(dir, "nut.conf", "MODE=standalone\n");
    write(
        dir,
        "ups.conf",
        "[ups]\n driver = dummy-ups\n port = ups.dev\n desc = \"lab\"\n",
    );
    write(dir, "ups.dev", DEV);
    write(dir, "upsd.conf", "LISTEN 127.0.0.1 3493\n");
    write(
        dir,
        "upsd.users",
        "[mon]\n password = monpw\n upsmon primary\n[admin]\n password = adminpw\n actions = SET\n",
    );
    // SHUTDOWNCMD is harmless: step 5 really runs it.
    write(
        dir,
        "upsmon.conf",
        &format!("{MONITOR_OK}\nSHUTDOWNCMD \"/bin/true\"\nPOLLFREQ 2\nPOLLFREQALERT 2\nDEADTIME 6\nFINALDELAY 0\n"),
    );
}

/// How often `needle` occurs in the host's journal.
fn seen(h: &Host, needle: &str) -> usize {
    h.journal().matches(needle).count()
}

/// Waits (bounded) until `needle` occurs more than `before` times in the journal.
fn await_line(h: &Host, needle: &str, before: usize) {
    let limit = Duration::from_secs(30);
    assert!(
        wait_for(limit, || seen(h, needle) > before).is_some(),
        "{needle:?} not logged within {limit:?}:\n{}",
        h.journal()
    );
}

/// The last journal line containing `needle`, as `journalctl -o short-unix` gives it: its time in
/// whole seconds.
fn last_secs(h: &Host, needle: &str) -> i64 {
    let j = h.run("journalctl --no-pager -o short-unix").stdout;
    let line = j.lines().rfind(|l| l.contains(needle)).unwrap();
    line.split(['.', ' ']).next().unwrap().parse().unwrap()
}

/// The same line's `short-iso` stamp in UTC, as `nutctl logs` prints a time (`…T05:04:26Z`).
fn last_iso(h: &Host, needle: &str) -> String {
    let j = h.run("TZ=UTC journalctl --no-pager -o short-iso").stdout;
    let line = j.lines().rfind(|l| l.contains(needle)).unwrap();
    line.split(' ').next().unwrap().replace("+0000", "Z")
}

fn nutctl(h: &Host, cmd: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let r = h.run(&cmd.replace("NUTCTL", bin));
    assert!(
        matches!(r.code, Some(0..=2)),
        "{cmd}: exit {:?}\n{}\n{}",
        r.code,
        r.stdout,
        r.stderr
    );
    r.stdout
}

/// The episodes of `kind` that started at or after `t0` (Unix seconds): the boot may have its own
/// (upsmon can start before upsd listens: a refused connection, recovered by itself).
fn episodes<'a>(v: &'a Value, kind: &str, t0: i64) -> Vec<&'a Value> {
    v["timeline"]["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .filter(|e| e["start"]["micros"].as_i64().unwrap_or(0) >= t0 * 1_000_000)
        .collect()
}

fn kinds(e: &Value) -> Vec<&str> {
    e["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect()
}

/// When the episode's ending says its unit restarted, in whole seconds.
fn ending_secs(e: &Value) -> i64 {
    e["ending"]["at"]["micros"]
        .as_i64()
        .unwrap()
        .div_euclid(1_000_000)
}

/// What every reading of the journal must say. `starts`: the whole-second times of the restarts
/// that ended the incidents (driver, server, monitor).
fn incidents(v: &Value, t0: i64, starts: (i64, i64, i64, i64), reload: (i64, i64), how: &str) {
    let episodes = |v, kind| episodes(v, kind, t0);
    let show = || format!("{how}:\n{:#}", v["timeline"]["episodes"]);
    // 1 and 2: exactly two communication losses (the driver's, upsd's), not one per program.
    let all = episodes(v, "comms");
    let (far, comms): (Vec<&Value>, Vec<&Value>) =
        all.into_iter().partition(|e| e["ups"] == "ups@10.99.0.1");
    let (added, comms): (Vec<&Value>, Vec<&Value>) = comms
        .into_iter()
        .partition(|e| e["ups"] == "ups2@localhost" || e["ups"] == "ups2");
    // 5b. The UPS upsd did not have: rooted in its unknown name, ended by the reload of nut-server
    // that followed the change of ups.conf.
    assert_eq!(added.len(), 1, "{}", show());
    assert_eq!(added[0]["cause"], "unknown-ups", "{}", show());
    assert_eq!(added[0]["verdict"], "recovered-after-reload", "{}", show());
    assert_eq!(added[0]["ending"]["unit"], "nut-server", "{}", show());
    let at = ending_secs(added[0]);
    assert!(
        at >= reload.0 && at <= reload.1,
        "{at} {reload:?}: {}",
        show()
    );
    // 5. The unreachable server: its own incident, rooted in the network, the same UPS name on
    // another host being another UPS.
    assert_eq!(far.len(), 1, "{}", show());
    assert_eq!(far[0]["cause"], "network-unreachable", "{}", show());
    assert_eq!(comms.len(), 3, "{}", show());
    let (drv, perm, srv) = (comms[0], comms[1], comms[2]);
    // 1b. The permission problem is the root of the second driver outage, though the unit's stop
    // came first; the restart after the fix ended it.
    assert_eq!(perm["cause"], "file-permission", "{}", show());
    assert!(
        perm["cause_message"]
            .as_str()
            .unwrap()
            .ends_with("ups.dev: Permission denied"),
        "{}",
        show()
    );
    assert_eq!(perm["verdict"], "recovered-after-restart", "{}", show());
    assert_eq!(perm["ending"]["unit"], "nut-driver@ups", "{}", show());
    assert_eq!(ending_secs(perm), starts.1, "{}", show());
    let k = kinds(drv);
    for kind in [
        "unit-stopped",
        "upsd-driver-missing",
        "comm-lost",
        "comm-ok",
    ] {
        assert!(
            k.contains(&kind),
            "systemd's, upsd's and upsmon's lines in one incident: {kind} missing in {k:?}\n{}",
            show()
        );
    }
    assert_eq!(drv["cause"], "driver-not-running", "{}", show());
    // The root is the first line of the stop: systemd stopping the unit or the driver exiting on
    // its signal, whichever journald got first.
    let root = drv["cause_message"].as_str().unwrap();
    assert!(
        root.contains("Stopping nut-driver@ups.service") || root == "Signal 15: exiting",
        "the root is the unit stopped: {}",
        show()
    );
    assert!(k.contains(&"exiting"), "the driver's exit: {k:?}");
    assert!(drv.get("candidates").is_none(), "{}", show());
    assert_eq!(drv["verdict"], "recovered-after-restart", "{}", show());
    assert_eq!(drv["ending"]["unit"], "nut-driver@ups", "{}", show());
    assert_eq!(ending_secs(drv), starts.0, "{}", show());
    assert_eq!(srv["cause"], "server-not-running", "{}", show());
    assert!(kinds(srv).contains(&"connect-refused"), "{}", show());
    assert_eq!(srv["verdict"], "recovered-after-restart", "{}", show());
    assert_eq!(srv["ending"]["unit"], "nut-server", "{}", show());
    assert_eq!(ending_secs(srv), starts.2, "{}", show());
    // 3. One refused-login incident, ended by the restart after the fix (not the one before it).
    let faults = episodes(v, "fault");
    let logins: Vec<_> = faults
        .iter()
        .filter(|e| e["cause"] == "login-refused")
        .collect();
    assert_eq!(logins.len(), 1, "{}", show());
    let login = logins[0];
    assert_eq!(login["verdict"], "recovered-after-restart", "{}", show());
    assert_eq!(login["ending"]["unit"], "nut-monitor", "{}", show());
    assert_eq!(ending_secs(login), starts.3, "{}", show());
    let refusals = login["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "login-access-denied")
        .map(|k| k["count"].as_u64().unwrap());
    assert_eq!(refusals, Some(2), "both refusals in it: {}", show());
    // 4. Battery replacement and calibration: their own incidents, not lines of a comms one.
    assert_eq!(episodes(v, "battery").len(), 1, "{}", show());
    assert_eq!(episodes(v, "calibration").len(), 1, "{}", show());
    for e in &comms {
        let k = kinds(e);
        assert!(
            !k.contains(&"replace-battery") && !k.contains(&"calibrating"),
            "{}",
            show()
        );
    }
    // 6. The forced shutdown names who set FSD.
    let sd = episodes(v, "shutdown");
    assert_eq!(sd.len(), 1, "{}", show());
    assert_eq!(sd[0]["fsd_client"], "mon@127.0.0.1", "{}", show());
    // Asked for with `upsmon -c fsd`: a request, not an unexplained FSD.
    assert_eq!(sd[0]["cause"], "fsd-requested", "{}", show());
    // The findings say the same.
    let findings = v["findings"].as_array().unwrap();
    let title = |id: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["id"] == id)
            .map(|f| f["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        title("log.login-refused")
            .iter()
            .any(|t| t.contains("credentials fixed") && t.contains("nut-monitor")),
        "{:#}",
        v["findings"]
    );
    assert!(
        title("log.driver-not-running")
            .iter()
            .any(|t| t.contains("ended after the restart of nut-driver@ups")),
        "{:#}",
        v["findings"]
    );
    assert_eq!(title("log.replace-battery").len(), 1, "{:#}", v["findings"]);
    assert!(
        title("log.shutdown")
            .iter()
            .any(|t| t.contains("FSD set by mon@127.0.0.1 (requested with upsmon -c fsd)")),
        "{:#}",
        v["findings"]
    );
    assert!(
        title("log.file-permission")
            .iter()
            .any(|t| t.contains("ended after the restart of nut-driver@ups")),
        "{:#}",
        v["findings"]
    );
    assert_eq!(title("log.calibration").len(), 1, "{:#}", v["findings"]);
}

#[test]
fn incidents_caused_on_a_real_host_are_named_with_their_cause_and_end() {
    if !hosts_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    etc(dir.path());
    let h = boot("rh-logs", dir.path());
    let up = Duration::from_secs(40);
    for unit in [
        "nut-driver@ups.service",
        "nut-server.service",
        "nut-monitor.service",
    ] {
        assert!(h.wait_unit(unit, "active", up), "{unit}: {}", h.journal());
    }
    await_line(&h, "logged into UPS [ups]", 0);
    // What the boot itself logged comes before this second; the incidents of the test after it.
    std::thread::sleep(Duration::from_millis(1100));
    let t0: i64 = h.run("date +%s").stdout.trim().parse().unwrap();

    // 1. The driver unit stopped, then started.
    let (lost, back) = ("ups@localhost lost", "ups@localhost established");
    let (l0, b0) = (seen(&h, lost), seen(&h, back));
    sh(&h, "systemctl stop nut-driver@ups.service");
    await_line(&h, lost, l0);
    sh(&h, "systemctl start nut-driver@ups.service");
    await_line(&h, back, b0);
    let driver_start = last_secs(&h, "Started nut-driver@ups.service");
    let driver_iso = last_iso(&h, "Started nut-driver@ups.service");

    // 1b. The driver cannot read its definition file (restarted, it fails: Permission denied);
    // the file's mode fixed, the driver restarted.
    let (l0, b0) = (seen(&h, lost), seen(&h, back));
    sh(
        &h,
        "chown root:root /etc/nut/ups.dev && chmod 600 /etc/nut/ups.dev",
    );
    let r = h.run("systemctl restart nut-driver@ups.service");
    assert!(!r.ok(), "the driver started without its file: {r:?}");
    await_line(&h, "ups.dev: Permission denied", 0);
    await_line(&h, lost, l0);
    sh(
        &h,
        "chown root:nut /etc/nut/ups.dev && chmod 640 /etc/nut/ups.dev && systemctl restart nut-driver@ups.service",
    );
    await_line(&h, back, b0);
    let fixed_start = last_secs(&h, "Started nut-driver@ups.service");

    // 2. The UPS asks for a new battery, then calibrates.
    // Right after the driver's restart upsd may refuse a SET VAR for a moment: retried, bounded.
    let set = |status: &str| {
        let cmd = format!("upsrw -s 'ups.status={status}' -u admin -p adminpw ups@localhost 2>&1");
        let mut last = String::new();
        let ok = wait_for(Duration::from_secs(15), || {
            last = h.run(&cmd).stdout;
            last.lines().any(|l| l.trim() == "OK")
        });
        assert!(ok.is_some(), "upsrw {status}: {last}");
    };
    set("OL RB");
    await_line(&h, "battery needs to be replaced", 0);
    set("OL CAL");
    await_line(&h, "calibration in progress", 0);
    set("OL");

    // 3. A wrong password; restarted still wrong; fixed.
    let denied = "failed - got [ERR ACCESS-DENIED]";
    sh(
        &h,
        "sed -i 's/ mon monpw / mon wrongpw /' /etc/nut/upsmon.conf && systemctl restart nut-monitor",
    );
    await_line(&h, denied, 0);
    sh(&h, "systemctl restart nut-monitor");
    await_line(&h, denied, 1);
    let logins = seen(&h, "logged into UPS [ups]");
    sh(
        &h,
        "sed -i 's/ mon wrongpw / mon monpw /' /etc/nut/upsmon.conf && systemctl restart nut-monitor",
    );
    await_line(&h, "logged into UPS [ups]", logins);
    let monitor_start = last_secs(&h, "Started nut-monitor.service");
    let monitor_iso = last_iso(&h, "Started nut-monitor.service");

    // 4. upsd stopped, then started (after the status changes: NUT 2.8.0's dummy-ups aborts on a
    // SET VAR once upsd has restarted, seen in the lab).
    let refused = "connect failed: Connection failure: Connection refused";
    let (r0, b0) = (seen(&h, refused), seen(&h, back));
    sh(&h, "systemctl stop nut-server.service");
    await_line(&h, refused, r0);
    sh(&h, "systemctl start nut-server.service");
    await_line(&h, back, b0);
    let server_start = last_secs(&h, "Started nut-server.service");

    // 5. Two more MONITOR lines, monitoring only: a server on a network the host has no route to,
    // and a UPS this upsd does not have yet; then that UPS added to ups.conf (Debian's
    // nut-driver-enumerator starts its driver and reloads nut-server).
    sh(
        &h,
        "printf 'MONITOR ups@10.99.0.1 0 mon monpw secondary\\nMONITOR ups2@localhost 0 mon monpw secondary\\n' >> /etc/nut/upsmon.conf && systemctl restart nut-monitor",
    );
    await_line(&h, "[ups2] does not exist on server localhost", 0);
    let before_reload = seen(&h, "SIGHUP: reloading configuration");
    sh(
        &h,
        "printf '[ups2]\\n driver = dummy-ups\\n port = ups.dev\\n' >> /etc/nut/ups.conf",
    );
    await_line(&h, "Communications with UPS ups2@localhost established", 0);
    assert!(seen(&h, "SIGHUP: reloading configuration") > before_reload);
    let reload = (
        last_secs(&h, "SIGHUP: reloading configuration"),
        last_secs(&h, "Reloaded nut-server.service"),
    );
    await_line(
        &h,
        "[ups@10.99.0.1]: connect failed: Connection failure: Network is unreachable",
        0,
    );

    // 6. A forced shutdown set by the primary upsmon (SHUTDOWNCMD is /bin/true).
    sh(&h, "upsmon -c fsd");
    await_line(&h, "set FSD on UPS [ups]", 0);
    await_line(&h, "Auto logout and shutdown proceeding", 0);

    let starts = (driver_start, fixed_start, server_start, monitor_start);
    // The journal as a file (`journalctl -o short-iso`, whole seconds), text and JSON.
    sh(
        &h,
        "TZ=UTC journalctl --no-pager -o short-iso > /tmp/journal.log",
    );
    // A copy outside the host, for whoever reads a failure.
    let copy = std::env::temp_dir().join("nutctl-real-hosts-logs.journal.log");
    std::fs::write(&copy, h.run("cat /tmp/journal.log").stdout).unwrap();
    println!("journal copied to {}", copy.display());
    let text = nutctl(&h, "NUTCTL --no-color logs /tmp/journal.log");
    let v: Value =
        serde_json::from_str(&nutctl(&h, "NUTCTL --json logs /tmp/journal.log")).unwrap();
    incidents(&v, t0, starts, reload, "short-iso file");
    for needle in [
        format!("after restart of nut-driver@ups at {driver_iso}"),
        format!("after restart of nut-monitor at {monitor_iso}: credentials fixed"),
        "(after reload of nut-server at ".to_string(),
        "FSD set by mon@127.0.0.1".to_string(),
        "cause: driver-not-running @".to_string(),
        "cause: server-not-running".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle:?} not in:\n{text}");
    }
    // One line per incident: the driver's two outages and upsd's each on one comms line.
    for (unit, n) in [("nut-driver@ups", 2), ("nut-server", 1)] {
        let lines = text
            .lines()
            .filter(|l| {
                l.starts_with("  comms ") && l.contains(&format!("after restart of {unit} "))
            })
            .count();
        assert_eq!(lines, n, "{unit}: {text}");
    }
    // `journalctl -o json` on stdin (microsecond times, journald's fields).
    let v: Value = serde_json::from_str(&nutctl(
        &h,
        "journalctl --no-pager -o json | NUTCTL --json logs -",
    ))
    .unwrap();
    incidents(&v, t0, starts, reload, "journalctl -o json on stdin");
    // `journalctl -o export` on stdin (an entry's fields on lines of their own).
    let v: Value = serde_json::from_str(&nutctl(
        &h,
        "journalctl --no-pager -o export | NUTCTL --json logs -",
    ))
    .unwrap();
    incidents(&v, t0, starts, reload, "journalctl -o export on stdin");
    // `-o short-unix` (seconds since the epoch) and `-o short-precise` (microseconds and no year:
    // the file's own), saved as files.
    for fmt in ["short-unix", "short-precise"] {
        sh(
            &h,
            &format!("TZ=UTC journalctl --no-pager -o {fmt} > /tmp/journal-{fmt}.log"),
        );
        let v: Value = serde_json::from_str(&nutctl(
            &h,
            &format!("TZ=UTC NUTCTL --json logs /tmp/journal-{fmt}.log"),
        ))
        .unwrap();
        incidents(&v, t0, starts, reload, &format!("journalctl -o {fmt} file"));
    }
    // The journal read by nutctl itself (journalctl, the NUT units).
    let v: Value = serde_json::from_str(&nutctl(&h, "NUTCTL --json logs --since 1h")).unwrap();
    assert_eq!(v["source"]["kind"], "journal");
    incidents(&v, t0, starts, reload, "the journal");
    // doctor's log part reads the same journal the same way.
    let d: Value =
        serde_json::from_str(&nutctl(&h, "NUTCTL --json --timeout 2 doctor --since 1h")).unwrap();
    let log_part = serde_json::json!({
        "timeline": d["report"]["timeline"],
        "findings": d["report"]["findings"],
    });
    incidents(&log_part, t0, starts, reload, "doctor");

    drop(h);
    assert!(
        running_hosts().is_empty(),
        "no host left: {:?}",
        running_hosts()
    );
}
