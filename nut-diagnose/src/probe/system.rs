//! The system probes: systemd unit states from `systemctl show` (machine-readable `Key=Value`
//! properties, never the screen text of `systemctl status`) and NUT's journal from
//! `journalctl -o json`. Parsing is done by pure functions, unit-tested on captured text; spawning is a
//! thin layer on top. When `systemctl` or `journalctl` is absent or refuses, the probe reports
//! `could not read: …` (recorded by [`crate::probe::gather`] in `Facts::unavailable`), never panics.
//!
//! The parsers are always compiled (they are pure); the spawning probes need the feature `probe`.

#[cfg(feature = "probe")]
use async_trait::async_trait;

use crate::facts::{ServiceState, UnitDetail};
use crate::probe::ProbeError;
#[cfg(feature = "probe")]
use crate::probe::{LogSource, ServiceProbe};

/// The properties asked of `systemctl show`.
pub const SHOW_PROPERTIES: &str = "ActiveState,SubState,LoadState,UnitFileState,Result,NRestarts";

/// Most log lines read from the journal in one diagnosis (bounds memory on a flooded journal).
pub const MAX_JOURNAL_LINES: u32 = 200_000;

/// One unit's properties from `systemctl show -p …`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitShow {
    /// `LoadState` (`loaded`, `not-found`, `masked`).
    pub load_state: String,
    /// `ActiveState` (`active`, `failed`, …).
    pub active_state: String,
    /// `SubState` (`running`, `auto-restart`, `dead`, …).
    pub sub_state: String,
    /// `UnitFileState` (`enabled`, `disabled`, `masked`, empty for templates' instances).
    pub unit_file_state: String,
    /// `Result` (`success`, `exit-code`, `signal`, `start-limit-hit`, …).
    pub result: String,
    /// `NRestarts` (automatic restarts since the unit was last started by hand).
    pub n_restarts: Option<u32>,
}

impl UnitShow {
    /// The reduced state; `None` when systemd reported an ActiveState it does not document.
    pub fn state(&self) -> Option<ServiceState> {
        if self.load_state == "masked" {
            return Some(ServiceState::Inactive);
        }
        ServiceState::from_systemctl(&self.load_state, &self.active_state)
    }

    /// The details worth keeping as a fact.
    pub fn detail(&self) -> UnitDetail {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        UnitDetail {
            sub_state: opt(&self.sub_state),
            unit_file_state: opt(&self.unit_file_state),
            result: opt(&self.result),
            n_restarts: self.n_restarts,
        }
    }
}

/// Parses the output of `systemctl show -p … <unit>` (one unit: `Key=Value` lines). Unknown keys are
/// ignored; lines without `=` are ignored; a missing property stays empty. Total on any text.
pub fn parse_show(text: &str) -> UnitShow {
    let mut u = UnitShow::default();
    for line in text.lines().take(1000) {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.trim() {
            "LoadState" => u.load_state = v,
            "ActiveState" => u.active_state = v,
            "SubState" => u.sub_state = v,
            "UnitFileState" => u.unit_file_state = v,
            "Result" => u.result = v,
            "NRestarts" => u.n_restarts = v.parse().ok(),
            _ => {}
        }
    }
    u
}

/// Parses `systemctl list-units --all --plain --no-legend --full 'nut-driver@*'`: the first column of
/// each line is the unit name; only `nut-driver@….service` names are kept.
pub fn parse_driver_units(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| {
            // A failed unit may be prefixed with a bullet in some versions.
            l.split_whitespace()
                .find(|w| w.starts_with("nut-driver@"))
                .map(str::to_string)
        })
        .filter(|u| u.ends_with(".service") && u.len() < 256)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The systemd units whose journal holds NUT's messages: upsmon, upsd and every driver instance.
pub const JOURNAL_UNITS: [&str; 3] = ["nut-monitor", "nut-server", "nut-driver@*"];

