//! End-to-end tests of the built binary against the real upsd + dummy-ups (started by the tests;
//! skipped without NUT, except under CI=true where they must run).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::time::Duration;

use common::*;
use nut_lab::{wait_for, Lab, LabConfig, ADMIN as LAB_ADMIN, MON};

/// One lab at a time in this file: ten real upsd + dummy-ups pairs at once, with the nutctl and upsc
/// processes of each, on two cores made the real tools miss their time now and then (upsc exit 1, a
/// SET published late).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A lab and this test's turn (the lab is dropped first).
struct SerialLab {
    lab: Lab,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for SerialLab {
    type Target = Lab;
    fn deref(&self) -> &Lab {
        &self.lab
    }
}

impl std::ops::DerefMut for SerialLab {
    fn deref_mut(&mut self) -> &mut Lab {
        &mut self.lab
    }
}

fn start() -> Option<SerialLab> {
    let turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    Lab::start(
        LabConfig::new()
            .prefix("nutctl-lab.")
            .dev_file(data_file(DEV)),
    )
    .map(|lab| SerialLab { lab, _turn: turn })
}

fn target(lab: &Lab) -> String {
    format!("{}@127.0.0.1:{}", lab.ups(0), lab.port)
}

#[test]
fn raw_is_byte_for_byte_upsc() {
    let Some(lab) = start() else { return };
    let ours = run(&["status", "--raw", &target(&lab)]);
    assert_eq!(code(&ours), 0, "{}", stderr(&ours));
    let upsc = std::process::Command::new("upsc")
        .arg(target(&lab))
        .env("NUT_QUIET_INIT_SSL", "true")
        .output()
        .expect("upsc is installed with NUT");
    assert_eq!(upsc.status.code(), Some(0), "upsc: {}", stderr(&upsc));
    assert!(!ours.stdout.is_empty());
    assert_eq!(stdout(&ours), stdout(&upsc), "nutctl --raw and upsc differ");
    // The same for a single error: both fail with the same text when the UPS is unknown.
    let t = format!("nope@127.0.0.1:{}", lab.port);
    let ours = run(&["status", "--raw", &t]);
    let upsc = std::process::Command::new("upsc")
        .arg(&t)
        .env("NUT_QUIET_INIT_SSL", "true")
        .output()
        .unwrap();
    assert_ne!(code(&ours), 0);
    // Debian's upsc prints this banner first on every run (2.8.0 ignores NUT_QUIET_INIT_SSL).
    let theirs = stderr(&upsc).replace("Init SSL without certificate database\n", "");
    assert_eq!(stderr(&ours).trim_end(), theirs.trim_end());
}

#[test]
fn exit_codes_on_the_real_server() {
    let Some(mut lab) = start() else { return };
    let t = target(&lab);
    assert_eq!(code(&run(&["status", &t])), 0, "OL");
    drive(&lab, "OB DISCHRG");
    assert_eq!(code(&run(&["status", &t])), 1, "OB");
    drive(&lab, "OB DISCHRG LB");
    let o = run(&["status", "--json", &t]);
    assert_eq!(code(&o), 2, "OB LB: {}", stdout(&o));
    assert!(stdout(&o).contains("status.on-battery-low"));
    drive(&lab, "OL");
    assert_eq!(code(&run(&["status", &t])), 0, "back to OL");
    lab.kill_driver(0);
    let o = run(&["check", "--json", &t]);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).contains("\"driver.not-connected\""),
        "{}",
        stdout(&o)
    );
    lab.stop_upsd();
    let o = run(&["status", &t]);
    assert_eq!(code(&o), 2, "unreachable");
    assert!(stdout(&o).contains("net.refused"), "{}", stdout(&o));
}

