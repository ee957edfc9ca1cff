//! The embeddable async NUT server (feature `server`).
//!
//! [`Server::start`] binds (by default `127.0.0.1:0`), spawns an accept loop on the current tokio
//! runtime and returns a [`ServerHandle`] with the bound address. The server answers every protocol
//! 1.3 command from a shared [`Store`] with upsd's replies and upsd's order of checks (see
//! `nut-facts.md` §1.4), so clients and diagnosis can be tested against it without installing NUT.
//!
//! Differences from upsd, on purpose:
//! - Each request's reply (a whole `LIST` included), and all replies to requests that arrived in one
//!   read, go out in a single `write()`; upsd writes line by line and stalls ~40 ms per list on
//!   Nagle + delayed ACK. Speed measurements against this server measure the client, not that stall.
//! - Requests are bounded ([`ServerConfig::max_line`]): an over-long request (also one swallowed by an
//!   unterminated quote) gets `ERR INVALID-ARGUMENT` and the rest of it up to the next LF is dropped.
//!   An unescaped `#` inside quotes gets `ERR INVALID-ARGUMENT` instead of upsd's silence.
//! - `STARTTLS` answers `ERR FEATURE-NOT-CONFIGURED` unless [`ServerConfig::tls`] holds a
//!   certificate; bytes pipelined after `STARTTLS` in plaintext are dropped, never read as TLS-era
//!   requests. `SET VAR` and `INSTCMD` act on the store directly (there is no driver), and instant
//!   commands are recorded ([`ServerHandle::instcmds`]).
//!
//! Robustness (upsd's figures in `BENCHMARKS.md`, tests in `tests/server_attacks.rs`):
//! - a request line must complete within [`ServerConfig::line_timeout`] of its first byte, and only
//!   complete requests reset the idle timeout (a byte a second does not keep a connection);
//! - every write must finish within [`ServerConfig::write_timeout`] (a client that never reads is
//!   dropped), and a connection's unsent replies are bounded;
//! - connections are capped in total (default from `RLIMIT_NOFILE`) and per source address; a
//!   connection over a cap is closed at once instead of waiting unserved in the backlog;
//! - after [`ServerConfig::auth_free_failures`] failed credential checks from one source, each further
//!   check from it waits its turn ([`ServerConfig::auth_delay`], doubling), across all its connections;
//!   when 32 delays are queued, further checks from that source close their connection unanswered.
//!
//! Shutdown: [`ServerHandle::shutdown`] stops accepting and closes every connection; dropping the
//! handle does the same without waiting.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::command::Command;
use crate::error::ErrCode;
use crate::reply::{ListHeader, ListKind, OkReply, ValueKind};
use crate::server::admit::{default_max_connections, source_key, Admit, AuthLimiter, Slots};
use crate::server::cmdvartab::NO_DESCRIPTION;
use crate::server::encode;
use crate::server::request::{parse_command, tokenize, RequestError, Tokenized, Verb};
use crate::server::store::{DriverReply, DriverState, Store, UpsData, UpsmonRole, User};
use crate::server::tls::{ServerTls, Stream};

