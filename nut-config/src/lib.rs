//! Lossless parsers, typed views and located diagnostics for NUT configuration files.
//!
//! Half of real NUT failures are config mistakes, and people edit these files by hand. This crate reads
//! them exactly as NUT does, says precisely where something is wrong, and can edit them without losing
//! a byte that it was not asked to change.
//!
//! # Layout
//!
//! - [`lexer`]: NUT's "parseconf" tokenizer (words, quotes, escapes, `#` comments, `=`, continuations)
//!   and nut.conf's shell assignments, with byte spans and NUT's own limits.
//! - [`document`]: [`Document`], the lossless file: parse → render is the identity; `set` / `insert` /
//!   `remove` / `add_section` / `remove_section` rewrite only the touched line; `write_atomic`;
//!   `render_redacted`.
//! - [`files`]: one typed view per file kind with NUT's defaults (`NutConf`, `UpsConf`, `UpsdConf`,
//!   `UpsdUsers`, `UpsmonConf`, `UpsschedConf`), each built with `from_document` into a
//!   [`files::Parsed`] (view + diagnostics). `MONITOR` targets are [`nut_proto::Target`].
//! - [`error`]: [`ConfigError`] (`file:line:col: message`), [`Severity`], [`ErrorKind`].
//! - [`dir`]: [`ConfigDir`], a whole config directory, each file Missing / Unreadable / Parsed, with
//!   permission findings.
//! - [`secret`]: [`Secret`], a password that never prints.
//!
//! # Limitations
//!
//! - Cross-file rules (MODE vs files, MONITOR credentials vs upsd.users, LISTEN vs clients) belong to
//!   nut-diagnose.
//! - Column numbers count bytes; line numbers are physical lines (NUT's own messages count logical
//!   lines, which differ after a `\` continuation).
//! - Only files of the six known names get a typed view; others (`hosts.conf`, `upsset.conf`) are
//!   kept losslessly as [`FileKind::Other`].
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
