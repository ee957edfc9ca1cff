//! The data an embedded server answers from: UPSes, their variables and commands, users.
//!
//! Plain data, no tokio: tests and demos build a [`Store`] by hand or from a dummy-ups `.dev` file
//! ([`Store::from_dev`]), hand it to the server, and may change it while the server runs (mark a UPS
//! stale, change `ups.status`). Names are looked up ignoring ASCII case, like upsd; each keeps the
//! spelling it was added with for `LIST` output.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::reply::{ValueKind, VarType};
use crate::secret::Secret;
use crate::server::cmdvartab::Descriptions;
use crate::server::request::{tokenize, Tokenized};

/// Whether the (imaginary) driver behind a UPS is answering: drives upsd's `ERR DRIVER-NOT-CONNECTED`
/// and `ERR DATA-STALE`, the two failures diagnosis most needs to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DriverState {
    /// Fresh data: requests are answered.
    #[default]
    Connected,
    /// Driver connected but silent or declared stale: `ERR DATA-STALE`.
    Stale,
    /// No driver socket: `ERR DRIVER-NOT-CONNECTED`.
    NotConnected,
}

/// One variable: value and the metadata GET TYPE/DESC and LIST ENUM/RANGE report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarData {
    /// Name as listed (case kept).
    pub name: String,
    /// Current value, unescaped bytes.
    pub value: Vec<u8>,
    /// Flags for GET TYPE; `rw` decides whether SET VAR is allowed.
    pub ty: VarType,
    /// Text for GET DESC; `None`: the store's [`Store::descriptions`], as upsd answers.
    pub desc: Option<String>,
    /// Allowed values (LIST ENUM); SET VAR must pick one when `ty.enumerated`.
    pub enum_values: Vec<Vec<u8>>,
    /// Allowed ranges (LIST RANGE); SET VAR must fall in one when `ty.range`.
    pub ranges: Vec<(i64, i64)>,
}

impl VarData {
    /// A read-only string variable sized to its value (at least upsd's usual 32).
    pub fn new(name: &str, value: impl Into<Vec<u8>>) -> Self {
        let value = value.into();
        let max_len = u32::try_from(value.len()).unwrap_or(u32::MAX).max(32);
        VarData {
            name: name.to_owned(),
            value,
            ty: VarType {
                rw: false,
                enumerated: false,
                range: false,
                kind: ValueKind::String { max_len },
            },
            desc: None,
            enum_values: Vec::new(),
            ranges: Vec::new(),
        }
    }
}

/// An instant command a UPS offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdData {
    /// Name as listed.
    pub name: String,
    /// Text for GET CMDDESC; `None`: the store's [`Store::descriptions`], as upsd answers.
    pub desc: Option<String>,
    /// What the (imaginary) driver answers when it runs: the result GET TRACKING reports.
    pub reply: DriverReply,
}

/// A driver's answer to an instant command or a SET, as upsd reports it to GET TRACKING.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DriverReply {
    /// Done: `SUCCESS`.
    #[default]
    Handled,
    /// The driver does not know it (dummy-ups' answer to every command): `ERR UNKNOWN`.
    Unknown,
    /// Bad argument: `ERR INVALID-ARGUMENT`.
    Invalid,
    /// Tried and failed: `ERR FAILED`.
    Failed,
}

impl DriverReply {
    /// The GET TRACKING line upsd 2.8 sends for this result.
    pub fn tracking_text(self) -> &'static str {
        match self {
            DriverReply::Handled => "SUCCESS",
            DriverReply::Unknown => "ERR UNKNOWN",
            DriverReply::Invalid => "ERR INVALID-ARGUMENT",
            DriverReply::Failed => "ERR FAILED",
        }
    }
}

/// One UPS section: what upsd knows from ups.conf plus what its driver publishes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpsData {
    /// Name as listed by LIST UPS.
    pub name: String,
    /// ups.conf `desc` (GET UPSDESC says `Unavailable`, LIST UPS `Description unavailable` when unset).
    pub desc: Option<String>,
    /// Driver health.
    pub state: DriverState,
    /// The FSD latch (set by the FSD command; prefixes `ups.status` with `FSD `).
    pub fsd: bool,
    /// Addresses of clients currently logged in (LIST CLIENT, GET NUMLOGINS).
    pub clients: Vec<String>,
    vars: BTreeMap<String, VarData>,
    cmds: BTreeMap<String, CmdData>,
}

