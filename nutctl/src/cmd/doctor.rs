//! `nutctl doctor`, `nutctl mode` and `nutctl map`: three views of the same gathered facts.
//!
//! `doctor` is the troubleshooting guide's fast flow in one go: nut-diagnose's `gather_local` reads
//! this host's configuration, NUT units and journal and probes every MONITOR target, `doctor` judges
//! the facts, and this module only renders the report. `mode` shows the `mode.*` findings of the
//! same facts (without probing anything); `map` builds the authority map of one or more hosts'
//! config directories, plus who is logged in now.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::bail;
use nut_diagnose::config::HostConfig;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::map::AuthorityMap;
use nut_diagnose::probe::nut::NutProbe;
use nut_diagnose::probe::{gather, gather_local, system, Probes};
use nut_diagnose::{Facts, Finding, Report, Severity};
use nut_proto::target::HostKind;
use nut_proto::Target;
use serde::Serialize;

use crate::cli::{DoctorArgs, MapArgs, MapFormat};
use crate::creds::Credentials;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::local::{local_hostname, local_options, parse_since, unix_now};
use crate::render;
use crate::render::doctor::doctor_text;
use crate::render::text::{bold, findings as findings_text};

/// The `doctor` document.
#[derive(Debug, Serialize)]
pub(crate) struct DoctorDoc<'a> {
    /// The host name used on the map.
    pub(crate) host: &'a str,
    /// The configuration directory read.
    pub(crate) confdir: String,
    /// Findings, verdict, timeline and authority map.
    pub(crate) report: &'a Report,
    /// Sources the diagnosis could not read (`systemctl: …`, `journal: …`, a file).
    pub(crate) unavailable: &'a [String],
    /// The process exit code.
    pub(crate) exit_code: u8,
}

/// Gathers this host's facts (what `doctor` judges).
pub(crate) async fn gather_doctor(
    ctx: &Ctx,
    confdir: &Path,
    host: &str,
    since_secs: Option<i64>,
    creds: Option<&Credentials>,
) -> Facts {
    gather_local(&local_options(ctx, confdir, host, since_secs, creds)).await
}

/// `nutctl doctor`.
pub(crate) async fn doctor(ctx: &Ctx, args: DoctorArgs) -> anyhow::Result<Exit> {
    let now = unix_now().unwrap_or_default();
    let since = now.saturating_sub(parse_since(&args.since, now)?);
    let creds = Credentials::from_args(&args.creds)?;
    let host = local_hostname();
    let facts = gather_doctor(ctx, &ctx.confdir, &host, Some(since), creds.as_ref()).await;
    let report = nut_diagnose::diagnose(&facts, &Thresholds::default());
    let exit = Exit::of_worst(report.verdict.worst);
    if ctx.json {
        render::json::emit(&DoctorDoc {
            host: &host,
            confdir: ctx.confdir.display().to_string(),
            report: &report,
            unavailable: &facts.unavailable,
            exit_code: exit.code(),
        })?;
    } else {
        let unread = facts
            .config
            .as_ref()
            .map(|c| c.unread_ups_files())
            .unwrap_or_default();
        render::emit(&doctor_text(
            &report,
            &facts.unavailable,
            &unread,
            ctx.color,
        ))?;
    }
    Ok(exit)
}

/// The `mode` document.
#[derive(Debug, Serialize)]
struct ModeDoc<'a> {
    /// nut.conf's MODE value (`null` when missing or unreadable).
    mode: Option<&'a str>,
    /// The `mode.*` findings, most severe first.
    findings: Vec<&'a Finding>,
    /// Sources that could not be read.
    unavailable: &'a [String],
    /// The process exit code.
    exit_code: u8,
}

