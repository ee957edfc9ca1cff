//! `nutctl logs`: upsmon/upsd log lines (the journal, a file, stdin) → nut-diagnose's episode timeline
//! and log findings. `--follow` keeps reading (a file as it grows, or `journalctl -f`) and prints
//! each event and each episode as it ends.
//!
//! Parsing, episodes, verdicts and findings are nut-diagnose's (`logs`, `timeline`,
//! `rules::silent`); this file only feeds bytes in and renders what comes out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use nut_diagnose::facts::Facts;
use nut_diagnose::knowledge::EventKind;
use nut_diagnose::logs::{self, LogEvent, MAX_LINE};
use nut_diagnose::probe::follow::{Chunk, FollowEvent, Follower};
use nut_diagnose::rules::silent;
use nut_diagnose::timeline::{self, Episode, EpisodeKind, Timeline, TimelineBuilder};
use nut_diagnose::{Finding, Severity, Verdict};
use serde::Serialize;
use tokio::io::AsyncReadExt as _;

use crate::cli::LogsArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::render;
use crate::render::text::{bold, paint, sev_word};

/// The systemd units whose journal `nutctl logs` reads by default.
/// Most events kept in memory (those naming a UPS or about shutdowns; other programs' lines are
/// only counted). Past it the oldest half is dropped, so `--follow` runs in bounded memory.
const MAX_KEPT: usize = 200_000;

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

/// Turns a byte stream into kept events, line by line, with bounded line length and memory.
#[derive(Debug, Default)]
pub(crate) struct LineFeeder {
    partial: Vec<u8>,
    /// The current line is longer than [`MAX_LINE`]: its bytes are skipped until the next LF.
    skipping: bool,
    line_no: u64,
    lines: u64,
    foreign: u64,
    unparsed: u64,
    dropped: u64,
    kept: Vec<LogEvent<'static>>,
    /// Batch mode: every event goes through nut-diagnose's streaming builder, and only the events
    /// the login rule needs are kept, so a log of millions of lines is read in bounded memory.
    builder: Option<TimelineBuilder>,
    /// Follow mode and watch: every event also goes through a streaming builder, which hands out
    /// each episode once as it ends ([`Self::take_finished`]) instead of a rebuild per chunk.
    live: TimelineBuilder,
}

impl LineFeeder {
    /// A feeder for a whole input read once (no intermediate timelines).
    pub(crate) fn batch() -> Self {
        LineFeeder {
            builder: Some(TimelineBuilder::new()),
            ..LineFeeder::default()
        }
    }

