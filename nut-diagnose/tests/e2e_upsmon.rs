//! End to end with real NUT: a dummy-ups driver and upsd on a free loopback port, a real upsmon watching
//! them in the foreground (`upsmon -D -p`, its stdout captured), upsd killed and restarted under it, and
//! upsmon's output fed to the log parser and the timeline: one communications episode that recovered
//! by itself. Bounded (every wait has a deadline; the whole test stays under 40 s).
//!
//! upsmon facts (nut-facts §7.3, §8; ../shared/docs/lab.md): it always writes /run/nut/upsmon.pid and
//! refuses to start when another instance holds it, so the test skips when one runs and removes the pid
//! file it caused; it really runs SHUTDOWNCMD, so that is `/bin/true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_diagnose::facts::Facts;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::timeline::{EpisodeKind, EpisodeVerdict};
use nut_diagnose::{diagnose, logs};

const UPSD: &str = "/lib/nut/upsd";
const DUMMY: &str = "/lib/nut/dummy-ups";
const UPSMON: &str = "/lib/nut/upsmon";
const PIDFILE: &str = "/run/nut/upsmon.pid";

fn nut_available() -> bool {
    if [UPSD, DUMMY, UPSMON].iter().all(|p| Path::new(p).exists()) {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but NUT is not installed ({UPSD}, {DUMMY}, {UPSMON})");
    }
    println!("skipped: no NUT installed");
    false
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A running upsmon holds the pid file: never disturb it.
fn upsmon_running() -> bool {
    std::fs::read_to_string(PIDFILE)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// Kills every child by PID and removes the upsmon pid file it wrote (only if it holds our pid).
struct Guard {
    children: Vec<(&'static str, Child)>,
    upsmon_pid: Option<u32>,
}

impl Guard {
    fn kill(&mut self, name: &str) {
        for (n, c) in self.children.iter_mut() {
            if *n == name {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        self.children.retain(|(n, _)| *n != name);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for (_, c) in self.children.iter_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(pid) = self.upsmon_pid {
            let ours = std::fs::read_to_string(PIDFILE)
                .map(|s| s.trim() == pid.to_string())
                .unwrap_or(false);
            if ours {
                let _ = std::fs::remove_file(PIDFILE);
            }
        }
    }
}

fn spawn(prog: &str, args: &[&str], etc: &Path, run: &Path) -> Child {
    Command::new(prog)
        .args(args)
        .env("NUT_CONFPATH", etc)
        .env("NUT_STATEPATH", run)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{prog}: {e}"))
}

fn answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    use std::io::Write;
    if s.write_all(b"GET VAR lab0 ups.status\n").is_err() {
        return false;
    }
    let mut line = String::new();
    let _ = BufReader::new(s).read_line(&mut line);
    line.starts_with("VAR lab0 ups.status") && !line.contains("WAIT")
}

fn wait_for(deadline: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

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
    if !nut_available() {
        return;
    }
    if !is_root() {
        println!("skipped: upsmon needs root to write {PIDFILE}");
        return;
    }
    if upsmon_running() {
        println!("skipped: an upsmon is already running ({PIDFILE})");
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("diag-upsmon.")
        .tempdir()
        .unwrap();
    let etc: PathBuf = dir.path().join("etc");
    let run: PathBuf = dir.path().join("run");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    std::fs::create_dir_all("/run/nut").unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    // Files written for this test.
    std::fs::write(
        etc.join("lab0.dev"),
        "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 20\n",
    )
    .unwrap();
    std::fs::write(etc.join("nut.conf"), "MODE=standalone\n").unwrap();
    std::fs::write(
        etc.join("ups.conf"),
        "[lab0]\n  driver = dummy-ups\n  port = lab0.dev\n",
    )
    .unwrap();
    std::fs::write(etc.join("upsd.conf"), format!("LISTEN 127.0.0.1 {port}\n")).unwrap();
    std::fs::write(
        etc.join("upsd.users"),
        "[watch]\n  password = watchpw\n  upsmon primary\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("upsmon.conf"),
        format!(
            "MONITOR lab0@127.0.0.1:{port} 1 watch watchpw primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/bin/true\"\nPOWERDOWNFLAG {}\nPOLLFREQ 1\nPOLLFREQALERT 1\nDEADTIME 3\n",
            run.join("killpower").display()
        ),
    )
    .unwrap();
    let _ = Command::new("chown")
        .args(["-R", "root:nut"])
        .arg(&etc)
        .arg(&run)
        .status();
    let _ = Command::new("chmod").arg("770").arg(&run).status();
    for f in std::fs::read_dir(&etc).unwrap().flatten() {
        let _ = Command::new("chmod").arg("640").arg(f.path()).status();
    }

    let mut g = Guard {
        children: Vec::new(),
        upsmon_pid: None,
    };
    g.children.push((
        "driver",
        spawn(DUMMY, &["-F", "-a", "lab0", "-u", "root"], &etc, &run),
    ));
    g.children
        .push(("upsd", spawn(UPSD, &["-F", "-u", "root"], &etc, &run)));
    assert!(
        wait_for(Duration::from_secs(10), || answers(port)),
        "upsd never answered"
    );

    let mut mon = Command::new(UPSMON)
        .args(["-D", "-p"])
        .env("NUT_CONFPATH", &etc)
        .env("NUT_STATEPATH", &run)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    g.upsmon_pid = Some(mon.id());
    let out = Arc::new(Mutex::new(String::new()));
    let mut readers = Vec::new();
    for stream in [
        mon.stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        mon.stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let out = Arc::clone(&out);
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut o = out.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        }));
    }
    g.children.push(("upsmon", mon));
    let seen = |s: &str| out.lock().unwrap().contains(s);
    assert!(
        wait_for(Duration::from_secs(8), || seen("Logged into UPS")),
        "upsmon did not log in:\n{}",
        out.lock().unwrap()
    );

    g.kill("upsd");
    assert!(
        wait_for(Duration::from_secs(8), || seen("Communications with UPS")
            && seen("lost")),
        "upsmon did not notice upsd going away:\n{}",
        out.lock().unwrap()
    );
    g.children
        .push(("upsd", spawn(UPSD, &["-F", "-u", "root"], &etc, &run)));
    assert!(
        wait_for(Duration::from_secs(12), || seen("established")),
        "upsmon did not reconnect:\n{}",
        out.lock().unwrap()
    );
    // While upsmon is logged in: the whole-host gather of `doctor`, against this lab.
    let facts_live = gather_lab(&etc);
    g.kill("upsmon");
    for r in readers {
        let _ = r.join();
    }
    let text = out.lock().unwrap().clone();
    drop(g);
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
}
