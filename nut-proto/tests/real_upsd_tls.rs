//! STARTTLS against the real upsd (Debian's NSS build), given a certificate through an NSS database the
//! lab builds from the test CA (`tests/data/client-tls-*`). Skipped when NUT is absent (fails under
//! `CI=true`) or when the NSS tools (libnss3-tools) are missing.
#![cfg(feature = "client")]

mod common;

use std::time::Duration;

use common::{data_file, Lab};
use nut_proto::client::{Client, ClientError, Options, TlsError};

fn opts(ca: &str) -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(5);
    o.tls.ca_file = Some(data_file(ca));
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn starttls_verified_against_real_upsd() {
    let Some(lab) =
        Lab::start(common::lab_config(&["client-eaton-5e650i.dev"]).tls(common::tls_files()))
    else {
        return;
    };
    let mut c = Client::connect_target(&common::target(&lab, 0), opts("client-tls-ca.pem"))
        .await
        .unwrap();
    c.starttls().await.unwrap();
    assert!(c.connection().is_tls());
    let vars = c.list_vars("lab0").await.unwrap();
    assert!(vars
        .iter()
        .any(|v| v.name == "ups.status" && v.value == "OL CHRG"));
    assert_eq!(c.get_var("lab0", "ups.load").await.unwrap(), "14");
    // Pipelining works through TLS too.
    let got = c
        .get_vars_pipelined("lab0", &["ups.load", "battery.charge"])
        .await
        .unwrap();
    assert_eq!(got[0].as_ref().unwrap(), "14");
    assert_eq!(got[1].as_ref().unwrap(), "100");
    let e = c.starttls().await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(TlsError::AlreadyTls)), "{e:?}");

    // A CA that did not sign upsd's certificate: the handshake fails, nothing is read in plaintext.
    let mut bad = Client::connect_target(&common::target(&lab, 0), opts("client-tls-other-ca.pem"))
        .await
        .unwrap();
    let e = bad.starttls().await.unwrap_err();
    assert!(
        matches!(e, ClientError::Tls(TlsError::Handshake(_))),
        "{e:?}"
    );
    assert!(matches!(bad.netver().await, Err(ClientError::Unusable)));
}
