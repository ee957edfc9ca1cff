//! Management: `nutctl set`, `nutctl cmd`, `nutctl fsd`. Reading what can be changed needs no
//! login; changing it needs a upsd.users account (see [`crate::creds`]).

use anyhow::{bail, Context as _};
use nut_proto::client::{Accepted, Client};
use nut_proto::Target;
use serde::Serialize;

use crate::cli::CredentialArgs;
use crate::creds::Credentials;
use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::render;

/// A writable variable or an instant command, with its description.
#[derive(Debug, Serialize)]
struct Item {
    /// Variable or command name.
    name: String,
    /// Current value (variables only).
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// The server's description (`Description unavailable` when it has none).
    description: String,
    /// `GET TYPE` as the server sent its flags (`RW ENUM STRING:32`), variables only; `null` when
    /// the server refused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    r#type: Option<String>,
    /// `LIST ENUM`: the allowed values (variables of type ENUM only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allowed: Vec<String>,
    /// `LIST RANGE`: the allowed `min-max` ranges (variables of type RANGE only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<String>,
}

/// A `TYPE` reply's flags as upsd sends them: `[RW] [ENUM] [RANGE] (STRING:<n> | NUMBER)`.
fn type_words(t: &nut_proto::VarType) -> String {
    let mut w: Vec<String> = Vec::new();
    if t.rw {
        w.push("RW".into());
    }
    if t.enumerated {
        w.push("ENUM".into());
    }
    if t.range {
        w.push("RANGE".into());
    }
    w.push(match t.kind {
        nut_proto::ValueKind::String { max_len } => format!("STRING:{max_len}"),
        nut_proto::ValueKind::Number => "NUMBER".into(),
    });
    w.join(" ")
}

/// What `set`/`cmd` without a name print.
#[derive(Debug, Serialize)]
struct Listing {
    /// `ups@host:port`.
    target: String,
    /// `rw` (writable variables) or `commands`.
    kind: &'static str,
    /// The entries, in the server's order.
    items: Vec<Item>,
}

/// What a change returned.
#[derive(Debug, Serialize)]
struct Done {
    /// `ups@host:port`.
    target: String,
    /// `set`, `cmd` or `fsd`.
    action: &'static str,
    /// Variable or command name (absent for fsd).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Value sent (absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// `forwarded` (upsd passed it to the driver) or `tracking` with an id.
    result: &'static str,
    /// Tracking id, when the server gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_id: Option<String>,
    /// With `--wait`: the driver's answer to `GET TRACKING` (`success`, `failed`,
    /// `invalid-argument`, `unknown`), or `timeout` when it stayed `PENDING`.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
}

/// `--wait`: upscmd's / upsrw's `-w`. Polls `GET TRACKING <id>` until the driver answers or
/// `secs` pass; `None` when the server gave no tracking id.
async fn wait_for_result(c: &mut Client, a: &Accepted, secs: f64) -> anyhow::Result<&'static str> {
    use nut_proto::client::TrackingStatus as T;
    let Accepted::Tracking(id) = a else {
        bail!("the server gave no tracking id (SET TRACKING needs upsd 2.8.0 or later)");
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    loop {
        let st = c
            .tracking_status(id)
            .await
            .with_context(|| format!("GET TRACKING {id}"))?;
        match st {
            T::Pending if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            T::Pending => return Ok("timeout"),
            T::Success => return Ok("success"),
            T::Failed => return Ok("failed"),
            T::InvalidArgument => return Ok("invalid-argument"),
            _ => return Ok("unknown"),
        }
    }
}

/// The exit code of an action: 0 unless `--wait` saw anything but success (3: the action failed).
fn action_exit(d: &Done) -> Exit {
    match d.outcome {
        None | Some("success") => Exit::Ok,
        Some(_) => Exit::Unknown,
    }
}

async fn open(ctx: &Ctx, t: &Target) -> anyhow::Result<Client> {
    ctx.connect(t)
        .await
        .with_context(|| format!("connecting to {}", t.server()))
}

