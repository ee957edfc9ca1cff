//! The Network UPS Tools (NUT) network protocol, as spoken by `upsd` on TCP port 3493 (RFC 9271).
//!
//! # Layout
//! - [`target`]: `ups[@host[:port]]`, the one definition of a target (no tokio needed).
#![deny(missing_docs)]

pub mod target;

pub use target::{HostKind, Target, TargetError, DEFAULT_PORT};
