//! Fleets: many NUT servers and UPSes polled together, for `nutctl exporter` (Prometheus metrics) and
//! its HTML page.
//!
//! - [`FleetTarget`]: what to poll — a whole NUT server (`host[:port]`: every UPS it lists in
//!   `LIST UPS`) or one UPS (`ups@host[:port]`), with optional credentials (the workspace's one
//!   [`Secret`] type).
//! - [`Poller`] (feature `probe`): polls every target concurrently, each under its own timeout, keeps
//!   one connection per target between polls and reconnects after a failure.
//! - [`FleetSnapshot`] → [`TargetSnapshot`] → [`UpsSnapshot`]: what one poll saw. A target that could
//!   not be read is `up == false` with the error text; its neighbours are unaffected. Each UPS carries
//!   its variables, its status flags and nut-diagnose's own judgement of them
//!   ([`crate::rules::assess`]: the status table and the threshold table, the ones `nutctl status` and
//!   `nutctl doctor` use).
//!
//! The snapshot types are the data of two renderers in `nutctl`: `render::prometheus` (the
//! `/metrics` exposition) and `render::html` (the `/` page). Their names and fields are kept stable;
//! fields may be added.

#[cfg(feature = "probe")]
mod poll;

#[cfg(feature = "probe")]
pub use poll::{Poller, MAX_KEPT_ON_DEMAND};

use std::fmt;
use std::time::Duration;

use nut_proto::{Secret, Target};
use serde::Serialize;

use crate::facts::Snapshot;
use crate::finding::{Finding, Severity};
use crate::knowledge::Thresholds;
use crate::rules::Assessment;

/// What a [`FleetTarget`] names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TargetKind {
    /// Every UPS of the NUT server at `host:port` (found with `LIST UPS` at each poll).
    Server {
        /// Host name or address literal (IPv6 without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
    /// One UPS.
    Ups {
        /// The UPS on its server.
        target: Target,
    },
}

/// One thing to poll, with the credentials to log in with (optional: reading variables needs none).
#[derive(Clone, PartialEq, Eq)]
pub struct FleetTarget {
    /// A server or a single UPS.
    pub kind: TargetKind,
    /// `(user, password)` sent as `USERNAME`/`PASSWORD` after connecting; never printed.
    pub credentials: Option<(String, Secret)>,
}

impl fmt::Debug for FleetTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetTarget")
            .field("target", &self.name())
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

