//! Instant commands that cut the power to the load (names from NUT's command table): `nutctl cmd`
//! asks for `--yes` before sending one, as `fsd` does. Beeper, test and calibration commands are
//! not here: they do not switch the outlets off.
//!
//! A command addressed to one outlet (`outlet.2.load.off`, `outlet.group.1.shutdown.return`) cuts
//! that outlet's power and counts too.

/// One power-cutting command, or a family of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerCut {
    /// The command name, or a prefix when [`PowerCut::family`] is set (`shutdown.`).
    pub name: &'static str,
    /// `name` is a prefix: every command under it counts, except those in [`NOT_POWER_CUTS`].
    pub family: bool,
    /// What it does to the load, for the refusal message.
    pub effect: &'static str,
}

/// The commands that cut the load's power, sorted by name.
pub const POWER_CUTS: &[PowerCut] = &[
    PowerCut {
        name: "load.cycle",
        family: false,
        effect: "switches the load off and on again",
    },
    PowerCut {
        name: "load.off",
        family: false,
        effect: "turns the load off immediately",
    },
    PowerCut {
        name: "load.off.delay",
        family: false,
        effect: "turns the load off after a delay",
    },
    PowerCut {
        name: "shutdown.",
        family: true,
        effect: "shuts the UPS down and turns the load off",
    },
];

/// Commands inside a power-cutting family that do not cut power.
pub const NOT_POWER_CUTS: &[&str] = &["shutdown.stop"];

/// The entry of [`POWER_CUTS`] that `cmd` falls under, if it cuts the power to a load.
pub fn power_cut(cmd: &str) -> Option<&'static PowerCut> {
    let cmd = cmd.trim().to_ascii_lowercase();
    // `outlet.N.load.off`, `outlet.group.N.shutdown.return`: judged by what follows the outlet.
    let tail = if cmd.starts_with("outlet.") {
        ["load.", "shutdown."]
            .iter()
            .filter_map(|head| cmd.find(&format!(".{head}")).map(|i| &cmd[i + 1..]))
            .next()
            .unwrap_or(&cmd)
    } else {
        &cmd
    };
    if NOT_POWER_CUTS.contains(&tail) {
        return None;
    }
    POWER_CUTS.iter().find(|p| {
        if p.family {
            tail.starts_with(p.name) && tail.len() > p.name.len()
        } else {
            tail == p.name
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        assert!(POWER_CUTS.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn what_cuts_power() {
        for c in [
            "load.off",
            "LOAD.OFF",
            "load.off.delay",
            "load.cycle",
            "shutdown.return",
            "shutdown.stayoff",
            "shutdown.reboot",
            "shutdown.reboot.graceful",
            "shutdown.default",
            "outlet.1.load.off",
            "outlet.2.shutdown.return",
            "outlet.group.1.load.off",
        ] {
            assert!(power_cut(c).is_some(), "{c}");
        }
        for c in [
            "load.on",
            "load.on.delay",
            "shutdown.stop",
            "outlet.1.load.on",
            "beeper.off",
            "beeper.disable",
            "test.battery.start.quick",
            "calibrate.start",
            "bypass.start",
            "shutdown.",
            "xload.off",
        ] {
            assert!(power_cut(c).is_none(), "{c}");
        }
        assert_eq!(power_cut("load.off").map(|p| p.name), Some("load.off"));
    }
}
