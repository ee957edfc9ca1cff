//! `Connection`: one TCP (optionally TLS) stream to upsd, read as bounded lines.
//!
//! This layer knows about bytes, lines, timeouts and sockets, not about commands. It exists separately
//! from [`Client`](super::Client) so that the framing rules (bounded line length, no unbounded buffering,
//! QUICKACK before every read) live in one place that the hostile-server tests can hammer.
//!
//! # Why QUICKACK
//! Stock upsd writes every reply line with its own `write()` and leaves Nagle on. For a `LIST` the first
//! line leaves at once, the second waits for the ACK of the first, and a Linux client delays that ACK
//! for up to 40 ms: each `LIST` then costs ~43 ms on loopback, whatever `TCP_NODELAY` the client sets.
//! Re-arming `TCP_QUICKACK` before every read makes the kernel ACK at once and brings a 20-variable
//! `LIST VAR` down to tens of microseconds. `TCP_QUICKACK` exists on Linux (and Android) only; elsewhere
//! the re-arm is a no-op and lists run at the platform's delayed-ACK pace (correct, only slower). It can
//! be switched off with [`Options::quickack`] (the benchmark compares both).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[cfg(feature = "tls")]
use super::error::TlsError;
use super::error::{classify_connect, ClientError, ProtocolViolation};
use super::lines::LineBuffer;
use super::tls::TlsOptions;

/// Default maximum number of items accepted in one `LIST` reply. Real devices publish a few hundred
/// variables at most (the largest PDU dumps in the corpus have under 600); this bounds what a server
/// that never sends `END LIST` can make us store.
pub const DEFAULT_MAX_LIST_ITEMS: usize = 10_000;

/// Connection settings: `Options::default()`, then the `with_*` methods.
///
/// ```
/// use std::time::Duration;
/// use nut_proto::client::{Options, TlsOptions};
/// let mut tls = TlsOptions::default();
/// tls.ca_file = Some("/etc/nut/ca.pem".into());
/// let opts = Options::default()
///     .with_request_timeout(Duration::from_secs(2))
///     .with_starttls(tls);
/// assert!(opts.starttls);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Bound on DNS resolution plus TCP connect (default 10 s, like `upsc` since NUT 2.8.3).
    pub connect_timeout: Duration,
    /// Bound on one request: sending it and reading its complete reply, a whole list included
    /// (default 5 s, libupsclient's network timeout).
    pub request_timeout: Duration,
    /// Longest reply line accepted, without its `\n` (default [`crate::reply::DEFAULT_MAX_LINE`];
    /// clamped to [`MAX_LINE_LIMIT`](super::MAX_LINE_LIMIT)).
    pub max_line: usize,
    /// Most items accepted in one `LIST` (default [`DEFAULT_MAX_LIST_ITEMS`]).
    pub max_list_items: usize,
    /// Re-arm `TCP_QUICKACK` before each read (Linux only; default on). See the module docs.
    pub quickack: bool,
    /// TLS settings used by `starttls` (verification on; a CA file is required unless the
    /// explicit opt-out is set).
    pub tls: TlsOptions,
    /// Upgrade with STARTTLS right after connecting ([`super::Client::connect`]); off by default.
    /// A refusal is then a connect error ([`super::TlsError::Refused`]).
    pub starttls: bool,
}

impl Options {
    /// Bound on DNS resolution plus TCP connect.
    pub fn with_connect_timeout(mut self, after: Duration) -> Self {
        self.connect_timeout = after;
        self
    }

    /// Bound on one request and its whole reply.
    pub fn with_request_timeout(mut self, after: Duration) -> Self {
        self.request_timeout = after;
        self
    }

    /// Longest reply line accepted.
    pub fn with_max_line(mut self, max: usize) -> Self {
        self.max_line = max;
        self
    }

    /// Most items accepted in one `LIST`.
    pub fn with_max_list_items(mut self, max: usize) -> Self {
        self.max_list_items = max;
        self
    }

    /// Re-arm `TCP_QUICKACK` before each read (see the module docs).
    pub fn with_quickack(mut self, on: bool) -> Self {
        self.quickack = on;
        self
    }

    /// STARTTLS right after connecting, authenticated per `tls`.
    pub fn with_starttls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self.starttls = true;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(5),
            max_line: crate::reply::DEFAULT_MAX_LINE,
            max_list_items: DEFAULT_MAX_LIST_ITEMS,
            quickack: true,
            tls: TlsOptions::default(),
            starttls: false,
        }
    }
}

/// The byte stream under a connection: plain TCP until a successful STARTTLS.
pub(crate) enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// After STARTTLS.
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// Transient state during the TLS upgrade; any use means the upgrade failed half-way.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Gone,
}

impl Stream {
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => Some(t.get_ref().0),
            Stream::Gone => None,
        }
    }
}

