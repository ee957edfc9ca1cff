//! ups.conf: the UPSes this host drives, one `[name]` section each, plus driver-wide globals.
//!
//! Three line shapes (as NUT's `upsconf.c` reads them): `key = value` (extra words ignored), a single
//! word (a flag such as `nolock`), and `[name]`. A two-word line without `=` is silently ignored by NUT,
//! so it is reported here. upsd only uses `driver`, `port` and `desc`; a section lacking `driver` or
//! `port` is skipped by upsd ("ignoring incomplete configuration").

use crate::document::{Document, Entry, LineKind};
use crate::error::{ErrorKind, Severity};
use crate::files::{Ctx, Parsed, Unknown};
use crate::secret::Secret;

/// Global keys (before the first section).
pub const GLOBAL_KEYS: &[&str] = &[
    "LIBUSB_DEBUG",
    "chroot",
    "debug_min",
    "driverpath",
    "group",
    "maxretry",
    "maxstartdelay",
    "nowait",
    "pollinterval",
    "reconnect_max_tries",
    "reconnect_report_freq",
    "retrydelay",
    "statepath",
    "synchronous",
    "user",
];

/// Per-section keys the core or the common drivers (USB, serial, SNMP, network) know. Others are kept
/// and reported, since a driver refuses settings it does not know.
pub const SECTION_KEYS: &[&str] = &[
    "LIBUSB_DEBUG",
    "allow_duplicates",
    "allow_killpower",
    "authPassword",
    "authProtocol",
    "authconf",
    "baud_rate",
    "battery_voltage_reports_one_pack",
    "bus",
    "busport",
    "cable",
    "community",
    "debug_min",
    "desc",
    "device",
    "driver",
    "group",
    "ignorelb",
    "interruptonly",
    "interruptsize",
    "langid_fix",
    "login",
    "maxretry",
    "maxstartdelay",
    "mibs",
    "mode",
    "nolock",
    "noscanlangid",
    "notransferoids",
    "offdelay",
    "ondelay",
    "password",
    "pollfreq",
    "pollinterval",
    "pollonly",
    "port",
    "privPassword",
    "privProtocol",
    "product",
    "productid",
    "protocol",
    "reconnect_max_tries",
    "reconnect_report_freq",
    "retrydelay",
    "sddelay",
    "sdcommands",
    "sdorder",
    "secLevel",
    "secName",
    "serial",
    "snmp_retries",
    "snmp_timeout",
    "snmp_version",
    "subdriver",
    "synchronous",
    "upstype",
    "usb_config_index",
    "usb_hid_desc_index",
    "usb_hid_ep_in",
    "usb_hid_ep_out",
    "usb_hid_rep_index",
    "usb_set_altinterface",
    "user",
    "vendor",
    "vendorid",
];

/// A setting's value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A single-word flag (`nolock`).
    Flag,
    /// `key = value`.
    Text(String),
    /// `key = value` where the key names a credential (SNMP community, passwords).
    Secret(Secret),
}

impl Value {
    /// The text of a non-secret value.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// One setting line, kept whatever its key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Param {
    /// The key as written.
    pub key: String,
    /// Its value.
    pub value: Value,
    /// Physical line.
    pub line: usize,
}

/// Settings before the first section, with NUT's defaults.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Globals {
    /// `chroot`.
    pub chroot: Option<String>,
    /// `driverpath` (build-time default when `None`).
    pub driverpath: Option<String>,
    /// `statepath`: where driver sockets live; overrides upsd's STATEPATH.
    pub statepath: Option<String>,
    /// `maxstartdelay` (75 s).
    pub maxstartdelay: u32,
    /// `maxretry` (1).
    pub maxretry: u32,
    /// `retrydelay` (5 s).
    pub retrydelay: u32,
    /// `nowait` flag.
    pub nowait: bool,
    /// `pollinterval` (2 s).
    pub pollinterval: u32,
    /// `synchronous` (`auto` when unset).
    pub synchronous: Option<String>,
    /// `user` drivers run as.
    pub user: Option<String>,
    /// `group` drivers run as.
    pub group: Option<String>,
    /// `debug_min`.
    pub debug_min: Option<u32>,
    /// Every global line, known or not, in order.
    pub params: Vec<Param>,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            chroot: None,
            driverpath: None,
            statepath: None,
            maxstartdelay: 75,
            maxretry: 1,
            retrydelay: 5,
            nowait: false,
            pollinterval: 2,
            synchronous: None,
            user: None,
            group: None,
            debug_min: None,
            params: Vec::new(),
        }
    }
}

