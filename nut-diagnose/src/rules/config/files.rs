//! nut-config's diagnostics as findings, and files that are missing or unreadable.

use nut_config::files::nut_conf::Mode;

use super::*;

/// nut-config's diagnostics (syntax, values, unknown directives, permissions) and missing or unreadable
/// files, each with its `file:line:col`.
pub fn diagnostics(c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    // MINSUPPLIES (consistency) and a missing MODE (mode) are reported by their own rules.
    let mode_unset = |d: &crate::config::ConfigDiag| {
        d.kind == "required" && d.file.ends_with("nut.conf") && d.message.contains("MODE")
    };
    for d in c
        .diagnostics
        .iter()
        .filter(|d| !is_minsupplies(d) && !mode_unset(d))
    {
        let (id, sev, meaning, action): (&'static str, Severity, &str, &str) = match d.kind.as_str() {
            "world_readable" => ("config.world-readable", Severity::Warning,
                "Every user on the host can read the passwords in this file and use them to shut the UPS down.",
                "`chown root:nut <file>` and `chmod 640 <file>`."),
            "unknown_directive" | "unknown_user_setting" | "obsolete" => ("config.unknown-directive", Severity::Warning,
                "NUT ignores this line: the setting you meant is not in effect.",
                "Check the spelling against the man page of the file, or remove the line."),
            _ if d.error => ("config.error", Severity::Critical,
                "NUT rejects this line (or the whole file): the setting is not in effect, and some programs refuse to start.",
                "Fix the line as the message says."),
            _ => ("config.warning", Severity::Warning,
                "NUT accepts the file but reads this line differently from what it seems to say.",
                "Fix the line as the message says."),
        };
        let at = if d.line == 0 {
            d.file.clone()
        } else {
            format!("{}:{}:{}", d.file, d.line, d.col)
        };
        out.push(
            Finding::new(id, sev, format!("{at}: {}", d.message), meaning, action)
                .about(d.file.clone())
                .with(Evidence::new(Source::Config, at, d.message.clone())),
        );
    }
    // NUT 2.8 renamed master/slave to primary/secondary; the old words still work (the role comes
    // out the same), so this is a hint, never a problem.
    for m in c.upsmon.iter().flat_map(|u| u.monitors.iter()) {
        if let Some(word) = &m.legacy_word {
            let new = m.role.as_str();
            out.push(
                Finding::new(
                    "config.role-legacy-word",
                    Severity::Info,
                    format!("upsmon.conf:{}: MONITOR {} says `{word}`, NUT's old word for `{new}`", m.line, m.target),
                    "NUT 2.8 renamed the roles (master → primary, slave → secondary); the old word is still accepted and means the same.",
                    format!("Write `{new}` instead of `{word}` (and `upsmon {new}` in the server's upsd.users) when you next edit the file."),
                )
                .about(m.target.to_string())
                .with(cfg("upsmon.conf", m.line, format!("MONITOR {} … {word}", m.target))),
            );
        }
    }
    let mode = c.mode();
    for (name, state) in &c.files {
        let needed = match name.as_str() {
            "nut.conf" => true,
            "ups.conf" | "upsd.conf" | "upsd.users" => mode.is_some_and(Mode::runs_server),
            "upsmon.conf" => mode.is_some_and(Mode::runs_upsmon),
            _ => false,
        };
        match state {
            // nut.conf unreadable is mode.unreadable's finding (said once)
            crate::config::FileFact::Unreadable { .. } if name == "nut.conf" => {}
            crate::config::FileFact::Unreadable { reason } => out.push(
                Finding::new(
                    "config.file-unreadable",
                    if needed { Severity::Warning } else { Severity::Info },
                    format!("{name} could not be read: {reason}"),
                    "The diagnosis cannot check what it does not see (NUT itself may read it as another user).",
                    "Run the diagnosis as root, or give your user read access through the nut group.",
                )
                .about(name.clone())
                .with(cfg(name, 0, reason.clone())),
            ),
            crate::config::FileFact::Missing if needed && name != "nut.conf" => out.push(
                Finding::new(
                    "config.file-missing",
                    Severity::Critical,
                    format!("{name} is missing, but MODE needs it"),
                    "The program that reads it refuses to start.",
                    format!("Create {name} (see its man page)."),
                )
                .about(name.clone())
                .with(mode_ev(c))
                .with(cfg(name, 0, "missing")),
            ),
            _ => {}
        }
    }
    out
}
