//! Shared helpers for nutctl's end-to-end tests (each test file declares `mod common;`): the built
//! binary, an embedded `nutctl serve` on a free port, and the test data (the real-NUT lab is the
//! workspace's `nut-lab` crate).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The device dump every test serves (copied from the NUT device dump library, see data/SOURCES.md).
pub const DEV: &str = "apc-back-ups-es725.dev";

/// A `.dev` file shipped in nutctl's `data/` (sources in `data/SOURCES.md`).
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Admin user of `nutctl serve` in the tests; the password travels in an environment variable.
pub const ADMIN: &str = "admin";
/// The admin password: a test asserts it never shows up in any output.
pub const ADMIN_PW: &str = "s3cret-Pw-8472";
/// The environment variable holding it.
pub const PW_ENV: &str = "NUTCTL_TEST_PW";

/// A command for the built binary, with colour and config influences removed.
pub fn nutctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nutctl"));
    c.env_remove("NO_COLOR")
        .env("NUT_CONFPATH", "/nonexistent-nutctl-test")
        .env(PW_ENV, ADMIN_PW)
        .stdin(Stdio::null());
    c
}

/// Runs nutctl with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    nutctl().args(args).output().expect("run nutctl")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (panics on death by signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

/// A `nutctl serve` child on a free loopback port, killed by PID on drop.
pub struct Serve {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The UPS name it serves.
    pub ups: String,
}

impl Serve {
    /// Serves the test dump as UPS `es`, with the admin user.
    pub fn start() -> Serve {
        Serve::start_with(&[])
    }

    /// Same, with extra arguments.
    pub fn start_with(extra: &[&str]) -> Serve {
        Serve::start_dev(&data_file(DEV), extra)
    }

    /// Serves another dump as UPS `es`, with the admin user and extra arguments.
    pub fn start_dev(dev: &Path, extra: &[&str]) -> Serve {
        let mut args = vec!["--name", "es", "--user", ADMIN, "--password-env", PW_ENV];
        args.extend_from_slice(extra);
        Serve::start_args(dev, "es", &args)
    }

    /// Serves a dump with exactly these arguments after `--dev FILE`; `ups` is the name it serves.
    pub fn start_args(dev: &Path, ups: &str, args: &[&str]) -> Serve {
        let mut child = nutctl()
            .args(["serve", "--listen", "127.0.0.1:0", "--dev"])
            .arg(dev)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn nutctl serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let port = line
            .split_whitespace()
            .nth(2)
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Serve {
            child,
            port,
            ups: ups.into(),
        }
    }

    /// `es@127.0.0.1:<port>`.
    pub fn target(&self) -> String {
        format!("{}@127.0.0.1:{}", self.ups, self.port)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on, reserved for the whole test process (see `nut_lab::closed_port`).
pub fn closed_port() -> u16 {
    nut_lab::closed_port()
}

/// The `name: value` lines the dump defines, as a server (or upsc) prints them: comments dropped,
/// words after the name joined by single spaces.
pub fn expected_raw(dev_text: &str) -> String {
    let mut out = String::new();
    for line in dev_text.lines() {
        if line.starts_with('#') || !line.contains(':') {
            continue;
        }
        let (name, value) = line.split_once(':').unwrap();
        let words: Vec<&str> = value.split_whitespace().collect();
        out.push_str(&format!("{name}: {}\n", words.join(" ")));
    }
    out
}

/// `nutctl set … ups.status VALUE` as the lab admin (password with a space, from the environment),
/// then waits (bounded) until the driver publishes it.
pub fn drive(lab: &nut_lab::Lab, status: &str) {
    let o = nutctl()
        .env("LAB_PW", nut_lab::ADMIN.1)
        .args([
            "set",
            &format!("{}@127.0.0.1:{}", lab.ups(0), lab.port),
            "ups.status",
            status,
            "--user",
            nut_lab::ADMIN.0,
            "--password-env",
            "LAB_PW",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "set: {}", stderr(&o));
    let want = format!("VAR lab0 ups.status \"{status}\"");
    // Generous: the whole suite runs in parallel on two cores.
    nut_lab::wait_for(std::time::Duration::from_secs(30), || {
        lab.raw("GET VAR lab0 ups.status").is_ok_and(|l| l == want)
    })
    .unwrap_or_else(|| panic!("driver never published {status}"));
}
