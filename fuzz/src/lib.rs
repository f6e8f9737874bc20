//! What every fuzz target shares: the body runs on a thread with the page's stack.
//!
//! Natively a thread has 8 MB of stack; the page's wasm has about 1 MB. A recursive reader that only overflowed in
//! the page (PEP 508 markers nested 1,200 deep did) went unnoticed by the fuzzers, so each target runs its body on
//! a thread of [`PAGE_STACK_BYTES`], where the same input overflows here too and libFuzzer reports it as a crash.

/// The stack of the page's wasm module (Rust's default for wasm32: 1 MiB).
pub const PAGE_STACK_BYTES: usize = 1 << 20;

/// Runs `body` on a thread with [`PAGE_STACK_BYTES`] of stack, and passes its panic on.
pub fn on_page_stack(body: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("page-stack".into())
            .stack_size(PAGE_STACK_BYTES)
            .spawn_scoped(scope, body)
            .expect("a thread starts");
        if let Err(panic) = thread.join() {
            std::panic::resume_unwind(panic);
        }
    });
}