/// The arguments of a journalctl read of [`JOURNAL_UNITS`] as JSON: since `since` (anything
/// journalctl's `--since` takes: `@<unix seconds>`, `24h ago`, `2026-11-26 10:00`; everything retained
/// when `None`), following new entries when `follow` is set. The one place the journal query is written (the doctor's gather and
/// `nutctl logs` both use it).
pub fn journal_query(since: Option<&str>, follow: bool) -> Vec<String> {
    let mut a: Vec<String> = vec!["-o".into(), "json".into(), "--no-pager".into()];
    for u in JOURNAL_UNITS {
        a.push("-u".into());
        a.push(u.into());
    }
    if let Some(since) = since {
        a.push("--since".into());
        a.push(since.into());
    }
    if follow {
        a.push("-f".into());
    }
    a
}

/// The arguments of the doctor's journal read: [`journal_query`] since `since` (Unix seconds; all
/// retained entries when `None`), capped at the last `MAX_JOURNAL_LINES` entries.
pub fn journal_args(since: Option<i64>) -> Vec<String> {
    let since = since.map(|s| format!("@{s}"));
    let mut a = journal_query(since.as_deref(), false);
    a.push("-n".into());
    a.push(MAX_JOURNAL_LINES.to_string());
    a
}

/// Judges a finished journalctl run: its output, or why it cannot be used. journalctl exits 0 but
/// prints a hint on stderr when the user may not read the system journal.
pub fn journal_result(success: bool, stdout: Vec<u8>, stderr: &str) -> Result<Vec<u8>, ProbeError> {
    let lower = stderr.to_ascii_lowercase();
    if stdout.is_empty()
        && (lower.contains("insufficient permissions")
            || lower.contains("not seeing messages from other users"))
    {
        return Err(ProbeError::PermissionDenied(
            "could not read: journal".to_string(),
        ));
    }
    if !success && stdout.is_empty() {
        let first = stderr.lines().next().unwrap_or("failed").trim();
        return Err(ProbeError::Other(format!(
            "could not read: journalctl: {first}"
        )));
    }
    Ok(stdout)
}

#[cfg(feature = "probe")]
async fn run(program: &str, args: &[String]) -> Result<std::process::Output, ProbeError> {
    tokio::process::Command::new(program)
        .args(args)
        .env("SYSTEMD_COLORS", "0")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| ProbeError::Unavailable(format!("could not read: {program}: {e}")))
}

#[cfg(feature = "probe")]
/// [`ServiceProbe`] through `systemctl show`.
#[derive(Debug, Clone)]
pub struct Systemctl {
    /// The program (`systemctl`; tests point it elsewhere).
    pub program: String,
}

#[cfg(feature = "probe")]
impl Default for Systemctl {
    fn default() -> Self {
        Systemctl {
            program: "systemctl".into(),
        }
    }
}

#[cfg(feature = "probe")]
impl Systemctl {
    /// The properties of one unit.
    pub async fn show_unit(&self, unit: &str) -> Result<UnitShow, ProbeError> {
        let out = run(
            &self.program,
            &[
                "show".into(),
                "-p".into(),
                SHOW_PROPERTIES.into(),
                "--".into(),
                unit.into(),
            ],
        )
        .await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let show = parse_show(&text);
        if show.active_state.is_empty() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err
                .lines()
                .next()
                .unwrap_or("no ActiveState")
                .trim()
                .to_string();
            return Err(ProbeError::Other(format!(
                "could not read: {unit}: {first}"
            )));
        }
        Ok(show)
    }
}

#[cfg(feature = "probe")]
#[async_trait]
impl ServiceProbe for Systemctl {
    async fn state(&self, unit: &str) -> Result<ServiceState, ProbeError> {
        let s = self.show_unit(unit).await?;
        s.state().ok_or_else(|| {
            ProbeError::Other(format!(
                "could not read: {unit}: ActiveState={}",
                s.active_state
            ))
        })
    }

    async fn show(&self, unit: &str) -> Result<(ServiceState, Option<UnitDetail>), ProbeError> {
        let s = self.show_unit(unit).await?;
        let state = s.state().ok_or_else(|| {
            ProbeError::Other(format!(
                "could not read: {unit}: ActiveState={}",
                s.active_state
            ))
        })?;
        Ok((state, Some(s.detail())))
    }

