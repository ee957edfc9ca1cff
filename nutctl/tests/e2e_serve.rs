//! End-to-end tests of the built binary against `nutctl serve` (always run: no NUT needed).

mod common;

use common::*;

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn set_status(s: &Serve, status: &str) {
    let o = run(&[
        "set",
        &s.target(),
        "ups.status",
        status,
        "--user",
        ADMIN,
        "--password-env",
        PW_ENV,
    ]);
    assert_eq!(code(&o), 0, "set failed: {}", stderr(&o));
}

#[test]
fn raw_prints_the_dump_as_upsc_would() {
    let s = Serve::start();
    let o = run(&["status", "--raw", &s.target()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let dev = std::fs::read_to_string(data_file(DEV)).unwrap();
    assert_eq!(stdout(&o), expected_raw(&dev));
    assert!(stdout(&o).contains("device.serial: 3B0538X11281\n"));
}

#[test]
fn raw_json_is_upsc_j_object() {
    let s = Serve::start();
    let o = run(&["status", "--raw", "--json", &s.target()]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    let obj = v.as_object().expect("an object");
    assert_eq!(obj["ups.status"], "OL");
    assert_eq!(obj["battery.runtime"], "1777");
    assert_eq!(
        obj.len(),
        expected_raw(&std::fs::read_to_string(data_file(DEV)).unwrap())
            .lines()
            .count()
    );
    // Unreachable: upsc -j's error object, non-zero exit.
    let o = run(&[
        "status",
        "--raw",
        "--json",
        &format!("es@127.0.0.1:{}", closed_port()),
    ]);
    assert_eq!(json(&o)["error"], "Connection failure: Connection refused");
    assert_ne!(code(&o), 0);
}

#[test]
fn exit_codes_follow_status_ol_ob_oblb_unreachable() {
    let s = Serve::start();
    assert_eq!(code(&run(&["status", &s.target()])), 0, "OL");
    set_status(&s, "OB DISCHRG");
    let o = run(&["status", &s.target()]);
    assert_eq!(code(&o), 1, "OB: {}", stdout(&o));
    assert!(stdout(&o).contains("OB (on battery)"), "{}", stdout(&o));
    set_status(&s, "OB DISCHRG LB");
    let o = run(&["status", "--json", &s.target()]);
    assert_eq!(code(&o), 2, "OB LB");
    let v = json(&o);
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["upses"][0]["findings"][0]["id"], "status.on-battery-low");
    assert_eq!(v["upses"][0]["status"]["raw"], "OB DISCHRG LB");
    let o = run(&["status", &format!("es@127.0.0.1:{}", closed_port())]);
    assert_eq!(code(&o), 2, "unreachable");
    assert!(stdout(&o).contains("net.refused"), "{}", stdout(&o));
    // --raw keeps upsc's contract: 0 whenever the data was read, whatever the status.
    assert_eq!(code(&run(&["status", "--raw", &s.target()])), 0);
}

#[test]
fn several_targets_are_reported_in_order_with_the_worst_exit() {
    let s = Serve::start();
    let dead = format!("es@127.0.0.1:{}", closed_port());
    let o = run(&["status", "--json", &s.target(), &dead, "nope@127.0.0.1:1"]);
    let v = json(&o);
    let upses = v["upses"].as_array().unwrap();
    assert_eq!(upses.len(), 3);
    assert_eq!(upses[0]["target"], format!("es@127.0.0.1:{}", s.port));
    assert_eq!(upses[0]["severity"], "ok");
    assert_eq!(upses[1]["target"], dead);
    assert_eq!(upses[1]["findings"][0]["id"], "net.refused");
    assert_eq!(code(&o), 2);
}

#[test]
fn quick_view_all_and_metrics() {
    let s = Serve::start();
    let o = run(&["status", "--all", "--json", &s.target()]);
    let v = json(&o);
    let u = &v["upses"][0];
    assert_eq!(u["variables"]["ups.load"], "22");
    let m = u["metrics"].as_array().unwrap();
    assert_eq!(m[0]["variable"], "battery.charge");
    assert_eq!(m[0]["severity"], "ok");
    assert_eq!(m[0]["finding"], "threshold.charge.ok");
    let o = run(&["status", "--all", &s.target()]);
    let text = stdout(&o);
    assert!(text.contains("charge   100 %"), "{text}");
    assert!(text.contains("ups.firmware"), "{text}");
    assert!(
        !text.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn list_clients_and_listings() {
    let s = Serve::start();
    let o = run(&["list", &format!("127.0.0.1:{}", s.port)]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).starts_with("es: served by nutctl from "),
        "{}",
        stdout(&o)
    );
    let o = run(&["list", "--json", &format!("127.0.0.1:{}", s.port)]);
    assert_eq!(json(&o)["upses"][0]["name"], "es");
    let o = run(&["clients", "--json", &s.target()]);
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["clients"], serde_json::json!([]));
    let o = run(&["set", "--json", &s.target()]);
    let items = json(&o)["items"].as_array().unwrap().clone();
    assert!(items
        .iter()
        .any(|i| i["name"] == "ups.status" && i["value"] == "OL"));
}

#[test]
fn management_needs_credentials_and_fsd_needs_yes() {
    let s = Serve::start();
    let o = run(&["set", &s.target(), "ups.status", "OB"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--user"), "{}", stderr(&o));
    let o = run(&[
        "fsd",
        &s.target(),
        "--user",
        ADMIN,
        "--password-env",
        PW_ENV,
    ]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert_eq!(code(&run(&["status", &s.target()])), 0, "no FSD was set");
    let o = run(&[
        "fsd",
        &s.target(),
        "--yes",
        "--user",
        ADMIN,
        "--password-env",
        PW_ENV,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["status", "--json", &s.target()]);
    assert_eq!(code(&o), 2);
    assert_eq!(json(&o)["upses"][0]["findings"][0]["id"], "status.fsd");
}

#[test]
fn passwords_are_never_printed() {
    let s = Serve::start();
    // On the command line: accepted, warned about, never echoed.
    let o = run(&[
        "set",
        &s.target(),
        "ups.beeper.status",
        "enabled",
        "--user",
        ADMIN,
        "--password",
        ADMIN_PW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: a password on the command line"));
    // Wrong password, error path, JSON and text: the secret appears nowhere.
    let wrong = "wr0ng-Pw-1199";
    for json_flag in [false, true] {
        let mut args = vec![
            "set",
            "x",
            "ups.load",
            "1",
            "--user",
            ADMIN,
            "--password",
            wrong,
        ];
        let t = s.target();
        args[1] = &t;
        if json_flag {
            args.push("--json");
        }
        let o = run(&args);
        assert_eq!(code(&o), 3);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            all.contains("ACCESS-DENIED") || all.contains("denied"),
            "{all}"
        );
        assert!(!all.contains(wrong) && !all.contains(ADMIN_PW), "{all}");
    }
    let o = run(&[
        "check",
        &s.target(),
        "--user",
        ADMIN,
        "--password-env",
        PW_ENV,
        "--json",
    ]);
    assert!(!stdout(&o).contains(ADMIN_PW) && !stderr(&o).contains(ADMIN_PW));
}

#[test]
fn check_names_the_broken_step() {
    let s = Serve::start();
    let o = run(&[
        "check",
        "--json",
        &s.target(),
        "--user",
        ADMIN,
        "--password-env",
        PW_ENV,
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["verdict"]["id"], "target.reachable");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["dns", "tcp", "nut", "login"]);

    let o = run(&["check", "--json", &format!("nope@127.0.0.1:{}", s.port)]);
    assert_eq!(code(&o), 2);
    assert_eq!(json(&o)["verdict"]["id"], "ups.unknown-name");

    let o = run(&[
        "check",
        &s.target(),
        "--user",
        ADMIN,
        "--password",
        "bad-pw-x",
    ]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("auth.access-denied"), "{}", stdout(&o));

    let o = run(&["check", &format!("es@127.0.0.1:{}", closed_port())]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("net.refused"), "{}", stdout(&o));
    assert!(stdout(&o).contains("what to do:"), "{}", stdout(&o));
}

#[test]
fn serve_plays_seq_files() {
    let dir = tempfile::tempdir().unwrap();
    let seq = dir.path().join("x.seq");
    std::fs::write(
        &seq,
        "ups.status: OB\nbattery.charge: 50\nTIMER 0.2\nups.status: OL\nTIMER 30\n",
    )
    .unwrap();
    let mut child = nutctl()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--exit-after",
            "20",
            "--dev",
        ])
        .arg(&seq)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.ends_with(" serving x\n"), "{line:?}");
    let port = line
        .split_whitespace()
        .nth(2)
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let target = format!("x@127.0.0.1:{port}");
    let first = stdout(&run(&["status", "--raw", &target]));
    // Bounded wait for the second state (TIMER 0.2).
    let mut seen_ol = false;
    for _ in 0..100 {
        if stdout(&run(&["status", "--raw", &target])).contains("ups.status: OL\n") {
            seen_ol = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("ups.status: OB\n") || seen_ol, "{first}");
    assert!(seen_ol, "the sequence never reached its second state");
}

#[test]
fn default_targets_come_from_upsmon_conf_in_confdir() {
    let s = Serve::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = "monitor-Secret-771";
    std::fs::write(
        dir.path().join("upsmon.conf"),
        format!("MONITOR {} 1 admin \"{secret}\" primary\n", s.target()),
    )
    .unwrap();
    let o = run(&[
        "--confdir",
        dir.path().to_str().unwrap(),
        "status",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["upses"][0]["target"], s.target());
    // NUT_CONFPATH is honoured when --confdir is not given.
    let o = nutctl()
        .env("NUT_CONFPATH", dir.path())
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains(&s.target()));
    assert!(!stdout(&o).contains(secret) && !stderr(&o).contains(secret));
}

#[test]
fn tls_options_are_checked_and_loud() {
    let s = Serve::start();
    let o = run(&["--cafile", "/nonexistent/ca.pem", "status", &s.target()]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--cafile"), "{}", stderr(&o));
    // The embedded server has no certificate: STARTTLS is refused, and said so.
    let o = run(&["--insecure-skip-verify", "status", "--json", &s.target()]);
    assert!(
        stderr(&o).contains("WARNING: --insecure-skip-verify"),
        "{}",
        stderr(&o)
    );
    let v = json(&o);
    let err = v["upses"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(err.contains("STARTTLS"), "{err}");
    assert_ne!(v["upses"][0]["findings"][0]["id"], "net.server-gone");
    assert_ne!(code(&o), 0);
}

#[test]
fn serve_cycle_drives_the_status() {
    let s = Serve::start_with(&["--cycle", "OB DISCHRG,OL", "--step", "0.1"]);
    let mut seen = std::collections::BTreeSet::new();
    // Bounded: at most 200 polls; both states come round every 0.2 s.
    for _ in 0..200 {
        let o = run(&["status", "--raw", "--json", &s.target()]);
        if let Some(st) = json(&o)["ups.status"].as_str() {
            seen.insert(st.to_string());
        }
        if seen.len() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["OB DISCHRG".to_string(), "OL".to_string()]
    );
}

#[test]
fn a_silent_server_does_not_hide_the_others() {
    let s = Serve::start();
    // Accepts connections (kernel backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_target = format!("es@127.0.0.1:{}", silent.local_addr().unwrap().port());
    let o = run(&[
        "--timeout",
        "1",
        "status",
        "--json",
        &silent_target,
        &s.target(),
    ]);
    let v = json(&o);
    assert!(
        v["upses"][0]["error"].as_str().unwrap().contains("within"),
        "{v}"
    );
    assert_eq!(v["upses"][1]["severity"], "ok");
    assert_eq!(v["upses"][1]["status"]["raw"], "OL");
    assert_ne!(code(&o), 0);
    drop(silent);
}

#[test]
fn a_seq_timer_out_of_range_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let seq = dir.path().join("ups.seq");
    std::fs::write(
        &seq,
        "ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 1e300\n",
    )
    .unwrap();
    let o = run(&["serve", "--dev", seq.to_str().unwrap(), "--exit-after", "5"]);
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains("ups.seq") && err.contains("line 4: TIMER \"1e300\""),
        "{err}"
    );
}

/// Every reply line of one request (a list up to its `END LIST`), on a fresh connection.
#[allow(clippy::unwrap_used)] // a helper outside #[test] fns; clippy.toml covers the tests themselves
fn exchange(port: u16, request: &str) -> Vec<String> {
    use std::io::{BufRead as _, Write as _};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    s.write_all(format!("{request}\n").as_bytes()).unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(s).lines() {
        let line = line.unwrap();
        let end =
            !line.starts_with("BEGIN LIST") && lines.is_empty() || line.starts_with("END LIST");
        lines.push(line);
        if end {
            break;
        }
    }
    lines
}

/// `nutctl serve` and the real upsd + dummy-ups on the same dump: the same instant commands, and
/// the same GET TYPE (RW or not, STRING:n or NUMBER) for every variable both serve.
#[test]
fn serve_types_and_commands_like_upsd_and_dummy_ups() {
    if !nut_lab::nut_available() {
        return;
    }
    // The tests' dump, and three of the NUT device dump library (nutctl/data/SOURCES.md): usbhid,
    // Q1 and SNMP drivers, each with variables in and out of dummy-ups' table.
    let mut devs = vec![data_file(DEV)];
    for f in [
        "Eaton__5P_650__usbhid-ups__2.7.4__01.dev",
        "Digitus__DN-170041__nutdrv_qx__2.7.4__01.dev",
        "APC__Silcon_120kW_3-3__snmp-ups__2.1.0__01.dev",
    ] {
        devs.push(data_file("ddl").join(f));
    }
    for dev in devs {
        same_as_upsd(&dev);
    }
}

/// One dump served by both.
#[allow(clippy::unwrap_used)] // a helper outside #[test] fns; clippy.toml covers the tests themselves
fn same_as_upsd(dev: &std::path::Path) {
    let Some(lab) = nut_lab::Lab::start(
        nut_lab::LabConfig::new()
            .prefix("nutctl-lab.")
            .dev_file(dev.to_path_buf()),
    ) else {
        return;
    };
    let s = Serve::start_dev(dev, &[]);
    // Replies with the UPS name replaced by `UPS`, so both servers' lines compare.
    let ask = |port: u16, ups: &str, req: &str| {
        exchange(port, &req.replace("UPS", ups))
            .iter()
            .map(|l| {
                l.split(' ')
                    .map(|w| if w == ups { "UPS" } else { w })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let ours = |req: &str| ask(s.port, "es", req);
    let theirs = |req: &str| ask(lab.port, "lab0", req);
    assert_eq!(ours("LIST CMD UPS"), theirs("LIST CMD UPS"));
    let names = |port: u16, ups: &str| -> Vec<String> {
        exchange(port, &format!("LIST VAR {ups}"))
            .iter()
            .filter_map(|l| l.strip_prefix(&format!("VAR {ups} ")))
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    let real = names(lab.port, "lab0");
    let served = names(s.port, "es");
    let mut compared = 0;
    let mut diffs = Vec::new();
    for n in real.iter().filter(|n| served.contains(n)) {
        let (o, t) = (
            ours(&format!("GET TYPE UPS {n}")),
            theirs(&format!("GET TYPE UPS {n}")),
        );
        if o != t {
            diffs.push(format!("{n}: serve {o:?}, upsd {t:?}"));
        }
        compared += 1;
    }
    assert!(
        compared > 20,
        "{}: {compared} variables in common",
        dev.display()
    );
    // driver.* is the driver's own: read-only on both.
    let t = theirs("GET TYPE UPS driver.name");
    assert!(
        t.starts_with("TYPE UPS driver.name") && !t.contains("RW"),
        "{t}"
    );
    assert_eq!(ours("GET TYPE UPS driver.name"), t);
    // A wrong password then INSTCMD: both refuse the login the same way, then the command.
    let session = |port: u16, ups: &str, user: &str| {
        use std::io::{BufRead as _, Write as _};
        let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut r = std::io::BufReader::new(s.try_clone().unwrap());
        let mut w = s;
        let mut out = Vec::new();
        for req in [
            format!("USERNAME {user}"),
            "PASSWORD wrong-pw".to_string(),
            format!("INSTCMD {ups} load.off"),
            format!("INSTCMD {ups} no.such.cmd"),
        ] {
            w.write_all(format!("{req}\n").as_bytes()).unwrap();
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            out.push(line.trim_end().to_string());
        }
        out
    };
    let real = session(lab.port, "lab0", nut_lab::ADMIN.0);
    assert_eq!(session(s.port, "es", ADMIN), real);
    assert!(real.iter().any(|l| l == "ERR ACCESS-DENIED"), "{real:?}");
    assert!(diffs.is_empty(), "{}:\n{}", dev.display(), diffs.join("\n"));
}

/// `--desc`: the description upsd takes from ups.conf; `list` of both servers is then the same
/// text as NUT's `upsc -L` prints for the real one.
#[test]
fn serve_desc_lists_like_upsd() {
    if !nut_lab::nut_available() {
        return;
    }
    let Some(lab) = nut_lab::Lab::start(
        nut_lab::LabConfig::new()
            .prefix("nutctl-lab.")
            .dev_file(data_file(DEV)),
    ) else {
        return;
    };
    let s = Serve::start_dev(&data_file(DEV), &["--desc", "lab 0"]);
    let upsc = std::process::Command::new("upsc")
        .args(["-L", &format!("127.0.0.1:{}", lab.port)])
        .output()
        .unwrap_or_else(|e| panic!("upsc: {e}"));
    let real = stdout(&upsc).replace("lab0:", "es:");
    assert_eq!(real, "es: lab 0\n");
    let o = run(&["list", &format!("127.0.0.1:{}", s.port)]);
    assert_eq!(stdout(&o), real);
}

#[test]
fn serve_json_prints_only_json() {
    let o = run(&[
        "serve",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--exit-after",
        "0.2",
        "--dev",
        data_file(DEV).to_str().unwrap_or_default(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.trim().is_empty());
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        if let Some(addr) = v["listening"].as_str() {
            assert!(addr.starts_with("127.0.0.1:"), "{v}");
            assert_eq!(v["serving"][0], "apc-back-ups-es725");
        }
    }
}

/// One connection, one request per line, one reply line each.
#[allow(clippy::unwrap_used)] // a helper outside #[test] fns; clippy.toml covers the tests themselves
fn talk(port: u16, requests: &[String]) -> Vec<String> {
    use std::io::{BufRead as _, Write as _};
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    requests
        .iter()
        .map(|req| {
            w.write_all(format!("{req}\n").as_bytes()).unwrap();
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            line.trim_end().to_string()
        })
        .collect()
}

/// SET VAR as upsd + dummy-ups answer it: TOO-LONG past the type's length, READONLY for
/// `driver.*`, and dummy-ups' rule that an empty value deletes the variable.
#[test]
fn serve_set_var_like_upsd_and_dummy_ups() {
    if !nut_lab::nut_available() {
        return;
    }
    let Some(lab) = nut_lab::Lab::start(
        nut_lab::LabConfig::new()
            .prefix("nutctl-lab.")
            .dev_file(data_file(DEV)),
    ) else {
        return;
    };
    let s = Serve::start();
    let replies = |port: u16, ups: &str, user: &str, pw: &str| {
        let long = "x".repeat(33);
        let mut r = talk(
            port,
            &[
                format!("USERNAME {user}"),
                format!("PASSWORD \"{pw}\""),
                format!("SET VAR {ups} ups.mfr \"{long}\""),
                format!("SET VAR {ups} driver.name x"),
                format!("SET VAR {ups} ups.mfr \"\""),
            ],
        );
        // dummy-ups applies a SET when it next reads its socket: wait (bounded) for the deletion.
        let gone = nut_lab::wait_for(std::time::Duration::from_secs(10), || {
            talk(port, &[format!("GET VAR {ups} ups.mfr")])[0].starts_with("ERR")
        });
        r.push(talk(port, &[format!("GET VAR {ups} ups.mfr")])[0].replace(ups, "UPS"));
        r.push(format!("deleted: {}", gone.is_some()));
        r
    };
    let real = replies(lab.port, "lab0", nut_lab::ADMIN.0, nut_lab::ADMIN.1);
    assert!(real.contains(&"ERR TOO-LONG".to_string()), "{real:?}");
    assert_eq!(replies(s.port, "es", ADMIN, ADMIN_PW), real);
}
