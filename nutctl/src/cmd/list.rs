//! `nutctl list HOST[:PORT]`: the UPSes a server offers, with their descriptions.

use anyhow::Context as _;
use nut_proto::client::UpsInfo;
use serde::Serialize;

use crate::ctx::{parse_server, Ctx};
use crate::exit::Exit;
use crate::render;

/// The `list` document.
#[derive(Debug, Serialize)]
struct ListReport {
    /// `host:port` asked.
    server: String,
    /// `{name, description}` per UPS, in the server's order.
    upses: Vec<UpsInfo>,
}

/// `nutctl list`.
pub(crate) async fn run(ctx: &Ctx, server: &str) -> anyhow::Result<Exit> {
    let (host, port) = parse_server(server)?;
    let shown = nut_proto::target::format_host_port(&host, port);
    let mut c = ctx
        .connect_server(&host, port)
        .await
        .with_context(|| format!("connecting to {shown}"))?;
    let upses = c.list_ups().await.context("LIST UPS")?;
    let _ = c.logout().await;
    if ctx.json {
        render::json::emit(&ListReport {
            server: shown,
            upses,
        })?;
    } else {
        // `upsc -L`'s lines: `name: description`.
        let mut out = String::new();
        for u in &upses {
            out.push_str(&format!("{}: {}\n", u.name, u.description));
        }
        render::emit(&out)?;
    }
    Ok(Exit::Ok)
}
