//! The real-world corpus (`tests/real-world/logs/`): for every excerpt users pasted in public threads,
//! the library reads the bytes (with the excerpt's `year:` if given) and its verdict must name the cause
//! the thread concluded: the headline incident's root cause ([`Timeline::headline`]).
//!
//! `cause: unknown` excerpts are format samples: for them every NUT line must be understood instead.
//! `cause: other` excerpts pass when the verdict claims no specific cause it cannot support (no
//! incident, or one whose cause is `other`). Excerpts that cannot be diagnosed from their lines are in
//! [`KNOWN_MISSES`] with the reason; the test fails if one of them starts passing (so the list stays
//! true) or if any other excerpt misses.
//!
//! `NUTCTL_CORPUS_REPORT=1 cargo test -p nut-diagnose --test real_world_logs -- --nocapture` prints
//! the table.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nut_diagnose::logs::reader::{read_log, LogReport, ReadOptions};
use nut_diagnose::timeline::Timeline;

/// Excerpts whose lines do not carry their cause, with why.
const KNOWN_MISSES: &[(&str, &str)] = &[
    ("006-nethserver-firewall-connection-refused.log", "a firewall REJECT reads exactly like upsd not listening (Connection refused); only the thread knew the firewall"),
    ("010-openwrt-eaton-driver-not-connected.log", "the lines show only the driver gone (Driver not connected, a new usbhid-ups starting); the USB drop is not in the excerpt"),
    ("013-resume-from-standby-broken-pipe.log", "nothing in the excerpt says the host slept: stale data and a broken pipe that recover by themselves"),
    ("029-nutdrv-qx-274-no-supported-devices.log", "'No supported devices found' is the same line for an unsupported device (the thread's cause) and an absent one"),
    ("031-mail-redacted-login-denied.log", "the mail redaction replaced '[ups@host]' by '***@***.***', so the line is no longer NUT's message format"),
    ("036-apc-bx-spurious-lb-rb.log", "the UPS itself reported RB (and LB); that the flags were spurious is the thread's conclusion, not the log's"),
    ("042-docker-tripplite-stale-then-connect-timeout.log", "two incidents six hours apart with no recovery between; the thread names the later one (upsd hung), the log's first is stale data"),
    ("043-opnsense-gui-table-precmd-failed-timeout.log", "the driver failure happened inside the rc script's precmd, which logs only 'failed precmd routine'; upsmon's timeouts are all the log says"),
    ("037-ha-addon-journal-fsd-shutdowncmd-loop.log", "the thread files the failing SHUTDOWNCMD inside the container as 'other'; the log's 'Unable to call shutdown command' reads as a configuration error"),
    ("056-secondary-fsd-reverse-order-shutdownexit-test.log", "a deliberate FSD test: the lines show a forced shutdown without an outage, which is all a log can say"),
    ("060-remote-upsd-unreachable-poll-timeout-custom-notifymsg.log", "the poll timeout shows only as 'Server disconnected' (upsmon's text for it); that it was a timeout is in the thread"),
    ("062-iobroker-ehostunreach-synology-upsd.log", "a third-party client's own error text (Node.js EHOSTUNREACH), no NUT message"),
    ("063-iobroker-driver-not-connected-after-reboot.log", "a third-party client's own error text around the bare protocol token DRIVER-NOT-CONNECTED, no NUT message"),
    ("064-domoticz-plugin-no-route-server-off.log", "a third-party plugin's own error text, no NUT message"),
    ("069-omv-short-iso-upssched-forced-shutdown-no-outage.log", "the shutdown went through a user-named upssched command and a custom notify text; NUT's own FSD lines are not in the excerpt"),
];

struct Excerpt {
    name: String,
    cause: String,
    year: Option<i16>,
    body: Vec<u8>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-world/logs")
}

fn load() -> Vec<Excerpt> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(corpus_dir()) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    paths.sort();
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let split = bytes
            .windows(5)
            .position(|w| w == b"#---\n")
            .unwrap_or_else(|| panic!("{name}: no #--- line"));
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let field = |k: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("#: {k}:")))
                .map(|v| v.trim().to_string())
        };
        out.push(Excerpt {
            cause: field("cause").unwrap_or_else(|| panic!("{name}: no cause")),
            year: field("year").and_then(|y| y.parse().ok()),
            body: bytes[split + 5..].to_vec(),
            name,
        });
    }
    out
}

fn verdict(t: &Timeline) -> String {
    t.headline()
        .and_then(|e| e.cause)
        .map_or("none".to_string(), |c| c.as_str().to_string())
}

fn passes(x: &Excerpt, r: &LogReport) -> bool {
    let got = verdict(&r.timeline);
    match x.cause.as_str() {
        "unknown" => r.timeline.stats.unclassified == 0,
        "other" => got == "none" || got == "other",
        c => got == c,
    }
}

#[test]
fn every_excerpt_names_its_cause() {
    let corpus = load();
    if corpus.is_empty() {
        eprintln!(
            "skipped: no real-world corpus in {}",
            corpus_dir().display()
        );
        return;
    }
    let report = std::env::var_os("NUTCTL_CORPUS_REPORT").is_some();
    let mut failures = Vec::new();
    let (mut pass, mut classified, mut unclassified) = (0, 0, 0);
    for x in &corpus {
        let opts = ReadOptions {
            year: x.year,
            ..ReadOptions::default()
        };
        let r = read_log(&x.body, opts, None);
        let ok = passes(x, &r);
        let s = &r.timeline.stats;
        classified += s.classified;
        unclassified += s.unclassified;
        if report {
            let eps: Vec<String> = r
                .timeline
                .episodes
                .iter()
                .map(|e| format!("{:?}/{}", e.kind, e.cause.map_or("-", |c| c.as_str())))
                .collect();
            println!(
                "{} {:<55} want {:<20} got {:<20} cls {}/{} unc {} {:?} {:?}",
                if ok { "PASS" } else { "MISS" },
                x.name,
                x.cause,
                verdict(&r.timeline),
                s.classified,
                s.lines,
                s.unclassified,
                eps,
                r.timeline.unclassified_samples
            );
        }
        let known = KNOWN_MISSES.iter().any(|(n, _)| *n == x.name);
        if ok {
            pass += 1;
        }
        match (ok, known) {
            (false, false) => failures.push(format!(
                "{}: wants {}, verdict {}",
                x.name,
                x.cause,
                verdict(&r.timeline)
            )),
            (true, true) => failures.push(format!(
                "{}: listed as a known miss but passes now; take it off the list",
                x.name
            )),
            _ => {}
        }
    }
    println!(
        "real-world corpus: {pass}/{} excerpts name their cause ({} known misses); lines classified {classified}, not understood {unclassified}",
        corpus.len(),
        KNOWN_MISSES.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
