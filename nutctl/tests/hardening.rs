//! A clumsy user or an attacker at the command line: FIFOs, devices and huge files as file
//! arguments, absurd numbers, a planted demo directory. Each case must end quickly with a clear
//! error (the timeout lives only in this harness: a hang fails the test after 20 s) and bounded
//! memory (the child runs under a 2 GiB address-space limit: reading /dev/zero would hit it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Runs nutctl under a 2 GiB address-space limit (prlimit(1), util-linux, when installed), killed
/// after 20 s (a hang fails the test).
fn run_bounded(args: &[&str]) -> Output {
    let exe = env!("CARGO_BIN_EXE_nutctl");
    let mut c = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.args(["--as=2147483648", "--", exe]);
        c
    } else {
        Command::new(exe)
    };
    let child = c
        .env_remove("NO_COLOR")
        .env("NUT_CONFPATH", "/nonexistent-nutctl-test")
        .env(PW_ENV, ADMIN_PW)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nutctl");
    let pid = child.id();
    let t = Instant::now();
    // A watchdog thread: kill the child by PID if it hangs.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let dog = std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(20)).is_err() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    });
    let out = child.wait_with_output().expect("wait");
    let _ = tx.send(());
    let _ = dog.join();
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "nutctl {args:?} hung: {}",
        stderr(&out)
    );
    out
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
    assert!(ok, "mkfifo {}", p.display());
}

/// A temp dir with a FIFO, a 5 MiB file and a link to /dev/zero.
struct Hostile {
    dir: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let dir = tempfile::tempdir().unwrap();
        mkfifo(&dir.path().join("fifo"));
        let f = std::fs::File::create(dir.path().join("huge")).unwrap();
        f.set_len(5 * 1024 * 1024).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        Hostile { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn files(&self) -> [(PathBuf, &'static str); 4] {
        [
            (self.path("fifo"), "FIFO"),
            (PathBuf::from("/dev/zero"), "character device"),
            (self.path("zero"), "character device"),
            (self.path("huge"), "larger than"),
        ]
    }
}

fn assert_refused(o: &Output, path: &Path, what: &str) {
    let err = stderr(o) + &stdout(o);
    assert_ne!(code(o), 0, "{err}");
    assert!(
        err.contains(&path.display().to_string()) && err.contains(what),
        "expected an error naming {} ({what}): {err}",
        path.display()
    );
}

#[test]
fn serve_dev_refuses_fifos_devices_and_huge_files() {
    let h = Hostile::new();
    for (p, what) in h.files() {
        let o = run_bounded(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dev",
            p.to_str().unwrap(),
        ]);
        assert_refused(&o, &p, what);
    }
}

#[test]
fn password_file_refuses_fifos_and_devices() {
    let h = Hostile::new();
    let dev = data_file(DEV);
    for (p, what) in h.files() {
        let what = if what == "larger than" {
            "64 KiB"
        } else {
            what
        };
        let o = run_bounded(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dev",
            dev.to_str().unwrap(),
            "--user",
            "admin",
            "--password-file",
            p.to_str().unwrap(),
        ]);
        assert_refused(&o, &p, what);
    }
}

#[test]
fn log_files_refuse_fifos_and_devices() {
    let h = Hostile::new();
    for (p, what) in h.files().into_iter().take(3) {
        let o = run_bounded(&["logs", p.to_str().unwrap()]);
        assert_refused(&o, &p, what);
        let o = run_bounded(&["logs", "--follow", "--duration", "1", p.to_str().unwrap()]);
        assert_refused(&o, &p, what);
    }
}

/// Every command that reads the config directory, with a FIFO as upsmon.conf and /dev/zero as
/// ups.conf: no hang, and the file is reported unreadable where the command shows files.
#[test]
fn config_dir_fifo_and_device_do_not_hang_any_command() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("upsmon.conf"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("ups.conf")).unwrap();
    std::fs::write(dir.path().join("nut.conf"), "MODE=netserver\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let o = run_bounded(&["config", "check", "--confdir", d]);
    assert_eq!(code(&o), 3, "unreadable: {}", stdout(&o));
    assert!(stdout(&o).contains("FIFO"), "{}", stdout(&o));
    assert!(stdout(&o).contains("character device"), "{}", stdout(&o));
    for args in [
        vec!["config", "show", "--confdir", d],
        vec!["doctor", "--confdir", d, "--timeout", "1"],
        vec!["mode", "--confdir", d],
        vec!["map", "--confdir", d, "--timeout", "1"],
        vec!["status", "--confdir", d, "--timeout", "1"],
    ] {
        let o = run_bounded(&args);
        assert!(o.status.code().is_some(), "{args:?} died: {}", stderr(&o));
        assert_ne!(code(&o), 101, "{args:?} panicked: {}", stderr(&o));
    }
}

