//! Lossless parsers and typed views for NUT configuration files.
#![deny(missing_docs)]

pub mod dir;
pub mod document;
pub mod error;
pub mod files;
pub mod lexer;
pub mod secret;

pub use dir::{ConfigDir, FileReport, FileState};
pub use document::{Document, FileKind};
pub use error::{ConfigError, ErrorKind, Severity};
pub use secret::Secret;
