//! `nutctl clients TARGET`: the addresses logged in to a UPS (`LIST CLIENT`), i.e. its upsmon
//! instances.

use anyhow::Context as _;
use serde::Serialize;

use crate::ctx::{parse_target, Ctx};
use crate::exit::Exit;
use crate::render;

/// The `clients` document.
#[derive(Debug, Serialize)]
struct ClientsReport {
    /// `ups@host:port`.
    target: String,
    /// Client addresses as upsd prints them.
    clients: Vec<String>,
}

/// `nutctl clients`.
pub(crate) async fn run(ctx: &Ctx, target: &str) -> anyhow::Result<Exit> {
    let t = parse_target(target)?;
    let mut c = ctx
        .connect(&t)
        .await
        .with_context(|| format!("connecting to {}", t.server()))?;
    let clients = c
        .list_clients(&t.ups)
        .await
        .with_context(|| format!("LIST CLIENT {}", t.ups))?;
    let _ = c.logout().await;
    if ctx.json {
        render::json::emit(&ClientsReport {
            target: t.to_string(),
            clients,
        })?;
    } else {
        let mut out = String::new();
        for a in &clients {
            out.push_str(a);
            out.push('\n');
        }
        render::emit(&out)?;
    }
    Ok(Exit::Ok)
}
