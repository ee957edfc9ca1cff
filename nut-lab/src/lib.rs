//! A real NUT stack for tests and benches: Debian's `dummy-ups` drivers and `upsd` (and, on request, a
//! real `upsmon`) in a temp dir, on a free loopback port. The recipe of `../shared/tools/nutlab.sh` in
//! Rust, so each test owns its processes: they run in the foreground as its children and [`Lab`]'s
//! `Drop` kills them by PID and removes the directory.
//!
//! This crate is a test tool, never a dependency of a library's non-dev code: [`Lab::start`] panics
//! when a lab that should come up does not (that is a test failure, with upsd's log in the message);
//! [`Lab::try_start`] returns the error instead, for benchmarks that measure what they can.
//!
//! Default users (upsd.users): [`ADMIN`] (`actions = SET FSD`, `instcmds = ALL`) and [`MON`]
//! (`upsmon primary`). UPSes given by [`LabConfig::dev_file`] are named `lab0`, `lab1`, … in order.
#![deny(missing_docs)]

pub mod host;

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where Debian installs upsd.
pub const UPSD: &str = "/lib/nut/upsd";
/// The dummy driver, which serves a `.dev` file.
pub const DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The monitor, for tests of what it logs.
pub const UPSMON: &str = "/lib/nut/upsmon";
/// upsmon always writes this pid file and refuses to start while another instance holds it.
pub const UPSMON_PIDFILE: &str = "/run/nut/upsmon.pid";

/// Admin user with SET, FSD and every instant command (the password has a space on purpose).
pub const ADMIN: (&str, &str) = ("admin", "adm pw");
/// upsmon primary user.
pub const MON: (&str, &str) = ("mon", "monpw");

/// How long a driver may take to create its socket, and upsd to serve a real status. Generous: the
/// machines running the tests are often loaded (fuzzers, parallel test binaries).
const READY: Duration = Duration::from_secs(30);

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// True when `upsd` and `dummy-ups` are installed; no output. For benchmarks, which skip quietly.
pub fn installed() -> bool {
    Path::new(UPSD).exists() && Path::new(DUMMY_UPS).exists()
}

/// The skip rule of every real-NUT test: true when NUT is installed; otherwise prints
/// `skipped: no NUT installed` and returns false, except under `CI=true`, where it panics (the tests
/// must run there).
pub fn nut_available() -> bool {
    if installed() {
        return true;
    }
    if in_ci() {
        panic!("CI=true but NUT is not installed ({UPSD}, {DUMMY_UPS}); install nut-server");
    }
    println!("skipped: no NUT installed");
    false
}

/// Whether a test may start a real upsmon here: NUT with upsmon installed (the skip rule of
/// [`nut_available`]), root (upsmon writes [`UPSMON_PIDFILE`]) and no upsmon already running (never
/// disturb one). Prints why not.
pub fn upsmon_available() -> bool {
    if !nut_available() {
        return false;
    }
    if !Path::new(UPSMON).exists() {
        if in_ci() {
            panic!("CI=true but {UPSMON} is not installed; install nut-client");
        }
        println!("skipped: no NUT installed ({UPSMON})");
        return false;
    }
    if !is_root() {
        println!("skipped: upsmon needs root to write {UPSMON_PIDFILE}");
        return false;
    }
    if upsmon_running() {
        println!("skipped: an upsmon is already running ({UPSMON_PIDFILE})");
        return false;
    }
    true
}

/// True while a live process holds upsmon's pid file.
pub fn upsmon_running() -> bool {
    std::fs::read_to_string(UPSMON_PIDFILE)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// A loopback TCP port that refuses connections for as long as this process runs.
///
/// The port is bound by a socket that never listens, and that socket is kept open (leaked) on
/// purpose: a port that was bound and released can be taken by another test's server in the
/// meantime, and the "refused" test then talks to that server instead.
pub fn closed_port() -> u16 {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .expect("a TCP socket");
    let any: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    s.bind(&any.into()).expect("bind 127.0.0.1:0");
    let port = s
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.port())
        .expect("a bound port");
    std::mem::forget(s);
    port
}

/// Polls `f` every 50 ms until it holds or `limit` passes; `Some(())` when it held. Every wait in a
/// test is bounded by one of these.
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