/// Settings of an embedded server. `Default` gives upsd-like behaviour on `127.0.0.1:0`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; port 0 picks a free port (read it back with [`ServerHandle::addr`]).
    pub bind: SocketAddr,
    /// Connections served at once; a client over the limit is closed at once. Default: three
    /// quarters of the fd limit left after a reserve ([`default_max_connections`]).
    pub max_connections: usize,
    /// Connections served at once from one source (an IPv4 address or an IPv6 /64). Default: an
    /// eighth of `max_connections`, at least 16.
    pub max_per_source: usize,
    /// Longest request accepted, in bytes, continuation lines included.
    pub max_line: usize,
    /// A connection that completes no request for this long is closed (upsd: 60 s).
    pub idle_timeout: Duration,
    /// A request line must be complete this long after its first byte, or the connection is closed.
    pub line_timeout: Duration,
    /// A reply (or the TLS handshake) that cannot be written within this long closes the connection.
    pub write_timeout: Duration,
    /// Failed credential checks a source gets for free before its checks are slowed down.
    pub auth_free_failures: u32,
    /// The wait of the first slowed check; it doubles with each further failure, up to 16 times.
    /// Zero turns the slow-down off.
    pub auth_delay: Duration,
    /// Certificate and key for `STARTTLS`; `None` answers `ERR FEATURE-NOT-CONFIGURED` like upsd
    /// without a certificate.
    pub tls: Option<ServerTls>,
    /// The `VER` reply.
    pub version: String,
    /// The `NETVER`/`PROTVER` reply.
    pub netver: String,
    /// The `HELP` reply.
    pub help: String,
    /// What `GET VAR <any> server.version` reports.
    pub server_version: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            max_connections: default_max_connections(),
            max_per_source: (default_max_connections() / 8).max(16),
            max_line: 4096,
            idle_timeout: Duration::from_secs(60),
            line_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            auth_free_failures: 3,
            auth_delay: Duration::from_millis(500),
            tls: None,
            version: "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/".into(),
            netver: "1.3".into(),
            help: "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"
                .into(),
            server_version: "2.8.0".into(),
        }
    }
}

/// One `INSTCMD` the server accepted, for tests that check what a client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstCmdRecord {
    /// UPS name as stored.
    pub ups: String,
    /// Command name as sent.
    pub cmd: String,
    /// Optional parameter.
    pub value: Option<Vec<u8>>,
    /// The user that ran it.
    pub user: String,
}

struct Shared {
    store: Mutex<Store>,
    config: ServerConfig,
    instcmds: Mutex<Vec<InstCmdRecord>>,
    tracking: Mutex<Vec<(String, DriverReply)>>,
    next_id: AtomicU64,
    slots: Slots,
    auth: AuthLimiter,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A poisoned lock only means another connection panicked mid-update; the data is still usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Namespace for starting servers.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Starts a server with the default config (`127.0.0.1:0`). Needs a running tokio runtime.
    pub async fn bind(store: Store) -> io::Result<ServerHandle> {
        Server::start(store, ServerConfig::default()).await
    }

    /// Starts a server with `config`. Needs a running tokio runtime.
    pub async fn start(store: Store, config: ServerConfig) -> io::Result<ServerHandle> {
        let socket = if config.bind.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(config.bind)?;
        // A deep accept queue (the kernel caps it at somaxconn): a burst of connections must not
        // drop the SYN of a normal client, which would then wait a full SYN retransmit (1 s+).
        let listener = socket.listen(LISTEN_BACKLOG)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            instcmds: Mutex::new(Vec::new()),
            tracking: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            slots: Slots::default(),
            auth: AuthLimiter::new(config.auth_free_failures, config.auth_delay),
            config,
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stop_rx));
        Ok(ServerHandle {
            addr,
            shared,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// A running server: its address, its live store, and the way to stop it. Dropping it stops the
/// server (without waiting).
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The bound address (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Reads or changes the store while the server runs (e.g. mark a UPS stale, change a value).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.shared.store())
    }

    /// Connections being served now.
    pub fn connections(&self) -> usize {
        self.shared.slots.in_use()
    }

    /// Instant commands accepted so far, oldest first.
    pub fn instcmds(&self) -> Vec<InstCmdRecord> {
        self.shared
            .instcmds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops accepting, closes every connection and waits until all tasks have ended.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            // Aborting the accept task drops its JoinSet, which aborts every connection task.
            task.abort();
        }
    }
}

/// `listen()` backlog.
const LISTEN_BACKLOG: u32 = 4096;

