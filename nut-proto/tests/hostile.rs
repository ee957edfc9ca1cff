//! The client against scripted, misbehaving servers (a tokio listener on 127.0.0.1:0 in this process).
//!
//! Each case checks that the client ends with the right typed error, within its timeout, without
//! buffering what the server throws at it.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves
#![cfg(feature = "client")]

use std::future::Future;
use std::time::Duration;

use nut_proto::client::{Client, ClientError, Options, ProtocolViolation, TlsError};
use nut_proto::error::ErrCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpListener;

/// Reads request lines and answers through the script; the script gets the reader and the writer.
type Lines = tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>;

/// Starts a one-connection fake server running `script`; returns its port.
async fn fake<F, Fut>(script: F) -> u16
where
    F: FnOnce(Lines, OwnedWriteHalf) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((sock, _)) = listener.accept().await {
            let (r, w) = sock.into_split();
            script(BufReader::new(r).lines(), w).await;
        }
    });
    port
}

fn opts(timeout_ms: u64) -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_millis(timeout_ms);
    o.connect_timeout = Duration::from_secs(2);
    o
}

async fn client(port: u16, o: Options) -> Client {
    Client::connect("127.0.0.1", port, o).await.unwrap()
}

/// Writes `chunk` forever (until the client goes away); returns how many bytes went out.
async fn flood(w: &mut OwnedWriteHalf, chunk: &[u8]) -> usize {
    let mut sent = 0;
    // Bounded: stops at the first write error (client closed) or after 256 MiB.
    while sent < 256 << 20 {
        if w.write_all(chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    sent
}

#[tokio::test]
async fn over_long_line_is_a_typed_error_not_an_allocation() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"VAR ups x \"").await;
        flood(&mut w, &[b'a'; 8192]).await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.get_var("ups", "x").await.unwrap_err();
    match &e {
        ClientError::Protocol {
            reason: ProtocolViolation::LineTooLong { max },
            line,
        } => {
            assert_eq!(*max, nut_proto::reply::DEFAULT_MAX_LINE);
            assert!(line.starts_with("VAR ups x \"aaa"), "{line}");
            assert!(line.len() <= nut_proto::client::MAX_ERROR_LINE + 4);
        }
        other => panic!("expected LineTooLong, got {other:?}"),
    }
    // The stream is out of step now: the client refuses to reuse it.
    assert!(matches!(
        c.get_var("ups", "x").await,
        Err(ClientError::Unusable)
    ));
}

#[tokio::test]
async fn configurable_max_line_applies() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"VAR ups x \"0123456789\"\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut o = opts(2000);
    o.max_line = 16;
    let mut c = client(port, o).await;
    let e = c.get_var("ups", "x").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::LineTooLong { max: 16 },
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn list_that_never_ends_hits_the_item_bound() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"BEGIN LIST VAR ups\n").await;
        flood(&mut w, b"VAR ups battery.charge \"100\"\n").await;
    })
    .await;
    let mut o = opts(5000);
    o.max_list_items = 1000;
    let mut c = client(port, o).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::ListTooLong { max: 1000 },
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn list_that_dribbles_forever_times_out() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"BEGIN LIST VAR ups\n").await;
        for _ in 0..10_000 {
            if w.write_all(b"VAR ups a \"1\"\n").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let mut c = client(port, opts(300)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Timeout {
                request: "LIST VAR",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_timeout());
}

#[tokio::test]
async fn garbage_bytes_are_a_protocol_error() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"\x00\xff\xfe\x01garbage \x1b[2J\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.get_var("ups", "x").await.unwrap_err();
    match &e {
        ClientError::Protocol { line, .. } => assert!(line.contains("garbage"), "{line}"),
        other => panic!("expected Protocol, got {other:?}"),
    }
    assert!(e.is_protocol());
}

