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

use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match cli::parse() {
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
            let msg = error_text(&err);
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

/// The error and its causes, each said once: nut-proto's errors repeat their source in their own
/// message (for callers that print only the top), so a cause already in the text is left out.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// A closed stdout (`nutctl status --all | head`) is how pipelines end, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_cause_is_said_once() {
        use std::fmt;
        #[derive(Debug)]
        struct Inner(&'static str);
        impl fmt::Display for Inner {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "handshake failed: {}", self.0)
            }
        }
        impl std::error::Error for Inner {}
        // As nut-proto's errors: the message repeats the source.
        #[derive(Debug)]
        struct Outer(Inner);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "TLS: {}", self.0)
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = anyhow::Error::from(Outer(Inner("UnknownIssuer"))).context("connecting to h:1");
        assert_eq!(
            super::error_text(&e),
            "connecting to h:1: TLS: handshake failed: UnknownIssuer"
        );
        let e = anyhow::anyhow!("disk full").context("cannot write x");
        assert_eq!(super::error_text(&e), "cannot write x: disk full");
    }
}
