//! Global options, validated once: client options (timeouts, TLS), the colour decision and the
//! configuration directory. Commands receive a [`Ctx`] and never look at raw arguments again.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context as _};
use nut_proto::client::{Client, ClientError, Options, TlsOptions};
use nut_proto::Target;

use crate::cli::GlobalArgs;

/// Everything a command needs to know about how it was asked to run.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// One JSON document on stdout instead of text.
    pub(crate) json: bool,
    /// Colour the text output (a terminal, no `--no-color`, no `NO_COLOR`).
    pub(crate) color: bool,
    /// NUT configuration directory (the first `--confdir`, else NUT's default).
    pub(crate) confdir: PathBuf,
    /// Every `--confdir` as given (only `map` accepts more than one; the others refuse).
    pub(crate) confdirs: Vec<PathBuf>,
    /// Client options (timeouts, TLS settings, and whether every connection upgrades with STARTTLS).
    pub(crate) opts: Options,
}

impl Ctx {
    /// Validates the global arguments.
    pub(crate) fn from_args(g: &GlobalArgs) -> anyhow::Result<Ctx> {
        if !(g.timeout.is_finite() && g.timeout > 0.0 && g.timeout <= 3600.0) {
            bail!("--timeout must be a number of seconds between 0 and 3600");
        }
        let timeout = Duration::from_secs_f64(g.timeout);
        let mut opts = Options::default();
        opts.connect_timeout = timeout;
        opts.request_timeout = timeout;
        let mut tls = TlsOptions::default();
        tls.ca_file = g.cafile.clone();
        tls.server_name = g.tls_server_name.clone();
        tls.danger_accept_invalid_certs = g.insecure_skip_verify;
        // A CA file or the skip-verify switch asks for TLS: every connection upgrades with STARTTLS.
        if g.cafile.is_some() || g.insecure_skip_verify {
            opts = opts.with_starttls(tls);
        } else {
            opts.tls = tls;
        }
        if g.insecure_skip_verify {
            eprintln!(
                "nutctl: WARNING: --insecure-skip-verify: the server's certificate is NOT checked; \
                 anyone on the network path can read this session, password included"
            );
        }
        if let Some(ca) = &g.cafile {
            // Fail before any connection: a CA file that cannot be read is a local mistake, not
            // something the server did.
            std::fs::metadata(ca)
                .with_context(|| format!("--cafile {}: cannot read it", ca.display()))?;
        }
        let confdir = match g.confdir.first() {
            Some(d) => d.clone(),
            None => nut_config::ConfigDir::default_dir().0,
        };
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(Ctx {
            json: g.json,
            color: !g.no_color && !no_color_env && std::io::stdout().is_terminal(),
            confdir,
            confdirs: g.confdir.clone(),
            opts,
        })
    }

    /// A context for in-process use (the demo): plain TCP, the given timeout.
    pub(crate) fn with_timeout(&self, timeout: Duration) -> Ctx {
        let mut c = self.clone();
        c.opts.connect_timeout = timeout;
        c.opts.request_timeout = timeout;
        c
    }

    /// Connects to a target's server (and upgrades with STARTTLS when asked).
    pub(crate) async fn connect(&self, target: &Target) -> Result<Client, ClientError> {
        self.connect_server(&target.host, target.port).await
    }

    /// Connects to `host:port` (and upgrades with STARTTLS when asked).
    pub(crate) async fn connect_server(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Client, ClientError> {
        nut_diagnose::probe::nut::connect_server(host, port, &self.opts).await
    }
}

/// Parses `ups[@host[:port]]`, with the argument in the error.
pub(crate) fn parse_target(s: &str) -> anyhow::Result<Target> {
    Target::parse(s).with_context(|| format!("bad target {s:?}"))
}

/// Parses `host[:port]` (IPv6 in brackets) with the same rules as a target.
pub(crate) fn parse_server(s: &str) -> anyhow::Result<(String, u16)> {
    let t = Target::parse(&format!("x@{s}")).with_context(|| format!("bad server {s:?}"))?;
    Ok((t.host, t.port))
}
