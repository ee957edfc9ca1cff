//! `nutctl demo`: the guided tour. An embedded server plays a real device (an APC Back-UPS ES 725
//! from the NUT device dump library, embedded below) through a power cut and a network blip, and at
//! each step nutctl reads it exactly as `nutctl status` does and shows what nut-diagnose makes of
//! it. Needs no UPS and no NUT; finishes by itself in a few seconds.

use std::time::Duration;

use anyhow::Context as _;
use nut_diagnose::knowledge::Thresholds;
use nut_proto::server::{Server, ServerConfig, ServerHandle, Store, UpsData};
use nut_proto::Target;
use serde::Serialize;

use nut_diagnose::timeline::Timeline;
use nut_diagnose::{Finding, Severity};

use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::probe;
use crate::render;
use crate::render::report::{assess, UpsReport};
use crate::render::text::{bold, paint, sev_word};
use crate::render::watch::WatchLine;
use nut_diagnose::logs::reader::{read_log, ReadOptions};
use nut_diagnose::watch::Watcher;

/// The device: `ddl/APC/APC__Back-UPS_ES_725__usbhid-ups__2.6.5__01.dev` of the NUT device dump
/// library (see nutctl/data/SOURCES.md).
const DEVICE: &str = include_str!("../../data/apc-back-ups-es725.dev");

/// The UPS name the demo server offers.
const UPS: &str = "demo";

/// One step of the story.
#[derive(Debug, Serialize)]
struct DemoStep {
    /// Short name (`power cut`).
    step: &'static str,
    /// What was done to the server.
    narrative: &'static str,
    /// What `nutctl status` reported.
    report: UpsReport,
    /// The exit code `nutctl status` would have returned.
    exit_code: u8,
}

/// The `demo` document (with `--json`).
#[derive(Debug, Serialize)]
struct DemoReport {
    /// `127.0.0.1:<port>` of the embedded server.
    server: String,
    /// The steps, in order.
    steps: Vec<DemoStep>,
    /// The same story seen by `nutctl watch`, and its upsmon-style log through `nutctl logs`.
    watch: WatchPart,
    /// `nutctl doctor` on a client host whose configuration is wrong.
    doctor: nut_diagnose::Report,
}

/// The demo client's configuration (part 4): a netclient whose MONITOR line points at this very
/// host and carries a wrong password. Written to a temp dir, mode 0600, removed afterwards.
const CLIENT_NUT_CONF: &str = "MODE=netclient\n";
/// The monitoring user the demo server knows.
const MON_USER: &str = "monuser";
/// The password the demo server expects (never printed).
const MON_PASSWORD: &str = "demo-Right-pw";
/// The password the demo client's upsmon.conf has (never printed either).
const MON_WRONG_PASSWORD: &str = "demo-Wrong-pw";