/// The certificate upsd presents for STARTTLS. Debian's upsd is an NSS build, so [`Lab::start`] puts
/// these PEM files into an NSS database (needs `openssl`, `certutil`, `pk12util`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Server certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The CA that signed it (PEM), trusted in the database too.
    pub ca: PathBuf,
}

#[derive(Debug, Clone)]
enum Dev {
    File(PathBuf),
    Text(Vec<u8>),
}

/// What a lab serves and how upsd is configured; build with the methods, start with [`Lab::start`].
#[derive(Debug, Clone, Default)]
pub struct LabConfig {
    /// (name, description, contents) per UPS.
    upses: Vec<(String, String, Dev)>,
    maxage: Option<u32>,
    upsd_conf: String,
    users: Option<String>,
    files: Vec<(String, String)>,
    tls: Option<TlsFiles>,
    prefix: Option<String>,
}

impl LabConfig {
    /// An empty lab (upsd with no UPS); add UPSes with [`dev_file`](Self::dev_file) or
    /// [`ups`](Self::ups).
    pub fn new() -> Self {
        Self::default()
    }

    /// One UPS served by dummy-ups from the `.dev` file at `path`, named `lab<N>` and described as
    /// `lab <N>` (N = how many UPSes were added before it).
    pub fn dev_file(mut self, path: impl Into<PathBuf>) -> Self {
        let n = self.upses.len();
        self.upses.push((
            format!("lab{n}"),
            format!("lab {n}"),
            Dev::File(path.into()),
        ));
        self
    }

    /// One UPS named `name` (described as `lab <name>`) whose `.dev` contents are `dev`, so a test
    /// serves exactly what it wants.
    pub fn ups(mut self, name: &str, dev: impl Into<Vec<u8>>) -> Self {
        self.upses.push((
            name.to_string(),
            format!("lab {name}"),
            Dev::Text(dev.into()),
        ));
        self
    }

    /// upsd.conf `MAXAGE` (seconds before `ERR DATA-STALE`); upsd's default 15 otherwise.
    pub fn maxage(mut self, secs: u32) -> Self {
        self.maxage = Some(secs);
        self
    }

    /// One more upsd.conf line (after `LISTEN`), for settings the other methods do not cover.
    pub fn upsd_conf(mut self, line: &str) -> Self {
        self.upsd_conf.push_str(line.trim_end());
        self.upsd_conf.push('\n');
        self
    }

    /// The whole upsd.users text, replacing the default [`ADMIN`] and [`MON`] users.
    pub fn users(mut self, text: &str) -> Self {
        self.users = Some(text.to_string());
        self
    }

    /// Another file in the config dir (e.g. `nut.conf`), for tools that read the whole directory.
    pub fn etc_file(mut self, name: &str, text: &str) -> Self {
        self.files.push((name.to_string(), text.to_string()));
        self
    }

    /// Gives upsd a certificate so STARTTLS succeeds.
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// The temp dir's name prefix (default `nut-lab.`), to tell labs apart in `/tmp`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_string());
        self
    }
}

