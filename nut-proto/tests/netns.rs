//! Real "no route to host", "network unreachable" and DNS failure, produced inside a
//! private network namespace so no packet can leave this machine.
//!
//! The test re-runs its own binary under `unshare -n` with `NUTPROTO_NETNS_CHILD=1`; inside, it brings
//! up `lo`, adds `unreachable 10.254.0.0/24` (connect → EHOSTUNREACH), leaves 10.253.0.0/16 without any
//! route (→ ENETUNREACH), and resolves a name with no reachable resolver (→ DNS failure). Needs root and
//! `unshare`/`ip`; otherwise it prints `skipped: …` and returns. (The connect timeout is tested on
//! loopback in `hostile.rs`, with a listener whose accept queue is full.)
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves
#![cfg(all(feature = "client", target_os = "linux"))]

use std::process::Command;
use std::time::Duration;

use nut_proto::client::{Client, ClientError, Options};

const CHILD_ENV: &str = "NUTPROTO_NETNS_CHILD";
const TEST_NAME: &str = "unreachable_and_dns_failures_are_classified";
const DONE: &str = "netns-scenarios-done";

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn opts(connect_ms: u64) -> Options {
    let mut o = Options::default();
    o.connect_timeout = Duration::from_millis(connect_ms);
    o
}

async fn scenarios() {
    assert!(ip(&["link", "set", "lo", "up"]), "ip link set lo up");
    assert!(
        ip(&["route", "add", "unreachable", "10.254.0.0/24"]),
        "ip route add unreachable"
    );

    let e = Client::connect("10.254.0.1", 3493, opts(3000))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::HostUnreachable { addr } if addr.to_string() == "10.254.0.1:3493"),
        "{e:?}"
    );
    assert!(e.is_connect());
    println!("host unreachable: {e}");

    let e = Client::connect("10.253.0.1", 3493, opts(3000))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::NetworkUnreachable { .. }), "{e:?}");
    println!("network unreachable: {e}");

    // A name nothing in this namespace can resolve (the resolver is unreachable from here).
    let e = Client::connect("nut-proto-test.invalid", 3493, opts(8000))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Dns { .. }), "{e:?}");
    println!("dns: {e}");

    // Loopback still works in the namespace: refused, not unreachable.
    let e = Client::connect("127.0.0.1", 9, opts(3000))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::ConnectionRefused { .. }), "{e:?}");

    println!("{DONE}");
}

#[test]
fn unreachable_and_dns_failures_are_classified() {
    if std::env::var(CHILD_ENV).as_deref() == Ok("1") {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(scenarios());
        return;
    }
    if !is_root() {
        println!("skipped: netns test needs root");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let probe = Command::new("unshare").args(["-n", "true"]).status();
    if !matches!(probe, Ok(s) if s.success()) {
        println!("skipped: cannot create a network namespace (unshare -n)");
        return;
    }
    let out = Command::new("unshare")
        .arg("-n")
        .arg(&exe)
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains(DONE),
        "namespace run failed:\n{stdout}\n{stderr}"
    );
}