/// Longest logical line (continuations and open quotes included) [`UpsData::from_dev`] keeps joining;
/// past it the line is dropped, so a file with a stray quote costs linear time, not quadratic.
pub const MAX_DEV_LOGICAL_LINE: usize = 64 * 1024;

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl UpsData {
    /// An empty UPS with a connected driver.
    pub fn new(name: &str) -> Self {
        UpsData {
            name: name.to_owned(),
            ..UpsData::default()
        }
    }

    /// Adds or replaces a variable.
    pub fn insert_var(&mut self, var: VarData) -> &mut VarData {
        let k = key(&var.name);
        self.vars.insert(k.clone(), var);
        // invariant: just inserted under `k`; the fallback is never taken.
        self.vars
            .entry(k)
            .or_insert_with(|| VarData::new("", Vec::new()))
    }

    /// Sets a variable's value, creating a string variable if it does not exist yet.
    pub fn set_value(&mut self, name: &str, value: impl Into<Vec<u8>>) -> &mut VarData {
        let value = value.into();
        let var = self
            .vars
            .entry(key(name))
            .or_insert_with(|| VarData::new(name, Vec::new()));
        var.value = value;
        var
    }

    /// A variable, by name ignoring case.
    pub fn var(&self, name: &str) -> Option<&VarData> {
        self.vars.get(&key(name))
    }

    /// A variable to change, by name ignoring case.
    pub fn var_mut(&mut self, name: &str) -> Option<&mut VarData> {
        self.vars.get_mut(&key(name))
    }

    /// Removes a variable.
    pub fn remove_var(&mut self, name: &str) -> Option<VarData> {
        self.vars.remove(&key(name))
    }

    /// Variables sorted by name ignoring case (upsd's LIST VAR order).
    pub fn vars(&self) -> impl Iterator<Item = &VarData> {
        self.vars.values()
    }

    /// Adds (or replaces) an instant command that the driver handles; the returned entry may be
    /// changed (its [`CmdData::reply`]).
    pub fn add_command(&mut self, name: &str, desc: Option<&str>) -> &mut CmdData {
        let k = key(name);
        let cmd = CmdData {
            name: name.to_owned(),
            desc: desc.map(str::to_owned),
            reply: DriverReply::Handled,
        };
        self.cmds.insert(k.clone(), cmd.clone());
        // invariant: just inserted under `k`; the fallback is never taken.
        self.cmds.entry(k).or_insert(cmd)
    }

    /// An instant command, by name ignoring case.
    pub fn command(&self, name: &str) -> Option<&CmdData> {
        self.cmds.get(&key(name))
    }

    /// Instant commands sorted by name.
    pub fn commands(&self) -> impl Iterator<Item = &CmdData> {
        self.cmds.values()
    }

    /// The value GET VAR and LIST VAR report: `ups.status` gets the `FSD ` prefix while the latch is
    /// set, as upsd does.
    pub fn reported_value<'a>(&self, var: &'a VarData) -> Cow<'a, [u8]> {
        if self.fsd && var.name.eq_ignore_ascii_case("ups.status") {
            let mut v = b"FSD ".to_vec();
            v.extend_from_slice(&var.value);
            Cow::Owned(v)
        } else {
            Cow::Borrowed(&var.value)
        }
    }

    /// A client's accepted `SET VAR`, applied as dummy-ups 2.8.0 applies it (its `setvar`): a name
    /// starting with `ups.status` (case-sensitive, as dummy-ups compares) sets the status to the value
    /// as sent, an empty one included; otherwise an empty value deletes the variable (later requests
    /// get `VAR-NOT-SUPPORTED`) and any other value replaces the old one, typed from dummy-ups' name
    /// table.
    pub fn set_from_client(&mut self, name: &str, value: &[u8]) {
        if name.starts_with("ups.status") {
            self.set_status(status_join(&[Cow::Borrowed(value)]));
        } else {
            // The driver core keeps 255 bytes of a value (a 256-byte buffer with the NUL).
            self.driver_setvar(name, value.get(..255).unwrap_or(value).to_vec());
        }
    }

    /// dummy-ups' `setvar` for a name that is not the status.
    fn driver_setvar(&mut self, name: &str, value: Vec<u8>) {
        if value.is_empty() {
            self.remove_var(name);
        } else {
            self.set_value(name, value).ty = dummy_ups_type(name);
        }
    }

    /// Sets a value the driver core publishes without flags (upsd: read-only `NUMBER`); an existing
    /// variable keeps its type.
    fn set_core(&mut self, name: &str, value: Vec<u8>) {
        let exists = self.var(name).is_some();
        let var = self.set_value(name, value);
        if !exists {
            var.ty = dummy_ups_type("driver.");
        }
    }

    /// Sets `ups.status`, keeping its type (dummy-ups' status path never retypes it).
    fn set_status(&mut self, value: Vec<u8>) {
        let exists = self.var("ups.status").is_some();
        let var = self.set_value("ups.status", value);
        if !exists {
            var.ty = dummy_ups_type("ups.status");
        }
    }

    /// Reads a dummy-ups definition file (`.dev`/`.seq`, or an `upsc` dump) into a UPS, as
    /// dummy-ups 2.8.0 and the driver core publish it (facts of NUT's drivers/dummy-ups.c,
    /// dummy-ups.h and main.c, each checked against the real dummy-ups + upsd by nutctl's
    /// `e2e_serve` tests):
    /// - `device.type` is `ups` (read-only) unless the file sets it; `ups.mfr`, `ups.model` and
    ///   `ups.status` start as dummy-ups' defaults (`Dummy Manufacturer`, `Dummy UPS`, `OL`);
    /// - then every line as [`UpsData::apply_dev_text`] reads it;
    /// - then `device.mfr`, `device.model` and `device.serial` are copied from `ups.mfr`,
    ///   `ups.model` and `ups.serial` where those exist (read-only when the file did not have them).
    ///
    /// Types as dummy-ups gives them: its own name table's (`RW NUMBER`, `RW STRING:n`),
    /// `RW STRING:32` for any other name. One difference on purpose: `driver.*` lines, which
    /// dummy-ups skips to publish its own (`driver.name: dummy-ups`…), are kept read-only, so the
    /// served UPS shows the driver of the device the dump came from. Like dummy-ups every UPS offers
    /// the instant command `load.off`. Never fails: lines it cannot read are skipped.
    pub fn from_dev(name: &str, text: impl AsRef<[u8]>) -> UpsData {
        let mut ups = UpsData::new(name);
        // dummy-ups' own instant command, offered whatever the file holds; its driver answers
        // every command "unknown".
        ups.add_command("load.off", None).reply = DriverReply::Unknown;
        ups.set_core("device.type", b"ups".to_vec());
        for (var, value) in DUMMY_UPS_DEFAULTS {
            ups.set_value(var, value.as_bytes().to_vec()).ty = dummy_ups_type(var);
        }
        ups.apply_dev_text(text);
        for (from, to) in [
            ("ups.mfr", "device.mfr"),
            ("ups.model", "device.model"),
            ("ups.serial", "device.serial"),
        ] {
            if let Some(value) = ups.var(from).map(|v| v.value.clone()) {
                ups.set_core(to, value);
            }
        }
        ups
    }

    /// Applies the lines of a definition file (or one state of a `.seq`) as dummy-ups' parser does:
    /// parseconf tokenizing (comments, quotes, escapes, continuation lines); the first word is the
    /// name, cut at its first `:` (a line without `:` names a variable too); `driver.*` lines are
    /// kept read-only (see [`UpsData::from_dev`]); a name starting with `ups.status` sets the status
    /// to the other words joined by single spaces; any other name gets the other words joined by
    /// single spaces, cut to dummy-ups' 127-byte buffer, through dummy-ups' `setvar` (an empty
    /// value deletes the variable). A line with no word after the name reuses the value of the
    /// previous such line, as dummy-ups' parser reuses its value buffer (before any, the value is
    /// empty; dummy-ups' buffer is then uninitialised).
    pub fn apply_dev_text(&mut self, text: impl AsRef<[u8]>) {
        let mut last = Vec::new();
        for_each_logical_line(text.as_ref(), |words| {
            self.apply_dev_words(words, &mut last);
        });
    }

    fn apply_dev_words(&mut self, words: &[Cow<'_, [u8]>], last: &mut Vec<u8>) {
        let Some((first, rest)) = words.split_first() else {
            return;
        };
        let cut = memchr::memchr(b':', first).unwrap_or(first.len());
        let Ok(name) = std::str::from_utf8(first.get(..cut).unwrap_or_default()) else {
            return;
        };
        // A `TIMER` line pauses dummy-ups' parser (`.seq` playback splits there, see [`sequence`]).
        if name.is_empty() || name.starts_with("TIMER") {
            return;
        }
        if name.starts_with("driver.") {
            let var = self.set_value(name, value_join(rest));
            var.ty = dummy_ups_type(name);
            return;
        }
        if name.starts_with("ups.status") {
            self.set_status(status_join(rest));
            return;
        }
        if !rest.is_empty() {
            *last = value_join(rest);
        }
        self.driver_setvar(name, last.clone());
    }
}

