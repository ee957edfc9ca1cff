//! What stands before the message: wrappers added by the tool that showed the log (`grep -n`, `docker
//! compose`, a mail client's `> `), a syslog priority, and the `host ident[pid]:` header in its many
//! shapes, or failing that a NUT program's name anywhere in the line.

use super::ident::is_nut_ident;
use super::time::{digits, digits_bytes, space};

/// The header found before a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub(crate) host: Option<&'a str>,
    pub(crate) ident: &'a str,
    pub(crate) pid: Option<u32>,
    pub(crate) msg: &'a str,
}

/// Strips what a viewer added in front of the log line itself, repeatedly: a mail quote (`> `),
/// `grep -n` / `grep -H` (`123:`, `123-`, `/var/log/syslog:123:`, `/var/log/syslog:`), and a `docker
/// compose` service column (`nut-upsd-1  | `).
pub(crate) fn strip_wrappers(s: &str) -> &str {
    let mut s = strip_end(s);
    for _ in 0..4 {
        let before = s.len();
        s = s
            .trim_start_matches(['>', ' '])
            .trim_start_matches('\u{feff}')
            .trim_start_matches(['"', '`']);
        if let Some(r) = grep_prefix(s) {
            s = r;
        }
        if let Some(r) = compose_prefix(s) {
            s = r;
        }
        if let Some(r) = ha_event(s) {
            s = r;
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// What [`strip_wrappers`] takes off the end: trailing blanks, and the quote or comma of a pasted
/// block quoted as a string or code (`"…"`, a backtick) or as a list item (`…,`).
pub(crate) fn strip_end(s: &str) -> &str {
    let s = s.trim_end_matches([' ', '\t']);
    let s = s.strip_suffix(',').unwrap_or(s);
    s.strip_suffix(['"', '`']).unwrap_or(s)
}

/// `123:` or `123-` (grep -n, context lines) not followed by a digit (so `10:12:01` stays a time), and
/// `/path/file:123:` or `/path/file:` (grep over several files).
fn grep_prefix(s: &str) -> Option<&str> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n > 0 && n <= 9 {
        let after = s.get(n..)?;
        let rest = after
            .strip_prefix(':')
            .or_else(|| after.strip_prefix('-'))?;
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        return Some(rest);
    }
    if !s.starts_with('/') {
        return relative_file_prefix(s);
    }
    let colon = s.find(':')?;
    let path = s.get(..colon)?;
    if path.contains(' ') || !path.contains('.') && !path.contains("log") {
        return None;
    }
    let rest = s.get(colon + 1..)?;
    Some(grep_prefix(rest).unwrap_or(rest))
}

/// `syslog.1:` or `messages:` (grep over several files named relative to the current directory),
/// taken only before a syslog or ISO stamp, so a program's `name: message` stays as it is.
fn relative_file_prefix(s: &str) -> Option<&str> {
    let colon = memchr::memchr(b':', s.as_bytes())?;
    let name = s.get(..colon)?;
    if name.is_empty() || name.len() > 64 || !name.bytes().all(is_name_byte) {
        return None;
    }
    let file_like = name.contains("log")
        || name.starts_with("messages")
        || name
            .rsplit_once('.')
            .is_some_and(|(_, n)| digits(n).is_some() || n == "gz");
    if !file_like {
        return None;
    }
    let rest = s.get(colon + 1..)?;
    let rest = grep_prefix(rest).unwrap_or(rest);
    (super::time::syslog(rest).is_some() || super::time::iso(rest).is_some()).then_some(rest)
}

/// `service-name  | rest` (docker compose logs; also `name_1 |`).
fn compose_prefix(s: &str) -> Option<&str> {
    let end = space(s)?;
    let name = s.get(..end)?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(is_name_byte)
        // (A Markdown table's `-- | --` names no service.)
        || !name.bytes().any(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let rest = s.get(end..)?.trim_start_matches(' ').strip_prefix('|')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A syslog priority prefix such as `<13>` (classic syslog files sometimes keep it).
pub(crate) fn strip_priority(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('<') {
        if let Some((pri, after)) = rest.split_once('>') {
            if !pri.is_empty() && pri.len() <= 3 && pri.bytes().all(|b| b.is_ascii_digit()) {
                return after;
            }
        }
    }
    s
}

/// syslog facilities, for `daemon.err` (BusyBox logread, some NAS templates).
const FACILITIES: &[&str] = &[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7", "user",
];

pub(crate) fn is_facility(w: &str) -> bool {
    memchr::memchr(b'.', w.as_bytes())
        .and_then(|i| w.get(..i))
        .is_some_and(|f| FACILITIES.contains(&f))
}

/// A byte of a plain name (a docker compose service, a log file, a user or host at a shell prompt):
/// a letter, a digit, `-`, `_` or `.`.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// A process id: 1–18 digits that fit a u32.
pub(crate) fn pid_of(s: &[u8]) -> Option<u32> {
    u32::try_from(digits_bytes(s)?).ok()
}

/// `ident[pid]` or `ident` → (ident, pid), when it looks like a program name.
fn ident_pid(tag: &str) -> Option<(&str, Option<u32>)> {
    let (ident, pid) = tag_parts(tag.as_bytes())?;
    Some((tag.get(..ident.len())?, pid))
}

/// [`ident_pid`] of bytes: the one rule for a tag — an ident that starts with a letter or `/` and
/// holds only letters, digits and `-_.@/`, then optionally `[pid]`, the pid 1–18 digits that fit a
/// u32. With a pid, the ident may be such a name in parentheses (`(modprobe)[12]`, `(udev-worker)`,
/// `(sd-pam)`): systemd's child process between fork and exec, named after the program it is
/// about to run, logging for systemd (the parentheses are kept: it is not that program).
pub(crate) fn tag_parts(tag: &[u8]) -> Option<(&[u8], Option<u32>)> {
    // `(name)[pid]`: the name's rule inside the parentheses, then the pid.
    if let Some(inner) = tag.strip_prefix(b"(") {
        let close = inner.iter().position(|&c| c == b')')?;
        let name = inner.get(..close)?;
        let named = name.first().is_some_and(|&c| has(c, IDENT_FIRST))
            && name.iter().all(|&c| has(c, IDENT));
        return match (named, tag.get(close + 2..)?) {
            (true, [b'[', pid @ .., b']']) => Some((tag.get(..close + 2)?, Some(pid_of(pid)?))),
            _ => None,
        };
    }
    if !tag.first().is_some_and(|&c| has(c, IDENT_FIRST)) {
        return None;
    }
    // One pass: the ident runs to the first byte that cannot be in one; only `[pid]` may follow.
    let end = tag
        .iter()
        .position(|&c| !has(c, IDENT))
        .unwrap_or(tag.len());
    let ident = tag.get(..end)?;
    match tag.get(end..)? {
        [] => Some((ident, None)),
        [b'[', pid @ .., b']'] => Some((ident, Some(pid_of(pid)?))),
        _ => None,
    }
}

/// A byte that may start an ident: a letter or `/` ([`tag_parts`]).
const IDENT_FIRST: u8 = 1;
/// A byte of an ident: a letter, a digit or one of `-_.@/`.
const IDENT: u8 = 2;
/// A byte of a syslog host word: printable, not `:` (see [`super::syslog_ident`]).
pub(crate) const HOST: u8 = 4;

/// Each byte's classes, so a header's words are checked with one lookup per byte (the rules of
/// [`tag_parts`] and the host word, written once here).
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alnum = c.is_ascii_alphanumeric();
        if c.is_ascii_alphabetic() || c == b'/' {
            t[i] |= IDENT_FIRST;
        }
        if alnum || matches!(c, b'-' | b'_' | b'.' | b'@' | b'/') {
            t[i] |= IDENT;
        }
        if c.is_ascii_graphic() && c != b':' {
            t[i] |= HOST;
        }
        i += 1;
    }
    t
};

/// Whether byte `c` is of class `class` ([`BYTE_CLASS`]).
#[inline]
pub(crate) fn has(c: u8, class: u8) -> bool {
    BYTE_CLASS[usize::from(c)] & class != 0
}

/// The header after a timestamp (or at the start of an untimed line): `host ident[pid]: msg`,
/// `ident[pid]: msg` (host-less), `host facility.level ident[pid]: msg`, `facility.level ident: msg`.
///
/// A first word without host is taken as an ident only when it has a pid, is a NUT program, or (after a
/// timestamp) is a plain lower-case program name, so `UPS: ups@h (primary)…` stays a message.
pub(crate) fn header(s: &str, stamped: bool) -> Option<Header<'_>> {
    let b = s.as_bytes();
    let mut words: [&str; 3] = [""; 3];
    let mut pos = 0;
    for i in 0..3 {
        // Words are a few bytes: a plain scan beats a vectorised search's setup here.
        let start = pos + b.get(pos..)?.iter().take_while(|&&c| c == b' ').count();
        let end = start + b.get(start..)?.iter().take_while(|&&c| c != b' ').count();
        let word = s.get(start..end)?;
        if word.is_empty() {
            break;
        }
        words[i] = word;
        pos = end;
        let Some(tag) = word.strip_suffix(':') else {
            continue;
        };
        let (ident, pid) = ident_pid(tag)?;
        let ok = match i {
            0 => {
                pid.is_some()
                    || is_nut_ident(ident)
                    || (stamped
                        && ident.len() >= 2
                        && ident
                            .bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'))
            }
            1 => !words[0].as_bytes().contains(&b':'),
            _ => is_facility(words[1]) || is_facility(words[0]),
        };
        if !ok {
            return None;
        }
        let host = match i {
            0 => None,
            1 if is_facility(words[0]) => None,
            _ => Some(words[0]),
        };
        let msg = s.get(pos..).unwrap_or("");
        let msg = msg.strip_prefix(' ').unwrap_or(msg);
        return Some(Header {
            host,
            ident,
            pid,
            msg,
        });
    }
    None
}

/// A row copied from a log viewer's table (OPNsense, pfSense): `| ident[pid] | message | … |`.
pub(crate) fn table_row(s: &str) -> Option<Header<'_>> {
    let rest = s.strip_prefix('|')?.trim_start_matches(' ');
    let (tag, after) = rest.split_once(" | ")?;
    let (ident, pid) = ident_pid(tag.trim())?;
    let msg = after.split(" | ").next().unwrap_or(after);
    let msg = msg.trim_end_matches([' ', '|']);
    Some(Header {
        host: None,
        ident,
        pid,
        msg,
    })
}

/// A row copied from a log viewer's HTML table whose cells the browser joins with TABs (pfSense's
/// Status > System Logs: time, process, PID, message): after the time, `\tident \tpid \tmessage`.
pub(crate) fn tab_row(s: &str) -> Option<Header<'_>> {
    let mut cells = s.splitn(4, '\t');
    if !cells.next()?.trim_matches(' ').is_empty() {
        return None;
    }
    let (ident, _) = ident_pid(cells.next()?.trim_matches(' '))?;
    let pid = cells.next()?.trim_matches(' ');
    let pid = if pid.is_empty() {
        None
    } else {
        Some(pid_of(pid.as_bytes())?)
    };
    let msg = cells.next()?.trim_start_matches(' ');
    Some(Header {
        host: None,
        ident,
        pid,
        msg,
    })
}

