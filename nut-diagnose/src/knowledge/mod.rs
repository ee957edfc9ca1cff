//! What the engine knows, as data: status tokens, thresholds, log-message formats, failure causes and the units each MODE needs.
//!
//! Each table exists once, here, sorted and checked by a test, and is read by every rule (and later by
//! renderers, the exporter and generated alert rules). Only [`Thresholds`] is meant to be tuned by users;
//! the other tables are facts about NUT.

pub mod causes;
pub mod commands;
pub mod log_patterns;
pub mod status;
pub mod thresholds;
pub mod units;

pub use causes::{Cause, CAUSES};
pub use commands::{power_cut, PowerCut, POWER_CUTS};
pub use log_patterns::{CauseId, EventKind, LogPattern, LOG_PATTERNS};
pub use status::{StatusToken, STATUS_TOKENS};
pub use thresholds::{Bound, Level, Limits, Thresholds, ThresholdsError};
pub use units::{UnitNeed, UNITS};
