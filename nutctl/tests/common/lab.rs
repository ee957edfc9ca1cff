//! A real NUT stack for integration tests: Debian's `dummy-ups` drivers and `upsd`, in a temp dir, on a
//! free loopback port. The recipe of nut-proto/tests/common/lab.rs (itself that of
//! `../shared/tools/nutlab.sh`), in Rust so each test owns its
//! processes: they run in the foreground (`-F`) as children of the test, and [`Lab`]'s `Drop` kills them
//! by PID and removes the directory.
//!
//! Users (upsd.users): `admin` / `adm pw` (`actions = SET FSD`, `instcmds = ALL`) and `mon` / `monpw`
//! (`upsmon primary`). UPS names are `lab0`, `lab1`, … in the order of the `.dev` files given.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian installs the daemons.
pub const UPSD: &str = "/lib/nut/upsd";
/// The dummy driver.
pub const DUMMY_UPS: &str = "/lib/nut/dummy-ups";

/// Admin user with SET, FSD and every instant command.
pub const ADMIN: (&str, &str) = ("admin", "adm pw");
/// upsmon primary user.
pub const MON: (&str, &str) = ("mon", "monpw");

/// True when real NUT is installed. When it is not: prints the skip message and returns false, except
/// under `CI=true`, where it panics (the tests must run there).
pub fn nut_available() -> bool {
    if Path::new(UPSD).exists() && Path::new(DUMMY_UPS).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but NUT is not installed ({UPSD}, {DUMMY_UPS}); install nut-server");
    }
    println!("skipped: no NUT installed");
    false
}

/// A `.dev` file shipped in nutctl's `data/` (sources in `data/SOURCES.md`).
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// A running lab.
pub struct Lab {
    /// Loopback port upsd listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    drivers: Vec<Option<Child>>,
    upsd: Option<Child>,
}

/// Settings for [`Lab::start`].
pub struct LabConfig<'a> {
    /// `.dev` files from `data/`, one UPS each.
    pub devs: &'a [&'a str],
    /// upsd.conf `MAXAGE` (seconds before DATA-STALE); upsd's default 15 when `None`.
    pub maxage: Option<u32>,
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

