//! Throw-away Debian hosts with real systemd, for end-to-end tests of what a NUT host does at boot,
//! under `systemctl`, in its journal and over a cable.
//!
//! [`Host::boot`] starts Debian's own systemd as PID 1 of new pid, mount, net, uts, ipc and cgroup
//! namespaces, inside a cgroup of this machine of its own (`nutlab-NAME-PID`, so two hosts' units never
//! share a cgroup and one host's `systemctl stop` never reaches another's daemons), on an overlay of this
//! machine's root whose writes all land in a tmpfs: nothing the host writes reaches the real disk. Its
//! `/run` and `/tmp` are fresh tmpfs, its `/etc/nut` is the directory given, and the services that have
//! nothing to do with NUT are masked. Its journal holds its own lines only: systemd logs to it, and
//! journald does not import the kernel ring buffer every host shares. Its network is only loopback plus the cables of [`Host::link`].
//! `SHUTDOWNCMD "/sbin/shutdown -h +0"` inside really powers that host off (its PID 1 exits), nothing else.
//!
//! systemd is **never** started on the machine's real root: its boot services would empty `/tmp` and
//! write to `/var`. The overlay's lower layer is `/` (the root filesystem only), so the test's own build
//! (`target/debug/nutctl`) is visible inside at the same path.
//!
//! Every wait is bounded; [`Drop`] powers the host off (SIGKILL to its PID 1: the kernel ends every
//! process of the pid namespace), waits for the launcher, and removes its cgroups and directory. A host
//! leaked by a test process that was killed outright is ended by the launcher's parent-death signal, and
//! the next [`Host::boot`] removes any `nutlab-*` cgroup whose owner process is gone ([`reap_leaked`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{in_ci, is_root, wait_for, UPSD};

/// Where systemd lives on Debian.
pub const SYSTEMD: &str = "/lib/systemd/systemd";
/// Prefix of every host's cgroup (`nutlab-NAME-OWNERPID`).
const CGROUP_PREFIX: &str = "nutlab-";
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// Boot limits: PID 1 appears within seconds; `is-system-running` reaching running/degraded takes
/// about 4 s on an idle machine, much longer while other test binaries compile.
const PID1_LIMIT: Duration = Duration::from_secs(20);
const BOOT_LIMIT: Duration = Duration::from_secs(60);

/// Services of this machine that have nothing to do with a NUT host (masked inside every host).
const MASKED: &[&str] = &[
    "prometheus.service",
    "prometheus-node-exporter.service",
    "systemd-timesyncd.service",
    "cron.service",
    "ssh.service",
    "console-getty.service",
    "getty@tty1.service",
    "serial-getty@ttyS0.service",
    "systemd-udevd.service",
    "systemd-udev-trigger.service",
    "systemd-udev-settle.service",
    "systemd-udevd-control.socket",
    "systemd-udevd-kernel.socket",
];

/// The skip rule of every real-host test: root, systemd, util-linux and nut-server present. Prints
/// `skipped: ...` and returns false otherwise, except under `CI=true`, where it panics (root is given
/// there, so the tests must run).
pub fn hosts_available() -> bool {
    let why = if !is_root() {
        Some("real-host tests need root (namespaces, cgroups, overlay mounts)".to_string())
    } else {
        [
            SYSTEMD,
            UPSD,
            "/usr/bin/unshare",
            "/usr/bin/nsenter",
            "/usr/bin/setpriv",
        ]
        .iter()
        .find(|p| !Path::new(p).exists())
        .map(|p| format!("no {p} (real-host tests need systemd, nut-server and util-linux)"))
    };
    match why {
        None => true,
        Some(why) if in_ci() => panic!("CI=true but {why}"),
        Some(why) => {
            println!("skipped: {why}");
            false
        }
    }
}

/// One booted host. Dropping it powers it off.
#[derive(Debug)]
pub struct Host {
    name: String,
    dir: PathBuf,
    cgroup: String,
    pid1: u32,
    launcher: Option<Child>,
}

