//! Rules that read the host's configuration ([`Facts::config`]), one family per file: the role
//! nut.conf's MODE gives the host and whether the units agree ([`mode`]), consistency across files
//! ([`consistency`]), "will this host really shut down" ([`shutdown`]), the shutdown order ([`order`]),
//! nut-config's own diagnostics and unreadable/missing files ([`files`]), and the mistakes of the
//! real-world corpus (tests/real-world/config/): [`listen`], [`drivers`], [`upssched`], [`users`].
//!
//! Every rule is silent when the file it needs was not read: absence is unknown, never ok.

pub mod consistency;
pub mod drivers;
pub mod files;
pub mod listen;
pub mod mode;
pub mod order;
pub mod shutdown;
pub mod upssched;
pub mod users;

use nut_proto::HostKind;

use crate::config::{HostConfig, MonitorFact, Role};
use crate::facts::{units, Facts, NutOutcome, ServiceState};
use crate::finding::{Evidence, Finding, Severity, Source};

pub use consistency::consistency;
pub use files::diagnostics;
pub use mode::mode;
pub use order::order;
pub use shutdown::shutdown;

pub(super) fn cfg(file: &str, line: usize, value: impl Into<String>) -> Evidence {
    let subject = if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}")
    };
    Evidence::new(Source::Config, subject, value)
}

pub(super) fn svc(unit: &str, state: ServiceState) -> Evidence {
    Evidence::new(Source::Service, unit, state_word(state))
}

pub(super) fn state_word(s: ServiceState) -> &'static str {
    match s {
        ServiceState::Active => "active",
        ServiceState::Inactive => "inactive",
        ServiceState::Failed => "failed",
        ServiceState::Activating => "activating",
        ServiceState::Deactivating => "deactivating",
        ServiceState::NotFound => "not-found",
    }
}

pub(super) fn state_of(facts: &Facts, unit: &str) -> Option<ServiceState> {
    facts
        .services
        .iter()
        .find(|s| s.unit == unit)
        .map(|s| s.state)
}

/// The unit's state with systemd's reason (`failed (Result=exit-code, NRestarts=5)`).
pub(super) fn svc_fact(facts: &Facts, unit: &str, state: ServiceState) -> Evidence {
    let d = facts
        .services
        .iter()
        .find(|s| s.unit == unit)
        .and_then(|s| s.detail.as_ref());
    let mut v = state_word(state).to_string();
    if let Some(d) = d {
        let mut parts = Vec::new();
        if let Some(x) = &d.sub_state {
            parts.push(format!("SubState={x}"));
        }
        if let Some(x) = &d.result {
            parts.push(format!("Result={x}"));
        }
        if let Some(x) = d.n_restarts {
            parts.push(format!("NRestarts={x}"));
        }
        if let Some(x) = &d.unit_file_state {
            parts.push(format!("UnitFileState={x}"));
        }
        if !parts.is_empty() {
            v = format!("{v} ({})", parts.join(", "));
        }
    }
    Evidence::new(Source::Service, unit, v)
}

pub(super) fn mode_ev(c: &HostConfig) -> Evidence {
    cfg(
        "nut.conf",
        0,
        format!("MODE={}", c.mode.as_deref().unwrap_or("(absent)")),
    )
}

/// Whether a MONITOR line points at this host (loopback, or the host's own name).
pub(super) fn is_local(c: &HostConfig, m: &MonitorFact) -> bool {
    m.target.host_kind() == HostKind::Loopback
        || (!c.host.is_empty() && m.target.host.eq_ignore_ascii_case(&c.host))
}

pub(super) fn ups_names(c: &HostConfig) -> Vec<&str> {
    c.upses.iter().flatten().map(|u| u.name.as_str()).collect()
}

/// nut-config's own MINSUPPLIES check: reported by the cross-file rule, with its location.
pub(super) fn is_minsupplies(d: &crate::config::ConfigDiag) -> bool {
    d.kind == "required" && d.message.contains("MINSUPPLIES")
}

/// Every config rule over this host's configuration (silent when it was not read).
pub fn rules(facts: &Facts) -> Vec<Finding> {
    let Some(c) = &facts.config else {
        return Vec::new();
    };
    let mut out = mode(facts, c);
    out.extend(consistency(facts, c));
    // A critical contradiction in the role or the files breaks the chain too: no `ready` then.
    let blocked = out.iter().any(|f| f.severity == Severity::Critical);
    out.extend(
        shutdown(facts, c)
            .into_iter()
            .filter(|f| !(blocked && f.id == "shutdown.ready")),
    );
    out.extend(order(c));
    out.extend(shutdown::shutdowncmd(c));
    out.extend(listen::listen(c));
    out.extend(drivers::drivers(c));
    out.extend(upssched::upssched(c));
    out.extend(users::users(c));
    out.extend(diagnostics(c));
    out
}