/// One connection to a NUT server, read as whole lines of bounded length.
pub struct Connection {
    pub(crate) stream: Stream,
    /// Receive buffer, cut into bounded lines.
    lines: LineBuffer,
    pub(crate) opts: Options,
    peer: SocketAddr,
    /// Host name as given to `connect`, used as the TLS server name.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) host: String,
    /// Set after an error that leaves the stream in an unknown state.
    pub(crate) broken: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("peer", &self.peer)
            .field("tls", &self.is_tls())
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Resolves `host` (a name, an IPv4 literal or an IPv6 literal without brackets), then connects to
    /// each address in turn until one accepts, all within `opts.connect_timeout` (each address gets a
    /// fair share of what is left, so one silent address cannot starve the others).
    ///
    /// Errors are classified: [`ClientError::Dns`], [`ClientError::ConnectionRefused`],
    /// [`ClientError::HostUnreachable`], [`ClientError::NetworkUnreachable`],
    /// [`ClientError::ConnectTimeout`] (the error of the last address tried wins).
    pub async fn connect(host: &str, port: u16, opts: Options) -> Result<Connection, ClientError> {
        let after = opts.connect_timeout;
        // Tolerate an IPv6 literal still in its brackets (`[::1]`).
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let deadline = tokio::time::Instant::now() + after;
        let server = || crate::target::format_host_port(host, port);
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => {
                match tokio::time::timeout_at(deadline, tokio::net::lookup_host((host, port))).await
                {
                    Ok(Ok(it)) => it.collect(),
                    Ok(Err(e)) => {
                        return Err(ClientError::Dns {
                            host: host.to_string(),
                            source: Some(e),
                        })
                    }
                    Err(_) => {
                        return Err(ClientError::ConnectTimeout {
                            server: server(),
                            after,
                        })
                    }
                }
            }
        };
        if addrs.is_empty() {
            return Err(ClientError::Dns {
                host: host.to_string(),
                source: None,
            });
        }
        let (tcp, peer) = connect_any(&addrs, deadline).await.map_err(|e| match e {
            None => ClientError::ConnectTimeout {
                server: server(),
                after,
            },
            Some(e) => e,
        })?;
        // Our requests are single writes; NODELAY only matters for back-to-back requests.
        tcp.set_nodelay(true)?;
        Ok(Self::from_tcp(tcp, peer, host, opts))
    }

    fn from_tcp(tcp: TcpStream, peer: SocketAddr, host: &str, opts: Options) -> Connection {
        Connection {
            stream: Stream::Plain(tcp),
            lines: LineBuffer::new(opts.max_line),
            opts,
            peer,
            host: host.to_string(),
            broken: false,
        }
    }

    /// The address actually connected to.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Whether STARTTLS succeeded on this connection.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return matches!(self.stream, Stream::Tls(_));
        #[cfg(not(feature = "tls"))]
        false
    }

    /// The options this connection was opened with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// True when received bytes are waiting that no request asked for yet.
    pub(crate) fn has_buffered(&self) -> bool {
        !self.lines.is_empty()
    }

    /// Sends raw bytes (one or more complete request lines).
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        match &mut self.stream {
            Stream::Plain(s) => s.write_all(bytes).await?,
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await?;
            }
            Stream::Gone => return Err(ClientError::Unusable),
        }
        Ok(())
    }

    /// Re-arms TCP_QUICKACK (Linux); a no-op elsewhere or when switched off.
    fn rearm_quickack(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.opts.quickack {
            if let Some(tcp) = self.stream.tcp() {
                // Best effort: a failure only costs speed, never correctness.
                let _ = socket2::SockRef::from(tcp).set_quickack(true);
            }
        }
    }

    /// Reads one line, without its `\n` (and without a `\r` before it).
    ///
    /// Never buffers more than `max_line + 1` bytes of one line: a longer line is
    /// [`ProtocolViolation::LineTooLong`]. End of stream before a `\n` is [`ClientError::Closed`].
    /// No timeout here: callers bound whole requests.
    pub async fn read_line(&mut self) -> Result<&[u8], ClientError> {
        loop {
            if let Some(r) = self.lines.next_range()? {
                return Ok(self.lines.slice(r));
            }
            self.rearm_quickack();
            let room = self.lines.spare();
            let n = match &mut self.stream {
                Stream::Plain(s) => s.read(room).await?,
                #[cfg(feature = "tls")]
                Stream::Tls(s) => s.read(room).await?,
                Stream::Gone => return Err(ClientError::Unusable),
            };
            if n == 0 {
                return Err(ClientError::Closed { during: None });
            }
            self.lines.commit(n);
        }
    }

    /// Fails fast when an earlier error left the stream in an unknown state, or when bytes nobody asked
    /// for are waiting (a reply to a request we did not send means the stream is out of step).
    pub(crate) fn check_ready(&mut self) -> Result<(), ClientError> {
        if self.broken {
            return Err(ClientError::Unusable);
        }
        if self.has_buffered() {
            self.broken = true;
            let pending = self.lines.pending();
            return Err(ClientError::protocol(
                pending,
                ProtocolViolation::Unexpected {
                    expected: "nothing (unsolicited data before a request)",
                },
            ));
        }
        Ok(())
    }

    /// Turns the result of a request run under `tokio::time::timeout` into the request's result,
    /// marking the connection unusable on any error that leaves the stream out of step.
    pub(crate) fn finish<T>(
        &mut self,
        request: &'static str,
        r: Result<Result<T, ClientError>, tokio::time::error::Elapsed>,
    ) -> Result<T, ClientError> {
        let r = match r {
            Ok(r) => r,
            Err(_) => Err(ClientError::Timeout {
                request,
                after: self.opts.request_timeout,
            }),
        };
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                if e.is_fatal() {
                    self.broken = true;
                }
                Err(match e {
                    ClientError::Closed { during: None } => ClientError::Closed {
                        during: Some(request),
                    },
                    e => e,
                })
            }
        }
    }

    #[cfg(feature = "tls")]
    /// Runs the TLS client handshake on the socket (after the server's `OK STARTTLS`), bounded by the
    /// request timeout. On failure the connection is unusable.
    pub(crate) async fn upgrade_tls(
        &mut self,
        config: tokio_rustls::rustls::ClientConfig,
    ) -> Result<(), ClientError> {
        let name = self.opts.tls.server_name(&self.host)?;
        if self.has_buffered() {
            // The server must wait for our ClientHello; bytes already here are not TLS from it.
            self.broken = true;
            let pending = self.lines.pending();
            return Err(ClientError::protocol(
                pending,
                ProtocolViolation::Unexpected {
                    expected: "nothing after OK STARTTLS before the TLS handshake",
                },
            ));
        }
        let tcp = match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(tcp) => tcp,
            other => {
                self.stream = other;
                return Err(TlsError::AlreadyTls.into());
            }
        };
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let after = self.opts.request_timeout;
        match tokio::time::timeout(after, connector.connect(name, tcp)).await {
            Ok(Ok(tls)) => {
                self.stream = Stream::Tls(Box::new(tls));
                Ok(())
            }
            Ok(Err(e)) => {
                self.broken = true;
                Err(TlsError::Handshake(e).into())
            }
            Err(_) => {
                self.broken = true;
                Err(ClientError::Timeout {
                    request: "STARTTLS handshake",
                    after,
                })
            }
        }
    }
}

