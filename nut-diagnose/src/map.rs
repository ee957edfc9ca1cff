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

/// One host's waits in the shutdown sequence (its upsmon.conf), when its config was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostTiming {
    /// The host.
    pub host: String,
    /// HOSTSYNC: how long a primary waits for its secondaries to log out.
    pub hostsync: u32,
    /// FINALDELAY: how long upsmon waits before running SHUTDOWNCMD.
    pub finaldelay: u32,
}

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
    /// Hosts whose upsmon is secondary for it (they shut down first): from the configurations, and
    /// every other address `LIST CLIENT` shows logged in (named when a configuration or the hosts
    /// file names it).
    pub secondaries: Vec<String>,
    /// Clients upsd lists as logged in (`LIST CLIENT`), when a live server was asked.
    pub live_clients: Option<Vec<String>>,
    /// Each host's HOSTSYNC and FINALDELAY, for the hosts whose config was read.
    #[serde(default)]
    pub timing: Vec<HostTiming>,
    /// `ups.delay.shutdown` of the UPS (seconds between the power-off command and the cut), when a
    /// snapshot gave it.
    #[serde(default)]
    pub delay_shutdown: Option<u32>,
}

/// One step of the shutdown sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShutdownStep {
    /// The host acting (the UPS's driving host for the power cut).
    pub host: String,
    /// `secondary`, `primary` or `power-cut`.
    pub role: String,
    /// What happens, with its wait.
    pub text: String,
    /// The wait before the step completes, in seconds, when known (FINALDELAY for a host;
    /// HOSTSYNC + FINALDELAY for the primary; ups.delay.shutdown for the power cut).
    pub wait_secs: Option<u32>,
}

impl UpsNode {
    fn timing_of(&self, host: &str) -> Option<&HostTiming> {
        self.timing.iter().find(|t| t.host == host)
    }

    /// The shutdown sequence: every secondary (FINALDELAY), then the primary (HOSTSYNC, FINALDELAY),
    /// and last the power cut (ups.delay.shutdown).
    pub fn shutdown_steps(&self) -> Vec<ShutdownStep> {
        let mut v: Vec<ShutdownStep> = self
            .secondaries
            .iter()
            .map(|h| {
                let fd = self.timing_of(h).map(|t| t.finaldelay);
                ShutdownStep {
                    host: h.clone(),
                    role: "secondary".into(),
                    text: match fd {
                        Some(fd) => format!("{h} (secondary) sees FSD, waits FINALDELAY {fd} s, shuts down and logs out"),
                        None => format!("{h} (secondary) sees FSD, shuts down and logs out (its FINALDELAY is not known)"),
                    },
                    wait_secs: fd,
                }
            })
            .collect();
        for h in &self.primaries {
            let t = self.timing_of(h);
            v.push(ShutdownStep {
                host: h.clone(),
                role: "primary".into(),
                text: match t {
                    Some(t) => format!(
                        "{h} (primary) waits up to HOSTSYNC {} s for the secondaries to log out, then FINALDELAY {} s, then shuts down",
                        t.hostsync, t.finaldelay
                    ),
                    None => format!("{h} (primary) waits HOSTSYNC for the secondaries, then shuts down"),
                },
                wait_secs: t.map(|t| t.hostsync + t.finaldelay),
            });
        }
        let driver = self.driven_by.clone();
        let delay = self
            .delay_shutdown
            .map(|d| format!(" after ups.delay.shutdown {d} s"))
            .unwrap_or_default();
        v.push(ShutdownStep {
            host: driver.clone().unwrap_or_else(|| "unknown".into()),
            role: "power-cut".into(),
            text: match &driver {
                Some(h) => format!(
                    "{h} tells {} to cut the power (upsdrvctl shutdown{}); the power goes off{delay}",
                    self.ups,
                    self.sdorder
                        .map(|o| format!(", sdorder {o}"))
                        .unwrap_or_default()
                ),
                None => format!("the host driving {} cuts the power (unknown){delay}", self.ups),
            },
            wait_secs: self.delay_shutdown,
        });
        v
    }

