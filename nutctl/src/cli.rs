//! The command line, as clap derive definitions. The same definitions drive `--help`, the shell
//! completions (`nutctl completions`) and the man page (`nutctl man`), so they cannot drift apart.
//!
//! Raw arguments stay here; [`crate::ctx::Ctx`] turns the global ones into ready-to-use objects
//! (client options, colour decision, config directory).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes, shared by every command (the monitoring-plugins convention).
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes (status, check and every command that reports):
  0  OK        everything checked is fine (or the command did what was asked)
  1  WARNING   something needs attention (on battery, high load, ...)
  2  CRITICAL  protection is broken or about to be used (low battery, unreachable, FSD)
  3  UNKNOWN   nutctl could not find out (bad arguments, I/O errors, refused actions)
A broken pipe (e.g. `nutctl status --all | head`) exits 0.";

/// Monitor, manage and troubleshoot Network UPS Tools (NUT) installations.
#[derive(Debug, Parser)]
#[command(name = "nutctl", version, about, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    /// Options every command understands.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands that never connect to a server as a client, and the client's TLS options
/// (global ones) that they therefore neither show nor accept.
pub(crate) const NOT_CLIENTS: [&str; 6] = ["serve", "demo", "logs", "config", "completions", "man"];
const CLIENT_TLS: [&str; 3] = ["cafile", "tls_server_name", "insecure_skip_verify"];

/// Global options some subcommands never read: hidden from their help (still accepted, and
/// ignored as before, so a script passing `--timeout` everywhere keeps working). Only commands
/// without subcommands of their own: a copy on `config` would stop the global reaching `config check`.
const UNUSED: [(&str, &[&str]); 2] = [
    ("timeout", &["serve", "logs", "completions", "man"]),
    ("confdir", &["serve", "logs", "completions", "man"]),
];

/// The command line as parsed: [`Cli`]'s definitions, with the client's TLS options hidden on
/// [`NOT_CLIENTS`] (and refused there by [`parse`]).
pub(crate) fn command() -> clap::Command {
    let (cmd, tls) = split_client_tls();
    let hidden: Vec<clap::Arg> = tls.iter().map(|a| a.clone().hide(true)).collect();
    let unused: Vec<(clap::Arg, &[&str])> = UNUSED
        .iter()
        .filter_map(|(id, cmds)| {
            let a = cmd.get_arguments().find(|a| a.get_id() == *id)?;
            Some((a.clone().global(false).hide(true), *cmds))
        })
        .collect();
    each_subcommand(cmd, |mut sc, client| {
        for (a, cmds) in &unused {
            if cmds.contains(&sc.get_name()) {
                sc = sc.arg(a.clone());
            }
        }
        if client {
            sc
        } else {
            sc.args(hidden.iter().cloned())
        }
    })
}

/// The command line as completions and the man page show it: the client's TLS options on the
/// commands that connect to a server, and nowhere else (clap_complete lists hidden options too).
pub(crate) fn docs_command() -> clap::Command {
    let (mut cmd, tls) = split_client_tls();
    for id in CLIENT_TLS {
        cmd = cmd.mut_arg(id, |a| a.global(false));
    }
    each_subcommand(cmd, |sc, client| {
        if client {
            sc.args(tls.iter().cloned())
        } else {
            sc
        }
    })
}

/// Applies `f` to every subcommand in order (clap's `mut_subcommand` moves the one it changes to
/// the end; changing all keeps the order), telling whether it connects as a client.
fn each_subcommand(
    mut cmd: clap::Command,
    f: impl Fn(clap::Command, bool) -> clap::Command,
) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let client = !NOT_CLIENTS.contains(&name.as_str());
        cmd = cmd.mut_subcommand(name, |sc| f(sc, client));
    }
    cmd
}

/// [`Cli`]'s command and copies of its client TLS options that are not global. clap propagates a
/// global option to every subcommand lacking an argument of that id, so a subcommand given its
/// own copy (same parser) keeps it as that copy says.
fn split_client_tls() -> (clap::Command, Vec<clap::Arg>) {
    let cmd = <Cli as clap::CommandFactory>::command();
    let tls = cmd
        .get_arguments()
        .filter(|a| CLIENT_TLS.contains(&a.get_id().as_str()))
        .map(|a| a.clone().global(false))
        .collect();
    (cmd, tls)
}