/// Replies a connection may hold unsent before it stops reading requests and writes them.
const OUT_BUDGET: usize = 64 * 1024;
/// `SO_SNDBUF` of every connection.
const SEND_BUFFER: usize = 64 * 1024;

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let max_total = shared.config.max_connections.max(1);
    let max_source = shared.config.max_per_source.max(1);
    let mut conns = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => break,
            a = listener.accept() => a,
        };
        // Reap finished connection tasks so the set does not grow with the connection count.
        while conns.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(_) => {
                // Out of fds (or a transient error): do not spin; slots free up as clients leave.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let source = source_key(peer.ip());
        if !shared.slots.take(source, max_total, max_source) {
            // Over a cap: close now, so the client knows, instead of leaving it unserved.
            drop(stream);
            continue;
        }
        let guard = SlotGuard {
            shared: Arc::clone(&shared),
            source,
        };
        let stop = stop.clone();
        conns.spawn(async move {
            serve_connection(stream, peer, &guard.shared, stop).await;
            drop(guard);
        });
    }
    conns.shutdown().await;
}

/// Gives the connection slot back however the connection ends (timeout, error, abort).
struct SlotGuard {
    shared: Arc<Shared>,
    source: std::net::IpAddr,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.shared.slots.give(self.source);
    }
}

/// Per-connection protocol state.
struct Session {
    peer: String,
    source: std::net::IpAddr,
    username: Option<String>,
    password: Option<String>,
    login: Option<String>,
    tracking: bool,
    tls: bool,
    /// The next credential check already waited its turn.
    admitted: bool,
    /// The outcome of the last credential check (`user_of`), for the failed-login slow-down.
    auth_checked: std::cell::Cell<Option<bool>>,
}

/// What the connection does after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Continue,
    Close,
    StartTls,
}

/// Where a request is after one line.
enum Line {
    Done(After),
    /// A credential check from a source that failed too often: run it at this instant.
    WaitUntil(Instant),
}

