//! The embedded server, spoken to over TCP with raw bytes; replies are checked byte for byte. Expected
//! replies come from the real upsd 2.8.0 lab transcript (`../shared/docs/lab/raw-protocol.txt`) where
//! the lab covered the case, and from nut-facts §1.4 otherwise.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::time::Duration;

use nut_proto::reply::{ValueKind, VarType};
use nut_proto::server::{
    DriverState, Server, ServerConfig, ServerHandle, Store, UpsData, UpsmonRole, User, VarData,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The lab's `pi` UPS (dummy-ups with pi.dev), as `LIST VAR pi` showed it.
const LAB_VARS: &[(&str, &str)] = &[
    ("battery.charge", "96"),
    ("battery.charge.low", "10"),
    ("battery.runtime", "1520"),
    ("battery.runtime.low", "120"),
    ("device.mfr", "Dummy Manufacturer"),
    ("device.model", "Dummy UPS"),
    ("device.type", "ups"),
    ("driver.name", "dummy-ups"),
    ("driver.parameter.mode", "dummy-once"),
    ("driver.parameter.pollinterval", "2"),
    ("driver.parameter.port", "pi.dev"),
    ("driver.parameter.synchronous", "auto"),
    ("driver.version", "2.8.0"),
    ("driver.version.internal", "0.15"),
    ("input.voltage", "230.0"),
    ("ups.delay.shutdown", "20"),
    ("ups.load", "23"),
    ("ups.mfr", "Dummy Manufacturer"),
    ("ups.model", "Dummy UPS"),
    ("ups.status", "OL CHRG"),
];

fn lab_store() -> Store {
    let mut ups = UpsData::new("pi");
    ups.desc = Some("Lab UPS for the Pi".into());
    for (name, value) in LAB_VARS {
        let v = ups.set_value(name, value.as_bytes());
        // dummy-ups: every var from the .dev file is writable; driver.* and device.type are not.
        v.ty.rw = !(name.starts_with("driver.") || *name == "device.type");
        if value.parse::<f64>().is_ok() {
            v.ty.kind = ValueKind::Number;
        }
    }
    ups.var_mut("ups.status").unwrap().desc = Some("UPS status".into());
    ups.add_command("load.off", Some("Turn off the load immediately"));
    let mut store = Store::new();
    store.insert_ups(ups);
    store.insert_user(
        User::new("admin", "s3cr3t pw")
            .allow_set()
            .allow_fsd()
            .allow_instcmd("ALL"),
    );
    store.insert_user(User::new("monuser", "pass").upsmon(UpsmonRole::Secondary));
    store.insert_user(User::new("mon", "monpass").upsmon(UpsmonRole::Primary));
    store
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(server: &ServerHandle) -> Conn {
        Conn {
            stream: TcpStream::connect(server.addr()).await.unwrap(),
            buf: Vec::new(),
        }
    }

    /// Reads one reply unit: one line, or a whole BEGIN LIST … END LIST block. Bounded by a timeout so
    /// a missing reply fails the test instead of hanging it.
    async fn reply(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(10), self.read_unit())
            .await
            .expect("no reply within 10 s")
    }

    async fn read_unit(&mut self) -> String {
        loop {
            if let Some(end) = unit_end(&self.buf) {
                let unit: Vec<u8> = self.buf.drain(..end).collect();
                return String::from_utf8(unit).unwrap();
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "server closed; have {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn ask(&mut self, request: &str) -> String {
        self.send(format!("{request}\n").as_bytes()).await;
        self.reply().await
    }

    /// True when the server closed the connection (after reading any leftover bytes).
    async fn closed(&mut self) -> bool {
        let mut chunk = [0u8; 1024];
        matches!(
            tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut chunk)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// End of the first reply unit in `buf`, if complete.
fn unit_end(buf: &[u8]) -> Option<usize> {
    let first = buf.iter().position(|&b| b == b'\n')? + 1;
    if !buf.starts_with(b"BEGIN LIST ") {
        return Some(first);
    }
    let mut at = first;
    loop {
        let len = buf[at..].iter().position(|&b| b == b'\n')? + 1;
        if buf[at..].starts_with(b"END LIST ") {
            return Some(at + len);
        }
        at += len;
    }
}

async fn lab_server() -> ServerHandle {
    let config = ServerConfig {
        // The lab server is 2.8.0, whose HELP does not list PROTVER.
        help: "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"
            .into(),
        ..ServerConfig::default()
    };
    Server::start(lab_store(), config).await.unwrap()
}

fn list_var_pi() -> String {
    let mut s = String::from("BEGIN LIST VAR pi\n");
    for (n, v) in LAB_VARS {
        s.push_str(&format!("VAR pi {n} \"{v}\"\n"));
    }
    s.push_str("END LIST VAR pi\n");
    s
}

#[tokio::test]
async fn anonymous_session_matches_lab_transcript() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    let cases: &[(&str, &str)] = &[
        (
            "VER",
            "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n",
        ),
        ("NETVER", "1.3\n"),
        ("PROTVER", "1.3\n"),
        (
            "HELP",
            "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n",
        ),
        (
            "LIST UPS",
            "BEGIN LIST UPS\nUPS pi \"Lab UPS for the Pi\"\nEND LIST UPS\n",
        ),
        (
            "LIST CMD pi",
            "BEGIN LIST CMD pi\nCMD pi load.off\nEND LIST CMD pi\n",
        ),
        (
            "LIST CLIENT pi",
            "BEGIN LIST CLIENT pi\nEND LIST CLIENT pi\n",
        ),
        ("GET VAR pi ups.status", "VAR pi ups.status \"OL CHRG\"\n"),
        (
            "GET TYPE pi ups.status",
            "TYPE pi ups.status RW STRING:32\n",
        ),
        (
            "GET TYPE pi battery.charge",
            "TYPE pi battery.charge RW NUMBER\n",
        ),
        (
            "GET DESC pi ups.status",
            "DESC pi ups.status \"UPS status\"\n",
        ),
        ("GET UPSDESC pi", "UPSDESC pi \"Lab UPS for the Pi\"\n"),
        ("GET NUMLOGINS pi", "NUMLOGINS pi 0\n"),
        ("GET VAR pi nonexistent.var", "ERR VAR-NOT-SUPPORTED\n"),
        ("GET VAR nope ups.status", "ERR UNKNOWN-UPS\n"),
        ("GET VAR", "ERR INVALID-ARGUMENT\n"),
        (
            "LIST ENUM pi ups.status",
            "BEGIN LIST ENUM pi ups.status\nEND LIST ENUM pi ups.status\n",
        ),
        (
            "LIST RANGE pi battery.charge",
            "BEGIN LIST RANGE pi battery.charge\nEND LIST RANGE pi battery.charge\n",
        ),
        ("BOGUS", "ERR UNKNOWN-COMMAND\n"),
        ("GET VAR \"pi\" \"ups.load\"", "VAR pi ups.load \"23\"\n"),
        ("TRACKING ON", "ERR UNKNOWN-COMMAND\n"),
        (
            "SET VAR pi ups.delay.shutdown 30",
            "ERR USERNAME-REQUIRED\n",
        ),
        ("LOGIN pi", "ERR USERNAME-REQUIRED\n"),
        ("PRIMARY pi", "ERR USERNAME-REQUIRED\n"),
        ("MASTER pi", "ERR USERNAME-REQUIRED\n"),
        ("STARTTLS", "ERR FEATURE-NOT-CONFIGURED\n"),
        ("", "ERR UNKNOWN-COMMAND\n"),
    ];
    for (req, want) in cases {
        assert_eq!(c.ask(req).await, *want, "request {req:?}");
    }
    assert_eq!(c.ask("LIST VAR pi").await, list_var_pi());
    assert_eq!(c.ask("LOGOUT").await, "OK Goodbye\n");
    assert!(c.closed().await);
}

#[tokio::test]
async fn tokenizer_leniency_matches_lab() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    let want = "BEGIN LIST UPS\nUPS pi \"Lab UPS for the Pi\"\nEND LIST UPS\n";
    for req in [
        &b"LIST UPS\r\n"[..],
        b"  LIST   UPS  \n",
        b"list ups\n",
        b"LIST\tUPS # comment\n",
    ] {
        c.send(req).await;
        assert_eq!(c.reply().await, want, "{:?}", String::from_utf8_lossy(req));
    }
    c.send(b"\x00\xff\xfe GET\n").await;
    assert_eq!(c.reply().await, "ERR UNKNOWN-COMMAND\n");
    // An unterminated quote swallows the next line, as upsd does; the next quote closes it.
    c.send(b"GET VAR pi \"unterminated\nVER\nx\" \n").await;
    assert_eq!(c.reply().await, "ERR VAR-NOT-SUPPORTED\n");
    // A backslash before LF continues the request on the next line.
    c.send(b"GET VAR pi ups.\\\nload\n").await;
    assert_eq!(c.reply().await, "VAR pi ups.load \"23\"\n");
    // '#' inside quotes: upsd stays silent; we answer so the client does not hang.
    c.send(b"GET VAR pi \"a#b\"\n").await;
    assert_eq!(c.reply().await, "ERR INVALID-ARGUMENT\n");
    assert_eq!(
        c.ask("VER").await,
        "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"
    );
}

#[tokio::test]
async fn authenticated_session_matches_lab_transcript() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    let cases: &[(&str, &str)] = &[
        ("USERNAME admin", "OK\n"),
        ("PASSWORD \"s3cr3t pw\"", "OK\n"),
        ("USERNAME again", "ERR ALREADY-SET-USERNAME\n"),
        ("PASSWORD again", "ERR ALREADY-SET-PASSWORD\n"),
        ("SET VAR pi ups.delay.shutdown 30", "OK\n"),
        (
            "GET VAR pi ups.delay.shutdown",
            "VAR pi ups.delay.shutdown \"30\"\n",
        ),
        ("SET VAR pi ups.delay.shutdown \"45\"", "OK\n"),
        ("INSTCMD pi load.off", "OK\n"),
        ("INSTCMD pi no.such.cmd", "ERR CMD-NOT-SUPPORTED\n"),
        ("LOGIN pi", "ERR ACCESS-DENIED\n"),
        ("PRIMARY pi", "ERR ACCESS-DENIED\n"),
        ("FSD pi", "OK FSD-SET\n"),
        (
            "GET VAR pi ups.status",
            "VAR pi ups.status \"FSD OL CHRG\"\n",
        ),
        ("SET VAR pi driver.name x", "ERR READONLY\n"),
        ("SET VAR pi no.such.var x", "ERR VAR-NOT-SUPPORTED\n"),
        ("SET VAR pi ups.status", "ERR INVALID-ARGUMENT\n"),
        ("SET VAR nope ups.status OL", "ERR UNKNOWN-UPS\n"),
        (
            "SET VAR pi device.model \"Quoted \\\"model\\\" with \\\\ backslash\"",
            "OK\n",
        ),
        (
            "GET VAR pi device.model",
            "VAR pi device.model \"Quoted \\\"model\\\" with \\\\ backslash\"\n",
        ),
        (
            "SET VAR pi device.model \"0123456789012345678901234567890123\"",
            "ERR TOO-LONG\n",
        ),
        ("LOGOUT", "OK Goodbye\n"),
    ];
    for (req, want) in cases {
        assert_eq!(c.ask(req).await, *want, "request {req:?}");
    }
    assert_eq!(server.instcmds().len(), 1);
    assert_eq!(server.instcmds()[0].cmd, "load.off");
    assert_eq!(server.instcmds()[0].user, "admin");
}

#[tokio::test]
async fn wrong_password_and_upsmon_login() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    for (req, want) in [
        ("USERNAME monuser", "OK\n"),
        ("PASSWORD wrong", "OK\n"),
        ("LOGIN pi", "ERR ACCESS-DENIED\n"),
        ("SET VAR pi ups.load 5", "ERR ACCESS-DENIED\n"),
    ] {
        assert_eq!(c.ask(req).await, want, "{req}");
    }
    let mut m = Conn::open(&server).await;
    for (req, want) in [
        ("LOGIN pi", "ERR USERNAME-REQUIRED\n"),
        ("USERNAME mon", "OK\n"),
        ("LOGIN pi", "ERR PASSWORD-REQUIRED\n"),
        ("PASSWORD monpass", "OK\n"),
        ("LOGIN nope", "ERR UNKNOWN-UPS\n"),
        ("LOGIN pi", "OK\n"),
        ("LOGIN pi", "ERR ALREADY-LOGGED-IN\n"),
        ("GET NUMLOGINS pi", "NUMLOGINS pi 1\n"),
        (
            "LIST CLIENT pi",
            "BEGIN LIST CLIENT pi\nCLIENT pi 127.0.0.1\nEND LIST CLIENT pi\n",
        ),
        ("PRIMARY pi", "OK PRIMARY-GRANTED\n"),
        ("MASTER pi", "OK MASTER-GRANTED\n"),
        ("FSD pi", "OK FSD-SET\n"),
    ] {
        assert_eq!(m.ask(req).await, want, "{req}");
    }
    // The login ends with the connection.
    drop(m);
    let mut n = Conn::open(&server).await;
    let mut count = String::new();
    for _ in 0..100 {
        count = n.ask("GET NUMLOGINS pi").await;
        if count == "NUMLOGINS pi 0\n" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count, "NUMLOGINS pi 0\n");
}

