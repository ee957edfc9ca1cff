//! A counting global allocator for allocation benchmarks. Install it in a bench binary with
//! `#[global_allocator] static A: Counting = Counting;` and wrap the code under test in [`count`].
//!
//! Only allocations made on the calling thread while [`count`] runs are counted, so an in-process
//! server on another thread (or criterion's own bookkeeping) does not pollute the figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator plus a per-thread allocation counter.
pub struct Counting;

thread_local! {
    // const-initialised, no destructor: accessing it never allocates, so it is safe inside the
    // allocator.
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
            let _ = BYTES.try_with(|b| b.set(b.get() + size as u64));
        }
    });
}

// SAFETY: every method forwards to `System` unchanged; the counter only touches const thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocation calls (alloc, alloc_zeroed and realloc) and bytes requested on this thread while `f`
/// ran, with `f`'s result. Meaningful only when [`Counting`] is the global allocator.
pub fn count<R>(f: impl FnOnce() -> R) -> (u64, u64, R) {
    ALLOCS.with(|a| a.set(0));
    BYTES.with(|b| b.set(0));
    ON.with(|on| on.set(true));
    let r = f();
    ON.with(|on| on.set(false));
    (ALLOCS.with(Cell::get), BYTES.with(Cell::get), r)
}
