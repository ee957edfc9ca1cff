//! upsd.users: the accounts upsd accepts, one `[name]` section each.
//!
//! Keys are case-insensitive and written `key = value` (several values allowed for `actions` and
//! `instcmds`); `upsmon primary` is also accepted without `=`. Lines before the first section are
//! ignored by upsd. An account without an `upsmon` role cannot `LOGIN`, so upsmon fails with it.

use crate::document::{Document, LineKind};
use crate::error::{ErrorKind, Severity};
use crate::files::{Ctx, Parsed, Role};
use crate::secret::Secret;

/// One `[user]` section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// The account name (case-sensitive), what upsmon sends in `USERNAME`.
    pub name: String,
    /// Physical line of the header.
    pub line: usize,
    /// `password`.
    pub password: Option<Secret>,
    /// `actions` granted, upper-cased (`SET`, `FSD`).
    pub actions: Vec<String>,
    /// `instcmds` granted, lower-cased (`all` for every command).
    pub instcmds: Vec<String>,
    /// `upsmon primary|secondary` (legacy `master|slave`).
    pub upsmon: Option<Role>,
    /// The role word as written (to spot legacy `master`/`slave`).
    pub upsmon_written: Option<String>,
}

impl User {
    /// Whether upsd lets this account `LOGIN` (it needs an upsmon role).
    pub fn can_login(&self) -> bool {
        self.upsmon.is_some()
    }

    /// Whether the account may run instant command `cmd` (`instcmds = ALL` grants all).
    pub fn may_instcmd(&self, cmd: &str) -> bool {
        self.instcmds
            .iter()
            .any(|c| c == "all" || c.eq_ignore_ascii_case(cmd))
    }
}

/// What upsd.users says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct UpsdUsers {
    /// The accounts in file order (a duplicate name is reported and skipped).
    pub users: Vec<User>,
}

