//! `nutctl logs` on a journal the real NUT stack wrote: dummy-ups and upsd (nut-lab) and a real
//! upsmon on 127.0.0.1, each line stamped when it arrives, as journald stamps a service's output
//! (`journalctl -o short-iso-precise`: `2026-12-01T23:40:01.123456+0000 labhost upsd[42]: …`). The
//! message bytes are the programs' own.
//!
//! The incidents the test causes, and what `nutctl logs` must say about them:
//! 1. the driver is killed and started again: upsd (`lab0`) and upsmon (`lab0@127.0.0.1:<port>`) both
//!    log it, and it is ONE incident, rooted in the driver, that recovered;
//! 2. the driver is killed and its `.dev` definition file removed: the restarted dummy-ups exits with
//!    `Can't open dummy-ups definition file …: No such file or directory`, and that line is the
//!    incident's root cause (the driver's configuration names a file that is not there), still down.
//!
//! upsmon runs in its own mount namespace with a private /run/nut (it always writes
//! /run/nut/upsmon.pid and refuses to start while another instance holds it), so a test or helper
//! running another upsmon on this machine does not collide with it. Needs root, NUT and unshare(1);
//! skipped otherwise (failing under CI=true like the other real-NUT tests). Bounded: every wait has a
//! deadline, ~10 s in all (the polls upsmon makes once a second).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use nut_lab::{wait_for, Lab, LabConfig, DUMMY_UPS, UPSMON};

