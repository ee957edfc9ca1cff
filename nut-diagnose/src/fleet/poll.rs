//! The fleet poller: every target concurrently (one tokio task each), each under its own timeout,
//! one kept connection per target.
//!
//! A server costs one round trip per poll whatever its number of UPSes: `LIST UPS` goes out with the
//! `LIST VAR` of every UPS the previous poll listed ([`Client::list_ups_and_vars`]); only a UPS new
//! since then costs a second one ([`Client::list_vars_pipelined`]). A single UPS is one. A connection that
//! fails (closed by a restarted upsd, a timeout, a protocol error) is dropped; a kept connection
//! that fails is replaced by a new one within the same poll, so a restarted server costs one poll
//! nothing. A connection is taken out of its slot while in use and put back only after a clean
//! exchange: a poll cut short by its timeout can never leave a half-read reply for the next one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use nut_proto::client::{Client, ClientError, Options, UpsInfo};
use nut_proto::Target;

use super::{FleetSnapshot, FleetTarget, FleetTargetError, TargetKind};
use super::{TargetSnapshot, UpsSnapshot};
use crate::knowledge::Thresholds;
use crate::rules::reality_check;

/// Most targets polled on demand ([`Poller::poll_target`]) whose connections are kept; past it an
/// on-demand target still works, with a connection of its own for that poll.
pub const MAX_KEPT_ON_DEMAND: usize = 256;

/// One target and its kept connection.
struct Slot {
    target: FleetTarget,
    conn: tokio::sync::Mutex<Option<Client>>,
    /// The UPS names of the last `LIST UPS` (a server target): their `LIST VAR`s go out with the
    /// next `LIST UPS` in one write.
    known: StdMutex<Vec<String>>,
}

impl Slot {
    fn new(target: FleetTarget) -> Arc<Slot> {
        Arc::new(Slot {
            target,
            conn: tokio::sync::Mutex::new(None),
            known: StdMutex::new(Vec::new()),
        })
    }
}

struct Inner {
    opts: Options,
    thresholds: Thresholds,
    timeout: Duration,
}

/// Polls a fleet. Cheap to share (`&self` everywhere; concurrent polls of one target wait for each
/// other, each within its own timeout).
pub struct Poller {
    inner: Arc<Inner>,
    slots: Vec<Arc<Slot>>,
    on_demand: StdMutex<HashMap<String, Arc<Slot>>>,
}

impl Poller {
    /// A poller of `targets`: client options (STARTTLS and its CA included), the threshold table the
    /// UPSes are judged by, and the bound on one target's whole poll (connect, login, requests).
    pub fn new(
        targets: Vec<FleetTarget>,
        opts: Options,
        thresholds: Thresholds,
        timeout: Duration,
    ) -> Poller {
        let mut opts = opts;
        opts.connect_timeout = opts.connect_timeout.min(timeout);
        opts.request_timeout = opts.request_timeout.min(timeout);
        Poller {
            inner: Arc::new(Inner {
                opts,
                thresholds,
                timeout,
            }),
            slots: targets.into_iter().map(Slot::new).collect(),
            on_demand: StdMutex::new(HashMap::new()),
        }
    }

    /// The configured targets, in order.
    pub fn targets(&self) -> impl Iterator<Item = &FleetTarget> {
        self.slots.iter().map(|s| &s.target)
    }

    /// The threshold table the UPSes are judged by.
    pub fn thresholds(&self) -> &Thresholds {
        &self.inner.thresholds
    }

    /// Polls every configured target concurrently; never fails (a target that cannot be read is
    /// down in the snapshot). Takes about as long as the slowest target, at most its timeout.
    pub async fn poll_all(&self) -> FleetSnapshot {
        poll_slots(&self.inner, &self.slots).await
    }

    /// Polls one target by name (`host:port` or `ups@host:port`, as `/ups_metrics?target=` gives
    /// it): a configured target with its credentials and connection, else an on-demand one, whose
    /// connection is kept too (up to [`MAX_KEPT_ON_DEMAND`]). An on-demand target never logs in:
    /// whoever can reach the caller chooses it, and configured credentials must not be sent to a
    /// server of their choosing.
    pub async fn poll_target(&self, name: &str) -> Result<FleetSnapshot, FleetTargetError> {
        let parsed = FleetTarget::parse(name)?;
        let key = parsed.name();
        let slot = match self.slots.iter().find(|s| s.target.name() == key) {
            Some(s) => Arc::clone(s),
            None => {
                let mut map = self
                    .on_demand
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match map.get(&key) {
                    Some(s) => Arc::clone(s),
                    None => {
                        let s = Slot::new(parsed);
                        if map.len() < MAX_KEPT_ON_DEMAND {
                            map.insert(key, Arc::clone(&s));
                        }
                        s
                    }
                }
            }
        };
        Ok(poll_slots(&self.inner, &[slot]).await)
    }
}

async fn poll_slots(inner: &Arc<Inner>, slots: &[Arc<Slot>]) -> FleetSnapshot {
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (i, slot) in slots.iter().enumerate() {
        let inner = Arc::clone(inner);
        let slot = Arc::clone(slot);
        set.spawn(async move { (i, poll_one(&inner, &slot).await) });
    }
    let mut got: Vec<Option<TargetSnapshot>> = vec![None; slots.len()];
    while let Some(done) = set.join_next().await {
        if let Ok((i, snap)) = done {
            if let Some(cell) = got.get_mut(i) {
                *cell = Some(snap);
            }
        }
    }
    // A task that panicked (a bug) still yields its target, as down.
    let targets = got
        .into_iter()
        .zip(slots)
        .map(|(s, slot)| {
            s.unwrap_or_else(|| {
                down(
                    &slot.target,
                    "internal error: poll task failed",
                    None,
                    start,
                )
            })
        })
        .collect();
    FleetSnapshot {
        targets,
        duration: start.elapsed(),
    }
}

