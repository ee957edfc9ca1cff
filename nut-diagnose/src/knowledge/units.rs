//! Which NUT units each nut.conf MODE needs (nut#2574), as data: a unit that must be active, one that
//! may be inactive, one that fails by design and is harmless, and one that should not run at all.
//!
//! Facts (Debian's 2.8 units, seen on a real systemd host in the nut-lab real-host tests):
//! `nut-server.service` on a netclient runs the upsd wrapper, which logs "upsd disabled, please adjust
//! the configuration" and exits 0 (inactive); `nut-driver-enumerator.service` fails ("FATAL: The
//! '/etc/nut/ups.conf' file does not exist or is not readable") on a host without ups.conf, which on a
//! netclient is normal; `nut-driver@<ups>` instances are generated from ups.conf sections.

use nut_config::files::nut_conf::Mode;

/// What a MODE expects of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitNeed {
    /// Must be active: the protection needs it.
    Required,
    /// May be active or inactive; a failure is worth a warning.
    Optional,
    /// Fails by design in this MODE and harms nothing: say so as info, with how to silence it.
    FailsHarmlessly,
    /// Should not be running in this MODE (a stray daemon confuses who is the server).
    Unwanted,
}

/// One unit's expectations per MODE family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitRow {
    /// The unit (`nut-driver@` stands for every driver instance of ups.conf).
    pub unit: &'static str,
    /// MODE=standalone or netserver.
    pub server: UnitNeed,
    /// MODE=netclient.
    pub client: UnitNeed,
    /// MODE=none (and manual/controlled: nothing starts by itself).
    pub none: UnitNeed,
    /// What the unit does (for messages).
    pub role: &'static str,
    /// How to silence a harmless failure.
    pub silence: &'static str,
}

/// The prefix of driver instance units.
pub const DRIVER_INSTANCE: &str = "nut-driver@";

/// The table, sorted by unit (a test keeps it sorted).
#[rustfmt::skip]
pub const UNITS: &[UnitRow] = &[
    UnitRow { unit: "nut-driver-enumerator.path", server: UnitNeed::Optional, client: UnitNeed::Optional, none: UnitNeed::Optional,
        role: "watches ups.conf and regenerates the driver instances", silence: "" },
    UnitRow { unit: "nut-driver-enumerator.service", server: UnitNeed::Optional, client: UnitNeed::FailsHarmlessly, none: UnitNeed::FailsHarmlessly,
        role: "turns ups.conf sections into nut-driver@<ups> instances (it fails when ups.conf is missing, which a host without a UPS does not need)",
        silence: "`systemctl disable --now nut-driver-enumerator.path nut-driver-enumerator.service` (or `systemctl mask` them) on a host that drives no UPS" },
    UnitRow { unit: "nut-driver.target", server: UnitNeed::Required, client: UnitNeed::Optional, none: UnitNeed::Optional,
        role: "the drivers' target (the device layer): no driver instance is started at boot", silence: "" },
    UnitRow { unit: DRIVER_INSTANCE, server: UnitNeed::Required, client: UnitNeed::Unwanted, none: UnitNeed::Unwanted,
        role: "the driver (the device layer): upsd has no data from the UPS", silence: "" },
    UnitRow { unit: "nut-monitor.service", server: UnitNeed::Required, client: UnitNeed::Required, none: UnitNeed::Unwanted,
        role: "upsmon (the monitor layer): this host will not shut down", silence: "" },
    UnitRow { unit: "nut-server.service", server: UnitNeed::Required, client: UnitNeed::Unwanted, none: UnitNeed::Unwanted,
        role: "upsd (the server layer): clients cannot read the UPS", silence: "" },
    UnitRow { unit: "nut.target", server: UnitNeed::Optional, client: UnitNeed::Optional, none: UnitNeed::Optional,
        role: "the umbrella target", silence: "" },
];

/// The row of `unit` (a `nut-driver@<ups>.service` instance maps to the driver row).
pub fn row(unit: &str) -> Option<&'static UnitRow> {
    let key = if unit.starts_with(DRIVER_INSTANCE) {
        DRIVER_INSTANCE
    } else {
        unit
    };
    UNITS.iter().find(|r| r.unit == key)
}

/// What `mode` expects of `unit` (`None` for a unit NUT does not ship).
pub fn need(mode: Mode, unit: &str) -> Option<UnitNeed> {
    row(unit).map(|r| match mode {
        Mode::Standalone | Mode::Netserver => r.server,
        Mode::Netclient => r.client,
        Mode::None | Mode::Controlled | Mode::Manual => r.none,
    })
}

/// Without systemd: the program each MODE needs running (`upsd`, `upsmon`; drivers come from ups.conf).
pub fn programs(mode: Mode) -> &'static [&'static str] {
    match mode {
        Mode::Standalone | Mode::Netserver => &["upsd", "upsmon"],
        Mode::Netclient => &["upsmon"],
        Mode::None | Mode::Controlled | Mode::Manual => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_complete() {
        assert!(
            UNITS.windows(2).all(|w| w[0].unit < w[1].unit),
            "sorted, unique"
        );
        for u in [
            crate::facts::units::SERVER,
            crate::facts::units::MONITOR,
            crate::facts::units::DRIVER_TARGET,
            crate::facts::units::ENUMERATOR,
            crate::facts::units::NUT_TARGET,
        ] {
            assert!(row(u).is_some(), "{u} has a row");
        }
        assert!(
            UNITS
                .iter()
                .filter(|r| r.client == UnitNeed::FailsHarmlessly
                    || r.none == UnitNeed::FailsHarmlessly)
                .all(|r| !r.silence.is_empty())
        );
    }

    #[test]
    fn mode_needs() {
        assert_eq!(
            need(Mode::Netclient, "nut-driver-enumerator.service"),
            Some(UnitNeed::FailsHarmlessly)
        );
        assert_eq!(
            need(Mode::Netserver, "nut-driver@ups.service"),
            Some(UnitNeed::Required)
        );
        assert_eq!(
            need(Mode::Netclient, "nut-server.service"),
            Some(UnitNeed::Unwanted)
        );
        assert_eq!(
            need(Mode::Netclient, "nut-monitor.service"),
            Some(UnitNeed::Required)
        );
        assert_eq!(
            need(Mode::None, "nut-monitor.service"),
            Some(UnitNeed::Unwanted)
        );
        assert_eq!(need(Mode::Netserver, "sshd.service"), None);
        assert_eq!(programs(Mode::Netclient), &["upsmon"]);
    }
}
