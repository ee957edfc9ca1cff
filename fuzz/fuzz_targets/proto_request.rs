//! Arbitrary bytes through the server's request tokenizer and command parser: never a panic, and a
//! parsed command re-encodes to a line that parses back to the same command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_proto::server::request::{parse_request_line, tokenize};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let _ = tokenize(line);
        let Ok(words) = parse_request_line(line) else {
            continue;
        };
        let Ok(cmd) = words.command() else { continue };
        // Words may hold CR/NUL (kept losslessly); the encoder refuses those, which is fine.
        if let Ok(encoded) = cmd.to_line() {
            let again = parse_request_line(&encoded).expect("own encoding tokenizes");
            assert_eq!(again.command().expect("own encoding parses"), cmd);
        }
    }
});
