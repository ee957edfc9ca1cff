//! The embedded server's STARTTLS (certificate and key from `tests/data/client-tls-*`), checked with
//! this crate's own client: verified handshake, requests over TLS, and no plaintext request pipelined
//! after `STARTTLS` is ever answered.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{data_file, MON};
use nut_proto::client::{Client, ClientError, Options, TlsError};
use nut_proto::error::ErrCode;
use nut_proto::server::{Server, ServerConfig, ServerTls, Store, UpsData, UpsmonRole, User};
use nut_proto::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn tls_server(tls: Option<ServerTls>) -> nut_proto::server::ServerHandle {
    let mut store = Store::new();
    store.insert_ups(UpsData::from_dev("ups", b"ups.status: OL\n".as_slice()));
    store.insert_user(User::new(MON.0, MON.1).upsmon(UpsmonRole::Primary));
    let config = ServerConfig {
        tls,
        line_timeout: Duration::from_secs(2),
        ..ServerConfig::default()
    };
    Server::start(store, config).await.unwrap()
}

fn cert() -> ServerTls {
    ServerTls::from_pem_files(
        &data_file("client-tls-server.pem"),
        &data_file("client-tls-server.key"),
    )
    .unwrap()
}

fn opts() -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(5);
    o.tls.ca_file = Some(data_file("client-tls-ca.pem"));
    o.tls.server_name = Some("localhost".into());
    o
}

#[tokio::test]
async fn starttls_then_login_over_tls() {
    let server = tls_server(Some(cert())).await;
    let mut c = Client::connect("127.0.0.1", server.addr().port(), opts())
        .await
        .unwrap();
    c.starttls().await.unwrap();
    assert!(c.connection().is_tls());
    assert_eq!(c.netver().await.unwrap(), "1.3");
    c.authenticate(MON.0, &Secret::new(MON.1)).await.unwrap();
    c.login("ups").await.unwrap();
    let vars = c.list_vars("ups").await.unwrap();
    // dummy-ups' defaults come first (device.mfr…); the dump's one line is there too.
    assert!(vars
        .iter()
        .any(|v| v.name == "ups.status" && v.value == "OL"));
    // A second STARTTLS inside TLS: upsd's ALREADY-SSL-MODE.
    let e = c.starttls().await.unwrap_err();
    assert!(
        matches!(e, ClientError::Tls(TlsError::AlreadyTls))
            || matches!(
                e,
                ClientError::Server {
                    code: ErrCode::AlreadySslMode,
                    ..
                }
            ),
        "{e:?}"
    );
}

#[tokio::test]
async fn without_a_certificate_starttls_is_not_configured() {
    let server = tls_server(None).await;
    let mut c = Client::connect("127.0.0.1", server.addr().port(), opts())
        .await
        .unwrap();
    let e = c.starttls().await.unwrap_err();
    assert!(format!("{e:?}").contains("FeatureNotConfigured"), "{e:?}");
}

#[tokio::test]
async fn plaintext_pipelined_after_starttls_is_never_answered() {
    let server = tls_server(Some(cert())).await;
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"STARTTLS\nNETVER\nLIST UPS\n").await.unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 256];
    // Read until the server closes (the handshake sees no ClientHello and times out) or 5 s pass.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(n) = s.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    assert_eq!(got, b"OK STARTTLS\n", "{:?}", String::from_utf8_lossy(&got));
}

#[test]
fn bad_certificate_files_are_clear_errors() {
    let e = ServerTls::from_pem_files(
        &data_file("client-tls-server.key"),
        &data_file("client-tls-server.key"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("certificate"), "{e}");
    let e = ServerTls::from_pem_files(
        std::path::Path::new("/dev/zero"),
        &data_file("client-tls-server.key"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("/dev/zero") && e.contains("character device"),
        "{e}"
    );
}

/// `openssl req -x509` makes a self-signed certificate that is also `CA:TRUE`; WebPKI alone refuses a CA
/// as the server's own certificate (`CaUsedAsEndEntity`). Given as itself in the CA file, it is trusted;
/// another self-signed certificate in the file still is not.
#[cfg(feature = "tls")]
#[tokio::test]
async fn a_self_signed_ca_true_server_certificate_given_as_itself_is_trusted() {
    let selfsigned = ServerTls::from_pem_files(
        &data_file("client-tls-selfsigned.pem"),
        &data_file("client-tls-selfsigned.key"),
    )
    .unwrap();
    let server = tls_server(Some(selfsigned)).await;
    let mut o = opts();
    o.tls.ca_file = Some(data_file("client-tls-selfsigned.pem"));
    let mut c = Client::connect("127.0.0.1", server.addr().port(), o)
        .await
        .unwrap();
    c.starttls().await.unwrap();
    assert!(c.connection().is_tls());
    assert_eq!(c.netver().await.unwrap(), "1.3");

    // The same server against an unrelated self-signed CA: refused, nothing read.
    let mut o = opts();
    o.tls.ca_file = Some(data_file("client-tls-other-ca.pem"));
    let mut c = Client::connect("127.0.0.1", server.addr().port(), o)
        .await
        .unwrap();
    let e = c.starttls().await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(_)), "{e:?}");
}

/// A chain to the file's CA is still checked against the server name.
#[cfg(feature = "tls")]
#[tokio::test]
async fn a_chain_to_the_ca_still_needs_the_right_server_name() {
    let server = tls_server(Some(cert())).await;
    let mut o = opts();
    o.tls.server_name = Some("not-this-host.example".into());
    let mut c = Client::connect("127.0.0.1", server.addr().port(), o)
        .await
        .unwrap();
    let e = c.starttls().await.unwrap_err();
    assert!(
        format!("{e}").to_lowercase().contains("not valid for name")
            || format!("{e}").contains("NotValidForName"),
        "{e}"
    );
}
