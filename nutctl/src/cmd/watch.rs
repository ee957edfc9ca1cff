//! `nutctl watch`: poll UPSes, print every transition nut-diagnose's `watch::changes` finds between
//! two observations (status tokens, threshold crossings, communications lost/restored) with a
//! timestamp, reconnect with backoff when a server goes away, and keep a running episode log by
//! feeding the lines upsmon would have logged through nut-diagnose's timeline.
//!
//! `--json` prints JSON Lines: one object per line, `{"type": "change"|"reconnect"|"episode"|
//! "summary", …}` (fields in nutctl/README.md).

use std::fmt::Write as _;
use std::time::Duration;

use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::logs::{Clock, Timestamp};
use nut_diagnose::timeline::{Episode, Timeline};
use nut_diagnose::watch::{self, Change, Observation};
use nut_diagnose::Severity;
use nut_proto::client::{ClientError, Variable};
use nut_proto::Target;
use serde::Serialize;

use crate::cli::WatchArgs;
use crate::cmd::logs::{episode_line, now_micros};
use crate::cmd::status::default_targets;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::probe;
use crate::render;
use crate::render::text::paint;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Something `watch` reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum WatchLine {
    /// A transition (nut-diagnose's `Change`, with when it was seen).
    Change {
        /// When it was seen (ISO 8601, UTC; on the demo's virtual clock, `+12.000000s`).
        time: String,
        /// The change.
        #[serde(flatten)]
        change: Change,
    },
    /// A failed poll and when the next attempt is.
    Reconnect {
        /// When it was seen.
        time: String,
        /// The UPS.
        target: String,
        /// How many polls in a row failed.
        attempt: u32,
        /// Seconds until the next attempt (doubles up to 30 s).
        retry_in_secs: f64,
        /// What failed.
        error: String,
    },
    /// An episode of the running log ended.
    Episode {
        /// The episode (nut-diagnose's `Episode`; times are relative to the start of the watch).
        episode: Episode,
    },
}

/// Transitions and the running episode log of a set of targets; the clock is the caller's.
pub(crate) struct Watcher {
    targets: Vec<Target>,
    prev: Vec<Option<Observation>>,
    /// The last successful read of each target, to report what changed during a gap.
    last_read: Vec<Option<nut_diagnose::facts::Snapshot>>,
    thresholds: Thresholds,
    /// The running episode log, fed typed events.
    episodes: watch::EpisodeLog,
    log: Vec<String>,
}

impl Watcher {
    /// A watcher of `targets`, nothing seen yet.
    pub(crate) fn new(targets: Vec<Target>) -> Self {
        let prev = targets.iter().map(|_| None).collect();
        let last_read = targets.iter().map(|_| None).collect();
        Watcher {
            targets,
            prev,
            last_read,
            thresholds: Thresholds::default(),
            episodes: watch::EpisodeLog::new(),
            log: Vec::new(),
        }
    }

    /// Takes one poll of target `i` into account, at `rel_micros` since the start of the watch;
    /// returns what to report.
    pub(crate) fn observe(
        &mut self,
        i: usize,
        read: &Result<Vec<Variable>, ClientError>,
        rel_micros: i64,
        time: &str,
    ) -> Vec<WatchLine> {
        let Some(target) = self.targets.get(i) else {
            return Vec::new();
        };
        let obs = match read {
            Ok(vars) => Observation::Read(probe::snapshot(target, vars)),
            Err(e) => Observation::Failed(probe::fact_from_error(target, e)),
        };
        let prev = self.prev.get(i).and_then(Option::as_ref);
        let last = self.last_read.get(i).and_then(Option::as_ref);
        let changes = watch::changes_since(last, prev, &obs, &self.thresholds);
        if let (Observation::Read(s), Some(slot)) = (&obs, self.last_read.get_mut(i)) {
            *slot = Some(s.clone());
        }
        if let Some(slot) = self.prev.get_mut(i) {
            *slot = Some(obs);
        }
        let mut out = Vec::new();
        let mut logged = false;
        for c in changes {
            if let Some(line) = &c.upsmon_line {
                let secs = rel_micros.max(0) / 1_000_000;
                let us = rel_micros.max(0) % 1_000_000;
                self.log.push(format!("{secs:>4}.{us:06}\t{line}"));
            }
            if self.episodes.push(&c, rel_micros) {
                logged = true;
            }
            out.push(WatchLine::Change {
                time: time.to_string(),
                change: c,
            });
        }
        if logged {
            // Each ended episode is handed out once by the streaming builder.
            for e in self.episodes.take_finished() {
                out.push(WatchLine::Episode { episode: e });
            }
        }
        out
    }

    /// The running episode log so far.
    pub(crate) fn timeline(&self) -> Timeline {
        self.episodes.timeline()
    }

    /// The upsmon-style lines written so far (upsmon -D format).
    pub(crate) fn log_lines(&self) -> &[String] {
        &self.log
    }

    /// The worst severity of the current state of every target (as a first reading would judge it).
    pub(crate) fn current_worst(&self) -> Option<Severity> {
        self.prev
            .iter()
            .flatten()
            .flat_map(|o| watch::changes(None, o, &self.thresholds))
            .map(|c| c.severity)
            .max()
    }
}

