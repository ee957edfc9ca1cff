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

/// Prints the man page (roff), or writes it and every subcommand's page (`nutctl-exporter.1` …:
/// the pages the main one lists) into `dir`.
pub(crate) fn man(dir: Option<&std::path::Path>) -> anyhow::Result<Exit> {
    if let Some(dir) = dir {
        use anyhow::Context as _;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(docs_command(), dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        return Ok(Exit::Ok);
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(docs_command()).render(&mut buf)?;
    crate::render::emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}