    async fn driver_units(&self) -> Result<Vec<String>, ProbeError> {
        let out = run(
            &self.program,
            &[
                "list-units".into(),
                "--all".into(),
                "--plain".into(),
                "--no-legend".into(),
                "--full".into(),
                "nut-driver@*".into(),
            ],
        )
        .await?;
        Ok(parse_driver_units(&String::from_utf8_lossy(&out.stdout)))
    }
}

#[cfg(feature = "probe")]
/// [`LogSource`] through `journalctl -o json`.
#[derive(Debug, Clone)]
pub struct Journalctl {
    /// The program (`journalctl`; tests point it elsewhere).
    pub program: String,
}

#[cfg(feature = "probe")]
impl Default for Journalctl {
    fn default() -> Self {
        Journalctl {
            program: "journalctl".into(),
        }
    }
}

#[cfg(feature = "probe")]
/// A running `journalctl`: its output read chunk by chunk, for a batch read and for `--follow` alike.
#[derive(Debug)]
pub struct JournalStream {
    child: tokio::process::Child,
    stdout: tokio::process::ChildStdout,
    /// The command line, for messages (`journalctl -o short-iso … -u nut-monitor.service …`).
    pub command_line: String,
}

#[cfg(feature = "probe")]
impl Journalctl {
    /// Starts `journalctl` with `args` (see [`journal_query`], [`journal_args`]). Without `follow` its
    /// complaints are captured for [`JournalStream::finish`]; while following they go to our stderr.
    pub fn stream(&self, args: &[String], follow: bool) -> Result<JournalStream, ProbeError> {
        use std::process::Stdio;
        let mut child = tokio::process::Command::new(&self.program)
            .args(args)
            .env("SYSTEMD_COLORS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if follow {
                Stdio::inherit()
            } else {
                Stdio::piped()
            })
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ProbeError::Unavailable(format!(
                    "could not read: {} is not installed (no systemd journal here)",
                    self.program
                )),
                _ => ProbeError::Unavailable(format!("could not read: {}: {e}", self.program)),
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| ProbeError::Other(format!("{} gave no output stream", self.program)))?;
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
        Ok(JournalStream {
            child,
            stdout,
            command_line: format!("{} {}", self.program, quoted.join(" ")),
        })
    }
}

#[cfg(feature = "probe")]
impl JournalStream {
    /// The next chunk of output into `buf`; 0 at the end.
    pub async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use tokio::io::AsyncReadExt as _;
        self.stdout.read(buf).await
    }

    /// The output stream itself (for a generic reader).
    pub fn stdout(&mut self) -> &mut tokio::process::ChildStdout {
        &mut self.stdout
    }

    /// Waits for the end: whether journalctl succeeded, and what it said on stderr (batch mode).
    pub async fn finish(mut self) -> (bool, String) {
        use tokio::io::AsyncReadExt as _;
        let mut err = Vec::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = (&mut e).take(64 * 1024).read_to_end(&mut err).await;
        }
        let ok = self.child.wait().await.is_ok_and(|s| s.success());
        (ok, String::from_utf8_lossy(&err).trim().to_string())
    }

    /// Stops a following journalctl.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

