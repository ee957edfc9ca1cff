//! upsd.conf: where upsd listens and how it treats drivers and TLS.
//!
//! `KEYWORD value…`, keywords case-sensitive (except `DEBUG_MIN`). Without any `LISTEN`, upsd listens on
//! `127.0.0.1` and `::1` only — the classic reason LAN clients cannot connect.

use crate::document::Document;
use crate::error::ErrorKind;
use crate::files::{directives, CertIdent, Ctx, Parsed, Unknown};
use crate::secret::Secret;

/// One address upsd listens on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listen {
    /// Address or host name as written (`*` = every address, IPv4 and IPv6).
    pub addr: String,
    /// TCP port (3493 unless given).
    pub port: u16,
    /// Physical line; 0 for the built-in defaults.
    pub line: usize,
}

impl Listen {
    /// True if only this host can reach the address (`localhost`, `127.x`, `::1`).
    pub fn is_loopback(&self) -> bool {
        nut_proto::target::host_kind(&self.addr) == nut_proto::target::HostKind::Loopback
    }
}

/// `CERTREQUEST`: whether upsd asks clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertRequest {
    /// 0 / NO (default).
    #[default]
    No,
    /// 1 / REQUEST.
    Request,
    /// 2 / REQUIRE.
    Require,
}

/// What upsd.conf says, with upsd's defaults.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpsdConf {
    /// `LISTEN` lines as written (empty = upsd's loopback defaults, see [`UpsdConf::effective_listen`]).
    pub listen: Vec<Listen>,
    /// `MAXAGE` (15 s): driver silence before `DATA-STALE`.
    pub maxage: u32,
    /// `TRACKINGDELAY` (3600 s).
    pub trackingdelay: u32,
    /// `ALLOW_NO_DEVICE` (false).
    pub allow_no_device: bool,
    /// `ALLOW_NOT_ALL_LISTENERS` (false).
    pub allow_not_all_listeners: bool,
    /// `STATEPATH` (build-time default when `None`).
    pub statepath: Option<String>,
    /// `DATAPATH`.
    pub datapath: Option<String>,
    /// `MAXCONN` (OS limit when `None`).
    pub maxconn: Option<u32>,
    /// `CERTFILE` (enables STARTTLS).
    pub certfile: Option<String>,
    /// `CERTPATH`.
    pub certpath: Option<String>,
    /// `CERTIDENT name password`.
    pub certident: Option<CertIdent>,
    /// `CERTREQUEST`.
    pub certrequest: CertRequest,
    /// `DISABLE_WEAK_SSL` (false).
    pub disable_weak_ssl: bool,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// Directives upsd does not know (ignored with a warning by upsd too).
    pub unknown: Vec<Unknown>,
}

impl Default for UpsdConf {
    fn default() -> Self {
        UpsdConf {
            listen: Vec::new(),
            maxage: 15,
            trackingdelay: 3600,
            allow_no_device: false,
            allow_not_all_listeners: false,
            statepath: None,
            datapath: None,
            maxconn: None,
            certfile: None,
            certpath: None,
            certident: None,
            certrequest: CertRequest::No,
            disable_weak_ssl: false,
            debug_min: None,
            unknown: Vec::new(),
        }
    }
}

impl UpsdConf {
    /// Where upsd will actually listen: the `LISTEN` lines, or `127.0.0.1` and `::1` port 3493 when
    /// there are none.
    pub fn effective_listen(&self) -> Vec<Listen> {
        if !self.listen.is_empty() {
            return self.listen.clone();
        }
        ["127.0.0.1", "::1"]
            .into_iter()
            .map(|a| Listen {
                addr: a.to_string(),
                port: nut_proto::target::DEFAULT_PORT,
                line: 0,
            })
            .collect()
    }

    /// True if no other host can reach upsd (every effective address is loopback).
    pub fn loopback_only(&self) -> bool {
        self.effective_listen().iter().all(Listen::is_loopback)
    }