/// The journal the test writes: lines stamped at arrival, in arrival order.
#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn add(&self, ident: &str, pid: u32, msg: &str) {
        if msg.trim().is_empty() {
            return;
        }
        let line = format!("{} labhost {ident}[{pid}]: {msg}", stamp(SystemTime::now()));
        self.0.lock().unwrap().push(line);
    }

    fn text(&self) -> String {
        let mut s = self.0.lock().unwrap().join("\n");
        s.push('\n');
        s
    }

    fn saw(&self, needle: &str) -> bool {
        self.0.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// A thread that stamps every line of `stream` as program `ident`.
    fn capture(&self, stream: impl Read + Send + 'static, ident: &str, pid: u32) -> JoinHandle<()> {
        let (j, ident) = (self.clone(), ident.to_string());
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                j.add(&ident, pid, &line);
            }
        })
    }

    /// A thread that follows a daemon's log file (nut-lab's upsd writes to one) until `stop`.
    fn follow(
        &self,
        path: PathBuf,
        ident: &str,
        pid: u32,
        stop: Arc<AtomicBool>,
    ) -> JoinHandle<()> {
        let (j, ident) = (self.clone(), ident.to_string());
        std::thread::spawn(move || {
            let mut done = 0;
            let mut partial = String::new();
            loop {
                let last = stop.load(Ordering::SeqCst);
                let bytes = std::fs::read(&path).unwrap_or_default();
                if bytes.len() > done {
                    partial.push_str(&String::from_utf8_lossy(&bytes[done..]));
                    done = bytes.len();
                    while let Some(i) = partial.find('\n') {
                        let line: String = partial.drain(..=i).collect();
                        j.add(&ident, pid, line.trim_end());
                    }
                }
                if last {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff+0000` (UTC), the civil date from the day number (Hinnant's algorithm).
fn stamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap();
    let secs = d.as_secs() as i64;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+0000",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        d.subsec_micros()
    )
}

/// A process whose stdout and stderr go to the journal.
struct Proc {
    child: Child,
    readers: Vec<JoinHandle<()>>,
}

impl Proc {
    fn spawn(mut cmd: Command, ident: &str, j: &Journal) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {ident}: {e}"));
        let pid = child.id();
        let readers = vec![
            j.capture(child.stdout.take().unwrap(), ident, pid),
            j.capture(child.stderr.take().unwrap(), ident, pid),
        ];
        Proc { child, readers }
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Kills it by PID and waits for its output to end.
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

/// dummy-ups for `ups`, as nut-lab starts it (foreground, root, the lab's dirs).
fn driver(lab: &Lab, ups: &str, j: &Journal) -> Proc {
    let mut cmd = Command::new(DUMMY_UPS);
    cmd.args(["-F", "-a", ups, "-u", "root"])
        .env("NUT_CONFPATH", lab.etc_dir())
        .env("NUT_STATEPATH", lab.run_dir());
    Proc::spawn(cmd, "dummy-ups", j)
}

/// upsmon -D in a mount namespace of its own, with a private tmpfs on /run/nut for its pid file.
fn upsmon(lab: &Lab, j: &Journal) -> Proc {
    let conf = format!(
        "MONITOR {}@127.0.0.1:{} 1 watch watchpw primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/bin/true\"\n\
         POWERDOWNFLAG {}\nPOLLFREQ 1\nPOLLFREQALERT 1\nDEADTIME 3\n",
        lab.ups(0),
        lab.port,
        lab.run_dir().join("killpower").display()
    );
    let path = lab.etc_dir().join("upsmon.conf");
    std::fs::write(&path, conf).unwrap();
    let _ = Command::new("chmod").arg("640").arg(&path).status();
    let mut cmd = Command::new("unshare");
    // unshare and sh exec into upsmon: the child's PID is upsmon's, so killing it kills upsmon.
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mkdir -p /run/nut && mount -t tmpfs -o mode=0770 tmpfs /run/nut && exec {UPSMON} -D -p"
        ))
        .env("NUT_CONFPATH", lab.etc_dir())
        .env("NUT_STATEPATH", lab.run_dir());
    Proc::spawn(cmd, "upsmon", j)
}

fn can_run() -> bool {
    if !nut_lab::nut_available() {
        return false;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let unshare = ["/usr/bin/unshare", "/bin/unshare"]
        .iter()
        .any(|p| Path::new(p).exists());
    if root && unshare && Path::new(UPSMON).exists() {
        return true;
    }
    let why = format!("needs root, unshare(1) and {UPSMON}");
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    println!("skipped: {why}");
    false
}

#[test]
fn driver_loss_is_one_incident_and_a_missing_definition_file_is_its_cause() {
    if !can_run() {
        return;
    }
    let Some(mut lab) = Lab::start(
        LabConfig::new()
            .prefix("logs-stack.")
            .ups(
                "lab0",
                "ups.status: OL\nbattery.charge: 100\nups.load: 20\n",
            )
            .etc_file("nut.conf", "MODE=standalone\n")
            .users("[watch]\n  password = watchpw\n  upsmon primary\n"),
    ) else {
        return;
    };
    let j = Journal::default();
    let stop = Arc::new(AtomicBool::new(false));
    let upsd_log = j.follow(
        lab.dir().join("upsd.log"),
        "upsd",
        lab.upsd_pid().unwrap(),
        Arc::clone(&stop),
    );
    let secs = Duration::from_secs;
    let mon = upsmon(&lab, &j);
    let dump = || format!("journal so far:\n{}", j.text());
    assert!(
        wait_for(secs(8), || j.saw("logged into UPS [lab0]")).is_some(),
        "upsmon did not log in; {}",
        dump()
    );

    // 1. The driver goes and comes back.
    lab.kill_driver(0);
    assert!(
        wait_for(secs(8), || j.saw("failed - Driver not connected")).is_some(),
        "{}",
        dump()
    );
    let drv = driver(&lab, "lab0", &j);
    assert!(
        wait_for(secs(12), || j.saw("Communications with UPS lab0@127.0.0.1")
            && j.saw("established"))
        .is_some(),
        "{}",
        dump()
    );

    // 2. The driver goes and cannot come back: its definition file is gone.
    let polls = || j.text().matches("failed - Driver not connected").count();
    let before = polls();
    drv.stop();
    let dev = lab.etc_dir().join("lab0.dev");
    std::fs::rename(&dev, lab.dir().join("lab0.dev.away")).unwrap();
    assert!(
        wait_for(secs(8), || polls() > before).is_some(),
        "{}",
        dump()
    );
    let mut again = driver(&lab, "lab0", &j);
    assert!(
        wait_for(secs(5), || again.exited()).is_some(),
        "dummy-ups without its .dev file kept running; {}",
        dump()
    );
    again.stop();
    // More polls after the failed start, as a journal would have them.
    let after = polls();
    assert!(
        wait_for(secs(8), || polls() >= after + 2).is_some(),
        "{}",
        dump()
    );
    mon.stop();
    stop.store(true, Ordering::SeqCst);
    upsd_log.join().unwrap();
    drop(lab);

    let text = j.text();
    assert!(
        text.contains("Can't open dummy-ups definition file"),
        "the driver did not say why it failed: {text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("journal.log");
    std::fs::write(&file, &text).unwrap();
    let o = run(&["logs", "--json", file.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{text}", stdout(&o)));
    let eps = v["timeline"]["episodes"].as_array().unwrap();
    let show = || format!("{:#}\n{text}", v["timeline"]);
    // No line of the journal goes unexplained.
    assert_eq!(v["timeline"]["stats"]["unclassified"], 0, "{}", show());
    // upsd's `lab0` and upsmon's `lab0@127.0.0.1:<port>` are one UPS: two incidents, not four.
    let comms: Vec<_> = eps.iter().filter(|e| e["kind"] == "comms").collect();
    assert_eq!(comms.len(), 2, "{}", show());
    let (first, second) = (comms[0], comms[1]);
    assert_eq!(first["cause"], "driver-not-running", "{}", show());
    assert_eq!(first["verdict"], "recovered-automatically", "{}", show());
    let kinds = |e: &serde_json::Value| -> Vec<String> {
        e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let k1 = kinds(first);
    assert!(
        k1.iter().any(|k| k == "poll-driver-not-connected")
            && k1.iter().any(|k| k == "upsd-driver-connected"),
        "upsd's and upsmon's lines in one incident: {k1:?}\n{}",
        show()
    );
    // The second incident is named after the missing definition file, and is still down.
    assert_eq!(second["verdict"], "still-down", "{}", show());
    assert_eq!(second["cause"], "config-error", "{}", show());
    let line = second["cause_line"].as_u64().unwrap() as usize;
    let cause_text = text.lines().nth(line - 1).unwrap_or("");
    assert!(
        cause_text.contains("Can't open dummy-ups definition file"),
        "cause line {line}: {cause_text}\n{}",
        show()
    );
    // The finding says so.
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["id"] == "log.config-error"
            && f["evidence"].to_string().contains("definition file")),
        "{:#}\n{}",
        v["findings"],
        show()
    );
}
