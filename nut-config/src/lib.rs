//! Lossless parsers, typed views and located diagnostics for NUT configuration files.
//!
//! Half of real NUT failures are config mistakes, and people edit these files by hand. This crate reads
//! them exactly as NUT does, says precisely where something is wrong, and can edit them without losing
//! a byte that it was not asked to change.
//!
//! # Layout
//!
//! - [`lexer`]: config-file words on top of [`nut_proto::quote::scan_line`] (the one parseconf
//!   tokenizer) with NUT's file limits and findings, and nut.conf's shell assignments.
//! - [`document`]: [`Document`], the lossless file: parse → render is the identity. One job per file:
//!   `kind.rs` ([`FileKind`]), `line.rs` ([`document::Line`]), `redact.rs` (`render_redacted`,
//!   `snippet`), `edit.rs` (`set` / `insert` / `remove` / sections), `io.rs` (`write_atomic`).
//! - [`files`]: one typed view per file kind with NUT's defaults (`NutConf`, `UpsConf`, `UpsdConf`,
//!   `UpsdUsers`, `UpsmonConf`, `UpsschedConf`), each built with `from_document` into a
//!   [`files::Parsed`] (view + diagnostics). `MONITOR` targets are [`nut_proto::Target`]. The
//!   secret-marking policy (which words of which file are secrets) is `files/secrets.rs`.
//! - [`error`]: [`ConfigError`] (`file:line:col: message`), [`Severity`], [`ErrorKind`].
//! - [`dir`]: [`ConfigDir`], a whole config directory, each file Missing / Unreadable / Parsed, with
//!   permission findings.
//! - [`secret`]: [`Secret`] (nut-proto's, the one secret type) and its marker.
//!
//! # Limitations
//!
//! - Cross-file rules (MODE vs files, MONITOR credentials vs upsd.users, LISTEN vs clients) belong to
//!   nut-diagnose.
//! - Column numbers count bytes; line numbers are physical lines (NUT's own messages count logical
//!   lines, which differ after a `\` continuation).
//! - Only files of the six known names get a typed view; others (`hosts.conf`, `upsset.conf`) are
//!   kept losslessly as [`FileKind::Other`].
// No panic site reachable from input: every unwrap/expect/panic of this crate is in a test module
// (checked here, so a new one outside tests fails clippy -D warnings).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![deny(missing_docs)]

pub mod dir;
pub mod document;
pub mod error;
pub mod files;
#[doc(hidden)]
pub mod fuzz_support;
pub mod lexer;
pub mod secret;

pub use dir::{ConfigDir, FileReport, FileState};
pub use document::{Document, FileKind};
pub use error::{ConfigError, ErrorKind, Severity};
pub use secret::Secret;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