/// dummy-ups' variables set before the file is read (`DU_FLAG_INIT` in drivers/dummy-ups.h).
const DUMMY_UPS_DEFAULTS: [(&str, &str); 3] = [
    ("ups.mfr", "Dummy Manufacturer"),
    ("ups.model", "Dummy UPS"),
    ("ups.status", "OL"),
];

/// Appends `piece` to `out` as NUT's `snprintfcat(out, size, "%s", piece)` does: the result holds at
/// most `size - 2` bytes (one for the NUL, one lost to its `size--`), and nothing is appended once
/// that is reached.
fn snprintfcat(out: &mut Vec<u8>, piece: &[u8], size: usize) {
    let room = size.saturating_sub(2).saturating_sub(out.len());
    out.extend_from_slice(piece.get(..room).unwrap_or(piece));
}

/// A value as dummy-ups' parser builds it in its 128-byte buffer: the first word by `snprintf`
/// (127 bytes at most), each further one appended as ` word` by `snprintfcat`.
fn value_join(words: &[Cow<'_, [u8]>]) -> Vec<u8> {
    const SIZE: usize = 128;
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.extend_from_slice(w.get(..SIZE - 1).unwrap_or(w));
        } else if out.len() < SIZE - 1 {
            let mut piece = vec![b' '];
            piece.extend_from_slice(w);
            snprintfcat(&mut out, &piece, SIZE);
        }
    }
    out
}