#[test]
fn check_list_clients_and_commands_on_the_real_server() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let o = nutctl()
        .env("MON_PW", MON.1)
        .args([
            "check",
            "--json",
            &t,
            "--user",
            MON.0,
            "--password-env",
            "MON_PW",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("\"login\""));
    let o = run(&["check", &t, "--user", MON.0, "--password", "wrong-pw"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("auth.access-denied"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("wrong-pw") && !stderr(&o).contains("wrong-pw"));

    let o = run(&["list", "--json", &format!("127.0.0.1:{}", lab.port)]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["upses"][0]["name"], "lab0");
    assert_eq!(v["upses"][0]["description"], "lab 0");
    let o = run(&["clients", &t]);
    assert_eq!(code(&o), 0);
    let o = run(&["cmd", &t]);
    assert!(stdout(&o).contains("load.off"), "{}", stdout(&o));
}

#[test]
fn upsc_reads_nutctl_serve_like_nutctl_does() {
    if !nut_lab::nut_available() {
        return;
    }
    let s = Serve::start();
    let ours = run(&["status", "--raw", &s.target()]);
    let upsc = std::process::Command::new("upsc")
        .arg(s.target())
        .output()
        .expect("upsc is installed with NUT");
    assert_eq!(upsc.status.code(), Some(0), "{}", stderr(&upsc));
    assert_eq!(stdout(&ours), stdout(&upsc));
}

/// Runs NUT's own `upsc` with `args` (its SSL banner, printed by Debian's 2.8.0 on every run, removed
/// from stderr).
fn upsc(args: &[&str]) -> (i32, String, String) {
    let o = std::process::Command::new("upsc")
        .args(args)
        .env("NUT_QUIET_INIT_SSL", "true")
        .output()
        .expect("upsc is installed with NUT");
    let err = stderr(&o).replace("Init SSL without certificate database\n", "");
    (code(&o), stdout(&o), err)
}

#[test]
fn one_value_list_and_clients_are_upscs() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let server = format!("127.0.0.1:{}", lab.port);
    let unknown_ups = format!("nope@{server}");
    let refused = format!("lab0@127.0.0.1:{}", nut_lab::closed_port());
    // (our args, upsc's args): stdout, stderr and exit code must be the same.
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["status", &t, "ups.status"], vec![&t, "ups.status"]),
        (
            vec!["status", &t, "battery.charge"],
            vec![&t, "battery.charge"],
        ),
        (vec!["status", &t, "no.such.var"], vec![&t, "no.such.var"]),
        (
            vec!["status", &unknown_ups, "ups.status"],
            vec![&unknown_ups, "ups.status"],
        ),
        (
            vec!["status", &refused, "ups.status"],
            vec![&refused, "ups.status"],
        ),
        (vec!["list", &server], vec!["-L", &server]),
        (vec!["clients", &t], vec!["-c", &t]),
    ];
    for (ours, theirs) in cases {
        let o = run(&ours);
        let (c, out, err) = upsc(&theirs);
        assert_eq!(stdout(&o), out, "stdout of {ours:?} vs upsc {theirs:?}");
        assert_eq!(stderr(&o).trim_end(), err.trim_end(), "stderr of {ours:?}");
        assert_eq!(code(&o), c, "exit code of {ours:?}: {}", stderr(&o));
    }
    // And the case with a value to show is not vacuous.
    let o = run(&["status", &t, "ups.status"]);
    assert_eq!(stdout(&o), "OL\n");
    // `clients` with a client logged in (as upsmon does: USERNAME, PASSWORD, LOGIN), as upsc -c.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", lab.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let login = format!(
        "USERNAME {}\nPASSWORD {}\nLOGIN {}\n",
        MON.0,
        MON.1,
        lab.ups(0)
    );
    std::io::Write::write_all(&mut s, login.as_bytes()).expect("send");
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.iter().filter(|&&b| b == b'\n').count() < 3 {
        let n = std::io::Read::read(&mut s, &mut buf).expect("upsd answers the login");
        assert!(n > 0, "upsd closed: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"OK\nOK\nOK\n");
    let o = run(&["clients", &t]);
    let (c, out, _) = upsc(&["-c", &t]);
    assert_eq!((code(&o), stdout(&o)), (c, out.clone()));
    assert_eq!(out, "127.0.0.1\n");
}

/// Debian ships upsc 2.8.0, which has no `-j`: the JSON is checked against the facts of NUT
/// 2.8.5's clients/upsc.c (layout `{\n  "k": "v",\n…\n}\n`, `"value"\n`, `{"error": "…"}`), and
/// decoded back to compare with what the real upsc printed as text.
#[test]
fn upsc_json_form_matches_upsc_text_on_the_real_server() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let o = run(&["status", "--raw", "--json", &t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("{\n  \"") && text.ends_with("\"\n}\n"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (_, upsc_text, _) = upsc(&[&t]);
    let mut n = 0;
    for line in upsc_text.lines() {
        let (name, value) = line.split_once(": ").unwrap();
        assert_eq!(v[name], value, "{name}");
        n += 1;
    }
    assert_eq!(v.as_object().unwrap().len(), n, "same variables as upsc");
    // Every line but the braces is `  "name": "value"` with a comma except the last.
    let body: Vec<&str> = text.lines().collect();
    assert!(body[1..body.len() - 2].iter().all(|l| l.ends_with("\",")));

    let o = run(&["status", "--json", &t, "ups.status"]);
    assert_eq!((code(&o), stdout(&o)), (0, "\"OL\"\n".to_string()));
    let o = run(&["status", "--json", &t, "no.such.var"]);
    assert_eq!(code(&o), 1);
    let (_, _, upsc_err) = upsc(&[&t, "no.such.var"]);
    let msg = upsc_err
        .trim_end()
        .strip_prefix("Error: ")
        .unwrap()
        .to_string();
    assert_eq!(stdout(&o), format!("{{\"error\": \"{msg}\"}}\n"));
    // LIST VAR refused: the error inside the object upsc had already opened.
    let o = run(&[
        "status",
        "--raw",
        "--json",
        &format!("nope@127.0.0.1:{}", lab.port),
    ]);
    assert_eq!(stdout(&o), "{\n  \"error\": \"Unknown UPS\"\n}\n");
    // No connection: the short form.
    let o = run(&[
        "status",
        "--raw",
        "--json",
        &format!("lab0@127.0.0.1:{}", nut_lab::closed_port()),
    ]);
    assert_eq!(
        stdout(&o),
        "{\"error\": \"Connection failure: Connection refused\"}\n"
    );
}

/// One item of Nagios performance data, parsed by the grammar of the monitoring-plugins
/// development guidelines: `'label'=value[UOM];[warn];[crit];[min];[max]`.
#[derive(Debug, PartialEq)]
struct Perf {
    label: String,
    value: f64,
    uom: String,
    warn: String,
    crit: String,
    min: String,
    max: String,
}

/// The performance data after the first line's `|`, every item checked against the grammar.
fn parse_perfdata(first_line: &str) -> Vec<Perf> {
    let (_, perf) = first_line
        .split_once(" | ")
        .expect("a ` | ` on the first line");
    let mut out = Vec::new();
    let mut rest = perf.trim();
    while !rest.is_empty() {
        let (label, after) = if let Some(q) = rest.strip_prefix('\'') {
            let end = q.find("'=").expect("closing quote");
            (q[..end].replace("''", "'"), &q[end + 2..])
        } else {
            let (l, a) = rest.split_once('=').expect("label=");
            (l.to_string(), a)
        };
        let (item, tail) = after.split_once(' ').unwrap_or((after, ""));
        rest = tail.trim_start();
        let fields: Vec<&str> = item.split(';').collect();
        assert!(fields.len() <= 5, "{item}");
        let num_end = fields[0]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(fields[0].len());
        let (value, uom) = fields[0].split_at(num_end);
        assert!(
            ["", "s", "%", "B", "KB", "MB", "c"].contains(&uom),
            "UOM {uom}"
        );
        let range_ok = |r: &str| {
            r.is_empty()
                || r.trim_start_matches('@')
                    .split(':')
                    .all(|p| p.is_empty() || p == "~" || p.parse::<f64>().is_ok())
        };
        let f = |i: usize| fields.get(i).copied().unwrap_or("").to_string();
        assert!(range_ok(&f(1)) && range_ok(&f(2)), "{item}");
        out.push(Perf {
            label,
            value: value.parse().expect("numeric value"),
            uom: uom.into(),
            warn: f(1),
            crit: f(2),
            min: f(3),
            max: f(4),
        });
    }
    out
}

/// The perfdata of `first_line` read by PyPI's `nagiosplugin` (the monitoring-plugins API library):
/// its formatter must write every item exactly as nutctl did, its `Range` parser must read every
/// warn/crit range. Per item: (label, value past warn, value past crit). `None` when python3 cannot
/// import nagiosplugin (a failure under CI=true; `.ci/run` installs it).
fn nagiosplugin_reads(first_line: &str) -> Option<Vec<(String, bool, bool)>> {
    const PY: &str = r#"
import json, re, sys
from nagiosplugin import Performance, Range
out = []
for item in sys.argv[1].split(" | ", 1)[1].split():
    m = re.fullmatch(r"([^=;']+)=(-?[0-9.]+)([a-zA-Z%]*)((?:;[^;]*){0,4})", item)
    assert m, item
    label, value, uom, rest = m.groups()
    fields = (rest[1:].split(";") if rest else []) + [""] * 4
    warn, crit, lo, hi = fields[:4]
    p = Performance(label, value, uom, warn, crit, lo, hi)
    assert str(p) == item, (str(p), item)
    v = float(value)
    out.append([label, bool(warn) and not Range(warn).match(v), bool(crit) and not Range(crit).match(v)])
print(json.dumps(out))
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", PY, first_line])
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&o.stderr);
    if err.contains("No module named 'nagiosplugin'") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but python3 cannot import nagiosplugin (.ci/run installs it with pip)"
        );
        println!("skipped the nagiosplugin check: pip install nagiosplugin==1.4.0");
        return None;
    }
    assert!(
        o.status.success(),
        "nagiosplugin refused {first_line:?}: {err}"
    );
    let v: Vec<(String, bool, bool)> =
        serde_json::from_slice(&o.stdout).expect("the script's JSON");
    Some(v)
}

