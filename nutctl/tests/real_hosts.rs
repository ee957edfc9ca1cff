//! The troubleshooting guide played for real on two throw-away Debian hosts (nut-lab's real-host lab):
//! real systemd as PID 1, Debian's own nut-server / nut-monitor / nut-driver@ units, journald, and a
//! veth cable between a master (netserver, primary, dummy-ups) and a client (netclient, secondary).
//! Every scenario is asserted through `nutctl --json doctor` (or `map`) run inside the host.
//!
//! Runs only as root with systemd and nut-server installed (prints `skipped: ...` otherwise; under
//! `CI=true` it must run). The hosts boot once for the whole file (one test, scenarios in sequence) and
//! are powered off by `Drop` even when an assertion fails; every wait is bounded. Wall time: about a
//! minute on an idle machine (two boots of ~4 s, upsmon's 5 s polls, the client's reconnects).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hosts;

use std::path::Path;
use std::time::Duration;

use nut_lab::host::{hosts_available, running_hosts, Host};
use nut_lab::wait_for;
use serde_json::Value;

use hosts::{boot, findings, has, logged_in, master_etc, sh, write};

const NET: &str = "10.77.0";
const MASTER_IP: &str = "10.77.0.1";
const CLIENT_IP: &str = "10.77.0.2";

const DEV: &str = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.delay.shutdown: 20\nups.load: 20\ndevice.model: Lab UPS\n";

fn client_upsmon(role: &str, password: &str) -> String {
    format!(
        "MONITOR ups@{MASTER_IP} 1 remote {password} {role}\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\nPOLLFREQ 2\nPOLLFREQALERT 2\nDEADTIME 6\nFINALDELAY 0\n"
    )
}

fn client_etc(dir: &Path) {
    write(dir, "nut.conf", "MODE=netclient\n");
    write(dir, "upsmon.conf", &client_upsmon("secondary", "rpw"));
}

/// `nutctl --json doctor` inside `h` (extra arguments after `doctor`).
fn doctor(h: &Host, extra: &str) -> Value {
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let r = h.run_as(
        &format!("{bin} --json --no-color --timeout 2 doctor --since 1h {extra}"),
        &[],
        Duration::from_secs(60),
    );
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{}: doctor JSON: {e}\n{}\n{}", h.name(), r.stdout, r.stderr))
}

/// `nutctl --json drill` inside `h`.
fn drill(h: &Host, extra: &str) -> Value {
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let r = h.run(&format!("{bin} --json --timeout 2 drill {extra}"));
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{}: drill JSON: {e}\n{}\n{}", h.name(), r.stdout, r.stderr))
}

fn severity(v: &Value, id: &str) -> Option<String> {
    findings(v).into_iter().find(|f| f.0 == id).map(|f| f.1)
}

/// Runs doctor until `pred` holds (bounded); the last report either way.
fn doctor_until(h: &Host, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let ok = wait_for(limit, || {
        last = doctor(h, "");
        pred(&last)
    });
    assert!(
        ok.is_some(),
        "{}: condition not reached within {limit:?}; findings {:?}",
        h.name(),
        findings(&last)
    );
    last
}

