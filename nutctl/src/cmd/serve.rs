//! `nutctl serve`: nut-proto's embedded server over dummy-ups `.dev`/`.seq` dumps. It answers every
//! protocol command like upsd; a `.seq` file is played back like dummy-ups does (its `TIMER n`
//! lines separate states, the sequence loops), and `--cycle` drives `ups.status` through a list.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use nut_proto::server::cmdvartab::{CMDVARTAB, DEFAULT_DATAPATH};
use nut_proto::server::{
    sequence, Descriptions, Frame, Server, ServerConfig, ServerHandle, ServerTls, Store, UpsData,
    UpsmonRole, User,
};

use crate::cli::ServeArgs;
use crate::creds::Credentials;
use crate::exit::Exit;

/// Upper bound on the size of a dump file: the largest in the device dump library is a few KiB.
const MAX_DEV_SIZE: u64 = 4 * 1024 * 1024;

/// A UPS name from a file name: its stem, with characters NUT names cannot hold replaced.
fn name_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "ups".into()
    } else {
        clean
    }
}

/// Whether `name` can be an instant command's name on the wire (one word, no quoting needed).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Applies one state to a UPS of the running server, as dummy-ups reads the next part of a `.seq`.
pub(crate) fn apply(handle: &ServerHandle, ups: &str, text: &str) {
    handle.with_store(|s| {
        if let Some(u) = s.ups_mut(ups) {
            u.apply_dev_text(text);
        }
    });
}

/// Upper bound on the size of a cmdvartab (NUT's is ~20 KiB).
const MAX_CMDVARTAB_SIZE: u64 = 1024 * 1024;

/// The descriptions upsd would give: `<datapath>/cmdvartab`, read at start as upsd reads it. A
/// missing file at the default place means none, as for upsd; any other failure is said on stderr.
fn descriptions(datapath: Option<&Path>) -> Descriptions {
    let dir = datapath.unwrap_or(Path::new(DEFAULT_DATAPATH));
    let path = dir.join(CMDVARTAB);
    match nut_proto::safe_file::read_regular(&path, MAX_CMDVARTAB_SIZE) {
        Ok(bytes) => Descriptions::parse(bytes),
        Err(e) => {
            if datapath.is_some() || e.kind() != std::io::ErrorKind::NotFound {
                // safe_file's errors name the file.
                eprintln!(
                    "nutctl: warning: descriptions from cmdvartab: {e}; every description is \
                     \"Description unavailable\""
                );
            }
            Descriptions::new()
        }
    }
}

/// What binding a non-loopback address without TLS exposes.
fn plaintext_warning(listen: std::net::SocketAddr, user: Option<&str>) -> String {
    let who = match user {
        Some(u) => format!(
            "user {u}'s password crosses the network in plaintext, and {u} may SET variables, \
             set FSD (shut every upsmon down) and run every instant command"
        ),
        None => "anyone who can reach it reads every variable".to_string(),
    };
    format!(
        "listening on {listen} without TLS: {who}; give --tls-cert FILE --tls-key FILE so clients \
         can use STARTTLS, or listen on 127.0.0.1"
    )
}

