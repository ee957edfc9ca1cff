//! Owned values returned by the client's typed methods.
//!
//! Text values are `String`s: the protocol is 7-bit ASCII in practice (upsd drops bytes ≥ 0x80 from
//! requests, drivers publish ASCII), so a lossy UTF-8 conversion only ever touches a broken or hostile
//! server's bytes, and callers get a type they can print and compare without ceremony.

/// One entry of `LIST UPS`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UpsInfo {
    /// The UPS name (`[section]` of the server's ups.conf).
    pub name: String,
    /// Its `desc`, or upsd's `Description unavailable`.
    pub description: String,
}

/// A variable and its value (from `LIST VAR`, `LIST RW` or pipelined `GET VAR`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Variable {
    /// Variable name as the server prints it (`battery.charge`).
    pub name: String,
    /// Value, unescaped.
    pub value: String,
}

/// One allowed range from `LIST RANGE`. Kept as text: upsd prints integers, but other servers may not,
/// and a bound that does not parse should still be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Range {
    /// Lower bound.
    pub min: String,
    /// Upper bound.
    pub max: String,
}

/// Status of a tracked `SET VAR`/`INSTCMD` (`GET TRACKING <id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TrackingStatus {
    /// The driver has not answered yet.
    Pending,
    /// The driver reports success.
    Success,
    /// The driver reports failure (`ERR FAILED`).
    Failed,
    /// Unknown or expired id (`ERR UNKNOWN`).
    Unknown,
    /// The driver rejected the arguments (`ERR INVALID-ARGUMENT`).
    InvalidArgument,
}

/// What a successful `SET VAR` or `INSTCMD` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Accepted {
    /// Plain `OK`: forwarded to the driver (which may still fail silently).
    Forwarded,
    /// `OK TRACKING <id>` (tracking on): poll [`Client::tracking_status`](super::Client::tracking_status)
    /// with this id to learn the outcome.
    Tracking(String),
}
