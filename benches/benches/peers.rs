//! nut-proto next to `rups` 0.6 (the published async Rust NUT client), side by side in one criterion
//! run so the ratio is measured, not claimed:
//!
//! * `peers/in_process/*`: `list_vars` over a kept connection, and connect + `list_vars`, against the
//!   embedded [`nut_proto::server::Server`] (20 variables, and the 478 of a real Eaton ePDU dump).
//! * `peers/real_upsd/*`: the same against Debian's upsd 2.8 + dummy-ups (skipped with a message when
//!   NUT is not installed). nut-proto is run with its default QUICKACK re-arm and without it.
//! * `peers/parse/*`: the reply bytes of a 1000-variable `LIST VAR`. rups keeps its reply parser
//!   crate-private (`Response::from_args`); what it does per line is read into a fresh `String` and
//!   split it with `shell_words::split` into a `Vec<String>`. That tokenizer step is measured here as
//!   the rups figure, so it is a lower bound of rups's parse cost.
//!
//! Both clients run on the same current-thread tokio runtime; the embedded server runs on its own
//! one-worker runtime.
//!
//! Run: `cargo bench -p nut-benches --bench peers`

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nut_benches::{lines, list_var_body};
use nut_lab::{Lab, LabConfig};
use nut_proto::client::{Client, Options};
use nut_proto::reply::parse_reply;
use nut_proto::server::{Server, ServerHandle, Store, UpsData};

fn opts(quickack: bool) -> Options {
    let mut o = Options::default();
    o.quickack = quickack;
    o.request_timeout = Duration::from_secs(10);
    o
}

fn client_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn rups_config(addr: SocketAddr) -> rups::Config {
    rups::ConfigBuilder::new()
        .with_host(rups::Host::from(addr))
        .with_timeout(Duration::from_secs(10))
        .build()
}

/// The two UPSes every part serves: `small` (20 variables of a real UPS dump) and `epdu` (a real
/// 478-variable Eaton ePDU dump).
fn devs() -> Vec<(&'static str, Vec<u8>)> {
    let epdu = std::fs::read(nut_benches::data_file("client-eaton-epdu-ma-1p.dev")).unwrap();
    vec![("small", nut_benches::dev_with(20)), ("epdu", epdu)]
}

/// Benchmarks `list_vars` on a kept connection, nut-proto (QUICKACK on and, if `with_plain`, off)
/// next to rups, for each UPS.
fn list_vars_side_by_side(
    c: &mut Criterion,
    group: &str,
    addr: SocketAddr,
    upses: &[(&str, usize)],
    slow: bool,
) {
    let rt = client_rt();
    let mut quick = rt
        .block_on(Client::connect(
            &addr.ip().to_string(),
            addr.port(),
            opts(true),
        ))
        .unwrap();
    let mut plain = rt
        .block_on(Client::connect(
            &addr.ip().to_string(),
            addr.port(),
            opts(false),
        ))
        .unwrap();
    let mut peer = rt
        .block_on(rups::tokio::Connection::new(&rups_config(addr)))
        .unwrap();
    let mut g = c.benchmark_group(group);
    if slow {
        // Against real upsd a client without QUICKACK waits ~40 ms for delayed ACKs per list.
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(5));
    }
    for (ups, n) in upses {
        // Same variables from both clients, or the comparison is void.
        let ours = rt.block_on(quick.list_vars(ups)).unwrap();
        let theirs = rt.block_on(peer.list_vars(ups)).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{ups}: clients disagree");
        println!(
            "{group}: {ups} has {} variables (expected about {n})",
            ours.len()
        );
        g.throughput(Throughput::Elements(ours.len() as u64));
        g.bench_function(BenchmarkId::new("nut-proto", ups), |b| {
            b.iter(|| rt.block_on(quick.list_vars(ups)).unwrap())
        });
        g.bench_function(BenchmarkId::new("nut-proto-noquickack", ups), |b| {
            b.iter(|| rt.block_on(plain.list_vars(ups)).unwrap())
        });
        g.bench_function(BenchmarkId::new("rups", ups), |b| {
            b.iter(|| rt.block_on(peer.list_vars(ups)).unwrap())
        });
    }
    g.finish();

    // A fresh connection per poll, as a one-shot command (nutctl status, upsc) does.
    let mut g = c.benchmark_group(format!("{group}/connect_list"));
    if slow {
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(5));
    }
    let (ups, _) = upses[0];
    let host = addr.ip().to_string();
    g.bench_function(BenchmarkId::new("nut-proto", ups), |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut cl = Client::connect(&host, addr.port(), opts(true))
                    .await
                    .unwrap();
                cl.list_vars(ups).await.unwrap()
            })
        })
    });
    g.bench_function(BenchmarkId::new("rups", ups), |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut cl = rups::tokio::Connection::new(&rups_config(addr))
                    .await
                    .unwrap();
                cl.list_vars(ups).await.unwrap()
            })
        })
    });
    g.finish();
}

fn in_process(c: &mut Criterion) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut store = Store::new();
    for (name, dev) in devs() {
        store.insert_ups(UpsData::from_dev(name, dev));
    }
    let server: ServerHandle = server_rt.block_on(Server::bind(store)).unwrap();
    list_vars_side_by_side(
        c,
        "peers/in_process/list_vars",
        server.addr(),
        &[("small", 20), ("epdu", 478)],
        false,
    );
    server_rt.block_on(server.shutdown());
}

fn real_upsd(c: &mut Criterion) {
    let devs = devs();
    let cfg = devs
        .iter()
        .fold(LabConfig::new().prefix("nutbench-lab."), |c, (n, d)| {
            c.ups(n, d.clone())
        });
    // Benchmarks never fail for a missing daemon: they measure what they can.
    let lab = match Lab::try_start(cfg) {
        Ok(lab) => lab,
        Err(e) => {
            println!("skipped: real upsd benchmarks not run: {e}");
            return;
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], lab.port));
    // dummy-ups adds its own driver.* variables to what the .dev file holds.
    list_vars_side_by_side(
        c,
        "peers/real_upsd/list_vars",
        addr,
        &[("small", 20), ("epdu", 478)],
        true,
    );
    drop(lab);
}

fn parse(c: &mut Criterion) {
    let body = list_var_body("ups", 1000);
    let ls = lines(&body);
    let mut g = c.benchmark_group("peers/parse/list_var_1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("nut-proto/parse_reply", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for l in &ls {
                ok += parse_reply(black_box(l)).is_ok() as usize;
            }
            assert_eq!(ok, ls.len());
            ok
        })
    });
    g.bench_function("rups/shell_words_split", |b| {
        b.iter(|| {
            let mut words = 0usize;
            for l in &ls {
                // rups: read_line into a String, then shell_words::split into Vec<String>.
                let raw = String::from_utf8(black_box(l).to_vec()).unwrap();
                words += shell_words::split(&raw).unwrap().len();
            }
            words
        })
    });
    g.finish();
}

criterion_group!(benches, parse, in_process, real_upsd);
criterion_main!(benches);