#[test]
fn perfdata_and_threshold_overrides_on_the_real_server() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let o = run(&["status", "--perfdata", &t]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let text = stdout(&o);
    let perf = parse_perfdata(text.lines().next().unwrap());
    let labels: Vec<&str> = perf.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "charge",
            "runtime",
            "load",
            "input_voltage",
            "battery_voltage"
        ]
    );
    // The values are the server's (as NUT's upsc reads them), the limits the default table's.
    for (p, var) in perf.iter().zip([
        "battery.charge",
        "battery.runtime",
        "ups.load",
        "input.voltage",
        "battery.voltage",
    ]) {
        let (_, v, _) = upsc(&[&t, var]);
        assert_eq!(p.value, v.trim().parse::<f64>().unwrap(), "{var}");
    }
    assert_eq!(
        (
            perf[0].uom.as_str(),
            perf[0].warn.as_str(),
            perf[0].crit.as_str()
        ),
        ("%", "60:", "40:")
    );
    assert_eq!((perf[0].min.as_str(), perf[0].max.as_str()), ("0", "100"));
    assert_eq!(
        (
            perf[1].uom.as_str(),
            perf[1].warn.as_str(),
            perf[1].crit.as_str()
        ),
        ("s", "480:", "240:")
    );
    assert_eq!((perf[2].warn.as_str(), perf[2].crit.as_str()), ("70", "85"));
    // The input voltage: the table's 10 % / 15 % either way around the lab's nominal 120 V.
    assert_eq!(
        (
            perf[3].uom.as_str(),
            perf[3].warn.as_str(),
            perf[3].crit.as_str(),
            perf[3].max.as_str()
        ),
        ("", "108:132", "102:138", "")
    );
    assert_eq!((perf[4].warn.as_str(), perf[4].crit.as_str()), ("", ""));
    let first = text.lines().next().unwrap_or_default().to_string();
    let judged = nagiosplugin_reads(&first);
    // Without --perfdata the first line has none.
    assert!(!stdout(&run(&["status", &t])).contains('|'));

    // check_ups' habit: limits on the command line. The lab's load is 22 %.
    let o = run(&["status", "--perfdata", "-w", "load=20", &t]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("threshold.load.warning"),
        "{}",
        stdout(&o)
    );
    let perf = parse_perfdata(stdout(&o).lines().next().unwrap());
    assert_eq!(perf[2].warn, "20");
    // nagiosplugin's Range reads the limits the way nutctl judged them: load 22 % is past 20
    // (warning), within 85; charge and runtime (lower is worse) within theirs.
    if let Some(before) = judged {
        let after =
            nagiosplugin_reads(stdout(&o).lines().next().unwrap_or_default()).unwrap_or_default();
        let load = |v: &[(String, bool, bool)]| v.iter().find(|p| p.0 == "load").cloned();
        assert_eq!(load(&before), Some(("load".into(), false, false)));
        assert_eq!(load(&after), Some(("load".into(), true, false)));
        assert!(after
            .iter()
            .filter(|p| p.0 == "charge")
            .all(|p| !p.1 && !p.2));
    }
    let o = run(&["status", "-w", "load=10", "--crit", "load=20", &t]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    // A charge under the critical limit on line power is a warning that says why (status table:
    // a low battery while on line power is not critical).
    let o = run(&["status", "-w", "charge=101", "-c", "charge=100.5", &t]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("after an outage"), "{}", stdout(&o));
    // A word that is no METRIC=NUMBER, or limits out of order, is refused: exit 3, named.
    for bad in [["-w", "volts=3"], ["-c", "charge=70"], ["-w", "load"]] {
        let o = run(&["status", bad[0], bad[1], &t]);
        assert_eq!(code(&o), 3, "{bad:?}");
        assert!(stderr(&o).contains(bad[1]), "{bad:?}: {}", stderr(&o));
    }
}