    /// The shutdown order as text lines (the steps of [`UpsNode::shutdown_steps`]).
    pub fn shutdown_order(&self) -> Vec<String> {
        self.shutdown_steps().into_iter().map(|s| s.text).collect()
    }
}

/// `/etc/hosts`-style text → (address, first name) pairs: how the map names a logged-in address.
pub fn hosts_file_names(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap_or("");
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect()
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
            // Every logged-in address that is not this host (whose own upsmon is already on the
            // map from its config) is a secondary, named when a config or the hosts file names it.
            // An unnamed address may be a configured secondary whose address is not known: only
            // addresses beyond those are added.
            let mut unnamed: Vec<&String> = Vec::new();
            let mut matched: Vec<String> = Vec::new();
            let here = facts.server_is_here(&c.target, false);
            for addr in &c.clients {
                let loopback = addr
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|a| a.is_loopback());
                if loopback && !here {
                    // the remote server's own upsmon (its address as upsd sees it), not this host
                    continue;
                }
                if facts.is_own_login(here, addr) {
                    // this host's own login: its config entry is matched by an address
                    if let Some(h) = &this_host {
                        matched.push(h.clone());
                    }
                    continue;
                }
                let name = hosts
                    .iter()
                    .find(|h| h.host.eq_ignore_ascii_case(addr))
                    .map(|h| h.host.clone())
                    .or_else(|| {
                        facts
                            .addr_names
                            .iter()
                            .find(|(a, _)| a == addr)
                            .map(|(_, n)| n.clone())
                    });
                match name {
                    Some(name) => {
                        if !n.primaries.contains(&name) && !n.secondaries.contains(&name) {
                            n.secondaries.push(name.clone());
                        }
                        matched.push(name);
                    }
                    None => unnamed.push(addr),
                }
            }
            let unmatched_config = n
                .secondaries
                .iter()
                .filter(|s| !matched.contains(s))
                .count();
            for addr in unnamed.into_iter().skip(unmatched_config) {
                if !n.secondaries.contains(addr) {
                    n.secondaries.push(addr.clone());
                }
            }
        }
        for n in nodes.values_mut() {
            for h in &hosts {
                let me = host_name(h);
                let on_map = n.primaries.contains(&me) || n.secondaries.contains(&me);
                if let (true, Some(u)) = (on_map, &h.upsmon) {
                    n.timing.push(HostTiming {
                        host: me,
                        hostsync: u.hostsync,
                        finaldelay: u.finaldelay,
                    });
                }
            }
            let ups = n.ups.split('@').next().unwrap_or_default().to_string();
            n.delay_shutdown = facts
                .snapshots
                .iter()
                .find(|s| s.target.ups == ups)
                .and_then(|s| s.get("ups.delay.shutdown"))
                .and_then(|v| v.trim().parse().ok());
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
            // Seen from a client, the primary lives in a configuration this host cannot read.
            let primary = match (n.primaries.is_empty(), &n.driven_by) {
                (true, None) => {
                    "(not known from here: the server's upsmon.conf was not read)".to_string()
                }
                _ => list(&n.primaries),
            };
            out.push_str(&format!("├─ primary: {primary}\n"));
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

    /// A Mermaid flowchart (`flowchart TD`): UPS → primary → (FSD) secondaries → the primary's own
    /// shutdown → the power cut, last.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        for (i, n) in self.upses.iter().enumerate() {
            let u = format!("u{i}");
            let g = graph(n, &u);
            out.push_str(&format!("  {u}[\"UPS {}\"]\n", mermaid_text(&n.ups)));
            for (id, label) in &g.nodes {
                out.push_str(&format!("  {id}[\"{}\"]\n", mermaid_text(label)));
            }
            for (from, to, label, dashed) in &g.edges {
                let arrow = if *dashed { "-.->" } else { "-->" };
                match label {
                    Some(l) => {
                        out.push_str(&format!("  {from} {arrow}|{}| {to}\n", mermaid_text(l)))
                    }
                    None => out.push_str(&format!("  {from} {arrow} {to}\n")),
                }
            }
        }
        out
    }

    /// A Graphviz DOT digraph of the same graph as [`AuthorityMap::to_mermaid`].
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph nut_authority {\n  rankdir=TB;\n");
        for (i, n) in self.upses.iter().enumerate() {
            let u = format!("u{i}");
            let g = graph(n, &u);
            out.push_str(&format!(
                "  {u} [shape=box, label=\"UPS {}\"];\n",
                dot_text(&n.ups)
            ));
            for (id, label) in &g.nodes {
                let shape = if id.ends_with('x') {
                    "shape=octagon, "
                } else {
                    ""
                };
                out.push_str(&format!("  {id} [{shape}label=\"{}\"];\n", dot_text(label)));
            }
            for (from, to, label, dashed) in &g.edges {
                let mut attrs = Vec::new();
                if *dashed {
                    attrs.push("style=dashed".to_string());
                }
                if let Some(l) = label {
                    attrs.push(format!("label=\"{}\"", dot_text(l)));
                }
                let attrs = if attrs.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", attrs.join(", "))
                };
                out.push_str(&format!("  {from} -> {to}{attrs};\n"));
            }
        }
        out.push_str("}\n");
        out
    }
}

