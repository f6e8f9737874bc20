//! The package-index worker's entry point: a second wasm module, loaded only when the page needs the index.

#[cfg(target_arch = "wasm32")]
fn main() {
    // A build whose panics abort at once (see xtask's toolchain.rs) never reaches a hook.
    #[cfg(not(osv_lens_immediate_abort))]
    console_error_panic_hook::set_once();
    osv_lens::io::index_worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the osv-lens worker runs in the browser: build it with `cargo xtask build`.");
    std::process::exit(2);
}
