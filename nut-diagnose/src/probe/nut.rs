//! The NUT reachability probe with nut-proto's client: DNS (tokio `lookup_host`), TCP connect, STARTTLS
//! when asked, one NUT read (`GET VAR <ups> ups.status`), and a login when credentials are given. Every
//! failure becomes a step of [`ProbeFact`]; the reality-check rule names the cause.
//!
//! [`fact_from_error`] maps a [`ClientError`] of any other request (a `LIST VAR` that failed) to the same
//! facts, so a front end that only made one request can still be judged.

use std::net::SocketAddr;
use std::time::Instant;

use async_trait::async_trait;
use nut_proto::client::{Client, ClientError, Options, TlsError};
use nut_proto::Secret;
use nut_proto::{HostKind, Target};
use serde::Serialize;

use crate::facts::{DnsOutcome, NutOutcome, ProbeFact, Snapshot, TcpOutcome, TlsOutcome};
use crate::probe::{ProbeError, SnapshotSource, TargetProbe};

/// One step of a probe as it happened, for display (`nutctl check`).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `dns`, `tcp`, `tls`, `nut` or `login`.
    pub step: &'static str,
    /// Whether it worked.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
    /// How long it took, in milliseconds (informational only).
    pub millis: u64,
}

/// The probe: client options (STARTTLS when [`Options::starttls`] is set) and optional credentials
/// for the login step.
#[derive(Clone, Default)]
pub struct NutProbe {
    /// Timeouts, limits, TLS settings and whether to upgrade with STARTTLS.
    pub opts: Options,
    /// `(user, password)` for the login step (upsmon's account); `None` skips the login.
    pub credentials: Option<(String, Secret)>,
}

fn ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The TCP outcome of a socket error (ECONNREFUSED, EHOSTUNREACH = 113, ENETUNREACH = 101 on Linux).
pub fn tcp_outcome(e: &std::io::Error) -> TcpOutcome {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::ConnectionRefused, _) => TcpOutcome::Refused,
        (_, Some(113)) => TcpOutcome::NoRoute,
        (_, Some(101)) => TcpOutcome::NetUnreachable,
        (std::io::ErrorKind::TimedOut, _) => TcpOutcome::TimedOut,
        _ => TcpOutcome::Failed {
            detail: e.to_string(),
        },
    }
}

/// The NUT outcome of a failed request: the server's `ERR` code, or the broken exchange.
pub fn nut_outcome(e: &ClientError) -> NutOutcome {
    match e {
        ClientError::Server { code, .. } => NutOutcome::Err { code: code.clone() },
        ClientError::Timeout { .. } => NutOutcome::TimedOut,
        other => NutOutcome::Failed {
            detail: other.to_string(),
        },
    }
}

/// The TLS outcome of a failed STARTTLS.
pub fn tls_outcome(e: &TlsError) -> TlsOutcome {
    match e {
        TlsError::Refused(inner) => TlsOutcome::Refused {
            detail: inner.to_string(),
        },
        TlsError::Handshake(io) => TlsOutcome::Handshake {
            detail: io.to_string(),
        },
        other => TlsOutcome::Config {
            detail: other.to_string(),
        },
    }
}

/// What a failed request tells about the path to the server: the first step that failed is recorded,
/// later steps stay `None`.
pub fn fact_from_error(target: &Target, err: &ClientError) -> ProbeFact {
    let mut p = ProbeFact::new(target.clone());
    let dns_ok = if target.host_kind() == HostKind::Name {
        DnsOutcome::Resolved {
            addresses: Vec::new(),
        }
    } else {
        DnsOutcome::Literal
    };
    match err {
        ClientError::Dns { source, .. } => {
            p.dns = Some(match source {
                Some(e) => DnsOutcome::Failed {
                    detail: e.to_string(),
                },
                None => DnsOutcome::NoSuchHost,
            });
            return p;
        }
        ClientError::ConnectionRefused { .. } => p.tcp = Some(TcpOutcome::Refused),
        ClientError::HostUnreachable { .. } => p.tcp = Some(TcpOutcome::NoRoute),
        ClientError::NetworkUnreachable { .. } => p.tcp = Some(TcpOutcome::NetUnreachable),
        ClientError::ConnectTimeout { .. } => p.tcp = Some(TcpOutcome::TimedOut),
        ClientError::Tls(e) => {
            p.tcp = Some(TcpOutcome::Connected);
            p.tls = Some(tls_outcome(e));
        }
        ClientError::Server { code, .. } => {
            p.tcp = Some(TcpOutcome::Connected);
            p.query = Some(NutOutcome::Err { code: code.clone() });
        }
        ClientError::Timeout { .. } => {
            p.tcp = Some(TcpOutcome::Connected);
            p.query = Some(NutOutcome::TimedOut);
        }
        // Something answered, but not NUT: not "the server closed the connection".
        e if e.is_protocol() => {
            p.tcp = Some(TcpOutcome::Connected);
            p.query = Some(NutOutcome::Anomaly {
                detail: e.to_string(),
            });
        }
        other => {
            p.tcp = Some(TcpOutcome::Connected);
            p.query = Some(NutOutcome::Failed {
                detail: other.to_string(),
            });
        }
    }
    p.dns = Some(dns_ok);
    p
}

