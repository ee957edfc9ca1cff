//! `nutctl check TARGET`: the connectivity test done step by step (DNS, TCP, a NUT read, a login
//! when credentials are given), each step recorded as a nut-diagnose fact; the reality-check rule
//! then names the first broken step and what to do about it.

use std::net::SocketAddr;
use std::time::Instant;

use nut_diagnose::facts::{DnsOutcome, NutOutcome, ProbeFact, TcpOutcome};
use nut_diagnose::rules::reality_check::reality_check;
use nut_diagnose::{Finding, Severity};
use nut_proto::client::ClientError;
use nut_proto::{HostKind, Target};
use serde::Serialize;

use crate::cli::CredentialArgs;
use crate::creds::Credentials;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::render;
use crate::render::text::paint;

/// One step as it happened.
#[derive(Debug, Serialize)]
pub(crate) struct Step {
    /// `dns`, `tcp`, `nut` or `login`.
    pub(crate) step: &'static str,
    /// Whether it worked.
    pub(crate) ok: bool,
    /// What was seen.
    pub(crate) detail: String,
    /// How long it took, in milliseconds (informational).
    pub(crate) millis: u64,
}

/// The `check` document.
#[derive(Debug, Serialize)]
pub(crate) struct CheckReport {
    /// `ups@host:port`.
    pub(crate) target: String,
    /// The steps run, in order; a step after a failed one is not run.
    pub(crate) steps: Vec<Step>,
    /// The facts as nut-diagnose reads them.
    pub(crate) probe: ProbeFact,
    /// The reality-check verdict (`null` when nothing was probed).
    pub(crate) verdict: Option<Finding>,
    /// The process exit code.
    pub(crate) exit_code: u8,
}

fn ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn tcp_outcome(e: &std::io::Error) -> TcpOutcome {
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

fn nut_outcome(e: &ClientError) -> NutOutcome {
    match e {
        ClientError::Server { code, .. } => NutOutcome::Err { code: code.clone() },
        other => NutOutcome::Failed {
            detail: other.to_string(),
        },
    }
}

/// Runs the steps. Never fails: every failure is a fact.
pub(crate) async fn probe(
    ctx: &Ctx,
    t: &Target,
    creds: Option<&Credentials>,
) -> (ProbeFact, Vec<Step>) {
    let mut p = ProbeFact::new(t.clone());
    let mut steps = Vec::new();
    let timeout = ctx.opts.connect_timeout;

    // DNS.
    let start = Instant::now();
    let addrs: Vec<SocketAddr> = if t.host_kind() == HostKind::Name {
        let looked =
            tokio::time::timeout(timeout, tokio::net::lookup_host((t.host.as_str(), t.port))).await;
        match looked {
            Ok(Ok(a)) => {
                let a: Vec<SocketAddr> = a.collect();
                if a.is_empty() {
                    p.dns = Some(DnsOutcome::NoSuchHost);
                } else {
                    p.dns = Some(DnsOutcome::Resolved {
                        addresses: a.iter().map(SocketAddr::ip).collect(),
                    });
                }
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
            Some(DnsOutcome::Literal) => format!("{} is an address, nothing to resolve", t.host),
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
            (None, TcpOutcome::NetUnreachable) => format!("{}: network unreachable", t.server()),
            (None, TcpOutcome::TimedOut) => format!("{}: no answer within {timeout:?}", t.server()),
            (None, TcpOutcome::Failed { detail }) => format!("{}: {detail}", t.server()),
            (None, TcpOutcome::Connected) => String::new(),
        },
        millis: ms(start),
    });
    p.tcp = Some(tcp);
    if connected.is_none() {
        return (p, steps);
    }

    // NUT: one read of the UPS.
    let start = Instant::now();
    let mut client = match ctx.connect(t).await {
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
    if let Some(c) = client.as_mut() {
        match c.get_var(&t.ups, "ups.status").await {
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

    // Login, with the credentials given.
    if let (Some(c), Some(cr)) = (client.as_mut(), creds) {
        let start = Instant::now();
        let r = match c.authenticate(&cr.user, &cr.password).await {
            Ok(()) => c.login(&t.ups).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(()) => {
                p.login = Some(NutOutcome::Ok);
                steps.push(Step {
                    step: "login",
                    ok: true,
                    detail: format!("logged in as {}", cr.user),
                    millis: ms(start),
                });
            }
            Err(e) => {
                p.login = Some(nut_outcome(&e));
                steps.push(Step {
                    step: "login",
                    ok: false,
                    detail: format!("as {}: {e}", cr.user),
                    millis: ms(start),
                });
            }
        }
    }
    if let Some(c) = client {
        let _ = c.logout().await;
    }
    (p, steps)
}

/// `nutctl check`.
pub(crate) async fn run(ctx: &Ctx, target: &str, creds: &CredentialArgs) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    let creds = Credentials::from_args(creds)?;
    let (fact, steps) = probe(ctx, &t, creds.as_ref()).await;
    let verdict = reality_check(&fact);
    let exit = Exit::of_worst(verdict.as_ref().map(|f| f.severity));
    let report = CheckReport {
        target: t.to_string(),
        steps,
        probe: fact,
        verdict,
        exit_code: exit.code(),
    };
    if ctx.json {
        render::json::emit(&report)?;
    } else {
        render::emit(&text(&report, ctx.color))?;
    }
    Ok(exit)
}

/// The text rendering of a check.
pub(crate) fn text(r: &CheckReport, color: bool) -> String {
    let mut out = format!("checking {}\n", r.target);
    for s in &r.steps {
        let (word, sev) = if s.ok {
            ("ok  ", Severity::Ok)
        } else {
            ("FAIL", Severity::Critical)
        };
        out.push_str(&format!(
            "  {:<6}{}  {}  ({} ms)\n",
            s.step,
            paint(word, Some(sev), color),
            s.detail,
            s.millis
        ));
    }
    match &r.verdict {
        Some(f) => {
            out.push_str(&format!(
                "verdict: {} {}  ({})\n",
                paint(&format!("[{}]", f.severity), Some(f.severity), color),
                f.title,
                f.id
            ));
            if let Some(c) = f.category {
                out.push_str(&format!("  category: {c}\n"));
            }
            if !f.meaning.is_empty() {
                out.push_str(&format!("  {}\n", f.meaning));
            }
            if !f.action.is_empty() {
                out.push_str(&format!("  what to do: {}\n", f.action));
            }
            for e in &f.evidence {
                out.push_str(&format!("  seen: {} = {}\n", e.subject, e.value));
            }
        }
        None => out.push_str("verdict: unknown (nothing could be probed)\n"),
    }
    out
}
