//! nut-config parsing speed: NUT's sample set (read from ../shared at bench time, skipped when absent)
//! and large generated upsmon.conf / ups.conf files. Criterion reports bytes/s.
//!
//! Run: `cargo bench -p nut-benches --bench config`

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use nut_config::files::nut_conf::NutConf;
use nut_config::files::ups_conf::UpsConf;
use nut_config::files::upsd_conf::UpsdConf;
use nut_config::files::upsd_users::UpsdUsers;
use nut_config::files::upsmon_conf::UpsmonConf;
use nut_config::files::upssched_conf::UpsschedConf;
use nut_config::{Document, ErrorKind, FileKind, Severity};

fn samples() -> Vec<(FileKind, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/nut-samples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(FileKind, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            std::fs::read(e.path())
                .ok()
                .map(|b| (FileKind::from_file_name(&name), b))
        })
        .collect();
    out.sort_by_key(|(_, b)| b.len());
    out
}

/// Parses a file and builds its typed view, as `ConfigDir` does.
fn parse_and_view(kind: FileKind, bytes: &[u8]) -> usize {
    let doc = Document::parse(kind, "bench", bytes);
    let n = match kind {
        FileKind::NutConf => NutConf::from_document(&doc).diagnostics.len(),
        FileKind::UpsConf => UpsConf::from_document(&doc).diagnostics.len(),
        FileKind::UpsdConf => UpsdConf::from_document(&doc).diagnostics.len(),
        FileKind::UpsdUsers => UpsdUsers::from_document(&doc).diagnostics.len(),
        FileKind::UpsmonConf => UpsmonConf::from_document(&doc).diagnostics.len(),
        FileKind::UpsschedConf => UpsschedConf::from_document(&doc).diagnostics.len(),
        FileKind::Other => doc.diagnostics().len(),
    };
    n + doc.lines().len()
}

fn big_upsmon(monitors: usize) -> Vec<u8> {
    let mut s = String::from(
        "# generated for the benchmark\nMINSUPPLIES 1\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n",
    );
    for i in 0..monitors {
        s.push_str(&format!(
            "# UPS number {i} in rack {}\nMONITOR ups{i}@host{}.example.lan:3493 1 monuser \"pw {i}\" {}\n\n",
            i % 40,
            i % 97,
            if i % 2 == 0 { "primary" } else { "secondary" }
        ));
    }
    s.into_bytes()
}

fn big_ups_conf(sections: usize) -> Vec<u8> {
    let mut s = String::from("maxretry = 3\npollinterval = 2\n\n");
    for i in 0..sections {
        s.push_str(&format!(
            "# cabinet {i}\n[ups{i}]\n\tdriver = usbhid-ups\n\tport = auto\n\tdesc = \"Cabinet {i} UPS\"\n\tvendorid = 0463\n\toverride.battery.charge.low = 30\n\tsdorder = {}\n\n",
            i % 3
        ));
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("config");
    let samples = samples();
    if samples.is_empty() {
        println!("skipped: no ../shared (sample set)");
    } else {
        let total: usize = samples.iter().map(|(_, b)| b.len()).sum();
        g.throughput(Throughput::Bytes(total as u64));
        g.bench_function("samples/parse+view", |b| {
            b.iter(|| {
                samples
                    .iter()
                    .map(|(k, bytes)| parse_and_view(*k, black_box(bytes)))
                    .sum::<usize>()
            })
        });
        g.bench_function("samples/render_redacted", |b| {
            let docs: Vec<Document> = samples
                .iter()
                .map(|(k, bytes)| Document::parse(*k, "bench", bytes))
                .collect();
            b.iter(|| {
                docs.iter()
                    .map(|d| d.render_redacted().len())
                    .sum::<usize>()
            })
        });
    }
    for (name, kind, bytes) in [
        (
            "upsmon.conf/2000-monitors",
            FileKind::UpsmonConf,
            big_upsmon(2000),
        ),
        (
            "ups.conf/1000-sections",
            FileKind::UpsConf,
            big_ups_conf(1000),
        ),
    ] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{name}/parse+view"), |b| {
            b.iter(|| parse_and_view(kind, black_box(&bytes)))
        });
        g.bench_function(format!("{name}/document-only"), |b| {
            b.iter(|| {
                Document::parse(kind, "bench", black_box(&bytes))
                    .lines()
                    .len()
            })
        });
    }
    g.finish();
    snippets(c);
}

/// `Document::snippet` (the source line under a diagnostic, redacted) on a 200- and a 2 000-line
/// upsmon.conf, for a diagnostic near the end: its cost should follow the line, not the file.
fn snippets(c: &mut Criterion) {
    let mut g = c.benchmark_group("config/snippet");
    for monitors in [67, 667] {
        let bytes = big_upsmon(monitors);
        let doc = Document::parse(FileKind::UpsmonConf, "upsmon.conf", &bytes);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        // The last MONITOR line: its password is redacted in the snippet.
        let index = doc.lines().len() - 2;
        let err = doc.error_at(index, 8, Severity::Error, ErrorKind::NulByte);
        g.bench_function(format!("upsmon.conf/{lines}-lines"), |b| {
            b.iter(|| doc.snippet(black_box(&err)).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
