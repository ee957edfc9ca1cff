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
}