    /// Feeds a chunk; returns how many events were kept from it (the last ones of [`Self::kept`]).
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> usize {
        let before = self.kept.len();
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(i);
            rest = tail.get(1..).unwrap_or_default();
            if self.skipping {
                self.skipping = false;
                self.partial.clear();
                continue;
            }
            if self.partial.is_empty() {
                self.line(head);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(head);
                self.line(&line);
            }
        }
        if !self.skipping {
            self.partial.extend_from_slice(rest);
            if self.partial.len() > MAX_LINE {
                self.partial.clear();
                self.skipping = true;
                self.line_no += 1;
                self.lines += 1;
                self.unparsed += 1;
            }
        }
        self.kept.len().saturating_sub(before)
    }

    /// The last line, when the input does not end with LF.
    pub(crate) fn finish(&mut self) -> usize {
        let before = self.kept.len();
        if !self.skipping && !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
        self.kept.len().saturating_sub(before)
    }

    fn line(&mut self, raw: &[u8]) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.line_no += 1;
        self.lines += 1;
        match logs::parse_line(raw) {
            Err(_) => self.unparsed += 1,
            Ok(ev) if ev.kind == EventKind::Foreign => self.foreign += 1,
            Ok(mut ev) => {
                ev.line = self.line_no;
                if self.builder.is_none() {
                    self.live.push(&ev);
                }
                if let Some(b) = &mut self.builder {
                    b.push(&ev);
                    if !matches!(
                        ev.kind,
                        EventKind::LoginAccessDenied
                            | EventKind::LoggedIn
                            | EventKind::Monitoring
                            | EventKind::UpsdLogin
                    ) {
                        return;
                    }
                }
                if self.kept.len() >= MAX_KEPT {
                    let half = MAX_KEPT / 2;
                    self.kept.drain(..half);
                    self.dropped += half as u64;
                }
                self.kept.push(ev.into_owned());
            }
        }
    }

    /// Events kept so far, in order.
    pub(crate) fn kept(&self) -> &[LogEvent<'static>] {
        &self.kept
    }

    /// Non-blank lines read.
    pub(crate) fn lines(&self) -> u64 {
        self.lines
    }

    /// The timeline of everything read, with the counts of the lines not kept. In batch mode this
    /// ends the builder: call it once, after the last [`Self::feed`]/[`Self::finish`].
    pub(crate) fn timeline(&mut self) -> Timeline {
        match self.builder.take() {
            Some(b) => self.patch(b.finish()),
            None => self.live_timeline(),
        }
    }

    /// The episodes that ended since the last call, each once, in the order they ended (follow mode
    /// and watch; empty in batch mode).
    pub(crate) fn take_finished(&mut self) -> Vec<Episode> {
        self.live.take_finished()
    }

    /// The timeline so far, rebuilt from the kept events (for the final summary of follow mode and
    /// watch; not for batch mode, which keeps only what the login rule needs).
    pub(crate) fn live_timeline(&self) -> Timeline {
        self.patch(timeline::from_events(&self.kept))
    }

    fn patch(&self, mut t: Timeline) -> Timeline {
        t.stats.lines = self.lines;
        t.stats.foreign = self.foreign;
        t.stats.unparsed = self.unparsed;
        t
    }

    /// The timeline and nut-diagnose's log findings. `now` (Unix µs) dates "still down for …".
    pub(crate) fn judge(&mut self, now: Option<i64>) -> (Timeline, Vec<Finding>) {
        let t = self.timeline();
        let mut facts = Facts::default();
        facts.now = now;
        facts.logs = self.kept.clone();
        let mut findings = silent::rules(&facts, &t);
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        (t, findings)
    }
}

/// Microseconds since the Unix epoch, now.
pub(crate) fn now_micros() -> Option<i64> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(d.as_micros()).ok()
}

fn journal_command_line(args: &[String]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') || a.contains('*') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect();
    format!("journalctl {}", quoted.join(" "))
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
    match args.file.as_deref() {
        None => journal(ctx, &args.since, args.follow, limit).await,
        Some(p) if p == Path::new("-") => {
            let source = Source {
                kind: "stdin",
                detail: "-".into(),
            };
            let mut feeder = if args.follow {
                LineFeeder::default()
            } else {
                LineFeeder::batch()
            };
            if args.follow {
                return follow_reader(ctx, source, tokio::io::stdin(), feeder, limit).await;
            }
            let mut buf = Vec::new();
            tokio::io::stdin()
                .read_to_end(&mut buf)
                .await
                .context("reading stdin")?;
            feeder.feed(&buf);
            feeder.finish();
            finish(ctx, source, &mut feeder, None)
        }
        Some(p) => file(ctx, p.to_path_buf(), args.follow, limit).await,
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
    follow: bool,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let source = Source {
        kind: "file",
        detail: path.display().to_string(),
    };
    // Regular files only: a FIFO or device is refused at once instead of blocking or never ending.
    // The follower reads like `tail -F` (rotation, truncation, deletion: nut-diagnose probe::follow).
    let mut follower = match Follower::open(&path) {
        Ok(f) => f,
        Err(e) => return unknown(ctx, &format!("cannot read {e}")),
    };
    let mut feeder = if follow {
        LineFeeder::default()
    } else {
        LineFeeder::batch()
    };
    while follower
        .poll(FOLLOW_BUDGET, &mut |c| {
            if let Chunk::Data(d) = c {
                feeder.feed(d);
            }
        })
        .with_context(|| format!("reading {}", path.display()))?
    {}
    if !follow {
        feeder.finish();
        return finish(ctx, source, &mut feeder, None);
    }
    let mut live = Live::new(ctx, source.clone(), feeder.kept().len());
    live.print_existing(&mut feeder)?;
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
                let r = match c {
                    Chunk::Data(d) => {
                        feeder.feed(d);
                        Ok(())
                    }
                    // Episodes of the old file first, then one note per change.
                    Chunk::Event(e) => live
                        .update(&mut feeder)
                        .and_then(|()| live.note(&follow_note(&path, e))),
                };
                if let Err(e) = r {
                    failed.get_or_insert(e);
                }
            })
            .unwrap_or(false);
        if let Some(e) = failed {
            return Err(e);
        }
        live.update(&mut feeder)?;
    }
    feeder.finish();
    live.update(&mut feeder)?;
    finish_live(ctx, source, &mut feeder)
}

