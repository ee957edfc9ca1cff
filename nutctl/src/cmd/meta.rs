//! `nutctl completions SHELL` and `nutctl man`: generated from the clap definitions, so they always
//! match the real arguments.

use crate::cli::docs_command;
use crate::exit::Exit;

/// Prints the completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut docs_command(), "nutctl", &mut buf);
    crate::render::emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}

/// Prints the man page (roff).
pub(crate) fn man() -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(docs_command()).render(&mut buf)?;
    crate::render::emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}