async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    // A fixed send buffer: no autotuning to megabytes for a client that never reads (a reply is a
    // few KiB; the write timeout drops the client once this is full).
    let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(SEND_BUFFER);
    let cfg = &shared.config;
    let max_line = cfg.max_line.max(16);
    let mut stream = Stream::Plain(tcp);
    let mut session = Session {
        peer: peer.ip().to_string(),
        source: source_key(peer.ip()),
        username: None,
        password: None,
        login: None,
        tracking: false,
        tls: false,
        admitted: false,
        auth_checked: std::cell::Cell::new(None),
    };
    let mut chunk = vec![0u8; 4096];
    let mut buf: Vec<u8> = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut discarding = false;
    let mut out: Vec<u8> = Vec::new();
    // Only complete requests move the idle deadline; a started line has its own, shorter one.
    let mut idle_deadline = Instant::now() + cfg.idle_timeout;
    let mut line_deadline: Option<Instant> = None;
    'conn: loop {
        let mut start = 0usize;
        let mut after = After::Continue;
        while out.len() < OUT_BUDGET {
            let Some(pos) = buf
                .get(start..)
                .and_then(|rest| memchr::memchr(b'\n', rest))
            else {
                break;
            };
            let line = buf.get(start..start + pos).unwrap_or_default();
            start += pos + 1;
            if discarding {
                discarding = false;
                line_deadline = None;
                idle_deadline = Instant::now() + cfg.idle_timeout;
                continue;
            }
            let mut request = assemble(line, &mut pending);
            let step = loop {
                match handle_request(request.as_ref(), shared, &mut session, &mut out, max_line) {
                    (Line::WaitUntil(at), req) => {
                        request = req;
                        tokio::select! {
                            _ = stop.changed() => break 'conn,
                            _ = tokio::time::sleep_until(at) => {}
                        }
                        session.admitted = true;
                    }
                    (Line::Done(a), req) => {
                        if let Some(keep) = partial_keep(&req) {
                            pending = keep;
                        }
                        break a;
                    }
                }
            };
            if pending.is_empty() {
                // A whole request was handled.
                line_deadline = None;
                idle_deadline = Instant::now() + cfg.idle_timeout;
            }
            if step != After::Continue {
                after = step;
                break;
            }
        }
        buf.drain(..start.min(buf.len()));
        let more_lines = memchr::memchr(b'\n', &buf).is_some();
        if after == After::Continue
            && !more_lines
            && !discarding
            && buf.len() + pending.len() > max_line
        {
            // Over-long request with no LF in sight: answer once, drop it up to the next LF.
            encode::err(&mut out, &ErrCode::InvalidArgument);
            buf.clear();
            pending.clear();
            discarding = true;
        } else if discarding {
            buf.clear();
        }
        if after == After::StartTls {
            // Whatever the client pipelined after STARTTLS was sent in plaintext: never act on it.
            buf.clear();
            pending.clear();
        }
        if !out.is_empty() {
            let written = tokio::time::timeout(cfg.write_timeout, async {
                stream.write_all(&out).await?;
                stream.flush().await
            })
            .await;
            if !matches!(written, Ok(Ok(()))) {
                break 'conn;
            }
            out.clear();
        }
        match after {
            After::Close => break,
            After::StartTls => {
                let Some(tls) = &cfg.tls else { break };
                let Stream::Plain(tcp) = std::mem::replace(&mut stream, Stream::Gone) else {
                    break;
                };
                let hs = tokio::time::timeout(cfg.line_timeout, tls.acceptor.accept(tcp)).await;
                match hs {
                    Ok(Ok(t)) => stream = Stream::Tls(Box::new(t)),
                    _ => break,
                }
                session.tls = true;
                line_deadline = None;
                idle_deadline = Instant::now() + cfg.idle_timeout;
                continue;
            }
            After::Continue => {}
        }
        if more_lines {
            // Output budget reached with requests left: let other connections run, then go on.
            tokio::task::yield_now().await;
            continue;
        }
        if !buf.is_empty() || !pending.is_empty() || discarding {
            line_deadline.get_or_insert_with(|| Instant::now() + cfg.line_timeout);
        }
        let deadline = line_deadline.map_or(idle_deadline, |l| l.min(idle_deadline));
        let n = tokio::select! {
            _ = stop.changed() => break,
            r = tokio::time::timeout_at(deadline, stream.read(&mut chunk)) => match r {
                Ok(Ok(n)) if n > 0 => n,
                _ => break,
            },
        };
        if line_deadline.is_none() {
            // The first byte of a request: it must be complete by this deadline.
            line_deadline = Some(Instant::now() + cfg.line_timeout);
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    if let Some(ups) = session.login.take() {
        let mut store = shared.store();
        if let Some(u) = store.ups_mut(&ups) {
            if let Some(i) = u.clients.iter().position(|c| *c == session.peer) {
                u.clients.remove(i);
            }
        }
    }
    let _ = tokio::time::timeout(cfg.write_timeout, stream.shutdown()).await;
}

/// A request so far: the line alone, or continuation lines joined after an open quote.
enum Request<'a> {
    Line(&'a [u8]),
    Joined(Vec<u8>),
    /// An open quote swallowed the LF: keep these bytes for the next line.
    Partial(Vec<u8>),
}

impl AsRef<[u8]> for Request<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Request::Line(l) => l,
            Request::Joined(v) | Request::Partial(v) => v,
        }
    }
}

fn assemble<'a>(line: &'a [u8], pending: &mut Vec<u8>) -> Request<'a> {
    if pending.is_empty() {
        Request::Line(line)
    } else {
        pending.extend_from_slice(line);
        Request::Joined(std::mem::take(pending))
    }
}

fn partial_keep(req: &Request<'_>) -> Option<Vec<u8>> {
    match req {
        Request::Partial(v) => Some(v.clone()),
        _ => None,
    }
}

