//! Reply parsing and command encoding throughput (nut-proto).
//!
//! Over a `LIST VAR` block of N variables (N = 20, 1 000, 100 000):
//! - `list_var/parse/N`: line by line (memchr for the LF) with `parse_reply`, checking list
//!   membership as a client does: the per-line API, fast path included.
//! - `list_var/lines/N`: the same with `reply::lines` over the whole body: the whole-body API.
//! - `list_var/grammar/N`: line by line with `parse_reply_grammar`, the pure nom grammar without the
//!   fast path (what `parse_reply` was before the fast path): the "before" figure.
//! - `list_var/memchr_lines/N`: only finds the line ends with memchr: the ceiling any line-based
//!   parser can reach.
//! - `list_var/naive_split/N`: splits each line at its first three spaces and checks UTF-8, without
//!   validating quotes or escapes: a floor of work, not a correct parser.
//!
//! Throughput is in bytes; lines/s = bytes/s ÷ (body bytes / (N + 2)) (about 42 bytes per line here).
//! `encode` measures the command encoder (plain and quoted/escaped arguments) and the server's request
//! tokenizer.
//!
//! Run: `cargo bench -p nut-benches --bench parse`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nut_proto::command::Command;
use nut_proto::reply::{lines, parse_reply, parse_reply_grammar, ListHeader, ListKind, Reply};
use nut_proto::server::encode;
use nut_proto::server::request::parse_request_line;
use nut_proto::DEFAULT_MAX_LINE;

/// A `LIST VAR big` reply with `n` variables, shaped like real dumps (dotted names, short values, some
/// with spaces, a few with escapes).
fn list_var(n: usize) -> Vec<u8> {
    let h = ListHeader::new(ListKind::Var, Some("big"), None);
    let mut out = Vec::with_capacity(n * 48);
    encode::begin_list(&mut out, &h);
    for i in 0..n {
        let name = format!("device.section{}.value{}", i / 50, i % 50);
        let value = match i % 10 {
            0 => format!("OL CHRG {i}"),
            1 => format!("Model \"{i}\" \\ x"),
            _ => format!("{}.{}", i % 300, i % 10),
        };
        encode::var(&mut out, "big", &name, value.as_bytes());
    }
    encode::end_list(&mut out, &h);
    out
}

/// Counts the items of `list VAR big` in `body`, parsing each line with `parse`.
#[inline(always)]
fn parse_list_with<'a>(
    body: &'a [u8],
    parse: impl Fn(&'a [u8]) -> Result<Reply<'a>, nut_proto::ReplyError>,
) -> usize {
    let header = ListHeader::new(ListKind::Var, Some("big"), None);
    let mut items = 0usize;
    let mut start = 0usize;
    for end in memchr::memchr_iter(b'\n', body) {
        let line = &body[start..end];
        start = end + 1;
        match parse(line) {
            Ok(r @ Reply::Var { .. }) if r.belongs_to(&header) => items += 1,
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    items
}

fn parse_list(body: &[u8]) -> usize {
    parse_list_with(body, parse_reply)
}

fn parse_list_grammar(body: &[u8]) -> usize {
    parse_list_with(body, |l| parse_reply_grammar(l, DEFAULT_MAX_LINE))
}

fn parse_body(body: &[u8]) -> usize {
    let header = ListHeader::new(ListKind::Var, Some("big"), None);
    lines(body)
        .filter(|r| match r {
            Ok(r @ Reply::Var { .. }) => r.belongs_to(&header),
            Ok(_) => false,
            Err(e) => panic!("{e}"),
        })
        .count()
}

fn bench_list_var(c: &mut Criterion) {
    let mut group = c.benchmark_group("list_var");
    for n in [20usize, 1000, 100_000] {
        let body = list_var(n);
        assert_eq!(parse_list(&body), n);
        assert_eq!(parse_list_grammar(&body), n);
        assert_eq!(parse_body(&body), n);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &body, |b, body| {
            b.iter(|| parse_list(black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("lines", n), &body, |b, body| {
            b.iter(|| parse_body(black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("grammar", n), &body, |b, body| {
            b.iter(|| parse_list_grammar(black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("naive_split", n), &body, |b, body| {
            b.iter(|| {
                let mut k = 0usize;
                for line in black_box(body).split(|&c| c == b'\n') {
                    let mut it = line.splitn(4, |&c| c == b' ');
                    let _kw = it.next();
                    let u = it.next().unwrap_or_default();
                    let v = it.next().unwrap_or_default();
                    let val = it.next().unwrap_or_default();
                    if std::str::from_utf8(u).is_ok()
                        && std::str::from_utf8(v).is_ok()
                        && val.first() == Some(&b'"')
                    {
                        k += val.len();
                    }
                }
                k
            })
        });
        group.bench_with_input(BenchmarkId::new("memchr_lines", n), &body, |b, body| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(body)).count())
        });
    }
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let cmds = [
        (
            "get_var",
            Command::GetVar {
                ups: "myups",
                var: "ups.status",
            },
        ),
        (
            "set_var_quoted",
            Command::SetVar {
                ups: "myups",
                var: "device.model",
                value: b"Smart \"UPS\" 1500 \\ #2",
            },
        ),
    ];
    for (name, cmd) in cmds {
        let len = cmd.to_line().map(|l| l.len()).unwrap_or(0);
        group.throughput(Throughput::Bytes(len as u64));
        let mut out = Vec::with_capacity(128);
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                black_box(&cmd).encode(&mut out).map(|()| out.len())
            })
        });
    }
    let line = b"SET VAR myups device.model \"Smart \\\"UPS\\\" 1500\"\n";
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("server_tokenize_set_var", |b| {
        b.iter(|| parse_request_line(black_box(line)).map(|w| w.words().len()))
    });
    group.finish();
}

criterion_group!(benches, bench_list_var, bench_encode);
criterion_main!(benches);
