//! Every supported log format carries the same real NUT messages to the same events.
//!
//! The messages are real upsmon/upsd/driver lines (nut-facts §5, the lab logs of 2026-11-25), copied as
//! facts. Each is wrapped in every envelope (journalctl -o short / short-precise / short-iso / json /
//! short-monotonic, classic syslog with priority, RFC 5424, upsmon -D) and must come out with the same kind and UPS.

use nut_diagnose::knowledge::EventKind::{self, *};
use nut_diagnose::logs::{self, Clock, Format, LogEvent};
use proptest::prelude::*;

/// (message, ident, kind, ups)
#[rustfmt::skip]
const REAL: &[(&str, &str, EventKind, Option<&str>)] = &[
    ("UPS [pi@127.0.0.1:34930]: connect failed: Connection failure: Connection refused", "upsmon", ConnectRefused, Some("pi@127.0.0.1:34930")),
    ("UPS [ups@192.168.1.10]: connect failed: Connection failure: No route to host", "upsmon", ConnectNoRoute, Some("ups@192.168.1.10")),
    ("UPS [ups@nas]: connect failed: Connection failure: Network is unreachable", "upsmon", ConnectNetUnreachable, Some("ups@nas")),
    ("UPS [ups@nas]: connect failed: Connection failure: Connection timed out", "upsmon", ConnectTimedOut, Some("ups@nas")),
    ("UPS [ups@nas.invalid]: connect failed: No such host", "upsmon", ConnectNoSuchHost, Some("ups@nas.invalid")),
    ("Login on UPS [pi@127.0.0.1:34930] failed - got [ERR ACCESS-DENIED]", "upsmon", LoginAccessDenied, Some("pi@127.0.0.1:34930")),
    ("Login on UPS [nope@127.0.0.1:34930] failed - got [ERR UNKNOWN-UPS]", "upsmon", LoginUnknownUps, Some("nope@127.0.0.1:34930")),
    ("Communications with UPS pi@127.0.0.1:34930 established", "upsmon", CommOk, Some("pi@127.0.0.1:34930")),
    ("Communications with UPS pi@127.0.0.1:34930 lost", "upsmon", CommLost, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [pi@127.0.0.1:34930] failed - Data stale", "upsmon", PollDataStale, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [pi@127.0.0.1:34930] failed - Driver not connected", "upsmon", PollDriverNotConnected, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [pi@127.0.0.1:34930] failed - Write error: Broken pipe", "upsmon", PollServerGone, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [pi@127.0.0.1:34930] failed - Server disconnected", "upsmon", PollServerGone, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [pi@127.0.0.1:34930] failed - Read error: Connection reset by peer", "upsmon", PollServerGone, Some("pi@127.0.0.1:34930")),
    ("Poll UPS [nope@127.0.0.1:34930] failed - [nope] does not exist on server 127.0.0.1", "upsmon", PollUnknownUps, Some("nope@127.0.0.1:34930")),
    ("UPS pi@127.0.0.1:34930 is unavailable", "upsmon", NoComm, Some("pi@127.0.0.1:34930")),
    ("UPS pi@127.0.0.1:34930 on battery", "upsmon", OnBattery, Some("pi@127.0.0.1:34930")),
    ("UPS pi@127.0.0.1:34930 on line power", "upsmon", OnLine, Some("pi@127.0.0.1:34930")),
    ("UPS pi@127.0.0.1:34930 battery is low", "upsmon", LowBattery, Some("pi@127.0.0.1:34930")),
    ("UPS pi@127.0.0.1:34930: forced shutdown in progress", "upsmon", ForcedShutdown, Some("pi@127.0.0.1:34930")),
    ("UPS ups@nas battery needs to be replaced", "upsmon", ReplaceBattery, Some("ups@nas")),
    ("UPS ups@nas: on bypass (powered, not protecting)", "upsmon", Bypass, Some("ups@nas")),
    ("UPS ups@nas: one or more active alarms: [Replace battery!]", "upsmon", Alarm, Some("ups@nas")),
    ("Executing automatic power-fail shutdown", "upsmon", ShutdownStarted, None),
    ("Auto logout and shutdown proceeding", "upsmon", ShutdownProceeding, None),
    ("Host sync timer expired, forcing shutdown", "upsmon", HostSyncExpired, None),
    ("Giving up on the primary for UPS [ups@nas] after 15 sec since last comms", "upsmon", GivingUpOnPrimary, Some("ups@nas")),
    ("Primary managerial privileges unavailable on UPS [ups@nas]", "upsmon", PrimaryRefused, Some("ups@nas")),
    ("Signal 15: exiting", "upsmon", Exiting, None),
    ("Data for UPS [ups] is stale - check driver", "upsd", UpsdDataStale, Some("ups")),
    ("UPS [ups] data is no longer stale", "upsd", UpsdDataOk, Some("ups")),
    ("Can't connect to UPS [ups] (usbhid-ups-ups): No such file or directory", "upsd", UpsdDriverMissing, Some("ups")),
    ("Connected to UPS [pi]: dummy-ups-pi", "upsd", UpsdDriverConnected, Some("pi")),
    ("User monuser@127.0.0.1 logged into UPS [pi]", "upsd", UpsdLogin, Some("pi")),
    ("Client monuser@127.0.0.1 set FSD on UPS [pi]", "upsd", UpsdSetFsd, Some("pi")),
    ("No matching HID UPS found", "usbhid-ups", DriverNoDevice, None),
    ("Driver failed to start (exit status=1)", "upsdrvctl", DriverStartFailed, None),
];

fn envelopes(msg: &str, ident: &str) -> Vec<(Format, String)> {
    let json = serde_json::json!({
        "__REALTIME_TIMESTAMP": "1795706401250000",
        "_HOSTNAME": "nas",
        "SYSLOG_IDENTIFIER": ident,
        "_PID": "812",
        "PRIORITY": "5",
        "MESSAGE": msg,
    });
    vec![
        (
            Format::Syslog,
            format!("Nov 26 15:20:01 nas {ident}[812]: {msg}"),
        ),
        (
            Format::Syslog,
            format!("Nov 26 15:20:01.250000 nas {ident}[812]: {msg}"),
        ),
        (
            Format::Syslog,
            format!("<29>Nov 26 15:20:01 nas {ident}[812]: {msg}"),
        ),
        (
            Format::Iso,
            format!("2026-11-26T15:20:01+0000 nas {ident}[812]: {msg}"),
        ),
        (
            Format::Iso,
            format!("2026-11-26T15:20:01.250000+00:00 nas {ident}[812]: {msg}"),
        ),
        (Format::Json, json.to_string()),
        (
            Format::Monotonic,
            format!("[ 4242.000001] nas {ident}[812]: {msg}"),
        ),
        (
            Format::Rfc5424,
            format!("<29>1 2026-11-26T15:20:01.250Z nas {ident} 812 - - {msg}"),
        ),
        (Format::Upsmon, format!("  12.345678\t{msg}")),
        (Format::Upsmon, format!("  12.345678\t[D1] {msg}")),
    ]
}

#[test]
fn real_messages_in_every_format() {
    for (msg, ident, kind, ups) in REAL {
        for (format, line) in envelopes(msg, ident) {
            let e = logs::parse_line(line.as_bytes()).unwrap_or_else(|err| panic!("{line}: {err}"));
            assert_eq!(e.format, format, "{line}");
            assert_eq!((e.kind, e.ups.as_deref()), (*kind, *ups), "{line}");
            assert_eq!(e.message, *msg, "{line}");
            if format != Format::Upsmon {
                assert_eq!(
                    (e.host.as_deref(), e.ident.as_deref(), e.pid),
                    (Some("nas"), Some(*ident), Some(812)),
                    "{line}"
                );
            }
        }
    }
}

#[test]
fn same_instant_in_every_absolute_format() {
    let t = |line: &str| logs::parse_line(line.as_bytes()).unwrap().time.unwrap();
    let iso = t("2026-11-26T15:20:01.250000+00:00 nas upsmon[1]: x");
    let json = t(r#"{"__REALTIME_TIMESTAMP":"1795706401250000","MESSAGE":"x"}"#);
    assert_eq!(iso, json);
    assert_eq!(iso.clock, Clock::Unix);
    let other_zone = t("2026-11-26T10:20:01.25-05:00 nas upsmon[1]: x");
    assert_eq!(other_zone, iso);
}

fn render(format: u8, secs: i64, ident: &str, pid: u32, msg: &str) -> String {
    let (d, sod) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    match format {
        0 => format!("Nov {:2} {h:02}:{m:02}:{s:02} host-1 {ident}[{pid}]: {msg}", d + 1),
        1 => format!("2026-11-{:02}T{h:02}:{m:02}:{s:02}+0000 host-1 {ident}[{pid}]: {msg}", d + 1),
        2 => serde_json::json!({
            "__REALTIME_TIMESTAMP": ((1_795_651_200 - 25 * 86_400 + secs) * 1_000_000).to_string(),
            "_HOSTNAME": "host-1", "SYSLOG_IDENTIFIER": ident, "_PID": pid.to_string(), "MESSAGE": msg,
        })
        .to_string(),
        _ => format!("{:>4}.{:06}\t{msg}", secs, 0),
    }
}

proptest! {
    /// Rendered → parsed keeps time, host, ident, pid, kind and UPS.
    #[test]
    fn round_trip(
        format in 0u8..4,
        secs in 0i64..(20 * 86_400),
        ups in "[a-z][a-z0-9_.-]{0,11}(@[a-z0-9.-]{1,12}(:[1-9][0-9]{0,3})?)?",
        pid in 1u32..4_000_000,
        which in 0usize..REAL.len(),
    ) {
        let (template, ident, kind, has_ups) = REAL[which];
        let msg = match has_ups {
            Some(u) => template.replace(u, &ups),
            None => template.to_string(),
        };
        let line = render(format, secs, ident, pid, &msg);
        let e: LogEvent<'_> = logs::parse_line(line.as_bytes()).unwrap();
        prop_assert_eq!(e.kind, kind, "{}", line);
        prop_assert_eq!(e.ups.as_deref(), has_ups.map(|_| ups.as_str()), "{}", line);
        let t = e.time.unwrap();
        match format {
            0 => prop_assert_eq!((t.clock, t.micros), (Clock::Yearless, (305 * 86_400 + secs) * 1_000_000)),
            1 | 2 => prop_assert_eq!((t.clock, t.micros), (Clock::Unix, (1_795_651_200 - 25 * 86_400 + secs) * 1_000_000)),
            _ => prop_assert_eq!((t.clock, t.micros), (Clock::Relative, secs * 1_000_000)),
        }
        if format < 3 {
            prop_assert_eq!(e.host.as_deref(), Some("host-1"));
            prop_assert_eq!(e.ident.as_deref(), Some(ident));
            prop_assert_eq!(e.pid, Some(pid));
        }
    }

    /// Any bytes: an event or an error, never a panic; every non-blank line counted once.
    #[test]
    fn total_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let t = nut_diagnose::timeline::timeline(&data);
        let s = &t.stats;
        prop_assert_eq!(s.lines, s.classified + s.unclassified + s.foreign + s.markers + s.unparsed);
    }

    /// Lines that look almost right (real prefixes, random tails) never panic either.
    #[test]
    fn total_on_near_misses(
        prefix in prop::sample::select(vec!["Nov 26 ", "2026-11-26T", "{\"MESSAGE\":", "  1.", "<13>", "<13>1 2026-11-26T00:00:00Z ", "[  1.", "-- ", "[D1] "]),
        tail in "\\PC{0,80}",
    ) {
        let line = format!("{prefix}{tail}");
        let _ = logs::parse_line(line.as_bytes());
    }
}

/// Every supported prefix around a message (`{m}`) from program `{i}`.
#[rustfmt::skip]
const PREFIXES: &[&str] = &[
    "Nov 26 15:20:01 nas {i}[812]: {m}",                         // syslog / -o short
    "Nov 26 15:20:01 {i}[812]: {m}",                             // syslog without host
    "Nov  6 15:20:01.250000 nas {i}[812]: {m}",                  // -o short-precise
    "déc. 26 15:20:01 nas {i}[812]: {m}",                        // fr
    "Dez 26 15:20:01 nas {i}[812]: {m}",                         // de
    "дек 26 15:20:01 nas {i}[812]: {m}",                         // ru
    "<29>Nov 26 15:20:01 nas {i}[812]: {m}",                     // with priority
    "2026-11-26T15:20:01+0000 nas {i}[812]: {m}",                // -o short-iso
    "2026-11-26T15:20:01.123456789+01:00 nas {i}[812]: {m}",     // rsyslog high precision
    "2026-11-26 15:20:01 nas {i}[812]: {m}",                     // civil, no zone
    "[ 4242.000001] nas {i}[812]: {m}",                          // -o short-monotonic
    "<29>1 2026-11-26T15:20:01.250Z nas {i} 812 - - {m}",        // RFC 5424
    "Thu Nov 26 15:20:01 2026 daemon.err {i}[812]: {m}",         // BusyBox logread
    "15:20:01 {i}[812]: {m}",                                    // time only
    "[15:20:01] {i}[812]: {m}",                                  // time only, bracketed
    "1795706401.250 {i}[812]: {m}",                              // epoch
    "{i}[812]: {m}",                                             // ident only
    "nut-upsd-1  | {i}[812]: {m}",                               // docker compose
    "2026-11-26T15:20:01.123456789Z {i}[812]: {m}",              // docker logs -t
    "4711:Nov 26 15:20:01 nas {i}[812]: {m}",                    // grep -n
    "/var/log/syslog:4711:Nov 26 15:20:01 nas {i}[812]: {m}",    // grep -Hn
    "> Nov 26 15:20:01 nas {i}[812]: {m}",                       // mail quote
    "2026-11-26T15:20:01 | {i}[812] | {m} |",                    // log viewer table
    "   12.345678\t{m}",                                         // upsmon -D
];

/// The program a catalog row's message comes from, for the envelope.
fn program_of(id: &str) -> &'static str {
    match id.split('.').next() {
        // systemd's line with `systemd[1]: ` cut off: the unit's name is the ident.
        Some("systemd") if id.contains("as-ident") => "nut-monitor.service",
        Some("systemd") => "systemd",
        Some("os") if id.contains("resume") => "systemd-sleep",
        Some("os") => "kernel",
        Some("upsd") => "upsd",
        Some("driver") => "usbhid-ups",
        Some("upsdrvctl") => "upsdrvctl",
        Some("upssched") => "upssched",
        _ => "upsmon",
    }
}