/// A status as the driver core builds it (`status_set` per word into a 256-byte buffer): words
/// separated by a space once the buffer holds something.
fn status_join(words: &[Cow<'_, [u8]>]) -> Vec<u8> {
    const SIZE: usize = 256;
    let mut out = Vec::new();
    for w in words {
        let mut piece = Vec::with_capacity(w.len() + 1);
        if !out.is_empty() {
            piece.push(b' ');
        }
        piece.extend_from_slice(w);
        snprintfcat(&mut out, &piece, SIZE);
    }
    out
}

/// Calls `f` with the words of each logical line of parseconf text (dummy-ups' definition files,
/// NUT's cmdvartab): comments, quotes, escapes and continuation lines as parseconf reads them, and
/// bytes outside 0x20..=0x7F dropped from words as parseconf drops them. A
/// line that cannot be tokenized is skipped, and a logical line longer than
/// [`MAX_DEV_LOGICAL_LINE`] (a stray quote swallowing the file) is dropped, so the cost stays linear.
pub(crate) fn for_each_logical_line(text: &[u8], mut f: impl FnMut(&[Cow<'_, [u8]>])) {
    let mut pending: Vec<u8> = Vec::new();
    let mut lines = text.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        pending.extend_from_slice(line);
        match tokenize(&pending) {
            Ok(Tokenized::Complete(mut words)) => {
                // parseconf keeps only bytes 0x20..=0x7F in a word (NUT's CVE-2012-2944 fix);
                // upsd's request reader here keeps them, on purpose (server/request.rs).
                for w in words.iter_mut() {
                    if w.iter().any(|b| !(0x20..=0x7f).contains(b)) {
                        *w = Cow::Owned(
                            w.iter()
                                .copied()
                                .filter(|b| (0x20..=0x7f).contains(b))
                                .collect(),
                        );
                    }
                }
                f(&words)
            }
            Ok(Tokenized::Partial { keep })
                if lines.peek().is_some() && pending.len() <= MAX_DEV_LOGICAL_LINE =>
            {
                pending.truncate(keep);
                continue;
            }
            Ok(Tokenized::Partial { .. }) | Err(_) => {}
        }
        pending.clear();
    }
}

/// dummy-ups' name table (NUT's drivers/dummy-ups.h, as facts): the variables it types itself,
/// with `Some(n)` for `STRING:n` and `None` for `NUMBER`; all of them writable. Sorted by name.
const DUMMY_UPS_TYPES: &[(&str, Option<u32>)] = &[
    ("ambient.humidity", None),
    ("ambient.humidity.alarm", None),
    ("ambient.humidity.high", None),
    ("ambient.humidity.low", None),
    ("ambient.temperature", None),
    ("ambient.temperature.alarm", None),
    ("ambient.temperature.high", None),
    ("ambient.temperature.low", None),
    ("battery.charge", None),
    ("battery.charge.low", None),
    ("battery.charge.restart", None),
    ("battery.current", None),
    ("battery.runtime", None),
    ("battery.runtime.low", None),
    ("battery.temperature", None),
    ("battery.voltage", None),
    ("battery.voltage.nominal", None),
    ("input.frequency", None),
    ("input.quality", Some(6)),
    ("input.sensitivity", Some(1)),
    ("input.transfer.boost.high", None),
    ("input.transfer.boost.low", None),
    ("input.transfer.high", None),
    ("input.transfer.low", None),
    ("input.transfer.reason", Some(1)),
    ("input.transfer.trim.high", None),
    ("input.transfer.trim.low", None),
    ("input.voltage", None),
    ("input.voltage.maximum", None),
    ("input.voltage.minimum", None),
    ("input.voltage.nominal", None),
    ("output.current", None),
    ("output.frequency", None),
    ("output.voltage", None),
    ("ups.alarm", Some(32)),
    ("ups.date", Some(16)),
    ("ups.delay.reboot", None),
    ("ups.delay.shutdown", None),
    ("ups.delay.start", None),
    ("ups.firmware", Some(16)),
    ("ups.firmware.aux", Some(16)),
    ("ups.id", Some(16)),
    ("ups.load", None),
    ("ups.mfr", Some(32)),
    ("ups.mfr.date", Some(16)),
    ("ups.model", Some(32)),
    ("ups.serial", Some(32)),
    ("ups.status", Some(32)),
    ("ups.temperature", None),
    ("ups.test.interval", None),
    ("ups.test.result", Some(16)),
    ("ups.time", Some(16)),
];

/// The type dummy-ups gives a variable it reads from a dump: its table's, else `RW STRING:32`;
/// `driver.*` variables are the driver's own (dummy-ups skips them in a dump), read-only.
fn dummy_ups_type(name: &str) -> VarType {
    let lower = key(name);
    if lower.starts_with("driver.") {
        return VarType {
            rw: false,
            enumerated: false,
            range: false,
            kind: ValueKind::Number,
        };
    }
    let kind = match DUMMY_UPS_TYPES.binary_search_by(|(n, _)| n.cmp(&lower.as_str())) {
        Ok(i) => match DUMMY_UPS_TYPES.get(i).and_then(|(_, len)| *len) {
            Some(max_len) => ValueKind::String { max_len },
            None => ValueKind::Number,
        },
        Err(_) => ValueKind::String { max_len: 32 },
    };
    VarType {
        rw: true,
        enumerated: false,
        range: false,
        kind,
    }
}

/// The longest a state of a dummy-ups sequence may last (a `TIMER` value): one day. Longer values
/// are typos (`TIMER 1e300`), refused at load instead of overflowing a timer during playback.
pub const MAX_TIMER: Duration = Duration::from_secs(86_400);

/// One state of a dummy-ups sequence (`.seq`): its `name: value` lines (read with
/// [`UpsData::from_dev`]) and how long it lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The `name: value` lines of this state.
    pub text: String,
    /// How long before the next state (the `TIMER n` after it); `None` for the last state of a file
    /// that does not end with a `TIMER` (a plain `.dev` is one such state).
    pub hold: Option<Duration>,
}

/// A `TIMER` line whose value is not a number of seconds from 0 to [`MAX_TIMER`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: TIMER {value:?} is not a number of seconds from 0 to {max}", max = MAX_TIMER.as_secs())]
pub struct TimerError {
    /// Physical line (1-based).
    pub line: usize,
    /// The value as written (empty when missing).
    pub value: String,
}

/// Splits a dummy-ups dump into states at its `TIMER <seconds>` lines, as dummy-ups plays a `.seq`
/// file (a `.dev` without TIMER is one state). Every TIMER value is checked here, at load.
pub fn sequence(text: &str) -> Result<Vec<Frame>, TimerError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if words.next() != Some("TIMER") {
            cur.push_str(line);
            cur.push('\n');
            continue;
        }
        let value = words.next().unwrap_or_default();
        let hold = value
            .parse::<f64>()
            .ok()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .filter(|d| *d <= MAX_TIMER)
            .ok_or_else(|| TimerError {
                line: i + 1,
                value: value.to_string(),
            })?;
        out.push(Frame {
            text: std::mem::take(&mut cur),
            hold: Some(hold),
        });
    }
    if !cur.trim().is_empty() || out.is_empty() {
        out.push(Frame {
            text: cur,
            hold: None,
        });
    }
    Ok(out)
}

