//! Allocations per parsed reply line and per typed `list_vars` call, counted by a global allocator
//! installed in this bench binary only (`nut_benches::alloc::Counting`). Goal: zero per parsed line.
//!
//! Counts are deterministic, so this is a plain `harness = false` main that prints a table instead of a
//! criterion timing. Only the measuring thread is counted: the embedded server runs on another thread.
//! The rups rows count what rups does for the same bytes: its per-line tokenizer step (a `String` plus
//! `shell_words::split`) and its typed `list_vars` over the same server.
//!
//! Run: `cargo bench -p nut-benches --bench alloc`

use std::hint::black_box;
use std::time::Duration;

use nut_benches::alloc::{count, Counting};
use nut_benches::{lines, list_var_body};
use nut_proto::client::{Client, Options};
use nut_proto::reply::parse_reply;
use nut_proto::server::{Server, Store};

#[global_allocator]
static A: Counting = Counting;

fn row(what: &str, unit: &str, units: u64, allocs: u64, bytes: u64) {
    println!(
        "{what:<44} {:>10.3} allocs/{unit:<5} {:>10.1} B/{unit:<5} ({allocs} allocs over {units} {unit}s)",
        allocs as f64 / units as f64,
        bytes as f64 / units as f64,
    );
}

fn main() {
    // Always runs (about a second): criterion's CLI arguments, if any, are not for this binary.
    println!("\nallocations (counting global allocator, measuring thread only)");

    let body = list_var_body("ups", 1000);
    let ls = lines(&body);
    let n = ls.len() as u64;
    let (allocs, bytes, ok) = count(|| {
        let mut ok = 0u64;
        for l in &ls {
            ok += black_box(parse_reply(black_box(l))).is_ok() as u64;
        }
        ok
    });
    assert_eq!(ok, n);
    row(
        "nut-proto parse_reply, LIST VAR 1000 body",
        "line",
        n,
        allocs,
        bytes,
    );
    let (allocs, bytes, _) = count(|| {
        let mut words = 0usize;
        for l in &ls {
            let raw = String::from_utf8(black_box(l).to_vec()).unwrap();
            words += shell_words::split(&raw).unwrap().len();
        }
        words
    });
    row(
        "rups tokenizer (String + shell_words::split)",
        "line",
        n,
        allocs,
        bytes,
    );

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut store = Store::new();
    store.insert_ups(nut_benches::ups_with("small", 20));
    store.insert_ups(nut_benches::ups_with("big", 1000));
    let server = server_rt.block_on(Server::bind(store)).unwrap();
    let addr = server.addr();
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(10);
    let mut ours = rt
        .block_on(Client::connect(&addr.ip().to_string(), addr.port(), o))
        .unwrap();
    let cfg = rups::ConfigBuilder::new()
        .with_host(rups::Host::from(addr))
        .build();
    let mut peer = rt.block_on(rups::tokio::Connection::new(&cfg)).unwrap();
    const CALLS: u64 = 50;
    for (ups, vars) in [("small", 20u64), ("big", 1000)] {
        // Warm-up: buffers reach their working size first.
        assert_eq!(rt.block_on(ours.list_vars(ups)).unwrap().len() as u64, vars);
        assert_eq!(rt.block_on(peer.list_vars(ups)).unwrap().len() as u64, vars);
        let (allocs, bytes, _) = count(|| {
            for _ in 0..CALLS {
                black_box(rt.block_on(ours.list_vars(ups)).unwrap());
            }
        });
        row(
            &format!("nut-proto list_vars ({vars} vars), per call"),
            "call",
            CALLS,
            allocs,
            bytes,
        );
        row(
            &format!("nut-proto list_vars ({vars} vars), per var"),
            "var",
            CALLS * vars,
            allocs,
            bytes,
        );
        let (allocs, bytes, _) = count(|| {
            for _ in 0..CALLS {
                black_box(rt.block_on(peer.list_vars(ups)).unwrap());
            }
        });
        row(
            &format!("rups list_vars ({vars} vars), per call"),
            "call",
            CALLS,
            allocs,
            bytes,
        );
        row(
            &format!("rups list_vars ({vars} vars), per var"),
            "var",
            CALLS * vars,
            allocs,
            bytes,
        );
    }
    println!();
    server_rt.block_on(server.shutdown());
}
