//! `nutctl check TARGET`: the connectivity test done step by step (DNS, TCP, a NUT read, a login
//! when credentials are given), each step recorded as a nut-diagnose fact; the reality-check rule
//! then names the first broken step and what to do about it.

use nut_diagnose::facts::ProbeFact;
use nut_diagnose::probe::nut::{NutProbe, Step};
use nut_diagnose::rules::reality_check::reality_check;
use nut_diagnose::{Finding, Severity};
use nut_proto::Target;
use serde::Serialize;

use crate::cli::CredentialArgs;
use crate::creds::Credentials;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::render;
use crate::render::text::paint;

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

/// Runs the steps with nut-diagnose's NUT probe (the options and STARTTLS choice of the context).
/// Never fails: every failure is a fact.
pub(crate) async fn probe(
    ctx: &Ctx,
    t: &Target,
    creds: Option<&Credentials>,
) -> (ProbeFact, Vec<Step>) {
    let probe = NutProbe {
        opts: ctx.opts.clone(),
        credentials: creds.map(|c| (c.user.clone(), c.password.clone())),
    };
    probe.run(t).await
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
