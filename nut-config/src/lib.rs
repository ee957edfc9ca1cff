//! Lossless parsers and typed views for NUT configuration files.
#![deny(missing_docs)]

pub mod document;
pub mod error;
pub mod files;
pub mod lexer;
pub mod secret;

pub use document::{Document, FileKind};
pub use error::{ConfigError, ErrorKind, Severity};
pub use secret::Secret;
