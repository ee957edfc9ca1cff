//! The Debian package (`nutctl/packaging/build-deb.sh`, cargo-deb): built from the binary under test,
//! its contents checked with `dpkg-deb`, then installed with `apt-get install ./nutctl_*.deb` into a
//! throw-away real-systemd host (nut-lab's real-host lab), where the exporter's unit is checked
//! (`systemd-analyze verify` / `security`), started with `systemctl` (its dynamic user, capabilities,
//! seccomp and mount namespace read from /proc) and scraped over loopback with the host's curl.
//!
//! Why the debug binary: a release build of nutctl inside the test suite takes minutes on two cores.
//! The package is made of the binary cargo already built for these tests (`CARGO_BIN_EXE_nutctl`),
//! copied to `<staging>/release/nutctl` and packaged with `build-deb.sh --no-build` and
//! `CARGO_TARGET_DIR=<staging>` — the same script and `[package.metadata.deb]` a user runs, only the
//! compiler profile differs. Packaging takes a few seconds (cargo-deb strips and compresses it).
//!
//! Wall time: ~6 s to package, then one host boot, the install, and the exporter started three
//! times (plain, with an unreadable password file — it fails and systemd retries every 5 s —, and
//! with the documented root-only environment file): 30-60 s in all.
//!
//! Skips with a message when cargo-deb (or, for the host test, root/systemd) is missing, except under
//! `CI=true`, where `.ci/run` installs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hosts;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use nut_lab::host::{hosts_available, running_hosts, Host};
use nut_lab::wait_for;

const UNIT: &str = "nutctl-exporter.service";
/// The host's UPS (dummy-ups behind Debian's own nut-server units): on battery.
const DEV: &str = "ups.status: OB DISCHRG\nbattery.charge: 80\nbattery.runtime: 1500\nups.load: 25\nups.delay.shutdown: 20\n";

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// cargo-deb's path: on PATH, else in cargo's bin directory.
fn cargo_deb() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("cargo-deb"))
        .find(|p| p.is_file())
}

/// The package built once per test process: `Some(path of the .deb)`, `None` (skipped) when
/// cargo-deb or dpkg-deb is missing outside CI.
fn deb() -> Option<&'static Path> {
    static DEB: OnceLock<Option<PathBuf>> = OnceLock::new();
    DEB.get_or_init(build_deb).as_deref()
}

fn build_deb() -> Option<PathBuf> {
    let Some(cargo_deb) = cargo_deb() else {
        assert!(
            !in_ci(),
            "CI=true but cargo-deb is missing (cargo install cargo-deb)"
        );
        println!("skipped: no cargo-deb (cargo install cargo-deb)");
        return None;
    };
    if !Path::new("/usr/bin/dpkg-deb").exists() {
        assert!(!in_ci(), "CI=true but dpkg-deb is missing");
        println!("skipped: no dpkg-deb");
        return None;
    }
    // Under the target dir (on the root filesystem, which the hosts' overlay shows), not /tmp
    // (each host has a fresh /tmp).
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    // Staging dirs of earlier runs (their process is gone) are removed: each holds a 40 MB binary.
    for e in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let gone = name
            .strip_prefix("deb-")
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists());
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    let staging = tmp.join(format!("deb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("release")).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_nutctl"), staging.join("release/nutctl")).unwrap();
    let out = staging.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/build-deb.sh");
    // cargo-deb runs as `cargo deb`: its directory first on PATH so cargo finds it there.
    let path = format!(
        "{}:{}",
        cargo_deb.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let r = Command::new("sh")
        .arg(&script)
        // --fast: gzip instead of xz (seconds instead of ~40 s for the unoptimized binary).
        .args(["--no-build", "--fast", "--output"])
        .arg(&out)
        .env("CARGO_TARGET_DIR", &staging)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "build-deb.sh --no-build: {}\n{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    let deb = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("build-deb.sh wrote a .deb");
    println!(
        "package: {} ({} bytes)",
        deb.display(),
        std::fs::metadata(&deb).unwrap().len()
    );
    Some(deb)
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let r = Command::new("dpkg-deb")
        .args(args)
        .arg(deb)
        .output()
        .unwrap();
    assert!(r.status.success(), "dpkg-deb {args:?}: {:?}", r);
    String::from_utf8_lossy(&r.stdout).into_owned()
}