#[tokio::test]
async fn driver_state_errors() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    server.with_store(|s| s.ups_mut("pi").unwrap().state = DriverState::Stale);
    for (req, want) in [
        ("GET VAR pi ups.status", "ERR DATA-STALE\n"),
        ("LIST VAR pi", "ERR DATA-STALE\n"),
        ("GET NUMLOGINS pi", "ERR DATA-STALE\n"),
        // Not checked for these, as in upsd:
        ("GET UPSDESC pi", "UPSDESC pi \"Lab UPS for the Pi\"\n"),
        (
            "LIST CLIENT pi",
            "BEGIN LIST CLIENT pi\nEND LIST CLIENT pi\n",
        ),
        (
            "GET VAR pi server.version",
            "VAR pi server.version \"2.8.0\"\n",
        ),
    ] {
        assert_eq!(c.ask(req).await, want, "{req}");
    }
    server.with_store(|s| s.ups_mut("pi").unwrap().state = DriverState::NotConnected);
    assert_eq!(
        c.ask("GET TYPE pi ups.status").await,
        "ERR DRIVER-NOT-CONNECTED\n"
    );
    assert_eq!(c.ask("LIST RW pi").await, "ERR DRIVER-NOT-CONNECTED\n");
    assert_eq!(
        c.ask("GET VAR nope server.info").await,
        "VAR nope server.info \"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\"\n"
    );
    assert_eq!(
        c.ask("GET VAR nope server.other").await,
        "ERR VAR-NOT-SUPPORTED\n"
    );
    server.with_store(|s| s.ups_mut("pi").unwrap().state = DriverState::Connected);
    assert_eq!(
        c.ask("get var PI UPS.STATUS").await,
        "VAR PI UPS.STATUS \"OL CHRG\"\n"
    );
}

