//! One file per subcommand. Each gathers facts (through [`crate::probe`]), asks nut-diagnose what
//! they mean, and hands a report to [`crate::render`]. `doctor`, `mode` and `map` share
//! one module: they are three views of the same gathered facts.

mod check;
mod clients;
mod config;
mod demo;
mod doctor;
mod drill;
pub(crate) mod exporter;
mod list;
mod logs;
mod manage;
mod meta;
mod serve;
pub(crate) mod status;
mod watch;

use crate::cli::Command;
use crate::ctx::Ctx;
use crate::exit::Exit;

/// Runs the chosen subcommand.
pub(crate) async fn dispatch(ctx: &Ctx, command: Command) -> anyhow::Result<Exit> {
    if ctx.confdirs.len() > 1 && !matches!(command, Command::Map(_)) {
        anyhow::bail!("--confdir was given more than once; only `nutctl map` takes several");
    }
    match command {
        Command::Status(a) => status::run(ctx, a).await,
        Command::List { server } => list::run(ctx, &server).await,
        Command::Clients { target } => clients::run(ctx, &target).await,
        Command::Check { target, creds } => check::run(ctx, &target, &creds).await,
        Command::Set {
            target,
            var,
            value,
            wait,
            creds,
        } => manage::set(ctx, &target, var, value, wait, &creds).await,
        Command::Cmd {
            target,
            command,
            value,
            yes,
            wait,
            creds,
        } => manage::cmd(ctx, &target, command, value, yes, wait, &creds).await,
        Command::Fsd { target, yes, creds } => manage::fsd(ctx, &target, yes, &creds).await,
        Command::Serve(a) => serve::run(ctx, a).await,
        Command::Demo { pace } => demo::run(ctx, pace).await,
        Command::Logs(a) => logs::run(ctx, a).await,
        Command::Config { action } => config::run(ctx, action),
        Command::Watch(a) => watch::run(ctx, a).await,
        Command::Doctor(a) => doctor::doctor(ctx, a).await,
        Command::Drill(a) => drill::run(ctx, a).await,
        Command::Mode => doctor::mode(ctx).await,
        Command::Map(a) => doctor::map(ctx, a).await,
        Command::Exporter(a) => exporter::run(ctx, a).await,
        Command::Completions { shell } => meta::completions(shell),
        Command::Man { dir } => meta::man(dir.as_deref()),
    }
}
