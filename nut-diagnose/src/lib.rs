//! The NUT troubleshooting guide as a pure rules engine: facts in, findings out.
#![deny(missing_docs)]

pub mod facts;
pub mod finding;
pub mod knowledge;
pub mod logs;
pub mod probe;
pub mod timeline;