#[tokio::test]
async fn enum_range_and_tracking() {
    let mut store = lab_store();
    {
        let ups = store.ups_mut("pi").unwrap();
        let mut v = VarData::new("input.transfer.low", &b"180"[..]);
        v.ty = VarType {
            rw: true,
            enumerated: true,
            range: false,
            kind: ValueKind::Number,
        };
        v.enum_values = vec![b"170".to_vec(), b"180".to_vec()];
        ups.insert_var(v);
        let mut v = VarData::new("battery.charge.low", &b"10"[..]);
        v.ty = VarType {
            rw: true,
            enumerated: false,
            range: true,
            kind: ValueKind::Number,
        };
        v.ranges = vec![(5, 50)];
        ups.insert_var(v);
    }
    let server = Server::bind(store).await.unwrap();
    let mut c = Conn::open(&server).await;
    for (req, want) in [
        (
            "GET TYPE pi input.transfer.low",
            "TYPE pi input.transfer.low RW ENUM NUMBER\n",
        ),
        (
            "GET TYPE pi battery.charge.low",
            "TYPE pi battery.charge.low RW RANGE NUMBER\n",
        ),
        (
            "LIST ENUM pi input.transfer.low",
            "BEGIN LIST ENUM pi input.transfer.low\nENUM pi input.transfer.low \"170\"\n\
             ENUM pi input.transfer.low \"180\"\nEND LIST ENUM pi input.transfer.low\n",
        ),
        (
            "LIST RANGE pi battery.charge.low",
            "BEGIN LIST RANGE pi battery.charge.low\nRANGE pi battery.charge.low \"5\" \"50\"\n\
             END LIST RANGE pi battery.charge.low\n",
        ),
        ("LIST ENUM pi nope", "ERR VAR-NOT-SUPPORTED\n"),
        ("USERNAME admin", "OK\n"),
        ("PASSWORD \"s3cr3t pw\"", "OK\n"),
        ("SET VAR pi input.transfer.low 175", "ERR INVALID-VALUE\n"),
        ("SET VAR pi input.transfer.low 170", "OK\n"),
        ("SET VAR pi battery.charge.low 51", "ERR INVALID-VALUE\n"),
        ("SET VAR pi battery.charge.low 50", "OK\n"),
        ("GET TRACKING", "OFF\n"),
        (
            "GET TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2",
            "ERR FEATURE-NOT-CONFIGURED\n",
        ),
        ("SET TRACKING on", "OK\n"),
        ("GET TRACKING", "ON\n"),
        (
            "GET TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2",
            "ERR UNKNOWN\n",
        ),
    ] {
        assert_eq!(c.ask(req).await, want, "{req}");
    }
    let ok = c.ask("INSTCMD pi load.off 5").await;
    let id = ok
        .strip_prefix("OK TRACKING ")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(c.ask(&format!("GET TRACKING {id}")).await, "SUCCESS\n");
    assert_eq!(server.instcmds()[0].value.as_deref(), Some(&b"5"[..]));
}