/// A shell command pasted with its prompt (`# ./upsmon -DD`, `$ upsc ups`, `root@pi:~# upsc ups`): the
/// user's shell, not a log line.
pub(crate) fn shell_prompt(s: &str) -> bool {
    let cmd = match s.strip_prefix("# ").or_else(|| s.strip_prefix("$ ")) {
        Some(c) => c,
        None => {
            // `user@host:dir# ` / `user@host:dir$ `
            let Some(end) = s.find(['#', '$']) else {
                return false;
            };
            let (who, after) = s.split_at(end);
            let Some((user, host_dir)) = who.split_once('@') else {
                return false;
            };
            let word = |w: &str| !w.is_empty() && w.bytes().all(is_name_byte);
            let Some((host, dir)) = host_dir.split_once(':') else {
                return false;
            };
            // (Raspberry Pi OS puts a space before the `$`.)
            let dir = dir.strip_suffix(' ').unwrap_or(dir);
            if !word(user) || !word(host) || dir.contains(' ') {
                return false;
            }
            match after.get(1..).and_then(|a| a.strip_prefix(' ')) {
                Some(c) => c,
                None => return false,
            }
        }
    };
    cmd.starts_with(|c: char| c.is_ascii_alphabetic() || c == '.' || c == '/')
}

/// The Home Assistant add-on's event notice glued to the next line: the add-on's notify hook asks
/// Home Assistant to fire an event and prints the API's answer (`{"message": "Event nut.ups_event
/// fired."}`) without a line end, so the next line of the log follows it directly. The text after it.
pub(crate) fn ha_event(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("{\"message\":")?.trim_start_matches(' ');
    let rest = rest.strip_prefix("\"Event ")?;
    let end = rest.find(" fired.\"}")?;
    rest.get(end + " fired.\"}".len()..)
        .filter(|r| !r.is_empty())
}

