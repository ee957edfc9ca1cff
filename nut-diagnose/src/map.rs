//! The authority map: who decides when each UPS's machines go down. From one or more hosts'
//! configurations (and `LIST CLIENT` answers of live servers) it builds, per UPS:
//! UPS → its primary → its secondaries → the final power cut, in shutdown order, and flags what breaks
//! that chain (no primary, two primaries, a secondary that also drives the UPS).
//!
//! Rendering to text, Mermaid and DOT lives here too, so every front end shows the same graph.

use std::collections::BTreeMap;

use nut_proto::HostKind;
use serde::{Deserialize, Serialize};

use crate::config::{HostConfig, Role};
use crate::facts::Facts;
use crate::finding::{Evidence, Finding, Severity, Source};

/// One UPS and the hosts that watch it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsNode {
    /// `ups@server`.
    pub ups: String,
    /// The host whose ups.conf defines it (runs its driver and cuts the power last), when known.
    pub driven_by: Option<String>,
    /// Its `sdorder` on that host.
    pub sdorder: Option<i32>,
    /// Hosts whose upsmon is primary for it (exactly one is right).
    pub primaries: Vec<String>,
    /// Hosts whose upsmon is secondary for it (they shut down first).
    pub secondaries: Vec<String>,
    /// Clients upsd lists as logged in (`LIST CLIENT`), when a live server was asked.
    pub live_clients: Option<Vec<String>>,
}

impl UpsNode {
    /// The shutdown order: secondaries first, then the primaries (after HOSTSYNC), then the power cut.
    pub fn shutdown_order(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .secondaries
            .iter()
            .map(|h| format!("{h} (secondary) shuts down"))
            .collect();
        v.extend(
            self.primaries.iter().map(|h| {
                format!("{h} (primary) waits HOSTSYNC for the secondaries, then shuts down")
            }),
        );
        v.push(match &self.driven_by {
            Some(h) => format!(
                "{h} tells {} to cut the power (upsdrvctl shutdown{})",
                self.ups,
                self.sdorder
                    .map(|o| format!(", sdorder {o}"))
                    .unwrap_or_default()
            ),
            None => format!("the host driving {} cuts the power (unknown)", self.ups),
        });
        v
    }
}

/// Every UPS the configurations mention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityMap {
    /// The UPSes, sorted by name.
    pub upses: Vec<UpsNode>,
}

fn host_name(h: &HostConfig) -> String {
    if h.host.is_empty() {
        "this host".to_string()
    } else {
        h.host.clone()
    }
}

impl AuthorityMap {
    /// Builds the map from `facts.config`, `facts.peers` and `facts.clients`.
    pub fn build(facts: &Facts) -> AuthorityMap {
        let hosts: Vec<&HostConfig> = facts.config.iter().chain(facts.peers.iter()).collect();
        let mut nodes: BTreeMap<String, UpsNode> = BTreeMap::new();
        let key = |ups: &str, server: &str| format!("{ups}@{}", server.to_ascii_lowercase());
        for h in &hosts {
            let me = host_name(h);
            for m in h.upsmon.iter().flat_map(|u| u.monitors.iter()) {
                let server = if m.target.host_kind() == HostKind::Loopback {
                    me.clone()
                } else {
                    m.target.host.clone()
                };
                let k = key(&m.target.ups, &server);
                let n = nodes.entry(k.clone()).or_default();
                n.ups = k;
                let list = match m.role {
                    Role::Primary => &mut n.primaries,
                    Role::Secondary => &mut n.secondaries,
                };
                if !list.contains(&me) {
                    list.push(me.clone());
                }
            }
        }
        for h in &hosts {
            let me = host_name(h);
            for u in h.upses.iter().flatten() {
                let k = key(&u.name, &me);
                // A driver nobody monitors still belongs on the map (its power cut protects no one).
                let n = nodes.entry(k.clone()).or_default();
                n.ups = k;
                n.driven_by = Some(me.clone());
                n.sdorder = Some(u.sdorder);
            }
        }
        let this_host = facts.config.as_ref().map(host_name);
        for c in &facts.clients {
            // A server asked over loopback is this host.
            let server = match (&this_host, c.target.host_kind()) {
                (Some(h), HostKind::Loopback) => h.clone(),
                _ => c.target.host.clone(),
            };
            let k = key(&c.target.ups, &server);
            let n = nodes.entry(k.clone()).or_default();
            n.ups = k;
            n.live_clients = Some(c.clients.clone());
        }
        AuthorityMap {
            upses: nodes.into_values().collect(),
        }
    }