/// One `[name]` section: a UPS and its driver.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ups {
    /// The UPS name clients use (`MONITOR name@host`).
    pub name: String,
    /// Physical line of the header.
    pub line: usize,
    /// Driver program (required).
    pub driver: Option<String>,
    /// Device / address (required).
    pub port: Option<String>,
    /// `desc` shown by `LIST UPS`.
    pub desc: Option<String>,
    /// `sdorder` (0; -1 excludes the UPS from `upsdrvctl shutdown`).
    pub sdorder: i32,
    /// `sdcommands`.
    pub sdcommands: Option<String>,
    /// `pollinterval` override.
    pub pollinterval: Option<u32>,
    /// `nolock` flag.
    pub nolock: bool,
    /// `ignorelb` flag.
    pub ignorelb: bool,
    /// `allow_killpower` flag.
    pub allow_killpower: bool,
    /// Every line of the section, known or not, in order.
    pub params: Vec<Param>,
}

impl Ups {
    /// upsd serves a UPS only if both `driver` and `port` are set.
    pub fn is_complete(&self) -> bool {
        self.driver.is_some() && self.port.is_some()
    }

    /// The last value set for `key` (non-secret).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|p| p.key == key)
            .and_then(|p| p.value.text())
    }
}

/// What ups.conf says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct UpsConf {
    /// Global settings.
    pub globals: Globals,
    /// The UPS sections, in file order (a duplicate name is reported and skipped).
    pub upses: Vec<Ups>,
    /// Global keys NUT does not know.
    pub unknown: Vec<Unknown>,
}

impl UpsConf {
    /// The section for a UPS name.
    pub fn ups(&self, name: &str) -> Option<&Ups> {
        self.upses.iter().find(|u| u.name == name)
    }

    /// Builds the view from a ups.conf document.
    pub fn from_document(doc: &Document) -> Parsed<UpsConf> {
        let mut cx = Ctx::new(doc);
        let mut view = UpsConf::default();
        // Index in view.upses of the section being read; None before the first, or in a skipped one.
        let mut current: Option<usize> = None;
        let mut in_section = false;
        let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut seen_keys: Vec<(String, usize)> = Vec::new();
        for e in doc.entries() {
            match e.line.kind() {
                LineKind::Section => {
                    in_section = true;
                    seen_keys.clear();
                    current = None;
                    let Some(name) = e.line.section_name() else {
                        continue;
                    };
                    let well_formed = e
                        .line
                        .tokens()
                        .first()
                        .is_some_and(|t| t.text().ends_with(']'));
                    if name.is_empty() || !well_formed || !names.insert(name.to_string()) {
                        continue; // reported by the document's structure check
                    }
                    if name == "default" {
                        cx.error(
                            &e,
                            None,
                            ErrorKind::ReservedName {
                                name: name.to_string(),
                            },
                        );
                    }
                    view.upses.push(Ups {
                        name: name.to_string(),
                        line: cx.line(&e),
                        driver: None,
                        port: None,
                        desc: None,
                        sdorder: 0,
                        sdcommands: None,
                        pollinterval: None,
                        nolock: false,
                        ignorelb: false,
                        allow_killpower: false,
                        params: Vec::new(),
                    });
                    current = Some(view.upses.len() - 1);
                }
                LineKind::Directive => {
                    let Some(param) = read_param(&mut cx, &e) else {
                        continue;
                    };
                    if !in_section {
                        apply_global(&mut cx, &e, &mut view, param);
                    } else if let Some(ups) = current.and_then(|i| view.upses.get_mut(i)) {
                        if matches!(param.key.as_str(), "driver" | "port" | "desc" | "sdorder") {
                            cx.once(&mut seen_keys, &e, &param.key, "");
                        }
                        apply_section(&mut cx, &e, ups, param);
                    }
                }
                _ => {}
            }
        }
        for ups in &view.upses {
            if !ups.is_complete() {
                let missing = match (&ups.driver, &ups.port) {
                    (None, None) => "driver and port",
                    (None, _) => "driver",
                    _ => "port",
                };
                let index = doc
                    .entries()
                    .find(|e| e.line.section_name() == Some(ups.name.as_str()))
                    .map_or(0, |e| e.index);
                cx.diags.push(doc.error_at(
                    index,
                    0,
                    Severity::Warning,
                    ErrorKind::Required {
                        what: format!(
                            "[{}] has no {missing}: upsd ignores this UPS (incomplete configuration)",
                            ups.name
                        ),
                    },
                ));
            }
        }
        cx.finish(view)
    }
}