/// A upsmon role granted to a user (`upsmon primary|secondary` in upsd.users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsmonRole {
    /// May LOGIN, PRIMARY/MASTER and FSD.
    Primary,
    /// May LOGIN only.
    Secondary,
}

/// One upsd.users section. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// User name (matched exactly, as upsd does).
    pub name: String,
    password: Secret,
    /// `actions = SET`.
    pub can_set: bool,
    /// `actions = FSD`.
    pub can_fsd: bool,
    /// `instcmds = …` (`ALL` allows every command).
    pub instcmds: Vec<String>,
    /// `upsmon primary|secondary`.
    pub upsmon: Option<UpsmonRole>,
}

impl User {
    /// A user with no rights yet.
    pub fn new(name: &str, password: &str) -> Self {
        User {
            name: name.to_owned(),
            password: Secret::new(password),
            can_set: false,
            can_fsd: false,
            instcmds: Vec::new(),
            upsmon: None,
        }
    }

    /// Grants `upsmon <role>`.
    pub fn upsmon(mut self, role: UpsmonRole) -> Self {
        self.upsmon = Some(role);
        self
    }

    /// Grants `actions = SET`.
    pub fn allow_set(mut self) -> Self {
        self.can_set = true;
        self
    }

    /// Grants `actions = FSD`.
    pub fn allow_fsd(mut self) -> Self {
        self.can_fsd = true;
        self
    }