/// The shutdown graph of one UPS: nodes (id, label) and edges (from, to, label, dashed), shared by
/// the Mermaid and DOT forms.
struct Graph {
    nodes: Vec<(String, String)>,
    edges: Vec<(String, String, Option<String>, bool)>,
}

fn graph(n: &UpsNode, u: &str) -> Graph {
    let mut g = Graph {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let secs = |v: Option<u32>| v.map(|s| format!("{s} s"));
    let cut = format!("{u}x");
    let mut last: Vec<String> = Vec::new();
    for (k, s) in n.secondaries.iter().enumerate() {
        g.nodes
            .push((format!("{u}s{k}"), format!("{s} (secondary)")));
    }
    for (j, p) in n.primaries.iter().enumerate() {
        let (pid, down) = (format!("{u}p{j}"), format!("{u}p{j}d"));
        g.nodes.push((pid.clone(), format!("{p} (primary)")));
        g.nodes.push((down.clone(), format!("{p} shuts down")));
        g.edges.push((u.to_string(), pid.clone(), None, false));
        let t = n.timing_of(p);
        for k in 0..n.secondaries.len() {
            let s = format!("{u}s{k}");
            g.edges
                .push((pid.clone(), s.clone(), Some("FSD".into()), false));
            g.edges
                .push((s, down.clone(), Some("logged out".into()), false));
        }
        if n.secondaries.is_empty() {
            g.edges.push((
                pid.clone(),
                down.clone(),
                secs(t.map(|t| t.finaldelay)).map(|s| format!("FINALDELAY {s}")),
                false,
            ));
        } else if let Some(t) = t {
            g.edges.push((
                pid,
                down.clone(),
                Some(format!("HOSTSYNC {} s", t.hostsync)),
                true,
            ));
        }
        last.push(down);
    }
    if n.primaries.is_empty() {
        // seen from a client, the primary is in a configuration not read here (as in the text)
        let why = if n.driven_by.is_none() {
            "primary not known here"
        } else {
            "no primary"
        };
        for k in 0..n.secondaries.len() {
            let s = format!("{u}s{k}");
            g.edges
                .push((u.to_string(), s.clone(), Some(why.into()), true));
            last.push(s);
        }
    }
    g.nodes.push((
        cut.clone(),
        format!(
            "power cut by {}",
            n.driven_by.as_deref().unwrap_or("unknown")
        ),
    ));
    if last.is_empty() {
        last.push(u.to_string());
    }
    let delay = n
        .delay_shutdown
        .map(|d| format!("ups.delay.shutdown {d} s"));
    for l in last {
        g.edges.push((l, cut.clone(), delay.clone(), false));
    }
    g
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
