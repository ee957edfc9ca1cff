//! The async client's `LIST VAR` against the real upsd (Debian's upsd + dummy-ups, started here with
//! the workspace's `nut-lab` harness), with the QUICKACK re-arm on and off, plus sequential versus
//! pipelined `GET VAR`.
//!
//! `cargo bench -p nut-benches --bench client`. Without NUT installed the real-upsd group is skipped.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nut_proto::client::{Client, Options};

use nut_benches::data_file;
use nut_lab::{Lab, LabConfig};

fn opts(quickack: bool) -> Options {
    let mut o = Options::default();
    o.quickack = quickack;
    o.request_timeout = Duration::from_secs(10);
    o
}

fn real_upsd(c: &mut Criterion) {
    if !nut_lab::installed() {
        println!("skipped: no NUT installed");
        return;
    }
    let Some(lab) = Lab::start(
        LabConfig::new()
            .prefix("nutproto-lab.")
            .dev_file(data_file("client-apc-back-ups-cs500.dev"))
            .dev_file(data_file("client-eaton-epdu-ma-1p.dev")),
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let target = nut_proto::Target::new(lab.ups(0), "127.0.0.1", lab.port);
    let mut quick = rt
        .block_on(Client::connect_target(&target, opts(true)))
        .unwrap();
    let mut plain = rt
        .block_on(Client::connect_target(&target, opts(false)))
        .unwrap();
    let vars = rt.block_on(quick.list_vars("lab0")).unwrap();
    println!("LIST VAR lab0: {} variables", vars.len());
    let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    let mut g = c.benchmark_group("real_upsd/list_var");
    g.throughput(Throughput::Elements(1));
    g.bench_function("quickack", |b| {
        b.iter(|| rt.block_on(quick.list_vars("lab0")).unwrap())
    });
    // ~43 ms per list: keep the sample count at criterion's minimum.
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("plain", |b| {
        b.iter(|| rt.block_on(plain.list_vars("lab0")).unwrap())
    });
    g.finish();

    // A large list (an ePDU with ~480 variables): several Nagle rounds per list without QUICKACK.
    let big = rt.block_on(quick.list_vars("lab1")).unwrap().len();
    println!("LIST VAR lab1: {big} variables");
    let mut g = c.benchmark_group("real_upsd/list_var_large");
    g.throughput(Throughput::Elements(1));
    g.bench_function("quickack", |b| {
        b.iter(|| rt.block_on(quick.list_vars("lab1")).unwrap())
    });
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("plain", |b| {
        b.iter(|| rt.block_on(plain.list_vars("lab1")).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("real_upsd/get_all_vars");
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("sequential", |b| {
        b.iter(|| {
            rt.block_on(async {
                for n in &names {
                    quick.get_var("lab0", n).await.unwrap();
                }
            })
        })
    });
    g.bench_function("pipelined", |b| {
        b.iter(|| {
            rt.block_on(quick.get_vars_pipelined("lab0", &names))
                .unwrap()
        })
    });
    g.finish();
    drop(lab);
}

/// The same client against the crate's embedded server (one `write()` per reply, so no Nagle stall
/// even without QUICKACK): the client's own cost with the server in the same process.
fn in_process(c: &mut Criterion) {
    use nut_proto::server::{Server, Store};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dev = std::fs::read(data_file("client-apc-back-ups-cs500.dev")).unwrap();
    let server = rt
        .block_on(Server::bind(Store::from_dev("lab0", dev)))
        .unwrap();
    let addr = server.addr();
    let connect = |quickack: bool| {
        rt.block_on(Client::connect(
            &addr.ip().to_string(),
            addr.port(),
            opts(quickack),
        ))
        .unwrap()
    };
    let mut quick = connect(true);
    let mut plain = connect(false);
    let n = rt.block_on(quick.list_vars("lab0")).unwrap().len();
    println!("in-process LIST VAR lab0: {n} variables");
    let mut g = c.benchmark_group("in_process/list_var");
    g.throughput(Throughput::Elements(1));
    g.bench_function("quickack", |b| {
        b.iter(|| rt.block_on(quick.list_vars("lab0")).unwrap())
    });
    g.bench_function("plain", |b| {
        b.iter(|| rt.block_on(plain.list_vars("lab0")).unwrap())
    });
    g.finish();
    drop(server);
}

criterion_group!(benches, real_upsd, in_process);
criterion_main!(benches);
