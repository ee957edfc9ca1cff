//! The host's NUT configuration as facts: what the rules need from nut-config's typed views, in a form
//! that serializes *and* deserializes (nut-config's views only serialize), so a diagnosis can be replayed
//! from a saved facts file.
//!
//! Passwords are kept as [`Password`]: compared (to tell "upsmon.conf's password differs from
//! upsd.users'") but always serialized as nut-config's `<redacted>`; a replayed facts file therefore knows
//! that a password was set, not its value, and the mismatch rule stays silent (unknown) on replays.
//!
//! nut-config glue: built with [`HostConfig::from_dir`] from a [`nut_config::ConfigDir`].

use nut_config::files::Role as CfgRole;
use nut_config::{ConfigDir, FileReport, FileState, Secret};
use nut_proto::Target;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A password from a config file (nut-proto's [`Secret`], never printed), or unknown after a JSON
/// round trip: comparable on the host that read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Password(Option<Secret>);

impl Password {
    /// Wraps a secret read from a file.
    pub fn new(s: Secret) -> Self {
        Password(Some(s))
    }

    /// Whether two passwords are known to differ. `None` when either is unknown (replayed facts).
    pub fn differs_from(&self, other: &Password) -> Option<bool> {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Some(a != b),
            _ => None,
        }
    }
}

impl Serialize for Password {
    /// Always [`Secret`]'s redaction marker, known or not.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.clone().unwrap_or_default().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = String::deserialize(d)?;
        // A facts file never holds a real password; whatever it says, the value is unknown.
        let _ = w;
        Ok(Password(None))
    }
}

/// upsmon's role towards a UPS (nut-config's `Role`, with serde both ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Shuts the UPS down after the secondaries (`primary`, legacy `master`).
    Primary,
    /// Shuts down first and leaves the UPS alone (`secondary`, legacy `slave`).
    Secondary,
}

impl From<CfgRole> for Role {
    fn from(r: CfgRole) -> Self {
        match r {
            CfgRole::Primary => Role::Primary,
            CfgRole::Secondary => Role::Secondary,
        }
    }
}

impl Role {
    /// The word written in the files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Secondary => "secondary",
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FileFact {
    /// The file does not exist.
    Missing,
    /// It exists but could not be read.
    Unreadable {
        /// Why.
        reason: String,
    },
    /// Read and parsed.
    Parsed {
        /// Its path.
        path: String,
    },
}

/// A ups.conf section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsSection {
    /// The UPS name.
    pub name: String,
    /// Line of the `[name]` header.
    pub line: usize,
    /// `driver`.
    pub driver: Option<String>,
    /// `port`.
    pub port: Option<String>,
    /// `sdorder` (0 by default; -1 = excluded from `upsdrvctl shutdown`).
    pub sdorder: i32,
    /// The USB device-matching settings of the section (`vendorid`, `productid`, `serial`,
    /// `vendor`, `product`, `bus`, `device`, `busport`), as written.
    #[serde(default)]
    pub usb_match: std::collections::BTreeMap<String, String>,
}

/// A `LISTEN` address of upsd (the effective list: upsd's loopback defaults when none is written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenFact {
    /// Address as written.
    pub addr: String,
    /// Port.
    pub port: u16,
    /// Line (0 = built-in default).
    pub line: usize,
    /// Only reachable from this host.
    pub loopback: bool,
}

/// An upsd.users account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFact {
    /// The account name.
    pub name: String,
    /// Line of its `[name]` header.
    pub line: usize,
    /// `upsmon primary|secondary`, if set (without it upsd refuses `LOGIN`).
    pub upsmon: Option<Role>,
    /// Its password (redacted in JSON).
    pub password: Option<Password>,
    /// Its `actions` (SET, FSD).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Its `instcmds`.
    #[serde(default)]
    pub instcmds: Vec<String>,
}

/// An upsmon.conf `MONITOR` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorFact {
    /// The UPS watched.
    pub target: Target,
    /// Power value (0 = monitor only).
    pub power_value: u32,
    /// The upsd.users account used.
    pub user: String,
    /// Its password (redacted in JSON).
    pub password: Password,
    /// Primary or secondary.
    pub role: Role,
    /// The role word when it is NUT's old one (`master`, `slave`): still accepted, worth renaming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_word: Option<String>,
    /// Line.
    pub line: usize,
}

