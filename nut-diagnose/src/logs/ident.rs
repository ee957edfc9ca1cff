//! Which program a line is from: NUT's daemons, tools, drivers and systemd units (and the idents
//! Home Assistant and NAS systems run them under) versus everything else.

/// A name list as a slice and as a `match` (the compiler's length-then-bytes comparison: the look-up
/// every header makes, far cheaper than a binary search over 80 strings), from one list.
macro_rules! names {
    ($(#[$m:meta])* $vis:vis const $name:ident, fn $is:ident, [$($n:literal),* $(,)?]) => {
        $(#[$m])*
        $vis const $name: &[&str] = &[$($n),*];
        fn $is(s: &str) -> bool {
            matches!(s, $($n)|*)
        }
    };
}

names!(
    /// NUT's drivers (the programs of its `drivers/` directory, 2.7.4–2.8.5), facts of its build lists.
    pub const DRIVERS, fn listed_driver, [
    "adelsystem_cbi", "al175", "apc_modbus", "apcsmart", "apcsmart-old", "apcupsd-ups", "asem",
    "bcmxcp", "bcmxcp_usb", "belkin", "belkinunv", "bestfcom", "bestfortress", "bestuferrups", "bestups",
    "bicker_ser", "blazer_ser", "blazer_usb", "clone", "clone-outlet", "dummy-ups", "etapro", "everups",
    "gamatronic", "generic_gpio_libgpiod", "generic_modbus", "genericups", "huawei-ups2000",
    "hwmon_ina219", "isbmex", "ivtscd", "liebert", "liebert-esp2", "liebert-gxe", "macosx-ups",
    "masterguard", "meanwell_ntu", "metasys", "mge-shut", "mge-utalk", "microdowell", "microsol-apc",
    "must_ep2000pro", "netxml-ups", "nhs_ser", "nut-ipmipsu", "nut-upower", "nutdrv_atcl_usb",
    "nutdrv_hashx", "nutdrv_qx", "nutdrv_siemens-sitop", "oneac", "optiups", "phoenixcontact_modbus",
    "pijuice", "powercom", "powerman-pdu", "powerpanel", "powervar_cx_ser", "powervar_cx_usb", "rhino",
    "richcomm_usb", "riello_ser", "riello_usb", "safenet", "sms_ser", "snmp-ups", "socomec_jbus",
    "solis", "tripplite", "tripplite_usb", "tripplitesu", "upscode2", "usbhid-ups", "ve-direct",
    "victronups",
    ]
);

names!(
    /// NUT's daemons and tools.
    #[cfg_attr(not(test), allow(dead_code))]
    const PROGRAMS, fn listed_program, [
    "upsmon", "upsd", "upssched", "upssched-cmd", "upsdrvctl", "upsdrvsvcctl", "upslog", "upsc",
    "upscmd", "upsrw", "upsnotify", "nut-scanner", "nut-driver-enumerator", "nut-driver-enumerator.sh",
    "nutshutdown",
    ]
);

/// Programs whose lines are NUT's business: NUT's daemons and tools, its drivers, its systemd units
/// (`nut-monitor`, `nut-server`, `nut-driver@ups`), and the idents NUT runs under elsewhere (the Home
/// Assistant add-on `addon_*_nut`, Synology's `synoups`/`upsmon`, containers named `nut-upsd`…). A
/// path (`/lib/nut/upsd`) counts by its last part.
pub fn is_nut_ident(ident: &str) -> bool {
    let ident = ident
        .as_bytes()
        .iter()
        .rposition(|&c| c == b'/')
        .and_then(|i| ident.get(i + 1..))
        .unwrap_or(ident);
    if ident.is_empty() {
        return false;
    }
    // The daemons most lines come from, before any table look-up.
    if matches!(ident, "upsmon" | "upsd" | "upssched" | "upsdrvctl") {
        return true;
    }
    if ident.len() > 64 {
        return false;
    }
    // The cheap affix tests before the tables (most idents of a syslog are other programs', and
    // those go through every test).
    // Drivers not in the list (new ones, vendor builds) mostly end in `ups`; every NUT tool starts
    // with `ups`.
    if ident.starts_with("ups") || ident.ends_with("-ups") || ident.ends_with("_ups") {
        return true;
    }
    // Unit names and wrappers: nut-server, nut-monitor, nut-driver@apc(.service), nut-upsd (docker).
    if ident.starts_with("nut-") || ident.starts_with("nut_") || ident.starts_with("nutdrv") {
        return true;
    }
    // Home Assistant add-on idents (`addon_a0d7b954_nut`, `hassio_nut`) and NAS wrappers.
    if ident.ends_with("_nut") || ident.ends_with("-nut") || ident == "nut" || ident == "synoups" {
        return true;
    }
    // Python loggers of NUT clients: Home Assistant's integration (`homeassistant.components.nut`,
    // its platforms `….nut.sensor`, a custom copy `custom_components.nut`) and its libraries.
    // (`.nut.` by a window compare: `str::contains` sets up a substring search for each ident, and
    // this runs for every ident a scan has not seen lately.)
    if ident.ends_with(".nut")
        || ident.as_bytes().windows(5).any(|w| w == b".nut.")
        || ident.starts_with("pynut2")
        || ident.starts_with("aionut")
    {
        return true;
    }
    listed_program(ident) || listed_driver(ident)
}

/// The NUT program an ident names, when it is a driver: drivers say little that names a UPS, so the
/// timeline ties their lines to the UPS by time. A driver's systemd unit counts ([`is_driver_unit`]);
/// nut-driver-enumerator, which writes those units, does not.
pub fn is_driver(ident: &str) -> bool {
    let ident = ident.rsplit('/').next().unwrap_or(ident);
    listed_driver(ident) || is_driver_unit(ident) || ident == "upsdrvctl"
}

/// Whether a unit (or a unit's name used as an ident, systemd's `SyslogIdentifier=%N`) runs a
/// driver: `nut-driver@apc`, `nut-driver@apc.service`, and the units' group `nut-driver` /
/// `nut-driver.target`. Not `nut-driver-enumerator` (`.service`, `.path`, `-daemon`, the script
/// `nut-driver-enumerator.sh`): a helper that writes the `nut-driver@` units from ups.conf.
pub fn is_driver_unit(unit: &str) -> bool {
    unit.strip_prefix("nut-driver")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['@', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drivers_are_sorted_for_binary_search() {
        assert!(DRIVERS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lists_and_matches_agree() {
        for d in DRIVERS {
            assert!(listed_driver(d) && is_driver(d) && is_nut_ident(d), "{d}");
        }
        for p in PROGRAMS {
            assert!(listed_program(p) && is_nut_ident(p), "{p}");
        }
        assert!(!listed_driver("usbhid") && !listed_program("ups"));
    }

    #[test]
    fn nut_and_foreign() {
        for i in [
            "upsmon",
            "upsd",
            "usbhid-ups",
            "nutdrv_qx",
            "blazer_usb",
            "nut-monitor",
            "nut-driver@apc",
            "nut-monitor.service",
            "nut-driver@apc.service",
            "addon_a0d7b954_nut",
            "/lib/nut/upsd",
            "apcsmart",
            "snmp-ups",
            "upssched",
            "synoups",
            "homeassistant.components.nut",
            "homeassistant.components.nut.sensor",
            "custom_components.nut",
            "pynut2.nut2",
            "aionut.client",
        ] {
            assert!(is_nut_ident(i), "{i}");
        }
        for i in [
            "sshd",
            "kernel",
            "systemd",
            "CRON",
            "",
            "dhcpcd",
            "nginx",
            "homeassistant.config_entries",
            "homeassistant.components.nuki",
        ] {
            assert!(!is_nut_ident(i), "{i}");
        }
        assert!(is_driver("usbhid-ups") && is_driver("nut-driver@apc") && !is_driver("upsd"));
    }

    #[test]
    fn the_enumerator_is_no_driver() {
        for d in [
            "nut-driver@apc",
            "nut-driver@apc.service",
            "nut-driver",
            "nut-driver.target",
            "upsdrvctl",
            "/lib/nut/usbhid-ups",
            "dummy-ups",
        ] {
            assert!(is_driver(d), "{d}");
        }
        // Debian's `nut-driver-enumerator[123]:` (SyslogIdentifier=%N of its unit), the script's
        // own name, NUT 2.8.5's daemon unit.
        for e in [
            "nut-driver-enumerator",
            "nut-driver-enumerator.sh",
            "/usr/lib/nut/nut-driver-enumerator.sh",
            "nut-driver-enumerator-daemon",
            "nut-driver-enumerator.service",
        ] {
            assert!(!is_driver(e) && !is_driver_unit(e), "{e}");
            assert!(is_nut_ident(e), "{e}: still NUT's");
        }
    }
}