fn show_listing(ctx: &Ctx, l: &Listing) -> anyhow::Result<()> {
    if ctx.json {
        return render::json::emit(l);
    }
    let width = l.items.iter().map(|i| i.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for i in &l.items {
        match &i.value {
            Some(v) => out.push_str(&format!("{:<width$}  = {v}  ({})\n", i.name, i.description)),
            None => out.push_str(&format!("{:<width$}  {}\n", i.name, i.description)),
        }
        // What upsrw shows under each variable: its type, and the values it accepts.
        let pad = " ".repeat(width + 2);
        if let Some(t) = &i.r#type {
            out.push_str(&format!("{pad}  type {t}\n"));
        }
        if !i.allowed.is_empty() {
            let list: Vec<String> = i.allowed.iter().map(|v| format!("{v:?}")).collect();
            out.push_str(&format!("{pad}  one of {}\n", list.join(", ")));
        }
        if !i.ranges.is_empty() {
            out.push_str(&format!("{pad}  range {}\n", i.ranges.join(", ")));
        }
    }
    if l.items.is_empty() {
        out.push_str(&format!("{}: none\n", l.target));
    }
    render::emit(&out)?;
    Ok(())
}

fn show_done(ctx: &Ctx, d: &Done) -> anyhow::Result<()> {
    if ctx.json {
        return render::json::emit(d);
    }
    let what = match (&d.name, &d.value) {
        (Some(n), Some(v)) => format!("{} {n} {v}", d.action),
        (Some(n), None) => format!("{} {n}", d.action),
        _ => d.action.to_string(),
    };
    let how = match (&d.tracking_id, d.action) {
        (Some(id), _) if d.outcome.is_some() => format!(
            "tracking id {id}: {}",
            d.outcome.unwrap_or_default().to_ascii_uppercase()
        ),
        (Some(id), _) => format!("accepted, tracking id {id}"),
        // FSD is upsd's own flag: no driver is involved.
        (None, "fsd") => {
            "FSD set by upsd: every upsmon watching this UPS now shuts its host down".to_string()
        }
        (None, _) => {
            "accepted (forwarded to the driver; the driver may still reject it)".to_string()
        }
    };
    render::emit(&format!("{}: {what}: {how}\n", d.target))?;
    Ok(())
}

fn done(
    t: &Target,
    action: &'static str,
    name: Option<String>,
    value: Option<String>,
    a: Accepted,
) -> Done {
    let (result, tracking_id) = match a {
        Accepted::Forwarded => ("forwarded", None),
        Accepted::Tracking(id) => ("tracking", Some(id)),
    };
    Done {
        target: t.to_string(),
        action,
        name,
        value,
        result,
        tracking_id,
        outcome: None,
    }
}

/// `nutctl set TARGET [VAR VALUE]`.
pub(crate) async fn set(
    ctx: &Ctx,
    target: &str,
    var: Option<String>,
    value: Option<String>,
    wait: Option<f64>,
    creds: &CredentialArgs,
) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    let Some(var) = var else {
        let mut c = open(ctx, &t).await?;
        let rw = c.list_rw(&t.ups).await.context("LIST RW")?;
        let mut items = Vec::with_capacity(rw.len());
        for v in rw {
            let description = c.get_desc(&t.ups, &v.name).await.unwrap_or_default();
            let vt = c.get_type(&t.ups, &v.name).await.ok();
            let allowed = match vt {
                Some(vt) if vt.enumerated => c.list_enum(&t.ups, &v.name).await.unwrap_or_default(),
                _ => Vec::new(),
            };
            let ranges = match vt {
                Some(vt) if vt.range => c
                    .list_range(&t.ups, &v.name)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| format!("{}-{}", r.min, r.max))
                    .collect(),
                _ => Vec::new(),
            };
            items.push(Item {
                name: v.name,
                value: Some(v.value),
                description,
                r#type: vt.as_ref().map(type_words),
                allowed,
                ranges,
            });
        }
        let _ = c.logout().await;
        show_listing(
            ctx,
            &Listing {
                target: t.to_string(),
                kind: "rw",
                items,
            },
        )?;
        return Ok(Exit::Ok);
    };
    let Some(value) = value else {
        bail!("set {var}: give the new value (nutctl set TARGET VAR VALUE)");
    };
    // Refused before any credential goes on the wire.
    let value_bytes = value.as_bytes();
    nut_proto::Command::SetVar {
        ups: &t.ups,
        var: &var,
        value: value_bytes,
    }
    .validate()
    .with_context(|| format!("set {}", var.escape_debug()))?;
    let creds = Credentials::required(creds, "SET VAR")?;
    let mut c = open(ctx, &t).await?;
    creds.send(&mut c).await?;
    if wait.is_some() {
        c.set_tracking(true).await.context("SET TRACKING ON")?;
    }
    let a = c
        .set_var(&t.ups, &var, &value)
        .await
        .with_context(|| format!("SET VAR {} {var}", t.ups))?;
    let outcome = match wait {
        Some(secs) => Some(wait_for_result(&mut c, &a, secs).await?),
        None => None,
    };
    let _ = c.logout().await;
    let d = Done {
        outcome,
        ..done(&t, "set", Some(var), Some(value), a)
    };
    show_done(ctx, &d)?;
    Ok(action_exit(&d))
}