/// The result of a command run inside a host.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code (`None` when killed by a signal or not started).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Run {
    /// True when the command exited 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    fn of(out: io::Result<Output>) -> Run {
        match out {
            Ok(o) => Run {
                code: o.status.code(),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            },
            Err(e) => Run {
                code: None,
                stdout: String::new(),
                stderr: e.to_string(),
            },
        }
    }
}

/// A veth cable between two hosts: the first is `NET.1/24`, the second `NET.2/24`.
#[derive(Debug, Clone)]
pub struct Cable {
    /// The interface name inside the first host.
    pub a_if: String,
    /// The interface name inside the second host.
    pub b_if: String,
    /// The first host's address (`NET.1`).
    pub a_addr: String,
    /// The second host's address (`NET.2`).
    pub b_addr: String,
}

fn cgroup_hierarchies() -> Vec<PathBuf> {
    fs::read_dir(CGROUP_ROOT)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

/// Kills every process in a cgroup tree (deepest first) and removes its directories; bounded.
fn remove_cgroup(name: &str) {
    for h in cgroup_hierarchies() {
        let root = h.join(name);
        if !root.is_dir() {
            continue;
        }
        let _ = wait_for(Duration::from_secs(5), || {
            let mut dirs = Vec::new();
            collect_dirs(&root, &mut dirs);
            for d in dirs.iter().rev() {
                if let Ok(procs) = fs::read_to_string(d.join("cgroup.procs")) {
                    for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                        let _ = Command::new("kill")
                            .arg("-9")
                            .arg(pid.to_string())
                            .stderr(Stdio::null())
                            .status();
                    }
                }
                let _ = fs::remove_dir(d);
            }
            !root.exists()
        });
    }
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                collect_dirs(&e.path(), out);
            }
        }
    }
}

/// The guard against leaked hosts: ends and removes every `nutlab-NAME-PID` cgroup whose owner test
/// process `PID` no longer runs (a test binary killed before its `Drop`s ran). Returns how many.
pub fn reap_leaked() -> usize {
    let mut names = std::collections::BTreeSet::new();
    for h in cgroup_hierarchies() {
        for e in fs::read_dir(&h).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = n.strip_prefix(CGROUP_PREFIX) else {
                continue;
            };
            let owner = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            if owner.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists()) {
                names.insert(n);
            }
        }
    }
    for n in &names {
        remove_cgroup(n);
    }
    names.len()
}