/// Why a lab did not start: a missing optional tool (skip) or a real failure.
enum Failure {
    Skip(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

fn other(msg: String) -> Failure {
    Failure::Io(std::io::Error::other(msg))
}

/// A running lab: the drivers and upsd, killed by PID (and the directory removed) on drop.
pub struct Lab {
    /// Loopback port upsd listens on (127.0.0.1).
    pub port: u16,
    dir: tempfile::TempDir,
    names: Vec<String>,
    drivers: Vec<Option<Child>>,
    upsd: Option<Child>,
    root: bool,
}

impl Lab {
    /// Starts the drivers and upsd and waits until every UPS answers with a real status (not `WAIT`).
    /// `None` when NUT is not installed (the skip rule of [`nut_available`]) or, with a skip message,
    /// when the TLS tools are missing. Panics when the lab does not come up.
    pub fn start(cfg: LabConfig) -> Option<Lab> {
        if !nut_available() {
            return None;
        }
        match Self::launch(cfg) {
            Ok(lab) => Some(lab),
            Err(Failure::Skip(why)) => {
                println!("skipped: {why}");
                None
            }
            Err(Failure::Io(e)) => panic!("the NUT lab did not start: {e}"),
        }
    }

    /// Same as [`start`](Self::start) without the skip rule and without panicking: any reason the lab
    /// is not running is an error (benchmarks print it and measure the rest).
    pub fn try_start(cfg: LabConfig) -> std::io::Result<Lab> {
        if !installed() {
            return Err(std::io::Error::other(format!(
                "no NUT installed ({UPSD}, {DUMMY_UPS})"
            )));
        }
        Self::launch(cfg).map_err(|f| match f {
            Failure::Skip(why) => std::io::Error::other(why),
            Failure::Io(e) => e,
        })
    }

    fn launch(cfg: LabConfig) -> Result<Lab, Failure> {
        let dir = tempfile::Builder::new()
            .prefix(cfg.prefix.as_deref().unwrap_or("nut-lab."))
            .tempdir()?;
        let etc = dir.path().join("etc");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&etc)?;
        std::fs::create_dir_all(&run)?;
        let mut ups_conf = String::new();
        for (name, desc, dev) in &cfg.upses {
            let to = etc.join(format!("{name}.dev"));
            match dev {
                Dev::File(p) => {
                    std::fs::copy(p, &to)
                        .map_err(|e| other(format!("copy {}: {e}", p.display())))?;
                }
                Dev::Text(t) => std::fs::write(&to, t)?,
            }
            ups_conf.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {name}.dev\n  desc = \"{desc}\"\n"
            ));
        }
        std::fs::write(etc.join("ups.conf"), ups_conf)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut upsd_conf = format!("LISTEN 127.0.0.1 {port}\n");
        if let Some(m) = cfg.maxage {
            upsd_conf.push_str(&format!("MAXAGE {m}\n"));
        }
        upsd_conf.push_str(&cfg.upsd_conf);
        if let Some(tls) = &cfg.tls {
            upsd_conf.push_str(&nss_db(dir.path(), tls)?);
        }
        std::fs::write(etc.join("upsd.conf"), upsd_conf)?;
        let users = cfg.users.clone().unwrap_or_else(|| {
            format!(
                "[{}]\n  password = \"{}\"\n  actions = SET FSD\n  instcmds = ALL\n[{}]\n  password = {}\n  upsmon primary\n",
                ADMIN.0, ADMIN.1, MON.0, MON.1
            )
        });
        std::fs::write(etc.join("upsd.users"), users)?;
        for (name, text) in &cfg.files {
            std::fs::write(etc.join(name), text)?;
        }
        let root = is_root();
        let _ = Command::new("chmod").arg("770").arg(&run).status();
        let mut lab = Lab {
            port,
            dir,
            names: cfg.upses.iter().map(|(n, _, _)| n.clone()).collect(),
            drivers: Vec::new(),
            upsd: None,
            root,
        };
        lab.protect_etc()?;
        for name in lab.names.clone() {
            let child = lab.spawn(DUMMY_UPS, &["-a", &name], &format!("driver-{name}.log"))?;
            lab.drivers.push(Some(child));
            // upsd retries missing driver sockets only slowly: wait for the socket first.
            let sock = lab.run_dir().join(format!("dummy-ups-{name}"));
            if wait_for(READY, || sock.exists()).is_none() {
                return Err(other(format!(
                    "driver {name} did not create {}; its log:\n{}",
                    sock.display(),
                    lab.log(&format!("driver-{name}.log"))
                )));
            }
        }
        // The port was free when picked, but a parallel test may take it before upsd binds it
        // ("not listening on …"): then pick another one, a few times.
        let mut tries = 0;
        loop {
            match lab.start_upsd() {
                Ok(()) => return Ok(lab),
                Err(_) if tries < 4 && lab.log("upsd.log").contains("not listening on") => {
                    tries += 1;
                    if let Some(mut c) = lab.upsd.take() {
                        let _ = c.kill();
                        let _ = c.wait();
                    }
                    let new_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
                    let conf = std::fs::read_to_string(lab.etc_dir().join("upsd.conf"))?;
                    let conf = conf.replacen(
                        &format!("LISTEN 127.0.0.1 {}\n", lab.port),
                        &format!("LISTEN 127.0.0.1 {new_port}\n"),
                        1,
                    );
                    std::fs::write(lab.etc_dir().join("upsd.conf"), conf)?;
                    lab.protect_etc()?;
                    std::fs::write(lab.dir.path().join("upsd.log"), "")?;
                    lab.port = new_port;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// As in nutlab.sh: config readable by group nut (the daemons drop to it unless root), state dir
    /// writable.
    fn protect_etc(&self) -> std::io::Result<()> {
        if self.root {
            let _ = Command::new("chown")
                .args(["-R", "root:nut"])
                .arg(self.etc_dir())
                .arg(self.run_dir())
                .status();
        }
        for f in std::fs::read_dir(self.etc_dir())?.flatten() {
            let _ = Command::new("chmod").arg("640").arg(f.path()).status();
        }
        Ok(())
    }

    /// A daemon in the foreground (`-F`), as root when we are root, its output appended to `log`.
    fn spawn(&self, prog: &str, args: &[&str], log: &str) -> std::io::Result<Child> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(log))?;
        let mut cmd = Command::new(prog);
        cmd.arg("-F").args(args);
        if self.root {
            cmd.args(["-u", "root"]);
        }
        cmd.env("NUT_CONFPATH", self.etc_dir())
            .env("NUT_STATEPATH", self.run_dir())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| std::io::Error::other(format!("cannot start {prog}: {e}")))
    }

