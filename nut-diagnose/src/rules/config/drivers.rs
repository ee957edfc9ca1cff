//! ups.conf sections of USB drivers that cannot find, or cannot tell apart, their device. Each check
//! names the real thread it came from (tests/real-world/config/).

use super::*;

/// NUT's USB drivers (they match a device by the USB settings; `port` is only a placeholder).
const USB_DRIVERS: &[&str] = &[
    "usbhid-ups",
    "nutdrv_qx",
    "blazer_usb",
    "bcmxcp_usb",
    "tripplite_usb",
    "richcomm_usb",
    "riello_usb",
    "nutdrv_atcl_usb",
];

fn is_usb(u: &crate::config::UpsSection) -> bool {
    u.driver
        .as_deref()
        .is_some_and(|d| USB_DRIVERS.contains(&d.trim()))
}

/// The USB checks:
/// - `port` set to a device path on a USB driver (nut#798): USB drivers ignore it, so two sections
///   "told apart" by udev symlinks attach to the same first UPS;
/// - two sections of the same USB driver with identical matching settings (nut#1174): every driver
///   grabs the first device and only one UPS is monitored;
/// - a matching string with leading or trailing spaces (nut#26, copied from `nut-scanner`): the
///   driver compares exactly and never matches ("Device does not match - skipping").
pub fn drivers(c: &HostConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(upses) = &c.upses else {
        return out;
    };
    let usb: Vec<&crate::config::UpsSection> = upses.iter().filter(|u| is_usb(u)).collect();
    for u in &usb {
        let at = |v: String| cfg("ups.conf", u.line, v);
        if let Some(p) = u
            .port
            .as_deref()
            .filter(|p| p.trim() != "auto" && !p.trim().is_empty())
        {
            out.push(
                Finding::new(
                    "config.usb-port-ignored",
                    Severity::Warning,
                    format!("[{}] port = {p}: a USB driver ignores port", u.name),
                    "USB drivers find their device by vendorid/productid/serial/bus, not by port: a device path does not select the UPS, and several sections attach to the first match.",
                    "Set `port = auto` and select the device with `vendorid`, `productid` and `serial` (or `bus`/`device`), as `nut-scanner -U` prints them.",
                )
                .about(u.name.clone())
                .with(at(format!("[{}] driver = {}, port = {p}", u.name, u.driver.as_deref().unwrap_or("")))),
            );
        }
        for (k, v) in &u.usb_match {
            if v != v.trim() {
                out.push(
                    Finding::new(
                        "config.usb-match-spaces",
                        Severity::Warning,
                        format!("[{}] {k} = \"{v}\" has leading or trailing spaces", u.name),
                        "The driver compares the USB strings exactly (older drivers do not trim the device's padding): the UPS never matches and the driver reports \"Device does not match - skipping\".",
                        format!("Remove the spaces from `{k}` (or remove the line and match on vendorid/productid/serial without padding)."),
                    )
                    .about(u.name.clone())
                    .with(at(format!("[{}] {k} = \"{v}\"", u.name))),
                );
            }
        }
    }
    for (i, a) in usb.iter().enumerate() {
        for b in usb.iter().skip(i + 1) {
            let same_driver =
                a.driver.as_deref().map(str::trim) == b.driver.as_deref().map(str::trim);
            let distinguishing = |u: &crate::config::UpsSection| {
                u.usb_match
                    .iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "vendorid" | "productid" | "vendor" | "product")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>()
            };
            let same = same_driver
                && distinguishing(a) == distinguishing(b)
                && a.usb_match.get("vendorid") == b.usb_match.get("vendorid")
                && a.usb_match.get("productid") == b.usb_match.get("productid");
            if same && a.port.as_deref().map(str::trim) == b.port.as_deref().map(str::trim) {
                out.push(
                    Finding::new(
                        "config.usb-sections-indistinguishable",
                        Severity::Warning,
                        format!("[{}] and [{}] match the same USB device", a.name, b.name),
                        "Both sections use the same driver with the same matching settings: each driver takes the first device it finds, so one UPS is watched twice and the other not at all.",
                        "Tell them apart with `serial` (if the UPSes report one) or `bus`/`device`/`busport` (`nut-scanner -U` lists them).",
                    )
                    .about(a.name.clone())
                    .with(cfg("ups.conf", a.line, format!("[{}]", a.name)))
                    .with(cfg("ups.conf", b.line, format!("[{}]", b.name))),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpsSection;

    fn section(name: &str, driver: &str, port: &str, m: &[(&str, &str)]) -> UpsSection {
        UpsSection {
            name: name.into(),
            line: 1,
            driver: Some(driver.into()),
            port: Some(port.into()),
            sdorder: 0,
            usb_match: m
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn ids(upses: Vec<UpsSection>) -> Vec<String> {
        let c = HostConfig {
            upses: Some(upses),
            ..HostConfig::default()
        };
        drivers(&c).into_iter().map(|f| f.id.to_string()).collect()
    }

    #[test]
    fn usb_checks() {
        assert_eq!(
            ids(vec![section("a", "usbhid-ups", "/dev/usb/eaton", &[])]),
            ["config.usb-port-ignored"]
        );
        assert!(
            ids(vec![section("a", "snmp-ups", "10.0.0.9", &[])]).is_empty(),
            "not a USB driver"
        );
        assert_eq!(
            ids(vec![section(
                "a",
                "usbhid-ups",
                "auto",
                &[("serial", "5B12  ")]
            )]),
            ["config.usb-match-spaces"]
        );
        let twins = vec![
            section("a", "nutdrv_qx", "auto", &[]),
            section("b", "nutdrv_qx ", "auto", &[]),
        ];
        assert_eq!(ids(twins), ["config.usb-sections-indistinguishable"]);
        let told_apart = vec![
            section("a", "usbhid-ups", "auto", &[("serial", "A")]),
            section("b", "usbhid-ups", "auto", &[("serial", "B")]),
        ];
        assert!(ids(told_apart).is_empty());
    }
}
