//! One snapshot judged for a quick view (`nutctl status`): the status and threshold findings in the one
//! order, and for each of charge, runtime and load the finding that judged it.

use serde::Serialize;

use super::status::{metric, Metric};
use super::{practice, status};
use crate::facts::Snapshot;
use crate::finding::{self, Finding, Severity};
use crate::knowledge::Thresholds;

/// How one quick-view figure was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricJudgement {
    /// The variable (`battery.charge`).
    pub variable: &'static str,
    /// Its value as sent; `None` when the UPS does not report it.
    pub value: Option<String>,
    /// The severity of the finding that judged it; `None` when no rule judged it.
    pub severity: Option<Severity>,
    /// The id of that finding (`threshold.charge.ok`, or `practice.load-above-half` for a load
    /// between ideal and warning).
    pub finding: Option<String>,
}

/// A snapshot's findings and metric judgements.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// Status, threshold and load-practice findings, in [`finding::order`].
    pub findings: Vec<Finding>,
    /// Charge, runtime, load, in that order.
    pub metrics: Vec<MetricJudgement>,
}

/// Judges one snapshot: `ups.status`, each threshold, and the load practice (which speaks for a load
/// between ideal and warning, where the threshold rule stays silent).
pub fn assess(s: &Snapshot, t: &Thresholds) -> Assessment {
    let mut findings = status::status(s);
    let mut metrics = Vec::with_capacity(Metric::QUICK_VIEW.len());
    for m in Metric::QUICK_VIEW {
        let mut own: Vec<Finding> = metric(s, m, t).into_iter().collect();
        if m == Metric::Load {
            own.extend(practice::load_above_half(s, t));
        }
        finding::sort(&mut own);
        let judged = own.first();
        metrics.push(MetricJudgement {
            variable: m.var(),
            value: s.get(m.var()).map(str::to_string),
            severity: judged.map(|f| f.severity),
            finding: judged.map(|f| f.id.to_string()),
        });
        findings.extend(own);
    }
    finding::sort(&mut findings);
    Assessment { findings, metrics }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_proto::Target;

    fn snap(vars: &[(&str, &str)]) -> Snapshot {
        Snapshot::new(Target::new("ups", "h", 3493), vars.iter().copied())
    }

    fn judged(a: &Assessment) -> Vec<(&str, Option<&str>)> {
        a.metrics
            .iter()
            .map(|m| (m.variable, m.finding.as_deref()))
            .collect()
    }

    #[test]
    fn each_metric_names_the_finding_that_judged_it() {
        let t = Thresholds::default();
        let a = assess(
            &snap(&[
                ("ups.status", "OL"),
                ("battery.charge", "100"),
                ("ups.load", "60"),
            ]),
            &t,
        );
        assert_eq!(
            judged(&a),
            [
                ("battery.charge", Some("threshold.charge.ok")),
                ("battery.runtime", Some("threshold.runtime.unknown")),
                ("ups.load", Some("practice.load-above-half")),
            ]
        );
        let mut sorted = a.findings.clone();
        finding::sort(&mut sorted);
        assert_eq!(
            sorted.iter().map(|f| &f.id).collect::<Vec<_>>(),
            a.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
        );
        assert!(a
            .findings
            .iter()
            .any(|f| f.id == "practice.load-above-half"));
    }
}