/// Parses the command line with [`command`]; a client TLS option given to one of [`NOT_CLIENTS`]
/// is a usage error naming the option.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches as _;
    let mut cmd = command();
    let m = cmd.try_get_matches_from_mut(std::env::args_os())?;
    if let Some((name, sub)) = m.subcommand().filter(|(n, _)| NOT_CLIENTS.contains(n)) {
        let given = |id: &str| {
            [&m, sub]
                .iter()
                .any(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        };
        if let Some(id) = CLIENT_TLS.into_iter().find(|id| given(id)) {
            let msg = format!(
                "--{} is an option of the commands that connect to a server; `{name}` does not{}",
                id.replace('_', "-"),
                if name == "serve" {
                    " (its own certificate: --tls-cert FILE --tls-key FILE)"
                } else {
                    ""
                }
            );
            return Err(cmd.error(clap::error::ErrorKind::ArgumentConflict, msg));
        }
    }
    Cli::from_arg_matches(&m)
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print one JSON document instead of text (field names: nutctl/README.md).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Seconds allowed for connecting and for each request.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 5.0, value_parser = seconds)]
    pub(crate) timeout: f64,
    /// NUT configuration directory [default: $NUT_CONFPATH, else /etc/nut]. Only `map` takes it
    /// more than once (one host per directory).
    #[arg(long, global = true, value_name = "DIR", action = clap::ArgAction::Append)]
    pub(crate) confdir: Vec<PathBuf>,
    /// Never colour the output (colour is also off when stdout is not a terminal or NO_COLOR is set).
    #[arg(long, global = true)]
    pub(crate) no_color: bool,
    /// Upgrade connections with STARTTLS, trusting the CA (or self-signed server certificate) in FILE.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) cafile: Option<PathBuf>,
    /// Name the server certificate must be valid for [default: the target host].
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) tls_server_name: Option<String>,
    /// DANGEROUS: use STARTTLS but accept any server certificate. Anyone on the path can read the
    /// session, password included. For labs and migrations only.
    #[arg(long, global = true)]
    pub(crate) insecure_skip_verify: bool,
}

