//! Timeline throughput on a generated multi-million-line journal, next to a plain line count (the floor:
//! what it costs just to find the line ends).
//!
//! The journal is generated here, never committed: 2 million `-o short-iso` lines mixing the upsmon
//! messages of real outages (driver loss floods, connection refusals, on battery / on line power, FSD)
//! with foreign lines (sshd, kernel) and a few lines no template knows.
//!
//! Run: `cargo bench -p nut-benches --bench logs` (the whole-process comparison with `grep -cE` on a
//! syslog of the same size is in BENCHMARKS.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nut_diagnose::knowledge::log_patterns;
use nut_diagnose::{logs, timeline};

const LINES: usize = 2_000_000;

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs each benchmark once without it, and
/// there a small journal is enough to prove the code runs.
fn lines() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        LINES
    } else {
        20_000
    }
}

fn journal() -> Vec<u8> {
    let total = lines();
    let mut out = Vec::with_capacity(total * 100);
    let mut t: i64 = 1_795_706_401;
    let mut i = 0;
    while i < total {
        // One cycle of 100 lines: an outage, a driver loss flood, chatter.
        for k in 0..100 {
            t += 3;
            let sod = t % 86_400;
            let stamp = format!(
                "2026-11-{:02}T{:02}:{:02}:{:02}+0000",
                26 + (t - 1_795_706_401) / 86_400 % 3,
                sod / 3600,
                sod / 60 % 60,
                sod % 60
            );
            let ups = ["ups@nas", "rack@192.168.1.10:3493", "pi@127.0.0.1:34930"][(i / 100) % 3];
            let line = match k {
                0 => format!("{stamp} nas upsmon[812]: UPS {ups} on battery"),
                1 => format!("{stamp} nas upsmon[812]: UPS {ups} on line power"),
                2 => format!("{stamp} nas upsmon[812]: Poll UPS [{ups}] failed - Driver not connected"),
                3 => format!("{stamp} nas upsmon[812]: Communications with UPS {ups} lost"),
                4..=40 => format!("{stamp} nas upsmon[812]: Poll UPS [{ups}] failed - Data stale"),
                41 => format!("{stamp} nas upsmon[812]: UPS {ups} is unavailable"),
                42..=50 => format!("{stamp} nas upsmon[812]: UPS [{ups}]: connect failed: Connection failure: Connection refused"),
                51 => format!("{stamp} nas upsmon[812]: Communications with UPS {ups} established"),
                52..=80 => format!("{stamp} nas sshd[4242]: Accepted publickey for admin from 192.0.2.7 port 50022 ssh2"),
                81..=95 => format!("{stamp} nas kernel: usb 1-1: new full-speed USB device number 3 using xhci_hcd"),
                96 => format!("{stamp} nas upsd[700]: Data for UPS [ups] is stale - check driver"),
                97 => format!("{stamp} nas upsd[700]: UPS [ups] data is no longer stale"),
                98 => format!("{stamp} nas upsmon[812]: something this table has never seen"),
                _ => format!("{stamp} nas upsmon[812]: Login on UPS [{ups}] failed - got [ERR ACCESS-DENIED]"),
            };
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            i += 1;
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = journal();
    let mut g = c.benchmark_group("logs");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("line_count", |b| {
        b.iter(|| memchr::memchr_iter(b'\n', &data).count())
    });
    // The message table's prefilter alone: every anchor of the journal found, as LogReader::feed
    // walks a chunk (the floor of what reading costs past the line count).
    g.bench_function("prefilter", |b| {
        b.iter(|| {
            let mut n = 0u32;
            let mut walk = log_patterns::Cursor::new(&data);
            let mut next = walk.next_from(0);
            while let Some((at, _)) = next {
                n += 1;
                next = walk.next_from(at + 1);
            }
            n
        })
    });
    g.bench_function("parse", |b| {
        b.iter(|| logs::events(&data).filter(|(_, e)| e.is_ok()).count())
    });
    g.bench_function("timeline", |b| {
        b.iter(|| timeline::timeline(&data).episodes.len())
    });
    // The streaming reader fed 256 KiB chunks, then the findings (stdin, journalctl, --follow).
    g.bench_function("reader", |b| {
        b.iter(|| {
            let mut r = logs::reader::LogReader::new(logs::reader::ReadOptions::default());
            for chunk in data.chunks(256 * 1024) {
                r.feed(chunk);
            }
            r.judge(None).findings.len()
        })
    });
    // What `nutctl logs FILE` runs: the file read with the scan on one thread per CPU ahead of the
    // reader, then the findings.
    let path = std::env::temp_dir().join(format!("nutctl-bench-logs-{}.log", std::process::id()));
    if std::fs::write(&path, &data).is_ok() {
        if let Ok(file) = std::fs::File::open(&path) {
            g.bench_function("read_file", |b| {
                b.iter(|| {
                    let mut r = logs::reader::LogReader::new(logs::reader::ReadOptions::default());
                    let read = logs::reader::read_file(&file, &mut r);
                    (read.is_ok(), r.judge(None).findings.len())
                })
            });
        }
        let _ = std::fs::remove_file(&path);
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