/// Reads one `key = value` / `flag` line, reporting shapes NUT ignores.
fn read_param(cx: &mut Ctx<'_>, e: &Entry<'_>) -> Option<Param> {
    let toks = e.line.tokens();
    let key_tok = toks.first()?;
    let key = key_tok.text().to_string();
    let line = cx.line(e);
    if toks.len() == 1 {
        return Some(Param {
            key,
            value: Value::Flag,
            line,
        });
    }
    if !e.line.has_equals() {
        cx.warn(e, None, ErrorKind::MissingEquals { directive: key });
        return None;
    }
    let args = e.line.args();
    let Some(v) = args.first() else {
        cx.error(
            e,
            toks.get(1),
            ErrorKind::MissingArgument {
                directive: key,
                what: "a value after =".to_string(),
            },
        );
        return None;
    };
    if let Some(extra) = args.get(1) {
        cx.warn(
            e,
            Some(extra),
            ErrorKind::ExtraArguments {
                directive: key.clone(),
                expected: "the value (quote values that contain spaces or =)".to_string(),
            },
        );
    }
    let value = if v.is_secret() {
        Value::Secret(Secret::new(v.text()))
    } else {
        Value::Text(v.text().to_string())
    };
    Some(Param { key, value, line })
}

fn num<T: std::str::FromStr>(cx: &mut Ctx<'_>, e: &Entry<'_>, p: &Param, range: &str) -> Option<T> {
    let tok = e.line.args().first()?;
    cx.parse_number(e, &p.key, tok, range)
}

fn apply_global(cx: &mut Ctx<'_>, e: &Entry<'_>, view: &mut UpsConf, p: Param) {
    let g = &mut view.globals;
    let text = p.value.text().map(str::to_string);
    match (p.key.as_str(), &p.value) {
        ("nowait", Value::Flag) => g.nowait = true,
        ("chroot", _) => g.chroot = text,
        ("driverpath", _) => g.driverpath = text,
        ("statepath", _) => g.statepath = text,
        ("synchronous", _) => g.synchronous = text,
        ("user", _) => g.user = text,
        ("group", _) => g.group = text,
        ("maxstartdelay", _) => g.maxstartdelay = num(cx, e, &p, "").unwrap_or(g.maxstartdelay),
        ("maxretry", _) => g.maxretry = num(cx, e, &p, "").unwrap_or(g.maxretry),
        ("retrydelay", _) => g.retrydelay = num(cx, e, &p, "").unwrap_or(g.retrydelay),
        ("pollinterval", _) => g.pollinterval = num(cx, e, &p, "").unwrap_or(g.pollinterval),
        ("debug_min", _) => g.debug_min = num(cx, e, &p, "").or(g.debug_min),
        (k, _) if GLOBAL_KEYS.contains(&k) => {}
        (k, _) => {
            view.unknown.push(cx.unknown(e, None, k, p.line));
        }
    }
    view.globals.params.push(p);
}

