//! `nutctl exporter`: nut-diagnose's fleet poller behind an HTTP listener (axum on the tokio runtime
//! nutctl already runs), rendered by [`crate::render::prometheus`]. `exporter rules` prints the
//! alerting rules generated from the status and threshold tables.
//!
//! Routes: `/metrics` (every configured target), `/ups_metrics?target=HOST:PORT` (one target, the
//! multi-target pattern), and `/` — the page for people, rendered by [`root_page`] from the same
//! [`FleetSnapshot`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clap::{Args, Subcommand};
use nut_diagnose::fleet::{FleetSnapshot, FleetTarget, Poller};
use nut_diagnose::knowledge::{Bound, Thresholds};

use crate::cli::CredentialArgs;
use crate::creds::Credentials;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::render::prometheus::{self, MetricOptions, Names};

/// Arguments of `nutctl exporter`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ExporterArgs {
    /// `rules`: print the alerting rules instead of serving.
    #[command(subcommand)]
    pub(crate) action: Option<ExporterAction>,
    /// host[:port] (every UPS of that server) or ups@host[:port] (one UPS); several allowed.
    #[arg(value_name = "TARGET")]
    pub(crate) targets: Vec<String>,
    /// Read the targets from FILE: one per line, `#` starts a comment; a line may add that target's
    /// own `user=NAME password-file=PATH` (or `password-env=VAR`).
    #[arg(long = "targets", value_name = "FILE")]
    pub(crate) targets_file: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9199")]
    pub(crate) listen: std::net::SocketAddr,
    /// Metric names: nutctl's own, or DRuggeri/nut_exporter's (network_ups_tools_*).
    #[arg(long, value_enum, default_value_t = Names::Nutctl)]
    pub(crate) names: Names,
    /// Also export every other numeric variable (nut_ups_variable{var}; with --names druggeri,
    /// every network_ups_tools_<var>).
    #[arg(long)]
    pub(crate) all_vars: bool,
    /// Warning limit METRIC=NUMBER over nut-diagnose's threshold table (as `status -w`).
    #[arg(long = "warn", short = 'w', value_name = "METRIC=N")]
    pub(crate) warn: Vec<String>,
    /// Critical limit METRIC=NUMBER (as `status -c`).
    #[arg(long = "crit", short = 'c', value_name = "METRIC=N")]
    pub(crate) crit: Vec<String>,
    /// Credentials every target logs in with (optional: reading variables needs none).
    #[command(flatten)]
    pub(crate) creds: CredentialArgs,
}

/// `nutctl exporter` actions.
#[derive(Debug, Subcommand)]
pub(crate) enum ExporterAction {
    /// Print Prometheus alerting rules (YAML) generated from the status and threshold tables:
    /// target down, on battery with low battery, every warning/critical status flag, and the
    /// warning and critical limits of charge, runtime and load.
    #[command(
        after_help = "Example:\n  nutctl exporter rules -w charge=70 | promtool check rules /dev/stdin"
    )]
    Rules {
        /// Metric names the rules use.
        #[arg(long, value_enum, default_value_t = Names::Nutctl)]
        names: Names,
        /// Warning limit METRIC=NUMBER.
        #[arg(long = "warn", short = 'w', value_name = "METRIC=N")]
        warn: Vec<String>,
        /// Critical limit METRIC=NUMBER.
        #[arg(long = "crit", short = 'c', value_name = "METRIC=N")]
        crit: Vec<String>,
    },
}

/// Largest targets file read.
const MAX_TARGETS_FILE: u64 = 4 * 1024 * 1024;

fn thresholds(warn: &[String], crit: &[String]) -> anyhow::Result<Thresholds> {
    let mut t = Thresholds::default();
    for (words, bound) in [(warn, Bound::Warning), (crit, Bound::Critical)] {
        for w in words {
            t.set_limit(w, bound)?;
        }
    }
    Ok(t)
}