/// Where a password comes from (for set, cmd, fsd and check).
#[derive(Debug, Args, Default)]
pub(crate) struct CredentialArgs {
    /// User name from upsd.users. The password comes from --password-file, --password-env or a
    /// prompt on the terminal.
    #[arg(long, short = 'u', value_name = "USER")]
    pub(crate) user: Option<String>,
    /// Read the password from the first line of FILE.
    #[arg(long, value_name = "FILE", requires = "user")]
    pub(crate) password_file: Option<PathBuf>,
    /// Read the password from the environment variable VAR.
    #[arg(long, value_name = "VAR", requires = "user")]
    pub(crate) password_env: Option<String>,
    /// The password itself. Accepted with a warning: other users can read it from the process list
    /// and your shell history keeps it.
    #[arg(long, value_name = "PASSWORD", requires = "user")]
    pub(crate) password: Option<nut_proto::Secret>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Status of one or more UPSes: status meaning, charge, runtime and load with threshold colours.
    ///
    /// TARGET is ups[@host[:port]]. Without one, the MONITOR lines of upsmon.conf are used, else the
    /// UPSes of the local ups.conf, else every UPS of the upsd on localhost. Several targets are
    /// polled concurrently. The exit code is the worst status or threshold found.
    #[command(after_help = "Examples:
  nutctl status myups@nas.local
  nutctl status --all ups@192.168.1.10:3493
  nutctl status --raw ups@localhost        # byte-for-byte what `upsc ups@localhost` prints
  nutctl status ups@localhost ups.status   # one value, as `upsc ups@localhost ups.status`
  nutctl status ups@nas --perfdata -w charge=70 -c runtime=300   # a Nagios check
  nutctl status --raw --json ups@localhost # the object `upsc -j` prints (NUT >= 2.8.5)")]
    Status(StatusArgs),
    /// The UPSes a server offers, with their descriptions (like `upsc -L`).
    #[command(after_help = "Example:\n  nutctl list nas.local:3493")]
    List {
        /// host[:port] of the NUT server.
        #[arg(default_value = "localhost", value_name = "HOST[:PORT]")]
        server: String,
    },
    /// The clients logged in to a UPS (upsmon instances; `LIST CLIENT`).
    #[command(after_help = "Example:\n  nutctl clients ups@nas.local")]
    Clients {
        /// ups[@host[:port]].
        target: String,
    },
    /// Connectivity test done right: DNS, TCP, NUT answer, login, then a verdict and what to do.
    #[command(after_help = "Examples:
  nutctl check ups@nas.local
  nutctl check ups@192.168.1.10 --user monuser --password-file /etc/nut/monpass")]
    Check {
        /// ups[@host[:port]].
        target: String,
        /// Credentials to try a login with (optional).
        #[command(flatten)]
        creds: CredentialArgs,
    },
    /// Set a writable variable; without VAR, list the writable variables.
    #[command(after_help = "Examples:
  nutctl set ups@localhost                                   # list writable variables
  nutctl set ups@localhost ups.delay.shutdown 60 -u admin    # prompts for the password")]
    Set {
        /// ups[@host[:port]].
        target: String,
        /// Variable name.
        var: Option<String>,
        /// New value.
        #[arg(requires = "var")]
        value: Option<String>,
        /// Wait (up to SECONDS, default 10) for the driver's result (SET TRACKING ON, then GET
        /// TRACKING until SUCCESS or FAILED), like upscmd/upsrw -w; exit 3 unless SUCCESS.
        #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "10",
              value_parser = seconds)]
        wait: Option<f64>,
        /// Credentials (a user with `actions = SET`).
        #[command(flatten)]
        creds: CredentialArgs,
    },
    /// Run an instant command; without COMMAND, list the commands the UPS offers.
    #[command(after_help = "Examples:
  nutctl cmd ups@localhost                                 # list instant commands
  nutctl cmd ups@localhost test.battery.start.quick -u admin --password-env NUT_PW")]
    Cmd {
        /// ups[@host[:port]].
        target: String,
        /// Instant command name.
        command: Option<String>,
        /// Optional parameter of the command.
        #[arg(requires = "command")]
        value: Option<String>,
        /// Really do it: needed for a command that cuts the load's power (load.off*, load.cycle,
        /// shutdown.* but shutdown.stop), as for fsd.
        #[arg(long)]
        yes: bool,
        /// Wait (up to SECONDS, default 10) for the driver's result (SET TRACKING ON, then GET
        /// TRACKING until SUCCESS or FAILED), like upscmd/upsrw -w; exit 3 unless SUCCESS.
        #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "10",
              value_parser = seconds)]
        wait: Option<f64>,
        /// Credentials (a user with `instcmds` allowing it).
        #[command(flatten)]
        creds: CredentialArgs,
    },
    /// Set the forced-shutdown flag: every upsmon watching the UPS shuts its host down. Needs --yes.
    #[command(
        after_help = "Example:\n  nutctl fsd ups@localhost -u admin --password-file pw --yes"
    )]
    Fsd {
        /// ups[@host[:port]].
        target: String,
        /// Really do it.
        #[arg(long)]
        yes: bool,
        /// Credentials (a user with `actions = FSD` or upsmon primary).
        #[command(flatten)]
        creds: CredentialArgs,
    },
    /// Run an embedded NUT server that serves dummy-ups .dev/.seq dumps and answers like upsd.
    #[command(after_help = "Examples:
  nutctl serve --dev ups.dev --listen 127.0.0.1:3493
  nutctl serve --dev a.dev --dev b.seq --user admin --password-env PW   # SET/INSTCMD/FSD allowed
  nutctl serve --dev ups.dev --cycle 'OL,OB DISCHRG,OB LB' --step 5     # drive status changes")]
    Serve(ServeArgs),
    /// A guided tour on any machine, no UPS or NUT needed: a power cut and a network blip against
    /// an embedded server, and what nutctl finds at each step.
    #[command(after_help = "Example:\n  nutctl demo")]
    Demo {
        /// Pause between steps, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 600,
              value_parser = clap::value_parser!(u64).range(0..=60_000))]
        pace: u64,
    },
    /// The episode timeline of upsmon/upsd logs: outages, communication losses and shutdowns, each
    /// with its duration and how it ended.
    ///
    /// Without FILE, reads the journal of nut-monitor, nut-server and the nut-driver@ units
    /// (`journalctl -o json`, since --since). FILE may be journalctl output (`-o json`, `-o export` or
    /// a short format: short, short-iso, short-precise, short-unix, short-monotonic), a syslog file
    /// (any common prefix: docker, logread, grep -n, a mail quote…) or upsmon's own `-D` output; `-`
    /// reads stdin. A year-less FILE takes its year from the file's time (or --year). The exit code is the
    /// worst episode: 0 all recovered, 1 a shutdown or monitoring stopped, 2 something still down.
    #[command(after_help = "Examples:
  nutctl logs                               # the last 24 h of the NUT units' journal
  nutctl logs --since '2026-11-20 00:00'   # or 2d, yesterday, 2026-11-20T00:00:00Z
  nutctl logs /var/log/syslog
  journalctl -u nut-monitor -o json | nutctl logs -
  nutctl logs --follow /var/log/syslog      # new episodes as they happen (Ctrl-C stops)")]
    Logs(LogsArgs),
    /// Check the NUT configuration files (file:line:col diagnostics) or show them with every secret
    /// redacted.
    #[command(after_help = "Examples:
  nutctl config check                       # /etc/nut (or $NUT_CONFPATH)
  nutctl config check --confdir ./etc-nut   # exit 0 clean, 1 warnings, 2 errors, 3 unreadable
  nutctl config show --json                 # redacted text and diagnostics per file")]
    Config {
        /// check or show.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// A live view that notes every status change and threshold crossing, survives server restarts
    /// (reconnecting with backoff) and keeps a running episode log.
    ///
    /// Without TARGET, the same targets as `status`. With --json, prints one JSON object per line
    /// (JSON Lines): one per event, and a final `summary` object.
    #[command(after_help = "Examples:
  nutctl watch ups@nas.local
  nutctl watch ups@nas.local --interval 2 --duration 600
  nutctl watch ups@localhost --json --count 10 | jq .title")]
    Watch(WatchArgs),
    /// The "fast troubleshooting flow" in one go: this host's configuration, NUT units, journal, a
    /// probe (with login) of every MONITOR target and LIST CLIENT of the UPSes served here, then
    /// every finding with its evidence and action, the authority map and the episode timeline.
    ///
    /// Works without root and without systemd: what could not be read (a config file only root may
    /// read, no systemctl, no journal) is listed, and the verdict rests on the rest. The exit code is
    /// the worst finding.
    #[command(after_help = "Examples:
  nutctl doctor                              # /etc/nut (or $NUT_CONFPATH), last 24 h of journal
  nutctl doctor --confdir ./etc-nut --since 2h
  nutctl doctor --user monuser --password-file /etc/nut/monpass   # when upsmon.conf is unreadable
  nutctl doctor --json | jq '.report.findings[].id'")]
    Doctor(DoctorArgs),
    /// Is the shutdown chain sound before the power fails? Reads every link live (upsmon running and
    /// logged in, SHUTDOWNCMD, POWERDOWNFLAG, HOSTSYNC/FINALDELAY against the runtime, the last
    /// battery test) and prints the expected sequence with times. With --fsd --yes, on the primary:
    /// sets FSD for real (every host watching the UPS powers off) and records who logged out when.
    #[command(after_help = "Examples:
  nutctl drill                  # read-only: the links and the expected sequence
  nutctl drill --fsd --yes      # on the primary: a real forced shutdown; ALL hosts power off")]
    Drill(DrillArgs),
    /// The role of this host (netserver, standalone, netclient, none) and why: nut.conf's MODE line,
    /// the NUT units, and what the configuration files say against it.
    #[command(after_help = "Example:\n  nutctl mode --confdir /etc/nut")]
    Mode,
    /// The authority map: per UPS, which host drives it, who is primary, who is secondary, who is
    /// logged in now (LIST CLIENT, when the server answers) and in which order hosts shut down.
    ///
    /// With several --confdir, each is one host, named after the directory (`/srv/cfg/nas` is host
    /// `nas`; a lone --confdir is this host); use --host NAME=DIR to give a name yourself. Hosts should be named as the MONITOR lines of the
    /// others name them.
    #[command(after_help = "Examples:
  nutctl map                                           # this host only
  nutctl map --host nas=/srv/cfg/nas --host pc1=/srv/cfg/pc1 --format mermaid
  nutctl map --confdir ./nas --confdir ./pc1 --format dot | dot -Tsvg > map.svg")]
    Map(MapArgs),
    /// A Prometheus exporter for every UPS of many NUT servers: /metrics (all targets),
    /// /ups_metrics?target=HOST:PORT (one target, for Prometheus' service discovery) and / (a
    /// status page). `exporter rules` prints alerting rules from the same status and threshold tables.
    ///
    /// TARGET is host[:port] (every UPS of that server, via LIST UPS) or ups@host[:port] (one UPS).
    /// Each scrape polls every target concurrently, each within --timeout; connections are kept
    /// between scrapes. Metric names and labels: EXPORTER.md (/usr/share/doc/nutctl/ when installed
    /// from the Debian package).
    #[command(after_help = "Examples:
  nutctl exporter localhost nas.local:3493 ups@10.0.0.5
  nutctl exporter --targets /etc/nutctl/targets --listen 127.0.0.1:9199 --names druggeri
  nutctl exporter rules > /etc/prometheus/rules/nut.yml")]
    Exporter(crate::cmd::exporter::ExporterArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  nutctl completions bash > /etc/bash_completion.d/nutctl")]
    Completions {
        /// Which shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(
        after_help = "Examples:\n  nutctl man | man -l -\n  nutctl man --dir /tmp/man && man -l /tmp/man/nutctl-exporter.1"
    )]
    Man {
        /// Write nutctl.1 and one page per subcommand (nutctl-exporter.1, nutctl-exporter-rules.1 …)
        /// into DIR instead of printing nutctl.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// Arguments of `nutctl status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// ups[@host[:port]] (several allowed); or `TARGET VAR` (a name with a dot): that one value,
    /// exactly as `upsc TARGET VAR` (with --json: as `upsc -j`), exit 1 on failure.
    pub(crate) targets: Vec<String>,
    /// Also print every variable.
    #[arg(long)]
    pub(crate) all: bool,
    /// Print `name: value` lines exactly as upsc does (with --json: upsc -j's object).
    #[arg(long)]
    pub(crate) raw: bool,
    /// Warning limit METRIC=NUMBER (charge %, runtime s, load %, temperature °C, input-voltage %
    /// off input.voltage.nominal either way), over nut-diagnose's threshold table; repeatable,
    /// like check_ups' -w.
    #[arg(long = "warn", short = 'w', value_name = "METRIC=N")]
    pub(crate) warn: Vec<String>,
    /// Critical limit METRIC=NUMBER, as --warn (check_ups' -c).
    #[arg(long = "crit", short = 'c', value_name = "METRIC=N")]
    pub(crate) crit: Vec<String>,
    /// Append Nagios performance data (charge, runtime, load, temperatures, input voltage with
    /// their limits; other voltages) to the first line.
    #[arg(long)]
    pub(crate) perfdata: bool,
}

/// Arguments of `nutctl logs`.
#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// A log file, or `-` for stdin [default: the journal of the NUT units].
    #[arg(value_name = "FILE|-")]
    pub(crate) file: Option<PathBuf>,
    /// With the journal: how far back, as for doctor: `24h`, `30m`, `2d`, an RFC 3339 time or
    /// journalctl's words (`yesterday`, `3 hours ago`, `2026-11-20 00:00`).
    #[arg(long, value_name = "WHEN", default_value = "24h")]
    pub(crate) since: String,
    /// Keep reading: new lines of FILE as it grows, or `journalctl -f`; prints each episode as it
    /// ends (and a summary on exit).
    #[arg(long, short = 'f')]
    pub(crate) follow: bool,
    /// With --follow: stop after this many seconds (default: until interrupted).
    #[arg(long, value_name = "SECONDS", requires = "follow", value_parser = seconds)]
    pub(crate) duration: Option<f64>,
    /// The year of year-less syslog stamps (`Nov 26 15:20:01`); by default a full date in the same log
    /// gives it, else a FILE's modification time (a stamp later in the year than that is of the year
    /// before), else (stdin) they stay year-less.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i16).range(1970..=9999))]
    pub(crate) year: Option<i16>,
}

