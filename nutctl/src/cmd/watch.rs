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
use nut_diagnose::watch::Watcher;
use nut_proto::client::{ClientError, Variable};

use crate::cli::WatchArgs;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::local::{default_targets, now_micros};
use crate::probe;
use crate::render;
use crate::render::text::paint;
use crate::render::watch::{text_line, WatchLine};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

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
    let mut watcher = Watcher::new(targets.len(), Thresholds::default());
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
        let obs = targets
            .get(poll.index)
            .map(|t| probe::observation(t, &poll.read));
        for e in obs
            .map(|o| watcher.observe(poll.index, o, rel))
            .unwrap_or_default()
        {
            emit_line(ctx, &WatchLine::of(e, &time))?;
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
        render::episodes::episodes_text(&mut out, &timeline, "  ");
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
