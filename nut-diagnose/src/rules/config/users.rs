//! upsd.users accounts that cannot serve the purpose they were made for. The check names the real
//! thread it came from (tests/real-world/config/).

use super::*;

/// An account with neither an `upsmon` role nor `actions` (hassio-addons/app-nut#275): a remote
/// upsmon given it gets `ERR ACCESS-DENIED` at LOGIN. Only instant commands (or nothing) are allowed
/// to it; info, since an account for `upscmd` alone is legitimate.
pub fn users(c: &HostConfig) -> Vec<Finding> {
    let Some(users) = &c.users else {
        return Vec::new();
    };
    let local_users: Vec<&str> = c
        .upsmon
        .iter()
        .flat_map(|u| u.monitors.iter())
        .map(|m| m.user.as_str())
        .collect();
    users
        .iter()
        // an account a local MONITOR uses is judged by consistency::monitor-user-no-role
        .filter(|u| u.upsmon.is_none() && u.actions.is_empty() && !local_users.contains(&u.name.as_str()))
        .map(|u| {
            Finding::new(
                "config.user-without-upsmon-role",
                Severity::Info,
                format!("upsd.users account `{}` has no upsmon role", u.name),
                "upsd refuses LOGIN (ERR ACCESS-DENIED) to an account without `upsmon primary|secondary`: if a client's upsmon uses it, that client takes no part in the shutdown.",
                format!("If an upsmon logs in as `{}`, add `upsmon secondary` (or `primary` on the UPS's own host) to its section.", u.name),
            )
            .about(u.name.clone())
            .with(cfg(
                "upsd.users",
                u.line,
                format!("[{}] instcmds: {}", u.name, if u.instcmds.is_empty() { "(none)".to_string() } else { u.instcmds.join(",") }),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UserFact;

    fn user(name: &str, upsmon: Option<Role>, actions: &[&str]) -> UserFact {
        UserFact {
            name: name.into(),
            line: 1,
            upsmon,
            password: None,
            actions: actions.iter().map(|a| a.to_string()).collect(),
            instcmds: vec!["all".into()],
        }
    }

    #[test]
    fn accounts_without_a_role() {
        let c = HostConfig {
            users: Some(vec![
                user("username", None, &[]),
                user("mon", Some(Role::Secondary), &[]),
                user("admin", None, &["SET"]),
            ]),
            ..HostConfig::default()
        };
        let f = users(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].id.as_ref(), f[0].severity),
            ("config.user-without-upsmon-role", Severity::Info)
        );
        assert_eq!(f[0].subject.as_deref(), Some("username"));
    }
}