proptest! {
    /// Any row of the message table, its holes filled, wrapped in any supported prefix, is classified
    /// as the bare message is (kind and UPS).
    #[test]
    fn any_catalog_message_in_any_prefix_is_classified_the_same(
        which in 0usize..nut_diagnose::knowledge::LOG_PATTERNS.len(),
        prefix in 0usize..PREFIXES.len(),
        ups in "[a-z][a-z0-9_-]{0,8}(@[a-z0-9.-]{1,10})?",
        fill in "[a-z0-9]{1,8}",
    ) {
        let row = &nut_diagnose::knowledge::LOG_PATTERNS[which];
        let msg = row.template.replace("{ups}", &ups).replace("{detail}", &fill).replace("{_}", &fill);
        let bare = nut_diagnose::knowledge::log_patterns::classify(&msg);
        prop_assume!(bare.is_some());
        let want = bare.map(|m| (m.kind, m.ups.map(|r| msg[r].to_string())));
        let ident = program_of(row.id);
        let env = PREFIXES[prefix];
        // upsmon -D output is upsmon's own: other programs' lines do not come in it.
        prop_assume!(!(env.starts_with("   12") && ident != "upsmon"));
        let line = env.replace("{i}", ident).replace("{m}", &msg);
        let e = logs::parse_line(line.as_bytes()).unwrap();
        prop_assert_eq!(
            Some((e.kind, e.ups.as_deref().map(str::to_string))),
            want,
            "{}",
            line
        );
    }
}
