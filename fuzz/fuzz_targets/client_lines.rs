//! Arbitrary bytes through the client's line framer (`LineBuffer`) in arbitrary chunk sizes, each
//! complete line through the reply parser: never a panic, never more than one buffer of memory, and a
//! line is never longer than the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_proto::client::LineBuffer;

fuzz_target!(|data: &[u8]| {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let max = usize::from(cfg) * 4;
    let chunk = usize::from(cfg % 17) + 1;
    let mut lb = LineBuffer::new(max);
    let mut rest = rest;
    loop {
        loop {
            match lb.next_line() {
                Ok(Some(line)) => {
                    assert!(line.len() <= max);
                    let _ = nut_proto::reply::parse_reply(line);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        if rest.is_empty() {
            return;
        }
        let spare = lb.spare();
        let n = chunk.min(spare.len()).min(rest.len());
        assert!(n > 0);
        spare[..n].copy_from_slice(&rest[..n]);
        lb.commit(n);
        rest = &rest[n..];
    }
});
