//! The package-index worker's entry point: a second wasm module, loaded only when the page needs the index.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    osv_lens::io::index_worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the osv-lens worker runs in the browser: build it with `cargo xtask build`.");
    std::process::exit(2);
}