/// The address this host sends from towards `t` (what upsd's `LIST CLIENT` shows for a client on
/// this host): the kernel's route choice for a connected UDP socket, which sends no packet. `None`
/// when the name does not resolve or there is no route.
pub async fn source_address(t: &Target) -> Option<std::net::IpAddr> {
    let looked = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        tokio::net::lookup_host((t.host.as_str(), t.port)),
    );
    let addr = looked.await.ok()?.ok()?.next()?;
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = std::net::UdpSocket::bind(bind).ok()?;
    sock.connect(addr).ok()?;
    sock.local_addr().ok().map(|a| a.ip())
}

/// Connects to `host:port`, upgrading with STARTTLS when `opts.starttls` asks: the one connect of
/// the workspace's front ends (nutctl's commands and the probes).
pub async fn connect_server(
    host: &str,
    port: u16,
    opts: &nut_proto::client::Options,
) -> Result<Client, ClientError> {
    Client::connect(host, port, opts.clone()).await
}

impl NutProbe {
    /// Connects (and upgrades with STARTTLS when asked).
    pub async fn connect(&self, t: &Target) -> Result<Client, ClientError> {
        connect_server(&t.host, t.port, &self.opts).await
    }

    /// Runs the steps in order; a step after a failed one is not run. Never fails: every failure is a
    /// fact.
    pub async fn run(&self, t: &Target) -> (ProbeFact, Vec<Step>) {
        let mut p = ProbeFact::new(t.clone());
        let mut steps = Vec::new();
        let timeout = self.opts.connect_timeout;

        // DNS.
        let start = Instant::now();
        let addrs: Vec<SocketAddr> = if t.host_kind() == HostKind::Name {
            let looked =
                tokio::time::timeout(timeout, tokio::net::lookup_host((t.host.as_str(), t.port)))
                    .await;
            match looked {
                Ok(Ok(a)) => {
                    let a: Vec<SocketAddr> = a.collect();
                    p.dns = Some(if a.is_empty() {
                        DnsOutcome::NoSuchHost
                    } else {
                        DnsOutcome::Resolved {
                            addresses: a.iter().map(SocketAddr::ip).collect(),
                        }
                    });
                    a
                }
                Ok(Err(e)) => {
                    let text = e.to_string();
                    // getaddrinfo's "name or service not known" / "no address associated": NXDOMAIN.
                    let lower = text.to_ascii_lowercase();
                    p.dns = Some(
                        if lower.contains("not known") || lower.contains("no address") {
                            DnsOutcome::NoSuchHost
                        } else {
                            DnsOutcome::Failed { detail: text }
                        },
                    );
                    Vec::new()
                }
                Err(_) => {
                    p.dns = Some(DnsOutcome::Failed {
                        detail: format!("no answer within {timeout:?}"),
                    });
                    Vec::new()
                }
            }
        } else {
            p.dns = Some(DnsOutcome::Literal);
            match t.host.parse::<std::net::IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, t.port)],
                Err(_) => tokio::net::lookup_host((t.host.as_str(), t.port))
                    .await
                    .map(|a| a.collect())
                    .unwrap_or_default(),
            }
        };
        let dns_ok = !addrs.is_empty();
        steps.push(Step {
            step: "dns",
            ok: dns_ok,
            detail: match &p.dns {
                Some(DnsOutcome::Literal) => {
                    format!("{} is an address, nothing to resolve", t.host)
                }
                Some(DnsOutcome::Resolved { addresses }) => format!(
                    "{} -> {}",
                    t.host,
                    addresses
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(DnsOutcome::NoSuchHost) => format!("{}: no such host", t.host),
                Some(DnsOutcome::Failed { detail }) => format!("{}: {detail}", t.host),
                None => String::new(),
            },
            millis: ms(start),
        });
        if !dns_ok {
            return (p, steps);
        }

        // TCP: every address in resolver order, the first that connects wins.
        let start = Instant::now();
        let mut last = TcpOutcome::Failed {
            detail: "no address to try".into(),
        };
        let mut connected = None;
        for a in &addrs {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(a)).await {
                Ok(Ok(_s)) => {
                    connected = Some(*a);
                    break;
                }
                Ok(Err(e)) => last = tcp_outcome(&e),
                Err(_) => last = TcpOutcome::TimedOut,
            }
        }
        let tcp = if connected.is_some() {
            TcpOutcome::Connected
        } else {
            last
        };
        steps.push(Step {
            step: "tcp",
            ok: connected.is_some(),
            detail: match (&connected, &tcp) {
                (Some(a), _) => format!("connected to {a}"),
                (None, TcpOutcome::Refused) => format!("{}: connection refused", t.server()),
                (None, TcpOutcome::NoRoute) => format!("{}: no route to host", t.server()),
                (None, TcpOutcome::NetUnreachable) => {
                    format!("{}: network unreachable", t.server())
                }
                (None, TcpOutcome::TimedOut) => {
                    format!("{}: no answer within {timeout:?}", t.server())
                }
                (None, TcpOutcome::Failed { detail }) => format!("{}: {detail}", t.server()),
                (None, TcpOutcome::Connected) => String::new(),
            },
            millis: ms(start),
        });
        p.tcp = Some(tcp);
        if connected.is_none() {
            return (p, steps);
        }

        // NUT session (with STARTTLS when asked), then one read of the UPS.
        let start = Instant::now();
        // STARTTLS is its own step here (its outcome is a fact of its own), so connect in plaintext.
        let mut plain = self.opts.clone();
        plain.starttls = false;
        let mut client = match Client::connect(&t.host, t.port, plain).await {
            Ok(c) => Some(c),
            Err(e) => {
                p.query = Some(nut_outcome(&e));
                steps.push(Step {
                    step: "nut",
                    ok: false,
                    detail: e.to_string(),
                    millis: ms(start),
                });
                None
            }
        };
        if self.opts.starttls {
            if let Some(c) = client.as_mut() {
                let tstart = Instant::now();
                match c.starttls().await {
                    Ok(()) => {
                        p.tls = Some(TlsOutcome::Ok);
                        steps.push(Step {
                            step: "tls",
                            ok: true,
                            detail: "STARTTLS accepted, session encrypted".into(),
                            millis: ms(tstart),
                        });
                    }
                    Err(e) => {
                        p.tls = Some(match &e {
                            ClientError::Tls(te) => tls_outcome(te),
                            other => TlsOutcome::Refused {
                                detail: other.to_string(),
                            },
                        });
                        steps.push(Step {
                            step: "tls",
                            ok: false,
                            detail: e.to_string(),
                            millis: ms(tstart),
                        });
                        return (p, steps);
                    }
                }
            }
        }
        let start = Instant::now();
        if let Some(c) = client.as_mut() {
            match c.get_var(&t.ups, "ups.status").await {
                // NUL, ESC… have no place in a status: the answer is not one a NUT server gives.
                Ok(v) if v.chars().any(char::is_control) => {
                    // Raw here (JSON keeps it exact); text output escapes it (nutctl's sanitizer).
                    let detail =
                        format!("protocol anomaly: ups.status holds a control character: \"{v}\"");
                    p.query = Some(NutOutcome::Anomaly {
                        detail: detail.clone(),
                    });
                    steps.push(Step {
                        step: "nut",
                        ok: false,
                        detail,
                        millis: ms(start),
                    });
                }
                Ok(v) => {
                    p.query = Some(NutOutcome::Ok);
                    steps.push(Step {
                        step: "nut",
                        ok: true,
                        detail: format!("ups.status = {v}"),
                        millis: ms(start),
                    });
                }
                Err(e) => {
                    p.query = Some(nut_outcome(&e));
                    steps.push(Step {
                        step: "nut",
                        ok: false,
                        detail: e.to_string(),
                        millis: ms(start),
                    });
                }
            }
        }

        // Login, with the credentials given; not after a broken or silent exchange (the session is
        // unusable then, and its failure would hide the first one).
        let usable = !matches!(
            p.query,
            Some(NutOutcome::TimedOut | NutOutcome::Failed { .. })
        );
        if let (true, Some(c), Some((user, password))) =
            (usable, client.as_mut(), self.credentials.as_ref())
        {
            let start = Instant::now();
            let r = match c.authenticate(user, password).await {
                Ok(()) => c.login(&t.ups).await,
                Err(e) => Err(e),
            };
            match r {
                Ok(()) => {
                    p.login = Some(NutOutcome::Ok);
                    steps.push(Step {
                        step: "login",
                        ok: true,
                        detail: format!("logged in as {user}"),
                        millis: ms(start),
                    });
                }
                Err(e) => {
                    p.login = Some(nut_outcome(&e));
                    steps.push(Step {
                        step: "login",
                        ok: false,
                        detail: format!("as {user}: {e}"),
                        millis: ms(start),
                    });
                }
            }
        }
        if let Some(c) = client {
            // Closing politely is best effort: the facts are already recorded.
            let _ = c.logout().await;
        }
        (p, steps)
    }

    /// `LIST CLIENT <ups>`: who is logged in, for the authority map.
    pub async fn clients(&self, t: &Target) -> Result<Vec<String>, ClientError> {
        let mut c = self.connect(t).await?;
        let v = c.list_clients(&t.ups).await;
        let _ = c.logout().await;
        v
    }
}