    /// Builds the view from an upsd.conf document.
    pub fn from_document(doc: &Document) -> Parsed<UpsdConf> {
        let mut cx = Ctx::new(doc);
        let mut v = UpsdConf::default();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (e, key) in directives(doc) {
            if key != "LISTEN" {
                cx.once(&mut seen, &e, key, "; the later value wins");
            }
            match key {
                "LISTEN" => {
                    let args = e.line.args();
                    let Some(addr) = cx.one_arg_allow(&e, key, "an address", 2) else {
                        continue;
                    };
                    let port = match args.get(1) {
                        None => Some(nut_proto::target::DEFAULT_PORT),
                        Some(p) => match p.text().parse::<u16>() {
                            Ok(n) if n > 0 => Some(n),
                            _ => {
                                cx.error(
                                    &e,
                                    Some(p),
                                    ErrorKind::NotANumber {
                                        directive: key.to_string(),
                                        value: p.text().to_string(),
                                        range: " (expected a port from 1 to 65535)".to_string(),
                                    },
                                );
                                None
                            }
                        },
                    };
                    if let Some(port) = port {
                        v.listen.push(Listen {
                            addr,
                            port,
                            line: cx.line(&e),
                        });
                    }
                }
                "MAXAGE" => v.maxage = cx.number(&e, key, "").unwrap_or(v.maxage),
                "TRACKINGDELAY" => {
                    v.trackingdelay = cx.number(&e, key, "").unwrap_or(v.trackingdelay)
                }
                "MAXCONN" => v.maxconn = cx.number(&e, key, "").or(v.maxconn),
                "DEBUG_MIN" => v.debug_min = cx.number(&e, key, "").or(v.debug_min),
                "ALLOW_NO_DEVICE" => {
                    v.allow_no_device = cx.boolean(&e, key).unwrap_or(v.allow_no_device)
                }
                "ALLOW_NOT_ALL_LISTENERS" => {
                    v.allow_not_all_listeners =
                        cx.boolean(&e, key).unwrap_or(v.allow_not_all_listeners)
                }
                "DISABLE_WEAK_SSL" => {
                    v.disable_weak_ssl = cx.boolean(&e, key).unwrap_or(v.disable_weak_ssl)
                }
                "STATEPATH" => {
                    v.statepath = cx.string(&e, key, "a directory").or(v.statepath.take())
                }
                "DATAPATH" => v.datapath = cx.string(&e, key, "a directory").or(v.datapath.take()),
                "CERTFILE" => v.certfile = cx.string(&e, key, "a PEM file").or(v.certfile.take()),
                "CERTPATH" => v.certpath = cx.string(&e, key, "a directory").or(v.certpath.take()),
                "CERTIDENT" => {
                    if let Some(ci) = cx.certident(&e, key) {
                        v.certident = Some(ci);
                    }
                }
                "CERTREQUEST" => {
                    let Some(tok) = cx.one_arg(&e, key, "0, 1 or 2") else {
                        continue;
                    };
                    match tok.text().to_ascii_uppercase().as_str() {
                        "0" | "NO" => v.certrequest = CertRequest::No,
                        "1" | "REQUEST" => v.certrequest = CertRequest::Request,
                        "2" | "REQUIRE" => v.certrequest = CertRequest::Require,
                        _ => cx.error(
                            &e,
                            Some(tok),
                            ErrorKind::BadValue {
                                directive: key.to_string(),
                                value: tok.text().to_string(),
                                allowed: "0/NO, 1/REQUEST, 2/REQUIRE".to_string(),
                            },
                        ),
                    }
                }
                "ACCEPT" | "REJECT" | "ACL" => cx.warn(
                    &e,
                    None,
                    ErrorKind::Obsolete {
                        directive: key.to_string(),
                        hint: "no longer supported - switch to LISTEN (and a firewall)".to_string(),
                    },
                ),
                other => {
                    let line = cx.line(&e);
                    v.unknown.push(cx.unknown(&e, None, other, line));
                }
            }
        }
        cx.finish(v)
    }
}

