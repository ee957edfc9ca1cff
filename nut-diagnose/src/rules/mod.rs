//! The rules: pure functions from [`Facts`] (and the knowledge tables) to [`Finding`]s, one family per file.
//! Each rule is a small function with its tests below it; no rule does I/O.
//!
//! - [`assess`] (`assess.rs`): one snapshot judged for `nutctl status`: findings plus each quick-view
//!   metric's judgement.
//! - [`status`]: `ups.status` tokens and the load/runtime/charge thresholds on each snapshot.
//! - [`reality_check`]: why a probe of a target failed (DNS, TCP, NUT), or that it worked.
//! - [`silent`]: what upsmon stays quiet about, and the log timeline's episodes.
//! - [`practice`]: best practices that need only a snapshot or a target.
//! - [`service`]: failed NUT units.
//! - [`config`] (one file per family: mode, consistency, shutdown, order, files): MODE and units → role and contradictions, cross-file consistency, the shutdown chain,
//!   shutdown-order practice, nut-config's diagnostics.
//! - [`crate::map`]: the authority map's findings (two primaries, no primary, a secondary that drives).

mod assess;
pub mod config;
pub mod practice;
pub mod reality_check;
pub mod service;
pub mod silent;
pub mod status;

pub use assess::{assess, Assessment, MetricJudgement};

use crate::facts::Facts;
use crate::finding::Finding;
use crate::knowledge::Thresholds;
use crate::timeline::Timeline;

/// Runs every rule. Findings come back sorted: most severe first, then by id and subject, so output is
/// stable from run to run.
pub fn run(
    facts: &Facts,
    thresholds: &Thresholds,
    timeline: &Timeline,
    map: &crate::map::AuthorityMap,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &facts.snapshots {
        out.extend(status::status(s));
        out.extend(status::thresholds(s, thresholds));
    }
    out.extend(facts.probes.iter().filter_map(reality_check::reality_check));
    out.extend(service::rules(facts));
    out.extend(silent::rules(facts, timeline));
    out.extend(practice::rules(facts, thresholds));
    out.extend(config::rules(facts));
    out.extend(crate::map::findings(map));
    crate::finding::sort(&mut out);
    out
}
