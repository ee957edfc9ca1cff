//! This host as the commands see it: its name, the clock, the duration syntax of `--since`, the
//! options of gathering its facts (`doctor`, `drill`) and the targets to use when none are given
//! (`status`, `watch`).

use std::path::Path;

use anyhow::{bail, Context as _};
use nut_diagnose::probe::LocalOptions;
use nut_proto::Target;

use crate::creds::Credentials;
use crate::ctx::Ctx;

/// This machine's name, as other hosts' MONITOR lines would name it (empty when unknown: the map
/// then says "this host").
pub(crate) fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> Option<i64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

/// Microseconds since the Unix epoch, now.
pub(crate) fn now_micros() -> Option<i64> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(d.as_micros()).ok()
}

/// `24h`, `30m`, `2d`, `90s`, `1w` or plain seconds, as a number of seconds.
pub(crate) fn parse_duration(s: &str) -> anyhow::Result<i64> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = match num.parse() {
        Ok(n) => n,
        Err(_) => bail!("bad duration {s:?}: use e.g. 24h, 30m, 2d, 90s"),
    };
    let mult = match unit.trim() {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => bail!("bad duration {s:?}: use e.g. 24h, 30m, 2d, 90s"),
    };
    Ok(n.saturating_mul(mult))
}

/// The one grammar of every `--since`: a duration back from now (`24h`, `30m`, `2d`, `90s`, `1w`,
/// plain seconds), an RFC 3339 time (`2026-11-20T00:00:00Z`), or journalctl's own words (`now`,
/// `today`, `yesterday`, `3 hours ago`, `2026-11-20 00:00[:SS]` in local time), as Unix seconds.
/// Journalctl is then given `@SECONDS`, so every command reads the same window.
pub(crate) fn parse_since(s: &str, now: i64) -> anyhow::Result<i64> {
    let t = s.trim();
    let bad = || {
        anyhow::anyhow!(
            "bad --since {s:?}: use a duration (24h, 30m, 2d, 90s), an RFC 3339 time \
             (2026-11-20T00:00:00Z) or journalctl's words (yesterday, 3 hours ago, 2026-11-20 00:00)"
        )
    };
    if let Ok(back) = parse_duration(t) {
        return Ok(now.saturating_sub(back));
    }
    if let Some(ago) = t.strip_suffix(" ago") {
        let back = relative_words(ago).ok_or_else(bad)?;
        return Ok(now.saturating_sub(back));
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    let zone = jiff::tz::TimeZone::system();
    let today = || {
        jiff::Timestamp::from_second(now)
            .map(|n| n.to_zoned(zone.clone()).date())
            .map_err(|_| bad())
    };
    let midnight = |d: jiff::civil::Date| -> anyhow::Result<i64> {
        Ok(d.to_zoned(zone.clone())
            .map_err(|_| bad())?
            .timestamp()
            .as_second())
    };
    match t {
        "now" => return Ok(now),
        "today" => return midnight(today()?),
        "yesterday" => return midnight(today()?.yesterday().map_err(|_| bad())?),
        "tomorrow" => return midnight(today()?.tomorrow().map_err(|_| bad())?),
        _ => {}
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return Ok(dt
            .to_zoned(zone)
            .map_err(|_| bad())?
            .timestamp()
            .as_second());
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return midnight(d);
    }
    Err(bad())
}

/// journalctl's `N UNIT` before ` ago` (`3 hours`, `90 min`, `2 days`), in seconds.
fn relative_words(s: &str) -> Option<i64> {
    let (n, unit) = s.trim().split_once(char::is_whitespace)?;
    let n: i64 = n.parse().ok()?;
    let mult = match unit.trim() {
        "s" | "sec" | "second" | "seconds" => 1,
        "m" | "min" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        _ => return None,
    };
    Some(n.saturating_mul(mult))
}

/// The options of this host's gathering (doctor, drill): `--confdir`, the timeouts and TLS, the
/// journal window, and credentials given on the command line (nut-diagnose's login fallback policy,
/// [`LocalOptions::login`]).
pub(crate) fn local_options(
    ctx: &Ctx,
    confdir: &Path,
    host: &str,
    since_secs: Option<i64>,
    creds: Option<&Credentials>,
) -> LocalOptions {
    let now = unix_now();
    LocalOptions {
        confdir: Some(confdir.to_path_buf()),
        host: host.to_string(),
        nut: ctx.opts.clone(),
        now,
        log_since: match (now, since_secs) {
            (Some(n), Some(s)) => Some(n.saturating_sub(s)),
            _ => None,
        },
        peers: Vec::new(),
        login: creds.map(|c| (c.user.clone(), c.password.clone())),
    }
}

/// The targets to use when none are given: upsmon.conf's MONITOR lines, else the local ups.conf
/// sections, else every UPS the upsd on localhost offers.
pub(crate) async fn default_targets(ctx: &Ctx) -> anyhow::Result<Vec<Target>> {
    let dir = nut_config::ConfigDir::load(&ctx.confdir);
    if let Some(m) = dir.upsmon_conf.view() {
        if !m.monitors.is_empty() {
            return Ok(m.monitors.iter().map(|m| m.target.clone()).collect());
        }
    }
    if let Some(u) = dir.ups_conf.view() {
        if !u.upses.is_empty() {
            return Ok(u
                .upses
                .iter()
                .map(|u| Target::new(u.name.clone(), "localhost", nut_proto::DEFAULT_PORT))
                .collect());
        }
    }
    // A file that could not be read is not a file without MONITOR lines (a normal user on a
    // Debian host, where /etc/nut is root:nut 0750).
    fn unread<V>(f: &nut_config::FileReport<V>) -> Option<String> {
        match &f.state {
            nut_config::FileState::Unreadable { reason } => {
                Some(format!("{} could not be read ({reason})", f.path.display()))
            }
            _ => None,
        }
    }
    let unread: Vec<String> = [unread(&dir.upsmon_conf), unread(&dir.ups_conf)]
        .into_iter()
        .flatten()
        .collect();
    let mut c = ctx
        .connect_server("localhost", nut_proto::DEFAULT_PORT)
        .await
        .with_context(|| {
            if unread.is_empty() {
                format!(
                    "no target given, no MONITOR line or UPS section in {}, and no upsd on localhost",
                    ctx.confdir.display()
                )
            } else {
                format!(
                    "no target given, {} (run as root or a member of the nut group, or name the target: `nutctl status ups@server`), and no upsd on localhost",
                    unread.join(", ")
                )
            }
        })?;
    let upses = c.list_ups().await.context("LIST UPS on localhost")?;
    Ok(upses
        .into_iter()
        .map(|u| Target::new(u.name, "localhost", nut_proto::DEFAULT_PORT))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h").ok(), Some(86_400));
        assert_eq!(parse_duration("30m").ok(), Some(1800));
        assert_eq!(parse_duration("2d").ok(), Some(172_800));
        assert_eq!(parse_duration("90").ok(), Some(90));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5x").is_err());
    }

    #[test]
    fn one_since_grammar() {
        let now = 1_764_000_000;
        for (word, back) in [
            ("24h", 86_400),
            ("30m", 1800),
            ("2d", 172_800),
            ("90", 90),
            ("24 hours ago", 86_400),
            ("3 min ago", 180),
            ("now", 0),
        ] {
            assert_eq!(parse_since(word, now).ok(), Some(now - back), "{word}");
        }
        assert_eq!(
            parse_since("2026-11-20T00:00:00Z", now).ok(),
            Some(1_795_132_800)
        );
        assert_eq!(
            parse_since("2026-11-20T01:00:00+01:00", now).ok(),
            Some(1_795_132_800)
        );
        // Local-time words: whatever the zone, a day apart and before now.
        let today = parse_since("today", now).unwrap();
        let yesterday = parse_since("yesterday", now).unwrap();
        assert_eq!(today - yesterday, 86_400);
        assert!(today <= now && now - today < 86_400 + 3600);
        let a = parse_since("2026-11-20 00:00", now).unwrap();
        assert_eq!(parse_since("2026-11-20 00:00:30", now).ok(), Some(a + 30));
        assert_eq!(parse_since("2026-11-20", now).ok(), Some(a));
        for bad in ["soon", "5x", "3 parsecs ago", "", "2026-13-01"] {
            let e = parse_since(bad, now).unwrap_err().to_string();
            assert!(e.contains("--since"), "{e}");
        }
    }
}