/// What upsmon.conf says about the shutdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsmonFact {
    /// `MONITOR` lines.
    pub monitors: Vec<MonitorFact>,
    /// `MINSUPPLIES`.
    pub minsupplies: u32,
    /// `SHUTDOWNCMD` words.
    pub shutdowncmd: Option<Vec<String>>,
    /// Whether the SHUTDOWNCMD program exists and is executable, as seen when the facts were gathered
    /// (`None`: not checked — a relative path, or no SHUTDOWNCMD).
    #[serde(default)]
    pub shutdowncmd_executable: Option<bool>,
    /// `POWERDOWNFLAG`.
    pub powerdownflag: Option<String>,
    /// `HOSTSYNC` seconds.
    pub hostsync: u32,
    /// `FINALDELAY` seconds.
    pub finaldelay: u32,
    /// `DEADTIME` seconds.
    pub deadtime: u32,
    /// `POLLFREQ` seconds.
    pub pollfreq: u32,
}

/// One located config diagnostic from nut-config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDiag {
    /// File as named when loaded.
    pub file: String,
    /// Physical line (0 = whole file).
    pub line: usize,
    /// Byte column (0 with line 0).
    pub col: usize,
    /// `true` for an error NUT rejects, `false` for a warning.
    pub error: bool,
    /// The kind's stable snake_case name (`unknown_directive`, `world_readable`…).
    pub kind: String,
    /// The human text (never a secret: nut-config's messages do not quote secret values).
    pub message: String,
}

/// The NUT configuration of one host, as the rules read it. `None` fields: that file was not read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HostConfig {
    /// The host's name, as other hosts' MONITOR lines would name it.
    pub host: String,
    /// The directory read.
    pub dir: String,
    /// The `MODE=` word as written in nut.conf (`None`: no nut.conf or no MODE line).
    pub mode: Option<String>,
    /// File name → what happened to it.
    pub files: std::collections::BTreeMap<String, FileFact>,
    /// ups.conf sections (`None`: ups.conf not parsed).
    pub upses: Option<Vec<UpsSection>>,
    /// upsd's effective LISTEN addresses (`None`: upsd.conf not parsed).
    pub listen: Option<Vec<ListenFact>>,
    /// upsd.users accounts (`None`: not parsed).
    pub users: Option<Vec<UserFact>>,
    /// upsmon.conf (`None`: not parsed).
    pub upsmon: Option<UpsmonFact>,
    /// Every diagnostic of every file.
    pub diagnostics: Vec<ConfigDiag>,
    /// Bytes in nut.conf that break the init scripts which source it as shell (Debian's
    /// `/lib/nut/nut-server` wrapper and friends): a CR before a line's LF (`MODE=netserver\r`), a
    /// UTF-8 BOM before the first line.
    pub shell_hazards: Vec<ShellHazard>,
    /// upssched.conf's timers: every START-TIMER and CANCEL-TIMER (`None`: not parsed).
    pub timers: Option<Vec<TimerFact>>,
}

/// The ups.conf keys that tell USB devices apart (nut-facts: usbhid-ups and friends match on them).
pub const USB_MATCH_KEYS: &[&str] = &[
    "vendorid",
    "productid",
    "serial",
    "vendor",
    "product",
    "bus",
    "device",
    "busport",
];

/// One upssched.conf `AT` line that starts or cancels a timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerFact {
    /// The timer's name.
    pub name: String,
    /// The event (`ONBATT`).
    pub event: String,
    /// `start` or `cancel`.
    pub kind: String,
    /// The line.
    pub line: usize,
}

/// A byte sequence in a file sourced as shell that the shell reads literally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellHazard {
    /// The file (`nut.conf`).
    pub file: String,
    /// The first line that has it (1-based).
    pub line: usize,
    /// How many lines have it.
    pub lines: usize,
    /// `crlf` or `bom`.
    pub kind: String,
}

/// The shell hazards of a parsed document's lines ([`HostConfig::shell_hazards`]).
pub fn shell_hazards(file: &str, lines: impl Iterator<Item = Vec<u8>>) -> Vec<ShellHazard> {
    let mut crlf: Option<ShellHazard> = None;
    let mut out = Vec::new();
    for (i, raw) in lines.enumerate() {
        if i == 0 && raw.starts_with(&[0xEF, 0xBB, 0xBF]) {
            out.push(ShellHazard {
                file: file.into(),
                line: 1,
                lines: 1,
                kind: "bom".into(),
            });
        }
        let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
        if body.ends_with(b"\r") {
            match &mut crlf {
                Some(h) => h.lines += 1,
                None => {
                    crlf = Some(ShellHazard {
                        file: file.into(),
                        line: i + 1,
                        lines: 1,
                        kind: "crlf".into(),
                    })
                }
            }
        }
    }
    out.extend(crlf);
    out
}