impl Ctx<'_> {
    /// First argument of a directive taking up to `max` arguments.
    pub(crate) fn one_arg_allow(
        &mut self,
        e: &crate::document::Entry<'_>,
        key: &str,
        what: &str,
        max: usize,
    ) -> Option<String> {
        let args = e.line.args();
        let Some(first) = args.first() else {
            self.error(
                e,
                None,
                ErrorKind::MissingArgument {
                    directive: key.to_string(),
                    what: what.to_string(),
                },
            );
            return None;
        };
        if let Some(extra) = args.get(max) {
            self.warn(
                e,
                Some(extra),
                ErrorKind::ExtraArguments {
                    directive: key.to_string(),
                    expected: format!("{max} arguments"),
                },
            );
        }
        Some(first.text().to_string())
    }

    /// `CERTIDENT name password`.
    pub(crate) fn certident(
        &mut self,
        e: &crate::document::Entry<'_>,
        key: &str,
    ) -> Option<CertIdent> {
        let args = e.line.args();
        match (args.first(), args.get(1)) {
            (Some(name), Some(pw)) => {
                if let Some(extra) = args.get(2) {
                    self.warn(
                        e,
                        Some(extra),
                        ErrorKind::ExtraArguments {
                            directive: key.to_string(),
                            expected: "the name and the password".to_string(),
                        },
                    );
                }
                Some(CertIdent {
                    name: name.text().to_string(),
                    password: Secret::new(pw.text()),
                })
            }
            _ => {
                self.error(
                    e,
                    None,
                    ErrorKind::MissingArgument {
                        directive: key.to_string(),
                        what: "the certificate name and the database password".to_string(),
                    },
                );
                None
            }
        }
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::FileKind;

    fn parse(s: &str) -> Parsed<UpsdConf> {
        UpsdConf::from_document(&Document::parse_str(FileKind::UpsdConf, "upsd.conf", s))
    }

    fn msgs(p: &Parsed<UpsdConf>) -> Vec<String> {
        p.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let p = parse("# empty\n");
        let v = &p.view;
        assert_eq!((v.maxage, v.trackingdelay), (15, 3600));
        assert!(v.listen.is_empty() && v.loopback_only());
        let eff: Vec<_> = v
            .effective_listen()
            .into_iter()
            .map(|l| (l.addr, l.port))
            .collect();
        assert_eq!(
            eff,
            [("127.0.0.1".to_string(), 3493), ("::1".to_string(), 3493)]
        );
        assert!(!v.allow_no_device && v.certrequest == CertRequest::No);
    }

    #[test]
    fn every_directive() {
        let p = parse(
            "LISTEN 127.0.0.1\nLISTEN 192.168.1.2 3494\nLISTEN ::\nMAXAGE 30\nTRACKINGDELAY 60\nALLOW_NO_DEVICE yes\nALLOW_NOT_ALL_LISTENERS 1\nSTATEPATH /run/nut\nDATAPATH /usr/share/nut\nMAXCONN 64\nCERTFILE /etc/nut/cert.pem\nCERTPATH /etc/ssl\nCERTIDENT \"my cert\" Db-Pw9\nCERTREQUEST REQUIRE\nDISABLE_WEAK_SSL true\ndebug_min 2\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
        let v = &p.view;
        let l: Vec<_> = v
            .listen
            .iter()
            .map(|l| (l.addr.as_str(), l.port, l.line))
            .collect();
        assert_eq!(
            l,
            [
                ("127.0.0.1", 3493, 1),
                ("192.168.1.2", 3494, 2),
                ("::", 3493, 3)
            ]
        );
        assert!(!v.loopback_only());
        assert_eq!((v.maxage, v.trackingdelay, v.maxconn), (30, 60, Some(64)));
        assert!(v.allow_no_device && v.allow_not_all_listeners && v.disable_weak_ssl);
        assert_eq!(v.statepath.as_deref(), Some("/run/nut"));
        assert_eq!(v.datapath.as_deref(), Some("/usr/share/nut"));
        assert_eq!(v.certfile.as_deref(), Some("/etc/nut/cert.pem"));
        assert_eq!(v.certpath.as_deref(), Some("/etc/ssl"));
        let ci = v.certident.as_ref().unwrap();
        assert_eq!(
            (ci.name.as_str(), ci.password.expose()),
            ("my cert", "Db-Pw9")
        );
        assert_eq!(v.certrequest, CertRequest::Require);
        assert_eq!(v.debug_min, Some(2));
        assert!(!format!("{v:?}").contains("Db-Pw9"));
    }

    #[test]
    fn problems_are_located() {
        let p = parse("MAXAGE fifteen\nLISTEN\nLISTEN 10.0.0.1 99999\nACL all 0.0.0.0/0\nFOO 1\nALLOW_NO_DEVICE maybe\nMAXAGE 10\n");
        assert_eq!(
            msgs(&p),
            [
                "upsd.conf:1:8: MAXAGE: \"fifteen\" is not a number",
                "upsd.conf:2:1: LISTEN: missing an address",
                "upsd.conf:3:17: LISTEN: \"99999\" is not a number (expected a port from 1 to 65535)",
                "upsd.conf:4:1: warning: ACL is obsolete: no longer supported - switch to LISTEN (and a firewall)",
                "upsd.conf:5:1: warning: unknown directive FOO: NUT ignores it",
                "upsd.conf:6:17: ALLOW_NO_DEVICE: \"maybe\" is not a boolean (expected true/false, yes/no, on/off, 1/0)",
                "upsd.conf:7:1: warning: MAXAGE given again (first on line 1); the later value wins",
            ]
        );
        assert_eq!(p.view.maxage, 10);
        assert_eq!(
            p.view.unknown,
            [Unknown {
                name: "FOO".into(),
                line: 5
            }]
        );
    }
}
