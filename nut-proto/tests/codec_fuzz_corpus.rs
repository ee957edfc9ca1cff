//! Replays the seed corpora of this crate's fuzz targets (`fuzz/corpus/proto_*`), so the inputs the
//! fuzzers start from (and any crash reproducer added there) are checked by a plain `cargo test`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::path::{Path, PathBuf};

use nut_proto::reply::{parse_reply, Reply};
use nut_proto::server::request::{parse_request_line, tokenize};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
}

#[test]
fn proto_reply_seeds_parse() {
    for (path, bytes) in corpus("proto_reply") {
        // Seeds are real server lines: every one must parse, and lists must be framed.
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let r = parse_reply(line);
            assert!(
                r.is_ok(),
                "{}: {:?} -> {r:?}",
                path.display(),
                String::from_utf8_lossy(line)
            );
        }
        if path.ends_with("list-var-pi") {
            let lines: Vec<Reply<'_>> = bytes
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| parse_reply(l).unwrap())
                .collect();
            let Some(Reply::BeginList(h)) = lines.first() else {
                panic!("{lines:?}")
            };
            assert!(lines.last().unwrap().ends(h));
            assert!(lines[1..lines.len() - 1].iter().all(|r| r.belongs_to(h)));
        }
    }
}

#[test]
fn proto_request_seeds_tokenize() {
    let mut commands = 0;
    for (_, bytes) in corpus("proto_request") {
        for line in bytes.split(|&b| b == b'\n') {
            let _ = tokenize(line);
            if let Ok(words) = parse_request_line(line) {
                if let Ok(cmd) = words.command() {
                    commands += 1;
                    if let Ok(encoded) = cmd.to_line() {
                        assert_eq!(
                            parse_request_line(&encoded).unwrap().command().unwrap(),
                            cmd
                        );
                    }
                }
            }
        }
    }
    assert!(commands > 30, "{commands}");
}

#[test]
fn proto_roundtrip_seeds_are_total() {
    for (_, bytes) in corpus("proto_roundtrip") {
        for line in bytes.split(|&b| b == b'\n') {
            let _ = parse_reply(line);
            let _ = parse_request_line(line).map(|w| w.command().map(|c| c.to_line()).is_ok());
        }
    }
}

#[test]
fn proto_datafiles_seeds_load_within_dummy_ups_bounds() {
    use nut_proto::server::{Descriptions, UpsData};
    let mut vars = 0;
    for (path, bytes) in corpus("proto_datafiles") {
        let ups = UpsData::from_dev("f", &bytes);
        for v in ups.vars() {
            assert!(v.value.len() <= 255, "{}: {}", path.display(), v.name);
            assert!(v.value.iter().all(|b| (0x20..=0x7f).contains(b)));
            vars += 1;
        }
        let _ = Descriptions::parse(&bytes);
    }
    assert!(vars > 50, "{vars}");
    let d = Descriptions::parse(
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fuzz/corpus/proto_datafiles/cmdvartab-grammar"),
        )
        .unwrap(),
    );
    assert_eq!(d.var("ups.status"), Some(&b"later  joined"[..]));
}
