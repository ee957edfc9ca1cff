//! End to end: a facts file (as a probe run would save it) in, the expected findings out.

use nut_diagnose::facts::Facts;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::{diagnose, logs, Severity};

#[test]
fn facts_file_to_findings() {
    let text = include_str!("data/facts-nas-client.json");
    let mut facts: Facts = serde_json::from_str(text).unwrap();
    let journal = "\
Nov 26 15:00:00 client upsmon[812]: Login on UPS [ups@192.168.1.10] failed - got [ERR ACCESS-DENIED]
Nov 26 15:00:05 client upsmon[812]: UPS ups@192.168.1.10 on battery
Nov 26 15:02:05 client upsmon[812]: UPS ups@192.168.1.10 on line power
";
    facts.logs = logs::events(journal.as_bytes())
        .map(|(_, e)| e.unwrap().into_owned())
        .collect();
    let report = diagnose(&facts, &Thresholds::default());
    let got: Vec<(&str, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.id.as_ref(), f.severity))
        .collect();
    assert_eq!(
        got,
        vec![
            ("service.failed", Severity::Critical),
            ("ups.unknown-name", Severity::Critical),
            ("auth.login-not-retried", Severity::Warning),
            ("practice.battery-old", Severity::Warning),
            ("status.replace-battery", Severity::Warning),
            ("threshold.runtime.warning", Severity::Warning),
            ("log.power-outage", Severity::Info),
            ("practice.bare-ip", Severity::Info),
            ("practice.load-above-half", Severity::Info),
            ("threshold.charge.ok", Severity::Ok),
        ]
    );
    assert_eq!(report.verdict.worst, Some(Severity::Critical));
    assert_eq!(
        (
            report.verdict.critical,
            report.verdict.warning,
            report.verdict.info,
            report.verdict.ok
        ),
        (2, 4, 3, 1)
    );
    // The whole report serializes (for `nutctl --json`) and the ids are there verbatim.
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains(r#""id":"ups.unknown-name""#));
    let outage = report
        .findings
        .iter()
        .find(|f| f.id == "log.power-outage")
        .unwrap();
    assert!(
        outage.title.contains("longest 2 min 00 s"),
        "{}",
        outage.title
    );
}

#[test]
fn no_facts_no_findings_and_no_verdict() {
    let report = diagnose(&Facts::default(), &Thresholds::default());
    assert!(report.findings.is_empty());
    assert_eq!(
        report.verdict.worst, None,
        "nothing checked is not the same as healthy"
    );
}