    /// (Re)starts upsd on the lab's port and waits until every UPS answers with a real status. After
    /// [`stop_upsd`](Self::stop_upsd), this is upsd coming back under its clients.
    pub fn start_upsd(&mut self) -> std::io::Result<()> {
        if self.upsd.is_none() {
            self.upsd = Some(self.spawn(UPSD, &[], "upsd.log")?);
        }
        for ups in &self.names {
            // dummy-ups publishes its file line by line: wait for the status and for the last
            // variable the file sets before its first TIMER, so a test never sees half a dump.
            let last = last_dump_var(&self.etc_dir().join(format!("{ups}.dev")));
            let ok = wait_for(READY, || {
                matches!(self.raw(&format!("GET VAR {ups} ups.status")),
                    Ok(l) if l.starts_with("VAR ") && !l.ends_with("\"WAIT\""))
                    && last.as_deref().map_or(true, |v| {
                        matches!(self.raw(&format!("GET VAR {ups} {v}")), Ok(l) if l.starts_with("VAR "))
                    })
            });
            if ok.is_none() {
                return Err(std::io::Error::other(format!(
                    "upsd never served {ups}; upsd log:\n{}",
                    self.log("upsd.log")
                )));
            }
        }
        Ok(())
    }

    /// Stops upsd now, by PID (connection refused afterwards; the drivers keep running).
    pub fn stop_upsd(&mut self) {
        if let Some(mut c) = self.upsd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The lab's directory (`etc/`, `run/` and the daemons' logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The config dir (`NUT_CONFPATH`), for tools that read a host's NUT configuration.
    pub fn etc_dir(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    /// The state dir (`NUT_STATEPATH`): the drivers' sockets.
    pub fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// A daemon's log in the lab dir (`upsd.log`, `driver-<ups>.log`), empty when unreadable; for
    /// failure messages.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// The name of UPS number `i`, in the order they were configured.
    pub fn ups(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    /// One request over a fresh plain socket, one reply line: an oracle independent of any client
    /// under test.
    pub fn raw(&self, request: &str) -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        s.write_all(format!("{request}\n").as_bytes())?;
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line)?;
        Ok(line.trim_end().to_string())
    }

    /// PID of driver `i` while it runs, for signals a test sends itself.
    pub fn driver_pid(&self, i: usize) -> Option<u32> {
        self.drivers.get(i)?.as_ref().map(Child::id)
    }

    /// PID of upsd while it runs.
    pub fn upsd_pid(&self) -> Option<u32> {
        self.upsd.as_ref().map(Child::id)
    }

    fn signal(&self, i: usize, sig: &str) {
        let pid = self
            .driver_pid(i)
            .unwrap_or_else(|| panic!("driver {i} is not running"));
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.to_string())
            .status();
        assert!(
            st.is_ok_and(|s| s.success()),
            "kill -{sig} {pid} (driver {i}) failed"
        );
    }

