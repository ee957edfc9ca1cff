//! The real-world corpus (`tests/real-world/logs/`): for every excerpt users pasted in public threads,
//! the library reads the bytes (with the excerpt's `year:` if given) and its verdict must name the cause
//! the thread concluded: the headline incident's root cause ([`Timeline::headline`]).
//!
//! `cause: unknown` excerpts are format samples: for them every NUT line must be understood instead.
//! `cause: other` excerpts pass when the verdict claims no specific cause it cannot support (no
//! incident, or one whose cause is `other`). Excerpts whose lines cannot single out their cause are in
//! [`HONEST`] with the reason and the honest verdict they must give instead (the thread's cause among
//! the named candidates, or no claim at all); the test fails if one of them starts passing outright
//! (so the list stays true), loses its honest form, or if any other excerpt misses.
//!
//! `NUTCTL_CORPUS_REPORT=1 cargo test -p nut-diagnose --test real_world_logs -- --nocapture` prints
//! the table.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nut_diagnose::logs::reader::{read_log, LogReport, ReadOptions};
use nut_diagnose::timeline::Timeline;

/// Excerpts whose lines cannot single out their cause, with why, and the honest verdict asserted
/// instead: [`Honest::Among`] — the headline names a cause the same evidence fits and lists the
/// thread's cause among its candidates (so the finding says "X or Y"), [`Honest::NoClaim`] — no
/// NUT message is left in the lines, and the verdict claims no cause at all (the line is counted as
/// not understood), [`Honest::Unnamed`] — the lines are understood, but what they say fits several
/// causes too different to name one, and the verdict claims none. The test fails when one of them
/// passes outright (take it off the list) or loses its honest form.
const HONEST: &[(&str, Honest, &str)] = &[
    ("006-nethserver-firewall-connection-refused.log", Honest::Among, "a firewall REJECT reads exactly like upsd not listening (Connection refused): both are named"),
    ("010-openwrt-eaton-driver-not-connected.log", Honest::Among, "the lines show only the driver gone (Driver not connected, a new usbhid-ups starting); a USB drop is named as what a driver exit commonly follows"),
    ("013-resume-from-standby-broken-pipe.log", Honest::Among, "nothing in the excerpt says the host slept: stale data that recovers by itself fits a sleep as well as a USB blip"),
    ("029-nutdrv-qx-274-no-supported-devices.log", Honest::Among, "'No supported devices found' is the same line for an unsupported device (the thread's cause) and an absent one"),
    ("031-mail-redacted-login-denied.log", Honest::NoClaim, "the mail redaction replaced '[ups@host]' by '***@***.***', so the line is no longer NUT's message format"),
    ("037-ha-addon-journal-fsd-shutdowncmd-loop.log", Honest::Among, "'Unable to call shutdown command' is a wrong SHUTDOWNCMD or one that cannot work where upsmon runs (the container): both are named"),
    ("042-docker-tripplite-stale-then-connect-timeout.log", Honest::Among, "two failures hours apart with no recovery between: the first (stale data) is the cause, the later upsd timeout a candidate"),
    ("056-secondary-fsd-reverse-order-shutdownexit-test.log", Honest::Among, "a deliberate FSD test: the lines show a forced shutdown without an outage; a test is the other candidate"),
    ("060-remote-upsd-unreachable-poll-timeout-custom-notifymsg.log", Honest::Among, "upsmon reports a timed-out poll as 'Server disconnected', the same text as a closed connection"),
    ("062-iobroker-ehostunreach-synology-upsd.log", Honest::NoClaim, "a third-party client's own error text (Node.js EHOSTUNREACH), no NUT message"),
    ("064-domoticz-plugin-no-route-server-off.log", Honest::NoClaim, "a third-party plugin's own error text, no NUT message"),
    ("069-omv-short-iso-upssched-forced-shutdown-no-outage.log", Honest::NoClaim, "the shutdown went through a user-named upssched command and a custom notify text; NUT's own FSD lines are not in the excerpt"),
    ("089-ha-integration-addon-port-taken-socket-error.log", Honest::Unnamed, "pynut2's 'Socket error.' is its one text for every failed connect (refused, no route, timed out, a name that does not resolve): the line is understood, no cause named"),
    ("090-ha-integration-aionut-data-stale-driver-failed-to-start.log", Honest::Among, "the integration's stale-data reply comes first, the driver's failed start (the add-on's log after a restart) later, with no times between: the first is named, the driver among the candidates"),
];

/// The verdict an excerpt in [`HONEST`] must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Honest {
    /// The headline's candidates include the thread's cause.
    Among,
    /// No cause claimed, and the line not understood.
    NoClaim,
    /// No cause claimed, the lines understood.
    Unnamed,
}

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

/// Whether the excerpt's verdict has the honest form `h`.
fn honest(x: &Excerpt, r: &LogReport, h: Honest) -> bool {
    match h {
        Honest::Among => r.timeline.headline().is_some_and(|e| {
            e.cause.is_some() && e.candidates.iter().any(|c| c.cause.as_str() == x.cause)
        }),
        Honest::NoClaim => verdict(&r.timeline) == "none" && r.timeline.stats.unclassified > 0,
        Honest::Unnamed => verdict(&r.timeline) == "none" && r.timeline.stats.classified > 0,
    }
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
    let (mut pass, mut honest_count, mut classified, mut unclassified) = (0, 0, 0, 0);
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
        let listed = HONEST
            .iter()
            .find(|(n, _, _)| *n == x.name)
            .map(|(_, h, _)| *h);
        if ok {
            pass += 1;
        }
        match (ok, listed) {
            (false, None) => failures.push(format!(
                "{}: wants {}, verdict {}",
                x.name,
                x.cause,
                verdict(&r.timeline)
            )),
            (true, Some(_)) => failures.push(format!(
                "{}: listed in HONEST but names its cause now; take it off the list",
                x.name
            )),
            (false, Some(h)) if honest(x, &r, h) => honest_count += 1,
            (false, Some(h)) => failures.push(format!(
                "{}: wants the honest form {h:?} (cause {} among the candidates / no claim), verdict {} candidates {:?}",
                x.name,
                x.cause,
                verdict(&r.timeline),
                r.timeline.headline().map(|e| &e.candidates)
            )),
            (true, None) => {}
        }
    }
    println!(
        "real-world corpus: {pass}/{} excerpts name their cause, {honest_count} more give the honest form ({} listed); lines classified {classified}, not understood {unclassified}",
        corpus.len(),
        HONEST.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
