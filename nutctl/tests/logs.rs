//! `nutctl logs`: the real lab upsmon logs (copies in nut-diagnose/tests/data), hand-written
//! journal-json and syslog fixtures (tests/data/logs), stdin, `--follow`, and a missing journalctl.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::Stdio;

use common::*;

fn lab(n: u8) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../nut-diagnose/tests/data/upsmon-lab{n}.log"))
        .display()
        .to_string()
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/logs")
        .join(name)
        .display()
        .to_string()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn episodes(v: &serde_json::Value) -> Vec<(String, String)> {
    v["timeline"]["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn help_has_an_example() {
    for cmd in ["logs", "config", "watch"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(code(&o), 0, "{cmd}");
        assert!(stdout(&o).contains("Example"), "{cmd}: {}", stdout(&o));
    }
}

#[test]
fn lab1_driver_loss_outages_and_shutdown() {
    let o = run(&["logs", &lab(1)]);
    assert_eq!(code(&o), 1, "the shutdown is a warning: {}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("episodes (4):"), "{text}");
    assert!(
        text.contains("comms    pi@127.0.0.1:34930           +6.004041s → +22.008407s (16 s)  recovered automatically"),
        "{text}"
    );
    assert!(text.contains("shutdown initiated, battery low"), "{text}");
    // Every line understood, upsmon's "kill: No such process" (no old instance to signal) too.
    assert!(text.contains("39 classified, 0 unclassified"), "{text}");
    assert!(text.contains("(log.shutdown)"), "{text}");

    let o = run(&["logs", "--json", &lab(1)]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(
        episodes(&v),
        [
            ("comms", "recovered-automatically"),
            ("power", "recovered-automatically"),
            ("power", "shutdown-initiated"),
            ("shutdown", "shutdown-initiated"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(v["timeline"]["stats"]["unclassified"], 0);
    assert_eq!(v["timeline"]["episodes"][0]["duration_micros"], 16_004_366);
    assert_eq!(v["findings"][0]["id"], "log.shutdown");
    assert_eq!(v["verdict"]["worst"], "warning");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["source"]["kind"], "file");
}

#[test]
fn lab4_refused_login_and_lab3_upsd_restart() {
    let v = json(&run(&["logs", "--json", &lab(4)]));
    // A refused login is no communication loss; it is a fault named after its cause.
    assert_eq!(v["timeline"]["episodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["timeline"]["episodes"][0]["kind"], "fault");
    assert_eq!(v["timeline"]["episodes"][0]["cause"], "login-refused");
    assert_eq!(v["findings"][0]["id"], "auth.login-not-retried");
    assert_eq!(v["exit_code"], 1);
    let o = run(&["logs", &lab(3)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("recovered automatically"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn journal_json_fixture_comms_still_down_is_critical() {
    let o = run(&["logs", &fixture("journal.json")]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            // systemd 252's `Started nut-monitor.service - Network UPS Tools - …` is about NUT's unit.
            "lines: 6 read, 5 classified, 1 unclassified, 0 from other programs, 0 unreadable"
        ),
        "{text}"
    );
    assert!(
        text.contains("power    ups@nas                      2026-11-26T15:00:06Z → 2026-11-26T15:01:41Z (1 min 35 s)  recovered automatically"),
        "{text}"
    );
    assert!(text.contains("still down"), "{text}");
    let v = json(&run(&["logs", "--json", &fixture("journal.json")]));
    assert_eq!(
        episodes(&v),
        [
            ("power", "recovered-automatically"),
            ("comms", "still-down")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(v["timeline"]["stats"]["unclassified"], 1);
    assert_eq!(v["timeline"]["stats"]["foreign"], 0);
    assert_eq!(v["findings"][0]["id"], "log.comms-down");
    assert_eq!(v["findings"][0]["severity"], "critical");
}

#[test]
fn syslog_fixture_from_stdin_shutdown() {
    let data = std::fs::read(fixture("syslog.log")).unwrap();
    let mut child = nutctl()
        .args(["logs", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(v["source"]["kind"], "stdin");
    assert_eq!(
        episodes(&v),
        [
            ("power", "shutdown-initiated"),
            ("shutdown", "shutdown-initiated")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(v["timeline"]["episodes"][0]["low_battery"], true);
    assert_eq!(v["timeline"]["stats"]["unclassified"], 1);
    assert_eq!(v["timeline"]["stats"]["foreign"], 1);
}

#[test]
fn nothing_readable_is_unknown() {
    // No journalctl on PATH: said clearly, exit 3.
    let empty = tempfile::tempdir().unwrap();
    let o = nutctl()
        .arg("logs")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("journalctl is not installed"),
        "{}",
        stderr(&o)
    );
    // An empty file, and a missing one.
    let f = empty.path().join("empty.log");
    std::fs::write(&f, "\n\n").unwrap();
    assert_eq!(code(&run(&["logs", f.to_str().unwrap()])), 3);
    let o = run(&["logs", "/nonexistent/upsmon.log"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn follow_stdin_prints_events_episodes_and_a_summary() {
    let mut child = nutctl()
        .args(["logs", "--follow", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    stdin
        .write_all(b"  1.000000\tUPS a@h on battery\n  9.000000\tUPS a@h on line power\n")
        .unwrap();
    stdin.flush().unwrap();
    // The episode is reported as soon as it ends, before the input ends.
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("\"type\":\"episode\""))
    {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "ended early: {seen:?}"
        );
        seen.push(line);
    }
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let events: Vec<serde_json::Value> = seen
        .iter()
        .chain(
            rest.lines()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .iter(),
        )
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "note");
    assert_eq!(events[1]["type"], "event");
    assert_eq!(events[1]["kind"], "on-battery");
    let ep = events.iter().find(|e| e["type"] == "episode").unwrap();
    assert_eq!(ep["episode"]["verdict"], "recovered-automatically");
    let summary = events.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        summary["report"]["timeline"]["episodes"][0]["kind"],
        "power"
    );
}

#[test]
fn follow_a_growing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("syslog");
    std::fs::write(
        &path,
        "Nov 26 15:20:01 nas upsmon[812]: UPS ups@nas on battery\n",
    )
    .unwrap();
    let mut child = nutctl()
        .args(["logs", "--follow", "--duration", "5"])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // Wait for the banner, then append the end of the outage.
    while !line.contains("following") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0);
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"Nov 26 15:22:01 nas upsmon[812]: UPS ups@nas on line power\n")
        .unwrap();
    drop(f);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(rest.contains("UPS ups@nas on line power"), "{rest}");
    assert!(
        rest.contains("== episode ended: power    ups@nas"),
        "{rest}"
    );
    assert!(
        rest.contains("(2 min 00 s)  recovered automatically"),
        "{rest}"
    );
}

#[test]
fn a_config_file_given_as_a_log_never_echoes_its_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("upsmon.conf");
    std::fs::write(
        &p,
        "MONITOR ups@nas 1 monuser Hunter2-pw primary\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n",
    )
    .unwrap();
    let path = p.display().to_string();
    for args in [
        vec!["logs", path.as_str()],
        vec!["logs", path.as_str(), "--json"],
    ] {
        let o = run(&args);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains("Hunter2-pw"), "{args:?}: {all}");
        // The line is still shown as a sample, with the password hidden.
        assert!(all.contains("monuser"), "{args:?}: {all}");
    }
}

fn corpus(prefix: &str) -> String {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../nut-diagnose/tests/real-world/logs");
    let hit = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        });
    hit.unwrap_or_else(|| panic!("no corpus excerpt {prefix}-*"))
        .display()
        .to_string()
}

/// The text the admin reads names every cause a line cannot tell apart, each with its check, and
/// never one of them alone (corpus 006: a firewall reject looks like a port nobody listens on; 060:
/// libupsclient's "Server disconnected" is a close or a timed-out read). A clear cause (008's refused
/// login) stays one cause with no list.
#[test]
fn ambiguous_causes_are_all_named_with_their_checks_in_text() {
    let o = run(&["logs", &corpus("006")]);
    let text = stdout(&o);
    assert!(
        text.contains("cause: server-not-running or firewall @7"),
        "{text}"
    );
    assert!(text.contains("cannot tell which of these it is"), "{text}");
    assert!(
        text.contains("- server-not-running (line 7): ")
            && text.contains("check: systemctl status nut-server"),
        "{text}"
    );
    assert!(
        text.contains("- firewall: a firewall that rejects TCP 3493")
            && text.contains("check: open TCP 3493 from this client"),
        "{text}"
    );

    let o = run(&["logs", &corpus("060")]);
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("comms "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" or server-timeout"), "{line}");
    assert!(
        text.contains("- server-timeout: upsmon reports a request that got no answer")
            && text.contains("check: check firewalls for TCP 3493"),
        "{text}"
    );

    let o = run(&["logs", &corpus("008")]);
    let text = stdout(&o);
    assert!(text.contains("cause: login-refused @11  ["), "{text}");
    assert!(!text.contains("check each"), "{text}");
}

/// upsd's "world readable" warning (corpus 080, an OPNsense start-up) is a secret exposure with its
/// fix, a warning: upsd read the files, so nothing "cannot read" and nothing is "still down".
#[test]
fn world_readable_is_an_exposure_to_fix_not_a_failure() {
    let o = run(&["logs", &corpus("080")]);
    let text = stdout(&o);
    assert_eq!(code(&o), 1, "a warning: {text}");
    assert!(text.contains("readable by every local user"), "{text}");
    assert!(text.contains("(log.world-readable)"), "{text}");
    assert!(
        text.contains("`chown root:nut <file>` and `chmod 0640 <file>`"),
        "{text}"
    );
    assert!(
        text.contains("= /usr/local/etc/nut/upsd.users is world readable"),
        "{text}"
    );
    assert!(!text.contains("cannot read"), "{text}");
    assert!(!text.contains("still down"), "{text}");
    assert!(!text.contains("recovered"), "{text}");
}

/// `nutctl logs --json` on `text` given on stdin.
fn logs_stdin(args: &[&str], text: &str) -> std::process::Output {
    let mut child = nutctl()
        .args(["logs"])
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = text.to_string();
    // Written from a thread: a big input must not block on a full pipe while nutctl writes.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    o
}

#[test]
fn ups_states_during_a_comms_loss_are_incidents_of_their_own() {
    // upsmon's own messages (NUT 2.8.x notify texts) for OFF, bypass, overload, calibration and a
    // battery to replace, logged while communications with the same UPS are lost and back.
    let log = "Nov 26 10:00:00 pi upsmon[1]: Communications with UPS apc@localhost lost\n\
               Nov 26 10:00:05 pi upsmon[1]: UPS apc@localhost: administratively OFF or asleep\n\
               Nov 26 10:00:06 pi upsmon[1]: UPS apc@localhost: on bypass (powered, not protecting)\n\
               Nov 26 10:00:07 pi upsmon[1]: UPS apc@localhost: overloaded\n\
               Nov 26 10:00:08 pi upsmon[1]: UPS apc@localhost: calibration in progress\n\
               Nov 26 10:00:09 pi upsmon[1]: UPS apc@localhost battery needs to be replaced\n\
               Nov 26 10:00:10 pi upsmon[1]: Communications with UPS apc@localhost established\n\
               Nov 26 10:05:00 pi upsmon[1]: UPS apc@localhost: no longer administratively OFF or asleep\n\
               Nov 26 10:06:00 pi upsmon[1]: UPS apc@localhost: no longer on bypass\n\
               Nov 26 10:07:00 pi upsmon[1]: UPS apc@localhost: no longer overloaded\n\
               Nov 26 10:08:00 pi upsmon[1]: UPS apc@localhost: calibration finished\n";
    let v = json(&logs_stdin(&["--json"], log));
    let eps = v["timeline"]["episodes"].as_array().unwrap();
    let show = || format!("{:#}", v["timeline"]["episodes"]);
    let by_kind =
        |k: &str| -> Vec<&serde_json::Value> { eps.iter().filter(|e| e["kind"] == k).collect() };
    let comms = by_kind("comms");
    assert_eq!(comms.len(), 1, "{}", show());
    // The comms episode holds only the comms lines, and ended at "established".
    let kinds: Vec<&str> = comms[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(comms[0]["last_line"], 7, "{}", show());
    for (kind, first, last, verdict) in [
        ("off", 2, 8, "recovered-automatically"),
        ("bypass", 3, 9, "recovered-automatically"),
        ("overload", 4, 10, "recovered-automatically"),
        ("calibration", 5, 11, "recovered-automatically"),
        ("battery", 6, 6, "still-down"),
    ] {
        let e = by_kind(kind);
        assert_eq!(e.len(), 1, "{kind}: {}", show());
        assert_eq!(
            (&e[0]["first_line"], &e[0]["last_line"], &e[0]["verdict"]),
            (&first.into(), &last.into(), &verdict.into()),
            "{kind}: {}",
            show()
        );
    }
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "log.ups-off",
        "log.bypass",
        "log.overload",
        "log.calibration",
        "log.replace-battery",
    ] {
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{id}: {ids:?}");
    }
    // As text: one line each, and a battery the log never clears is "not cleared", not "down".
    let text = stdout(&logs_stdin(&["--no-color"], log));
    for word in [
        "off ",
        "bypass ",
        "overload ",
        "calib ",
        "battery ",
        "comms ",
    ] {
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with(&format!("  {word}")))
                .count(),
            1,
            "{word}: {text}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("  battery ") && l.contains("not cleared when the log ends")),
        "{text}"
    );
}

#[test]
fn year_less_stamps_take_the_year_of_the_file_or_the_option_never_a_future_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("syslog");
    std::fs::write(
        &file,
        "Dec 30 10:00:00 pi upsmon[1]: UPS apc@localhost on battery\n\
         Dec 30 10:05:00 pi upsmon[1]: UPS apc@localhost on line power\n",
    )
    .unwrap();
    let start = |args: &[&str]| -> (String, i64) {
        let o = run(&[&["logs", "--json"], args, &[file.to_str().unwrap()]].concat());
        let v = json(&o);
        let s = &v["timeline"]["episodes"][0]["start"];
        (
            s["clock"].as_str().unwrap().to_string(),
            s["micros"].as_i64().unwrap(),
        )
    };
    // Written on January 2nd, 2027: the December lines are of 2026, not of 2027 (after the file).
    let jan2_2027 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_798_848_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(jan2_2027)
        .unwrap();
    let dec30_2026 = 1_798_624_800_000_000; // 2026-12-30T10:00:00 (local clock, no zone)
    assert_eq!(start(&[]), ("local".to_string(), dec30_2026));
    // Written in December 2026 (the 31st): 2026 too.
    let dec31_2026 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_798_675_200);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(dec31_2026)
        .unwrap();
    assert_eq!(start(&[]), ("local".to_string(), dec30_2026));
    // --year wins over the file.
    let (clock, micros) = start(&["--year", "2020"]);
    assert_eq!(clock, "local");
    assert_eq!(micros, 1_609_322_400_000_000); // 2020-12-30T10:00:00
                                               // On stdin there is no file to date them by: they stay year-less, never today's year.
    let o = logs_stdin(&["--json"], &std::fs::read_to_string(&file).unwrap());
    assert_eq!(
        json(&o)["timeline"]["episodes"][0]["start"]["clock"],
        "yearless"
    );
    let text = stdout(&run(&["logs", "--no-color", file.to_str().unwrap()]));
    assert!(text.contains("2026-12-30 10:00:00"), "{text}");
}

#[test]
fn the_newest_incidents_are_kept_and_older_ones_counted() {
    // More incidents than the timeline keeps (5 000, `MAX_EPISODES`): the newest are listed, the oldest counted.
    let n = 5_000 + 7;
    let mut log = String::with_capacity(n * 70);
    for i in 0..n {
        log.push_str(&format!(
            "UPS u{i}@h on battery\nUPS u{i}@h on line power\n"
        ));
    }
    log.push_str("Communications with UPS last@h lost\n");
    let v = json(&logs_stdin(&["--json"], &log));
    let eps = v["timeline"]["episodes"].as_array().unwrap();
    assert_eq!(eps.len(), 5_000);
    assert_eq!(eps[0]["ups"], "u8@h", "the oldest went first");
    assert_eq!(eps[eps.len() - 1]["ups"], "last@h", "the newest is kept");
    assert_eq!(v["timeline"]["stats"]["episodes_dropped"], 8);
    assert_eq!(
        v["timeline"]["stats"]["older"],
        serde_json::json!([{ "kind": "power", "count": 8 }])
    );
    // The still-open newest one is the finding.
    assert_eq!(
        v["findings"][0]["id"], "log.comms-down",
        "{:#}",
        v["findings"]
    );
    let text = stdout(&logs_stdin(&["--no-color"], &log));
    assert!(
        text.contains("… and 8 older episode(s) before these, not listed (8 power)"),
        "{}",
        &text[..text.len().min(2000)]
    );
}

#[test]
fn a_forced_shutdown_names_the_client_that_set_fsd() {
    // upsd on a NAS: an admin's client set FSD on line power; upsmon on the NAS shuts down.
    let log = "Nov 26 10:00:00 nas upsd[2]: Client admin@192.168.1.7 set FSD on UPS [ups]\n\
               Nov 26 10:00:01 nas upsmon[1]: UPS ups@localhost: forced shutdown in progress\n\
               Nov 26 10:00:01 nas upsmon[1]: Executing automatic power-fail shutdown\n\
               Nov 26 10:00:01 nas upsmon[1]: Auto logout and shutdown proceeding\n";
    let v = json(&logs_stdin(&["--json"], log));
    let sd = &v["timeline"]["episodes"][0];
    assert_eq!(sd["kind"], "shutdown");
    assert_eq!(sd["fsd_client"], "admin@192.168.1.7");
    // On line power, the client's request is the cause (not "fsd-unexpected or other").
    assert_eq!(sd["cause"], "fsd-requested", "on line power: {sd:#}");
    assert!(sd.get("candidates").is_none(), "{sd:#}");
    let f = &v["findings"][0];
    assert_eq!(f["id"], "log.shutdown");
    let title = f["title"].as_str().unwrap();
    assert!(title.contains("FSD set by admin@192.168.1.7"), "{title}");
    assert!(
        !title.contains("upsmon -c fsd"),
        "nobody asked upsmon: {title}"
    );
    assert!(
        f["action"]
            .as_str()
            .unwrap()
            .contains("why admin@192.168.1.7 set FSD"),
        "{f:#}"
    );
    let text = stdout(&logs_stdin(&["--no-color"], log));
    assert!(
        text.lines().any(|l| l.starts_with("  shutdown ")
            && l.contains("FSD set by admin@192.168.1.7")
            && l.contains("cause: fsd-requested @1")
            && !l.contains(" or ")),
        "{text}"
    );
}
