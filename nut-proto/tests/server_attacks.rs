//! Denial-of-service attacks against the embedded server, and side by side against the real upsd
//! 2.8 started by nut-lab: slowloris (100 connections × 1 byte/s), 100 idle connections, 64 clients
//! that send but never read, 2 000 plain connections held open, and password guessing.
//!
//! Throughout each attack a normal client (from another source address, 127.0.0.2) asks
//! `GET VAR … ups.status` every 250 ms and must be answered by the embedded server within 1 s; the
//! attack's connections must be dropped by its timeouts. For upsd the same figures are printed, and
//! only what upsd does for certain in the window is asserted (no slowloris or idle connection
//! dropped, password guesses answered without limit).
//!
//! Bounded in time: the embedded server runs with short timeouts (line 1 s, idle 1.5 s, write 1 s)
//! and each attack lasts 3–4 s; upsd keeps its own (60 s idle) and is only watched for the same 3–4 s,
//! so its "dropped" figures here are "not within the window". The tests in this file run one at a
//! time (they measure latency) and take ~40 s together. `attack_table` (ignored) runs every attack
//! for longer against both servers and prints the table of BENCHMARKS.md:
//! `cargo test -p nut-proto --test server_attacks -- --ignored --nocapture attack_table`.
//!
//! The upsd part is skipped when NUT is not installed (failure under `CI=true`, as in nut-lab).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::{Lab, LabConfig, MON};
use nut_proto::server::{Server, ServerConfig, ServerHandle, Store, UpsData, UpsmonRole, User};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// The attacker's source address; the normal client comes from [`NORMAL_SRC`].
const ATTACK_SRC: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const NORMAL_SRC: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const DEV: &str = "ups.status: OL\nbattery.charge: 100\nups.model: Attack Test\n";

/// These tests measure latency: one at a time (an async lock: each test has its own runtime).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server under attack: its address and the UPS to ask for.
struct Victim {
    name: &'static str,
    addr: SocketAddr,
    ups: String,
    _serve: Option<ServeThread>,
    _lab: Option<Lab>,
}

/// The embedded server on its own thread and runtime (as a separate process would be), so the
/// attackers' tasks in the test's runtime do not share its workers. Stopped on drop.
struct ServeThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServeThread {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The fd limit of this process (raised to the hard limit), printed so the figures can be read.
fn fd_limit() -> u64 {
    let n = nut_proto::server::raise_fd_limit();
    println!("RLIMIT_NOFILE soft limit in the test process: {n}");
    n
}

fn test_config() -> ServerConfig {
    ServerConfig {
        line_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_millis(1500),
        write_timeout: Duration::from_secs(1),
        auth_delay: Duration::from_millis(200),
        ..ServerConfig::default()
    }
}

async fn serve(config: ServerConfig) -> Victim {
    let mut store = Store::new();
    store.insert_ups(UpsData::from_dev("ups", DEV.as_bytes()));
    store.insert_user(User::new(MON.0, MON.1).upsmon(UpsmonRole::Primary));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let h: ServerHandle = Server::start(store, config).await.unwrap();
            addr_tx.send(h.addr()).unwrap();
            let _ = stop_rx.await;
            h.shutdown().await;
        });
    });
    let addr = addr_rx.recv().unwrap();
    Victim {
        name: "serve",
        addr,
        ups: "ups".into(),
        _serve: Some(ServeThread {
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        _lab: None,
    }
}

fn upsd() -> Option<Victim> {
    let lab = Lab::start(LabConfig::new().prefix("attack-lab.").ups("ups", DEV))?;
    Some(Victim {
        name: "upsd",
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, lab.port)),
        ups: lab.ups(0).to_string(),
        _serve: None,
        _lab: Some(lab),
    })
}

async fn connect_from(src: Ipv4Addr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::from((src, 0)))?;
    s.connect(addr).await
}

/// One normal request from [`NORMAL_SRC`] with blocking sockets on the caller's thread; its
/// latency, or `None` when not answered within 1 s (connect, write and read all inside that second).
fn normal_request(addr: SocketAddr, ups: &str) -> Option<Duration> {
    use std::io::{Read, Write};
    let t = Instant::now();
    let left = || {
        Duration::from_secs(1)
            .checked_sub(t.elapsed())
            .filter(|d| !d.is_zero())
    };
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    s.bind(&SocketAddr::from((NORMAL_SRC, 0)).into()).ok()?;
    s.connect_timeout(&addr.into(), left()?).ok()?;
    let mut s = std::net::TcpStream::from(s);
    s.write_all(format!("GET VAR {ups} ups.status\n").as_bytes())
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') {
        s.set_read_timeout(Some(left()?)).ok()?;
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.starts_with(b"VAR ").then(|| t.elapsed())
}

