//! Arbitrary bytes, split into lines, through the reply parser: never a panic; parsed values' views
//! (unescape, lossy text, list membership) never panic either; the hand-written fast path and the
//! pure nom grammar give the same answer for every line (the fast path holds the crate's one `unsafe`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_proto::reply::{
    parse_reply, parse_reply_grammar, parse_reply_with_limit, ListHeader, ListKind, Reply,
    DEFAULT_MAX_LINE,
};

fuzz_target!(|data: &[u8]| {
    let header = ListHeader::new(ListKind::Var, Some("pi"), None);
    for line in data.split(|&b| b == b'\n') {
        let _ = parse_reply_with_limit(line, 64);
        assert_eq!(parse_reply(line), parse_reply_grammar(line, DEFAULT_MAX_LINE));
        if let Ok(reply) = parse_reply(line) {
            let _ = reply.belongs_to(&header);
            let _ = reply.ends(&header);
            if let Reply::Var { value, .. } | Reply::Rw { value, .. } | Reply::Enum { value, .. } =
                reply
            {
                let _ = value.unescape();
                let _ = value.to_text_lossy();
            }
        }
    }
});