/// Why a target string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fleet target {given:?}: {reason}")]
pub struct FleetTargetError {
    /// The string as given.
    pub given: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FleetTarget {
    /// Parses `host[:port]` (a whole server; IPv6 in brackets) or `ups@host[:port]` (one UPS), with
    /// the rules of [`Target::parse`].
    pub fn parse(s: &str) -> Result<FleetTarget, FleetTargetError> {
        let err = |reason: String| FleetTargetError {
            given: s.to_string(),
            reason,
        };
        let s_trim = s.trim();
        if s_trim.is_empty() {
            return Err(err("empty".into()));
        }
        let kind = if s_trim.contains('@') {
            TargetKind::Ups {
                target: Target::parse(s_trim).map_err(|e| err(e.to_string()))?,
            }
        } else {
            // Parsed as the host part of a UPS target; the error names what the user wrote.
            let t = Target::parse(&format!("x@{s_trim}")).map_err(|e| err(server_reason(&e)))?;
            TargetKind::Server {
                host: t.host,
                port: t.port,
            }
        };
        Ok(FleetTarget {
            kind,
            credentials: None,
        })
    }

    /// The same target, logging in as `user`.
    pub fn with_credentials(mut self, user: impl Into<String>, password: Secret) -> Self {
        self.credentials = Some((user.into(), password));
        self
    }

    /// The host part.
    pub fn host(&self) -> &str {
        match &self.kind {
            TargetKind::Server { host, .. } => host,
            TargetKind::Ups { target } => &target.host,
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        match &self.kind {
            TargetKind::Server { port, .. } => *port,
            TargetKind::Ups { target } => target.port,
        }
    }

    /// The stable name of the target, used as the `target` label: `host:port` for a server,
    /// `ups@host:port` for one UPS (IPv6 literals in brackets).
    pub fn name(&self) -> String {
        match &self.kind {
            TargetKind::Server { host, port } => nut_proto::target::format_host_port(host, *port),
            TargetKind::Ups { target } => format!("{}@{}", target.ups, target.server()),
        }
    }
}

/// Why a `host[:port]` is not one, without the `ups@` the parse borrowed from a UPS target.
fn server_reason(e: &nut_proto::target::TargetError) -> String {
    use nut_proto::target::TargetError as E;
    match e {
        E::BadChar(_) => "contains whitespace or a control character".into(),
        E::BadPort { port, .. } => {
            format!("bad port {port:?} (expected a number from 1 to 65535)")
        }
        E::BadIpv6(_) => "bad IPv6 literal (write [addr]:port)".into(),
        E::EmptyHost(_) | E::EmptyUps(_) | E::PortWithoutHost(_) => {
            "empty host (expected host[:port] or ups@host[:port])".into()
        }
    }
}

/// One poll of every target, in the order the targets were given.
#[derive(Debug, Clone, Serialize)]
pub struct FleetSnapshot {
    /// One entry per target.
    pub targets: Vec<TargetSnapshot>,
    /// How long the whole poll took (the slowest target, as they run concurrently).
    #[serde(with = "secs")]
    pub duration: Duration,
}

impl FleetSnapshot {
    /// Every UPS of every target that answered.
    pub fn ups(&self) -> impl Iterator<Item = (&TargetSnapshot, &UpsSnapshot)> {
        self.targets
            .iter()
            .flat_map(|t| t.ups.iter().map(move |u| (t, u)))
    }
}

/// What one poll of one target saw.
#[derive(Debug, Clone, Serialize)]
pub struct TargetSnapshot {
    /// [`FleetTarget::name`]: `host:port` or `ups@host:port`.
    pub target: String,
    /// Whether the server answered (connected, logged in when credentials are given, and answered
    /// the NUT requests). A server that answers with an error for one UPS (`DATA-STALE`,
    /// `UNKNOWN-UPS`) is up; that UPS carries its own [`UpsSnapshot::error`].
    pub up: bool,
    /// Why it is down (the client's error text; never a password).
    pub error: Option<String>,
    /// The finding that explains `error` (nut-diagnose's reality check: refused, timeout, DNS …);
    /// `None` when up.
    pub finding: Option<Finding>,
    /// How long this target's poll took.
    #[serde(with = "secs")]
    pub duration: Duration,
    /// Whether this poll opened a new connection (the first poll, or a reconnect after a failure).
    pub reconnected: bool,
    /// The UPSes read (for a server: every UPS of `LIST UPS`, in its order).
    pub ups: Vec<UpsSnapshot>,
}

/// One UPS as one poll saw it.
#[derive(Debug, Clone, Serialize)]
pub struct UpsSnapshot {
    /// The UPS name on its server.
    pub name: String,
    /// Its description from `LIST UPS` (`None` for a single-UPS target).
    pub description: Option<String>,
    /// Why its variables could not be read (`ERR DATA-STALE`, `ERR DRIVER-NOT-CONNECTED` …); then
    /// `snapshot.vars` is empty and `assessment` judges nothing.
    pub error: Option<String>,
    /// The variables as the server sent them.
    pub snapshot: Snapshot,
    /// The `ups.status` tokens, upper-case, in the server's order.
    pub flags: Vec<String>,
    /// nut-diagnose's judgement: status and threshold findings (most severe first) and how charge,
    /// runtime and load were judged. Empty when `error` is set.
    pub assessment: Assessment,
}

impl UpsSnapshot {
    /// The worst severity of its findings (`Critical` when it could not be read).
    pub fn worst(&self) -> Severity {
        if self.error.is_some() {
            return Severity::Critical;
        }
        self.assessment
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// A UPS's snapshot from its variables (`Ok`: name/value pairs as read) or the error that
    /// stopped them being read, judged by the status and threshold tables ([`crate::rules::assess`]).
    pub fn judge(
        thresholds: &Thresholds,
        target: Target,
        description: Option<String>,
        vars: Result<Vec<(String, String)>, String>,
    ) -> UpsSnapshot {
        let name = target.ups.clone();
        match vars {
            Ok(vars) => {
                let snapshot = Snapshot::new(target, vars);
                let flags = snapshot
                    .get("ups.status")
                    .map(status_flags)
                    .unwrap_or_default();
                let assessment = crate::rules::assess(&snapshot, thresholds);
                UpsSnapshot {
                    name,
                    description,
                    error: None,
                    snapshot,
                    flags,
                    assessment,
                }
            }
            Err(error) => UpsSnapshot {
                name,
                description,
                error: Some(error),
                snapshot: Snapshot::new(target, Vec::<(String, String)>::new()),
                flags: Vec::new(),
                assessment: Assessment {
                    findings: Vec::new(),
                    metrics: Vec::new(),
                },
            },
        }
    }

    /// A numeric variable, when present and a number.
    pub fn number(&self, var: &str) -> Option<f64> {
        self.snapshot.number(var).and_then(Result::ok)
    }
}

/// The flags of a `ups.status` value: whitespace-separated tokens, upper-cased.
pub fn status_flags(status: &str) -> Vec<String> {
    status
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect()
}

mod secs {
    use serde::Serializer;
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_servers_or_single_ups() {
        let t = FleetTarget::parse("nas.local").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.kind,
            TargetKind::Server {
                host: "nas.local".into(),
                port: 3493
            }
        );
        assert_eq!(t.name(), "nas.local:3493");
        let t = FleetTarget::parse("[::1]:3494").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.name(), "[::1]:3494");
        let t = FleetTarget::parse("ups@10.0.0.2:3495").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.name(), "ups@10.0.0.2:3495");
        assert!(matches!(t.kind, TargetKind::Ups { .. }));
        for bad in ["", "h:0", "h:x", "@h", "a b", "h:99999", ":3493", "[::1"] {
            let e = FleetTarget::parse(bad).err().map(|e| e.to_string());
            let e = e.unwrap_or_else(|| panic!("{bad} accepted"));
            // The message names what was given, never the parse's borrowed `x@` prefix.
            assert!(e.contains(&format!("{bad:?}")) && !e.contains("x@"), "{e}");
        }
        let e = FleetTarget::parse("h:0").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("bad port \"0\"")));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let t = FleetTarget::parse("h")
            .unwrap_or_else(|e| panic!("{e}"))
            .with_credentials("mon", Secret::new("hunter2-xyz"));
        let d = format!("{t:?}");
        assert!(d.contains("mon") && !d.contains("hunter2"), "{d}");
    }

    #[test]
    fn flags_are_upper_case_tokens() {
        assert_eq!(status_flags(" ol  chrg "), ["OL", "CHRG"]);
        assert!(status_flags("").is_empty());
    }
}
