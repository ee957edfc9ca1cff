//! `parse_reply` allocates nothing per line: a counting global allocator (this test binary only)
//! watches the parse of a 1000-variable `LIST VAR` body built from a real device dump, plus one line of
//! every other reply kind. Deterministic: counts, not times.
//!
//! The one documented exception, an `ERR` code this crate does not know (kept as an owned string), is
//! checked to allocate, which also proves the counter is live.
#![allow(clippy::unwrap_used)]
// helpers outside #[test] fns; clippy.toml covers the tests themselves
// A global allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use nut_proto::reply::{parse_reply, Reply};

struct Counting;

thread_local! {
    // const-initialised without destructor: touching it never allocates. Per thread, so other test
    // threads of the harness do not disturb the count.
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn count<R>(f: impl FnOnce() -> R) -> (u64, R) {
    ALLOCS.with(|a| a.set(0));
    ON.with(|on| on.set(true));
    let r = f();
    ON.with(|on| on.set(false));
    (ALLOCS.with(Cell::get), r)
}

/// `BEGIN LIST VAR`, one `VAR` line per variable of a real dump cycled to 1000 (values escaped as upsd
/// does), `END LIST VAR`.
fn list_var_body() -> Vec<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/client-apc-back-ups-cs500.dev");
    let text = std::fs::read_to_string(path).unwrap();
    let pairs: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(": "))
        .collect();
    assert!(pairs.len() >= 30, "the dump has {} variables", pairs.len());
    let mut lines = vec![b"BEGIN LIST VAR ups".to_vec()];
    for i in 0..1000 {
        let (name, value) = pairs[i % pairs.len()];
        let value = value.replace('\\', "\\\\").replace('"', "\\\"");
        lines.push(format!("VAR ups {name}.{i} \"{value}\"").into_bytes());
    }
    lines.push(b"END LIST VAR ups".to_vec());
    lines
}

const OTHER_KINDS: &[&str] = &[
    "RW ups input.transfer.low \"180\"",
    "ENUM ups input.transfer.low \"180\"",
    "RANGE ups input.transfer.low \"160\" \"190\"",
    "TYPE ups ups.status RW ENUM STRING:32",
    "TYPE ups battery.charge NUMBER",
    "DESC ups ups.status \"UPS status\"",
    "CMDDESC ups load.off \"Turn off the load immediately\"",
    "UPSDESC ups \"Lab UPS \\\"quoted\\\"\"",
    "NUMLOGINS ups 2",
    "UPS ups \"Lab UPS\"",
    "CMD ups load.off",
    "CLIENT ups 127.0.0.1",
    "BEGIN LIST RANGE ups input.transfer.low",
    "END LIST ENUM ups input.transfer.low",
    "OK",
    "OK Goodbye",
    "OK TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2",
    "ERR VAR-NOT-SUPPORTED",
    "ERR ACCESS-DENIED",
    "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/",
    "VAR ups ups.status \"OL CHRG\"\r",
];

#[test]
fn parse_reply_allocates_nothing_per_line() {
    let body = list_var_body();
    let (allocs, vars) = count(|| {
        let mut vars = 0usize;
        for line in &body {
            match black_box(parse_reply(black_box(line))).unwrap() {
                Reply::Var { .. } => vars += 1,
                Reply::BeginList(_) | Reply::EndList(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        vars
    });
    assert_eq!(vars, 1000);
    assert_eq!(
        allocs, 0,
        "parse_reply allocated {allocs} times over 1002 lines"
    );

    for line in OTHER_KINDS {
        let (allocs, reply) = count(|| black_box(parse_reply(line.as_bytes())).is_ok());
        assert!(reply, "{line} did not parse");
        assert_eq!(
            allocs, 0,
            "parse_reply allocated {allocs} times on {line:?}"
        );
    }
}

#[test]
fn unknown_err_code_is_the_documented_allocation() {
    let (allocs, ok) = count(|| black_box(parse_reply(b"ERR SOMETHING-NEW extra")).is_ok());
    assert!(ok);
    assert!(allocs >= 1, "the counter saw no allocation: not installed?");
}
