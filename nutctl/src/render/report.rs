//! The report types of `status` (what [`super::text`] and [`super::json`] show): built by
//! [`assess`] from nut-diagnose's [`Assessment`](nut_diagnose::rules::Assessment), defined here so
//! the renderers never import a command.

use std::collections::BTreeMap;

use nut_diagnose::facts::Snapshot;
use nut_diagnose::knowledge::{status as status_table, Thresholds};
use nut_diagnose::rules::{self, reality_check, Assessment, MetricJudgement};
use nut_diagnose::{Finding, Severity, Verdict};
use nut_proto::client::{ClientError, Variable};
use nut_proto::Target;
use serde::Serialize;

use crate::probe;

/// One status token and what nut-diagnose's table says about it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenView {
    /// The token as sent (`OB`).
    pub(crate) token: String,
    /// Short meaning (`on battery`), `null` for a token NUT does not define.
    pub(crate) title: Option<&'static str>,
    /// Severity of the token on its own, `null` when unknown.
    pub(crate) severity: Option<Severity>,
}

/// `ups.status` explained.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StatusView {
    /// The raw value (`OB DISCHRG`).
    pub(crate) raw: String,
    /// Each token.
    pub(crate) tokens: Vec<TokenView>,
}

/// Everything `status` learned about one target.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpsReport {
    /// `ups@host:port`.
    pub(crate) target: String,
    /// Worst severity of the findings (`null`: nothing could be judged).
    pub(crate) severity: Option<Severity>,
    /// `ups.status` explained (absent when the UPS could not be read).
    pub(crate) status: Option<StatusView>,
    /// Charge, runtime, load, each with the finding that judged it.
    pub(crate) metrics: Vec<MetricJudgement>,
    /// `device.mfr` + `device.model` (or `ups.*`), for the heading.
    pub(crate) model: Option<String>,
    /// The read error, when the UPS could not be read.
    pub(crate) error: Option<String>,
    /// Every finding, most severe first.
    pub(crate) findings: Vec<Finding>,
    /// Every variable (only with `--all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) variables: Option<BTreeMap<String, String>>,
}

/// The whole `status` document.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StatusReport {
    /// One entry per target, in the order given.
    pub(crate) upses: Vec<UpsReport>,
    /// Summary over every finding.
    pub(crate) verdict: Verdict,
    /// The process exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    pub(crate) exit_code: u8,
}

/// Judges one read with nut-diagnose: status and threshold rules on success, the reality check on
/// failure.
pub(crate) fn assess(
    target: &Target,
    result: &Result<Vec<Variable>, ClientError>,
    thresholds: &Thresholds,
    keep_vars: bool,
) -> UpsReport {
    let vars = match result {
        Ok(v) => v,
        Err(e) => {
            let fact = probe::fact_from_error(target, e);
            let findings: Vec<Finding> = reality_check::reality_check(&fact).into_iter().collect();
            return UpsReport {
                target: target.to_string(),
                severity: Verdict::of(&findings).worst,
                status: None,
                metrics: Vec::new(),
                model: None,
                error: Some(e.to_string()),
                findings,
                variables: None,
            };
        }
    };
    let snap = probe::snapshot(target, vars);
    let Assessment { findings, metrics } = rules::assess(&snap, thresholds);
    let status = snap.get("ups.status").map(|raw| StatusView {
        raw: raw.to_string(),
        tokens: raw
            .split_whitespace()
            .map(|t| {
                let known = status_table::lookup(t);
                TokenView {
                    token: t.to_string(),
                    title: known.map(|k| k.title),
                    severity: known.map(|k| k.severity),
                }
            })
            .collect(),
    });
    let model = model_of(&snap);
    UpsReport {
        target: target.to_string(),
        severity: Verdict::of(&findings).worst,
        status,
        metrics,
        model,
        error: None,
        findings,
        variables: keep_vars.then(|| snap.vars.clone()),
    }
}

/// `device.mfr` + `device.model` (else `ups.mfr` + `ups.model`), the maker left out when the model
/// already starts with it: the heading of a UPS in `status` and on the exporter's page.
pub(crate) fn model_of(snap: &Snapshot) -> Option<String> {
    ["device", "ups"].iter().find_map(|p| {
        let mfr = snap.get(&format!("{p}.mfr"));
        let model = snap.get(&format!("{p}.model"))?;
        Some(match mfr {
            Some(m) if !model.starts_with(m) => format!("{m} {model}"),
            _ => model.to_string(),
        })
    })
}