#[test]
fn absurd_numbers_are_argument_errors_not_panics() {
    let dev = data_file(DEV);
    let dev = dev.to_str().unwrap();
    for args in [
        vec!["watch", "ups@127.0.0.1:1", "--duration", "1e300"],
        vec!["logs", "-", "--follow", "--duration", "1e19"],
        vec!["serve", "--dev", dev, "--exit-after", "1e300"],
        vec!["serve", "--dev", dev, "--cycle", "OL,OB", "--step", "1e300"],
        vec!["watch", "ups@127.0.0.1:1", "--interval=-3"],
        vec!["status", "ups@127.0.0.1:1", "--timeout", "NaN"],
        vec!["demo", "--pace", "99999999999"],
    ] {
        let o = run_bounded(&args);
        assert_eq!(
            code(&o),
            3,
            "usage error (UNKNOWN): {args:?}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains("invalid value"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

fn tls_data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nut-proto/tests/data")
        .join(name)
        .display()
        .to_string()
}

/// `serve --tls-cert --tls-key`: a client that asks for STARTTLS and verifies the certificate reads
/// the UPS over TLS; without the certificate options STARTTLS is refused and the client says so.
#[test]
fn serve_with_a_certificate_answers_starttls() {
    let s = Serve::start_with(&[
        "--tls-cert",
        &tls_data("client-tls-server.pem"),
        "--tls-key",
        &tls_data("client-tls-server.key"),
    ]);
    let o = run(&[
        "status",
        "--raw",
        "--cafile",
        &tls_data("client-tls-ca.pem"),
        "--tls-server-name",
        "localhost",
        &s.target(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ups.status: OL"), "{}", stdout(&o));
    let plain = Serve::start();
    let o = run(&[
        "status",
        "--raw",
        "--cafile",
        &tls_data("client-tls-ca.pem"),
        &plain.target(),
    ]);
    assert_ne!(code(&o), 0, "STARTTLS must fail: {}", stdout(&o));
}

#[test]
fn serve_refuses_a_key_that_is_not_a_key() {
    let dev = data_file(DEV);
    let o = run_bounded(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--dev",
        dev.to_str().unwrap(),
        "--tls-cert",
        &tls_data("client-tls-server.pem"),
        "--tls-key",
        &tls_data("client-tls-ca.pem"),
    ]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("key"), "{}", stderr(&o));
}

/// The old demo wrote `$TMPDIR/nutctl-demo-<pid>/nut.conf` through whatever was there. Plant that
/// directory, with a link to a victim file, for each of the next 3 000 PIDs (the demo's PID is among
/// them unless the machine forks 3 000 processes meanwhile), then run the demo: the victim is
/// untouched, and the demo leaves no directory of its own behind.
#[test]
fn demo_never_writes_through_a_planted_link() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    let planted: Vec<PathBuf> = (last + 1..last + 3000)
        .map(|pid| tmp.path().join(format!("nutctl-demo-{pid}")))
        .collect();
    for d in &planted {
        std::fs::create_dir(d).unwrap();
        std::os::unix::fs::symlink(&victim, d.join("nut.conf")).unwrap();
        std::os::unix::fs::symlink(&victim, d.join("upsmon.conf")).unwrap();
    }
    let o = nutctl()
        .env("TMPDIR", tmp.path())
        .args(["demo", "--pace", "0"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("part 4"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &victim && !planted.contains(p))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A hostile NUT server on loopback: answers every request from a fixed table whose values carry
/// terminal escape sequences (OSC title, clear screen, BEL) and `status` as given (may hold a NUL).
fn hostile_server(status: &'static [u8]) -> u16 {
    use std::io::{BufRead, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(64) {
            let Ok(s) = s else { continue };
            std::thread::spawn(move || {
                let mut w = s.try_clone().unwrap();
                for line in std::io::BufReader::new(s).split(b'\n') {
                    let Ok(line) = line else { return };
                    let mut reply: Vec<u8> = match line.as_slice() {
                        b"GET VAR es ups.status" => b"VAR es ups.status \"".to_vec(),
                        b"LIST VAR es" => b"BEGIN LIST VAR es\nVAR es ups.status \"".to_vec(),
                        b"LIST UPS" => {
                            b"BEGIN LIST UPS\nUPS es \"desc\x1b]0;owned\x07\"\nEND LIST UPS\n"
                                .to_vec()
                        }
                        b"GET UPSDESC es" => b"UPSDESC es \"\x1b]0;owned\x07\"\n".to_vec(),
                        b"LOGOUT" => b"OK Goodbye\n".to_vec(),
                        _ => b"ERR UNKNOWN-COMMAND\n".to_vec(),
                    };
                    if reply.ends_with(b"\"") {
                        reply.extend_from_slice(status);
                        reply.extend_from_slice(b"\"\n");
                        if line.starts_with(b"LIST") {
                            reply.extend_from_slice(
                                b"VAR es ups.model \"\x1b[2Jevil\x1b[8m\"\nEND LIST VAR es\n",
                            );
                        }
                    }
                    if w.write_all(&reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn assert_no_raw_escape(o: &Output, what: &str) {
    for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert!(
            !bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == 0),
            "{what}: raw control character on {name}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// ANSI/OSC payloads from a server (status, model, UPS description, a user name in an error) and
/// from a log file are shown escaped in every text mode; JSON keeps the exact value.
#[test]
fn terminal_escapes_never_reach_the_terminal_raw() {
    let port = hostile_server(b"OL\x1b]0;pwned\x07");
    let t = format!("es@127.0.0.1:{port}");
    for args in [
        vec!["status", t.as_str()],
        vec!["status", "--raw", t.as_str()],
        vec!["list", &t[3..]],
        vec!["check", t.as_str()],
    ] {
        let o = run_bounded(&args);
        assert_no_raw_escape(&o, &format!("{args:?}"));
        let all = stdout(&o) + &stderr(&o);
        assert!(all.contains("\\x1b"), "{args:?}: escaped form shown: {all}");
    }
    let o = run_bounded(&["status", "--raw", "--json", t.as_str()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["ups.status"], "OL\u{1b}]0;pwned\u{7}",
        "JSON keeps the value"
    );
    assert_eq!(v["ups.model"], "\u{1b}[2Jevil\u{1b}[8m");

    // A user name in an error message.
    let o = run_bounded(&[
        "set",
        t.as_str(),
        "ups.status",
        "x",
        "--user",
        "u\x1b]0;user\x07",
        "--password-env",
        PW_ENV,
    ]);
    assert_no_raw_escape(&o, "set with an escape in the user name");

    // A log file.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("syslog");
    std::fs::write(
        &log,
        b"Dec  1 10:00:00 host upsmon[12]: UPS es@localhost on battery\x1b]0;log\x07\n\
          Dec  1 10:00:05 host upsmon[12]: \x1b[2J\x1b[8mnot a known message\n",
    )
    .unwrap();
    let o = run_bounded(&["logs", log.to_str().unwrap()]);
    assert_no_raw_escape(&o, "logs FILE");
}

/// `check` must not call a status with a NUL in it "ok": that answer is a protocol anomaly.
#[test]
fn check_reports_a_control_character_in_the_status() {
    let port = hostile_server(b"O\0L");
    let o = run_bounded(&["check", &format!("es@127.0.0.1:{port}")]);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("protocol anomaly"), "{}", stdout(&o));
    assert_no_raw_escape(&o, "check");
}

/// A server that answers `LIST VAR es` with `ERR DATA-STALE` the first `stale` times, then with a
/// normal list; counts the LIST requests.
fn stale_then_ok_server(stale: usize) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let lists = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&lists);
    std::thread::spawn(move || {
        for s in l.incoming().take(500) {
            let Ok(s) = s else { continue };
            let counter = std::sync::Arc::clone(&counter);
            std::thread::spawn(move || {
                let mut w = s.try_clone().unwrap();
                for line in std::io::BufReader::new(s).split(b'\n') {
                    let Ok(line) = line else { return };
                    let reply: &[u8] = if line.starts_with(b"LIST VAR") {
                        if counter.fetch_add(1, Ordering::SeqCst) < stale {
                            b"ERR DATA-STALE\n"
                        } else {
                            b"BEGIN LIST VAR es\nVAR es ups.status \"OL\"\nEND LIST VAR es\n"
                        }
                    } else if line.starts_with(b"LOGOUT") {
                        b"OK Goodbye\n"
                    } else {
                        b"ERR UNKNOWN-COMMAND\n"
                    };
                    if w.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, lists)
}

/// DATA-STALE is an answer, not a lost connection: watch keeps its interval (no backoff to 30 s),
/// so the recovery after it shows up within a poll or two.
#[test]
fn watch_keeps_polling_while_the_server_answers_errors() {
    let (port, lists) = stale_then_ok_server(6);
    let o = run_bounded(&[
        "watch",
        &format!("es@127.0.0.1:{port}"),
        "--interval",
        "0.1",
        "--duration",
        "2",
    ]);
    let n = lists.load(std::sync::atomic::Ordering::SeqCst);
    // With backoff (0.1, 0.2, 0.4, 0.8 s…) six stale answers alone take 6.3 s.
    assert!(n >= 10, "only {n} polls in 2 s: {}", stdout(&o));
    assert!(
        stdout(&o).contains("readable again"),
        "recovery seen: {}",
        stdout(&o)
    );
    assert!(
        !stdout(&o).contains("reconnecting"),
        "an answer is no lost connection: {}",
        stdout(&o)
    );
}

/// `logs --follow` across a rotation to a bigger file and a deletion: the line after the rotation
/// is read (the old size check skipped it), each change is noted once.
#[test]
fn logs_follow_survives_rotation_to_a_bigger_file_and_deletion() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("syslog");
    std::fs::write(
        &path,
        "Nov 26 15:20:01 nas upsmon[812]: UPS ups@nas on battery\n",
    )
    .unwrap();
    let mut child = nutctl()
        .args(["logs", "--follow", "--duration", "4"])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("following") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0);
    }
    // The new file is bigger than the old one already: a size check alone sees nothing.
    let staged = dir.path().join("staged");
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!(
            "Nov 26 15:21:{i:02} nas upsd[700]: unrelated line {i}\n"
        ));
    }
    text.push_str("Nov 26 15:22:01 nas upsmon[812]: UPS ups@nas on line power\n");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&path, dir.path().join("syslog.1")).unwrap();
    std::fs::rename(&staged, &path).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    std::fs::remove_file(&path).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let _ = child.wait();
    assert!(rest.contains("UPS ups@nas on line power"), "{rest}");
    assert!(
        rest.contains("== episode ended: power    ups@nas"),
        "{rest}"
    );
    assert_eq!(rest.matches("was rotated").count(), 1, "{rest}");
    assert_eq!(rest.matches("was deleted").count(), 1, "{rest}");
}

/// The real upsmon 2.8 (NSS) against `serve --tls-cert --tls-key`: FORCESSL + CERTVERIFY with an NSS
/// database holding the test CA; upsmon must say the handshake verified and log in (LIST CLIENT
/// shows it). Skipped without NUT's upsmon, root or certutil (libnss3-tools); ~3 s.
#[test]
fn real_upsmon_logs_in_over_starttls_to_serve() {
    if !nut_lab::upsmon_available() {
        return;
    }
    if !Path::new("/usr/bin/certutil").exists() {
        println!("skipped: no certutil (libnss3-tools)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nss = dir.path().join("nss");
    std::fs::create_dir(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let ok = Command::new("certutil")
        .args(["-N", "-d", &db, "--empty-password"])
        .status()
        .unwrap()
        .success()
        && Command::new("certutil")
            .args(["-A", "-d", &db, "-n", "nutca", "-t", "CT,C,C", "-a", "-i"])
            .arg(tls_data("client-tls-ca.pem"))
            .status()
            .unwrap()
            .success();
    assert!(ok, "certutil");
    let s = Serve::start_with(&[
        "--tls-cert",
        &tls_data("client-tls-server.pem"),
        "--tls-key",
        &tls_data("client-tls-server.key"),
    ]);
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    std::fs::write(etc.join("nut.conf"), "MODE=netserver\n").unwrap();
    let conf = etc.join("upsmon.conf");
    std::fs::write(
        &conf,
        format!(
            "MONITOR es@localhost:{} 1 {ADMIN} {ADMIN_PW} primary\nMINSUPPLIES 1\n\
             SHUTDOWNCMD \"/bin/true\"\nPOWERDOWNFLAG {}/killpower\nPOLLFREQ 1\nDEADTIME 3\n\
             CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
            s.port,
            dir.path().display(),
            nss.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::create_dir_all("/run/nut").unwrap();
    let mut mon = Command::new(nut_lab::UPSMON)
        .args(["-D", "-p"])
        .env("NUT_CONFPATH", &etc)
        .env("NUT_STATEPATH", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let logged_in = nut_lab::wait_for(Duration::from_secs(10), || {
        stdout(&run(&["clients", &s.target()])).contains("127.0.0.1")
    });
    let _ = mon.kill();
    let out = mon.wait_with_output().unwrap();
    let _ = std::fs::remove_file(nut_lab::UPSMON_PIDFILE);
    let text = stdout(&out) + &stderr(&out);
    assert!(logged_in.is_some(), "upsmon never logged in: {text}");
    assert!(
        text.contains("Intend to authenticate server localhost : SUCCESS"),
        "{text}"
    );
    assert!(
        text.contains("Connected to NUT server localhost in SSL"),
        "{text}"
    );
}