/// Targets from a file: one per line, `#` comments, blank lines skipped; after the target, optional
/// `user=NAME` with `password-file=PATH` or `password-env=VAR` (that target's own login, over
/// `--user`). A bad line is named `FILE:LINE`.
fn read_targets(path: &Path) -> anyhow::Result<Vec<FleetTarget>> {
    let bytes = nut_proto::safe_file::read_regular(path, MAX_TARGETS_FILE)
        .with_context(|| format!("cannot read the targets file {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("targets file {} is not UTF-8", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), i + 1);
        let line = line.split('#').next().unwrap_or_default().trim();
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else {
            continue;
        };
        let mut t = FleetTarget::parse(first).with_context(at)?;
        let mut a = CredentialArgs::default();
        for w in words {
            match w.split_once('=') {
                Some(("user", v)) => a.user = Some(v.to_string()),
                Some(("password-file", v)) => a.password_file = Some(PathBuf::from(v)),
                Some(("password-env", v)) => a.password_env = Some(v.to_string()),
                _ => bail!(
                    "{}: unknown word {w:?} (expected user=NAME, password-file=PATH or password-env=VAR)",
                    at()
                ),
            }
        }
        if a.user.is_some() && a.password_file.is_none() && a.password_env.is_none() {
            bail!(
                "{}: user= needs password-file=PATH or password-env=VAR",
                at()
            );
        }
        if a.user.is_none() && (a.password_file.is_some() || a.password_env.is_some()) {
            bail!("{}: a password without user=NAME", at());
        }
        if let Some(c) = Credentials::from_args(&a).with_context(at)? {
            t.credentials = Some((c.user, c.password));
        }
        out.push(t);
    }
    Ok(out)
}

struct App {
    poller: Poller,
    metrics: MetricOptions,
}

/// Runs `nutctl exporter`.
pub(crate) async fn run(ctx: &Ctx, a: ExporterArgs) -> anyhow::Result<Exit> {
    if let Some(ExporterAction::Rules { names, warn, crit }) = &a.action {
        crate::render::emit_exact(&prometheus::rules(&thresholds(warn, crit)?, *names))?;
        return Ok(Exit::Ok);
    }
    let thresholds = thresholds(&a.warn, &a.crit)?;
    let mut targets = match &a.targets_file {
        Some(p) => read_targets(p)?,
        None => Vec::new(),
    };
    for t in &a.targets {
        targets.push(FleetTarget::parse(t)?);
    }
    if targets.is_empty() {
        bail!("no targets: give host[:port] or ups@host[:port], or --targets FILE");
    }
    let creds = Credentials::from_args(&a.creds)?;
    if let Some(c) = &creds {
        for t in targets.iter_mut().filter(|t| t.credentials.is_none()) {
            t.credentials = Some((c.user.clone(), c.password.clone()));
        }
    }
    let timeout = ctx.opts.request_timeout;
    let poller = Poller::new(targets, ctx.opts.clone(), thresholds, timeout);
    let app = Arc::new(App {
        poller,
        metrics: MetricOptions {
            names: a.names,
            all_vars: a.all_vars,
        },
    });
    let router = axum::Router::new()
        .route("/", get(root))
        .route("/metrics", get(metrics))
        .route("/ups_metrics", get(ups_metrics))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    let addr = listener.local_addr()?;
    crate::render::emit(&format!(
        "nutctl exporter: listening on http://{addr}/metrics\n"
    ))?;
    axum::serve(listener, router)
        .with_graceful_shutdown(stopped())
        .await
        .context("HTTP server failed")?;
    Ok(Exit::Ok)
}

/// Ctrl-C or SIGTERM (what `systemctl stop` sends): the listener stops, in-flight scrapes finish.
async fn stopped() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

fn exposition(text: String) -> Response {
    ([(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)], text).into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let snap = app.poller.poll_all().await;
    exposition(prometheus::metrics(&snap, app.metrics))
}

#[derive(serde::Deserialize)]
struct TargetQuery {
    target: Option<String>,
}

async fn ups_metrics(State(app): State<Arc<App>>, Query(q): Query<TargetQuery>) -> Response {
    let Some(target) = q.target else {
        return (
            StatusCode::BAD_REQUEST,
            "missing ?target=host:port or ?target=ups@host:port\n",
        )
            .into_response();
    };
    match app.poller.poll_target(&target).await {
        Ok(snap) => exposition(prometheus::metrics(&snap, app.metrics)),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

async fn root(State(app): State<Arc<App>>) -> Response {
    let snap = app.poller.poll_all().await;
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        root_page(&snap, app.poller.thresholds()),
    )
        .into_response()
}

/// The page `/` serves: [`crate::render::html`], from the same snapshot as `/metrics`.
fn root_page(snap: &FleetSnapshot, thresholds: &Thresholds) -> String {
    crate::render::html::page(snap, thresholds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    }

    #[test]
    fn targets_file_with_per_target_logins() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let pw = file(dir.path(), "pw", "s3cr3t-xyz\n");
        let list = file(
            dir.path(),
            "targets",
            &format!(
                "# fleet\n\nnas.lan   # a whole server\nups@10.0.0.5:3494 user=mon password-file={}\n",
                pw.display()
            ),
        );
        let t = read_targets(&list).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            t.iter().map(FleetTarget::name).collect::<Vec<_>>(),
            ["nas.lan:3493", "ups@10.0.0.5:3494"]
        );
        assert!(t[0].credentials.is_none());
        let (user, secret) = t[1].credentials.clone().unwrap_or_default();
        assert_eq!((user.as_str(), secret.expose()), ("mon", "s3cr3t-xyz"));
        assert!(!format!("{t:?}").contains("s3cr3t"));

        for (text, says) in [
            ("a\nh:0\n", ":2"),
            ("h user=mon\n", "needs password-file"),
            ("h password-env=X\n", "without user"),
            ("h colour=red\n", "unknown word"),
        ] {
            let f = file(dir.path(), "bad", text);
            let e = format!(
                "{:#}",
                read_targets(&f).err().unwrap_or_else(|| panic!("{text}"))
            );
            assert!(e.contains(says) && e.contains("bad:"), "{text}: {e}");
        }
    }
}