#[tokio::test]
async fn pipelined_requests_get_ordered_replies() {
    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    c.send(b"GET VAR pi ups.load\nLIST CMD pi\nBOGUS\nNETVER\n")
        .await;
    assert_eq!(c.reply().await, "VAR pi ups.load \"23\"\n");
    assert_eq!(
        c.reply().await,
        "BEGIN LIST CMD pi\nCMD pi load.off\nEND LIST CMD pi\n"
    );
    assert_eq!(c.reply().await, "ERR UNKNOWN-COMMAND\n");
    assert_eq!(c.reply().await, "1.3\n");
}

#[tokio::test]
async fn over_long_request_is_refused_and_the_connection_recovers() {
    let config = ServerConfig {
        max_line: 256,
        ..ServerConfig::default()
    };
    let server = Server::start(lab_store(), config).await.unwrap();
    let mut c = Conn::open(&server).await;
    let mut long = b"GET VAR pi ".to_vec();
    long.extend(std::iter::repeat_n(b'A', 100_000));
    long.push(b'\n');
    c.send(&long).await;
    assert_eq!(c.reply().await, "ERR INVALID-ARGUMENT\n");
    assert_eq!(c.ask("NETVER").await, "1.3\n");
    // An unterminated quote may not swallow more than the bound either.
    c.send(b"GET VAR pi \"open\n").await;
    for _ in 0..20 {
        c.send(&[b'x'; 20]).await;
        c.send(b"\n").await;
    }
    assert_eq!(c.reply().await, "ERR INVALID-ARGUMENT\n");
}

