//! The browser's clock, for link creation times, export timestamps and the expiry of ignore rules; its frames and idle
//! periods; and yielding to the event loop between slices of long work.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Now, as RFC 3339 in UTC with seconds: `2026-11-25T12:00:00Z`.
pub fn now_rfc3339() -> String {
    let iso: String = js_sys::Date::new_0().to_iso_string().into();
    // `toISOString` gives milliseconds; seconds are enough and read better.
    match iso.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => iso,
    }
}

/// Milliseconds since the page's navigation started (`performance.now()`), for timing the page's own work.
pub fn monotonic_ms() -> f64 {
    web_sys::window().and_then(|window| window.performance()).map_or(0.0, |performance| performance.now())
}

/// Leaves a named mark on the page's performance timeline (DevTools shows it; tests read it).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    now_rfc3339().chars().take(10).collect()
}

/// Resolves once the browser has drawn the next frame: after a `requestAnimationFrame` callback, a task later. Work
/// that can wait (the share link, saving records) runs after it, so that it never holds up the frame that shows a
/// report. A hidden tab draws no frames, so it also resolves after [`FRAME_WAIT_LIMIT_MS`] at the latest.
pub async fn after_next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
            return;
        };
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, FRAME_WAIT_LIMIT_MS);
        // The frame callback runs before that frame is drawn; the timer it sets fires after.
        let after_frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(&resolve);
            }
        });
        let _ = window.request_animation_frame(after_frame.unchecked_ref());
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Resolves once the browser has drawn the next frame and then has nothing more pressing to do (an idle period, by
/// `requestIdleCallback`), or after [`IDLE_WAIT_LIMIT_MS`] at the latest. For work nobody waits for at that moment,
/// such as the share link: it should not delay the page's answer to input that arrives meanwhile. Where the
/// browser has no `requestIdleCallback`, it resolves after the frame.
pub async fn when_idle() {
    after_next_frame().await;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(IDLE_WAIT_LIMIT_MS);
        let asked = web_sys::window().map(|window| window.request_idle_callback_with_options(&resolve, &options));
        if !matches!(asked, Some(Ok(_))) {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A callback waiting for the browser to be idle, as [`on_idle`] scheduled it; dropping it cancels the callback.
pub struct IdleCallback {
    handle: Option<IdleHandle>,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

enum IdleHandle {
    Idle(u32),
    Timeout(i32),
}

impl Drop for IdleCallback {
    fn drop(&mut self) {
        let Some(window) = web_sys::window() else { return };
        match self.handle {
            Some(IdleHandle::Idle(handle)) => window.cancel_idle_callback(handle),
            Some(IdleHandle::Timeout(handle)) => window.clear_timeout_with_handle(handle),
            None => {}
        }
    }
}

/// Runs `callback` when the browser is next idle (`requestIdleCallback`), or after [`IDLE_WAIT_LIMIT_MS`] at the
/// latest; where there is no `requestIdleCallback`, after a task. For work that finishes something already shown
/// and should not hold up the next frame or the user's next input.
pub fn on_idle(callback: impl FnOnce() + 'static) -> IdleCallback {
    let mut callback = Some(callback);
    let closure = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if let Some(callback) = callback.take() {
            callback();
        }
    });
    let handle = web_sys::window().and_then(|window| {
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(IDLE_WAIT_LIMIT_MS);
        let function: &js_sys::Function = closure.as_ref().unchecked_ref();
        match window.request_idle_callback_with_options(function, &options) {
            Ok(handle) => Some(IdleHandle::Idle(handle)),
            Err(_) => window.set_timeout_with_callback(function).ok().map(IdleHandle::Timeout),
        }
    });
    IdleCallback { handle, _callback: closure }
}

/// The longest [`when_idle`] and [`on_idle`] wait for an idle period.
const IDLE_WAIT_LIMIT_MS: u32 = 1_000;

/// The longest [`after_next_frame`] waits for a frame.
const FRAME_WAIT_LIMIT_MS: i32 = 250;

/// Posts messages to itself to end a task: unlike `setTimeout(0)`, whose nested calls the browser delays by at least
/// 4 ms each, a message is handled as soon as the browser has handled input and painted. Long work (loading an
/// offline database) yields hundreds of times.
struct Yielder {
    sender: web_sys::MessagePort,
    _receiver: web_sys::MessagePort,
    waiting: Rc<RefCell<VecDeque<js_sys::Function>>>,
    _on_message: Closure<dyn FnMut()>,
}

impl Yielder {
    fn new() -> Option<Self> {
        let channel = web_sys::MessageChannel::new().ok()?;
        let waiting: Rc<RefCell<VecDeque<js_sys::Function>>> = Rc::default();
        let on_message = {
            let waiting = Rc::clone(&waiting);
            Closure::<dyn FnMut()>::new(move || {
                let next = waiting.borrow_mut().pop_front();
                if let Some(resolve) = next {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            })
        };
        let receiver = channel.port1();
        receiver.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Self { sender: channel.port2(), _receiver: receiver, waiting, _on_message: on_message })
    }

    /// Queues `resolve` to be called in a task of its own; false when the message could not be posted.
    fn post(&self, resolve: js_sys::Function) -> bool {
        self.waiting.borrow_mut().push_back(resolve);
        if self.sender.post_message(&JsValue::NULL).is_ok() {
            return true;
        }
        self.waiting.borrow_mut().pop_back();
        false
    }
}

thread_local! {
    static YIELDER: Option<Yielder> = Yielder::new();
}

/// Lets the browser handle input and paint before the next slice of work.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if !YIELDER.with(|yielder| yielder.as_ref().is_some_and(|yielder| yielder.post(resolve.clone()))) {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(&resolve);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}
