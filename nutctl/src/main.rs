//! `nutctl`: the command-line face of the nutctl workspace. A thin binary: it parses arguments,
//! gathers facts through nut-proto's client (the probes), hands them to nut-diagnose's rules and
//! renders what comes back. No rule, threshold or status meaning lives here.
//!
//! # Layout
//! - [`cli`]: clap definitions (also drive completions and the man page).
//! - [`ctx`]: global options turned into ready-to-use objects (client options, colour, confdir).
//! - [`probe`]: talking to servers and turning outcomes into nut-diagnose facts.
//! - [`cmd`]: one file per subcommand.
//! - [`render`]: text (colour only on a terminal, never with NO_COLOR) and JSON.

mod cli;
mod cmd;
mod creds;
mod ctx;
mod exit;
mod local;
mod probe;
mod render;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; usage errors are UNKNOWN (3), not clap's 2, which
            // would read as CRITICAL to a monitoring system.
            let code = if e.use_stderr() {
                Exit::Unknown
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    match run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return Exit::Ok.into();
            }
            // Errors quote servers and files: escaped like all text output.
            let msg = format!("{err:#}");
            eprintln!("nutctl: error: {}", render::sanitize::sanitize(&msg));
            Exit::Unknown.into()
        }
    }
}

/// Runs one command on a fresh tokio runtime and returns its exit code.
fn run(cli: cli::Cli) -> anyhow::Result<Exit> {
    let ctx = ctx::Ctx::from_args(&cli.global)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(cmd::dispatch(&ctx, cli.command))
}

/// A closed stdout (`nutctl status --all | head`) is how pipelines end, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