impl UpsdUsers {
    /// The account named `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Builds the view from an upsd.users document.
    pub fn from_document(doc: &Document) -> Parsed<UpsdUsers> {
        let mut cx = Ctx::new(doc);
        let mut view = UpsdUsers::default();
        let mut current: Option<usize> = None;
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
        for e in doc.entries() {
            match e.line.kind() {
                LineKind::Section => {
                    current = None;
                    seen.clear();
                    let Some(name) = e.line.section_name() else {
                        continue;
                    };
                    let well_formed = e
                        .line
                        .tokens()
                        .first()
                        .is_some_and(|t| t.text().ends_with(']'));
                    if name.is_empty() || !well_formed || !names.insert(name.to_string()) {
                        continue;
                    }
                    view.users.push(User {
                        name: name.to_string(),
                        line: cx.line(&e),
                        password: None,
                        actions: Vec::new(),
                        instcmds: Vec::new(),
                        upsmon: None,
                        upsmon_written: None,
                    });
                    current = Some(view.users.len() - 1);
                }
                LineKind::Directive => {
                    let Some(key) = e.line.key().map(str::to_ascii_lowercase) else {
                        continue;
                    };
                    if e.section.is_none() {
                        // Never echo the word: it may be a stray password.
                        let directive = if ["password", "actions", "instcmds", "upsmon"]
                            .contains(&key.as_str())
                        {
                            key.clone()
                        } else {
                            "this line".to_string()
                        };
                        cx.warn(&e, None, ErrorKind::OutsideSection { directive });
                        continue;
                    }
                    let Some(user) = current.and_then(|i| view.users.get_mut(i)) else {
                        continue;
                    };
                    let args = e.line.args();
                    // `upsmon primary` may omit the `=`; every other setting needs it.
                    if !e.line.has_equals() && key != "upsmon" {
                        if ["password", "actions", "instcmds", "allowfrom"].contains(&key.as_str())
                        {
                            cx.warn(&e, None, ErrorKind::MissingEquals { directive: key });
                        } else {
                            cx.warn(&e, None, ErrorKind::UnknownUserSetting);
                        }
                        continue;
                    }
                    match key.as_str() {
                        "password" => {
                            let Some(pw) = args.first() else {
                                cx.error(
                                    &e,
                                    None,
                                    ErrorKind::MissingArgument {
                                        directive: key,
                                        what: "the password after =".to_string(),
                                    },
                                );
                                continue;
                            };
                            if args.len() > 1 {
                                cx.warn(
                                    &e,
                                    args.get(1),
                                    ErrorKind::ExtraArguments {
                                        directive: key.clone(),
                                        expected: "the password (quote a password that contains spaces or =)".to_string(),
                                    },
                                );
                            }
                            cx.once(&mut seen, &e, "password", "");
                            user.password = Some(Secret::new(pw.text()));
                        }
                        "actions" => {
                            for a in args.iter().filter(|t| !t.is_equals()) {
                                let up = a.text().to_ascii_uppercase();
                                if up != "SET" && up != "FSD" {
                                    cx.warn(
                                        &e,
                                        Some(a),
                                        ErrorKind::BadValue {
                                            directive: key.clone(),
                                            value: a.text().to_string(),
                                            allowed: "SET, FSD".to_string(),
                                        },
                                    );
                                }
                                user.actions.push(up);
                            }
                        }
                        "instcmds" => {
                            for c in args.iter().filter(|t| !t.is_equals()) {
                                user.instcmds.push(c.text().to_ascii_lowercase());
                            }
                        }
                        "upsmon" => {
                            let Some(w) = args.first() else {
                                cx.error(
                                    &e,
                                    None,
                                    ErrorKind::MissingArgument {
                                        directive: key,
                                        what: "primary or secondary".to_string(),
                                    },
                                );
                                continue;
                            };
                            match Role::parse(w.text()) {
                                Some(r) => {
                                    user.upsmon = Some(r);
                                    user.upsmon_written = Some(w.text().to_string());
                                }
                                None => cx.error(
                                    &e,
                                    Some(w),
                                    ErrorKind::UnknownRole {
                                        directive: "upsmon".to_string(),
                                        consequence:
                                            ": upsd ignores it and the account cannot LOGIN"
                                                .to_string(),
                                    },
                                ),
                            }
                        }
                        "allowfrom" => cx.warn(
                            &e,
                            None,
                            ErrorKind::Obsolete {
                                directive: key,
                                hint:
                                    "no longer used by upsd (restrict with LISTEN and a firewall)"
                                        .to_string(),
                            },
                        ),
                        _ => cx.warn(&e, None, ErrorKind::UnknownUserSetting),
                    }
                }
                _ => {}
            }
        }
        for u in &view.users {
            if u.password.is_none() {
                let index = doc
                    .entries()
                    .find(|e| e.line.section_name() == Some(u.name.as_str()))
                    .map_or(0, |e| e.index);
                cx.diags.push(doc.error_at(
                    index,
                    0,
                    Severity::Warning,
                    ErrorKind::Required {
                        what: format!(
                            "[{}] has no password: nobody can log in as this user",
                            u.name
                        ),
                    },
                ));
            }
        }
        cx.finish(view)
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<UpsdUsers> {
        UpsdUsers::from_document(&Document::parse_str(FileKind::UpsdUsers, "upsd.users", s))
    }

    fn msgs(p: &Parsed<UpsdUsers>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn every_setting() {
        let p = parse(
            "[admin]\n\tpassword = \"Adm1n pw\"\n\tactions = SET fsd\n\tinstcmds = ALL\n\n[mon]\n\tPASSWORD = M0n\n\tupsmon primary\n[old]\n\tpassword=x1\n\tupsmon = slave\n\tinstcmds = test.battery.start\n\tinstcmds = beeper.toggle\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let a = p.view.user("admin").unwrap();
        assert_eq!(a.password.as_ref().map(Secret::expose), Some("Adm1n pw"));
        assert_eq!(a.actions, ["SET", "FSD"]);
        assert!(a.may_instcmd("load.off") && !a.can_login());
        let m = p.view.user("mon").unwrap();
        assert_eq!(m.upsmon, Some(Role::Primary));
        assert_eq!(m.password.as_ref().map(Secret::expose), Some("M0n"));
        let o = p.view.user("old").unwrap();
        assert_eq!(
            (o.upsmon, o.upsmon_written.as_deref()),
            (Some(Role::Secondary), Some("slave"))
        );
        assert_eq!(o.instcmds, ["test.battery.start", "beeper.toggle"]);
        assert!(o.may_instcmd("BEEPER.TOGGLE") && !o.may_instcmd("load.off"));
        assert_eq!(o.line, 9);
    }

    #[test]
    fn problems_are_located_without_secrets() {
        let p = parse(
            "password = Outside1\n[u]\n\tpassword Nope2\n\tupsmon boss\n\tallowfrom = lan\n\tcolour = red\n\tactions = SET KILL\n\tSecretWord3\n[u]\n[v]\n",
        );
        let m = msgs(&p);
        assert_eq!(
            m,
            [
                "upsd.users:1:1: warning: password outside any [section]: NUT ignores it",
                "upsd.users:2:1: warning: [u] has no password: nobody can log in as this user",
                "upsd.users:3:2: warning: password: expected `password = value`; NUT ignores this line",
                "upsd.users:4:9: upsmon: unknown type (expected primary or secondary; legacy master/slave): upsd ignores it and the account cannot LOGIN",
                "upsd.users:5:2: warning: allowfrom is obsolete: no longer used by upsd (restrict with LISTEN and a firewall)",
                "upsd.users:6:2: warning: unrecognized user setting: upsd ignores it (known: password, actions, instcmds, upsmon)",
                "upsd.users:7:16: warning: actions: \"KILL\" is not one of SET, FSD",
                "upsd.users:8:2: warning: unrecognized user setting: upsd ignores it (known: password, actions, instcmds, upsmon)",
                "upsd.users:9:1: duplicate section [u] (first defined on line 2)",
                "upsd.users:10:1: warning: [v] has no password: nobody can log in as this user",
            ]
        );
        for s in ["Outside1", "Nope2", "SecretWord3"] {
            assert!(!m.iter().any(|l| l.contains(s)), "{s}");
        }
    }
}
