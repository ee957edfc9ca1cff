//! `nutctl logs`: upsmon/upsd/driver log lines (the journal, a file, stdin) → nut-diagnose's episode
//! timeline and log findings. `--follow` keeps reading (a file as it grows, or `journalctl -f`) and
//! prints each event and each episode as it ends.
//!
//! Reading, parsing, episodes, verdicts and findings are nut-diagnose's (`logs::reader::LogReader`,
//! the journal stream of `probe::system`); this file parses arguments, feeds bytes in and renders.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use nut_diagnose::logs::reader::{self, LogReader, LogReport, ReadOptions};
use nut_diagnose::probe::follow::{Chunk, FollowEvent, Follower};
use nut_diagnose::probe::system::{journal_query, Journalctl};
use nut_diagnose::timeline::Timeline;
use nut_diagnose::{Finding, Severity, Verdict};
use serde::Serialize;
use tokio::io::AsyncReadExt as _;

use crate::cli::LogsArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::local::now_micros;
use crate::render;
use crate::render::episodes::{episode_line, episodes_text, kind_word};
use crate::render::text::{bold, paint, sev_word};

/// Where the lines came from.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Source {
    /// `journal`, `file` or `stdin`.
    kind: &'static str,
    /// The file, or the journalctl command line.
    detail: String,
}

/// The `logs` document (`--json`), also the final `summary` line of `--follow --json`.
#[derive(Debug, Serialize)]
pub(crate) struct LogsReport {
    /// Where the lines came from.
    source: Source,
    /// Episodes, line counts and unclassified samples (nut-diagnose's `Timeline`).
    timeline: Timeline,
    /// nut-diagnose's log findings, most severe first.
    findings: Vec<Finding>,
    /// Summary of the findings.
    verdict: Verdict,
    /// The process exit code.
    exit_code: u8,
}

/// Why nothing could be read, as an UNKNOWN (3) with a clear message.
fn unknown(ctx: &Ctx, msg: &str) -> anyhow::Result<Exit> {
    if ctx.json {
        render::json::emit(
            &serde_json::json!({ "error": msg, "exit_code": Exit::Unknown.code() }),
        )?;
    } else {
        eprintln!("nutctl logs: {}", render::sanitize::sanitize(msg));
    }
    Ok(Exit::Unknown)
}

/// `nutctl logs`.
pub(crate) async fn run(ctx: &Ctx, args: LogsArgs) -> anyhow::Result<Exit> {
    if let Some(d) = args.duration {
        if !(d.is_finite() && d > 0.0) {
            anyhow::bail!("--duration must be a positive number of seconds");
        }
    }
    let limit = args.duration.map(Duration::from_secs_f64);
    let opts = ReadOptions {
        year: args.year,
        follow: args.follow,
    };
    match args.file.as_deref() {
        None => {
            // The one --since grammar (doctor's too), handed to journalctl as `@SECONDS`.
            let now = crate::local::unix_now().unwrap_or_default();
            let since = format!("@{}", crate::local::parse_since(&args.since, now)?);
            journal(ctx, &since, opts, limit).await
        }
        Some(p) if p == Path::new("-") => {
            let source = Source {
                kind: "stdin",
                detail: "-".into(),
            };
            let mut r = LogReader::new(opts);
            if args.follow {
                return follow_reader(ctx, source, tokio::io::stdin(), r, limit).await;
            }
            // Streamed in chunks like a file, never read whole.
            if let Err(e) = reader::read_stream(&mut tokio::io::stdin(), &mut r).await {
                return unknown(ctx, &format!("reading stdin: {e}"));
            }
            finish(ctx, source, r.judge(None))
        }
        Some(p) => file(ctx, p.to_path_buf(), opts, limit).await,
    }
}

/// Bytes read from a followed file per look (bounds memory under a burst).
const FOLLOW_BUDGET: usize = 1024 * 1024;

/// The note for a change of a followed file.
fn follow_note(path: &Path, e: FollowEvent) -> String {
    let what = match e {
        FollowEvent::Rotated => "was rotated; reading the new file from its start",
        FollowEvent::Truncated => "was truncated; reading it again from its start",
        FollowEvent::Deleted => "was deleted; waiting for it to come back",
        FollowEvent::Recreated => "is back; reading it from its start",
    };
    format!("{} {what}", path.display())
}