    /// Freezes driver `i` (SIGSTOP): upsd keeps its socket but gets no data, so after MAXAGE it answers
    /// `ERR DATA-STALE`.
    pub fn freeze_driver(&self, i: usize) {
        self.signal(i, "STOP");
    }

    /// Resumes a frozen driver (SIGCONT).
    pub fn thaw_driver(&self, i: usize) {
        self.signal(i, "CONT");
    }

    /// Kills driver `i` by PID: upsd then answers `ERR DRIVER-NOT-CONNECTED`.
    pub fn kill_driver(&mut self, i: usize) {
        if let Some(mut c) = self.drivers.get_mut(i).and_then(Option::take) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts a real upsmon (`upsmon -D -p`, foreground, output captured) monitoring the first UPS as
    /// primary with `user`, polling every second, DEADTIME 3, and a harmless `SHUTDOWNCMD "/bin/true"`
    /// (upsmon really runs it). `extra` lines are appended to upsmon.conf. Call
    /// [`upsmon_available`] first.
    pub fn upsmon(&self, user: (&str, &str), extra: &str) -> std::io::Result<Upsmon> {
        let conf = format!(
            "MONITOR {}@127.0.0.1:{} 1 {} {} primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/bin/true\"\nPOWERDOWNFLAG {}\nPOLLFREQ 1\nPOLLFREQALERT 1\nDEADTIME 3\n{extra}",
            self.ups(0),
            self.port,
            user.0,
            user.1,
            self.run_dir().join("killpower").display()
        );
        std::fs::write(self.etc_dir().join("upsmon.conf"), conf)?;
        self.protect_etc()?;
        std::fs::create_dir_all("/run/nut")?;
        let mut child = Command::new(UPSMON)
            .args(["-D", "-p"])
            .env("NUT_CONFPATH", self.etc_dir())
            .env("NUT_STATEPATH", self.run_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let out = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        let streams = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        for stream in streams.into_iter().flatten() {
            let out = Arc::clone(&out);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut o) = out.lock() {
                        o.push_str(&line);
                        o.push('\n');
                    }
                }
            }));
        }
        Ok(Upsmon {
            child: Some(child),
            out,
            readers,
        })
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

