//! Waiting without polling: a [`Signal`] that a message handler raises and a loop awaits, and
//! [`yield_now`], a turn of the event loop (so messages are heard) without the 4 ms that
//! browsers add to a `setTimeout(0)` set from within another timer.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Poll, Waker};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Raised by whoever has news, awaited by one loop.
#[derive(Clone, Default)]
pub(crate) struct Signal(Rc<RefCell<(bool, Option<Waker>)>>);

impl Signal {
    /// Wakes the waiting loop (or the next one to wait).
    pub(crate) fn raise(&self) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Waits until raised (at once when it was since the last wait).
    pub(crate) async fn wait(&self) {
        std::future::poll_fn(|context| {
            let mut state = self.0.borrow_mut();
            if std::mem::take(&mut state.0) {
                Poll::Ready(())
            } else {
                state.1 = Some(context.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }
}

/// One turn of the event loop: a message to ourselves through a `MessageChannel`, which runs
/// after the messages already queued, with no timer clamping.
pub(crate) async fn yield_now() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return gloo::timers::future::TimeoutFuture::new(0).await;
    };
    let signal = Signal::default();
    let raised = signal.clone();
    let on_message = Closure::once(move || raised.raise());
    channel.port1().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    if channel.port2().post_message(&wasm_bindgen::JsValue::NULL).is_err() {
        return gloo::timers::future::TimeoutFuture::new(0).await;
    }
    signal.wait().await;
    channel.port1().set_onmessage(None);
}
