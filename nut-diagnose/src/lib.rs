//! The NUT troubleshooting guide as a pure rules engine: facts in, findings out.
//!
//! # Layout
//! - [`knowledge`]: the tables, as data: `ups.status` tokens, thresholds (user-overridable), upsmon/upsd
//!   log-message formats, failure causes.
//! - [`facts`]: [`Facts`], everything the rules look at (services, snapshots, probes, log events,
//!   configs, time).
//! - [`logs`]: journal/syslog/upsmon line parser → [`logs::LogEvent`] (zero-copy, total on any bytes).
//! - [`timeline`]: log events → episodes (comms lost → established, on battery → on line, shutdown).
//! - [`watch`]: transitions between two observations of a UPS, for live views (`nutctl watch`).
//! - [`rules`]: pure functions `Facts → Vec<Finding>`, one family per file.
//! - [`fleet`]: many servers and UPSes polled together (`nutctl exporter`): targets, the poller,
//!   snapshots with each UPS's status and threshold judgement.
//! - [`finding`]: [`Finding`] (stable id, severity, evidence, action) and [`Verdict`].
//! - [`config`]: the host's configuration as facts (from nut-config's typed views; passwords redacted).
//! - [`map`]: the authority map (UPS → primary → secondaries → power cut) and its text/Mermaid/DOT forms.
//! - [`drill`]: `nutctl drill`: every link of the shutdown chain read live, the expected sequence
//!   with times, and a real FSD's record against it.
//! - [`probe`]: async traits to gather facts, [`probe::gather`]; with the default feature `probe`, the
//!   real probes (`probe::system`: systemctl/journalctl, `probe::nut`: nut-proto's client) and
//!   `probe::gather_local`. The rules never do I/O.
//!
//! # Example
//! ```
//! use nut_diagnose::{diagnose, facts::Snapshot, knowledge::Thresholds, Facts, Severity};
//! use nut_proto::Target;
//!
//! let mut facts = Facts::default();
//! facts.snapshots.push(Snapshot::new(
//!     Target::parse("ups@192.168.1.10")?,
//!     [("ups.status", "OB LB"), ("ups.load", "40"), ("battery.runtime", "180"), ("battery.charge", "20")],
//! ));
//! let report = diagnose(&facts, &Thresholds::default());
//! assert_eq!(report.verdict.worst, Some(Severity::Critical));
//! assert_eq!(report.findings[0].id, "status.on-battery-low");
//! assert!(report.findings.iter().any(|f| f.id == "practice.bare-ip"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod drill;
pub mod facts;
pub mod finding;
pub mod fleet;
pub mod knowledge;
pub mod logs;
pub mod map;
pub mod probe;
pub mod rules;
pub mod timeline;
pub mod watch;

pub use facts::Facts;
pub use finding::{Evidence, Finding, Severity, Verdict};

use serde::{Deserialize, Serialize};

/// The outcome of a diagnosis: findings (most severe first), their summary, and the log timeline they
/// were partly drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Every finding, most severe first.
    pub findings: Vec<Finding>,
    /// The worst severity and counts.
    pub verdict: Verdict,
    /// The timeline built from `Facts::logs`.
    pub timeline: timeline::Timeline,
    /// The authority map built from the configurations (empty when none was read).
    #[serde(default)]
    pub map: map::AuthorityMap,
}

/// Runs every rule over the facts, the timeline and the authority map (built once, here): what
/// `nutctl doctor` judges after [`probe::gather_local`] (feature `probe`) or a saved facts file.
/// Pure: the same facts and thresholds give the same report.
pub fn diagnose(facts: &Facts, thresholds: &knowledge::Thresholds) -> Report {
    let timeline = timeline::from_events(&facts.logs);
    let map = map::AuthorityMap::build(facts);
    let findings = rules::run(facts, thresholds, &timeline, &map);
    Report {
        verdict: Verdict::of(&findings),
        findings,
        timeline,
        map,
    }
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
