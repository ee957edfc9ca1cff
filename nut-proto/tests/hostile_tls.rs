//! STARTTLS against an in-process TLS peer (tokio-rustls server side, test certificates from
//! `tests/data/client-tls-*`). Debian's upsd is built with NSS and has no certificate configured, so
//! the real-upsd test can only check the refusal; the handshake itself is checked here.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves
#![cfg(feature = "client")]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nut_proto::client::{Client, ClientError, Options, TlsError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let certs: Vec<_> = rustls_pemfile::certs(
        &mut std::fs::read(data("client-tls-server.pem"))
            .unwrap()
            .as_slice(),
    )
    .collect::<Result<_, _>>()
    .unwrap();
    let key = rustls_pemfile::private_key(
        &mut std::fs::read(data("client-tls-server.key"))
            .unwrap()
            .as_slice(),
    )
    .unwrap()
    .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A server that answers `STARTTLS` with `OK STARTTLS`, then speaks TLS: `NETVER` → `1.3`,
/// `LIST UPS` → one UPS. Returns the port.
async fn tls_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = acceptor();
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        // Plaintext phase: read byte by byte up to the first LF, so no TLS bytes are consumed.
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while tokio::io::AsyncReadExt::read(&mut sock, &mut b)
            .await
            .unwrap_or(0)
            == 1
        {
            if b[0] == b'\n' {
                break;
            }
            line.push(b[0]);
        }
        if line != b"STARTTLS" {
            return;
        }
        if sock.write_all(b"OK STARTTLS\n").await.is_err() {
            return;
        }
        let Ok(tls) = acceptor.accept(sock).await else {
            return;
        };
        let (r, mut w) = tokio::io::split(tls);
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            let reply: &[u8] = match l.as_str() {
                "NETVER" => b"1.3\n",
                "LIST UPS" => b"BEGIN LIST UPS\nUPS tlsups \"over TLS\"\nEND LIST UPS\n",
                _ => b"ERR UNKNOWN-COMMAND\n",
            };
            if w.write_all(reply).await.is_err() || w.flush().await.is_err() {
                break;
            }
        }
    });
    port
}

fn opts() -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(5);
    o
}

#[tokio::test]
async fn verified_starttls_with_ca_file() {
    let port = tls_server().await;
    let mut o = opts();
    o.tls.ca_file = Some(data("client-tls-ca.pem"));
    let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
    c.starttls().await.unwrap();
    assert!(c.connection().is_tls());
    assert_eq!(c.netver().await.unwrap(), "1.3");
    let ups = c.list_ups().await.unwrap();
    assert_eq!(ups[0].name, "tlsups");
    assert_eq!(ups[0].description, "over TLS");
    let e = c.starttls().await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(TlsError::AlreadyTls)), "{e:?}");
}

#[tokio::test]
async fn server_name_override_is_verified() {
    let port = tls_server().await;
    let mut o = opts();
    o.tls.ca_file = Some(data("client-tls-ca.pem"));
    o.tls.server_name = Some("localhost".into());
    let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
    c.starttls().await.unwrap();
    assert_eq!(c.netver().await.unwrap(), "1.3");

    let port = tls_server().await;
    let mut o = opts();
    o.tls.ca_file = Some(data("client-tls-ca.pem"));
    o.tls.server_name = Some("not-this-server.example".into());
    let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
    let e = c.starttls().await.unwrap_err();
    assert!(
        matches!(e, ClientError::Tls(TlsError::Handshake(_))),
        "{e:?}"
    );
}

#[tokio::test]
async fn untrusted_certificate_is_rejected() {
    let port = tls_server().await;
    let mut o = opts();
    o.tls.ca_file = Some(data("client-tls-other-ca.pem"));
    let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
    let e = c.starttls().await.unwrap_err();
    match &e {
        ClientError::Tls(TlsError::Handshake(io)) => {
            assert!(
                io.to_string().to_lowercase().contains("certificate"),
                "{io}"
            )
        }
        other => panic!("expected a handshake error, got {other:?}"),
    }
    assert!(matches!(c.netver().await, Err(ClientError::Unusable)));
}

#[tokio::test]
async fn explicit_opt_out_accepts_any_certificate() {
    let port = tls_server().await;
    let mut o = opts();
    o.tls.danger_accept_invalid_certs = true;
    let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
    c.starttls().await.unwrap();
    assert_eq!(c.netver().await.unwrap(), "1.3");
}

#[tokio::test]
async fn unreadable_or_empty_ca_file_is_a_config_error() {
    for bad in [data("does-not-exist.pem"), data("SOURCES.md")] {
        let port = tls_server().await;
        let mut o = opts();
        o.tls.ca_file = Some(bad.clone());
        let mut c = Client::connect("127.0.0.1", port, o).await.unwrap();
        let e = c.starttls().await.unwrap_err();
        assert!(
            matches!(e, ClientError::Tls(TlsError::Config(_))),
            "{bad:?}: {e:?}"
        );
    }
}
