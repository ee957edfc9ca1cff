//! Shared helpers for the benchmarks in `benches/benches/`: realistic reply bodies and device files
//! built from a real device dump and a counting allocator. The real upsd lab is the workspace's `nut-lab`
//! crate.
//!
//! Everything here is bench scaffolding: it may panic on a broken checkout (a missing data file), never
//! on network input.
#![deny(missing_docs)]

pub mod alloc;

use std::path::{Path, PathBuf};

/// A `.dev` file shipped in `nut-proto/tests/data/` (sources in `SOURCES.md` there): the benches serve
/// the same real device dumps the protocol tests use.
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nut-proto/tests/data")
        .join(name)
}

/// The `name: value` pairs of two real dummy-ups dumps, in file order, first occurrence of each name
/// kept: a UPS (APC Back-UPS CS 500, 32 variables) then an ePDU (Eaton ePDU MA, 478): 500 distinct
/// names. The vocabulary the generated bodies draw from, so names and values have real lengths.
pub fn real_pairs() -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for file in [
        "client-apc-back-ups-cs500.dev",
        "client-eaton-epdu-ma-1p.dev",
    ] {
        let path = data_file(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("bench data {}: {e}", path.display()));
        for (n, v) in text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(": "))
        {
            if seen.insert(n.trim().to_string()) {
                out.push((n.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    out
}

/// A dummy-ups `.dev` text with the first `n` variables of [`real_pairs`] (names suffixed `.2`, `.3`,
/// … once the real list is exhausted), so a server can hold exactly `n` variables.
pub fn dev_with(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for (name, value) in pairs(n) {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.into_bytes()
}

/// A UPS holding exactly the `n` variables of [`dev_with`]`(n)`: the lines themselves, without
/// what `UpsData::from_dev` adds as dummy-ups does (its defaults, `device.*` mirrored from `ups.*`),
/// so a bench's "n variables" stays n.
pub fn ups_with(name: &str, n: usize) -> nut_proto::server::UpsData {
    let mut ups = nut_proto::server::UpsData::new(name);
    for (var, value) in pairs(n) {
        ups.set_value(&var, value.into_bytes());
    }
    ups
}

fn pairs(n: usize) -> Vec<(String, String)> {
    let base = real_pairs();
    (0..n)
        .map(|i| {
            let (name, value) = &base[i % base.len()];
            let round = i / base.len();
            if round == 0 {
                (name.clone(), value.clone())
            } else {
                (format!("{name}.{}", round + 1), value.clone())
            }
        })
        .collect()
}

/// The exact bytes upsd sends for `LIST VAR <ups>` with `n` variables: `BEGIN LIST VAR`, `n` `VAR`
/// lines with quoted (escaped) values, `END LIST VAR`, each ending in `\n`.
pub fn list_var_body(ups: &str, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 48 + 64);
    out.extend_from_slice(format!("BEGIN LIST VAR {ups}\n").as_bytes());
    for (name, value) in pairs(n) {
        let mut quoted = String::with_capacity(value.len() + 2);
        for c in value.chars() {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        out.extend_from_slice(format!("VAR {ups} {name} \"{quoted}\"\n").as_bytes());
    }
    out.extend_from_slice(format!("END LIST VAR {ups}\n").as_bytes());
    out
}

/// Splits a body into its lines without the `\n` (what a framer hands the parser).
pub fn lines(body: &[u8]) -> Vec<&[u8]> {
    body.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}