async fn file(
    ctx: &Ctx,
    path: PathBuf,
    opts: ReadOptions,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let source = Source {
        kind: "file",
        detail: path.display().to_string(),
    };
    // Regular files only: a FIFO or device is refused at once instead of blocking or never ending.
    if !opts.follow {
        // Read once to the end, the chunks scanned on other threads.
        let f = match nut_proto::safe_file::open_regular(&path) {
            Ok(f) => f,
            Err(e) => return unknown(ctx, &format!("cannot read {e}")),
        };
        let mut r = LogReader::new(opts);
        // A syslog file's stamps have no year: without --year (or a full date inside) they take
        // it from when the file was last written.
        if let Ok(m) = f.metadata() {
            r.set_written_by(&m);
        }
        reader::read_file(&f, &mut r).with_context(|| format!("reading {}", path.display()))?;
        return finish(ctx, source, r.judge(None));
    }
    // The follower reads like `tail -F` (rotation, truncation, deletion: nut-diagnose probe::follow).
    let mut follower = match Follower::open(&path) {
        Ok(f) => f,
        Err(e) => return unknown(ctx, &format!("cannot read {e}")),
    };
    let mut r = LogReader::new(opts);
    if let Ok(m) = std::fs::metadata(&path) {
        r.set_written_by(&m);
    }
    // What the file holds, in budget-sized slices: the reader keeps bounded state whatever the size.
    while follower
        .poll(FOLLOW_BUDGET, &mut |c| {
            if let Chunk::Data(d) = c {
                r.feed(d);
            }
        })
        .with_context(|| format!("reading {}", path.display()))?
    {}
    let mut live = Live::new(ctx, source.clone());
    // What was already in the file is summarised by its episodes, not replayed event by event.
    r.take_events();
    live.print_existing(&mut r)?;
    let deadline = limit.map(|l| tokio::time::Instant::now() + l);
    let mut more = false;
    loop {
        // A burst is read in budget-sized slices without waiting in between.
        let tick = tokio::time::sleep(Duration::from_millis(if more { 0 } else { 250 }));
        tokio::select! {
            _ = tick => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            break;
        }
        let mut failed = None;
        more = follower
            .poll(FOLLOW_BUDGET, &mut |c| {
                let res = match c {
                    Chunk::Data(d) => {
                        r.feed(d);
                        Ok(())
                    }
                    // Episodes of the old file first, then one note per change.
                    Chunk::Event(e) => live
                        .update(&mut r)
                        .and_then(|()| live.note(&follow_note(&path, e))),
                };
                if let Err(e) = res {
                    failed.get_or_insert(e);
                }
            })
            .unwrap_or(false);
        if let Some(e) = failed {
            return Err(e);
        }
        live.update(&mut r)?;
    }
    r.finish_input();
    live.update(&mut r)?;
    finish_live(ctx, source, r.judge(now_micros()))
}

async fn journal(
    ctx: &Ctx,
    since: &str,
    opts: ReadOptions,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let args = journal_query(Some(since), opts.follow);
    let mut stream = match Journalctl::default().stream(&args, opts.follow) {
        Ok(s) => s,
        Err(e) => {
            return unknown(
                ctx,
                &format!("{e}: pass a log file (nutctl logs /var/log/syslog) or `-` to read stdin"),
            )
        }
    };
    let source = Source {
        kind: "journal",
        detail: stream.command_line.clone(),
    };
    let mut r = LogReader::new(opts);
    if opts.follow {
        let out = follow_reader(ctx, source, stream.stdout(), r, limit).await;
        stream.stop().await;
        return out;
    }
    let read = reader::read_stream(stream.stdout(), &mut r).await;
    let (ok, stderr) = stream.finish().await;
    let (lines, unparsed) = (r.nonblank_lines(), r.unparsed_lines());
    if read.is_err() || lines == 0 || lines == unparsed {
        let why = if !ok {
            format!("journalctl failed: {stderr}")
        } else if let Err(e) = read {
            format!("reading journalctl: {e}")
        } else if lines == 0 {
            format!("the journal has no entries for the NUT units since {since:?}")
        } else {
            "journalctl's output could not be read".to_string()
        };
        return unknown(
            ctx,
            &format!(
                "{why} (ran: {}). Try a wider --since, sudo (or the systemd-journal group), or \
                 pass a log file",
                source.detail
            ),
        );
    }
    finish(ctx, source, r.judge(now_micros()))
}

/// The exit code of a judged timeline: nothing read is UNKNOWN; lines without findings are OK.
fn exit_of(t: &Timeline, verdict: &Verdict) -> Exit {
    if t.stats.lines == 0 || t.stats.lines == t.stats.unparsed {
        return Exit::Unknown;
    }
    match verdict.worst {
        None => Exit::Ok,
        w => Exit::of_worst(w),
    }
}

fn finish(ctx: &Ctx, source: Source, report: LogReport) -> anyhow::Result<Exit> {
    let LogReport { timeline, findings } = report;
    let verdict = Verdict::of(&findings);
    let exit = exit_of(&timeline, &verdict);
    if ctx.json {
        render::json::emit(&LogsReport {
            source,
            timeline,
            findings,
            verdict,
            exit_code: exit.code(),
        })?;
    } else {
        render::emit(&text_report(&source, &timeline, &findings, exit, ctx.color))?;
    }
    Ok(exit)
}

fn finish_live(ctx: &Ctx, source: Source, report: LogReport) -> anyhow::Result<Exit> {
    let LogReport { timeline, findings } = report;
    let verdict = Verdict::of(&findings);
    let exit = exit_of(&timeline, &verdict);
    if ctx.json {
        let line = serde_json::to_string(&serde_json::json!({
            "type": "summary",
            "report": LogsReport { source, timeline, findings, verdict, exit_code: exit.code() },
        }))?;
        render::emit(&format!("{line}\n"))?;
    } else {
        render::emit(&format!(
            "\n{}",
            text_report(&source, &timeline, &findings, exit, ctx.color)
        ))?;
    }
    Ok(exit)
}