/// `nutctl mode`: the configuration and the NUT units only (no network, no journal).
pub(crate) async fn mode(ctx: &Ctx) -> anyhow::Result<Exit> {
    let services = system::Systemctl::default();
    let probes = Probes {
        services: Some(&services),
        ..Probes::default()
    };
    let mut facts = gather(probes, &[], unix_now(), None).await;
    let dir = nut_config::ConfigDir::load(&ctx.confdir);
    facts.config = Some(HostConfig::from_dir(local_hostname(), &dir));
    let report = nut_diagnose::diagnose(&facts, &Thresholds::default());
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.id.starts_with("mode."))
        .collect();
    let worst = found.iter().map(|f| f.severity).max();
    let exit = Exit::of_worst(worst);
    let mode = facts.config.as_ref().and_then(|c| c.mode.as_deref());
    if ctx.json {
        render::json::emit(&ModeDoc {
            mode,
            findings: found,
            unavailable: &facts.unavailable,
            exit_code: exit.code(),
        })?;
        return Ok(exit);
    }
    let mut out = String::new();
    let role = found
        .iter()
        .find(|f| f.id == "mode.role")
        .map_or("role: unknown", |f| f.title.as_str());
    let _ = writeln!(
        out,
        "{}  (MODE={} in {})",
        bold(role, ctx.color),
        mode.unwrap_or("?"),
        ctx.confdir.join("nut.conf").display()
    );
    let owned: Vec<Finding> = found.into_iter().cloned().collect();
    findings_text(&mut out, &owned, Severity::Ok, ctx.color, "  ");
    for u in &facts.unavailable {
        let _ = writeln!(out, "  not seen: {u}");
    }
    render::emit(&out)?;
    Ok(exit)
}

/// The host name a directory stands for: its last component (`/srv/cfg/nas` → `nas`).
fn dir_host(d: &Path) -> String {
    let abs = std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf());
    abs.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| d.display().to_string())
}

/// The hosts to put on the map, in order: every `--confdir` (named after the directory, except a
/// lone one, which is this host), then every `--host NAME=DIR`; with neither, this host's default
/// directory under its own name.
fn map_hosts(ctx: &Ctx, args: &MapArgs) -> anyhow::Result<Vec<(String, PathBuf)>> {
    // One directory alone is this host's (named like `doctor` names it); several are several hosts.
    let mut hosts: Vec<(String, PathBuf)> = match (ctx.confdirs.as_slice(), args.hosts.is_empty()) {
        ([one], true) => vec![(local_hostname(), one.clone())],
        (dirs, _) => dirs.iter().map(|d| (dir_host(d), d.clone())).collect(),
    };
    for h in &args.hosts {
        match h.split_once('=') {
            Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
                hosts.push((name.to_string(), PathBuf::from(dir)));
            }
            _ => bail!("--host {h:?}: expected NAME=DIR"),
        }
    }
    if hosts.is_empty() {
        hosts.push((local_hostname(), ctx.confdir.clone()));
    }
    Ok(hosts)
}

/// The `map` document.
#[derive(Debug, Serialize)]
struct MapDoc<'a> {
    /// The hosts and the directories they were read from.
    hosts: Vec<MapHost>,
    /// The map.
    map: &'a AuthorityMap,
    /// What the map itself says is wrong (two primaries, no primary, …).
    findings: &'a [Finding],
    /// What could not be read (LIST CLIENT of a server that did not answer).
    unavailable: &'a [String],
    /// The process exit code.
    exit_code: u8,
}

/// One host on the map.
#[derive(Debug, Serialize)]
struct MapHost {
    /// Its name.
    name: String,
    /// Its config directory.
    dir: String,
}

