//! `nutctl drill`: arguments, one nut-diagnose call, rendering. The links, the expected sequence
//! and the comparison are nut-diagnose's `drill`; the live FSD is `probe::drill_fsd`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::bail;
use nut_diagnose::drill::{self, Comparison, Drill, FsdRecord};
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::probe::{drill_fsd, LocalOptions};
use serde::Serialize;

use crate::cli::DrillArgs;
use crate::cmd::doctor::{gather_doctor, local_hostname};
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::render;

/// The `drill` document.
#[derive(Debug, Serialize)]
struct DrillDoc<'a> {
    host: &'a str,
    drills: &'a [Drill],
    #[serde(skip_serializing_if = "Option::is_none")]
    fsd: Option<FsdDoc<'a>>,
    unavailable: &'a [String],
    exit_code: u8,
}

#[derive(Debug, Serialize)]
struct FsdDoc<'a> {
    ups: &'a str,
    record: &'a FsdRecord,
    comparison: &'a Comparison,
}

fn text(drills: &[Drill], fsd: Option<&FsdDoc<'_>>) -> String {
    let mut out = String::new();
    for d in drills {
        let _ = writeln!(
            out,
            "drill {} ({}): {}",
            d.ups,
            if d.primary_here {
                "primary here"
            } else {
                "secondary here"
            },
            d.verdict
        );
        for l in &d.links {
            let mark = match l.ok {
                Some(true) => "ok  ",
                Some(false) => "FAIL",
                None => "?   ",
            };
            let _ = writeln!(out, "  [{mark}] {}: {}", l.what, l.evidence);
        }
        let _ = writeln!(out, "  expected sequence after FSD:");
        for (i, e) in d.expected.iter().enumerate() {
            let at = e
                .at_secs
                .map_or_else(|| "t=?".to_string(), |t| format!("t+{t}s"));
            let _ = writeln!(out, "   {}. [{at}] {}", i + 1, e.step.text);
        }
    }
    if let Some(f) = fsd {
        let _ = writeln!(out, "FSD drill on {} ({}):", f.ups, f.record.trigger);
        for l in &f.record.logouts {
            let _ = writeln!(out, "  {} logged out after {} ms", l.client, l.after_ms);
        }
        if !f.record.remaining.is_empty() {
            let _ = writeln!(out, "  still logged in: {}", f.record.remaining.join(", "));
        }
        let _ = writeln!(
            out,
            "  expected order: {}",
            f.comparison.expected_order.join(" → ")
        );
        let _ = writeln!(
            out,
            "  recorded order: {}",
            f.comparison.recorded_order.join(" → ")
        );
        let _ = writeln!(out, "  verdict: {}", f.comparison.verdict);
    }
    out
}

/// `nutctl drill`.
pub(crate) async fn run(ctx: &Ctx, args: DrillArgs) -> anyhow::Result<Exit> {
    if args.fsd && !args.yes {
        bail!("drill --fsd sets FSD for real: every host that monitors the UPS will power off (the secondaries first, this host last). Add --yes to do it");
    }
    let host = local_hostname();
    let facts = gather_doctor(ctx, &ctx.confdir, &host, Some(3600), None).await;
    let report = nut_diagnose::diagnose(&facts, &Thresholds::default());
    let drills = drill::plan(&facts, &report.map);
    let mut fsd_parts = None;
    if args.fsd {
        let Some(d) = drills.iter().find(|d| d.primary_here) else {
            bail!("refusing: this host is not the primary of any UPS it monitors (upsmon.conf has no `primary` MONITOR line); run drill --fsd on the primary");
        };
        eprintln!("drill: setting FSD on {}: the hosts that monitor it are powering off now (this host last)", d.target);
        let opts = LocalOptions {
            nut: ctx.opts.clone(),
            starttls: ctx.starttls,
            ..LocalOptions::default()
        };
        let record = drill_fsd(
            &opts,
            &d.target,
            &facts.local_addrs,
            Duration::from_secs(args.watch),
        )
        .await?;
        let comparison = drill::compare(d, &record);
        fsd_parts = Some((d.ups.clone(), record, comparison));
    }
    let fsd = fsd_parts.as_ref().map(|(ups, record, comparison)| FsdDoc {
        ups,
        record,
        comparison,
    });
    let exit = match (
        &fsd,
        drills
            .iter()
            .map(|d| d.verdict.as_str())
            .collect::<Vec<_>>(),
    ) {
        (Some(f), _) if f.comparison.verdict != "matches" => Exit::Critical,
        (Some(_), _) => Exit::Ok,
        (None, v) if v.is_empty() => Exit::Unknown,
        (None, v) if v.contains(&"broken") => Exit::Critical,
        (None, v) if v.contains(&"unverified") => Exit::Warning,
        (None, _) => Exit::Ok,
    };
    if ctx.json {
        render::json::emit(&DrillDoc {
            host: &host,
            drills: &drills,
            fsd,
            unavailable: &facts.unavailable,
            exit_code: exit.code(),
        })?;
    } else {
        render::emit(&text(&drills, fsd.as_ref()))?;
    }
    Ok(exit)
}
