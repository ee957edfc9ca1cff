//! Lossless parsers and typed views for NUT configuration files.
#![deny(missing_docs)]

pub mod document;
pub mod error;
pub mod lexer;
pub mod secret;