/// The header of an entry of Home Assistant's log viewer, as people paste it above the message
/// (corpus 088, 089): `Logger: homeassistant.components.nut`, `Source: components/nut/__init__.py:284`,
/// `Integration: Network UPS Tools (NUT) (documentation, issues)`, `First occurred: 12:07:06 PM (146
/// occurrences)`, `Last logged: 1:41:19 PM`. Structure, like a journal's markers: none is a program's
/// line (the integration's name is no upsmon banner).
pub(crate) fn ha_log_viewer_header(t: &str) -> bool {
    let t = t.trim();
    let word = |v: &str| !v.is_empty() && !v.contains(' ');
    if let Some(v) = t.strip_prefix("Logger: ") {
        // A Python logger: dotted names.
        return word(v)
            && v.contains('.')
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
    }
    if let Some(v) = t.strip_prefix("Source: ") {
        // A source file and its line.
        return word(v)
            && v.rsplit_once(':').is_some_and(|(f, n)| {
                f.ends_with(".py") && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            });
    }
    if let Some(v) = t.strip_prefix("Integration: ") {
        return v.ends_with("(documentation, issues)");
    }
    if let Some(v) = t.strip_prefix("First occurred: ") {
        return v.ends_with(" occurrences)") || v.ends_with(" occurrence)");
    }
    if let Some(v) = t.strip_prefix("Last logged: ") {
        return v.starts_with(|c: char| c.is_ascii_digit());
    }
    false
}

