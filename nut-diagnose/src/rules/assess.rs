//! One snapshot judged for a quick view (`nutctl status`): the status and threshold findings in the one
//! order, and for each of charge, runtime and load the finding that judged it (then the same for the
//! temperatures and the input voltage, when the UPS reports them).

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
    /// Charge, runtime, load, in that order; then `ups.temperature`, `battery.temperature`,
    /// `input.voltage` when reported (the voltage: with its nominal value).
    pub metrics: Vec<MetricJudgement>,
}

fn judgement(s: &Snapshot, m: Metric, judged: Option<&Finding>) -> MetricJudgement {
    MetricJudgement {
        variable: m.var(),
        value: s.get(m.var()).map(str::to_string),
        severity: judged.map(|f| f.severity),
        finding: judged.map(|f| f.id.to_string()),
    }
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
        metrics.push(judgement(s, m, own.first()));
        findings.extend(own);
    }
    // Temperatures and the input voltage, when the UPS reports them.
    for m in Metric::WHEN_REPORTED {
        let Some(f) = metric(s, m, t) else { continue };
        metrics.push(judgement(s, m, Some(&f)));
        findings.push(f);
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

    #[test]
    fn temperatures_and_input_voltage_follow_when_reported() {
        let vars = [
            ("ups.status", "OL"),
            ("battery.charge", "100"),
            ("battery.runtime", "900"),
            ("ups.load", "20"),
            ("ups.temperature", "32"),
            ("input.voltage", "120"),
            ("input.voltage.nominal", "120"),
        ];
        let a = assess(&snap(&vars), &Thresholds::default());
        assert_eq!(
            judged(&a)[3..],
            [
                ("ups.temperature", Some("threshold.temperature.acceptable")),
                ("input.voltage", Some("threshold.input-voltage.ok")),
            ]
        );
        let mut t = Thresholds::default();
        t.set_limit("temperature=30", crate::knowledge::Bound::Warning)
            .unwrap_or_else(|e| panic!("{e}"));
        let a = assess(&snap(&vars), &t);
        assert_eq!(a.metrics[3].severity, Some(Severity::Warning));
        assert_eq!(a.findings[0].id, "threshold.temperature.warning");
        // Without them, the quick view's three only.
        let a = assess(&snap(&vars[..4]), &t);
        assert_eq!(a.metrics.len(), 3);
    }
}
