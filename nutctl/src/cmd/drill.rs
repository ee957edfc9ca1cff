//! `nutctl drill`: arguments, one nut-diagnose call ([`drill_local`]), rendering. The links, the
//! expected sequence, the FSD record and the comparison are nut-diagnose's `drill`.

use std::time::Duration;

use anyhow::bail;
use nut_diagnose::drill::DrillReport;
use nut_diagnose::probe::drill_local;
use serde::Serialize;

use crate::cli::DrillArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::local::{local_hostname, local_options};
use crate::render;

/// The `drill` document.
#[derive(Debug, Serialize)]
struct DrillDoc<'a> {
    host: &'a str,
    #[serde(flatten)]
    report: &'a DrillReport,
    exit_code: u8,
}

/// `nutctl drill`.
pub(crate) async fn run(ctx: &Ctx, args: DrillArgs) -> anyhow::Result<Exit> {
    if args.fsd && !args.yes {
        bail!("drill --fsd sets FSD for real: every host that monitors the UPS will power off (the secondaries first, this host last). Add --yes to do it");
    }
    let host = local_hostname();
    let opts = local_options(ctx, &ctx.confdir, &host, Some(3600), None);
    let fsd = args.fsd.then(|| Duration::from_secs(args.watch));
    let report = drill_local(&opts, fsd, |t| {
        eprintln!("drill: setting FSD on {t}: the hosts that monitor it are powering off now (this host last)");
    })
    .await?;
    let exit = Exit::of_worst(report.worst());
    if ctx.json {
        render::json::emit(&DrillDoc {
            host: &host,
            report: &report,
            exit_code: exit.code(),
        })?;
    } else {
        render::emit(&render::drill::drill_text(&report))?;
    }
    Ok(exit)
}
