//! Arbitrary bytes through the readers of the files an embedded server loads the way NUT does: a
//! dummy-ups definition file (`UpsData::from_dev`, then `.seq` playback of the same text) and
//! upsd's cmdvartab (`Descriptions::parse`). Never a panic; every value stays within dummy-ups'
//! buffers and every kept byte is one parseconf keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_proto::server::{Descriptions, UpsData};

fuzz_target!(|data: &[u8]| {
    let mut ups = UpsData::from_dev("f", data);
    for v in ups.vars() {
        // ups.status: the driver core's 256-byte buffer; other values: 127 bytes (255 for driver.*).
        assert!(v.value.len() <= 255, "{}", v.name);
        assert!(v.value.iter().all(|b| (0x20..=0x7f).contains(b)));
    }
    ups.apply_dev_text(data);
    let d = Descriptions::parse(data);
    let _ = d.var("ups.status");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = nut_proto::server::sequence(text);
    }
});
