//! The NUT troubleshooting guide as a pure rules engine: facts in, findings out.
#![deny(missing_docs)]