/// Arguments of `nutctl doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// How far back to read the journal, as for logs: `24h`, `30m`, `2d`, `90s`, plain seconds, an
    /// RFC 3339 time or journalctl's words (`yesterday`, `3 hours ago`, `2026-11-20 00:00`).
    #[arg(long, value_name = "WHEN", default_value = "24h")]
    pub(crate) since: String,
    /// Credentials to log in to the MONITOR targets with, instead of those of upsmon.conf (for when
    /// upsmon.conf cannot be read, or to test another account).
    #[command(flatten)]
    pub(crate) creds: CredentialArgs,
}

/// Arguments of `nutctl drill`.
#[derive(Debug, Args)]
pub(crate) struct DrillArgs {
    /// Set FSD for real (like `upsmon -c fsd`) and record what happens. Powers off every host
    /// that monitors the UPS, this one last. Only on the primary; needs --yes.
    #[arg(long)]
    pub(crate) fsd: bool,
    /// Really do it (with --fsd).
    #[arg(long)]
    pub(crate) yes: bool,
    /// With --fsd: seconds to watch the clients log out.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) watch: u64,
}

/// Arguments of `nutctl map`.
#[derive(Debug, Args)]
pub(crate) struct MapArgs {
    /// A host's config directory under a name of your choice (several allowed).
    #[arg(long = "host", value_name = "NAME=DIR")]
    pub(crate) hosts: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MapFormat::Text)]
    pub(crate) format: MapFormat,
    /// Do not ask servers who is logged in (LIST CLIENT); configuration files only.
    #[arg(long)]
    pub(crate) offline: bool,
}

