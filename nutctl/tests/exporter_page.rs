//! The exporter's page for people (`/`), seen by a real browser: `nutctl exporter` watches nut-lab's
//! real upsd + dummy-ups (one UPS on battery, one on line power) and a dead server (a closed port);
//! Debian's `chromium`, headless, loads `/` over loopback, takes a screenshot and dumps the DOM as it
//! rendered it. The DOM must show the dead server as such and the UPS on battery, beside the live one.
//!
//! Chromium runs as root with `--no-sandbox`, a fresh profile directory, and every background
//! service off (no update, sync or network of its own: it only talks to the exporter on 127.0.0.1).
//! Each browser run is bounded by `timeout`; about 2-5 s each on an idle machine.
//!
//! Skips without NUT or without chromium, except under `CI=true` (.ci/run installs both).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::nutctl;
use nut_lab::{closed_port, Lab, LabConfig};

const CHROMIUM: &str = "/usr/bin/chromium";

const ON_BATTERY: &str = "ups.status: OB DISCHRG\nbattery.charge: 55\nbattery.runtime: 750\nups.load: 30\ndevice.mfr: Lab\ndevice.model: Lab UPS 1500\n";
const ON_LINE: &str = "ups.status: OL CHRG\nbattery.charge: 97\nbattery.runtime: 2400\nups.load: 22\ndevice.model: Lab UPS 700\n";

/// The exporter child, killed by PID when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium_available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {CHROMIUM} is missing (apt-get install chromium)"
    );
    println!("skipped: no {CHROMIUM} (Debian package chromium)");
    false
}

/// Headless chromium on `url` with `mode` (`--dump-dom` or `--screenshot=FILE`); its stdout.
fn chromium(url: &str, mode: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .args(["-s", "KILL", "90", CHROMIUM])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-proxy-server",
            "--hide-scrollbars",
            "--window-size=1280,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(mode)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium {mode} {url}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `<section>` of one target in the rendered DOM (from its opening tag to the next section).
fn section<'a>(dom: &'a str, target: &str) -> &'a str {
    let open = format!("data-target=\"{target}\"");
    let at = dom
        .find(&open)
        .unwrap_or_else(|| panic!("no section for {target} in the DOM:\n{dom}"));
    let rest = &dom[at..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_page_shows_the_dead_server_and_the_ups_on_battery_in_chromium() {
    if !chromium_available() {
        return;
    }
    let Some(lab) = Lab::start(
        LabConfig::new()
            .ups("rack", ON_BATTERY)
            .ups("desk", ON_LINE),
    ) else {
        return;
    };
    let live = format!("127.0.0.1:{}", lab.port);
    let dead = format!("127.0.0.1:{}", closed_port());
    let mut child = nutctl()
        .args(["--timeout", "2", "exporter", "--listen", "127.0.0.1:0"])
        .args([&live, &dead])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _exporter = Running(child);
    let addr = first
        .split_once("http://")
        .and_then(|(_, r)| r.split('/').next())
        .unwrap_or_else(|| panic!("no listening address in {first:?}"))
        .to_string();
    let url = format!("http://{addr}/");

    let dom = chromium(&url, "--dump-dom");
    // The dead server is shown as such, in its place...
    let down = section(&dom, &dead);
    assert!(down.contains("data-state=\"down\""), "{down}");
    assert!(down.contains("NOT ANSWERING"), "{down}");
    assert!(down.contains("refused"), "the reason is given: {down}");
    // ...and the live one with both UPSes, the one on battery in words, judged by the tables.
    let up = section(&dom, &live);
    assert!(up.contains("data-state=\"up\""), "{up}");
    assert!(
        up.contains("data-ups=\"rack\" data-status=\"OB DISCHRG\" data-severity=\"warning\""),
        "{up}"
    );
    assert!(up.contains(">On battery, discharging<"), "{up}");
    assert!(up.contains("data-finding=\"status.on-battery\""), "{up}");
    assert!(up.contains("<td class=\"value\">55 %</td>"), "{up}");
    assert!(up.contains("data-ups=\"desk\""), "{up}");
    assert!(up.contains(">On line power, charging<"), "{up}");
    assert!(dom.contains("2 UPS on 2 servers"), "{dom}");
    assert!(!dom.contains("<script"), "no script on the page");

    let shot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exporter-page.png");
    let _ = std::fs::remove_file(&shot);
    chromium(&url, &format!("--screenshot={}", shot.display()));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24: the window size asked for.
    let dim = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((dim(16), dim(20)), (1280, 1000));
    assert!(png.len() > 20_000, "a rendered page, not a blank one");
    println!("screenshot: {} ({} bytes)", shot.display(), png.len());
}
