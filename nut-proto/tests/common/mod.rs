//! Shared helpers for the integration tests (each test file declares `mod common;`).
#![allow(dead_code, unreachable_pub)]

pub mod lab;
