//! A real NUT stack for the benchmarks: Debian's `dummy-ups` drivers and `upsd` in a temp dir on a free
//! loopback port. The recipe of `nut-proto/tests/common/lab.rs` (and `../shared/tools/nutlab.sh`),
//! reduced to what a benchmark needs: no TLS, no fault injection, `.dev` contents given as text so a
//! bench can serve exactly the variables it wants. The processes run in the foreground (`-F`) as our
//! children and [`Lab`]'s `Drop` kills them by PID.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian installs upsd.
pub const UPSD: &str = "/lib/nut/upsd";
/// The dummy driver.
pub const DUMMY_UPS: &str = "/lib/nut/dummy-ups";

/// True when real NUT is installed; otherwise prints why the real-upsd part is skipped (benchmarks
/// never fail for a missing daemon, they measure what they can).
pub fn nut_available() -> bool {
    if Path::new(UPSD).exists() && Path::new(DUMMY_UPS).exists() {
        return true;
    }
    println!("skipped: no NUT installed ({UPSD}); real-upsd benchmarks not run");
    false
}

/// A running upsd with one dummy-ups driver per UPS; everything stops on drop.
pub struct Lab {
    /// Loopback port upsd listens on (127.0.0.1).
    pub port: u16,
    dir: tempfile::TempDir,
    children: Vec<Child>,
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Polls `f` every 20 ms until it holds or `limit` passes; true when it held.
fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let step = Duration::from_millis(20);
    let rounds = (limit.as_millis() / step.as_millis()).max(1);
    for _ in 0..rounds {
        if f() {
            return true;
        }
        std::thread::sleep(step);
    }
    false
}

impl Lab {
    /// Starts one driver per `(ups name, .dev text)` and upsd, and waits until every UPS answers with
    /// a real status. `None` (with a printed reason) when NUT is missing or the lab does not come up.
    pub fn start(upses: &[(&str, &[u8])]) -> Option<Lab> {
        if !nut_available() {
            return None;
        }
        match Self::try_start(upses) {
            Ok(lab) => Some(lab),
            Err(e) => {
                println!("skipped: real upsd lab did not start: {e}");
                None
            }
        }
    }

    fn try_start(upses: &[(&str, &[u8])]) -> std::io::Result<Lab> {
        let dir = tempfile::Builder::new().prefix("nutbench-lab.").tempdir()?;
        let etc = dir.path().join("etc");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&etc)?;
        std::fs::create_dir_all(&run)?;
        let mut ups_conf = String::new();
        for (name, dev) in upses {
            std::fs::write(etc.join(format!("{name}.dev")), dev)?;
            ups_conf.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {name}.dev\n  desc = \"bench {name}\"\n"
            ));
        }
        std::fs::write(etc.join("ups.conf"), ups_conf)?;
        let port = free_port()?;
        std::fs::write(etc.join("upsd.conf"), format!("LISTEN 127.0.0.1 {port}\n"))?;
        std::fs::write(
            etc.join("upsd.users"),
            "[mon]\n  password = monpw\n  upsmon primary\n",
        )?;
        let root = is_root();
        if root {
            // As in nutlab.sh: config readable by group nut, state dir writable by the daemons.
            let _ = Command::new("chown")
                .args(["-R", "root:nut"])
                .arg(&etc)
                .arg(&run)
                .status();
        }
        let _ = Command::new("chmod").arg("770").arg(&run).status();
        for f in std::fs::read_dir(&etc)?.flatten() {
            let _ = Command::new("chmod").arg("640").arg(f.path()).status();
        }
        let mut lab = Lab {
            port,
            dir,
            children: Vec::new(),
        };
        for (name, _) in upses {
            let child = lab.spawn(
                DUMMY_UPS,
                &["-a", name],
                &format!("driver-{name}.log"),
                root,
            )?;
            lab.children.push(child);
            let sock = lab.run_dir().join(format!("dummy-ups-{name}"));
            if !wait_for(Duration::from_secs(10), || sock.exists()) {
                return Err(std::io::Error::other(format!(
                    "driver {name} never created its socket"
                )));
            }
        }
        let upsd = lab.spawn(UPSD, &[], "upsd.log", root)?;
        lab.children.push(upsd);
        for (name, _) in upses {
            let ready = wait_for(Duration::from_secs(15), || {
                matches!(lab.raw(&format!("GET VAR {name} ups.status")),
                    Ok(l) if l.starts_with("VAR ") && !l.ends_with("\"WAIT\""))
            });
            if !ready {
                return Err(std::io::Error::other(format!(
                    "upsd never served {name}; upsd log:\n{}",
                    std::fs::read_to_string(lab.dir.path().join("upsd.log")).unwrap_or_default()
                )));
            }
        }
        Ok(lab)
    }

    fn spawn(&self, prog: &str, args: &[&str], log: &str, root: bool) -> std::io::Result<Child> {
        let log = std::fs::File::create(self.dir.path().join(log))?;
        let mut cmd = Command::new(prog);
        cmd.arg("-F").args(args);
        if root {
            cmd.args(["-u", "root"]);
        }
        cmd.env("NUT_CONFPATH", self.dir.path().join("etc"))
            .env("NUT_STATEPATH", self.run_dir())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
    }

    fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// One request over a fresh plain socket, one reply line (readiness probe independent of any
    /// client under test).
    pub fn raw(&self, request: &str) -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(format!("{request}\n").as_bytes())?;
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line)?;
        Ok(line.trim_end().to_string())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // upsd first (it is last in the list), then the drivers, each by its own PID.
        while let Some(mut c) = self.children.pop() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
