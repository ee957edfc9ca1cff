//! nut.conf (shell syntax): parse → render == input, the view never panics, edits read back.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = nut_config::fuzz_support::nutconf(data) {
        panic!("{e}");
    }
});