/// Part 4: a client host with a broken configuration, judged by `doctor` exactly as on a real
/// host, except that systemd and the journal are left out so the result is the same everywhere.
async fn doctor_part(ctx: &Ctx, color: bool) -> anyhow::Result<nut_diagnose::Report> {
    use nut_diagnose::probe::nut::NutProbe;
    use nut_diagnose::probe::{gather, Probes};
    use nut_proto::server::{UpsmonRole, User};

    let mut store = fresh_store();
    store.insert_user(User::new(MON_USER, MON_PASSWORD).upsmon(UpsmonRole::Secondary));
    let handle = start(store, ServerConfig::default().bind).await?;
    let addr = handle.addr();
    let target = Target::new(UPS, addr.ip().to_string(), addr.port());
    // A fresh directory: random name, mode 0700, created with O_EXCL semantics (mkdir), removed on
    // drop. A predictable /tmp name could be planted by another user with links in it.
    let scratch = tempfile::Builder::new()
        .prefix("nutctl-demo-")
        .tempdir()
        .context("creating the demo's temporary directory")?;
    let dir = scratch.path().to_path_buf();
    let written = write_client_dir(&dir, &target);
    let report = match written {
        Ok(()) => {
            let loaded = nut_config::ConfigDir::load(&dir);
            let mut plain_opts = ctx.opts.clone();
            plain_opts.starttls = false;
            let plain = NutProbe {
                opts: plain_opts,
                credentials: None,
            };
            let probes = Probes {
                snapshots: Some(&plain),
                ..Probes::default()
            };
            let mut facts = gather(probes, std::slice::from_ref(&target), None, None).await;
            facts.host = Some("demo-client".into());
            let login = NutProbe {
                credentials: Some((
                    MON_USER.to_string(),
                    nut_proto::Secret::new(MON_WRONG_PASSWORD),
                )),
                ..plain
            };
            facts.probes.push(login.run(&target).await.0);
            facts.config = Some(nut_diagnose::config::HostConfig::from_dir(
                "demo-client",
                &loaded,
            ));
            Ok(nut_diagnose::diagnose(&facts, &Thresholds::default()))
        }
        Err(e) => Err(e),
    };
    drop(scratch);
    handle.shutdown().await;
    let report = report.with_context(|| format!("writing the demo config in {}", dir.display()))?;
    if !ctx.json {
        let mut out = format!(
            "\n{}\n  a client host whose nut.conf says MODE=netclient and whose upsmon.conf reads\n  \
             | MONITOR {target} 1 {MON_USER} <a wrong password> secondary\n  \
             this is what `nutctl doctor` says there:\n",
            bold("part 4: `nutctl doctor` on a misconfigured client", color)
        );
        let text = render::doctor::doctor_text(&report, &[], &[], color);
        for l in text.lines() {
            out.push_str(&format!("  | {l}\n"));
        }
        render::emit(&out)?;
    }
    Ok(report)
}

