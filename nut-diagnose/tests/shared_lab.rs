//! The real lab transcripts in `../shared/docs/lab/` (upsmon 2.8.0 against a real upsd): every line is
//! accounted for, each log tells its story, and every log line quoted in `lab.md` is understood.
//! Skipped (with a message) when `../shared` is absent; the same logs are also in `tests/data/`.

use std::path::PathBuf;

use nut_diagnose::facts::Facts;
use nut_diagnose::knowledge::{EventKind, Thresholds};
use nut_diagnose::timeline::{self, EpisodeKind, EpisodeVerdict};
use nut_diagnose::{diagnose, logs, Severity};

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/docs");
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: no ../shared");
        None
    }
}

fn facts_from(bytes: &[u8]) -> Facts {
    let mut f = Facts::default();
    f.logs = logs::events(bytes)
        .filter_map(|(_, e)| e.ok())
        .map(|e| e.into_owned())
        .collect();
    f
}

#[test]
fn lab_logs_tell_their_story() {
    let Some(docs) = shared() else { return };
    let read = |n: &str| std::fs::read(docs.join("lab").join(n)).unwrap();
    // (file, episodes as (kind, verdict), top finding id)
    type Case<'a> = (&'a str, &'a [(EpisodeKind, EpisodeVerdict)], &'a str);
    let cases: &[Case<'_>] = &[
        (
            "upsmon.log",
            &[
                (EpisodeKind::Comms, EpisodeVerdict::RecoveredAutomatically),
                (EpisodeKind::Power, EpisodeVerdict::RecoveredAutomatically),
                (EpisodeKind::Power, EpisodeVerdict::ShutdownInitiated),
                (EpisodeKind::Shutdown, EpisodeVerdict::ShutdownInitiated),
            ],
            "log.shutdown",
        ),
        (
            "upsmon2.log",
            // FSD latched in upsd: "forced shutdown in progress" comes first, right after login.
            &[
                (EpisodeKind::Shutdown, EpisodeVerdict::ShutdownInitiated),
                (EpisodeKind::Power, EpisodeVerdict::ShutdownInitiated),
            ],
            "log.shutdown",
        ),
        (
            "upsmon3.log",
            &[(EpisodeKind::Comms, EpisodeVerdict::RecoveredAutomatically)],
            "log.comms-recovered",
        ),
        (
            "upsmon4.log",
            // A refused login is not a communication loss (upsmon polls on without a login, silently),
            // it is a fault of its own, named login-refused. upsmon stopping at the end does not end
            // it: the password is as wrong as before (only a restart that is not refused again does).
            &[(EpisodeKind::Fault, EpisodeVerdict::StillDown)],
            "auth.login-not-retried",
        ),
        (
            "upsmon5.log",
            &[(EpisodeKind::Comms, EpisodeVerdict::MonitoringStopped)],
            "ups.unknown-name",
        ),
    ];
    for (file, episodes, top) in cases {
        let bytes = read(file);
        let t = timeline::timeline(&bytes);
        let got: Vec<_> = t.episodes.iter().map(|e| (e.kind, e.verdict)).collect();
        assert_eq!(&got, episodes, "{file}");
        assert_eq!(t.stats.unparsed, 0, "{file}");
        // Only shell noise ("kill: No such process", "fopen …") is left unclassified.
        assert!(
            t.stats.unclassified <= 1,
            "{file}: {:?}",
            t.unclassified_samples
        );
        let report = diagnose(&facts_from(&bytes), &Thresholds::default());
        assert_eq!(
            report.findings.first().map(|f| f.id.as_ref()),
            Some(*top),
            "{file}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn lab_log_copies_are_identical() {
    let Some(docs) = shared() else { return };
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (orig, copy) in [
        ("upsmon.log", "upsmon-lab1.log"),
        ("upsmon2.log", "upsmon-lab2.log"),
        ("upsmon3.log", "upsmon-lab3.log"),
        ("upsmon4.log", "upsmon-lab4.log"),
        ("upsmon5.log", "upsmon-lab5.log"),
    ] {
        assert_eq!(
            std::fs::read(docs.join("lab").join(orig)).unwrap(),
            std::fs::read(data.join(copy)).unwrap(),
            "{copy}"
        );
    }
}

#[test]
fn every_line_quoted_in_lab_md_is_understood() {
    let Some(docs) = shared() else { return };
    let text = std::fs::read_to_string(docs.join("lab.md")).unwrap();
    let seen = text.split("Log lines seen:").nth(1).unwrap();
    let quoted: Vec<&str> = seen.split('"').skip(1).step_by(2).collect();
    assert!(quoted.len() >= 15, "{quoted:?}");
    for q in quoted {
        let e = logs::parse_line(q.as_bytes()).unwrap();
        assert!(
            !matches!(e.kind, EventKind::Unclassified | EventKind::Foreign),
            "{q:?} is not understood"
        );
    }
}

#[test]
fn facts_examples_of_section_5_are_understood() {
    let Some(docs) = shared() else { return };
    let text = std::fs::read_to_string(docs.join("nut-facts.md")).unwrap();
    // §5.1's "Example (lab)" column: backquoted lines that start with a known upsmon prefix.
    let sec = text
        .split("### 5.1")
        .nth(1)
        .unwrap()
        .split("### 5.2")
        .next()
        .unwrap();
    let mut n = 0;
    for q in sec.split('`').skip(1).step_by(2) {
        let full = [
            "UPS [pi@",
            "Poll UPS [pi@",
            "Poll UPS [nope@",
            "Login on UPS [",
            "Communications with UPS pi",
        ];
        if full.iter().any(|p| q.starts_with(p)) && !q.contains("%s") && !q.contains('…') {
            let e = logs::parse_line(q.as_bytes()).unwrap();
            assert!(!matches!(e.kind, EventKind::Unclassified), "{q:?}");
            n += 1;
        }
    }
    assert!(n >= 5, "found only {n} examples");
}

#[test]
fn lab_severities() {
    let Some(docs) = shared() else { return };
    let bytes = std::fs::read(docs.join("lab/upsmon3.log")).unwrap();
    let report = diagnose(&facts_from(&bytes), &Thresholds::default());
    assert_eq!(
        report.verdict.worst,
        Some(Severity::Info),
        "upsd restart recovered: {:#?}",
        report.findings
    );
}