/// Handles one complete request (LF seen, continuation lines joined). The request comes back so a
/// delayed credential check can run it again, or as `Partial` when an open quote continues it.
fn handle_request<'a>(
    request: &[u8],
    shared: &Shared,
    session: &mut Session,
    out: &mut Vec<u8>,
    max_line: usize,
) -> (Line, Request<'a>) {
    let owned = || Request::Joined(request.to_vec());
    if request.len() > max_line {
        encode::err(out, &ErrCode::InvalidArgument);
        return (Line::Done(After::Continue), Request::Line(&[]));
    }
    match tokenize(request) {
        Ok(Tokenized::Complete(words)) => {
            // Only a request that will check credentials takes a turn (without USERNAME and
            // PASSWORD it is answered USERNAME-/PASSWORD-REQUIRED at once).
            let needs_check = words
                .first()
                .and_then(|w| Verb::from_word(w.as_ref()))
                .is_some_and(Verb::needs_auth)
                && session.username.is_some()
                && session.password.is_some();
            if needs_check && !std::mem::take(&mut session.admitted) {
                match shared.auth.admit(session.source, std::time::Instant::now()) {
                    Admit::Now => {}
                    Admit::At(at) => return (Line::WaitUntil(Instant::from_std(at)), owned()),
                    Admit::Refuse => return (Line::Done(After::Close), Request::Line(&[])),
                }
            }
            session.auth_checked.set(None);
            let after = respond(&words, shared, session, out);
            match session.auth_checked.take() {
                Some(true) => shared.auth.succeeded(session.source),
                Some(false) => {}
                None if needs_check => shared.auth.not_checked(session.source),
                None => {}
            }
            (Line::Done(after), Request::Line(&[]))
        }
        Ok(Tokenized::Partial { keep }) => {
            // upsd drops the LF and keeps reading the same request on the next line.
            let kept = request.get(..keep).unwrap_or_default().to_vec();
            (Line::Done(After::Continue), Request::Partial(kept))
        }
        Err(e) => {
            encode::err(out, &e.err_code());
            (Line::Done(After::Continue), Request::Line(&[]))
        }
    }
}

fn new_tracking_id(shared: &Shared) -> String {
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!(
        // Upper-case hex, as upsd 2.8 writes its ids.
        "{:08X}-{:04X}-4{:03X}-8{:03X}-{:012X}",
        (mixed >> 32) as u32,
        (mixed >> 16) as u16,
        (n >> 4) & 0xfff,
        n & 0xfff,
        (mixed ^ n.rotate_left(17)) & 0xffff_ffff_ffff
    )
}

/// The authenticated user, if USERNAME names a known user and PASSWORD matches.
/// Records the outcome for the failed-login slow-down.
fn user_of<'s>(store: &'s Store, session: &Session) -> Option<&'s User> {
    let found = store
        .user(session.username.as_deref().unwrap_or_default())
        .filter(|u| u.password_is(session.password.as_deref().unwrap_or_default()))
        .filter(|_| session.username.is_some() && session.password.is_some());
    session.auth_checked.set(Some(found.is_some()));
    found
}

fn driver_err(ups: &UpsData) -> Option<ErrCode> {
    match ups.state {
        DriverState::Connected => None,
        DriverState::Stale => Some(ErrCode::DataStale),
        DriverState::NotConnected => Some(ErrCode::DriverNotConnected),
    }
}

/// Looks up a UPS and checks its driver; the error to send otherwise.
fn available<'s>(store: &'s Store, name: &str) -> Result<&'s UpsData, ErrCode> {
    let ups = store.ups(name).ok_or(ErrCode::UnknownUps)?;
    match driver_err(ups) {
        Some(e) => Err(e),
        None => Ok(ups),
    }
}

fn respond<W: AsRef<[u8]>>(
    words: &[W],
    shared: &Shared,
    session: &mut Session,
    out: &mut Vec<u8>,
) -> After {
    let verb = words.first().and_then(|w| Verb::from_word(w.as_ref()));
    let Some(verb) = verb else {
        encode::err(out, &ErrCode::UnknownCommand);
        return After::Continue;
    };
    if verb.needs_auth() {
        if session.username.is_none() {
            encode::err(out, &ErrCode::UsernameRequired);
            return After::Continue;
        }
        if session.password.is_none() {
            encode::err(out, &ErrCode::PasswordRequired);
            return After::Continue;
        }
    }
    let cmd = match parse_command(words) {
        Ok(c) => c,
        Err(e) => {
            encode::err(out, &RequestError::err_code(&e));
            return After::Continue;
        }
    };
    match execute(&cmd, shared, session, out) {
        Ok(after) => after,
        Err(code) => {
            encode::err(out, &code);
            After::Continue
        }
    }
}

