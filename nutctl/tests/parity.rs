//! Differential test of `nutctl serve` against the real upsd + dummy-ups (issue 13, "How it is
//! verified"): NUT's own clients (`upsc`, `upsrw`, `upscmd`) and a Python client from PyPI
//! (`nut2`, whose class is `PyNUTClient`) ask both servers the same things on the same dumps —
//! listings, types, RW/RO, descriptions (both read NUT's installed cmdvartab), instant commands with
//! TRACKING, sets and error codes — and must get the same answers. What differs on purpose is
//! taken out before comparing, each in one place with its reason: `driver.*` (see
//! [`without_driver_vars`]) and the tracking ids (random on both).
//!
//! Needs NUT (skips with a message otherwise, fails under CI=true, as nut-lab does) and, for the
//! Python part, `python3` with `nut2` (`.ci/run` installs it; skipped with a message when missing,
//! a failure under CI=true). About 10 s a dump: a real upsd + dummy-ups start for each.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The dumps both servers serve (nutctl/data/SOURCES.md says where each comes from): usbhid,
/// Q1, SNMP and serial drivers; values missing (`ups.serial:`), padded with bytes parseconf
/// drops, or without `ups.mfr`/`ups.model` (dummy-ups' defaults then show).
fn dumps() -> Vec<PathBuf> {
    let mut v = vec![data_file(DEV)];
    for f in [
        "Eaton__5P_650__usbhid-ups__2.7.4__01.dev",
        "Digitus__DN-170041__nutdrv_qx__2.7.4__01.dev",
        "APC__Silcon_120kW_3-3__snmp-ups__2.1.0__01.dev",
        "Riello__MPT60__riello_ser__2.6.5__01.dev",
        "Tripp_Lite__SU1500RTXL2UA__usbhid-ups__2.6.3__01.dev",
    ] {
        v.push(data_file("ddl").join(f));
    }
    v
}

/// The lab's users: the tests' admin with every right, as serve's one user has (SET, FSD, every
/// command, upsmon primary).
fn users() -> String {
    format!(
        "[{ADMIN}]\n  password = \"{ADMIN_PW}\"\n  actions = SET FSD\n  instcmds = ALL\n  upsmon primary\n"
    )
}

/// The same dump on the real upsd + dummy-ups (UPS `lab0`, description `lab 0`) and on
/// `nutctl serve` with the same name, description and user.
struct Both {
    lab: nut_lab::Lab,
    serve: Serve,
}

fn start(dev: &Path, lab: nut_lab::LabConfig, extra: &[&str]) -> Option<Both> {
    let lab = nut_lab::Lab::start(lab.prefix("nutctl-parity.").dev_file(dev))?;
    let mut args = vec!["--name", "lab0", "--desc", "lab 0"];
    args.extend_from_slice(&["--user", ADMIN, "--password-env", PW_ENV]);
    args.extend_from_slice(extra);
    let serve = Serve::start_args(dev, "lab0", &args);
    Some(Both { lab, serve })
}

/// `upsc`'s and `nut2`'s `driver.*` lines taken out: dummy-ups publishes its own (`driver.name:
/// dummy-ups`, its parameters), serve keeps the dump's (the driver of the device the dump came
/// from, which diagnosis reads), read-only on both (their types are compared on their own).
fn without_driver_vars(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("driver."))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// One run of a client: exit code, stdout and stderr, with the server's port replaced by `PORT`
/// (`{T}` in `args` is `lab0@127.0.0.1:<port>`, `{H}` is `127.0.0.1:<port>`).
fn client(port: u16, prog: &str, args: &[&str]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{T}", &format!("lab0@127.0.0.1:{port}"))
                .replace("{H}", &format!("127.0.0.1:{port}"))
        })
        .collect();
    let o = Command::new(prog)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"));
    format!(
        "exit {:?}\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        // upsc/upsrw/upscmd print "Init SSL without certificate database" on stderr first.
        String::from_utf8_lossy(&o.stderr)
    )
    .replace(&port.to_string(), "PORT")
}