fn apply_section(cx: &mut Ctx<'_>, e: &Entry<'_>, ups: &mut Ups, p: Param) {
    let text = p.value.text().map(str::to_string);
    match (p.key.as_str(), &p.value) {
        ("nolock", Value::Flag) => ups.nolock = true,
        ("ignorelb", Value::Flag) => ups.ignorelb = true,
        ("allow_killpower", Value::Flag) => ups.allow_killpower = true,
        ("driver", _) => ups.driver = text,
        ("port", _) => ups.port = text,
        ("desc", _) => ups.desc = text,
        ("sdcommands", _) => ups.sdcommands = text,
        ("sdorder", _) => ups.sdorder = num(cx, e, &p, " (-1 or more)").unwrap_or(ups.sdorder),
        ("pollinterval", _) => ups.pollinterval = num(cx, e, &p, "").or(ups.pollinterval),
        (k, _) if SECTION_KEYS.contains(&k) => {}
        (k, _) if k.starts_with("default.") || k.starts_with("override.") => {}
        (k, _) => cx.warn(
            e,
            None,
            ErrorKind::DriverParam {
                key: k.to_string(),
                driver: ups.driver.clone().unwrap_or_else(|| "this".to_string()),
            },
        ),
    }
    ups.params.push(p);
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<UpsConf> {
        UpsConf::from_document(&Document::parse_str(FileKind::UpsConf, "ups.conf", s))
    }

    fn msgs(p: &Parsed<UpsConf>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn globals_and_defaults() {
        let p = parse(
            "maxretry = 3\nnowait\nstatepath = /run/nut\n[u]\n driver = dummy-ups\n port = u.dev\n",
        );
        let g = &p.view.globals;
        assert_eq!(
            (g.maxretry, g.retrydelay, g.maxstartdelay, g.pollinterval),
            (3, 5, 75, 2)
        );
        assert!(g.nowait);
        assert_eq!(g.statepath.as_deref(), Some("/run/nut"));
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let d = parse("");
        assert_eq!(d.view.globals.maxretry, 1);
    }

    #[test]
    fn sections() {
        let p = parse(
            "[rack]\n\tdriver = usbhid-ups\n\tport = auto\n\tdesc = \"Rack A\"\n\tsdorder = -1\n\tnolock\n\toverride.battery.charge.low = 30\n\tvendorid = 0463\n[b]\n\tdriver=snmp-ups\n\tport=10.0.0.9\n\tcommunity = Pr1vate\n",
        );
        let r = p.view.ups("rack").unwrap();
        assert_eq!(r.driver.as_deref(), Some("usbhid-ups"));
        assert_eq!(r.port.as_deref(), Some("auto"));
        assert_eq!(r.desc.as_deref(), Some("Rack A"));
        assert_eq!(r.sdorder, -1);
        assert!(r.nolock && !r.ignorelb);
        assert_eq!(r.get("override.battery.charge.low"), Some("30"));
        assert_eq!(r.line, 1);
        let b = p.view.ups("b").unwrap();
        assert_eq!(
            b.params.last().map(|p| &p.value),
            Some(&Value::Secret(Secret::new("Pr1vate")))
        );
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let json = format!("{:?}", p.view);
        assert!(!json.contains("Pr1vate"));
    }

    #[test]
    fn every_core_section_key() {
        let p = parse(concat!(
            "chroot = /var/empty\ndriverpath = /lib/nut\nretrydelay = 7\nmaxstartdelay = 30\n",
            "pollinterval = 4\nsynchronous = yes\nuser = nut\ngroup = nut\ndebug_min = 1\n",
            "[u]\n\tdriver = nutdrv_qx\n\tport = /dev/ttyUSB0\n\tsdcommands = shutdown.return\n",
            "\tpollinterval = 10\n\tignorelb\n\tallow_killpower\n\tdefault.battery.runtime.low = 120\n",
        ));
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let g = &p.view.globals;
        assert_eq!(g.chroot.as_deref(), Some("/var/empty"));
        assert_eq!(g.driverpath.as_deref(), Some("/lib/nut"));
        assert_eq!((g.retrydelay, g.maxstartdelay, g.pollinterval), (7, 30, 4));
        assert_eq!(g.synchronous.as_deref(), Some("yes"));
        assert_eq!(
            (g.user.as_deref(), g.group.as_deref()),
            (Some("nut"), Some("nut"))
        );
        assert_eq!(g.debug_min, Some(1));
        let u = p.view.ups("u").unwrap();
        assert!(u.is_complete() && u.ignorelb && u.allow_killpower && !u.nolock);
        assert_eq!(u.sdcommands.as_deref(), Some("shutdown.return"));
        assert_eq!(u.pollinterval, Some(10));
        assert_eq!(u.sdorder, 0);
        assert_eq!(u.get("default.battery.runtime.low"), Some("120"));
    }

    #[test]
    fn problems_are_located() {
        let p = parse(
            "bogus = 1\n[default]\n driver = x\n port = y\n[u]\n driver usbhid-ups\n port =\n sdorder = first\n desc = two words here\n[u]\n mystery = 1\n[]\n",
        );
        assert_eq!(
            msgs(&p),
            [
                "ups.conf:1:1: warning: unknown directive bogus: NUT ignores it",
                "ups.conf:2:1: the UPS name [default] is reserved by NUT",
                "ups.conf:5:1: warning: [u] has no driver and port: upsd ignores this UPS (incomplete configuration)",
                "ups.conf:6:2: warning: driver: expected `driver = value`; NUT ignores this line",
                "ups.conf:7:7: port: missing a value after =",
                "ups.conf:8:12: sdorder: \"first\" is not a number (-1 or more)",
                "ups.conf:9:13: warning: desc: extra words after the value (quote values that contain spaces or =) are ignored",
                "ups.conf:10:1: duplicate section [u] (first defined on line 5)",
                "ups.conf:12:1: section header without a name",
            ]
        );
        // The duplicate section's lines are not merged into the first one.
        assert_eq!(p.view.upses.len(), 2);
    }

    #[test]
    fn driver_specific_keys_warn() {
        let p = parse("[u]\n driver = blazer_ser\n port = /dev/ttyS0\n runtimecal = 1\n");
        assert_eq!(
            msgs(&p),
            ["ups.conf:4:2: warning: runtimecal is not a core ups.conf setting: fine only if the blazer_ser driver accepts it (drivers refuse unknown settings at start)"]
        );
        assert_eq!(p.view.upses.first().map(|u| u.params.len()), Some(3));
    }
}