#[cfg(feature = "probe")]
#[async_trait]
impl LogSource for Journalctl {
    async fn read(&self, since: Option<i64>) -> Result<Vec<u8>, ProbeError> {
        let mut s = self.stream(&journal_args(since), false)?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = s
                .read(&mut buf)
                .await
                .map_err(|e| ProbeError::Other(format!("reading {}: {e}", s.command_line)))?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
        let (ok, stderr) = s.finish().await;
        journal_result(ok, out, &stderr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured by hand in the documented `systemctl show` format (Key=Value, one per line).
    const FAILED_DRIVER: &str = "ActiveState=failed\nSubState=failed\nLoadState=loaded\nUnitFileState=enabled\nResult=exit-code\nNRestarts=5\n";
    const RESTARTING: &str = "LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nUnitFileState=\nResult=exit-code\nNRestarts=12\n";
    const NOT_FOUND: &str = "ActiveState=inactive\nSubState=dead\nLoadState=not-found\nUnitFileState=\nResult=success\nNRestarts=0\n";
    const RUNNING: &str = "ActiveState=active\nSubState=running\nLoadState=loaded\nUnitFileState=enabled\nResult=success\nNRestarts=0\n";

    #[test]
    fn show_output_to_states_and_details() {
        let f = parse_show(FAILED_DRIVER);
        assert_eq!(f.state(), Some(ServiceState::Failed));
        assert_eq!(f.detail().result.as_deref(), Some("exit-code"));
        assert_eq!(f.n_restarts, Some(5));
        let r = parse_show(RESTARTING);
        assert_eq!(r.state(), Some(ServiceState::Activating));
        assert_eq!(r.detail().sub_state.as_deref(), Some("auto-restart"));
        assert_eq!(r.detail().unit_file_state, None);
        assert_eq!(parse_show(NOT_FOUND).state(), Some(ServiceState::NotFound));
        assert_eq!(parse_show(RUNNING).state(), Some(ServiceState::Active));
        assert_eq!(parse_show("").state(), None);
        assert_eq!(parse_show("garbage\n=\nNRestarts=x").n_restarts, None);
    }

    #[test]
    fn driver_unit_listing() {
        let text = "nut-driver@rack.service loaded active running Network UPS Tools - device driver for NUT device 'rack'\n\
                    ● nut-driver@desk.service loaded failed failed Network UPS Tools - device driver for NUT device 'desk'\n\
                    nut-driver-enumerator.service loaded inactive dead Network UPS Tools - enumeration\n";
        assert_eq!(
            parse_driver_units(text),
            vec![
                "nut-driver@desk.service".to_string(),
                "nut-driver@rack.service".to_string()
            ]
        );
        assert!(parse_driver_units("").is_empty());
    }

    #[test]
    fn journal_outcomes() {
        let args = journal_args(Some(1_700_000_000));
        assert!(args.windows(2).any(|w| w[0] == "-o" && w[1] == "json"));
        assert!(args.contains(&"@1700000000".to_string()));
        let hint = "Hint: You are currently not seeing messages from other users and the system.\n";
        assert_eq!(
            journal_result(true, Vec::new(), hint),
            Err(ProbeError::PermissionDenied(
                "could not read: journal".into()
            ))
        );
        let json = br#"{"__REALTIME_TIMESTAMP":"1764151200000000","_HOSTNAME":"nas","SYSLOG_IDENTIFIER":"upsmon","_PID":"812","MESSAGE":"UPS rack@server on battery"}"#.to_vec();
        let got = journal_result(true, json.clone(), "").unwrap_or_default();
        let events: Vec<_> = crate::logs::events(&got)
            .filter_map(|(_, e)| e.ok())
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, crate::knowledge::EventKind::OnBattery);
        assert!(matches!(
            journal_result(false, Vec::new(), "Failed to add match 'x': Invalid argument\n"),
            Err(ProbeError::Other(m)) if m.starts_with("could not read: journalctl")
        ));
    }

    proptest::proptest! {
        #[test]
        fn parsers_are_total(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&bytes);
            let s = parse_show(&text);
            let _ = s.state();
            for u in parse_driver_units(&text) {
                proptest::prop_assert!(u.starts_with("nut-driver@") && u.ends_with(".service"));
            }
        }

        #[test]
        fn show_round_trips(active in "(active|inactive|failed|activating|deactivating)",
                            load in "(loaded|not-found)", restarts in 0u32..1000) {
            let text = format!("LoadState={load}\nActiveState={active}\nSubState=x\nNRestarts={restarts}\n");
            let s = parse_show(&text);
            proptest::prop_assert_eq!(&s.active_state, &active);
            proptest::prop_assert_eq!(s.n_restarts, Some(restarts));
            proptest::prop_assert_eq!(s.state(), ServiceState::from_systemctl(&load, &active));
        }
    }

