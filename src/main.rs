//! The browser entry point: install the panic hook and mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    // A build whose panics abort at once (see xtask's toolchain.rs) never reaches a hook.
    #[cfg(not(osv_lens_immediate_abort))]
    console_error_panic_hook::set_once();
    osv_lens::app::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("osv-lens runs in the browser: build it with `cargo xtask build` or serve it with `cargo xtask serve`.");
    std::process::exit(2);
}
