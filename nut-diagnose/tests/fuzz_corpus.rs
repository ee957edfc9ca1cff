//! Replays the seed corpus of the `diag_logs` fuzz target (`fuzz/corpus/diag_logs/`) with the target's
//! checks, so the corpus stays a regression test even where cargo-fuzz is not installed.

use std::path::Path;

use nut_diagnose::logs::reader::{read_log, LogReader, ReadOptions};
use nut_diagnose::{logs, timeline};

/// The same checks as `fuzz/fuzz_targets/diag_logs.rs`.
fn check(data: &[u8]) {
    let t = timeline::timeline(data);
    let s = &t.stats;
    assert_eq!(
        s.lines,
        s.classified + s.unclassified + s.foreign + s.markers + s.unparsed
    );
    let non_blank = logs::Lines::new(data)
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(s.lines, non_blank as u64);
    for e in &t.episodes {
        assert!(e.first_line <= e.last_line);
        assert!(e.duration_micros.map_or(true, |d| d >= 0));
    }
    let whole = read_log(data, ReadOptions::default(), None);
    let cut = data
        .first()
        .map_or(0, |&b| usize::from(b) * data.len() / 256);
    let mut r = LogReader::new(ReadOptions::default());
    r.feed(data.get(..cut).unwrap_or_default());
    r.feed(data.get(cut..).unwrap_or_default());
    assert_eq!(r.judge(None), whole);
    // The scan's shortcuts (prefilter, remembered headers, a syslog header read once) change nothing.
    let mut plain = LogReader::without_shortcuts(ReadOptions::default());
    plain.feed(data);
    assert_eq!(plain.judge(None), whole);
    for (_, ev) in logs::events(data) {
        if let Ok(ev) = ev {
            if let Some(u) = ev.ups.as_deref() {
                assert!(ev.message.contains(u));
            }
            let owned = ev.clone().into_owned();
            assert_eq!(owned, ev);
        }
    }
}

#[test]
fn seed_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/diag_logs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            check(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 5, "expected the seed corpus in {}", dir.display());
}

#[test]
fn seed_corpus_means_something() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/diag_logs");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let short = timeline::timeline(&read("journal-short.txt"));
    assert_eq!(
        (
            short.stats.markers,
            short.stats.foreign,
            short.stats.unclassified
        ),
        (1, 1, 0)
    );
    assert_eq!(short.episodes.len(), 1);
    assert_eq!(
        short.episodes[0].duration_micros,
        Some((9 * 60 + 59) * 1_000_000 + 123_456)
    );
    let json = timeline::timeline(&read("journal-json.txt"));
    assert_eq!(json.stats.unparsed, 1, "the truncated last line");
    let iso = timeline::timeline(&read("journal-iso.txt"));
    assert!(iso
        .episodes
        .iter()
        .all(|e| e.verdict == timeline::EpisodeVerdict::ShutdownInitiated));
}

/// The checks of `fuzz/fuzz_targets/diag_systemctl.rs`.
fn check_systemctl(data: &[u8]) -> usize {
    use nut_diagnose::probe::system::{parse_driver_units, parse_show};
    let text = String::from_utf8_lossy(data);
    let show = parse_show(&text);
    let _ = show.state();
    let _ = show.detail();
    let units = parse_driver_units(&text);
    for u in &units {
        assert!(u.starts_with("nut-driver@") && u.ends_with(".service"));
    }
    units.len()
}

#[test]
fn systemctl_seed_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/diag_systemctl");
    let mut n = 0;
    let mut units = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            units += check_systemctl(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 3, "expected the seed corpus in {}", dir.display());
    assert_eq!(units, 2, "the two driver units of list-units.txt");
}
