//! Server-side STARTTLS for the embedded server: a certificate chain and key (rustls), and the
//! connection stream that is plain TCP until a client asks for `STARTTLS`.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// Largest certificate or key file read (a PEM chain is a few KiB).
const MAX_PEM_SIZE: u64 = 1024 * 1024;

/// A certificate chain and private key the server answers `STARTTLS` with.
#[derive(Clone)]
pub struct ServerTls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never show key material.
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

impl ServerTls {
    /// From PEM text: `cert` holds the chain (server certificate first), `key` one private key
    /// (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert: &[u8], key: &[u8]) -> io::Result<ServerTls> {
        let certs: Vec<_> = rustls_pemfile::certs(&mut &*cert)
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(format!("certificate: {e}")))?;
        if certs.is_empty() {
            return Err(invalid("certificate: no PEM CERTIFICATE block".into()));
        }
        let key = rustls_pemfile::private_key(&mut &*key)
            .map_err(|e| invalid(format!("key: {e}")))?
            .ok_or_else(|| invalid("key: no PEM private key block".into()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(format!("certificate and key do not fit: {e}")))?;
        Ok(ServerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// From PEM files; errors name the file. Each file is opened with
    /// [`crate::safe_file::read_regular`] (regular files only, bounded size).
    pub fn from_pem_files(cert: &Path, key: &Path) -> io::Result<ServerTls> {
        let c = crate::safe_file::read_regular(cert, MAX_PEM_SIZE)?;
        let k = crate::safe_file::read_regular(key, MAX_PEM_SIZE)?;
        ServerTls::from_pem(&c, &k)
            .map_err(|e| invalid(format!("{} / {}: {e}", cert.display(), key.display())))
    }
}

/// A connection: plain TCP, or TLS after `STARTTLS`.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// Only while the handshake owns the socket.
    Gone,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection closed")
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}