#[test]
fn master_and_client_over_a_cable() {
    if !hosts_available() {
        return;
    }
    let etc = tempfile::tempdir().unwrap();
    let (me, ce) = (etc.path().join("master"), etc.path().join("client"));
    std::fs::create_dir_all(&me).unwrap();
    std::fs::create_dir_all(&ce).unwrap();
    master_etc(&me, DEV);
    client_etc(&ce);
    let master = boot("rh-master", &me);
    let client = boot("rh-client", &ce);
    let cable = Host::link(&master, &client, NET).expect("cable");
    let up = Duration::from_secs(40);
    assert!(
        master.wait_unit("nut-server.service", "active", up),
        "{}",
        master.unit_journal("nut-server")
    );
    assert!(master.wait_unit("nut-driver@ups.service", "active", up));
    assert!(master.wait_unit("nut-monitor.service", "active", up));
    assert!(client.wait_unit("nut-monitor.service", "active", up));
    assert!(
        wait_for(up, || logged_in(&master, CLIENT_IP)).is_some(),
        "the client's upsmon logs in over the cable: {}",
        client.unit_journal("nut-monitor")
    );

    // 1. Sound chain. The client: netclient, upsmon logged in, the enumerator failing by design
    // (no ups.conf) is info, never critical; the master: every unit of its MODE active.
    let c = doctor_until(&client, up, |v| has(v, "shutdown.ready"));
    assert!(findings(&c)
        .iter()
        .find(|f| f.0 == "mode.role")
        .is_some_and(|_| true));
    assert!(c["report"]["findings"]
        .to_string()
        .contains("client / secondary"));
    assert!(
        !findings(&c).iter().any(|f| f.1 == "critical"),
        "client: {:?}",
        findings(&c)
    );
    if client.unit_state("nut-driver-enumerator.service") == "failed" {
        assert_eq!(
            severity(&c, "service.failed-harmless").as_deref(),
            Some("info"),
            "{:?}",
            findings(&c)
        );
    }
    let m = doctor_until(&master, up, |v| has(v, "shutdown.ready"));
    assert!(
        !findings(&m).iter().any(|f| f.1 == "critical"),
        "master: {:?}",
        findings(&m)
    );
    assert!(!has(&m, "mode.unit-not-running"));
    // the master's map: the client logged in is a secondary, and the power cut comes last
    let node = &m["report"]["map"]["upses"][0];
    let secondaries = node["secondaries"].to_string();
    assert!(
        secondaries.contains(CLIENT_IP),
        "the logged-in client is a secondary: {node}"
    );

    // Drill without --fsd on the sound chain: every link read live holds.
    let d = drill(&master, "");
    assert_eq!(d["drills"][0]["verdict"], "sound", "{d}");
    assert_eq!(d["exit_code"], 0);
    let steps = d["drills"][0]["expected"].as_array().unwrap();
    let roles: Vec<&str> = steps.iter().map(|s| s["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["secondary", "primary", "power-cut"], "{d}");
    assert_eq!(steps[0]["host"], CLIENT_IP);
    assert!(steps[2]["text"]
        .as_str()
        .unwrap()
        .contains("ups.delay.shutdown 20 s"));
    let cd = drill(&client, "");
    assert_eq!(cd["drills"][0]["primary_here"], false);
    // --fsd is guarded: refused without --yes, refused on a secondary (nothing is set).
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let r = master.run(&format!("{bin} drill --fsd"));
    assert!(!r.ok() && r.stderr.contains("power off"), "{r:?}");
    let r = client.run(&format!("{bin} drill --fsd --yes"));
    assert!(!r.ok() && r.stderr.contains("not the primary"), "{r:?}");
    assert!(client.is_up() && master.is_up());
    // ... and on a broken chain: SHUTDOWNCMD that does not exist.
    sh(&master, "mkdir -p /tmp/broken && cp /etc/nut/* /tmp/broken/ && sed -i 's|/sbin/shutdown -h +0|/nonexistent/shutdown|' /tmp/broken/upsmon.conf");
    let r = master.run(&format!(
        "{bin} --json --timeout 2 --confdir /tmp/broken drill"
    ));
    let b: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(b["drills"][0]["verdict"], "broken", "{b}");
    assert_eq!(b["exit_code"], 2);
    let failed: Vec<&str> = b["drills"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["ok"] == false)
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["shutdowncmd"], "{b}");

    // Unreadable is not missing: as a normal user (nobody), /etc/nut (root:nut 0750) cannot be read.
    let r = client.run(&format!("setpriv --reuid=65534 --regid=65534 --clear-groups {bin} --json --timeout 2 doctor --since 1h"));
    let nobody: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    assert!(has(&nobody, "mode.unreadable"), "{:?}", findings(&nobody));
    assert!(
        !has(&nobody, "mode.missing") && !has(&nobody, "shutdown.ready"),
        "{:?}",
        findings(&nobody)
    );
    assert!(!nobody.to_string().contains("Create nut.conf"));

    // 2. `ups@localhost` on the client (the guide's classic): flagged from its own config.
    let alt = "/tmp/alt-etc";
    sh(&client, &format!("mkdir -p {alt} && cp /etc/nut/* {alt}/ && sed -i 's/ups@{MASTER_IP}/ups@localhost/' {alt}/upsmon.conf"));
    let v = doctor(&client, "");
    let alt_v = {
        let bin = env!("CARGO_BIN_EXE_nutctl");
        let r = client.run(&format!(
            "{bin} --json --timeout 2 --confdir {alt} doctor --since 1h"
        ));
        serde_json::from_str::<Value>(&r.stdout).unwrap()
    };
    assert_eq!(
        severity(&alt_v, "config.monitor-localhost-netclient").as_deref(),
        Some("critical")
    );
    assert!(has(&alt_v, "net.refused"), "{:?}", findings(&alt_v));
    assert!(!has(&alt_v, "shutdown.ready"));
    // A resolver outage is not a wrong name: the host has no DNS server it can reach.
    sh(
        &client,
        &format!("sed -i 's/ups@localhost/ups@nas.invalid/' {alt}/upsmon.conf"),
    );
    let r = client.run(&format!(
        "{} --json --timeout 2 --confdir {alt} doctor --since 1h",
        env!("CARGO_BIN_EXE_nutctl")
    ));
    let dns: Value = serde_json::from_str(&r.stdout).unwrap();
    // no default route in the host: no nameserver can answer, so this is a resolver failure
    assert!(!client.run("ip route").stdout.contains("default"));
    assert!(has(&dns, "net.dns-failed"), "{:?}", findings(&dns));
    assert!(
        !has(&dns, "net.dns"),
        "not 'name does not resolve': {:?}",
        findings(&dns)
    );
    sh(
        &client,
        &format!("sed -i 's/ups@nas.invalid/ups@localhost/' {alt}/upsmon.conf"),
    );
    // query by role: `mode` on each host
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let mode = |h: &Host| -> Value {
        serde_json::from_str(&h.run(&format!("{bin} --json mode")).stdout).unwrap()
    };
    assert_eq!(mode(&client)["mode"], "netclient");
    assert_eq!(mode(&master)["mode"], "netserver");
    // 8. the client configured as primary: an authority finding, no POWERDOWNFLAG advice
    sh(
        &client,
        &format!(
            "sed -i 's/ups@localhost/ups@{MASTER_IP}/; s/ secondary$/ primary/' {alt}/upsmon.conf"
        ),
    );
    let r = client.run(&format!(
        "{} --json --timeout 2 --confdir {alt} doctor --since 1h",
        env!("CARGO_BIN_EXE_nutctl")
    ));
    let prim: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        has(&prim, "authority.client-as-primary"),
        "{:?}",
        findings(&prim)
    );
    assert!(!has(&prim, "shutdown.no-powerdownflag"));
    drop(v);

    // 3. The cable pulled: no route (or network unreachable), then established again by itself.
    // upsmon's own lines about it (what the journal episode is made of) are counted before.
    let outage_lines = |h: &Host| {
        h.unit_journal("nut-monitor")
            .lines()
            .filter(|l| {
                (l.contains("Poll UPS [ups@") && l.contains("failed"))
                    || l.contains("]: connect failed: ")
                    || (l.contains("Communications with UPS ups@") && l.ends_with(" lost"))
            })
            .count()
    };
    let before = outage_lines(&client);
    assert!(master.set_link(&cable.a_if, false).ok());
    let v = doctor_until(&client, Duration::from_secs(30), |v| {
        has(v, "net.no-route") || has(v, "net.unreachable") || has(v, "net.timeout")
    });
    assert!(
        !has(&v, "shutdown.ready"),
        "no ready while the server is unreachable"
    );
    // The cable stays out until upsmon has noticed too: doctor's own probe may see the missing
    // route before upsmon's next poll over its open connection times out (a race that left the
    // journal without the outage).
    assert!(
        wait_for(Duration::from_secs(30), || outage_lines(&client) > before).is_some(),
        "upsmon logs the outage: {}",
        client.unit_journal("nut-monitor")
    );
    assert!(master.set_link(&cable.a_if, true).ok());
    assert!(wait_for(up, || logged_in(&master, CLIENT_IP)).is_some());
    let v = doctor_until(&client, up, |v| has(v, "shutdown.ready"));
    let eps = v["report"]["timeline"]["episodes"].to_string();
    assert!(
        eps.contains("\"comms\"") && eps.contains("recovered-automatically"),
        "{eps}"
    );

    // 4. upsd stopped: connection refused, seen from the client.
    sh(&master, "systemctl stop nut-server");
    let v = doctor_until(&client, up, |v| has(v, "net.refused"));
    assert_eq!(severity(&v, "net.refused").as_deref(), Some("critical"));
    assert!(!has(&v, "shutdown.ready"));
    sh(&master, "systemctl start nut-server");
    assert!(wait_for(up, || logged_in(&master, CLIENT_IP)).is_some());

    // 5. upsd hung (SIGSTOP): accepts connections, never answers. CRITICAL, not "closed".
    let pid = master
        .run("systemctl show -p MainPID --value nut-server")
        .stdout
        .trim()
        .to_string();
    sh(&master, &format!("kill -STOP {pid}"));
    let v = doctor(&client, "");
    let hung = findings(&v);
    sh(&master, &format!("kill -CONT {pid}"));
    assert!(
        hung.iter()
            .any(|f| f.0 == "net.server-hung" && f.1 == "critical"),
        "{hung:?}"
    );
    assert!(!hung.iter().any(|f| f.0 == "net.server-gone"), "{hung:?}");
    assert!(v["report"]["findings"]
        .to_string()
        .contains("accepts connections but hangs"));

    // 6. The driver unit stopped on the master: driver not connected, the unit named.
    sh(&master, "systemctl stop nut-driver@ups.service");
    let v = doctor_until(&master, up, |v| has(v, "mode.unit-not-running"));
    assert!(
        findings(&v)
            .iter()
            .any(|f| f.0 == "mode.unit-not-running" && f.2 == "nut-driver@ups.service"),
        "{:?}",
        findings(&v)
    );
    assert!(
        has(&v, "driver.not-connected") || has(&v, "data.stale"),
        "{:?}",
        findings(&v)
    );
    sh(&master, "systemctl start nut-driver@ups.service");

    // 7. Wrong password on the client: refused; fixed and nut-monitor restarted: logged in again,
    // and the journal episode says the login failed.
    client.run("rm -f /etc/nut/upsmon.conf.new");
    sh(&client, "sed -i 's/ remote rpw / remote wrongpw /' /etc/nut/upsmon.conf && systemctl restart nut-monitor");
    let v = doctor_until(&client, up, |v| has(v, "auth.access-denied"));
    assert!(!has(&v, "shutdown.ready"));
    assert!(
        !v.to_string().contains("wrongpw"),
        "no password in doctor's output"
    );
    sh(&client, "sed -i 's/ remote wrongpw / remote rpw /' /etc/nut/upsmon.conf && systemctl restart nut-monitor");
    assert!(wait_for(up, || logged_in(&master, CLIENT_IP)).is_some());
    let fixed = doctor_until(&client, up, |v| {
        has(v, "shutdown.ready") && !has(v, "auth.access-denied")
    });
    // upsmon's journal says why (the timeline makes no episode of refused logins: LOGS' area)
    let j = client.unit_journal("nut-monitor");
    assert!(
        j.contains("Login on UPS [ups@10.77.0.1] failed") && j.contains("ACCESS-DENIED"),
        "{j}"
    );
    assert!(!fixed.to_string().contains("wrongpw"));

    // 9. CRLF nut.conf on the server: upsd really does not start; doctor says why.
    sh(
        &master,
        "printf 'MODE=netserver\\r\\n' > /etc/nut/nut.conf && systemctl restart nut-server",
    );
    let stopped = wait_for(Duration::from_secs(15), || {
        master.unit_state("nut-server.service") == "failed"
    });
    assert!(
        stopped.is_some(),
        "nut-server is {}: {}",
        master.unit_state("nut-server.service"),
        master.unit_journal("nut-server")
    );
    // Debian's /sbin/upsd wrapper sources nut.conf: MODE is `netserver\r`, matches no mode, exit 1.
    let result = master
        .run("systemctl show -p Result --value nut-server")
        .stdout;
    assert_eq!(
        master.unit_state("nut-server.service"),
        "failed",
        "{result}"
    );
    assert_eq!(result.trim(), "exit-code");
    let v = doctor(&master, "");
    assert_eq!(
        severity(&v, "mode.shell-hazard").as_deref(),
        Some("critical"),
        "{:?}",
        findings(&v)
    );
    assert!(
        findings(&v)
            .iter()
            .any(|f| f.2 == "nut-server.service" && f.1 == "critical"),
        "{:?}",
        findings(&v)
    );

    drop(client);
    drop(master);
    assert!(
        running_hosts().is_empty(),
        "no host left: {:?}",
        running_hosts()
    );
}