fn file_fact<V>(r: &FileReport<V>) -> FileFact {
    match &r.state {
        FileState::Missing => FileFact::Missing,
        FileState::Unreadable { reason } => FileFact::Unreadable {
            reason: reason.clone(),
        },
        FileState::Parsed { .. } => FileFact::Parsed {
            path: r.path.display().to_string(),
        },
    }
}

fn kind_name(e: &nut_config::ConfigError) -> String {
    // nut-config serializes the kind as {"kind": "snake_case_name", …}; reuse that stable name.
    serde_json::to_value(&e.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether the program a SHUTDOWNCMD starts with is an executable file. Only absolute paths are checked
/// (upsmon runs the command through `/bin/sh -c`, so a bare name depends on its PATH).
fn executable(cmd: &str) -> Option<bool> {
    // The command is one shell word in NUT <= 2.8.5: its program is the text up to the first blank.
    let program = cmd.split_whitespace().next()?;
    if !program.starts_with('/') {
        return None;
    }
    use std::os::unix::fs::PermissionsExt as _;
    Some(
        std::fs::metadata(program)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false),
    )
}

/// Where this host reaches its own upsd, from its LISTEN lines given as `(address, port, loopback)`: a
/// loopback address if upsd listens on one, 127.0.0.1 for a wildcard, else the first address as
/// written; NUT's default 127.0.0.1:3493 without any.
pub fn own_upsd_address<'a>(
    listen: impl Iterator<Item = (&'a str, u16, bool)> + Clone,
) -> (String, u16) {
    let wildcard = |a: &str| matches!(a, "0.0.0.0" | "::" | "*");
    if let Some((a, p, _)) = listen.clone().find(|l| l.2) {
        return (a.to_string(), p);
    }
    if let Some((_, p, _)) = listen.clone().find(|l| wildcard(l.0)) {
        return ("127.0.0.1".to_string(), p);
    }
    match listen.clone().next() {
        Some((a, p, _)) => (a.to_string(), p),
        None => ("127.0.0.1".to_string(), nut_proto::target::DEFAULT_PORT),
    }
}

impl HostConfig {
    /// The files that name UPSes (upsmon.conf, ups.conf) and could not be read, each with why
    /// (`upsmon.conf (permission denied)`): an empty map then means "not seen", never "none".
    pub fn unread_ups_files(&self) -> Vec<String> {
        ["upsmon.conf", "ups.conf"]
            .iter()
            .filter_map(|name| match self.files.get(*name) {
                Some(FileFact::Unreadable { reason }) => Some(format!("{name} ({reason})")),
                _ => None,
            })
            .collect()
    }

    /// The UPSes this host's own upsd serves (its ups.conf sections), as targets reachable from this
    /// host ([`own_upsd_address`]): what a doctor logs in to when no MONITOR line can be read, and the
    /// servers whose `LIST CLIENT` feeds the authority map.
    pub fn served_targets(&self) -> Vec<Target> {
        let listen = self.listen.iter().flatten();
        let (addr, port) = own_upsd_address(listen.map(|l| (l.addr.as_str(), l.port, l.loopback)));
        self.upses
            .iter()
            .flatten()
            .map(|u| Target::new(u.name.clone(), addr.clone(), port))
            .collect()
    }

    /// Reads the facts out of a loaded config directory. `host` names the host (for cross-host rules
    /// and the authority map).
    pub fn from_dir(host: impl Into<String>, dir: &ConfigDir) -> HostConfig {
        let mut files = std::collections::BTreeMap::new();
        files.insert("nut.conf".to_string(), file_fact(&dir.nut_conf));
        files.insert("ups.conf".to_string(), file_fact(&dir.ups_conf));
        files.insert("upsd.conf".to_string(), file_fact(&dir.upsd_conf));
        files.insert("upsd.users".to_string(), file_fact(&dir.upsd_users));
        files.insert("upsmon.conf".to_string(), file_fact(&dir.upsmon_conf));
        files.insert("upssched.conf".to_string(), file_fact(&dir.upssched_conf));
        let mode = dir
            .nut_conf
            .view()
            .and_then(|n| n.get("MODE").map(str::to_string));
        let upses = dir.ups_conf.view().map(|u| {
            u.upses
                .iter()
                .map(|s| UpsSection {
                    name: s.name.clone(),
                    line: s.line,
                    driver: s.driver.clone(),
                    port: s.port.clone(),
                    sdorder: s.sdorder,
                    usb_match: USB_MATCH_KEYS
                        .iter()
                        .filter_map(|k| s.get(k).map(|v| (k.to_string(), v.to_string())))
                        .collect(),
                })
                .collect()
        });
        let listen = dir.upsd_conf.view().map(|c| {
            c.effective_listen()
                .iter()
                .map(|l| ListenFact {
                    addr: l.addr.clone(),
                    port: l.port,
                    line: l.line,
                    loopback: l.is_loopback(),
                })
                .collect()
        });
        let users = dir.upsd_users.view().map(|u| {
            u.users
                .iter()
                .map(|x| UserFact {
                    name: x.name.clone(),
                    line: x.line,
                    upsmon: x.upsmon.map(Role::from),
                    password: x.password.clone().map(Password::new),
                    actions: x.actions.clone(),
                    instcmds: x.instcmds.clone(),
                })
                .collect()
        });
        let upsmon = dir.upsmon_conf.view().map(|m| UpsmonFact {
            monitors: m
                .monitors
                .iter()
                .map(|x| MonitorFact {
                    target: x.target.clone(),
                    power_value: x.power_value,
                    user: x.user.clone(),
                    password: Password::new(x.password.clone()),
                    role: x.role.into(),
                    legacy_word: nut_config::files::Role::is_legacy_word(&x.role_written)
                        .then(|| x.role_written.clone()),
                    line: x.line,
                })
                .collect(),
            minsupplies: m.minsupplies,
            shutdowncmd: m.shutdowncmd.clone(),
            shutdowncmd_executable: m
                .shutdowncmd
                .as_ref()
                .and_then(|w| w.first())
                .and_then(|cmd| executable(cmd)),
            powerdownflag: m.powerdownflag.clone(),
            hostsync: m.hostsync,
            finaldelay: m.finaldelay,
            deadtime: m.deadtime,
            pollfreq: m.pollfreq,
        });
        let diagnostics = dir
            .diagnostics()
            .iter()
            .map(|e| ConfigDiag {
                file: e.file.clone(),
                line: e.line,
                col: e.col,
                error: e.is_error(),
                kind: kind_name(e),
                message: e.kind.to_string(),
            })
            .collect();
        HostConfig {
            host: host.into(),
            dir: dir.dir.display().to_string(),
            mode,
            files,
            upses,
            listen,
            users,
            upsmon,
            diagnostics,
            timers: dir.upssched_conf.view().map(|u| {
                use nut_config::files::upssched_conf::Action;
                u.at.iter()
                    .filter_map(|a| {
                        let (name, kind) = match &a.action {
                            Action::StartTimer { name, .. }
                            | Action::StartTimerShared { name, .. } => (name, "start"),
                            Action::CancelTimer { name, .. }
                            | Action::CancelTimerMatched { name, .. } => (name, "cancel"),
                            Action::Execute { .. } => return None,
                        };
                        Some(TimerFact {
                            name: name.clone(),
                            event: a.event.clone(),
                            kind: kind.into(),
                            line: a.line,
                        })
                    })
                    .collect()
            }),
            shell_hazards: match &dir.nut_conf.state {
                FileState::Parsed { doc, .. } => {
                    shell_hazards("nut.conf", doc.lines().iter().map(|l| l.raw().to_vec()))
                }
                _ => Vec::new(),
            },
        }
    }

    /// The parsed MODE (`None` when absent or not a word NUT knows).
    pub fn mode(&self) -> Option<nut_config::files::nut_conf::Mode> {
        self.mode
            .as_deref()
            .and_then(nut_config::files::nut_conf::Mode::parse)
    }

    /// Whether this host's ups.conf defines `ups`.
    pub fn drives(&self, ups: &str) -> bool {
        self.upses
            .as_ref()
            .is_some_and(|u| u.iter().any(|s| s.name == ups))
    }
}