    /// An indented text tree.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for n in &self.upses {
            out.push_str(&format!("UPS {}\n", n.ups));
            out.push_str(&format!(
                "├─ driven by: {}\n",
                n.driven_by.as_deref().unwrap_or("(unknown)")
            ));
            let list = |v: &[String]| {
                if v.is_empty() {
                    "(none)".to_string()
                } else {
                    v.join(", ")
                }
            };
            out.push_str(&format!("├─ primary: {}\n", list(&n.primaries)));
            out.push_str(&format!("├─ secondaries: {}\n", list(&n.secondaries)));
            if let Some(c) = &n.live_clients {
                out.push_str(&format!("├─ logged in now: {}\n", list(c)));
            }
            out.push_str("└─ shutdown order:\n");
            for (i, step) in n.shutdown_order().iter().enumerate() {
                out.push_str(&format!("   {}. {step}\n", i + 1));
            }
        }
        out
    }

    /// A Mermaid flowchart (`flowchart TD`): UPS → primary → secondaries, and UPS → power cut.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        for (i, n) in self.upses.iter().enumerate() {
            let u = format!("u{i}");
            out.push_str(&format!("  {u}[\"UPS {}\"]\n", mermaid_text(&n.ups)));
            for (j, p) in n.primaries.iter().enumerate() {
                out.push_str(&format!(
                    "  {u}p{j}[\"{} (primary)\"]\n  {u} --> {u}p{j}\n",
                    mermaid_text(p)
                ));
                for (k, s) in n.secondaries.iter().enumerate() {
                    out.push_str(&format!("  {u}p{j} -->|FSD| {u}s{k}\n"));
                    let _ = s;
                }
            }
            for (k, s) in n.secondaries.iter().enumerate() {
                out.push_str(&format!("  {u}s{k}[\"{} (secondary)\"]\n", mermaid_text(s)));
                if n.primaries.is_empty() {
                    out.push_str(&format!("  {u} -.->|no primary| {u}s{k}\n"));
                }
            }
            out.push_str(&format!(
                "  {u}x[\"power cut by {}\"]\n  {u} --> {u}x\n",
                mermaid_text(n.driven_by.as_deref().unwrap_or("unknown"))
            ));
        }
        out
    }

    /// A Graphviz DOT digraph.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph nut_authority {\n  rankdir=TB;\n");
        for (i, n) in self.upses.iter().enumerate() {
            let u = format!("u{i}");
            out.push_str(&format!(
                "  {u} [shape=box, label=\"UPS {}\"];\n",
                dot_text(&n.ups)
            ));
            for (j, p) in n.primaries.iter().enumerate() {
                out.push_str(&format!(
                    "  {u}p{j} [label=\"{} (primary)\"];\n  {u} -> {u}p{j};\n",
                    dot_text(p)
                ));
                for k in 0..n.secondaries.len() {
                    out.push_str(&format!("  {u}p{j} -> {u}s{k} [label=\"FSD\"];\n"));
                }
            }
            for (k, s) in n.secondaries.iter().enumerate() {
                out.push_str(&format!(
                    "  {u}s{k} [label=\"{} (secondary)\"];\n",
                    dot_text(s)
                ));
                if n.primaries.is_empty() {
                    out.push_str(&format!(
                        "  {u} -> {u}s{k} [style=dashed, label=\"no primary\"];\n"
                    ));
                }
            }
            out.push_str(&format!(
                "  {u}x [shape=octagon, label=\"power cut by {}\"];\n  {u} -> {u}x;\n",
                dot_text(n.driven_by.as_deref().unwrap_or("unknown"))
            ));
        }
        out.push_str("}\n");
        out
    }
}

/// Text inside a Mermaid `"…"` label: quotes and angle brackets become entities.
fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// Text inside a DOT `"…"` string.
fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What breaks the chain: `authority.two-primaries`, `authority.no-primary`,
/// `authority.secondary-drives-ups`.
pub fn findings(map: &AuthorityMap) -> Vec<Finding> {
    let mut out = Vec::new();
    for n in &map.upses {
        let ev = |role: &str, h: &String| {
            Evidence::new(
                Source::Config,
                format!("{h}: upsmon.conf"),
                format!("MONITOR {} … {role}", n.ups),
            )
        };
        if n.primaries.len() > 1 {
            let mut f = Finding::new(
                "authority.two-primaries",
                Severity::Critical,
                format!("{} has {} primaries", n.ups, n.primaries.len()),
                "Each primary believes it decides when to cut the power: one may cut it while the other (and its secondaries) is still running.",
                "Keep `primary` only on the host the UPS is attached to; make every other host `secondary`.",
            )
            .about(n.ups.clone());
            for h in &n.primaries {
                f = f.with(ev("primary", h));
            }
            out.push(f);
        }
        // Without the driving host's config the primary may simply not be on the map: say nothing.
        if n.primaries.is_empty() && !n.secondaries.is_empty() && n.driven_by.is_some() {
            let mut f = Finding::new(
                "authority.no-primary",
                Severity::Warning,
                format!("{} has secondaries but no known primary", n.ups),
                "Secondaries shut down only when a primary sets FSD (or they see OB LB themselves); nobody waits for them before the power is cut.",
                "Make the upsmon on the host attached to the UPS `primary` for it; if that host's config was not given, add it to the map.",
            )
            .about(n.ups.clone());
            for h in &n.secondaries {
                f = f.with(ev("secondary", h));
            }
            out.push(f);
        }
        if let Some(d) = &n.driven_by {
            if n.secondaries.contains(d) {
                out.push(
                    Finding::new(
                        "authority.secondary-drives-ups",
                        Severity::Warning,
                        format!("{d} drives {} but monitors it as a secondary", n.ups),
                        "The host attached to the UPS should be its primary: as a secondary it shuts down first and its driver can no longer cut the power after the others.",
                        "Set its MONITOR line (and upsd.users account) to `primary`.",
                    )
                    .about(n.ups.clone())
                    .with(ev("secondary", d))
                    .with(Evidence::new(Source::Config, format!("{d}: ups.conf"), format!("[{}]", n.ups.split('@').next().unwrap_or_default()))),
                );
            }
        }
    }
    out
}