impl Lab {
    /// Starts the drivers and upsd and waits until every UPS answers with a real status (not `WAIT`).
    /// `None` when NUT is not installed (and not in CI).
    pub fn start(cfg: LabConfig<'_>) -> Option<Lab> {
        if !nut_available() {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("nutctl-lab.")
            .tempdir()
            .expect("temp dir");
        let etc = dir.path().join("etc");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::create_dir_all(&run).unwrap();
        let mut ups_conf = String::new();
        for (i, dev) in cfg.devs.iter().enumerate() {
            std::fs::copy(data_file(dev), etc.join(format!("lab{i}.dev"))).unwrap();
            ups_conf.push_str(&format!(
                "[lab{i}]\n  driver = dummy-ups\n  port = lab{i}.dev\n  desc = \"lab {i}\"\n"
            ));
        }
        std::fs::write(etc.join("ups.conf"), ups_conf).unwrap();
        let port = free_port();
        let mut upsd_conf = format!("LISTEN 127.0.0.1 {port}\n");
        if let Some(m) = cfg.maxage {
            upsd_conf.push_str(&format!("MAXAGE {m}\n"));
        }
        std::fs::write(etc.join("upsd.conf"), upsd_conf).unwrap();
        std::fs::write(
            etc.join("upsd.users"),
            format!(
                "[{}]\n  password = \"{}\"\n  actions = SET FSD\n  instcmds = ALL\n[{}]\n  password = {}\n  upsmon primary\n",
                ADMIN.0, ADMIN.1, MON.0, MON.1
            ),
        )
        .unwrap();
        let root = is_root();
        if root {
            // The recipe of nutlab.sh: config readable by group nut, state dir writable.
            let _ = Command::new("chown")
                .args(["-R", "root:nut"])
                .arg(&etc)
                .arg(&run)
                .status();
        }
        let _ = Command::new("chmod").arg("770").arg(&run).status();
        for f in std::fs::read_dir(&etc).unwrap().flatten() {
            let _ = Command::new("chmod").arg("640").arg(f.path()).status();
        }

        let mut lab = Lab {
            port,
            dir,
            drivers: Vec::new(),
            upsd: None,
        };
        for i in 0..cfg.devs.len() {
            let name = format!("lab{i}");
            let child = lab.spawn(
                DUMMY_UPS,
                &["-a", &name],
                &format!("driver-{name}.log"),
                root,
            );
            lab.drivers.push(Some(child));
            // upsd retries missing driver sockets only slowly: wait for the socket first.
            let sock = lab.run_dir().join(format!("dummy-ups-{name}"));
            wait_for(Duration::from_secs(10), || sock.exists())
                .unwrap_or_else(|| panic!("driver {name} did not create {}", sock.display()));
        }
        lab.upsd = Some(lab.spawn(UPSD, &[], "upsd.log", root));
        for i in 0..cfg.devs.len() {
            let ups = format!("lab{i}");
            let ok = wait_for(
                Duration::from_secs(15),
                || matches!(lab.raw(&format!("GET VAR {ups} ups.status")), Ok(l) if l.starts_with("VAR ") && !l.ends_with("\"WAIT\"")),
            );
            if ok.is_none() {
                panic!(
                    "lab never became ready for {ups}; upsd log:\n{}",
                    std::fs::read_to_string(lab.dir.path().join("upsd.log")).unwrap_or_default()
                );
            }
        }
        Some(lab)
    }

    fn spawn(&self, prog: &str, args: &[&str], log: &str, root: bool) -> Child {
        let log = std::fs::File::create(self.dir.path().join(log)).unwrap();
        let mut cmd = Command::new(prog);
        cmd.arg("-F").args(args);
        if root {
            cmd.args(["-u", "root"]);
        }
        cmd.env("NUT_CONFPATH", self.dir.path().join("etc"))
            .env("NUT_STATEPATH", self.run_dir())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {prog}: {e}"))
    }

    fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// One request over a fresh plain socket, one reply line: an oracle independent of the client.
    pub fn raw(&self, request: &str) -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(format!("{request}\n").as_bytes())?;
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line)?;
        Ok(line.trim_end().to_string())
    }

    /// `ups@127.0.0.1:port` for UPS number `i`.
    pub fn target(&self, i: usize) -> nut_proto::Target {
        nut_proto::Target::new(format!("lab{i}"), "127.0.0.1", self.port)
    }

    fn driver_pid(&self, i: usize) -> u32 {
        self.drivers[i].as_ref().expect("driver running").id()
    }

    fn signal(pid: u32, sig: &str) {
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(st.success(), "kill -{sig} {pid} failed");
    }

    /// Freezes driver `i` (SIGSTOP): upsd keeps its socket but gets no data, so after MAXAGE it answers
    /// `ERR DATA-STALE`.
    pub fn freeze_driver(&self, i: usize) {
        Self::signal(self.driver_pid(i), "STOP");
    }

    /// Resumes a frozen driver.
    pub fn thaw_driver(&self, i: usize) {
        Self::signal(self.driver_pid(i), "CONT");
    }

    /// Kills driver `i` (by PID): upsd then answers `ERR DRIVER-NOT-CONNECTED`.
    pub fn kill_driver(&mut self, i: usize) {
        if let Some(mut c) = self.drivers[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops upsd now (connection refused afterwards).
    pub fn stop_upsd(&mut self) {
        if let Some(mut c) = self.upsd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop_upsd();
        for i in 0..self.drivers.len() {
            // SIGKILL also ends a SIGSTOPped process.
            self.kill_driver(i);
        }
        // The TempDir removes the directory.
    }
}

/// Polls `f` every 50 ms until it holds or `limit` passes. `Some(())` when it held.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> Option<()> {
    let step = Duration::from_millis(50);
    let rounds = (limit.as_millis() / step.as_millis()).max(1);
    for _ in 0..rounds {
        if f() {
            return Some(());
        }
        std::thread::sleep(step);
    }
    None
}
