//! Polling N UPSes at once with nut-proto's client, N = 1, 10, 100, reported as total time and as a
//! ratio to one poll (goal: 100 UPSes in at most 2x the time of one).
//!
//! One poll = connect + `LIST VAR` of a 20-variable UPS + drop the connection, what a monitoring sweep
//! does per UPS. All N polls are spawned at once on one current-thread tokio runtime (the client side)
//! and awaited together. Two server layouts, both in-process on a separate one-worker runtime:
//!
//! * `n_servers`: N embedded servers on N loopback ports, one UPS each (N hosts).
//! * `one_server`: one embedded server holding N UPSes, N connections (one upsd, N devices).
//!
//! Caveat for reading the ratio: the servers share the machine's cores with the client, so for large N
//! the figure includes the servers' work too (a real fleet would answer in parallel on its own CPUs).
//!
//! Run: `cargo bench -p nut-benches --bench concurrency`

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nut_proto::client::{Client, Options};
use nut_proto::server::{Server, ServerHandle, Store};
use tokio::task::JoinSet;

const NS: [usize; 3] = [1, 10, 100];

fn opts() -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(10);
    o
}

/// Polls every `(addr, ups)` concurrently; returns the number of variables read in total.
async fn poll_all(targets: &[(SocketAddr, String)]) -> usize {
    let mut set = JoinSet::new();
    for (addr, ups) in targets {
        let (addr, ups) = (*addr, ups.clone());
        set.spawn(async move {
            let mut c = Client::connect(&addr.ip().to_string(), addr.port(), opts())
                .await
                .unwrap();
            c.list_vars(&ups).await.unwrap().len()
        });
    }
    let mut total = 0;
    while let Some(n) = set.join_next().await {
        total += n.unwrap();
    }
    total
}

struct Layout {
    name: &'static str,
    servers: Vec<ServerHandle>,
    targets: Vec<(SocketAddr, String)>,
}

fn layouts(server_rt: &tokio::runtime::Runtime, n: usize) -> [Layout; 2] {
    let mut servers = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..n {
        let mut store = Store::new();
        store.insert_ups(nut_benches::ups_with("ups", 20));
        let s = server_rt.block_on(Server::bind(store)).unwrap();
        targets.push((s.addr(), "ups".to_string()));
        servers.push(s);
    }
    let many = Layout {
        name: "n_servers",
        servers,
        targets,
    };
    let mut store = Store::new();
    for i in 0..n {
        store.insert_ups(nut_benches::ups_with(&format!("ups{i}"), 20));
    }
    let s = server_rt.block_on(Server::bind(store)).unwrap();
    let targets = (0..n).map(|i| (s.addr(), format!("ups{i}"))).collect();
    let one = Layout {
        name: "one_server",
        servers: vec![s],
        targets,
    };
    [many, one]
}

fn median_poll(rt: &tokio::runtime::Runtime, targets: &[(SocketAddr, String)]) -> Duration {
    let mut times: Vec<Duration> = (0..41)
        .map(|_| {
            let t = Instant::now();
            rt.block_on(poll_all(targets));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn bench(c: &mut Criterion) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let all: Vec<(usize, [Layout; 2])> = NS.iter().map(|&n| (n, layouts(&server_rt, n))).collect();
    for (n, ls) in &all {
        for l in ls {
            assert_eq!(
                rt.block_on(poll_all(&l.targets)),
                n * 20,
                "{} N={n}",
                l.name
            );
        }
    }
    for which in 0..2 {
        let mut g = c.benchmark_group(format!("concurrency/{}", all[0].1[which].name));
        for (n, ls) in &all {
            let l = &ls[which];
            g.bench_with_input(BenchmarkId::from_parameter(n), &l.targets, |b, t| {
                b.iter(|| rt.block_on(poll_all(t)))
            });
        }
        g.finish();
    }
    // The ratio table (medians of 41 sweeps each, measured here so the ratio is in one run).
    println!("\nconcurrent poll (connect + LIST VAR of 20 vars), median of 41 sweeps:");
    println!(
        "{:<12} {:>5} {:>12} {:>10}",
        "layout", "N", "total", "ratio N/1"
    );
    for which in 0..2 {
        let mut base = None;
        for (n, ls) in &all {
            let l = &ls[which];
            let t = median_poll(&rt, &l.targets).as_secs_f64();
            // N = 1 comes first: it is the base of its own layout's ratios.
            let b = *base.get_or_insert(t);
            println!(
                "{:<12} {:>5} {:>9.1} µs {:>9.2}x",
                l.name,
                n,
                t * 1e6,
                t / b
            );
        }
    }
    println!();
    for (_, ls) in all {
        for l in ls {
            for s in l.servers {
                server_rt.block_on(s.shutdown());
            }
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