/// A dump with temperatures and a sagging input voltage, served by the real upsd + dummy-ups.
const WARM: &str = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 20\n\
ups.temperature: 32.5\nbattery.temperature: 24\ninput.voltage: 218\ninput.voltage.nominal: 230\n";

#[test]
fn temperature_and_input_voltage_limits_on_the_real_server() {
    let turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = Lab::start(LabConfig::new().prefix("nutctl-lab.").ups("warm", WARM)) else {
        return;
    };
    let t = target(&lab);
    let judged = |o: &std::process::Output| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["upses"][0]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["variable"].as_str().unwrap().to_string(),
                    m["finding"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    // The defaults: 32.5 °C is acceptable (over the rated 25, under the warning 35), 24 °C ideal,
    // 218 V is 5.2 % under 230 V (acceptable, within the warning's 10 %): exit 0.
    let o = run(&["status", "--perfdata", &t]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let perf = parse_perfdata(stdout(&o).lines().next().unwrap());
    let item = |perf: &[Perf], l: &str| {
        let p = perf.iter().find(|p| p.label == l).unwrap();
        (p.value, p.warn.clone(), p.crit.clone())
    };
    assert_eq!(item(&perf, "temperature"), (32.5, "35".into(), "40".into()));
    assert_eq!(
        item(&perf, "battery_temperature"),
        (24.0, "35".into(), "40".into())
    );
    assert_eq!(
        item(&perf, "input_voltage"),
        (218.0, "207:253".into(), "195.5:264.5".into())
    );
    let o = run(&["--json", "status", &t]);
    assert_eq!(
        judged(&o)[3..],
        [
            (
                "ups.temperature".into(),
                "threshold.temperature.acceptable".into()
            ),
            (
                "battery.temperature".into(),
                "threshold.temperature.ok".into()
            ),
            (
                "input.voltage".into(),
                "threshold.input-voltage.acceptable".into()
            ),
        ]
    );
    let first = nagiosplugin_reads(
        stdout(&run(&["status", "--perfdata", &t]))
            .lines()
            .next()
            .unwrap(),
    );

    // check_ups' habit for temperature: -w temperature=30 makes 32.5 °C a warning (exit 1), and
    // the perfdata carries the new limit.
    let o = run(&["status", "--perfdata", "-w", "temperature=30", &t]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("threshold.temperature.warning"), "{text}");
    assert!(text.contains("ups.temperature 32.5 °C"), "{text}");
    let perf = parse_perfdata(text.lines().next().unwrap());
    assert_eq!(item(&perf, "temperature"), (32.5, "30".into(), "40".into()));
    if let (Some(before), Some(after)) = (first, nagiosplugin_reads(text.lines().next().unwrap())) {
        let temp = |v: &[(String, bool, bool)]| v.iter().find(|p| p.0 == "temperature").cloned();
        assert_eq!(temp(&before), Some(("temperature".into(), false, false)));
        assert_eq!(temp(&after), Some(("temperature".into(), true, false)));
    }
    // -c temperature=32 makes it critical (exit 2).
    let o = run(&["status", "-c", "temperature=32", "-w", "temperature=30", &t]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("threshold.temperature.critical"));
    // The input voltage, two-sided: 218 V is past a 5 % warning (under 218.5 V), exit 1.
    let o = run(&["status", "--perfdata", "-w", "input-voltage=5", &t]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("threshold.input-voltage.warning"));
    let perf = parse_perfdata(stdout(&o).lines().next().unwrap());
    assert_eq!(item(&perf, "input_voltage").1, "218.5:241.5");
    // Out of order against the critical 40 °C: refused, exit 3, named.
    let o = run(&["status", "-w", "temperature=45", &t]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(stderr(&o).contains("temperature=45"), "{}", stderr(&o));
    drop(lab);
    drop(turn);
}

/// `upsrw UPS`'s listing, parsed: per `[variable]`, its `Type:` line (with `Maximum length: n`
/// appended as `:n`) and its `Option: "…"` values.
fn upsrw_listing(target: &str) -> Vec<(String, String, Vec<String>)> {
    let o = std::process::Command::new("upsrw")
        .arg(target)
        .env("NUT_QUIET_INIT_SSL", "true")
        .output()
        .expect("upsrw is installed with NUT");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in stdout(&o).lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push((name.to_string(), String::new(), Vec::new()));
        } else if let Some(last) = out.last_mut() {
            if let Some(t) = line.strip_prefix("Type: ") {
                last.1 = t.to_string();
            } else if let Some(n) = line.strip_prefix("Maximum length: ") {
                last.1 = format!("{}:{n}", last.1);
            } else if let Some(opt) = line.strip_prefix("Option: \"") {
                last.2.push(opt.split('"').next().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn set_listing_shows_what_upsrw_shows() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let theirs = upsrw_listing(&t);
    assert!(!theirs.is_empty(), "the lab UPS has writable variables");
    let o = run(&["set", "--json", &t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), theirs.len());
    for (item, (name, ty, options)) in items.iter().zip(&theirs) {
        assert_eq!(item["name"], name.as_str());
        // upsrw prints `STRING` + `Maximum length: n` for `STRING:n`, and drops `RW`.
        let ours = item["type"].as_str().unwrap().trim_start_matches("RW ");
        assert_eq!(ours, ty, "{name}");
        let allowed: Vec<String> = item["allowed"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        let ranges: Vec<String> = item["ranges"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!([allowed, ranges].concat(), *options, "{name}");
    }
    let text = stdout(&run(&["set", &t]));
    assert!(text.contains("type RW "), "{text}");
}

#[test]
fn power_cutting_commands_need_yes_and_fsd_names_upsd() {
    let Some(lab) = start() else { return };
    let t = target(&lab);
    let admin = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--user", LAB_ADMIN.0, "--password-env", "LAB_PW"]);
        nutctl()
            .env("LAB_PW", LAB_ADMIN.1)
            .args(&all)
            .output()
            .unwrap()
    };
    for cmd in ["load.off", "shutdown.return"] {
        let o = admin(&["cmd", &t, cmd]);
        assert_eq!(code(&o), 3, "{cmd}: {}", stdout(&o));
        assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
        assert!(!stdout(&o).contains("accepted"));
    }
    // With --yes it runs (the lab's dummy-ups offers only load.off; which commands need --yes is
    // nut-diagnose's table, tested there).
    let o = admin(&["cmd", &t, "load.off", "--yes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("accepted"), "{}", stdout(&o));
    let o = admin(&["fsd", &t, "--yes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("FSD set by upsd"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("driver"), "{}", stdout(&o));
    wait_for(Duration::from_secs(5), || {
        lab.raw("GET VAR lab0 ups.status")
            .is_ok_and(|l| l.contains("FSD"))
    })
    .expect("upsd shows FSD");
}

/// `--wait` against upscmd -w / upsrw -w on the same server: the same TRACKING result.
#[test]
fn wait_gets_the_tracking_result_upscmd_gets() {
    // upscmd and upsrw send PASSWORD unquoted: a user whose password has no space.
    const OP: (&str, &str) = ("op", "oppw");
    let Some(lab) = Lab::start(
        LabConfig::new()
            .prefix("nutctl-lab.")
            .dev_file(data_file(DEV))
            .users("[op]\n  password = oppw\n  actions = SET\n  instcmds = ALL\n"),
    ) else {
        return;
    };
    let t = target(&lab);
    // What NUT's tools print (on stderr) as the final GET TRACKING answer: SUCCESS, ERR FAILED...
    let nut_tool = |tool: &str, args: &[&str]| {
        let mut all = vec!["-u", OP.0, "-p", OP.1, "-w", "-t", "10"];
        all.extend(args);
        let o = std::process::Command::new(tool)
            .args(&all)
            .env("NUT_QUIET_INIT_SSL", "true")
            .output()
            .unwrap();
        let err = stderr(&o);
        let last = err.lines().last().unwrap_or_default().to_string();
        match last.as_str() {
            "SUCCESS" => "success".to_string(),
            l => l.trim_start_matches("ERR ").to_ascii_lowercase(),
        }
    };
    let ours = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--json", "--user", OP.0, "--password-env", "LAB_PW"]);
        let o = nutctl().env("LAB_PW", OP.1).args(&all).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("{args:?}: {} {}", stdout(&o), stderr(&o)));
        (code(&o), v)
    };
    let (c, v) = ours(&["cmd", &t, "load.off", "--yes", "--wait", "10"]);
    let theirs = nut_tool("upscmd", &[&t, "load.off"]);
    assert_eq!(v["result"], "tracking", "{v}");
    assert_eq!(v["outcome"], theirs.as_str(), "{v}");
    assert_eq!(c, if theirs == "success" { 0 } else { 3 });

    let theirs = nut_tool("upsrw", &["-s", "ups.status=OL", &t]);
    let (c, v) = ours(&["set", &t, "ups.status", "OL", "--wait"]);
    assert_eq!(v["outcome"], theirs.as_str(), "{v}");
    assert_eq!(c, if theirs == "success" { 0 } else { 3 });
}