#[tokio::test]
async fn serves_real_device_dumps() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/server-2e-ps1000l.dev"
    ))
    .unwrap();
    let var_lines = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"#") && l.contains(&b':'))
        .count();
    let server = Server::bind(Store::from_dev("2e", &text)).await.unwrap();
    let mut c = Conn::open(&server).await;
    let list = c.ask("LIST VAR 2e").await;
    // dummy-ups adds ups.mfr and ups.model (its defaults; the dump has neither) and the driver
    // core mirrors them to device.mfr and device.model.
    assert_eq!(list.lines().count(), var_lines + 4 + 2);
    assert!(
        list.contains("VAR 2e device.mfr \"Dummy Manufacturer\"\n"),
        "{list}"
    );
    assert!(list.contains("VAR 2e battery.charge \"76\"\n"), "{list}");
    assert!(list.contains("VAR 2e driver.parameter.runtimecal \"8640,100,17280,50\"\n"));
    assert_eq!(
        c.ask("GET TYPE 2e battery.charge").await,
        "TYPE 2e battery.charge RW NUMBER\n"
    );

    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/server-powerware-pw5110.dev"
    ))
    .unwrap();
    let server = Server::bind(Store::from_dev("pw", &text)).await.unwrap();
    let mut c = Conn::open(&server).await;
    // `\ 1000i` escapes the space into the word; device.model (`\\ 1000i` in the dump: a
    // backslash then a word) is replaced by ups.model's value, as the driver core mirrors it.
    for var in ["ups.model", "device.model"] {
        assert_eq!(
            c.ask(&format!("GET VAR pw {var}")).await,
            format!("VAR pw {var} \"POWERWARE UPS  1000i\"\n")
        );
    }
    // `ups.serial:` without a value: dummy-ups reuses the previous line's (ups.power.nominal).
    for var in ["ups.serial", "device.serial"] {
        assert_eq!(
            c.ask(&format!("GET VAR pw {var}")).await,
            format!("VAR pw {var} \"1000\"\n")
        );
    }
    assert_eq!(
        c.ask("GET VAR pw output.current").await,
        "VAR pw output.current \"0.0\"\n"
    );

    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/server-exide-netups-se.dev"
    ))
    .unwrap();
    let ups = UpsData::from_dev("exide", &text);
    let manufacturer = ups.var("driver.parameter.manufacturer").unwrap();
    assert!(manufacturer
        .value
        .starts_with(b"Exidedriver.parameter.port: /dev/ttyS1driver.version"));
    // One word of the swallowed lines, cut to dummy-ups' 127-byte value buffer.
    assert_eq!(manufacturer.value.len(), 127);
    assert!(
        ups.var("driver.version").is_none(),
        "swallowed by the open quote"
    );
    assert_eq!(ups.var("ups.model").unwrap().value, b"UPS 2400 VA FW -0026");
}