/// The hosts of this test process that are up now (the guard tests check it is zero at the end).
pub fn running_hosts() -> Vec<String> {
    let own = format!("-{}", std::process::id());
    let mut v: Vec<String> = fs::read_dir(Path::new(CGROUP_ROOT).join("systemd"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(CGROUP_PREFIX) && n.ends_with(&own))
        .collect();
    v.sort();
    v
}

fn stage1(
    root: &Path,
    rw: &Path,
    name: &str,
    etc_nut: Option<&Path>,
    shared: &[PathBuf],
) -> String {
    let (r, w) = (root.display(), rw.display());
    let mut s = format!(
        "set -e\n\
         mount -t tmpfs tmpfs '{w}'; mkdir -p '{w}/upper' '{w}/work'\n\
         mount -t overlay overlay -o 'lowerdir=/,upperdir={w}/upper,workdir={w}/work' '{r}'\n\
         mount --rbind /dev '{r}/dev'; mount --rbind /sys '{r}/sys'; mount -t proc proc '{r}/proc'\n\
         mount -t tmpfs -o mode=755 tmpfs '{r}/sys/fs/cgroup'\n\
         for h in $(ls {CGROUP_ROOT}); do\n\
           mkdir -p '{r}/sys/fs/cgroup/'$h\n\
           case $h in\n\
             unified) mount -t cgroup2 cgroup2 '{r}/sys/fs/cgroup/'$h ;;\n\
             systemd) mount -t cgroup -o none,name=systemd cgroup '{r}/sys/fs/cgroup/'$h ;;\n\
             *) mount -t cgroup -o $h cgroup '{r}/sys/fs/cgroup/'$h 2>/dev/null || rmdir '{r}/sys/fs/cgroup/'$h ;;\n\
           esac\n\
         done\n\
         mount -t tmpfs tmpfs '{r}/run'; mount -t tmpfs tmpfs '{r}/tmp'\n\
         hostname '{name}'; echo '{name}' > '{r}/etc/hostname'; : > '{r}/etc/machine-id'\n"
    );
    for u in MASKED {
        s.push_str(&format!("ln -sf /dev/null '{r}/etc/systemd/system/{u}'\n"));
    }
    // The kernel's ring buffer is this machine's, shared by every host: a journald reading it would
    // import the systemd lines of every other host (and of every host booted before) as its own. So
    // systemd logs to its own journal once journald runs, and journald leaves /dev/kmsg alone.
    s.push_str(&format!(
        "mkdir -p '{r}/etc/systemd/journald.conf.d'\n\
         printf '[Journal]\\nReadKMsg=no\\n' > '{r}/etc/systemd/journald.conf.d/nutlab.conf'\n"
    ));
    if let Some(etc) = etc_nut {
        let e = etc.display();
        s.push_str(&format!(
            "rm -rf '{r}/etc/nut'; cp -a '{e}' '{r}/etc/nut'\n\
             chown -R root:nut '{r}/etc/nut'; chmod 750 '{r}/etc/nut'; chmod 640 '{r}/etc/nut'/*\n"
        ));
    }
    for p in shared {
        let p = p.display();
        s.push_str(&format!("mkdir -p '{r}{p}'; mount --bind '{p}' '{r}{p}'\n"));
    }
    s.push_str(&format!(
        "mkdir -p '{r}/.old'; cd '{r}'; pivot_root . .old; umount -l /.old\n\
         exec {SYSTEMD} --system --log-target=journal-or-kmsg\n"
    ));
    s
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 20
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Host {
    /// Boots a host named `name` (hostname and cgroup; lowercase letters, digits, `-`), whose
    /// `/etc/nut` is a copy of `etc_nut` (files `root:nut 0640`, as Debian installs them; `None`
    /// keeps this machine's). Returns once systemd reports `running` or `degraded`, loopback is up
    /// and PID 1's pid is known; an error (with the boot log) otherwise. Needs [`hosts_available`].
    pub fn boot(name: &str, etc_nut: Option<&Path>) -> io::Result<Host> {
        Host::boot_sharing(name, etc_nut, &[])
    }

    /// [`Host::boot`], with directories of this machine bind-mounted at the same path inside (e.g.
    /// the directory of the binary under test, when it is not on the root filesystem the overlay
    /// shows). Absolute paths of existing directories only.
    pub fn boot_sharing(
        name: &str,
        etc_nut: Option<&Path>,
        shared: &[PathBuf],
    ) -> io::Result<Host> {
        if let Some(bad) = shared
            .iter()
            .find(|p| !p.is_absolute() || !p.is_dir() || p.to_string_lossy().contains('\''))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot share {}", bad.display()),
            ));
        }
        if !valid_name(name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad host name {name:?}"),
            ));
        }
        reap_leaked();
        let cgroup = format!("{CGROUP_PREFIX}{name}-{}", std::process::id());
        remove_cgroup(&cgroup);
        let dir = std::env::temp_dir().join(format!("nutlab-host-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (rw, root) = (dir.join("rw"), dir.join("root"));
        fs::create_dir_all(&rw)?;
        fs::create_dir_all(&root)?;
        let script = dir.join("stage1");
        fs::write(&script, stage1(&root, &rw, name, etc_nut, shared))?;
        for h in cgroup_hierarchies() {
            let _ = fs::create_dir_all(h.join(&cgroup));
        }
        let log = fs::File::create(dir.join("boot.log"))?;
        // The launcher joins the host's cgroups, then becomes unshare, whose forked child (the stage
        // script, then systemd) is PID 1 of the new namespaces. --pdeathsig ends it with the test
        // process; --kill-child ends the host when unshare goes.
        let join = format!(
            "for h in $(ls {CGROUP_ROOT}); do echo $$ > {CGROUP_ROOT}/$h/{cgroup}/cgroup.procs 2>/dev/null || true; done\n\
             exec setpriv --pdeathsig KILL unshare --cgroup --fork --kill-child --pid --mount --net --uts --ipc \
             --propagation private bash '{}'",
            script.display()
        );
        let launcher = Command::new("bash")
            .arg("-c")
            .arg(join)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut host = Host {
            name: name.to_string(),
            dir,
            cgroup,
            pid1: 0,
            launcher: Some(launcher),
        };
        let uid = host.launcher.as_ref().map(|c| c.id()).unwrap_or(0);
        let start = Instant::now();
        let found = wait_for(PID1_LIMIT, || {
            if let Some(p) = child_of(uid) {
                if fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "systemd")
                {
                    host.pid1 = p;
                    return true;
                }
            }
            false
        });
        if found.is_none() {
            return Err(host.boot_error("PID 1 did not become systemd"));
        }
        let booted = wait_for(BOOT_LIMIT, || {
            let st = host.run("systemctl is-system-running").stdout;
            matches!(st.trim(), "running" | "degraded")
        });
        if booted.is_none() {
            let st = host.run("systemctl is-system-running; systemctl --failed --no-legend");
            return Err(host.boot_error(&format!(
                "not running after {:?}: {}",
                start.elapsed(),
                st.stdout.trim()
            )));
        }
        let lo = host.run("ip link set lo up");
        if !lo.ok() {
            return Err(host.boot_error(&format!("ip link set lo up: {}", lo.stderr.trim())));
        }
        Ok(host)
    }

    fn boot_error(&self, what: &str) -> io::Error {
        let log = fs::read_to_string(self.dir.join("boot.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        io::Error::other(format!(
            "host {} did not boot: {what}\n{}",
            self.name,
            tail.join("\n")
        ))
    }

    /// The host's name (its hostname).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// PID 1's pid as this machine sees it.
    pub fn pid1(&self) -> u32 {
        self.pid1
    }

    /// True while the host's PID 1 runs.
    pub fn is_up(&self) -> bool {
        self.pid1 != 0
            && fs::read_to_string(format!("/proc/{}/comm", self.pid1))
                .is_ok_and(|c| c.trim() == "systemd")
    }

    /// Runs `sh -c CMD` inside every namespace of the host (nsenter), bounded to 60 s.
    pub fn run(&self, cmd: &str) -> Run {
        self.run_as(cmd, &[], Duration::from_secs(60))
    }

    /// Runs `sh -c CMD` inside the host with extra environment, killed after `limit`.
    pub fn run_as(&self, cmd: &str, env: &[(&str, &str)], limit: Duration) -> Run {
        if self.pid1 == 0 {
            return Run {
                code: None,
                stdout: String::new(),
                stderr: "host is down".into(),
            };
        }
        let secs = limit.as_secs().max(1).to_string();
        let mut c = Command::new("timeout");
        c.args([
            "-s",
            "KILL",
            &secs,
            "nsenter",
            "-t",
            &self.pid1.to_string(),
            "-a",
            "sh",
            "-c",
            cmd,
        ]);
        c.env_remove("NUT_CONFPATH").env_remove("NUT_STATEPATH");
        for (k, v) in env {
            c.env(k, v);
        }
        Run::of(c.stdin(Stdio::null()).output())
    }

    /// The host's whole journal, in `short-iso` form.
    pub fn journal(&self) -> String {
        self.run("journalctl --no-pager -o short-iso").stdout
    }

    /// The journal of one unit, in `short-iso` form.
    pub fn unit_journal(&self, unit: &str) -> String {
        self.run(&format!("journalctl --no-pager -o short-iso -u '{unit}'"))
            .stdout
    }

    /// `systemctl is-active UNIT`'s answer (`active`, `inactive`, `failed`, `activating`, ...).
    pub fn unit_state(&self, unit: &str) -> String {
        self.run(&format!("systemctl is-active '{unit}'"))
            .stdout
            .trim()
            .to_string()
    }

    /// Waits (bounded by `limit`) until `systemctl is-active UNIT` answers `state`.
    pub fn wait_unit(&self, unit: &str, state: &str, limit: Duration) -> bool {
        wait_for(limit, || self.unit_state(unit) == state).is_some()
    }

    /// Waits (bounded) until the host has powered itself off (its PID 1 exited, e.g. after upsmon's
    /// SHUTDOWNCMD); true when it did.
    pub fn wait_down(&self, limit: Duration) -> bool {
        wait_for(limit, || !self.is_up()).is_some()
    }

    /// Links two hosts with a veth cable: `a` gets `NET.1/24`, `b` gets `NET.2/24` (`net` is three
    /// octets, e.g. `10.77.0`).
    pub fn link(a: &Host, b: &Host, net: &str) -> io::Result<Cable> {
        let valid = net.split('.').count() == 3 && net.split('.').all(|o| o.parse::<u8>().is_ok());
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad network {net:?}"),
            ));
        }
        // unique on this machine: the test process's pid and a counter (interface names <= 15 bytes)
        static CABLES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = CABLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 1000;
        let tag = format!("{}x{n}", std::process::id() % 10_000_000);
        let (va, vb) = (format!("nla{tag}"), format!("nlb{tag}"));
        let ip = |args: &[&str]| -> io::Result<()> {
            let st = Command::new("ip")
                .args(args)
                .stderr(Stdio::piped())
                .output()?;
            if st.status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&st.stderr)
                )))
            }
        };
        ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb])?;
        ip(&["link", "set", &va, "netns", &a.pid1.to_string()])?;
        ip(&["link", "set", &vb, "netns", &b.pid1.to_string()])?;
        let (aa, ba) = (format!("{net}.1"), format!("{net}.2"));
        for (h, v, addr) in [(a, &va, &aa), (b, &vb, &ba)] {
            let r = h.run(&format!(
                "ip addr add {addr}/24 dev {v} && ip link set {v} up"
            ));
            if !r.ok() {
                return Err(io::Error::other(format!("{}: {}", h.name, r.stderr.trim())));
            }
        }
        Ok(Cable {
            a_if: va,
            b_if: vb,
            a_addr: aa,
            b_addr: ba,
        })
    }

    /// Pulls (`up = false`) or plugs back (`true`) this host's end of a cable.
    pub fn set_link(&self, ifname: &str, up: bool) -> Run {
        self.run(&format!(
            "ip link set {ifname} {}",
            if up { "up" } else { "down" }
        ))
    }

    /// Powers the host off now (SIGKILL to its PID 1 ends the whole pid namespace) and cleans up; the
    /// same as dropping it.
    pub fn power_off(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.pid1 != 0 && self.is_up() {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(self.pid1.to_string())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut l) = self.launcher.take() {
            let done = wait_for(Duration::from_secs(10), || {
                matches!(l.try_wait(), Ok(Some(_)))
            });
            if done.is_none() {
                let _ = l.kill();
                let _ = l.wait();
            }
        }
        self.pid1 = 0;
        remove_cgroup(&self.cgroup);
        // The mounts lived in the host's own mount namespace, gone with it; only the empty
        // mount points and the stage script remain.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The first child of `pid` (from /proc/PID/task/PID/children).
fn child_of(pid: u32) -> Option<u32> {
    let s = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    let first = s.split_whitespace().next()?.parse().ok()?;
    // unshare --fork: the launcher (bash exec'd into setpriv, then unshare) forks PID 1.
    Some(first)
}