/// Python's logging as Home Assistant writes it after the time: `LEVEL (thread) [logger] message`
/// (`ERROR (SyncWorker_27) [homeassistant.components.nut] Failure getting NUT ups alias, …`). The
/// logger is the ident. A thread's name may hold spaces and parentheses (`(Thread-2 (_run))`), a
/// logger's none.
pub(crate) fn python_logging(s: &str) -> Option<Header<'_>> {
    if !matches!(s.as_bytes().first(), Some(b'D' | b'I' | b'W' | b'E' | b'C')) {
        return None;
    }
    let (level, rest) = s.split_once(' ')?;
    if !matches!(level, "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL") {
        return None;
    }
    let rest = rest.strip_prefix('(')?;
    let rest = rest.get(rest.find(") [")? + 3..)?;
    let (logger, msg) = rest.split_once("] ")?;
    match ident_pid(logger)? {
        (ident, None) if ident.len() == logger.len() => Some(Header {
            host: None,
            ident,
            pid: None,
            msg,
        }),
        _ => None,
    }
}

/// A NUT program's `name[pid]:` or `name:` anywhere in the line (after a prefix nothing else
/// recognised: a NAS template, a forwarder's own header…).
pub(crate) fn anchor(s: &str) -> Option<Header<'_>> {
    let b = s.as_bytes();
    let mut from = 0;
    for _ in 0..8 {
        let colon = from + memchr::memchr(b':', b.get(from..)?)?;
        from = colon + 1;
        if !matches!(b.get(colon + 1), None | Some(b' ')) {
            continue;
        }
        let head = s.get(..colon)?;
        let start = head.rfind([' ', '|', '\t', '(', '>']).map_or(0, |i| i + 1);
        let tag = head.get(start..)?;
        let Some((ident, pid)) = ident_pid(tag) else {
            continue;
        };
        if !is_nut_ident(ident) {
            continue;
        }
        let msg = s.get(colon + 1..).unwrap_or("");
        return Some(Header {
            host: None,
            ident,
            pid,
            msg: msg.strip_prefix(' ').unwrap_or(msg),
        });
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrappers() {
        assert_eq!(strip_wrappers("123:Apr  5 x"), "Apr  5 x");
        assert_eq!(strip_wrappers("12-Apr  5 x"), "Apr  5 x");
        assert_eq!(strip_wrappers("10:12:01 x"), "10:12:01 x");
        assert_eq!(strip_wrappers("/var/log/syslog:77:Apr 5 x"), "Apr 5 x");
        assert_eq!(strip_wrappers("/var/log/daemon.log:Apr 5 x"), "Apr 5 x");
        assert_eq!(strip_wrappers("nut-upsd-1  | upsd[1]: x"), "upsd[1]: x");
        assert_eq!(strip_wrappers("> > Apr 5 x"), "Apr 5 x");
        assert_eq!(strip_wrappers("UPS a | b"), "UPS a | b");
        assert_eq!(
            strip_wrappers("syslog.1:Feb 19 20:48:19 pi systemd[1]: x"),
            "Feb 19 20:48:19 pi systemd[1]: x"
        );
        assert_eq!(
            strip_wrappers("messages:2:Feb 19 20:48:19 pi x"),
            "Feb 19 20:48:19 pi x"
        );
        assert_eq!(
            strip_wrappers("daemon.log.2.gz:12:Feb 19 20:48:19 pi x"),
            "Feb 19 20:48:19 pi x"
        );
        // A program's `name: message` is no file name, nor is a file name before no stamp.
        assert_eq!(strip_wrappers("upsmon.conf: Feb 19"), "upsmon.conf: Feb 19");
        assert_eq!(strip_wrappers("syslog.1:hello"), "syslog.1:hello");
        assert_eq!(
            strip_wrappers(
                r#"{"message": "Event nut.ups_event fired."}Network UPS Tools upsmon 2.7.4"#
            ),
            "Network UPS Tools upsmon 2.7.4"
        );
        assert_eq!(
            ha_event(r#"{"message":"Event nut.ups_event fired."}"#),
            None
        );
        assert_eq!(ha_event(r#"{"message":"Other"}x"#), None);
    }

    #[test]
    fn prompts() {
        assert!(shell_prompt("# ./upsmon -DD"));
        assert!(shell_prompt("$ upsc ups@localhost"));
        assert!(shell_prompt("root@testservet:~# tail -f /var/log/syslog"));
        assert!(shell_prompt(
            "pi@raspberrypi:/etc/nut $ sudo upsdrvctl start"
        ));
        assert!(!shell_prompt("#  comment"));
        assert!(!shell_prompt("# 12 lines"));
        assert!(!shell_prompt(
            "User monuser@127.0.0.1 logged into UPS [ups]"
        ));
        assert!(!shell_prompt(
            "Login on UPS [ups@h] failed - got [ERR ACCESS-DENIED]"
        ));
    }

    #[test]
    fn tab_rows() {
        let h = tab_row(" \tupsmon \t7469 \tPoll UPS [a] failed - Protocol error").unwrap();
        assert_eq!(
            (h.host, h.ident, h.pid, h.msg),
            (
                None,
                "upsmon",
                Some(7469),
                "Poll UPS [a] failed - Protocol error"
            )
        );
        let h = tab_row("\tupsd\t\tlistening on 0.0.0.0 port 3493").unwrap();
        assert_eq!((h.ident, h.pid), ("upsd", None));
        assert!(
            tab_row("x \tupsmon \t1 \tm").is_none(),
            "text before the first TAB"
        );
        assert!(
            tab_row(" \tupsmon \tabc \tm").is_none(),
            "a PID cell that is no number"
        );
        assert!(tab_row(" \tupsmon").is_none());
    }

    #[test]
    fn headers() {
        let h = |s| header(s, true).map(|h| (h.host, h.ident, h.pid, h.msg));
        assert_eq!(
            h("pi upsmon[8]: m x"),
            Some((Some("pi"), "upsmon", Some(8), "m x"))
        );
        assert_eq!(h("upsmon[8]: m"), Some((None, "upsmon", Some(8), "m")));
        assert_eq!(h("kernel: m"), Some((None, "kernel", None, "m")));
        assert_eq!(
            h("daemon.err upsd[1]: m"),
            Some((None, "upsd", Some(1), "m"))
        );
        assert_eq!(
            h("nas daemon.err upsd[1]: m"),
            Some((Some("nas"), "upsd", Some(1), "m"))
        );
        // systemd's forked child, named after the program it is about to run: not that program.
        assert_eq!(
            h("epx (modprobe)[12]: modprobe@drm.service: Executable /sbin/modprobe missing, skipping: No such file or directory"),
            Some((
                Some("epx"),
                "(modprobe)",
                Some(12),
                "modprobe@drm.service: Executable /sbin/modprobe missing, skipping: No such file or directory"
            ))
        );
        assert_eq!(
            h("(udev-worker)[301]: m"),
            Some((None, "(udev-worker)", Some(301), "m"))
        );
        assert!(
            !is_nut_ident("(upsdrvctl)"),
            "systemd's child, not the program"
        );
        // Without a pid, or not a name inside: no tag.
        assert_eq!(h("epx (modprobe): m"), None);
        assert_eq!(h("epx (x y)[1]: m"), None);
        assert_eq!(h("epx ()[1]: m"), None);
        assert_eq!(h("UPS: ups@h (primary)"), None);
        assert_eq!(h("Signal 15: exiting"), None);
        assert_eq!(h("UPS [ups@h]: connect failed"), None);
        let a = anchor("fw.example 2023 local7 upsmon[9]: UPS a on battery").unwrap();
        assert_eq!(
            (a.ident, a.pid, a.msg),
            ("upsmon", Some(9), "UPS a on battery")
        );
        assert!(anchor("sshd[1]: hello: world").is_none());
    }

    #[test]
    fn python_logging_headers() {
        let h = |s| python_logging(s).map(|h| (h.host, h.ident, h.pid, h.msg));
        // home-assistant/core#42154 and #52635.
        assert_eq!(
            h("ERROR (SyncWorker_27) [homeassistant.components.nut] Failure getting NUT ups alias, ERR ACCESS-DENIED"),
            Some((None, "homeassistant.components.nut", None, "Failure getting NUT ups alias, ERR ACCESS-DENIED"))
        );
        assert_eq!(
            h("WARNING (MainThread) [homeassistant.config_entries] Config entry 'x' for nut integration"),
            Some((None, "homeassistant.config_entries", None, "Config entry 'x' for nut integration"))
        );
        assert_eq!(
            h("DEBUG (Thread-2 (_run)) [aionut.client] [h:3493] Sending: b'LIST UPS'"),
            Some((None, "aionut.client", None, "[h:3493] Sending: b'LIST UPS'"))
        );
        assert_eq!(h("ERROR: no (thread) [x] y"), None);
        assert_eq!(h("ERROR (x) [a b] y"), None);
        assert_eq!(h("NOTICE (x) [a] y"), None);
        assert_eq!(h("Error (x) [a] y"), None);
    }
}