async fn journal(
    ctx: &Ctx,
    since: &str,
    follow: bool,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let args = nut_diagnose::probe::system::journal_query(Some(since), follow);
    let source = Source {
        kind: "journal",
        detail: journal_command_line(&args),
    };
    let mut cmd = tokio::process::Command::new("journalctl");
    // While following, journalctl's own complaints (permissions…) go straight to the user.
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if follow {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return unknown(
                ctx,
                "journalctl is not installed (no systemd journal here): pass a log file \
                 (nutctl logs /var/log/syslog) or `-` to read stdin",
            )
        }
        Err(e) => return unknown(ctx, &format!("cannot run journalctl: {e}")),
    };
    let Some(stdout) = child.stdout.take() else {
        return unknown(ctx, "journalctl gave no output stream");
    };
    if follow {
        let feeder = LineFeeder::default();
        let r = follow_reader(ctx, source, stdout, feeder, limit).await;
        let _ = child.start_kill();
        let _ = child.wait().await;
        return r;
    }
    let mut stdout = stdout;
    let mut feeder = LineFeeder::batch();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = stdout.read(&mut buf).await.context("reading journalctl")?;
        if n == 0 {
            break;
        }
        feeder.feed(buf.get(..n).unwrap_or_default());
    }
    feeder.finish();
    let out = child.wait_with_output().await.context("journalctl")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stderr = stderr.trim();
    if feeder.lines() == 0 || feeder.lines() == feeder.unparsed {
        let why = if !out.status.success() {
            format!("journalctl failed ({}): {stderr}", out.status)
        } else if feeder.lines() == 0 {
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
    finish(ctx, source, &mut feeder, now_micros())
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

fn finish(
    ctx: &Ctx,
    source: Source,
    feeder: &mut LineFeeder,
    now: Option<i64>,
) -> anyhow::Result<Exit> {
    let (timeline, findings) = feeder.judge(now);
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

fn finish_live(ctx: &Ctx, source: Source, feeder: &mut LineFeeder) -> anyhow::Result<Exit> {
    let (timeline, findings) = feeder.judge(now_micros());
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
    mut reader: R,
    mut feeder: LineFeeder,
    limit: Option<Duration>,
) -> anyhow::Result<Exit> {
    let mut live = Live::new(ctx, source.clone(), 0);
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
            r = reader.read(&mut buf) => {
                let n = r.unwrap_or(0);
                if n == 0 {
                    break;
                }
                feeder.feed(buf.get(..n).unwrap_or_default());
                live.update(&mut feeder)?;
            }
            _ = sleep => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    feeder.finish();
    live.update(&mut feeder)?;
    finish_live(ctx, source, &mut feeder)
}

/// What `--follow` has printed so far.
struct Live<'c> {
    ctx: &'c Ctx,
    source: Source,
    /// Index in the feeder's kept events up to which events were printed.
    printed_events: usize,
}

impl<'c> Live<'c> {
    fn new(ctx: &'c Ctx, source: Source, already: usize) -> Self {
        Live {
            ctx,
            source,
            printed_events: already,
        }
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
    fn print_existing(&mut self, feeder: &mut LineFeeder) -> anyhow::Result<()> {
        self.update_episodes(feeder)?;
        self.note(&format!(
            "following {} ({} lines read so far); Ctrl-C stops",
            self.source.detail,
            feeder.lines()
        ))
    }

    fn update(&mut self, feeder: &mut LineFeeder) -> anyhow::Result<()> {
        let kept = feeder.kept();
        // After a drop of the oldest half, indices moved: only look at what is still there.
        let start = self.printed_events.min(kept.len());
        for ev in kept.get(start..).unwrap_or_default() {
            if ev.ups.is_none() && !ev.kind.is_shutdown() {
                continue;
            }
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
        self.printed_events = kept.len();
        self.update_episodes(feeder)
    }

    fn update_episodes(&mut self, feeder: &mut LineFeeder) -> anyhow::Result<()> {
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

fn kind_word(k: EpisodeKind) -> &'static str {
    match k {
        EpisodeKind::Comms => "comms",
        EpisodeKind::Power => "power",
        EpisodeKind::Shutdown => "shutdown",
    }
}

/// One episode on one line: kind, UPS, span, duration, verdict.
pub(crate) fn episode_line(e: &Episode) -> String {
    let start = e
        .start
        .map_or_else(|| format!("line {}", e.first_line), |t| t.to_string());
    let end = e.end.map_or_else(|| "…".to_string(), |t| t.to_string());
    let dur = e
        .duration_micros
        .map(|d| format!(" ({})", silent::human_duration(d)))
        .unwrap_or_default();
    let low = if e.low_battery { ", battery low" } else { "" };
    format!(
        "{:<8} {:<28} {start} → {end}{dur}  {}{low}  [lines {}-{}, {} line(s)]",
        kind_word(e.kind),
        e.ups.as_deref().unwrap_or("-"),
        e.verdict.as_str(),
        e.first_line,
        e.last_line,
        e.line_count()
    )
}

/// The episode list as text (shared with `watch` and the demo).
pub(crate) fn episodes_text(out: &mut String, t: &Timeline, indent: &str) {
    if t.episodes.is_empty() {
        let _ = writeln!(out, "{indent}(no episode)");
    }
    for e in &t.episodes {
        let _ = writeln!(out, "{indent}{}", episode_line(e));
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
        let _ = writeln!(out, "  … and {} more (not kept)", s.episodes_dropped);
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

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &[u8] = b"  1.000000\tUPS a@h on battery\r\n\n  9.000000\tUPS a@h on line power\nNov 26 15:21:13 nas CRON[99]: (root) CMD (true)\n  12.000000\tCommunications with UPS a@h lost";

    fn summary(f: &mut LineFeeder) -> (Vec<(EpisodeKind, bool)>, u64, u64) {
        let t = f.timeline();
        (
            t.episodes
                .iter()
                .map(|e| (e.kind, e.end.is_some()))
                .collect(),
            t.stats.lines,
            t.stats.foreign,
        )
    }

    #[test]
    fn chunk_boundaries_do_not_matter_and_batch_equals_live() {
        let mut whole = LineFeeder::batch();
        whole.feed(LOG);
        whole.finish();
        let expected = summary(&mut whole);
        assert_eq!(
            expected,
            (
                vec![(EpisodeKind::Power, true), (EpisodeKind::Comms, false)],
                4,
                1
            )
        );
        for size in [1, 2, 7, 64] {
            let mut f = LineFeeder::default();
            for c in LOG.chunks(size) {
                f.feed(c);
            }
            f.finish();
            assert_eq!(summary(&mut f), expected, "chunks of {size}");
        }
    }

    #[test]
    fn an_overlong_line_is_counted_unreadable_and_skipped() {
        let mut f = LineFeeder::default();
        f.feed(b"  1.000000\tUPS a@h on battery\n");
        let long = vec![b'x'; MAX_LINE + 10];
        for c in long.chunks(4096) {
            f.feed(c);
        }
        f.feed(b"tail of the long line\n  2.000000\tUPS a@h on line power\n");
        f.finish();
        let t = f.timeline();
        assert_eq!((t.stats.lines, t.stats.unparsed), (3, 1));
        assert_eq!(t.episodes.len(), 1);
        assert!(f.partial.capacity() <= 2 * MAX_LINE + 4096);
    }
}
