//! Replays the seed corpora of the `config_*` fuzz targets (fuzz/corpus/) through the same checks the
//! targets run.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8]) -> Result<(), String>) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if let Err(e) = check(&data) {
            panic!("{}: {e}", path.display());
        }
        n += 1;
    }
    n
}

#[test]
fn config_parseconf_corpus() {
    assert!(replay("config_parseconf", nut_config::fuzz_support::parseconf) >= 5);
}

#[test]
fn config_nutconf_corpus() {
    assert!(replay("config_nutconf", nut_config::fuzz_support::nutconf) >= 3);
}