    #[cfg(feature = "probe")]
    #[tokio::test]
    async fn absent_programs_are_facts_not_crashes() {
        let s = Systemctl {
            program: "/nonexistent/systemctl".into(),
        };
        let e = s.state("nut-server.service").await;
        assert!(
            matches!(&e, Err(ProbeError::Unavailable(m)) if m.starts_with("could not read: ")),
            "{e:?}"
        );
        let j = Journalctl {
            program: "/nonexistent/journalctl".into(),
        };
        assert!(j.read(None).await.is_err());
        let probes = crate::probe::Probes {
            services: Some(&s),
            logs: Some(&j),
            ..Default::default()
        };
        let f = crate::probe::gather(probes, &[], None, None).await;
        assert!(f.services.is_empty());
        assert!(
            f.unavailable.iter().all(|u| u.contains("could not read")),
            "{:?}",
            f.unavailable
        );
        assert!(!f.unavailable.is_empty());
    }
}

/// Linux keeps the first 15 bytes of a program's name in `/proc/PID/comm`.
const COMM_LEN: usize = 15;

/// The program a NUT pid file names: `upsd.pid` → `upsd`, `upsmon.pid` → `upsmon`,
/// `usbhid-ups-myups.pid` → `usbhid-ups` (when `usbhid-ups` is one of `drivers`).
pub fn pidfile_program(file: &str, drivers: &[String]) -> Option<String> {
    let stem = file.strip_suffix(".pid")?;
    if stem == "upsd" || stem == "upsmon" {
        return Some(stem.to_string());
    }
    drivers
        .iter()
        .find(|d| {
            stem.strip_prefix(d.as_str())
                .is_some_and(|r| r.starts_with('-'))
        })
        .cloned()
}

/// Without systemd: NUT's programs (`upsd`, `upsmon` and the given drivers) found running, from the
/// pid files of `statepath` whose pid is alive and from `/proc/*/comm`. Bounded by the process table.
pub fn nut_processes(
    drivers: &[String],
    statepath: &std::path::Path,
) -> Vec<crate::facts::ProcessFact> {
    use crate::facts::ProcessFact;
    let comm_of = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .ok()
            .map(|s| s.trim().to_string())
    };
    let mut names: Vec<String> = vec!["upsd".into(), "upsmon".into()];
    names.extend(drivers.iter().cloned());
    let mut out: Vec<ProcessFact> = Vec::new();
    for e in std::fs::read_dir(statepath).into_iter().flatten().flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(program) = pidfile_program(&file, drivers) else {
            continue;
        };
        let pid = std::fs::read_to_string(e.path())
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if let Some(pid) = pid.filter(|p| comm_of(*p).is_some()) {
            out.push(ProcessFact {
                program,
                pid,
                pidfile: Some(e.path().display().to_string()),
            });
        }
    }
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if out.iter().any(|p| p.pid == pid) {
            continue;
        }
        let Some(comm) = comm_of(pid) else { continue };
        if let Some(n) = names
            .iter()
            .find(|n| n.get(..COMM_LEN.min(n.len())) == Some(comm.as_str()))
        {
            out.push(ProcessFact {
                program: n.clone(),
                pid,
                pidfile: None,
            });
        }
    }
    out.sort_by(|a, b| a.program.cmp(&b.program).then(a.pid.cmp(&b.pid)));
    out
}

/// Whether systemd runs this machine (`/run/systemd/system` exists, as `sd_booted()` tests).
pub fn systemd_booted() -> bool {
    std::path::Path::new("/run/systemd/system").is_dir()
}

#[cfg(test)]
mod process_tests {
    use super::*;

    #[test]
    fn pidfiles_name_their_programs() {
        let drivers = vec!["usbhid-ups".to_string(), "dummy-ups".to_string()];
        assert_eq!(
            pidfile_program("upsd.pid", &drivers).as_deref(),
            Some("upsd")
        );
        assert_eq!(
            pidfile_program("usbhid-ups-myups.pid", &drivers).as_deref(),
            Some("usbhid-ups")
        );
        assert_eq!(
            pidfile_program("dummy-ups-u.pid", &drivers).as_deref(),
            Some("dummy-ups")
        );
        assert_eq!(pidfile_program("other.pid", &drivers), None);
        assert_eq!(pidfile_program("upsd.sock", &drivers), None);
    }

    #[test]
    fn finds_nothing_in_an_empty_state_path() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let found = nut_processes(&["no-such-driver-xyz".into()], dir.path());
        assert!(found.iter().all(|p| p.pidfile.is_none()));
    }
}