/// `drill --fsd --yes` on the master: a real forced shutdown. The client powers off before the
/// master, and the recorded logout order is the expected one. (Its own pair of hosts: both power
/// off.)
#[test]
fn drill_fsd_powers_the_client_off_before_the_master() {
    if !hosts_available() {
        return;
    }
    let etc = tempfile::tempdir().unwrap();
    let (me, ce) = (etc.path().join("master"), etc.path().join("client"));
    std::fs::create_dir_all(&me).unwrap();
    std::fs::create_dir_all(&ce).unwrap();
    master_etc(&me, DEV);
    // the master waits long enough for the drill to watch the client go
    let upsmon = std::fs::read_to_string(me.join("upsmon.conf")).unwrap();
    write(
        &me,
        "upsmon.conf",
        &upsmon.replace("FINALDELAY 2", "FINALDELAY 6"),
    );
    write(&ce, "nut.conf", "MODE=netclient\n");
    write(
        &ce,
        "upsmon.conf",
        &client_upsmon("secondary", "rpw").replace("10.77.0.1", "10.78.0.1"),
    );
    let master = boot("rf-master", &me);
    let client = boot("rf-client", &ce);
    Host::link(&master, &client, "10.78.0").expect("cable");
    let up = Duration::from_secs(40);
    assert!(master.wait_unit("nut-monitor.service", "active", up));
    assert!(
        wait_for(up, || logged_in(&master, "10.78.0.2")).is_some(),
        "{}",
        client.unit_journal("nut-monitor")
    );
    // watch both hosts' PID 1 from another thread: who powers off first
    let (mp, cp) = (master.pid1(), client.pid1());
    let watcher = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let alive = |p: u32| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "systemd")
        };
        let (mut m_down, mut c_down) = (None, None);
        while start.elapsed() < Duration::from_secs(90) && (m_down.is_none() || c_down.is_none()) {
            if c_down.is_none() && !alive(cp) {
                c_down = Some(start.elapsed());
            }
            if m_down.is_none() && !alive(mp) {
                m_down = Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (c_down, m_down)
    });
    let bin = env!("CARGO_BIN_EXE_nutctl");
    let r = master.run_as(
        &format!("{bin} --json --timeout 2 drill --fsd --yes --watch 40"),
        &[],
        Duration::from_secs(80),
    );
    let (c_down, m_down) = watcher.join().unwrap();
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("drill JSON: {e}\n{}\n{}", r.stdout, r.stderr));
    assert!(
        r.stderr.contains("powering off"),
        "says plainly that hosts power off: {}",
        r.stderr
    );
    let fsd = &v["fsd"];
    assert_eq!(fsd["record"]["logouts"][0]["client"], "10.78.0.2", "{v}");
    assert_eq!(
        fsd["comparison"]["expected_order"],
        serde_json::json!(["10.78.0.2"]),
        "{v}"
    );
    assert_eq!(
        fsd["comparison"]["recorded_order"],
        fsd["comparison"]["expected_order"]
    );
    assert_eq!(fsd["comparison"]["verdict"], "matches", "{v}");
    let (c_down, m_down) = (
        c_down.expect("the client powered off"),
        m_down.expect("the master powered off"),
    );
    assert!(
        c_down < m_down,
        "client down at {c_down:?}, master at {m_down:?}"
    );
    drop(client);
    drop(master);
}
