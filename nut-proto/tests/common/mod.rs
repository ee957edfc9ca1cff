//! Shared helpers for the integration tests (each test file declares `mod common;`): the real-NUT lab
//! (the workspace's `nut-lab` crate) fed with this crate's `tests/data/` files.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::path::PathBuf;

pub use nut_lab::{wait_for, Lab, LabConfig, ADMIN, MON};

/// A file shipped in `tests/data/` (sources in `tests/data/SOURCES.md`).
pub fn data_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A lab serving these `tests/data/` dumps as `lab0`, `lab1`, ….
pub fn lab_config(devs: &[&str]) -> LabConfig {
    devs.iter()
        .fold(LabConfig::new().prefix("nutproto-lab."), |c, d| {
            c.dev_file(data_file(d))
        })
}

/// The test server certificate of `tests/data/client-tls-*`, for a STARTTLS lab.
pub fn tls_files() -> nut_lab::TlsFiles {
    nut_lab::TlsFiles {
        cert: data_file("client-tls-server.pem"),
        key: data_file("client-tls-server.key"),
        ca: data_file("client-tls-ca.pem"),
    }
}

/// `lab<i>@127.0.0.1:port`.
pub fn target(lab: &Lab, i: usize) -> nut_proto::Target {
    nut_proto::Target::new(lab.ups(i), "127.0.0.1", lab.port)
}
