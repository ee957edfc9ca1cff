//! Replays the seed corpus of the `client_lines` fuzz target (`fuzz/corpus/client_lines/`) through the
//! same steps as the target, so the inputs the fuzzer starts from stay covered by `cargo test`.
#![cfg(feature = "client")]

use std::path::Path;

use nut_proto::client::LineBuffer;

/// The body of `fuzz/fuzz_targets/client_lines.rs`; returns the lines framed.
fn run(data: &[u8]) -> usize {
    let Some((&cfg, rest)) = data.split_first() else {
        return 0;
    };
    let max = usize::from(cfg) * 4;
    let chunk = usize::from(cfg % 17) + 1;
    let mut lb = LineBuffer::new(max);
    let mut rest = rest;
    let mut count = 0;
    loop {
        loop {
            match lb.next_line() {
                Ok(Some(line)) => {
                    assert!(line.len() <= max);
                    let _ = nut_proto::reply::parse_reply(line);
                    count += 1;
                }
                Ok(None) => break,
                Err(_) => return count,
            }
        }
        if rest.is_empty() {
            return count;
        }
        let spare = lb.spare();
        let n = chunk.min(spare.len()).min(rest.len());
        assert!(n > 0);
        spare[..n].copy_from_slice(&rest[..n]);
        lb.commit(n);
        rest = &rest[n..];
    }
}

#[test]
fn client_lines_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/client_lines");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "corpus {} too small", dir.display());
    let mut framed = std::collections::BTreeMap::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        framed.insert(name, run(&std::fs::read(f).unwrap()));
    }
    // The hand-written seeds frame what they say they frame.
    assert_eq!(framed["list"], 3);
    assert_eq!(framed["overlong"], 0);
    assert_eq!(framed["crlf"], 5);
    assert_eq!(framed["zero-max"], 3);
    assert_eq!(framed["escapes"], 2);
}
