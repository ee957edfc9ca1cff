//! The client's error type: one variant per thing a person would fix differently.
//!
//! A diagnosis tool has to tell "the name does not resolve" from "nothing listens on that port" from
//! "a router says there is no route" from "the server answered nonsense", because each points at a
//! different fix (DNS, `LISTEN` in upsd.conf, the network, a non-NUT service on the port). The variants
//! below keep those apart; the query methods let callers ask the common questions without matching on a
//! `#[non_exhaustive]` enum.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::ErrCode;

/// How many bytes of an offending server line an error keeps (lossy UTF-8, then truncated), so that a
/// hostile server cannot make an error message arbitrarily large.
pub const MAX_ERROR_LINE: usize = 120;

/// Everything that can go wrong talking to a NUT server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The host name did not resolve, or resolved to no address. No packet reached the server.
    #[error("cannot resolve host {host:?}{}", source_suffix(.source.as_ref()))]
    Dns {
        /// The name as given.
        host: String,
        /// The resolver's error, when it gave one (none when it returned zero addresses).
        #[source]
        source: Option<io::Error>,
    },
    /// The host answered but nothing listens on the port (TCP RST): upsd not running, or its `LISTEN`
    /// lines do not include this address/port, or a firewall REJECT rule.
    #[error(
        "connection refused by {addr} (is upsd running and listening on this address and port?)"
    )]
    ConnectionRefused {
        /// The address that refused.
        addr: SocketAddr,
    },
    /// "No route to host" (EHOSTUNREACH): the host is down or a router/firewall says it cannot be reached.
    #[error("no route to host {addr}")]
    HostUnreachable {
        /// The address tried.
        addr: SocketAddr,
    },
    /// "Network is unreachable" (ENETUNREACH): this machine has no route to that network at all.
    #[error("network unreachable for {addr}")]
    NetworkUnreachable {
        /// The address tried.
        addr: SocketAddr,
    },
    /// The connect timeout expired (silently dropped packets, or a very slow resolver).
    #[error("connecting to {server} timed out after {after:?}")]
    ConnectTimeout {
        /// `host:port` as given.
        server: String,
        /// The configured connect timeout.
        after: Duration,
    },
    /// The server did not finish its reply within the request timeout.
    #[error("no complete reply to {request} within {after:?}")]
    Timeout {
        /// The command word(s) of the request (never its arguments, which may hold a password).
        request: &'static str,
        /// The configured request timeout.
        after: Duration,
    },
    /// The server closed the connection before a complete reply.
    #[error("server closed the connection{}", during_suffix(.during))]
    Closed {
        /// The request whose reply was cut off, if one was outstanding.
        during: Option<&'static str>,
    },
    /// STARTTLS or the TLS session failed (refused upgrade, handshake, certificate verification).
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    /// The server sent something that is not a valid reply to what was asked.
    #[error("protocol violation: {reason} (line {line:?})")]
    Protocol {
        /// The offending line, lossy UTF-8, truncated to [`MAX_ERROR_LINE`] bytes.
        line: String,
        /// What was wrong with it.
        reason: ProtocolViolation,
    },
    /// The server answered `ERR <code> [extra]`.
    #[error("server error {code}{}", extra_suffix(.extra.as_deref()))]
    Server {
        /// The error code.
        code: ErrCode,
        /// Text after the code (sent by some builds, e.g. after a failed TLS setup).
        extra: Option<String>,
    },
    /// A command argument cannot be sent safely (contains a newline, CR or NUL, or is otherwise not
    /// encodable). Nothing was sent.
    #[error("cannot encode request: {0}")]
    Encode(#[from] crate::command::EncodeError),
    /// An earlier error (timeout, protocol violation, I/O) left this connection in an unknown state; open
    /// a new one.
    #[error("connection unusable after an earlier error")]
    Unusable,
    /// Any other socket error (reset by peer, broken pipe, ...).
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Why a line from the server was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// No `\n` within the configured maximum line length.
    #[error("line longer than {max} bytes")]
    LineTooLong {
        /// The configured maximum.
        max: usize,
    },
    /// A `BEGIN LIST` block went on past the configured maximum number of items.
    #[error("list longer than {max} items")]
    ListTooLong {
        /// The configured maximum.
        max: usize,
    },
    /// The line does not parse as any server reply.
    #[error("unparseable reply ({0})")]
    Unparseable(String),
    /// The line parses, but is not a reply to the outstanding request.
    #[error("unexpected reply, expected {expected}")]
    Unexpected {
        /// What the request allows.
        expected: &'static str,
    },
    /// `END LIST` (or an item) names a different list than the one requested.
    #[error("list reply does not match the request")]
    ListMismatch,
}