/// `nutctl serve`.
pub(crate) async fn run(ctx: &crate::ctx::Ctx, a: ServeArgs) -> anyhow::Result<Exit> {
    if a.name.is_some() && a.devs.len() > 1 {
        bail!("--name names the UPS of a single --dev file");
    }
    if !(a.step.is_finite() && a.step > 0.0) {
        bail!("--step must be a positive number of seconds");
    }
    if let Some(bad) = a.cmds.iter().find(|c| !valid_name(c)) {
        bail!("--cmd {bad:?}: a command name is letters, digits, '.', '-' and '_'");
    }
    let mut store = Store::new();
    store.descriptions = descriptions(a.datapath.as_deref());
    let mut plays: Vec<(String, Vec<Frame>)> = Vec::new();
    for path in &a.devs {
        let bytes = nut_proto::safe_file::read_regular(path, MAX_DEV_SIZE)
            .context("cannot read the device dump")?;
        let text = String::from_utf8_lossy(&bytes);
        let name = a.name.clone().unwrap_or_else(|| name_of(path));
        if store.ups(&name).is_some() {
            bail!("two files give the UPS name {name}; rename one or serve them separately");
        }
        let fr = sequence(&text).with_context(|| path.display().to_string())?;
        let first = fr.first().map(|f| f.text.as_str()).unwrap_or_default();
        let mut ups = UpsData::from_dev(&name, first);
        for c in &a.cmds {
            ups.add_command(c, None);
        }
        ups.desc = Some(
            a.desc
                .clone()
                .unwrap_or_else(|| format!("served by nutctl from {}", path.display())),
        );
        store.insert_ups(ups);
        if fr.len() > 1 {
            plays.push((name, fr));
        }
    }
    if let Some(c) = Credentials::from_args(&a.creds)? {
        store.insert_user(
            User::new(&c.user, c.password.expose())
                .allow_set()
                .allow_fsd()
                .allow_instcmd("ALL")
                .upsmon(UpsmonRole::Primary),
        );
    }
    let names: Vec<String> = store.upses().map(|u| u.name.clone()).collect();
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => {
            Some(ServerTls::from_pem_files(c, k).context("cannot use the TLS certificate")?)
        }
        _ => None,
    };
    if !a.listen.ip().is_loopback() && tls.is_none() {
        eprintln!(
            "nutctl: warning: {}",
            plaintext_warning(a.listen, a.creds.user.as_deref())
        );
    }
    // Room for many clients: the connection limit follows the fd limit.
    nut_proto::server::raise_fd_limit();
    let config = ServerConfig {
        bind: a.listen,
        tls,
        ..ServerConfig::default()
    };
    let handle = Arc::new(
        Server::start(store, config)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?,
    );
    // The first line is machine-readable on purpose: scripts and tests read the port from it.
    if ctx.json {
        // --json: the same as one JSON line, and no text at all.
        let line = serde_json::json!({ "listening": handle.addr().to_string(), "serving": names });
        crate::render::emit_exact(&format!("{line}\n"))?;
    } else {
        crate::render::emit(&format!(
            "listening on {} serving {}\n",
            handle.addr(),
            names.join(" ")
        ))?;
    }

    let mut tasks = tokio::task::JoinSet::new();
    for (ups, fr) in plays {
        let h = Arc::clone(&handle);
        tasks.spawn(async move {
            loop {
                for f in &fr {
                    apply(&h, &ups, &f.text);
                    // `TIMER 0` must not turn into a busy loop.
                    let hold = f.hold.unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(hold.max(Duration::from_millis(50))).await;
                }
            }
        });
    }
    if let Some(list) = &a.cycle {
        let states: Vec<String> = list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if states.is_empty() {
            bail!("--cycle needs at least one status");
        }
        let h = Arc::clone(&handle);
        let step = Duration::from_secs_f64(a.step);
        let names = names.clone();
        tasks.spawn(async move {
            loop {
                for st in &states {
                    for n in &names {
                        h.with_store(|s| s.set_values(n, &[("ups.status", st)]));
                    }
                    tokio::time::sleep(step).await;
                }
            }
        });
    }
    let limit = a.exit_after.filter(|s| s.is_finite() && *s >= 0.0);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = async {
            match limit {
                Some(s) => tokio::time::sleep(Duration::from_secs_f64(s)).await,
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
    tasks.abort_all();
    drop(handle);
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_warning_names_what_the_user_can_do() {
        let w = plaintext_warning(([0, 0, 0, 0], 3493).into(), Some("admin"));
        for word in [
            "0.0.0.0:3493",
            "without TLS",
            "admin",
            "SET",
            "FSD",
            "instant command",
            "--tls-cert",
        ] {
            assert!(w.contains(word), "{word}: {w}");
        }
        let w = plaintext_warning((std::net::Ipv6Addr::UNSPECIFIED, 3493).into(), None);
        assert!(w.contains("reads every variable"), "{w}");
    }

    #[test]
    fn names_come_from_file_stems() {
        assert_eq!(name_of(Path::new("/x/APC Back-UPS.dev")), "APC_Back-UPS");
        assert_eq!(name_of(Path::new("/x/.dev")), ".dev");
    }
}
