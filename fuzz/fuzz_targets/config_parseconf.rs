//! Any NUT config file kind (first byte picks it): parse → render == input, views never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = nut_config::fuzz_support::parseconf(data) {
        panic!("{e}");
    }
});