#[tokio::test]
async fn malformed_known_reply_is_unparseable() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"VAR ups\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.get_var("ups", "x").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::Unparseable(_),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn connection_closed_mid_list() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w
            .write_all(b"BEGIN LIST VAR ups\nVAR ups a \"1\"\nVAR ups b \"2\"\n")
            .await;
        // Dropping both halves closes the socket.
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Closed {
                during: Some("LIST VAR")
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let port = fake(|mut rx, w| async move {
        let _keep_open = w;
        let _ = rx.next_line().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let mut c = client(port, opts(200)).await;
    let e = c.ver().await.unwrap_err();
    assert!(
        matches!(e, ClientError::Timeout { request: "VER", after } if after == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(matches!(c.ver().await, Err(ClientError::Unusable)));
}

#[tokio::test]
async fn logout_does_not_wait_for_a_server_that_never_answers_it() {
    // The server reads LOGOUT, reports it, and never answers (nor closes). Before, logout() waited
    // for the reply and came back with Timeout; now it only sends.
    let (tx, rx_seen) = tokio::sync::oneshot::channel();
    let port = fake(|mut rx, w| async move {
        let _keep_open = w;
        let line = rx.next_line().await.ok().flatten();
        let _ = tx.send(line);
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let c = client(port, opts(300)).await;
    let r = c.logout().await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(rx_seen.await.unwrap().as_deref(), Some("LOGOUT"));
}

#[tokio::test]
async fn starttls_in_options_is_sent_on_connect() {
    let port = fake(|mut rx, mut w| async move {
        if rx.next_line().await.ok().flatten().as_deref() == Some("STARTTLS") {
            let _ = w.write_all(b"ERR FEATURE-NOT-CONFIGURED\n").await;
        }
        let _ = rx.next_line().await;
    })
    .await;
    let mut tls = nut_proto::client::TlsOptions::default();
    tls.danger_accept_invalid_certs = true;
    let o = opts(2000).with_starttls(tls);
    let e = Client::connect("127.0.0.1", port, o).await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(TlsError::Refused(_))), "{e:?}");
}

#[tokio::test]
async fn end_list_for_the_wrong_list() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w
            .write_all(b"BEGIN LIST VAR ups\nVAR ups a \"1\"\nEND LIST VAR other\n")
            .await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    match e {
        ClientError::Protocol {
            reason: ProtocolViolation::ListMismatch,
            line,
        } => assert_eq!(line, "END LIST VAR other"),
        other => panic!("expected ListMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn begin_list_of_another_kind() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"BEGIN LIST RW ups\nEND LIST RW ups\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::ListMismatch,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn item_of_another_ups_inside_a_list() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w
            .write_all(b"BEGIN LIST VAR ups\nVAR other a \"1\"\nEND LIST VAR ups\n")
            .await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::ListMismatch,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn err_in_the_middle_of_a_list() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"BEGIN LIST VAR ups\nERR DATA-STALE\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_vars("ups").await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Protocol {
                reason: ProtocolViolation::Unexpected { .. },
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn reply_for_another_variable_is_rejected() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"VAR ups other \"1\"\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.get_var("ups", "battery.charge").await.unwrap_err();
    assert!(e.is_protocol(), "{e:?}");
}

#[tokio::test]
async fn unsolicited_line_is_caught_before_the_next_request() {
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        // One reply plus a line nobody asked for, in one segment.
        let _ = w.write_all(b"1.3\nVAR ups a \"x\"\n").await;
        let _ = rx.next_line().await;
        let _ = w.write_all(b"VAR ups a \"x\"\n").await;
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    assert_eq!(c.netver().await.unwrap(), "1.3");
    let e = c.get_var("ups", "a").await.unwrap_err();
    assert!(e.is_protocol(), "{e:?}");
}

#[tokio::test]
async fn non_stock_servers_are_tolerated() {
    // Synology/QNAP/UniFi-like: ERR INVALID-ARGUMENT for LIST RW, an empty VER line; PRIMARY unknown.
    let port = fake(|mut rx, mut w| async move {
        let mut seen = Vec::new();
        while let Ok(Some(line)) = rx.next_line().await {
            let reply: &[u8] = match line.as_str() {
                "LIST RW ups" => b"ERR INVALID-ARGUMENT\n",
                "VER" => b"\n",
                "GET VAR ups ups.status" => b"VAR ups ups.status \"OL\"\n",
                "PRIMARY ups" => b"ERR UNKNOWN-COMMAND\n",
                "MASTER ups" => b"OK\n",
                _ => b"ERR UNKNOWN-COMMAND\n",
            };
            seen.push(line);
            if w.write_all(reply).await.is_err() {
                break;
            }
        }
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.list_rw("ups").await.unwrap_err();
    assert_eq!(e.err_code(), Some(&ErrCode::InvalidArgument));
    assert!(!e.is_fatal());
    assert_eq!(c.ver().await.unwrap(), "");
    assert_eq!(c.get_var("ups", "ups.status").await.unwrap(), "OL");
    c.primary("ups").await.unwrap();
}

#[tokio::test]
async fn pipelined_gets_keep_order_and_per_variable_errors() {
    let port = fake(|mut rx, mut w| async move {
        // Answer each GET as it arrives.
        while let Ok(Some(line)) = rx.next_line().await {
            let words: Vec<&str> = line.split(' ').collect();
            let reply = match words.as_slice() {
                ["GET", "VAR", ups, "missing"] => {
                    let _ = ups;
                    "ERR VAR-NOT-SUPPORTED\n".to_string()
                }
                ["GET", "VAR", ups, var] => format!("VAR {ups} {var} \"v-{var}\"\n"),
                _ => "ERR UNKNOWN-COMMAND\n".to_string(),
            };
            if w.write_all(reply.as_bytes()).await.is_err() {
                break;
            }
        }
    })
    .await;
    let mut c = client(port, opts(5000)).await;
    let names: Vec<String> = (0..150).map(|i| format!("v{i}")).collect();
    let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
    refs.insert(70, "missing");
    let got = c.get_vars_pipelined("ups", &refs).await.unwrap();
    assert_eq!(got.len(), refs.len());
    for (name, r) in refs.iter().zip(&got) {
        match r {
            Ok(v) => assert_eq!(v, &format!("v-{name}")),
            Err(e) => {
                assert_eq!(*name, "missing");
                assert_eq!(e.err_code(), Some(&ErrCode::VarNotSupported));
            }
        }
    }
    // Still in step afterwards.
    assert_eq!(c.get_var("ups", "z").await.unwrap(), "v-z");
}

#[tokio::test]
async fn injection_is_refused_before_sending() {
    let port = fake(|mut rx, mut w| async move {
        while let Ok(Some(_)) = rx.next_line().await {
            if w.write_all(b"VAR ups a \"1\"\n").await.is_err() {
                break;
            }
        }
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.set_var("ups", "a", "1\nFSD ups").await.unwrap_err();
    assert!(matches!(e, ClientError::Encode(_)), "{e:?}");
    // Nothing was sent, the connection is still fine.
    assert_eq!(c.get_var("ups", "a").await.unwrap(), "1");
}

#[tokio::test]
async fn connection_refused_is_classified() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = Client::connect("127.0.0.1", port, opts(1000))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::ConnectionRefused { addr } if addr.port() == port),
        "{e:?}"
    );
    assert!(e.is_connect());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn connect_timeout_when_syns_are_dropped() {
    // A listener with backlog 0 whose queue is already full: Linux drops further SYNs silently, the
    // loopback equivalent of a firewall DROP rule.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(
        &"127.0.0.1:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    sock.listen(0).unwrap();
    let addr = sock.local_addr().unwrap().as_socket().unwrap();
    // Fill the accept queue (never accepted); stop once a connect no longer completes quickly.
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    let e = Client::connect("127.0.0.1", addr.port(), {
        let mut o = opts(1000);
        o.connect_timeout = Duration::from_millis(300);
        o
    })
    .await
    .unwrap_err();
    assert!(
        matches!(e, ClientError::ConnectTimeout { ref server, after } if *server == format!("127.0.0.1:{}", addr.port()) && after == Duration::from_millis(300)),
        "{e:?}"
    );
    assert!(e.is_timeout() && e.is_connect());
    drop(fillers);
}

#[tokio::test]
async fn connects_by_host_name() {
    // "localhost" may resolve to ::1 first; nothing listens there on this port, so the client must go
    // on to 127.0.0.1.
    let port = fake(|mut rx, mut w| async move {
        let _ = rx.next_line().await;
        let _ = w.write_all(b"1.3\n").await;
        let _ = rx.next_line().await;
    })
    .await;
    let target: nut_proto::Target = format!("ups@localhost:{port}").parse().unwrap();
    let mut c = Client::connect_target(&target, opts(2000)).await.unwrap();
    assert!(c.connection().peer_addr().ip().is_loopback());
    assert_eq!(c.netver().await.unwrap(), "1.3");
}

#[tokio::test]
async fn ipv6_loopback_works_when_available() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        println!("skipped: no IPv6 loopback");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((sock, _)) = listener.accept().await {
            let (r, mut w) = sock.into_split();
            let mut rx = BufReader::new(r).lines();
            let _ = rx.next_line().await;
            let _ = w.write_all(b"1.3\n").await;
            let _ = rx.next_line().await;
        }
    });
    let target: nut_proto::Target = format!("ups@[::1]:{port}").parse().unwrap();
    let mut c = Client::connect_target(&target, opts(2000)).await.unwrap();
    assert!(c.connection().peer_addr().is_ipv6());
    assert_eq!(c.netver().await.unwrap(), "1.3");
}

#[tokio::test]
async fn starttls_without_ca_file_fails_before_sending() {
    let port = fake(|mut rx, mut w| async move {
        while let Ok(Some(line)) = rx.next_line().await {
            let reply: &[u8] = if line == "STARTTLS" {
                b"OK STARTTLS\n"
            } else {
                b"1.3\n"
            };
            if w.write_all(reply).await.is_err() {
                break;
            }
        }
    })
    .await;
    let mut c = client(port, opts(2000)).await;
    let e = c.starttls().await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(TlsError::Config(_))), "{e:?}");
    // Nothing was sent: the plaintext session still works.
    assert_eq!(c.netver().await.unwrap(), "1.3");
}

#[tokio::test]
async fn starttls_refused_keeps_plaintext_usable() {
    let port = fake(|mut rx, mut w| async move {
        while let Ok(Some(line)) = rx.next_line().await {
            let reply: &[u8] = if line == "STARTTLS" {
                b"ERR FEATURE-NOT-CONFIGURED\n"
            } else {
                b"1.3\n"
            };
            if w.write_all(reply).await.is_err() {
                break;
            }
        }
    })
    .await;
    let mut o = opts(2000);
    o.tls.danger_accept_invalid_certs = true;
    let mut c = client(port, o).await;
    let e = c.starttls().await.unwrap_err();
    match &e {
        ClientError::Tls(TlsError::Refused(inner)) => {
            assert_eq!(inner.err_code(), Some(&ErrCode::FeatureNotConfigured))
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_eq!(c.netver().await.unwrap(), "1.3");
}

#[test]
fn password_never_prints() {
    let p = nut_proto::Secret::new("hunter2");
    assert!(!format!("{p:?}").contains("hunter2"));
    assert!(!format!("{p}").contains("hunter2"));
    assert_eq!(p.expose(), "hunter2");
}

#[test]
fn client_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    // Never polled: only the types matter.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let f = async {
        let mut c = Client::connect("127.0.0.1", 1, Options::default()).await?;
        let _ = c.list_vars("ups").await?;
        let _ = c.get_vars_pipelined("ups", &["a"]).await?;
        c.starttls().await?;
        c.logout().await
    };
    is_send(&f);
}

#[test]
fn error_and_client_types_are_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<ClientError>();
    check::<Client>();
}

mod arbitrary_replies {
    use super::*;
    use proptest::prelude::*;

    /// Lines a server might send, valid or not, for building reply streams.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"BEGIN LIST VAR ups".to_vec()),
            Just(b"END LIST VAR ups".to_vec()),
            Just(b"VAR ups a \"1\"".to_vec()),
            Just(b"BEGIN LIST UPS".to_vec()),
            Just(b"UPS ups \"d\"".to_vec()),
            Just(b"END LIST UPS".to_vec()),
            Just(b"OK".to_vec()),
            Just(b"ERR ACCESS-DENIED".to_vec()),
            Just(b"TYPE ups a RW STRING:5".to_vec()),
            Just(b"NUMLOGINS ups 99999999999999999999999".to_vec()),
            Just(b"1.3".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever a server sends, every typed method returns (no panic) within its timeout, the
        /// server closing the socket ends it with a typed error rather than a hang.
        #[test]
        fn typed_methods_never_panic(lines in proptest::collection::vec(line(), 0..30)) {
            let mut blob = Vec::new();
            for l in &lines {
                blob.extend_from_slice(l);
                blob.push(b'\n');
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                for step in 0..8 {
                    let blob = blob.clone();
                    let port = fake(move |mut rx, mut w| async move {
                        // Answer the first request with the whole blob, then close.
                        let _ = rx.next_line().await;
                        let _ = w.write_all(&blob).await;
                    })
                    .await;
                    let mut c = client(port, opts(2000)).await;
                    let r: Result<(), ClientError> = match step {
                        0 => c.list_vars("ups").await.map(drop),
                        1 => c.list_ups().await.map(drop),
                        2 => c.get_var("ups", "a").await.map(drop),
                        3 => c.get_type("ups", "a").await.map(drop),
                        4 => c.get_num_logins("ups").await.map(drop),
                        5 => c.get_vars_pipelined("ups", &["a", "b"]).await.map(drop),
                        6 => c.tracking_status("id").await.map(drop),
                        _ => c.primary("ups").await,
                    };
                    if let Err(e) = r {
                        assert!(!e.is_timeout(), "step {step}: {e:?}");
                    }
                }
            });
        }
    }
}
