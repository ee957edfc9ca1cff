//! [`Role`]: upsmon's role words, read as NUT reads them.

/// upsmon's role towards a UPS, the same in `MONITOR` lines and upsd.users `upsmon` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `primary` (legacy `master`): this host shuts the UPS down after the others.
    Primary,
    /// `secondary` (legacy `slave`): this host shuts down first and leaves the UPS alone.
    Secondary,
}

impl Role {
    /// Reads a role word as NUT does: `primary`/`master`, `secondary`/`slave` (exact lower case). Other
    /// words give `None` (upsmon then treats the UPS as secondary; upsd ignores the setting).
    pub fn parse(word: &str) -> Option<Role> {
        match word {
            "primary" | "master" => Some(Role::Primary),
            "secondary" | "slave" => Some(Role::Secondary),
            _ => None,
        }
    }

    /// True for the words NUT 2.8 renamed (`master`, `slave`): still accepted, worth modernising.
    pub fn is_legacy_word(word: &str) -> bool {
        matches!(word, "master" | "slave")
    }
}
