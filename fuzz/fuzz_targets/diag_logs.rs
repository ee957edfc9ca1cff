//! nut-diagnose's log parser and timeline on arbitrary bytes: never a panic, and every non-blank line is
//! accounted for exactly once; the streaming reader (its scan and the reader's half) gives the same
//! report whole, fed in two chunks cut anywhere, and read without its shortcuts. nut-diagnose's `tests/fuzz_corpus.rs` replays the seed corpus with the same
//! checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_diagnose::logs::reader::{LogReader, ReadOptions};
use nut_diagnose::{logs, timeline};

fuzz_target!(|data: &[u8]| {
    let t = timeline::timeline(data);
    let s = &t.stats;
    assert_eq!(s.lines, s.classified + s.unclassified + s.foreign + s.markers + s.unparsed);
    let non_blank = logs::Lines::new(data).filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace)).count();
    assert_eq!(s.lines, non_blank as u64);
    for e in &t.episodes {
        assert!(e.first_line <= e.last_line);
        assert!(e.duration_micros.is_none_or(|d| d >= 0));
    }
    let whole = logs::reader::read_log(data, ReadOptions::default(), None);
    let cut = data.first().map_or(0, |&b| usize::from(b) * data.len() / 256);
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
});
