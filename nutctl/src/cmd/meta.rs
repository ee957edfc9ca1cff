//! `nutctl completions SHELL` and `nutctl man`: generated from the clap definitions, so they always
//! match the real arguments.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

/// Prints the completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "nutctl", &mut buf);
    crate::render::emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}

/// Prints the man page (roff).
pub(crate) fn man() -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    crate::render::emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}