    /// Grants one instant command (or `ALL`).
    pub fn allow_instcmd(mut self, cmd: &str) -> Self {
        self.instcmds.push(cmd.to_owned());
        self
    }

    /// Whether `password` is this user's password.
    pub fn password_is(&self, password: &str) -> bool {
        self.password.expose() == password
    }

    /// Whether the user may run instant command `cmd` (case-insensitive, or `ALL`).
    pub fn may_instcmd(&self, cmd: &str) -> bool {
        self.instcmds
            .iter()
            .any(|c| c.eq_ignore_ascii_case("ALL") || c.eq_ignore_ascii_case(cmd))
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("password", &self.password)
            .field("can_set", &self.can_set)
            .field("can_fsd", &self.can_fsd)
            .field("instcmds", &self.instcmds)
            .field("upsmon", &self.upsmon)
            .finish()
    }
}

/// Everything a server knows: UPSes by name and users by name.
#[derive(Debug, Clone, Default)]
pub struct Store {
    upses: BTreeMap<String, UpsData>,
    users: BTreeMap<String, User>,
    /// What GET DESC / GET CMDDESC answer for names whose [`VarData::desc`] / [`CmdData::desc`]
    /// is unset (upsd's cmdvartab; empty: `Description unavailable`).
    pub descriptions: Descriptions,
}

impl Store {
    /// An empty store (a server with no UPS answers LIST UPS with an empty list).
    pub fn new() -> Self {
        Store::default()
    }

    /// Sets text values on UPS `ups` (creating variables that do not exist yet); `false` if there is
    /// no such UPS. What a playback or a test changes while the server runs.
    pub fn set_values(&mut self, ups: &str, vars: &[(&str, &str)]) -> bool {
        let Some(u) = self.ups_mut(ups) else {
            return false;
        };
        for (name, value) in vars {
            u.set_value(name, value.as_bytes().to_vec());
        }
        true
    }

    /// A store with one UPS read from a dummy-ups `.dev` file; see [`UpsData::from_dev`].
    pub fn from_dev(name: &str, text: impl AsRef<[u8]>) -> Self {
        let mut store = Store::new();
        store.insert_ups(UpsData::from_dev(name, text));
        store
    }

    /// Adds or replaces a UPS.
    pub fn insert_ups(&mut self, ups: UpsData) -> &mut UpsData {
        let k = key(&ups.name);
        self.upses.insert(k.clone(), ups);
        // invariant: just inserted under `k`; the fallback is never taken.
        self.upses.entry(k).or_default()
    }

    /// A UPS by name ignoring case.
    pub fn ups(&self, name: &str) -> Option<&UpsData> {
        self.upses.get(&key(name))
    }

    /// A UPS to change, by name ignoring case.
    pub fn ups_mut(&mut self, name: &str) -> Option<&mut UpsData> {
        self.upses.get_mut(&key(name))
    }

    /// UPSes sorted by name.
    pub fn upses(&self) -> impl Iterator<Item = &UpsData> {
        self.upses.values()
    }

    /// Adds or replaces a user.
    pub fn insert_user(&mut self, user: User) {
        self.users.insert(user.name.clone(), user);
    }

