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
    /// Read the targets from FILE: one per line, `#` starts a comment.
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

/// Targets from a file: one per line, `#` comments, blank lines skipped; a bad one names its line.
fn read_targets(path: &Path) -> anyhow::Result<Vec<FleetTarget>> {
    let bytes = nut_proto::safe_file::read_regular(path, MAX_TARGETS_FILE)
        .with_context(|| format!("cannot read the targets file {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("targets file {} is not UTF-8", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        out.push(
            FleetTarget::parse(line).with_context(|| format!("{}:{}", path.display(), i + 1))?,
        );
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
        for t in &mut targets {
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
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("HTTP server failed")?;
    Ok(Exit::Ok)
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
