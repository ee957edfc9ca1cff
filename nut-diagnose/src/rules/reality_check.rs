//! The reality check: when a query to a UPS fails, say why, from the probe's facts.
//!
//! The seed's rule is "if upsc fails it is the wrong target, the server is offline, or the network path
//! is broken"; the probe steps tell them apart, in order: DNS (name), TCP (server or path), then NUT (UPS
//! name, credentials, driver, data). The first failed step is the answer; later steps were not reached.

use nut_proto::HostKind;

use crate::facts::{DnsOutcome, NutOutcome, ProbeFact, TcpOutcome, TlsOutcome};
use crate::finding::{Category, Evidence, Finding, Severity, Source};
use crate::knowledge::causes::{self, Cause};

fn from_cause(c: &Cause, p: &ProbeFact) -> Finding {
    Finding::new(
        c.id,
        c.severity,
        format!("{}: {}", p.target, c.title),
        c.meaning,
        c.action,
    )
    .about(p.target.to_string())
    .in_category(c.category)
}

fn probe(step: &str, value: impl Into<String>) -> Evidence {
    Evidence::new(Source::Probe, step, value)
}

/// Classifies one probe: a finding named after the cause of the first failed step, or
/// `target.reachable` (ok) when every step that ran succeeded. `None` when nothing was probed.
pub fn reality_check(p: &ProbeFact) -> Option<Finding> {
    if p.dns.is_none()
        && p.tcp.is_none()
        && p.tls.is_none()
        && p.query.is_none()
        && p.login.is_none()
    {
        return None;
    }
    let found = |id: &str| causes::cause(id).map(|c| from_cause(c, p));
    match &p.dns {
        Some(DnsOutcome::NoSuchHost) => {
            return found("net.dns")
                .map(|f| f.with(probe("dns", format!("{}: No such host", p.target.host))))
        }
        Some(DnsOutcome::Failed { detail }) => {
            return found("net.dns-failed")
                .map(|f| f.with(probe("dns", format!("{}: {detail}", p.target.host))))
        }
        _ => {}
    }
    let tcp_id = match &p.tcp {
        Some(TcpOutcome::Refused) => Some(("net.refused", "Connection refused".to_string())),
        Some(TcpOutcome::NoRoute) => Some(("net.no-route", "No route to host".to_string())),
        Some(TcpOutcome::NetUnreachable) => {
            Some(("net.unreachable", "Network is unreachable".to_string()))
        }
        Some(TcpOutcome::TimedOut) => Some(("net.timeout", "Connection timed out".to_string())),
        Some(TcpOutcome::Failed { detail }) => Some(("net.connect-failed", detail.clone())),
        Some(TcpOutcome::Connected) | None => None,
    };
    if let Some((id, text)) = tcp_id {
        let mut f = found(id)?.with(probe("tcp", format!("{}: {text}", p.target.server())));
        if id == "net.refused" && p.target.host_kind() == HostKind::Loopback {
            f.evidence.push(Evidence::new(
                Source::Derived,
                "loopback target",
                "the target is this machine: upsd is not running here, or does not listen on the loopback address and port",
            ));
        }
        return Some(f);
    }
    let tls = match &p.tls {
        Some(TlsOutcome::Refused { detail }) => Some(("tls.refused", detail)),
        Some(TlsOutcome::Handshake { detail }) => Some(("tls.handshake", detail)),
        Some(TlsOutcome::Config { detail }) => Some(("tls.config", detail)),
        Some(TlsOutcome::Ok) | None => None,
    };
    if let Some((id, detail)) = tls {
        return found(id).map(|f| f.with(probe("tls", detail.clone())));
    }
    // NUT steps: a refused login is as decisive as a failed read.
    for (step, outcome) in [("login", &p.login), ("query", &p.query)] {
        match outcome {
            Some(NutOutcome::Err { code }) => {
                let c = causes::cause_of_err_code(code)?;
                let mut f = from_cause(c, p).with(probe(step, format!("ERR {}", code.as_str())));
                if c.id == "ups.unknown-name" && p.target.ups != "ups" {
                    f.evidence.push(Evidence::new(
                        Source::Derived,
                        "UPS name",
                        format!(
                            "the target asks for `{}`; a Synology NAS always names its UPS `ups`",
                            p.target.ups
                        ),
                    ));
                }
                return Some(f);
            }
            Some(NutOutcome::TimedOut) => {
                return found("net.server-hung").map(|f| {
                    f.with(probe("tcp", format!("{}: connected", p.target.server())))
                        .with(probe(step, "no reply within the timeout"))
                });
            }
            Some(NutOutcome::Failed { detail }) => {
                return found("net.server-gone").map(|f| f.with(probe(step, detail.clone())));
            }
            Some(NutOutcome::Anomaly { detail }) => {
                return found("nut.protocol-anomaly").map(|f| f.with(probe(step, detail.clone())));
            }
            _ => {}
        }
    }
    let mut ok = Finding::new(
        "target.reachable",
        Severity::Ok,
        format!("{}: reachable", p.target),
        "Every probe step that ran succeeded.",
        "",
    )
    .about(p.target.to_string())
    .in_category(Category::Reachable);
    if let Some(TcpOutcome::Connected) = p.tcp {
        ok = ok.with(probe("tcp", format!("{}: connected", p.target.server())));
    }
    if let Some(NutOutcome::Ok) = p.query {
        ok = ok.with(probe("query", "OK"));
    }
    Some(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_proto::Target;

    fn probe_of(target: &str) -> ProbeFact {
        ProbeFact::new(Target::parse(target).unwrap_or_else(|e| panic!("{e}")))
    }

    fn check(p: &ProbeFact) -> Option<(String, Severity)> {
        reality_check(p).map(|f| (f.id.to_string(), f.severity))
    }

    fn expect(p: &ProbeFact, id: &str, sev: Severity) {
        assert_eq!(check(p), Some((id.to_string(), sev)), "{p:?}");
    }

    #[test]
    fn dns_failure_comes_first() {
        let mut p = probe_of("ups@nas.invalid");
        p.dns = Some(DnsOutcome::NoSuchHost);
        expect(&p, "net.dns", Severity::Critical);
        p.dns = Some(DnsOutcome::Failed {
            detail: "Temporary failure in name resolution".into(),
        });
        // a resolver outage says nothing about the name: not "does not resolve"
        expect(&p, "net.dns-failed", Severity::Critical);
    }

    #[test]
    fn tcp_failures_name_the_path_problem() {
        for (tcp, id) in [
            (TcpOutcome::Refused, "net.refused"),
            (TcpOutcome::NoRoute, "net.no-route"),
            (TcpOutcome::NetUnreachable, "net.unreachable"),
            (TcpOutcome::TimedOut, "net.timeout"),
            (
                TcpOutcome::Failed {
                    detail: "Permission denied".into(),
                },
                "net.connect-failed",
            ),
        ] {
            let mut p = probe_of("ups@10.0.0.2");
            p.dns = Some(DnsOutcome::Literal);
            p.tcp = Some(tcp);
            expect(&p, id, Severity::Critical);
        }
    }

    #[test]
    fn refused_on_loopback_says_upsd_is_not_running_here() {
        let mut p = probe_of("ups@127.0.0.1:34931");
        p.tcp = Some(TcpOutcome::Refused);
        let f = reality_check(&p).unwrap_or_else(|| panic!("finding"));
        assert!(f.evidence.iter().any(|e| e.subject == "loopback target"));
        assert_eq!(f.evidence[0].value, "127.0.0.1:34931: Connection refused");
    }

    #[test]
    fn nut_errors_name_the_server_side_problem() {
        for (code, id) in [
            ("UNKNOWN-UPS", "ups.unknown-name"),
            ("DRIVER-NOT-CONNECTED", "driver.not-connected"),
            ("DATA-STALE", "data.stale"),
            ("ACCESS-DENIED", "auth.access-denied"),
            ("SOMETHING-NEW", "nut.error"),
        ] {
            let mut p = probe_of("pi@127.0.0.1:34930");
            p.tcp = Some(TcpOutcome::Connected);
            p.query = Some(NutOutcome::Err {
                code: nut_proto::ErrCode::parse(code),
            });
            let sev = if id == "nut.error" {
                Severity::Warning
            } else {
                Severity::Critical
            };
            expect(&p, id, sev);
        }
    }

    #[test]
    fn unknown_name_mentions_the_synology_convention() {
        let mut p = probe_of("nope@nas");
        p.tcp = Some(TcpOutcome::Connected);
        p.query = Some(NutOutcome::Err {
            code: nut_proto::ErrCode::UnknownUps,
        });
        let f = reality_check(&p).unwrap_or_else(|| panic!("finding"));
        assert!(f.evidence.iter().any(|e| e.value.contains("Synology")));
        let mut q = probe_of("ups@nas");
        q.query = p.query.clone();
        let g = reality_check(&q).unwrap_or_else(|| panic!("finding"));
        assert!(
            !g.evidence.iter().any(|e| e.value.contains("Synology")),
            "already named ups"
        );
    }

    #[test]
    fn refused_login_after_a_good_read() {
        let mut p = probe_of("ups@nas");
        p.tcp = Some(TcpOutcome::Connected);
        p.query = Some(NutOutcome::Ok);
        p.login = Some(NutOutcome::Err {
            code: nut_proto::ErrCode::AccessDenied,
        });
        expect(&p, "auth.access-denied", Severity::Critical);
        p.login = Some(NutOutcome::Ok);
        expect(&p, "target.reachable", Severity::Ok);
    }

    #[test]
    fn every_cause_finding_carries_its_category() {
        let mut p = probe_of("ups@10.0.0.2");
        p.tcp = Some(TcpOutcome::NoRoute);
        assert_eq!(
            reality_check(&p).and_then(|f| f.category),
            Some(Category::NetworkPath)
        );
        p.tcp = Some(TcpOutcome::Refused);
        assert_eq!(
            reality_check(&p).and_then(|f| f.category),
            Some(Category::ServerOffline)
        );
        p.tcp = Some(TcpOutcome::Connected);
        p.query = Some(NutOutcome::Err {
            code: nut_proto::ErrCode::AccessDenied,
        });
        let f = reality_check(&p).unwrap_or_else(|| panic!("finding"));
        assert_eq!(f.category, Some(Category::Credentials));
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(json.contains(r#""category":"credentials""#), "{json}");
    }

    #[test]
    fn tls_failures_come_before_nut_steps() {
        for (tls, id) in [
            (
                TlsOutcome::Refused {
                    detail: "ERR FEATURE-NOT-CONFIGURED".into(),
                },
                "tls.refused",
            ),
            (
                TlsOutcome::Handshake {
                    detail: "invalid peer certificate: Expired".into(),
                },
                "tls.handshake",
            ),
            (
                TlsOutcome::Config {
                    detail: "CA file /x: not found".into(),
                },
                "tls.config",
            ),
        ] {
            let mut p = probe_of("ups@nas");
            p.tcp = Some(TcpOutcome::Connected);
            p.tls = Some(tls);
            p.query = Some(NutOutcome::Ok);
            let f = reality_check(&p).unwrap_or_else(|| panic!("finding"));
            assert_eq!((f.id.as_ref(), f.category), (id, Some(Category::Tls)));
            assert_eq!(f.evidence[0].subject, "tls");
        }
    }

    #[test]
    fn broken_exchange_and_nothing_probed() {
        let mut p = probe_of("ups@nas");
        assert_eq!(check(&p), None);
        p.tcp = Some(TcpOutcome::Connected);
        p.query = Some(NutOutcome::Failed {
            detail: "Server disconnected".into(),
        });
        expect(&p, "net.server-gone", Severity::Warning);
        // accepted, then silence: a hung upsd (SIGSTOP) is neither closed nor a warning
        p.query = Some(NutOutcome::TimedOut);
        expect(&p, "net.server-hung", Severity::Critical);
        let f = reality_check(&p).unwrap_or_else(|| panic!("finding"));
        assert!(
            f.title.contains("accepts connections but hangs"),
            "{}",
            f.title
        );
    }
}