/// Asks the servers the configurations name who is logged in (`LIST CLIENT`): every MONITOR target
/// (loopback ones only from the first host, the one this command runs on), and the UPSes the first
/// host serves itself.
async fn live_clients(ctx: &Ctx, facts: &mut Facts) {
    let mut targets: Vec<Target> = Vec::new();
    let hosts: Vec<&HostConfig> = facts.config.iter().chain(facts.peers.iter()).collect();
    for (i, h) in hosts.iter().enumerate() {
        for m in h.upsmon.iter().flat_map(|u| u.monitors.iter()) {
            if (i == 0 || m.target.host_kind() != HostKind::Loopback)
                && !targets.contains(&m.target)
            {
                targets.push(m.target.clone());
            }
        }
    }
    if let Some(first) = hosts.first() {
        for t in first.served_targets() {
            if !targets
                .iter()
                .any(|x| x.ups == t.ups && x.host_kind() == HostKind::Loopback)
            {
                targets.push(t);
            }
        }
    }
    let probe = NutProbe {
        opts: ctx.opts.clone(),
        credentials: None,
    };
    for t in targets {
        // the address this host logs in from (its own entry in LIST CLIENT), as doctor records it
        if let Some(a) = nut_diagnose::probe::nut::source_address(&t).await {
            if !facts.local_addrs.contains(&a) {
                facts.local_addrs.push(a);
            }
        }
        match probe.clients(&t).await {
            Ok(clients) => facts
                .clients
                .push(nut_diagnose::facts::ClientsFact { target: t, clients }),
            Err(e) => facts
                .unavailable
                .push(format!("could not read: LIST CLIENT {t}: {e}")),
        }
    }
}

/// `nutctl map`.
pub(crate) async fn map(ctx: &Ctx, args: MapArgs) -> anyhow::Result<Exit> {
    let hosts = map_hosts(ctx, &args)?;
    let mut facts = Facts::default();
    for (i, (name, dir)) in hosts.iter().enumerate() {
        let cfg = HostConfig::from_dir(name.clone(), &nut_config::ConfigDir::load(dir));
        if i == 0 {
            facts.config = Some(cfg);
        } else {
            facts.peers.push(cfg);
        }
    }
    if !args.offline {
        live_clients(ctx, &mut facts).await;
    }
    let map = AuthorityMap::build(&facts);
    let found = nut_diagnose::map::findings(&map);
    let exit = match (map.upses.is_empty(), found.iter().map(|f| f.severity).max()) {
        (true, _) => Exit::Unknown,
        (false, None) => Exit::Ok,
        (false, worst) => Exit::of_worst(worst),
    };
    if ctx.json {
        render::json::emit(&MapDoc {
            hosts: hosts
                .iter()
                .map(|(n, d)| MapHost {
                    name: n.clone(),
                    dir: d.display().to_string(),
                })
                .collect(),
            map: &map,
            findings: &found,
            unavailable: &facts.unavailable,
            exit_code: exit.code(),
        })?;
        return Ok(exit);
    }
    let mut out = match args.format {
        MapFormat::Text => {
            let unread: Vec<String> = facts
                .config
                .iter()
                .chain(facts.peers.iter())
                .flat_map(|h| {
                    let name = h.host.clone();
                    h.unread_ups_files()
                        .into_iter()
                        .map(move |f| format!("{name}: {f}"))
                })
                .collect();
            if map.upses.is_empty() && !unread.is_empty() {
                format!("(not known: could not read {})\n", unread.join(", "))
            } else if map.upses.is_empty() {
                "(no UPS in the configuration of any host)\n".to_string()
            } else {
                map.to_text()
            }
        }
        MapFormat::Mermaid => map.to_mermaid(),
        MapFormat::Dot => map.to_dot(),
    };
    if args.format == MapFormat::Text {
        findings_text(&mut out, &found, Severity::Info, ctx.color, "");
        for u in &facts.unavailable {
            let _ = writeln!(out, "not seen: {u}");
        }
    } else if !found.is_empty() || !facts.unavailable.is_empty() {
        // Keep stdout a valid diagram; notes go to stderr.
        for f in &found {
            let line = format!("[{}] {} ({})", f.severity, f.title, f.id);
            eprintln!("nutctl map: {}", render::sanitize::sanitize(&line));
        }
        for u in &facts.unavailable {
            eprintln!("nutctl map: not seen: {}", render::sanitize::sanitize(u));
        }
    }
    render::emit(&out)?;
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_names_are_host_names() {
        assert_eq!(dir_host(Path::new("/nonexistent/cfg/nas")), "nas");
    }
}