/// How `nutctl map` draws the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MapFormat {
    /// An indented tree.
    Text,
    /// A Mermaid flowchart (paste into Markdown).
    Mermaid,
    /// Graphviz DOT (`| dot -Tsvg`).
    Dot,
}

/// `nutctl config` actions.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigAction {
    /// Validate every file: errors and warnings with file:line:col and the line itself. Exit 0
    /// clean, 1 warnings only, 2 errors, 3 directory missing or a file unreadable.
    #[command(after_help = "Example:\n  nutctl config check --confdir /etc/nut")]
    Check,
    /// Print every file with passwords replaced by <redacted>, and its diagnostics.
    #[command(after_help = "Example:\n  nutctl config show --confdir /etc/nut")]
    Show,
}

/// Arguments of `nutctl watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// ups[@host[:port]] (several allowed).
    pub(crate) targets: Vec<String>,
    /// Seconds between polls.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = seconds)]
    pub(crate) interval: f64,
    /// Stop after this many polls of every target.
    #[arg(long, value_name = "N")]
    pub(crate) count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub(crate) duration: Option<f64>,
}

/// Arguments of `nutctl serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A dummy-ups .dev or .seq file (or an upsc dump); one UPS each, named after the file.
    #[arg(long = "dev", value_name = "FILE", required = true)]
    pub(crate) devs: Vec<PathBuf>,
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3493")]
    pub(crate) listen: std::net::SocketAddr,
    /// UPS name, when serving a single file.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The UPS description (`LIST UPS`, `GET UPSDESC`), as ups.conf's `desc` gives upsd
    /// [default: "served by nutctl from FILE"].
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Option<String>,
    /// An instant command every UPS offers besides dummy-ups' load.off (repeatable); the simulated
    /// driver handles it (GET TRACKING: SUCCESS), where dummy-ups answers every command ERR UNKNOWN.
    #[arg(long = "cmd", value_name = "NAME")]
    pub(crate) cmds: Vec<String>,
    /// Cycle ups.status through these comma-separated values (a status per step).
    #[arg(long, value_name = "LIST")]
    pub(crate) cycle: Option<String>,
    /// Seconds per --cycle step.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    pub(crate) step: f64,
    /// Directory of NUT's cmdvartab, the descriptions of GET DESC/CMDDESC, as upsd.conf's DATAPATH
    /// [default: /usr/share/nut; without the file: "Description unavailable"].
    #[arg(long, value_name = "DIR")]
    pub(crate) datapath: Option<PathBuf>,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub(crate) exit_after: Option<f64>,
    /// PEM certificate chain for STARTTLS (with --tls-key); without it STARTTLS is refused.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// A user allowed everything (SET, FSD, every instant command, upsmon primary).
    #[command(flatten)]
    pub(crate) creds: CredentialArgs,
}

