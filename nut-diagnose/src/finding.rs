//! What a rule says: a [`Finding`] with its stable id, severity, evidence and the action to take, and the
//! [`Verdict`] that sums a list of findings up.
//!
//! A finding is the only thing a renderer shows, so it carries everything a person needs: what was seen
//! (`evidence`), what it means, and what to do. Ids are stable strings (`status.on-battery`, `net.no-route`)
//! that tests, JSON consumers and docs refer to; titles and texts may be reworded, ids may not.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Ok < Info < Warning < Critical`, so the worst of a list is its `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and healthy: said out loud so that "nothing reported" never stands in for "fine".
    Ok,
    /// Worth knowing, nothing to fix now (a recovered outage, a best-practice hint).
    Info,
    /// Something to fix before it matters (high load, a refused login upsmon stays quiet about).
    Warning,
    /// Protection is broken or about to be used (on battery and low, server unreachable, FSD).
    Critical,
}

impl Severity {
    /// The lowercase name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a piece of evidence came from, so a reader can go and look at it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A variable in a UPS snapshot (`upsc`-style data).
    Snapshot,
    /// A probe of a target: DNS, TCP or a NUT request.
    Probe,
    /// A log line.
    Log,
    /// A systemd unit state.
    Service,
    /// A derived figure (a count, a duration) rather than one observed value.
    Derived,
    /// A configuration file (`upsmon.conf:12`).
    Config,
}

/// One observed fact a finding rests on: "`ups.load` = `92`", "line 12: `… Connection refused`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Where it was observed.
    pub source: Source,
    /// What was looked at: a variable name, a probe step, a unit, `line 12`.
    pub subject: String,
    /// What was seen there, verbatim where possible.
    pub value: String,
}

impl Evidence {
    /// Evidence from anywhere; the helpers below name the usual sources.
    pub fn new(source: Source, subject: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence {
            source,
            subject: subject.into(),
            value: value.into(),
        }
    }
}

/// One conclusion of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier (`threshold.load.critical`); never reworded once released.
    pub id: Cow<'static, str>,
    /// How bad it is.
    pub severity: Severity,
    /// The UPS (`ups@host:port`) or unit the finding is about, when it is about one.
    pub subject: Option<String>,
    /// One line saying what was found.
    pub title: String,
    /// What it means for the protection of the machines.
    pub meaning: String,
    /// What to do about it (empty only for `ok` findings that need nothing).
    pub action: String,
    /// The facts it rests on.
    pub evidence: Vec<Evidence>,
    /// For reachability findings: which layer broke (wrong target, server offline, network path,
    /// credentials, driver, TLS), so a front end can say it in one word. Absent for other findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
}

/// The one order of findings everywhere (diagnosis, status, log feeds): most severe first, then by
/// id, then by subject, so output is stable from run to run.
pub fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.subject.cmp(&b.subject))
}

/// Sorts findings in [`order`].
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(order);
}

/// The layer a reachability failure belongs to: the seed's "wrong target, server offline, or network
/// path broken", plus credentials, driver, TLS and server errors. The serialized names are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The name or UPS asked for does not exist (DNS, `UNKNOWN-UPS`).
    WrongTarget,
    /// The host answers but upsd is not there (refused, connection dropped).
    ServerOffline,
    /// Packets do not get through (no route, unreachable, timeout).
    NetworkPath,
    /// The login was refused.
    Credentials,
    /// upsd runs but has no (fresh) data from the driver.
    Driver,
    /// STARTTLS refused, handshake or certificate failure, unusable local TLS settings.
    Tls,
    /// Any other `ERR` from the server.
    ServerError,
    /// Everything worked.
    Reachable,
}

impl Category {
    /// The stable name (`network-path`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::WrongTarget => "wrong-target",
            Category::ServerOffline => "server-offline",
            Category::NetworkPath => "network-path",
            Category::Credentials => "credentials",
            Category::Driver => "driver",
            Category::Tls => "tls",
            Category::ServerError => "server-error",
            Category::Reachable => "reachable",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Finding {
    /// A finding without subject or evidence; add them with [`Finding::about`] and [`Finding::with`].
    pub fn new(
        id: &'static str,
        severity: Severity,
        title: impl Into<String>,
        meaning: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Finding {
            id: Cow::Borrowed(id),
            severity,
            subject: None,
            title: title.into(),
            meaning: meaning.into(),
            action: action.into(),
            evidence: Vec::new(),
            category: None,
        }
    }

    /// Names the UPS or unit the finding is about.
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the failure category.
    pub fn in_category(mut self, c: Category) -> Self {
        self.category = Some(c);
        self
    }

    /// Adds several pieces of evidence.
    pub fn with_all(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    /// Adds one piece of evidence.
    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }
}

/// The summary of a diagnosis: the worst severity and how many findings of each kind.
///
/// `worst` is `None` only when there are no findings at all, which a caller should report as "nothing was
/// checked", never as "healthy".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The highest severity among the findings.
    pub worst: Option<Severity>,
    /// Number of `ok` findings.
    pub ok: usize,
    /// Number of `info` findings.
    pub info: usize,
    /// Number of `warning` findings.
    pub warning: usize,
    /// Number of `critical` findings.
    pub critical: usize,
}

impl Verdict {
    /// Sums up a list of findings.
    pub fn of(findings: &[Finding]) -> Self {
        let mut v = Verdict::default();
        for f in findings {
            match f.severity {
                Severity::Ok => v.ok += 1,
                Severity::Info => v.info += 1,
                Severity::Warning => v.warning += 1,
                Severity::Critical => v.critical += 1,
            }
            v.worst = v.worst.max(Some(f.severity));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_from_ok_to_critical() {
        assert!(Severity::Ok < Severity::Info);
        assert!(Severity::Info < Severity::Warning);
        assert!(Severity::Warning < Severity::Critical);
    }

    #[test]
    fn verdict_takes_the_worst_and_counts() {
        let f = |s| Finding::new("x", s, "", "", "");
        let v = Verdict::of(&[
            f(Severity::Ok),
            f(Severity::Warning),
            f(Severity::Info),
            f(Severity::Ok),
        ]);
        assert_eq!(v.worst, Some(Severity::Warning));
        assert_eq!((v.ok, v.info, v.warning, v.critical), (2, 1, 1, 0));
        assert_eq!(Verdict::of(&[]).worst, None);
    }

    #[test]
    fn finding_serializes_with_lowercase_severity() {
        let f = Finding::new("net.no-route", Severity::Critical, "t", "m", "a")
            .about("ups@10.0.0.2:3493")
            .with(Evidence::new(Source::Probe, "tcp", "no route to host"));
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(json.contains(r#""severity":"critical""#), "{json}");
        assert!(json.contains(r#""source":"probe""#), "{json}");
        let back: Finding = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, f);
    }
}
