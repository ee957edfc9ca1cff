//! Which program a line is from: NUT's daemons, tools, drivers and systemd units (and the idents
//! Home Assistant and NAS systems run them under) versus everything else.

/// NUT's drivers (the programs of its `drivers/` directory, 2.7.4–2.8.5), facts of its build lists.
#[rustfmt::skip]
pub const DRIVERS: &[&str] = &[
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
];

/// NUT's daemons and tools.
#[rustfmt::skip]
const PROGRAMS: &[&str] = &[
    "upsmon", "upsd", "upssched", "upssched-cmd", "upsdrvctl", "upsdrvsvcctl", "upslog", "upsc",
    "upscmd", "upsrw", "upsnotify", "nut-scanner", "nut-driver-enumerator", "nut-driver-enumerator.sh",
    "nutshutdown",
];

/// Programs whose lines are NUT's business: NUT's daemons and tools, its drivers, its systemd units
/// (`nut-monitor`, `nut-server`, `nut-driver@ups`), and the idents NUT runs under elsewhere (the Home
/// Assistant add-on `addon_*_nut`, Synology's `synoups`/`upsmon`, containers named `nut-upsd`…). A
/// path (`/lib/nut/upsd`) counts by its last part.
pub fn is_nut_ident(ident: &str) -> bool {
    let ident = ident.rsplit('/').next().unwrap_or(ident);
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
    if PROGRAMS.contains(&ident) || DRIVERS.binary_search(&ident).is_ok() {
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
    // Drivers not in the list (new ones, vendor builds) mostly end in `ups` or `_usb`/`_ser`.
    ident.ends_with("-ups") || ident.ends_with("_ups") || ident.starts_with("ups")
}

/// The NUT program an ident names, when it is a driver: drivers say little that names a UPS, so the
/// timeline ties their lines to the UPS by time.
pub fn is_driver(ident: &str) -> bool {
    let ident = ident.rsplit('/').next().unwrap_or(ident);
    DRIVERS.binary_search(&ident).is_ok() || ident.starts_with("nut-driver") || ident == "upsdrvctl"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drivers_are_sorted_for_binary_search() {
        assert!(DRIVERS.windows(2).all(|w| w[0] < w[1]));
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
            "addon_a0d7b954_nut",
            "/lib/nut/upsd",
            "apcsmart",
            "snmp-ups",
            "upssched",
            "synoups",
        ] {
            assert!(is_nut_ident(i), "{i}");
        }
        for i in ["sshd", "kernel", "systemd", "CRON", "", "dhcpcd", "nginx"] {
            assert!(!is_nut_ident(i), "{i}");
        }
        assert!(is_driver("usbhid-ups") && is_driver("nut-driver@apc") && !is_driver("upsd"));
    }
}