async fn follow_reader<R: tokio::io::AsyncRead + Unpin>(
    ctx: &Ctx,
    source: Source,
    mut src: R,
    mut r: LogReader,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let mut live = Live::new(ctx, source.clone());
    live.note(&format!("following {}; Ctrl-C stops", source.detail))?;
    let deadline = limit.map(|l| tokio::time::Instant::now() + l);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            n = src.read(&mut buf) => {
                let n = n.unwrap_or(0);
                if n == 0 {
                    break;
                }
                r.feed(buf.get(..n).unwrap_or_default());
                live.update(&mut r)?;
            }
            _ = sleep => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    r.finish_input();
    live.update(&mut r)?;
    finish_live(ctx, source, r.judge(now_micros()))
}

/// What `--follow` has printed so far.
struct Live<'c> {
    ctx: &'c Ctx,
    source: Source,
}

impl<'c> Live<'c> {
    fn new(ctx: &'c Ctx, source: Source) -> Self {
        Live { ctx, source }
    }

    fn note(&self, msg: &str) -> anyhow::Result<()> {
        if self.ctx.json {
            let line = serde_json::to_string(&serde_json::json!({"type": "note", "message": msg}))?;
            render::emit(&format!("{line}\n"))?;
        } else {
            render::emit(&format!("-- {msg}\n"))?;
        }
        Ok(())
    }

    /// The episodes of what was already in the file, then the follow banner.
    fn print_existing(&mut self, feeder: &mut LogReader) -> anyhow::Result<()> {
        self.update_episodes(feeder)?;
        self.note(&format!(
            "following {} ({} lines read so far); Ctrl-C stops",
            self.source.detail,
            feeder.line_count()
        ))
    }

    fn update(&mut self, r: &mut LogReader) -> anyhow::Result<()> {
        for ev in r.take_events() {
            if self.ctx.json {
                let line = serde_json::to_string(&serde_json::json!({
                    "type": "event",
                    "line": ev.line,
                    "time": ev.time.map(|t| t.to_string()),
                    "kind": ev.kind,
                    "ups": ev.ups,
                    "message": ev.message,
                }))?;
                render::emit(&format!("{line}\n"))?;
            } else {
                let when = ev
                    .time
                    .map_or_else(|| format!("line {}", ev.line), |t| t.to_string());
                render::emit(&format!("{when}  {}\n", ev.message))?;
            }
        }
        self.update_episodes(r)
    }

    fn update_episodes(&mut self, feeder: &mut LogReader) -> anyhow::Result<()> {
        // Each ended episode comes out of the builder exactly once; still-open ones (a shutdown
        // in progress included) are in the final summary.
        for e in feeder.take_finished() {
            if self.ctx.json {
                let line =
                    serde_json::to_string(&serde_json::json!({"type": "episode", "episode": e}))?;
                render::emit(&format!("{line}\n"))?;
            } else {
                render::emit(&format!("== episode ended: {}\n", episode_line(&e)))?;
            }
        }
        Ok(())
    }
}

fn text_report(
    source: &Source,
    t: &Timeline,
    findings: &[Finding],
    exit: Exit,
    color: bool,
) -> String {
    let mut out = String::new();
    let s = &t.stats;
    let _ = writeln!(out, "{} {}", bold("source:", color), source.detail);
    let _ = writeln!(
        out,
        "lines: {} read, {} classified, {} unclassified, {} from other programs, {} unreadable",
        s.lines, s.classified, s.unclassified, s.foreign, s.unparsed
    );
    let _ = writeln!(
        out,
        "\n{}",
        bold(&format!("episodes ({}):", t.episodes.len()), color)
    );
    episodes_text(&mut out, t, "  ");
    if s.episodes_dropped > 0 {
        let by_kind: Vec<String> = s
            .older
            .iter()
            .map(|o| format!("{} {}", o.count, kind_word(o.kind)))
            .collect();
        let _ = writeln!(
            out,
            "  … and {} older episode(s) before these, not listed ({})",
            s.episodes_dropped,
            by_kind.join(", ")
        );
    }
    if !t.unclassified_samples.is_empty() {
        let _ = writeln!(out, "\n{}", bold("unclassified samples:", color));
        for l in &t.unclassified_samples {
            let _ = writeln!(out, "  {l}");
        }
    }
    if !findings.is_empty() {
        let _ = writeln!(out, "\n{}", bold("findings:", color));
        render::text::findings(&mut out, findings, Severity::Ok, color, "  ");
    }
    let worst = Verdict::of(findings).worst;
    let _ = writeln!(
        out,
        "\n=> exit code {} ({})",
        exit.code(),
        paint(
            if exit == Exit::Unknown {
                "unknown"
            } else {
                sev_word(worst.or(Some(Severity::Ok)))
            },
            worst,
            color
        )
    );
    out
}
