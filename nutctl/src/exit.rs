//! Exit codes: the monitoring-plugins convention, so `nutctl status` and `nutctl check` can be used
//! as Nagios/Icinga/Zabbix checks as they are.

use nut_diagnose::Severity;

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Exit {
    /// 0: everything checked is fine, or the command did what was asked.
    Ok = 0,
    /// 1: something needs attention.
    Warning = 1,
    /// 2: protection is broken or about to be used.
    Critical = 2,
    /// 3: nutctl could not find out, or refused to act.
    Unknown = 3,
}

impl Exit {
    /// The exit code of a list of findings' worst severity; `None` (nothing judged) is UNKNOWN,
    /// never OK.
    pub(crate) fn of_worst(worst: Option<Severity>) -> Exit {
        match worst {
            Some(Severity::Ok | Severity::Info) => Exit::Ok,
            Some(Severity::Warning) => Exit::Warning,
            Some(Severity::Critical) => Exit::Critical,
            None => Exit::Unknown,
        }
    }

    /// The numeric code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_map_to_plugin_codes() {
        assert_eq!(Exit::of_worst(Some(Severity::Ok)).code(), 0);
        assert_eq!(Exit::of_worst(Some(Severity::Info)).code(), 0);
        assert_eq!(Exit::of_worst(Some(Severity::Warning)).code(), 1);
        assert_eq!(Exit::of_worst(Some(Severity::Critical)).code(), 2);
        assert_eq!(Exit::of_worst(None).code(), 3);
    }
}