/// Tracking ids (random on both servers) replaced by `<ID>`.
fn no_ids(text: &str) -> String {
    text.split_inclusive([' ', '\n'])
        .map(|w| {
            let core = w.trim_end();
            let is_id = core.len() == 36
                && core.chars().filter(|c| *c == '-').count() == 4
                && core.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            if is_id {
                format!("<ID>{}", &w[core.len()..])
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// What a comparison found: every check, and the ones that differ.
#[derive(Default)]
struct Tally {
    checks: usize,
    diffs: Vec<String>,
}

impl Tally {
    fn same(&mut self, what: &str, real: &str, ours: &str) {
        self.checks += 1;
        // Shown with --nocapture: what the real server answered, for the differential table.
        println!("## {what}\n{real}");
        if real != ours {
            self.diffs.push(format!(
                "{what}\n--- upsd + dummy-ups\n{real}--- serve\n{ours}"
            ));
        }
    }
}

/// NUT's own clients against both servers on one dump: read-only questions first, then the
/// commands and sets (each changes both the same way), then the whole listing again.
fn nut_clients(both: &Both, t: &mut Tally, dev: &Path) {
    let (real, ours) = (both.lab.port, both.serve.port);
    let pw = ADMIN_PW;
    let ask = |t: &mut Tally, prog: &str, args: &[&str], filter: fn(&str) -> String| {
        let what = format!("{}: {prog} {}", dev.display(), args.join(" "));
        t.same(
            &what,
            &filter(&client(real, prog, args)),
            &filter(&client(ours, prog, args)),
        );
    };
    let plain = |s: &str| s.to_string();
    ask(t, "upsc", &["{T}"], without_driver_vars);
    ask(t, "upsc", &["-L", "{H}"], plain);
    ask(t, "upsc", &["-l", "{H}"], plain);
    ask(t, "upsc", &["{T}", "ups.status"], plain);
    ask(t, "upsc", &["{T}", "no.such.var"], plain);
    ask(t, "upsc", &["nosuchups@{H}"], plain);
    ask(t, "upsc", &["-c", "{T}"], plain);
    // Every writable variable with its description, type, length and value.
    ask(t, "upsrw", &["{T}"], plain);
    ask(t, "upscmd", &["-l", "{T}"], plain);
    let admin = ["-u", ADMIN, "-p", pw];
    let with_admin = |rest: &[&'static str]| -> Vec<&str> {
        let mut v: Vec<&str> = admin.to_vec();
        v.extend_from_slice(rest);
        v
    };
    ask(t, "upscmd", &with_admin(&["{T}", "load.off"]), no_ids_s);
    // -w: SET TRACKING ON, then GET TRACKING until the driver's result.
    ask(
        t,
        "upscmd",
        &with_admin(&["-w", "-t", "5", "{T}", "load.off"]),
        no_ids_s,
    );
    ask(t, "upscmd", &with_admin(&["{T}", "no.such.cmd"]), plain);
    ask(
        t,
        "upscmd",
        &["-u", ADMIN, "-p", "wrong-pw", "{T}", "load.off"],
        plain,
    );
    ask(
        t,
        "upsrw",
        &with_admin(&["-s", "ups.mfr=Changed Mfr", "{T}"]),
        plain,
    );
    ask(
        t,
        "upsrw",
        &with_admin(&["-w", "-t", "5", "-s", "ups.model=Changed", "{T}"]),
        no_ids_s,
    );
    ask(
        t,
        "upsrw",
        &with_admin(&["-s", "ups.mfr=0123456789012345678901234567890123", "{T}"]),
        plain,
    );
    ask(
        t,
        "upsrw",
        &with_admin(&["-s", "driver.name=x", "{T}"]),
        plain,
    );
    ask(
        t,
        "upsrw",
        &with_admin(&["-s", "no.such.var=1", "{T}"]),
        plain,
    );
    ask(
        t,
        "upsrw",
        &["-u", ADMIN, "-p", "wrong-pw", "-s", "ups.mfr=x", "{T}"],
        plain,
    );
    after_sets(both, t, &format!("{}: upsc after the sets", dev.display()));
}

/// `upsc`'s whole listing on both once the real driver applied the sets (see [`settled`]).
fn after_sets(both: &Both, t: &mut Tally, what: &str) {
    let ours = without_driver_vars(&client(both.serve.port, "upsc", &["{T}"]));
    let real = settled(
        || without_driver_vars(&client(both.lab.port, "upsc", &["{T}"])),
        &ours,
    );
    t.same(what, &real, &ours);
}

/// What the real server answers once its driver has applied the sets: upsd says OK at once and
/// dummy-ups applies a SET between its polls (it sleeps a second in each), so the answer is asked
/// again until it equals `want`, for at most 8 s; the last answer is returned either way.
fn settled(ask: impl Fn() -> String, want: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    loop {
        let got = ask();
        if got == want || std::time::Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

fn no_ids_s(s: &str) -> String {
    no_ids(s)
}

/// One request per connection line by line on one session; replies joined.
#[allow(clippy::unwrap_used)] // a helper outside #[test] fns; clippy.toml covers the tests themselves
fn session(port: u16, requests: &[&str]) -> String {
    use std::io::{BufRead as _, Write as _};
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    let mut out = String::new();
    for req in requests {
        w.write_all(format!("{req}\n").as_bytes()).unwrap();
        out.push_str(&format!("> {req}\n"));
        let mut in_list = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 {
                out.push_str("(closed)\n");
                return out;
            }
            if line.starts_with("BEGIN LIST") {
                in_list = true;
            }
            let end = !in_list || line.starts_with("END LIST");
            out.push_str(&line);
            if end {
                break;
            }
        }
    }
    out
}

/// The error codes and the protocol's corners, asked on one raw session of each server.
fn error_codes(both: &Both, t: &mut Tally, dev: &Path) {
    let pw = format!("PASSWORD \"{ADMIN_PW}\"");
    let requests = [
        "GET VAR nosuchups ups.status",
        "GET VAR lab0 no.such.var",
        "GET TYPE lab0 no.such.var",
        "GET TYPE lab0 device.type",
        "GET TYPE lab0 ups.status",
        "GET TYPE lab0 driver.name",
        "GET DESC lab0 ups.delay.shutdown",
        "GET DESC lab0 no.such.var",
        "GET DESC lab0 UPS.STATUS",
        "GET CMDDESC lab0 load.off",
        "GET CMDDESC lab0 beeper.toggle",
        "GET CMDDESC lab0 no.such.cmd",
        "GET UPSDESC lab0",
        "GET NUMLOGINS lab0",
        "LIST ENUM lab0 ups.status",
        "LIST RANGE lab0 ups.status",
        "LIST ENUM lab0 no.such.var",
        "LIST RW lab0",
        "LIST CMD lab0",
        "LIST CMD nosuchups",
        "GET TRACKING",
        "GET TRACKING 00000000-0000-4000-8000-000000000000",
        "SET TRACKING ON",
        "INSTCMD lab0 load.off",
        "SET VAR lab0 ups.mfr x",
        "NO SUCH COMMAND",
        "USERNAME admin",
        "USERNAME again",
        &pw,
        "SET TRACKING ON",
        "GET TRACKING 00000000-0000-4000-8000-000000000000",
        "INSTCMD lab0 no.such.cmd",
        "INSTCMD lab0 LOAD.OFF",
        "SET VAR lab0 no.such.var 1",
        "SET VAR lab0 driver.name x",
        "SET VAR lab0 ups.mfr 0123456789012345678901234567890123",
        "SET VAR lab0 ups.status \"\"",
        "SET VAR lab0 ups.mfr \"\"",
        "SET TRACKING OFF",
        "LOGOUT",
    ];
    let (real_raw, ours_raw) = (
        session(both.lab.port, &requests),
        session(both.serve.port, &requests),
    );
    t.same(
        &format!("{}: raw session", dev.display()),
        &no_ids(&real_raw),
        &no_ids(&ours_raw),
    );
    // The driver's results of what was tracked (upsd: PENDING until the driver answered).
    let results = |port: u16, raw: &str| {
        let mut reqs = vec!["USERNAME admin".to_string(), pw.clone()];
        reqs.push("SET TRACKING ON".into());
        for id in raw.lines().filter_map(|l| l.strip_prefix("OK TRACKING ")) {
            reqs.push(format!("GET TRACKING {id}"));
        }
        let reqs: Vec<&str> = reqs.iter().map(String::as_str).collect();
        no_ids(&session(port, &reqs))
    };
    let ours = results(both.serve.port, &ours_raw);
    let real = settled(|| results(both.lab.port, &real_raw), &ours);
    t.same(
        &format!("{}: tracking results", dev.display()),
        &real,
        &ours,
    );
    // What the sets did (the driver applies them after upsd said OK).
    let tracked = |port: u16| {
        let text = session(port, &["LIST VAR lab0"]);
        text.lines()
            .filter(|l| !l.starts_with("VAR lab0 driver."))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let ours = tracked(both.serve.port);
    let real = settled(|| tracked(both.lab.port), &ours);
    t.same(
        &format!("{}: after the raw session", dev.display()),
        &real,
        &ours,
    );
}

/// The Python client's script: every question `nut2.PyNUTClient` can ask, as one JSON object
/// (an exception is recorded as its type and text).
const PY_CLIENT: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
import nut2
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}
def cap(name, f):
    try:
        out[name] = f()
    except Exception as e:
        out[name] = "%s: %s" % (type(e).__name__, e)
c = nut2.PyNUTClient(host="127.0.0.1", port=port, timeout=5)
cap("list_ups", c.list_ups)
cap("list_vars", lambda: {k: v for k, v in c.list_vars("lab0").items() if not k.startswith("driver.")})
cap("list_rw_vars", lambda: c.list_rw_vars("lab0"))
names = sorted(n for n in c.list_vars("lab0") if not n.startswith("driver."))
cap("var_type", lambda: {n: c.var_type("lab0", n) for n in names})
cap("var_description", lambda: {n: c.var_description("lab0", n) for n in names})
cap("list_commands", lambda: c.list_commands("lab0"))
cap("command_description", lambda: c.command_description("lab0", "load.off"))
cap("list_clients", lambda: c.list_clients("lab0"))
cap("num_logins", lambda: c.num_logins("lab0"))
cap("list_enum", lambda: c.list_enum("lab0", "ups.status"))
cap("list_range", lambda: c.list_range("lab0", "ups.status"))
cap("unknown ups", lambda: c.list_vars("nosuchups"))
cap("unknown var", lambda: c.get_var("lab0", "no.such.var"))
a = nut2.PyNUTClient(host="127.0.0.1", port=port, login=user, password=pw, timeout=5)
cap("run load.off", lambda: a.run_command("lab0", "load.off"))
cap("run unknown", lambda: a.run_command("lab0", "no.such.cmd"))
cap("set too long", lambda: a.set_var("lab0", "ups.mfr", "x" * 40))
cap("set read-only", lambda: a.set_var("lab0", "driver.name", "x"))
cap("set", lambda: a.set_var("lab0", "ups.mfr", "Python"))
cap("fsd", lambda: a.fsd("lab0"))
w = nut2.PyNUTClient(host="127.0.0.1", port=port, login=user, password="wrong-pw", timeout=5)
cap("wrong password", lambda: w.run_command("lab0", "load.off"))
print(json.dumps(out, sort_keys=True, indent=1))
"#;

/// Whether `python3` can import `nut2`; under CI=true a missing one is a failure.
fn python_client() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import nut2"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but python3 cannot import nut2 (.ci/run installs it with pip)"
        );
        println!("skipped the Python client: python3 cannot import nut2 (pip install nut2==2.1.1)");
    }
    ok
}

fn python(t: &mut Tally, both: &Both, dev: &Path) {
    let run = |port: u16| {
        let o = Command::new("python3")
            .args(["-c", PY_CLIENT, &port.to_string(), ADMIN, ADMIN_PW])
            .output()
            .expect("python3");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).replace(&port.to_string(), "PORT")
    };
    t.same(
        &format!("{}: nut2.PyNUTClient", dev.display()),
        &run(both.lab.port),
        &run(both.serve.port),
    );
    after_sets(
        both,
        t,
        &format!("{}: upsc after nut2's sets", dev.display()),
    );
}

#[test]
fn serve_answers_real_clients_like_upsd_and_dummy_ups() {
    if !nut_lab::nut_available() {
        println!("skipped: no NUT installed");
        return;
    }
    let py = python_client();
    let mut t = Tally::default();
    for dev in dumps() {
        let Some(both) = start(&dev, nut_lab::LabConfig::new().users(&users()), &[]) else {
            return;
        };
        // Each part leaves both servers changed the same way (sets, FSD, a deleted ups.mfr in
        // the raw session, which therefore comes last).
        nut_clients(&both, &mut t, &dev);
        if py {
            python(&mut t, &both, &dev);
        }
        error_codes(&both, &mut t, &dev);
    }
    assert!(t.checks > 100, "{} checks", t.checks);
    assert!(
        t.diffs.is_empty(),
        "{} of {} answers differ:\n{}",
        t.diffs.len(),
        t.checks,
        t.diffs.join("\n")
    );
}

/// Descriptions come from the cmdvartab in upsd's DATAPATH: a table written here (duplicates,
/// case, continuation lines, short and unknown lines) gives both servers the same answers, and a
/// DATAPATH without one gives `Description unavailable` on both.
#[test]
fn descriptions_follow_the_cmdvartab_in_datapath() {
    if !nut_lab::nut_available() {
        println!("skipped: no NUT installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with");
    let without = dir.path().join("without");
    std::fs::create_dir_all(&with).unwrap();
    std::fs::create_dir_all(&without).unwrap();
    std::fs::write(
        with.join("cmdvartab"),
        "# written by nutctl's parity test\n\
         VARDESC ups.status \"first\"\n\
         VARDESC UPS.Status \"replaced, case ignored\"\n\
         VARDESC battery.charge \"joined \\\n across lines\"\n\
         VARDESC short.line\n\
         VARDESC extra.words \"kept\" dropped words\n\
         CMDDESC load.off \"a command\"\n\
         CMDDESC ups.status \"commands apart from variables\"\n\
         UNKNOWN x \"y\"\n",
    )
    .unwrap();
    // upsd reads DATAPATH (its own user must reach it).
    let _ = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir.path())
        .status();
    let requests = [
        "GET DESC lab0 ups.status",
        "GET DESC lab0 Ups.Status",
        "GET DESC lab0 battery.charge",
        "GET DESC lab0 short.line",
        "GET DESC lab0 extra.words",
        "GET DESC lab0 unknown.var",
        "GET CMDDESC lab0 load.off",
        "GET CMDDESC lab0 ups.status",
        "GET CMDDESC lab0 x",
    ];
    let mut t = Tally::default();
    for datapath in [&with, &without] {
        let d = datapath.to_string_lossy().into_owned();
        let Some(both) = start(
            &data_file(DEV),
            nut_lab::LabConfig::new().upsd_conf(&format!("DATAPATH {d}")),
            &["--datapath", &d],
        ) else {
            return;
        };
        let real = session(both.lab.port, &requests);
        let ours = session(both.serve.port, &requests);
        t.same(&format!("DATAPATH {d}"), &real, &ours);
        if datapath == &with {
            assert!(ours.contains("\"replaced, case ignored\""), "{ours}");
        } else {
            assert_eq!(ours.matches("Description unavailable").count(), 9, "{ours}");
        }
    }
    assert!(t.diffs.is_empty(), "{}", t.diffs.join("\n"));
}

/// The client's TLS options are shown and accepted only where a client connection uses them.
#[test]
fn client_tls_options_only_on_client_commands() {
    for (cmd, shown) in [
        ("status", true),
        ("set", true),
        ("serve", false),
        ("man", false),
        ("completions", false),
        ("logs", false),
    ] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(
            stdout(&o).contains("--cafile"),
            shown,
            "{cmd} --help:\n{}",
            stdout(&o)
        );
    }
    let o = run(&["serve", "--dev", "x.dev", "--cafile", "ca.pem"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--tls-cert"), "{}", stderr(&o));
    let o = run(&["--insecure-skip-verify", "man"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    // Completions list them for status, not for serve.
    let o = run(&["completions", "bash"]);
    let script = stdout(&o);
    let opts_of = |sub: &str| {
        let at = script
            .find(&format!("nutctl__subcmd__{sub})"))
            .unwrap_or_else(|| panic!("{sub}"));
        let rest = &script[at..];
        let line = rest.lines().find(|l| l.contains("opts=")).unwrap();
        line.to_string()
    };
    assert!(opts_of("status").contains("--cafile"));
    assert!(!opts_of("serve").contains("--cafile"));
    assert!(opts_of("serve").contains("--tls-cert"));
}

/// `--cmd NAME` adds an instant command: `upscmd -l` lists it with the description upsd gives
/// that name (both read the installed cmdvartab), and the simulated driver handles it
/// (`upscmd -w`: SUCCESS), where dummy-ups would answer `ERR UNKNOWN`.
#[test]
fn extra_commands_are_listed_with_upsds_descriptions() {
    if !nut_lab::nut_available() {
        println!("skipped: no NUT installed");
        return;
    }
    let Some(both) = start(
        &data_file(DEV),
        nut_lab::LabConfig::new().users(&users()),
        &[
            "--cmd",
            "beeper.toggle",
            "--cmd",
            "test.battery.start.quick",
        ],
    ) else {
        return;
    };
    let desc = |cmd: &str| {
        let r = session(both.lab.port, &[&format!("GET CMDDESC lab0 {cmd}")]);
        let start = r.find('"').unwrap();
        r[start + 1..r.trim_end().len() - 1].to_string()
    };
    let listed = client(both.serve.port, "upscmd", &["-l", "{T}"]);
    for cmd in ["beeper.toggle", "load.off", "test.battery.start.quick"] {
        let line = format!("{cmd} - {}\n", desc(cmd));
        assert!(listed.contains(&line), "{line:?} in {listed}");
    }
    let o = client(
        both.serve.port,
        "upscmd",
        &[
            "-u",
            ADMIN,
            "-p",
            ADMIN_PW,
            "-w",
            "-t",
            "5",
            "{T}",
            "beeper.toggle",
        ],
    );
    assert!(
        o.starts_with("exit Some(0)") && o.contains("SUCCESS"),
        "{o}"
    );
    let o = run(&["serve", "--dev", "x.dev", "--cmd", "bad name"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--cmd"), "{}", stderr(&o));
}
