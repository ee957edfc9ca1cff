//! nut-diagnose's `systemctl show` / `systemctl list-units` parsers on arbitrary bytes: never a panic,
//! only driver unit names come out. nut-diagnose's `tests/fuzz_corpus.rs` replays the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_diagnose::probe::system::{parse_driver_units, parse_show};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let show = parse_show(&text);
    let _ = show.state();
    let _ = show.detail();
    for u in parse_driver_units(&text) {
        assert!(u.starts_with("nut-driver@") && u.ends_with(".service"));
    }
});
