//! `nutctl status`: read UPSes (concurrently), judge each snapshot with nut-diagnose's status and
//! threshold rules, and render the quick view, every variable, or upsc's exact output.

use nut_diagnose::knowledge::{Bound, Thresholds};
use nut_diagnose::rules::reality_check;
use nut_diagnose::{Finding, Verdict};
use nut_proto::client::{ClientError, Variable};
use nut_proto::Target;

use crate::cli::StatusArgs;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::local::default_targets;
use crate::probe;
use crate::render;
use crate::render::report::{assess, StatusReport, UpsReport};

/// Reads every target concurrently; results come back in the order given.
pub(crate) async fn read_all(
    ctx: &Ctx,
    targets: &[Target],
) -> Vec<Result<Vec<Variable>, ClientError>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let (ctx, t) = (ctx.clone(), t.clone());
        set.spawn(async move { (i, probe::read_vars(&ctx, &t).await) });
    }
    let mut out: Vec<Option<Result<Vec<Variable>, ClientError>>> =
        targets.iter().map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(r);
            }
        }
    }
    out.into_iter()
        .map(|r| r.unwrap_or(Err(ClientError::Unusable)))
        .collect()
}

/// `nutctl status`.
pub(crate) async fn run(ctx: &Ctx, args: StatusArgs) -> anyhow::Result<Exit> {
    if let [target, var] = args.targets.as_slice() {
        if is_variable_name(var) {
            return one_value(ctx, target, var).await;
        }
    }
    let targets = if args.targets.is_empty() {
        default_targets(ctx).await?
    } else {
        args.targets
            .iter()
            .map(|s| parse_target(s))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let results = read_all(ctx, &targets).await;
    if args.raw {
        return raw(ctx, &targets, &results);
    }
    let mut thresholds = Thresholds::default();
    for (words, bound) in [(&args.warn, Bound::Warning), (&args.crit, Bound::Critical)] {
        for w in words {
            thresholds.set_limit(w, bound)?;
        }
    }
    // --perfdata reads voltages and temperatures from the variables, kept for it alone.
    let mut upses: Vec<UpsReport> = targets
        .iter()
        .zip(&results)
        .map(|(t, r)| assess(t, r, &thresholds, args.all || args.perfdata))
        .collect();
    let perf = args
        .perfdata
        .then(|| render::perfdata::perfdata(&upses, &thresholds));
    if !args.all {
        upses.iter_mut().for_each(|u| u.variables = None);
    }
    let all: Vec<Finding> = upses.iter().flat_map(|u| u.findings.clone()).collect();
    let verdict = Verdict::of(&all);
    // A target that could not be judged at all makes the whole answer UNKNOWN at best.
    let mut exit = Exit::of_worst(verdict.worst);
    if upses.iter().any(|u| u.severity.is_none()) {
        exit = exit.max(Exit::Unknown);
    }
    let report = StatusReport {
        upses,
        verdict,
        exit_code: exit.code(),
    };
    if ctx.json {
        render::json::emit(&report)?;
    } else {
        let text = render::text::status(&report, args.all, ctx.color);
        if let Some(perf) = perf {
            render::emit(&render::perfdata::append(&text, &perf))?;
        } else {
            render::emit(&text)?;
        }
    }
    Ok(exit)
}

/// `--raw`: upsc's `name: value` lines (or with `--json` its object), and its `Error: text` on
/// stderr. Exit 0 when every target was read; otherwise the reality check's severity (at least 1),
/// so scripts that test upsc's exit status keep working.
fn raw(
    ctx: &Ctx,
    targets: &[Target],
    results: &[Result<Vec<Variable>, ClientError>],
) -> anyhow::Result<Exit> {
    let mut exit = Exit::Ok;
    let several = targets.len() > 1;
    let mut text = String::new();
    let mut json = serde_json::Map::new();
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(vars) => {
                if ctx.json && !several {
                    text.push_str(&render::upsc::vars(vars));
                } else if ctx.json {
                    let obj: serde_json::Map<String, serde_json::Value> = vars
                        .iter()
                        .map(|v| (v.name.clone(), serde_json::Value::String(v.value.clone())))
                        .collect();
                    json.insert(t.to_string(), serde_json::Value::Object(obj));
                } else {
                    if several {
                        text.push_str(&format!("==> {t} <==\n"));
                    }
                    text.push_str(&render::text::raw_vars(vars));
                    if several {
                        text.push('\n');
                    }
                }
            }
            Err(e) => {
                let msg = probe::upsc_error_text(e);
                if ctx.json && !several {
                    // upsc -j: the short form when connecting failed, else inside the opened object.
                    text.push_str(&if e.is_connect() {
                        render::upsc::error(&msg)
                    } else {
                        render::upsc::list_error(&msg)
                    });
                } else if ctx.json {
                    json.insert(t.to_string(), serde_json::json!({ "error": msg }));
                }
                // upsc says it on stderr too, with or without -j.
                {
                    let msg = crate::render::sanitize::sanitize(&msg);
                    eprintln!(
                        "Error: {msg}{}",
                        if several {
                            format!(" ({t})")
                        } else {
                            String::new()
                        }
                    );
                }
                let fact = probe::fact_from_error(t, e);
                let sev = reality_check::reality_check(&fact).map(|f| f.severity);
                exit = exit.max(Exit::of_worst(sev).max(Exit::Warning));
            }
        }
    }
    if ctx.json && several {
        render::json::emit(&serde_json::Value::Object(json))?;
    } else if ctx.json {
        render::emit_exact(&text)?;
    } else {
        render::emit(&text)?;
    }
    Ok(exit)
}

/// upsc's test for its second argument: a variable name has a dot and is no `ups@host` target
/// (UPS names are ups.conf section names, which never carry a dot in practice).
fn is_variable_name(arg: &str) -> bool {
    arg.contains('.') && !arg.contains('@') && !arg.contains(':')
}

/// `status TARGET VAR`: upsc's one-value form. The value alone on stdout (`upsc -j`: as a JSON
/// string); on failure `Error: <libupsclient text>` on stderr (and `{"error": …}` with --json)
/// and exit 1, as upsc.
async fn one_value(ctx: &Ctx, target: &str, var: &str) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    let got = match ctx.connect(&t).await {
        Ok(mut c) => {
            let r = c.get_var(&t.ups, var).await;
            let _ = c.logout().await;
            r
        }
        Err(e) => Err(e),
    };
    match got {
        Ok(value) => {
            if ctx.json {
                render::emit_exact(&render::upsc::value(&value))?;
            } else {
                render::emit(&format!("{value}\n"))?;
            }
            Ok(Exit::Ok)
        }
        Err(e) => {
            let msg = probe::upsc_error_text(&e);
            if ctx.json {
                render::emit_exact(&render::upsc::error(&msg))?;
            }
            eprintln!("Error: {}", crate::render::sanitize::sanitize(&msg));
            Ok(Exit::Warning)
        }
    }
}