/// Renders one reported line as text.
pub(crate) fn text_line(l: &WatchLine, color: bool) -> String {
    let mut out = String::new();
    match l {
        WatchLine::Change { time, change: c } => {
            let tag = paint(&format!("[{}]", c.severity), Some(c.severity), color);
            let _ = writeln!(out, "{time}  {tag} {}", c.title);
            if c.severity >= Severity::Warning && !c.meaning.is_empty() {
                let _ = writeln!(out, "{:width$}    {}", "", c.meaning, width = time.len());
            }
        }
        WatchLine::Reconnect {
            time,
            target,
            attempt,
            retry_in_secs,
            error,
        } => {
            let _ = writeln!(
                out,
                "{time}  -- {target}: poll failed ({error}); reconnecting in {retry_in_secs:.1} s (attempt {attempt})"
            );
        }
        WatchLine::Episode { episode } => {
            let _ = writeln!(out, "== episode: {}", episode_line(episode));
        }
    }
    out
}

fn emit_line(ctx: &Ctx, l: &WatchLine) -> anyhow::Result<()> {
    if ctx.json {
        let mut s = serde_json::to_string(l)?;
        s.push('\n');
        render::emit(&s)?;
    } else {
        render::emit(&text_line(l, ctx.color))?;
    }
    Ok(())
}

/// One poll result from a target's task.
struct Poll {
    index: usize,
    read: Result<Vec<Variable>, ClientError>,
    /// Wait before the next poll; `None` when this target is done (--count reached).
    next: Option<Duration>,
    /// Failed polls in a row.
    failures: u32,
}

fn wall_clock() -> String {
    now_micros().map_or_else(String::new, |m| {
        // Milliseconds are enough for a person; the JSON `time` keeps the same text.
        Timestamp {
            clock: Clock::Unix,
            micros: m - m % 1000,
        }
        .to_string()
    })
}

/// `nutctl watch`.
pub(crate) async fn run(ctx: &Ctx, args: WatchArgs) -> anyhow::Result<Exit> {
    if !(args.interval.is_finite() && args.interval >= 0.05 && args.interval <= 86_400.0) {
        anyhow::bail!("--interval must be between 0.05 and 86400 seconds");
    }
    if let Some(d) = args.duration {
        if !(d.is_finite() && d > 0.0) {
            anyhow::bail!("--duration must be a positive number of seconds");
        }
    }
    if args.count == Some(0) {
        anyhow::bail!("--count must be at least 1");
    }
    let targets = if args.targets.is_empty() {
        default_targets(ctx).await?
    } else {
        args.targets
            .iter()
            .map(|s| parse_target(s))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let interval = Duration::from_secs_f64(args.interval);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Poll>(64);
    let mut tasks = tokio::task::JoinSet::new();
    for (index, t) in targets.iter().enumerate() {
        let (ctx, t, tx, count) = (ctx.clone(), t.clone(), tx.clone(), args.count);
        tasks.spawn(async move {
            let mut polls = 0u64;
            let mut failures = 0u32;
            let mut backoff = interval;
            loop {
                let read = probe::read_vars(&ctx, &t).await;
                polls += 1;
                // Back off only when the connection failed; an answer (DATA-STALE,
                // DRIVER-NOT-CONNECTED…) means the server is there: keep polling so the
                // recovery is seen at once.
                let connection_failed =
                    matches!(&read, Err(e) if !matches!(e, ClientError::Server { .. }));
                let wait = if connection_failed {
                    failures = failures.saturating_add(1);
                    let w = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF.max(interval));
                    w
                } else {
                    failures = 0;
                    backoff = interval;
                    interval
                };
                let done = count.is_some_and(|c| polls >= c);
                let next = (!done).then_some(wait);
                if tx
                    .send(Poll {
                        index,
                        read,
                        next,
                        failures,
                    })
                    .await
                    .is_err()
                    || done
                {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
        });
    }
    drop(tx);
    let start = tokio::time::Instant::now();
    let deadline = args.duration.map(|d| start + Duration::from_secs_f64(d));
    if !ctx.json {
        let names: Vec<String> = targets.iter().map(ToString::to_string).collect();
        render::emit(&format!(
            "watching {} every {} s (Ctrl-C stops)\n",
            names.join(", "),
            args.interval
        ))?;
    }
    let mut watcher = Watcher::new(targets.clone());
    let mut polls = 0u64;
    loop {
        let stop = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        let poll = tokio::select! {
            p = rx.recv() => match p { Some(p) => p, None => break },
            _ = stop => break,
            _ = tokio::signal::ctrl_c() => break,
        };
        polls += 1;
        let time = wall_clock();
        let rel = i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX);
        for l in watcher.observe(poll.index, &poll.read, rel, &time) {
            emit_line(ctx, &l)?;
        }
        // A reconnect notice only after a lost connection (an ERR answer is reported by observe).
        if let (Err(e), Some(next), true) = (&poll.read, poll.next, poll.failures > 0) {
            let l = WatchLine::Reconnect {
                time,
                target: targets
                    .get(poll.index)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                attempt: poll.failures,
                retry_in_secs: next.as_secs_f64(),
                error: e.to_string(),
            };
            emit_line(ctx, &l)?;
        }
    }
    tasks.abort_all();
    let worst = watcher.current_worst();
    let exit = Exit::of_worst(worst);
    let timeline = watcher.timeline();
    if ctx.json {
        let s = serde_json::to_string(&serde_json::json!({
            "type": "summary",
            "polls": polls,
            "worst": worst,
            "timeline": timeline,
            "exit_code": exit.code(),
        }))?;
        render::emit(&format!("{s}\n"))?;
    } else {
        let mut out = format!(
            "\nstopped after {polls} poll(s); episode log ({}):\n",
            timeline.episodes.len()
        );
        crate::cmd::logs::episodes_text(&mut out, &timeline, "  ");
        let _ = writeln!(
            out,
            "=> exit code {} (current state: {})",
            exit.code(),
            paint(crate::render::text::sev_word(worst), worst, ctx.color)
        );
        render::emit(&out)?;
    }
    Ok(exit)
}