/// A TLS failure, kept as text plus a kind so the error stays `Send + Sync + 'static` and cheap.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The server answered STARTTLS with something other than `OK STARTTLS` (usually
    /// `ERR FEATURE-NOT-CONFIGURED`: upsd has no certificate).
    #[error("server refused STARTTLS: {0}")]
    Refused(Box<ClientError>),
    /// The handshake failed (includes certificate verification failures).
    #[error("handshake failed: {0}")]
    Handshake(io::Error),
    /// The client-side TLS configuration is unusable (CA file missing, unreadable or empty, bad server
    /// name).
    #[error("bad TLS configuration: {0}")]
    Config(#[from] TlsConfigError),
    /// STARTTLS on a connection that already uses TLS.
    #[error("connection already uses TLS")]
    AlreadyTls,
}

/// Why the client-side TLS configuration is unusable; each cause is kept as its typed source (the
/// message repeats it, as every error of this crate does, for callers that print only the top).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// nut-proto was built without its `tls` feature: STARTTLS is not available.
    #[error("STARTTLS is not available: nut-proto was built without its `tls` feature")]
    NotBuilt,
    /// Neither a CA file nor the explicit opt-out.
    #[error("no CA file given (set TlsOptions::ca_file to the server's CA or self-signed certificate, or knowingly set danger_accept_invalid_certs)")]
    NoCaFile,
    /// The CA file cannot be read.
    #[error("cannot read CA file {}: {source}", path.display())]
    ReadCaFile {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The CA file is not valid PEM.
    #[error("bad PEM in {}: {source}", path.display())]
    BadPem {
        /// The file.
        path: std::path::PathBuf,
        /// The PEM reader's error.
        #[source]
        source: io::Error,
    },
    /// A certificate in the CA file cannot be used as a trust anchor.
    #[cfg(feature = "tls")]
    #[error("unusable certificate in {}: {source}", path.display())]
    BadCertificate {
        /// The file.
        path: std::path::PathBuf,
        /// rustls' reason.
        #[source]
        source: tokio_rustls::rustls::Error,
    },
    /// rustls cannot build a verifier from the CA file's certificates.
    #[cfg(feature = "tls")]
    #[error("cannot verify with the certificates of {}: {source}", path.display())]
    Verifier {
        /// The file.
        path: std::path::PathBuf,
        /// rustls' reason.
        #[source]
        source: tokio_rustls::rustls::client::VerifierBuilderError,
    },
    /// The CA file holds no certificate.
    #[error("no certificate found in CA file {}", path.display())]
    NoCertificate {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The name to verify is neither a DNS name nor an IP address.
    #[cfg(feature = "tls")]
    #[error("bad TLS server name {name:?}: {source}")]
    BadServerName {
        /// The name.
        name: String,
        /// Why it is not one.
        #[source]
        source: tokio_rustls::rustls::pki_types::InvalidDnsNameError,
    },
    /// The crypto provider offers no usable protocol version.
    #[cfg(feature = "tls")]
    #[error("TLS provider: {0}")]
    Provider(#[source] tokio_rustls::rustls::Error),
}

fn source_suffix(e: Option<&io::Error>) -> String {
    match e {
        Some(e) => format!(": {e}"),
        None => ": no addresses".to_string(),
    }
}

fn during_suffix(d: &Option<&'static str>) -> String {
    match d {
        Some(r) => format!(" during {r}"),
        None => String::new(),
    }
}

fn extra_suffix(e: Option<&str>) -> String {
    match e {
        Some(x) => format!(" ({x})"),
        None => String::new(),
    }
}

/// Lossy, truncated copy of a server line for an error message.
pub(crate) fn excerpt(line: &[u8]) -> String {
    let cut = line.len().min(MAX_ERROR_LINE);
    let head = line.get(..cut).unwrap_or(line);
    let mut s = String::from_utf8_lossy(head).into_owned();
    if line.len() > cut {
        s.push('…');
    }
    s
}

impl ClientError {
    /// A protocol violation for `line`.
    pub(crate) fn protocol(line: &[u8], reason: ProtocolViolation) -> Self {
        ClientError::Protocol {
            line: excerpt(line),
            reason,
        }
    }

    /// The server's `ERR` code, if this is a server error.
    pub fn err_code(&self) -> Option<&ErrCode> {
        match self {
            ClientError::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True for authentication/authorisation failures: `ACCESS-DENIED`, `USERNAME-REQUIRED`,
    /// `PASSWORD-REQUIRED`, `INVALID-USERNAME`, `INVALID-PASSWORD`.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.err_code(),
            Some(
                ErrCode::AccessDenied
                    | ErrCode::UsernameRequired
                    | ErrCode::PasswordRequired
                    | ErrCode::InvalidUsername
                    | ErrCode::InvalidPassword
            )
        )
    }

    /// True when no TCP connection was established (DNS, refused, unreachable, connect timeout): the
    /// problem is on the path to the server, not in what it said.
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            ClientError::Dns { .. }
                | ClientError::ConnectionRefused { .. }
                | ClientError::HostUnreachable { .. }
                | ClientError::NetworkUnreachable { .. }
                | ClientError::ConnectTimeout { .. }
        )
    }

    /// True for the connect or request timeouts.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ClientError::Timeout { .. } | ClientError::ConnectTimeout { .. }
        )
    }

    /// True when the server spoke, but not NUT as we know it.
    pub fn is_protocol(&self) -> bool {
        matches!(self, ClientError::Protocol { .. })
    }

    /// True when the driver behind upsd is absent or stale (`DRIVER-NOT-CONNECTED`, `DATA-STALE`): upsd
    /// itself is fine.
    pub fn is_driver_problem(&self) -> bool {
        matches!(
            self.err_code(),
            Some(ErrCode::DriverNotConnected | ErrCode::DataStale)
        )
    }

    /// True when the connection can no longer be used and must be re-opened (timeouts leave half a reply
    /// in flight, closed/io/TLS/protocol errors leave the stream in an unknown state). Server `ERR`
    /// replies and encode errors leave it usable.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ClientError::Server { .. } | ClientError::Encode(_))
    }
}

/// Maps a connect-time `io::Error` to the variant a person would act on.
///
/// `ErrorKind::HostUnreachable`/`NetworkUnreachable` only became stable in Rust 1.83 (above this crate's
/// MSRV), so the raw OS error numbers are compared instead, per platform family.
pub(crate) fn classify_connect(addr: SocketAddr, e: io::Error) -> ClientError {
    if e.kind() == io::ErrorKind::ConnectionRefused {
        return ClientError::ConnectionRefused { addr };
    }
    // (EHOSTUNREACH, ENETUNREACH) per platform.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CODES: (i32, i32) = (113, 101);
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    ))]
    const CODES: (i32, i32) = (65, 51);
    #[cfg(windows)]
    const CODES: (i32, i32) = (10065, 10051);
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        windows
    )))]
    const CODES: (i32, i32) = (-1, -1);
    match e.raw_os_error() {
        Some(c) if c == CODES.0 => ClientError::HostUnreachable { addr },
        Some(c) if c == CODES.1 => ClientError::NetworkUnreachable { addr },
        _ => ClientError::Io(e),
    }
}