/// Normal requests every 250 ms for `span` from a thread of their own (the attack's tasks cannot
/// delay them): (worst latency, requests not answered within 1 s, requests).
async fn probe(addr: SocketAddr, ups: String, span: Duration) -> (Duration, usize, usize) {
    tokio::task::spawn_blocking(move || {
        let end = Instant::now() + span;
        let (mut worst, mut failed, mut total) = (Duration::ZERO, 0, 0);
        while Instant::now() < end {
            total += 1;
            match normal_request(addr, &ups) {
                Some(d) => worst = worst.max(d),
                None => failed += 1,
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        (worst, failed, total)
    })
    .await
    .unwrap()
}

/// What one attack did to one server.
#[derive(Debug)]
struct Outcome {
    worst: Duration,
    failed: usize,
    probes: usize,
    /// Attack connections the server closed within the window, of `attackers`.
    dropped: usize,
    attackers: usize,
    /// Latest drop among the dropped ones.
    last_drop: Duration,
    /// Attack-specific count (answered connections, guesses answered).
    answered: usize,
}

#[derive(Debug, Clone, Copy)]
enum Attack {
    /// n connections, one byte a second, never a LF.
    Slowloris(usize),
    /// n connections that send nothing.
    Idle(usize),
    /// n connections that send requests and never read.
    NoRead(usize),
    /// n connections, each asks once and stays open.
    Many(usize),
    /// n parallel guessers: USERNAME, a wrong PASSWORD, LOGIN, on a new connection each time.
    Guess(usize),
}

/// Did the peer close? Reads (draining anything buffered) for up to `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut chunk = [0u8; 65536];
    let end = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(end, s.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Runs one attacker connection until `end` (the same instant for all, however late a task starts
/// on a loaded machine); returns (time from its start until it was dropped, answered).
async fn attacker(
    attack: Attack,
    addr: SocketAddr,
    ups: String,
    end: Instant,
    i: usize,
) -> (Option<Duration>, usize) {
    let t = Instant::now();
    let left = |_: Instant| end.saturating_duration_since(Instant::now());
    match attack {
        Attack::Slowloris(_) => {
            let Ok(mut s) = connect_from(ATTACK_SRC, addr).await else {
                return (Some(t.elapsed()), 0);
            };
            let payload = format!("GET VAR {ups} ups.status");
            for b in payload.bytes().cycle() {
                if left(t).is_zero() {
                    return (None, 0);
                }
                if s.write_all(&[b]).await.is_err() {
                    return (Some(t.elapsed()), 0);
                }
                if closed_within(&mut s, Duration::from_secs(1).min(left(t))).await {
                    return (Some(t.elapsed()), 0);
                }
            }
            (None, 0)
        }
        Attack::Idle(_) => {
            let Ok(mut s) = connect_from(ATTACK_SRC, addr).await else {
                return (Some(t.elapsed()), 0);
            };
            let dropped = closed_within(&mut s, left(t)).await;
            (dropped.then(|| t.elapsed()), 0)
        }
        Attack::NoRead(_) => {
            // A small receive buffer, as an attacker holding many connections cheaply would set:
            // the server's replies back up after a few KiB.
            let sock = TcpSocket::new_v4().unwrap();
            sock.set_recv_buffer_size(4096).unwrap();
            sock.bind(SocketAddr::from((ATTACK_SRC, 0))).unwrap();
            let Ok(mut s) = sock.connect(addr).await else {
                return (Some(t.elapsed()), 0);
            };
            let burst = format!("LIST VAR {ups}\n").repeat(256);
            loop {
                if left(t).is_zero() {
                    return (None, 0);
                }
                match tokio::time::timeout(left(t), s.write_all(burst.as_bytes())).await {
                    Ok(Ok(())) => {}
                    // The server closed (RST on unread data): the write fails.
                    Ok(Err(_)) => return (Some(t.elapsed()), 0),
                    Err(_) => return (None, 0),
                }
            }
        }
        Attack::Many(_) => {
            let Ok(mut s) = connect_from(ATTACK_SRC, addr).await else {
                return (Some(t.elapsed()), 0);
            };
            let _ = s
                .write_all(format!("GET VAR {ups} ups.status\n").as_bytes())
                .await;
            let mut chunk = [0u8; 256];
            let answered = matches!(
                tokio::time::timeout(left(t), s.read(&mut chunk)).await,
                Ok(Ok(n)) if n > 0 && chunk.starts_with(b"VAR ")
            );
            let dropped = closed_within(&mut s, left(t)).await;
            (dropped.then(|| t.elapsed()), usize::from(answered))
        }
        Attack::Guess(_) => {
            let mut answered = 0;
            let mut n = 0;
            while !left(t).is_zero() {
                let Ok(mut s) = connect_from(ATTACK_SRC, addr).await else {
                    break;
                };
                n += 1;
                let req = format!("USERNAME {}\nPASSWORD guess-{i}-{n}\nLOGIN {ups}\n", MON.0);
                if s.write_all(req.as_bytes()).await.is_err() {
                    continue;
                }
                let mut got = Vec::new();
                let mut chunk = [0u8; 256];
                let read = async {
                    while got.iter().filter(|&&b| b == b'\n').count() < 3 {
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(k) => got.extend_from_slice(&chunk[..k]),
                        }
                    }
                };
                if tokio::time::timeout(left(t), read).await.is_err() {
                    break;
                }
                if String::from_utf8_lossy(&got).contains("ERR ACCESS-DENIED") {
                    answered += 1;
                }
            }
            (None, answered)
        }
    }
}

fn attackers(a: Attack) -> usize {
    match a {
        Attack::Slowloris(n)
        | Attack::Idle(n)
        | Attack::NoRead(n)
        | Attack::Many(n)
        | Attack::Guess(n) => n,
    }
}

async fn run(v: &Victim, attack: Attack, span: Duration) -> Outcome {
    let n = attackers(attack);
    let mut set = JoinSet::new();
    let end = Instant::now() + span + Duration::from_millis(300);
    for i in 0..n {
        set.spawn(attacker(attack, v.addr, v.ups.clone(), end, i));
    }
    // Let the attack take hold before the normal client starts asking.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (worst, failed, probes) = probe(v.addr, v.ups.clone(), span).await;
    let mut out = Outcome {
        worst,
        failed,
        probes,
        dropped: 0,
        attackers: n,
        last_drop: Duration::ZERO,
        answered: 0,
    };
    while let Some(r) = set.join_next().await {
        let (drop_at, answered) = r.unwrap();
        if let Some(d) = drop_at {
            out.dropped += 1;
            out.last_drop = out.last_drop.max(d);
        }
        out.answered += answered;
    }
    println!("{:5} {attack:?}: {out:?}", v.name);
    out
}

fn assert_normal_client_served(v: &Victim, o: &Outcome) {
    assert_eq!(
        o.failed, 0,
        "{}: the normal client was not answered within 1 s: {o:?}",
        v.name
    );
    assert!(o.probes >= 5, "{o:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_dropped_and_others_served() {
    let _g = SERIAL.lock().await;
    fd_limit();
    let v = serve(test_config()).await;
    let o = run(&v, Attack::Slowloris(100), Duration::from_secs(4)).await;
    assert_normal_client_served(&v, &o);
    // The line deadline (1 s after the first byte) drops them all, whatever they trickle.
    assert_eq!(o.dropped, 100, "{o:?}");
    assert!(o.last_drop < Duration::from_secs(3), "{o:?}");
    if let Some(u) = upsd() {
        let o = run(&u, Attack::Slowloris(100), Duration::from_secs(4)).await;
        // upsd resets its 60 s idle timer on every byte: none dropped in the window.
        assert_eq!(o.dropped, 0, "{o:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_dropped_and_others_served() {
    let _g = SERIAL.lock().await;
    fd_limit();
    let v = serve(test_config()).await;
    let o = run(&v, Attack::Idle(100), Duration::from_secs(3)).await;
    assert_normal_client_served(&v, &o);
    assert_eq!(o.dropped, 100, "{o:?}");
    if let Some(u) = upsd() {
        let o = run(&u, Attack::Idle(100), Duration::from_secs(3)).await;
        assert_eq!(o.dropped, 0, "upsd's idle timeout is 60 s: {o:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_dropped_and_others_served() {
    let _g = SERIAL.lock().await;
    fd_limit();
    let v = serve(test_config()).await;
    let o = run(&v, Attack::NoRead(64), Duration::from_secs(4)).await;
    assert_normal_client_served(&v, &o);
    // The write timeout (1 s) drops every one of them.
    assert_eq!(o.dropped, 64, "{o:?}");
    if let Some(u) = upsd() {
        // Printed, not asserted: upsd sometimes leaves the normal client unanswered here.
        let _ = run(&u, Attack::NoRead(64), Duration::from_secs(4)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_connections_leave_room_for_others() {
    let _g = SERIAL.lock().await;
    let fds = fd_limit();
    // Client and server share this process: two fds per connection, plus the reserve.
    let n = 2000usize.min((fds.saturating_sub(200) / 2) as usize);
    let config = test_config();
    let cap = n.min(config.max_per_source).min(config.max_connections);
    let v = serve(ServerConfig {
        idle_timeout: Duration::from_secs(30),
        ..config
    })
    .await;
    let o = run(&v, Attack::Many(n), Duration::from_secs(6)).await;
    assert_normal_client_served(&v, &o);
    // Never more than the per-source cap served at once (the rest are closed at once, not left
    // waiting), and far more than the old fixed 64 slots: how many of the 2 000 get through in the
    // window depends on the machine's load, so only half the cap is required.
    assert!(o.answered <= cap, "cap {cap}: {o:?}");
    assert!(o.answered >= cap / 2, "cap {cap}: {o:?}");
    assert!(o.dropped <= n - o.answered, "cap {cap}: {o:?}");
    if let Some(u) = upsd() {
        let o = run(&u, Attack::Many(n), Duration::from_secs(6)).await;
        println!("upsd answered {} of {n}", o.answered);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_slowed_per_source() {
    let _g = SERIAL.lock().await;
    fd_limit();
    let v = serve(test_config()).await;
    let o = run(&v, Attack::Guess(4), Duration::from_secs(3)).await;
    assert_normal_client_served(&v, &o);
    // 3 free failures, then one check per turn (200 ms doubling to 3.2 s) for all four connections
    // together: at most 3 + 5 guesses in 3 s.
    assert!(o.answered <= 8, "{o:?}");
    assert!(o.answered >= 3, "{o:?}");
    // Another source logs in at once with the right password.
    let t = Instant::now();
    let mut s = connect_from(NORMAL_SRC, v.addr).await.unwrap();
    s.write_all(format!("USERNAME {}\nPASSWORD {}\nLOGIN ups\n", MON.0, MON.1).as_bytes())
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 256];
    while got.iter().filter(|&&b| b == b'\n').count() < 3 {
        let k = tokio::time::timeout(Duration::from_secs(1), s.read(&mut chunk))
            .await
            .expect("login answered within 1 s")
            .unwrap();
        assert!(k > 0);
        got.extend_from_slice(&chunk[..k]);
    }
    assert_eq!(got, b"OK\nOK\nOK\n");
    assert!(t.elapsed() < Duration::from_secs(1));
    if let Some(u) = upsd() {
        let o = run(&u, Attack::Guess(4), Duration::from_secs(3)).await;
        // upsd has no limit: guesses are answered as fast as they come.
        assert!(o.answered > 100, "{o:?}");
    }
}

/// The attack table of BENCHMARKS.md: each attack for 20 s (slowloris and idle 70 s, to see upsd's
/// 60 s timeout) against `serve` with its default timeouts and against upsd. Takes ~8 minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, ~8 minutes: prints the serve-vs-upsd attack table"]
async fn attack_table() {
    let _g = SERIAL.lock().await;
    let fds = fd_limit();
    let n = 2000usize.min((fds.saturating_sub(200) / 2) as usize);
    let attacks = [
        (Attack::Slowloris(100), 70),
        (Attack::Idle(100), 70),
        (Attack::NoRead(64), 20),
        (Attack::Many(n), 20),
        (Attack::Guess(4), 20),
    ];
    let mut rows = Vec::new();
    for (a, secs) in attacks {
        let span = Duration::from_secs(secs);
        let v = serve(ServerConfig::default()).await;
        let s = run(&v, a, span).await;
        drop(v);
        let u = match upsd() {
            Some(u) => Some(run(&u, a, span).await),
            None => None,
        };
        rows.push((a, secs, s, u));
    }
    println!("\n| attack | window | server | normal client worst / unanswered | attack conns dropped (last at) | answered |");
    println!("|---|---|---|---|---|---|");
    for (a, secs, s, u) in &rows {
        for (name, o) in [("serve", Some(s)), ("upsd", u.as_ref())] {
            let Some(o) = o else { continue };
            println!(
                "| {a:?} | {secs} s | {name} | {:.3} s / {} of {} | {} of {} ({:.1} s) | {} |",
                o.worst.as_secs_f64(),
                o.failed,
                o.probes,
                o.dropped,
                o.attackers,
                o.last_drop.as_secs_f64(),
                o.answered
            );
        }
    }
}
