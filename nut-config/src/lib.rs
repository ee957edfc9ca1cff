//! Lossless parsers and typed views for NUT configuration files.
#![deny(missing_docs)]