fn down(
    t: &FleetTarget,
    error: &str,
    finding: Option<crate::Finding>,
    start: Instant,
) -> TargetSnapshot {
    TargetSnapshot {
        target: t.name(),
        up: false,
        error: Some(error.to_string()),
        finding,
        duration: start.elapsed(),
        reconnected: false,
        ups: Vec::new(),
    }
}

/// The target a reality-check finding speaks about.
fn probe_target(t: &FleetTarget) -> Target {
    match &t.kind {
        TargetKind::Ups { target } => target.clone(),
        TargetKind::Server { host, port } => Target::new("*", host.clone(), *port),
    }
}

async fn poll_one(inner: &Inner, slot: &Slot) -> TargetSnapshot {
    let start = Instant::now();
    let t = &slot.target;
    let work = async {
        let mut guard = slot.conn.lock().await;
        let kept = guard.take();
        let reused = kept.is_some();
        let mut client = match kept {
            Some(c) => c,
            None => connect(inner, t).await?,
        };
        let first = read(inner, slot, &mut client).await;
        let (ups, client, reconnected) = match first {
            Ok(ups) => (ups, client, !reused),
            // A kept connection may have died between polls (upsd restarted): one fresh try.
            Err(e) if reused && e.is_fatal() => {
                drop(client);
                let mut fresh = connect(inner, t).await?;
                let ups = read(inner, slot, &mut fresh).await?;
                (ups, fresh, true)
            }
            Err(e) => {
                if !e.is_fatal() {
                    *guard = Some(client);
                }
                return Err(e);
            }
        };
        *guard = Some(client);
        Ok::<_, ClientError>((ups, reconnected))
    };
    match tokio::time::timeout(inner.timeout, work).await {
        Ok(Ok((ups, reconnected))) => TargetSnapshot {
            target: t.name(),
            up: true,
            error: None,
            finding: None,
            duration: start.elapsed(),
            reconnected,
            ups,
        },
        Ok(Err(e)) => {
            let fact = crate::probe::nut::fact_from_error(&probe_target(t), &e);
            down(
                t,
                &e.to_string(),
                reality_check::reality_check(&fact),
                start,
            )
        }
        Err(_) => {
            let e = ClientError::Timeout {
                request: "poll",
                after: inner.timeout,
            };
            let fact = crate::probe::nut::fact_from_error(&probe_target(t), &e);
            down(
                t,
                &format!("no complete answer within {:?}", inner.timeout),
                reality_check::reality_check(&fact),
                start,
            )
        }
    }
}

async fn connect(inner: &Inner, t: &FleetTarget) -> Result<Client, ClientError> {
    let mut c = crate::probe::nut::connect_server(t.host(), t.port(), &inner.opts).await?;
    if let Some((user, pw)) = &t.credentials {
        c.authenticate(user, pw).await?;
    }
    Ok(c)
}

/// One exchange: the UPSes of the target and their variables. A UPS whose `LIST VAR` gets a server
/// error is kept with that error; any other failure fails the whole target. A server whose UPS list
/// did not change since the last poll costs one round trip (`LIST UPS` with the known UPSes'
/// `LIST VAR`s); new UPSes cost one more.
async fn read(inner: &Inner, slot: &Slot, c: &mut Client) -> Result<Vec<UpsSnapshot>, ClientError> {
    type Vars = Result<Vec<nut_proto::client::Variable>, ClientError>;
    let t = &slot.target;
    let (list, mut got, host, port): (Vec<UpsInfo>, HashMap<String, Vars>, &str, u16) =
        match &t.kind {
            TargetKind::Server { host, port } => {
                let known = slot
                    .known
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                let refs: Vec<&str> = known.iter().map(String::as_str).collect();
                let (list, vars) = if refs.is_empty() {
                    (c.list_ups().await?, Vec::new())
                } else {
                    c.list_ups_and_vars(&refs).await?
                };
                (list, known.into_iter().zip(vars).collect(), host, *port)
            }
            TargetKind::Ups { target } => (
                vec![UpsInfo {
                    name: target.ups.clone(),
                    description: String::new(),
                }],
                HashMap::new(),
                &target.host,
                target.port,
            ),
        };
    let missing: Vec<&str> = list
        .iter()
        .map(|u| u.name.as_str())
        .filter(|n| !got.contains_key(*n))
        .collect();
    if !missing.is_empty() {
        let vars = c.list_vars_pipelined(&missing).await?;
        let names: Vec<String> = missing.iter().map(|n| (*n).to_string()).collect();
        got.extend(names.into_iter().zip(vars));
    }
    if matches!(t.kind, TargetKind::Server { .. }) {
        *slot
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            list.iter().map(|u| u.name.clone()).collect();
    }
    let single = matches!(t.kind, TargetKind::Ups { .. });
    Ok(list
        .iter()
        .map(|info| {
            let vars = got
                .remove(&info.name)
                .unwrap_or_else(|| Err(ClientError::Unusable));
            UpsSnapshot::judge(
                &inner.thresholds,
                Target::new(info.name.clone(), host, port),
                (!single).then(|| info.description.clone()),
                vars.map(|v| v.into_iter().map(|v| (v.name, v.value)).collect())
                    .map_err(|e| e.to_string()),
            )
        })
        .collect())
}