#[async_trait]
impl TargetProbe for NutProbe {
    async fn probe(&self, target: &Target) -> ProbeFact {
        self.run(target).await.0
    }
}

#[async_trait]
impl SnapshotSource for NutProbe {
    async fn snapshot(&self, target: &Target) -> Result<Snapshot, ProbeError> {
        let mut c = self
            .connect(target)
            .await
            .map_err(|e| ProbeError::Other(e.to_string()))?;
        let vars = c
            .list_vars(&target.ups)
            .await
            .map_err(|e| ProbeError::Other(e.to_string()))?;
        let _ = c.logout().await;
        Ok(Snapshot::new(
            target.clone(),
            vars.iter().map(|v| (v.name.as_str(), v.value.as_str())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_proto::ErrCode;

    #[test]
    fn client_errors_map_to_the_first_failed_step() {
        let t = Target::new("ups", "127.0.0.1", 1);
        let addr: SocketAddr = ([127, 0, 0, 1], 1).into();
        let p = fact_from_error(&t, &ClientError::ConnectionRefused { addr });
        assert_eq!(
            (p.dns, p.tcp, p.query),
            (Some(DnsOutcome::Literal), Some(TcpOutcome::Refused), None)
        );
        let e = ClientError::Server {
            code: ErrCode::UnknownUps,
            extra: None,
        };
        let p = fact_from_error(&Target::new("ups", "nas", 3493), &e);
        assert_eq!(
            p.query,
            Some(NutOutcome::Err {
                code: ErrCode::UnknownUps
            })
        );
        let tls = ClientError::Tls(TlsError::Handshake(std::io::Error::other("bad cert")));
        let p = fact_from_error(&t, &tls);
        assert!(matches!(p.tls, Some(TlsOutcome::Handshake { .. })), "{p:?}");
        let refused = ClientError::Tls(TlsError::Refused(Box::new(ClientError::Server {
            code: ErrCode::FeatureNotConfigured,
            extra: None,
        })));
        let p = fact_from_error(&t, &refused);
        assert!(matches!(p.tls, Some(TlsOutcome::Refused { .. })), "{p:?}");
        let f = crate::rules::reality_check::reality_check(&p).map(|f| f.id.to_string());
        assert_eq!(f.as_deref(), Some("tls.refused"));
        let garbage = ClientError::Protocol {
            line: "HTTP/1.1 400 Bad Request".into(),
            reason: nut_proto::client::ProtocolViolation::Unparseable("not a reply".into()),
        };
        let p = fact_from_error(&t, &garbage);
        let f = crate::rules::reality_check::reality_check(&p).map(|f| f.id.to_string());
        assert_eq!(f.as_deref(), Some("nut.protocol-anomaly"), "{p:?}");
    }

    #[test]
    fn socket_errors() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            tcp_outcome(&Error::from(ErrorKind::ConnectionRefused)),
            TcpOutcome::Refused
        );
        assert_eq!(
            tcp_outcome(&Error::from_raw_os_error(113)),
            TcpOutcome::NoRoute
        );
        assert_eq!(
            tcp_outcome(&Error::from_raw_os_error(101)),
            TcpOutcome::NetUnreachable
        );
        assert_eq!(
            tcp_outcome(&Error::from(ErrorKind::TimedOut)),
            TcpOutcome::TimedOut
        );
    }

    #[tokio::test]
    async fn refused_on_a_closed_loopback_port() {
        // Bind then drop a listener: its port is closed now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let mut probe = NutProbe::default();
        probe.opts.connect_timeout = std::time::Duration::from_secs(2);
        let (p, steps) = probe.run(&Target::new("ups", "127.0.0.1", port)).await;
        assert_eq!(p.tcp, Some(TcpOutcome::Refused));
        assert_eq!(steps.len(), 2);
        assert_eq!(p.query, None);
    }
}