/// Longest duration any argument takes: 366 days (a `Duration` or a deadline from it never overflows).
pub(crate) const MAX_SECONDS: f64 = 366.0 * 86_400.0;

/// Parses a number of seconds: finite, not negative, at most [`MAX_SECONDS`].
pub(crate) fn seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("'{s}': seconds must be a finite number, 0 or more"));
    }
    if v > MAX_SECONDS {
        return Err(format!(
            "'{s}': at most {MAX_SECONDS} seconds (366 days) are accepted"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever `seconds` accepts converts to a Duration and a deadline without a panic.
        #[test]
        fn accepted_seconds_never_overflow(s in "[-+]?[0-9]{0,25}(\\.[0-9]{0,5})?(e[-+]?[0-9]{1,4})?|inf|NaN|.{0,12}") {
            if let Ok(v) = seconds(&s) {
                let d = std::time::Duration::from_secs_f64(v);
                let _ = std::time::Instant::now() + d;
                let _ = tokio::time::Instant::now() + d;
            }
        }

        /// Parsing any argument list is an error or a value, never a panic.
        #[test]
        fn argument_parsing_never_panics(args in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("--duration".to_string()),
                proptest::strategy::Just("--step".to_string()),
                proptest::strategy::Just("--exit-after".to_string()),
                proptest::strategy::Just("--interval".to_string()),
                proptest::strategy::Just("--timeout".to_string()),
                proptest::strategy::Just("--pace".to_string()),
                proptest::strategy::Just("--follow".to_string()),
                "[-+]?[0-9]{0,22}(e[0-9]{1,3})?",
                ".{0,8}",
            ], 0..6),
            cmd in proptest::prop_oneof![
                proptest::strategy::Just("watch"),
                proptest::strategy::Just("logs"),
                proptest::strategy::Just("serve"),
                proptest::strategy::Just("demo"),
                proptest::strategy::Just("status"),
            ]) {
            let mut argv = vec!["nutctl".to_string(), cmd.to_string()];
            argv.extend(args);
            let _ = Cli::try_parse_from(argv);
        }
    }

    #[test]
    fn huge_durations_are_errors() {
        for bad in ["1e300", "1e19", "-1", "inf", "NaN", "x"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(seconds("2.5"), Ok(2.5));
        let e = Cli::try_parse_from(["nutctl", "watch", "u@h", "--duration", "1e300"]);
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("366 days"), "{e}");
    }

    #[test]
    fn debug_of_parsed_arguments_never_shows_a_password() {
        let cli = Cli::try_parse_from([
            "nutctl",
            "set",
            "ups@h",
            "v",
            "1",
            "--user",
            "admin",
            "--password",
            "hunter2-xyz",
        ]);
        let text = format!("{cli:?}");
        assert!(text.contains(nut_proto::REDACTED), "{text}");
        assert!(!text.contains("hunter2-xyz"), "{text}");
    }
}
