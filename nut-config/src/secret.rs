//! Secrets read from config files are [`nut_proto::Secret`], the one secret type of the workspace
//! (compared, sent as `PASSWORD`, never printed: `Debug`, `Display` and JSON show [`REDACTED`]). Which
//! words of which files are secrets is decided in one place, [`crate::files`]' secret policy.

pub use nut_proto::secret::{Secret, REDACTED};