/// Tries each address in turn until one accepts, sharing what is left of the connect budget fairly:
/// each attempt gets the remaining time divided by the addresses still to try, so one address whose
/// packets vanish (a dual-stack name with a broken IPv6 path) cannot use up the whole budget.
/// `Err(None)` means every attempt timed out; otherwise the last classified error.
pub(crate) async fn connect_any(
    addrs: &[SocketAddr],
    deadline: tokio::time::Instant,
) -> Result<(TcpStream, SocketAddr), Option<ClientError>> {
    let mut last = None;
    for (i, &addr) in addrs.iter().enumerate() {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            break;
        }
        let left = u32::try_from(addrs.len() - i).unwrap_or(u32::MAX).max(1);
        let budget = (deadline - now) / left;
        match tokio::time::timeout(budget, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Ok((s, addr)),
            Ok(Err(e)) => last = Some(classify_connect(addr, e)),
            Err(_) => last = None,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener whose accept queue is full, so further SYNs are dropped (Linux).
    #[cfg(target_os = "linux")]
    fn black_hole() -> (socket2::Socket, Vec<std::net::TcpStream>, SocketAddr) {
        let sock =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        sock.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
            .unwrap();
        sock.listen(0).unwrap();
        let addr = sock.local_addr().unwrap().as_socket().unwrap();
        let mut fillers = Vec::new();
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => fillers.push(s),
                Err(_) => break,
            }
        }
        (sock, fillers, addr)
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_silent_address_does_not_eat_the_whole_budget() {
        let (_hole, _fillers, dead) = black_hole();
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_addr = live.local_addr().unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let (_s, peer) = connect_any(&[dead, live_addr], deadline).await.unwrap();
        assert_eq!(peer, live_addr);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn all_silent_is_a_timeout() {
        let (_hole, _fillers, dead) = black_hole();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        assert!(matches!(
            connect_any(&[dead, dead], deadline).await,
            Err(None)
        ));
    }

    #[tokio::test]
    async fn refused_then_live() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_addr = live.local_addr().unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let (_s, peer) = connect_any(&[closed, live_addr], deadline).await.unwrap();
        assert_eq!(peer, live_addr);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        assert!(matches!(
            connect_any(&[closed], deadline).await,
            Err(Some(ClientError::ConnectionRefused { .. }))
        ));
    }
}