#[tokio::test]
async fn shutdown_closes_connections_and_the_listener() {
    let server = lab_server().await;
    let addr = server.addr();
    let mut c = Conn::open(&server).await;
    assert_eq!(c.ask("NETVER").await, "1.3\n");
    server.shutdown().await;
    assert!(c.closed().await);
    assert!(TcpStream::connect(addr).await.is_err());

    let server = lab_server().await;
    let mut c = Conn::open(&server).await;
    assert_eq!(c.ask("NETVER").await, "1.3\n");
    drop(server);
    assert!(c.closed().await);
}

#[tokio::test]
async fn connection_over_the_limit_is_closed_and_the_slot_comes_back() {
    let config = ServerConfig {
        max_connections: 1,
        ..ServerConfig::default()
    };
    let server = Server::start(lab_store(), config).await.unwrap();
    let mut first = Conn::open(&server).await;
    assert_eq!(first.ask("NETVER").await, "1.3\n");
    // Over the limit: closed at once instead of waiting unserved in the backlog.
    let mut second = Conn::open(&server).await;
    assert!(second.closed().await);
    drop(first);
    // The slot is given back when the first connection ends.
    let mut third = None;
    for _ in 0..100 {
        if server.connections() == 0 {
            third = Some(Conn::open(&server).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut third = third.expect("slot given back");
    assert_eq!(third.ask("NETVER").await, "1.3\n");
}

/// upsd drops a client that stays silent for 60 s; the embedded server too (virtual time).
#[tokio::test(start_paused = true)]
async fn idle_connections_are_closed() {
    let server = lab_server().await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(b"NETVER\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"1.3\n");
    let before = tokio::time::Instant::now();
    // No timeout here: with time paused the runtime jumps to the server's idle deadline.
    let n = stream.read(&mut buf).await.unwrap_or(0);
    assert_eq!(n, 0, "closed");
    assert!(
        before.elapsed() >= Duration::from_secs(60),
        "{:?}",
        before.elapsed()
    );
}

#[tokio::test]
async fn per_source_cap_closes_the_extra_connections_of_one_address() {
    let config = ServerConfig {
        max_per_source: 3,
        ..ServerConfig::default()
    };
    let server = Server::start(lab_store(), config).await.unwrap();
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut c = Conn::open(&server).await;
        assert_eq!(c.ask("NETVER").await, "1.3\n");
        kept.push(c);
    }
    let mut extra = Conn::open(&server).await;
    assert!(extra.closed().await, "a fourth from 127.0.0.1 is closed");
    // Another loopback address is another source.
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut other = Conn {
        stream: s.connect(server.addr()).await.unwrap(),
        buf: Vec::new(),
    };
    assert_eq!(other.ask("NETVER").await, "1.3\n");
    assert_eq!(server.connections(), 4);
}