/// Writes the demo client's nut.conf and upsmon.conf (owner-only, as they hold a password).
fn write_client_dir(dir: &std::path::Path, target: &Target) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let upsmon = format!(
        "MONITOR {target} 1 {MON_USER} \"{MON_WRONG_PASSWORD}\" secondary\n\
         SHUTDOWNCMD \"/bin/true\"\n"
    );
    for (name, text) in [
        ("nut.conf", CLIENT_NUT_CONF),
        ("upsmon.conf", upsmon.as_str()),
    ] {
        // create_new: O_EXCL, so a link planted under this name is never followed.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dir.join(name))?;
        f.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The second part of the demo: `watch` over the same scenes, then `logs` over what it logged.
#[derive(Debug, Serialize)]
struct WatchPart {
    /// What `nutctl watch --json` would print, line by line (times on the demo's virtual clock).
    lines: Vec<WatchLine>,
    /// The lines upsmon would have logged (upsmon -D format).
    upsmon_log: Vec<String>,
    /// `nutctl logs` over those lines: the episode timeline…
    timeline: Timeline,
    /// …and its findings.
    findings: Vec<Finding>,
}

/// Replays the scenes against a fresh server with `watch`'s transition detection, then feeds the
/// upsmon lines it produced through the `logs` timeline.
async fn watch_part(
    ctx: &Ctx,
    addr: std::net::SocketAddr,
    target: &Target,
    pace: Duration,
) -> anyhow::Result<WatchPart> {
    let color = ctx.color;
    let mut handle = Some(start(fresh_store(), addr).await?);
    let mut saved: Option<Store> = None;
    let mut watcher = Watcher::new(1, Thresholds::default());
    let mut lines = Vec::new();
    if !ctx.json {
        render::emit(&format!(
            "\n{}\n  the same story again, seen by `nutctl watch {target}` (one poll per step; \
             times on a virtual clock, {SCENE_SECS} s per step)\n",
            bold("part 2: watch notes each transition", color)
        ))?;
    }
    let mut failures = 0u32;
    for (i, (_, _, change)) in SCENES.iter().enumerate() {
        apply(&mut handle, &mut saved, addr, *change).await?;
        let read = probe::read_vars(ctx, target).await;
        let rel = i64::try_from(i).unwrap_or(0) * SCENE_SECS * 1_000_000;
        let time = format!("+{:>3}s", rel / 1_000_000);
        let mut step: Vec<WatchLine> = watcher
            .observe(0, probe::observation(target, &read), rel)
            .into_iter()
            .map(|e| WatchLine::of(e, &time))
            .collect();
        if let Err(e) = &read {
            failures += 1;
            step.push(WatchLine::Reconnect {
                time: time.clone(),
                target: target.to_string(),
                attempt: failures,
                retry_in_secs: SCENE_SECS as f64,
                error: e.to_string(),
            });
        } else {
            failures = 0;
        }
        if !ctx.json {
            let text: String = step
                .iter()
                .map(|l| render::watch::text_line(l, color))
                .collect();
            let indented: String = text.lines().map(|l| format!("  | {l}\n")).collect();
            render::emit(&indented)?;
            if i + 1 < SCENES.len() {
                tokio::time::sleep(pace).await;
            }
        }
        lines.extend(step);
    }
    if let Some(h) = handle.take() {
        h.shutdown().await;
    }
    let upsmon_log = watcher.log_lines().to_vec();
    let report = read_log(
        upsmon_log.join("\n").as_bytes(),
        ReadOptions::default(),
        None,
    );
    let (timeline, findings) = (report.timeline, report.findings);
    if !ctx.json {
        let mut out = format!(
            "\n{}\n  the lines upsmon would have logged meanwhile:\n",
            bold("part 3: the same events through `nutctl logs`", color)
        );
        for l in &upsmon_log {
            out.push_str(&format!("  | {}\n", l.replace('\t', "  ")));
        }
        out.push_str("  and the episode timeline `nutctl logs` builds from them:\n");
        let mut eps = String::new();
        render::episodes::episodes_text(&mut eps, &timeline, "");
        for l in eps.lines() {
            out.push_str(&format!("  | {l}\n"));
        }
        let mut f = String::new();
        render::text::findings(&mut f, &findings, Severity::Info, color, "");
        for l in f.lines().filter(|l| !l.starts_with(' ')) {
            out.push_str(&format!("  | {l}\n"));
        }
        render::emit(&out)?;
    }
    Ok(WatchPart {
        lines,
        upsmon_log,
        timeline,
        findings,
    })
}

/// What the scenario changes at each step: (name, narrative, variables set; `None` = network blip).
type Scene = (
    &'static str,
    &'static str,
    Option<&'static [(&'static str, &'static str)]>,
);

const SCENES: &[Scene] = &[
    (
        "mains present",
        "The UPS runs on mains, battery full, as recorded from the real device.",
        Some(&[]),
    ),
    (
        "power cut",
        "Mains fails: the driver reports OB (on battery); the runtime starts counting down.",
        Some(&[
            ("ups.status", "OB DISCHRG"),
            ("battery.charge", "72"),
            ("battery.runtime", "1100"),
            ("input.voltage", "0.0"),
        ]),
    ),
    (
        "battery low",
        "The outage lasts: charge and runtime fall until the UPS raises LB (low battery).",
        Some(&[
            ("ups.status", "OB DISCHRG LB"),
            ("battery.charge", "9"),
            ("battery.runtime", "110"),
        ]),
    ),
    (
        "mains back",
        "Mains returns before the end: OL again. The battery is still low while it recharges, and the threshold rule says so.",
        Some(&[
            ("ups.status", "OL CHRG"),
            ("battery.charge", "35"),
            ("battery.runtime", "700"),
            ("input.voltage", "120.0"),
        ]),
    ),
    (
        "network blip",
        "The server stops answering (upsd restarting, a cable pulled): the poll fails.",
        None,
    ),
    (
        "network back",
        "The server is reachable again; the battery has recharged.",
        Some(&[
            ("ups.status", "OL"),
            ("battery.charge", "100"),
            ("battery.runtime", "1777"),
        ]),
    ),
];

async fn start(store: Store, bind: std::net::SocketAddr) -> anyhow::Result<ServerHandle> {
    let config = ServerConfig {
        bind,
        ..ServerConfig::default()
    };
    Server::start(store, config)
        .await
        .with_context(|| format!("cannot start the embedded server on {bind}"))
}

/// Plays one scene on the server: set variables (restarting the server first if it is down), or
/// stop it (`None`, the network blip) keeping its store for the restart.
async fn apply(
    handle: &mut Option<ServerHandle>,
    saved: &mut Option<Store>,
    addr: std::net::SocketAddr,
    change: Option<&'static [(&'static str, &'static str)]>,
) -> anyhow::Result<()> {
    match change {
        Some(vars) => {
            if handle.is_none() {
                let store = saved.take().unwrap_or_default();
                *handle = Some(start(store, addr).await?);
            }
            if let Some(h) = handle {
                h.with_store(|s| s.set_values(UPS, vars));
            }
        }
        None => {
            if let Some(h) = handle.take() {
                *saved = Some(h.with_store(|s| s.clone()));
                h.shutdown().await;
            }
        }
    }
    Ok(())
}

fn fresh_store() -> Store {
    let mut store = Store::new();
    let mut ups = UpsData::from_dev(UPS, DEVICE);
    ups.desc = Some("APC Back-UPS ES 725 (NUT device dump library)".into());
    store.insert_ups(ups);
    store
}

/// Seconds of the demo's virtual clock between two scenes of the watch part (so the episode log
/// reads like a real outage, and the output is the same on every run).
const SCENE_SECS: i64 = 30;

/// `nutctl demo`.
pub(crate) async fn run(ctx: &Ctx, pace_ms: u64) -> anyhow::Result<Exit> {
    let ctx = ctx.with_timeout(Duration::from_secs(2));
    let pace = Duration::from_millis(pace_ms.min(10_000));
    let mut handle = Some(start(fresh_store(), ServerConfig::default().bind).await?);
    let addr = handle
        .as_ref()
        .map(ServerHandle::addr)
        .context("server handle")?;
    let target = Target::new(UPS, addr.ip().to_string(), addr.port());
    let thresholds = Thresholds::default();
    let color = ctx.color;
    if !ctx.json {
        render::emit(&format!(
            "{}\nserver started on {addr}, serving UPS `{UPS}` (a real APC Back-UPS ES 725 dump)\n\
             every step below is what `nutctl status {target}` shows\n",
            bold(
                "nutctl demo: a power cut and a network blip, no UPS needed",
                color
            )
        ))?;
    }
    let mut steps = Vec::new();
    // The store kept across the blip, so the restarted server carries on where it stopped.
    let mut saved: Option<Store> = None;
    for (i, (name, narrative, change)) in SCENES.iter().enumerate() {
        apply(&mut handle, &mut saved, addr, *change).await?;
        let read = probe::read_vars(&ctx, &target).await;
        let report = assess(&target, &read, &thresholds, false);
        let exit = Exit::of_worst(report.severity);
        if !ctx.json {
            let mut out = format!(
                "\n{} {}\n  {narrative}\n",
                bold(&format!("step {}/{}:", i + 1, SCENES.len()), color),
                bold(name, color)
            );
            let mut view = String::new();
            render::text::ups(&mut view, &report, false, color);
            for line in view.lines() {
                out.push_str("  | ");
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&format!(
                "  => exit code {} ({})\n",
                exit.code(),
                paint(sev_word(report.severity), report.severity, color)
            ));
            render::emit(&out)?;
            if i + 1 < SCENES.len() {
                tokio::time::sleep(pace).await;
            }
        }
        steps.push(DemoStep {
            step: name,
            narrative,
            report,
            exit_code: exit.code(),
        });
    }
    if let Some(h) = handle.take() {
        h.shutdown().await;
    }
    let watch = watch_part(&ctx, addr, &target, pace / 2).await?;
    let doctor = doctor_part(&ctx, color).await?;
    if ctx.json {
        render::json::emit(&DemoReport {
            server: addr.to_string(),
            steps,
            watch,
            doctor,
        })?;
    } else {
        render::emit(&format!(
            "\ndone: the embedded server on {addr} is stopped. Try the same on your own UPS:\n  \
             nutctl status ups@your-nut-server\n  nutctl check ups@your-nut-server\n  nutctl doctor\n"
        ))?;
    }
    Ok(Exit::Ok)
}