fn execute(
    cmd: &Command<'_>,
    shared: &Shared,
    session: &mut Session,
    out: &mut Vec<u8>,
) -> Result<After, ErrCode> {
    let cfg = &shared.config;
    match *cmd {
        Command::Ver => encode::text(out, cfg.version.as_bytes()),
        Command::NetVer | Command::ProtVer => encode::text(out, cfg.netver.as_bytes()),
        Command::Help => encode::text(out, cfg.help.as_bytes()),
        Command::StartTls => {
            if session.tls {
                return Err(ErrCode::AlreadySslMode);
            }
            if cfg.tls.is_none() {
                return Err(ErrCode::FeatureNotConfigured);
            }
            encode::ok(out, &OkReply::StartTls);
            return Ok(After::StartTls);
        }
        Command::Logout => {
            encode::ok(out, &OkReply::Goodbye);
            return Ok(After::Close);
        }
        Command::Username(name) => {
            if session.username.is_some() {
                return Err(ErrCode::AlreadySetUsername);
            }
            session.username = Some(name.to_owned());
            encode::ok(out, &OkReply::Plain);
        }
        Command::Password(pw) => {
            if session.password.is_some() {
                return Err(ErrCode::AlreadySetPassword);
            }
            session.password = Some(pw.expose().to_owned());
            encode::ok(out, &OkReply::Plain);
        }
        Command::Login { ups } => {
            if session.login.is_some() {
                return Err(ErrCode::AlreadyLoggedIn);
            }
            let mut store = shared.store();
            if store.ups(ups).is_none() {
                return Err(ErrCode::UnknownUps);
            }
            if user_of(&store, session).and_then(|u| u.upsmon).is_none() {
                return Err(ErrCode::AccessDenied);
            }
            if let Some(u) = store.ups_mut(ups) {
                u.clients.push(session.peer.clone());
                session.login = Some(u.name.clone());
            }
            encode::ok(out, &OkReply::Plain);
        }
        Command::Primary { ups } | Command::Master { ups } => {
            let store = shared.store();
            if store.ups(ups).is_none() {
                return Err(ErrCode::UnknownUps);
            }
            if user_of(&store, session).and_then(|u| u.upsmon) != Some(UpsmonRole::Primary) {
                return Err(ErrCode::AccessDenied);
            }
            let granted = if matches!(cmd, Command::Primary { .. }) {
                OkReply::PrimaryGranted
            } else {
                OkReply::MasterGranted
            };
            encode::ok(out, &granted);
        }
        Command::Fsd { ups } => {
            let mut store = shared.store();
            if store.ups(ups).is_none() {
                return Err(ErrCode::UnknownUps);
            }
            let allowed = user_of(&store, session)
                .is_some_and(|u| u.can_fsd || u.upsmon == Some(UpsmonRole::Primary));
            if !allowed {
                return Err(ErrCode::AccessDenied);
            }
            if let Some(u) = store.ups_mut(ups) {
                u.fsd = true;
            }
            encode::ok(out, &OkReply::FsdSet);
        }
        Command::GetVar { ups, var } => {
            if var.len() >= 7
                && var
                    .get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("server."))
            {
                let value = if var.eq_ignore_ascii_case("server.version") {
                    cfg.server_version.clone()
                } else if var.eq_ignore_ascii_case("server.info") {
                    cfg.version.clone()
                } else {
                    return Err(ErrCode::VarNotSupported);
                };
                encode::var(out, ups, var, value.as_bytes());
            } else {
                let store = shared.store();
                let u = available(&store, ups)?;
                let v = u.var(var).ok_or(ErrCode::VarNotSupported)?;
                encode::var(out, ups, var, &u.reported_value(v));
            }
        }
        Command::GetType { ups, var } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            let v = u.var(var).ok_or(ErrCode::VarNotSupported)?;
            encode::type_(out, ups, var, &v.ty);
        }
        Command::GetDesc { ups, var } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            let desc = u
                .var(var)
                .and_then(|v| v.desc.as_deref())
                .map(str::as_bytes)
                .or_else(|| store.descriptions.var(var))
                .unwrap_or(NO_DESCRIPTION.as_bytes());
            encode::desc(out, ups, var, desc);
        }
        Command::GetCmdDesc { ups, cmd } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            let desc = u
                .command(cmd)
                .and_then(|c| c.desc.as_deref())
                .map(str::as_bytes)
                .or_else(|| store.descriptions.cmd(cmd))
                .unwrap_or(NO_DESCRIPTION.as_bytes());
            encode::cmd_desc(out, ups, cmd, desc);
        }
        Command::GetUpsDesc { ups } => {
            let store = shared.store();
            let u = store.ups(ups).ok_or(ErrCode::UnknownUps)?;
            encode::ups_desc(
                out,
                ups,
                u.desc.as_deref().unwrap_or("Unavailable").as_bytes(),
            );
        }
        Command::GetNumLogins { ups } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            encode::num_logins(out, ups, u.clients.len() as u64);
        }
        Command::GetTracking { id: None } => {
            encode::text(out, if session.tracking { b"ON" } else { b"OFF" });
        }
        Command::GetTracking { id: Some(id) } => {
            if !session.tracking {
                return Err(ErrCode::FeatureNotConfigured);
            }
            let known = shared
                .tracking
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(id))
                .map(|(_, r)| *r);
            // upsd: an id it never gave (or forgot) is "ERR UNKNOWN" too.
            let text = known.map_or("ERR UNKNOWN", DriverReply::tracking_text);
            encode::text(out, text.as_bytes());
        }
        Command::SetTracking(on) => {
            session.tracking = on;
            encode::ok(out, &OkReply::Plain);
        }
        Command::ListUps => {
            let store = shared.store();
            let h = ListHeader::new(ListKind::Ups, None, None);
            encode::begin_list(out, &h);
            for u in store.upses() {
                encode::ups_item(
                    out,
                    &u.name,
                    u.desc.as_deref().unwrap_or(NO_DESCRIPTION).as_bytes(),
                );
            }
            encode::end_list(out, &h);
        }
        Command::ListVar { ups } | Command::ListRw { ups } => {
            let rw_only = matches!(cmd, Command::ListRw { .. });
            let store = shared.store();
            let u = available(&store, ups)?;
            let h = ListHeader::new(
                if rw_only { ListKind::Rw } else { ListKind::Var },
                Some(ups),
                None,
            );
            encode::begin_list(out, &h);
            for v in u.vars() {
                if rw_only {
                    // upsd adds the FSD prefix to GET VAR and LIST VAR only, not to LIST RW.
                    if v.ty.rw {
                        encode::rw(out, ups, &v.name, &v.value);
                    }
                } else {
                    encode::var(out, ups, &v.name, &u.reported_value(v));
                }
            }
            encode::end_list(out, &h);
        }
        Command::ListCmd { ups } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            let h = ListHeader::new(ListKind::Cmd, Some(ups), None);
            encode::begin_list(out, &h);
            for c in u.commands() {
                encode::cmd(out, ups, &c.name);
            }
            encode::end_list(out, &h);
        }
        Command::ListEnum { ups, var } | Command::ListRange { ups, var } => {
            let is_enum = matches!(cmd, Command::ListEnum { .. });
            let store = shared.store();
            let u = available(&store, ups)?;
            let v = u.var(var).ok_or(ErrCode::VarNotSupported)?;
            let h = ListHeader::new(
                if is_enum {
                    ListKind::Enum
                } else {
                    ListKind::Range
                },
                Some(ups),
                Some(var),
            );
            encode::begin_list(out, &h);
            if is_enum {
                for e in &v.enum_values {
                    encode::enum_item(out, ups, var, e);
                }
            } else {
                for (lo, hi) in &v.ranges {
                    encode::range(
                        out,
                        ups,
                        var,
                        lo.to_string().as_bytes(),
                        hi.to_string().as_bytes(),
                    );
                }
            }
            encode::end_list(out, &h);
        }
        Command::ListClient { ups } => {
            let store = shared.store();
            let u = store.ups(ups).ok_or(ErrCode::UnknownUps)?;
            let h = ListHeader::new(ListKind::Client, Some(ups), None);
            encode::begin_list(out, &h);
            for c in &u.clients {
                encode::client(out, ups, c);
            }
            encode::end_list(out, &h);
        }
        Command::SetVar { ups, var, value } => {
            let mut store = shared.store();
            available(&store, ups)?;
            if !user_of(&store, session).is_some_and(|u| u.can_set) {
                return Err(ErrCode::AccessDenied);
            }
            let u = store.ups_mut(ups).ok_or(ErrCode::UnknownUps)?;
            let v = u.var_mut(var).ok_or(ErrCode::VarNotSupported)?;
            if !v.ty.rw {
                return Err(ErrCode::Readonly);
            }
            if let ValueKind::String { max_len } = v.ty.kind {
                if max_len < 1 {
                    return Err(ErrCode::SetFailed);
                }
                if value.len() > max_len as usize {
                    return Err(ErrCode::TooLong);
                }
            }
            if v.ty.enumerated && !v.enum_values.iter().any(|e| e.as_slice() == value) {
                return Err(ErrCode::InvalidValue);
            }
            if v.ty.range {
                let n = atoi(value);
                if !v.ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&n)) {
                    return Err(ErrCode::InvalidValue);
                }
            }
            u.set_from_client(var, value);
            drop(store);
            reply_ok_tracked(shared, session, out, DriverReply::Handled);
        }
        Command::InstCmd {
            ups,
            cmd: name,
            value,
        } => {
            let store = shared.store();
            let u = available(&store, ups)?;
            if u.command(name).is_none() {
                return Err(ErrCode::CmdNotSupported);
            }
            let reply = u.command(name).map(|c| c.reply).unwrap_or_default();
            let user = user_of(&store, session)
                .filter(|u| u.may_instcmd(name))
                .ok_or(ErrCode::AccessDenied)?;
            let record = InstCmdRecord {
                ups: u.name.clone(),
                cmd: name.to_owned(),
                value: value.map(<[u8]>::to_vec),
                user: user.name.clone(),
            };
            drop(store);
            shared
                .instcmds
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(record);
            reply_ok_tracked(shared, session, out, reply);
        }
    }
    Ok(After::Continue)
}

fn reply_ok_tracked(shared: &Shared, session: &Session, out: &mut Vec<u8>, reply: DriverReply) {
    if session.tracking {
        let id = new_tracking_id(shared);
        encode::ok(out, &OkReply::Tracking(&id));
        let mut ids = shared.tracking.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded memory: upsd forgets results after TRACKINGDELAY; keep the last 1024 ids.
        if ids.len() >= 1024 {
            ids.remove(0);
        }
        ids.push((id, reply));
    } else {
        encode::ok(out, &OkReply::Plain);
    }
}

/// C `atoi`: optional blanks and sign, then leading digits; 0 when none (upsd checks ranges this way).
fn atoi(bytes: &[u8]) -> i64 {
    let s = bytes.iter().skip_while(|b| b.is_ascii_whitespace());
    let mut neg = false;
    let mut n: i64 = 0;
    let mut first = true;
    for &b in s {
        if first && (b == b'-' || b == b'+') {
            neg = b == b'-';
            first = false;
            continue;
        }
        first = false;
        if !b.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}