/// `nutctl cmd TARGET [COMMAND [VALUE]]`.
pub(crate) async fn cmd(
    ctx: &Ctx,
    target: &str,
    command: Option<String>,
    value: Option<String>,
    yes: bool,
    wait: Option<f64>,
    creds: &CredentialArgs,
) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    let Some(command) = command else {
        let mut c = open(ctx, &t).await?;
        let cmds = c.list_cmds(&t.ups).await.context("LIST CMD")?;
        let mut items = Vec::with_capacity(cmds.len());
        for name in cmds {
            let description = c.get_cmd_desc(&t.ups, &name).await.unwrap_or_default();
            items.push(Item {
                name,
                value: None,
                description,
                r#type: None,
                allowed: Vec::new(),
                ranges: Vec::new(),
            });
        }
        let _ = c.logout().await;
        show_listing(
            ctx,
            &Listing {
                target: t.to_string(),
                kind: "commands",
                items,
            },
        )?;
        return Ok(Exit::Ok);
    };
    // Refused before any credential goes on the wire.
    nut_proto::Command::InstCmd {
        ups: &t.ups,
        cmd: &command,
        value: value.as_deref().map(str::as_bytes),
    }
    .validate()
    .with_context(|| format!("cmd {}", command.escape_debug()))?;
    if let Some(cut) = nut_diagnose::knowledge::power_cut(&command).filter(|_| !yes) {
        bail!(
            "refusing to run {command} on {t} without --yes: it {}, so everything plugged into \
             this UPS loses power",
            cut.effect
        );
    }
    let creds = Credentials::required(creds, "INSTCMD")?;
    let mut c = open(ctx, &t).await?;
    creds.send(&mut c).await?;
    if wait.is_some() {
        c.set_tracking(true).await.context("SET TRACKING ON")?;
    }
    let a = c
        .instcmd(&t.ups, &command, value.as_deref())
        .await
        .with_context(|| format!("INSTCMD {} {command}", t.ups))?;
    let outcome = match wait {
        Some(secs) => Some(wait_for_result(&mut c, &a, secs).await?),
        None => None,
    };
    let _ = c.logout().await;
    let d = Done {
        outcome,
        ..done(&t, "cmd", Some(command), value, a)
    };
    show_done(ctx, &d)?;
    Ok(action_exit(&d))
}

/// `nutctl fsd TARGET --yes`.
pub(crate) async fn fsd(
    ctx: &Ctx,
    target: &str,
    yes: bool,
    creds: &CredentialArgs,
) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    if !yes {
        bail!(
            "refusing to set FSD on {t} without --yes: every upsmon watching this UPS will shut its \
             host down, and upsd keeps the flag until it restarts"
        );
    }
    let creds = Credentials::required(creds, "FSD")?;
    let mut c = open(ctx, &t).await?;
    creds.send(&mut c).await?;
    c.fsd(&t.ups)
        .await
        .with_context(|| format!("FSD {}", t.ups))?;
    let _ = c.logout().await;
    show_done(ctx, &done(&t, "fsd", None, None, Accepted::Forwarded))?;
    Ok(Exit::Ok)
}