    /// A user by exact name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_grammar() {
        let text = b"# comment\nbattery.charge: 96\nups.status: OL  CHRG\nups.mfr: \"Quoted \\#1\"\nbad.hash: \"a#b\"\n\
                     device.serial: 000  # trailing\nTIMER 5\nALARM x\nweird:junk rest\n\
                     ups.id: 79<>/\\\nnext.var: 1\nbad.mfr: \"Exide\nswallowed: 2\"\nafter: 3\n";
        let ups = UpsData::from_dev("pi", text);
        let v = |n: &str| String::from_utf8(ups.var(n).unwrap().value.clone()).unwrap();
        assert_eq!(v("battery.charge"), "96");
        assert_eq!(
            ups.var("battery.charge").unwrap().ty.kind,
            ValueKind::Number
        );
        assert_eq!(v("ups.status"), "OL CHRG");
        assert_eq!(v("UPS.MFR"), "Quoted #1");
        assert_eq!(v("device.serial"), "000");
        assert!(ups.var("bad.hash").is_none());
        assert_eq!(v("weird"), "rest");
        // A trailing backslash joins the next line, as in parseconf.
        assert_eq!(v("ups.id"), "79<>/next.var: 1");
        assert!(ups.var("next.var").is_none());
        // An unterminated quote swallows the next line.
        assert_eq!(v("bad.mfr"), "Exideswallowed: 2");
        assert_eq!(v("after"), "3");
        assert!(ups.var("TIMER").is_none());
        // A line without `:` names a variable, as in dummy-ups.
        assert_eq!(v("ALARM"), "x");
        // Only what the driver core adds itself is read-only.
        let ro: Vec<&str> = ups
            .vars()
            .filter(|v| !v.ty.rw)
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(ro, ["device.mfr", "device.model", "device.type"]);
    }

    #[test]
    fn dummy_ups_value_rules() {
        let long = format!("{} {}", "M".repeat(60), "N".repeat(80));
        let text = format!(
            "ups.firmware:\nplain.word value here\nlonely\nups.mfr: \"\"\nups.model: {long}\n\
             ups.status.extra: OB  LB\nUps.Serial: S1\ndevice.Model: dm\ndevice.serial: DS\n\
             battery.charge: 7\nups.alarm:\ndriver.name: usbhid-ups\nTIMERX 3\n"
        );
        let ups = UpsData::from_dev("pi", text);
        let v = |n: &str| {
            ups.var(n)
                .map(|v| String::from_utf8(v.value.clone()).unwrap())
        };
        // No value before any: empty, so deleted (dummy-ups reads an uninitialised buffer).
        assert_eq!(v("ups.firmware"), None);
        assert_eq!(v("plain.word").as_deref(), Some("value here"));
        // No value: the previous line's.
        assert_eq!(v("lonely").as_deref(), Some("value here"));
        assert_eq!(v("ups.alarm").as_deref(), Some("7"));
        // An empty value deletes, the default included; then there is nothing to mirror.
        assert_eq!(v("ups.mfr"), None);
        assert_eq!(v("device.mfr"), None);
        // 127-byte buffer: the first word whole, then ` word`s up to 126 bytes.
        let model = v("ups.model").unwrap();
        assert_eq!(model.len(), 126);
        assert_eq!(v("device.model").as_deref(), Some(model.as_str()));
        assert_eq!(ups.var("device.model").unwrap().name, "device.Model");
        assert!(
            ups.var("device.model").unwrap().ty.rw,
            "the file's own line typed it"
        );
        assert_eq!(v("ups.status").as_deref(), Some("OB LB"));
        assert!(ups.var("ups.status.extra").is_none());
        assert_eq!(v("device.serial").as_deref(), Some("S1"));
        assert_eq!(v("device.type").as_deref(), Some("ups"));
        assert!(!ups.var("device.type").unwrap().ty.rw);
        assert_eq!(v("driver.name").as_deref(), Some("usbhid-ups"));
        assert!(v("TIMERX").is_none());
        // The defaults stand when the file does not set them.
        let bare = UpsData::from_dev("b", "battery.charge: 5\n");
        let b = |n: &str| bare.var(n).map(|v| (v.value.clone(), v.ty.rw));
        assert_eq!(b("ups.mfr"), Some((b"Dummy Manufacturer".to_vec(), true)));
        assert_eq!(
            b("device.mfr"),
            Some((b"Dummy Manufacturer".to_vec(), false))
        );
        assert_eq!(b("ups.model"), Some((b"Dummy UPS".to_vec(), true)));
        assert_eq!(b("ups.status"), Some((b"OL".to_vec(), true)));
        assert_eq!(b("device.serial"), None);
    }

    #[test]
    fn client_set_as_dummy_ups_setvar() {
        let mut ups = UpsData::from_dev("pi", "ups.status: OL\nups.mfr: APC\nbattery.charge: 9\n");
        ups.set_from_client("ups.status", b"OB  LB");
        assert_eq!(ups.var("ups.status").unwrap().value, b"OB  LB");
        // The status is never deleted: an empty value is an empty status.
        ups.set_from_client("ups.status", b"");
        assert_eq!(ups.var("ups.status").unwrap().value, b"");
        ups.set_from_client("ups.mfr", b"");
        assert!(ups.var("ups.mfr").is_none());
        ups.set_from_client("battery.charge", b"10");
        assert_eq!(
            ups.var("battery.charge").unwrap().ty.kind,
            ValueKind::Number
        );
        // dummy-ups compares `ups.status` case-sensitively: another spelling is a plain variable.
        ups.set_from_client("UPS.STATUS", b"");
        assert!(ups.var("ups.status").is_none());
    }

    #[test]
    fn joins_follow_nuts_snprintfcat() {
        fn w<'a>(ws: &[&'a str]) -> Vec<Cow<'a, [u8]>> {
            ws.iter().map(|s| Cow::Borrowed(s.as_bytes())).collect()
        }
        assert_eq!(value_join(&w(&["a", "b", "c"])), b"a b c");
        let big = "x".repeat(200);
        assert_eq!(value_join(&w(&[&big, "y"])).len(), 127);
        assert_eq!(value_join(&w(&[&"x".repeat(126), "y"])).len(), 126);
        assert_eq!(status_join(&w(&["", "OL", "", "LB"])), b"OL  LB");
        assert_eq!(status_join(&w(&[&big, &big])).len(), 254);
    }

    #[test]
    fn bytes_parseconf_discards_are_dropped() {
        // A real dump (Tripp Lite SU1500RTXL2UA) pads ups.model with U+00A0.
        let ups = UpsData::from_dev(
            "t",
            b"ups.model: \xc2\xa0 \xc2\xa0 TRIPP LITE U\nups.id: a\x7fb\x01c\n",
        );
        assert_eq!(ups.var("ups.model").unwrap().value, b"  TRIPP LITE U");
        assert_eq!(ups.var("ups.id").unwrap().value, b"a\x7fbc");
    }

    #[test]
    fn types_and_commands_as_dummy_ups_gives_them() {
        assert!(DUMMY_UPS_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        let ups = UpsData::from_dev(
            "pi",
            "battery.charge: 96\nups.mfr: APC\ninput.quality: ok\nbattery.charge.warning: 50\n\
             driver.name: usbhid-ups\nDriver.Version: 2.8.0\n",
        );
        let ty = |n: &str| ups.var(n).map(|v| v.ty).unwrap();
        assert_eq!(ty("battery.charge").kind, ValueKind::Number);
        assert_eq!(ty("ups.mfr").kind, ValueKind::String { max_len: 32 });
        assert_eq!(ty("input.quality").kind, ValueKind::String { max_len: 6 });
        // Not in dummy-ups' table: a string of 32, even when it looks like a number.
        assert_eq!(
            ty("battery.charge.warning").kind,
            ValueKind::String { max_len: 32 }
        );
        assert!(ty("battery.charge").rw && ty("ups.mfr").rw);
        assert!(!ty("driver.name").rw && !ty("driver.version").rw);
        let cmds: Vec<&str> = ups.commands().map(|c| c.name.as_str()).collect();
        assert_eq!(cmds, ["load.off"]);
        assert_eq!(UpsData::from_dev("empty", "").commands().count(), 1);
        assert!(UpsData::new("bare").commands().next().is_none());
    }

    #[test]
    fn seq_files_split_at_timer_lines() {
        let f = sequence("ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 2.5\n").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0],
            Frame {
                text: "ups.status: OL\n".into(),
                hold: Some(Duration::from_secs(5))
            }
        );
        assert_eq!(f[1].hold, Some(Duration::from_millis(2500)));
        let d = sequence("a.b: 1\n").unwrap();
        assert_eq!(
            d,
            vec![Frame {
                text: "a.b: 1\n".into(),
                hold: None
            }]
        );
        assert_eq!(sequence("").unwrap().len(), 1);
    }

    #[test]
    fn bad_timer_values_are_errors_naming_the_line() {
        for (bad, value) in [
            ("a: 1\nTIMER 1e300\n", "1e300"),
            ("a: 1\nTIMER -1\n", "-1"),
            ("a: 1\nTIMER soon\n", "soon"),
            ("a: 1\nTIMER NaN\n", "NaN"),
            ("a: 1\nTIMER\n", ""),
            ("a: 1\nTIMER 86401\n", "86401"),
        ] {
            assert_eq!(
                sequence(bad),
                Err(TimerError {
                    line: 2,
                    value: value.into()
                }),
                "{bad:?}"
            );
        }
        let e = sequence("TIMER 1e300").unwrap_err().to_string();
        assert!(e.starts_with("line 1: TIMER \"1e300\""), "{e}");
        assert!(sequence("TIMER 0\nTIMER 86400\n").is_ok());
    }

    #[test]
    fn user_debug_hides_password() {
        let u = User::new("admin", "hunter2").allow_set();
        assert!(!format!("{u:?}").contains("hunter2"));
        assert!(u.password_is("hunter2"));
    }
}