#[test]
fn the_package_holds_binary_docs_completions_unit_and_conffiles() {
    let Some(deb) = deb() else { return };
    let list = dpkg_deb(&["--contents"], deb);
    for path in [
        "./usr/bin/nutctl",
        "./usr/share/man/man1/nutctl.1.gz",
        "./usr/share/man/man1/nutctl-exporter.1.gz",
        "./usr/share/man/man1/nutctl-exporter-rules.1.gz",
        "./usr/share/bash-completion/completions/nutctl",
        "./usr/share/zsh/vendor-completions/_nutctl",
        "./usr/share/fish/vendor_completions.d/nutctl.fish",
        "./usr/share/doc/nutctl/README.md",
        "./usr/share/doc/nutctl/EXPORTER.md",
        "./usr/share/doc/nutctl/grafana-dashboard.json",
        "./usr/share/doc/nutctl/copyright",
        "./usr/share/doc/nutctl/LICENSE-MIT",
        "./usr/share/doc/nutctl/LICENSE-APACHE",
        "/systemd/system/nutctl-exporter.service",
        "./etc/nutctl/targets",
        "./etc/default/nutctl-exporter",
    ] {
        assert!(
            list.lines().any(|l| l.ends_with(path)),
            "{path} missing from the package:\n{list}"
        );
    }
    let field = |f: &str| {
        dpkg_deb(&["--field"], deb).lines().find_map(|l| {
            l.strip_prefix(f)
                .and_then(|r| r.strip_prefix(": "))
                .map(str::to_string)
        })
    };
    assert_eq!(field("Package").as_deref(), Some("nutctl"));
    assert_eq!(
        field("Version")
            .as_deref()
            .map(|v| v.split('-').next().unwrap_or(v)),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(
        field("Depends").is_some_and(|d| d.contains("libc6")),
        "dpkg-shlibdeps found the libc dependency: {:?}",
        field("Depends")
    );
    // /etc files are conffiles: an upgrade keeps the user's targets.
    let dir = tempfile::tempdir().unwrap();
    let r = Command::new("dpkg-deb")
        .arg("--control")
        .arg(deb)
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(r.success());
    let conffiles = std::fs::read_to_string(dir.path().join("conffiles")).unwrap();
    assert!(
        conffiles.lines().any(|l| l == "/etc/nutctl/targets"),
        "{conffiles}"
    );
    assert!(
        conffiles
            .lines()
            .any(|l| l == "/etc/default/nutctl-exporter"),
        "{conffiles}"
    );
}

/// The value of the first sample of `metric` (`name{`) whose labels hold every one of `labels`.
fn sample(exposition: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    exposition
        .lines()
        .filter(|l| l.starts_with(metric))
        .find(|l| labels.iter().all(|x| l.contains(x)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// `sh -c` in the host; panics with its output when it fails.
fn sh(h: &Host, cmd: &str) -> String {
    let r = h.run(cmd);
    assert!(r.ok(), "`{cmd}` failed: {}{}", r.stdout, r.stderr);
    r.stdout
}

#[test]
fn the_package_installs_on_a_real_systemd_host() {
    let Some(deb) = deb() else { return };
    if !hosts_available() {
        return;
    }
    let dir = deb.parent().unwrap().to_path_buf();
    // A NUT server in the host (netserver, dummy-ups `ups`): what the packaged default targets
    // file (`localhost:3493`) points at.
    let etc = tempfile::tempdir().unwrap();
    hosts::master_etc(etc.path(), DEV);
    let host = Host::boot_sharing("pkg", Some(etc.path()), &[dir])
        .unwrap_or_else(|e| panic!("boots: {e}"));
    let install = host.run_as(
        &format!(
            "cd '{}' && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./nutctl_*.deb",
            deb.parent().unwrap().display()
        ),
        &[],
        Duration::from_secs(120),
    );
    assert!(
        install.ok(),
        "apt-get install ./nutctl_*.deb: {}{}",
        install.stdout,
        install.stderr
    );

    // The installed binary is the one under test.
    let version = sh(&host, "/usr/bin/nutctl --version");
    assert_eq!(
        version.trim(),
        format!("nutctl {}", env!("CARGO_PKG_VERSION"))
    );
    // The man page and completions are the binary's own.
    let man = sh(&host, "zcat /usr/share/man/man1/nutctl.1.gz");
    assert!(man.contains(".TH nutctl"), "{man}");
    assert!(man.contains("doctor"), "the man page lists the subcommands");
    let bash = sh(&host, "cat /usr/share/bash-completion/completions/nutctl");
    assert!(bash.contains("complete") && bash.contains("nutctl"));

    // The unit: known to systemd, valid, installed but not enabled (the user edits targets first).
    assert_eq!(
        host.run(&format!("systemctl is-enabled {UNIT}"))
            .stdout
            .trim(),
        "disabled"
    );
    let verify = host.run(&format!(
        "systemd-analyze verify /usr/lib/systemd/system/{UNIT}"
    ));
    assert!(
        verify.ok() && verify.stderr.trim().is_empty(),
        "systemd-analyze verify: {}{}",
        verify.stdout,
        verify.stderr
    );
    let security = sh(
        &host,
        &format!("systemd-analyze security --no-pager {UNIT}"),
    );
    let score: f64 = security
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for "))
        .and_then(|(_, r)| r.split_once(": "))
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{security}"));
    println!("systemd-analyze security {UNIT}: {score}");
    assert!(
        score <= 2.0,
        "exposure {score} (want <= 2.0, 'OK'):\n{security}"
    );

    // Started with systemctl, it runs as its dynamic user with the hardening applied, listens on
    // loopback only, and serves the host's UPS.
    let up = Duration::from_secs(40);
    assert!(
        host.wait_unit("nut-server.service", "active", up),
        "{}",
        host.unit_journal("nut-server")
    );
    sh(&host, &format!("systemctl start {UNIT}"));
    assert!(
        host.wait_unit(UNIT, "active", up),
        "{}",
        host.unit_journal(UNIT)
    );
    let pid = sh(&host, &format!("systemctl show -p MainPID --value {UNIT}"));
    let pid = pid.trim();
    let status = sh(&host, &format!("cat /proc/{pid}/status"));
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let uid: u32 = field("Uid:")
        .split_whitespace()
        .next()
        .and_then(|u| u.parse().ok())
        .unwrap();
    // systemd's dynamic users are allocated from 61184-65519.
    assert!((61184..=65519).contains(&uid), "DynamicUser uid, got {uid}");
    assert_eq!(field("NoNewPrivs:"), "1");
    assert_eq!(field("CapEff:"), "0000000000000000");
    assert_eq!(field("CapBnd:"), "0000000000000000");
    assert_eq!(
        field("Seccomp:"),
        "2",
        "SystemCallFilter= applies a seccomp filter"
    );
    // The service's own mount namespace: / read-only (ProtectSystem=strict), /home and /root
    // hidden (ProtectHome=yes), its own /tmp (PrivateTmp=yes).
    let mounts = sh(&host, &format!("cat /proc/{pid}/mountinfo"));
    let opts = |mp: &str| -> Vec<String> {
        mounts
            .lines()
            .filter(|l| l.split_whitespace().nth(4) == Some(mp))
            .filter_map(|l| l.split_whitespace().nth(5).map(str::to_string))
            .collect()
    };
    assert!(
        opts("/")
            .last()
            .is_some_and(|o| o.split(',').any(|x| x == "ro")),
        "/ is read-only for the service: {:?}",
        opts("/")
    );
    for mp in ["/home", "/root", "/tmp"] {
        assert!(!opts(mp).is_empty(), "{mp} is its own mount:\n{mounts}");
    }
    let listening = sh(&host, "ss -ltnH");
    assert!(
        listening.contains("127.0.0.1:9199") && !listening.contains("0.0.0.0:9199"),
        "loopback only: {listening}"
    );
    // Scraped over loopback inside the host, with the host's own curl.
    let mut metrics = String::new();
    let seen = wait_for(up, || {
        metrics = host
            .run("curl -sS --max-time 10 http://127.0.0.1:9199/metrics")
            .stdout;
        sample(&metrics, "nut_target_up{", &["target=\"localhost:3493\""]) == Some(1.0)
    });
    assert!(
        seen.is_some(),
        "the exporter reads the host's upsd:\n{metrics}"
    );
    assert_eq!(
        sample(&metrics, "nut_ups_status{", &["ups=\"ups\"", "flag=\"OB\""]),
        Some(1.0),
        "{metrics}"
    );
    let page = sh(&host, "curl -sS --max-time 10 http://127.0.0.1:9199/");
    assert!(
        page.contains("data-ups=\"ups\" data-status=\"OB DISCHRG\""),
        "{page}"
    );

    // A login towards upsd, as /etc/default/nutctl-exporter documents it. The password file is
    // root's (0600): the dynamic user cannot read it directly...
    sh(
        &host,
        "printf 'monpw\\n' > /etc/nutctl/nut-password && chmod 600 /etc/nutctl/nut-password",
    );
    let direct = "--user mon --password-file /etc/nutctl/nut-password";
    sh(
        &host,
        &format!("echo 'NUTCTL_EXPORTER_ARGS={direct}' >> /etc/default/nutctl-exporter && systemctl restart {UNIT}"),
    );
    let refused = wait_for(up, || {
        host.unit_journal(UNIT)
            .contains("cannot read the password file")
    });
    assert!(refused.is_some(), "{}", host.unit_journal(UNIT));
    // ...but gets the password through the root-only environment file systemd reads before it
    // drops privileges, as /etc/default/nutctl-exporter documents.
    sh(
        &host,
        &format!(
            "umask 077 && echo NUTCTL_EXPORTER_PASSWORD=monpw > /etc/nutctl/exporter.env && \
             sed -i 's|^NUTCTL_EXPORTER_ARGS=.*|NUTCTL_EXPORTER_ARGS=--user mon --password-env NUTCTL_EXPORTER_PASSWORD|' /etc/default/nutctl-exporter && \
             systemctl restart {UNIT}"
        ),
    );
    assert!(
        host.wait_unit(UNIT, "active", up),
        "{}",
        host.unit_journal(UNIT)
    );
    let seen = wait_for(up, || {
        let m = host
            .run("curl -sS --max-time 10 http://127.0.0.1:9199/metrics")
            .stdout;
        sample(&m, "nut_target_up{", &["target=\"localhost:3493\""]) == Some(1.0)
    });
    assert!(seen.is_some(), "{}", host.unit_journal(UNIT));
    let shown = host.run(&format!(
        "systemctl show {UNIT}; systemctl status --no-pager {UNIT}"
    ));
    assert!(
        !host.unit_journal(UNIT).contains("monpw") && !shown.stdout.contains("monpw"),
        "no password in the journal or in systemctl's output"
    );
    sh(&host, &format!("systemctl stop {UNIT}"));
    assert!(host.wait_unit(UNIT, "inactive", up));

    // Removal takes everything but the conffiles away; purge those too.
    sh(
        &host,
        "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q nutctl",
    );
    assert!(!host.run("test -e /usr/bin/nutctl").ok());
    assert!(!host.run("test -e /etc/nutctl/targets").ok());

    host.power_off();
    assert!(running_hosts().is_empty(), "{:?}", running_hosts());
}