/// A running upsmon whose stdout and stderr are collected; killed by PID on [`stop`](Self::stop) or
/// drop, which also removes the pid file it wrote.
pub struct Upsmon {
    child: Option<Child>,
    out: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Upsmon {
    /// Everything upsmon printed so far.
    pub fn output(&self) -> String {
        self.out.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// True once the output contains `needle`.
    pub fn saw(&self, needle: &str) -> bool {
        self.out.lock().is_ok_and(|o| o.contains(needle))
    }

    /// Kills upsmon, waits for its output to end, removes its pid file and returns the whole output.
    pub fn stop(mut self) -> String {
        self.halt();
        self.output()
    }

    fn halt(&mut self) {
        if let Some(mut c) = self.child.take() {
            let pid = c.id();
            let _ = c.kill();
            let _ = c.wait();
            for r in self.readers.drain(..) {
                let _ = r.join();
            }
            let ours = std::fs::read_to_string(UPSMON_PIDFILE)
                .map(|s| s.trim() == pid.to_string())
                .unwrap_or(false);
            if ours {
                let _ = std::fs::remove_file(UPSMON_PIDFILE);
            }
        }
    }
}

impl Drop for Upsmon {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Builds an NSS database holding the server certificate (nickname `nutserver`) and its CA; returns
/// the upsd.conf lines that enable it.
fn nss_db(base: &Path, tls: &TlsFiles) -> Result<String, Failure> {
    if !(have("openssl") && have("certutil") && have("pk12util")) {
        return Err(Failure::Skip(
            "STARTTLS lab needs openssl, certutil and pk12util (libnss3-tools)".into(),
        ));
    }
    let db = base.join("nss");
    std::fs::create_dir_all(&db)?;
    let pw = base.join("nss-pw.txt");
    std::fs::write(&pw, "labdbpw\n")?;
    let sqldb = format!("sql:{}", db.display());
    let p12 = base.join("server.p12");
    let run = |cmd: &mut Command| -> bool {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let ok = run(Command::new("certutil")
        .args(["-N", "-d", &sqldb, "-f"])
        .arg(&pw))
        && run(Command::new("openssl")
            .args([
                "pkcs12",
                "-export",
                "-name",
                "nutserver",
                "-passout",
                "pass:p12pw",
                "-in",
            ])
            .arg(&tls.cert)
            .arg("-inkey")
            .arg(&tls.key)
            .arg("-out")
            .arg(&p12))
        && run(Command::new("pk12util")
            .args(["-i"])
            .arg(&p12)
            .args(["-d", &sqldb, "-W", "p12pw", "-k"])
            .arg(&pw))
        && run(Command::new("certutil")
            .args(["-A", "-d", &sqldb, "-n", "testca", "-t", "CT,,", "-a", "-f"])
            .arg(&pw)
            .arg("-i")
            .arg(&tls.ca));
    if !ok {
        return Err(other(
            "building the NSS database for the STARTTLS lab failed".into(),
        ));
    }
    Ok(format!(
        "CERTPATH {}\nCERTIDENT nutserver labdbpw\n",
        db.display()
    ))
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The last variable a dummy-ups dump sets before its first `TIMER` line (what the driver
/// publishes last at start-up), `driver.*` aside (dummy-ups sets those itself); `None` when the
/// file cannot be read or sets none.
fn last_dump_var(dev: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dev).ok()?;
    text.lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("TIMER"))
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim()))
        // dummy-ups sets driver.* itself and ignores the file's
        .filter(|n| !n.starts_with("driver."))
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        })
        .last()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_variable_before_the_first_timer() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.dev");
        std::fs::write(
            &p,
            "# c: d\nups.status: OL\noutlet.desc: Main Outlet\ndriver.version: x\nTIMER 5\nups.status: OB\n",
        )
        .unwrap();
        assert_eq!(last_dump_var(&p).as_deref(), Some("outlet.desc"));
        std::fs::write(&p, "# only a comment: here\n").unwrap();
        assert_eq!(last_dump_var(&p), None);
        assert_eq!(last_dump_var(&d.path().join("missing.dev")), None);
    }

    #[test]
    fn closed_port_refuses_and_stays_reserved() {
        let port = closed_port();
        let err = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("nothing listens");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        // Nobody else can take it while this process runs.
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
    }

    #[test]
    fn dev_files_are_numbered_and_named_upses_keep_their_name() {
        let cfg = LabConfig::new()
            .dev_file("/x/a.dev")
            .ups("bench", "ups.status: OL\n")
            .dev_file("/x/b.dev");
        let names: Vec<(&str, &str)> = cfg
            .upses
            .iter()
            .map(|(n, d, _)| (n.as_str(), d.as_str()))
            .collect();
        assert_eq!(
            names,
            [("lab0", "lab 0"), ("bench", "lab bench"), ("lab2", "lab 2")]
        );
    }

    #[test]
    fn wait_for_is_bounded() {
        let mut n = 0;
        assert!(wait_for(Duration::from_millis(120), || {
            n += 1;
            false
        })
        .is_none());
        assert!((1..=3).contains(&n), "{n}");
        assert!(wait_for(Duration::from_secs(1), || true).is_some());
    }

    /// A one-UPS lab answers the raw probe, and upsd comes back on the same port after a stop.
    #[test]
    fn lab_serves_and_restarts_upsd_on_the_same_port() {
        let Some(mut lab) = Lab::start(
            LabConfig::new()
                .ups("t0", "ups.status: OB\nbattery.charge: 42\n")
                .maxage(5),
        ) else {
            return;
        };
        assert_eq!(lab.ups(0), "t0");
        assert_eq!(
            lab.raw("GET VAR t0 battery.charge").unwrap_or_default(),
            "VAR t0 battery.charge \"42\""
        );
        let port = lab.port;
        lab.stop_upsd();
        assert!(lab.raw("VER").is_err(), "upsd still answers after stop");
        lab.start_upsd().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lab.port, port);
        assert_eq!(
            lab.raw("GET VAR t0 ups.status").unwrap_or_default(),
            "VAR t0 ups.status \"OB\""
        );
        assert!(lab.driver_pid(0).is_some() && lab.upsd_pid().is_some());
        lab.kill_driver(0);
        assert!(lab.driver_pid(0).is_none());
    }
}
