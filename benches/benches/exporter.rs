//! One exporter scrape: `nut_diagnose::fleet::Poller::poll_all` over 1, 100 and 1 000 UPSes, what
//! `nutctl exporter` does per `/metrics` request before rendering (goal: 1 000 UPSes well under
//! Prometheus' usual 10 s scrape timeout on 2 cores).
//!
//! Layouts, every server in-process (nut-proto's embeddable server on a separate one-worker
//! runtime), every UPS a real 32-variable dump (APC Back-UPS CS 500), each judged by the status
//! and threshold tables:
//!
//! * `loopback/1`: 1 server × 1 UPS; `loopback/100`: 10 servers × 10 UPSes;
//!   `loopback/1000`: 100 servers × 10 UPSes.
//!
//! Connections are kept between scrapes, as the exporter keeps them; the first (connecting) scrape
//! is done before measuring.
//!
//! The latency case (`latency/…`) needs the delayed link of `../shared/tools/latency/wire.sh up
//! 10000` (namespaces lat-c and lat-s, 10 ms each way) and `NUTCTL_BIN` pointing at a built
//! `nutctl`; the bench must itself run inside lat-c:
//!
//! ```text
//! bash ../shared/tools/latency/wire.sh up 10000
//! cargo bench -p nut-benches --bench exporter --no-run
//! NUTCTL_BIN=$PWD/target/release/nutctl ip netns exec lat-c \
//!     target/release/deps/exporter-<hash> --bench latency
//! bash ../shared/tools/latency/wire.sh down
//! ```
//!
//! It starts `nutctl serve` processes in lat-s (10 addresses × up to 10 ports, 10 UPSes each) and
//! measures scrapes of 10 and 1 000 UPSes across the link; without the link it prints why and
//! measures the rest.
//!
//! Run: `cargo bench -p nut-benches --bench exporter -- --measurement-time 5`

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nut_diagnose::fleet::{FleetTarget, Poller};
use nut_diagnose::knowledge::Thresholds;
use nut_proto::client::Options;
use nut_proto::server::{Server, ServerHandle, Store, UpsData};

fn dev() -> Vec<u8> {
    let path = nut_benches::data_file("client-apc-back-ups-cs500.dev");
    std::fs::read(&path).unwrap_or_else(|e| panic!("bench data {}: {e}", path.display()))
}

fn poller(targets: Vec<String>) -> Poller {
    let targets = targets
        .iter()
        .map(|t| FleetTarget::parse(t).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    Poller::new(
        targets,
        Options::default(),
        Thresholds::default(),
        Duration::from_secs(10),
    )
}

/// `servers` in-process servers with `per` UPSes each.
fn fleet(rt: &tokio::runtime::Runtime, servers: usize, per: usize) -> (Vec<ServerHandle>, Poller) {
    let dev = dev();
    let mut handles = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..servers {
        let mut store = Store::new();
        for i in 0..per {
            store.insert_ups(UpsData::from_dev(&format!("ups{i}"), &dev));
        }
        let h = rt
            .block_on(Server::bind(store))
            .unwrap_or_else(|e| panic!("bind: {e}"));
        targets.push(format!("127.0.0.1:{}", h.addr().port()));
        handles.push(h);
    }
    (handles, poller(targets))
}

/// Scrapes once and checks every UPS was read.
fn check(rt: &tokio::runtime::Runtime, p: &Poller, want: usize) {
    let s = rt.block_on(p.poll_all());
    let read = s.ups().filter(|(_, u)| u.error.is_none()).count();
    assert!(s.targets.iter().all(|t| t.up), "{:?}", s.targets[0].error);
    assert_eq!(read, want, "UPSes read");
}

fn loopback(c: &mut Criterion) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // The exporter's own runtime: nutctl runs a 2-worker multi-thread runtime.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("exporter/loopback");
    g.sample_size(10);
    for (servers, per) in [(1, 1), (10, 10), (100, 10)] {
        let (_servers, p) = fleet(&server_rt, servers, per);
        check(&rt, &p, servers * per);
        g.bench_with_input(BenchmarkId::from_parameter(servers * per), &p, |b, p| {
            b.iter(|| rt.block_on(p.poll_all()))
        });
    }
    g.finish();
}

/// `nutctl serve` processes in lat-s, killed by PID on drop.
struct Remote(Vec<Child>);

impl Drop for Remote {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn latency_setup() -> Result<PathBuf, String> {
    let bin = std::env::var_os("NUTCTL_BIN")
        .map(PathBuf::from)
        .ok_or("NUTCTL_BIN is not set")?;
    let netns = std::fs::read_link("/proc/self/ns/net").map_err(|e| e.to_string())?;
    let lat_c = std::fs::metadata("/var/run/netns/lat-c").map_err(|_| {
        "no namespace lat-c: run `bash ../shared/tools/latency/wire.sh up 10000` first".to_string()
    })?;
    use std::os::unix::fs::MetadataExt;
    let own = std::fs::metadata("/proc/self/ns/net").map_err(|e| e.to_string())?;
    if own.ino() != lat_c.ino() {
        return Err(format!(
            "not running inside lat-c (this is {netns:?}): run the bench with `ip netns exec lat-c`"
        ));
    }
    Ok(bin)
}

/// Servers in lat-s: `servers` of them, 10 UPSes each, on 10.77.0.1-10 ports 3493+.
fn remote(bin: &PathBuf, servers: usize, dir: &std::path::Path) -> (Remote, Vec<String>) {
    let dev = dev();
    let mut devs = Vec::new();
    for i in 0..10 {
        let f = dir.join(format!("ups{i}.dev"));
        std::fs::write(&f, &dev).unwrap_or_else(|e| panic!("{e}"));
        devs.push(f);
    }
    let mut children = Vec::new();
    let mut targets = Vec::new();
    for k in 0..servers {
        let addr = format!("10.77.0.{}:{}", 1 + k % 10, 3493 + k / 10);
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", "lat-s"])
            .arg(bin)
            .args(["serve", "--listen", &addr]);
        for d in &devs {
            cmd.arg("--dev").arg(d);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn nutctl serve: {e}"));
        children.push(child);
        targets.push(addr);
    }
    (Remote(children), targets)
}

fn latency(c: &mut Criterion) {
    let bin = match latency_setup() {
        Ok(b) => b,
        Err(why) => {
            println!("exporter/latency skipped: {why}");
            return;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("exporter/latency");
    g.sample_size(10);
    for servers in [1, 100] {
        let (_remote, targets) = remote(&bin, servers, dir.path());
        let p = poller(targets);
        // The servers start in the background: wait (bounded) until every one answers.
        let mut ready = false;
        for _ in 0..100 {
            let s = rt.block_on(p.poll_all());
            if s.targets.iter().all(|t| t.up) {
                ready = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(ready, "the servers in lat-s never all answered");
        check(&rt, &p, servers * 10);
        g.bench_with_input(BenchmarkId::from_parameter(servers * 10), &p, |b, p| {
            b.iter(|| rt.block_on(p.poll_all()))
        });
    }
    g.finish();
}

criterion_group!(benches, loopback, latency);
criterion_main!(benches);
